//! What an observer of the mailbox (not of the server's logs) knows: each message it saw,
//! each removal with its likely cause, and the bridge into [`crate::model::verdict`]:
//! removals are grouped into the timelines that `deleters logs` builds from sessions
//! ([`ClientSummary`]), judged by the same [`verdict::judge`], and the evidence is
//! rewritten in terms of messages, since a mailbox view sees messages, not sessions.
//!
//! How a removal is read (GUIDES.md, "My messages disappear"):
//! - found again in another folder: an IMAP client filed it (or moved it to the Trash);
//! - `\Deleted` seen before it went: an IMAP client deleted it for good;
//! - gone without trace from INBOX: what a POP client does (DELE commits at QUIT, in a
//!   batch, with no `\Deleted` flag visible to others). The age at removal tells "on
//!   download" from "leave on server N days": a client that leaves mail N days removes
//!   only what is older than N and keeps younger mail; one that deletes on download
//!   takes everything it finds.
//!
//! Pure: no I/O, no clock (times come in).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::expiry::{self, Sweep};
use crate::model::Status;
use crate::model::verdict::{
    self, Access, Advice, ClientSummary, ClientTotals, Confidence, ON_DOWNLOAD_LAG_SECS, ServerExpunges, Verdict,
    VerdictKind, human_duration,
};

/// Removals noticed within this gap of each other belong to one batch (one POP session
/// commits its deletions at QUIT, all at once).
pub const BATCH_GAP_SECS: i64 = 120;
/// A message younger than this at a batch may simply not have been downloaded yet: it
/// proves nothing about what the client keeps.
const FRESH_SECS: i64 = 15 * 60;
/// The domain of canary Message-IDs (`--canary`).
pub const CANARY_DOMAIN: &str = "canary.mailsweep.invalid";
/// Messages named as examples in the evidence.
const EXAMPLES: usize = 3;
const DAY: f64 = 86_400.0;

/// One message as an observer knows it. IMAP fills `uid`, POP3 fills `uidl`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uidl: Option<String>,
    #[serde(default)]
    pub message_id: Option<String>,
    /// When it reached the server: INTERNALDATE (IMAP) or the newest `Received:` date (POP3).
    #[serde(default)]
    pub arrived: Option<Timestamp>,
    /// SAVEDATE (RFC 8514): when it was put into its folder, where the server says (Trash
    /// and Junk only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<Timestamp>,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// When this observer first saw it.
    pub first_seen: Timestamp,
    /// The last time this observer saw it present.
    pub last_seen: Timestamp,
    /// `\Seen`, as last known.
    #[serde(default)]
    pub seen: bool,
    /// `\Deleted`, as last known.
    #[serde(default)]
    pub deleted: bool,
    /// When `\Seen` was seen being set (it was unseen before).
    #[serde(default)]
    pub seen_set_at: Option<Timestamp>,
}

impl MessageInfo {
    pub fn is_canary(&self) -> bool {
        self.message_id.as_deref().is_some_and(|m| m.contains(CANARY_DOMAIN))
    }

    /// `uid 12` or `UIDL 0000000b5f3c2a1e`, for evidence.
    pub fn label(&self) -> String {
        match (&self.uid, &self.uidl) {
            (Some(u), _) => format!("uid {u}"),
            (None, Some(u)) => format!("UIDL {u}"),
            (None, None) => "a message".to_string(),
        }
    }

    /// `uid 12 "Subject" from x`: a short description for evidence lines.
    pub fn describe(&self) -> String {
        let mut s = self.label();
        if let Some(subject) = &self.subject {
            s.push_str(&format!(" \"{}\"", shorten(subject, 50)));
        }
        if let Some(from) = &self.from {
            s.push_str(&format!(" from {}", shorten(from, 40)));
        }
        s
    }

    /// Age at `t`, when the arrival is known.
    pub fn age_at(&self, t: Timestamp) -> Option<i64> {
        self.arrived.map(|a| (t.as_second() - a.as_second()).max(0))
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

/// Why a message left its folder, as far as an observer can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Found again in another folder: an IMAP client filed it.
    Filed,
    /// Found again in the Trash.
    Trashed,
    /// `\Deleted` was set before it went: an IMAP client deleted it for good.
    Expunged,
    /// Gone from INBOX without trace (no `\Deleted` seen, in no other folder): a POP client.
    Vanished,
    /// Gone without trace from another folder: server expiry, or a client emptying it.
    VanishedElsewhere,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::Filed => "filed",
            Cause::Trashed => "trashed",
            Cause::Expunged => "expunged",
            Cause::Vanished => "vanished",
            Cause::VanishedElsewhere => "vanished_elsewhere",
        }
    }

    /// Gone to an unknown client: what monitoring alerts on (exit 1).
    pub fn is_unexplained(self) -> bool {
        self == Cause::Vanished
    }
}

