//! One module per subcommand: thin orchestration between the CLI, the adapters and the
//! renderers. Each returns the exit code of its run.

mod archive;
mod attachments;
mod bounces;
mod deleters;
mod deleters_live;
mod doctor;
mod probe;
mod usage;

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::cli::{Cli, ColorChoice, Command};
use crate::error;
use crate::exit::ExitCode;
use crate::model::Thresholds;
use crate::model::when::parse_cutoff;
use crate::report::RenderOptions;
use crate::source::Target;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Probe(args) => probe::run(&cli.global, args).await,
        Command::Usage(args) => usage::run(&cli.global, args).await,
        Command::Deleters(args) => deleters::run(&cli.global, args),
        Command::Attachments(args) => attachments::run(&cli.global, args).await,
        Command::Archive(args) => archive::run(&cli.global, args).await,
        Command::Bounces(args) => bounces::run(&cli.global, args).await,
        Command::Doctor(args) => doctor::run(&cli.global, args).await,
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

/// Writes a rendered report to stdout as it is rendered, through one buffer: a big report
/// (the JSON of thousands of attachments) is not held whole. A broken pipe surfaces as an
/// error that main turns into exit 0.
fn emit(render: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    render(&mut out)?;
    out.flush()?;
    Ok(())
}

/// The one target of a command that works on one mailbox at a time; several (or none) is
/// a usage error.
fn one_target<'a>(targets: &'a [Target], command: &str) -> Result<&'a Target> {
    match targets {
        [target] => Ok(target),
        _ => Err(error::usage_hint(
            format!("{command} works on one mailbox at a time ({} given)", targets.len()),
            "name one source, one --account, or one --user",
        )),
    }
}

/// A cutoff option (`--since 30d`, `--older-than 2024-01-15`, see [`parse_cutoff`]); a bad
/// one is a usage error naming the option.
fn cutoff(value: &str, option: &str, now: jiff::Timestamp) -> Result<jiff::Timestamp> {
    parse_cutoff(value, now).map_err(|e| error::usage(format!("{option}: {e}")))
}

/// Quota thresholds: `--warn`/`--crit`, else the config's defaults, else 80/95; a bad
/// value is a usage error.
fn quota_thresholds(
    warn: &Option<String>,
    crit: &Option<String>,
    config: &crate::config::Config,
) -> Result<Thresholds> {
    let d = Thresholds::default();
    let pick = |arg: &Option<String>, cfg: Option<f64>, default: f64| -> Result<f64> {
        match arg {
            Some(s) => crate::model::status::parse_percent(s).map_err(crate::error::usage),
            None => Ok(cfg.unwrap_or(default)),
        }
    };
    let warn = pick(warn, config.defaults.warn, d.warn)?;
    let crit = pick(crit, config.defaults.crit, d.crit)?;
    Thresholds::new(warn, crit).map_err(crate::error::usage)
}
