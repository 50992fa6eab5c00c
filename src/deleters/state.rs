//! The snapshot state file: one per account, at
//! `$XDG_STATE_HOME/mailsweep/snapshots/<account-key>.json` (else
//! `~/.local/state/mailsweep/...`), versioned by `state_version`, written atomically
//! (temporary file in the same directory, fsync, rename, fsync of the directory) with mode
//! 0600, since it holds subjects and senders.
//!
//! A file that does not parse, was written by a newer mailsweep, or belongs to another
//! account is refused with an error that says how to start over (`--reset`), never
//! overwritten silently: the history it holds is what the verdicts are made of.
//!
//! Versions: 1 remembered INBOX, the other folders' counters and the removals. 2 adds the
//! Trash and Junk folders' messages (`watched`, bounded by [`expiry::MAX_TRACKED`] each)
//! and the sweeps read from them (`sweeps`). A version 1 file is migrated on load: its
//! history is kept, the new fields start empty (Trash and Junk are watched from that run
//! on), and [`SnapshotState::upgraded_from`] tells the caller to say so; it is written
//! back as version 2.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::diff::InboxSnapshot;
use super::evidence::{Cause, Removal};
use super::expiry::{self, FolderState, Sweep};
use crate::error;
use crate::model::{Protocol, ServerSpec};

/// The version of the state file this mailsweep writes and reads.
pub const STATE_VERSION: u32 = 2;
/// The oldest version this mailsweep migrates.
const OLDEST_READABLE: u32 = 1;
/// The `kind` field, so a stray JSON file is not mistaken for a state file.
pub const STATE_KIND: &str = "mailsweep deleters snapshot";
/// Runs remembered (one line each), and removals kept for the age pattern.
const MAX_RUNS: usize = 500;
const MAX_REMOVALS: usize = 2000;
/// Sweeps of Trash and Junk kept for the expiry age (each is a few hundred bytes).
const MAX_SWEEPS: usize = 500;
/// Messages that left Trash or Junk without trace are kept as removals (examples) up to
/// this many per sweep: the sweep holds the counts and ages of all.
pub const EXAMPLES_PER_SWEEP: usize = 20;
/// Removals older than this are forgotten: a habit a year old says little about today.
const REMOVAL_HORIZON_SECS: i64 = 180 * 86_400;

/// One run, as remembered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub at: Timestamp,
    pub messages: u64,
    pub arrived: u64,
    pub removed: u64,
}

/// Another folder's counters (IMAP), to see where removed messages went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderMark {
    /// Display name (UTF-8, `/`-separated).
    pub name: String,
    /// Raw (modified UTF-7) name, as the server spells it.
    pub raw: String,
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub messages: u64,
    #[serde(default)]
    pub trash: bool,
}

/// Everything a snapshot remembers between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotState {
    pub state_version: u32,
    pub kind: String,
    /// The source, as shown (`imaps://alice@mail.example.org:993`): never a secret.
    pub account: String,
    pub runs: Vec<Run>,
    pub inbox: InboxSnapshot,
    #[serde(default)]
    pub folders: Vec<FolderMark>,
    /// Past removals (bounded), for the age-at-disappearance pattern.
    #[serde(default)]
    pub removals: Vec<Removal>,
    /// The Trash and Junk folders' messages as last seen (version 2).
    #[serde(default)]
    pub watched: Vec<FolderState>,
    /// What left them without trace (bounded), for the expiry age (version 2).
    #[serde(default)]
    pub sweeps: Vec<Sweep>,
    /// The version the file had when read, when older than [`STATE_VERSION`].
    #[serde(skip)]
    pub upgraded_from: Option<u32>,
}

impl SnapshotState {
    pub fn new(account: String, inbox: InboxSnapshot) -> SnapshotState {
        SnapshotState {
            state_version: STATE_VERSION,
            kind: STATE_KIND.to_string(),
            account,
            runs: Vec::new(),
            inbox,
            folders: Vec::new(),
            removals: Vec::new(),
            watched: Vec::new(),
            sweeps: Vec::new(),
            upgraded_from: None,
        }
    }

