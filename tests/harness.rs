//! Smoke tests of the test harness itself (tests/support): real Dovecot start/stop/restart,
//! capabilities, TLS with the test CA, seeding, quota, master user, logs, fake servers.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::support::certs;
use crate::support::dovecot;
use crate::support::fake_server::Step;
use crate::support::raw::{ImapClient, Pop3Client};
use crate::support::{
    CertKind, Dovecot, FakeServer, Options, SeedMessage, TestDir, mailsweep, message, mutf7, unique_user,
};

const IMAP_CAPS: &[&str] =
    &["QUOTA", "STATUS=SIZE", "MOVE", "UIDPLUS", "IDLE", "SPECIAL-USE", "QRESYNC", "LIST-STATUS"];

#[test]
fn imap_login_and_capabilities() {
    let dc = Dovecot::start();
    let user = dc.add_user(&unique_user("cap"), "pw-cap", None);

    let mut imap = ImapClient::connect(dc.imap_port);
    assert!(imap.greeting.starts_with("* OK"), "greeting: {}", imap.greeting);
    assert!(imap.greeting.contains("mailsweep-test"), "greeting: {}", imap.greeting);
    let pre = imap.capabilities();
    assert!(pre.contains(&"STARTTLS".to_owned()), "pre-login caps: {pre:?}");
    imap.login(&user.name, &user.password);
    let caps = imap.capabilities();
    for cap in IMAP_CAPS {
        assert!(caps.contains(&(*cap).to_owned()), "missing {cap} in {caps:?}");
    }

    // Special-use folders are auto-created and subscribed.
    let list = imap.command(r#"LIST (SPECIAL-USE) "" "*""#);
    assert!(list.is_ok(), "{}", list.tagged);
    for (name, attr) in dovecot::SPECIAL_USE {
        assert!(
            list.lines("LIST").iter().any(|l| l.contains(attr) && l.ends_with(name)),
            "{name} {attr} not in {:?}",
            list.untagged
        );
    }
    let lsub = imap.command(r#"LSUB "" "*""#);
    assert_eq!(lsub.lines("LSUB").len(), dovecot::SPECIAL_USE.len(), "{:?}", lsub.untagged);
    // Without a limit Dovecot reports no quota root at all ("OK No quota").
    let q = imap.command("GETQUOTAROOT INBOX");
    assert!(q.is_ok() && q.lines("QUOTA").is_empty(), "{q:?}");
    imap.logout();

    let limited = dc.add_user(&unique_user("capq"), "pw-capq", Some(1_000_000));
    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&limited.name, &limited.password);
    let q = imap.command("GETQUOTAROOT INBOX");
    assert!(q.is_ok(), "{q:?}");
    assert_eq!(q.lines("QUOTAROOT"), [format!("* QUOTAROOT INBOX \"{}\"", dovecot::QUOTA_ROOT)]);
    // 1_000_000 bytes = 976.56 KiB, reported rounded up.
    assert_eq!(q.lines("QUOTA"), [format!("* QUOTA \"{}\" (STORAGE 0 977)", dovecot::QUOTA_ROOT)]);
    imap.logout();
}

#[test]
fn pop3_capa_login_and_uidl_format() {
    let dc = Dovecot::start();
    let user = dc.add_user(&unique_user("pop"), "pw-pop", None);
    dc.seed(
        &user.name,
        &[SeedMessage::new("INBOX", message("a@example.org", "one", "Mon, 01 Jan 2024 10:00:00 +0000", 100))],
    );

    let mut pop = Pop3Client::connect(dc.pop3_port);
    assert!(pop.greeting.starts_with("+OK"), "greeting: {}", pop.greeting);
    let capa = pop.multiline("CAPA").expect("CAPA");
    for cap in ["UIDL", "TOP", "STLS", "RESP-CODES"] {
        assert!(capa.iter().any(|l| l == cap), "missing {cap} in {capa:?}");
    }
    assert!(capa.iter().any(|l| l.starts_with("SASL ") && l.contains("PLAIN")), "{capa:?}");
    pop.login(&user.name, &user.password);
    let uidl = pop.multiline("UIDL").expect("UIDL");
    assert_eq!(uidl.len(), 1, "{uidl:?}");
    let uid = uidl[0].split(' ').nth(1).expect("uidl value");
    assert!(uid.len() == 16 && uid.chars().all(|c| c.is_ascii_hexdigit()), "uidl {uid}");
    assert!(uid.starts_with("00000001"), "UID 1 first: {uid}");
    pop.quit();
}

fn assert_greets<S: Read + Write>(stream: S, prefix: &str) {
    let mut buf = [0u8; 512];
    let mut stream = stream;
    let n = stream.read(&mut buf).expect("read greeting over TLS");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with(prefix), "greeting over TLS: {text}");
}

