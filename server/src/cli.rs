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
        /// With input schemas shaped for default, openai-strict or gemini.
        #[arg(long, value_parser = crate::profile::Profile::parse, default_value = "default")]
        schema_profile: crate::profile::Profile,
    },
    /// Serve the tools over Streamable HTTP (/mcp) and legacy SSE (/sse).
    Serve(ServeArgs),
    /// Serve the tools over stdio, for desktop clients that launch a process.
    Stdio(UpstreamArgs),
    /// Run a local Caspio-compatible REST v3 server (the demo account) on its own.
    Sandbox(SandboxArgs),
    /// Hosted mode: many scoped MCP servers from one process or many replicas, each at its own
    /// secret URL (/mcp/<token>), managed through the admin API (/admin).
    Hosted(HostedArgs),
    /// Manage a hosted deployment through its admin API.
    Admin(AdminArgs),
}

#[derive(clap::Args)]
pub struct HostedArgs {
    /// Start with one connection to an embedded sandbox (the demo account); a master key and an
    /// admin token are made up and printed when not given, and the data is kept in memory.
    #[arg(long)]
    pub sandbox: bool,
    /// sqlite://path/to/file.db (the default: caspio-mcp.db), sqlite::memory:, or
    /// postgres://user:password@host/db for replicas [env: CASPIO_MCP_DATABASE_URL].
    #[arg(long)]
    pub database_url: Option<String>,
    /// A file holding the master key (32 bytes, base64) that seals connection secrets
    /// [env: CASPIO_MCP_MASTER_KEY holds the key itself].
    #[arg(long)]
    pub master_key_file: Option<std::path::PathBuf>,
    /// The admin API's bearer token [env: CASPIO_MCP_ADMIN_TOKEN].
    #[arg(long)]
    pub admin_token: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// The URL clients reach this deployment by, for the server URLs the admin API answers
    /// (default: http://<listen address>).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Host names clients may reach the server by (repeatable; `*` for any).
    #[arg(long = "allowed-host")]
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed besides loopback ones (repeatable).
    #[arg(long = "allowed-origin")]
    pub allowed_origins: Vec<String>,
    /// TOML file with any of: database_url, master_key_file, admin_token, listen, public_url,
    /// allowed_hosts, allowed_origins, max_body.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(clap::Args)]
pub struct AdminArgs {
    /// The hosted deployment, e.g. http://127.0.0.1:8080 [env: CASPIO_MCP_URL].
    #[arg(long)]
    pub url: Option<String>,
    /// The admin token [env: CASPIO_MCP_ADMIN_TOKEN].
    #[arg(long)]
    pub admin_token: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The admin API's resources.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Caspio accounts.
    #[command(subcommand)]
    Connections(ConnectionCommand),
    /// MCP servers of a connection.
    #[command(subcommand)]
    Servers(ServerCommand),
    /// API tokens (for servers that require one).
    #[command(subcommand, name = "api-tokens")]
    ApiTokens(ApiTokenCommand),
    /// The audit log of tool calls.
    Audit {
        /// One MCP server's calls.
        #[arg(long)]
        server: Option<String>,
        /// One tool's calls.
        #[arg(long)]
        tool: Option<String>,
        /// At or after this time (RFC 3339 or Unix seconds).
        #[arg(long)]
        from: Option<String>,
        /// Before this time.
        #[arg(long)]
        to: Option<String>,
        /// Page, from 1.
        #[arg(long)]
        page: Option<u32>,
        /// Entries a page (at most 500).
        #[arg(long)]
        page_size: Option<u32>,
    },
}

/// `admin connections ...`.
#[derive(Subcommand)]
pub enum ConnectionCommand {
    /// Every connection.
    List,
    /// One connection.
    Get { id: String },
    /// Adds a connection (the secret is sealed and never shown again).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        account: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
    },
    /// Changes a connection.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long)]
        client_secret: Option<String>,
    },
    /// Deletes a connection and its MCP servers.
    Delete { id: String },
}

