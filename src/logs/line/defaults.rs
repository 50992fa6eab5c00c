//! Dovecot's default login and logout formats, read as a fixed sequence of fields.
//!
//! Most login and logout lines of a real log are in Dovecot's default formats
//! (`login_log_format_elements`, `pop3_logout_format`, `imap_logout_format`). Reading them
//! field after field in the expected order costs a fraction of the generic reading
//! ([`Pairs`](super::Pairs) and a key lookup per token). A line that strays from the format
//! in any way (another field, another order or separator, a bracketed or empty value, a
//! number that does not fit) gets `None` here and is read the generic way; a line read here
//! gives exactly what the generic reading gives (tested on randomly altered lines).

use super::{Counter, Counters, Login, Proc};

/// A literal of at most 16 bytes as a number, compared with the line's next bytes at once.
#[derive(Clone, Copy)]
struct Lit {
    bytes: u128,
    mask: u128,
    len: usize,
}

impl Lit {
    const fn new(s: &[u8]) -> Lit {
        assert!(!s.is_empty() && s.len() <= 16);
        let (mut bytes, mut i) = (0u128, 0);
        while i < s.len() {
            assert!(s[i] != 0);
            bytes |= (s[i] as u128) << (8 * i);
            i += 1;
        }
        let mask = if s.len() == 16 { u128::MAX } else { (1u128 << (8 * s.len())) - 1 };
        Lit { bytes, mask, len: s.len() }
    }
}

/// A position in a line, moved forward by what is read.
struct Cursor<'a> {
    s: &'a [u8],
    p: usize,
}

impl<'a> Cursor<'a> {
    /// The 16 bytes from the position, zeros past the end (no literal holds a zero byte).
    #[inline]
    fn next16(&self) -> u128 {
        match self.s.get(self.p..self.p + 16) {
            Some(b) => u128::from_le_bytes(b.try_into().unwrap_or([0; 16])),
            None => {
                let rest = self.s.get(self.p..).unwrap_or_default();
                let mut b = [0; 16];
                b[..rest.len()].copy_from_slice(rest);
                u128::from_le_bytes(b)
            }
        }
    }

    /// Skips `l` if the line goes on with it.
    #[inline]
    fn lit(&mut self, l: Lit) -> Option<()> {
        (self.next16() & l.mask == l.bytes).then(|| self.p += l.len)
    }

    /// A number of 1 to 19 digits (as [`super::number`] reads one; more digits: `None`).
    #[inline]
    fn num(&mut self) -> Option<u64> {
        let s = &self.s[self.p..];
        let (mut n, mut i) = (0u64, 0);
        while let Some(d) = s.get(i).map(|b| b.wrapping_sub(b'0')).filter(|&d| d < 10) {
            if i == 19 {
                return None;
            }
            n = n * 10 + u64::from(d);
            i += 1;
        }
        self.p += i;
        (i > 0).then_some(n)
    }

    /// A value running to the next separator: not empty, not opening a bracket (the generic
    /// reading would run such a value to its closing bracket).
    #[inline]
    fn plain(&mut self) -> Option<&'a [u8]> {
        let s = &self.s[self.p..];
        if matches!(s.first(), None | Some(b'<' | b'(' | b' ' | b',')) {
            return None;
        }
        let n = s.iter().position(|&b| b == b' ' || b == b',').unwrap_or(s.len());
        self.p += n;
        Some(&s[..n])
    }

    /// `<...>` up to the first `>`, without the brackets.
    #[inline]
    fn angled(&mut self) -> Option<&'a [u8]> {
        let s = &self.s[self.p..];
        if s.first() != Some(&b'<') {
            return None;
        }
        let close = memchr::memchr(b'>', s)?;
        self.p += close + 1;
        Some(&s[1..close])
    }

    fn at_end(&self) -> bool {
        self.p == self.s.len()
    }
}

