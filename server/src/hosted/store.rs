//! Hosted mode's storage: connections (one Caspio account each, the secret sealed), MCP servers
//! (a scope over a connection, reached by a token kept only as a hash), API tokens and the audit
//! log. One schema on embedded SQLite or on PostgreSQL, chosen by the database URL; every query
//! is portable SQL, with `$n` parameters in order of appearance (SQLite numbers named
//! parameters by first use). Times are Unix milliseconds.

use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::Row;

/// A storage failure, with the database's own error behind it.
#[derive(Debug, thiserror::Error)]
#[error("storage: {context}")]
pub struct StoreError {
    context: String,
    #[source]
    source: sqlx::Error,
}

fn failed(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError { context, source }
}

type Result<T> = std::result::Result<T, StoreError>;

/// The schema, one step a version; each step is idempotent, so replicas starting together on one
/// PostgreSQL both succeed.
const MIGRATIONS: &[&[&str]] = &[&[
    "CREATE TABLE IF NOT EXISTS caspio_schema (version BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS connections (id TEXT PRIMARY KEY, name TEXT NOT NULL, account TEXT NOT NULL, client_id TEXT NOT NULL, client_secret_sealed TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS mcp_servers (id TEXT PRIMARY KEY, connection_id TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, expires_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS mcp_servers_connection ON mcp_servers (connection_id)",
    "CREATE TABLE IF NOT EXISTS api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit (id TEXT PRIMARY KEY, at BIGINT NOT NULL, server_id TEXT NOT NULL, tool TEXT NOT NULL, arguments TEXT NOT NULL, outcome TEXT NOT NULL, records_affected BIGINT, request_id TEXT, duration_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS audit_at ON audit (at)",
]];

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A Caspio account. The secret stays sealed here; only the server opens it.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Its id.
    pub id: String,
    /// A name people know it by.
    pub name: String,
    /// Account host or integration URL.
    pub account: String,
    /// Web services profile client id.
    pub client_id: String,
    /// The client secret, sealed under the master key.
    pub client_secret_sealed: String,
    /// When it was created.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// What an MCP server exposes and how it is reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// `--methods`.
    #[serde(default)]
    pub methods: Vec<String>,
    /// `--tags`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `--tools`.
    #[serde(default)]
    pub tools: Vec<String>,
    /// `--read-only`.
    #[serde(default)]
    pub read_only: bool,
    /// Requests must also carry `Authorization: Bearer <api token>`.
    #[serde(default)]
    pub require_api_token_auth: bool,
    /// `all` or `discovery`.
    #[serde(default = "default_exposure")]
    pub tool_exposure: String,
}

fn default_exposure() -> String {
    "all".into()
}

/// An MCP server: a scope over a connection.
#[derive(Debug, Clone)]
pub struct McpServer {
    /// Its id.
    pub id: String,
    /// The connection it acts through.
    pub connection_id: String,
    /// A name people know it by.
    pub name: String,
    /// Its scope and options.
    pub config: ServerConfig,
    /// SHA-256 of its URL token.
    pub token_hash: String,
    /// When its URL stops working.
    pub expires_at: Option<i64>,
    /// When it was created.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// An API token (shown once; kept as a hash).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Its id.
    pub id: String,
    /// A name people know it by.
    pub name: String,
    /// When it was created.
    pub created_at: i64,
}

/// One tool call, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Its id.
    pub id: String,
    /// When the call ended (Unix ms).
    pub at: i64,
    /// The MCP server it came through.
    pub server_id: String,
    /// The tool.
    pub tool: String,
    /// The arguments, redacted (no file content, no secret).
    pub arguments: String,
    /// `ok`, `error: ...` or `refused: ...`.
    pub outcome: String,
    /// Records or users the call changed, when Caspio said.
    pub records_affected: Option<i64>,
    /// Caspio's request id.
    pub request_id: Option<String>,
    /// How long the call took.
    pub duration_ms: i64,
}

/// Which audit entries to read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    /// One MCP server's.
    pub server: Option<String>,
    /// One tool's.
    pub tool: Option<String>,
    /// At or after (Unix ms).
    pub from: Option<i64>,
    /// Before (Unix ms).
    pub to: Option<i64>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// Entries a page (at most 500).
    pub page_size: Option<u32>,
}

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: sqlx::Pool<sqlx::Any>,
}

