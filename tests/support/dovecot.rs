//! Real-Dovecot harness: one private Dovecot 2.3 instance per test (IMAP, IMAPS, POP3, POP3S on
//! free 127.0.0.1 ports), with users, quota, a master user, fast Maildir seeding and doveadm access.
//!
//! # Lifecycle
//! [`Dovecot::start`] / [`Dovecot::start_with`] create a short temp dir (`/dev/shm/msd.XXXXXX`,
//! else `/tmp/msd.XXXXXX`, or under `$MAILSWEEP_TEST_TMP`; mode 0755 so uid 8 can traverse it;
//! short because of unix socket path limits), write a complete private `dovecot.conf` (nothing from
//! `/etc/dovecot` is read), generate the TLS material ([`super::certs`]) and run
//! `dovecot -F -c <dir>/dovecot.conf` as a child process. The call returns once all four
//! listeners accept connections and the plain-text listeners greet with this instance's unique
//! greeting (`mailsweep-test <dir name>`). Free ports are picked by binding port 0; if Dovecot
//! then loses a port race the whole start is retried with new ports.
//!
//! Kill safety: the child gets `PR_SET_PDEATHSIG(SIGTERM)`. PDEATHSIG fires when the *thread*
//! that forked the child exits, so all spawns go through one long-lived spawner thread: Dovecot
//! dies when the test process dies, not when some tokio blocking thread retires. Only the master
//! pid is ever signalled. [`Dovecot::stop`] sends SIGTERM, waits up to 10 s (a graceful Dovecot
//! shutdown takes 1..6 s), SIGKILLs if needed, then waits until the ports are free. `Drop` sends
//! SIGTERM, waits up to 3 s, then SIGKILLs (children exit by themselves when the master is gone)
//! and removes the dir. When a test panics, `Drop` prints the tail of the Dovecot log to stderr.
//! Set `MAILSWEEP_KEEP_TEST_DIRS=1` to keep the temp dir for inspection.
//!
//! Users: [`Dovecot::add_user`] / [`Dovecot::set_quota`] rewrite `passwd` while Dovecot runs.
//! Dovecot's passwd-file driver re-stats the file at most once per second and reloads only if
//! mtime or size changed, so the harness gives each write a strictly increasing mtime and polls
//! `doveadm user` until the change is visible (usually immediate, at most ~1 s).
//!
//! Auth penalty: by default the harness disables Dovecot's per-IP auth penalty (otherwise every
//! failed login from 127.0.0.1 delays all later logins of that instance by 2..15 s) by unlinking
//! `run/anvil-auth-penalty` before the auth process first starts. `Options::auth_penalty = true`
//! keeps it. A failed login still answers after ~0.5 s (`auth_failure_delay = 0` plus Dovecot's
//! 500 ms failure-queue tick).
//!
//! Requirements: root (login processes chroot, mail processes run as Debian's `mail` user,
//! uid/gid 8) and Debian's `dovecot-imapd` + `dovecot-pop3d` (see `scripts/install-test-deps.sh`).
//! Missing Dovecot is a loud panic, never a silent pass.
//!
//! # Layout of `dir`
//! `dovecot.conf`, `dovecot.log` (log_path = info_log_path = debug_log_path),
//! `dovecot.stderr` (the master's stdout/stderr), `ca.pem` (the CA to trust), `ssl/`, `run/`
//! (base_dir), `state/`, `passwd` (users), `master-users` (`admin`), `home/<user>/Maildir`,
//! `dovecot-oauth2.conf.ext` (only with [`Options::oauth2`]).
//!
//! # Server behaviour
//! * `ssl = yes` (STARTTLS/STLS on the plain ports, implicit TLS on IMAPS/POP3S),
//!   `disable_plaintext_auth = no`, `auth_mechanisms = plain login`. Dovecot also treats
//!   loopback connections as "secured" anyway.
//! * Mail: `maildir:~/Maildir` (Maildir++: folder `A/B` lives in `~/Maildir/.A.B`, names in IMAP
//!   modified UTF-7 on disk), namespace separator `/`, auto-created + subscribed special-use
//!   folders Drafts, Sent, Trash, Junk, Archive ([`SPECIAL_USE`]).
//! * Quota ([`Options::quota`], on by default): `count` backend with `quota_vsizes = yes`, root
//!   name `User quota`, per-user limit from the userdb field `quota_rule=*:storage=<bytes>B`
//!   (none = unlimited). IMAP advertises QUOTA. Default `quota_grace` (10 %) applies.
//! * `mail_log` logs delete/undelete/expunge/copy/mailbox_delete/mailbox_rename/flag_change/save
//!   with `uid box msgid size vsize from subject flags` — for IMAP/POP3 sessions. Operations
//!   done through `doveadm` (seeding, [`Dovecot::deliver`]) are logged to doveadm's stderr, not
//!   to `dovecot.log`.
//! * OAuth 2 ([`Options::oauth2`], off by default): `auth_mechanisms` gains `xoauth2 oauthbearer`,
//!   a third passdb `driver = oauth2` (`mechanisms = xoauth2 oauthbearer`) checks the bearer token
//!   against a token-introspection endpoint (usually [`super::oauth::OAuthServer`]) configured in
//!   `<dir>/dovecot-oauth2.conf.ext` (`username_attribute = username`, `active_attribute =
//!   active`, `active_value = true`; the user name it answers must be the login name). The
//!   users' passwd-file passdb is then limited to `mechanisms = plain login`, so a token is never
//!   compared with a password and a password never goes to the introspection endpoint; the
//!   userdb (home, quota) is the same passwd-file for both, so an OAuth user is added with
//!   [`Dovecot::add_user`] like any other. No auth cache: every login asks the endpoint.
//! * Default `imap_logout_format` / `pop3_logout_format`; `pop3_uidl_format = %08Xu%08Xv`;
//!   `mail_max_userip_connections = 50`; `auth_failure_delay = 0` (wrong passwords fail fast);
//!   `auth_verbose = yes`.
//! * Readiness probes leave four `imap-login`/`pop3-login` "Disconnected: Connection closed (no
//!   auth attempts in 0 secs)" lines in the log after every start/restart.
//! * A user without a quota limit has *no* quota root over IMAP (`GETQUOTAROOT` answers
//!   `OK No quota`), while `doveadm quota get` still shows the usage with limit `-`.
//!
//! # Units
//! * [`Dovecot::quota`] returns `doveadm quota get` verbatim: `STORAGE` value and limit are
//!   **KiB, rounded up** (`ceil(bytes / 1024)`), `MESSAGE` are counts; `percent` is Dovecot's.
//!   The exact byte usage is the sum of the mailboxes' `vsize` ([`Dovecot::mailbox_status`]).
//! * vsize counts every line ending as CRLF: `vsize = file size + number of bare LFs`
//!   ([`vsize`]). IMAP RFC822.SIZE / STATUS SIZE / POP3 sizes are vsizes.
//! * INTERNALDATE of a Maildir message = the file's mtime (see [`SeedMessage::internal_date`]).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::certs::{CertKind, TestPki};
use super::mutf7;

