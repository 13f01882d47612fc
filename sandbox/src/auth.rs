//! The sandbox's OAuth endpoint (`POST /oauth/token`, client credentials in the form body or
//! HTTP Basic, and refresh tokens) and the bearer check in front of every API route.

use super::error::CaspioError;
use super::http::State;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Issued tokens.
#[derive(Default)]
pub struct Tokens {
    access: Mutex<HashMap<String, Instant>>,
    refresh: Mutex<HashMap<String, ()>>,
    issued: std::sync::atomic::AtomicU64,
}

impl Tokens {
    /// How many tokens were issued.
    pub fn issued(&self) -> u64 {
        self.issued.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Makes every issued access token expire now (a fault switch for tests).
    pub fn expire_all(&self) {
        if let Ok(mut a) = self.access.lock() {
            for t in a.values_mut() {
                *t = Instant::now();
            }
        }
    }

    fn issue(&self, lifetime: Duration) -> (String, String) {
        self.issued
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let access = uuid::Uuid::new_v4().simple().to_string();
        let refresh = uuid::Uuid::new_v4().simple().to_string();
        if let Ok(mut a) = self.access.lock() {
            a.insert(access.clone(), Instant::now() + lifetime);
        }
        if let Ok(mut r) = self.refresh.lock() {
            r.insert(refresh.clone(), ());
        }
        (access, refresh)
    }

    fn valid(&self, token: &str) -> bool {
        self.access
            .lock()
            .ok()
            .and_then(|a| a.get(token).copied())
            .is_some_and(|exp| exp > Instant::now())
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    // The OAuth fields for OAuth clients, Caspio's fields for everything else.
    let (request_id, resource) = super::error::CURRENT
        .try_with(|c| c.clone())
        .unwrap_or_default();
    (
        status,
        axum::Json(json!({"error": error, "error_description": description, "Code": "Unauthorized", "Message": description, "Resource": resource, "RequestId": request_id})),
    )
        .into_response()
}

/// `POST /oauth/token`.
pub async fn token(state: State, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> =
        super::http::params(Some(String::from_utf8_lossy(&body).into_owned()))
            .into_iter()
            .collect();
    let config = &state.config;
    if state.faults.faults.lock().is_ok_and(|f| f.refuse_tokens) {
        return oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The token service is unavailable (fault switch refuse_tokens)",
        );
    }
    let lifetime = state
        .faults
        .token_lifetime
        .lock()
        .ok()
        .and_then(|g| *g)
        .unwrap_or(config.token_lifetime);
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {
            let (id, secret) = match basic(&headers) {
                Some(pair) => pair,
                None => (
                    form.get("client_id").cloned().unwrap_or_default(),
                    form.get("client_secret").cloned().unwrap_or_default(),
                ),
            };
            if id != config.client_id || secret != config.client_secret {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "The client id or secret is wrong",
                );
            }
        }
        Some("refresh_token") => {
            let rt = form.get("refresh_token").cloned().unwrap_or_default();
            let known = state
                .auth
                .refresh
                .lock()
                .map(|r| r.contains_key(&rt))
                .unwrap_or(false);
            if !known {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is unknown or revoked",
                );
            }
        }
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type '{other}' is not supported"),
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            )
        }
    }
    let (access, refresh) = state.auth.issue(lifetime);
    let body = json!({"access_token": access, "token_type": "bearer", "expires_in": lifetime.as_secs(), "refresh_token": refresh});
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Refuses API calls without a valid bearer token.
pub async fn require_bearer(state: State, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_string);
    match token {
        Some(t) if state.auth.valid(&t) => next.run(request).await,
        Some(_) => {
            CaspioError::unauthorized("The access token is expired or unknown").into_response()
        }
        None => {
            CaspioError::unauthorized("Send Authorization: Bearer <access token>").into_response()
        }
    }
}
