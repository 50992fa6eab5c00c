//! `mailsweep archive` from local stores (issue #5: "Local sources (Maildir/mbox) can be
//! archived too"): a Dovecot user's own Maildir archived from the file system while
//! Dovecot serves it, an mbox rewritten without exactly the archived messages (Python's
//! `mailbox` module reads both sides), SIGKILL at every stage for both source kinds, a
//! locked mbox, and the README's sample command.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::archive::{
    OLD, aborted_at, archive_cmd, archive_messages, json, kill_when_journal_has, label, now, run, small, text, walk,
};
use crate::support::{Dovecot, SeedMessage, TestDir, mailsweep, unique_user};

/// The `From ` line date of an mbox message (asctime, UTC).
fn asctime(unix: i64) -> String {
    let t = jiff::Timestamp::from_second(unix).unwrap();
    jiff::fmt::strtime::format("%a %b %e %H:%M:%S %Y", &t.to_zoned(jiff::tz::TimeZone::UTC)).unwrap()
}

/// mboxrd: one more `>` on every `>*From ` line.
fn quote(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in raw.split_inclusive(|&b| b == b'\n') {
        let gt = line.iter().take_while(|&&b| b == b'>').count();
        if line[gt..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    out
}

/// An mbox file of `(date, message)` pairs.
fn mbox_file(msgs: &[(i64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (date, raw) in msgs {
        out.extend_from_slice(format!("From sender@example.org {}\n", asctime(*date)).as_bytes());
        out.extend_from_slice(&quote(raw));
        out.push(b'\n');
    }
    out
}

/// One test message (LF line endings, as local stores keep them), with status headers.
fn local_message(subject: &str, status: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\nSubject: {subject}\nMessage-ID: <{}@t>\n{status}\nFrom the start\n>From quoted\n>>From twice\nend of {subject}\n",
        subject.replace(' ', "-")
    )
    .into_bytes()
}

/// What a seed holds, and what `--older-than 1y` must archive.
struct Local {
    originals: Vec<Vec<u8>>,
    old_read: Vec<Vec<u8>>,
}

/// The seed of both kinds: (folder, date, flags as Maildir letters, subject).
fn plan(tag: &str) -> Vec<(&'static str, i64, &'static str, String)> {
    let s = |n: &str| format!("{tag} {n}");
    vec![
        ("INBOX", OLD, "S", s("old 1")),
        ("INBOX", OLD + 10, "RS", s("old answered")),
        ("INBOX", OLD + 20, "S", s("old 3")),
        ("INBOX", OLD + 30, "", s("old unread")),
        ("INBOX", OLD + 40, "FS", s("old flagged")),
        ("INBOX", now() - 5 * 86_400, "S", s("new")),
        ("Sent", OLD + 50, "S", s("sent 1")),
        ("Sent", OLD + 60, "S", s("sent 2")),
        ("Sent", now() - 86_400, "S", s("sent new")),
    ]
}

fn is_old_read(date: i64, flags: &str) -> bool {
    date < now() - 400 * 86_400 && flags.contains('S') && !flags.contains('F')
}

/// A Maildir (INBOX and `.Sent`) at `root`.
fn make_maildir(root: &Path, tag: &str) -> Local {
    let mut l = Local { originals: Vec::new(), old_read: Vec::new() };
    for (i, (folder, date, flags, subject)) in plan(tag).into_iter().enumerate() {
        let dir = if folder == "INBOX" { root.to_path_buf() } else { root.join(format!(".{folder}")) };
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let raw = local_message(&subject, "");
        let path = dir.join(format!("cur/{date}.M{i}P1.host,S={}:2,{flags}", raw.len()));
        std::fs::write(&path, &raw).unwrap();
        let t = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(date as u64);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(t).unwrap();
        if is_old_read(date, flags) {
            l.old_read.push(raw.clone());
        }
        l.originals.push(raw);
    }
    l
}

/// An mbox tree (files `Inbox` and `Sent`) at `root`.
fn make_mbox_tree(root: &Path, tag: &str) -> Local {
    let mut l = Local { originals: Vec::new(), old_read: Vec::new() };
    let mut files: BTreeMap<&str, Vec<(i64, Vec<u8>)>> = BTreeMap::new();
    for (folder, date, flags, subject) in plan(tag) {
        let mut status = String::new();
        if flags.contains('S') {
            status.push_str("Status: RO\n");
        }
        let x: String = flags
            .chars()
            .filter_map(|c| match c {
                'R' => Some('A'),
                'F' => Some('F'),
                _ => None,
            })
            .collect();
        if !x.is_empty() {
            status.push_str(&format!("X-Status: {x}\n"));
        }
        let raw = local_message(&subject, &status);
        if is_old_read(date, flags) {
            l.old_read.push(raw.clone());
        }
        l.originals.push(raw.clone());
        files.entry(if folder == "INBOX" { "Inbox" } else { folder }).or_default().push((date, raw));
    }
    std::fs::create_dir_all(root).unwrap();
    for (name, msgs) in files {
        std::fs::write(root.join(name), mbox_file(&msgs)).unwrap();
    }
    l
}

/// Every message in a Maildir (all folders, `cur/` and `new/`).
fn maildir_messages(root: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    walk(root, &mut |p| {
        let parent = p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned());
        if matches!(parent.as_deref(), Some("cur" | "new")) {
            out.push(std::fs::read(p).unwrap());
        }
    });
    out
}

/// Every message in an mbox tree, quoting undone.
fn mbox_tree_messages(root: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    walk(root, &mut |p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with('.') && !name.ends_with(".lock") {
            out.extend(crate::archive::mbox_messages(&std::fs::read(p).unwrap()));
        }
    });
    out
}

/// Every original is present exactly once, in the source or in the archive.
fn assert_once(originals: &[Vec<u8>], present: &[Vec<u8>], context: &str) {
    let mut count: BTreeMap<&[u8], i64> = BTreeMap::new();
    for o in originals {
        *count.entry(o).or_default() -= 1;
    }
    for m in present {
        *count.entry(m).or_default() += 1;
    }
    let wrong: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(m, n)| format!("{}: {}", label(m), if *n > 0 { format!("{n} extra") } else { "missing".into() }))
        .collect();
    assert!(wrong.is_empty(), "{context}: not exactly once:\n{}", wrong.join("\n"));
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

/// A backup (`--keep-on-server`) of everything, then a move by age: only what the move
/// selects leaves the source; the backup copies of newer, unread and flagged mail never
/// make it leave (the journal knows them as backups, not as an interrupted move).
#[test]
fn a_backup_copy_leaves_a_local_source_only_when_a_move_selects_it() {
    for kind in ["maildir", "mbox"] {
        let sandbox = TestDir::new();
        let root = sandbox.join("store");
        let l = if kind == "maildir" { make_maildir(&root, "bk") } else { make_mbox_tree(&root, "bk") };
        let present = || if kind == "maildir" { maildir_messages(&root) } else { mbox_tree_messages(&root) };
        let dir = sandbox.join("arch");
        let src = format!("{kind}:{}", root.display());
        let all =
            ["--keep-on-server", "--before", "2099-01-01", "--include-unread", "--include-flagged", "--format", "json"];
        let out = run(&sandbox, &src, &dir, &all);
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", text(&out.stderr));
        assert_eq!(json(&out)["totals"]["archived_messages"], l.originals.len(), "{kind}");
        let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", text(&out.stderr));
        let t = &json(&out)["totals"];
        let moved = Some(l.old_read.len() as u64);
        assert_eq!((t["archived_messages"].as_u64(), t["deleted_messages"].as_u64()), (Some(0), moved), "{kind}");
        let mut rest = l.originals.clone();
        rest.retain(|m| !l.old_read.contains(m));
        assert_eq!(sorted(present()), sorted(rest), "{kind}: exactly the old read mail left the source");
        assert_eq!(sorted(archive_messages(&dir, &l.originals)), sorted(l.originals.clone()), "{kind}");
    }
}

// ---------------------------------------------------------------------------------------
// Maildir served by Dovecot
// ---------------------------------------------------------------------------------------

#[test]
fn a_dovecot_users_maildir_is_archived_from_the_file_system_while_dovecot_serves_it() {
    let d = Dovecot::start();
    let u = d.add_user(&unique_user("local"), "pw-local", None);
    let s = |n: &str| format!("loc {n}");
    let mut msgs = vec![
        SeedMessage::new("INBOX", small(&s("old 1"), 800)).date(OLD).flags("S"),
        SeedMessage::new("INBOX", small(&s("old answered"), 900)).date(OLD + 10).flags("RS"),
        SeedMessage::new("INBOX", small(&s("old 3"), 1000)).date(OLD + 20).flags("S"),
        SeedMessage::new("INBOX", small(&s("old unread"), 900)).date(OLD + 30),
        SeedMessage::new("INBOX", small(&s("old flagged"), 900)).date(OLD + 40).flags("FS"),
        SeedMessage::new("INBOX", small(&s("deleted by another client"), 900)).date(OLD).flags("ST"),
        SeedMessage::new("INBOX", small(&s("new"), 900)).date(now() - 86_400).flags("S"),
        SeedMessage::new("Sent", small(&s("sent 1"), 1500)).date(OLD + 50).flags("S"),
        SeedMessage::new("Sent", small(&s("sent 2"), 1600)).date(OLD + 60).flags("S"),
    ];
    // The newest of the old ones: another client flags it while the run is under way.
    msgs.push(SeedMessage::new("Sent", small(&s("flagged meanwhile"), 1700)).date(OLD + 70).flags("S"));
    d.seed(&u.name, &msgs);
    let originals: Vec<Vec<u8>> = msgs.iter().map(|m| m.raw.clone()).collect();
    let archived_want: Vec<Vec<u8>> = msgs
        .iter()
        .filter(|m| m.flags == "S" || m.flags == "RS")
        .filter(|m| m.internal_date < now() - 400 * 86_400 && !m.raw.windows(17).any(|w| w == b"flagged meanwhile"))
        .map(|m| m.raw.clone())
        .collect();
    assert_eq!(archived_want.len(), 5);

    let sandbox = TestDir::new();
    let dir = sandbox.join("Archives");
    let src = format!("maildir:{}", u.maildir().display());
    let child = archive_cmd(
        &sandbox,
        &src,
        &dir,
        &["--older-than", "1y", "--archive-format", "maildir", "--batch-size", "1", "--format", "json"],
    )
    .env("MAILSWEEP_TEST_SLOW", "400")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Once the first message is journaled (the run sleeps there), flag the last one.
    let journal = dir.join(".mailsweep/journal.jsonl");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&journal).map(|t| t.lines().count()).unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "the run never journaled");
        std::thread::sleep(Duration::from_millis(5));
    }
    d.doveadm(&["flags", "add", "-u", &u.name, "\\Flagged", "mailbox", "Sent", "subject", "flagged meanwhile"]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["totals"]["archived_messages"], 5, "{v:#}");
    assert_eq!(v["totals"]["deleted_messages"], 5, "{v:#}");
    assert!(v["notes"].to_string().contains("was flagged by another client meanwhile"), "{v:#}");

    // The archive holds exactly those, byte for byte; Dovecot sees exactly the rest.
    assert!(sorted(archive_messages(&dir, &originals)) == sorted(archived_want.clone()), "archived bytes differ");
    assert_once(&originals, &[maildir_messages(&u.maildir()), archive_messages(&dir, &originals)].concat(), "dovecot");
    let inbox = d.mailbox_status(&u.name, "INBOX");
    let sent = d.mailbox_status(&u.name, "Sent");
    assert_eq!((inbox.messages, sent.messages), (4, 1), "Dovecot sees exactly the unarchived messages");
    let listed = d.doveadm(&["-f", "flow", "fetch", "-u", &u.name, "flags", "mailbox", "Sent", "all"]);
    assert!(listed.contains("\\Flagged"), "{listed}");
    // Flags and received dates are kept (file names, file times).
    let mut answered = None;
    walk(&dir, &mut |p| {
        if p.to_string_lossy().contains(":2,RS") {
            answered = Some(p.to_path_buf());
        }
    });
    let answered = answered.expect("the answered message keeps its flags");
    let mtime = std::fs::metadata(&answered).unwrap().modified().unwrap();
    assert_eq!(mtime.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64, OLD + 10);
    assert!(dir.join(".Sent/cur").is_dir());

    // Nothing is left to do; Dovecot's own files were left to Dovecot.
    let again = run(&sandbox, &src, &dir, &["--older-than", "1y", "--archive-format", "maildir", "--format", "json"]);
    assert_eq!(json(&again)["totals"]["archived_messages"], 0, "{}", text(&again.stderr));
    assert!(u.maildir().join("dovecot-uidlist").exists());
}

