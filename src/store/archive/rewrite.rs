//! Removing archived messages from an mbox *source*: the mail locks Debian's mail software
//! takes, and the rewrite of the file without exactly the journaled, verified messages.
//!
//! Locks, all three, in this order (released in reverse when [`MboxLock`] drops):
//! 1. the dotlock `PATH.lock`, created atomically (`O_CREAT|O_EXCL`) and holding
//!    `mailsweep <pid>`: what postfix's `local`, procmail, mutt and Dovecot's mbox all
//!    honour. A lock that exists is waited for a short while, then refused with a clear
//!    error; only a lock of our own whose process is gone (a killed run) is broken.
//! 2. an fcntl lock on the whole file (open-file-description locks, which conflict with
//!    the classic fcntl locks of postfix, mutt and Dovecot, and which closing another
//!    descriptor of the same file cannot release by accident);
//! 3. a `flock` lock (what some MUAs and `movemail` use).
//!
//! The rewrite, under the exclusive lock: the file is copied beside itself
//! (`.NAME.mailsweep-new`, same owner, group and mode) leaving out each removed message's
//! region (its `From ` line up to the next message's `From ` line). While copying, the
//! bytes the scan read (`Snapshot`: length and SHA-256 of the file when it was scanned)
//! are hashed again, and each removed message must still start with its `From ` line
//! (same FNV hash) and hold the content whose digest the journal recorded: anything else
//! means another program rewrote the file, and nothing is changed. Mail appended after
//! the scan is copied as it is. Then fsync, rename over the original, fsync the directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::digest::Sha256;
use super::mboxrd::Quoting;
use crate::error;
use crate::model::archive::fnv64;
use crate::store::io_reason;

/// How long a lock held by someone else is waited for before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(2);
const LOCK_STEP: Duration = Duration::from_millis(100);
/// What our dotlocks hold, before the pid.
const DOTLOCK_MARK: &str = "mailsweep ";

/// Which locks a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Reading only (`--dry-run`, `--keep-on-server`): shared fcntl and flock locks, no
    /// dotlock (which would need write access to the mail spool's directory).
    Shared,
    /// Reading before a rewrite, and the rewrite: dotlock and exclusive locks.
    Exclusive,
}

/// The mail locks on one mbox, held until dropped.
pub struct MboxLock {
    dotlock: Option<PathBuf>,
    _file: File,
}

impl Drop for MboxLock {
    fn drop(&mut self) {
        // The fcntl and flock locks go with the file; the dotlock is ours to remove.
        if let Some(p) = self.dotlock.take() {
            let _ = fs::remove_file(p);
        }
    }
}

fn dotlock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

fn locked_error(path: &Path, what: &str, hint: &str) -> anyhow::Error {
    error::failure_hint(
        format!("cannot lock mbox \"{}\": {what}; nothing was changed", path.display()),
        hint.to_string(),
    )
}

/// Waits up to [`LOCK_WAIT`] for `attempt` to stop saying "busy" (`Ok(false)`).
fn retry(mut attempt: impl FnMut() -> io::Result<bool>) -> io::Result<bool> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        if attempt()? {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(LOCK_STEP);
    }
}

/// True when the dotlock is one of ours whose process no longer runs (a killed run).
fn stale_own_dotlock(lock: &Path) -> bool {
    let Ok(text) = fs::read_to_string(lock) else { return false };
    let Some(pid) = text.trim().strip_prefix(DOTLOCK_MARK).and_then(|p| p.parse::<i32>().ok()) else {
        return false;
    };
    // SAFETY: kill(2) with signal 0 only checks whether the process exists.
    let gone = unsafe { libc::kill(pid, 0) } != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
    gone && pid != std::process::id() as i32
}

