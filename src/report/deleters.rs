//! Renders `deleters` results: per user, the verdicts with evidence and advice, then a
//! per-address table; or one JSON document.
//!
//! The table shows every user up to [`QUIET_DETAIL_LIMIT`]; above that (a whole server)
//! only those worse than OK, the others counted in one line, unless `--all`. JSON always
//! has every user. A source may build the boxes on other threads ([`Joined`]): they are
//! rendered there too, in batches, and this thread only writes them in order; the status
//! at the top comes from [`DeletersSource::status`], which need not build them.
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
//!   "users": [ {                                      // every user, whatever the table shows
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

use super::{RenderOptions, printable, rfc3339};
use crate::logs::join::JoinStats;
use crate::logs::{Analysis, InputStats, Joined};
use crate::model::Status;
use crate::model::size::human;
use crate::model::verdict::{BoxReport, ClientFlag, ClientSummary, Verdict, human_duration, utc_minute};

/// Above this many boxes, the table lists only those worse than OK (unless `--all`).
const QUIET_DETAIL_LIMIT: usize = 20;

/// The version of the `deleters` JSON document.
pub const DELETERS_SCHEMA_VERSION: u32 = 1;

/// How to show a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletersFormat {
    /// Text; `all`: every box in detail, even above [`QUIET_DETAIL_LIMIT`] boxes.
    Table { all: bool },
    /// One JSON document, with every box.
    Json,
}

/// The filters a run applied, for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeletersFilters {
    pub users: Vec<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// What the renderers read: the inputs, the join counts and the boxes, which a source may
/// build one at a time (a big log's boxes need not all be in memory at once).
pub trait DeletersSource: Sync {
    fn inputs(&self) -> &[InputStats];
    fn joins(&self) -> &JoinStats;
    fn box_count(&self) -> usize;
    /// Calls `f` on each box, by user name.
    fn each_box(&self, f: &mut dyn FnMut(&BoxReport) -> io::Result<()>) -> io::Result<()>;

    /// The worst status of the boxes (a source may know it without building them).
    fn status(&self) -> Status {
        let mut status = Status::Ok;
        let _ = self.each_box(&mut |b| {
            status = status.worst(b.status());
            Ok(())
        });
        status
    }

    /// Renders each box with `render` into a [`Rendered`] (a source may do it on other
    /// threads, for batches of boxes) and calls `f` on them in order, stopping at its first
    /// error. With `hide_ok`, boxes whose status is OK are only counted (`hidden`): a source
    /// may tell their status without building them.
    fn each_rendered(
        &self,
        hide_ok: bool,
        render: &(dyn Fn(&mut Rendered, &BoxReport) + Sync),
        f: &mut dyn FnMut(Rendered) -> io::Result<()>,
    ) -> io::Result<()> {
        self.each_box(&mut |b| {
            let mut r = Rendered::default();
            if hide_ok && b.status() == Status::Ok {
                r.hidden += 1;
            } else {
                render(&mut r, b);
            }
            f(r)
        })
    }
}

/// Boxes rendered to bytes, ready to write.
#[derive(Debug, Default)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Boxes the table left out.
    pub hidden: usize,
    /// The first error rendering them (serde_json's, in theory).
    pub failed: Option<io::Error>,
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
    fn status(&self) -> Status {
        Joined::status(self)
    }
    /// The threads that build a batch of boxes render it too: this thread only writes.
    fn each_rendered(
        &self,
        hide_ok: bool,
        render: &(dyn Fn(&mut Rendered, &BoxReport) + Sync),
        f: &mut dyn FnMut(Rendered) -> io::Result<()>,
    ) -> io::Result<()> {
        let add = |r: &mut Rendered, i| {
            if hide_ok && self.box_status(i) == Status::Ok {
                r.hidden += 1;
            } else {
                render(r, &self.box_report(i));
            }
        };
        self.each_batch(&add, f)
    }
}

