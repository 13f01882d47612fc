//! Hosted mode through HTTP, against the sandbox: the admin API's every route and error, secret
//! URLs stored only as hashes, API-token auth, expiry at the instant and across a restart,
//! unknown, deleted and expired URLs answered alike, and the audit log.

use super::support::open_sse;
use caspio_mcp::hosted::secrets::{hash_token, MasterKey};
use caspio_mcp::hosted::store::Store;
use caspio_mcp::hosted::{self, Hosted};
use caspio_mcp::http::HttpConfig;
use caspio_mcp::sandbox::{Running, Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ADMIN: &str = "admin-token-for-the-tests";

/// A hosted deployment on loopback over a SQLite file, with the sandbox as its Caspio account.
struct Deployment {
    base: String,
    task: tokio::task::JoinHandle<()>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.task.abort();
        self.sweeper.abort();
    }
}

async fn deploy(db: &Path, key: &str) -> Deployment {
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let listener =
        caspio_mcp::net::bind("127.0.0.1:0".parse().unwrap(), caspio_mcp::net::MIN_BACKLOG)
            .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let h = Arc::new(Hosted::new(
        store,
        MasterKey::from_base64(key).unwrap(),
        hash_token(ADMIN),
        base.clone(),
        HttpConfig::default().max_body,
    ));
    let sweeper = h.spawn_sweeper(std::time::Duration::from_millis(200));
    let app = hosted::router(h, HttpConfig::default());
    let task = tokio::spawn(async move {
        axum::serve(caspio_mcp::net::no_delay(listener), app)
            .await
            .unwrap()
    });
    Deployment {
        base,
        task,
        sweeper,
    }
}

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caspio-hosted-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("hosted.db")
}

