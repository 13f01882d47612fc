//! Reviewable snapshots of everything generated: one per tool (as a client sees it, plus the
//! registry data a server filters on), the whole tools/list, and the generated Rust. A spec,
//! override or generator change shows up here as a diff; a stale snapshot fails the test.

use serde_json::json;

#[test]
fn each_tool() {
    for tool in caspio::tools::all() {
        let client_view = tool.to_mcp_json();
        let snapshot = json!({
            "tool": client_view,
            "registry": {
                "operationId": tool.operation_id,
                "http": format!("{} {}", tool.method, tool.path),
                "tags": tool.tags,
                "kind": tool.kind,
                "hints": {
                    "readOnly": tool.hints.read_only,
                    "destructive": tool.hints.destructive,
                    "idempotent": tool.hints.idempotent,
                    "bulk": tool.hints.bulk,
                    "openWorld": true,
                },
                "validationSchema": tool.validation_schema.map(|s| serde_json::from_str::<serde_json::Value>(s).unwrap()),
            }
        });
        insta::assert_json_snapshot!(format!("tool__{}", tool.name), snapshot);
    }
}

#[test]
fn whole_tool_list() {
    let tools: Vec<serde_json::Value> = caspio::tools::all()
        .iter()
        .map(|t| t.to_mcp_json())
        .collect();
    insta::assert_json_snapshot!("tools_list", tools);
}

#[test]
fn generated_rust() {
    let code = include_str!(concat!(env!("OUT_DIR"), "/caspio_generated.rs"));
    insta::assert_snapshot!("generated_rust", code);
}
