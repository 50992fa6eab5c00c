//! Delivery failure reports ("bounces"): which messages are bounces, which few parts of
//! them carry the report, and what went wrong, in the classes of the guide's table
//! (GUIDES.md, "Junk and bounces") with the guide's advice for each.
//!
//! Three steps, so that adapters read as little as possible:
//! 1. [`Headers::candidate`] looks at a handful of header fields ([`HEADER_FIELDS`]): a
//!    standard report (RFC 3464 `multipart/report; report-type=delivery-status`), a known
//!    bounce subject ([`SUBJECT_WORDS`]), a mailer daemon as sender ([`FROM_WORDS`]), or
//!    Exim's `X-Failed-Recipients`. The IMAP adapter's `SEARCH` asks for exactly these, so
//!    a server and a local copy of the same mailbox give the same candidates.
//! 2. [`plan`] adds the MIME tree and names the parts to read, never more than [`CAP`]
//!    bytes of each: the `message/delivery-status` part, the first text part, and the
//!    returned headers (`text/rfc822-headers`, or the header of a returned message, never
//!    its attachments).
//! 3. [`read`] takes those bytes and returns a [`BounceMessage`] (one [`Failure`] per
//!    failed recipient), or `None` when the candidate is not a failure after all (a
//!    success report, a notice from the postmaster).
//!
//! Standard reports are read field by field (`Final-Recipient`, `Action`, `Status`,
//! `Diagnostic-Code`); everything else (Exim, qmail, old Sendmail, Exchange text) and any
//! gap in a standard report is read from the text by shape: a recipient address, then the
//! lines that follow it up to a blank line. A status code (`5.2.2`, qmail's `#5.1.2`) wins
//! over wording; wording (the guide's phrases and the common variants) decides when the
//! code is generic or missing.
//!
//! Everything here is total: truncated reports, missing fields and unknown charsets give
//! the best reading possible (and [`BounceMessage::complete`] false), never a panic.

use globset::GlobSet;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::folder::glob_set;
use super::mime::report::Locator;
use super::mime::{Body, Part, header};
use super::status::Status;

/// The most bytes read of any one part (a partial fetch on IMAP): reports are a few
/// hundred bytes; the cap keeps a hostile or huge "text" part from being downloaded.
pub const CAP: u64 = 16 * 1024;

/// The header fields read from every candidate, as IMAP names them.
pub const HEADER_FIELDS: [&str; 6] = ["DATE", "FROM", "TO", "SUBJECT", "CONTENT-TYPE", "X-FAILED-RECIPIENTS"];

/// Words in `From` that name a mail system rather than a person (Exchange on-premises
/// sends as `MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@...`).
pub const FROM_WORDS: [&str; 3] = ["mailer-daemon", "postmaster", "microsoftexchange"];

/// Words in the subjects of the common non-standard bounces (case-insensitive substrings):
/// Postfix "Undelivered Mail Returned to Sender", Exchange "Undeliverable:", Exim "Mail
/// delivery failed", qmail "failure notice", Gmail "Delivery Status Notification",
/// Sendmail "Returned mail:", and a few localised Exchange ones.
pub const SUBJECT_WORDS: [&str; 11] = [
    "undeliver",
    "mail delivery failed",
    "failure notice",
    "delivery status notification",
    "returned mail",
    "delivery failure",
    "delivery has failed",
    "delivery notification",
    "nondeliverable",
    "non remis",
    "unzustellbar",
];

// ---------------------------------------------------------------------------------------
// Classes and advice
// ---------------------------------------------------------------------------------------

/// What went wrong, in the guide's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The recipient's mailbox is full (5.2.2, 4.2.2, "Over quota", "Mailbox full").
    Quota,
    /// The message exceeds the receiving server's size limit (5.3.4, 5.2.3).
    TooLarge,
    /// The address before the @ does not exist (5.1.1, "User unknown").
    UnknownUser,
    /// The part after the @ cannot be found (5.1.2, 5.4.4, "Host not found").
    UnknownHost,
    /// A temporary failure (4.x.x): the sending server retries.
    Temporary,
    /// A permanent failure outside the guide's table (policy, spam, relaying...).
    Other,
}

impl Class {
    pub const ALL: [Class; 6] =
        [Class::Quota, Class::TooLarge, Class::UnknownUser, Class::UnknownHost, Class::Temporary, Class::Other];

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Class::Quota => "quota",
            Class::TooLarge => "too_large",
            Class::UnknownUser => "unknown_user",
            Class::UnknownHost => "unknown_host",
            Class::Temporary => "temporary",
            Class::Other => "other",
        }
    }

    /// Words for tables.
    pub fn label(self) -> &'static str {
        match self {
            Class::Quota => "mailbox full",
            Class::TooLarge => "too large",
            Class::UnknownUser => "unknown user",
            Class::UnknownHost => "unknown domain",
            Class::Temporary => "temporary",
            Class::Other => "other",
        }
    }

    /// The guide's advice (GUIDES.md, "Junk and bounces" and "Quota").
    pub fn advice(self) -> &'static str {
        match self {
            Class::Quota => {
                "the recipient's mailbox is full (\"Mailbox full\", \"Over quota\", \"Disc quota exceeded\"): \
                 the message was not delivered; tell them by another channel (phone, another address) so \
                 they can clean up their box, then send again"
            }
            Class::TooLarge => {
                "the message is bigger than the receiving server accepts (\"Message size exceeds fixed \
                 maximum message size\"): send a download link instead of the attachment, or compress or \
                 split it"
            }
            Class::UnknownUser => {
                "the address before the @ does not exist (\"User unknown\", \"No such user here\"): check \
                 its spelling with the recipient"
            }
            Class::UnknownHost => {
                "the part after the @ cannot be found (\"Host not found\", \"Domain not found\"): check \
                 the domain's spelling"
            }
            Class::Temporary => {
                "a temporary failure (4.x.x): the sending server keeps retrying; act only if a final \
                 failure report follows"
            }
            Class::Other => {
                "a permanent failure outside the guide's table (policy, spam filter, relaying): read the \
                 diagnostic; the receiving side's postmaster can explain it"
            }
        }
    }
}

/// Which mail system wrote the report, guessed from its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mta {
    Postfix,
    Exim,
    Qmail,
    Exchange,
    Gmail,
    Sendmail,
    Unknown,
}

// ---------------------------------------------------------------------------------------
// Step 1: headers
// ---------------------------------------------------------------------------------------

/// The header fields a bounce is recognised by, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    pub date: Option<Timestamp>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub subject: Option<String>,
    /// `type/subtype`, lowercase.
    pub content_type: String,
    /// The `report-type` parameter, lowercase.
    pub report_type: Option<String>,
    /// Exim's `X-Failed-Recipients`, lowercase addresses.
    pub failed_recipients: Vec<String>,
}

