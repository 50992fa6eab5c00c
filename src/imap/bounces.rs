//! `bounces` over IMAP, reading only what the report needs. Per folder:
//! 1. `UID SEARCH SINCE <day> OR ...` narrows to the candidates the model recognises by
//!    header ([`bounce::FROM_WORDS`], [`bounce::SUBJECT_WORDS`], `Content-Type` "report",
//!    `X-Failed-Recipients`), so ordinary mail is never fetched at all;
//! 2. `UID FETCH` of `BODYSTRUCTURE`, six header fields, `INTERNALDATE` and `RFC822.SIZE`
//!    in UID batches;
//! 3. for the candidates, `UID FETCH` of the parts the model's [`Plan`] names, each as a
//!    partial fetch (`BODY.PEEK[2]<0.16384>`, `BODY.PEEK[3.HEADER]<0.16384>`), batched by
//!    identical structure. A returned message's body and attachments are never read.
//!
//! `PEEK` everywhere: reading bounces leaves them unread.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use jiff::Timestamp;

use super::attachments::{BATCH, bodystructure, parse_fetch};
use super::batch::{batches, examine_for_scan, uid_fetch, uid_search};
use super::session::Session;
use super::wire::Value;
use crate::model::ServerSpec;
use crate::model::bounce::{self, Answers, Bounce, BouncesReport, CAP, Headers, Plan, Scope};
use crate::model::mime::report::Locator;
use crate::net::NetSettings;
use crate::secret::Credentials;

pub async fn bounces(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    scope: &Scope,
    source: String,
) -> Result<BouncesReport> {
    let (mut session, _) = Session::open(spec, net, creds).await?;
    let mut report = BouncesReport::new(source, scope);
    let mut matched = false;
    for folder in session.list().await? {
        let name = folder.display_name();
        if folder.noselect() || !scope.keeps_folder(&name) {
            continue;
        }
        matched = true;
        search_folder(&mut session, &folder.raw, &name, scope, &mut report)
            .await
            .with_context(|| format!("cannot search folder \"{name}\" for bounces"))?;
    }
    if !matched {
        report.notes.push(format!("no folder matches {}", scope.folder_globs.join(", ")));
    }
    session.logout().await;
    report.sort();
    Ok(report)
}

/// The search: messages since `since`'s day that any header rule may catch.
pub fn search_command(since: Timestamp) -> String {
    let mut keys: Vec<String> = bounce::FROM_WORDS.iter().map(|w| format!("FROM \"{w}\"")).collect();
    keys.extend(bounce::SUBJECT_WORDS.iter().map(|w| format!("SUBJECT \"{w}\"")));
    keys.push("HEADER Content-Type \"report\"".into());
    keys.push("HEADER X-Failed-Recipients \"\"".into());
    // SINCE compares days in the server's time zone: one day earlier, then the exact
    // cutoff is applied to INTERNALDATE here.
    let day = since.checked_sub(jiff::SignedDuration::from_hours(24)).unwrap_or(since);
    format!("UID SEARCH SINCE {} {}", day.strftime("%d-%b-%Y"), any_of(&keys))
}

/// `OR a OR b c`: IMAP's OR takes two keys.
fn any_of(keys: &[String]) -> String {
    match keys {
        [] => "ALL".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("OR {first} {}", any_of(rest)),
    }
}

/// What the first fetch learned about one candidate.
struct Pending {
    uid: u32,
    arrival: Option<Timestamp>,
    size: u64,
    headers: Headers,
    plan: Plan,
}

