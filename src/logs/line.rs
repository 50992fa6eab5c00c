//! One Dovecot log line to a [`Record`] borrowing from it: no allocation, no regex.
//!
//! Accepted shapes (after the timestamp, see [`super::time`]):
//! * Dovecot's own log file: `pop3-login: Info: Login: ...`, `pop3(alice)<pid><session>: Info: ...`
//!   (2.3+), `pop3(alice): ...` (2.2);
//! * syslog / journal exports: `host dovecot[123]: pop3-login: Login: ...` (no level word).
//!
//! Logins and logouts in Dovecot's default formats are read as a fixed sequence of fields
//! ([`defaults`]); other lines' `key=value` pairs are read generically (`, ` or space
//! separated, `<...>` and `(...)` values may hold spaces) and known aliases are mapped, so
//! renamed fields (Dovecot 2.4) and custom `login_log_format_elements` / `*_logout_format`
//! still work.

use std::sync::LazyLock;

use memchr::memchr;
use memchr::memmem::Finder;

use super::mask;

mod defaults;

/// Processes whose lines matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proc {
    Pop3,
    Imap,
    /// Delivery, doveadm, indexer...: expunges there are the server's, not a client's.
    Server,
}

/// A login process's successful login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Login<'a> {
    pub user: &'a [u8],
    pub ip: Option<&'a [u8]>,
    pub mpid: Option<u32>,
    pub session: Option<&'a [u8]>,
    pub method: Option<&'a [u8]>,
    pub master: Option<&'a [u8]>,
    /// `TLS` flag or `tls=yes`.
    pub tls: bool,
    /// `secured` flag: trusted network without TLS.
    pub secured: bool,
}

/// The counters of a logout line. POP: `top=N/B, retr=N/B, del=N/M, size=B`; IMAP:
/// `in= out= deleted= expunged= trashed=`. Each one may be missing; kept as a presence mask
/// and plain numbers (80 bytes, not 144 as options: logout records are copied a few times).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    present: u16,
    /// By [`Counter`]; zero when not present.
    values: [u64; 9],
}

/// The counters of a logout line, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Top,
    Retr,
    RetrBytes,
    Del,
    Messages,
    Deleted,
    Expunged,
    Trashed,
    BytesIn,
}

impl Counter {
    const ALL: [Counter; 9] = [
        Counter::Top,
        Counter::Retr,
        Counter::RetrBytes,
        Counter::Del,
        Counter::Messages,
        Counter::Deleted,
        Counter::Expunged,
        Counter::Trashed,
        Counter::BytesIn,
    ];

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl Counters {
    /// No counter present.
    pub const NONE: Counters = Counters { present: 0, values: [0; 9] };

    /// An `N/M` pair's two numbers.
    fn set_pair(&mut self, a: Counter, b: Counter, (x, y): (Option<u64>, Option<u64>)) {
        self.set(a, x);
        self.set(b, y);
    }

    pub fn get(&self, c: Counter) -> Option<u64> {
        (self.present & c.bit() != 0).then_some(self.values[c as usize])
    }

    pub fn set(&mut self, c: Counter, v: Option<u64>) {
        self.values[c as usize] = v.unwrap_or(0);
        if v.is_some() {
            self.present |= c.bit();
        } else {
            self.present &= !c.bit();
        }
    }

    fn any(&self, of: &[Counter]) -> bool {
        of.iter().any(|c| self.present & c.bit() != 0)
    }

    fn is_pop(&self) -> bool {
        self.any(&[Counter::Retr, Counter::Del, Counter::Top])
    }

    fn is_imap(&self) -> bool {
        self.any(&[Counter::Expunged, Counter::Deleted, Counter::Trashed, Counter::BytesIn])
    }
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(Counter::ALL.iter().filter_map(|&c| Some((c, self.get(c)?)))).finish()
    }
}

/// A `mail_log` plugin event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// `expunge: box=INBOX, uid=..`
    Expunge { mailbox: &'a [u8] },
    /// `delete: box=..` (flagged \Deleted)
    Delete { mailbox: &'a [u8] },
    /// `copy from INBOX: box=Trash, ..` (also MOVE): from `source` to `dest`.
    Copy { source: Option<&'a [u8]>, dest: &'a [u8] },
}

/// What a line says, for the lines that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    Login {
        proc: Proc,
        login: Login<'a>,
    },
    Logout {
        proc: Proc,
        id: MailId<'a>,
        counters: Counters,
    },
    Event {
        proc: Proc,
        id: MailId<'a>,
        event: Event<'a>,
    },
    /// `auth: ... Master user logging in as alice` (master name when the line has it).
    Master {
        user: &'a [u8],
        master: Option<&'a [u8]>,
        session: Option<&'a [u8]>,
    },
    /// A relevant process, nothing to learn (greetings, auth failures, other events).
    Other,
}

