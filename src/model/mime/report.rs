//! What `attachments` reports: each message's findings, the filters that select them,
//! the totals against the quota, the monitoring verdict and the archive command line.
//!
//! A scan hands its findings to a [`Collector`], which counts every one as it comes and
//! keeps only what the output prints ([`Keep`]): all of them for a full list, the first
//! N for `--top N`, none for a Nagios line. Memory then depends on N, not on the mailbox.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use globset::GlobSet;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Attachment, header};
use crate::model::folder::glob_set;
use crate::model::quota;
use crate::model::status::{Status, Thresholds};
use crate::model::usage::QuotaInfo;
// Kept here while `commands::archive` and `commands::doctor` still import it from here.
pub use crate::model::when::parse_cutoff;

/// Where a message is, so that it can be found again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// IMAP: the UID, valid with the folder's UIDVALIDITY.
    Imap { uidvalidity: Option<u64>, uid: u32 },
    /// A Maildir file.
    File { path: String },
    /// An mbox file and the offset of the message's `From ` line.
    Mbox { path: String, offset: u64 },
    /// POP3: the message number of that session, and its UIDL when known.
    Pop { number: u32, uidl: Option<String> },
}

/// One message with parts at or above the threshold (or, with POP3 and no structure, one
/// message at or above it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFinding {
    pub folder: String,
    pub locator: Locator,
    /// The `Date:` header, else the arrival date (INTERNALDATE, file time, `From ` line).
    pub date: Option<Timestamp>,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// The message's size with CRLF line endings (RFC822.SIZE): what moving it frees.
    pub size: u64,
    pub attachments: Vec<Attachment>,
    /// False when the structure could not be read completely (malformed MIME): what was
    /// found is still reported.
    pub complete: bool,
}

/// Date, sender and subject read from a header block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub date: Option<Timestamp>,
    pub from: Option<String>,
    pub subject: Option<String>,
}

impl Envelope {
    /// Reads `Date`, `From` and `Subject` from a header block (RFC 2047 decoded); the
    /// arrival date stands in for a missing or unreadable `Date:`.
    pub fn from_header_block(block: &[u8], arrival: Option<Timestamp>) -> Envelope {
        let fields = header::fields(block);
        let text = |name| header::field(&fields, name).map(header::decode_words).filter(|s| !s.is_empty());
        Envelope {
            date: header::field(&fields, "date").and_then(header::date).or(arrival),
            from: text("from"),
            subject: text("subject"),
        }
    }
}

/// Which attachments a run looks for.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Encoded size at or above which a part is reported.
    pub min_size: u64,
    /// `--folder` globs as typed (empty: every folder).
    pub folder_globs: Vec<String>,
    folders: GlobSet,
    /// `--type` globs as typed (empty: every type).
    pub type_globs: Vec<String>,
    types: GlobSet,
    /// Keep messages dated strictly before this.
    pub older_than: Option<Timestamp>,
    /// Keep messages dated at or after this.
    pub newer_than: Option<Timestamp>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter::new(DEFAULT_MIN_SIZE, &[], &[], None, None).expect("no globs")
    }
}

/// 5 MiB: the default `--min-size`.
pub const DEFAULT_MIN_SIZE: u64 = 5 * 1024 * 1024;

impl Filter {
    /// Compiles the globs ([`glob_set`]); a bad one is an error naming it.
    pub fn new(
        min_size: u64,
        folders: &[String],
        types: &[String],
        older_than: Option<Timestamp>,
        newer_than: Option<Timestamp>,
    ) -> Result<Filter, String> {
        if let (Some(o), Some(n)) = (older_than, newer_than)
            && n >= o
        {
            return Err("--newer-than must be earlier than --older-than: no message can match both".into());
        }
        Ok(Filter {
            min_size,
            folders: glob_set(folders, "--folder")?,
            folder_globs: folders.to_vec(),
            types: glob_set(types, "--type")?,
            type_globs: types.to_vec(),
            older_than,
            newer_than,
        })
    }

    pub fn keeps_folder(&self, name: &str) -> bool {
        self.folder_globs.is_empty() || self.folders.is_match(name)
    }

