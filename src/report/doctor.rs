//! Renders the `doctor` checkup as a table, JSON or Markdown (for a helpdesk ticket), in
//! English or French, into any `io::Write`.
//!
//! # JSON (schema_version 1)
//!
//! ```text
//! {
//!   "schema_version": 1, "command": "doctor", "generated_at": "2026-11-22T10:00:00Z",
//!   "source": "imaps://alice@mail.example.org", "account": "alice" | null,
//!   "lang": "en" | "fr",                     // the language of every text field
//!   "status": "ok" | "info" | "warning" | "critical",   // the worst finding
//!   "exit_code": 0 | 1 | 2,                  // 0 ok/info, 1 warning, 2 critical
//!   "counts": { "critical": 0, "warning": 3, "info": 2, "ok": 5 },
//!   "findings": [                            // most urgent first
//!     { "check": "quota" | "pop_deleters" | "pop_expire" | "bounces" | "folder_size"
//!                | "attachments" | "sent" | "trash" | "junk" | "folder_roles",
//!       "severity": "ok" | "info" | "warning" | "critical",
//!       "title": "Quota 96.0% used: new mail will soon bounce",
//!       "evidence": ["950.0 MiB of 1000.0 MiB (STORAGE); ...", "..."],  // the numbers, in words
//!       "rule": { "id": "quota_bounces", "guides": ["000", "004"],   // files in the guides' seeds
//!                 "text": "A mailbox is limited in bytes; ..." },
//!       "fix": { "command": "mailsweep archive imaps://... --until-quota 70% --to DIR" | null,
//!                "advice": "move old mail to local folders ..." | null },  // client setting
//!       "facts": { "kind": "quota", "resource": "STORAGE", "used": 996147200, ... } }
//!   ],                                       // facts: the numbers, machine-readable; sizes in
//!                                            // bytes, times RFC 3339 UTC; one "kind" per
//!                                            // model::doctor::Facts variant
//!   "notes": ["..."]                         // from the engines, English
//! }
//! ```

use std::io::{self, Write};

use comfy_table::Cell;
use serde::{Deserialize, Serialize};

use super::{RenderOptions, printable, rfc3339, write_json};
use crate::model::doctor::{self, Check, Checkup, Facts, Finding, Label, Lang, Rule, Severity, label};

/// The version of the `doctor` JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// The formats `doctor` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DoctorFormat {
    /// Human-readable: a summary table, then each finding with its evidence, rule and fix.
    Table,
    /// One JSON document (versioned, documented in `report::doctor`).
    Json,
    /// Markdown to paste into a helpdesk ticket.
    Markdown,
}

/// Wrap width for text blocks when the terminal's is unknown (files, pipes, tickets).
const DEFAULT_WIDTH: usize = 100;

pub fn render(
    out: &mut dyn Write,
    c: &Checkup,
    format: DoctorFormat,
    lang: Lang,
    opts: &RenderOptions,
) -> io::Result<()> {
    match format {
        DoctorFormat::Json => write_json(out, &document(c, lang, opts)),
        DoctorFormat::Table => table(out, c, lang, opts),
        DoctorFormat::Markdown => markdown(out, c, lang),
    }
}

