//! Trash and Junk, watched for what leaves them: the UIDs (with UIDVALIDITY), arrival,
//! save date and Message-ID of each message, compared between two looks; what left without
//! trace is read as a *sweep*, and the sweeps of a folder are judged: an expiry at a fixed
//! age (the host's policy) or someone emptying the folder by hand. Pure: no I/O, no clock.
//!
//! How a sweep is read. Two clocks give a message's age: its received date (INTERNALDATE,
//! what `doveadm expunge ... before 30d` counts) and the date it was saved into the folder
//! (SAVEDATE where the server offers it, else the first look that found it there; what
//! Dovecot's `autoexpunge` and `savedbefore` count). An expiry at age N removes, at some
//! moment t between the two looks, every message older than N and keeps every younger
//! one, so on its clock every removed message is older than every kept one (an *age cut*).
//! Dates count: t − date(removed) ≥ N for each removed message, and t − date(kept) < N for
//! each kept one; with `from < t ≤ at` (the two looks) this brackets N in
//! `(from − oldest kept date, at − newest removed date]`, whatever t was. Several sweeps
//! narrow the bracket (their intersection); the estimate is its middle.
//! Someone emptying the folder takes everything at once, young and old (*took all*), or
//! picks messages whatever their age (*selective*): no cut on any clock.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::evidence::{MessageInfo, Removal};
use crate::model::Status;
use crate::model::verdict::{Advice, Confidence, Verdict, VerdictKind, human_duration};

/// Messages remembered per watched folder (the lowest UIDs: the oldest saved, what an
/// expiry takes first), so a state file stays bounded whatever the Trash holds.
pub const MAX_TRACKED: usize = 5000;
/// Message-IDs longer than this are cut (a hostile header must not grow the state).
const MAX_ID: usize = 250;
/// Dates closer than this are not told apart: an expiry cannot fall between two messages
/// saved in the same second or the next (a bulk move stamps them all at once).
const CLEARANCE_SECS: i64 = 1;
const DAY: i64 = 86_400;
/// Common hosted settings for Trash and Junk, named when the bracket holds them.
const COMMON_DAYS: &[u64] = &[30, 7, 14, 60, 90];

/// What a watched folder is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Trash,
    Junk,
}

/// The folders to watch, from LIST: `(raw name, display name, attributes)` in,
/// `(raw name, display name, role)` out. Special-use `\Trash`/`\Junk` first; without them
/// the usual names; one folder per role.
pub fn pick_folders(listed: &[(String, String, Vec<String>)]) -> Vec<(String, String, Role)> {
    let mut out: Vec<(String, String, Role)> = Vec::new();
    for role in [Role::Trash, Role::Junk] {
        let attr = if role == Role::Trash { "\\Trash" } else { "\\Junk" };
        let by_attr = listed.iter().find(|(_, _, a)| a.iter().any(|x| x.eq_ignore_ascii_case(attr)));
        let by_name = || {
            listed.iter().find(|(raw, name, _)| {
                !raw.eq_ignore_ascii_case("INBOX")
                    && match role {
                        Role::Trash => super::evidence::is_trash(name, false),
                        Role::Junk => is_junk(name),
                    }
            })
        };
        if let Some((raw, name, _)) = by_attr.or_else(by_name)
            && !out.iter().any(|(r, ..)| r == raw)
        {
            out.push((raw.clone(), name.clone(), role));
        }
    }
    out
}

/// A Junk folder by name (when the server does not mark it `\Junk`).
pub fn is_junk(name: &str) -> bool {
    let last = name.rsplit(['/', '.']).next().unwrap_or(name).to_lowercase();
    ["junk", "spam", "junk e-mail", "junk email", "bulk mail", "courrier indésirable", "indésirables", "spam-verdacht"]
        .contains(&last.as_str())
}

/// One message of a watched folder, as little as the expiry needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderMessage {
    pub uid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// INTERNALDATE: when it reached the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived: Option<Timestamp>,
    /// SAVEDATE (RFC 8514): when it was put into this folder, where the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<Timestamp>,
    /// The first look that found it here.
    pub first_seen: Timestamp,
}

impl FolderMessage {
    /// A Message-ID cut to a sane length.
    pub fn clean_id(id: Option<String>) -> Option<String> {
        id.map(|s| if s.chars().count() > MAX_ID { s.chars().take(MAX_ID).collect() } else { s })
    }

    /// When it came into the folder: SAVEDATE, else the first look that found it, when that
    /// look came after the folder was first watched (else it may have been there for years).
    pub fn in_folder_since(&self, watched_since: Timestamp) -> Option<Timestamp> {
        self.saved.or((self.first_seen > watched_since).then_some(self.first_seen))
    }

    /// The date on one clock.
    fn date(&self, clock: Clock, watched_since: Timestamp) -> Option<Timestamp> {
        match clock {
            Clock::Received => self.arrived,
            Clock::Saved => self.in_folder_since(watched_since),
        }
    }

