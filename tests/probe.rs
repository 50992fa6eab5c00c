//! `mailsweep probe` against a real Dovecot, over IMAP and POP3, TLS and STARTTLS.

use serde_json::Value;

use crate::support::{Dovecot, TestDir, mailsweep, unique_user};

const PASSWORD: &str = "probe-Pw#1";

fn probe(sandbox: &TestDir, source: &str, ca: &std::path::Path, password: &str) -> (Option<i32>, Value, String) {
    let out = mailsweep(sandbox)
        .args(["probe", source, "--ca-file", ca.to_str().unwrap(), "--format", "json"])
        .env("MAILSWEEP_PASSWORD", password)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), v, stderr)
}

fn offered(v: &Value, name: &str) -> bool {
    v["explained"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name} explained"))
        ["offered"]
        == true
}

#[test]
fn imap_probe_reports_tls_capabilities_special_use_and_quota() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("probe"), PASSWORD, Some(1_000_000));
    let sandbox = TestDir::new();
    for source in [
        format!("imaps://{}@127.0.0.1:{}", u.name, d.imaps_port),
        format!("imap://{}@127.0.0.1:{}", u.name, d.imap_port),
    ] {
        let (code, v, err) = probe(&sandbox, &source, &d.ca_file(), PASSWORD);
        assert_eq!(code, Some(0), "{source}: {err}");
        assert!(v["tls"]["version"].as_str().unwrap().starts_with("TLSv1."), "{v:#}");
        let cert = &v["tls"]["certificate"];
        assert!(cert["names"].to_string().contains("127.0.0.1"), "{cert:#}");
        assert!(cert["not_after"].is_string());
        assert_eq!(v["login"]["ok"], true);
        assert_eq!(v["login"]["mechanism"], "PLAIN");
        for cap in ["QUOTA", "STATUS=SIZE", "MOVE", "UIDPLUS", "IDLE", "SPECIAL-USE", "QRESYNC", "LIST-STATUS"] {
            assert!(offered(&v, cap), "{cap} offered: {v:#}");
        }
        let special = v["special_use"].to_string();
        for role in ["sent", "trash", "junk", "drafts"] {
            let role = format!("{{\"folder\":\"{}\",\"role\":\"{role}\"}}", capitalise(role));
            assert!(special.contains(&role), "{role} in {special}");
        }
        assert_eq!(v["quota_roots"][0]["name"], "User quota");
        assert!(v["greeting"].as_str().unwrap().contains("mailsweep-test"), "{v:#}");
    }
    // The table form names the same things for people.
    let out = mailsweep(&sandbox)
        .args([
            "probe",
            &format!("imaps://{}@127.0.0.1:{}", u.name, d.imaps_port),
            "--ca-file",
            d.ca_file().to_str().unwrap(),
        ])
        .env("MAILSWEEP_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    for want in ["TLSv1.", "QUOTA", "UIDPLUS", "User quota"] {
        assert!(table.contains(want), "{want} in:\n{table}");
    }
}

#[test]
fn pop3_probe_reports_capabilities_after_stls() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("probe"), PASSWORD, None);
    let sandbox = TestDir::new();
    for source in [
        format!("pop3s://{}@127.0.0.1:{}", u.name, d.pop3s_port),
        format!("pop3://{}@127.0.0.1:{}", u.name, d.pop3_port),
    ] {
        let (code, v, err) = probe(&sandbox, &source, &d.ca_file(), PASSWORD);
        assert_eq!(code, Some(0), "{source}: {err}");
        assert_eq!(v["protocol"], "pop3");
        assert_eq!(v["login"]["ok"], true);
        for cap in ["UIDL", "TOP", "RESP-CODES", "SASL"] {
            assert!(offered(&v, cap), "{cap} offered: {v:#}");
        }
        assert!(v["tls"]["version"].is_string());
    }
}

#[test]
fn refused_login_still_reports_and_exits_2() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("probe"), PASSWORD, None);
    let sandbox = TestDir::new();
    for source in [
        format!("imaps://{}@127.0.0.1:{}", u.name, d.imaps_port),
        format!("pop3s://{}@127.0.0.1:{}", u.name, d.pop3s_port),
    ] {
        let (code, v, err) = probe(&sandbox, &source, &d.ca_file(), "not-the-password");
        assert_eq!(code, Some(2), "{source}: {err}");
        assert_eq!(v["login"]["ok"], false, "{v:#}");
        assert!(v["tls"]["version"].is_string(), "what was learned before login is kept");
        assert!(!v.to_string().contains("not-the-password"));
    }
}

