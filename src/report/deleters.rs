//! Renders `deleters` results: per user, the verdicts with evidence and advice, then a
//! per-address table; or one JSON document.
//!
//! # JSON (`--format json`), schema_version 1
//! ```text
//! {
//!   "schema_version": 1,
//!   "command": "deleters logs",
//!   "generated_at": "2026-11-22T10:00:00Z",          // RFC 3339 UTC
//!   "status": "ok" | "warning",                       // warning: a POP client deletes mail (exit 1)
//!   "filters": { "users": ["alice"], "since": RFC 3339 | null, "until": RFC 3339 | null },
//!   "inputs": [ { "path": "/var/log/mail.log.2.gz", "gzip": true, "lines": 123, "relevant_lines": 100,
//!                 "unparsable_lines": 0, "first_seen": RFC 3339 | null, "last_seen": RFC 3339 | null } ],
//!   "users": [ {
//!     "user": "alice",
//!     "status": "ok" | "warning",
//!     "verdicts": [ {
//!       "kind": "several_pop_clients" | "pop_deletes_on_download" | "pop_leaves_on_server"
//!             | "frequent_polling" | "imap_permanent_delete" | "deleted_to_trash" | "imap_filing"
//!             | "server_expiry" | "nothing_wrong",
//!       "status": "ok" | "warning",
//!       "confidence": "low" | "medium" | "high",
//!       "addresses": ["192.0.2.10"],
//!       "days": 14 | null,                          // pop_leaves_on_server: estimated days kept
//!       "evidence": ["..."],                        // counts, ages, timing in words
//!       "advice": [ { "rule": "My messages disappear (guides 000, 002, 004)", "text": "..." } ]
//!     } ],
//!     "clients": [ {
//!       "address": "192.0.2.10" | "unknown",        // remote IP (rip=); unknown: login not in the logs
//!       "protocol": "pop3" | "imap",
//!       "sessions": 12, "closed_sessions": 12,
//!       "first_seen": RFC 3339 | null, "last_seen": RFC 3339 | null,
//!       "median_interval_seconds": 600 | null,      // between session starts, >= 3 sessions
//!       "retrieved": 10, "retrieved_bytes": 40960, "top": 0,
//!       "deleted": 9,                               // POP DELE, as logged (never assumed = retrieved)
//!       "retrieving_sessions": 5, "deleting_sessions": 5, "keeping_sessions": 0,
//!       "deletion_lag_seconds": 0 | null,           // median download -> deletion delay (POP)
//!       "kept_days_estimate": 14.2 | null,
//!       "imap": { "flagged_deleted": 0, "expunged": 0, "trashed": 0, "filed": 0,
//!                 "expunged_in_trash": 0, "permanently_deleted": 0, "folders": [] },
//!       "tls_sessions": 12, "trusted_sessions": 0, "plaintext_sessions": 0,
//!       "master_users": [],
//!       "flags": ["deleting_pop_client", "several_addresses_deleting", "frequent_polling",
//!                 "leave_on_server", "permanent_deletes", "plaintext"]
//!     } ],
//!     "server_expunges": { "messages": 0, "by": [], "folders": [] }
//!   } ],
//!   "joins": { "unmatched": 0, "ambiguous": 0, "unclosed": 0 },
//!   "notes": ["..."]
//! }
//! ```
//! Additive changes only; a breaking change bumps [`DELETERS_SCHEMA_VERSION`].

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};
use jiff::Timestamp;
use serde::Serialize;

use super::{RenderOptions, printable, rfc3339, write_json};
use crate::logs::join::JoinStats;
use crate::logs::{Analysis, InputStats, Joined};
use crate::model::Status;
use crate::model::size::human;
use crate::model::verdict::{
    BoxReport, ClientFlag, ClientSummary, ServerExpunges, Verdict, VerdictKind, human_duration,
};

/// Above this many boxes, the table leaves out the details of boxes where nothing is wrong.
const QUIET_DETAIL_LIMIT: usize = 20;

/// The version of the `deleters` JSON document.
pub const DELETERS_SCHEMA_VERSION: u32 = 1;

/// The filters a run applied, for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeletersFilters {
    pub users: Vec<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// What the renderers read: the inputs, the join counts and the boxes, which a source may
/// build one at a time (a big log's boxes need not all be in memory at once).
pub trait DeletersSource {
    fn inputs(&self) -> &[InputStats];
    fn joins(&self) -> &JoinStats;
    fn box_count(&self) -> usize;
    /// Calls `f` on each box, by user name.
    fn each_box(&self, f: &mut dyn FnMut(&BoxReport) -> io::Result<()>) -> io::Result<()>;
}

