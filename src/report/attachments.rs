//! Renders the `attachments` report as a table, JSON or a Nagios status line, into any
//! `io::Write`.
//!
//! # JSON (schema_version 1)
//!
//! ```text
//! {
//!   "schema_version": 1, "command": "attachments", "generated_at": "2024-05-01T12:00:00Z",
//!   "source": "imaps://alice@mail.example.org", "account": "alice" | null,
//!   "status": "ok" | "warning" | "critical" | "unknown",  // share of quota held, vs thresholds
//!   "thresholds": { "warn_percent": 25.0, "crit_percent": 50.0 },
//!   "detail": "parts" | "messages",      // "messages": POP3 without --download-candidates
//!   "min_size": 5242880,                  // bytes, encoded size, inclusive
//!   "filters": { "folders": ["Archives/*"], "types": ["image/*"],
//!                "older_than": "2023-05-01T00:00:00Z" | null, "newer_than": ... | null },
//!   "sort": "size" | "date", "top": 20 | null,
//!   "attachments": [                      // one row per attachment, sorted, at most `top`
//!     { "folder": "INBOX",
//!       "uid": 42 | null, "uidvalidity": 1700000000 | null,     // IMAP
//!       "file": "/path/cur/1700.M1:2,S" | "/path/mbox" | null,  // Maildir file or mbox
//!       "offset": 123456 | null,                                // mbox: the "From " line
//!       "message_number": 3 | null, "uidl": "..." | null,      // POP3
//!       "date": "2024-01-02T10:00:00Z" | null,  // Date: header, else arrival
//!       "from": "José <j@example.org>" | null, "subject": "..." | null,
//!       "message_size": 8500049,              // RFC822.SIZE (CRLF): what moving frees
//!       "message_complete": true,              // false: malformed MIME, best effort
//!       "part": "2.1",                         // IMAP part specifier, on every source
//!       "filename": "été.pdf" | null,          // RFC 2231 / RFC 2047 decoded
//!       "mime_type": "application/pdf",
//!       "disposition": "attachment" | "inline",
//!       "content_id": "<img1@x>" | null,
//!       "encoding": "base64",
//!       "size": 8123456,                       // encoded, CRLF: what the server stores
//!       "decoded_size_estimate": 6000000,      // an estimate, never measured
//!       "forwarded": false }                   // inside a message/rfc822
//!   ],
//!   "messages": [                         // the messages holding them, same order rules
//!     { "folder", "uid", "uidvalidity", "file", "offset", "message_number", "uidl",
//!       "date", "from", "subject", "size": 8500049, "complete": true, "attachments": 2 } ],
//!   "totals": { "messages": 3, "attachments": 4, "attachment_bytes": 20000000,
//!               "message_bytes": 20100000, "quota_limit": 1048576000 | null,
//!               "attachment_share_of_quota": 1.9 | null, "freed_share_of_quota": 1.9 | null },
//!   "scan": { "candidates": 5, "not_fully_parsed": 1 },
//!   "quota": { "state": "reported", "roots": [...] } | { "state": "not_reported", "reason": "..." },
//!   "archive_command": "mailsweep archive imaps://... --with-attachments-over 5MiB --to DIR",
//!   "notes": [ "..." ]
//! }
//! ```
//!
//! Totals count every finding; `top` only shortens the lists.

use std::io::{self, Write};

use comfy_table::{Cell, Table};
use serde::{Deserialize, Serialize};

use super::table::{self, right};
use super::{Format, RenderOptions, percent, plural, rfc3339, threshold, write_json};
use crate::model::mime::Attachment;
use crate::model::mime::report::{AttachmentSort, AttachmentsReport, Detail, Filter, Locator, MessageFinding, Totals};
use crate::model::size::human;

/// The version of the `attachments` JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// What the renderers need beside the report.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub report: &'a AttachmentsReport,
    pub filter: &'a Filter,
    pub sort: AttachmentSort,
    pub top: Option<usize>,
    /// Over every finding, also those the report did not keep (see
    /// `model::mime::report::Collector`).
    pub totals: Totals,
    /// `mailsweep archive ...`, see `model::mime::report::archive_command`.
    pub archive_command: String,
}

