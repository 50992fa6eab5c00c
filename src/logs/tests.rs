//! Whole-input tests: every log flavour through reading, parsing and joining.

use std::io::Write;
use std::path::PathBuf;

use super::*;
use crate::model::verdict::{ClientSummary, VerdictKind};

fn opts() -> Options {
    Options {
        filter: Filter::default(),
        year: Some(2026),
        tz: TimeZone::UTC,
        now: "2026-12-01T00:00:00Z".parse().unwrap(),
    }
}

fn run_with(text: &[u8], opts: &Options) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    std::fs::write(&path, text).unwrap();
    analyze(&[path], opts).unwrap()
}

fn run(text: &str) -> Analysis {
    run_with(text.as_bytes(), &opts())
}

fn client<'a>(a: &'a Analysis, user: &str, addr: &str, access: Access) -> &'a ClientSummary {
    let b = a.boxes.iter().find(|b| b.user == user).unwrap_or_else(|| panic!("no box {user}: {a:#?}"));
    b.clients.iter().find(|c| c.address == addr && c.access == access).unwrap_or_else(|| panic!("no {addr}: {b:#?}"))
}

fn kinds(a: &Analysis, user: &str) -> Vec<VerdictKind> {
    a.boxes.iter().find(|b| b.user == user).unwrap().verdicts.iter().map(|v| v.kind).collect()
}

/// Dovecot 2.3's own log file (log_path), real lines from a test instance.
const DOVECOT_23: &str = "\
Nov 22 03:10:49 master: Info: Dovecot v2.3.19.1 (9b53102964) starting up for imap, pop3 (core dumps disabled)
Nov 22 03:10:57 pop3-login: Info: Login: user=<alice>, method=PLAIN, rip=192.0.2.10, lip=127.0.0.1, mpid=2094, TLS, session=<n+p509Rg/Lx/AAAB>
Nov 22 03:10:57 pop3(alice)<2094><n+p509Rg/Lx/AAAB>: Info: expunge: box=INBOX, uid=1, msgid=<m1@x>, size=61, vsize=67, from=a@b, subject=t1, flags=(\\Recent)
Nov 22 03:10:57 pop3(alice)<2094><n+p509Rg/Lx/AAAB>: Info: Disconnected: Logged out top=0/0, retr=3/246, del=2/3, size=201
Nov 22 03:10:57 auth: Info: Master user logging in as bob
Nov 22 03:10:57 pop3-login: Info: Login: user=<bob>, method=PLAIN, rip=198.51.100.2, lip=127.0.0.1, mpid=2098, secured, session=<mT9609RgEL1/AAAB>
Nov 22 03:10:57 pop3(bob)<2098><mT9609RgEL1/AAAB>: Info: Disconnected: Logged out top=0/0, retr=1/33, del=1/2, size=36
Nov 22 03:10:57 imap-login: Info: Login: user=<alice>, method=PLAIN, rip=192.0.2.99, lip=127.0.0.1, mpid=2100, TLS, session=<S2l609RgvuJ/AAAB>
Nov 22 03:10:57 imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: copy from INBOX: box=Trash, uid=1, msgid=<m3@x>, size=61, vsize=67, from=a@b, subject=t3, flags=(\\Seen)
Nov 22 03:10:57 imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: delete: box=INBOX, uid=3, msgid=<m3@x>, size=61, vsize=67, from=a@b, subject=t3, flags=(\\Deleted \\Seen)
Nov 22 03:10:57 imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: expunge: box=INBOX, uid=3, msgid=<m3@x>, size=61, vsize=67, from=a@b, subject=t3, flags=(\\Deleted \\Seen)
Nov 22 03:10:57 imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: copy from INBOX: box=Archive, uid=1, msgid=, size=14, vsize=17, from=, subject=c, flags=()
Nov 22 03:10:57 imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: expunge: box=INBOX, uid=4, msgid=, size=14, vsize=17, from=, subject=c, flags=()
Nov 22 03:10:57 imap(alice)<2100><S2l609RgvuJ/AAAB>: Info: Disconnected: Logged out in=176 out=1543 deleted=2 expunged=2 trashed=1 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0
";

