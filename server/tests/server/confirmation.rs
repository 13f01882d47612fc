//! A human confirms what cannot be undone: a guarded write that would change every record, or a
//! field delete that takes its data out of every record, asks the user through MCP elicitation
//! when the client can be asked, goes on only on their explicit yes, and otherwise is refused
//! until the model calls again with the count the user approved.

use super::support::*;
use caspio_mcp::http::HttpConfig;
use rmcp::handler::client::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientConfig, ElicitRequestParams, ElicitResult,
    ElicitationAction,
};
use rmcp::service::{RequestContext, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ErrorData as McpError, ServiceExt};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// A client whose user answers every confirmation the same way, and what they were asked.
#[derive(Clone)]
struct User {
    says_yes: bool,
    asked: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for User {
    fn get_info(&self) -> ClientConfig {
        serde_json::from_value(json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "confirming-user", "version": "1"}
        }))
        .unwrap()
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, McpError> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        Ok(if self.says_yes {
            ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
        } else {
            ElicitResult::new(ElicitationAction::Decline)
        })
    }
}

async fn call<S: ClientHandler>(
    client: &RunningService<RoleClient, S>,
    name: &str,
    arguments: Value,
) -> CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(name.to_string())
                .with_arguments(arguments.as_object().cloned().unwrap()),
        )
        .await
        .unwrap()
}

fn text(result: &CallToolResult) -> String {
    serde_json::to_string(&result.content).unwrap()
}

const DELETE_ALL: &str = "delete_a_caspio_record_by_id";

fn all_inventory() -> Value {
    json!({"table_name": "Inventory", "where": "PK_ID > 0"})
}

async fn inventory<S: ClientHandler>(client: &RunningService<RoleClient, S>) -> usize {
    let rows = call(
        client,
        "list_all_caspio_records",
        json!({"table_name": "Inventory"}),
    )
    .await;
    rows.structured_content.unwrap()["Result"]
        .as_array()
        .unwrap()
        .len()
}

/// A server, and a client whose user answers every question with `says_yes`.
async fn connect_user(says_yes: bool) -> (Server, User, RunningService<RoleClient, User>) {
    let s = start(HttpConfig::default()).await;
    let user = User {
        says_yes,
        asked: Default::default(),
    };
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", s.url));
    let client = user.clone().serve(transport).await.unwrap();
    (s, user, client)
}

#[tokio::test]
async fn a_user_who_accepts_is_asked_with_the_count_and_the_write_goes_on() {
    let (s, user, client) = connect_user(true).await;
    let before = inventory(&client).await;
    let done = call(&client, DELETE_ALL, all_inventory()).await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    let asked = user.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains(&format!("would change {before} of {before} records")),
        "{asked:?}"
    );
    assert!(
        asked[0].contains("Legacy router"),
        "a sample of the records: {asked:?}"
    );
    assert_eq!(inventory(&client).await, 0);
    client.cancel().await.ok();
    s.sandbox.task.abort();
}

#[tokio::test]
async fn a_user_who_declines_changes_nothing_and_no_argument_skips_asking() {
    let (s, user, client) = connect_user(false).await;
    let before = inventory(&client).await;
    let declined = call(&client, DELETE_ALL, all_inventory()).await;
    assert_eq!(declined.is_error, Some(true));
    assert!(
        text(&declined).contains("the user declined"),
        "{}",
        text(&declined)
    );
    // Even with the right count, a client that can ask its user asks them.
    let mut args = all_inventory();
    args["confirm_count"] = json!(before);
    let again = call(&client, DELETE_ALL, args).await;
    assert_eq!(again.is_error, Some(true));
    assert_eq!(user.asked.lock().unwrap().len(), 2);
    assert_eq!(inventory(&client).await, before, "nothing was deleted");
    client.cancel().await.ok();
    s.sandbox.task.abort();
}

#[tokio::test]
async fn without_elicitation_only_the_count_the_user_approved_goes_through() {
    let s = start(HttpConfig::default()).await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let before = inventory(&client).await;
    let refused = call(&client, DELETE_ALL, all_inventory()).await;
    assert_eq!(refused.is_error, Some(true));
    let says = text(&refused);
    assert!(
        says.contains(&format!("confirm_count: {before}")) && says.contains("only if they agree"),
        "{says}"
    );
    // A wrong (or stale) count is refused with the current one.
    let mut wrong = all_inventory();
    wrong["confirm_count"] = json!(before + 5);
    let stale = call(&client, DELETE_ALL, wrong).await;
    assert_eq!(stale.is_error, Some(true));
    assert!(
        text(&stale).contains(&format!("{before} match now")),
        "{}",
        text(&stale)
    );
    assert_eq!(inventory(&client).await, before, "nothing was deleted");
    let mut right = all_inventory();
    right["confirm_count"] = json!(before);
    let done = call(&client, DELETE_ALL, right).await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert_eq!(inventory(&client).await, 0);
    client.cancel().await.ok();
    s.sandbox.task.abort();
}

