//! One client's sessions packed as varints (about 10 bytes a session instead of a
//! [`ClientTimeline`]'s 20-40), replayed into a [`ClientTimeline`] in the same order when
//! the report is built: the verdicts see exactly the sessions they would have seen.

use crate::model::verdict::{ClientTimeline, ImapCounts, PopCounts, Protection};

/// A session's IMAP counts as the joiner keeps them: [`ImapCounts`] with folder ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImapTally {
    pub flagged_deleted: u64,
    pub expunged: u64,
    pub trashed: u64,
    pub filed: u64,
    pub expunged_in_trash: u64,
    /// Destination folders of `filed` copies, a few, in first-seen order.
    pub folders: Vec<u32>,
}

/// The sessions of one client (user + remote address + protocol), in the order they ended.
#[derive(Debug, Clone, Default)]
pub struct ClientLog {
    bytes: Vec<u8>,
    last_start: i64,
}

const HAS_END: u8 = 1 << 2;
const HAS_MASTER: u8 = 1 << 3;
const HAS_POP: u8 = 1 << 4;
const HAS_IMAP: u8 = 1 << 5;

impl ClientLog {
    /// Appends a session; `master` is a user id.
    pub fn push(
        &mut self,
        start: i64,
        end: Option<i64>,
        protection: Protection,
        master: Option<u32>,
        pop: Option<PopCounts>,
        imap: Option<&ImapTally>,
    ) {
        let mut flags = match protection {
            Protection::Tls => 0,
            Protection::Trusted => 1,
            Protection::Plain => 2,
            Protection::Unknown => 3,
        };
        for (present, bit) in [
            (end.is_some(), HAS_END),
            (master.is_some(), HAS_MASTER),
            (pop.is_some(), HAS_POP),
            (imap.is_some(), HAS_IMAP),
        ] {
            if present {
                flags |= bit;
            }
        }
        let b = &mut self.bytes;
        if b.capacity() == 0 {
            // Most clients have a few sessions or many: skip the smallest reallocations.
            b.reserve(64);
        }
        b.push(flags);
        put_signed(b, start.wrapping_sub(self.last_start));
        self.last_start = start;
        if let Some(end) = end {
            put_signed(b, end.wrapping_sub(start));
        }
        if let Some(m) = master {
            put(b, u64::from(m));
        }
        if let Some(p) = pop {
            for v in [p.top, p.retrieved, p.retrieved_bytes, p.deleted] {
                put(b, v);
            }
            // Counters have at most 19 digits: `m + 1` cannot overflow.
            put(b, p.messages.map_or(0, |m| m.saturating_add(1)));
        }
        if let Some(i) = imap {
            for v in [i.flagged_deleted, i.expunged, i.trashed, i.filed, i.expunged_in_trash] {
                put(b, v);
            }
            put(b, i.folders.len() as u64);
            for &f in &i.folders {
                put(b, u64::from(f));
            }
        }
    }

    /// The timeline of these sessions; `user` and `folder` name interned ids.
    pub fn replay(&self, user: impl Fn(u32) -> String, folder: impl Fn(u32) -> String) -> ClientTimeline {
        let mut t = ClientTimeline::new();
        self.replay_into(&mut t, user, folder);
        t
    }

    /// Adds these sessions to `t` ([`ClientLog::replay`] into a timeline whose buffers are
    /// reused).
    pub fn replay_into(&self, t: &mut ClientTimeline, user: impl Fn(u32) -> String, folder: impl Fn(u32) -> String) {
        self.each_session(|s| {
            let master = s.master.map(&user);
            // Folder names, if any, need a copy of the counts to hold them.
            let named = s.imap.as_ref().filter(|(_, ids)| ids.n > 0).map(|(counts, ids)| {
                let mut r = Reader { b: &self.bytes, p: ids.start };
                ImapCounts { folders: (0..ids.n).map(|_| folder(r.get() as u32)).collect(), ..counts.clone() }
            });
            let imap = named.as_ref().or(s.imap.as_ref().map(|(counts, _)| counts));
            t.add_parts(s.start, s.end, s.protection, master.as_deref(), s.pop.as_ref(), imap);
        });
    }