fn take_dotlock(path: &Path) -> anyhow::Result<PathBuf> {
    let lock = dotlock_path(path);
    let created = retry(|| match OpenOptions::new().write(true).create_new(true).mode(0o644).open(&lock) {
        Ok(mut f) => {
            f.write_all(format!("{DOTLOCK_MARK}{}\n", std::process::id()).as_bytes())?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if stale_own_dotlock(&lock) {
                fs::remove_file(&lock)?;
                return Ok(false);
            }
            Ok(false)
        }
        Err(e) => Err(e),
    });
    match created {
        Ok(true) => Ok(lock),
        Ok(false) => Err(locked_error(
            path,
            &format!("\"{}\" exists: another program is using the mailbox", lock.display()),
            &format!(
                "wait for it to finish and run the same command again; if no mail program is running, the lock is stale: remove \"{}\"",
                lock.display()
            ),
        )),
        Err(e) => Err(error::failure_hint(
            format!("cannot lock mbox \"{}\": cannot create \"{}\": {}", path.display(), lock.display(), io_reason(&e)),
            "the directory of the mbox must be writable to lock and rewrite it (a mail spool: run as a member of its group, e.g. `sudo -g mail mailsweep ...`)",
        )),
    }
}

/// An open-file-description fcntl lock on the whole file (classic fcntl where the
/// kernel has none). `Ok(false)` when someone else holds a conflicting lock.
fn fcntl_lock(file: &File, exclusive: bool) -> io::Result<bool> {
    // SAFETY: a zeroed flock is a valid value; the fields that matter are set below.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = if exclusive { libc::F_WRLCK } else { libc::F_RDLCK } as _;
    fl.l_whence = libc::SEEK_SET as _;
    for cmd in [libc::F_OFD_SETLK, libc::F_SETLK] {
        // SAFETY: fcntl on an open descriptor with a valid flock pointer.
        if unsafe { libc::fcntl(file.as_raw_fd(), cmd, &fl) } == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EACCES) => return Ok(false),
            Some(libc::EINVAL) if cmd == libc::F_OFD_SETLK => continue,
            _ => return Err(e),
        }
    }
    Ok(false)
}

impl MboxLock {
    /// Takes the locks of `mode` on the mbox at `path`, waiting a little for other holders.
    pub fn acquire(path: &Path, mode: LockMode) -> anyhow::Result<MboxLock> {
        let exclusive = mode == LockMode::Exclusive;
        let dotlock = if exclusive { Some(take_dotlock(path)?) } else { None };
        // From here on, a failure drops `guard`, which removes the dotlock.
        let mut guard = DotlockGuard(dotlock);
        let file = OpenOptions::new()
            .read(true)
            .write(exclusive)
            .open(path)
            .map_err(|e| super::io_error("open the mbox", path, &e))?;
        let busy = |what: &str| {
            locked_error(
                path,
                &format!("another program holds {what} lock on it"),
                "close the mail programs that use it (or wait for the delivery to finish) and run the same command again",
            )
        };
        match retry(|| fcntl_lock(&file, exclusive)) {
            Ok(true) => {}
            Ok(false) => return Err(busy("an fcntl")),
            Err(e) => return Err(super::io_error("lock (fcntl) the mbox", path, &e)),
        }
        let flocked = retry(|| {
            let r = if exclusive { file.try_lock() } else { file.try_lock_shared() };
            match r {
                Ok(()) => Ok(true),
                Err(fs::TryLockError::WouldBlock) => Ok(false),
                Err(fs::TryLockError::Error(e)) => Err(e),
            }
        });
        match flocked {
            Ok(true) => {}
            Ok(false) => return Err(busy("a flock")),
            Err(e) => return Err(super::io_error("lock (flock) the mbox", path, &e)),
        }
        Ok(MboxLock { dotlock: guard.0.take(), _file: file })
    }
}

struct DotlockGuard(Option<PathBuf>);

impl Drop for DotlockGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// The file as the scan read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub len: u64,
    pub sha256: String,
}

