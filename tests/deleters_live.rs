//! `mailsweep deleters snapshot` and `deleters watch` against a real Dovecot, with real
//! POP clients (fetchmail `keep` and `no keep`) and another IMAP connection filing,
//! trashing and deleting mail: each scenario must get its verdict (issue #4, parts 1-2).
//! Trash and Junk are expired for real: `doveadm expunge ... before 30d` over seeded
//! received dates, and Dovecot's own `autoexpunge` (which counts from the save date),
//! against a user emptying them over IMAP.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::dovecot::now_unix;
use crate::support::raw::{ImapClient, Pop3Client};
use crate::support::{Dovecot, SeedMessage, TestDir, User, mailsweep, message, unique_user};

const PASSWORD: &str = "dl-Secret9";
const DAY: i64 = 86_400;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn imaps(d: &Dovecot, u: &User) -> String {
    format!("imaps://{}@127.0.0.1:{}", u.name, d.imaps_port)
}

fn pop3s(d: &Dovecot, u: &User) -> String {
    format!("pop3s://{}@127.0.0.1:{}", u.name, d.pop3s_port)
}

fn user(d: &Dovecot) -> User {
    d.add_user(&unique_user("dl"), PASSWORD, None)
}

fn msg(i: usize, arrived: i64) -> SeedMessage {
    SeedMessage::new(
        "INBOX",
        message("sender@example.org", &format!("mail {i}"), "Mon, 01 Jan 2024 10:00:00 +0000", 300 + i),
    )
    .date(arrived)
}

/// A message in another folder (Trash, Junk), received `days` ago; the subject names both.
fn in_folder(folder: &str, days: i64, now: i64) -> SeedMessage {
    SeedMessage::new(
        folder,
        message(
            "old@example.org",
            &format!("{folder} {days}d"),
            "Mon, 01 Jan 2024 10:00:00 +0000",
            200 + days as usize,
        ),
    )
    .date(now - days * DAY)
}

/// Seeds Trash with messages of 40, 35, 31, 29, 20 and 5 days (an expiry at 30 days takes
/// four), Junk with messages of `junk_days`, and INBOX with one of yesterday; returns now.
fn seed_trash(d: &Dovecot, u: &User, junk_days: &[i64]) -> i64 {
    let now = now_unix();
    let mut seed: Vec<SeedMessage> = [40, 35, 31, 29, 20, 5].iter().map(|&a| in_folder("Trash", a, now)).collect();
    seed.extend(junk_days.iter().map(|&a| in_folder("Junk", a, now)));
    seed.push(msg(0, now - DAY));
    d.seed(&u.name, &seed);
    now
}

fn folder<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["folders"].as_array().unwrap().iter().find(|f| f["folder"] == name).unwrap_or_else(|| panic!("no {name}: {v:#}"))
}

fn verdict<'a>(v: &'a Value, kind: &str) -> &'a Value {
    v["verdicts"].as_array().unwrap().iter().find(|x| x["kind"] == kind).unwrap_or_else(|| panic!("no {kind}: {v:#}"))
}

fn snapshot(t: &TestDir, d: &Dovecot, source: &str, extra: &[&str]) -> Output {
    mailsweep(t)
        .env("MAILSWEEP_PASSWORD", PASSWORD)
        .args(["deleters", "snapshot", source, "--ca-file"])
        .arg(d.ca_file())
        .args(if extra.contains(&"--format") { &[][..] } else { &["--format", "json"][..] })
        .args(extra)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr)))
}

fn kinds(v: &Value) -> Vec<String> {
    v["verdicts"].as_array().unwrap().iter().map(|v| v["kind"].as_str().unwrap().to_string()).collect()
}

fn causes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> =
        v["removals"].as_array().unwrap().iter().map(|r| r["cause"].as_str().unwrap().to_string()).collect();
    c.sort();
    c
}

/// Runs Debian's fetchmail once against the POP3 port (`keep` or `no keep`).
fn fetchmail(d: &Dovecot, u: &User, keep: bool) {
    crate::support::fetchmail::run_once(d.pop3_port, &u.name, PASSWORD, keep);
}

