//! `archive` over POP3: INBOX by UIDL (the only stable name a POP3 message has), dates
//! from the headers (`TOP n 0`: the newest `Received:` field, else `Date:`), streamed
//! `RETR`, and `DELE` of exactly the archived messages. Nothing leaves the server before
//! `QUIT` is answered `+OK`: a session that ends any other way deleted nothing.
//!
//! POP3 has no flags and no folders: every message counts as read and unflagged, and the
//! folder is always `INBOX`. Message numbers hold for one session only; callers address
//! messages by UIDL and this adapter turns a UIDL into the session's number.
//!
//! Where the server offers PIPELINING (RFC 2449), `TOP`, `RETR` and `DELE` go out a
//! window ahead of their answers ([`Window`]), so a run costs a few round trips instead
//! of two or three per message; the caller announces the order it will fetch in
//! ([`PopArchiveSession::plan_fetches`]). Answers stream through the client's buffer as
//! before: the window bounds the commands in flight, never the memory. Without
//! PIPELINING every command waits for its answer.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use anyhow::{Context, Result};
use jiff::Timestamp;
use tokio::io::AsyncWrite;

use super::client::{Ahead, Pop3Client};
use crate::model::ServerSpec;
use crate::model::archive::{Candidate, Criteria, Flags};
use crate::model::mime::header;
use crate::net::NetSettings;
use crate::secret::Credentials;

/// One message of the maildrop as this session numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub msgno: u32,
    pub uidl: String,
    /// The LIST size (octets with CRLF line endings, as RETR sends them).
    pub size: u64,
}

/// What a `RETR` learned besides the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retrieved {
    /// The LIST size.
    pub size: u64,
    /// Bytes received after unstuffing (to compare with `size`).
    pub bytes: u64,
    /// The arrival date from the message's own header (see [`dates`]), when asked for.
    pub received: Option<Timestamp>,
}

/// How many commands of one kind may be in flight, and (for RETR) how many announced
/// bytes: enough to keep the connection busy across a round trip, few enough that an
/// aborted run wasted little. The answers wait in the socket buffers and the bounded
/// read-ahead queue ([`crate::net::ReadAhead`]), not in memory that grows with them.
///
/// RETR's window must also cover the pause at the end of each batch (flush, read back,
/// journal: several milliseconds during which no new RETR is sent): with 32 commands /
/// 8 MiB the server ran dry there; 128 / 16 MiB gave 12 % more throughput, 256 / 32 MiB
/// nothing more (POP3 copy of 0.6 GB, run alone on the machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub commands: usize,
    pub bytes: u64,
}

impl Window {
    pub const TOP: Window = Window { commands: 64, bytes: u64::MAX };
    pub const RETR: Window = Window { commands: 128, bytes: 16 * 1024 * 1024 };
    pub const DELE: Window = Window { commands: 256, bytes: u64::MAX };
    /// No pipelining: one command, then its answer.
    pub const LOCK_STEP: Window = Window { commands: 1, bytes: u64::MAX };

    /// How many of `next` (sizes, in order) to send now, with `count` commands of
    /// `bytes` announced bytes in flight. Nothing until the window is half empty, so
    /// commands go out in bunches; then up to the window, and always at least one when
    /// nothing is in flight (a message bigger than the byte window goes alone).
    pub fn refill(&self, count: usize, bytes: u64, next: impl IntoIterator<Item = u64>) -> usize {
        if count > self.commands / 2 {
            return 0;
        }
        let (mut n, mut total) = (0, bytes);
        for size in next {
            if count + n >= self.commands || (count + n > 0 && total.saturating_add(size) > self.bytes) {
                break;
            }
            total = total.saturating_add(size);
            n += 1;
        }
        n
    }
}

/// A logged-in POP3 session used by `archive`.
pub struct PopArchiveSession {
    client: Pop3Client,
    by_uidl: HashMap<String, Listed>,
    listed: Vec<Listed>,
    /// The server offers PIPELINING.
    pipelining: bool,
    /// The messages the caller will fetch next, in order ([`Self::plan_fetches`]).
    upcoming: VecDeque<Listed>,
    /// RETRs sent ahead, oldest first: their answers are the next to read.
    ahead: VecDeque<Listed>,
}

