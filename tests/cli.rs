//! The command line without a server: arguments, config, secrets, local stores, exit codes.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::{TestDir, mailsweep};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample/Maildir")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_and_version_succeed_and_bad_arguments_exit_3() {
    let t = TestDir::new();
    assert_eq!(mailsweep(&t).arg("--help").output().unwrap().status.code(), Some(0));
    assert_eq!(mailsweep(&t).arg("--version").output().unwrap().status.code(), Some(0));
    let out = mailsweep(&t).args(["usage", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "clap's exit 2 is mapped to UNKNOWN");
    let out = mailsweep(&t).args(["usage", "maildir:x", "--top", "many"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn passwords_in_urls_are_refused_without_echo() {
    let t = TestDir::new();
    let out = mailsweep(&t).args(["usage", "imaps://alice:hunter2@mail.example.org"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("passwords never go in the source URL"), "{err}");
    assert!(!err.contains("hunter2"));
}

#[test]
fn config_errors_exit_3_and_name_the_file() {
    let t = TestDir::new();
    let cfg = t.write("bad.toml", "[accounts.a]\nsource = \"imaps://u@h\"\npasword_command = \"x\"\n");
    let out = mailsweep(&t).args(["usage", "--config", cfg.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("pasword_command") && err.contains("hint:"), "{err}");
    let out = mailsweep(&t).args(["usage", "--config", "/nonexistent/mailsweep.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = mailsweep(&t).args(["usage"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("no source given"));
    let out = mailsweep(&t).args(["usage", "-a", "work"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn no_password_source_off_a_terminal_is_a_usage_error() {
    let t = TestDir::new();
    let out = mailsweep(&t).args(["usage", "imaps://alice@127.0.0.1:1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("no password for alice@127.0.0.1") && err.contains("MAILSWEEP_PASSWORD"), "{err}");
}

#[test]
fn sample_maildir_usage_in_every_format() {
    let t = TestDir::new();
    let src = format!("maildir:{}", sample().display());
    let out = mailsweep(&t).args(["usage", &src]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for want in ["INBOX", "Sent", "Éléments envoyés", "Junk", "Archives/2021", "Total (9 folders)"] {
        assert!(table.contains(want), "{want} in:\n{table}");
    }
    let out = mailsweep(&t).args(["usage", &src, "--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    let a = &v["accounts"][0];
    assert_eq!(a["totals"]["messages"], 180);
    let junk = a["folders"].as_array().unwrap().iter().find(|f| f["name"] == "Junk").unwrap();
    assert_eq!(
        (junk["messages"].as_u64(), junk["unseen"].as_u64(), junk["role"].as_str()),
        (Some(15), Some(10), Some("junk"))
    );
    // Dates come from the file names' delivery times, so a fresh checkout shows the same.
    assert_eq!(
        a["folders"].as_array().unwrap().iter().find(|f| f["name"] == "Archives/2021").unwrap()["oldest"],
        "2022-10-14T06:00:00Z"
    );
    let out = mailsweep(&t).args(["usage", &src, "--format", "prometheus"]).output().unwrap();
    assert!(text(&out.stdout).contains("mailsweep_folder_bytes{"), "{}", text(&out.stdout));
    let out =
        mailsweep(&t).args(["usage", &src, "--sort", "messages", "--top", "1", "--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["accounts"][0]["folders"][0]["name"], "Sent");
    assert_eq!(v["accounts"][0]["folders"].as_array().unwrap().len(), 1);
}

#[test]
fn mbox_trees_are_measured() {
    let t = TestDir::new();
    t.write("Mail/Inbox", "From a@b Mon Jan  2 15:04:05 2023\nSubject: one\n\nbody\n\nFrom a@b Tue Jan  3 15:04:05 2023\nSubject: two\n\n>From quoted\n");
    t.write("Mail/Archives.sbd/2021", "From a@b Mon Jan  4 15:04:05 2021\nSubject: old\n\nold body\n");
    t.write("Mail/Archives", "");
    t.write("Mail/Inbox.msf", "not an mbox");
    let out = mailsweep(&t)
        .args(["usage", &format!("mbox:{}", t.join("Mail").display()), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> =
        v["accounts"][0]["folders"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Inbox") && names.contains(&"Archives/2021"), "{names:?}");
    assert_eq!(v["accounts"][0]["totals"]["messages"], 3);
}

#[test]
fn local_stores_have_nothing_to_probe_and_missing_paths_exit_3() {
    let t = TestDir::new();
    let out = mailsweep(&t).args(["probe", &format!("maildir:{}", sample().display())]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("mailsweep usage"), "{}", text(&out.stderr));
    let out = mailsweep(&t).args(["usage", "maildir:/nonexistent/Maildir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("/nonexistent/Maildir"));
}

#[test]
fn config_accounts_and_password_commands() {
    let t = TestDir::new();
    t.write(
        "config/mailsweep/config.toml",
        format!("[accounts.archive]\nsource = \"maildir:{}\"\ndefault = true\n", sample().display()),
    );
    let out = mailsweep(&t).args(["usage", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["accounts"][0]["account"], "archive");
}

#[test]
fn completions_print_for_every_shell() {
    let t = TestDir::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = mailsweep(&t).args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("mailsweep"));
    }
}
