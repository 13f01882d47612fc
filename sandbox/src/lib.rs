//! A local stand-in for a Caspio account: all 70 REST v3 operations at Caspio's paths, with
//! Caspio's envelopes and errors, over real SQLite tables. It runs in-process (tests,
//! `serve --sandbox`) or on its own (`caspio-mcp sandbox`). Separate from the MCP code: the
//! server talks to it only over HTTP, through the same client it uses for a real account.

mod apps;
mod auth;
mod db;
mod demo;
mod directories;
mod error;
mod faults;
mod files;
mod hooks;
mod http;
mod records;
mod schema;
mod sql;
mod tables;

pub use faults::{FaultSettings, Faults};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
pub use error::CaspioError;
use http::AppState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The sandbox's listen backlog (the kernel caps it at `net.core.somaxconn`).
pub const BACKLOG: u32 = 4096;

/// Why a sandbox could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The database file could not be opened or created.
    #[error("cannot open the sandbox database {path}")]
    Database {
        /// The file, or `memory`.
        path: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The sandbox's own tables could not be created (a file from something else?).
    #[error("cannot create the sandbox schema")]
    Schema(#[source] rusqlite::Error),
    /// The demo account could not be written.
    #[error("cannot seed the demo account")]
    Seed(#[source] CaspioError),
}

/// `GET /_sandbox/faults`: the switches in force, so a person or a benchmark can see them.
async fn read_faults(axum::extract::State(state): axum::extract::State<Arc<AppState>>) -> Response {
    let faults = state
        .faults
        .faults
        .lock()
        .map(|f| f.clone())
        .unwrap_or_default();
    axum::Json(FaultSettings::of(&faults)).into_response()
}

/// `PUT /_sandbox/faults`: sets the switches (absent ones off) and, with `token_lifetime_s`,
/// expires every token. The sandbox listens on loopback unless told otherwise; this is a test
/// double's control, not Caspio's API.
async fn write_faults(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    body: Result<axum::Json<FaultSettings>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let settings = match body {
        Ok(axum::Json(s)) => s,
        Err(e) => return CaspioError::body(e.body_text()).into_response(),
    };
    let sandbox = Sandbox { state };
    match sandbox.apply(&settings) {
        Ok(()) => axum::Json(settings).into_response(),
        Err(e) => CaspioError::body(e).into_response(),
    }
}

/// Settings of a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The client id the token endpoint accepts.
    pub client_id: String,
    /// The client secret the token endpoint accepts.
    pub client_secret: String,
    /// Access-token lifetime (Caspio's is 86,399 s).
    pub token_lifetime: Duration,
    /// The largest upload accepted (413 above).
    pub max_upload_bytes: usize,
    /// How long a data import/export task runs.
    pub task_duration: Duration,
    /// The host name used in generated URLs (deploy code, activation links).
    pub account_host: String,
    /// Where the data lives; `None` keeps it in memory.
    pub database: Option<PathBuf>,
    /// Seed the demo account into an empty database.
    pub demo: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-secret".into(),
            token_lifetime: Duration::from_secs(86_399),
            max_upload_bytes: 20 * 1024 * 1024,
            task_duration: Duration::from_millis(300),
            account_host: "sandbox.caspio.local".into(),
            database: None,
            demo: true,
        }
    }
}

/// One request the sandbox served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// HTTP method.
    pub method: String,
    /// Path (with `/integrations/rest`).
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
}

/// A sandbox account.
#[derive(Clone)]
pub struct Sandbox {
    state: Arc<AppState>,
}

/// A sandbox listening on a socket.
pub struct Running {
    /// The account's base URL, e.g. `http://127.0.0.1:8123`.
    pub base_url: String,
    /// The sandbox, for its log and switches.
    pub sandbox: Sandbox,
    /// The server task.
    pub task: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Opens the sandbox's storage (seeding the demo account into a new database when asked).
    pub fn open(config: SandboxConfig) -> Result<Self, OpenError> {
        let db = db::Db::open(config.database.as_deref())?;
        if config.demo && db.is_empty().map_err(OpenError::Seed)? {
            demo::seed(&db).map_err(OpenError::Seed)?;
        }
        Ok(Sandbox {
            state: Arc::new(AppState {
                db,
                config,
                auth: Default::default(),
                log: Default::default(),
                faults: Default::default(),
                connections: Default::default(),
            }),
        })
    }

