//! An authenticated IMAP session: connect (TLS, STARTTLS or opt-in plaintext), greet,
//! log in, and the commands mailsweep needs, each bounded by the network timeout and
//! converted to model types at this edge.
//!
//! Pre-login traffic (greeting, STARTTLS, CAPABILITY) and the commands async-imap cannot
//! parse (STATUS with SIZE, LIST-STATUS) go through [`super::wire`] on the same socket;
//! everything else goes through async-imap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::{Stream as FuturesStream, StreamExt};
use jiff::Timestamp;
use rustls::ClientConfig;
use tokio::io::AsyncReadExt;

use super::wire::{self, RawResponse, State};
use crate::error;
use crate::model::{self, QuotaResource, QuotaRoot, Security, ServerSpec, TlsInfo};
use crate::net::{self, NetSettings, Stream};
use crate::sasl;
use crate::secret::{Credentials, Mechanism};

type Inner = async_imap::Session<Stream>;

/// What was learned before login.
#[derive(Debug, Clone)]
pub struct ConnectInfo {
    pub address: String,
    pub connect_ms: u64,
    pub tls: Option<TlsInfo>,
    pub greeting: String,
    /// Capabilities offered before login.
    pub capabilities: Vec<String>,
}

/// A folder as LIST shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFolder {
    /// The raw (modified UTF-7) name, as the server spells it.
    pub raw: String,
    pub delimiter: Option<char>,
    pub attributes: Vec<String>,
}

impl ListedFolder {
    pub fn noselect(&self) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent"))
    }

    /// The decoded UTF-8 name with `/` as the hierarchy separator.
    pub fn display_name(&self) -> String {
        display_name(&self.raw, self.delimiter)
    }

    /// The model folder this LIST entry describes (sizes still empty).
    pub fn to_usage(&self) -> model::FolderUsage {
        let mut f = model::FolderUsage::new(self.display_name(), self.raw.clone());
        if let Some(role) = self.attributes.iter().find_map(|a| model::SpecialUse::from_attribute(a)) {
            f.role = Some(role);
        }
        f.noselect = self.noselect();
        f
    }
}

/// Decodes a raw folder name and joins its hierarchy with `/`.
pub fn display_name(raw: &str, delimiter: Option<char>) -> String {
    let decoded = model::mutf7::decode_lossy(raw);
    match delimiter {
        Some(d) if d != '/' => decoded.split(d).collect::<Vec<_>>().join("/"),
        _ => decoded,
    }
}

/// Sizes and counts of one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderStatus {
    pub messages: u64,
    pub unseen: Option<u64>,
    pub size: Option<u64>,
}

/// The result of a per-folder command on a folder that may vanish meanwhile.
pub enum Found<T> {
    Yes(T),
    /// The server says the folder does not exist (deleted during the scan).
    Vanished(String),
}

/// An authenticated session.
pub struct Session {
    inner: Inner,
    timeout: Duration,
    raw_tags: u32,
    /// Capabilities after login (upper-cased as sent).
    pub capabilities: Vec<String>,
    /// The mechanism that logged in (`PLAIN`, `LOGIN`, ...).
    pub mechanism: String,
}

/// Connects, upgrades to TLS as the source asks, and reads the greeting.
pub async fn connect(spec: &ServerSpec, net: &NetSettings) -> Result<(Stream, ConnectInfo)> {
    let started = Instant::now();
    let tcp = net::connect_tcp(&spec.host, spec.port, net.timeout).await?;
    let address = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let mut tls = None;
    let mut stream = match spec.security {
        Security::Tls => {
            let (s, info) = net::tls::handshake(tcp, &spec.host, net.tls.client_config()?, net.timeout).await?;
            tls = Some(info);
            Stream::Tls(Box::new(s))
        }
        Security::StartTls | Security::Plain => Stream::Plain(tcp),
    };
    let connect_ms = started.elapsed().as_millis() as u64;
    let greeting = read_greeting(&mut stream, net.timeout).await?;
    let mut tag = 0u32;
    let mut capabilities = capability(&mut stream, &mut tag, net.timeout).await?;
    if spec.security == Security::StartTls {
        if !capabilities.iter().any(|c| c.eq_ignore_ascii_case("STARTTLS")) {
            return Err(error::failure_hint(
                format!("{}:{} does not offer STARTTLS, so the password would cross in clear", spec.host, spec.port),
                "use imaps:// (port 993), or pass --plaintext to accept an unencrypted login",
            ));
        }
        let r = raw(&mut stream, &mut tag, "STARTTLS", net.timeout).await?;
        if r.status.state != State::Ok {
            return Err(anyhow::anyhow!("the server refused STARTTLS: {}", r.status.text));
        }
        let Stream::Plain(tcp) = stream else { unreachable!("STARTTLS runs on a plain stream") };
        let (s, info) = net::tls::handshake(tcp, &spec.host, net.tls.client_config()?, net.timeout).await?;
        tls = Some(info);
        stream = Stream::Tls(Box::new(s));
        // Capabilities before STARTTLS must be forgotten (RFC 3501 §6.2.1).
        capabilities = capability(&mut stream, &mut tag, net.timeout).await?;
    }
    Ok((stream, ConnectInfo { address, connect_ms, tls, greeting, capabilities }))
}

