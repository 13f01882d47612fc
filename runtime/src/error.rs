//! The one error type of the client: an HTTP status with Caspio's error body, the request id and
//! rate-limit headers kept, or a transport, auth, decoding or request-building failure.

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// What can go wrong calling Caspio.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Caspio answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The token endpoint refused the credentials or answered nonsense.
    #[error("Caspio authentication failed: {message}")]
    Auth {
        /// What went wrong.
        message: String,
        /// Caspio's answer or the decoding failure behind it.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The request never got an answer (connection, TLS, timeout).
    #[error("could not reach Caspio ({during}): {source}")]
    Transport {
        /// What was being done: `request`, `token request`, `reading the answer`.
        during: &'static str,
        /// reqwest's error, without the URL (which may carry query values).
        #[source]
        source: reqwest::Error,
    },
    /// The answer did not have the expected shape.
    #[error("unexpected answer from Caspio: {message}")]
    Decode {
        /// What was expected.
        message: String,
        /// The JSON decoder's error, when there is one.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// The request could not be built (a value that cannot be sent, a URI over Caspio's limit).
    #[error("invalid request: {0}")]
    Request(String),
}

impl Error {
    /// A transport failure during `during`, with the URL taken out of reqwest's error.
    pub fn transport(during: &'static str, source: reqwest::Error) -> Self {
        Error::Transport {
            during,
            source: source.without_url(),
        }
    }

    /// An answer that is not what was expected, with nothing more to say.
    pub fn decode(message: impl Into<String>) -> Self {
        Error::Decode {
            message: message.into(),
            source: None,
        }
    }
}

/// An error and every source behind it, joined by `: `, for a reader (a model, a log) who sees
/// only text. Parts a source already repeats are left out.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        let part = source.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = source.source();
    }
    text
}

/// An error answer from Caspio, with everything needed to act on it or report it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// Caspio's error code, e.g. `ObjectNotFound` or `IncorrectQueryParameter`.
    pub code: Option<String>,
    /// Caspio's message.
    pub message: Option<String>,
    /// The resource Caspio says was requested.
    pub resource: Option<String>,
    /// Caspio's request id (body `RequestId` or the `X-Caspio-Request-ID` header).
    pub request_id: Option<String>,
    /// Rate-limit information from the answer's headers.
    pub rate_limit: RateLimit,
    /// The body, when it was not Caspio's error shape (cut to 2 KiB).
    pub body: Option<String>,
}

impl std::error::Error for ApiError {}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Caspio answered HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        } else if let Some(body) = &self.body {
            write!(f, ": {body}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (RequestId {id})")?;
        }
        if let Some(after) = self.rate_limit.retry_after {
            write!(f, "; retry after {after} s")?;
        }
        Ok(())
    }
}

/// Caspio's error body.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CaspioErrorBody {
    code: Option<String>,
    message: Option<String>,
    resource: Option<String>,
    request_id: Option<String>,
}

impl ApiError {
    /// Builds the error of an answer with an error status.
    pub fn from_answer(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        let parsed: Option<CaspioErrorBody> = serde_json::from_slice(body).ok();
        let header_id = request_id(headers);
        let raw = String::from_utf8_lossy(body);
        match parsed {
            Some(b) if b.code.is_some() || b.message.is_some() => ApiError {
                status,
                code: b.code,
                message: b.message,
                resource: b.resource,
                request_id: b.request_id.or(header_id),
                rate_limit: RateLimit::from_headers(headers),
                body: None,
            },
            _ => ApiError {
                status,
                code: None,
                message: None,
                resource: None,
                request_id: header_id,
                rate_limit: RateLimit::from_headers(headers),
                body: (!raw.trim().is_empty()).then(|| truncate(raw.trim(), 2048)),
            },
        }
    }
}

/// The `X-Caspio-Request-ID` header.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-caspio-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Rate-limit information, normalised from whichever headers the answer carried: the IETF
/// `RateLimit-*` fields (separate or the structured `RateLimit` header), `X-RateLimit-*`, and
/// `Retry-After` (seconds or an HTTP date).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// Seconds until the window resets.
    pub reset: Option<u64>,
    /// Seconds to wait before retrying.
    pub retry_after: Option<u64>,
}

