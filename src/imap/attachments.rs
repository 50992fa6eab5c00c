//! `attachments` over IMAP without downloading a body: per folder, `UID SEARCH LARGER`
//! narrows the candidates (a message cannot hold a part bigger than itself), then
//! `UID FETCH` of `BODYSTRUCTURE`, three header fields, `INTERNALDATE` and `RFC822.SIZE`
//! in UID batches, so memory stays flat whatever the folder size; the findings go to a
//! [`Collector`], which keeps only what the output needs.
//!
//! Both commands go through [`super::wire`] on the session's socket: async-imap (imap-proto)
//! rejects odd but legal BODYSTRUCTUREs, and one failed parse poisons its connection. The
//! BODYSTRUCTURE parser here works on [`Value`] trees, accepts every form RFC 3501 allows
//! (extension data or not, NIL anywhere, nested `message/rfc822` with their own structure)
//! and never fails: what it cannot read becomes an unnamed leaf, and the message is
//! counted as not fully parsed.
//!
//! `BINARY.SIZE` is not asked for: Dovecot 2.3.19 reports wrong values. Decoded sizes are
//! estimated by the model instead.

use anyhow::{Context, Result};
use jiff::Timestamp;

// `archive` still imports `batches` from here.
pub(super) use super::batch::batches;
use super::batch::{examine_for_scan, uid_fetch, uid_search};
use super::session::Session;
use super::wire::Value;
use crate::model::mime::report::{
    AttachmentsReport, Collector, Counts, Detail, Envelope, Filter, Keep, Locator, MessageFinding,
};
use crate::model::mime::{self, Body, Param, Part};
use crate::model::{QuotaInfo, ServerSpec};
use crate::net::NetSettings;
use crate::secret::Credentials;

/// UIDs per `UID FETCH`: big enough to save round trips, small enough that one answer
/// (a few KiB of structure per message) stays small.
pub const BATCH: u64 = 500;

/// The header fields read with the structure (never the body).
const FETCH_ITEMS: &str = "(UID RFC822.SIZE INTERNALDATE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (DATE FROM SUBJECT)])";

pub async fn attachments(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    filter: &Filter,
    source: String,
) -> Result<AttachmentsReport> {
    Ok(attachments_keeping(spec, net, creds, filter, Keep::All, source).await?.0)
}

/// [`attachments`], keeping in memory only what `keep` says; the counts are of every
/// finding.
pub async fn attachments_keeping(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    filter: &Filter,
    keep: Keep,
    source: String,
) -> Result<(AttachmentsReport, Counts)> {
    let (mut session, _) = Session::open(spec, net, creds).await?;
    let mut report = AttachmentsReport::new(source, Detail::Parts, "the server does not offer the QUOTA extension");
    if session.has("QUOTA") {
        match session.quota().await {
            Ok(roots) => report.quota = QuotaInfo::Reported { roots },
            Err(e) => report.notes.push(format!("the quota could not be read: {}", crate::error::one_line(&e))),
        }
    }
    let esearch = session.has("ESEARCH");
    let mut found = Collector::new(keep);
    for folder in session.list().await? {
        let name = folder.display_name();
        if folder.noselect() || !filter.keeps_folder(&name) {
            continue;
        }
        search_folder(&mut session, &folder.raw, &name, filter, esearch, &mut report, &mut found)
            .await
            .with_context(|| format!("cannot search folder \"{name}\""))?;
    }
    session.logout().await;
    let counts = found.finish(&mut report);
    Ok((report, counts))
}

async fn search_folder(
    session: &mut Session,
    raw: &str,
    name: &str,
    filter: &Filter,
    esearch: bool,
    report: &mut AttachmentsReport,
    found: &mut Collector,
) -> Result<()> {
    let Some(mailbox) = examine_for_scan(session, raw, name, &mut report.notes).await? else { return Ok(()) };
    let uidvalidity = mailbox.uid_validity.map(u64::from);
    // LARGER is strict: a message of exactly min_size could still not hold a part that
    // big (it has headers), but asking one byte lower costs nothing and is obviously right.
    let larger = filter.min_size.saturating_sub(1);
    let command = if esearch {
        format!("UID SEARCH RETURN (ALL) LARGER {larger}")
    } else {
        format!("UID SEARCH LARGER {larger}")
    };
    let ranges = uid_search(session, &command, "UID SEARCH LARGER").await?;
    for set in batches(&ranges, BATCH) {
        let r = uid_fetch(session, &set, FETCH_ITEMS).await?;
        for u in &r.untagged {
            let Some(f) = parse_fetch(u) else { continue };
            // A message expunged meanwhile may answer without its items; skip it.
            let (Some(uid), Some(structure)) = (f.uid, f.bodystructure) else { continue };
            report.candidates += 1;
            let mut complete = true;
            let root = bodystructure(structure, &mut complete, 0);
            if !complete {
                report.not_fully_parsed += 1;
            }
            let envelope = Envelope::from_header_block(f.header.unwrap_or_default(), f.internal_date);
            let finding = MessageFinding {
                folder: name.to_string(),
                locator: Locator::Imap { uidvalidity, uid },
                date: envelope.date,
                from: envelope.from,
                subject: envelope.subject,
                size: f.size.unwrap_or(0),
                attachments: mime::attachments(&root, filter.min_size),
                complete,
            };
            if let Some(m) = filter.apply(finding) {
                found.add(m);
            }
        }
    }
    Ok(())
}

