//! The IMAP side of `deleters watch` and `deleters snapshot`: a connection that speaks
//! through [`super::wire`] only (login, EXAMINE, FETCH, STATUS, APPEND, IDLE), and the
//! conversions of what it reads into [`crate::deleters::evidence`] values.
//!
//! Why not async-imap here: watching means IDLE for hours, and its IDLE handle has no
//! timeouts of its own, reports a dropped connection as `ManualInterrupt`, and keeps only
//! 100 unsolicited responses. With our own reader every untagged response (EXISTS,
//! EXPUNGE, VANISHED, FETCH) of every command reaches the caller in order, IDLE is a
//! plain command whose completion we wait for after `DONE`, and every read except the
//! idle wait itself is bounded by the network timeout. The caller renews IDLE well before
//! the 30 minutes after which RFC 2177 lets a server drop it ([`IDLE_RENEW`]).
//!
//! The connection is opened read-only (`EXAMINE`): watching changes no flag and no
//! `\Recent`. With QRESYNC (RFC 7162) enabled, removals come as `VANISHED` UID sets and
//! FETCH responses carry UIDs, so nothing depends on sequence numbers; without it the
//! caller keeps the sequence-number map itself ([`crate::deleters::live`]).
//!
//! Trash and Junk are looked at with `STATUS` first ([`read_folder`]): only when their
//! counters moved are they examined, their UIDs listed (`UID SEARCH ALL`) and the UIDs
//! not known yet read (`UID INTERNALDATE SAVEDATE` and the Message-ID header), so a cron
//! run over an unchanged Trash costs one round trip.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use base64::Engine as _;
use jiff::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::attachments::internal_date;
use super::batch::batches;
use super::session::{self, display_name};
use super::wire::{self, Completion, Limits, Response, ResponseAssembler, State, Value};
use crate::deleters::evidence::{MessageInfo, is_trash};
use crate::deleters::expiry::{self, FolderListing, FolderMessage, FolderState, Role};
use crate::deleters::state::FolderMark;
use crate::error;
use crate::model::ServerSpec;
use crate::model::mime::header;
use crate::net::{self, NetSettings, Stream};
use crate::secret::Credentials;

/// IDLE is ended and started again this often (RFC 2177: at most every 29 minutes).
pub const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
/// What is read of each message: enough to describe it, never its body.
pub const MESSAGE_ITEMS: &str =
    "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT RECEIVED)])";
/// UIDs per FETCH when reading a whole folder.
const BATCH: u64 = 500;

/// One logged-in IMAP connection driven through `wire`.
pub struct Conn {
    stream: Stream,
    asm: ResponseAssembler,
    chunk: Vec<u8>,
    tag: u32,
    timeout: Duration,
    /// Capabilities after login, upper-cased.
    pub capabilities: Vec<String>,
    /// `host:port`, for messages.
    pub server: String,
}

impl Conn {
    /// Connects (TLS / STARTTLS as the source says) and logs in.
    pub async fn open(spec: &ServerSpec, net: &NetSettings, creds: &Credentials) -> Result<Conn> {
        let (stream, info) = session::connect(spec, net).await?;
        let mut c = Conn {
            stream,
            asm: ResponseAssembler::new(Limits::default()),
            chunk: vec![0; 16 * 1024],
            tag: 0,
            timeout: net.timeout,
            capabilities: info.capabilities,
            server: format!("{}:{}", spec.host, spec.port),
        };
        c.login(creds, spec).await?;
        let mut caps = Vec::new();
        c.command("CAPABILITY", |r| {
            if let Response::Data(v) = r
                && let Some(cs) = wire::parse_capability(v)
            {
                caps = cs;
            }
        })
        .await?;
        c.capabilities = caps;
        Ok(c)
    }

    pub fn has(&self, cap: &str) -> bool {
        self.capabilities.iter().any(|c| c.eq_ignore_ascii_case(cap))
    }