fn imap_login(d: &Dovecot, u: &User) -> ImapClient<std::net::TcpStream> {
    let mut c = ImapClient::connect(d.imap_port);
    c.login(&u.name, PASSWORD);
    let r = c.command("SELECT INBOX");
    assert!(r.is_ok(), "{}", r.tagged);
    c
}

fn imap_ok(c: &mut ImapClient<std::net::TcpStream>, cmd: &str) {
    let r = c.command(cmd);
    assert!(r.is_ok(), "{cmd}: {}", r.tagged);
}

fn state_dir(t: &TestDir) -> PathBuf {
    t.join("state/mailsweep/snapshots")
}

fn the_state_file(t: &TestDir) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(state_dir(t)).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.pop().unwrap()
}

/// Moves every time in the state file back by `secs`, as if the runs were that old.
fn age_state(path: &PathBuf, secs: i64) {
    fn shift(v: &mut Value, secs: i64) {
        match v {
            Value::String(s) => {
                if let Ok(t) = s.parse::<jiff::Timestamp>() {
                    *s = jiff::Timestamp::from_second(t.as_second() - secs).unwrap().to_string();
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| shift(x, secs)),
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    // Arrival dates are the server's: only our own observation times move.
                    if k != "arrived" {
                        shift(x, secs);
                    }
                }
            }
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    shift(&mut v, secs);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

#[test]
fn snapshot_catches_a_pop_client_deleting_on_download_with_exit_1() {
    let d = Dovecot::start();
    let u = user(&d);
    let now = now_unix();
    d.seed(&u.name, &(0..3).map(|i| msg(i, now - 600)).collect::<Vec<_>>());
    let t = TestDir::new();

    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "deleters snapshot");
    assert_eq!(v["first_run"], true);
    assert_eq!(v["inbox"]["messages"], 3);
    let state = the_state_file(&t);
    assert!(state.file_name().unwrap().to_str().unwrap().starts_with(&format!("imap-{}@127.0.0.1-", u.name)));
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["state_version"], 2);

    d.deliver(&u.name, "INBOX", &message("new@example.org", "fresh", "Mon, 01 Jan 2024 10:00:00 +0000", 100));
    fetchmail(&d, &u, false);
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(1), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["status"], "warning");
    assert_eq!(v["first_run"], false);
    assert_eq!(v["inbox"]["arrived"], 0, "the fresh message came and went between runs");
    assert_eq!(causes(&v), vec!["vanished"; 3]);
    assert_eq!(v["removals"][0]["folder"], "INBOX");
    assert!(v["removals"][0]["message_id"].as_str().unwrap().ends_with("@mailsweep.test>"));
    assert_eq!(kinds(&v), vec!["pop_deletes_on_download"], "{v:#}");
    let verdict = &v["verdicts"][0];
    assert_eq!(verdict["status"], "warning");
    assert!(verdict["advice"][0]["text"].as_str().unwrap().contains("deleters logs"), "{verdict:#}");

    // Nothing changed since: exit 0, the verdict from the history stays.
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["inbox"]["removed"], 0);
    assert_eq!(v["history"]["removals"], 3);
    assert_eq!(kinds(&v), vec!["pop_deletes_on_download"]);
}

#[test]
fn snapshot_tells_filing_trash_and_permanent_deletes_apart() {
    let d = Dovecot::start();
    let u = user(&d);
    let now = now_unix();
    d.seed(&u.name, &(0..4).map(|i| msg(i, now - DAY)).collect::<Vec<_>>());
    let t = TestDir::new();
    assert_eq!(snapshot(&t, &d, &imaps(&d, &u), &[]).status.code(), Some(0));

    let mut c = imap_login(&d, &u);
    imap_ok(&mut c, "UID MOVE 1 Archive");
    imap_ok(&mut c, "UID MOVE 2 Trash");
    imap_ok(&mut c, "UID STORE 3 +FLAGS (\\Deleted)");
    // A snapshot between the flag and the expunge sees the flag.
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(causes(&v), vec!["filed", "trashed"]);
    imap_ok(&mut c, "EXPUNGE");
    c.logout();

    let out = snapshot(&t, &d, &imaps(&d, &u), &["--format", "table"]);
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}\n{}", text(&out.stderr));
    assert!(table.contains("flagged \\Deleted, then expunged"), "{table}");
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    let v = json(&out);
    assert_eq!(kinds(&v), vec!["imap_permanent_delete", "deleted_to_trash", "imap_filing"], "{v:#}");
    let filing = &v["verdicts"][2];
    assert!(filing["evidence"][0].as_str().unwrap().contains("reappeared in Archive"), "{filing:#}");
    assert_eq!(v["status"], "ok");
}

