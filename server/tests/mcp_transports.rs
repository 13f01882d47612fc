//! The server as real clients see it. rmcp's own client drives Streamable HTTP in both protocol
//! eras (the 2025-11-25 handshake with sessions, and stateless 2026-07-28) and stdio through the
//! real binary; the legacy SSE transport is driven over raw HTTP. Then protocol-level bad input,
//! which must get the right answer while the server stays up.

use caspio_mcp::handler::Context;
use caspio_mcp::http::{router, HttpConfig};
use caspio_mcp::sandbox::{Running, Sandbox, SandboxConfig};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

mod common;

struct Server {
    url: String,
    sandbox: Running,
    versions: Arc<Mutex<Vec<String>>>,
}

async fn start(config: HttpConfig) -> Server {
    let (client, sandbox) = common::sandbox(SandboxConfig::default()).await;
    let ctx = Arc::new(Context::new(client, caspio::registry(), |_| true).unwrap());
    let versions = Arc::new(Mutex::new(Vec::new()));
    let seen = versions.clone();
    let app = router(ctx, config, tokio_util::sync::CancellationToken::new()).layer(
        axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let seen = seen.clone();
                async move {
                    if let Some(v) = req
                        .headers()
                        .get("mcp-protocol-version")
                        .and_then(|v| v.to_str().ok())
                    {
                        seen.lock().unwrap().push(v.to_string());
                    }
                    next.run(req).await
                }
            },
        ),
    );
    let addr = common::serve(app).await;
    Server {
        url: format!("http://{addr}"),
        sandbox,
        versions,
    }
}

fn args(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap()
}

async fn drive_with_rmcp(url: &str, version: ProtocolVersion) {
    let transport = StreamableHttpClientTransport::from_uri(format!("{url}/mcp"));
    let client = if version == ProtocolVersion::V_2026_07_28 {
        // The 2026-07-28 lifecycle: server/discover, then self-contained stateless requests.
        ().serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![version],
            },
        )
        .await
        .expect("discovers")
    } else {
        ().serve(transport).await.expect("initializes")
    };
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(
        tools.len(),
        71,
        "70 Caspio operations and caspio_build_where"
    );
    assert!(tools.iter().any(|t| t.name == "list_all_caspio_records"));
    // A read tool.
    let read = client
        .call_tool(CallToolRequestParams::new("list_all_caspio_records").with_arguments(args(json!({"table_name": "Inventory", "where": "SKU LIKE 'OBS-2024%' AND In_Stock = 0", "select": "SKU"}))))
        .await
        .unwrap();
    assert_ne!(read.is_error, Some(true));
    assert_eq!(
        read.structured_content.unwrap()["Result"],
        json!([{"SKU": "OBS-2024-001"}, {"SKU": "OBS-2024-003"}])
    );
    // A write tool, and its effect.
    let write = client
        .call_tool(CallToolRequestParams::new("update_a_caspio_record_by_id").with_arguments(args(json!({"table_name": "Inventory", "where": "SKU = 'OBS-2024-001'", "values": {"Quantity": 5, "In_Stock": true}}))))
        .await
        .unwrap();
    assert_eq!(write.structured_content.unwrap()["RecordsAffected"], 1);
    let after = client
        .call_tool(CallToolRequestParams::new("list_all_caspio_records").with_arguments(args(json!({"table_name": "Inventory", "where": "SKU = 'OBS-2024-001'", "select": "Quantity"}))))
        .await
        .unwrap();
    assert_eq!(
        after.structured_content.unwrap()["Result"][0]["Quantity"],
        5
    );
    // Invalid arguments are a tool error the model can read, not a protocol error.
    let bad = client
        .call_tool(
            CallToolRequestParams::new("list_all_caspio_records")
                .with_arguments(args(json!({"table_name": "Inventory", "page_size": 1}))),
        )
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    let text = serde_json::to_string(&bad.content).unwrap();
    assert!(text.contains("page_size"), "{text}");
    assert!(text.contains("Nothing was sent to Caspio"), "{text}");
    // A bulk change the guard refuses is a tool error too; its count was read from Caspio, so
    // the text must not claim that nothing was sent, only that nothing changed.
    let refused = client
        .call_tool(
            CallToolRequestParams::new("delete_a_caspio_record_by_id").with_arguments(args(
                json!({"table_name": "Inventory", "where": "PK_ID > 0"}),
            )),
        )
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    let text = serde_json::to_string(&refused.content).unwrap();
    assert!(
        text.contains("allow_all_rows") && text.contains("Nothing was changed"),
        "{text}"
    );
    assert!(!text.contains("Nothing was sent"), "{text}");
    client.cancel().await.ok();
}