    async fn login(&mut self, creds: &Credentials, spec: &ServerSpec) -> Result<()> {
        let mech = session::login_mechanism(&self.capabilities, creds)?;
        let status = if mech == "LOGIN" {
            let (Ok(user), Ok(pass)) =
                (wire::quote(creds.login.as_bytes()), wire::quote(creds.secret.expose().as_bytes()))
            else {
                return Err(error::usage_hint(
                    "the user name or password holds characters IMAP LOGIN cannot carry",
                    "use --auth plain",
                ));
            };
            self.command_quiet(&format!("LOGIN {user} {pass}"), "LOGIN").await?
        } else {
            self.authenticate(mech, &session::sasl_response(mech, creds, spec)).await?
        };
        if status.state != State::Ok {
            return Err(session::login_refused(&creds.login, &self.server, mech, status.text.trim(), creds));
        }
        Ok(())
    }

    /// AUTHENTICATE with the response sent after the first `+` (no SASL-IR needed); a
    /// second challenge (an OAuth error) gets the mechanism's own answer, after which the
    /// server says NO with its reason (`*` would only make it report an abort).
    async fn authenticate(&mut self, mech: &str, response: &[u8]) -> Result<Completion> {
        let tag = self.next_tag();
        self.send(format!("{tag} AUTHENTICATE {mech}\r\n").as_bytes(), "AUTHENTICATE").await?;
        let mut answered = false;
        loop {
            match self.read("AUTHENTICATE").await? {
                Response::Continuation(_) => {
                    let line = if !std::mem::replace(&mut answered, true) {
                        base64::engine::general_purpose::STANDARD.encode(response)
                    } else if matches!(mech, "XOAUTH2" | "OAUTHBEARER") {
                        let reply = crate::sasl::oauth_error_reply(mech == "OAUTHBEARER");
                        base64::engine::general_purpose::STANDARD.encode(reply)
                    } else {
                        "*".to_string()
                    };
                    self.send(format!("{line}\r\n").as_bytes(), "AUTHENTICATE").await?;
                }
                Response::Tagged { tag: t, status } if t == tag => return Ok(status),
                _ => {}
            }
        }
    }

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("MW{}", self.tag)
    }

    async fn send(&mut self, bytes: &[u8], verb: &str) -> Result<()> {
        let stream = &mut self.stream;
        net::deadline(self.timeout, || format!("sending {verb}"), async {
            stream.write_all(bytes).await?;
            stream.flush().await
        })
        .await
    }

    /// The next response, waiting as long as it takes (cancel-safe: bytes are consumed
    /// only once a read completes). For IDLE; everything else uses [`Conn::read`].
    pub async fn next(&mut self) -> Result<Response> {
        loop {
            if let Some(line) = self.asm.next_response().map_err(|e| anyhow!("cannot read the server's answer: {e}"))? {
                return wire::parse_response(&line).map_err(|e| anyhow!("cannot parse the server's answer: {e}"));
            }
            let n = self.stream.read(&mut self.chunk).await.context("reading from the server")?;
            if n == 0 {
                return Err(error::failure_hint(
                    format!("{} closed the connection", self.server),
                    "the server may have restarted or dropped the session",
                ));
            }
            self.asm.feed(&self.chunk[..n]);
        }
    }

    /// The next response within the network timeout.
    async fn read(&mut self, verb: &str) -> Result<Response> {
        let limit = self.timeout;
        net::deadline(limit, || format!("waiting for the answer to {verb}"), self.next()).await
    }

    /// Sends a command and hands every untagged response to `each` until its completion.
    /// `NO`/`BAD` completions are returned, not errors; BYE is an error.
    pub async fn command(&mut self, cmd: &str, mut each: impl FnMut(&Response)) -> Result<Completion> {
        let verb = cmd.split(' ').take(if cmd.starts_with("UID ") { 2 } else { 1 }).collect::<Vec<_>>().join(" ");
        if cmd.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(anyhow!("cannot send {verb}: a command must be one line"));
        }
        let tag = self.next_tag();
        self.send(format!("{tag} {cmd}\r\n").as_bytes(), &verb).await?;
        loop {
            match self.read(&verb).await? {
                Response::Tagged { tag: t, status } if t == tag => return Ok(status),
                Response::Tagged { tag: t, .. } => {
                    return Err(anyhow!("the server answered {t} while {tag} ({verb}) was pending"));
                }
                Response::Status(s) if s.state == State::Bye => {
                    return Err(error::failure_hint(
                        format!("{} closed the connection during {verb}: {}", self.server, s.text),
                        "the server may be restarting",
                    ));
                }
                Response::Continuation(_) => return Err(anyhow!("the server asked for more data during {verb}")),
                r => each(&r),
            }
        }
    }

    async fn command_quiet(&mut self, cmd: &str, _verb: &str) -> Result<Completion> {
        self.command(cmd, |_| {}).await
    }

    /// A command that must succeed.
    pub async fn ok(&mut self, cmd: &str, each: impl FnMut(&Response)) -> Result<()> {
        let status = self.command(cmd, each).await?;
        if status.state != State::Ok {
            let verb = cmd.split(' ').next().unwrap_or(cmd);
            return Err(anyhow!("{verb} refused by {}: {status}", self.server));
        }
        Ok(())
    }

    /// Starts IDLE; returns the tag to finish with [`Conn::idle_done`]. Untagged
    /// responses arriving before the continuation go to `each`.
    pub async fn idle_start(&mut self, mut each: impl FnMut(&Response)) -> Result<String> {
        let tag = self.next_tag();
        self.send(format!("{tag} IDLE\r\n").as_bytes(), "IDLE").await?;
        loop {
            match self.read("IDLE").await? {
                Response::Continuation(_) => return Ok(tag),
                Response::Tagged { status, .. } => return Err(anyhow!("IDLE refused by {}: {status}", self.server)),
                r => each(&r),
            }
        }
    }

    /// Ends IDLE: `DONE`, then every response up to its completion goes to `each`.
    pub async fn idle_done(&mut self, tag: &str, mut each: impl FnMut(&Response)) -> Result<()> {
        self.send(b"DONE\r\n", "DONE").await?;
        loop {
            match self.read("DONE").await? {
                Response::Tagged { tag: t, .. } if t == tag => return Ok(()),
                Response::Status(s) if s.state == State::Bye => {
                    return Err(anyhow!("{} closed the connection: {}", self.server, s.text));
                }
                r => each(&r),
            }
        }
    }

    /// APPEND a message to a folder; returns its UID when the server says (UIDPLUS).
    pub async fn append(&mut self, raw_folder: &str, message: &[u8]) -> Result<Option<u32>> {
        let folder = wire::quote(raw_folder.as_bytes())?;
        let tag = self.next_tag();
        let plus = self.has("LITERAL+");
        let head = format!("{tag} APPEND {folder} {{{}{}}}\r\n", message.len(), if plus { "+" } else { "" });
        self.send(head.as_bytes(), "APPEND").await?;
        if !plus {
            match self.read("APPEND").await? {
                Response::Continuation(_) => {}
                Response::Tagged { status, .. } => return Err(anyhow!("APPEND refused by {}: {status}", self.server)),
                _ => return Err(anyhow!("unexpected answer to APPEND")),
            }
        }
        let mut body = message.to_vec();
        body.extend_from_slice(b"\r\n");
        self.send(&body, "APPEND").await?;
        loop {
            match self.read("APPEND").await? {
                Response::Tagged { tag: t, status } if t == tag => {
                    if status.state != State::Ok {
                        return Err(anyhow!("APPEND refused by {}: {status}", self.server));
                    }
                    // [APPENDUID uidvalidity uid]
                    let uid = status.code_values.as_deref().and_then(|v| match v {
                        [k, _, uid] if k.is_atom("APPENDUID") => uid.as_u64().and_then(|u| u32::try_from(u).ok()),
                        _ => None,
                    });
                    return Ok(uid);
                }
                _ => {}
            }
        }
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.command("LOGOUT", |_| {})).await;
    }
}

