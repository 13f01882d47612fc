//! The DNS-rebinding and cross-site checks: a Host or browser Origin that is not allowed gets a
//! 403 before anything else is read.

use super::{refuse, HttpConfig};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]"];

/// The layer.
pub(super) async fn check(
    State(config): State<Arc<HttpConfig>>,
    request: Request,
    next: Next,
) -> Response {
    match foreign_host_or_origin(request.headers(), &config) {
        Some(refusal) => refusal,
        None => next.run(request).await,
    }
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

fn foreign_host_or_origin(headers: &HeaderMap, config: &HttpConfig) -> Option<Response> {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{echo, read, send};
    use super::*;
    use axum::body::Body;

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

    #[tokio::test]
    async fn the_layer_refuses_foreign_hosts_and_origins_and_passes_the_rest() {
        let config = Arc::new(HttpConfig {
            allowed_hosts: vec!["mcp.example.com".into()],
            ..Default::default()
        });
        let app = || echo().layer(axum::middleware::from_fn_with_state(config.clone(), check));
        let request = |host: &str, origin: Option<&str>| {
            let mut r = Request::post("/mcp").header(header::HOST, host);
            if let Some(o) = origin {
                r = r.header(header::ORIGIN, o);
            }
            r.body(Body::empty()).unwrap()
        };
        // (host, origin, status, what the answer says)
        let cases = [
            ("mcp.example.com", None, 200, ""),
            (
                "mcp.example.com:443",
                Some("http://localhost:6274"),
                200,
                "",
            ),
            ("localhost:8080", None, 403, "--allowed-host localhost"),
            ("evil.example.com", None, 403, "Host `evil.example.com`"),
            (
                "mcp.example.com",
                Some("https://evil.example.com"),
                403,
                "--allowed-origin",
            ),
        ];
        for (host, origin, status, says) in cases {
            let (got, body) = read(send(app(), request(host, origin)).await).await;
            assert_eq!(got, status, "{host} {origin:?}: {body}");
            assert!(body.contains(says), "{host} {origin:?}: {body}");
        }
    }
}