/// The status of a run: WARNING when any box has a deleting POP client.
pub fn deleters_status(a: &dyn DeletersSource) -> Status {
    a.status()
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

/// Renders a report; a [`Joined`] source's boxes are built (and rendered) on other threads
/// a few batches ahead, never all held at once.
pub fn render(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    filters: &DeletersFilters,
    format: DeletersFormat,
    opts: &RenderOptions,
) -> io::Result<()> {
    render_with_status(out, a, filters, format, opts).map(drop)
}

/// [`render`], returning the run's status ([`deleters_status`]).
pub fn render_with_status(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    filters: &DeletersFilters,
    format: DeletersFormat,
    opts: &RenderOptions,
) -> io::Result<Status> {
    let status = a.status();
    match format {
        DeletersFormat::Json => render_json(out, a, status, filters, opts)?,
        DeletersFormat::Table { all } => render_table(out, a, status, all, opts)?,
    }
    Ok(status)
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

/// A user as the JSON document has it: the reference [`write_user`] is tested against (the
/// types say what each member holds).
#[cfg(test)]
#[derive(Serialize)]
struct UserDoc<'a> {
    user: &'a str,
    status: Status,
    verdicts: &'a [Verdict],
    clients: Vec<ClientDoc<'a>>,
    server_expunges: &'a crate::model::verdict::ServerExpunges,
}

#[cfg(test)]
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

#[cfg(test)]
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

#[cfg(test)]
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
        kept_days_estimate: kept_days(c),
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

#[cfg(test)]
fn user_doc(b: &BoxReport) -> UserDoc<'_> {
    UserDoc {
        user: &b.user,
        status: b.status(),
        verdicts: &b.verdicts,
        clients: b.clients.iter().map(|c| client_doc(b, c)).collect(),
        server_expunges: &b.server,
    }
}

