//! The POP3 session: connecting (implicit TLS, STLS, opt-in plaintext), logging in, and
//! the RFC 1939 commands, with a deadline on every read and write.
//!
//! The client owns one fixed read buffer (64 KiB): status and listing lines longer
//! than that are refused, and message bodies stream through it, so memory stays flat
//! whatever the server sends. After any I/O or protocol error the session is marked
//! unusable (the server may be mid-answer), and later commands fail at once.
//!
//! With RFC 2449 PIPELINING, `TOP`, `RETR` and `DELE` can be sent ahead
//! ([`Pop3Client::send_ahead`]) and their answers read later, strictly in order
//! (`recv_*`): the caller bounds how many are in flight. Answers still stream through the
//! same buffer; the ones not yet read wait in the kernel's socket buffers, so memory does
//! not grow with the window.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::auth::{self, Method};
use super::response::{
    AuthReply, DotUnstuffer, StatusLine, announced_octets, apop_timestamp, has_capability, parse_auth_reply,
    parse_capa_line, parse_list_entry, parse_stat, parse_status, parse_uidl_entry, printable,
};
use crate::error;
use crate::model::probe::LoginOutcome;
use crate::model::{Security, ServerSpec, SourceSpec, TlsInfo};
use crate::net::{self, NetSettings, Stream, deadline};
use crate::sasl;
use crate::secret::Credentials;

/// The longest line accepted (status, CAPA, LIST, UIDL), line ending excluded.
/// RFC 2449 caps answers at 512 octets; this leaves room for sloppy servers.
pub const MAX_LINE: usize = 64 * 1024;

/// The most header bytes [`Pop3Client::top`] collects before giving up.
pub const MAX_TOP: u64 = 8 * 1024 * 1024;

/// RFC 5034: an AUTH command with its initial response must fit in 255 octets;
/// longer initial responses are sent after an empty challenge instead.
const MAX_AUTH_LINE: usize = 255;

/// More challenges than any mechanism used here needs: a server asking more is stuck.
const MAX_SASL_ROUNDS: usize = 8;

/// More capability lines than any server sends: beyond this the answer is garbage.
const MAX_CAPA_LINES: usize = 1000;

/// A command sent ahead of its answer (RFC 2449 PIPELINING, or one at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ahead {
    /// `TOP msgno lines`.
    Top(u32, u32),
    /// `RETR msgno`.
    Retr(u32),
    /// `DELE msgno`.
    Dele(u32),
}

impl Ahead {
    /// The command line, without CRLF.
    pub fn command(&self) -> String {
        match self {
            Ahead::Top(n, lines) => format!("TOP {n} {lines}"),
            Ahead::Retr(n) => format!("RETR {n}"),
            Ahead::Dele(n) => format!("DELE {n}"),
        }
    }

    /// What could not be done when the server refuses it ("cannot {action} pop3://...").
    fn action(&self) -> String {
        match self {
            Ahead::Top(n, _) => format!("read the headers of message {n} in"),
            Ahead::Retr(n) => format!("retrieve message {n} from"),
            Ahead::Dele(n) => format!("mark message {n} for deletion in"),
        }
    }
}

/// What connecting learned.
#[derive(Debug, Clone)]
pub struct ConnectInfo {
    /// The greeting's text after `+OK` (may hold the APOP timestamp).
    pub greeting: String,
    /// The TLS session, for implicit TLS and STLS; `None` for plaintext.
    pub tls: Option<TlsInfo>,
    /// The address actually connected to (`127.0.0.1:995`, `[::1]:110`).
    pub address: String,
    /// From the TCP connect to the capabilities after TLS.
    pub elapsed: Duration,
}

/// One POP3 session over any byte stream; [`Pop3Client::connect`] gives one over a
/// [`Stream`] (TCP or TLS), tests use an in-memory pipe.
///
/// Deletions ([`Pop3Client::dele`]) only take effect when [`Pop3Client::quit`] is
/// answered `+OK`: dropping the client, or losing the connection, leaves every message
/// on the server (RFC 1939: the UPDATE state is entered only by QUIT).
pub struct Pop3Client<S = Stream> {
    io: S,
    buf: Box<[u8]>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    limit: Duration,
    spec: ServerSpec,
    /// The user named in error messages: the URL's, then the mailbox logged in to.
    user: String,
    caps: Vec<String>,
    apop_stamp: Option<String>,
    /// Why the session cannot be used any more.
    broken: Option<String>,
    /// Commands sent whose answers are not read yet, oldest first.
    in_flight: VecDeque<Ahead>,
}

impl<S> std::fmt::Debug for Pop3Client<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Client")
            .field("server", &label_for(&self.spec, &self.user))
            .field("caps", &self.caps)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Pop3Client<Stream> {
    /// Connects, protects the connection as `spec.security` says, reads the greeting and
    /// the capabilities (after TLS for STLS: the ones sent in clear are discarded).
    ///
    /// `Security::Plain` is refused unless `allow_plaintext`, since a password would
    /// then cross the network in clear. `Security::StartTls` requires the server to
    /// offer STLS: there is no silent fallback to plaintext.
    pub async fn connect(spec: &ServerSpec, net: &NetSettings, allow_plaintext: bool) -> Result<(Self, ConnectInfo)> {
        if spec.security == Security::Plain && !allow_plaintext {
            return Err(error::usage_hint(
                "the connection would have no TLS: a password would cross the network in clear",
                "use pop3s:// (TLS, port 995) or pop3:// (upgraded with STLS), or pass --plaintext to accept the risk",
            ));
        }
        let config = match spec.security {
            Security::Plain => None,
            Security::Tls | Security::StartTls => Some(net.tls.client_config()?),
        };
        let began = Instant::now();
        let tcp = net::connect_tcp(&spec.host, spec.port, net.timeout).await?;
        let address = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_else(|_| format!("{}:{}", spec.host, spec.port));
        let (mut client, greeting, tls) = match (spec.security, config) {
            (Security::Tls, Some(config)) => {
                let (tls, info) = net::tls::handshake(tcp, &spec.host, config, net.timeout).await?;
                let (client, greeting) = Pop3Client::start(Stream::Tls(Box::new(tls)), spec, net.timeout).await?;
                (client, greeting, Some(info))
            }
            (Security::StartTls, Some(config)) => {
                let (mut clear, greeting) = Pop3Client::start(tcp, spec, net.timeout).await?;
                let caps = clear.capa().await?;
                if !has_capability(&caps, "STLS") {
                    return Err(error::failure_hint(
                        "the server does not offer STLS, so the connection cannot be protected",
                        "use pop3s:// (TLS, port 995) if the server offers it, or pass --plaintext to accept the risk of a password in clear",
                    ));
                }
                clear.expect_ok("STLS", "STLS", "start TLS with").await?;
                let (client, info) = clear.upgrade(config).await?;
                (client, greeting, Some(info))
            }
            (_, _) => {
                let (client, greeting) = Pop3Client::start(Stream::Plain(tcp), spec, net.timeout).await?;
                (client, greeting, None)
            }
        };
        client.capa().await?;
        Ok((client, ConnectInfo { greeting, tls, address, elapsed: began.elapsed() }))
    }

    pub fn is_tls(&self) -> bool {
        self.io.is_tls()
    }

    /// From now on a task reads the server's answers ahead (see [`crate::net::ReadAhead`]):
    /// for long pipelined runs whose caller also writes to the disk.
    pub fn read_ahead(mut self) -> Self {
        self.io = self.io.read_ahead();
        self
    }
}

