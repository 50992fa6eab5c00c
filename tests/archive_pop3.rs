//! `archive` over POP3 with RFC 2449 PIPELINING (issue #5's POP3 throughput): against a
//! real Dovecot (which offers PIPELINING) many messages of mixed sizes are archived byte
//! for byte, also after a connection cut mid-pipeline; against the scripted fake server,
//! a server without PIPELINING gets the same run one command at a time, and a server that
//! answers out of step or with garbage mid-pipeline stops the run with a clear error and
//! no `DELE`.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::dovecot::{Dovecot, SeedMessage, User, unique_user};
use crate::support::fake_server::{FakeServer, Step};
use crate::support::proxy::CutProxy;
use crate::support::{TestDir, mailsweep, message};

const PASSWORD: &str = "pw-pop3-pipelining";
/// 2019-03-01: older than a year.
const OLD: i64 = 1_551_398_400;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn archive(sandbox: &TestDir, port: u16, user: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut cmd = mailsweep(sandbox);
    let src = format!("pop3://{user}@127.0.0.1:{port}");
    cmd.args(["archive", &src, "--plaintext", "--to", dir.to_str().unwrap(), "--yes", "--timeout", "10"]);
    cmd.args(["--format", "json"]).args(extra);
    cmd.env("MAILSWEEP_PASSWORD", PASSWORD);
    cmd.output().expect("run mailsweep")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr)))
}

fn rfc2822(unix: i64) -> String {
    let t = jiff::Timestamp::from_second(unix).unwrap();
    jiff::fmt::strtime::format("%a, %d %b %Y %H:%M:%S +0000", &t.to_zoned(jiff::tz::TimeZone::UTC)).unwrap()
}

/// Message `i`: mostly a few KB, every 25th about 1.5 MB (far more than the socket
/// buffers, so answers sent ahead really wait in them), with lines POP3 must stuff and
/// mbox must quote.
fn old_message(i: usize) -> Vec<u8> {
    let size = if i % 25 == 7 { 1_500_000 + i * 37 } else { 2_000 + (i * 7919) % 20_000 };
    let mut raw = message("Old <old@example.org>", &format!("pipelined {i}"), &rfc2822(OLD + i as i64 * 3600), size);
    raw.extend_from_slice(b".leading dot\r\n..two dots\r\n.\r\nFrom the start\r\n>From quoted\r\n");
    raw
}

