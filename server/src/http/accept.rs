//! Clients that send a narrow `Accept` on a POST to `/mcp`: some send only `application/json`
//! or `*/*`, and rmcp insists on both JSON and an event stream, so the header is widened. rmcp
//! then answers with an event stream whenever sessions are on; a client that accepts only JSON
//! cannot read one, so for it the stream is read here up to the JSON-RPC response, which becomes
//! the body. What came before the response (progress, log messages) is dropped: that client has
//! no way to receive it.

use crate::jsonrpc;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The layer.
pub(super) async fn answer_in_kind(mut request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let json_only = wants_json_only(&accept);
    if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
        request.headers_mut().insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
    let response = next.run(request).await;
    if json_only {
        stream_to_json(response).await
    } else {
        response
    }
}

/// Whether an `Accept` header (lower-cased) takes JSON but not an event stream.
fn wants_json_only(accept: &str) -> bool {
    accept.contains("application/json")
        && !accept.contains("text/event-stream")
        && !accept.contains("*/*")
}

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
    use super::super::test_support::{read, send};
    use super::*;
    use axum::body::Body;

    /// A stand-in for rmcp: the `Accept` it was given, and an event stream with a progress
    /// notification before the response.
    fn app() -> axum::Router {
        axum::Router::new()
            .fallback(|request: Request| async move {
                let accept = request.headers()[header::ACCEPT].to_str().unwrap().to_string();
                let stream = "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n\
                              data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n\n";
                (
                    [("content-type", "text/event-stream"), ("x-accept", accept.as_str())],
                    stream,
                )
                    .into_response()
            })
            .layer(axum::middleware::from_fn(answer_in_kind))
    }

    #[tokio::test]
    async fn narrow_accept_headers_are_widened_and_json_only_clients_get_json() {
        let post = |accept: Option<&str>| {
            let mut r = Request::post("/mcp");
            if let Some(a) = accept {
                r = r.header(header::ACCEPT, a);
            }
            r.body(Body::empty()).unwrap()
        };
        // (Accept sent, content type answered, body holds)
        let cases = [
            (
                Some("application/json"),
                "application/json",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}",
            ),
            (Some("*/*"), "text/event-stream", "notifications/progress"),
            (None, "text/event-stream", "notifications/progress"),
            (
                Some("application/json, text/event-stream"),
                "text/event-stream",
                "notifications/progress",
            ),
        ];
        for (accept, content_type, holds) in cases {
            let response = send(app(), post(accept)).await;
            assert_eq!(
                response.headers()["x-accept"],
                "application/json, text/event-stream",
                "{accept:?}"
            );
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                content_type,
                "{accept:?}"
            );
            let (status, body) = read(response).await;
            assert_eq!(status, 200);
            assert!(body.contains(holds), "{accept:?}: {body}");
            if content_type == "application/json" {
                assert_eq!(body, holds, "only the response, not the progress before it");
            }
        }
    }
}
