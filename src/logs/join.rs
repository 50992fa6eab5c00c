//! Joins login lines with their mail process's lines into sessions, and sessions into
//! per-client timelines (user + remote address + protocol).
//!
//! A mail process line finds its login by session id (`<pid><session>`, 2.3+), else by
//! pid (the login line's `mpid=`, when a custom prefix logs `<pid>`), else (2.2, no ids)
//! by user and protocol: the oldest open login of that user, counted as an ambiguous join
//! when open logins from several addresses compete. Memory holds the open sessions (56
//! bytes each) and, per client, its sessions packed in a [`ClientLog`] (about 10 bytes each).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub use super::client::ClientLog;
use super::line::{Counters, Proc};
use super::scan::{Ev, Id, Rec};
use crate::model::folder::SpecialUse;
use crate::model::verdict::{Access, ClientTimeline, ImapCounts, PopCounts, Protection, ServerExpunges};

/// A master-user line applies to the next login of that user within this delay.
const MASTER_WINDOW_SECS: i64 = 60;
/// Open sessions older than this are closed (counter-less) when too many are open.
const STALE_SECS: i64 = 2 * 86_400;
const MAX_OPEN: usize = 200_000;
/// The interned id of an unknown remote address (logout seen, login not).
pub const UNKNOWN_ADDR: u32 = u32::MAX;

/// FxHash: fast for short keys (session ids, user names); no HashDoS concern for logs
/// the admin chose to read.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u32(u32::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Byte strings to small ids, the strings in one arena; lookups take the string's
/// [`hash_bytes`], computed by the parsing threads.
pub struct Interner {
    /// Open addressing: ids, `NO_ID` for free slots; at most half full.
    table: Vec<u32>,
    hashes: Vec<u64>,
    /// End of each name in `arena`.
    ends: Vec<u32>,
    arena: Vec<u8>,
}

const NO_ID: u32 = u32::MAX;

impl Default for Interner {
    fn default() -> Self {
        Interner { table: vec![NO_ID; 1024], hashes: Vec::new(), ends: Vec::new(), arena: Vec::new() }
    }
}

impl Interner {
    pub fn id(&mut self, s: &[u8]) -> u32 {
        self.id_hashed(s, hash_bytes(s))
    }

    /// The id of `s`, whose [`hash_bytes`] is `hash`.
    pub fn id_hashed(&mut self, s: &[u8], hash: u64) -> u32 {
        let mask = self.table.len() - 1;
        let mut i = (hash >> 7) as usize & mask;
        loop {
            let id = self.table[i];
            if id == NO_ID {
                break;
            }
            if self.hashes[id as usize] == hash && self.bytes(id) == s {
                return id;
            }
            i = (i + 1) & mask;
        }
        let id = self.hashes.len() as u32;
        self.table[i] = id;
        self.hashes.push(hash);
        self.arena.extend_from_slice(s);
        self.ends.push(self.arena.len() as u32);
        if self.hashes.len() * 2 > self.table.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let mut table = vec![NO_ID; self.table.len() * 2];
        let mask = table.len() - 1;
        for (id, &h) in self.hashes.iter().enumerate() {
            let mut i = (h >> 7) as usize & mask;
            while table[i] != NO_ID {
                i = (i + 1) & mask;
            }
            table[i] = id as u32;
        }
        self.table = table;
    }

    /// The bytes of a name (empty for an unknown id).
    pub fn bytes(&self, id: u32) -> &[u8] {
        let id = id as usize;
        if id >= self.ends.len() {
            return b"";
        }
        let start = if id == 0 { 0 } else { self.ends[id - 1] as usize };
        &self.arena[start..self.ends[id] as usize]
    }