    /// As the evidence and reports know messages; `last_seen` is the last look that found it.
    pub fn info(&self, last_seen: Timestamp) -> MessageInfo {
        MessageInfo {
            uid: Some(self.uid),
            message_id: self.message_id.clone(),
            arrived: self.arrived,
            saved: self.saved,
            first_seen: self.first_seen,
            last_seen,
            ..MessageInfo::default()
        }
    }
}

/// A watched folder as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderState {
    /// Display name (UTF-8).
    pub name: String,
    /// As the server spells it (modified UTF-7).
    pub raw: String,
    pub role: Role,
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    /// Messages in the folder (more than `tracked` when it holds over [`MAX_TRACKED`]).
    pub messages: u64,
    pub taken_at: Timestamp,
    /// When it was first watched (or renumbered).
    pub since: Timestamp,
    /// The lowest UIDs, up to [`MAX_TRACKED`], in UID order.
    pub tracked: Vec<FolderMessage>,
}

impl FolderState {
    /// Whether STATUS counters say nothing changed since (no new UID, same count).
    pub fn unchanged(&self, uidvalidity: Option<u32>, uidnext: Option<u32>, messages: u64) -> bool {
        self.uidvalidity == uidvalidity && self.uidnext == uidnext && uidnext.is_some() && self.messages == messages
    }

    /// Of the UIDs now in the folder, those to read: in the tracked window and not known.
    pub fn to_fetch(prev: Option<&FolderState>, uids: &[u32], same_uidvalidity: bool) -> Vec<u32> {
        let known: HashSet<u32> = match prev {
            Some(p) if same_uidvalidity => p.tracked.iter().map(|m| m.uid).collect(),
            _ => HashSet::new(),
        };
        let mut uids = uids.to_vec();
        uids.sort_unstable();
        uids.dedup();
        uids.into_iter().take(MAX_TRACKED).filter(|u| !known.contains(u)).collect()
    }
}

/// What one look at a watched folder read (from the adapter).
#[derive(Debug, Clone, Default)]
pub struct FolderListing {
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    /// Every UID now in the folder.
    pub uids: Vec<u32>,
    /// The messages read ([`FolderState::to_fetch`]), `first_seen` = now.
    pub fetched: Vec<FolderMessage>,
}

/// What changed in a watched folder between two looks.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderChange {
    pub state: FolderState,
    /// Tracked messages gone (where to, the caller finds out).
    pub removed: Vec<FolderMessage>,
    /// Tracked before and still there.
    pub kept: Vec<FolderMessage>,
    /// New UIDs since the previous look.
    pub arrived: u64,
    /// `(old, new)`: the folder was renumbered; tracking starts over, nothing counted.
    pub uidvalidity_change: Option<(u32, u32)>,
    /// The previous look (now, the first time).
    pub from: Timestamp,
}

/// Merges a look into the folder's state. `prev` is `None` the first time.
pub fn update(
    prev: Option<&FolderState>,
    name: &str,
    raw: &str,
    role: Role,
    listing: FolderListing,
    now: Timestamp,
) -> FolderChange {
    let renumbered = match (prev.and_then(|p| p.uidvalidity), listing.uidvalidity) {
        (Some(a), Some(b)) if a != b => Some((a, b)),
        _ => None,
    };
    let usable = prev.filter(|_| renumbered.is_none());
    let mut uids = listing.uids;
    uids.sort_unstable();
    uids.dedup();
    let present: HashSet<u32> = uids.iter().copied().collect();
    let mut fetched: BTreeMap<u32, FolderMessage> = listing.fetched.into_iter().map(|m| (m.uid, m)).collect();
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    let mut tracked: BTreeMap<u32, FolderMessage> = BTreeMap::new();
    if let Some(p) = usable {
        for m in &p.tracked {
            if present.contains(&m.uid) {
                kept.push(m.clone());
                tracked.insert(m.uid, m.clone());
            } else {
                removed.push(m.clone());
            }
        }
    }
    let arrived = match usable.and_then(|p| p.uidnext) {
        Some(n) => uids.iter().filter(|&&u| u >= n).count() as u64,
        None => 0,
    };
    let since = usable.map_or(now, |p| p.since);
    let old_next = usable.and_then(|p| p.uidnext);
    for uid in uids.iter().take(MAX_TRACKED) {
        if !tracked.contains_key(uid)
            && let Some(m) = fetched.remove(uid)
        {
            // Below the old UIDNEXT it was there before, out of the tracked window: when it
            // came in is unknown, not now.
            let first_seen = if old_next.is_some_and(|n| *uid < n) { since } else { m.first_seen };
            let message_id = FolderMessage::clean_id(m.message_id.clone());
            tracked.insert(*uid, FolderMessage { message_id, first_seen, ..m });
        }
    }
    let state = FolderState {
        name: name.to_string(),
        raw: raw.to_string(),
        role,
        uidvalidity: listing.uidvalidity,
        uidnext: listing.uidnext,
        messages: uids.len() as u64,
        taken_at: now,
        since,
        tracked: tracked.into_values().take(MAX_TRACKED).collect(),
    };
    FolderChange {
        state,
        removed,
        kept,
        arrived,
        uidvalidity_change: renumbered,
        from: usable.map_or(now, |p| p.taken_at),
    }
}

