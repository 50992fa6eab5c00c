//! Who deletes a user's mail: per-client timelines (sessions with their POP/IMAP counters)
//! summarised and judged into verdicts with a confidence, the evidence and the guides'
//! advice. Pure: `deleters logs` feeds it from server logs; live watch and snapshots will
//! feed it the same sessions later.
//!
//! The rules come from GUIDES.md, "My messages disappear" and "POP clients": a POP client
//! that deletes on download (or after N days of "leave on server") alongside the user's
//! usual access is the usual culprit; several POP clients on one box is chaos; poll every
//! 10-15 minutes, not every minute; keep POP copies 3-4 days at most.

use jiff::Timestamp;
use serde::Serialize;

use super::Status;

/// Polling more often than this is flagged (the guides advise 10-15 minutes).
pub const FREQUENT_POLL_SECS: u64 = 5 * 60;
/// A deletion within this delay of the download is "deleting on download".
pub const ON_DOWNLOAD_LAG_SECS: u64 = 60 * 60;
/// Sessions needed before a median interval means anything.
const MIN_SESSIONS_FOR_INTERVAL: u64 = 3;
/// Retrieval checkpoints kept per client for the leave-on-server estimate (memory bound).
const MAX_PENDING_CHECKPOINTS: usize = 100_000;
const DAY: f64 = 86_400.0;

/// The access protocol of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Pop3,
    Imap,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Pop3 => "pop3",
            Access::Imap => "imap",
        }
    }
}

/// How a session's connection was protected, as the server logged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protection {
    /// TLS (implicit or STARTTLS/STLS).
    Tls,
    /// No TLS, but the server considered the network trusted ("secured": loopback, login_trusted_networks).
    Trusted,
    /// Clear text over the network.
    Plain,
    /// Unknown (the login line was not seen).
    #[default]
    Unknown,
}

/// What a POP3 session did, from its logout counters (`top=`, `retr=`, `del=`, `size=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PopCounts {
    pub top: u64,
    pub retrieved: u64,
    pub retrieved_bytes: u64,
    /// Messages marked for deletion (DELE) and deleted at QUIT.
    pub deleted: u64,
    /// Messages in the box when the session started (`del=N/M`: M), when known.
    pub messages: Option<u64>,
}

/// What an IMAP session did: logout counters and, with Dovecot's `mail_log` plugin, its
/// per-message events (copies and expunges).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImapCounts {
    /// Messages flagged \Deleted (`deleted=`, or `delete:` events).
    pub flagged_deleted: u64,
    /// Messages expunged (`expunged=`, or `expunge:` events, which also count MOVE).
    pub expunged: u64,
    /// Messages copied or moved to a Trash folder (`trashed=`, or `copy` events to Trash).
    pub trashed: u64,
    /// Messages copied or moved to another (non-Trash) folder (`copy` events only).
    pub filed: u64,
    /// Expunges in a Trash folder (emptying the Trash).
    pub expunged_in_trash: u64,
    /// Destination folders of `filed` copies (a few names, for the advice).
    pub folders: Vec<String>,
}

impl ImapCounts {
    /// Expunged messages that were neither moved to Trash nor filed first, nor already in the
    /// Trash: mail that is gone for good by this client's own action.
    pub fn permanently_deleted(&self) -> u64 {
        self.expunged.saturating_sub(self.trashed + self.filed + self.expunged_in_trash)
    }
}

/// One session of one client, as observed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    /// Login time (or the first time the session was seen), Unix seconds.
    pub start: i64,
    /// Logout time, Unix seconds.
    pub end: Option<i64>,
    pub protection: Protection,
    /// The master user who opened the box, if one did.
    pub master: Option<String>,
    pub pop: Option<PopCounts>,
    pub imap: Option<ImapCounts>,
}

/// Messages expunged by the server itself (expire/autoexpunge, `doveadm expunge`, Sieve
/// discard), not by a client.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ServerExpunges {
    pub messages: u64,
    /// Which process did it ("doveadm", "lmtp", ...), a few names.
    pub by: Vec<String>,
    /// Folders they were expunged from, a few names.
    pub folders: Vec<String>,
}

/// Accumulates one client's sessions (one user, one remote address, one protocol) with
/// memory that grows by 8 bytes per session, and summarises them.
#[derive(Debug, Clone, Default)]
pub struct ClientTimeline {
    starts: Vec<i64>,
    first: Option<i64>,
    last: Option<i64>,
    sum: ClientTotals,
    /// Retrieved before the log began and still on the server (from the first session).
    backlog: Option<u64>,
    cum_retrieved: u64,
    cum_deleted: u64,
    /// (time, cumulative retrieved) at sessions that retrieved something, oldest first,
    /// pruned once deletions pass them.
    checkpoints: std::collections::VecDeque<(i64, u64)>,
    lags: Vec<u64>,
    messages_on_server: Vec<u64>,
    folders: Vec<String>,
    masters: Vec<String>,
    /// Room for [`ClientTimeline::take_summary`]'s intervals.
    scratch: Vec<u64>,
}

/// Sums over a client's sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ClientTotals {
    pub sessions: u64,
    /// Sessions whose counters were seen (logout line).
    pub closed_sessions: u64,
    pub top: u64,
    pub retrieved: u64,
    pub retrieved_bytes: u64,
    pub deleted: u64,
    /// Sessions that retrieved at least one message.
    pub retrieving_sessions: u64,
    /// Sessions that deleted at least one message.
    pub deleting_sessions: u64,
    /// Sessions that retrieved messages and deleted none ("leave on server").
    pub keeping_sessions: u64,
    pub flagged_deleted: u64,
    pub expunged: u64,
    pub trashed: u64,
    pub filed: u64,
    pub expunged_in_trash: u64,
    pub permanently_deleted: u64,
    pub tls_sessions: u64,
    pub trusted_sessions: u64,
    pub plaintext_sessions: u64,
}

impl ClientTimeline {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one session. Sessions should come in the order they ended (as logs give them);
    /// start times may be out of order.
    pub fn add(&mut self, s: &Session) {
        self.add_parts(s.start, s.end, s.protection, s.master.as_deref(), s.pop.as_ref(), s.imap.as_ref());
    }