/// Why a message is looked at (see [`Headers::candidate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// `multipart/report; report-type=delivery-status` (RFC 3464).
    pub standard: bool,
}

impl Headers {
    /// Reads a header block (the whole header, or `HEADER.FIELDS` of it).
    pub fn parse(block: &[u8]) -> Headers {
        let fields = header::fields(block);
        let text = |name| header::field(&fields, name).map(header::decode_words).filter(|s| !s.is_empty());
        let (content_type, params) = header::field(&fields, "content-type").map(header::structured).unwrap_or_default();
        Headers {
            date: header::field(&fields, "date").and_then(header::date),
            from: text("from"),
            to: text("to"),
            subject: text("subject"),
            content_type,
            report_type: header::param_text(&params, "report-type").map(|t| t.trim().to_ascii_lowercase()),
            failed_recipients: fields
                .iter()
                .filter(|(n, _)| n == "x-failed-recipients")
                .flat_map(|(_, v)| addresses(&header::text(v)))
                .map(|(_, _, a)| a)
                .collect(),
        }
    }

    /// Whether the message may be a bounce. Read receipts (`disposition-notification`
    /// reports) and replies or forwards of bounces ("Re: Undelivered Mail...") are not.
    pub fn candidate(&self) -> Option<Candidate> {
        let report = self.content_type == "multipart/report";
        let standard =
            report && matches!(self.report_type.as_deref(), Some("delivery-status" | "global-delivery-status"));
        if report && !standard {
            return None;
        }
        let subject = self.subject.as_deref().unwrap_or("").to_lowercase();
        let reply =
            ["re:", "aw:", "sv:", "fw:", "fwd:", "tr:", "wg:"].iter().any(|p| subject.trim_start().starts_with(p));
        if reply && !standard {
            return None;
        }
        let from = self.from.as_deref().unwrap_or("").to_lowercase();
        let hit = standard
            || SUBJECT_WORDS.iter().any(|w| subject.contains(w))
            || FROM_WORDS.iter().any(|w| from.contains(w))
            || !self.failed_recipients.is_empty();
        hit.then_some(Candidate { standard })
    }

    /// The bounce's own addresses (its sender and recipient): never a failed recipient.
    fn own_addresses(&self) -> Vec<String> {
        [&self.from, &self.to].into_iter().flatten().flat_map(|v| addresses(v)).map(|(_, _, a)| a).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Step 2: which parts to read
// ---------------------------------------------------------------------------------------

/// One part to read, at most [`CAP`] bytes of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Request {
    /// IMAP section: a part specifier (`2`, `1.1.1`), or `3.HEADER` for the header of the
    /// returned message in part 3.
    pub section: String,
    /// Content-Transfer-Encoding, lowercase.
    pub encoding: String,
    /// The `charset` parameter as sent (empty when none).
    pub charset: String,
    /// A `text/html` part, read when there is no `text/plain` one.
    pub html: bool,
}

/// The parts of a candidate that carry its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub standard: bool,
    /// `message/delivery-status` (or `message/global-delivery-status`).
    pub status: Option<Request>,
    /// The first text part outside a returned message (the human-readable report).
    pub text: Option<Request>,
    /// The returned message's headers, for the original subject.
    pub original: Option<Request>,
}

impl Plan {
    /// The requests, in the order of [`Answers`]'s fields.
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        [&self.status, &self.text, &self.original].into_iter().flatten()
    }
}

/// The parts to read of a candidate, from its MIME tree (numbered as IMAP does).
pub fn plan(candidate: Candidate, root: &Part) -> Plan {
    let mut found = Found::default();
    match &root.body {
        Body::Multipart(children) => {
            for (i, c) in children.iter().enumerate() {
                visit(c, &(i + 1).to_string(), &mut found, 0);
            }
        }
        _ => visit(root, "1", &mut found, 0),
    }
    Plan {
        standard: candidate.standard,
        status: found.status,
        text: found.text.or(found.html),
        original: found.original,
    }
}

#[derive(Default)]
struct Found {
    status: Option<Request>,
    text: Option<Request>,
    html: Option<Request>,
    original: Option<Request>,
}

const MAX_DEPTH: usize = 32;