impl DeletersSource for Analysis {
    fn inputs(&self) -> &[InputStats] {
        &self.inputs
    }
    fn joins(&self) -> &JoinStats {
        &self.stats
    }
    fn box_count(&self) -> usize {
        self.boxes.len()
    }
    fn each_box(&self, f: &mut dyn FnMut(&BoxReport) -> io::Result<()>) -> io::Result<()> {
        self.boxes.iter().try_for_each(f)
    }
}

impl DeletersSource for Joined {
    fn inputs(&self) -> &[InputStats] {
        &self.inputs
    }
    fn joins(&self) -> &JoinStats {
        &self.stats
    }
    fn box_count(&self) -> usize {
        self.len()
    }
    fn each_box(&self, f: &mut dyn FnMut(&BoxReport) -> io::Result<()>) -> io::Result<()> {
        Joined::each_box(self, f)
    }
}

/// The status of a run: WARNING when any box has a deleting POP client.
pub fn deleters_status(a: &dyn DeletersSource) -> Status {
    overview(a).status
}

/// What the top of a report needs before the boxes: the status and the quiet boxes.
struct Overview {
    status: Status,
    quiet: usize,
}

fn quiet(b: &BoxReport) -> bool {
    b.verdicts.iter().all(|v| v.kind == VerdictKind::NothingWrong)
}

fn overview(a: &dyn DeletersSource) -> Overview {
    let mut o = Overview { status: Status::Ok, quiet: 0 };
    let _ = a.each_box(&mut |b| {
        o.status = o.status.worst(b.status());
        o.quiet += usize::from(quiet(b));
        Ok(())
    });
    o
}

/// Notes about the reading itself: unparsable lines, joins that could not be made.
pub fn deleters_notes(a: &dyn DeletersSource) -> Vec<String> {
    deleters_notes_of(a.inputs(), a.joins())
}

fn deleters_notes_of(inputs: &[InputStats], stats: &JoinStats) -> Vec<String> {
    let mut notes = Vec::new();
    let unparsable: u64 = inputs.iter().map(|i| i.unparsable).sum();
    if unparsable > 0 {
        notes.push(format!("{unparsable} Dovecot line(s) could not be parsed (truncated or garbled) and were skipped"));
    }
    if inputs.iter().all(|i| i.relevant == 0) {
        notes.push(
            "no Dovecot POP/IMAP lines found: is this the log Dovecot writes to (log_path, or syslog's mail.log)?"
                .into(),
        );
    }
    if stats.unmatched > 0 {
        notes.push(format!(
            "{} session(s) had no login line in these logs (address \"unknown\"): add the previous log file",
            stats.unmatched
        ));
    }
    if stats.ambiguous > 0 {
        notes.push(format!(
            "{} logout(s) joined by user name only (Dovecot 2.2 logs have no session ids) while logins from \
             several addresses were open: their address may be wrong",
            stats.ambiguous
        ));
    }
    if stats.unclosed > 0 {
        notes.push(format!("{} session(s) still open at the end of the logs (no counters)", stats.unclosed));
    }
    notes
}

/// Renders a report; with a [`Joined`] source the boxes are built twice (once for the
/// status at the top) and never all held at once.
pub fn render(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    filters: &DeletersFilters,
    json: bool,
    opts: &RenderOptions,
) -> io::Result<()> {
    render_with_status(out, a, filters, json, opts).map(drop)
}

/// [`render`], returning the run's status ([`deleters_status`]) without building the boxes again.
pub fn render_with_status(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    filters: &DeletersFilters,
    json: bool,
    opts: &RenderOptions,
) -> io::Result<Status> {
    let o = overview(a);
    if json { render_json(out, a, &o, filters, opts) } else { render_table(out, a, &o, opts) }?;
    Ok(o.status)
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    command: &'static str,
    generated_at: String,
    status: Status,
    filters: FiltersDoc<'a>,
    inputs: Vec<InputDoc>,
    users: UsersDoc<'a>,
    joins: &'a JoinStats,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct FiltersDoc<'a> {
    users: &'a [String],
    since: Option<String>,
    until: Option<String>,
}

#[derive(Serialize)]
struct InputDoc {
    path: String,
    gzip: bool,
    lines: u64,
    relevant_lines: u64,
    unparsable_lines: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
}

#[derive(Serialize)]
struct UserDoc<'a> {
    user: &'a str,
    status: Status,
    verdicts: &'a [Verdict],
    clients: Vec<ClientDoc<'a>>,
    server_expunges: &'a ServerExpunges,
}

