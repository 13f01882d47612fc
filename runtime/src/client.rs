//! The client of one Caspio account: turns a [`Request`] into an HTTP call with a bearer token,
//! retries once with a new token after a 401, and turns error answers into [`Error::Api`].

use crate::auth::{Credentials, TokenCache};
use crate::error::{ApiError, Error};
use crate::limits::{Budget, CallStats, Counters, RetryPolicy};
use crate::request::{Body, FormPart, Request};
use crate::response::Response;
use caspio_contract::HttpMethod;
use std::sync::Arc;

/// Caspio's limit on the length of a request URI (the q.where parser refuses longer conditions
/// for the same reason).
pub use caspio_qwhere::MAX_URI;

/// A client bound to one Caspio account. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct Client {
    account: String,
    base_path: String,
    http: reqwest::Client,
    auth: Arc<TokenCache>,
    retry: RetryPolicy,
    budget: Option<Arc<Budget>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for an account. `account` is the account's host or integration URL, e.g.
    /// `c1abc234.caspio.com`, `https://c1abc234.caspio.com` or
    /// `https://c1abc234.caspio.com/integrations/rest/v3`. Plain `http://` is accepted only for
    /// loopback hosts (a local sandbox), since Caspio refuses unencrypted calls. `base_path` is
    /// the API's path prefix (e.g. `/integrations/rest`, handed in by whoever knows the API), to
    /// which every request's path is appended.
    pub fn new(account: &str, base_path: &str, credentials: Credentials) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("caspio-mcp/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|e| Error::transport("building the HTTP client", e))?;
        Self::with_http(account, base_path, credentials, http)
    }

    /// Like [`Client::new`] with a caller-built reqwest client (proxies, timeouts, TLS).
    pub fn with_http(
        account: &str,
        base_path: &str,
        credentials: Credentials,
        http: reqwest::Client,
    ) -> Result<Self, Error> {
        let account = normalize_account(account)?;
        let auth = Arc::new(TokenCache::new(
            credentials,
            format!("{account}/oauth/token"),
        ));
        Ok(Client {
            account,
            base_path: base_path.trim_end_matches('/').to_string(),
            http,
            auth,
            retry: RetryPolicy::default(),
            budget: None,
            counters: Default::default(),
        })
    }

    /// Sets what a 429 does (default: [`RetryPolicy::Passthrough`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Keeps this client under `limit` requests per `window`, waiting when it would go over.
    pub fn with_budget(mut self, limit: usize, window: std::time::Duration) -> Self {
        self.budget = Some(Arc::new(Budget::new(limit, window)));
        self
    }

    /// Calls made so far (shared by clones).
    pub fn stats(&self) -> CallStats {
        self.counters.snapshot(self.auth.token_requests())
    }

    /// The account's base URL, e.g. `https://c1abc234.caspio.com`.
    pub fn account_url(&self) -> &str {
        &self.account
    }

    /// How many token requests this client has made.
    pub fn token_requests(&self) -> u64 {
        self.auth.token_requests()
    }

    /// Checks that a token can be obtained (for readiness probes). Never reveals the token.
    pub async fn ready(&self) -> Result<(), Error> {
        self.auth.bearer(&self.http).await.map(|_| ())
    }

    /// Sends a request and returns the 2xx answer; any other status is an [`Error::Api`].
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        if let Some(problem) = &request.problem {
            return Err(Error::Request(problem.clone()));
        }
        let url_len = self.account.len() + self.base_path.len() + request.path_and_query().len();
        if url_len > MAX_URI {
            let culprit = request
                .longest_part()
                .map(|(name, len)| {
                    format!(" Its longest part is `{name}`, {len} characters once encoded:")
                })
                .unwrap_or_default();
            return Err(Error::Request(format!(
                "the request URI would be {url_len} characters; Caspio allows {MAX_URI}.{culprit} \
                 shorten it, or split the call into several"
            )));
        }
        let idempotent = request.method.is_idempotent();
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send_once(&request).await {
                Err(Error::Api(e)) if e.status == 429 => {
                    self.counters
                        .throttled
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let delay = if idempotent {
                        self.retry
                            .delay(attempt, e.rate_limit.retry_after, started.elapsed())
                    } else {
                        None
                    };
                    match delay {
                        Some(wait) => {
                            self.counters
                                .retries
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            tokio::time::sleep(wait).await;
                        }
                        None => return Err(Error::Api(e)),
                    }
                }
                other => return other,
            }
        }
    }

    /// One request, with one new token and one more try after a 401.
    async fn send_once(&self, request: &Request) -> Result<Response, Error> {
        let token = self.auth.bearer(&self.http).await?;
        let answer = self.attempt(request, &token).await?;
        if answer.status().as_u16() != 401 {
            return finish(answer).await;
        }
        // The token may have been revoked or expired early: one new token, one more try.
        self.auth.invalidate(&token).await;
        let token = self.auth.bearer(&self.http).await?;
        finish(self.attempt(request, &token).await?).await
    }

    async fn attempt(&self, request: &Request, token: &str) -> Result<reqwest::Response, Error> {
        if let Some(budget) = &self.budget {
            budget.acquire().await;
        }
        self.counters
            .api_calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = format!("{}{}{}", self.account, self.base_path, request.path);
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .http
            .request(method, url)
            .bearer_auth(token)
            .header(
                reqwest::header::ACCEPT,
                "application/json, application/octet-stream;q=0.9, */*;q=0.8",
            )
            .query(&request.query);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = match &request.body {
            Body::None => builder,
            Body::Json(v) => builder.json(v),
            Body::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for part in parts {
                    form = match part {
                        FormPart::Text { name, value } => form.text(name.clone(), value.clone()),
                        FormPart::File { name, file } => {
                            let p = reqwest::multipart::Part::bytes(file.data.clone())
                                .file_name(file.name.clone())
                                .mime_str(&file.mime())
                                .map_err(|e| {
                                    Error::Request(format!("content type of `{}`: {e}", file.name))
                                })?;
                            form.part(name.clone(), p)
                        }
                    };
                }
                builder.multipart(form)
            }
        };
        builder
            .send()
            .await
            .map_err(|e| Error::transport("request", e))
    }
}

