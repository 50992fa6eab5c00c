//! Dates as local stores spell them: the asctime date of an mbox "From " line and the
//! RFC 5322 `Date:` header, converted to `jiff::Timestamp` at this edge.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::Offset;

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn month(token: &str) -> Option<i8> {
    let t = token.get(..3)?.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == t).map(|p| p as i8 + 1)
}

fn is_weekday(token: &str) -> bool {
    token.get(..3).is_some_and(|t| WEEKDAYS.contains(&t.to_ascii_lowercase().as_str()))
}

/// `HH:MM` or `HH:MM:SS`; a leap second 60 is read as 59.
fn time(token: &str) -> Option<Time> {
    let mut parts = token.split(':').map(|p| p.parse::<i8>().ok());
    let (h, m) = (parts.next()??, parts.next()??);
    let s = parts.next().map_or(Some(0), |s| s)?.min(59);
    if parts.next().is_some() {
        return None;
    }
    Time::new(h, m, s, 0).ok()
}

/// `+0100` / `-0530` as an offset.
fn numeric_offset(token: &str) -> Option<Offset> {
    let (sign, digits) = match token.as_bytes().first()? {
        b'+' => (1, &token[1..]),
        b'-' => (-1, &token[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i32 = digits.parse().ok()?;
    Offset::from_seconds(sign * ((n / 100) * 3600 + (n % 100) * 60)).ok()
}

fn timestamp(year: i16, month: i8, day: i8, time: Time, offset: Offset) -> Option<Timestamp> {
    let dt = Date::new(year, month, day).ok()?.to_datetime(time);
    offset.to_timestamp(dt).ok()
}

/// The date of an mbox separator line, `From sender Mon Jan  2 15:04:05 2006`.
///
/// The sender may be missing or odd (`From - ...` from Thunderbird), so the date is found
/// by its shape: a weekday followed by a month. The date is read as UTC (RFC 4155) unless
/// a numeric offset follows the time or the year; a zone name between time and year
/// (`15:04:05 CET 2006`, as `date` prints) is skipped.
pub fn from_line(line: &[u8]) -> Option<Timestamp> {
    let text = String::from_utf8_lossy(line.strip_prefix(b"From ")?);
    let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
    let start = (0..tokens.len().saturating_sub(1))
        .find(|&i| is_weekday(tokens[i]) && tokens[i].len() <= 9 && month(tokens[i + 1]).is_some())?;
    let mut rest = tokens[start + 1..].iter().copied();
    let month = month(rest.next()?)?;
    let day: i8 = rest.next()?.parse().ok()?;
    let time = time(rest.next()?)?;
    let mut offset = Offset::UTC;
    let year: i16 = loop {
        let token = rest.next()?;
        if let Some(o) = numeric_offset(token) {
            offset = o;
        } else if let Ok(y) = token.parse() {
            break y;
        } else if !token.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
    };
    if let Some(o) = rest.next().and_then(numeric_offset) {
        offset = o;
    }
    timestamp(year, month, day, time, offset)
}

/// The value of a `Date:` header (RFC 5322, obsolete forms included), or None when it is
/// not a plausible date.
pub fn header(value: &[u8]) -> Option<Timestamp> {
    // Folded values arrive with their line breaks: unfold them.
    let text = String::from_utf8_lossy(value).replace(['\r', '\n'], " ");
    let dt = mail_parser::DateTime::parse_rfc822(text.trim())?;
    if !dt.is_valid() {
        return None;
    }
    Timestamp::from_second(dt.to_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn from_lines_in_the_wild() {
        let t = Some(ts("2006-01-02T15:04:05Z"));
        assert_eq!(from_line(b"From sender@example.com Mon Jan  2 15:04:05 2006\n"), t);
        assert_eq!(from_line(b"From - Mon Jan 2 15:04:05 2006\r\n"), t);
        assert_eq!(from_line(b"From MAILER-DAEMON Mon Jan 02 15:04:05 2006"), t);
        assert_eq!(from_line(b"From a@b Mon Jan  2 15:04:05 CET 2006"), t);
        assert_eq!(from_line(b"From a@b Mon Jan  2 16:04:05 2006 +0100"), t);
        assert_eq!(from_line(b"From a@b Mon Jan  2 16:04 2006"), Some(ts("2006-01-02T16:04:00Z")));
    }

    #[test]
    fn malformed_from_lines_have_no_date() {
        assert_eq!(from_line(b"From a@b\n"), None);
        assert_eq!(from_line(b"From here to eternity, said Mon Jan the poet"), None);
        assert_eq!(from_line(b"From a@b Mon Feb 30 15:04:05 2006"), None);
        assert_eq!(from_line(b"From a@b Mon Jan  2 25:04:05 2006"), None);
        assert_eq!(from_line(b"Subject: Mon Jan 2 15:04:05 2006"), None);
    }

    #[test]
    fn date_headers() {
        assert_eq!(header(b" Mon, 2 Jan 2006 16:04:05 +0100 (CET)\r\n"), Some(ts("2006-01-02T15:04:05Z")));
        assert_eq!(header(b"2 Jan 2006 15:04:05 GMT"), Some(ts("2006-01-02T15:04:05Z")));
        assert_eq!(header(b"yesterday, around noon"), None);
        assert_eq!(header(b""), None);
    }
}
