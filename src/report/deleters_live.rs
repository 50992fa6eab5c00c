//! Renders `deleters watch` (events as they happen, then summaries) and `deleters
//! snapshot` (one report per run) as text or JSON.
//!
//! # `deleters snapshot --format json`, schema_version 1: one document
//! ```text
//! {
//!   "schema_version": 1,
//!   "command": "deleters snapshot",
//!   "generated_at": RFC 3339 UTC,
//!   "source": "imaps://alice@mail.example.org:993",
//!   "protocol": "imap" | "pop3",
//!   "status": "ok" | "warning",             // warning (exit 1): mail vanished to an unknown client this run
//!   "state_file": "/home/alice/.local/state/mailsweep/snapshots/imap-alice@mail.example.org-993.json",
//!   "first_run": false,                     // true: nothing to compare with yet
//!   "previous_run": RFC 3339 | null,
//!   "runs": 12,                             // runs remembered in the state file
//!   "inbox": { "uidvalidity": 1700000000 | null, "messages": 40, "arrived": 3, "removed": 2 },
//!   "uidvalidity_change": { "old": 1, "new": 2, "unmatched": 0 } | null,
//!   "removals": [ REMOVAL ],                // this run's: INBOX's, and Trash's and Junk's
//!   "folders": [ FOLDER ],                  // Trash and Junk (IMAP only; [] over POP3)
//!   "history": { "removals": 25, "since": RFC 3339 | null, "sweeps": 4 },   // what the verdicts are made of
//!   "verdicts": [ VERDICT ],
//!   "notes": ["..."]
//! }
//! FOLDER = {                                // a watched folder (special-use \Trash / \Junk, else by name)
//!   "folder": "Trash", "role": "trash" | "junk", "uidvalidity": 1700000001 | null,
//!   "messages": 120,                        // in the folder now
//!   "tracked": 120,                         // remembered (the lowest 5000 UIDs at most)
//!   "arrived": 2, "removed": 3,             // since the previous run (removed: found elsewhere or not)
//!   "sweep": SWEEP | null                   // this run's removals without trace, read
//! }
//! SWEEP = {
//!   "folder": "Trash", "role": "trash",
//!   "from": RFC 3339, "at": RFC 3339,       // the two looks it happened between
//!   "removed": 3, "kept": 3,                // gone without trace; there at both looks
//!   "reading": "age_cut"                    // every removed message older than every kept one: an expiry
//!            | "took_all"                   // everything went at once: emptied (by hand, or an expiry
//!                                           //   that found only old mail: later sweeps tell)
//!            | "selective",                 // some went while older ones stayed: picked by someone
//!   "clock": "received" | "saved" | null,   // the age cut's clock: INTERNALDATE, or SAVEDATE (when put there)
//!   "received": AGES, "saved": AGES,
//!   "summary": "Trash: 3 message(s) aged 31 to 40 days went between ..."
//! }
//! AGES = { "youngest_removed_seconds": 2678400 | null, "oldest_removed_seconds": ..., "median_removed_seconds": ...,
//!          "oldest_kept_seconds": ... | null,       // ages at the middle of the interval
//!          "cut": { "above_seconds": 2505600, "at_most_seconds": 2678400 } | null }  // the expiry age's bracket
//! ```
//! Ages of removals are estimated at the middle of the interval between the two looks
//! (`age_seconds`); the expiry age is bracketed exactly: every removed message was at least
//! N old when it went (so N ≤ its age at the second look), every kept one younger (so N >
//! its age at the first look). A `server_expiry` verdict carries `days`, the middle of the
//! bracket its sweeps agree on; someone emptying the folder gives `imap_permanent_delete`.
//! ```text
//! REMOVAL = {
//!   "folder": "INBOX", "uid": 12 | null, "uidl": "..." | null, "message_id": "<...>" | null,
//!   "subject": "..." | null, "from": "..." | null, "size": 1234,
//!   "arrived": RFC 3339 | null,             // INTERNALDATE (IMAP) or newest Received: (POP3)
//!   "first_seen": RFC 3339, "last_seen": RFC 3339,   // last_seen: last time it was there
//!   "noticed": RFC 3339,                    // when it was found gone
//!   "age_seconds": 1209600 | null,          // on the server until removed (estimated midway last_seen..noticed)
//!   "cause": "filed" | "trashed" | "expunged" | "vanished" | "vanished_elsewhere",
//!                                           // vanished_elsewhere: gone without trace from Trash or Junk
//!   "moved_to": "Archive" | null,
//!   "seen_before": true,                    // \Seen was set before it went
//!   "deleted_flag_seen": false,             // \Deleted was seen before it went
//!   "canary": false
//! }
//! VERDICT = as in `deleters logs`: { "kind", "status", "confidence", "addresses": [], "days",
//!            "evidence": [...], "advice": [ { "rule", "text" } ] }
//! ```
//!
//! # `deleters watch --format json`, schema_version 1: JSON lines
//! One object per line, flushed as it happens:
//! ```text
//! {"schema_version":1,"type":"event","at":RFC 3339,"event":"started","source":"...","messages":40,
//!  "uidvalidity":1700000000,"qresync":true,"watched_folders":["Trash","Junk"],"until":RFC 3339|null}
//! {"schema_version":1,"type":"event","at":...,"event":"arrived","message":MESSAGE}
//! {"schema_version":1,"type":"event","at":...,"event":"flags","message":MESSAGE,"seen":true,"deleted":false}
//! {"schema_version":1,"type":"event","at":...,"event":"removed","removal":REMOVAL}
//! {"schema_version":1,"type":"event","at":...,"event":"canary_appended","message_id":"<...>","uid":41|null}
//! {"schema_version":1,"type":"event","at":...,"event":"disconnected","error":"..."}
//! {"schema_version":1,"type":"event","at":...,"event":"reconnected","removed_while_away":1,"arrived_while_away":0}
//! {"schema_version":1,"type":"event","at":...,"event":"uidvalidity_changed","old":1,"new":2}
//! {"schema_version":1,"type":"event","at":...,"event":"folder_swept","sweep":SWEEP}   // Trash/Junk (below)
//! {"schema_version":1,"type":"summary","at":...,"final":true,"source":"...","status":"ok"|"warning",
//!  "watching_since":RFC 3339,"arrivals":3,"messages":40,"removals":{"filed":1,"trashed":0,"expunged":0,
//!  "vanished":2,"vanished_elsewhere":0},"sweeps":1,"verdicts":[VERDICT]}
//! MESSAGE = { "uid", "message_id", "subject", "from", "size", "arrived" }
//! ```
//! Trash and Junk are checked with STATUS every `--folders-every` (1 min by default) and
//! when the watch ends; when their counters moved, their UIDs are compared: each message
//! gone is a `removed` event (folder "Trash", at most 20 per sweep), then one
//! `folder_swept` event reads them all (SWEEP as in the snapshot). `vanished_elsewhere`
//! in the summary counts every message of the sweeps.
//! Additive changes only; a breaking change bumps [`LIVE_SCHEMA_VERSION`].

