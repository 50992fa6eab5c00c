//! Archiving, the pure part: which messages a run selects, the plan and its quota
//! arithmetic, the journal's records, and how server folder names become safe paths
//! inside the archive directory.
//!
//! # Folder names → paths (never outside DIR)
//! A server folder name (`Archives/2021`, decoded, `/`-separated) is split into
//! components and each component is escaped on its own, so no component can be empty,
//! `.`, `..`, contain `/` or NUL, or start with `.` (hidden files, Maildir++ folders and
//! our own `.mailsweep` state directory stay out of reach):
//! - `%` becomes `%25`, and so does every other escaped byte (`%XX` of its UTF-8 bytes):
//!   control characters (C0, DEL, C1), `/`, `\`, a leading `.`; the mapping is injective;
//! - an empty component becomes `%` alone (no escape produces a lone `%`);
//! - mbox: a component ending in `.sbd` or `.msf` has that dot escaped, so it cannot be
//!   mistaken for Thunderbird's subfolder directory or index of another folder; the
//!   hierarchy is `A.sbd/B` (a "Local Folders" tree), every parent gets an (empty) file;
//! - Maildir++: components are encoded in modified UTF-7 (as Dovecot stores them), every
//!   `.` is escaped (it is the hierarchy separator) and the folder is `.A.B`; INBOX is
//!   the Maildir root;
//! - components longer than 200 bytes are cut and end in `~` and 8 hex digits of their
//!   hash.
//!
//! Names that differ only by case or Unicode normalisation (`Sent`/`sent`,
//! `é` precomposed or not) would be one file on a case-insensitive or normalising file
//! system. [`NameMap`] gives the first folder that claims a [`fold_key`] the plain path
//! and later ones `~` + a hash of their name; the map is persisted in the archive, so a
//! folder keeps its path from run to run whatever appears later.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::SpecialUse;

/// What the archive is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveFormat {
    /// One mboxrd file per folder, laid out as a mail client's "Local Folders".
    #[default]
    Mbox,
    /// Maildir++ (Dovecot, mutt): one file per message, flags in the file name.
    Maildir,
}

/// Ready-made selections that follow the guides ("move the Sent folder, the Trash and
/// messages with big attachments to local folders").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The Sent folder(s) (SPECIAL-USE \Sent, else the usual names).
    Sent,
    /// The Trash folder(s), flagged and unread included.
    Trash,
    /// Messages with an attachment of 5 MiB or more, in every folder.
    BigAttachments,
}

impl Preset {
    /// The folder role a preset selects (by SPECIAL-USE attribute or usual name); `None`:
    /// every folder.
    pub fn role(self) -> Option<SpecialUse> {
        match self {
            Preset::Sent => Some(SpecialUse::Sent),
            Preset::Trash => Some(SpecialUse::Trash),
            Preset::BigAttachments => None,
        }
    }
}

/// `--preset big-attachments` without `--with-attachments-over`.
pub const PRESET_ATTACHMENT_SIZE: u64 = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------

/// The system flags an archive preserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Flags {
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
    pub draft: bool,
    pub deleted: bool,
}

impl Flags {
    /// From IMAP flag atoms (`\Seen`, ...), case-insensitive; keywords are ignored.
    pub fn from_imap<'a>(atoms: impl IntoIterator<Item = &'a str>) -> Flags {
        let mut f = Flags::default();
        for a in atoms {
            match a.to_ascii_lowercase().as_str() {
                "\\seen" => f.seen = true,
                "\\answered" => f.answered = true,
                "\\flagged" => f.flagged = true,
                "\\draft" => f.draft = true,
                "\\deleted" => f.deleted = true,
                _ => {}
            }
        }
        f
    }

    /// IMAP spelling, space-separated (`\Seen \Flagged`); what the journal records.
    pub fn imap(&self) -> String {
        let mut v = Vec::new();
        for (on, name) in [
            (self.seen, "\\Seen"),
            (self.answered, "\\Answered"),
            (self.flagged, "\\Flagged"),
            (self.draft, "\\Draft"),
            (self.deleted, "\\Deleted"),
        ] {
            if on {
                v.push(name);
            }
        }
        v.join(" ")
    }

    /// The Maildir info letters in ASCII order (`DFRS`); `\Deleted` is never carried
    /// into an archive (it would be purged by the next client that expunges).
    pub fn maildir_letters(&self) -> String {
        let mut s = String::new();
        for (on, c) in [(self.draft, 'D'), (self.flagged, 'F'), (self.answered, 'R'), (self.seen, 'S')] {
            if on {
                s.push(c);
            }
        }
        s
    }
}