/// Loopback address every listener binds to.
pub const HOST: &str = "127.0.0.1";
/// Debian's `mail` user/group that owns all mail files.
pub const MAIL_UID: u32 = 8;
pub const MAIL_GID: u32 = 8;
/// The master user (`master = yes`, `pass = yes` passdb). Log in as `user*admin` with this
/// password, or SASL PLAIN with authzid = user, authcid = admin.
pub const MASTER_USER: &str = "admin";
pub const MASTER_PASSWORD: &str = "master-secret";
/// `auth_master_user_separator`.
pub const MASTER_SEPARATOR: char = '*';
/// Quota root name.
pub const QUOTA_ROOT: &str = "User quota";
/// Auto-created, auto-subscribed special-use mailboxes: (name, SPECIAL-USE attribute).
pub const SPECIAL_USE: &[(&str, &str)] =
    &[("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"), ("Junk", "\\Junk"), ("Archive", "\\Archive")];
/// Default INTERNALDATE for [`SeedMessage::new`]: 2024-01-01T00:00:00Z.
pub const DEFAULT_INTERNAL_DATE: i64 = 1_704_067_200;

const NOT_INSTALLED: &str = "Dovecot is not installed: run scripts/install-test-deps.sh \
                             (apt-get install dovecot-imapd dovecot-pop3d)";
const START_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const DROP_GRACE: Duration = Duration::from_secs(3);
const START_ATTEMPTS: usize = 5;

/// How to start an instance. `Options::default()` = quota on, good certificate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Load the quota plugins (`quota` everywhere, `imap_quota` for IMAP). Without it the server
    /// has no QUOTA capability and [`Dovecot::quota`] panics.
    pub quota: bool,
    /// Certificate served on all TLS listeners.
    pub cert: CertKind,
    /// Keep Dovecot's auth penalty (default: off). With it, every failed login from
    /// 127.0.0.1 delays the *next* auth attempts from 127.0.0.1 (any user) by 2, 4, 8, 15 s.
    pub auth_penalty: bool,
    /// Log in with OAuth 2 bearer tokens (XOAUTH2, OAUTHBEARER) checked by this introspection
    /// endpoint, besides the passwords (default: off; see the module docs).
    pub oauth2: Option<OAuth2>,
    /// Appended verbatim to the end of `dovecot.conf` (later settings win), e.g.
    /// `"mail_max_userip_connections = 2\n"` or a `protocol imap { ... }` block.
    pub extra_config: String,
}

impl Default for Options {
    fn default() -> Self {
        Options { quota: true, cert: CertKind::Good, auth_penalty: false, oauth2: None, extra_config: String::new() }
    }
}

/// Where and how Dovecot's `oauth2` passdb introspects a bearer token ([`Options::oauth2`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuth2 {
    /// `http://127.0.0.1:PORT/...`; with [`IntrospectionMode::Get`] Dovecot appends the escaped
    /// token and then `&client_id=...&client_secret=...`, so the URL ends in `?token=`.
    pub introspection_url: String,
    pub mode: IntrospectionMode,
}

/// Dovecot 2.3's `introspection_mode`: how the token travels to the introspection URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntrospectionMode {
    /// `GET` with `Authorization: Bearer TOKEN` (a userinfo endpoint).
    Auth,
    /// `GET introspection_url + TOKEN + "&client_id=&client_secret="`.
    Get,
    /// `POST` with the form body `token=TOKEN` (RFC 7662).
    Post,
}

impl IntrospectionMode {
    fn setting(self) -> &'static str {
        match self {
            IntrospectionMode::Auth => "auth",
            IntrospectionMode::Get => "get",
            IntrospectionMode::Post => "post",
        }
    }
}

/// A mail user known to the instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub password: String,
    /// Storage quota limit in bytes (`None` = unlimited).
    pub quota_bytes: Option<u64>,
    /// `<dir>/home/<name>`; the Maildir is `home/Maildir`.
    pub home: PathBuf,
}

impl User {
    pub fn maildir(&self) -> PathBuf {
        self.home.join("Maildir")
    }
}

/// One message to write straight into a Maildir by [`Dovecot::seed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedMessage {
    /// UTF-8 mailbox name, `/`-separated (`"INBOX"`, `"Entwürfe/Älter"`). Missing folders and
    /// their parents are created. Components must not contain `.` (Maildir++ on-disk separator).
    pub folder: String,
    /// Message bytes exactly as stored (CRLF or LF; see [`vsize`]).
    pub raw: Vec<u8>,
    /// Unix seconds; becomes the file mtime, which Dovecot reports as INTERNALDATE.
    pub internal_date: i64,
    /// Maildir flag letters: `S` \Seen, `F` \Flagged, `R` \Answered, `D` \Draft, `T` \Deleted.
    /// Order and duplicates do not matter. Anything else panics.
    pub flags: String,
}

