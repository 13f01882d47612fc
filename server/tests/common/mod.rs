//! What the server's integration tests share: a sandbox on loopback and a client for it.

use caspio::{Client, Credentials};
use caspio_mcp::sandbox::{Running, Sandbox, SandboxConfig};

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
/// Not every test binary that includes this module serves one.
#[allow(dead_code)]
pub async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}