/// One message to leave out of the rewritten file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Offset of its `From ` line.
    pub offset: u64,
    pub from_line_len: u64,
    /// Stored length of the message (without the `From ` line and separator).
    pub length: u64,
    /// Where its region ends: the next message's `From ` line, or the scanned end.
    pub end: u64,
    pub from_hash: u64,
    /// SHA-256 of the content with mboxrd quoting undone (what the archive holds).
    pub sha256: String,
}

/// The FNV hash of a `From ` line as [`crate::store::mbox`] computes it.
pub fn from_line_hash(line: &[u8]) -> u64 {
    let head = &line[..line.len().min(1024)];
    let head = head.strip_suffix(b"\n").map_or(head, |h| h.strip_suffix(b"\r").unwrap_or(h));
    fnv64(head)
}

/// A rewritten copy, flushed, waiting to replace the original.
pub struct Rewrite {
    path: PathBuf,
    tmp: Option<PathBuf>,
    _lock: MboxLock,
    /// Bytes the new file is shorter by.
    pub removed_bytes: u64,
}

fn changed(path: &Path, what: String) -> anyhow::Error {
    error::failure_hint(
        format!("the mbox \"{}\" changed since it was read ({what}): nothing was removed from it", path.display()),
        "another program rewrote it meanwhile; run the same command again: the archived copies are kept and recognised",
    )
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.mailsweep-new"))
}

/// Copies `n` bytes from `src` to `out` (when given), feeding `hash`.
fn copy(
    src: &mut impl Read,
    n: u64,
    hash: &mut Sha256,
    mut out: Option<&mut dyn Write>,
    buf: &mut [u8],
) -> io::Result<()> {
    let mut left = n;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = src.read(&mut buf[..want])?;
        if got == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        hash.update(&buf[..got]);
        if let Some(o) = out.as_mut() {
            o.write_all(&buf[..got])?;
        }
        left -= got as u64;
    }
    Ok(())
}

