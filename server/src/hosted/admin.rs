//! The admin API, behind `Authorization: Bearer <admin token>`: connections, their MCP servers,
//! API tokens and the audit log. Errors are JSON with a stable `code`:
//! `{"error": {"code": "not_found", "message": "..."}}`. Secrets go in and never come out: a
//! connection's client secret is sealed and never answered; a server's URL token and an API
//! token are answered once, at creation.

use super::secrets::{hash_token, new_token, token_matches};
use super::store::{now_ms, AuditFilter, Connection, McpServer, ServerConfig};
use super::Hosted;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// An admin API error: its status, stable code and message.
#[derive(Debug)]
pub struct AdminError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl AdminError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AdminError {
            status,
            code,
            message: message.into(),
        }
    }
    fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"caspio-mcp admin\""),
            );
        }
        response
    }
}

impl From<super::store::StoreError> for AdminError {
    fn from(e: super::store::StoreError) -> Self {
        tracing::error!(error = %caspio::runtime::describe(&e), "admin request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage_error",
            "the database failed; the operator's log says why",
        )
    }
}

impl From<super::secrets::SecretError> for AdminError {
    fn from(e: super::secrets::SecretError) -> Self {
        tracing::error!(error = %e, "admin request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "secret_error",
            e.to_string(),
        )
    }
}

impl From<JsonRejection> for AdminError {
    fn from(e: JsonRejection) -> Self {
        Self::bad("invalid_json", e.body_text())
    }
}

type Answer = Result<Response, AdminError>;

/// A JSON body, with a malformed one answered as `invalid_json`.
struct Body<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = AdminError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AdminError> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(Body(value))
    }
}

/// Refuses a request without the admin token.
async fn require_admin(
    State(hosted): State<Arc<Hosted>>,
    request: Request,
    next: Next,
) -> Response {
    match super::bearer(&request) {
        Some(token) if token_matches(token, &hosted.admin_hash) => next.run(request).await,
        Some(_) => AdminError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the admin token is not valid",
        )
        .into_response(),
        None => AdminError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <admin token>",
        )
        .into_response(),
    }
}

/// The admin routes.
pub fn router(hosted: Arc<Hosted>) -> Router {
    Router::new()
        .route(
            "/admin/connections",
            get(list_connections).post(create_connection),
        )
        .route(
            "/admin/connections/{id}",
            get(get_connection)
                .patch(patch_connection)
                .delete(delete_connection),
        )
        .route(
            "/admin/connections/{id}/mcp",
            get(list_servers).post(create_server),
        )
        .route(
            "/admin/connections/{id}/mcp/{mcp_id}",
            get(get_server).patch(patch_server).delete(delete_server),
        )
        .route(
            "/admin/api-tokens",
            get(list_api_tokens)
                .post(create_api_token)
                .delete(delete_api_token_by_body),
        )
        .route("/admin/api-tokens/{id}", delete(delete_api_token))
        .route("/admin/audit", get(audit))
        .layer(middleware::from_fn_with_state(
            hosted.clone(),
            require_admin,
        ))
        .with_state(hosted)
}

/// A time as RFC 3339 (UTC, seconds).
pub fn rfc3339(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Reads a time: RFC 3339, or Unix seconds as a number.
fn parse_time(field: &str, value: &Value) -> Result<Option<i64>, AdminError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(|s| Some(s.saturating_mul(1000)))
            .ok_or_else(|| {
                AdminError::bad(
                    "invalid_time",
                    format!("{field}: {n} is not a whole number of seconds"),
                )
            }),
        Value::String(s) => humantime::parse_rfc3339_weak(s)
            .map(|t| {
                Some(
                    t.duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_millis() as i64)
                        .unwrap_or(0),
                )
            })
            .map_err(|e| {
                AdminError::bad(
                    "invalid_time",
                    format!("{field}: `{s}` is not an RFC 3339 time ({e})"),
                )
            }),
        other => Err(AdminError::bad(
            "invalid_time",
            format!("{field}: {other} is not a time"),
        )),
    }
}

fn connection_json(c: &Connection) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "account": c.account,
        "client_id": c.client_id,
        "created_at": rfc3339(c.created_at),
        "updated_at": rfc3339(c.updated_at),
    })
}

fn server_json(s: &McpServer) -> Value {
    json!({
        "id": s.id,
        "connection_id": s.connection_id,
        "name": s.name,
        "config": s.config,
        "expires_at": s.expires_at.map(rfc3339),
        "created_at": rfc3339(s.created_at),
        "updated_at": rfc3339(s.updated_at),
    })
}

