//! One Dovecot log line to a [`Record`] borrowing from it: no allocation, no regex.
//!
//! Accepted shapes (after the timestamp, see [`super::time`]):
//! * Dovecot's own log file: `pop3-login: Info: Login: ...`, `pop3(alice)<pid><session>: Info: ...`
//!   (2.3+), `pop3(alice): ...` (2.2);
//! * syslog / journal exports: `host dovecot[123]: pop3-login: Login: ...` (no level word).
//!
//! `key=value` pairs are read generically (`, ` or space separated, `<...>` and `(...)`
//! values may hold spaces) and known aliases are mapped, so renamed fields (Dovecot 2.4)
//! and custom `login_log_format_elements` / `*_logout_format` still work.

use memchr::memchr;

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
/// `in= out= deleted= expunged= trashed=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    pub top: Option<u64>,
    pub retr: Option<u64>,
    pub retr_bytes: Option<u64>,
    pub del: Option<u64>,
    pub messages: Option<u64>,
    pub deleted: Option<u64>,
    pub expunged: Option<u64>,
    pub trashed: Option<u64>,
    pub bytes_in: Option<u64>,
}

impl Counters {
    fn is_pop(&self) -> bool {
        self.retr.is_some() || self.del.is_some() || self.top.is_some()
    }

    fn is_imap(&self) -> bool {
        self.expunged.is_some() || self.deleted.is_some() || self.trashed.is_some() || self.bytes_in.is_some()
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
pub fn parse(rest: &[u8]) -> Result<Option<Record<'_>>, Unparsable> {
    let Some(svc) = service_start(rest) else { return Ok(None) };
    parse_service(svc)
}

/// Finds the Dovecot service name: directly (Dovecot's log file) or after `host dovecot[pid]: `.
fn service_start(rest: &[u8]) -> Option<&[u8]> {
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

fn is_service(s: &[u8]) -> bool {
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

fn parse_service(s: &[u8]) -> Result<Option<Record<'_>>, Unparsable> {
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

fn login(proc: Proc, m: &[u8]) -> Result<Record<'_>, Unparsable> {
    let Some(kv) = m.strip_prefix(b"Login: ") else { return Ok(Record::Other) };
    let mut l = Login::default();
    let mut user = None;
    for (k, v) in Pairs::new(kv) {
        match (k, v) {
            (b"user" | b"username" | b"login_user", Some(v)) => user = Some(unangle(v)),
            (b"rip" | b"remote_ip" | b"remote" | b"client_ip", Some(v)) => l.ip = Some(v),
            (b"mpid" | b"mail_pid" | b"pid", Some(v)) => l.mpid = number(v).and_then(|n| u32::try_from(n).ok()),
            (b"session" | b"session_id", Some(v)) => l.session = Some(unangle(v)),
            (b"method" | b"mechanism" | b"auth_mech", Some(v)) => l.method = Some(v),
            (b"master" | b"master_user" | b"auth_master_user", Some(v)) => l.master = Some(unangle(v)),
            (b"TLS" | b"tls", None) => l.tls = true,
            (b"tls" | b"secured", Some(v)) if v != b"no" && v != b"0" => l.tls = k == b"tls" || l.tls,
            (b"secured", None) => l.secured = true,
            _ => {}
        }
    }
    l.user = user.filter(|u| !u.is_empty()).ok_or(Unparsable)?;
    Ok(Record::Login { proc, login: l })
}

fn auth(s: &[u8]) -> Record<'_> {
    const NEEDLE: &[u8] = b"aster user logging in as ";
    let Some(at) = memchr::memmem::find(s, NEEDLE) else { return Record::Other };
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

fn mail_message<'a>(proc: Proc, id: MailId<'a>, m: &'a [u8]) -> Result<Option<Record<'a>>, Unparsable> {
    if EVENTS.iter().any(|e| m.starts_with(e)) {
        return event(m).map(|e| Some(e.map_or(Record::Other, |event| Record::Event { proc, id, event })));
    }
    if proc == Proc::Server || memchr(b'=', m).is_none() {
        return Ok(Some(Record::Other));
    }
    let mut c = Counters::default();
    for (k, v) in Pairs::new(m) {
        let Some(v) = v else { continue };
        match k {
            b"top" => (c.top, _) = pair(v),
            b"top_count" => c.top = number(v),
            b"retr" => (c.retr, c.retr_bytes) = pair(v),
            b"retr_count" => c.retr = number(v),
            b"retr_bytes" => c.retr_bytes = number(v),
            b"del" if proc == Proc::Pop3 => (c.del, c.messages) = pair(v),
            b"deleted_count" | b"del_count" | b"dele" => c.del = number(v),
            b"message_count" | b"msgs" => c.messages = number(v),
            b"deleted" if proc == Proc::Imap => c.deleted = number(v),
            b"expunged" | b"expunge" => c.expunged = number(v),
            b"trashed" => c.trashed = number(v),
            b"in" | b"input" | b"bytes_in" => c.bytes_in = number(v),
            _ => {}
        }
    }
    let found = match proc {
        Proc::Pop3 => c.is_pop(),
        Proc::Imap => c.is_imap(),
        Proc::Server => false,
    };
    Ok(Some(if found { Record::Logout { proc, id, counters: c } } else { Record::Other }))
}

fn event(m: &[u8]) -> Result<Option<Event<'_>>, Unparsable> {
    let colon = memchr::memmem::find(m, b": ").ok_or(Unparsable)?;
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
    let start = if kv.starts_with(b"box=") { 4 } else { memchr::memmem::find(kv, b", box=")? + 6 };
    let v = &kv[start..];
    Some(memchr::memmem::find(v, b", ").map_or(v, |end| &v[..end]))
}

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
pub struct Pairs<'a> {
    s: &'a [u8],
    p: usize,
}

