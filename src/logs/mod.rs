//! Server logs: reads Dovecot logs (its own `log_path` files and syslog/journal text
//! exports, plain, gzip-rotated or stdin) and turns them into per-user client timelines
//! for [`crate::model::verdict`].
//!
//! The hot path works on `&[u8]` lines cut from large blocks: a line is looked at only
//! if its timestamp parses and a Dovecot service name (`pop3(`, `imap(`, `*-login:`,
//! `auth`, `lmtp(`, `doveadm(`) follows it; no regex, no per-line allocation. Blocks are
//! read (a plain file is mapped read-only and each thread parses its own chunks in place,
//! see [`map`] for a file truncated meanwhile; streams are read in turn) and parsed by one
//! thread per core ([`scan`], which also interns names), and joined in log order by
//! whichever of them finds the next block ready ([`pipeline`]): the clock's year inference
//! and the joins see the lines in the order of the file. The reports are then built (and
//! rendered) by one thread per core, a few batches ahead of the writer
//! ([`Joined::each_batch`]); the status of all of them is known without building them
//! ([`Joined::status`]).
//!
//! * [`input`] opens and cuts inputs into lines and blocks ([`map`] maps plain files);
//!   [`time`] reads timestamps (and infers missing years); [`line`](mod@line) parses one
//!   line; [`scan`] parses a block; [`join`] joins lines into sessions, kept per client in
//!   a [`client::ClientLog`].

pub mod client;
pub mod input;
pub mod join;
pub mod line;
pub mod map;
mod mask;
mod pipeline;
pub mod scan;
pub mod time;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::model::Status;
use crate::model::verdict::{Access, BoxReport, ClientTimeline, ClientTotals, client_status};

pub use join::Filter;

/// How to read the logs.
#[derive(Debug, Clone)]
pub struct Options {
    pub filter: Filter,
    /// `--year`: the year of the first line of each file (syslog timestamps have none).
    pub year: Option<i32>,
    /// The zone of timestamps without an offset.
    pub tz: TimeZone,
    /// Reference time for inputs without an mtime (stdin).
    pub now: Timestamp,
}

/// What reading one input found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputStats {
    /// The path as given (`-` for stdin).
    pub path: PathBuf,
    pub gzip: bool,
    pub lines: u64,
    /// Dovecot POP/IMAP/login/auth/delivery lines.
    pub relevant: u64,
    /// Relevant lines that could not be parsed (truncated, garbled, no timestamp).
    pub unparsable: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

/// The result of reading all inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub inputs: Vec<InputStats>,
    /// One report per user seen, by user name.
    pub boxes: Vec<BoxReport>,
    pub stats: join::JoinStats,
}

/// An input that could not be read: its path and the error (the caller names the action).
#[derive(Debug)]
pub struct InputError {
    pub path: PathBuf,
    pub error: io::Error,
}

/// Reads the inputs in order (oldest first gives the best joins; any order works).
pub fn analyze(paths: &[PathBuf], opts: &Options) -> Result<Analysis, InputError> {
    let joined = read(paths, opts)?;
    let boxes = joined.boxes();
    Ok(Analysis { inputs: joined.inputs, boxes, stats: joined.stats })
}

/// The inputs read and joined, before the per-user reports are built: reports can then be
/// built one at a time ([`Joined::box_report`]) instead of all at once.
pub struct Joined {
    pub inputs: Vec<InputStats>,
    pub stats: join::JoinStats,
    joiner: join::Joiner,
    names: join::Names,
    /// The users seen, by name.
    users: Vec<UserClients>,
    /// Their clients, each user's a range, in the order of the joiner's client logs.
    clients: Vec<Client>,
}

/// A client of a user: (address id, protocol, index of its log).
type Client = (u32, Access, u32);

/// One user: its id (named by the interner) and its range in [`Joined::clients`].
struct UserClients {
    user: u32,
    clients: std::ops::Range<usize>,
}

