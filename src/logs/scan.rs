//! The parallel half of reading: a block of lines to counts and compact records, without
//! the state that needs log order (the clock's year, the joins). Records point into the
//! block by offsets, so the block travels with them to the joining thread.

use super::input::{self, Block};
use super::join::{Filter, fingerprint, hash_bytes};
use super::line::{self, Counters, Event, Proc, Record};
use super::time::{self, RawTime};

/// A byte range of the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    fn of(block: &[u8], s: &[u8]) -> Span {
        let start = s.as_ptr() as usize - block.as_ptr() as usize;
        Span { start: start as u32, len: s.len() as u32 }
    }

    pub fn get(self, block: &[u8]) -> &[u8] {
        &block[self.start as usize..(self.start + self.len) as usize]
    }
}

/// A user name with its hash (interning then costs one probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Name {
    pub span: Span,
    pub hash: u64,
}

impl Name {
    fn of(block: &[u8], s: &[u8]) -> Name {
        Name { span: Span::of(block, s), hash: hash_bytes(s) }
    }
}

/// How a mail process's line names its session, session ids fingerprinted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id {
    pub user: Name,
    pub pid: Option<u32>,
    pub session: Option<u128>,
}

/// The records the joiner acts on (lines it would ignore are left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rec {
    Login {
        proc: Proc,
        user: Name,
        ip: Option<Name>,
        master: Option<Name>,
        session: Option<u128>,
        mpid: Option<u32>,
        tls: bool,
        secured: bool,
    },
    Logout {
        proc: Proc,
        id: Id,
        counters: Counters,
    },
    /// IMAP `mail_log` events and server expunges.
    Event {
        proc: Proc,
        id: Id,
        event: Ev,
    },
    Master {
        user: Name,
        master: Option<Name>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ev {
    Expunge { mailbox: Span },
    Delete,
    Copy { dest: Span },
}

/// A relevant line with a timestamp, then `repeat` more lines with the same timestamp and
/// nothing for the joiner (resolving a timestamp twice in a row gives the same time).
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub raw: RawTime,
    pub repeat: u32,
    pub rec: Option<Rec>,
}

/// What a block holds.
#[derive(Debug, Default)]
pub struct Scanned {
    pub block: Block,
    pub lines: u64,
    pub relevant: u64,
    pub unparsable: u64,
    pub items: Vec<Item>,
}

/// Parses every line of `s.block` into `s`'s counts and items (cleared first).
pub fn scan(s: &mut Scanned, filter: &Filter) {
    s.lines = 0;
    s.relevant = 0;
    s.unparsable = 0;
    s.items.clear();
    let Scanned { block, lines, relevant, unparsable, items } = s;
    let data = &block.data[..];
    input::block_lines(block, |line| {
        *lines += 1;
        let Some(line) = line else { return };
        let Some((raw, rest)) = time::parse(line) else {
            // No timestamp: relevant only if a Dovecot line (log_timestamp = "" is not supported).
            if matches!(line::parse(line), Ok(Some(_)) | Err(_)) {
                *relevant += 1;
                *unparsable += 1;
            }
            return;
        };
        match line::parse(rest) {
            Ok(None) => {}
            Err(line::Unparsable) => {
                *relevant += 1;
                *unparsable += 1;
            }
            Ok(Some(record)) => {
                *relevant += 1;
                let rec = compact(data, &record, filter);
                if rec.is_none()
                    && let Some(last) = items.last_mut()
                    && last.raw == raw
                {
                    last.repeat += 1;
                    return;
                }
                items.push(Item { raw, repeat: 0, rec });
            }
        }
    });
}

/// The record as the joiner needs it; `None` when the joiner would do nothing with it.
fn compact(data: &[u8], r: &Record<'_>, filter: &Filter) -> Option<Rec> {
    let name = |s: &[u8]| Name::of(data, s);
    let id = |id: &line::MailId<'_>| Id { user: name(id.user), pid: id.pid, session: id.session.map(fingerprint) };
    match *r {
        Record::Login { proc, login } => {
            if proc == Proc::Server || !filter.user(login.user) {
                return None;
            }
            Some(Rec::Login {
                proc,
                user: name(login.user),
                ip: login.ip.map(name),
                master: login.master.map(name),
                session: login.session.map(fingerprint),
                mpid: login.mpid,
                tls: login.tls,
                secured: login.secured,
            })
        }
        Record::Logout { proc, id: mail, counters } => {
            filter.user(mail.user).then(|| Rec::Logout { proc, id: id(&mail), counters })
        }
        Record::Event { proc, id: mail, event } => {
            if !filter.user(mail.user) || proc == Proc::Pop3 {
                // POP's logout counters already say it all.
                return None;
            }
            let event = match event {
                Event::Expunge { mailbox } => Ev::Expunge { mailbox: Span::of(data, mailbox) },
                _ if proc == Proc::Server => return None,
                Event::Delete { .. } => Ev::Delete,
                Event::Copy { dest, .. } => Ev::Copy { dest: Span::of(data, dest) },
            };
            Some(Rec::Event { proc, id: id(&mail), event })
        }
        Record::Master { user, master, .. } => {
            filter.user(user).then(|| Rec::Master { user: name(user), master: master.map(name) })
        }
        Record::Other => None,
    }
}
