//! Reliability: nothing lost under load on every transport, and clear errors within a bounded
//! time under every upstream fault, with recovery when the fault ends. Sized for CI by default;
//! `RELIABILITY_CLIENTS` (per transport) and `RELIABILITY_OPS` (records per client) make bigger
//! runs (see RELIABILITY.md). Each test prints its figures.

use super::support::*;
use caspio_mcp::handler::Context;
use caspio_mcp::http::{router, HttpConfig};
use caspio_mcp::sandbox::{FaultSettings, SandboxConfig};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any one call may take under faults before it counts as a hang.
const BOUND: Duration = Duration::from_secs(20);

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident memory of this process, in MB.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A tool call's answer as JSON: `{"isError": ..., "structuredContent": ..., "content": ...}`.
type Answer = Result<Value, String>;

/// One client of one transport, making calls one after another.
enum Caller {
    Rmcp(RunningService<RoleClient, ()>),
    Sse(Sse),
    Stdio(Box<StdioServer>, u64),
}

impl Caller {
    async fn call(&mut self, name: &str, arguments: Value) -> Answer {
        match self {
            Caller::Rmcp(client) => {
                let request = CallToolRequestParams::new(name.to_string())
                    .with_arguments(arguments.as_object().cloned().unwrap());
                let result = client.call_tool(request).await.map_err(|e| e.to_string())?;
                Ok(serde_json::to_value(result).unwrap())
            }
            Caller::Sse(sse) => sse.call(name, arguments).await,
            Caller::Stdio(server, next) => {
                *next += 1;
                let id = *next;
                let line = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
                let answer = server.exchange(&line.to_string()).await;
                if answer["id"] != id {
                    return Err(format!("answer for id {} to request {id}", answer["id"]));
                }
                answer
                    .get("result")
                    .cloned()
                    .ok_or_else(|| answer.to_string())
            }
        }
    }
}

/// A legacy SSE client: one stream, POSTs with unique ids, answers matched by id.
struct Sse {
    http: reqwest::Client,
    url: String,
    stream: reqwest::Response,
    buf: String,
    next: u64,
}

impl Sse {
    async fn open(base: &str) -> Sse {
        let http = reqwest::Client::new();
        let (stream, endpoint) = open_sse(&http, &format!("{base}/sse")).await;
        let mut sse = Sse {
            http,
            url: format!("{base}{endpoint}"),
            stream,
            buf: String::new(),
            next: 1,
        };
        sse.post(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "reliability", "version": "1"}}})).await;
        sse.answer(1).await.unwrap();
        sse.post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        sse
    }

    async fn post(&self, body: Value) {
        let status = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 202, "{body}");
    }

    /// The answer with `id`; any other answer on the stream is an error (nothing else is in
    /// flight on this client).
    async fn answer(&mut self, id: u64) -> Answer {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                    continue;
                };
                let message: Value = serde_json::from_str(data).map_err(|e| e.to_string())?;
                if message.get("method").is_some() {
                    continue; // a notification
                }
                if message["id"] != id {
                    return Err(format!(
                        "answer for id {} while waiting for {id}",
                        message["id"]
                    ));
                }
                return message
                    .get("result")
                    .cloned()
                    .ok_or_else(|| message.to_string());
            }
            let chunk = self.stream.chunk().await.map_err(|e| e.to_string())?;
            let chunk = chunk.ok_or("the stream ended")?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn call(&mut self, name: &str, arguments: Value) -> Answer {
        self.next += 1;
        let id = self.next;
        self.post(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})).await;
        self.answer(id).await
    }
}

fn ok(answer: &Answer, what: &str) -> Value {
    match answer {
        Ok(v) if v["isError"] != true => v["structuredContent"].clone(),
        other => panic!("{what}: {other:?}"),
    }
}

