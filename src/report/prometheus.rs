//! Prometheus text exposition for the node_exporter textfile collector: run `usage` from
//! cron into `*.prom.tmp` and rename it into the collector's directory.
//!
//! Every family is written once (HELP, TYPE, then its samples for all accounts), as the
//! format requires. The `account` label is the config account name, else the source.
//! Failed accounts only appear in `mailsweep_scrape_success` (0) and `mailsweep_status`.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{RenderOptions, UsageOutcome};
use crate::model::Status;

/// One metric family being assembled.
struct Family {
    name: &'static str,
    help: &'static str,
    samples: String,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Self {
        Family { name, help, samples: String::new() }
    }

    fn add(&mut self, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.samples.push_str(self.name);
        if !labels.is_empty() {
            self.samples.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.samples.push(',');
                }
                let _ = write!(self.samples, "{k}=\"{}\"", escape_label(v));
            }
            self.samples.push('}');
        }
        let _ = writeln!(self.samples, " {value}");
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.samples.is_empty() {
            return Ok(());
        }
        writeln!(out, "# HELP {} {}", self.name, self.help)?;
        writeln!(out, "# TYPE {} gauge", self.name)?;
        out.write_all(self.samples.as_bytes())
    }
}

/// Label values escape `\`, `"` and newlines (the text format's only escapes).
pub(crate) fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn status_value(s: Status) -> u8 {
    match s {
        Status::Ok => 0,
        Status::Warning => 1,
        Status::Critical => 2,
        Status::Unknown => 3,
    }
}

pub(super) fn usage(out: &mut dyn Write, outcomes: &[UsageOutcome], opts: &RenderOptions) -> io::Result<()> {
    let mut success = Family::new("mailsweep_scrape_success", "1 if the account could be measured, 0 if not.");
    let mut status = Family::new(
        "mailsweep_status",
        "Monitoring status of the account: 0 ok, 1 warning, 2 critical (thresholds on quota use).",
    );
    let mut usage_bytes = Family::new("mailsweep_quota_usage_bytes", "Storage quota in use, in bytes.");
    let mut limit_bytes = Family::new("mailsweep_quota_limit_bytes", "Storage quota limit, in bytes.");
    let mut messages = Family::new("mailsweep_quota_messages", "Message-count quota in use.");
    let mut limit_messages = Family::new("mailsweep_quota_limit_messages", "Message-count quota limit.");
    let mut ratio = Family::new(
        "mailsweep_quota_used_ratio",
        "Use of the fullest quota resource, 0 to 1 (above 1 when over quota).",
    );
    let mut folder_bytes = Family::new("mailsweep_folder_bytes", "Size of the folder's messages, in bytes.");
    let mut folder_messages = Family::new("mailsweep_folder_messages", "Messages in the folder.");
    let mut folder_unseen = Family::new("mailsweep_folder_unseen", "Unseen messages in the folder.");

    for o in outcomes {
        let account = o.ident();
        success.add(&[("account", account)], u8::from(o.report().is_some()));
        status.add(&[("account", account)], status_value(o.status(&opts.thresholds)));
        let Some(r) = o.report() else { continue };
        for root in r.quota.roots() {
            let labels = [("account", account), ("source", r.source.as_str()), ("root", root.name.as_str())];
            for res in &root.resources {
                if res.is_storage() {
                    usage_bytes.add(&labels, res.usage);
                    limit_bytes.add(&labels, res.limit);
                } else if res.name.eq_ignore_ascii_case("MESSAGE") {
                    messages.add(&labels, res.usage);
                    limit_messages.add(&labels, res.limit);
                }
            }
        }
        if let Some(p) = r.quota_percent() {
            ratio.add(&[("account", account), ("source", r.source.as_str())], p / 100.0);
        }
        for f in &r.folders {
            let labels = [("account", account), ("folder", f.name.as_str())];
            folder_bytes.add(&labels, f.bytes);
            folder_messages.add(&labels, f.messages);
            if let Some(u) = f.unseen {
                folder_unseen.add(&labels, u);
            }
        }
    }
    let mut last_run = Family::new(
        "mailsweep_last_run_timestamp_seconds",
        "When mailsweep usage last ran, in seconds since the Unix epoch.",
    );
    last_run.add(&[], opts.now.as_second());

    for family in [
        &success,
        &status,
        &usage_bytes,
        &limit_bytes,
        &messages,
        &limit_messages,
        &ratio,
        &folder_bytes,
        &folder_messages,
        &folder_unseen,
        &last_run,
    ] {
        family.write(out)?;
    }
    Ok(())
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
    fn families_samples_and_escaping() {
        let text = render(&[UsageOutcome::Report(testdata::report_warn()), testdata::failed()]);
        println!("{text}");
        assert!(text.starts_with(
            "# HELP mailsweep_scrape_success 1 if the account could be measured, 0 if not.\n\
             # TYPE mailsweep_scrape_success gauge\n\
             mailsweep_scrape_success{account=\"alice\"} 1\n\
             mailsweep_scrape_success{account=\"carol\"} 0\n"
        ));
        assert!(text.contains("mailsweep_status{account=\"alice\"} 1\n"));
        assert!(text.contains("mailsweep_status{account=\"carol\"} 2\n"));
        assert!(text.contains(
            "mailsweep_quota_usage_bytes{account=\"alice\",source=\"imaps://alice@mail.example.org\",root=\"User quota\"} 893386752\n"
        ));
        assert!(text.contains("mailsweep_quota_limit_bytes{account=\"alice\",source=\"imaps://alice@mail.example.org\",root=\"User quota\"} 1048576000\n"));
        assert!(text.contains("mailsweep_quota_messages{account=\"alice\",source=\"imaps://alice@mail.example.org\",root=\"User quota\"} 1234\n"));
        assert!(text.contains("mailsweep_folder_bytes{account=\"alice\",folder=\"Archives/2021\"} 612000000\n"));
        assert!(text.contains("mailsweep_folder_messages{account=\"alice\",folder=\"INBOX\"} 812\n"));
        assert!(text.contains("mailsweep_folder_unseen{account=\"alice\",folder=\"INBOX\"} 3\n"));
        assert!(
            !text.contains("mailsweep_folder_unseen{account=\"alice\",folder=\"Sent\"}"),
            "unknown is absent, not 0"
        );
        assert!(text.contains("folder=\"Pro'jets \\\"x\\\"\"} 2048\n"));
        assert!(text.ends_with(
            "# TYPE mailsweep_last_run_timestamp_seconds gauge\nmailsweep_last_run_timestamp_seconds 1714564800\n"
        ));
        assert!(!text.contains("account=\"carol\",folder"));
    }

    #[test]
    fn every_family_appears_once_with_help_and_type() {
        let text = render(&[
            UsageOutcome::Report(testdata::report_warn()),
            UsageOutcome::Report(testdata::report_crit()),
            UsageOutcome::Report(testdata::report_ok()),
        ]);
        let mut seen = std::collections::HashSet::new();
        let mut current = String::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap().to_string();
                assert!(seen.insert(name.clone()), "{name} repeated");
                current = name;
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(name, current, "sample outside its family: {line}");
            }
        }
        assert!(
            text.contains("mailsweep_quota_used_ratio{account=\"dave\",source=\"imaps://dave@mail.example.org\"} 0.97")
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(escape_label("Éléments envoyés"), "Éléments envoyés");
    }
}
