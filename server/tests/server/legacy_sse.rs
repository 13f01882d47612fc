//! The 2024-11-05 HTTP+SSE transport, driven over raw HTTP.

use super::support::*;
use caspio_mcp::http::HttpConfig;
use serde_json::{json, Value};

/// Reads SSE events from a response until `want` events named `message` arrived.
pub(super) async fn sse_events(resp: &mut reqwest::Response, want: usize) -> Vec<(String, String)> {
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
    let (mut stream, endpoint) = open_sse(&http, &format!("{}/sse", s.url)).await;
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
    assert_eq!(
        by_id(2)["result"]["tools"].as_array().unwrap().len(),
        caspio::registry().tools().len()
    );
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
async fn a_request_id_in_flight_is_refused_on_sse_too() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let (mut stream, endpoint) = open_sse(&http, &format!("{}/sse", s.url)).await;
    let url = format!("{}{endpoint}", s.url);
    let post = |body: Value| {
        let (http, url) = (http.clone(), url.clone());
        async move { http.post(url).json(&body).send().await.unwrap() }
    };
    post(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).await;
    post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
    s.sandbox
        .sandbox
        .apply(&caspio_mcp::sandbox::FaultSettings {
            latency_ms: 300,
            ..Default::default()
        })
        .unwrap();
    let call = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "list_all_caspio_tables", "arguments": {}}});
    assert_eq!(post(call.clone()).await.status(), 202);
    let second = post(call.clone()).await;
    assert_eq!(second.status(), 409);
    let error: Value = second.json().await.unwrap();
    assert_eq!(id_and_code(&error), (json!(5), -32600), "{error}");
    // The first is answered once; then the id is free again.
    let events = sse_events(&mut stream, 2).await;
    let answers: Vec<Value> = events
        .iter()
        .map(|(_, d)| serde_json::from_str::<Value>(d).unwrap())
        .filter(|v| v["id"] == 5)
        .collect();
    assert_eq!(answers.len(), 1, "{events:?}");
    assert!(answers[0]["result"].is_object());
    assert_eq!(post(call).await.status(), 202);
    assert_eq!(sse_events(&mut stream, 1).await.len(), 1);
}