/// The login fields after `Login: `, in the default `login_log_format_elements`:
/// `user=<U>, method=M, rip=R, lip=L, mpid=N[, TLS|, secured], session=<S>`.
#[inline]
pub(super) fn login(kv: &[u8]) -> Option<Login<'_>> {
    const USER: Lit = Lit::new(b"user=");
    const METHOD: Lit = Lit::new(b", method=");
    const RIP: Lit = Lit::new(b", rip=");
    const LIP: Lit = Lit::new(b", lip=");
    const MPID: Lit = Lit::new(b", mpid=");
    const TLS: Lit = Lit::new(b", TLS");
    const SECURED: Lit = Lit::new(b", secured");
    const SESSION: Lit = Lit::new(b", session=");
    let mut c = Cursor { s: kv, p: 0 };
    c.lit(USER)?;
    let user = c.angled().filter(|u| !u.is_empty())?;
    c.lit(METHOD)?;
    let method = c.plain()?;
    c.lit(RIP)?;
    let ip = c.plain()?;
    c.lit(LIP)?;
    c.plain()?;
    c.lit(MPID)?;
    let mpid = c.num()?;
    let tls = c.lit(TLS).is_some();
    let secured = !tls && c.lit(SECURED).is_some();
    c.lit(SESSION)?;
    let session = c.angled()?;
    c.at_end().then_some(Login {
        user,
        ip: Some(ip),
        mpid: u32::try_from(mpid).ok(),
        session: Some(session),
        method: Some(method),
        master: None,
        tls,
        secured,
    })
}

/// A logout format's value: a number or an `N/M` pair, and which counters keep them.
#[derive(Clone, Copy)]
enum Value {
    Num(Option<Counter>),
    Pair(Option<Counter>, Option<Counter>),
}

/// A field of a logout format: its separator and key, and its value.
type Field = (Lit, Value);

/// `top=%t/%p, retr=%r/%b, del=%d/%m, size=%s`
const POP3: [Field; 4] = [
    (Lit::new(b"top="), Value::Pair(Some(Counter::Top), None)),
    (Lit::new(b", retr="), Value::Pair(Some(Counter::Retr), Some(Counter::RetrBytes))),
    (Lit::new(b", del="), Value::Pair(Some(Counter::Del), Some(Counter::Messages))),
    (Lit::new(b", size="), Value::Num(None)),
];

/// `in=%i out=%o deleted=%{deleted} expunged=%{expunged} trashed=%{trashed} hdr_count=...`
const IMAP: [Field; 9] = [
    (Lit::new(b"in="), Value::Num(Some(Counter::BytesIn))),
    (Lit::new(b" out="), Value::Num(None)),
    (Lit::new(b" deleted="), Value::Num(Some(Counter::Deleted))),
    (Lit::new(b" expunged="), Value::Num(Some(Counter::Expunged))),
    (Lit::new(b" trashed="), Value::Num(Some(Counter::Trashed))),
    (Lit::new(b" hdr_count="), Value::Num(None)),
    (Lit::new(b" hdr_bytes="), Value::Num(None)),
    (Lit::new(b" body_count="), Value::Num(None)),
    (Lit::new(b" body_bytes="), Value::Num(None)),
];

/// The counters of a logout message `m` in the default format of `proc`'s logouts (or the
/// first fields of it: Dovecot 2.2's IMAP default stops after `out=`), `eq` being its first
/// `=`: the words before the first key (`Disconnected: Logged out`) say nothing.
#[inline]
pub(super) fn counters(proc: Proc, m: &[u8], eq: usize) -> Option<Counters> {
    let fields: &[Field] = match proc {
        Proc::Pop3 => &POP3,
        Proc::Imap => &IMAP,
        Proc::Server => return None,
    };
    let start = m[..eq].iter().rposition(|&b| b == b' ' || b == b',').map_or(0, |i| i + 1);
    let mut c = Cursor { s: m, p: start };
    let mut k = Counters::default();
    for &(lit, value) in fields {
        c.lit(lit)?;
        match value {
            Value::Num(to) => set(&mut k, to, c.num()?),
            Value::Pair(first, second) => {
                set(&mut k, first, c.num()?);
                c.lit(SLASH)?;
                set(&mut k, second, c.num()?);
            }
        }
        if c.at_end() {
            return Some(k);
        }
    }
    None
}

const SLASH: Lit = Lit::new(b"/");