// ---------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------

/// One message as the plan sees it (sizes in bytes as the server counts them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The message's id in its folder: an IMAP UID, or a POP3 UIDL.
    pub id: String,
    pub size: u64,
    /// INTERNALDATE (IMAP), the `Date:` header (POP3), the file's date (local stores).
    pub received: Option<Timestamp>,
    /// The `Date:` header, when it was read.
    pub sent: Option<Timestamp>,
    pub flags: Flags,
    /// An attachment at or above the `--with-attachments-over` size (when asked).
    pub big_attachment: bool,
}

/// Which messages a run archives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    /// Archive messages dated strictly before this.
    pub before: Option<Timestamp>,
    /// Compare the sent date (`Date:`) instead of the received date.
    pub by_sent_date: bool,
    /// Only messages strictly bigger than this.
    pub larger_than: Option<u64>,
    /// Only messages with an attachment at least this big (the `attachments` criterion).
    pub attachments_over: Option<u64>,
    pub include_flagged: bool,
    pub include_unread: bool,
}

impl Criteria {
    /// Whether the message is archived. Undated messages are never selected by age: their
    /// age is unknown. Messages another client marked `\Deleted` are never touched.
    pub fn selects(&self, c: &Candidate) -> bool {
        if c.flags.deleted {
            return false;
        }
        if c.flags.flagged && !self.include_flagged {
            return false;
        }
        if !c.flags.seen && !self.include_unread {
            return false;
        }
        if let Some(before) = self.before {
            let date = if self.by_sent_date { c.sent.or(c.received) } else { c.received };
            match date {
                Some(d) if d < before => {}
                _ => return false,
            }
        }
        if self.larger_than.is_some_and(|min| c.size <= min) {
            return false;
        }
        if self.attachments_over.is_some() && !c.big_attachment {
            return false;
        }
        true
    }

    /// The date that decides "oldest first" and the year of `--split-by-year`.
    pub fn date_of(&self, c: &Candidate) -> Option<Timestamp> {
        if self.by_sent_date { c.sent.or(c.received) } else { c.received }
    }
}

/// `--until-quota`: from candidates of every folder (folder index, candidate), keeps the
/// oldest first until the projected use is at or under `percent` of `limit`. Returns the
/// kept (folder index, candidate index) pairs; undated messages come last.
pub fn until_quota(
    candidates: &[(usize, &Candidate)],
    used: u64,
    limit: u64,
    percent: f64,
    date: impl Fn(&Candidate) -> Option<Timestamp>,
) -> Vec<usize> {
    let goal = (limit as f64 * percent / 100.0).floor() as u64;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| {
        let c = candidates[i].1;
        (date(c).is_none(), date(c), candidates[i].0, c.id.len(), c.id.clone())
    });
    let mut left = used;
    let mut kept = Vec::new();
    for i in order {
        if left <= goal {
            break;
        }
        left = left.saturating_sub(candidates[i].1.size);
        kept.push(i);
    }
    kept.sort_unstable();
    kept
}

// ---------------------------------------------------------------------------------------
// Plan and report
// ---------------------------------------------------------------------------------------

