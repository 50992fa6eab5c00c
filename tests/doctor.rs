//! `mailsweep doctor` (issue #6) against a real Dovecot: a mailbox seeded to break every
//! rule gives every finding with the numbers `doveadm` reports; a clean one gives nothing
//! worse than info; the sample mailbox gives a meaningful checkup. The expectations come
//! from what the seed puts in and from doveadm, never from mailsweep's own output.

use std::process::Output;

use mailsweep::model::bounce::Class;
use mailsweep::model::doctor::{Check, Facts, LogKind, Role, Severity};
use mailsweep::report::doctor::{Document, JsonFinding};

use crate::support::corpus::{base64_lines, noise};
use crate::support::dovecot::{now_unix, vsize};
use crate::support::{Dovecot, SeedMessage, TestDir, User, mailsweep, message, unique_user};

const PASSWORD: &str = "pw-doctor-7Qm";
const DAY: i64 = 86_400;

fn run(sandbox: &TestDir, args: &[&str]) -> Output {
    mailsweep(sandbox).env("MAILSWEEP_PASSWORD", PASSWORD).env("TZ", "UTC").args(args).output().expect("run mailsweep")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn document(out: &Output, code: i32) -> Document {
    assert_eq!(out.status.code(), Some(code), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

fn imap(d: &Dovecot, user: &str) -> String {
    format!("imap://{user}@127.0.0.1:{}", d.imap_port)
}

/// A message with one base64 attachment of `decoded` random bytes (CRLF, so its size is
/// its vsize).
fn with_attachment(subject: &str, decoded: usize, seed: u64) -> Vec<u8> {
    let mut m = format!(
        "From: Paul <paul@lavande.example>\r\nTo: user@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 03 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nSee the attached file.\r\n--b1\r\n\
         Content-Type: application/zip; name=\"plans.zip\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"plans.zip\"\r\n\r\n"
    )
    .into_bytes();
    m.extend(base64_lines(&noise(decoded, seed)));
    m.extend_from_slice(b"\r\n--b1--\r\n");
    m
}

fn bounce_fixture() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces/postfix-quota.eml");
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Two machines fetching the box by POP every minute and deleting what they download.
fn deleting_pop_log(user: &str) -> String {
    let mut log = String::new();
    for i in 0..20 {
        let (rip, pid) = if i % 2 == 0 { ("203.0.113.50", 5000 + i) } else { ("198.51.100.7", 7000 + i) };
        let (h, m) = (10 + i / 60, i % 60);
        log += &format!(
            "Nov 20 {h:02}:{m:02}:00 mail dovecot[812]: pop3-login: Login: user=<{user}>, method=PLAIN, rip={rip}, lip=192.0.2.1, mpid={pid}, TLS, session=<s{i}>\n\
             Nov 20 {h:02}:{m:02}:02 mail dovecot[812]: pop3({user})<{pid}><s{i}>: Disconnected: Logged out top=0/0, retr=1/4000, del=1/1, size=4000\n"
        );
    }
    log
}

struct Seeded {
    user: User,
    inbox_vsize: u64,
    inbox_messages: u64,
    sent_vsize: u64,
    attachment_message_vsize: u64,
}

/// A box that breaks every rule: nearly full, INBOX over 100 MB (compressible text), a big
/// old Sent folder and a second one from Outlook, a Trash, Junk with unread spam, big
/// attachments, and a bounce.
fn seed_sick(d: &Dovecot) -> Seeded {
    let name = unique_user("doc");
    let now = now_unix();
    let mut msgs = Vec::new();
    // 25 text messages of 4.2 MB: over 100 MB together, each under the 5 MiB at which the
    // attachments engine reports a part (bodies included).
    for i in 0..25 {
        let raw = message(
            "Claire <claire@lavande.example>",
            &format!("Scan {i}"),
            "Mon, 03 Mar 2025 10:00:00 +0000",
            4_200_000,
        );
        msgs.push(SeedMessage::new("INBOX", raw).date(now - (300 - i) * DAY).flags("S"));
    }
    msgs.push(SeedMessage::new("INBOX", bounce_fixture()).date(now - 5 * DAY));
    for i in 0..40 {
        let raw = message("Me <user@example.org>", &format!("Reply {i}"), "Mon, 03 Mar 2025 10:00:00 +0000", 500_000);
        msgs.push(SeedMessage::new("Sent", raw).date(now - (700 - i * 17) * DAY).flags("S"));
    }
    for i in 0..3 {
        let raw = message("Me <user@example.org>", &format!("Outlook {i}"), "Mon, 03 Mar 2025 10:00:00 +0000", 2_000);
        msgs.push(SeedMessage::new("Éléments envoyés", raw).date(now - (20 - i) * DAY).flags("S"));
    }
    for i in 0..20 {
        let raw = message("Old <old@example.org>", &format!("Deleted {i}"), "Mon, 03 Mar 2025 10:00:00 +0000", 20_000);
        msgs.push(SeedMessage::new("Trash", raw).date(now - (90 - i) * DAY).flags("S"));
    }
    for i in 0..6 {
        let raw = message("Spam <spam@junk.example>", &format!("Offer {i}"), "Mon, 03 Mar 2025 10:00:00 +0000", 3_000);
        msgs.push(SeedMessage::new("Junk", raw).date(now - (40 - i * 5) * DAY).flags(if i < 2 { "S" } else { "" }));
    }
    for i in 0..2 {
        let raw = with_attachment(&format!("Plans {i}"), 6 * 1024 * 1024, 7 + i);
        msgs.push(SeedMessage::new("Projects", raw).date(now - 60 * DAY).flags("S"));
    }
    let total: u64 = msgs.iter().map(|m| vsize(&m.raw)).sum();
    let inbox: Vec<&SeedMessage> = msgs.iter().filter(|m| m.folder == "INBOX").collect();
    let seeded = Seeded {
        inbox_vsize: inbox.iter().map(|m| vsize(&m.raw)).sum(),
        inbox_messages: inbox.len() as u64,
        sent_vsize: msgs.iter().filter(|m| m.folder == "Sent").map(|m| vsize(&m.raw)).sum(),
        attachment_message_vsize: msgs.iter().filter(|m| m.folder == "Projects").map(|m| vsize(&m.raw)).sum(),
        // About 97% full.
        user: d.add_user(&name, PASSWORD, Some(total * 100 / 97)),
    };
    d.seed(&name, &msgs);
    seeded
}

fn find(doc: &Document, check: Check, pred: impl Fn(&JsonFinding) -> bool) -> &JsonFinding {
    doc.findings
        .iter()
        .find(|f| f.check == check && pred(f))
        .unwrap_or_else(|| panic!("no {check:?} finding in {:#?}", doc.findings))
}

#[test]
fn a_mailbox_that_breaks_every_rule_gives_every_finding_with_its_numbers() {
    let d = Dovecot::start();
    let s = seed_sick(&d);
    let user = &s.user.name;
    let sandbox = TestDir::new();
    let log = sandbox.write("dovecot.log", deleting_pop_log(user));
    let pop3 = format!("pop3://{user}@127.0.0.1:{}", d.pop3_port);
    let src = imap(&d, user);
    let args = ["doctor", &src, "--plaintext", "--format", "json", "--pop3", &pop3, "--logs", log.to_str().unwrap()];
    let doc = document(&run(&sandbox, &args), 2);
    assert_eq!(
        (doc.schema_version, doc.command.as_str(), doc.status, doc.exit_code),
        (1, "doctor", Severity::Critical, 2)
    );
    assert!(doc.findings.windows(2).all(|w| w[0].severity >= w[1].severity), "sorted by urgency");

    // Quota: the numbers doveadm reports (KiB on the wire), and what still fits.
    let q = d.quota_storage(user);
    let quota = find(&doc, Check::Quota, |_| true);
    assert_eq!(quota.severity, Severity::Critical);
    assert_eq!(quota.rule.guides, ["000", "004"]);
    match &quota.facts {
        Facts::Quota { used, limit, left, typical_message, messages_left, .. } => {
            assert_eq!(*used, q.value * 1024);
            assert_eq!(*limit, q.limit.unwrap() * 1024);
            assert_eq!(*left, limit - used);
            let inbox = d.mailbox_status(user, "INBOX");
            assert_eq!((inbox.vsize, inbox.messages), (s.inbox_vsize, s.inbox_messages));
            assert_eq!(*typical_message, s.inbox_vsize.div_ceil(s.inbox_messages));
            assert_eq!(*messages_left, left / typical_message);
        }
        other => panic!("{other:?}"),
    }
    assert!(quota.fix.command.as_deref().unwrap().ends_with("--until-quota 70% --to DIR"));

    // INBOX over 100 MB.
    let big = find(&doc, Check::FolderSize, |f| f.severity == Severity::Warning);
    assert_eq!(
        big.facts,
        Facts::BigFolder {
            folder: "INBOX".into(),
            messages: s.inbox_messages,
            bytes: s.inbox_vsize,
            limit: 100_000_000,
            cutoff: "1y".into()
        }
    );

    // Sent on the server: size, age span, archive with the folder and cutoff.
    let sent = find(&doc, Check::Sent, |f| matches!(&f.facts, Facts::RoleFolder { folder, .. } if folder == "Sent"));
    assert_eq!(sent.severity, Severity::Warning);
    match &sent.facts {
        Facts::RoleFolder { messages, bytes, oldest, newest, cutoff, share_of_quota, .. } => {
            assert_eq!((*messages, *bytes), (40, s.sent_vsize));
            let (o, n) = (oldest.unwrap().as_second(), newest.unwrap().as_second());
            assert!((o - (now_unix() - 700 * DAY)).abs() < 2 * DAY, "oldest {o}");
            assert!((n - (now_unix() - (700 - 39 * 17) * DAY)).abs() < 2 * DAY, "newest {n}");
            assert_eq!(cutoff.as_deref(), Some("1y"));
            assert!(share_of_quota.unwrap() > 10.0);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sent.fix.command.as_deref(),
        Some(format!("mailsweep archive {src} --folder Sent --older-than 1y --to DIR").as_str())
    );

    // Two Sent folders: the server's \Sent and Outlook's.
    let dup = find(&doc, Check::FolderRoles, |f| f.severity == Severity::Warning);
    match &dup.facts {
        Facts::DuplicateRole { role, folders, keep } => {
            assert_eq!(*role, Role::Sent);
            let names: Vec<(&str, u64, Option<bool>)> =
                folders.iter().map(|f| (f.folder.as_str(), f.messages, f.special_use_flag)).collect();
            assert!(names.contains(&("Sent", 40, Some(true))), "{names:?}");
            assert!(names.contains(&("Éléments envoyés", 3, Some(false))), "{names:?}");
            assert_eq!(keep, "Sent");
        }
        other => panic!("{other:?}"),
    }

    // Trash and Junk.
    let trash = find(&doc, Check::Trash, |_| true);
    assert!(matches!(trash.facts, Facts::RoleFolder { messages: 20, .. }), "{trash:?}");
    assert!(trash.severity >= Severity::Info);
    assert!(trash.fix.command.as_deref().unwrap().contains("--folder Trash --include-flagged --include-unread"));
    let junk = find(&doc, Check::Junk, |_| true);
    assert_eq!(junk.severity, Severity::Warning);
    match &junk.facts {
        Facts::RoleFolder { messages, unseen, oldest, .. } => {
            assert_eq!((*messages, *unseen), (6, Some(4)));
            assert!((oldest.unwrap().as_second() - (now_unix() - 40 * DAY)).abs() < 2 * DAY);
        }
        other => panic!("{other:?}"),
    }

    // Big attachments.
    let att = find(&doc, Check::Attachments, |_| true);
    match &att.facts {
        Facts::Attachments { messages, attachments, message_bytes, share_of_quota, .. } => {
            assert_eq!((*messages, *attachments, *message_bytes), (2, 2, s.attachment_message_vsize));
            assert!(share_of_quota.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(att.fix.command.as_deref().unwrap().contains("--with-attachments-over 5MiB"));

    // The bounce: a recipient's mailbox is full.
    let b = find(&doc, Check::Bounces, |_| true);
    assert_eq!(b.severity, Severity::Warning);
    match &b.facts {
        Facts::Bounces { messages, by_class, .. } => {
            assert_eq!(*messages, 1);
            assert_eq!(by_class.len(), 1);
            assert_eq!((by_class[0].class, by_class[0].count), (Class::Quota, 1));
        }
        other => panic!("{other:?}"),
    }

    // POP: the server's policy (Dovecot announces no EXPIRE) and the logs' verdicts.
    let expire = find(&doc, Check::PopExpire, |_| true);
    assert!(matches!(&expire.facts, Facts::PopExpire { argument: None, .. }), "{expire:?}");
    let kinds: Vec<LogKind> = doc
        .findings
        .iter()
        .filter_map(|f| match &f.facts {
            Facts::LogClients { log_kind, .. } => Some(*log_kind),
            _ => None,
        })
        .collect();
    assert!(kinds.contains(&LogKind::SeveralPopClients), "{kinds:?}");
    assert!(kinds.contains(&LogKind::FrequentPolling), "{kinds:?}");
    let several = find(&doc, Check::PopDeleters, |f| {
        matches!(&f.facts, Facts::LogClients { log_kind: LogKind::SeveralPopClients, .. })
    });
    match &several.facts {
        Facts::LogClients { addresses, deleted, .. } => {
            assert_eq!(addresses.len(), 2);
            assert_eq!(*deleted, 20);
        }
        _ => unreachable!(),
    }
    assert_eq!(several.rule.guides, ["004"]);

    // Every problem has its rule and a fix.
    for f in doc.findings.iter().filter(|f| f.severity >= Severity::Warning) {
        assert!(!f.rule.text.is_empty() && !f.rule.guides.is_empty(), "{f:?}");
        assert!(f.fix.command.is_some() || f.fix.advice.is_some(), "{f:?}");
    }

    // The same run in French, as Markdown for a ticket.
    let out = run(&sandbox, &["doctor", &src, "--plaintext", "--format", "markdown", "--lang", "fr"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.contains("**CRITIQUE**"), "{md}");
    assert!(md.contains("Le dossier « INBOX » dépasse 100 Mo"), "{md}");
    assert!(md.contains("2 dossiers envoyés"), "{md}");
    assert!(md.contains("```sh\nmailsweep archive"), "{md}");
}

#[test]
fn a_clean_mailbox_gives_nothing_worse_than_info() {
    let d = Dovecot::start();
    let name = unique_user("docok");
    d.add_user(&name, PASSWORD, Some(1_000_000_000));
    let now = now_unix();
    let msgs: Vec<SeedMessage> = (0..5)
        .map(|i| {
            let raw = message(
                "Claire <claire@lavande.example>",
                &format!("Hello {i}"),
                "Mon, 03 Mar 2025 10:00:00 +0000",
                2_000,
            );
            SeedMessage::new("INBOX", raw).date(now - i * DAY).flags("S")
        })
        .collect();
    d.seed(&name, &msgs);
    let sandbox = TestDir::new();
    let src = imap(&d, &name);
    let doc = document(&run(&sandbox, &["doctor", &src, "--plaintext", "--format", "json"]), 0);
    let bad: Vec<_> = doc.findings.iter().filter(|f| f.severity > Severity::Info).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(doc.status, Severity::Info, "the POP checks say they were not run");
    assert_eq!(find(&doc, Check::Quota, |_| true).severity, Severity::Ok);
    for check in [
        Check::FolderSize,
        Check::Sent,
        Check::Trash,
        Check::Junk,
        Check::FolderRoles,
        Check::Attachments,
        Check::Bounces,
    ] {
        assert_eq!(find(&doc, check, |_| true).severity, Severity::Ok, "{check:?}");
    }
    // No snapshot history yet: said, not invented; after `deleters snapshot`, its verdict.
    let history = |doc: &Document| {
        doc.findings.iter().find_map(|f| match &f.facts {
            Facts::Snapshot { runs, .. } => Some(*runs),
            Facts::Skipped { reason, .. } if reason.contains("no snapshot history") => Some(0),
            _ => None,
        })
    };
    assert_eq!(history(&doc), Some(0), "{:#?}", doc.findings);
    let snap = run(&sandbox, &["deleters", "snapshot", &src, "--plaintext"]);
    assert_eq!(snap.status.code(), Some(0), "{}", text(&snap.stderr));
    let doc = document(&run(&sandbox, &["doctor", &src, "--plaintext", "--format", "json"]), 0);
    assert_eq!(history(&doc), Some(1), "{:#?}", doc.findings);
    let out = run(&sandbox, &["doctor", &src, "--plaintext"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("Quota 0.0% used") || text(&out.stdout).contains("% used"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn the_sample_mailbox_gets_a_meaningful_checkup() {
    let sandbox = TestDir::new();
    let sample = format!("maildir:{}/sample/Maildir", env!("CARGO_MANIFEST_DIR"));
    let doc = document(&run(&sandbox, &["doctor", &sample, "--format", "json", "--bounces-since", "10000d"]), 1);
    let checks: Vec<Check> = doc.findings.iter().filter(|f| f.severity == Severity::Warning).map(|f| f.check).collect();
    for want in [Check::Sent, Check::Junk, Check::FolderRoles, Check::Bounces] {
        assert!(checks.contains(&want), "{want:?} in {checks:?}");
    }
    assert!(doc.notes.iter().any(|n| n.contains("local stores")), "{:?}", doc.notes);
    // French from the locale, English by default.
    let out = mailsweep(&sandbox).env("LANG", "fr_FR.UTF-8").args(["doctor", &sample]).output().unwrap();
    assert!(text(&out.stdout).starts_with("Bilan de "), "{}", text(&out.stdout));
    let out = run(&sandbox, &["doctor", &sample, "--format", "markdown"]);
    assert!(text(&out.stdout).starts_with("## mailsweep doctor: `maildir:"), "{}", text(&out.stdout));
}

#[test]
fn usage_errors_exit_3() {
    let sandbox = TestDir::new();
    for args in [
        &["doctor", "maildir:/nonexistent", "--format", "nagios"][..],
        &["doctor", "maildir:/x", "--logs", "/var/log/none.log"],
        &["doctor", "maildir:/x", "--pop3", "pop3s://a@h"],
        &["doctor", "maildir:/x", "--bounces-since", "soon"],
    ] {
        let out = run(&sandbox, args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out.stderr));
    }
}

/// Issue #6: with `--lang fr`, the reasons a check was not run and doctor's own notes are
/// French too; JSON keeps the English `reason` and adds the stable `cause`.
#[test]
fn french_checkups_explain_skipped_checks_in_french() {
    let sandbox = TestDir::new();
    let sample = format!("maildir:{}/sample/Maildir", env!("CARGO_MANIFEST_DIR"));
    let out = run(&sandbox, &["doctor", &sample, "--lang", "fr"]);
    let fr = text(&out.stdout);
    assert!(fr.contains("Non vérifié : "), "{fr}");
    assert!(fr.contains("aucun journal du serveur"), "{fr}");
    assert!(fr.contains("un dossier local n'a pas de serveur POP"), "{fr}");
    assert!(!fr.contains("no server logs given") && !fr.contains("a local store has no POP server"), "{fr}");
    assert!(!fr.contains("archive does not work on local stores"), "{fr}");
    let doc = document(&run(&sandbox, &["doctor", &sample, "--format", "json", "--lang", "fr"]), 1);
    let skipped: Vec<_> = doc.findings.iter().filter(|f| matches!(f.facts, Facts::Skipped { .. })).collect();
    assert!(!skipped.is_empty(), "{:#?}", doc.findings);
    for f in skipped {
        let Facts::Skipped { reason, cause, .. } = &f.facts else { unreachable!() };
        assert_eq!(reason, &cause.text(mailsweep::model::doctor::Lang::En));
        assert_eq!(f.evidence, [cause.text(mailsweep::model::doctor::Lang::Fr)]);
    }
}