#[test]
fn snapshot_estimates_leave_on_server_days_from_seeded_ages() {
    let d = Dovecot::start();
    let u = user(&d);
    let now = now_unix();
    // Oldest first: POP message numbers 1-3 are the ones past 14 days.
    let ages = [20, 16, 15, 10, 5, 1];
    d.seed(&u.name, &ages.iter().enumerate().map(|(i, a)| msg(i, now - a * DAY)).collect::<Vec<_>>());
    let t = TestDir::new();
    assert_eq!(snapshot(&t, &d, &imaps(&d, &u), &[]).status.code(), Some(0));
    // The previous run was an hour ago.
    age_state(&the_state_file(&t), 3600);

    // A POP client with "leave on server 14 days" removes what is older than that.
    let mut p = Pop3Client::connect(d.pop3_port);
    p.login(&u.name, PASSWORD);
    for n in 1..=3 {
        assert!(p.command(&format!("DELE {n}")).starts_with("+OK"));
    }
    assert!(p.quit().starts_with("+OK"));

    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(causes(&v), vec!["vanished"; 3]);
    let age = v["removals"][2]["age_seconds"].as_u64().unwrap();
    assert!((15 * DAY as u64 - 3600..=15 * DAY as u64).contains(&age), "{age}");
    assert_eq!(kinds(&v), vec!["pop_leaves_on_server"], "{v:#}");
    let verdict = &v["verdicts"][0];
    assert_eq!(verdict["days"], 15);
    assert_eq!(verdict["status"], "warning");
    let evidence = verdict["evidence"].to_string();
    assert!(evidence.contains("left 3 older than 15 min"), "{evidence}");
    assert!(evidence.contains("Thunderbird"), "{evidence}");
}

