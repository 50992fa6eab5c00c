//! `mailsweep usage` against a real Dovecot: every number equals what `doveadm` says, on
//! both size routes, over every protocol, and every failure gives a clear one-line error
//! with the documented exit code.

use std::process::Output;

use serde_json::Value;

use crate::support::{Dovecot, FakeServer, Options, SeedMessage, TestDir, User, mailsweep, message, unique_user};

const PASSWORD: &str = "pw-Zq8!secret";

/// Folders of the standard seed: nested, non-ASCII, special-use, and one left empty.
const FOLDERS: &[(&str, usize, usize)] = &[
    // (name, messages, body size of the first one; each next one grows)
    ("INBOX", 12, 800),
    ("Sent", 9, 5_000),
    ("Entwürfe/Älter", 4, 300),
    ("Archives/2021", 7, 2_000),
    ("Éléments envoyés", 3, 100),
];

fn seed_standard(d: &Dovecot, user: &str) {
    let mut msgs = Vec::new();
    for (folder, count, size) in FOLDERS {
        for i in 0..*count {
            let when = 1_600_000_000 + (i as i64) * 86_400 * 30;
            let raw = message(
                "Alice <alice@example.org>",
                &format!("{folder} {i}"),
                "Mon, 01 Jan 2024 10:00:00 +0000",
                size + i * 733,
            );
            msgs.push(SeedMessage::new(folder, raw).date(when).flags(if i % 3 == 0 { "" } else { "S" }));
        }
    }
    d.seed(user, &msgs);
}

fn user_with_mail(d: &Dovecot, quota: Option<u64>) -> User {
    let u = d.add_user(&unique_user("usage"), PASSWORD, quota);
    seed_standard(d, &u.name);
    u
}

fn run(sandbox: &TestDir, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = mailsweep(sandbox);
    cmd.args(args);
    if let Some(p) = password {
        cmd.env("MAILSWEEP_PASSWORD", p);
    }
    cmd.output().expect("run mailsweep")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr)))
}

fn imaps(d: &Dovecot, user: &str) -> String {
    format!("imaps://{user}@127.0.0.1:{}", d.imaps_port)
}

fn folder<'a>(account: &'a Value, name: &str) -> &'a Value {
    account["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no folder {name} in {account:#}"))
}

#[test]
fn usage_matches_doveadm_on_both_size_routes() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, Some(50_000_000));
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let mut routes = Vec::new();
    for method in ["status", "fetch"] {
        let out = run(
            &sandbox,
            &[
                "usage",
                &imaps(&d, &u.name),
                "--ca-file",
                ca.to_str().unwrap(),
                "--format",
                "json",
                "--size-method",
                method,
            ],
            Some(PASSWORD),
        );
        assert_eq!(out.status.code(), Some(0), "{method}: {}", text(&out.stderr));
        let v = json(&out);
        let account = &v["accounts"][0];
        assert_eq!(account["size_method"], if method == "status" { "status_size" } else { "fetch_sizes" });
        let mut total = 0;
        for name in d.mailboxes(&u.name) {
            let want = d.mailbox_status(&u.name, &name);
            let got = folder(account, &name);
            assert_eq!(got["messages"], want.messages, "{method} {name} messages");
            assert_eq!(got["bytes"], want.vsize, "{method} {name} bytes");
            assert_eq!(got["unseen"], want.unseen, "{method} {name} unseen");
            total += want.vsize;
        }
        assert_eq!(account["totals"]["bytes"], total);
        // The quota: usage in bytes is the vsize sum; doveadm reports it in KiB rounded up.
        let storage = &account["quota"]["roots"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "STORAGE")
            .expect("a STORAGE resource")
            .clone();
        let doveadm = d.quota_storage(&u.name);
        assert_eq!(storage["usage"].as_u64().unwrap().div_ceil(1024), doveadm.value, "{method} quota usage");
        assert_eq!(storage["limit"].as_u64().unwrap(), doveadm.limit.unwrap() * 1024, "{method} quota limit");
        assert_eq!(account["quota"]["roots"][0]["name"], "User quota");
        let folders: Vec<(String, u64, u64)> = account["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (f["name"].as_str().unwrap().to_string(), f["messages"].as_u64().unwrap(), f["bytes"].as_u64().unwrap())
            })
            .collect();
        routes.push(folders);
    }
    assert_eq!(routes[0], routes[1], "both size routes give the same numbers");
}

#[test]
fn usage_table_shows_hierarchy_roles_and_quota() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, Some(1_000_000));
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let out = run(
        &sandbox,
        &["usage", &imaps(&d, &u.name), "--ca-file", ca.to_str().unwrap(), "--sort", "name"],
        Some(PASSWORD),
    );
    let stdout = text(&out.stdout);
    for want in ["Entwürfe", "  Älter", "Éléments envoyés", "sent", "User quota", "STORAGE"] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    // 1 MB quota: the seed uses a sixth of it.
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
}

