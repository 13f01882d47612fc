//! Names where keys are wanted, against the sandbox: a unique name is resolved with one read and
//! said in the result, a key costs no read at all, and an unknown value gets Caspio's 404 with the
//! closest names. (The sandbox keeps names unique; a shared name is in `client_requests`.)

use crate::runtime_safety::start;
use caspio::runtime::tools::{self, CallError};
use caspio::Client;
use caspio_sandbox::Running;
use serde_json::{json, Value};

async fn call(client: &Client, name: &str, args: Value) -> Result<tools::ToolOutput, CallError> {
    caspio::registry()
        .call(client, name, args.as_object().cloned())
        .await
}

/// The GET requests the sandbox saw for a path, token requests aside.
fn reads_of(sb: &Running, path: &str) -> usize {
    sb.sandbox
        .log()
        .iter()
        .filter(|e| e.method == "GET" && e.path.ends_with(path))
        .count()
}

async fn deployed(client: &Client, app: &str) -> Vec<bool> {
    let out = call(
        client,
        "list_all_caspio_datapages",
        json!({"external_key": app}),
    )
    .await
    .unwrap();
    out.structured.unwrap()["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Deployed"].as_bool().unwrap())
        .collect()
}

#[tokio::test]
async fn an_application_named_by_the_user_is_deployed_by_its_key() {
    let (client, sb) = start().await;
    let out = call(
        &client,
        "caspio_deployments_bulk_update",
        json!({"external_key": "STG-APP-001", "deployed": true}),
    )
    .await
    .unwrap();
    let key = "b5f0e1c2-0001-4000-8000-0000000000a1";
    assert_eq!(out.resolved.len(), 1, "{:?}", out.resolved);
    assert_eq!(out.resolved[0].argument, "external_key");
    assert_eq!(out.resolved[0].name, "STG-APP-001");
    assert_eq!(out.resolved[0].key, key);
    assert!(out.resolved[0].sentence().contains(key));
    // One read of the application list, and no more.
    assert_eq!(reads_of(&sb, "/bridgeApplications"), 1);
    assert_eq!(deployed(&client, key).await, vec![true, true, true]);
    // The other application is untouched.
    let other = "b5f0e1c2-0002-4000-8000-0000000000a2";
    assert_eq!(deployed(&client, other).await, vec![true, false]);
}

#[tokio::test]
async fn a_key_costs_no_lookup() {
    let (client, sb) = start().await;
    let key = "b5f0e1c2-0002-4000-8000-0000000000a2";
    let out = call(
        &client,
        "caspio_deployments_bulk_update",
        json!({"external_key": key, "deployed": true}),
    )
    .await
    .unwrap();
    assert!(out.resolved.is_empty());
    assert_eq!(reads_of(&sb, "/bridgeApplications"), 0);
    assert_eq!(deployed(&client, key).await, vec![true, true]);
}

#[tokio::test]
async fn names_are_matched_in_any_case_and_work_for_directories_reads_and_guarded_writes() {
    let (client, _sb) = start().await;
    let out = call(
        &client,
        "list_all_caspio_users",
        json!({"directory_id": "enterprise_directory", "where": "_2fa_status <> 'Enabled'"}),
    )
    .await
    .unwrap();
    assert_eq!(out.resolved[0].key, "402");
    let users = out.structured.unwrap()["Result"].as_array().unwrap().len();
    assert_eq!(users, 3);
    // The guard's count read is what 404s; the write goes to the right directory.
    let out = call(
        &client,
        "update_a_caspio_user_by_id",
        json!({"directory_id": "Enterprise_Directory", "where": "Email = 'cfo@acmecorp.com'", "values": {"Role": "Finance"}}),
    )
    .await
    .unwrap();
    assert_eq!(out.resolved[0].key, "402");
    let after = call(
        &client,
        "list_all_caspio_users",
        json!({"directory_id": "402", "where": "Role = 'Finance'"}),
    )
    .await
    .unwrap();
    assert_eq!(
        after.structured.unwrap()["Result"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_unknown_value_gets_the_404_with_the_closest_names() {
    let (client, _sb) = start().await;
    let err = call(
        &client,
        "get_single_caspio_application_by_id",
        json!({"external_key": "STG-APP-01"}),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CallError::Name(_)), "{err:?}");
    assert!(text.contains("Cannot find application"), "{text}");
    assert!(text.contains("`STG-APP-001`"), "{text}");
    assert!(
        text.contains("b5f0e1c2-0001-4000-8000-0000000000a1"),
        "{text}"
    );
    // Nothing close: Caspio's 404 as it came.
    let err = call(
        &client,
        "get_single_caspio_task_by_id",
        json!({"external_key": "Payroll sync"}),
    )
    .await
    .unwrap_err();
    let CallError::Api(caspio::Error::Api(api)) = &err else {
        panic!("expected Caspio's 404, got {err:?}")
    };
    assert_eq!(api.status, 404);
    assert!(err.to_string().contains("Cannot find task"), "{err}");
}

#[tokio::test]
async fn a_404_about_another_argument_is_left_as_caspio_said_it() {
    let (client, _sb) = start().await;
    let err = call(
        &client,
        "get_single_caspio_datapage_by_id",
        json!({"external_key": "STG-APP-001", "app_key": "nope"}),
    )
    .await
    .unwrap_err();
    // The application resolved, the DataPage did not: Caspio's answer about the DataPage.
    assert!(
        err.to_string().contains("Cannot find DataPage 'nope'"),
        "{err}"
    );
}

#[tokio::test]
async fn files_and_folders_take_their_names() {
    let (client, _sb) = start().await;
    let out = call(
        &client,
        "caspio_files_download",
        json!({"external_key": "readme.txt"}),
    )
    .await
    .unwrap();
    assert_eq!(out.file.unwrap().bytes, b"Demo account files.");
    let out = call(
        &client,
        "get_single_caspio_folder_by_id",
        json!({"external_key": "Reports"}),
    )
    .await
    .unwrap();
    assert_eq!(out.resolved[0].key, "d1e2f3a4-0001-4000-8000-0000000000c1");
}
