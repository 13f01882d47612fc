//! A load client for the side-by-side benchmark (`tests/bench/side_by_side.sh`): N workers, each
//! a user with its own keep-alive connection (and its own MCP session where the mode has one),
//! making calls one after another with unique JSON-RPC ids. Prints one JSON line: requests/s,
//! median and p99 latency, errors.
//!
//! ```text
//! cargo run --release -p caspio-mcp --example load -- MODE URL CONCURRENCY REQUESTS [TOOL ARGS_JSON]
//! ```
//! MODE: `direct` (URL is a REST URL, GET with a bearer token from `$TOKEN`), `stateless`,
//! `session` (Streamable HTTP), `sse` (legacy SSE; URL is the `/sse` URL).

use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct Job {
    mode: String,
    url: String,
    tool: String,
    args: Value,
}

/// The JSON-RPC message in an answer that is JSON or an event stream.
fn message_of(text: &str) -> Option<Value> {
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|m| m.get("id").is_some())
        .or_else(|| serde_json::from_str(text).ok())
}

/// One worker: connects (a session, a stream), then makes `count` calls; their latencies, and
/// how many failed.
async fn worker(job: &Job, worker: usize, count: usize) -> (Vec<Duration>, usize) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let mut latencies = Vec::with_capacity(count);
    let mut errors = 0;
    let accept = "application/json, text/event-stream";
    let mut session: Option<String> = None;
    let mut sse: Option<(reqwest::Response, String, String)> = None;
    if job.mode == "session" {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "load", "version": "1"}}});
        let r = http
            .post(&job.url)
            .header("accept", accept)
            .json(&init)
            .send()
            .await
            .unwrap();
        session = r
            .headers()
            .get("mcp-session-id")
            .map(|v| v.to_str().unwrap().to_string());
        let _ = r.text().await;
        let mut note = http
            .post(&job.url)
            .header("accept", accept)
            .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        if let Some(s) = &session {
            note = note
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        let _ = note.send().await.unwrap().text().await;
    }
    if job.mode == "sse" {
        let mut stream = http
            .get(&job.url)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        let mut buf = String::new();
        while !buf.contains("\n\n") {
            buf.push_str(&String::from_utf8_lossy(
                &stream.chunk().await.unwrap().unwrap(),
            ));
        }
        let endpoint = buf
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap()
            .to_string();
        let base = job.url.trim_end_matches("/sse").to_string();
        let post = format!("{base}{endpoint}");
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "load", "version": "1"}}});
        http.post(&post).json(&init).send().await.unwrap();
        sse = Some((stream, post, String::new()));
        read_event(sse.as_mut().unwrap(), 0).await;
        http.post(&sse.as_ref().unwrap().1)
            .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .send()
            .await
            .unwrap();
    }
    let token = std::env::var("TOKEN").unwrap_or_default();
    for i in 0..count {
        let id = (worker * 1_000_000 + i + 1) as u64;
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": job.tool, "arguments": job.args}});
        let started = Instant::now();
        let ok = match job.mode.as_str() {
            "direct" => match http.get(&job.url).bearer_auth(&token).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            },
            "sse" => {
                let s = sse.as_mut().unwrap();
                let posted = http.post(&s.1).json(&call).send().await.is_ok();
                posted
                    && read_event(s, id)
                        .await
                        .is_some_and(|m| m.get("result").is_some_and(|r| r["isError"] != true))
            }
            _ => {
                let mut r = http
                    .post(&job.url)
                    .header("accept", accept)
                    .header("mcp-protocol-version", "2025-11-25")
                    .json(&call);
                if let Some(s) = &session {
                    r = r.header("mcp-session-id", s);
                }
                match r.send().await {
                    Ok(resp) => {
                        let text = resp.text().await.unwrap_or_default();
                        message_of(&text).is_some_and(|m| {
                            m["id"] == id
                                && m["result"]["isError"] != true
                                && m.get("result").is_some()
                        })
                    }
                    Err(_) => false,
                }
            }
        };
        latencies.push(started.elapsed());
        if !ok {
            errors += 1;
        }
    }
    (latencies, errors)
}

/// Reads the stream until the message with `id`.
async fn read_event(s: &mut (reqwest::Response, String, String), id: u64) -> Option<Value> {
    loop {
        while let Some(end) = s.2.find("\n\n") {
            let block: String = s.2.drain(..end + 2).collect();
            if let Some(m) = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .and_then(|d| serde_json::from_str::<Value>(d).ok())
            {
                if m["id"] == id {
                    return Some(m);
                }
            }
        }
        let chunk = s.0.chunk().await.ok()??;
        s.2.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        eprintln!("usage: load MODE URL CONCURRENCY REQUESTS [TOOL ARGS_JSON]");
        std::process::exit(2);
    }
    let job = std::sync::Arc::new(Job {
        mode: a[1].clone(),
        url: a[2].clone(),
        tool: a.get(5).cloned().unwrap_or_else(|| "list_all_caspio_records".into()),
        args: a
            .get(6)
            .map(|t| serde_json::from_str(t).expect("ARGS_JSON is JSON"))
            .unwrap_or_else(|| json!({"table_name": "Inventory", "where": "In_Stock = 1", "select": "SKU,Quantity"})),
    });
    let concurrency: usize = a[3].parse().unwrap();
    let requests: usize = a[4].parse().unwrap();
    let per = requests.div_ceil(concurrency);
    // One warm-up round per worker is part of connecting; the clock starts with the calls.
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|w| {
            let job = job.clone();
            tokio::spawn(async move { worker(&job, w, per).await })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({"mode": job.mode, "concurrency": concurrency, "requests": all.len(), "rps": (all.len() as f64 / wall).round(), "p50_ms": (pct(0.5) * 1000.0).round() / 1000.0, "p99_ms": (pct(0.99) * 1000.0).round() / 1000.0, "errors": errors})
    );
}
