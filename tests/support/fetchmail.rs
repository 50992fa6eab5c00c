//! Debian's fetchmail as a real POP3 client against the test Dovecot, for the scenarios
//! where another program makes mail disappear.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::TestDir;

/// Runs fetchmail once against `pop3_port` on loopback (plain POP3, no TLS), with
/// `keep` (leave on server) or `no keep` (delete after download), throwing the mail away.
/// Panics with fetchmail's output when it fails or runs longer than 60 s.
pub fn run_once(pop3_port: u16, user: &str, password: &str, keep: bool) {
    let t = TestDir::new();
    let rc = t.join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "set no syslog\npoll 127.0.0.1 protocol pop3 port {pop3_port} auth password\n  user \"{user}\" password \"{password}\" is root here\n  {} fetchall sslproto '' mda \"cat > /dev/null\"\n",
            if keep { "keep" } else { "no keep" }
        ),
    )
    .expect("write fetchmailrc");
    // fetchmail refuses a readable rc file.
    let mut perms = std::fs::metadata(&rc).expect("stat fetchmailrc").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(&rc, perms).expect("chmod fetchmailrc");
    let mut child = Command::new("fetchmail")
        .args(["-f", rc.to_str().expect("utf-8 path"), "--nodetach", "--pidfile"])
        .arg(t.join("fetchmail.pid"))
        .env("HOME", t.path())
        .env("FETCHMAILHOME", t.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fetchmail is installed (scripts/install-test-deps.sh)");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait for fetchmail").is_none() {
        assert!(Instant::now() < deadline, "fetchmail hangs");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("fetchmail output");
    assert_eq!(
        out.status.code(),
        Some(0),
        "fetchmail failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