impl PopArchiveSession {
    /// Connects, logs in and lists the maildrop (LIST and UIDL).
    pub async fn open(
        spec: &ServerSpec,
        net: &NetSettings,
        creds: &Credentials,
        allow_plaintext: bool,
        source: &str,
    ) -> Result<PopArchiveSession> {
        let (mut client, _) = Pop3Client::connect(spec, net, allow_plaintext)
            .await
            .with_context(|| format!("cannot connect to {source}"))?;
        client.login(creds).await?;
        // The RETRs sent ahead keep arriving while a batch is flushed and read back.
        let mut client = if client.pipelining() { client.read_ahead() } else { client };
        let sizes: HashMap<u32, u64> = client.list().await?.into_iter().collect();
        let uidls = client.uidl().await.map_err(|e| {
            crate::error::failure_hint(
                crate::error::one_line(&e),
                "archive needs UIDL to recognise messages between runs; this server cannot be archived over POP3, use IMAP",
            )
        })?;
        // RFC 1939 makes UIDLs unique; a server that repeats one cannot be archived
        // safely for those messages, so none of them is taken.
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (_, uidl) in &uidls {
            *seen.entry(uidl.as_str()).or_default() += 1;
        }
        let mut listed = Vec::with_capacity(uidls.len());
        for (msgno, uidl) in &uidls {
            if let Some(&size) = sizes.get(msgno)
                && seen[uidl.as_str()] == 1
            {
                listed.push(Listed { msgno: *msgno, uidl: uidl.clone(), size });
            }
        }
        let by_uidl = listed.iter().map(|l| (l.uidl.clone(), l.clone())).collect();
        // The capabilities after login are the ones that hold for this session.
        client.capa().await?;
        let pipelining = client.pipelining();
        Ok(PopArchiveSession { client, by_uidl, listed, pipelining, upcoming: VecDeque::new(), ahead: VecDeque::new() })
    }

    /// Whether commands are sent ahead of their answers (the server offers PIPELINING).
    pub fn pipelining(&self) -> bool {
        self.pipelining
    }

    /// Every message of the maildrop, in the server's order.
    pub fn listed(&self) -> &[Listed] {
        &self.listed
    }

    /// Whether the maildrop (as listed at login) holds this UIDL.
    pub fn holds(&self, uidl: &str) -> bool {
        self.by_uidl.contains_key(uidl)
    }

    /// The messages `criteria` selects, oldest first; UIDLs for which `skip` is true are
    /// left out without reading their headers (a rerun costs no TOP for archived mail).
    /// POP3 has no flags: every message is taken as read and unflagged.
    ///
    /// Without `dates` (nothing needs them: no age criterion, no year split, no mbox
    /// From_ line) no header is read at all: the messages come undated, in the server's
    /// order.
    pub async fn candidates(
        &mut self,
        criteria: &Criteria,
        dates_needed: bool,
        skip: impl Fn(&str) -> bool,
    ) -> Result<Vec<Candidate>> {
        let wanted: Vec<Listed> = self
            .listed
            .iter()
            .filter(|l| !skip(&l.uidl) && criteria.larger_than.is_none_or(|min| l.size > min))
            .cloned()
            .collect();
        let candidate = |l: &Listed, received: Option<Timestamp>, sent: Option<Timestamp>| Candidate {
            id: l.uidl.clone(),
            size: l.size,
            received: received.or(sent),
            sent,
            flags: Flags { seen: true, ..Flags::default() },
            big_attachment: false,
        };
        if !dates_needed {
            return Ok(wanted.iter().map(|l| candidate(l, None, None)).filter(|c| criteria.selects(c)).collect());
        }
        let window = if self.pipelining { Window::TOP } else { Window::LOCK_STEP };
        let mut out = Vec::new();
        let mut sent = 0;
        for (i, l) in wanted.iter().enumerate() {
            let n = window.refill(sent - i, 0, wanted[sent..].iter().map(|_| 0));
            if n > 0 {
                let cmds: Vec<Ahead> = wanted[sent..sent + n].iter().map(|l| Ahead::Top(l.msgno, 0)).collect();
                self.client.send_ahead(&cmds).await?;
                sent += n;
            }
            let head = self.client.recv_top(l.msgno, 0).await?;
            let (received, sent_date) = dates(&head);
            let c = candidate(l, received, sent_date);
            if criteria.selects(&c) {
                out.push(c);
            }
        }
        out.sort_by_key(|c| criteria.date_of(c));
        Ok(out)
    }