/// serde_json's pretty layout (two spaces a level) for a value that starts `depth` levels
/// deep: a value serialized alone is byte for byte what it is inside the whole document,
/// so that the boxes are serialized apart (on other threads) and the document put together.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        const SPACES: &[u8; 32] = b"                                ";
        let mut n = 2 * self.depth;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` as pretty JSON starting `depth` levels deep.
fn write_nested<W: Write + ?Sized, T: Serialize + ?Sized>(out: &mut W, depth: usize, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Nested { depth, has_value: false });
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Starts the member `key` (a field name: nothing to escape) of an object written by
/// [`Pretty`].
macro_rules! key {
    ($w:expr, $first:expr, $key:expr) => {
        $w.member($first, concat!("\"", $key, "\": "))
    };
}

/// One user's document, starting 2 levels deep: byte for byte what `write_nested(out, 2,
/// &user_doc(b))` writes (serde_json's pretty layout, see `UserDoc` in the tests), without serde's
/// per-byte escaping of every key and string: a big log's document is 100+ MB. Strings
/// that need escaping, numbers with a fraction and enums still go through serde_json.
fn write_user(out: &mut Vec<u8>, b: &BoxReport) -> io::Result<()> {
    let mut w = Pretty { out, depth: 2 };
    w.open(b'{');
    key!(w, true, "user");
    w.str(&b.user)?;
    key!(w, false, "status");
    w.serde(&b.status())?;
    key!(w, false, "verdicts");
    w.open(b'[');
    for (k, v) in b.verdicts.iter().enumerate() {
        w.item(k == 0);
        w.open(b'{');
        key!(w, true, "kind");
        w.serde(&v.kind)?;
        key!(w, false, "status");
        w.serde(&v.status)?;
        key!(w, false, "confidence");
        w.serde(&v.confidence)?;
        key!(w, false, "addresses");
        w.strs(&v.addresses)?;
        key!(w, false, "days");
        w.opt_u64(v.days);
        key!(w, false, "evidence");
        w.strs(&v.evidence)?;
        key!(w, false, "advice");
        w.open(b'[');
        for (k, a) in v.advice.iter().enumerate() {
            w.item(k == 0);
            w.open(b'{');
            key!(w, true, "rule");
            w.str(a.rule)?;
            key!(w, false, "text");
            w.str(&a.text)?;
            w.close(b'}', true);
        }
        w.close(b']', !v.advice.is_empty());
        w.close(b'}', true);
    }
    w.close(b']', !b.verdicts.is_empty());
    key!(w, false, "clients");
    w.open(b'[');
    for (k, c) in b.clients.iter().enumerate() {
        w.item(k == 0);
        write_client(&mut w, b, c)?;
    }
    w.close(b']', !b.clients.is_empty());
    key!(w, false, "server_expunges");
    w.open(b'{');
    key!(w, true, "messages");
    w.u64(b.server.messages);
    key!(w, false, "by");
    w.strs(&b.server.by)?;
    key!(w, false, "folders");
    w.strs(&b.server.folders)?;
    w.close(b'}', true);
    w.close(b'}', true);
    Ok(())
}

/// One client, as the tests' `ClientDoc` serializes.
fn write_client(w: &mut Pretty<'_>, b: &BoxReport, c: &ClientSummary) -> io::Result<()> {
    let t = &c.totals;
    w.open(b'{');
    key!(w, true, "address");
    w.str(&c.address)?;
    key!(w, false, "protocol");
    w.str(c.access.name())?;
    key!(w, false, "sessions");
    w.u64(t.sessions);
    key!(w, false, "closed_sessions");
    w.u64(t.closed_sessions);
    key!(w, false, "first_seen");
    w.time(c.first_seen)?;
    key!(w, false, "last_seen");
    w.time(c.last_seen)?;
    key!(w, false, "median_interval_seconds");
    w.opt_u64(c.median_interval_secs);
    key!(w, false, "retrieved");
    w.u64(t.retrieved);
    key!(w, false, "retrieved_bytes");
    w.u64(t.retrieved_bytes);
    key!(w, false, "top");
    w.u64(t.top);
    key!(w, false, "deleted");
    w.u64(t.deleted);
    key!(w, false, "retrieving_sessions");
    w.u64(t.retrieving_sessions);
    key!(w, false, "deleting_sessions");
    w.u64(t.deleting_sessions);
    key!(w, false, "keeping_sessions");
    w.u64(t.keeping_sessions);
    key!(w, false, "deletion_lag_seconds");
    w.opt_u64(c.deletion_lag_secs);
    key!(w, false, "kept_days_estimate");
    w.serde(&kept_days(c))?;
    key!(w, false, "imap");
    w.open(b'{');
    key!(w, true, "flagged_deleted");
    w.u64(t.flagged_deleted);
    key!(w, false, "expunged");
    w.u64(t.expunged);
    key!(w, false, "trashed");
    w.u64(t.trashed);
    key!(w, false, "filed");
    w.u64(t.filed);
    key!(w, false, "expunged_in_trash");
    w.u64(t.expunged_in_trash);
    key!(w, false, "permanently_deleted");
    w.u64(t.permanently_deleted);
    key!(w, false, "folders");
    w.strs(&c.folders)?;
    w.close(b'}', true);
    key!(w, false, "tls_sessions");
    w.u64(t.tls_sessions);
    key!(w, false, "trusted_sessions");
    w.u64(t.trusted_sessions);
    key!(w, false, "plaintext_sessions");
    w.u64(t.plaintext_sessions);
    key!(w, false, "master_users");
    w.strs(&c.master_users)?;
    key!(w, false, "flags");
    let flags = b.flags(c);
    w.open(b'[');
    for (k, f) in flags.iter().enumerate() {
        w.item(k == 0);
        w.serde(f)?;
    }
    w.close(b']', !flags.is_empty());
    w.close(b'}', true);
    Ok(())
}

/// The estimate of days kept as the document rounds it (one decimal).
fn kept_days(c: &ClientSummary) -> Option<f64> {
    c.kept_days_estimate.map(|d| (d * 10.0).round() / 10.0)
}

/// serde_json's pretty layout, written by hand: [`Nested`] says what goes where.
struct Pretty<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
}