/// What `EXAMINE` said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Examined {
    pub exists: u32,
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub highestmodseq: Option<u64>,
}

/// Opens a folder read-only; `Ok(None)` when the server says it does not exist.
pub async fn examine(c: &mut Conn, raw: &str) -> Result<Option<Examined>> {
    let mut e = Examined::default();
    let quoted = wire::quote(raw.as_bytes())?;
    let status = c
        .command(&format!("EXAMINE {quoted}"), |r| match r {
            Response::Data(v) => {
                if let [n, k] = v.as_slice()
                    && k.is_atom("EXISTS")
                {
                    e.exists = n.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
                }
            }
            Response::Status(s) => read_code(s, &mut e),
            _ => {}
        })
        .await?;
    read_code(&status, &mut e);
    match status.state {
        State::Ok => Ok(Some(e)),
        State::No => Ok(None),
        _ => Err(anyhow!("EXAMINE {raw:?} refused: {status}")),
    }
}

fn read_code(s: &Completion, e: &mut Examined) {
    if let Some([k, n]) = s.code_values.as_deref() {
        let n = n.as_u64();
        match k.as_str().map(str::to_ascii_uppercase).as_deref() {
            Some("UIDVALIDITY") => e.uidvalidity = n.and_then(|n| u32::try_from(n).ok()),
            Some("UIDNEXT") => e.uidnext = n.and_then(|n| u32::try_from(n).ok()),
            Some("HIGHESTMODSEQ") => e.highestmodseq = n,
            _ => {}
        }
    }
}