/// Writes the mbox at `path` without `removals` beside it, after locking it and checking
/// it still holds what the scan read. Nothing is replaced yet: see [`Rewrite::commit`].
pub fn prepare(path: &Path, snapshot: &Snapshot, removals: &[Removal]) -> anyhow::Result<Rewrite> {
    let lock = MboxLock::acquire(path, LockMode::Exclusive)?;
    let tmp = tmp_path(path);
    // A copy a killed run left: ours (we hold the locks), never installed.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(super::io_error("remove the leftover", &tmp, &e)),
    }
    let mut removals = removals.to_vec();
    removals.sort_by_key(|r| r.offset);
    let mut src = File::open(path).map_err(|e| super::io_error("read the mbox", path, &e))?;
    let meta = src.metadata().map_err(|e| super::io_error("read the mbox", path, &e))?;
    if meta.len() < snapshot.len {
        return Err(changed(path, format!("it is shorter: {} bytes instead of {}", meta.len(), snapshot.len)));
    }
    let mut rewrite = Rewrite { path: path.to_path_buf(), tmp: Some(tmp.clone()), _lock: lock, removed_bytes: 0 };
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| super::io_error("write the new copy of the mbox", &tmp, &e))?;
    // The same owner, group and mode as the original, or nothing at all.
    std::os::unix::fs::fchown(&out, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
        error::failure_hint(
            format!("cannot give the new copy of \"{}\" its owner and group: {}", path.display(), io_reason(&e)),
            "run as the mailbox's owner and a member of its group (or as root); nothing was changed",
        )
    })?;
    out.set_permissions(meta.permissions()).map_err(|e| super::io_error("set the mode of", &tmp, &e))?;
    let mut out = BufWriter::with_capacity(256 * 1024, out);
    let mut prefix = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut pos = 0u64;
    let io = |e: io::Error| super::io_error("rewrite the mbox", path, &e);
    for r in &removals {
        if r.offset < pos || r.end > snapshot.len || r.offset + r.from_line_len + r.length > r.end {
            return Err(anyhow::anyhow!("refusing to rewrite \"{}\": overlapping message regions", path.display()));
        }
        copy(&mut src, r.offset - pos, &mut prefix, Some(&mut out), &mut buf).map_err(io)?;
        // The removed message: hashed for the prefix, checked, not written.
        let mut line = vec![0u8; usize::try_from(r.from_line_len).unwrap_or(0)];
        src.read_exact(&mut line).map_err(io)?;
        prefix.update(&line);
        if !line.starts_with(b"From ") || from_line_hash(&line) != r.from_hash {
            return Err(changed(path, format!("no longer the same \"From \" line at offset {}", r.offset)));
        }
        let mut content = Sha256::new();
        let mut unquote = Quoting::unquote();
        let mut left = r.length;
        let mut plain = Vec::new();
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let got = src.read(&mut buf[..want]).map_err(io)?;
            if got == 0 {
                return Err(io(io::ErrorKind::UnexpectedEof.into()));
            }
            prefix.update(&buf[..got]);
            plain.clear();
            unquote.feed(&buf[..got], &mut plain);
            content.update(&plain);
            left -= got as u64;
        }
        plain.clear();
        unquote.finish(&mut plain);
        content.update(&plain);
        if content.hex() != r.sha256 {
            return Err(changed(path, format!("the message at offset {} is not the one archived", r.offset)));
        }
        let rest = r.end - (r.offset + r.from_line_len + r.length);
        copy(&mut src, rest, &mut prefix, None, &mut buf).map_err(io)?;
        rewrite.removed_bytes += r.end - r.offset;
        pos = r.end;
    }
    copy(&mut src, snapshot.len - pos, &mut prefix, Some(&mut out), &mut buf).map_err(io)?;
    if prefix.hex() != snapshot.sha256 {
        return Err(changed(path, "its bytes differ from those the scan read".into()));
    }
    // Mail delivered since the scan: kept as it is, except the blank line a delivery put
    // before it when the file ended without one: that was the removed last message's
    // separator.
    let mut skip = 0;
    if removals.last().is_some_and(|r| r.end == snapshot.len) {
        let mut head = [0u8; 2];
        let n = src.read(&mut head).map_err(io)?;
        skip = match &head[..n] {
            [b'\n', ..] => 1,
            [b'\r', b'\n'] => 2,
            _ => 0,
        };
    }
    src.seek(SeekFrom::Start(snapshot.len + skip)).map_err(io)?;
    io::copy(&mut src, &mut out).map_err(io)?;
    let out = out.into_inner().map_err(|e| io(e.into_error()))?;
    out.sync_all().map_err(|e| super::io_error("flush", &tmp, &e))?;
    Ok(rewrite)
}

impl Rewrite {
    /// Replaces the original with the rewritten copy and flushes the directory; the
    /// locks are released afterwards.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let tmp = self.tmp.take().expect("not committed yet");
        fs::rename(&tmp, &self.path).map_err(|e| super::io_error("replace the mbox", &self.path, &e))?;
        let dir = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        super::sync_dir(dir).map_err(|e| super::io_error("flush the directory", dir, &e))?;
        Ok(())
    }
}

impl Drop for Rewrite {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::archive::digest::sha256_hex;

    const BOX: &[u8] = b"From a@b Mon Jan  2 15:04:05 2006\nSubject: one\n\n>From quoted\n\n\
From c@d Tue Jan  3 15:04:05 2006\nSubject: two\n\nsecond\n\n\
From e@f Wed Jan  4 15:04:05 2006\nSubject: three\n\nthird\n";