#[test]
fn dovecot_23_log_file_joins_by_session() {
    let a = run(DOVECOT_23);
    assert_eq!(a.inputs[0].lines, 14);
    assert_eq!(a.inputs[0].relevant, 13);
    assert_eq!(a.inputs[0].unparsable, 0);
    let pop = client(&a, "alice", "192.0.2.10", Access::Pop3);
    assert_eq!((pop.totals.retrieved, pop.totals.deleted, pop.totals.tls_sessions), (3, 2, 1));
    assert_eq!(pop.first_seen.unwrap().to_string(), "2026-11-22T03:10:57Z");
    let imap = client(&a, "alice", "192.0.2.99", Access::Imap);
    assert_eq!((imap.totals.trashed, imap.totals.filed, imap.totals.expunged), (1, 1, 2));
    assert_eq!(imap.folders, vec!["Archive"]);
    assert_eq!(
        kinds(&a, "alice"),
        vec![VerdictKind::PopDeletesOnDownload, VerdictKind::DeletedToTrash, VerdictKind::ImapFiling]
    );
    let bob = client(&a, "bob", "198.51.100.2", Access::Pop3);
    assert_eq!(bob.master_users, vec!["(master user)"]);
    assert_eq!(bob.totals.trusted_sessions, 1);
    assert_eq!(a.stats, join::JoinStats::default());
}

