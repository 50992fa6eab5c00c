//! `archive` over IMAP: select a folder read-write, find the candidates (`UID SEARCH`
//! narrows on the server, `UID FETCH` of sizes, dates, flags and, when asked, structure
//! and `Date:` decides exactly), stream each message in 1 MiB partial fetches
//! (`BODY.PEEK[]<offset.length>`, so a big message never sits whole in memory and its
//! \Seen flag is not changed), and remove messages by UID only.
//!
//! Removal is `UID STORE +FLAGS.SILENT (\Deleted)` then `UID EXPUNGE` of exactly that set
//! (UIDPLUS, RFC 4315): never a bare `EXPUNGE` or `CLOSE`, which would also purge the
//! messages other clients marked `\Deleted` and meant to keep until they expunge. A
//! server without UIDPLUS cannot remove just our messages; `MOVE` would not help (it
//! only moves them to another folder of the same quota), so such servers get copies only.
//!
//! Every command goes through [`wire`] on the session's socket: one failed parse in
//! async-imap would poison the connection, and a wrong parse of a literal here could
//! archive wrong bytes.

use anyhow::{Context, Result, bail};
use jiff::Timestamp;

use super::attachments::{batches, bodystructure, internal_date};
use super::session::{Found, ListedFolder, Session};
use super::wire::{self, Value};
use crate::model::archive::{Candidate, Criteria, Flags};
use crate::model::{ServerSpec, mime};
use crate::net::NetSettings;
use crate::secret::Credentials;

/// Bytes per partial fetch.
pub const CHUNK: u64 = 1 << 20;
/// UIDs per metadata `UID FETCH`.
const META_BATCH: u64 = 500;

/// A logged-in session used by `archive`.
pub struct ArchiveSession {
    session: Session,
    /// The server can remove exactly our messages (`UID EXPUNGE`).
    pub uidplus: bool,
}

/// A folder opened read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub uidvalidity: u32,
    pub exists: u64,
    /// `[READ-ONLY]`: the server will not let us remove messages here.
    pub read_only: bool,
}

/// What a fetch learned besides the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub size: u64,
    pub received: Option<Timestamp>,
    pub flags: Flags,
    /// Bytes received (to compare with `size`).
    pub bytes: u64,
}

impl ArchiveSession {
    pub async fn open(spec: &ServerSpec, net: &NetSettings, creds: &Credentials) -> Result<ArchiveSession> {
        let (session, _) = Session::open(spec, net, creds).await?;
        let uidplus = session.has("UIDPLUS");
        Ok(ArchiveSession { session, uidplus })
    }

    /// Every folder, names exactly as the server spells them (see `Session::list`).
    pub async fn folders(&mut self) -> Result<Vec<ListedFolder>> {
        self.session.list().await
    }

    /// Storage use and limit in bytes, when the server reports a quota.
    pub async fn quota(&mut self) -> Result<Option<(u64, u64)>> {
        if !self.session.has("QUOTA") {
            return Ok(None);
        }
        let roots = self.session.quota().await?;
        Ok(crate::model::quota::fullest_storage(&roots).map(|r| (r.usage, r.limit)))
    }

    /// `SELECT` (or `EXAMINE` for a plan): UIDVALIDITY, EXISTS and the access mode.
    pub async fn select(&mut self, raw: &str, examine: bool) -> Result<Found<Selected>> {
        let quoted = wire::quote(raw.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let verb = if examine { "EXAMINE" } else { "SELECT" };
        let r = self.session.raw(&format!("{verb} {quoted}")).await?;
        if r.status.state == wire::State::No {
            return Ok(Found::Vanished(r.status.to_string()));
        }
        if !r.status.is_ok() {
            bail!("{verb} refused: {}", r.status);
        }
        let mut uidvalidity = None;
        for n in &r.notices {
            if let Some([k, v, ..]) = n.code_values.as_deref()
                && k.is_atom("UIDVALIDITY")
            {
                uidvalidity = v.as_u64().and_then(|v| u32::try_from(v).ok());
            }
        }
        let exists = r
            .untagged
            .iter()
            .find_map(|u| match u.as_slice() {
                [n, k] if k.is_atom("EXISTS") => n.as_u64(),
                _ => None,
            })
            .unwrap_or(0);
        let read_only = r.status.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("READ-ONLY"));
        let Some(uidvalidity) = uidvalidity else {
            bail!("the server did not say the folder's UIDVALIDITY: messages cannot be tracked safely");
        };
        Ok(Found::Yes(Selected { uidvalidity, exists, read_only }))
    }

