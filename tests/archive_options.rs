//! `mailsweep archive` options against a real Dovecot (issue #5), beyond the age, size and
//! fault tests of `archive.rs`: the confirmation prompt on a real pseudo-terminal,
//! `--split-by-year`, `--by-sent-date` (and what missing or malformed `Date:` headers do),
//! `--before`, `--include-flagged`/`--include-unread` on their own, folder globs, and the
//! `trash` and `big-attachments` presets.

use std::path::Path;
use std::process::Command;

use crate::archive::{
    OLD, PASSWORD, archive_cmd, archive_messages, assert_exactly_once, copy_for_dovecot, json, label, mbox_messages,
    now, pop_source, received, run, server_messages, small, source, text, walk,
};
use crate::support::corpus::{base64_lines, noise};
use crate::support::raw::ImapClient;
use crate::support::{Dovecot, SeedMessage, TestDir, User, mailsweep, unique_user};

/// Unix seconds of a UTC time (`2021-01-01T00:00:00Z`).
fn at(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

fn new_user(d: &Dovecot, msgs: &[SeedMessage]) -> User {
    let u = d.add_user(&unique_user("aopt"), PASSWORD, None);
    d.seed(&u.name, msgs);
    u
}

/// A read message in `folder` received at `date` (its `Date:` header is fixed, 2024).
fn seen(folder: &str, subject: &str, date: i64) -> SeedMessage {
    SeedMessage::new(folder, small(subject, 600 + subject.len() * 7)).date(date).flags("S")
}

/// A message with exactly this `Date:` field (`None`: no `Date:` at all).
fn dated(subject: &str, date: Option<&str>) -> Vec<u8> {
    let date = date.map(|d| format!("Date: {d}\r\n")).unwrap_or_default();
    format!(
        "From: Bob <bob@example.org>\r\nTo: user@example.org\r\nSubject: {subject}\r\n{date}Message-ID: <{}@t>\r\n\r\nbody of {subject}\r\n",
        subject.replace(' ', "-")
    )
    .into_bytes()
}

fn raws(msgs: &[SeedMessage]) -> Vec<Vec<u8>> {
    msgs.iter().map(|m| m.raw.clone()).collect()
}

/// The subject of a message (without `Subject: `).
fn subject(m: &[u8]) -> String {
    label(m).trim_start_matches("Subject: ").to_string()
}

/// Subjects of messages, sorted.
fn subjects(msgs: &[Vec<u8>]) -> Vec<String> {
    let mut s: Vec<String> = msgs.iter().map(|m| subject(m)).collect();
    s.sort();
    s
}

fn names(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The archive's files (relative, sorted), without mailsweep's own `.mailsweep` directory.
fn archive_files(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(dir, &mut |p| {
        let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        if !rel.starts_with(".mailsweep") {
            files.push(rel);
        }
    });
    files.sort();
    files
}

/// The subjects in one mbox file of the archive, in file order.
fn mbox_subjects(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    mbox_messages(&bytes).iter().map(|m| subject(m)).collect()
}

/// The subjects in one Maildir folder of the archive (`cur/`), sorted; each file must be
/// byte-identical to a served message, its file time that message's received date.
fn maildir_subjects(folder: &Path, msgs: &[SeedMessage]) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(folder.join("cur")).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        let m = msgs.iter().find(|m| m.raw == bytes).unwrap_or_else(|| panic!("not as served: {}", p.display()));
        let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
        let secs = mtime.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert_eq!(secs, m.internal_date, "{}: file time = received date", p.display());
        out.push(subject(&bytes));
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// The confirmation prompt, on a real pseudo-terminal.
// ---------------------------------------------------------------------------------------

/// Runs a command on a new pseudo-terminal (stdin and stderr are the terminal; stdout too,
/// unless a file is given), answers `answer` + Enter once `[y/N]` shows (`-`: never
/// answers), and prints everything the terminal showed; the last line is `[exit N]`.
/// A run that hangs (e.g. asks when it must not) is killed after 60 s.
const PTY: &str = r#"
import os, pty, select, sys, time
answer, out_path, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    if out_path:
        f = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, 1)
    os.execv(argv[0], argv)
seen = b""
answered = answer == "-"
deadline = time.time() + 60
while True:
    if time.time() > deadline:
        os.kill(pid, 9)
        seen += b"\n[pty: killed after 60 s]\n"
        break
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
    if not answered and b"[y/N] " in seen:
        os.write(fd, answer.encode() + b"\r")
        answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(seen)
sys.stdout.write("\n[exit %d]\n" % os.waitstatus_to_exitcode(status))
"#;

/// What a run on a terminal showed, and its exit code.
struct Terminal {
    shown: String,
    code: i32,
}

fn on_terminal(cmd: &Command, answer: &str, stdout_file: Option<&Path>) -> Terminal {
    let mut py = Command::new("python3");
    py.arg("-c").arg(PTY).arg(answer).arg(stdout_file.map(|p| p.as_os_str()).unwrap_or_default());
    py.arg(cmd.get_program()).args(cmd.get_args());
    py.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            py.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        py.current_dir(dir);
    }
    let out = py.output().expect("python3");
    assert!(out.status.success(), "pty driver: {}", text(&out.stderr));
    let all = text(&out.stdout);
    let (shown, last) = all.trim_end().rsplit_once('\n').expect("an exit line");
    let code = last.trim_start_matches("[exit ").trim_end_matches(']').parse().unwrap();
    Terminal { shown: shown.replace("\r\n", "\n"), code }
}

