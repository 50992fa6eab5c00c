//! `mailsweep archive` against a real Dovecot: archived messages are byte-identical to what
//! Dovecot served, the server keeps exactly the rest (flagged, unread, new mail, and what
//! other clients marked \Deleted), and after any interruption (SIGKILL at every stage, a
//! cut connection, a full disk, a server restart) a rerun ends with every original message
//! present exactly once, on the server or in the archive.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::proxy::CutProxy;
use crate::support::{Dovecot, Options, SeedMessage, TestDir, User, mailsweep, message, unique_user};

pub(crate) const PASSWORD: &str = "pw-archive-1";
/// 2020-09-13: old enough for `--older-than 1y`.
pub(crate) const OLD: i64 = 1_600_000_000;

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A message whose body needs mboxrd quoting, and one without a final newline.
fn tricky(subject: &str) -> Vec<u8> {
    format!(
        "From: x@example.org\r\nSubject: {subject}\r\nMessage-ID: <{subject}@t>\r\n\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\n\r\nFrom \r\nend"
    )
    .into_bytes()
}

/// A big message (3 partial fetches).
fn big(subject: &str, size: usize) -> Vec<u8> {
    message("Big <big@example.org>", subject, "Mon, 01 Jan 2024 10:00:00 +0000", size)
}

pub(crate) fn small(subject: &str, size: usize) -> Vec<u8> {
    message("Alice <alice@example.org>", subject, "Mon, 01 Jan 2024 10:00:00 +0000", size)
}

/// The standard seed: what `--older-than 1y` archives and what it must keep.
struct Seed {
    msgs: Vec<SeedMessage>,
}

impl Seed {
    fn standard(tag: &str) -> Seed {
        let mut msgs = Vec::new();
        let s = |n: &str| format!("{tag} {n}");
        for i in 0..6 {
            msgs.push(
                SeedMessage::new("INBOX", small(&s(&format!("old seen {i}")), 700 + i * 300))
                    .date(OLD + i as i64 * 86_400)
                    .flags("S"),
            );
        }
        msgs.push(SeedMessage::new("INBOX", small(&s("old unread"), 900)).date(OLD));
        msgs.push(SeedMessage::new("INBOX", small(&s("old flagged"), 900)).date(OLD).flags("FS"));
        msgs.push(SeedMessage::new("INBOX", small(&s("old answered"), 950)).date(OLD + 5).flags("RS"));
        msgs.push(SeedMessage::new("INBOX", small(&s("deleted by another client"), 900)).date(OLD).flags("ST"));
        msgs.push(SeedMessage::new("INBOX", small(&s("new seen"), 900)).date(now() - 10 * 86_400).flags("S"));
        msgs.push(SeedMessage::new("INBOX", tricky(&s("tricky").replace(' ', "-"))).date(OLD + 7).flags("S"));
        msgs.push(SeedMessage::new("INBOX", big(&s("big"), 2_600_000)).date(OLD + 9).flags("S"));
        for i in 0..4 {
            msgs.push(
                SeedMessage::new("Sent", small(&s(&format!("sent {i}")), 1_500 + i * 100))
                    .date(OLD + 100 + i as i64)
                    .flags("S"),
            );
        }
        msgs.push(SeedMessage::new("Archives/2021", small(&s("archived 2021"), 1_200)).date(1_620_000_000).flags("S"));
        Seed { msgs }
    }

    fn raws(&self) -> Vec<Vec<u8>> {
        self.msgs.iter().map(|m| m.raw.clone()).collect()
    }

    /// Subjects of the messages `--older-than 1y` (no flagged, no unread) must archive.
    fn old_read(&self) -> Vec<Vec<u8>> {
        self.msgs
            .iter()
            .filter(|m| {
                m.internal_date < now() - 400 * 86_400
                    && m.flags.contains('S')
                    && !m.flags.contains('F')
                    && !m.flags.contains('T')
            })
            .map(|m| m.raw.clone())
            .collect()
    }
}

fn user(d: &Dovecot, seed: &Seed, quota: Option<u64>) -> User {
    let u = d.add_user(&unique_user("arch"), PASSWORD, quota);
    d.seed(&u.name, &seed.msgs);
    u
}

pub(crate) fn source(d: &Dovecot, u: &User, port: Option<u16>) -> String {
    format!("imap://{}@127.0.0.1:{}", u.name, port.unwrap_or(d.imap_port))
}

pub(crate) fn archive_cmd(sandbox: &TestDir, src: &str, dir: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = mailsweep(sandbox);
    cmd.args(["archive", src, "--plaintext", "--to", dir.to_str().unwrap(), "--yes", "--timeout", "10"]);
    cmd.args(extra);
    cmd.env("MAILSWEEP_PASSWORD", PASSWORD);
    cmd
}

pub(crate) fn run(sandbox: &TestDir, src: &str, dir: &Path, extra: &[&str]) -> Output {
    archive_cmd(sandbox, src, dir, extra).output().expect("run mailsweep")
}

pub(crate) fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr)))
}

/// Every message file still on the server (all folders, `cur/` and `new/`).
pub(crate) fn server_messages(u: &User) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    walk(&u.maildir(), &mut |p| {
        let parent = p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned());
        if matches!(parent.as_deref(), Some("cur" | "new")) {
            out.push(std::fs::read(p).unwrap());
        }
    });
    out
}

pub(crate) fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