/// One FETCH response, as far as watching needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    pub seq: u32,
    pub uid: Option<u32>,
    /// `None` when FLAGS was not in the response.
    pub flags: Option<Vec<String>>,
    pub internal_date: Option<Timestamp>,
    /// SAVEDATE (RFC 8514), when asked for and known.
    pub save_date: Option<Timestamp>,
    pub size: Option<u64>,
    pub header: Option<Vec<u8>>,
}

impl Fetched {
    pub fn has_flag(&self, flag: &str) -> Option<bool> {
        self.flags.as_ref().map(|f| f.iter().any(|x| x.eq_ignore_ascii_case(flag)))
    }

    /// The message as the model knows it, seen now.
    pub fn to_info(&self, now: Timestamp) -> MessageInfo {
        let mut m = MessageInfo {
            uid: self.uid,
            arrived: self.internal_date,
            size: self.size.unwrap_or(0),
            first_seen: now,
            last_seen: now,
            seen: self.has_flag("\\Seen").unwrap_or(false),
            deleted: self.has_flag("\\Deleted").unwrap_or(false),
            ..MessageInfo::default()
        };
        if let Some(h) = &self.header {
            describe(&mut m, h);
        }
        m
    }
}

/// Fills Message-ID, From and Subject from a header block; the arrival from the newest
/// `Received:` when there is no INTERNALDATE (POP3).
pub fn describe(m: &mut MessageInfo, block: &[u8]) {
    let fields = header::fields(block);
    let text = |name| header::field(&fields, name).map(header::decode_words).filter(|s| !s.is_empty());
    m.message_id = header::field(&fields, "message-id")
        .map(|v| String::from_utf8_lossy(&header::unfold(v)).trim().to_string())
        .filter(|s| !s.is_empty());
    m.from = text("from");
    m.subject = text("subject");
    if m.arrived.is_none() {
        // The first Received: is the last hop, added on delivery: its date is the arrival.
        m.arrived = header::field(&fields, "received")
            .and_then(|v| v.iter().rposition(|&b| b == b';').map(|i| &v[i + 1..]))
            .and_then(header::date)
            .or_else(|| header::field(&fields, "date").and_then(header::date));
    }
}

/// Reads an untagged `n FETCH (...)`.
pub fn parse_fetch(values: &[Value]) -> Option<Fetched> {
    let [seq, keyword, Value::List(items)] = values else { return None };
    if !keyword.is_atom("FETCH") {
        return None;
    }
    let mut f = Fetched { seq: seq.as_u64().and_then(|n| u32::try_from(n).ok())?, ..Fetched::default() };
    for pair in items.chunks(2) {
        let [Value::Atom(key), value] = pair else { continue };
        match key.to_ascii_uppercase().as_str() {
            "UID" => f.uid = value.as_u64().and_then(|n| u32::try_from(n).ok()),
            "FLAGS" => {
                f.flags = value.as_list().map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            }
            "INTERNALDATE" => f.internal_date = value.as_str().and_then(internal_date),
            "SAVEDATE" => f.save_date = value.as_str().and_then(internal_date),
            "RFC822.SIZE" => f.size = value.as_u64(),
            k if k.starts_with("BODY[HEADER.FIELDS") => f.header = value.as_bytes().map(<[u8]>::to_vec),
            _ => {}
        }
    }
    Some(f)
}

