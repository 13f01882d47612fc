//! Scopes as an MCP client meets them: only the tools in scope are listed or callable, a tool
//! outside it is answered exactly like one that does not exist, and discovery exposure searches,
//! describes and calls within the scope.

use super::support::*;
use caspio::runtime::contract::{MethodClass, Tag};
use caspio_mcp::handler::Context;
use caspio_mcp::http::HttpConfig;
use caspio_mcp::scope::{Exposure, MethodFilter, Scope};
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::{json, Value};

/// Users of directories, read-only: two tools.
fn users_read_only() -> Scope {
    Scope {
        tags: vec![Tag::Users],
        methods: vec![MethodFilter::Class(MethodClass::Read)],
        read_only: true,
        ..Default::default()
    }
}

async fn connect(scope: Scope, exposure: Exposure) -> (Server, RunningService<RoleClient, ()>) {
    let server = start_with(HttpConfig::default(), move |client| {
        Context::scoped(client, caspio::registry(), &scope, exposure).unwrap()
    })
    .await;
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.url));
    let client = ().serve(transport).await.expect("initializes");
    (server, client)
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> Result<rmcp::model::CallToolResult, String> {
    client
        .call_tool(
            CallToolRequestParams::new(name.to_string())
                .with_arguments(arguments.as_object().cloned().unwrap()),
        )
        .await
        .map_err(|e| e.to_string())
}

/// A result's structured content, or its text parsed as JSON.
fn content(result: &rmcp::model::CallToolResult) -> Value {
    result.structured_content.clone().unwrap_or(Value::Null)
}

#[tokio::test]
async fn only_the_scope_is_listed_and_callable_and_the_rest_looks_absent() {
    let (server, client) = connect(users_read_only(), Exposure::All).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, ["list_all_caspio_users"]);
    let listed = call(
        &client,
        "list_all_caspio_users",
        json!({"directory_id": "402"}),
    )
    .await
    .unwrap();
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    assert!(content(&listed)["Result"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
    // A tool that exists but is out of scope, and one that exists nowhere: the same answer, but
    // for the name.
    let hidden = call(
        &client,
        "delete_a_caspio_user_by_id",
        json!({"directory_id": "402", "where": "1=1"}),
    )
    .await
    .unwrap_err();
    let absent = call(&client, "no_such_tool", json!({})).await.unwrap_err();
    assert_eq!(
        hidden.replace("delete_a_caspio_user_by_id", "X"),
        absent.replace("no_such_tool", "X")
    );
    // Nothing was deleted.
    let after = call(
        &client,
        "list_all_caspio_users",
        json!({"directory_id": "402"}),
    )
    .await
    .unwrap();
    assert_eq!(content(&after)["Result"], content(&listed)["Result"]);
    client.cancel().await.unwrap();
    server.sandbox.task.abort();
}

#[tokio::test]
async fn discovery_searches_describes_and_calls_within_the_scope() {
    let scope = Scope {
        tags: vec![Tag::Tables, Tag::Records],
        read_only: true,
        ..Default::default()
    };
    let (server, client) = connect(scope, Exposure::Discovery).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "caspio_search_tools",
            "caspio_tool_schema",
            "caspio_call_tool"
        ]
    );
    // Search: in-scope matches only, the best with its schema.
    let found = content(
        &call(
            &client,
            "caspio_search_tools",
            json!({"query": "records of a table"}),
        )
        .await
        .unwrap(),
    );
    let matches = found["matches"].as_array().unwrap();
    assert_eq!(matches[0]["name"], "list_all_caspio_records");
    assert!(matches[0]["inputSchema"]["properties"]["where"].is_object());
    assert!(matches
        .iter()
        .all(|m| !m["name"].as_str().unwrap().starts_with("delete")));
    // Schema: one in scope; one outside it is unknown.
    let schema = content(
        &call(
            &client,
            "caspio_tool_schema",
            json!({"name": "list_all_caspio_tables"}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(schema["name"], "list_all_caspio_tables");
    let refused = call(
        &client,
        "caspio_tool_schema",
        json!({"name": "delete_a_caspio_record_by_id"}),
    )
    .await
    .unwrap();
    assert_eq!(refused.is_error, Some(true));
    // Call: an in-scope tool with its arguments; an out-of-scope one is refused, nothing changes.
    let rows = call(
        &client,
        "caspio_call_tool",
        json!({"name": "list_all_caspio_records", "arguments": {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "select": "Title"}}),
    )
    .await
    .unwrap();
    assert_ne!(rows.is_error, Some(true), "{rows:?}");
    let escalated = content(&rows)["Result"].as_array().unwrap().len();
    assert!(escalated > 0);
    let delete = call(
        &client,
        "caspio_call_tool",
        json!({"name": "delete_a_caspio_record_by_id", "arguments": {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "confirm_count": 3}}),
    )
    .await
    .unwrap();
    assert_eq!(delete.is_error, Some(true));
    let again = call(
        &client,
        "caspio_call_tool",
        json!({"name": "list_all_caspio_records", "arguments": {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "select": "Title"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        content(&again)["Result"].as_array().unwrap().len(),
        escalated
    );
    // Arguments are still checked, with the argument named.
    let bad = call(
        &client,
        "caspio_call_tool",
        json!({"name": "list_all_caspio_records", "arguments": {"table_name": "Support_Tickets", "were": "x"}}),
    )
    .await
    .unwrap();
    assert_eq!(bad.is_error, Some(true));
    assert!(format!("{bad:?}").contains("were"), "{bad:?}");
    client.cancel().await.unwrap();
    server.sandbox.task.abort();
}
