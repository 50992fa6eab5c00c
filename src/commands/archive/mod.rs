//! `mailsweep archive`: move old mail to local archives, verified before anything leaves
//! the source (a server or a local store), resumable, safe for cron.
//!
//! The order for every batch is the whole point of this module:
//! 1. fetch (streamed, 1 MiB partial fetches) → write into the archive;
//! 2. flush to the disk (file and directory fsync);
//! 3. read back and compare with what the source gave (SHA-256, and the byte count
//!    against the size it announced: RFC822.SIZE, the POP3 LIST size, the file's size);
//! 4. record the verified copies in the journal (fsynced);
//! 5. only then remove exactly those messages from the source, each route its own way
//!    (see the routes below), and journal the removal.
//!
//! A run that stops anywhere is run again: the journal says which copies are verified
//! (their removal is finished first, after reading them back once more), mbox appends
//! that were begun but not committed are cut off, and messages already archived are
//! never written twice (by UID under the same UIDVALIDITY, by digest across a
//! UIDVALIDITY change).
//!
//! A plan shown at the prompt is made on the archive opened read-only (nothing created
//! or locked), so "n" leaves DIR exactly as it was; "y" opens it for writing, which
//! refuses if the journal or folder map changed meanwhile. With `--yes` it is opened for
//! writing (locked) before the plan.
//!
//! One route per kind of source, each in its own module; they differ in how they list,
//! plan and remove, and share everything else:
//! - [`imap`]: IMAP folders, removed by UID after each batch (`UID STORE +FLAGS.SILENT
//!   (\Deleted)`, `UID EXPUNGE <set>`);
//! - [`pop`]: a POP3 maildrop, archived as `INBOX`, removed by `DELE` committed by `QUIT`;
//! - [`local`]: a local Maildir or mbox, removed by unlinking the archived Maildir files
//!   or by rewriting the mbox without the archived messages.
//!
//! What all routes share:
//! - [`write`](mod@write): the writers ([`FolderRun`], streaming from any
//!   [`MessageSource`]);
//! - here: the options and [`run`], which picks the route; the confirmation
//!   ([`Confirm`]); the plan ([`FolderPlan`], [`already_archived`], [`settle_plan`]); the
//!   read-back checks ([`verify_entry`], [`read_back_again`]); the test faults
//!   ([`Faults`]).

mod imap;
mod local;
mod pop;
mod write;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use jiff::Timestamp;

use crate::cli::{ArchiveArgs, GlobalArgs};
use crate::config::Config;
use crate::error;
use crate::exit::ExitCode;
use crate::model::archive::{
    ArchiveFormat, ArchiveReport, Candidate, Criteria, Entry, FolderOutcome, PRESET_ATTACHMENT_SIZE, Preset,
    QuotaFigures, Record, Year, until_quota,
};
use crate::model::mime::report::{Filter, parse_cutoff};
use crate::model::size::parse_size;
use crate::model::status::parse_percent;
use crate::model::{Protocol, SourceSpec};
use crate::report::archive as render;
use crate::report::progress::Progress;
use crate::source::{self, Target};
use crate::store::LocalKind;
use crate::store::archive::{ArchiveDir, maildir, mboxrd};
use imap::imap_run;
use local::local_run;
use pop::pop_run;
use write::{FolderRun, MessageSource};

/// Everything the arguments decide.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub criteria: Criteria,
    pub folders: Filter,
    pub preset: Option<Preset>,
    pub until_quota: Option<f64>,
    pub to: PathBuf,
    pub format: ArchiveFormat,
    pub split_by_year: bool,
    /// gzip the mbox files (`FOLDER.gz`, one gzip member per message).
    pub compress: bool,
    pub keep_on_server: bool,
    pub dry_run: bool,
    pub batch_size: usize,
}

