//! Shared integration-test support: the real-Dovecot harness, test PKI, fake servers, raw
//! IMAP/POP3 clients, a deterministic message builder and a sandboxed `mailsweep` command.
//!
//! * [`dovecot`] — `Dovecot::start()`: a private Dovecot per test (see its module docs).
//! * [`certs`] — test CA + server leaf (good/expired/wrong-host/unknown-CA), rustls helpers.
//! * [`fake_server`] — scripted hostile servers (stall, garbage, close after greeting, ...).
//! * [`oauth`] — an OAuth 2 token-introspection server for Dovecot's `oauth2` passdb.
//! * [`raw`] — tiny blocking IMAP/POP3 clients for assertions.
//! * [`mutf7`] — IMAP modified UTF-7 encoder (Maildir++ on-disk folder names).
//! * [`message`], [`TestDir`], [`mailsweep`] — defined here.

#![allow(dead_code)] // each test module uses a different subset

pub mod certs;
pub mod corpus;
pub mod dovecot;
pub mod fake_server;
pub mod fetchmail;
pub mod latency;
pub mod mutf7;
pub mod oauth;
pub mod proxy;
pub mod raw;

#[allow(unused_imports)] // convenience re-exports for test modules
pub use certs::CertKind;
#[allow(unused_imports)]
pub use dovecot::{Dovecot, MailboxStatus, Options, QuotaLine, SeedMessage, User, unique_user};
#[allow(unused_imports)]
pub use fake_server::FakeServer;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary directory removed on drop (kept when `MAILSWEEP_KEEP_TEST_DIRS` is set).
pub struct TestDir {
    tmp: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl TestDir {
    pub fn new() -> TestDir {
        let tmp = tempfile::Builder::new().prefix("mailsweep-test.").tempdir().expect("create test temp dir");
        let path = tmp.path().to_path_buf();
        TestDir { tmp: Some(tmp), path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path.join(rel)
    }

    /// Writes `contents` to `rel` (creating parent dirs) and returns the full path.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}

impl Default for TestDir {
    fn default() -> Self {
        TestDir::new()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::env::var_os("MAILSWEEP_KEEP_TEST_DIRS").is_some()
            && let Some(tmp) = self.tmp.take()
        {
            eprintln!("keeping test dir {}", tmp.keep().display());
        }
    }
}

/// The built `mailsweep` binary with a sandboxed environment: `env_clear()`, then only `PATH`
/// (inherited), `HOME=<sandbox>/home`, `XDG_CONFIG_HOME=<sandbox>/config`,
/// `XDG_STATE_HOME=<sandbox>/state`, `XDG_CACHE_HOME=<sandbox>/cache`, `LANG=C.UTF-8`, with
/// cwd = `<sandbox>`. The directories are created. Nothing reads the real `~/.config`.
pub fn mailsweep(sandbox: &TestDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailsweep"));
    cmd.env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()));
    for (var, sub) in
        [("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")]
    {
        let dir = sandbox.join(sub);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        cmd.env(var, dir);
    }
    cmd.env("LANG", "C.UTF-8");
    cmd.current_dir(sandbox.path());
    cmd
}

/// A deterministic RFC 5322 message with **CRLF** line endings, so its file size, vsize and
/// IMAP RFC822.SIZE are all `raw.len()`. Headers: From, To (`user@example.org`), Subject, Date
/// (`date_rfc2822` verbatim, e.g. `"Mon, 01 Jan 2024 10:00:00 +0000"`), Message-ID (derived from
/// the inputs), MIME-Version, Content-Type text/plain. The body is exactly `body_size` bytes of
/// printable ASCII text (no line starts with `.`) in CRLF-terminated lines of at most 78 bytes;
/// if the last line would have only 1 byte, it is a single `x` without line ending. Non-ASCII
/// subjects are passed through unencoded (8-bit header).
pub fn message(from: &str, subject: &str, date_rfc2822: &str, body_size: usize) -> Vec<u8> {
    // FNV-1a over the inputs for a stable Message-ID.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in from.bytes().chain(subject.bytes()).chain(date_rfc2822.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ body_size as u64).wrapping_mul(0x0100_0000_01b3);
    let mut out = format!(
        "From: {from}\r\nTo: user@example.org\r\nSubject: {subject}\r\nDate: {date_rfc2822}\r\n\
         Message-ID: <{h:016x}@mailsweep.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    .into_bytes();
    const FILLER: &[u8] = b"The quick brown fox jumps over the lazy dog 0123456789 mailsweep test body ";
    let mut remaining = body_size;
    let mut pos = 0usize;
    while remaining > 0 {
        if remaining == 1 {
            out.push(b'x');
            break;
        }
        let text = (remaining - 2).min(76);
        for _ in 0..text {
            out.push(FILLER[pos % FILLER.len()]);
            pos += 1;
        }
        out.extend_from_slice(b"\r\n");
        remaining -= text + 2;
    }
    out
}
