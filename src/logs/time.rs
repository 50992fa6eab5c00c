//! Log timestamps to Unix seconds, without allocation: syslog's `Nov 22 10:00:01` (no
//! year), Dovecot's `log_timestamp` forms and ISO 8601 / RFC 3339 (`2026-11-22T10:00:01.123456+01:00`,
//! journald's `+0100`).
//!
//! Years missing from syslog timestamps are inferred:
//! * by default each timestamp is placed in the twelve months that end at the file's
//!   modification time (stdin: now): a line dated after the reference day belongs to the
//!   year before. A log file is written up to its mtime, so this holds for any file
//!   covering less than a year, rotated or not, across New Year.
//! * with `--year Y` the first line is in year Y and the year goes up each time the month
//!   goes down by six months or more (December to January).
//!
//! Times without an offset are local time, as syslog and Dovecot write them: the system
//! time zone (`TZ` if set).

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// A parsed timestamp before the year and zone are settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTime {
    pub year: Option<i32>,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Seconds east of UTC, when the timestamp says.
    pub offset: Option<i32>,
}

/// Parses the timestamp at the start of a line; returns it and the rest of the line after
/// the separating space.
pub fn parse(line: &[u8]) -> Option<(RawTime, &[u8])> {
    let first = *line.first()?;
    if first.is_ascii_digit() { iso(line) } else { syslog(line) }
}

fn month(b: &[u8]) -> Option<u8> {
    let m = match [b[0] | 0x20, b[1] | 0x20, b[2] | 0x20] {
        [b'j', b'a', b'n'] => 1,
        [b'f', b'e', b'b'] => 2,
        [b'm', b'a', b'r'] => 3,
        [b'a', b'p', b'r'] => 4,
        [b'm', b'a', b'y'] => 5,
        [b'j', b'u', b'n'] => 6,
        [b'j', b'u', b'l'] => 7,
        [b'a', b'u', b'g'] => 8,
        [b's', b'e', b'p'] => 9,
        [b'o', b'c', b't'] => 10,
        [b'n', b'o', b'v'] => 11,
        [b'd', b'e', b'c'] => 12,
        _ => return None,
    };
    Some(m)
}