#[derive(Serialize)]
struct ClientDoc<'a> {
    address: &'a str,
    protocol: &'static str,
    sessions: u64,
    closed_sessions: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    median_interval_seconds: Option<u64>,
    retrieved: u64,
    retrieved_bytes: u64,
    top: u64,
    deleted: u64,
    retrieving_sessions: u64,
    deleting_sessions: u64,
    keeping_sessions: u64,
    deletion_lag_seconds: Option<u64>,
    kept_days_estimate: Option<f64>,
    imap: ImapDoc<'a>,
    tls_sessions: u64,
    trusted_sessions: u64,
    plaintext_sessions: u64,
    master_users: &'a [String],
    flags: Vec<ClientFlag>,
}

#[derive(Serialize)]
struct ImapDoc<'a> {
    flagged_deleted: u64,
    expunged: u64,
    trashed: u64,
    filed: u64,
    expunged_in_trash: u64,
    permanently_deleted: u64,
    folders: &'a [String],
}

fn input_doc(i: &InputStats) -> InputDoc {
    InputDoc {
        path: i.path.display().to_string(),
        gzip: i.gzip,
        lines: i.lines,
        relevant_lines: i.relevant,
        unparsable_lines: i.unparsable,
        first_seen: i.first.map(rfc3339),
        last_seen: i.last.map(rfc3339),
    }
}

fn client_doc<'a>(b: &BoxReport, c: &'a ClientSummary) -> ClientDoc<'a> {
    let t = &c.totals;
    ClientDoc {
        address: &c.address,
        protocol: c.access.name(),
        sessions: t.sessions,
        closed_sessions: t.closed_sessions,
        first_seen: c.first_seen.map(rfc3339),
        last_seen: c.last_seen.map(rfc3339),
        median_interval_seconds: c.median_interval_secs,
        retrieved: t.retrieved,
        retrieved_bytes: t.retrieved_bytes,
        top: t.top,
        deleted: t.deleted,
        retrieving_sessions: t.retrieving_sessions,
        deleting_sessions: t.deleting_sessions,
        keeping_sessions: t.keeping_sessions,
        deletion_lag_seconds: c.deletion_lag_secs,
        kept_days_estimate: c.kept_days_estimate.map(|d| (d * 10.0).round() / 10.0),
        imap: ImapDoc {
            flagged_deleted: t.flagged_deleted,
            expunged: t.expunged,
            trashed: t.trashed,
            filed: t.filed,
            expunged_in_trash: t.expunged_in_trash,
            permanently_deleted: t.permanently_deleted,
            folders: &c.folders,
        },
        tls_sessions: t.tls_sessions,
        trusted_sessions: t.trusted_sessions,
        plaintext_sessions: t.plaintext_sessions,
        master_users: &c.master_users,
        flags: b.flags(c),
    }
}

/// The users, serialized as the source builds their boxes.
struct UsersDoc<'a>(&'a dyn DeletersSource);

impl Serialize for UsersDoc<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        let mut failed = None;
        let _ = self.0.each_box(&mut |b| {
            let doc = UserDoc {
                user: &b.user,
                status: b.status(),
                verdicts: &b.verdicts,
                clients: b.clients.iter().map(|c| client_doc(b, c)).collect(),
                server_expunges: &b.server,
            };
            seq.serialize_element(&doc).map_err(|e| {
                failed = Some(e);
                io::Error::other("stop")
            })
        });
        match failed {
            Some(e) => Err(e),
            None => seq.end(),
        }
    }
}

fn render_json(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    o: &Overview,
    f: &DeletersFilters,
    opts: &RenderOptions,
) -> io::Result<()> {
    let doc = Doc {
        schema_version: DELETERS_SCHEMA_VERSION,
        command: "deleters logs",
        generated_at: rfc3339(opts.now),
        status: o.status,
        filters: FiltersDoc { users: &f.users, since: f.since.map(rfc3339), until: f.until.map(rfc3339) },
        inputs: a.inputs().iter().map(input_doc).collect(),
        users: UsersDoc(a),
        joins: a.joins(),
        notes: deleters_notes(a),
    };
    write_json(out, &doc)
}

fn paint(text: &str, color: Color, opts: &RenderOptions) -> String {
    if !opts.color {
        return text.to_string();
    }
    let code = match color {
        Color::Red => "31",
        Color::Yellow => "33",
        Color::Green => "32",
        _ => "0",
    };
    format!("\x1b[1;{code}m{text}\x1b[0m")
}