/// A change to the examined folder, from an untagged response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Exists(u32),
    /// EXPUNGE: a sequence number.
    Expunge(u32),
    /// VANISHED (QRESYNC): UIDs; `earlier` for those reported on reopening.
    Vanished {
        uids: Vec<u32>,
        earlier: bool,
    },
    Fetch(Fetched),
}

/// Reads one untagged response as a change, if it is one.
pub fn change(values: &[Value]) -> Option<Change> {
    match values {
        [n, k] if k.is_atom("EXISTS") => Some(Change::Exists(u32::try_from(n.as_u64()?).ok()?)),
        [n, k] if k.is_atom("EXPUNGE") => Some(Change::Expunge(u32::try_from(n.as_u64()?).ok()?)),
        [k, rest @ ..] if k.is_atom("VANISHED") => {
            let (earlier, set) = match rest {
                [Value::List(e), set] if e.first().is_some_and(|x| x.is_atom("EARLIER")) => (true, set),
                [set] => (false, set),
                _ => return None,
            };
            let ranges = wire::parse_sequence_set(set.as_str()?)?;
            // A removal set is bounded by what we knew; cap what a hostile server may make us expand.
            let uids = ranges
                .into_iter()
                .flat_map(|r| r.take(1_000_000))
                .filter_map(|u| u32::try_from(u).ok())
                .take(1_000_000)
                .collect();
            Some(Change::Vanished { uids, earlier })
        }
        [_, k, _] if k.is_atom("FETCH") => parse_fetch(values).map(Change::Fetch),
        _ => None,
    }
}

/// Every message of the examined folder with [`MESSAGE_ITEMS`], in UID batches, each
/// FETCH handed to `each` as it arrives (with any other untagged response). A `NO` on a
/// batch (messages expunged meanwhile) is tolerated: the caller sees the rest.
pub async fn fetch_all(c: &mut Conn, items: &str, mut each: impl FnMut(&Response)) -> Result<()> {
    let mut uids = Vec::new();
    c.ok("UID SEARCH ALL", |r| {
        if let Response::Data(v) = r
            && let Some(s) = wire::parse_search(v)
        {
            uids.extend(s.ranges);
        } else {
            each(r);
        }
    })
    .await?;
    for set in batches(&uids, BATCH) {
        c.command(&format!("UID FETCH {set} {items}"), &mut each).await?;
    }
    Ok(())
}

/// Every selectable folder but INBOX with its counters (`STATUS (MESSAGES UIDNEXT
/// UIDVALIDITY)`): where moved messages land shows as a moved UIDNEXT.
pub async fn folder_marks(c: &mut Conn) -> Result<Vec<FolderMark>> {
    let listed = list(c).await?;
    let mut marks = Vec::new();
    for l in listed {
        let raw = String::from_utf8_lossy(&l.name).into_owned();
        let noselect = l
            .attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent"));
        if noselect || raw.eq_ignore_ascii_case("INBOX") {
            continue;
        }
        let name = display_name(&raw, l.delimiter);
        let trash = is_trash(&name, l.attributes.iter().any(|a| a.eq_ignore_ascii_case("\\Trash")));
        let Ok(quoted) = wire::quote(raw.as_bytes()) else { continue };
        let mut mark = FolderMark { name, raw, uidvalidity: None, uidnext: None, messages: 0, trash };
        let status = c
            .command(&format!("STATUS {quoted} (MESSAGES UIDNEXT UIDVALIDITY)"), |r| {
                if let Response::Data(v) = r
                    && let Some(s) = wire::parse_status(v)
                {
                    mark.messages = s.messages.unwrap_or(0);
                    mark.uidnext = s.uidnext.and_then(|n| u32::try_from(n).ok());
                    mark.uidvalidity = s.uidvalidity.and_then(|n| u32::try_from(n).ok());
                }
            })
            .await?;
        if status.state == State::Ok {
            marks.push(mark);
        }
    }
    Ok(marks)
}

