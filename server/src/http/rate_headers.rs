//! The latest rate-limit figures Caspio sent, on every MCP answer, so a client or proxy can pace
//! itself without reading tool results.

use crate::handler::Context;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The latest rate-limit information Caspio sent for this account, normalised to
/// `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (seconds) on every MCP answer.
pub(super) async fn add(
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
