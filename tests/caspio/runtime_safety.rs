//! The runtime's safety features against the sandbox: the bulk guard and dry runs, q.where
//! checked before anything is sent (the sandbox's request log proves it), and the token
//! lifecycle under concurrency and early expiry.

use caspio::runtime::tools::{self, CallError};
use caspio::{Client, Credentials};
use caspio_sandbox::{Running, Sandbox, SandboxConfig};
use serde_json::{json, Value};

pub async fn start() -> (Client, Running) {
    let running = Sandbox::open(SandboxConfig::default())
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = running.sandbox.config().clone();
    let client = Client::new(
        &running.base_url,
        Credentials::ClientCredentials {
            client_id: config.client_id,
            client_secret: config.client_secret,
        },
    )
    .unwrap();
    (client, running)
}

async fn call(client: &Client, name: &str, args: Value) -> Result<Value, CallError> {
    caspio::registry()
        .call(client, name, args.as_object().cloned())
        .await
        .map(|o| o.structured.unwrap_or(json!({})))
}

async fn table(client: &Client, name: &str) -> Vec<Value> {
    call(
        client,
        "list_all_caspio_records",
        json!({"table_name": name, "page_size": 1000}),
    )
    .await
    .unwrap()["Result"]
        .as_array()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn bulk_guard_refuses_every_all_rows_shape_and_changes_nothing() {
    let (client, sb) = start().await;
    let before = table(&client, "Support_Tickets").await;
    let writes = sb
        .sandbox
        .log()
        .iter()
        .filter(|e| e.method != "GET" && e.path != "/oauth/token")
        .count();
    let cases = [
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "PK_ID > 0", "values": {"Status": "Closed"}}),
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "1=1", "values": {"Status": "Closed"}}),
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "'a'='a'", "values": {"Status": "Closed"}}),
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "Priority >= 0 OR Priority IS NULL", "values": {"Status": "Closed"}}),
        ),
        (
            "delete_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "Title LIKE '%'"}),
        ),
        (
            "delete_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "NOT (PK_ID < 0)"}),
        ),
        (
            "delete_a_caspio_view_record_by_id",
            json!({"view_name": "Active_Contractors", "where": "Active = 1"}),
        ),
        (
            "delete_a_caspio_user_by_id",
            json!({"directory_id": "401", "where": "Email LIKE '%@acmecorp.com'"}),
        ),
        (
            "caspio_password_fields_reset",
            json!({"table_name": "Support_Tickets", "password_field_name": "X", "where": "PK_ID > 0"}),
        ),
        (
            "delete_a_caspio_attachment_by_id",
            json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "where": "PK_ID <> 0"}),
        ),
    ];
    for (tool, args) in cases {
        let err = call(&client, tool, args.clone())
            .await
            .expect_err(&format!("{tool} {args} must be refused"));
        assert!(matches!(err, CallError::Refused(_)), "{tool}: {err:?}");
        let text = err.to_string();
        assert!(
            text.contains("confirm_count") && !text.contains("allow_all_rows"),
            "the refusal asks for the user's count, and offers no flag to skip it: {text}"
        );
    }
    assert_eq!(before, table(&client, "Support_Tickets").await);
    let writes_after = sb
        .sandbox
        .log()
        .iter()
        .filter(|e| e.method != "GET" && e.path != "/oauth/token")
        .count();
    assert_eq!(writes, writes_after, "no write request reached the sandbox");
    // A stale count is refused, nothing changed; the count the user approved goes through.
    let stale = call(&client, "update_a_caspio_record_by_id", json!({"table_name": "Support_Tickets", "where": "PK_ID > 0", "values": {"Priority": 1}, "confirm_count": before.len() - 1})).await.unwrap_err();
    assert!(stale.to_string().contains("match now"), "{stale}");
    assert_eq!(before, table(&client, "Support_Tickets").await);
    let out = call(&client, "update_a_caspio_record_by_id", json!({"table_name": "Support_Tickets", "where": "PK_ID > 0", "values": {"Priority": 1}, "confirm_count": before.len()})).await.unwrap();
    assert_eq!(out["RecordsAffected"], before.len());
    sb.task.abort();
}