/// Reads the server's first line: `* OK ...` (or `* PREAUTH`, `* BYE`).
async fn read_greeting(stream: &mut Stream, limit: Duration) -> Result<String> {
    let mut line = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    // Byte by byte: the greeting is short, and reading past it could swallow data that
    // belongs to the next exchange.
    loop {
        let n = net::deadline(limit, || "waiting for the server's greeting".into(), stream.read(&mut byte)).await?;
        if n == 0 {
            return Err(error::failure_hint(
                "the server closed the connection before greeting",
                "the port may not speak IMAP, or the server refuses this client's address",
            ));
        }
        line.push(byte[0]);
        if line.ends_with(b"\r\n") || line.ends_with(b"\n") {
            break;
        }
        if line.len() > 8192 {
            return Err(anyhow::anyhow!("the server's greeting is longer than 8 KiB: not an IMAP server?"));
        }
    }
    let text = String::from_utf8_lossy(&line).trim_end().to_string();
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("* OK") {
        Ok(text[4..].trim().to_string())
    } else if upper.starts_with("* BYE") {
        Err(anyhow::anyhow!("the server said goodbye at once: {}", text[5..].trim()))
    } else if upper.starts_with("* PREAUTH") {
        Err(anyhow::anyhow!("the server pre-authenticated the connection; mailsweep expects to log in"))
    } else {
        Err(error::failure_hint(
            format!("unexpected greeting \"{}\"", text.chars().take(80).collect::<String>()),
            "this port does not seem to speak IMAP (POP3 answers +OK; imaps:// is 993, imap:// 143)",
        ))
    }
}

/// A raw tagged command on a stream not (yet) owned by async-imap.
async fn raw(stream: &mut Stream, tag: &mut u32, command: &str, limit: Duration) -> Result<RawResponse> {
    *tag += 1;
    let r = wire::raw_command(stream, &format!("MS{tag}"), command, limit).await?;
    if r.trailing_bytes {
        return Err(anyhow::anyhow!("the server sent unexpected data after answering {}", verb(command)));
    }
    Ok(r)
}

fn verb(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or(command)
}

async fn capability(stream: &mut Stream, tag: &mut u32, limit: Duration) -> Result<Vec<String>> {
    let r = raw(stream, tag, "CAPABILITY", limit).await?;
    let caps = r.untagged.iter().find_map(|u| wire::parse_capability(u)).unwrap_or_default();
    Ok(caps)
}

/// SASL PLAIN's initial response: authzid NUL authcid NUL password.
struct PlainAuth<'a>(&'a Credentials);

impl async_imap::Authenticator for PlainAuth<'_> {
    type Response = Vec<u8>;
    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        sasl::plain(self.0.authzid.as_deref(), &self.0.login, self.0.secret.expose())
    }
}

/// OAuth 2 bearer tokens (XOAUTH2, or OAUTHBEARER per RFC 7628).
struct BearerAuth<'a> {
    creds: &'a Credentials,
    spec: &'a ServerSpec,
    oauthbearer: bool,
    answered: bool,
    /// The server's error report (the JSON of a second challenge), kept for the login error.
    error: &'a std::sync::Mutex<Option<String>>,
}

