//! `mailsweep deleters logs`: who deletes the mail, from Dovecot's logs.

use anyhow::Result;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::cli::{DeletersArgs, DeletersCommand, DeletersLogsArgs, GlobalArgs};
use crate::error;
use crate::exit::ExitCode;
use crate::logs::{self, Filter};
use crate::model::{Status, Thresholds, when};
use crate::report::Format;
use crate::report::deleters::{self as render, DeletersFilters, DeletersFormat};

pub fn run(global: &GlobalArgs, args: DeletersArgs) -> Result<ExitCode> {
    match args.command {
        DeletersCommand::Logs(a) => logs_cmd(global, a),
        DeletersCommand::Watch(a) => super::deleters_live::watch(global, a),
        DeletersCommand::Snapshot(a) => super::deleters_live::snapshot(global, a),
    }
}

fn logs_cmd(global: &GlobalArgs, args: DeletersLogsArgs) -> Result<ExitCode> {
    let format = match args.format {
        Format::Table => DeletersFormat::Table { all: args.all },
        Format::Json => DeletersFormat::Json,
        other => {
            return Err(error::usage(format!(
                "--format {} is not available for deleters logs (use table or json)",
                other.name()
            )));
        }
    };
    let now = Timestamp::now();
    let tz = TimeZone::system();
    let since = args.since.as_deref().map(|s| parse_when(s, now, &tz, "--since")).transpose()?;
    let until = args.until.as_deref().map(|s| parse_when(s, now, &tz, "--until")).transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(error::usage("--since is after --until"));
    }
    let stdin_count = args.files.iter().filter(|f| f.as_os_str() == "-").count();
    if stdin_count > 1 {
        return Err(error::usage("stdin (-) can be read only once"));
    }
    let opts = logs::Options {
        filter: Filter {
            users: args.users.iter().map(|u| u.as_bytes().to_vec()).collect(),
            since: since.map(|t| t.as_second()),
            until: until.map(|t| t.as_second()),
        },
        year: args.year,
        tz,
        now,
    };
    let analysis = logs::read(&args.files, &opts).map_err(log_error)?;
    let filters = DeletersFilters { users: args.users.clone(), since, until };
    let render_opts = super::render_options(global.color, Thresholds::default());
    // Straight to stdout: the report of a big log is tens of MB, not worth holding.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let status = render::render_with_status(&mut out, &analysis, &filters, format, &render_opts)?;
    std::io::Write::flush(&mut out)?;
    // The process ends next: freeing a whole server's sessions one allocation at a time
    // (~10 ms for a 1 GB log) is work the OS does at once.
    std::mem::forget(analysis);
    Ok(match status {
        Status::Ok => ExitCode::Ok,
        _ => ExitCode::Warning,
    })
}

/// `--since`/`--until`: RFC 3339, a local date or date-time, or an age counted back from
/// now with the tool's one unit table ([`when::parse_age`]: `7d`, `12h`, `90min`, `6m` =
/// six months).
fn parse_when(s: &str, now: Timestamp, tz: &TimeZone, flag: &str) -> Result<Timestamp> {
    when::parse_cutoff_in(s, now, tz).map_err(|e| {
        error::usage_hint(
            format!("{flag}: {e}"),
            "use RFC 3339 (2026-11-22T10:00:00Z), a local date or date-time (2026-11-22, \"2026-11-22 10:00\") or \
             an age (7d, 12h, 90min; m is months, write min for minutes)",
        )
    })
}

/// The error for a log that could not be read, with the hint its cause calls for.
pub(crate) fn log_error(e: logs::InputError) -> anyhow::Error {
    let what = if e.path.as_os_str() == "-" { "stdin".to_string() } else { format!("\"{}\"", e.path.display()) };
    let hint = match e.error.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidInput => {
            "check the path (rotated logs are mail.log.1, mail.log.2.gz, ...)"
        }
        std::io::ErrorKind::PermissionDenied => "Dovecot logs are often root:adm 0640: run as root or in group adm",
        // Truncated while read, a damaged gzip member, a disk error: the file, not the path.
        _ => "read it again; if it fails the same way, the file itself is damaged (try zcat or less on it)",
    };
    error::failure_hint(format!("cannot read log {what}: {}", e.error), hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_accepts_rfc3339_dates_and_ages() {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let tz = TimeZone::UTC;
        let p = |s: &str| parse_when(s, now, &tz, "--since").map(|t| t.to_string());
        assert_eq!(p("2026-11-01T10:00:00+01:00").unwrap(), "2026-11-01T09:00:00Z");
        assert_eq!(p("2026-11-01").unwrap(), "2026-11-01T00:00:00Z");
        assert_eq!(p("2026-11-01 10:30").unwrap(), "2026-11-01T10:30:00Z");
        assert_eq!(p("7d").unwrap(), "2026-11-15T12:00:00Z");
        assert_eq!(p("12h").unwrap(), "2026-11-22T00:00:00Z");
        assert_eq!(p("90min").unwrap(), "2026-11-22T10:30:00Z");
        assert_eq!(p("6m").unwrap(), "2026-05-22T12:00:00Z", "m is months, as in every cutoff of the tool");
        for bad in ["yesterday", "30mn", "30"] {
            let e = p(bad).unwrap_err();
            assert_eq!(error::exit_code(&e), ExitCode::Unknown);
            assert!(error::one_line(&e).starts_with("--since: "), "{}", error::one_line(&e));
        }
    }

    #[test]
    fn a_log_error_hints_at_its_cause() {
        let hint = |kind: std::io::ErrorKind| {
            let e = log_error(logs::InputError { path: "/var/log/mail.log".into(), error: kind.into() });
            assert!(error::one_line(&e).starts_with("cannot read log \"/var/log/mail.log\""));
            error::hints(&e).join(" ")
        };
        assert!(hint(std::io::ErrorKind::NotFound).contains("check the path"));
        assert!(hint(std::io::ErrorKind::PermissionDenied).contains("root:adm"));
        assert!(hint(std::io::ErrorKind::Other).contains("read it again"));
    }
}