    /// [`ClientTimeline::add`] of a session given by its parts, which need not be gathered
    /// into a [`Session`] (a log replayed has them apart).
    pub fn add_parts(
        &mut self,
        start: i64,
        end: Option<i64>,
        protection: Protection,
        master: Option<&str>,
        pop: Option<&PopCounts>,
        imap: Option<&ImapCounts>,
    ) {
        let t = &mut self.sum;
        t.sessions += 1;
        self.starts.push(start);
        let closed = end.is_some();
        let end = end.unwrap_or(start);
        self.first = Some(self.first.map_or(start, |f| f.min(start)));
        self.last = Some(self.last.map_or(end, |l| l.max(end)));
        match protection {
            Protection::Tls => t.tls_sessions += 1,
            Protection::Trusted => t.trusted_sessions += 1,
            Protection::Plain => t.plaintext_sessions += 1,
            Protection::Unknown => {}
        }
        if let Some(m) = master {
            push_few(&mut self.masters, m);
        }
        if closed {
            t.closed_sessions += 1;
        }
        if let Some(p) = pop {
            self.add_pop(end, p);
        }
        if let Some(i) = imap {
            let t = &mut self.sum;
            t.flagged_deleted += i.flagged_deleted;
            t.expunged += i.expunged;
            t.trashed += i.trashed;
            t.filed += i.filed;
            t.expunged_in_trash += i.expunged_in_trash;
            t.permanently_deleted += i.permanently_deleted();
            for f in &i.folders {
                push_few(&mut self.folders, f);
            }
        }
    }

    fn add_pop(&mut self, end: i64, p: &PopCounts) {
        let t = &mut self.sum;
        t.top += p.top;
        t.retrieved += p.retrieved;
        t.retrieved_bytes += p.retrieved_bytes;
        t.deleted += p.deleted;
        if p.retrieved > 0 {
            t.retrieving_sessions += 1;
            if p.deleted == 0 {
                t.keeping_sessions += 1;
            }
        }
        if p.deleted > 0 {
            t.deleting_sessions += 1;
        }
        if let Some(m) = p.messages {
            self.messages_on_server.push(m);
        }
        // Messages already on the server when the log begins were downloaded earlier, at
        // an unknown time: the first deletions may be theirs, and must not count as lags.
        if self.backlog.is_none() {
            self.backlog = Some(p.messages.map_or(0, |m| m.saturating_sub(p.retrieved)));
        }
        if p.retrieved > 0 {
            self.cum_retrieved += p.retrieved;
            self.checkpoints.push_back((end, self.cum_retrieved));
            if self.checkpoints.len() > MAX_PENDING_CHECKPOINTS {
                self.checkpoints.pop_front();
            }
        }
        if p.deleted > 0 {
            let backlog = self.backlog.get_or_insert(0);
            let from_backlog = (*backlog).min(p.deleted);
            *backlog -= from_backlog;
            let fresh = p.deleted - from_backlog;
            if fresh > 0 {
                // Deletions remove the oldest downloads first (POP clients expire by age):
                // the lag is the time since the download of the last message deleted.
                self.cum_deleted += fresh;
                while self.checkpoints.front().is_some_and(|&(_, r)| r < self.cum_deleted) {
                    self.checkpoints.pop_front();
                }
                if let Some(&(at, _)) = self.checkpoints.front() {
                    self.lags.push(end.saturating_sub(at).max(0) as u64);
                }
            }
        }
    }

    /// The status this client gives its box, without summarising or judging it: the same
    /// as the worst of [`judge`]'s verdicts about it (WARNING when it deletes by POP).
    pub fn status(&self, access: Access) -> Status {
        client_status(access, &self.sum)
    }

    /// The summary at the end of the log.
    pub fn summary(&self, address: &str, access: Access) -> ClientSummary {
        self.clone().take_summary(address.to_string(), access)
    }

    /// The summary at the end of the log ([`ClientTimeline::summary`]), leaving the timeline
    /// empty with its buffers kept: a thread summarising many clients reuses one timeline.
    pub fn take_summary(&mut self, address: String, access: Access) -> ClientSummary {
        // The medians need the values in some order, not in the order they came.
        let median_interval_secs = if self.sum.sessions >= MIN_SESSIONS_FOR_INTERVAL {
            self.starts.sort_unstable();
            self.scratch.clear();
            self.scratch.extend(self.starts.windows(2).map(|w| (w[1] - w[0]).max(0) as u64));
            median(&mut self.scratch)
        } else {
            None
        };
        let lag = median(&mut self.lags);
        let span_days = match (self.first, self.last) {
            (Some(f), Some(l)) if l > f => Some((l - f) as f64 / DAY),
            _ => None,
        };
        let median_messages_on_server = median(&mut self.messages_on_server);
        // Without lags, steady state gives N ~ messages kept / messages arriving per day.
        let kept_estimate = match (median_messages_on_server, span_days) {
            (Some(m), Some(d)) if d >= 1.0 && self.sum.retrieved > 0 => {
                Some(m as f64 / (self.sum.retrieved as f64 / d))
            }
            _ => None,
        };
        let summary = ClientSummary {
            address,
            access,
            first_seen: self.first.and_then(|s| Timestamp::from_second(s).ok()),
            last_seen: self.last.and_then(|s| Timestamp::from_second(s).ok()),
            median_interval_secs,
            deletion_lag_secs: lag,
            deletion_lag_samples: self.lags.len() as u64,
            kept_days_estimate: kept_estimate,
            median_messages_on_server,
            totals: self.sum,
            folders: std::mem::take(&mut self.folders),
            master_users: std::mem::take(&mut self.masters),
        };
        self.clear();
        summary
    }

    /// Forgets every session, keeping the buffers.
    pub fn clear(&mut self) {
        /// The buffer, emptied, its room kept.
        fn emptied<T>(v: &mut Vec<T>) -> Vec<T> {
            let mut v = std::mem::take(v);
            v.clear();
            v
        }
        let mut checkpoints = std::mem::take(&mut self.checkpoints);
        checkpoints.clear();
        // Everything else starts anew: a field added later cannot carry over to the next client.
        *self = ClientTimeline {
            starts: emptied(&mut self.starts),
            checkpoints,
            lags: emptied(&mut self.lags),
            messages_on_server: emptied(&mut self.messages_on_server),
            folders: emptied(&mut self.folders),
            masters: emptied(&mut self.masters),
            scratch: emptied(&mut self.scratch),
            ..ClientTimeline::default()
        };
    }
}