/// How a mail process's line names its session: `pop3(user)<pid><session>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailId<'a> {
    pub user: &'a [u8],
    pub pid: Option<u32>,
    pub session: Option<&'a [u8]>,
}

/// The line is relevant (a Dovecot POP/IMAP/login/auth/delivery line) but broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unparsable;

/// Parses the part of a line after its timestamp. `Ok(None)`: not a line we read.
#[inline]
pub fn parse(rest: &[u8]) -> Result<Option<Record<'_>>, Unparsable> {
    let Some(svc) = service_start(rest) else { return Ok(None) };
    parse_service(svc)
}

/// Finds the Dovecot service name: directly (Dovecot's log file) or after `host dovecot[pid]: `.
pub fn service_start(rest: &[u8]) -> Option<&[u8]> {
    if is_service(rest) {
        return Some(rest);
    }
    let sp = memchr(b' ', rest)?;
    let tag = &rest[sp + 1..];
    if !tag.starts_with(b"dovecot") {
        return None;
    }
    let colon = memchr(b':', tag)?;
    tag[colon + 1..].strip_prefix(b" ").filter(|svc| is_service(svc))
}

pub fn is_service(s: &[u8]) -> bool {
    match s.first() {
        Some(b'p') => s.starts_with(b"pop3-login: ") || s.starts_with(b"pop3("),
        Some(b'i') => s.starts_with(b"imap-login: ") || s.starts_with(b"imap("),
        Some(b'a') => s.starts_with(b"auth: ") || s.starts_with(b"auth("),
        Some(b'l') => s.starts_with(b"lmtp("),
        Some(b'd') => s.starts_with(b"doveadm("),
        Some(b'e') => s.starts_with(b"expire("),
        _ => false,
    }
}

/// Parses the line from its service name (see [`service_start`]).
#[inline]
pub fn parse_service(s: &[u8]) -> Result<Option<Record<'_>>, Unparsable> {
    if let Some(m) = s.strip_prefix(b"pop3-login: ").or_else(|| s.strip_prefix(b"imap-login: ")) {
        let proc = if s[0] == b'p' { Proc::Pop3 } else { Proc::Imap };
        return login(proc, strip_level(m)).map(Some);
    }
    if s.starts_with(b"auth") {
        if !s.starts_with(b"auth: ") && !s.starts_with(b"auth(") {
            return Ok(None);
        }
        return Ok(Some(auth(s)));
    }
    let open = memchr(b'(', s).ok_or(Unparsable)?;
    let proc = match &s[..open] {
        b"pop3" => Proc::Pop3,
        b"imap" => Proc::Imap,
        b"lmtp" | b"doveadm" | b"expire" => Proc::Server,
        _ => return Ok(None),
    };
    let close = memchr(b')', &s[open..]).ok_or(Unparsable)? + open;
    let user = &s[open + 1..close];
    let mut p = close + 1;
    let mut groups: [Option<&[u8]>; 2] = [None, None];
    let mut n = 0;
    while s.get(p) == Some(&b'<') {
        let end = memchr(b'>', &s[p..]).ok_or(Unparsable)? + p;
        if n < 2 {
            groups[n] = Some(&s[p + 1..end]);
        }
        n += 1;
        p = end + 1;
    }
    let msg = s.get(p..).and_then(|m| m.strip_prefix(b": ")).ok_or(Unparsable)?;
    // `<pid><session>` (2.3+); a lone group is a pid if it is all digits.
    let (pid, session) = match groups {
        [Some(a), Some(b)] => (number(a), Some(b)),
        [Some(a), None] => match number(a) {
            Some(pid) => (Some(pid), None),
            None => (None, Some(a)),
        },
        _ => (None, None),
    };
    let pid = pid.and_then(|p| u32::try_from(p).ok());
    if proc == Proc::Server && number(user).is_some() {
        // `lmtp(12345): Connect from local`: a pid, no user.
        return Ok(Some(Record::Other));
    }
    let id = MailId { user, pid, session };
    mail_message(proc, id, strip_level(msg))
}

fn strip_level(m: &[u8]) -> &[u8] {
    for level in [&b"Info: "[..], b"Debug: ", b"Warning: ", b"Error: ", b"Fatal: ", b"Panic: "] {
        if let Some(rest) = m.strip_prefix(level) {
            return rest;
        }
    }
    m
}

#[inline]
fn login(proc: Proc, m: &[u8]) -> Result<Record<'_>, Unparsable> {
    let Some(kv) = m.strip_prefix(b"Login: ") else { return Ok(Record::Other) };
    let login = match defaults::login(kv) {
        Some(login) => login,
        None => login_pairs(kv)?,
    };
    Ok(Record::Login { proc, login })
}

