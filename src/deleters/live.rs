//! The watcher's memory of INBOX: which UID sits at which sequence number, what each
//! message is, its `\Seen` and `\Deleted` flags, and when it was last known present.
//! IMAP changes (EXISTS, EXPUNGE, VANISHED, FETCH) come in; arrivals, flag changes and
//! gone messages come out. Everything learned survives a reconnection: [`Tracker::resync`]
//! compares the UIDs found on reopening with what was known. Pure.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::evidence::MessageInfo;

/// A flag update from a FETCH response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagUpdate {
    pub seq: u32,
    pub uid: Option<u32>,
    pub seen: Option<bool>,
    pub deleted: Option<bool>,
}

/// What a change meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Arrived(MessageInfo),
    /// `\Seen` or `\Deleted` changed.
    Flags {
        message: MessageInfo,
        seen_set: bool,
        deleted_set: bool,
    },
    /// Gone from INBOX: where to, the caller finds out.
    Gone(MessageInfo),
}

#[derive(Debug, Clone, Default)]
pub struct Tracker {
    /// Sequence number − 1 → UID.
    seqs: Vec<u32>,
    messages: BTreeMap<u32, MessageInfo>,
    pub uidvalidity: Option<u32>,
    /// Messages that arrived while watched.
    pub arrivals: u64,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// How many messages INBOX holds, as known.
    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    pub fn max_uid(&self) -> u32 {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    pub fn present(&self) -> Vec<MessageInfo> {
        self.messages.values().cloned().collect()
    }

    pub fn get(&self, uid: u32) -> Option<&MessageInfo> {
        self.messages.get(&uid)
    }

    /// Starts over from a full listing (start, or a UIDVALIDITY change).
    pub fn load(&mut self, uidvalidity: Option<u32>, listing: Vec<(u32, MessageInfo)>) {
        self.uidvalidity = uidvalidity;
        self.messages.clear();
        self.seqs.clear();
        let mut listing = listing;
        listing.sort_by_key(|(seq, _)| *seq);
        for (_, m) in listing {
            if let Some(uid) = m.uid {
                self.seqs.push(uid);
                self.messages.insert(uid, m);
            }
        }
    }

    /// A new message fetched after EXISTS. Messages arrive at the end, in UID order.
    pub fn arrived(&mut self, m: MessageInfo, arrived_while_watched: bool) -> Option<Notice> {
        let uid = m.uid?;
        if self.messages.contains_key(&uid) {
            return None;
        }
        let pos = self.seqs.partition_point(|&u| u < uid);
        self.seqs.insert(pos, uid);
        if arrived_while_watched {
            self.arrivals += 1;
        }
        self.messages.insert(uid, m.clone());
        Some(Notice::Arrived(m))
    }

    /// EXPUNGE of a sequence number.
    pub fn expunge(&mut self, seq: u32, now: Timestamp) -> Option<Notice> {
        let i = usize::try_from(seq).ok()?.checked_sub(1)?;
        if i >= self.seqs.len() {
            return None;
        }
        let uid = self.seqs.remove(i);
        self.take(uid, now)
    }

    /// VANISHED UIDs (QRESYNC).
    pub fn vanished(&mut self, uids: &[u32], now: Timestamp) -> Vec<Notice> {
        let mut out = Vec::new();
        for &uid in uids {
            if let Ok(i) = self.seqs.binary_search(&uid) {
                self.seqs.remove(i);
                out.extend(self.take(uid, now));
            }
        }
        out
    }

    fn take(&mut self, uid: u32, now: Timestamp) -> Option<Notice> {
        let mut m = self.messages.remove(&uid)?;
        m.last_seen = now;
        Some(Notice::Gone(m))
    }

    /// A FETCH with flags for a known message.
    pub fn flags(&mut self, f: FlagUpdate, now: Timestamp) -> Option<Notice> {
        let uid = f.uid.or_else(|| self.seqs.get(usize::try_from(f.seq).ok()?.checked_sub(1)?).copied())?;
        let m = self.messages.get_mut(&uid)?;
        m.last_seen = now;
        let seen_set = f.seen == Some(true) && !m.seen;
        let deleted_set = f.deleted == Some(true) && !m.deleted;
        let changed = f.seen.is_some_and(|s| s != m.seen) || f.deleted.is_some_and(|d| d != m.deleted);
        if seen_set {
            m.seen_set_at = Some(now);
        }
        if let Some(s) = f.seen {
            m.seen = s;
        }
        if let Some(d) = f.deleted {
            m.deleted = d;
        }
        changed.then(|| Notice::Flags { message: m.clone(), seen_set, deleted_set })
    }

    /// After a reconnection: `listing` is every (sequence number, UID, seen, deleted) now
    /// in INBOX. What is no longer there is gone (last seen at `lost`, the moment the
    /// connection dropped); the UIDs returned are new and must be fetched.
    pub fn resync(
        &mut self,
        listing: &[(u32, u32, bool, bool)],
        lost: Timestamp,
        now: Timestamp,
    ) -> (Vec<Notice>, Vec<u32>) {
        let mut listing = listing.to_vec();
        listing.sort_by_key(|&(seq, ..)| seq);
        let current: std::collections::BTreeSet<u32> = listing.iter().map(|&(_, uid, ..)| uid).collect();
        let gone: Vec<u32> = self.messages.keys().copied().filter(|u| !current.contains(u)).collect();
        let mut notices = Vec::new();
        for uid in gone {
            if let Some(Notice::Gone(mut m)) = self.take(uid, lost) {
                m.last_seen = lost;
                notices.push(Notice::Gone(m));
            }
        }
        let mut new = Vec::new();
        for &(seq, uid, seen, deleted) in &listing {
            if self.messages.contains_key(&uid) {
                notices.extend(
                    self.flags(FlagUpdate { seq, uid: Some(uid), seen: Some(seen), deleted: Some(deleted) }, now),
                );
            } else {
                new.push(uid);
            }
        }
        self.seqs = listing.iter().map(|&(_, uid, ..)| uid).filter(|u| self.messages.contains_key(u)).collect();
        (notices, new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn m(uid: u32) -> MessageInfo {
        MessageInfo { uid: Some(uid), first_seen: ts(0), last_seen: ts(0), ..MessageInfo::default() }
    }

    fn uid_of(n: &Notice) -> Option<u32> {
        match n {
            Notice::Arrived(m) | Notice::Gone(m) | Notice::Flags { message: m, .. } => m.uid,
        }
    }

    #[test]
    fn sequence_numbers_follow_expunges_and_arrivals() {
        let mut t = Tracker::new();
        t.load(Some(1), vec![(1, m(10)), (2, m(11)), (3, m(12))]);
        assert_eq!(t.expunge(2, ts(5)).as_ref().and_then(uid_of), Some(11));
        // Sequence 2 is now UID 12.
        assert_eq!(t.expunge(2, ts(6)).as_ref().and_then(uid_of), Some(12));
        assert!(t.arrived(m(13), true).is_some());
        assert!(t.arrived(m(13), true).is_none(), "a message is announced once");
        assert_eq!(t.arrivals, 1);
        let n = t.flags(FlagUpdate { seq: 2, uid: None, seen: Some(true), deleted: Some(true) }, ts(7)).unwrap();
        let Notice::Flags { message, seen_set, deleted_set } = n else { panic!() };
        assert_eq!((message.uid, seen_set, deleted_set), (Some(13), true, true));
        assert_eq!(message.seen_set_at, Some(ts(7)));
        assert!(t.flags(FlagUpdate { seq: 2, uid: None, seen: Some(true), deleted: Some(true) }, ts(8)).is_none());
        let gone = t.vanished(&[13, 99], ts(9));
        assert_eq!(gone.len(), 1);
        let Notice::Gone(g) = &gone[0] else { panic!() };
        assert!(g.deleted);
        assert_eq!(g.last_seen, ts(9));
        assert_eq!(t.expunge(5, ts(9)), None, "out of range is ignored");
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_reconnection_keeps_what_was_learned() {
        let mut t = Tracker::new();
        t.load(Some(1), vec![(1, m(10)), (2, m(11)), (3, m(12))]);
        let (notices, new) =
            t.resync(&[(1, 10, true, false), (2, 12, false, false), (3, 14, false, false)], ts(100), ts(160));
        assert_eq!(new, vec![14]);
        let gone: Vec<_> = notices.iter().filter(|n| matches!(n, Notice::Gone(_))).collect();
        assert_eq!(gone.len(), 1);
        let Notice::Gone(g) = gone[0] else { panic!() };
        assert_eq!((g.uid, g.last_seen), (Some(11), ts(100)));
        assert!(notices.iter().any(|n| matches!(n, Notice::Flags { seen_set: true, .. })));
        assert!(t.arrived(m(14), true).is_some());
        assert_eq!(t.expunge(3, ts(200)).as_ref().and_then(uid_of), Some(14));
    }
}