#[test]
fn snapshot_over_pop3_with_fetchmail_keep_then_no_keep() {
    let d = Dovecot::start();
    let u = user(&d);
    let now = now_unix();
    d.seed(&u.name, &(0..3).map(|i| msg(i, now - 300)).collect::<Vec<_>>());
    let t = TestDir::new();
    let out = snapshot(&t, &d, &pop3s(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["protocol"], "pop3");
    assert!(the_state_file(&t).file_name().unwrap().to_str().unwrap().starts_with("pop3-"));

    fetchmail(&d, &u, true);
    let out = snapshot(&t, &d, &pop3s(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["inbox"]["removed"], 0);
    assert_eq!(kinds(&v), vec!["nothing_wrong"]);

    fetchmail(&d, &u, false);
    let out = snapshot(&t, &d, &pop3s(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(causes(&v), vec!["vanished"; 3]);
    assert!(v["removals"][0]["subject"].as_str().unwrap().starts_with("mail "), "headers from TOP: {v:#}");
    assert!(v["removals"][0]["uidl"].is_string());
    assert_eq!(kinds(&v), vec!["pop_deletes_on_download"]);
    assert_eq!(v["verdicts"][0]["confidence"], "medium", "POP3 sees only INBOX");
    assert!(v["notes"].to_string().contains("POP3 sees only INBOX"));
}

#[test]
fn corrupt_and_foreign_state_files_exit_3_and_reset_starts_over() {
    let d = Dovecot::start();
    let u = user(&d);
    d.seed(&u.name, &[msg(0, now_unix() - 60)]);
    let t = TestDir::new();
    assert_eq!(snapshot(&t, &d, &imaps(&d, &u), &[]).status.code(), Some(0));
    let path = the_state_file(&t);
    std::fs::write(&path, "{\"state_version\": 1, \"kind\": \"mails").unwrap();
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("is corrupt") && err.contains("--reset"), "{err}");

    let out = snapshot(&t, &d, &imaps(&d, &u), &["--reset"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["first_run"], true);

    // Another account's file given with --state-file.
    let other = user(&d);
    let out = snapshot(&t, &d, &imaps(&d, &other), &["--state-file", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("belongs to imap://"), "{}", text(&out.stderr));
}

#[test]
fn a_uidvalidity_change_is_explained_not_counted_as_deletion() {
    let d = Dovecot::start();
    let u = user(&d);
    d.seed(&u.name, &(0..3).map(|i| msg(i, now_unix() - 60)).collect::<Vec<_>>());
    let t = TestDir::new();
    assert_eq!(snapshot(&t, &d, &imaps(&d, &u), &[]).status.code(), Some(0));
    let before = d.mailbox_status(&u.name, "INBOX").uidvalidity;
    // Losing the UID list and indexes makes Dovecot renumber the folder.
    let maildir = u.maildir();
    for e in std::fs::read_dir(&maildir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("dovecot-uidlist") || name.starts_with("dovecot.index") {
            std::fs::remove_file(&p).unwrap();
        }
    }
    std::thread::sleep(Duration::from_millis(1100));
    d.doveadm(&["force-resync", "-u", &u.name, "INBOX"]);
    let after = d.mailbox_status(&u.name, "INBOX").uidvalidity;
    assert_ne!(before, after, "the test needs a new UIDVALIDITY");

    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["inbox"]["removed"], 0);
    assert_eq!(v["inbox"]["arrived"], 0);
    assert_eq!(v["uidvalidity_change"]["old"], before);
    assert_eq!(v["uidvalidity_change"]["new"], after);
    assert!(v["notes"].to_string().contains("not a mass deletion"), "{v:#}");
}

// ---------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------

/// A running `deleters watch --format json`, its lines read by a thread.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    _t: TestDir,
}

impl Watch {
    fn start(d: &Dovecot, u: &User, extra: &[&str]) -> Watch {
        let t = TestDir::new();
        let mut child = mailsweep(&t)
            .env("MAILSWEEP_PASSWORD", PASSWORD)
            .args(["deleters", "watch", &imaps(d, u), "--ca-file"])
            .arg(d.ca_file())
            .args(["--format", "json", "--for", "5min", "--timeout", "10"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut w = Watch { child, lines: rx, seen: Vec::new(), _t: t };
        w.wait_for("started", |v| v["event"] == "started");
        w
    }

    /// Waits for a line matching `pred` (30 s), keeping every line read.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.seen.iter().find(|v| pred(v)) {
            return v.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("no {what} within 30 s; lines so far:\n{:#?}", self.seen),
            }
        }
    }

    fn removed(&mut self, uid: u64) -> Value {
        self.wait_for(&format!("removal of uid {uid}"), |v| v["event"] == "removed" && v["removal"]["uid"] == uid)
    }

    /// SIGTERM, then the final summary and the exit code.
    fn stop(mut self) -> (Value, Option<i32>) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let summary = self.wait_for("final summary", |v| v["type"] == "summary" && v["final"] == true);
        let status = self.child.wait().unwrap();
        (summary, status.code())
    }
}

fn summary_kinds(s: &Value) -> Vec<String> {
    kinds(s)
}

#[test]
fn watch_tells_filing_trash_deletes_and_a_pop_client_apart() {
    let d = Dovecot::start();
    let u = user(&d);
    let now = now_unix();
    d.seed(&u.name, &(0..4).map(|i| msg(i, now - 2 * DAY)).collect::<Vec<_>>());
    let mut w = Watch::start(&d, &u, &["--canary"]);
    let started = w.wait_for("started", |v| v["event"] == "started");
    assert_eq!(started["messages"], 4);
    assert_eq!(started["qresync"], true);
    let canary = w.wait_for("canary", |v| v["event"] == "canary_appended");
    let canary_uid = canary["uid"].as_u64().unwrap();
    w.wait_for("canary arrival", |v| v["event"] == "arrived" && v["message"]["uid"] == canary_uid);

    let mut c = imap_login(&d, &u);
    imap_ok(&mut c, "UID MOVE 1 Archive");
    let r = w.removed(1);
    assert_eq!(r["removal"]["cause"], "filed");
    assert_eq!(r["removal"]["moved_to"], "Archive");
    assert!(r["removal"]["age_seconds"].as_u64().unwrap() >= 2 * DAY as u64);
    imap_ok(&mut c, "UID MOVE 2 Trash");
    assert_eq!(w.removed(2)["removal"]["cause"], "trashed");
    imap_ok(&mut c, "UID STORE 3 +FLAGS (\\Deleted)");
    w.wait_for("\\Deleted flag", |v| v["event"] == "flags" && v["message"]["uid"] == 3 && v["deleted"] == true);
    imap_ok(&mut c, "EXPUNGE");
    let r = w.removed(3);
    assert_eq!(r["removal"]["cause"], "expunged");
    assert_eq!(r["removal"]["deleted_flag_seen"], true);
    c.logout();

    // A fresh message, then a POP client that takes everything.
    d.deliver(&u.name, "INBOX", &message("new@example.org", "fresh", "Mon, 01 Jan 2024 10:00:00 +0000", 100));
    w.wait_for("fresh arrival", |v| v["event"] == "arrived" && v["message"]["subject"] == "fresh");
    fetchmail(&d, &u, false);
    let r = w.removed(4);
    assert_eq!(r["removal"]["cause"], "vanished");
    let r = w.removed(canary_uid);
    assert_eq!(r["removal"]["canary"], true);
    assert_eq!(r["removal"]["cause"], "vanished");

    let (summary, code) = w.stop();
    assert_eq!(code, Some(1), "mail vanished to an unknown client: {summary:#}");
    assert_eq!(summary["schema_version"], 1);
    assert_eq!(summary["status"], "warning");
    assert_eq!(summary["removals"]["vanished"], 3);
    assert_eq!(summary["removals"]["filed"], 1);
    assert_eq!(summary["removals"]["trashed"], 1);
    assert_eq!(summary["removals"]["expunged"], 1);
    assert_eq!(
        summary_kinds(&summary),
        vec!["pop_deletes_on_download", "imap_permanent_delete", "deleted_to_trash", "imap_filing"],
        "{summary:#}"
    );
    let pop = &summary["verdicts"][0];
    assert!(pop["evidence"].to_string().contains("took every message it found"), "{pop:#}");
}

#[test]
fn watch_sees_fetchmail_keep_as_leave_on_server_without_warning() {
    let d = Dovecot::start();
    let u = user(&d);
    let mut w = Watch::start(&d, &u, &[]);
    for i in 0..3 {
        d.deliver(
            &u.name,
            "INBOX",
            &message("x@example.org", &format!("kept {i}"), "Mon, 01 Jan 2024 10:00:00 +0000", 100),
        );
    }
    for i in 0..3 {
        w.wait_for("arrival", |v| v["event"] == "arrived" && v["message"]["subject"] == format!("kept {i}"));
    }
    fetchmail(&d, &u, true);
    for uid in 1..=3u64 {
        w.wait_for("\\Seen", |v| v["event"] == "flags" && v["message"]["uid"] == uid && v["seen"] == true);
    }
    let (summary, code) = w.stop();
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary_kinds(&summary), vec!["pop_leaves_on_server"], "{summary:#}");
    assert_eq!(summary["verdicts"][0]["status"], "ok");
    assert_eq!(summary["arrivals"], 3);
    assert_eq!(summary["messages"], 3);
}

