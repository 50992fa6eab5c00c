//! Server logs: reads Dovecot logs (its own `log_path` files and syslog/journal text
//! exports, plain, gzip-rotated or stdin) and turns them into per-user client timelines
//! for [`crate::model::verdict`].
//!
//! The hot path works on `&[u8]` lines cut from a large buffer: a line is looked at only
//! if its timestamp parses and a Dovecot service name (`pop3(`, `imap(`, `*-login:`,
//! `auth`, `lmtp(`, `doveadm(`) follows it; no regex, no per-line allocation (a session
//! costs one allocation, at its login).
//!
//! * [`input`] opens and cuts inputs into lines; [`time`] reads timestamps (and infers
//!   missing years); [`line`] parses one line; [`join`] joins lines into sessions.

pub mod input;
pub mod join;
pub mod line;
pub mod time;

use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::model::verdict::{Access, BoxReport};

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
    let mut joiner = join::Joiner::new(opts.filter.clone());
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        let stats = read_one(path, opts, &mut joiner).map_err(|error| InputError { path: path.clone(), error })?;
        inputs.push(stats);
    }
    joiner.finish();
    Ok(Analysis { inputs, boxes: boxes(&joiner), stats: joiner.stats })
}

fn read_one(path: &Path, opts: &Options, joiner: &mut join::Joiner) -> io::Result<InputStats> {
    let opened = input::open(path)?;
    let reference = opened.modified.and_then(|m| Timestamp::try_from(m).ok()).unwrap_or(opts.now);
    let mut clock = time::Clock::new(opts.tz.clone(), reference, opts.year);
    let mut st = InputStats { path: path.to_path_buf(), gzip: opened.gzip, ..InputStats::default() };
    let (mut first, mut last) = (None::<i64>, None::<i64>);
    input::for_each_line(opened.reader, |line| {
        st.lines += 1;
        let Some(line) = line else {
            // Longer than the buffer: junk, but only count it if it looks like ours.
            return;
        };
        let Some((raw, rest)) = time::parse(line) else {
            // No timestamp: relevant only if a Dovecot line (log_timestamp = "" is not supported).
            if matches!(line::parse(line), Ok(Some(_)) | Err(_)) {
                st.relevant += 1;
                st.unparsable += 1;
            }
            return;
        };
        match line::parse(rest) {
            Ok(None) => {}
            Err(line::Unparsable) => {
                st.relevant += 1;
                st.unparsable += 1;
            }
            Ok(Some(record)) => {
                st.relevant += 1;
                let Some(t) = clock.resolve(raw) else {
                    st.unparsable += 1;
                    return;
                };
                first = Some(first.map_or(t, |f| f.min(t)));
                last = Some(last.map_or(t, |l| l.max(t)));
                joiner.record(t, &record);
            }
        }
    })?;
    st.first = first.and_then(|t| Timestamp::from_second(t).ok());
    st.last = last.and_then(|t| Timestamp::from_second(t).ok());
    Ok(st)
}

fn boxes(j: &join::Joiner) -> Vec<BoxReport> {
    let mut by_user: std::collections::BTreeMap<String, (u32, Vec<(u32, Access)>)> = Default::default();
    for &(user, addr, access) in j.timelines.keys() {
        by_user.entry(j.users.name(user)).or_insert((user, Vec::new())).1.push((addr, access));
    }
    for &user in j.server.keys() {
        by_user.entry(j.users.name(user)).or_insert((user, Vec::new()));
    }
    by_user
        .into_iter()
        .map(|(name, (user, clients))| {
            let mut summaries: Vec<_> = clients
                .iter()
                .map(|&(addr, access)| {
                    let address = if addr == join::UNKNOWN_ADDR { "unknown".to_string() } else { j.addrs.name(addr) };
                    j.timelines[&(user, addr, access)].summary(&address, access)
                })
                .collect();
            summaries.sort_by(|a, b| (a.access, &a.address).cmp(&(b.access, &b.address)));
            BoxReport::new(name, summaries, j.server.get(&user).cloned().unwrap_or_default())
        })
        .collect()
}

#[cfg(test)]
mod tests;