use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

use super::{printable, rfc3339, write_json};
use crate::deleters::evidence::{Cause, MessageInfo, Removal};
use crate::deleters::expiry::{Clock, ClockView, Reading, Role, Sweep};
use crate::model::Status;
use crate::model::size::human;
use crate::model::verdict::{Verdict, human_duration};

/// The version of the watch and snapshot JSON.
pub const LIVE_SCHEMA_VERSION: u32 = 1;

/// A message as events show it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageDoc {
    pub uid: Option<u32>,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub size: u64,
    pub arrived: Option<String>,
}

impl From<&MessageInfo> for MessageDoc {
    fn from(m: &MessageInfo) -> Self {
        MessageDoc {
            uid: m.uid,
            message_id: m.message_id.clone(),
            subject: m.subject.clone(),
            from: m.from.clone(),
            size: m.size,
            arrived: m.arrived.map(rfc3339),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RemovalDoc {
    pub folder: String,
    pub uid: Option<u32>,
    pub uidl: Option<String>,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub size: u64,
    pub arrived: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub noticed: String,
    pub age_seconds: Option<u64>,
    pub cause: Cause,
    pub moved_to: Option<String>,
    pub seen_before: bool,
    pub deleted_flag_seen: bool,
    pub canary: bool,
}

impl From<&Removal> for RemovalDoc {
    fn from(r: &Removal) -> Self {
        let m = &r.message;
        RemovalDoc {
            folder: r.folder.clone(),
            uid: m.uid,
            uidl: m.uidl.clone(),
            message_id: m.message_id.clone(),
            subject: m.subject.clone(),
            from: m.from.clone(),
            size: m.size,
            arrived: m.arrived.map(rfc3339),
            first_seen: rfc3339(m.first_seen),
            last_seen: rfc3339(m.last_seen),
            noticed: rfc3339(r.noticed),
            age_seconds: r.age_secs(),
            cause: r.cause,
            moved_to: r.moved_to.clone(),
            seen_before: m.seen || m.seen_set_at.is_some(),
            deleted_flag_seen: m.deleted,
            canary: m.is_canary(),
        }
    }
}

/// What happened, as `watch` reports it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        source: String,
        messages: u64,
        uidvalidity: Option<u32>,
        qresync: bool,
        watched_folders: Vec<String>,
        until: Option<String>,
    },
    Arrived {
        message: MessageDoc,
    },
    Flags {
        message: MessageDoc,
        seen: bool,
        deleted: bool,
    },
    Removed {
        removal: RemovalDoc,
    },
    CanaryAppended {
        message_id: String,
        uid: Option<u32>,
    },
    Disconnected {
        error: String,
    },
    Reconnected {
        removed_while_away: u64,
        arrived_while_away: u64,
    },
    UidvalidityChanged {
        old: Option<u32>,
        new: Option<u32>,
    },
    FolderSwept {
        sweep: SweepDoc,
    },
}

#[derive(Serialize)]
struct EventLine<'a> {
    schema_version: u32,
    r#type: &'static str,
    at: String,
    #[serde(flatten)]
    event: &'a Event,
}