    /// The messages of the selected folder that `criteria` selects, oldest first.
    pub async fn candidates(&mut self, criteria: &Criteria) -> Result<Vec<Candidate>> {
        let mut search = String::from("UNDELETED");
        if let Some(before) = criteria.before {
            // SEARCH compares whole days in the message's own zone (BEFORE: the internal
            // date's, SENTBEFORE: the Date: header's), which can be up to 14 h ahead of UTC:
            // ask two days more, then decide to the second here.
            let utc_day = before.to_zoned(jiff::tz::TimeZone::UTC).date();
            let day = utc_day.checked_add(jiff::Span::new().days(2)).unwrap_or(jiff::civil::date(9999, 1, 1));
            let day = jiff::fmt::strtime::format("%-d-%b-%Y", day).unwrap_or_default();
            search.push_str(if criteria.by_sent_date { " SENTBEFORE " } else { " BEFORE " });
            search.push_str(&day);
        }
        if let Some(n) = criteria.larger_than {
            search.push_str(&format!(" LARGER {n}"));
        }
        if !criteria.include_flagged {
            search.push_str(" UNFLAGGED");
        }
        if !criteria.include_unread {
            search.push_str(" SEEN");
        }
        let command = if self.session.has("ESEARCH") {
            format!("UID SEARCH RETURN (ALL) {search}")
        } else {
            format!("UID SEARCH {search}")
        };
        let r = self.session.raw(&command).await?;
        if !r.status.is_ok() {
            bail!("UID SEARCH refused: {}", r.status);
        }
        let mut ranges = Vec::new();
        for u in &r.untagged {
            if let Some(s) = wire::parse_search(u) {
                ranges.extend(s.ranges);
            }
        }
        let mut items = String::from("(UID RFC822.SIZE INTERNALDATE FLAGS");
        if criteria.attachments_over.is_some() {
            items.push_str(" BODYSTRUCTURE");
        }
        if criteria.by_sent_date {
            items.push_str(" BODY.PEEK[HEADER.FIELDS (DATE)]");
        }
        items.push(')');
        let mut out = Vec::new();
        for set in batches(&ranges, META_BATCH) {
            let r = self.session.raw(&format!("UID FETCH {set} {items}")).await?;
            if !r.status.is_ok() {
                bail!("UID FETCH refused: {}", r.status);
            }
            for u in &r.untagged {
                let Some(f) = fetch_items(u) else { continue };
                let (Some(uid), Some(size)) = (f.uid, f.size) else { continue };
                let big_attachment = match (criteria.attachments_over, f.structure) {
                    (Some(min), Some(s)) => {
                        let mut complete = true;
                        !mime::attachments(&bodystructure(s, &mut complete, 0), min).is_empty()
                    }
                    _ => false,
                };
                let sent = f.header.and_then(|h| mime::report::Envelope::from_header_block(h, None).date);
                let c = Candidate {
                    id: uid.to_string(),
                    size,
                    received: f.internal_date,
                    sent,
                    flags: f.flags.unwrap_or_default(),
                    big_attachment,
                };
                if criteria.selects(&c) {
                    out.push(c);
                }
            }
        }
        out.sort_by_key(|c| (criteria.date_of(c), c.id.parse::<u32>().unwrap_or(0)));
        Ok(out)
    }

    /// Streams one message into `sink` in partial fetches. `None` when the message is no
    /// longer there (expunged by another client).
    pub async fn fetch(&mut self, uid: u32, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<Option<Fetched>> {
        let mut offset = 0u64;
        let mut meta: Option<Fetched> = None;
        loop {
            let items = if offset == 0 { "UID RFC822.SIZE INTERNALDATE FLAGS " } else { "UID " };
            let r = self
                .session
                .raw(&format!("UID FETCH {uid} ({items}BODY.PEEK[]<{offset}.{CHUNK}>)"))
                .await
                .with_context(|| format!("cannot fetch message UID {uid}"))?;
            if !r.status.is_ok() {
                bail!("fetching message UID {uid}: {}", r.status);
            }
            let found =
                r.untagged.iter().filter_map(|u| fetch_items(u)).find(|f| f.uid == Some(uid) && f.body.is_some());
            let Some(f) = found else {
                if offset == 0 {
                    return Ok(None);
                }
                bail!("message UID {uid} vanished while it was being fetched");
            };
            let body = f.body.unwrap_or_default();
            if offset == 0 {
                meta = Some(Fetched {
                    size: f.size.unwrap_or(0),
                    received: f.internal_date,
                    flags: f.flags.unwrap_or_default(),
                    bytes: 0,
                });
            }
            sink(body)?;
            offset += body.len() as u64;
            if (body.len() as u64) < CHUNK {
                break;
            }
        }
        let mut m = meta.expect("set on the first chunk");
        m.bytes = offset;
        Ok(Some(m))
    }

    /// Marks exactly these messages `\Deleted` (silently).
    pub async fn mark_deleted(&mut self, uids: &[u32]) -> Result<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        let r = self.session.raw(&format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)")).await?;
        if !r.status.is_ok() {
            bail!("the server refused to mark the archived messages deleted: {}", r.status);
        }
        Ok(())
    }

