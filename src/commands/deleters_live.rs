//! `mailsweep deleters watch` and `deleters snapshot`: who removes mail, seen from the
//! mailbox itself: INBOX, and over IMAP the Trash and Junk folders (what leaves them is
//! a server expiry at a fixed age or someone emptying them, [`crate::deleters::expiry`]).
//! Orchestration only: the IMAP/POP3 adapters read, [`crate::deleters`] remembers and
//! judges, [`crate::report::deleters_live`] prints.
//!
//! `deleters` dispatches synchronously (`deleters logs` needs no network), so these two
//! run their async work with `block_in_place` on the multi-threaded runtime.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use jiff::Timestamp;
use tokio::time::Instant;

use crate::cli::{DeletersSnapshotArgs, DeletersWatchArgs, GlobalArgs};
use crate::config::Config;
use crate::deleters::diff::{InboxSnapshot, diff};
use crate::deleters::evidence::{self, Cause, Destination, MessageInfo, Observation, Removal};
use crate::deleters::expiry::{self, FolderChange, FolderState, Sweep};
use crate::deleters::live::{FlagUpdate, Notice, Tracker};
use crate::deleters::state::{self, FolderMark, Run, SnapshotState};
use crate::error;
use crate::exit::ExitCode;
use crate::imap::watch::{self as iw, Change, Conn};
use crate::imap::wire::{Response, State};
use crate::model::{Protocol, ServerSpec, SourceSpec, Status};
use crate::net::NetSettings;
use crate::report::Format;
use crate::report::deleters_live::{
    self as render, CauseCounts, Event, FolderDoc, HistoryDoc, InboxDoc, LIVE_SCHEMA_VERSION, RemovalDoc,
    SnapshotReport, SweepDoc, UidvalidityDoc, WatchSummary,
};
use crate::secret::Credentials;
use crate::source::{self, Target};

fn block<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

fn json_format(format: Format, command: &str) -> Result<bool> {
    match format {
        Format::Table => Ok(false),
        Format::Json => Ok(true),
        other => {
            Err(error::usage(format!("--format {} is not available for {command} (use table or json)", other.name())))
        }
    }
}

/// The one server mailbox a command works on, with its credentials.
fn one_server(
    global: &GlobalArgs,
    source: &Option<String>,
    args: &crate::cli::TargetArgs,
    command: &str,
) -> Result<(Target, ServerSpec, Credentials)> {
    let (config, _) = Config::load(global.config.as_deref())?;
    let sources: Vec<String> = source.iter().cloned().collect();
    let targets = source::resolve(global, &config, &sources, args)?;
    let target = super::one_target(&targets, command)?;
    let SourceSpec::Server(spec) = &target.spec else {
        return Err(error::usage_hint(
            format!("{command} needs a server: {} is a local store, which nothing else changes", target.spec),
            "name the IMAP or POP3 address of the mailbox (imaps://user@host, pop3s://user@host)",
        ));
    };
    let creds = source::credentials(&targets)?.into_iter().next().flatten().context("no credentials")?;
    Ok((target.clone(), spec.clone(), creds))
}

/// `90s`, `30min`, `2h`, `1d`, `1w`, or seconds: the tool's one unit table
/// ([`crate::model::when::parse_age`]), where `m` is months.
pub fn parse_duration(s: &str, flag: &str) -> Result<Duration> {
    crate::model::when::parse_duration_secs(s, Timestamp::now())
        .map(Duration::from_secs)
        .map_err(|e| error::usage_hint(format!("{flag}: {e}"), "write 90s, 30min, 2h or 1d (m is months, min minutes)"))
}

// ---------------------------------------------------------------------------------------
// snapshot
// ---------------------------------------------------------------------------------------

pub fn snapshot(global: &GlobalArgs, args: DeletersSnapshotArgs) -> Result<ExitCode> {
    block(snapshot_run(global, args))
}

/// The account as a state file names it: protocol, user, host and port (not the TLS mode).
fn account_id(spec: &ServerSpec) -> String {
    let proto = if spec.protocol == Protocol::Imap { "imap" } else { "pop3" };
    format!("{proto}://{}@{}:{}", spec.user, spec.host, spec.port)
}

