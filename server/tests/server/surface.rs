//! What a client sees besides tools: readiness, resources, prompts and rate-limit headers.

use super::support::*;
use caspio_mcp::handler::Context;
use caspio_mcp::http::{router, HttpConfig};
use caspio_mcp::sandbox::{Sandbox, SandboxConfig};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn readyz_fails_when_the_account_refuses_the_credentials() {
    let sandbox = Sandbox::open(SandboxConfig::default())
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = caspio::Client::new(
        &sandbox.base_url,
        caspio::Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: "s3cr3t-NOT-THIS".into(),
        },
    )
    .unwrap();
    let ctx = Arc::new(Context::new(client, caspio::registry(), |_| true).unwrap());
    let app = router(
        ctx,
        HttpConfig::default(),
        tokio_util::sync::CancellationToken::new(),
    );
    let addr = serve(app).await;
    let r = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains("s3cr3t-NOT-THIS"),
        "the secret must not leak: {text}"
    );
    sandbox.task.abort();
}

#[tokio::test]
async fn resources_prompts_and_rate_limit_headers() {
    use caspio_mcp::sandbox::Faults;
    let s = start(HttpConfig::default()).await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let resources = client.list_all_resources().await.unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r.uri == "caspio://tables/Support_Tickets"),
        "{resources:?}"
    );
    assert!(resources
        .iter()
        .any(|r| r.uri == "caspio://views/Active_Contractors"));
    let read = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "caspio://tables/Inventory",
        ))
        .await
        .unwrap();
    let text = serde_json::to_string(&read.contents).unwrap();
    assert!(
        text.contains("In_Stock") && text.contains("YES/NO"),
        "{text}"
    );
    let missing = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "caspio://tables/Nope",
        ))
        .await
        .unwrap_err();
    assert!(
        missing.to_string().contains("-32002") || missing.to_string().contains("no such resource"),
        "{missing}"
    );
    let prompts = client.list_all_prompts().await.unwrap();
    assert_eq!(
        prompts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        vec!["explore_account", "safe_bulk_change"]
    );
    let prompt = client
        .get_prompt(
            rmcp::model::GetPromptRequestParams::new("safe_bulk_change").with_arguments(args(
                json!({"table": "Support_Tickets", "change": "close stale tickets"}),
            )),
        )
        .await
        .unwrap();
    assert!(serde_json::to_string(&prompt.messages)
        .unwrap()
        .contains("close stale tickets"));
    client.cancel().await.ok();

    // Caspio's rate limits reach the MCP client: in each result's _meta and as HTTP headers.
    s.sandbox.sandbox.set_faults(Faults {
        quota: Some((100, std::time::Duration::from_secs(60))),
        ..Default::default()
    });
    let http = reqwest::Client::new();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_all_caspio_views", "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}});
    let post = || {
        http.post(format!("{}/mcp", s.url))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "list_all_caspio_views")
            .json(&call)
            .send()
    };
    let first = post().await.unwrap();
    let body = first.text().await.unwrap();
    assert!(body.contains("\"ratelimit-limit\":100"), "{body}");
    assert!(body.contains("caspio/apiCalls"), "{body}");
    let second = post().await.unwrap();
    assert_eq!(second.headers()["ratelimit-limit"], "100");
    assert!(second.headers().contains_key("ratelimit-remaining"));
    s.sandbox.task.abort();
}
