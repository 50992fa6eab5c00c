//! `mailsweep bounces`: delivery failure reports in a mailbox, classified with the guide's
//! advice. Exit 1 (WARNING) when a recipient's mailbox is full.

use anyhow::{Context, Result};

use crate::cli::{BouncesArgs, GlobalArgs};
use crate::config::Config;
use crate::exit::ExitCode;
use crate::model::bounce::{BouncesReport, Scope};
use crate::model::{Protocol, SourceSpec, Thresholds};
use crate::report::bounces as render;
use crate::source::{self, Target};
use crate::{error, imap, pop, store};

pub async fn run(global: &GlobalArgs, args: BouncesArgs) -> Result<ExitCode> {
    render::check_format(args.format)?;
    let (config, _) = Config::load(global.config.as_deref())?;
    let sources: Vec<String> = args.source.iter().cloned().collect();
    let targets = source::resolve(global, &config, &sources, &args.target)?;
    let target = super::one_target(&targets, "bounces")?;
    let scope = scope(&args, &target.spec, jiff::Timestamp::now())?;
    let pop3 = matches!(&target.spec, SourceSpec::Server(s) if s.protocol == Protocol::Pop3);
    if pop3 && !scope.keeps_folder("INBOX") {
        return Err(error::usage_hint(
            "folders other than INBOX are not available over POP3: it shows only INBOX",
            "use the IMAP address of the same mailbox (imaps://...), or a local copy (maildir:PATH, mbox:PATH)",
        ));
    }
    if args.download_candidates && !pop3 {
        return Err(error::usage("--download-candidates is for POP3 sources (pop3s://...)"));
    }
    let creds = source::credentials(&targets)?;
    let mut report = search(target, creds[0].as_ref(), &scope, args.download_candidates)
        .await
        .with_context(|| format!("cannot search {} for bounces", target.label()))?;
    report.account = target.account.clone();
    let opts = super::render_options(global.color, Thresholds::default());
    super::emit(|out| Ok(render::render(out, &report, args.format, &opts)?))?;
    Ok(ExitCode::from(report.status()))
}

/// The period and folders; any mistake is a usage error naming the option. Without
/// `--folder`: INBOX, where bounces land; an mbox source is one or more files named as
/// they are, so every folder.
fn scope(args: &BouncesArgs, spec: &SourceSpec, now: jiff::Timestamp) -> Result<Scope> {
    let since = super::cutoff(&args.since, "--since", now)?;
    let folders = match (args.folders.is_empty(), spec) {
        (false, _) => args.folders.clone(),
        (true, SourceSpec::Mbox(_)) => Vec::new(),
        (true, _) => vec!["INBOX".to_string()],
    };
    Scope::new(since, &folders).map_err(error::usage)
}

async fn search(
    t: &Target,
    creds: Option<&crate::secret::Credentials>,
    scope: &Scope,
    download: bool,
) -> Result<BouncesReport> {
    let source = t.spec.to_string();
    match (&t.spec, creds) {
        (SourceSpec::Server(s), Some(c)) if s.protocol == Protocol::Pop3 => {
            let plain = s.security == crate::model::Security::Plain;
            pop::bounces::bounces(s, &t.net, c, plain, scope, download, source).await
        }
        (SourceSpec::Server(s), Some(c)) => imap::bounces(s, &t.net, c, scope, source).await,
        (SourceSpec::Maildir(p), _) => local(store::LocalKind::Maildir, p, scope, source).await,
        (SourceSpec::Mbox(p), _) => local(store::LocalKind::Mbox, p, scope, source).await,
        (SourceSpec::Server(_), None) => Err(anyhow::anyhow!("no credentials for {source}")),
    }
}

async fn local(kind: store::LocalKind, root: &std::path::Path, scope: &Scope, source: String) -> Result<BouncesReport> {
    let (root, scope) = (root.to_path_buf(), scope.clone());
    store::scan_off_runtime(move || store::bounces::scan(kind, &root, &scope, source)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> BouncesArgs {
        let mut argv = vec!["mailsweep", "bounces", "maildir:/x"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            crate::cli::Command::Bounces(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn arguments_become_a_scope() {
        let now: jiff::Timestamp = "2025-04-01T00:00:00Z".parse().unwrap();
        let maildir = SourceSpec::Maildir("/x".into());
        let s = scope(&args(&[]), &maildir, now).unwrap();
        assert_eq!(s.since, "2025-03-02T00:00:00Z".parse().unwrap(), "30 days by default");
        assert_eq!(s.folder_globs, ["INBOX"]);
        let s = scope(&args(&[]), &SourceSpec::Mbox("/x".into()), now).unwrap();
        assert!(s.folder_globs.is_empty(), "every mbox file");
        let s = scope(&args(&["--since", "2025-01-15", "--folder", "A*", "--folder", "INBOX"]), &maildir, now).unwrap();
        assert_eq!(s.since, "2025-01-15T00:00:00Z".parse().unwrap());
        assert!(s.keeps_folder("Archives") && s.keeps_folder("inbox") && !s.keeps_folder("Sent"));
        for bad in [&["--since", "soon"][..], &["--folder", "a[b"]] {
            let e = scope(&args(bad), &maildir, now).unwrap_err();
            assert_eq!(error::exit_code(&e), ExitCode::Unknown, "{bad:?}");
        }
    }
}
