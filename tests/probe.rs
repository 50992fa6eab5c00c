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
