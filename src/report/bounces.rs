//! Renders the `bounces` report as a table or JSON, into any `io::Write`.
//!
//! # JSON (schema_version 1)
//!
//! ```text
//! {
//!   "schema_version": 1, "command": "bounces", "generated_at": "2025-04-01T12:00:00Z",
//!   "source": "imaps://alice@mail.example.org", "account": "alice" | null,
//!   "status": "ok" | "warning",            // warning: a recipient's mailbox is full
//!   "since": "2025-03-02T12:00:00Z",        // bounces that arrived at or after this
//!   "folders": ["INBOX"],                   // --folder globs ([] = every folder)
//!   "bounces": [                            // one row per failed recipient, oldest first
//!     { "folder": "INBOX",
//!       "uid": 42 | null, "uidvalidity": 1700000000 | null,     // IMAP
//!       "file": "/path/cur/1700.M1:2,S" | "/path/mbox" | null,  // Maildir file or mbox
//!       "offset": 123456 | null,                                // mbox: the "From " line
//!       "date": "2025-03-03T08:14:02Z" | null,   // Date: header, else arrival
//!       "from": "Mail Delivery System <MAILER-DAEMON@mx.example>" | null,
//!       "subject": "Undelivered Mail Returned to Sender" | null,
//!       "size": 2571,                           // the bounce's size (CRLF), in bytes
//!       "standard": true,                       // RFC 3464 multipart/report
//!       "mta": "postfix" | "exim" | "qmail" | "exchange" | "gmail" | "sendmail" | "unknown",
//!       "complete": true,                       // false: malformed or cut-short report
//!       "recipient": "henri@olivier.example" | null,
//!       "recipient_domain": "olivier.example" | null,
//!       "class": "quota" | "too_large" | "unknown_user" | "unknown_host" | "temporary" | "other",
//!       "status": "5.2.2" | null,               // enhanced status code
//!       "action": "failed" | "delayed" | null,  // DSN Action (null for text reports)
//!       "diagnostic": "552 5.2.2 Mailbox full" | null,
//!       "original_subject": "Compte rendu" | null }
//!   ],
//!   "summary": {
//!     "messages": 5, "recipients": 6,
//!     "by_class": { "quota": 1, "too_large": 1, "unknown_user": 2, "unknown_host": 1,
//!                   "temporary": 1, "other": 0 },          // every class, 0 included
//!     "by_domain": [ { "domain": "olivier.example" | null, "count": 2 } ]  // most first
//!   },
//!   "advice": [ { "class": "quota", "count": 1, "advice": "..." } ],  // classes found
//!   "scan": { "candidates": 7 },            // messages whose report parts were read
//!   "notes": [ "..." ]
//! }
//! ```

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::Cell;
use serde::{Deserialize, Serialize};

use super::{Format, RenderOptions, plural, printable, rfc3339, table, write_json};
use crate::model::bounce::{Bounce, BouncesReport, Class, Failure, Mta};
use crate::model::mime::report::Locator;

/// The version of the `bounces` JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// Refuses formats `bounces` does not offer (usage error, exit 3), before any work.
pub fn check_format(format: Format) -> anyhow::Result<()> {
    match format {
        Format::Table | Format::Json => Ok(()),
        other => Err(crate::error::usage(format!(
            "--format {} is not available for bounces (use table or json)",
            other.name()
        ))),
    }
}