/// Where a vanished message was found again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The folder's display name.
    pub folder: String,
    /// A Trash folder (special-use `\Trash`, or named so).
    pub trash: bool,
}

/// How one message left, with when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// The folder it left (`INBOX` for watch).
    pub folder: String,
    /// The message as last known (`last_seen`: the last time it was there).
    pub message: MessageInfo,
    /// When its absence was noticed.
    pub noticed: Timestamp,
    pub cause: Cause,
    #[serde(default)]
    pub moved_to: Option<String>,
}

impl Removal {
    /// Classifies a removal from what was known of the message and where it was found.
    pub fn new(folder: &str, message: MessageInfo, noticed: Timestamp, found: Option<&Destination>) -> Removal {
        let cause = match found {
            Some(d) if d.trash => Cause::Trashed,
            Some(_) => Cause::Filed,
            None if message.deleted => Cause::Expunged,
            None if folder.eq_ignore_ascii_case("INBOX") => Cause::Vanished,
            None => Cause::VanishedElsewhere,
        };
        Removal { folder: folder.to_string(), message, noticed, cause, moved_to: found.map(|d| d.folder.clone()) }
    }

    /// The best estimate of when it left: between the last time it was seen and the
    /// time its absence was noticed (the same moment for `watch`).
    pub fn removed_at(&self) -> Timestamp {
        let (a, b) = (self.message.last_seen.as_second(), self.noticed.as_second());
        Timestamp::from_second(a + (b - a).max(0) / 2).unwrap_or(self.noticed)
    }

    /// How long it lived on the server, when its arrival is known.
    pub fn age_secs(&self) -> Option<u64> {
        self.message.age_at(self.removed_at()).map(|a| a as u64)
    }
}

/// Is this folder a Trash? Special-use first, else the usual names.
pub fn is_trash(name: &str, special_use_trash: bool) -> bool {
    if special_use_trash {
        return true;
    }
    let last = name.rsplit(['/', '.']).next().unwrap_or(name).to_lowercase();
    ["trash", "deleted items", "deleted messages", "corbeille", "papierkorb", "bin", "éléments supprimés"]
        .contains(&last.as_str())
}

/// Everything one observation saw, for the verdicts.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub removals: &'a [Removal],
    /// The messages in INBOX at the end.
    pub present: &'a [MessageInfo],
    pub from: Timestamp,
    pub to: Timestamp,
    /// Messages that arrived while observed.
    pub arrivals: u64,
    /// The observer sees INBOX only (POP3): a filed message looks vanished.
    pub inbox_only: bool,
    /// What left the watched Trash and Junk folders without trace ([`super::expiry`]).
    /// With sweeps, `vanished_elsewhere` removals are only examples of them.
    pub sweeps: &'a [Sweep],
}

/// One batch of removals without trace (one POP session, as far as can be told).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub at: Timestamp,
    pub removed: usize,
    /// Age of the youngest message removed.
    pub youngest_secs: Option<i64>,
    /// Messages older than [`FRESH_SECS`] left in INBOX by this batch: the client keeps some.
    pub kept_older: usize,
    /// The oldest message kept, its age.
    pub oldest_kept_secs: Option<i64>,
}

impl Batch {
    /// The age this batch removes at: the youngest removed, when the client visibly kept
    /// younger mail (a "leave on server" threshold) or when it is fresh (on download).
    /// A batch that took everything, however old, says only "on download": the age is
    /// then how long the client was away.
    pub fn lag_secs(&self) -> Option<u64> {
        let y = self.youngest_secs?;
        (self.kept_older > 0 || y <= ON_DOWNLOAD_LAG_SECS as i64).then_some(y as u64)
    }
}

/// Groups vanished removals into batches and looks at what each left behind.
pub fn batches(obs: &Observation<'_>) -> Vec<Batch> {
    let mut vanished: Vec<&Removal> = obs.removals.iter().filter(|r| r.cause == Cause::Vanished).collect();
    vanished.sort_by_key(|r| r.removed_at());
    let mut groups: Vec<Vec<&Removal>> = Vec::new();
    for r in vanished {
        match groups.last_mut() {
            Some(g)
                if r.removed_at().as_second() - g.last().map_or(0, |x| x.removed_at().as_second())
                    <= BATCH_GAP_SECS =>
            {
                g.push(r)
            }
            _ => groups.push(vec![r]),
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let at = g.last().map(|r| r.removed_at()).unwrap_or(obs.to);
            let first = g.first().map(|r| r.message.last_seen).unwrap_or(at);
            let youngest = g.iter().filter_map(|r| r.message.age_at(r.removed_at())).min();
            // Still there after the batch: present at the end and seen before it, or
            // removed later.
            let survivors = obs.present.iter().filter(|m| m.first_seen <= first).chain(
                obs.removals
                    .iter()
                    .filter(|r| r.removed_at() > at && r.message.first_seen <= first)
                    .map(|r| &r.message),
            );
            let kept: Vec<i64> = survivors.filter_map(|m| m.age_at(at)).filter(|&a| a > FRESH_SECS).collect();
            Batch {
                at,
                removed: g.len(),
                youngest_secs: youngest,
                kept_older: kept.len(),
                oldest_kept_secs: kept.iter().copied().max(),
            }
        })
        .collect()
}