async fn snapshot_run(global: &GlobalArgs, args: DeletersSnapshotArgs) -> Result<ExitCode> {
    let json = json_format(args.format, "deleters snapshot")?;
    let (target, spec, creds) = one_server(global, &args.source, &args.target, "deleters snapshot")?;
    let account = account_id(&spec);
    let path = match &args.state_file {
        Some(p) => p.clone(),
        None => state::default_dir()
            .ok_or_else(|| error::usage_hint("neither XDG_STATE_HOME nor HOME is set", "give --state-file FILE"))?
            .join(format!("{}.json", state::account_key(&spec))),
    };
    let prev = if args.reset { None } else { state::load(&path, &account)? };
    let now = Timestamp::now();
    let label = target.label();
    let pop = spec.protocol == Protocol::Pop3;
    let mut notes = Vec::new();
    if let Some(v) = prev.as_ref().and_then(|p| p.upgraded_from) {
        notes.push(format!(
            "state file upgraded from version {v} to {}: its history is kept; Trash and Junk are watched from this \
             run on",
            state::STATE_VERSION
        ));
    }

    // Read the mailbox; over IMAP keep the connection to look at Trash and Junk and for
    // moved messages.
    let (uidvalidity, messages, mut conn) = if pop {
        let known: HashSet<String> =
            prev.iter().flat_map(|p| p.inbox.messages.iter().filter_map(|m| m.uidl.clone())).collect();
        let msgs = crate::pop::snapshot::list_inbox(&spec, &target.net, &creds, global.plaintext, &known, now, &label)
            .await
            .with_context(|| format!("cannot record {label}"))?;
        notes.push(
            "POP3 sees only INBOX: where a message went cannot be told (snapshot the IMAP address for that)".into(),
        );
        (None, msgs, None)
    } else {
        let mut c =
            Conn::open(&spec, &target.net, &creds).await.with_context(|| format!("cannot connect to {label}"))?;
        let l = iw::list_inbox(&mut c, now).await.with_context(|| format!("cannot record {label}"))?;
        (l.uidvalidity, l.messages, Some(c))
    };
    let inbox = InboxSnapshot { uidvalidity, taken_at: now, messages };
    let changes = match conn.as_mut() {
        Some(c) => look_at_folders(c, prev.as_ref().map_or(&[][..], |p| &p.watched), now, &label).await?,
        None => Vec::new(),
    };
    for ch in &changes {
        if let Some((old, new)) = ch.uidvalidity_change {
            notes.push(format!(
                "{}'s UIDVALIDITY changed from {old} to {new}: the server renumbered it; watching it starts over, \
                 nothing counted as removed",
                ch.state.name
            ));
        }
    }
    let watched: Vec<FolderState> = changes.iter().map(|c| c.state.clone()).collect();

    let (st, report_removals, sweeps, arrived, uv_change, first_run, previous_run) = match prev {
        None => {
            let folders = match conn.as_mut() {
                Some(c) => iw::folder_marks(c).await?,
                None => Vec::new(),
            };
            let n = inbox.messages.len() as u64;
            let mut st = SnapshotState::new(account.clone(), inbox);
            st.folders = folders;
            st.watched = watched;
            st.record(Run { at: now, messages: n, arrived: 0, removed: 0 }, Vec::new(), Vec::new());
            notes.push(format!(
                "first snapshot: {n} message(s) recorded; run again (from cron, every 15-60 minutes) to see what \
                 disappears"
            ));
            (st, Vec::new(), Vec::new(), 0, None, true, None)
        }
        Some(mut st) => {
            let previous = st.inbox.taken_at;
            let d = diff(&st.inbox, inbox);
            let mut wanted: Vec<String> = d.removed.iter().filter_map(|m| m.message_id.clone()).collect();
            wanted.extend(changes.iter().flat_map(|c| c.removed.iter().filter_map(|m| m.message_id.clone())));
            let mut found: HashMap<String, Vec<(String, bool)>> = HashMap::new();
            if let Some(c) = conn.as_mut() {
                let (marks, f) = iw::locate(c, &st.folders, &wanted).await.context("cannot look for moved messages")?;
                st.folders = marks;
                found = f;
            }
            let mut removals: Vec<Removal> = d
                .removed
                .into_iter()
                .map(|m| {
                    let dest = destination(&found, "INBOX", m.message_id.as_deref());
                    Removal::new("INBOX", m, now, dest.as_ref())
                })
                .collect();
            // Restored from Trash or Junk to INBOX: a new INBOX message with its Message-ID.
            let new_in_inbox: HashSet<&str> =
                d.current.iter().filter(|m| m.first_seen == now).filter_map(|m| m.message_id.as_deref()).collect();
            let (folder_removals, sweeps) = folder_removals(&changes, &found, &new_in_inbox, now);
            removals.extend(folder_removals);
            if let Some((old, new)) = d.uidvalidity_change {
                notes.push(format!(
                    "INBOX's UIDVALIDITY changed from {old} to {new}: the server renumbered the folder (index rebuilt, \
                     restore, migration, or the folder was recreated); messages were matched by Message-ID instead \
                     of UID, so this is not a mass deletion"
                ));
            }
            st.inbox = InboxSnapshot { uidvalidity, taken_at: now, messages: d.current };
            st.watched = watched;
            let run = Run {
                at: now,
                messages: st.inbox.messages.len() as u64,
                arrived: d.arrived as u64,
                removed: removals.iter().filter(|r| r.folder == "INBOX").count() as u64,
            };
            st.record(run, removals.clone(), sweeps.clone());
            let uv = d.uidvalidity_change.map(|(old, new)| UidvalidityDoc { old, new, unmatched: d.unmatched as u64 });
            (st, removals, sweeps, d.arrived as u64, uv, false, Some(previous))
        }
    };
    if let Some(c) = conn.take() {
        c.logout().await;
    }

    let since = st.runs.first().map(|r| r.at).unwrap_or(now);
    let arrivals: u64 = st.runs.iter().map(|r| r.arrived).sum();
    let verdicts = evidence::judge(&Observation {
        removals: &st.removals,
        present: &st.inbox.messages,
        from: since,
        to: now,
        arrivals,
        inbox_only: pop,
        sweeps: &st.sweeps,
    });
    let status = if report_removals.iter().any(|r| r.cause.is_unexplained()) { Status::Warning } else { Status::Ok };
    let folders = changes
        .iter()
        .map(|c| FolderDoc {
            folder: c.state.name.clone(),
            role: c.state.role,
            uidvalidity: c.state.uidvalidity,
            messages: c.state.messages,
            tracked: c.state.tracked.len() as u64,
            arrived: c.arrived,
            removed: c.removed.len() as u64,
            sweep: sweeps.iter().find(|s| s.folder == c.state.name).map(SweepDoc::from),
        })
        .collect();
    let report = SnapshotReport {
        schema_version: LIVE_SCHEMA_VERSION,
        command: "deleters snapshot",
        generated_at: crate::report::rfc3339(now),
        source: label,
        protocol: if pop { "pop3" } else { "imap" },
        status,
        state_file: path.display().to_string(),
        first_run,
        previous_run: previous_run.map(crate::report::rfc3339),
        runs: st.runs.len() as u64,
        inbox: InboxDoc {
            uidvalidity: st.inbox.uidvalidity,
            messages: st.inbox.messages.len() as u64,
            arrived,
            removed: report_removals.iter().filter(|r| r.folder == "INBOX").count() as u64,
        },
        uidvalidity_change: uv_change,
        removals: report_removals.iter().map(RemovalDoc::from).collect(),
        folders,
        history: HistoryDoc {
            removals: st.removals.len() as u64,
            since: st.removals.first().map(|r| crate::report::rfc3339(r.noticed)),
            sweeps: st.sweeps.len() as u64,
        },
        verdicts,
        notes,
    };
    // The state is saved before printing: a closed pipe must not lose the run.
    state::save(&path, &st)?;
    super::emit(|out| Ok(render::render_snapshot(out, &report, json)?))?;
    Ok(if status == Status::Warning { ExitCode::Warning } else { ExitCode::Ok })
}