#[tokio::test]
async fn rmcp_client_with_the_2025_handshake() {
    let s = start(HttpConfig::default()).await;
    drive_with_rmcp(&s.url, ProtocolVersion::V_2025_11_25).await;
    let seen = s.versions.lock().unwrap().clone();
    assert!(
        !seen.is_empty() && seen.iter().all(|v| v == "2025-11-25"),
        "{seen:?}"
    );
    s.sandbox.task.abort();
}

#[tokio::test]
async fn rmcp_client_stateless_2026() {
    let s = start(HttpConfig::default()).await;
    drive_with_rmcp(&s.url, ProtocolVersion::V_2026_07_28).await;
    assert!(
        s.versions.lock().unwrap().iter().any(|v| v == "2026-07-28"),
        "{:?}",
        s.versions.lock().unwrap()
    );
    s.sandbox.task.abort();
}

#[tokio::test]
async fn rmcp_client_against_a_stateless_server() {
    for version in [ProtocolVersion::V_2025_11_25, ProtocolVersion::V_2026_07_28] {
        let s = start(HttpConfig {
            stateless: true,
            ..Default::default()
        })
        .await;
        drive_with_rmcp(&s.url, version).await;
        s.sandbox.task.abort();
    }
}

#[tokio::test]
async fn rmcp_client_over_stdio() {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"));
    cmd.args(["stdio", "--sandbox"])
        .env("CASPIO_MCP_LOG", "warn");
    let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
    let client = ().serve(transport).await.expect("stdio server starts");
    assert_eq!(client.list_all_tools().await.unwrap().len(), 71);
    let out = client
        .call_tool(CallToolRequestParams::new("list_all_caspio_directories"))
        .await
        .unwrap();
    assert!(out.structured_content.unwrap()["Result"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["Id"] == "402"));
    client.cancel().await.ok();
}

/// fetch_all reports each page as `notifications/progress` under the caller's token, in order,
/// through a real MCP client.
#[tokio::test]
async fn fetch_all_progress_reaches_an_mcp_client_in_order() {
    use rmcp::model::{
        NumberOrString, ProgressNotificationParam, ProgressToken, RequestMetaObject,
    };
    use rmcp::service::NotificationContext;

    /// Each notification's (progress, total).
    type Seen = Arc<Mutex<Vec<(f64, Option<f64>)>>>;
    #[derive(Clone)]
    struct Progress(Seen);
    impl rmcp::ClientHandler for Progress {
        async fn on_progress(
            &self,
            p: ProgressNotificationParam,
            _context: NotificationContext<rmcp::RoleClient>,
        ) {
            self.0.lock().unwrap().push((p.progress, p.total));
        }
    }

    let s = start(HttpConfig::default()).await;
    // 2,100 records, so fetch_all reads three pages of at most 1,000.
    let cfg = s.sandbox.sandbox.config().clone();
    let direct = caspio::Client::new(
        &s.sandbox.base_url,
        caspio::Credentials::ClientCredentials {
            client_id: cfg.client_id,
            client_secret: cfg.client_secret,
        },
    )
    .unwrap();
    let table = json!({"name": "Events", "fields": [{"Name": "N", "Type": "INTEGER"}]});
    caspio::registry()
        .call(&direct, "create_a_caspio_table", Some(args(table)))
        .await
        .unwrap();
    for start in (0..2100).step_by(100) {
        let batch = (start..start + 100).map(|i| {
            let record = json!({"table_name": "Events", "record": {"N": i}});
            caspio::registry().call(&direct, "create_a_caspio_record", Some(args(record)))
        });
        for r in futures::future::join_all(batch).await {
            r.unwrap();
        }
    }

    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Progress(seen.clone())
        .serve(StreamableHttpClientTransport::from_uri(format!(
            "{}/mcp",
            s.url
        )))
        .await
        .unwrap();
    let mut call = CallToolRequestParams::new("list_all_caspio_records")
        .with_arguments(args(json!({"table_name": "Events", "fetch_all": true})));
    call.meta = Some(RequestMetaObject::with_progress_token(ProgressToken(
        NumberOrString::Number(7),
    )));
    let out = client.call_tool(call).await.unwrap();
    assert_eq!(
        out.structured_content.unwrap()["Result"]
            .as_array()
            .unwrap()
            .len(),
        2100
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.lock().unwrap().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (1000.0, Some(2100.0)),
            (2000.0, Some(2100.0)),
            (2100.0, Some(2100.0))
        ]
    );
    client.cancel().await.ok();
    s.sandbox.task.abort();
}