impl Pop3Client<TcpStream> {
    /// Runs the TLS handshake after the server's `+OK` to STLS.
    async fn upgrade(self, config: Arc<rustls::ClientConfig>) -> Result<(Pop3Client<Stream>, TlsInfo)> {
        if self.start != self.end {
            // Bytes sent in clear after "+OK" would be read as if they came over TLS:
            // the classic STARTTLS response injection. Nothing learned before TLS may be
            // trusted (RFC 2595 section 4), so refuse rather than drop them silently.
            return Err(error::failure_hint(
                format!("{} sent data in clear after accepting STLS; refusing to go on", self.spec.host),
                "something between here and the server may be tampering with the connection; try pop3s://",
            ));
        }
        let Pop3Client { io, buf, limit, spec, user, apop_stamp, .. } = self;
        let (tls, info) = net::tls::handshake(io, &spec.host, config, limit).await?;
        let client = Pop3Client {
            io: Stream::Tls(Box::new(tls)),
            buf,
            start: 0,
            end: 0,
            limit,
            spec,
            user,
            caps: Vec::new(),
            apop_stamp,
            broken: None,
            in_flight: VecDeque::new(),
        };
        Ok((client, info))
    }
}

/// Why a login attempt failed without any network trouble.
struct Refused {
    method: Option<Method>,
    /// The server's `-ERR` line (plus its SASL error detail), or why it was not tried.
    message: String,
    hint: &'static str,
}

const MECHANISM_HINT: &str = "probe shows the login methods the server offers; set another mechanism for this account";

impl<S: AsyncRead + AsyncWrite + Unpin> Pop3Client<S> {
    /// Starts a session on an open stream: reads the greeting. `spec` names the server in
    /// errors. Returns the greeting's text.
    pub async fn start(io: S, spec: &ServerSpec, limit: Duration) -> Result<(Self, String)> {
        let mut client = Pop3Client {
            io,
            buf: vec![0; MAX_LINE + 2].into_boxed_slice(),
            start: 0,
            end: 0,
            limit,
            spec: spec.clone(),
            user: spec.user.clone(),
            caps: Vec::new(),
            apop_stamp: None,
            broken: None,
            in_flight: VecDeque::new(),
        };
        let line = match client.read_line("the greeting").await {
            Ok(line) => line,
            // A TLS port waits for our ClientHello and never greets in clear.
            Err(e) if spec.security != Security::Tls && error::one_line(&e).starts_with("timed out") => {
                return Err(error::failure_hint(
                    format!("{}:{} sent no greeting within {}", spec.host, spec.port, net::human_duration(limit)),
                    "if this port expects TLS from the first byte (995), use pop3s://; else check the server, or raise --timeout",
                ));
            }
            Err(e) => return Err(e),
        };
        let Some(status) = parse_status(&line) else {
            return Err(error::failure_hint(
                format!(
                    "{}:{} does not greet like a POP3 server: \"{}\"",
                    spec.host,
                    spec.port,
                    error::shorten(&printable(&line))
                ),
                "check the port: pop3s:// uses 995 and pop3:// 110 (993 and 143 are IMAP's)",
            ));
        };
        if !status.ok {
            let hint = status.hint().unwrap_or("the server may be busy or refusing this address; try again later");
            return Err(error::failure_hint(format!("{} refused the session: {status}", spec.host), hint));
        }
        client.apop_stamp = apop_timestamp(&status.text);
        Ok((client, status.text))
    }

    /// The server as errors name it: `pop3s://alice@mail.example.org`.
    pub fn label(&self) -> String {
        label_for(&self.spec, &self.user)
    }

    /// The capabilities of the last [`capa`](Self::capa) (empty if the server has no CAPA).
    pub fn capabilities(&self) -> &[String] {
        &self.caps
    }

    /// Whether the last [`capa`](Self::capa) offered PIPELINING (RFC 2449): commands may
    /// then be sent with [`send_ahead`](Self::send_ahead) before earlier answers are read.
    pub fn pipelining(&self) -> bool {
        has_capability(&self.caps, "PIPELINING")
    }

    /// How many commands were sent whose answers are not read yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The greeting's APOP timestamp, if the server offers APOP.
    pub fn apop_timestamp(&self) -> Option<&str> {
        self.apop_stamp.as_deref()
    }

    /// Asks for the capabilities (RFC 2449). A server without CAPA answers `-ERR`: that
    /// gives an empty list, not an error. Ask again after login: they may change.
    pub async fn capa(&mut self) -> Result<Vec<String>> {
        let status = self.command("CAPA", "CAPA").await?;
        if !status.ok {
            self.caps.clear();
            return Ok(Vec::new());
        }
        let mut caps = Vec::new();
        self.read_lines("the answer to CAPA", |line| {
            if caps.len() >= MAX_CAPA_LINES {
                return Err(format!("more than {MAX_CAPA_LINES} capability lines"));
            }
            caps.extend(parse_capa_line(line));
            Ok(())
        })
        .await?;
        self.caps = caps.clone();
        Ok(caps)
    }

    /// Logs in; a refusal is an error naming the account and quoting the server's
    /// `-ERR` line (never the secret), with a hint from its response code.
    pub async fn login(&mut self, creds: &Credentials) -> Result<LoginOutcome> {
        match self.authenticate(creds).await? {
            Ok(method) => Ok(self.outcome(creds, Some(method), None)),
            Err(refused) => {
                let how = refused.method.map(|m| format!(" with {}", m.label())).unwrap_or_default();
                Err(error::failure_hint(
                    format!("cannot log in to {}{how}: {}", self.account(creds), refused.message),
                    refused.hint,
                ))
            }
        }
    }

    /// Like [`login`](Self::login), but a refusal by the server (or a server lacking the
    /// asked mechanism) is an outcome with `ok: false` and the server's words, for
    /// `probe`. Network trouble and contradictory settings are still errors.
    pub async fn try_login(&mut self, creds: &Credentials) -> Result<LoginOutcome> {
        Ok(match self.authenticate(creds).await? {
            Ok(method) => self.outcome(creds, Some(method), None),
            Err(refused) => self.outcome(creds, refused.method, Some(refused.message)),
        })
    }

    fn outcome(&mut self, creds: &Credentials, method: Option<Method>, refusal: Option<String>) -> LoginOutcome {
        let ok = refusal.is_none();
        if ok {
            self.user = creds.mailbox_owner().to_string();
        }
        LoginOutcome {
            ok,
            mechanism: method
                .map_or_else(|| format!("{:?}", creds.mechanism).to_uppercase(), |m| m.label().to_string()),
            login: creds.login.clone(),
            mailbox: creds.mailbox_owner().to_string(),
            message: refusal,
        }
    }

    /// `pop3s://admin@host (mailbox of alice)`, for login errors.
    fn account(&self, creds: &Credentials) -> String {
        let base = label_for(&self.spec, &creds.login);
        match &creds.authzid {
            Some(mailbox) => format!("{base} (mailbox of {mailbox})"),
            None => base,
        }
    }

