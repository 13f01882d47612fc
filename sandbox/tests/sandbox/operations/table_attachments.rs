//! ATTACHMENT fields of tables: upload, download, info, rename, delete.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    let pdf: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    h.ok("update_a_caspio_attachment_by_id", json!({"table_name": "Orders", "attachment_field_name": "Receipt", "record_pk_id": "1", "file": {"name": "receipt-1.pdf", "content_base64": b64(&pdf)}})).await;
    let got = h.file("get_single_caspio_attachment_by_id", json!({"table_name": "Orders", "attachment_field_name": "Receipt", "record_pk_id": "1"})).await;
    assert_eq!(got.bytes, pdf);
    assert_eq!(got.file_name.as_deref(), Some("receipt-1.pdf"));
    assert_eq!(got.content_type.as_deref(), Some("application/pdf"));
    let info = h
        .ok(
            "caspio_attachments_file_info",
            json!({"table_name": "Orders", "attachment_field_name": "Receipt"}),
        )
        .await;
    assert_eq!(info["Result"][0]["Size"], 70_000);
    assert_eq!(info["Result"][0]["PK_ID"], 1);
    assert_eq!(h.ok("caspio_attachments_rename", json!({"table_name": "Orders", "attachment_field_name": "Receipt", "where": "PK_ID = 1", "file_name": "r1.pdf"})).await["RecordsAffected"], 1);
    assert_eq!(h.rows("Orders", "PK_ID = 1").await[0]["Receipt"], "r1.pdf");
    assert_eq!(h.ok("delete_a_caspio_attachment_by_id", json!({"table_name": "Orders", "attachment_field_name": "Receipt", "where": "PK_ID = 1"})).await["RecordsAffected"], 1);
    assert_eq!(
        h.refused(
            "get_single_caspio_attachment_by_id",
            json!({"table_name": "Orders", "attachment_field_name": "Receipt", "record_pk_id": "1"})
        )
        .await
        .0,
        404
    );
}