#[test]
fn tls_good_certificate_verified_by_rustls() {
    let dc = Dovecot::start();
    let ca = dc.ca_file();
    assert!(ca.is_file());
    for name in ["127.0.0.1", "localhost"] {
        let s = certs::tls_connect(dc.imaps_port, name, &ca).unwrap_or_else(|e| panic!("IMAPS as {name}: {e}"));
        assert_greets(s, "* OK");
        let s = certs::tls_connect(dc.pop3s_port, name, &ca).unwrap_or_else(|e| panic!("POP3S as {name}: {e}"));
        assert_greets(s, "+OK");
    }

    // STARTTLS on the plain IMAP port, then log in over TLS.
    let user = dc.add_user(&unique_user("tls"), "pw-tls", None);
    let mut imap = ImapClient::connect(dc.imap_port);
    let r = imap.command("STARTTLS");
    assert!(r.is_ok(), "{}", r.tagged);
    let tls = certs::tls_handshake(imap.into_inner(), "127.0.0.1", &ca).expect("STARTTLS handshake");
    let mut imap = ImapClient::new_without_greeting(tls);
    imap.login(&user.name, &user.password);
    imap.logout();

    // STLS on the plain POP3 port.
    let mut pop = Pop3Client::connect(dc.pop3_port);
    assert!(pop.command("STLS").starts_with("+OK"));
    let tls = certs::tls_handshake(pop.into_inner(), "localhost", &ca).expect("STLS handshake");
    let mut pop = Pop3Client::new_without_greeting(tls);
    pop.login(&user.name, &user.password);
    pop.quit();
}

fn bad_cert_case(kind: CertKind, matches: fn(&rustls::CertificateError) -> bool) {
    let dc = Dovecot::start_with(Options { cert: kind, ..Options::default() });
    for port in [dc.imaps_port, dc.pop3s_port] {
        match certs::tls_connect(port, "127.0.0.1", &dc.ca_file()) {
            Ok(_) => panic!("{kind:?} certificate was accepted on port {port}"),
            Err(rustls::Error::InvalidCertificate(e)) => {
                assert!(matches(&e), "{kind:?}: unexpected certificate error {e:?}")
            }
            Err(e) => panic!("{kind:?}: unexpected error {e:?}"),
        }
    }
}

#[test]
fn tls_expired_certificate_rejected() {
    bad_cert_case(CertKind::Expired, |e| {
        matches!(e, rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. })
    });
}

#[test]
fn tls_wrong_host_certificate_rejected() {
    bad_cert_case(CertKind::WrongHost, |e| {
        matches!(e, rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. })
    });
}