#[test]
fn watch_reconnects_after_a_server_restart_without_forgetting() {
    let mut d = Dovecot::start();
    let u = user(&d);
    d.seed(&u.name, &(0..3).map(|i| msg(i, now_unix() - 3600)).collect::<Vec<_>>());
    let mut w = Watch::start(&d, &u, &["--summary-every", "1h"]);
    let mut c = imap_login(&d, &u);
    imap_ok(&mut c, "UID MOVE 1 Archive");
    assert_eq!(w.removed(1)["removal"]["cause"], "filed");
    drop(c);

    d.restart();
    w.wait_for("disconnection", |v| v["event"] == "disconnected");
    // Removed while the watcher may still be away: found on resync, or live.
    let mut c = imap_login(&d, &u);
    imap_ok(&mut c, "UID MOVE 2 Trash");
    w.wait_for("reconnection", |v| v["event"] == "reconnected");
    assert_eq!(w.removed(2)["removal"]["cause"], "trashed");
    imap_ok(&mut c, "UID MOVE 3 Archive");
    assert_eq!(w.removed(3)["removal"]["moved_to"], "Archive");
    c.logout();

    let (summary, code) = w.stop();
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["removals"]["filed"], 2, "what was learned before the restart is kept: {summary:#}");
    assert_eq!(summary["removals"]["trashed"], 1);
    assert_eq!(summary_kinds(&summary), vec!["deleted_to_trash", "imap_filing"]);
}

