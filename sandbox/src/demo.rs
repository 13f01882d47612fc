//! The demo account: the data the well-known example prompts for Caspio agents work on
//! ("reassign every open ticket of j.smith@acmecorp.com", "which OBS-2024 items are out of
//! stock", "deploy everything in STG-APP-001", ...). Deterministic: same keys, same rows, same
//! dates on every start, so tests can rely on them.

use super::db::{data_table, Db};
use super::error::Result;
use super::records::{self, Source};
use rusqlite::Connection;
use serde_json::{json, Value};

fn fields(spec: &[(&str, &str)]) -> Vec<Value> {
    spec.iter()
        .map(|(n, t)| json!({"Name": n, "Type": t}))
        .collect()
}

fn insert(c: &mut Connection, table: &str, rows: &[Value]) -> Result<()> {
    let source = Source {
        table: table.into(),
        filter: None,
        object: format!("table '{table}'"),
        is_view: false,
        read_only: vec![],
        directory: false,
        join: None,
    };
    for row in rows {
        if let Value::Object(m) = row {
            records::insert(c, &source, m)?;
        }
    }
    Ok(())
}

/// Seeds an empty database.
pub fn seed(db: &Db) -> Result<()> {
    db.with(|c| {
        records::create_table(
            c,
            "Support_Tickets",
            &fields(&[("Title", "STRING"), ("Status", "STRING"), ("Assignee", "STRING"), ("Customer_Email", "STRING"), ("Priority", "INTEGER"), ("Created", "DATE/TIME"), ("Resolution", "TEXT")]),
            "table",
        )?;
        let t = |title: &str, status: &str, who: &str, customer: &str, prio: i64, created: &str| {
            json!({"Title": title, "Status": status, "Assignee": who, "Customer_Email": customer, "Priority": prio, "Created": created})
        };
        insert(c, "Support_Tickets", &[
            t("Login page times out", "Open", "j.smith@acmecorp.com", "ops@globex.com", 2, "2024-11-04T09:15:00"),
            t("Invoice PDF missing logo", "Open", "j.smith@acmecorp.com", "billing@initech.com", 3, "2024-11-06T14:02:00"),
            t("Export to CSV drops accents", "Escalated", "j.smith@acmecorp.com", "data@umbrella.com", 1, "2024-11-07T10:45:00"),
            t("Password reset email delayed", "Open", "m.jones@acmecorp.com", "it@hooli.com", 2, "2024-11-08T08:30:00"),
            t("Dashboard chart shows wrong month", "Closed", "j.smith@acmecorp.com", "cfo@globex.com", 3, "2024-10-21T16:20:00"),
            t("API returns 500 on large upload", "Escalated", "m.jones@acmecorp.com", "dev@piedpiper.com", 1, "2024-11-09T11:05:00"),
            t("Add dark mode", "Closed", "a.lee@acmecorp.com", "ux@initech.com", 4, "2024-09-30T13:00:00"),
            t("Duplicate records after import", "Open", "a.lee@acmecorp.com", "data@umbrella.com", 2, "2024-11-10T15:40:00"),
            t("Search ignores apostrophes (O'Brien)", "Open", "j.smith@acmecorp.com", "support@obrien-law.com", 2, "2024-11-11T09:00:00"),
            t("Mobile layout overlaps footer", "Closed", "m.jones@acmecorp.com", "web@hooli.com", 3, "2024-10-15T10:10:00"),
        ])?;

        records::create_table(
            c,
            "Inventory",
            &fields(&[("SKU", "STRING"), ("SKU_Prefix", "STRING"), ("Item_Name", "STRING"), ("In_Stock", "YES/NO"), ("Quantity", "INTEGER"), ("Unit_Price", "CURRENCY"), ("Warehouse", "STRING")]),
            "table",
        )?;
        // "Update every OBS-2024 item ...": the prefix is a field of its own, as users keep it.
        let i = |sku: &str, name: &str, stock: bool, qty: i64, price: f64, wh: &str| {
            json!({"SKU": sku, "SKU_Prefix": &sku[..8], "Item_Name": name, "In_Stock": stock, "Quantity": qty, "Unit_Price": price, "Warehouse": wh})
        };
        insert(c, "Inventory", &[
            i("OBS-2024-001", "Legacy router", false, 0, 89.0, "Reno"),
            i("OBS-2024-002", "Legacy switch 24p", true, 12, 149.5, "Reno"),
            i("OBS-2024-003", "Legacy access point", false, 0, 59.99, "Austin"),
            i("OBS-2024-004", "Legacy modem", true, 3, 39.0, "Austin"),
            i("NEW-2025-001", "Router AX", true, 140, 129.0, "Reno"),
            i("NEW-2025-002", "Switch 48p", true, 35, 399.0, "Austin"),
            i("NEW-2025-003", "Mesh kit", false, 0, 249.0, "Reno"),
        ])?;

        records::create_table(
            c,
            "Monthly_Reports",
            &fields(&[("Report_Month", "STRING"), ("Owner", "STRING"), ("Summary", "TEXT"), ("Final_Export", "ATTACHMENT")]),
            "table",
        )?;
        insert(c, "Monthly_Reports", &[
            json!({"Report_Month": "2024-09", "Owner": "m.jones@acmecorp.com", "Summary": "Ticket volume down 8%."}),
            json!({"Report_Month": "2024-10", "Owner": "m.jones@acmecorp.com", "Summary": "Two escalations closed."}),
            json!({"Report_Month": "2024-11", "Owner": "j.smith@acmecorp.com", "Summary": "Draft."}),
        ])?;
        // "Attach the final export to report 9942": the newest report, numbered as in the prompt
        // (the next one gets 9943, as Caspio's autonumber would).
        c.execute(
            &format!("INSERT INTO {} (\"PK_ID\", \"Report_Month\", \"Owner\", \"Summary\") VALUES (9942, '2024-12', 'j.smith@acmecorp.com', 'Year-end close.')", data_table("Monthly_Reports")),
            [],
        )?;
        for (pk, name, body) in [(1, "2024-09-final.csv", "month,tickets\n2024-09,112\n"), (2, "2024-10-final.csv", "month,tickets\n2024-10,97\n"), (9942, "2024-12-final.csv", "month,tickets\n2024-12,88\n")] {
            c.execute(
                "INSERT INTO _meta_attachments (tbl, field, pk, file_name, file_type, data, created, updated) VALUES ('Monthly_Reports', 'Final_Export', ?1, ?2, 'text/csv', ?3, '2024-11-01T08:00:00', NULL)",
                rusqlite::params![pk, name, body.as_bytes()],
            )?;
            c.execute(&format!("UPDATE {} SET \"Final_Export\" = ?1 WHERE \"PK_ID\" = ?2", data_table("Monthly_Reports")), rusqlite::params![name, pk])?;
        }

        records::create_table(
            c,
            "Contractors",
            &fields(&[("Full_Name", "STRING"), ("Email", "STRING"), ("Company", "STRING"), ("Department", "STRING"), ("Active", "YES/NO"), ("Hourly_Rate", "CURRENCY"), ("Start_Date", "DATE/TIME")]),
            "table",
        )?;
        insert(c, "Contractors", &[
            json!({"Full_Name": "Priya Patel", "Email": "priya@contractco.com", "Company": "ContractCo", "Department": "Engineering", "Active": true, "Hourly_Rate": 95.0, "Start_Date": "2024-03-01"}),
            json!({"Full_Name": "Diego Ramos", "Email": "diego@buildit.io", "Company": "BuildIt", "Department": "Facilities", "Active": false, "Hourly_Rate": 80.0, "Start_Date": "2023-06-15"}),
            json!({"Full_Name": "Sam O'Neil", "Email": "sam@contractco.com", "Company": "ContractCo", "Department": "Support", "Active": true, "Hourly_Rate": 110.0, "Start_Date": "2024-08-19"}),
        ])?;
        c.execute("INSERT INTO _meta_views (name, base, filter, note) VALUES ('Active_Contractors', 'Contractors', 'Active = 1', 'Contractors currently engaged')", [])?;

        // Tickets beside their assignee's directory record: a join view, writable only in the
        // tickets' own fields.
        let join = super::records::Join {
            table: "Employee_Directory".into(),
            base_key: "Assignee".into(),
            other_key: "Email".into(),
            fields: vec!["First_Name".into(), "Last_Name".into(), "Role".into()],
        };
        c.execute(
            "INSERT INTO _meta_views (name, base, filter, note, join_spec) VALUES ('Ticket_Assignees', 'Support_Tickets', NULL, 'Tickets with their assignee''s name and role', ?1)",
            [serde_json::to_string(&join).map_err(|e| super::error::CaspioError::internal(e.to_string()))?],
        )?;
        let user_fields = fields(&[("UserGUID", "STRING"), ("Email", "STRING"), ("First_Name", "STRING"), ("Last_Name", "STRING"), ("Role", "STRING"), ("_status", "STRING"), ("_sign_in_method", "STRING"), ("_2fa_status", "STRING")]);
        for (id, name) in [("401", "Employee_Directory"), ("402", "Enterprise_Directory")] {
            records::create_table(c, name, &user_fields, "directory")?;
            c.execute("INSERT INTO _meta_directories (id, name, tbl, created) VALUES (?1, ?2, ?2, '2024-01-15T09:00:00')", [id, name])?;
        }
        let u = |guid: &str, email: &str, first: &str, last: &str, role: &str, status: &str, tfa: &str| {
            json!({"UserGUID": guid, "Email": email, "First_Name": first, "Last_Name": last, "Role": role, "_status": status, "_sign_in_method": "Caspio", "_2fa_status": tfa})
        };
        insert(c, "Employee_Directory", &[
            u("6f1c2a70-0000-4000-8000-000000000001", "j.smith@acmecorp.com", "John", "Smith", "Support", "Active", "Enabled"),
            u("6f1c2a70-0000-4000-8000-000000000002", "m.jones@acmecorp.com", "Maria", "Jones", "Support Lead", "Active", "Disabled"),
            u("6f1c2a70-0000-4000-8000-000000000003", "a.lee@acmecorp.com", "Alex", "Lee", "Support", "Active", "Enabled"),
            u("6f1c2a70-0000-4000-8000-000000000004", "t.new@acmecorp.com", "Taylor", "New", "Support", "ActivationPending", "Disabled"),
        ])?;
        insert(c, "Enterprise_Directory", &[
            u("7a2d3b81-0000-4000-8000-000000000001", "ceo@acmecorp.com", "Robin", "Hale", "Executive", "Active", "Enabled"),
            u("7a2d3b81-0000-4000-8000-000000000002", "cfo@acmecorp.com", "Kim", "Cho", "Executive", "Active", "Disabled"),
            u("7a2d3b81-0000-4000-8000-000000000003", "it.admin@acmecorp.com", "Sasha", "Ivanov", "IT", "Active", "Unavailable"),
            u("7a2d3b81-0000-4000-8000-000000000004", "auditor@acmecorp.com", "Lee", "Park", "Audit", "Locked", "Disabled"),
        ])?;

        let when = "2024-06-01T12:00:00";
        for (key, name) in [("b5f0e1c2-0001-4000-8000-0000000000a1", "STG-APP-001"), ("b5f0e1c2-0002-4000-8000-0000000000a2", "APP-9982")] {
            c.execute("INSERT INTO _meta_apps (key, name, created, modified) VALUES (?1, ?2, ?3, ?3)", [key, name, when])?;
        }
        for (app, page_key, name, kind, deployed) in [
            ("b5f0e1c2-0001-4000-8000-0000000000a1", "stg1a2b3c4d5e6f7", "Ticket Submission Form", "WEBFORM", false),
            ("b5f0e1c2-0001-4000-8000-0000000000a1", "stg2b3c4d5e6f7a8", "Ticket Report", "REPORT", false),
            ("b5f0e1c2-0001-4000-8000-0000000000a1", "stg3c4d5e6f7a8b9", "Inventory Search", "SEARCH", true),
            ("b5f0e1c2-0002-4000-8000-0000000000a2", "app9d8c7b6a5f4e3", "Contractor Directory", "REPORT", true),
            ("b5f0e1c2-0002-4000-8000-0000000000a2", "app8c7b6a5f4e3d2", "Timesheet Entry", "WEBFORM", false),
        ] {
            c.execute(
                "INSERT INTO _meta_datapages (app, app_key, name, path, type, deployed, created, modified, note) VALUES (?1, ?2, ?3, '/', ?4, ?5, ?6, ?6, NULL)",
                rusqlite::params![app, page_key, name, kind, deployed, when],
            )?;
        }
        c.execute(
            "INSERT INTO _meta_tasks (key, name, status, time_zone, frequency, note) VALUES ('c7d8e9f0-0001-4000-8000-0000000000b1', 'Nightly Inventory Import', 'Ready', 'Pacific Standard Time', 'Every day', 'Imports inventory.csv from the warehouse FTP'),
             ('c7d8e9f0-0002-4000-8000-0000000000b2', 'Weekly Ticket Export', 'Ready', 'UTC', 'Monday', NULL)",
            [],
        )?;
        c.execute(
            "INSERT INTO _meta_webhooks (id, name, description, urls, throttling, enabled, secret, created, modified) VALUES ('wh00000001', 'Ticket Alerts', 'Posts new tickets to the on-call channel', '[\"https://hooks.example.com/caspio/tickets\"]', 10, 1, 'demo-secret-not-for-production', ?1, ?1)",
            [when],
        )?;
        c.execute(
            "INSERT INTO _meta_events (id, webhook, type, object, fields, sources, payload_fields, template, enabled, created, modified) VALUES ('ev00000001', 'wh00000001', 'table.recordInsert', 'Support_Tickets', '[]', '[]', '[]', NULL, 1, ?1, ?1)",
            [when],
        )?;
        c.execute("INSERT INTO _meta_folders (key, name, parent, created) VALUES ('d1e2f3a4-0001-4000-8000-0000000000c1', 'Reports', NULL, ?1)", [when])?;
        c.execute(
            "INSERT INTO _meta_files (key, name, folder, content_type, data, created, modified) VALUES
             ('e1f2a3b4-0001-4000-8000-0000000000d1', 'readme.txt', NULL, 'text/plain', CAST('Demo account files.' AS BLOB), ?1, ?1),
             ('e1f2a3b4-0002-4000-8000-0000000000d2', 'q3-summary.csv', 'd1e2f3a4-0001-4000-8000-0000000000c1', 'text/csv', CAST('quarter,tickets\nQ3,301\n' AS BLOB), ?1, ?1)",
            [when],
        )?;
        Ok(())
    })
}