#[test]
fn tls_unknown_ca_rejected() {
    bad_cert_case(CertKind::UnknownCa, |e| matches!(e, rustls::CertificateError::UnknownIssuer));
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an IMAP INTERNALDATE (`"01-Jan-2024 00:00:00 +0000"`) into Unix seconds.
fn parse_internaldate(s: &str) -> i64 {
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (date, rest) = s.trim().split_once(' ').expect("date time");
    let (time, zone) = rest.split_once(' ').expect("time zone");
    let d: Vec<&str> = date.split('-').collect();
    let day: i64 = d[0].trim().parse().expect("day");
    let month = months.iter().position(|m| *m == d[1]).expect("month") as i64 + 1;
    let year: i64 = d[2].parse().expect("year");
    let t: Vec<i64> = time.split(':').map(|x| x.parse().expect("time")).collect();
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zh: i64 = zone[1..3].parse().expect("zone hours");
    let zm: i64 = zone[3..5].parse().expect("zone minutes");
    days_from_civil(year, month, day) * 86_400 + t[0] * 3600 + t[1] * 60 + t[2] - sign * (zh * 3600 + zm * 60)
}

#[test]
fn seed_1000_messages_across_three_folders() {
    let dc = Dovecot::start();
    let user = dc.add_user(&unique_user("seed"), "pw-seed", Some(50 * 1024 * 1024));
    let folders = ["INBOX", "Archive/2023", "Entwürfe/Älter"];
    let mut msgs = Vec::new();
    let mut expected: HashMap<&str, (u64, u64, u64)> = HashMap::new(); // messages, unseen, vsize
    for i in 0..1000usize {
        let folder = folders[i % 3];
        let raw = message(
            &format!("sender{}@example.org", i % 17),
            &format!("message {i}"),
            "Tue, 02 Jan 2024 12:00:00 +0000",
            50 + (i * 37) % 3000,
        );
        let flags = match i % 4 {
            0 => "S",
            1 => "SF",
            2 => "",
            _ => "TRS",
        };
        let e = expected.entry(folder).or_default();
        e.0 += 1;
        e.1 += u64::from(!flags.contains('S'));
        e.2 += raw.len() as u64;
        assert_eq!(dovecot::vsize(&raw), raw.len() as u64, "message() uses CRLF");
        msgs.push(SeedMessage::new(folder, raw).date(1_700_000_000 + i as i64 * 60).flags(flags));
    }
    let started = Instant::now();
    dc.seed(&user.name, &msgs);
    eprintln!("seeded 1000 messages in {:?}", started.elapsed());

    let mut total = 0;
    for folder in folders {
        let st = dc.mailbox_status(&user.name, folder);
        let (messages, unseen, vsize) = expected[folder];
        assert_eq!((st.messages, st.unseen, st.vsize), (messages, unseen, vsize), "{folder}");
        total += vsize;
    }
    // The parent of a seeded sub-folder exists too; names are mUTF-7 on disk.
    assert!(user.maildir().join(".Entw&APw-rfe.&AMQ-lter/cur").is_dir());
    assert!(user.maildir().join(".Entw&APw-rfe/cur").is_dir());
    let boxes = dc.mailboxes(&user.name);
    for b in ["Entwürfe", "Entwürfe/Älter", "Archive/2023", "Archive"] {
        assert!(boxes.iter().any(|x| x == b), "{b} not in {boxes:?}");
    }

    // Quota: count backend with vsizes; doveadm reports KiB rounded up.
    let storage = dc.quota_storage(&user.name);
    assert_eq!(storage.root, dovecot::QUOTA_ROOT);
    assert_eq!(storage.value, total.div_ceil(1024), "STORAGE KiB for {total} bytes");
    assert_eq!(storage.limit, Some(50 * 1024));
    let messages = dc.quota(&user.name).into_iter().find(|q| q.kind == "MESSAGE").expect("MESSAGE");
    assert_eq!((messages.value, messages.limit), (1000, None));

    // IMAP view: UIDs follow seed order, INTERNALDATE = mtime, flags from the file name.
    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&user.name, &user.password);
    let r = imap.command("SELECT \"Entw&APw-rfe/&AMQ-lter\"");
    assert!(r.is_ok(), "{}", r.tagged);
    let r = imap.command("UID FETCH 1:3 (INTERNALDATE FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(r.is_ok(), "{}", r.tagged);
    let fetches = r.lines("1");
    assert_eq!(fetches.len(), 1, "{:?}", r.untagged);
    // Folder index 2 gets messages 2, 5, 8, ... (i % 3 == 2).
    let first = fetches[0];
    assert!(first.contains("Subject: message 2\r\n"), "{first}");
    let idate = first.split("INTERNALDATE \"").nth(1).and_then(|s| s.split('"').next()).expect("INTERNALDATE");
    assert_eq!(parse_internaldate(idate), 1_700_000_000 + 2 * 60, "{idate}");
    assert!(first.contains("FLAGS ()") || first.contains("FLAGS (\\Recent)"), "{first}");
    let second = r.untagged.iter().find(|l| l.starts_with("* 2 FETCH")).expect("second fetch");
    assert!(second.contains("Subject: message 5\r\n"), "{second}");
    assert!(second.contains("\\Flagged") && second.contains("\\Seen"), "{second}");
    let fourth = imap.command("UID FETCH 4 (FLAGS)");
    assert!(
        fourth.untagged.iter().any(|l| l.contains("\\Deleted") && l.contains("\\Answered") && l.contains("\\Seen")),
        "message 11 flags: {:?}",
        fourth.untagged
    );
    imap.logout();
}

#[test]
fn deliver_via_doveadm_save_and_create_folder() {
    let dc = Dovecot::start();
    let user = dc.add_user(&unique_user("save"), "pw-save", None);
    dc.create_folder(&user.name, "Projekte/Überblick");
    let raw = b"From: a@example.org\nSubject: lf only\n\nbody line\n".to_vec();
    for _ in 0..3 {
        dc.deliver(&user.name, "Projekte/Überblick", &raw);
    }
    let st = dc.mailbox_status(&user.name, "Projekte/Überblick");
    assert_eq!((st.messages, st.unseen), (3, 3));
    assert_eq!(st.vsize, 3 * dovecot::vsize(&raw));
    assert!(user.maildir().join(".Projekte.&ANw-berblick").is_dir());
    // Quota is off for this user (no limit) but usage is still counted.
    let storage = dc.quota_storage(&user.name);
    assert_eq!(storage.limit, None);
    assert_eq!(storage.value, st.vsize.div_ceil(1024));
}

#[test]
fn without_quota_plugin_no_quota_capability() {
    let dc = Dovecot::start_with(Options { quota: false, ..Options::default() });
    let user = dc.add_user(&unique_user("noq"), "pw-noq", Some(1024));
    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&user.name, &user.password);
    let caps = imap.capabilities();
    assert!(!caps.iter().any(|c| c.starts_with("QUOTA")), "{caps:?}");
    assert!(caps.contains(&"STATUS=SIZE".to_owned()), "{caps:?}");
    imap.logout();
}

