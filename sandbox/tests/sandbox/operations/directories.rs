//! Directories and their users.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
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
}