    pub fn name(&self, id: u32) -> String {
        if id as usize >= self.ends.len() {
            return "?".to_string();
        }
        String::from_utf8_lossy(self.bytes(id)).into_owned()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// An open session: 56 bytes, as many of them may be open.
struct Open {
    /// The session id's fingerprint, when `HAS_SESSION`.
    session: [u64; 2],
    start: i64,
    user: u32,
    addr: u32,
    /// When `HAS_PID`.
    pid: u32,
    /// `NO_ID`: none.
    master: u32,
    /// From `mail_log` events, when the plugin logs them.
    events: Option<Box<ImapCounts>>,
    access: Access,
    protection: Protection,
    flags: u8,
}

const HAS_SESSION: u8 = 1;
const HAS_PID: u8 = 2;

impl Open {
    fn session(&self) -> Option<u128> {
        (self.flags & HAS_SESSION != 0).then(|| (u128::from(self.session[0]) << 64) | u128::from(self.session[1]))
    }
    fn pid(&self) -> Option<u32> {
        (self.flags & HAS_PID != 0).then_some(self.pid)
    }
    #[allow(clippy::too_many_arguments)]
    fn new(
        user: u32,
        addr: u32,
        access: Access,
        start: i64,
        protection: Protection,
        master: Option<u32>,
        session: Option<u128>,
        pid: Option<u32>,
    ) -> Open {
        let s = session.unwrap_or(0);
        Open {
            session: [(s >> 64) as u64, s as u64],
            start,
            user,
            addr,
            pid: pid.unwrap_or(0),
            master: master.unwrap_or(NO_ID),
            events: None,
            access,
            protection,
            flags: if session.is_some() { HAS_SESSION } else { 0 } | if pid.is_some() { HAS_PID } else { 0 },
        }
    }
}

/// Filters from the command line.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub users: Vec<Vec<u8>>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Filter {
    pub(crate) fn user(&self, u: &[u8]) -> bool {
        self.users.is_empty() || self.users.iter().any(|x| x == u)
    }
    fn time(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }
}

/// Counts for the notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct JoinStats {
    /// Logout or event lines whose login was not in the logs (address unknown).
    pub unmatched: u64,
    /// 2.2-style joins by user where logins from several addresses were open.
    pub ambiguous: u64,
    /// Logins never closed by the end of the logs (or dropped as stale).
    pub unclosed: u64,
}

/// The joiner: feed it records in log order, then take the client logs.
#[derive(Default)]
pub struct Joiner {
    filter: Filter,
    pub users: Interner,
    pub addrs: Interner,
    /// Folder names (lossy UTF-8) of IMAP copies.
    pub folders: Interner,
    slab: Vec<Option<Open>>,
    free: Vec<u32>,
    live: usize,
    /// Session ids by a 128-bit fingerprint: no allocation per session.
    by_session: FxMap<u128, u32>,
    by_pid: FxMap<u32, u32>,
    /// Built on the first mail line without ids (Dovecot 2.2), then maintained.
    by_user: Option<FxMap<(u32, Access), Vec<u32>>>,
    masters: FxMap<u32, (Option<u32>, i64)>,
    /// Index in `clients` by (user, address, protocol).
    pub client_index: FxMap<(u32, u32, Access), u32>,
    pub clients: Vec<ClientLog>,
    pub server: FxMap<u32, ServerExpunges>,
    pub stats: JoinStats,
}

fn access(p: Proc) -> Access {
    if p == Proc::Pop3 { Access::Pop3 } else { Access::Imap }
}

impl Joiner {
    pub fn new(filter: Filter) -> Joiner {
        Joiner { filter, ..Joiner::default() }
    }

