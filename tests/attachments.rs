//! `mailsweep attachments` (issue #3): against a real Dovecot, on the same corpus as a
//! Maildir and as an mbox, over POP3, and on the sample mailbox. The expectations come
//! from the corpus generator (tests/support/corpus.rs), never from mailsweep itself.

use std::process::Output;

use mailsweep::report::attachments::Document;

use crate::support::corpus::{self, CorpusMessage, Row};
use crate::support::{Dovecot, SeedMessage, TestDir, User, mailsweep, unique_user};

const PASSWORD: &str = "pw-attach-7Yq";
/// A whole number of KiB: Dovecot keeps quota limits in KiB.
const QUOTA: u64 = 200 * 1024 * 1024;
const THRESHOLDS: [u64; 3] = [50_000, 500_000, 2 * 1024 * 1024];

fn run(sandbox: &TestDir, args: &[&str]) -> Output {
    mailsweep(sandbox).args(args).env("MAILSWEEP_PASSWORD", PASSWORD).output().expect("run mailsweep")
}

fn document(out: &Output) -> Document {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The rows of a JSON document in the generator's terms, sorted.
fn rows(doc: &Document) -> Vec<Row> {
    let mut rows: Vec<Row> = doc
        .attachments
        .iter()
        .map(|a| Row {
            folder: a.place.folder.clone(),
            subject: a.place.subject.clone().unwrap_or_default(),
            part: a.part.clone(),
            filename: a.filename.clone(),
            mime_type: a.mime_type.clone(),
            disposition: serde_json::to_value(a.disposition).unwrap().as_str().unwrap().to_string(),
            size: a.size,
            forwarded: a.forwarded,
            message_size: a.message_size,
            decoded: 0,
        })
        .collect();
    rows.sort();
    rows
}

fn without_decoded(mut rows: Vec<Row>) -> Vec<Row> {
    for r in &mut rows {
        r.decoded = 0;
    }
    rows
}

fn seeded(d: &Dovecot, corpus: &[CorpusMessage], quota: Option<u64>) -> User {
    let u = d.add_user(&unique_user("att"), PASSWORD, quota);
    let msgs: Vec<SeedMessage> =
        corpus.iter().map(|m| SeedMessage::new(m.folder, m.raw.clone()).date(m.date).flags("S")).collect();
    d.seed(&u.name, &msgs);
    u
}

fn imap(d: &Dovecot, user: &str) -> String {
    format!("imap://{user}@127.0.0.1:{}", d.imap_port)
}

/// Dovecot's logout lines for `user`: `imap(user)<...>: Logged out in=... body_bytes=0`.
fn logouts(d: &Dovecot, user: &str) -> Vec<String> {
    let prefix = format!("imap({user})");
    d.log().lines().filter(|l| l.contains(&prefix) && l.contains("Logged out")).map(str::to_string).collect()
}

#[test]
fn imap_equals_the_generator_at_several_thresholds_without_reading_a_body() {
    let d = Dovecot::start();
    let corpus = corpus::corpus();
    let u = seeded(&d, &corpus, Some(QUOTA));
    let sandbox = TestDir::new();
    for min in THRESHOLDS {
        let out = run(
            &sandbox,
            &["attachments", &imap(&d, &u.name), "--plaintext", "--format", "json", "--min-size", &min.to_string()],
        );
        let doc = document(&out);
        assert_eq!(rows(&doc), without_decoded(corpus::expected(&corpus, min)), "--min-size {min}");
        assert_eq!(doc.min_size, min);
        assert_eq!(doc.totals.quota_limit, Some(QUOTA));
        let expected_bytes: u64 = corpus::expected(&corpus, min).iter().map(|r| r.size).sum();
        assert_eq!(doc.totals.attachment_bytes, expected_bytes);
        // Every attachment row is a UID with its UIDVALIDITY.
        assert!(doc.attachments.iter().all(|a| a.place.uid.is_some() && a.place.uidvalidity.is_some()));
    }
    // Decoded sizes are estimates: base64 ones within 1% of the truth.
    let out =
        run(&sandbox, &["attachments", &imap(&d, &u.name), "--plaintext", "--format", "json", "--min-size", "50k"]);
    let doc = document(&out);
    for want in corpus::expected(&corpus, 50_000) {
        let got = doc
            .attachments
            .iter()
            .find(|a| a.place.subject.as_deref() == Some(&want.subject) && a.part == want.part)
            .unwrap();
        if got.encoding == "base64" && !want.subject.contains("Bad") {
            assert!(
                got.decoded_size_estimate.abs_diff(want.decoded) * 100 <= want.decoded,
                "{want:?}: {}",
                got.decoded_size_estimate
            );
        }
    }
    let lines = logouts(&d, &u.name);
    assert_eq!(lines.len(), THRESHOLDS.len() + 1, "{lines:#?}");
    for l in &lines {
        assert!(l.contains(" body_count=0 ") || l.contains(" body_count=0"), "{l}");
        assert!(l.ends_with("body_bytes=0") || l.contains(" body_bytes=0 "), "a body crossed the wire: {l}");
    }
}

#[test]
fn maildir_and_mbox_give_the_same_findings_as_imap() {
    let d = Dovecot::start();
    let corpus = corpus::corpus();
    let u = seeded(&d, &corpus, None);
    let sandbox = TestDir::new();
    let mbox = sandbox.write("mail/corpus.mbox", corpus::mbox(&corpus));
    for min in THRESHOLDS {
        let min_s = min.to_string();
        let want = without_decoded(corpus::expected(&corpus, min));
        let via_imap = rows(&document(&run(
            &sandbox,
            &["attachments", &imap(&d, &u.name), "--plaintext", "--format", "json", "--min-size", &min_s],
        )));
        let maildir = format!("maildir:{}", u.maildir().display());
        let via_maildir =
            rows(&document(&run(&sandbox, &["attachments", &maildir, "--format", "json", "--min-size", &min_s])));
        assert_eq!(via_imap, want, "imap --min-size {min}");
        assert_eq!(via_maildir, want, "maildir --min-size {min}");
        // The mbox is one folder named after the file.
        let mbox_src = format!("mbox:{}", mbox.display());
        let via_mbox =
            rows(&document(&run(&sandbox, &["attachments", &mbox_src, "--format", "json", "--min-size", &min_s])));
        let want_mbox: Vec<Row> = {
            let mut w: Vec<Row> = want
                .iter()
                .cloned()
                .map(|mut r| {
                    r.folder = "corpus.mbox".into();
                    r
                })
                .collect();
            w.sort();
            w
        };
        assert_eq!(via_mbox, want_mbox, "mbox --min-size {min}");
    }
}

#[test]
fn malformed_messages_are_counted_and_never_stop_the_scan() {
    let corpus = corpus::corpus();
    let sandbox = TestDir::new();
    let mbox = sandbox.write("corpus.mbox", corpus::mbox(&corpus));
    let doc = document(&run(
        &sandbox,
        &["attachments", &format!("mbox:{}", mbox.display()), "--format", "json", "--min-size", "50k"],
    ));
    assert!(doc.scan.not_fully_parsed >= 1, "{:?}", doc.scan);
    assert!(doc.attachments.iter().any(|a| a.filename.as_deref() == Some("unclosed.pdf")));
    let table = run(&sandbox, &["attachments", &format!("mbox:{}", mbox.display()), "--min-size", "50k"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("could not be fully parsed"), "{text}");
}

#[test]
fn filters_folders_types_dates_and_top() {
    let corpus = corpus::corpus();
    let sandbox = TestDir::new();
    let mbox = sandbox.write("Local/Archives", corpus::mbox(&corpus));
    let src = format!("mbox:{}", mbox.parent().unwrap().display());
    let all = corpus::expected(&corpus, 50_000);

    let doc =
        document(&run(&sandbox, &["attachments", &src, "--format", "json", "--min-size", "50k", "--type", "image/*"]));
    let want = all.iter().filter(|r| r.mime_type.starts_with("image/")).count();
    assert_eq!(doc.attachments.len(), want);
    assert!(doc.attachments.iter().all(|a| a.mime_type.starts_with("image/")));

    // Messages dated before 2023-01-01 (day 1461 from 2019-01-01).
    let cutoff = 1_546_300_800 + 1461 * 86_400;
    let doc = document(&run(
        &sandbox,
        &["attachments", &src, "--format", "json", "--min-size", "50k", "--older-than", "2023-01-01"],
    ));
    let want = corpus.iter().filter(|m| m.date < cutoff).flat_map(|m| m.rows(50_000)).count();
    assert_eq!(doc.attachments.len(), want);
    let doc = document(&run(
        &sandbox,
        &["attachments", &src, "--format", "json", "--min-size", "50k", "--newer-than", "2023-01-01"],
    ));
    let want = corpus.iter().filter(|m| m.date >= cutoff).flat_map(|m| m.rows(50_000)).count();
    assert_eq!(doc.attachments.len(), want);

    let doc = document(&run(
        &sandbox,
        &["attachments", &src, "--format", "json", "--min-size", "50k", "--folder", "nothing*"],
    ));
    assert!(doc.attachments.is_empty());
    let doc =
        document(&run(&sandbox, &["attachments", &src, "--format", "json", "--min-size", "50k", "--folder", "arch*"]));
    assert_eq!(doc.attachments.len(), all.len());
    assert!(doc.archive_command.contains("--folder 'arch*'"), "{}", doc.archive_command);

    let doc = document(&run(
        &sandbox,
        &["attachments", &src, "--format", "json", "--min-size", "50k", "--top", "3", "--sort", "size"],
    ));
    assert_eq!(doc.attachments.len(), 3);
    let mut sizes: Vec<u64> = all.iter().map(|r| r.size).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(doc.attachments.iter().map(|a| a.size).collect::<Vec<_>>(), sizes[..3]);
    assert_eq!(doc.totals.attachments, all.len() as u64, "totals count everything");
    let doc =
        document(&run(&sandbox, &["attachments", &src, "--format", "json", "--min-size", "50k", "--sort", "date"]));
    let dates: Vec<_> = doc.attachments.iter().map(|a| a.place.date.clone().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");

    let bad = run(&sandbox, &["attachments", &src, "--min-size", "lots"]);
    assert_eq!(bad.status.code(), Some(3));
    let bad = run(&sandbox, &["attachments", &src, "--format", "prometheus"]);
    assert_eq!(bad.status.code(), Some(3));
}

#[test]
fn pop3_lists_big_messages_and_downloads_only_on_request() {
    let d = Dovecot::start();
    let corpus = corpus::corpus();
    let u = d.add_user(&unique_user("attpop"), PASSWORD, None);
    // POP3 sees INBOX only.
    let inbox: Vec<&CorpusMessage> = corpus.iter().filter(|m| m.folder == "INBOX").collect();
    let msgs: Vec<SeedMessage> = inbox.iter().map(|m| SeedMessage::new("INBOX", m.raw.clone()).date(m.date)).collect();
    d.seed(&u.name, &msgs);
    let sandbox = TestDir::new();
    let pop = format!("pop3://{}@127.0.0.1:{}", u.name, d.pop3_port);
    let min = 500_000u64;

    let doc =
        document(&run(&sandbox, &["attachments", &pop, "--plaintext", "--format", "json", "--min-size", "500000"]));
    assert_eq!(serde_json::to_value(doc.detail).unwrap(), "messages");
    assert!(doc.attachments.is_empty());
    let mut got: Vec<(String, u64)> = doc.messages.iter().map(|m| (m.place.subject.clone().unwrap(), m.size)).collect();
    got.sort();
    let mut want: Vec<(String, u64)> =
        inbox.iter().filter(|m| m.raw.len() as u64 >= min).map(|m| (m.subject.clone(), m.raw.len() as u64)).collect();
    want.sort();
    assert_eq!(got, want);
    assert!(doc.notes.iter().any(|n| n.contains("needs IMAP")), "{:?}", doc.notes);

    let doc = document(&run(
        &sandbox,
        &["attachments", &pop, "--plaintext", "--format", "json", "--min-size", "500000", "--download-candidates"],
    ));
    let want: Vec<Row> = {
        let mut w: Vec<Row> = inbox
            .iter()
            .flat_map(|m| m.rows(min))
            .map(|mut r| {
                r.decoded = 0;
                r
            })
            .collect();
        w.sort();
        w
    };
    assert_eq!(rows(&doc), want);
    // Nothing was deleted.
    assert_eq!(d.mailbox_status(&u.name, "INBOX").messages, inbox.len() as u64);

    let bad = run(&sandbox, &["attachments", &imap(&d, &u.name), "--plaintext", "--download-candidates"]);
    assert_eq!(bad.status.code(), Some(3));
}

#[test]
fn the_sample_mailbox_shows_its_large_attachments() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample/Maildir");
    let sandbox = TestDir::new();
    let doc = document(&run(&sandbox, &["attachments", &format!("maildir:{}", sample.display()), "--format", "json"]));
    let names: Vec<(Option<&str>, bool)> =
        doc.attachments.iter().map(|a| (a.filename.as_deref(), a.forwarded)).collect();
    assert!(names.contains(&(Some("plans-bâtiment.pdf"), false)), "{names:?}");
    assert!(names.contains(&(Some("fotos.zip"), false)), "{names:?}");
    assert!(names.contains(&(Some("contratto.pdf"), true)), "{names:?}");
    let doc = document(&run(
        &sandbox,
        &["attachments", &format!("maildir:{}", sample.display()), "--format", "json", "--min-size", "1MiB"],
    ));
    let inline = doc.attachments.iter().find(|a| a.mime_type.starts_with("image/")).expect("the inline image");
    assert_eq!(serde_json::to_value(inline.disposition).unwrap(), "inline");
    assert!(inline.content_id.is_some());
    assert!(doc.attachments.iter().any(|a| a.filename.as_deref() == Some("winmail.dat")));
    let out = run(&sandbox, &["attachments", &format!("maildir:{}", sample.display())]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("plans-bâtiment.pdf") && text.contains("mailsweep archive maildir:"), "{text}");
}

/// `--top N` keeps only what the first N rows and messages need while scanning, and the
/// Nagios line only the totals: the lists are the first N of the whole ones, and the
/// totals are the generator's whatever is printed.
#[test]
fn top_and_nagios_keep_the_totals_of_every_finding_over_imap() {
    let d = Dovecot::start();
    let corpus = corpus::corpus();
    let u = seeded(&d, &corpus, Some(QUOTA));
    let sandbox = TestDir::new();
    let src = imap(&d, &u.name);
    let want = corpus::expected(&corpus, 50_000);
    let want_bytes: u64 = want.iter().map(|r| r.size).sum();
    let base = ["attachments", &src, "--plaintext", "--min-size", "50k"];
    for sort in ["size", "date"] {
        let json = |top: Option<&str>| {
            let mut args = base.to_vec();
            args.extend(["--format", "json", "--sort", sort]);
            args.extend(top.map(|n| ["--top", n]).into_iter().flatten());
            document(&run(&sandbox, &args))
        };
        let whole = json(None);
        assert_eq!((whole.totals.attachments, whole.totals.attachment_bytes), (want.len() as u64, want_bytes));
        for n in [1, 2, 5] {
            let top = json(Some(&n.to_string()));
            assert_eq!(top.attachments, whole.attachments[..n], "--sort {sort} --top {n}");
            assert_eq!(top.messages, whole.messages[..n], "--sort {sort} --top {n}");
            assert_eq!(top.totals, whole.totals, "--sort {sort} --top {n}");
        }
    }
    let nagios = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(["--format", "nagios"]);
        args.extend(extra);
        String::from_utf8(run(&sandbox, &args).stdout).unwrap()
    };
    let line = nagios(&[]);
    assert!(line.contains(&format!("attachments={want_bytes}B;")), "{line}");
    assert!(line.contains(&format!(" attachment_count={};", want.len())), "{line}");
    assert_eq!(nagios(&["--top", "1"]), line);
}
