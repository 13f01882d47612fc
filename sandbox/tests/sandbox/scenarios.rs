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

/// The demo account holds what the advertised prompts name, as they name it: the OBS-2024
/// prefix as a field, report 9942 with its export (the newest report has a file), contractors
/// with an editable department, j.smith's open tickets, directory 402's users without 2FA, and
/// both bridge applications with DataPages deployed and not.
#[tokio::test]
async fn the_demo_data_answers_the_advertised_prompts() {
    let h = Harness::start(SandboxConfig::default()).await;
    assert!(h.rows("Inventory", "SKU_Prefix = 'OBS-2024'").await.len() >= 3);
    let reports = h.rows("Monthly_Reports", "").await;
    let newest = reports.iter().max_by_key(|r| r["PK_ID"].as_i64()).unwrap();
    assert_eq!(newest["PK_ID"], 9942);
    assert!(newest["Final_Export"].is_string(), "{newest}");
    let export = h
        .file(
            "get_single_caspio_attachment_by_id",
            json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": 9942}),
        )
        .await;
    assert!(!export.bytes.is_empty());
    let fields = h
        .ok(
            "list_all_caspio_view_fields",
            json!({"view_name": "Active_Contractors"}),
        )
        .await;
    for name in ["Full_Name", "Department", "Start_Date"] {
        let field = fields["Result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["Name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {fields}"));
        assert_eq!(field["Editable"], true, "{field}");
    }
    let smith = h
        .ok(
            "list_all_caspio_users",
            json!({"directory_id": 401, "where": "Email = 'j.smith@acmecorp.com'"}),
        )
        .await;
    assert_eq!(smith["Result"].as_array().unwrap().len(), 1);
    assert!(!h
        .rows(
            "Support_Tickets",
            "Assignee = 'j.smith@acmecorp.com' AND Status = 'Open'"
        )
        .await
        .is_empty());
    let no_2fa = h
        .ok(
            "list_all_caspio_users",
            json!({"directory_id": 402, "where": "_2fa_status = 'Disabled'"}),
        )
        .await;
    assert!(!no_2fa["Result"].as_array().unwrap().is_empty());
    let apps = h.ok("list_all_caspio_applications", json!({})).await;
    for name in ["STG-APP-001", "APP-9982"] {
        let app = apps["Result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["AppName"] == name)
            .unwrap_or_else(|| panic!("no {name}: {apps}"));
        let pages = h
            .ok(
                "list_all_caspio_datapages",
                json!({"external_key": app["ExternalKey"]}),
            )
            .await;
        let deployed: Vec<bool> = pages["Result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Deployed"].as_bool().unwrap_or(false))
            .collect();
        assert!(
            deployed.contains(&true) && deployed.contains(&false),
            "{name}: {deployed:?}"
        );
    }
    h.running.task.abort();
}
