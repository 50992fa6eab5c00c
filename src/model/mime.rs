//! The MIME structure of a message as `attachments` sees it: one [`Part`] tree that both
//! the IMAP adapter (from `BODYSTRUCTURE`) and the local/POP3 adapters (from mail-parser)
//! convert into, and the one walk, [`attachments`], that turns a tree into findings. Both
//! sources therefore number parts, name files and measure sizes the same way.
//!
//! - [`header`]: header fields, RFC 2047 encoded-words, `Content-Type` parameters with
//!   RFC 2231 continuations and charsets (pure byte-level decoding);
//! - [`report`]: a message's findings, the filters, totals and the report of a run.
//!
//! Sizes are the *encoded* sizes with CRLF line endings: what IMAP `BODYSTRUCTURE` and
//! `RFC822.SIZE` report and what the quota counts. Decoded sizes are estimates
//! ([`decoded_estimate`]): servers' `BINARY.SIZE` cannot be trusted (Dovecot 2.3.19
//! reports wrong values), and downloading to measure is what this command avoids.

pub mod header;
pub mod report;

use serde::Serialize;

pub use header::Param;

/// One MIME part. A message is its root part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Part {
    /// `type/subtype`, lowercase (`text/plain` when the message says nothing).
    pub mime_type: String,
    /// `Content-Type` parameters as sent (names lowercase, values raw bytes).
    pub params: Vec<Param>,
    /// `Content-ID`, as sent (`<abc@host>`).
    pub content_id: Option<String>,
    /// `Content-Transfer-Encoding`, lowercase (`7bit` when absent).
    pub encoding: String,
    /// Encoded body octets, CRLF line endings. For `message/rfc822`: the whole nested
    /// message. Meaningless (0) for multiparts.
    pub size: u64,
    /// `Content-Disposition` value, lowercase (`attachment`, `inline`, ...).
    pub disposition: Option<String>,
    pub disposition_params: Vec<Param>,
    pub body: Body,
}

/// What a part contains.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Body {
    /// Data: text, image, application... (also a `message/rfc822` whose content was not
    /// parsed as a message, e.g. because it is base64-encoded).
    #[default]
    Leaf,
    /// `multipart/*` children, in order.
    Multipart(Vec<Part>),
    /// A nested message (`message/rfc822`, `message/global`): its root part.
    Message(Box<Part>),
}

impl Part {
    /// A leaf part of the given type, encoding and encoded size.
    pub fn leaf(mime_type: &str, encoding: &str, size: u64) -> Part {
        Part {
            mime_type: mime_type.to_ascii_lowercase(),
            encoding: encoding.to_ascii_lowercase(),
            size,
            ..Part::default()
        }
    }

    /// The file name: `Content-Disposition; filename=`, else `Content-Type; name=`, with
    /// RFC 2231 and RFC 2047 decoded. Empty names count as none.
    pub fn filename(&self) -> Option<String> {
        header::param_text(&self.disposition_params, "filename")
            .or_else(|| header::param_text(&self.params, "name"))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
    }
}

/// How the sender meant a part to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Attachment,
    Inline,
}

impl Disposition {
    pub fn label(self) -> &'static str {
        match self {
            Disposition::Attachment => "attachment",
            Disposition::Inline => "inline",
        }
    }

    /// `inline` and `attachment` as sent; any other value is an attachment. Without the
    /// header, a named part is an attachment (clients list it as one) and an unnamed one
    /// is inline (a body).
    fn of(part: &Part, named: bool) -> Disposition {
        match part.disposition.as_deref() {
            Some("inline") => Disposition::Inline,
            Some(_) => Disposition::Attachment,
            None if named => Disposition::Attachment,
            None => Disposition::Inline,
        }
    }
}

/// One part at or above the size threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// IMAP part specifier (`1`, `2.2`, `3.1.2`): the same numbering on every source.
    pub part: String,
    pub filename: Option<String>,
    pub mime_type: String,
    pub disposition: Disposition,
    pub content_id: Option<String>,
    pub encoding: String,
    /// Encoded size (CRLF line endings): what it costs on the server.
    pub size: u64,
    /// Estimated decoded size (see [`decoded_estimate`]).
    pub decoded_size_estimate: u64,
    /// Inside a forwarded message (`message/rfc822`).
    pub forwarded: bool,
}