async fn finish(answer: reqwest::Response) -> Result<Response, Error> {
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let body = answer
        .bytes()
        .await
        .map_err(|e| Error::transport("reading the answer", e))?
        .to_vec();
    if (200..300).contains(&status) {
        Ok(Response {
            status,
            headers,
            body,
        })
    } else {
        Err(Error::Api(Box::new(ApiError::from_answer(
            status, &headers, &body,
        ))))
    }
}

/// The account base URL (scheme and host, no path) for what a user typed.
pub fn normalize_account(input: &str) -> Result<String, Error> {
    let text = input.trim().trim_end_matches('/');
    if text.is_empty() {
        return Err(Error::Request(
            "the Caspio account is empty; give its host, e.g. c1abc234.caspio.com".into(),
        ));
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("https".to_string(), text),
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains(['@', '?', '#', ' ']) {
        return Err(Error::Request(format!(
            "`{input}` is not a Caspio account host or URL"
        )));
    }
    // A host name or address, with an optional port: anything else ("javascript:alert(1)", a
    // space, a quote) is not an account.
    let (bare, port) = match host.find(']') {
        Some(end) if host.starts_with('[') => {
            let (h, rest) = host.split_at(end + 1);
            (
                h,
                rest.strip_prefix(':').or((!rest.is_empty()).then_some("")),
            )
        }
        _ => match host.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host, None),
        },
    };
    let name_ok = if let Some(v6) = bare.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
        !v6.is_empty()
            && v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !bare.is_empty()
            && bare
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    if !name_ok || !port_ok {
        return Err(Error::Request(format!(
            "`{input}` is not a Caspio account host or URL"
        )));
    }
    let loopback = matches!(bare, "localhost" | "127.0.0.1" | "[::1]") || bare.starts_with("127.");
    match scheme.as_str() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::Request(format!(
                "`{input}` uses http://; Caspio only answers https:// (http is allowed for loopback sandboxes)"
            )))
        }
        other => return Err(Error::Request(format!("unsupported scheme `{other}` in `{input}`"))),
    }
    Ok(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_users_paste() {
        for input in [
            "c1abc234.caspio.com",
            "https://c1abc234.caspio.com",
            "https://c1abc234.caspio.com/",
            "https://c1abc234.caspio.com/integrations/rest/v3",
            " HTTPS://c1abc234.caspio.com/rest/v2 ",
        ] {
            assert_eq!(
                normalize_account(input).unwrap(),
                "https://c1abc234.caspio.com",
                "{input}"
            );
        }
        assert_eq!(
            normalize_account("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn refuses_what_cannot_be_an_account() {
        assert!(normalize_account("").is_err());
        assert!(normalize_account("http://c1abc234.caspio.com").is_err());
        assert!(normalize_account("ftp://x.caspio.com").is_err());
        assert!(normalize_account("https://user@x.caspio.com").is_err());
        for hostile in [
            "javascript:alert(1)",
            "x.caspio.com:80a",
            "a b.caspio.com",
            "x'.caspio.com",
            "[::1]x",
            "x.caspio.com:",
        ] {
            assert!(normalize_account(hostile).is_err(), "{hostile}");
        }
        assert_eq!(
            normalize_account("http://[::1]:8080").unwrap(),
            "http://[::1]:8080"
        );
        assert_eq!(
            normalize_account("http://localhost:8900/").unwrap(),
            "http://localhost:8900"
        );
    }
}
