//! `mailsweep probe`: connect, log in, and show what the server offers.

use anyhow::Result;

use crate::cli::{GlobalArgs, ProbeArgs};
use crate::config::Config;
use crate::exit::ExitCode;
use crate::model::{Protocol, Security, SourceSpec, Thresholds};
use crate::report;
use crate::source;
use crate::{error, imap, pop};

pub async fn run(global: &GlobalArgs, args: ProbeArgs) -> Result<ExitCode> {
    report::check_probe_format(args.format)?;
    let (config, _) = Config::load(global.config.as_deref())?;
    let sources: Vec<String> = args.source.into_iter().collect();
    let targets = source::resolve(global, &config, &sources, &args.target)?;
    let target = super::one_target(&targets, "probe")?;
    let label = target.spec.to_string();
    let report = match &target.spec {
        SourceSpec::Server(s) => {
            let creds = source::credentials(&targets)?.remove(0).ok_or_else(|| anyhow::anyhow!("no credentials"))?;
            let r = match s.protocol {
                Protocol::Imap => imap::probe(s, &target.net, &creds, label).await,
                Protocol::Pop3 => pop::probe(s, &target.net, Some(&creds), s.security == Security::Plain).await,
            };
            r.map_err(|e| e.context(format!("cannot reach {}", target.label())))?
        }
        SourceSpec::Maildir(_) | SourceSpec::Mbox(_) => {
            return Err(error::usage_hint(
                format!("{label} is a local store: there is no server to probe"),
                format!("run `mailsweep usage {label}` to measure it"),
            ));
        }
    };
    let opts = super::render_options(global.color, Thresholds::default());
    super::emit(|out| report::render_probe(out, &report, args.format, &opts))?;
    let login_ok = report.login.as_ref().is_some_and(|l| l.ok);
    Ok(if login_ok { ExitCode::Ok } else { ExitCode::Critical })
}
