//! `mailsweep deleters logs`: verdicts, exit codes and JSON from fixture logs, and a real
//! fetchmail (`no keep`) against Dovecot whose log must name the deleting client.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{Dovecot, SeedMessage, TestDir, mailsweep, message, unique_user};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run(t: &TestDir, args: &[&str]) -> Output {
    mailsweep(t).env("TZ", "UTC").args(["deleters", "logs"]).args(args).output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

/// A phone polling by POP every 10 minutes and deleting, beside a desktop on IMAP.
fn deleting_phone_log() -> String {
    let mut log = String::new();
    for i in 0..12 {
        let (h, m) = (10 + i / 6, (i % 6) * 10);
        let (retr, del) = if i % 3 == 0 { (2, 2) } else { (0, 0) };
        log += &format!(
            "Nov 22 {h:02}:{m:02}:00 mail dovecot[812]: pop3-login: Login: user=<alice>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.1, mpid={pid}, TLS, session=<ph{i}>\n\
             Nov 22 {h:02}:{m:02}:02 mail dovecot[812]: pop3(alice)<{pid}><ph{i}>: Disconnected: Logged out top=0/0, retr={retr}/{b}, del={del}/{retr}, size={b}\n",
            pid = 5000 + i,
            b = retr * 4000
        );
    }
    log += "Nov 22 12:00:00 mail dovecot[812]: imap-login: Login: user=<alice>, method=PLAIN, rip=192.0.2.30, lip=192.0.2.1, mpid=6000, TLS, session=<desk>\n\
            Nov 22 12:30:00 mail dovecot[812]: imap(alice)<6000><desk>: Disconnected: Logged out in=500 out=9000 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0\n\
            Nov 22 12:00:00 mail dovecot[812]: imap-login: Login: user=<bob>, method=PLAIN, rip=192.0.2.31, lip=192.0.2.1, mpid=6001, TLS, session=<bobd>\n\
            Nov 22 12:30:00 mail dovecot[812]: imap(bob)<6001><bobd>: Disconnected: Logged out in=500 out=9000 deleted=0 expunged=0 trashed=0\n";
    log
}

#[test]
fn a_deleting_pop_client_is_named_with_exit_1() {
    let t = TestDir::new();
    let log = t.write("mail.log", deleting_phone_log());
    let out = run(&t, &["--year", "2026", log.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("WARNING: 2 user(s)"), "{stdout}");
    assert!(stdout.contains("pop deletes on download [203.0.113.50] (high confidence)"), "{stdout}");
    assert!(stdout.contains("arp -n 203.0.113.50"), "{stdout}");
    assert!(stdout.contains("deleting POP client"), "{stdout}");
    assert!(stdout.contains("10 min"), "{stdout}");
    assert!(stdout.contains("bob OK"), "{stdout}");
    assert!(stdout.contains("nothing wrong"), "{stdout}");
}

#[test]
fn json_document_has_the_documented_shape() {
    let t = TestDir::new();
    let log = t.write("mail.log", deleting_phone_log());
    let out = run(&t, &["--year", "2026", "--format", "json", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "deleters logs");
    assert_eq!(v["status"], "warning");
    assert_eq!(v["inputs"][0]["lines"], 28);
    assert_eq!(v["inputs"][0]["relevant_lines"], 28);
    assert_eq!(v["inputs"][0]["unparsable_lines"], 0);
    assert_eq!(v["inputs"][0]["first_seen"], "2026-11-22T10:00:00Z");
    let alice = &v["users"][0];
    assert_eq!(alice["user"], "alice");
    assert_eq!(alice["status"], "warning");
    assert_eq!(alice["verdicts"][0]["kind"], "pop_deletes_on_download");
    assert_eq!(alice["verdicts"][0]["confidence"], "high");
    assert_eq!(alice["verdicts"][0]["addresses"][0], "203.0.113.50");
    assert!(alice["verdicts"][0]["advice"][0]["rule"].as_str().unwrap().contains("My messages disappear"));
    let pop = alice["clients"].as_array().unwrap().iter().find(|c| c["protocol"] == "pop3").unwrap();
    assert_eq!(pop["address"], "203.0.113.50");
    assert_eq!(pop["sessions"], 12);
    assert_eq!(pop["retrieved"], 8);
    assert_eq!(pop["deleted"], 8);
    assert_eq!(pop["retrieved_bytes"], 32000);
    assert_eq!(pop["median_interval_seconds"], 600);
    assert_eq!(pop["deletion_lag_seconds"], 0);
    assert_eq!(pop["flags"], serde_json::json!(["deleting_pop_client"]));
    assert_eq!(v["users"][1]["verdicts"][0]["kind"], "nothing_wrong");
    assert_eq!(v["users"][1]["status"], "ok");
    assert_eq!(v["notes"], serde_json::json!([]));
}

#[test]
fn user_filter_and_stdin_and_exit_0_when_nothing_deletes() {
    let t = TestDir::new();
    let mut cmd = mailsweep(&t);
    cmd.env("TZ", "UTC").args(["deleters", "logs", "--year", "2026", "--user", "bob", "--format", "json", "-"]);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), deleting_phone_log().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["users"].as_array().unwrap().len(), 1);
    assert_eq!(v["users"][0]["user"], "bob");
    assert_eq!(v["filters"]["users"][0], "bob");
    assert_eq!(v["inputs"][0]["path"], "-");
}

