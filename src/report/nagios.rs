//! Nagios/Icinga plugin output (monitoring-plugins guidelines): one status line with
//! perfdata, then, for several accounts, one long-output line per account.
//!
//! ```text
//! MAILSWEEP USAGE WARNING - alice quota 85.2% used (852 MiB of 1000 MiB) | storage=893386752B;838860800;996147200;0;1048576000 size=802002048B;;;0 messages=1234;;;0 quota_messages=1234;80000;95000;0;100000 'folder INBOX'=150000000B;;;0 ...
//! ```
//!
//! Perfdata labels: `storage` (quota use, with warn/crit in bytes and the limit as max),
//! `quota_messages` (a MESSAGE quota, likewise), `size` and `messages` (what the folders
//! hold) and, for one account, `'folder NAME'` per folder listed. With several accounts
//! the labels are prefixed by the account (`'alice storage'`) and there is no folder
//! perfdata. The exit code is the caller's (`usage_status`).

use std::io::{self, Write};

use super::{RenderOptions, UsageOutcome, quota_summary, usage_status};
use crate::model::quota::QuotaResource;
use crate::model::size::human;
use crate::model::{Status, Thresholds, UsageReport, quota};

pub(super) fn usage(out: &mut dyn Write, outcomes: &[UsageOutcome], opts: &RenderOptions) -> io::Result<()> {
    let t = &opts.thresholds;
    let run = usage_status(outcomes, t);
    match outcomes {
        [] => writeln!(out, "MAILSWEEP USAGE {} - no account was checked", run.label()),
        [one] => {
            let perf = match one.report() {
                Some(r) => perfdata(r, t, "", true),
                None => vec![],
            };
            writeln!(out, "MAILSWEEP USAGE {} - {}{}", run.label(), text(one), perf_suffix(&perf))
        }
        _ => {
            let mut sorted: Vec<&UsageOutcome> = outcomes.iter().collect();
            // Worst first; within a status, fullest first (stable: input order otherwise).
            sorted.sort_by(|a, b| {
                let pct = |o: &UsageOutcome| o.report().and_then(UsageReport::quota_percent).unwrap_or(-1.0);
                b.status(t).cmp(&a.status(t)).then(pct(b).total_cmp(&pct(a)))
            });
            let mut perf = Vec::new();
            for o in &sorted {
                if let Some(r) = o.report() {
                    perf.extend(perfdata(r, t, &format!("{} ", o.ident()), false));
                }
            }
            let mut counts = Vec::new();
            for s in [Status::Critical, Status::Warning, Status::Ok] {
                let n = outcomes.iter().filter(|o| o.report().is_some() && o.status(t) == s).count();
                if n > 0 {
                    counts.push(format!("{n} {}", s.label().to_lowercase()));
                }
            }
            let failed = outcomes.iter().filter(|o| o.report().is_none()).count();
            if failed > 0 {
                counts.push(format!("{failed} failed"));
            }
            writeln!(
                out,
                "MAILSWEEP USAGE {} - {} accounts: {}{}",
                run.label(),
                outcomes.len(),
                counts.join(", "),
                perf_suffix(&perf)
            )?;
            for o in sorted {
                writeln!(out, "{} - {}", o.status(t).label(), text(o))?;
            }
            Ok(())
        }
    }
}

/// The human part of a status line, safe for Nagios (no `|`, one line).
fn text(o: &UsageOutcome) -> String {
    let s = match o {
        UsageOutcome::Failed { error, .. } => format!("{}: {error}", o.ident()),
        UsageOutcome::Report(r) => {
            let mut s = format!("{} {}", o.ident(), quota_summary(r));
            if r.quota_percent().is_none() {
                s.push_str(&format!(", {} in {} messages", human(r.total_bytes()), r.total_messages()));
            }
            s
        }
    };
    // `|` starts perfdata and a newline starts long output: neither may come from data.
    s.replace('|', "/").replace(['\r', '\n'], " ")
}

fn perf_suffix(perf: &[String]) -> String {
    if perf.is_empty() { String::new() } else { format!(" | {}", perf.join(" ")) }
}

/// A perfdata label: quoted when needed, `'` doubled, `=` (never allowed) replaced.
pub(crate) fn label(raw: &str) -> String {
    let clean: String = raw.chars().map(|c| if c == '=' || c == '|' || c.is_control() { '_' } else { c }).collect();
    if clean.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') && !clean.is_empty() {
        clean
    } else {
        format!("'{}'", clean.replace('\'', "''"))
    }
}

/// `value;warn;crit;min;max` for a quota resource: thresholds turned into its unit.
fn quota_perf(name: String, r: &QuotaResource, t: &Thresholds, uom: &str) -> String {
    let at = |p: f64| (r.limit as f64 * p / 100.0).floor() as u64;
    format!("{}={}{uom};{};{};0;{}", label(&name), r.usage, at(t.warn), at(t.crit), r.limit)
}