/// `archive_cmd` without `--yes`.
fn asking_cmd(sandbox: &TestDir, src: &str, dir: &Path, extra: &[&str]) -> Command {
    let base = archive_cmd(sandbox, src, dir, extra);
    let mut cmd = mailsweep(sandbox);
    cmd.args(base.get_args().filter(|a| *a != "--yes"));
    cmd.env("MAILSWEEP_PASSWORD", PASSWORD);
    cmd
}

#[test]
fn the_prompt_shows_the_plan_and_only_yes_archives() {
    let d = Dovecot::start();
    let msgs = vec![
        seen("INBOX", "prompt old 1", OLD),
        seen("INBOX", "prompt old 2", OLD + 86_400),
        seen("Sent", "prompt old sent", OLD + 2 * 86_400),
        seen("INBOX", "prompt new", now() - 86_400),
    ];
    let u = new_user(&d, &msgs);
    let sandbox = TestDir::new();
    let dir = sandbox.join("arch");
    let src = source(&d, &u, None);
    let args = ["--older-than", "1y"];
    let untouched = |what: &str| {
        assert_eq!(server_messages(&u).len(), msgs.len(), "{what}: the server is untouched");
        assert!(!dir.exists(), "{what}: no archive directory: {:?}", snapshot(&dir));
    };

    // No terminal and no --yes: refused before anything is done (exit 3, with the way out).
    let out = asking_cmd(&sandbox, &src, &dir, &args).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("no terminal to confirm on") && err.contains("hint: pass --yes"), "{err}");
    untouched("no terminal");

    // --dry-run never asks, even on a terminal.
    let t = on_terminal(&asking_cmd(&sandbox, &src, &dir, &[&args[..], &["--dry-run"]].concat()), "-", None);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(!t.shown.contains("[y/N]") && t.shown.contains("would move 3 messages"), "{}", t.shown);
    untouched("dry run");

    // "n" and a bare Enter decline: the plan was shown, nothing changed, and the archive
    // directory was not even created (the plan reads an archive without creating it).
    for answer in ["n", ""] {
        let t = on_terminal(&asking_cmd(&sandbox, &src, &dir, &args), answer, None);
        assert_eq!(t.code, 0, "{answer:?}: {}", t.shown);
        let plan = t.shown.split("[y/N]").next().unwrap();
        for want in ["INBOX", "Sent", "would move 3 messages", "Move these messages? "] {
            assert!(plan.contains(want), "{answer:?}: the plan before the question shows {want:?}:\n{}", t.shown);
        }
        assert!(t.shown.contains("nothing was changed"), "{}", t.shown);
        assert!(!t.shown.contains(PASSWORD), "the password never shows:\n{}", t.shown);
        untouched(answer);
    }

    // "y" archives (stdout piped to a file, as with `| tee`: still asked, on stderr).
    let report = sandbox.join("report.json");
    let cmd = asking_cmd(&sandbox, &src, &dir, &[&args[..], &["--format", "json"]].concat());
    let t = on_terminal(&cmd, "y", Some(&report));
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(t.shown.contains("Move these messages? [y/N] y"), "{}", t.shown);
    assert!(!t.shown.contains(PASSWORD), "the password never shows:\n{}", t.shown);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let totals = &v["totals"];
    assert_eq!((totals["archived_messages"].as_u64(), totals["deleted_messages"].as_u64()), (Some(3), Some(3)));
    let mut archived = archive_messages(&dir, &raws(&msgs));
    archived.sort();
    let mut want = raws(&msgs[..3]);
    want.sort();
    assert!(archived == want, "the three old messages, byte for byte");
    assert_exactly_once(&raws(&msgs), &u, &dir, "after yes");

    // An existing archive (journal, folder map, lock file, mbox files): "n" to a plan
    // with more old mail leaves every file byte-identical, with its mode and times.
    let later = vec![seen("INBOX", "prompt later old", OLD + 3 * 86_400), seen("Later", "prompt later", OLD)];
    d.seed(&u.name, &later);
    let before = snapshot(&dir);
    assert!(before.iter().any(|(p, ..)| p == ".mailsweep/journal.jsonl"), "{before:?}");
    let t = on_terminal(&asking_cmd(&sandbox, &src, &dir, &args), "n", None);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(t.shown.contains("would move 2 messages") && t.shown.contains("nothing was changed"), "{}", t.shown);
    assert_eq!(snapshot(&dir), before, "the archive is exactly as it was");
    assert_eq!(server_messages(&u).len(), 1 + later.len());

    // POP3 asks too, and "n" leaves the maildrop alone (no DELE, no QUIT with deletions)
    // and creates no archive directory.
    let pop_msgs = vec![SeedMessage::new("INBOX", received(small("pop prompt old", 700), &[OLD])).flags("S")];
    let pu = new_user(&d, &pop_msgs);
    let pdir = sandbox.join("pop");
    let t = on_terminal(&asking_cmd(&sandbox, &pop_source(&d, &pu), &pdir, &args), "n", None);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(t.shown.contains("would move 1 messages") && t.shown.contains("nothing was changed"), "{}", t.shown);
    assert_eq!(server_messages(&pu).len(), 1);
    assert!(!pdir.exists(), "{:?}", snapshot(&pdir));

    // A local Maildir source: the same, for a fresh and for an existing archive.
    let lu = new_user(&d, &[seen("INBOX", "local prompt old", OLD), seen("Sent", "local prompt sent", OLD)]);
    let lsrc = format!("maildir:{}", lu.maildir().display());
    let ldir = sandbox.join("local");
    let t = on_terminal(&asking_cmd(&sandbox, &lsrc, &ldir, &args), "n", None);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(t.shown.contains("would move 2 messages") && t.shown.contains("nothing was changed"), "{}", t.shown);
    assert!(!ldir.exists(), "{:?}", snapshot(&ldir));
    let out = run(&sandbox, &lsrc, &ldir, &[&args[..], &["--folder", "Sent"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let before = snapshot(&ldir);
    let t = on_terminal(&asking_cmd(&sandbox, &lsrc, &ldir, &args), "n", None);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(t.shown.contains("would move 1 messages") && t.shown.contains("nothing was changed"), "{}", t.shown);
    assert_eq!(snapshot(&ldir), before, "the local run's archive is exactly as it was");
    assert_eq!(server_messages(&lu).len(), 1);
}

/// Everything under `dir` (mailsweep's `.mailsweep` too), sorted: path, content (`None`
/// for a directory), mode and modification time.
type Snapshot = Vec<(String, Option<Vec<u8>>, u32, std::time::SystemTime)>;

fn snapshot(dir: &Path) -> Snapshot {
    use std::os::unix::fs::PermissionsExt;
    fn visit(root: &Path, at: &Path, out: &mut Snapshot) {
        let Ok(entries) = std::fs::read_dir(at) else { return };
        for e in entries {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let content = if m.is_dir() { None } else { Some(std::fs::read(&p).unwrap()) };
            out.push((rel, content, m.permissions().mode(), m.modified().unwrap()));
            if m.is_dir() {
                visit(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    visit(dir, dir, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

// ---------------------------------------------------------------------------------------
// --split-by-year: one archive folder per (UTC) year below each folder.
// ---------------------------------------------------------------------------------------

/// The path of a folder's year in the archive, as documented: mbox `Sent.sbd/2021` (a
/// Local Folders tree, with an empty `Sent` parent file), Maildir++ `.Sent.2021`.
fn year_path(format: &str, folder: &str, year: i32) -> String {
    match format {
        "mbox" => format!("{folder}.sbd/{year}"),
        _ => format!(".{folder}.{year}"),
    }
}

/// (folder, year, subjects archived there)
type Years<'a> = &'a [(&'a str, i32, &'a [&'a str])];

/// Checks every (folder, year) of the archive holds exactly these subjects, byte for byte
/// as served, and the archive holds nothing else.
fn assert_years(dir: &Path, format: &str, msgs: &[SeedMessage], want: Years) {
    for (folder, year, subjects) in want {
        let path = dir.join(year_path(format, folder, *year));
        let mut got = match format {
            "mbox" => {
                for m in mbox_messages(&std::fs::read(&path).unwrap()) {
                    assert!(msgs.iter().any(|s| s.raw == m), "{}: a message not as served", path.display());
                }
                mbox_subjects(&path)
            }
            _ => maildir_subjects(&path, msgs),
        };
        got.sort();
        assert_eq!(got, names(subjects), "{format}: {folder} {year}");
        if format == "mbox" {
            let parent = dir.join(folder);
            assert!(parent.is_file() && std::fs::metadata(&parent).unwrap().len() == 0, "empty parent {folder}");
        }
    }
    let total: usize = want.iter().map(|(_, _, s)| s.len()).sum();
    assert_eq!(archive_messages(dir, &raws(msgs)).len(), total, "{format}: nothing else: {:?}", archive_files(dir));
}

#[test]
fn split_by_year_files_each_utc_year_and_a_second_run_appends_to_the_right_one() {
    let d = Dovecot::start();
    for format in ["mbox", "maildir"] {
        let t = |s: &str| format!("{format} {s}");
        // Around New Year (UTC), and in three years in two folders.
        let mut msgs = vec![
            seen("INBOX", &t("y2019"), at("2019-03-01T10:00:00Z")),
            seen("INBOX", &t("y2020 last second"), at("2020-12-31T23:59:59Z")),
            seen("INBOX", &t("y2021 first second"), at("2021-01-01T00:00:00Z")),
            seen("INBOX", &t("y2021 july"), at("2021-07-01T10:00:00Z")),
            seen("Sent", &t("sent 2020"), at("2020-05-01T10:00:00Z")),
            seen("Sent", &t("sent 2021"), at("2021-05-01T10:00:00Z")),
            seen("INBOX", &t("new"), now() - 86_400),
        ];
        let u = new_user(&d, &msgs);
        let sandbox = TestDir::new();
        let dir = sandbox.join("arch");
        let src = source(&d, &u, None);
        let args = ["--older-than", "1y", "--split-by-year", "--archive-format", format, "--format", "json"];
        let out = run(&sandbox, &src, &dir, &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let v = json(&out);
        assert_eq!(v["totals"]["archived_messages"], 6, "{v:#}");
        let targets = |folder: &str| -> Vec<String> {
            let f = v["folders"].as_array().unwrap().iter().find(|f| f["folder"] == folder).unwrap();
            f["targets"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect()
        };
        assert_eq!(targets("INBOX"), [2019, 2020, 2021].map(|y| year_path(format, "INBOX", y)), "oldest first");
        assert_eq!(targets("Sent"), [2020, 2021].map(|y| year_path(format, "Sent", y)));
        let first: Years = &[
            ("INBOX", 2019, &[&t("y2019")]),
            ("INBOX", 2020, &[&t("y2020 last second")]),
            ("INBOX", 2021, &[&t("y2021 first second"), &t("y2021 july")]),
            ("Sent", 2020, &[&t("sent 2020")]),
            ("Sent", 2021, &[&t("sent 2021")]),
        ];
        assert_years(&dir, format, &msgs, first);
        assert_exactly_once(&raws(&msgs), &u, &dir, format);

        // Later, more old mail: each message goes to its year, after what is there.
        let later = vec![
            seen("INBOX", &t("later 2019"), at("2019-11-11T11:00:00Z")),
            seen("INBOX", &t("later 2018"), at("2018-02-02T10:00:00Z")),
            seen("Sent", &t("later sent 2021"), at("2021-12-31T23:00:00Z")),
        ];
        d.seed(&u.name, &later);
        msgs.extend(later);
        let again = run(&sandbox, &src, &dir, &args);
        assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
        assert_eq!(json(&again)["totals"]["archived_messages"], 3, "{:#}", json(&again));
        let second: Years = &[
            ("INBOX", 2018, &[&t("later 2018")]),
            ("INBOX", 2019, &[&t("y2019"), &t("later 2019")]),
            ("INBOX", 2020, &[&t("y2020 last second")]),
            ("INBOX", 2021, &[&t("y2021 first second"), &t("y2021 july")]),
            ("Sent", 2020, &[&t("sent 2020")]),
            ("Sent", 2021, &[&t("sent 2021"), &t("later sent 2021")]),
        ];
        assert_years(&dir, format, &msgs, second);
        if format == "mbox" {
            let order = mbox_subjects(&dir.join("INBOX.sbd/2019"));
            assert_eq!(order, [t("y2019"), t("later 2019")], "appended after the first run's messages");
        }
        assert_exactly_once(&raws(&msgs), &u, &dir, &format!("{format}, second run"));
        let third = run(&sandbox, &src, &dir, &args);
        assert_eq!(json(&third)["totals"]["archived_messages"], 0);
        assert_exactly_once(&raws(&msgs), &u, &dir, &format!("{format}, third run"));

        if format == "maildir" {
            // Dovecot opens the split Maildir++ archive: INBOX/2019 etc. are its folders.
            let reader = d.add_user(&unique_user("yreader"), "r", None);
            copy_for_dovecot(&dir, &reader.maildir());
            d.doveadm(&["force-resync", "-u", &reader.name, "*"]);
            for (folder, year, subjects) in second {
                let st = d.mailbox_status(&reader.name, &format!("{folder}/{year}"));
                assert_eq!(st.messages, subjects.len() as u64, "Dovecot reads {folder}/{year}");
            }
        }
    }
}

#[test]
fn pop3_split_by_year_files_by_the_received_year() {
    let d = Dovecot::start();
    for format in ["mbox", "maildir"] {
        let t = |s: &str| format!("pop {format} {s}");
        let recent = now() - 86_400;
        // Delivered to the maildrop lately; the newest Received: dates the message (and
        // becomes the Maildir file time), so `internal_date` here is that date.
        let pop = |subject: &str, hops: &[i64]| SeedMessage {
            folder: "INBOX".into(),
            raw: received(small(subject, 700), hops),
            internal_date: hops[0],
            flags: "S".into(),
        };
        let mut msgs = vec![
            pop(&t("r2019"), &[at("2019-06-01T10:00:00Z")]),
            pop(&t("r2020 newest hop"), &[at("2020-12-31T23:59:59Z"), at("2019-12-01T00:00:00Z")]),
            pop(&t("r2021"), &[at("2021-01-01T00:00:00Z")]),
            pop(&t("new"), &[recent]),
        ];
        let seed = |m: &[SeedMessage]| -> Vec<SeedMessage> {
            m.iter().map(|m| SeedMessage::new("INBOX", m.raw.clone()).date(recent).flags("S")).collect()
        };
        let u = new_user(&d, &seed(&msgs));
        let sandbox = TestDir::new();
        let dir = sandbox.join("arch");
        let src = pop_source(&d, &u);
        let args = ["--older-than", "1y", "--split-by-year", "--archive-format", format, "--format", "json"];
        let out = run(&sandbox, &src, &dir, &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(json(&out)["totals"]["archived_messages"], 3, "{:#}", json(&out));
        let first: Years = &[
            ("INBOX", 2019, &[&t("r2019")]),
            ("INBOX", 2020, &[&t("r2020 newest hop")]),
            ("INBOX", 2021, &[&t("r2021")]),
        ];
        assert_years(&dir, format, &msgs, first);

        let later = vec![pop(&t("later r2019"), &[at("2019-09-09T09:00:00Z")])];
        d.seed(&u.name, &seed(&later));
        msgs.extend(later);
        let again = run(&sandbox, &src, &dir, &args);
        assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
        assert_eq!(json(&again)["totals"]["archived_messages"], 1, "{:#}", json(&again));
        let second: Years = &[
            ("INBOX", 2019, &[&t("r2019"), &t("later r2019")]),
            ("INBOX", 2020, &[&t("r2020 newest hop")]),
            ("INBOX", 2021, &[&t("r2021")]),
        ];
        assert_years(&dir, format, &msgs, second);
        let (on_server, _) = assert_exactly_once(&raws(&msgs), &u, &dir, &format!("pop3 {format}"));
        assert_eq!(on_server, 1, "only the new message stays");
    }
}

/// A POP3 message with neither `Received:` nor `Date:` has no date at all: a size
/// criterion with `--split-by-year` files it under `undated` (never a made-up 1970), and
/// no age criterion ever takes it as old.
#[test]
fn pop3_split_by_year_files_a_message_without_any_date_as_undated() {
    let d = Dovecot::start();
    for format in ["mbox", "maildir"] {
        let t = |s: &str| format!("pop {format} {s}");
        let recent = now() - 86_400;
        let padded = |raw: Vec<u8>, pad: usize| {
            let mut raw = raw;
            raw.extend(std::iter::repeat_n(b'x', pad));
            raw.extend_from_slice(b"\r\n");
            raw
        };
        let undated_big = padded(dated(&t("undated big"), None), 5_000);
        let undated_small = dated(&t("undated small"), None);
        let dated_big = received(padded(dated(&t("dated big"), None), 5_000), &[at("2019-06-01T10:00:00Z")]);
        for m in [&undated_big, &undated_small] {
            let head = text(m.split(|&b| b == b'\n').take(6).flatten().copied().collect::<Vec<u8>>().as_slice());
            assert!(!head.contains("Date:") && !head.contains("Received:"), "{head}");
        }
        let all = vec![undated_big.clone(), undated_small.clone(), dated_big.clone()];
        let msgs: Vec<SeedMessage> =
            all.iter().map(|raw| SeedMessage::new("INBOX", raw.clone()).date(recent).flags("S")).collect();
        let u = new_user(&d, &msgs);
        let sandbox = TestDir::new();
        let dir = sandbox.join("arch");
        let src = pop_source(&d, &u);

        // Age criteria (received or sent date) never select a message without a date.
        // (The first run archives the dated one, the second finds nothing more.)
        for (by, want) in [(&["--older-than", "1y"][..], 1), (&["--older-than", "1y", "--by-sent-date"], 0)] {
            let rest = ["--split-by-year", "--archive-format", format, "--format", "json"];
            let out = run(&sandbox, &src, &dir, &[by, &rest].concat());
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let v = json(&out);
            assert_eq!(v["totals"]["archived_messages"], want, "{by:?}: only the dated one: {v:#}");
        }
        assert_eq!(subjects(&server_messages(&u)), [t("undated big"), t("undated small")]);

        // A size criterion takes the undated big one: filed under `undated`.
        let args = ["--larger-than", "2000", "--split-by-year", "--archive-format", format, "--format", "json"];
        let out = run(&sandbox, &src, &dir, &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let v = json(&out);
        assert_eq!(v["totals"]["archived_messages"], 1, "{v:#}");
        let undated_path = match format {
            "mbox" => "INBOX.sbd/undated",
            _ => ".INBOX.undated",
        };
        assert_eq!(v["folders"][0]["targets"], serde_json::json!([undated_path]), "{v:#}");
        let files = archive_files(&dir);
        assert!(!files.iter().any(|f| f.contains("1970")), "no made-up year: {files:?}");
        let got = match format {
            "mbox" => mbox_messages(&std::fs::read(dir.join(undated_path)).unwrap()),
            _ => std::fs::read_dir(dir.join(undated_path).join("cur"))
                .unwrap()
                .map(|e| std::fs::read(e.unwrap().path()).unwrap())
                .collect(),
        };
        assert!(got == [undated_big.clone()], "{format}: the undated message, byte for byte: {files:?}");
        if format == "mbox" {
            // Its From_ line carries the time it was archived, not the epoch.
            let bytes = std::fs::read(dir.join(undated_path)).unwrap();
            let from = text(bytes.split(|&b| b == b'\n').next().unwrap());
            assert!(from.starts_with("From ") && !from.contains("1970"), "{from}");
        }
        let dated_path = year_path(format, "INBOX", 2019);
        assert!(files.iter().any(|f| f.starts_with(&dated_path)), "{files:?}");
        assert_eq!(subjects(&server_messages(&u)), [t("undated small")]);
        assert_exactly_once(&all, &u, &dir, &format!("pop3 undated {format}"));
    }
}

// ---------------------------------------------------------------------------------------
// --by-sent-date, --before: the Date: header decides; without a usable one, the received date.
// ---------------------------------------------------------------------------------------

/// (subject, `Date:` field, received date, archived by received date, archived by sent
/// date: in which year)
type SentCase<'a> = (&'a str, Option<&'a str>, i64, bool, Option<i32>);

#[test]
fn by_sent_date_selects_and_files_by_the_date_header() {
    let d = Dovecot::start();
    let old = at("2021-03-01T10:00:00Z");
    let new = now() - 10 * 86_400;
    #[rustfmt::skip]
    let cases: &[SentCase] = &[
        ("sent late received old", Some("Wed, 10 Jan 2024 10:00:00 +0000"), old, true, None),
        ("sent old received new", Some("Sun, 05 May 2019 10:00:00 +0000"), new, false, Some(2019)),
        ("no date received new", None, new, false, None),
        ("no date received old", None, old, true, Some(2021)),
        ("malformed date received new", Some("not a date at all"), new, false, None),
        ("malformed date received old", Some("32 Foo 2019 99:99"), old, true, Some(2021)),
        // (An hour before the cutoff but on the next day where it was sent: see
        // `by_sent_date_counts_a_message_sent_east_of_utc_just_before_the_cutoff`.)
        // 2023-06-15T13:00Z, an hour after the cutoff, still the 15th where it was sent.
        ("west of UTC after the cutoff", Some("Thu, 15 Jun 2023 01:00:00 -1200"), old, true, None),
        ("sent at the cutoff", Some("Thu, 15 Jun 2023 12:00:00 +0000"), old, true, None),
        ("obsolete syntax", Some("5 May 19 10:00:00 GMT"), new, false, Some(2019)),
        ("sent 31 December in UTC-5", Some("Fri, 31 Dec 2021 21:00:00 -0500"), new, false, Some(2022)),
    ];
    let msgs: Vec<SeedMessage> = cases
        .iter()
        .map(|(s, date, rcvd, ..)| SeedMessage::new("INBOX", dated(s, *date)).date(*rcvd).flags("S"))
        .collect();
    let u = new_user(&d, &msgs);
    let sandbox = TestDir::new();
    let src = source(&d, &u, None);
    let cutoff = ["--before", "2023-06-15T12:00:00Z"];

    // By received date (the default): a plan, then nothing changed.
    let plan = run(&sandbox, &src, &sandbox.join("plan"), &[&cutoff[..], &["--dry-run", "--format", "json"]].concat());
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    let by_received = cases.iter().filter(|c| c.3).count() as u64;
    assert_eq!(json(&plan)["totals"]["planned_messages"], by_received, "{:#}", json(&plan));

    // By sent date, split by the sent year.
    let dir = sandbox.join("arch");
    let args = [&cutoff[..], &["--by-sent-date", "--split-by-year", "--format", "json"]].concat();
    let out = run(&sandbox, &src, &dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let archived = subjects(&archive_messages(&dir, &raws(&msgs)));
    let want: Vec<&str> = cases.iter().filter(|c| c.4.is_some()).map(|c| c.0).collect();
    assert_eq!(archived, names(&want), "archived by sent date");
    for (subject, _, _, _, year) in cases {
        if let Some(y) = year {
            let in_year = mbox_subjects(&dir.join(format!("INBOX.sbd/{y}")));
            assert!(in_year.iter().any(|s| s == subject), "{subject:?} in {y}: {in_year:?}");
        }
    }
    assert_exactly_once(&raws(&msgs), &u, &dir, "by sent date");
    let again = run(&sandbox, &src, &dir, &args);
    assert_eq!(json(&again)["totals"]["archived_messages"], 0);

    // POP3: the Date: header instead of the newest Received:, the same fallback.
    let recent = now() - 86_400;
    let pop = |subject: &str, date: Option<&str>, hop: i64| {
        SeedMessage::new("INBOX", received(dated(subject, date), &[hop])).date(recent).flags("S")
    };
    let pop_msgs = vec![
        pop("pop sent old received new", Some("Sun, 05 May 2019 10:00:00 +0000"), recent),
        pop("pop sent new received old", Some("Wed, 10 Jan 2024 10:00:00 +0000"), old),
        pop("pop no date received old", None, old),
        pop("pop malformed date received new", Some("garbage"), recent),
    ];
    let pu = new_user(&d, &pop_msgs);
    let pdir = sandbox.join("pop");
    let out = run(&sandbox, &pop_source(&d, &pu), &pdir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let archived = subjects(&archive_messages(&pdir, &raws(&pop_msgs)));
    assert_eq!(archived, ["pop no date received old", "pop sent old received new"]);
    assert_eq!(mbox_subjects(&pdir.join("INBOX.sbd/2019")), ["pop sent old received new"]);
    assert_eq!(mbox_subjects(&pdir.join("INBOX.sbd/2021")), ["pop no date received old"]);
    assert_exactly_once(&raws(&pop_msgs), &pu, &pdir, "pop3 by sent date");
}

/// Dovecot's `SENTBEFORE` compares the date *where the message was sent* (RFC 3501), so a
/// message sent at 2023-06-15T11:00Z from UTC+14 (local date the 16th) is not found by
/// `SENTBEFORE 16-Jun-2023`, which one extra day after a 12:00Z cutoff would ask for, so
/// the exact comparison would never see it: `candidates` (src/imap/archive.rs) asks two
/// days more, which covers every time zone (at most +14 h).
#[test]
fn by_sent_date_counts_a_message_sent_east_of_utc_just_before_the_cutoff() {
    let d = Dovecot::start();
    let m = SeedMessage::new("INBOX", dated("east", Some("Fri, 16 Jun 2023 01:00:00 +1400"))).date(now()).flags("S");
    let u = new_user(&d, std::slice::from_ref(&m));
    // The cause, on the wire: only a SENTBEFORE two days after the cutoff's date finds it.
    let mut imap = ImapClient::connect(d.imap_port);
    assert!(imap.login(&u.name, PASSWORD).is_ok());
    assert!(imap.command("SELECT INBOX").is_ok());
    let mut found = |day: &str| {
        imap.command(&format!("UID SEARCH SENTBEFORE {day}")).untagged.iter().any(|l| l.starts_with("* SEARCH "))
    };
    assert!(!found("16-Jun-2023") && found("17-Jun-2023"));
    imap.logout();
    let sandbox = TestDir::new();
    let args = ["--before", "2023-06-15T12:00:00Z", "--by-sent-date", "--dry-run", "--format", "json"];
    let out = run(&sandbox, &source(&d, &u, None), &sandbox.join("a"), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["planned_messages"], 1, "sent at 11:00Z, before the 12:00Z cutoff");
}

// ---------------------------------------------------------------------------------------
// The other selections: --before, --include-flagged / --include-unread alone, folder
// globs, --preset trash, --preset big-attachments, --with-attachments-over.
// ---------------------------------------------------------------------------------------

/// A read message with one base64 attachment of `decoded` bytes (encoded: 78 bytes per 57).
fn with_attachment(folder: &str, subject: &str, decoded: usize) -> SeedMessage {
    let mut raw = format!(
        "From: Carol <carol@example.org>\r\nTo: user@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--b1\r\n\
         Content-Type: application/octet-stream; name=\"data.bin\"\r\n\
         Content-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    raw.extend(base64_lines(&noise(decoded, decoded as u64)));
    raw.extend_from_slice(b"\r\n--b1--\r\n");
    SeedMessage::new(folder, raw).date(now() - 86_400).flags("S")
}

#[test]
fn before_flags_globs_and_presets_select_exactly_what_they_say() {
    let d = Dovecot::start();
    let recent = now() - 86_400;
    let mailbox = vec![
        seen("INBOX", "old read", OLD),
        SeedMessage::new("INBOX", small("old unread", 700)).date(OLD),
        SeedMessage::new("INBOX", small("old flagged", 700)).date(OLD).flags("FS"),
        SeedMessage::new("INBOX", small("old flagged unread", 700)).date(OLD).flags("F"),
        SeedMessage::new("INBOX", small("deleted by another client", 700)).date(OLD).flags("ST"),
        seen("INBOX", "2020 last second", at("2020-12-31T23:59:59Z")),
        seen("INBOX", "2021 first second", at("2021-01-01T00:00:00Z")),
        seen("INBOX", "new read", recent),
        seen("Sent", "sent old", OLD),
        seen("Archives", "in archives", OLD),
        seen("Archives/2021", "in archives 2021", OLD),
        seen("Archives/2022", "in archives 2022", OLD),
        seen("Trash", "trash read", OLD),
        SeedMessage::new("Trash", small("trash unread", 700)).date(OLD),
        SeedMessage::new("Trash", small("trash flagged", 700)).date(OLD).flags("F"),
        SeedMessage::new("Trash", small("trash new", 700)).date(recent),
        SeedMessage::new("Trash", small("trash deleted by another client", 700)).date(OLD).flags("T"),
    ];
    let before = ["--before", "2021-01-01"];
    let old_read = [
        "old read",
        "2020 last second",
        "sent old",
        "in archives",
        "in archives 2021",
        "in archives 2022",
        "trash read",
    ];
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (before.to_vec(), old_read.to_vec()),
        ([&before[..], &["--include-flagged"]].concat(), [&old_read[..], &["old flagged"]].concat()),
        ([&before[..], &["--include-unread"]].concat(), [&old_read[..], &["old unread", "trash unread"]].concat()),
        (vec!["--folder", "archives/*"], vec!["in archives 2021", "in archives 2022"]),
        ([&before[..], &["--folder", "Sent", "--folder", "ARCH*/20?1"]].concat(), vec!["sent old", "in archives 2021"]),
        (vec!["--preset", "trash"], vec!["trash read", "trash unread", "trash flagged", "trash new"]),
        (vec!["--preset", "trash", "--older-than", "1y"], vec!["trash read", "trash unread", "trash flagged"]),
    ];
    // Copies only, each into its own archive: the selections side by side on one mailbox
    // (moving, and what stays, are proven in archive.rs).
    let u = new_user(&d, &mailbox);
    let sandbox = TestDir::new();
    for (i, (args, want)) in cases.iter().enumerate() {
        let dir = sandbox.join(format!("arch{i}"));
        let out = run(
            &sandbox,
            &source(&d, &u, None),
            &dir,
            &[&args[..], &["--keep-on-server", "--format", "json"]].concat(),
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        assert_eq!(subjects(&archive_messages(&dir, &raws(&mailbox))), names(want), "{args:?}");
        assert_eq!(json(&out)["totals"]["archived_messages"], want.len() as u64, "{args:?}");
    }
    assert_eq!(server_messages(&u).len(), mailbox.len());

    // Attachments, moved: the preset's 5 MiB, then a smaller size into the same archive.
    let attachments = vec![
        // 5.5 MB encoded: over the preset's 5 MiB.
        with_attachment("INBOX", "big attachment", 4_000_000),
        // 1.4 MB and 82 KB encoded.
        with_attachment("Sent", "attachment under 5 MiB", 1_000_000),
        with_attachment("Sent", "medium attachment", 60_000),
        with_attachment("INBOX", "small attachment", 20_000),
        // A 100 KB text body and no attachment: the attachments criterion counts every part,
        // bodies included (it costs the same on the server).
        SeedMessage::new("INBOX", small("big text body", 100_000)).date(recent).flags("S"),
        seen("INBOX", "small text", OLD),
    ];
    let u = new_user(&d, &attachments);
    let dir = sandbox.join("attachments");
    let src = source(&d, &u, None);
    let mut want = vec!["big attachment"];
    for args in [&["--preset", "big-attachments"][..], &["--with-attachments-over", "50KiB"]] {
        let out = run(&sandbox, &src, &dir, &[args, &["--format", "json"]].concat());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        assert_eq!(subjects(&archive_messages(&dir, &raws(&attachments))), names(&want), "{args:?}");
        assert_exactly_once(&raws(&attachments), &u, &dir, &format!("{args:?}"));
        want.extend(["attachment under 5 MiB", "medium attachment", "big text body"]);
    }
}

/// A backup (`--keep-on-server`) of everything, then a move by age: only what the move
/// selects leaves the server; the backup copies of newer, unread and flagged mail never
/// make it leave (the journal knows them as backups, not as an interrupted move).
#[test]
fn a_backup_copy_leaves_the_server_only_when_a_move_selects_it() {
    let d = Dovecot::start();
    let msgs = vec![
        seen("INBOX", "old a", OLD),
        seen("INBOX", "old b", OLD + 60),
        SeedMessage::new("INBOX", small("old flagged", 700)).date(OLD).flags("FS"),
        SeedMessage::new("INBOX", small("old unread", 700)).date(OLD),
        seen("INBOX", "new", now() - 86_400),
    ];
    let u = new_user(&d, &msgs);
    let sandbox = TestDir::new();
    let dir = sandbox.join("a");
    let src = source(&d, &u, None);
    let all =
        ["--keep-on-server", "--before", "2099-01-01", "--include-unread", "--include-flagged", "--format", "json"];
    let out = run(&sandbox, &src, &dir, &all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["totals"]["archived_messages"], 5);
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--dry-run", "--format", "json"]);
    assert_eq!(json(&out)["totals"]["already_archived"], 2, "the plan shows the backups it will remove");
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = &json(&out)["totals"];
    assert_eq!((t["archived_messages"].as_u64(), t["deleted_messages"].as_u64()), (Some(0), Some(2)));
    assert_eq!(subjects(&server_messages(&u)), ["new", "old flagged", "old unread"]);
    assert_eq!(subjects(&archive_messages(&dir, &raws(&msgs))), subjects(&raws(&msgs)));

    // POP3 (dates from the newest Received: header): the same rule.
    let pop = |subject: &str, date: i64| SeedMessage::new("INBOX", received(small(subject, 700), &[date])).date(date);
    let msgs = vec![pop("pop old a", OLD), pop("pop old b", OLD + 60), pop("pop new", now() - 86_400)];
    let u = new_user(&d, &msgs);
    let (src, dir) = (pop_source(&d, &u), sandbox.join("p"));
    let out = run(&sandbox, &src, &dir, &all);
    assert_eq!(json(&out)["totals"]["archived_messages"], 3, "{}", text(&out.stderr));
    let out = run(&sandbox, &src, &dir, &["--older-than", "1y", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = &json(&out)["totals"];
    assert_eq!((t["archived_messages"].as_u64(), t["deleted_messages"].as_u64()), (Some(0), Some(2)));
    assert_eq!(subjects(&server_messages(&u)), ["pop new"]);
    assert_eq!(subjects(&archive_messages(&dir, &raws(&msgs))), subjects(&raws(&msgs)));
}
