//! `mailsweep archive`: move old mail to local archives, verified before anything leaves
//! the server, resumable, safe for cron.
//!
//! The order for every batch is the whole point of this module:
//! 1. fetch (streamed, 1 MiB partial fetches) → write into the archive;
//! 2. flush to the disk (file and directory fsync);
//! 3. read back and compare with what the server sent (SHA-256, and the byte count
//!    against RFC822.SIZE);
//! 4. record the verified copies in the journal (fsynced);
//! 5. only then remove exactly those UIDs from the server (`UID STORE +FLAGS.SILENT
//!    (\Deleted)`, `UID EXPUNGE <set>`), and journal the removal.
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

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;

use crate::cli::{ArchiveArgs, GlobalArgs};
use crate::config::Config;
use crate::error;
use crate::exit::ExitCode;
use crate::imap::archive::{ArchiveSession, Fetched};
use crate::imap::session::{Found, ListedFolder};
use crate::model::archive::{
    ArchiveFormat, ArchiveReport, Candidate, Criteria, Entry, FolderOutcome, PRESET_ATTACHMENT_SIZE, Preset,
    QuotaFigures, Record, Year, until_quota,
};
use crate::model::mime::report::{Filter, parse_cutoff};
use crate::model::size::parse_size;
use crate::model::status::parse_percent;
use crate::model::{Protocol, Security, SourceSpec, SpecialUse};
use crate::pop::archive::PopArchiveSession;
use crate::report::archive as render;
use crate::report::progress::Progress;
use crate::source::{self, Target};
use crate::store::LocalKind;
use crate::store::archive::local::{LocalFolder, LocalSource};
use crate::store::archive::rewrite::LockMode;
use crate::store::archive::{ArchiveDir, io_error, maildir, mboxrd};

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

