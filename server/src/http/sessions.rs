//! The session cap: an `initialize` without a session id opens a session, and past the cap it is
//! refused with 503 and `Retry-After` until others close. Also answers a session's DELETE with a
//! plain 200 where rmcp says 202, which clients (the Python SDK among them) expect for a request
//! that is complete.

use super::messages::RpcMethod;
use crate::jsonrpc;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use std::sync::Arc;

/// The open sessions (none when serving stateless) and the most allowed.
#[derive(Clone)]
pub(super) struct Cap {
    pub sessions: Option<Arc<LocalSessionManager>>,
    pub max: usize,
}

/// The layer.
pub(super) async fn cap(State(cap): State<Cap>, request: Request, next: Next) -> Response {
    let opens_session = request.method() == Method::POST
        && !request.headers().contains_key("mcp-session-id")
        && request
            .extensions()
            .get::<RpcMethod>()
            .is_some_and(|m| m.0.as_deref() == Some("initialize"));
    if let (true, Some(sessions)) = (opens_session, &cap.sessions) {
        let open = sessions.sessions.read().await.len();
        if open >= cap.max {
            return too_many_sessions(open);
        }
    }
    let ending_session = request.method() == Method::DELETE;
    let mut response = next.run(request).await;
    if ending_session && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::OK;
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, send};
    use super::*;
    use axum::body::Body;

    #[tokio::test]
    async fn initialize_past_the_cap_is_refused_and_deletes_answer_200() {
        // An empty session manager and a cap of 0: every new session is one too many.
        let app = |max: usize, stateless: bool| {
            axum::Router::new()
                .fallback(|request: Request| async move {
                    if request.method() == Method::DELETE {
                        StatusCode::ACCEPTED
                    } else {
                        StatusCode::OK
                    }
                })
                .layer(axum::middleware::from_fn_with_state(
                    Cap {
                        sessions: (!stateless).then(|| Arc::new(LocalSessionManager::default())),
                        max,
                    },
                    cap,
                ))
        };
        let post = |method: &str, session: Option<&str>| {
            let mut r = Request::post("/mcp");
            if let Some(s) = session {
                r = r.header("mcp-session-id", s);
            }
            let mut r = r.body(Body::empty()).unwrap();
            r.extensions_mut().insert(RpcMethod(Some(method.into())));
            r
        };
        // (cap, stateless, method, session id, status)
        let cases = [
            (0, false, "initialize", None, 503),
            (1, false, "initialize", None, 200),
            (0, false, "initialize", Some("s1"), 200),
            (0, false, "tools/list", None, 200),
            (0, true, "initialize", None, 200),
        ];
        for (max, stateless, method, session, status) in cases {
            let response = send(app(max, stateless), post(method, session)).await;
            if status == 503 {
                assert_eq!(response.headers()[header::RETRY_AFTER], "60");
            }
            let (got, body) = read(response).await;
            assert_eq!(
                got, status,
                "{max} {stateless} {method} {session:?}: {body}"
            );
        }
        let delete = Request::delete("/mcp").body(Body::empty()).unwrap();
        assert_eq!(read(send(app(1, false), delete).await).await.0, 200);
    }
}
