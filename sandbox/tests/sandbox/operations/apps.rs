//! Bridge applications, DataPages and their deployment.

use super::super::support::*;
use serde_json::json;

pub async fn exercise(h: &Harness) {
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
}