    /// Expunges exactly these messages (UIDPLUS `UID EXPUNGE`); other `\Deleted`
    /// messages of the folder stay.
    pub async fn expunge(&mut self, uids: &[u32]) -> Result<()> {
        if uids.is_empty() {
            return Ok(());
        }
        if !self.uidplus {
            bail!("the server does not offer UIDPLUS: mailsweep cannot remove only the archived messages");
        }
        let set = uid_set(uids);
        let r = self.session.raw(&format!("UID EXPUNGE {set}")).await?;
        if !r.status.is_ok() {
            bail!("the server refused to expunge the archived messages: {}", r.status);
        }
        Ok(())
    }

    pub async fn logout(self) {
        self.session.logout().await;
    }
}

/// `3,5,6,7,10` → `3,5:7,10`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}:{end}") });
        i += 1;
    }
    parts.join(",")
}

/// The FETCH items `archive` reads.
#[derive(Debug, Default)]
struct Items<'a> {
    uid: Option<u32>,
    size: Option<u64>,
    internal_date: Option<Timestamp>,
    flags: Option<Flags>,
    structure: Option<&'a Value>,
    header: Option<&'a [u8]>,
    body: Option<&'a [u8]>,
}

fn fetch_items(values: &[Value]) -> Option<Items<'_>> {
    let [_, keyword, Value::List(items)] = values else { return None };
    if !keyword.is_atom("FETCH") {
        return None;
    }
    let mut f = Items::default();
    for pair in items.chunks(2) {
        let [Value::Atom(key), value] = pair else { continue };
        let key = key.to_ascii_uppercase();
        match key.as_str() {
            "UID" => f.uid = value.as_u64().and_then(|n| u32::try_from(n).ok()),
            "RFC822.SIZE" => f.size = value.as_u64(),
            "INTERNALDATE" => f.internal_date = value.as_str().and_then(internal_date),
            "FLAGS" => {
                f.flags = value.as_list().map(|l| {
                    Flags::from_imap(
                        l.iter().filter_map(|v| if let Value::Atom(a) = v { Some(a.as_str()) } else { None }),
                    )
                })
            }
            "BODYSTRUCTURE" => f.structure = Some(value),
            k if k.starts_with("BODY[HEADER.FIELDS") => f.header = value.as_bytes(),
            // `BODY[]<0>`; an empty part may come back as NIL.
            k if k.starts_with("BODY[]") => f.body = Some(value.as_bytes().unwrap_or_default()),
            _ => {}
        }
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[10, 3, 5, 6, 7, 7]), "3,5:7,10");
        assert_eq!(uid_set(&[1]), "1");
    }

    #[test]
    fn partial_fetch_answers_are_read_with_their_literal() {
        let line = b"* 4 FETCH (UID 9 RFC822.SIZE 12 INTERNALDATE \" 2-Jan-2020 10:00:00 +0000\" FLAGS (\\Seen \\Flagged) BODY[]<0> {12}\r\nSubject: x\r\n)";
        let wire::Response::Data(values) = wire::parse_response(line).unwrap() else { panic!() };
        let f = fetch_items(&values).unwrap();
        assert_eq!((f.uid, f.size, f.body), (Some(9), Some(12), Some(&b"Subject: x\r\n"[..])));
        assert!(f.flags.unwrap().flagged && f.flags.unwrap().seen);
        assert_eq!(f.internal_date, Some("2020-01-02T10:00:00Z".parse().unwrap()));
        let line = b"* 4 FETCH (UID 9 BODY[]<1048576> \"\")";
        let wire::Response::Data(values) = wire::parse_response(line).unwrap() else { panic!() };
        assert_eq!(fetch_items(&values).unwrap().body, Some(&b""[..]));
    }
}
