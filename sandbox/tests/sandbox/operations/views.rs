//! Views: their fields and records, and writes through them.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    assert_eq!(
        h.ok("list_all_caspio_views", json!({})).await["Result"],
        json!(["Active_Contractors", "Ticket_Assignees"])
    );
    assert_eq!(
        h.ok(
            "get_single_caspio_view_by_id",
            json!({"view_name": "Active_Contractors"})
        )
        .await["Result"]["Name"],
        "Active_Contractors"
    );
    let vf = h
        .ok(
            "list_all_caspio_view_fields",
            json!({"view_name": "Active_Contractors"}),
        )
        .await;
    assert_eq!(vf["Result"][0]["TableFieldName"], "Full_Name");
    assert_eq!(
        h.ok(
            "get_single_caspio_view_field_by_id",
            json!({"view_name": "Active_Contractors", "field_name": "Email"})
        )
        .await["Result"]["Editable"],
        true
    );
    let active = h
        .ok(
            "list_all_caspio_view_records",
            json!({"view_name": "Active_Contractors", "select": "PK_ID, Full_Name"}),
        )
        .await;
    assert_eq!(
        active["Result"],
        json!([{"PK_ID": "1", "Full_Name": "Priya Patel"}, {"PK_ID": "3", "Full_Name": "Sam O'Neil"}])
    );
    h.ok("create_a_caspio_view_record", json!({"view_name": "Active_Contractors", "record": {"Full_Name": "Ana Gil", "Email": "ana@x.io", "Active": true, "Hourly_Rate": 100}})).await;
    // Writes through a view touch only the rows it shows: Diego (inactive) keeps his rate.
    let raised = h.ok("update_a_caspio_view_record_by_id", json!({"view_name": "Active_Contractors", "where": "Hourly_Rate < 200", "values": {"Hourly_Rate": 120}, "confirm_count": 3})).await;
    assert_eq!(raised["RecordsAffected"], 3);
    assert_eq!(
        h.rows("Contractors", "Full_Name = 'Diego Ramos'").await[0]["Hourly_Rate"],
        80.0
    );
    assert_eq!(
        h.ok(
            "delete_a_caspio_view_record_by_id",
            json!({"view_name": "Active_Contractors", "where": "Full_Name = 'Ana Gil'"})
        )
        .await["RecordsAffected"],
        1
    );
    assert_eq!(
        h.ok(
            "delete_a_caspio_view_record_by_id",
            json!({"view_name": "Active_Contractors", "where": "Full_Name = 'Diego Ramos'"})
        )
        .await["RecordsAffected"],
        0
    );
    // View attachments (through the base table's attachment field).
    h.ok(
        "create_a_caspio_field",
        json!({"table_name": "Contractors", "name": "Contract", "type": "ATTACHMENT"}),
    )
    .await;
    h.ok("update_a_caspio_view_attachment_by_id", json!({"view_name": "Active_Contractors", "attachment_field_name": "Contract", "record_pk_id": "3", "file": {"name": "sam.txt", "content_base64": b64(b"signed"), "content_type": "text/plain"}})).await;
    assert_eq!(h.file("get_single_caspio_view_attachment_by_id", json!({"view_name": "Active_Contractors", "attachment_field_name": "Contract", "record_pk_id": "3"})).await.bytes, b"signed");
    let vinfo = h.ok("caspio_view_attachments_file_info", json!({"view_name": "Active_Contractors", "attachment_field_name": "Contract", "where": "PK_ID = 3"})).await;
    assert_eq!(
        vinfo["Result"][0]["PK_ID"], "3",
        "PK_ID is a string in views"
    );
    assert_eq!(h.ok("caspio_view_attachments_rename", json!({"view_name": "Active_Contractors", "attachment_field_name": "Contract", "where": "PK_ID = 3", "file_name": "sam-2024.txt"})).await["RecordsAffected"], 1);
    assert_eq!(h.ok("delete_a_caspio_view_attachment_by_id", json!({"view_name": "Active_Contractors", "attachment_field_name": "Contract", "where": "PK_ID = 3"})).await["RecordsAffected"], 1);
}
