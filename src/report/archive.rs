//! The `archive` summary (and `--dry-run` plan): a table per folder, or a versioned JSON
//! document (`schema_version`, sizes in bytes, times in RFC 3339 UTC).

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Table, presets};
use serde::Serialize;

use super::{Format, RenderOptions, printable};
use crate::model::archive::ArchiveReport;
use crate::model::size::human;

/// Bumped on any incompatible change of the JSON document.
pub const ARCHIVE_SCHEMA_VERSION: u32 = 1;

/// Refuses the formats `archive` does not offer (exit 3), before anything is done.
pub fn check_format(format: Format) -> anyhow::Result<()> {
    match format {
        Format::Table | Format::Json => Ok(()),
        other => Err(crate::error::usage(format!(
            "--format {} is not available for archive (use table or json)",
            other.name()
        ))),
    }
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    generated_at: String,
    #[serde(flatten)]
    report: &'a ArchiveReport,
    totals: Totals,
}

#[derive(Serialize)]
struct Totals {
    planned_messages: u64,
    planned_bytes: u64,
    archived_messages: u64,
    archived_bytes: u64,
    deleted_messages: u64,
    resumed_deletions: u64,
    already_archived: u64,
    failed: u64,
}

fn totals(r: &ArchiveReport) -> Totals {
    Totals {
        planned_messages: r.total(|f| f.planned_messages),
        planned_bytes: r.total(|f| f.planned_bytes),
        archived_messages: r.total(|f| f.archived_messages),
        archived_bytes: r.total(|f| f.archived_bytes),
        deleted_messages: r.total(|f| f.deleted_messages),
        resumed_deletions: r.total(|f| f.resumed_deletions),
        already_archived: r.total(|f| f.already_archived),
        failed: r.total(|f| f.failed),
    }
}

pub fn render(out: &mut dyn Write, report: &ArchiveReport, format: Format, opts: &RenderOptions) -> io::Result<()> {
    match format {
        Format::Json => {
            let doc = Document {
                schema_version: ARCHIVE_SCHEMA_VERSION,
                generated_at: opts.now.to_string(),
                report,
                totals: totals(report),
            };
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
            writeln!(out)
        }
        _ => table(out, report),
    }
}

/// The plan before confirmation, for stderr (same table as `--dry-run`).
pub fn plan(out: &mut dyn Write, report: &ArchiveReport) -> io::Result<()> {
    table(out, report)
}

fn table(out: &mut dyn Write, r: &ArchiveReport) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    let mut header = vec!["Folder", "Archive", "Planned", "Size"];
    if !r.dry_run {
        header.extend(["Archived", "Removed", "Already", "Failed"]);
    }
    t.set_header(header);
    for f in &r.folders {
        let targets = if f.targets.is_empty() { "-".to_string() } else { f.targets.join(", ") };
        let mut row = vec![
            Cell::new(printable(&f.folder)),
            Cell::new(printable(&targets)),
            Cell::new(f.planned_messages).set_alignment(CellAlignment::Right),
            Cell::new(human(f.planned_bytes)).set_alignment(CellAlignment::Right),
        ];
        if !r.dry_run {
            for n in [f.archived_messages, f.deleted_messages + f.resumed_deletions, f.already_archived, f.failed] {
                row.push(Cell::new(n).set_alignment(CellAlignment::Right));
            }
        }
        t.add_row(row);
    }
    let t2 = totals(r);
    writeln!(out, "{t}")?;
    let verb = if r.dry_run {
        "would move"
    } else if r.keep_on_server {
        "copied"
    } else {
        "moved"
    };
    let (n, b) =
        if r.dry_run { (t2.planned_messages, t2.planned_bytes) } else { (t2.archived_messages, t2.archived_bytes) };
    writeln!(
        out,
        "\n{} {verb} {n} messages ({}) to {} ({:?})",
        printable(&r.source),
        human(b),
        printable(&r.directory),
        r.format
    )?;
    if !r.dry_run && t2.resumed_deletions > 0 {
        writeln!(out, "finished {} removals an interrupted run had verified", t2.resumed_deletions)?;
    }
    if let Some(q) = r.quota
        && let (Some(before), Some(after)) = (q.percent_before(), q.percent_after())
    {
        let when = if r.dry_run { "after the move" } else { "now" };
        writeln!(
            out,
            "quota: {} of {} ({before:.1}%) before, {} ({after:.1}%) {when}",
            human(q.used_before),
            human(q.limit),
            human(q.used_after)
        )?;
    }
    for note in &r.notes {
        writeln!(out, "note: {}", printable(note))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thresholds;
    use crate::model::archive::{FolderOutcome, QuotaFigures};

    fn report() -> ArchiveReport {
        ArchiveReport {
            source: "imaps://alice@h".into(),
            directory: "/arch".into(),
            dry_run: true,
            folders: vec![FolderOutcome {
                folder: "Sent\x1b[31m".into(),
                targets: vec!["Sent".into()],
                planned_messages: 3,
                planned_bytes: 3000,
                ..FolderOutcome::default()
            }],
            quota: Some(QuotaFigures { used_before: 900, limit: 1000, used_after: 600 }),
            ..ArchiveReport::default()
        }
    }

    #[test]
    fn plans_show_folders_totals_and_quota_without_escapes() {
        let mut out = Vec::new();
        render(&mut out, &report(), Format::Table, &RenderOptions::new(Thresholds::default())).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("would move 3 messages"), "{text}");
        assert!(text.contains("(90.0%) before") && text.contains("(60.0%) after the move"), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }

    #[test]
    fn json_is_versioned_with_totals() {
        let mut out = Vec::new();
        render(&mut out, &report(), Format::Json, &RenderOptions::new(Thresholds::default())).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["totals"]["planned_bytes"], 3000);
        assert_eq!(v["folders"][0]["planned_messages"], 3);
        assert_eq!(v["format"], "mbox");
        assert!(check_format(Format::Nagios).is_err());
    }
}
