//! The tools a runtime serves: handed in by the generated crate as a value, so the runtime never
//! names a generated item.

use crate::tools::{call_tool, CallError, ToolDef, ToolOutput};
use crate::Client;
use serde_json::{Map, Value};

/// An API's tools: the generated ones, in document order, then the runtime's local ones.
#[derive(Debug)]
pub struct Registry {
    base_path: &'static str,
    tools: Vec<&'static ToolDef>,
}

impl Registry {
    /// A registry of `generated` tools for an API whose paths start with `base_path`.
    pub fn new(base_path: &'static str, generated: &'static [ToolDef]) -> Self {
        let mut tools: Vec<&'static ToolDef> = generated.iter().collect();
        tools.push(&crate::where_builder::TOOL);
        Registry { base_path, tools }
    }

    /// The path prefix of every operation.
    pub fn base_path(&self) -> &'static str {
        self.base_path
    }

    /// Every tool.
    pub fn tools(&self) -> &[&'static ToolDef] {
        &self.tools
    }

    /// The tool with this name.
    pub fn find(&self, name: &str) -> Option<&'static ToolDef> {
        self.tools.iter().copied().find(|t| t.name == name)
    }

    /// Calls the tool named `name` (see [`call_tool`]).
    pub async fn call(
        &self,
        client: &Client,
        name: &str,
        args: Option<Map<String, Value>>,
    ) -> Result<ToolOutput, CallError> {
        let tool = self
            .find(name)
            .ok_or_else(|| CallError::UnknownTool(name.to_string()))?;
        call_tool(client, tool, args.unwrap_or_default()).await
    }
}