    pub fn keeps_type(&self, mime_type: &str) -> bool {
        self.type_globs.is_empty() || self.types.is_match(mime_type)
    }

    /// Whether a message's date is in range. With a date filter, an undated message is
    /// left out: its age cannot be shown.
    pub fn keeps_date(&self, date: Option<Timestamp>) -> bool {
        if self.older_than.is_none() && self.newer_than.is_none() {
            return true;
        }
        let Some(d) = date else { return false };
        self.older_than.is_none_or(|o| d < o) && self.newer_than.is_none_or(|n| d >= n)
    }

    /// Applies the type filter to a message's attachments; `None` when the message is out
    /// of range or has nothing left to report.
    pub fn apply(&self, mut m: MessageFinding) -> Option<MessageFinding> {
        if !self.keeps_date(m.date) {
            return None;
        }
        m.attachments.retain(|a| a.size >= self.min_size && self.keeps_type(&a.mime_type));
        // A finding may be kept until the end: no spare room (a vector grows by 4 at first).
        m.attachments.shrink_to_fit();
        (!m.attachments.is_empty()).then_some(m)
    }
}

/// How much a source can tell about structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Each attachment (IMAP, local stores, POP3 with `--download-candidates`).
    Parts,
    /// Only messages at or above the size (POP3 without downloading).
    Messages,
}

/// Attachment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AttachmentSort {
    /// Biggest first.
    #[default]
    Size,
    /// Oldest first (the natural order to archive).
    Date,
}

/// Everything `attachments` found on one source.
#[derive(Debug, Clone)]
pub struct AttachmentsReport {
    /// The source as the user named it, without secrets.
    pub source: String,
    pub account: Option<String>,
    pub detail: Detail,
    /// Messages with something to report, in scan order (see [`Self::sorted_messages`]).
    pub messages: Vec<MessageFinding>,
    /// Messages at or above the size that were looked at (the candidates).
    pub candidates: u64,
    /// Candidates whose structure could not be read completely.
    pub not_fully_parsed: u64,
    pub quota: QuotaInfo,
    pub notes: Vec<String>,
}

/// Figures over every finding (`--top` does not change them). Also the JSON `totals`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub messages: u64,
    pub attachments: u64,
    /// Encoded bytes of the attachments.
    pub attachment_bytes: u64,
    /// Bytes of the whole messages: what moving them to local folders frees.
    pub message_bytes: u64,
    /// The storage limit the shares are computed against, when known.
    pub quota_limit: Option<u64>,
    pub attachment_share_of_quota: Option<f64>,
    pub freed_share_of_quota: Option<f64>,
}

impl Totals {
    /// The monitoring verdict: the share of the quota held by the attachments found,
    /// against the thresholds. Without a quota there is nothing to compare: UNKNOWN.
    pub fn status(&self, t: &Thresholds) -> Status {
        match self.attachment_share_of_quota {
            None => Status::Unknown,
            Some(p) if p >= t.crit => Status::Critical,
            Some(p) if p >= t.warn => Status::Warning,
            Some(_) => Status::Ok,
        }
    }
}

impl AttachmentsReport {
    /// An empty report, before the scan: no findings, the quota not (yet) read for
    /// `no_quota`'s reason.
    pub fn new(source: String, detail: Detail, no_quota: &str) -> AttachmentsReport {
        AttachmentsReport {
            source,
            account: None,
            detail,
            messages: Vec::new(),
            candidates: 0,
            not_fully_parsed: 0,
            quota: QuotaInfo::NotReported { reason: no_quota.into() },
            notes: Vec::new(),
        }
    }

    /// The totals of the messages held (every finding, unless a [`Collector`] kept fewer:
    /// then see [`Self::totals_of`]).
    pub fn totals(&self) -> Totals {
        let mut counts = Counts::default();
        self.messages.iter().for_each(|m| counts.add(m));
        self.totals_of(counts)
    }

