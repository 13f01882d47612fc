//! The HTTP face of the server: Streamable HTTP at `/mcp` (rmcp, both protocol eras), the legacy
//! SSE bridge at `/sse` + `/messages`, and `/healthz`/`/readyz`, behind one guard that checks
//! Host and Origin, body size and content type, and forgives clients that send a narrow `Accept`
//! (one that takes only JSON gets JSON), and caps how many sessions are open.

use crate::handler::{CaspioMcp, Context};
use crate::jsonrpc;
use crate::sse;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
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
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            allowed_hosts: vec![],
            allowed_origins: vec![],
            stateless: false,
            max_body: DEFAULT_MAX_BODY,
            max_sessions: DEFAULT_MAX_SESSIONS,
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

const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]"];

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
    let sessions = sse::Sessions::new(ctx.clone(), shutdown, config.max_body, config.max_sessions);
    let legacy = Router::new()
        .route("/sse", get(sse::open))
        .route("/messages", post(sse::post))
        .with_state(sessions);
    let guarded = mcp
        .merge(legacy)
        .layer(middleware::from_fn_with_state(ctx.clone(), rate_headers))
        .layer(middleware::from_fn_with_state(
            Arc::new(Guarded {
                config,
                sessions: open_sessions,
            }),
            guard,
        ));
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

/// The latest rate-limit information Caspio sent for this account, normalised to
/// `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (seconds) on every MCP answer.
async fn rate_headers(
    axum::extract::State(ctx): axum::extract::State<Arc<Context>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let rl = ctx
        .last_rate_limit
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", rl.limit),
        ("ratelimit-remaining", rl.remaining),
        ("ratelimit-reset", rl.reset.or(rl.retry_after)),
    ] {
        if let Some(v) = value {
            headers.insert(name, HeaderValue::from(v));
        }
    }
    response
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = jsonrpc::error(serde_json::Value::Null, jsonrpc::INVALID_REQUEST, message);
    (status, axum::Json(body)).into_response()
}

fn host_name(value: &str) -> &str {
    if value.starts_with('[') {
        return value
            .split(']')
            .next()
            .map(|h| &value[..h.len() + 1])
            .unwrap_or(value);
    }
    value.rsplit_once(':').map(|(h, _)| h).unwrap_or(value)
}

fn origin_allowed(origin: &str, config: &HttpConfig) -> bool {
    if config
        .allowed_origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let rest = origin.split_once("://").map(|(_, r)| r).unwrap_or("");
    LOOPBACK
        .iter()
        .any(|l| host_name(rest).eq_ignore_ascii_case(l))
}

/// The DNS-rebinding and cross-site checks: a 403 for a Host or browser Origin not allowed.
fn foreign_host_or_origin(
    headers: &axum::http::HeaderMap,
    config: &HttpConfig,
) -> Option<Response> {
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        let name = host_name(host);
        let allowed = if config.allowed_hosts.is_empty() {
            LOOPBACK.iter().any(|l| l.eq_ignore_ascii_case(name))
        } else {
            config
                .allowed_hosts
                .iter()
                .any(|h| h == "*" || h.eq_ignore_ascii_case(name) || h.eq_ignore_ascii_case(host))
        };
        if !allowed {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                &format!(
                    "Host `{host}` is not allowed; start the server with --allowed-host {name}"
                ),
            ));
        }
    }
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())?;
    (!origin_allowed(origin, config)).then(|| {
        refuse(
            StatusCode::FORBIDDEN,
            &format!("Origin `{origin}` is not allowed; add it with --allowed-origin"),
        )
    })
}

/// What the guard needs: the settings, and the open Streamable HTTP sessions it caps.
struct Guarded {
    config: HttpConfig,
    sessions: Arc<LocalSessionManager>,
}