    /// Records a run and forgets what is too old or too much.
    /// Records a run and forgets what is too old or too much. Of the removals from Trash
    /// and Junk without trace, [`EXAMPLES_PER_SWEEP`] per folder are kept: their sweeps
    /// count them all.
    pub fn record(&mut self, run: Run, removals: Vec<Removal>, sweeps: Vec<Sweep>) {
        self.runs.push(run);
        if self.runs.len() > MAX_RUNS {
            self.runs.drain(..self.runs.len() - MAX_RUNS);
        }
        let mut per_folder: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        self.removals.extend(removals.into_iter().filter(|r| {
            if r.cause != Cause::VanishedElsewhere {
                return true;
            }
            let n = per_folder.entry(r.folder.clone()).or_default();
            *n += 1;
            *n <= EXAMPLES_PER_SWEEP
        }));
        let horizon = self.runs.last().map_or(0, |r| r.at.as_second()) - REMOVAL_HORIZON_SECS;
        self.removals.retain(|r| r.noticed.as_second() >= horizon);
        if self.removals.len() > MAX_REMOVALS {
            self.removals.drain(..self.removals.len() - MAX_REMOVALS);
        }
        self.sweeps.extend(sweeps);
        self.sweeps.retain(|s| s.at.as_second() >= horizon);
        if self.sweeps.len() > MAX_SWEEPS {
            self.sweeps.drain(..self.sweeps.len() - MAX_SWEEPS);
        }
        for w in &mut self.watched {
            w.tracked.truncate(expiry::MAX_TRACKED);
        }
    }
}

/// The directory of state files: `$XDG_STATE_HOME/mailsweep/snapshots`, else
/// `$HOME/.local/state/mailsweep/snapshots`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/state"))
    })?;
    Some(base.join("mailsweep/snapshots"))
}

/// A file name for one account: `imap-alice@mail.example.org-993`, with anything outside
/// `[A-Za-z0-9._@+-]` replaced, so a user name cannot climb out of the directory.
pub fn account_key(spec: &ServerSpec) -> String {
    let proto = match spec.protocol {
        Protocol::Imap => "imap",
        Protocol::Pop3 => "pop3",
    };
    let raw = format!("{proto}-{}@{}-{}", spec.user, spec.host, spec.port);
    let mut key: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || "._@+-".contains(c) { c } else { '_' }).collect();
    if key.starts_with('.') {
        key.replace_range(..1, "_");
    }
    key
}

/// Reads the state file; `None` when there is none yet.
pub fn load(path: &Path, account: &str) -> Result<Option<SnapshotState>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(error::failure_hint(
                format!("cannot read state file \"{}\": {e}", path.display()),
                "check the permissions of the state directory ($XDG_STATE_HOME/mailsweep/snapshots)",
            ));
        }
    };
    let reset = format!(
        "to start over, run again with --reset (the history in it is lost), or move \"{}\" away",
        path.display()
    );
    #[derive(Deserialize)]
    struct Head {
        state_version: Option<u32>,
        kind: Option<String>,
        account: Option<String>,
    }
    let head: Head = serde_json::from_slice(&bytes).map_err(|e| {
        error::usage_hint(format!("state file \"{}\" is corrupt (not JSON: {e})", path.display()), reset.clone())
    })?;
    if head.kind.as_deref() != Some(STATE_KIND) {
        return Err(error::usage_hint(format!("\"{}\" is not a mailsweep snapshot state file", path.display()), reset));
    }
    match head.state_version {
        Some(v) if (OLDEST_READABLE..=STATE_VERSION).contains(&v) => {}
        Some(v) if v > STATE_VERSION => {
            return Err(error::usage_hint(
                format!(
                    "state file \"{}\" has state_version {v}, written by a newer mailsweep (this one reads {STATE_VERSION})",
                    path.display()
                ),
                format!("use the newer mailsweep, or {reset}"),
            ));
        }
        other => {
            return Err(error::usage_hint(
                format!("state file \"{}\" has an unknown state_version {other:?}", path.display()),
                reset,
            ));
        }
    }
    if head.account.as_deref() != Some(account) {
        return Err(error::usage_hint(
            format!(
                "state file \"{}\" belongs to {}, not {account}",
                path.display(),
                head.account.as_deref().unwrap_or("no account")
            ),
            reset,
        ));
    }
    let mut state: SnapshotState = serde_json::from_slice(&bytes)
        .map_err(|e| error::usage_hint(format!("state file \"{}\" is corrupt: {e}", path.display()), reset.clone()))?;
    // Migration: every field a newer version added has a serde default (empty).
    if state.state_version < STATE_VERSION {
        state.upgraded_from = Some(state.state_version);
        state.state_version = STATE_VERSION;
    }
    Ok(Some(state))
}

