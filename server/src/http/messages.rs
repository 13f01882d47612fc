//! JSON-RPC errors for `/mcp` bodies rmcp would answer with a bare HTTP error, or not answer:
//! not JSON, not a JSON-RPC message, an id it cannot read, params it cannot decode (see
//! [`crate::jsonrpc`]). A body that passes is handed on whole, with its method noted for the
//! session cap.

use crate::jsonrpc;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The JSON-RPC method of a checked POST body (`None` for a batch or a response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RpcMethod(pub Option<String>);

/// The id of a checked POST body that is one request (`None` for notifications, responses and
/// batches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RpcId(pub Option<serde_json::Value>);

/// How a body is read: at most `max` bytes (which bounds a body without a length), within
/// `timeout`.
#[derive(Debug, Clone, Copy)]
pub(super) struct BodyRead {
    pub max: usize,
    pub timeout: std::time::Duration,
}

/// The layer.
pub(super) async fn check(State(read): State<BodyRead>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(read.timeout, axum::body::to_bytes(body, read.max)).await
    {
        Err(_) => {
            return super::refuse(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} s",
                    read.timeout.as_secs_f64()
                ),
            )
        }
        Ok(Err(_)) => {
            return super::refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is over {} bytes", read.max),
            )
        }
        Ok(Ok(bytes)) => bytes,
    };
    if let Some(error) = jsonrpc::problem(&bytes) {
        // A request that parsed but has bad params is answered like any JSON-RPC error (200); a
        // body that is not a JSON-RPC message at all is a bad HTTP request.
        let status = if error["error"]["code"] == jsonrpc::INVALID_PARAMS {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return (status, axum::Json(error)).into_response();
    }
    let message = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
    let method = message
        .as_ref()
        .and_then(|m| m["method"].as_str().map(str::to_string));
    let id = message
        .as_ref()
        .filter(|_| method.is_some())
        .and_then(|m| m.get("id").cloned());
    parts.extensions.insert(RpcMethod(method));
    parts.extensions.insert(RpcId(id));
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{echo, read, send};
    use super::*;
    use axum::body::Body;

    fn limit(max: usize) -> BodyRead {
        BodyRead {
            max,
            timeout: std::time::Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn a_body_that_stalls_gets_408_instead_of_holding_the_connection() {
        let read_for = BodyRead {
            max: 1024,
            timeout: std::time::Duration::from_millis(100),
        };
        let app = echo().layer(axum::middleware::from_fn_with_state(read_for, check));
        // A few bytes, then nothing, never the end.
        let stalled = futures::stream::once(async {
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"jsonrpc\":"))
        })
        .chain(futures::stream::pending());
        use futures::StreamExt as _;
        let request = Request::post("/mcp")
            .body(Body::from_stream(stalled))
            .unwrap();
        let (status, text) = read(send(app, request).await).await;
        assert_eq!(status, 408, "{text}");
        assert!(text.contains("did not arrive within 0.1 s"), "{text}");
    }

    #[tokio::test]
    async fn malformed_messages_get_json_rpc_errors_and_good_ones_pass_whole() {
        let app = || echo().layer(axum::middleware::from_fn_with_state(limit(64), check));
        let post = |body: &str| {
            Request::post("/mcp")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        // (body, status, what the answer says)
        let cases = [
            (ping, 200, ping),
            ("{", 400, "-32700"),
            (
                r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
                400,
                "-32600",
            ),
            (
                r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":5}"#,
                200,
                "-32602",
            ),
            (&"x".repeat(65), 413, "over 64 bytes"),
        ];
        for (body, status, says) in cases {
            let (got, text) = read(send(app(), post(body)).await).await;
            assert_eq!(got, status, "{body}: {text}");
            assert!(text.contains(says), "{body}: {text}");
        }
    }

    #[tokio::test]
    async fn the_method_is_noted_for_the_layers_after() {
        let app = axum::Router::new()
            .fallback(|request: Request| async move {
                format!("{:?}", request.extensions().get::<RpcMethod>())
            })
            .layer(axum::middleware::from_fn_with_state(limit(1024), check));
        let request = Request::post("/mcp")
            .body(Body::from(
                r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            ))
            .unwrap();
        let (_, text) = read(send(app, request).await).await;
        assert_eq!(text, r#"Some(RpcMethod(Some("initialize")))"#);
    }
}