    /// The totals of `counts` (from [`Collector::finish`]), with the shares of the quota.
    pub fn totals_of(&self, counts: Counts) -> Totals {
        let Counts { messages, attachments, attachment_bytes, message_bytes } = counts;
        let quota_limit = quota::fullest_storage(self.quota.roots()).map(|r| r.limit).filter(|&l| l > 0);
        let share = |b: u64| quota_limit.map(|l| b as f64 * 100.0 / l as f64);
        Totals {
            messages,
            attachments,
            attachment_bytes,
            message_bytes,
            quota_limit,
            attachment_share_of_quota: share(attachment_bytes),
            freed_share_of_quota: share(message_bytes),
        }
    }

    /// The monitoring verdict of the messages held (see [`Totals::status`]).
    pub fn status(&self, t: &Thresholds) -> Status {
        self.totals().status(t)
    }

    /// The (message, attachment) rows in `sort` order, at most `top` of them. With
    /// [`Detail::Messages`] there are no rows: see [`Self::sorted_messages`].
    pub fn rows(&self, sort: AttachmentSort, top: Option<usize>) -> Vec<(&MessageFinding, &Attachment)> {
        let mut rows: Vec<_> = self.messages.iter().flat_map(|m| m.attachments.iter().map(move |a| (m, a))).collect();
        rows.sort_by(|x, y| row_order(sort, *x, *y));
        rows.truncate(top.unwrap_or(usize::MAX));
        rows
    }

    /// The messages in `sort` order (by message size for [`AttachmentSort::Size`]).
    pub fn sorted_messages(&self, sort: AttachmentSort, top: Option<usize>) -> Vec<&MessageFinding> {
        let mut out: Vec<_> = self.messages.iter().collect();
        out.sort_by(|x, y| message_order(sort, x, y));
        out.truncate(top.unwrap_or(usize::MAX));
        out
    }
}

/// The order of [`AttachmentsReport::rows`]: a total order (folder, place in the folder and
/// part number break ties).
fn row_order(sort: AttachmentSort, x: (&MessageFinding, &Attachment), y: (&MessageFinding, &Attachment)) -> Ordering {
    let first = match sort {
        AttachmentSort::Size => y.1.size.cmp(&x.1.size),
        AttachmentSort::Date => by_date(x.0, y.0),
    };
    first.then_with(|| order(x.0, y.0)).then(x.1.part.cmp(&y.1.part))
}

/// The order of [`AttachmentsReport::sorted_messages`].
fn message_order(sort: AttachmentSort, x: &MessageFinding, y: &MessageFinding) -> Ordering {
    let first = match sort {
        AttachmentSort::Size => y.size.cmp(&x.size),
        AttachmentSort::Date => by_date(x, y),
    };
    first.then_with(|| order(x, y))
}

/// Undated messages last.
fn by_date(x: &MessageFinding, y: &MessageFinding) -> Ordering {
    match (x.date, y.date) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// A stable tie-break: folder, then place in the folder.
fn order(x: &MessageFinding, y: &MessageFinding) -> Ordering {
    fn key(m: &MessageFinding) -> (u64, &str) {
        match &m.locator {
            Locator::Imap { uid, .. } => (u64::from(*uid), ""),
            Locator::File { path } => (0, path),
            Locator::Mbox { path, offset } => (*offset, path),
            Locator::Pop { number, .. } => (u64::from(*number), ""),
        }
    }
    x.folder.cmp(&y.folder).then_with(|| key(x).cmp(&key(y)))
}

/// What a scan keeps of its findings in memory: the output decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every finding (the whole list is printed).
    All,
    /// Only what the `n` first rows and the `n` first messages in this order need
    /// (`--top n`): memory bounded by `n`, not by the number of findings.
    Top(AttachmentSort, usize),
    /// None: only the totals are printed (`--format nagios`).
    Nothing,
}

/// Collects a scan's findings: counts every one on the fly, keeps what [`Keep`] says.
///
/// With [`Keep::Top`], two bounded heaps hold the `n` best rows and the `n` best messages
/// so far (worst on top, evicted first); a message stays while one of them refers to it.
/// The kept messages hold all their attachments, so [`AttachmentsReport::rows`] and
/// [`AttachmentsReport::sorted_messages`] on them give the same first `n` as on every
/// finding: ties are broken by scan order, as the stable sort over all of them would.
#[derive(Debug)]
pub struct Collector {
    keep: Keep,
    counts: Counts,
    seq: u64,
    all: Vec<MessageFinding>,
    rows: BinaryHeap<Ranked>,
    messages: BinaryHeap<Ranked>,
}