fn visit(part: &Part, path: &str, found: &mut Found, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let request = |section: String, html: bool| Request {
        section,
        encoding: part.encoding.clone(),
        charset: header::param_text(&part.params, "charset").unwrap_or_default(),
        html,
    };
    match &part.body {
        Body::Multipart(children) => {
            for (i, c) in children.iter().enumerate() {
                visit(c, &format!("{path}.{}", i + 1), found, depth + 1);
            }
        }
        // A returned message: its header only, never its body or attachments.
        Body::Message(_) => {
            if found.original.is_none() {
                found.original = Some(request(format!("{path}.HEADER"), false));
            }
        }
        Body::Leaf => {
            let slot = match part.mime_type.as_str() {
                "message/delivery-status" | "message/global-delivery-status" => &mut found.status,
                "text/rfc822-headers" | "message/global-headers" | "message/rfc822" | "message/global" => {
                    &mut found.original
                }
                "text/plain" => &mut found.text,
                "text/html" => &mut found.html,
                _ => return,
            };
            if slot.is_none() {
                *slot = Some(request(path.to_string(), part.mime_type == "text/html"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Step 3: reading the report
// ---------------------------------------------------------------------------------------

/// The bytes read for a [`Plan`], as sent (still transfer-encoded), at most [`CAP`] each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub status: Option<Vec<u8>>,
    pub text: Option<Vec<u8>>,
    pub original: Option<Vec<u8>>,
}

/// One failed (or delayed) recipient of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Lowercase address; `None` when the report does not say.
    pub recipient: Option<String>,
    pub class: Class,
    /// The enhanced status code (`5.2.2`), when the report has one.
    pub status: Option<String>,
    /// The DSN `Action` (`failed`, `delayed`), lowercase; `None` for text reports.
    pub action: Option<String>,
    /// The remote server's words (DSN `Diagnostic-Code`, else the report's lines about
    /// this recipient), on one line, at most [`DIAGNOSTIC_MAX`] characters.
    pub diagnostic: Option<String>,
}

impl Failure {
    /// The part after the @, lowercase.
    pub fn domain(&self) -> Option<&str> {
        self.recipient.as_deref().and_then(|r| r.rsplit_once('@')).map(|(_, d)| d)
    }
}

/// One bounce message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceMessage {
    /// The `Date:` header.
    pub date: Option<Timestamp>,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// A standard report (RFC 3464).
    pub standard: bool,
    pub mta: Mta,
    /// The subject of the message that bounced.
    pub original_subject: Option<String>,
    /// At least one.
    pub failures: Vec<Failure>,
    /// False when the report was malformed or cut short (a standard report without its
    /// status fields, an unreadable delivery-status part): what is shown is a best effort.
    pub complete: bool,
}

/// The longest diagnostic kept, in characters.
pub const DIAGNOSTIC_MAX: usize = 300;

/// Reads a candidate's report; `None` when it reports no failure.
pub fn read(headers: &Headers, plan: &Plan, answers: &Answers) -> Option<BounceMessage> {
    let decode = |req: &Option<Request>, bytes: &Option<Vec<u8>>| -> Option<String> {
        let (req, bytes) = (req.as_ref()?, bytes.as_ref()?);
        let text = decode_text(bytes, &req.encoding, &req.charset);
        Some(if req.html { html_to_text(&text) } else { text })
    };
    let status_text = decode(&plan.status, &answers.status);
    let text = decode(&plan.text, &answers.text).unwrap_or_default();
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
    let marker = lines.iter().position(|l| is_original_marker(l)).unwrap_or(lines.len());
    let (report_lines, returned) = lines.split_at(marker);
    let own = headers.own_addresses();
    let prose = TextReport::new(report_lines, &own, &headers.failed_recipients);

    let dsn = status_text.as_deref().map(parse_dsn).unwrap_or_default();
    let mut complete = true;
    let mut failures = Vec::new();
    if !dsn.is_empty() {
        if dsn.iter().all(|r| r.is_success()) {
            return None;
        }
        for r in dsn.iter().filter(|r| !r.is_success()) {
            let known_action = matches!(r.action.as_deref(), Some("failed" | "delayed"));
            if r.status.is_none() || !known_action || r.recipient.is_none() {
                complete = false;
            }
            let block = r.recipient.as_deref().and_then(|a| prose.block(a));
            let mut status = r.status.clone();
            if status.as_deref().is_none_or(is_generic) {
                let better = r.diagnostic.as_deref().and_then(first_code).or_else(|| block.as_ref()?.status.clone());
                status = better.or(status);
            }
            let diagnostic = r.diagnostic.clone().or_else(|| block.as_ref()?.diagnostic.clone());
            let texts = [diagnostic.as_deref().unwrap_or(""), block.as_ref().map_or("", |b| b.text.as_str())];
            let delayed = r.action.as_deref() == Some("delayed");
            failures.push(Failure {
                recipient: r.recipient.clone(),
                class: classify(status.as_deref(), &texts, delayed),
                status,
                action: r.action.clone(),
                diagnostic: diagnostic.map(|d| one_line(&d)),
            });
        }
    } else {
        if plan.standard {
            complete = false;
        }
        if headers.failed_recipients.is_empty() && !prose.signals_failure() {
            return None;
        }
        let mut recipients = prose.recipients.clone();
        if recipients.is_empty() {
            recipients.push(None);
        }
        for recipient in recipients {
            let block = recipient.as_deref().and_then(|a| prose.block(a)).or_else(|| prose.whole());
            let status = block.as_ref().and_then(|b| b.status.clone());
            let diagnostic = block.as_ref().and_then(|b| b.diagnostic.clone());
            let texts = [diagnostic.as_deref().unwrap_or(""), block.as_ref().map_or("", |b| b.text.as_str())];
            failures.push(Failure {
                recipient,
                class: classify(status.as_deref(), &texts, prose.delayed()),
                status,
                action: None,
                diagnostic: diagnostic.map(|d| one_line(&d)),
            });
        }
    }

    let original_subject = decode(&plan.original, &answers.original)
        .and_then(|block| subject_of(block.as_bytes()))
        .or_else(|| subject_of(returned.get(1..).unwrap_or_default().join("\n").trim_start().as_bytes()))
        .or_else(|| headers.subject.as_deref().and_then(subject_after_prefix));
    Some(BounceMessage {
        date: headers.date,
        from: headers.from.clone(),
        subject: headers.subject.clone(),
        standard: plan.standard,
        mta: mta(headers, status_text.as_deref().unwrap_or(""), &text),
        original_subject,
        failures,
        complete,
    })
}

/// The class of a failure: a specific status code decides; otherwise the wording (the
/// guide's phrases first); otherwise a 4.x.x code or a delay is temporary.
pub fn classify(status: Option<&str>, texts: &[&str], delayed: bool) -> Class {
    if let Some(c) = status.and_then(class_of_code) {
        return c;
    }
    let lower: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
    let phrase = lower.iter().find_map(|t| class_of_words(t));
    let temporary = delayed
        || status.is_some_and(|s| s.starts_with('4'))
        || (status.is_none() && texts.iter().find_map(|t| first_basic_code(t)).is_some_and(|c| c.starts_with('4')));
    match phrase {
        Some(Class::Quota) => Class::Quota,
        _ if temporary => Class::Temporary,
        Some(c) => c,
        None => Class::Other,
    }
}

fn class_of_code(code: &str) -> Option<Class> {
    let (class, rest) = code.split_once('.')?;
    match (class, rest) {
        (_, "2.2") => Some(Class::Quota),
        ("5", "3.4" | "2.3") => Some(Class::TooLarge),
        ("5", "1.1") => Some(Class::UnknownUser),
        ("5", "1.2" | "4.4") => Some(Class::UnknownHost),
        _ => None,
    }
}

/// Quota, size and host wordings before user wordings: "domain ... does not exist" is a
/// host problem.
fn class_of_words(lower: &str) -> Option<Class> {
    const QUOTA: &[&str] = &[
        "over quota",
        "overquota",
        "quota exceeded",
        "exceeded quota",
        "disc quota",
        "disk quota",
        "mailbox full",
        "mailbox is full",
        "mailbox quota",
        "exceeded storage allocation",
        "exceeds the storage",
        "out of storage",
        "insufficient storage",
    ];
    const SIZE: &[&str] = &[
        "message size exceeds",
        "exceeds fixed maximum message size",
        "message too large",
        "message is too large",
        "message too big",
        "size limit",
        "exceeds the maximum size",
        "exceeds maximum allowed size",
        "message length exceeds",
    ];
    const HOST: &[&str] = &[
        "host not found",
        "host unknown",
        "unknown host",
        "domain not found",
        "no such domain",
        "domain does not exist",
        "domain name not found",
        "couldn't find any host",
        "could not find any host",
        "name service error",
        "nxdomain",
        "unroutable domain",
    ];
    const USER: &[&str] = &[
        "user unknown",
        "unknown user",
        "no such user",
        "is not a valid mailbox",
        "invalid recipient",
        "user not found",
        "recipient not found",
        "recipnotfound",
        "recipientnotfound",
        "unknown recipient",
        "no such recipient",
        "no mailbox here",
        "does not exist",
        "doesn't exist",
        "address couldn't be found",
        "address could not be found",
        "wasn't found at",
    ];
    [(QUOTA, Class::Quota), (SIZE, Class::TooLarge), (HOST, Class::UnknownHost), (USER, Class::UnknownUser)]
        .into_iter()
        .find(|(words, _)| words.iter().any(|w| lower.contains(w)))
        .map(|(_, c)| c)
}

/// Wordings that say a delivery failed (any report carries one or a status code).
const FAILURE_WORDS: &[&str] = &[
    "could not be delivered",
    "couldn't be delivered",
    "wasn't delivered",
    "was not delivered",
    "not delivered",
    "delivery has failed",
    "delivery failed",
    "failed permanently",
    "permanent error",
    "permanent fatal error",
    "undeliverable",
    "unable to deliver",
    "wasn't able to deliver",
    "could not deliver",
    "couldn't deliver",
    "temporary problem delivering",
    "returned to sender",
    "delivery to the following recipient",
];

/// `X.0.0`: a code that says nothing about the cause.
fn is_generic(code: &str) -> bool {
    code.ends_with(".0.0")
}

/// Which mail system wrote the report.
fn mta(h: &Headers, status: &str, text: &str) -> Mta {
    let subject = h.subject.as_deref().unwrap_or("").to_lowercase();
    let from = h.from.as_deref().unwrap_or("").to_lowercase();
    let text = text.to_lowercase();
    let status = status.to_lowercase();
    if text.contains("qmail-send program") {
        Mta::Qmail
    } else if status.contains("x-postfix") || text.contains("this is the mail system at host") {
        Mta::Postfix
    } else if !h.failed_recipients.is_empty() && !from.contains("google")
        || subject.starts_with("mail delivery failed")
        || text.contains("created automatically by mail delivery software")
    {
        Mta::Exim
    } else if from.contains("googlemail.com") || from.contains("google.com") || text.contains("gmail will retry") {
        Mta::Gmail
    } else if subject.starts_with("undeliverable")
        || from.contains("microsoftexchange")
        || from.contains("outlook")
        || text.contains("delivery has failed to these recipients")
        || text.contains("diagnostic information for administrators")
        || status.contains("exchangelabs")
        || text.contains("couldn't be delivered.")
    {
        Mta::Exchange
    } else if subject.starts_with("returned mail") || text.contains("transcript of session follows") {
        Mta::Sendmail
    } else {
        Mta::Unknown
    }
}

// ---------------------------------------------------------------------------------------
// Standard reports (RFC 3464)
// ---------------------------------------------------------------------------------------

/// One per-recipient group of a delivery-status part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct DsnRecipient {
    recipient: Option<String>,
    action: Option<String>,
    status: Option<String>,
    diagnostic: Option<String>,
}

impl DsnRecipient {
    fn is_success(&self) -> bool {
        matches!(self.action.as_deref(), Some("delivered" | "relayed" | "expanded"))
            || self.status.as_deref().is_some_and(|s| s.starts_with('2'))
    }
}

/// The per-recipient groups of a delivery-status part (the per-message group, without a
/// recipient field, is skipped). A group cut short keeps what it has.
fn parse_dsn(text: &str) -> Vec<DsnRecipient> {
    let mut out = Vec::new();
    let mut group = String::new();
    for line in text.lines().map(|l| l.trim_end()).chain([""]) {
        if !line.is_empty() {
            group.push_str(line);
            group.push('\n');
            continue;
        }
        if group.is_empty() {
            continue;
        }
        let fields = header::fields(group.as_bytes());
        let value = |name: &str| {
            header::field(&fields, name).map(header::text).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
        };
        // `rfc822; a@b` -> `a@b`
        let after_type = |v: String| match v.split_once(';') {
            Some((_, rest)) => rest.trim().to_string(),
            None => v,
        };
        let recipient = value("final-recipient")
            .or_else(|| value("original-recipient"))
            .map(after_type)
            .and_then(|v| addresses(&v).into_iter().next().map(|(_, _, a)| a));
        let has_recipient_field =
            fields.iter().any(|(n, _)| matches!(n.as_str(), "final-recipient" | "original-recipient" | "action"));
        if has_recipient_field {
            out.push(DsnRecipient {
                recipient,
                action: value("action").map(|a| a.to_ascii_lowercase()),
                status: value("status").and_then(|s| first_code(&s).filter(|c| s.trim_start().starts_with(c.as_str()))),
                diagnostic: value("diagnostic-code").map(after_type).map(|d| one_line(&d)),
            });
        }
        group.clear();
    }
    out
}

// ---------------------------------------------------------------------------------------
// Text reports
// ---------------------------------------------------------------------------------------

/// What a text report says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    /// The lines about it, joined.
    text: String,
    status: Option<String>,
    diagnostic: Option<String>,
}

/// The human-readable part of a report (up to the returned message).
struct TextReport<'a> {
    lines: &'a [&'a str],
    /// Failed recipients in order of first mention, lowercase (`None` never appears here).
    recipients: Vec<Option<String>>,
    /// Where each recipient is first mentioned: line and the byte after the address.
    mentions: Vec<(usize, usize)>,
}

