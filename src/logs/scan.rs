//! The parallel half of reading: a block of lines to counts and compact records, without
//! the state that needs log order (the clock's year, the joins). Names are interned here,
//! through a per-thread cache of the shared interners, so records carry small ids and the
//! joining thread never looks at the text.

use super::Filter;
use super::input::{self, Lines};
use super::join::{
    self, Fingerprint, INLINE, Interner, SharedNames, UNKNOWN_ADDR, fingerprint, hash_bytes, hash_words, head_words,
    is_trash,
};
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
}

/// A name to intern: its first bytes (read while they are in the cache), its hash, its
/// place in the block and which interner.
#[derive(Clone, Copy)]
struct Pending {
    words: [u64; 3],
    hash: u64,
    start: u32,
    /// The name's length, [`ADDR`] set for an address.
    len: u32,
}

const ADDR: u32 = 1 << 31;

impl<'a> Scanner<'a> {
    pub fn new(filter: &'a Filter, shared: &'a SharedNames) -> Self {
        Scanner { filter, shared, local: LocalNames::default(), pending: Vec::new() }
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
        let mut last_tag = Tag::default();
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
            let service = last_tag.service(rest);
            match service.map_or(Ok(None), line::parse_service) {
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

    /// Interns the pending names of the block `data` and puts their ids in the records, in
    /// one pass over the records, looking names up a few ahead of their turn.
    fn intern(&mut self, data: &[u8], items: &mut [Item]) {
        const AHEAD: usize = 16;
        let (pending, local, shared) = (&self.pending, &mut self.local, self.shared);
        for p in pending.iter().take(AHEAD) {
            local.prefetch(p);
        }
        // Records hold their names' indexes in `pending`, in the order of `pending`.
        let mut id = |i: &mut u32| {
            let k = *i as usize;
            if let Some(p) = pending.get(k + AHEAD) {
                local.prefetch(p);
            }
            *i = local.id(data, &pending[k], shared);
        };
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
        let words = head_words(data, start, s.len());
        let hash = if s.len() <= INLINE { hash_words(&words, s.len()) } else { hash_bytes(s) };
        let len = s.len() as u32 | if addr { ADDR } else { 0 };
        self.pending.push(Pending { words, hash, start: start as u32, len });
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
        let words = head_words(b, 0, b.len());
        (self.local.folders.id(b, &words, hash_bytes(b), &self.shared.folders), is_trash(&name))
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

/// The syslog tag (`host dovecot[pid]: `) of the last Dovecot line read: most lines repeat
/// it, and their service name follows it.
#[derive(Default)]
struct Tag(Option<Prefix>);

impl Tag {
    /// [`line::service_start`] of `rest`, the tag's bytes compared instead of searched.
    #[inline]
    fn service<'a>(&mut self, rest: &'a [u8]) -> Option<&'a [u8]> {
        if let Some(tag) = &self.0
            && tag.starts(rest)
        {
            // `rest` reads as the tag's line did up to the tag's end.
            return Some(&rest[tag.len..]).filter(|s| line::is_service(s));
        }
        let service = line::service_start(rest)?;
        if let Some(tag) = Prefix::of(&rest[..rest.len() - service.len()]) {
            self.0 = Some(tag);
        }
        Some(service)
    }
}

/// The bytes a timestamp was read from (with the space after it), or a syslog tag: 16 to 32
/// of them.
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

impl LocalNames {
    fn prefetch(&self, p: &Pending) {
        if p.len & ADDR != 0 { &self.addrs } else { &self.users }.prefetch(p.hash, p.len & !ADDR);
    }

    /// The shared id of the name `p` of the block `data`.
    #[inline]
    fn id(&mut self, data: &[u8], p: &Pending, shared: &SharedNames) -> u32 {
        let name = &data[p.start as usize..][..(p.len & !ADDR) as usize];
        if p.len & ADDR != 0 {
            self.addrs.id(name, &p.words, p.hash, &shared.addrs)
        } else {
            self.users.id(name, &p.words, p.hash, &shared.users)
        }
    }
}

/// A thread's cache of a shared interner: the shared one is locked once per name new to the
/// thread. Names of at most [`INLINE`] bytes are kept in place in 32-byte slots (their
/// [`head_words`], a part of their hash and length, their shared id), so that a lookup
/// reads one slot, where an [`Interner`] reads its table then the name in its arena (two
/// cache misses); longer names go through an `Interner` of the thread.
struct Local {
    /// Open addressing, linear probing, at most half full (three quarters took 1.8 probes
    /// a lookup, a quarter more time).
    slots: Vec<Slot>,
    /// 64 minus the log2 of `slots.len()`: a hash's top bits place its name.
    shift: u32,
    len: usize,
    long: Interner,
    long_ids: Vec<u32>,
}

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    words: [u64; 3],
    /// The hash's low 32 bits with the low 8 replaced by the name's length.
    key: u32,
    /// The shared id, [`FREE`] for a free slot.
    id: u32,
}

const FREE: u32 = u32::MAX;

impl Default for Local {
    fn default() -> Self {
        Local::with_bits(10)
    }
}

impl Local {
    fn with_bits(bits: u32) -> Self {
        Local {
            slots: vec![Slot { words: [0; 3], key: 0, id: FREE }; 1 << bits],
            shift: 64 - bits,
            len: 0,
            long: Interner::default(),
            long_ids: Vec::new(),
        }
    }

