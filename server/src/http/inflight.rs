//! One request per id at a time in a session. JSON-RPC ids identify answers; two requests in
//! flight with the same id in one session would make their answers indistinguishable, and rmcp
//! would answer only one of them, leaving the other client call waiting forever. The second gets
//! an error at once that says why. An id is free again once its answer has been sent (the
//! response body finished or was dropped). Stateless requests have no session and are not
//! tracked.

use super::messages::RpcId;
use crate::jsonrpc;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// The (session, id) pairs of requests whose answers are not yet sent.
#[derive(Clone, Default)]
pub(super) struct InFlight(Arc<Mutex<HashSet<(String, String)>>>);

impl InFlight {
    /// Takes the pair; `None` when it is taken already.
    fn take(&self, key: (String, String)) -> Option<Release> {
        let mut taken = self.0.lock().unwrap_or_else(|e| e.into_inner());
        taken.insert(key.clone()).then(|| Release {
            set: self.clone(),
            key,
        })
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// Frees a pair when dropped.
struct Release {
    set: InFlight,
    key: (String, String),
}

impl Drop for Release {
    fn drop(&mut self) {
        let mut taken = self.set.0.lock().unwrap_or_else(|e| e.into_inner());
        taken.remove(&self.key);
    }
}

/// A response body that frees its request's id when it is done with.
struct Releasing {
    inner: Body,
    _release: Release,
}

impl http_body::Body for Releasing {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The layer.
pub(super) async fn once(
    State(inflight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let id = request
        .extensions()
        .get::<RpcId>()
        .and_then(|i| i.0.clone());
    let (Some(session), Some(id)) = (session, id) else {
        return next.run(request).await;
    };
    let Some(release) = inflight.take((session, id.to_string())) else {
        let message = format!(
            "request id {id} is already in flight in this session; give every request its own id"
        );
        return axum::Json(jsonrpc::error(id, jsonrpc::INVALID_REQUEST, &message)).into_response();
    };
    let (parts, body) = next.run(request).await.into_parts();
    let body = Body::new(Releasing {
        inner: body,
        _release: release,
    });
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::read;
    use super::*;
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_second_request_with_an_id_in_flight_is_refused_until_the_first_is_answered() {
        let inflight = InFlight::default();
        // A handler that holds its answer until told to finish.
        let (finish, finished) = tokio::sync::watch::channel(false);
        let app = Router::new()
            .route(
                "/mcp",
                post(move || {
                    let mut finished = finished.clone();
                    async move {
                        let _ = finished.wait_for(|done| *done).await;
                        "answer"
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(inflight.clone(), once));
        let request = |session: &str, id: serde_json::Value| {
            let mut r = Request::post("/mcp")
                .header("mcp-session-id", session)
                .body(Body::empty())
                .unwrap();
            r.extensions_mut().insert(RpcId(Some(id)));
            r
        };
        let first = tokio::spawn(app.clone().oneshot(request("s1", serde_json::json!(7))));
        while inflight.len() == 0 {
            tokio::task::yield_now().await;
        }
        // Same session, same id: refused with a JSON-RPC error naming the id.
        let (status, text) = read(
            app.clone()
                .oneshot(request("s1", serde_json::json!(7)))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            text.contains("-32600") && text.contains("request id 7 is already in flight"),
            "{text}"
        );
        // "7" the string is another id; another session may use 7.
        let other_id = tokio::spawn(app.clone().oneshot(request("s1", serde_json::json!("7"))));
        let other_session = tokio::spawn(app.clone().oneshot(request("s2", serde_json::json!(7))));
        finish.send(true).unwrap();
        for answer in [first, other_id, other_session] {
            let (status, text) = read(answer.await.unwrap().unwrap()).await;
            assert_eq!((status, text.as_str()), (200, "answer"));
        }
        // Answered: the id is free again.
        assert_eq!(inflight.len(), 0);
        let (_, text) = read(
            app.oneshot(request("s1", serde_json::json!(7)))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(text, "answer");
    }
}
