//! `caspio-mcp`: serves the generated Caspio tools to MCP clients.

mod catalog;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tools { json } => print_tools(json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
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
