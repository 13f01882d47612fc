//! Records: inserts, queries (where, select, group, order, pages), updates and deletes by where.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
    for (customer, amount, paid) in [
        ("Globex", 120.5, false),
        ("Initech", 80.0, true),
        ("O'Brien & Co", 42.0, false),
    ] {
        let created = h.ok("create_a_caspio_record", json!({"table_name": "Orders", "record": {"Customer": customer, "Amount": amount, "Paid": paid, "Secret_Code": "hunter2", "Placed_At": "2024-11-20"}})).await;
        let row = &created["Result"][0];
        assert_eq!(row["Customer"], customer);
        assert!(
            row.get("Secret_Code").is_none(),
            "password fields are never returned: {row}"
        );
        assert!(row["PK_ID"].as_i64().unwrap() > 0);
    }
    let open = h.ok("list_all_caspio_records", json!({"table_name": "Orders", "where": "Customer = N'O''Brien & Co'", "select": "PK_ID, Customer, Amount"})).await;
    assert_eq!(
        open["Result"],
        json!([{"PK_ID": 3, "Customer": "O'Brien & Co", "Amount": 42.0}])
    );
    assert_eq!(open["Pagination"]["TotalCount"], 1);
    let grouped = h.ok("list_all_caspio_records", json!({"table_name": "Orders", "select": "Paid, COUNT(*) AS n, SUM(Amount) AS total", "group_by": "Paid", "order_by": "Paid"})).await;
    assert_eq!(
        grouped["Result"],
        json!([{"Paid": false, "n": 2, "total": 162.5}, {"Paid": true, "n": 1, "total": 80.0}])
    );
    let page = h.ok("list_all_caspio_records", json!({"table_name": "Orders", "page_size": 5, "page_number": 1, "order_by": "Amount DESC"})).await;
    assert_eq!(page["Result"][0]["Customer"], "Globex");
    assert_eq!(
        page["Pagination"],
        json!({"TotalCount": 3, "PageNumber": 1, "PageSize": 5})
    );
    // A PUT by where changes exactly the matching rows, and says how many.
    let updated = h
        .ok(
            "update_a_caspio_record_by_id",
            json!({"table_name": "Orders", "where": "Paid = 0", "values": {"Paid": true}}),
        )
        .await;
    assert_eq!(updated["RecordsAffected"], 2);
    assert_eq!(h.rows("Orders", "Paid = 1").await.len(), 3);
    let none = h.ok("update_a_caspio_record_by_id", json!({"table_name": "Orders", "where": "Customer = 'Nobody'", "values": {"Paid": false}})).await;
    assert_eq!(none["RecordsAffected"], 0);
    let deleted = h
        .ok(
            "delete_a_caspio_record_by_id",
            json!({"table_name": "Orders", "where": "Amount < 50"}),
        )
        .await;
    assert_eq!(deleted, json!({"RecordsAffected": 1}));
    assert_eq!(h.rows("Orders", "").await.len(), 2);
}