// ---------------------------------------------------------------------------------------
// mbox
// ---------------------------------------------------------------------------------------

/// `[(sha256, length)]` of every message Python's `mailbox.mbox` reads in `files`, in order.
fn python_mbox(files: &[&Path]) -> Vec<(String, usize)> {
    let script = r#"
import hashlib, json, mailbox, sys
out = []
for f in sys.argv[1:]:
    box = mailbox.mbox(f, create=False)
    for k in box.keys():
        b = box.get_bytes(k)
        out.append([hashlib.sha256(b).hexdigest(), len(b)])
print(json.dumps(out))
"#;
    let py = Command::new("python3").arg("-c").arg(script).args(files).output().expect("python3");
    assert!(py.status.success(), "python: {}", text(&py.stderr));
    let mut v: Vec<(String, usize)> = serde_json::from_slice(&py.stdout).unwrap();
    v.sort();
    v
}

#[test]
fn an_mbox_is_rewritten_without_exactly_the_archived_messages_and_python_reads_both() {
    let sandbox = TestDir::new();
    let mbox = sandbox.join("mail/inbox");
    let l = make_mbox_tree(&sandbox.join("tree"), "py");
    // One file: all the tree's messages, plus a message added below.
    let mut msgs: Vec<(i64, Vec<u8>)> =
        plan("py").into_iter().zip(&l.originals).map(|((_, date, ..), raw)| (date, raw.clone())).collect();
    msgs.insert(2, (OLD + 5, local_message("copy", "Status: RO\n")));
    msgs.insert(4, (OLD + 6, local_message("copy", "Status: RO\n")));
    std::fs::create_dir_all(mbox.parent().unwrap()).unwrap();
    std::fs::write(&mbox, mbox_file(&msgs)).unwrap();
    std::fs::set_permissions(&mbox, std::fs::Permissions::from_mode(0o640)).unwrap();
    let original = sandbox.join("original");
    std::fs::copy(&mbox, &original).unwrap();
    let dir = sandbox.join("arch");
    let src = format!("mbox:{}", mbox.display());

    // A copy first (incremental), then the move.
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--keep-on-server", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["archived_messages"], 7, "{}", text(&out.stdout));
    assert_eq!(std::fs::read(&mbox).unwrap(), std::fs::read(&original).unwrap(), "a copy changes nothing");
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--keep-on-server", "--format", "json"]);
    assert_eq!(json(&out)["totals"]["already_archived"], 7);
    assert_eq!(json(&out)["totals"]["archived_messages"], 0);
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let t = &v["totals"];
    let counts = [&t["archived_messages"], &t["already_archived"], &t["deleted_messages"], &t["resumed_deletions"]];
    assert_eq!(counts.map(|n| n.as_u64()), [Some(0), Some(7), Some(7), Some(0)], "{}", text(&out.stdout));

    // Python: the rewritten source and the archive add up to the original, message for
    // message and byte for byte (quoted lines included: mboxrd round-trips).
    let before = python_mbox(&[&original]);
    let archive_file = dir.join("inbox");
    let mut after = python_mbox(&[&mbox, &archive_file]);
    after.sort();
    assert_eq!(before.len(), msgs.len());
    assert_eq!(after, before, "python's mailbox sees the same messages, split between source and archive");
    assert_eq!(python_mbox(&[&archive_file]).len(), 7);
    let archived = std::fs::read(&archive_file).unwrap();
    let stored = std::fs::read(&original).unwrap();
    assert!(
        text(&archived).contains("\n>>From quoted\n>>>From twice\n") && text(&stored).contains("\n>>From quoted\n")
    );
    // The rewritten file keeps its mode; no lock or temporary file is left.
    assert_eq!(std::fs::metadata(&mbox).unwrap().permissions().mode() & 0o777, 0o640);
    let left: Vec<_> = std::fs::read_dir(mbox.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["inbox"]);
    // Read state: the unread, flagged and new ones stayed.
    let kept = mbox_tree_messages(mbox.parent().unwrap());
    let subjects: Vec<String> = kept.iter().map(|m| label(m)).collect();
    assert_eq!(subjects.len(), 4, "{subjects:?}");
}

