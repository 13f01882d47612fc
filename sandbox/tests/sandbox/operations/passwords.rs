//! PASSWORD fields: listed, set and reset by where, never read.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    assert_eq!(
        h.ok(
            "list_all_caspio_password_fields",
            json!({"table_name": "Orders"})
        )
        .await["Result"],
        json!(["Secret_Code"])
    );
    assert_eq!(h.ok("update_a_caspio_password_field_by_id", json!({"table_name": "Orders", "password_field_name": "Secret_Code", "where": "PK_ID = 1", "value": "s3cret"})).await["RecordsAffected"], 1);
    assert_eq!(h.ok("caspio_password_fields_reset", json!({"table_name": "Orders", "password_field_name": "Secret_Code", "where": "PK_ID > 0", "confirm_count": 2})).await["RecordsAffected"], 2);
}