/// One event: a JSON line, or a line of text.
pub fn write_event(out: &mut dyn Write, at: Timestamp, e: &Event, json: bool) -> io::Result<()> {
    if json {
        let line = EventLine { schema_version: LIVE_SCHEMA_VERSION, r#type: "event", at: rfc3339(at), event: e };
        serde_json::to_writer(&mut *out, &line)?;
        return out.write_all(b"\n");
    }
    let when = at.strftime("%Y-%m-%d %H:%M:%SZ");
    let text = match e {
        Event::Started { source, messages, uidvalidity, qresync, watched_folders, until } => format!(
            "watching INBOX of {source}: {messages} message(s), UIDVALIDITY {}{}{}{}",
            uidvalidity.map_or("?".to_string(), |v| v.to_string()),
            if *qresync { ", removals by UID (QRESYNC)" } else { "" },
            if watched_folders.is_empty() {
                String::new()
            } else {
                format!("; and {}", printable(&watched_folders.join(" and ")))
            },
            until.as_deref().map(|u| format!("; until {u}")).unwrap_or_default()
        ),
        Event::Arrived { message } => format!("arrived   {}", describe(message)),
        Event::Flags { message, seen, deleted } => {
            let mut f = Vec::new();
            if *seen {
                f.push("\\Seen");
            }
            if *deleted {
                f.push("\\Deleted");
            }
            format!("flags     {}: now {}", describe(message), if f.is_empty() { "none".into() } else { f.join(" ") })
        }
        Event::Removed { removal } => format!("removed   {}", removal_line(removal)),
        Event::CanaryAppended { message_id, uid } => format!(
            "canary    appended {message_id}{}: watching how it disappears",
            uid.map(|u| format!(" as uid {u}")).unwrap_or_default()
        ),
        Event::Disconnected { error } => format!("connection lost: {}; reconnecting", printable(error)),
        Event::Reconnected { removed_while_away, arrived_while_away } => {
            format!("reconnected: {removed_while_away} removed and {arrived_while_away} arrived while away")
        }
        Event::UidvalidityChanged { old, new } => format!(
            "UIDVALIDITY of INBOX changed ({} -> {}): the server renumbered the folder (restore, migration or \
             recreated folder); starting over from what is there, nothing counted as removed",
            old.map_or("?".into(), |v| v.to_string()),
            new.map_or("?".into(), |v| v.to_string())
        ),
        Event::FolderSwept { sweep } => format!("swept     {}", printable(&sweep.summary)),
    };
    writeln!(out, "{when}  {text}")
}

fn describe(m: &MessageDoc) -> String {
    let mut s = m.uid.map_or("message".to_string(), |u| format!("uid {u}"));
    if let Some(subject) = &m.subject {
        s.push_str(&format!(" \"{}\"", printable(subject)));
    }
    if let Some(from) = &m.from {
        s.push_str(&format!(" from {}", printable(from)));
    }
    s.push_str(&format!(" ({})", human(m.size)));
    s
}

fn removal_line(r: &RemovalDoc) -> String {
    let who = match (r.uid, &r.uidl) {
        (Some(u), _) => format!("uid {u}"),
        (None, Some(u)) => format!("UIDL {}", printable(u)),
        _ => "message".into(),
    };
    let mut s = who;
    if r.canary {
        s.push_str(" (the canary)");
    }
    if let Some(subject) = &r.subject {
        s.push_str(&format!(" \"{}\"", printable(subject)));
    }
    if let Some(a) = r.age_seconds {
        s.push_str(&format!(" after {} on the server", human_duration(a)));
    }
    let why = match r.cause {
        Cause::Filed => format!("moved to {}", printable(r.moved_to.as_deref().unwrap_or("another folder"))),
        Cause::Trashed => format!("moved to {}", printable(r.moved_to.as_deref().unwrap_or("the Trash"))),
        Cause::Expunged => "flagged \\Deleted, then expunged (an IMAP client deleted it for good)".into(),
        Cause::Vanished => format!(
            "vanished without trace: no \\Deleted first, in no other folder{} (a POP client?)",
            if r.seen_before { ", \\Seen before" } else { "" }
        ),
        Cause::VanishedElsewhere => {
            format!("vanished without trace from {} (in no other folder)", printable(&r.folder))
        }
    };
    format!("{s}: {why}")
}

/// Counts of removals by cause.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CauseCounts {
    pub filed: u64,
    pub trashed: u64,
    pub expunged: u64,
    pub vanished: u64,
    pub vanished_elsewhere: u64,
}