#[test]
fn a_locked_mbox_is_refused_and_left_alone() {
    let sandbox = TestDir::new();
    let mbox = sandbox.join("inbox");
    make_mbox_tree(&sandbox.join("t"), "lock");
    std::fs::copy(sandbox.join("t/Inbox"), &mbox).unwrap();
    let before = std::fs::read(&mbox).unwrap();
    let dir = sandbox.join("arch");
    let src = format!("mbox:{}", mbox.display());
    // Someone holds the dotlock.
    std::fs::write(sandbox.join("inbox.lock"), "4242\n").unwrap();
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("cannot lock mbox") && err.contains("inbox.lock\" exists") && err.contains("hint:"), "{err}");
    assert_eq!(std::fs::read(&mbox).unwrap(), before);
    assert!(sandbox.join("inbox.lock").exists(), "someone else's lock is never removed");
    std::fs::remove_file(sandbox.join("inbox.lock")).unwrap();
    // Someone holds an fcntl lock (as postfix, mutt and Dovecot take it).
    let mut holder = Command::new("python3")
        .arg("-c")
        .arg("import fcntl, sys, time\nf = open(sys.argv[1], 'r+')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(20)\n")
        .arg(&mbox)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "locked");
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("holds an fcntl lock"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&mbox).unwrap(), before);
    assert!(!sandbox.join("inbox.lock").exists(), "our dotlock is removed on the way out");
    assert!(archive_messages(&dir, &[]).is_empty());
}

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