/// Every leaf part of `root` whose encoded size is at least `min_size`, in part order.
///
/// Any leaf counts, named or not (a 6 MB unnamed `application/octet-stream` costs the
/// same as a named one), bodies included. Multiparts and parsed nested messages are
/// containers: their leaves are reported, not they.
pub fn attachments(root: &Part, min_size: u64) -> Vec<Attachment> {
    let mut out = Vec::new();
    walk_message(root, "", false, min_size, &mut out, 0);
    out
}

/// Beyond this nesting, parts are not walked (a hostile message cannot exhaust the stack).
const MAX_DEPTH: usize = 64;

/// IMAP numbering: the children of a message's multipart root are `prefix.1`, `prefix.2`;
/// a message whose root is not a multipart has its body at `prefix.1`.
fn walk_message(root: &Part, prefix: &str, forwarded: bool, min: u64, out: &mut Vec<Attachment>, depth: usize) {
    match &root.body {
        Body::Multipart(children) => walk_children(children, prefix, forwarded, min, out, depth),
        _ => walk_part(root, &join(prefix, 1), forwarded, min, out, depth),
    }
}

fn walk_children(children: &[Part], prefix: &str, forwarded: bool, min: u64, out: &mut Vec<Attachment>, depth: usize) {
    for (i, child) in children.iter().enumerate() {
        walk_part(child, &join(prefix, i + 1), forwarded, min, out, depth);
    }
}

fn walk_part(part: &Part, path: &str, forwarded: bool, min: u64, out: &mut Vec<Attachment>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match &part.body {
        Body::Multipart(children) => walk_children(children, path, forwarded, min, out, depth + 1),
        Body::Message(inner) => walk_message(inner, path, true, min, out, depth + 1),
        Body::Leaf if part.size >= min => {
            let filename = part.filename();
            out.push(Attachment {
                part: path.to_string(),
                disposition: Disposition::of(part, filename.is_some()),
                filename,
                mime_type: part.mime_type.clone(),
                content_id: part.content_id.clone(),
                encoding: part.encoding.clone(),
                size: part.size,
                decoded_size_estimate: decoded_estimate(&part.encoding, part.size),
                forwarded,
            });
        }
        Body::Leaf => {}
    }
}

fn join(prefix: &str, n: usize) -> String {
    if prefix.is_empty() { n.to_string() } else { format!("{prefix}.{n}") }
}

/// Encoded line length plus CRLF that mailers use for base64 and quoted-printable (76+2).
const LINE: u64 = 78;

/// An estimate of the decoded size of a body of `size` encoded octets (CRLF line
/// endings):
/// - base64: 3 bytes per 4 characters once the line breaks (76-character lines, the
///   MIME maximum almost every mailer uses) are taken away;
/// - quoted-printable: the size less one soft line break (`=` CRLF) per line; escapes
///   (`=E9`) are not counted, so text with many non-ASCII bytes decodes smaller;
/// - 7bit, 8bit, binary and anything unknown: as is.
pub fn decoded_estimate(encoding: &str, size: u64) -> u64 {
    let lines = size.div_ceil(LINE);
    match encoding {
        "base64" => size.saturating_sub(2 * lines) / 4 * 3,
        "quoted-printable" => size.saturating_sub(3 * lines),
        _ => size,
    }
}

