//! Pure POP3 wire parsing: status lines with response codes, SASL continuations, CAPA,
//! STAT, LIST and UIDL entries, RETR's announced size, the APOP timestamp, and a
//! streaming dot-unstuffer.
//!
//! Nothing here does I/O, so every edge case is tested on byte strings: the client in
//! [`super::client`] only moves bytes between the socket and these functions.

use std::fmt;

/// A `+OK` or `-ERR` line (RFC 1939), with its RFC 2449 / RFC 3206 response code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub ok: bool,
    /// The response code without brackets, upper-cased: `AUTH`, `IN-USE`,
    /// `LOGIN-DELAY`, `SYS/TEMP`, `SYS/PERM`.
    pub code: Option<String>,
    /// Everything after the status indicator, code included, made printable:
    /// `[AUTH] Authentication failed.`
    pub text: String,
}

impl StatusLine {
    /// What the user can do about a refusal, from its response code.
    pub fn hint(&self) -> Option<&'static str> {
        let code = self.code.as_deref()?;
        let top = code.split('/').next().unwrap_or(code);
        Some(match (top, code) {
            (_, "SYS/TEMP") => "the server reports a temporary problem; try again later",
            (_, "SYS/PERM") => "the server reports a lasting problem on its side; tell its administrator",
            ("AUTH", _) => crate::secret::PASSWORD_REFUSED_HINT,
            ("IN-USE", _) => {
                "another session holds the mailbox (a mail client checking it right now?); try again in a minute"
            }
            ("LOGIN-DELAY", _) => {
                "the server allows only one login per LOGIN-DELAY period (see the capabilities in probe); wait and retry"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indicator = if self.ok { "+OK" } else { "-ERR" };
        if self.text.is_empty() { f.write_str(indicator) } else { write!(f, "{indicator} {}", self.text) }
    }
}

/// Parses a status line (without its line ending). `None` when it is neither `+OK` nor
/// `-ERR`: the server is out of step or not a POP3 server.
pub fn parse_status(line: &[u8]) -> Option<StatusLine> {
    let (ok, rest) = if starts_with_ignore_case(line, b"+OK") {
        (true, &line[3..])
    } else if starts_with_ignore_case(line, b"-ERR") {
        (false, &line[4..])
    } else {
        return None;
    };
    // "+OKAY" is not "+OK": the indicator must end the line or be followed by a space.
    if rest.first().is_some_and(|&b| b != b' ') {
        return None;
    }
    let text = printable(rest).trim().to_string();
    let code = response_code(&text);
    Some(StatusLine { ok, code, text })
}

/// The RFC 2449 response code at the start of the text: `[` levels of ALPHA / DIGIT /
/// `-` separated by `/` `]`. Anything else in brackets is just text.
fn response_code(text: &str) -> Option<String> {
    let inner = text.strip_prefix('[')?.split_once(']')?.0;
    let valid = inner
        .split('/')
        .all(|level| !level.is_empty() && level.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    valid.then(|| inner.to_ascii_uppercase())
}

/// An answer during SASL authentication (RFC 5034).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthReply {
    /// `+ challenge`: the server waits for the next response (base64 as sent).
    Continue(String),
    Done(StatusLine),
}

pub fn parse_auth_reply(line: &[u8]) -> Option<AuthReply> {
    match line {
        [b'+'] => Some(AuthReply::Continue(String::new())),
        [b'+', b' ', rest @ ..] => Some(AuthReply::Continue(printable(rest).trim().to_string())),
        _ => parse_status(line).map(AuthReply::Done),
    }
}

/// One CAPA line (RFC 2449), trimmed; `None` for a blank line.
pub fn parse_capa_line(line: &[u8]) -> Option<String> {
    let s = printable(line);
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Whether a capability (the first word of a CAPA line) is offered.
pub fn has_capability(caps: &[String], name: &str) -> bool {
    caps.iter().any(|c| c.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case(name)))
}

/// The SASL mechanisms of the `SASL` capability line, upper-cased.
pub fn sasl_mechanisms(caps: &[String]) -> Vec<String> {
    caps.iter()
        .filter_map(|c| {
            let mut words = c.split_whitespace();
            words.next().filter(|w| w.eq_ignore_ascii_case("SASL")).map(|_| words)
        })
        .flatten()
        .map(|m| m.to_ascii_uppercase())
        .collect()
}

/// The text of a `+OK` answer to STAT: message count and total octets. Servers may add
/// words after the two numbers (RFC 1939 discourages it, some do it).
pub fn parse_stat(text: &str) -> Option<(u64, u64)> {
    let mut words = text.split_whitespace();
    let count = words.next()?.parse().ok()?;
    let bytes = words.next()?.parse().ok()?;
    Some((count, bytes))
}

/// The size a `+OK` to RETR announces in RFC 1939's own form, `N octets` (Dovecot and
/// most servers say it); `None` for any other text (`message follows`).
pub fn announced_octets(text: &str) -> Option<u64> {
    let mut words = text.split_ascii_whitespace();
    let n = words.next().filter(|w| w.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()?;
    words.next().filter(|w| w.eq_ignore_ascii_case("octets")).map(|_| n)
}

/// One line of a multi-line LIST answer: `msgno size`.
pub fn parse_list_entry(line: &[u8]) -> Option<(u32, u64)> {
    let s = std::str::from_utf8(line).ok()?;
    let mut words = s.split_ascii_whitespace();
    let msgno = words.next()?.parse().ok().filter(|&n: &u32| n > 0)?;
    let size = words.next()?.parse().ok()?;
    Some((msgno, size))
}

/// One line of a multi-line UIDL answer: `msgno unique-id`, the id being printable
/// ASCII without spaces (RFC 1939 says 1 to 70 characters; longer ones are accepted).
pub fn parse_uidl_entry(line: &[u8]) -> Option<(u32, String)> {
    let s = std::str::from_utf8(line).ok()?;
    let mut words = s.split_ascii_whitespace();
    let msgno = words.next()?.parse().ok().filter(|&n: &u32| n > 0)?;
    let uid = words.next()?;
    if !uid.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return None;
    }
    Some((msgno, uid.to_string()))
}

/// The APOP timestamp of a greeting (RFC 1939 section 7): the first `<...>` that holds
/// an `@` and no spaces, brackets included (the digest covers them).
pub fn apop_timestamp(greeting: &str) -> Option<String> {
    let mut rest = greeting;
    while let Some(open) = rest.find('<') {
        let candidate = &rest[open..];
        let close = candidate.find('>')?;
        let stamp = &candidate[..=close];
        let inner = &stamp[1..stamp.len() - 1];
        if inner.contains('@') && !inner.contains('<') && inner.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Some(stamp.to_string());
        }
        rest = &candidate[1..];
    }
    None
}

/// Server text made safe to print: lossy UTF-8, control characters replaced, so a
/// garbage answer cannot drive the user's terminal.
pub fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| {
            if c == '\t' {
                ' '
            } else if c.is_control() {
                '?'
            } else {
                c
            }
        })
        .collect()
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Where the unstuffer is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line (the body's first byte, or just after LF).
    LineStart,
    /// Saw a `.` at the start of a line.
    Dot,
    /// Saw `.` CR at the start of a line.
    DotCr,
    /// Inside a line.
    Inside,
    /// Saw the terminating `.` line: nothing more belongs to this answer.
    Done,
}