/// Looks at Trash and Junk (special-use, else by name): what changed since `prev`.
async fn look_at_folders(c: &mut Conn, prev: &[FolderState], now: Timestamp, label: &str) -> Result<Vec<FolderChange>> {
    let picked = iw::watched_folders(c).await.with_context(|| format!("cannot list the folders of {label}"))?;
    let mut out = Vec::new();
    for (raw, name, role) in picked {
        let before = prev.iter().find(|p| p.raw == raw && p.role == role);
        let listing = iw::read_folder(c, before, &raw)
            .await
            .with_context(|| format!("cannot read folder {name:?} of {label}"))?;
        out.push(match (listing, before) {
            (Some(l), _) => expiry::update(before, &name, &raw, role, l, now),
            // Unchanged: everything stayed, seen again now.
            (None, Some(b)) => FolderChange {
                state: FolderState { taken_at: now, ..b.clone() },
                removed: Vec::new(),
                kept: b.tracked.clone(),
                arrived: 0,
                uidvalidity_change: None,
                from: b.taken_at,
            },
            // Listed but not readable: nothing to watch there yet.
            (None, None) => continue,
        });
    }
    Ok(out)
}

/// Where a message that left `from` went: the first other folder it was found in.
fn destination(
    found: &HashMap<String, Vec<(String, bool)>>,
    from: &str,
    message_id: Option<&str>,
) -> Option<Destination> {
    let places = found.get(message_id?)?;
    places.iter().find(|(f, _)| f != from).map(|(folder, trash)| Destination { folder: folder.clone(), trash: *trash })
}