#[test]
fn master_user_opens_the_users_mailbox() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("probe"), PASSWORD, None);
    let (admin, secret) = d.master_user();
    let sandbox = TestDir::new();
    let out = mailsweep(&sandbox)
        .args([
            "probe",
            &format!("imaps://{}@127.0.0.1:{}", u.name, d.imaps_port),
            "--admin",
            admin,
            "--format",
            "json",
        ])
        .args(["--ca-file", d.ca_file().to_str().unwrap()])
        .env("MAILSWEEP_PASSWORD", secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["login"]["login"], admin);
    assert_eq!(v["login"]["mailbox"], u.name.as_str());
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// OAuth 2 (XOAUTH2, OAUTHBEARER) against a real Dovecot whose `oauth2` passdb asks an
/// [`OAuthServer`] about every token (RFC 7662 introspection).
mod oauth {
    use std::process::Output;

    use serde_json::Value;

    use crate::support::dovecot::{IntrospectionMode, Options};
    use crate::support::oauth::OAuthServer;
    use crate::support::{Dovecot, SeedMessage, TestDir, mailsweep, message, unique_user};

    const TOKEN: &str = "ya29.mailsweep-Test_token-1";
    const PASSWORD: &str = "oauth-user-Pw#1";

    fn start(mode: IntrospectionMode) -> (OAuthServer, Dovecot) {
        let oauth = OAuthServer::start();
        let d = Dovecot::start_with(Options { oauth2: Some(oauth.dovecot(mode)), ..Options::default() });
        (oauth, d)
    }

    fn run(d: &Dovecot, args: &[&str], secret: &str) -> Output {
        let sandbox = TestDir::new();
        mailsweep(&sandbox)
            .args(args)
            .args(["--ca-file", d.ca_file().to_str().unwrap(), "--format", "json"])
            .env("MAILSWEEP_PASSWORD", secret)
            .output()
            .unwrap()
    }

