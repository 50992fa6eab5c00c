//! `attachments` on local stores (Maildir, mbox), and the conversion of a raw message
//! parsed by mail-parser into the model's MIME tree (also used by POP3 downloads).
//!
//! One message at a time: a message whose size rules out any part at the threshold is
//! skipped without being read (Maildir `W=`) or parsed (mbox: the stored length bounds
//! the CRLF size), so a multi-GB mbox costs one read pass and the memory of one message
//! (plus the findings a [`Collector`] keeps for the output).
//!
//! Sizes are measured with CRLF line endings, as IMAP does, so a Maildir scanned on the
//! server gives the same findings as the same mailbox read over IMAP.

use std::io::{self, Read};
use std::path::Path;

use mail_parser::{Message, MessageParser, PartType};

use super::{LocalKind, io_failure, maildir, mbox};
use crate::model::QuotaInfo;
use crate::model::mime::report::{
    AttachmentsReport, Collector, Counts, Detail, Envelope, Filter, Keep, Locator, MessageFinding,
};
use crate::model::mime::{self, Body, Part, header};

/// Nested messages deeper than this are left as leaves.
const MAX_DEPTH: usize = 32;

/// A raw message read into the model: its MIME tree and whether it parsed cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub root: Part,
    /// False when mail-parser had to recover from malformed MIME (bad encodings,
    /// missing boundaries, truncated nested messages) or found no header at all.
    pub complete: bool,
    /// Where the header block ends (the body starts).
    pub header_end: usize,
}

/// Parses a raw message (as stored: LF or CRLF line endings) into the model's tree.
pub fn parse(raw: &[u8]) -> Parsed {
    let parser = MessageParser::new();
    match parser.parse(raw) {
        Some(message) if !message.parts.is_empty() => {
            let mut complete = true;
            let root = convert(&message, 0, raw, &mut complete, None, &[], 0);
            let header_end = message.parts[0].offset_body as usize;
            Parsed { root, complete, header_end }
        }
        // No header at all: the whole is one text body, as an IMAP server shows it.
        _ => Parsed { root: Part::leaf("text/plain", "7bit", mime::crlf_size(raw)), complete: false, header_end: 0 },
    }
}

/// Reads one message into a finding (`None` when nothing in it reaches `min_size`).
pub fn inspect(
    raw: &[u8],
    min_size: u64,
    folder: &str,
    locator: Locator,
    arrival: Option<jiff::Timestamp>,
) -> Inspected {
    let size = mime::crlf_size(raw);
    let parsed = parse(raw);
    let block = raw.get(..parsed.header_end).unwrap_or_default();
    let envelope = Envelope::from_header_block(block, arrival);
    let finding = MessageFinding {
        folder: folder.to_string(),
        locator,
        date: envelope.date,
        from: envelope.from,
        subject: envelope.subject,
        size,
        attachments: mime::attachments(&parsed.root, min_size),
        complete: parsed.complete,
    };
    Inspected { finding, complete: parsed.complete }
}

/// The result of [`inspect`].
#[derive(Debug, Clone)]
pub struct Inspected {
    pub finding: MessageFinding,
    pub complete: bool,
}

/// The `Content-*` header fields of one mail-parser part, from the raw bytes.
struct PartHeaders<'a> {
    content_type: Option<&'a [u8]>,
    encoding: Option<&'a [u8]>,
    id: Option<&'a [u8]>,
    disposition: Option<&'a [u8]>,
}

fn part_headers<'a>(part: &mail_parser::MessagePart<'_>, raw: &'a [u8]) -> PartHeaders<'a> {
    let mut h = PartHeaders { content_type: None, encoding: None, id: None, disposition: None };
    for field in &part.headers {
        let value = field_value(raw, field.offset_start as usize);
        let slot = match field.name.as_str().to_ascii_lowercase().as_str() {
            "content-type" => &mut h.content_type,
            "content-transfer-encoding" => &mut h.encoding,
            "content-id" => &mut h.id,
            "content-disposition" => &mut h.disposition,
            _ => continue,
        };
        // The first occurrence wins, as in IMAP servers.
        if slot.is_none() {
            *slot = value;
        }
    }
    h
}

