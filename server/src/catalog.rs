//! The tools this server offers, as MCP `Tool` objects built from the generated registry's data.
//! Kept as data so a request context can filter them (tags, method kinds) and a client profile
//! can transform them, without touching generated code.

use caspio::runtime::tools::ToolDef;
use rmcp::model::Tool;

/// Converts tool definitions to MCP tools, in registry order. The conversion goes through the
/// JSON the registry says a client receives, so `tools --json`, the token-budget test and
/// `tools/list` can never disagree.
pub fn mcp_tools<'a>(defs: impl IntoIterator<Item = &'a ToolDef>) -> anyhow::Result<Vec<Tool>> {
    defs.into_iter()
        .map(|def| {
            serde_json::from_value(def.to_mcp_json()).map_err(|e| {
                anyhow::anyhow!("tool `{}` does not fit the MCP Tool shape: {e}", def.name)
            })
        })
        .collect()
}

/// The same tools with input schemas shaped by `profile` (see [`crate::profile`]).
pub fn profiled(tools: &[Tool], profile: crate::profile::Profile) -> anyhow::Result<Vec<Tool>> {
    tools
        .iter()
        .map(|tool| {
            let mut json = serde_json::to_value(tool)?;
            json["inputSchema"] = profile.input_schema(&json["inputSchema"]);
            serde_json::from_value(json).map_err(|e| {
                anyhow::anyhow!(
                    "tool `{}` under the {} profile does not fit the MCP Tool shape: {e}",
                    tool.name,
                    profile.name()
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmcp_serializes_every_tool_exactly_as_the_registry_says() {
        let defs = caspio::registry().tools();
        let tools = mcp_tools(defs.iter().copied()).unwrap();
        assert_eq!(tools.len(), defs.len());
        for (tool, def) in tools.iter().zip(defs) {
            assert_eq!(
                serde_json::to_value(tool).unwrap(),
                def.to_mcp_json(),
                "{}",
                def.name
            );
        }
    }
}
