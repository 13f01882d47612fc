//! A name where a key is wanted, as an MCP client sees it: the key used is said first in the
//! text and listed in `_meta`; an unknown name is a tool error with the closest match.

use super::support::*;
use caspio_mcp::http::HttpConfig;
use rmcp::model::{CallToolRequestParams, ContentBlock};
use serde_json::json;

#[tokio::test]
async fn a_resolved_name_is_said_in_text_and_meta() {
    let s = start(HttpConfig::default()).await;
    let client = connect(&format!("{}/mcp", s.url)).await;
    let call = |arguments: serde_json::Value| {
        let request = CallToolRequestParams::new("caspio_deployments_bulk_update")
            .with_arguments(arguments.as_object().cloned().unwrap());
        let client = &client;
        async move { client.call_tool(request).await.unwrap() }
    };
    let key = "b5f0e1c2-0002-4000-8000-0000000000a2";
    let done = call(json!({"external_key": "APP-9982", "deployed": true})).await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    let ContentBlock::Text(first) = &done.content[0] else {
        panic!("{done:?}")
    };
    assert!(
        first.text.contains("`APP-9982` is a name"),
        "{}",
        first.text
    );
    assert!(first.text.contains(key), "{}", first.text);
    let meta = done.meta.clone().unwrap();
    assert_eq!(
        meta.0["caspio/resolved"],
        json!([{"argument": "external_key", "name": "APP-9982", "key": key}])
    );
    let wrong = call(json!({"external_key": "APP-998", "deployed": true})).await;
    assert_eq!(wrong.is_error, Some(true));
    let ContentBlock::Text(text) = &wrong.content[0] else {
        panic!("{wrong:?}")
    };
    assert!(
        text.text.contains("Cannot find application"),
        "{}",
        text.text
    );
    assert!(text.text.contains("`APP-9982`"), "{}", text.text);
    assert!(text.text.contains("Nothing was changed"), "{}", text.text);
}
