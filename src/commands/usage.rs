//! `mailsweep usage`: size per folder against the quota, for one or many mailboxes.

use anyhow::Result;
use futures::StreamExt;

use crate::cli::{GlobalArgs, SizeMethodArg, UsageArgs};
use crate::config::Config;
use crate::exit::ExitCode;
use crate::imap;
use crate::model::{SourceSpec, UsageReport};
use crate::report::{self, Format, UsageOutcome};
use crate::secret::Credentials;
use crate::source::{self, Target};
use crate::{error, pop, store};

/// Default number of mailboxes measured at once.
const DEFAULT_JOBS: usize = 4;
/// Default IMAP connections per mailbox.
const DEFAULT_CONNECTIONS: usize = 4;

pub async fn run(global: &GlobalArgs, args: UsageArgs) -> Result<ExitCode> {
    let (config, _) = Config::load(global.config.as_deref())?;
    let thresholds = super::quota_thresholds(&args.warn, &args.crit, &config)?;
    let targets = source::resolve(global, &config, &args.sources, &args.target)?;
    let creds = source::credentials(&targets)?;
    let jobs = args.target.jobs.map(usize::from).or(config.defaults.jobs).unwrap_or(DEFAULT_JOBS).max(1);
    let imap_opts = imap::UsageOptions {
        route: match args.size_method {
            SizeMethodArg::Auto => imap::Route::Auto,
            SizeMethodArg::Status => imap::Route::Status,
            SizeMethodArg::Fetch => imap::Route::Fetch,
        },
        dates: args.dates,
        connections: args.connections.map(usize::from).unwrap_or(DEFAULT_CONNECTIONS),
    };

    let runs = targets.iter().zip(creds.iter()).map(|(t, c)| measure(t, c.as_ref(), imap_opts));
    let results: Vec<Result<UsageReport>> = futures::stream::iter(runs).buffered(jobs).collect().await;

    let single = targets.len() == 1;
    let mut outcomes = Vec::with_capacity(results.len());
    let mut worst_error: Option<anyhow::Error> = None;
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(mut report) => {
                report.sort_and_truncate(args.sort, args.top);
                outcomes.push(UsageOutcome::Report(report));
            }
            Err(e) => {
                let e = e.context(format!("cannot measure {}", t.label()));
                outcomes.push(UsageOutcome::Failed {
                    source: t.spec.to_string(),
                    account: t.account.clone(),
                    error: error::one_line(&e),
                });
                if !single {
                    // Errors and their hints go to stderr; the report keeps one line each.
                    let _ = error::render(&e, &mut std::io::stderr().lock());
                }
                let replace = worst_error.as_ref().is_none_or(|w| error::exit_code(&e) > error::exit_code(w));
                if replace {
                    worst_error = Some(e);
                }
            }
        }
    }

    // One mailbox that could not be measured: a table or JSON would only repeat the
    // error, so it goes to stderr alone. Monitoring formats always print their line.
    if single
        && matches!(args.format, Format::Table | Format::Json)
        && let Some(e) = worst_error
    {
        return Err(e);
    }
    let opts = super::render_options(global.color, thresholds);
    super::emit(|out| Ok(report::render_usage(out, &outcomes, args.format, &opts)?))?;
    let mut code = ExitCode::from(report::usage_status(&outcomes, &thresholds));
    if let Some(e) = worst_error {
        code = code.max(error::exit_code(&e));
    }
    Ok(code)
}

/// Measures one target by whatever its source is.
async fn measure(t: &Target, creds: Option<&Credentials>, opts: imap::UsageOptions) -> Result<UsageReport> {
    let source = t.spec.to_string();
    match (&t.spec, creds) {
        (SourceSpec::Server(s), Some(c)) => match s.protocol {
            crate::model::Protocol::Imap => imap::usage(s, &t.net, c, opts, source, t.account.clone()).await,
            crate::model::Protocol::Pop3 => {
                let mut r = pop::usage(s, &t.net, c, s.security == crate::model::Security::Plain, source).await?;
                r.account = t.account.clone();
                Ok(r)
            }
        },
        (SourceSpec::Maildir(p), _) => with_account(store::usage(store::LocalKind::Maildir, p, source).await, t),
        (SourceSpec::Mbox(p), _) => with_account(store::usage(store::LocalKind::Mbox, p, source).await, t),
        (SourceSpec::Server(_), None) => Err(anyhow::anyhow!("no credentials for {source}")),
    }
}

fn with_account(r: Result<UsageReport>, t: &Target) -> Result<UsageReport> {
    r.map(|mut r| {
        r.account = t.account.clone();
        r
    })
}