/// Records `v` as `to`, if the format keeps it.
fn set(c: &mut Counters, to: Option<Counter>, v: u64) {
    if let Some(to) = to {
        c.set(to, Some(v));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{counters_pairs, login_pairs};
    use super::*;

    const LOGINS: [&str; 4] = [
        "user=<alice@example.org>, method=PLAIN, rip=192.0.2.10, lip=192.0.2.1, mpid=2094, TLS, session=<n+p509Rg/Lx/AAAB>",
        "user=<bob>, method=LOGIN, rip=2001:db8::7, lip=2001:db8::1, mpid=4242, secured, session=<AbCdEf12>",
        "user=<c d>, method=CRAM-MD5, rip=10.0.0.1, lip=10.0.0.2, mpid=7, session=<x>",
        "user=<e>, method=PLAIN, rip=10.0.0.1, lip=10.0.0.2, mpid=99999999999, TLS, session=<y>",
    ];

    const LOGOUTS: [(Proc, &str); 5] = [
        (Proc::Pop3, "Disconnected: Logged out top=0/0, retr=3/12360, del=2/26, size=107120"),
        (Proc::Pop3, "Logged out top=1/10, retr=0/0, del=0/3"),
        (
            Proc::Imap,
            "Disconnected: Logged out in=176 out=1543 deleted=2 expunged=2 trashed=1 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
        ),
        (Proc::Imap, "Connection closed (IDLE running for 0.001 + waiting input for 28.1 secs) in=10 out=20"),
        (Proc::Imap, "Logged out in=9999999999999999999 out=0 deleted=0 expunged=18446744073709551615 trashed=0"),
    ];

    /// `s` changed in a few random places, with the bytes that matter to either reading.
    fn altered(s: &str, seed: &mut u64) -> Vec<u8> {
        const BYTES: &[u8] = b"<>(), =/09aTLS\x00";
        let mut next = |n: usize| {
            *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (*seed >> 33) as usize % n.max(1)
        };
        let mut v = s.as_bytes().to_vec();
        for _ in 0..1 + next(3) {
            let at = next(v.len() + 1);
            match next(5) {
                0 if at < v.len() => v[at] = BYTES[next(BYTES.len())],
                1 => v.insert(at, BYTES[next(BYTES.len())]),
                2 if at < v.len() => drop(v.remove(at)),
                3 => v.truncate(at),
                _ if at < v.len() => v[at] = b'0' + next(10) as u8,
                _ => {}
            }
        }
        v
    }

    #[test]
    fn default_logins_read_as_the_generic_reading_does() {
        for line in LOGINS {
            assert_eq!(login(line.as_bytes()), Some(login_pairs(line.as_bytes()).unwrap()), "{line}");
        }
        let (mut seed, mut read) = (11, 0);
        for k in 0..40_000 {
            let line = altered(LOGINS[k % LOGINS.len()], &mut seed);
            if let Some(l) = login(&line) {
                assert_eq!(Ok(l), login_pairs(&line), "{}", String::from_utf8_lossy(&line));
                read += 1;
            }
        }
        assert!(read > 5_000, "the altered lines read in the default format: {read}");
    }

    #[test]
    fn default_logouts_read_as_the_generic_reading_does() {
        let first_eq = |m: &[u8]| memchr::memchr(b'=', m);
        for (proc, m) in LOGOUTS {
            let m = m.as_bytes();
            // A number of 20 digits is the generic reading's to refuse.
            let default = !m.ends_with(b"trashed=0");
            assert_eq!(counters(proc, m, first_eq(m).unwrap()), default.then(|| counters_pairs(proc, m)));
        }
        let (mut seed, mut read) = (5, 0);
        for k in 0..40_000 {
            let (proc, m) = LOGOUTS[k % LOGOUTS.len()];
            let m = altered(m, &mut seed);
            // The other protocol's format too: it must not be taken for its own.
            for proc in [proc, Proc::Pop3, Proc::Imap] {
                if let Some(c) = first_eq(&m).and_then(|eq| counters(proc, &m, eq)) {
                    assert_eq!(c, counters_pairs(proc, &m), "{proc:?} {}", String::from_utf8_lossy(&m));
                    read += 1;
                }
            }
        }
        assert!(read > 5_000, "the altered lines read in the default format: {read}");
    }
}
