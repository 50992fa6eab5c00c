//! Joins login lines with their mail process's lines into sessions, and sessions into
//! per-client timelines (user + remote address + protocol).
//!
//! A mail process line finds its login by session id (`<pid><session>`, 2.3+), else by
//! pid (the login line's `mpid=`, when a custom prefix logs `<pid>`; a line naming its
//! session only joins a login logged without one that way, never another session of the
//! same process), else (2.2, no ids) by user and protocol: the oldest open login of that
//! user, counted as an ambiguous join when open logins from several addresses compete.
//! The pid index is built in full only once a line names a pid but no session. Memory
//! holds the open sessions (64 bytes each, plus 16 in the indexes and 8 for its pid) and,
//! per client, its sessions packed in a [`ClientLog`] (about 10 bytes each).
//!
//! This runs on one thread, in log order, for every login and logout: the records come with
//! names already interned ([`SharedNames`]) and session ids fingerprinted, and the indexes
//! of open sessions are flat tables of 8-byte entries (`SlotTable`), prefetched a few
//! records ahead ([`Joiner::prefetch`]): with many sessions open they outgrow the caches.
//! The pid index keeps the entries of closed sessions (removing them would cost a random
//! access per close): they are checked against a compact array of the open sessions' pids,
//! never against the sessions themselves. Evictions close many sessions at once, also with
//! what each close touches prefetched a few closes ahead.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, PoisonError};

pub use super::client::{ClientLog, ImapTally};
use super::line::{Counter, Counters, Proc};
use super::scan::{Ev, Id, Rec};
use crate::model::folder::SpecialUse;
use crate::model::verdict::{Access, PopCounts, Protection, ServerExpunges};

/// A master-user line applies to the next login of that user within this delay.
const MASTER_WINDOW_SECS: i64 = 60;
/// Open sessions older than this are closed (counter-less) when too many are open.
const STALE_SECS: i64 = 2 * 86_400;
const MAX_OPEN: usize = 200_000;
/// The interned id of an unknown remote address (logout seen, login not).
pub const UNKNOWN_ADDR: u32 = u32::MAX;

/// FxHash: fast for short keys (the joiner's maps of ids); no HashDoS concern for logs
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
#[derive(Clone)]
pub struct Interner {
    /// Open addressing, at most half full: `hash >> 32 << 32 | id`, `EMPTY` for free
    /// entries. The hash's high half places the entry and filters the comparisons.
    table: Vec<u64>,
    shift: u32,
    /// End of each name in `arena`.
    ends: Vec<u32>,
    arena: Vec<u8>,
}

const NO_ID: u32 = u32::MAX;

impl Default for Interner {
    fn default() -> Self {
        Interner { table: vec![EMPTY; 1024], shift: 32 - 10, ends: Vec::new(), arena: Vec::new() }
    }
}

impl Interner {
    pub fn id(&mut self, s: &[u8]) -> u32 {
        self.id_hashed(s, hash_bytes(s))
    }

    fn home(&self, tag: u32) -> usize {
        (tag.wrapping_mul(0x9E37_79B9) >> self.shift) as usize
    }

    /// Asks the CPU to load the table entry a lookup of `hash` reads first.
    pub fn prefetch(&self, hash: u64) {
        prefetch(&self.table[self.home((hash >> 32) as u32)]);
    }