    /// Runs the login: `Ok(Err(_))` is a refusal, `Err(_)` a broken session or bad settings.
    async fn authenticate(&mut self, creds: &Credentials) -> Result<Result<Method, Refused>> {
        let method = match auth::plan(creds, &self.caps, self.apop_stamp.as_deref()) {
            Ok(m) => m,
            Err(e) if e.config => {
                return Err(error::usage_hint(
                    format!("cannot log in to {}: {}", self.account(creds), e.message),
                    MECHANISM_HINT,
                ));
            }
            Err(e) => return Ok(Err(Refused { method: None, message: e.message, hint: MECHANISM_HINT })),
        };
        let secret = creds.secret.expose();
        let (status, detail) = match method {
            Method::UserPass => {
                let user = self.command(&format!("USER {}", creds.login), "USER").await?;
                if !user.ok {
                    return Ok(Err(refused(method, &user, None)));
                }
                (self.command(&format!("PASS {secret}"), "PASS").await?, None)
            }
            Method::Apop => {
                // plan() made sure the timestamp exists.
                let stamp = self.apop_stamp.clone().unwrap_or_default();
                let digest = auth::apop_digest(&stamp, secret);
                (self.command(&format!("APOP {} {digest}", creds.login), "APOP").await?, None)
            }
            Method::Plain => {
                let ir = auth::base64(sasl::plain(creds.authzid.as_deref(), &creds.login, secret));
                self.sasl("PLAIN", Some(ir), VecDeque::new()).await?
            }
            Method::Login => {
                let steps = VecDeque::from([auth::base64(&creds.login), auth::base64(secret)]);
                self.sasl("LOGIN", None, steps).await?
            }
            Method::Xoauth2 => {
                // On failure the server sends its error as a challenge and waits for an
                // empty response before its -ERR.
                let ir = auth::base64(sasl::xoauth2(&creds.login, secret));
                self.sasl("XOAUTH2", Some(ir), VecDeque::from([auth::base64(sasl::oauth_error_reply(false))])).await?
            }
            Method::Oauthbearer => {
                let ir = auth::base64(sasl::oauthbearer(&creds.login, &self.spec.host, self.spec.port, secret));
                self.sasl("OAUTHBEARER", Some(ir), VecDeque::from([auth::base64(sasl::oauth_error_reply(true))]))
                    .await?
            }
        };
        // Only the OAuth mechanisms send an error report as a challenge; the other
        // challenges ("Password:") say nothing about a failure.
        let detail = detail.filter(|_| method.is_oauth());
        if status.ok { Ok(Ok(method)) } else { Ok(Err(refused(method, &status, detail))) }
    }

    /// One SASL exchange (RFC 5034). `steps` answer the server's challenges in order;
    /// once they run out, `*` cancels. Returns the final status and the last non-empty
    /// challenge (an OAuth error report, shown on failure).
    async fn sasl(
        &mut self,
        mechanism: &str,
        initial: Option<String>,
        mut steps: VecDeque<String>,
    ) -> Result<(StatusLine, Option<String>)> {
        let shown = format!("AUTH {mechanism}");
        match initial {
            Some(ir) => {
                // RFC 5034: an empty initial response is sent as "=".
                let inline = format!("AUTH {mechanism} {}", if ir.is_empty() { "=" } else { &ir });
                if inline.len() <= MAX_AUTH_LINE {
                    self.send(&inline, &shown).await?;
                } else {
                    self.send(&shown, &shown).await?;
                    steps.push_front(ir);
                }
            }
            None => self.send(&shown, &shown).await?,
        }
        let what = format!("the answer to {shown}");
        let mut challenge = None;
        for _ in 0..MAX_SASL_ROUNDS {
            let line = self.read_line(&what).await?;
            match parse_auth_reply(&line) {
                Some(AuthReply::Done(status)) => return Ok((status, challenge)),
                Some(AuthReply::Continue(c)) => {
                    if let Some(text) = auth::decode_challenge(&c).filter(|t| !t.trim().is_empty()) {
                        challenge = Some(text);
                    }
                    let reply = steps.pop_front().unwrap_or_else(|| "*".to_string());
                    self.send(&reply, "the AUTH response").await?;
                }
                None => return Err(self.unreadable(&what, &line)),
            }
        }
        let e = anyhow!("{} kept sending challenges during {shown}; giving up", self.spec.host);
        Err(self.broke(e))
    }

    /// `STAT`: message count and total size in octets (messages marked deleted excluded).
    pub async fn stat(&mut self) -> Result<(u64, u64)> {
        let status = self.expect_ok("STAT", "STAT", "count the messages in").await?;
        parse_stat(&status.text).ok_or_else(|| {
            anyhow!("{} answered STAT with \"{status}\", which is not a message count and size", self.spec.host)
        })
    }

    /// `LIST`: calls `each(msgno, size)` per message as the lines arrive (nothing is
    /// collected). An unreadable line is an error after the whole answer was read.
    pub async fn list_each(&mut self, mut each: impl FnMut(u32, u64)) -> Result<()> {
        self.expect_ok("LIST", "LIST", "list the messages in").await?;
        self.read_lines("the answer to LIST", |line| {
            let (n, size) = parse_list_entry(line).ok_or("not \"number size\"")?;
            each(n, size);
            Ok(())
        })
        .await
    }

    /// `LIST`: every message's number and size.
    pub async fn list(&mut self) -> Result<Vec<(u32, u64)>> {
        let mut all = Vec::new();
        self.list_each(|n, size| all.push((n, size))).await?;
        Ok(all)
    }

    /// `UIDL`: every message's number and unique id (stable across sessions).
    pub async fn uidl(&mut self) -> Result<Vec<(u32, String)>> {
        self.expect_ok("UIDL", "UIDL", "list the message ids in").await?;
        let mut all = Vec::new();
        self.read_lines("the answer to UIDL", |line| {
            all.push(parse_uidl_entry(line).ok_or("not \"number unique-id\"")?);
            Ok(())
        })
        .await?;
        Ok(all)
    }

    /// `TOP msgno lines`: the headers, the blank line, and the first `lines` body lines,
    /// unstuffed, line endings as sent. More than [`MAX_TOP`] bytes is an error.
    pub async fn top(&mut self, msgno: u32, lines: u32) -> Result<Vec<u8>> {
        self.send_ahead(&[Ahead::Top(msgno, lines)]).await?;
        self.recv_top(msgno, lines).await
    }

    /// `RETR msgno`: streams the message into `out`, unstuffed, line endings as sent,
    /// through one 64 KiB buffer (memory stays flat for a 100 MB message). Returns the
    /// bytes written; `out` is flushed at the end.
    pub async fn retr_to<W: AsyncWrite + Unpin>(&mut self, msgno: u32, out: &mut W) -> Result<u64> {
        self.send_ahead(&[Ahead::Retr(msgno)]).await?;
        self.recv_retr_to(msgno, None, out).await
    }

    /// `DELE msgno`: marks the message for deletion. Nothing is removed until
    /// [`quit`](Self::quit) succeeds; [`rset`](Self::rset) unmarks everything.
    pub async fn dele(&mut self, msgno: u32) -> Result<()> {
        self.send_ahead(&[Ahead::Dele(msgno)]).await?;
        self.recv_dele(msgno).await
    }

    /// Sends these commands in one write, without waiting for any answer; read the answers
    /// with `recv_*` in the same order. More than one command at a time only where the
    /// server offers PIPELINING ([`pipelining`](Self::pipelining)): the caller decides,
    /// and bounds how many are in flight.
    pub async fn send_ahead(&mut self, cmds: &[Ahead]) -> Result<()> {
        self.usable()?;
        let Some(first) = cmds.first() else { return Ok(()) };
        let shown =
            if cmds.len() == 1 { first.command() } else { format!("{} and {} more", first.command(), cmds.len() - 1) };
        if self.in_flight.is_empty() {
            self.check_nothing_unasked(&shown)?;
        }
        let mut data = Vec::with_capacity(cmds.len() * 16);
        for cmd in cmds {
            data.extend_from_slice(cmd.command().as_bytes());
            data.extend_from_slice(b"\r\n");
        }
        self.write_all(&data, &shown).await?;
        self.in_flight.extend(cmds.iter().copied());
        Ok(())
    }

