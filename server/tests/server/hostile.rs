//! The hostile-input corpus (`tests/hostile/`): every case gets its documented answer, the server
//! keeps answering, nothing is written, and no secret appears in any answer.

use super::support::*;
use caspio_mcp::http::HttpConfig;
use rmcp::model::CallToolRequestParams;
use serde_json::{json, Value};

fn corpus(file: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/hostile")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Expands `${repeat:UNIT*N}` in corpus strings.
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${repeat:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${repeat:".len()..];
        let end = after.find('}').expect("a closing brace");
        let (unit, times) = after[..end].rsplit_once('*').expect("UNIT*N");
        out.push_str(&unit.repeat(times.parse().expect("N is a number")));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Expands the templates inside every string of a JSON value.
fn expand_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(expand(s)),
        Value::Array(items) => Value::Array(items.iter().map(expand_value).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), expand_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// What no answer may contain.
fn assert_no_secret(what: &str, text: &str) {
    for secret in ["sandbox-secret", "Bearer ", "access_token"] {
        assert!(
            !text.contains(secret),
            "{what}: the answer shows `{secret}`"
        );
    }
}

fn writes(s: &Server) -> usize {
    s.sandbox
        .sandbox
        .log()
        .iter()
        .filter(|e| e.method != "GET" && e.path != "/oauth/token")
        .count()
}

#[tokio::test]
async fn the_protocol_corpus_gets_its_documented_answers() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let mcp = format!("{}/mcp", s.url);
    let send = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let (http, mcp) = (http.clone(), mcp.clone());
        async move { post_mcp(&http, &mcp, &headers, body).await }
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "hostile", "version": "1"}}});
    let (_, session, _, _) = send(vec![], init.to_string().into_bytes()).await;
    let headers = vec![
        ("mcp-session-id", session.expect("a session")),
        ("mcp-protocol-version", "2025-11-25".to_string()),
    ];
    send(
        headers.clone(),
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
    )
    .await;
    let cases = corpus("protocol.json");
    assert!(cases.len() >= 20);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let body = match case.get("body_hex") {
            Some(h) => hex(h.as_str().unwrap()),
            None => expand(case["body"].as_str().unwrap()).into_bytes(),
        };
        let (status, _, text, message) = send(headers.clone(), body).await;
        assert_eq!(
            status as u64,
            case["status"].as_u64().unwrap(),
            "{name}: {}",
            &text[..text.len().min(300)]
        );
        if let Some(code) = case.get("code") {
            assert_eq!(
                &message["error"]["code"],
                code,
                "{name}: {}",
                &text[..text.len().min(300)]
            );
        }
        if let Some(says) = case.get("says").and_then(Value::as_str) {
            assert!(
                text.contains(says),
                "{name}: {}",
                &text[..text.len().min(300)]
            );
        }
        assert_no_secret(name, &text);
        // Still answering.
        let (status, _, _, pong) = send(
            headers.clone(),
            br#"{"jsonrpc":"2.0","id":"after","method":"ping"}"#.to_vec(),
        )
        .await;
        assert_eq!(
            (status, &pong["id"]),
            (200, &json!("after")),
            "{name}: the server answers afterwards"
        );
    }
    assert_eq!(writes(&s), 0, "the protocol corpus wrote nothing");
    println!(
        "hostile protocol corpus: {} cases, each answered as documented",
        cases.len()
    );
}

#[tokio::test]
async fn the_tool_argument_corpus_is_refused_clearly_and_changes_nothing() {
    let s = start(HttpConfig::default()).await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let cases = corpus("tool_arguments.json");
    assert!(cases.len() >= 20);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let arguments = expand_value(&case["arguments"]);
        let request = CallToolRequestParams::new(case["tool"].as_str().unwrap().to_string())
            .with_arguments(arguments.as_object().cloned().unwrap());
        let says = case["says"].as_str().unwrap();
        match client.call_tool(request).await {
            Ok(result) => {
                let text = serde_json::to_string(&result.content).unwrap();
                assert_eq!(
                    result.is_error,
                    Some(true),
                    "{name}: {}",
                    &text[..text.len().min(300)]
                );
                assert!(
                    text.contains(says),
                    "{name}: {}",
                    &text[..text.len().min(400)]
                );
                assert_no_secret(name, &text);
            }
            Err(e) => {
                assert!(
                    case.get("code").is_some(),
                    "{name}: a protocol error where a tool error was due: {e}"
                );
                assert!(e.to_string().contains(says), "{name}: {e}");
            }
        }
    }
    assert_eq!(writes(&s), 0, "the tool-argument corpus wrote nothing");
    let inventory = client
        .call_tool(
            CallToolRequestParams::new("list_all_caspio_records")
                .with_arguments(args(json!({"table_name": "Inventory"}))),
        )
        .await
        .unwrap();
    assert_eq!(
        inventory.structured_content.unwrap()["Result"]
            .as_array()
            .unwrap()
            .len(),
        7,
        "Inventory as seeded"
    );
    println!(
        "hostile tool-argument corpus: {} cases, each a clear tool error, nothing written",
        cases.len()
    );
    client.cancel().await.ok();
}