impl SeedMessage {
    /// Unflagged (unseen) message dated [`DEFAULT_INTERNAL_DATE`].
    pub fn new(folder: &str, raw: Vec<u8>) -> SeedMessage {
        SeedMessage { folder: folder.to_owned(), raw, internal_date: DEFAULT_INTERNAL_DATE, flags: String::new() }
    }

    pub fn date(mut self, unix_secs: i64) -> SeedMessage {
        self.internal_date = unix_secs;
        self
    }

    pub fn flags(mut self, flags: &str) -> SeedMessage {
        self.flags = flags.to_owned();
        self
    }
}

/// Parsed `doveadm mailbox status "messages unseen vsize uidnext uidvalidity"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailboxStatus {
    pub messages: u64,
    pub unseen: u64,
    /// Sum of the messages' vsizes in bytes (what IMAP STATUS SIZE reports).
    pub vsize: u64,
    pub uidnext: u32,
    pub uidvalidity: u32,
}

/// One row of `doveadm quota get`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaLine {
    /// Quota root name, [`QUOTA_ROOT`].
    pub root: String,
    /// `"STORAGE"` or `"MESSAGE"`.
    pub kind: String,
    /// STORAGE: KiB rounded up; MESSAGE: number of messages.
    pub value: u64,
    /// Same unit as `value`; `None` when unlimited (`-`).
    pub limit: Option<u64>,
    pub percent: u64,
}

/// Virtual size as Dovecot computes it: every bare LF counts as CRLF.
pub fn vsize(raw: &[u8]) -> u64 {
    let bare_lf = raw.iter().enumerate().filter(|&(i, &b)| b == b'\n' && (i == 0 || raw[i - 1] != b'\r')).count();
    (raw.len() + bare_lf) as u64
}

