//! Header decoding for the attachment finder and the bounce reader, on bytes as they are
//! stored or sent by IMAP: header fields (unfolded), RFC 2047 encoded-words (`=?UTF-8?B?...?=`), structured
//! values (`attachment; filename="a.pdf"`), RFC 2231 parameters (`filename*0*=` ...
//! continuations, `charset'lang'%XX` values) and charsets.
//!
//! Everything here is total: malformed input gives the best reading possible, never a
//! panic or an error. Raw 8-bit text that is not UTF-8 is read as Windows-1252, what
//! mailers that send it almost always mean. Charsets are decoded by mail-parser's tables.

use std::borrow::Cow;

/// One parameter of a structured header, as sent: `name` lowercase, `value` unquoted bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Vec<u8>,
}

impl Param {
    pub fn new(name: &str, value: impl AsRef<[u8]>) -> Param {
        Param { name: name.to_ascii_lowercase(), value: value.as_ref().to_vec() }
    }
}

/// Text in `charset` as UTF-8; unknown charsets fall back to UTF-8 / Windows-1252.
pub fn decode_charset(bytes: &[u8], charset: &str) -> String {
    let cs = charset.trim().trim_matches('"');
    if cs.eq_ignore_ascii_case("utf-8") || cs.eq_ignore_ascii_case("utf8") || cs.eq_ignore_ascii_case("us-ascii") {
        return text(bytes);
    }
    match mail_parser::decoders::charsets::map::charset_decoder(cs.as_bytes()) {
        Some(decode) => decode(bytes),
        None => text(bytes),
    }
}

/// Raw header bytes as text: UTF-8 when valid, else Windows-1252.
pub fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => match mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252") {
            Some(decode) => decode(bytes),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// Unfolds a header value: line breaks removed (a fold is CRLF followed by white space,
/// which stays), surrounding white space trimmed.
pub fn unfold(value: &[u8]) -> Cow<'_, [u8]> {
    let value = value.trim_ascii();
    if !value.contains(&b'\n') {
        return Cow::Borrowed(value);
    }
    Cow::Owned(value.iter().copied().filter(|&b| b != b'\r' && b != b'\n').collect())
}

/// The fields of a header block (up to the first empty line), names lowercase, values
/// unfolded. Lines that are not fields (no colon) are skipped.
pub fn fields(block: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for line in block.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            if let Some((_, value)) = out.last_mut() {
                value.extend_from_slice(line);
            }
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let name = String::from_utf8_lossy(line[..colon].trim_ascii()).to_ascii_lowercase();
        out.push((name, line[colon + 1..].to_vec()));
    }
    for (_, value) in &mut out {
        *value = value.trim_ascii().to_vec();
    }
    out
}

/// The first field called `name` (lowercase) of a header block.
pub fn field<'a>(fields: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
}

/// Decodes RFC 2047 encoded-words in an unstructured value (Subject, From), joining
/// adjacent encoded-words separated only by white space, as the RFC says.
pub fn decode_words(value: &[u8]) -> String {
    let value = unfold(value);
    let mut out = String::new();
    let mut rest: &[u8] = &value;
    let mut pending_space: &[u8] = b"";
    let mut after_word = false;
    while !rest.is_empty() {
        if rest.starts_with(b"=?")
            && let Some((decoded, used)) = encoded_word(rest)
        {
            if !after_word {
                out.push_str(&text(pending_space));
            }
            pending_space = b"";
            out.push_str(&decoded);
            rest = &rest[used..];
            after_word = true;
            continue;
        }
        // Copy up to the next white space or encoded word.
        let ws = rest.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        if ws > 0 {
            pending_space = &rest[..ws];
            rest = &rest[ws..];
            continue;
        }
        let end = (1..rest.len())
            .find(|&i| matches!(rest[i], b' ' | b'\t') || rest[i..].starts_with(b"=?"))
            .unwrap_or(rest.len());
        out.push_str(&text(pending_space));
        pending_space = b"";
        out.push_str(&text(&rest[..end]));
        rest = &rest[end..];
        after_word = false;
    }
    if !after_word {
        out.push_str(&text(pending_space));
    }
    out.trim().to_string()
}

