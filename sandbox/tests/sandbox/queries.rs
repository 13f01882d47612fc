//! How the sandbox reads what Caspio reads: `where` without the `q.` prefix on writes, views
//! that join two tables, and text compared with YES/NO fields.

use super::support::*;
use caspio_sandbox::SandboxConfig;
use serde_json::json;

#[tokio::test]
async fn writes_take_where_without_the_q_prefix_as_caspio_does() {
    let h = Harness::start(SandboxConfig::default()).await;
    let request = caspio::Request::new(
        caspio::runtime::contract::HttpMethod::Put,
        "/v3/tables/{tableName}/records",
    )
    .path("tableName", "Inventory")
    .query("where", "SKU = 'OBS-2024-002'")
    .json_body(&json!({"Quantity": 11}));
    let answer = h
        .client
        .send(request)
        .await
        .unwrap()
        .json_value()
        .unwrap()
        .unwrap();
    assert_eq!(answer["RecordsAffected"], 1);
    assert_eq!(
        h.rows("Inventory", "SKU = 'OBS-2024-002'").await[0]["Quantity"],
        11
    );
    h.running.task.abort();
}

#[tokio::test]
async fn join_views_read_both_tables_and_write_only_the_primary_one() {
    let h = Harness::start(SandboxConfig::default()).await;
    let fields = h
        .ok(
            "list_all_caspio_view_fields",
            json!({"view_name": "Ticket_Assignees"}),
        )
        .await;
    let editable: Vec<(String, bool)> = fields["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["Name"].as_str().unwrap().to_string(),
                f["Editable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        editable.contains(&("Status".into(), true)) && editable.contains(&("Role".into(), false)),
        "{editable:?}"
    );
    assert_eq!(
        h.ok(
            "get_single_caspio_view_field_by_id",
            json!({"view_name": "Ticket_Assignees", "field_name": "first_name"})
        )
        .await["Result"]["Editable"],
        false
    );
    // Filter and select across the join.
    let rows = h.ok("list_all_caspio_view_records", json!({"view_name": "Ticket_Assignees", "where": "Role = 'Support Lead' AND Status <> 'Closed'", "select": "PK_ID, Title, First_Name", "order_by": "PK_ID"})).await;
    assert_eq!(
        rows["Result"],
        json!([{"PK_ID": "4", "Title": "Password reset email delayed", "First_Name": "Maria"}, {"PK_ID": "6", "Title": "API returns 500 on large upload", "First_Name": "Maria"}])
    );
    // Writes change the primary table only, selected through the join.
    let moved = h.ok("update_a_caspio_view_record_by_id", json!({"view_name": "Ticket_Assignees", "where": "Last_Name = 'Jones' AND Status = 'Open'", "values": {"Status": "Escalated"}})).await;
    assert_eq!(moved["RecordsAffected"], 1);
    assert_eq!(
        h.rows("Support_Tickets", "PK_ID = 4").await[0]["Status"],
        "Escalated"
    );
    let (status, code) = h.refused("update_a_caspio_view_record_by_id", json!({"view_name": "Ticket_Assignees", "where": "PK_ID = 4", "values": {"Role": "Boss"}})).await;
    assert_eq!((status, code.as_str()), (400, "IncorrectBodyParameter"));
    assert_eq!(
        h.rows("Employee_Directory", "")
            .await
            .iter()
            .filter(|r| r["Role"] == "Boss")
            .count(),
        0
    );
    h.running.task.abort();
}

/// The demo prompt "which OBS-2024 items are out of stock?" as models write it: SQL Server
/// converts 'false' and 'true' for a YES/NO field, so they must not silently match nothing.
#[tokio::test]
async fn yes_no_fields_compare_with_text_as_sql_server_converts_it() {
    let h = Harness::start(SandboxConfig::default()).await;
    let by_number = h
        .rows("Inventory", "SKU LIKE 'OBS-2024%' AND In_Stock = 0")
        .await;
    assert!(
        !by_number.is_empty(),
        "the demo has OBS-2024 items out of stock"
    );
    for text in ["'false'", "'FALSE'", "'0'", "N'false'"] {
        let rows = h
            .rows(
                "Inventory",
                &format!("SKU LIKE 'OBS-2024%' AND In_Stock = {text}"),
            )
            .await;
        assert_eq!(rows, by_number, "In_Stock = {text}");
    }
    let in_stock = h.rows("Inventory", "In_Stock = 'true'").await;
    assert_eq!(in_stock, h.rows("Inventory", "In_Stock = 1").await);
    assert!(!in_stock.is_empty());
    let (status, code) = h
        .refused(
            "list_all_caspio_records",
            json!({"table_name": "Inventory", "where": "In_Stock = 'no'"}),
        )
        .await;
    assert_eq!((status, code.as_str()), (400, "SqlServerError"));
    h.running.task.abort();
}