/// A process-wide unique user name: `<prefix><n>`.
pub fn unique_user(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A running (or stopped) private Dovecot instance.
pub struct Dovecot {
    pub imap_port: u16,
    pub imaps_port: u16,
    pub pop3_port: u16,
    pub pop3s_port: u16,
    /// The instance's temp dir (see module docs for its layout).
    pub dir: PathBuf,
    opts: Options,
    tmp: Option<tempfile::TempDir>,
    child: Option<Child>,
    users: Mutex<Users>,
    /// Serialises Maildir directory creation per instance.
    seed_lock: Mutex<()>,
}

impl Dovecot {
    /// Starts an instance with quota on and a good certificate.
    pub fn start() -> Dovecot {
        Dovecot::start_with(Options::default())
    }

    pub fn start_with(opts: Options) -> Dovecot {
        binaries(); // panics loudly when Dovecot is not installed
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            panic!("the Dovecot harness must run as root (login processes chroot, mail runs as uid 8)");
        }

        let parent = temp_parent();
        let tmp = tempfile::Builder::new()
            .prefix("msd.")
            .rand_bytes(6)
            .tempdir_in(&parent)
            .unwrap_or_else(|e| panic!("create Dovecot temp dir in {}: {e}", parent.display()));
        let dir = tmp.path().to_path_buf();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod temp dir");
        for sub in ["run", "state"] {
            fs::create_dir(dir.join(sub)).expect("create Dovecot run/state dir");
        }
        mkdir_mail(&dir.join("home"), 0o755);
        TestPki::generate(opts.cert).write(&dir);
        write_public(&dir.join("master-users"), &format!("{MASTER_USER}:{{PLAIN}}{MASTER_PASSWORD}::::::\n"));
        write_public(&dir.join("passwd"), "");

        let mut dovecot = Dovecot {
            imap_port: 0,
            imaps_port: 0,
            pop3_port: 0,
            pop3s_port: 0,
            dir,
            opts,
            tmp: Some(tmp),
            child: None,
            users: Mutex::new(Users::default()),
            seed_lock: Mutex::new(()),
        };

        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let [a, b, c, d] = pick_free_ports();
            (dovecot.imap_port, dovecot.imaps_port, dovecot.pop3_port, dovecot.pop3s_port) = (a, b, c, d);
            dovecot.write_config();
            // A failed attempt's output would only confuse log assertions.
            write_public(&dovecot.log_path(), "");
            write_public(&dovecot.dir.join("dovecot.stderr"), "");
            match dovecot.launch() {
                Ok(child) => {
                    dovecot.child = Some(child);
                    return dovecot;
                }
                Err(e) if e.port_race => failures.push(e.message),
                Err(e) => panic!("Dovecot failed to start:\n{}", e.message),
            }
        }
        panic!("Dovecot failed to start {START_ATTEMPTS} times (port races?):\n{}", failures.join("\n---\n"));
    }

    /// The PEM file with the test CA that signed the (good, expired, wrong-host) server leaf.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.join("dovecot.conf")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("dovecot.log")
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// `(MASTER_USER, MASTER_PASSWORD)`.
    pub fn master_user(&self) -> (&'static str, &'static str) {
        (MASTER_USER, MASTER_PASSWORD)
    }

    /// Adds a passdb/userdb entry (Dovecot notices the changed passwd-file on the next lookup;
    /// no reload needed) and creates the home dir owned by uid 8. `quota_bytes = None` means no
    /// limit. Names must be unique per instance (see [`unique_user`]).
    pub fn add_user(&self, name: &str, password: &str, quota_bytes: Option<u64>) -> User {
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c)),
            "user name {name:?} must be non-empty [A-Za-z0-9._-@+]"
        );
        assert!(
            !password.contains([':', '\n', '\r']) && !password.is_empty(),
            "password {password:?} must be non-empty without ':' or line breaks"
        );
        let user = User {
            name: name.to_owned(),
            password: password.to_owned(),
            quota_bytes,
            home: self.dir.join("home").join(name),
        };
        let mut users = self.users.lock().expect("users lock");
        assert!(users.list.iter().all(|u| u.name != name), "user {name} already exists");
        mkdir_mail(&user.home, 0o700);
        users.list.push(user.clone());
        self.write_passwd(&mut users, &user);
        user
    }

    /// Changes a user's storage limit (`None` = unlimited). Takes effect for new sessions.
    pub fn set_quota(&self, name: &str, quota_bytes: Option<u64>) {
        let mut users = self.users.lock().expect("users lock");
        let user =
            users.list.iter_mut().find(|u| u.name == name).unwrap_or_else(|| panic!("set_quota: unknown user {name}"));
        user.quota_bytes = quota_bytes;
        let user = user.clone();
        self.write_passwd(&mut users, &user);
    }

    pub fn user(&self, name: &str) -> User {
        self.users
            .lock()
            .expect("users lock")
            .list
            .iter()
            .find(|u| u.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("unknown user {name}: call add_user first"))
    }

    /// Writes the messages as Maildir files (parallel), then runs `doveadm force-resync` once
    /// (and `doveadm quota recalc` when quota is on). Within a folder, UIDs follow slice order.
    pub fn seed(&self, user: &str, msgs: &[SeedMessage]) {
        self.write_maildir(user, msgs);
        self.finish_seed(user);
    }

    /// Like [`Dovecot::seed`] for a (possibly huge, lazily generated) iterator: messages are
    /// written in chunks so they never all live in memory.
    pub fn seed_iter<I: IntoIterator<Item = SeedMessage>>(&self, user: &str, msgs: I) {
        let mut iter = msgs.into_iter();
        loop {
            let chunk: Vec<SeedMessage> = iter.by_ref().take(8192).collect();
            if chunk.is_empty() {
                break;
            }
            self.write_maildir(user, &chunk);
        }
        self.finish_seed(user);
    }

    /// Writes Maildir files only (no resync). Call [`Dovecot::finish_seed`] afterwards.
    pub fn write_maildir(&self, user: &str, msgs: &[SeedMessage]) {
        if msgs.is_empty() {
            return;
        }
        let maildir = self.user(user).maildir();
        let mut dirs: HashMap<&str, PathBuf> = HashMap::new();
        {
            let _guard = self.seed_lock.lock().expect("seed lock");
            for m in msgs {
                if !dirs.contains_key(m.folder.as_str()) {
                    dirs.insert(&m.folder, ensure_folder(&maildir, &m.folder));
                }
            }
        }
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let base = SEQ.fetch_add(msgs.len() as u64, Ordering::Relaxed);
        let pid = std::process::id();
        let threads = std::thread::available_parallelism().map_or(4, |n| n.get()).min(8);
        let per_thread = msgs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for (chunk_no, chunk) in msgs.chunks(per_thread).enumerate() {
                let dirs = &dirs;
                scope.spawn(move || {
                    for (i, m) in chunk.iter().enumerate() {
                        let seq = base + (chunk_no * per_thread + i) as u64;
                        write_one(&dirs[m.folder.as_str()], seq, pid, m);
                    }
                });
            }
        });
    }

    /// `doveadm force-resync -u USER '*'`, plus `doveadm quota recalc -u USER` with quota on.
    pub fn finish_seed(&self, user: &str) {
        self.doveadm(&["force-resync", "-u", user, "*"]);
        if self.opts.quota {
            self.doveadm(&["quota", "recalc", "-u", user]);
        }
    }

    /// Delivers one message through `doveadm save` (Dovecot converts CRLF to LF on disk;
    /// INTERNALDATE = now; the message lands in `new/` and is \Recent).
    pub fn deliver(&self, user: &str, folder: &str, raw: &[u8]) {
        self.doveadm_stdin(&["save", "-u", user, "-m", folder], raw);
    }

    /// `doveadm mailbox create -u USER NAME` (UTF-8 name, `/`-separated; not subscribed).
    pub fn create_folder(&self, user: &str, name: &str) {
        self.doveadm(&["mailbox", "create", "-u", user, name]);
    }

    /// Runs `doveadm -c <conf> ARGS...`; returns stdout, panics with stderr on failure.
    pub fn doveadm(&self, args: &[&str]) -> String {
        self.doveadm_stdin(args, b"")
    }

    /// Like [`Dovecot::doveadm`] with `input` on stdin.
    pub fn doveadm_stdin(&self, args: &[&str], input: &[u8]) -> String {
        self.try_doveadm_stdin(args, input).unwrap_or_else(|e| panic!("{e}\nDovecot log tail:\n{}", self.log_tail(20)))
    }

    /// Runs doveadm; `Ok(stdout)` on exit status 0, else `Err(description with stderr)`.
    pub fn try_doveadm(&self, args: &[&str]) -> Result<String, String> {
        self.try_doveadm_stdin(args, b"")
    }

    fn try_doveadm_stdin(&self, args: &[&str], input: &[u8]) -> Result<String, String> {
        let mut child = Command::new(&binaries().doveadm)
            .arg("-c")
            .arg(self.config_file())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn doveadm {args:?}: {e}"));
        let mut stdin = child.stdin.take().expect("doveadm stdin");
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("wait for doveadm {args:?}: {e}"));
        let _ = writer.join();
        if !out.status.success() {
            return Err(format!(
                "doveadm {args:?} failed ({}):\nstdout: {}\nstderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `doveadm -f tab mailbox status -u USER "messages unseen vsize uidnext uidvalidity" MAILBOX`.
    pub fn mailbox_status(&self, user: &str, mailbox: &str) -> MailboxStatus {
        let out = self.doveadm(&[
            "-f",
            "tab",
            "mailbox",
            "status",
            "-u",
            user,
            "messages unseen vsize uidnext uidvalidity",
            mailbox,
        ]);
        let rows = parse_tab(&out);
        assert_eq!(rows.len(), 1, "one status row expected for {mailbox}:\n{out}");
        let row = &rows[0];
        let num = |key: &str| -> u64 {
            row.get(key)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no numeric {key} in mailbox status:\n{out}"))
        };
        MailboxStatus {
            messages: num("messages"),
            unseen: num("unseen"),
            vsize: num("vsize"),
            uidnext: num("uidnext") as u32,
            uidvalidity: num("uidvalidity") as u32,
        }
    }

    /// Mailbox names as `doveadm mailbox list -u USER` prints them (UTF-8).
    pub fn mailboxes(&self, user: &str) -> Vec<String> {
        self.doveadm(&["mailbox", "list", "-u", user]).lines().map(str::to_owned).collect()
    }

    /// `doveadm -f tab quota get -u USER`, verbatim units (STORAGE in KiB, rounded up).
    pub fn quota(&self, user: &str) -> Vec<QuotaLine> {
        assert!(self.opts.quota, "quota() on an instance started with quota: false");
        let out = self.doveadm(&["-f", "tab", "quota", "get", "-u", user]);
        parse_tab(&out)
            .into_iter()
            .map(|row| {
                let get = |k: &str| row.get(k).unwrap_or_else(|| panic!("no {k} column in quota output:\n{out}"));
                let num =
                    |k: &str| -> u64 { get(k).parse().unwrap_or_else(|_| panic!("bad {k} in quota output:\n{out}")) };
                QuotaLine {
                    root: get("Quota name").clone(),
                    kind: get("Type").clone(),
                    value: num("Value"),
                    limit: match get("Limit").as_str() {
                        "-" => None,
                        _ => Some(num("Limit")),
                    },
                    percent: num("%"),
                }
            })
            .collect()
    }

    /// The STORAGE row of [`Dovecot::quota`].
    pub fn quota_storage(&self, user: &str) -> QuotaLine {
        self.quota(user).into_iter().find(|q| q.kind == "STORAGE").expect("STORAGE row in doveadm quota get")
    }

    /// The whole Dovecot log so far (lossy UTF-8).
    pub fn log(&self) -> String {
        match fs::read(self.log_path()) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("<cannot read {}: {e}>", self.log_path().display()),
        }
    }

    /// The last `n` lines of the log plus the master's stderr.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let mut tail = lines[lines.len().saturating_sub(n)..].join("\n");
        let stderr = fs::read_to_string(self.dir.join("dovecot.stderr")).unwrap_or_default();
        if !stderr.trim().is_empty() {
            tail.push_str("\n[dovecot stderr]\n");
            tail.push_str(stderr.trim_end());
        }
        tail
    }

    /// Polls the log (the log process writes asynchronously) until it contains `needle`;
    /// returns the whole log. Panics with the log tail after `timeout`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            if Instant::now() > deadline {
                panic!("Dovecot log has no {needle:?} after {timeout:?}; tail:\n{}", self.log_tail(30));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls the log until some line satisfies `pred`; returns that line. Panics after `timeout`.
    pub fn wait_for_log_line(&self, pred: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.log().lines().find(|l| pred(l)) {
                return line.to_owned();
            }
            if Instant::now() > deadline {
                panic!("no matching Dovecot log line after {timeout:?}; tail:\n{}", self.log_tail(30));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Pid of the running Dovecot master, if any.
    pub fn master_pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stops the master (SIGTERM, 10 s, then SIGKILL) and waits until the four ports are free
    /// again. Data, users and ports are kept; idempotent.
    pub fn stop(&mut self) {
        self.stop_within(STOP_TIMEOUT, true);
    }

    /// SIGTERM the master, wait up to `grace`, then SIGKILL (its children exit on their own when
    /// the master is gone). Optionally wait until the ports are free again.
    fn stop_within(&mut self, grace: Duration, wait_for_ports: bool) {
        let Some(mut child) = self.child.take() else { return };
        let pid = child.id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child's pid; it has not been reaped yet, so the pid
        // cannot have been reused.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + grace;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    if wait_for_ports {
                        eprintln!("Dovecot master {pid} still running {grace:?} after SIGTERM; SIGKILL");
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        if !wait_for_ports {
            return;
        }
        // Children (login, imap, ...) may hold listener fds for a moment after the master died.
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !self.ports().iter().all(|&p| TcpListener::bind((HOST, p)).is_ok()) {
            if Instant::now() > deadline {
                eprintln!("Dovecot ports {:?} still busy after stop", self.ports());
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops and starts the master again on the same ports, keeping all data and users.
    pub fn restart(&mut self) {
        self.stop();
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            match self.launch() {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(e) => failures.push(e.message),
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("Dovecot failed to restart on the same ports:\n{}", failures.join("\n---\n"));
    }

    /// `[imap, imaps, pop3, pop3s]`.
    pub fn ports(&self) -> [u16; 4] {
        [self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port]
    }

    fn greeting(&self) -> String {
        let name = self.dir.file_name().expect("temp dir name").to_string_lossy();
        format!("mailsweep-test {name}")
    }

    /// Rewrites `passwd` and waits until Dovecot's userdb reflects `changed`.
    ///
    /// Dovecot's passwd-file driver stats the file at most once per second and reloads it
    /// only when mtime or size changed, so the file gets a strictly increasing mtime (possibly
    /// a few seconds in the future) and we poll `doveadm user` until the change is visible.
    fn write_passwd(&self, users: &mut Users, changed: &User) {
        let mut text = String::new();
        for u in &users.list {
            text.push_str(&format!("{}:{{PLAIN}}{}::::::", u.name, u.password));
            if let Some(bytes) = u.quota_bytes {
                text.push_str(&format!("userdb_quota_rule=*:storage={bytes}B"));
            }
            text.push('\n');
        }
        // Write + rename so the auth process never reads a half-written file.
        let tmp = self.dir.join("passwd.tmp");
        write_public(&tmp, &text);
        users.mtime = (users.mtime + 1).max(now_unix());
        let file = File::options().write(true).open(&tmp).expect("open passwd.tmp");
        file.set_modified(UNIX_EPOCH + Duration::from_secs(users.mtime as u64)).expect("set passwd mtime");
        drop(file);
        fs::rename(&tmp, self.dir.join("passwd")).expect("rename passwd.tmp -> passwd");

        if self.child.is_none() {
            return; // Dovecot reads the file fresh when it starts.
        }
        let want_rule = changed.quota_bytes.map(|b| format!("*:storage={b}B"));
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            // `doveadm user` ignores -f; it prints "userdb: NAME" then "  key : value" lines
            // and exits 67 for unknown users.
            let seen = self.try_doveadm(&["user", "-u", &changed.name]).ok().map(|out| {
                out.lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim() == "quota_rule")
                    .map(|(_, v)| v.trim().to_owned())
            });
            if seen.as_ref() == Some(&want_rule) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "Dovecot did not pick up passwd change for {} (want quota_rule {want_rule:?}, \
                     saw {seen:?}); log tail:\n{}",
                    changed.name,
                    self.log_tail(20)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn write_config(&self) {
        let d = self.dir.display().to_string();
        let (plugins, imap_plugins) = if self.opts.quota {
            ("quota mail_log notify", "$mail_plugins imap_quota")
        } else {
            ("mail_log notify", "$mail_plugins")
        };
        let quota_plugin = if self.opts.quota { "  quota = count:User quota\n  quota_vsizes = yes\n" } else { "" };
        let mut mailboxes = String::new();
        for (name, attr) in SPECIAL_USE {
            mailboxes.push_str(&format!("  mailbox {name} {{\n    special_use = {attr}\n    auto = subscribe\n  }}\n"));
        }
        let (oauth_mechanisms, password_mechanisms, oauth_passdb) = match &self.opts.oauth2 {
            None => ("", "", String::new()),
            Some(oauth) => {
                self.write_oauth2_conf(oauth);
                (
                    " xoauth2 oauthbearer",
                    "  mechanisms = plain login\n",
                    format!(
                        "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  \
                         args = {d}/dovecot-oauth2.conf.ext\n}}\n"
                    ),
                )
            }
        };
        let conf = format!(
            r#"# Generated by tests/support/dovecot.rs -- private test instance.
protocols = imap pop3
listen = {HOST}
base_dir = {d}/run
state_dir = {d}/state
instance_name = {instance}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
debug_log_path = {d}/dovecot.log
login_greeting = {greeting}
verbose_proctitle = no

ssl = yes
ssl_cert = <{d}/ssl/server.pem
ssl_key = <{d}/ssl/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
auth_master_user_separator = {MASTER_SEPARATOR}
auth_failure_delay = 0
auth_verbose = yes

default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = {MAIL_UID}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/master-users
  master = yes
  pass = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
{password_mechanisms}}}
{oauth_passdb}userdb {{
  driver = passwd-file
  args = {d}/passwd
  default_fields = uid=mail gid=mail home={d}/home/%u
}}

mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  prefix =
{mailboxes}}}

mail_plugins = {plugins}
protocol imap {{
  mail_plugins = {imap_plugins}
  mail_max_userip_connections = 50
}}
protocol pop3 {{
  mail_max_userip_connections = 50
}}
pop3_uidl_format = %08Xu%08Xv

plugin {{
{quota_plugin}  mail_log_events = delete undelete expunge copy mailbox_delete mailbox_rename flag_change save
  mail_log_fields = uid box msgid size vsize from subject flags
}}

service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {HOST}
    port = {pop3}
  }}
  inet_listener pop3s {{
    address = {HOST}
    port = {pop3s}
    ssl = yes
  }}
}}

{extra}
"#,
            instance = self.dir.file_name().expect("temp dir name").to_string_lossy(),
            greeting = self.greeting(),
            imap = self.imap_port,
            imaps = self.imaps_port,
            pop3 = self.pop3_port,
            pop3s = self.pop3s_port,
            extra = self.opts.extra_config,
        );
        write_public(&self.config_file(), &conf);
    }

    /// `dovecot-oauth2.conf.ext` for the `oauth2` passdb. No `tokeninfo_url`: every token goes
    /// straight to introspection, whose answer must say `active: true` and name the login user.
    fn write_oauth2_conf(&self, oauth: &OAuth2) {
        let conf = format!(
            "# Generated by tests/support/dovecot.rs -- oauth2 passdb of a private test instance.\n\
             introspection_mode = {mode}\n\
             introspection_url = {url}\n\
             username_attribute = username\n\
             active_attribute = active\n\
             active_value = true\n\
             timeout_msecs = 5000\n",
            mode = oauth.mode.setting(),
            url = oauth.introspection_url,
        );
        write_public(&self.dir.join("dovecot-oauth2.conf.ext"), &conf);
    }

    /// Spawns the master and waits until it serves all four ports.
    fn launch(&self) -> Result<Child, LaunchError> {
        let stderr_path = self.dir.join("dovecot.stderr");
        let out = OpenOptions::new().append(true).create(true).open(&stderr_path).expect("open dovecot.stderr");
        let err = out.try_clone().expect("clone dovecot.stderr handle");
        let dovecot_bin = binaries().dovecot.clone();
        let conf = self.config_file();
        let mut child = spawn_from_spawner_thread(move || {
            let parent = std::process::id() as libc::pid_t;
            let mut cmd = Command::new(dovecot_bin);
            cmd.arg("-F").arg("-c").arg(conf).stdin(Stdio::null()).stdout(out).stderr(err);
            // SAFETY: the closure only calls async-signal-safe functions (prctl, getppid).
            unsafe {
                cmd.pre_exec(move || {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    if libc::getppid() != parent {
                        // The test process died between fork and prctl.
                        return Err(io::Error::other("parent died before exec"));
                    }
                    Ok(())
                });
            }
            cmd.spawn()
        })
        .map_err(|e| LaunchError {
            port_race: false,
            message: format!("spawn {}: {e}", binaries().dovecot.display()),
        })?;

        let greeting = self.greeting();
        let deadline = Instant::now() + START_TIMEOUT;
        let mut penalty_socket = (!self.opts.auth_penalty).then(|| self.dir.join("run/anvil-auth-penalty"));
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                // Give the log process a moment to flush the fatal line.
                std::thread::sleep(Duration::from_millis(100));
                let tail = self.log_tail(30);
                return Err(LaunchError {
                    port_race: tail.contains("Address already in use"),
                    message: format!(
                        "dovecot -F -c {} exited with {status} (ports {:?}); log tail:\n{tail}",
                        self.config_file().display(),
                        self.ports()
                    ),
                });
            }
            if let Some(sock) = &penalty_socket {
                // Disable the auth penalty: the auth process (started lazily on the first
                // login, i.e. after this) silently runs without it when this socket is missing.
                if fs::remove_file(sock).is_ok() {
                    penalty_socket = None;
                }
            } else if self.listeners_ready(&greeting) {
                return Ok(child);
            }
            if Instant::now() > deadline {
                // SAFETY: kill(2) on our unreaped child.
                unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
                let _ = child.wait();
                return Err(LaunchError {
                    port_race: false,
                    message: format!(
                        "Dovecot did not serve ports {:?} within {START_TIMEOUT:?}; log tail:\n{}",
                        self.ports(),
                        self.log_tail(30)
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// All four ports accept, and the plain ones greet with *our* greeting (not some other
    /// process that won a port race).
    fn listeners_ready(&self, greeting: &str) -> bool {
        let timeout = Duration::from_millis(500);
        let connect =
            |port: u16| TcpStream::connect_timeout(&(std::net::Ipv4Addr::LOCALHOST, port).into(), timeout).ok();
        let greets = |port: u16| -> bool {
            let Some(stream) = connect(port) else { return false };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line).is_ok() && line.contains(greeting)
        };
        greets(self.imap_port)
            && greets(self.pop3_port)
            && connect(self.imaps_port).is_some()
            && connect(self.pop3s_port).is_some()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- Dovecot log tail ({}) ---\n{}\n--- end of Dovecot log ---",
                self.dir.display(),
                self.log_tail(40)
            );
        }
        // A graceful master shutdown takes >= 1 s (up to ~6 s when a login process is still
        // shaking hands with the stats service); the test is over, so don't wait that long.
        self.stop_within(DROP_GRACE, false);
        if std::env::var_os("MAILSWEEP_KEEP_TEST_DIRS").is_some()
            && let Some(tmp) = self.tmp.take()
        {
            eprintln!("keeping Dovecot dir {}", tmp.keep().display());
        }
    }
}

