//! The example prompts, as the call sequences a model makes.

use super::support::*;
use caspio_sandbox::SandboxConfig;
use serde_json::json;

/// The example prompt: "reassign every open ticket of the person who left".
#[tokio::test]
async fn reassign_open_tickets_of_a_leaver() {
    let h = Harness::start(SandboxConfig::default()).await;
    let before = h
        .rows("Support_Tickets", "Assignee = 'j.smith@acmecorp.com'")
        .await;
    let open_before: Vec<_> = before
        .iter()
        .filter(|r| r["Status"] == "Open" || r["Status"] == "Escalated")
        .collect();
    assert_eq!(open_before.len(), 4);
    let out = h
        .ok("update_a_caspio_record_by_id", json!({"table_name": "Support_Tickets", "where": "Assignee = 'j.smith@acmecorp.com' AND Status IN ('Open', 'Escalated')", "values": {"Assignee": "m.jones@acmecorp.com"}}))
        .await;
    assert_eq!(out["RecordsAffected"], 4);
    let left = h
        .rows("Support_Tickets", "Assignee = 'j.smith@acmecorp.com'")
        .await;
    assert_eq!(left.len(), 1, "only the closed ticket stays with j.smith");
    assert_eq!(left[0]["Status"], "Closed");
}
