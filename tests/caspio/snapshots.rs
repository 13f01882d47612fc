//! Reviewable snapshots of everything generated, one per artifact: the whole `tools/list` as a
//! client receives it, and the generated Rust (which also holds what only the registry carries:
//! tags, method kinds, hints, validation schemas, count readers). A spec, override or generator
//! change shows up here as a diff; a stale snapshot fails the test.

#[test]
fn whole_tool_list() {
    let tools: Vec<serde_json::Value> = caspio::registry()
        .tools()
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