#[derive(Default)]
struct Users {
    list: Vec<User>,
    /// mtime (Unix secs) given to the last passwd write; strictly increasing.
    mtime: i64,
}

struct LaunchError {
    port_race: bool,
    message: String,
}

/// Where instance dirs go: `$MAILSWEEP_TEST_TMP`, else `/dev/shm` (tmpfs: creating and
/// deleting 10^5 Maildir files is an order of magnitude faster than on a disk with `discard`),
/// else `/tmp`. Must be short (unix socket paths < 108 bytes) and traversable by uid 8.
fn temp_parent() -> PathBuf {
    if let Some(dir) = std::env::var_os("MAILSWEEP_TEST_TMP") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let usable = fs::metadata(shm).is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o1777 == 0o1777);
    if usable { shm.to_path_buf() } else { PathBuf::from("/tmp") }
}

struct Binaries {
    dovecot: PathBuf,
    doveadm: PathBuf,
}

/// Finds `dovecot` and `doveadm` (in PATH or the usual sbin/bin dirs) or panics loudly.
fn binaries() -> &'static Binaries {
    static BINS: OnceLock<Binaries> = OnceLock::new();
    BINS.get_or_init(|| {
        let find = |name: &str| -> PathBuf {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .chain(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from))
                .map(|d| d.join(name))
                .find(|p| p.is_file())
                .unwrap_or_else(|| panic!("{NOT_INSTALLED} (no `{name}` found)"))
        };
        let bins = Binaries { dovecot: find("dovecot"), doveadm: find("doveadm") };
        // The protocol binaries come from dovecot-imapd / dovecot-pop3d.
        for proto in ["imap", "pop3"] {
            let p = Path::new("/usr/lib/dovecot").join(proto);
            if Path::new("/usr/lib/dovecot").is_dir() && !p.is_file() {
                panic!("{NOT_INSTALLED} (missing {})", p.display());
            }
        }
        bins
    })
}