fn perfdata(r: &UsageReport, t: &Thresholds, prefix: &str, folders: bool) -> Vec<String> {
    let mut perf = Vec::new();
    let roots = r.quota.roots();
    if let Some(storage) = quota::fullest_storage(roots) {
        perf.push(quota_perf(format!("{prefix}storage"), storage, t, "B"));
    }
    perf.push(format!("{}={}B;;;0", label(&format!("{prefix}size")), r.total_bytes()));
    perf.push(format!("{}={};;;0", label(&format!("{prefix}messages")), r.total_messages()));
    let message_quota = roots
        .iter()
        .flat_map(|root| root.resources.iter())
        .filter(|res| res.name.eq_ignore_ascii_case("MESSAGE"))
        .max_by(|a, b| a.percent().total_cmp(&b.percent()));
    if let Some(m) = message_quota {
        perf.push(quota_perf(format!("{prefix}quota_messages"), m, t, ""));
    }
    if folders {
        for f in &r.folders {
            perf.push(format!("{}={}B;;;0", label(&format!("folder {}", f.name)), f.bytes));
        }
    }
    perf
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, opts};
    use super::*;

    fn render(outcomes: &[UsageOutcome]) -> String {
        let mut out = Vec::new();
        usage(&mut out, outcomes, &opts()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_account_is_one_line_with_perfdata() {
        let text = render(&[UsageOutcome::Report(testdata::report_warn())]);
        println!("{text}");
        assert_eq!(text.lines().count(), 1);
        let (status, perf) = text.trim_end().split_once(" | ").unwrap();
        assert_eq!(status, "MAILSWEEP USAGE WARNING - alice quota 85.2% used (852 MiB of 1000 MiB)");
        let perf: Vec<&str> = perf.split(' ').collect();
        assert_eq!(perf[0], "storage=893386752B;838860800;996147200;0;1048576000");
        assert_eq!(perf[1], "size=802002048B;;;0");
        assert_eq!(perf[2], "messages=1234;;;0");
        assert_eq!(perf[3], "quota_messages=1234;80000;95000;0;100000");
        assert!(text.contains(" 'folder INBOX'=150000000B;;;0 "));
        assert!(text.contains(" 'folder Archives/2021'=612000000B;;;0 "));
        assert!(text.contains(" 'folder Pro''jets \"x\"'=2048B;;;0\n"), "{text}");
    }

    #[test]
    fn no_quota_still_reports_sizes() {
        let text = render(&[UsageOutcome::Report(testdata::report_ok())]);
        assert_eq!(
            text,
            "MAILSWEEP USAGE OK - pop3s://bob@mail.example.org quota not reported (POP3 has no quota command), \
             4.9 KiB in 10 messages | size=5000B;;;0 messages=10;;;0 'folder INBOX'=5000B;;;0\n"
        );
    }

    #[test]
    fn a_failed_account_is_critical_without_perfdata_and_pipes_are_neutralised() {
        let text = render(&[testdata::failed()]);
        assert_eq!(
            text,
            "MAILSWEEP USAGE CRITICAL - carol: cannot connect to imaps://carol@mail.example.org: connection refused / retry\n"
        );
    }

    #[test]
    fn several_accounts_worst_first_with_long_output() {
        let text = render(&[
            UsageOutcome::Report(testdata::report_ok()),
            UsageOutcome::Report(testdata::report_warn()),
            testdata::failed(),
            UsageOutcome::Report(testdata::report_crit()),
        ]);
        println!("{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(
            lines[0].starts_with("MAILSWEEP USAGE CRITICAL - 4 accounts: 1 critical, 1 warning, 1 ok, 1 failed | ")
        );
        assert!(lines[0].contains("'dave storage'=101711872B;83886080;99614720;0;104857600"));
        assert!(lines[0].contains("'pop3s://bob@mail.example.org size'=5000B;;;0"));
        assert!(!lines[0].contains("folder"));
        assert!(lines[1].starts_with("CRITICAL - dave quota 97.0% used"));
        assert!(lines[2].starts_with("CRITICAL - carol: cannot connect"));
        assert!(lines[3].starts_with("WARNING - alice"));
        assert!(lines[4].starts_with("OK - pop3s://bob"));
        assert!(lines[1..].iter().all(|l| !l.contains('|')));
    }

    #[test]
    fn labels_are_quoted_and_escaped() {
        assert_eq!(label("storage"), "storage");
        assert_eq!(label("folder INBOX"), "'folder INBOX'");
        assert_eq!(label("it's"), "'it''s'");
        assert_eq!(label("a=b"), "a_b");
        assert_eq!(label("x\ny"), "x_y");
    }
}