/// Messages marked `\Seen` together and left in INBOX: a client downloaded them and left
/// them there (POP "leave on server"), or someone marked them read.
pub fn seen_batches(present: &[MessageInfo]) -> Vec<(Timestamp, usize)> {
    let mut times: Vec<Timestamp> = present.iter().filter_map(|m| m.seen_set_at).collect();
    times.sort();
    let mut out: Vec<(Timestamp, usize)> = Vec::new();
    for t in times {
        match out.last_mut() {
            Some((last, n)) if t.as_second() - last.as_second() <= 10 => {
                *last = t;
                *n += 1;
            }
            _ => out.push((t, 1)),
        }
    }
    out.retain(|&(_, n)| n >= 2);
    out
}

fn summary(address: &str, access: Access, first: Timestamp, last: Timestamp, totals: ClientTotals) -> ClientSummary {
    ClientSummary {
        address: address.to_string(),
        access,
        first_seen: Some(first),
        last_seen: Some(last),
        // Only the sessions that changed something are visible: no polling interval.
        median_interval_secs: None,
        deletion_lag_secs: None,
        deletion_lag_samples: 0,
        kept_days_estimate: None,
        median_messages_on_server: None,
        totals,
        folders: Vec::new(),
        master_users: Vec::new(),
    }
}

fn median(mut v: Vec<u64>) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// A POP client's timeline from its batches.
fn pop_client(address: &str, b: &[&Batch]) -> ClientSummary {
    let n: u64 = b.iter().map(|x| x.removed as u64).sum();
    let k = b.len() as u64;
    let totals = ClientTotals {
        sessions: k,
        closed_sessions: k,
        // A POP client downloads before it deletes: DELE without RETR is rare.
        retrieved: n,
        deleted: n,
        retrieving_sessions: k,
        deleting_sessions: k,
        ..ClientTotals::default()
    };
    let first = b.iter().map(|x| x.at).min().unwrap_or_default();
    let last = b.iter().map(|x| x.at).max().unwrap_or_default();
    let mut c = summary(address, Access::Pop3, first, last, totals);
    let lags: Vec<u64> = b.iter().filter_map(|x| x.lag_secs()).collect();
    c.deletion_lag_samples = lags.len() as u64;
    c.deletion_lag_secs = median(lags);
    c
}

/// The timelines an observation gives: POP-like clients, one IMAP view, server expunges.
pub fn timelines(obs: &Observation<'_>) -> (Vec<ClientSummary>, ServerExpunges) {
    let mut clients = Vec::new();
    let all = batches(obs);
    let quick: Vec<&Batch> = all.iter().filter(|b| b.lag_secs().is_none_or(|l| l <= ON_DOWNLOAD_LAG_SECS)).collect();
    let slow: Vec<&Batch> = all.iter().filter(|b| b.lag_secs().is_some_and(|l| l > ON_DOWNLOAD_LAG_SECS)).collect();
    if quick.len() >= 2 && slow.len() >= 2 {
        // Two removal habits at once: one client deletes on download, another after days.
        clients.push(pop_client("client A", &quick));
        clients.push(pop_client("client B", &slow));
    } else if !all.is_empty() {
        clients.push(pop_client("unknown", &all.iter().collect::<Vec<_>>()));
    }
    let kept = seen_batches(obs.present);
    if !kept.is_empty() {
        let n: u64 = kept.iter().map(|&(_, n)| n as u64).sum();
        let k = kept.len() as u64;
        let totals = ClientTotals {
            sessions: k,
            closed_sessions: k,
            retrieved: n,
            retrieving_sessions: k,
            keeping_sessions: k,
            ..ClientTotals::default()
        };
        let first = kept.first().map(|x| x.0).unwrap_or_default();
        let last = kept.last().map(|x| x.0).unwrap_or_default();
        clients.push(summary("keeping", Access::Pop3, first, last, totals));
    }
    let imap: Vec<&Removal> =
        obs.removals.iter().filter(|r| matches!(r.cause, Cause::Filed | Cause::Trashed | Cause::Expunged)).collect();
    if !imap.is_empty() {
        let count = |c: Cause| imap.iter().filter(|r| r.cause == c).count() as u64;
        let (filed, trashed, expunged) = (count(Cause::Filed), count(Cause::Trashed), count(Cause::Expunged));
        let totals = ClientTotals {
            sessions: 1,
            closed_sessions: 1,
            flagged_deleted: expunged,
            expunged: filed + trashed + expunged,
            trashed,
            filed,
            permanently_deleted: expunged,
            ..ClientTotals::default()
        };
        let first = imap.iter().map(|r| r.removed_at()).min().unwrap_or_default();
        let last = imap.iter().map(|r| r.removed_at()).max().unwrap_or_default();
        let mut c = summary("unknown", Access::Imap, first, last, totals);
        for r in imap.iter().filter(|r| r.cause == Cause::Filed) {
            if let Some(f) = &r.moved_to
                && c.folders.len() < 8
                && !c.folders.contains(f)
            {
                c.folders.push(f.clone());
            }
        }
        clients.push(c);
    }
    // With sweeps, the watched folders are judged by [`expiry::judge`], not as server expunges.
    let elsewhere: Vec<&Removal> =
        obs.removals.iter().filter(|r| r.cause == Cause::VanishedElsewhere && obs.sweeps.is_empty()).collect();
    let mut server = ServerExpunges { messages: elsewhere.len() as u64, ..ServerExpunges::default() };
    for r in &elsewhere {
        if server.folders.len() < 8 && !server.folders.contains(&r.folder) {
            server.folders.push(r.folder.clone());
        }
    }
    (clients, server)
}