type SpawnJob = Box<dyn FnOnce() + Send>;

/// Runs `spawn` on a dedicated thread that lives as long as the process, so the child's
/// PR_SET_PDEATHSIG (which is tied to the forking *thread*) fires only when the process exits.
fn spawn_from_spawner_thread<F>(spawn: F) -> io::Result<Child>
where
    F: FnOnce() -> io::Result<Child> + Send + 'static,
{
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnJob>>> = OnceLock::new();
    let sender = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        std::thread::Builder::new()
            .name("dovecot-spawner".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .expect("start dovecot-spawner thread");
        Mutex::new(tx)
    });
    let (tx, rx) = mpsc::channel();
    sender
        .lock()
        .expect("spawner lock")
        .send(Box::new(move || {
            let _ = tx.send(spawn());
        }))
        .expect("dovecot-spawner thread is gone");
    rx.recv().expect("dovecot-spawner thread dropped the job")
}

fn pick_free_ports() -> [u16; 4] {
    let listeners: Vec<TcpListener> =
        (0..4).map(|_| TcpListener::bind((HOST, 0)).expect("bind 127.0.0.1:0 to pick a free port")).collect();
    let port = |i: usize| listeners[i].local_addr().expect("local_addr").port();
    [port(0), port(1), port(2), port(3)]
}