fn push_few(v: &mut Vec<String>, s: &str) {
    if v.len() < 8 && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

fn median(v: &mut [u64]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable(mid);
    Some(*m)
}

/// One client (user + remote address + protocol) summarised over the whole observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientSummary {
    pub address: String,
    pub access: Access,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// Median time between two session starts (at least 3 sessions).
    pub median_interval_secs: Option<u64>,
    /// Median delay between downloading messages and deleting them (POP).
    pub deletion_lag_secs: Option<u64>,
    pub deletion_lag_samples: u64,
    /// Days of mail kept on the server, from box size over arrival rate (POP, fallback).
    pub kept_days_estimate: Option<f64>,
    pub median_messages_on_server: Option<u64>,
    pub totals: ClientTotals,
    pub folders: Vec<String>,
    pub master_users: Vec<String>,
}

/// Per-client flags, as the per-address table and JSON show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientFlag {
    /// A POP client that deletes what it downloads (at once or after some days).
    DeletingPopClient,
    /// One of several addresses deleting by POP from the same box.
    SeveralAddressesDeleting,
    /// Sessions start more often than every 5 minutes.
    FrequentPolling,
    /// Retrieves without deleting ("leave messages on server").
    LeaveOnServer,
    /// Deletes messages for good (IMAP expunge without Trash).
    PermanentDeletes,
    /// Logs in without TLS over the network.
    Plaintext,
}

impl ClientFlag {
    pub fn name(self) -> &'static str {
        match self {
            ClientFlag::DeletingPopClient => "deleting POP client",
            ClientFlag::SeveralAddressesDeleting => "several addresses deleting",
            ClientFlag::FrequentPolling => "polls < 5 min",
            ClientFlag::LeaveOnServer => "leave on server",
            ClientFlag::PermanentDeletes => "permanent deletes",
            ClientFlag::Plaintext => "no TLS",
        }
    }
}

/// The status a client gives its box: WARNING when it deletes by POP, the only client
/// [`judge`] gives a warning verdict (deleting on download, after N days, or one of several).
pub fn client_status(access: Access, totals: &ClientTotals) -> Status {
    if access == Access::Pop3 && totals.deleted > 0 { Status::Warning } else { Status::Ok }
}

impl ClientSummary {
    /// Deletes by POP at all (on download or after N days).
    pub fn pop_deletes(&self) -> bool {
        client_status(self.access, &self.totals) == Status::Warning
    }

    /// A POP client deleting at most an hour after downloading, or in the very sessions
    /// that download (when no lag could be measured).
    pub fn deletes_on_download(&self) -> bool {
        if !self.pop_deletes() {
            return false;
        }
        match self.deletion_lag_secs {
            Some(lag) => lag <= ON_DOWNLOAD_LAG_SECS,
            None => self.totals.keeping_sessions * 2 < self.totals.retrieving_sessions.max(1),
        }
    }

    pub fn leaves_on_server(&self) -> bool {
        self.access == Access::Pop3 && self.totals.keeping_sessions > 0 && !self.deletes_on_download()
    }

    pub fn polls_frequently(&self) -> bool {
        self.access == Access::Pop3 && self.median_interval_secs.is_some_and(|i| i < FREQUENT_POLL_SECS)
    }

    /// The flags of this client, `several` saying whether other addresses also delete.
    pub fn flags(&self, several: bool) -> Vec<ClientFlag> {
        let mut f = Vec::new();
        if self.pop_deletes() {
            f.push(ClientFlag::DeletingPopClient);
            if several {
                f.push(ClientFlag::SeveralAddressesDeleting);
            }
        }
        if self.polls_frequently() {
            f.push(ClientFlag::FrequentPolling);
        }
        if self.leaves_on_server() {
            f.push(ClientFlag::LeaveOnServer);
        }
        if self.totals.permanently_deleted > 0 {
            f.push(ClientFlag::PermanentDeletes);
        }
        if self.totals.plaintext_sessions > 0 && !is_loopback(&self.address) {
            f.push(ClientFlag::Plaintext);
        }
        f
    }

    /// The estimated "leave on server" period, in days: from measured lags, else from the
    /// box size over the arrival rate.
    pub fn kept_days(&self) -> Option<f64> {
        self.deletion_lag_secs.map(|l| l as f64 / DAY).or(self.kept_days_estimate)
    }
}

fn is_loopback(addr: &str) -> bool {
    addr.starts_with("127.") || addr == "::1"
}

/// The kinds of verdict, from worst to most reassuring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// Several addresses delete from one box by POP: mail lands alternately on each.
    SeveralPopClients,
    /// A POP client downloads and deletes.
    PopDeletesOnDownload,
    /// A POP client keeps copies on the server for N days, then deletes them.
    PopLeavesOnServer,
    /// A POP client polls more often than every 5 minutes.
    FrequentPolling,
    /// An IMAP client expunges mail without moving it to Trash.
    ImapPermanentDelete,
    /// An IMAP client moves mail to the Trash.
    DeletedToTrash,
    /// An IMAP client files mail into folders: moved, not lost.
    ImapFiling,
    /// The server itself expunged mail (expiry, doveadm, Sieve).
    ServerExpiry,
    /// No client deletes mail.
    NothingWrong,
}

/// How sure a verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// What to do, and which guide rule says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// The rule, as GUIDES.md names it, with the guides' file numbers.
    pub rule: &'static str,
    pub text: String,
}

/// One verdict on one user's box.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// `warning` for mail-deleting POP clients (exit 1 so cron alerts), `ok` otherwise.
    pub status: Status,
    pub confidence: Confidence,
    /// The remote addresses concerned.
    pub addresses: Vec<String>,
    /// For `pop_leaves_on_server`: the estimated days kept, rounded.
    pub days: Option<u64>,
    /// Why: counts, ages, timing, in words.
    pub evidence: Vec<String>,
    pub advice: Vec<Advice>,
}

const RULE_DISAPPEAR: &str = "My messages disappear (guides 000, 002, 004)";
const RULE_SEVERAL: &str = "Several machines fetching one box by POP (guide 004)";
const RULE_ONE_MACHINE: &str = "One machine, one function (guide 004)";
const RULE_POLL: &str = "POP clients: poll every 10-15 minutes (guide 000)";
const RULE_LEAVE: &str = "POP clients: leave on server 3-4 days at most (guides 000, 003)";
const RULE_IMAP: &str = "IMAP is a view of the server (guides 000, 001, 003, 004)";
const RULE_TRASH: &str = "What to move to local folders: the Trash (guide 000)";

