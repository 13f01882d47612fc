//! Bad input, refused in Caspio's shape with nothing changed.

use super::support::*;
use caspio::runtime::tools::CallError;
use caspio::Error;
use caspio_sandbox::SandboxConfig;
use serde_json::{json, Value};

async fn snapshot(h: &Harness) -> (Vec<Value>, Vec<Value>) {
    (
        h.rows("Support_Tickets", "").await,
        h.rows("Inventory", "").await,
    )
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_changes() {
    let h = Harness::start(SandboxConfig {
        max_upload_bytes: 1024,
        ..Default::default()
    })
    .await;
    let before = snapshot(&h).await;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "list_all_caspio_records",
            json!({"table_name": "Nope"}),
            404,
            "ObjectNotFound",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "Inventory", "where": "Colour = 'red'"}),
            400,
            "SqlServerError",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "Inventory", "select": "SKU, Colour"}),
            400,
            "SqlServerError",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "Inventory", "order_by": "SKU; DROP TABLE Inventory"}),
            400,
            "IncorrectQueryParameter",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "Inventory", "group_by": "SKU) --"}),
            400,
            "IncorrectQueryParameter",
        ),
        (
            "list_all_caspio_records",
            json!({"table_name": "Inventory\"; DROP TABLE x; --"}),
            404,
            "ObjectNotFound",
        ),
        (
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"Quantity": "many"}}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"In_Stock": "perhaps"}}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"Colour": "red"}}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"PK_ID": 99}}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Inventory", "where": "SKU = 'OBS-2024-001'", "values": {"Unit_Price": "free"}}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "update_a_caspio_record_by_id",
            json!({"table_name": "Support_Tickets", "where": "Status = 'Open'", "values": {"Priority\" = 1; --": 1}}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "create_a_caspio_table",
            json!({"name": "x\"; DROP TABLE t_inventory; --", "fields": []}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "create_a_caspio_field",
            json!({"table_name": "Inventory", "name": "Weight", "type": "KILOGRAMS"}),
            400,
            "IncorrectBodyParameter",
        ),
        (
            "update_a_caspio_attachment_by_id",
            json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": "1", "file": {"name": "big.bin", "content_base64": b64(&[7u8; 4096])}}),
            413,
            "ContentTooLarge",
        ),
        // Over the whole body limit too (limit + 1 MiB), so the multipart reader stops first.
        (
            "update_a_caspio_attachment_by_id",
            json!({"table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "record_pk_id": "1", "file": {"name": "huge.bin", "content_base64": b64(&vec![7u8; 3 * 1024 * 1024])}}),
            413,
            "ContentTooLarge",
        ),
    ];
    for (tool, args, status, code) in cases {
        // Said briefly on failure: some arguments hold megabytes of base64.
        let shown: String = args.to_string().chars().take(200).collect();
        let got = h.refused(tool, args).await;
        assert_eq!(got, (status, code.to_string()), "{tool} {shown}");
    }
    // SQL text inside values is just text.
    let weird = "Robert'); DROP TABLE Inventory;--";
    let hits = h
        .rows(
            "Inventory",
            &format!("Item_Name = {}", caspio::runtime::qwhere::quote(weird)),
        )
        .await;
    assert!(hits.is_empty());
    assert_eq!(before, snapshot(&h).await, "a refused call changed data");

    // Missing where on writes: refused by the tool layer before anything is sent…
    let err = h
        .call(
            "delete_a_caspio_record_by_id",
            json!({"table_name": "Inventory"}),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::InvalidArguments(_)), "{err:?}");
    // …and by the sandbox itself when a client sends the request anyway.
    let raw = caspio::Request::new(
        caspio::runtime::contract::HttpMethod::Delete,
        "/v3/tables/{tableName}/records",
    )
    .path("tableName", "Inventory");
    let Err(Error::Api(e)) = h.client.send(raw).await else {
        panic!("a delete without q.where must fail")
    };
    assert_eq!(
        (e.status, e.code.as_deref()),
        (400, Some("IncorrectQueryParameter"))
    );
    assert_eq!(before, snapshot(&h).await);
}