    /// The UIDLs the caller will [`retr`](Self::retr) next, in that order: with
    /// PIPELINING their RETRs are sent a [`Window::RETR`] ahead. Fetching in another order
    /// still works (the answers sent ahead are read and dropped), only slower.
    pub fn plan_fetches<'a>(&mut self, uidls: impl IntoIterator<Item = &'a str>) {
        self.upcoming = uidls.into_iter().filter_map(|u| self.by_uidl.get(u).cloned()).collect();
    }

    /// Streams one message into `sink` (RETR, unstuffed, 64 KiB at a time). `None` when
    /// the UIDL is not in this session's listing. With `date`, the arrival date is read
    /// from the message's header as it passes (for messages the plan left undated).
    pub async fn retr(
        &mut self,
        uidl: &str,
        date: bool,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Retrieved>> {
        let Some(l) = self.by_uidl.get(uidl).cloned() else { return Ok(None) };
        if self.pipelining {
            self.send_retr_ahead(&l).await?;
        } else {
            self.client.send_ahead(&[Ahead::Retr(l.msgno)]).await?;
        }
        let mut w = SinkWriter { sink, failed: None, held: Vec::with_capacity(4), head: date.then(Vec::new) };
        let expect = self.pipelining.then_some(l.size);
        let bytes = match self.client.recv_retr_to(l.msgno, expect, &mut w).await {
            Ok(bytes) => bytes,
            // The sink's own error (a full disk, with its hint) rather than the wrapper.
            Err(e) => return Err(w.failed.take().unwrap_or(e)),
        };
        let received = w.head.as_deref().and_then(|h| {
            let (received, sent) = dates(h);
            received.or(sent)
        });
        // A message that does not end in CRLF gets one from the server before the
        // terminating dot (RFC 1939 framing); LIST counts the message without it.
        if bytes == l.size + 2 && w.held == b"\r\n" {
            return Ok(Some(Retrieved { size: l.size, bytes: l.size, received }));
        }
        (w.sink)(&w.held)?;
        Ok(Some(Retrieved { size: l.size, bytes, received }))
    }

    /// Makes `l`'s RETR the oldest in flight, sending more of the plan ahead as the window
    /// allows. A fetch out of the planned order drops the answers sent ahead of it.
    async fn send_retr_ahead(&mut self, l: &Listed) -> Result<()> {
        if self.ahead.front().is_some_and(|a| a.uidl != l.uidl) {
            while self.ahead.pop_front().is_some() {
                self.client.skip_answer().await?;
            }
        }
        if self.ahead.is_empty() {
            match self.upcoming.iter().position(|u| u.uidl == l.uidl) {
                Some(i) => drop(self.upcoming.drain(..i)),
                None => self.upcoming.push_front(l.clone()),
            }
        }
        let in_flight: u64 = self.ahead.iter().map(|a| a.size).sum();
        let n = Window::RETR.refill(self.ahead.len(), in_flight, self.upcoming.iter().map(|u| u.size));
        if n > 0 {
            let more: Vec<Listed> = self.upcoming.drain(..n).collect();
            let cmds: Vec<Ahead> = more.iter().map(|m| Ahead::Retr(m.msgno)).collect();
            self.client.send_ahead(&cmds).await?;
            self.ahead.extend(more);
        }
        self.ahead.pop_front();
        Ok(())
    }

    /// Reads and drops the answers to RETRs sent ahead but not fetched.
    async fn drain(&mut self) -> Result<()> {
        while self.ahead.pop_front().is_some() {
            self.client.skip_answer().await?;
        }
        self.upcoming.clear();
        Ok(())
    }

    /// Marks exactly these messages for deletion (`DELE`, a [`Window::DELE`] at a time
    /// with PIPELINING); nothing is removed before [`commit`](Self::commit). Any `-ERR`
    /// is an error.
    pub async fn dele(&mut self, uidls: &[String]) -> Result<()> {
        self.drain().await?;
        let msgnos: Vec<u32> = uidls.iter().filter_map(|u| self.by_uidl.get(u)).map(|l| l.msgno).collect();
        let window = if self.pipelining { Window::DELE } else { Window::LOCK_STEP };
        for chunk in msgnos.chunks(window.commands) {
            let cmds: Vec<Ahead> = chunk.iter().map(|&n| Ahead::Dele(n)).collect();
            self.client.send_ahead(&cmds).await?;
            for &n in chunk {
                self.client.recv_dele(n).await?;
            }
        }
        Ok(())
    }

    /// `QUIT`: commits the deletions. An error means some or all marked messages may
    /// still be on the server.
    pub async fn commit(mut self) -> Result<()> {
        self.drain().await?;
        self.client.quit().await
    }
}