#[tokio::test]
async fn dry_run_counts_match_the_real_update() {
    let (client, sb) = start().await;
    for (w, expected) in [
        (
            "Assignee = 'j.smith@acmecorp.com' AND Status <> 'Closed'",
            4,
        ),
        ("Status = 'Escalated'", 2),
        ("Customer_Email LIKE '%umbrella%'", 2),
    ] {
        let dry = call(&client, "update_a_caspio_record_by_id", json!({"table_name": "Support_Tickets", "where": w, "values": {"Priority": 9}, "dry_run": true})).await.unwrap();
        assert_eq!(dry["matching"], expected, "{w}: {dry}");
        assert_eq!(dry["total"], 10);
        assert_eq!(dry["sample"].as_array().unwrap().len(), expected.min(5));
        let unchanged = table(&client, "Support_Tickets").await;
        assert!(
            unchanged.iter().all(|r| r["Priority"] != 9),
            "a dry run changed data"
        );
        let real = call(
            &client,
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": w, "values": {"Priority": 9}}),
        )
        .await
        .unwrap();
        assert_eq!(real["RecordsAffected"], dry["matching"], "{w}");
        assert!(real.get("note").is_none(), "{real}");
        call(&client, "update_a_caspio_record_by_id", json!({"table_name": "Support_Tickets", "where": "Priority = 9", "values": {"Priority": 2}})).await.unwrap();
    }
    let dry = call(
        &client,
        "delete_a_caspio_user_by_id",
        json!({"directory_id": "402", "where": "Email = 'auditor@acmecorp.com'", "dry_run": true}),
    )
    .await
    .unwrap();
    assert_eq!(
        (dry["matching"].as_u64(), dry["total"].as_u64()),
        (Some(1), Some(4))
    );
    sb.task.abort();
}

#[tokio::test]
async fn where_syntax_errors_never_reach_the_sandbox() {
    let (client, sb) = start().await;
    call(&client, "list_all_caspio_tables", json!({}))
        .await
        .unwrap();
    let seen = sb.sandbox.log().len();
    for (tool, args) in [
        (
            "list_all_caspio_records",
            json!({"table_name": "Support_Tickets", "where": "Status = 'Open"}),
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "Status = 'Open' AND", "values": {"Priority": 1}}),
        ),
        (
            "delete_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "1=1; DROP TABLE Support_Tickets"}),
        ),
        (
            "list_all_caspio_users",
            json!({"directory_id": "401", "where": "Email = 'a' -- comment"}),
        ),
    ] {
        let err = call(&client, tool, args).await.unwrap_err();
        assert!(
            err.to_string().contains("q.where syntax error")
                || err.to_string().contains("not allowed"),
            "{err}"
        );
    }
    assert_eq!(
        sb.sandbox.log().len(),
        seen,
        "nothing reached the sandbox: {:?}",
        &sb.sandbox.log()[seen..]
    );
    sb.task.abort();
}

