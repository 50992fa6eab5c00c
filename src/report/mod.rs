//! Renderers: turn model values (usage, probe) into tables, JSON, Nagios status lines or
//! Prometheus textfiles, written into any `io::Write` so they are tested on a `Vec<u8>`.
//!
//! Renderers never print and never decide the exit code; they return `io::Result` so the
//! caller can treat a broken pipe (`mailsweep usage | head`) as a normal end (exit 0).
//! Colour and terminal width change the look of a table, never its content.

pub mod archive;
pub mod attachments;
pub mod bounces;
pub mod deleters;
pub mod deleters_live;
pub mod doctor;
mod json;
mod nagios;
pub mod progress;
mod prometheus;
mod table;
#[cfg(test)]
mod testdata;

use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

use crate::model::quota::QuotaResource;
use crate::model::{ProbeReport, Status, Thresholds, UsageReport};

pub use json::{PROBE_SCHEMA_VERSION, USAGE_SCHEMA_VERSION};

/// The output formats. Not every command offers every format: see [`check_probe_format`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables (the default).
    Table,
    /// One pretty-printed JSON document (a versioned, documented API).
    Json,
    /// A Nagios/Icinga plugin status line with perfdata.
    Nagios,
    /// A Prometheus textfile for the node_exporter textfile collector.
    Prometheus,
}

impl Format {
    /// The name as typed after `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Nagios => "nagios",
            Format::Prometheus => "prometheus",
        }
    }
}

/// How to render: everything that is not the report itself.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    /// ANSI colours in tables (the caller decides from tty detection and `NO_COLOR`).
    pub color: bool,
    /// The terminal width to fit tables into; `None`: never wrap.
    pub width: Option<u16>,
    /// Quota thresholds: they decide every status shown.
    pub thresholds: Thresholds,
    /// "Now": the JSON `generated_at`, the Prometheus run timestamp, certificate expiry.
    /// Injected so tests are reproducible.
    pub now: Timestamp,
}

impl RenderOptions {
    /// Plain output, no wrapping, the given thresholds, the current time.
    pub fn new(thresholds: Thresholds) -> Self {
        RenderOptions { color: false, width: None, thresholds, now: Timestamp::now() }
    }
}

/// What `usage` learned about one account: a report, or why there is none. Several
/// accounts are measured in one run (admin audit, `--all-accounts`), and one failing
/// must not hide the others.
#[derive(Clone, Debug, PartialEq)]
pub enum UsageOutcome {
    Report(UsageReport),
    Failed {
        /// The source as the user named it, without secrets.
        source: String,
        /// The account name from the config, if any.
        account: Option<String>,
        /// One line, already free of secrets (`error::one_line`).
        error: String,
    },
}

impl UsageOutcome {
    pub fn source(&self) -> &str {
        match self {
            UsageOutcome::Report(r) => &r.source,
            UsageOutcome::Failed { source, .. } => source,
        }
    }

    pub fn account(&self) -> Option<&str> {
        match self {
            UsageOutcome::Report(r) => r.account.as_deref(),
            UsageOutcome::Failed { account, .. } => account.as_deref(),
        }
    }

    /// The name to show: the account name, else the source.
    pub fn ident(&self) -> &str {
        self.account().unwrap_or(self.source())
    }

    /// An account that could not be checked is CRITICAL (STYLE.md, exit codes).
    pub fn status(&self, t: &Thresholds) -> Status {
        match self {
            UsageOutcome::Report(r) => r.status(t),
            UsageOutcome::Failed { .. } => Status::Critical,
        }
    }

    pub fn report(&self) -> Option<&UsageReport> {
        match self {
            UsageOutcome::Report(r) => Some(r),
            UsageOutcome::Failed { .. } => None,
        }
    }
}

/// The status of a whole `usage` run: the worst account's. No account at all is UNKNOWN
/// (nothing was checked).
pub fn usage_status(outcomes: &[UsageOutcome], t: &Thresholds) -> Status {
    outcomes.iter().map(|o| o.status(t)).reduce(Status::worst).unwrap_or(Status::Unknown)
}

/// Renders the result of `usage` for one or more accounts.
///
/// With one account the table shows its folders, quota, status and notes; with several it
/// shows one summary row per account (fullest quota first, failed accounts last) and
/// nothing else: per-account detail needs one account, or `--format json`.
pub fn render_usage(
    out: &mut dyn Write,
    outcomes: &[UsageOutcome],
    format: Format,
    opts: &RenderOptions,
) -> io::Result<()> {
    match format {
        Format::Table => table::usage(out, outcomes, opts),
        Format::Json => json::usage(out, outcomes, opts),
        Format::Nagios => nagios::usage(out, outcomes, opts),
        Format::Prometheus => prometheus::usage(out, outcomes, opts),
    }
}