/// A server's scope and options on the command line.
#[derive(clap::Args, Default)]
pub struct ServerOptions {
    /// Its name.
    #[arg(long)]
    pub name: Option<String>,
    /// Method classes or kinds (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub methods: Option<Vec<String>>,
    /// Tags (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tags: Option<Vec<String>>,
    /// Tool names (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tools: Option<Vec<String>>,
    /// Only tools that change nothing (true or false).
    #[arg(long)]
    pub read_only: Option<bool>,
    /// Requests must carry an API token (true or false).
    #[arg(long)]
    pub require_api_token_auth: Option<bool>,
    /// all or discovery.
    #[arg(long)]
    pub tool_exposure: Option<String>,
    /// When its URL stops working (RFC 3339), or `never`.
    #[arg(long)]
    pub expires_at: Option<String>,
}

/// `admin servers ...`.
#[derive(Subcommand)]
pub enum ServerCommand {
    /// A connection's MCP servers.
    List { connection: String },
    /// One MCP server.
    Get { connection: String, id: String },
    /// Adds an MCP server; prints its URL (with its secret token) once.
    Create {
        connection: String,
        #[command(flatten)]
        options: ServerOptions,
    },
    /// Changes an MCP server (the options given; the rest stay).
    Update {
        connection: String,
        id: String,
        #[command(flatten)]
        options: ServerOptions,
    },
    /// Deletes an MCP server: its URL stops working at once.
    Delete { connection: String, id: String },
}

/// `admin api-tokens ...`.
#[derive(Subcommand)]
pub enum ApiTokenCommand {
    /// Every API token (names and ids only).
    List,
    /// Adds an API token; prints it once.
    Create {
        #[arg(long)]
        name: String,
    },
    /// Deletes an API token.
    Delete { id: String },
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
    /// A guarded write that changes more records than this needs the user's confirmation (one
    /// that changes every record always does); default 100 (config key `confirm_over`).
    #[arg(long)]
    pub confirm_over: Option<u64>,
    /// Never ask for confirmation: for unattended jobs whose operator has decided (config key
    /// `allow_bulk`).
    #[arg(long)]
    pub allow_bulk: bool,
    /// The most tokens one tool result may cost (estimated); longer row lists are cut at a record
    /// boundary, saying how to get the rest; default 20000 (config key `max_result_tokens`).
    #[arg(long)]
    pub max_result_tokens: Option<usize>,
    /// Input schemas shaped for the client's model: default, openai-strict or gemini; a
    /// connection may ask for another with `?profile=` on its URL (config key `schema_profile`).
    #[arg(long, value_parser = crate::profile::Profile::parse)]
    pub schema_profile: Option<crate::profile::Profile>,
    /// TOML file with any of: account, client_id, client_secret, listen, allowed_hosts,
    /// allowed_origins, stateless, max_body, max_sessions, methods, tags, tools, read_only,
    /// tool_exposure, confirm_over, allow_bulk, max_result_tokens, schema_profile.
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
    /// Delay added to every API answer, in milliseconds (a real account answers in 50-300 ms).
    /// These switches can also be changed while it runs: PUT /_sandbox/faults.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// One API answer in this many is a 500.
    #[arg(long, default_value_t = 0)]
    pub error_every: u64,
    /// One connection in this many is dropped mid-answer.
    #[arg(long, default_value_t = 0)]
    pub drop_every: u64,
    /// At most REQUESTS per SECONDS (429 with Retry-After past it), e.g. 100/60.
    #[arg(long, value_parser = crate::config::parse_budget)]
    pub quota: Option<(usize, u64)>,
    /// Access tokens live this many seconds (Caspio's: 86,399).
    #[arg(long)]
    pub token_lifetime_s: Option<u64>,
    /// The token endpoint answers 503 to every request (an identity outage).
    #[arg(long)]
    pub refuse_tokens: bool,
}
