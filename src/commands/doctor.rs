//! `mailsweep doctor`: the guides' checkup of one mailbox. It runs the engines the other
//! commands use (`usage`, `attachments`, `bounces`, POP3 CAPA as `probe` reads it, the log
//! reader of `deleters logs`) and hands their reports to [`crate::model::doctor`].
//!
//! Speed: the engines run at the same time, each on its own connection (at most six
//! connections at once: two for usage, one each for the rest). Usage runs without its
//! `dates` option (over IMAP that costs an EXAMINE and a FETCH for every folder); the
//! Sent, Trash and Junk folders' dates (their first and last message in arrival order) are
//! read afterwards on one connection, together with the SPECIAL-USE flags, for those few
//! folders only. Local stores always have dates.
//!
//! A check that cannot run (bounces over POP3, no POP3 server to ask, an engine's error)
//! becomes an `info` finding saying so; only a mailbox whose folders cannot be measured at
//! all fails the run (exit 2).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::cli::{DoctorArgs, GlobalArgs, TargetArgs};
use crate::config::Config;
use crate::deleters::evidence::{self, Observation};
use crate::deleters::state;
use crate::exit::ExitCode;
use crate::imap::session::{Found, Session};
use crate::logs;
use crate::model::bounce::{BouncesReport, Scope};
use crate::model::doctor::{self, Check, Checkup, Context, Finding, Label, Lang, Reason, Role};
use crate::model::mime::report::{AttachmentsReport, Filter, shell_quote};
use crate::model::size::parse_size;
use crate::model::{Protocol, Security, SourceSpec, SpecialUse, UsageReport};
use crate::report::doctor as render;
use crate::secret::Credentials;
use crate::source::{self, Target};
use crate::{error, imap, pop, store};

/// IMAP connections for usage: enough for a few dozen folders, and the other checks run
/// beside it (Dovecot allows 10 per user and address by default).
const USAGE_CONNECTIONS: usize = 2;

pub async fn run(global: &GlobalArgs, args: DoctorArgs) -> Result<ExitCode> {
    let (config, _) = Config::load(global.config.as_deref())?;
    let thresholds = super::quota_thresholds(&args.warn, &args.crit, &config)?;
    let lang = args.lang.unwrap_or_else(|| {
        let var = |n: &str| std::env::var(n).ok();
        Lang::from_locale(var("LC_ALL").as_deref(), var("LC_MESSAGES").as_deref(), var("LANG").as_deref())
    });
    let now = Timestamp::now();
    let since = super::cutoff(&args.bounces_since, "--bounces-since", now)?;
    let sources: Vec<String> = args.source.iter().cloned().collect();
    let targets = source::resolve(global, &config, &sources, &args.target)?;
    let target = super::one_target(&targets, "doctor")?;
    let pop_target = pop_target(global, &config, &args, target)?;
    let log_user = log_user(&args, target)?;

    // The logs are local: read them first, so a wrong path fails before any connection.
    let log_findings = match &log_user {
        Some(user) => read_logs(&args.logs, user, now)?,
        None => vec![doctor::skipped(Check::PopDeleters, Reason::NoLogs)],
    };

    let mut all = vec![target.clone()];
    all.extend(pop_target.clone());
    let creds = source::credentials(&all)?;
    let main_creds = creds[0].as_ref();
    let pop_creds = creds.get(1).and_then(Option::as_ref);

    let ctx = Context { source: target.spec.to_string(), thresholds, now };
    let (measured, attachments, bounces, expire) = tokio::join!(
        measure(target, main_creds),
        find_attachments(target, main_creds),
        find_bounces(target, main_creds, since),
        pop_expire(target, main_creds, pop_target.as_ref(), pop_creds),
    );
    let (usage, flags) = measured.with_context(|| format!("cannot check {}", target.label()))?;

    let mut findings: Vec<Finding> = Vec::new();
    findings.push(doctor::quota(&usage, &ctx));
    findings.extend(doctor::folder_sizes(&usage, &ctx));
    findings.extend(doctor::role_folders(&usage, &flags, &ctx));
    let mut notes: Vec<String> = usage.notes.iter().filter(|n| !n.contains("--dates")).cloned().collect();
    let imap_dates = matches!(&target.spec, SourceSpec::Server(s) if s.protocol == Protocol::Imap);
    match attachments {
        Ok(r) => {
            notes.extend(r.notes.iter().cloned());
            findings.push(doctor::attachments(&r, &ctx));
        }
        Err(e) => findings.push(doctor::skipped(Check::Attachments, error::one_line(&e))),
    }
    match bounces {
        Ok(r) => {
            notes.extend(r.notes.iter().cloned());
            findings.push(doctor::bounces(&r, &args.bounces_since, &ctx));
        }
        Err(e) if e.is::<NotOverPop3>() => findings.push(doctor::skipped(Check::Bounces, Reason::BouncesOverPop3)),
        Err(e) => findings.push(doctor::skipped(Check::Bounces, error::one_line(&e))),
    }
    findings.push(expire);
    findings.extend(log_findings);
    findings.extend(snapshot_findings(target));

    let local = matches!(target.spec, SourceSpec::Maildir(_) | SourceSpec::Mbox(_));
    let mut checkup = Checkup::new(ctx.source.clone(), target.account.clone(), local, findings, notes);
    if imap_dates {
        checkup = checkup.with_note(Label::ArrivalDates);
    }
    let opts = super::render_options(global.color, thresholds);
    super::emit(|out| Ok(render::render(out, &checkup, args.format, lang, &opts)?))?;
    Ok(ExitCode::from(checkup.worst().status()))
}