impl Pretty<'_> {
    fn open(&mut self, bracket: u8) {
        self.depth += 1;
        self.out.push(bracket);
    }

    /// Closes an array or object; `items`: it has any.
    fn close(&mut self, bracket: u8, items: bool) {
        self.depth -= 1;
        if items {
            self.line(b"\n");
        }
        self.out.push(bracket);
    }

    /// `start` (a line break, after a comma or not) and the indentation: a slice of one
    /// line, one copy, as deep as these documents go.
    fn line(&mut self, start: &[u8]) {
        const LINE: &[u8; 34] = b",\n                                ";
        let end = 2 + 2 * self.depth;
        if end <= LINE.len() {
            self.out.extend_from_slice(&LINE[2 - start.len()..end]);
        } else {
            self.out.extend_from_slice(start);
            self.out.resize(self.out.len() + 2 * self.depth, b' ');
        }
    }

    /// Starts an array item.
    fn item(&mut self, first: bool) {
        self.line(if first { b"\n" } else { b",\n" });
    }

    /// Starts an object member: `member` is the key quoted with its colon, `"key": ` (see
    /// [`key!`]).
    fn member(&mut self, first: bool, member: &str) {
        self.item(first);
        self.out.extend_from_slice(member.as_bytes());
    }

    fn str(&mut self, s: &str) -> io::Result<()> {
        // Control characters are left to serde_json; quotes and backslashes (the advice
        // quotes settings) are escaped here. The tests are branch-free: they run on words.
        let (mut control, mut quote) = (false, false);
        for c in s.bytes() {
            control |= c < 0x20;
            quote |= (c == b'"') | (c == b'\\');
        }
        if control {
            return self.serde(s);
        }
        self.out.reserve(s.len() + 2);
        self.out.push(b'"');
        if quote {
            for piece in s.as_bytes().split_inclusive(|&c| c == b'"' || c == b'\\') {
                match piece.split_last() {
                    Some((&c, head)) if c == b'"' || c == b'\\' => {
                        self.out.extend_from_slice(head);
                        self.out.extend_from_slice(&[b'\\', c]);
                    }
                    _ => self.out.extend_from_slice(piece),
                }
            }
        } else {
            self.out.extend_from_slice(s.as_bytes());
        }
        self.out.push(b'"');
        Ok(())
    }

    fn strs(&mut self, v: &[String]) -> io::Result<()> {
        self.open(b'[');
        for (k, s) in v.iter().enumerate() {
            self.item(k == 0);
            self.str(s)?;
        }
        self.close(b']', !v.is_empty());
        Ok(())
    }

    fn u64(&mut self, mut v: u64) {
        if v < 10 {
            self.out.push(b'0' + v as u8);
            return;
        }
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&digits[at..]);
    }

    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(v) => self.u64(v),
            None => self.null(),
        }
    }

    /// A time as RFC 3339, or null.
    fn time(&mut self, t: Option<Timestamp>) -> io::Result<()> {
        match t {
            Some(t) => return self.str(&rfc3339(t)),
            None => self.null(),
        }
        Ok(())
    }

    fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    /// A scalar (string, number, enum) as serde_json writes it.
    fn serde<T: Serialize + ?Sized>(&mut self, v: &T) -> io::Result<()> {
        serde_json::to_writer(&mut *self.out, v).map_err(io::Error::from)
    }
}

/// One member of the top-level object.
fn member<T: Serialize + ?Sized>(out: &mut dyn Write, first: bool, key: &str, value: &T) -> io::Result<()> {
    out.write_all(if first { b"{\n  " } else { b",\n  " })?;
    serde_json::to_writer(&mut *out, key)?;
    out.write_all(b": ")?;
    write_nested(out, 1, value)
}

/// What a batch of users' JSON starts with room for (a user with a few clients takes 5-10 kB).
const BATCH_JSON: usize = 512 << 10;

/// The document, as `serde_json::to_writer_pretty` would write it, but with the users
/// serialized by the threads that build them, and written as they come.
fn render_json(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    status: Status,
    f: &DeletersFilters,
    opts: &RenderOptions,
) -> io::Result<()> {
    member(out, true, "schema_version", &DELETERS_SCHEMA_VERSION)?;
    member(out, false, "command", "deleters logs")?;
    member(out, false, "generated_at", &rfc3339(opts.now))?;
    member(out, false, "status", &status)?;
    let filters = FiltersDoc { users: &f.users, since: f.since.map(rfc3339), until: f.until.map(rfc3339) };
    member(out, false, "filters", &filters)?;
    member(out, false, "inputs", &a.inputs().iter().map(input_doc).collect::<Vec<_>>())?;
    out.write_all(b",\n  \"users\": [")?;
    // Each user comes as `,\n    {...}`: the first one's comma goes.
    let mut first = true;
    a.each_rendered(
        false,
        &|r, b| {
            if r.failed.is_none() {
                if r.bytes.capacity() == 0 {
                    // A batch's users take hundreds of kB: skip the smallest reallocations.
                    r.bytes.reserve(BATCH_JSON);
                }
                r.bytes.extend_from_slice(b",\n    ");
                r.failed = write_user(&mut r.bytes, b).err();
            }
        },
        &mut |r| {
            if let Some(e) = r.failed {
                return Err(e);
            }
            let skip = usize::from(first && !r.bytes.is_empty());
            first &= r.bytes.is_empty();
            out.write_all(&r.bytes[skip..])
        },
    )?;
    out.write_all(if first { b"]" } else { b"\n  ]" })?;
    member(out, false, "joins", a.joins())?;
    member(out, false, "notes", &deleters_notes(a))?;
    out.write_all(b"\n}\n")
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
    t.map_or_else(|| "-".to_string(), utc_minute)
}

