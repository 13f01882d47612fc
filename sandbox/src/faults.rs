//! Fault and limit switches for tests and demos, all off by default: a request quota per window
//! answered with 429 and rate-limit headers, added latency, a share of 5xx answers, dropped
//! connections, early token expiry, and a token endpoint that refuses to issue tokens. All but
//! the last apply to API routes, not to `/oauth/token`.

use super::error::CaspioError;
use super::http::State;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The switches.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Requests allowed per window; `None` for no limit.
    pub quota: Option<(u64, Duration)>,
    /// Delay added to every API answer.
    pub latency: Duration,
    /// One answer in this many is a 500 (0 = never).
    pub error_every: u64,
    /// One connection in this many is dropped mid-answer (0 = never).
    pub drop_every: u64,
    /// `/oauth/token` answers 503 to every request (an identity outage).
    pub refuse_tokens: bool,
}

/// The switches and their counters.
#[derive(Default)]
pub struct FaultState {
    /// Current switches (changeable while running).
    pub faults: Mutex<Faults>,
    window: Mutex<Option<(Instant, u64)>>,
    counter: AtomicU64,
    /// A shorter access-token lifetime, when set.
    pub token_lifetime: Mutex<Option<Duration>>,
}

/// Applies the switches to one API request.
pub async fn apply(state: State, request: Request, next: Next) -> Response {
    let faults = state
        .faults
        .faults
        .lock()
        .map(|f| f.clone())
        .unwrap_or_default();
    let n = state.faults.counter.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some((limit, window)) = faults.quota {
        let (remaining, reset) = {
            let mut w = match state.faults.window.lock() {
                Ok(w) => w,
                Err(_) => return CaspioError::internal("fault state poisoned").into_response(),
            };
            let now = Instant::now();
            let (start, used) = match *w {
                Some((start, used)) if now.duration_since(start) < window => (start, used),
                _ => (now, 0),
            };
            let reset = window
                .saturating_sub(now.duration_since(start))
                .as_secs()
                .max(1);
            if used >= limit {
                *w = Some((start, used));
                (None, reset)
            } else {
                *w = Some((start, used + 1));
                (Some(limit - used - 1), reset)
            }
        };
        match remaining {
            None => {
                let mut r = CaspioError {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    code: "TooManyRequests",
                    message: format!("More than {limit} requests in {} s", window.as_secs()),
                }
                .into_response();
                let h = r.headers_mut();
                for (k, v) in [
                    ("ratelimit-limit", limit),
                    ("ratelimit-remaining", 0),
                    ("ratelimit-reset", reset),
                    ("retry-after", reset),
                ] {
                    h.insert(k, HeaderValue::from(v));
                }
                return r;
            }
            Some(left) => {
                let mut r = run(faults.clone(), n, request, next).await;
                let h = r.headers_mut();
                for (k, v) in [
                    ("ratelimit-limit", limit),
                    ("ratelimit-remaining", left),
                    ("ratelimit-reset", reset),
                ] {
                    h.insert(k, HeaderValue::from(v));
                }
                return r;
            }
        }
    }
    run(faults, n, request, next).await
}

async fn run(faults: Faults, n: u64, request: Request, next: Next) -> Response {
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if faults.error_every > 0 && n.is_multiple_of(faults.error_every) {
        return CaspioError::internal("Injected server error").into_response();
    }
    if faults.drop_every > 0 && n.is_multiple_of(faults.drop_every) {
        // A body that fails at once makes the server abort the connection mid-answer.
        let stream = futures::stream::once(async {
            Err::<axum::body::Bytes, _>(std::io::Error::other("injected connection drop"))
        });
        return (StatusCode::OK, axum::body::Body::from_stream(stream)).into_response();
    }
    next.run(request).await
}

/// The switches as JSON, for the sandbox's admin route and command line: every field optional
/// when set (absent ones are off), all present when read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSettings {
    /// Delay added to every API answer, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// One answer in this many is a 500 (0 = never).
    #[serde(default)]
    pub error_every: u64,
    /// One connection in this many is dropped mid-answer (0 = never).
    #[serde(default)]
    pub drop_every: u64,
    /// At most this many API requests per `quota_seconds` (429 past it); 0 = no quota.
    #[serde(default)]
    pub quota: u64,
    /// The quota's window, in seconds.
    #[serde(default)]
    pub quota_seconds: u64,
    /// Expire every token now and issue later ones for this many seconds (absent: as
    /// configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_s: Option<u64>,
    /// The token endpoint answers 503 to every request.
    #[serde(default)]
    pub refuse_tokens: bool,
}

impl FaultSettings {
    /// The switches these settings say.
    pub fn faults(&self) -> Result<Faults, String> {
        let quota = match (self.quota, self.quota_seconds) {
            (0, _) => None,
            (_, 0) => return Err("quota needs quota_seconds, the window it counts over".into()),
            (n, s) => Some((n, Duration::from_secs(s))),
        };
        Ok(Faults {
            quota,
            latency: Duration::from_millis(self.latency_ms),
            error_every: self.error_every,
            drop_every: self.drop_every,
            refuse_tokens: self.refuse_tokens,
        })
    }

    /// The settings of these switches.
    pub fn of(f: &Faults) -> Self {
        FaultSettings {
            latency_ms: f.latency.as_millis() as u64,
            error_every: f.error_every,
            drop_every: f.drop_every,
            quota: f.quota.map_or(0, |(n, _)| n),
            quota_seconds: f.quota.map_or(0, |(_, w)| w.as_secs()),
            token_lifetime_s: None,
            refuse_tokens: f.refuse_tokens,
        }
    }
}