#[test]
fn thresholds_set_the_exit_code_and_nagios_line() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, Some(400_000));
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let base =
        ["usage", &imaps(&d, &u.name), "--ca-file", ca.to_str().unwrap(), "--format", "nagios"].map(String::from);
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        run(&sandbox, &args, Some(PASSWORD))
    };
    let used = d.quota_storage(&u.name).percent;
    assert!(used > 30 && used < 95, "seed should use a middling share of the quota, uses {used}%");
    let ok = with(&["--warn", "96", "--crit", "99"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).starts_with("MAILSWEEP USAGE OK"), "{}", text(&ok.stdout));
    let warn = with(&["--warn", "10", "--crit", "99"]);
    assert_eq!(warn.status.code(), Some(1));
    assert!(text(&warn.stdout).starts_with("MAILSWEEP USAGE WARNING"), "{}", text(&warn.stdout));
    assert!(text(&warn.stdout).contains("| storage="), "perfdata: {}", text(&warn.stdout));
    let crit = with(&["--warn", "5", "--crit", "10"]);
    assert_eq!(crit.status.code(), Some(2));
    let bad = with(&["--warn", "90", "--crit", "80"]);
    assert_eq!(bad.status.code(), Some(3), "{}", text(&bad.stderr));
}

#[test]
fn starttls_and_pop3_sources() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, None);
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let ca = ca.to_str().unwrap();
    let imap = format!("imap://{}@127.0.0.1:{}", u.name, d.imap_port);
    let out = run(&sandbox, &["usage", &imap, "--ca-file", ca, "--format", "json"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["accounts"][0]["quota"]["state"], "reported");

    let inbox = d.mailbox_status(&u.name, "INBOX");
    for pop in [
        format!("pop3s://{}@127.0.0.1:{}", u.name, d.pop3s_port),
        format!("pop3://{}@127.0.0.1:{}", u.name, d.pop3_port),
    ] {
        let out = run(&sandbox, &["usage", &pop, "--ca-file", ca, "--format", "json"], Some(PASSWORD));
        assert_eq!(out.status.code(), Some(0), "{pop}: {}", text(&out.stderr));
        let v = json(&out);
        let account = &v["accounts"][0];
        assert_eq!(account["folders"].as_array().unwrap().len(), 1, "POP3 sees INBOX only");
        assert_eq!(folder(account, "INBOX")["messages"], inbox.messages);
        assert_eq!(folder(account, "INBOX")["bytes"], inbox.vsize);
        assert_eq!(account["quota"]["state"], "not_reported");
        assert!(account["notes"].to_string().contains("INBOX"), "{account:#}");
    }
}