/// Reads and joins the inputs in order (oldest first gives the best joins; any order works).
pub fn read(paths: &[PathBuf], opts: &Options) -> Result<Joined, InputError> {
    let mut joiner = join::Joiner::new(opts.filter.clone());
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        let stats = read_one(path, opts, &mut joiner).map_err(|error| InputError { path: path.clone(), error })?;
        inputs.push(stats);
    }
    joiner.finish();
    let names = joiner.take_names();
    let (users, clients) = users(&joiner.client_keys, joiner.server.keys().copied(), &names.users);
    Ok(Joined { inputs, stats: joiner.stats, joiner, names, users, clients })
}

/// Boxes built (and rendered, see [`Joined::each_batch`]) per batch handed to a thread.
const BOX_BATCH: usize = 64;

/// POP clients looked at per batch handed to a thread by [`Joined::status`].
const STATUS_BATCH: usize = 256;

impl Joined {
    /// How many users (boxes) there are.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The report of the `i`th user by name: its clients' timelines replayed and judged.
    pub fn box_report(&self, i: usize) -> BoxReport {
        thread_local! {
            /// One timeline per thread, its buffers reused from client to client.
            static TIMELINE: std::cell::RefCell<ClientTimeline> = Default::default();
        }
        let u = &self.users[i];
        let (j, names) = (&self.joiner, &self.names);
        let mut summaries: Vec<_> = TIMELINE.with_borrow_mut(|t| {
            self.clients[u.clients.clone()]
                .iter()
                .enumerate()
                .map(|(k, &(addr, access, client))| {
                    self.prefetch_ahead(u.clients.start + k);
                    let address =
                        if addr == join::UNKNOWN_ADDR { "unknown".to_string() } else { names.addrs.name(addr) };
                    t.clear();
                    j.clients[client as usize].replay_into(t, |id| names.users.name(id), |id| names.folders.name(id));
                    t.take_summary(address, access)
                })
                .collect()
        });
        summaries.sort_by(|a, b| (a.access, &a.address).cmp(&(b.access, &b.address)));
        let server = j.server.get(&u.user).map(|s| s.expunges(names)).unwrap_or_default();
        BoxReport::new(names.users.name(u.user), summaries, server)
    }

    /// The status of the `i`th user's report, without building it (see [`Joined::status`]).
    pub fn box_status(&self, i: usize) -> Status {
        let u = &self.users[i];
        let warns = |(k, &(_, access, client)): (usize, &Client)| {
            self.prefetch_ahead(u.clients.start + k);
            self.warns(access, client)
        };
        if self.clients[u.clients.clone()].iter().enumerate().any(warns) { Status::Warning } else { Status::Ok }
    }

    /// Asks the CPU for the logs of the clients a few places after `at` in [`Joined::clients`]
    /// (of this user or the next ones): the logs are scattered in memory and read once each,
    /// in that order.
    fn prefetch_ahead(&self, at: usize) {
        let log = |n: usize| self.clients.get(at + n).map(|c| &self.joiner.clients[c.2 as usize]);
        if let Some(log) = log(4) {
            join::prefetch(log);
        }
        if let Some(log) = log(2) {
            log.prefetch_start();
        }
    }

    /// Whether a client makes its box's status worse than OK: it deletes by POP
    /// ([`client_status`]), which its log tells without
    /// a timeline.
    fn warns(&self, access: Access, client: u32) -> bool {
        access == Access::Pop3 && {
            let deleted = self.joiner.clients[client as usize].pop_deleted();
            client_status(access, &ClientTotals { deleted, ..ClientTotals::default() }) != Status::Ok
        }
    }