/// A source of `kind`, a fault, then a clean rerun: every message exactly once after it,
/// and a third run has nothing to do. Returns the faulty run's exit code (-1: killed).
fn local_trial(kind: &str, format: &str, name: &str, fault: impl FnOnce(&TestDir, &str, &Path) -> Output) -> i32 {
    let sandbox = TestDir::new();
    let root: PathBuf = sandbox.join("mail");
    let l = if kind == "maildir" { make_maildir(&root, name) } else { make_mbox_tree(&root, name) };
    let src = format!("{kind}:{}", root.display());
    let dir = sandbox.join("arch");
    let code = fault(&sandbox, &src, &dir).status.code().unwrap_or(-1);
    let args = ["--older-than", "1y", "--format", "json", "--archive-format", format];
    let again = run(&sandbox, &src, &dir, &args);
    assert_eq!(again.status.code(), Some(0), "{name}: rerun failed:\n{}", text(&again.stderr));
    let source = if kind == "maildir" { maildir_messages(&root) } else { mbox_tree_messages(&root) };
    let archived = archive_messages(&dir, &l.originals);
    assert_once(&l.originals, &[source, archived.clone()].concat(), name);
    assert!(sorted(archived) == sorted(l.old_read.clone()), "{name}: the archive holds exactly the old read mail");
    let third = run(&sandbox, &src, &dir, &args);
    assert_eq!(json(&third)["totals"]["archived_messages"], 0, "{name}");
    let mut leftovers = Vec::new();
    walk(&root, &mut |p| {
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        if n.ends_with(".lock") || n.contains("mailsweep") {
            leftovers.push(n);
        }
    });
    assert!(leftovers.is_empty(), "{name}: {leftovers:?}");
    code
}