/// The two clocks a message's age is counted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// From INTERNALDATE: `doveadm expunge ... before Nd`.
    Received,
    /// From SAVEDATE (or the look that first found it there): `autoexpunge`, `savedbefore`.
    Saved,
}

impl Clock {
    fn words(self) -> &'static str {
        match self {
            Clock::Received => "by the date it was received (INTERNALDATE)",
            Clock::Saved => "by the date it was put into the folder (SAVEDATE)",
        }
    }
}

/// One clock's view of a sweep: the removed messages' ages and, when every removed
/// message is older than every kept one, the bracket of the expiry age.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    /// Ages of the removed messages at the middle of the interval (seconds).
    #[serde(default)]
    pub youngest_removed: Option<u64>,
    #[serde(default)]
    pub oldest_removed: Option<u64>,
    #[serde(default)]
    pub median_removed: Option<u64>,
    /// The oldest kept message's age at the middle of the interval.
    #[serde(default)]
    pub oldest_kept: Option<u64>,
    /// The age cut: expiry age N in `(lower, upper]` seconds.
    #[serde(default)]
    pub cut: Option<(u64, u64)>,
}

/// How a sweep reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// Every removed message older than every kept one: what an expiry at a fixed age does.
    AgeCut,
    /// Everything that was there went at once.
    TookAll,
    /// Some went while older ones stayed: picked by someone, not by age.
    Selective,
}

/// Messages that left one watched folder without trace between two looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    pub folder: String,
    pub role: Role,
    /// The previous look and the one that noticed.
    pub from: Timestamp,
    pub at: Timestamp,
    pub removed: u64,
    /// Messages there at both looks.
    pub kept: u64,
    pub reading: Reading,
    /// The clock of the age cut, when there is one.
    #[serde(default)]
    pub clock: Option<Clock>,
    pub received: ClockView,
    pub saved: ClockView,
}

fn median(mut v: Vec<u64>) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

fn age(at: i64, d: Timestamp) -> u64 {
    (at - d.as_second()).max(0) as u64
}

impl Sweep {
    /// Reads the removals of one look: `removed` went without trace (the ones found in
    /// another folder are not here), `kept` stayed. `None` when nothing was removed.
    pub fn new(
        state: &FolderState,
        from: Timestamp,
        at: Timestamp,
        removed: &[FolderMessage],
        kept: &[FolderMessage],
    ) -> Option<Sweep> {
        if removed.is_empty() {
            return None;
        }
        let mid = from.as_second() + (at.as_second() - from.as_second()).max(0) / 2;
        let view = |clock: Clock| -> ClockView {
            let r: Vec<Timestamp> = removed.iter().filter_map(|m| m.date(clock, state.since)).collect();
            let k: Vec<Timestamp> = kept.iter().filter_map(|m| m.date(clock, state.since)).collect();
            let ages: Vec<u64> = r.iter().map(|&d| age(mid, d)).collect();
            let all_known = r.len() == removed.len() && k.len() == kept.len();
            let newest_removed = r.iter().max().copied();
            let oldest_kept = k.iter().min().copied();
            let cut = match (newest_removed, oldest_kept) {
                (Some(nr), Some(ok)) if all_known && nr.as_second() + CLEARANCE_SECS < ok.as_second() => {
                    Some((age(from.as_second(), ok), age(at.as_second(), nr)))
                }
                _ => None,
            };
            ClockView {
                youngest_removed: ages.iter().min().copied(),
                oldest_removed: ages.iter().max().copied(),
                median_removed: median(ages),
                oldest_kept: oldest_kept.map(|d| age(mid, d)),
                cut,
            }
        };
        let (received, saved) = (view(Clock::Received), view(Clock::Saved));
        // Both clocks may cut (a folder trashed in received order): the wider gap between
        // the removed and the kept is the clearer one.
        let gap = |v: &ClockView| v.cut.map(|(lo, hi)| hi.saturating_sub(lo));
        let clock = match (gap(&received), gap(&saved)) {
            (Some(a), Some(b)) => Some(if b > a { Clock::Saved } else { Clock::Received }),
            (Some(_), None) => Some(Clock::Received),
            (None, Some(_)) => Some(Clock::Saved),
            (None, None) => None,
        };
        let reading = if clock.is_some() {
            Reading::AgeCut
        } else if kept.is_empty() {
            Reading::TookAll
        } else {
            Reading::Selective
        };
        Some(Sweep {
            folder: state.name.clone(),
            role: state.role,
            from,
            at,
            removed: removed.len() as u64,
            kept: kept.len() as u64,
            reading,
            clock,
            received,
            saved,
        })
    }

    pub fn view(&self, clock: Clock) -> &ClockView {
        match clock {
            Clock::Received => &self.received,
            Clock::Saved => &self.saved,
        }
    }

