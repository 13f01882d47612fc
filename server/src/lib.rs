//! The `caspio-mcp` server: the generated Caspio tools served over MCP, and an embedded Caspio
//! sandbox so it runs with no account at all. The binary (`main.rs`) is a thin CLI over this.

pub mod catalog;
pub mod sandbox;