impl async_imap::Authenticator for BearerAuth<'_> {
    type Response = Vec<u8>;
    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        // A second challenge carries the server's JSON error: answer it as the mechanism
        // says (XOAUTH2 an empty response, OAUTHBEARER a single ^A, RFC 7628 section 3.2.3)
        // so the server ends with NO rather than an "aborted" that hides its reason.
        if std::mem::replace(&mut self.answered, true) {
            let report: String =
                String::from_utf8_lossy(challenge).chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            if !report.trim().is_empty()
                && let Ok(mut e) = self.error.lock()
            {
                *e = Some(report.trim().to_string());
            }
            return sasl::oauth_error_reply(self.oauthbearer).to_vec();
        }
        sasl_response(if self.oauthbearer { "OAUTHBEARER" } else { "XOAUTH2" }, self.creds, self.spec)
    }
}

/// The SASL initial response of `mech` (returned by [`login_mechanism`], not LOGIN; see
/// [`crate::sasl`]). The OAuth mechanisms name the login, as over POP3: an admin audit
/// needs PLAIN. Shared with the watch connection ([`super::watch`]).
pub(crate) fn sasl_response(mech: &str, c: &Credentials, spec: &ServerSpec) -> Vec<u8> {
    let secret = c.secret.expose();
    match mech {
        "PLAIN" => sasl::plain(c.authzid.as_deref(), &c.login, secret),
        "XOAUTH2" => sasl::xoauth2(&c.login, secret),
        _ => sasl::oauthbearer(&c.login, &spec.host, spec.port, secret),
    }
}

fn offers_auth(caps: &[String], mech: &str) -> bool {
    caps.iter().any(|c| c.eq_ignore_ascii_case(&format!("AUTH={mech}")))
}

/// The mechanism to log in with, from the credentials and the capabilities offered before
/// login: the one asked for, else PLAIN when offered (or needed to carry an admin's
/// authorization identity), else LOGIN. Refused when the server disables login here or
/// the mechanism cannot carry the authorization identity. Shared with [`super::watch`].
pub(crate) fn login_mechanism(caps: &[String], creds: &Credentials) -> Result<&'static str> {
    if caps.iter().any(|c| c.eq_ignore_ascii_case("LOGINDISABLED")) {
        return Err(error::failure_hint(
            "the server disables login on this connection (LOGINDISABLED)",
            "use imaps:// or imap:// with STARTTLS",
        ));
    }
    let mech = match creds.mechanism {
        Mechanism::Auto if creds.authzid.is_some() || offers_auth(caps, "PLAIN") => "PLAIN",
        Mechanism::Auto | Mechanism::Login => "LOGIN",
        Mechanism::Plain => "PLAIN",
        Mechanism::Xoauth2 => "XOAUTH2",
        Mechanism::Oauthbearer => "OAUTHBEARER",
        Mechanism::Apop => {
            return Err(error::usage("APOP is a POP3 mechanism; IMAP uses plain, login, xoauth2 or oauthbearer"));
        }
    };
    if creds.authzid.is_some() && mech != "PLAIN" {
        return Err(error::usage(
            "an admin audit (--admin) needs SASL PLAIN, which carries the authorization identity",
        ));
    }
    Ok(mech)
}

impl Session {
    /// Connects and logs in. Login failures name the account and quote the server.
    pub async fn open(spec: &ServerSpec, net: &NetSettings, creds: &Credentials) -> Result<(Session, ConnectInfo)> {
        let (stream, info) = connect(spec, net).await?;
        let session = Self::login(stream, &info.capabilities, spec, net.timeout, creds).await?;
        Ok((session, info))
    }