/// Reads SSE events from a response until `want` events named `message` arrived.
async fn sse_events(resp: &mut reqwest::Response, want: usize) -> Vec<(String, String)> {
    let mut buf = String::new();
    let mut events = Vec::new();
    while events
        .iter()
        .filter(|(e, _): &&(String, String)| e == "message")
        .count()
        < want
    {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), resp.chunk())
            .await
            .expect("event in time")
            .unwrap()
            .expect("stream open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !data.is_empty() {
                events.push((name, data));
            }
        }
    }
    events
}

#[tokio::test]
async fn legacy_sse_transport() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let mut stream = http
        .get(format!("{}/sse", s.url))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buf = String::new();
    while !buf.contains("\n\n") {
        buf.push_str(&String::from_utf8_lossy(
            &stream.chunk().await.unwrap().unwrap(),
        ));
    }
    assert!(buf.starts_with("event: endpoint"), "{buf}");
    let endpoint = buf
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap()
        .to_string();
    let post = |body: Value| {
        let http = http.clone();
        let url = format!("{}{endpoint}", s.url);
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).await, 202);
    assert_eq!(
        post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await,
        202
    );
    assert_eq!(
        post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await,
        202
    );
    assert_eq!(post(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "create_a_caspio_record", "arguments": {"table_name": "Support_Tickets", "record": {"Title": "From SSE", "Status": "Open"}}}})).await, 202);
    let events = sse_events(&mut stream, 3).await;
    let by_id = |id: i64| {
        events
            .iter()
            .map(|(_, d)| serde_json::from_str::<Value>(d).unwrap())
            .find(|v| v["id"] == id)
            .unwrap()
    };
    assert_eq!(by_id(1)["result"]["protocolVersion"], "2024-11-05");
    assert_eq!(by_id(2)["result"]["tools"].as_array().unwrap().len(), 71);
    assert_eq!(
        by_id(3)["result"]["structuredContent"]["Result"][0]["Title"],
        "From SSE"
    );
    // Unknown sessions and malformed bodies.
    let unknown = http
        .post(format!("{}/messages?sessionId=nope", s.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let malformed = http
        .post(format!("{}{endpoint}", s.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(
        malformed.json::<Value>().await.unwrap()["error"]["code"],
        -32700
    );
    // A request with malformed params is refused with its id, as on the other transports.
    let bad_params = http
        .post(format!("{}{endpoint}", s.url))
        .json(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_params.status(), 400);
    let e = bad_params.json::<Value>().await.unwrap();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (json!(9), json!(-32602))
    );
    s.sandbox.task.abort();
}

#[tokio::test]
async fn sessions_past_the_cap_are_refused_until_one_closes() {
    let s = start(HttpConfig {
        max_sessions: 2,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let mcp = format!("{}/mcp", s.url);
    let initialize = || {
        http.post(&mcp)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}).to_string())
            .send()
    };
    let mut open = Vec::new();
    for _ in 0..2 {
        let r = initialize().await.unwrap();
        assert_eq!(r.status(), 200);
        open.push(r.headers()["mcp-session-id"].to_str().unwrap().to_string());
    }
    let refused = initialize().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "60");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32000, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 sessions open"),
        "{body}"
    );
    // Sessions already open go on working, and closing one makes room.
    let still_open = http
        .post(&mcp)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &open[0])
        .header("mcp-protocol-version", "2025-11-25")
        .body(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(still_open.status(), 200);
    let closed = http
        .delete(&mcp)
        .header("mcp-session-id", &open[1])
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success());
    let mut reopened = None;
    for _ in 0..50 {
        let r = initialize().await.unwrap();
        if r.status() == 200 {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "a closed session frees its place");
    // The legacy SSE transport has the same cap.
    let sse = |_: usize| http.get(format!("{}/sse", s.url)).send();
    let (a, b) = (sse(0).await.unwrap(), sse(1).await.unwrap());
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert_eq!(sse(2).await.unwrap().status(), 503);
    drop(a);
}

