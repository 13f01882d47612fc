//! What every client can take: the rules the tool list must keep (see shared/mcp/NOTES.md §E):
//! the tool names a user's prompts rely on, names every client accepts, and input schemas in the
//! subset the major clients agree on.

use serde_json::Value;

/// Names of the managed Caspio MCP servers users already know; prompts written for them work here.
const KNOWN_NAMES: [&str; 17] = [
    "list_all_caspio_tables",
    "create_a_caspio_table",
    "get_single_caspio_table_by_id",
    "list_all_caspio_fields",
    "create_a_caspio_field",
    "update_a_caspio_field_by_id",
    "delete_a_caspio_field_by_id",
    "get_single_caspio_field_by_id",
    "list_all_caspio_records",
    "create_a_caspio_record",
    "update_a_caspio_record_by_id",
    "update_a_caspio_attachment_by_id",
    "list_all_caspio_users",
    "delete_a_caspio_user_by_id",
    "create_a_caspio_view_record",
    "caspio_deployments_bulk_update",
    "list_all_caspio_datapages",
];

#[test]
fn the_known_names_exist_for_the_right_operations() {
    let find = |n: &str| {
        caspio::registry()
            .find(n)
            .unwrap_or_else(|| panic!("missing tool {n}"))
    };
    for n in KNOWN_NAMES {
        find(n);
    }
    assert_eq!(
        find("update_a_caspio_record_by_id").operation_id(),
        Some("UpdateTableRecords")
    );
    assert_eq!(
        find("update_a_caspio_attachment_by_id").operation_id(),
        Some("UploadFileToAttachmentTableField")
    );
    assert_eq!(
        find("caspio_deployments_bulk_update").operation_id(),
        Some("UpdateBridgeApplicationDataPagesDeployment")
    );
    assert_eq!(
        find("list_all_caspio_users").operation_id(),
        Some("ListDirectoryUsers")
    );
    let ops: std::collections::BTreeSet<_> = caspio::registry()
        .tools()
        .iter()
        .filter_map(|t| t.operation_id())
        .collect();
    let spec = std::fs::read_to_string(env!("CASPIO_SPEC_PATH")).unwrap();
    let overrides = std::fs::read_to_string(env!("CASPIO_OVERRIDES_PATH")).unwrap();
    let operations: std::collections::BTreeSet<String> =
        caspio_codegen::generate(&spec, &overrides)
            .unwrap()
            .tools
            .iter()
            .map(|t| t.operation.id.clone())
            .collect();
    assert_eq!(
        ops,
        operations.iter().map(String::as_str).collect(),
        "one tool per operation of the document"
    );
}

#[test]
fn names_fit_every_client() {
    let mut seen = std::collections::BTreeSet::new();
    for t in caspio::registry().tools() {
        let n = t.name;
        assert!(
            n.len() <= 48,
            "{n}: over 48 characters (mcp__caspio__ prefixes must still fit 64)"
        );
        assert!(
            n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{n}"
        );
        assert!(seen.insert(n), "{n} twice");
        assert!(!t.title.is_empty(), "{n} has no title");
    }
}

fn check_subset(schema: &Value, at: &str) {
    let Value::Object(m) = schema else {
        panic!("{at}: a schema must be an object")
    };
    for banned in [
        "$ref",
        "$defs",
        "$schema",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "definitions",
    ] {
        assert!(
            !m.contains_key(banned),
            "{at}: `{banned}` is outside the client-safe subset"
        );
    }
    if m.get("type") == Some(&Value::String("array".into())) {
        let items = m
            .get("items")
            .unwrap_or_else(|| panic!("{at}: an array without items"));
        check_subset(items, &format!("{at}.items"));
    }
    if let Some(props) = m.get("properties") {
        let props = props
            .as_object()
            .unwrap_or_else(|| panic!("{at}: properties must be an object"));
        if let Some(req) = m.get("required") {
            for r in req.as_array().unwrap() {
                assert!(
                    props.contains_key(r.as_str().unwrap()),
                    "{at}: required names `{r}`, which is not a property"
                );
            }
        }
        for (k, v) in props {
            check_subset(v, &format!("{at}.{k}"));
        }
    }
}

#[test]
fn input_schemas_stay_in_the_subset_every_client_accepts() {
    for t in caspio::registry().tools() {
        let json = t.to_mcp_json();
        let input = &json["inputSchema"];
        assert_eq!(
            input["type"], "object",
            "{}: the root must be an object",
            t.name
        );
        assert!(
            input["properties"].is_object(),
            "{}: properties must always be present",
            t.name
        );
        check_subset(input, t.name);
        if let Some(out) = json.get("outputSchema") {
            assert_eq!(
                out["type"], "object",
                "{}: structured content is an object",
                t.name
            );
        }
    }
}