/// The outcome of one folder (planned figures, then what the run did).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FolderOutcome {
    /// The server's folder name (decoded, `/`-separated).
    pub folder: String,
    /// Archive paths written to, relative to the archive directory.
    pub targets: Vec<String>,
    pub planned_messages: u64,
    pub planned_bytes: u64,
    pub archived_messages: u64,
    pub archived_bytes: u64,
    /// Removed from the server after a verified write.
    pub deleted_messages: u64,
    /// Verified in an earlier run that stopped before removing them; removed now.
    pub resumed_deletions: u64,
    /// Already in the archive (an earlier run, or `--keep-on-server` backups).
    pub already_archived: u64,
    /// Messages left on the server because something went wrong (see notes).
    pub failed: u64,
}

/// Quota figures of a run (bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuotaFigures {
    pub used_before: u64,
    pub limit: u64,
    /// Projected (plan) or measured (after the run).
    pub used_after: u64,
}

impl QuotaFigures {
    pub fn percent_before(&self) -> Option<f64> {
        (self.limit > 0).then(|| self.used_before as f64 * 100.0 / self.limit as f64)
    }
    pub fn percent_after(&self) -> Option<f64> {
        (self.limit > 0).then(|| self.used_after as f64 * 100.0 / self.limit as f64)
    }
}

/// What `archive` reports: the plan (`--dry-run`) or the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ArchiveReport {
    pub source: String,
    pub account: Option<String>,
    pub directory: String,
    pub format: ArchiveFormat,
    pub dry_run: bool,
    pub keep_on_server: bool,
    pub folders: Vec<FolderOutcome>,
    pub quota: Option<QuotaFigures>,
    /// Plain-language notes: refusals, verification failures, warnings.
    pub notes: Vec<String>,
}

impl ArchiveReport {
    pub fn total<F: Fn(&FolderOutcome) -> u64>(&self, f: F) -> u64 {
        self.folders.iter().map(f).sum()
    }

    /// True when some message could not be archived or removed as planned.
    pub fn has_failures(&self) -> bool {
        self.folders.iter().any(|f| f.failed > 0)
    }
}

// ---------------------------------------------------------------------------------------
// Journal records
// ---------------------------------------------------------------------------------------

/// One line of the archive's journal (`DIR/.mailsweep/journal.jsonl`, JSON lines,
/// append-only, fsynced before anything that depends on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Record {
    /// About to append to an mbox file that is `offset` bytes long. Without a later
    /// `Commit` for the file, whatever follows `offset` is a torn write to cut off.
    Begin { file: String, offset: u64 },
    /// The appends since the last `Begin` are complete, flushed and verified.
    Commit { file: String, end: u64 },
    /// A message written, flushed and read back identical to what the server sent.
    Archived(Entry),
    /// Messages removed from the server (after their `Archived` records).
    Deleted { account: String, folder: String, uidvalidity: u32, ids: Vec<String> },
    /// An archived copy that no longer reads back identical: it does not count.
    Lost { account: String, folder: String, uidvalidity: u32, id: String },
}

/// Where one archived message is and what it must read back as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The source as a URL without secrets (`imaps://alice@host:993`).
    pub account: String,
    /// The server's folder name (raw, as the server spells it).
    pub folder: String,
    /// IMAP UIDVALIDITY (0 for POP3 and local stores).
    pub uidvalidity: u32,
    /// The UID (IMAP), UIDL (POP3) or file key (local).
    pub id: String,
    /// SHA-256 (hex) of the message bytes as the server sent them.
    pub sha256: String,
    pub size: u64,
    pub received: Option<Timestamp>,
    /// IMAP spelling (`\Seen \Answered`): mbox keeps flags here, never in the message.
    pub flags: String,
    /// Path relative to the archive directory (mbox file, or Maildir file at write time).
    pub file: String,
    /// mbox: offset of the message's first byte (after the `From ` line).
    pub offset: u64,
    /// mbox: bytes stored (after `>From ` quoting, with the added final newline).
    pub stored: u64,
    /// mbox: the message did not end with a newline and one was added for the format.
    pub added_newline: bool,
    /// `--compress`: offset of the gzip member holding the message; `offset` then counts
    /// inside the member's uncompressed data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<u64>,
    /// Written by a `--keep-on-server` run: a backup copy. It never makes a later run
    /// remove the message from the server by itself; only a move run whose criteria
    /// select the message does (an interrupted move run's copies are finished instead).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kept: bool,
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

