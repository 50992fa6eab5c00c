//! When, as people type it on the command line: cutoffs such as `--older-than 1y`,
//! `--since 30d` or `--newer-than 2024-01-15`, and durations such as `--for 2h`, turned
//! into a timestamp or a number of seconds once, at the edge.
//!
//! One unit table for the whole tool ([`parse_age`]), so `6m` means the same everywhere:
//! **`m` is months** (as in `--older-than 6m`, the cutoffs' habit), `min` is minutes.
//! `mo`/`month(s)` and `min`/`minute(s)` are always unambiguous; a unit that is neither is
//! an error that lists the accepted ones.

use jiff::{Span, Timestamp, tz::TimeZone};

/// The accepted units, for error messages.
pub const UNITS_HELP: &str = "s, min, h, d, w, m or mo (months), y";

/// The unit words and what they are. `m` is months: minutes are `min`.
const UNITS: &[(&[&str], Unit)] = &[
    (&["s", "sec", "secs", "second", "seconds"], Unit::Second),
    (&["min", "mins", "minute", "minutes"], Unit::Minute),
    (&["h", "hr", "hrs", "hour", "hours"], Unit::Hour),
    (&["d", "day", "days"], Unit::Day),
    (&["w", "wk", "wks", "week", "weeks"], Unit::Week),
    (&["m", "mo", "mon", "mos", "month", "months"], Unit::Month),
    (&["y", "yr", "yrs", "year", "years"], Unit::Year),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// An age or a duration: a whole number and a unit (`30d`, `6m` = 6 months, `45min`,
/// `2 weeks`). Case does not matter. `default_unit` is used for a bare number (durations
/// take seconds; cutoffs want a unit and pass `None`).
pub fn parse_age(s: &str, default_unit: Option<&str>) -> Result<Span, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!("\"{s}\" is not an age: write a number and a unit ({UNITS_HELP}), e.g. 30d"));
    }
    let n: i64 = num.parse().map_err(|_| format!("\"{s}\" is too large"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = match (unit.as_str(), default_unit) {
        ("", Some(d)) => d.to_string(),
        ("", None) => return Err(format!("\"{s}\" has no unit: write {num}d, {num}m (months), {num}min, ...")),
        _ => unit,
    };
    let Some(&(_, u)) = UNITS.iter().find(|(names, _)| names.contains(&unit.as_str())) else {
        return Err(format!("\"{s}\": unknown unit \"{unit}\" (use {UNITS_HELP}; m means months, min minutes)"));
    };
    let too_large = |_| format!("\"{s}\" is too large");
    match u {
        Unit::Second => Span::new().try_seconds(n).map_err(too_large),
        Unit::Minute => Span::new().try_minutes(n).map_err(too_large),
        Unit::Hour => Span::new().try_hours(n).map_err(too_large),
        Unit::Day => Span::new().try_days(n).map_err(too_large),
        Unit::Week => Span::new().try_weeks(n).map_err(too_large),
        Unit::Month => Span::new().try_months(n).map_err(too_large),
        Unit::Year => Span::new().try_years(n).map_err(too_large),
    }
}

/// A cutoff as people type it: an age ([`parse_age`]: `30d`, `2w`, `6m` months, `1y`,
/// `12h`, `90min`) counted back from `now` in calendar units, or a date `YYYY-MM-DD`
/// (midnight UTC) or RFC 3339 time.
pub fn parse_cutoff(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    parse_cutoff_in(s, now, &TimeZone::UTC)
}

/// [`parse_cutoff`] with dates, date-times (`2026-11-22 10:00`) and calendar days read in
/// `tz` (server logs are written in local time).
pub fn parse_cutoff_in(s: &str, now: Timestamp, tz: &TimeZone) -> Result<Timestamp, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "\"{s}\" is neither an age (30d, 2w, 6m = 6 months, 90min, 1y) nor a date (YYYY-MM-DD, \
             \"YYYY-MM-DD HH:MM\", RFC 3339)"
        )
    };
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil = t
        .parse::<jiff::civil::DateTime>()
        .ok()
        .or_else(|| t.parse::<jiff::civil::Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight())));
    if let Some(dt) = civil {
        return dt.to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|_| bad());
    }
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad());
    }
    let span = parse_age(t, None)?;
    now.to_zoned(tz.clone()).checked_sub(span).map(|z| z.timestamp()).map_err(|_| format!("\"{s}\" is too far back"))
}

