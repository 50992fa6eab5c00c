//! Compares two snapshots of INBOX: which messages are gone (with when they were last
//! seen), which arrived, and which stayed (their first sighting carried over, a `\Seen`
//! that appeared noted). Pure.
//!
//! Identity: IMAP messages by UID while UIDVALIDITY stays; when it changes the server has
//! renumbered the folder (index rebuilt, restore, migration, folder recreated), so UIDs
//! mean nothing and messages are matched by Message-ID instead; one that has none cannot
//! be matched and is never counted as removed. POP3 messages by UIDL.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::evidence::MessageInfo;

/// INBOX at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxSnapshot {
    /// IMAP only.
    #[serde(default)]
    pub uidvalidity: Option<u32>,
    pub taken_at: Timestamp,
    pub messages: Vec<MessageInfo>,
}

/// What changed between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Messages of the previous snapshot that are gone, as last known (`last_seen` is
    /// the previous snapshot's time).
    pub removed: Vec<MessageInfo>,
    /// How many messages are new.
    pub arrived: usize,
    /// The current messages with what the previous snapshot knew merged in.
    pub current: Vec<MessageInfo>,
    /// `(old, new)` when UIDVALIDITY changed.
    pub uidvalidity_change: Option<(u32, u32)>,
    /// With a UIDVALIDITY change: messages without a Message-ID, which cannot be matched.
    pub unmatched: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Uid,
    Uidl,
    MessageId,
}

fn key(m: &MessageInfo, k: Key) -> Option<String> {
    match k {
        Key::Uid => m.uid.map(|u| u.to_string()),
        Key::Uidl => m.uidl.clone(),
        Key::MessageId => m.message_id.clone(),
    }
}

/// Compares `prev` with `now`; `now`'s messages may lack headers that only `prev` has
/// (POP3 reads headers of new messages only).
pub fn diff(prev: &InboxSnapshot, now: InboxSnapshot) -> Diff {
    let uidvalidity_change = match (prev.uidvalidity, now.uidvalidity) {
        (Some(a), Some(b)) if a != b => Some((a, b)),
        _ => None,
    };
    let k = if uidvalidity_change.is_some() {
        Key::MessageId
    } else if now.uidvalidity.is_some() || now.messages.iter().any(|m| m.uid.is_some()) {
        Key::Uid
    } else {
        Key::Uidl
    };
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    let mut unmatched = 0;
    for (i, m) in prev.messages.iter().enumerate() {
        match key(m, k) {
            Some(id) => by_key.entry(id).or_default().push(i),
            None => unmatched += 1,
        }
    }
    let mut matched = vec![false; prev.messages.len()];
    let mut out = Diff { uidvalidity_change, ..Diff::default() };
    for mut m in now.messages {
        let p = key(&m, k).and_then(|id| by_key.get_mut(&id)).and_then(|v| v.pop());
        match p {
            Some(i) => {
                matched[i] = true;
                let p = &prev.messages[i];
                m.first_seen = p.first_seen;
                m.arrived = m.arrived.or(p.arrived);
                if m.message_id.is_none() {
                    m.message_id = p.message_id.clone();
                }
                if m.from.is_none() {
                    m.from = p.from.clone();
                }
                if m.subject.is_none() {
                    m.subject = p.subject.clone();
                }
                m.seen_set_at = if m.seen && !p.seen { Some(now.taken_at) } else { p.seen_set_at.filter(|_| m.seen) };
            }
            None if k == Key::MessageId && m.message_id.is_none() => {}
            None => out.arrived += 1,
        }
        m.last_seen = now.taken_at;
        out.current.push(m);
    }
    for (i, m) in prev.messages.iter().enumerate() {
        if !matched[i] && key(m, k).is_some() {
            out.removed.push(m.clone());
        }
    }
    out.unmatched = if k == Key::MessageId { unmatched } else { 0 };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn m(uid: u32, id: Option<&str>, t: i64) -> MessageInfo {
        MessageInfo {
            uid: Some(uid),
            message_id: id.map(str::to_string),
            first_seen: ts(t),
            last_seen: ts(t),
            ..MessageInfo::default()
        }
    }

    fn snap(v: Option<u32>, t: i64, messages: Vec<MessageInfo>) -> InboxSnapshot {
        InboxSnapshot { uidvalidity: v, taken_at: ts(t), messages }
    }

    #[test]
    fn removed_arrived_and_kept_by_uid() {
        let prev = snap(Some(7), 100, vec![m(1, Some("<a>"), 10), m(2, Some("<b>"), 10), m(3, None, 50)]);
        let mut seen = m(2, None, 200);
        seen.seen = true;
        let now = snap(Some(7), 200, vec![seen, m(3, None, 200), m(4, Some("<d>"), 200)]);
        let d = diff(&prev, now);
        assert_eq!(d.removed.iter().map(|m| m.uid).collect::<Vec<_>>(), vec![Some(1)]);
        assert_eq!(d.removed[0].last_seen, ts(10), "last seen as the previous snapshot knew it");
        assert_eq!(d.arrived, 1);
        assert_eq!(d.current[0].first_seen, ts(10));
        assert_eq!(d.current[0].message_id.as_deref(), Some("<b>"), "headers carried over");
        assert_eq!(d.current[0].seen_set_at, Some(ts(200)));
        assert_eq!(d.current[0].last_seen, ts(200));
        assert_eq!(d.uidvalidity_change, None);
    }

    #[test]
    fn a_uidvalidity_change_matches_by_message_id_and_is_not_mass_deletion() {
        let prev = snap(Some(7), 100, vec![m(1, Some("<a>"), 10), m(2, Some("<b>"), 10), m(3, None, 10)]);
        let now = snap(Some(9), 200, vec![m(1, Some("<b>"), 200), m(2, Some("<a>"), 200), m(3, None, 200)]);
        let d = diff(&prev, now);
        assert_eq!(d.uidvalidity_change, Some((7, 9)));
        assert!(d.removed.is_empty(), "{:?}", d.removed);
        assert_eq!(d.arrived, 0);
        assert_eq!(d.unmatched, 1);
        assert_eq!(d.current[0].first_seen, ts(10));
    }

    #[test]
    fn pop3_matches_by_uidl() {
        let p = |u: &str, t| MessageInfo {
            uidl: Some(u.into()),
            subject: Some(u.into()),
            first_seen: ts(t),
            last_seen: ts(t),
            ..MessageInfo::default()
        };
        let prev = snap(None, 100, vec![p("x1", 10), p("x2", 10)]);
        let mut kept = p("x2", 200);
        kept.subject = None;
        let d = diff(&prev, snap(None, 200, vec![kept, p("x3", 200)]));
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].uidl.as_deref(), Some("x1"));
        assert_eq!(d.current[0].subject.as_deref(), Some("x2"));
        assert_eq!(d.arrived, 1);
    }
}