#[test]
fn watch_with_nothing_happening_ends_after_for_with_nothing_wrong() {
    let d = Dovecot::start();
    let u = user(&d);
    d.seed(&u.name, &[msg(0, now_unix() - 60)]);
    let t = TestDir::new();
    let out = mailsweep(&t)
        .env("MAILSWEEP_PASSWORD", PASSWORD)
        .args(["deleters", "watch", &imaps(&d, &u), "--ca-file"])
        .arg(d.ca_file())
        .args(["--for", "2s"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("watching INBOX of"), "{stdout}");
    assert!(stdout.contains("OK: summary of"), "{stdout}");
    assert!(stdout.contains("- nothing wrong (low confidence)"), "{stdout}");

    // POP3 cannot be watched; a bad duration is a usage error.
    for args in
        [vec!["deleters", "watch", "pop3s://x@127.0.0.1:1"], vec!["deleters", "watch", "imaps://x@h", "--for", "soon"]]
    {
        let out = mailsweep(&t).env("MAILSWEEP_PASSWORD", "x").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out.stderr));
    }
}

// ---------------------------------------------------------------------------------------
// Trash and Junk: server expiry against emptying by hand
// ---------------------------------------------------------------------------------------

#[test]
fn snapshot_reads_a_trash_expiry_by_doveadm_as_a_fixed_age_of_30_days() {
    let d = Dovecot::start();
    let u = user(&d);
    let now = seed_trash(&d, &u, &[]);
    let t = TestDir::new();
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(folder(&v, "Trash")["messages"], 6);
    assert_eq!(folder(&v, "Trash")["role"], "trash");
    assert_eq!(folder(&v, "Junk")["messages"], 0);
    let saved: Value = serde_json::from_slice(&std::fs::read(the_state_file(&t)).unwrap()).unwrap();
    assert_eq!(saved["watched"][0]["tracked"].as_array().unwrap().len(), 6, "{saved:#}");

    // The host's nightly job, as hosts write it.
    d.doveadm(&["expunge", "-u", &u.name, "mailbox", "Trash", "before", "30d"]);
    assert_eq!(d.mailbox_status(&u.name, "Trash").messages, 3);
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "server policy is no alarm: {}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["status"], "ok");
    assert_eq!(causes(&v), vec!["vanished_elsewhere"; 3]);
    assert!(v["removals"].as_array().unwrap().iter().all(|r| r["folder"] == "Trash"));
    assert_eq!(v["inbox"]["removed"], 0);
    let sweep = &folder(&v, "Trash")["sweep"];
    assert_eq!(sweep["reading"], "age_cut", "{sweep:#}");
    assert_eq!(sweep["clock"], "received", "{sweep:#}");
    assert_eq!((sweep["removed"].as_u64(), sweep["kept"].as_u64()), (Some(3), Some(3)));
    let cut = &sweep["received"]["cut"];
    assert!(cut["above_seconds"].as_u64().unwrap() >= 29 * DAY as u64 - 600, "{sweep:#}");
    assert!(cut["at_most_seconds"].as_u64().unwrap() <= 31 * DAY as u64 + 600, "{sweep:#}");
    assert_eq!(kinds(&v), vec!["server_expiry"], "{v:#}");
    let e = verdict(&v, "server_expiry");
    assert_eq!(e["days"], 30, "{e:#}");
    assert_eq!(e["status"], "ok");
    let evidence = e["evidence"].to_string();
    assert!(evidence.contains("older than every message kept"), "{evidence}");
    assert!(evidence.contains("common 30-day setting"), "{evidence}");
    assert!(evidence.contains("examples: uid 1 <"), "examples name the messages: {evidence}");
    assert!(evidence.contains("received 40 days before"), "{evidence}");
    assert!(e["advice"][0]["text"].as_str().unwrap().contains("host's policy, not a mail program"), "{e:#}");

    // The next night: more mail crossed 30 days (seeded: new UIDs, old received dates).
    d.seed(&u.name, &[in_folder("Trash", 33, now), in_folder("Trash", 32, now)]);
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(folder(&json(&out), "Trash")["arrived"], 2);
    d.doveadm(&["expunge", "-u", &u.name, "mailbox", "Trash", "before", "30d"]);
    let out = snapshot(&t, &d, &imaps(&d, &u), &["--format", "table"]);
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}\n{}", text(&out.stderr));
    assert!(table.contains("vanished without trace from Trash"), "{table}");
    assert!(table.contains("server expiry (high confidence, ~30 days)"), "{table}");
    let v = json(&snapshot(&t, &d, &imaps(&d, &u), &[]));
    assert_eq!(v["history"]["sweeps"], 2);
    let e = verdict(&v, "server_expiry");
    assert_eq!(e["days"], 30);
    assert_eq!(e["confidence"], "high");
    assert!(e["evidence"][0].as_str().unwrap().starts_with("5 message(s) left Trash"), "{e:#}");
}