/// Which listed folders a run works on.
fn chosen_folders(listed: Vec<ListedFolder>, opts: &Options) -> Vec<ListedFolder> {
    let role_wanted = match opts.preset {
        Some(Preset::Sent) => Some(SpecialUse::Sent),
        Some(Preset::Trash) => Some(SpecialUse::Trash),
        _ => None,
    };
    let by_attribute = |f: &ListedFolder, role: SpecialUse| f.to_usage().role == Some(role);
    let any_attribute = role_wanted.is_some_and(|r| listed.iter().any(|f| by_attribute(f, r)));
    listed
        .into_iter()
        .filter(|f| !f.noselect())
        .filter(|f| opts.folders.keeps_folder(&f.display_name()))
        .filter(|f| match role_wanted {
            None => true,
            Some(role) if any_attribute => by_attribute(f, role),
            Some(role) => SpecialUse::from_name(&f.display_name()) == Some(role),
        })
        .collect()
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
/// that no longer matches is journaled as lost (the message stays, and is archived again
/// like any other) and said in a note: `folder "F": the archived copy of {what} ID ...`.
fn read_back_again(
    dir: &mut ArchiveDir,
    entries: Vec<Entry>,
    folder: &str,
    what: &str,
    place: &str,
    notes: &mut Vec<String>,
) -> Result<ReadBack> {
    let mut out = ReadBack { ids: Vec::new(), kept: 0 };
    for e in entries {
        match verify_entry(dir, &e) {
            Ok(()) => {
                out.kept += u64::from(e.kept);
                out.ids.push(e.id);
            }
            Err(why) => {
                notes.push(format!(
                    "folder \"{folder}\": the archived copy of {what} {} no longer reads back identical ({why}); it stays {place}",
                    e.id
                ));
                let lost = Record::Lost { account: e.account, folder: e.folder, uidvalidity: e.uidvalidity, id: e.id };
                dir.record(&[lost]).map_err(|e| io_error("write the journal", dir.journal_path(), &e))?;
            }
        }
    }
    Ok(out)
}

/// Returns `None` when the user declined.
async fn imap_run(
    target: &Target,
    creds: &crate::secret::Credentials,
    opts: &Options,
    confirm: &Confirm,
    report: &mut ArchiveReport,
) -> Result<Option<()>> {
    let SourceSpec::Server(spec) = &target.spec else { unreachable!("IMAP target") };
    let account = account_key(target);
    let mut dir = ArchiveDir::open(&opts.to, read_only(opts, confirm))?;
    report.notes.append(&mut dir.notes);
    let mut s = ArchiveSession::open(spec, &target.net, creds).await?;
    if !opts.keep_on_server && !s.uidplus {
        return Err(error::failure_hint(
            format!(
                "{} does not offer UIDPLUS, so mailsweep cannot remove only the archived messages (a plain EXPUNGE would also purge what other clients marked deleted)",
                target.spec
            ),
            "run with --keep-on-server to copy only, and delete the archived messages in your mail client",
        ));
    }
    let folders = chosen_folders(s.folders().await?, opts);
    let quota = match s.quota().await {
        Ok(q) => q,
        Err(e) => {
            report.notes.push(format!("the quota could not be read: {}", error::one_line(&e)));
            None
        }
    };

    // The plan: candidates per folder, minus what the archive already holds.
    let mut plans = Vec::new();
    let mut finishes = Vec::new();
    let mut pending_bytes = 0u64;
    for f in &folders {
        let name = f.display_name();
        let sel = match s.select(&f.raw, true).await.with_context(|| format!("cannot examine folder \"{name}\""))? {
            Found::Yes(sel) => sel,
            Found::Vanished(why) => {
                report.notes.push(format!("folder \"{name}\" vanished ({why}); it is left out"));
                continue;
            }
        };
        let mut candidates =
            s.candidates(&opts.criteria).await.with_context(|| format!("cannot search folder \"{name}\""))?;
        let mut outcome = FolderOutcome { folder: name.clone(), ..FolderOutcome::default() };
        let finish = already_archived(&dir, &account, &f.raw, sel.uidvalidity, &mut candidates, &mut outcome, opts);
        pending_bytes += finish.iter().map(|e| e.size).sum::<u64>();
        finishes.push(finish);
        report.folders.push(outcome);
        plans.push(FolderPlan { raw: f.raw.clone(), name, uidvalidity: sel.uidvalidity, candidates });
    }
    if opts.until_quota.is_some() && quota.is_none_or(|(_, l)| l == 0) {
        return Err(error::failure_hint(
            "--until-quota: the server reports no storage quota",
            "select by --older-than or --larger-than instead",
        ));
    }
    settle_plan(&mut plans, report, &mut dir, quota, pending_bytes, opts)?;
    if opts.dry_run {
        s.logout().await;
        return Ok(Some(()));
    }
    if plans.iter().all(|p| p.candidates.is_empty()) && pending_bytes == 0 {
        s.logout().await;
        return Ok(Some(()));
    }
    if !confirm.ask(report)? {
        s.logout().await;
        eprintln!("nothing was changed");
        return Ok(None);
    }
    let mut dir = open_for_run(dir, &plans, report, opts)?;

    let mut faults = Faults::from_env();
    let progress = progress_of(report);
    for (i, (plan, finish)) in plans.iter().zip(finishes).enumerate() {
        let mut run = FolderRun {
            s: &mut s,
            dir: &mut dir,
            account: &account,
            plan,
            opts,
            outcome: &mut report.folders[i],
            notes: &mut report.notes,
            faults: &mut faults,
            progress: &progress,
        };
        run.go(finish).await.with_context(|| format!("folder \"{}\"", plan.name))?;
    }
    progress.end();
    if !opts.keep_on_server
        && let Some(q) = report.quota.as_mut()
        && let Ok(Some((used, _))) = s.quota().await
    {
        q.used_after = used;
    }
    s.logout().await;
    Ok(Some(()))
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

/// One folder being archived.
struct FolderRun<'a, S> {
    s: &'a mut S,
    dir: &'a mut ArchiveDir,
    account: &'a str,
    plan: &'a FolderPlan,
    opts: &'a Options,
    outcome: &'a mut FolderOutcome,
    notes: &'a mut Vec<String>,
    faults: &'a mut Faults,
    progress: &'a Progress,
}

impl FolderRun<'_, ArchiveSession> {
    /// Archives the plan's candidates; `finish` are copies archived earlier to remove
    /// first (see [`already_archived`]).
    async fn go(&mut self, finish: Vec<Entry>) -> Result<()> {
        let name = self.plan.name.clone();
        let sel = match self.s.select(&self.plan.raw, false).await? {
            Found::Yes(sel) => sel,
            Found::Vanished(why) => {
                self.notes.push(format!("folder \"{name}\" vanished ({why}); it is left out"));
                return Ok(());
            }
        };
        if sel.uidvalidity != self.plan.uidvalidity {
            self.notes.push(format!(
                "folder \"{name}\": the server renumbered its messages (UIDVALIDITY changed) since the plan; left out, run again"
            ));
            self.outcome.failed += self.plan.candidates.len() as u64;
            return Ok(());
        }
        let mut delete = !self.opts.keep_on_server;
        if delete && sel.read_only {
            self.notes.push(format!("folder \"{name}\" is read-only on the server: messages were copied, not removed"));
            delete = false;
        }
        if delete {
            self.finish_pending(sel.uidvalidity, finish).await?;
        }
        let mut elsewhere = self.dir.state.by_digest_elsewhere(self.account, &self.plan.raw, sel.uidvalidity);
        let total = self.plan.candidates.len() as u64;
        let mut done = 0u64;
        for batch in self.plan.candidates.chunks(self.opts.batch_size) {
            let archived = match self.opts.format {
                ArchiveFormat::Mbox => self.mbox_batch(batch, sel.uidvalidity, &mut elsewhere).await?,
                ArchiveFormat::Maildir => self.maildir_batch(batch, sel.uidvalidity, &mut elsewhere).await?,
            };
            done += batch.len() as u64;
            self.progress.show(&name, done, total, self.outcome.archived_bytes);
            if delete && !archived.is_empty() {
                self.remove(sel.uidvalidity, &archived).await?;
                self.outcome.deleted_messages += archived.len() as u64;
            }
        }
        Ok(())
    }

    /// Removes verified messages from the server by UID, then journals the removal.
    async fn remove(&mut self, uidvalidity: u32, ids: &[String]) -> Result<()> {
        let uids: Vec<u32> = ids.iter().filter_map(|id| id.parse().ok()).collect();
        self.s.mark_deleted(&uids).await?;
        self.faults.at("stored");
        self.s.expunge(&uids).await?;
        self.faults.at("expunged");
        let record = Record::Deleted {
            account: self.account.to_string(),
            folder: self.plan.raw.clone(),
            uidvalidity,
            ids: ids.to_vec(),
        };
        self.dir.record(&[record]).map_err(|e| io_error("write the journal", self.dir.journal_path(), &e))
    }

    /// Removes what was archived earlier and must leave the server now (an interrupted
    /// move, or backup copies this run selects): each copy is read back once more first;
    /// a copy that no longer matches is forgotten (the message is then archived again
    /// like any other).
    async fn finish_pending(&mut self, uidvalidity: u32, pending: Vec<Entry>) -> Result<()> {
        let again = read_back_again(self.dir, pending, &self.plan.name, "UID", "on the server", self.notes)?;
        if !again.ids.is_empty() {
            self.remove(uidvalidity, &again.ids).await?;
            again.count(self.outcome);
        }
        Ok(())
    }
}

