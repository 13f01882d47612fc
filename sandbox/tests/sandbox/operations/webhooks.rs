//! Outgoing webhooks and their events.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    assert_eq!(
        h.ok("list_all_caspio_webhooks", json!({})).await["Result"][0]["Name"],
        "Ticket Alerts"
    );
    let hook = h.ok("create_a_caspio_webhook", json!({"name": "Orders feed", "outgoing_urls": ["https://example.com/hook"], "call_throttling": 5})).await;
    assert!(
        hook["Secret"].as_str().is_some_and(|s| !s.is_empty()),
        "the secret is shown on create"
    );
    let hook_id = hook["Id"].as_str().unwrap().to_string();
    assert_eq!(
        h.ok(
            "get_single_caspio_webhook_by_id",
            json!({"webhook_id": hook_id})
        )
        .await["Events"],
        0
    );
    assert_eq!(
        h.ok(
            "update_a_caspio_webhook_by_id",
            json!({"webhook_id": hook_id, "enabled": false})
        )
        .await["Status"],
        "Inactive"
    );
    let ev = h.ok("create_a_caspio_webhook_event", json!({"webhook_id": hook_id, "event_type": "table.recordUpdate", "object_name": "Orders", "options": {"object_fields": ["Paid"], "event_sources": ["RESTAPIs"]}})).await;
    let ev_id = ev["Id"].as_str().unwrap().to_string();
    assert_eq!(
        h.ok(
            "list_all_caspio_webhook_events",
            json!({"webhook_id": hook_id})
        )
        .await["Result"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        h.ok(
            "get_single_caspio_webhook_event_by_id",
            json!({"webhook_id": hook_id, "event_id": ev_id})
        )
        .await["ObjectFields"],
        json!(["Paid"])
    );
    let ev2 = h.ok("update_a_caspio_webhook_event_by_id", json!({"webhook_id": hook_id, "event_id": ev_id, "event_type": "table.recordInsert", "object_name": "Orders"})).await;
    assert_eq!(ev2["Type"], "table.recordInsert");
    // One insert event per table and webhook.
    assert_eq!(h.refused("create_a_caspio_webhook_event", json!({"webhook_id": hook_id, "event_type": "table.recordInsert", "object_name": "Orders"})).await.0, 400);
    h.ok(
        "delete_a_caspio_webhook_event_by_id",
        json!({"webhook_id": hook_id, "event_id": ev_id}),
    )
    .await;
    h.ok(
        "delete_a_caspio_webhook_by_id",
        json!({"webhook_id": hook_id}),
    )
    .await;
    assert_eq!(
        h.refused(
            "get_single_caspio_webhook_by_id",
            json!({"webhook_id": hook_id})
        )
        .await
        .0,
        404
    );
}