pub async fn run(global: &GlobalArgs, args: ArchiveArgs) -> Result<ExitCode> {
    render::check_format(args.format)?;
    let (config, _) = Config::load(global.config.as_deref())?;
    let opts = options(&args, Timestamp::now())?;
    let tty = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let confirm = Confirm::new(args.yes, opts.dry_run, tty)?;
    if opts.compress {
        if opts.format == ArchiveFormat::Maildir {
            return Err(error::usage("--compress works with --archive-format mbox only"));
        }
        eprintln!(
            "warning: --compress writes gzip files (FOLDER.gz) that mail clients cannot open: `gzip -dc FOLDER.gz > FOLDER` gives a copy they can"
        );
    }
    let sources: Vec<String> = args.source.iter().cloned().collect();
    let targets = source::resolve(global, &config, &sources, &args.target)?;
    let [target] = targets.as_slice() else {
        return Err(error::usage_hint(
            format!("archive works on one mailbox at a time ({} given)", targets.len()),
            "name one source, one --account, or one --user",
        ));
    };
    let creds = source::credentials(&targets)?;
    let mut report = ArchiveReport {
        source: target.spec.to_string(),
        account: target.account.clone(),
        directory: opts.to.display().to_string(),
        format: opts.format,
        dry_run: opts.dry_run,
        keep_on_server: opts.keep_on_server,
        ..ArchiveReport::default()
    };
    let outcome = match (&target.spec, creds[0].as_ref()) {
        (SourceSpec::Server(s), Some(c)) if s.protocol == Protocol::Imap => {
            imap_run(target, c, &opts, &confirm, &mut report).await
        }
        (SourceSpec::Server(s), Some(c)) if s.protocol == Protocol::Pop3 => {
            pop_run(target, c, &opts, &confirm, &mut report).await
        }
        (SourceSpec::Maildir(root), _) => {
            local_run(target, LocalKind::Maildir, root, &opts, &confirm, &mut report).await
        }
        (SourceSpec::Mbox(root), _) => local_run(target, LocalKind::Mbox, root, &opts, &confirm, &mut report).await,
        _ => Err(error::usage("archive works on IMAP, POP3, Maildir and mbox sources")),
    };
    let opts_render = super::render_options(global.color, Default::default());
    match outcome {
        Ok(Some(())) => {}
        Ok(None) => return Ok(ExitCode::Ok), // declined at the prompt
        Err(e) => {
            // What was done is journaled: show it, then the error.
            if !report.folders.is_empty() && !opts.dry_run {
                let _ = render::plan(&mut std::io::stderr().lock(), &report);
            }
            return Err(e.context(format!(
                "archiving {} stopped (every verified copy is in the journal: run the same command again to finish)",
                target.label()
            )));
        }
    }
    super::emit(|out| Ok(render::render(out, &report, args.format, &opts_render)?))?;
    Ok(if report.has_failures() { ExitCode::Critical } else { ExitCode::Ok })
}

/// The arguments as options; any mistake is a usage error naming the option.
pub(crate) fn options(args: &ArchiveArgs, now: Timestamp) -> Result<Options> {
    let cutoff = |arg: &Option<String>, name: &str| -> Result<Option<Timestamp>> {
        arg.as_deref().map(|s| parse_cutoff(s, now).map_err(|e| error::usage(format!("{name}: {e}")))).transpose()
    };
    let size = |arg: &Option<String>, name: &str| -> Result<Option<u64>> {
        arg.as_deref().map(|s| parse_size(s).map_err(|e| error::usage(format!("{name}: {e}")))).transpose()
    };
    let before = cutoff(&args.older_than, "--older-than")?.or(cutoff(&args.before, "--before")?);
    let mut criteria = Criteria {
        before,
        by_sent_date: args.by_sent_date,
        larger_than: size(&args.larger_than, "--larger-than")?,
        attachments_over: size(&args.with_attachments_over, "--with-attachments-over")?,
        include_flagged: args.include_flagged,
        include_unread: args.include_unread,
    };
    match args.preset {
        Some(Preset::Sent) => criteria.include_unread = true,
        Some(Preset::Trash) => {
            criteria.include_unread = true;
            criteria.include_flagged = true;
        }
        Some(Preset::BigAttachments) => {
            criteria.attachments_over.get_or_insert(PRESET_ATTACHMENT_SIZE);
        }
        None => {}
    }
    if criteria.attachments_over == Some(0) {
        return Err(error::usage("--with-attachments-over must be more than 0"));
    }
    let until_quota = match &args.until_quota {
        Some(s) => {
            let p = parse_percent(s).map_err(|e| error::usage(format!("--until-quota: {e}")))?;
            if !(0.0..100.0).contains(&p) {
                return Err(error::usage("--until-quota must be at least 0% and under 100%"));
            }
            Some(p)
        }
        None => None,
    };
    let anything = criteria.before.is_some()
        || criteria.larger_than.is_some()
        || criteria.attachments_over.is_some()
        || args.preset.is_some()
        || until_quota.is_some()
        || !args.folders.is_empty();
    if !anything {
        return Err(error::usage_hint(
            "archive needs a selection: nothing says which messages to move",
            "give --older-than, --before, --larger-than, --with-attachments-over, --until-quota, --preset or --folder",
        ));
    }
    if args.by_sent_date && criteria.before.is_none() {
        return Err(error::usage("--by-sent-date needs --older-than or --before"));
    }
    let folders = Filter::new(1, &args.folders, &[], None, None).map_err(error::usage)?;
    Ok(Options {
        criteria,
        folders,
        preset: args.preset,
        until_quota,
        to: args.to.clone(),
        format: args.archive_format,
        split_by_year: args.split_by_year,
        compress: args.compress,
        keep_on_server: args.keep_on_server,
        dry_run: args.dry_run,
        batch_size: args.batch_size as usize,
    })
}

