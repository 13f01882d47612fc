//! `caspio-mcp`: parses the command line and runs the command (see the library's `commands`).

use caspio_mcp::cli::{Cli, Command};
use caspio_mcp::commands;
use clap::Parser;
use std::process::ExitCode;

// Allocation was about a sixth of the server's CPU under load with glibc's allocator (see
// BENCHMARKS.md, "Side by side"); mimalloc's per-thread free lists cut that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Tools {
            json,
            schema_profile,
        } => commands::print_tools(json, schema_profile),
        Command::Serve(args) => commands::run(commands::serve(args)),
        Command::Stdio(args) => commands::run(commands::stdio(args)),
        Command::Sandbox(args) => commands::run_sandbox(args),
        Command::Hosted(args) => commands::run(commands::hosted(args)),
        Command::Admin(args) => commands::run(caspio_mcp::admin_cli::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
