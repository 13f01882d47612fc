//! Schema profiles: every tool's input schema under every profile keeps that profile's rules and
//! is a valid JSON Schema (2020-12 meta-schema, checked by the `jsonschema` crate); a connection
//! chooses its profile with `?profile=`, and arguments filled in the strict way reach Caspio as
//! the tool takes them.

use super::support::*;
use caspio_mcp::catalog::{mcp_tools, profiled};
use caspio_mcp::http::HttpConfig;
use caspio_mcp::profile::Profile;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::{json, Value};

fn listed(profile: Profile) -> Vec<Value> {
    let tools = mcp_tools(caspio::registry().tools().iter().copied()).unwrap();
    profiled(&tools, profile)
        .unwrap()
        .iter()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect()
}

/// Every schema inside `schema` (itself, properties, items), with its place.
fn each_schema<'a>(schema: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    out.push((at.clone(), schema));
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            each_schema(v, format!("{at}/properties/{k}"), out);
        }
    }
    if let Some(items) = schema.get("items") {
        each_schema(items, format!("{at}/items"), out);
    }
}

/// What `profile` forbids in one schema, in words; empty when it keeps the rules.
fn broken_rules(profile: Profile, s: &Value) -> Vec<String> {
    let mut broken = Vec::new();
    let has = |k: &str| s.get(k).is_some();
    for k in ["$ref", "$defs", "$schema", "oneOf", "allOf", "not"] {
        if has(k) {
            broken.push(format!("has {k}"));
        }
    }
    if s["type"] == "array" && !has("items") {
        broken.push("array without items".into());
    }
    match profile {
        Profile::Default => {
            if !has("type") && s != &json!({}) {
                broken.push("no type".into());
            }
        }
        Profile::OpenAiStrict => {
            if !has("type") {
                broken.push("no type".into());
            }
            let is_object = s["type"] == "object";
            if is_object {
                if s["additionalProperties"] != false {
                    broken.push("object not closed".into());
                }
                let keys: Vec<&String> = s["properties"]
                    .as_object()
                    .map(|p| p.keys().collect())
                    .unwrap_or_default();
                let required: Vec<&str> = s["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if keys.iter().any(|k| !required.contains(&k.as_str())) {
                    broken.push("a property not required".into());
                }
            }
            for k in ["minLength", "maxLength", "default"] {
                if has(k) {
                    broken.push(format!("has {k}"));
                }
            }
        }
        Profile::Gemini => {
            if !s["type"].is_string() {
                broken.push("type is not one string".into());
            }
            for k in [
                "additionalProperties",
                "default",
                "const",
                "exclusiveMinimum",
                "exclusiveMaximum",
            ] {
                if has(k) {
                    broken.push(format!("has {k}"));
                }
            }
            if let Some(f) = s.get("format").and_then(Value::as_str) {
                if !["enum", "date-time", "int32", "int64", "float", "double"].contains(&f) {
                    broken.push(format!("format {f}"));
                }
            }
        }
    }
    broken
}

#[test]
fn every_tool_schema_keeps_each_profiles_rules_and_is_valid_json_schema() {
    for profile in Profile::ALL {
        let tools = listed(profile);
        assert_eq!(tools.len(), caspio::registry().tools().len());
        let mut problems = Vec::new();
        for tool in &tools {
            let name = tool["name"].as_str().unwrap();
            let schema = &tool["inputSchema"];
            assert_eq!(schema["type"], "object", "{name}: object root");
            if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
                problems.push(format!("{name}: not a valid JSON Schema: {e}"));
            }
            let mut all = Vec::new();
            each_schema(schema, "#".into(), &mut all);
            for (at, s) in all {
                for broken in broken_rules(profile, s) {
                    problems.push(format!("{name} {at}: {broken}"));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} profile:\n{}",
            profile.name(),
            problems.join("\n")
        );
    }
}

#[test]
fn the_checks_catch_what_each_profile_forbids() {
    // The rules above must be able to fail: each broken schema is caught.
    let open = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    assert!(!broken_rules(Profile::OpenAiStrict, &open).is_empty());
    let gemini_bad = json!({"type": ["string", "null"], "default": "x"});
    assert_eq!(broken_rules(Profile::Gemini, &gemini_bad).len(), 2);
    let not_schema = json!({"type": "object", "properties": {"a": {"type": "text"}}});
    assert!(jsonschema::draft202012::meta::validate(&not_schema).is_err());
}