/// Writes the state atomically: a reader (or a crash) sees the old file or the new one,
/// never half of one.
pub fn save(path: &Path, state: &SnapshotState) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let what = || format!("cannot write state file \"{}\"", path.display());
    create_private_dir(dir).with_context(what)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = open_private(&tmp)?;
        serde_json::to_writer_pretty(&mut f, state)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        // The rename itself is durable only once the directory is.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(what)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deleters::evidence::MessageInfo;
    use crate::model::Security;

    fn state() -> SnapshotState {
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let m = MessageInfo { uid: Some(3), first_seen: t, last_seen: t, ..MessageInfo::default() };
        SnapshotState::new(
            "imaps://alice@h:993".into(),
            InboxSnapshot { uidvalidity: Some(5), taken_at: t, messages: vec![m] },
        )
    }

    #[test]
    fn state_round_trips_atomically_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshots/imap-alice@h-993.json");
        assert_eq!(load(&path, "imaps://alice@h:993").unwrap(), None);
        let s = state();
        save(&path, &s).unwrap();
        save(&path, &s).unwrap();
        assert_eq!(load(&path, "imaps://alice@h:993").unwrap(), Some(s));
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"state_version\": 2"), "{text}");
    }

    #[test]
    fn corrupt_foreign_and_newer_files_are_refused_with_a_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let check = |contents: &str, needle: &str| {
            std::fs::write(&path, contents).unwrap();
            let e = load(&path, "imaps://alice@h:993").unwrap_err();
            let line = error::one_line(&e);
            assert!(line.contains(needle), "{line}");
            assert!(error::hints(&e).iter().any(|h| h.contains("--reset")), "{:?}", error::hints(&e));
            assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Unknown);
        };
        check("{\"state_version\": 1, \"kind\": \"mailsw", "is corrupt");
        check("{\"hello\": 1}", "not a mailsweep snapshot state file");
        let mut newer = serde_json::to_value(state()).unwrap();
        newer["state_version"] = 99.into();
        check(&newer.to_string(), "written by a newer mailsweep");
        check(&serde_json::to_string(&state()).unwrap().replace("alice", "bob"), "belongs to imaps://bob@h:993");
        let mut ancient = serde_json::to_value(state()).unwrap();
        ancient["state_version"] = 0.into();
        check(&ancient.to_string(), "unknown state_version Some(0)");
        let mut broken = serde_json::to_value(state()).unwrap();
        broken["inbox"] = 3.into();
        check(&broken.to_string(), "is corrupt");
    }

    #[test]
    fn a_version_1_file_is_migrated_keeping_its_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let mut v1 = serde_json::to_value(state()).unwrap();
        v1["state_version"] = 1.into();
        let o = v1.as_object_mut().unwrap();
        o.remove("watched");
        o.remove("sweeps");
        std::fs::write(&path, v1.to_string()).unwrap();
        let s = load(&path, "imaps://alice@h:993").unwrap().unwrap();
        assert_eq!(s.upgraded_from, Some(1));
        assert_eq!(s.state_version, STATE_VERSION);
        assert_eq!(s.inbox, state().inbox, "history kept");
        assert!(s.watched.is_empty() && s.sweeps.is_empty());
        save(&path, &s).unwrap();
        let again = load(&path, "imaps://alice@h:993").unwrap().unwrap();
        assert_eq!(again.upgraded_from, None);
    }

    #[test]
    fn folder_removals_are_kept_as_a_few_examples() {
        let mut s = state();
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let m = MessageInfo { uid: Some(1), first_seen: t, last_seen: t, ..MessageInfo::default() };
        let many: Vec<Removal> = (0..100).map(|_| Removal::new("Trash", m.clone(), t, None)).collect();
        let inbox = Removal::new("INBOX", m, t, None);
        s.record(Run { at: t, messages: 0, arrived: 0, removed: 101 }, [many, vec![inbox]].concat(), Vec::new());
        assert_eq!(s.removals.len(), EXAMPLES_PER_SWEEP + 1);
        assert!(s.removals.iter().any(|r| r.folder == "INBOX"));
    }

    #[test]
    fn account_keys_are_safe_file_names() {
        let spec = |user: &str| ServerSpec {
            protocol: Protocol::Imap,
            security: Security::Tls,
            host: "mail.example.org".into(),
            port: 993,
            user: user.into(),
        };
        assert_eq!(account_key(&spec("alice")), "imap-alice@mail.example.org-993");
        assert_eq!(account_key(&spec("../../etc/x")), "imap-.._.._etc_x@mail.example.org-993");
    }

    #[test]
    fn history_is_bounded() {
        let mut s = state();
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        for i in 0..(MAX_RUNS + 5) {
            s.record(Run { at: t, messages: i as u64, arrived: 0, removed: 0 }, Vec::new(), Vec::new());
        }
        assert_eq!(s.runs.len(), MAX_RUNS);
        assert_eq!(s.runs[0].messages, 5);
    }
}
