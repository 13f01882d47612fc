//! Every one of the 70 v3 operations, driven through the generated client (the same code users
//! point at Caspio) against the sandbox over real HTTP on loopback, asserting Caspio's shapes,
//! status codes and data effects. Then bad input, which must be refused in Caspio's shape with
//! nothing changed.

use base64::Engine;
use caspio::runtime::tools::{CallError, ToolOutput};
use caspio::{Client, Credentials, Error};
use caspio_mcp::sandbox::{Running, SandboxConfig};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Mutex;

mod common;

struct Harness {
    client: Client,
    running: Running,
    called: Mutex<BTreeSet<String>>,
}

impl Harness {
    async fn start(config: SandboxConfig) -> Harness {
        let (client, running) = common::sandbox(config).await;
        Harness {
            client,
            running,
            called: Mutex::new(BTreeSet::new()),
        }
    }

    async fn call(&self, name: &str, args: Value) -> Result<ToolOutput, CallError> {
        self.called.lock().unwrap().insert(name.to_string());
        caspio::registry()
            .call(&self.client, name, args.as_object().cloned())
            .await
    }

    /// A successful call's structured result (or `{}` for empty and file answers).
    async fn ok(&self, name: &str, args: Value) -> Value {
        match self.call(name, args.clone()).await {
            Ok(out) => out.structured.unwrap_or(json!({})),
            Err(e) => panic!("{name} {args}: {e}"),
        }
    }

    async fn file(&self, name: &str, args: Value) -> caspio::Download {
        self.call(name, args)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .file
            .expect("a file")
    }

    /// A call Caspio refuses: its status and code.
    async fn refused(&self, name: &str, args: Value) -> (u16, String) {
        match self.call(name, args.clone()).await {
            Err(CallError::Api(Error::Api(e))) => {
                assert!(
                    e.request_id.is_some(),
                    "{name}: every error carries a RequestId"
                );
                (e.status, e.code.unwrap_or_default())
            }
            other => panic!("{name} {args}: expected a Caspio error, got {other:?}"),
        }
    }