/// How the run gets the go-ahead.
pub(crate) struct Confirm {
    pub yes: bool,
    pub tty: bool,
}

impl Confirm {
    /// Refuses at once, before connecting or creating anything, a run that could never
    /// get the go-ahead: no `--yes`, no `--dry-run` and no terminal to ask on (a cron job
    /// without `--yes` fails on its first run, even when there is nothing to move).
    pub fn new(yes: bool, dry_run: bool, tty: bool) -> Result<Confirm> {
        let confirm = Confirm { yes, tty };
        if !yes && !dry_run && !tty {
            return Err(Confirm::no_terminal());
        }
        Ok(confirm)
    }

    fn no_terminal() -> anyhow::Error {
        error::usage_hint(
            "archive changes the mailbox and there is no terminal to confirm on",
            "pass --yes (cron) after checking the plan with --dry-run",
        )
    }

    /// Shows the plan and asks on a terminal; refuses without one unless `--yes`.
    /// Only "y" or "yes" (any case) goes ahead; Enter, anything else or end of input
    /// changes nothing.
    pub fn ask(&self, report: &ArchiveReport) -> Result<bool> {
        if self.yes {
            return Ok(true);
        }
        if !self.tty {
            return Err(Confirm::no_terminal());
        }
        let mut err = std::io::stderr().lock();
        // The plan as `--dry-run` shows it ("would move N messages", the quota after),
        // not the run's summary, which would still say "moved 0 messages".
        render::plan(&mut err, &ArchiveReport { dry_run: true, ..report.clone() })?;
        let what = if report.keep_on_server { "Copy" } else { "Move" };
        write!(err, "{what} these messages? [y/N] ")?;
        err.flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    }
}

/// A stable name of the mailbox for the journal: protocol, user and host (not the port
/// or TLS mode, which may change between runs without changing the mailbox).
pub(crate) fn account_key(target: &Target) -> String {
    match &target.spec {
        SourceSpec::Server(s) => {
            let proto = match s.protocol {
                Protocol::Imap => "imap",
                Protocol::Pop3 => "pop3",
            };
            format!("{proto}:{}@{}", s.user, s.host.to_ascii_lowercase())
        }
        other => other.to_string(),
    }
}

/// Test-only fault injection: `MAILSWEEP_TEST_ABORT=<stage>:<n>` aborts the process
/// (like SIGKILL: no destructor, no flush) the n-th time a stage is reached. Stages:
/// `written` (a message written, not flushed), `journaled`, `stored` (marked \Deleted,
/// not expunged), `expunged` (not journaled as removed). `MAILSWEEP_TEST_SLOW=<ms>`
/// sleeps after each journaled batch, so tests can act mid-run. Debug builds only.
pub(crate) struct Faults {
    spec: Option<(String, u64)>,
    slow: Option<std::time::Duration>,
    seen: HashMap<&'static str, u64>,
}