#[tokio::test]
async fn a_client_that_accepts_only_json_gets_json() {
    // Sessions make rmcp answer every POST with an event stream, which such a client cannot read.
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let post = |session: Option<String>, body: Value| {
        let mut r = http
            .post(format!("{}/mcp", s.url))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("mcp-protocol-version", "2025-11-25");
        if let Some(id) = session {
            r = r.header("mcp-session-id", id);
        }
        r.body(body.to_string()).send()
    };
    let init = post(None, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).await.unwrap();
    assert_eq!(init.headers()["content-type"], "application/json");
    let session = init.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let init: Value = init.json().await.unwrap();
    assert_eq!(init["result"]["serverInfo"]["name"], "caspio-mcp", "{init}");
    let ack = post(
        Some(session.clone()),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await
    .unwrap();
    assert!(ack.status().is_success());
    // A call that sends progress first still answers with the response alone.
    let call = post(Some(session), json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_all_caspio_records", "arguments": {"table_name": "Support_Tickets", "fetch_all": true}, "_meta": {"progressToken": "p"}}})).await.unwrap();
    assert_eq!(call.headers()["content-type"], "application/json");
    let call: Value = call.json().await.unwrap();
    assert_eq!(call["id"], 2, "{call}");
    assert!(
        call["result"]["structuredContent"]["Result"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty()),
        "{call}"
    );
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
    let send = |url: String, headers: Vec<(&'static str, String)>, body: String| {
        let http = http.clone();
        async move {
            let mut r = http
                .post(url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream");
            for (k, v) in headers {
                r = r.header(k, v);
            }
            let resp = r.body(body).send().await.unwrap();
            let status = resp.status().as_u16();
            let session = resp
                .headers()
                .get("mcp-session-id")
                .map(|v| v.to_str().unwrap().to_string());
            let text = resp.text().await.unwrap();
            let json = text
                .lines()
                .rev()
                .filter_map(|l| l.strip_prefix("data: "))
                .find_map(|d| serde_json::from_str::<Value>(d).ok())
                .or_else(|| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null);
            (status, session, json)
        }
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}).to_string();
    let (status, session, _) = send(mcp.clone(), vec![], init).await;
    assert_eq!(status, 200);
    let session = session.expect("a session id");
    let in_session = |extra: Vec<(&'static str, String)>| {
        let mut h = vec![
            ("mcp-session-id", session.clone()),
            ("mcp-protocol-version", "2025-11-25".to_string()),
        ];
        h.extend(extra);
        h
    };
    send(
        mcp.clone(),
        in_session(vec![]),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
    )
    .await;

    let (status, _, body) = send(mcp.clone(), in_session(vec![]), "{\"jsonrpc\":".into()).await;
    assert_eq!(
        (status, body["error"]["code"].as_i64()),
        (400, Some(-32700)),
        "malformed JSON"
    );
    let (_, _, body) = send(
        mcp.clone(),
        in_session(vec![]),
        json!({"jsonrpc": "2.0", "id": 2, "method": "no/such"}).to_string(),
    )
    .await;
    assert_eq!(body["error"]["code"], -32601, "unknown method");
    // rmcp answers an id it cannot read with a bare 415; MCP ids are strings or integers.
    let (status, _, body) = send(
        mcp.clone(),
        in_session(vec![]),
        json!({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}).to_string(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_i64(), body["id"].is_null()),
        (400, Some(-32600), true),
        "a fractional id: {body}"
    );
    let (_, _, body) = send(
        mcp.clone(),
        in_session(vec![]),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"arguments": {}}})
            .to_string(),
    )
    .await;
    assert_eq!(body["error"]["code"], -32602, "bad params");
    let (_, _, body) = send(mcp.clone(), in_session(vec![]), json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "no_such_tool"}}).to_string()).await;
    assert_eq!(body["error"]["code"], -32602, "unknown tool");
    let list = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}).to_string();
    let (status, _, _) = send(
        mcp.clone(),
        vec![
            ("mcp-session-id", session.clone()),
            ("mcp-protocol-version", "1999-01-01".into()),
        ],
        list.clone(),
    )
    .await;
    assert_eq!(status, 400, "wrong protocol version");
    let (status, _, _) = send(
        mcp.clone(),
        vec![
            ("mcp-session-id", "not-a-session".into()),
            ("mcp-protocol-version", "2025-11-25".into()),
        ],
        list.clone(),
    )
    .await;
    assert_eq!(status, 404, "unknown session");
    let (status, _, _) = send(
        mcp.clone(),
        in_session(vec![("origin", "https://evil.example.com".into())]),
        list.clone(),
    )
    .await;
    assert_eq!(status, 403, "foreign Origin");
    let (status, _, _) = send(
        mcp.clone(),
        in_session(vec![("host", "evil.example.com".into())]),
        list.clone(),
    )
    .await;
    assert_eq!(status, 403, "foreign Host");
    let (status, _, _) = send(mcp.clone(), in_session(vec![]), format!("{{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":{{\"pad\":\"{}\"}}}}", "x".repeat(100_000))).await;
    assert_eq!(status, 413, "body over the limit");
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
    let (status, _, body) = send(mcp.clone(), in_session(vec![]), list).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["tools"].as_array().unwrap().len(), 71);
    let health = http.get(format!("{}/healthz", s.url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = http.get(format!("{}/readyz", s.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    s.sandbox.task.abort();
    stateless.sandbox.task.abort();
}

#[tokio::test]
async fn readyz_fails_when_the_account_refuses_the_credentials() {
    let sandbox = Sandbox::open(SandboxConfig::default())
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = caspio::Client::new(
        &sandbox.base_url,
        caspio::Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: "s3cr3t-NOT-THIS".into(),
        },
    )
    .unwrap();
    let ctx = Arc::new(Context::new(client, caspio::registry(), |_| true).unwrap());
    let app = router(
        ctx,
        HttpConfig::default(),
        tokio_util::sync::CancellationToken::new(),
    );
    let addr = common::serve(app).await;
    let r = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains("s3cr3t-NOT-THIS"),
        "the secret must not leak: {text}"
    );
    sandbox.task.abort();
}

#[tokio::test]
async fn resources_prompts_and_rate_limit_headers() {
    use caspio_mcp::sandbox::Faults;
    let s = start(HttpConfig::default()).await;
    let client = ()
        .serve(StreamableHttpClientTransport::from_uri(format!(
            "{}/mcp",
            s.url
        )))
        .await
        .unwrap();
    let resources = client.list_all_resources().await.unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r.uri == "caspio://tables/Support_Tickets"),
        "{resources:?}"
    );
    assert!(resources
        .iter()
        .any(|r| r.uri == "caspio://views/Active_Contractors"));
    let read = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "caspio://tables/Inventory",
        ))
        .await
        .unwrap();
    let text = serde_json::to_string(&read.contents).unwrap();
    assert!(
        text.contains("In_Stock") && text.contains("YES/NO"),
        "{text}"
    );
    let missing = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "caspio://tables/Nope",
        ))
        .await
        .unwrap_err();
    assert!(
        missing.to_string().contains("-32002") || missing.to_string().contains("no such resource"),
        "{missing}"
    );
    let prompts = client.list_all_prompts().await.unwrap();
    assert_eq!(
        prompts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        vec!["explore_account", "safe_bulk_change"]
    );
    let prompt = client
        .get_prompt(
            rmcp::model::GetPromptRequestParams::new("safe_bulk_change").with_arguments(args(
                json!({"table": "Support_Tickets", "change": "close stale tickets"}),
            )),
        )
        .await
        .unwrap();
    assert!(serde_json::to_string(&prompt.messages)
        .unwrap()
        .contains("close stale tickets"));
    client.cancel().await.ok();

    // Caspio's rate limits reach the MCP client: in each result's _meta and as HTTP headers.
    s.sandbox.sandbox.set_faults(Faults {
        quota: Some((100, std::time::Duration::from_secs(60))),
        ..Default::default()
    });
    let http = reqwest::Client::new();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_all_caspio_views", "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}});
    let post = || {
        http.post(format!("{}/mcp", s.url))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "list_all_caspio_views")
            .json(&call)
            .send()
    };
    let first = post().await.unwrap();
    let body = first.text().await.unwrap();
    assert!(body.contains("\"ratelimit-limit\":100"), "{body}");
    assert!(body.contains("caspio/apiCalls"), "{body}");
    let second = post().await.unwrap();
    assert_eq!(second.headers()["ratelimit-limit"], "100");
    assert!(second.headers().contains_key("ratelimit-remaining"));
    s.sandbox.task.abort();
}