async fn search_folder(
    session: &mut Session,
    raw: &str,
    name: &str,
    scope: &Scope,
    report: &mut BouncesReport,
) -> Result<()> {
    let Some(mailbox) = examine_for_scan(session, raw, name, &mut report.notes).await? else { return Ok(()) };
    let uidvalidity = mailbox.uid_validity.map(u64::from);
    let ranges = uid_search(session, &search_command(scope.since), "UID SEARCH").await?;
    let fields = bounce::HEADER_FIELDS.join(" ");
    let items = format!("(UID RFC822.SIZE INTERNALDATE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS ({fields})])");
    for set in batches(&ranges, BATCH) {
        let r = uid_fetch(session, &set, &items).await?;
        let mut pending = Vec::new();
        for u in &r.untagged {
            let Some(f) = parse_fetch(u) else { continue };
            // A message expunged meanwhile may answer without its items; skip it.
            let (Some(uid), Some(structure)) = (f.uid, f.bodystructure) else { continue };
            let headers = Headers::parse(f.header.unwrap_or_default());
            if !scope.keeps_date(f.internal_date, headers.date) {
                continue;
            }
            let Some(candidate) = headers.candidate() else { continue };
            let mut complete = true;
            let root = bodystructure(structure, &mut complete, 0);
            let plan = bounce::plan(candidate, &root);
            pending.push(Pending { uid, arrival: f.internal_date, size: f.size.unwrap_or(0), headers, plan });
        }
        report.candidates += pending.len() as u64;
        // Messages with the same sections (same MTA, same shape) share one FETCH.
        let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
        for (i, p) in pending.iter().enumerate() {
            groups.entry(p.plan.requests().map(|r| r.section.clone()).collect()).or_default().push(i);
        }
        let mut answers: BTreeMap<u32, Sections> = BTreeMap::new();
        for (sections, members) in &groups {
            if sections.is_empty() {
                continue;
            }
            let uids: Vec<String> = members.iter().map(|&i| pending[i].uid.to_string()).collect();
            let items: Vec<String> = sections.iter().map(|s| format!("BODY.PEEK[{s}]<0.{CAP}>")).collect();
            let r = session.raw(&format!("UID FETCH {} ({})", uids.join(","), items.join(" "))).await?;
            if !r.status.is_ok() {
                anyhow::bail!("UID FETCH of report parts refused: {}", r.status);
            }
            for u in &r.untagged {
                if let Some((uid, parts)) = parse_sections(u) {
                    answers.entry(uid).or_default().extend(parts);
                }
            }
        }
        for p in pending {
            let got = answers.remove(&p.uid).unwrap_or_default();
            let answer = |req: &Option<bounce::Request>| {
                let section = &req.as_ref()?.section;
                got.iter().find(|(s, _)| s.eq_ignore_ascii_case(section)).map(|(_, b)| b.clone())
            };
            let a = Answers {
                status: answer(&p.plan.status),
                text: answer(&p.plan.text),
                original: answer(&p.plan.original),
            };
            if let Some(message) = bounce::read(&p.headers, &p.plan, &a) {
                report.bounces.push(Bounce {
                    folder: name.to_string(),
                    locator: Locator::Imap { uidvalidity, uid: p.uid },
                    arrival: p.arrival,
                    size: p.size,
                    message,
                });
            }
        }
    }
    Ok(())
}

/// `(section, bytes)` pairs of one FETCH response.
type Sections = Vec<(String, Vec<u8>)>;

/// The UID and the `BODY[section]<origin>` items of one FETCH response.
fn parse_sections(values: &[Value]) -> Option<(u32, Sections)> {
    let [_, keyword, Value::List(items)] = values else { return None };
    if !keyword.is_atom("FETCH") {
        return None;
    }
    let mut uid = None;
    let mut parts = Vec::new();
    for pair in items.chunks(2) {
        let [Value::Atom(key), value] = pair else { continue };
        if key.eq_ignore_ascii_case("UID") {
            uid = value.as_u64().and_then(|n| u32::try_from(n).ok());
        } else if let Some(rest) = key.get(..5).filter(|p| p.eq_ignore_ascii_case("BODY[")).and(key.get(5..))
            && let Some(end) = rest.find(']')
        {
            // NIL: the server has no such part; the model reads it as absent.
            if let Some(bytes) = value.as_bytes() {
                parts.push((rest[..end].to_string(), bytes.to_vec()));
            }
        }
    }
    Some((uid?, parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::wire;

    #[test]
    fn the_search_catches_every_header_rule() {
        let cmd = search_command("2025-03-02T10:00:00Z".parse().unwrap());
        assert!(
            cmd.starts_with("UID SEARCH SINCE 01-Mar-2025 OR FROM \"mailer-daemon\" OR FROM \"postmaster\" "),
            "{cmd}"
        );
        assert!(cmd.ends_with("OR HEADER Content-Type \"report\" HEADER X-Failed-Recipients \"\""), "{cmd}");
        let keys = bounce::FROM_WORDS.len() + bounce::SUBJECT_WORDS.len() + 2;
        assert_eq!(cmd.matches("OR ").count(), keys - 1);
        assert_eq!(any_of(&[]), "ALL");
    }

    #[test]
    fn section_answers() {
        let line = "* 3 FETCH (UID 42 BODY[2]<0> {5}\r\nabcde BODY[3.HEADER]<0> {11}\r\nSubject: \r\n BODY[1]<0> NIL)";
        let wire::Response::Data(values) = wire::parse_response(line.as_bytes()).unwrap() else { panic!() };
        let (uid, parts) = parse_sections(&values).unwrap();
        assert_eq!(uid, 42);
        assert_eq!(parts, [("2".to_string(), b"abcde".to_vec()), ("3.HEADER".to_string(), b"Subject: \r\n".to_vec())]);
        assert!(parse_sections(&wire::tokenize(b"3 EXISTS").unwrap()).is_none());
    }
}