impl Faults {
    pub fn from_env() -> Faults {
        let spec = if cfg!(debug_assertions) {
            std::env::var("MAILSWEEP_TEST_ABORT").ok().and_then(|v| {
                let (stage, n) = v.split_once(':')?;
                Some((stage.to_string(), n.parse().ok()?))
            })
        } else {
            None
        };
        let slow = std::env::var("MAILSWEEP_TEST_SLOW")
            .ok()
            .filter(|_| cfg!(debug_assertions))
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_millis);
        Faults { spec, slow, seen: HashMap::new() }
    }

    pub fn at(&mut self, stage: &'static str) {
        let n = self.seen.entry(stage).or_default();
        *n += 1;
        if let Some((s, at)) = &self.spec
            && s == stage
            && at == n
        {
            eprintln!("mailsweep: test abort at {stage}:{n}");
            std::process::abort();
        }
        if stage == "journaled"
            && let Some(d) = self.slow
        {
            std::thread::sleep(d);
        }
    }
}

/// The progress line of a run about to archive what `report` plans.
fn progress_of(report: &ArchiveReport) -> Progress {
    let total = |f: fn(&FolderOutcome) -> u64| report.folders.iter().map(f).sum();
    Progress::new(total(|f| f.planned_messages), total(|f| f.planned_bytes))
}

/// Whether the plan is made on the archive directory opened read-only: for `--dry-run`,
/// and when a terminal is asked, so that "n" leaves the directory exactly as it was (not
/// even created). With `--yes` it is opened (created, locked) for writing at once.
fn read_only(opts: &Options, confirm: &Confirm) -> bool {
    opts.dry_run || !confirm.yes
}

/// After the go-ahead: the archive directory opened for writing, as the plan saw it (see
/// [`ArchiveDir::for_writing`]), with the plan's paths saved in its folder map in the
/// order the plan assigned them.
fn open_for_run(
    dir: ArchiveDir,
    plans: &[FolderPlan],
    report: &mut ArchiveReport,
    opts: &Options,
) -> Result<ArchiveDir> {
    let mut dir = dir.for_writing()?;
    report.notes.append(&mut dir.notes);
    for (p, o) in plans.iter().zip(report.folders.iter_mut()) {
        o.targets = targets_of(&mut dir, &p.name, &p.candidates, opts)?;
    }
    Ok(dir)
}

/// One folder's plan.
struct FolderPlan {
    raw: String,
    name: String,
    uidvalidity: u32,
    candidates: Vec<Candidate>,
}

/// Takes out of `candidates` the messages the archive already holds, and returns the
/// copies a move run removes from the source before archiving anything new: what an
/// interrupted move run verified but did not remove, and the backup copies (written by
/// `--keep-on-server`) of messages this run selects. A backup copy of a message this run
/// does not select never makes it leave the source.
fn already_archived(
    dir: &ArchiveDir,
    account: &str,
    folder: &str,
    uidvalidity: u32,
    candidates: &mut Vec<Candidate>,
    outcome: &mut FolderOutcome,
    opts: &Options,
) -> Vec<Entry> {
    let state = &dir.state;
    let mut finish =
        if opts.keep_on_server { Vec::new() } else { state.pending_deletions(account, folder, uidvalidity) };
    candidates.retain(|c| {
        if state.archived(account, folder, uidvalidity, &c.id).is_none() {
            return true;
        }
        if opts.keep_on_server {
            outcome.already_archived += 1;
        } else if let Some(e) = state.kept_copy(account, folder, uidvalidity, &c.id) {
            outcome.already_archived += 1;
            finish.push(e.clone());
        }
        false
    });
    finish
}

