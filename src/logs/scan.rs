//! The parallel half of reading: a block of lines to counts and compact records, without
//! the state that needs log order (the clock's year, the joins). Names are interned here,
//! through a per-thread cache of the shared interners, so records carry small ids and the
//! joining thread never looks at the text.

use super::Filter;
use super::input::{self, Lines};
use super::join::{Fingerprint, Interner, SharedNames, UNKNOWN_ADDR, fingerprint, hash_bytes, is_trash};
use super::line::{self, Counters, Event, Proc, Record};
use super::time::{self, RawTime};

/// How a mail process's line names its session, session ids fingerprinted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id {
    pub user: u32,
    pub pid: Option<u32>,
    pub session: Option<Fingerprint>,
}

/// The records the joiner acts on (lines it would ignore are left out). Names are ids of
/// the shared interners: users (and master users), addresses ([`UNKNOWN_ADDR`]: none), folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rec {
    Login {
        proc: Proc,
        user: u32,
        addr: u32,
        master: Option<u32>,
        session: Option<Fingerprint>,
        mpid: Option<u32>,
        tls: bool,
        secured: bool,
    },
    /// `counters`: an index in [`Scanned::counters`] (they are big, logouts few).
    Logout {
        proc: Proc,
        id: Id,
        counters: u32,
    },
    /// IMAP `mail_log` events and server expunges.
    Event {
        proc: Proc,
        id: Id,
        event: Ev,
    },
    Master {
        user: u32,
        master: Option<u32>,
    },
}

/// A `mail_log` event; folders are interned as lossy UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ev {
    Expunge { folder: u32, trash: bool },
    Delete,
    Copy { folder: u32, trash: bool },
}

/// A relevant line with a timestamp, then `repeat` more lines with the same timestamp and
/// nothing for the joiner (resolving a timestamp twice in a row gives the same time).
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub raw: RawTime,
    pub repeat: u32,
    pub rec: Option<Rec>,
}

/// What a block holds.
#[derive(Debug, Default)]
pub struct Scanned {
    pub lines: u64,
    pub relevant: u64,
    pub unparsable: u64,
    pub items: Vec<Item>,
    pub counters: Vec<Counters>,
}

/// A parsing thread's state: its cache of shared names, and the names of the block being
/// scanned, interned after the block's lines are parsed (a batch of lookups can be
/// prefetched; one lookup at a time waits for memory).
pub struct Scanner<'a> {
    pub filter: &'a Filter,
    pub shared: &'a SharedNames,
    local: LocalNames,
    /// Users and addresses of the block: records hold indexes here until they are interned.
    pending: Vec<Pending>,
    ids: Vec<u32>,
}

/// A name to intern: its place in the block, its hash and which interner.
#[derive(Clone, Copy)]
struct Pending {
    start: u32,
    len: u32,
    hash: u64,
    addr: bool,
}

impl<'a> Scanner<'a> {
    pub fn new(filter: &'a Filter, shared: &'a SharedNames) -> Self {
        Scanner { filter, shared, local: LocalNames::default(), pending: Vec::new(), ids: Vec::new() }
    }

    /// Parses every line of `block` into `s`'s counts and items (cleared first).
    pub fn scan(&mut self, block: &Lines<'_>, s: &mut Scanned) {
        s.lines = 0;
        s.relevant = 0;
        s.unparsable = 0;
        s.items.clear();
        s.counters.clear();
        self.pending.clear();
        let data = block.data;
        let Scanned { lines, relevant, unparsable, items, counters } = s;
        // The timestamp of the line before and the bytes it was read from (with the space
        // after it): a line starting with the same bytes has the same timestamp.
        let mut last_time: Option<(RawTime, Prefix)> = None;
        input::block_lines(block, |line| {
            *lines += 1;
            let Some(line) = line else { return };
            let parsed = match &last_time {
                Some((raw, prefix)) if prefix.starts(line) => Some((*raw, &line[prefix.len..])),
                _ => time::parse(line).inspect(|&(raw, rest)| {
                    last_time = Prefix::of(&line[..line.len() - rest.len()]).map(|p| (raw, p));
                }),
            };
            let Some((raw, rest)) = parsed else {
                // No timestamp: relevant only if a Dovecot line (log_timestamp = "" is not supported).
                if matches!(line::parse(line), Ok(Some(_)) | Err(_)) {
                    *relevant += 1;
                    *unparsable += 1;
                }
                return;
            };
            match line::parse(rest) {
                Ok(None) => {}
                Err(line::Unparsable) => {
                    *relevant += 1;
                    *unparsable += 1;
                }
                Ok(Some(record)) => {
                    *relevant += 1;
                    let rec = self.compact(data, &record, counters);
                    if rec.is_none()
                        && let Some(last) = items.last_mut()
                        && last.raw == raw
                    {
                        last.repeat += 1;
                        return;
                    }
                    items.push(Item { raw, repeat: 0, rec });
                }
            }
        });
        self.intern(data, &mut s.items);
    }