/// `--pop3 URL` as a target with the source's login settings (not its accounts).
fn pop_target(global: &GlobalArgs, config: &Config, args: &DoctorArgs, main: &Target) -> Result<Option<Target>> {
    let Some(url) = &args.pop3 else { return Ok(None) };
    let spec: SourceSpec = url.parse().map_err(|e| error::usage(format!("--pop3: {e}")))?;
    if !matches!(&spec, SourceSpec::Server(s) if s.protocol == Protocol::Pop3) {
        return Err(error::usage(format!("--pop3 takes a pop3s:// or pop3:// address, not {spec}")));
    }
    if !matches!(&main.spec, SourceSpec::Server(s) if s.protocol == Protocol::Imap) {
        return Err(error::usage_hint(
            "--pop3 is for IMAP sources",
            "a pop3 source is asked directly; a local store has no server",
        ));
    }
    let login = TargetArgs {
        accounts: Vec::new(),
        all_accounts: false,
        users: Vec::new(),
        users_file: None,
        admin: main.admin.clone(),
        password_command: main.password_command.clone(),
        ..args.target.clone()
    };
    Ok(source::resolve(global, config, std::slice::from_ref(url), &login)?.into_iter().next())
}

/// The user whose sessions the logs are searched for, when logs were given.
fn log_user(args: &DoctorArgs, target: &Target) -> Result<Option<String>> {
    if args.logs.is_empty() {
        return Ok(None);
    }
    match (&args.log_user, &target.spec) {
        (Some(u), _) => Ok(Some(u.clone())),
        (None, SourceSpec::Server(s)) => Ok(Some(s.user.clone())),
        (None, _) => Err(error::usage_hint(
            "--logs with a local store: whose sessions should be looked at?",
            "give the mail user's login name with --log-user USER",
        )),
    }
}

fn read_logs(files: &[PathBuf], user: &str, now: Timestamp) -> Result<Vec<Finding>> {
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(error::usage("--logs: stdin (-) can be read only once"));
    }
    let opts = logs::Options {
        filter: logs::Filter { users: vec![user.as_bytes().to_vec()], since: None, until: None },
        year: None,
        tz: TimeZone::system(),
        now,
    };
    let analysis = logs::analyze(files, &opts).map_err(super::deleters::log_error)?;
    let args: Vec<String> = files.iter().map(|f| shell_quote(&f.to_string_lossy())).collect();
    Ok(doctor::logs(user, analysis.boxes.iter().find(|b| b.user == user), &args.join(" ")))
}