impl<S: MessageSource> FolderRun<'_, S> {
    fn entry(&self, uidvalidity: u32, c: &Candidate, f: &Fetched, sha256: String, file: String) -> Entry {
        Entry {
            account: self.account.to_string(),
            folder: self.plan.raw.clone(),
            uidvalidity,
            id: c.id.clone(),
            sha256,
            size: f.bytes,
            received: f.received.or(c.received),
            flags: f.flags.imap(),
            file,
            offset: 0,
            stored: 0,
            added_newline: false,
            member: None,
            kept: self.opts.keep_on_server,
        }
    }

    /// Checks what a fetch got against what the server announced; a mismatch leaves the
    /// message on the server.
    fn size_matches(&mut self, c: &Candidate, f: &Fetched) -> bool {
        if f.bytes == f.size {
            return true;
        }
        self.notes.push(format!(
            "folder \"{}\": {} {} sent {} bytes but announced {} {}; it stays on the server",
            self.plan.name,
            S::ID,
            c.id,
            f.bytes,
            S::SIZE,
            f.size
        ));
        self.outcome.failed += 1;
        false
    }

    /// A message already archived under another UIDVALIDITY: its old entry, reused.
    fn seen_elsewhere(
        &mut self,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
        sha: &str,
        uidvalidity: u32,
        c: &Candidate,
    ) -> Option<Entry> {
        let list = elsewhere.get_mut(sha)?;
        let mut e = list.pop()?;
        if list.is_empty() {
            elsewhere.remove(sha);
        }
        verify_entry(self.dir, &e).ok()?;
        e.uidvalidity = uidvalidity;
        e.id = c.id.clone();
        e.kept = self.opts.keep_on_server;
        self.outcome.already_archived += 1;
        Some(e)
    }

    /// Archives one batch into mbox files. Returns the ids now safely archived.
    async fn mbox_batch(
        &mut self,
        batch: &[Candidate],
        uidvalidity: u32,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
    ) -> Result<Vec<String>> {
        // Group by target file (several with --split-by-year), keeping the order.
        let mut groups: BTreeMap<String, Vec<&Candidate>> = BTreeMap::new();
        for c in batch {
            let rel = mbox_path(self.dir, &self.plan.name, self.opts, c)?;
            groups.entry(rel).or_default().push(c);
        }
        let mut done = Vec::new();
        for (rel, msgs) in groups {
            let path = self.dir.prepare_mbox(&rel)?;
            let start = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            self.dir
                .record(&[Record::Begin { file: rel.clone(), offset: start }])
                .map_err(|e| io_error("write the journal", self.dir.journal_path(), &e))?;
            let opened = if self.opts.compress {
                mboxrd::MboxAppender::open_compressed(&path)
            } else {
                mboxrd::MboxAppender::open(&path)
            };
            let mut out = opened.map_err(|e| io_error("open the archive", &path, &e))?;
            let mut entries: Vec<(Entry, u128)> = Vec::new();
            let mut reused: Vec<Entry> = Vec::new();
            for c in msgs {
                let from = out.end();
                out.begin_message(c.received).map_err(|e| io_error("write", &path, &e))?;
                let fetched = self
                    .s
                    .fetch_message(c, &mut |chunk| out.write(chunk).map_err(|e| io_error("write", &path, &e)))
                    .await?;
                let Some(f) = fetched else {
                    out.truncate(from).map_err(|e| io_error("write", &path, &e))?;
                    self.gone(c);
                    continue;
                };
                let w = out.end_message().map_err(|e| io_error("write", &path, &e))?;
                if !self.size_matches(c, &f) {
                    out.truncate(from).map_err(|e| io_error("write", &path, &e))?;
                    continue;
                }
                if let Some(e) = self.seen_elsewhere(elsewhere, &w.sha256, uidvalidity, c) {
                    out.truncate(from).map_err(|e| io_error("write", &path, &e))?;
                    reused.push(e);
                    continue;
                }
                let mut e = self.entry(uidvalidity, c, &f, w.sha256.clone(), rel.clone());
                (e.offset, e.stored, e.added_newline, e.member) = (w.offset, w.stored, w.added_newline, w.member);
                entries.push((e, w.check));
                self.faults.at("written");
            }
            tokio::task::block_in_place(|| out.sync()).map_err(|e| io_error("flush", &path, &e))?;
            // Read everything back before it may leave the server: each copy must decode
            // to the bytes received (their check, taken as they arrived; see
            // store::archive::digest for why this check and not a second SHA-256).
            let mut verified = Vec::new();
            let mut reader = None;
            for (e, check) in entries {
                let opened = reader.get_or_insert_with(|| {
                    mboxrd::CopyReader::open(&path).map_err(|err| crate::store::io_reason(&err))
                });
                let back = match opened {
                    Ok(r) => r.check(e.member, e.offset, e.stored, e.added_newline),
                    Err(why) => {
                        self.unverified(&e, why);
                        continue;
                    }
                };
                match back {
                    Ok((got, size)) if got == check && size == e.size => verified.push(e),
                    Ok(_) => self.unverified(&e, "its bytes differ"),
                    Err(err) => self.unverified(&e, &crate::store::io_reason(&err)),
                }
            }
            let mut records: Vec<Record> = verified.iter().chain(&reused).cloned().map(Record::Archived).collect();
            records.push(Record::Commit { file: rel.clone(), end: out.end() });
            self.dir.record(&records).map_err(|e| io_error("write the journal", self.dir.journal_path(), &e))?;
            self.faults.at("journaled");
            for e in verified.iter().chain(&reused) {
                self.outcome.archived_messages += 1;
                self.outcome.archived_bytes += e.size;
                done.push(e.id.clone());
            }
        }
        Ok(done)
    }

    /// A message the source did not give: gone, or no longer selected.
    fn gone(&mut self, c: &Candidate) {
        let why = self.s.skipped(&c.id).unwrap_or_else(|| "was removed by another client meanwhile".into());
        self.notes.push(format!("folder \"{}\": {} {} {why}", self.plan.name, S::ID, c.id));
    }

    fn unverified(&mut self, e: &Entry, why: &str) {
        self.notes.push(format!(
            "folder \"{}\": the copy of {} {} in \"{}\" does not read back identical ({why}); it stays on the server",
            self.plan.name,
            S::ID,
            e.id,
            e.file
        ));
        self.outcome.failed += 1;
    }

    /// Archives one batch into Maildir++ folders. Returns the ids now safely archived.
    async fn maildir_batch(
        &mut self,
        batch: &[Candidate],
        uidvalidity: u32,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
    ) -> Result<Vec<String>> {
        let mut targets: BTreeMap<String, maildir::MaildirTarget> = BTreeMap::new();
        let mut entries = Vec::new();
        for c in batch {
            let rel = self.dir.path_for(&self.plan.name, self.opts.format, year_of(self.opts, c))?;
            let root = self.dir.root().to_path_buf();
            if !targets.contains_key(&rel) {
                let t = maildir::MaildirTarget::open(&root, &rel)
                    .map_err(|e| io_error("create the archive folder", &root.join(&rel), &e))?;
                targets.insert(rel.clone(), t);
            }
            let target = targets.get_mut(&rel).expect("inserted");
            let key = maildir::message_key(self.account, &self.plan.raw, uidvalidity, &c.id);
            let mut w = target.begin(&key).map_err(|e| io_error("write into", &root.join(&rel), &e))?;
            let fetched = self
                .s
                .fetch_message(c, &mut |chunk| w.write(chunk).map_err(|e| io_error("write into", &root.join(&rel), &e)))
                .await?;
            let Some(f) = fetched else {
                let _ = w.discard();
                self.gone(c);
                continue;
            };
            if !self.size_matches(c, &f) {
                let _ = w.discard();
                continue;
            }
            let (sha, _) = w.digest();
            let rel_file =
                |p: &Path| p.strip_prefix(&root).map(|r| r.to_string_lossy().into_owned()).unwrap_or_default();
            // A verified file an interrupted run placed but did not journal.
            if let Some(existing) = target.find(&key).cloned()
                && maildir::read_back(&existing).is_ok_and(|(s, n)| s == sha && n == f.bytes)
            {
                let _ = w.discard();
                entries.push(self.entry(uidvalidity, c, &f, sha, rel_file(&existing)));
                continue;
            }
            if let Some(e) = self.seen_elsewhere(elsewhere, &sha, uidvalidity, c) {
                let _ = w.discard();
                entries.push(e);
                continue;
            }
            let flags = f.flags.maildir_letters();
            let placed = tokio::task::block_in_place(|| w.finish(target, &flags, f.received.or(c.received)));
            match placed {
                Ok(p) => entries.push(self.entry(uidvalidity, c, &f, p.sha256, rel_file(&p.path))),
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let entry = self.entry(uidvalidity, c, &f, sha, rel.clone());
                    self.unverified(&entry, &crate::store::io_reason(&e));
                }
                Err(e) => return Err(io_error("write into", &root.join(&rel), &e)),
            }
            self.faults.at("written");
        }
        for (rel, t) in targets.iter_mut() {
            tokio::task::block_in_place(|| t.sync()).map_err(|e| io_error("flush", &self.dir.root().join(rel), &e))?;
        }
        let records: Vec<Record> = entries.iter().cloned().map(Record::Archived).collect();
        if !records.is_empty() {
            self.dir.record(&records).map_err(|e| io_error("write the journal", self.dir.journal_path(), &e))?;
            self.faults.at("journaled");
        }
        for e in &entries {
            self.outcome.archived_messages += 1;
            self.outcome.archived_bytes += e.size;
        }
        Ok(entries.into_iter().map(|e| e.id).collect())
    }
}