    /// Takes one record at time `t` (Unix seconds); its names are in `data`.
    pub fn record(&mut self, t: i64, r: &Rec, data: &[u8]) {
        match *r {
            Rec::Login { proc, user, ip, master, session, mpid, tls, secured } => {
                if proc == Proc::Server || !self.filter.time(t) {
                    return;
                }
                let user = self.users.id_hashed(user.span.get(data), user.hash);
                let addr = ip.map_or(UNKNOWN_ADDR, |ip| self.addrs.id_hashed(ip.span.get(data), ip.hash));
                let master = master.map(|m| self.users.id_hashed(m.span.get(data), m.hash));
                self.login(t, proc, user, addr, master, session, mpid, tls, secured);
            }
            Rec::Logout { proc, id, counters } => self.logout(t, proc, &id, counters, data),
            Rec::Event { proc, id, event } => self.event(t, proc, &id, event, data),
            Rec::Master { user, master } => {
                let user = self.users.id_hashed(user.span.get(data), user.hash);
                let master = master.map(|m| self.users.id_hashed(m.span.get(data), m.hash));
                self.masters.insert(user, (master, t));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn login(
        &mut self,
        t: i64,
        proc: Proc,
        user: u32,
        addr: u32,
        mut master: Option<u32>,
        session: Option<u128>,
        mpid: Option<u32>,
        tls: bool,
        secured: bool,
    ) {
        if !self.masters.is_empty()
            && let Some((m, at)) = self.masters.remove(&user)
            && t - at <= MASTER_WINDOW_SECS
        {
            // "Master user logging in as X" without the master's name: still a master login.
            master = master.or(m).or(Some(self.users.id(b"(master user)")));
        }
        if let Some(s) = session
            && let Some(&old) = self.by_session.get(&s)
        {
            self.close(old, None);
        }
        // A reused pid does not end the older session: with `service_count = 0` one mail
        // process serves many sessions at once. The pid index just points to the newest.
        let protection = if tls {
            Protection::Tls
        } else if secured {
            Protection::Trusted
        } else {
            Protection::Plain
        };
        self.insert(Open::new(user, addr, access(proc), t, protection, master, session, mpid));
        if self.live > MAX_OPEN {
            self.evict(t);
        }
    }

    fn insert(&mut self, open: Open) -> u32 {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slab.push(None);
                (self.slab.len() - 1) as u32
            }
        };
        if let Some(s) = open.session() {
            self.by_session.insert(s, idx);
        }
        if let Some(pid) = open.pid() {
            self.by_pid.insert(pid, idx);
        }
        if let Some(by_user) = &mut self.by_user {
            by_user.entry((open.user, open.access)).or_default().push(idx);
        }
        self.slab[idx as usize] = Some(open);
        self.live += 1;
        idx
    }

    fn find(&mut self, proc: Proc, id: &Id, data: &[u8]) -> Option<u32> {
        if let Some(s) = id.session
            && let Some(&i) = self.by_session.get(&s)
        {
            return Some(i);
        }
        if let Some(pid) = id.pid
            && let Some(&i) = self.by_pid.get(&pid)
        {
            return Some(i);
        }
        if id.session.is_some() || id.pid.is_some() {
            return None;
        }
        let user = self.users.id_hashed(id.user.span.get(data), id.user.hash);
        let slab = &self.slab;
        let by_user = self.by_user.get_or_insert_with(|| {
            let mut m: FxMap<(u32, Access), Vec<u32>> = FxMap::default();
            for (i, o) in slab.iter().enumerate() {
                if let Some(o) = o {
                    m.entry((o.user, o.access)).or_default().push(i as u32);
                }
            }
            m
        });
        let open = by_user.get(&(user, access(proc)))?;
        // Only logins that the mail process cannot name otherwise: 2.2 logins carry a
        // session id that 2.2 mail lines don't repeat, so every login is a candidate.
        let first = *open.first()?;
        let addr_of = |i: u32| self.slab[i as usize].as_ref().map(|o| o.addr);
        let addr = addr_of(first);
        if open.iter().any(|&i| addr_of(i) != addr) {
            self.stats.ambiguous += 1;
        }
        Some(first)
    }

    /// The open session for a mail line, or a new one with an unknown address.
    fn find_or_open(&mut self, t: i64, proc: Proc, id: &Id, data: &[u8]) -> Option<u32> {
        if let Some(i) = self.find(proc, id, data) {
            return Some(i);
        }
        if !self.filter.time(t) {
            return None;
        }
        self.stats.unmatched += 1;
        let user = self.users.id_hashed(id.user.span.get(data), id.user.hash);
        Some(self.insert(Open::new(user, UNKNOWN_ADDR, access(proc), t, Protection::Unknown, None, id.session, id.pid)))
    }

    fn logout(&mut self, t: i64, proc: Proc, id: &Id, c: Counters, data: &[u8]) {
        if let Some(i) = self.find_or_open(t, proc, id, data) {
            self.close(i, Some((t, c)));
        }
    }

    fn event(&mut self, t: i64, proc: Proc, id: &Id, e: Ev, data: &[u8]) {
        if proc == Proc::Server {
            if let Ev::Expunge { mailbox } = e
                && self.filter.time(t)
            {
                let user = self.users.id_hashed(id.user.span.get(data), id.user.hash);
                let s = self.server.entry(user).or_default();
                s.messages += 1;
                push_few(&mut s.folders, mailbox.get(data));
                push_few(&mut s.by, b"server process");
            }
            return;
        }
        let Some(i) = self.find_or_open(t, proc, id, data) else { return };
        let Some(open) = self.slab[i as usize].as_mut() else { return };
        let ev = open.events.get_or_insert_with(Box::default);
        match e {
            Ev::Expunge { mailbox } => {
                ev.expunged += 1;
                if is_trash(mailbox.get(data)) {
                    ev.expunged_in_trash += 1;
                }
            }
            Ev::Delete => ev.flagged_deleted += 1,
            Ev::Copy { dest } => {
                let dest = dest.get(data);
                if is_trash(dest) {
                    ev.trashed += 1;
                } else {
                    ev.filed += 1;
                    if ev.folders.len() < 8 {
                        let name = String::from_utf8_lossy(dest);
                        if !ev.folders.iter().any(|f| *f == name) {
                            ev.folders.push(name.into_owned());
                        }
                    }
                }
            }
        }
    }

    /// Removes an open session and adds it to its client's log.
    fn close(&mut self, i: u32, end: Option<(i64, Counters)>) {
        let Some(open) = self.slab.get_mut(i as usize).and_then(Option::take) else { return };
        self.free.push(i);
        self.live -= 1;
        if let Some(s) = open.session()
            && self.by_session.get(&s) == Some(&i)
        {
            self.by_session.remove(&s);
        }
        if let Some(pid) = open.pid()
            && self.by_pid.get(&pid) == Some(&i)
        {
            self.by_pid.remove(&pid);
        }
        if let Some(by_user) = &mut self.by_user
            && let Some(v) = by_user.get_mut(&(open.user, open.access))
        {
            v.retain(|&x| x != i);
            if v.is_empty() {
                by_user.remove(&(open.user, open.access));
            }
        }
        if end.is_none() {
            self.stats.unclosed += 1;
        }
        let counters = end.map(|(_, c)| c);
        let pop = match open.access {
            Access::Pop3 => counters.map(|c| PopCounts {
                top: c.top.unwrap_or(0),
                retrieved: c.retr.unwrap_or(0),
                retrieved_bytes: c.retr_bytes.unwrap_or(0),
                deleted: c.del.unwrap_or(0),
                messages: c.messages,
            }),
            Access::Imap => None,
        };
        let imap = match open.access {
            // mail_log events are exact (and see MOVE); logout counters are the fallback.
            Access::Imap => open.events.map(|b| *b).or_else(|| {
                counters.map(|c| ImapCounts {
                    flagged_deleted: c.deleted.unwrap_or(0),
                    expunged: c.expunged.unwrap_or(0),
                    trashed: c.trashed.unwrap_or(0),
                    ..ImapCounts::default()
                })
            }),
            Access::Pop3 => None,
        };
        let master = (open.master != NO_ID).then_some(open.master);
        let key = (open.user, open.addr, open.access);
        let n = self.clients.len() as u32;
        let idx = *self.client_index.entry(key).or_insert(n) as usize;
        if idx == self.clients.len() {
            self.clients.push(ClientLog::default());
        }
        let folders = &mut self.folders;
        self.clients[idx].push(open.start, end.map(|(t, _)| t), open.protection, master, pop, imap.as_ref(), |f| {
            folders.id(f.as_bytes())
        });
    }

    fn evict(&mut self, now: i64) {
        let stale: Vec<u32> = self
            .slab
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().filter(|o| now - o.start > STALE_SECS).map(|_| i as u32))
            .collect();
        for i in stale {
            self.close(i, None);
        }
    }

