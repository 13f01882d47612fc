//! What the sandbox tests share: a sandbox on loopback and a client for it, and a harness that
//! records which tools were called.

use base64::Engine;
use caspio::runtime::tools::{CallError, ToolOutput};
use caspio::{Client, Credentials, Error};
pub use caspio_sandbox::{Running, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Mutex;

pub struct Harness {
    pub client: Client,
    pub running: Running,
    pub called: Mutex<BTreeSet<String>>,
}

impl Harness {
    pub async fn start(config: SandboxConfig) -> Harness {
        let (client, running) = sandbox(config).await;
        Harness {
            client,
            running,
            called: Mutex::new(BTreeSet::new()),
        }
    }

    pub async fn call(&self, name: &str, args: Value) -> Result<ToolOutput, CallError> {
        self.called.lock().unwrap().insert(name.to_string());
        caspio::registry()
            .call(&self.client, name, args.as_object().cloned())
            .await
    }

    /// A successful call's structured result (or `{}` for empty and file answers).
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        match self.call(name, args.clone()).await {
            Ok(out) => out.structured.unwrap_or(json!({})),
            Err(e) => panic!("{name} {args}: {e}"),
        }
    }

    pub async fn file(&self, name: &str, args: Value) -> caspio::Download {
        self.call(name, args)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .file
            .expect("a file")
    }

    /// A call Caspio refuses: its status and code.
    pub async fn refused(&self, name: &str, args: Value) -> (u16, String) {
        match self.call(name, args.clone()).await {
            Err(CallError::Api(Error::Api(e))) => {
                assert!(
                    e.request_id.is_some(),
                    "{name}: every error carries a RequestId"
                );
                (e.status, e.code.unwrap_or_default())
            }
            other => panic!("{name} {args}: expected a Caspio error, got {other:?}"),
        }
    }

    pub async fn rows(&self, table: &str, filter: &str) -> Vec<Value> {
        let mut args = json!({"table_name": table, "page_size": 1000});
        if !filter.is_empty() {
            args["where"] = json!(filter);
        }
        self.ok("list_all_caspio_records", args).await["Result"]
            .as_array()
            .cloned()
            .unwrap()
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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