#[test]
fn plaintext_needs_an_explicit_opt_in() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, None);
    let sandbox = TestDir::new();
    let imap = format!("imap://{}@127.0.0.1:{}", u.name, d.imap_port);
    let out = run(&sandbox, &["usage", &imap, "--plaintext", "--format", "json"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A server without STARTTLS: imap:// refuses to send the password in clear.
    let fake = FakeServer::script(
        "* OK fake IMAP ready",
        &[("CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n")],
    );
    let url = format!("imap://bob@127.0.0.1:{}", fake.port());
    let out = run(&sandbox, &["usage", &url], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("does not offer STARTTLS") && err.contains("--plaintext"), "{err}");
    assert!(!fake.received().iter().any(|l| l.contains(PASSWORD)), "the password never crossed");
}

#[test]
fn admin_audit_gives_one_table_sorted_by_quota_use() {
    let d = Dovecot::start();
    let small = d.add_user(&unique_user("small"), "x", Some(10_000_000));
    let big = d.add_user(&unique_user("big"), "y", Some(300_000));
    seed_standard(&d, &small.name);
    seed_standard(&d, &big.name);
    let sandbox = TestDir::new();
    let users = sandbox.write("users.txt", format!("# audited users\n{}\n{}\n", small.name, big.name));
    let (admin, secret) = d.master_user();
    let ca = d.ca_file();
    let host = format!("imaps://127.0.0.1:{}", d.imaps_port);
    let args =
        ["usage", &host, "--ca-file", ca.to_str().unwrap(), "--admin", admin, "--users-file", users.to_str().unwrap()];
    let out = run(&sandbox, &args, Some(secret));
    let stdout = text(&out.stdout);
    assert!(out.status.code().unwrap() <= 1, "{stdout}\n{}", text(&out.stderr));
    let (pb, ps) = (stdout.find(&big.name).expect("big listed"), stdout.find(&small.name).expect("small listed"));
    assert!(pb < ps, "fullest first:\n{stdout}");

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v = json(&run(&sandbox, &json_args, Some(secret)));
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    for a in accounts {
        assert!(a["error"].is_null(), "{a:#}");
        assert_eq!(folder(a, "Sent")["messages"], 9);
    }
}

#[test]
fn one_failing_account_does_not_stop_the_others() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, Some(50_000_000));
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let closed = closed_port();
    sandbox.write(
        "config/mailsweep/config.toml",
        format!(
            "[defaults]\ntimeout = 5\nca_file = \"{ca}\"\n\n[accounts.good]\nsource = \"{good}\"\npassword_command = \"echo '{PASSWORD}'\"\n\n\
             [accounts.dead]\nsource = \"imaps://nobody@127.0.0.1:{closed}\"\npassword_command = \"echo x\"\n",
            ca = ca.display(),
            good = imaps(&d, &u.name)
        ),
    );
    let out = run(&sandbox, &["usage", "--all-accounts", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let v = json(&out);
    let accounts = v["accounts"].as_array().unwrap();
    let good = accounts.iter().find(|a| a["account"] == "good").unwrap();
    let dead = accounts.iter().find(|a| a["account"] == "dead").unwrap();
    assert!(good["error"].is_null());
    assert_eq!(folder(good, "INBOX")["messages"], 12);
    assert!(dead["error"].as_str().unwrap().contains("refused"), "{dead:#}");
    assert!(text(&out.stderr).contains("refused"));
}

#[test]
fn server_without_quota_says_so() {
    let d = Dovecot::start_with(Options { quota: false, ..Options::default() });
    let u = user_with_mail(&d, None);
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let out = run(&sandbox, &["usage", &imaps(&d, &u.name), "--ca-file", ca.to_str().unwrap()], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("not reported by the server"), "{}", text(&out.stdout));
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn connection_failures_are_one_clear_line_with_exit_2() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, None);
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let ca = ca.to_str().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![imaps(&d, &u.name), "--ca-file".into(), ca.into()], "refused"), // wrong password below
        (vec![format!("imaps://x@127.0.0.1:{}", closed_port())], "refused"),
        (vec!["imaps://x@no-such-host.invalid".into(), "--timeout".into(), "3".into()], "no-such-host.invalid"),
        (vec![imaps(&d, &u.name)], "unknown certificate authority"),
    ];
    for (i, (args, want)) in cases.iter().enumerate() {
        let mut all = vec!["usage".to_string()];
        all.extend(args.iter().cloned());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let password = if i == 0 { "wrong-password" } else { PASSWORD };
        let out = run(&sandbox, &refs, Some(password));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(want), "{args:?}: {err}");
        assert!(!err.contains(password) && !text(&out.stdout).contains(password), "the password leaked: {err}");
        assert!(out.stdout.is_empty(), "nothing on stdout for a failed single mailbox");
    }
    let out = run(&sandbox, &["usage", &imaps(&d, &u.name)], Some(PASSWORD));
    assert!(text(&out.stderr).contains("hint: ") && text(&out.stderr).contains("--ca-file"), "{}", text(&out.stderr));
}

#[test]
fn bad_certificates_are_explained() {
    use crate::support::CertKind;
    for (kind, want) in [(CertKind::Expired, "expired"), (CertKind::WrongHost, "not valid for the name")] {
        let d = Dovecot::start_with(Options { cert: kind, ..Options::default() });
        let sandbox = TestDir::new();
        let ca = d.ca_file();
        let out = run(&sandbox, &["usage", &imaps(&d, "x"), "--ca-file", ca.to_str().unwrap()], Some(PASSWORD));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{kind:?}: {err}");
    }
}