/// Writes a file readable by Dovecot's unprivileged auth/config processes (0644).
fn write_public(path: &Path, content: &str) {
    fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Creates `path` (if missing) with `mode`, owned by mail:mail.
fn mkdir_mail(path: &Path, mode: u32) {
    match fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return,
        Err(e) => panic!("mkdir {}: {e}", path.display()),
    }
    std::os::unix::fs::chown(path, Some(MAIL_UID), Some(MAIL_GID))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

/// On-disk Maildir++ directory for a UTF-8 `/`-separated folder name.
pub fn folder_dir(maildir: &Path, folder: &str) -> PathBuf {
    if folder.eq_ignore_ascii_case("INBOX") {
        return maildir.to_path_buf();
    }
    let parts: Vec<&str> = folder.split('/').collect();
    for p in &parts {
        assert!(
            !p.is_empty() && !p.contains('.'),
            "folder {folder:?}: empty component or '.' (not allowed with Maildir++)"
        );
    }
    let encoded: Vec<String> = parts.iter().map(|p| mutf7::encode(p)).collect();
    maildir.join(format!(".{}", encoded.join(".")))
}

/// Creates the Maildir root, the folder and all its parents (cur/new/tmp + maildirfolder).
fn ensure_folder(maildir: &Path, folder: &str) -> PathBuf {
    let make = |dir: &Path, is_sub: bool| {
        mkdir_mail(dir, 0o700);
        for sub in ["cur", "new", "tmp"] {
            mkdir_mail(&dir.join(sub), 0o700);
        }
        let marker = dir.join("maildirfolder");
        if is_sub && !marker.exists() {
            File::create(&marker).unwrap_or_else(|e| panic!("create {}: {e}", marker.display()));
            std::os::unix::fs::chown(&marker, Some(MAIL_UID), Some(MAIL_GID)).expect("chown maildirfolder");
        }
    };
    make(maildir, false);
    if folder.eq_ignore_ascii_case("INBOX") {
        return maildir.to_path_buf();
    }
    let parts: Vec<&str> = folder.split('/').collect();
    for n in 1..=parts.len() {
        make(&folder_dir(maildir, &parts[..n].join("/")), true);
    }
    folder_dir(maildir, folder)
}

/// Writes one message into `dir/tmp`, sets mtime/owner, renames it into `dir/cur`.
/// Like a real APPEND with an INTERNALDATE, the file name starts with the time of seeding and
/// the mtime is the internal date. The zero-padded sequence after it makes Dovecot (which sorts
/// new files by name when assigning UIDs) number them in seeding order.
/// The seconds the first seed of this test process started: one value, so names sort by
/// the sequence that follows.
fn seeding_time() -> u64 {
    static T: OnceLock<u64> = OnceLock::new();
    *T.get_or_init(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0))
}