impl RateLimit {
    /// Reads the rate-limit headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let num = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok());
        let mut rl = RateLimit {
            limit: num("ratelimit-limit").or_else(|| num("x-ratelimit-limit")),
            remaining: num("ratelimit-remaining").or_else(|| num("x-ratelimit-remaining")),
            reset: num("ratelimit-reset").or_else(|| num("x-ratelimit-reset").map(epoch_or_delta)),
            retry_after: get("retry-after").and_then(parse_retry_after),
        };
        // The structured form: `RateLimit: limit=100, remaining=10, reset=30` (older drafts), or
        // `RateLimit: "default";r=10;t=30` (newer drafts).
        if let Some(v) = get("ratelimit") {
            for item in v.split([',', ';']) {
                let Some((k, val)) = item.split_once('=') else {
                    continue;
                };
                let val = val.trim().trim_matches('"').parse::<u64>().ok();
                match k.trim() {
                    "limit" => rl.limit = rl.limit.or(val),
                    "remaining" | "r" => rl.remaining = rl.remaining.or(val),
                    "reset" | "t" => rl.reset = rl.reset.or(val),
                    _ => {}
                }
            }
        }
        rl
    }

    /// True when no header said anything.
    pub fn is_empty(&self) -> bool {
        *self == RateLimit::default()
    }
}

/// `X-RateLimit-Reset` is a Unix time with some servers and a delta with others; values past
/// 2001-09-09 (1e9) are treated as Unix times.
fn epoch_or_delta(v: u64) -> u64 {
    if v > 1_000_000_000 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        v.saturating_sub(now)
    } else {
        v
    }
}

fn parse_retry_after(v: &str) -> Option<u64> {
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn keeps_caspio_error_fields_and_request_id() {
        let body = br#"{"Code":"ObjectNotFound","Message":"Table 'X' not found","Resource":"/v3/tables/X","RequestId":"r-1"}"#;
        let e = ApiError::from_answer(404, &headers(&[("X-Caspio-Request-ID", "h-1")]), body);
        assert_eq!(e.code.as_deref(), Some("ObjectNotFound"));
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        assert_eq!(
            e.to_string(),
            "Caspio answered HTTP 404 ObjectNotFound: Table 'X' not found (RequestId r-1)"
        );
    }

    #[test]
    fn falls_back_to_the_header_id_and_raw_body() {
        let e = ApiError::from_answer(
            502,
            &headers(&[("x-caspio-request-id", "h-2")]),
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.request_id.as_deref(), Some("h-2"));
        assert_eq!(e.body.as_deref(), Some("<html>bad gateway</html>"));
    }

    #[test]
    fn normalises_rate_limit_headers() {
        let rl = RateLimit::from_headers(&headers(&[
            ("X-RateLimit-Limit", "2000"),
            ("X-RateLimit-Remaining", "5"),
            ("Retry-After", "7"),
        ]));
        assert_eq!(
            rl,
            RateLimit {
                limit: Some(2000),
                remaining: Some(5),
                reset: None,
                retry_after: Some(7)
            }
        );
        let rl = RateLimit::from_headers(&headers(&[(
            "RateLimit",
            "limit=100, remaining=0, reset=30",
        )]));
        assert_eq!(
            (rl.limit, rl.remaining, rl.reset),
            (Some(100), Some(0), Some(30))
        );
        let rl = RateLimit::from_headers(&headers(&[("RateLimit", "\"default\";r=3;t=12")]));
        assert_eq!((rl.remaining, rl.reset), (Some(3), Some(12)));
        let rl = RateLimit::from_headers(&headers(&[(
            "Retry-After",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        )]));
        assert_eq!(rl.retry_after, Some(0));
        assert!(RateLimit::from_headers(&HeaderMap::new()).is_empty());
    }

    #[test]
    fn errors_keep_their_sources_and_describe_the_whole_chain() {
        let bad = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        let e = Error::Decode {
            message: "HTTP 200: the body is not JSON".into(),
            source: Some(bad),
        };
        assert!(std::error::Error::source(&e).is_some());
        let text = describe(&e);
        assert!(
            text.starts_with("unexpected answer from Caspio: HTTP 200: the body is not JSON: EOF"),
            "{text}"
        );
        // A source whose text is already in the message is not repeated.
        let api = ApiError::from_answer(401, &HeaderMap::new(), b"{\"Message\":\"bad client\"}");
        let e = Error::Auth {
            message: api.to_string(),
            source: Some(Box::new(api)),
        };
        assert_eq!(
            describe(&e),
            "Caspio authentication failed: Caspio answered HTTP 401: bad client"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_says_why_through_its_sources() {
        // A port nothing listens on: bind one, learn it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let client = crate::Client::new(
            &format!("http://127.0.0.1:{port}"),
            "/rest",
            crate::Credentials::ClientCredentials {
                client_id: "id".into(),
                client_secret: "secret".into(),
            },
        )
        .unwrap();
        let e = client.ready().await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Transport {
                    during: "token request",
                    ..
                }
            ),
            "{e:?}"
        );
        let text = describe(&e);
        assert!(
            text.contains("could not reach Caspio (token request)"),
            "{text}"
        );
        assert!(
            text.len() > e.to_string().len(),
            "the sources say more than the top line: {text}"
        );
    }
}
