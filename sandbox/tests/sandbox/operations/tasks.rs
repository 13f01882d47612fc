//! Import/export tasks, run while they report their state.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    let tasks = h.ok("list_all_caspio_tasks", json!({})).await;
    let task_key = tasks["Result"][0]["ExternalKey"]
        .as_str()
        .unwrap()
        .to_string();
    h.ok("caspio_tasks_run", json!({"external_key": task_key}))
        .await;
    assert_eq!(
        h.ok(
            "get_single_caspio_task_by_id",
            json!({"external_key": task_key})
        )
        .await["Result"]["Status"],
        "Processing"
    );
    assert_eq!(
        h.refused("caspio_tasks_run", json!({"external_key": task_key}))
            .await
            .0,
        409
    );
    // It is Ready again once the run ends; polled, so a slow machine only waits longer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let status = h
            .ok(
                "get_single_caspio_task_by_id",
                json!({"external_key": task_key}),
            )
            .await["Result"]["Status"]
            .clone();
        if status == "Ready" {
            break;
        }
        assert_eq!(status, "Processing");
        assert!(
            std::time::Instant::now() < deadline,
            "the task never became Ready"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
