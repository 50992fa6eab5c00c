//! `mailsweep bounces` (issue #6): the fixture corpus (tests/fixtures/bounces, written for
//! this project) and ordinary mail seeded into a real Dovecot, read over IMAP, as a
//! Maildir and as an mbox; the sample mailbox; usage errors. The expectations are written
//! here from the fixtures' text, never taken from mailsweep's output.

use std::path::{Path, PathBuf};
use std::process::Output;

use mailsweep::model::bounce::Class;
use mailsweep::report::bounces::Document;

use crate::support::dovecot::now_unix;
use crate::support::{Dovecot, SeedMessage, TestDir, User, mailsweep, message, unique_user};

const PASSWORD: &str = "pw-bounce-4Tz";
const DAY: i64 = 86_400;

/// One failed recipient: (recipient, class, status).
type Want = (&'static str, Class, Option<&'static str>);

/// Each bounce fixture and its failed recipients.
const EXPECTED: &[(&str, &[Want])] = &[
    ("postfix-quota", &[("henri.martin@olivier.example", Class::Quota, Some("5.2.2"))]),
    ("postfix-too-large", &[("ines@fougere.example", Class::TooLarge, Some("5.3.4"))]),
    (
        "postfix-two-recipients",
        &[
            ("b.renard@chataigne.example", Class::UnknownUser, Some("5.1.1")),
            ("contact@erable-typo.example", Class::UnknownHost, Some("5.4.4")),
        ],
    ),
    ("exim-no-such-user", &[("oskar@sapin.example", Class::UnknownUser, None)]),
    ("exim-mailbox-full", &[("lena.vogt@ahorn.example", Class::Quota, None)]),
    ("qmail-host-not-found", &[("pia@peuplier-old.example", Class::UnknownHost, Some("5.1.2"))]),
    ("qmail-disc-quota", &[("victor@saule.example", Class::Quota, Some("5.2.2"))]),
    ("exchange-online-ndr", &[("pedro.alves@castanheiro.example", Class::UnknownUser, Some("5.1.10"))]),
    ("gmail-failure", &[("haruto@kaede.example", Class::UnknownUser, Some("5.1.1"))]),
    ("gmail-delay", &[("ben@hetre.example", Class::Temporary, Some("4.4.1"))]),
    ("sendmail-user-unknown", &[("karl.weiss@pappel.example", Class::UnknownUser, Some("5.1.1"))]),
    ("sendmail-host-unknown", &[("otto@nowhere-host.example", Class::UnknownHost, Some("5.1.2"))]),
    ("malformed-truncated-report", &[("tom.hardy@thym.example", Class::Quota, Some("5.2.2"))]),
    ("malformed-missing-status", &[("zoe@persil.example", Class::UnknownUser, None)]),
    ("malformed-garbage-charset", &[("max.müller@tanne.example", Class::UnknownUser, Some("5.1.1"))]),
];

/// Fixtures that are not bounces (a success report, a read receipt, a postmaster notice,
/// a reply about a bounce, an out-of-office reply).
const NOT_BOUNCES: &[&str] =
    &["not-success-dsn", "not-read-receipt", "not-postmaster-notice", "not-reply-about-bounce", "not-out-of-office"];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces").join(format!("{name}.eml"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Ordinary mail, one of it big (a bounce search must never download it).
fn ordinary() -> Vec<Vec<u8>> {
    vec![
        message("Claire <claire@lavande.example>", "Lunch on Friday?", "Mon, 03 Mar 2025 10:00:00 +0000", 800),
        message("Paul <paul@lavande.example>", "Quarterly figures", "Tue, 04 Mar 2025 10:00:00 +0000", 2_000_000),
        message("Newsletter <news@mimosa.example>", "Delivery of your order", "Wed, 05 Mar 2025 10:00:00 +0000", 3000),
    ]
}

fn run(sandbox: &TestDir, args: &[&str]) -> Output {
    mailsweep(sandbox).args(args).env("MAILSWEEP_PASSWORD", PASSWORD).output().expect("run mailsweep")
}