/// One `=?charset?B|Q?text?=` at the start of `input`: the text and the bytes used.
fn encoded_word(input: &[u8]) -> Option<(String, usize)> {
    let body = input.strip_prefix(b"=?")?;
    let q1 = body.iter().position(|&b| b == b'?')?;
    let charset = std::str::from_utf8(&body[..q1]).ok()?;
    // RFC 2231 §5: `charset*language`.
    let charset = charset.split('*').next().unwrap_or(charset);
    let enc = *body.get(q1 + 1)?;
    if body.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let data_start = q1 + 3;
    let data_len = body[data_start..].windows(2).position(|w| w == b"?=")?;
    let data = &body[data_start..data_start + data_len];
    let bytes = match enc.to_ascii_uppercase() {
        b'B' => base64_lenient(data),
        b'Q' => q_decode(data),
        _ => return None,
    };
    Some((decode_charset(&bytes, charset), 2 + data_start + data_len + 2))
}

/// Base64 that skips what is not base64 (line breaks, junk) and stops at padding; a cut
/// input decodes as far as it goes. Encoded-words here, report bodies in [`crate::model::bounce`].
pub fn base64_lenient(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in data {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// RFC 2047 "Q": quoted-printable with `_` for space.
fn q_decode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'_' => out.push(b' '),
            b'=' if let Some(byte) = hex_escape(data, i) => {
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// The byte written as two hex digits right after the escape at `data[i]` (`=E9` in
/// quoted-printable, `%E9` in RFC 2231 values); `None` when they are not both there.
pub fn hex_escape(data: &[u8], i: usize) -> Option<u8> {
    let digit = |j: usize| data.get(j).and_then(|&b| (b as char).to_digit(16)).map(|d| d as u8);
    Some(digit(i + 1)? * 16 + digit(i + 2)?)
}

/// `%XX` decoding of an RFC 2231 extended value; a `%` without two hex digits stays.
fn percent_decode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'%'
            && let Some(byte) = hex_escape(data, i)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// Parses a structured value: `token; a=b; c="d e"` into the token (lowercase) and the
/// parameters as sent. Comments `( ... )` are dropped; a parameter without `=` is skipped.
pub fn structured(value: &[u8]) -> (String, Vec<Param>) {
    let value = unfold(value);
    let mut items = split_params(&value).into_iter();
    let token = items.next().map(|t| text(&strip_comments(&t)).trim().to_ascii_lowercase()).unwrap_or_default();
    let mut params = Vec::new();
    for item in items {
        let Some(eq) = item.iter().position(|&b| b == b'=') else { continue };
        let name = text(&strip_comments(&item[..eq])).trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let raw = item[eq + 1..].trim_ascii();
        let value = match raw.first() {
            Some(b'"') => unquote(raw),
            _ => strip_comments(raw).trim_ascii().to_vec(),
        };
        params.push(Param { name, value });
    }
    (token, params)
}

/// Splits at `;` outside quoted strings.
fn split_params(value: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    let (mut quoted, mut escaped) = (false, false);
    for &b in value {
        let cur = out.last_mut().expect("never empty");
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if b == b';' && !quoted {
            out.push(Vec::new());
            continue;
        }
        cur.push(b);
    }
    out
}

/// The content of a quoted string (a missing closing quote takes the rest).
fn unquote(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut escaped = false;
    for &b in &raw[1..] {
        if escaped {
            out.push(b);
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            break;
        } else {
            out.push(b);
        }
    }
    out
}

fn strip_comments(raw: &[u8]) -> Vec<u8> {
    let mut depth = 0usize;
    raw.iter()
        .copied()
        .filter(|&b| match b {
            b'(' => {
                depth += 1;
                false
            }
            b')' if depth > 0 => {
                depth -= 1;
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// The decoded text of parameter `name`, whichever way it was sent:
/// - RFC 2231 continuations `name*0*=utf-8''%E2%82%AC; name*1=rest` (sections sorted by
///   number, `*` sections percent-decoded, the charset from section 0);
/// - RFC 2231 `name*=charset'lang'value` (what Dovecot sends after joining sections);
/// - a plain value, with RFC 2047 encoded-words decoded (Outlook and Gmail send those).
pub fn param_text(params: &[Param], name: &str) -> Option<String> {
    let mut sections: Vec<(u32, bool, &[u8])> = Vec::new();
    let mut extended: Option<&[u8]> = None;
    let mut plain: Option<&[u8]> = None;
    for p in params {
        let Some(rest) = p.name.strip_prefix(name) else { continue };
        match rest {
            "" => plain = plain.or(Some(&p.value)),
            "*" => extended = extended.or(Some(&p.value)),
            _ => {
                let Some(rest) = rest.strip_prefix('*') else { continue };
                let (num, star) = match rest.strip_suffix('*') {
                    Some(n) => (n, true),
                    None => (rest, false),
                };
                if let Ok(n) = num.parse::<u32>() {
                    sections.push((n, star, &p.value));
                }
            }
        }
    }
    if !sections.is_empty() {
        sections.sort_by_key(|s| s.0);
        let mut charset = String::new();
        let mut bytes = Vec::new();
        for (i, (_, star, value)) in sections.iter().enumerate() {
            if *star {
                let value = if i == 0 {
                    let (cs, v) = split_charset(value);
                    charset = cs;
                    v
                } else {
                    value
                };
                bytes.extend(percent_decode(value));
            } else {
                bytes.extend_from_slice(value);
            }
        }
        return Some(decode_charset(&bytes, &charset));
    }
    if let Some(value) = extended {
        let (charset, v) = split_charset(value);
        return Some(decode_charset(&percent_decode(v), &charset));
    }
    plain.map(decode_words)
}

/// `charset'language'value` -> (charset, value). Without two quotes the whole is the value.
fn split_charset(value: &[u8]) -> (String, &[u8]) {
    let mut quotes = value.iter().enumerate().filter(|(_, b)| **b == b'\'').map(|(i, _)| i);
    match (quotes.next(), quotes.next()) {
        (Some(a), Some(b)) => (String::from_utf8_lossy(&value[..a]).into_owned(), &value[b + 1..]),
        _ => (String::new(), value),
    }
}

/// A `Date:` value as a timestamp, when it is a plausible RFC 5322 date.
pub fn date(value: &[u8]) -> Option<jiff::Timestamp> {
    let value = text(&unfold(value));
    let dt = mail_parser::DateTime::parse_rfc822(value.trim())?;
    if !dt.is_valid() {
        return None;
    }
    jiff::Timestamp::from_second(dt.to_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: &str) -> Vec<Param> {
        structured(v.as_bytes()).1
    }

    #[test]
    fn structured_values() {
        let (token, p) = structured(b"Attachment; filename=\"a b;c.pdf\"; size=12 (bytes);\r\n\tcreation-date=\"x\"");
        assert_eq!(token, "attachment");
        assert_eq!(
            p,
            vec![Param::new("filename", "a b;c.pdf"), Param::new("size", "12"), Param::new("creation-date", "x")]
        );
        let (token, p) = structured(b"multipart/mixed; boundary=\"=_x\\\"y\"");
        assert_eq!(token, "multipart/mixed");
        assert_eq!(p[0].value, b"=_x\"y");
        assert_eq!(structured(b"").0, "");
        assert_eq!(structured(b"image/png; name=\"unterminated").1[0].value, b"unterminated");
        assert_eq!(structured(b"text/plain; ; =x; junk").1, vec![]);
    }

    #[test]
    fn rfc2231_continuations_and_charsets() {
        // Split inside a multi-byte character: sections are joined before decoding.
        let p = params("attachment; filename*0*=utf-8''%C3%A9t; filename*1*=%C3%A9.pdf");
        assert_eq!(param_text(&p, "filename").as_deref(), Some("été.pdf"));
        // Out of order, mixed plain and extended sections.
        let p = params("attachment; filename*1=\" report.pdf\"; filename*0*=iso-8859-1'fr'R%E9sum%E9");
        assert_eq!(param_text(&p, "filename").as_deref(), Some("Résumé report.pdf"));
        // Joined by the server (Dovecot): name* only.
        let p = vec![Param::new("filename*", "utf-8''Rapport%20annuel%20%E2%82%AC.pdf")];
        assert_eq!(param_text(&p, "filename").as_deref(), Some("Rapport annuel €.pdf"));
        // Extended beats plain; `name` does not match `names`.
        let p = params("x; filename=fallback.pdf; filename*=UTF-8''%F0%9F%93%8E.pdf; filenames=no");
        assert_eq!(param_text(&p, "filename").as_deref(), Some("📎.pdf"));
        assert_eq!(param_text(&p, "name"), None);
        // Broken percent escapes and a missing charset stay readable.
        let p = vec![Param::new("name*", "%ZZ%4"), Param::new("x", "")];
        assert_eq!(param_text(&p, "name").as_deref(), Some("%ZZ%4"));
    }

    #[test]
    fn rfc2047_words() {
        assert_eq!(decode_words(b"=?UTF-8?B?w6l0w6kucGRm?="), "été.pdf");
        assert_eq!(decode_words(b"=?iso-8859-1?Q?R=E9sum=E9_final?= .pdf"), "Résumé final .pdf");
        // Adjacent words join without the space between them.
        assert_eq!(decode_words(b"=?UTF-8?Q?a?= \r\n =?UTF-8?Q?b?= c"), "ab c");
        assert_eq!(decode_words(b"plain  text"), "plain  text");
        assert_eq!(decode_words(b"=?UTF-8?X?bad?="), "=?UTF-8?X?bad?=");
        assert_eq!(decode_words(b"=?UTF-8?B?unterminated"), "=?UTF-8?B?unterminated");
        assert_eq!(decode_words(b"=?utf-8*fr?Q?caf=C3=A9?="), "café");
        assert_eq!(decode_words(b"Re: =?koi8-r?B?8NLJ18XU?="), "Re: Привет");
        let p = params("application/pdf; name=\"=?UTF-8?B?w6l0w6kucGRm?=\"");
        assert_eq!(param_text(&p, "name").as_deref(), Some("été.pdf"));
    }

    #[test]
    fn raw_8bit_is_utf8_or_windows_1252() {
        assert_eq!(text("café".as_bytes()), "café");
        assert_eq!(text(b"caf\xe9"), "café");
        let p = structured(b"attachment; filename=\"r\xe9sum\xe9.pdf\"").1;
        assert_eq!(param_text(&p, "filename").as_deref(), Some("résumé.pdf"));
    }

    #[test]
    fn header_fields_unfold() {
        let block = b"From: A <a@b>\r\nSubject: =?UTF-8?Q?h=C3=A9?=\r\n  llo\r\nX: 1\nbroken line\n\nBody: no\n";
        let f = fields(block);
        assert_eq!(f.len(), 3);
        assert_eq!(decode_words(field(&f, "subject").unwrap()), "hé  llo");
        assert_eq!(field(&f, "from"), Some(&b"A <a@b>"[..]));
        assert_eq!(field(&f, "body"), None);
        assert!(fields(b"").is_empty());
        assert!(fields(b"\xff\xfe:\x00").len() == 1);
    }

    #[test]
    fn dates() {
        assert_eq!(date(b"Mon, 2 Jan 2006 16:04:05 +0100"), Some("2006-01-02T15:04:05Z".parse().unwrap()));
        assert_eq!(date(b"garbage"), None);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs: [&[u8]; 8] = [b"=?", b"=?=?", b"=??B??=", b"=?a?Q?=", b"=?a?Q?=4?=", b"\"", b";;;==;\"", b"%"];
        for input in inputs {
            let _ = decode_words(input);
            let (_, p) = structured(input);
            let _ = param_text(&p, "");
            let _ = fields(input);
        }
        let _ = param_text(&[Param::new("name*0*", "'"), Param::new("name*99999999999", "x")], "name");
    }
}