#[test]
fn master_user_plain_with_authzid_and_user_added_after_start() {
    let dc = Dovecot::start();
    // Users are always added after start: Dovecot re-reads the passwd-file on change.
    let user = dc.add_user(&unique_user("target"), "pw-target", None);
    dc.seed(
        &user.name,
        &[SeedMessage::new("INBOX", message("a@example.org", "x", "Mon, 01 Jan 2024 10:00:00 +0000", 10))],
    );
    let (master, master_pw) = dc.master_user();

    let mut imap = ImapClient::connect(dc.imap_port);
    let r = imap.authenticate_plain(&user.name, master, master_pw);
    assert!(r.is_ok(), "master PLAIN: {}", r.tagged);
    let sel = imap.command("SELECT INBOX");
    assert!(sel.untagged.iter().any(|l| l == "* 1 EXISTS"), "{:?}", sel.untagged);
    imap.logout();

    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&format!("{}{}{master}", user.name, dovecot::MASTER_SEPARATOR), master_pw);
    imap.logout();

    let mut imap = ImapClient::connect(dc.imap_port);
    let r = imap.authenticate_plain(&user.name, master, "wrong");
    assert_eq!(r.status, "NO", "{}", r.tagged);
    let r = imap.command("LOGIN nosuchuser whatever");
    assert_eq!(r.status, "NO", "{}", r.tagged);

    // A second user added later can log in at once.
    let late = dc.add_user(&unique_user("late"), "pw-late", Some(2048));
    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&late.name, &late.password);
    imap.logout();
    assert_eq!(dc.quota_storage(&late.name).limit, Some(2));
    dc.set_quota(&late.name, Some(10 * 1024 * 1024));
    assert_eq!(dc.quota_storage(&late.name).limit, Some(10 * 1024));
}