/// The removals from Trash and Junk (found elsewhere: filed or restored; else without
/// trace) and the sweep each folder's traceless ones make.
fn folder_removals(
    changes: &[FolderChange],
    found: &HashMap<String, Vec<(String, bool)>>,
    new_in_inbox: &HashSet<&str>,
    now: Timestamp,
) -> (Vec<Removal>, Vec<Sweep>) {
    let mut removals = Vec::new();
    let mut sweeps = Vec::new();
    for ch in changes {
        let name = &ch.state.name;
        let mut vanished = Vec::new();
        for m in &ch.removed {
            let id = m.message_id.as_deref();
            let dest = if id.is_some_and(|i| new_in_inbox.contains(i)) {
                Some(Destination { folder: "INBOX".into(), trash: false })
            } else {
                destination(found, name, id)
            };
            if dest.is_none() {
                vanished.push(m.clone());
            }
            removals.push(Removal::new(name, m.info(ch.from), now, dest.as_ref()));
        }
        sweeps.extend(Sweep::new(&ch.state, ch.from, now, &vanished, &ch.kept));
    }
    (removals, sweeps)
}

// ---------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------

pub fn watch(global: &GlobalArgs, args: DeletersWatchArgs) -> Result<ExitCode> {
    block(watch_run(global, args))
}

/// After a change, more changes of the same batch are awaited this long before acting.
const SETTLE: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

struct Watcher {
    spec: ServerSpec,
    net: NetSettings,
    creds: Credentials,
    source: String,
    json: bool,
    qresync: bool,
    w: Option<Conn>,
    h: Option<Conn>,
    tracker: Tracker,
    removals: Vec<Removal>,
    marks: Vec<FolderMark>,
    /// Gone messages waiting to be looked for, with when they were noticed.
    pending: Vec<(MessageInfo, Timestamp)>,
    need_fetch: bool,
    started: Timestamp,
    /// Trash and Junk as last looked at, and what left them.
    watched: Vec<FolderState>,
    sweeps: Vec<Sweep>,
    /// Messages of the sweeps that left without trace (all, where `removals` keeps examples).
    swept: u64,
    folders_every: Duration,
    next_folders: Instant,
}

/// Why the watch stops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    No,
    Yes,
}

impl Watcher {
    fn emit(&self, at: Timestamp, e: &Event) -> Result<()> {
        let mut out = std::io::stdout().lock();
        render::write_event(&mut out, at, e, self.json)?;
        out.flush()?;
        Ok(())
    }

    async fn connect(&mut self) -> Result<()> {
        let mut w = Conn::open(&self.spec, &self.net, &self.creds).await?;
        let h = Conn::open(&self.spec, &self.net, &self.creds).await?;
        if !w.has("IDLE") {
            return Err(error::failure_hint(
                format!("{} does not offer IDLE (RFC 2177): changes cannot be watched live", w.server),
                "run `mailsweep deleters snapshot` from cron instead",
            ));
        }
        self.qresync = w.has("QRESYNC");
        if self.qresync {
            w.ok("ENABLE QRESYNC", |_| {}).await?;
        }
        self.w = Some(w);
        self.h = Some(h);
        Ok(())
    }

    fn w(&mut self) -> &mut Conn {
        self.w.as_mut().expect("connected")
    }

