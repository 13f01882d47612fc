//! Caspio OAuth 2.0 client credentials: the token is fetched on first use, cached, refreshed a
//! minute before it expires (refresh token first, client credentials as fallback), and dropped
//! after a 401 so the next call gets a new one. The cache lock is held while a token is fetched,
//! so concurrent calls that find it stale wait for one request instead of each making their own.
//! Secrets never appear in `Debug` output or errors.

use crate::error::Error;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// A Web services profile's client id and secret.
    ClientCredentials {
        /// Client ID.
        client_id: String,
        /// Client secret.
        client_secret: String,
    },
    /// A bearer token obtained elsewhere; never refreshed.
    Token(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// Refresh this long before the token's stated expiry, so a call never starts with a token that
/// dies in flight.
const EARLY: Duration = Duration::from_secs(60);

struct Token {
    access: String,
    refresh: Option<String>,
    expires_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// A token cache for one account.
pub struct TokenCache {
    credentials: Credentials,
    token_url: String,
    current: Mutex<Option<Token>>,
    requests: std::sync::atomic::AtomicU64,
}

impl TokenCache {
    /// A cache that asks `token_url` for tokens.
    pub fn new(credentials: Credentials, token_url: String) -> Self {
        TokenCache {
            credentials,
            token_url,
            current: Mutex::new(None),
            requests: Default::default(),
        }
    }

    /// How many token requests this cache has made.
    pub fn token_requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A bearer token valid for at least a minute.
    pub async fn bearer(&self, http: &reqwest::Client) -> Result<String, Error> {
        let client_id_secret = match &self.credentials {
            Credentials::Token(t) => return Ok(t.clone()),
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => (client_id, client_secret),
        };
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref() {
            if t.expires_at > Instant::now() + EARLY {
                return Ok(t.access.clone());
            }
        }
        let refresh = current.as_ref().and_then(|t| t.refresh.clone());
        let mut fresh = None;
        if let Some(rt) = refresh {
            // A refused refresh token (expired, or pushed out by the 1,000-token cap) is not an
            // error: client credentials still work.
            fresh = self
                .request(
                    http,
                    &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
                    client_id_secret,
                )
                .await
                .ok();
        }
        let token = match fresh {
            Some(t) => t,
            None => {
                self.request(
                    http,
                    &[("grant_type", "client_credentials")],
                    client_id_secret,
                )
                .await?
            }
        };
        let access = token.access.clone();
        *current = Some(token);
        Ok(access)
    }

    /// Forgets `used` after Caspio refused it, unless another call already replaced it.
    pub async fn invalidate(&self, used: &str) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| t.access == used) {
            // Keep the refresh token: drop only the access token's validity.
            if let Some(t) = current.as_mut() {
                t.expires_at = Instant::now();
            }
        }
    }

    async fn request(
        &self,
        http: &reqwest::Client,
        form: &[(&str, &str)],
        (client_id, client_secret): (&String, &String),
    ) -> Result<Token, Error> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("client_id", client_id));
        fields.push(("client_secret", client_secret));
        let answer = http
            .post(&self.token_url)
            .form(&fields)
            .send()
            .await
            .map_err(|e| Error::transport("token request", e))?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let body = answer
            .bytes()
            .await
            .map_err(|e| Error::transport("reading the token answer", e))?;
        if !status.is_success() {
            let api = crate::error::ApiError::from_answer(status.as_u16(), &headers, &body);
            return Err(Error::Auth {
                message: api.to_string(),
                source: Some(Box::new(api)),
            });
        }
        let parsed: TokenAnswer = serde_json::from_slice(&body).map_err(|e| Error::Auth {
            message: "the token answer is not a token".into(),
            source: Some(Box::new(e)),
        })?;
        Ok(Token {
            access: parsed.access_token,
            refresh: parsed.refresh_token,
            expires_at: Instant::now() + Duration::from_secs(parsed.expires_in.unwrap_or(86_399)),
        })
    }
}
