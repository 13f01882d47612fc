//! Tables and their fields.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    let tables = h.ok("list_all_caspio_tables", json!({})).await;
    assert!(tables["Result"]
        .as_array()
        .unwrap()
        .contains(&json!("Support_Tickets")));
    h.ok(
        "create_a_caspio_table",
        json!({"name": "Orders", "fields": [
            {"Name": "Customer", "Type": "STRING", "Unique": false},
            {"Name": "Amount", "Type": "CURRENCY"},
            {"Name": "Paid", "Type": "YES/NO"},
            {"Name": "Secret_Code", "Type": "PASSWORD"},
            {"Name": "Receipt", "Type": "ATTACHMENT"}
        ]}),
    )
    .await;
    assert_eq!(
        h.ok(
            "get_single_caspio_table_by_id",
            json!({"table_name": "orders"})
        )
        .await["Result"]["Name"],
        "Orders"
    );
    h.ok("create_a_caspio_field", json!({"table_name": "Orders", "name": "Placed", "type": "DATE/TIME", "settings": {"label": "Placed on", "display_order": 2}})).await;
    let fields = h
        .ok("list_all_caspio_fields", json!({"table_name": "Orders"}))
        .await;
    let names: Vec<&str> = fields["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "Customer",
            "Amount",
            "Paid",
            "Secret_Code",
            "Receipt",
            "Placed"
        ]
    );
    let placed = h
        .ok(
            "get_single_caspio_field_by_id",
            json!({"table_name": "Orders", "field_name": "placed"}),
        )
        .await;
    assert_eq!(
        (
            placed["Result"]["Type"].as_str(),
            placed["Result"]["Label"].as_str()
        ),
        (Some("DATE/TIME"), Some("Placed on"))
    );
    h.ok("update_a_caspio_field_by_id", json!({"table_name": "Orders", "field_name": "Placed", "name": "Placed_At", "settings": {"description": "When the order came in"}})).await;
    assert_eq!(
        h.ok(
            "get_single_caspio_field_by_id",
            json!({"table_name": "Orders", "field_name": "Placed_At"})
        )
        .await["Result"]["Description"],
        "When the order came in"
    );
    h.ok(
        "create_a_caspio_field",
        json!({"table_name": "Orders", "name": "Scratch", "type": "TEXT"}),
    )
    .await;
    h.ok(
        "delete_a_caspio_field_by_id",
        json!({"table_name": "Orders", "field_name": "Scratch"}),
    )
    .await;
    assert_eq!(
        h.refused(
            "get_single_caspio_field_by_id",
            json!({"table_name": "Orders", "field_name": "Scratch"})
        )
        .await,
        (404, "ObjectNotFound".into())
    );
}