/// Refuses formats `attachments` does not offer (usage error, exit 3), before any work.
pub fn check_format(format: Format) -> anyhow::Result<()> {
    match format {
        Format::Table | Format::Json | Format::Nagios => Ok(()),
        Format::Prometheus => {
            Err(crate::error::usage("--format prometheus is not available for attachments (use table, json or nagios)"))
        }
    }
}

pub fn render(out: &mut dyn Write, view: &View<'_>, format: Format, opts: &RenderOptions) -> io::Result<()> {
    match format {
        Format::Json => write_json(out, &lazy_document(view, opts)),
        Format::Nagios => nagios(out, view, opts),
        _ => table(out, view, opts),
    }
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// The JSON document (also deserialisable, for scripts and tests written in Rust).
///
/// `A` and `M` are the two lists: vectors when read back, [`Each`] when rendered, so that
/// the rows are converted one at a time as they are written rather than all at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document<A = Vec<JsonAttachment>, M = Vec<JsonMessage>> {
    pub schema_version: u32,
    pub command: String,
    pub generated_at: String,
    pub source: String,
    pub account: Option<String>,
    /// `ok`, `warning`, `critical` or `unknown`.
    pub status: String,
    pub thresholds: JsonThresholds,
    pub detail: Detail,
    pub min_size: u64,
    pub filters: JsonFilters,
    pub sort: String,
    pub top: Option<usize>,
    pub attachments: A,
    pub messages: M,
    pub totals: Totals,
    pub scan: JsonScan,
    pub quota: serde_json::Value,
    pub archive_command: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonThresholds {
    pub warn_percent: f64,
    pub crit_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonFilters {
    pub folders: Vec<String>,
    pub types: Vec<String>,
    pub older_than: Option<String>,
    pub newer_than: Option<String>,
}

/// Where a message is: the fields that apply to its source are set, the others null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonPlace {
    pub folder: String,
    pub uid: Option<u32>,
    pub uidvalidity: Option<u64>,
    pub file: Option<String>,
    pub offset: Option<u64>,
    pub message_number: Option<u32>,
    pub uidl: Option<String>,
    pub date: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonAttachment {
    #[serde(flatten)]
    pub place: JsonPlace,
    pub message_size: u64,
    pub message_complete: bool,
    pub part: String,
    pub filename: Option<String>,
    pub mime_type: String,
    pub disposition: crate::model::mime::Disposition,
    pub content_id: Option<String>,
    pub encoding: String,
    pub size: u64,
    pub decoded_size_estimate: u64,
    pub forwarded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonMessage {
    #[serde(flatten)]
    pub place: JsonPlace,
    pub size: u64,
    pub complete: bool,
    pub attachments: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonScan {
    pub candidates: u64,
    pub not_fully_parsed: u64,
}

fn place(m: &MessageFinding) -> JsonPlace {
    let mut p = JsonPlace {
        folder: m.folder.clone(),
        date: m.date.map(rfc3339),
        from: m.from.clone(),
        subject: m.subject.clone(),
        ..JsonPlace::default()
    };
    match &m.locator {
        Locator::Imap { uidvalidity, uid } => (p.uid, p.uidvalidity) = (Some(*uid), *uidvalidity),
        Locator::File { path } => p.file = Some(path.clone()),
        Locator::Mbox { path, offset } => (p.file, p.offset) = (Some(path.clone()), Some(*offset)),
        Locator::Pop { number, uidl } => (p.message_number, p.uidl) = (Some(*number), uidl.clone()),
    }
    p
}

fn json_attachment(m: &MessageFinding, a: &Attachment) -> JsonAttachment {
    JsonAttachment {
        place: place(m),
        message_size: m.size,
        message_complete: m.complete,
        part: a.part.clone(),
        filename: a.filename.clone(),
        mime_type: a.mime_type.clone(),
        disposition: a.disposition,
        content_id: a.content_id.clone(),
        encoding: a.encoding.clone(),
        size: a.size,
        decoded_size_estimate: a.decoded_size_estimate,
        forwarded: a.forwarded,
    }
}

/// A JSON array written from an iterator made on demand (the same text as a `Vec`).
pub struct Each<F>(F);

impl<F, I> Serialize for Each<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// Builds the JSON document of a view.
pub fn document(view: &View<'_>, opts: &RenderOptions) -> Document {
    let d = lazy_document(view, opts);
    let (attachments, messages) = (d.attachments.0().collect(), d.messages.0().collect());
    d.with_lists(attachments, messages)
}

fn json_message(m: &MessageFinding) -> JsonMessage {
    JsonMessage { place: place(m), size: m.size, complete: m.complete, attachments: m.attachments.len() }
}

impl<A, M> Document<A, M> {
    /// The same document with other lists.
    fn with_lists<B, N>(self, attachments: B, messages: N) -> Document<B, N> {
        Document {
            schema_version: self.schema_version,
            command: self.command,
            generated_at: self.generated_at,
            source: self.source,
            account: self.account,
            status: self.status,
            thresholds: self.thresholds,
            detail: self.detail,
            min_size: self.min_size,
            filters: self.filters,
            sort: self.sort,
            top: self.top,
            attachments,
            messages,
            totals: self.totals,
            scan: self.scan,
            quota: self.quota,
            archive_command: self.archive_command,
            notes: self.notes,
        }
    }
}

type Lazy<'v, T> = Each<Box<dyn Fn() -> Box<dyn Iterator<Item = T> + 'v> + 'v>>;

/// The JSON document of a view, its lists converted as they are written.
fn lazy_document<'v>(
    view: &'v View<'v>,
    opts: &RenderOptions,
) -> Document<Lazy<'v, JsonAttachment>, Lazy<'v, JsonMessage>> {
    let r = view.report;
    let t = view.totals;
    Document {
        schema_version: SCHEMA_VERSION,
        command: "attachments".into(),
        generated_at: rfc3339(opts.now),
        source: r.source.clone(),
        account: r.account.clone(),
        status: t.status(&opts.thresholds).label().to_ascii_lowercase(),
        thresholds: JsonThresholds { warn_percent: opts.thresholds.warn, crit_percent: opts.thresholds.crit },
        detail: r.detail,
        min_size: view.filter.min_size,
        filters: JsonFilters {
            folders: view.filter.folder_globs.clone(),
            types: view.filter.type_globs.clone(),
            older_than: view.filter.older_than.map(rfc3339),
            newer_than: view.filter.newer_than.map(rfc3339),
        },
        sort: match view.sort {
            AttachmentSort::Size => "size",
            AttachmentSort::Date => "date",
        }
        .into(),
        top: view.top,
        attachments: Each(Box::new(move || {
            Box::new(r.rows(view.sort, view.top).into_iter().map(|(m, a)| json_attachment(m, a)))
        })),
        messages: Each(Box::new(move || {
            Box::new(r.sorted_messages(view.sort, view.top).into_iter().map(json_message))
        })),
        totals: t,
        scan: JsonScan { candidates: r.candidates, not_fully_parsed: r.not_fully_parsed },
        quota: serde_json::to_value(&r.quota).unwrap_or(serde_json::Value::Null),
        archive_command: view.archive_command.clone(),
        notes: r.notes.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------

/// A table with `header`, only the `wrappable` columns allowed to wrap.
fn new_table(opts: &RenderOptions, header: &[&str], wrappable: &[usize]) -> Table {
    let mut t = table::new_table(opts);
    t.set_header(header.iter().map(Cell::new));
    table::wrap_only(&mut t, wrappable);
    t
}

/// Where a message is, briefly: `uid 42`, a Maildir file name, `offset 1234`, `#3`.
fn where_short(m: &MessageFinding) -> String {
    match &m.locator {
        Locator::Imap { uid, .. } => format!("uid {uid}"),
        Locator::File { path } => path.rsplit('/').next().unwrap_or(path).to_string(),
        Locator::Mbox { offset, .. } => format!("offset {offset}"),
        Locator::Pop { number, .. } => format!("#{number}"),
    }
}

fn dash(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_string()
}

fn table(out: &mut dyn Write, view: &View<'_>, opts: &RenderOptions) -> io::Result<()> {
    let r = view.report;
    let t = view.totals;
    let min = human(view.filter.min_size);
    match r.detail {
        Detail::Parts => {
            writeln!(out, "Attachments of {min} or more in {} (sizes as stored on the server, encoded)", r.source)?;
            let rows = r.rows(view.sort, view.top);
            if !rows.is_empty() {
                let mut table = new_table(
                    opts,
                    &["Size", "≈Decoded", "Name", "Type", "Part", "Date", "Folder", "Message", "From", "Subject"],
                    &[2, 3, 6, 8, 9],
                );
                for (m, a) in rows {
                    let mut name = a.filename.clone().unwrap_or_else(|| "(no name)".into());
                    if a.disposition == crate::model::mime::Disposition::Inline {
                        name.push_str(" [inline]");
                    }
                    if a.forwarded {
                        name.push_str(" [forwarded]");
                    }
                    table.add_row(vec![
                        right(human(a.size)),
                        right(human(a.decoded_size_estimate)),
                        Cell::new(super::printable(&name)),
                        Cell::new(&a.mime_type),
                        Cell::new(&a.part),
                        Cell::new(super::day(m.date)),
                        Cell::new(super::printable(&m.folder)),
                        Cell::new(super::printable(&where_short(m))),
                        Cell::new(super::printable(&dash(m.from.as_deref()))),
                        Cell::new(super::printable(&dash(m.subject.as_deref()))),
                    ]);
                }
                writeln!(out, "{table}")?;
            }
            let shown = view.top.filter(|&n| (n as u64) < t.attachments);
            if let Some(n) = shown {
                writeln!(out, "showing the {n} first of {} attachments (--top)", t.attachments)?;
            }
            writeln!(
                out,
                "{} in {}: {}{}",
                plural(t.attachments, "attachment"),
                plural(t.messages, "message"),
                human(t.attachment_bytes),
                share(t.attachment_share_of_quota, t.quota_limit)
            )?;
        }
        Detail::Messages => {
            writeln!(
                out,
                "Messages of {min} or more in {} (attachment detail needs IMAP or --download-candidates)",
                r.source
            )?;
            let msgs = r.sorted_messages(view.sort, view.top);
            if !msgs.is_empty() {
                let mut table = new_table(opts, &["Size", "Date", "Message", "From", "Subject"], &[3, 4]);
                for m in msgs {
                    table.add_row(vec![
                        right(human(m.size)),
                        Cell::new(super::day(m.date)),
                        Cell::new(super::printable(&where_short(m))),
                        Cell::new(super::printable(&dash(m.from.as_deref()))),
                        Cell::new(super::printable(&dash(m.subject.as_deref()))),
                    ]);
                }
                writeln!(out, "{table}")?;
            }
            writeln!(out, "{}: {}", plural(t.messages, "message"), human(t.message_bytes))?;
        }
    }
    if t.messages > 0 {
        writeln!(
            out,
            "moving {} to local folders would free {}{}",
            if t.messages == 1 { "this message" } else { "these messages" },
            human(t.message_bytes),
            share(t.freed_share_of_quota, t.quota_limit)
        )?;
    }
    if r.not_fully_parsed > 0 {
        writeln!(
            out,
            "{} could not be fully parsed (malformed MIME): their findings are a best effort",
            plural(r.not_fully_parsed, "message")
        )?;
    }
    if r.detail == Detail::Parts && t.attachments > 0 {
        writeln!(out, "decoded sizes are estimates from the encoded size and transfer encoding")?;
    }
    for note in &r.notes {
        writeln!(out, "note: {note}")?;
    }
    if t.messages > 0 {
        writeln!(out, "to archive them in local folders:\n  {}", view.archive_command)?;
    }
    Ok(())
}

fn share(p: Option<f64>, limit: Option<u64>) -> String {
    match (p, limit) {
        (Some(p), Some(l)) => format!(" ({} of the {} quota)", percent(p), human(l)),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Nagios
// ---------------------------------------------------------------------------------------

/// `MAILSWEEP ATTACHMENTS WARNING - 31.2% of the quota held by 4 attachments of 5 MiB or
/// more in 3 messages (19.5 MiB) | attachments=...B;warn;crit;0;limit ...`
fn nagios(out: &mut dyn Write, view: &View<'_>, opts: &RenderOptions) -> io::Result<()> {
    let r = view.report;
    let t = view.totals;
    let th = &opts.thresholds;
    let status = t.status(th);
    let what = match r.detail {
        Detail::Parts => format!("{} of {} or more", plural(t.attachments, "attachment"), human(view.filter.min_size)),
        Detail::Messages => format!("messages of {} or more", human(view.filter.min_size)),
    };
    let bytes = if r.detail == Detail::Parts { t.attachment_bytes } else { t.message_bytes };
    let text = match t.attachment_share_of_quota {
        Some(p) => format!(
            "{} of the quota held by {what} in {} ({}; warn {}, crit {})",
            percent(p),
            plural(t.messages, "message"),
            human(bytes),
            threshold(th.warn),
            threshold(th.crit)
        ),
        None => format!("{what} in {} ({}), no quota to compare with", plural(t.messages, "message"), human(bytes)),
    };
    let mut perf = match t.quota_limit {
        Some(l) => {
            let at = |p: f64| (p / 100.0 * l as f64).round() as u64;
            format!("attachments={bytes}B;{};{};0;{l}", at(th.warn), at(th.crit))
        }
        None => format!("attachments={bytes}B;;;0"),
    };
    perf.push_str(&format!(
        " attachment_count={};;;0 messages={};;;0 freeable={}B;;;0",
        t.attachments, t.messages, t.message_bytes
    ));
    writeln!(out, "MAILSWEEP ATTACHMENTS {} - {text} | {perf}", status.label())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mime::report::Detail;
    use crate::model::mime::{Part, attachments};
    use crate::model::{QuotaInfo, QuotaResource, QuotaRoot, Thresholds};

    fn report(detail: Detail, quota: Option<u64>) -> AttachmentsReport {
        let mut pdf = Part::leaf("application/pdf", "base64", 6_000_000);
        pdf.params.push(crate::model::mime::Param::new("name", "été.pdf"));
        let root = Part {
            mime_type: "multipart/mixed".into(),
            body: crate::model::mime::Body::Multipart(vec![Part::leaf("text/plain", "7bit", 10), pdf]),
            ..Part::default()
        };
        AttachmentsReport {
            source: "imaps://alice@h".into(),
            account: None,
            detail,
            messages: vec![MessageFinding {
                folder: "INBOX".into(),
                locator: Locator::Imap { uidvalidity: Some(7), uid: 42 },
                date: Some("2024-01-02T10:00:00Z".parse().unwrap()),
                from: Some("José <j@x>".into()),
                subject: Some("Report".into()),
                size: 6_100_000,
                attachments: if detail == Detail::Parts { attachments(&root, 5_000_000) } else { vec![] },
                complete: true,
            }],
            candidates: 2,
            not_fully_parsed: 1,
            quota: match quota {
                Some(limit) => QuotaInfo::Reported {
                    roots: vec![QuotaRoot {
                        name: "User quota".into(),
                        resources: vec![QuotaResource { name: "STORAGE".into(), usage: 1, limit }],
                    }],
                },
                None => QuotaInfo::NotReported { reason: "x".into() },
            },
            notes: vec!["a note".into()],
        }
    }

    fn opts() -> RenderOptions {
        let mut o = RenderOptions::new(Thresholds::new(25.0, 50.0).unwrap());
        o.now = "2024-05-01T12:00:00Z".parse().unwrap();
        o
    }

    fn render_to_string(r: &AttachmentsReport, format: Format) -> String {
        let filter = Filter::new(5_000_000, &["INBOX".into()], &[], None, None).unwrap();
        let view = View {
            report: r,
            filter: &filter,
            sort: AttachmentSort::Size,
            top: None,
            totals: r.totals(),
            archive_command: "mailsweep archive X".into(),
        };
        let mut out = Vec::new();
        render(&mut out, &view, format, &opts()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_round_trips_with_every_field() {
        let text = render_to_string(&report(Detail::Parts, Some(20_000_000)), Format::Json);
        let doc: Document = serde_json::from_str(&text).unwrap();
        assert_eq!((doc.schema_version, doc.command.as_str()), (1, "attachments"));
        assert_eq!(doc.status, "warning");
        assert_eq!(doc.attachments.len(), 1);
        let a = &doc.attachments[0];
        assert_eq!((a.place.uid, a.place.uidvalidity, a.place.file.as_deref()), (Some(42), Some(7), None));
        assert_eq!((a.part.as_str(), a.filename.as_deref(), a.size), ("2", Some("été.pdf"), 6_000_000));
        assert_eq!(a.place.date.as_deref(), Some("2024-01-02T10:00:00Z"));
        assert_eq!(doc.totals.attachment_share_of_quota, Some(30.0));
        assert_eq!(doc.scan, JsonScan { candidates: 2, not_fully_parsed: 1 });
        assert_eq!(doc.filters.folders, ["INBOX"]);
        assert_eq!(doc.messages[0].attachments, 1);
        // The raw document has every key, null when absent (scripts can rely on them).
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(raw["attachments"][0]["offset"].is_null());
        assert!(raw["attachments"][0].get("message_number").is_some());
        assert_eq!(raw["detail"], "parts");
        assert_eq!(raw["attachments"][0]["disposition"], "attachment");
    }

    #[test]
    fn table_shows_rows_totals_and_the_archive_line() {
        let text = render_to_string(&report(Detail::Parts, Some(20_000_000)), Format::Table);
        assert!(text.contains("été.pdf"), "{text}");
        assert!(text.contains("uid 42"));
        assert!(text.contains("1 attachment in 1 message: 5.7 MiB (30.0% of the 19.1 MiB quota)"), "{text}");
        assert!(text.contains("1 message could not be fully parsed"));
        assert!(text.contains("decoded sizes are estimates"));
        assert!(text.ends_with("to archive them in local folders:\n  mailsweep archive X\n"), "{text}");
        let text = render_to_string(&report(Detail::Messages, None), Format::Table);
        assert!(text.contains("attachment detail needs IMAP or --download-candidates"), "{text}");
        assert!(text.contains("1 message: 5.8 MiB"), "{text}");
    }

    #[test]
    fn nagios_compares_the_share_of_quota() {
        let text = render_to_string(&report(Detail::Parts, Some(20_000_000)), Format::Nagios);
        assert!(
            text.starts_with(
                "MAILSWEEP ATTACHMENTS WARNING - 30.0% of the quota held by 1 attachment of 4.8 MiB or more"
            ),
            "{text}"
        );
        assert!(text.contains("| attachments=6000000B;5000000;10000000;0;20000000 attachment_count=1;;;0"), "{text}");
        let text = render_to_string(&report(Detail::Parts, None), Format::Nagios);
        assert!(text.starts_with("MAILSWEEP ATTACHMENTS UNKNOWN - "), "{text}");
        assert!(text.contains("no quota to compare with"));
    }

    #[test]
    fn prometheus_is_refused() {
        assert!(check_format(Format::Prometheus).is_err());
        assert!(check_format(Format::Nagios).is_ok());
    }
}