/// The items of one `* n FETCH (...)` that `attachments` reads.
#[derive(Debug, Default)]
pub struct FetchItems<'a> {
    pub uid: Option<u32>,
    pub size: Option<u64>,
    pub internal_date: Option<Timestamp>,
    pub bodystructure: Option<&'a Value>,
    pub header: Option<&'a [u8]>,
}

/// Reads an untagged FETCH response; `None` when it is something else.
pub fn parse_fetch(values: &[Value]) -> Option<FetchItems<'_>> {
    let [_, keyword, Value::List(items)] = values else { return None };
    if !keyword.is_atom("FETCH") {
        return None;
    }
    let mut f = FetchItems::default();
    for pair in items.chunks(2) {
        let [key, value] = pair else { break };
        let Value::Atom(key) = key else { continue };
        let key = key.to_ascii_uppercase();
        match key.as_str() {
            "UID" => f.uid = value.as_u64().and_then(|n| u32::try_from(n).ok()),
            "RFC822.SIZE" => f.size = value.as_u64(),
            "INTERNALDATE" => f.internal_date = value.as_str().and_then(internal_date),
            "BODYSTRUCTURE" => f.bodystructure = Some(value),
            k if k.starts_with("BODY[HEADER.FIELDS") => f.header = value.as_bytes(),
            _ => {}
        }
    }
    Some(f)
}

/// `17-Jul-1996 02:44:25 -0700` (the day may be space-padded).
pub fn internal_date(s: &str) -> Option<Timestamp> {
    jiff::fmt::strtime::parse("%d-%b-%Y %H:%M:%S %z", s.trim()).ok()?.to_timestamp().ok()
}