    /// Handles one untagged response from the watching connection.
    fn handle(&mut self, r: &Response, now: Timestamp) -> Result<()> {
        let Response::Data(values) = r else { return Ok(()) };
        let Some(change) = iw::change(values) else { return Ok(()) };
        match change {
            Change::Exists(n) => {
                if n as usize > self.tracker.len() {
                    self.need_fetch = true;
                }
            }
            Change::Expunge(seq) => {
                if let Some(Notice::Gone(m)) = self.tracker.expunge(seq, now) {
                    self.pending.push((m, now));
                }
            }
            Change::Vanished { uids, .. } => {
                for n in self.tracker.vanished(&uids, now) {
                    if let Notice::Gone(m) = n {
                        self.pending.push((m, now));
                    }
                }
            }
            Change::Fetch(f) => {
                let known = f.uid.is_some_and(|u| self.tracker.get(u).is_some())
                    || (f.uid.is_none() && (f.seq as usize) <= self.tracker.len());
                if known {
                    let update = FlagUpdate {
                        seq: f.seq,
                        uid: f.uid,
                        seen: f.has_flag("\\Seen"),
                        deleted: f.has_flag("\\Deleted"),
                    };
                    if let Some(Notice::Flags { message, .. }) = self.tracker.flags(update, now) {
                        let e =
                            Event::Flags { message: (&message).into(), seen: message.seen, deleted: message.deleted };
                        self.emit(now, &e)?;
                    }
                } else if f.header.is_some() && f.uid.is_some() {
                    if let Some(Notice::Arrived(m)) = self.tracker.arrived(f.to_info(now), true) {
                        self.emit(now, &Event::Arrived { message: (&m).into() })?;
                    }
                } else if f.uid.is_none_or(|u| u > self.tracker.max_uid()) {
                    self.need_fetch = true;
                }
            }
        }
        Ok(())
    }

    async fn run_command(&mut self, cmd: &str) -> Result<()> {
        let mut got = Vec::new();
        let status = self.w().command(cmd, |r| got.push(r.clone())).await?;
        let now = Timestamp::now();
        for r in &got {
            self.handle(r, now)?;
        }
        if status.state != State::Ok {
            anyhow::bail!("{} refused: {status}", cmd.split(' ').take(2).collect::<Vec<_>>().join(" "));
        }
        Ok(())
    }

    /// Opens INBOX and reads it whole (start, or UIDVALIDITY changed).
    async fn load(&mut self) -> Result<()> {
        let e = iw::examine(self.w(), "INBOX").await?.context("the server says INBOX does not exist")?;
        let now = Timestamp::now();
        let mut listing = Vec::new();
        iw::fetch_all(self.w(), iw::MESSAGE_ITEMS, |r| {
            if let Response::Data(v) = r
                && let Some(f) = iw::parse_fetch(v)
                && f.uid.is_some()
                && f.flags.is_some()
            {
                listing.push((f.seq, f.to_info(now)));
            }
        })
        .await?;
        self.tracker.load(e.uidvalidity, listing);
        Ok(())
    }

    /// Reads the messages that arrived (UIDs above the highest known).
    async fn fetch_new(&mut self) -> Result<()> {
        self.need_fetch = false;
        let from = self.tracker.max_uid() + 1;
        self.run_command(&format!("UID FETCH {from}:* {}", iw::MESSAGE_ITEMS)).await
    }

    /// Looks for the gone messages in the other folders and reports each removal.
    async fn settle(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let wanted: Vec<String> = self.pending.iter().filter_map(|(m, _)| m.message_id.clone()).collect();
        let h = self.h.as_mut().expect("connected");
        let (marks, found) = iw::locate(h, &self.marks, &wanted).await?;
        self.marks = marks;
        for (m, noticed) in std::mem::take(&mut self.pending) {
            let dest = destination(&found, "INBOX", m.message_id.as_deref());
            let r = Removal::new("INBOX", m, noticed, dest.as_ref());
            self.emit(noticed, &Event::Removed { removal: (&r).into() })?;
            self.removals.push(r);
        }
        Ok(())
    }