/// A login's fields read one `key=value` pair at a time, whatever their names and order.
fn login_pairs(kv: &[u8]) -> Result<Login<'_>, Unparsable> {
    let mut l = Login::default();
    let mut user = None;
    for (k, v) in Pairs::new(kv) {
        use keys::*;
        match (word(k), v) {
            (USER | USERNAME | LOGIN_USER, Some(v)) => user = Some(unangle(v)),
            (RIP | REMOTE_IP | REMOTE | CLIENT_IP, Some(v)) => l.ip = Some(v),
            (MPID | MAIL_PID | PID, Some(v)) => l.mpid = number(v).and_then(|n| u32::try_from(n).ok()),
            (SESSION | SESSION_ID, Some(v)) => l.session = Some(unangle(v)),
            (METHOD | MECHANISM | AUTH_MECH, Some(v)) => l.method = Some(v),
            (MASTER | MASTER_USER | AUTH_MASTER_USER, Some(v)) => l.master = Some(unangle(v)),
            (TLS_FLAG | TLS, None) => l.tls = true,
            (TLS | SECURED, Some(v)) if v != b"no" && v != b"0" => l.tls = k == b"tls" || l.tls,
            (SECURED, None) => l.secured = true,
            _ => {}
        }
    }
    l.user = user.filter(|u| !u.is_empty()).ok_or(Unparsable)?;
    Ok(l)
}

fn auth(s: &[u8]) -> Record<'_> {
    const NEEDLE: &[u8] = b"aster user logging in as ";
    static MASTER_LOGIN: Searcher = Searcher::new(|| Finder::new(NEEDLE));
    let Some(at) = MASTER_LOGIN.find(s) else { return Record::Other };
    let user = &s[at + NEEDLE.len()..];
    let user = user.split(|&b| b == b' ').next().unwrap_or(user);
    // `passwd-file(admin*alice,192.0.2.1,<session>): ...` or `(admin,192.0.2.1)`: the
    // first element names the login; with the separator it is `user*master`.
    let mut master = None;
    let mut session = None;
    if let Some(open) = memchr(b'(', &s[..at])
        && let Some(close) = memchr(b')', &s[open..at])
    {
        let inner = &s[open + 1..open + close];
        let mut parts = inner.split(|&b| b == b',');
        if let Some(first) = parts.next() {
            master = Some(match memchr(b'*', first) {
                Some(star) => &first[star + 1..],
                None => first,
            })
            .filter(|m| !m.is_empty() && *m != user);
        }
        session = parts.find(|p| p.starts_with(b"<")).map(unangle);
    }
    Record::Master { user, master, session }
}

const EVENTS: [&[u8]; 5] = [b"expunge: ", b"delete: ", b"copy ", b"copy: ", b"save: "];

#[inline]
fn mail_message<'a>(proc: Proc, id: MailId<'a>, m: &'a [u8]) -> Result<Option<Record<'a>>, Unparsable> {
    // Events start with a lower-case word, logouts (`Disconnected`, `Logged out`) do not.
    if m.first().is_some_and(u8::is_ascii_lowercase) && EVENTS.iter().any(|e| m.starts_with(e)) {
        return event(m).map(|e| Some(e.map_or(Record::Other, |event| Record::Event { proc, id, event })));
    }
    if proc == Proc::Server {
        return Ok(Some(Record::Other));
    }
    let Some(eq) = memchr(b'=', m) else { return Ok(Some(Record::Other)) };
    let c = defaults::counters(proc, m, eq).unwrap_or_else(|| counters_pairs(proc, m));
    let found = match proc {
        Proc::Pop3 => c.is_pop(),
        Proc::Imap => c.is_imap(),
        Proc::Server => false,
    };
    Ok(Some(if found { Record::Logout { proc, id, counters: c } } else { Record::Other }))
}

/// A logout's counters read one `key=value` pair at a time, whatever their names and order.
fn counters_pairs(proc: Proc, m: &[u8]) -> Counters {
    let mut c = Counters::default();
    for (k, v) in Pairs::new(m) {
        let Some(v) = v else { continue };
        use Counter::*;
        use keys::*;
        match word(k) {
            TOP => c.set(Top, pair(v).0),
            TOP_COUNT => c.set(Top, number(v)),
            RETR => c.set_pair(Retr, RetrBytes, pair(v)),
            RETR_COUNT => c.set(Retr, number(v)),
            RETR_BYTES => c.set(RetrBytes, number(v)),
            DEL if proc == Proc::Pop3 => c.set_pair(Del, Messages, pair(v)),
            DELETED_COUNT | DEL_COUNT | DELE => c.set(Del, number(v)),
            MESSAGE_COUNT | MSGS => c.set(Messages, number(v)),
            DELETED if proc == Proc::Imap => c.set(Deleted, number(v)),
            EXPUNGED | EXPUNGE => c.set(Expunged, number(v)),
            TRASHED => c.set(Trashed, number(v)),
            IN | INPUT | BYTES_IN => c.set(BytesIn, number(v)),
            _ => {}
        }
    }
    c
}