impl CauseCounts {
    pub fn of(removals: &[Removal]) -> CauseCounts {
        let mut c = CauseCounts::default();
        for r in removals {
            *match r.cause {
                Cause::Filed => &mut c.filed,
                Cause::Trashed => &mut c.trashed,
                Cause::Expunged => &mut c.expunged,
                Cause::Vanished => &mut c.vanished,
                Cause::VanishedElsewhere => &mut c.vanished_elsewhere,
            } += 1;
        }
        c
    }
}

/// A watch summary (periodic or final).
#[derive(Debug, Clone, Serialize)]
pub struct WatchSummary {
    pub source: String,
    pub status: Status,
    pub watching_since: String,
    pub arrivals: u64,
    pub messages: u64,
    pub removals: CauseCounts,
    /// Sweeps of Trash and Junk.
    pub sweeps: u64,
    pub verdicts: Vec<Verdict>,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    schema_version: u32,
    r#type: &'static str,
    at: String,
    r#final: bool,
    #[serde(flatten)]
    summary: &'a WatchSummary,
}

pub fn write_summary(out: &mut dyn Write, at: Timestamp, s: &WatchSummary, last: bool, json: bool) -> io::Result<()> {
    if json {
        let line = SummaryLine {
            schema_version: LIVE_SCHEMA_VERSION,
            r#type: "summary",
            at: rfc3339(at),
            r#final: last,
            summary: s,
        };
        serde_json::to_writer(&mut *out, &line)?;
        return out.write_all(b"\n");
    }
    let r = &s.removals;
    writeln!(out)?;
    writeln!(
        out,
        "{}: {} {} since {}: {} arrived, {} in INBOX; removed: {} vanished, {} filed, {} trashed, {} expunged, \
         {} gone from Trash/Junk",
        s.status.label(),
        if last { "summary of" } else { "so far," },
        printable(&s.source),
        s.watching_since,
        s.arrivals,
        s.messages,
        r.vanished,
        r.filed,
        r.trashed,
        r.expunged,
        r.vanished_elsewhere
    )?;
    write_verdicts(out, &s.verdicts)?;
    writeln!(out)
}