/// Puts the plan into the report: per folder what moves and where, and the quota after
/// the move (`pending_bytes`: copies archived earlier that leave the source too). With
/// `--until-quota` the plans are first cut to the oldest messages that bring the quota
/// under its mark.
fn settle_plan(
    plans: &mut [FolderPlan],
    report: &mut ArchiveReport,
    dir: &mut ArchiveDir,
    quota: Option<(u64, u64)>,
    pending_bytes: u64,
    opts: &Options,
) -> Result<()> {
    if let (Some(percent), Some((used, limit))) = (opts.until_quota, quota) {
        keep_until_quota(plans, used.saturating_sub(pending_bytes), limit, percent, opts);
    }
    let mut planned = 0;
    for (p, o) in plans.iter().zip(report.folders.iter_mut()) {
        o.planned_messages = p.candidates.len() as u64;
        o.planned_bytes = p.candidates.iter().map(|c| c.size).sum();
        planned += o.planned_bytes;
        o.targets = targets_of(dir, &p.name, &p.candidates, opts)?;
    }
    if let Some((used, limit)) = quota {
        let freed = if opts.keep_on_server { 0 } else { planned + pending_bytes };
        report.quota = Some(QuotaFigures { used_before: used, limit, used_after: used.saturating_sub(freed) });
    }
    Ok(())
}

/// Copies archived earlier that read back identical once more, ready to leave the source.
#[derive(Default)]
struct ReadBack {
    ids: Vec<String>,
    /// How many of `ids` are backup copies this run selected (the others finish an
    /// interrupted move).
    kept: u64,
}

impl ReadBack {
    fn count(&self, outcome: &mut FolderOutcome) {
        outcome.deleted_messages += self.kept;
        outcome.resumed_deletions += self.ids.len() as u64 - self.kept;
    }
}

/// Reads back each copy of `entries` before its message may leave the source; a copy
/// that no longer matches is journaled as lost (the message stays, and the next run
/// archives it again like any other: this run's plan is already made and confirmed) and
/// said in a note: `folder "F": the archived copy of UID ...` (the source `S` names its
/// ids and where a message stays).
fn read_back_again<S: MessageSource>(
    dir: &mut ArchiveDir,
    entries: Vec<Entry>,
    folder: &str,
    notes: &mut Vec<String>,
) -> Result<ReadBack> {
    let mut out = ReadBack::default();
    for e in entries {
        match verify_entry(dir, &e) {
            Ok(()) => {
                out.kept += u64::from(e.kept);
                out.ids.push(e.id);
            }
            Err(why) => {
                notes.push(format!(
                    "folder \"{folder}\": the archived copy of {} {} no longer reads back identical ({why}); it stays {} and the next run archives it again",
                    S::ID,
                    e.id,
                    S::WHERE
                ));
                let lost = Record::Lost { account: e.account, folder: e.folder, uidvalidity: e.uidvalidity, id: e.id };
                dir.record(&[lost])?;
            }
        }
    }
    Ok(out)
}

/// `--until-quota`: keeps the oldest candidates of all folders until the use is under
/// `percent` of `limit`.
fn keep_until_quota(plans: &mut [FolderPlan], used: u64, limit: u64, percent: f64, opts: &Options) {
    let flat: Vec<(usize, &Candidate)> =
        plans.iter().enumerate().flat_map(|(i, p)| p.candidates.iter().map(move |c| (i, c))).collect();
    let keep = until_quota(&flat, used, limit, percent, |c| opts.criteria.date_of(c));
    let mut kept: Vec<std::collections::HashSet<String>> = vec![Default::default(); plans.len()];
    for i in keep {
        kept[flat[i].0].insert(flat[i].1.id.clone());
    }
    for (p, ids) in plans.iter_mut().zip(kept) {
        p.candidates.retain(|c| ids.contains(&c.id));
    }
}

