//! Results held to the token budget, as an MCP client receives them: rows cut at a record
//! boundary with the way to the rest, and a file over the budget linked instead of inlined.

use super::support::*;
use caspio_mcp::handler::Context;
use caspio_mcp::http::HttpConfig;
use rmcp::model::{CallToolRequestParams, ContentBlock};
use serde_json::json;

#[tokio::test]
async fn long_results_are_cut_at_a_record_and_big_files_are_linked() {
    let s = start_with(HttpConfig::default(), |client| {
        Context::new(client, caspio::registry(), |_| true)
            .unwrap()
            .with_max_result_tokens(500)
    })
    .await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let call = |name: &str, arguments: serde_json::Value| {
        let request = CallToolRequestParams::new(name.to_string())
            .with_arguments(arguments.as_object().cloned().unwrap());
        let client = &client;
        async move { client.call_tool(request).await.unwrap() }
    };
    let tickets = call(
        "list_all_caspio_records",
        json!({"table_name": "Support_Tickets"}),
    )
    .await;
    let answer = tickets.structured_content.clone().unwrap();
    let rows = answer["Result"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() < 10, "{}", rows.len());
    assert!(
        rows.iter()
            .all(|r| r["PK_ID"].is_number() && r["Title"].is_string()),
        "whole records"
    );
    assert_eq!(answer["Truncated"]["of"], 10);
    let ContentBlock::Text(text) = &tickets.content[0] else {
        panic!("{tickets:?}")
    };
    assert!(
        text.text
            .starts_with(&format!("Returned {} of 10 rows", rows.len())),
        "{}",
        text.text
    );
    // A text file bigger than the budget: a link with its name, type and size.
    let body = "line of the report\n".repeat(200);
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&body)
    };
    let up = call("create_a_caspio_file", json!({"files": [{"name": "big.txt", "content_base64": b64, "content_type": "text/plain"}]})).await;
    assert_ne!(up.is_error, Some(true), "{up:?}");
    let file = call(
        "caspio_files_download_by_path",
        json!({"file_path": "/big.txt"}),
    )
    .await;
    assert_ne!(file.is_error, Some(true), "{file:?}");
    let link = file
        .content
        .iter()
        .find_map(|c| match c {
            ContentBlock::ResourceLink(r) => Some(r.clone()),
            _ => None,
        })
        .expect("a resource link");
    assert_eq!(
        (link.name.as_str(), link.size),
        ("big.txt", Some(body.len() as u64))
    );
    assert_eq!(link.mime_type.as_deref(), Some("text/plain"));
    client.cancel().await.ok();
    s.sandbox.task.abort();
}