pub fn render(out: &mut dyn Write, report: &BouncesReport, format: Format, opts: &RenderOptions) -> io::Result<()> {
    match format {
        Format::Json => write_json(out, &document(report, opts)),
        _ => table(out, report, opts),
    }
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// The JSON document (also deserialisable, for scripts and tests written in Rust).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub schema_version: u32,
    pub command: String,
    pub generated_at: String,
    pub source: String,
    pub account: Option<String>,
    /// `ok` or `warning`.
    pub status: String,
    pub since: String,
    pub folders: Vec<String>,
    pub bounces: Vec<JsonBounce>,
    pub summary: JsonSummary,
    pub advice: Vec<JsonAdvice>,
    pub scan: JsonScan,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonBounce {
    pub folder: String,
    pub uid: Option<u32>,
    pub uidvalidity: Option<u64>,
    pub file: Option<String>,
    pub offset: Option<u64>,
    pub date: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
    pub standard: bool,
    pub mta: Mta,
    pub complete: bool,
    pub recipient: Option<String>,
    pub recipient_domain: Option<String>,
    pub class: Class,
    pub status: Option<String>,
    pub action: Option<String>,
    pub diagnostic: Option<String>,
    pub original_subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSummary {
    pub messages: u64,
    pub recipients: u64,
    /// Every class, in the guide's order.
    pub by_class: BTreeMap<Class, u64>,
    pub by_domain: Vec<JsonDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDomain {
    pub domain: Option<String>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonAdvice {
    pub class: Class,
    pub count: u64,
    pub advice: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonScan {
    pub candidates: u64,
}

fn json_bounce(b: &Bounce, f: &Failure) -> JsonBounce {
    let (mut uid, mut uidvalidity, mut file, mut offset) = (None, None, None, None);
    match &b.locator {
        Locator::Imap { uidvalidity: v, uid: u } => (uid, uidvalidity) = (Some(*u), *v),
        Locator::File { path } => file = Some(path.clone()),
        Locator::Mbox { path, offset: o } => (file, offset) = (Some(path.clone()), Some(*o)),
        Locator::Pop { .. } => {}
    }
    let m = &b.message;
    JsonBounce {
        folder: b.folder.clone(),
        uid,
        uidvalidity,
        file,
        offset,
        date: b.date().map(rfc3339),
        from: m.from.clone(),
        subject: m.subject.clone(),
        size: b.size,
        standard: m.standard,
        mta: m.mta,
        complete: m.complete,
        recipient: f.recipient.clone(),
        recipient_domain: f.domain().map(str::to_string),
        class: f.class,
        status: f.status.clone(),
        action: f.action.clone(),
        diagnostic: f.diagnostic.clone(),
        original_subject: m.original_subject.clone(),
    }
}

/// Builds the JSON document of a report.
pub fn document(r: &BouncesReport, opts: &RenderOptions) -> Document {
    let by_class = r.by_class();
    Document {
        schema_version: SCHEMA_VERSION,
        command: "bounces".into(),
        generated_at: rfc3339(opts.now),
        source: r.source.clone(),
        account: r.account.clone(),
        status: r.status().label().to_ascii_lowercase(),
        since: rfc3339(r.since),
        folders: r.folder_globs.clone(),
        bounces: r.failures().map(|(b, f)| json_bounce(b, f)).collect(),
        summary: JsonSummary {
            messages: r.bounces.len() as u64,
            recipients: r.failures().count() as u64,
            by_class: by_class.iter().copied().collect(),
            by_domain: r.by_domain().into_iter().map(|(domain, count)| JsonDomain { domain, count }).collect(),
        },
        advice: by_class
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|&(class, count)| JsonAdvice { class, count, advice: class.advice().to_string() })
            .collect(),
        scan: JsonScan { candidates: r.candidates },
        notes: r.notes.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------

fn table(out: &mut dyn Write, r: &BouncesReport, opts: &RenderOptions) -> io::Result<()> {
    let folders = if r.folder_globs.is_empty() { "every folder".to_string() } else { r.folder_globs.join(", ") };
    writeln!(out, "Bounces in {} ({folders}) since {}", r.source, super::day(Some(r.since)))?;
    if r.bounces.is_empty() {
        writeln!(out, "no delivery failure reports")?;
    } else {
        let mut t = table::new_table(opts);
        t.set_header(["Date", "Recipient", "Class", "Status", "Diagnostic", "Original subject"]);
        table::wrap_only(&mut t, &[1, 4, 5]);
        for (b, f) in r.failures() {
            let mut class = f.class.label().to_string();
            if !b.message.complete {
                class.push_str(" (?)");
            }
            t.add_row(vec![
                Cell::new(super::day(b.date())),
                Cell::new(printable(f.recipient.as_deref().unwrap_or("-"))),
                Cell::new(class),
                Cell::new(f.status.as_deref().unwrap_or("-")),
                Cell::new(printable(f.diagnostic.as_deref().unwrap_or("-"))),
                Cell::new(printable(b.message.original_subject.as_deref().unwrap_or("-"))),
            ]);
        }
        writeln!(out, "{t}")?;
        let by_class: Vec<String> =
            r.by_class().iter().filter(|(_, n)| *n > 0).map(|(c, n)| format!("{} {n}", c.label())).collect();
        let recipients = r.failures().count();
        writeln!(
            out,
            "{} in {}: {}",
            plural(recipients as u64, "failed recipient"),
            plural(r.bounces.len() as u64, "bounce"),
            by_class.join(", ")
        )?;
        let domains: Vec<String> = r
            .by_domain()
            .iter()
            .map(|(d, n)| format!("{} {n}", printable(d.as_deref().unwrap_or("(unknown)"))))
            .collect();
        writeln!(out, "by recipient domain: {}", domains.join(", "))?;
        if r.bounces.iter().any(|b| !b.message.complete) {
            writeln!(out, "(?): the report was malformed or cut short; its reading is a best effort")?;
        }
        writeln!(out, "what to do:")?;
        for (c, n) in r.by_class().iter().filter(|(_, n)| *n > 0) {
            writeln!(out, "  {} ({n}): {}", c.label(), c.advice())?;
        }
    }
    for note in &r.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thresholds;
    use crate::model::bounce::{BounceMessage, Scope};

    fn report() -> BouncesReport {
        let scope = Scope::new("2025-03-01T00:00:00Z".parse().unwrap(), &["INBOX".into()]).unwrap();
        let mut r = BouncesReport::new("imaps://alice@h".into(), &scope);
        let failure = |to: &str, class, status: &str| Failure {
            recipient: Some(to.into()),
            class,
            status: Some(status.into()),
            action: Some("failed".into()),
            diagnostic: Some(format!("550 {status} x")),
        };
        r.bounces.push(Bounce {
            folder: "INBOX".into(),
            locator: Locator::Imap { uidvalidity: Some(7), uid: 42 },
            arrival: Some("2025-03-03T08:14:05Z".parse().unwrap()),
            size: 2571,
            message: BounceMessage {
                date: Some("2025-03-03T08:14:02Z".parse().unwrap()),
                from: Some("MAILER-DAEMON@mx.example".into()),
                subject: Some("Undelivered Mail Returned to Sender".into()),
                standard: true,
                mta: Mta::Postfix,
                original_subject: Some("Réunion\u{1b}[31m".into()),
                failures: vec![
                    failure("henri@olivier.example", Class::Quota, "5.2.2"),
                    failure("b@chataigne.example", Class::UnknownUser, "5.1.1"),
                ],
                complete: false,
            },
        });
        r.candidates = 3;
        r
    }

    fn opts() -> RenderOptions {
        let mut o = RenderOptions::new(Thresholds::default());
        o.now = "2025-04-01T12:00:00Z".parse().unwrap();
        o
    }

    fn render_to_string(r: &BouncesReport, format: Format) -> String {
        let mut out = Vec::new();
        render(&mut out, r, format, &opts()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_has_every_field_and_round_trips() {
        let text = render_to_string(&report(), Format::Json);
        let doc: Document = serde_json::from_str(&text).unwrap();
        assert_eq!((doc.schema_version, doc.command.as_str(), doc.status.as_str()), (1, "bounces", "warning"));
        assert_eq!(doc.since, "2025-03-01T00:00:00Z");
        assert_eq!(doc.bounces.len(), 2);
        let b = &doc.bounces[0];
        assert_eq!(
            (b.uid, b.uidvalidity, b.class, b.status.as_deref()),
            (Some(42), Some(7), Class::Quota, Some("5.2.2"))
        );
        assert_eq!(b.recipient_domain.as_deref(), Some("olivier.example"));
        assert_eq!(b.date.as_deref(), Some("2025-03-03T08:14:02Z"));
        assert_eq!(doc.summary.by_class.len(), 6);
        assert_eq!(doc.summary.by_class[&Class::UnknownUser], 1);
        assert_eq!((doc.summary.messages, doc.summary.recipients), (1, 2));
        assert_eq!(doc.advice.iter().map(|a| a.class).collect::<Vec<_>>(), [Class::Quota, Class::UnknownUser]);
        assert_eq!(doc.scan.candidates, 3);
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(raw["bounces"][0]["class"], "quota");
        assert_eq!(raw["bounces"][0]["mta"], "postfix");
        assert!(raw["bounces"][0]["file"].is_null());
        assert_eq!(raw["summary"]["by_class"]["too_large"], 0);
    }

    #[test]
    fn table_rows_summary_and_advice() {
        let text = render_to_string(&report(), Format::Table);
        assert!(text.starts_with("Bounces in imaps://alice@h (INBOX) since 2025-03-01\n"), "{text}");
        assert!(text.contains("henri@olivier.example") && text.contains("mailbox full (?)"), "{text}");
        assert!(text.contains("2 failed recipients in 1 bounce: mailbox full 1, unknown user 1"), "{text}");
        assert!(text.contains("by recipient domain: chataigne.example 1, olivier.example 1"), "{text}");
        assert!(text.contains("tell them by another channel"), "{text}");
        assert!(text.contains("check its spelling"), "{text}");
        assert!(!text.contains('\u{1b}'), "terminal escapes are neutralised: {text}");
        let empty = BouncesReport { bounces: vec![], ..report() };
        let text = render_to_string(&empty, Format::Table);
        assert!(text.contains("no delivery failure reports"), "{text}");
    }

    #[test]
    fn monitoring_formats_are_refused() {
        assert!(check_format(Format::Nagios).is_err());
        assert!(check_format(Format::Prometheus).is_err());
        assert!(check_format(Format::Json).is_ok());
    }
}