    /// Interns the pending names of the block `data`, prefetching a few ahead, and puts
    /// their ids in the records.
    fn intern(&mut self, data: &[u8], items: &mut [Item]) {
        const AHEAD: usize = 8;
        let (pending, ids, local, shared) = (&self.pending, &mut self.ids, &mut self.local, self.shared);
        ids.clear();
        for (k, p) in pending.iter().enumerate() {
            if let Some(q) = pending.get(k + AHEAD) {
                if q.addr { &local.addrs } else { &local.users }.prefetch(q.hash, 0);
            }
            if let Some(q) = pending.get(k + AHEAD / 2) {
                if q.addr { &local.addrs } else { &local.users }.prefetch(q.hash, 1);
            }
            let name = &data[p.start as usize..(p.start + p.len) as usize];
            ids.push(if p.addr {
                local.addrs.id(name, p.hash, &shared.addrs)
            } else {
                local.users.id(name, p.hash, &shared.users)
            });
        }
        let id = |i: &mut u32| *i = ids[*i as usize];
        for item in items.iter_mut() {
            match &mut item.rec {
                Some(Rec::Login { user, addr, master, .. }) => {
                    id(user);
                    if *addr != UNKNOWN_ADDR {
                        id(addr);
                    }
                    if let Some(m) = master {
                        id(m);
                    }
                }
                Some(Rec::Logout { id: i, .. } | Rec::Event { id: i, .. }) => id(&mut i.user),
                Some(Rec::Master { user, master }) => {
                    id(user);
                    if let Some(m) = master {
                        id(m);
                    }
                }
                None => {}
            }
        }
    }

    /// A name of the block `data`, to intern: its index in `pending` for now.
    fn name(&mut self, data: &[u8], s: &[u8], addr: bool) -> u32 {
        let start = s.as_ptr() as usize - data.as_ptr() as usize;
        self.pending.push(Pending { start: start as u32, len: s.len() as u32, hash: hash_bytes(s), addr });
        (self.pending.len() - 1) as u32
    }

    fn user(&mut self, data: &[u8], s: &[u8]) -> u32 {
        self.name(data, s, false)
    }

    fn addr(&mut self, data: &[u8], s: &[u8]) -> u32 {
        self.name(data, s, true)
    }

    fn folder(&mut self, s: &[u8]) -> (u32, bool) {
        let name = String::from_utf8_lossy(s);
        let b = name.as_bytes();
        (self.local.folders.id(b, hash_bytes(b), &self.shared.folders), is_trash(&name))
    }

    fn id(&mut self, data: &[u8], id: &line::MailId<'_>) -> Id {
        Id { user: self.user(data, id.user), pid: id.pid, session: id.session.map(fingerprint) }
    }

    /// The record as the joiner needs it; `None` when the joiner would do nothing with it.
    fn compact(&mut self, data: &[u8], r: &Record<'_>, all: &mut Vec<Counters>) -> Option<Rec> {
        let filter = self.filter;
        match *r {
            Record::Login { proc, login } => {
                if proc == Proc::Server || !filter.user(login.user) {
                    return None;
                }
                Some(Rec::Login {
                    proc,
                    user: self.user(data, login.user),
                    addr: login.ip.map_or(UNKNOWN_ADDR, |ip| self.addr(data, ip)),
                    master: login.master.map(|m| self.user(data, m)),
                    session: login.session.map(fingerprint),
                    mpid: login.mpid,
                    tls: login.tls,
                    secured: login.secured,
                })
            }
            Record::Logout { proc, id: mail, counters } => filter.user(mail.user).then(|| {
                all.push(counters);
                Rec::Logout { proc, id: self.id(data, &mail), counters: (all.len() - 1) as u32 }
            }),
            Record::Event { proc, id: mail, event } => {
                if !filter.user(mail.user) || proc == Proc::Pop3 {
                    // POP's logout counters already say it all.
                    return None;
                }
                let event = match event {
                    Event::Expunge { mailbox } => {
                        let (folder, trash) = self.folder(mailbox);
                        Ev::Expunge { folder, trash }
                    }
                    _ if proc == Proc::Server => return None,
                    Event::Delete { .. } => Ev::Delete,
                    Event::Copy { dest, .. } => {
                        let (folder, trash) = self.folder(dest);
                        Ev::Copy { folder, trash }
                    }
                };
                Some(Rec::Event { proc, id: self.id(data, &mail), event })
            }
            Record::Master { user, master, .. } => filter
                .user(user)
                .then(|| Rec::Master { user: self.user(data, user), master: master.map(|m| self.user(data, m)) }),
            Record::Other => None,
        }
    }
}

