//! `caspio-mcp admin ...`: the admin API from the command line, for people who script
//! deployments. Each command is one request; the answer is printed as JSON, and an error answer
//! (with its `code`) fails the command.

use crate::cli::{
    AdminArgs, AdminCommand, ApiTokenCommand, ConnectionCommand, ServerCommand, ServerOptions,
};
use reqwest::Method;
use serde_json::{json, Map, Value};

/// The request a command makes: method, path (with query) and body.
fn request_of(command: &AdminCommand) -> (Method, String, Option<Value>) {
    use AdminCommand::*;
    match command {
        Connections(c) => match c {
            ConnectionCommand::List => (Method::GET, "/admin/connections".into(), None),
            ConnectionCommand::Get { id } => {
                (Method::GET, format!("/admin/connections/{id}"), None)
            }
            ConnectionCommand::Create {
                name,
                account,
                client_id,
                client_secret,
            } => (
                Method::POST,
                "/admin/connections".into(),
                Some(
                    json!({"name": name, "account": account, "client_id": client_id, "client_secret": client_secret}),
                ),
            ),
            ConnectionCommand::Update {
                id,
                name,
                account,
                client_id,
                client_secret,
            } => {
                let mut body = Map::new();
                for (k, v) in [
                    ("name", name),
                    ("account", account),
                    ("client_id", client_id),
                    ("client_secret", client_secret),
                ] {
                    if let Some(v) = v {
                        body.insert(k.into(), json!(v));
                    }
                }
                (
                    Method::PATCH,
                    format!("/admin/connections/{id}"),
                    Some(Value::Object(body)),
                )
            }
            ConnectionCommand::Delete { id } => {
                (Method::DELETE, format!("/admin/connections/{id}"), None)
            }
        },
        Servers(s) => match s {
            ServerCommand::List { connection } => (
                Method::GET,
                format!("/admin/connections/{connection}/mcp"),
                None,
            ),
            ServerCommand::Get { connection, id } => (
                Method::GET,
                format!("/admin/connections/{connection}/mcp/{id}"),
                None,
            ),
            ServerCommand::Create {
                connection,
                options,
            } => (
                Method::POST,
                format!("/admin/connections/{connection}/mcp"),
                Some(server_body(options)),
            ),
            ServerCommand::Update {
                connection,
                id,
                options,
            } => (
                Method::PATCH,
                format!("/admin/connections/{connection}/mcp/{id}"),
                Some(server_body(options)),
            ),
            ServerCommand::Delete { connection, id } => (
                Method::DELETE,
                format!("/admin/connections/{connection}/mcp/{id}"),
                None,
            ),
        },
        ApiTokens(t) => match t {
            ApiTokenCommand::List => (Method::GET, "/admin/api-tokens".into(), None),
            ApiTokenCommand::Create { name } => (
                Method::POST,
                "/admin/api-tokens".into(),
                Some(json!({"name": name})),
            ),
            ApiTokenCommand::Delete { id } => {
                (Method::DELETE, format!("/admin/api-tokens/{id}"), None)
            }
        },
        Audit {
            server,
            tool,
            from,
            to,
            page,
            page_size,
        } => {
            let mut query: Vec<(&str, String)> = Vec::new();
            for (k, v) in [
                ("server", server),
                ("tool", tool),
                ("from", from),
                ("to", to),
            ] {
                if let Some(v) = v {
                    query.push((k, v.clone()));
                }
            }
            for (k, v) in [("page", page), ("page_size", page_size)] {
                if let Some(v) = v {
                    query.push((k, v.to_string()));
                }
            }
            let query: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        percent_encoding::utf8_percent_encode(
                            v,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                })
                .collect();
            let path = if query.is_empty() {
                "/admin/audit".to_string()
            } else {
                format!("/admin/audit?{}", query.join("&"))
            };
            (Method::GET, path, None)
        }
    }
}