impl<'a> TextReport<'a> {
    fn new(lines: &'a [&'a str], own: &[String], failed: &[String]) -> TextReport<'a> {
        let mut recipients: Vec<Option<String>> = Vec::new();
        let mut mentions = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if is_header_line(line) {
                continue;
            }
            for (_, end, a) in addresses(line) {
                if own.contains(&a) || is_system_address(&a) || recipients.iter().flatten().any(|r| *r == a) {
                    continue;
                }
                recipients.push(Some(a));
                mentions.push((i, end));
            }
        }
        // X-Failed-Recipients is authoritative: the text may mention other addresses.
        if !failed.is_empty() {
            let mut keep: Vec<Option<String>> = Vec::new();
            let mut keep_mentions = Vec::new();
            for f in failed {
                match recipients.iter().position(|r| r.as_deref() == Some(f)) {
                    Some(p) => {
                        keep.push(recipients[p].clone());
                        keep_mentions.push(mentions[p]);
                    }
                    None => {
                        keep.push(Some(f.clone()));
                        keep_mentions.push((usize::MAX, 0));
                    }
                }
            }
            (recipients, mentions) = (keep, keep_mentions);
        }
        TextReport { lines, recipients, mentions }
    }

    /// Whether the text says something failed (a wording or a 4/5.x.x code).
    fn signals_failure(&self) -> bool {
        self.lines.iter().any(|l| {
            let l = l.to_lowercase();
            first_code(&l).is_some() || FAILURE_WORDS.iter().any(|w| l.contains(w)) || class_of_words(&l).is_some()
        })
    }

    /// Whether the report says the delivery is only delayed.
    fn delayed(&self) -> bool {
        self.lines.iter().any(|l| {
            let l = l.to_lowercase();
            l.contains("not delivered yet") || l.contains("delivery delayed") || l.contains("will retry")
        })
    }

    /// The lines about `recipient`: the rest of the line that first names it and the
    /// following ones, up to a blank line or another recipient. When they carry no status
    /// code, a line naming it with one, or (single recipient) any line with one, is used.
    fn block(&self, recipient: &str) -> Option<Block> {
        let idx = self.recipients.iter().position(|r| r.as_deref() == Some(recipient));
        let mut text = String::new();
        if let Some((line, end)) = idx.map(|i| self.mentions[i]).filter(|(l, _)| *l != usize::MAX) {
            let first = self.lines[line][end..].trim_start_matches(['>', ':', ',', ';', ' ', '\t', ')', '"', '\'']);
            text.push_str(first.trim());
            for l in self.lines.iter().skip(line + 1).take(8) {
                let other = addresses(l).iter().any(|(_, _, a)| {
                    a != recipient && self.recipients.iter().any(|r| r.as_deref() == Some(a.as_str()))
                });
                if l.trim().is_empty() || other || is_original_marker(l) {
                    break;
                }
                text.push(' ');
                text.push_str(l.trim());
            }
        }
        let text = one_line(&text);
        let mut status = first_code(&text);
        let mut diagnostic = (!text.is_empty()).then(|| text.clone());
        if status.is_none() {
            let single = self.recipients.len() <= 1;
            let line = self
                .lines
                .iter()
                .find(|l| first_code(l).is_some() && l.to_lowercase().contains(recipient))
                .or_else(|| single.then(|| self.lines.iter().find(|l| first_code(l).is_some())).flatten());
            if let Some(line) = line {
                status = first_code(line);
                diagnostic = Some(one_line(line));
            }
        }
        (!text.is_empty() || status.is_some()).then_some(Block { text, status, diagnostic })
    }

    /// The whole report as one block, when no recipient can be named.
    fn whole(&self) -> Option<Block> {
        let line = self.lines.iter().find(|l| first_code(l).is_some() || class_of_words(&l.to_lowercase()).is_some());
        let text = one_line(&self.lines.join(" "));
        Some(Block { status: line.and_then(|l| first_code(l)), diagnostic: line.map(|l| one_line(l)), text })
    }
}