const DELETE_FIELD: &str = "delete_a_caspio_field_by_id";

fn sku_field() -> Value {
    json!({"table_name": "Inventory", "field_name": "SKU_Prefix"})
}

async fn inventory_fields<S: ClientHandler>(client: &RunningService<RoleClient, S>) -> Vec<String> {
    let fields = call(
        client,
        "list_all_caspio_fields",
        json!({"table_name": "Inventory"}),
    )
    .await;
    fields.structured_content.unwrap()["Result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn deleting_a_field_and_its_data_is_confirmed_like_a_change_to_every_record() {
    // Declined: asked with the field, the table and the count; nothing deleted.
    let (s, user, client) = connect_user(false).await;
    let records = inventory(&client).await;
    let declined = call(&client, DELETE_FIELD, sku_field()).await;
    assert_eq!(declined.is_error, Some(true), "{declined:?}");
    let asked = user.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("field_name `SKU_Prefix`")
            && asked[0].contains(&format!("all {records} records of `Inventory`")),
        "{asked:?}"
    );
    assert!(inventory_fields(&client)
        .await
        .contains(&"SKU_Prefix".to_string()));
    client.cancel().await.ok();
    s.sandbox.task.abort();

    // Accepted: deleted.
    let (s, _user, client) = connect_user(true).await;
    let done = call(&client, DELETE_FIELD, sku_field()).await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert!(!inventory_fields(&client)
        .await
        .contains(&"SKU_Prefix".to_string()));
    client.cancel().await.ok();
    s.sandbox.task.abort();

    // No way to ask: only the count the user was shown goes through.
    let s = start(HttpConfig::default()).await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let refused = call(&client, DELETE_FIELD, sku_field()).await;
    assert_eq!(refused.is_error, Some(true));
    let says = text(&refused);
    assert!(
        says.contains(&format!("confirm_count: {records}")) && !says.contains("dry_run"),
        "{says}"
    );
    let mut wrong = sku_field();
    wrong["confirm_count"] = json!(records + 1);
    assert_eq!(
        call(&client, DELETE_FIELD, wrong).await.is_error,
        Some(true)
    );
    assert!(inventory_fields(&client)
        .await
        .contains(&"SKU_Prefix".to_string()));
    let mut right = sku_field();
    right["confirm_count"] = json!(records);
    let done = call(&client, DELETE_FIELD, right).await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert!(!inventory_fields(&client)
        .await
        .contains(&"SKU_Prefix".to_string()));
    client.cancel().await.ok();
    s.sandbox.task.abort();
}

/// A 2026-07-28 client (no sessions, no server-to-client requests) whose user answers
/// `says_yes`: the server's question comes back as an input request, which rmcp's client
/// answers through the same handler and retries.
async fn connect_user_2026(says_yes: bool) -> (Server, User, RunningService<RoleClient, User>) {
    use rmcp::model::ProtocolVersion;
    use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
    let s = start(HttpConfig::default()).await;
    let user = User {
        says_yes,
        asked: Default::default(),
    };
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", s.url));
    let client = user
        .clone()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    (s, user, client)
}

#[tokio::test]
async fn on_2026_07_28_the_question_is_an_input_request_and_only_a_yes_goes_on() {
    let (s, user, client) = connect_user_2026(false).await;
    let before = inventory(&client).await;
    let declined = call(&client, DELETE_ALL, all_inventory()).await;
    assert_eq!(declined.is_error, Some(true), "{declined:?}");
    assert!(
        text(&declined).contains("the user declined"),
        "{}",
        text(&declined)
    );
    let asked = user.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains(&format!("would change {before} of {before} records")));
    assert_eq!(inventory(&client).await, before, "nothing was deleted");
    assert!(
        s.versions.lock().unwrap().iter().all(|v| v == "2026-07-28"),
        "the whole exchange is on the stateless era"
    );
    client.cancel().await.ok();
    s.sandbox.task.abort();

    let (s, user, client) = connect_user_2026(true).await;
    let done = call(&client, DELETE_ALL, all_inventory()).await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert_eq!(user.asked.lock().unwrap().len(), 1);
    assert_eq!(inventory(&client).await, 0);
    client.cancel().await.ok();
    s.sandbox.task.abort();
}