    /// Reads the answer to `TOP msgno lines`, the oldest command in flight.
    pub async fn recv_top(&mut self, msgno: u32, lines: u32) -> Result<Vec<u8>> {
        let cmd = Ahead::Top(msgno, lines);
        self.answer_ok(cmd).await?;
        let mut out = Vec::new();
        let what = format!("the answer to {}", cmd.command());
        self.read_body(&what, &format!("the headers of message {msgno}"), &mut out, Some(MAX_TOP)).await?;
        Ok(out)
    }

    /// Reads the answer to `RETR msgno`, the oldest command in flight, streaming the
    /// message into `out` as [`retr_to`](Self::retr_to) does.
    ///
    /// `expect_size` (the LIST size) guards a pipelined session: a server whose `+OK`
    /// announces `N octets` (RFC 1939's form) with another `N` is answering some other
    /// command, so the session stops there, before any of the body is taken.
    pub async fn recv_retr_to<W: AsyncWrite + Unpin>(
        &mut self,
        msgno: u32,
        expect_size: Option<u64>,
        out: &mut W,
    ) -> Result<u64> {
        let cmd = Ahead::Retr(msgno);
        let status = self.answer_ok(cmd).await?;
        if let (Some(want), Some(said)) = (expect_size, announced_octets(&status.text))
            && want != said
        {
            let e = error::failure_hint(
                format!(
                    "{} answered RETR {msgno} with \"{status}\", but LIST gave message {msgno} {want} octets: its answers are out of step with the commands sent",
                    self.spec.host
                ),
                "nothing is deleted from a session that goes wrong; if this repeats, report it to the server's administrator",
            );
            return Err(self.broke(e));
        }
        let what = format!("the answer to {}", cmd.command());
        self.read_body(&what, &format!("message {msgno}"), out, None).await
    }

    /// Reads the answer to `DELE msgno`, the oldest command in flight.
    pub async fn recv_dele(&mut self, msgno: u32) -> Result<()> {
        self.answer_ok(Ahead::Dele(msgno)).await.map(drop)
    }

    /// Reads and drops the answer to the oldest command in flight (a message sent ahead
    /// that is not wanted after all).
    pub async fn skip_answer(&mut self) -> Result<()> {
        let Some(&cmd) = self.in_flight.front() else { return Ok(()) };
        let status = self.answer(cmd).await?;
        if status.ok && !matches!(cmd, Ahead::Dele(_)) {
            let what = format!("the answer to {}", cmd.command());
            self.read_body(&what, "a message not needed", &mut tokio::io::sink(), None).await?;
        }
        Ok(())
    }

    /// Reads the status line answering `cmd`, which must be the oldest in flight.
    async fn answer(&mut self, cmd: Ahead) -> Result<StatusLine> {
        self.usable()?;
        match self.in_flight.front() {
            Some(&front) if front == cmd => {}
            front => {
                // A caller reading answers out of order would take one message for another.
                let e = anyhow!(
                    "internal error: reading the answer to {} while the next one due is {}",
                    cmd.command(),
                    front.map_or_else(|| "none".to_string(), |f| f.command())
                );
                return Err(self.broke(e));
            }
        }
        self.in_flight.pop_front();
        let what = format!("the answer to {}", cmd.command());
        let line = self.read_line(&what).await?;
        match parse_status(&line) {
            Some(status) => Ok(status),
            None => Err(self.unreadable(&what, &line)),
        }
    }

    /// Like [`answer`](Self::answer); `-ERR` is an error saying what could not be done.
    async fn answer_ok(&mut self, cmd: Ahead) -> Result<StatusLine> {
        let status = self.answer(cmd).await?;
        if status.ok { Ok(status) } else { Err(self.refusal(&cmd.action(), &status)) }
    }

    /// `NOOP`: keeps the session alive (servers drop idle ones after 10 minutes or so).
    pub async fn noop(&mut self) -> Result<()> {
        self.expect_ok("NOOP", "NOOP", "keep the session open with").await.map(drop)
    }

    /// `RSET`: unmarks every message marked for deletion in this session.
    pub async fn rset(&mut self) -> Result<()> {
        self.expect_ok("RSET", "RSET", "undo the deletions in").await.map(drop)
    }

    /// `QUIT`: ends the session. **This is what commits deletions**: the server removes
    /// the messages marked with [`dele`](Self::dele) only when it answers `+OK` here. An
    /// `-ERR` (e.g. "some deleted messages not removed") is an error: then some or all
    /// marked messages may still be on the server.
    pub async fn quit(mut self) -> Result<()> {
        self.expect_ok("QUIT", "QUIT", "end the session (and commit deletions) in").await?;
        // The server closes after its answer; a failed shutdown changes nothing.
        let _ = tokio::time::timeout(self.limit, self.io.shutdown()).await;
        Ok(())
    }

    /// Sends a command and reads its status line; `-ERR` is an error saying what could
    /// not be done (`action` reads "cannot {action} pop3s://alice@host").
    async fn expect_ok(&mut self, cmd: &str, shown: &str, action: &str) -> Result<StatusLine> {
        let status = self.command(cmd, shown).await?;
        if status.ok { Ok(status) } else { Err(self.refusal(action, &status)) }
    }

    /// "cannot {action} pop3s://alice@host: -ERR ...", with a hint from its response code.
    fn refusal(&self, action: &str, status: &StatusLine) -> anyhow::Error {
        let message = format!("cannot {action} {}: {status}", self.label());
        match status.hint() {
            Some(hint) => error::failure_hint(message, hint),
            None => anyhow!(message),
        }
    }

    /// Sends a command and reads its status line, whatever it says. `shown` is the
    /// command as errors may show it (no secrets).
    async fn command(&mut self, cmd: &str, shown: &str) -> Result<StatusLine> {
        self.send(cmd, shown).await?;
        let what = format!("the answer to {shown}");
        let line = self.read_line(&what).await?;
        match parse_status(&line) {
            Some(status) => Ok(status),
            None => Err(self.unreadable(&what, &line)),
        }
    }