fn write_one(dir: &Path, seq: u64, pid: u32, m: &SeedMessage) {
    let mut flags: Vec<char> = m.flags.chars().collect();
    for f in &flags {
        assert!("DFRST".contains(*f), "unsupported maildir flag {f:?} in {:?} (use DFRST)", m.flags);
    }
    flags.sort_unstable();
    flags.dedup();
    let flags: String = flags.into_iter().collect();
    let base = format!("{}.M{seq:012}P{pid}.mailsweep-test,S={},W={}", seeding_time(), m.raw.len(), vsize(&m.raw));
    let tmp_path = dir.join("tmp").join(&base);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp_path)
        .unwrap_or_else(|e| panic!("create {}: {e}", tmp_path.display()));
    file.write_all(&m.raw).unwrap_or_else(|e| panic!("write {}: {e}", tmp_path.display()));
    let when = if m.internal_date >= 0 {
        UNIX_EPOCH + Duration::from_secs(m.internal_date as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(m.internal_date.unsigned_abs())
    };
    file.set_times(fs::FileTimes::new().set_modified(when).set_accessed(when))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", tmp_path.display()));
    std::os::unix::fs::fchown(&file, Some(MAIL_UID), Some(MAIL_GID))
        .unwrap_or_else(|e| panic!("chown {}: {e}", tmp_path.display()));
    drop(file);
    let final_path = dir.join("cur").join(format!("{base}:2,{flags}"));
    fs::rename(&tmp_path, &final_path).unwrap_or_else(|e| panic!("rename into {}: {e}", final_path.display()));
}

/// Parses doveadm's `-f tab` output: a header row, then one map per data row.
fn parse_tab(out: &str) -> Vec<HashMap<String, String>> {
    let mut lines = out.lines().filter(|l| !l.is_empty());
    let Some(header) = lines.next() else { return Vec::new() };
    let keys: Vec<&str> = header.split('\t').collect();
    lines
        .map(|line| keys.iter().zip(line.split('\t')).map(|(k, v)| ((*k).to_owned(), v.to_owned())).collect())
        .collect()
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
