//! What the server tests share: a sandbox and a client for it, the MCP router served on
//! loopback (recording the protocol versions clients send), and a launched stdio server.

use caspio::{Client, Credentials};
use caspio_mcp::handler::Context;
use caspio_mcp::http::{router, HttpConfig};
use caspio_mcp::sandbox::{Running, Sandbox, SandboxConfig};
use serde_json::Value;
use std::sync::{Arc, Mutex};

pub struct Server {
    pub url: String,
    pub sandbox: Running,
    pub versions: Arc<Mutex<Vec<String>>>,
}

pub async fn start(config: HttpConfig) -> Server {
    start_with(config, |client| {
        Context::new(client, caspio::registry(), |_| true).unwrap()
    })
    .await
}

/// Like [`start`], with the context `make` builds for the sandbox's client (a scope, say).
pub async fn start_with(config: HttpConfig, make: impl FnOnce(Client) -> Context) -> Server {
    let (client, sandbox) = sandbox(SandboxConfig::default()).await;
    let ctx = Arc::new(make(client));
    let versions = Arc::new(Mutex::new(Vec::new()));
    let seen = versions.clone();
    let app = router(ctx, config, tokio_util::sync::CancellationToken::new()).layer(
        axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let seen = seen.clone();
                async move {
                    if let Some(v) = req
                        .headers()
                        .get("mcp-protocol-version")
                        .and_then(|v| v.to_str().ok())
                    {
                        seen.lock().unwrap().push(v.to_string());
                    }
                    next.run(req).await
                }
            },
        ),
    );
    let addr = serve(app).await;
    Server {
        url: format!("http://{addr}"),
        sandbox,
        versions,
    }
}

pub fn args(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// `caspio-mcp stdio --sandbox` launched as a desktop client launches it, driven line by line.
pub struct StdioServer {
    pub child: tokio::process::Child,
    pub stdin: Option<tokio::process::ChildStdin>,
    pub stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl StdioServer {
    pub fn launch(extra: &[&str]) -> StdioServer {
        let mut args = vec!["stdio", "--sandbox"];
        args.extend(extra);
        Self::spawn(&args)
    }

    /// `caspio-mcp stdio` against an account at `base_url` (a sandbox of the test's own).
    pub fn launch_for(base_url: &str, client_id: &str, client_secret: &str) -> StdioServer {
        Self::spawn(&[
            "stdio",
            "--account",
            base_url,
            "--client-id",
            client_id,
            "--client-secret",
            client_secret,
        ])
    }

    fn spawn(args: &[&str]) -> StdioServer {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caspio-mcp"))
            .args(args)
            .env("CASPIO_MCP_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(
            child.stdout.take().unwrap(),
        ));
        StdioServer {
            child,
            stdin,
            stdout,
        }
    }

    /// Writes `lines` and a final newline.
    pub async fn send(&mut self, lines: &str) {
        use tokio::io::AsyncWriteExt;
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin
            .write_all(format!("{lines}\n").as_bytes())
            .await
            .unwrap();
    }

    /// The next line on stdout, as JSON.
    pub async fn answer(&mut self) -> Value {
        let line =
            tokio::time::timeout(std::time::Duration::from_secs(20), self.stdout.next_line())
                .await
                .expect("an answer within 20 s")
                .unwrap()
                .expect("stdout stays open");
        serde_json::from_str(&line).unwrap()
    }

    pub async fn exchange(&mut self, lines: &str) -> Value {
        self.send(lines).await;
        self.answer().await
    }

    /// Waits (10 s at most) for the process to end, and says whether it succeeded.
    pub async fn exit_success(&mut self) -> bool {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.child.wait())
            .await
            .expect("the process ends within 10 s")
            .unwrap()
            .success()
    }
}

/// A JSON-RPC error answer's id and code.
pub fn id_and_code(answer: &Value) -> (Value, i64) {
    (
        answer["id"].clone(),
        answer["error"]["code"].as_i64().expect("an error code"),
    )
}

pub const STDIO_INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

/// Starts a sandbox with `config` on a free loopback port, and a client for it.
pub async fn sandbox(config: SandboxConfig) -> (Client, Running) {
    let running = Sandbox::open(config)
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let cfg = running.sandbox.config().clone();
    let client = Client::new(
        &running.base_url,
        Credentials::ClientCredentials {
            client_id: cfg.client_id,
            client_secret: cfg.client_secret,
        },
    )
    .unwrap();
    (client, running)
}

/// Serves `app` (the MCP router, usually) on a free loopback port and returns its address.
pub async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener =
        caspio_mcp::net::bind("127.0.0.1:0".parse().unwrap(), caspio_mcp::net::MIN_BACKLOG)
            .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(caspio_mcp::net::no_delay(listener), app)
            .await
            .unwrap()
    });
    addr
}

/// An rmcp client over Streamable HTTP at `url`, as most tests connect.
pub async fn connect(url: &str) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    use rmcp::ServiceExt;
    ().serve(rmcp::transport::StreamableHttpClientTransport::from_uri(
        url.to_string(),
    ))
    .await
    .unwrap()
}

/// Opens a legacy SSE stream at `url` (a `/sse` URL): the stream, and the message path its first
/// event names.
pub async fn open_sse(http: &reqwest::Client, url: &str) -> (reqwest::Response, String) {
    let mut stream = http
        .get(url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buf = String::new();
    while !buf.contains("\n\n") {
        buf.push_str(&String::from_utf8_lossy(
            &stream.chunk().await.unwrap().unwrap(),
        ));
    }
    assert!(buf.starts_with("event: endpoint"), "{buf}");
    let endpoint = buf
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap()
        .to_string();
    (stream, endpoint)
}

/// Posts `body` to an MCP endpoint with a client's `Accept`: the status, the session id, the
/// answer's text, and the JSON-RPC message in it (read out of an event stream when it is one).
pub async fn post_mcp(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
) -> (u16, Option<String>, String, Value) {
    let mut r = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    let resp = r.body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    let session = resp
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await.unwrap();
    let message = text
        .lines()
        .rev()
        .filter_map(|l| l.strip_prefix("data: "))
        .find_map(|d| serde_json::from_str::<Value>(d).ok())
        .or_else(|| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    (status, session, text, message)
}