/// The raw value of the field whose value starts at `start`: up to the end of the last
/// line that continues it. mail-parser's own end offset stops early on some folded
/// fields (RFC 2231 sections on continuation lines), so the lines are scanned here.
fn field_value(raw: &[u8], start: usize) -> Option<&[u8]> {
    let rest = raw.get(start..)?;
    let mut end = 0;
    loop {
        let line_end = rest[end..].iter().position(|&b| b == b'\n').map_or(rest.len(), |i| end + i + 1);
        end = line_end;
        if !matches!(rest.get(end), Some(b' ' | b'\t')) {
            return Some(&rest[..end]);
        }
    }
}

/// Converts part `id` of `message` (whose offsets point into `raw`).
///
/// `bounds` are the boundaries of the enclosing multiparts, across nested messages:
/// mail-parser forgets the outer ones inside a nested message, so a part left open there
/// (a truncated forward) would run to the end of the whole message, where an IMAP server
/// stops it at the enclosing delimiter.
fn convert(
    message: &Message<'_>,
    id: usize,
    raw: &[u8],
    complete: &mut bool,
    parent: Option<&str>,
    bounds: &[Vec<u8>],
    depth: usize,
) -> Part {
    let Some(p) = message.parts.get(id) else {
        *complete = false;
        return Part::leaf("text/plain", "7bit", 0);
    };
    if p.is_encoding_problem {
        *complete = false;
    }
    let h = part_headers(p, raw);
    let (mut mime_type, params) = h.content_type.map(header::structured).unwrap_or_default();
    if !is_type(&mime_type) {
        // RFC 2045 §5.2: a missing or unreadable type is text/plain, except in a digest.
        mime_type = if parent == Some("multipart/digest") { "message/rfc822" } else { "text/plain" }.to_string();
    }
    let encoding = h
        .encoding
        .map(|e| header::text(&header::unfold(e)).trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "7bit".to_string());
    let content_id = h.id.map(|v| header::text(&header::unfold(v))).filter(|v| !v.is_empty());
    let (disposition, disposition_params) = match h.disposition.map(header::structured) {
        Some((d, params)) if !d.is_empty() => (Some(d), params),
        _ => (None, Vec::new()),
    };
    let size = raw
        .get(p.offset_body as usize..(p.offset_end as usize).max(p.offset_body as usize))
        .map_or(0, |body| mime::crlf_size(cut_at_delimiter(body, bounds)));
    let mut inner_bounds = bounds.to_vec();
    if let Some(b) = params.iter().find(|p| p.name == "boundary") {
        inner_bounds.push(b.value.clone());
    }
    let unencoded = matches!(encoding.as_str(), "7bit" | "8bit" | "binary");
    let body = match &p.body {
        PartType::Multipart(ids) if depth < MAX_DEPTH => Body::Multipart(
            ids.iter()
                .map(|&c| convert(message, c as usize, raw, complete, Some(&mime_type), &inner_bounds, depth + 1))
                .collect(),
        ),
        PartType::Message(nested) if unencoded && depth < MAX_DEPTH && !nested.parts.is_empty() => {
            let nested_raw: &[u8] = nested.raw_message.as_ref();
            Body::Message(Box::new(convert(nested, 0, nested_raw, complete, None, &inner_bounds, depth + 1)))
        }
        _ if mime_type.starts_with("multipart/") => {
            // A multipart whose boundary is missing or never found: IMAP servers show
            // one empty text part, so its content is not counted on either side.
            *complete = false;
            Body::Multipart(vec![Part::leaf("text/plain", "7bit", 0)])
        }
        _ => Body::Leaf,
    };
    let size = if matches!(body, Body::Multipart(_)) { 0 } else { size };
    Part { mime_type, params, content_id, encoding, size, disposition, disposition_params, body }
}

/// `body` up to the first line that is a delimiter of one of `bounds` (`--boundary`),
/// without the line break before it, which belongs to the delimiter.
fn cut_at_delimiter<'a>(body: &'a [u8], bounds: &[Vec<u8>]) -> &'a [u8] {
    if bounds.is_empty() {
        return body;
    }
    let mut start = 0;
    while start < body.len() {
        let line = &body[start..];
        if let Some(rest) = line.strip_prefix(b"--")
            && bounds.iter().any(|b| !b.is_empty() && rest.starts_with(b))
        {
            let mut end = start;
            if end > 0 && body[end - 1] == b'\n' {
                end -= 1;
                if end > 0 && body[end - 1] == b'\r' {
                    end -= 1;
                }
            }
            return &body[..end];
        }
        match line.iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    body
}

