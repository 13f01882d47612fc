//! What a body may be: at most `max_body` bytes by its declared length (413), and JSON when it is
//! a POST (415). Bodies without a declared length are bounded where they are read.

use super::refuse;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The layer; its state is the size cap in bytes.
pub(super) async fn check(State(max_body): State<usize>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > max_body {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is {len} bytes; the limit is {max_body}"),
            );
        }
    }
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
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{echo, read, send};
    use super::*;
    use axum::body::Body;

    #[tokio::test]
    async fn sizes_and_content_types() {
        let app = || echo().layer(axum::middleware::from_fn_with_state(1024usize, check));
        let post = |len: usize, content_type: Option<&str>| {
            let mut r = Request::post("/mcp").header(header::CONTENT_LENGTH, len);
            if let Some(t) = content_type {
                r = r.header(header::CONTENT_TYPE, t);
            }
            r.body(Body::from(vec![b' '; len])).unwrap()
        };
        // (length, content type, status, what the answer says)
        let cases = [
            (10, Some("application/json"), 200, ""),
            (10, Some("Application/JSON; charset=utf-8"), 200, ""),
            (10, None, 200, ""),
            (1024, Some("application/json"), 200, ""),
            (
                1025,
                Some("application/json"),
                413,
                "1025 bytes; the limit is 1024",
            ),
            (10, Some("text/plain"), 415, "not `text/plain`"),
        ];
        for (len, content_type, status, says) in cases {
            let (got, body) = read(send(app(), post(len, content_type)).await).await;
            assert_eq!(got, status, "{len} {content_type:?}: {body}");
            assert!(body.contains(says), "{body}");
        }
        // A GET is not held to a content type.
        let get = Request::get("/sse")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::empty())
            .unwrap();
        assert_eq!(read(send(app(), get).await).await.0, 200);
    }
}