fn event(m: &[u8]) -> Result<Option<Event<'_>>, Unparsable> {
    let colon = COLON_SPACE.find(m).ok_or(Unparsable)?;
    let (head, kv) = (&m[..colon], &m[colon + 2..]);
    let mailbox = mailbox_field(kv);
    Ok(match head {
        b"expunge" => Some(Event::Expunge { mailbox: mailbox.ok_or(Unparsable)? }),
        b"delete" => Some(Event::Delete { mailbox: mailbox.ok_or(Unparsable)? }),
        b"save" => None,
        _ => {
            // `copy from SRC: box=DEST` (2.3), `copy -> DEST: box=SRC` (older), `copy: box=DEST`.
            let mailbox = mailbox.ok_or(Unparsable)?;
            if let Some(src) = head.strip_prefix(b"copy from ") {
                Some(Event::Copy { source: Some(src), dest: mailbox })
            } else if let Some(dest) = head.strip_prefix(b"copy -> ") {
                Some(Event::Copy { source: Some(mailbox), dest })
            } else if head == b"copy" {
                Some(Event::Copy { source: None, dest: mailbox })
            } else {
                return Err(Unparsable);
            }
        }
    })
}

/// `box=NAME` among mail_log's `, `-separated fields: the name may hold spaces.
fn mailbox_field(kv: &[u8]) -> Option<&[u8]> {
    static BOX: Searcher = Searcher::new(|| Finder::new(b", box="));
    let start = if kv.starts_with(b"box=") { 4 } else { BOX.find(kv)? + 6 };
    let v = &kv[start..];
    Some(COMMA_SPACE.find(v).map_or(v, |end| &v[..end]))
}

/// A key of at most 16 bytes as one number, so that a key is matched against the known
/// ones by comparing numbers, not byte slices: its bytes, little-endian, and its length in
/// the top byte (a 16-byte key fills all 16: it cannot be taken for a shorter one as long
/// as its last byte is above 15); other keys are `u128::MAX` (no known key). See [`word`]
/// for the fast version.
const fn key(k: &[u8]) -> u128 {
    let n = k.len();
    if n > 16 || (n == 16 && k[15] <= 15) {
        return u128::MAX;
    }
    let mut w = if n < 16 { (n as u128) << 120 } else { 0 };
    let mut i = 0;
    while i < n {
        w |= (k[i] as u128) << (8 * i);
        i += 1;
    }
    w
}

/// [`key`] with a few overlapping loads instead of a byte loop.
#[inline]
fn word(k: &[u8]) -> u128 {
    let n = k.len();
    let le8 = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
    let le4 = |s: &[u8]| u32::from_le_bytes(s.try_into().unwrap_or([0; 4]));
    // Overlapping parts hold the same bytes at the same places: or-ing them is exact.
    let bytes = match n {
        0 => 0,
        1..=3 => u128::from(k[0]) | u128::from(k[n / 2]) << (8 * (n / 2)) | u128::from(k[n - 1]) << (8 * (n - 1)),
        4..=7 => u128::from(le4(&k[..4])) | u128::from(le4(&k[n - 4..])) << (8 * (n - 4)),
        8..=15 => u128::from(le8(&k[..8])) | u128::from(le8(&k[n - 8..])) << (8 * (n - 8)),
        16 if k[15] > 15 => return u128::from(le8(&k[..8])) | u128::from(le8(&k[8..])) << 64,
        _ => return u128::MAX,
    };
    bytes | (n as u128) << 120
}