    async fn send(&mut self, line: &str, shown: &str) -> Result<()> {
        self.usable()?;
        if line.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            // A line break in a login name would smuggle in a second command.
            return Err(error::usage(format!(
                "cannot send {shown} to {}: it would contain a line break or NUL",
                self.spec.host
            )));
        }
        if !self.in_flight.is_empty() {
            // One-at-a-time commands read the next answer as theirs.
            let e = anyhow!(
                "internal error: {shown} would be sent while {} answers to earlier commands are unread",
                self.in_flight.len()
            );
            return Err(self.broke(e));
        }
        self.check_nothing_unasked(shown)?;
        let mut data = Vec::with_capacity(line.len() + 2);
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(b"\r\n");
        self.write_all(&data, shown).await
    }

    /// With no answer due, buffered bytes are the server's own idea: it is out of step.
    fn check_nothing_unasked(&mut self, shown: &str) -> Result<()> {
        if self.start == self.end {
            return Ok(());
        }
        let e = anyhow!(
            "{} sent {} bytes nobody asked for before {shown}; the session is out of step",
            self.spec.host,
            self.end - self.start
        );
        Err(self.broke(e))
    }

    async fn write_all(&mut self, data: &[u8], shown: &str) -> Result<()> {
        let io = &mut self.io;
        let host = &self.spec.host;
        let sent = deadline(self.limit, || format!("sending {shown} to {host}"), async {
            io.write_all(data).await?;
            io.flush().await
        })
        .await;
        sent.map_err(|e| {
            let e = self.explain_io(e, &format!("sending {shown}"));
            self.broke(e)
        })
    }

    /// Reads more bytes into the buffer; EOF is an error.
    async fn fill(&mut self, what: &str) -> Result<()> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let io = &mut self.io;
        let host = &self.spec.host;
        let read =
            deadline(self.limit, || format!("waiting for {what} from {host}"), io.read(&mut self.buf[self.end..]))
                .await;
        match read {
            Ok(0) => {
                let e = error::failure_hint(
                    format!("{} closed the connection during {what}", self.spec.host),
                    "the server dropped the session (an idle limit, a restart, or too many connections); try again",
                );
                Err(self.broke(e))
            }
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(e) => {
                let e = self.explain_io(e, &format!("reading {what}"));
                Err(self.broke(e))
            }
        }
    }

    /// Reads one line, without its CRLF or bare LF.
    async fn read_line(&mut self, what: &str) -> Result<Vec<u8>> {
        // Bytes already searched for LF, so a line arriving in many pieces is scanned once.
        let mut scanned = 0;
        loop {
            let window = &self.buf[self.start + scanned..self.end];
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                let lf = self.start + scanned + i;
                let mut stop = lf;
                if stop > self.start && self.buf[stop - 1] == b'\r' {
                    stop -= 1;
                }
                let line = self.buf[self.start..stop].to_vec();
                self.start = lf + 1;
                return Ok(line);
            }
            scanned = self.end - self.start;
            if scanned >= self.buf.len() {
                let e = error::failure_hint(
                    format!("{} sent a line longer than {} KiB in {what}", self.spec.host, MAX_LINE / 1024),
                    "the server is not speaking POP3 properly; check the host and port",
                );
                return Err(self.broke(e));
            }
            self.fill(what).await?;
        }
    }

    /// Reads the lines of a multi-line answer up to the lone `.`, removing the stuffed
    /// leading dots. The first line `each` rejects makes the result an error, but only
    /// once the whole answer was read, so the session stays usable.
    async fn read_lines(&mut self, what: &str, mut each: impl FnMut(&[u8]) -> Result<(), String>) -> Result<()> {
        let mut first_bad: Option<(String, String)> = None;
        loop {
            let line = self.read_line(what).await?;
            let content = match line.as_slice() {
                b"." => break,
                [b'.', rest @ ..] => rest,
                other => other,
            };
            if first_bad.is_none()
                && let Err(why) = each(content)
            {
                first_bad = Some((error::shorten(&printable(content)), why));
            }
        }
        match first_bad {
            None => Ok(()),
            Some((line, why)) => Err(error::failure_hint(
                format!("{} sent an unreadable line in {what}: \"{line}\" ({why})", self.spec.host),
                "the server is not speaking POP3 properly; report it to its administrator",
            )),
        }
    }

    /// Streams a multi-line body into `out`, unstuffed. `item` names it for write errors.
    async fn read_body<W: AsyncWrite + Unpin>(
        &mut self,
        what: &str,
        item: &str,
        out: &mut W,
        max: Option<u64>,
    ) -> Result<u64> {
        let mut unstuffer = DotUnstuffer::new();
        let mut chunk = Vec::with_capacity(self.buf.len());
        let mut total = 0u64;
        loop {
            if self.start == self.end {
                self.fill(what).await?;
            }
            chunk.clear();
            let fed = unstuffer.feed(&self.buf[self.start..self.end], &mut chunk);
            self.start += fed.consumed;
            total += chunk.len() as u64;
            if let Some(max) = max
                && total > max
            {
                let e = anyhow!("{item} in {} is larger than {} MiB; giving up", self.label(), max / (1024 * 1024));
                return Err(self.broke(e));
            }
            if let Err(e) = out.write_all(&chunk).await {
                let e = anyhow::Error::new(e).context(format!("cannot store {item} from {}", self.label()));
                return Err(self.broke(e));
            }
            if fed.done {
                break;
            }
        }
        if let Err(e) = out.flush().await {
            return Err(anyhow::Error::new(e).context(format!("cannot store {item} from {}", self.label())));
        }
        Ok(total)
    }

    fn usable(&self) -> Result<()> {
        match &self.broken {
            None => Ok(()),
            Some(why) => Err(anyhow!("the session with {} is unusable after an earlier error ({why})", self.label())),
        }
    }

    /// Marks the session unusable: after a failed read or write the server may be
    /// mid-answer, and its next bytes would be taken for the next command's answer.
    fn broke(&mut self, e: anyhow::Error) -> anyhow::Error {
        if self.broken.is_none() {
            self.broken = Some(error::one_line(&e));
        }
        e
    }

    fn unreadable(&mut self, what: &str, line: &[u8]) -> anyhow::Error {
        let e = error::failure_hint(
            format!(
                "{} sent something that is not POP3 as {what}: \"{}\"",
                self.spec.host,
                error::shorten(&printable(line))
            ),
            "the server is not speaking POP3 properly; check the host and port",
        );
        self.broke(e)
    }

    /// Says what a network error means; deadline errors pass through unchanged.
    fn explain_io(&self, e: anyhow::Error, doing: &str) -> anyhow::Error {
        use std::io::ErrorKind;
        let host = &self.spec.host;
        let Some(kind) = e.downcast_ref::<std::io::Error>().map(|io| io.kind()) else {
            return e;
        };
        match kind {
            ErrorKind::UnexpectedEof => error::failure_hint(
                format!("{host} closed the connection while {doing}"),
                "the server dropped the session (an idle limit, a restart, or too many connections); try again",
            ),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => error::failure_hint(
                format!("{host} reset the connection while {doing}"),
                "try again; if it persists, check the server's logs",
            ),
            _ => e.context(format!("network error with {host} while {doing}")),
        }
    }
}

/// `pop3s://alice@host[:port]` for the spec with another user.
fn label_for(spec: &ServerSpec, user: &str) -> String {
    SourceSpec::Server(ServerSpec { user: user.to_string(), ..spec.clone() }).to_string()
}