/// The messages of an archive: Maildir files, or the mboxrd messages of every mbox file.
fn archived(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name == ".mailsweep" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.parent().and_then(Path::file_name).is_some_and(|n| n == "cur" || n == "new") {
                out.push(std::fs::read(&p).unwrap());
            } else if std::fs::metadata(&p).unwrap().len() > 0 {
                out.extend(mbox_messages(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// mboxrd: a From_ line starts each message, a blank line ends it, `>+From ` loses a `>`.
fn mbox_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut msgs: Vec<Vec<u8>> = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            if let Some(last) = msgs.last_mut() {
                assert_eq!(last.pop(), Some(b'\n'), "separator before From_");
            }
            msgs.push(Vec::new());
            continue;
        }
        let last = msgs.last_mut().expect("a From_ line first");
        let gt = line.iter().take_while(|&&b| b == b'>').count();
        if gt > 0 && line[gt..].starts_with(b"From ") {
            last.extend_from_slice(&line[1..]);
        } else {
            last.extend_from_slice(line);
        }
    }
    if let Some(last) = msgs.last_mut() {
        assert_eq!(last.pop(), Some(b'\n'), "final separator");
    }
    msgs
}

struct Maildrop {
    user: User,
    old: Vec<Vec<u8>>,
    recent: Vec<u8>,
}

fn maildrop(d: &Dovecot, n: usize) -> Maildrop {
    let user = d.add_user(&unique_user("ppipe"), PASSWORD, None);
    let old: Vec<Vec<u8>> = (0..n).map(old_message).collect();
    let now = jiff::Timestamp::now().as_second();
    let recent = message("New <new@example.org>", "recent", &rfc2822(now - 86_400), 3_000);
    let mut seed: Vec<SeedMessage> = old.iter().map(|m| SeedMessage::new("INBOX", m.clone()).date(OLD)).collect();
    seed.push(SeedMessage::new("INBOX", recent.clone()).date(now - 86_400));
    d.seed(&user.name, &seed);
    Maildrop { user, old, recent }
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

/// The POP3 session summaries Dovecot logged for this user (`top=N/..., retr=N/...`).
fn sessions(d: &Dovecot, user: &str) -> Vec<String> {
    d.log().lines().filter(|l| l.contains(&format!("pop3({user})")) && l.contains("retr=")).map(String::from).collect()
}

#[test]
fn pop3_pipelined_archive_against_dovecot_is_byte_identical() {
    let d = Dovecot::start();
    const N: usize = 120;

    // Copy to mbox: the headers are read (TOP) for the age and the From_ lines.
    let m = maildrop(&d, N);
    let sandbox = TestDir::new();
    let mbox = sandbox.join("mbox");
    let out = archive(&sandbox, d.pop3_port, &m.user.name, &mbox, &["--older-than", "1y", "--keep-on-server"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["archived_messages"], N as u64);
    assert!(archived(&mbox) == sorted(m.old.clone()), "the mbox holds exactly the old messages, byte for byte");

    // Move to a Maildir: every old message, byte for byte; the recent one stays.
    let maildir = sandbox.join("maildir");
    let args = ["--older-than", "1y", "--archive-format", "maildir"];
    let out = archive(&sandbox, d.pop3_port, &m.user.name, &maildir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(
        (v["totals"]["archived_messages"].as_u64(), v["totals"]["deleted_messages"].as_u64()),
        (Some(N as u64), Some(N as u64))
    );
    assert!(archived(&maildir) == sorted(m.old.clone()), "the Maildir holds exactly the old messages, byte for byte");
    assert_eq!(d.mailbox_status(&m.user.name, "INBOX").messages, 1);
    let logged = sessions(&d, &m.user.name);
    assert!(
        logged.last().is_some_and(|l| l.contains(&format!("retr={N}/")) && l.contains(&format!("del={N}/"))),
        "{logged:#?}"
    );

    // A selection by size alone into a Maildir: no header is read at all, the file dates
    // come from the messages' own headers.
    let m2 = maildrop(&d, 30);
    let dir = sandbox.join("all");
    let out =
        archive(&sandbox, d.pop3_port, &m2.user.name, &dir, &["--larger-than", "1", "--archive-format", "maildir"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut want = m2.old.clone();
    want.push(m2.recent.clone());
    assert!(archived(&dir) == sorted(want), "everything archived, byte for byte");
    let logged = sessions(&d, &m2.user.name);
    assert!(logged.last().is_some_and(|l| l.contains("top=0/") && l.contains("retr=31/")), "{logged:#?}");
}

#[test]
fn pop3_pipelined_run_cut_mid_answer_then_rerun_ends_exactly_once() {
    let d = Dovecot::start();
    let m = maildrop(&d, 60);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    // Cut in the middle of the RETR answers (the first big message alone is 1.5 MB).
    let proxy = CutProxy::start(d.pop3_port, 2_500_000);
    let cut = archive(&sandbox, proxy.port(), &m.user.name, &dir, &["--older-than", "1y"]);
    assert_eq!(cut.status.code(), Some(2), "{}", text(&cut.stderr));
    assert!(text(&cut.stderr).contains("run the same command again"), "{}", text(&cut.stderr));
    assert_eq!(d.mailbox_status(&m.user.name, "INBOX").messages, 61, "nothing deleted without QUIT");
    drop(proxy);
    let again = archive(&sandbox, d.pop3_port, &m.user.name, &dir, &["--older-than", "1y"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(archived(&dir) == sorted(m.old.clone()), "every old message exactly once, byte for byte");
    assert_eq!(d.mailbox_status(&m.user.name, "INBOX").messages, 1);
}

/// A POP3 server's answer to RETR: status, stuffed body, terminator.
fn retr_answer(raw: &[u8]) -> String {
    let mut out = format!("+OK {} octets\r\n", raw.len());
    for line in String::from_utf8_lossy(raw).split_inclusive('\n') {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    out.push_str(".\r\n");
    out
}

fn fake_message(i: usize) -> Vec<u8> {
    message("Old <old@example.org>", &format!("fake {i}"), &rfc2822(OLD + i as i64), 200 + i * 10)
}

fn top_answer(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let head = &text[..text.find("\r\n\r\n").unwrap() + 4];
    format!("+OK\r\n{head}.\r\n")
}

/// The script of a three-message maildrop up to the TOP answers, then `rest`.
fn fake_script(capa: &str, rest: Vec<(String, String)>) -> FakeServer {
    let msgs: Vec<Vec<u8>> = (1..=3).map(fake_message).collect();
    let list: String = msgs.iter().enumerate().map(|(i, m)| format!("{} {}\r\n", i + 1, m.len())).collect();
    let mut steps = vec![Step::Send(b"+OK fake ready\r\n".to_vec())];
    let mut exchange = |expect: &str, reply: String| {
        steps.push(Step::Expect(expect.to_string()));
        steps.push(Step::Send(reply.into_bytes()));
    };
    exchange("CAPA", capa.to_string());
    exchange("USER", "+OK\r\n".into());
    exchange("PASS", "+OK logged in\r\n".into());
    exchange("LIST", format!("+OK\r\n{list}.\r\n"));
    exchange("UIDL", "+OK\r\n1 a1\r\n2 a2\r\n3 a3\r\n.\r\n".into());
    exchange("CAPA", capa.to_string());
    for (i, m) in msgs.iter().enumerate() {
        exchange(&format!("TOP {} 0", i + 1), top_answer(m));
    }
    for (expect, reply) in rest {
        exchange(&expect, reply);
    }
    steps.push(Step::Stall);
    FakeServer::steps(steps)
}

#[test]
fn pop3_archive_without_pipelining_against_a_fake_server() {
    let msgs: Vec<Vec<u8>> = (1..=3).map(fake_message).collect();
    let mut rest: Vec<(String, String)> =
        msgs.iter().enumerate().map(|(i, m)| (format!("RETR {}", i + 1), retr_answer(m))).collect();
    rest.extend((1..=3).map(|i| (format!("DELE {i}"), "+OK\r\n".to_string())));
    rest.push(("QUIT".into(), "+OK bye\r\n".into()));
    let server = fake_script("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n", rest);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let out = archive(&sandbox, server.port(), "alice", &dir, &["--older-than", "1y", "--archive-format", "maildir"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(
        (v["totals"]["archived_messages"].as_u64(), v["totals"]["deleted_messages"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(archived(&dir) == sorted(msgs), "byte for byte");
    let got: Vec<String> = server.received().into_iter().filter(|l| !l.starts_with("PASS")).collect();
    let want = [
        "CAPA",
        "USER alice",
        "LIST",
        "UIDL",
        "CAPA",
        "TOP 1 0",
        "TOP 2 0",
        "TOP 3 0",
        "RETR 1",
        "RETR 2",
        "RETR 3",
        "DELE 1",
        "DELE 2",
        "DELE 3",
        "QUIT",
    ];
    assert_eq!(got, want);
}

/// A server offering PIPELINING that goes wrong at RETR 2: the run stops with `error`
/// in its message, and not one DELE (nor the QUIT that would commit it) is sent.
fn out_of_step_trial(bad_retr2: String, error: &str) {
    let msgs: Vec<Vec<u8>> = (1..=3).map(fake_message).collect();
    let rest = vec![("RETR 1".to_string(), retr_answer(&msgs[0])), ("RETR 2".to_string(), bad_retr2)];
    let server = fake_script("+OK\r\nUSER\r\nUIDL\r\nTOP\r\nPIPELINING\r\n.\r\n", rest);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let out = archive(&sandbox, server.port(), "alice", &dir, &["--older-than", "1y"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(error) && stderr.contains("run the same command again"), "{stderr}");
    let got = server.received();
    assert!(got.iter().any(|l| l == "RETR 3"), "RETR 3 was sent ahead: {got:?}");
    assert!(!got.iter().any(|l| l.starts_with("DELE") || l == "QUIT"), "{got:?}");
}

#[test]
fn pop3_server_out_of_step_mid_pipeline_deletes_nothing() {
    // RETR 2 answered with message 3 (its size differs from LIST's for message 2).
    out_of_step_trial(retr_answer(&fake_message(3)), "out of step");
    // Garbage instead of an answer.
    out_of_step_trial("HTTP/1.1 400 Bad Request\r\n\r\n".to_string(), "not POP3 as the answer to RETR 2");
}