/// Longest component kept as is (bytes); longer ones are cut and hashed.
const MAX_COMPONENT: usize = 200;

/// FNV-1a, 64 bits: stable across runs and platforms (used for names, never for safety).
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn escape_byte(out: &mut String, b: u8) {
    out.push_str(&format!("%{b:02X}"));
}

/// One folder-name component as a safe file name (see the module documentation).
pub fn safe_component(name: &str, format: ArchiveFormat) -> String {
    if name.is_empty() {
        return "%".to_string();
    }
    let encoded;
    let name = match format {
        ArchiveFormat::Maildir => {
            encoded = crate::model::mutf7::encode(name);
            encoded.as_str()
        }
        ArchiveFormat::Mbox => name,
    };
    let mut out = String::with_capacity(name.len());
    let reserved_suffix = match format {
        ArchiveFormat::Mbox => [".sbd", ".msf"]
            .iter()
            .find(|s| name.len() > s.len() && name.to_ascii_lowercase().ends_with(*s))
            .map(|s| name.len() - s.len()),
        ArchiveFormat::Maildir => None,
    };
    for (i, c) in name.char_indices() {
        let control = c.is_control();
        let escape = control
            || c == '%'
            || c == '/'
            || c == '\\'
            || (c == '.' && (i == 0 || Some(i) == reserved_suffix || format == ArchiveFormat::Maildir));
        if escape {
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                escape_byte(&mut out, b);
            }
        } else {
            out.push(c);
        }
    }
    if out.len() > MAX_COMPONENT {
        let mut cut = MAX_COMPONENT - 9;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        // Never end on a partial escape: `%2` would read as another escape.
        let keep = &out[..cut];
        let keep = match keep.rfind('%') {
            Some(p) if p + 3 > keep.len() => &keep[..p],
            _ => keep,
        };
        return format!("{keep}~{:08x}", fnv64(name.as_bytes()) as u32);
    }
    out
}

/// The name of the `--split-by-year` level for messages without any date.
pub const UNDATED: &str = "undated";

/// The `--split-by-year` level a message is filed under: the UTC year of the date that
/// selected it, or [`UNDATED`] when it has no date at all (never a made-up year: a
/// message without `Date:` and `Received:` filed under 1970 would look 50 years old).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Year {
    Of(i16),
    Undated,
}

impl Year {
    pub fn of(date: Option<Timestamp>) -> Year {
        match date {
            Some(d) => Year::Of(d.to_zoned(jiff::tz::TimeZone::UTC).year()),
            None => Year::Undated,
        }
    }

    /// The path component (and the folder map's key part): `2021`, `undated`.
    pub fn component(self) -> String {
        match self {
            Year::Of(y) => y.to_string(),
            Year::Undated => UNDATED.to_string(),
        }
    }
}

/// The path (relative to the archive directory, `/`-separated) of a folder's archive:
/// an mbox file, or a Maildir++ folder directory (`""` for INBOX, the Maildir root).
/// `year` adds a level below the folder (`--split-by-year`).
pub fn folder_path(name: &str, format: ArchiveFormat, year: Option<Year>) -> String {
    let mut parts: Vec<String> = name.split('/').map(str::to_string).collect();
    if let Some(y) = year {
        parts.push(y.component());
    }
    match format {
        ArchiveFormat::Mbox => {
            let comps: Vec<String> = parts.iter().map(|p| safe_component(p, format)).collect();
            let n = comps.len();
            comps
                .iter()
                .enumerate()
                .map(|(i, c)| if i + 1 < n { format!("{c}.sbd") } else { c.clone() })
                .collect::<Vec<_>>()
                .join("/")
        }
        ArchiveFormat::Maildir => {
            if parts.len() == 1 && parts[0].eq_ignore_ascii_case("INBOX") {
                return String::new();
            }
            let comps: Vec<String> = parts.iter().map(|p| safe_component(p, format)).collect();
            format!(".{}", comps.join("."))
        }
    }
}