fn refused(method: Method, status: &StatusLine, detail: Option<String>) -> Refused {
    let message = match detail {
        Some(d) => format!("{status} (server said: {})", error::shorten(&d)),
        None => status.to_string(),
    };
    // A refusal of a token ([AUTH] or no code) is about the token, not a password.
    let auth_code = status.code.as_deref().is_none_or(|c| c.starts_with("AUTH"));
    let hint = if method.is_oauth() && auth_code {
        crate::secret::OAUTH_REFUSED_HINT
    } else {
        status.hint().unwrap_or(crate::secret::PASSWORD_REFUSED_HINT)
    };
    Refused { method: Some(method), message, hint }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{exit_code, hints, one_line};
    use crate::exit::ExitCode;
    use crate::model::Protocol;
    use crate::pop::fake::{Step, say, serve, trickle};
    use crate::secret::{Mechanism, Secret};
    use tokio::io::DuplexStream;
    use tokio::task::JoinHandle;

    fn spec() -> ServerSpec {
        ServerSpec {
            protocol: Protocol::Pop3,
            security: Security::Plain,
            host: "mail.test".into(),
            port: 110,
            user: "alice".into(),
        }
    }

    fn creds(mechanism: Mechanism, secret: &str) -> Credentials {
        Credentials { login: "alice".into(), authzid: None, secret: Secret::new(secret), mechanism }
    }

    async fn session(greeting: &str, steps: Vec<Step>) -> (Pop3Client<DuplexStream>, JoinHandle<Vec<String>>) {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let greeting = greeting.to_string();
        let server = tokio::spawn(async move { serve(server_io, &greeting, steps).await });
        let (client, _) = Pop3Client::start(client_io, &spec(), Duration::from_secs(5)).await.unwrap();
        (client, server)
    }

    #[tokio::test]
    async fn a_whole_session() {
        let (mut c, server) = session(
            "+OK Dovecot ready.\r\n",
            vec![
                say("+OK\r\nUSER\r\n.\r\n"),
                say("+OK\r\n"),
                say("+OK Logged in.\r\n"),
                say("+OK 2 320\r\n"),
                say("+OK 2 messages:\r\n1 120\r\n2 200\r\n.\r\n"),
                say("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"),
                say("+OK\r\nSubject: hi\r\n\r\n.\r\n"),
                say("+OK marked\r\n"),
                say("+OK\r\n"),
                say("+OK\r\n"),
                say("+OK Logging out.\r\n"),
            ],
        )
        .await;
        c.capa().await.unwrap();
        let outcome = c.login(&creds(Mechanism::Auto, "hunter2")).await.unwrap();
        assert!(outcome.ok);
        assert_eq!((outcome.mechanism.as_str(), outcome.mailbox.as_str()), ("USER/PASS", "alice"));
        assert_eq!(c.stat().await.unwrap(), (2, 320));
        assert_eq!(c.list().await.unwrap(), [(1, 120), (2, 200)]);
        let uidl = c.uidl().await.unwrap();
        assert_eq!(uidl[1], (2, "QhdPYR:00WBw1Ph7x7".to_string()));
        assert_eq!(c.top(1, 0).await.unwrap(), b"Subject: hi\r\n\r\n");
        c.dele(2).await.unwrap();
        c.rset().await.unwrap();
        c.noop().await.unwrap();
        c.quit().await.unwrap();
        assert_eq!(
            server.await.unwrap(),
            ["CAPA", "USER alice", "PASS hunter2", "STAT", "LIST", "UIDL", "TOP 1 0", "DELE 2", "RSET", "NOOP", "QUIT"]
        );
    }

    #[tokio::test]
    async fn refused_logins_quote_the_server_and_never_the_password() {
        let (mut c, server) =
            session("+OK ready\r\n", vec![say("+OK\r\n"), say("-ERR [AUTH] Authentication failed.\r\n")]).await;
        let e = c.login(&creds(Mechanism::Auto, "hunter2")).await.unwrap_err();
        let text = one_line(&e);
        assert_eq!(text, "cannot log in to pop3://alice@mail.test with USER/PASS: -ERR [AUTH] Authentication failed.");
        assert!(hints(&e)[0].contains("password"));
        assert_eq!(exit_code(&e), ExitCode::Critical);
        assert!(!format!("{e:?}").contains("hunter2"));
        drop(c);
        assert_eq!(server.await.unwrap(), ["USER alice", "PASS hunter2"]);

        // A refusal of USER (Dovecot without TLS) stops before the password is sent.
        let msg = "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n";
        let (mut c, server) = session("+OK ready\r\n", vec![say(msg)]).await;
        let outcome = c.try_login(&creds(Mechanism::Auto, "hunter2")).await.unwrap();
        assert!(!outcome.ok);
        assert!(outcome.message.unwrap().contains("Plaintext authentication disallowed"));
        drop(c);
        assert_eq!(server.await.unwrap(), ["USER alice"]);
    }

    #[tokio::test]
    async fn sasl_plain_with_an_authorization_identity() {
        let (mut c, server) =
            session("+OK ready\r\n", vec![say("+OK\r\nSASL PLAIN\r\n.\r\n"), say("+OK Logged in.\r\n")]).await;
        c.capa().await.unwrap();
        let mut admin = creds(Mechanism::Auto, "pw");
        admin.login = "admin".into();
        admin.authzid = Some("alice".into());
        let outcome = c.login(&admin).await.unwrap();
        assert_eq!(
            (outcome.login.as_str(), outcome.mailbox.as_str(), outcome.mechanism.as_str()),
            ("admin", "alice", "PLAIN")
        );
        drop(c);
        assert_eq!(
            server.await.unwrap()[1],
            format!("AUTH PLAIN {}", auth::base64(sasl::plain(Some("alice"), "admin", "pw")))
        );
    }

    #[tokio::test]
    async fn long_initial_responses_wait_for_the_challenge() {
        let token = "t".repeat(400);
        let (mut c, server) = session("+OK ready\r\n", vec![say("+ \r\n"), say("+OK Logged in.\r\n")]).await;
        assert!(c.login(&creds(Mechanism::Xoauth2, &token)).await.unwrap().ok);
        drop(c);
        assert_eq!(server.await.unwrap(), ["AUTH XOAUTH2".to_string(), auth::base64(sasl::xoauth2("alice", &token))]);
    }

    #[tokio::test]
    async fn sasl_login_answers_two_challenges() {
        let (mut c, server) = session(
            "+OK ready\r\n",
            vec![say("+ VXNlcm5hbWU6\r\n"), say("+ UGFzc3dvcmQ6\r\n"), say("+OK Logged in.\r\n")],
        )
        .await;
        assert_eq!(c.login(&creds(Mechanism::Login, "pw")).await.unwrap().mechanism, "LOGIN");
        drop(c);
        assert_eq!(server.await.unwrap(), ["AUTH LOGIN", "YWxpY2U=", "cHc="]);
    }

    #[tokio::test]
    async fn oauth_errors_are_answered_and_reported() {
        let json = auth::base64(r#"{"status":"401","schemes":"bearer"}"#);
        let (mut c, server) =
            session("+OK ready\r\n", vec![say(&format!("+ {json}\r\n")), say("-ERR [AUTH] Invalid credentials\r\n")])
                .await;
        let outcome = c.try_login(&creds(Mechanism::Xoauth2, "tok")).await.unwrap();
        assert!(!outcome.ok);
        let message = outcome.message.unwrap();
        assert!(
            message.contains("-ERR [AUTH] Invalid credentials") && message.contains(r#""status":"401""#),
            "{message}"
        );
        drop(c);
        let got = server.await.unwrap();
        assert_eq!(got[1], "", "XOAUTH2 answers an error challenge with an empty line");

        let (mut c, server) =
            session("+OK ready\r\n", vec![say(&format!("+ {json}\r\n")), say("-ERR [AUTH] no\r\n")]).await;
        let e = c.login(&creds(Mechanism::Oauthbearer, "tok")).await.unwrap_err();
        assert!(hints(&e)[0].contains("access token"), "{:?}", hints(&e));
        drop(c);
        assert_eq!(server.await.unwrap()[1], "AQ==", "a single ^A");
    }

    #[tokio::test]
    async fn unexpected_challenges_are_cancelled() {
        let (mut c, server) = session("+OK ready\r\n", vec![say("+ \r\n"), say("-ERR cancelled\r\n")]).await;
        assert!(c.login(&creds(Mechanism::Plain, "pw")).await.is_err());
        drop(c);
        assert_eq!(server.await.unwrap()[1], "*");
    }

    #[tokio::test]
    async fn apop_uses_the_greeting_timestamp() {
        let (mut c, server) = session(
            "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
            vec![say("+OK maildrop locked\r\n")],
        )
        .await;
        assert_eq!(c.apop_timestamp(), Some("<1896.697170952@dbc.mtview.ca.us>"));
        let mut mrose = creds(Mechanism::Apop, "tanstaaf");
        mrose.login = "mrose".into();
        assert!(c.login(&mrose).await.unwrap().ok);
        drop(c);
        assert_eq!(server.await.unwrap(), ["APOP mrose c4c9334bac560ecc979e58001b3e22fb"]);

        let (mut c, _server) = session("+OK ready\r\n", vec![]).await;
        let outcome = c.try_login(&creds(Mechanism::Apop, "pw")).await.unwrap();
        assert!(outcome.message.unwrap().contains("does not offer APOP"));
    }

    #[tokio::test]
    async fn contradictory_settings_are_usage_errors() {
        let (mut c, _server) = session("+OK ready\r\n", vec![]).await;
        let mut bad = creds(Mechanism::Login, "pw");
        bad.authzid = Some("bob".into());
        let e = c.try_login(&bad).await.unwrap_err();
        assert_eq!(exit_code(&e), ExitCode::Unknown);
        let mut bad = creds(Mechanism::Auto, "pw");
        bad.login = "alice\r\nDELE 1".into();
        let e = c.login(&bad).await.unwrap_err();
        assert_eq!(exit_code(&e), ExitCode::Unknown);
        assert!(one_line(&e).contains("line break"));
    }

    #[tokio::test]
    async fn retr_streams_and_unstuffs_across_any_boundary() {
        // Small messages byte by byte, big ones (lines longer than the buffer) in chunks.
        for (lines, long_line, piece) in
            [(30, 100, 1), (30, 100, 3), (2000, 200_000, 7), (2000, 200_000, 4096), (2000, 200_000, usize::MAX)]
        {
            let mut message = Vec::new();
            for i in 0..lines {
                message.extend_from_slice(format!("line {i}\r\n").as_bytes());
                message.extend_from_slice(b".leading dot\r\n\r\n");
            }
            message.extend_from_slice(&vec![b'x'; long_line]);
            message.extend_from_slice(b"\r\n.\r\n");
            let mut wire = b"+OK 1 octets\r\n".to_vec();
            for line in message.split_inclusive(|&b| b == b'\n') {
                if line[0] == b'.' {
                    wire.push(b'.');
                }
                wire.extend_from_slice(line);
            }
            wire.extend_from_slice(b".\r\n");
            let (mut c, server) = session("+OK\r\n", vec![trickle(&wire, piece), say("+OK bye\r\n")]).await;
            let mut out = Vec::new();
            let n = c.retr_to(1, &mut out).await.unwrap();
            assert_eq!(n, message.len() as u64);
            assert!(out == message, "piece size {piece}");
            c.quit().await.unwrap();
            assert_eq!(server.await.unwrap(), ["RETR 1", "QUIT"]);
        }
    }

    #[tokio::test]
    async fn pipelined_answers_are_read_in_order() {
        let (mut c, server) = session(
            "+OK\r\n",
            vec![
                say("+OK\r\nTOP\r\nUIDL\r\nPIPELINING\r\n.\r\n"),
                say("+OK\r\nSubject: one\r\n\r\n.\r\n"),
                say("+OK 10 octets\r\n..stuffed\r\n.\r\n"),
                say("+OK message follows\r\nbody\r\n.\r\n"),
                say("+OK marked\r\n"),
                say("-ERR [SYS/TEMP] cannot\r\n"),
                say("+OK\r\n"),
            ],
        )
        .await;
        assert!(!c.pipelining());
        c.capa().await.unwrap();
        assert!(c.pipelining());
        c.send_ahead(&[Ahead::Top(1, 0), Ahead::Retr(1), Ahead::Retr(2), Ahead::Dele(1), Ahead::Dele(2)])
            .await
            .unwrap();
        assert_eq!(c.in_flight(), 5);
        assert_eq!(c.recv_top(1, 0).await.unwrap(), b"Subject: one\r\n\r\n");
        let mut one = Vec::new();
        assert_eq!(c.recv_retr_to(1, Some(10), &mut one).await.unwrap(), 10);
        assert_eq!(one, b".stuffed\r\n");
        c.skip_answer().await.unwrap();
        c.recv_dele(1).await.unwrap();
        // A refusal mid-pipeline is an error for that command only.
        let e = c.recv_dele(2).await.unwrap_err();
        assert!(one_line(&e).contains("cannot mark message 2 for deletion"), "{}", one_line(&e));
        assert_eq!(c.in_flight(), 0);
        c.noop().await.unwrap();
        drop(c);
        assert_eq!(server.await.unwrap(), ["CAPA", "TOP 1 0", "RETR 1", "RETR 2", "DELE 1", "DELE 2", "NOOP"]);
    }

    #[tokio::test]
    async fn answers_are_never_read_for_the_wrong_command() {
        let (mut c, _server) = session("+OK\r\n", vec![say("+OK 1 octets\r\nx\r\n.\r\n")]).await;
        c.send_ahead(&[Ahead::Retr(1), Ahead::Retr(2)]).await.unwrap();
        // Not the oldest in flight: a bug, and the session is not trusted any more.
        let e = c.recv_retr_to(2, None, &mut Vec::new()).await.unwrap_err();
        assert!(one_line(&e).contains("internal error"), "{}", one_line(&e));
        assert!(c.recv_retr_to(1, None, &mut Vec::new()).await.is_err());

        // A one-at-a-time command would take a pipelined answer for its own.
        let (mut c, _server) = session("+OK\r\n", vec![say("+OK 1 octets\r\nx\r\n.\r\n")]).await;
        c.send_ahead(&[Ahead::Retr(1)]).await.unwrap();
        let e = c.noop().await.unwrap_err();
        assert!(one_line(&e).contains("1 answers to earlier commands are unread"), "{}", one_line(&e));
    }

    #[tokio::test]
    async fn a_server_out_of_step_stops_the_session() {
        // RETR 2 is answered with another message's size: caught before its body is taken.
        let (mut c, _server) = session(
            "+OK\r\n",
            vec![say("+OK 3 octets\r\nab\r\n.\r\n"), say("+OK 120 octets\r\nother\r\n.\r\n"), say("+OK\r\n")],
        )
        .await;
        c.send_ahead(&[Ahead::Retr(1), Ahead::Retr(2), Ahead::Dele(1)]).await.unwrap();
        let mut out = Vec::new();
        c.recv_retr_to(1, Some(4), &mut out).await.unwrap_err();
        let e = c.recv_retr_to(2, Some(7), &mut out).await.unwrap_err();
        assert!(out.is_empty());
        assert!(one_line(&e).contains("unusable"), "the first mismatch already stopped it: {}", one_line(&e));

        let (mut c, _server) = session(
            "+OK\r\n",
            vec![say("+OK 4 octets\r\nab\r\n.\r\n"), say("+OK 120 octets\r\nother\r\n.\r\n"), say("+OK\r\n")],
        )
        .await;
        c.send_ahead(&[Ahead::Retr(1), Ahead::Retr(2), Ahead::Dele(1)]).await.unwrap();
        c.recv_retr_to(1, Some(4), &mut Vec::new()).await.unwrap();
        let mut out = Vec::new();
        let e = c.recv_retr_to(2, Some(7), &mut out).await.unwrap_err();
        assert!(one_line(&e).contains("out of step"), "{}", one_line(&e));
        assert!(out.is_empty(), "nothing of the wrong message is taken");
        assert!(one_line(&c.recv_dele(1).await.unwrap_err()).contains("unusable"));

        // Garbage instead of an answer, mid-pipeline.
        let (mut c, _server) =
            session("+OK\r\n", vec![say("+OK\r\nx\r\n.\r\n"), say("HTTP/1.1 400 Bad Request\r\n"), say("+OK\r\n")])
                .await;
        c.send_ahead(&[Ahead::Retr(1), Ahead::Retr(2), Ahead::Dele(1)]).await.unwrap();
        c.recv_retr_to(1, None, &mut Vec::new()).await.unwrap();
        let e = c.recv_retr_to(2, None, &mut Vec::new()).await.unwrap_err();
        assert!(one_line(&e).contains("not POP3 as the answer to RETR 2"), "{}", one_line(&e));
        assert!(c.recv_dele(1).await.is_err());
    }

    #[tokio::test]
    async fn refused_commands_name_the_mailbox_and_keep_the_session() {
        let (mut c, _server) = session(
            "+OK\r\n",
            vec![say("-ERR [IN-USE] Mailbox is locked\r\n"), say("-ERR no such message\r\n"), say("+OK\r\n")],
        )
        .await;
        let e = c.stat().await.unwrap_err();
        assert_eq!(
            one_line(&e),
            "cannot count the messages in pop3://alice@mail.test: -ERR [IN-USE] Mailbox is locked"
        );
        assert!(hints(&e)[0].contains("another session"));
        let e = c.retr_to(9, &mut Vec::new()).await.unwrap_err();
        assert!(one_line(&e).contains("cannot retrieve message 9 from pop3://alice@mail.test: -ERR no such message"));
        c.noop().await.unwrap();
    }

    #[tokio::test]
    async fn garbage_listing_lines_are_errors_after_the_whole_answer() {
        let (mut c, _server) =
            session("+OK\r\n", vec![say("+OK\r\n1 120\r\nwhat is this\r\n3 30\r\n.\r\n"), say("+OK\r\n")]).await;
        let e = c.list().await.unwrap_err();
        assert!(one_line(&e).contains("unreadable line in the answer to LIST: \"what is this\""), "{}", one_line(&e));
        c.noop().await.unwrap();
    }

    #[tokio::test]
    async fn eof_mid_answer_is_an_error_and_the_session_is_then_unusable() {
        let (mut c, _server) = session("+OK\r\n", vec![say("+OK\r\nSubject: cut")]).await;
        let e = c.retr_to(1, &mut Vec::new()).await.unwrap_err();
        assert_eq!(one_line(&e), "mail.test closed the connection during the answer to RETR 1");
        let e = c.noop().await.unwrap_err();
        assert!(one_line(&e).contains("unusable after an earlier error"), "{}", one_line(&e));

        let (c_io, s_io) = tokio::io::duplex(1024);
        drop(s_io);
        let e = Pop3Client::start(c_io, &spec(), Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(one_line(&e), "mail.test closed the connection during the greeting");
    }

    #[tokio::test]
    async fn silence_times_out() {
        let (c_io, mut s_io) = tokio::io::duplex(1024);
        s_io.write_all(b"+OK\r\n").await.unwrap();
        let (mut c, _) = Pop3Client::start(c_io, &spec(), Duration::from_millis(200)).await.unwrap();
        let e = c.noop().await.unwrap_err();
        assert_eq!(one_line(&e), "timed out after 0.2s while waiting for the answer to NOOP from mail.test");
        assert!(c.noop().await.is_err());
        drop(s_io);
    }

    #[tokio::test]
    async fn a_silent_greeting_suggests_tls() {
        let (c_io, _s_io) = tokio::io::duplex(1024);
        let e = Pop3Client::start(c_io, &spec(), Duration::from_millis(100)).await.unwrap_err();
        assert_eq!(one_line(&e), "mail.test:110 sent no greeting within 0.1s");
        assert!(hints(&e)[0].contains("pop3s://"));
    }

    #[tokio::test]
    async fn endless_lines_are_refused() {
        let long = format!("+OK {}", "x".repeat(MAX_LINE + 10));
        let (mut c, _server) = session("+OK\r\n", vec![say(&long)]).await;
        let e = c.noop().await.unwrap_err();
        assert!(one_line(&e).contains("a line longer than 64 KiB"), "{}", one_line(&e));

        // A line of exactly MAX_LINE octets still fits.
        let fits = format!("+OK {}\r\n", "x".repeat(MAX_LINE - 4));
        let (mut c, _server) = session("+OK\r\n", vec![say(&fits)]).await;
        c.noop().await.unwrap();
    }

    #[tokio::test]
    async fn oversized_headers_are_refused() {
        let mut answer = b"+OK\r\n".to_vec();
        answer
            .extend(std::iter::repeat_n(b"X-Filler: 0123456789012345678901234567890123456789\r\n", 200_000).flatten());
        answer.extend_from_slice(b".\r\n");
        let (mut c, _server) = session("+OK\r\n", vec![Step { answer, piece: usize::MAX }]).await;
        let e = c.top(1, 0).await.unwrap_err();
        assert!(one_line(&e).contains("larger than 8 MiB"), "{}", one_line(&e));
    }

    #[tokio::test]
    async fn odd_greetings() {
        for (greeting, expected) in [
            ("* OK IMAP4rev1 ready\r\n", "mail.test:110 does not greet like a POP3 server: \"* OK IMAP4rev1 ready\""),
            ("-ERR [SYS/TEMP] too busy\r\n", "mail.test refused the session: -ERR [SYS/TEMP] too busy"),
        ] {
            let (c_io, mut s_io) = tokio::io::duplex(1024);
            s_io.write_all(greeting.as_bytes()).await.unwrap();
            let e = Pop3Client::start(c_io, &spec(), Duration::from_secs(1)).await.unwrap_err();
            assert_eq!(one_line(&e), expected);
            assert!(!hints(&e).is_empty());
        }
    }

    #[tokio::test]
    async fn servers_without_capa_and_sloppy_line_endings() {
        let (mut c, _server) =
            session("+OK ready\n", vec![say("-ERR unknown command\n"), say("+OK\n1 5\n..odd\n.\n"), say("+OK 1 5\n")])
                .await;
        assert!(c.capa().await.unwrap().is_empty());
        assert!(c.capabilities().is_empty());
        let mut out = Vec::new();
        c.retr_to(1, &mut out).await.unwrap();
        assert_eq!(out, b"1 5\n.odd\n");
        assert_eq!(c.stat().await.unwrap(), (1, 5));
    }

    #[tokio::test]
    async fn unasked_data_stops_the_session() {
        let (mut c, _server) = session("+OK\r\n", vec![say("+OK\r\n+OK surprise\r\n"), say("+OK\r\n")]).await;
        c.noop().await.unwrap();
        // Let the surprise arrive in the client's buffer with the first answer or later.
        let e = loop {
            if let Err(e) = c.noop().await {
                break e;
            }
        };
        assert!(one_line(&e).contains("nobody asked for") || one_line(&e).contains("unusable"), "{}", one_line(&e));
    }

    #[tokio::test]
    async fn quit_refused_means_deletions_may_not_be_committed() {
        let (mut c, _server) =
            session("+OK\r\n", vec![say("+OK\r\n"), say("-ERR some deleted messages not removed\r\n")]).await;
        c.dele(1).await.unwrap();
        let e = c.quit().await.unwrap_err();
        assert!(one_line(&e).contains("commit deletions") && one_line(&e).contains("not removed"), "{}", one_line(&e));
    }

    #[tokio::test]
    async fn plaintext_needs_consent() {
        let net = NetSettings { timeout: Duration::from_secs(1), tls: Default::default() };
        let e = Pop3Client::connect(&spec(), &net, false).await.unwrap_err();
        assert_eq!(exit_code(&e), ExitCode::Unknown);
        assert!(one_line(&e).contains("in clear"));
        assert!(hints(&e)[0].contains("--plaintext"));
    }

    #[tokio::test]
    async fn stls_is_required_for_pop3_urls() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            serve(tcp, "+OK ready\r\n", vec![say("+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n")]).await
        });
        let spec = ServerSpec { security: Security::StartTls, host: "127.0.0.1".into(), port, ..spec() };
        let net = NetSettings { timeout: Duration::from_secs(5), tls: Default::default() };
        let e = Pop3Client::connect(&spec, &net, false).await.unwrap_err();
        assert!(one_line(&e).contains("does not offer STLS"), "{}", one_line(&e));
        assert!(hints(&e)[0].contains("pop3s://"));
        assert_eq!(server.await.unwrap(), ["CAPA"]);
    }
}