#[test]
fn dovecot_22_syslog_joins_by_user() {
    let a = run("\
Nov 22 10:00:01 mail dovecot: pop3-login: Login: user=<carol>, method=PLAIN, rip=203.0.113.7, lip=192.0.2.1, mpid=4711, session=<aB12>
Nov 22 10:00:01 mail postfix/smtpd[99]: connect from unknown[203.0.113.50]
Nov 22 10:00:02 mail dovecot: pop3(carol): Disconnected: Logged out top=0/0, retr=2/4120, del=2/2, size=4102
Nov 22 10:10:01 mail dovecot: pop3-login: Login: user=<carol>, method=PLAIN, rip=203.0.113.7, lip=192.0.2.1, mpid=4720, session=<cD34>
Nov 22 10:10:02 mail dovecot: pop3(carol): Disconnected: Logged out top=0/0, retr=0/0, del=0/0, size=0
");
    let c = client(&a, "carol", "203.0.113.7", Access::Pop3);
    assert_eq!((c.totals.sessions, c.totals.closed_sessions, c.totals.retrieved, c.totals.deleted), (2, 2, 2, 2));
    assert_eq!(c.totals.plaintext_sessions, 2);
    assert_eq!(a.stats.ambiguous, 0);
    assert_eq!(kinds(&a, "carol"), vec![VerdictKind::PopDeletesOnDownload]);
}

#[test]
fn dovecot_22_with_a_pid_prefix_joins_by_mpid() {
    let a = run("\
Nov 22 10:00:01 mail dovecot: pop3-login: Login: user=<dan>, method=PLAIN, rip=203.0.113.8, lip=192.0.2.1, mpid=100
Nov 22 10:00:01 mail dovecot: pop3-login: Login: user=<dan>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1, mpid=101
Nov 22 10:00:02 mail dovecot: pop3(dan)<101>: Disconnected: Logged out top=0/0, retr=1/10, del=1/1, size=10
Nov 22 10:00:03 mail dovecot: pop3(dan)<100>: Disconnected: Logged out top=0/0, retr=0/0, del=0/1, size=10
");
    assert_eq!(client(&a, "dan", "203.0.113.9", Access::Pop3).totals.deleted, 1);
    assert_eq!(client(&a, "dan", "203.0.113.8", Access::Pop3).totals.deleted, 0);
}

#[test]
fn journal_iso_export_and_dovecot_24_fields() {
    let a = run("\
2026-11-22T10:00:01.123456+01:00 mail dovecot[812]: pop3-login: Login: user=<erin>, mechanism=PLAIN, remote_ip=192.0.2.44, local_ip=192.0.2.1, mail_pid=5000, TLS, session=<Q1w2E3r4>
2026-11-22T10:00:02+0100 mail dovecot[812]: pop3(erin)<5000><Q1w2E3r4>: Logged out top_count=0 top_bytes=0 retr_count=4 retr_bytes=8000 deleted_count=3 message_count=4 message_bytes=8000
");
    let c = client(&a, "erin", "192.0.2.44", Access::Pop3);
    assert_eq!((c.totals.retrieved, c.totals.deleted, c.totals.retrieved_bytes), (4, 3, 8000));
    assert_eq!(c.first_seen.unwrap().to_string(), "2026-11-22T09:00:01Z");
}

#[test]
fn interleaved_sessions_of_many_users_join_correctly() {
    let mut log = String::new();
    // Ten users log in, then log out in reverse order, at the same second.
    for u in 0..10 {
        log += &format!(
            "Nov 22 10:00:00 pop3-login: Info: Login: user=<u{u}>, method=PLAIN, rip=10.0.0.{u}, lip=10.0.0.254, mpid={}, TLS, session=<s{u}>\n",
            100 + u
        );
    }
    for u in (0..10).rev() {
        log += &format!(
            "Nov 22 10:00:00 pop3(u{u})<{}><s{u}>: Info: Disconnected: Logged out top=0/0, retr={u}/{}, del={}/{u}, size=0\n",
            100 + u,
            u * 10,
            u / 2
        );
    }
    let a = run(&log);
    assert_eq!(a.boxes.len(), 10);
    for u in 0..10u64 {
        let c = client(&a, &format!("u{u}"), &format!("10.0.0.{u}"), Access::Pop3);
        assert_eq!((c.totals.retrieved, c.totals.deleted), (u, u / 2), "u{u}");
    }
}

#[test]
fn garbage_truncated_binary_and_crlf_lines_never_panic_and_are_counted() {
    let mut log = Vec::new();
    log.extend_from_slice(b"Nov 22 10:00:00 pop3-login: Info: Login: user=<fay>, method=PLAIN, rip=192.0.2.5, lip=x, mpid=1, TLS, session=<f1>\r\n");
    log.extend_from_slice(b"Nov 22 10:00:00 pop3(fay)<1><f1>: Info: Disconn\n"); // truncated: not a logout
    log.extend_from_slice(b"Nov 22 10:00:00 pop3(fay)<1><f1\n"); // truncated prefix
    log.extend_from_slice(b"\x00\x01\xff\xfe binary junk \x1f\x8b\n");
    log.extend_from_slice(b"Nov 22 10:00:00 pop3-login: Info: Login: method=PLAIN\n"); // no user
    log.extend_from_slice(b"pop3(fay)<1><f1>: Info: Logged out retr=1/1, del=1/1\n"); // no timestamp
    log.extend_from_slice(b"Feb 30 10:00:00 pop3(fay)<1><f1>: Info: Logged out retr=1/1, del=1/1\n"); // impossible date
    log.extend_from_slice(
        b"Nov 22 10:00:01 pop3(fay)<1><f1>: Info: Disconnected: Logged out top=0/0, retr=1/100, del=1/1, size=100\r\n",
    );
    log.extend_from_slice(b"Nov 22 10:00:0");
    let a = run_with(&log, &opts());
    let st = &a.inputs[0];
    assert_eq!(st.lines, 9);
    assert_eq!(st.unparsable, 4, "{st:?}");
    let c = client(&a, "fay", "192.0.2.5", Access::Pop3);
    assert_eq!((c.totals.sessions, c.totals.deleted), (1, 1));
}

#[test]
fn gzip_rotated_files_and_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("mail.log.2.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&old).unwrap(), flate2::Compression::default());
    gz.write_all(b"Nov 20 10:00:00 mail dovecot: pop3-login: Login: user=<gus>, method=PLAIN, rip=192.0.2.77, lip=x, mpid=1, TLS, session=<g1>\n").unwrap();
    gz.finish().unwrap();
    let new = dir.path().join("mail.log");
    std::fs::write(&new, b"Nov 20 10:00:05 mail dovecot: pop3(gus)<1><g1>: Disconnected: Logged out top=0/0, retr=5/500, del=5/5, size=500\n").unwrap();
    let a = analyze(&[old, new], &opts()).unwrap();
    assert!(a.inputs[0].gzip && !a.inputs[1].gzip);
    let c = client(&a, "gus", "192.0.2.77", Access::Pop3);
    assert_eq!((c.totals.retrieved, c.totals.deleted), (5, 5));
}

#[test]
fn unmatched_logouts_get_an_unknown_address_and_a_note() {
    let a =
        run("Nov 22 10:00:01 pop3(hal)<1><h1>: Info: Disconnected: Logged out top=0/0, retr=1/1, del=1/1, size=1\n");
    assert_eq!(client(&a, "hal", "unknown", Access::Pop3).totals.deleted, 1);
    assert_eq!(a.stats.unmatched, 1);
}

#[test]
fn a_reused_pid_never_joins_another_users_login() {
    // ivy's login (pid 7) never logs out; later pid 7 serves jay, whose login is in an
    // older file: jay's logout must stay unmatched, not land on ivy's client.
    let a = run("\
Nov 22 10:00:00 pop3-login: Info: Login: user=<ivy>, method=PLAIN, rip=192.0.2.1, lip=127.0.0.1, mpid=7, TLS, session=<i1>
Nov 22 11:00:00 pop3(jay)<7><j1>: Info: Disconnected: Logged out top=0/0, retr=4/4, del=4/4, size=4
");
    assert_eq!(client(&a, "jay", "unknown", Access::Pop3).totals.deleted, 4);
    assert!(a.boxes.iter().find(|b| b.user == "ivy").is_none_or(|b| b.clients.iter().all(|c| c.totals.deleted == 0)));
    assert_eq!(a.stats.unmatched, 1);
}

#[test]
fn a_line_naming_its_session_never_joins_another_session_by_pid() {
    // One IMAP process (pid 9) serves two sessions of kim (`service_count = 0`): the login
    // of k1 is in an older file, k2's is here. k1's logout names k1: it must not close k2
    // (nor take its address); a login without a session id is joined by pid.
    let a = run("\
Nov 22 10:00:00 imap-login: Info: Login: user=<kim>, method=PLAIN, rip=192.0.2.2, lip=127.0.0.1, mpid=9, TLS, session=<k2>
Nov 22 10:00:05 imap(kim)<9><k1>: Info: Disconnected: Logged out in=1 out=2 deleted=3 expunged=3 trashed=0
Nov 22 10:00:06 imap-login: Info: Login: user=<lea>, method=PLAIN, rip=192.0.2.3, lip=127.0.0.1, mpid=10, TLS
Nov 22 10:00:07 imap(lea)<10><l1>: Info: Disconnected: Logged out in=1 out=2 deleted=1 expunged=1 trashed=0
Nov 22 10:00:09 imap(kim)<9><k2>: Info: Disconnected: Logged out in=1 out=2 deleted=0 expunged=0 trashed=0
");
    assert_eq!(client(&a, "kim", "unknown", Access::Imap).totals.expunged, 3);
    let k2 = client(&a, "kim", "192.0.2.2", Access::Imap);
    assert_eq!((k2.totals.sessions, k2.totals.closed_sessions, k2.totals.expunged), (1, 1, 0));
    assert_eq!(client(&a, "lea", "192.0.2.3", Access::Imap).totals.expunged, 1);
    assert_eq!(a.stats.unmatched, 1);
}

#[test]
fn filters_by_user_and_time() {
    let mut o = opts();
    o.filter.users = vec![b"bob".to_vec()];
    let a = run_with(DOVECOT_23.as_bytes(), &o);
    assert_eq!(a.boxes.iter().map(|b| b.user.as_str()).collect::<Vec<_>>(), vec!["bob"]);
    let mut o = opts();
    o.filter.since = Some("2026-11-23T00:00:00Z".parse::<Timestamp>().unwrap().as_second());
    let a = run_with(DOVECOT_23.as_bytes(), &o);
    assert!(a.boxes.is_empty());
}

#[test]
fn server_side_expunges_are_not_a_client() {
    let a = run("Nov 22 03:00:00 doveadm(ivy): Info: expunge: box=Trash, uid=9, msgid=<x>, size=1\n");
    assert_eq!(kinds(&a, "ivy"), vec![VerdictKind::ServerExpiry]);
}

#[test]
fn a_missing_file_is_an_input_error() {
    let e = analyze(&[PathBuf::from("/nonexistent/mail.log")], &opts()).unwrap_err();
    assert_eq!(e.error.kind(), io::ErrorKind::NotFound);
}

/// A log of several read chunks (over 3), sessions open across their boundaries.
fn chunked_log() -> String {
    let mut log = String::new();
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut seed = 11u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut n = 0;
    while log.len() < 3 * input::CHUNK as usize + 12_345 {
        n += 1;
        let (h, m, s) = (10 + n / 36_000 % 10, n / 600 % 60, n / 10 % 60);
        let ts = format!("Nov 22 {h:02}:{m:02}:{s:02} mail dovecot[1]:");
        match next() % 10 {
            0..=3 => {
                let u = next() % 300;
                let proto = if u % 3 == 0 { "imap" } else { "pop3" };
                log += &format!(
                    "{ts} {proto}-login: Login: user=<u{u}>, method=PLAIN, rip=10.0.{}.{}, lip=10.0.0.1, mpid={n}, TLS, session=<s{n}>\n",
                    u % 7,
                    u % 5
                );
                open.push((u, n));
            }
            4..=6 if !open.is_empty() => {
                let (u, sn) = open.swap_remove(next() % open.len());
                if u % 3 == 0 {
                    log += &format!(
                        "{ts} imap(u{u})<{sn}><s{sn}>: copy from INBOX: box=Archive {}, uid=1, msgid=<x>\n",
                        u % 4
                    );
                    log += &format!(
                        "{ts} imap(u{u})<{sn}><s{sn}>: Logged out in=1 out=2 deleted=0 expunged=1 trashed=0\n"
                    );
                } else {
                    let r = next() % 4;
                    log += &format!(
                        "{ts} pop3(u{u})<{sn}><s{sn}>: Disconnected: Logged out top=0/0, retr={r}/{}, del={}/{r}, size=9\n",
                        r * 9,
                        r * (u % 2)
                    );
                }
            }
            7 => log += &format!("{ts} auth: Info: Master user logging in as u{}\n", next() % 300),
            8 => log += &format!("{ts} doveadm(u{}): Info: expunge: box=Trash, uid=3, msgid=<y>\n", next() % 300),
            _ => log += &format!("{ts} postfix/smtpd[2]: connect from x[10.9.9.{}]\n", next() % 200),
        }
    }
    log
}

/// [`chunked_log`] read in parallel from the plain file gives exactly what the one-reader
/// path (gzip) gives.
#[test]
fn parallel_chunks_join_like_one_reader() {
    let log = chunked_log();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("mail.log");
    std::fs::write(&plain, &log).unwrap();
    let gz = dir.path().join("mail.log.1.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(log.as_bytes()).unwrap();
    enc.finish().unwrap();
    let (a, b) = (analyze(&[plain], &opts()).unwrap(), analyze(&[gz], &opts()).unwrap());
    assert!(a.inputs[0].lines > 40_000 && a.stats.unclosed > 0, "{:?} {:?}", a.inputs, a.stats);
    assert_eq!(
        (a.inputs[0].lines, a.inputs[0].relevant, a.inputs[0].first),
        (b.inputs[0].lines, b.inputs[0].relevant, b.inputs[0].first)
    );
    assert_eq!(a.stats, b.stats);
    assert_eq!(a.boxes, b.boxes);
    assert!(a.boxes.iter().any(|b| !b.clients.iter().all(|c| c.master_users.is_empty())));
    assert!(a.boxes.iter().any(|b| b.server.messages > 0));
}

/// Every source (mapped, read in chunks, a stream) reads [`chunked_log`] alike; a stream
/// failing after a few blocks is an error (not a hang, not a partial result), whatever the
/// number of blocks parsed ahead of it.
#[test]
fn every_source_reads_alike_and_a_failing_stream_is_an_error() {
    let log = chunked_log();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    std::fs::write(&path, &log).unwrap();
    let read = |source: input::Source| {
        let mut joiner = join::Joiner::new(Filter::default());
        let opened = input::Opened { source, gzip: false, modified: None };
        let st = read_opened(&path, opened, &opts(), &mut joiner)?;
        joiner.finish();
        Ok::<_, io::Error>((st.lines, st.relevant, st.unparsable, st.first, st.last, joiner.stats))
    };
    let file = || std::fs::File::open(&path).unwrap();
    let mapped = read(input::open(&path).unwrap().source).unwrap();
    assert!(mapped.0 > 40_000, "{mapped:?}");
    let chunks = read(input::Source::File { file: file(), size: log.len() as u64 }).unwrap();
    let stream = read(input::Source::Stream(Box::new(file()))).unwrap();
    assert_eq!((&chunks, &stream), (&mapped, &mapped));

    /// Gives its bytes, then fails.
    struct Failing(io::Cursor<Vec<u8>>);
    impl io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::other("the disk is gone")),
                n => Ok(n),
            }
        }
    }
    for cut in [0, 1000, log.len() / 2, log.len() - 1] {
        let failing = Failing(io::Cursor::new(log.as_bytes()[..cut].to_vec()));
        let e = read(input::Source::Stream(Box::new(failing))).unwrap_err();
        assert_eq!(e.to_string(), "the disk is gone", "cut at {cut}");
    }
}

/// logrotate's `copytruncate` while a mapped log is read: an input error that says what
/// happened, not a crash (SIGBUS) and not a silent partial read.
#[test]
fn a_log_truncated_while_read_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    let line = "Nov 22 03:10:57 mail dovecot[1]: pop3-login: Login: user=<alice>, method=PLAIN, rip=192.0.2.10, lip=127.0.0.1, mpid=2094, TLS, session=<n+p509Rg/Lx/AAAB>\n";
    std::fs::write(&path, line.repeat((3 * input::CHUNK as usize) / line.len())).unwrap();
    let opened = input::open(&path).unwrap();
    assert!(matches!(opened.source, input::Source::Mapped(_)));
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(1000).unwrap();
    let mut joiner = join::Joiner::new(Filter::default());
    let e = read_opened(&path, opened, &opts(), &mut joiner).unwrap_err();
    assert!(e.to_string().contains("shrank while it was read"), "{e}");

    // Read again once rotated: what is there now, normally.
    let a = analyze(&[path], &opts()).unwrap();
    assert_eq!(a.inputs[0].lines, 7);
}