    /// Logs in on a connected stream (see [`connect`]).
    pub async fn login(
        stream: Stream,
        caps: &[String],
        spec: &ServerSpec,
        timeout: Duration,
        creds: &Credentials,
    ) -> Result<Session> {
        let mech = login_mechanism(caps, creds)?;
        let oauth_error = std::sync::Mutex::new(None);
        let client = async_imap::Client::new(stream);
        let what = || format!("logging in as {}", creds.login);
        let result = match mech {
            "PLAIN" => {
                net::deadline(timeout, what, async {
                    Ok::<_, anyhow::Error>(client.authenticate("PLAIN", PlainAuth(creds)).await)
                })
                .await?
            }
            "LOGIN" => {
                net::deadline(timeout, what, async {
                    Ok::<_, anyhow::Error>(client.login(&creds.login, creds.secret.expose()).await)
                })
                .await?
            }
            other => {
                let auth = BearerAuth {
                    creds,
                    spec,
                    oauthbearer: other == "OAUTHBEARER",
                    answered: false,
                    error: &oauth_error,
                };
                net::deadline(timeout, what, async { Ok::<_, anyhow::Error>(client.authenticate(other, auth).await) })
                    .await?
            }
        };
        let inner = match result {
            Ok(s) => s,
            Err((e, _client)) => {
                let report = oauth_error.lock().ok().and_then(|mut e| e.take());
                return Err(login_error(e, spec, creds, mech, report));
            }
        };
        let mut session =
            Session { inner, timeout, raw_tags: 0, capabilities: Vec::new(), mechanism: mech.to_string() };
        let caps = session.timed("reading capabilities", |s| Box::pin(s.inner.capabilities())).await?;
        session.capabilities = caps
            .iter()
            .map(|c| match c {
                async_imap::types::Capability::Imap4rev1 => "IMAP4rev1".to_string(),
                async_imap::types::Capability::Auth(a) => format!("AUTH={a}"),
                async_imap::types::Capability::Atom(a) => a.to_string(),
            })
            .collect();
        session.capabilities.sort();
        Ok(session)
    }

    /// Whether the server offers a capability (case-insensitive).
    pub fn has(&self, cap: &str) -> bool {
        self.capabilities.iter().any(|c| c.eq_ignore_ascii_case(cap))
    }

    /// Runs one async-imap command under the timeout, naming the action on failure.
    async fn timed<'s, T>(
        &'s mut self,
        what: &str,
        f: impl FnOnce(&'s mut Self) -> std::pin::Pin<Box<dyn Future<Output = async_imap::error::Result<T>> + Send + 's>>,
    ) -> Result<T> {
        let limit = self.timeout;
        let what = what.to_string();
        let w = what.clone();
        net::deadline(limit, move || w, f(self)).await.map_err(|e| imap_error(e, &what))
    }

    /// Runs a command that async-imap cannot parse, on the same socket (see `wire`).
    pub async fn raw(&mut self, command: &str) -> Result<RawResponse> {
        self.drain_unsolicited();
        self.raw_tags += 1;
        let tag = format!("MSR{}", self.raw_tags);
        let r = wire::raw_command(self.inner.get_mut(), &tag, command, self.timeout).await?;
        if r.trailing_bytes {
            return Err(anyhow::anyhow!(
                "the server sent unexpected data after answering {}; the connection cannot be trusted",
                verb(command)
            ));
        }
        Ok(r)
    }

    /// async-imap keeps unsolicited responses in a channel of 100; nothing here needs
    /// them, so they are dropped between commands rather than left to fill it.
    fn drain_unsolicited(&mut self) {
        while self.inner.unsolicited_responses.try_recv().is_ok() {}
    }

    /// Every folder, with attributes (SPECIAL-USE roles included when offered).
    ///
    /// Through our own parser, not async-imap's: its LIST keeps the escapes of quoted names
    /// (`back\\slash`), and such a folder could then not be selected.
    pub async fn list(&mut self) -> Result<Vec<ListedFolder>> {
        let r = self.raw("LIST \"\" \"*\"").await.context("cannot list folders")?;
        if r.status.state != State::Ok {
            return Err(anyhow::anyhow!("cannot list folders: {}", r.status));
        }
        Ok(r.untagged.iter().filter_map(|u| wire::parse_list(u)).map(listed).collect())
    }

    /// LIST-STATUS (RFC 5819) with SIZE: every folder and its counts in one round trip.
    pub async fn list_status(&mut self) -> Result<Vec<(ListedFolder, Option<FolderStatus>)>> {
        let r = self.raw("LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN SIZE))").await?;
        if r.status.state != State::Ok {
            return Err(anyhow::anyhow!("LIST-STATUS failed: {}", r.status.text));
        }
        let mut folders: Vec<(ListedFolder, Option<FolderStatus>)> = Vec::new();
        let mut statuses = Vec::new();
        for u in &r.untagged {
            if let Some(l) = wire::parse_list(u) {
                folders.push((listed(l), None));
            } else if let Some(s) = wire::parse_status(u) {
                statuses.push(s);
            }
        }
        for s in statuses {
            let name = String::from_utf8_lossy(&s.name);
            if let Some((_, slot)) = folders.iter_mut().find(|(f, _)| f.raw == name) {
                *slot = Some(FolderStatus { messages: s.messages.unwrap_or(0), unseen: s.unseen, size: s.size });
            }
        }
        Ok(folders)
    }