fn d2(b: &[u8]) -> Option<u8> {
    match b {
        [a, c, ..] if a.is_ascii_digit() && c.is_ascii_digit() => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

/// `HH:MM:SS` at `b`, checked.
fn hms(b: &[u8]) -> Option<(u8, u8, u8)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (d2(b)?, d2(&b[3..])?, d2(&b[6..])?);
    (h < 24 && m < 60 && s <= 60).then_some((h, m, s.min(59)))
}

/// `Nov 22 10:00:01 ` / `Nov  2 10:00:01 ` / `Nov 02 10:00:01 `, optionally with a year
/// after the day (`Nov 22 2026 10:00:01`) and fractions of a second.
fn syslog(line: &[u8]) -> Option<(RawTime, &[u8])> {
    if line.len() < 16 || line[3] != b' ' {
        return None;
    }
    let month = month(line)?;
    let day = match (line[4], line[5]) {
        (b' ', d) if d.is_ascii_digit() => d - b'0',
        (a, b) if a.is_ascii_digit() && b.is_ascii_digit() => (a - b'0') * 10 + (b - b'0'),
        _ => return None,
    };
    if line[6] != b' ' || !(1..=31).contains(&day) {
        return None;
    }
    let mut p = 7;
    let mut year = None;
    if line.len() > p + 5 && line[p + 4] == b' ' && line[p..p + 4].iter().all(u8::is_ascii_digit) {
        year = Some(i32::from(d2(&line[p..])?) * 100 + i32::from(d2(&line[p + 2..])?));
        p += 5;
    }
    let (hour, minute, second) = hms(line.get(p..)?)?;
    p += 8;
    p = skip_fraction(line, p);
    let rest = line.get(p..)?.strip_prefix(b" ")?;
    Some((RawTime { year, month, day, hour, minute, second, offset: None }, rest))
}

fn skip_fraction(line: &[u8], mut p: usize) -> usize {
    if line.get(p) == Some(&b'.') || line.get(p) == Some(&b',') {
        p += 1;
        while line.get(p).is_some_and(u8::is_ascii_digit) {
            p += 1;
        }
    }
    p
}

/// `2026-11-22T10:00:01[.frac][Z|+01:00|+0100] ` or `2026-11-22 10:00:01 `.
fn iso(line: &[u8]) -> Option<(RawTime, &[u8])> {
    if line.len() < 20 || line[4] != b'-' || line[7] != b'-' || !(line[10] == b'T' || line[10] == b' ') {
        return None;
    }
    let year = i32::from(d2(line)?) * 100 + i32::from(d2(&line[2..])?);
    let (month, day) = (d2(&line[5..])?, d2(&line[8..])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (hour, minute, second) = hms(&line[11..])?;
    let mut p = skip_fraction(line, 19);
    let mut offset = None;
    match line.get(p) {
        Some(b'Z') => {
            offset = Some(0);
            p += 1;
        }
        Some(&sign @ (b'+' | b'-')) => {
            let h = d2(line.get(p + 1..)?)?;
            let (m, len) = match line.get(p + 3) {
                Some(b':') => (d2(line.get(p + 4..)?)?, 6),
                _ => (d2(line.get(p + 3..)?)?, 5),
            };
            let secs = i32::from(h) * 3600 + i32::from(m) * 60;
            offset = Some(if sign == b'-' { -secs } else { secs });
            p += len;
        }
        _ => {}
    }
    let rest = line.get(p..)?.strip_prefix(b" ")?;
    Some((RawTime { year: Some(year), month, day, hour, minute, second, offset }, rest))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Turns raw timestamps into Unix seconds for one input: settles the year and the zone.
#[derive(Debug, Clone)]
pub struct Clock {
    tz: TimeZone,
    /// `--year`: the year of the first line, rolled over on December -> January.
    fixed_year: Option<i32>,
    last_month: u8,
    /// The end of the twelve months the log is assumed to cover: (year, month, day).
    reference: (i32, u8, u8),
    /// Cache: the local hour (naive seconds / 3600) and its offset.
    cached: Option<(i64, i64)>,
}

impl Clock {
    /// `reference`: the file's mtime (stdin: now); `year`: the `--year` override.
    pub fn new(tz: TimeZone, reference: jiff::Timestamp, year: Option<i32>) -> Clock {
        let dt = tz.to_datetime(reference);
        Clock {
            tz,
            fixed_year: year,
            last_month: 0,
            reference: (i32::from(dt.year()), dt.month() as u8, dt.day() as u8),
            cached: None,
        }
    }

    /// Unix seconds of a raw timestamp, `None` for impossible dates.
    pub fn resolve(&mut self, t: RawTime) -> Option<i64> {
        let year = match (t.year, self.fixed_year.as_mut()) {
            (Some(y), _) => y,
            (None, Some(y)) => {
                if self.last_month >= t.month + 6 {
                    *y += 1;
                }
                self.last_month = t.month;
                *y
            }
            (None, None) => {
                let (ry, rm, rd) = self.reference;
                // One day of slack for clocks and zones.
                if (t.month, t.day) > (rm, rd.saturating_add(1)) { ry - 1 } else { ry }
            }
        };
        if t.day > days_in_month(year, t.month) {
            return None;
        }
        let naive = days_from_civil(year, t.month, t.day) * 86_400
            + i64::from(t.hour) * 3600
            + i64::from(t.minute) * 60
            + i64::from(t.second);
        let offset = match t.offset {
            Some(o) => i64::from(o),
            None => self.local_offset(naive)?,
        };
        Some(naive - offset)
    }

    fn local_offset(&mut self, naive: i64) -> Option<i64> {
        let hour = naive.div_euclid(3600);
        if let Some((h, off)) = self.cached
            && h == hour
        {
            return Some(off);
        }
        let base = hour * 3600;
        let dt: DateTime = jiff::Timestamp::from_second(base).ok()?.to_zoned(TimeZone::UTC).datetime();
        let ts = self.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
        let off = base - ts.as_second();
        self.cached = Some((hour, off));
        Some(off)
    }
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc_clock(reference: &str, year: Option<i32>) -> Clock {
        Clock::new(TimeZone::UTC, reference.parse().unwrap(), year)
    }

    fn ts(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn syslog_timestamps_with_padded_days() {
        let (t, rest) = parse(b"Nov 22 10:00:01 host dovecot: x").unwrap();
        assert_eq!((t.month, t.day, t.hour, t.minute, t.second, t.year), (11, 22, 10, 0, 1, None));
        assert_eq!(rest, b"host dovecot: x");
        assert_eq!(parse(b"Nov  2 10:00:01 pop3-login: x").unwrap().0.day, 2);
        assert_eq!(parse(b"Nov 02 10:00:01 pop3-login: x").unwrap().0.day, 2);
        assert_eq!(parse(b"Nov 02 2025 10:00:01 x").unwrap().0.year, Some(2025));
        assert_eq!(parse(b"Nov 02 10:00:01.123 x").unwrap().1, b"x");
    }

    #[test]
    fn iso_timestamps_with_every_offset_style() {
        let mut c = utc_clock("2026-12-01T00:00:00Z", None);
        for (line, want) in [
            (&b"2026-11-22T10:00:01.123456+01:00 host dovecot[1]: x"[..], "2026-11-22T09:00:01Z"),
            (b"2026-11-22T10:00:01+0100 host x", "2026-11-22T09:00:01Z"),
            (b"2026-11-22T10:00:01Z x", "2026-11-22T10:00:01Z"),
            (b"2026-11-22T10:00:01-05:30 x", "2026-11-22T15:30:01Z"),
            (b"2026-11-22 10:00:01 pop3-login: x", "2026-11-22T10:00:01Z"),
        ] {
            let (raw, _) = parse(line).unwrap();
            assert_eq!(c.resolve(raw), Some(ts(want)), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn garbage_is_not_a_timestamp() {
        for line in [
            &b""[..],
            b"N",
            b"Nov 22",
            b"Xyz 22 10:00:01 a",
            b"Nov 32 10:00:01 a",
            b"Nov 22 25:00:01 a",
            b"Nov 22 10:00:01",
            b"2026-13-22T10:00:01Z x",
            b"2026-11-22T10:0",
            b"2026-11-22T10:00:01+0",
            b"\xff\xfe\x00garbage",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn years_come_from_the_reference_day() {
        // A log whose mtime is 2027-01-03 holds December 2026 and January 2027.
        let mut c = utc_clock("2027-01-03T12:00:00Z", None);
        let dec = parse(b"Dec 31 23:59:59 x").unwrap().0;
        let jan = parse(b"Jan  1 00:00:00 x").unwrap().0;
        assert_eq!(c.resolve(dec), Some(ts("2026-12-31T23:59:59Z")));
        assert_eq!(c.resolve(jan), Some(ts("2027-01-01T00:00:00Z")));
        // February 29 exists only in leap years.
        let mut c = utc_clock("2027-03-01T00:00:00Z", None);
        assert_eq!(c.resolve(parse(b"Feb 29 10:00:00 x").unwrap().0), None);
        let mut c = utc_clock("2028-03-01T00:00:00Z", None);
        assert!(c.resolve(parse(b"Feb 29 10:00:00 x").unwrap().0).is_some());
    }

    #[test]
    fn a_fixed_year_rolls_over_at_new_year() {
        let mut c = utc_clock("2030-06-01T00:00:00Z", Some(2026));
        let lines: [&[u8]; 3] = [b"Dec 31 23:59:59 x", b"Jan  1 00:00:01 x", b"Feb  1 00:00:01 x"];
        let got: Vec<i64> = lines.iter().map(|l| c.resolve(parse(l).unwrap().0).unwrap()).collect();
        assert_eq!(got, vec![ts("2026-12-31T23:59:59Z"), ts("2027-01-01T00:00:01Z"), ts("2027-02-01T00:00:01Z")]);
    }

    #[test]
    fn local_time_uses_the_zone_with_daylight_saving() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let mut c = Clock::new(tz, "2026-12-01T00:00:00Z".parse().unwrap(), None);
        assert_eq!(c.resolve(parse(b"Nov 22 10:00:01 x").unwrap().0), Some(ts("2026-11-22T09:00:01Z")));
        assert_eq!(c.resolve(parse(b"Jul 22 10:00:01 x").unwrap().0), Some(ts("2026-07-22T08:00:01Z")));
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