/// A duration (`90s`, `30min`, `2h`, `1d`, `2w`, `1m` = a month; a bare number is seconds)
/// in seconds, calendar units counted forward from `now`. Zero is refused.
pub fn parse_duration_secs(s: &str, now: Timestamp) -> Result<u64, String> {
    let span = parse_age(s, Some("s"))?;
    let end = now.to_zoned(TimeZone::UTC).checked_add(span).map_err(|_| format!("\"{s}\" is too long"))?;
    match end.timestamp().as_second() - now.as_second() {
        n if n > 0 => Ok(n as u64),
        _ => Err(format!("\"{s}\" is not a positive duration")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn cutoffs_parse_ages_and_dates() {
        let now = ts("2024-03-31T12:00:00Z");
        assert_eq!(parse_cutoff("30d", now).unwrap(), ts("2024-03-01T12:00:00Z"));
        assert_eq!(parse_cutoff("1m", now).unwrap(), ts("2024-02-29T12:00:00Z"), "calendar months clamp");
        assert_eq!(parse_cutoff("1y", now).unwrap(), ts("2023-03-31T12:00:00Z"));
        assert_eq!(parse_cutoff("2w", now).unwrap(), ts("2024-03-17T12:00:00Z"));
        assert_eq!(parse_cutoff("2023-01-15", now).unwrap(), ts("2023-01-15T00:00:00Z"));
        assert_eq!(parse_cutoff("2023-01-15T10:00:00Z", now).unwrap(), ts("2023-01-15T10:00:00Z"));
        for bad in ["", "d", "30", "30x", "-3d", "2023-13-01", "99999999999y"] {
            assert!(parse_cutoff(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn m_is_months_everywhere_and_min_is_minutes() {
        let now = ts("2026-11-22T12:00:00Z");
        for months in ["6m", "6mo", "6M", "6 months", "6month"] {
            assert_eq!(parse_cutoff(months, now).unwrap(), ts("2026-05-22T12:00:00Z"), "{months}");
        }
        for minutes in ["30min", "30 mins", "30minutes"] {
            assert_eq!(parse_cutoff(minutes, now).unwrap(), ts("2026-11-22T11:30:00Z"), "{minutes}");
        }
        assert_eq!(parse_duration_secs("30min", now).unwrap(), 1800);
        assert_eq!(parse_duration_secs("1m", now).unwrap(), 30 * 86_400, "November 22 to December 22");
        assert_eq!(parse_duration_secs("90", now).unwrap(), 90);
        assert_eq!(parse_duration_secs("2h", now).unwrap(), 7200);
        let e = parse_cutoff("30mn", now).unwrap_err();
        assert!(e.contains("unknown unit \"mn\"") && e.contains("m means months, min minutes"), "{e}");
        let e = parse_cutoff("30", now).unwrap_err();
        assert!(e.contains("30m (months), 30min"), "{e}");
        for bad in ["0", "0s", "", "soon", "-3min", "5x"] {
            assert!(parse_duration_secs(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_dates_follow_the_zone() {
        let now = ts("2026-11-22T12:00:00Z");
        let tz = TimeZone::fixed(jiff::tz::offset(1));
        assert_eq!(parse_cutoff_in("2026-11-01", now, &tz).unwrap(), ts("2026-10-31T23:00:00Z"));
        assert_eq!(parse_cutoff_in("2026-11-01 10:30", now, &tz).unwrap(), ts("2026-11-01T09:30:00Z"));
        assert_eq!(parse_cutoff_in("7d", now, &tz).unwrap(), ts("2026-11-15T12:00:00Z"));
    }
}