/// Runs a slowed-down archive and SIGKILLs it from outside once its journal has `lines`
/// lines (or it ended by itself, or 30 s passed): a real kill at a moment chosen by watching
/// the journal grow.
pub(crate) fn kill_when_journal_has(mut run: std::process::Command, dir: &Path, lines: usize) -> Output {
    let mut child = run
        .env("MAILSWEEP_TEST_SLOW", "30")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let journal = dir.join(".mailsweep/journal.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let n = std::fs::read_to_string(&journal).map(|t| t.lines().count()).unwrap_or(0);
        if n >= lines || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: kill(2) on our own unreaped child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait_with_output().unwrap()
}

/// Splits an mbox file into messages (our own reading of mboxrd, independent of the code
/// under test): `From ` at the start or after an empty line starts a message; the empty
/// line before it is the separator; `>From ` quoting is undone.
pub(crate) fn mbox_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut msgs: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut prev_blank = true;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if prev_blank && line.starts_with(b"From ") {
            if let Some(last) = msgs.last_mut() {
                assert_eq!(last.pop().as_deref(), Some(&b"\n"[..]), "separator before From");
            }
            msgs.push(Vec::new());
            prev_blank = false;
            continue;
        }
        prev_blank = line == b"\n";
        if let Some(m) = msgs.last_mut() {
            let gt = line.iter().take_while(|&&b| b == b'>').count();
            if gt > 0 && line[gt..].starts_with(b"From ") {
                m.push(line[1..].to_vec());
            } else {
                m.push(line.to_vec());
            }
        }
    }
    if let Some(last) = msgs.last_mut() {
        assert_eq!(last.pop().as_deref(), Some(&b"\n"[..]), "final separator");
    }
    msgs.into_iter().map(|m| m.concat()).collect()
}

/// Every message in the archive (mbox files and Maildir files), with mbox's added final
/// newline removed where the original had none.
pub(crate) fn archive_messages(dir: &Path, originals: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    walk(dir, &mut |p| {
        let rel = p.strip_prefix(dir).unwrap();
        if rel.starts_with(".mailsweep") {
            return;
        }
        let parent = p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned());
        let bytes = std::fs::read(p).unwrap();
        if matches!(parent.as_deref(), Some("cur" | "new")) {
            out.push(bytes);
        } else if parent.as_deref() == Some("tmp") || p.file_name().unwrap() == "maildirfolder" {
        } else {
            for m in mbox_messages(&bytes) {
                let trimmed = m.strip_suffix(b"\n").map(<[u8]>::to_vec);
                match trimmed {
                    Some(t) if !originals.contains(&m) && originals.contains(&t) => out.push(t),
                    _ => out.push(m),
                }
            }
        }
    });
    out
}

pub(crate) fn label(m: &[u8]) -> String {
    let t = text(m);
    t.lines().find(|l| l.starts_with("Subject:")).unwrap_or("?").to_string()
}

/// Every original is present exactly once, on the server or in the archive. Returns
/// (on the server, in the archive).
pub(crate) fn assert_exactly_once(originals: &[Vec<u8>], u: &User, dir: &Path, context: &str) -> (usize, usize) {
    let server = server_messages(u);
    let archived = archive_messages(dir, originals);
    let mut count: BTreeMap<&[u8], i64> = BTreeMap::new();
    for o in originals {
        *count.entry(o).or_default() -= 1;
    }
    for m in server.iter().chain(&archived) {
        *count.entry(m).or_default() += 1;
    }
    let wrong: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(m, n)| {
            format!(
                "{} ({} bytes): {}",
                label(m),
                m.len(),
                if *n > 0 { format!("{n} extra") } else { "missing".into() }
            )
        })
        .collect();
    if !wrong.is_empty() {
        let mut files = Vec::new();
        walk(dir, &mut |p| files.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned()));
        let journal = std::fs::read_to_string(dir.join(".mailsweep/journal.jsonl")).unwrap_or_default();
        panic!("{context}: not exactly once:\n{}\narchive files: {files:#?}\njournal:\n{journal}", wrong.join("\n"));
    }
    (server.len(), archived.len())
}

pub(crate) fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn archive_by_age_moves_old_read_mail_byte_identical() {
    let d = Dovecot::start();
    let seed = Seed::standard("age");
    let u = user(&d, &seed, None);
    let sandbox = TestDir::new();
    let dir = sandbox.join("Local Folders");
    let src = source(&d, &u, None);
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let want = seed.old_read();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["totals"]["archived_messages"], want.len() as u64, "{v:#}");
    assert_eq!(v["totals"]["deleted_messages"], want.len() as u64);
    assert_eq!(v["totals"]["archived_bytes"], want.iter().map(|m| m.len() as u64).sum::<u64>());

    // The archive holds exactly the old read messages, byte for byte.
    let mut archived = archive_messages(&dir, &seed.raws());
    archived.sort();
    let mut expected = want.clone();
    expected.sort();
    assert_eq!(archived.len(), expected.len());
    assert!(archived == expected, "archived bytes differ from what Dovecot served");
    // The server keeps the rest: unread, flagged, new, and the other client's \Deleted one.
    let (on_server, in_archive) = assert_exactly_once(&seed.raws(), &u, &dir, "after one run");
    assert_eq!((on_server, in_archive), (seed.msgs.len() - want.len(), want.len()));
    let inbox = d.mailbox_status(&u.name, "INBOX");
    assert_eq!(inbox.messages, 4, "unread, flagged, deleted-by-other, new: {inbox:?}");
    let kept: Vec<String> = server_messages(&u).iter().map(|m| label(m)).collect();
    for k in ["old unread", "old flagged", "deleted by another client", "new seen"] {
        assert!(kept.iter().any(|s| s.contains(k)), "{k} must stay on the server: {kept:?}");
    }
    assert_eq!(d.mailbox_status(&u.name, "Sent").messages, 0);

    // Local Folders layout, private modes.
    assert!(dir.join("INBOX").is_file() && dir.join("Sent").is_file());
    assert!(dir.join("Archives.sbd/2021").is_file() && dir.join("Archives").is_file(), "parent mbox for the tree");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("Archives.sbd")), 0o700);
    assert_eq!(mode(&dir.join("INBOX")), 0o600);
    // Received dates in the From_ lines; flags in the journal.
    let inbox_mbox = std::fs::read(dir.join("INBOX")).unwrap();
    assert!(
        text(&inbox_mbox).starts_with("From mailsweep@localhost Sun Sep 13 12:26:40 2020\n"),
        "{}",
        &text(&inbox_mbox)[..80]
    );
    let journal = std::fs::read_to_string(dir.join(".mailsweep/journal.jsonl")).unwrap();
    let answered =
        journal.lines().find(|l| l.contains("\"archived\"") && l.contains("\\\\Answered")).expect("flags journaled");
    assert!(answered.contains("\\\\Seen \\\\Answered") && answered.contains("2020-09-13T12:26:45Z"), "{answered}");

    // Python's mailbox module reads the same messages (after undoing mboxrd quoting).
    let script = r#"