/// What one [`DotUnstuffer::feed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fed {
    /// Input bytes used; the rest (after the terminator) belongs to the next answer.
    pub consumed: usize,
    /// The terminating line was seen.
    pub done: bool,
}

/// Removes POP3 byte-stuffing from a multi-line body as it streams in (RFC 1939
/// section 3), holding no more than its state between chunks:
/// - a line starting with `.` loses that `.` (`..` becomes `.`, and per the RFC `.x`
///   becomes `x`);
/// - a line that is exactly `.` ends the body, with CRLF or a bare LF;
/// - line endings are passed through as sent (CRLF, or bare LF from sloppy servers);
/// - chunk boundaries may fall anywhere, even between `.` and CR or CR and LF;
/// - lines may be of any length: nothing is buffered per line.
#[derive(Debug, Clone)]
pub struct DotUnstuffer {
    state: State,
}

impl Default for DotUnstuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotUnstuffer {
    pub fn new() -> Self {
        DotUnstuffer { state: State::LineStart }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Unstuffs `input` and appends the message bytes to `out`, stopping right after the
    /// terminating line.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Fed {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::Done => break,
                State::Inside => {
                    // Fast path: lines that do not start with a dot need no work, so copy
                    // everything up to the next LF that a dot follows in one go (one
                    // search for the pair, not one per line).
                    let rest = &input[i..];
                    match memchr::memmem::find(rest, b"\n.") {
                        Some(lf) => {
                            out.extend_from_slice(&rest[..=lf]);
                            i += lf + 1;
                            self.state = State::LineStart;
                        }
                        None => {
                            // The next chunk starts a line when this one ends with LF.
                            out.extend_from_slice(rest);
                            i = input.len();
                            if rest.last() == Some(&b'\n') {
                                self.state = State::LineStart;
                            }
                        }
                    }
                }
                State::LineStart => {
                    let b = input[i];
                    i += 1;
                    if b == b'.' {
                        self.state = State::Dot;
                    } else {
                        out.push(b);
                        self.state = if b == b'\n' { State::LineStart } else { State::Inside };
                    }
                }
                State::Dot => {
                    let b = input[i];
                    i += 1;
                    match b {
                        b'\r' => self.state = State::DotCr,
                        b'\n' => self.state = State::Done,
                        _ => {
                            // The leading dot was stuffing: drop it, keep the rest.
                            out.push(b);
                            self.state = State::Inside;
                        }
                    }
                }
                State::DotCr => {
                    if input[i] == b'\n' {
                        i += 1;
                        self.state = State::Done;
                    } else {
                        // ".\r" then more: a stuffed line holding a bare CR. Keep the CR and
                        // look at the next byte as line content (not consumed here).
                        out.push(b'\r');
                        self.state = State::Inside;
                    }
                }
            }
        }
        Fed { consumed: i, done: self.state == State::Done }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: &str) -> StatusLine {
        parse_status(s.as_bytes()).unwrap_or_else(|| panic!("not a status line: {s:?}"))
    }

    #[test]
    fn status_lines_with_and_without_codes() {
        let s = status("+OK Dovecot (Debian) ready.");
        assert!(s.ok);
        assert_eq!((s.code, s.text.as_str()), (None, "Dovecot (Debian) ready."));
        let s = status("-ERR [AUTH] Authentication failed.");
        assert!(!s.ok);
        assert_eq!(s.code.as_deref(), Some("AUTH"));
        assert_eq!(s.to_string(), "-ERR [AUTH] Authentication failed.");
        assert!(s.hint().unwrap().contains("password"));
        assert_eq!(status("-ERR [in-use] locked").code.as_deref(), Some("IN-USE"));
        assert_eq!(status("-ERR [SYS/TEMP] try later").code.as_deref(), Some("SYS/TEMP"));
        assert!(status("-ERR [SYS/TEMP] x").hint().unwrap().contains("temporary"));
        assert!(status("-ERR [LOGIN-DELAY] wait").hint().unwrap().contains("LOGIN-DELAY"));
        assert!(status("-ERR [SYS/PERM] x").hint().unwrap().contains("administrator"));
        assert_eq!(status("-ERR [UNKNOWN-THING] x").hint(), None);
    }

    #[test]
    fn bare_and_odd_status_lines() {
        assert_eq!(status("+OK"), StatusLine { ok: true, code: None, text: String::new() });
        assert_eq!(status("+OK").to_string(), "+OK");
        assert_eq!(status("-ERR").to_string(), "-ERR");
        assert!(status("+ok lowercase").ok);
        assert_eq!(status("+OK   spaced  ").text, "spaced");
        // Brackets that are not a response code stay plain text.
        assert_eq!(status("-ERR [no such message] 7").code, None);
        assert_eq!(status("-ERR [] x").code, None);
        assert_eq!(status("-ERR [A//B] x").code, None);
        assert_eq!(status("-ERR [unclosed x").code, None);
    }

    #[test]
    fn garbage_is_not_a_status() {
        for line in ["", "OK", "+OKAY", "-ERROR x", "* OK IMAP4rev1", "+", "+ abc", "\u{0}+OK"] {
            assert_eq!(parse_status(line.as_bytes()), None, "{line:?}");
        }
    }

    #[test]
    fn server_text_is_made_printable() {
        let s = parse_status(b"-ERR bad\x1b[31m red\xff\tend").unwrap();
        assert_eq!(s.text, "bad?[31m red\u{fffd} end");
    }

    #[test]
    fn auth_replies_tell_continuations_from_status() {
        assert_eq!(parse_auth_reply(b"+ VXNlcm5hbWU6"), Some(AuthReply::Continue("VXNlcm5hbWU6".into())));
        assert_eq!(parse_auth_reply(b"+ "), Some(AuthReply::Continue(String::new())));
        assert_eq!(parse_auth_reply(b"+"), Some(AuthReply::Continue(String::new())));
        assert!(matches!(parse_auth_reply(b"+OK Logged in."), Some(AuthReply::Done(s)) if s.ok));
        assert!(matches!(parse_auth_reply(b"-ERR [AUTH] no"), Some(AuthReply::Done(s)) if !s.ok));
        assert_eq!(parse_auth_reply(b"hello"), None);
    }

    #[test]
    fn capabilities() {
        let caps: Vec<String> = ["CAPA", "TOP", "UIDL", "SASL PLAIN login", "EXPIRE 30 USER", "STLS"]
            .iter()
            .filter_map(|l| parse_capa_line(l.as_bytes()))
            .collect();
        assert!(has_capability(&caps, "stls"));
        assert!(has_capability(&caps, "EXPIRE"));
        assert!(!has_capability(&caps, "USER"));
        assert!(!has_capability(&caps, "EXP"));
        assert_eq!(sasl_mechanisms(&caps), ["PLAIN", "LOGIN"]);
        assert_eq!(parse_capa_line(b"  "), None);
        assert_eq!(parse_capa_line(b" IMPLEMENTATION Dovecot "), Some("IMPLEMENTATION Dovecot".into()));
        assert!(sasl_mechanisms(&["USER".to_string()]).is_empty());
    }

    #[test]
    fn announced_retr_sizes() {
        assert_eq!(announced_octets("120 octets"), Some(120));
        assert_eq!(announced_octets("5 OCTETS follow"), Some(5));
        assert_eq!(announced_octets("0 octets"), Some(0));
        for text in ["", "message follows", "120", "120 bytes", "-1 octets", "+5 octets", "octets 120", "1x octets"] {
            assert_eq!(announced_octets(text), None, "{text:?}");
        }
        assert_eq!(announced_octets("99999999999999999999999 octets"), None);
    }

    #[test]
    fn stat_list_and_uidl() {
        assert_eq!(parse_stat("2 320"), Some((2, 320)));
        assert_eq!(parse_stat("0 0 extra words"), Some((0, 0)));
        assert_eq!(parse_stat("18446744073709551615 1"), Some((u64::MAX, 1)));
        for bad in ["", "2", "two 320", "-1 5", "2 3.5"] {
            assert_eq!(parse_stat(bad), None, "{bad:?}");
        }
        assert_eq!(parse_list_entry(b"1 120"), Some((1, 120)));
        assert_eq!(parse_list_entry(b"7  5000 more"), Some((7, 5000)));
        for bad in [&b""[..], b"0 12", b"1", b"x 12", b"1 -3", b"1 12\xff", b"."] {
            assert_eq!(parse_list_entry(bad), None, "{bad:?}");
        }
        assert_eq!(parse_uidl_entry(b"1 whqtswO00WBw418f9t5JxYwZ"), Some((1, "whqtswO00WBw418f9t5JxYwZ".into())));
        assert_eq!(parse_uidl_entry(b"3 000000017a1b2c3d"), Some((3, "000000017a1b2c3d".into())));
        for bad in [&b"1"[..], b"a b", b"0 x", b"1 caf\xc3\xa9"] {
            assert_eq!(parse_uidl_entry(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn apop_timestamps() {
        // RFC 1939 section 7.
        assert_eq!(
            apop_timestamp("POP3 server ready <1896.697170952@dbc.mtview.ca.us>").as_deref(),
            Some("<1896.697170952@dbc.mtview.ca.us>")
        );
        assert_eq!(apop_timestamp("Dovecot (Debian) ready."), None);
        assert_eq!(apop_timestamp("ready <no-at-sign> <12.34@host>").as_deref(), Some("<12.34@host>"));
        assert_eq!(apop_timestamp("ready <a b@c>"), None);
        assert_eq!(apop_timestamp("ready <<1.2@h>").as_deref(), Some("<1.2@h>"));
        assert_eq!(apop_timestamp("ready <1.2@h"), None);
        assert_eq!(apop_timestamp("ready <>"), None);
    }

    /// Feeds `chunks` in order, returning the body, the bytes left after the terminator,
    /// and whether the terminator was seen.
    fn unstuff(chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>, bool) {
        let mut u = DotUnstuffer::new();
        let mut out = Vec::new();
        let mut rest = Vec::new();
        for c in chunks {
            let fed = u.feed(c, &mut out);
            rest.extend_from_slice(&c[fed.consumed..]);
            assert_eq!(fed.done, u.is_done());
        }
        (out, rest, u.is_done())
    }

    fn whole(input: &[u8]) -> (Vec<u8>, Vec<u8>, bool) {
        unstuff(&[input])
    }

    #[test]
    fn unstuffing_basics() {
        let (body, rest, done) = whole(b"Subject: x\r\n\r\n..hidden\r\n...\r\nok.\r\n.\r\n");
        assert_eq!(body, b"Subject: x\r\n\r\n.hidden\r\n..\r\nok.\r\n");
        assert!(done && rest.is_empty());
        assert_eq!(whole(b".\r\n"), (vec![], vec![], true));
        assert_eq!(whole(b"..\r\n.\r\n"), (b".\r\n".to_vec(), vec![], true));
        // RFC 1939: the first dot of a line is stripped even if the server forgot to stuff.
        assert_eq!(whole(b".x\r\n.\r\n").0, b"x\r\n");
        // Bare LF line endings, and a bare-LF terminator.
        assert_eq!(whole(b"a\n..b\n\n.\n"), (b"a\n.b\n\n".to_vec(), vec![], true));
        // A stuffed line holding a bare CR is not the terminator.
        assert_eq!(whole(b".\rx\r\n.\r\n").0, b"\rx\r\n");
        assert_eq!(whole(b".\r.\r\n.\r\n").0, b"\r.\r\n");
        // A dot inside a line is content.
        assert_eq!(whole(b"a.\r\n.b.\r\n.\r\n").0, b"a.\r\nb.\r\n");
    }

    #[test]
    fn bytes_after_the_terminator_are_left_alone() {
        let (body, rest, done) = whole(b"x\r\n.\r\n+OK next\r\n");
        assert_eq!((body, rest, done), (b"x\r\n".to_vec(), b"+OK next\r\n".to_vec(), true));
        let mut u = DotUnstuffer::new();
        let mut out = Vec::new();
        assert!(u.feed(b".\n", &mut out).done);
        assert_eq!(u.feed(b"more", &mut out), Fed { consumed: 0, done: true });
        assert!(out.is_empty());
    }

    #[test]
    fn missing_terminator_is_not_done() {
        for input in [&b""[..], b"x\r\n", b"x\r\n.", b"x\r\n.\r", b"x\r\n..\r\n", b"x\r\nx.\r\n"] {
            let (_, _, done) = whole(input);
            assert!(!done, "{input:?}");
        }
    }

    #[test]
    fn lines_longer_than_any_buffer() {
        let mut input = vec![b'a'; 3 * 1024 * 1024];
        input.extend_from_slice(b"\r\n..\r\n.\r\n");
        let chunks: Vec<&[u8]> = input.chunks(4096).collect();
        let (body, _, done) = unstuff(&chunks);
        assert!(done);
        assert_eq!(body.len(), 3 * 1024 * 1024 + 5);
        assert!(body.ends_with(b"a\r\n.\r\n"));
    }

    const SAMPLES: &[&[u8]] = &[
        b"Subject: x\r\n\r\n..hidden\r\n...\r\nok.\r\n.\r\n",
        b".\r\n",
        b"a\n..b\n\n.\n",
        b".\rx\r\n..\r\n.\r.\r\n\r\n.\r\n+OK after",
        b"\r\n\r\n..\r\n.\n",
        b"no terminator\r\n.",
        b"x\r\n.\r",
    ];

    #[test]
    fn every_split_point_gives_the_same_result() {
        for &input in SAMPLES {
            let expected = whole(input);
            for i in 0..=input.len() {
                assert_eq!(unstuff(&[&input[..i], &input[i..]]), expected, "{input:?} split at {i}");
                for j in i..=input.len() {
                    let three = unstuff(&[&input[..i], &input[i..j], &input[j..]]);
                    assert_eq!(three, expected, "{input:?} split at {i} and {j}");
                }
            }
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(unstuff(&bytes), expected, "{input:?} byte by byte");
        }
    }

    /// Stuffs a message the way a server must (RFC 1939), CRLF endings.
    fn stuff(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for line in message.split_inclusive(|&b| b == b'\n') {
            if line.first() == Some(&b'.') {
                out.push(b'.');
            }
            out.extend_from_slice(line);
        }
        if !out.is_empty() && !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        out
    }

    #[test]
    fn stuffed_messages_round_trip_in_random_chunks() {
        // A small deterministic generator: the test needs variety, not cryptography.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let len = (next() % 400) as usize;
            // Few distinct bytes so that dots, CRs and LFs meet often.
            let mut message: Vec<u8> = (0..len).map(|_| b".\r\n\r\nab.."[(next() % 9) as usize]).collect();
            // Servers send CRLF lines: make every LF part of a CRLF, and end with one.
            message = message
                .split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
                .map(|l| l.into_iter().filter(|&b| b != b'\r').collect::<Vec<u8>>())
                .collect::<Vec<_>>()
                .join(&b"\r\n"[..]);
            message.extend_from_slice(b"\r\n");
            let wire = stuff(&message);
            let mut chunks = Vec::new();
            let mut at = 0;
            while at < wire.len() {
                let n = 1 + (next() % 7) as usize;
                let end = (at + n).min(wire.len());
                chunks.push(&wire[at..end]);
                at = end;
            }
            let (body, rest, done) = unstuff(&chunks);
            assert!(done);
            assert!(rest.is_empty());
            assert_eq!(body, message, "wire {wire:?}");
        }
    }
}