#[tokio::test]
async fn expiry_mid_run_is_invisible_and_concurrent_refreshes_share_one_request() {
    let (client, sb) = start().await;
    call(&client, "list_all_caspio_tables", json!({}))
        .await
        .unwrap();
    assert_eq!(client.token_requests(), 1);
    // Caspio revokes every token early: the next calls get 401, take one new token and retry.
    sb.sandbox.expire_tokens(None);
    let calls = (0..100).map(|i| {
        let client = client.clone();
        async move {
            call(
                &client,
                "list_all_caspio_records",
                json!({"table_name": "Inventory", "where": format!("PK_ID > {}", i % 3)}),
            )
            .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(
        client.token_requests(),
        2,
        "100 concurrent calls after expiry made one token request"
    );
    assert_eq!(sb.sandbox.tokens_issued(), 2);
    sb.task.abort();
}

#[tokio::test]
async fn a_429_storm_gives_clean_errors_in_passthrough_and_successes_with_backoff() {
    use caspio_sandbox::Faults;
    use std::time::Duration;
    let (client, sb) = start().await;
    call(&client, "list_all_caspio_tables", json!({}))
        .await
        .unwrap();
    sb.sandbox.set_faults(Faults {
        quota: Some((5, Duration::from_secs(2))),
        ..Default::default()
    });
    // Passthrough (the default): beyond the quota, clean tool errors with normalised limits.
    let mut throttled = 0;
    for _ in 0..12 {
        match caspio::registry()
            .call(&client, "list_all_caspio_views", None)
            .await
        {
            Ok(out) => assert!(out.rate_limit.limit == Some(5), "{:?}", out.rate_limit),
            Err(CallError::Api(caspio::Error::Api(e))) => {
                assert_eq!(e.status, 429);
                assert_eq!(e.rate_limit.limit, Some(5));
                assert_eq!(e.rate_limit.remaining, Some(0));
                assert!(
                    e.rate_limit
                        .retry_after
                        .is_some_and(|s| (1..=2).contains(&s)),
                    "{:?}",
                    e.rate_limit
                );
                throttled += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(throttled >= 6, "{throttled}");
    assert_eq!(client.stats().throttled, throttled);
    // Backoff: the same storm ends in successes, within the policy's bounds.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let patient = client
        .clone()
        .into_runtime()
        .with_retry(caspio::RetryPolicy::Backoff {
            max_attempts: 6,
            base: Duration::from_millis(200),
            max_delay: Duration::from_secs(3),
            max_total: Duration::from_secs(20),
        });
    for _ in 0..12 {
        caspio::registry()
            .call(&patient, "list_all_caspio_views", None)
            .await
            .expect("backoff turns 429s into successes");
    }
    assert!(patient.stats().retries > 0);
    // Writes that are not idempotent are never retried: a POST gets its 429 back.
    sb.sandbox.set_faults(Faults {
        quota: Some((0, Duration::from_secs(30))),
        ..Default::default()
    });
    let err = caspio::registry()
        .call(
            &patient,
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"SKU": "X"}})
                .as_object()
                .cloned(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("429"), "{err}");
    sb.sandbox.set_faults(Faults::default());
    sb.task.abort();
}

#[tokio::test]
async fn a_5_mb_binary_round_trips_byte_for_byte() {
    use base64::Engine;
    let (client, sb) = start().await;
    let data: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&data);
    call(&client, "update_a_caspio_attachment_by_id", json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": "3", "file": {"name": "export.bin", "content_base64": b64, "content_type": "application/octet-stream"}})).await.unwrap();
    let out = caspio::registry().call(&client, "get_single_caspio_attachment_by_id", json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": "3"}).as_object().cloned()).await.unwrap();
    let file = out.file.unwrap();
    assert_eq!(file.bytes.len(), data.len());
    assert!(file.bytes == data, "the bytes differ");
    assert_eq!(file.file_name.as_deref(), Some("export.bin"));
    // Over the tool-upload limit: refused before anything is sent.
    let seen = sb.sandbox.log().len();
    let huge = "A".repeat(caspio::runtime::tools::MAX_UPLOAD_BYTES / 3 * 4 + 8);
    let err = call(
        &client,
        "create_a_caspio_file",
        json!({"files": [{"name": "big.bin", "content_base64": huge}]}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("files[0]") && err.to_string().contains("limited to"),
        "{err}"
    );
    assert_eq!(sb.sandbox.log().len(), seen);
    sb.task.abort();
}

#[tokio::test]
async fn fetch_all_gathers_every_page_with_progress_and_a_cap() {
    let (client, sb) = start().await;
    call(
        &client,
        "create_a_caspio_table",
        json!({"name": "Events", "fields": [{"Name": "N", "Type": "INTEGER"}]}),
    )
    .await
    .unwrap();
    for start in (0..2100).step_by(100) {
        let batch = (start..start + 100).map(|i| {
            let client = client.clone();
            async move {
                call(
                    &client,
                    "create_a_caspio_record",
                    json!({"table_name": "Events", "record": {"N": i}}),
                )
                .await
            }
        });
        for r in futures::future::join_all(batch).await {
            r.unwrap();
        }
    }
    let tool = caspio::registry().find("list_all_caspio_records").unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let args = json!({"table_name": "Events", "fetch_all": true, "order_by": "N"})
        .as_object()
        .cloned()
        .unwrap();
    let out = tools::call_tool_with_progress(&client, tool, args, |done, total| {
        seen.lock().unwrap().push((done, total))
    })
    .await
    .unwrap();
    let v = out.structured.unwrap();
    let rows = v["Result"].as_array().unwrap();
    assert_eq!(rows.len(), 2100);
    assert_eq!(rows[2099]["N"], 2099);
    assert_eq!(v["Pagination"]["TotalCount"], 2100);
    assert_eq!(v["Pagination"]["Truncated"], false);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(1000, Some(2100)), (2000, Some(2100)), (2100, Some(2100))]
    );
    let capped = call(
        &client,
        "list_all_caspio_records",
        json!({"table_name": "Events", "fetch_all": true, "max_rows": 1500, "where": "N >= 100"}),
    )
    .await
    .unwrap();
    assert_eq!(capped["Result"].as_array().unwrap().len(), 1500);
    assert_eq!(
        (
            capped["Pagination"]["TotalCount"].as_u64(),
            capped["Pagination"]["Truncated"].as_bool()
        ),
        (Some(2000), Some(true))
    );
    // A cap written as a float is the same cap, not "no cap given" (which means 5,000 rows).
    let float_cap = call(
        &client,
        "list_all_caspio_records",
        json!({"table_name": "Events", "fetch_all": true, "max_rows": 7.0}),
    )
    .await
    .unwrap();
    assert_eq!(float_cap["Result"].as_array().unwrap().len(), 7);
    sb.task.abort();
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token_and_calls_reuse_their_connections() {
    let (client, sb) = start().await;
    // 16 calls at once on a fresh client: one token request for all of them.
    let calls = (0..16).map(|_| {
        let client = client.clone();
        async move { call(&client, "list_all_caspio_tables", json!({})).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        client.token_requests(),
        1,
        "one token for 16 concurrent first calls"
    );
    let after_burst = sb.sandbox.connections_accepted();
    assert!(
        after_burst <= 17,
        "at most one connection per concurrent call (and the token's): {after_burst}"
    );
    // 50 more, one after another: they ride the pooled connections, opening none.
    for _ in 0..50 {
        call(&client, "list_all_caspio_tables", json!({}))
            .await
            .unwrap();
    }
    assert_eq!(
        sb.sandbox.connections_accepted(),
        after_burst,
        "sequential calls reuse a kept-alive connection"
    );
    sb.task.abort();
}