/// Refuses the formats `probe` does not offer (a usage error, exit 3). Call it before
/// connecting so a typo does not cost a round trip to the server.
pub fn check_probe_format(format: Format) -> anyhow::Result<()> {
    match format {
        Format::Table | Format::Json => Ok(()),
        Format::Nagios | Format::Prometheus => Err(crate::error::usage(format!(
            "--format {} is not available for probe (use table or json)",
            format.name()
        ))),
    }
}

/// Renders the result of `probe`. A write error comes back as the `io::Error` itself
/// (see [`is_broken_pipe`]); an unsupported format as a usage error.
pub fn render_probe(
    out: &mut dyn Write,
    report: &ProbeReport,
    format: Format,
    opts: &RenderOptions,
) -> anyhow::Result<()> {
    check_probe_format(format)?;
    match format {
        Format::Json => json::probe(out, report, opts)?,
        _ => table::probe(out, report, opts)?,
    }
    Ok(())
}

/// True when the error is the reader of stdout going away (`| head`): not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|e| e.downcast_ref::<io::Error>()).any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Server-supplied text (folder names, subjects, greetings) made safe for a terminal:
/// control characters and bidirectional overrides are shown escaped (`\x1b`, `\u{202e}`),
/// so a hostile name cannot move the cursor, recolour the screen or reverse the text.
/// JSON needs none of this: serde escapes control characters itself.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let hostile = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(hostile) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if (c as u32) < 0x80 && hostile(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hostile(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes `value` as pretty-printed JSON (2 spaces) followed by a newline.
pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A bar of `cells` characters for a percentage, with eighth-block resolution: full
/// blocks, at most one partial block, then spaces (so bars line up in a column).
/// Below 0 (and NaN) is empty, above 100 is full.
pub fn bar(percent: f64, cells: usize) -> String {
    const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let p = if percent.is_nan() { 0.0 } else { percent.clamp(0.0, 100.0) };
    let eighths = (p / 100.0 * (cells * 8) as f64).round() as usize;
    let (full, rest) = (eighths / 8, eighths % 8);
    let mut s = "█".repeat(full);
    if full < cells {
        s.push(PARTIAL[rest]);
        s.extend(std::iter::repeat_n(' ', cells - full - 1));
    }
    s
}

/// A percentage as reports print it: one decimal ("85.2%").
pub(crate) fn percent(p: f64) -> String {
    format!("{p:.1}%")
}

/// A threshold as the user typed it: "80%", "92.5%".
pub(crate) fn threshold(p: f64) -> String {
    if p.fract() == 0.0 { format!("{p:.0}%") } else { format!("{p}%") }
}

/// The quota resource that decides the status: the fullest one (storage wins ties, as it
/// is the one that bounces mail with "Mailbox full").
pub(crate) fn worst_resource(report: &UsageReport) -> Option<&QuotaResource> {
    report
        .quota
        .roots()
        .iter()
        .flat_map(|r| r.resources.iter())
        .max_by(|a, b| a.percent().total_cmp(&b.percent()).then(a.is_storage().cmp(&b.is_storage())))
}

/// "852 MiB of 1000 MiB" for storage, "1234 of 10000 messages" for counts.
pub(crate) fn usage_of_limit(r: &QuotaResource) -> String {
    if r.is_storage() {
        format!("{} of {}", crate::model::size::human(r.usage), crate::model::size::human(r.limit))
    } else if r.name.eq_ignore_ascii_case("MESSAGE") {
        format!("{} of {} messages", r.usage, r.limit)
    } else {
        format!("{} of {} ({})", r.usage, r.limit, r.name)
    }
}

/// The one-line verdict on a report's quota, without the status word:
/// "quota 85.2% used (852 MiB of 1000 MiB)" or "quota not reported (no QUOTA capability)".
pub(crate) fn quota_summary(report: &UsageReport) -> String {
    match (&report.quota, worst_resource(report)) {
        (_, Some(r)) => format!("quota {} used ({})", percent(r.percent()), usage_of_limit(r)),
        (crate::model::QuotaInfo::NotReported { reason }, None) => format!("quota not reported ({reason})"),
        (crate::model::QuotaInfo::Reported { .. }, None) => "quota reported without resources".to_string(),
    }
}