/// The size of `bytes` if every bare LF were CRLF: what IMAP and the quota count for a
/// message stored with LF line endings (Dovecot's "virtual size").
pub fn crlf_size(bytes: &[u8]) -> u64 {
    let mut size = bytes.len() as u64;
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            size += 1;
        }
        prev = b;
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(mut p: Part, name: &str) -> Part {
        p.params.push(Param::new("name", name));
        p
    }

    fn multipart(subtype: &str, children: Vec<Part>) -> Part {
        Part { mime_type: format!("multipart/{subtype}"), body: Body::Multipart(children), ..Part::default() }
    }

    fn message(root: Part) -> Part {
        Part { mime_type: "message/rfc822".into(), size: 999, body: Body::Message(Box::new(root)), ..Part::default() }
    }

    fn paths(found: &[Attachment]) -> Vec<(&str, Option<&str>, bool)> {
        found.iter().map(|a| (a.part.as_str(), a.filename.as_deref(), a.forwarded)).collect()
    }

    #[test]
    fn a_single_part_message_is_part_1() {
        let root = named(Part::leaf("application/pdf", "base64", 100), "a.pdf");
        assert_eq!(paths(&attachments(&root, 10)), [("1", Some("a.pdf"), false)]);
        assert!(attachments(&root, 101).is_empty());
        assert_eq!(attachments(&root, 100).len(), 1, "the threshold is inclusive");
    }

    #[test]
    fn parts_are_numbered_as_imap_does() {
        let fwd = message(multipart(
            "mixed",
            vec![Part::leaf("text/plain", "7bit", 5), named(Part::leaf("application/pdf", "base64", 500), "f.pdf")],
        ));
        let fwd_single = message(named(Part::leaf("application/zip", "base64", 600), "s.zip"));
        let related =
            multipart("related", vec![Part::leaf("text/html", "qp", 10), Part::leaf("image/png", "base64", 300)]);
        let root = multipart(
            "mixed",
            vec![
                multipart("alternative", vec![Part::leaf("text/plain", "7bit", 1), related]),
                named(Part::leaf("application/zip", "base64", 400), "z.zip"),
                fwd,
                fwd_single,
            ],
        );
        assert_eq!(
            paths(&attachments(&root, 100)),
            [
                ("1.2.2", None, false),
                ("2", Some("z.zip"), false),
                ("3.2", Some("f.pdf"), true),
                ("4.1", Some("s.zip"), true)
            ]
        );
    }

    #[test]
    fn dispositions_follow_the_header_then_the_name() {
        let mut inline = named(Part::leaf("image/png", "base64", 10), "a.png");
        inline.disposition = Some("inline".into());
        let mut other = Part::leaf("image/png", "base64", 10);
        other.disposition = Some("form-data".into());
        let root = multipart(
            "mixed",
            vec![
                inline,
                other,
                named(Part::leaf("image/png", "base64", 10), "b.png"),
                Part::leaf("image/png", "base64", 10),
            ],
        );
        let d: Vec<_> = attachments(&root, 0).iter().map(|a| a.disposition).collect();
        use Disposition::*;
        assert_eq!(d, [Inline, Attachment, Attachment, Inline]);
    }

    #[test]
    fn filename_prefers_the_disposition() {
        let mut p = named(Part::leaf("application/pdf", "base64", 1), "type-name.pdf");
        assert_eq!(p.filename().as_deref(), Some("type-name.pdf"));
        p.disposition_params.push(Param::new("filename", "disp.pdf"));
        assert_eq!(p.filename().as_deref(), Some("disp.pdf"));
        let blank = named(Part::leaf("application/pdf", "base64", 1), "  ");
        assert_eq!(blank.filename(), None);
    }

    #[test]
    fn deep_nesting_stops_without_overflow() {
        let mut p = Part::leaf("application/octet-stream", "base64", 10);
        for _ in 0..10_000 {
            p = multipart("mixed", vec![p]);
        }
        assert!(attachments(&p, 0).is_empty());
        // Dropping a deep tree recurses too: unwind it iteratively.
        let mut cur = p;
        while let Body::Multipart(mut c) = std::mem::take(&mut cur.body) {
            match c.pop() {
                Some(next) => cur = next,
                None => break,
            }
        }
    }

    #[test]
    fn decoded_size_estimates() {
        // 57 bytes per line of 76 base64 characters + CRLF.
        assert_eq!(decoded_estimate("base64", 78 * 100), 5700);
        assert_eq!(decoded_estimate("base64", 0), 0);
        assert_eq!(decoded_estimate("base64", 3), 0);
        assert_eq!(decoded_estimate("quoted-printable", 78 * 10), 750);
        assert_eq!(decoded_estimate("7bit", 1234), 1234);
        assert_eq!(decoded_estimate("binary", 1234), 1234);
        assert_eq!(decoded_estimate("x-uuencode", 1234), 1234);
        // A real 6 MiB file base64-encoded at 76 columns comes back within 0.1%.
        let raw = 6 * 1024 * 1024u64;
        let chars = raw.div_ceil(3) * 4;
        let encoded = chars + 2 * chars.div_ceil(76);
        let est = decoded_estimate("base64", encoded);
        assert!(est.abs_diff(raw) * 1000 < raw, "{est} vs {raw}");
    }

    #[test]
    fn crlf_sizes_count_bare_lfs_twice() {
        assert_eq!(crlf_size(b"a\nb\r\nc\n"), 9);
        assert_eq!(crlf_size(b""), 0);
        assert_eq!(crlf_size(b"\n\n"), 4);
    }
}