/// The mbox files a Local Folders tree needs for `path` to show: its parents
/// (`A`, `A.sbd/B` for `A.sbd/B.sbd/C`).
pub fn mbox_parents(path: &str) -> Vec<String> {
    let comps: Vec<&str> = path.split('/').collect();
    (1..comps.len())
        .map(|n| {
            let mut p = comps[..n].join("/");
            p.truncate(p.len() - ".sbd".len());
            p
        })
        .collect()
}

/// A key equal for names a case-insensitive or normalising file system would confuse:
/// lower case, Latin letters with diacritics reduced to their base letter, combining
/// marks dropped.
pub fn fold_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let c = base_letter(c).unwrap_or(c);
        out.extend(c.to_lowercase());
    }
    out
}

/// The base letter of a precomposed Latin letter (Latin-1 Supplement, Latin Extended-A).
fn base_letter(c: char) -> Option<char> {
    const TABLE: &[(&str, char)] = &[
        ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", 'a'),
        ("ÇçĆćĈĉĊċČč", 'c'),
        ("ĎďĐđ", 'd'),
        ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", 'e'),
        ("ĜĝĞğĠġĢģ", 'g'),
        ("ĤĥĦħ", 'h'),
        ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", 'i'),
        ("Ĵĵ", 'j'),
        ("Ķķ", 'k'),
        ("ĹĺĻļĽľĿŀŁł", 'l'),
        ("ÑñŃńŅņŇňŉ", 'n'),
        ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", 'o'),
        ("ŔŕŖŗŘř", 'r'),
        ("ŚśŜŝŞşŠš", 's'),
        ("ŢţŤťŦŧ", 't'),
        ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", 'u'),
        ("Ŵŵ", 'w'),
        ("ÝýÿŶŷŸ", 'y'),
        ("ŹźŻżŽž", 'z'),
    ];
    if c.is_ascii() {
        return None;
    }
    TABLE.iter().find(|(set, _)| set.contains(c)).map(|&(_, b)| b)
}

/// Which archive path each folder got, persisted in the archive so paths never move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameMap {
    /// Key (`format` + `\0` + folder name + `\0` + year) → relative path.
    pub paths: BTreeMap<String, String>,
}

impl NameMap {
    /// The path of a folder (and year): the one given before, else the plain mapping,
    /// else (when its fold key is taken by another folder) the mapping plus `~hash`.
    /// Returns the path and whether the map changed.
    pub fn assign(&mut self, name: &str, format: ArchiveFormat, year: Option<Year>) -> (String, bool) {
        let key = format!("{format:?}\0{name}\0{}", year.map(Year::component).unwrap_or_default());
        if let Some(p) = self.paths.get(&key) {
            return (p.clone(), false);
        }
        let plain = folder_path(name, format, year);
        let taken = |p: &str| {
            let k = fold_key(p);
            self.paths.values().any(|v| {
                let vk = fold_key(v);
                // A path collides with another, or with the other's parents or children.
                vk == k || vk.starts_with(&format!("{k}.sbd/")) || k.starts_with(&format!("{vk}.sbd/"))
            })
        };
        let path = if taken(&plain) {
            let suffix = format!("~{:08x}", fnv64(key.as_bytes()) as u32);
            match plain.rsplit_once('/') {
                Some((dir, last)) => format!("{dir}/{last}{suffix}"),
                None => format!("{plain}{suffix}"),
            }
        } else {
            plain
        };
        self.paths.insert(key, path.clone());
        (path, true)
    }
}