/// `type/subtype` with both halves non-empty.
fn is_type(t: &str) -> bool {
    t.split_once('/').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('/'))
}

/// Scans a local store for attachments. Blocking file I/O: run it on the blocking pool.
pub fn scan(kind: LocalKind, root: &Path, filter: &Filter, source: String) -> anyhow::Result<AttachmentsReport> {
    Ok(scan_keeping(kind, root, filter, Keep::All, source)?.0)
}

/// [`scan`], keeping in memory only what `keep` says; the counts are of every finding.
pub fn scan_keeping(
    kind: LocalKind,
    root: &Path,
    filter: &Filter,
    keep: Keep,
    source: String,
) -> anyhow::Result<(AttachmentsReport, Counts)> {
    let mut report = AttachmentsReport::new(source, Detail::Parts, "local store: no quota");
    let mut found = Collector::new(keep);
    match kind {
        LocalKind::Maildir => scan_maildir(root, filter, &mut report, &mut found)?,
        LocalKind::Mbox => scan_mbox(root, filter, &mut report, &mut found)?,
    }
    let counts = found.finish(&mut report);
    Ok((report, counts))
}

fn record(report: &mut AttachmentsReport, found: &mut Collector, filter: &Filter, inspected: Inspected) {
    report.candidates += 1;
    if !inspected.complete {
        report.not_fully_parsed += 1;
    }
    if let Some(f) = filter.apply(inspected.finding) {
        found.add(f);
    }
}

fn scan_maildir(
    root: &Path,
    filter: &Filter,
    report: &mut AttachmentsReport,
    found: &mut Collector,
) -> anyhow::Result<()> {
    if let Some(q) = maildir_quota(root) {
        report.quota = QuotaInfo::Reported { roots: vec![q] };
    }
    for folder in maildir::folders(root)? {
        if !filter.keeps_folder(&folder.name) {
            continue;
        }
        let mut messages = maildir::messages(&folder);
        for m in messages.by_ref() {
            let m = m?;
            // W= is the CRLF size itself; any other size at most doubles with CRLF.
            let bound = match m.size_source {
                maildir::SizeSource::Virtual => m.size,
                _ => m.size.saturating_mul(2),
            };
            if bound < filter.min_size {
                continue;
            }
            let raw = match std::fs::read(&m.path) {
                Ok(raw) => raw,
                // Moved or expunged by a client meanwhile.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_failure("read message", &m.path, &e)),
            };
            if mime::crlf_size(&raw) < filter.min_size {
                continue;
            }
            let locator = Locator::File { path: m.path.display().to_string() };
            record(report, found, filter, inspect(&raw, filter.min_size, &folder.name, locator, m.received));
        }
        if messages.vanished() {
            report.notes.push(format!("folder \"{}\" vanished during the scan", folder.name));
        }
    }
    Ok(())
}

/// The Maildir++ quota, when the store keeps a `maildirsize` file.
fn maildir_quota(root: &Path) -> Option<crate::model::QuotaRoot> {
    let file = std::fs::File::open(root.join("maildirsize")).ok()?;
    maildir::parse_maildirsize(io::BufReader::new(file)).ok().flatten()
}