#[test]
fn restart_keeps_ports_and_data() {
    let mut dc = Dovecot::start();
    let user = dc.add_user(&unique_user("rs"), "pw-rs", None);
    let msgs: Vec<_> = (0..20)
        .map(|i| {
            SeedMessage::new(
                "Sent",
                message("me@example.org", &format!("s{i}"), "Mon, 01 Jan 2024 10:00:00 +0000", 200),
            )
        })
        .collect();
    dc.seed(&user.name, &msgs);
    let before = dc.mailbox_status(&user.name, "Sent");
    let ports = dc.ports();
    let pid = dc.master_pid().expect("running");

    dc.restart();
    assert_eq!(dc.ports(), ports);
    assert_ne!(dc.master_pid(), Some(pid));
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "old master {pid} still exists");
    assert_eq!(dc.mailbox_status(&user.name, "Sent"), before);
    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&user.name, &user.password);
    let r = imap.command("STATUS Sent (MESSAGES SIZE)");
    assert!(r.untagged.iter().any(|l| l.contains(&format!("MESSAGES 20 SIZE {}", before.vsize))), "{:?}", r.untagged);
    imap.logout();

    dc.stop();
    assert!(!dc.is_running());
    assert!(std::net::TcpStream::connect(("127.0.0.1", ports[0])).is_err(), "port still open after stop");
}

#[test]
fn drop_stops_dovecot() {
    let dc = Dovecot::start();
    let pid = dc.master_pid().expect("running");
    let port = dc.imap_port;
    let dir = dc.dir.clone();
    let started = Instant::now();
    drop(dc);
    assert!(started.elapsed() < Duration::from_secs(5), "drop took {:?}", started.elapsed());
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "master {pid} survived drop");
    // Children (login processes) exit on their own once the master is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "port {port} still served 10 s after drop");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!dir.exists() || std::env::var_os("MAILSWEEP_KEEP_TEST_DIRS").is_some());
}

#[test]
fn log_has_imap_and_pop3_logout_lines() {
    let dc = Dovecot::start();
    let user = dc.add_user(&unique_user("log"), "pw-log", None);
    dc.seed(
        &user.name,
        &[SeedMessage::new("INBOX", message("a@example.org", "logme", "Mon, 01 Jan 2024 10:00:00 +0000", 500))],
    );

    let mut imap = ImapClient::connect(dc.imap_port);
    imap.login(&user.name, &user.password);
    let r = imap.command("SELECT INBOX");
    assert!(r.is_ok());
    let r = imap.command("FETCH 1 BODY[]");
    assert!(r.is_ok());
    imap.logout();
    let needle = format!("imap({})", user.name);
    let line = dc.wait_for_log_line(|l| l.contains(&needle) && l.contains("Logged out"), Duration::from_secs(10));
    assert!(line.contains("body_bytes=") && line.contains("body_count=1"), "{line}");
    eprintln!("IMAP logout line: {line}");

    let mut pop = Pop3Client::connect(dc.pop3_port);
    pop.login(&user.name, &user.password);
    pop.multiline("RETR 1").expect("RETR");
    pop.quit();
    let needle = format!("pop3({})", user.name);
    let line = dc.wait_for_log_line(|l| l.contains(&needle) && l.contains("retr="), Duration::from_secs(10));
    assert!(line.contains("retr=1/") && line.contains("del=0/1"), "{line}");
    eprintln!("POP3 logout line: {line}");
}

#[test]
fn mutf7_known_vectors() {
    for (utf8, encoded) in mutf7::VECTORS {
        assert_eq!(mutf7::encode(utf8), *encoded, "{utf8}");
    }
}

#[test]
fn message_builder_is_deterministic_crlf() {
    for size in [0, 1, 2, 3, 77, 78, 79, 1000] {
        let m = message("a@example.org", "Grüße", "Mon, 01 Jan 2024 10:00:00 +0000", size);
        assert_eq!(m, message("a@example.org", "Grüße", "Mon, 01 Jan 2024 10:00:00 +0000", size));
        let sep = m.windows(4).position(|w| w == b"\r\n\r\n").expect("header/body separator");
        assert_eq!(m.len() - (sep + 4), size, "body size");
        assert_eq!(dovecot::vsize(&m), m.len() as u64, "no bare LF");
    }
}