fn connection(row: &AnyRow) -> std::result::Result<Connection, sqlx::Error> {
    Ok(Connection {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        account: row.try_get("account")?,
        client_id: row.try_get("client_id")?,
        client_secret_sealed: row.try_get("client_secret_sealed")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn server(row: &AnyRow) -> std::result::Result<McpServer, sqlx::Error> {
    let config: String = row.try_get("config")?;
    Ok(McpServer {
        id: row.try_get("id")?,
        connection_id: row.try_get("connection_id")?,
        name: row.try_get("name")?,
        config: serde_json::from_str(&config).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        token_hash: row.try_get("token_hash")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A query of MCP servers: their columns, then `$rest`.
macro_rules! select_servers {
    ($rest:literal) => {
        concat!(
            "SELECT id, connection_id, name, config, token_hash, expires_at, created_at, updated_at FROM mcp_servers ",
            $rest
        )
    };
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`:
    /// `sqlite://path`, `sqlite::memory:` or `postgres://...`.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let memory = url.contains(":memory:");
        let url = if url.starts_with("sqlite:") && !memory && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        // An in-memory SQLite database exists once per connection: keep exactly one.
        let pool = AnyPoolOptions::new()
            .max_connections(if memory { 1 } else { 8 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(if memory {
                None
            } else {
                Some(std::time::Duration::from_secs(600))
            })
            .max_lifetime(if memory {
                None
            } else {
                Some(std::time::Duration::from_secs(1800))
            })
            .connect(&url)
            .await
            .map_err(failed("cannot open the database"))?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::query(MIGRATIONS[0][0])
            .execute(&self.pool)
            .await
            .map_err(failed("cannot create the schema table"))?;
        let done: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM caspio_schema")
            .fetch_one(&self.pool)
            .await
            .and_then(|r| r.try_get("v"))
            .map_err(failed("cannot read the schema version"))?;
        let done = done.unwrap_or(0) as usize;
        for (i, steps) in MIGRATIONS.iter().enumerate().skip(done) {
            for step in steps.iter() {
                sqlx::query(*step)
                    .execute(&self.pool)
                    .await
                    .map_err(failed(format!("migration {} failed at: {step}", i + 1)))?;
            }
            sqlx::query("INSERT INTO caspio_schema (version) VALUES ($1)")
                .bind((i + 1) as i64)
                .execute(&self.pool)
                .await
                .map_err(failed("cannot record the schema version"))?;
        }
        Ok(())
    }

    /// Adds a connection.
    pub async fn insert_connection(
        &self,
        name: &str,
        account: &str,
        client_id: &str,
        client_secret_sealed: &str,
    ) -> Result<Connection> {
        let now = now_ms();
        let c = Connection {
            id: new_id(),
            name: name.into(),
            account: account.into(),
            client_id: client_id.into(),
            client_secret_sealed: client_secret_sealed.into(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query("INSERT INTO connections (id, name, account, client_id, client_secret_sealed, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&c.id)
            .bind(&c.name)
            .bind(&c.account)
            .bind(&c.client_id)
            .bind(&c.client_secret_sealed)
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot add the connection"))?;
        Ok(c)
    }

    /// Every connection, oldest first.
    pub async fn connections(&self) -> Result<Vec<Connection>> {
        let rows = sqlx::query("SELECT * FROM connections ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await
            .map_err(failed("cannot list connections"))?;
        rows.iter()
            .map(connection)
            .collect::<std::result::Result<_, _>>()
            .map_err(failed("cannot read a connection"))
    }

    /// One connection.
    pub async fn connection(&self, id: &str) -> Result<Option<Connection>> {
        sqlx::query("SELECT * FROM connections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .and_then(|r| r.as_ref().map(connection).transpose())
            .map_err(failed("cannot read the connection"))
    }

    /// Stores a changed connection.
    pub async fn update_connection(&self, c: &Connection) -> Result<Connection> {
        let mut c = c.clone();
        c.updated_at = now_ms().max(c.updated_at + 1);
        sqlx::query("UPDATE connections SET name = $1, account = $2, client_id = $3, client_secret_sealed = $4, updated_at = $5 WHERE id = $6")
            .bind(&c.name)
            .bind(&c.account)
            .bind(&c.client_id)
            .bind(&c.client_secret_sealed)
            .bind(c.updated_at)
            .bind(&c.id)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot change the connection"))?;
        Ok(c)
    }

    /// Deletes a connection and its MCP servers; whether it existed.
    pub async fn delete_connection(&self, id: &str) -> Result<bool> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(failed("cannot start a transaction"))?;
        sqlx::query("DELETE FROM mcp_servers WHERE connection_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(failed("cannot delete the connection's servers"))?;
        let gone = sqlx::query("DELETE FROM connections WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(failed("cannot delete the connection"))?
            .rows_affected();
        tx.commit()
            .await
            .map_err(failed("cannot commit the deletion"))?;
        Ok(gone > 0)
    }

    /// Adds an MCP server.
    pub async fn insert_server(
        &self,
        connection_id: &str,
        name: &str,
        config: &ServerConfig,
        token_hash: &str,
        expires_at: Option<i64>,
    ) -> Result<McpServer> {
        let now = now_ms();
        let s = McpServer {
            id: new_id(),
            connection_id: connection_id.into(),
            name: name.into(),
            config: config.clone(),
            token_hash: token_hash.into(),
            expires_at,
            created_at: now,
            updated_at: now,
        };
        sqlx::query("INSERT INTO mcp_servers (id, connection_id, name, config, token_hash, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&s.id)
            .bind(&s.connection_id)
            .bind(&s.name)
            .bind(serde_json::to_string(&s.config).unwrap_or_default())
            .bind(&s.token_hash)
            .bind(s.expires_at)
            .bind(s.created_at)
            .bind(s.updated_at)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot add the MCP server"))?;
        Ok(s)
    }

    /// A connection's MCP servers, oldest first.
    pub async fn servers(&self, connection_id: &str) -> Result<Vec<McpServer>> {
        let rows = sqlx::query(select_servers!(
            "WHERE connection_id = $1 ORDER BY created_at, id"
        ))
        .bind(connection_id)
        .fetch_all(&self.pool)
        .await
        .map_err(failed("cannot list MCP servers"))?;
        rows.iter()
            .map(server)
            .collect::<std::result::Result<_, _>>()
            .map_err(failed("cannot read an MCP server"))
    }

    /// One MCP server of a connection.
    pub async fn server(&self, connection_id: &str, id: &str) -> Result<Option<McpServer>> {
        sqlx::query(select_servers!("WHERE connection_id = $1 AND id = $2"))
            .bind(connection_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .and_then(|r| r.as_ref().map(server).transpose())
            .map_err(failed("cannot read the MCP server"))
    }

    /// The MCP server whose token hashes to `token_hash`, if it exists and has not expired at
    /// `now`: the URL stops working at its expiry instant, whether or not the sweeper has run.
    pub async fn live_server_by_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<McpServer>> {
        sqlx::query(select_servers!(
            "WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .and_then(|r| r.as_ref().map(server).transpose())
        .map_err(failed("cannot look up the MCP server"))
    }

    /// Stores a changed MCP server.
    pub async fn update_server(&self, s: &McpServer) -> Result<McpServer> {
        let mut s = s.clone();
        s.updated_at = now_ms().max(s.updated_at + 1);
        sqlx::query("UPDATE mcp_servers SET name = $1, config = $2, expires_at = $3, updated_at = $4 WHERE id = $5")
            .bind(&s.name)
            .bind(serde_json::to_string(&s.config).unwrap_or_default())
            .bind(s.expires_at)
            .bind(s.updated_at)
            .bind(&s.id)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot change the MCP server"))?;
        Ok(s)
    }

    /// Deletes an MCP server; whether it existed.
    pub async fn delete_server(&self, connection_id: &str, id: &str) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM mcp_servers WHERE connection_id = $1 AND id = $2")
                .bind(connection_id)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(failed("cannot delete the MCP server"))?
                .rows_affected()
                > 0,
        )
    }

    /// Deletes every MCP server expired at `now`; how many.
    pub async fn sweep_expired(&self, now: i64) -> Result<u64> {
        Ok(
            sqlx::query(
                "DELETE FROM mcp_servers WHERE expires_at IS NOT NULL AND expires_at <= $1",
            )
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot delete expired MCP servers"))?
            .rows_affected(),
        )
    }

    /// Adds an API token.
    pub async fn insert_api_token(&self, name: &str, token_hash: &str) -> Result<ApiToken> {
        let t = ApiToken {
            id: new_id(),
            name: name.into(),
            created_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(token_hash)
        .bind(t.created_at)
        .execute(&self.pool)
        .await
        .map_err(failed("cannot add the API token"))?;
        Ok(t)
    }

    /// Every API token (without its hash).
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows =
            sqlx::query("SELECT id, name, created_at FROM api_tokens ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await
                .map_err(failed("cannot list API tokens"))?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(failed("cannot read an API token"))
    }

    /// Whether an API token hashes to `token_hash`.
    pub async fn api_token_exists(&self, token_hash: &str) -> Result<bool> {
        Ok(
            sqlx::query("SELECT id FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(failed("cannot look up the API token"))?
                .is_some(),
        )
    }

    /// Deletes an API token; whether it existed.
    pub async fn delete_api_token(&self, id: &str) -> Result<bool> {
        Ok(sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot delete the API token"))?
            .rows_affected()
            > 0)
    }

    /// Appends to the audit log.
    pub async fn insert_audit(&self, e: &AuditEntry) -> Result<()> {
        sqlx::query("INSERT INTO audit (id, at, server_id, tool, arguments, outcome, records_affected, request_id, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&e.id)
            .bind(e.at)
            .bind(&e.server_id)
            .bind(&e.tool)
            .bind(&e.arguments)
            .bind(&e.outcome)
            .bind(e.records_affected)
            .bind(&e.request_id)
            .bind(e.duration_ms)
            .execute(&self.pool)
            .await
            .map_err(failed("cannot write the audit log"))?;
        Ok(())
    }

    /// Audit entries matching `filter`, newest first, one page.
    pub async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let page_size = filter.page_size.unwrap_or(100).clamp(1, 500) as i64;
        let offset = (filter.page.unwrap_or(1).max(1) as i64 - 1) * page_size;
        // Every filter is always bound, in order; an absent one matches everything.
        let rows = sqlx::query(
            "SELECT * FROM audit WHERE ($1 = '' OR server_id = $1) AND ($2 = '' OR tool = $2) \
             AND at >= $3 AND at < $4 ORDER BY at DESC, id DESC LIMIT $5 OFFSET $6",
        )
        .bind(filter.server.clone().unwrap_or_default())
        .bind(filter.tool.clone().unwrap_or_default())
        .bind(filter.from.unwrap_or(i64::MIN))
        .bind(filter.to.unwrap_or(i64::MAX))
        .bind(page_size)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(failed("cannot read the audit log"))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    server_id: r.try_get("server_id")?,
                    tool: r.try_get("tool")?,
                    arguments: r.try_get("arguments")?,
                    outcome: r.try_get("outcome")?,
                    records_affected: r.try_get("records_affected")?,
                    request_id: r.try_get("request_id")?,
                    duration_ms: r.try_get("duration_ms")?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(failed("cannot read an audit entry"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The database URLs the storage tests run on: in-memory SQLite always, and PostgreSQL
    /// when `CASPIO_MCP_TEST_POSTGRES` names one (CI starts one).
    pub fn urls() -> Vec<String> {
        let mut urls = vec!["sqlite::memory:".to_string()];
        if let Ok(pg) = std::env::var("CASPIO_MCP_TEST_POSTGRES") {
            urls.push(pg);
        }
        urls
    }

    #[tokio::test]
    async fn everything_round_trips_on_every_backend() {
        for url in urls() {
            let store = Store::open(&url).await.unwrap();
            // Migrating twice (a restart, a second replica) is harmless.
            store.migrate().await.unwrap();
            let c = store
                .insert_connection("Acme", "acme.caspio.com", "id", "SEALED")
                .await
                .unwrap();
            assert_eq!(store.connection(&c.id).await.unwrap().unwrap().name, "Acme");
            let config = ServerConfig {
                tags: vec!["users".into()],
                read_only: true,
                tool_exposure: "discovery".into(),
                ..Default::default()
            };
            let hash = format!("hash-{}", new_id());
            let s = store
                .insert_server(&c.id, "users", &config, &hash, Some(now_ms() + 60_000))
                .await
                .unwrap();
            let found = store
                .live_server_by_token(&hash, now_ms())
                .await
                .unwrap()
                .unwrap();
            assert_eq!((found.id.as_str(), &found.config), (s.id.as_str(), &config));
            // At the expiry instant the URL stops working; the sweeper then deletes it.
            let at = s.expires_at.unwrap();
            assert!(store
                .live_server_by_token(&hash, at)
                .await
                .unwrap()
                .is_none());
            assert!(store
                .live_server_by_token(&hash, at - 1)
                .await
                .unwrap()
                .is_some());
            assert!(store.sweep_expired(at).await.unwrap() >= 1);
            assert!(store.server(&c.id, &s.id).await.unwrap().is_none());
            // API tokens and the audit log.
            let token_hash = format!("api-{}", new_id());
            let t = store.insert_api_token("ci", &token_hash).await.unwrap();
            assert!(store.api_token_exists(&token_hash).await.unwrap());
            assert!(store
                .api_tokens()
                .await
                .unwrap()
                .iter()
                .any(|x| x.id == t.id));
            assert!(store.delete_api_token(&t.id).await.unwrap());
            assert!(!store.api_token_exists(&token_hash).await.unwrap());
            let entry = AuditEntry {
                id: new_id(),
                at: now_ms(),
                server_id: s.id.clone(),
                tool: "list_all_caspio_users".into(),
                arguments: "{}".into(),
                outcome: "ok".into(),
                records_affected: None,
                request_id: Some("r1".into()),
                duration_ms: 3,
            };
            store.insert_audit(&entry).await.unwrap();
            let read = store
                .audit(&AuditFilter {
                    server: Some(s.id.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(read, std::slice::from_ref(&entry));
            let none = store
                .audit(&AuditFilter {
                    server: Some(s.id.clone()),
                    tool: Some("other".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(none.is_empty());
            assert!(store.delete_connection(&c.id).await.unwrap());
            assert!(!store.delete_connection(&c.id).await.unwrap());
        }
    }
}