/// A date as tables print it: the UTC calendar day.
pub(crate) fn day(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// `1 message`, `3 messages`.
pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// A timestamp as JSON carries it: RFC 3339, UTC, whole seconds.
pub(crate) fn rfc3339(t: Timestamp) -> String {
    crate::model::verdict::utc_rfc3339(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped_for_terminals() {
        assert_eq!(printable("INBOX"), "INBOX");
        assert_eq!(printable("Entwürfe"), "Entwürfe");
        assert_eq!(printable("evil\x1b[2J\r\n"), "evil\\x1b[2J\\x0d\\x0a");
        assert_eq!(printable("txt.\u{202e}fdp"), "txt.\\u{202e}fdp");
    }

    #[test]
    fn bars_have_a_fixed_width_and_clamp() {
        assert_eq!(bar(0.0, 10), " ".repeat(10));
        assert_eq!(bar(100.0, 10), "█".repeat(10));
        assert_eq!(bar(250.0, 10), "█".repeat(10));
        assert_eq!(bar(-5.0, 10), " ".repeat(10));
        assert_eq!(bar(f64::NAN, 10), " ".repeat(10));
        assert_eq!(bar(f64::INFINITY, 4), "████");
        assert_eq!(bar(50.0, 4), "██  ");
        assert_eq!(bar(45.0, 10), "████▌     ");
        for p in [0.0, 3.3, 12.5, 45.0, 99.9, 100.0, 1e9] {
            assert_eq!(bar(p, 10).chars().count(), 10, "{p}");
        }
        assert_eq!(bar(50.0, 0), "");
    }

    #[test]
    fn json_is_pretty_with_a_trailing_newline() {
        let mut out = Vec::new();
        write_json(&mut out, &serde_json::json!({"a": [1]})).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\n  \"a\": [\n    1\n  ]\n}\n");
    }

    #[test]
    fn thresholds_print_as_typed() {
        assert_eq!(threshold(80.0), "80%");
        assert_eq!(threshold(92.5), "92.5%");
        assert_eq!(percent(85.23), "85.2%");
    }

    #[test]
    fn probe_refuses_monitoring_formats_as_usage_errors() {
        let e = check_probe_format(Format::Nagios).unwrap_err();
        assert_eq!(e.to_string(), "--format nagios is not available for probe (use table or json)");
        assert_eq!(crate::error::exit_code(&e), crate::exit::ExitCode::Unknown);
        assert!(check_probe_format(Format::Prometheus).is_err());
        assert!(check_probe_format(Format::Json).is_ok());
    }

    #[test]
    fn broken_pipes_are_recognised_through_anyhow() {
        let e: anyhow::Error = io::Error::from(io::ErrorKind::BrokenPipe).into();
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    /// A reader that went away (`mailsweep usage | head -0`).
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_broken_pipe_is_an_error_not_a_panic() {
        let outcomes = [UsageOutcome::Report(testdata::report_warn()), testdata::failed()];
        for format in [Format::Table, Format::Json, Format::Nagios, Format::Prometheus] {
            let e = render_usage(&mut ClosedPipe, &outcomes, format, &testdata::opts()).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "{format:?}");
            let e = render_usage(&mut ClosedPipe, &outcomes[..1], format, &testdata::opts()).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "{format:?}");
        }
        for format in [Format::Table, Format::Json] {
            let e = render_probe(&mut ClosedPipe, &testdata::probe(), format, &testdata::opts()).unwrap_err();
            assert!(is_broken_pipe(&e), "{format:?}");
        }
    }

    #[test]
    fn probe_dispatches_and_writes_nothing_for_refused_formats() {
        let mut out = Vec::new();
        assert!(render_probe(&mut out, &testdata::probe(), Format::Nagios, &testdata::opts()).is_err());
        assert!(out.is_empty());
        render_probe(&mut out, &testdata::probe(), Format::Json, &testdata::opts()).unwrap();
        assert!(out.starts_with(b"{"));
    }

    #[test]
    fn quota_summary_names_the_fullest_resource() {
        assert_eq!(quota_summary(&testdata::report_warn()), "quota 85.2% used (852 MiB of 1000 MiB)");
        assert_eq!(quota_summary(&testdata::report_ok()), "quota not reported (POP3 has no quota command)");
        let mut r = testdata::report_warn();
        if let crate::model::QuotaInfo::Reported { roots } = &mut r.quota {
            roots[0].resources[1].usage = 99_000;
        }
        assert_eq!(quota_summary(&r), "quota 99.0% used (99000 of 100000 messages)");
    }

    #[test]
    fn run_status_is_the_worst_account() {
        let t = Thresholds::default();
        let ok = UsageOutcome::Report(testdata::report_ok());
        let failed = UsageOutcome::Failed { source: "imaps://c@h".into(), account: None, error: "x".into() };
        assert_eq!(usage_status(std::slice::from_ref(&ok), &t), Status::Ok);
        assert_eq!(usage_status(&[ok, failed], &t), Status::Critical);
        assert_eq!(usage_status(&[], &t), Status::Unknown);
    }
}
