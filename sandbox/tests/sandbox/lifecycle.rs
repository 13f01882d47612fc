//! The sandbox's life: data kept across a restart, tokens expiring, and its fault switches.

use super::support::*;
use caspio::runtime::tools::CallError;
use caspio::{Client, Credentials, Error};
use caspio_sandbox::SandboxConfig;
use serde_json::json;

#[tokio::test]
async fn data_survives_a_restart_on_the_same_file() {
    let dir = std::env::temp_dir().join(format!("caspio-sandbox-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("account.db");
    let config = SandboxConfig {
        database: Some(db.clone()),
        ..Default::default()
    };
    {
        let h = Harness::start(config.clone()).await;
        h.ok(
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"SKU": "KEEP-1"}}),
        )
        .await;
        h.running.task.abort();
    }
    let h = Harness::start(config).await;
    assert_eq!(h.rows("Inventory", "SKU = 'KEEP-1'").await.len(), 1);
    assert_eq!(
        h.rows("Inventory", "SKU LIKE 'OBS-2024%'").await.len(),
        4,
        "the demo is seeded once, not twice"
    );
    h.running.task.abort();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn tokens_expire_and_wrong_secrets_are_refused() {
    let h = Harness::start(SandboxConfig::default()).await;
    h.ok("list_all_caspio_tables", json!({})).await;
    h.running.sandbox.expire_tokens(None);
    // The client's next call gets a 401, takes a new token and succeeds.
    h.ok("list_all_caspio_tables", json!({})).await;
    assert_eq!(h.running.sandbox.tokens_issued(), 2);
    let bad = Client::new(
        &h.running.base_url,
        Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: "wrong".into(),
        },
    )
    .unwrap();
    let err = bad.list_tables().await.unwrap_err();
    assert!(
        matches!(err, Error::Auth { ref message, .. } if message.contains("401")),
        "{err}"
    );
    let unknown = Client::new(&h.running.base_url, Credentials::Token("forged".into())).unwrap();
    let Err(Error::Api(e)) = unknown.list_tables().await else {
        panic!("a forged token must fail")
    };
    assert_eq!(e.status, 401);
}

#[tokio::test]
async fn fault_switches_inject_latency_errors_and_drops() {
    use caspio_sandbox::Faults;
    use std::time::{Duration, Instant};
    let h = Harness::start(SandboxConfig::default()).await;
    h.ok("list_all_caspio_tables", json!({})).await;
    h.running.sandbox.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Default::default()
    });
    let t = Instant::now();
    h.ok("list_all_caspio_views", json!({})).await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    h.running.sandbox.set_faults(Faults {
        error_every: 2,
        ..Default::default()
    });
    let mut errors = 0;
    for _ in 0..6 {
        if let Err(CallError::Api(Error::Api(e))) = h.call("list_all_caspio_views", json!({})).await
        {
            assert_eq!((e.status, e.code.as_deref()), (500, Some("InternalError")));
            errors += 1;
        }
    }
    assert_eq!(errors, 3);
    h.running.sandbox.set_faults(Faults {
        drop_every: 1,
        ..Default::default()
    });
    let err = h
        .call("list_all_caspio_views", json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallError::Api(Error::Transport { .. })),
        "{err:?}"
    );
    h.running.sandbox.set_faults(Faults::default());
    h.ok("list_all_caspio_views", json!({})).await;
    h.running.task.abort();
}

/// The fault switches through the sandbox's own admin route, as users and benchmarks set them
/// without code: read, set, and refused when they make no sense.
#[tokio::test]
async fn fault_switches_are_read_and_set_over_http() {
    let h = Harness::start(SandboxConfig::default()).await;
    let url = format!("{}/_sandbox/faults", h.running.base_url);
    let http = reqwest::Client::new();
    let read = || async {
        http.get(&url)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    assert_eq!(read().await["latency_ms"], 0);
    let set = http
        .put(&url)
        .json(&json!({"quota": 2, "quota_seconds": 60, "latency_ms": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(
        read().await,
        json!({"latency_ms": 5, "error_every": 0, "drop_every": 0, "quota": 2, "quota_seconds": 60, "refuse_tokens": false})
    );
    // The quota now answers 429 after two API calls.
    h.ok("list_all_caspio_tables", json!({})).await;
    h.ok("list_all_caspio_tables", json!({})).await;
    let (status, code) = h.refused("list_all_caspio_tables", json!({})).await;
    assert_eq!((status, code.as_str()), (429, "TooManyRequests"));
    // Switched off again, calls go through.
    http.put(&url).json(&json!({})).send().await.unwrap();
    h.ok("list_all_caspio_tables", json!({})).await;
    for bad in [json!({"quota": 5}), json!({"latency": 5})] {
        let refused = http.put(&url).json(&bad).send().await.unwrap();
        assert_eq!(refused.status(), 400, "{bad}");
    }
    h.running.task.abort();
}
