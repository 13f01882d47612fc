//! Hosted mode: many scoped MCP servers from one process (or from many replicas sharing one
//! PostgreSQL). Each MCP server is a scope over a connection (one Caspio account) and is reached
//! at `/mcp/<token>` (legacy SSE clients at `/sse/<token>`), a 256-bit secret shown once; unknown, deleted and expired tokens get the
//! same answer. The transport is stateless, so any replica serves any request, and every request
//! reads its server from the database, so a change made through one replica holds on all of them
//! at once. The admin API ([`admin`]) manages connections, servers and API tokens and reads the
//! audit log, which records every tool call ([`audit`]).

pub mod admin;
mod audit;
pub mod secrets;
pub mod store;

use crate::handler::{CaspioMcp, Context};
use crate::http::HttpConfig;
use crate::scope::{Exposure, Scope};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrets::{hash_token, token_matches, MasterKey};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::{McpServer, Store};
use tokio::sync::Mutex;
use tower::ServiceExt;

/// How often expired servers are deleted (they stop working at their instant regardless).
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// The rmcp service of one MCP server, stateless.
type Service = StreamableHttpService<CaspioMcp, NeverSessionManager>;

/// A server's built transports, and the versions of the server and connection they were built
/// from.
struct Built {
    server_updated: i64,
    connection_updated: i64,
    service: Service,
    sse: crate::sse::Sessions,
}

/// Hosted mode's state.
pub struct Hosted {
    store: Store,
    key: MasterKey,
    admin_hash: String,
    /// The URL clients reach this deployment by, for the URLs the admin API answers.
    public_url: String,
    max_body: usize,
    built: Mutex<HashMap<String, Built>>,
    /// Ends legacy SSE streams at shutdown.
    shutdown: tokio_util::sync::CancellationToken,
}

impl std::fmt::Debug for Hosted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hosted")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Hosted {
    /// Hosted mode over `store`, sealing with `key`, administered with the token whose hash is
    /// `admin_hash`, reached at `public_url`.
    pub fn new(
        store: Store,
        key: MasterKey,
        admin_hash: String,
        public_url: String,
        max_body: usize,
    ) -> Self {
        Hosted {
            store,
            key,
            admin_hash,
            public_url: public_url.trim_end_matches('/').to_string(),
            max_body,
            built: Mutex::new(HashMap::new()),
            shutdown: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// The URL of the MCP server reached with `token`.
    pub fn url_of(&self, token: &str) -> String {
        format!("{}/mcp/{token}", self.public_url)
    }

    /// The rmcp service of `server`.
    async fn service(&self, server: &McpServer) -> Result<Service, Response> {
        self.built(server, |b| b.service.clone()).await
    }

    /// The legacy SSE sessions of `server`.
    async fn sse(&self, server: &McpServer) -> Result<crate::sse::Sessions, Response> {
        self.built(server, |b| b.sse.clone()).await
    }

    /// What `pick` takes of `server`'s transports, built once per version of the server and of
    /// its connection.
    async fn built<T>(
        &self,
        server: &McpServer,
        pick: impl Fn(&Built) -> T,
    ) -> Result<T, Response> {
        let connection = self
            .store
            .connection(&server.connection_id)
            .await
            .map_err(|e| internal(&e))?
            .ok_or_else(no_such_server)?;
        let mut built = self.built.lock().await;
        if let Some(b) = built.get(&server.id) {
            if b.server_updated == server.updated_at
                && b.connection_updated == connection.updated_at
            {
                return Ok(pick(b));
            }
        }
        let secret = self
            .key
            .open(&connection.client_secret_sealed)
            .map_err(|e| internal(&e))?;
        let client = caspio::Client::new(
            &connection.account,
            caspio::Credentials::ClientCredentials {
                client_id: connection.client_id.clone(),
                client_secret: secret,
            },
        )
        .map_err(|e| internal(&e))?;
        let (scope, exposure) = scope_of(&server.config)
            .map_err(|e| internal(&*Box::<dyn std::error::Error>::from(e)))?;
        let ctx = Context::scoped(client, caspio::registry(), &scope, exposure)
            .map_err(|e| internal(&*e))?
            .with_audit(Arc::new(audit::ToStore {
                store: self.store.clone(),
                server_id: server.id.clone(),
            }));
        let ctx = Arc::new(ctx);
        let sse = crate::sse::Sessions::new(
            ctx.clone(),
            self.shutdown.clone(),
            self.max_body,
            crate::http::DEFAULT_MAX_SESSIONS,
        );
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .disable_allowed_hosts()
            .with_max_request_body_bytes(self.max_body);
        let service = StreamableHttpService::new(
            move || Ok(CaspioMcp::new(ctx.clone())),
            Arc::new(NeverSessionManager::default()),
            config,
        );
        let b = Built {
            server_updated: server.updated_at,
            connection_updated: connection.updated_at,
            service,
            sse,
        };
        let picked = pick(&b);
        built.insert(server.id.clone(), b);
        Ok(picked)
    }

    /// Deletes expired servers now, then every `every`, until the task is dropped.
    pub fn spawn_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let hosted = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match hosted.store.sweep_expired(store::now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "expired MCP servers deleted"),
                    Err(e) => {
                        tracing::warn!(error = %caspio::runtime::describe(&e), "sweeping expired MCP servers failed")
                    }
                }
            }
        })
    }
}