    /// The worst status of all the boxes, without building them: only POP clients can make
    /// one worse than OK ([`ClientTimeline::status`](crate::model::verdict::ClientTimeline::status)),
    /// so only their logs are read ([`ClientLog::pop_deleted`](client::ClientLog::pop_deleted)),
    /// on one thread per core, up to the first warning.
    pub fn status(&self) -> Status {
        let clients = &self.joiner.client_keys;
        let batches = clients.len().div_ceil(STATUS_BATCH);
        let (next, found) = (AtomicUsize::new(0), AtomicBool::new(false));
        let work = || {
            while !found.load(Ordering::Relaxed) {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches {
                    return;
                }
                let end = ((b + 1) * STATUS_BATCH).min(clients.len());
                for (k, &(_, _, access)) in clients[b * STATUS_BATCH..end].iter().enumerate() {
                    if self.warns(access, (b * STATUS_BATCH + k) as u32) {
                        found.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4).min(batches);
        if threads <= 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(work);
                }
            });
        }
        if found.into_inner() { Status::Warning } else { Status::Ok }
    }

    /// Every user's report, by name.
    pub fn boxes(&self) -> Vec<BoxReport> {
        let mut out = Vec::with_capacity(self.len());
        let _ = self.each_box(&mut |b| {
            out.push(b.clone());
            Ok(())
        });
        out
    }

    /// Calls `f` on every user's report, by name, stopping at its first error. Other threads
    /// build the reports a few batches ahead: memory holds those batches, not every report.
    pub fn each_box(&self, f: &mut dyn FnMut(&BoxReport) -> io::Result<()>) -> io::Result<()> {
        let add = |batch: &mut Vec<BoxReport>, i| batch.push(self.box_report(i));
        self.each_batch(&add, &mut |batch| batch.iter().try_for_each(&mut *f))
    }

    /// Hands every user, by name, to `add` on other threads in batches, each folded into a
    /// `T` there (`add` builds the user's report with [`Joined::box_report`] and renders
    /// it, say), and calls `f` on the batches in order, stopping at its first error. Memory
    /// holds a few batches, not every report.
    pub fn each_batch<T: Default + Send>(
        &self,
        add: &(dyn Fn(&mut T, usize) + Sync),
        f: &mut dyn FnMut(T) -> io::Result<()>,
    ) -> io::Result<()> {
        let batches = self.len().div_ceil(BOX_BATCH);
        let build = |b: usize| {
            let mut batch = T::default();
            for i in b * BOX_BATCH..((b + 1) * BOX_BATCH).min(self.len()) {
                add(&mut batch, i);
            }
            batch
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        if threads == 1 || batches <= 1 {
            return (0..batches).try_for_each(|b| f(build(b)));
        }
        let next = AtomicUsize::new(0);
        // Tokens bound the batches built ahead of `f`.
        let (token_tx, token_rx) = mpsc::sync_channel::<()>(2 * threads);
        for _ in 0..2 * threads {
            let _ = token_tx.send(());
        }
        let token_rx = Mutex::new(token_rx);
        let (done_tx, done_rx) = mpsc::channel::<(usize, T)>();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (next, token_rx, done_tx, build) = (&next, &token_rx, done_tx.clone(), &build);
                scope.spawn(move || {
                    loop {
                        let got = token_rx.lock().map_err(drop).and_then(|rx| rx.recv().map_err(drop));
                        if got.is_err() {
                            return;
                        }
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        if b >= batches || done_tx.send((b, build(b))).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(done_tx);
            // Owns the channels: returning (an error from `f`: a closed pipe) drops them,
            // which stops the threads (they would otherwise wait for tokens for ever).
            let mut consume = |token_tx: mpsc::SyncSender<()>, done_rx: mpsc::Receiver<(usize, T)>| {
                let mut pending = BTreeMap::new();
                for b in 0..batches {
                    let Some(batch) = pipeline::in_order(b, &mut pending, &done_rx) else {
                        return Err(io::Error::other("a thread building reports stopped"));
                    };
                    f(batch)?;
                    let _ = token_tx.send(());
                }
                Ok(())
            };
            consume(token_tx, done_rx)
        })
    }
}

/// The users, by name, and their clients: the users of `clients` (the joiner's client
/// keys) and `server` (users with server expunges), each named once. Names are compared as
/// the report shows them (lossy UTF-8, `?` for an unknown id) without allocating them; two
/// ids with the same such name are one user (the first seen: by client, then by `server`
/// order), with their clients in client order.
fn users(
    clients: &[(u32, u32, Access)],
    server: impl Iterator<Item = u32>,
    names: &join::Interner,
) -> (Vec<UserClients>, Vec<Client>) {
    const UNSEEN: usize = usize::MAX;
    let server: Vec<u32> = server.collect();
    let ids = clients.iter().map(|c| c.0).chain(server.iter().copied()).max().map_or(0, |m| m as usize + 1);
    // When each id was first seen: its first client, else after every client, in `server` order.
    let mut seen = vec![UNSEEN; ids];
    for (k, &(user, _, _)) in clients.iter().enumerate() {
        if seen[user as usize] == UNSEEN {
            seen[user as usize] = k;
        }
    }
    for (k, &user) in server.iter().enumerate() {
        if seen[user as usize] == UNSEEN {
            seen[user as usize] = clients.len() + k;
        }
    }
    let name = |id: u32| {
        if (id as usize) < names.len() { String::from_utf8_lossy(names.bytes(id)) } else { "?".into() }
    };
    let mut order: Vec<(std::borrow::Cow<'_, str>, usize, u32)> =
        (0..ids as u32).filter(|&id| seen[id as usize] != UNSEEN).map(|id| (name(id), seen[id as usize], id)).collect();
    order.sort_unstable();
    // Each id's user (index in `users`), and each user's first id.
    let mut user_of = vec![0u32; ids];
    let mut users: Vec<UserClients> = Vec::with_capacity(order.len());
    for (k, (n, _, id)) in order.iter().enumerate() {
        if k == 0 || order[k - 1].0 != *n {
            users.push(UserClients { user: *id, clients: 0..0 });
        }
        user_of[*id as usize] = users.len() as u32 - 1;
    }
    // Counting sort of the clients by user, stable: each user's clients stay in client order.
    let mut ends = vec![0usize; users.len()];
    for &(user, _, _) in clients {
        ends[user_of[user as usize] as usize] += 1;
    }
    let mut start = 0;
    for (u, end) in users.iter_mut().zip(&mut ends) {
        u.clients = start..start + *end;
        start += *end;
        *end = u.clients.start;
    }
    let mut flat = vec![(0, Access::Pop3, 0); clients.len()];
    for (k, &(user, addr, access)) in clients.iter().enumerate() {
        let slot = &mut ends[user_of[user as usize] as usize];
        flat[*slot] = (addr, access, k as u32);
        *slot += 1;
    }
    (users, flat)
}

/// Parsed blocks in flight (memory: this many blocks' records, plus, for inputs not
/// mapped, one read buffer of [`input::CHUNK`] per thread).
const POOL: usize = 8;

/// Reads one input: blocks are read, parsed and joined in order by the worker threads.
fn read_one(path: &Path, opts: &Options, joiner: &mut join::Joiner) -> io::Result<InputStats> {
    read_opened(path, input::open(path)?, opts, joiner)
}

/// Reads an opened input (see [`read_one`]). Every thread (this one too) takes the next
/// block, parses it, and then joins the blocks parsed so far in order, unless another
/// thread is joining them: one thread per core, none waiting while there is work, and the
/// joins see the lines in the order of the file.
fn read_opened(
    path: &Path,
    opened: input::Opened,
    opts: &Options,
    joiner: &mut join::Joiner,
) -> io::Result<InputStats> {
    let reference = opened.modified.and_then(|m| Timestamp::try_from(m).ok()).unwrap_or(opts.now);
    let stats = InputStats { path: path.to_path_buf(), gzip: opened.gzip, ..InputStats::default() };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let source = match opened.source {
        input::Source::Mapped(map) => Source::Mapped { map, next: AtomicU64::new(0) },
        input::Source::File { file, size } => Source::File { file, size, next: AtomicU64::new(0) },
        input::Source::Stream(r) => {
            Source::Stream(Mutex::new(Stream { blocks: input::Blocks::new(r), seq: 0, done: false }))
        }
    };
    let shared = joiner.names.clone();
    let joining = Joining {
        joiner,
        clock: time::Clock::new(opts.tz.clone(), reference, opts.year),
        stats,
        first: None,
        last: None,
        prev: None,
        ahead: join::Ahead::default(),
    };
    let pipe = pipeline::Pipeline::new((0..POOL).map(|_| Box::default()), joining);
    std::thread::scope(|scope| {
        let worker = || work(&source, &pipe, scan::Scanner::new(&opts.filter, &shared));
        for _ in 1..workers {
            scope.spawn(worker);
        }
        worker();
    });
    let (j, end) = pipe.into_inner();
    end.unwrap_or_else(|| Err(io::Error::other("a thread reading the log stopped")))?;
    if let Source::Mapped { map, .. } = &source {
        // Once every block is in: the file must not have shrunk meanwhile.
        map.check()?;
    }
    let mut st = j.stats;
    st.first = j.first.and_then(|t| Timestamp::from_second(t).ok());
    st.last = j.last.and_then(|t| Timestamp::from_second(t).ok());
    Ok(st)
}

/// The joining side of [`read_opened`], held by one thread at a time.
struct Joining<'a> {
    joiner: &'a mut join::Joiner,
    clock: time::Clock,
    stats: InputStats,
    /// The first and last times seen.
    first: Option<i64>,
    last: Option<i64>,
    /// The last timestamp resolved and its time (`None`: an impossible date).
    prev: Option<(time::RawTime, Option<i64>)>,
    ahead: join::Ahead,
}

impl Joining<'_> {
    /// Joins one parsed block, the next in order.
    fn block(&mut self, s: &scan::Scanned) {
        let st = &mut self.stats;
        st.lines += s.lines;
        st.relevant += s.relevant;
        st.unparsable += s.unparsable;
        for (k, item) in s.items.iter().enumerate() {
            self.joiner.prefetch(&s.items, k, &mut self.ahead);
            // Items in a row mostly share their timestamp, and resolving a timestamp
            // again right after gives the same time: only a new one is resolved (and
            // only a new time can move the first and last).
            let t = match self.prev {
                Some((raw, t)) if raw == item.raw => t,
                _ => {
                    let t = self.clock.resolve(item.raw);
                    if let Some(t) = t {
                        self.first = Some(self.first.map_or(t, |f| f.min(t)));
                        self.last = Some(self.last.map_or(t, |l| l.max(t)));
                    }
                    self.prev = Some((item.raw, t));
                    t
                }
            };
            let Some(t) = t else {
                st.unparsable += 1 + u64::from(item.repeat);
                continue;
            };
            if let Some(rec) = &item.rec {
                self.joiner.record(t, rec, &s.counters);
            }
        }
    }
}

