//! The command line: what each subcommand takes. Parsing only; where a setting's value comes
//! from when the flag is absent (environment, config file, default) is decided in
//! [`crate::settings`].

use crate::config;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "caspio-mcp", version, about = "MCP server for Caspio accounts")]
#[allow(missing_docs)]
pub struct Cli {
    #[command(subcommand)]
    /// What to do.
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// List the tools: names and one-line descriptions, or with --json the array of tool objects
    /// exactly as a client receives it from tools/list.
    Tools {
        /// Print the tools/list JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the tools over Streamable HTTP (/mcp) and legacy SSE (/sse).
    Serve(ServeArgs),
    /// Serve the tools over stdio, for desktop clients that launch a process.
    Stdio(UpstreamArgs),
    /// Run a local Caspio-compatible REST v3 server (the demo account) on its own.
    Sandbox(SandboxArgs),
}

/// Which Caspio account the tools act on.
#[derive(clap::Args)]
pub struct UpstreamArgs {
    /// Use an embedded sandbox with the demo account instead of a real account.
    #[arg(long)]
    pub sandbox: bool,
    /// Keep the embedded sandbox's data in this SQLite file (default: in memory).
    #[arg(long, requires = "sandbox")]
    pub sandbox_db: Option<std::path::PathBuf>,
    /// Account host or integration URL, e.g. c1abc234.caspio.com [env: CASPIO_ACCOUNT].
    #[arg(long, conflicts_with = "sandbox")]
    pub account: Option<String>,
    /// Web services profile client id [env: CASPIO_CLIENT_ID].
    #[arg(long, conflicts_with = "sandbox")]
    pub client_id: Option<String>,
    /// Web services profile client secret [env: CASPIO_CLIENT_SECRET].
    #[arg(long, conflicts_with = "sandbox")]
    pub client_secret: Option<String>,
    /// Expose only tools of these methods: read, write, custom, or exact kinds such as list,
    /// delete, run (comma-separated; config key `methods`).
    #[arg(long, value_delimiter = ',')]
    pub methods: Vec<String>,
    /// Expose only tools with one of these tags: tables, fields, records, views, attachments,
    /// files, folders, webhooks, tasks, applications, datapages, deployments, directories, users
    /// (comma-separated; config key `tags`).
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Expose only these tools, by name (comma-separated; config key `tools`).
    #[arg(long, value_delimiter = ',')]
    pub tools: Vec<String>,
    /// Expose only tools that change nothing (config key `read_only`).
    #[arg(long)]
    pub read_only: bool,
    /// `all` lists every tool in scope; `discovery` lists three meta-tools that search, describe
    /// and call them, for clients with small tool caps (config key `tool_exposure`).
    #[arg(long, value_parser = crate::scope::Exposure::parse)]
    pub tool_exposure: Option<crate::scope::Exposure>,
    /// TOML file with any of: account, client_id, client_secret, listen, allowed_hosts,
    /// allowed_origins, stateless, max_body, max_sessions, methods, tags, tools, read_only,
    /// tool_exposure.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What a 429 from Caspio does: passthrough returns it to the model at once; backoff waits
    /// (honouring Retry-After) and retries idempotent calls.
    #[arg(long = "on-429", value_enum, default_value_t = On429::Passthrough)]
    pub on_429: On429,
    /// With --on-429 backoff: attempts in all, the first included.
    #[arg(long, default_value_t = 4)]
    pub max_attempts: u32,
    /// Stay under this many Caspio requests per window, e.g. 2000/300 (requests/seconds).
    #[arg(long, value_parser = config::parse_budget)]
    pub budget: Option<(usize, u64)>,
    /// Largest request in bytes: an HTTP body, or one line on stdio (at least 1024; the default
    /// fits a 20 MB upload in base64).
    #[arg(long, value_parser = config::parse_max_body)]
    pub max_body: Option<usize>,
}

/// What a 429 from Caspio does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum On429 {
    // Returned to the model at once, saying when to retry.
    Passthrough,
    // Idempotent calls wait (honouring Retry-After) and retry.
    Backoff,
}

/// How logs are written on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    // For people.
    Text,
    // One JSON object a line, for collectors.
    Json,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub upstream: UpstreamArgs,
    /// Address to listen on. Loopback by default: expose it deliberately.
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Host names clients may reach the server by (repeatable; `*` for any). Needed behind a
    /// reverse proxy or when listening on a public address.
    #[arg(long = "allowed-host")]
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed besides loopback ones (repeatable).
    #[arg(long = "allowed-origin")]
    pub allowed_origins: Vec<String>,
    /// Serve /mcp without sessions, for load-balanced replicas.
    #[arg(long)]
    pub stateless: bool,
    /// Most sessions open at once (Streamable HTTP and legacy SSE each); more are refused with
    /// 503 until some close. Idle sessions close after five minutes.
    #[arg(long, value_parser = config::parse_max_sessions)]
    pub max_sessions: Option<usize>,
}

#[derive(clap::Args)]
pub struct SandboxArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8900)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// SQLite file holding the data; restarting on the same file keeps it.
    #[arg(long, default_value = "caspio-sandbox.db", conflicts_with = "memory")]
    pub db: std::path::PathBuf,
    /// Keep the data in memory only.
    #[arg(long)]
    pub memory: bool,
    /// Client id the token endpoint accepts.
    #[arg(
        long,
        env = "CASPIO_SANDBOX_CLIENT_ID",
        default_value = "sandbox-client"
    )]
    pub client_id: String,
    /// Client secret the token endpoint accepts.
    #[arg(
        long,
        env = "CASPIO_SANDBOX_CLIENT_SECRET",
        default_value = "sandbox-secret"
    )]
    pub client_secret: String,
}