/// Known "leave on server" defaults, to name the likely client setting.
fn known_default(days: f64) -> Option<&'static str> {
    if (12.0..=16.0).contains(&days) {
        Some("Thunderbird's default (14 days)")
    } else if (40.0..=50.0).contains(&days) {
        Some("the common default (\"often 45 days\")")
    } else if (2.5..=4.5).contains(&days) {
        Some("the guides' advice (3-4 days)")
    } else {
        None
    }
}

/// Human duration: "45 s", "12 min", "3.5 h", "14 days".
pub fn human_duration(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", (s + 30) / 60),
        s if s < 2 * 86_400 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{:.0} days", s as f64 / DAY),
    }
}

fn day_span(c: &ClientSummary) -> String {
    match (c.first_seen, c.last_seen) {
        (Some(f), Some(l)) => format!("{} to {}", utc_minute(f), utc_minute(l)),
        _ => "unknown times".to_string(),
    }
}

/// A UTC time to the minute, as `strftime("%Y-%m-%d %H:%M")` prints it: `2026-01-02 07:58`.
/// Reports print two or three times per client: this skips jiff's general printer.
pub fn utc_minute(t: Timestamp) -> String {
    match Civil::of(t) {
        Some(c) => c.print(b' ', 16),
        None => t.strftime("%Y-%m-%d %H:%M").to_string(),
    }
}

/// A UTC time as RFC 3339 to the second, as jiff prints a whole-second [`Timestamp`]:
/// `2026-01-02T07:58:21Z` (sub-seconds dropped).
pub fn utc_rfc3339(t: Timestamp) -> String {
    match Civil::of(t) {
        Some(c) => c.print(b'T', 20),
        None => Timestamp::from_second(t.as_second()).map_or_else(|_| t.to_string(), |t| t.to_string()),
    }
}

/// The calendar fields of a UTC time (proleptic Gregorian), for years 0 to 9999: those
/// print with four digits and no sign, as a fixed pattern.
struct Civil {
    /// Year, month, day, hour, minute, second.
    fields: [u32; 6],
}

impl Civil {
    fn of(t: Timestamp) -> Option<Civil> {
        let secs = t.as_second();
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400) as u32);
        // Days to a date, counting from 0000-03-01 (Howard Hinnant's `civil_from_days`).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let fields = [year as u32, month as u32, day as u32, rest / 3600, rest / 60 % 60, rest % 60];
        Some(Civil { fields })
    }

    /// `YYYY-MM-DD?hh:mm:ssZ` with `sep` for `?`, its first `len` characters.
    fn print(&self, sep: u8, len: usize) -> String {
        let mut b = *b"0000-00-00T00:00:00Z";
        b[10] = sep;
        let mut at = 0;
        for (k, &v) in self.fields.iter().enumerate() {
            let width = if k == 0 { 4 } else { 2 };
            let mut v = v;
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            at += width + 1;
        }
        String::from_utf8_lossy(&b[..len]).into_owned()
    }
}

fn find_machine(addr: &str) -> String {
    if is_loopback(addr) {
        return format!(
            "{addr} is the server itself: look for a webmail, a fetchmail/getmail job or a script on the mail \
             server (`ps aux | grep -i -e fetchmail -e getmail`, crontabs)"
        );
    }
    format!(
        "find the machine at {addr}: on the office network look it up in the DHCP leases or ARP table \
         (`arp -n {addr}`, `ip neigh`); from outside, `whois {addr}` names the provider; then ask who set up a \
         mail program there, an old laptop or a phone configured years ago"
    )
}

