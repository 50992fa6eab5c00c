//! Joins login lines with their mail process's lines into sessions, and sessions into
//! per-client timelines (user + remote address + protocol).
//!
//! A mail process line finds its login by session id (`<pid><session>`, 2.3+), else by
//! pid (the login line's `mpid=`, when a custom prefix logs `<pid>`), else (2.2, no ids)
//! by user and protocol: the oldest open login of that user, counted as an ambiguous join
//! when open logins from several addresses compete. Memory holds the open sessions, one
//! timeline per client and 8 bytes per session.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::line::{Counters, Event, Login, MailId, Proc, Record};
use crate::model::folder::SpecialUse;
use crate::model::verdict::{Access, ClientTimeline, ImapCounts, PopCounts, Protection, ServerExpunges, Session};

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

/// Byte strings to small ids.
#[derive(Default)]
pub struct Interner {
    ids: FxMap<Box<[u8]>, u32>,
    pub names: Vec<Box<[u8]>>,
}

impl Interner {
    pub fn id(&mut self, s: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn name(&self, id: u32) -> String {
        self.names.get(id as usize).map_or_else(|| "?".to_string(), |n| String::from_utf8_lossy(n).into_owned())
    }
}

struct Open {
    user: u32,
    addr: u32,
    access: Access,
    start: i64,
    protection: Protection,
    master: Option<u32>,
    session: Option<u128>,
    pid: Option<u32>,
    /// From `mail_log` events, when the plugin logs them.
    events: Option<ImapCounts>,
}

/// Filters from the command line.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub users: Vec<Vec<u8>>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Filter {
    fn user(&self, u: &[u8]) -> bool {
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

/// The joiner: feed it records in log order, then take the timelines.
#[derive(Default)]
pub struct Joiner {
    filter: Filter,
    pub users: Interner,
    pub addrs: Interner,
    slab: Vec<Option<Open>>,
    free: Vec<usize>,
    live: usize,
    /// Session ids by a 128-bit fingerprint: no allocation per session.
    by_session: FxMap<u128, usize>,
    by_pid: FxMap<u32, usize>,
    /// Built on the first mail line without ids (Dovecot 2.2), then maintained.
    by_user: Option<FxMap<(u32, Access), Vec<usize>>>,
    masters: FxMap<u32, (Option<u32>, i64)>,
    pub timelines: FxMap<(u32, u32, Access), ClientTimeline>,
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

    /// Takes one record at time `t` (Unix seconds).
    pub fn record(&mut self, t: i64, r: &Record<'_>) {
        match *r {
            Record::Login { proc, login } => self.login(t, proc, &login),
            Record::Logout { proc, id, counters } => self.logout(t, proc, id, counters),
            Record::Event { proc, id, event } => self.event(t, proc, id, event),
            Record::Master { user, master, .. } => {
                if self.filter.user(user) {
                    let user = self.users.id(user);
                    let master = master.map(|m| self.users.id(m));
                    self.masters.insert(user, (master, t));
                }
            }
            Record::Other => {}
        }
    }

    fn login(&mut self, t: i64, proc: Proc, l: &Login<'_>) {
        if proc == Proc::Server || !self.filter.user(l.user) || !self.filter.time(t) {
            return;
        }
        let user = self.users.id(l.user);
        let addr = l.ip.map_or(UNKNOWN_ADDR, |ip| self.addrs.id(ip));
        let mut master = l.master.map(|m| self.users.id(m));
        if let Some((m, at)) = self.masters.remove(&user)
            && t - at <= MASTER_WINDOW_SECS
        {
            // "Master user logging in as X" without the master's name: still a master login.
            master = master.or(m).or(Some(self.users.id(b"(master user)")));
        }
        let session = l.session.map(fingerprint);
        if let Some(s) = session
            && let Some(&old) = self.by_session.get(&s)
        {
            self.close(old, None);
        }
        // A reused pid does not end the older session: with `service_count = 0` one mail
        // process serves many sessions at once. The pid index just points to the newest.
        let protection = if l.tls {
            Protection::Tls
        } else if l.secured {
            Protection::Trusted
        } else {
            Protection::Plain
        };
        let open =
            Open { user, addr, access: access(proc), start: t, protection, master, session, pid: l.mpid, events: None };
        self.insert(open);
        if self.live > MAX_OPEN {
            self.evict(t);
        }
    }

    fn insert(&mut self, open: Open) -> usize {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slab.push(None);
                self.slab.len() - 1
            }
        };
        if let Some(s) = open.session {
            self.by_session.insert(s, idx);
        }
        if let Some(pid) = open.pid {
            self.by_pid.insert(pid, idx);
        }
        if let Some(by_user) = &mut self.by_user {
            by_user.entry((open.user, open.access)).or_default().push(idx);
        }
        self.slab[idx] = Some(open);
        self.live += 1;
        idx
    }

