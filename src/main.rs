//! The entry point: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use mailsweep::{cli::Cli, commands, error, exit, report};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; any other parse error is a usage
            // error: 3 (UNKNOWN), not clap's own 2, which means CRITICAL to monitoring.
            return ExitCode::from(if e.use_stderr() { exit::ExitCode::Unknown.code() as u8 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ExitCode::Critical.code() as u8);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code.code() as u8),
        Err(e) if report::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = error::render(&e, &mut std::io::stderr().lock());
            ExitCode::from(error::exit_code(&e).code() as u8)
        }
    }
}