/// The JSON document of a run that must exit `code`.
fn document(out: &Output, code: i32) -> Document {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

type Row = (String, Class, Option<String>);

fn rows(doc: &Document) -> Vec<Row> {
    let mut rows: Vec<Row> =
        doc.bounces.iter().map(|b| (b.recipient.clone().unwrap_or_default(), b.class, b.status.clone())).collect();
    rows.sort();
    rows
}

fn expected() -> Vec<Row> {
    let mut rows: Vec<Row> = EXPECTED
        .iter()
        .flat_map(|(_, r)| r.iter())
        .map(|(to, class, status)| (to.to_string(), *class, status.map(str::to_string)))
        .collect();
    rows.sort();
    rows
}

/// Seeds every fixture and the ordinary mail into INBOX, arrived `days_ago` days ago.
fn seeded(d: &Dovecot, days_ago: i64) -> (User, u64) {
    let u = d.add_user(&unique_user("bnc"), PASSWORD, None);
    let date = now_unix() - days_ago * DAY;
    let mut msgs: Vec<SeedMessage> = EXPECTED
        .iter()
        .map(|(n, _)| n)
        .chain(NOT_BOUNCES)
        .map(|n| SeedMessage::new("INBOX", fixture(n)).date(date))
        .collect();
    msgs.extend(ordinary().into_iter().map(|raw| SeedMessage::new("INBOX", raw).date(date)));
    let total: u64 = msgs.iter().map(|m| crate::support::dovecot::vsize(&m.raw)).sum();
    d.seed(&u.name, &msgs);
    (u, total)
}

fn imap(d: &Dovecot, user: &str) -> String {
    format!("imap://{user}@127.0.0.1:{}", d.imap_port)
}

/// `body_bytes=N` of Dovecot's logout lines for `user`.
fn body_bytes(d: &Dovecot, user: &str) -> Vec<u64> {
    let prefix = format!("imap({user})");
    d.log()
        .lines()
        .filter(|l| l.contains(&prefix) && l.contains("Logged out"))
        .map(|l| {
            let v = l.split("body_bytes=").nth(1).unwrap_or_else(|| panic!("no body_bytes in {l}"));
            v.split_whitespace().next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn imap_finds_and_classifies_every_bounce_reading_only_report_parts() {
    let d = Dovecot::start();
    let (u, total) = seeded(&d, 3);
    let sandbox = TestDir::new();
    // A quota bounce is found: WARNING.
    let doc = document(&run(&sandbox, &["bounces", &imap(&d, &u.name), "--plaintext", "--format", "json"]), 1);
    assert_eq!(rows(&doc), expected());
    assert_eq!(doc.status, "warning");
    assert_eq!(doc.summary.messages, EXPECTED.len() as u64);
    assert_eq!(doc.summary.by_class[&Class::Quota], 4);
    assert_eq!(doc.summary.by_class[&Class::UnknownUser], 7);
    assert_eq!(doc.folders, ["INBOX"]);
    // Every row is a UID with its UIDVALIDITY, and no ordinary mail is reported.
    assert!(doc.bounces.iter().all(|b| b.uid.is_some() && b.uidvalidity.is_some() && b.folder == "INBOX"));
    for b in &doc.bounces {
        let subject = b.subject.as_deref().unwrap_or("");
        assert!(
            ![
                "Lunch",
                "Quarterly",
                "Delivery of your order",
                "Read:",
                "Re:",
                "Automatic reply",
                "Planned",
                "Successful"
            ]
            .iter()
            .any(|s| subject.contains(s)),
            "{subject}"
        );
    }
    // Original subjects come from returned headers (never from a returned body).
    let subject_of =
        |to: &str| doc.bounces.iter().find(|b| b.recipient.as_deref() == Some(to)).unwrap().original_subject.clone();
    assert_eq!(subject_of("pedro.alves@castanheiro.example").as_deref(), Some("Orçamento da obra"));
    assert_eq!(subject_of("henri.martin@olivier.example").as_deref(), Some("Compte rendu de la réunion"));
    assert_eq!(subject_of("haruto@kaede.example").as_deref(), Some("月曜日の予定"));
    // Candidates only: bounces plus the daemon-sent or report-typed ordinary ones.
    assert!(doc.scan.candidates <= (EXPECTED.len() + NOT_BOUNCES.len()) as u64, "{:?}", doc.scan);
    // What crossed the wire: small report parts, never the 2 MB message or the PDF
    // returned inside the Exchange report.
    let bytes = body_bytes(&d, &u.name);
    assert_eq!(bytes.len(), 1, "one session");
    eprintln!("body_bytes={} for {} candidates, {total} bytes stored", bytes[0], doc.scan.candidates);
    assert!(bytes[0] < 64 * 1024 && bytes[0] * 100 < total, "body_bytes={} of {total} stored", bytes[0]);
    // Reading bounces leaves them unread (BODY.PEEK).
    assert_eq!(d.mailbox_status(&u.name, "INBOX").unseen, (EXPECTED.len() + NOT_BOUNCES.len() + 3) as u64);
}

#[test]
fn maildir_and_mbox_give_the_same_bounces_as_imap() {
    let d = Dovecot::start();
    let (u, _) = seeded(&d, 2);
    let sandbox = TestDir::new();
    let via_imap = document(
        &run(&sandbox, &["bounces", &imap(&d, &u.name), "--plaintext", "--format", "json", "--since", "10000d"]),
        1,
    );
    let maildir = format!("maildir:{}", u.maildir().display());
    let via_maildir = document(&run(&sandbox, &["bounces", &maildir, "--format", "json", "--since", "10000d"]), 1);
    let detail = |doc: &Document| {
        let mut v: Vec<_> = doc
            .bounces
            .iter()
            .map(|b| {
                (
                    b.recipient.clone(),
                    b.class,
                    b.status.clone(),
                    b.diagnostic.clone(),
                    b.original_subject.clone(),
                    b.mta,
                    b.complete,
                    b.size,
                )
            })
            .collect();
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    };
    assert_eq!(detail(&via_maildir), detail(&via_imap));
    assert_eq!(rows(&via_maildir), expected());

    // The same messages as one mbox file (every file of an mbox source is read).
    let mut mbox = Vec::new();
    for name in EXPECTED.iter().map(|(n, _)| n).chain(NOT_BOUNCES) {
        mbox.extend_from_slice(b"From MAILER-DAEMON Mon Mar  3 09:14:02 2025\n");
        for line in fixture(name).split_inclusive(|&b| b == b'\n') {
            if line.starts_with(b"From ") {
                mbox.push(b'>');
            }
            mbox.extend_from_slice(line);
        }
        mbox.extend_from_slice(b"\n");
    }
    let path: PathBuf = sandbox.write("mail/bounces.mbox", mbox);
    let via_mbox = document(
        &run(&sandbox, &["bounces", &format!("mbox:{}", path.display()), "--format", "json", "--since", "2025-01-01"]),
        1,
    );
    assert_eq!(rows(&via_mbox), expected());
    assert!(via_mbox.bounces.iter().all(|b| b.folder == "bounces.mbox" && b.offset.is_some()));
}

#[test]
fn the_period_and_folders_choose_what_is_read() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("bncp"), PASSWORD, None);
    let now = now_unix();
    d.seed(
        &u.name,
        &[
            SeedMessage::new("INBOX", fixture("postfix-quota")).date(now - 40 * DAY),
            SeedMessage::new("INBOX", fixture("exim-no-such-user")).date(now - 5 * DAY),
            SeedMessage::new("Archives/2025", fixture("qmail-host-not-found")).date(now - 5 * DAY),
        ],
    );
    let sandbox = TestDir::new();
    let src = imap(&d, &u.name);
    // Default: INBOX, 30 days. No quota bounce in range: OK.
    let doc = document(&run(&sandbox, &["bounces", &src, "--plaintext", "--format", "json"]), 0);
    assert_eq!(rows(&doc), [("oskar@sapin.example".to_string(), Class::UnknownUser, None)]);
    assert_eq!(doc.status, "ok");
    let doc = document(&run(&sandbox, &["bounces", &src, "--plaintext", "--format", "json", "--since", "60d"]), 1);
    assert_eq!(doc.summary.messages, 2);
    let doc = document(
        &run(&sandbox, &["bounces", &src, "--plaintext", "--format", "json", "--folder", "arch*", "--folder", "INBOX"]),
        0,
    );
    let mut folders: Vec<&str> = doc.bounces.iter().map(|b| b.folder.as_str()).collect();
    folders.sort();
    assert_eq!(folders, ["Archives/2025", "INBOX"]);
    // The table names the class and the guide's advice.
    let out = run(&sandbox, &["bounces", &src, "--plaintext", "--folder", "*"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unknown user") && text.contains("unknown domain"), "{text}");
    assert!(text.contains("check its spelling") && text.contains("check the domain's spelling"), "{text}");
}

#[test]
fn the_sample_mailbox_shows_its_five_bounces() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample/Maildir");
    let sandbox = TestDir::new();
    let src = format!("maildir:{}", sample.display());
    let doc = document(&run(&sandbox, &["bounces", &src, "--since", "10000d", "--format", "json"]), 1);
    let want: Vec<Row> = vec![
        ("jo@example.com".into(), Class::UnknownHost, Some("5.1.2".into())),
        ("lea@example.org".into(), Class::TooLarge, Some("5.3.4".into())),
        ("marc@example.com".into(), Class::UnknownUser, Some("5.1.1".into())),
        ("nobody@example.net".into(), Class::UnknownUser, Some("5.1.1".into())),
        ("paul@full.example.org".into(), Class::Quota, Some("5.2.2".into())),
    ];
    assert_eq!(rows(&doc), want);
    let out = run(&sandbox, &["bounces", &src, "--since", "10000d"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("5 failed recipients in 5 bounces"), "{text}");
    assert!(text.contains("tell them by another channel"), "{text}");
}

#[test]
fn usage_errors_exit_3_with_a_hint() {
    let sandbox = TestDir::new();
    let sample = format!("maildir:{}", Path::new(env!("CARGO_MANIFEST_DIR")).join("sample/Maildir").display());
    for args in [
        vec!["bounces", "pop3s://alice@127.0.0.1:1", "--folder", "Sent"],
        vec!["bounces", &sample, "--format", "nagios"],
        vec!["bounces", &sample, "--since", "soon"],
        vec!["bounces", &sample, "--folder", "a[b"],
    ] {
        let out = run(&sandbox, &args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty());
    }
    let out = run(&sandbox, &["bounces", "pop3s://alice@127.0.0.1:1", "--folder", "Sent"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not available over POP3") && err.contains("hint: use the IMAP address"), "{err}");
}

/// Issue #6: POP3 cannot search, so candidates come from `TOP n 0` headers; with
/// `--download-candidates` only they are retrieved and classified like IMAP's, without it
/// they are listed and the report says classifying needs the download. Ordinary mail is
/// never reported, and nothing is deleted.
#[test]
fn pop3_lists_candidates_by_headers_and_classifies_them_when_downloaded() {
    let d = Dovecot::start();
    let (u, _) = seeded(&d, 3);
    let sandbox = TestDir::new();
    let pop = format!("pop3://{}@127.0.0.1:{}", u.name, d.pop3_port);
    let stored = d.mailbox_status(&u.name, "INBOX").messages;
    // The fixtures' Date: headers are old: the period must reach them.
    let since = ["--since", "2000-01-01"];
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = ["bounces", pop.as_str(), "--plaintext", "--format", "json"].map(String::from).into();
        v.extend(since.iter().chain(extra).map(|s| s.to_string()));
        v
    };
    let argv = args(&["--download-candidates"]);
    let doc = document(&run(&sandbox, &argv.iter().map(String::as_str).collect::<Vec<_>>()), 1);
    assert_eq!(rows(&doc), expected());
    assert_eq!(doc.status, "warning");
    assert_eq!(doc.summary.messages, EXPECTED.len() as u64);
    assert!(doc.bounces.iter().all(|b| b.folder == "INBOX" && b.uid.is_none()));
    for b in &doc.bounces {
        let subject = b.subject.as_deref().unwrap_or("");
        assert!(!["Lunch", "Quarterly", "Delivery of your order"].iter().any(|s| subject.contains(s)), "{subject}");
    }
    assert!(doc.scan.candidates >= EXPECTED.len() as u64, "{:?}", doc.scan);
    assert!(doc.scan.candidates <= (EXPECTED.len() + NOT_BOUNCES.len()) as u64, "{:?}", doc.scan);
    // Without the download: the candidates are listed, none classified.
    let argv = args(&[]);
    let doc = document(&run(&sandbox, &argv.iter().map(String::as_str).collect::<Vec<_>>()), 0);
    assert!(doc.bounces.is_empty());
    assert!(doc.notes.iter().any(|n| n.contains("needs --download-candidates")), "{:?}", doc.notes);
    let listed: Vec<&String> = doc.notes.iter().filter(|n| n.starts_with("candidate: ")).collect();
    assert_eq!(listed.len() as u64, doc.scan.candidates, "{:?}", doc.notes);
    assert!(listed.len() >= EXPECTED.len(), "{listed:?}");
    assert!(listed.iter().any(|n| n.contains("X-Failed-Recipients: lena.vogt@ahorn.example")), "{listed:?}");
    for n in &listed {
        assert!(!["Lunch", "Quarterly", "Delivery of your order"].iter().any(|s| n.contains(s)), "{n}");
    }
    // A period after the fixtures' dates leaves nothing; POP3 never deletes here.
    let out = run(&sandbox, &["bounces", &pop, "--plaintext", "--format", "json", "--download-candidates"]);
    let doc = document(&out, 0);
    assert!(doc.bounces.is_empty() && doc.scan.candidates == 0, "{:?}", doc.scan);
    assert_eq!(d.mailbox_status(&u.name, "INBOX").messages, stored);
    // The flag is for POP3 only.
    let out = run(&sandbox, &["bounces", &imap(&d, &u.name), "--plaintext", "--download-candidates"]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
}