async fn sandbox() -> Running {
    Sandbox::open(SandboxConfig::default())
        .unwrap()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// An admin request: the status, and the JSON answered (Null for none).
async fn admin(
    d: &Deployment,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    admin_as(d, Some(ADMIN), method, path, body).await
}

async fn admin_as(
    d: &Deployment,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = reqwest::Client::new().request(method, format!("{}{path}", d.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let response = r.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A JSON-RPC request to an MCP URL: status, headers and the message answered.
async fn rpc(
    url: &str,
    bearer: Option<&str>,
    message: Value,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(b) = bearer {
        r = r.bearer_auth(b);
    }
    let response = r.body(message.to_string()).send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn call(url: &str, bearer: Option<&str>, tool: &str, arguments: Value) -> Value {
    let (status, _, answer) = rpc(
        url,
        bearer,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The demo account as a connection.
async fn connect(d: &Deployment, sandbox: &Running) -> String {
    let config = sandbox.sandbox.config();
    let (status, c) = admin(
        d,
        Method::POST,
        "/admin/connections",
        Some(json!({"name": "Demo", "account": sandbox.base_url, "client_id": config.client_id, "client_secret": config.client_secret})),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// A sandbox, a deployment on a fresh database, and the sandbox as its connection.
async fn setup() -> (Running, Deployment, String) {
    let sandbox = sandbox().await;
    let d = deploy(&temp_db(), &MasterKey::generate().unwrap().1).await;
    let c = connect(&d, &sandbox).await;
    (sandbox, d, c)
}

/// Creates an MCP server of connection `c`; its answer (with `url` and `token`).
async fn create_server(d: &Deployment, c: &str, body: Value) -> Value {
    let (status, created) = admin(
        d,
        Method::POST,
        &format!("/admin/connections/{c}/mcp"),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn the_admin_api_answers_every_route_and_refuses_bad_requests_with_a_code() {
    let (sandbox, d, c) = setup().await;
    let server = create_server(&d, &c, json!({"name": "s", "config": {"tags": ["users"]}})).await;
    let s = server["id"].as_str().unwrap().to_string();
    let (_, token) = admin(
        &d,
        Method::POST,
        "/admin/api-tokens",
        Some(json!({"name": "ci"})),
    )
    .await;
    let t = token["id"].as_str().unwrap().to_string();
    let conn = format!("/admin/connections/{c}");
    let servers = format!("/admin/connections/{c}/mcp");
    let one = format!("/admin/connections/{c}/mcp/{s}");
    // (method, path, body, status, error code or a field the answer has)
    let cases: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
        (
            Method::GET,
            "/admin/connections".into(),
            None,
            200,
            "connections",
        ),
        (Method::GET, conn.clone(), None, 200, "account"),
        (
            Method::PATCH,
            conn.clone(),
            Some(json!({"name": "Renamed"})),
            200,
            "updated_at",
        ),
        (Method::GET, servers.clone(), None, 200, "mcp_servers"),
        (Method::GET, one.clone(), None, 200, "config"),
        (
            Method::PATCH,
            one.clone(),
            Some(json!({"config": {"read_only": true}})),
            200,
            "config",
        ),
        (
            Method::GET,
            "/admin/api-tokens".into(),
            None,
            200,
            "api_tokens",
        ),
        (Method::GET, "/admin/audit".into(), None, 200, "entries"),
        // Bad requests, each with its code.
        (
            Method::POST,
            "/admin/connections".into(),
            Some(json!({"name": "x"})),
            400,
            "missing_field",
        ),
        (
            Method::POST,
            "/admin/connections".into(),
            Some(
                json!({"name": "x", "account": "http://example.com", "client_id": "i", "client_secret": "s"}),
            ),
            400,
            "invalid_account",
        ),
        (
            Method::POST,
            "/admin/connections".into(),
            Some(json!({"name": "x", "acount": "y"})),
            400,
            "invalid_json",
        ),
        (
            Method::POST,
            servers.clone(),
            Some(json!({"name": "n", "config": {"tags": ["webhooks"], "methods": ["run"]}})),
            400,
            "empty_scope",
        ),
        (
            Method::POST,
            servers.clone(),
            Some(json!({"name": "n", "config": {"tags": ["tabels"]}})),
            400,
            "invalid_config",
        ),
        (
            Method::POST,
            servers.clone(),
            Some(json!({"name": "n", "config": {"colour": "red"}})),
            400,
            "invalid_config",
        ),
        (
            Method::POST,
            servers.clone(),
            Some(json!({"name": "n", "expires_at": "tomorrow"})),
            400,
            "invalid_time",
        ),
        (
            Method::POST,
            servers.clone(),
            Some(json!({"name": "n", "expires_at": "2001-01-01T00:00:00Z"})),
            400,
            "invalid_time",
        ),
        (
            Method::PATCH,
            one.clone(),
            Some(json!({"config": ["not", "an", "object"]})),
            400,
            "invalid_config",
        ),
        (
            Method::GET,
            "/admin/connections/nope".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            "/admin/connections/nope/mcp".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            format!("{servers}/nope"),
            None,
            404,
            "not_found",
        ),
        (
            Method::DELETE,
            "/admin/api-tokens/nope".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            "/admin/audit?page=x".into(),
            None,
            400,
            "invalid_query",
        ),
        // Deletions last.
        (
            Method::DELETE,
            format!("/admin/api-tokens/{t}"),
            None,
            204,
            "",
        ),
        (Method::DELETE, one.clone(), None, 204, ""),
        (Method::DELETE, conn.clone(), None, 204, ""),
        (Method::GET, conn.clone(), None, 404, "not_found"),
    ];
    for (method, path, body, status, says) in cases {
        let (got, answer) = admin(&d, method.clone(), &path, body.clone()).await;
        assert_eq!(got.as_u16(), status, "{method} {path} {body:?}: {answer}");
        if status >= 400 {
            assert_eq!(answer["error"]["code"], says, "{method} {path}: {answer}");
            assert!(answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
        } else if !says.is_empty() {
            assert!(answer.get(says).is_some(), "{method} {path}: {answer}");
        }
    }
    // Never a secret in an answer.
    let (_, listed) = admin(&d, Method::GET, "/admin/connections", None).await;
    assert!(!listed.to_string().contains("sandbox-secret"));
    // Without the admin token, or with another, every route is refused, with the challenge.
    for token in [None, Some("wrong-token-wrong-token")] {
        for (method, path) in [
            (Method::GET, "/admin/connections"),
            (Method::POST, "/admin/api-tokens"),
            (Method::GET, "/admin/audit"),
        ] {
            let response = {
                let mut r =
                    reqwest::Client::new().request(method.clone(), format!("{}{path}", d.base));
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                r.json(&json!({"name": "x"})).send().await.unwrap()
            };
            assert_eq!(response.status(), 401, "{method} {path}");
            assert!(response.headers().contains_key("www-authenticate"));
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer["error"]["code"], "unauthorized");
        }
    }
    sandbox.task.abort();
}

#[tokio::test]
async fn a_server_url_serves_its_scope_and_the_database_holds_no_token_or_secret() {
    let sandbox = sandbox().await;
    let db = temp_db();
    let d = deploy(&db, &MasterKey::generate().unwrap().1).await;
    let c = connect(&d, &sandbox).await;
    let (status, created) = admin(
        &d,
        Method::POST,
        &format!("/admin/connections/{c}/mcp"),
        Some(json!({"name": "directories", "config": {"tags": ["directories", "users"], "read_only": true}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (url, token) = (
        created["url"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );
    assert_eq!(url, format!("{}/mcp/{token}", d.base));
    // The token is shown once: never again.
    let (_, again) = admin(
        &d,
        Method::GET,
        &format!(
            "/admin/connections/{c}/mcp/{}",
            created["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert!(again.get("token").is_none() && !again.to_string().contains(token));
    let (status, _, list) = rpc(
        url,
        None,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["list_all_caspio_directories", "list_all_caspio_users"]
    );
    let users = call(
        url,
        None,
        "list_all_caspio_users",
        json!({"directory_id": "402", "select": "Email"}),
    )
    .await;
    assert!(
        users["result"]["structuredContent"]["Result"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{users}"
    );
    // Out of scope: answered as a tool that does not exist.
    let hidden = call(
        url,
        None,
        "delete_a_caspio_user_by_id",
        json!({"directory_id": "402", "where": "1=1"}),
    )
    .await;
    assert_eq!(
        hidden["error"]["message"],
        "unknown tool `delete_a_caspio_user_by_id`"
    );
    // The database file: the token's hash, never the token, and never the client secret.
    let bytes = std::fs::read(&db).unwrap();
    let wal = std::fs::read(db.with_extension("db-wal")).unwrap_or_default();
    let all = [bytes, wal].concat();
    let contains = |needle: &str| all.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains(&hash_token(token)), "the hash is stored");
    assert!(!contains(token), "the token is not");
    assert!(!contains("sandbox-secret"), "the client secret is not");
    sandbox.task.abort();
}

#[tokio::test]
async fn api_token_auth_is_required_when_the_server_says_so() {
    let (sandbox, d, c) = setup().await;
    let created = create_server(
        &d,
        &c,
        json!({"name": "locked", "config": {"require_api_token_auth": true, "tags": ["tables"]}}),
    )
    .await;
    let url = created["url"].as_str().unwrap().to_string();
    let (_, api) = admin(
        &d,
        Method::POST,
        "/admin/api-tokens",
        Some(json!({"name": "ci"})),
    )
    .await;
    let api_token = api["token"].as_str().unwrap().to_string();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    // (bearer, status)
    for (bearer, status) in [
        (None, 401),
        (Some("not-a-token"), 401),
        (Some(api_token.as_str()), 200),
    ] {
        let (got, headers, answer) = rpc(&url, bearer, ping.clone()).await;
        assert_eq!(got.as_u16(), status, "{bearer:?}: {answer}");
        if status == 401 {
            assert!(headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
        }
    }
    // A deleted API token stops working.
    admin(
        &d,
        Method::DELETE,
        &format!("/admin/api-tokens/{}", api["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(rpc(&url, Some(&api_token), ping).await.0, 401);
    sandbox.task.abort();
}

#[tokio::test]
async fn expired_deleted_and_unknown_urls_are_answered_alike_and_a_restart_revives_none() {
    let sandbox = sandbox().await;
    let db = temp_db();
    let key = MasterKey::generate().unwrap().1;
    let d = deploy(&db, &key).await;
    let c = connect(&d, &sandbox).await;
    let expires = std::time::SystemTime::now() + std::time::Duration::from_millis(1500);
    let expires = humantime::format_rfc3339_millis(expires).to_string();
    let short = create_server(
        &d,
        &c,
        json!({"name": "short", "config": {"tags": ["tables"]}, "expires_at": expires}),
    )
    .await;
    let deleted = create_server(
        &d,
        &c,
        json!({"name": "deleted", "config": {"tags": ["tables"]}}),
    )
    .await;
    let kept = create_server(
        &d,
        &c,
        json!({"name": "kept", "config": {"tags": ["tables"]}}),
    )
    .await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let short_url = short["url"].as_str().unwrap().to_string();
    assert_eq!(
        rpc(&short_url, None, ping.clone()).await.0,
        200,
        "before its expiry"
    );
    admin(
        &d,
        Method::DELETE,
        &format!(
            "/admin/connections/{c}/mcp/{}",
            deleted["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let unknown = format!("{}/mcp/{}", d.base, "A".repeat(43));
    let answers: Vec<(StatusCode, Value)> = futures::future::join_all(
        [
            short_url.as_str(),
            deleted["url"].as_str().unwrap(),
            unknown.as_str(),
        ]
        .map(|u| async {
            let (s, _, a) = rpc(u, None, ping.clone()).await;
            (s, a)
        }),
    )
    .await;
    assert_eq!(answers[0].0, 404, "{:?}", answers[0]);
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    // A restart on the same database: the expired server stays gone, the kept one works.
    drop(d);
    let d = deploy(&db, &key).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, _) = admin(
        &d,
        Method::GET,
        &format!(
            "/admin/connections/{c}/mcp/{}",
            short["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(status, 404, "the sweeper deleted it durably");
    let kept_url = kept["url"].as_str().unwrap().replace(
        &kept["url"].as_str().unwrap()[..kept["url"].as_str().unwrap().find("/mcp/").unwrap()],
        &d.base,
    );
    assert_eq!(
        rpc(&kept_url, None, ping.clone()).await.0,
        200,
        "secrets open after a restart with the same key"
    );
    let rows = call(&kept_url, None, "list_all_caspio_tables", json!({})).await;
    assert!(
        rows["result"]["structuredContent"]["Result"].is_array(),
        "{rows}"
    );
    sandbox.task.abort();
}

#[tokio::test]
async fn the_audit_log_records_successes_errors_and_refusals_without_secrets_or_files() {
    let (sandbox, d, c) = setup().await;
    let created = create_server(&d, &c, json!({"name": "all"})).await;
    let (url, id) = (
        created["url"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    let content = "UExFQVNFIERPIE5PVCBMT0cu".repeat(10);
    call(
        url,
        None,
        "list_all_caspio_records",
        json!({"table_name": "Support_Tickets", "select": "Title"}),
    )
    .await;
    call(
        url,
        None,
        "list_all_caspio_records",
        json!({"table_name": "No_Such_Table"}),
    )
    .await;
    call(
        url,
        None,
        "delete_a_caspio_record_by_id",
        json!({"table_name": "Support_Tickets", "where": "1=1"}),
    )
    .await;
    call(
        url,
        None,
        "create_a_caspio_file",
        json!({"files": [{"name": "a.txt", "content_base64": content}]}),
    )
    .await;
    let (_, log) = admin(&d, Method::GET, &format!("/admin/audit?server={id}"), None).await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{log}");
    let outcome = |tool: &str, args_has: &str| {
        entries
            .iter()
            .find(|e| e["tool"] == tool && e["arguments"].as_str().unwrap().contains(args_has))
            .map(|e| e["outcome"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no entry for {tool}: {log}"))
    };
    assert_eq!(outcome("list_all_caspio_records", "Support_Tickets"), "ok");
    assert!(outcome("list_all_caspio_records", "No_Such_Table").starts_with("error: "));
    assert!(outcome("delete_a_caspio_record_by_id", "1=1").starts_with("refused: "));
    assert_eq!(outcome("create_a_caspio_file", "a.txt"), "ok");
    assert!(entries
        .iter()
        .all(|e| e["server_id"] == id && e["at"].is_string()));
    assert!(entries.iter().any(|e| e["request_id"].is_string()));
    let text = log.to_string();
    assert!(
        !text.contains("UExFQVNF") && text.contains("<file, about"),
        "{text}"
    );
    assert!(!text.contains("sandbox-secret"));
    // Filters and paging.
    let (_, one_tool) = admin(
        &d,
        Method::GET,
        &format!("/admin/audit?server={id}&tool=create_a_caspio_file"),
        None,
    )
    .await;
    assert_eq!(one_tool["entries"].as_array().unwrap().len(), 1);
    let (_, page2) = admin(
        &d,
        Method::GET,
        &format!("/admin/audit?server={id}&page=2&page_size=3"),
        None,
    )
    .await;
    assert_eq!(page2["entries"].as_array().unwrap().len(), 1);
    let (_, future) = admin(
        &d,
        Method::GET,
        "/admin/audit?from=2100-01-01T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(future["entries"], json!([]));
    sandbox.task.abort();
}

#[tokio::test]
async fn legacy_sse_clients_reach_a_server_at_its_sse_url() {
    let (sandbox, d, c) = setup().await;
    let created = create_server(
        &d,
        &c,
        json!({"name": "users", "config": {"tags": ["users"], "read_only": true}}),
    )
    .await;
    let token = created["token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let unknown = http
        .get(format!("{}/sse/{}", d.base, "A".repeat(43)))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let (mut stream, endpoint) = open_sse(&http, &format!("{}/sse/{token}", d.base)).await;
    assert!(
        endpoint.starts_with(&format!("/sse/{token}/messages?sessionId=")),
        "{endpoint}"
    );
    for message in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    ] {
        let posted = http
            .post(format!("{}{endpoint}", d.base))
            .json(&message)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 202);
    }
    let events = super::legacy_sse::sse_events(&mut stream, 2).await;
    let list = events
        .iter()
        .map(|(_, data)| serde_json::from_str::<Value>(data).unwrap())
        .find(|m| m["id"] == 2)
        .expect("the tools/list answer");
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["list_all_caspio_users"]);
    sandbox.task.abort();
}

#[tokio::test]
async fn the_hosted_corpus_gets_its_documented_answers_and_leaks_nothing() {
    let (sandbox, d, c) = setup().await;
    let server = create_server(
        &d,
        &c,
        json!({"name": "live", "config": {"tags": ["tables"]}}),
    )
    .await;
    // The URL token: the last segment of the server's URL.
    let token = server["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert!(token.len() >= 32, "{server}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hostile/hosted.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let expand = |text: &str| {
        let mut out = text
            .replace("{token_short}", &token[..token.len() - 1])
            .replace("{token}", &token)
            .replace("{connection}", &c)
            .replace("{admin}", ADMIN);
        while let Some(start) = out.find("${repeat:") {
            let end = start + out[start..].find('}').unwrap();
            let (unit, times) = out[start + 9..end].rsplit_once('*').unwrap();
            out = format!(
                "{}{}{}",
                &out[..start],
                unit.repeat(times.parse().unwrap()),
                &out[end + 1..]
            );
        }
        out
    };
    let http = reqwest::Client::new();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let send = |method: &str, path: String, auth: &str, body: Option<String>| {
        let mut r = http
            .request(method.parse().unwrap(), format!("{}{path}", d.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        r = match auth {
            "admin" => r.bearer_auth(ADMIN),
            "wrong" => r.bearer_auth("wrong-token-wrong-token"),
            "basic" => r.basic_auth(ADMIN, Some(ADMIN)),
            "server" => r.bearer_auth(&token),
            _ => r,
        };
        if let Some(b) = body {
            r = r.body(b);
        }
        async move {
            let response = r.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let unknown = send(
        "POST",
        format!("/mcp/{}", "z".repeat(43)),
        "none",
        Some(ping.clone()),
    )
    .await;
    assert_eq!(unknown.0, 404, "{}", unknown.1);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let body = case["body"]
            .as_str()
            .map(String::from)
            .or_else(|| (method == "POST").then(|| ping.clone()));
        let (status, text) = send(
            method,
            expand(case["path"].as_str().unwrap()),
            case["auth"].as_str().unwrap(),
            body,
        )
        .await;
        if case["like_unknown"] == true {
            assert_eq!(
                (status, &text),
                (unknown.0, &unknown.1),
                "{name}: answered like an unknown token"
            );
        } else {
            assert_eq!(
                status as u64,
                case["status"].as_u64().unwrap(),
                "{name}: {text}"
            );
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if let Some(code) = case.get("code") {
                assert_eq!(&answer["error"]["code"], code, "{name}: {text}");
            }
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{name}: a message says why: {text}"
            );
        }
        for secret in ["sandbox-secret", ADMIN, token.as_str()] {
            assert!(!text.contains(secret), "{name}: the answer shows a secret");
        }
    }
    // The live server still works, and nothing was created by the corpus.
    assert_eq!(
        rpc(
            server["url"].as_str().unwrap(),
            None,
            json!({"jsonrpc": "2.0", "id": 2, "method": "ping"})
        )
        .await
        .0,
        200
    );
    let (_, servers) = admin(
        &d,
        Method::GET,
        &format!("/admin/connections/{c}/mcp"),
        None,
    )
    .await;
    assert_eq!(
        servers["mcp_servers"].as_array().map(Vec::len),
        Some(1),
        "the corpus created no server: {servers}"
    );
    println!(
        "hostile hosted corpus: {} cases, each answered as documented",
        cases.len()
    );
    sandbox.task.abort();
}