/// Where a run's messages come from: the selected IMAP folder or the POP3 maildrop.
/// The writers above only stream from it; removal stays protocol-specific.
pub(crate) trait MessageSource {
    /// What the source calls a message's id in notes.
    const ID: &'static str;
    /// What the source calls the size it announces.
    const SIZE: &'static str;
    /// Streams the message into `sink`; `None` when it is no longer there.
    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>>;

    /// Why `fetch_message` gave `None` for a message that is still there (a local store
    /// re-checks the selection when it reads a message); `None`: it is gone.
    fn skipped(&mut self, _id: &str) -> Option<String> {
        None
    }
}

impl MessageSource for LocalSource {
    const ID: &'static str = "message";
    const SIZE: &'static str = "its file size";

    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>> {
        let got = tokio::task::block_in_place(|| self.read(c, sink))?;
        Ok(got.map(|g| Fetched { size: g.size, received: c.received, flags: g.flags, bytes: g.bytes }))
    }

    fn skipped(&mut self, id: &str) -> Option<String> {
        LocalSource::skipped(self, id)
    }
}

impl MessageSource for ArchiveSession {
    const ID: &'static str = "UID";
    const SIZE: &'static str = "RFC822.SIZE";

    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>> {
        let uid: u32 = c.id.parse().context("a UID that is not a number")?;
        ArchiveSession::fetch(self, uid, sink).await
    }
}