/// The usage report (without dates over IMAP), then, over IMAP, the SPECIAL-USE flags and
/// the dates of the Sent, Trash and Junk folders.
async fn measure(t: &Target, creds: Option<&Credentials>) -> Result<(UsageReport, Vec<(String, SpecialUse)>)> {
    let source = t.spec.to_string();
    let mut report = match (&t.spec, creds) {
        (SourceSpec::Server(s), Some(c)) => match s.protocol {
            Protocol::Imap => {
                let opts =
                    imap::UsageOptions { route: imap::Route::Auto, dates: false, connections: USAGE_CONNECTIONS };
                let mut r = imap::usage(s, &t.net, c, opts, source, t.account.clone()).await?;
                let flags = role_details(s, t, c, &mut r).await?;
                return Ok((r, flags));
            }
            Protocol::Pop3 => pop::usage(s, &t.net, c, s.security == Security::Plain, source).await?,
        },
        (SourceSpec::Maildir(p), _) => store::usage(store::LocalKind::Maildir, p, source).await?,
        (SourceSpec::Mbox(p), _) => store::usage(store::LocalKind::Mbox, p, source).await?,
        (SourceSpec::Server(_), None) => return Err(anyhow::anyhow!("no credentials for {source}")),
    };
    report.account = t.account.clone();
    Ok((report, Vec::new()))
}

/// One more IMAP connection: LIST for the SPECIAL-USE flags, then the first and last
/// arrival date of each non-empty Sent, Trash and Junk folder.
async fn role_details(
    spec: &crate::model::ServerSpec,
    t: &Target,
    creds: &Credentials,
    report: &mut UsageReport,
) -> Result<Vec<(String, SpecialUse)>> {
    let (mut session, _) = Session::open(spec, &t.net, creds).await?;
    let flags: Vec<(String, SpecialUse)> = session
        .list()
        .await?
        .iter()
        .filter_map(|l| l.attributes.iter().find_map(|a| SpecialUse::from_attribute(a)).map(|u| (l.display_name(), u)))
        .collect();
    for f in report.folders.iter_mut() {
        let wanted = matches!(doctor::role_of(f), Some(Role::Sent | Role::Trash | Role::Junk));
        if !wanted || f.noselect || f.messages == 0 {
            continue;
        }
        let mailbox =
            session.examine(&f.raw_name).await.with_context(|| format!("cannot read the dates of \"{}\"", f.name))?;
        if let Found::Yes(m) = mailbox {
            for d in session.first_last_dates(m.exists).await? {
                f.see_date(d);
            }
        }
    }
    session.logout().await;
    Ok(flags)
}

/// Messages with attachments of 5 MiB or more, in every folder (the `attachments` engine).
async fn find_attachments(t: &Target, creds: Option<&Credentials>) -> Result<AttachmentsReport> {
    let min = parse_size(doctor::ATTACHMENT_MIN_SIZE).map_err(anyhow::Error::msg)?;
    let filter = Filter::new(min, &[], &[], None, None).map_err(anyhow::Error::msg)?;
    let source = t.spec.to_string();
    match (&t.spec, creds) {
        (SourceSpec::Server(s), Some(c)) => match s.protocol {
            Protocol::Imap => imap::attachments(s, &t.net, c, &filter, source).await,
            Protocol::Pop3 => pop::attachments::attachments(s, &t.net, c, &filter, false, source).await,
        },
        (SourceSpec::Maildir(p), _) => {
            local(p, store::LocalKind::Maildir, move |k, r| store::attachments::scan(k, r, &filter, source)).await
        }
        (SourceSpec::Mbox(p), _) => {
            local(p, store::LocalKind::Mbox, move |k, r| store::attachments::scan(k, r, &filter, source)).await
        }
        (SourceSpec::Server(_), None) => Err(anyhow::anyhow!("no credentials for {source}")),
    }
}

/// Bounces in INBOX (every file of an mbox source) since `since` (the `bounces` engine).
async fn find_bounces(t: &Target, creds: Option<&Credentials>, since: Timestamp) -> Result<BouncesReport> {
    let source = t.spec.to_string();
    let folders: Vec<String> = match &t.spec {
        SourceSpec::Mbox(_) => Vec::new(),
        _ => vec!["INBOX".to_string()],
    };
    let scope = Scope::new(since, &folders).map_err(anyhow::Error::msg)?;
    match (&t.spec, creds) {
        (SourceSpec::Server(s), _) if s.protocol == Protocol::Pop3 => Err(NotOverPop3.into()),
        (SourceSpec::Server(s), Some(c)) => imap::bounces(s, &t.net, c, &scope, source).await,
        (SourceSpec::Maildir(p), _) => {
            local(p, store::LocalKind::Maildir, move |k, r| store::bounces::scan(k, r, &scope, source)).await
        }
        (SourceSpec::Mbox(p), _) => {
            local(p, store::LocalKind::Mbox, move |k, r| store::bounces::scan(k, r, &scope, source)).await
        }
        (SourceSpec::Server(_), None) => Err(anyhow::anyhow!("no credentials for {source}")),
    }
}