/// True when a relative path is made only of normal components (no `..`, no root,
/// no empty or `.` component): the last line of defence before touching the disk.
pub fn is_contained(rel: &str) -> bool {
    !rel.starts_with('/') && !rel.contains('\0') && rel.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn cand(id: &str, size: u64, date: &str, flags: Flags) -> Candidate {
        Candidate { id: id.into(), size, received: Some(ts(date)), sent: None, flags, big_attachment: false }
    }

    const SEEN: Flags = Flags { seen: true, answered: false, flagged: false, draft: false, deleted: false };

    #[test]
    fn presets_select_folders_by_role() {
        assert_eq!(Preset::Sent.role(), Some(SpecialUse::Sent));
        assert_eq!(Preset::Trash.role(), Some(SpecialUse::Trash));
        assert_eq!(Preset::BigAttachments.role(), None, "every folder");
    }

    #[test]
    fn flags_round_trip_and_maildir_letters() {
        let f = Flags::from_imap(["\\Seen", "\\FLAGGED", "$Junk", "\\Answered", "\\Draft"]);
        assert_eq!(f.imap(), "\\Seen \\Answered \\Flagged \\Draft");
        assert_eq!(f.maildir_letters(), "DFRS");
        assert_eq!(Flags::from_imap(f.imap().split(' ')), f);
        let d = Flags::from_imap(["\\Deleted"]);
        assert_eq!(d.maildir_letters(), "");
    }

    #[test]
    fn criteria_keep_flagged_unread_deleted_and_new_mail() {
        let c = Criteria { before: Some(ts("2024-01-01T00:00:00Z")), ..Criteria::default() };
        assert!(c.selects(&cand("1", 10, "2023-01-01T00:00:00Z", SEEN)));
        assert!(!c.selects(&cand("2", 10, "2024-01-01T00:00:00Z", SEEN)), "the cutoff itself is kept");
        assert!(!c.selects(&cand("3", 10, "2023-01-01T00:00:00Z", Flags::default())), "unread kept");
        let flagged = Flags { flagged: true, ..SEEN };
        assert!(!c.selects(&cand("4", 10, "2023-01-01T00:00:00Z", flagged)));
        let deleted = Flags { deleted: true, ..SEEN };
        let all = Criteria { include_flagged: true, include_unread: true, ..c.clone() };
        assert!(!all.selects(&cand("5", 10, "2023-01-01T00:00:00Z", deleted)), "other clients' \\Deleted");
        assert!(all.selects(&cand("6", 10, "2023-01-01T00:00:00Z", flagged)));
        let mut undated = cand("7", 10, "2023-01-01T00:00:00Z", SEEN);
        undated.received = None;
        assert!(!c.selects(&undated));
        let sent = Criteria { by_sent_date: true, ..c.clone() };
        let mut m = cand("8", 10, "2025-01-01T00:00:00Z", SEEN);
        m.sent = Some(ts("2020-01-01T00:00:00Z"));
        assert!(sent.selects(&m) && !c.selects(&m));
        let size = Criteria { larger_than: Some(100), ..Criteria::default() };
        assert!(!size.selects(&cand("9", 100, "2023-01-01T00:00:00Z", SEEN)));
        assert!(size.selects(&cand("9", 101, "2023-01-01T00:00:00Z", SEEN)));
        let att = Criteria { attachments_over: Some(5), ..Criteria::default() };
        let mut big = cand("10", 100, "2023-01-01T00:00:00Z", SEEN);
        assert!(!att.selects(&big));
        big.big_attachment = true;
        assert!(att.selects(&big));
    }

    #[test]
    fn until_quota_takes_the_oldest_until_under_the_goal() {
        let a = cand("1", 300, "2020-01-01T00:00:00Z", SEEN);
        let b = cand("2", 300, "2019-01-01T00:00:00Z", SEEN);
        let c = cand("3", 300, "2021-01-01T00:00:00Z", SEEN);
        let list = vec![(0, &a), (1, &b), (0, &c)];
        // 900 of 1000 used; 70% = 700: taking the oldest (300) gives 600.
        assert_eq!(until_quota(&list, 900, 1000, 70.0, |c| c.received), vec![1]);
        assert_eq!(until_quota(&list, 900, 1000, 30.0, |c| c.received), vec![0, 1]);
        assert!(until_quota(&list, 500, 1000, 70.0, |c| c.received).is_empty());
        assert_eq!(until_quota(&list, 900, 1000, 0.0, |c| c.received).len(), 3);
    }

    #[test]
    fn hostile_names_stay_inside() {
        for name in [
            "..",
            ".",
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "\0",
            "a\0b",
            "\n",
            "x\r\ny",
            ".hidden",
            "",
            "a//b",
            "%2E%2E",
            "\u{7f}",
            "\u{85}",
            "con\\..\\x",
            ".mailsweep",
            "A.sbd",
            "x.msf",
            "./.",
        ] {
            for format in [ArchiveFormat::Mbox, ArchiveFormat::Maildir] {
                for year in [None, Some(Year::Of(2021)), Some(Year::Undated)] {
                    let p = folder_path(name, format, year);
                    if format == ArchiveFormat::Maildir && p.is_empty() {
                        continue;
                    }
                    assert!(is_contained(&p), "{name:?} {format:?} -> {p:?}");
                    for comp in p.split('/') {
                        assert!(!comp.starts_with('.') || format == ArchiveFormat::Maildir, "{name:?} -> {p:?}");
                        assert!(!comp.chars().any(char::is_control), "{name:?} -> {p:?}");
                    }
                    if format == ArchiveFormat::Maildir {
                        assert!(!p.contains('/') && p.starts_with('.') && p != "." && p != "..", "{name:?} -> {p:?}");
                        assert!(!p[1..].starts_with('.'), "{name:?} -> {p:?}");
                    }
                }
            }
        }
        assert_eq!(folder_path("..", ArchiveFormat::Mbox, None), "%2E.");
        assert_eq!(folder_path("a/../b", ArchiveFormat::Mbox, None), "a.sbd/%2E..sbd/b");
        assert_eq!(folder_path("Archives/2021", ArchiveFormat::Mbox, None), "Archives.sbd/2021");
        assert_eq!(folder_path("Sent", ArchiveFormat::Mbox, Some(Year::Of(2021))), "Sent.sbd/2021");
        assert_eq!(folder_path("Éléments envoyés", ArchiveFormat::Mbox, None), "Éléments envoyés");
        assert_eq!(folder_path("x\ny%", ArchiveFormat::Mbox, None), "x%0Ay%25");
        assert_eq!(folder_path("A.sbd", ArchiveFormat::Mbox, None), "A%2Esbd");
        assert_eq!(folder_path("INBOX", ArchiveFormat::Maildir, None), "");
        assert_eq!(folder_path("Archives/2021", ArchiveFormat::Maildir, None), ".Archives.2021");
        assert_eq!(folder_path("v1.2/Entwürfe", ArchiveFormat::Maildir, None), ".v1%2E2.Entw&APw-rfe");
        assert_eq!(folder_path("", ArchiveFormat::Mbox, None), "%");
        assert_eq!(mbox_parents("A.sbd/B.sbd/C"), ["A", "A.sbd/B"]);
        assert!(mbox_parents("A").is_empty());
    }

    #[test]
    fn escaping_is_injective() {
        let names = ["a%2Fb", "a/b", "a%b", "a%25b", "a\\b", "%", "", ".a", "%2Ea", "a.sbd", "a%2Esbd"];
        let mut seen = std::collections::HashSet::new();
        for n in names {
            assert!(seen.insert(safe_component(n, ArchiveFormat::Mbox)), "{n:?}");
        }
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "é".repeat(300);
        let c = safe_component(&long, ArchiveFormat::Mbox);
        assert!(c.len() <= MAX_COMPONENT && c.contains('~'));
        let long2 = format!("{}x", "é".repeat(300));
        assert_ne!(c, safe_component(&long2, ArchiveFormat::Mbox));
        let ctl = "\n".repeat(100);
        let c = safe_component(&ctl, ArchiveFormat::Mbox);
        assert!(c.len() <= MAX_COMPONENT);
        let cut = c.split('~').next().unwrap();
        assert!(cut.len().is_multiple_of(3), "no partial escape: {c}");
    }

    #[test]
    fn case_and_normalisation_twins_get_distinct_stable_paths() {
        let mut m = NameMap::default();
        let (a, _) = m.assign("Sent", ArchiveFormat::Mbox, None);
        let (b, _) = m.assign("sent", ArchiveFormat::Mbox, None);
        let (c, _) = m.assign("Caf\u{e9}", ArchiveFormat::Mbox, None);
        let (d, _) = m.assign("Cafe\u{301}", ArchiveFormat::Mbox, None);
        assert_eq!(a, "Sent");
        assert!(b.starts_with("sent~"));
        assert_eq!(c, "Caf\u{e9}");
        assert!(d.starts_with("Cafe\u{301}~"));
        assert_eq!(fold_key("Caf\u{e9}"), fold_key("cafe\u{301}"));
        // Stable: asking again gives the same paths, in any order.
        assert_eq!(m.assign("sent", ArchiveFormat::Mbox, None), (b, false));
        let (sub, _) = m.assign("SENT/x", ArchiveFormat::Mbox, None);
        assert!(sub.starts_with("SENT.sbd/x~"), "{sub}");
        let (inbox, _) = m.assign("INBOX", ArchiveFormat::Maildir, None);
        assert_eq!(inbox, "");
    }

    #[test]
    fn a_message_without_any_date_is_filed_as_undated_never_under_a_made_up_year() {
        assert_eq!(Year::of(Some(ts("2020-12-31T23:59:59Z"))), Year::Of(2020));
        assert_eq!(Year::of(Some(ts("2021-01-01T00:00:00Z"))), Year::Of(2021));
        assert_eq!(Year::of(None), Year::Undated);
        assert_eq!(folder_path("INBOX", ArchiveFormat::Mbox, Some(Year::Undated)), "INBOX.sbd/undated");
        assert_eq!(folder_path("INBOX", ArchiveFormat::Maildir, Some(Year::Undated)), ".INBOX.undated");
        assert_eq!(folder_path("Sent", ArchiveFormat::Maildir, Some(Year::Of(1970))), ".Sent.1970");
        // Its own key in the folder map, next to the years (whose keys are unchanged).
        let mut m = NameMap::default();
        let (undated, _) = m.assign("INBOX", ArchiveFormat::Mbox, Some(Year::Undated));
        let (y1970, _) = m.assign("INBOX", ArchiveFormat::Mbox, Some(Year::Of(1970)));
        assert_eq!((undated.as_str(), y1970.as_str()), ("INBOX.sbd/undated", "INBOX.sbd/1970"));
        assert!(m.paths.contains_key("Mbox\0INBOX\x001970") && m.paths.contains_key("Mbox\0INBOX\0undated"));
        // A server folder really named "INBOX/undated" does not share the undated file.
        let (real, _) = m.assign("INBOX/undated", ArchiveFormat::Mbox, None);
        assert!(real.starts_with("INBOX.sbd/undated~"), "{real}");
        // Undated messages are never old: no age criterion selects them.
        let c = Criteria { before: Some(ts("2024-01-01T00:00:00Z")), ..Criteria::default() };
        let mut m = cand("1", 10, "2000-01-01T00:00:00Z", SEEN);
        (m.received, m.sent) = (None, None);
        assert!(!c.selects(&m) && !Criteria { by_sent_date: true, ..c.clone() }.selects(&m));
        assert!(Criteria { larger_than: Some(5), ..Criteria::default() }.selects(&m), "a size criterion does");
    }

    #[test]
    fn journal_records_are_json_lines() {
        let r = Record::Deleted {
            account: "imap://a@h".into(),
            folder: "INBOX".into(),
            uidvalidity: 7,
            ids: vec!["3".into()],
        };
        let line = serde_json::to_string(&r).unwrap();
        assert!(line.starts_with("{\"t\":\"deleted\""), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), r);
        let b = Record::Begin { file: "INBOX".into(), offset: 5 };
        assert_eq!(serde_json::from_str::<Record>(&serde_json::to_string(&b).unwrap()).unwrap(), b);
    }
}