#[test]
fn snapshot_tells_a_user_emptying_the_trash_from_an_expiry() {
    let d = Dovecot::start();
    let u = user(&d);
    seed_trash(&d, &u, &[]);
    let t = TestDir::new();
    assert_eq!(snapshot(&t, &d, &imaps(&d, &u), &[]).status.code(), Some(0));

    // Another client: restores one message to INBOX, then empties the Trash.
    let mut c = imap_login(&d, &u);
    imap_ok(&mut c, "SELECT Trash");
    imap_ok(&mut c, "UID MOVE 5 INBOX");
    imap_ok(&mut c, "STORE 1:* +FLAGS (\\Deleted)");
    imap_ok(&mut c, "EXPUNGE");
    c.logout();

    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let mut expected = vec!["vanished_elsewhere"; 5];
    expected.insert(0, "filed");
    assert_eq!(causes(&v), expected, "{v:#}");
    let restored = v["removals"].as_array().unwrap().iter().find(|r| r["cause"] == "filed").unwrap();
    assert_eq!((&restored["folder"], &restored["moved_to"]), (&Value::from("Trash"), &Value::from("INBOX")));
    let sweep = &folder(&v, "Trash")["sweep"];
    assert_eq!(sweep["reading"], "took_all", "{sweep:#}");
    assert_eq!(sweep["removed"], 5);
    assert_eq!(kinds(&v), vec!["imap_permanent_delete", "imap_filing"], "{v:#}");
    let emptied = verdict(&v, "imap_permanent_delete");
    let evidence = emptied["evidence"].to_string();
    assert!(evidence.contains("young and old alike"), "{evidence}");
    assert!(!evidence.contains("age cut"), "{evidence}");
    assert!(emptied["advice"][0]["text"].as_str().unwrap().contains("empty Trash on exit"), "{emptied:#}");
    let filing = verdict(&v, "imap_filing");
    assert!(filing["evidence"][0].as_str().unwrap().contains("left Trash and reappeared in INBOX"), "{filing:#}");
}