impl MessageSource for PopArchiveSession {
    const ID: &'static str = "UIDL";
    const SIZE: &'static str = "LIST size";

    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>> {
        // POP3 has no flags. The date is the one the plan read from the headers (TOP);
        // a plan that needed none read none, and then the message's header dates it.
        let undated = c.received.is_none() && c.sent.is_none();
        let got =
            self.retr(&c.id, undated, sink).await.with_context(|| format!("cannot retrieve message UIDL {}", c.id))?;
        Ok(got.map(|r| Fetched { size: r.size, received: r.received, flags: Default::default(), bytes: r.bytes }))
    }
}

/// The folder a POP3 maildrop is archived as (and journaled under, with UIDVALIDITY 0:
/// POP3 messages are keyed by UIDL alone).
const POP_FOLDER: &str = "INBOX";

/// `archive` of a POP3 maildrop: the same writers and order as IMAP (write, flush, read
/// back, journal), then `DELE` of exactly the verified messages, committed by `QUIT`.
/// Deletions are journaled only once `QUIT` was answered `+OK`; a rerun after anything
/// else finds the copies by UIDL (never writing them twice) and deletes them then.
/// Returns `None` when the user declined.
///
/// Headers are read (`TOP n 0`) only when something needs the dates: an age criterion,
/// `--split-by-year`, or the mbox From_ lines (a Maildir takes each file's date from the
/// message's own header as it streams in). Every `DELE` is sent after the last batch was
/// verified and journaled: POP3 removes nothing before `QUIT` anyway, and the RETRs sent
/// ahead (PIPELINING) need not wait for them.
async fn pop_run(
    target: &Target,
    creds: &crate::secret::Credentials,
    opts: &Options,
    confirm: &Confirm,
    report: &mut ArchiveReport,
) -> Result<Option<()>> {
    let SourceSpec::Server(spec) = &target.spec else { unreachable!("POP3 target") };
    if opts.criteria.attachments_over.is_some() {
        return Err(error::usage_hint(
            "--with-attachments-over needs IMAP: over POP3 every message would have to be downloaded to see its attachments",
            "archive by --older-than or --larger-than, or use the account's IMAP address",
        ));
    }
    if matches!(opts.preset, Some(Preset::Sent | Preset::Trash)) {
        return Err(error::usage("POP3 shows only INBOX: --preset sent and trash need IMAP"));
    }
    if opts.until_quota.is_some() {
        return Err(error::failure_hint(
            "--until-quota: POP3 has no quota command",
            "select by --older-than or --larger-than instead",
        ));
    }
    if !opts.folders.keeps_folder(POP_FOLDER) {
        return Err(error::usage("POP3 shows only INBOX, and --folder leaves it out"));
    }
    let account = account_key(target);
    let mut dir = ArchiveDir::open(&opts.to, read_only(opts, confirm))?;
    report.notes.append(&mut dir.notes);
    report.notes.push("POP3 has no flags: unread and flagged messages are archived too, and no flags are kept".into());
    let mut criteria = opts.criteria.clone();
    (criteria.include_unread, criteria.include_flagged) = (true, true);
    let mut s =
        PopArchiveSession::open(spec, &target.net, creds, spec.security == Security::Plain, &target.spec.to_string())
            .await?;

    let mut outcome = FolderOutcome { folder: POP_FOLDER.to_string(), ..FolderOutcome::default() };
    let known = |uidl: &str| dir.state.archived(&account, POP_FOLDER, 0, uidl).is_some();
    if opts.keep_on_server {
        outcome.already_archived = s.listed().iter().filter(|l| known(&l.uidl)).count() as u64;
    }
    // Backup copies stay candidates of a move run: it removes those it selects.
    let skip = |uidl: &str| {
        known(uidl) && (opts.keep_on_server || dir.state.kept_copy(&account, POP_FOLDER, 0, uidl).is_none())
    };
    let dates_needed = criteria.before.is_some() || opts.split_by_year || opts.format == ArchiveFormat::Mbox;
    let mut candidates =
        s.candidates(&criteria, dates_needed, skip).await.context("cannot read the headers of INBOX")?;
    let pending = already_archived(&dir, &account, POP_FOLDER, 0, &mut candidates, &mut outcome, opts);
    outcome.planned_messages = candidates.len() as u64;
    outcome.planned_bytes = candidates.iter().map(|c| c.size).sum();
    outcome.targets = targets_of(&mut dir, POP_FOLDER, &candidates, opts)?;
    report.folders.push(outcome);
    let plan = FolderPlan { raw: POP_FOLDER.to_string(), name: POP_FOLDER.to_string(), uidvalidity: 0, candidates };
    // Nothing is marked for deletion yet: a failed QUIT here loses nothing.
    if opts.dry_run || (plan.candidates.is_empty() && pending.is_empty()) {
        let _ = s.commit().await;
        return Ok(Some(()));
    }
    if !confirm.ask(report)? {
        let _ = s.commit().await;
        eprintln!("nothing was changed");
        return Ok(None);
    }
    let mut dir = match open_for_run(dir, std::slice::from_ref(&plan), report, opts) {
        Ok(dir) => dir,
        Err(e) => {
            let _ = s.commit().await;
            return Err(e);
        }
    };

    let mut faults = Faults::from_env();
    let progress = progress_of(report);
    let delete = !opts.keep_on_server;
    let mut marked: Vec<String> = Vec::new();
    let mut again = ReadBack { ids: Vec::new(), kept: 0 };
    if delete {
        // Verified by an interrupted run (or its QUIT failed), or backup copies this run
        // selects: read back once more, then mark. A UIDL the server no longer lists was
        // removed already (our QUIT went through before the journal said so, or another
        // client deleted it).
        let (here, gone): (Vec<Entry>, Vec<Entry>) = pending.into_iter().partition(|e| s.holds(&e.id));
        if !gone.is_empty() {
            let ids = gone.into_iter().map(|e| e.id).collect();
            let record = Record::Deleted { account: account.clone(), folder: POP_FOLDER.into(), uidvalidity: 0, ids };
            dir.record(&[record]).map_err(|e| io_error("write the journal", dir.journal_path(), &e))?;
        }
        again = read_back_again(&mut dir, here, POP_FOLDER, "UIDL", "on the server", &mut report.notes)?;
        marked.extend(again.ids.iter().cloned());
    }
    s.plan_fetches(plan.candidates.iter().map(|c| c.id.as_str()));
    let mut elsewhere = HashMap::new();
    let total = plan.candidates.len() as u64;
    let mut done = 0u64;
    for batch in plan.candidates.chunks(opts.batch_size) {
        let mut run = FolderRun {
            s: &mut s,
            dir: &mut dir,
            account: &account,
            plan: &plan,
            opts,
            outcome: &mut report.folders[0],
            notes: &mut report.notes,
            faults: &mut faults,
            progress: &progress,
        };
        let archived = match opts.format {
            ArchiveFormat::Mbox => run.mbox_batch(batch, 0, &mut elsewhere).await,
            ArchiveFormat::Maildir => run.maildir_batch(batch, 0, &mut elsewhere).await,
        }
        .context("folder \"INBOX\"")?;
        done += batch.len() as u64;
        progress.show(POP_FOLDER, done, total, report.folders[0].archived_bytes);
        if delete {
            marked.extend(archived);
        }
    }
    progress.end();
    for chunk in marked.chunks(opts.batch_size) {
        s.dele(chunk).await?;
        faults.at("stored");
    }
    if marked.is_empty() {
        let _ = s.commit().await;
        return Ok(Some(()));
    }
    s.commit().await.map_err(|e| {
        error::failure_hint(
            format!("{}: the server did not confirm QUIT, so the archived messages may all still be on it", error::one_line(&e)),
            "run the same command again: it finds the copies in the archive and deletes them without writing them twice",
        )
    })?;
    faults.at("expunged");
    let record =
        Record::Deleted { account: account.clone(), folder: POP_FOLDER.into(), uidvalidity: 0, ids: marked.clone() };
    dir.record(&[record]).map_err(|e| io_error("write the journal", dir.journal_path(), &e))?;
    again.count(&mut report.folders[0]);
    report.folders[0].deleted_messages += (marked.len() - again.ids.len()) as u64;
    Ok(Some(()))
}