/// The bytes a timestamp was read from (with the space after it), 16 to 32 of them.
struct Prefix {
    bytes: [u8; 32],
    len: usize,
}

impl Prefix {
    fn of(s: &[u8]) -> Option<Prefix> {
        let mut bytes = [0; 32];
        bytes.get_mut(..s.len())?.copy_from_slice(s);
        (s.len() >= 16).then_some(Prefix { bytes, len: s.len() })
    }

    /// Whether `line` starts with these bytes: two overlapping 16-byte comparisons.
    #[inline]
    fn starts(&self, line: &[u8]) -> bool {
        let n = self.len;
        let w = |s: &[u8], at: usize| s.get(at..at + 16).and_then(|b| <[u8; 16]>::try_from(b).ok());
        line.len() >= n && w(line, 0) == w(&self.bytes, 0) && w(line, n - 16) == w(&self.bytes, n - 16)
    }
}

/// A parsing thread's caches of the shared interners.
#[derive(Default)]
pub struct LocalNames {
    users: Local,
    addrs: Local,
    folders: Local,
}

/// Interns through a thread's own table first: the shared one is locked once per name.
#[derive(Default)]
struct Local {
    names: Interner,
    shared_ids: Vec<u32>,
}

impl Local {
    fn prefetch(&self, hash: u64, stage: u8) {
        self.names.prefetch(hash, stage);
    }

    fn id(&mut self, s: &[u8], hash: u64, shared: &std::sync::Mutex<Interner>) -> u32 {
        let local = self.names.id_hashed(s, hash) as usize;
        if local == self.shared_ids.len() {
            let mut g = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            self.shared_ids.push(g.id_hashed(s, hash));
        }
        self.shared_ids[local]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines sharing a timestamp's bytes reuse its reading: every item has the timestamp
    /// its own line gives, whatever the forms and lengths that follow one another.
    #[test]
    fn a_reused_timestamp_is_the_lines_own() {
        let stamps = [
            "Jan  1 00:00:05",
            "Jan  1 00:00:05.123",
            "Jan  1 00:00:05.1234567890123456",
            "Jan  1 2026 00:00:05",
            "Jan 01 00:00:05",
            "2026-01-01T00:00:05+01:00",
            "2026-01-01T00:00:05.123456+0100",
            "2026-01-01T00:00:05Z",
            "2026-01-01 00:00:05",
            "2026-01-01T00:00:05.123456789012345678+01:00",
        ];
        let mut data = String::new();
        let mut seed = 7u64;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let stamp = stamps[(seed >> 33) as usize % stamps.len()];
            let sep = if (seed >> 40).is_multiple_of(5) { "," } else { " " };
            data.push_str(&format!("{stamp}{sep}pop3-login: Login: user=<u{}>, rip=192.0.2.1\n", seed % 3));
        }
        let (filter, shared) = (Filter::default(), SharedNames::default());
        let mut scanned = Scanned::default();
        Scanner::new(&filter, &shared).scan(&input::chunk_lines(data.as_bytes(), 0).unwrap(), &mut scanned);
        let want: Vec<RawTime> = data.lines().filter_map(|l| time::parse(l.as_bytes()).map(|(raw, _)| raw)).collect();
        assert!(want.len() > 1000, "most lines have a timestamp");
        assert_eq!(scanned.items.iter().map(|i| i.raw).collect::<Vec<_>>(), want);
        assert_eq!(scanned.items.len(), scanned.relevant as usize);
    }
}
