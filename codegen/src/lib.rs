//! caspio-codegen: reads a Caspio OpenAPI 3.0 document and the doc overrides, and emits a typed
//! Rust client and the MCP tool registry.
//!
//! The flow is one direction, one module a step:
//! `load` (text → tree and typed model) → `resolve` (refs, schema lowering) → `lower` (IR of
//! operations) → `tools` (overrides merged, arguments flattened, client-safe schemas) → `emit`
//! (Rust tokens, formatted by prettyplease). Every failure is an [`Error`] with a JSON pointer.
#![warn(missing_docs)]

pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod overrides;
pub mod pointer;
pub mod resolve;
pub mod schemas;
pub mod tools;

pub use error::{Error, Result, Source};

/// The result of a generation run.
pub struct Generated {
    /// The formatted Rust source to `include!`.
    pub code: String,
    /// The tools, for callers that want to inspect them (tests, tooling).
    pub tools: Vec<tools::Tool>,
}

/// Generates the client and tool registry from the text of an OpenAPI document and of the
/// overrides file. Deterministic: the same input gives byte-identical output.
pub fn generate(spec: &str, overrides: &str) -> Result<Generated> {
    let document = load::load(spec)?;
    let api = lower::lower(&document)?;
    let overrides = overrides::parse(overrides)?;
    let tools = tools::build(&api, &overrides)?;
    let code = emit::emit(&api.base_path, &tools)?;
    Ok(Generated { code, tools })
}