    fn find(&mut self, proc: Proc, id: &MailId<'_>) -> Option<usize> {
        if let Some(s) = id.session
            && let Some(&i) = self.by_session.get(&fingerprint(s))
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
        let user = self.users.id(id.user);
        let slab = &self.slab;
        let by_user = self.by_user.get_or_insert_with(|| {
            let mut m: FxMap<(u32, Access), Vec<usize>> = FxMap::default();
            for (i, o) in slab.iter().enumerate() {
                if let Some(o) = o {
                    m.entry((o.user, o.access)).or_default().push(i);
                }
            }
            m
        });
        let open = by_user.get(&(user, access(proc)))?;
        // Only logins that the mail process cannot name otherwise: 2.2 logins carry a
        // session id that 2.2 mail lines don't repeat, so every login is a candidate.
        let first = *open.first()?;
        let addr = self.slab[first].as_ref().map(|o| o.addr);
        if open.iter().any(|&i| self.slab[i].as_ref().map(|o| o.addr) != addr) {
            self.stats.ambiguous += 1;
        }
        Some(first)
    }

    /// The open session for a mail line, or a new one with an unknown address.
    fn find_or_open(&mut self, t: i64, proc: Proc, id: &MailId<'_>) -> Option<usize> {
        if let Some(i) = self.find(proc, id) {
            return Some(i);
        }
        if !self.filter.time(t) {
            return None;
        }
        self.stats.unmatched += 1;
        let user = self.users.id(id.user);
        Some(self.insert(Open {
            user,
            addr: UNKNOWN_ADDR,
            access: access(proc),
            start: t,
            protection: Protection::Unknown,
            master: None,
            session: id.session.map(fingerprint),
            pid: id.pid,
            events: None,
        }))
    }

    fn logout(&mut self, t: i64, proc: Proc, id: MailId<'_>, c: Counters) {
        if !self.filter.user(id.user) {
            return;
        }
        if let Some(i) = self.find_or_open(t, proc, &id) {
            self.close(i, Some((t, c)));
        }
    }

    fn event(&mut self, t: i64, proc: Proc, id: MailId<'_>, e: Event<'_>) {
        if !self.filter.user(id.user) {
            return;
        }
        if proc == Proc::Server {
            if let Event::Expunge { mailbox } = e
                && self.filter.time(t)
            {
                let user = self.users.id(id.user);
                let s = self.server.entry(user).or_default();
                s.messages += 1;
                push_few(&mut s.folders, mailbox);
                push_few(&mut s.by, b"server process");
            }
            return;
        }
        if proc == Proc::Pop3 {
            // POP's logout counters already say it all.
            return;
        }
        let Some(i) = self.find_or_open(t, proc, &id) else { return };
        let Some(open) = self.slab[i].as_mut() else { return };
        let ev = open.events.get_or_insert_with(ImapCounts::default);
        match e {
            Event::Expunge { mailbox } => {
                ev.expunged += 1;
                if is_trash(mailbox) {
                    ev.expunged_in_trash += 1;
                }
            }
            Event::Delete { .. } => ev.flagged_deleted += 1,
            Event::Copy { dest, .. } => {
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

    /// Removes an open session and adds it to its client's timeline.
    fn close(&mut self, i: usize, end: Option<(i64, Counters)>) {
        let Some(open) = self.slab.get_mut(i).and_then(Option::take) else { return };
        self.free.push(i);
        self.live -= 1;
        if let Some(s) = open.session
            && self.by_session.get(&s) == Some(&i)
        {
            self.by_session.remove(&s);
        }
        if let Some(pid) = open.pid
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
        let mut session = Session {
            start: open.start,
            end: end.map(|(t, _)| t),
            protection: open.protection,
            master: open.master.map(|m| self.users.name(m)),
            pop: None,
            imap: None,
        };
        let counters = end.map(|(_, c)| c);
        match open.access {
            Access::Pop3 => {
                session.pop = counters.map(|c| PopCounts {
                    top: c.top.unwrap_or(0),
                    retrieved: c.retr.unwrap_or(0),
                    retrieved_bytes: c.retr_bytes.unwrap_or(0),
                    deleted: c.del.unwrap_or(0),
                    messages: c.messages,
                });
            }
            Access::Imap => {
                // mail_log events are exact (and see MOVE); logout counters are the fallback.
                session.imap = open.events.or_else(|| {
                    counters.map(|c| ImapCounts {
                        flagged_deleted: c.deleted.unwrap_or(0),
                        expunged: c.expunged.unwrap_or(0),
                        trashed: c.trashed.unwrap_or(0),
                        ..ImapCounts::default()
                    })
                });
            }
        }
        self.timelines.entry((open.user, open.addr, open.access)).or_default().add(&session);
    }

    fn evict(&mut self, now: i64) {
        let stale: Vec<usize> = self
            .slab
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().filter(|o| now - o.start > STALE_SECS).map(|_| i))
            .collect();
        for i in stale {
            self.close(i, None);
        }
    }

    /// Closes what is still open (sessions still running when the logs end).
    pub fn finish(&mut self) {
        for i in 0..self.slab.len() {
            if self.slab[i].is_some() {
                self.close(i, None);
            }
        }
    }
}

/// Two independent 64-bit hashes of a session id: collisions are out of reach.
fn fingerprint(s: &[u8]) -> u128 {
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