#[test]
fn mailsweep_command_is_sandboxed() {
    let sandbox = TestDir::new();
    let cmd = mailsweep(&sandbox);
    let envs: HashMap<String, String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), v?.to_string_lossy().into_owned())))
        .collect();
    let mut keys: Vec<_> = envs.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["HOME", "LANG", "PATH", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"]);
    assert!(envs["HOME"].starts_with(&*sandbox.path().to_string_lossy()));
    assert!(sandbox.join("config").is_dir());
}

fn read_some(stream: &mut std::net::TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 8192];
    let n = stream.read(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

#[test]
fn fake_servers_behave() {
    let timeout = Some(Duration::from_millis(300));

    let s = FakeServer::stall();
    let mut c = std::net::TcpStream::connect(s.addr()).expect("connect stall");
    c.set_read_timeout(timeout).unwrap();
    let err = read_some(&mut c).expect_err("stall must not send");
    assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));

    let s = FakeServer::greet_then_stall("* OK hello");
    let mut c = std::net::TcpStream::connect(s.addr()).expect("connect");
    c.set_read_timeout(timeout).unwrap();
    assert_eq!(read_some(&mut c).expect("greeting"), b"* OK hello\r\n");
    assert!(read_some(&mut c).is_err(), "then silence");

    let s = FakeServer::close_after_greeting("+OK bye");
    let mut c = std::net::TcpStream::connect(s.addr()).expect("connect");
    let mut all = Vec::new();
    c.read_to_end(&mut all).expect("read to EOF");
    assert_eq!(all, b"+OK bye\r\n");

    let s = FakeServer::garbage();
    let mut c = std::net::TcpStream::connect(s.addr()).expect("connect");
    let mut all = Vec::new();
    c.read_to_end(&mut all).expect("read garbage to EOF");
    assert_eq!(all.len(), 4096);

    let s = FakeServer::script(
        "* OK fake",
        &[
            ("CAPABILITY", "* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n"),
            ("LOGIN", "{tag} NO [AUTHENTICATIONFAILED] nope\r\n"),
        ],
    );
    let mut imap = ImapClient::connect(s.port());
    assert_eq!(imap.greeting, "* OK fake");
    assert_eq!(imap.capabilities(), ["IMAP4REV1"]);
    let r = imap.command("LOGIN u p");
    assert_eq!(r.status, "NO");
    assert_eq!(s.received(), ["t1 CAPABILITY", "t2 LOGIN u p"]);
    assert_eq!(s.connections(), 1);

    let s = FakeServer::steps(vec![
        Step::Sleep(Duration::from_millis(200)),
        Step::Send(b"+OK late\r\n".to_vec()),
        Step::Close,
    ]);
    let mut c = std::net::TcpStream::connect(s.addr()).expect("connect");
    let mut all = Vec::new();
    c.read_to_end(&mut all).expect("read");
    assert_eq!(all, b"+OK late\r\n");
}

/// Seeding benchmark: `cargo test --test integration harness::seed_200k -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark; run explicitly"]
fn seed_200k_benchmark() {
    let dc = Dovecot::start();
    let user = dc.add_user(&unique_user("bench"), "pw-bench", Some(10 << 30));
    let started = Instant::now();
    let msgs = (0..200_000usize).map(|i| {
        SeedMessage::new(
            ["INBOX", "Archive", "Sent", "Lists/rust"][i % 4],
            message("b@example.org", &format!("m{i}"), "Mon, 01 Jan 2024 10:00:00 +0000", 200 + i % 1000),
        )
        .date(1_600_000_000 + i as i64)
        .flags(if i % 2 == 0 { "S" } else { "" })
    });
    let msgs: Vec<SeedMessage> = msgs.collect();
    eprintln!("built 200k messages in {:?}", started.elapsed());
    let t = Instant::now();
    dc.write_maildir(&user.name, &msgs);
    eprintln!("wrote 200k files in {:?}", t.elapsed());
    let t = Instant::now();
    dc.finish_seed(&user.name);
    eprintln!("force-resync + quota recalc in {:?}", t.elapsed());
    eprintln!("seeded 200k messages in {:?}", started.elapsed());
    let st = dc.mailbox_status(&user.name, "INBOX");
    assert_eq!(st.messages, 50_000);
    eprintln!("quota: {:?} (total {:?})", dc.quota(&user.name), started.elapsed());
}