/// Judges one user's box from its clients. Verdicts come worst first; a box with sessions
/// and nothing suspicious gets a single `nothing_wrong`.
pub fn judge(clients: &[ClientSummary], server: &ServerExpunges) -> Vec<Verdict> {
    let mut out = Vec::new();
    let deleting: Vec<&ClientSummary> = clients.iter().filter(|c| c.pop_deletes()).collect();
    let others_access = |me: &ClientSummary| clients.iter().any(|c| c.address != me.address || c.access != me.access);

    if deleting.len() > 1 {
        out.push(several(&deleting));
    }
    for c in &deleting {
        out.push(if c.deletes_on_download() { on_download(c, others_access(c)) } else { leave_on_server(c) });
    }
    for c in clients.iter().filter(|c| c.access == Access::Pop3 && c.totals.deleted == 0 && c.leaves_on_server()) {
        out.push(leave_on_server(c));
    }
    for c in clients.iter().filter(|c| c.polls_frequently()) {
        out.push(frequent(c));
    }
    let imap: Vec<&ClientSummary> = clients.iter().filter(|c| c.access == Access::Imap).collect();
    let sum = |f: fn(&ClientTotals) -> u64| imap.iter().map(|c| f(&c.totals)).sum::<u64>();
    let addrs = |f: fn(&ClientTotals) -> u64| -> Vec<String> {
        imap.iter().filter(|c| f(&c.totals) > 0).map(|c| c.address.clone()).collect()
    };
    let permanent = sum(|t| t.permanently_deleted);
    if permanent > 0 {
        let by = addrs(|t| t.permanently_deleted);
        out.push(Verdict {
            kind: VerdictKind::ImapPermanentDelete,
            status: Status::Ok,
            confidence: if sum(|t| t.expunged) > 0 && sum(|t| t.trashed + t.filed) == 0 {
                Confidence::High
            } else {
                Confidence::Medium
            },
            evidence: vec![format!(
                "{permanent} message(s) expunged by IMAP from {} without being moved to Trash or another folder \
                 ({} expunged in all, {} trashed, {} filed)",
                by.join(", "),
                sum(|t| t.expunged),
                sum(|t| t.trashed),
                sum(|t| t.filed)
            )],
            advice: vec![Advice {
                rule: RULE_IMAP,
                text: "an IMAP client deleted these on purpose (a user action or a client rule): they are gone from \
                       every device; restore them from backups if needed, and check the client's filters"
                    .to_string(),
            }],
            addresses: by,
            days: None,
        });
    }
    let trashed = sum(|t| t.trashed);
    if trashed > 0 {
        let by = addrs(|t| t.trashed);
        let emptied = sum(|t| t.expunged_in_trash);
        let mut evidence = vec![format!("{trashed} message(s) moved to Trash by IMAP from {}", by.join(", "))];
        if emptied > 0 {
            evidence.push(format!("{emptied} message(s) expunged from the Trash (emptied)"));
        }
        out.push(Verdict {
            kind: VerdictKind::DeletedToTrash,
            status: Status::Ok,
            confidence: Confidence::High,
            evidence,
            advice: vec![Advice {
                rule: RULE_TRASH,
                text: "look in the Trash folder first; better, don't keep a Trash on the server: mark messages \
                       deleted, or move the Trash to local folders"
                    .to_string(),
            }],
            addresses: by,
            days: None,
        });
    }
    let filed = sum(|t| t.filed);
    if filed > 0 {
        let by = addrs(|t| t.filed);
        let mut folders: Vec<String> = Vec::new();
        for c in &imap {
            for f in &c.folders {
                push_few(&mut folders, f);
            }
        }
        out.push(Verdict {
            kind: VerdictKind::ImapFiling,
            status: Status::Ok,
            confidence: Confidence::High,
            evidence: vec![format!(
                "{filed} message(s) copied or moved by IMAP from {} into {}",
                by.join(", "),
                if folders.is_empty() { "other folders".to_string() } else { folders.join(", ") }
            )],
            advice: vec![Advice {
                rule: RULE_IMAP,
                text: "moved, not lost: look in these folders (a client rule or a phone's swipe may be filing \
                       them)"
                    .to_string(),
            }],
            addresses: by,
            days: None,
        });
    }
    if server.messages > 0 {
        out.push(Verdict {
            kind: VerdictKind::ServerExpiry,
            status: Status::Ok,
            confidence: Confidence::Medium,
            addresses: Vec::new(),
            days: None,
            evidence: vec![format!(
                "{} message(s) expunged by the server ({}) from {}",
                server.messages,
                server.by.join(", "),
                if server.folders.is_empty() { "?".to_string() } else { server.folders.join(", ") }
            )],
            advice: vec![Advice {
                rule: RULE_DISAPPEAR,
                text: "not a client: check the server's expiry settings (autoexpunge, expire plugin, cron \
                       `doveadm expunge`) and Sieve rules for this box"
                    .to_string(),
            }],
        });
    }
    if out.is_empty() {
        let sessions: u64 = clients.iter().map(|c| c.totals.sessions).sum();
        out.push(Verdict {
            kind: VerdictKind::NothingWrong,
            status: Status::Ok,
            confidence: if sessions >= 3 { Confidence::Medium } else { Confidence::Low },
            addresses: Vec::new(),
            days: None,
            evidence: vec![format!(
                "{sessions} session(s) from {} address(es): no POP deletion, no IMAP expunge{}",
                clients.iter().map(|c| &c.address).collect::<std::collections::BTreeSet<_>>().len(),
                if server.messages == 0 { ", no server expiry" } else { "" }
            )],
            advice: vec![Advice {
                rule: RULE_DISAPPEAR,
                text: "nothing in these logs deletes mail: look at older logs, at the Junk folder and at \
                       filters (the mail may never have arrived)"
                    .to_string(),
            }],
        });
    }
    out.sort_by_key(|v| v.kind);
    out
}

fn on_download(c: &ClientSummary, other_access: bool) -> Verdict {
    let t = &c.totals;
    let mut evidence = vec![format!(
        "{} POP session(s) from {} ({}): {} message(s) retrieved, {} deleted in {} session(s)",
        t.sessions,
        c.address,
        day_span(c),
        t.retrieved,
        t.deleted,
        t.deleting_sessions
    )];
    match c.deletion_lag_secs {
        Some(l) => evidence.push(format!("deleted {} after download (median)", human_duration(l))),
        None => evidence.push("deletions happen in the same sessions as the downloads".to_string()),
    }
    if t.deleted < t.retrieved {
        evidence.push(format!(
            "{} retrieved message(s) were not deleted (the client may skip some it rejects)",
            t.retrieved - t.deleted
        ));
    }
    if let Some(i) = c.median_interval_secs {
        evidence.push(format!("polls every {} (median)", human_duration(i)));
    }
    if !c.master_users.is_empty() {
        evidence.push(format!("logged in through master user(s) {}", c.master_users.join(", ")));
    }
    if other_access {
        evidence.push("the box is also used from other addresses or protocols: they never see these messages".into());
    }
    let confidence = if t.deleting_sessions >= 3 && t.deleted * 2 >= t.retrieved {
        Confidence::High
    } else if t.deleting_sessions >= 1 && t.retrieved > 0 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Verdict {
        kind: VerdictKind::PopDeletesOnDownload,
        status: Status::Warning,
        confidence,
        addresses: vec![c.address.clone()],
        days: None,
        evidence,
        advice: vec![
            Advice {
                rule: RULE_DISAPPEAR,
                text: format!(
                    "a POP client at {} downloads the mail and deletes it from the server: {}",
                    c.address,
                    find_machine(&c.address)
                ),
            },
            Advice {
                rule: RULE_LEAVE,
                text: "then close that POP account, switch it to IMAP, or tick \"leave messages on server\" \
                       (for 3-4 days at most)"
                    .to_string(),
            },
        ],
    }
}