/// The keys of login and logout lines (aliases: Dovecot 2.2-2.4 and custom formats).
mod keys {
    use super::key;
    pub const USER: u128 = key(b"user");
    pub const USERNAME: u128 = key(b"username");
    pub const LOGIN_USER: u128 = key(b"login_user");
    pub const RIP: u128 = key(b"rip");
    pub const REMOTE_IP: u128 = key(b"remote_ip");
    pub const REMOTE: u128 = key(b"remote");
    pub const CLIENT_IP: u128 = key(b"client_ip");
    pub const MPID: u128 = key(b"mpid");
    pub const MAIL_PID: u128 = key(b"mail_pid");
    pub const PID: u128 = key(b"pid");
    pub const SESSION: u128 = key(b"session");
    pub const SESSION_ID: u128 = key(b"session_id");
    pub const METHOD: u128 = key(b"method");
    pub const MECHANISM: u128 = key(b"mechanism");
    pub const AUTH_MECH: u128 = key(b"auth_mech");
    pub const MASTER: u128 = key(b"master");
    pub const MASTER_USER: u128 = key(b"master_user");
    pub const AUTH_MASTER_USER: u128 = key(b"auth_master_user");
    /// The bare `TLS` flag.
    pub const TLS_FLAG: u128 = key(b"TLS");
    pub const TLS: u128 = key(b"tls");
    pub const SECURED: u128 = key(b"secured");
    pub const TOP: u128 = key(b"top");
    pub const TOP_COUNT: u128 = key(b"top_count");
    pub const RETR: u128 = key(b"retr");
    pub const RETR_COUNT: u128 = key(b"retr_count");
    pub const RETR_BYTES: u128 = key(b"retr_bytes");
    pub const DEL: u128 = key(b"del");
    pub const DELETED_COUNT: u128 = key(b"deleted_count");
    pub const DEL_COUNT: u128 = key(b"del_count");
    pub const DELE: u128 = key(b"dele");
    pub const MESSAGE_COUNT: u128 = key(b"message_count");
    pub const MSGS: u128 = key(b"msgs");
    pub const DELETED: u128 = key(b"deleted");
    pub const EXPUNGED: u128 = key(b"expunged");
    pub const EXPUNGE: u128 = key(b"expunge");
    pub const TRASHED: u128 = key(b"trashed");
    pub const IN: u128 = key(b"in");
    pub const INPUT: u128 = key(b"input");
    pub const BYTES_IN: u128 = key(b"bytes_in");
}

/// A substring search built once: `memmem::find` builds its searcher at every call, which
/// costs more than the search in a line.
type Searcher = LazyLock<Finder<'static>>;
static COLON_SPACE: Searcher = Searcher::new(|| Finder::new(b": "));
static COMMA_SPACE: Searcher = Searcher::new(|| Finder::new(b", "));

fn unangle(v: &[u8]) -> &[u8] {
    v.strip_prefix(b"<").and_then(|v| v.strip_suffix(b">")).unwrap_or(v)
}

/// A decimal number that fits in u64.
pub fn number(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// `N/M` as two numbers (either may be missing).
fn pair(v: &[u8]) -> (Option<u64>, Option<u64>) {
    match memchr(b'/', v) {
        Some(slash) => (number(&v[..slash]), number(&v[slash + 1..])),
        None => (number(v), None),
    }
}

/// `key=value` pairs and bare words, separated by `, ` or spaces. A value starting with
/// `<` runs to the next `>`, one starting with `(` to the next `)`.
///
/// The separators are found 64 bytes at a time: each window of the line is classified
/// once into bit masks ([`Window`]), and tokens end where a mask has its next bit. A byte
/// loop would mispredict a branch at every token's end and cost several times more on the
/// long login and logout lines.
pub struct Pairs<'a> {
    s: &'a [u8],
    p: usize,
    /// The window classified in `win`: bytes `base .. base + 64` (or the end of a short line).
    base: usize,
    win: Window,
}

/// The separators among 64 bytes of a line, a bit per byte (bit `i`: byte `base + i`).
#[derive(Clone, Copy, Default)]
struct Window {
    /// `' '` or `','`.
    sep: u64,
    /// `'='`.
    eq: u64,
}

impl Window {
    /// Classifies 64 bytes (past the end of the line: zeros, which separate nothing).
    #[inline]
    fn of(b: &[u8; 64]) -> Window {
        Window { sep: mask::of(b, b" ,"), eq: mask::of(b, b"=") }
    }
}

impl<'a> Pairs<'a> {
    pub fn new(s: &'a [u8]) -> Self {
        Pairs { s, p: 0, base: usize::MAX / 2, win: Window::default() }
    }

    /// The first position from `p` whose bit is set in `bits` of its window, or the end.
    #[inline]
    fn find(&mut self, mut p: usize, bits: impl Fn(&Window) -> u64) -> usize {
        let s = self.s;
        while p < s.len() {
            if p < self.base || p >= self.base + 64 {
                self.classify(p);
            }
            let m = bits(&self.win) >> (p - self.base);
            if m != 0 {
                return (p + m.trailing_zeros() as usize).min(s.len());
            }
            p = self.base + 64;
        }
        s.len()
    }