    /// The clock to describe ages with: the cut's, else the received date.
    fn shown_clock(&self) -> Clock {
        self.clock.unwrap_or(if self.received.youngest_removed.is_some() { Clock::Received } else { Clock::Saved })
    }

    /// One line for the evidence.
    pub fn describe(&self) -> String {
        let when =
            format!("between {} and {}", self.from.strftime("%Y-%m-%d %H:%M"), self.at.strftime("%Y-%m-%d %H:%M"));
        let clock = self.shown_clock();
        let v = self.view(clock);
        let ages = match (v.youngest_removed, v.oldest_removed) {
            (Some(a), Some(b)) if a == b => format!("aged {}", human_duration(a)),
            (Some(a), Some(b)) => format!("aged {} to {}", human_duration(a), human_duration(b)),
            _ => "of unknown age".to_string(),
        };
        let what = match self.reading {
            Reading::AgeCut => format!(
                "every one older than the {} kept (oldest kept {}), counted {}: an age cut",
                self.kept,
                v.oldest_kept.map_or("?".into(), human_duration),
                clock.words()
            ),
            Reading::TookAll => "nothing that was there stayed: the folder was emptied".to_string(),
            Reading::Selective => format!(
                "while {} message(s) stayed, some older than those removed on either clock: picked, not cut by age",
                self.kept
            ),
        };
        format!("{}: {} message(s) {ages} went {when}, {what}", self.folder, self.removed)
    }
}

/// The expiry age a folder's age cuts agree on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub clock: Clock,
    /// N in `(lower, upper]` seconds.
    pub lower: u64,
    pub upper: u64,
    /// The cuts it comes from.
    pub cuts: usize,
    /// The cuts disagree (no common bracket): not one fixed age.
    pub inconsistent: bool,
}

impl Estimate {
    pub fn secs(&self) -> u64 {
        (self.lower + self.upper) / 2
    }

    pub fn days(&self) -> u64 {
        ((self.secs() as f64) / DAY as f64).round() as u64
    }

    /// A common setting inside the bracket, if any.
    fn common(&self) -> Option<u64> {
        COMMON_DAYS.iter().copied().find(|&d| {
            let s = d * DAY as u64;
            s > self.lower && s <= self.upper
        })
    }
}

/// Intersects the age cuts of one folder's sweeps on the clock most of them cut on.
pub fn estimate(sweeps: &[&Sweep]) -> Option<Estimate> {
    let mut by_clock: BTreeMap<Clock, Vec<(u64, u64)>> = BTreeMap::new();
    for s in sweeps {
        if let Some(c) = s.clock
            && let Some(b) = s.view(c).cut
        {
            by_clock.entry(c).or_default().push(b);
        }
    }
    let (clock, brackets) = by_clock.into_iter().max_by_key(|(c, v)| (v.len(), *c))?;
    let lower = brackets.iter().map(|b| b.0).max()?;
    let upper = brackets.iter().map(|b| b.1).min()?;
    if lower < upper {
        return Some(Estimate { clock, lower, upper, cuts: brackets.len(), inconsistent: false });
    }
    // No common bracket: the cuts happened at different ages. Say so, with their spread.
    let lower = brackets.iter().map(|b| b.0).min()?;
    let upper = brackets.iter().map(|b| b.1).max()?;
    Some(Estimate { clock, lower, upper, cuts: brackets.len(), inconsistent: true })
}

const RULE_TRASH: &str = "What to move to local folders: the Trash (guide 000)";
const RULE_JUNK: &str = "Junk and bounces: look at the Junk folder before emptying it (guide 004)";
const RULE_IMAP: &str = "IMAP is a view of the server (guides 000, 001, 003, 004)";
const RULE_DISAPPEAR: &str = "My messages disappear (guides 000, 002, 004)";

/// The verdicts on the watched folders, per folder: an expiry at a fixed age
/// (`server_expiry`, with the age), and/or someone emptying the folder
/// (`imap_permanent_delete`). `examples` are removals from these folders.
pub fn judge(sweeps: &[Sweep], examples: &[&Removal]) -> Vec<Verdict> {
    let mut folders: BTreeMap<(Role, &str), Vec<&Sweep>> = BTreeMap::new();
    for s in sweeps {
        folders.entry((s.role, s.folder.as_str())).or_default().push(s);
    }
    let mut out = Vec::new();
    for ((role, folder), list) in folders {
        let ex: Vec<&Removal> = examples.iter().copied().filter(|r| r.folder == folder).collect();
        out.extend(judge_folder(role, folder, &list, &ex));
    }
    out
}

fn example_line(ex: &[&Removal]) -> Option<String> {
    if ex.is_empty() {
        return None;
    }
    let mut shown: Vec<String> = ex
        .iter()
        .take(3)
        .map(|r| {
            let mut s = r.message.describe();
            if let Some(id) = &r.message.message_id {
                s.push_str(&format!(" {id}"));
            }
            if let Some(a) = r.age_secs() {
                s.push_str(&format!(", received {} before", human_duration(a)));
            }
            s
        })
        .collect();
    if ex.len() > 3 {
        shown.push(format!("and {} more", ex.len() - 3));
    }
    Some(format!("examples: {}", shown.join("; ")))
}

