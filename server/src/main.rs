//! `caspio-mcp`: serves the generated Caspio tools to MCP clients.

use caspio_mcp::{catalog, sandbox};

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
    /// Run a local Caspio-compatible REST v3 server (the demo account) on its own.
    Sandbox(SandboxArgs),
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
    let tools = catalog::mcp_tools(caspio::tools::all())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&tools)?);
        return Ok(());
    }
    let width = tools.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &tools {
        let description = t.description.as_deref().unwrap_or_default();
        let first = first_sentence(description);
        println!("{:width$}  {first}", t.name);
    }
    Ok(())
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