/// A line that starts a copy of the returned message (Exim, qmail, Sendmail, Exchange).
fn is_original_marker(line: &str) -> bool {
    let l = line.to_lowercase();
    [
        "this is a copy of the message",
        "below this line is a copy of the message",
        "original message follows",
        "enclosed are the original headers",
        "original message headers",
        "original message details",
        "header of the original message",
        "----- original message -----",
        "undelivered message headers",
    ]
    .iter()
    .any(|m| l.contains(m))
}

/// `Name: value` lines (returned headers, Exchange's details) do not name failed
/// recipients, except the DSN-like ones some text reports quote.
fn is_header_line(line: &str) -> bool {
    let Some((name, _)) = line.split_once(':') else { return false };
    let lower = name.to_ascii_lowercase();
    if matches!(lower.as_str(), "final-recipient" | "original-recipient" | "x-failed-recipients") {
        return false;
    }
    !name.is_empty()
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_system_address(a: &str) -> bool {
    let local = a.split('@').next().unwrap_or("");
    FROM_WORDS.iter().any(|w| local.contains(w))
}

/// Email addresses in a text: start byte, end byte and the address, lowercase. Found by
/// shape around each `@`: a local part and a domain with a dot.
pub fn addresses(text: &str) -> Vec<(usize, usize, String)> {
    let local_char = |c: char| c.is_alphanumeric() || "._%+-!#$&*?^{|}~".contains(c);
    let domain_char = |c: char| c.is_alphanumeric() || c == '.' || c == '-';
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let before = &text[..at];
        let start = before.char_indices().rev().take_while(|(_, c)| local_char(*c)).last().map_or(at, |(i, _)| i);
        let after = &text[at + 1..];
        let len = after.char_indices().take_while(|(_, c)| domain_char(*c)).last().map_or(0, |(i, c)| i + c.len_utf8());
        let local = text[start..at].trim_start_matches('.');
        let domain = after[..len].trim_end_matches(['.', '-']);
        if local.is_empty() || !domain.contains('.') || domain.starts_with('.') {
            continue;
        }
        let start = at - local.len();
        let end = at + 1 + domain.len();
        out.push((start, end, format!("{local}@{domain}").to_lowercase()));
    }
    out
}

/// The first enhanced status code for a failure (`4.x.x` or `5.x.x`; qmail writes
/// `#5.1.2`), not part of a longer dotted number.
pub fn first_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let digits = |mut i: usize| {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i - s, i)
    };
    for i in 0..b.len() {
        if !matches!(b[i], b'4' | b'5') || b.get(i + 1) != Some(&b'.') {
            continue;
        }
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.') {
            continue;
        }
        let (n1, j) = digits(i + 2);
        if !(1..=3).contains(&n1) || b.get(j) != Some(&b'.') {
            continue;
        }
        let (n2, k) = digits(j + 1);
        if !(1..=3).contains(&n2) {
            continue;
        }
        let dotted_more = b.get(k) == Some(&b'.') && b.get(k + 1).is_some_and(u8::is_ascii_digit);
        if b.get(k).is_some_and(|c| c.is_ascii_alphanumeric()) || dotted_more {
            continue;
        }
        return Some(text[i..k].to_string());
    }
    None
}

/// The first basic SMTP reply code (`550`, `452`) standing alone.
fn first_basic_code(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(2)).find_map(|i| {
        let code = &b[i..i + 3];
        let alone = (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'.')
            && b.get(i + 3).is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'.');
        (matches!(code[0], b'4' | b'5') && code[1..].iter().all(u8::is_ascii_digit) && alone).then(|| &text[i..i + 3])
    })
}

/// The decoded `Subject:` of a header block.
fn subject_of(block: &[u8]) -> Option<String> {
    let fields = header::fields(block);
    header::field(&fields, "subject").map(header::decode_words).filter(|s| !s.is_empty())
}

/// "Undeliverable: Budget" -> "Budget" (Exchange puts the original subject there).
fn subject_after_prefix(subject: &str) -> Option<String> {
    let lower = subject.to_lowercase();
    ["undeliverable:", "non remis :", "non remis:", "unzustellbar:", "nondeliverable:"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| subject[p.len()..].trim().to_string())
        .filter(|s| !s.is_empty())
}