#[tokio::test]
async fn a_connection_chooses_its_profile_and_strict_arguments_reach_caspio_as_meant() {
    let s = start(HttpConfig::default()).await;
    let strict = ()
        .serve(StreamableHttpClientTransport::from_uri(format!(
            "{}/mcp?profile=openai-strict",
            s.url
        )))
        .await
        .unwrap();
    let tools = strict.list_all_tools().await.unwrap();
    let update = tools
        .iter()
        .find(|t| t.name == "update_a_caspio_record_by_id")
        .unwrap();
    let schema = serde_json::to_value(&update.input_schema).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["values"]["type"], "string");
    // As a strict model fills it in: every argument, null for the unused, values as a string.
    let mut arguments = serde_json::Map::new();
    for key in schema["properties"].as_object().unwrap().keys() {
        arguments.insert(key.clone(), Value::Null);
    }
    arguments.insert("table_name".into(), json!("Inventory"));
    arguments.insert(
        "where".into(),
        json!("SKU_Prefix = 'OBS-2024' AND In_Stock = 0"),
    );
    arguments.insert("values".into(), json!("{\"Warehouse\": \"Reno\"}"));
    let done = strict
        .call_tool(
            CallToolRequestParams::new("update_a_caspio_record_by_id").with_arguments(arguments),
        )
        .await
        .unwrap();
    assert_ne!(done.is_error, Some(true), "{done:?}");
    let affected = done.structured_content.unwrap()["RecordsAffected"]
        .as_u64()
        .unwrap();
    assert!(affected > 0);
    strict.cancel().await.ok();

    // The same server, another connection: the default shapes.
    let plain = connect(&format!("{}/mcp", s.url)).await;
    let tools = plain.list_all_tools().await.unwrap();
    let update = tools
        .iter()
        .find(|t| t.name == "update_a_caspio_record_by_id")
        .unwrap();
    assert_eq!(
        serde_json::to_value(&update.input_schema).unwrap()["properties"]["values"]["type"],
        "object"
    );
    plain.cancel().await.ok();

    // An unknown profile is refused, naming the ones there are.
    let wrong = ()
        .serve(StreamableHttpClientTransport::from_uri(format!(
            "{}/mcp?profile=strict",
            s.url
        )))
        .await
        .unwrap();
    let err = wrong.list_all_tools().await.unwrap_err().to_string();
    assert!(err.contains("openai-strict"), "{err}");
    wrong.cancel().await.ok();
    s.sandbox.task.abort();
}

/// The most o200k_base tokens each profile's whole `tools/list` and its model-read part (name,
/// description, inputSchema) may cost: measured, with a little room, so growth is a decision.
/// The default's are the project's budget (8,050 and 6,700).
const TOKEN_CEILINGS: [(Profile, usize, usize); 3] = [
    (Profile::Default, 8_050, 6_700),
    (Profile::OpenAiStrict, 9_050, 7_700),
    (Profile::Gemini, 8_050, 6_720),
];

#[test]
fn each_profile_stays_within_its_token_ceiling() {
    let bpe = tiktoken_rs::o200k_base().unwrap();
    let count = |v: &Value| bpe.encode_with_special_tokens(&v.to_string()).len();
    for (profile, whole_max, model_max) in TOKEN_CEILINGS {
        let tools = listed(profile);
        let whole = count(&json!(tools));
        let model: Vec<Value> = tools
            .iter()
            .map(|t| json!({"name": t["name"], "description": t["description"], "inputSchema": t["inputSchema"]}))
            .collect();
        let model = count(&json!(model));
        println!(
            "{:14} tools/list {whole:5} tokens; name + description + inputSchema {model:5}",
            profile.name()
        );
        assert!(
            whole <= whole_max && model <= model_max,
            "{} profile: {whole} / {model} tokens, over {whole_max} / {model_max}",
            profile.name()
        );
    }
}
