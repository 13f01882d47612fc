//! The HTTP face of the server: Streamable HTTP at `/mcp` (rmcp, both protocol eras), the legacy
//! SSE bridge at `/sse` + `/messages`, and `/healthz`/`/readyz`. Each check is its own layer,
//! in the order a request meets them:
//! - [`origin`]: Host and browser Origin (DNS rebinding, cross-site calls) → 403;
//! - [`body`]: body size → 413, content type of POSTs → 415;
//! - on `/mcp` only: [`accept`] (a narrow `Accept` is widened for rmcp, and a client that takes
//!   only JSON gets the JSON-RPC response read out of the event stream), [`messages`] (JSON-RPC
//!   errors where rmcp would answer with a bare HTTP error), [`sessions`] (the session cap);
//! - [`rate_headers`] on every MCP answer.

mod accept;
mod body;
mod inflight;
mod messages;
mod origin;
mod rate_headers;
mod sessions;

pub use sessions::too_many_sessions;

use crate::handler::{CaspioMcp, Context};
use crate::jsonrpc;
use crate::sse;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Host names clients may use (DNS-rebinding guard). Empty means loopback names only;
    /// `*` allows any (behind a reverse proxy that checks hosts itself).
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed besides loopback ones.
    pub allowed_origins: Vec<String>,
    /// Serve without sessions (for load-balanced deployments): GET /mcp answers 405.
    pub stateless: bool,
    /// Largest request body.
    pub max_body: usize,
    /// Most sessions open at once, Streamable HTTP and legacy SSE each. A new one past the cap
    /// is refused with 503 until others close (idle Streamable HTTP sessions close after five
    /// minutes), so a client that opens sessions in a loop cannot exhaust memory.
    pub max_sessions: usize,
    /// The longest a request body may take to arrive; a client that sends part of one and stalls
    /// gets 408 instead of holding a connection and a task forever.
    pub body_timeout: std::time::Duration,
}

/// The default time a request body may take to arrive: a 28 MB upload over a slow uplink fits.
pub const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            allowed_hosts: vec![],
            allowed_origins: vec![],
            stateless: false,
            max_body: DEFAULT_MAX_BODY,
            max_sessions: DEFAULT_MAX_SESSIONS,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// The default session cap: far above what one account's users open, and a bounded amount of
/// memory (a Streamable HTTP session holds about 60 KB).
pub const DEFAULT_MAX_SESSIONS: usize = 1000;

/// The default request-body cap: room for the largest upload the tools accept
/// ([`caspio::runtime::tools::MAX_UPLOAD_BYTES`]) once base64-encoded, plus a megabyte for the rest of the
/// JSON-RPC message. A lower cap would refuse, as a 413, uploads the tool schemas promise.
pub const DEFAULT_MAX_BODY: usize =
    caspio::runtime::tools::MAX_UPLOAD_BYTES.div_ceil(3) * 4 + 1024 * 1024;

/// Builds the app.
pub fn router(ctx: Arc<Context>, config: HttpConfig, shutdown: CancellationToken) -> Router {
    let rmcp_config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(!config.stateless)
        .with_json_response(config.stateless)
        .disable_allowed_hosts()
        .with_max_request_body_bytes(config.max_body)
        .with_cancellation_token(shutdown.child_token());
    let open_sessions = Arc::new(LocalSessionManager::default());
    let factory_ctx = ctx.clone();
    let factory = move || Ok(CaspioMcp::new(factory_ctx.clone()));
    let mcp = if config.stateless {
        Router::new().nest_service(
            "/mcp",
            StreamableHttpService::new(
                factory,
                Arc::new(NeverSessionManager::default()),
                rmcp_config,
            ),
        )
    } else {
        Router::new().nest_service(
            "/mcp",
            StreamableHttpService::new(factory, open_sessions.clone(), rmcp_config),
        )
    };
    let config = Arc::new(config);
    // Layers run from the last added to the first.
    let mcp = mcp
        .layer(middleware::from_fn_with_state(
            inflight::InFlight::default(),
            inflight::once,
        ))
        .layer(middleware::from_fn_with_state(
            sessions::Cap {
                sessions: (!config.stateless).then_some(open_sessions),
                max: config.max_sessions,
            },
            sessions::cap,
        ))
        .layer(middleware::from_fn_with_state(
            messages::BodyRead {
                max: config.max_body,
                timeout: config.body_timeout,
            },
            messages::check,
        ))
        .layer(middleware::from_fn(accept::answer_in_kind));
    let sessions = sse::Sessions::new(ctx.clone(), shutdown, config.max_body, config.max_sessions);
    let legacy = Router::new()
        .route("/sse", get(sse::open))
        .route("/messages", post(sse::post))
        .with_state(sessions);
    let guarded = mcp
        .merge(legacy)
        .layer(middleware::from_fn_with_state(
            ctx.clone(),
            rate_headers::add,
        ))
        .layer(middleware::from_fn_with_state(config.max_body, body::check))
        .layer(middleware::from_fn_with_state(config, origin::check));
    let probes = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(move || ready(ctx.clone())));
    guarded.merge(probes)
}

async fn ready(ctx: Arc<Context>) -> Response {
    match ctx.client.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("cannot obtain a Caspio token: {e}"),
        )
            .into_response(),
    }
}

/// The checks of an MCP endpoint, around `app`: Accept widened (and JSON for JSON-only
/// clients), then JSON-RPC messages checked.
pub fn mcp_checked(app: Router, max_body: usize) -> Router {
    let read = messages::BodyRead {
        max: max_body,
        timeout: DEFAULT_BODY_TIMEOUT,
    };
    app.layer(middleware::from_fn_with_state(read, messages::check))
        .layer(middleware::from_fn(accept::answer_in_kind))
}

/// The checks every HTTP surface gets, around `app`: Host and Origin first, then body size and
/// type.
pub fn checked(app: Router, config: Arc<HttpConfig>) -> Router {
    app.layer(middleware::from_fn_with_state(config.max_body, body::check))
        .layer(middleware::from_fn_with_state(config, origin::check))
}

/// A refusal of a request that never reached rmcp, as a JSON-RPC error without an id.
fn refuse(status: StatusCode, message: &str) -> Response {
    let body = jsonrpc::error(serde_json::Value::Null, jsonrpc::INVALID_REQUEST, message);
    (status, axum::Json(body)).into_response()
}

/// Test support: one layer in front of a handler that echoes what reached it, driven with
/// `oneshot`, no socket.
#[cfg(test)]
mod test_support {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    use axum::Router;
    use tower::ServiceExt;

    /// A router whose handler answers 200 with the body and `Accept` it received.
    pub fn echo() -> Router {
        Router::new().fallback(|request: Request| async move {
            let accept = request
                .headers()
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body = axum::body::to_bytes(request.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            ([("x-accept", accept)], body)
        })
    }

    /// Sends one request through `app`.
    pub async fn send(app: Router, request: Request<Body>) -> Response {
        app.oneshot(request).await.expect("infallible")
    }

    /// The status and body text of an answer.
    pub async fn read(response: Response) -> (u16, String) {
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}