    /// `mailsweep probe SOURCE --auth MECH --format json` with `secret` as the password:
    /// (exit code, JSON, stdout, stderr).
    fn probe(d: &Dovecot, source: &str, mech: &str, secret: &str) -> (Option<i32>, Value, String, String) {
        let out = run(d, &["probe", source, "--auth", mech], secret);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code(), v, stdout, String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// imaps, imap (STARTTLS), pop3s, pop3 (STLS).
    fn sources(d: &Dovecot, user: &str) -> [String; 4] {
        [
            format!("imaps://{user}@127.0.0.1:{}", d.imaps_port),
            format!("imap://{user}@127.0.0.1:{}", d.imap_port),
            format!("pop3s://{user}@127.0.0.1:{}", d.pop3s_port),
            format!("pop3://{user}@127.0.0.1:{}", d.pop3_port),
        ]
    }

    #[test]
    fn xoauth2_and_oauthbearer_log_in_over_imap_and_pop3_with_and_without_starttls() {
        let (oauth, d) = start(IntrospectionMode::Post);
        let u = d.add_user(&unique_user("oauth"), PASSWORD, None);
        oauth.grant(TOKEN, &u.name);
        for source in sources(&d, &u.name) {
            for mech in ["xoauth2", "oauthbearer"] {
                let before = oauth.asked_about(TOKEN);
                let (code, v, _, err) = probe(&d, &source, mech, TOKEN);
                assert_eq!(code, Some(0), "{source} {mech}: {err}\n{}", d.log_tail(20));
                assert_eq!(v["login"]["ok"], true, "{source} {mech}: {v:#}");
                assert_eq!(v["login"]["mechanism"], mech.to_ascii_uppercase(), "{source} {mech}: {v:#}");
                assert_eq!(v["login"]["mailbox"], u.name.as_str());
                assert!(v["tls"]["version"].is_string(), "{source}: TLS before the token is sent");
                assert_eq!(oauth.asked_about(TOKEN), before + 1, "{source} {mech}: Dovecot introspected the token");
                let method = format!("Login: user=<{}>, method={}", u.name, mech.to_ascii_uppercase());
                d.wait_for_log(&method, std::time::Duration::from_secs(5));
            }
        }
        // Dovecot POSTs the token as RFC 7662 says.
        let r = &oauth.requests()[0];
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/introspect"), "{r:?}");

        // Password logins still work on the same instance, and go nowhere near the token server.
        let asked = oauth.requests().len();
        for source in sources(&d, &u.name) {
            let (code, v, _, err) = probe(&d, &source, "plain", PASSWORD);
            assert_eq!(code, Some(0), "{source} plain: {err}");
            assert_eq!(v["login"]["mechanism"], "PLAIN");
        }
        assert_eq!(oauth.requests().len(), asked, "{:#?}", &oauth.requests()[asked..]);
    }

    #[test]
    fn the_other_introspection_modes_work_too() {
        for mode in [IntrospectionMode::Auth, IntrospectionMode::Get] {
            let (oauth, d) = start(mode);
            let u = d.add_user(&unique_user("oauth"), PASSWORD, None);
            oauth.grant(TOKEN, &u.name);
            let [imaps, _, pop3s, _] = sources(&d, &u.name);
            for (source, mech) in [(&imaps, "oauthbearer"), (&pop3s, "xoauth2")] {
                let (code, v, _, err) = probe(&d, source, mech, TOKEN);
                assert_eq!(
                    code,
                    Some(0),
                    "{mode:?} {source} {mech}: {err}\n{}\n{:#?}",
                    d.log_tail(20),
                    oauth.requests()
                );
                assert_eq!(v["login"]["ok"], true);
            }
            assert_eq!(oauth.asked_about(TOKEN), 2, "{mode:?}: {:#?}", oauth.requests());
            assert!(oauth.requests().iter().all(|r| r.method == "GET"), "{:#?}", oauth.requests());
        }
    }

    #[test]
    fn bad_tokens_are_refused_with_exit_2_a_clear_error_and_never_shown() {
        let (oauth, d) = start(IntrospectionMode::Post);
        let u = d.add_user(&unique_user("oauth"), PASSWORD, None);
        let other = d.add_user(&unique_user("oauth"), "other-user-Pw#2", None);
        let unknown = "ya29.unknown-Token-4";
        let revoked = "ya29.revoked-Token-2";
        let others = "ya29.other-users-Token-3";
        oauth.grant(revoked, &u.name);
        oauth.revoke(revoked);
        oauth.grant(others, &other.name);
        let [imaps, imap, pop3s, pop3] = sources(&d, &u.name);
        let mut cases = Vec::new();
        for source in [&imaps, &imap, &pop3s, &pop3] {
            for mech in ["xoauth2", "oauthbearer"] {
                cases.push((unknown, source, mech));
            }
        }
        // An inactive token, and a live token of another user (Dovecot compares the user name
        // the introspection answers with the login name).
        cases.extend([
            (revoked, &imaps, "xoauth2"),
            (revoked, &pop3, "oauthbearer"),
            (others, &imap, "oauthbearer"),
            (others, &pop3s, "xoauth2"),
        ]);
        for (token, source, mech) in cases {
            let before = oauth.asked_about(token);
            let (code, v, stdout, stderr) = probe(&d, source, mech, token);
            let case = format!("{source} {mech} {token}");
            assert_eq!(code, Some(2), "{case}: {stderr}\n{v:#}");
            let login = &v["login"];
            assert_eq!(login["ok"], false, "{case}: {v:#}");
            assert_eq!(login["mechanism"], mech.to_ascii_uppercase(), "{case}: {v:#}");
            let message = login["message"].as_str().unwrap_or_else(|| panic!("{case}: a message: {v:#}"));
            assert!(message.contains("Authentication failed"), "{case}: {message}");
            // The error report the mechanism sent as a challenge was answered and is quoted.
            assert!(message.contains("server said: {\"status\""), "{case}: {message}");
            assert!(!message.contains("code: None") && !message.contains("info: Some"), "{case}: {message}");
            assert!(v["tls"]["version"].is_string(), "{case}: what was learned before login is kept");
            assert!(
                !stdout.contains(token) && !stderr.contains(token),
                "{case}: the token is shown:\n{stdout}\n{stderr}"
            );
            assert_eq!(oauth.asked_about(token), before + 1, "{case}: Dovecot asked the token server");
        }

        // Each secret goes only to its own passdb: a password is no token, a token no password.
        let (code, v, _, _) = probe(&d, &imaps, "xoauth2", PASSWORD);
        assert_eq!((code, &v["login"]["ok"]), (Some(2), &Value::Bool(false)), "{v:#}");
        oauth.grant(TOKEN, &u.name);
        let asked = oauth.asked_about(TOKEN);
        for mech in ["plain", "login"] {
            let (code, v, stdout, stderr) = probe(&d, &pop3s, mech, TOKEN);
            assert_eq!(code, Some(2), "{mech}: {v:#}");
            assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
        }
        assert_eq!(oauth.asked_about(TOKEN), asked, "a password login never reaches the token server");

        // Outside probe, a refused token is a one-line error on stderr with a hint, exit 2.
        for source in [&imaps, &pop3s] {
            let out = run(&d, &["usage", source, "--auth", "oauthbearer"], revoked);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{source}: {stderr}");
            assert!(stderr.contains("OAUTHBEARER") && stderr.contains("Authentication failed"), "{source}: {stderr}");
            assert!(stderr.contains("hint:") && stderr.contains("token"), "{source}: {stderr}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(!stdout.contains(revoked) && !stderr.contains(revoked), "{source}:\n{stdout}\n{stderr}");
        }
    }

    #[test]
    fn usage_measures_the_mailbox_with_a_token() {
        let (oauth, d) = start(IntrospectionMode::Post);
        let u = d.add_user(&unique_user("oauth"), PASSWORD, Some(10_000_000));
        oauth.grant(TOKEN, &u.name);
        let msgs: Vec<SeedMessage> = (0..5)
            .map(|i| {
                let raw = message("a@example.org", &format!("m{i}"), "Mon, 01 Jan 2024 10:00:00 +0000", 1_000 + i * 10);
                SeedMessage::new(if i < 3 { "INBOX" } else { "Archive" }, raw)
            })
            .collect();
        d.seed(&u.name, &msgs);
        let want = d.mailbox_status(&u.name, "INBOX").vsize + d.mailbox_status(&u.name, "Archive").vsize;
        let [imaps, imap, pop3s, _] = sources(&d, &u.name);
        for (source, mech) in [(&imaps, "xoauth2"), (&imap, "oauthbearer")] {
            let out = run(&d, &["usage", source, "--auth", mech], TOKEN);
            assert_eq!(out.status.code(), Some(0), "{source}: {}", String::from_utf8_lossy(&out.stderr));
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let account = &v["accounts"][0];
            assert_eq!(account["totals"]["messages"], 5, "{account:#}");
            assert_eq!(account["totals"]["bytes"], want, "{account:#}");
            assert_eq!(account["quota"]["roots"][0]["name"], "User quota", "{account:#}");
            assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
        }
        // POP3 sees the INBOX only.
        let out = run(&d, &["usage", &pop3s, "--auth", "oauthbearer"], TOKEN);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["accounts"][0]["totals"]["messages"], 3, "{v:#}");
        assert_eq!(v["accounts"][0]["totals"]["bytes"], d.mailbox_status(&u.name, "INBOX").vsize, "{v:#}");
        assert_eq!(oauth.asked_about(TOKEN), 3);
    }

    /// `deleters watch` logs in on its own raw IMAP connection (not async-imap's): a token
    /// works there too, and a refused one is answered as the mechanism says, so the error is
    /// Dovecot's reason and not an "aborted by client".
    #[test]
    fn deleters_watch_logs_in_with_a_token() {
        let (oauth, d) = start(IntrospectionMode::Post);
        let u = d.add_user(&unique_user("oauth"), PASSWORD, None);
        oauth.grant(TOKEN, &u.name);
        let [imaps, ..] = sources(&d, &u.name);
        for mech in ["xoauth2", "oauthbearer"] {
            let out = run(&d, &["deleters", "watch", &imaps, "--auth", mech, "--for", "1s"], TOKEN);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{mech}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(stdout.contains(r#""event":"started""#), "{mech}: {stdout}");
            assert!(!stdout.contains(TOKEN));

            let out = run(&d, &["deleters", "watch", &imaps, "--auth", mech, "--for", "1s"], "ya29.expired-Token-5");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{mech}: {stderr}");
            assert!(stderr.contains("Authentication failed") && !stderr.contains("aborted"), "{mech}: {stderr}");
            assert!(stderr.contains("access token"), "{mech}: {stderr}");
            assert!(!stderr.contains("ya29.expired-Token-5"));
        }
    }
}