    /// Classifies the 64 bytes from `p`, or the last 64 of the line when fewer are left
    /// (no copy), or the whole line padded with zeros when shorter.
    fn classify(&mut self, p: usize) {
        let s = self.s;
        let base = if p + 64 <= s.len() { p } else { s.len().saturating_sub(64) };
        self.win = match s.get(base..base + 64).and_then(|w| <&[u8; 64]>::try_from(w).ok()) {
            Some(w) => Window::of(w),
            None => {
                let mut b = [0u8; 64];
                b[..s.len()].copy_from_slice(s);
                Window::of(&b)
            }
        };
        self.base = base;
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let s = self.s;
        // Separators come one or two at a time (`, `): a byte loop is cheaper here.
        let mut start = self.p;
        while start < s.len() && (s[start] == b' ' || s[start] == b',') {
            start += 1;
        }
        if start >= s.len() {
            self.p = start;
            return None;
        }
        let end = self.find(start, |w| w.sep | w.eq);
        let key = &s[start..end];
        if s.get(end) != Some(&b'=') {
            self.p = end;
            return Some((key, None));
        }
        let vstart = end + 1;
        let closer = match s.get(vstart) {
            Some(b'<') => Some(b'>'),
            Some(b'(') => Some(b')'),
            _ => None,
        };
        if let Some(c) = closer
            && let Some(e) = memchr(c, &s[vstart..])
        {
            self.p = vstart + e + 1;
            return Some((key, Some(&s[vstart..self.p])));
        }
        self.p = self.find(vstart, |w| w.sep);
        Some((key, Some(&s[vstart..self.p])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: &str) -> Record<'_> {
        parse(line.as_bytes()).unwrap().unwrap_or_else(|| panic!("irrelevant: {line}"))
    }

    #[test]
    fn dovecot_23_login_from_its_own_log_file() {
        let r = rec(
            "pop3-login: Info: Login: user=<alice>, method=PLAIN, rip=192.0.2.10, lip=127.0.0.1, mpid=2094, TLS, session=<n+p509Rg/Lx/AAAB>",
        );
        let Record::Login { proc, login } = r else { panic!("{r:?}") };
        assert_eq!(proc, Proc::Pop3);
        assert_eq!(login.user, b"alice");
        assert_eq!(login.ip, Some(&b"192.0.2.10"[..]));
        assert_eq!(login.mpid, Some(2094));
        assert_eq!(login.session, Some(&b"n+p509Rg/Lx/AAAB"[..]));
        assert_eq!(login.method, Some(&b"PLAIN"[..]));
        assert!(login.tls && !login.secured);
    }

    #[test]
    fn syslog_login_without_level_and_secured_flag() {
        let r = rec(
            "mail dovecot[812]: imap-login: Login: user=<bob@example.org>, method=PLAIN, rip=2001:db8::7, lip=2001:db8::1, mpid=4242, secured, session=<AbCdEf12>",
        );
        let Record::Login { proc: Proc::Imap, login } = r else { panic!("{r:?}") };
        assert_eq!(login.user, b"bob@example.org");
        assert_eq!(login.ip, Some(&b"2001:db8::7"[..]));
        assert!(login.secured && !login.tls);
    }

    #[test]
    fn dovecot_24_aliases_and_master_fields() {
        let r = rec(
            "pop3-login: Info: Login: user=<alice>, mechanism=PLAIN, remote_ip=198.51.100.4, local_ip=192.0.2.1, mail_pid=77, tls=yes, session_id=<XyZ>, master_user=<admin>",
        );
        let Record::Login { login, .. } = r else { panic!("{r:?}") };
        assert_eq!(login.ip, Some(&b"198.51.100.4"[..]));
        assert_eq!(login.mpid, Some(77));
        assert_eq!(login.session, Some(&b"XyZ"[..]));
        assert_eq!(login.master, Some(&b"admin"[..]));
        assert!(login.tls);
    }

    #[test]
    fn dovecot_23_pop3_logout() {
        let r = rec(
            "pop3(alice)<2094><n+p509Rg/Lx/AAAB>: Info: Disconnected: Logged out top=0/0, retr=3/246, del=2/3, size=201",
        );
        let Record::Logout { proc: Proc::Pop3, id, counters } = r else { panic!("{r:?}") };
        assert_eq!(id, MailId { user: b"alice", pid: Some(2094), session: Some(b"n+p509Rg/Lx/AAAB") });
        assert_eq!(
            (counters.get(Counter::Top), counters.get(Counter::Retr), counters.get(Counter::RetrBytes)),
            (Some(0), Some(3), Some(246))
        );
        assert_eq!((counters.get(Counter::Del), counters.get(Counter::Messages)), (Some(2), Some(3)));
    }

    #[test]
    fn dovecot_22_pop3_logout_has_no_ids() {
        let r = rec("host dovecot: pop3(alice): Disconnected: Logged out top=0/0, retr=2/4120, del=2/2, size=4102");
        let Record::Logout { id, counters, .. } = r else { panic!("{r:?}") };
        assert_eq!(id, MailId { user: b"alice", pid: None, session: None });
        assert_eq!(counters.get(Counter::Retr), Some(2));
        // A custom prefix with only the pid.
        let Record::Logout { id, .. } = rec("pop3(alice)<812>: Logged out retr=1/10, del=0/1") else { panic!() };
        assert_eq!(id.pid, Some(812));
    }

    #[test]
    fn dovecot_24_logout_field_names() {
        let r = rec(
            "pop3(alice)<9><s>: Info: Logged out top_count=0 retr_count=4 retr_bytes=8000 deleted_count=3 message_count=6 message_bytes=9000",
        );
        let Record::Logout { counters, .. } = r else { panic!("{r:?}") };
        assert_eq!(
            [Counter::Retr, Counter::RetrBytes, Counter::Del, Counter::Messages].map(|c| counters.get(c)),
            [Some(4), Some(8000), Some(3), Some(6)]
        );
    }

    #[test]
    fn imap_logout_and_variants() {
        let r = rec(
            "imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: Disconnected: Logged out in=176 out=1543 deleted=2 expunged=2 trashed=1 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
        );
        let Record::Logout { proc: Proc::Imap, counters, .. } = r else { panic!("{r:?}") };
        assert_eq!(
            [Counter::Deleted, Counter::Expunged, Counter::Trashed].map(|c| counters.get(c)),
            [Some(2), Some(2), Some(1)]
        );
        let r = rec(
            "imap(alice)<1><s>: Info: Connection closed (IDLE running for 0.001 + waiting input for 28.1 secs) in=10 out=20 deleted=0 expunged=0 trashed=0",
        );
        assert!(matches!(r, Record::Logout { .. }));
        // Informational lines of a mail process are not logouts.
        assert_eq!(rec("imap(alice)<1><s>: Info: Mailbox renamed"), Record::Other);
        assert_eq!(rec("pop3(alice)<1><s>: Error: quota exceeded size=5"), Record::Other);
    }

    #[test]
    fn mail_log_events() {
        let r = rec(
            "imap(alice)<2100><S>: Info: copy from INBOX: box=Trash, uid=1, msgid=<m3@x>, size=61, vsize=67, from=a@b, subject=t3, flags=(\\Seen)",
        );
        assert!(
            matches!(r, Record::Event { event: Event::Copy { source: Some(b"INBOX"), dest: b"Trash" }, .. }),
            "{r:?}"
        );
        let r = rec(
            "imap(alice)<2100><S>: Info: expunge: box=INBOX, uid=3, msgid=<m3@x>, size=61, vsize=67, from=a@b, subject=t3, flags=(\\Deleted \\Seen)",
        );
        assert!(matches!(r, Record::Event { proc: Proc::Imap, event: Event::Expunge { mailbox: b"INBOX" }, .. }));
        let r = rec("imap(alice): delete: box=INBOX, uid=3, msgid=<m3@x>");
        assert!(matches!(r, Record::Event { event: Event::Delete { mailbox: b"INBOX" }, .. }));
        let r = rec("imap(alice): copy -> Archive/2024: box=INBOX, uid=3");
        assert!(matches!(
            r,
            Record::Event { event: Event::Copy { source: Some(b"INBOX"), dest: b"Archive/2024" }, .. }
        ));
        let r = rec("doveadm(alice): Info: expunge: box=Trash, uid=9, msgid=<x>");
        assert!(matches!(r, Record::Event { proc: Proc::Server, .. }));
        assert_eq!(rec("lmtp(alice)<1><s>: Info: save: box=INBOX, uid=4, msgid=<z>"), Record::Other);
        assert_eq!(rec("lmtp(12345): Info: Connect from local"), Record::Other);
        // A mailbox name with spaces ends at the comma.
        let r = rec("imap(bob)<1><s>: Info: copy from INBOX: box=Deleted Items, uid=1");
        assert!(matches!(r, Record::Event { event: Event::Copy { dest: b"Deleted Items", .. }, .. }), "{r:?}");
    }

    #[test]
    fn master_user_lines() {
        assert_eq!(
            rec("auth: Info: Master user logging in as bob"),
            Record::Master { user: b"bob", master: None, session: None }
        );
        assert_eq!(
            rec("auth: Info: passwd-file(bob*admin,127.0.0.1,<mT9609Rg>): Master user logging in as bob"),
            Record::Master { user: b"bob", master: Some(b"admin"), session: Some(b"mT9609Rg") }
        );
        assert_eq!(
            rec("host dovecot[1]: auth: passwd-file(admin,127.0.0.1): Master user logging in as bob"),
            Record::Master { user: b"bob", master: Some(b"admin"), session: None }
        );
        assert_eq!(rec("auth: Info: passwd-file(x,1.2.3.4): unknown user"), Record::Other);
    }

    #[test]
    fn irrelevant_lines_are_skipped() {
        for line in [
            "mail postfix/smtpd[1]: connect from x",
            "master: Info: Dovecot v2.3.19.1 starting up",
            "submission-login: Info: Login: user=<a>",
            "mail dovecot[1]: master: Dovecot starting",
            "",
            "authx: nothing",
        ] {
            assert_eq!(parse(line.as_bytes()), Ok(None), "{line}");
        }
        // Non-login lines of login processes are relevant but carry nothing.
        assert_eq!(
            rec("pop3-login: Info: Disconnected (no auth attempts in 0 secs): user=<>, rip=1.2.3.4"),
            Record::Other
        );
        assert_eq!(rec("imap-login: Info: Aborted login (auth failed, 1 attempts in 2 secs): user=<a>"), Record::Other);
    }

    #[test]
    fn truncated_and_garbage_relevant_lines_are_unparsable() {
        for line in [
            &b"pop3(alice"[..],
            b"pop3(alice)<2094><n+p5",
            b"pop3(alice)<2094><abc>",
            b"pop3(alice)<2094><abc>:",
            b"pop3-login: Info: Login: method=PLAIN, rip=1.2.3.4",
            b"pop3-login: Info: Login: user=<>, rip=1.2.3.4",
            b"imap(alice)<1><s>: Info: expunge: uid=3",
            b"imap(alice)<1><s>: Info: copy sideways: box=X",
        ] {
            assert_eq!(parse(line), Err(Unparsable), "{}", String::from_utf8_lossy(line));
        }
        // Binary junk never panics, whatever it is.
        let mut seed = 7u64;
        for _ in 0..2000 {
            let mut junk = b"pop3(".to_vec();
            for _ in 0..(seed % 90) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                const ALPHABET: &[u8] = b"(<>):=, /retr=del1\xff\x00 ";
                junk.push(ALPHABET[(seed >> 33) as usize % ALPHABET.len()]);
            }
            let _ = parse(&junk);
        }
    }