#[test]
fn killed_at_every_stage_a_rerun_ends_exactly_once_for_maildir_and_mbox_sources() {
    let mut trials = 0;
    let stages: [(&str, &[&str]); 2] = [
        (
            "maildir",
            &[
                "written:1",
                "written:3",
                "journaled:1",
                "journaled:3",
                "stored:1",
                "stored:2",
                "expunged:1",
                "expunged:2",
            ],
        ),
        (
            "mbox",
            &[
                "written:1",
                "written:3",
                "journaled:1",
                "journaled:2",
                "stored:1",
                "stored:2",
                "expunged:1",
                "expunged:2",
            ],
        ),
    ];
    for (kind, list) in stages {
        for stage in list {
            for format in ["mbox", "maildir"] {
                let name = format!("{kind}-{}-{format}", stage.replace(':', "-"));
                let code =
                    local_trial(kind, format, &name, |sandbox, src, dir| aborted_at(sandbox, src, dir, format, stage));
                assert_eq!(code, -1, "{name}: the run must have been killed");
                trials += 1;
            }
        }
        // Real SIGKILLs from outside, at moments chosen by watching the journal grow.
        for lines in [1usize, 2, 4, 6] {
            let name = format!("{kind}-sigkill-{lines}");
            local_trial(kind, "mbox", &name, |sandbox, src, dir| {
                kill_when_journal_has(
                    archive_cmd(sandbox, src, dir, &["--older-than", "1y", "--batch-size", "1"]),
                    dir,
                    lines,
                )
            });
            trials += 1;
        }
    }
    eprintln!("local-source kill trials: {trials}, each ended with every message exactly once");
}