/// The exit code of a checkup: 0 ok/info, 1 warning, 2 critical.
pub fn exit_code(c: &Checkup) -> i32 {
    crate::exit::ExitCode::from(c.worst().status()).code()
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// The JSON document (deserialisable, for scripts and tests written in Rust).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub schema_version: u32,
    pub command: String,
    pub generated_at: String,
    pub source: String,
    pub account: Option<String>,
    pub lang: Lang,
    pub status: Severity,
    pub exit_code: i32,
    pub counts: Counts,
    pub findings: Vec<JsonFinding>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub critical: u64,
    pub warning: u64,
    pub info: u64,
    pub ok: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFinding {
    pub check: Check,
    pub severity: Severity,
    pub title: String,
    pub evidence: Vec<String>,
    pub rule: JsonRule,
    pub fix: JsonFix,
    pub facts: Facts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonRule {
    pub id: Rule,
    pub guides: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonFix {
    pub command: Option<String>,
    pub advice: Option<String>,
}

pub fn document(c: &Checkup, lang: Lang, opts: &RenderOptions) -> Document {
    let count = |s: Severity| c.findings.iter().filter(|f| f.severity == s).count() as u64;
    Document {
        schema_version: SCHEMA_VERSION,
        command: "doctor".into(),
        generated_at: rfc3339(opts.now),
        source: c.source.clone(),
        account: c.account.clone(),
        lang,
        status: c.worst(),
        exit_code: exit_code(c),
        counts: Counts {
            critical: count(Severity::Critical),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
            ok: count(Severity::Ok),
        },
        findings: c.findings.iter().map(|f| json_finding(f, lang)).collect(),
        notes: notes(c, lang),
    }
}

fn json_finding(f: &Finding, lang: Lang) -> JsonFinding {
    let t = doctor::text(f, lang);
    let rule = f.rule();
    JsonFinding {
        check: f.check(),
        severity: f.severity,
        title: t.title,
        evidence: t.evidence,
        rule: JsonRule {
            id: rule,
            guides: rule.guides().iter().map(|g| g.to_string()).collect(),
            text: rule.text(lang).to_string(),
        },
        fix: JsonFix { command: f.command.clone(), advice: t.advice },
        facts: f.facts.clone(),
    }
}

/// The engines' notes, plus the local-store caveat when a fix is an archive command.
fn notes(c: &Checkup, lang: Lang) -> Vec<String> {
    let mut notes = c.notes.clone();
    notes.extend(c.own_notes.iter().map(|&n| label(n, lang).to_string()));
    let archive = c.findings.iter().any(|f| f.command.as_deref().is_some_and(|x| x.starts_with("mailsweep archive ")));
    if c.local && archive {
        notes.push(label(Label::LocalArchive, lang).to_string());
    }
    notes
}

// ---------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------

fn paint(s: Severity, lang: Lang, opts: &RenderOptions) -> String {
    let word = doctor::severity_word(s, lang);
    if !opts.color {
        return word.to_string();
    }
    let code = match s {
        Severity::Critical => "31;1",
        Severity::Warning => "33;1",
        Severity::Info => "36",
        Severity::Ok => "32",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// "3 warnings, 2 info, 5 ok" in the language.
fn summary(c: &Checkup, lang: Lang) -> String {
    let parts: Vec<String> =
        c.counts().into_iter().filter(|(_, n)| *n > 0).map(|(s, n)| doctor::severity_count(s, n, lang)).collect();
    parts.join(", ")
}

fn table(out: &mut dyn Write, c: &Checkup, lang: Lang, opts: &RenderOptions) -> io::Result<()> {
    writeln!(out, "{} {}: {}", label(Label::Heading, lang), printable(&c.source), summary(c, lang))?;
    let mut t = super::table::new_table(opts);
    t.set_header(["#", label(Label::Severity, lang), label(Label::Finding, lang)]);
    for (i, f) in c.findings.iter().enumerate() {
        let title = doctor::text(f, lang).title;
        t.add_row(vec![Cell::new(i + 1), Cell::new(paint(f.severity, lang, opts)), Cell::new(printable(&title))]);
    }
    writeln!(out, "{t}")?;
    let width = opts.width.map_or(DEFAULT_WIDTH, usize::from).max(40);
    let detailed: Vec<(usize, &Finding)> =
        c.findings.iter().enumerate().filter(|(_, f)| f.severity > Severity::Ok).collect();
    if detailed.is_empty() {
        writeln!(out, "{}", label(Label::NoFindings, lang))?;
    }
    for (i, f) in detailed {
        let t = doctor::text(f, lang);
        let rule = f.rule();
        writeln!(out)?;
        writeln!(out, "{}. {} {}", i + 1, paint(f.severity, lang, opts), printable(&t.title))?;
        let keys = [Label::Evidence, Label::Rule, Label::Fix, Label::Command];
        let pad = keys.iter().map(|k| label(*k, lang).chars().count()).max().unwrap_or(0) + 2;
        let mut field = |key: Label, text: &str| -> io::Result<()> {
            let head = format!("   {:<pad$}", format!("{}:", label(key, lang)));
            for (n, line) in wrap(text, width.saturating_sub(head.chars().count()).max(20)).iter().enumerate() {
                let lead = if n == 0 { head.clone() } else { " ".repeat(head.chars().count()) };
                writeln!(out, "{lead}{}", printable(line))?;
            }
            Ok(())
        };
        for e in &t.evidence {
            field(Label::Evidence, e)?;
        }
        field(Label::Rule, &format!("{} ({})", rule.text(lang), doctor::guides(rule, lang)))?;
        if let Some(a) = &t.advice {
            field(Label::Fix, a)?;
        }
        if let Some(cmd) = &f.command {
            // Never wrapped: it is copied and pasted.
            let head = format!("   {:<pad$}", format!("{}:", label(Label::Command, lang)));
            writeln!(out, "{head}{}", printable(cmd))?;
        }
    }
    let notes = notes(c, lang);
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            for (i, line) in wrap(&n, width - 6).iter().enumerate() {
                writeln!(out, "{}{}", if i == 0 { "note: " } else { "      " }, printable(line))?;
            }
        }
    }
    Ok(())
}

/// Greedy word wrap; a word longer than the width stays whole on its line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

// ---------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------

/// Text made inert for Markdown (and safe for terminals): table pipes and emphasis
/// characters escaped, line breaks flattened.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        if matches!(c, '|' | '*' | '_' | '`' | '<' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn markdown(out: &mut dyn Write, c: &Checkup, lang: Lang) -> io::Result<()> {
    writeln!(out, "## mailsweep doctor: `{}`", printable(&c.source).replace('`', "'"))?;
    writeln!(out)?;
    writeln!(out, "**{}** ({})", doctor::severity_word(c.worst(), lang), summary(c, lang))?;
    writeln!(out)?;
    writeln!(out, "| # | {} | {} |", label(Label::Severity, lang), label(Label::Finding, lang))?;
    writeln!(out, "|---:|---|---|")?;
    for (i, f) in c.findings.iter().enumerate() {
        let title = doctor::text(f, lang).title;
        writeln!(out, "| {} | {} | {} |", i + 1, doctor::severity_word(f.severity, lang), md(&title))?;
    }
    let detailed: Vec<(usize, &Finding)> =
        c.findings.iter().enumerate().filter(|(_, f)| f.severity > Severity::Ok).collect();
    if detailed.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", label(Label::NoFindings, lang))?;
    }
    let cap = |s: &str| {
        let mut ch = s.chars();
        ch.next().map(|f| f.to_uppercase().chain(ch).collect::<String>()).unwrap_or_default()
    };
    for (i, f) in detailed {
        let t = doctor::text(f, lang);
        let rule = f.rule();
        writeln!(out)?;
        writeln!(out, "### {}. {}: {}", i + 1, doctor::severity_word(f.severity, lang), md(&t.title))?;
        writeln!(out)?;
        for e in &t.evidence {
            writeln!(out, "- **{}**: {}", cap(label(Label::Evidence, lang)), md(e))?;
        }
        writeln!(
            out,
            "- **{}** ({}): {}",
            cap(label(Label::Rule, lang)),
            doctor::guides(rule, lang),
            md(rule.text(lang))
        )?;
        if let Some(a) = &t.advice {
            writeln!(out, "- **{}**: {}", cap(label(Label::Fix, lang)), md(a))?;
        }
        if let Some(cmd) = &f.command {
            writeln!(out)?;
            writeln!(out, "```sh")?;
            writeln!(out, "{}", printable(cmd))?;
            writeln!(out, "```")?;
        }
    }
    let notes = notes(c, lang);
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "> {}", md(&n))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thresholds;
    use crate::model::doctor::{Context, skipped};
    use crate::model::folder::FolderUsage;
    use crate::model::usage::{QuotaInfo, SizeMethod, UsageReport};
    use crate::model::{QuotaResource, QuotaRoot};

    fn opts() -> RenderOptions {
        let mut o = RenderOptions::new(Thresholds::default());
        o.now = "2026-11-22T10:00:00Z".parse().unwrap();
        o
    }

    fn checkup() -> Checkup {
        let mut inbox = FolderUsage::new("INBOX", "INBOX");
        (inbox.messages, inbox.bytes) = (100, 200_000_000);
        let mut sent = FolderUsage::new("Sent", "Sent");
        (sent.messages, sent.bytes) = (10, 1_000);
        sent.oldest = Some("2020-01-01T00:00:00Z".parse().unwrap());
        let mut sent2 = FolderUsage::new("Éléments envoyés", "x");
        (sent2.messages, sent2.bytes) = (2, 10);
        let r = UsageReport {
            source: "imaps://alice@h".into(),
            account: None,
            size_method: SizeMethod::StatusSize,
            folders: vec![inbox, sent, sent2],
            quota: QuotaInfo::Reported {
                roots: vec![QuotaRoot {
                    name: "User quota".into(),
                    resources: vec![QuotaResource { name: "STORAGE".into(), usage: 960_000_000, limit: 1_000_000_000 }],
                }],
            },
            notes: vec!["a note | with a pipe".into()],
        };
        let ctx = Context { source: r.source.clone(), thresholds: Thresholds::default(), now: opts().now };
        let mut f = vec![doctor::quota(&r, &ctx)];
        f.extend(doctor::folder_sizes(&r, &ctx));
        f.extend(doctor::role_folders(&r, &[], &ctx));
        f.push(skipped(Check::Bounces, "not over POP3"));
        Checkup::new(r.source.clone(), None, false, f, r.notes.clone())
    }

    fn render_to_string(c: &Checkup, format: DoctorFormat, lang: Lang) -> String {
        let mut out = Vec::new();
        render(&mut out, c, format, lang, &opts()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_round_trips_with_its_schema_version() {
        let c = checkup();
        for lang in Lang::ALL {
            let text = render_to_string(&c, DoctorFormat::Json, lang);
            let doc: Document = serde_json::from_str(&text).unwrap();
            assert_eq!(doc, document(&c, lang, &opts()));
            assert_eq!((doc.schema_version, doc.command.as_str(), doc.lang), (1, "doctor", lang));
            assert_eq!(doc.status, Severity::Critical);
            assert_eq!(doc.exit_code, 2);
            assert_eq!(doc.counts.critical, 1);
            assert_eq!(doc.findings[0].check, Check::Quota);
            assert_eq!(doc.findings[0].rule.guides, ["000", "004"]);
            assert!(doc.findings[0].fix.command.as_deref().unwrap().contains("--until-quota 70%"));
            assert!(matches!(doc.findings[0].facts, Facts::Quota { used: 960_000_000, .. }));
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["findings"][0]["facts"]["kind"], "quota");
            assert_eq!(v["generated_at"], "2026-11-22T10:00:00Z");
        }
    }

    #[test]
    fn table_lists_every_finding_and_details_the_problems() {
        let c = checkup();
        let en = render_to_string(&c, DoctorFormat::Table, Lang::En);
        assert!(en.starts_with("Checkup of imaps://alice@h: 1 critical, 2 warnings, 3 info, 2 ok\n"), "{en}");
        assert!(en.contains("1. CRITICAL Quota 96.0% used: new mail will soon bounce"), "{en}");
        assert!(en.contains("command:  mailsweep archive imaps://alice@h --until-quota 70% --to DIR"), "{en}");
        assert!(en.contains("(guides 000, 004)"), "{en}");
        assert!(en.contains("note: a note | with a pipe"));
        assert!(!en.contains('\x1b'));
        let fr = render_to_string(&c, DoctorFormat::Table, Lang::Fr);
        assert!(fr.starts_with("Bilan de imaps://alice@h: 1 critique, 2 avertissements, 3 info, 2 ok\n"), "{fr}");
        assert!(fr.contains("CRITIQUE Quota utilisé à 96,0 %"), "{fr}");
        assert!(fr.contains("à faire:"), "{fr}");
        for line in en
            .lines()
            .chain(fr.lines())
            .filter(|l| !l.contains("mailsweep ") && !l.starts_with(['┌', '│', '╞', '└', '├']))
        {
            assert!(line.chars().count() <= DEFAULT_WIDTH, "too long: {line}");
        }
        let mut o = opts();
        o.color = true;
        let mut out = Vec::new();
        render(&mut out, &c, DoctorFormat::Table, Lang::En, &o).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\x1b[31;1mCRITICAL\x1b[0m"));
    }

    #[test]
    fn markdown_pastes_into_a_ticket() {
        let c = checkup();
        let md = render_to_string(&c, DoctorFormat::Markdown, Lang::En);
        assert!(
            md.starts_with(
                "## mailsweep doctor: `imaps://alice@h`\n\n**CRITICAL** (1 critical, 2 warnings, 3 info, 2 ok)\n"
            ),
            "{md}"
        );
        assert!(md.contains("| 1 | CRITICAL | Quota 96.0% used: new mail will soon bounce |"), "{md}");
        assert!(md.contains("```sh\nmailsweep archive imaps://alice@h --until-quota 70% --to DIR\n```"), "{md}");
        assert!(md.contains("> a note \\| with a pipe"), "{md}");
        let fr = render_to_string(&c, DoctorFormat::Markdown, Lang::Fr);
        assert!(fr.contains("- **Règle** (guides 000, 004)"), "{fr}");
    }

    #[test]
    fn a_clean_checkup_says_so() {
        let c = Checkup::new("maildir:/x".into(), None, true, vec![], vec![]);
        assert!(render_to_string(&c, DoctorFormat::Table, Lang::En).contains("nothing to fix"));
        assert!(render_to_string(&c, DoctorFormat::Markdown, Lang::Fr).contains("rien à corriger"));
        assert_eq!(exit_code(&c), 0);
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), [""]);
        assert_eq!(wrap("averyveryverylongword x", 5), ["averyveryverylongword", "x"]);
    }
}