    /// Asks the CPU to load what a lookup of a name of hash `hash` and length `len` reads.
    fn prefetch(&self, hash: u64, len: u32) {
        if len as usize > INLINE {
            return self.long.prefetch(hash);
        }
        let mask = self.slots.len() - 1;
        let i = (hash >> self.shift) as usize;
        join::prefetch(&self.slots[i]);
        join::prefetch(&self.slots[(i + 1) & mask]);
    }

    /// The shared id of `s`, whose [`head_words`] are `words` and [`hash_bytes`] `hash`.
    #[inline]
    fn id(&mut self, s: &[u8], words: &[u64; 3], hash: u64, shared: &std::sync::Mutex<Interner>) -> u32 {
        if s.len() > INLINE {
            return self.long_id(s, hash, shared);
        }
        let key = (hash as u32 & !0xFF) | s.len() as u32;
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        loop {
            let e = &self.slots[i];
            if e.id == FREE {
                break;
            }
            if e.key == key && e.words == *words {
                return e.id;
            }
            i = (i + 1) & mask;
        }
        let id = join::lock(shared).id_hashed(s, hash);
        self.slots[i] = Slot { words: *words, key, id };
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let bits = 64 - self.shift + 1;
        let mut new = Local::with_bits(bits);
        let mask = new.slots.len() - 1;
        for e in self.slots.iter().filter(|e| e.id != FREE) {
            let mut i = (hash_words(&e.words, (e.key & 0xFF) as usize) >> new.shift) as usize;
            while new.slots[i].id != FREE {
                i = (i + 1) & mask;
            }
            new.slots[i] = *e;
        }
        self.slots = new.slots;
        self.shift = new.shift;
    }

    fn long_id(&mut self, s: &[u8], hash: u64, shared: &std::sync::Mutex<Interner>) -> u32 {
        let local = self.long.id_hashed(s, hash) as usize;
        if local == self.long_ids.len() {
            self.long_ids.push(join::lock(shared).id_hashed(s, hash));
        }
        self.long_ids[local]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line starting with the last Dovecot line's syslog tag has its service where the
    /// search would find it, whatever the tags, hosts and services that follow one another.
    #[test]
    fn a_reused_tag_finds_the_service_the_search_finds() {
        let starts = [
            "mail dovecot[812]: ",
            "mail dovecot[813]: ",
            "mail dovecot: ",
            "mail postfix/smtpd[1]: ",
            "a-rather-long-host-name.example.org dovecot[1]: ",
            "mail dovecot[812]:  ",
            "mail dovecot[812]: x",
            "mail dovecot[812]",
            "",
        ];
        let services = ["pop3-login: Login: user=<a>", "imap(b)<1><s>: x", "master: up", "lmtp(c): y", "auth: z", ""];
        let mut tag = Tag::default();
        let mut seed = 5u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let start = starts[(seed >> 33) as usize % starts.len()];
            let rest = format!("{start}{}", services[(seed >> 45) as usize % services.len()]);
            assert_eq!(tag.service(rest.as_bytes()), line::service_start(rest.as_bytes()), "{rest:?}");
        }
    }

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

