//! stdio through the real binary: rmcp's client, malformed lines, the line cap, and stopping.

use super::support::*;
use rmcp::model::CallToolRequestParams;
use rmcp::ServiceExt;
use serde_json::{json, Value};

#[tokio::test]
async fn rmcp_client_over_stdio() {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"));
    cmd.args(["stdio", "--sandbox"])
        .env("CASPIO_MCP_LOG", "warn");
    let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
    let client = ().serve(transport).await.expect("stdio server starts");
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        caspio::registry().tools().len()
    );
    let out = client
        .call_tool(CallToolRequestParams::new("list_all_caspio_directories"))
        .await
        .unwrap();
    assert!(out.structured_content.unwrap()["Result"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["Id"] == "402"));
    client.cancel().await.ok();
}

/// Malformed lines on stdio get their JSON-RPC error on stdout (with the request's id when it has
/// one), and the session goes on; rmcp alone drops them, and a client then waits for ever.
#[tokio::test]
async fn malformed_lines_on_stdio_are_answered_and_the_session_goes_on() {
    let mut s = StdioServer::launch(&[]);
    // Before the handshake and after it.
    let e = s.exchange("not json").await;
    assert_eq!(id_and_code(&e), (Value::Null, -32700));
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1 column"),
        "{e}"
    );
    let init = s.exchange(STDIO_INITIALIZE).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "caspio-mcp");
    // Notifications get no answer, even a malformed one, nor do blank lines: the next answer is
    // the request's.
    let e = s
        .exchange(concat!(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"notifications/x","params":3}"#,
            "\n\n",
            r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"bad"}"#
        ))
        .await;
    assert_eq!(id_and_code(&e), (json!(6), -32602));
    let e = s
        .exchange(r#"{"jsonrpc":"2.0","id":3,"method":"tools/lst"}"#)
        .await;
    assert_eq!(id_and_code(&e), (json!(3), -32601));
    assert_eq!(e["error"]["message"], "Method not found: `tools/lst`");
    // A known method with params rmcp cannot decode: not "Method not found", and the field named.
    let e = s
        .exchange(r#"{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{}}"#)
        .await;
    assert_eq!(id_and_code(&e), (json!(9), -32602));
    assert_eq!(
        e["error"]["message"],
        "Invalid params of resources/read: missing field `uri`"
    );
    let e = s.exchange(r#"{"id":"four"}"#).await;
    assert_eq!(id_and_code(&e), (json!("four"), -32600));
    let e = s
        .exchange(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)
        .await;
    assert_eq!(id_and_code(&e), (Value::Null, -32600));
    let e = s
        .exchange(r#"[{"jsonrpc":"2.0","id":5,"method":"tools/list"}]"#)
        .await;
    assert_eq!(id_and_code(&e), (Value::Null, -32600));
    let ok = s.exchange(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_all_caspio_tables"}}"#).await;
    assert_eq!(ok["id"], 7);
    assert!(
        ok["result"]["structuredContent"]["Result"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{ok}"
    );
    // `caspio-mcp tools --json` prints exactly the tools a client receives.
    let listed = s
        .exchange(r#"{"jsonrpc":"2.0","id":8,"method":"tools/list"}"#)
        .await;
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
        .args(["tools", "--json"])
        .output()
        .unwrap();
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(listed["result"]["tools"], printed);
    // Closing stdin ends the session cleanly.
    s.stdin = None;
    assert!(s.exit_success().await);
}

#[tokio::test]
async fn a_line_over_the_cap_on_stdio_is_refused_and_the_session_goes_on() {
    let mut s = StdioServer::launch(&["--max-body", "1024"]);
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"pad":"{}"}}}}"#,
        "x".repeat(5000)
    );
    let e = s.exchange(&format!("{big}\n{STDIO_INITIALIZE}")).await;
    assert_eq!(e["error"]["code"], -32600, "{e}");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{} bytes", big.len())) && message.contains("1024-byte cap"),
        "{message}"
    );
    let ok = s.answer().await;
    assert_eq!(ok["result"]["serverInfo"]["name"], "caspio-mcp");
}

#[tokio::test]
async fn a_stdio_server_stops_on_sigterm_while_its_client_keeps_stdin_open() {
    let mut s = StdioServer::launch(&[]);
    // An answer proves the server is up and reading stdin.
    assert_eq!(s.exchange("{}").await["error"]["code"], -32600);
    std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(
        s.exit_success().await,
        "stops cleanly although stdin is still open"
    );
}
