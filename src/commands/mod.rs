//! One module per subcommand: thin orchestration between the CLI, the adapters and the
//! renderers. Each returns the exit code of its run.

mod archive;
mod attachments;
mod bounces;
mod deleters;
mod deleters_live;
mod probe;
mod usage;

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::cli::{Cli, ColorChoice, Command};
use crate::exit::ExitCode;
use crate::model::Thresholds;
use crate::report::RenderOptions;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Probe(args) => probe::run(&cli.global, args).await,
        Command::Usage(args) => usage::run(&cli.global, args).await,
        Command::Deleters(args) => deleters::run(&cli.global, args),
        Command::Attachments(args) => attachments::run(&cli.global, args).await,
        Command::Archive(args) => archive::run(&cli.global, args).await,
        Command::Bounces(args) => bounces::run(&cli.global, args).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut cmd, "mailsweep", &mut out);
            out.flush()?;
            Ok(ExitCode::Ok)
        }
    }
}

/// Rendering options from the global flags and the terminal.
fn render_options(color: ColorChoice, thresholds: Thresholds) -> RenderOptions {
    let tty = std::io::stdout().is_terminal();
    let mut opts = RenderOptions::new(thresholds);
    opts.color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none(),
    };
    opts.width = if tty { terminal_width() } else { None };
    opts
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

/// Writes a rendered report to stdout in one go (a broken pipe surfaces as an error
/// that main turns into exit 0).
fn emit(render: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(())
}