#[test]
fn hostile_servers_time_out_or_fail_cleanly() {
    let sandbox = TestDir::new();
    let stall = FakeServer::stall();
    let started = std::time::Instant::now();
    let out =
        run(&sandbox, &["usage", &format!("imaps://x@127.0.0.1:{}", stall.port()), "--timeout", "1"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("timed out after 1s"), "{}", text(&out.stderr));
    assert!(started.elapsed().as_secs() < 10, "a stalled server must not hang the run");

    let greet_stall = FakeServer::greet_then_stall("* OK fake");
    let out = run(
        &sandbox,
        &["usage", &format!("imap://x@127.0.0.1:{}", greet_stall.port()), "--timeout", "1"],
        Some(PASSWORD),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("timed out"), "{}", text(&out.stderr));

    for fake in [FakeServer::garbage(), FakeServer::close_after_greeting("* OK bye soon"), FakeServer::endless_line()] {
        let out =
            run(&sandbox, &["usage", &format!("imap://x@127.0.0.1:{}", fake.port()), "--timeout", "3"], Some(PASSWORD));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_folder_deleted_during_the_scan_is_a_note() {
    // LIST shows "Gone"; by the time its STATUS is asked it no longer exists. Dovecot
    // answers LIST and STATUS too fast to race, so a scripted server plays the race.
    let caps = "* CAPABILITY IMAP4rev1 STATUS=SIZE\r\n{tag} OK done\r\n";
    let fake = FakeServer::script(
        "* OK fake IMAP ready",
        &[
            ("CAPABILITY", caps),
            ("LOGIN", "{tag} OK logged in\r\n"),
            ("CAPABILITY", caps),
            ("LIST", "* LIST () \"/\" INBOX\r\n* LIST () \"/\" Gone\r\n{tag} OK done\r\n"),
            ("STATUS \"INBOX\"", "* STATUS INBOX (MESSAGES 2 UNSEEN 1 SIZE 3000)\r\n{tag} OK done\r\n"),
            ("STATUS \"Gone\"", "{tag} NO [NONEXISTENT] Mailbox doesn't exist: Gone\r\n"),
            ("LOGOUT", "* BYE\r\n{tag} OK bye\r\n"),
        ],
    );
    let sandbox = TestDir::new();
    let url = format!("imap://x@127.0.0.1:{}", fake.port());
    let out = run(&sandbox, &["usage", &url, "--plaintext", "--format", "json", "--timeout", "5"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}\n{:?}", text(&out.stderr), fake.received());
    let v = json(&out);
    let account = &v["accounts"][0];
    assert_eq!(folder(account, "INBOX")["bytes"], 3000);
    assert!(account["notes"].to_string().contains("\\\"Gone\\\" vanished during the scan"), "{account:#}");
    assert_eq!(account["quota"]["state"], "not_reported");
}

#[test]
fn dates_are_opt_in_and_agree_on_both_routes() {
    let d = Dovecot::start();
    let u = user_with_mail(&d, None);
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    let first = jiff::Timestamp::from_second(1_600_000_000).unwrap().to_string();
    let last = jiff::Timestamp::from_second(1_600_000_000 + 11 * 86_400 * 30).unwrap().to_string();
    for method in ["status", "fetch"] {
        let args = [
            "usage",
            &imaps(&d, &u.name),
            "--ca-file",
            ca.to_str().unwrap(),
            "--format",
            "json",
            "--size-method",
            method,
        ];
        let v = json(&run(&sandbox, &args, Some(PASSWORD)));
        let inbox = folder(&v["accounts"][0], "INBOX");
        assert!(inbox["oldest"].is_null() && inbox["newest"].is_null(), "{method}: no dates unless asked");
        let mut with_dates = args.to_vec();
        with_dates.push("--dates");
        let v = json(&run(&sandbox, &with_dates, Some(PASSWORD)));
        let inbox = folder(&v["accounts"][0], "INBOX");
        assert_eq!(inbox["oldest"], first.as_str(), "{method}");
        assert_eq!(inbox["newest"], last.as_str(), "{method}");
    }
}

#[test]
fn hostile_folder_names_are_measured_and_shown_harmlessly() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("hostile"), PASSWORD, None);
    // Written straight into the Maildir (doveadm refuses most of them), as a store could hold them.
    let names = ["esc\u{1b}[2J", "back\\slash", "quote\"d", "ctl\u{1}x", "100% [sure]"];
    let seeds: Vec<SeedMessage> = names
        .iter()
        .map(|n| SeedMessage::new(n, message("a@b", &format!("in {n:?}"), "Mon, 01 Jan 2024 10:00:00 +0000", 500)))
        .collect();
    d.seed(&u.name, &seeds);
    let listed = d.mailboxes(&u.name);
    let sandbox = TestDir::new();
    let ca = d.ca_file();
    for method in ["status", "fetch"] {
        let args = ["usage", &imaps(&d, &u.name), "--ca-file", ca.to_str().unwrap(), "--size-method", method];
        let mut json_args = args.to_vec();
        json_args.extend(["--format", "json"]);
        let out = run(&sandbox, &json_args, Some(PASSWORD));
        assert_eq!(out.status.code(), Some(0), "{method}: {}", text(&out.stderr));
        let v = json(&out);
        for n in names.iter().filter(|n| listed.iter().any(|l| l == *n)) {
            let want = d.mailbox_status(&u.name, n);
            assert_eq!(folder(&v["accounts"][0], n)["bytes"], want.vsize, "{method} {n:?}");
        }
        let table = run(&sandbox, &args, Some(PASSWORD));
        let shown = text(&table.stdout);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{1}'),
            "{method}: control characters reach the terminal:\n{shown}"
        );
    }
    assert!(listed.iter().any(|l| l == "back\\slash"), "the server holds the backslash folder: {listed:?}");
}