    /// STATUS with SIZE (RFC 8438) for one folder.
    pub async fn status_size(&mut self, raw_name: &str) -> Result<Found<FolderStatus>> {
        let quoted = wire::quote(raw_name.as_bytes()).map_err(|e| anyhow::anyhow!("folder name {raw_name:?}: {e}"))?;
        let r = self.raw(&format!("STATUS {quoted} (MESSAGES UNSEEN SIZE)")).await?;
        match r.status.state {
            State::Ok => {}
            State::No => return Ok(Found::Vanished(r.status.text)),
            _ => return Err(anyhow::anyhow!("STATUS refused: {}", r.status)),
        }
        let s = r
            .untagged
            .iter()
            .find_map(|u| wire::parse_status(u))
            .ok_or_else(|| anyhow::anyhow!("the server answered STATUS without a STATUS line"))?;
        Ok(Found::Yes(FolderStatus { messages: s.messages.unwrap_or(0), unseen: s.unseen, size: s.size }))
    }

    /// Opens a folder read-only. `Vanished` when the server says it does not exist.
    pub async fn examine(&mut self, raw_name: &str) -> Result<Found<async_imap::types::Mailbox>> {
        self.drain_unsolicited();
        let limit = self.timeout;
        let r = net::deadline(limit, || format!("examining folder \"{raw_name}\""), async {
            Ok::<_, anyhow::Error>(self.inner.examine(raw_name).await)
        })
        .await?;
        match r {
            Ok(m) => Ok(Found::Yes(m)),
            Err(async_imap::error::Error::No(text)) => Ok(Found::Vanished(text)),
            Err(e) => Err(imap_error(e, &format!("examining folder \"{raw_name}\""))),
        }
    }

    /// Streams `(RFC822.SIZE, INTERNALDATE, seen)` of every message of the examined
    /// folder into `each`, never holding more than one message's data. INTERNALDATE is
    /// asked only with `dates`: on a Maildir the server must stat every file for it,
    /// which triples its time to answer (measured on Dovecot 2.3, 81,000 messages).
    pub async fn fetch_sizes(&mut self, dates: bool, mut each: impl FnMut(u64, Option<Timestamp>, bool)) -> Result<()> {
        self.drain_unsolicited();
        let limit = self.timeout;
        let stream = net::deadline(limit, || "fetching message sizes".into(), async {
            let items = if dates { "(RFC822.SIZE INTERNALDATE FLAGS)" } else { "(RFC822.SIZE FLAGS)" };
            self.inner.uid_fetch("1:*", items).await.map_err(anyhow::Error::from)
        })
        .await
        .context("cannot fetch message sizes")?;
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = next(&mut stream, limit, "fetching message sizes").await? {
            let f = item.map_err(|e| imap_error(e, "fetching message sizes"))?;
            let seen = f.flags().any(|fl| matches!(fl, async_imap::types::Flag::Seen));
            let date = f.internal_date().and_then(|d| Timestamp::from_second(d.timestamp()).ok());
            each(f.size.map(u64::from).unwrap_or(0), date, seen);
        }
        Ok(())
    }

    /// INTERNALDATE of the first and last message (arrival order) of the examined folder.
    pub async fn first_last_dates(&mut self, exists: u32) -> Result<Vec<Timestamp>> {
        if exists == 0 {
            return Ok(Vec::new());
        }
        self.drain_unsolicited();
        let limit = self.timeout;
        let set = if exists == 1 { "1".to_string() } else { format!("1,{exists}") };
        let stream = net::deadline(limit, || "fetching dates".into(), async {
            self.inner.fetch(set, "INTERNALDATE").await.map_err(anyhow::Error::from)
        })
        .await?;
        let mut stream = std::pin::pin!(stream);
        let mut dates = Vec::new();
        while let Some(item) = next(&mut stream, limit, "fetching dates").await? {
            let f = item.map_err(|e| imap_error(e, "fetching dates"))?;
            if let Some(d) = f.internal_date().and_then(|d| Timestamp::from_second(d.timestamp()).ok()) {
                dates.push(d);
            }
        }
        Ok(dates)
    }