/// The verdicts on one observation: [`verdict::judge`] on its timelines decides the
/// kinds, status, confidence, days and advice; the evidence is told in messages.
pub fn judge(obs: &Observation<'_>) -> Vec<Verdict> {
    let (clients, server) = timelines(obs);
    let all_batches = batches(obs);
    let mut verdicts = verdict::judge(&clients, &server);
    for v in &mut verdicts {
        let model_lines = std::mem::take(&mut v.evidence);
        v.addresses.clear();
        v.evidence = evidence(v, obs, &all_batches, &model_lines);
        match v.kind {
            VerdictKind::SeveralPopClients | VerdictKind::PopDeletesOnDownload | VerdictKind::PopLeavesOnServer => {
                // The model's advice names the client's address, which a mailbox view
                // cannot see: the server's log can.
                for a in &mut v.advice {
                    if a.rule.starts_with("My messages disappear") {
                        a.text = FIND_POP_CLIENT.to_string();
                    }
                }
                for a in &mut v.advice {
                    for (label, name) in [
                        ("unknown", "the POP client"),
                        ("keeping", "the POP client"),
                        ("client A", "POP client A"),
                        ("client B", "POP client B"),
                    ] {
                        a.text = a.text.replace(&format!("the client at {label}"), name);
                    }
                }
                if !v.advice.iter().any(|a| a.text == FIND_POP_CLIENT) && v.status == Status::Warning {
                    v.advice.insert(0, Advice { rule: verdict_rule_disappear(), text: FIND_POP_CLIENT.to_string() });
                }
                if obs.inbox_only && v.confidence == Confidence::High {
                    v.confidence = Confidence::Medium;
                }
            }
            VerdictKind::NothingWrong => {
                let span = obs.to.as_second() - obs.from.as_second();
                v.confidence = if span >= 7 * 86_400 {
                    Confidence::High
                } else if span >= 86_400 {
                    Confidence::Medium
                } else {
                    Confidence::Low
                };
                v.advice = vec![Advice {
                    rule: verdict_rule_disappear(),
                    text: "nothing removed mail while observed: keep observing (a POP client may run only when its \
                           computer is on), and look at the Junk folder and at filters (the mail may never have \
                           arrived)"
                        .to_string(),
                }];
            }
            _ => {}
        }
    }
    if !obs.sweeps.is_empty() {
        let examples = of(obs, &[Cause::VanishedElsewhere]);
        let folder_verdicts = expiry::judge(obs.sweeps, &examples);
        if !folder_verdicts.is_empty() {
            // Something was removed: INBOX being quiet is said by the absence of its verdicts.
            verdicts.retain(|v| v.kind != VerdictKind::NothingWrong);
            verdicts.extend(folder_verdicts);
            verdicts.sort_by_key(|v| v.kind);
        }
    }
    verdicts
}

const FIND_POP_CLIENT: &str = "a mail program downloads by POP and deletes from the server: the mailbox cannot see \
     which machine it runs on, the server's log can (`mailsweep deleters logs` on the server names its address); \
     else list the devices set up with this account (an old laptop, a phone, an office PC, a fetchmail job) and \
     switch each to IMAP or tick \"leave messages on server\" (3-4 days)";

