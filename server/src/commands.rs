//! What each subcommand does, once its settings are resolved: build the account's client (or an
//! embedded sandbox), the request context, and serve it over HTTP or stdio; run the sandbox on
//! its own; print the tool list.

use crate::catalog;
use crate::cli::{LogFormat, On429, SandboxArgs, ServeArgs, UpstreamArgs};
use crate::handler::Context;
use crate::sandbox;
use crate::scope::Exposure;
use crate::settings::{self, Limits, Settings, Upstream};
use std::sync::Arc;

/// The environment, as the settings read it.
fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// Runs a command's future on a fresh runtime.
pub fn run(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
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

/// Applies the pacing settings to a client.
fn with_limits(client: caspio::Client, limits: &Limits) -> caspio::Client {
    let client = client.into_runtime();
    let client = match limits.on_429 {
        On429::Passthrough => client,
        On429::Backoff => {
            client.with_retry(caspio::RetryPolicy::backoff().with_max_attempts(limits.max_attempts))
        }
    };
    caspio::Client::from_runtime(match limits.budget {
        Some((n, secs)) => client.with_budget(n, std::time::Duration::from_secs(secs)),
        None => client,
    })
}

/// The request context: the client, and the tools the settings' scope exposes.
fn context(client: caspio::Client, settings: &Settings) -> anyhow::Result<Context> {
    Ok(Context::scoped(
        client,
        caspio::registry(),
        &settings.scope,
        settings.exposure,
    )?
    .with_policy(settings.policy)
    .with_max_result_tokens(settings.max_result_tokens)
    .with_profile(settings.profile))
}

/// How many tools the scope exposes, and how: "71 tools", "12 tools (--tags users)", or
/// "12 tools through 3 discovery tools".
fn exposure_line(ctx: &Context, settings: &Settings) -> String {
    let scoped = match settings.scope.describe().as_str() {
        "no filters" => String::new(),
        filters => format!(" ({filters})"),
    };
    let tools = match ctx.defs.len() {
        1 => "1 tool".to_string(),
        n => format!("{n} tools"),
    };
    match settings.exposure {
        Exposure::All => format!("{tools}{scoped}"),
        Exposure::Discovery => format!(
            "{tools}{scoped} through {} discovery tools",
            ctx.tools(ctx.profile).len()
        ),
    }
}

/// The most tools the strictest common client passes to its model (Cursor's first 40).
pub const CLIENT_TOOL_CAP: usize = 40;

/// A warning when the list is longer than some clients accept.
fn too_many(ctx: &Context) -> Option<String> {
    (ctx.tools(ctx.profile).len() > CLIENT_TOOL_CAP).then(|| {
        format!(
            "{} tools are listed; Cursor passes only the first {CLIENT_TOOL_CAP} (Windsurf 50) to its model. \
             Narrow the scope (--methods, --tags, --tools, --read-only) or use --tool-exposure discovery",
            ctx.tools(ctx.profile).len()
        )
    })
}

/// The account the tools act on, and the sandbox serving it when embedded.
async fn upstream(
    settings: &Settings,
) -> anyhow::Result<(caspio::Client, Option<sandbox::Running>)> {
    let (client, running) = match &settings.upstream {
        Upstream::Sandbox { db } => {
            let config = sandbox::SandboxConfig {
                database: db.clone(),
                ..Default::default()
            };
            let running = sandbox::Sandbox::open(config.clone())?
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
            (client, Some(running))
        }
        Upstream::Account(account) => {
            let client = caspio::Client::new(
                &account.url,
                caspio::Credentials::ClientCredentials {
                    client_id: account.client_id.clone(),
                    client_secret: account.client_secret.clone(),
                },
            )?;
            tracing::info!(account = client.account_url(), "Caspio account");
            (client, None)
        }
    };
    Ok((with_limits(client, &settings.limits), running))
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

/// `serve`: Streamable HTTP and legacy SSE until a signal.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logs(args.upstream.log_format);
    let file = settings::file_of(&args.upstream)?;
    let settings = settings::resolve_serve(&args, &env, &file)?;
    let (client, sandbox) = upstream(&settings.common).await?;
    let ctx = Arc::new(context(client, &settings.common)?);
    let (listen, http) = (settings.listen, settings.http);
    let backlog = crate::net::backlog_for(http.max_sessions);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let app = crate::http::router(ctx.clone(), http, shutdown.clone());
    let listener = crate::net::bind(listen, backlog)
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let base = format!("http://{host}:{}", addr.port());
    println!(
        "caspio-mcp {} serving {}",
        env!("CARGO_PKG_VERSION"),
        exposure_line(&ctx, &settings.common)
    );
    if let Some(warning) = too_many(&ctx) {
        println!("  warning:         {warning}");
    }
    if sandbox.is_some() {
        println!("  upstream:        embedded sandbox (demo account; nothing leaves this machine)");
    }
    println!("  Streamable HTTP: {base}/mcp");
    println!("  legacy SSE:      {base}/sse");
    println!("  client config:   {{\"mcpServers\":{{\"caspio\":{{\"type\":\"http\",\"url\":\"{base}/mcp\"}}}}}}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let stop = shutdown.clone();
    axum::serve(crate::net::no_delay(listener), app)
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

/// `hosted`: many scoped MCP servers and the admin API, until a signal.
pub async fn hosted(args: crate::cli::HostedArgs) -> anyhow::Result<()> {
    use crate::hosted::{secrets, store::Store, Hosted};
    init_logs(args.log_format);
    let file = match &args.config {
        Some(p) => crate::config::FileConfig::load(p)?,
        None => Default::default(),
    };
    let settings = settings::resolve_hosted(&args, &env, &file)?;
    let (key, made_key) = match settings.master_key {
        Some(k) => (k, None),
        None => {
            let (k, text) = secrets::MasterKey::generate()?;
            (k, Some(text))
        }
    };
    let (admin_token, made_token) = match settings.admin_token.clone() {
        Some(t) => (t, false),
        None => (secrets::new_token()?, true),
    };
    let store = Store::open(&settings.database_url).await?;
    let listener = crate::net::bind(
        settings.listen,
        crate::net::backlog_for(settings.http.max_sessions),
    )
    .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{host}:{}", addr.port()));
    let mut sandbox_connection = None;
    let running = if settings.sandbox {
        let config = sandbox::SandboxConfig::default();
        let running = sandbox::Sandbox::open(config.clone())?
            .serve("127.0.0.1:0".parse()?)
            .await?;
        let sealed = key.seal(&config.client_secret)?;
        let existing = store.connections().await?;
        let c = match existing.into_iter().find(|c| c.name == "Demo account") {
            Some(mut c) => {
                // The sandbox listens on a new port each start.
                c.account = running.base_url.clone();
                c.client_id = config.client_id.clone();
                c.client_secret_sealed = sealed;
                store.update_connection(&c).await?
            }
            None => {
                store
                    .insert_connection(
                        "Demo account",
                        &running.base_url,
                        &config.client_id,
                        &sealed,
                    )
                    .await?
            }
        };
        sandbox_connection = Some(c.id);
        Some(running)
    } else {
        None
    };
    let hosted = Arc::new(Hosted::new(
        store,
        key,
        secrets::hash_token(&admin_token),
        base.clone(),
        settings.http.max_body,
    ));
    let sweeper = hosted.spawn_sweeper(crate::hosted::SWEEP_EVERY);
    let app = crate::hosted::router(hosted, settings.http);
    println!("caspio-mcp {} hosted mode", env!("CARGO_PKG_VERSION"));
    println!("  admin API:       {base}/admin  (Authorization: Bearer <admin token>)");
    println!("  MCP servers:     {base}/mcp/<token>, created through the admin API");
    if made_token {
        println!("  admin token:     {admin_token}  (made up for this run)");
    }
    if made_key.is_some() {
        println!("  master key:      made up for this run; secrets stored now will not open after a restart");
    }
    if let Some(id) = &sandbox_connection {
        println!("  connection:      {id}  (the embedded demo account)");
        println!(
            "  try:             caspio-mcp admin --url {base} --admin-token <admin token> servers create {id} --name directories --tags directories,users --read-only true"
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(crate::net::no_delay(listener), app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing calls in flight");
        })
        .await?;
    sweeper.abort();
    if let Some(s) = running {
        s.task.abort();
    }
    Ok(())
}

/// `stdio`: newline-delimited JSON-RPC on stdin and stdout until either closes or a signal.
pub async fn stdio(args: UpstreamArgs) -> anyhow::Result<()> {
    init_logs(args.log_format);
    let file = settings::file_of(&args)?;
    let settings = settings::resolve(&args, &env, &file)?;
    let (client, sandbox) = upstream(&settings).await?;
    let ctx = Arc::new(context(client, &settings)?);
    // stdout carries the protocol: what a person should read goes to stderr.
    eprintln!(
        "caspio-mcp serving {} over stdio",
        exposure_line(&ctx, &settings)
    );
    if let Some(warning) = too_many(&ctx) {
        eprintln!("warning: {warning}");
    }
    tokio::select! {
        r = crate::stdio::serve(ctx, tokio::io::stdin(), tokio::io::stdout(), settings.max_body) => r?,
        _ = shutdown_signal() => {}
    }
    if let Some(s) = sandbox {
        s.task.abort();
    }
    Ok(())
}

/// `sandbox`: the stand-in account on its own, until Ctrl-C.
pub fn run_sandbox(args: SandboxArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let config = sandbox::SandboxConfig {
            client_id: args.client_id.clone(),
            client_secret: args.client_secret.clone(),
            database: (!args.memory).then(|| args.db.clone()),
            ..Default::default()
        };
        let running = sandbox::Sandbox::open(config)?
            .serve(std::net::SocketAddr::new(args.bind, args.port))
            .await?;
        let faults = sandbox::FaultSettings {
            latency_ms: args.latency_ms,
            error_every: args.error_every,
            drop_every: args.drop_every,
            quota: args.quota.map_or(0, |(n, _)| n as u64),
            quota_seconds: args.quota.map_or(0, |(_, s)| s),
            token_lifetime_s: args.token_lifetime_s,
            refuse_tokens: args.refuse_tokens,
        };
        running
            .sandbox
            .apply(&faults)
            .map_err(|e| anyhow::anyhow!("fault switches: {e}"))?;
        println!("Caspio sandbox (REST v3) at {}", running.base_url);
        println!("  token endpoint: {}/oauth/token", running.base_url);
        println!(
            "  API base:       {}/integrations/rest/v3",
            running.base_url
        );
        println!("  client id:      {}", args.client_id);
        println!("  client secret:  {}", args.client_secret);
        println!(
            "  fault switches: {}/_sandbox/faults (GET to read, PUT to change)",
            running.base_url
        );
        match &running.sandbox.config().database {
            Some(p) => println!("  data:           {}", p.display()),
            None => println!("  data:           in memory"),
        }
        tokio::signal::ctrl_c().await?;
        running.task.abort();
        Ok(())
    })
}

/// `tools`: the tool list, as names and first sentences or as `tools/list` JSON.
pub fn print_tools(json: bool, profile: crate::profile::Profile) -> anyhow::Result<()> {
    let tools = catalog::mcp_tools(caspio::registry().tools().iter().copied())?;
    let tools = catalog::profiled(&tools, profile)?;
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