    /// The quota roots of INBOX with their resources (storage converted to bytes).
    pub async fn quota(&mut self) -> Result<Vec<QuotaRoot>> {
        let (_, quotas) = self
            .timed("reading the quota", |s| Box::pin(s.inner.get_quota_root("INBOX")))
            .await
            .context("cannot read the quota")?;
        Ok(quotas
            .into_iter()
            .map(|q| QuotaRoot {
                name: q.root_name,
                resources: q
                    .resources
                    .into_iter()
                    .map(|r| {
                        use async_imap::types::QuotaResourceName as N;
                        let (name, unit) = match r.name {
                            N::Storage => ("STORAGE".to_string(), 1024),
                            N::Message => ("MESSAGE".to_string(), 1),
                            N::Atom(a) => (a.to_ascii_uppercase(), 1),
                        };
                        QuotaResource { name, usage: r.usage.saturating_mul(unit), limit: r.limit.saturating_mul(unit) }
                    })
                    .collect(),
            })
            .collect())
    }

    /// The server's ID (RFC 2971), sorted by field name; empty when not offered.
    pub async fn id(&mut self) -> Result<Vec<(String, String)>> {
        if !self.has("ID") {
            return Ok(Vec::new());
        }
        let version = env!("CARGO_PKG_VERSION");
        let fields = self
            .timed("asking the server's ID", move |s| {
                Box::pin(s.inner.id([("name", Some("mailsweep")), ("version", Some(version))]))
            })
            .await?;
        let mut v: Vec<(String, String)> = fields.unwrap_or_default().into_iter().collect();
        v.sort();
        Ok(v)
    }

    /// Logs out politely; failures are irrelevant by then.
    pub async fn logout(mut self) {
        let limit = self.timeout;
        let _ = tokio::time::timeout(limit, self.inner.logout()).await;
    }
}

/// The next item of an async-imap stream, bounded by the timeout.
async fn next<S: FuturesStream + Unpin>(stream: &mut S, limit: Duration, what: &str) -> Result<Option<S::Item>> {
    net::deadline(limit, || what.to_string(), async { Ok::<_, anyhow::Error>(stream.next().await) }).await
}

fn listed(l: wire::ListEntry) -> ListedFolder {
    ListedFolder {
        raw: String::from_utf8_lossy(&l.name).into_owned(),
        delimiter: l.delimiter,
        attributes: l.attributes,
    }
}

/// Converts an async-imap error into one that says what was being done.
fn imap_error(e: impl Into<anyhow::Error>, what: &str) -> anyhow::Error {
    let e: anyhow::Error = e.into();
    match e.downcast_ref::<async_imap::error::Error>() {
        Some(async_imap::error::Error::No(text)) => {
            anyhow::anyhow!("{what}: the server said NO: {}", server_text(text))
        }
        Some(async_imap::error::Error::Bad(text)) => {
            anyhow::anyhow!("{what}: the server said BAD: {}", server_text(text))
        }
        Some(async_imap::error::Error::ConnectionLost) => error::failure_hint(
            format!("{what}: the server closed the connection"),
            "the server may have restarted or dropped the session; run again",
        ),
        Some(async_imap::error::Error::Parse(_)) => {
            anyhow::anyhow!("{what}: the server sent a response mailsweep cannot parse")
        }
        _ => e.context(what.to_string()),
    }
}

/// A refused login names the account, the mechanism and the server's words, plus the error
/// report an OAuth mechanism sent as a challenge (JSON such as `{"status":"401",...}`).
fn login_error(
    e: async_imap::error::Error,
    spec: &ServerSpec,
    creds: &Credentials,
    mech: &str,
    report: Option<String>,
) -> anyhow::Error {
    let who = match &creds.authzid {
        Some(owner) => format!("{} (for {owner})", creds.login),
        None => creds.login.clone(),
    };
    match e {
        async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
            let mut words = server_text(&text);
            if let Some(report) = report {
                words.push_str(&format!(" (server said: {})", error::shorten(&report)));
            }
            login_refused(&who, &format!("{}:{}", spec.host, spec.port), mech, &words, creds)
        }
        other => imap_error(other, &format!("logging in as {who}")),
    }
}