/// The arrival date (the newest `Received:` field, the first one in the header, added by
/// the last hop) and the `Date:` of a header block.
pub fn dates(head: &[u8]) -> (Option<Timestamp>, Option<Timestamp>) {
    let fields = header::fields(head);
    let received = header::field(&fields, "received")
        .and_then(|v| v.iter().rposition(|&b| b == b';').map(|i| &v[i + 1..]))
        .and_then(header::date);
    let sent = header::field(&fields, "date").and_then(header::date);
    (received, sent)
}

/// The most header bytes kept to date a message as it streams past.
const MAX_SNIFFED_HEADER: usize = 64 * 1024;

/// Hands RETR's chunks to a synchronous sink, holding back the last two bytes (they may
/// be the framing CRLF the server added); keeps the sink's error for the caller, and
/// with `head` a copy of the header block (up to [`MAX_SNIFFED_HEADER`]).
struct SinkWriter<'a> {
    sink: &'a mut dyn FnMut(&[u8]) -> Result<()>,
    failed: Option<anyhow::Error>,
    held: Vec<u8>,
    head: Option<Vec<u8>>,
}

impl SinkWriter<'_> {
    fn pass(&mut self, buf: &[u8]) -> Result<()> {
        if let Some(head) = self.head.as_mut() {
            sniff_header(head, buf);
        }
        if buf.len() >= 2 {
            if !self.held.is_empty() {
                (self.sink)(&self.held)?;
            }
            (self.sink)(&buf[..buf.len() - 2])?;
            self.held.clear();
            self.held.extend_from_slice(&buf[buf.len() - 2..]);
        } else {
            self.held.extend_from_slice(buf);
            if self.held.len() > 2 {
                let n = self.held.len() - 2;
                (self.sink)(&self.held[..n])?;
                self.held.drain(..n);
            }
        }
        Ok(())
    }
}