#[tokio::test]
async fn the_binary_prints_its_urls_and_stops_cleanly_on_sigterm() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
        .env("CASPIO_MCP_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let done = line.contains("client config");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Streamable HTTP: "))
        .expect("the MCP URL is printed")
        .to_string();
    assert!(
        text.contains("legacy SSE:") && text.contains("\"mcpServers\""),
        "{text}"
    );
    let health = reqwest::get(url.replace("/mcp", "/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let pid = child.id().unwrap() as i32;
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("stops within 10 s")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

/// The tools accept uploads up to `MAX_UPLOAD_BYTES`; the default HTTP body cap must let such a
/// call through, or a client gets a bare 413 for a file the schema promised to take.
#[tokio::test]
async fn a_5_mb_upload_fits_the_default_body_cap() {
    use base64::Engine;
    let s = start(HttpConfig::default()).await;
    let data: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&data);
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", s.url));
    let client = ().serve(transport).await.unwrap();
    // Bounded: over the cap, the server's 413 carries no request id (the body is never read),
    // and rmcp's client then waits for an answer that cannot come.
    let upload = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        client.call_tool(
            CallToolRequestParams::new("update_a_caspio_attachment_by_id").with_arguments(args(
                json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export",
                       "record_pk_id": "3",
                       "file": {"name": "big.bin", "content_base64": b64}}),
            )),
        ),
    )
    .await
    .expect("the upload is answered")
    .unwrap();
    assert_ne!(upload.is_error, Some(true), "{:?}", upload.content);
    let info = client
        .call_tool(
            CallToolRequestParams::new("caspio_attachments_file_info").with_arguments(args(
                json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export",
                       "where": "PK_ID = 3"}),
            )),
        )
        .await
        .unwrap();
    let text = serde_json::to_string(&info.structured_content).unwrap();
    assert!(
        text.contains("big.bin") && text.contains(&data.len().to_string()),
        "{text}"
    );
    client.cancel().await.ok();
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