/// White space collapsed, at most [`DIAGNOSTIC_MAX`] characters.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(DIAGNOSTIC_MAX) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

/// A part's body as text: transfer decoding (lenient: a body cut short by the [`CAP`]
/// decodes as far as it goes), then the charset (unknown ones read as UTF-8, else
/// Windows-1252).
pub fn decode_text(bytes: &[u8], encoding: &str, charset: &str) -> String {
    let raw = match encoding {
        "base64" => header::base64_lenient(bytes),
        "quoted-printable" => qp_lenient(bytes),
        _ => bytes.to_vec(),
    };
    header::decode_charset(&raw, charset)
}

/// Quoted-printable; a soft line break joins lines, a broken escape stays as sent.
fn qp_lenient(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'=' {
            if data.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if data.get(i + 1) == Some(&b'\r') && data.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if let Some(byte) = header::hex_escape(data, i) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// Text of an HTML report: tags dropped (block ends become line breaks), a few entities.
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim_start_matches('/').to_ascii_lowercase();
        if ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"]
            .iter()
            .any(|t| tag.split_whitespace().next() == Some(t))
        {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

// ---------------------------------------------------------------------------------------
// A run's report
// ---------------------------------------------------------------------------------------

/// Which folders and which period a run covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Messages that arrived at or after this.
    pub since: Timestamp,
    /// `--folder` globs (empty: every folder).
    pub folder_globs: Vec<String>,
    folders: GlobSet,
}

impl Scope {
    /// Compiles the folder globs ([`glob_set`]); a bad one is an error naming it.
    pub fn new(since: Timestamp, folders: &[String]) -> Result<Scope, String> {
        let folders_set = glob_set(folders, "--folder")?;
        Ok(Scope { since, folder_globs: folders.to_vec(), folders: folders_set })
    }

    pub fn keeps_folder(&self, name: &str) -> bool {
        self.folder_globs.is_empty() || self.folders.is_match(name)
    }

    /// The period applies to the arrival (INTERNALDATE, file time, mbox `From ` line);
    /// the `Date:` header stands in when the arrival is unknown. Undated: kept.
    pub fn keeps_date(&self, arrival: Option<Timestamp>, date: Option<Timestamp>) -> bool {
        arrival.or(date).is_none_or(|d| d >= self.since)
    }
}

/// One bounce found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    pub folder: String,
    pub locator: Locator,
    pub arrival: Option<Timestamp>,
    /// The bounce's own size (CRLF): returned attachments count against the quota too.
    pub size: u64,
    pub message: BounceMessage,
}

impl Bounce {
    /// The `Date:` header, else the arrival.
    pub fn date(&self) -> Option<Timestamp> {
        self.message.date.or(self.arrival)
    }
}

/// What `bounces` found in one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BouncesReport {
    pub source: String,
    pub account: Option<String>,
    pub since: Timestamp,
    pub folder_globs: Vec<String>,
    /// Oldest first.
    pub bounces: Vec<Bounce>,
    /// Messages whose report parts were read (candidates by their headers).
    pub candidates: u64,
    pub notes: Vec<String>,
}

impl BouncesReport {
    pub fn new(source: String, scope: &Scope) -> BouncesReport {
        BouncesReport {
            source,
            account: None,
            since: scope.since,
            folder_globs: scope.folder_globs.clone(),
            bounces: Vec::new(),
            candidates: 0,
            notes: Vec::new(),
        }
    }

    /// Every failed recipient with its bounce, in bounce order.
    pub fn failures(&self) -> impl Iterator<Item = (&Bounce, &Failure)> {
        self.bounces.iter().flat_map(|b| b.message.failures.iter().map(move |f| (b, f)))
    }

    /// Failures per class, every class listed (in [`Class::ALL`] order).
    pub fn by_class(&self) -> Vec<(Class, u64)> {
        Class::ALL.iter().map(|&c| (c, self.failures().filter(|(_, f)| f.class == c).count() as u64)).collect()
    }