/// Converts a BODYSTRUCTURE into the model's tree. Never fails: anything unreadable
/// becomes an empty `application/octet-stream` leaf and clears `complete`.
pub fn bodystructure(value: &Value, complete: &mut bool, depth: usize) -> Part {
    let broken = |complete: &mut bool| {
        *complete = false;
        Part::leaf("application/octet-stream", "7bit", 0)
    };
    let Some(items) = value.as_list() else { return broken(complete) };
    if depth > 64 {
        return broken(complete);
    }
    // Multipart: one or more bodies, then the subtype, then optional extension data.
    if matches!(items.first(), Some(Value::List(_))) {
        let n = items.iter().take_while(|v| matches!(v, Value::List(_))).count();
        let children = items[..n].iter().map(|c| bodystructure(c, complete, depth + 1)).collect();
        let subtype = items.get(n).and_then(text).unwrap_or_else(|| {
            *complete = false;
            "mixed".into()
        });
        return Part {
            mime_type: format!("multipart/{}", subtype.to_ascii_lowercase()),
            params: params(items.get(n + 1)),
            body: Body::Multipart(children),
            ..Part::default()
        };
    }
    let (Some(kind), Some(subtype)) = (items.first().and_then(text), items.get(1).and_then(text)) else {
        return broken(complete);
    };
    let mime_type = format!("{}/{}", kind.to_ascii_lowercase(), subtype.to_ascii_lowercase());
    let size = match items.get(6).and_then(Value::as_u64) {
        Some(s) => s,
        None => {
            *complete = false;
            0
        }
    };
    let encoding = items.get(5).and_then(text).map_or_else(|| "7bit".to_string(), |e| e.to_ascii_lowercase());
    // Type-specific fields after the basic seven, then the extension data.
    let is_message = matches!(mime_type.as_str(), "message/rfc822" | "message/global")
        && matches!(items.get(8), Some(Value::List(_)))
        && matches!(items.get(7), Some(Value::List(_) | Value::Nil));
    let (body, ext) = if is_message {
        (Body::Message(Box::new(bodystructure(&items[8], complete, depth + 1))), 10)
    } else if kind.eq_ignore_ascii_case("text") {
        (Body::Leaf, 8)
    } else {
        (Body::Leaf, 7)
    };
    // body-ext-1part: md5, disposition, language, location.
    let (disposition, disposition_params) = match items.get(ext + 1).and_then(Value::as_list) {
        Some([d, p, ..]) => (text(d).map(|d| d.to_ascii_lowercase()), params(Some(p))),
        Some(_) => {
            *complete = false;
            (None, Vec::new())
        }
        None => {
            if items.get(ext + 1).is_some_and(|v| !v.is_nil()) {
                *complete = false;
            }
            (None, Vec::new())
        }
    };
    Part {
        mime_type,
        params: params(items.get(2)),
        content_id: items.get(3).and_then(text),
        encoding,
        size,
        disposition,
        disposition_params,
        body,
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_bytes().map(crate::model::mime::header::text)
}

/// `("name" "value" ...)` or NIL; an odd trailing name is dropped.
fn params(v: Option<&Value>) -> Vec<Param> {
    let Some(items) = v.and_then(Value::as_list) else { return Vec::new() };
    items
        .chunks_exact(2)
        .filter_map(|pair| {
            let name = text(&pair[0])?;
            Some(Param { name: name.to_ascii_lowercase(), value: pair[1].as_bytes()?.to_vec() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::wire;
    use crate::model::mime::{Disposition, attachments};

    fn structure(text: &str) -> (Part, bool) {
        let values = wire::tokenize(text.as_bytes()).unwrap();
        let mut complete = true;
        let p = bodystructure(&values[0], &mut complete, 0);
        (p, complete)
    }

    /// Dovecot 2.3.19's answer for the sample's PDF with an RFC 2231 name.
    const DOVECOT_2231: &str = r#"(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 542 5 NIL NIL NIL NIL)("application" "pdf" NIL NIL NIL "base64" 8609360 NIL ("attachment" ("filename*" "UTF-8''plans%2Db%C3%A2timent%2Epdf")) NIL NIL) "mixed" ("boundary" "=_sample_0037") NIL NIL NIL)"#;

    /// Dovecot 2.3.19: a PDF inside a forwarded message.
    const DOVECOT_FORWARD: &str = r#"(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 32 0 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7bit" 7892954 ("Thu, 18 Jun 2026 14:13:20 -0000" "Contratto firmato" (("Emma Rossi" NIL "emma" "example.it")) (("Emma Rossi" NIL "emma" "example.it")) (("Emma Rossi" NIL "emma" "example.it")) (("Alice Martin" NIL "alice" "example.org")) NIL NIL NIL "<sample-0039@example.org>") (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 527 5 NIL NIL NIL NIL)("application" "pdf" ("name" "contratto.pdf") NIL NIL "base64" 7891916 NIL ("attachment" ("filename" "contratto.pdf")) NIL NIL) "mixed" ("boundary" "=_sample_0039") NIL NIL NIL) 101202 NIL ("inline" NIL) NIL NIL) "mixed" ("boundary" "=_sample_fwd_0040") NIL NIL NIL)"#;

    /// Dovecot 2.3.19: an inline image with a Content-ID in multipart/related.
    const DOVECOT_RELATED: &str = r#"(("text" "html" ("charset" "utf-8") NIL NIL "7bit" 57 0 NIL NIL NIL NIL)("image" "jpeg" ("name" "site.jpg") "<site@example.org>" NIL "base64" 2869788 NIL ("inline" ("filename" "site.jpg")) NIL NIL) "related" ("boundary" "=_sample_rel_0041") NIL NIL NIL)"#;

    #[test]
    fn dovecot_samples() {
        let (p, complete) = structure(DOVECOT_2231);
        assert!(complete);
        let a = attachments(&p, 1000);
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].part.as_str(), a[0].filename.as_deref()), ("2", Some("plans-bâtiment.pdf")));
        assert_eq!((a[0].size, a[0].encoding.as_str(), a[0].disposition), (8609360, "base64", Disposition::Attachment));

        let (p, complete) = structure(DOVECOT_FORWARD);
        assert!(complete);
        let a = attachments(&p, 1000);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].part.as_str(), a[0].filename.as_deref(), a[0].forwarded),
            ("2.2", Some("contratto.pdf"), true)
        );

        let (p, _) = structure(DOVECOT_RELATED);
        let a = attachments(&p, 1000);
        assert_eq!((a[0].part.as_str(), a[0].disposition), ("2", Disposition::Inline));
        assert_eq!(a[0].content_id.as_deref(), Some("<site@example.org>"));
    }

    #[test]
    fn forms_without_extension_data_and_nil_everywhere() {
        // BODY-style answers (no extension data), a single part, NIL fields.
        let (p, complete) = structure(r#"("APPLICATION" "ZIP" NIL NIL NIL "BASE64" 4000)"#);
        assert!(complete);
        assert_eq!((p.mime_type.as_str(), p.encoding.as_str(), p.size), ("application/zip", "base64", 4000));
        assert_eq!(attachments(&p, 1)[0].part, "1");
        let (p, complete) = structure(
            r#"(("TEXT" "PLAIN" NIL NIL NIL NIL 10 1)("IMAGE" "GIF" ("NAME" "a.gif") NIL NIL "BASE64" 99) "MIXED")"#,
        );
        assert!(complete);
        assert_eq!(attachments(&p, 50)[0].filename.as_deref(), Some("a.gif"));
        // message/rfc822 without extension data, and with a NIL envelope.
        let (p, complete) = structure(
            r#"("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 500 NIL ("APPLICATION" "PDF" NIL NIL NIL "BASE64" 400) 9)"#,
        );
        assert!(complete);
        let a = attachments(&p, 100);
        assert_eq!((a[0].part.as_str(), a[0].forwarded), ("1.1", true));
        // A message/rfc822 the server did not parse (base64-encoded) is a leaf.
        let (p, _) = structure(r#"("message" "rfc822" NIL NIL NIL "base64" 700 NIL NIL NIL NIL)"#);
        assert_eq!(p.body, Body::Leaf);
        assert_eq!(attachments(&p, 100)[0].mime_type, "message/rfc822");
        // Multipart extension data with disposition and language.
        let (p, complete) = structure(
            r#"(("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("inline" NIL) "en" "loc" 42 (x y)) "alternative" ("boundary" "b") ("attachment" ("filename" "x")) ("en" "fr") "loc")"#,
        );
        assert!(complete);
        assert_eq!(p.mime_type, "multipart/alternative");
        // Literals and raw 8-bit names.
        let (p, _) = structure(
            "(\"application\" \"pdf\" (\"name\" {12}\r\nr\u{e9}sum\u{e9}.pdf) NIL NIL \"base64\" 77 NIL NIL NIL NIL)",
        );
        assert_eq!(p.filename().as_deref(), Some("résumé.pdf"));
    }

    #[test]
    fn garbage_never_panics_and_is_flagged() {
        for text in [
            "NIL",
            "()",
            "(())",
            "(\"text\")",
            "(\"text\" \"plain\" NIL NIL NIL NIL notanumber)",
            "((\"a\" \"b\" NIL NIL NIL NIL 1) ((\"c\" \"d\" NIL NIL NIL NIL 2)))",
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 5 NIL (garbage) 1)",
            "(\"image\" \"png\" NIL NIL NIL \"base64\" 5 NIL \"attachment\" NIL NIL)",
            "(x y (1 2 3) (((()))) \"\" 5 6 7 8 9 10 11 12 13)",
        ] {
            let values = wire::tokenize(text.as_bytes()).unwrap();
            let mut complete = true;
            let p = bodystructure(&values[0], &mut complete, 0);
            let _ = attachments(&p, 0);
            assert!(!complete, "{text}");
        }
    }

    /// Random token soup: whatever tokenises must convert without a panic.
    #[test]
    fn random_structures_never_panic() {
        const TOKENS: [&str; 14] = [
            "(",
            ")",
            "NIL",
            "\"text\"",
            "\"message\"",
            "\"rfc822\"",
            "\"multipart\"",
            "12",
            "0",
            "\"base64\"",
            "(\"name\" \"a\")",
            "(\"attachment\" NIL)",
            "\"filename*0*\"",
            "{3}\r\nabc",
        ];
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut text = String::from("(");
            for _ in 0..len {
                text.push_str(TOKENS[(next() % TOKENS.len() as u64) as usize]);
                text.push(' ');
            }
            text.push(')');
            if let Ok(values) = wire::tokenize(text.as_bytes()) {
                let mut complete = true;
                for v in &values {
                    let p = bodystructure(v, &mut complete, 0);
                    let _ = attachments(&p, 0);
                }
            }
        }
    }

    #[test]
    fn fetch_responses() {
        let line = "* 1 FETCH (UID 17 RFC822.SIZE 8610450 INTERNALDATE \"22-Nov-2026 03:17:37 +0100\" BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) BODY[HEADER.FIELDS (DATE FROM SUBJECT)] {15}\r\nSubject: hi\r\n\r\n)";
        let wire::Response::Data(values) = wire::parse_response(line.as_bytes()).unwrap() else { panic!() };
        let f = parse_fetch(&values).unwrap();
        assert_eq!((f.uid, f.size), (Some(17), Some(8610450)));
        assert_eq!(f.internal_date, Some("2026-11-22T02:17:37Z".parse().unwrap()));
        assert_eq!(f.header, Some(&b"Subject: hi\r\n\r\n"[..]));
        assert!(f.bodystructure.is_some());
        assert_eq!(internal_date(" 7-Jul-1996 02:44:25 -0700"), Some("1996-07-07T09:44:25Z".parse().unwrap()));
        assert_eq!(internal_date("yesterday"), None);
        assert!(parse_fetch(&wire::tokenize(b"3 EXISTS").unwrap()).is_none());
    }
}
