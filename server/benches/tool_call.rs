//! End-to-end latency of a tool call: an MCP client (rmcp, Streamable HTTP on loopback) → the
//! server's handler → validation → the generated client → the embedded sandbox (SQLite) and
//! back. Medians and 95th percentiles of sequential calls, after a warm-up, for a read, a guarded
//! bulk update (count + write), and, as the baseline in the same run, the same read sent
//! straight to the sandbox through the generated client without MCP.
//! Run: `cargo bench -p caspio-mcp --bench tool_call`.

use caspio_mcp::handler::Context;
use caspio_mcp::http::{router, HttpConfig};
use caspio_mcp::sandbox::{Sandbox, SandboxConfig};

use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "median {:.2} ms, p95 {:.2} ms ({} calls)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        samples.len()
    )
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::open(SandboxConfig::default())
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = sandbox.sandbox.config().clone();
    let client = caspio::Client::new(
        &sandbox.base_url,
        caspio::Credentials::ClientCredentials {
            client_id: config.client_id,
            client_secret: config.client_secret,
        },
    )
    .unwrap();
    let ctx = Arc::new(Context::new(client.clone(), caspio::registry(), |_| true).unwrap());
    let app = router(
        ctx,
        HttpConfig::default(),
        tokio_util::sync::CancellationToken::new(),
    );
    // Bound and served as `caspio-mcp serve` does.
    let listener =
        caspio_mcp::net::bind("127.0.0.1:0".parse().unwrap(), caspio_mcp::net::MIN_BACKLOG)
            .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(caspio_mcp::net::no_delay(listener), app)
            .await
            .unwrap()
    });
    let mcp = ()
        .serve(StreamableHttpClientTransport::from_uri(format!(
            "http://{addr}/mcp"
        )))
        .await
        .unwrap();

    let read_args = json!({"table_name": "Support_Tickets", "where": "Status = 'Open'", "select": "PK_ID, Title"}).as_object().cloned().unwrap();
    let update_args = json!({"table_name": "Inventory", "where": "SKU LIKE 'OBS-2024%'", "values": {"Warehouse": "Reno"}}).as_object().cloned().unwrap();
    let runs = 300;

    let mut direct = Vec::new();
    let mut via_mcp = Vec::new();
    let mut guarded = Vec::new();
    for i in 0..runs + 20 {
        let t = Instant::now();
        caspio::registry()
            .call(&client, "list_all_caspio_records", Some(read_args.clone()))
            .await
            .unwrap();
        let d = t.elapsed();
        let t = Instant::now();
        mcp.call_tool(
            CallToolRequestParams::new("list_all_caspio_records").with_arguments(read_args.clone()),
        )
        .await
        .unwrap();
        let m = t.elapsed();
        let t = Instant::now();
        mcp.call_tool(
            CallToolRequestParams::new("update_a_caspio_record_by_id")
                .with_arguments(update_args.clone()),
        )
        .await
        .unwrap();
        let g = t.elapsed();
        if i >= 20 {
            direct.push(d);
            via_mcp.push(m);
            guarded.push(g);
        }
    }
    let med = |v: &Vec<Duration>| {
        let mut s = v.clone();
        s.sort();
        s[s.len() / 2]
    };
    println!(
        "read, generated client straight to the sandbox: {}",
        summary(direct.clone())
    );
    println!(
        "read, through MCP (Streamable HTTP, session):  {}",
        summary(via_mcp.clone())
    );
    println!(
        "guarded bulk update through MCP (count + write): {}",
        summary(guarded)
    );
    println!(
        "MCP overhead on a read: {:.2}x the direct call (median ratio)",
        med(&via_mcp).as_secs_f64() / med(&direct).as_secs_f64()
    );
    sandbox.task.abort();
}