impl AsyncWrite for SinkWriter<'_> {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match this.pass(buf) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(e) => {
                let io = std::io::Error::other(crate::error::one_line(&e));
                this.failed = Some(e);
                Poll::Ready(Err(io))
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Adds `chunk` to `head` until the header block is complete (a blank line) or
/// [`MAX_SNIFFED_HEADER`] bytes long.
fn sniff_header(head: &mut Vec<u8>, chunk: &[u8]) {
    let ended = |h: &[u8]| h.ends_with(b"\n\n") || h.ends_with(b"\n\r\n") || h == b"\n" || h == b"\r\n";
    if head.len() >= MAX_SNIFFED_HEADER || ended(head) {
        return;
    }
    let room = MAX_SNIFFED_HEADER - head.len();
    for &b in chunk.iter().take(room) {
        head.push(b);
        if b == b'\n' && ended(head) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::task::JoinHandle;

    use super::*;
    use crate::secret::{Mechanism, Secret};

    #[test]
    fn windows_refill_in_bunches_and_bound_commands_and_bytes() {
        let w = Window { commands: 8, bytes: 100 };
        // Empty: up to the window, and a message bigger than the byte window goes alone.
        assert_eq!(w.refill(0, 0, [10; 20]), 8);
        assert_eq!(w.refill(0, 0, [30; 20]), 3);
        assert_eq!(w.refill(0, 0, [500, 1]), 1);
        assert_eq!(w.refill(0, 0, []), 0);
        // More than half in flight: wait; half or less: top up.
        assert_eq!(w.refill(5, 50, [1; 20]), 0);
        assert_eq!(w.refill(4, 40, [1; 20]), 4);
        assert_eq!(w.refill(4, 90, [20; 20]), 0);
        assert_eq!(w.refill(2, 90, [10; 20]), 1);
        let one = Window::LOCK_STEP;
        assert_eq!((one.refill(0, 0, [u64::MAX; 3]), one.refill(1, 0, [1; 3])), (1, 0));
        assert_eq!(Window::TOP.refill(0, 0, [0; 1000]), 64);
    }

    #[test]
    fn headers_are_sniffed_up_to_the_blank_line() {
        let mut head = Vec::new();
        for chunk in [&b"Date: Sun, 31 Dec 2023 08:00:00 +0000\r"[..], b"\n", b"\r\nbody\r\n", b"more"] {
            sniff_header(&mut head, chunk);
        }
        assert_eq!(head, b"Date: Sun, 31 Dec 2023 08:00:00 +0000\r\n\r\n");
        let mut head = Vec::new();
        sniff_header(&mut head, b"A: b\n\nbody");
        assert_eq!(head, b"A: b\n\n");
        let mut head = Vec::new();
        sniff_header(&mut head, b"\r\nno header at all");
        assert_eq!(head, b"\r\n");
        let mut head = Vec::new();
        for _ in 0..100 {
            sniff_header(&mut head, &[b'x'; 1000]);
        }
        assert_eq!(head.len(), MAX_SNIFFED_HEADER);
    }

    /// What the scripted maildrop saw.
    #[derive(Debug, Default)]
    struct Seen {
        commands: Vec<String>,
        /// Commands that had arrived before the answer to the previous one was sent.
        early: usize,
    }

    /// Message `i`, dated 2018-01-01 10:00 UTC plus `i` days.
    fn body(i: usize) -> Vec<u8> {
        let t = Timestamp::from_second(1_514_764_800 + 36_000 + i as i64 * 86_400).unwrap();
        let date = jiff::fmt::strtime::format("%a, %d %b %Y %H:%M:%S +0000", &t.to_zoned(jiff::tz::TimeZone::UTC));
        format!("Date: {}\r\nSubject: m{i}\r\n\r\nbody {i}\r\n.dot line\r\n{}\r\n", date.unwrap(), "y".repeat(i * 1000))
            .into_bytes()
    }

    /// A POP3 maildrop on a local port holding `n` messages (`body(i)`, UIDL `u{i}`), with or
    /// without PIPELINING. `swap` = (asked, served): RETR of one message answered with
    /// another, as a server out of step would.
    async fn maildrop(n: usize, pipelining: bool, swap: Option<(usize, usize)>) -> (ServerSpec, JoinHandle<Seen>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let (r, mut w) = tcp.into_split();
            let mut r = BufReader::new(r);
            let mut seen = Seen::default();
            w.write_all(b"+OK ready\r\n").await.unwrap();
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                if !r.buffer().is_empty() {
                    seen.early += 1;
                }
                let line = line.trim_end().to_string();
                let words: Vec<&str> = line.split(' ').collect();
                let arg = |i: usize| words.get(i).and_then(|w| w.parse::<usize>().ok()).unwrap_or(0);
                let stuffed = |m: &[u8]| {
                    let mut out = Vec::new();
                    for l in m.split_inclusive(|&b| b == b'\n') {
                        if l[0] == b'.' {
                            out.push(b'.');
                        }
                        out.extend_from_slice(l);
                    }
                    out.extend_from_slice(b".\r\n");
                    out
                };
                let answer: Vec<u8> = match words[0] {
                    "CAPA" => {
                        let extra = if pipelining { "PIPELINING\r\n" } else { "" };
                        format!("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n{extra}.\r\n").into_bytes()
                    }
                    "USER" | "PASS" | "DELE" | "NOOP" => b"+OK\r\n".to_vec(),
                    "LIST" | "UIDL" => {
                        let mut out = b"+OK\r\n".to_vec();
                        for i in 1..=n {
                            let item = if words[0] == "LIST" { body(i).len().to_string() } else { format!("u{i}") };
                            out.extend_from_slice(format!("{i} {item}\r\n").as_bytes());
                        }
                        out.extend_from_slice(b".\r\n");
                        out
                    }
                    "TOP" => {
                        let m = body(arg(1));
                        let end = m.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                        [&b"+OK\r\n"[..], &stuffed(&m[..end])].concat()
                    }
                    "RETR" => {
                        let asked = arg(1);
                        let served = swap.filter(|s| s.0 == asked).map_or(asked, |s| s.1);
                        let m = body(served);
                        [format!("+OK {} octets\r\n", m.len()).as_bytes(), &stuffed(&m)].concat()
                    }
                    "QUIT" => b"+OK bye\r\n".to_vec(),
                    _ => b"-ERR what\r\n".to_vec(),
                };
                seen.commands.push(line.clone());
                w.write_all(&answer).await.unwrap();
                if line == "QUIT" {
                    break;
                }
            }
            seen
        });
        (crate::pop::fake::loopback_spec(port), task)
    }

    async fn open(spec: &ServerSpec) -> PopArchiveSession {
        let net = NetSettings { timeout: Duration::from_secs(5), tls: Default::default() };
        let creds =
            Credentials { login: "alice".into(), authzid: None, secret: Secret::new("pw"), mechanism: Mechanism::Auto };
        PopArchiveSession::open(spec, &net, &creds, true, "pop3://alice@127.0.0.1").await.unwrap()
    }

    fn old_mail() -> Criteria {
        Criteria { before: Some("2020-01-01T00:00:00Z".parse().unwrap()), ..Criteria::default() }
    }

    async fn fetch(s: &mut PopArchiveSession, uidl: &str) -> Result<Vec<u8>> {
        let mut got = Vec::new();
        let r = s
            .retr(uidl, false, &mut |c| {
                got.extend_from_slice(c);
                Ok(())
            })
            .await?
            .unwrap();
        assert_eq!((r.size, r.bytes), (got.len() as u64, got.len() as u64));
        Ok(got)
    }

    /// Archives the whole maildrop as `pop_run` does: dates, RETR in order, DELE, QUIT.
    async fn archive_all(pipelining: bool) -> Seen {
        const N: usize = 40;
        let (spec, server) = maildrop(N, pipelining, None).await;
        let mut s = open(&spec).await;
        assert_eq!(s.pipelining(), pipelining);
        let candidates = s.candidates(&old_mail(), true, |_| false).await.unwrap();
        assert_eq!(candidates.len(), N);
        s.plan_fetches(candidates.iter().map(|c| c.id.as_str()));
        for (i, c) in candidates.iter().enumerate() {
            assert_eq!(fetch(&mut s, &c.id).await.unwrap(), body(i + 1), "{}", c.id);
        }
        let ids: Vec<String> = candidates.iter().map(|c| c.id.clone()).collect();
        s.dele(&ids).await.unwrap();
        s.commit().await.unwrap();
        let seen = server.await.unwrap();
        let count = |verb: &str| seen.commands.iter().filter(|c| c.starts_with(verb)).count();
        assert_eq!((count("TOP"), count("RETR"), count("DELE"), count("QUIT")), (N, N, N, 1));
        let retrs: Vec<&String> = seen.commands.iter().filter(|c| c.starts_with("RETR")).collect();
        assert!(retrs.iter().enumerate().all(|(i, c)| **c == format!("RETR {}", i + 1)), "{retrs:?}");
        seen
    }

    #[tokio::test]
    async fn with_pipelining_commands_go_out_ahead_of_their_answers() {
        let seen = archive_all(true).await;
        assert!(seen.early > 0, "nothing was pipelined: {seen:?}");
    }

    #[tokio::test]
    async fn without_pipelining_every_command_waits_for_its_answer() {
        let seen = archive_all(false).await;
        assert_eq!(seen.early, 0, "commands sent ahead to a server without PIPELINING: {seen:?}");
    }

    #[tokio::test]
    async fn fetching_out_of_the_planned_order_still_gets_the_right_message() {
        let (spec, _server) = maildrop(6, true, None).await;
        let mut s = open(&spec).await;
        s.plan_fetches(["u1", "u2", "u3", "u4", "u5", "u6"]);
        assert_eq!(fetch(&mut s, "u1").await.unwrap(), body(1));
        // u2..u6 were sent ahead: u4 first drops u2 and u3's answers.
        assert_eq!(fetch(&mut s, "u4").await.unwrap(), body(4));
        assert_eq!(fetch(&mut s, "u2").await.unwrap(), body(2));
        assert_eq!(fetch(&mut s, "u5").await.unwrap(), body(5));
        assert!(s.retr("nope", false, &mut |_| Ok(())).await.unwrap().is_none());
        s.dele(&["u1".to_string()]).await.unwrap();
        s.commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_server_out_of_step_gets_no_dele_and_no_quit() {
        let (spec, server) = maildrop(5, true, Some((3, 4))).await;
        let mut s = open(&spec).await;
        s.plan_fetches(["u1", "u2", "u3", "u4", "u5"]);
        fetch(&mut s, "u1").await.unwrap();
        fetch(&mut s, "u2").await.unwrap();
        let e = fetch(&mut s, "u3").await.unwrap_err();
        assert!(crate::error::one_line(&e).contains("out of step"), "{}", crate::error::one_line(&e));
        assert!(s.dele(&["u1".to_string()]).await.is_err());
        assert!(s.commit().await.is_err());
        let seen = server.await.unwrap();
        assert!(!seen.commands.iter().any(|c| c.starts_with("DELE") || c == "QUIT"), "{:?}", seen.commands);
    }

    #[tokio::test]
    async fn without_an_age_criterion_no_header_is_read_and_retr_dates_the_message() {
        let (spec, server) = maildrop(3, true, None).await;
        let mut s = open(&spec).await;
        let all = s.candidates(&Criteria::default(), false, |u| u == "u2").await.unwrap();
        let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["u1", "u3"]);
        assert!(all.iter().all(|c| c.received.is_none()));
        s.plan_fetches(ids);
        let r = s.retr("u1", true, &mut |_| Ok(())).await.unwrap().unwrap();
        assert_eq!(r.received, Some("2018-01-02T10:00:00Z".parse().unwrap()));
        s.commit().await.unwrap();
        assert!(!server.await.unwrap().commands.iter().any(|c| c.starts_with("TOP")));
    }

    #[test]
    fn the_newest_received_field_dates_a_message_else_its_date() {
        let head = b"Received: from b by c; Tue, 02 Jan 2024 10:00:00 +0000\r\n\
Received: from a by b; Mon, 01 Jan 2024 09:00:00 +0000\r\n\
Date: Sun, 31 Dec 2023 08:00:00 +0000\r\n\r\n";
        let (received, sent) = dates(head);
        assert_eq!(received, Some("2024-01-02T10:00:00Z".parse().unwrap()));
        assert_eq!(sent, Some("2023-12-31T08:00:00Z".parse().unwrap()));
        assert_eq!(dates(b"Date: Sun, 31 Dec 2023 08:00:00 +0000\r\n\r\n").0, None);
    }
}