    /// Looks at Trash and Junk (STATUS; their UIDs when it moved) and reports what left
    /// them: up to [`state::EXAMPLES_PER_SWEEP`] `removed` events per folder, then one
    /// `folder_swept` event with the reading of all.
    async fn check_folders(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            // INBOX removals first: their search must see the folders' counters move.
            self.next_folders = Instant::now() + 2 * SETTLE;
            return Ok(());
        }
        let now = Timestamp::now();
        self.next_folders = Instant::now() + self.folders_every;
        let h = self.h.as_mut().expect("connected");
        let mut changes = Vec::new();
        for st in &self.watched {
            let listing = iw::read_folder(h, Some(st), &st.raw)
                .await
                .with_context(|| format!("cannot read folder {:?}", st.name))?;
            changes.push(match listing {
                Some(l) => expiry::update(Some(st), &st.name, &st.raw, st.role, l, now),
                None => FolderChange {
                    state: FolderState { taken_at: now, ..st.clone() },
                    removed: Vec::new(),
                    kept: Vec::new(),
                    arrived: 0,
                    uidvalidity_change: None,
                    from: st.taken_at,
                },
            });
        }
        self.watched = changes.iter().map(|c| c.state.clone()).collect();
        let wanted: Vec<String> =
            changes.iter().flat_map(|c| c.removed.iter().filter_map(|m| m.message_id.clone())).collect();
        if changes.iter().all(|c| c.removed.is_empty()) {
            return Ok(());
        }
        let (marks, found) = iw::locate(h, &self.marks, &wanted).await?;
        self.marks = marks;
        // Restored to INBOX: the watcher knows INBOX's messages.
        let inbox: Vec<MessageInfo> = self.tracker.present();
        let in_inbox: HashSet<&str> = inbox.iter().filter_map(|m| m.message_id.as_deref()).collect();
        let (removals, sweeps) = folder_removals(&changes, &found, &in_inbox, now);
        let mut shown: HashMap<String, usize> = HashMap::new();
        for r in removals {
            if r.cause == Cause::VanishedElsewhere {
                let n = shown.entry(r.folder.clone()).or_default();
                *n += 1;
                if *n > state::EXAMPLES_PER_SWEEP {
                    continue;
                }
            }
            self.emit(now, &Event::Removed { removal: (&r).into() })?;
            self.removals.push(r);
        }
        for sw in sweeps {
            self.swept += sw.removed;
            self.emit(now, &Event::FolderSwept { sweep: (&sw).into() })?;
            self.sweeps.push(sw);
        }
        Ok(())
    }

    fn summary(&self, now: Timestamp) -> WatchSummary {
        let present = self.tracker.present();
        let verdicts = evidence::judge(&Observation {
            removals: &self.removals,
            present: &present,
            from: self.started,
            to: now,
            arrivals: self.tracker.arrivals,
            inbox_only: false,
            sweeps: &self.sweeps,
        });
        let mut removals = CauseCounts::of(&self.removals);
        removals.vanished_elsewhere = self.swept;
        WatchSummary {
            source: self.source.clone(),
            status: self.status(),
            watching_since: crate::report::rfc3339(self.started),
            arrivals: self.tracker.arrivals,
            messages: present.len() as u64,
            removals,
            sweeps: self.sweeps.len() as u64,
            verdicts,
        }
    }

    fn status(&self) -> Status {
        if self.removals.iter().any(|r| r.cause == Cause::Vanished) { Status::Warning } else { Status::Ok }
    }

    fn print_summary(&self, last: bool) -> Result<()> {
        let now = Timestamp::now();
        let s = self.summary(now);
        let mut out = std::io::stdout().lock();
        render::write_summary(&mut out, now, &s, last, self.json)?;
        out.flush()?;
        Ok(())
    }

    /// Reopens INBOX after a reconnection and works out what changed while away.
    async fn resync(&mut self, lost: Timestamp) -> Result<()> {
        let e = iw::examine(self.w(), "INBOX").await?.context("the server says INBOX does not exist")?;
        let now = Timestamp::now();
        if e.uidvalidity != self.tracker.uidvalidity {
            self.emit(now, &Event::UidvalidityChanged { old: self.tracker.uidvalidity, new: e.uidvalidity })?;
            return self.load().await;
        }
        let mut listing = Vec::new();
        iw::fetch_all(self.w(), "(UID FLAGS)", |r| {
            if let Response::Data(v) = r
                && let Some(f) = iw::parse_fetch(v)
                && let Some(uid) = f.uid
            {
                listing.push((
                    f.seq,
                    uid,
                    f.has_flag("\\Seen").unwrap_or(false),
                    f.has_flag("\\Deleted").unwrap_or(false),
                ));
            }
        })
        .await?;
        let (notices, new) = self.tracker.resync(&listing, lost, now);
        let mut removed = 0;
        for n in notices {
            match n {
                Notice::Gone(m) => {
                    removed += 1;
                    self.pending.push((m, now));
                }
                Notice::Flags { message, .. } => {
                    let e = Event::Flags { message: (&message).into(), seen: message.seen, deleted: message.deleted };
                    self.emit(now, &e)?;
                }
                Notice::Arrived(_) => {}
            }
        }
        self.emit(now, &Event::Reconnected { removed_while_away: removed, arrived_while_away: new.len() as u64 })?;
        self.need_fetch = !new.is_empty();
        Ok(())
    }

    /// One round: act on what is pending, then IDLE until a change, a renewal, a
    /// summary, or the end.
    async fn round(&mut self, stop: &mut Stopper, summary: &mut Option<(Instant, Duration)>) -> Result<Stop> {
        if self.need_fetch {
            self.fetch_new().await?;
        }
        self.settle().await?;
        if self.need_fetch {
            return Ok(Stop::No);
        }
        let mut got = Vec::new();
        let tag = self.w().idle_start(|r| got.push(r.clone())).await?;
        let now = Timestamp::now();
        for r in &got {
            self.handle(r, now)?;
        }
        let renew = Instant::now() + iw::IDLE_RENEW;
        let mut settle_at: Option<Instant> = (self.need_fetch || !self.pending.is_empty()).then(Instant::now);
        let mut result = Stop::No;
        loop {
            let summary_at = summary.map(|(at, _)| at);
            let settle = settle_at.unwrap_or(renew);
            tokio::select! {
                r = self.w.as_mut().expect("connected").next() => {
                    let r = r?;
                    if let Response::Status(s) = &r && s.state == State::Bye {
                        anyhow::bail!("the server closed the connection: {}", s.text);
                    }
                    self.handle(&r, Timestamp::now())?;
                    if settle_at.is_none() && (self.need_fetch || !self.pending.is_empty()) {
                        settle_at = Some(Instant::now() + SETTLE);
                    }
                }
                _ = tokio::time::sleep_until(settle) => break,
                // The helper connection looks at Trash and Junk while this one idles.
                _ = tokio::time::sleep_until(self.next_folders) => self.check_folders().await?,
                _ = sleep_opt(summary_at) => {
                    self.print_summary(false)?;
                    if let Some((at, every)) = summary.as_mut() {
                        *at += *every;
                    }
                }
                _ = stop.wait() => {
                    result = Stop::Yes;
                    break;
                }
            }
        }
        let mut got = Vec::new();
        self.w().idle_done(&tag, |r| got.push(r.clone())).await?;
        let now = Timestamp::now();
        for r in &got {
            self.handle(r, now)?;
        }
        if result == Stop::Yes {
            // Report what already happened before stopping.
            if self.need_fetch {
                self.fetch_new().await?;
            }
            self.settle().await?;
            self.check_folders().await?;
        }
        Ok(result)
    }
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Ctrl-C, SIGTERM or the end of `--for`.
struct Stopper {
    deadline: Option<Instant>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    fired: bool,
}

