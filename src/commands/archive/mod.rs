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
//!
//! One route per kind of source, each in its own module; they differ in how they list,
//! plan and remove, and share everything else:
//! - [`imap`]: IMAP folders, removed by `UID STORE`/`UID EXPUNGE` as above;
//! - [`pop`]: a POP3 maildrop, archived as `INBOX`, removed by `DELE` committed by `QUIT`;
//! - [`local`]: a local Maildir or mbox, removed by unlinking the archived Maildir files
//!   or by rewriting the mbox without the archived messages.
//!
//! Here, what all routes share: the options and [`run`], which picks the route; the
//! confirmation ([`Confirm`]); the plan ([`FolderPlan`], [`already_archived`],
//! [`settle_plan`]); the writers ([`FolderRun`], streaming from any [`MessageSource`]);
//! the read-back checks ([`verify_entry`], [`read_back_again`]); the test faults
//! ([`Faults`]).

mod imap;
mod local;
mod pop;

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use jiff::Timestamp;

use crate::cli::{ArchiveArgs, GlobalArgs};
use crate::config::Config;
use crate::error;
use crate::exit::ExitCode;
use crate::imap::archive::Fetched;
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
use crate::store::archive::{ArchiveDir, io_error, maildir, mboxrd};
use imap::imap_run;
use local::local_run;
use pop::pop_run;

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