    /// The HTTP routes: `/oauth/token` and the API under `/integrations/rest`.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .merge(tables::routes())
            .merge(files::routes())
            .merge(hooks::routes())
            .merge(apps::routes())
            .merge(directories::routes())
            .fallback(|| async {
                CaspioError::not_found("No such endpoint in Caspio REST API v3").into_response()
            })
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                faults::apply,
            ))
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                auth::require_bearer,
            ))
            .layer(DefaultBodyLimit::max(
                self.state.config.max_upload_bytes + 1024 * 1024,
            ));
        Router::new()
            .route("/oauth/token", post(auth::token))
            .route(
                "/_sandbox/faults",
                axum::routing::get(read_faults).put(write_faults),
            )
            .nest("/integrations/rest", api)
            .fallback(|| async { CaspioError::not_found("Not found").into_response() })
            .layer(middleware::from_fn_with_state(self.state.clone(), frame))
            .with_state(self.state.clone())
    }

    /// Serves on `addr` until the task is dropped or aborted.
    /// Connections get `TCP_NODELAY` (without it a keep-alive client waits about 40 ms for its
    /// own delayed ACK on every request) and the listen backlog is [`BACKLOG`] (a burst of
    /// clients connecting at once must not overflow it and wait a second for a SYN retransmit).
    pub async fn serve(self, addr: SocketAddr) -> std::io::Result<Running> {
        let socket = match addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(BACKLOG)?;
        let local = listener.local_addr()?;
        let app = self.router();
        let state = self.state.clone();
        let listener = axum::serve::ListenerExt::tap_io(listener, move |tcp| {
            let _ = tcp.set_nodelay(true);
            state
                .connections
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Running {
            base_url: format!("http://{local}"),
            sandbox: self,
            task,
        })
    }

    /// The settings.
    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// Every request served so far.
    pub fn log(&self) -> Vec<LogEntry> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Applies fault settings: the switches, and a new token lifetime when one is given.
    pub fn apply(&self, settings: &FaultSettings) -> Result<(), String> {
        self.set_faults(settings.faults()?);
        if let Some(secs) = settings.token_lifetime_s {
            self.expire_tokens(Some(Duration::from_secs(secs)));
        }
        Ok(())
    }

    /// Sets the fault switches.
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut f) = self.state.faults.faults.lock() {
            *f = faults;
        }
    }

    /// Expires every issued token now, and issues later ones with this lifetime (`None` for the
    /// configured one).
    pub fn expire_tokens(&self, new_lifetime: Option<Duration>) {
        self.state.auth.expire_all();
        if let Ok(mut l) = self.state.faults.token_lifetime.lock() {
            *l = new_lifetime;
        }
    }

    /// How many TCP connections it has accepted.
    pub fn connections_accepted(&self) -> u64 {
        self.state
            .connections
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many access tokens were issued.
    pub fn tokens_issued(&self) -> u64 {
        self.state.auth.issued()
    }
}

/// Around every request: a request id in `X-Caspio-Request-ID` (and in error bodies), the
/// request log, and Caspio's 2,047-character limit on the request URI.
async fn frame(state: http::State, request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let uri = request.uri().clone();
    if let Ok(mut log) = state.log.lock() {
        log.push(LogEntry {
            method: request.method().to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
        });
    }
    let resource = uri
        .path()
        .strip_prefix("/integrations/rest")
        .unwrap_or(uri.path())
        .to_string();
    let mut response = error::CURRENT
        .scope((id.clone(), resource), async move {
            if uri.to_string().len() > 2047 {
                return CaspioError {
                    status: axum::http::StatusCode::URI_TOO_LONG,
                    code: "IncorrectQueryParameter",
                    message: "The request URI is longer than 2047 characters".into(),
                }
                .into_response();
            }
            next.run(request).await
        })
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-caspio-request-id", v);
    }
    response
}

#[cfg(test)]
mod open_tests {
    use super::*;

    #[test]
    fn a_database_that_cannot_be_opened_is_a_typed_error_with_its_source() {
        // A directory is not a database file.
        let dir = std::env::temp_dir();
        let config = SandboxConfig {
            database: Some(dir.clone()),
            ..Default::default()
        };
        let Err(e) = Sandbox::open(config) else {
            panic!("a directory opened as a database");
        };
        // SQLite may refuse the file when opening it or when first writing to it.
        match &e {
            OpenError::Database { path, .. } => assert_eq!(path, &dir.display().to_string()),
            OpenError::Schema(_) => {}
            other => panic!("{other:?}"),
        }
        assert!(std::error::Error::source(&e).is_some(), "{e:?}");
    }
}