/// The JSON body of a server's options: only the options given.
fn server_body(o: &ServerOptions) -> Value {
    let mut config = Map::new();
    for (k, v) in [
        ("methods", &o.methods),
        ("tags", &o.tags),
        ("tools", &o.tools),
    ] {
        if let Some(v) = v {
            config.insert(k.into(), json!(v));
        }
    }
    for (k, v) in [
        ("read_only", o.read_only),
        ("require_api_token_auth", o.require_api_token_auth),
    ] {
        if let Some(v) = v {
            config.insert(k.into(), json!(v));
        }
    }
    if let Some(e) = &o.tool_exposure {
        config.insert("tool_exposure".into(), json!(e));
    }
    let mut body = Map::new();
    if let Some(name) = &o.name {
        body.insert("name".into(), json!(name));
    }
    if !config.is_empty() {
        body.insert("config".into(), Value::Object(config));
    }
    match o.expires_at.as_deref() {
        Some("never") => {
            body.insert("expires_at".into(), Value::Null);
        }
        Some(t) => {
            body.insert("expires_at".into(), json!(t));
        }
        None => {}
    }
    Value::Object(body)
}

/// Runs one admin command against the deployment.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let url = args
        .url
        .or_else(|| std::env::var("CASPIO_MCP_URL").ok())
        .ok_or_else(|| anyhow::anyhow!("missing url: pass --url or set CASPIO_MCP_URL"))?;
    let token = args
        .admin_token
        .or_else(|| std::env::var("CASPIO_MCP_ADMIN_TOKEN").ok())
        .ok_or_else(|| {
            anyhow::anyhow!("missing admin token: pass --admin-token or set CASPIO_MCP_ADMIN_TOKEN")
        })?;
    let (method, path, body) = request_of(&args.command);
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", url.trim_end_matches('/')))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach {url}: {}", caspio::runtime::describe(&e)))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !status.is_success() {
        let code = answer["error"]["code"].as_str().unwrap_or("http_error");
        let message = answer["error"]["message"].as_str().unwrap_or(text.as_str());
        anyhow::bail!("{code} (HTTP {}): {message}", status.as_u16());
    }
    if !answer.is_null() {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn request(argv: &str) -> (Method, String, Option<Value>) {
        let argv = std::iter::once("caspio-mcp").chain(argv.split_whitespace());
        let Command::Admin(args) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("not admin");
        };
        request_of(&args.command)
    }

    #[test]
    fn each_command_is_the_request_the_api_documents() {
        // (command line, method, path, body)
        let cases = [
            ("admin connections list", Method::GET, "/admin/connections", None),
            ("admin connections create --name A --account a.caspio.com --client-id i --client-secret s", Method::POST, "/admin/connections",
                Some(json!({"name": "A", "account": "a.caspio.com", "client_id": "i", "client_secret": "s"}))),
            ("admin connections update c1 --name B", Method::PATCH, "/admin/connections/c1", Some(json!({"name": "B"}))),
            ("admin connections delete c1", Method::DELETE, "/admin/connections/c1", None),
            ("admin servers create c1 --name dirs --tags directories,users --read-only true --tool-exposure discovery --expires-at 2030-01-01T00:00:00Z",
                Method::POST, "/admin/connections/c1/mcp",
                Some(json!({"name": "dirs", "config": {"tags": ["directories", "users"], "read_only": true, "tool_exposure": "discovery"}, "expires_at": "2030-01-01T00:00:00Z"}))),
            ("admin servers update c1 s1 --require-api-token-auth true --expires-at never", Method::PATCH, "/admin/connections/c1/mcp/s1",
                Some(json!({"config": {"require_api_token_auth": true}, "expires_at": null}))),
            ("admin servers list c1", Method::GET, "/admin/connections/c1/mcp", None),
            ("admin servers delete c1 s1", Method::DELETE, "/admin/connections/c1/mcp/s1", None),
            ("admin api-tokens create --name ci", Method::POST, "/admin/api-tokens", Some(json!({"name": "ci"}))),
            ("admin api-tokens delete t1", Method::DELETE, "/admin/api-tokens/t1", None),
            ("admin audit --server s1 --from 2026-01-01T00:00:00Z --page 2", Method::GET, "/admin/audit?server=s1&from=2026%2D01%2D01T00%3A00%3A00Z&page=2", None),
        ];
        for (argv, method, path, body) in cases {
            assert_eq!(request(argv), (method, path.to_string(), body), "{argv}");
        }
    }
}
