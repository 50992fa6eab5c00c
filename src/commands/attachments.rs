//! `mailsweep attachments`: the attachments that eat the quota, on any source.

use anyhow::{Context, Result};

use crate::cli::{AttachmentsArgs, GlobalArgs};
use crate::config::Config;
use crate::exit::ExitCode;
use crate::model::mime::report::{AttachmentSort, AttachmentsReport, Counts, Filter, Keep, archive_command};
use crate::model::size::parse_size;
use crate::model::status::parse_percent;
use crate::model::{Protocol, SourceSpec, Thresholds};
use crate::report::attachments::{self as render, View};
use crate::source::{self, Target};
use crate::{error, imap, pop, store};

/// Share of the quota held by big attachments that makes the status WARNING / CRITICAL.
const DEFAULT_WARN: f64 = 25.0;
const DEFAULT_CRIT: f64 = 50.0;

pub async fn run(global: &GlobalArgs, args: AttachmentsArgs) -> Result<ExitCode> {
    render::check_format(args.format)?;
    let (config, _) = Config::load(global.config.as_deref())?;
    let thresholds = thresholds(&args)?;
    let filter = filter(&args, jiff::Timestamp::now())?;
    let sources: Vec<String> = args.source.iter().cloned().collect();
    let targets = source::resolve(global, &config, &sources, &args.target)?;
    let target = super::one_target(&targets, "attachments")?;
    if args.download_candidates && !matches!(&target.spec, SourceSpec::Server(s) if s.protocol == Protocol::Pop3) {
        return Err(error::usage(
            "--download-candidates applies to POP3 sources (IMAP and local stores show structure)",
        ));
    }
    let creds = source::credentials(&targets)?;
    let keep = keep(args.format, args.sort, args.top);
    let (mut report, counts) = search(target, creds[0].as_ref(), &filter, args.download_candidates, keep)
        .await
        .with_context(|| format!("cannot search {} for attachments", target.label()))?;
    report.account = target.account.clone();
    let totals = report.totals_of(counts);

    let archive = archive_command(&target.spec.to_string(), args.min_size.trim(), &filter.folder_globs);
    let view =
        View { report: &report, filter: &filter, sort: args.sort, top: args.top, totals, archive_command: archive };
    let opts = super::render_options(global.color, thresholds);
    super::emit(|out| Ok(render::render(out, &view, args.format, &opts)?))?;
    Ok(match args.format {
        crate::report::Format::Nagios => ExitCode::from(totals.status(&thresholds)),
        _ => ExitCode::Ok,
    })
}

/// What the scan must keep for `format` to print: the Nagios line only needs the totals,
/// `--top N` the N first rows and messages; otherwise every finding is listed.
fn keep(format: crate::report::Format, sort: AttachmentSort, top: Option<usize>) -> Keep {
    match (format, top) {
        (crate::report::Format::Nagios, _) => Keep::Nothing,
        (_, Some(n)) => Keep::Top(sort, n),
        (_, None) => Keep::All,
    }
}

fn thresholds(args: &AttachmentsArgs) -> Result<Thresholds> {
    let pick = |arg: &Option<String>, default: f64| match arg {
        Some(s) => parse_percent(s).map_err(error::usage),
        None => Ok(default),
    };
    Thresholds::new(pick(&args.warn, DEFAULT_WARN)?, pick(&args.crit, DEFAULT_CRIT)?).map_err(error::usage)
}

/// The filter from the arguments; any mistake is a usage error naming the option.
fn filter(args: &AttachmentsArgs, now: jiff::Timestamp) -> Result<Filter> {
    let min_size = parse_size(&args.min_size).map_err(|e| error::usage(format!("--min-size: {e}")))?;
    if min_size == 0 {
        return Err(error::usage("--min-size must be more than 0 (every part of every message would match)"));
    }
    let older = args.older_than.as_deref().map(|s| super::cutoff(s, "--older-than", now)).transpose()?;
    let newer = args.newer_than.as_deref().map(|s| super::cutoff(s, "--newer-than", now)).transpose()?;
    Filter::new(min_size, &args.folders, &args.types, older, newer).map_err(error::usage)
}

async fn search(
    t: &Target,
    creds: Option<&crate::secret::Credentials>,
    filter: &Filter,
    download: bool,
    keep: Keep,
) -> Result<(AttachmentsReport, Counts)> {
    let source = t.spec.to_string();
    match (&t.spec, creds) {
        (SourceSpec::Server(s), Some(c)) => match s.protocol {
            Protocol::Imap => imap::attachments_keeping(s, &t.net, c, filter, keep, source).await,
            Protocol::Pop3 => pop::attachments::attachments_keeping(s, &t.net, c, filter, download, keep, source).await,
        },
        (SourceSpec::Maildir(p), _) => local(store::LocalKind::Maildir, p, filter, keep, source).await,
        (SourceSpec::Mbox(p), _) => local(store::LocalKind::Mbox, p, filter, keep, source).await,
        (SourceSpec::Server(_), None) => Err(anyhow::anyhow!("no credentials for {source}")),
    }
}

async fn local(
    kind: store::LocalKind,
    root: &std::path::Path,
    filter: &Filter,
    keep: Keep,
    source: String,
) -> Result<(AttachmentsReport, Counts)> {
    let (root, filter) = (root.to_path_buf(), filter.clone());
    store::scan_off_runtime(move || store::attachments::scan_keeping(kind, &root, &filter, keep, source)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> AttachmentsArgs {
        let mut argv = vec!["mailsweep", "attachments", "maildir:/x"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            crate::cli::Command::Attachments(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn arguments_become_a_filter() {
        let now: jiff::Timestamp = "2024-06-01T00:00:00Z".parse().unwrap();
        let f = filter(&args(&[]), now).unwrap();
        assert_eq!(f.min_size, 5 * 1024 * 1024);
        let f =
            filter(&args(&["--min-size", "1.5GB", "--folder", "A*", "--type", "image/*", "--older-than", "1y"]), now)
                .unwrap();
        assert_eq!(f.min_size, 1_500_000_000);
        assert_eq!(f.older_than, Some("2023-06-01T00:00:00Z".parse().unwrap()));
        assert!(f.keeps_type("image/jpeg") && !f.keeps_type("text/plain"));
        for bad in [&["--min-size", "lots"][..], &["--min-size", "0"], &["--older-than", "soon"], &["--folder", "a[b"]]
        {
            let e = filter(&args(bad), now).unwrap_err();
            assert_eq!(error::exit_code(&e), ExitCode::Unknown, "{bad:?}");
        }
        let t = thresholds(&args(&[])).unwrap();
        assert_eq!((t.warn, t.crit), (25.0, 50.0));
        assert!(thresholds(&args(&["--warn", "60"])).is_err());
    }
}