/// Where the worker threads take their blocks.
enum Source {
    /// Chunk `next` is the next to parse; any thread parses any chunk, in place.
    Mapped { map: map::Mapping, next: AtomicU64 },
    /// Chunk `next` is the next to read; any thread reads any chunk.
    File { file: std::fs::File, size: u64, next: AtomicU64 },
    /// One reader, in turn.
    Stream(Mutex<Stream>),
}

struct Stream {
    blocks: input::Blocks<Box<dyn io::Read + Send>>,
    /// The number of the next block, for the joiner's ordering.
    seq: u64,
    done: bool,
}

/// Blocks between the threads of [`read_opened`]: the last is the input's end or error.
type Pipe<'a> = pipeline::Pipeline<Box<scan::Scanned>, Joining<'a>, io::Result<()>>;

/// A parsed block, or the input's end or error.
type Step = pipeline::Step<Box<scan::Scanned>, io::Result<()>>;

/// A worker thread: takes a free buffer, parses the next block into it, and joins the
/// blocks ready ([`pipeline`]), until the end of the input.
fn work(source: &Source, pipe: &Pipe<'_>, mut scanner: scan::Scanner<'_>) {
    let mut block = input::Block::default();
    while let Some(s) = pipe.take() {
        let Some((seq, step)) = parse_next(source, &mut scanner, &mut block, s) else { return };
        let last = matches!(step, Step::Last(_));
        pipe.put(seq, step, &|j, s| j.block(s));
        if last {
            return;
        }
    }
}

