//! The `caspio-mcp` server: the generated Caspio tools served over MCP, and an embedded Caspio
//! sandbox so it runs with no account at all. The binary (`main.rs`) is a thin CLI over this.
//!
//! A tool call flows: transport (`http` for Streamable HTTP via rmcp, `sse` for the legacy
//! bridge, `stdio` for launched processes; each checks messages with `jsonrpc` first) →
//! `handler` (one per session or request, over a shared `Context`) → `caspio::tools` (validate,
//! typed parameters, request) → `caspio::Client` → Caspio or the `sandbox`.

pub mod admin_cli;
pub mod audit;
pub mod budget;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod confirm;
pub mod discovery;
pub mod handler;
pub mod hosted;
pub mod http;
pub mod jsonrpc;
pub mod net;
pub mod profile;
pub mod prompts;
pub mod resources;
pub mod scope;
pub mod settings;
pub use caspio_sandbox as sandbox;
pub mod sse;
pub mod stdio;