fn write_verdicts(out: &mut dyn Write, verdicts: &[Verdict]) -> io::Result<()> {
    for v in verdicts {
        let mark = if v.status == Status::Warning { "!" } else { "-" };
        let kind =
            serde_json::to_value(v.kind).ok().and_then(|k| k.as_str().map(|s| s.replace('_', " "))).unwrap_or_default();
        let conf =
            serde_json::to_value(v.confidence).ok().and_then(|c| c.as_str().map(str::to_string)).unwrap_or_default();
        let days = v.days.map(|d| format!(", ~{d} days")).unwrap_or_default();
        writeln!(out, "  {mark} {kind} ({conf} confidence{days})")?;
        for e in &v.evidence {
            writeln!(out, "      because: {}", printable(e))?;
        }
        for a in &v.advice {
            writeln!(out, "      do: {} [{}]", printable(&a.text), a.rule)?;
        }
    }
    Ok(())
}

/// One `snapshot` run.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    pub schema_version: u32,
    pub command: &'static str,
    pub generated_at: String,
    pub source: String,
    pub protocol: &'static str,
    pub status: Status,
    pub state_file: String,
    pub first_run: bool,
    pub previous_run: Option<String>,
    pub runs: u64,
    pub inbox: InboxDoc,
    pub uidvalidity_change: Option<UidvalidityDoc>,
    pub removals: Vec<RemovalDoc>,
    pub folders: Vec<FolderDoc>,
    pub history: HistoryDoc,
    pub verdicts: Vec<Verdict>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxDoc {
    pub uidvalidity: Option<u32>,
    pub messages: u64,
    pub arrived: u64,
    pub removed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UidvalidityDoc {
    pub old: u32,
    pub new: u32,
    pub unmatched: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryDoc {
    pub removals: u64,
    pub since: Option<String>,
    pub sweeps: u64,
}

/// A watched folder (Trash, Junk) in one snapshot run.
#[derive(Debug, Clone, Serialize)]
pub struct FolderDoc {
    pub folder: String,
    pub role: Role,
    pub uidvalidity: Option<u32>,
    pub messages: u64,
    pub tracked: u64,
    pub arrived: u64,
    pub removed: u64,
    pub sweep: Option<SweepDoc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CutDoc {
    pub above_seconds: u64,
    pub at_most_seconds: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgesDoc {
    pub youngest_removed_seconds: Option<u64>,
    pub oldest_removed_seconds: Option<u64>,
    pub median_removed_seconds: Option<u64>,
    pub oldest_kept_seconds: Option<u64>,
    pub cut: Option<CutDoc>,
}

impl From<&ClockView> for AgesDoc {
    fn from(v: &ClockView) -> Self {
        AgesDoc {
            youngest_removed_seconds: v.youngest_removed,
            oldest_removed_seconds: v.oldest_removed,
            median_removed_seconds: v.median_removed,
            oldest_kept_seconds: v.oldest_kept,
            cut: v.cut.map(|(above_seconds, at_most_seconds)| CutDoc { above_seconds, at_most_seconds }),
        }
    }
}

/// What left a watched folder without trace between two looks, read.
#[derive(Debug, Clone, Serialize)]
pub struct SweepDoc {
    pub folder: String,
    pub role: Role,
    pub from: String,
    pub at: String,
    pub removed: u64,
    pub kept: u64,
    pub reading: Reading,
    pub clock: Option<Clock>,
    pub received: AgesDoc,
    pub saved: AgesDoc,
    pub summary: String,
}

impl From<&Sweep> for SweepDoc {
    fn from(s: &Sweep) -> Self {
        SweepDoc {
            folder: s.folder.clone(),
            role: s.role,
            from: rfc3339(s.from),
            at: rfc3339(s.at),
            removed: s.removed,
            kept: s.kept,
            reading: s.reading,
            clock: s.clock,
            received: (&s.received).into(),
            saved: (&s.saved).into(),
            summary: s.describe(),
        }
    }
}

pub fn render_snapshot(out: &mut dyn Write, r: &SnapshotReport, json: bool) -> io::Result<()> {
    if json {
        return write_json(out, r);
    }
    writeln!(
        out,
        "{}: snapshot of {} ({}): {} message(s) in INBOX, {} arrived and {} removed since {}",
        r.status.label(),
        printable(&r.source),
        r.protocol,
        r.inbox.messages,
        r.inbox.arrived,
        r.inbox.removed,
        r.previous_run.as_deref().unwrap_or("-")
    )?;
    if let Some(u) = &r.uidvalidity_change {
        writeln!(
            out,
            "UIDVALIDITY changed ({} -> {}): the server renumbered INBOX (restore, migration or recreated folder); \
             messages were matched by Message-ID, not counted as deleted ({} without Message-ID could not be matched)",
            u.old, u.new, u.unmatched
        )?;
    }
    for rm in &r.removals {
        writeln!(out, "  removed {}", removal_line(rm))?;
    }
    for f in &r.folders {
        if r.first_run {
            writeln!(out, "{}: {} message(s) recorded", printable(&f.folder), f.messages)?;
            continue;
        }
        writeln!(
            out,
            "{}: {} message(s), {} arrived and {} removed since the previous run",
            printable(&f.folder),
            f.messages,
            f.arrived,
            f.removed
        )?;
        if let Some(s) = &f.sweep {
            writeln!(out, "  swept {}", printable(&s.summary))?;
        }
    }
    if !r.first_run {
        writeln!(
            out,
            "verdicts from {} removal(s) over {} run(s){}:",
            r.history.removals,
            r.runs,
            r.history.since.as_deref().map(|s| format!(" since {s}")).unwrap_or_default()
        )?;
        write_verdicts(out, &r.verdicts)?;
    }
    for n in &r.notes {
        writeln!(out, "note: {}", printable(n))?;
    }
    writeln!(out, "state: {}", printable(&r.state_file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removal() -> Removal {
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let m = MessageInfo {
            uid: Some(7),
            subject: Some("Invoice\x1b[2J".into()),
            arrived: Some(t),
            first_seen: t,
            last_seen: "2026-11-22T10:02:00Z".parse().unwrap(),
            ..MessageInfo::default()
        };
        Removal::new("INBOX", m, "2026-11-22T10:02:00Z".parse().unwrap(), None)
    }

    #[test]
    fn a_folder_sweep_as_json_and_text() {
        use crate::deleters::expiry::{FolderMessage, FolderState};
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let day = |d: i64| Timestamp::from_second(t.as_second() - d * 86_400).unwrap();
        let fm = |uid: u32, d: i64| FolderMessage {
            uid,
            message_id: None,
            arrived: Some(day(d)),
            saved: None,
            first_seen: day(100),
        };
        let st = FolderState {
            name: "Trash".into(),
            raw: "Trash".into(),
            role: Role::Trash,
            uidvalidity: Some(1),
            uidnext: Some(5),
            messages: 1,
            taken_at: t,
            since: day(100),
            tracked: vec![fm(3, 10)],
        };
        let from = Timestamp::from_second(t.as_second() - 3600).unwrap();
        let sweep = Sweep::new(&st, from, t, &[fm(1, 40), fm(2, 31)], &st.tracked).unwrap();
        let e = Event::FolderSwept { sweep: (&sweep).into() };
        let mut out = Vec::new();
        write_event(&mut out, t, &e, true).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["event"], "folder_swept");
        assert_eq!(v["sweep"]["reading"], "age_cut");
        assert_eq!(v["sweep"]["clock"], "received");
        assert_eq!(v["sweep"]["role"], "trash");
        assert_eq!(v["sweep"]["received"]["cut"]["above_seconds"], 10 * 86_400 - 3600);
        assert_eq!(v["sweep"]["received"]["cut"]["at_most_seconds"], 31 * 86_400);
        assert_eq!(v["sweep"]["saved"]["cut"], serde_json::Value::Null);
        assert_eq!(v["sweep"]["from"], "2026-11-22T09:00:00Z");
        let mut out = Vec::new();
        write_event(&mut out, t, &e, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("swept     Trash: 2 message(s) aged 31 days to 40 days went between"), "{text}");
    }

    #[test]
    fn events_as_json_lines_and_text() {
        let at: Timestamp = "2026-11-22T10:02:00Z".parse().unwrap();
        let e = Event::Removed { removal: (&removal()).into() };
        let mut out = Vec::new();
        write_event(&mut out, at, &e, true).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["type"], "event");
        assert_eq!(v["event"], "removed");
        assert_eq!(v["removal"]["cause"], "vanished");
        assert_eq!(v["removal"]["age_seconds"], 120);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let mut out = Vec::new();
        write_event(&mut out, at, &e, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("removed   uid 7 \"Invoice\\x1b[2J\" after 2 min on the server: vanished"), "{text}");
    }
}