fn leave_on_server(c: &ClientSummary) -> Verdict {
    let t = &c.totals;
    let days = c.kept_days();
    let mut evidence = vec![format!(
        "{} POP session(s) from {} ({}): {} message(s) retrieved, {} of {} retrieving session(s) deleted nothing",
        t.sessions,
        c.address,
        day_span(c),
        t.retrieved,
        t.keeping_sessions,
        t.retrieving_sessions
    )];
    if !c.master_users.is_empty() {
        evidence.push(format!("logged in through master user(s) {}", c.master_users.join(", ")));
    }
    if t.deleted > 0 {
        evidence.push(format!("{} message(s) deleted later, in {} session(s)", t.deleted, t.deleting_sessions));
    } else {
        evidence.push("no deletion seen yet".to_string());
    }
    let confidence = match (c.deletion_lag_secs, c.kept_days_estimate) {
        (Some(l), _) => {
            evidence.push(format!(
                "messages deleted {} after download (median of {} deletion(s))",
                human_duration(l),
                c.deletion_lag_samples
            ));
            if c.deletion_lag_samples >= 3 { Confidence::High } else { Confidence::Medium }
        }
        (None, Some(d)) => {
            evidence.push(format!(
                "about {:.0} days of mail kept on the server (median {} message(s) in the box, over the arrival rate)",
                d,
                c.median_messages_on_server.unwrap_or(0)
            ));
            Confidence::Medium
        }
        (None, None) => Confidence::Low,
    };
    if let Some(name) = days.and_then(known_default) {
        evidence.push(format!("this matches {name}"));
    }
    let mut advice = vec![Advice {
        rule: RULE_LEAVE,
        text: match days {
            Some(d) if d > 4.5 => format!(
                "the client at {} keeps copies about {:.0} days and then deletes them from the server, so they \
                 vanish from webmail and other devices after that: lower \"leave on server\" to 3-4 days, or use \
                 IMAP there",
                c.address, d
            ),
            Some(d) => format!(
                "the client at {} keeps copies about {:.0} days, as advised; older mail is deleted from the server \
                 by design",
                c.address, d
            ),
            None => format!(
                "the client at {} keeps copies on the server: check its \"remove after N days\" setting (3-4 days \
                 advised), or the box fills up",
                c.address
            ),
        },
    }];
    if t.deleted > 0 {
        advice.push(Advice { rule: RULE_DISAPPEAR, text: find_machine(&c.address) });
    }
    Verdict {
        kind: VerdictKind::PopLeavesOnServer,
        status: if t.deleted > 0 { Status::Warning } else { Status::Ok },
        confidence,
        addresses: vec![c.address.clone()],
        days: days.map(|d| d.round() as u64),
        evidence,
        advice,
    }
}

fn several(deleting: &[&ClientSummary]) -> Verdict {
    let addresses: Vec<String> = deleting.iter().map(|c| c.address.clone()).collect();
    // Overlapping activity means several machines at once; one after the other may be one
    // machine whose address changed (DHCP, mobile network).
    let overlap = deleting.iter().enumerate().any(|(i, a)| {
        deleting[i + 1..].iter().any(|b| match (a.first_seen, a.last_seen, b.first_seen, b.last_seen) {
            (Some(af), Some(al), Some(bf), Some(bl)) => af <= bl && bf <= al,
            _ => false,
        })
    });
    let mut evidence: Vec<String> = deleting
        .iter()
        .map(|c| {
            format!(
                "{} deleted {} message(s) in {} session(s) ({})",
                c.address,
                c.totals.deleted,
                c.totals.deleting_sessions,
                day_span(c)
            )
        })
        .collect();
    evidence.push(if overlap {
        "their activity overlaps in time: several machines fetch this box at once, mail lands alternately on each"
            .to_string()
    } else {
        "their activity does not overlap: possibly one machine whose address changed".to_string()
    });
    Verdict {
        kind: VerdictKind::SeveralPopClients,
        status: Status::Warning,
        confidence: if overlap { Confidence::High } else { Confidence::Low },
        addresses,
        days: None,
        evidence,
        advice: vec![
            Advice {
                rule: RULE_SEVERAL,
                text: "several machines fetching one box by POP is chaos: keep one".to_string(),
            },
            Advice {
                rule: RULE_ONE_MACHINE,
                text: "one office machine collects by POP for archiving; phones and webmail use IMAP".to_string(),
            },
        ],
    }
}

fn frequent(c: &ClientSummary) -> Verdict {
    let i = c.median_interval_secs.unwrap_or(0);
    Verdict {
        kind: VerdictKind::FrequentPolling,
        status: Status::Ok,
        confidence: if c.totals.sessions >= 10 { Confidence::High } else { Confidence::Medium },
        addresses: vec![c.address.clone()],
        days: None,
        evidence: vec![format!(
            "{} POP session(s) from {}, one every {} (median)",
            c.totals.sessions,
            c.address,
            human_duration(i)
        )],
        advice: vec![Advice {
            rule: RULE_POLL,
            text: format!(
                "set the client at {} to check mail every 10-15 minutes: polling every minute collides and loads the \
                 server",
                c.address
            ),
        }],
    }
}

/// One box (user) judged: its clients, what the server expunged, and the verdicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxReport {
    pub user: String,
    pub clients: Vec<ClientSummary>,
    pub server: ServerExpunges,
    pub verdicts: Vec<Verdict>,
}

impl BoxReport {
    pub fn new(user: String, clients: Vec<ClientSummary>, server: ServerExpunges) -> BoxReport {
        let verdicts = judge(&clients, &server);
        BoxReport { user, clients, server, verdicts }
    }

    pub fn status(&self) -> Status {
        user_status(&self.verdicts)
    }

    /// More than one address deletes by POP.
    pub fn several_deleting(&self) -> bool {
        self.clients.iter().filter(|c| c.pop_deletes()).count() > 1
    }

    /// The flags of one of this box's clients.
    pub fn flags(&self, c: &ClientSummary) -> Vec<ClientFlag> {
        c.flags(self.several_deleting())
    }
}

