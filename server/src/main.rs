//! `caspio-mcp`: serves the generated Caspio tools to MCP clients.

use caspio_mcp::config::{self, Account, FileConfig};
use caspio_mcp::handler::Context;
use caspio_mcp::http::HttpConfig;
use caspio_mcp::{catalog, sandbox};
use std::sync::Arc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "caspio-mcp", version, about = "MCP server for Caspio accounts")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
struct UpstreamArgs {
    /// Use an embedded sandbox with the demo account instead of a real account.
    #[arg(long)]
    sandbox: bool,
    /// Keep the embedded sandbox's data in this SQLite file (default: in memory).
    #[arg(long, requires = "sandbox")]
    sandbox_db: Option<std::path::PathBuf>,
    /// Account host or integration URL, e.g. c1abc234.caspio.com.
    #[arg(long, env = "CASPIO_ACCOUNT", conflicts_with = "sandbox")]
    account: Option<String>,
    /// Web services profile client id.
    #[arg(long, env = "CASPIO_CLIENT_ID", conflicts_with = "sandbox")]
    client_id: Option<String>,
    /// Web services profile client secret.
    #[arg(
        long,
        env = "CASPIO_CLIENT_SECRET",
        hide_env_values = true,
        conflicts_with = "sandbox"
    )]
    client_secret: Option<String>,
    /// TOML file with any of: account, client_id, client_secret, listen, allowed_hosts,
    /// allowed_origins, stateless, max_body, max_sessions.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// What a 429 from Caspio does: passthrough returns it to the model at once; backoff waits
    /// (honouring Retry-After) and retries idempotent calls.
    #[arg(long = "on-429", value_enum, default_value_t = On429::Passthrough)]
    on_429: On429,
    /// With --on-429 backoff: attempts in all, the first included.
    #[arg(long, default_value_t = 4)]
    max_attempts: u32,
    /// Stay under this many Caspio requests per window, e.g. 2000/300 (requests/seconds).
    #[arg(long, value_parser = config::parse_budget)]
    budget: Option<(usize, u64)>,
    /// Largest request in bytes: an HTTP body, or one line on stdio (at least 1024; the default
    /// fits a 20 MB upload in base64).
    #[arg(long, value_parser = config::parse_max_body)]
    max_body: Option<usize>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum On429 {
    Passthrough,
    Backoff,
}

/// The request cap: the flag, else the config file's `max_body`, else the default.
fn max_body(args: &UpstreamArgs, file: &FileConfig) -> anyhow::Result<usize> {
    config::max_body(args.max_body.or(file.max_body))
}

/// Applies the limit settings to a client.
fn with_limits(client: caspio::Client, args: &UpstreamArgs) -> caspio::Client {
    let client = client.into_runtime();
    let client = match args.on_429 {
        On429::Passthrough => client,
        On429::Backoff => {
            client.with_retry(caspio::RetryPolicy::backoff().with_max_attempts(args.max_attempts))
        }
    };
    caspio::Client::from_runtime(match args.budget {
        Some((n, secs)) => client.with_budget(n, std::time::Duration::from_secs(secs)),
        None => client,
    })
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    upstream: UpstreamArgs,
    /// Address to listen on. Loopback by default: expose it deliberately.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Host names clients may reach the server by (repeatable; `*` for any). Needed behind a
    /// reverse proxy or when listening on a public address.
    #[arg(long = "allowed-host")]
    allowed_hosts: Vec<String>,
    /// Browser origins allowed besides loopback ones (repeatable).
    #[arg(long = "allowed-origin")]
    allowed_origins: Vec<String>,
    /// Serve /mcp without sessions, for load-balanced replicas.
    #[arg(long)]
    stateless: bool,
    /// Most sessions open at once (Streamable HTTP and legacy SSE each); more are refused with
    /// 503 until some close. Idle sessions close after five minutes.
    #[arg(long, value_parser = config::parse_max_sessions)]
    max_sessions: Option<usize>,
}