    async fn rows(&self, table: &str, filter: &str) -> Vec<Value> {
        let mut args = json!({"table_name": table, "page_size": 1000});
        if !filter.is_empty() {
            args["where"] = json!(filter);
        }
        self.ok("list_all_caspio_records", args).await["Result"]
            .as_array()
            .cloned()
            .unwrap()
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn every_operation_against_the_sandbox() {
    // A task runs long enough that the checks made while it runs hold on a loaded machine.
    let h = Harness::start(SandboxConfig {
        task_duration: std::time::Duration::from_secs(2),
        ..SandboxConfig::default()
    })
    .await;

    // --- Tables and fields ---
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

    // --- Records ---
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

    // --- Password fields ---
    assert_eq!(
        h.ok(
            "list_all_caspio_password_fields",
            json!({"table_name": "Orders"})
        )
        .await["Result"],
        json!(["Secret_Code"])
    );
    assert_eq!(h.ok("update_a_caspio_password_field_by_id", json!({"table_name": "Orders", "password_field_name": "Secret_Code", "where": "PK_ID = 1", "value": "s3cret"})).await["RecordsAffected"], 1);
    assert_eq!(h.ok("caspio_password_fields_reset", json!({"table_name": "Orders", "password_field_name": "Secret_Code", "where": "PK_ID > 0", "allow_all_rows": true})).await["RecordsAffected"], 2);

    // --- Table attachments ---
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

    // --- Views ---
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
    let raised = h.ok("update_a_caspio_view_record_by_id", json!({"view_name": "Active_Contractors", "where": "Hourly_Rate < 200", "values": {"Hourly_Rate": 120}, "allow_all_rows": true})).await;
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

    // --- Files and folders ---
    let folders = h.ok("list_all_caspio_folders", json!({})).await;
    let reports = folders["Result"][0]["ExternalKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(folders["Result"][0]["Name"], "Reports");
    assert_eq!(
        h.ok(
            "get_single_caspio_folder_by_id",
            json!({"external_key": reports})
        )
        .await["Result"]["Name"],
        "Reports"
    );
    let up = h.ok("create_a_caspio_file", json!({"external_key": reports, "files": [{"name": "a.txt", "content_base64": b64(b"one")}, {"name": "b.csv", "content_base64": b64(b"x,y\n")}]})).await;
    assert_eq!(up["Result"].as_array().unwrap().len(), 2);
    assert_eq!(h.refused("create_a_caspio_file", json!({"external_key": reports, "files": [{"name": "A.TXT", "content_base64": b64(b"dup")}]})).await, (409, "Conflict".into()));
    let over = h.call("caspio_files_overwrite", json!({"external_key": reports, "file": {"name": "a.txt", "content_base64": b64(b"two")}})).await.unwrap();
    assert_eq!(over.status, 200, "an existing file is replaced");
    let listed = h.ok("list_all_caspio_files", json!({"external_key": reports, "sort_field": "Name", "sort_descending": true, "page_size": 5})).await;
    let file_names: Vec<&str> = listed["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Name"].as_str().unwrap())
        .collect();
    assert_eq!(file_names, vec!["q3-summary.csv", "b.csv", "a.txt"]);
    assert_eq!(listed["Pagination"]["TotalCount"], 3);
    let a_key = listed["Result"][2]["ExternalKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h.ok(
            "get_single_caspio_file_by_id",
            json!({"external_key": a_key})
        )
        .await["Result"]["Size"],
        3
    );
    assert_eq!(
        h.file("caspio_files_download", json!({"external_key": a_key}))
            .await
            .bytes,
        b"two"
    );
    assert_eq!(
        h.ok(
            "caspio_files_get_by_path",
            json!({"file_path": "/Reports/b.csv"})
        )
        .await["Result"]["ContentType"],
        "text/csv"
    );
    assert_eq!(
        h.file(
            "caspio_files_download_by_path",
            json!({"file_path": "/readme.txt"})
        )
        .await
        .bytes,
        b"Demo account files."
    );
    h.ok(
        "caspio_files_delete_by_path",
        json!({"file_path": "/Reports/b.csv"}),
    )
    .await;
    h.ok("delete_a_caspio_file_by_id", json!({"external_key": a_key}))
        .await;
    assert_eq!(
        h.refused("caspio_files_download", json!({"external_key": a_key}))
            .await
            .0,
        404
    );

    // --- Outgoing webhooks and events ---
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

    // --- Tasks ---
    let tasks = h.ok("list_all_caspio_tasks", json!({})).await;
    let task_key = tasks["Result"][0]["ExternalKey"]
        .as_str()
        .unwrap()
        .to_string();
    h.ok("caspio_tasks_run", json!({"external_key": task_key}))
        .await;
    assert_eq!(
        h.ok(
            "get_single_caspio_task_by_id",
            json!({"external_key": task_key})
        )
        .await["Result"]["Status"],
        "Processing"
    );
    assert_eq!(
        h.refused("caspio_tasks_run", json!({"external_key": task_key}))
            .await
            .0,
        409
    );
    // It is Ready again once the run ends; polled, so a slow machine only waits longer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let status = h
            .ok(
                "get_single_caspio_task_by_id",
                json!({"external_key": task_key}),
            )
            .await["Result"]["Status"]
            .clone();
        if status == "Ready" {
            break;
        }
        assert_eq!(status, "Processing");
        assert!(
            std::time::Instant::now() < deadline,
            "the task never became Ready"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // --- Bridge applications, DataPages, deployment ---
    let apps = h.ok("list_all_caspio_applications", json!({})).await;
    let app = apps["Result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AppName"] == "STG-APP-001")
        .unwrap()
        .clone();
    let app_key = app["ExternalKey"].as_str().unwrap().to_string();
    assert_eq!(
        h.ok(
            "get_single_caspio_application_by_id",
            json!({"external_key": app_key})
        )
        .await["Result"]["DataPagesCount"],
        3
    );
    let pages = h
        .ok(
            "list_all_caspio_datapages",
            json!({"external_key": app_key}),
        )
        .await;
    let page_key = pages["Result"][0]["AppKey"].as_str().unwrap().to_string();
    assert_eq!(
        h.ok(
            "get_single_caspio_datapage_by_id",
            json!({"external_key": app_key, "app_key": page_key})
        )
        .await["Result"]["AppName"],
        "STG-APP-001"
    );
    h.ok(
        "caspio_deployments_bulk_update",
        json!({"external_key": app_key, "deployed": true}),
    )
    .await;
    let url = h
        .ok(
            "get_single_caspio_deployment_by_id",
            json!({"external_key": app_key, "app_key": page_key, "method": "URL"}),
        )
        .await;
    assert!(
        url["Result"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/dp/{page_key}")),
        "{url}"
    );
    h.ok(
        "update_a_caspio_deployment_by_id",
        json!({"external_key": app_key, "app_key": page_key, "deployed": false}),
    )
    .await;
    assert_eq!(
        h.refused(
            "get_single_caspio_deployment_by_id",
            json!({"external_key": app_key, "app_key": page_key, "method": "iFrame"})
        )
        .await
        .0,
        400
    );

    // --- Directories and users ---
    let dirs = h.ok("list_all_caspio_directories", json!({})).await;
    assert!(dirs["Result"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["Id"] == "402" && d["Name"] == "Enterprise_Directory"));
    let no2fa = h.ok("list_all_caspio_users", json!({"directory_id": "402", "where": "_2fa_status <> 'Enabled'", "select": "Email, _2fa_status"})).await;
    assert_eq!(no2fa["Result"].as_array().unwrap().len(), 3);
    let user = h.ok("create_a_caspio_user", json!({"directory_id": "401", "user": {"Email": "new.hire@acmecorp.com", "First_Name": "Nia"}})).await;
    assert_eq!(user["Result"][0]["_status"], "ActivationPending");
    let guid = user["Result"][0]["UserGUID"].as_str().unwrap().to_string();
    let act = h
        .ok(
            "caspio_users_activate",
            json!({"directory_id": "401", "user_guid": guid, "send_email": false}),
        )
        .await;
    assert!(act["Result"]["ActivationUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(
        h.refused(
            "caspio_users_activate",
            json!({"directory_id": "401", "user_guid": guid})
        )
        .await
        .0,
        409
    );
    assert_eq!(h.ok("update_a_caspio_user_by_id", json!({"directory_id": "401", "where": "Email = 'new.hire@acmecorp.com'", "values": {"Role": "Support"}})).await["UsersAffected"], 1);
    // The status fields cannot select users for a write.
    assert_eq!(
        h.refused(
            "delete_a_caspio_user_by_id",
            json!({"directory_id": "401", "where": "_status = 'Active'"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        h.ok(
            "delete_a_caspio_user_by_id",
            json!({"directory_id": "401", "where": "Email = 'new.hire@acmecorp.com'"})
        )
        .await,
        json!({"UsersAffected": 1})
    );

    // The local helper builds a quoted condition that the list tools accept as it is.
    let built = h.ok("caspio_build_where", json!({"conditions": [{"field": "Email", "op": "LIKE", "value": "%@acmecorp.com"}, {"field": "Role", "op": "IN", "value": ["Support", "Support Lead"]}]})).await;
    let condition = built["where"].as_str().unwrap().to_string();
    assert_eq!(
        condition,
        "Email LIKE N'%@acmecorp.com' AND Role IN (N'Support', N'Support Lead')"
    );
    assert_eq!(
        h.ok(
            "list_all_caspio_users",
            json!({"directory_id": "401", "where": condition})
        )
        .await["Result"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Every operation was exercised.
    let called = h.called.lock().unwrap().clone();
    let all: BTreeSet<String> = caspio::registry()
        .tools()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let missing: Vec<_> = all.difference(&called).collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
    assert_eq!(all.len(), 71, "70 operations and caspio_build_where");
    h.running.task.abort();
}

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

#[tokio::test]
async fn data_survives_a_restart_on_the_same_file() {
    let dir = std::env::temp_dir().join(format!("caspio-sandbox-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("account.db");
    let config = SandboxConfig {
        database: Some(db.clone()),
        ..Default::default()
    };
    {
        let h = Harness::start(config.clone()).await;
        h.ok(
            "create_a_caspio_record",
            json!({"table_name": "Inventory", "record": {"SKU": "KEEP-1"}}),
        )
        .await;
        h.running.task.abort();
    }
    let h = Harness::start(config).await;
    assert_eq!(h.rows("Inventory", "SKU = 'KEEP-1'").await.len(), 1);
    assert_eq!(
        h.rows("Inventory", "SKU LIKE 'OBS-2024%'").await.len(),
        4,
        "the demo is seeded once, not twice"
    );
    h.running.task.abort();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn tokens_expire_and_wrong_secrets_are_refused() {
    let h = Harness::start(SandboxConfig::default()).await;
    h.ok("list_all_caspio_tables", json!({})).await;
    h.running.sandbox.expire_tokens(None);
    // The client's next call gets a 401, takes a new token and succeeds.
    h.ok("list_all_caspio_tables", json!({})).await;
    assert_eq!(h.running.sandbox.tokens_issued(), 2);
    let bad = Client::new(
        &h.running.base_url,
        Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: "wrong".into(),
        },
    )
    .unwrap();
    let err = bad.list_tables().await.unwrap_err();
    assert!(
        matches!(err, Error::Auth { ref message, .. } if message.contains("401")),
        "{err}"
    );
    let unknown = Client::new(&h.running.base_url, Credentials::Token("forged".into())).unwrap();
    let Err(Error::Api(e)) = unknown.list_tables().await else {
        panic!("a forged token must fail")
    };
    assert_eq!(e.status, 401);
}

#[tokio::test]
async fn fault_switches_inject_latency_errors_and_drops() {
    use caspio_mcp::sandbox::Faults;
    use std::time::{Duration, Instant};
    let h = Harness::start(SandboxConfig::default()).await;
    h.ok("list_all_caspio_tables", json!({})).await;
    h.running.sandbox.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Default::default()
    });
    let t = Instant::now();
    h.ok("list_all_caspio_views", json!({})).await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    h.running.sandbox.set_faults(Faults {
        error_every: 2,
        ..Default::default()
    });
    let mut errors = 0;
    for _ in 0..6 {
        if let Err(CallError::Api(Error::Api(e))) = h.call("list_all_caspio_views", json!({})).await
        {
            assert_eq!((e.status, e.code.as_deref()), (500, Some("InternalError")));
            errors += 1;
        }
    }
    assert_eq!(errors, 3);
    h.running.sandbox.set_faults(Faults {
        drop_every: 1,
        ..Default::default()
    });
    let err = h
        .call("list_all_caspio_views", json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallError::Api(Error::Transport { .. })),
        "{err:?}"
    );
    h.running.sandbox.set_faults(Faults::default());
    h.ok("list_all_caspio_views", json!({})).await;
    h.running.task.abort();
}

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
