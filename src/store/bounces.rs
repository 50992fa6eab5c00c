//! `bounces` on local stores (Maildir, mbox): one message at a time, the header checked
//! before anything is parsed, and only the parts the model's [`Plan`] names handed over,
//! cut to the same [`CAP`] as an IMAP partial fetch, so that a Maildir read on the server
//! and the same mailbox read over IMAP give the same bounces.

use std::io::{self, Read};
use std::path::Path;

use mail_parser::{Message, MessageParser, PartType};

use super::{LocalKind, io_failure, maildir, mbox};
use crate::model::bounce::{self, Answers, Bounce, BounceMessage, BouncesReport, CAP, Headers, Plan, Scope};
use crate::model::mime::{self, report::Locator};

/// Scans a local store for bounces. Blocking file I/O: run it on the blocking pool.
pub fn scan(kind: LocalKind, root: &Path, scope: &Scope, source: String) -> anyhow::Result<BouncesReport> {
    let mut report = BouncesReport::new(source, scope);
    match kind {
        LocalKind::Maildir => {
            for folder in maildir::folders(root)? {
                if !scope.keeps_folder(&folder.name) {
                    continue;
                }
                let mut messages = maildir::messages(&folder);
                for m in messages.by_ref() {
                    let m = m?;
                    // The arrival rules most messages out before they are opened.
                    if m.received.is_some_and(|r| r < scope.since) {
                        continue;
                    }
                    let raw = match std::fs::read(&m.path) {
                        Ok(raw) => raw,
                        // Moved or expunged by a client meanwhile.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(io_failure("read message", &m.path, &e)),
                    };
                    let locator = Locator::File { path: m.path.display().to_string() };
                    record(&mut report, scope, &folder.name, locator, m.received, &raw);
                }
                if messages.vanished() {
                    report.notes.push(format!("folder \"{}\" vanished during the scan", folder.name));
                }
            }
        }
        LocalKind::Mbox => {
            for folder in mbox::folders(root)? {
                if !scope.keeps_folder(&folder.name) {
                    continue;
                }
                for m in mbox::messages(&folder)? {
                    let m = m?;
                    if m.deleted || m.received.is_some_and(|r| r < scope.since) {
                        continue;
                    }
                    let mut raw = Vec::with_capacity(usize::try_from(m.length).unwrap_or(0));
                    m.open().and_then(|mut r| r.read_to_end(&mut raw)).map_err(|e| {
                        io_failure(&format!("read message at offset {} of mbox", m.offset), &m.path, &e)
                    })?;
                    let locator = Locator::Mbox { path: m.path.display().to_string(), offset: m.offset };
                    record(&mut report, scope, &folder.name, locator, m.received, &raw);
                }
            }
        }
    }
    report.sort();
    Ok(report)
}

fn record(
    report: &mut BouncesReport,
    scope: &Scope,
    folder: &str,
    locator: Locator,
    arrival: Option<jiff::Timestamp>,
    raw: &[u8],
) {
    let headers = Headers::parse(header_block(raw));
    if !scope.keeps_date(arrival, headers.date) {
        return;
    }
    let Some(candidate) = headers.candidate() else { return };
    report.candidates += 1;
    if let Some(message) = inspect_candidate(raw, &headers, candidate) {
        report.bounces.push(Bounce {
            folder: folder.to_string(),
            locator,
            arrival,
            size: mime::crlf_size(raw),
            message,
        });
    }
}

/// Reads one raw message as a bounce; `None` when it is not one.
pub fn inspect(raw: &[u8]) -> Option<BounceMessage> {
    let headers = Headers::parse(header_block(raw));
    let candidate = headers.candidate()?;
    inspect_candidate(raw, &headers, candidate)
}

fn inspect_candidate(raw: &[u8], headers: &Headers, candidate: bounce::Candidate) -> Option<BounceMessage> {
    let parsed = super::attachments::parse(raw);
    let plan = bounce::plan(candidate, &parsed.root);
    let message = MessageParser::new().parse(raw);
    let answers = answers(message.as_ref(), raw, &plan);
    bounce::read(headers, &plan, &answers)
}

/// The header block: up to and including the first empty line.
fn header_block(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| i + 2)
        .into_iter()
        .chain(raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4))
        .min()
        .unwrap_or(raw.len());
    &raw[..end]
}