#[derive(clap::Args)]
struct SandboxArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8900)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// SQLite file holding the data; restarting on the same file keeps it.
    #[arg(long, default_value = "caspio-sandbox.db", conflicts_with = "memory")]
    db: std::path::PathBuf,
    /// Keep the data in memory only.
    #[arg(long)]
    memory: bool,
    /// Client id the token endpoint accepts.
    #[arg(
        long,
        env = "CASPIO_SANDBOX_CLIENT_ID",
        default_value = "sandbox-client"
    )]
    client_id: String,
    /// Client secret the token endpoint accepts.
    #[arg(
        long,
        env = "CASPIO_SANDBOX_CLIENT_SECRET",
        default_value = "sandbox-secret"
    )]
    client_secret: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tools { json } => print_tools(json),
        Command::Serve(args) => run(serve(args)),
        Command::Stdio(args) => run(stdio(args)),
        Command::Sandbox(args) => run_sandbox(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(f);
    // Tokio reads stdin with a blocking read that cannot be cancelled; dropping the runtime
    // would wait for it, so a stdio server told to stop would hang until its client wrote a
    // line. Everything that must finish has finished inside `f`.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

fn init_logs(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("CASPIO_MCP_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The account the tools act on, and the sandbox serving it when embedded.
async fn upstream(
    args: &UpstreamArgs,
    file: &FileConfig,
) -> anyhow::Result<(caspio::Client, Option<sandbox::Running>)> {
    if args.sandbox {
        let config = sandbox::SandboxConfig {
            database: args.sandbox_db.clone(),
            ..Default::default()
        };
        let running = sandbox::Sandbox::open(config.clone())
            .map_err(|e| anyhow::anyhow!(e))?
            .serve("127.0.0.1:0".parse()?)
            .await?;
        let client = caspio::Client::new(
            &running.base_url,
            caspio::Credentials::ClientCredentials {
                client_id: config.client_id,
                client_secret: config.client_secret,
            },
        )?;
        tracing::info!(sandbox = %running.base_url, "embedded Caspio sandbox with the demo account");
        return Ok((with_limits(client, args), Some(running)));
    }
    let account = Account::resolve(
        args.account.clone(),
        args.client_id.clone(),
        args.client_secret.clone(),
        file,
    )?;
    let client = caspio::Client::new(
        &account.url,
        caspio::Credentials::ClientCredentials {
            client_id: account.client_id,
            client_secret: account.client_secret,
        },
    )?;
    tracing::info!(account = client.account_url(), "Caspio account");
    Ok((with_limits(client, args), None))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logs(args.upstream.log_format);
    let file = match &args.upstream.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let (client, sandbox) = upstream(&args.upstream, &file).await?;
    let ctx = Arc::new(Context::new(client, caspio::registry(), |_| true)?);
    let listen: std::net::SocketAddr = match (args.listen, &file.listen) {
        (Some(l), _) => l,
        (None, Some(l)) => l
            .parse()
            .map_err(|e| anyhow::anyhow!("listen `{l}` in the config file: {e}"))?,
        (None, None) => "127.0.0.1:8080".parse()?,
    };
    let http = HttpConfig {
        allowed_hosts: if args.allowed_hosts.is_empty() {
            file.allowed_hosts.clone()
        } else {
            args.allowed_hosts.clone()
        },
        allowed_origins: if args.allowed_origins.is_empty() {
            file.allowed_origins.clone()
        } else {
            args.allowed_origins.clone()
        },
        stateless: args.stateless || file.stateless.unwrap_or(false),
        max_body: max_body(&args.upstream, &file)?,
        max_sessions: config::max_sessions(args.max_sessions.or(file.max_sessions))?,
    };
    let shutdown = tokio_util::sync::CancellationToken::new();
    let app = caspio_mcp::http::router(ctx, http, shutdown.clone());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let base = format!("http://{host}:{}", addr.port());
    println!(
        "caspio-mcp {} serving {} tools",
        env!("CARGO_PKG_VERSION"),
        caspio::registry().tools().len()
    );
    if sandbox.is_some() {
        println!("  upstream:        embedded sandbox (demo account; nothing leaves this machine)");
    }
    println!("  Streamable HTTP: {base}/mcp");
    println!("  legacy SSE:      {base}/sse");
    println!("  client config:   {{\"mcpServers\":{{\"caspio\":{{\"type\":\"http\",\"url\":\"{base}/mcp\"}}}}}}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let stop = shutdown.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing calls in flight");
            stop.cancel();
        })
        .await?;
    if let Some(s) = sandbox {
        s.task.abort();
    }
    Ok(())
}

async fn stdio(args: UpstreamArgs) -> anyhow::Result<()> {
    init_logs(args.log_format);
    let file = match &args.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let max_line = max_body(&args, &file)?;
    let (client, sandbox) = upstream(&args, &file).await?;
    let ctx = Arc::new(Context::new(client, caspio::registry(), |_| true)?);
    tokio::select! {
        r = caspio_mcp::stdio::serve(ctx, tokio::io::stdin(), tokio::io::stdout(), max_line) => r?,
        _ = shutdown_signal() => {}
    }
    if let Some(s) = sandbox {
        s.task.abort();
    }
    Ok(())
}

fn run_sandbox(args: SandboxArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let config = sandbox::SandboxConfig {
            client_id: args.client_id.clone(),
            client_secret: args.client_secret.clone(),
            database: (!args.memory).then(|| args.db.clone()),
            ..Default::default()
        };
        let running = sandbox::Sandbox::open(config)
            .map_err(|e| anyhow::anyhow!(e))?
            .serve(std::net::SocketAddr::new(args.bind, args.port))
            .await?;
        println!("Caspio sandbox (REST v3) at {}", running.base_url);
        println!("  token endpoint: {}/oauth/token", running.base_url);
        println!(
            "  API base:       {}/integrations/rest/v3",
            running.base_url
        );
        println!("  client id:      {}", args.client_id);
        println!("  client secret:  {}", args.client_secret);
        match &running.sandbox.config().database {
            Some(p) => println!("  data:           {}", p.display()),
            None => println!("  data:           in memory"),
        }
        tokio::signal::ctrl_c().await?;
        running.task.abort();
        Ok(())
    })
}

fn print_tools(json: bool) -> anyhow::Result<()> {
    let tools = catalog::mcp_tools(caspio::registry().tools().iter().copied())?;
    let text = if json {
        serde_json::to_string_pretty(&tools)? + "\n"
    } else {
        let width = tools.iter().map(|t| t.name.len()).max().unwrap_or(0);
        let mut text = String::new();
        for t in &tools {
            let first = first_sentence(t.description.as_deref().unwrap_or_default());
            text.push_str(&format!("{:width$}  {first}\n", t.name));
        }
        text
    };
    write_stdout(&text)
}

/// Writes `text` to stdout. A reader that stops early (`caspio-mcp tools --json | grep -q x`,
/// `| head`) closes the pipe; like other Unix tools we then stop quietly and succeed, where
/// `println!` would panic and fail the pipeline.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The first sentence: up to a full stop followed by a space and a capital letter, so
/// abbreviations such as "e.g. x" do not cut it short.
fn first_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices(". ") {
        if bytes.get(i + 2).is_some_and(u8::is_ascii_uppercase) {
            return &text[..i];
        }
    }
    text.trim_end_matches('.')
}