fn scan_mbox(
    root: &Path,
    filter: &Filter,
    report: &mut AttachmentsReport,
    found: &mut Collector,
) -> anyhow::Result<()> {
    for folder in mbox::folders(root)? {
        if !filter.keeps_folder(&folder.name) {
            continue;
        }
        for m in mbox::messages(&folder)? {
            let m = m?;
            if m.deleted || m.length.saturating_mul(2) < filter.min_size {
                continue;
            }
            let mut raw = Vec::with_capacity(usize::try_from(m.length).unwrap_or(0));
            m.open()
                .and_then(|mut r| r.read_to_end(&mut raw))
                .map_err(|e| io_failure(&format!("read message at offset {} of mbox", m.offset), &m.path, &e))?;
            if mime::crlf_size(&raw) < filter.min_size {
                continue;
            }
            let locator = Locator::Mbox { path: m.path.display().to_string(), offset: m.offset };
            record(report, found, filter, inspect(&raw, filter.min_size, &folder.name, locator, m.received));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mime::Disposition;

    const MIXED: &str = "From: =?UTF-8?Q?Jos=C3=A9?= <j@example.org>\n\
Subject: Report\n\
Date: Tue, 2 Jan 2024 10:00:00 +0000\n\
MIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"b1\"\n\
\n\
--b1\n\
Content-Type: text/plain\n\
\n\
Hello\n\
--b1\n\
Content-Type: application/pdf; name=\"ignored.pdf\"\n\
Content-Disposition: attachment;\n\
\x20filename*0*=utf-8''%C3%A9t%C3%A9;\n\
\x20filename*1=\".pdf\"\n\
Content-Transfer-Encoding: base64\n\
\n\
QUJDRA==\n\
QUJDRA==\n\
--b1\n\
Content-Type: message/rfc822\n\
\n\
Subject: fwd\n\
Content-Type: multipart/mixed; boundary=b2\n\
\n\
--b2\n\
Content-Type: image/png\n\
Content-Transfer-Encoding: base64\n\
Content-ID: <img1>\n\
\n\
iVBORw0KGgo=\n\
--b2--\n\
--b1--\n";

    #[test]
    fn a_mixed_message_converts_with_imap_numbering_and_crlf_sizes() {
        let p = parse(MIXED.as_bytes());
        assert!(p.complete);
        let found = mime::attachments(&p.root, 1);
        let rows: Vec<_> = found
            .iter()
            .map(|a| (a.part.as_str(), a.mime_type.as_str(), a.filename.as_deref(), a.size, a.forwarded))
            .collect();
        assert_eq!(
            rows,
            [
                ("1", "text/plain", None, 5),
                ("2", "application/pdf", Some("été.pdf"), 18),
                ("3.1", "image/png", None, 12),
            ]
            .map(|(a, b, c, d)| (a, b, c, d, a.starts_with('3')))
        );
        assert_eq!(found[1].disposition, Disposition::Attachment);
        assert_eq!(found[2].content_id.as_deref(), Some("<img1>"));
        let i = inspect(MIXED.as_bytes(), 10, "INBOX", Locator::File { path: "x".into() }, None);
        assert_eq!(i.finding.from.as_deref(), Some("José <j@example.org>"));
        assert_eq!(i.finding.subject.as_deref(), Some("Report"));
        assert_eq!(i.finding.size, mime::crlf_size(MIXED.as_bytes()));
        assert_eq!(i.finding.attachments.len(), 2);
    }

    #[test]
    fn malformed_messages_are_reported_as_best_they_can() {
        for raw in [
            &b""[..],
            b"no header here",
            b"Content-Type: multipart/mixed\n\n--x\nhello\n--x--\n",
            b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n!!!!\n",
            b"Content-Type: message/rfc822\n\nSubject: trunc",
            b"Subject: caf\xe9\nContent-Type: application/pdf; name=\"r\xe9sum\xe9.pdf\"\n\nxx",
        ] {
            let p = parse(raw);
            let _ = mime::attachments(&p.root, 0);
        }
        let p = parse(b"Content-Type: multipart/mixed\n\n--x\nhello\n--x--\n");
        assert_eq!(p.root.body, Body::Multipart(vec![Part::leaf("text/plain", "7bit", 0)]));
        assert!(!p.complete);
        // A forward cut short inside: the open part stops at the outer delimiter.
        let raw = b"Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: message/rfc822\r\n\r\n\
Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\nContent-Type: image/png\r\n\r\n0123456789\r\n\r\n--out--\r\n";
        let p = parse(raw);
        let a = mime::attachments(&p.root, 0);
        assert_eq!((a[0].part.as_str(), a[0].size), ("1.1", 12));
        assert_eq!(cut_at_delimiter(b"ab\n--x\n", &[b"x".to_vec()]), b"ab");
        assert_eq!(cut_at_delimiter(b"--x", &[b"x".to_vec()]), b"");
        assert_eq!(cut_at_delimiter(b"a--x\n", &[b"x".to_vec()]), b"a--x\n");
        let p = parse(b"Subject: x\nContent-Type: application/pdf; name=\"r\xe9sum\xe9.pdf\"\n\nxx");
        assert_eq!(p.root.filename().as_deref(), Some("résumé.pdf"));
    }
}