/// Which folders of a local store a run works on: `--folder` globs, and for the Sent and
/// Trash presets the folders named so (local stores carry no SPECIAL-USE attributes).
fn chosen_local(folders: Vec<LocalFolder>, opts: &Options) -> Vec<LocalFolder> {
    let role = match opts.preset {
        Some(Preset::Sent) => Some(SpecialUse::Sent),
        Some(Preset::Trash) => Some(SpecialUse::Trash),
        _ => None,
    };
    folders
        .into_iter()
        .filter(|f| opts.folders.keeps_folder(&f.name))
        .filter(|f| role.is_none_or(|r| SpecialUse::from_name(&f.name) == Some(r)))
        .collect()
}

/// `path` absolute with symlinks resolved, also when it does not exist yet: its longest
/// existing ancestor is resolved and the rest appended.
fn canonical(path: &Path) -> std::io::Result<PathBuf> {
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    let mut rest = Vec::new();
    let mut at = abs.as_path();
    loop {
        match at.canonicalize() {
            Ok(mut out) => {
                out.extend(rest.iter().rev());
                return Ok(out);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) = (at.parent(), at.file_name()) else { return Err(e) };
                rest.push(name.to_os_string());
                at = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Storage use and limit of a Maildir++ `maildirsize` file that sets a limit.
fn maildirsize_quota(root: &Path) -> Option<(u64, u64)> {
    let file = std::fs::File::open(root.join("maildirsize")).ok()?;
    let q = crate::store::maildir::parse_maildirsize(std::io::BufReader::new(file)).ok()??;
    q.storage().map(|r| (r.usage, r.limit)).filter(|&(_, l)| l > 0)
}

/// `archive` of a local Maildir or mbox: the same plan, writers, verification and journal
/// as IMAP (account `maildir:`/`mbox:` and the canonical path, UIDVALIDITY 0, folders by
/// their on-disk names). Removal unlinks exactly the archived Maildir files after each
/// batch, or rewrites an mbox without exactly the archived messages, once per folder,
/// under the mail locks (see [`crate::store::archive::rewrite`]). Stages for the test
/// faults: `stored` = Maildir files unlinked / the new mbox written beside the old one,
/// `expunged` = directory flushed / the new mbox renamed over the old one.
/// Returns `None` when the user declined.
async fn local_run(
    target: &Target,
    kind: LocalKind,
    root: &std::path::Path,
    opts: &Options,
    confirm: &Confirm,
    report: &mut ArchiveReport,
) -> Result<Option<()>> {
    let scheme = match kind {
        LocalKind::Maildir => "maildir",
        LocalKind::Mbox => "mbox",
    };
    let all = tokio::task::block_in_place(|| crate::store::archive::local::folders(kind, root))?;
    let source = canonical(root).map_err(|e| crate::store::io_failure("resolve the path of", root, &e))?;
    let to = canonical(&opts.to).map_err(|e| crate::store::io_failure("resolve the path of", &opts.to, &e))?;
    if to.starts_with(&source) {
        return Err(error::usage_hint(
            format!("the archive directory \"{}\" is inside the source \"{}\"", opts.to.display(), root.display()),
            "archive to a directory outside the mailbox",
        ));
    }
    if source.starts_with(&to) {
        return Err(error::usage_hint(
            format!("the source \"{}\" is inside the archive directory \"{}\"", root.display(), opts.to.display()),
            "archive to a directory that does not hold the mailbox",
        ));
    }
    let account = format!("{scheme}:{}", source.display());
    let quota = match kind {
        LocalKind::Maildir => maildirsize_quota(&source),
        LocalKind::Mbox => None,
    };
    if opts.until_quota.is_some() && quota.is_none() {
        return Err(error::failure_hint(
            format!("--until-quota: {} has no quota", target.spec),
            match kind {
                LocalKind::Maildir => {
                    "a Maildir has one only with a Maildir++ maildirsize file that sets a limit; select by --older-than or --larger-than instead"
                }
                LocalKind::Mbox => "select by --older-than or --larger-than instead",
            },
        ));
    }
    let mut dir = ArchiveDir::open(&opts.to, read_only(opts, confirm))?;
    report.notes.append(&mut dir.notes);
    let lock = if opts.dry_run || opts.keep_on_server { LockMode::Shared } else { LockMode::Exclusive };
    let mut src = LocalSource::new(kind, opts.criteria.clone(), lock);

    // The plan: candidates per folder, minus what the archive already holds; what an
    // earlier run verified and is still in the source is removed by this one.
    let mut plans = Vec::new();
    let mut pendings = Vec::new();
    let mut pending_bytes = 0u64;
    for f in chosen_local(all, opts) {
        let pending = if opts.keep_on_server { Vec::new() } else { dir.state.pending_deletions(&account, &f.raw, 0) };
        let ids: std::collections::HashSet<String> = pending.iter().map(|e| e.id.clone()).collect();
        let scan = tokio::task::block_in_place(|| src.scan(&f, &ids))
            .with_context(|| format!("cannot read folder \"{}\"", f.name))?;
        report.notes.extend(scan.notes);
        let mut outcome = FolderOutcome { folder: f.name.clone(), ..FolderOutcome::default() };
        let mut candidates = scan.candidates;
        // Pending copies come back with the selected backup copies (which the scan found
        // in the source, so they are here).
        let finish = already_archived(&dir, &account, &f.raw, 0, &mut candidates, &mut outcome, opts);
        let (here, gone): (Vec<Entry>, Vec<Entry>) =
            finish.into_iter().partition(|e| e.kept || scan.still_here.contains(&e.id));
        pending_bytes += here.iter().map(|e| e.size).sum::<u64>();
        report.folders.push(outcome);
        plans.push(FolderPlan { raw: f.raw, name: f.name, uidvalidity: 0, candidates });
        pendings.push((here, gone));
    }
    settle_plan(&mut plans, report, &mut dir, quota, pending_bytes, opts)?;
    let nothing = plans.iter().all(|p| p.candidates.is_empty()) && pendings.iter().all(|(h, _)| h.is_empty());
    if opts.dry_run || (nothing && pendings.iter().all(|(_, g)| g.is_empty())) {
        return Ok(Some(()));
    }
    if !nothing && !confirm.ask(report)? {
        eprintln!("nothing was changed");
        return Ok(None);
    }
    let mut dir = open_for_run(dir, &plans, report, opts)?;

    let mut faults = Faults::from_env();
    let progress = progress_of(report);
    let delete = !opts.keep_on_server;
    for (i, (plan, (here, gone))) in plans.iter().zip(pendings).enumerate() {
        src.select(&plan.raw);
        let context = || format!("folder \"{}\"", plan.name);
        // Archived earlier and no longer in the source: removed already (by the earlier
        // run just before it was stopped, or by another client).
        if !gone.is_empty() {
            let ids = gone.into_iter().map(|e| e.id).collect();
            let record = Record::Deleted { account: account.clone(), folder: plan.raw.clone(), uidvalidity: 0, ids };
            dir.record(&[record]).map_err(|e| io_error("write the journal", dir.journal_path(), &e))?;
        }
        // mbox: removed all at once at the end of the folder (one rewrite).
        let mut remove: Vec<String> = Vec::new();
        let mut again = ReadBack { ids: Vec::new(), kept: 0 };
        if delete {
            again = read_back_again(&mut dir, here, &plan.name, "message", "in the source", &mut report.notes)?;
            match kind {
                LocalKind::Maildir if !again.ids.is_empty() => {
                    local_unlink(
                        &mut src,
                        &mut dir,
                        &source,
                        &account,
                        plan,
                        &again.ids,
                        &mut faults,
                        &mut report.notes,
                    )
                    .with_context(context)?;
                    again.count(&mut report.folders[i]);
                }
                LocalKind::Maildir => {}
                LocalKind::Mbox => remove.extend(again.ids.iter().cloned()),
            }
        }
        let mut elsewhere = HashMap::new();
        let total = plan.candidates.len() as u64;
        let mut done = 0u64;
        for batch in plan.candidates.chunks(opts.batch_size) {
            let mut run = FolderRun {
                s: &mut src,
                dir: &mut dir,
                account: &account,
                plan,
                opts,
                outcome: &mut report.folders[i],
                notes: &mut report.notes,
                faults: &mut faults,
                progress: &progress,
            };
            let archived = match opts.format {
                ArchiveFormat::Mbox => run.mbox_batch(batch, 0, &mut elsewhere).await,
                ArchiveFormat::Maildir => run.maildir_batch(batch, 0, &mut elsewhere).await,
            }
            .with_context(context)?;
            done += batch.len() as u64;
            progress.show(&plan.name, done, total, report.folders[i].archived_bytes);
            if delete && !archived.is_empty() {
                match kind {
                    LocalKind::Maildir => {
                        let n = local_unlink(
                            &mut src,
                            &mut dir,
                            &source,
                            &account,
                            plan,
                            &archived,
                            &mut faults,
                            &mut report.notes,
                        )
                        .with_context(context)?;
                        report.folders[i].deleted_messages += n;
                    }
                    LocalKind::Mbox => remove.extend(archived),
                }
            }
        }
        if delete && kind == LocalKind::Mbox && !remove.is_empty() {
            let rewrite =
                tokio::task::block_in_place(|| src.prepare_rewrite(&plan.raw, &remove)).with_context(context)?;
            faults.at("stored");
            tokio::task::block_in_place(|| rewrite.commit()).with_context(context)?;
            faults.at("expunged");
            let n = remove.len() as u64;
            let record =
                Record::Deleted { account: account.clone(), folder: plan.raw.clone(), uidvalidity: 0, ids: remove };
            dir.record(&[record]).map_err(|e| io_error("write the journal", dir.journal_path(), &e))?;
            again.count(&mut report.folders[i]);
            report.folders[i].deleted_messages += n - again.ids.len() as u64;
        }
    }
    progress.end();
    Ok(Some(()))
}

/// Removes archived Maildir messages (unlink, directory fsync, `maildirsize`), then
/// journals it. Returns how many files were removed.
#[allow(clippy::too_many_arguments)]
fn local_unlink(
    src: &mut LocalSource,
    dir: &mut ArchiveDir,
    root: &Path,
    account: &str,
    plan: &FolderPlan,
    ids: &[String],
    faults: &mut Faults,
    notes: &mut Vec<String>,
) -> Result<u64> {
    let u = tokio::task::block_in_place(|| src.unlink(&plan.raw, ids))?;
    faults.at("stored");
    if let Some(note) = tokio::task::block_in_place(|| src.sync(root, &u))? {
        notes.push(note);
    }
    faults.at("expunged");
    if !u.gone.is_empty() {
        notes.push(format!(
            "folder \"{}\": {} archived messages were removed by another client meanwhile",
            plan.name,
            u.gone.len()
        ));
    }
    let removed = u.removed.len() as u64;
    let ids: Vec<String> = u.removed.into_iter().chain(u.gone).collect();
    let record = Record::Deleted { account: account.to_string(), folder: plan.raw.clone(), uidvalidity: 0, ids };
    dir.record(&[record]).map_err(|e| io_error("write the journal", dir.journal_path(), &e))?;
    Ok(removed)
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