    /// The pairs of `s` read byte by byte: what [`Pairs`] must find with its masks.
    fn pairs_bytewise(s: &[u8]) -> Vec<(&[u8], Option<&[u8]>)> {
        let (mut out, mut p) = (Vec::new(), 0);
        loop {
            while p < s.len() && (s[p] == b' ' || s[p] == b',') {
                p += 1;
            }
            if p >= s.len() {
                return out;
            }
            let start = p;
            while p < s.len() && !matches!(s[p], b' ' | b',' | b'=') {
                p += 1;
            }
            let key = &s[start..p];
            if s.get(p) != Some(&b'=') {
                out.push((key, None));
                continue;
            }
            p += 1;
            let vstart = p;
            let closer = match s.get(p) {
                Some(b'<') => Some(b'>'),
                Some(b'(') => Some(b')'),
                _ => None,
            };
            if let Some(end) = closer.and_then(|c| s[p..].iter().position(|&b| b == c)) {
                p += end + 1;
            } else {
                while p < s.len() && !matches!(s[p], b' ' | b',') {
                    p += 1;
                }
            }
            out.push((key, Some(&s[vstart..p])));
        }
    }

    /// Random lines of separators, brackets and letters, of every length around the 64-byte
    /// windows: the same pairs as a byte-by-byte reading.
    #[test]
    fn pairs_agree_with_a_bytewise_reading() {
        let alphabet = b" ,=<>()ab";
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for n in 0..300 {
            for _ in 0..40 {
                let s: Vec<u8> = (0..n)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        alphabet[(seed >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                assert_eq!(Pairs::new(&s).collect::<Vec<_>>(), pairs_bytewise(&s), "{:?}", String::from_utf8_lossy(&s));
            }
        }
        let login =
            b"user=<alice>, method=PLAIN, rip=192.0.2.10, lip=127.0.0.1, mpid=2094, TLS, session=<n+p509Rg/Lx/AAAB>";
        assert_eq!(Pairs::new(login).collect::<Vec<_>>(), pairs_bytewise(login));
    }

    #[test]
    fn key_words_are_exact() {
        let s = b"auth_master_user=x";
        for i in 0..s.len() {
            for j in i..=s.len() {
                assert_eq!(word(&s[i..j]), key(&s[i..j]), "{:?}", &s[i..j]);
            }
        }
        assert_ne!(word(b"tls"), word(b"TLS"));
        assert_ne!(word(b"del"), word(b"del\0"), "a zero byte is not padding: the length differs");
        assert_eq!(word(&[b'k'; 17]), u128::MAX);
        let mut short = *b"auth_master_use\x0f";
        assert_eq!(word(&short), u128::MAX, "a 16-byte key ending in a length byte");
        short[15] = b'r';
        assert_eq!(word(&short), keys::AUTH_MASTER_USER);
        assert_eq!(key(b""), 0);
    }

    #[test]
    fn pairs_handle_brackets_and_separators() {
        let v: Vec<_> = Pairs::new(b"a=1, b=<x y>, flag, c=(p q) d=2/3,,e=").collect();
        assert_eq!(
            v,
            vec![
                (&b"a"[..], Some(&b"1"[..])),
                (b"b", Some(b"<x y>")),
                (b"flag", None),
                (b"c", Some(b"(p q)")),
                (b"d", Some(b"2/3")),
                (b"e", Some(b"")),
            ]
        );
    }
}