    /// Closes what is still open (sessions still running when the logs end).
    pub fn finish(&mut self) {
        for i in 0..self.slab.len() {
            if self.slab[i].is_some() {
                self.close(i as u32, None);
            }
        }
    }

    /// The timeline of a client, replayed from its log.
    pub fn timeline(&self, client: u32) -> ClientTimeline {
        self.clients[client as usize].replay(|id| self.users.name(id), |id| self.folders.name(id))
    }
}

/// FxHash of a byte string, as the interners use it.
pub fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = Fx(0);
    h.write(s);
    h.finish()
}

/// Two independent 64-bit hashes of a session id: collisions are out of reach.
pub fn fingerprint(s: &[u8]) -> u128 {
    let mut a = Fx(0);
    a.write(s);
    let mut b = Fx(0x9e37_79b9_7f4a_7c15 ^ s.len() as u64);
    for &byte in s.iter().rev() {
        b.write_u8(byte);
    }
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

fn is_trash(mailbox: &[u8]) -> bool {
    SpecialUse::from_name(&String::from_utf8_lossy(mailbox)) == Some(SpecialUse::Trash)
}

fn push_few(v: &mut Vec<String>, s: &[u8]) {
    let s = String::from_utf8_lossy(s);
    if v.len() < 8 && !v.iter().any(|x| *x == s) {
        v.push(s.into_owned());
    }
}