#[test]
fn tools_listing_stops_quietly_when_the_reader_closes_the_pipe() {
    // `caspio-mcp tools --json | grep -q name` closes the pipe as soon as grep has its match;
    // the listing must then end successfully, not panic and fail the pipeline.
    for json in [true, false] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"));
        cmd.arg("tools");
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the child has written anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "json={json}: {err}");
        assert!(err.is_empty(), "json={json}: {err}");
    }
}

/// `caspio-mcp stdio --sandbox` launched as a desktop client launches it, driven line by line.
struct StdioServer {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl StdioServer {
    fn launch(extra: &[&str]) -> StdioServer {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
            .args(["stdio", "--sandbox"])
            .args(extra)
            .env("CASPIO_MCP_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(
            child.stdout.take().unwrap(),
        ));
        StdioServer {
            child,
            stdin,
            stdout,
        }
    }

    /// Writes `lines` and a final newline.
    async fn send(&mut self, lines: &str) {
        use tokio::io::AsyncWriteExt;
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin
            .write_all(format!("{lines}\n").as_bytes())
            .await
            .unwrap();
    }

    /// The next line on stdout, as JSON.
    async fn answer(&mut self) -> Value {
        let line =
            tokio::time::timeout(std::time::Duration::from_secs(20), self.stdout.next_line())
                .await
                .expect("an answer within 20 s")
                .unwrap()
                .expect("stdout stays open");
        serde_json::from_str(&line).unwrap()
    }

    async fn exchange(&mut self, lines: &str) -> Value {
        self.send(lines).await;
        self.answer().await
    }