#[test]
fn snapshot_reads_dovecot_autoexpunge_by_the_save_date() {
    // Dovecot 2.3.19's autoexpunge counts from the save date (for Maildir the file's
    // ctime: it cannot be seeded), and runs when an IMAP session ends. Seconds stand in
    // for days: messages saved 5 s ago are expunged.
    let extra = "namespace inbox {\n  mailbox Trash {\n    autoexpunge = 5s\n  }\n}\n".to_string();
    let d = Dovecot::start_with(crate::support::dovecot::Options { extra_config: extra, ..Default::default() });
    let u = user(&d);
    let now = now_unix();
    // Trashed first, but received recently; trashed later, received long ago: only the
    // save date orders them as the expiry does.
    let start = Instant::now();
    d.seed(&u.name, &[in_folder("Trash", 1, now), in_folder("Trash", 2, now)]);
    std::thread::sleep(Duration::from_millis(2500));
    d.seed(&u.name, &[in_folder("Trash", 40, now), in_folder("Trash", 90, now)]);
    let t = TestDir::new();
    let out = snapshot(&t, &d, &imaps(&d, &u), &[]);
    assert_eq!(folder(&json(&out), "Trash")["messages"], 4, "{}", text(&out.stderr));
    std::thread::sleep(Duration::from_millis(5500).saturating_sub(start.elapsed()));
    // Any session's end runs the expiry; this one's.
    imap_login(&d, &u).logout();
    d.wait_for_log("autoexpunge: box=Trash", Duration::from_secs(10));

    let v = json(&snapshot(&t, &d, &imaps(&d, &u), &[]));
    assert_eq!(causes(&v), vec!["vanished_elsewhere"; 2], "{v:#}");
    let sweep = &folder(&v, "Trash")["sweep"];
    assert_eq!(sweep["reading"], "age_cut", "{sweep:#}");
    assert_eq!(sweep["clock"], "saved", "received dates do not cut: {sweep:#}");
    assert_eq!(sweep["received"]["cut"], Value::Null);
    assert_eq!(kinds(&v), vec!["server_expiry"], "{v:#}");
    let e = verdict(&v, "server_expiry");
    assert!(e["evidence"].to_string().contains("autoexpunge"), "{e:#}");
    assert!(e["advice"][0]["text"].as_str().unwrap().contains("after they were deleted"), "{e:#}");
}

#[test]
fn watch_reports_a_trash_expiry_and_junk_emptied_by_hand() {
    let d = Dovecot::start();
    let u = user(&d);
    seed_trash(&d, &u, &[10, 2, 0]);
    let mut w = Watch::start(&d, &u, &["--folders-every", "1s"]);
    let started = w.wait_for("started", |v| v["event"] == "started");
    assert_eq!(started["watched_folders"], serde_json::json!(["Trash", "Junk"]));
    assert!(started["until"].is_string(), "{started:#}");

    d.doveadm(&["expunge", "-u", &u.name, "mailbox", "Trash", "before", "30d"]);
    let swept = w.wait_for("Trash sweep", |v| v["event"] == "folder_swept" && v["sweep"]["folder"] == "Trash");
    assert_eq!(swept["sweep"]["reading"], "age_cut", "{swept:#}");
    assert_eq!(swept["sweep"]["removed"], 3);
    let r = w.wait_for("Trash removal", |v| v["event"] == "removed" && v["removal"]["folder"] == "Trash");
    assert_eq!(r["removal"]["cause"], "vanished_elsewhere");
    assert!(r["removal"]["age_seconds"].as_u64().unwrap() > 30 * DAY as u64, "{r:#}");

    let mut c = imap_login(&d, &u);
    imap_ok(&mut c, "SELECT Junk");
    imap_ok(&mut c, "STORE 1:* +FLAGS (\\Deleted)");
    imap_ok(&mut c, "EXPUNGE");
    c.logout();
    let swept = w.wait_for("Junk sweep", |v| v["event"] == "folder_swept" && v["sweep"]["folder"] == "Junk");
    assert_eq!(swept["sweep"]["reading"], "took_all", "{swept:#}");

    let (summary, code) = w.stop();
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["removals"]["vanished_elsewhere"], 6);
    assert_eq!(summary["removals"]["vanished"], 0);
    assert_eq!(summary["sweeps"], 2);
    assert_eq!(summary_kinds(&summary), vec!["imap_permanent_delete", "server_expiry"], "{summary:#}");
    assert_eq!(verdict(&summary, "server_expiry")["days"], 30);
    let emptied = verdict(&summary, "imap_permanent_delete");
    assert!(emptied["evidence"].to_string().contains("Junk"), "{emptied:#}");
    assert!(emptied["advice"].to_string().contains("look at the Junk folder before emptying it"), "{emptied:#}");
}