    fn removal(bytes: &[u8], index: usize) -> Removal {
        let entries: Vec<_> = crate::store::mbox::MboxReader::new(bytes).map(Result::unwrap).collect();
        let e = &entries[index];
        let start = (e.offset + e.from_line_len) as usize;
        let mut plain = Vec::new();
        let mut q = Quoting::unquote();
        q.feed(&bytes[start..start + e.length as usize], &mut plain);
        q.finish(&mut plain);
        Removal {
            offset: e.offset,
            from_line_len: e.from_line_len,
            length: e.length,
            end: entries.get(index + 1).map_or(bytes.len() as u64, |n| n.offset),
            from_hash: e.from_hash,
            sha256: sha256_hex(&plain),
        }
    }

    fn snapshot(bytes: &[u8]) -> Snapshot {
        Snapshot { len: bytes.len() as u64, sha256: sha256_hex(bytes) }
    }

    #[test]
    fn removes_exactly_the_regions_and_keeps_appended_mail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inbox");
        fs::write(&path, BOX).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let snap = snapshot(BOX);
        // New mail arrives after the scan.
        let mut grown = BOX.to_vec();
        grown.extend_from_slice(b"\nFrom g@h Thu Jan  5 15:04:05 2006\n\nfourth\n");
        fs::write(&path, &grown).unwrap();
        let r = prepare(&path, &snap, &[removal(BOX, 0), removal(BOX, 2)]).unwrap();
        assert!(dotlock_path(&path).exists(), "the dotlock is held until the commit");
        r.commit().unwrap();
        assert!(!dotlock_path(&path).exists());
        let got = fs::read(&path).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            "From c@d Tue Jan  3 15:04:05 2006\nSubject: two\n\nsecond\n\nFrom g@h Thu Jan  5 15:04:05 2006\n\nfourth\n"
        );
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert!(!tmp_path(&path).exists());
    }

    #[test]
    fn a_changed_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inbox");
        let snap = snapshot(BOX);
        let rm = removal(BOX, 1);
        // Another program rewrote the first message (a flag change): same length, new bytes.
        let edited = String::from_utf8_lossy(BOX).replace("Subject: one", "Subject: One").into_bytes();
        fs::write(&path, &edited).unwrap();
        let e = prepare(&path, &snap, std::slice::from_ref(&rm)).err().unwrap();
        assert!(error::one_line(&e).contains("changed since it was read"), "{e}");
        assert_eq!(fs::read(&path).unwrap(), edited);
        assert!(!tmp_path(&path).exists() && !dotlock_path(&path).exists());
        // The removed message itself changed.
        let edited = String::from_utf8_lossy(BOX).replace("second", "Second").into_bytes();
        fs::write(&path, &edited).unwrap();
        let e = prepare(&path, &snapshot(&edited), &[rm]).err().unwrap();
        assert!(error::one_line(&e).contains("not the one archived"), "{e}");
        assert_eq!(fs::read(&path).unwrap(), edited);
    }

    #[test]
    fn a_held_dotlock_is_a_clear_error_and_a_stale_one_of_ours_is_broken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inbox");
        fs::write(&path, BOX).unwrap();
        fs::write(dotlock_path(&path), b"").unwrap();
        let e = MboxLock::acquire(&path, LockMode::Exclusive).err().unwrap();
        assert!(error::one_line(&e).contains("inbox.lock\" exists"), "{}", error::one_line(&e));
        assert!(dotlock_path(&path).exists(), "someone else's lock is never removed");
        // A lock of a mailsweep run that was killed (no such process).
        fs::write(dotlock_path(&path), format!("{DOTLOCK_MARK}{}\n", i32::MAX)).unwrap();
        let lock = MboxLock::acquire(&path, LockMode::Exclusive).unwrap();
        assert!(fs::read_to_string(dotlock_path(&path)).unwrap().contains(&std::process::id().to_string()));
        // An fcntl lock held elsewhere (another open file description) blocks.
        let other = File::open(&path).unwrap();
        assert!(!fcntl_lock(&other, false).unwrap());
        drop(lock);
        assert!(!dotlock_path(&path).exists());
        assert!(fcntl_lock(&other, false).unwrap());
    }
}