fn kind_label(v: &Verdict) -> String {
    let s = serde_json::to_value(v.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    s.replace('_', " ")
}

fn render_table(
    out: &mut dyn Write,
    a: &dyn DeletersSource,
    status: Status,
    all: bool,
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
        status_word(status, opts),
        a.box_count(),
        inputs.len(),
        short_time(first),
        short_time(last)
    )?;
    // On a whole server, the boxes that need action; the others are counted in one line.
    let hide_ok = !all && a.box_count() > QUIET_DETAIL_LIMIT;
    let mut hidden = 0;
    a.each_rendered(
        hide_ok,
        // Writing into a Vec cannot fail.
        &|r, b| drop(box_table(&mut r.bytes, b, opts)),
        &mut |r| {
            hidden += r.hidden;
            out.write_all(&r.bytes)
        },
    )?;
    if hidden > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "{hidden} other user(s) {}, not listed: no POP client deletes their mail (all of them: --all; one: \
             --user NAME; details: --format json)",
            status_word(Status::Ok, opts)
        )?;
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

/// One box: its user and status, its verdicts, then its clients (a blank line before).
fn box_table(out: &mut Vec<u8>, b: &BoxReport, opts: &RenderOptions) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{} {}", paint(&printable(&b.user), Color::White, opts), status_word(b.status(), opts))?;
    for v in &b.verdicts {
        let mark = if v.status == Status::Warning { "!" } else { "-" };
        let days = v.days.map(|d| format!(", ~{d} days")).unwrap_or_default();
        let addrs =
            if v.addresses.is_empty() { String::new() } else { format!(" [{}]", printable(&v.addresses.join(", "))) };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::{self, Filter, Options};
    use crate::model::Thresholds;
    use crate::model::verdict::{Access, ClientTimeline, ImapCounts, PopCounts, Protection, ServerExpunges, Session};

    const T0: i64 = 1_795_000_000;

    fn opts() -> RenderOptions {
        let now = Timestamp::from_second(T0 + 86_400).unwrap();
        RenderOptions { color: false, width: None, thresholds: Thresholds::default(), now }
    }

    fn client(addr: &str, access: Access, deleted: u64, expunged: u64) -> ClientSummary {
        let mut t = ClientTimeline::new();
        for i in 0..6 {
            let start = T0 + i * 600;
            let (pop, imap) = match access {
                Access::Pop3 => {
                    let pop = PopCounts { top: 0, retrieved: 2, retrieved_bytes: 2000, deleted, messages: Some(2) };
                    (Some(pop), None)
                }
                Access::Imap => {
                    (None, Some(ImapCounts { expunged, flagged_deleted: expunged, ..ImapCounts::default() }))
                }
            };
            t.add(&Session {
                start,
                end: Some(start + 5),
                protection: Protection::Tls,
                pop,
                imap,
                ..Session::default()
            });
        }
        t.summary(addr, access)
    }

    /// `n` boxes: those in `warn` have a deleting POP client; every third of the others an
    /// IMAP client deleting for good (a verdict, but OK), the rest an IMAP client.
    fn analysis(n: usize, warn: &[usize]) -> Analysis {
        let boxes = (0..n)
            .map(|i| {
                let clients = if warn.contains(&i) {
                    vec![client("203.0.113.5", Access::Pop3, 2, 0), client("192.0.2.30", Access::Imap, 0, 0)]
                } else {
                    vec![client("192.0.2.30", Access::Imap, 0, if i % 3 == 0 { 4 } else { 0 })]
                };
                BoxReport::new(format!("user{i:02}"), clients, ServerExpunges::default())
            })
            .collect();
        let input = InputStats { path: "mail.log".into(), lines: 100, relevant: 90, ..InputStats::default() };
        Analysis { inputs: vec![input], boxes, stats: JoinStats::default() }
    }

    fn table(a: &dyn DeletersSource, all: bool) -> String {
        let mut out = Vec::new();
        render(&mut out, a, &DeletersFilters::default(), DeletersFormat::Table { all }, &opts()).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn json(a: &dyn DeletersSource, filters: &DeletersFilters) -> Vec<u8> {
        let mut out = Vec::new();
        render(&mut out, a, filters, DeletersFormat::Json, &opts()).unwrap();
        out
    }

    /// The boxes listed in a table, by their header lines.
    fn listed(table: &str) -> Vec<&str> {
        table.lines().filter(|l| l.starts_with("user")).map(|l| l.split(' ').next().unwrap()).collect()
    }

    #[test]
    fn a_big_table_lists_only_the_boxes_worse_than_ok() {
        let a = analysis(QUIET_DETAIL_LIMIT + 5, &[1, 7, 24]);
        let t = table(&a, false);
        assert!(t.starts_with("WARNING: 25 user(s) in 1 input(s)"), "{t}");
        assert_eq!(listed(&t), ["user01", "user07", "user24"], "{t}");
        assert!(t.contains("pop deletes on download [203.0.113.5]"), "{t}");
        assert!(
            t.contains(
                "\n22 other user(s) OK, not listed: no POP client deletes their mail (all of them: --all; one: --user \
                 NAME; details: --format json)\n"
            ),
            "{t}"
        );
        // An OK box with a verdict (an IMAP client deleting for good) is counted, not listed.
        assert!(!t.contains("imap permanent delete"), "{t}");
    }

    #[test]
    fn all_lists_every_box_of_a_big_table() {
        let a = analysis(QUIET_DETAIL_LIMIT + 5, &[1, 7, 24]);
        let t = table(&a, true);
        assert_eq!(listed(&t).len(), 25, "{t}");
        assert!(t.contains("user03 OK\n  - imap permanent delete"), "{t}");
        assert!(t.contains("user02 OK\n  - nothing wrong"), "{t}");
        assert!(!t.contains("other user(s)"), "{t}");
    }

    #[test]
    fn a_small_table_lists_every_box_and_an_all_ok_big_one_none() {
        let t = table(&analysis(QUIET_DETAIL_LIMIT, &[]), false);
        assert!(t.starts_with("OK: 20 user(s)"), "{t}");
        assert_eq!(listed(&t).len(), QUIET_DETAIL_LIMIT, "{t}");
        assert!(!t.contains("other user(s)"), "{t}");
        let t = table(&analysis(QUIET_DETAIL_LIMIT + 1, &[]), false);
        assert!(t.starts_with("OK: 21 user(s)"), "{t}");
        assert!(listed(&t).is_empty(), "{t}");
        assert!(t.contains("\n21 other user(s) OK, not listed"), "{t}");
    }

    #[test]
    fn json_has_every_box_whatever_the_table_hides() {
        let a = analysis(QUIET_DETAIL_LIMIT + 5, &[7]);
        let v: serde_json::Value = serde_json::from_slice(&json(&a, &DeletersFilters::default())).unwrap();
        assert_eq!(v["status"], "warning");
        assert_eq!(v["users"].as_array().unwrap().len(), 25);
        assert_eq!(v["users"][7]["status"], "warning");
        let empty = Analysis { boxes: Vec::new(), ..analysis(0, &[]) };
        let v: serde_json::Value = serde_json::from_slice(&json(&empty, &DeletersFilters::default())).unwrap();
        assert_eq!(v["users"], serde_json::json!([]));
        assert_eq!(v["status"], "ok");
    }

    #[test]
    fn a_value_serialized_nested_is_what_the_pretty_printer_writes_there() {
        let values = [
            serde_json::json!({"a": [1, 2.5, "x\"y\n"], "b": {}, "c": [], "d": [{"e": null, "f": [[]]}], "g": true}),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!("plain"),
            serde_json::json!([[1], {"k": [2]}]),
        ];
        for v in values {
            let whole = serde_json::to_string_pretty(&serde_json::json!([[v.clone()]])).unwrap();
            let mut nested = Vec::new();
            write_nested(&mut nested, 2, &v).unwrap();
            let nested = String::from_utf8(nested).unwrap();
            assert_eq!(whole, format!("[\n  [\n    {nested}\n  ]\n]"));
        }
    }

    /// The hand-written user documents against serde's, on values that take every branch:
    /// strings to escape, no verdict or client, empty and full lists, nulls and fractions.
    #[test]
    fn a_user_written_by_hand_is_what_serde_writes() {
        let mut boxes = analysis(6, &[1, 4]).boxes;
        let odd = "we\"ird\\ \u{1}\t\n\u{7f} é 東 \u{202e}";
        let mut c = client(odd, Access::Pop3, 2, 0);
        c.folders = vec!["Archive".into(), odd.into()];
        c.master_users = vec!["admin".into()];
        c.median_interval_secs = None;
        c.deletion_lag_secs = Some(u64::MAX);
        c.totals.retrieved_bytes = 1 << 40;
        boxes.push(BoxReport::new(
            odd.into(),
            vec![c.clone(), client("192.0.2.30", Access::Imap, 0, 3)],
            ServerExpunges {
                messages: 3,
                by: vec!["server process".into()],
                folders: vec![odd.into(), "Trash".into()],
            },
        ));
        for kept in
            [None, Some(0.0), Some(14.25), Some(1e-7), Some(123_456_789.987), Some(f64::NAN), Some(f64::INFINITY)]
        {
            let mut c = c.clone();
            c.kept_days_estimate = kept;
            boxes.push(BoxReport::new("kept".into(), vec![c], ServerExpunges::default()));
        }
        let quoted = "a \"quoted\" back\\slash\\\"";
        boxes.push(BoxReport::new(quoted.into(), vec![client(quoted, Access::Imap, 0, 1)], ServerExpunges::default()));
        let mut empty = BoxReport::new(String::new(), Vec::new(), ServerExpunges::default());
        boxes.push(empty.clone());
        empty.verdicts.clear();
        boxes.push(empty);
        for b in &boxes {
            let (mut hand, mut serde) = (Vec::new(), Vec::new());
            write_user(&mut hand, b).unwrap();
            write_nested(&mut serde, 2, &user_doc(b)).unwrap();
            assert_eq!(String::from_utf8(hand).unwrap(), String::from_utf8(serde).unwrap(), "{}", b.user);
        }
    }

    /// The document as one `Serialize` value, as the renderer wrote it before the boxes were
    /// serialized apart: the JSON must stay byte for byte the same.
    #[derive(Serialize)]
    struct WholeDoc<'a> {
        schema_version: u32,
        command: &'static str,
        generated_at: String,
        status: Status,
        filters: FiltersDoc<'a>,
        inputs: Vec<InputDoc>,
        users: Vec<UserDoc<'a>>,
        joins: &'a JoinStats,
        notes: Vec<String>,
    }

    fn whole_doc(a: &Analysis, f: &DeletersFilters) -> Vec<u8> {
        let doc = WholeDoc {
            schema_version: DELETERS_SCHEMA_VERSION,
            command: "deleters logs",
            generated_at: rfc3339(opts().now),
            status: a.status(),
            filters: FiltersDoc { users: &f.users, since: f.since.map(rfc3339), until: f.until.map(rfc3339) },
            inputs: a.inputs.iter().map(input_doc).collect(),
            users: a.boxes.iter().map(user_doc).collect(),
            joins: &a.stats,
            notes: deleters_notes(a),
        };
        let mut out = Vec::new();
        super::super::write_json(&mut out, &doc).unwrap();
        out
    }

    #[test]
    fn the_json_document_is_the_pretty_printed_whole() {
        let filters = DeletersFilters {
            users: vec!["user01".into(), "we\"ird".into()],
            since: Some(Timestamp::from_second(T0).unwrap()),
            until: None,
        };
        for (n, warn) in [(0, &[][..]), (1, &[0][..]), (25, &[1, 7, 24][..])] {
            let mut a = analysis(n, warn);
            a.stats.unmatched = 3;
            assert_eq!(
                String::from_utf8(json(&a, &filters)).unwrap(),
                String::from_utf8(whole_doc(&a, &filters)).unwrap(),
                "{n} box(es)"
            );
        }
    }

    /// A syslog with `users` users over several batches of boxes: every seventh deletes by
    /// POP (the only warnings), the others keep their mail by POP or use IMAP.
    fn big_log(users: usize) -> Vec<u8> {
        let mut log = String::new();
        for i in 0..users {
            let (proto, counters) = match i % 7 {
                0 => ("pop3", "top=0/0, retr=2/8000, del=2/2, size=8000".to_string()),
                1..=3 => ("pop3", format!("top=0/0, retr=1/4000, del=0/{}, size=4000", i % 5 + 1)),
                _ => ("imap", "in=50 out=900 deleted=1 expunged=1 trashed=0".to_string()),
            };
            for s in 0..2 {
                let (m, pid) = (i % 50, 1000 + 2 * i + s);
                log += &format!(
                    "Nov 22 1{s}:{m:02}:00 mail dovecot[1]: {proto}-login: Login: user=<u{i:04}>, method=PLAIN, \
                     rip=198.51.100.{}, lip=192.0.2.1, mpid={pid}, TLS, session=<s{i}x{s}>\n\
                     Nov 22 1{s}:{m:02}:09 mail dovecot[1]: {proto}(u{i:04})<{pid}><s{i}x{s}>: Disconnected: Logged \
                     out {counters}\n",
                    i % 200 + 1
                );
            }
        }
        log.into_bytes()
    }

    fn read_log(dir: &tempfile::TempDir, text: &[u8]) -> (logs::Joined, Analysis) {
        let path = dir.path().join("mail.log");
        std::fs::write(&path, text).unwrap();
        let options = Options {
            filter: Filter::default(),
            year: Some(2026),
            tz: jiff::tz::TimeZone::UTC,
            now: "2026-12-01T00:00:00Z".parse().unwrap(),
        };
        (logs::read(std::slice::from_ref(&path), &options).unwrap(), logs::analyze(&[path], &options).unwrap())
    }

    #[test]
    fn boxes_built_and_rendered_by_threads_come_out_as_built_in_one_go() {
        let dir = tempfile::tempdir().unwrap();
        let (joined, analysis) = read_log(&dir, &big_log(700));
        assert_eq!(joined.len(), 700);
        assert_eq!(joined.status(), Status::Warning);
        for (i, b) in analysis.boxes.iter().enumerate() {
            assert_eq!(joined.box_status(i), b.status(), "{}", b.user);
        }
        let f = DeletersFilters::default();
        assert_eq!(json(&joined, &f), json(&analysis, &f));
        assert_eq!(json(&joined, &f), whole_doc(&analysis, &f));
        for all in [false, true] {
            assert_eq!(table(&joined, all), table(&analysis, all), "--all {all}");
        }
        assert_eq!(listed(&table(&joined, false)).len(), 0, "user names start with u, not user");
        assert!(table(&joined, false).contains("\n600 other user(s) OK, not listed"));
    }

    #[test]
    fn a_log_where_nothing_deletes_is_ok_without_building_a_box() {
        let dir = tempfile::tempdir().unwrap();
        let text = String::from_utf8(big_log(300)).unwrap().replace("del=2/2", "del=0/2");
        let (joined, analysis) = read_log(&dir, text.as_bytes());
        assert_eq!(joined.status(), Status::Ok);
        assert_eq!(analysis.status(), Status::Ok);
        assert!(table(&joined, false).starts_with("OK: 300 user(s)"));
    }

    /// A closed pipe (`| head`) stops the threads building boxes: an error, not a hang.
    #[test]
    fn a_failing_writer_stops_the_threads() {
        struct Closed(usize);
        impl Write for Closed {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.0 < b.len() {
                    return Err(io::ErrorKind::BrokenPipe.into());
                }
                self.0 -= b.len();
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let (joined, _) = read_log(&dir, &big_log(2000));
        for format in [DeletersFormat::Json, DeletersFormat::Table { all: true }] {
            let e = render(&mut Closed(10_000), &joined, &DeletersFilters::default(), format, &opts()).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        }
    }
}