    /// Random names, short and long, some differing only by trailing zero bytes or by one
    /// byte at either end, each followed by other bytes in its block (or by none): a
    /// thread's cache gives the ids a map numbering them in first-seen order gives, through
    /// its growth, and a second thread's cache agrees with the first.
    #[test]
    fn local_names_agree_with_a_map() {
        let mut seed = 11u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            seed >> 33
        };
        let mut names: Vec<Vec<u8>> = Vec::new();
        for n in 0..6000 {
            let len = (next() % 41) as usize;
            let mut s: Vec<u8> = (0..len).map(|_| b"ab\0z.@"[(next() % 6) as usize]).collect();
            if n % 7 == 0 {
                s.push(0);
            }
            names.push(s);
        }
        names.extend([b"".to_vec(), b"\0".to_vec(), vec![b'a'; 24], vec![b'a'; 25], vec![b'a'; 23]]);
        let shared = SharedNames::default();
        let (mut first, mut second) = (Local::default(), Local::default());
        let mut want: std::collections::HashMap<Vec<u8>, u32> = std::collections::HashMap::new();
        for round in 0..3 {
            for k in 0..20_000 {
                let name = &names[(next() as usize) % names.len()];
                // The name in a block, followed by a few bytes or at its very end.
                let mut data: Vec<u8> = (0..next() % 5).map(|_| b'x').collect();
                let start = data.len();
                data.extend_from_slice(name);
                data.extend((0..next() % 30).map(|_| (next() % 256) as u8));
                let words = head_words(&data, start, name.len());
                let hash = if name.len() <= INLINE { hash_words(&words, name.len()) } else { hash_bytes(name) };
                assert_eq!(hash, hash_bytes(name), "{name:?}");
                let local = if (k + round) % 3 == 0 { &mut second } else { &mut first };
                let id = local.id(&data[start..][..name.len()], &words, hash, &shared.users);
                let n = want.len() as u32;
                assert_eq!(id, *want.entry(name.clone()).or_insert(n), "{name:?}");
            }
        }
        assert!(want.len() > 5000 && first.slots.len() >= 8192, "the caches grew");
    }

    /// Two threads, each with its own scanner, intern the same names in different orders:
    /// every name gets one id, the shared interner's name for it.
    #[test]
    fn two_threads_share_the_ids() {
        let shared = SharedNames::default();
        let filter = Filter::default();
        let block = |order: u64| {
            (0..20_000u64)
                .map(|k| {
                    let n = (k * order) % 7919;
                    let long = if n.is_multiple_of(5) { ".with.a.longer.domain.example" } else { "" };
                    format!("Jan  1 00:00:05 pop3-login: Login: user=<u{n}@x{long}>, rip=192.0.{}.{}\n", n % 7, n % 11)
                })
                .collect::<String>()
        };
        let blocks = [block(1), block(7)];
        let items: Vec<Vec<Item>> = std::thread::scope(|t| {
            let run = |b: &String| {
                let mut s = Scanned::default();
                Scanner::new(&filter, &shared).scan(&input::chunk_lines(b.as_bytes(), 0).unwrap(), &mut s);
                s.items
            };
            let h: Vec<_> = blocks.iter().map(|b| t.spawn(move || run(b))).collect();
            h.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let names = shared.users.lock().unwrap();
        let addrs = shared.addrs.lock().unwrap();
        assert_eq!((names.len(), addrs.len()), (7919, 7 * 11));
        for (b, items) in blocks.iter().zip(&items) {
            assert_eq!(items.len(), 20_000);
            for (line, item) in b.lines().zip(items) {
                let Some(Rec::Login { user, addr, .. }) = item.rec else { panic!("{line}") };
                let want = format!("user=<{}>, rip={}", names.name(user), addrs.name(addr));
                assert!(line.ends_with(&want), "{line}: {want}");
            }
        }
    }
}