fn required(field: &str, value: Option<String>) -> Result<String, AdminError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| AdminError::bad("missing_field", format!("`{field}` is required")))
}

fn check_account(account: &str) -> Result<(), AdminError> {
    caspio::runtime::client::normalize_account(account)
        .map(|_| ())
        .map_err(|e| AdminError::bad("invalid_account", e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionIn {
    name: Option<String>,
    account: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn create_connection(State(h): State<Arc<Hosted>>, Body(body): Body<ConnectionIn>) -> Answer {
    let name = required("name", body.name)?;
    let account = required("account", body.account)?;
    check_account(&account)?;
    let client_id = required("client_id", body.client_id)?;
    let sealed = h
        .key
        .seal(&required("client_secret", body.client_secret)?)?;
    let c = h
        .store
        .insert_connection(&name, &account, &client_id, &sealed)
        .await?;
    Ok((StatusCode::CREATED, Json(connection_json(&c))).into_response())
}

async fn list_connections(State(h): State<Arc<Hosted>>) -> Answer {
    let all: Vec<Value> = h
        .store
        .connections()
        .await?
        .iter()
        .map(connection_json)
        .collect();
    Ok(Json(json!({ "connections": all })).into_response())
}

async fn find_connection(h: &Hosted, id: &str) -> Result<Connection, AdminError> {
    h.store
        .connection(id)
        .await?
        .ok_or_else(|| AdminError::not_found("connection"))
}

async fn get_connection(State(h): State<Arc<Hosted>>, Path(id): Path<String>) -> Answer {
    Ok(Json(connection_json(&find_connection(&h, &id).await?)).into_response())
}

async fn patch_connection(
    State(h): State<Arc<Hosted>>,
    Path(id): Path<String>,
    Body(body): Body<ConnectionIn>,
) -> Answer {
    let mut c = find_connection(&h, &id).await?;
    if let Some(name) = body.name {
        c.name = required("name", Some(name))?;
    }
    if let Some(account) = body.account {
        check_account(&account)?;
        c.account = account;
    }
    if let Some(client_id) = body.client_id {
        c.client_id = required("client_id", Some(client_id))?;
    }
    if let Some(secret) = body.client_secret {
        c.client_secret_sealed = h.key.seal(&required("client_secret", Some(secret))?)?;
    }
    let c = h.store.update_connection(&c).await?;
    Ok(Json(connection_json(&c)).into_response())
}

async fn delete_connection(State(h): State<Arc<Hosted>>, Path(id): Path<String>) -> Answer {
    if h.store.delete_connection(&id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AdminError::not_found("connection"))
    }
}

/// A server's config, checked as the command line's flags are: unknown names and a scope that
/// keeps no tool are refused with their reason.
fn checked_config(value: Value) -> Result<ServerConfig, AdminError> {
    let config: ServerConfig = serde_json::from_value(value)
        .map_err(|e| AdminError::bad("invalid_config", e.to_string()))?;
    super::scope_of(&config).map_err(|e| {
        let code = if e.contains("matches no tool") {
            "empty_scope"
        } else {
            "invalid_config"
        };
        AdminError::bad(code, e)
    })?;
    Ok(config)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerIn {
    name: Option<String>,
    #[serde(default)]
    config: Option<Value>,
    /// Absent: unchanged (or never, on creation); `null`: never.
    #[serde(default, deserialize_with = "present")]
    expires_at: Option<Value>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(Null)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

async fn create_server(
    State(h): State<Arc<Hosted>>,
    Path(connection_id): Path<String>,
    Body(body): Body<ServerIn>,
) -> Answer {
    find_connection(&h, &connection_id).await?;
    let name = required("name", body.name)?;
    let config = checked_config(body.config.unwrap_or_else(|| json!({})))?;
    let expires_at = match &body.expires_at {
        Some(v) => parse_time("expires_at", v)?,
        None => None,
    };
    if expires_at.is_some_and(|t| t <= now_ms()) {
        return Err(AdminError::bad(
            "invalid_time",
            "expires_at is already past",
        ));
    }
    let token = new_token()?;
    let s = h
        .store
        .insert_server(
            &connection_id,
            &name,
            &config,
            &hash_token(&token),
            expires_at,
        )
        .await?;
    let mut answer = server_json(&s);
    answer["url"] = json!(h.url_of(&token));
    answer["token"] = json!(token);
    answer["note"] =
        json!("The URL holds a secret token; it is shown this once and only its hash is kept.");
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

async fn list_servers(State(h): State<Arc<Hosted>>, Path(connection_id): Path<String>) -> Answer {
    find_connection(&h, &connection_id).await?;
    let all: Vec<Value> = h
        .store
        .servers(&connection_id)
        .await?
        .iter()
        .map(server_json)
        .collect();
    Ok(Json(json!({ "mcp_servers": all })).into_response())
}

async fn find_server(h: &Hosted, connection_id: &str, id: &str) -> Result<McpServer, AdminError> {
    h.store
        .server(connection_id, id)
        .await?
        .ok_or_else(|| AdminError::not_found("MCP server"))
}

async fn get_server(State(h): State<Arc<Hosted>>, Path((c, id)): Path<(String, String)>) -> Answer {
    Ok(Json(server_json(&find_server(&h, &c, &id).await?)).into_response())
}

async fn patch_server(
    State(h): State<Arc<Hosted>>,
    Path((c, id)): Path<(String, String)>,
    Body(body): Body<ServerIn>,
) -> Answer {
    let mut s = find_server(&h, &c, &id).await?;
    if let Some(name) = body.name {
        s.name = required("name", Some(name))?;
    }
    if let Some(changes) = body.config {
        // The fields given replace those stored; the rest stay.
        let mut merged = serde_json::to_value(&s.config).unwrap_or_default();
        match (&mut merged, changes) {
            (Value::Object(m), Value::Object(changes)) => m.extend(changes),
            (_, other) => {
                return Err(AdminError::bad(
                    "invalid_config",
                    format!("config must be an object, not {other}"),
                ))
            }
        }
        s.config = checked_config(merged)?;
    }
    if let Some(v) = &body.expires_at {
        s.expires_at = parse_time("expires_at", v)?;
    }
    let s = h.store.update_server(&s).await?;
    Ok(Json(server_json(&s)).into_response())
}

async fn delete_server(
    State(h): State<Arc<Hosted>>,
    Path((c, id)): Path<(String, String)>,
) -> Answer {
    if h.store.delete_server(&c, &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AdminError::not_found("MCP server"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiTokenIn {
    name: Option<String>,
}

async fn create_api_token(State(h): State<Arc<Hosted>>, Body(body): Body<ApiTokenIn>) -> Answer {
    let name = required("name", body.name)?;
    let token = new_token()?;
    let t = h.store.insert_api_token(&name, &hash_token(&token)).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": t.id, "name": t.name, "created_at": rfc3339(t.created_at), "token": token,
                    "note": "The token is shown this once and only its hash is kept."}),
        ),
    )
        .into_response())
}

async fn list_api_tokens(State(h): State<Arc<Hosted>>) -> Answer {
    let all: Vec<Value> = h
        .store
        .api_tokens()
        .await?
        .iter()
        .map(|t| json!({"id": t.id, "name": t.name, "created_at": rfc3339(t.created_at)}))
        .collect();
    Ok(Json(json!({ "api_tokens": all })).into_response())
}

async fn delete_api_token(State(h): State<Arc<Hosted>>, Path(id): Path<String>) -> Answer {
    if h.store.delete_api_token(&id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AdminError::not_found("API token"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiTokenRef {
    id: Option<String>,
}

async fn delete_api_token_by_body(
    State(h): State<Arc<Hosted>>,
    Body(body): Body<ApiTokenRef>,
) -> Answer {
    delete_api_token(State(h), Path(required("id", body.id)?)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    server: Option<String>,
    tool: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn audit(
    State(h): State<Arc<Hosted>>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let Query(q) = query.map_err(|e| AdminError::bad("invalid_query", e.body_text()))?;
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, AdminError> {
        match v {
            None => Ok(None),
            Some(text) => match text.parse::<i64>() {
                Ok(secs) => Ok(Some(secs.saturating_mul(1000))),
                Err(_) => parse_time(field, &Value::String(text.clone())),
            },
        }
    };
    let filter = AuditFilter {
        server: q.server,
        tool: q.tool,
        from: time("from", &q.from)?,
        to: time("to", &q.to)?,
        page: q.page,
        page_size: q.page_size,
    };
    let entries: Vec<Value> = h
        .store
        .audit(&filter)
        .await?
        .into_iter()
        .map(|e| {
            let mut v = serde_json::to_value(&e).unwrap_or_default();
            v["at"] = json!(rfc3339(e.at));
            v
        })
        .collect();
    Ok(Json(json!({"entries": entries, "page": filter.page.unwrap_or(1).max(1)})).into_response())
}