/// The status of a user: the worst verdict's.
pub fn user_status(verdicts: &[Verdict]) -> Status {
    verdicts.iter().map(|v| v.status).fold(Status::Ok, Status::worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const D: i64 = 86_400;
    const T0: i64 = 1_795_000_000;

    fn pop(start: i64, retrieved: u64, deleted: u64, messages: u64) -> Session {
        Session {
            start,
            end: Some(start + 5),
            protection: Protection::Tls,
            pop: Some(PopCounts {
                retrieved,
                retrieved_bytes: retrieved * 1000,
                deleted,
                messages: Some(messages),
                top: 0,
            }),
            ..Session::default()
        }
    }

    fn timeline(sessions: &[Session], addr: &str, access: Access) -> ClientSummary {
        let mut t = ClientTimeline::new();
        for s in sessions {
            t.add(s);
        }
        t.summary(addr, access)
    }

    fn kinds(v: &[Verdict]) -> Vec<VerdictKind> {
        v.iter().map(|v| v.kind).collect()
    }

    /// Every 10 minutes for two days, mail arriving every hour, deleted as downloaded.
    fn deleting_client(addr: &str, offset: i64) -> ClientSummary {
        let sessions: Vec<Session> = (0..288)
            .map(|i| {
                let t = T0 + offset + i * 600;
                if i % 6 == 0 { pop(t, 2, 2, 2) } else { pop(t, 0, 0, 0) }
            })
            .collect();
        timeline(&sessions, addr, Access::Pop3)
    }

    #[test]
    fn a_client_deleting_on_download_is_a_warning_with_high_confidence() {
        let c = deleting_client("192.0.2.10", 0);
        assert_eq!(c.totals.sessions, 288);
        assert_eq!(c.totals.deleted, 96);
        assert_eq!(c.median_interval_secs, Some(600));
        assert_eq!(c.deletion_lag_secs, Some(0));
        assert!(c.deletes_on_download());
        assert_eq!(c.flags(false), vec![ClientFlag::DeletingPopClient]);
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(kinds(&v), vec![VerdictKind::PopDeletesOnDownload]);
        assert_eq!(v[0].status, Status::Warning);
        assert_eq!(v[0].confidence, Confidence::High);
        assert_eq!(v[0].addresses, vec!["192.0.2.10"]);
        assert!(v[0].advice[0].text.contains("arp -n 192.0.2.10"), "{:?}", v[0].advice);
        assert_eq!(user_status(&v), Status::Warning);
    }

    #[test]
    fn rejected_messages_are_not_assumed_deleted() {
        // retr=5 del=4: the client skipped one it rejected; still deleting on download.
        let c = timeline(
            &[pop(T0, 5, 4, 5), pop(T0 + 600, 3, 3, 4), pop(T0 + 1200, 1, 1, 2)],
            "198.51.100.7",
            Access::Pop3,
        );
        assert_eq!(c.totals.retrieved, 9);
        assert_eq!(c.totals.deleted, 8);
        assert!(c.deletes_on_download());
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(v[0].kind, VerdictKind::PopDeletesOnDownload);
        assert!(
            v[0].evidence.iter().any(|e| e.contains("1 retrieved message(s) were not deleted")),
            "{:?}",
            v[0].evidence
        );
    }

    #[test]
    fn leave_on_server_for_fourteen_days_is_recognised_as_thunderbird() {
        // One message a day, downloaded at once, deleted 14 days later.
        let mut s = Vec::new();
        for d in 0..40 {
            let t = T0 + d * D;
            let deleted = u64::from(d >= 14);
            s.push(pop(t, 1, deleted, 14.min(d as u64) + 1));
        }
        let c = timeline(&s, "203.0.113.5", Access::Pop3);
        assert_eq!(c.deletion_lag_secs, Some(14 * D as u64));
        assert!(!c.deletes_on_download());
        assert!(c.leaves_on_server());
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(kinds(&v), vec![VerdictKind::PopLeavesOnServer]);
        assert_eq!(v[0].days, Some(14));
        assert_eq!(v[0].status, Status::Warning);
        assert_eq!(v[0].confidence, Confidence::High);
        assert!(v[0].evidence.iter().any(|e| e.contains("Thunderbird")), "{:?}", v[0].evidence);
        assert!(v[0].advice[0].text.contains("3-4 days"));
    }

    #[test]
    fn backlog_deletions_do_not_fake_a_short_lag() {
        // 45-day client seen for 60 days; the box holds 45 older messages at log start.
        let mut s = Vec::new();
        for d in 0..60 {
            let deleted = 1;
            s.push(pop(T0 + d * D, 1, deleted, 46));
        }
        let c = timeline(&s, "203.0.113.9", Access::Pop3);
        assert_eq!(c.deletion_lag_secs, Some(45 * D as u64));
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(v[0].days, Some(45));
        assert!(v[0].evidence.iter().any(|e| e.contains("45 days")), "{:?}", v[0].evidence);
    }

    #[test]
    fn kept_days_fall_back_to_box_size_over_arrival_rate() {
        // Deletions only of the backlog: no lag; 3 messages kept, one a day -> ~3 days.
        let mut s = Vec::new();
        for d in 0..10 {
            s.push(pop(T0 + d * D, 1, u64::from(d % 2 == 0), 40));
        }
        let c = timeline(&s, "203.0.113.9", Access::Pop3);
        assert_eq!(c.deletion_lag_secs, None);
        assert!(c.kept_days_estimate.is_some());
    }

    #[test]
    fn keeping_without_deleting_is_not_a_warning() {
        let s: Vec<Session> = (0..5).map(|i| pop(T0 + i * H, 1, 0, 10 + i as u64)).collect();
        let c = timeline(&s, "203.0.113.5", Access::Pop3);
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(kinds(&v), vec![VerdictKind::PopLeavesOnServer]);
        assert_eq!(v[0].status, Status::Ok);
        assert_eq!(v[0].confidence, Confidence::Low);
        assert!(v[0].evidence.iter().any(|e| e == "no deletion seen yet"));
    }

    #[test]
    fn several_overlapping_deleters_are_chaos() {
        let a = deleting_client("192.0.2.10", 0);
        let b = deleting_client("192.0.2.11", 300);
        let v = judge(&[a.clone(), b], &ServerExpunges::default());
        assert_eq!(
            kinds(&v),
            vec![VerdictKind::SeveralPopClients, VerdictKind::PopDeletesOnDownload, VerdictKind::PopDeletesOnDownload]
        );
        assert_eq!(v[0].confidence, Confidence::High);
        assert_eq!(v[0].addresses, vec!["192.0.2.10", "192.0.2.11"]);
        assert!(a.flags(true).contains(&ClientFlag::SeveralAddressesDeleting));
    }

    #[test]
    fn successive_deleters_may_be_one_machine() {
        let a = deleting_client("192.0.2.10", 0);
        let b = deleting_client("192.0.2.11", 10 * D);
        let v = judge(&[a, b], &ServerExpunges::default());
        assert_eq!(v[0].kind, VerdictKind::SeveralPopClients);
        assert_eq!(v[0].confidence, Confidence::Low);
    }

    #[test]
    fn polling_every_minute_is_flagged_but_not_a_warning() {
        let s: Vec<Session> = (0..30).map(|i| pop(T0 + i * 60, 0, 0, 3)).collect();
        let c = timeline(&s, "192.0.2.20", Access::Pop3);
        assert_eq!(c.median_interval_secs, Some(60));
        assert_eq!(c.flags(false), vec![ClientFlag::FrequentPolling]);
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(kinds(&v), vec![VerdictKind::FrequentPolling]);
        assert_eq!(user_status(&v), Status::Ok);
        assert!(v[0].advice[0].text.contains("10-15 minutes"));
    }

    fn imap(start: i64, counts: ImapCounts) -> Session {
        Session { start, end: Some(start + 60), imap: Some(counts), ..Session::default() }
    }

    #[test]
    fn imap_filing_trash_and_permanent_deletes_are_told_apart() {
        let filing = ImapCounts { filed: 3, expunged: 3, folders: vec!["Archive".into()], ..ImapCounts::default() };
        let trash = ImapCounts { trashed: 2, expunged: 2, ..ImapCounts::default() };
        let gone = ImapCounts { expunged: 4, flagged_deleted: 4, ..ImapCounts::default() };
        let c = timeline(&[imap(T0, filing), imap(T0 + H, trash), imap(T0 + 2 * H, gone)], "192.0.2.30", Access::Imap);
        assert_eq!(c.totals.permanently_deleted, 4);
        let v = judge(&[c], &ServerExpunges::default());
        assert_eq!(
            kinds(&v),
            vec![VerdictKind::ImapPermanentDelete, VerdictKind::DeletedToTrash, VerdictKind::ImapFiling]
        );
        assert!(v[2].evidence[0].contains("Archive"));
        assert_eq!(user_status(&v), Status::Ok);
    }

    #[test]
    fn server_expiry_and_nothing_wrong() {
        let c = timeline(&[imap(T0, ImapCounts::default())], "192.0.2.30", Access::Imap);
        let v = judge(std::slice::from_ref(&c), &ServerExpunges::default());
        assert_eq!(kinds(&v), vec![VerdictKind::NothingWrong]);
        assert_eq!(v[0].confidence, Confidence::Low);
        let server = ServerExpunges { messages: 7, by: vec!["doveadm".into()], folders: vec!["Trash".into()] };
        let v = judge(&[c], &server);
        assert_eq!(kinds(&v), vec![VerdictKind::ServerExpiry]);
        assert!(v[0].evidence[0].contains("doveadm"));
    }

    /// The cheap status (`ClientTimeline::status`, what `deleters logs` prints first) must
    /// agree with the judged verdicts for every mix of clients.
    #[test]
    fn the_status_of_timelines_agrees_with_the_verdicts() {
        let kept_then_deleted: Vec<Session> =
            (0..40).map(|i| if i < 20 { pop(T0 + i * D, 3, 0, 40) } else { pop(T0 + i * D, 3, 3, 40) }).collect();
        let on_download: Vec<Session> = (0..12).map(|i| pop(T0 + i * 600, 2, 2, 2)).collect();
        let keeping: Vec<Session> = (0..12).map(|i| pop(T0 + i * H, 2, 0, 2 * i as u64 + 2)).collect();
        let polling: Vec<Session> = (0..30).map(|i| pop(T0 + i * 60, 0, 0, 3)).collect();
        let rejected: Vec<Session> = (0..3).map(|i| pop(T0 + i * H, 1, 0, 1)).collect();
        let gone = ImapCounts { expunged: 4, flagged_deleted: 4, ..ImapCounts::default() };
        let trash = ImapCounts { trashed: 2, expunged: 2, ..ImapCounts::default() };
        let imap_gone = vec![imap(T0, gone), imap(T0 + H, trash)];
        let imap_quiet = vec![imap(T0, ImapCounts::default())];
        let clients: [(&[Session], Access); 7] = [
            (&kept_then_deleted, Access::Pop3),
            (&on_download, Access::Pop3),
            (&keeping, Access::Pop3),
            (&polling, Access::Pop3),
            (&rejected, Access::Pop3),
            (&imap_gone, Access::Imap),
            (&imap_quiet, Access::Imap),
        ];
        let server = ServerExpunges { messages: 7, by: vec!["doveadm".into()], folders: vec!["Trash".into()] };
        for mask in 0u32..1 << (clients.len() + 1) {
            let mut cheap = Status::Ok;
            let mut summaries = Vec::new();
            for (k, (sessions, access)) in clients.iter().enumerate().filter(|(k, _)| mask & (1 << k) != 0) {
                let mut t = ClientTimeline::new();
                sessions.iter().for_each(|s| t.add(s));
                cheap = cheap.worst(t.status(*access));
                summaries.push(t.summary(&format!("192.0.2.{k}"), *access));
            }
            let server = if mask & (1 << clients.len()) != 0 { server.clone() } else { ServerExpunges::default() };
            let verdicts = judge(&summaries, &server);
            assert_eq!(cheap, user_status(&verdicts), "clients {mask:#b}: {:?}", kinds(&verdicts));
        }
    }

    /// The fixed-pattern printers against jiff's, over every day of several centuries (with
    /// leap years and their exceptions), times of day, and the ends of the fast path.
    #[test]
    fn utc_times_print_as_jiff_prints_them() {
        let check = |secs: i64| {
            let t = Timestamp::from_second(secs.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second())).unwrap();
            assert_eq!(utc_minute(t), t.strftime("%Y-%m-%d %H:%M").to_string(), "{secs}");
            assert_eq!(utc_rfc3339(t), Timestamp::from_second(t.as_second()).unwrap().to_string(), "{secs}");
            if let Ok(t) = Timestamp::new(secs, if secs < 0 { -999_999_999 } else { 999_999_999 }) {
                assert_eq!(utc_rfc3339(t), Timestamp::from_second(t.as_second()).unwrap().to_string(), "{secs}.9");
            }
        };
        let year_0 = -62_167_219_200;
        let year_10000 = 253_402_300_800; // after Timestamp::MAX
        let mut secs = -5_000_000_000;
        while secs < 8_000_000_000 {
            check(secs);
            secs += 86_400 - 37;
        }
        let mut secs = year_0 - 3 * 86_400;
        while secs < year_10000 - 86_400 {
            check(secs);
            secs += 7_919 * 86_400 + 3_671;
        }
        for secs in [0, -1, 1, year_0, 951_782_400, 4_107_542_399, Timestamp::MAX.as_second()] {
            check(secs);
        }
        // Before year 0, jiff's own printers.
        for secs in [year_0 - 1, Timestamp::MIN.as_second()] {
            check(secs);
        }
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(600), "10 min");
        assert_eq!(human_duration(5 * 3600), "5.0 h");
        assert_eq!(human_duration(14 * 86_400), "14 days");
    }
}