/// The scope and exposure a stored server config says; checked like the flags.
pub fn scope_of(config: &store::ServerConfig) -> Result<(Scope, Exposure), String> {
    let scope = Scope::from_lists(
        &config.methods,
        &config.tags,
        &config.tools,
        config.read_only,
        caspio::registry().tools(),
    )?;
    Ok((scope, Exposure::parse(&config.tool_exposure)?))
}

/// The one answer for a token that is unknown, deleted or expired: nothing tells them apart.
fn no_such_server() -> Response {
    let body = crate::jsonrpc::error(
        serde_json::Value::Null,
        crate::jsonrpc::INVALID_REQUEST,
        "no MCP server at this URL",
    );
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

fn internal(e: &(dyn std::error::Error + 'static)) -> Response {
    tracing::error!(error = %caspio::runtime::describe(e), "hosted request failed");
    let body = crate::jsonrpc::error(
        serde_json::Value::Null,
        crate::jsonrpc::INTERNAL_ERROR,
        "the server could not serve this request; the operator's log says why",
    );
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

/// The bearer token of a request.
pub fn bearer(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// 401 with the challenge a client needs to send an API token.
fn api_token_required(message: &str) -> Response {
    let body = crate::jsonrpc::error(
        serde_json::Value::Null,
        crate::jsonrpc::INVALID_REQUEST,
        message,
    );
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"caspio-mcp\", error=\"invalid_token\""),
    );
    response
}

/// The live server `token` names, once the request's API token (its bearer, if any) has passed
/// the server's requirement. Takes the bearer, not the request: a request body is not Sync, so
/// no reference to one may be held across an await.
async fn resolve(
    hosted: &Hosted,
    token: &str,
    api_token: Option<String>,
) -> Result<McpServer, Response> {
    let hash = hash_token(token);
    let server = match hosted
        .store
        .live_server_by_token(&hash, store::now_ms())
        .await
    {
        Ok(Some(s)) if token_matches(token, &s.token_hash) => s,
        Ok(_) => return Err(no_such_server()),
        Err(e) => return Err(internal(&e)),
    };
    if server.config.require_api_token_auth {
        let Some(api_token) = api_token else {
            return Err(api_token_required(
                "this MCP server needs Authorization: Bearer <API token>",
            ));
        };
        match hosted.store.api_token_exists(&hash_token(&api_token)).await {
            Ok(true) => {}
            Ok(false) => return Err(api_token_required("the API token is not valid")),
            Err(e) => return Err(internal(&e)),
        }
    }
    Ok(server)
}

/// `GET /sse/{token}`: a legacy SSE stream of the server the token names.
async fn sse_open(
    State(hosted): State<Arc<Hosted>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let server = match resolve(&hosted, &token, bearer(&request).map(str::to_string)).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    match hosted.sse(&server).await {
        Ok(sessions) => {
            let sessions = sessions.with_messages_path(format!("/sse/{token}/messages"));
            crate::sse::open(State(sessions), request.uri().clone()).await
        }
        Err(response) => response,
    }
}

/// `POST /sse/{token}/messages?sessionId=…`: a message of a legacy SSE session.
async fn sse_post(
    State(hosted): State<Arc<Hosted>>,
    Path(token): Path<String>,
    query: axum::extract::Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let server = match resolve(&hosted, &token, bearer(&request).map(str::to_string)).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    match hosted.sse(&server).await {
        Ok(sessions) => crate::sse::post(State(sessions), query, request.into_body()).await,
        Err(response) => response,
    }
}

/// `/mcp/{token}`: finds the live server the token names, checks its API-token requirement, and
/// hands the request to that server's rmcp service.
async fn mcp(
    State(hosted): State<Arc<Hosted>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let server = match resolve(&hosted, &token, bearer(&request).map(str::to_string)).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let service = match hosted.service(&server).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    match service.oneshot(request).await {
        Ok(response) => response.map(axum::body::Body::new),
        Err(never) => match never {},
    }
}

/// The hosted app: `/mcp/{token}` behind the MCP checks, `/admin/...` behind the admin token,
/// `/healthz`, all behind the Host/Origin and body checks.
pub fn router(hosted: Arc<Hosted>, http: HttpConfig) -> Router {
    let mcp = crate::http::mcp_checked(
        Router::new()
            .route("/mcp/{token}", any(mcp))
            .with_state(hosted.clone()),
        http.max_body,
    );
    let legacy = Router::new()
        .route("/sse/{token}", get(sse_open))
        .route("/sse/{token}/messages", axum::routing::post(sse_post))
        .with_state(hosted.clone());
    let app = mcp
        .merge(legacy)
        .merge(admin::router(hosted))
        .route("/healthz", get(|| async { "ok" }));
    crate::http::checked(app, Arc::new(http))
}