    /// The sum of the POP sessions' `deleted` counters (wrapping, as the timeline's), without
    /// building a timeline: what its status depends on.
    pub fn pop_deleted(&self) -> u64 {
        let mut sum = 0u64;
        self.each_session(|s| {
            if let Some(p) = &s.pop {
                sum = sum.wrapping_add(p.deleted);
            }
        });
        sum
    }

    /// Calls `f` on each session, in order. Inlined into its callers: the session's parts
    /// then stay in registers instead of being copied from struct to struct.
    #[inline(always)]
    fn each_session(&self, mut f: impl FnMut(&Stored)) {
        let mut r = Reader { b: &self.bytes, p: 0 };
        let mut start = 0i64;
        while let Some(&flags) = r.b.get(r.p) {
            r.p += 1;
            start = start.wrapping_add(r.signed());
            let end = (flags & HAS_END != 0).then(|| start.wrapping_add(r.signed()));
            let protection = match flags & 3 {
                0 => Protection::Tls,
                1 => Protection::Trusted,
                2 => Protection::Plain,
                _ => Protection::Unknown,
            };
            let master = (flags & HAS_MASTER != 0).then(|| r.get() as u32);
            let pop = (flags & HAS_POP != 0).then(|| PopCounts {
                top: r.get(),
                retrieved: r.get(),
                retrieved_bytes: r.get(),
                deleted: r.get(),
                messages: r.get().checked_sub(1),
            });
            let imap = (flags & HAS_IMAP != 0).then(|| {
                let i = ImapCounts {
                    flagged_deleted: r.get(),
                    expunged: r.get(),
                    trashed: r.get(),
                    filed: r.get(),
                    expunged_in_trash: r.get(),
                    folders: Vec::new(),
                };
                let n = r.get();
                let ids = FolderIds { start: r.p, n };
                for _ in 0..n {
                    r.get();
                }
                (i, ids)
            });
            f(&Stored { start, end, protection, master, pop, imap });
        }
    }

    /// Asks the CPU to load the start of the log, which [`ClientLog::replay_into`] reads first.
    pub fn prefetch_start(&self) {
        for at in [0, 64] {
            if let Some(b) = self.bytes.get(at) {
                super::join::prefetch(b);
            }
        }
    }

    /// Asks the CPU to load the end of the log, where the next session goes.
    pub fn prefetch_end(&self) {
        if let Some(last) = self.bytes.last() {
            super::join::prefetch(last);
        }
    }

    /// Bytes used (for tests and memory estimates).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

fn put(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push(v as u8 | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn put_signed(b: &mut Vec<u8>, v: i64) {
    put(b, ((v << 1) ^ (v >> 63)) as u64);
}

/// A session as stored: names as ids, the IMAP folder ids left in the log (the range
/// counts them: one varint each, read by [`ClientLog::replay_into`]).
struct Stored {
    start: i64,
    end: Option<i64>,
    protection: Protection,
    master: Option<u32>,
    pop: Option<PopCounts>,
    imap: Option<(ImapCounts, FolderIds)>,
}

/// Where a session's folder ids start in the log, and how many there are.
struct FolderIds {
    start: usize,
    n: u64,
}

struct Reader<'a> {
    b: &'a [u8],
    p: usize,
}

impl Reader<'_> {
    #[inline]
    fn get(&mut self) -> u64 {
        // Most values take one byte.
        match self.b.get(self.p) {
            Some(&byte) if byte < 0x80 => {
                self.p += 1;
                u64::from(byte)
            }
            _ => self.get_long(),
        }
    }

    fn get_long(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while let Some(&byte) = self.b.get(self.p) {
            self.p += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                break;
            }
            shift += 7;
        }
        v
    }