impl<'a> Pairs<'a> {
    pub fn new(s: &'a [u8]) -> Self {
        Pairs { s, p: 0 }
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.s;
        while self.p < s.len() && (s[self.p] == b' ' || s[self.p] == b',') {
            self.p += 1;
        }
        if self.p >= s.len() {
            return None;
        }
        let start = self.p;
        while self.p < s.len() && !matches!(s[self.p], b' ' | b',' | b'=') {
            self.p += 1;
        }
        let key = &s[start..self.p];
        if s.get(self.p) != Some(&b'=') {
            return Some((key, None));
        }
        self.p += 1;
        let vstart = self.p;
        let closer = match s.get(self.p) {
            Some(b'<') => Some(b'>'),
            Some(b'(') => Some(b')'),
            _ => None,
        };
        if let Some(c) = closer
            && let Some(end) = memchr(c, &s[self.p..])
        {
            self.p += end + 1;
            return Some((key, Some(&s[vstart..self.p])));
        }
        while self.p < s.len() && !matches!(s[self.p], b' ' | b',') {
            self.p += 1;
        }
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
        assert_eq!((counters.top, counters.retr, counters.retr_bytes), (Some(0), Some(3), Some(246)));
        assert_eq!((counters.del, counters.messages), (Some(2), Some(3)));
    }

    #[test]
    fn dovecot_22_pop3_logout_has_no_ids() {
        let r = rec("host dovecot: pop3(alice): Disconnected: Logged out top=0/0, retr=2/4120, del=2/2, size=4102");
        let Record::Logout { id, counters, .. } = r else { panic!("{r:?}") };
        assert_eq!(id, MailId { user: b"alice", pid: None, session: None });
        assert_eq!(counters.retr, Some(2));
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
            (counters.retr, counters.retr_bytes, counters.del, counters.messages),
            (Some(4), Some(8000), Some(3), Some(6))
        );
    }

    #[test]
    fn imap_logout_and_variants() {
        let r = rec(
            "imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: Disconnected: Logged out in=176 out=1543 deleted=2 expunged=2 trashed=1 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
        );
        let Record::Logout { proc: Proc::Imap, counters, .. } = r else { panic!("{r:?}") };
        assert_eq!((counters.deleted, counters.expunged, counters.trashed), (Some(2), Some(2), Some(1)));
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
