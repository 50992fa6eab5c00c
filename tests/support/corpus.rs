//! The attachment corpus: messages of every shape real mail has (multipart/mixed, several
//! attachments, inline images in multipart/related, forwarded messages nested twice,
//! names only in `Content-Type`, unnamed parts, TNEF, single-part attachments, big text
//! bodies, RFC 2231 and RFC 2047 names in several charsets) and malformed ones (missing
//! final boundary, no boundary parameter, bad base64, raw 8-bit headers, a truncated
//! nested message), built from a tree that also yields the expected findings.
//!
//! The expectations come from the generator's own knowledge of what it wrote, not from
//! mailsweep: every leaf's IMAP part number, decoded name, type, disposition and encoded
//! size (all lines end in CRLF, so sizes are byte counts; a leaf body never ends with the
//! CRLF that belongs to the next boundary).

use base64::Engine as _;

/// One MIME node of a message being built.
pub enum Node {
    /// A data part with its headers (beyond Content-Type) and body.
    Leaf { content_type: String, headers: Vec<String>, body: Vec<u8>, expect: Expect },
    /// `multipart/<subtype>`; `closed: false` leaves out the final `--boundary--`.
    Multi { subtype: &'static str, boundary: String, children: Vec<Node>, closed: bool },
    /// `message/rfc822` holding a nested message (its own header fields, then its root).
    Message { headers: Vec<String>, inner_headers: Vec<String>, inner: Box<Node> },
    /// A part written as is, that an IMAP server shows without any part worth reporting
    /// (e.g. a multipart without boundary: one empty text part).
    Opaque { headers: Vec<String>, body: Vec<u8> },
}

/// What the generator knows of a leaf besides its bytes.
#[derive(Clone, Debug)]
pub struct Expect {
    pub filename: Option<String>,
    pub mime_type: String,
    pub disposition: &'static str,
    /// The true decoded size (to judge mailsweep's estimate).
    pub decoded: u64,
}

/// One expected finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub folder: String,
    pub subject: String,
    pub part: String,
    pub filename: Option<String>,
    pub mime_type: String,
    pub disposition: String,
    pub size: u64,
    pub forwarded: bool,
    pub message_size: u64,
    pub decoded: u64,
}

/// One corpus message.
pub struct CorpusMessage {
    pub folder: &'static str,
    /// The decoded subject (what mailsweep must show).
    pub subject: String,
    pub raw: Vec<u8>,
    /// Unix seconds of the `Date:` header (also used as INTERNALDATE).
    pub date: i64,
    pub malformed: bool,
    leaves: Vec<(String, bool, u64, Expect)>,
}

impl CorpusMessage {
    /// The findings at `min_size`, in part order.
    pub fn rows(&self, min_size: u64) -> Vec<Row> {
        self.leaves
            .iter()
            .filter(|(_, _, size, _)| *size >= min_size)
            .map(|(part, forwarded, size, e)| Row {
                folder: self.folder.to_string(),
                subject: self.subject.clone(),
                part: part.clone(),
                filename: e.filename.clone(),
                mime_type: e.mime_type.clone(),
                disposition: e.disposition.to_string(),
                size: *size,
                forwarded: *forwarded,
                message_size: self.raw.len() as u64,
                decoded: e.decoded,
            })
            .collect()
    }
}

/// Every finding of the corpus at `min_size`, sorted.
pub fn expected(corpus: &[CorpusMessage], min_size: u64) -> Vec<Row> {
    let mut rows: Vec<Row> = corpus.iter().flat_map(|m| m.rows(min_size)).collect();
    rows.sort();
    rows
}

/// Deterministic pseudo-random bytes (xorshift), so the corpus is the same every run.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Base64 in 76-character lines joined by CRLF (no final line break).
pub fn base64_lines(data: &[u8]) -> Vec<u8> {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes().chunks(76).collect::<Vec<_>>().join(&b"\r\n"[..])
}