    fn signed(&mut self) -> i64 {
        let v = self.get();
        ((v >> 1) as i64) ^ -((v & 1) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::verdict::{Access, Session};

    #[test]
    fn replay_gives_the_timeline_of_the_sessions_pushed() {
        let sessions = vec![
            Session {
                start: 1_700_000_000,
                end: Some(1_700_000_005),
                protection: Protection::Tls,
                ..Session::default()
            },
            Session {
                start: 1_699_999_000,
                end: Some(1_700_000_600),
                protection: Protection::Plain,
                master: Some("admin".into()),
                pop: Some(PopCounts { top: 1, retrieved: 3, retrieved_bytes: 1 << 40, deleted: 2, messages: Some(9) }),
                imap: None,
            },
            Session {
                start: 1_700_000_700,
                end: None,
                protection: Protection::Unknown,
                pop: Some(PopCounts { messages: None, ..PopCounts::default() }),
                ..Session::default()
            },
            Session {
                start: -5,
                end: Some(i64::MAX / 2),
                protection: Protection::Trusted,
                imap: Some(ImapCounts {
                    flagged_deleted: 1,
                    expunged: 4,
                    trashed: 1,
                    filed: 2,
                    expunged_in_trash: 0,
                    folders: vec!["Archive".into(), "Work".into()],
                }),
                ..Session::default()
            },
        ];
        let mut log = ClientLog::default();
        let mut direct = ClientTimeline::new();
        let folders = ["Archive", "Work"];
        for s in &sessions {
            let master = s.master.as_ref().map(|_| 7);
            let imap = s.imap.as_ref().map(|i| ImapTally {
                flagged_deleted: i.flagged_deleted,
                expunged: i.expunged,
                trashed: i.trashed,
                filed: i.filed,
                expunged_in_trash: i.expunged_in_trash,
                folders: i.folders.iter().map(|f| folders.iter().position(|x| x == f).unwrap() as u32).collect(),
            });
            log.push(s.start, s.end, s.protection, master, s.pop, imap.as_ref());
            direct.add(s);
        }
        let replayed =
            log.replay(|id| if id == 7 { "admin".into() } else { "?".into() }, |id| folders[id as usize].into());
        assert_eq!(replayed.summary("a", Access::Pop3), direct.summary("a", Access::Pop3));
        assert_eq!(log.pop_deleted(), direct.summary("a", Access::Pop3).totals.deleted);
        let mut reused = ClientTimeline::new();
        log.replay_into(&mut reused, |_| "x".into(), |_| "y".into());
        reused.take_summary("b".into(), Access::Imap);
        log.replay_into(
            &mut reused,
            |id| if id == 7 { "admin".into() } else { "?".into() },
            |id| folders[id as usize].into(),
        );
        assert_eq!(reused.take_summary("a".into(), Access::Pop3), direct.summary("a", Access::Pop3));
        assert!(log.len() < 80, "{}", log.len());
    }

    /// A session whose every value takes the longest varint reads back as pushed.
    #[test]
    fn largest_values_round_trip() {
        let pop = PopCounts {
            top: u64::MAX,
            retrieved: u64::MAX,
            retrieved_bytes: u64::MAX,
            deleted: u64::MAX,
            messages: Some(u64::MAX),
        };
        let imap = ImapTally {
            flagged_deleted: u64::MAX,
            expunged: u64::MAX,
            trashed: u64::MAX,
            filed: u64::MAX,
            expunged_in_trash: u64::MAX,
            folders: (0..20).map(|f| u32::MAX - f).collect(),
        };
        let mut log = ClientLog::default();
        log.push(i64::MIN, Some(i64::MAX), Protection::Unknown, Some(u32::MAX), Some(pop), Some(&imap));
        log.push(i64::MAX, None, Protection::Tls, None, None, None);
        let mut seen = Vec::new();
        log.each_session(|s| {
            let folders = s.imap.as_ref().map(|(_, ids)| ids.n);
            seen.push((s.start, s.end, s.protection, s.master, s.pop, folders));
        });
        // `messages` is stored plus one, saturating: `u64::MAX` reads back one less.
        let pop = PopCounts { messages: Some(u64::MAX - 1), ..pop };
        assert_eq!(
            seen,
            [
                (i64::MIN, Some(i64::MAX), Protection::Unknown, Some(u32::MAX), Some(pop), Some(20)),
                (i64::MAX, None, Protection::Tls, None, None, None),
            ]
        );
    }
}
