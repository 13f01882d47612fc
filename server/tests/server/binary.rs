//! The `caspio-mcp` binary as a user runs it: its start-up lines, signals, and pipes.

#[tokio::test]
async fn the_binary_prints_its_urls_and_stops_cleanly_on_sigterm() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
        .env("CASPIO_MCP_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let done = line.contains("client config");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Streamable HTTP: "))
        .expect("the MCP URL is printed")
        .to_string();
    assert!(
        text.contains("legacy SSE:") && text.contains("\"mcpServers\""),
        "{text}"
    );
    let health = reqwest::get(url.replace("/mcp", "/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let pid = child.id().unwrap() as i32;
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("stops within 10 s")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn tools_listing_stops_quietly_when_the_reader_closes_the_pipe() {
    // `caspio-mcp tools --json | grep -q name` closes the pipe as soon as grep has its match;
    // the listing must then end successfully, not panic and fail the pipeline.
    for json in [true, false] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"));
        cmd.arg("tools");
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the child has written anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "json={json}: {err}");
        assert!(err.is_empty(), "json={json}: {err}");
    }
}