/// A base64 leaf of `decoded` random bytes.
pub fn b64(
    content_type: &str,
    headers: &[&str],
    decoded: usize,
    seed: u64,
    filename: Option<&str>,
    disposition: &'static str,
) -> Node {
    let data = noise(decoded, seed);
    let mut h = vec!["Content-Transfer-Encoding: base64".to_string()];
    h.extend(headers.iter().map(|s| s.to_string()));
    Node::Leaf {
        content_type: content_type.to_string(),
        headers: h,
        body: base64_lines(&data),
        expect: Expect {
            filename: filename.map(str::to_string),
            mime_type: content_type.split(';').next().unwrap().trim().to_ascii_lowercase(),
            disposition,
            decoded: decoded as u64,
        },
    }
}

/// A short text/plain body (inline, unnamed).
pub fn text(body: &str) -> Node {
    Node::Leaf {
        content_type: "text/plain; charset=utf-8".into(),
        headers: vec!["Content-Transfer-Encoding: 8bit".into()],
        body: body.replace('\n', "\r\n").into_bytes(),
        expect: Expect {
            filename: None,
            mime_type: "text/plain".into(),
            disposition: "inline",
            decoded: body.len() as u64,
        },
    }
}

pub fn multi(subtype: &'static str, boundary: &str, children: Vec<Node>) -> Node {
    Node::Multi { subtype, boundary: boundary.into(), children, closed: true }
}

pub fn forward(subject: &str, inner: Node) -> Node {
    Node::Message {
        headers: vec!["Content-Disposition: inline".into()],
        inner_headers: vec![
            "From: Emma Rossi <emma@example.it>".into(),
            format!("Subject: {subject}"),
            "Date: Thu, 18 Jan 2024 14:13:20 +0000".into(),
            "MIME-Version: 1.0".into(),
        ],
        inner: Box::new(inner),
    }
}

/// The headers of a node as a part (its Content-* fields).
fn part_headers(node: &Node) -> Vec<String> {
    match node {
        Node::Leaf { content_type, headers, .. } => {
            let mut h = vec![format!("Content-Type: {content_type}")];
            h.extend(headers.iter().cloned());
            h
        }
        Node::Multi { subtype, boundary, .. } => {
            vec![format!("Content-Type: multipart/{subtype}; boundary=\"{boundary}\"")]
        }
        Node::Message { headers, .. } => {
            let mut h = vec!["Content-Type: message/rfc822".to_string()];
            h.extend(headers.iter().cloned());
            h
        }
        Node::Opaque { headers, .. } => headers.clone(),
    }
}

fn body(node: &Node) -> Vec<u8> {
    match node {
        Node::Leaf { body, .. } | Node::Opaque { body, .. } => body.clone(),
        Node::Multi { boundary, children, closed, .. } => {
            let mut out = b"This is a multi-part message in MIME format.\r\n".to_vec();
            for child in children {
                out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                out.extend(part(child));
                out.extend_from_slice(b"\r\n");
            }
            if *closed {
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            }
            out
        }
        Node::Message { inner_headers, inner, .. } => message_bytes(inner_headers, inner),
    }
}