fn verdict_rule_disappear() -> &'static str {
    "My messages disappear (guides 000, 002, 004)"
}

fn examples(rs: &[&Removal]) -> String {
    let mut shown: Vec<String> = rs
        .iter()
        .take(EXAMPLES)
        .map(|r| {
            let mut s = r.message.describe();
            if let Some(a) = r.age_secs() {
                s.push_str(&format!(" after {}", human_duration(a)));
            }
            if let Some(f) = &r.moved_to {
                s.push_str(&format!(" to {f}"));
            }
            s
        })
        .collect();
    if rs.len() > EXAMPLES {
        shown.push(format!("and {} more", rs.len() - EXAMPLES));
    }
    shown.join("; ")
}

fn of<'a>(obs: &Observation<'a>, causes: &[Cause]) -> Vec<&'a Removal> {
    let mut v: Vec<&Removal> = obs.removals.iter().filter(|r| causes.contains(&r.cause)).collect();
    v.sort_by_key(|r| r.removed_at());
    v
}

fn folders_of(rs: &[&Removal]) -> String {
    let set: BTreeSet<&str> = rs.iter().filter_map(|r| r.moved_to.as_deref()).collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

fn evidence(v: &Verdict, obs: &Observation<'_>, batches: &[Batch], model: &[String]) -> Vec<String> {
    let mut e = Vec::new();
    match v.kind {
        VerdictKind::PopDeletesOnDownload | VerdictKind::PopLeavesOnServer | VerdictKind::SeveralPopClients
            if !batches.is_empty() =>
        {
            let gone = of(obs, &[Cause::Vanished]);
            e.push(format!(
                "{} message(s) left INBOX without trace, in {} batch(es): no \\Deleted flag was seen first (an IMAP \
                 client sets it before expunging) and none reappeared in another folder",
                gone.len(),
                batches.len()
            ));
            let ages: Vec<u64> = gone.iter().filter_map(|r| r.age_secs()).collect();
            if let (Some(min), Some(max)) = (ages.iter().min(), ages.iter().max()) {
                e.push(format!(
                    "they had been on the server {} to {} (median {})",
                    human_duration(*min),
                    human_duration(*max),
                    human_duration(median(ages.clone()).unwrap_or(0))
                ));
            }
            let kept: Vec<&Batch> = batches.iter().filter(|b| b.kept_older > 0).collect();
            if let Some(b) = kept.iter().max_by_key(|b| b.at) {
                e.push(format!(
                    "the batch at {} removed mail {} old and older, but left {} older than 15 min (up to {}): a \
                     client that keeps mail for a while",
                    b.at.strftime("%Y-%m-%d %H:%M"),
                    human_duration(b.youngest_secs.unwrap_or(0) as u64),
                    b.kept_older,
                    human_duration(b.oldest_kept_secs.unwrap_or(0) as u64)
                ));
            } else {
                e.push("each batch took every message it found, however old: deleting on download".to_string());
            }
            let seen_first = gone.iter().filter(|r| r.message.seen || r.message.seen_set_at.is_some()).count();
            if seen_first > 0 {
                e.push(format!("{seen_first} of them had been marked \\Seen before they went (a download marks them)"));
            }
            let biggest = batches.iter().map(|b| b.removed).max().unwrap_or(0);
            if biggest > 1 {
                e.push(format!("up to {biggest} removed at once, as a POP client does when it ends its session"));
            }
            e.extend(model.iter().filter(|l| l.starts_with("this matches") || l.contains("overlap")).cloned());
            if !kept.is_empty() {
                e.push(
                    "an expiry on the server (autoexpunge of INBOX) looks the same from the mailbox: if no device \
                     uses POP, check the server's settings"
                        .to_string(),
                );
            }
            e.push(format!("examples: {}", examples(&gone)));
            if obs.inbox_only {
                e.push(
                    "POP3 sees only INBOX: a message an IMAP client moved to a folder looks the same; snapshot the \
                     IMAP address of this mailbox to tell"
                        .to_string(),
                );
            }
        }
        VerdictKind::PopLeavesOnServer => {
            let marks = seen_batches(obs.present);
            let n: usize = marks.iter().map(|&(_, n)| n).sum();
            e.push(format!(
                "{n} message(s) were marked \\Seen together ({} time(s), last at {}) and stayed in INBOX: a client \
                 downloaded them and left them on the server (POP \"leave on server\"), or someone marked them read",
                marks.len(),
                marks.last().map(|m| m.0.strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
            ));
            e.push("no message left INBOX without trace while observed".to_string());
        }
        VerdictKind::ImapPermanentDelete => {
            let rs = of(obs, &[Cause::Expunged]);
            e.push(format!(
                "{} message(s) were flagged \\Deleted and then expunged from {}: an IMAP client deleted them for good",
                rs.len(),
                rs.first().map_or("INBOX", |r| r.folder.as_str())
            ));
            e.push(format!("examples: {}", examples(&rs)));
        }
        VerdictKind::DeletedToTrash => {
            let rs = of(obs, &[Cause::Trashed]);
            e.push(format!("{} message(s) moved to {}", rs.len(), folders_of(&rs)));
            e.push(format!("examples: {}", examples(&rs)));
        }
        VerdictKind::ImapFiling => {
            let rs = of(obs, &[Cause::Filed]);
            let from: BTreeSet<&str> = rs.iter().map(|r| r.folder.as_str()).collect();
            e.push(format!(
                "{} message(s) left {} and reappeared in {}",
                rs.len(),
                from.into_iter().collect::<Vec<_>>().join(", "),
                folders_of(&rs)
            ));
            e.push(format!("examples: {}", examples(&rs)));
        }
        VerdictKind::ServerExpiry => {
            let rs = of(obs, &[Cause::VanishedElsewhere]);
            let folders: BTreeSet<&str> = rs.iter().map(|r| r.folder.as_str()).collect();
            e.push(format!(
                "{} message(s) vanished without trace from {} (not INBOX): an expiry on the server, or a client \
                 emptying the folder",
                rs.len(),
                folders.into_iter().collect::<Vec<_>>().join(", ")
            ));
            let ages: Vec<u64> = rs.iter().filter_map(|r| r.age_secs()).collect();
            if let Some(m) = median(ages) {
                e.push(format!("at a median age of {:.0} days", m as f64 / DAY));
            }
        }
        VerdictKind::NothingWrong => {
            e.push(format!(
                "observed {} from {} to {}: {} message(s) arrived, {} in INBOX now, none removed",
                human_duration((obs.to.as_second() - obs.from.as_second()).max(0) as u64),
                obs.from.strftime("%Y-%m-%d %H:%M"),
                obs.to.strftime("%Y-%m-%d %H:%M"),
                obs.arrivals,
                obs.present.len()
            ));
        }
        _ => e.extend(model.iter().cloned()),
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_000;
    const MIN: i64 = 60;
    const H: i64 = 3600;
    const D: i64 = 86_400;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn msg(uid: u32, arrived: i64, first_seen: i64) -> MessageInfo {
        MessageInfo {
            uid: Some(uid),
            message_id: Some(format!("<{uid}@example.org>")),
            arrived: Some(ts(arrived)),
            size: 1000,
            subject: Some(format!("m{uid}")),
            first_seen: ts(first_seen),
            last_seen: ts(first_seen),
            ..MessageInfo::default()
        }
    }

    fn gone(m: MessageInfo, at: i64) -> Removal {
        let mut m = m;
        m.last_seen = ts(at);
        Removal::new("INBOX", m, ts(at), None)
    }

    fn obs<'a>(removals: &'a [Removal], present: &'a [MessageInfo]) -> Observation<'a> {
        Observation {
            removals,
            present,
            from: ts(T0),
            to: ts(T0 + 2 * D),
            arrivals: 10,
            inbox_only: false,
            sweeps: &[],
        }
    }

    fn kinds(v: &[Verdict]) -> Vec<VerdictKind> {
        v.iter().map(|v| v.kind).collect()
    }

    #[test]
    fn causes_follow_where_the_message_went() {
        let m = msg(1, T0, T0);
        let trash = Destination { folder: "Trash".into(), trash: true };
        let archive = Destination { folder: "Archive".into(), trash: false };
        assert_eq!(Removal::new("INBOX", m.clone(), ts(T0), Some(&trash)).cause, Cause::Trashed);
        assert_eq!(Removal::new("INBOX", m.clone(), ts(T0), Some(&archive)).cause, Cause::Filed);
        let flagged = MessageInfo { deleted: true, ..m.clone() };
        assert_eq!(Removal::new("INBOX", flagged, ts(T0), None).cause, Cause::Expunged);
        assert_eq!(Removal::new("INBOX", m.clone(), ts(T0), None).cause, Cause::Vanished);
        assert_eq!(Removal::new("Trash", m, ts(T0), None).cause, Cause::VanishedElsewhere);
        assert!(is_trash("Deleted Items", false) && is_trash("INBOX/Trash", false) && !is_trash("Archive", false));
    }

    #[test]
    fn removals_minutes_after_arrival_are_deleting_on_download() {
        // Every 10 minutes a batch takes what arrived since.
        let mut removals = Vec::new();
        for i in 0..6 {
            let t = T0 + i * 10 * MIN;
            removals.push(gone(msg(2 * i as u32, t - 7 * MIN, t - 7 * MIN), t));
            removals.push(gone(msg(2 * i as u32 + 1, t - 3 * MIN, t - 3 * MIN), t + 1));
        }
        let v = judge(&obs(&removals, &[]));
        assert_eq!(kinds(&v), vec![VerdictKind::PopDeletesOnDownload]);
        assert_eq!(v[0].status, Status::Warning);
        assert_eq!(v[0].confidence, Confidence::High);
        assert!(v[0].addresses.is_empty());
        assert!(
            v[0].evidence[0].starts_with("12 message(s) left INBOX without trace, in 6 batch(es)"),
            "{:?}",
            v[0].evidence
        );
        assert!(v[0].evidence.iter().any(|e| e.contains("took every message")), "{:?}", v[0].evidence);
        assert!(v[0].advice.iter().any(|a| a.text.contains("deleters logs")), "{:?}", v[0].advice);
        assert!(!v[0].advice.iter().any(|a| a.text.contains("unknown")), "{:?}", v[0].advice);
    }

    #[test]
    fn a_batch_that_takes_an_old_backlog_is_still_on_download() {
        // The watch starts; the POP client comes back after a weekend and takes all.
        let removals: Vec<Removal> = (0..5).map(|i| gone(msg(i, T0 - 60 * H + i as i64 * H, T0), T0 + H)).collect();
        let b = batches(&obs(&removals, &[]));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].lag_secs(), None);
        let v = judge(&obs(&removals, &[]));
        assert_eq!(kinds(&v), vec![VerdictKind::PopDeletesOnDownload]);
        assert_eq!(v[0].confidence, Confidence::Medium);
    }

    #[test]
    fn removal_at_a_steady_age_with_younger_mail_kept_is_leave_on_server() {
        // Seeded ages: 20, 16, 15 days removed; 10, 5, 1 days kept.
        let now = T0 + 30 * D;
        let removals: Vec<Removal> =
            [20, 16, 15].iter().enumerate().map(|(i, d)| gone(msg(i as u32, now - d * D, T0), now)).collect();
        let present: Vec<MessageInfo> =
            [10, 5, 1].iter().enumerate().map(|(i, d)| msg(10 + i as u32, now - d * D, T0)).collect();
        let o = Observation { to: ts(now + H), ..obs(&removals, &present) };
        let b = batches(&o);
        assert_eq!(b[0].kept_older, 3);
        assert_eq!(b[0].lag_secs(), Some(15 * D as u64));
        let v = judge(&o);
        assert_eq!(kinds(&v), vec![VerdictKind::PopLeavesOnServer]);
        assert_eq!(v[0].days, Some(15));
        assert_eq!(v[0].status, Status::Warning);
        assert!(v[0].evidence.iter().any(|e| e.contains("Thunderbird")), "{:?}", v[0].evidence);
        assert!(v[0].evidence.iter().any(|e| e.contains("left 3 older than 15 min")), "{:?}", v[0].evidence);
    }

    #[test]
    fn two_removal_habits_are_several_clients() {
        let mut removals = Vec::new();
        let mut present = Vec::new();
        for i in 0..3u32 {
            let t = T0 + 20 * D + i as i64 * D;
            removals.push(gone(msg(i, t - 5 * MIN, t - 5 * MIN), t));
            removals.push(gone(msg(100 + i, t - 14 * D - H, T0), t + 6 * H));
            present.push(msg(200 + i, T0 + D, T0 + D));
        }
        let v = judge(&obs(&removals, &present));
        assert_eq!(v[0].kind, VerdictKind::SeveralPopClients, "{:?}", kinds(&v));
        assert!(v.iter().any(|v| v.kind == VerdictKind::PopLeavesOnServer));
    }

    #[test]
    fn imap_filing_trash_and_deletes_are_told_apart() {
        let archive = Destination { folder: "Archive".into(), trash: false };
        let trash = Destination { folder: "Trash".into(), trash: true };
        let removals = vec![
            Removal::new("INBOX", msg(1, T0, T0), ts(T0 + H), Some(&archive)),
            Removal::new("INBOX", msg(2, T0, T0), ts(T0 + H), Some(&trash)),
            Removal::new("INBOX", MessageInfo { deleted: true, ..msg(3, T0, T0) }, ts(T0 + H), None),
        ];
        let v = judge(&obs(&removals, &[]));
        assert_eq!(
            kinds(&v),
            vec![VerdictKind::ImapPermanentDelete, VerdictKind::DeletedToTrash, VerdictKind::ImapFiling]
        );
        assert!(v[2].evidence[0].contains("reappeared in Archive"), "{:?}", v[2].evidence);
        assert!(v[1].evidence[0].contains("moved to Trash"), "{:?}", v[1].evidence);
        assert!(v[0].evidence[0].contains("flagged \\Deleted"), "{:?}", v[0].evidence);
        assert!(v.iter().all(|v| v.status == Status::Ok));
    }

    #[test]
    fn seen_together_and_kept_is_a_leave_on_server_client_without_warning() {
        let present: Vec<MessageInfo> = (0..3)
            .map(|i| MessageInfo { seen: true, seen_set_at: Some(ts(T0 + H + i)), ..msg(i as u32, T0, T0) })
            .collect();
        let v = judge(&obs(&[], &present));
        assert_eq!(kinds(&v), vec![VerdictKind::PopLeavesOnServer]);
        assert_eq!(v[0].status, Status::Ok);
        assert_eq!(v[0].confidence, Confidence::Low);
        assert!(v[0].evidence[0].starts_with("3 message(s) were marked \\Seen together"), "{:?}", v[0].evidence);
    }

    #[test]
    fn nothing_removed_is_nothing_wrong_and_server_expiry_elsewhere() {
        let present = vec![msg(1, T0, T0)];
        let v = judge(&obs(&[], &present));
        assert_eq!(kinds(&v), vec![VerdictKind::NothingWrong]);
        assert_eq!(v[0].confidence, Confidence::Medium);
        assert!(v[0].evidence[0].contains("none removed"), "{:?}", v[0].evidence);
        let mut m = msg(5, T0 - 30 * D, T0);
        m.last_seen = ts(T0 + D);
        let removals = vec![Removal::new("Trash", m, ts(T0 + D), None)];
        let v = judge(&obs(&removals, &present));
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry]);
        assert!(v[0].evidence[0].contains("from Trash"), "{:?}", v[0].evidence);
    }

    #[test]
    fn trash_sweeps_replace_nothing_wrong_and_sit_beside_inbox_verdicts() {
        use crate::deleters::expiry::{FolderMessage, FolderState, Role, Sweep};
        let now = T0 + 40 * D;
        let fm = |uid: u32, days: i64| FolderMessage {
            uid,
            message_id: None,
            arrived: Some(ts(now - days * D)),
            saved: None,
            first_seen: ts(T0),
        };
        let st = FolderState {
            name: "Trash".into(),
            raw: "Trash".into(),
            role: Role::Trash,
            uidvalidity: Some(1),
            uidnext: Some(9),
            messages: 2,
            taken_at: ts(now),
            since: ts(T0),
            tracked: vec![fm(3, 20), fm(4, 2)],
        };
        let sweep = Sweep::new(&st, ts(now - H), ts(now), &[fm(1, 45), fm(2, 31)], &st.tracked).unwrap();
        let present = vec![msg(1, T0, T0)];
        let o = Observation { sweeps: std::slice::from_ref(&sweep), ..obs(&[], &present) };
        assert_eq!(kinds(&judge(&o)), vec![VerdictKind::ServerExpiry]);
        let removals: Vec<Removal> =
            (0..3).map(|i| gone(msg(i, T0 + i as i64 * H, T0), T0 + i as i64 * H + MIN)).collect();
        let o = Observation { removals: &removals, sweeps: std::slice::from_ref(&sweep), ..obs(&[], &present) };
        let v = judge(&o);
        assert_eq!(kinds(&v), vec![VerdictKind::PopDeletesOnDownload, VerdictKind::ServerExpiry]);
        assert_eq!(v[0].status, Status::Warning);
        assert_eq!(v[1].status, Status::Ok);
    }

    #[test]
    fn pop_only_observers_are_never_sure() {
        let removals: Vec<Removal> =
            (0..4).map(|i| gone(msg(i, T0 + i as i64 * H, T0 + i as i64 * H), T0 + i as i64 * H + 5 * MIN)).collect();
        let o = Observation { inbox_only: true, ..obs(&removals, &[]) };
        let v = judge(&o);
        assert_eq!(v[0].kind, VerdictKind::PopDeletesOnDownload);
        assert_eq!(v[0].confidence, Confidence::Medium);
        assert!(v[0].evidence.iter().any(|e| e.contains("POP3 sees only INBOX")));
    }

    #[test]
    fn snapshot_removals_are_dated_between_runs() {
        let mut m = msg(1, T0, T0);
        m.last_seen = ts(T0 + 10 * H);
        let r = Removal::new("INBOX", m, ts(T0 + 12 * H), None);
        assert_eq!(r.removed_at(), ts(T0 + 11 * H));
        assert_eq!(r.age_secs(), Some(11 * H as u64));
    }
}