fn status_word(s: Status, opts: &RenderOptions) -> String {
    let color = match s {
        Status::Ok => Color::Green,
        Status::Warning => Color::Yellow,
        _ => Color::Red,
    };
    paint(s.label(), color, opts)
}

fn short_time(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.strftime("%Y-%m-%d %H:%M").to_string())
}

fn kind_label(v: &Verdict) -> String {
    let s = serde_json::to_value(v.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    s.replace('_', " ")
}

fn render_table(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    overview: &Overview,
    opts: &RenderOptions,
) -> io::Result<()> {
    let inputs = a.inputs();
    let lines: u64 = inputs.iter().map(|i| i.lines).sum();
    let relevant: u64 = inputs.iter().map(|i| i.relevant).sum();
    let first = inputs.iter().filter_map(|i| i.first).min();
    let last = inputs.iter().filter_map(|i| i.last).max();
    writeln!(
        out,
        "{}: {} user(s) in {} input(s), {lines} lines ({relevant} Dovecot), {} to {}",
        status_word(overview.status, opts),
        a.box_count(),
        inputs.len(),
        short_time(first),
        short_time(last)
    )?;
    // With many boxes, those where nothing deletes mail are summed up in one line.
    let hide_quiet = a.box_count() > QUIET_DETAIL_LIMIT;
    let hidden = if hide_quiet { overview.quiet } else { 0 };
    a.each_box(&mut |b| {
        if hide_quiet && quiet(b) {
            return Ok(());
        }
        writeln!(out)?;
        writeln!(out, "{} {}", paint(&printable(&b.user), Color::White, opts), status_word(b.status(), opts))?;
        for v in &b.verdicts {
            let mark = if v.status == Status::Warning { "!" } else { "-" };
            let days = v.days.map(|d| format!(", ~{d} days")).unwrap_or_default();
            let addrs = if v.addresses.is_empty() {
                String::new()
            } else {
                format!(" [{}]", printable(&v.addresses.join(", ")))
            };
            let conf = serde_json::to_value(v.confidence).ok().and_then(|c| c.as_str().map(str::to_string));
            writeln!(out, "  {mark} {}{addrs} ({} confidence{days})", kind_label(v), conf.unwrap_or_default())?;
            for e in &v.evidence {
                writeln!(out, "      because: {}", printable(e))?;
            }
            for ad in &v.advice {
                writeln!(out, "      do: {} [{}]", printable(&ad.text), ad.rule)?;
            }
        }
        if !b.clients.is_empty() {
            clients_table(out, b, opts)?;
        }
        Ok(())
    })?;
    if hidden > 0 {
        writeln!(out)?;
        writeln!(out, "{hidden} other user(s): nothing deletes mail (details: --user NAME or --format json)")?;
    }
    let notes = deleters_notes(a);
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "note: {n}")?;
        }
    }
    Ok(())
}

fn clients_table(out: &mut dyn Write, b: &BoxReport, opts: &RenderOptions) -> io::Result<()> {
    let mut t = super::table::new_table(opts);
    t.set_header([
        "address",
        "proto",
        "sessions",
        "first seen",
        "last seen",
        "every",
        "retr",
        "del",
        "expunged",
        "flags",
    ]);
    for c in &b.clients {
        let tt = &c.totals;
        let flags: Vec<&str> = b.flags(c).into_iter().map(ClientFlag::name).collect();
        let expunged = if c.access == crate::model::verdict::Access::Imap {
            format!("{} ({} trash)", tt.expunged, tt.trashed)
        } else {
            "-".to_string()
        };
        let retr = if tt.retrieved_bytes > 0 {
            format!("{} ({})", tt.retrieved, human(tt.retrieved_bytes))
        } else {
            tt.retrieved.to_string()
        };
        let mut flag_cell = Cell::new(flags.join(", "));
        if flags.first() == Some(&ClientFlag::DeletingPopClient.name()) && opts.color {
            flag_cell = flag_cell.fg(Color::Yellow);
        }
        t.add_row(vec![
            Cell::new(printable(&c.address)),
            Cell::new(c.access.name()),
            Cell::new(tt.sessions).set_alignment(CellAlignment::Right),
            Cell::new(short_time(c.first_seen)),
            Cell::new(short_time(c.last_seen)),
            Cell::new(c.median_interval_secs.map_or_else(|| "-".to_string(), human_duration))
                .set_alignment(CellAlignment::Right),
            Cell::new(retr).set_alignment(CellAlignment::Right),
            Cell::new(tt.deleted).set_alignment(CellAlignment::Right),
            Cell::new(expunged).set_alignment(CellAlignment::Right),
            flag_cell,
        ]);
    }
    writeln!(out, "{t}")
}