/// The error of a refused login (here and on the watch connection, [`super::watch`]): who,
/// where, how, the server's words, and the hint the kind of secret calls for.
pub(crate) fn login_refused(who: &str, server: &str, mech: &str, words: &str, creds: &Credentials) -> anyhow::Error {
    error::failure_hint(
        format!("login as {who} on {server} with {mech} refused: {words}"),
        creds.mechanism.refused_hint(),
    )
}

/// The server's words in a NO or BAD as async-imap reports them (`code: Some(Alert), info:
/// Some("text")`, Rust debug syntax): `[ALERT] text`. Anything else is returned trimmed.
pub(crate) fn server_text(text: &str) -> String {
    let text = text.trim();
    let Some(rest) = text.strip_prefix("code: ") else { return text.to_string() };
    let Some((code, info)) = rest.split_once(", info: ") else { return text.to_string() };
    let info = match info {
        "None" => String::new(),
        quoted => match quoted.strip_prefix("Some(\"").and_then(|q| q.strip_suffix("\")")) {
            Some(q) => unescape_debug(q),
            None => return text.to_string(),
        },
    };
    let code = code
        .strip_prefix("Some(")
        .and_then(|c| c.strip_suffix(')'))
        .filter(|c| c.chars().all(|ch| ch.is_ascii_alphabetic()) && !c.is_empty());
    let code = code.map(|c| match c {
        "ReadOnly" => "READ-ONLY".to_string(),
        "ReadWrite" => "READ-WRITE".to_string(),
        other => other.to_ascii_uppercase(),
    });
    match (code, info.trim()) {
        (Some(c), "") => format!("[{c}]"),
        (Some(c), i) => format!("[{c}] {i}"),
        (None, "") => "(no text)".to_string(),
        (None, i) => i.to_string(),
    }
}

