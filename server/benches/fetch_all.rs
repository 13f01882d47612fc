//! `fetch_all` against an account that answers in 100 ms (the sandbox's latency switch), as a
//! real Caspio account does: 4,500 records, 1,000 a page. The runtime reads the first page, then
//! the rest a few at a time; the baseline, in the same run, reads the same pages one after
//! another, as a client without it (or a model paging by hand) does. Reports wall time and API
//! calls. Run: `cargo bench -p caspio-mcp --bench fetch_all`.

use caspio_mcp::sandbox::{FaultSettings, Sandbox, SandboxConfig};
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

fn args(v: Value) -> Option<Map<String, Value>> {
    v.as_object().cloned()
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    const ROWS: usize = 4_500;
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
    let registry = caspio::registry();
    registry
        .call(&client, "create_a_caspio_table", args(json!({"name": "Big", "fields": [{"Name": "Label", "Type": "STRING"}, {"Name": "N", "Type": "INTEGER"}]})))
        .await
        .unwrap();
    for i in 0..ROWS {
        registry
            .call(
                &client,
                "create_a_caspio_record",
                args(json!({"table_name": "Big", "record": {"Label": format!("row {i}"), "N": i}})),
            )
            .await
            .unwrap();
    }
    sandbox
        .sandbox
        .apply(&FaultSettings {
            latency_ms: 100,
            ..Default::default()
        })
        .unwrap();
    let (mut parallel, mut sequential) = (Vec::new(), Vec::new());
    let (mut calls_parallel, mut calls_sequential) = (0, 0);
    for _ in 0..3 {
        let before = client.stats().api_calls;
        let started = Instant::now();
        let out = registry
            .call(
                &client,
                "list_all_caspio_records",
                args(json!({"table_name": "Big", "fetch_all": true, "max_rows": 5000})),
            )
            .await
            .unwrap();
        parallel.push(started.elapsed());
        calls_parallel = client.stats().api_calls - before;
        assert_eq!(
            out.structured.unwrap()["Result"].as_array().unwrap().len(),
            ROWS
        );

        let before = client.stats().api_calls;
        let started = Instant::now();
        let mut rows = 0;
        for page in 1.. {
            let out = registry
                .call(
                    &client,
                    "list_all_caspio_records",
                    args(json!({"table_name": "Big", "page_number": page, "page_size": 1000})),
                )
                .await
                .unwrap();
            let n = out.structured.unwrap()["Result"].as_array().unwrap().len();
            rows += n;
            if n < 1000 {
                break;
            }
        }
        sequential.push(started.elapsed());
        calls_sequential = client.stats().api_calls - before;
        assert_eq!(rows, ROWS);
    }
    let (p, s) = (median(parallel), median(sequential));
    println!("fetch_all of {ROWS} records at 100 ms a Caspio answer (medians of 3):");
    println!("  pages one after another: {s:.0} ms, {calls_sequential} API calls");
    println!("  fetch_all (first page, then {} at a time): {p:.0} ms, {calls_parallel} API calls ({:.2}x)", caspio::runtime::tools::PARALLEL_PAGES, p / s);
    sandbox.task.abort();
}