/// The archive paths a folder's messages go to (one, or one per year).
fn targets_of(dir: &mut ArchiveDir, name: &str, candidates: &[Candidate], opts: &Options) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for c in candidates {
        let path = mbox_path(dir, name, opts, c)?;
        if !out.contains(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

/// The archive path of a candidate: its folder's (and year's), `.gz` when compressed.
fn mbox_path(dir: &mut ArchiveDir, name: &str, opts: &Options, c: &Candidate) -> Result<String> {
    let path = dir.path_for(name, opts.format, year_of(opts, c))?;
    Ok(if opts.compress && opts.format == ArchiveFormat::Mbox { format!("{path}.gz") } else { path })
}

/// The `--split-by-year` level of a candidate: its year, or `undated` without any date.
fn year_of(opts: &Options, c: &Candidate) -> Option<Year> {
    opts.split_by_year.then(|| Year::of(opts.criteria.date_of(c)))
}

/// Reads an archived copy back and compares it with its journal entry.
pub(crate) fn verify_entry(dir: &ArchiveDir, e: &Entry) -> std::result::Result<(), String> {
    let path = dir.abs(&e.file).map_err(|e| e.to_string())?;
    let got = if path.is_dir() || e.file.is_empty() {
        return Err("not a file".into());
    } else if e.stored > 0 {
        // mbox entries always store at least a newline; Maildir entries store 0.
        mboxrd::read_back_at(&path, e.member, e.offset, e.stored, e.added_newline)
    } else {
        match maildir::read_back(&path) {
            Ok(r) => Ok(r),
            // A mail client renamed it (flags changed): find it by its key.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                find_renamed(&path).and_then(|p| maildir::read_back(&p))
            }
            Err(err) => Err(err),
        }
    };
    match got {
        Ok((sha, size)) if sha == e.sha256 && size == e.size => Ok(()),
        Ok(_) => Err("its bytes differ".into()),
        Err(err) => Err(crate::store::io_reason(&err)),
    }
}

/// A Maildir file whose flags part changed since it was journaled.
fn find_renamed(path: &Path) -> std::io::Result<PathBuf> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let base = name.split(":2,").next().unwrap_or(&name).to_string();
    let folder =
        path.parent().and_then(Path::parent).ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
    for sub in ["cur", "new"] {
        for entry in std::fs::read_dir(folder.join(sub))? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(&base) {
                return Ok(entry.path());
            }
        }
    }
    Err(std::io::ErrorKind::NotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> ArchiveArgs {
        let mut argv = vec!["mailsweep", "archive", "imaps://a@h", "--to", "/tmp/x"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            crate::cli::Command::Archive(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn arguments_become_options() {
        let now: Timestamp = "2024-06-01T00:00:00Z".parse().unwrap();
        let o = options(&args(&["--older-than", "1y"]), now).unwrap();
        assert_eq!(o.criteria.before, Some("2023-06-01T00:00:00Z".parse().unwrap()));
        assert!(!o.criteria.include_flagged && !o.criteria.include_unread);
        let o = options(&args(&["--preset", "trash"]), now).unwrap();
        assert!(o.criteria.include_flagged && o.criteria.include_unread);
        let o = options(&args(&["--preset", "big-attachments"]), now).unwrap();
        assert_eq!(o.criteria.attachments_over, Some(PRESET_ATTACHMENT_SIZE));
        // The line `mailsweep attachments` prints is accepted as is.
        let o = options(&args(&["--with-attachments-over", "5MiB", "--folder", "Archives/*"]), now).unwrap();
        assert_eq!(o.criteria.attachments_over, Some(5 << 20));
        assert!(o.folders.keeps_folder("archives/2021") && !o.folders.keeps_folder("INBOX"));
        let o = options(&args(&["--until-quota", "70%"]), now).unwrap();
        assert_eq!(o.until_quota, Some(70.0));
        for bad in [
            &[][..],
            &["--older-than", "soon"],
            &["--until-quota", "150"],
            &["--larger-than", "big"],
            &["--by-sent-date", "--folder", "x"],
        ] {
            let e = options(&args(bad), now).unwrap_err();
            assert_eq!(error::exit_code(&e), ExitCode::Unknown, "{bad:?}");
        }
    }

    #[test]
    fn without_a_terminal_only_yes_confirms() {
        let r = ArchiveReport::default();
        assert!(Confirm { yes: true, tty: false }.ask(&r).unwrap());
        let e = Confirm { yes: false, tty: false }.ask(&r).unwrap_err();
        assert_eq!(error::exit_code(&e), ExitCode::Unknown);
        // Refused before anything is done, unless it can never need to ask.
        let e = Confirm::new(false, false, false).err().expect("refused");
        assert_eq!(error::exit_code(&e), ExitCode::Unknown);
        assert!(Confirm::new(false, true, false).is_ok() && Confirm::new(true, false, false).is_ok());
        assert!(Confirm::new(false, false, true).is_ok());
    }
}
