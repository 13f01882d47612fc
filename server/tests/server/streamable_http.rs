//! Streamable HTTP as rmcp's own client drives it, in both protocol eras (the 2025-11-25
//! handshake with sessions, and stateless 2026-07-28): tool calls, progress, the session cap,
//! JSON-only clients and large uploads.

use super::support::*;
use caspio_mcp::http::HttpConfig;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

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
        caspio::registry().tools().len(),
        "every tool of the registry"
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
        text.contains("confirm_count") && text.contains("Nothing was changed"),
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
