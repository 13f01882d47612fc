//! Protocol-level bad input over HTTP: each case gets its documented answer and the server
//! stays up.

use super::support::*;
use caspio_mcp::http::HttpConfig;
use serde_json::{json, Value};

/// Headers of a bad-input case: those of the open session (plus some), or exactly these.
enum Headers {
    InSession(Vec<(&'static str, String)>),
    Exactly(Vec<(&'static str, String)>),
}

/// One request and the answer it must get: its HTTP status and, for JSON-RPC errors, the code.
struct Case {
    what: &'static str,
    headers: Headers,
    body: String,
    status: u16,
    code: Option<i64>,
}

fn case(
    what: &'static str,
    headers: Headers,
    body: impl Into<String>,
    status: u16,
    code: Option<i64>,
) -> Case {
    Case {
        what,
        headers,
        body: body.into(),
        status,
        code,
    }
}

/// Posts `body` to `url`: the status, session id and JSON-RPC message answered.
async fn post(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&'static str, String)],
    body: String,
) -> (u16, Option<String>, Value) {
    let (status, session, _, message) = post_mcp(http, url, headers, body.into_bytes()).await;
    (status, session, message)
}

#[tokio::test]
async fn protocol_level_bad_input() {
    let s = start(HttpConfig {
        max_body: 64 * 1024,
        ..Default::default()
    })
    .await;
    let stateless = start(HttpConfig {
        stateless: true,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let mcp = format!("{}/mcp", s.url);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let (status, session, _) = post(&http, &mcp, &[], init.to_string()).await;
    assert_eq!(status, 200);
    let session = session.expect("a session id");
    let in_session = |extra: &[(&'static str, String)]| {
        let mut h = vec![
            ("mcp-session-id", session.clone()),
            ("mcp-protocol-version", "2025-11-25".to_string()),
        ];
        h.extend(extra.iter().cloned());
        h
    };
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post(&http, &mcp, &in_session(&[]), initialized.to_string()).await;

    let list = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}).to_string();
    let session_with = |version: &str| {
        vec![
            ("mcp-session-id", session.clone()),
            ("mcp-protocol-version", version.to_string()),
        ]
    };
    use Headers::{Exactly, InSession};
    let cases = [
        case("malformed JSON", InSession(vec![]), "{\"jsonrpc\":", 400, Some(-32700)),
        case(
            "an unknown method",
            InSession(vec![]),
            json!({"jsonrpc": "2.0", "id": 2, "method": "no/such"}).to_string(),
            200,
            Some(-32601),
        ),
        // rmcp answers an id it cannot read with a bare 415; MCP ids are strings or integers.
        case(
            "a fractional id",
            InSession(vec![]),
            json!({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}).to_string(),
            400,
            Some(-32600),
        ),
        case(
            "params without a tool name",
            InSession(vec![]),
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"arguments": {}}}).to_string(),
            200,
            Some(-32602),
        ),
        case(
            "an unknown tool",
            InSession(vec![]),
            json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "no_such_tool"}}).to_string(),
            200,
            Some(-32602),
        ),
        case("a wrong protocol version", Exactly(session_with("1999-01-01")), list.clone(), 400, None),
        case(
            "an unknown session",
            Exactly(vec![
                ("mcp-session-id", "not-a-session".into()),
                ("mcp-protocol-version", "2025-11-25".into()),
            ]),
            list.clone(),
            404,
            None,
        ),
        case(
            "a foreign Origin",
            InSession(vec![("origin", "https://evil.example.com".into())]),
            list.clone(),
            403,
            Some(-32600),
        ),
        case(
            "a foreign Host",
            InSession(vec![("host", "evil.example.com".into())]),
            list.clone(),
            403,
            Some(-32600),
        ),
        case(
            "a body over the limit",
            InSession(vec![]),
            format!("{{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":{{\"pad\":\"{}\"}}}}", "x".repeat(100_000)),
            413,
            Some(-32600),
        ),
    ];
    for c in cases {
        let headers = match c.headers {
            InSession(extra) => in_session(&extra),
            Exactly(h) => h,
        };
        let (status, _, body) = post(&http, &mcp, &headers, c.body).await;
        assert_eq!(status, c.status, "{}: {body}", c.what);
        if let Some(code) = c.code {
            assert_eq!(
                body["error"]["code"].as_i64(),
                Some(code),
                "{}: {body}",
                c.what
            );
            if code == -32600 || code == -32700 {
                assert!(body["id"].is_null(), "{}: {body}", c.what);
            }
        }
    }

    // What the table's helper cannot send: another content type, a GET, a narrow Accept.
    let wrong_type = http
        .post(&mcp)
        .header("content-type", "text/plain")
        .header("mcp-session-id", &session)
        .body(list.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415, "wrong content type");
    let get = http
        .get(format!("{}/mcp", stateless.url))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405, "GET on a stateless endpoint");
    // Clients that send only application/json (or */*) still get served.
    let narrow = http
        .post(&mcp)
        .header("content-type", "application/json")
        .header("accept", "*/*")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(list.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(narrow.status(), 200);
    // And after all that, the server still answers.
    let (status, _, body) = post(&http, &mcp, &in_session(&[]), list).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["result"]["tools"].as_array().unwrap().len(),
        caspio::registry().tools().len()
    );
    let health = http.get(format!("{}/healthz", s.url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = http.get(format!("{}/readyz", s.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    s.sandbox.task.abort();
    stateless.sandbox.task.abort();
}

#[test]
fn a_body_cap_too_small_for_any_request_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
        .args([
            "serve",
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--max-body",
            "100",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--max-body") && err.contains("at least 1024"),
        "{err}"
    );
    // The same value from a config file is refused the same way, naming the setting.
    let dir = std::env::temp_dir().join(format!("caspio-mcp-max-body-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "max_body = 100\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("max_body") && err.contains("at least 1024"),
        "{err}"
    );
}

#[tokio::test]
async fn a_second_request_with_an_id_still_in_flight_gets_an_error_not_silence() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let mcp = format!("{}/mcp", s.url);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let (_, session, _) = post(&http, &mcp, &[], init.to_string()).await;
    let headers = vec![
        ("mcp-session-id", session.expect("a session id")),
        ("mcp-protocol-version", "2025-11-25".to_string()),
    ];
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post(&http, &mcp, &headers, initialized.to_string()).await;
    // Caspio answers slowly, so the first call is still in flight when the second arrives.
    s.sandbox
        .sandbox
        .apply(&caspio_mcp::sandbox::FaultSettings {
            latency_ms: 400,
            ..Default::default()
        })
        .unwrap();
    let call = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "list_all_caspio_tables", "arguments": {}}}).to_string();
    let first = tokio::spawn({
        let (http, mcp, headers, call) = (http.clone(), mcp.clone(), headers.clone(), call.clone());
        async move { post(&http, &mcp, &headers, call).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let (status, _, second) = post(&http, &mcp, &headers, call.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(id_and_code(&second), (json!(9), -32600), "{second}");
    assert!(second["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already in flight"));
    let (_, _, first) = first.await.unwrap();
    assert_eq!(first["id"], 9);
    assert!(first["result"]["content"].is_array(), "{first}");
    // Answered: the id can be used again.
    let (_, _, again) = post(&http, &mcp, &headers, call).await;
    assert!(again["result"].is_object(), "{again}");
}