    /// Failures per recipient domain, most first (then by name); `None`: no recipient known.
    pub fn by_domain(&self) -> Vec<(Option<String>, u64)> {
        let mut counts: std::collections::BTreeMap<Option<String>, u64> = Default::default();
        for (_, f) in self.failures() {
            *counts.entry(f.domain().map(str::to_string)).or_default() += 1;
        }
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// WARNING when a recipient's mailbox is full (mail to them bounces until it is
    /// emptied: worth an alert), else OK.
    pub fn status(&self) -> Status {
        if self.failures().any(|(_, f)| f.class == Class::Quota) { Status::Warning } else { Status::Ok }
    }

    /// Oldest first; undated last.
    pub fn sort(&mut self) {
        self.bounces.sort_by_key(|b| (b.date().is_none(), b.date()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(block: &str) -> Headers {
        Headers::parse(block.as_bytes())
    }

    #[test]
    fn candidates_by_structure_subject_sender_and_exim_header() {
        let dsn = headers("Content-Type: multipart/report; report-type=delivery-status; boundary=x\n");
        assert_eq!(dsn.candidate(), Some(Candidate { standard: true }));
        let mdn = headers(
            "From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; report-type=disposition-notification\n",
        );
        assert_eq!(mdn.candidate(), None, "a read receipt is not a bounce");
        assert!(headers("Subject: Undeliverable: Budget\n").candidate().is_some());
        assert!(headers("From: Mail Delivery System <Mailer-Daemon@h.example>\n").candidate().is_some());
        assert!(headers("X-Failed-Recipients: a@b.example\n").candidate().is_some());
        assert_eq!(headers("Subject: Re: Undelivered Mail Returned to Sender\n").candidate(), None);
        assert_eq!(headers("From: a@b.example\nSubject: Lunch\n").candidate(), None);
        assert_eq!(
            headers("X-Failed-Recipients: a@b.example, C@D.example\n").failed_recipients,
            ["a@b.example", "c@d.example"]
        );
    }

    #[test]
    fn status_codes_are_found_alone() {
        assert_eq!(first_code("552 5.2.2 Mailbox full").as_deref(), Some("5.2.2"));
        assert_eq!(first_code("(#5.1.2)").as_deref(), Some("5.1.2"));
        assert_eq!(first_code("Status: 5.1.10").as_deref(), Some("5.1.10"));
        assert_eq!(first_code("at 5.1.1.").as_deref(), Some("5.1.1"));
        assert_eq!(first_code("version 4.1.2.3, ip 10.5.1.1, date 4.10.2024, 2.0.0 ok"), None);
        assert_eq!(first_code("x5.1.1"), None);
        assert_eq!(first_basic_code("said: 452 too many"), Some("452"));
        assert_eq!(first_basic_code("4521 5.5.5"), None);
    }

    #[test]
    fn classes_follow_the_guide_table() {
        let c = |status: Option<&str>, text: &str| classify(status, &[text], false);
        assert_eq!(c(Some("5.2.2"), ""), Class::Quota);
        assert_eq!(c(Some("4.2.2"), "try again later"), Class::Quota);
        assert_eq!(c(None, "Disc quota exceeded"), Class::Quota);
        assert_eq!(c(Some("4.0.0"), "Over quota"), Class::Quota);
        assert_eq!(c(Some("5.3.4"), ""), Class::TooLarge);
        assert_eq!(c(None, "Message size exceeds fixed maximum message size"), Class::TooLarge);
        assert_eq!(c(Some("5.1.1"), ""), Class::UnknownUser);
        for words in
            ["User unknown", "No such user here", "x is not a valid mailbox", "Invalid recipient", "User not found"]
        {
            assert_eq!(c(Some("5.0.0"), words), Class::UnknownUser, "{words}");
        }
        assert_eq!(c(Some("5.1.2"), ""), Class::UnknownHost);
        assert_eq!(c(Some("5.4.4"), ""), Class::UnknownHost);
        for words in ["Host not found", "Host unknown", "Domain not found", "the domain does not exist"] {
            assert_eq!(c(None, words), Class::UnknownHost, "{words}");
        }
        assert_eq!(c(Some("4.4.1"), "connection timed out"), Class::Temporary);
        assert_eq!(c(Some("4.1.1"), "user unknown"), Class::Temporary, "a 4.x.x is retried");
        assert_eq!(c(None, "451 try later"), Class::Temporary);
        assert_eq!(c(Some("5.7.1"), "rejected by policy"), Class::Other);
        assert_eq!(classify(None, &["timed out"], true), Class::Temporary);
        assert_eq!(c(Some("5.1.10"), "RESOLVER.ADR.RecipientNotFound"), Class::UnknownUser);
    }

    #[test]
    fn addresses_by_shape() {
        let found: Vec<String> = addresses("<a.b@x.example>: to 'c+d@y.example', bad@nodot, @x.y, e@f.example.")
            .into_iter()
            .map(|a| a.2)
            .collect();
        assert_eq!(found, ["a.b@x.example", "c+d@y.example", "e@f.example"]);
        assert_eq!(addresses("max.müller@tanne.example")[0].2, "max.müller@tanne.example");
    }

    #[test]
    fn dsn_groups() {
        let r = parse_dsn(
            "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; A@B.example\nAction: failed\nStatus: 5.1.1 (user)\n\
             Diagnostic-Code: smtp; 550 5.1.1\n  unknown\n\nFinal-Recipient: rfc822;<c@d.example>\nAction: fai",
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].recipient.as_deref(), Some("a@b.example"));
        assert_eq!((r[0].status.as_deref(), r[0].diagnostic.as_deref()), (Some("5.1.1"), Some("550 5.1.1 unknown")));
        assert_eq!(
            (r[1].recipient.as_deref(), r[1].action.as_deref(), r[1].status.as_deref()),
            (Some("c@d.example"), Some("fai"), None)
        );
        assert!(parse_dsn("").is_empty());
        assert!(parse_dsn("garbage\n\n\n::\n").is_empty());
    }

    #[test]
    fn decoding_is_lenient() {
        assert_eq!(decode_text(b"aGVsbG8gd29y", "base64", "utf-8"), "hello wor");
        assert_eq!(decode_text(b"caf=C3=A9 =ZZ so=\nft", "quoted-printable", "utf-8"), "café =ZZ soft");
        assert_eq!(decode_text(b"caf\xe9", "8bit", "x-nonsense"), "café");
        assert_eq!(html_to_text("<p>a &amp; b</p><br>c<unclosed"), "\na & b\n\nc");
    }

    #[test]
    fn garbage_never_panics() {
        let plan = Plan {
            standard: true,
            status: Some(Request {
                section: "2".into(),
                encoding: "base64".into(),
                charset: String::new(),
                html: false,
            }),
            text: Some(Request {
                section: "1".into(),
                encoding: "quoted-printable".into(),
                charset: "x".into(),
                html: true,
            }),
            original: Some(Request {
                section: "3.HEADER".into(),
                encoding: "7bit".into(),
                charset: String::new(),
                html: false,
            }),
        };
        let junk: [&[u8]; 7] =
            [b"", b"@", b"@@..@", b"=\xff\xfe<><", b"a@b.c 5.", b"\n\n\n", b"Final-Recipient: ;\nAction:"];
        for a in junk {
            for b in junk {
                let answers = Answers { status: Some(a.to_vec()), text: Some(b.to_vec()), original: Some(a.to_vec()) };
                let _ = read(&Headers::default(), &plan, &answers);
            }
            let _ = first_code(&String::from_utf8_lossy(a));
            let _ = addresses(&String::from_utf8_lossy(a));
        }
    }

    #[test]
    fn summaries_count_recipients_and_warn_on_quota() {
        let failure =
            |r: &str, class| Failure { recipient: Some(r.into()), class, status: None, action: None, diagnostic: None };
        let message = |failures| BounceMessage {
            date: None,
            from: None,
            subject: None,
            standard: true,
            mta: Mta::Postfix,
            original_subject: None,
            failures,
            complete: true,
        };
        let bounce = |failures| Bounce {
            folder: "INBOX".into(),
            locator: Locator::File { path: "x".into() },
            arrival: None,
            size: 1,
            message: message(failures),
        };
        let scope = Scope::new(Timestamp::UNIX_EPOCH, &[]).unwrap();
        let mut r = BouncesReport::new("maildir:x".into(), &scope);
        r.bounces
            .push(bounce(vec![failure("a@x.example", Class::UnknownUser), failure("b@y.example", Class::UnknownHost)]));
        assert_eq!(r.status(), Status::Ok);
        r.bounces.push(bounce(vec![failure("c@x.example", Class::Quota)]));
        assert_eq!(r.status(), Status::Warning);
        assert_eq!(r.by_domain(), [(Some("x.example".into()), 2), (Some("y.example".into()), 1)]);
        assert_eq!(r.by_class()[0], (Class::Quota, 1));
        assert_eq!(r.by_class().len(), 6);
    }

    #[test]
    fn scope_folders_and_dates() {
        let since: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let s = Scope::new(since, &["inbox".into(), "Archives/*".into()]).unwrap();
        assert!(s.keeps_folder("INBOX") && s.keeps_folder("Archives/2024") && !s.keeps_folder("Sent"));
        assert!(Scope::new(since, &["a[".into()]).is_err());
        let old: Timestamp = "2024-12-31T00:00:00Z".parse().unwrap();
        assert!(!s.keeps_date(Some(old), Some(since)));
        assert!(s.keeps_date(None, Some(since)));
        assert!(s.keeps_date(None, None));
    }

    /// The fixture corpus (tests/fixtures/bounces, written for this project), read the way
    /// local stores read it. Each bounce family, malformed reports, and mail that is not a
    /// bounce.
    mod corpus {
        use super::*;

        macro_rules! fixture {
            ($name:literal) => {
                (
                    $name,
                    &include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bounces/", $name, ".eml"))[..],
                )
            };
        }

        type Want = (&'static str, Class, Option<&'static str>);

        fn check(
            (name, raw): (&str, &[u8]),
            want: &[Want],
            mta: Mta,
            standard: bool,
            original_subject: Option<&str>,
            complete: bool,
        ) {
            let m = crate::store::bounces::inspect(raw).unwrap_or_else(|| panic!("{name}: not read as a bounce"));
            let got: Vec<(Option<&str>, Class, Option<&str>)> =
                m.failures.iter().map(|f| (f.recipient.as_deref(), f.class, f.status.as_deref())).collect();
            let want: Vec<(Option<&str>, Class, Option<&str>)> = want.iter().map(|w| (Some(w.0), w.1, w.2)).collect();
            assert_eq!(got, want, "{name}: {:#?}", m.failures);
            assert_eq!(m.mta, mta, "{name}");
            assert_eq!(m.standard, standard, "{name}");
            assert_eq!(m.original_subject.as_deref(), original_subject, "{name}");
            assert_eq!(m.complete, complete, "{name}");
            assert!(
                m.failures.iter().all(|f| f.diagnostic.as_ref().is_some_and(|d| !d.is_empty())),
                "{name}: {:#?}",
                m.failures
            );
        }

        #[test]
        fn postfix() {
            use Class::*;
            check(
                fixture!("postfix-quota"),
                &[("henri.martin@olivier.example", Quota, Some("5.2.2"))],
                Mta::Postfix,
                true,
                Some("Compte rendu de la réunion"),
                true,
            );
            check(
                fixture!("postfix-too-large"),
                &[("ines@fougere.example", TooLarge, Some("5.3.4"))],
                Mta::Postfix,
                true,
                Some("Holiday photos (all of them)"),
                true,
            );
            check(
                fixture!("postfix-two-recipients"),
                &[
                    ("b.renard@chataigne.example", UnknownUser, Some("5.1.1")),
                    ("contact@erable-typo.example", UnknownHost, Some("5.4.4")),
                ],
                Mta::Postfix,
                true,
                Some("Invitation: spring fair committee"),
                true,
            );
        }

        #[test]
        fn exim() {
            use Class::*;
            check(
                fixture!("exim-no-such-user"),
                &[("oskar@sapin.example", UnknownUser, None)],
                Mta::Exim,
                false,
                Some("Choir rehearsal moved to Thursday"),
                true,
            );
            check(
                fixture!("exim-mailbox-full"),
                &[("lena.vogt@ahorn.example", Quota, None)],
                Mta::Exim,
                false,
                Some("Grüße aus München"),
                true,
            );
        }

        #[test]
        fn qmail() {
            use Class::*;
            check(
                fixture!("qmail-host-not-found"),
                &[("pia@peuplier-old.example", UnknownHost, Some("5.1.2"))],
                Mta::Qmail,
                false,
                Some("Invoice 2025-031"),
                true,
            );
            check(
                fixture!("qmail-disc-quota"),
                &[("victor@saule.example", Quota, Some("5.2.2"))],
                Mta::Qmail,
                false,
                Some("Re: garden tools"),
                true,
            );
        }

        #[test]
        fn exchange_gmail_sendmail() {
            use Class::*;
            check(
                fixture!("exchange-online-ndr"),
                &[("pedro.alves@castanheiro.example", UnknownUser, Some("5.1.10"))],
                Mta::Exchange,
                true,
                Some("Orçamento da obra"),
                true,
            );
            check(
                fixture!("gmail-failure"),
                &[("haruto@kaede.example", UnknownUser, Some("5.1.1"))],
                Mta::Gmail,
                true,
                Some("月曜日の予定"),
                true,
            );
            check(
                fixture!("gmail-delay"),
                &[("ben@hetre.example", Temporary, Some("4.4.1"))],
                Mta::Gmail,
                true,
                Some("Board minutes, March"),
                true,
            );
            check(
                fixture!("sendmail-user-unknown"),
                &[("karl.weiss@pappel.example", UnknownUser, Some("5.1.1"))],
                Mta::Sendmail,
                true,
                Some("Lab results"),
                true,
            );
            check(
                fixture!("sendmail-host-unknown"),
                &[("otto@nowhere-host.example", UnknownHost, Some("5.1.2"))],
                Mta::Sendmail,
                false,
                Some("Spare keys"),
                true,
            );
        }

        #[test]
        fn malformed_reports_are_read_as_far_as_they_go() {
            use Class::*;
            // The delivery-status part stops mid-field: the text supplies the status.
            check(
                fixture!("malformed-truncated-report"),
                &[("tom.hardy@thym.example", Quota, Some("5.2.2"))],
                Mta::Postfix,
                true,
                None,
                false,
            );
            // No Status field: the wording decides.
            check(
                fixture!("malformed-missing-status"),
                &[("zoe@persil.example", UnknownUser, None)],
                Mta::Unknown,
                true,
                None,
                false,
            );
            // An unknown charset, a bogus encoded word, a broken quoted-printable escape.
            check(
                fixture!("malformed-garbage-charset"),
                &[("max.müller@tanne.example", UnknownUser, Some("5.1.1"))],
                Mta::Unknown,
                false,
                None,
                true,
            );
        }

        #[test]
        fn ordinary_mail_is_not_a_bounce() {
            for (name, raw) in [
                fixture!("not-success-dsn"),
                fixture!("not-read-receipt"),
                fixture!("not-postmaster-notice"),
                fixture!("not-reply-about-bounce"),
                fixture!("not-out-of-office"),
            ] {
                assert_eq!(crate::store::bounces::inspect(raw), None, "{name}");
            }
        }

        #[test]
        fn cut_at_every_length_never_panics() {
            for (_, raw) in
                [fixture!("postfix-two-recipients"), fixture!("exim-no-such-user"), fixture!("gmail-failure")]
            {
                for n in (0..raw.len()).step_by(7) {
                    let _ = crate::store::bounces::inspect(&raw[..n]);
                }
            }
        }
    }
}