    /// Waits (10 s at most) for the process to end, and says whether it succeeded.
    async fn exit_success(&mut self) -> bool {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.child.wait())
            .await
            .expect("the process ends within 10 s")
            .unwrap()
            .success()
    }
}

/// A JSON-RPC error answer's id and code.
fn id_and_code(answer: &Value) -> (Value, i64) {
    (
        answer["id"].clone(),
        answer["error"]["code"].as_i64().expect("an error code"),
    )
}

const STDIO_INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

/// Malformed lines on stdio get their JSON-RPC error on stdout (with the request's id when it has
/// one), and the session goes on; rmcp alone drops them, and a client then waits for ever.
#[tokio::test]
async fn malformed_lines_on_stdio_are_answered_and_the_session_goes_on() {
    let mut s = StdioServer::launch(&[]);
    // Before the handshake and after it.
    let e = s.exchange("not json").await;
    assert_eq!(id_and_code(&e), (Value::Null, -32700));
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1 column"),
        "{e}"
    );
    let init = s.exchange(STDIO_INITIALIZE).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "caspio-mcp");
    // Notifications get no answer, even a malformed one, nor do blank lines: the next answer is
    // the request's.
    let e = s
        .exchange(concat!(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"notifications/x","params":3}"#,
            "\n\n",
            r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"bad"}"#
        ))
        .await;
    assert_eq!(id_and_code(&e), (json!(6), -32602));
    let e = s
        .exchange(r#"{"jsonrpc":"2.0","id":3,"method":"tools/lst"}"#)
        .await;
    assert_eq!(id_and_code(&e), (json!(3), -32601));
    assert_eq!(e["error"]["message"], "Method not found: `tools/lst`");
    // A known method with params rmcp cannot decode: not "Method not found", and the field named.
    let e = s
        .exchange(r#"{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{}}"#)
        .await;
    assert_eq!(id_and_code(&e), (json!(9), -32602));
    assert_eq!(
        e["error"]["message"],
        "Invalid params of resources/read: missing field `uri`"
    );
    let e = s.exchange(r#"{"id":"four"}"#).await;
    assert_eq!(id_and_code(&e), (json!("four"), -32600));
    let e = s
        .exchange(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)
        .await;
    assert_eq!(id_and_code(&e), (Value::Null, -32600));
    let e = s
        .exchange(r#"[{"jsonrpc":"2.0","id":5,"method":"tools/list"}]"#)
        .await;
    assert_eq!(id_and_code(&e), (Value::Null, -32600));
    let ok = s.exchange(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_all_caspio_tables"}}"#).await;
    assert_eq!(ok["id"], 7);
    assert!(
        ok["result"]["structuredContent"]["Result"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{ok}"
    );
    // `caspio-mcp tools --json` prints exactly the tools a client receives.
    let listed = s
        .exchange(r#"{"jsonrpc":"2.0","id":8,"method":"tools/list"}"#)
        .await;
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
        .args(["tools", "--json"])
        .output()
        .unwrap();
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(listed["result"]["tools"], printed);
    // Closing stdin ends the session cleanly.
    s.stdin = None;
    assert!(s.exit_success().await);
}

#[tokio::test]
async fn a_line_over_the_cap_on_stdio_is_refused_and_the_session_goes_on() {
    let mut s = StdioServer::launch(&["--max-body", "1024"]);
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"pad":"{}"}}}}"#,
        "x".repeat(5000)
    );
    let e = s.exchange(&format!("{big}\n{STDIO_INITIALIZE}")).await;
    assert_eq!(e["error"]["code"], -32600, "{e}");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{} bytes", big.len())) && message.contains("1024-byte cap"),
        "{message}"
    );
    let ok = s.answer().await;
    assert_eq!(ok["result"]["serverInfo"]["name"], "caspio-mcp");
}

#[tokio::test]
async fn a_stdio_server_stops_on_sigterm_while_its_client_keeps_stdin_open() {
    let mut s = StdioServer::launch(&[]);
    // An answer proves the server is up and reading stdin.
    assert_eq!(s.exchange("{}").await["error"]["code"], -32600);
    std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(
        s.exit_success().await,
        "stops cleanly although stdin is still open"
    );
}