async fn list(c: &mut Conn) -> Result<Vec<wire::ListEntry>> {
    let mut listed = Vec::new();
    c.ok("LIST \"\" \"*\"", |r| {
        if let Response::Data(v) = r
            && let Some(l) = wire::parse_list(v)
        {
            listed.push(l);
        }
    })
    .await
    .context("cannot list folders")?;
    Ok(listed)
}

/// The Trash and Junk folders to watch: `(raw name, display name, role)`, by special-use
/// attribute, else by the usual names ([`expiry::pick_folders`]).
pub async fn watched_folders(c: &mut Conn) -> Result<Vec<(String, String, Role)>> {
    let listed: Vec<(String, String, Vec<String>)> = list(c)
        .await?
        .into_iter()
        .filter(|l| {
            !l.attributes
                .iter()
                .any(|a| a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent"))
        })
        .map(|l| {
            let raw = String::from_utf8_lossy(&l.name).into_owned();
            let name = display_name(&raw, l.delimiter);
            (raw, name, l.attributes.clone())
        })
        .collect();
    Ok(expiry::pick_folders(&listed))
}

/// UIDs as a compact set: `1:5,9`.
fn uid_ranges(uids: &[u32]) -> Vec<std::ops::RangeInclusive<u64>> {
    let mut out: Vec<std::ops::RangeInclusive<u64>> = Vec::new();
    for &u in uids {
        let u = u64::from(u);
        match out.last_mut() {
            Some(r) if *r.end() + 1 == u => *r = *r.start()..=u,
            _ => out.push(u..=u),
        }
    }
    out
}

/// One look at a watched folder: `Ok(None)` when its `STATUS` counters did not move since
/// `prev` (nothing to read), or when the server refuses to show it (deleted or renamed
/// meanwhile: nothing is concluded from a folder that cannot be seen); else its UIDs and
/// the messages not known yet, within the window [`FolderState::to_fetch`] keeps.
pub async fn read_folder(c: &mut Conn, prev: Option<&FolderState>, raw: &str) -> Result<Option<FolderListing>> {
    let quoted = wire::quote(raw.as_bytes())?;
    let mut st = None;
    let status = c
        .command(&format!("STATUS {quoted} (MESSAGES UIDNEXT UIDVALIDITY)"), |r| {
            if let Response::Data(v) = r
                && let Some(s) = wire::parse_status(v)
            {
                st = Some(s);
            }
        })
        .await?;
    if status.state != State::Ok {
        return Ok(None);
    }
    let st = st.unwrap_or_default();
    let (uidvalidity, uidnext) =
        (st.uidvalidity.and_then(|n| u32::try_from(n).ok()), st.uidnext.and_then(|n| u32::try_from(n).ok()));
    if prev.is_some_and(|p| p.unchanged(uidvalidity, uidnext, st.messages.unwrap_or(0))) {
        return Ok(None);
    }
    let Some(e) = examine(c, raw).await? else { return Ok(None) };
    let mut ranges = Vec::new();
    c.ok("UID SEARCH ALL", |r| {
        if let Response::Data(v) = r
            && let Some(s) = wire::parse_search(v)
        {
            ranges.extend(s.ranges);
        }
    })
    .await
    .with_context(|| format!("cannot list the UIDs of {raw:?}"))?;
    // A folder holds at most what UIDs can number; cap what a hostile answer may expand.
    let uids: Vec<u32> =
        ranges.into_iter().flat_map(|r| r.take(10_000_000)).filter_map(|u| u32::try_from(u).ok()).collect();
    let same = prev.is_some_and(|p| p.uidvalidity == e.uidvalidity);
    let want = FolderState::to_fetch(prev, &uids, same);
    let items = if c.has("SAVEDATE") {
        "(UID INTERNALDATE SAVEDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
    } else {
        "(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
    };
    let now = Timestamp::now();
    let mut fetched = Vec::with_capacity(want.len());
    for set in batches(&uid_ranges(&want), BATCH) {
        c.command(&format!("UID FETCH {set} {items}"), |r| {
            if let Response::Data(v) = r
                && let Some(f) = parse_fetch(v)
                && let Some(uid) = f.uid
            {
                let mut info = MessageInfo::default();
                if let Some(h) = &f.header {
                    describe(&mut info, h);
                }
                fetched.push(FolderMessage {
                    uid,
                    message_id: info.message_id,
                    arrived: f.internal_date,
                    saved: f.save_date,
                    first_seen: now,
                });
            }
        })
        .await?;
    }
    Ok(Some(FolderListing { uidvalidity: e.uidvalidity, uidnext: e.uidnext.or(uidnext), uids, fetched }))
}

/// Where did these Message-IDs go? Compares the folders' counters with `before`: only
/// folders whose UIDNEXT moved (or that are new, or were renumbered) are looked into, and
/// only their new UIDs are read (`UID FETCH old_uidnext:*`, the Message-ID header alone).
/// Returns the new marks and Message-ID → the folders (name, is Trash) it was found in.
pub async fn locate(
    c: &mut Conn,
    before: &[FolderMark],
    wanted: &[String],
) -> Result<(Vec<FolderMark>, HashMap<String, Vec<(String, bool)>>)> {
    let now = folder_marks(c).await?;
    let mut found: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    if wanted.is_empty() {
        return Ok((now, found));
    }
    let wanted: std::collections::HashSet<&str> = wanted.iter().map(String::as_str).collect();
    for f in &now {
        let old = before.iter().find(|b| b.raw == f.raw);
        let from = match old {
            Some(o) if o.uidvalidity == f.uidvalidity => match (o.uidnext, f.uidnext) {
                (Some(a), Some(b)) if b > a => a,
                (None, _) => 1,
                _ => continue,
            },
            _ => 1,
        };
        if f.messages == 0 || examine(c, &f.raw).await?.is_none() {
            continue;
        }
        let status = c
            .command(&format!("UID FETCH {from}:* (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), |r| {
                if let Response::Data(v) = r
                    && let Some(m) = parse_fetch(v)
                    && m.uid.is_some_and(|u| u >= from)
                    && let Some(h) = &m.header
                {
                    let mut info = MessageInfo::default();
                    describe(&mut info, h);
                    if let Some(id) = info.message_id
                        && wanted.contains(id.as_str())
                    {
                        let places: &mut Vec<(String, bool)> = found.entry(id).or_default();
                        if !places.iter().any(|(n, _)| *n == f.name) {
                            places.push((f.name.clone(), f.trash));
                        }
                    }
                }
            })
            .await?;
        if status.state != State::Ok {
            continue;
        }
    }
    Ok((now, found))
}

/// A snapshot of INBOX over IMAP, and the other folders' counters.
pub struct InboxListing {
    pub uidvalidity: Option<u32>,
    pub messages: Vec<MessageInfo>,
}

/// Reads INBOX (UIDs, flags, arrival, size, three header fields) with EXAMINE.
pub async fn list_inbox(c: &mut Conn, now: Timestamp) -> Result<InboxListing> {
    let e = examine(c, "INBOX").await?.ok_or_else(|| anyhow!("the server says INBOX does not exist"))?;
    let mut messages = Vec::with_capacity(e.exists as usize);
    fetch_all(c, MESSAGE_ITEMS, |r| {
        if let Response::Data(v) = r
            && let Some(f) = parse_fetch(v)
            && f.uid.is_some()
            && f.flags.is_some()
        {
            messages.push(f.to_info(now));
        }
    })
    .await
    .context("cannot read INBOX")?;
    messages.sort_by_key(|m| m.uid);
    messages.dedup_by_key(|m| m.uid);
    Ok(InboxListing { uidvalidity: e.uidvalidity, messages })
}

/// A clearly labelled test message for `--canary`.
pub fn canary_message(token: &str, to: &str, now: Timestamp) -> Vec<u8> {
    let date = now.strftime("%a, %d %b %Y %H:%M:%S +0000");
    format!(
        "From: mailsweep canary <canary@{domain}>\r\n\
         To: <{to}>\r\n\
         Subject: [mailsweep canary] test message, please leave it in INBOX\r\n\
         Date: {date}\r\n\
         Message-ID: <{token}@{domain}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         This message was added by `mailsweep deleters watch --canary` to see which program\r\n\
         removes mail from this mailbox, and when. Please leave it where it is; it is\r\n\
         harmless and may be deleted once the investigation is over.\r\n",
        domain = crate::deleters::evidence::CANARY_DOMAIN,
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(s: &str) -> Vec<Value> {
        wire::tokenize(s.as_bytes()).unwrap()
    }

    #[test]
    fn changes_are_read_from_untagged_responses() {
        assert_eq!(change(&values("12 EXISTS")), Some(Change::Exists(12)));
        assert_eq!(change(&values("3 EXPUNGE")), Some(Change::Expunge(3)));
        assert_eq!(
            change(&values("VANISHED 4:6,9")),
            Some(Change::Vanished { uids: vec![4, 5, 6, 9], earlier: false })
        );
        assert_eq!(change(&values("VANISHED (EARLIER) 7")), Some(Change::Vanished { uids: vec![7], earlier: true }));
        let Some(Change::Fetch(f)) = change(&values("5 FETCH (UID 40 MODSEQ (12) FLAGS (\\Seen \\Deleted))")) else {
            panic!()
        };
        assert_eq!((f.seq, f.uid, f.has_flag("\\deleted")), (5, Some(40), Some(true)));
        assert_eq!(change(&values("SEARCH 1 2")), None);
    }

    #[test]
    fn fetched_messages_become_infos() {
        let line = "1 FETCH (UID 7 FLAGS (\\Seen) INTERNALDATE \"22-Nov-2026 10:00:00 +0000\" RFC822.SIZE 1234 \
                    BODY[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT RECEIVED)] {70}\r\nMessage-ID: <a@b>\r\nFrom: Alice <a@b>\r\nSubject: =?UTF-8?Q?h=C3=A9?=\r\n\r\n)";
        let f = parse_fetch(&values(line)).unwrap();
        let now: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        let m = f.to_info(now);
        assert_eq!(m.uid, Some(7));
        assert_eq!(m.message_id.as_deref(), Some("<a@b>"));
        assert_eq!(m.subject.as_deref(), Some("hé"));
        assert_eq!(m.arrived, Some("2026-11-22T10:00:00Z".parse().unwrap()));
        assert!(m.seen && !m.deleted);
        assert_eq!(m.size, 1234);
    }

    #[test]
    fn trash_messages_carry_their_save_date() {
        let line = "2 FETCH (UID 9 INTERNALDATE \"13-Oct-2026 05:31:02 +0000\" SAVEDATE \"22-Nov-2026 05:31:02 +0000\" \
                    BODY[HEADER.FIELDS (MESSAGE-ID)] {21}\r\nMessage-ID: <x@y>\r\n\r\n)";
        let f = parse_fetch(&values(line)).unwrap();
        assert_eq!(f.save_date, Some("2026-11-22T05:31:02Z".parse().unwrap()));
        assert_eq!(f.internal_date, Some("2026-10-13T05:31:02Z".parse().unwrap()));
        let nil = parse_fetch(&values("3 FETCH (UID 10 SAVEDATE NIL)")).unwrap();
        assert_eq!(nil.save_date, None);
        assert_eq!(uid_ranges(&[1, 2, 3, 7, 9, 10]), vec![1..=3, 7..=7, 9..=10]);
        assert_eq!(batches(&uid_ranges(&[1, 2, 3, 7]), BATCH), vec!["1:3,7".to_string()]);
    }

    #[test]
    fn pop_arrival_comes_from_the_newest_received() {
        let mut m = MessageInfo::default();
        describe(
            &mut m,
            b"Received: from a by mx; Tue, 24 Nov 2026 08:00:00 +0000\r\nReceived: from b by a; Mon, 23 Nov 2026 08:00:00 +0000\r\nDate: Sun, 1 Nov 2026 00:00:00 +0000\r\n\r\n",
        );
        assert_eq!(m.arrived, Some("2026-11-24T08:00:00Z".parse().unwrap()));
    }

    #[test]
    fn the_canary_is_labelled() {
        let m = canary_message("tok1", "alice@example.org", "2026-11-22T10:00:00Z".parse().unwrap());
        let text = String::from_utf8(m).unwrap();
        assert!(text.contains("Subject: [mailsweep canary]"));
        assert!(text.contains("Message-ID: <tok1@canary.mailsweep.invalid>"));
        let mut info = MessageInfo::default();
        describe(&mut info, text.as_bytes());
        assert!(info.is_canary());
    }
}