/// Reads and parses the next block of `source` into `s`: its number and what came of it;
/// `None` when a stream already ended.
fn parse_next(
    source: &Source,
    scanner: &mut scan::Scanner<'_>,
    block: &mut input::Block,
    mut s: Box<scan::Scanned>,
) -> Option<(u64, Step)> {
    let (seq, got) = match source {
        Source::Mapped { map, next } => {
            let seq = next.fetch_add(1, Ordering::Relaxed);
            let Some(lines) = input::chunk_lines(map.bytes(), seq) else { return Some((seq, Step::Last(Ok(())))) };
            let off = lines.data.as_ptr() as usize - map.bytes().as_ptr() as usize;
            scanner.scan(&lines, &mut s);
            // Parsed: its pages need not count in our memory (they stay cached).
            map.release(off..off + lines.data.len());
            // A page that vanished read as zeros: the block is worthless.
            return Some((seq, map.check_faults().map_or_else(|e| Step::Last(Err(e)), |()| Step::Block(s))));
        }
        Source::File { file, size, next } => {
            let seq = next.fetch_add(1, Ordering::Relaxed);
            (seq, input::read_chunk(file, *size, seq, block))
        }
        Source::Stream(stream) => {
            let mut r = stream.lock().ok()?;
            if r.done {
                return None;
            }
            let seq = r.seq;
            r.seq += 1;
            let got = r.blocks.next_into(block);
            r.done = !matches!(got, Ok(true));
            (seq, got)
        }
    };
    Some((
        seq,
        match got {
            Ok(true) => {
                scanner.scan(&block.view(), &mut s);
                Step::Block(s)
            }
            Ok(false) => Step::Last(Ok(())),
            Err(e) => Step::Last(Err(e)),
        },
    ))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod users_tests {
    use super::*;

    /// What `users` did with a map of owned names: the reference.
    fn by_map(
        clients: &[(u32, u32, Access)],
        server: &[u32],
        names: &join::Interner,
    ) -> Vec<(String, u32, Vec<Client>)> {
        let mut by_user: std::collections::BTreeMap<String, (u32, Vec<Client>)> = Default::default();
        for (client, &(user, addr, access)) in clients.iter().enumerate() {
            by_user.entry(names.name(user)).or_insert((user, Vec::new())).1.push((addr, access, client as u32));
        }
        for &user in server {
            by_user.entry(names.name(user)).or_insert((user, Vec::new()));
        }
        by_user.into_iter().map(|(name, (user, clients))| (name, user, clients)).collect()
    }

    #[test]
    fn users_are_sorted_and_merged_by_name_as_a_map_of_names_would() {
        let mut names = join::Interner::default();
        // Invalid UTF-8 names that read the same once lossy ("\u{fffd}x"), a name that sorts
        // differently as bytes and as text, and ids the interner never gave ("?").
        let raw: [&[u8]; 8] = [b"bob", b"alice", b"\xffx", b"\xfex", b"zed", b"\xc3\xa9mile", b"?", b"carol"];
        for r in raw {
            names.id(r);
        }
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for round in 0..200 {
            let n = next(40) as usize;
            let clients: Vec<(u32, u32, Access)> = (0..n)
                .map(|_| {
                    let access = if next(2) == 0 { Access::Pop3 } else { Access::Imap };
                    (next(10) as u32, next(5) as u32, access)
                })
                .collect();
            let server: Vec<u32> = (0..next(6)).map(|_| next(11) as u32).collect();
            let (users, flat) = users(&clients, server.iter().copied(), &names);
            let got: Vec<(String, u32, Vec<Client>)> =
                users.iter().map(|u| (names.name(u.user), u.user, flat[u.clients.clone()].to_vec())).collect();
            assert_eq!(got, by_map(&clients, &server, &names), "round {round}: {clients:?} {server:?}");
        }
    }
}