    /// The id of `s`, whose [`hash_bytes`] is `hash`.
    pub fn id_hashed(&mut self, s: &[u8], hash: u64) -> u32 {
        let tag = (hash >> 32) as u32;
        let mask = self.table.len() - 1;
        let mut i = self.home(tag);
        loop {
            let e = self.table[i];
            if e == EMPTY {
                break;
            }
            if (e >> 32) as u32 == tag && same(self.bytes(e as u32), s) {
                return e as u32;
            }
            i = (i + 1) & mask;
        }
        let id = self.ends.len() as u32;
        self.table[i] = (u64::from(tag) << 32) | u64::from(id);
        self.arena.extend_from_slice(s);
        self.ends.push(self.arena.len() as u32);
        if self.ends.len() * 2 > self.table.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.table);
        self.table = vec![EMPTY; old.len() * 2];
        self.shift -= 1;
        let mask = self.table.len() - 1;
        for e in old.into_iter().filter(|&e| e != EMPTY) {
            let mut i = self.home((e >> 32) as u32);
            while self.table[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.table[i] = e;
        }
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

/// Whether two short byte strings (names) are equal: word by word, inline (a call to
/// `memcmp` for every name looked up costs more than the comparison).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    // The last word, overlapping the one before when `n` is not a multiple of 8.
    word(a, n - 8) == word(b, n - 8)
}

/// The interners the parsing threads fill while reading.
#[derive(Default)]
pub struct SharedNames {
    pub users: Mutex<Interner>,
    pub addrs: Mutex<Interner>,
    /// Folder names (lossy UTF-8) of `mail_log` events.
    pub folders: Mutex<Interner>,
}

/// The names, once read.
#[derive(Default, Clone)]
pub struct Names {
    pub users: Interner,
    pub addrs: Interner,
    pub folders: Interner,
}

fn unlock<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SharedNames {
    fn into_names(self) -> Names {
        Names { users: unlock(self.users), addrs: unlock(self.addrs), folders: unlock(self.folders) }
    }

    fn snapshot(&self) -> Names {
        Names {
            users: lock(&self.users).clone(),
            addrs: lock(&self.addrs).clone(),
            folders: lock(&self.folders).clone(),
        }
    }
}

/// Open addressing from 32-bit keys to slab slots, entries `key << 32 | slot` in one flat
/// vector (at most half full, linear probing, deletion by backward shift: no tombstones).
/// A key may stand for a longer one (a session fingerprint): the caller checks the slot.
struct SlotTable {
    entries: Vec<u64>,
    len: usize,
    shift: u32,
}

const EMPTY: u64 = u64::MAX;

impl Default for SlotTable {
    fn default() -> Self {
        SlotTable { entries: vec![EMPTY; 1 << 10], len: 0, shift: 32 - 10 }
    }
}

impl SlotTable {
    fn home(&self, key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B9) >> self.shift) as usize
    }

    /// Asks the CPU to load the cache line where a lookup of `key` starts.
    fn prefetch(&self, key: u32) {
        prefetch(&self.entries[self.home(key)]);
    }

    /// Probes for the first entry for `key` whose slot `is` accepts: `Ok(index)` of that
    /// entry, or `Err(index)` of the empty entry that ends the probe.
    #[inline]
    fn probe(&self, key: u32, mut is: impl FnMut(u32) -> bool) -> Result<usize, usize> {
        let mask = self.entries.len() - 1;
        let mut i = self.home(key);
        loop {
            let e = self.entries[i];
            if e == EMPTY {
                return Err(i);
            }
            if (e >> 32) as u32 == key && is(e as u32) {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The slot of the first entry for `key`, unchecked (for prefetching).
    fn peek(&self, key: u32) -> Option<u32> {
        self.find(key, |_| true)
    }

    /// The slot of the first entry for `key` that `is` accepts.
    fn find(&self, key: u32, is: impl FnMut(u32) -> bool) -> Option<u32> {
        self.probe(key, is).ok().map(|i| self.entries[i] as u32)
    }

    /// Points `key` to `slot`, replacing the first entry for `key` that `is` accepts.
    fn insert(&mut self, key: u32, slot: u32, is: impl FnMut(u32) -> bool) {
        let entry = (u64::from(key) << 32) | u64::from(slot);
        match self.probe(key, is) {
            Ok(i) => self.entries[i] = entry,
            Err(i) => {
                self.entries[i] = entry;
                self.len += 1;
            }
        }
    }

    /// Whether an insert should first rebuild the table.
    fn full(&self) -> bool {
        (self.len + 1) * 2 > self.entries.len()
    }

    /// Removes the entry `key -> slot`, if there is one.
    fn remove(&mut self, key: u32, slot: u32) {
        let Ok(i) = self.probe(key, |s| s == slot) else { return };
        let mask = self.entries.len() - 1;
        self.len -= 1;
        // Backward shift: move up the entries of the run that may sit at the hole.
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let e = self.entries[j];
            if e == EMPTY {
                break;
            }
            let home = self.home((e >> 32) as u32);
            // `e` may move to the hole if its home is not in (hole, j].
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.entries[hole] = e;
                hole = j;
            }
        }
        self.entries[hole] = EMPTY;
    }

    /// Rehashes the entries `keep` accepts into a table at most a quarter full.
    fn rebuild(&mut self, mut keep: impl FnMut(u64) -> bool) {
        let kept: Vec<u64> = self.entries.iter().copied().filter(|&e| e != EMPTY && keep(e)).collect();
        let mut size = 1 << 10;
        while kept.len() * 4 > size {
            size *= 2;
        }
        self.entries = vec![EMPTY; size];
        self.shift = 32 - size.trailing_zeros();
        self.len = kept.len();
        let mask = self.entries.len() - 1;
        for e in kept {
            let mut i = self.home((e >> 32) as u32);
            while self.entries[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.entries[i] = e;
        }
    }
}

/// Asks the CPU to start loading `x`'s cache line: the joiner's lookups are random accesses
/// to tables larger than the caches, and it knows them a few records ahead.
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults, reads nothing into the program and
    // `x` is a valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Clients (user, address, protocol) to their index: open addressing, the key in the entry.
struct ClientIndex {
    /// `(user << 32 | address, index << 1 | protocol)`; `EMPTY` keys for free entries.
    entries: Vec<(u64, u32)>,
    len: usize,
    shift: u32,
}

impl Default for ClientIndex {
    fn default() -> Self {
        ClientIndex { entries: vec![(EMPTY, 0); 1 << 10], len: 0, shift: 64 - 10 }
    }
}

impl ClientIndex {
    fn key((user, addr, access): (u32, u32, Access)) -> (u64, u32) {
        ((u64::from(user) << 32) | u64::from(addr), access as u32)
    }

    fn home(&self, ua: u64, access: u32) -> usize {
        ((ua ^ u64::from(access)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn prefetch(&self, key: (u32, u32, Access)) {
        let (ua, access) = Self::key(key);
        prefetch(&self.entries[self.home(ua, access)]);
    }

    /// Probes for `key`: `Ok(its index)`, or `Err(the free entry that ends the probe)`.
    fn probe(&self, key: (u32, u32, Access)) -> Result<u32, usize> {
        let (ua, access) = Self::key(key);
        let mask = self.entries.len() - 1;
        let mut i = self.home(ua, access);
        loop {
            let (k, v) = self.entries[i];
            if k == EMPTY {
                return Err(i);
            }
            if k == ua && v & 1 == access {
                return Ok(v >> 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// The index of `key`, if it has one.
    fn get(&self, key: (u32, u32, Access)) -> Option<u32> {
        self.probe(key).ok()
    }

    /// The index of `key`, or `new` (then recorded as its index).
    fn get_or_insert(&mut self, key: (u32, u32, Access), new: u32) -> u32 {
        let i = match self.probe(key) {
            Ok(index) => return index,
            Err(free) => free,
        };
        let (ua, access) = Self::key(key);
        self.entries[i] = (ua, (new << 1) | access);
        self.len += 1;
        if self.len * 2 > self.entries.len() {
            let bigger = vec![(EMPTY, 0); self.entries.len() * 2];
            let old = std::mem::replace(&mut self.entries, bigger);
            self.shift -= 1;
            let mask = self.entries.len() - 1;
            for (k, v) in old.into_iter().filter(|e| e.0 != EMPTY) {
                let mut i = self.home(k, v & 1);
                while self.entries[i].0 != EMPTY {
                    i = (i + 1) & mask;
                }
                self.entries[i] = (k, v);
            }
        }
        new
    }
}

/// The 32-bit table key of a session fingerprint.
fn session_key(s: Fingerprint) -> u32 {
    let h = s.0.get() ^ s.1;
    (h ^ (h >> 32)) as u32
}

/// An open session: 64 bytes, as many of them may be open; aligned to a cache line, so
/// that one prefetch brings all of it.
#[repr(align(64))]
struct Open {
    session: Option<Fingerprint>,
    start: i64,
    user: u32,
    addr: u32,
    /// `NO_ID`: none.
    master: u32,
    /// Its client's index in [`Joiner::clients`].
    client: u32,
    /// From `mail_log` events, when the plugin logs them.
    events: Option<Box<ImapTally>>,
    /// Its number in the order sessions were opened ([`Joiner::opened`]).
    serial: u64,
    access: Access,
    protection: Protection,
}

impl Open {
    fn session(&self) -> Option<Fingerprint> {
        self.session
    }
    fn new(
        user: u32,
        addr: u32,
        access: Access,
        start: i64,
        protection: Protection,
        master: Option<u32>,
        session: Option<Fingerprint>,
    ) -> Open {
        Open {
            session,
            start,
            user,
            addr,
            master: master.unwrap_or(NO_ID),
            client: NO_ID,
            events: None,
            serial: 0,
            access,
            protection,
        }
    }
}

/// What [`Joiner::prefetch`] found for the records ahead, by index in the block modulo
/// [`Ahead::LEN`]: their open session's slot, then its client (`NO_ID`: none).
pub struct Ahead {
    slot: [u32; Ahead::LEN],
    client: [u32; Ahead::LEN],
}

impl Ahead {
    const LEN: usize = 32;
}

impl Default for Ahead {
    fn default() -> Self {
        Ahead { slot: [NO_ID; Ahead::LEN], client: [NO_ID; Ahead::LEN] }
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

/// Expunges by server processes (doveadm, lmtp, expire): a user's count and a few folders.
#[derive(Debug, Clone, Default)]
pub struct ServerTally {
    pub messages: u64,
    pub folders: Vec<u32>,
}

impl ServerTally {
    pub fn expunges(&self, names: &Names) -> ServerExpunges {
        ServerExpunges {
            messages: self.messages,
            by: if self.messages > 0 { vec!["server process".to_string()] } else { Vec::new() },
            folders: self.folders.iter().map(|&f| names.folders.name(f)).collect(),
        }
    }
}

/// The joiner: feed it records in log order, then take the client logs.
#[derive(Default)]
pub struct Joiner {
    filter: Filter,
    /// Filled by the parsing threads; the joiner adds "(master user)".
    pub names: Arc<SharedNames>,
    master_user: Option<u32>,
    slab: Vec<Option<Open>>,
    /// The pid of each slot's open session, `PID_SET | pid` (0: none, or free): the pid
    /// index is checked against it, not against the slab (a random read per check).
    slot_pids: Vec<u64>,
    free: Vec<u32>,
    live: usize,
    /// Session fingerprints (by [`session_key`]) to slots: no allocation per session.
    by_session: SlotTable,
    /// The newest session of each pid, if still open: entries are not removed when their
    /// session closes, but checked against `slot_pids` on lookup (and dropped when the
    /// table is rebuilt). Only the sessions logged in without a session id until
    /// `pids_all`.
    by_pid: SlotTable,
    /// Whether `by_pid` indexes every open session with a pid: from the first mail line
    /// that names a pid but no session (Dovecot 2.2 with a pid prefix, custom prefixes). A
    /// line that names its session joins its login by that id; by pid, it may only join a
    /// login logged without a session id (another session of the same mail process is not
    /// its own), so until then only those are indexed.
    pids_all: bool,
    /// Sessions opened so far: a session's number orders the pid index built late.
    opened: u64,
    /// Built on the first mail line without ids (Dovecot 2.2), then maintained.
    by_user: Option<FxMap<(u32, Access), Vec<u32>>>,
    masters: FxMap<u32, (Option<u32>, i64)>,
    /// Index in `clients` by (user, address, protocol), the keys in `client_keys`.
    client_index: ClientIndex,
    pub client_keys: Vec<(u32, u32, Access)>,
    pub clients: Vec<ClientLog>,
    pub server: FxMap<u32, ServerTally>,
    pub stats: JoinStats,
}

/// A [`Joiner::slot_pids`] entry's mark of a pid.
const PID_SET: u64 = 1 << 32;

/// In [`Ahead::slot`]: the record's session id is not in the index (a login not in the
/// logs, or evicted): it may join by pid, or open a session of an unknown address.
const MISS: u32 = NO_ID - 1;

fn access(p: Proc) -> Access {
    if p == Proc::Pop3 { Access::Pop3 } else { Access::Imap }
}

impl Joiner {
    pub fn new(filter: Filter) -> Joiner {
        Joiner { filter, ..Joiner::default() }
    }

    /// Prefetches, in stages, what [`Joiner::record`] will look up for the records ahead of
    /// `items[k]`, the next to be recorded: stage 0 asks for the index entries of the record
    /// 16 ahead; stage 1 (12 ahead) reads the session entry loaded by then and asks for its
    /// open session (none: the pid entry and the client of an unknown address, where an
    /// unmatched logout goes); stage 2 (6 ahead) its client's log (and the pid's slot);
    /// stage 3 (2 ahead) the log's end. What a stage found is kept in `ring` for the next
    /// stage: no lookup is done twice.
    pub fn prefetch(&self, items: &[super::scan::Item], k: usize, ring: &mut Ahead) {
        const MASK: usize = Ahead::LEN - 1;
        if let Some(Some(r)) = items.get(k + 16).map(|i| i.rec.as_ref()) {
            match r {
                Rec::Login { session, mpid, user, addr, proc, .. } => {
                    if let Some(s) = session {
                        self.by_session.prefetch(session_key(*s));
                    }
                    if let Some(pid) = mpid.filter(|_| session.is_none() || self.pids_all) {
                        self.by_pid.prefetch(pid);
                    }
                    self.client_index.prefetch((*user, *addr, access(*proc)));
                }
                Rec::Logout { id, .. } | Rec::Event { id, .. } => {
                    if let Some(s) = id.session {
                        self.by_session.prefetch(session_key(s));
                    }
                }
                Rec::Master { .. } => {}
            }
        }
        let j = k + 12;
        if let Some(item) = items.get(j) {
            ring.slot[j & MASK] = match item.rec {
                Some(
                    Rec::Logout { proc, id: id @ Id { session: Some(s), .. }, .. }
                    | Rec::Event { proc, id: id @ Id { session: Some(s), .. }, .. },
                ) => {
                    match self.by_session.peek(session_key(s)) {
                        Some(slot) => {
                            if let Some(o) = self.slab.get(slot as usize) {
                                // Not `o.is_some()`: reading the slot now would wait for it.
                                prefetch(o);
                            }
                            slot
                        }
                        None => {
                            if let Some(pid) = id.pid {
                                self.by_pid.prefetch(pid);
                            }
                            self.client_index.prefetch((id.user, UNKNOWN_ADDR, access(proc)));
                            MISS
                        }
                    }
                }
                _ => NO_ID,
            };
        }
        let j = k + 6;
        if j < items.len() {
            let slot = ring.slot[j & MASK];
            ring.client[j & MASK] = if slot == MISS {
                match items[j].rec {
                    Some(Rec::Logout { proc, id, .. } | Rec::Event { proc, id, .. }) => {
                        if let Some(s) = id.pid.and_then(|pid| self.by_pid.peek(pid))
                            && let Some(p) = self.slot_pids.get(s as usize)
                        {
                            prefetch(p);
                        }
                        let client = self.client_index.get((id.user, UNKNOWN_ADDR, access(proc)));
                        if let Some(log) = client.and_then(|c| self.clients.get(c as usize)) {
                            prefetch(log);
                        }
                        client.unwrap_or(NO_ID)
                    }
                    _ => NO_ID,
                }
            } else {
                match self.slab.get(slot as usize) {
                    Some(Some(open)) => {
                        if let Some(log) = self.clients.get(open.client as usize) {
                            prefetch(log);
                        }
                        open.client
                    }
                    _ => NO_ID,
                }
            };
        }
        let j = k + 2;
        if j < items.len()
            && let Some(log) = self.clients.get(ring.client[j & MASK] as usize)
        {
            log.prefetch_end();
        }
    }

    /// Takes one record at time `t` (Unix seconds).
    /// `counters`: those of the block, that [`Rec::Logout`] points into.
    pub fn record(&mut self, t: i64, r: &Rec, counters: &[Counters]) {
        match *r {
            Rec::Login { proc, user, addr, master, session, mpid, tls, secured } => {
                if proc == Proc::Server || !self.filter.time(t) {
                    return;
                }
                self.login(t, proc, user, addr, master, session, mpid, tls, secured);
            }
            Rec::Logout { proc, id, counters: c } => {
                // By reference: 80 bytes, copying them costs about as much as the rest.
                self.logout(t, proc, &id, counters.get(c as usize).unwrap_or(&Counters::NONE));
            }
            Rec::Event { proc, id, event } => self.event(t, proc, &id, event),
            Rec::Master { user, master } => {
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
        session: Option<Fingerprint>,
        mpid: Option<u32>,
        tls: bool,
        secured: bool,
    ) {
        if !self.masters.is_empty()
            && let Some((m, at)) = self.masters.remove(&user)
            && t - at <= MASTER_WINDOW_SECS
        {
            // "Master user logging in as X" without the master's name: still a master login.
            master = master.or(m).or_else(|| Some(self.master_user()));
        }
        if let Some(s) = session
            && let Some(old) = self.by_session(s)
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
        self.insert(Open::new(user, addr, access(proc), t, protection, master, session), mpid);
        if self.live > MAX_OPEN {
            self.evict(t);
        }
    }

    fn master_user(&mut self) -> u32 {
        let names = &self.names;
        *self.master_user.get_or_insert_with(|| lock(&names.users).id(b"(master user)"))
    }

    fn by_pid(&self, pid: u32) -> Option<u32> {
        let slot = self.by_pid.find(pid, |_| true)?;
        (self.slot_pids.get(slot as usize) == Some(&(PID_SET | u64::from(pid)))).then_some(slot)
    }

    /// The index of a client's log, made on first use.
    fn client(&mut self, key: (u32, u32, Access)) -> u32 {
        let next = self.clients.len() as u32;
        let i = self.client_index.get_or_insert(key, next);
        if i == next {
            self.client_keys.push(key);
            self.clients.push(ClientLog::default());
        }
        i
    }

    fn by_session(&self, s: Fingerprint) -> Option<u32> {
        let slab = &self.slab;
        self.by_session.find(session_key(s), |i| slab[i as usize].as_ref().and_then(Open::session) == Some(s))
    }

    fn insert(&mut self, mut open: Open, pid: Option<u32>) -> u32 {
        open.client = self.client((open.user, open.addr, open.access));
        open.serial = self.opened;
        self.opened += 1;
        let idx = match self.free.pop() {
            Some(i) => {
                // The next login's slot: a slot freed by an eviction is no longer cached.
                if let Some(&next) = self.free.last() {
                    prefetch(&self.slab[next as usize]);
                }
                i
            }
            None => {
                self.slab.push(None);
                self.slot_pids.push(0);
                (self.slab.len() - 1) as u32
            }
        };
        let (session, key) = (open.session(), (open.user, open.access));
        self.slab[idx as usize] = Some(open);
        self.slot_pids[idx as usize] = pid.map_or(0, |p| PID_SET | u64::from(p));
        let slab = &self.slab;
        if let Some(s) = session {
            if self.by_session.full() {
                self.by_session.rebuild(|_| true);
            }
            let same = |i: u32| i != idx && slab[i as usize].as_ref().and_then(Open::session) == Some(s);
            self.by_session.insert(session_key(s), idx, same);
        }
        if let Some(pid) = pid.filter(|_| session.is_none() || self.pids_all) {
            self.index_pid(pid, idx);
        }
        if let Some(by_user) = &mut self.by_user {
            by_user.entry(key).or_default().push(idx);
        }
        self.live += 1;
        idx
    }

    /// Points `pid` to the session in `slot`, the newest of that pid.
    fn index_pid(&mut self, pid: u32, slot: u32) {
        if self.by_pid.full() {
            let pids = &self.slot_pids;
            self.by_pid.rebuild(|e| pids[e as u32 as usize] == PID_SET | (e >> 32));
        }
        self.by_pid.insert(pid, slot, |_| true);
    }

    /// Makes the pid index hold every open session with a pid, the newest of each pid last.
    fn index_all_pids(&mut self) {
        self.pids_all = true;
        let mut open: Vec<(u64, u32, u32)> = (self.slab.iter().zip(&self.slot_pids).enumerate())
            .filter_map(|(i, (o, &p))| Some((o.as_ref()?.serial, p as u32, i as u32)).filter(|_| p & PID_SET != 0))
            .collect();
        open.sort_unstable();
        for (_, pid, slot) in open {
            self.index_pid(pid, slot);
        }
    }

    fn find(&mut self, proc: Proc, id: &Id) -> Option<u32> {
        if let Some(s) = id.session
            && let Some(i) = self.by_session(s)
        {
            return Some(i);
        }
        // A process id is reused: the open login it names must be this user's, for this
        // protocol (else a logout whose login is in an older file would join the stale
        // login of another user that once had the same pid); and for a line naming its
        // session, one logged without a session id (see `pids_all`).
        if id.session.is_none() && id.pid.is_some() && !self.pids_all {
            self.index_all_pids();
        }
        if let Some(pid) = id.pid
            && let Some(i) = self.by_pid(pid)
            && self.slab[i as usize].as_ref().is_some_and(|o| {
                o.user == id.user && o.access == access(proc) && (id.session.is_none() || o.session.is_none())
            })
        {
            return Some(i);
        }
        if id.session.is_some() || id.pid.is_some() {
            return None;
        }
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
        let open = by_user.get(&(id.user, access(proc)))?;
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
    fn find_or_open(&mut self, t: i64, proc: Proc, id: &Id) -> Option<u32> {
        if let Some(i) = self.find(proc, id) {
            return Some(i);
        }
        if !self.filter.time(t) {
            return None;
        }
        self.stats.unmatched += 1;
        Some(
            self.insert(
                Open::new(id.user, UNKNOWN_ADDR, access(proc), t, Protection::Unknown, None, id.session),
                id.pid,
            ),
        )
    }

    fn logout(&mut self, t: i64, proc: Proc, id: &Id, c: &Counters) {
        if let Some(i) = self.find_or_open(t, proc, id) {
            self.close(i, Some((t, c)));
        }
    }

    fn event(&mut self, t: i64, proc: Proc, id: &Id, e: Ev) {
        if proc == Proc::Server {
            if let Ev::Expunge { folder, .. } = e
                && self.filter.time(t)
            {
                let s = self.server.entry(id.user).or_default();
                s.messages += 1;
                push_few(&mut s.folders, folder);
            }
            return;
        }
        let Some(i) = self.find_or_open(t, proc, id) else { return };
        // A POP3 session's tally would be dropped when it closes (see `close`).
        let Some(open) = self.slab[i as usize].as_mut().filter(|o| o.access == Access::Imap) else { return };
        let ev = open.events.get_or_insert_with(Box::default);
        match e {
            Ev::Expunge { trash, .. } => {
                ev.expunged += 1;
                if trash {
                    ev.expunged_in_trash += 1;
                }
            }
            Ev::Delete => ev.flagged_deleted += 1,
            Ev::Copy { folder, trash } => {
                if trash {
                    ev.trashed += 1;
                } else {
                    ev.filed += 1;
                    push_few(&mut ev.folders, folder);
                }
            }
        }
    }

    /// Removes an open session and adds it to its client's log.
    fn close(&mut self, i: u32, end: Option<(i64, &Counters)>) {
        let Some(open) = self.slab.get_mut(i as usize).and_then(Option::take) else { return };
        self.slot_pids[i as usize] = 0;
        self.free.push(i);
        self.live -= 1;
        if let Some(s) = open.session() {
            self.by_session.remove(session_key(s), i);
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
                top: c.get(Counter::Top).unwrap_or(0),
                retrieved: c.get(Counter::Retr).unwrap_or(0),
                retrieved_bytes: c.get(Counter::RetrBytes).unwrap_or(0),
                deleted: c.get(Counter::Del).unwrap_or(0),
                messages: c.get(Counter::Messages),
            }),
            Access::Imap => None,
        };
        let imap = match open.access {
            // mail_log events are exact (and see MOVE); logout counters are the fallback.
            Access::Imap => open.events.map(|b| *b).or_else(|| {
                counters.map(|c| ImapTally {
                    flagged_deleted: c.get(Counter::Deleted).unwrap_or(0),
                    expunged: c.get(Counter::Expunged).unwrap_or(0),
                    trashed: c.get(Counter::Trashed).unwrap_or(0),
                    ..ImapTally::default()
                })
            }),
            Access::Pop3 => None,
        };
        let master = (open.master != NO_ID).then_some(open.master);
        self.clients[open.client as usize].push(
            open.start,
            end.map(|(t, _)| t),
            open.protection,
            master,
            pop,
            imap.as_ref(),
        );
    }

    fn evict(&mut self, now: i64) {
        let stale: Vec<u32> = self
            .slab
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().filter(|o| now - o.start > STALE_SECS).map(|_| i as u32))
            .collect();
        self.close_unended(&stale);
    }

    /// Closes these open sessions (counter-less), in this order. They are many, at random
    /// places of the indexes and client logs: what each close touches is prefetched a few
    /// closes ahead, as [`Joiner::prefetch`] does for the records.
    fn close_unended(&mut self, slots: &[u32]) {
        const AHEAD: usize = 8;
        for (n, &i) in slots.iter().enumerate() {
            if let Some(Some(o)) = slots.get(n + AHEAD).and_then(|&j| self.slab.get(j as usize)) {
                if let Some(s) = o.session {
                    self.by_session.prefetch(session_key(s));
                }
                if let Some(log) = self.clients.get(o.client as usize) {
                    prefetch(log);
                }
            }
            if let Some(Some(o)) = slots.get(n + AHEAD / 2).and_then(|&j| self.slab.get(j as usize))
                && let Some(log) = self.clients.get(o.client as usize)
            {
                log.prefetch_end();
            }
            self.close(i, None);
        }
    }

    /// Closes what is still open (sessions still running when the logs end) and frees the
    /// indexes of open sessions.
    pub fn finish(&mut self) {
        let open: Vec<u32> = (0..self.slab.len() as u32).filter(|&i| self.slab[i as usize].is_some()).collect();
        self.close_unended(&open);
        self.slab = Vec::new();
        self.slot_pids = Vec::new();
        self.free = Vec::new();
        self.by_session = SlotTable::default();
        self.by_pid = SlotTable::default();
        self.by_user = None;
    }

    /// The names, once the parsing threads are done.
    pub fn take_names(&mut self) -> Names {
        match Arc::try_unwrap(std::mem::take(&mut self.names)) {
            Ok(shared) => shared.into_names(),
            Err(shared) => shared.snapshot(),
        }
    }
}

/// The hash of a byte string, as the interners use it: the same as [`hash_words`] of its
/// [`head_words`] when at most [`INLINE`] bytes long.
pub fn hash_bytes(s: &[u8]) -> u64 {
    let n = s.len();
    let h = hash_words(&head_words(s, 0, n), n);
    if n <= INLINE {
        return h;
    }
    // The rest 16 bytes at a time, the last 16 overlapping those before.
    let word = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    let mut h = h;
    let mut i = INLINE;
    while i + 16 < n {
        h = mum(word(i) ^ h, word(i + 8) ^ HASH_K[0]);
        i += 16;
    }
    mum(word(n - 16) ^ h, word(n - 8) ^ HASH_K[1])
}

/// Names up to this long are hashed from three words ([`head_words`], [`hash_words`]),
/// which the parsing threads' caches also compare and keep in place of the bytes.
pub const INLINE: usize = 24;

/// Odd constants with about as many ones as zeros (drawn at random).
const HASH_K: [u64; 6] = [
    0x91D9_3080_F9B4_39FD,
    0x3CEA_AF30_8142_C8EB,
    0x6276_55DA_A05F_1119,
    0x0FF9_BB51_0944_FE0D,
    0x6301_BBFC_A0C5_154F,
    0x9E37_79B9_7F4A_7C15,
];

/// Multiplies, then folds the 128-bit product: every bit of the result depends on most
/// bits of both factors.
#[inline(always)]
fn mum(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The first [`INLINE`] bytes of the name `data[start..start + len]` as little-endian
/// words, zero past its end. Reads the 24 bytes at `start` at once when `data` has them
/// (a name is followed by the rest of its line), else copies.
#[inline(always)]
pub fn head_words(data: &[u8], start: usize, len: usize) -> [u64; 3] {
    // The bytes `INLINE - len..` of `MASK`: ones under the name's bytes.
    const MASK: [u8; 2 * INLINE] = {
        let mut m = [0; 2 * INLINE];
        let mut i = 0;
        while i < INLINE {
            m[i] = 0xFF;
            i += 1;
        }
        m
    };
    let words = |b: &[u8; INLINE]| {
        let m = INLINE - len.min(INLINE);
        let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
        [word(b, 0) & word(&MASK, m), word(b, 8) & word(&MASK, m + 8), word(b, 16) & word(&MASK, m + 16)]
    };
    if let Some(b) = data.get(start..start + INLINE).and_then(|b| <&[u8; INLINE]>::try_from(b).ok()) {
        return words(b);
    }
    let mut b = [0; INLINE];
    let n = len.min(INLINE);
    b[..n].copy_from_slice(&data[start..start + n]);
    words(&b)
}

/// The hash of a name of length `len` whose [`head_words`] are `w`: the whole hash when it
/// is at most [`INLINE`] bytes long. Three multiplications, two of them side by side.
#[inline(always)]
pub fn hash_words(w: &[u64; 3], len: usize) -> u64 {
    let a = mum(w[0] ^ HASH_K[0], w[1] ^ HASH_K[1]);
    let b = mum(w[2] ^ HASH_K[2], len as u64 ^ HASH_K[3]);
    mum(a ^ HASH_K[4], b ^ HASH_K[5])
}

/// A session id's fingerprint: two independent 64-bit hashes (the first never 0, so that
/// an `Option` of it takes no more room).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(NonZeroU64, u64);

/// The [`Fingerprint`] of a session id: collisions are out of reach.
pub fn fingerprint(s: &[u8]) -> Fingerprint {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let (mut a, mut b) = (0x243F_6A88_85A3_08D3 ^ s.len() as u64, 0x1319_8A2E_0370_7344_u64);
    let mut chunks = s.chunks_exact(8);
    let mut mix = |w: u64| {
        a = (a ^ w).wrapping_mul(K1).rotate_left(29);
        b = (b ^ w.rotate_left(32)).wrapping_mul(K2).rotate_left(31);
    };
    for c in &mut chunks {
        mix(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        mix(u64::from_le_bytes(last));
    }
    let fin = |mut h: u64, k: u64| {
        h ^= h >> 33;
        h = h.wrapping_mul(k);
        h ^ (h >> 29)
    };
    Fingerprint(NonZeroU64::new(fin(a, K2) | 1).unwrap_or(NonZeroU64::MIN), fin(b, K1))
}

/// Whether a folder (its lossy UTF-8 name) is a Trash folder.
pub fn is_trash(mailbox: &str) -> bool {
    SpecialUse::from_name(mailbox) == Some(SpecialUse::Trash)
}

/// Adds a folder to a few kept, in first-seen order.
fn push_few(v: &mut Vec<u32>, folder: u32) {
    if v.len() < 8 && !v.contains(&folder) {
        v.push(folder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random inserts, lookups and removals agree with a `HashMap`, through rebuilds and
    /// the backward shifts of removals in long probe runs (few distinct homes).
    #[test]
    fn slot_table_agrees_with_a_map() {
        for keys in [7u32, 5000] {
            let mut t = SlotTable::default();
            let mut model: std::collections::HashMap<u32, u32> = Default::default();
            let mut seed = u64::from(keys);
            for step in 0..60_000u32 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let key = ((seed >> 33) as u32 % keys).wrapping_mul(0x9E37_79B1);
                match (seed >> 20) % 3 {
                    0 => {
                        if t.full() {
                            t.rebuild(|_| true);
                        }
                        t.insert(key, step, |_| true);
                        model.insert(key, step);
                    }
                    1 => {
                        if let Some(&slot) = model.get(&key) {
                            t.remove(key, slot);
                            model.remove(&key);
                        }
                    }
                    _ => {}
                }
                assert_eq!(t.find(key, |_| true), model.get(&key).copied(), "step {step}");
            }
            assert_eq!(t.len, model.len());
            for (&k, &v) in &model {
                assert_eq!(t.find(k, |_| true), Some(v));
            }
        }
    }

    /// The pid index (entries left behind on close, checked against `slot_pids`) finds the
    /// newest session opened with a pid while it is open, and nothing once it closed, through
    /// slot reuse and rebuilds of the table, as a map of the sessions does.
    #[test]
    fn pid_index_agrees_with_a_model() {
        let mut j = Joiner::new(Filter::default());
        // Sessions by serial number: the open ones, their slots and pids; the newest of each
        // pid among those logged in without a session id, and among all (from the switch to
        // indexing all, when the index is built from the open ones).
        let mut open: Vec<u64> = Vec::new();
        let mut slots: std::collections::HashMap<u64, u32> = Default::default();
        let mut pids: std::collections::HashMap<u64, u32> = Default::default();
        let (mut bare, mut all): (std::collections::HashMap<u32, u64>, std::collections::HashMap<u32, u64>) =
            Default::default();
        let mut seed = 42u64;
        for serial in 0..80_000u64 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let pid = (seed >> 33) as u32 % 2000;
            if serial == 40_000 {
                j.index_all_pids();
                let mut by_serial: Vec<u64> = open.iter().copied().filter(|s| pids.contains_key(s)).collect();
                by_serial.sort_unstable();
                all = by_serial.into_iter().map(|s| (pids[&s], s)).collect();
            }
            if !(seed >> 20).is_multiple_of(3) || open.is_empty() {
                let with_pid = !(seed >> 40).is_multiple_of(8);
                let user = (seed >> 45) as u32 % 50;
                let session = (seed >> 52).is_multiple_of(2).then(|| fingerprint(&serial.to_le_bytes()));
                let o = Open::new(user, 1, Access::Pop3, serial as i64, Protection::Tls, None, session);
                let slot = j.insert(o, with_pid.then_some(pid));
                open.push(serial);
                slots.insert(serial, slot);
                if with_pid {
                    pids.insert(serial, pid);
                    all.insert(pid, serial);
                    if session.is_none() {
                        bare.insert(pid, serial);
                    }
                }
            } else {
                let serial = open.swap_remove((seed >> 40) as usize % open.len());
                j.close(slots.remove(&serial).unwrap(), None);
            }
            let newest = if j.pids_all { &all } else { &bare };
            let expect = newest.get(&pid).and_then(|s| slots.get(s)).copied();
            // Before the switch, a session with an id found by pid is never joined that way.
            let got = j.by_pid(pid).filter(|&i| j.pids_all || j.slab[i as usize].as_ref().unwrap().session.is_none());
            assert_eq!(got, expect, "serial {serial} pid {pid}");
        }
        assert_eq!(j.live, open.len());
    }

    /// An eviction (prefetching a few closes ahead) leaves the same client logs, stats and
    /// free slots as closing the stale sessions one by one.
    #[test]
    fn eviction_closes_like_one_by_one() {
        let mut a = Joiner::new(Filter::default());
        let mut seed = 7u64;
        for n in 0..5_000u32 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let session = Some(fingerprint(&n.to_le_bytes()));
            let (user, addr) = ((seed >> 33) as u32 % 300, (seed >> 50) as u32 % 3);
            let start = i64::from((seed >> 20) as u32 % 4) * STALE_SECS;
            a.insert(Open::new(user, addr, Access::Imap, start, Protection::Plain, None, session), Some(n));
            if n % 5 == 0 {
                a.close(n / 2, Some((start + 9, &Counters::default())));
            }
        }
        let mut b = Joiner::new(Filter::default());
        b.slab = a.slab.iter().map(|o| o.as_ref().map(|o| Open { events: None, ..*o })).collect();
        (b.slot_pids, b.free, b.live, b.stats) = (a.slot_pids.clone(), a.free.clone(), a.live, a.stats);
        (b.client_keys, b.clients) = (a.client_keys.clone(), a.clients.clone());
        for (i, o) in b.slab.iter().enumerate() {
            if let Some(s) = o.as_ref().and_then(Open::session) {
                if b.by_session.full() {
                    b.by_session.rebuild(|_| true);
                }
                b.by_session.insert(session_key(s), i as u32, |_| false);
            }
        }
        let now = 3 * STALE_SECS + 1;
        a.evict(now);
        for i in 0..b.slab.len() {
            if b.slab[i].as_ref().is_some_and(|o| now - o.start > STALE_SECS) {
                b.close(i as u32, None);
            }
        }
        assert_eq!((a.live, a.stats, &a.free, &a.slot_pids), (b.live, b.stats, &b.free, &b.slot_pids));
        assert_eq!(format!("{:?}", a.clients), format!("{:?}", b.clients));
        assert!(a.live > 0 && a.stats.unclosed > 0);
        a.finish();
        b.finish();
        assert_eq!(format!("{:?}", a.clients), format!("{:?}", b.clients));
        assert_eq!(a.stats, b.stats);
    }

    #[test]
    fn same_compares_every_byte() {
        let s = b"user00042@example.org, and some more bytes";
        for n in 0..s.len() {
            assert!(same(&s[..n], &s[..n]));
            for i in 0..n {
                let mut t = s[..n].to_vec();
                t[i] ^= 1;
                assert!(!same(&s[..n], &t), "{n} {i}");
            }
            assert!(!same(&s[..n], &s[..n + 1]));
        }
    }

    #[test]
    fn interner_ids_are_stable_through_growth() {
        let mut i = Interner::default();
        let names: Vec<String> = (0..10_000).map(|n| format!("user{n:05}@example.org")).collect();
        let ids: Vec<u32> = names.iter().map(|n| i.id(n.as_bytes())).collect();
        assert_eq!(ids, (0..10_000).collect::<Vec<u32>>());
        for (n, &id) in names.iter().zip(&ids) {
            assert_eq!(i.id(n.as_bytes()), id);
            assert_eq!(i.name(id), *n);
        }
        assert_eq!(i.len(), 10_000);
    }

    #[test]
    fn fingerprints_differ_and_fit_an_option() {
        assert_eq!(std::mem::size_of::<Option<Fingerprint>>(), 16);
        let a = fingerprint(b"n+p509Rg/Lx/AAAB");
        assert_eq!(a, fingerprint(b"n+p509Rg/Lx/AAAB"));
        assert_ne!(a, fingerprint(b"n+p509Rg/Lx/AAAC"));
        assert_ne!(fingerprint(b""), fingerprint(b"\0"));
        assert_ne!(fingerprint(b"abcdefgh"), fingerprint(b"abcdefgh\0"));
    }
}
