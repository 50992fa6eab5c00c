//! When, as people type it on the command line: cutoffs such as `--older-than 1y`,
//! `--since 30d` or `--newer-than 2024-01-15`, turned into a timestamp once, at the edge.

use jiff::{Span, Timestamp, tz::TimeZone};

/// A cutoff as people type it: an age (`30d`, `2w`, `6m`, `1y`, also `12h`) counted back
/// from `now` in calendar units, or a date `YYYY-MM-DD` (midnight UTC) or RFC 3339 time.
pub fn parse_cutoff(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    let t = s.trim();
    let bad = || format!("\"{s}\" is neither an age (30d, 2w, 6m, 1y) nor a date (YYYY-MM-DD)");
    if let Ok(date) = t.parse::<jiff::civil::Date>() {
        return date.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).map_err(|_| bad());
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad())?;
    let span: Span = match unit.trim().to_ascii_lowercase().as_str() {
        "h" => Span::new().try_hours(n),
        "d" => Span::new().try_days(n),
        "w" => Span::new().try_weeks(n),
        "m" => Span::new().try_months(n),
        "y" => Span::new().try_years(n),
        _ => return Err(bad()),
    }
    .map_err(|_| format!("\"{s}\" is too far back"))?;
    now.to_zoned(TimeZone::UTC).checked_sub(span).map(|z| z.timestamp()).map_err(|_| format!("\"{s}\" is too far back"))
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
}