import mailbox, re, sys, json
out = []
for path in sys.argv[1:]:
    for key, msg in mailbox.mbox(path).iteritems():
        pass
    box = mailbox.mbox(path)
    for key in box.keys():
        raw = box.get_bytes(key)
        raw = re.sub(rb'(?m)^>(>*From )', rb'\1', raw)
        out.append(len(raw))
print(json.dumps(out))
"#;
    let files = ["INBOX", "Sent", "Archives.sbd/2021"].map(|f| dir.join(f).to_str().unwrap().to_string());
    let py = std::process::Command::new("python3").arg("-c").arg(script).args(&files).output().expect("python3");
    assert!(py.status.success(), "python: {}", text(&py.stderr));
    let sizes: Vec<u64> = serde_json::from_slice(&py.stdout).unwrap();
    let mut py_sizes = sizes.clone();
    py_sizes.sort();
    // Python keeps the newline mbox adds to a message that had none.
    let mut want_sizes: Vec<u64> = want.iter().map(|m| m.len() as u64 + u64::from(!m.ends_with(b"\n"))).collect();
    want_sizes.sort();
    assert_eq!(py_sizes, want_sizes, "python's mailbox sees the same messages");
    eprintln!("python mailbox: {} messages, {} bytes", sizes.len(), sizes.iter().sum::<u64>());

    // mail-parser reads every archived message as the one Dovecot served (same Message-ID
    // and subject).
    let parser = mail_parser::MessageParser::default();
    let mut parsed = 0;
    for f in &files {
        for raw in mbox_messages(&std::fs::read(f).unwrap()) {
            let got = parser.parse(&raw[..]).expect("mail-parser reads the archived message");
            let served = want
                .iter()
                .map(|m| parser.parse(&m[..]).expect("mail-parser reads the served message"))
                .find(|m| m.message_id() == got.message_id())
                .unwrap_or_else(|| panic!("no served message has Message-ID {:?}", got.message_id()));
            assert_eq!(served.subject(), got.subject());
            parsed += 1;
        }
    }
    assert_eq!(parsed, want.len(), "mail-parser sees the same number of messages");

    // A second run finds nothing more and writes nothing twice.
    let again = run(&sandbox, &src, &dir, &["--older-than", "1y", "--format", "json"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(json(&again)["totals"]["archived_messages"], 0);
    assert_exactly_once(&seed.raws(), &u, &dir, "after the second run");
}

#[test]
fn archive_by_size_to_maildir_keeps_flags_and_dates() {
    let d = Dovecot::start();
    let seed = Seed::standard("size");
    let u = user(&d, &seed, None);
    let sandbox = TestDir::new();
    let dir = sandbox.join("Maildir");
    let src = source(&d, &u, None);
    let out = run(
        &sandbox,
        &src,
        &dir,
        &[
            "--larger-than",
            "1600",
            "--include-flagged",
            "--include-unread",
            "--archive-format",
            "maildir",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want: Vec<&SeedMessage> = seed.msgs.iter().filter(|m| m.raw.len() > 1600 && !m.flags.contains('T')).collect();
    assert_eq!(json(&out)["totals"]["archived_messages"], want.len() as u64);
    assert_exactly_once(&seed.raws(), &u, &dir, "maildir");
    // Each archived file: same bytes, flags in the name, mtime = INTERNALDATE.
    let mut found = 0;
    walk(&dir, &mut |p| {
        if p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "cur") {
            let bytes = std::fs::read(p).unwrap();
            let m = want.iter().find(|m| m.raw == bytes).unwrap_or_else(|| panic!("unexpected {}", p.display()));
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let flags = name.rsplit(":2,").next().unwrap();
            let mut want_flags: Vec<char> = m.flags.chars().filter(|c| *c != 'T').collect();
            want_flags.sort();
            assert_eq!(flags, want_flags.into_iter().collect::<String>(), "{name}");
            let mtime =
                std::fs::metadata(p).unwrap().modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
            assert_eq!(mtime.as_secs() as i64, m.internal_date, "{name}");
            assert_eq!(mode(p), 0o600);
            found += 1;
        }
    });
    assert_eq!(found, want.len());
    assert!(dir.join(".Sent/cur").is_dir() && dir.join(".Sent/maildirfolder").is_file());
    assert!(dir.join(".Archives.2021/cur").is_dir() || want.iter().all(|m| m.folder != "Archives/2021"));
    // An independent reader: Dovecot itself opens the archive as a user's mail store (a copy
    // owned by the mail user, without mailsweep's own `.mailsweep` directory), and counts
    // and sizes per folder match what was archived.
    let reader = d.add_user(&unique_user("reader"), "r", None);
    let store = reader.maildir();
    copy_for_dovecot(&dir, &store);
    d.doveadm(&["force-resync", "-u", &reader.name, "*"]);
    let mut per_folder: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for m in &want {
        let e = per_folder.entry(m.folder.as_str()).or_default();
        e.0 += 1;
        e.1 += crate::support::dovecot::vsize(&m.raw);
    }
    for (folder, (messages, bytes)) in per_folder {
        let st = d.mailbox_status(&reader.name, folder);
        assert_eq!((st.messages, st.vsize), (messages, bytes), "Dovecot reads {folder:?} in the archive");
    }
}

/// Copies a Maildir archive into `to` for Dovecot to read: owned by the mail user, without
/// mailsweep's `.mailsweep` bookkeeping.
pub(crate) fn copy_for_dovecot(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(to.join(sub)).unwrap();
    }
    walk(from, &mut |p| {
        let rel = p.strip_prefix(from).unwrap();
        if rel.starts_with(".mailsweep") {
            return;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(p, &dest).unwrap();
        let mtime = std::fs::metadata(p).unwrap().modified().unwrap();
        std::fs::File::options().write(true).open(&dest).unwrap().set_modified(mtime).unwrap();
    });
    // Every Maildir++ folder (`.Name`) needs all three subdirectories.
    for e in std::fs::read_dir(to).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && p.file_name().unwrap().to_string_lossy().starts_with('.') {
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(p.join(sub)).unwrap();
            }
        }
    }
    let home = to.parent().unwrap();
    let mut dirs = vec![home.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        std::os::unix::fs::chown(&dir, Some(8), Some(8)).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            std::os::unix::fs::chown(&p, Some(8), Some(8)).unwrap();
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
}

#[test]
fn keep_on_server_copies_incrementally_and_dry_run_changes_nothing() {
    let d = Dovecot::start();
    let seed = Seed::standard("keep");
    let u = user(&d, &seed, Some(20_000_000));
    let sandbox = TestDir::new();
    let dir = sandbox.join("backup");
    let src = source(&d, &u, None);

    let plan = run(&sandbox, &src, &dir, &["--older-than", "1y", "--dry-run", "--format", "json"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    let v = json(&plan);
    let want = seed.old_read();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["totals"]["planned_messages"], want.len() as u64);
    let bytes: u64 = want.iter().map(|m| m.len() as u64).sum();
    assert_eq!(v["totals"]["planned_bytes"], bytes);
    let q = &v["quota"];
    assert_eq!(q["used_before"].as_u64().unwrap() - q["used_after"].as_u64().unwrap(), bytes, "{q}");
    assert!(!dir.exists(), "a dry run creates nothing");
    let table = run(&sandbox, &src, &dir, &["--older-than", "1y", "--dry-run"]);
    assert!(text(&table.stdout).contains(&format!("would move {} messages", want.len())), "{}", text(&table.stdout));

    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--keep-on-server", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["archived_messages"], want.len() as u64);
    assert_eq!(server_messages(&u).len(), seed.msgs.len(), "nothing left the server");
    // One more old message: the next run copies only it.
    let extra = SeedMessage::new("INBOX", small("keep later", 500)).date(OLD).flags("S");
    d.seed(&u.name, std::slice::from_ref(&extra));
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--keep-on-server", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["totals"]["archived_messages"], 1, "{v:#}");
    assert_eq!(v["totals"]["already_archived"], want.len() as u64);
    let mut all = want.clone();
    all.push(extra.raw.clone());
    let mut archived = archive_messages(&dir, &all);
    archived.sort();
    all.sort();
    assert!(archived == all, "each message copied exactly once");
}

#[test]
fn a_server_without_uidplus_gets_copies_only() {
    let d = Dovecot::start_with(Options {
        extra_config: "protocol imap {\n  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE AUTH=PLAIN AUTH=LOGIN\n}\n".into(),
        ..Options::default()
    });
    let seed = Seed::standard("noplus");
    let u = user(&d, &seed, None);
    let sandbox = TestDir::new();
    let dir = sandbox.join("a");
    let src = source(&d, &u, None);
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("UIDPLUS") && err.contains("--keep-on-server"), "{err}");
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--keep-on-server"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server_messages(&u).len(), seed.msgs.len());
}

/// Runs until it fails (the fault), then reruns cleanly; checks exactly-once both after
/// the fault (nothing lost or doubled even mid-way) and after the rerun.
fn fault_trial(
    d: &Dovecot,
    name: &str,
    format: &str,
    fault: impl FnOnce(&User, &TestDir, &Path) -> Output,
) -> (i32, usize, usize) {
    let seed = Seed::standard(name);
    let u = user(d, &seed, None);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let out = fault(&u, &sandbox, &dir);
    let code = out.status.code().unwrap_or(-1);
    // Mid-way the archive may hold a torn tail; only the rerun must be exact.
    let args = ["--older-than", "1y", "--format", "json", "--archive-format", format];
    let again = run(&sandbox, &source(d, &u, None), &dir, &args);
    assert_eq!(again.status.code(), Some(0), "{name}: rerun failed:\n{}", text(&again.stderr));
    let (server, archived) = assert_exactly_once(&seed.raws(), &u, &dir, name);
    assert_eq!(archived, seed.old_read().len(), "{name}: everything old and read ends in the archive");
    // And a third run changes nothing.
    let third = run(&sandbox, &source(d, &u, None), &dir, &args);
    assert_eq!(json(&third)["totals"]["archived_messages"], 0, "{name}");
    (code, server, archived)
}

/// A run (`--older-than 1y`, batches of 2) that aborts itself at `stage` (`written:3`: at
/// the third message written; see `Faults` in src/commands/archive/mod.rs).
pub(crate) fn aborted_at(sandbox: &TestDir, src: &str, dir: &Path, format: &str, stage: &str) -> Output {
    archive_cmd(sandbox, src, dir, &["--older-than", "1y", "--batch-size", "2", "--archive-format", format])
        .env("MAILSWEEP_TEST_ABORT", stage)
        .output()
        .unwrap()
}

#[test]
fn killed_at_every_stage_a_rerun_ends_exactly_once() {
    let d = Dovecot::start();
    let mut trials = 0;
    for stage in [
        "written:1",
        "written:3",
        "written:7",
        "journaled:1",
        "journaled:3",
        "stored:1",
        "stored:2",
        "expunged:1",
        "expunged:3",
    ] {
        for format in ["mbox", "maildir"] {
            let name = format!("kill-{}-{format}", stage.replace(':', "-"));
            let (code, ..) = fault_trial(&d, &name, format, |u, sandbox, dir| {
                aborted_at(sandbox, &source(&d, u, None), dir, format, stage)
            });
            assert_eq!(code, -1, "{name}: the run must have been killed");
            trials += 1;
        }
    }
    // Real SIGKILLs from outside, at moments chosen by watching the journal grow.
    for (i, lines) in [1usize, 3, 6, 9, 12].into_iter().enumerate() {
        let name = format!("sigkill-{i}");
        let (code, ..) = fault_trial(&d, &name, "mbox", |u, sandbox, dir| {
            let run = archive_cmd(sandbox, &source(&d, u, None), dir, &["--older-than", "1y", "--batch-size", "1"]);
            kill_when_journal_has(run, dir, lines)
        });
        eprintln!("{name}: exit {code}");
        trials += 1;
    }
    eprintln!("SIGKILL trials: {trials}, each ended with every message exactly once");
}

#[test]
fn a_cut_connection_then_a_rerun_ends_exactly_once() {
    let d = Dovecot::start();
    let mut trials = 0;
    let mut cut = 0;
    for after in [1_500u64, 4_000, 9_000, 20_000, 60_000, 400_000, 1_200_000, 2_500_000, 3_000_000] {
        let proxy = CutProxy::start(d.imap_port, after);
        let name = format!("cut-{after}");
        let (code, ..) = fault_trial(&d, &name, "mbox", |u, sandbox, dir| {
            run(sandbox, &source(&d, u, Some(proxy.port())), dir, &["--older-than", "1y", "--batch-size", "2"])
        });
        eprintln!("{name}: first run exit {code}, connections cut: {}", proxy.cuts());
        if code != 0 {
            cut += 1;
            assert_eq!(code, 2, "{name}: a lost connection is a failure (exit 2)");
        }
        trials += 1;
    }
    assert!(cut >= 6, "most trials must actually cut mid-run ({cut} of {trials})");
    eprintln!("connection-cut trials: {trials} ({cut} cut mid-run), each ended with every message exactly once");
}

#[test]
fn a_full_disk_then_a_rerun_ends_exactly_once() {
    let d = Dovecot::start();
    let mut trials = 0;
    for limit in [3_000u64, 12_000, 200_000, 2_000_000] {
        for format in ["mbox", "maildir"] {
            let name = format!("fsize-{limit}-{format}");
            let (code, ..) = fault_trial(&d, &name, format, |u, sandbox, dir| {
                let mut cmd = archive_cmd(
                    sandbox,
                    &source(&d, u, None),
                    dir,
                    &["--older-than", "1y", "--batch-size", "3", "--archive-format", format],
                );
                // SAFETY: setrlimit and signal are async-signal-safe; nothing else runs
                // between fork and exec.
                unsafe {
                    cmd.pre_exec(move || {
                        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                        let lim = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                        if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        Ok(())
                    });
                }
                let out = cmd.output().unwrap();
                if format == "mbox" && limit < 1_000_000 {
                    assert!(
                        text(&out.stderr).contains("file size limit") || out.status.code() == Some(0),
                        "{name}: {}",
                        text(&out.stderr)
                    );
                }
                out
            });
            eprintln!("{name}: first run exit {code}");
            trials += 1;
        }
    }
    eprintln!("full-disk trials: {trials}, each ended with every message exactly once");
}

#[test]
fn a_server_restart_mid_run_then_a_rerun_ends_exactly_once() {
    let mut d = Dovecot::start();
    let mut trials = 0;
    for lines in [2usize, 8] {
        let seed = Seed::standard(&format!("restart{lines}"));
        let u = user(&d, &seed, None);
        let sandbox = TestDir::new();
        let dir = sandbox.join("arch");
        let child = archive_cmd(&sandbox, &source(&d, &u, None), &dir, &["--older-than", "1y", "--batch-size", "1"])
            .env("MAILSWEEP_TEST_SLOW", "150")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let journal = dir.join(".mailsweep/journal.jsonl");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_to_string(&journal).map(|t| t.lines().count()).unwrap_or(0) < lines
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        // A restart drops the sessions: end the one serving this run (Dovecot's master
        // leaves running imap processes alone when it stops), then restart the master.
        let needle = format!("Login: user=<{}>", u.name);
        let log = d.log();
        let pid: i32 = log
            .lines()
            .rev()
            .filter(|l| l.contains(&needle))
            .find_map(|l| l.split_once("mpid=").and_then(|(_, r)| r.split(',').next()).and_then(|p| p.parse().ok()))
            .expect("the session's imap process in the log");
        // SAFETY: kill(2) on the test server's own imap process.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        d.restart();
        let out = child.wait_with_output().unwrap();
        eprintln!(
            "restart after {lines} journal lines: exit {:?}: {}",
            out.status.code(),
            text(&out.stderr).lines().last().unwrap_or("")
        );
        assert_eq!(out.status.code(), Some(2), "the run sees the server go: {}", text(&out.stderr));
        let again = run(&sandbox, &source(&d, &u, None), &dir, &["--older-than", "1y"]);
        assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
        let (_, archived) = assert_exactly_once(&seed.raws(), &u, &dir, "restart");
        assert_eq!(archived, seed.old_read().len());
        trials += 1;
    }
    eprintln!("server-restart trials: {trials}, each ended with every message exactly once");
}

#[test]
fn hostile_folder_names_cannot_write_outside_the_archive() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("hostile"), PASSWORD, None);
    let sandbox = TestDir::new();
    let dir = sandbox.join("inner/arch");
    let names = [
        "..",
        "%2E%2E",
        "a/..",
        "..%2Fescape",
        "ctl\u{1}x",
        "Sent",
        "sent",
        "Caf\u{e9}",
        "Cafe\u{301}",
        "x.sbd",
        "~",
        "-rf",
    ];
    let mut created = Vec::new();
    for n in names {
        if d.try_doveadm(&["mailbox", "create", "-u", &u.name, n]).is_ok() {
            d.doveadm_stdin(&["save", "-u", &u.name, "-m", n], &small(&format!("in {n:?}"), 300));
            created.push(n);
        }
    }
    // Names doveadm refuses to create, written straight into the Maildir (modified
    // UTF-7 on disk) as a server's store could hold them.
    let direct = ["ctl\u{1}x", "esc\u{1b}[2J", "line\nbreak", "back\\slash", "tab\tname"];
    let seeds: Vec<SeedMessage> =
        direct.iter().map(|n| SeedMessage::new(n, small(&format!("in {n:?}"), 300))).collect();
    d.seed(&u.name, &seeds);
    let listed = d.mailboxes(&u.name);
    created.extend(direct.iter().filter(|n| listed.iter().any(|l| l == *n)));
    eprintln!("hostile folders on the server: {created:?} (listed: {listed:?})");
    assert!(created.len() >= 8, "enough hostile names exist: {created:?}");
    let src = source(&d, &u, None);
    let out = run(&sandbox, &src, &dir, &["--folder", "*", "--include-unread", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Everything written is inside DIR, and nothing exists beside it.
    let outside: Vec<String> = std::fs::read_dir(sandbox.join("inner"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(outside, ["arch"], "nothing written beside the archive");
    let mut files = Vec::new();
    walk(&dir, &mut |p| files.push(p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned()));
    for f in &files {
        assert!(!f.chars().any(char::is_control), "{f:?}");
    }
    eprintln!("archive files: {files:?}");
    let v = json(&out);
    eprintln!("notes: {}", v["notes"]);
    let left: Vec<String> = server_messages(&u).iter().map(|m| label(m)).collect();
    assert!(left.is_empty(), "every hostile folder was archived; left: {left:?}\n{v:#}");
    // Twins by case or normalisation got distinct files.
    let mbox_files = files.iter().filter(|f| !f.starts_with(".mailsweep") && !f.ends_with(".sbd")).count();
    assert!(mbox_files >= created.len(), "{files:?}");
}

#[test]
fn until_quota_takes_the_oldest_first_and_presets_pick_the_folder() {
    let d = Dovecot::start();
    let mut msgs = Vec::new();
    for i in 0..10 {
        msgs.push(SeedMessage::new("INBOX", small(&format!("q {i}"), 10_000)).date(OLD + i * 86_400).flags("S"));
    }
    for i in 0..3 {
        msgs.push(SeedMessage::new("Sent", small(&format!("s {i}"), 2_000)).date(now() - 86_400).flags(""));
    }
    let seed = Seed { msgs };
    // About 106 KB used of 150 KB (71%): getting under 50% takes the three oldest.
    let u = user(&d, &seed, Some(150_000));
    let sandbox = TestDir::new();
    let dir = sandbox.join("q");
    let src = source(&d, &u, None);
    let out = run(&sandbox, &src, &dir, &["--until-quota", "50%", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let q = &v["quota"];
    assert!(q["used_after"].as_u64().unwrap() * 2 <= q["limit"].as_u64().unwrap(), "{q}");
    let archived = archive_messages(&dir, &seed.raws());
    let mut subjects: Vec<String> = archived.iter().map(|m| label(m)).collect();
    subjects.sort();
    let n = subjects.len();
    assert!((3..=4).contains(&n), "{subjects:?}");
    let want: Vec<String> = (0..n).map(|i| format!("Subject: q {i}")).collect();
    assert_eq!(subjects, want, "the oldest go first");
    assert_exactly_once(&seed.raws(), &u, &dir, "until-quota");

    // --preset sent: only the Sent folder, unread included (sent mail is rarely "read").
    let out = run(&sandbox, &src, &dir, &["--preset", "sent", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["archived_messages"], 3);
    assert_eq!(d.mailbox_status(&u.name, "Sent").messages, 0);
    assert_eq!(d.mailbox_status(&u.name, "INBOX").messages, 10 - n as u64);
}

// ---------------------------------------------------------------------------------------
// POP3 sources (issue #5): INBOX by UIDL, dates from the headers, DELE committed by QUIT.
// ---------------------------------------------------------------------------------------

/// RFC 2822 date of a Unix time, UTC.
pub(crate) fn rfc2822(unix: i64) -> String {
    let t = jiff::Timestamp::from_second(unix).unwrap();
    jiff::fmt::strtime::format("%a, %d %b %Y %H:%M:%S +0000", &t.to_zoned(jiff::tz::TimeZone::UTC)).unwrap()
}

/// `raw` with `Received:` fields on top, newest first (as the hops add them).
pub(crate) fn received(raw: Vec<u8>, hops: &[i64]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, t) in hops.iter().enumerate() {
        out.extend_from_slice(
            format!("Received: from hop{i}.example.org by mx.example.org;\r\n\t{}\r\n", rfc2822(*t)).as_bytes(),
        );
    }
    out.extend_from_slice(&raw);
    out
}

/// A POP3 maildrop: what `--older-than 1y` archives (by the newest Received:, else
/// Date:) and what it keeps. Every message ends in CRLF, as POP3 serves it.
struct PopSeed {
    msgs: Vec<SeedMessage>,
    old: Vec<Vec<u8>>,
}

impl PopSeed {
    fn new(tag: &str) -> PopSeed {
        let s = |n: &str| format!("{tag} {n}");
        let recent = now() - 10 * 86_400;
        let mut old = Vec::new();
        let mut msgs = Vec::new();
        let mut add = |raw: Vec<u8>, is_old: bool, flags: &str| {
            if is_old {
                old.push(raw.clone());
            }
            msgs.push(SeedMessage::new("INBOX", raw).date(recent).flags(flags));
        };
        for i in 0..5 {
            add(received(small(&s(&format!("old {i}")), 700 + i * 300), &[OLD + i as i64 * 86_400]), true, "S");
        }
        add(received(small(&s("old unread flagged"), 800), &[OLD + 10, OLD]), true, "F");
        let mut t = tricky(&s("tricky").replace(' ', "-"));
        t.extend_from_slice(b"\r\n");
        add(received(t, &[OLD + 20]), true, "S");
        // No final newline: POP3 frames it with an added CRLF that is not the message's.
        add(received(tricky(&s("no-final-newline").replace(' ', "-")), &[OLD + 25]), true, "S");
        add(received(big(&s("big"), 2_600_000), &[OLD + 30]), true, "S");
        // No Received: the Date: decides.
        add(message("Old <old@example.org>", &s("dated only"), &rfc2822(OLD + 40), 900), true, "");
        // Sent long ago, delivered lately: the newest Received: decides, so it stays.
        add(received(message("Late <late@example.org>", &s("late"), &rfc2822(OLD), 900), &[recent, OLD]), false, "S");
        add(received(small(&s("new"), 900), &[recent]), false, "");
        PopSeed { msgs, old }
    }

    fn raws(&self) -> Vec<Vec<u8>> {
        self.msgs.iter().map(|m| m.raw.clone()).collect()
    }
}

pub(crate) fn pop_source(d: &Dovecot, u: &User) -> String {
    format!("pop3://{}@127.0.0.1:{}", u.name, d.pop3_port)
}

fn pop_user(d: &Dovecot, seed: &PopSeed) -> User {
    let u = d.add_user(&unique_user("apop"), PASSWORD, None);
    d.seed(&u.name, &seed.msgs);
    u
}

#[test]
fn pop3_archive_by_age_moves_old_mail_byte_identical() {
    let d = Dovecot::start();
    for format in ["mbox", "maildir"] {
        let seed = PopSeed::new(&format!("pop-{format}"));
        let u = pop_user(&d, &seed);
        let sandbox = TestDir::new();
        let dir = sandbox.join("Local Folders");
        let src = pop_source(&d, &u);
        let args = ["--older-than", "1y", "--format", "json", "--archive-format", format];

        // A plan changes nothing.
        let plan = run(&sandbox, &src, &dir, &[&args[..], &["--dry-run"]].concat());
        assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
        assert_eq!(json(&plan)["folders"][0]["planned_messages"], seed.old.len() as u64, "{:#}", json(&plan));
        assert_eq!(server_messages(&u).len(), seed.msgs.len());

        let out = run(&sandbox, &src, &dir, &args);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        let v = json(&out);
        assert_eq!(v["totals"]["archived_messages"], seed.old.len() as u64, "{v:#}");
        assert_eq!(v["totals"]["deleted_messages"], seed.old.len() as u64, "{v:#}");
        assert_eq!(v["totals"]["archived_bytes"], seed.old.iter().map(|m| m.len() as u64).sum::<u64>());
        let mut archived = archive_messages(&dir, &seed.raws());
        archived.sort();
        let mut want = seed.old.clone();
        want.sort();
        assert!(archived == want, "{format}: the archive must hold exactly the old messages, byte for byte");
        let (on_server, in_archive) = assert_exactly_once(&seed.raws(), &u, &dir, format);
        assert_eq!((on_server, in_archive), (seed.msgs.len() - seed.old.len(), seed.old.len()));
        let kept: Vec<String> = server_messages(&u).iter().map(|m| label(m)).collect();
        assert!(kept.iter().any(|k| k.contains(" late")) && kept.iter().any(|k| k.contains(" new")), "{kept:?}");
        let journal = std::fs::read_to_string(dir.join(".mailsweep/journal.jsonl")).unwrap();
        assert!(journal.contains(&format!("\"account\":\"pop3:{}@127.0.0.1\"", u.name)), "{journal}");
        assert!(journal.contains("\"t\":\"deleted\""), "deletions journaled after QUIT: {journal}");

        // Nothing more, nothing twice.
        let again = run(&sandbox, &src, &dir, &args);
        assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
        assert_eq!(json(&again)["totals"]["archived_messages"], 0);
        assert_exactly_once(&seed.raws(), &u, &dir, "after the second run");
    }
}

#[test]
fn pop3_keep_on_server_copies_once() {
    let d = Dovecot::start();
    let seed = PopSeed::new("popkeep");
    let u = pop_user(&d, &seed);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let args = ["--older-than", "1y", "--format", "json", "--keep-on-server"];
    let out = run(&sandbox, &pop_source(&d, &u), &dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["archived_messages"], seed.old.len() as u64);
    assert_eq!(json(&out)["totals"]["deleted_messages"], 0);
    assert_eq!(server_messages(&u).len(), seed.msgs.len(), "copies only");
    let again = run(&sandbox, &pop_source(&d, &u), &dir, &args);
    let v = json(&again);
    assert_eq!(
        (v["totals"]["archived_messages"].as_u64(), v["totals"]["already_archived"].as_u64()),
        (Some(0), Some(seed.old.len() as u64)),
        "{v:#}"
    );
    assert_eq!(archive_messages(&dir, &seed.raws()).len(), seed.old.len(), "nothing written twice");
}

/// A POP3 run that fails somewhere, then a clean rerun: every message exactly once.
fn pop_fault_trial(d: &Dovecot, name: &str, format: &str, fault: impl FnOnce(&User, &TestDir, &Path) -> Output) -> i32 {
    let seed = PopSeed::new(name);
    let u = pop_user(d, &seed);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let code = fault(&u, &sandbox, &dir).status.code().unwrap_or(-1);
    let args = ["--older-than", "1y", "--format", "json", "--archive-format", format];
    let again = run(&sandbox, &pop_source(d, &u), &dir, &args);
    assert_eq!(again.status.code(), Some(0), "{name}: rerun failed:\n{}", text(&again.stderr));
    let (_, archived) = assert_exactly_once(&seed.raws(), &u, &dir, name);
    assert_eq!(archived, seed.old.len(), "{name}: everything old ends in the archive");
    let third = run(&sandbox, &pop_source(d, &u), &dir, &args);
    assert_eq!(json(&third)["totals"]["archived_messages"], 0, "{name}");
    assert_eq!(json(&third)["totals"]["deleted_messages"], 0, "{name}");
    code
}

#[test]
fn pop3_killed_at_every_stage_or_before_quit_a_rerun_ends_exactly_once() {
    let d = Dovecot::start();
    let mut trials = 0;
    // `stored` = after DELE (the session dies without QUIT: nothing is deleted);
    // `expunged` = QUIT answered, the deletion not yet journaled.
    for stage in ["written:1", "written:4", "journaled:1", "journaled:3", "stored:1", "stored:4", "expunged:1"] {
        for format in ["mbox", "maildir"] {
            let name = format!("popkill-{}-{format}", stage.replace(':', "-"));
            let code = pop_fault_trial(&d, &name, format, |u, sandbox, dir| {
                aborted_at(sandbox, &pop_source(&d, u), dir, format, stage)
            });
            assert_eq!(code, -1, "{name}: the run must have been killed");
            trials += 1;
        }
    }
    // Real SIGKILLs from outside, at moments chosen by watching the journal grow.
    for (i, lines) in [1usize, 3, 5, 8].into_iter().enumerate() {
        let name = format!("popsigkill-{i}");
        let code = pop_fault_trial(&d, &name, "mbox", |u, sandbox, dir| {
            let run = archive_cmd(sandbox, &pop_source(&d, u), dir, &["--older-than", "1y", "--batch-size", "1"]);
            kill_when_journal_has(run, dir, lines)
        });
        eprintln!("{name}: exit {code}");
        trials += 1;
    }
    eprintln!("POP3 kill trials: {trials}, each ended with every message exactly once");
}

// ---------------------------------------------------------------------------------------
// --compress (issue #5): FOLDER.gz, one gzip member per message.
// ---------------------------------------------------------------------------------------

/// A copy of the archive with every `X.gz` decompressed (all members) to `X`, for the
/// checks written for plain archives. Decompression is flate2's, independent of the
/// code under test's member bookkeeping.
fn gunzipped(dir: &Path, into: &Path) -> usize {
    use std::io::Read;
    let mut n = 0;
    walk(dir, &mut |p| {
        let rel = p.strip_prefix(dir).unwrap();
        if rel.starts_with(".mailsweep") {
            return;
        }
        let target = into.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        if p.extension().is_some_and(|e| e == "gz") {
            let mut all = Vec::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap()).read_to_end(&mut all).unwrap();
            std::fs::write(target.with_extension(""), all).unwrap();
            n += 1;
        } else if std::fs::metadata(p).unwrap().len() == 0 {
            std::fs::write(target, b"").unwrap(); // an empty parent file of the tree
        } else {
            panic!("an uncompressed file in a compressed archive: {}", rel.display());
        }
    });
    n
}

#[test]
fn compressed_archives_decompress_to_the_same_messages_and_resume_without_duplicates() {
    let d = Dovecot::start();
    let seed = Seed::standard("gz");
    let u = user(&d, &seed, None);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let src = source(&d, &u, None);
    // Killed mid-way (after the first batch was journaled), then run again.
    let killed = archive_cmd(&sandbox, &src, &dir, &["--older-than", "1y", "--compress", "--batch-size", "2"])
        .env("MAILSWEEP_TEST_ABORT", "written:5")
        .output()
        .unwrap();
    assert_eq!(killed.status.code(), None, "killed: {}", text(&killed.stderr));
    assert!(text(&killed.stderr).contains("mail clients cannot open"), "{}", text(&killed.stderr));
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--compress", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning: --compress"), "{}", text(&out.stderr));
    assert!(dir.join("INBOX.gz").is_file() && !dir.join("INBOX").exists());
    let plain = sandbox.join("plain");
    assert!(gunzipped(&dir, &plain) >= 3);
    let mut archived = archive_messages(&plain, &seed.raws());
    archived.sort();
    let mut want = seed.old_read();
    want.sort();
    assert!(archived == want, "decompressed archive differs from what Dovecot served");
    assert_exactly_once(&seed.raws(), &u, &plain, "compressed, after a kill and a rerun");
    // gzip(1) reads it too.
    let gz = std::process::Command::new("gzip").args(["-t"]).arg(dir.join("INBOX.gz")).output().unwrap();
    assert!(gz.status.success(), "gzip -t: {}", text(&gz.stderr));

    // New old mail later: appended as new members; nothing written twice.
    let late = small("gz late old", 800);
    d.seed(&u.name, &[SeedMessage::new("INBOX", late.clone()).date(OLD).flags("S")]);
    let again = run(&sandbox, &src, &dir, &["--older-than", "1y", "--compress", "--format", "json"]);
    assert_eq!(json(&again)["totals"]["archived_messages"], 1, "{}", text(&again.stderr));
    let plain2 = sandbox.join("plain2");
    gunzipped(&dir, &plain2);
    let mut all = seed.raws();
    all.push(late);
    assert_exactly_once(&all, &u, &plain2, "after a later run");
    // Mixing up the modes is refused, not silently written next to it.
    let mixed = run(&sandbox, &src, &dir, &["--older-than", "1y", "--compress", "--archive-format", "maildir"]);
    assert_eq!(mixed.status.code(), Some(3), "{}", text(&mixed.stderr));
}