/// Copies verified and journaled by a run killed before it removed their messages, then
/// damaged before the rerun: the rerun does not remove a message on the word of a copy
/// that no longer reads back identical; its note says the message stays in the source (a
/// local store has no server), and the next run archives it again, intact.
#[test]
fn a_copy_damaged_before_its_removal_keeps_the_message_in_the_source() {
    const DAMAGE: &[u8] = b"\ndamaged by the test\n";
    let sandbox = TestDir::new();
    let root = sandbox.join("mail");
    let l = make_maildir(&root, "damaged");
    let src = format!("maildir:{}", root.display());
    let dir = sandbox.join("arch");
    let killed = aborted_at(&sandbox, &src, &dir, "maildir", "journaled:1");
    assert_eq!(killed.status.code(), None, "killed after the first batch was journaled");
    let mut damaged = 0;
    walk(&dir, &mut |p| {
        let parent = p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned());
        if !p.strip_prefix(&dir).unwrap().starts_with(".mailsweep") && matches!(parent.as_deref(), Some("cur" | "new"))
        {
            std::fs::OpenOptions::new().append(true).open(p).unwrap().write_all(DAMAGE).unwrap();
            damaged += 1;
        }
    });
    assert_eq!(damaged, 2, "the first batch (--batch-size 2)");
    let intact = || -> Vec<Vec<u8>> {
        archive_messages(&dir, &l.originals).into_iter().filter(|m| !m.ends_with(DAMAGE)).collect()
    };
    let args = ["--older-than", "1y", "--format", "json", "--archive-format", "maildir"];

    let again = run(&sandbox, &src, &dir, &args);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let notes = json(&again)["notes"].to_string();
    assert_eq!(notes.matches("no longer reads back identical").count(), 2, "{notes}");
    assert_eq!(notes.matches("it stays in the source and the next run archives it again").count(), 2, "{notes}");
    assert!(!notes.contains("server"), "{notes}");
    assert_once(&l.originals, &[maildir_messages(&root), intact()].concat(), "after the rerun");

    let third = run(&sandbox, &src, &dir, &args);
    assert_eq!(json(&third)["totals"]["archived_messages"], 2, "{}", text(&third.stdout));
    assert_once(&l.originals, &[maildir_messages(&root), intact()].concat(), "after the third run");
    assert!(sorted(intact()) == sorted(l.old_read.clone()), "the old read mail is archived, intact");
}