/// 25 users on IMAP after the deleting phone's box: a whole server's table lists only the
/// box that needs action, `--all` lists every box, JSON always has every box.
#[test]
fn a_big_table_lists_the_boxes_that_need_action_and_all_lists_every_box() {
    let t = TestDir::new();
    let mut log = deleting_phone_log();
    for i in 0..25 {
        log += &format!(
            "Nov 22 13:{i:02}:00 mail dovecot[812]: imap-login: Login: user=<staff{i:02}>, method=PLAIN, rip=192.0.2.40, lip=192.0.2.1, mpid={pid}, TLS, session=<st{i}>\n\
             Nov 22 13:{i:02}:30 mail dovecot[812]: imap(staff{i:02})<{pid}><st{i}>: Disconnected: Logged out in=50 out=900 deleted=0 expunged=0 trashed=0\n",
            pid = 7000 + i
        );
    }
    let log = t.write("mail.log", log);
    let headers = |out: &str| out.lines().filter(|l| l.ends_with(" OK") || l.ends_with(" WARNING")).count();

    let out = run(&t, &["--year", "2026", log.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("WARNING: 27 user(s)"), "{stdout}");
    assert!(stdout.contains("\nalice WARNING\n"), "{stdout}");
    assert_eq!(headers(&stdout), 1, "{stdout}");
    assert!(
        stdout.contains("\n26 other user(s) OK, not listed: no POP client deletes their mail (all of them: --all"),
        "{stdout}"
    );

    let out = run(&t, &["--year", "2026", "--all", log.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(headers(&stdout), 27, "{stdout}");
    assert!(stdout.contains("\nbob OK\n  - nothing wrong"), "{stdout}");
    assert!(stdout.contains("\nstaff24 OK\n"), "{stdout}");
    assert!(!stdout.contains("not listed"), "{stdout}");

    for all in [&[][..], &["--all"][..]] {
        let out = run(&t, &[&["--year", "2026", "--format", "json"], all, &[log.to_str().unwrap()]].concat());
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(json(&out)["users"].as_array().unwrap().len(), 27, "{all:?}");
    }
}

#[test]
fn gzip_rotated_and_garbage_lines_give_a_note() {
    let t = TestDir::new();
    let mut gz = flate2_free_gzip(deleting_phone_log().as_bytes());
    gz.extend_from_slice(b"");
    let old = t.write("mail.log.2.gz", gz);
    let new = t.write(
        "mail.log",
        b"Nov 22 13:00:00 mail dovecot[812]: pop3(alice)<1><tr\n\x00\xff junk\r\nNov 22 13:00:01 mail dovecot[812]: pop3-login: Login: method=PLAIN\n",
    );
    let out = run(&t, &["--year", "2026", "--format", "json", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["inputs"][0]["gzip"], true);
    assert_eq!(v["inputs"][1]["unparsable_lines"], 2);
    assert!(v["notes"][0].as_str().unwrap().starts_with("2 Dovecot line(s) could not be parsed"), "{}", v["notes"]);
}

/// A gzip file written with the system's `gzip` (the tests do not depend on flate2).
fn flate2_free_gzip(data: &[u8]) -> Vec<u8> {
    let mut child =
        Command::new("gzip").arg("-c").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("gzip is installed");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn unreadable_files_exit_2_and_bad_arguments_exit_3() {
    let t = TestDir::new();
    let out = run(&t, &["/nonexistent/mail.log"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("cannot read log \"/nonexistent/mail.log\""), "{err}");
    assert!(err.contains("hint:"), "{err}");
    let log = t.write("mail.log", "");
    for args in [
        vec!["--since", "someday", log.to_str().unwrap()],
        vec!["--format", "nagios", log.to_str().unwrap()],
        vec!["--year", "12", log.to_str().unwrap()],
        vec!["-", "-"],
        vec![],
    ] {
        let out = run(&t, &args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn an_empty_log_is_ok_with_a_note() {
    let t = TestDir::new();
    let log = t.write("mail.log", "Nov 22 10:00:00 mail postfix/smtpd[1]: connect from x\n");
    let out = run(&t, &[log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("note: no Dovecot POP/IMAP lines found"), "{}", text(&out.stdout));
}

/// fetchmail in `no keep` mode against a real Dovecot: the log names 127.0.0.1 as a
/// deleting POP client, with the right counts.
#[test]
fn fetchmail_no_keep_against_dovecot_is_a_deleting_client() {
    let dovecot = Dovecot::start();
    let name = unique_user("fm");
    let user = dovecot.add_user(&name, "fm-secret", None);
    let msgs: Vec<SeedMessage> = (0..3)
        .map(|i| {
            SeedMessage::new(
                "INBOX",
                message("a@example.org", &format!("m{i}"), "Mon, 01 Jan 2024 10:00:00 +0000", 200),
            )
        })
        .collect();
    dovecot.seed(&user.name, &msgs);

    let [_, _, pop3, _] = dovecot.ports();
    crate::support::fetchmail::run_once(pop3, &user.name, "fm-secret", false);
    let t = TestDir::new();
    dovecot.wait_for_log(&format!("pop3({})", user.name), Duration::from_secs(10));
    dovecot.wait_for_log("Logged out", Duration::from_secs(10));

    let out = mailsweep(&t)
        .args(["deleters", "logs", "--format", "json", "--user", &user.name])
        .arg(dovecot.log_path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let v = json(&out);
    let u = &v["users"][0];
    assert_eq!(u["user"], user.name.as_str());
    assert_eq!(u["verdicts"][0]["kind"], "pop_deletes_on_download", "{u:#}");
    assert_eq!(u["verdicts"][0]["addresses"][0], "127.0.0.1");
    let c = &u["clients"][0];
    assert_eq!(c["address"], "127.0.0.1");
    assert_eq!(c["protocol"], "pop3");
    assert_eq!(c["retrieved"], 3, "{c:#}");
    assert_eq!(c["deleted"], 3, "{c:#}");
    assert_eq!(v["inputs"][0]["unparsable_lines"], 0);
    assert_eq!(dovecot.mailbox_status(&user.name, "INBOX").messages, 0);
}