fn judge_folder(role: Role, folder: &str, sweeps: &[&Sweep], ex: &[&Removal]) -> Vec<Verdict> {
    let cuts: Vec<&Sweep> = sweeps.iter().copied().filter(|s| s.reading == Reading::AgeCut).collect();
    let est = estimate(&cuts);
    // A sweep that took everything fits the expiry when every message it took was past
    // the expiry age's lower bound (the expiry found only old mail).
    let fits = |s: &Sweep| -> bool {
        est.filter(|e| !e.inconsistent).is_some_and(|e| s.view(e.clock).youngest_removed.is_some_and(|y| y > e.lower))
    };
    let (expiry_like, by_hand): (Vec<&Sweep>, Vec<&Sweep>) = sweeps
        .iter()
        .copied()
        .partition(|s| s.reading == Reading::AgeCut || (s.reading == Reading::TookAll && fits(s)));
    let mut out = Vec::new();
    if let Some(e) = est {
        out.push(expiry_verdict(role, folder, &e, &expiry_like, ex));
    }
    if !by_hand.is_empty() {
        out.push(by_hand_verdict(role, folder, &by_hand, est.is_some()));
    }
    out
}

fn expiry_verdict(role: Role, folder: &str, e: &Estimate, sweeps: &[&Sweep], ex: &[&Removal]) -> Verdict {
    let removed: u64 = sweeps.iter().map(|s| s.removed).sum();
    let mut evidence = vec![format!(
        "{removed} message(s) left {folder} without trace (found in no other folder) in {} sweep(s), {} of them an \
         age cut: every message removed was older than every message kept, counted {}; an expiry at a fixed age \
         does that, a person emptying the folder does not",
        sweeps.len(),
        e.cuts,
        e.clock.words()
    )];
    for s in sweeps.iter().rev().take(4).rev() {
        evidence.push(s.describe());
    }
    let days = e.days();
    if e.inconsistent {
        evidence.push(format!(
            "the cuts fell at different ages ({} to {}): not one steady age (the setting changed, or the expiry \
             runs rarely)",
            human_duration(e.lower),
            human_duration(e.upper)
        ));
    } else {
        evidence.push(format!(
            "removal age: more than {} (the oldest message kept) and at most {} (the youngest removed): about {}",
            human_duration(e.lower),
            human_duration(e.upper),
            if e.secs() >= 2 * DAY as u64 { format!("{days} days") } else { human_duration(e.secs()) }
        ));
        if let Some(d) = e.common() {
            evidence.push(format!("this matches the common {d}-day setting for Trash and Junk folders"));
        }
    }
    evidence.push(match e.clock {
        Clock::Received => {
            "counted from the received date: on Dovecot, a job like `doveadm expunge -A mailbox Trash before 30d`"
                .to_string()
        }
        Clock::Saved => "counted from the day a message was put there: on Dovecot, `autoexpunge` on the mailbox or a \
                         job like `doveadm expunge -A mailbox Trash savedbefore 30d`"
            .to_string(),
    });
    evidence.extend(example_line(ex));
    let confidence = if e.inconsistent {
        Confidence::Low
    } else if e.cuts >= 2 || sweeps.iter().any(|s| s.reading == Reading::AgeCut && s.removed >= 3 && s.kept >= 3) {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let age = if e.inconsistent { "some time".to_string() } else { format!("about {}", human_duration(e.secs())) };
    let advice = vec![
        Advice {
            rule: if role == Role::Junk { RULE_JUNK } else { RULE_TRASH },
            text: match role {
                Role::Trash => format!(
                    "this is the host's policy, not a mail program: the server empties {folder} of messages {age} \
                     {}. Nothing was lost that had not been deleted first; keep what matters out of the Trash \
                     (move it back to INBOX, to a folder, or to local folders)",
                    if e.clock == Clock::Saved { "after they were deleted" } else { "after they were received" }
                ),
                Role::Junk => format!(
                    "this is the host's policy, not a mail program: the server empties {folder} of messages {age} \
                     {}. Look at the Junk folder well before that: a wanted message the spam filter put there is \
                     expired with the spam; move it to INBOX (and mark it as not spam)",
                    if e.clock == Clock::Saved { "after they were filed there" } else { "after they were received" }
                ),
            },
        },
        Advice {
            rule: RULE_DISAPPEAR,
            text: "for the mail admin: the setting is the mailbox's `autoexpunge` (Dovecot) or a cron `doveadm \
                   expunge`; tell users the delay, or lengthen it"
                .to_string(),
        },
    ];
    Verdict {
        kind: VerdictKind::ServerExpiry,
        status: Status::Ok,
        confidence,
        addresses: Vec::new(),
        days: (!e.inconsistent && days > 0).then_some(days),
        evidence,
        advice,
    }
}

fn by_hand_verdict(role: Role, folder: &str, sweeps: &[&Sweep], has_expiry: bool) -> Verdict {
    let removed: u64 = sweeps.iter().map(|s| s.removed).sum();
    let took_all = sweeps.iter().filter(|s| s.reading == Reading::TookAll).count();
    let mut evidence = vec![format!(
        "{removed} message(s) left {folder} without trace in {} sweep(s), not by age: {}",
        sweeps.len(),
        if took_all == sweeps.len() {
            "everything there went at once, young and old alike, as when someone empties the folder (\"Empty \
             Trash\", or a mail program set to empty it on exit); an expiry at a fixed age keeps the younger mail"
        } else {
            "some went while older ones stayed, as when someone deletes chosen messages; an expiry at a fixed age \
             takes the oldest first"
        }
    )];
    for s in sweeps.iter().rev().take(4).rev() {
        evidence.push(s.describe());
    }
    let young = sweeps
        .iter()
        .filter_map(|s| s.received.youngest_removed.into_iter().chain(s.saved.youngest_removed).min())
        .min();
    let sure = young.is_some_and(|y| y < DAY as u64) || sweeps.iter().any(|s| s.reading == Reading::Selective);
    if !sure && took_all > 0 {
        evidence.push(if has_expiry {
            "it took mail younger than the expiry age found in other sweeps".to_string()
        } else {
            "from one look, an expiry that found only old mail looks the same; an expiry keeps younger mail, so \
             later runs will tell"
                .to_string()
        });
    }
    let confidence = if removed <= 1 {
        Confidence::Low
    } else if sure || has_expiry {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let mut advice = vec![Advice {
        rule: RULE_IMAP,
        text: format!(
            "someone emptied {folder} from a mail program, or a program does it on exit: those messages had been \
             deleted already, and are now gone from every device; check the clients' \"empty Trash on exit\" \
             setting, and restore from backups if one is needed"
        ),
    }];
    if role == Role::Junk {
        advice.push(Advice {
            rule: RULE_JUNK,
            text: "anti-spam filters make false positives: look at the Junk folder before emptying it".to_string(),
        });
    }
    Verdict {
        kind: VerdictKind::ImapPermanentDelete,
        status: Status::Ok,
        confidence,
        addresses: Vec::new(),
        days: None,
        evidence,
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_000;
    const H: i64 = 3600;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn m(uid: u32, received_days_ago: i64, now: i64) -> FolderMessage {
        FolderMessage {
            uid,
            message_id: Some(format!("<{uid}@x>")),
            arrived: Some(ts(now - received_days_ago * DAY)),
            saved: None,
            first_seen: ts(T0),
        }
    }

    fn state(tracked: Vec<FolderMessage>, at: i64) -> FolderState {
        FolderState {
            name: "Trash".into(),
            raw: "Trash".into(),
            role: Role::Trash,
            uidvalidity: Some(1),
            uidnext: Some(100),
            messages: tracked.len() as u64,
            taken_at: ts(at),
            since: ts(T0),
            tracked,
        }
    }

    fn aged(days: &[i64], now: i64, at: i64) -> FolderState {
        state(days.iter().enumerate().map(|(i, &d)| m(i as u32 + 1, d, now)).collect(), at)
    }

    /// A look at `now`: the previous state minus `gone`, plus `new`.
    fn look(prev: &FolderState, gone: &[u32], new: Vec<FolderMessage>, now: i64) -> FolderChange {
        let mut uids: Vec<u32> = prev.tracked.iter().map(|m| m.uid).filter(|u| !gone.contains(u)).collect();
        uids.extend(new.iter().map(|m| m.uid));
        let next = uids.iter().max().map(|u| u + 1);
        let listing = FolderListing { uidvalidity: Some(1), uidnext: next, uids, fetched: new };
        update(Some(prev), "Trash", "Trash", Role::Trash, listing, ts(now))
    }

    fn sweep_of(c: &FolderChange, now: i64) -> Sweep {
        Sweep::new(&c.state, c.from, ts(now), &c.removed, &c.kept).unwrap()
    }

    fn kinds(v: &[Verdict]) -> Vec<VerdictKind> {
        v.iter().map(|v| v.kind).collect()
    }

    #[test]
    fn an_expiry_at_thirty_days_is_an_age_cut_with_its_bracket() {
        // Runs an hour apart; the expiry took what was over 30 days by received date.
        let now = T0 + 10 * DAY;
        let prev = aged(&[40, 35, 31, 29, 20, 5], now, now - H);
        let c = look(&prev, &[1, 2, 3], Vec::new(), now);
        assert_eq!((c.removed.len(), c.kept.len()), (3, 3));
        let s = sweep_of(&c, now);
        assert_eq!(s.reading, Reading::AgeCut);
        assert_eq!(s.clock, Some(Clock::Received));
        assert_eq!(s.received.cut, Some(((29 * DAY - H) as u64, (31 * DAY) as u64)));
        assert_eq!(s.saved.cut, None, "no save date known for messages there from the start");
        let v = judge(&[s], &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry]);
        assert_eq!(v[0].days, Some(30));
        assert_eq!(v[0].confidence, Confidence::High, "3 removed, 3 kept");
        assert_eq!(v[0].status, Status::Ok);
        let ev = v[0].evidence.join("\n");
        assert!(ev.contains("every message removed was older than every message kept"), "{ev}");
        assert!(ev.contains("common 30-day setting"), "{ev}");
        assert!(ev.contains("before 30d"), "{ev}");
        assert!(v[0].advice[0].text.contains("host's policy, not a mail program"), "{:?}", v[0].advice);
        assert!(v[0].advice[0].text.contains("Nothing was lost"), "{:?}", v[0].advice);
    }

    #[test]
    fn daily_runs_at_a_steady_age_narrow_the_bracket() {
        // Daily cron; each day the expiry takes the messages that crossed 30 days.
        let day0 = T0 + 100 * DAY;
        let mut sweeps = Vec::new();
        for k in 0..4 {
            let now = day0 + k * DAY;
            // A message received every 6 hours; at the previous look (now - DAY), those
            // under 30 days old were there.
            let tracked: Vec<FolderMessage> = (0..4 * 31)
                .map(|i| FolderMessage { arrived: Some(ts(now - DAY - i * 6 * H)), ..m(1000 - i as u32, 0, now) })
                .filter(|x| now - DAY - x.arrived.unwrap().as_second() < 30 * DAY)
                .collect();
            let prev = state(tracked, now - DAY);
            let expiry_at = now - 10 * H;
            let gone: Vec<u32> = prev
                .tracked
                .iter()
                .filter(|x| expiry_at - x.arrived.unwrap().as_second() >= 30 * DAY)
                .map(|x| x.uid)
                .collect();
            assert!(!gone.is_empty());
            sweeps.push(sweep_of(&look(&prev, &gone, Vec::new(), now), now));
        }
        assert!(sweeps.iter().all(|s| s.reading == Reading::AgeCut && s.clock == Some(Clock::Received)));
        let e = estimate(&sweeps.iter().collect::<Vec<_>>()).unwrap();
        assert!(!e.inconsistent);
        assert_eq!(e.cuts, 4);
        assert!(e.lower < (30 * DAY) as u64 && (30 * DAY) as u64 <= e.upper, "{e:?}");
        assert!(e.upper - e.lower <= (DAY + 6 * H) as u64, "about a day wide: {e:?}");
        let v = judge(&sweeps, &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry]);
        assert_eq!(v[0].days, Some(30));
        assert_eq!(v[0].confidence, Confidence::High);
    }

    #[test]
    fn emptying_the_trash_by_hand_takes_all_ages_at_once() {
        let now = T0 + 10 * DAY;
        let prev = aged(&[400, 40, 31, 20, 5, 0], now, now - H);
        let s = sweep_of(&look(&prev, &[1, 2, 3, 4, 5, 6], Vec::new(), now), now);
        assert_eq!(s.reading, Reading::TookAll);
        assert_eq!(s.clock, None);
        let v = judge(&[s], &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ImapPermanentDelete]);
        assert_eq!(v[0].confidence, Confidence::High, "a message under a day old went too");
        let ev = v[0].evidence.join("\n");
        assert!(ev.contains("young and old alike"), "{ev}");
        assert!(ev.contains("the folder was emptied"), "{ev}");
        assert!(v[0].advice[0].text.contains("empty Trash on exit"), "{:?}", v[0].advice);
    }

    #[test]
    fn picking_messages_whatever_their_age_is_selective_and_an_old_only_emptying_is_ambiguous() {
        let now = T0 + 10 * DAY;
        let prev = aged(&[40, 35, 31, 29, 20, 5], now, now - H);
        let s = sweep_of(&look(&prev, &[2, 5], Vec::new(), now), now);
        assert_eq!(s.reading, Reading::Selective);
        let v = judge(&[s], &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ImapPermanentDelete]);
        assert!(v[0].evidence[0].contains("some went while older ones stayed"), "{:?}", v[0].evidence);

        let prev = aged(&[40, 35], now, now - H);
        let s = sweep_of(&look(&prev, &[1, 2], Vec::new(), now), now);
        assert_eq!(s.reading, Reading::TookAll);
        let v = judge(&[s], &[]);
        assert_eq!(v[0].confidence, Confidence::Medium);
        assert!(v[0].evidence.iter().any(|e| e.contains("later runs will tell")), "{:?}", v[0].evidence);
    }

    #[test]
    fn with_an_expiry_known_an_old_only_sweep_fits_it_and_a_young_one_is_by_hand() {
        let now = T0 + 10 * DAY;
        let cut = sweep_of(&look(&aged(&[40, 35, 31, 29, 20, 5], now, now - H), &[1, 2, 3], Vec::new(), now), now);
        let later = now + DAY;
        let old_prev = state(vec![m(50, 33, later), m(51, 32, later)], later - H);
        let old_only = sweep_of(&look(&old_prev, &[50, 51], Vec::new(), later), later);
        let v = judge(&[cut.clone(), old_only], &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry]);
        assert!(v[0].evidence[0].starts_with("5 message(s) left Trash"), "{:?}", v[0].evidence);

        let young_prev = state(vec![m(60, 33, later), m(61, 2, later)], later - H);
        let young = sweep_of(&look(&young_prev, &[60, 61], Vec::new(), later), later);
        let v = judge(&[cut, young], &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry, VerdictKind::ImapPermanentDelete]);
        assert!(v[1].evidence.iter().any(|e| e.contains("younger than the expiry age")), "{:?}", v[1].evidence);
    }

    #[test]
    fn the_save_date_tells_autoexpunge_when_received_dates_are_mixed() {
        // Messages trashed at different times, whatever their received date: only the
        // save date shows the cut.
        let now = T0 + 100 * DAY;
        let mk = |uid: u32, received: i64, saved: i64| FolderMessage {
            saved: Some(ts(now - saved * DAY)),
            ..m(uid, received, now)
        };
        let prev = state(vec![mk(1, 3, 35), mk(2, 400, 32), mk(3, 50, 25), mk(4, 1, 10), mk(5, 90, 2)], now - H);
        let s = sweep_of(&look(&prev, &[1, 2], Vec::new(), now), now);
        assert_eq!(s.received.cut, None);
        assert_eq!(s.clock, Some(Clock::Saved));
        let v = judge(&[s], &[]);
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry]);
        assert!(v[0].evidence.iter().any(|e| e.contains("autoexpunge")), "{:?}", v[0].evidence);
        assert!(v[0].advice[0].text.contains("after they were deleted"), "{:?}", v[0].advice);
    }

    #[test]
    fn same_second_save_dates_are_no_cut() {
        // Seeded together: a received-date expiry must not be credited to the save clock.
        let now = T0 + 10 * DAY;
        let mk = |uid: u32, received: i64, saved_at: i64| FolderMessage {
            saved: Some(ts(saved_at)),
            ..m(uid, received, now)
        };
        let prev = state(vec![mk(1, 40, T0), mk(2, 31, T0), mk(3, 29, T0 + 1), mk(4, 5, T0 + 1)], now - H);
        let s = sweep_of(&look(&prev, &[1, 2], Vec::new(), now), now);
        assert_eq!(s.saved.cut, None);
        assert_eq!(s.clock, Some(Clock::Received));
    }

    #[test]
    fn updates_track_new_messages_and_renumbering_starts_over() {
        let now = T0 + DAY;
        let prev = state(vec![m(1, 40, now), m(2, 20, now)], now - H);
        let new = vec![
            FolderMessage { first_seen: ts(now), ..m(7, 1, now) },
            FolderMessage { first_seen: ts(now), ..m(100, 1, now) },
        ];
        let c = look(&prev, &[1], new, now);
        assert_eq!(c.arrived, 1, "uid 7 is below the old UIDNEXT 100: it was there, out of the window");
        assert_eq!(c.state.tracked.iter().map(|m| m.uid).collect::<Vec<_>>(), vec![2, 7, 100]);
        assert_eq!(c.state.tracked[1].first_seen, ts(T0), "when uid 7 came in is unknown");
        assert_eq!(c.state.tracked[2].first_seen, ts(now));
        assert_eq!(c.state.since, ts(T0));
        assert_eq!(c.from, ts(now - H));
        let listing = FolderListing {
            uidvalidity: Some(9),
            uidnext: Some(3),
            uids: vec![1, 2],
            fetched: vec![m(1, 1, now), m(2, 1, now)],
        };
        let c = update(Some(&prev), "Trash", "Trash", Role::Trash, listing, ts(now));
        assert_eq!(c.uidvalidity_change, Some((1, 9)));
        assert!(c.removed.is_empty());
        assert_eq!(c.state.since, ts(now));
        // The window: the lowest UIDs only, and only unknown ones are read.
        let many: Vec<u32> = (1..=(MAX_TRACKED as u32 + 10)).collect();
        let want = FolderState::to_fetch(Some(&prev), &many, true);
        assert_eq!(want.len(), MAX_TRACKED - 2);
        assert_eq!(want[0], 3);
        assert!(prev.unchanged(Some(1), Some(100), 2) && !prev.unchanged(Some(1), Some(101), 2));
        assert_eq!(FolderMessage::clean_id(Some("x".repeat(1000))).unwrap().len(), MAX_ID);
    }

    #[test]
    fn special_use_first_then_names() {
        let l = |raw: &str, attrs: &[&str]| {
            (raw.to_string(), raw.to_string(), attrs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        let listed = vec![l("INBOX", &[]), l("Spam", &[]), l("Deleted Items", &[]), l("Corbeille", &["\\Trash"])];
        assert_eq!(
            pick_folders(&listed),
            vec![("Corbeille".into(), "Corbeille".into(), Role::Trash), ("Spam".into(), "Spam".into(), Role::Junk)]
        );
        assert!(is_junk("INBOX/Junk E-mail") && !is_junk("Archive"));
    }
}