fn answers(message: Option<&Message<'_>>, raw: &[u8], plan: &Plan) -> Answers {
    let get = |req: &Option<bounce::Request>| -> Option<Vec<u8>> {
        let bytes = section(message?, raw, &req.as_ref()?.section)?;
        Some(bytes[..bytes.len().min(CAP as usize)].to_vec())
    };
    Answers { status: get(&plan.status), text: get(&plan.text), original: get(&plan.original) }
}

/// The bytes IMAP would send for `BODY[section]`: a part's body (`2.1`), or the header of
/// the message in a `message/rfc822` part (`3.HEADER`). Offsets are mail-parser's.
fn section<'a>(message: &'a Message<'a>, raw: &'a [u8], section: &str) -> Option<&'a [u8]> {
    let (path, header) = match section.strip_suffix(".HEADER") {
        Some(p) => (p, true),
        None => (section, false),
    };
    let numbers: Vec<usize> = path.split('.').map(|n| n.parse().ok()).collect::<Option<_>>()?;
    let (msg, raw, id) = locate(message, raw, &numbers, 0)?;
    let part = msg.parts.get(id)?;
    if header {
        return match &part.body {
            PartType::Message(nested) => {
                let nested_raw: &[u8] = nested.raw_message.as_ref();
                // Offsets of a nested message count from the start of the outer one.
                let root = nested.parts.first()?;
                nested_raw.get(root.offset_header as usize..root.offset_body as usize)
            }
            _ => raw.get(part.offset_body as usize..(part.offset_end as usize).max(part.offset_body as usize)),
        };
    }
    raw.get(part.offset_body as usize..(part.offset_end as usize).max(part.offset_body as usize))
}

/// The message holding the part at IMAP path `numbers`, its raw bytes and the part's id.
fn locate<'a>(
    message: &'a Message<'a>,
    raw: &'a [u8],
    numbers: &[usize],
    depth: usize,
) -> Option<(&'a Message<'a>, &'a [u8], usize)> {
    let (&first, rest) = numbers.split_first()?;
    let root = message.parts.first()?;
    let id = match &root.body {
        PartType::Multipart(children) => *children.get(first.checked_sub(1)?)? as usize,
        _ if first == 1 => 0,
        _ => return None,
    };
    descend(message, raw, id, rest, depth)
}

fn descend<'a>(
    message: &'a Message<'a>,
    raw: &'a [u8],
    id: usize,
    rest: &[usize],
    depth: usize,
) -> Option<(&'a Message<'a>, &'a [u8], usize)> {
    let Some((&n, tail)) = rest.split_first() else { return Some((message, raw, id)) };
    if depth > 32 {
        return None;
    }
    match &message.parts.get(id)?.body {
        PartType::Multipart(children) => {
            let child = *children.get(n.checked_sub(1)?)? as usize;
            descend(message, raw, child, tail, depth + 1)
        }
        PartType::Message(nested) => locate(nested, nested.raw_message.as_ref(), rest, depth + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &[u8] =
        b"Subject: x\nContent-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: text/plain\n\nhello\n--a\n\
Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\ninner\n--b--\n--a\n\
Content-Type: message/rfc822\n\nSubject: returned\nFrom: r@x.example\n\nbody\n--a--\n";

    #[test]
    fn sections_are_found_as_imap_numbers_them() {
        let m = MessageParser::new().parse(NESTED).unwrap();
        let text = |s| section(&m, NESTED, s).map(|b| String::from_utf8_lossy(b).trim().to_string());
        assert_eq!(text("1").as_deref(), Some("hello"));
        assert_eq!(text("2.1").as_deref(), Some("inner"));
        assert_eq!(text("3.HEADER").as_deref(), Some("Subject: returned\nFrom: r@x.example"));
        assert_eq!(text("4"), None);
        assert_eq!(text("0"), None);
        assert_eq!(text("1.1"), None);
        assert_eq!(text("x"), None);
        let single = b"Subject: y\n\nthe body\n";
        let m = MessageParser::new().parse(&single[..]).unwrap();
        assert_eq!(section(&m, single, "1").map(|b| b.trim_ascii()), Some(&b"the body"[..]));
        assert_eq!(section(&m, single, "2"), None);
    }

    #[test]
    fn header_blocks_end_at_the_first_empty_line() {
        assert_eq!(header_block(b"A: b\r\n\r\nbody\n\nmore"), b"A: b\r\n\r\n");
        assert_eq!(header_block(b"A: b\n\nbody"), b"A: b\n\n");
        assert_eq!(header_block(b"A: b"), b"A: b");
    }
}