impl Stopper {
    async fn wait(&mut self) {
        if self.fired {
            return;
        }
        #[cfg(unix)]
        let term = async {
            match self.term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
            _ = sleep_opt(self.deadline) => {}
        }
        self.fired = true;
    }
}

async fn watch_run(global: &GlobalArgs, args: DeletersWatchArgs) -> Result<ExitCode> {
    let json = json_format(args.format, "deleters watch")?;
    let duration = args.duration.as_deref().map(|d| parse_duration(d, "--for")).transpose()?;
    let every = args.summary_every.as_deref().map(|d| parse_duration(d, "--summary-every")).transpose()?;
    let folders_every = parse_duration(&args.folders_every, "--folders-every")?;
    let (target, spec, creds) = one_server(global, &args.source, &args.target, "deleters watch")?;
    if spec.protocol != Protocol::Imap {
        return Err(error::usage_hint(
            "deleters watch needs IMAP: POP3 cannot be told about changes as they happen",
            "use the IMAP address of the mailbox, or `deleters snapshot` from cron for POP3",
        ));
    }
    let mut stop = Stopper {
        deadline: duration.map(|d| Instant::now() + d),
        #[cfg(unix)]
        term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        fired: false,
    };
    let mut summary = every.map(|e| (Instant::now() + e, e));
    let label = target.label();
    let mut wt = Watcher {
        spec,
        net: target.net.clone(),
        creds,
        source: label.clone(),
        json,
        qresync: false,
        w: None,
        h: None,
        tracker: Tracker::new(),
        removals: Vec::new(),
        marks: Vec::new(),
        pending: Vec::new(),
        need_fetch: false,
        started: Timestamp::now(),
        watched: Vec::new(),
        sweeps: Vec::new(),
        swept: 0,
        folders_every,
        next_folders: Instant::now() + folders_every,
    };
    // The first connection must work: a wrong password or host is an error, not a retry.
    wt.connect().await.with_context(|| format!("cannot connect to {label}"))?;
    wt.load().await.with_context(|| format!("cannot read INBOX of {label}"))?;
    let h = wt.h.as_mut().expect("connected");
    wt.marks = iw::folder_marks(h).await.with_context(|| format!("cannot list the folders of {label}"))?;
    wt.watched = look_at_folders(h, &[], wt.started, &label).await?.into_iter().map(|c| c.state).collect();
    let started = Event::Started {
        source: label.clone(),
        messages: wt.tracker.len() as u64,
        uidvalidity: wt.tracker.uidvalidity,
        qresync: wt.qresync,
        watched_folders: wt.watched.iter().map(|w| w.name.clone()).collect(),
        until: duration
            .and_then(|d| jiff::SignedDuration::try_from(d).ok())
            .and_then(|d| wt.started.checked_add(d).ok())
            .map(crate::report::rfc3339),
    };
    wt.emit(wt.started, &started)?;
    if args.canary {
        let now = Timestamp::now();
        let token = format!("{}.{}", now.as_millisecond(), std::process::id());
        let message = iw::canary_message(&token, &wt.spec.user, now);
        let h = wt.h.as_mut().expect("connected");
        let uid = h.append("INBOX", &message).await.context("cannot append the canary to INBOX")?;
        let e = Event::CanaryAppended { message_id: format!("<{token}@{}>", evidence::CANARY_DOMAIN), uid };
        wt.emit(now, &e)?;
    }

    let mut backoff = Duration::from_millis(500);
    loop {
        match wt.round(&mut stop, &mut summary).await {
            Ok(Stop::Yes) => break,
            Ok(Stop::No) => continue,
            Err(e) if crate::report::is_broken_pipe(&e) => return Err(e),
            Err(e) => {
                let lost = Timestamp::now();
                wt.emit(lost, &Event::Disconnected { error: error::one_line(&e) })?;
                wt.w = None;
                wt.h = None;
                // Reconnect until it works or the watch ends; what was learned stays.
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.wait() => {
                            wt.print_summary(true)?;
                            return Ok(exit_of(&wt));
                        }
                    }
                    let attempt = async {
                        wt.connect().await?;
                        wt.resync(lost).await
                    };
                    match attempt.await {
                        Ok(()) => {
                            backoff = Duration::from_millis(500);
                            break;
                        }
                        Err(e) if error::exit_code(&e) == ExitCode::Unknown => return Err(e),
                        Err(_) => {
                            wt.w = None;
                            wt.h = None;
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                        }
                    }
                }
            }
        }
    }
    wt.print_summary(true)?;
    for c in [wt.w.take(), wt.h.take()].into_iter().flatten() {
        c.logout().await;
    }
    Ok(exit_of(&wt))
}

fn exit_of(w: &Watcher) -> ExitCode {
    if w.status() == Status::Warning { ExitCode::Warning } else { ExitCode::Ok }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s", "--for").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30min", "--for").unwrap(), Duration::from_secs(1800));
        assert!(parse_duration("1m", "--for").unwrap() >= Duration::from_secs(28 * 86_400), "m is months");
        assert_eq!(parse_duration("2h", "--for").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("1d", "--for").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_duration("45", "--for").unwrap(), Duration::from_secs(45));
        for bad in ["", "0", "5x", "soon", "-3m"] {
            let e = parse_duration(bad, "--for").unwrap_err();
            assert_eq!(error::exit_code(&e), ExitCode::Unknown, "{bad}");
        }
    }
}