/// Doctor does not download mail over POP3 (the `bounces` command does, on request).
#[derive(Debug)]
struct NotOverPop3;

impl std::fmt::Display for NotOverPop3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Reason::BouncesOverPop3.text(Lang::En))
    }
}

impl std::error::Error for NotOverPop3 {}

/// Runs a blocking local-store scan on tokio's blocking pool.
async fn local<T: Send + 'static>(
    root: &std::path::Path,
    kind: store::LocalKind,
    scan: impl FnOnce(store::LocalKind, &std::path::Path) -> Result<T> + Send + 'static,
) -> Result<T> {
    let root = root.to_path_buf();
    store::scan_off_runtime(move || scan(kind, &root)).await
}

/// The POP3 server's EXPIRE: the source itself when it is POP3, else `--pop3`.
async fn pop_expire(
    main: &Target,
    main_creds: Option<&Credentials>,
    extra: Option<&Target>,
    extra_creds: Option<&Credentials>,
) -> Finding {
    let (t, creds) = match (&main.spec, extra) {
        (SourceSpec::Server(s), _) if s.protocol == Protocol::Pop3 => (main, main_creds),
        (_, Some(t)) => (t, extra_creds),
        (SourceSpec::Server(_), None) => {
            return doctor::skipped(Check::PopExpire, Reason::ImapWithoutPop3);
        }
        _ => {
            return doctor::skipped(Check::PopExpire, Reason::LocalStore);
        }
    };
    let SourceSpec::Server(s) = &t.spec else { unreachable!("POP3 targets are servers") };
    let label = t.spec.to_string();
    match pop::probe(s, &t.net, creds, s.security == Security::Plain).await {
        Ok(r) if r.login.as_ref().is_none_or(|l| l.ok) => doctor::pop_expire(&label, &r.capabilities),
        Ok(r) => doctor::skipped(
            Check::PopExpire,
            Reason::CannotLogIn { server: label, message: r.login.and_then(|l| l.message) },
        ),
        Err(e) => doctor::skipped(Check::PopExpire, Reason::CannotReach { server: label, error: error::one_line(&e) }),
    }
}