// ---------------------------------------------------------------------------------------
// The sample, and what is refused
// ---------------------------------------------------------------------------------------

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
            let t = std::fs::metadata(e.path()).unwrap().modified().unwrap();
            std::fs::File::options().write(true).open(&target).unwrap().set_modified(t).unwrap();
        }
    }
}

#[test]
fn the_readme_sample_command_archives_the_sample_maildir() {
    let sandbox = TestDir::new();
    let maildir = sandbox.join("Maildir");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sample/Maildir"), &maildir);
    let before = maildir_messages(&maildir.join(".Sent")).len();
    let src = format!("maildir:{}", maildir.display());
    let doctor = mailsweep(&sandbox).args(["doctor", &src]).output().unwrap();
    let report = text(&doctor.stdout);
    assert!(report.contains(&format!("mailsweep archive {src} ")), "{report}");
    assert!(!report.contains("need the server address"), "{report}");
    let dir = sandbox.join("DIR");
    let out = mailsweep(&sandbox)
        .args(["archive", &src, "--folder", "Sent", "--older-than", "1y", "--to", dir.to_str().unwrap(), "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("moved"), "{}", text(&out.stdout));
    let archived = archive_messages(&dir, &[]).len();
    assert!(archived > 0);
    assert_eq!(maildir_messages(&maildir.join(".Sent")).len(), before - archived);
    let again = run(&sandbox, &src, &dir, &["--folder", "Sent", "--older-than", "1y", "--format", "json"]);
    assert_eq!(json(&again)["totals"]["archived_messages"], 0);
}

#[test]
fn nested_paths_and_quota_without_a_quota_are_refused() {
    let sandbox = TestDir::new();
    let root = sandbox.join("mail");
    make_maildir(&root, "nest");
    let src = format!("maildir:{}", root.display());
    let out = run(&sandbox, &src, &root.join("archive"), &["--older-than", "1y"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is inside the source"), "{}", text(&out.stderr));
    let out = run(&sandbox, &src, sandbox.path(), &["--older-than", "1y"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is inside the archive directory"), "{}", text(&out.stderr));
    let out = run(&sandbox, &src, &sandbox.join("arch"), &["--until-quota", "50%"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no quota"), "{}", text(&out.stderr));
    // With a Maildir++ maildirsize limit, --until-quota works: oldest first.
    let used: u64 = maildir_messages(&root).iter().map(|m| m.len() as u64).sum();
    std::fs::write(root.join("maildirsize"), format!("{}S\n{used} 9\n", used * 2)).unwrap();
    let out = run(&sandbox, &src, &sandbox.join("arch"), &["--until-quota", "45%", "--dry-run", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert!(v["totals"]["planned_messages"].as_u64().unwrap() >= 1, "{v:#}");
    assert!(v["quota"]["used_after"].as_u64().unwrap() <= used * 2 * 45 / 100, "{v:#}");
}