/// Undoes `{:?}` string escaping (`\"`, `\\`, `\n`, `\u{..}`, ...); unknown escapes stay as they are.
fn unescape_debug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('u') if chars.peek() == Some(&'{') => {
                chars.next();
                let hex: String = chars.by_ref().take_while(|&h| h != '}').collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&format!("\\u{{{hex}}}")),
                }
            }
            Some(other @ ('"' | '\'' | '\\')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Shares a TLS config between sessions of one run.
pub type TlsConfig = Arc<ClientConfig>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn names_are_decoded_and_joined_with_slashes() {
        assert_eq!(display_name("INBOX.Entw&APw-rfe", Some('.')), "INBOX/Entwürfe");
        assert_eq!(display_name("Archives/2021", Some('/')), "Archives/2021");
        assert_eq!(display_name("caf\u{e9}", None), "caf\u{e9}");
    }

    #[test]
    fn special_use_attributes_set_the_role_and_noselect() {
        let f = ListedFolder {
            raw: "Gesendet".into(),
            delimiter: Some('/'),
            attributes: vec!["\\HasNoChildren".into(), "\\Sent".into()],
        };
        assert_eq!(f.to_usage().role, Some(model::SpecialUse::Sent));
        let f = ListedFolder { raw: "A".into(), delimiter: Some('/'), attributes: vec!["\\Noselect".into()] };
        assert!(f.to_usage().noselect);
    }

    #[test]
    fn sasl_responses() {
        let c = Credentials {
            login: "admin".into(),
            authzid: Some("alice".into()),
            secret: Secret::new("pw"),
            mechanism: Mechanism::Plain,
        };
        let mut p = PlainAuth(&c);
        assert_eq!(async_imap::Authenticator::process(&mut p, b""), b"alice\0admin\0pw");
        let spec = spec();
        assert_eq!(sasl_response("PLAIN", &c, &spec), b"alice\0admin\0pw");
        let c = Credentials { login: "alice".into(), authzid: None, ..c };
        assert_eq!(sasl_response("XOAUTH2", &c, &spec), b"user=alice\x01auth=Bearer pw\x01\x01");
        let bearer = b"n,a=alice,\x01host=mail.test\x01port=993\x01auth=Bearer pw\x01\x01";
        assert_eq!(sasl_response("OAUTHBEARER", &c, &spec), bearer);
        let error = std::sync::Mutex::new(None);
        let mut b = BearerAuth { creds: &c, spec: &spec, oauthbearer: true, answered: false, error: &error };
        assert_eq!(async_imap::Authenticator::process(&mut b, b""), bearer);
    }

    fn spec() -> ServerSpec {
        ServerSpec {
            protocol: model::Protocol::Imap,
            security: Security::Tls,
            host: "mail.test".into(),
            port: 993,
            user: "alice".into(),
        }
    }

    #[test]
    fn oauth_error_challenges_are_answered_and_kept() {
        let c = Credentials {
            login: "alice".into(),
            authzid: None,
            secret: Secret::new("tok"),
            mechanism: Mechanism::Xoauth2,
        };
        for (oauthbearer, reply) in [(false, &b""[..]), (true, &b"\x01"[..])] {
            let error = std::sync::Mutex::new(None);
            let spec = spec();
            let mut b = BearerAuth { creds: &c, spec: &spec, oauthbearer, answered: false, error: &error };
            assert!(async_imap::Authenticator::process(&mut b, b"").ends_with(b"auth=Bearer tok\x01\x01"));
            let json = br#"{"status":"401","schemes":"bearer","scope":"mail"}"#;
            assert_eq!(async_imap::Authenticator::process(&mut b, json), reply);
            assert_eq!(error.lock().unwrap().as_deref(), Some(r#"{"status":"401","schemes":"bearer","scope":"mail"}"#));
        }
    }

    #[test]
    fn refusals_quote_the_server_not_async_imaps_debug_text() {
        let t = server_text(r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#);
        assert_eq!(t, "[AUTHENTICATIONFAILED] Authentication failed.");
        assert_eq!(
            server_text(r#"code: Some(Alert), info: Some("say \"hi\" \\ \u{e9}")"#),
            "[ALERT] say \"hi\" \\ \u{e9}"
        );
        assert_eq!(server_text("code: Some(ReadOnly), info: None"), "[READ-ONLY]");
        assert_eq!(server_text(r#"code: Some(UidNext(4)), info: Some("x")"#), "x");
        assert_eq!(server_text("code: None, info: None"), "(no text)");
        assert_eq!(server_text("  plain words "), "plain words");
        assert_eq!(server_text("code: broken"), "code: broken");

        let spec = spec();
        let c = Credentials {
            login: "alice".into(),
            authzid: None,
            secret: Secret::new("ya29.secret"),
            mechanism: Mechanism::Xoauth2,
        };
        let no = || {
            async_imap::error::Error::No(
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#.into(),
            )
        };
        let e = login_error(no(), &spec, &c, "XOAUTH2", Some(r#"{"status":"401"}"#.into()));
        assert_eq!(
            crate::error::one_line(&e),
            r#"login as alice on mail.test:993 with XOAUTH2 refused: [AUTHENTICATIONFAILED] Authentication failed. (server said: {"status":"401"})"#
        );
        assert!(crate::error::hints(&e)[0].contains("access token"));
        assert!(!format!("{e:?}").contains("ya29.secret"));
        let c = Credentials { mechanism: Mechanism::Plain, ..c };
        let e = login_error(no(), &spec, &c, "PLAIN", None);
        assert_eq!(crate::error::hints(&e)[0], crate::secret::PASSWORD_REFUSED_HINT);
        assert!(crate::error::one_line(&e).contains("with PLAIN refused: [AUTHENTICATIONFAILED]"));
        assert_eq!(crate::error::exit_code(&e), crate::exit::ExitCode::Critical);
    }

    #[test]
    fn login_mechanisms() {
        let mut c =
            Credentials { login: "alice".into(), authzid: None, secret: Secret::new("pw"), mechanism: Mechanism::Auto };
        let caps = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(login_mechanism(&caps(&["IMAP4rev1"]), &c).unwrap(), "LOGIN");
        assert_eq!(login_mechanism(&caps(&["auth=plain"]), &c).unwrap(), "PLAIN");
        assert!(login_mechanism(&caps(&["LOGINDISABLED", "AUTH=PLAIN"]), &c).is_err());
        c.authzid = Some("bob".into());
        assert_eq!(login_mechanism(&caps(&[]), &c).unwrap(), "PLAIN");
        c.mechanism = Mechanism::Xoauth2;
        assert!(login_mechanism(&caps(&[]), &c).is_err(), "XOAUTH2 cannot carry an authzid");
    }
}