/// The verdicts of `deleters snapshot` from the account's existing state file, read only
/// (doctor never writes one). Nothing for local stores; an info finding when there is none.
fn snapshot_findings(t: &Target) -> Vec<Finding> {
    let SourceSpec::Server(spec) = &t.spec else { return Vec::new() };
    let command = format!("mailsweep deleters snapshot {}", shell_quote(&t.spec.to_string()));
    let Some(dir) = state::default_dir() else { return Vec::new() };
    let path = dir.join(format!("{}.json", state::account_key(spec)));
    // The account as `deleters snapshot` names it in its state file.
    let proto = if spec.protocol == Protocol::Imap { "imap" } else { "pop3" };
    let account = format!("{proto}://{}@{}:{}", spec.user, spec.host, spec.port);
    let st = match state::load(&path, &account) {
        Ok(Some(st)) => st,
        Ok(None) => {
            return vec![doctor::skipped(Check::PopDeleters, Reason::NoSnapshot { command })];
        }
        Err(e) => return vec![doctor::skipped(Check::PopDeleters, error::one_line(&e))],
    };
    let (from, to) = (st.runs.first().map(|r| r.at), st.runs.last().map(|r| r.at));
    let verdicts = evidence::judge(&Observation {
        removals: &st.removals,
        present: &st.inbox.messages,
        from: from.unwrap_or_else(Timestamp::now),
        to: to.unwrap_or_else(Timestamp::now),
        arrivals: st.runs.iter().map(|r| r.arrived).sum(),
        inbox_only: spec.protocol == Protocol::Pop3,
        sweeps: &st.sweeps,
    });
    let history = doctor::SnapshotHistory {
        runs: st.runs.len() as u64,
        first_run: from,
        last_run: to,
        removals: st.removals.len() as u64,
    };
    doctor::snapshot(&history, &verdicts, &command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> (GlobalArgs, DoctorArgs) {
        let mut argv = vec!["mailsweep", "doctor"];
        argv.extend_from_slice(extra);
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
        match cli.command {
            crate::cli::Command::Doctor(a) => (cli.global, a),
            _ => unreachable!(),
        }
    }

    fn target(global: &GlobalArgs, a: &DoctorArgs) -> Target {
        let sources: Vec<String> = a.source.iter().cloned().collect();
        source::resolve(global, &Config::default(), &sources, &a.target).unwrap().remove(0)
    }

    #[test]
    fn pop3_is_for_imap_sources_and_takes_pop3_addresses() {
        let (g, a) = args(&["imaps://alice@h", "--pop3", "pop3s://alice@h"]);
        let t = pop_target(&g, &Config::default(), &a, &target(&g, &a)).unwrap().unwrap();
        assert_eq!(t.spec.to_string(), "pop3s://alice@h");
        let (g, a) = args(&["imaps://alice@h", "--pop3", "imaps://alice@h"]);
        let e = pop_target(&g, &Config::default(), &a, &target(&g, &a)).unwrap_err();
        assert_eq!(error::exit_code(&e), ExitCode::Unknown);
        let (g, a) = args(&["maildir:/x", "--pop3", "pop3s://alice@h"]);
        assert!(pop_target(&g, &Config::default(), &a, &target(&g, &a)).is_err());
    }

    #[test]
    fn logs_need_a_user_for_local_stores() {
        let (g, a) = args(&["maildir:/x", "--logs", "/var/log/dovecot.log"]);
        let e = log_user(&a, &target(&g, &a)).unwrap_err();
        assert_eq!(error::exit_code(&e), ExitCode::Unknown);
        let (g, a) = args(&["imaps://alice@h", "--logs", "a.log", "b.log"]);
        assert_eq!(a.logs.len(), 2);
        assert_eq!(log_user(&a, &target(&g, &a)).unwrap().as_deref(), Some("alice"));
        let (g, a) = args(&["maildir:/x", "--logs", "a.log", "--log-user", "bob"]);
        assert_eq!(log_user(&a, &target(&g, &a)).unwrap().as_deref(), Some("bob"));
        assert!(crate::cli::Cli::try_parse_from(["mailsweep", "doctor", "--log-user", "bob"]).is_err());
    }

    #[test]
    fn thresholds_and_formats_are_checked_as_usage_errors() {
        let (_, a) = args(&["maildir:/x", "--warn", "90", "--crit", "85"]);
        assert_eq!(
            error::exit_code(&super::super::quota_thresholds(&a.warn, &a.crit, &Config::default()).unwrap_err()),
            ExitCode::Unknown
        );
        let (_, a) = args(&["maildir:/x", "--format", "markdown", "--lang", "fr"]);
        assert_eq!((a.format, a.lang), (render::DoctorFormat::Markdown, Some(Lang::Fr)));
        assert!(crate::cli::Cli::try_parse_from(["mailsweep", "doctor", "--format", "nagios"]).is_err());
    }

    /// Every fix line the checkup prints must be accepted by the CLI (archive's options
    /// are another colleague's: this catches a renamed flag).
    #[test]
    fn fix_commands_parse_with_the_cli() {
        for f in doctor::tests::every_finding() {
            let Some(cmd) = &f.command else { continue };
            let words = shell_words(cmd);
            assert_eq!(words[0], "mailsweep");
            crate::cli::Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{cmd}: {e}"));
        }
    }

    /// Splits a POSIX shell line quoted by `shell_quote` (single quotes, `'\''`).
    fn shell_words(line: &str) -> Vec<String> {
        let (mut words, mut cur, mut quoted, mut any, mut escaped) = (Vec::new(), String::new(), false, false, false);
        for c in line.chars() {
            if escaped {
                cur.push(c);
                escaped = false;
                continue;
            }
            match c {
                '\'' => {
                    quoted = !quoted;
                    any = true;
                }
                '\\' if !quoted => escaped = true,
                ' ' if !quoted => {
                    if any || !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                c => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            words.push(cur);
        }
        words
    }
}