/// Figures over every finding, counted as they come (see [`Totals`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub messages: u64,
    pub attachments: u64,
    pub attachment_bytes: u64,
    pub message_bytes: u64,
}

impl Counts {
    fn add(&mut self, m: &MessageFinding) {
        self.messages += 1;
        self.attachments += m.attachments.len() as u64;
        self.attachment_bytes += m.attachments.iter().map(|a| a.size).sum::<u64>();
        self.message_bytes += m.size;
    }
}

/// A kept message in a heap: a row (`part` is the attachment's index) or the message
/// itself (`part` is `None`), ordered worst last, then by scan order.
#[derive(Debug)]
struct Ranked {
    sort: AttachmentSort,
    seq: u64,
    part: Option<usize>,
    message: Arc<MessageFinding>,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        let by_rank = match (self.part, other.part) {
            (Some(a), Some(b)) => row_order(
                self.sort,
                (&self.message, &self.message.attachments[a]),
                (&other.message, &other.message.attachments[b]),
            ),
            _ => message_order(self.sort, &self.message, &other.message),
        };
        by_rank.then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl Collector {
    pub fn new(keep: Keep) -> Collector {
        Collector {
            keep,
            counts: Counts::default(),
            seq: 0,
            all: Vec::new(),
            rows: BinaryHeap::new(),
            messages: BinaryHeap::new(),
        }
    }

    /// Counts a finding (already filtered) and keeps it if the output may need it.
    pub fn add(&mut self, m: MessageFinding) {
        self.counts.add(&m);
        let seq = self.seq;
        self.seq += 1;
        let (sort, n) = match self.keep {
            Keep::All => return self.all.push(m),
            Keep::Nothing => return,
            Keep::Top(sort, n) => (sort, n),
        };
        let message = Arc::new(m);
        let push = |heap: &mut BinaryHeap<Ranked>, part| {
            heap.push(Ranked { sort, seq, part, message: Arc::clone(&message) });
            if heap.len() > n {
                heap.pop();
            }
        };
        for i in 0..message.attachments.len() {
            push(&mut self.rows, Some(i));
        }
        push(&mut self.messages, None);
    }

    /// The kept messages, in scan order, into `report.messages`; the counts of every one.
    pub fn finish(self, report: &mut AttachmentsReport) -> Counts {
        let Collector { counts, all, rows, messages, .. } = self;
        let mut kept: Vec<(u64, Arc<MessageFinding>)> =
            rows.into_iter().chain(messages).map(|r| (r.seq, r.message)).collect();
        kept.sort_by_key(|(seq, _)| *seq);
        kept.dedup_by_key(|(seq, _)| *seq);
        if report.messages.is_empty() {
            report.messages = all;
        } else {
            report.messages.extend(all);
        }
        report.messages.extend(kept.into_iter().map(|(_, m)| Arc::unwrap_or_clone(m)));
        counts
    }
}

/// The `mailsweep archive` command line that moves the messages found to local folders
/// (the `archive` command's own syntax): the source, the size as typed, the folder globs.
pub fn archive_command(source: &str, min_size: &str, folder_globs: &[String]) -> String {
    let mut words = vec![
        "mailsweep".to_string(),
        "archive".to_string(),
        shell_quote(source),
        "--with-attachments-over".to_string(),
        shell_quote(min_size),
    ];
    for g in folder_globs {
        words.push("--folder".to_string());
        words.push(shell_quote(g));
    }
    words.push("--to".to_string());
    words.push("DIR".to_string());
    words.join(" ")
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b));
    if safe { word.to_string() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mime::{Disposition, Part, attachments};
    use crate::model::{QuotaResource, QuotaRoot};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn att(part: &str, mime: &str, size: u64) -> Attachment {
        let mut a = attachments(&Part::leaf(mime, "base64", size), 0).remove(0);
        a.part = part.into();
        a
    }

    fn msg(folder: &str, uid: u32, date: Option<&str>, atts: Vec<Attachment>) -> MessageFinding {
        MessageFinding {
            folder: folder.into(),
            locator: Locator::Imap { uidvalidity: Some(1), uid },
            date: date.map(ts),
            from: None,
            subject: None,
            size: atts.iter().map(|a| a.size).sum::<u64>() + 1000,
            attachments: atts,
            complete: true,
        }
    }

    #[test]
    fn filters_select_folders_types_and_dates() {
        let f = Filter::new(
            100,
            &["Archives*".into(), "INBOX".into()],
            &["image/*".into()],
            Some(ts("2024-01-01T00:00:00Z")),
            None,
        )
        .unwrap();
        assert!(f.keeps_folder("archives/2021") && f.keeps_folder("INBOX") && !f.keeps_folder("Sent"));
        assert!(f.keeps_type("image/png") && !f.keeps_type("application/pdf"));
        assert!(f.keeps_date(Some(ts("2023-12-31T23:59:59Z"))) && !f.keeps_date(Some(ts("2024-01-01T00:00:00Z"))));
        assert!(!f.keeps_date(None), "undated messages cannot be shown to be old");
        assert!(Filter::default().keeps_date(None));

        let m = msg(
            "INBOX",
            1,
            Some("2023-06-01T00:00:00Z"),
            vec![att("2", "image/png", 500), att("3", "application/pdf", 900)],
        );
        let kept = f.apply(m).unwrap();
        assert_eq!(kept.attachments.len(), 1);
        assert_eq!(kept.attachments[0].part, "2");
        assert!(f.apply(msg("INBOX", 2, Some("2023-06-01T00:00:00Z"), vec![att("2", "text/plain", 500)])).is_none());

        assert!(Filter::new(1, &["[".into()], &[], None, None).unwrap_err().contains("--folder \"[\""));
        let now = ts("2024-01-01T00:00:00Z");
        assert!(Filter::new(1, &[], &[], Some(now), Some(now)).is_err());
    }

    fn report(quota_limit: Option<u64>) -> AttachmentsReport {
        AttachmentsReport {
            source: "imaps://a@h".into(),
            account: None,
            detail: Detail::Parts,
            messages: vec![
                msg("INBOX", 5, Some("2024-02-01T00:00:00Z"), vec![att("2", "application/zip", 300)]),
                msg(
                    "Archives",
                    9,
                    Some("2021-02-01T00:00:00Z"),
                    vec![att("2", "image/png", 100), att("3", "application/pdf", 600)],
                ),
                msg("INBOX", 7, None, vec![att("1", "application/pdf", 200)]),
            ],
            candidates: 4,
            not_fully_parsed: 0,
            quota: match quota_limit {
                Some(limit) => QuotaInfo::Reported {
                    roots: vec![QuotaRoot {
                        name: "".into(),
                        resources: vec![QuotaResource { name: "STORAGE".into(), usage: 10, limit }],
                    }],
                },
                None => QuotaInfo::NotReported { reason: "local".into() },
            },
            notes: vec![],
        }
    }

    #[test]
    fn totals_count_everything_and_share_the_quota() {
        let t = report(Some(10_000)).totals();
        assert_eq!((t.messages, t.attachments, t.attachment_bytes, t.message_bytes), (3, 4, 1200, 4200));
        assert_eq!(t.attachment_share_of_quota, Some(12.0));
        assert_eq!(t.freed_share_of_quota, Some(42.0));
        assert_eq!(report(None).totals().attachment_share_of_quota, None);
    }

    #[test]
    fn status_is_the_share_of_quota() {
        let th = Thresholds::new(10.0, 20.0).unwrap();
        assert_eq!(report(Some(10_000)).status(&th), Status::Warning);
        assert_eq!(report(Some(5_000)).status(&th), Status::Critical);
        assert_eq!(report(Some(100_000)).status(&th), Status::Ok);
        assert_eq!(report(None).status(&th), Status::Unknown);
    }

    #[test]
    fn rows_sort_and_truncate() {
        let r = report(None);
        let by_size: Vec<_> =
            r.rows(AttachmentSort::Size, None).iter().map(|(m, a)| (m.folder.as_str(), a.size)).collect();
        assert_eq!(by_size, [("Archives", 600), ("INBOX", 300), ("INBOX", 200), ("Archives", 100)]);
        let by_date: Vec<_> = r.rows(AttachmentSort::Date, Some(3)).iter().map(|(_, a)| a.size).collect();
        assert_eq!(by_date, [100, 600, 300]);
        let msgs: Vec<_> = r.sorted_messages(AttachmentSort::Size, Some(1)).iter().map(|m| m.size).collect();
        assert_eq!(msgs, [1700]);
        assert_eq!(r.rows(AttachmentSort::Size, None)[0].1.disposition, Disposition::Inline);
    }

    /// Whatever the findings, a collector keeping the top `n` gives the same first `n`
    /// rows and messages as the whole list, and the same totals; `Nothing` keeps none.
    #[test]
    fn collectors_keep_the_top_rows_and_count_everything() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let folders = ["INBOX", "Archives", "Sent"];
        let findings: Vec<MessageFinding> = (0..300)
            .map(|i| {
                // Few distinct sizes and dates: many ties, broken by folder, uid, part.
                let atts =
                    (0..1 + next(3)).map(|p| att(&(p + 2).to_string(), "image/png", 100 * (1 + next(4)))).collect();
                let date = ["2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"].get(next(3) as usize).copied();
                let mut m = msg(folders[next(3) as usize], i, date, atts);
                m.size = 1000 * (1 + next(3));
                m
            })
            .collect();
        let mut whole = report(None);
        whole.messages = findings.clone();
        for sort in [AttachmentSort::Size, AttachmentSort::Date] {
            for n in [0, 1, 7, 50, 1000] {
                let mut c = Collector::new(Keep::Top(sort, n));
                findings.iter().cloned().for_each(|m| c.add(m));
                let mut kept = report(None);
                kept.messages.clear();
                let counts = c.finish(&mut kept);
                assert!(kept.messages.len() <= 2 * n, "{sort:?} {n}");
                assert_eq!(kept.totals_of(counts), whole.totals(), "{sort:?} {n}");
                let rows = |r: &AttachmentsReport| {
                    r.rows(sort, Some(n)).iter().map(|(m, a)| (m.locator.clone(), a.part.clone())).collect::<Vec<_>>()
                };
                assert_eq!(rows(&kept), rows(&whole), "{sort:?} {n}");
                let msgs = |r: &AttachmentsReport| {
                    r.sorted_messages(sort, Some(n)).iter().map(|m| m.locator.clone()).collect::<Vec<_>>()
                };
                assert_eq!(msgs(&kept), msgs(&whole), "{sort:?} {n}");
            }
        }
        let mut c = Collector::new(Keep::Nothing);
        findings.iter().cloned().for_each(|m| c.add(m));
        let mut none = report(None);
        none.messages.clear();
        let counts = c.finish(&mut none);
        assert!(none.messages.is_empty());
        assert_eq!(none.totals_of(counts), whole.totals());
        let mut c = Collector::new(Keep::All);
        findings.iter().cloned().for_each(|m| c.add(m));
        let mut all = report(None);
        all.messages.clear();
        c.finish(&mut all);
        assert_eq!(all.messages, findings);
    }

    #[test]
    fn envelopes_decode_and_fall_back() {
        let arrival = Some(ts("2020-01-01T00:00:00Z"));
        let e = Envelope::from_header_block(
            b"From: =?UTF-8?Q?Jos=C3=A9?= <j@x>\r\nSubject: Hi\r\nDate: nonsense\r\n\r\n",
            arrival,
        );
        assert_eq!((e.from.as_deref(), e.subject.as_deref(), e.date), (Some("José <j@x>"), Some("Hi"), arrival));
        assert_eq!(Envelope::from_header_block(b"Subject:\r\n", None), Envelope::default());
    }

    #[test]
    fn archive_commands_quote_what_the_shell_would_split() {
        assert_eq!(
            archive_command("imaps://alice@mail.example.org", "5MiB", &["Archives/*".into(), "Sent Items".into()]),
            "mailsweep archive imaps://alice@mail.example.org --with-attachments-over 5MiB --folder 'Archives/*' --folder 'Sent Items' --to DIR"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