fn part(node: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    for h in part_headers(node) {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend(body(node));
    out
}

fn message_bytes(top: &[String], root: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    for h in top {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend(part(root));
    out
}

/// Leaves with IMAP part numbers, as the generator wrote them.
fn leaves(root: &Node) -> Vec<(String, bool, u64, Expect)> {
    fn message(node: &Node, prefix: &str, fwd: bool, out: &mut Vec<(String, bool, u64, Expect)>) {
        match node {
            Node::Multi { children, closed, .. } => children_of(children, *closed, prefix, fwd, out),
            other => walk(other, &join(prefix, 1), fwd, out),
        }
    }
    /// Without a final boundary, the CRLF written after the last part is not a delimiter's
    /// any more: it belongs to that part's body.
    fn children_of(
        children: &[Node],
        closed: bool,
        prefix: &str,
        fwd: bool,
        out: &mut Vec<(String, bool, u64, Expect)>,
    ) {
        for (i, c) in children.iter().enumerate() {
            let before = out.len();
            walk(c, &join(prefix, i + 1), fwd, out);
            if !closed && i + 1 == children.len() && matches!(c, Node::Leaf { .. }) && out.len() == before + 1 {
                out[before].2 += 2;
            }
        }
    }
    fn walk(node: &Node, path: &str, fwd: bool, out: &mut Vec<(String, bool, u64, Expect)>) {
        match node {
            Node::Leaf { body, expect, .. } => out.push((path.to_string(), fwd, body.len() as u64, expect.clone())),
            Node::Multi { children, closed, .. } => children_of(children, *closed, path, fwd, out),
            Node::Message { inner, .. } => message(inner, path, true, out),
            Node::Opaque { .. } => {}
        }
    }
    fn join(prefix: &str, n: usize) -> String {
        if prefix.is_empty() { n.to_string() } else { format!("{prefix}.{n}") }
    }
    let mut out = Vec::new();
    message(root, "", false, &mut out);
    out
}

/// Jan 1st 2019 + `days`.
fn day(days: i64) -> i64 {
    1_546_300_800 + days * 86_400
}

fn rfc2822(unix: i64) -> String {
    let ts = jiff::Timestamp::from_second(unix).unwrap();
    ts.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

struct Spec {
    folder: &'static str,
    subject_header: &'static str,
    subject: &'static str,
    date: i64,
    malformed: bool,
    root: Node,
}

fn build(s: Spec) -> CorpusMessage {
    let top = vec![
        "From: Sam Sender <sam@example.org>".to_string(),
        "To: user@example.org".to_string(),
        format!("Subject: {}", s.subject_header),
        format!("Date: {}", rfc2822(s.date)),
        format!("Message-ID: <corpus-{}@mailsweep.test>", s.date),
        "MIME-Version: 1.0".to_string(),
    ];
    let mut raw = message_bytes(&top, &s.root);
    let mut leaves = leaves(&s.root);
    // A message ends with a line break (POP3 and mbox need one); after a single-part
    // body, that line break is the body's.
    if !raw.ends_with(b"\r\n") {
        raw.extend_from_slice(b"\r\n");
        if let (Node::Leaf { .. }, Some(leaf)) = (&s.root, leaves.first_mut()) {
            leaf.2 += 2;
        }
    }
    CorpusMessage {
        folder: s.folder,
        subject: s.subject.to_string(),
        raw,
        date: s.date,
        malformed: s.malformed,
        leaves,
    }
}

/// The corpus: about 16 MB in 19 messages over three folders (one non-ASCII).
pub fn corpus() -> Vec<CorpusMessage> {
    const KB: usize = 1000;
    let mut out = Vec::new();
    let mut add = |folder, subject_header, subject, days, malformed, root| {
        out.push(build(Spec { folder, subject_header, subject, date: day(days), malformed, root }))
    };

    // multipart/mixed, non-ASCII RFC 2231 name split in two sections.
    add(
        "INBOX",
        "=?UTF-8?Q?Plans_du_b=C3=A2timent?=",
        "Plans du bâtiment",
        1900,
        false,
        multi(
            "mixed",
            "=_m1",
            vec![
                text("Bonjour,\nvoici les plans.\n"),
                b64(
                    "application/pdf",
                    &[
                        "Content-Disposition: attachment;\r\n filename*0*=utf-8''plans-b%C3%A2timent%20;\r\n filename*1*=%28r%C3%A9vision%203%29.pdf",
                    ],
                    1_900 * KB,
                    1,
                    Some("plans-bâtiment (révision 3).pdf"),
                    "attachment",
                ),
            ],
        ),
    );
    // Several attachments; a name only in Content-Type; RFC 2047 in a filename.
    add(
        "INBOX",
        "Several files",
        "Several files",
        1500,
        false,
        multi(
            "mixed",
            "=_m2",
            vec![
                text("Three files attached.\n"),
                b64("application/zip; name=\"archive.zip\"", &[], 900 * KB, 2, Some("archive.zip"), "attachment"),
                b64(
                    "image/jpeg",
                    &["Content-Disposition: attachment; filename=\"photo 1.jpg\""],
                    520 * KB,
                    3,
                    Some("photo 1.jpg"),
                    "attachment",
                ),
                b64(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    &["Content-Disposition: attachment; filename=\"=?ISO-8859-1?Q?R=E9sum=E9.docx?=\""],
                    230 * KB,
                    4,
                    Some("Résumé.docx"),
                    "attachment",
                ),
            ],
        ),
    );
    // An inline image with a Content-ID in multipart/related inside multipart/alternative.
    add(
        "INBOX",
        "Newsletter",
        "Newsletter",
        1200,
        false,
        multi(
            "alternative",
            "=_m3a",
            vec![
                text("See the HTML version.\n"),
                multi(
                    "related",
                    "=_m3r",
                    vec![
                        Node::Leaf {
                            content_type: "text/html; charset=utf-8".into(),
                            headers: vec![],
                            body: b"<html><body><img src=\"cid:pic@x\"></body></html>".to_vec(),
                            expect: Expect {
                                filename: None,
                                mime_type: "text/html".into(),
                                disposition: "inline",
                                decoded: 48,
                            },
                        },
                        b64(
                            "image/png; name=\"banner.png\"",
                            &["Content-ID: <pic@x>", "Content-Disposition: inline; filename=\"banner.png\""],
                            680 * KB,
                            5,
                            Some("banner.png"),
                            "inline",
                        ),
                    ],
                ),
            ],
        ),
    );
    // A forwarded message with a PDF whose name is RFC 2047 (base64, UTF-8).
    add(
        "Archives/2023",
        "Fwd: Contrat",
        "Fwd: Contrat",
        1700,
        false,
        multi(
            "mixed",
            "=_m4",
            vec![
                text("Forwarding.\n"),
                forward(
                    "Contrat",
                    multi(
                        "mixed",
                        "=_m4in",
                        vec![
                            text("Le contrat signé.\n"),
                            b64(
                                "application/pdf; name=\"=?UTF-8?B?Y29udHJhdCDDqXTDqS5wZGY=?=\"",
                                &["Content-Disposition: attachment"],
                                1_200 * KB,
                                6,
                                Some("contrat été.pdf"),
                                "attachment",
                            ),
                        ],
                    ),
                ),
            ],
        ),
    );
    // A forwarded single-part message: its body is part 2.1.
    add(
        "Archives/2023",
        "Fwd: photos",
        "Fwd: photos",
        1710,
        false,
        multi(
            "mixed",
            "=_m5",
            vec![
                text("Photos below.\n"),
                forward(
                    "photos",
                    b64(
                        "application/zip",
                        &["Content-Disposition: attachment; filename=photos.zip"],
                        600 * KB,
                        7,
                        Some("photos.zip"),
                        "attachment",
                    ),
                ),
            ],
        ),
    );
    // A forward inside a forward.
    add(
        "INBOX",
        "Fwd: Fwd: chiffres",
        "Fwd: Fwd: chiffres",
        1720,
        false,
        multi(
            "mixed",
            "=_m6",
            vec![
                text("FYI\n"),
                forward(
                    "Fwd: chiffres",
                    multi(
                        "mixed",
                        "=_m6a",
                        vec![
                            text("see below\n"),
                            forward(
                                "chiffres",
                                multi(
                                    "mixed",
                                    "=_m6b",
                                    vec![
                                        text("Les chiffres.\n"),
                                        b64(
                                            "application/vnd.ms-excel",
                                            &["Content-Disposition: attachment; filename=\"chiffres 2023.xls\""],
                                            300 * KB,
                                            8,
                                            Some("chiffres 2023.xls"),
                                            "attachment",
                                        ),
                                    ],
                                ),
                            ),
                        ],
                    ),
                ),
            ],
        ),
    );
    // A part with no name at all.
    add(
        "INBOX",
        "Unnamed",
        "Unnamed",
        1300,
        false,
        multi(
            "mixed",
            "=_m7",
            vec![
                text("An unnamed blob.\n"),
                b64("application/octet-stream", &["Content-Disposition: attachment"], 450 * KB, 9, None, "attachment"),
            ],
        ),
    );
    // TNEF from Outlook.
    add(
        "Envoyés",
        "winmail",
        "winmail",
        1400,
        false,
        multi(
            "mixed",
            "=_m8",
            vec![
                text("Outlook says hi.\n"),
                b64(
                    "application/ms-tnef; name=\"winmail.dat\"",
                    &["Content-Disposition: attachment; filename=\"winmail.dat\""],
                    800 * KB,
                    10,
                    Some("winmail.dat"),
                    "attachment",
                ),
            ],
        ),
    );
    // A single-part message that is an attachment.
    add(
        "INBOX",
        "Facture",
        "Facture",
        1000,
        false,
        b64(
            "application/pdf; name=\"facture.pdf\"",
            &["Content-Disposition: attachment; filename=\"facture.pdf\""],
            520 * KB,
            11,
            Some("facture.pdf"),
            "attachment",
        ),
    );
    // A big quoted-printable text body (unnamed, inline).
    add("INBOX", "Long text", "Long text", 800, false, {
        let line = "Caf=C3=A9 cr=C3=A8me and plenty of plain words to make a long line of text =\r\n";
        let mut body = line.repeat(6000).into_bytes();
        body.extend_from_slice(b"end.");
        let decoded = (6000 * (line.len() - 3 - 8 * 2)) as u64 + 4;
        Node::Leaf {
            content_type: "text/plain; charset=utf-8".into(),
            headers: vec!["Content-Transfer-Encoding: quoted-printable".into()],
            body,
            expect: Expect { filename: None, mime_type: "text/plain".into(), disposition: "inline", decoded },
        }
    });
    // A 7bit text attachment named in RFC 2231 ISO-8859-1.
    add(
        "Archives/2023",
        "Export",
        "Export",
        1750,
        false,
        multi(
            "mixed",
            "=_m11",
            vec![text("Export attached.\n"), {
                let line = "2023-01-01;donnees;12345;67890;abcdefghijklmnopqrstuvwxyz\r\n";
                let mut body = line.repeat(5000).into_bytes();
                body.extend_from_slice(b"end");
                let decoded = body.len() as u64;
                Node::Leaf {
                    content_type: "text/csv; charset=us-ascii".into(),
                    headers: vec![
                        "Content-Transfer-Encoding: 7bit".into(),
                        "Content-Disposition: attachment; filename*=iso-8859-1''donn%E9es.csv".into(),
                    ],
                    body,
                    expect: Expect {
                        filename: Some("données.csv".into()),
                        mime_type: "text/csv".into(),
                        disposition: "attachment",
                        decoded,
                    },
                }
            }],
        ),
    );
    // A small attachment and a small message: below every threshold but the lowest.
    add(
        "INBOX",
        "Tiny",
        "Tiny",
        1100,
        false,
        multi(
            "mixed",
            "=_m12",
            vec![
                text("tiny\n"),
                b64(
                    "image/gif",
                    &["Content-Disposition: attachment; filename=tiny.gif"],
                    40 * KB,
                    12,
                    Some("tiny.gif"),
                    "attachment",
                ),
            ],
        ),
    );
    add("INBOX", "Just text", "Just text", 1110, false, text("Nothing attached.\n"));

    // --- Malformed ---
    // The final boundary is missing: the last part runs to the end of the message.
    add(
        "INBOX",
        "Unclosed",
        "Unclosed",
        1600,
        true,
        Node::Multi {
            subtype: "mixed",
            boundary: "=_x1".into(),
            closed: false,
            children: vec![
                text("no end\n"),
                b64(
                    "application/pdf",
                    &["Content-Disposition: attachment; filename=unclosed.pdf"],
                    380 * KB,
                    13,
                    Some("unclosed.pdf"),
                    "attachment",
                ),
            ],
        },
    );
    // multipart without a boundary parameter: servers see one empty text part.
    add(
        "INBOX",
        "No boundary",
        "No boundary",
        1610,
        true,
        Node::Opaque {
            headers: vec!["Content-Type: multipart/mixed".into()],
            body: {
                let mut b =
                    b"--lost\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
                b.extend(base64_lines(&noise(300 * KB, 14)));
                b.extend_from_slice(b"\r\n--lost--\r\n");
                b
            },
        },
    );
    // Bad base64: characters outside the alphabet in the middle.
    add(
        "INBOX",
        "Bad base64",
        "Bad base64",
        1620,
        true,
        multi(
            "mixed",
            "=_x3",
            vec![text("garbage inside\n"), {
                let mut body = base64_lines(&noise(260 * KB, 15));
                body.splice(1000..1000, b"!!##$$%%".iter().copied());
                let len = body.len();
                body.splice(len / 2..len / 2, b"\xff\xfe*&^".iter().copied());
                Node::Leaf {
                    content_type: "application/pdf".into(),
                    headers: vec![
                        "Content-Transfer-Encoding: base64".into(),
                        "Content-Disposition: attachment; filename=\"broken.pdf\"".into(),
                    ],
                    body,
                    expect: Expect {
                        filename: Some("broken.pdf".into()),
                        mime_type: "application/pdf".into(),
                        disposition: "attachment",
                        decoded: 260 * KB as u64,
                    },
                }
            }],
        ),
    );
    // Raw 8-bit UTF-8 in the subject and the file name.
    add(
        "Envoyés",
        "Reçu — 8 bits",
        "Reçu — 8 bits",
        1630,
        true,
        multi(
            "mixed",
            "=_x4",
            vec![
                text("raw\n"),
                b64(
                    "application/pdf; name=\"reçu-8bit.pdf\"",
                    &["Content-Disposition: attachment; filename=\"reçu-8bit.pdf\""],
                    240 * KB,
                    16,
                    Some("reçu-8bit.pdf"),
                    "attachment",
                ),
            ],
        ),
    );
    // A forwarded message whose multipart is cut short (no final boundary inside).
    add(
        "Archives/2023",
        "Fwd: tronqué",
        "Fwd: tronqué",
        1640,
        true,
        multi(
            "mixed",
            "=_x5",
            vec![
                text("cut\n"),
                forward(
                    "tronqué",
                    Node::Multi {
                        subtype: "mixed",
                        boundary: "=_x5in".into(),
                        closed: false,
                        children: vec![
                            text("inner\n"),
                            b64(
                                "application/pdf",
                                &["Content-Disposition: attachment; filename=\"tronque.pdf\""],
                                330 * KB,
                                17,
                                Some("tronque.pdf"),
                                "attachment",
                            ),
                        ],
                    },
                ),
            ],
        ),
    );
    out
}

/// The corpus as one mbox file: a `From ` line, the message (CRLF, ending with a line
/// break), a blank line.
pub fn mbox(corpus: &[CorpusMessage]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in corpus {
        assert!(m.raw.ends_with(b"\r\n"), "corpus messages end with a line break");
        let ts = jiff::Timestamp::from_second(m.date).unwrap();
        out.extend_from_slice(format!("From sam@example.org {}\r\n", ts.strftime("%a %b %e %H:%M:%S %Y")).as_bytes());
        out.extend_from_slice(&m.raw);
        out.extend_from_slice(b"\r\n");
    }
    out
}