async fn guard(
    axum::extract::State(guarded): axum::extract::State<Arc<Guarded>>,
    mut request: Request,
    next: Next,
) -> Response {
    let config = &guarded.config;
    let headers = request.headers();
    if let Some(refusal) = foreign_host_or_origin(headers, config) {
        return refusal;
    }
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > config.max_body {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "the request body is {len} bytes; the limit is {}",
                    config.max_body
                ),
            );
        }
    }
    let mut json_only = false;
    if request.method() == Method::POST {
        if let Some(ct) = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        {
            if !ct
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
            {
                return refuse(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    &format!("Content-Type must be application/json, not `{ct}`"),
                );
            }
        }
        if request.uri().path().starts_with("/mcp") {
            // Some clients send only `application/json` or `*/*`; rmcp insists on both types.
            let accept = request
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            json_only = wants_json_only(&accept);
            if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
                request.headers_mut().insert(
                    header::ACCEPT,
                    HeaderValue::from_static("application/json, text/event-stream"),
                );
            }
            // JSON-RPC errors for what rmcp would answer with a bare HTTP error.
            let (parts, body) = request.into_parts();
            let bytes = match axum::body::to_bytes(body, config.max_body).await {
                Ok(b) => b,
                Err(_) => {
                    return refuse(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &format!("the request body is over {} bytes", config.max_body),
                    )
                }
            };
            if let Some(error) = jsonrpc::problem(&bytes) {
                // A request that parsed but has bad params is answered like any JSON-RPC error
                // (200); a body that is not a JSON-RPC message at all is a bad HTTP request.
                let status = if error["error"]["code"] == jsonrpc::INVALID_PARAMS {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                };
                return (status, axum::Json(error)).into_response();
            }
            let opens_session = !config.stateless
                && !parts.headers.contains_key("mcp-session-id")
                && serde_json::from_slice::<serde_json::Value>(&bytes)
                    .is_ok_and(|m| m["method"] == "initialize");
            if opens_session {
                let open = guarded.sessions.sessions.read().await.len();
                if open >= config.max_sessions {
                    return too_many_sessions(open);
                }
            }
            request = Request::from_parts(parts, axum::body::Body::from(bytes));
        }
    }
    let ending_session = request.method() == Method::DELETE;
    let mut response = next.run(request).await;
    // rmcp acknowledges a session DELETE with 202; clients (the Python SDK among them) expect a
    // plain success for a request that is complete.
    if ending_session && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::OK;
    }
    if json_only {
        response = stream_to_json(response).await;
    }
    response
}

/// The answer to a session opened past the cap: 503, and when to try again.
pub fn too_many_sessions(open: usize) -> Response {
    let error = jsonrpc::error(
        serde_json::Value::Null,
        jsonrpc::SERVER_BUSY,
        format!(
            "the server has {open} sessions open, its limit (--max-sessions); try again in a minute, or close sessions you no longer use"
        ),
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(error)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

/// Whether an `Accept` header (lower-cased) takes JSON but not an event stream.
fn wants_json_only(accept: &str) -> bool {
    accept.contains("application/json")
        && !accept.contains("text/event-stream")
        && !accept.contains("*/*")
}

/// rmcp answers a POST with an event stream whenever sessions are on. A client that accepts only
/// JSON cannot read one, so for it the stream is read here up to the JSON-RPC response, which
/// becomes the body. What came before the response (progress, log messages) is dropped: that
/// client has no way to receive it.
async fn stream_to_json(response: Response) -> Response {
    use futures::StreamExt;
    let is_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if !is_stream {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let mut events = sse_stream::SseStream::new(body);
    while let Some(Ok(event)) = events.next().await {
        let Some(data) = event.data else { continue };
        let is_response = serde_json::from_str::<serde_json::Value>(&data).is_ok_and(|m| {
            m.get("id").is_some() && (m.get("result").is_some() || m.get("error").is_some())
        });
        if is_response {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, axum::body::Body::from(data));
        }
    }
    let error = jsonrpc::error(
        serde_json::Value::Null,
        jsonrpc::INTERNAL_ERROR,
        "the answer ended before its JSON-RPC response",
    );
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(error)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_origins() {
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert_eq!(host_name("example.com"), "example.com");
        let c = HttpConfig {
            allowed_origins: vec!["https://app.example.com".into()],
            ..Default::default()
        };
        assert!(origin_allowed("http://localhost:6274", &c));
        assert!(origin_allowed("http://127.0.0.1", &c));
        assert!(origin_allowed("https://app.example.com", &c));
        assert!(!origin_allowed("http://evil.example.com", &c));
        assert!(!origin_allowed("http://localhost.evil.com", &c));
    }
}