/// What one client does: creates `ops` tickets (each read back), changes them all with one
/// guarded update, and uploads and downloads one attachment. Returns the calls it made.
async fn workload(caller: &mut Caller, tag: &str, priority: i64, ops: usize) -> usize {
    let mut calls = 0;
    for i in 0..ops {
        let title = format!("{tag}-{i}");
        let created = caller
            .call("create_a_caspio_record", json!({"table_name": "Support_Tickets", "record": {"Title": title, "Status": "Open", "Priority": 5}}))
            .await;
        let pk = ok(&created, &title)["Result"][0]["PK_ID"].as_i64().unwrap();
        let read = caller
            .call("list_all_caspio_records", json!({"table_name": "Support_Tickets", "where": format!("PK_ID = {pk}"), "select": "Title"}))
            .await;
        assert_eq!(ok(&read, &title)["Result"], json!([{"Title": title}]));
        calls += 2;
    }
    let updated = caller
        .call("update_a_caspio_record_by_id", json!({"table_name": "Support_Tickets", "where": format!("Title LIKE '{tag}-%'"), "values": {"Priority": priority}}))
        .await;
    assert_eq!(ok(&updated, tag)["RecordsAffected"], ops);
    let report = caller
        .call(
            "create_a_caspio_record",
            json!({"table_name": "Monthly_Reports", "record": {"Report_Month": tag}}),
        )
        .await;
    let pk = ok(&report, tag)["Result"][0]["PK_ID"].as_i64().unwrap();
    let body = format!("tag,{tag}\n").repeat(50);
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&body)
    };
    let up = caller
        .call("update_a_caspio_attachment_by_id", json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": pk, "file": {"name": format!("{tag}.csv"), "content_base64": b64, "content_type": "text/csv"}}))
        .await;
    ok(&up, tag);
    let down = caller
        .call("get_single_caspio_attachment_by_id", json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": pk}))
        .await
        .unwrap();
    let text = down.to_string();
    assert!(
        text.contains(&format!("tag,{tag}")),
        "the file came back: {tag}"
    );
    calls + 4
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_load_every_call_is_answered_once_and_no_write_is_lost_or_doubled() {
    let clients = size("RELIABILITY_CLIENTS", 3);
    let ops = size("RELIABILITY_OPS", 5);
    let rss_before = rss_mb();
    let (client, sandbox) = super::support::sandbox(SandboxConfig::default()).await;
    let ctx = Arc::new(Context::new(client.clone(), caspio::registry(), |_| true).unwrap());
    let token = tokio_util::sync::CancellationToken::new();
    let sessions = serve(router(ctx.clone(), HttpConfig::default(), token.clone())).await;
    let stateless = serve(router(
        ctx,
        HttpConfig {
            stateless: true,
            ..Default::default()
        },
        token,
    ))
    .await;
    let cfg = sandbox.sandbox.config().clone();
    let started = Instant::now();
    let calls = Arc::new(Mutex::new(BTreeMap::<&str, usize>::new()));
    let mut tasks = Vec::new();
    for transport in ["sessions", "stateless", "sse", "stdio"] {
        for c in 0..clients {
            let calls = calls.clone();
            let (base_url, cfg) = (sandbox.base_url.clone(), cfg.clone());
            tasks.push(tokio::spawn(async move {
                let mut caller = match transport {
                    "sessions" => Caller::Rmcp(
                        ().serve(StreamableHttpClientTransport::from_uri(format!(
                            "http://{sessions}/mcp"
                        )))
                        .await
                        .unwrap(),
                    ),
                    "stateless" => Caller::Rmcp(
                        ().serve_with_lifecycle(
                            StreamableHttpClientTransport::from_uri(format!(
                                "http://{stateless}/mcp"
                            )),
                            ClientLifecycleMode::Discover {
                                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                            },
                        )
                        .await
                        .unwrap(),
                    ),
                    "sse" => Caller::Sse(Sse::open(&format!("http://{sessions}")).await),
                    _ => {
                        let mut server =
                            StdioServer::launch_for(&base_url, &cfg.client_id, &cfg.client_secret);
                        server.exchange(STDIO_INITIALIZE).await;
                        server
                            .send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
                            .await;
                        Caller::Stdio(Box::new(server), 1)
                    }
                };
                let made = workload(
                    &mut caller,
                    &format!("rel-{transport}-{c}"),
                    c as i64 + 1,
                    ops,
                )
                .await;
                *calls.lock().unwrap().entry(transport).or_default() += made;
            }));
        }
    }
    for task in tasks {
        task.await.expect("a client failed; see its panic above");
    }
    let elapsed = started.elapsed();
    // The data: every ticket once, with its client's priority; nothing else with the tag.
    let rows = caspio::registry()
        .call(&client, "list_all_caspio_records", Some(args(json!({"table_name": "Support_Tickets", "where": "Title LIKE 'rel-%'", "select": "Title,Priority", "page_size": 1000}))))
        .await
        .unwrap()
        .structured
        .unwrap()["Result"]
        .as_array()
        .cloned()
        .unwrap();
    let mut seen = BTreeMap::new();
    for row in &rows {
        *seen
            .entry(row["Title"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    let mut expected = 0;
    for transport in ["sessions", "stateless", "sse", "stdio"] {
        for c in 0..clients {
            for i in 0..ops {
                let title = format!("rel-{transport}-{c}-{i}");
                assert_eq!(seen.get(&title), Some(&1), "{title} exactly once");
                let row = rows.iter().find(|r| r["Title"] == title).unwrap();
                assert_eq!(row["Priority"], c as i64 + 1, "{title}'s guarded update");
                expected += 1;
            }
        }
    }
    assert_eq!(
        rows.len(),
        expected,
        "no ticket written twice or from nowhere"
    );
    let calls = calls.lock().unwrap().clone();
    let total: usize = calls.values().sum();
    println!(
        "reliability load: {clients} clients x 4 transports, {ops} records each: {total} calls answered of {total} sent ({calls:?}), 0 errors, {} rows checked, in {:.1} s; RSS of the test process {:.0} MB -> {:.0} MB",
        rows.len(),
        elapsed.as_secs_f64(),
        rss_before,
        rss_mb()
    );
}

/// One call, bounded: its answer, or a hang reported as such.
async fn bounded(
    client: &RunningService<RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> Result<Value, String> {
    let request = CallToolRequestParams::new(name.to_string())
        .with_arguments(arguments.as_object().cloned().unwrap());
    match tokio::time::timeout(BOUND, client.call_tool(request)).await {
        Err(_) => panic!("{name} did not answer within {BOUND:?}: a hang"),
        Ok(Err(e)) => Err(format!("protocol error: {e}")),
        Ok(Ok(result)) => Ok(serde_json::to_value(result).unwrap()),
    }
}

#[tokio::test]
async fn every_fault_ends_in_a_clear_answer_in_bounded_time_and_the_server_recovers() {
    let s = start(HttpConfig::default()).await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let read = || json!({"table_name": "Inventory", "select": "SKU"});
    let faults: Vec<(&str, FaultSettings, bool)> = vec![
        (
            "upstream 5xx (every 2nd answer)",
            FaultSettings {
                error_every: 2,
                ..Default::default()
            },
            false,
        ),
        (
            "slow answers (400 ms)",
            FaultSettings {
                latency_ms: 400,
                ..Default::default()
            },
            false,
        ),
        (
            "dropped connections (every 2nd)",
            FaultSettings {
                drop_every: 2,
                ..Default::default()
            },
            false,
        ),
        (
            "429 storm (2 requests a minute)",
            FaultSettings {
                quota: 2,
                quota_seconds: 60,
                ..Default::default()
            },
            false,
        ),
        (
            "token expiry mid-run (1 s tokens)",
            FaultSettings {
                token_lifetime_s: Some(1),
                ..Default::default()
            },
            true,
        ),
        (
            "a refusing token endpoint (tokens expired)",
            FaultSettings {
                refuse_tokens: true,
                token_lifetime_s: Some(1),
                ..Default::default()
            },
            true,
        ),
    ];
    for (name, settings, wait_for_expiry) in faults {
        s.sandbox.sandbox.apply(&settings).unwrap();
        let mut kinds = BTreeMap::<String, usize>::new();
        let started = Instant::now();
        for i in 0..6 {
            if wait_for_expiry && i == 1 {
                tokio::time::sleep(Duration::from_millis(1100)).await;
            }
            let answer = bounded(&client, "list_all_caspio_records", read())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let kind = if answer["isError"] == true {
                let text = answer["content"][0]["text"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                assert!(
                    !text.trim().is_empty(),
                    "{name}: an error says what happened"
                );
                let status = answer["_meta"]["caspio/status"]
                    .as_u64()
                    .map(|s| s.to_string());
                format!(
                    "error {}",
                    status.unwrap_or_else(|| text.split(':').next().unwrap_or("").to_string())
                )
            } else {
                "ok".to_string()
            };
            *kinds.entry(kind).or_default() += 1;
        }
        let slowest = started.elapsed();
        // The fault ends: the next calls succeed without restarting anything.
        s.sandbox.sandbox.apply(&FaultSettings::default()).unwrap();
        let recovered = bounded(&client, "list_all_caspio_records", read())
            .await
            .unwrap();
        assert_ne!(recovered["isError"], true, "{name}: recovered: {recovered}");
        println!(
            "fault {name}: 6 calls answered in {:.1} s: {kinds:?}; recovered",
            slowest.as_secs_f64()
        );
        if name.starts_with("upstream 5xx")
            || name.starts_with("dropped")
            || name.starts_with("429")
            || name.starts_with("a refusing")
        {
            assert!(
                kinds.keys().any(|k| k.starts_with("error")),
                "{name}: the fault showed as an error: {kinds:?}"
            );
        }
    }
    client.cancel().await.ok();
}

#[tokio::test]
async fn a_restarted_server_answers_new_clients_and_old_ones_get_a_clear_error() {
    // The real binary, killed and started again on the same port.
    let launch = |listen: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
            .args(["serve", "--sandbox", "--listen", listen])
            .env("CASPIO_MCP_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // The URL the server prints; its output is drained to the end, so a closed pipe never stops it.
    let url_of = |child: &mut std::process::Child| {
        use std::io::BufRead;
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let (found, url) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if let Some(u) = line.split("Streamable HTTP: ").nth(1) {
                    let _ = found.send(u.trim().to_string());
                }
            }
        });
        url.recv_timeout(Duration::from_secs(30))
            .expect("the server prints its URL")
    };
    let mut first = launch("127.0.0.1:0");
    let url = url_of(&mut first);
    let old = ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.unwrap();
    assert_ne!(
        bounded(&old, "list_all_caspio_tables", json!({}))
            .await
            .unwrap()["isError"],
        true
    );
    first.kill().unwrap();
    first.wait().unwrap();
    // Down: a clear error, in bounded time.
    let down = bounded(&old, "list_all_caspio_tables", json!({})).await;
    assert!(
        down.is_err() || down.as_ref().unwrap()["isError"] == true,
        "{down:?}"
    );
    let listen = url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_string();
    let mut second = launch(&listen);
    let _ = url_of(&mut second);
    // The old session is gone with the old process: an error that says so, never a hang.
    let stale = bounded(&old, "list_all_caspio_tables", json!({})).await;
    println!(
        "after restart, the old client's call: {}",
        match &stale {
            Ok(v) => format!("answered (isError {})", v["isError"]),
            Err(e) => e.clone(),
        }
    );
    let fresh = ().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap();
    assert_ne!(
        bounded(&fresh, "list_all_caspio_tables", json!({}))
            .await
            .unwrap()["isError"],
        true
    );
    second.kill().unwrap();
    second.wait().unwrap();
}
