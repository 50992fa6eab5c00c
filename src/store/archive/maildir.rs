//! The Maildir++ writer: one file per message, written in `tmp/`, flushed, read back and
//! compared, given its received date as modification time (Dovecot's INTERNALDATE), then
//! renamed into `cur/` with its flags in the name (`:2,FRS`), and the directory flushed.
//!
//! A file only ever appears in `cur/` complete and verified, so a crash leaves at worst
//! a file in `tmp/` (removed by the next run, which holds the archive lock) or a verified
//! file the journal does not know yet: file names carry a stable key of the message
//! (account, folder, UIDVALIDITY, UID), so the next run finds it instead of writing a
//! second copy.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use jiff::Timestamp;

use super::digest::{Check, Sha256};
use super::mboxrd::open_private;

/// Marks our files in `tmp/` and carries the key in `cur/`.
const TAG: &str = ".mailsweep";

/// One folder's maildir in the archive.
pub struct MaildirTarget {
    dir: PathBuf,
    /// Message key → file in `cur/` or `new/`.
    existing: HashMap<String, PathBuf>,
    renamed: bool,
}

/// The stable key of a message in file names (`ms` + 16 hex digits).
pub fn message_key(account: &str, folder: &str, uidvalidity: u32, id: &str) -> String {
    let h = crate::model::archive::fnv64(format!("{account}\0{folder}\0{uidvalidity}\0{id}").as_bytes());
    format!("ms{h:016x}")
}

impl MaildirTarget {
    /// Creates the maildir (and the root's, for a Maildir++ subfolder) and indexes the
    /// messages already there by key.
    pub fn open(root: &Path, rel: &str) -> io::Result<MaildirTarget> {
        make_maildir(root)?;
        let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
        if !rel.is_empty() {
            make_maildir(&dir)?;
            let marker = dir.join("maildirfolder");
            if !marker.exists() {
                open_private(&marker)?;
            }
        }
        // Left by an interrupted run (we hold the archive lock: nobody else writes ours).
        for entry in fs::read_dir(dir.join("tmp"))? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().contains(TAG) {
                fs::remove_file(entry.path())?;
            }
        }
        let mut existing = HashMap::new();
        for sub in ["cur", "new"] {
            for entry in fs::read_dir(dir.join(sub))? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(key) = key_of(&name) {
                    existing.insert(key.to_string(), entry.path());
                }
            }
        }
        Ok(MaildirTarget { dir, existing, renamed: false })
    }

    /// The file already holding the message with this key, if any.
    pub fn find(&self, key: &str) -> Option<&PathBuf> {
        self.existing.get(key)
    }

    /// Starts writing a message into `tmp/`.
    pub fn begin(&self, key: &str) -> io::Result<MaildirWrite> {
        let tmp = self.dir.join("tmp").join(format!("{}.{key}{TAG}.{}", std::process::id(), unique()));
        let (file, _) = open_private(&tmp)?;
        Ok(MaildirWrite { tmp, file, digest: Sha256::new(), check: Check::new(), key: key.to_string() })
    }

    /// Flushes `cur/` after renames, so the new names are durable.
    pub fn sync(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.renamed) {
            super::sync_dir(&self.dir.join("cur"))?;
        }
        Ok(())
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// `1700000000.ms0123456789abcdef.mailsweep,S=12:2,S` → `ms0123456789abcdef`.
fn key_of(name: &str) -> Option<&str> {
    let rest = name.split_once('.')?.1;
    let (key, after) = rest.split_once('.')?;
    (after.starts_with(&TAG[1..]) && key.len() == 18 && key.starts_with("ms")).then_some(key)
}

fn make_maildir(dir: &Path) -> io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        super::create_private_dirs(&dir.join(sub))?;
    }
    Ok(())
}

/// A message being written.
pub struct MaildirWrite {
    tmp: PathBuf,
    file: File,
    digest: Sha256,
    /// The read-back check of the bytes written (see [`super::digest`]).
    check: Check,
    key: String,
}

/// A message in the archive, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl MaildirWrite {
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.digest.update(chunk);
        self.check.update(chunk);
        self.file.write_all(chunk)
    }

    /// The digest of what was written so far (the bytes the server sent).
    pub fn digest(&self) -> (String, u64) {
        (self.digest.clone().hex(), self.digest.len())
    }

    /// Drops the file (the message is already in the archive).
    pub fn discard(self) -> io::Result<()> {
        drop(self.file);
        fs::remove_file(&self.tmp)
    }

    /// Flushes, reads back and compares (the file's check with the check of the bytes
    /// written), dates, and moves the file into `cur/`.
    pub fn finish(self, target: &mut MaildirTarget, flags: &str, received: Option<Timestamp>) -> io::Result<Placed> {
        let MaildirWrite { tmp, file, digest, check, key } = self;
        file.sync_all()?;
        let (sha256, size) = (digest.clone().hex(), digest.len());
        if check_back(&tmp)? != check.finish() {
            let _ = fs::remove_file(&tmp);
            return Err(io::Error::new(io::ErrorKind::InvalidData, "the written file does not read back identical"));
        }
        let secs = received.map(|t| t.as_second()).unwrap_or(0);
        if let Some(t) = received.map(SystemTime::from) {
            file.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))?;
        }
        drop(file);
        let name = format!("{secs}.{key}{TAG},S={size}:2,{flags}");
        let path = target.dir.join("cur").join(name);
        fs::rename(&tmp, &path)?;
        target.renamed = true;
        target.existing.insert(key, path.clone());
        Ok(Placed { path, sha256, size })
    }
}

/// The [`Check`] and size of a file.
fn check_back(path: &Path) -> io::Result<(u128, u64)> {
    let mut file = File::open(path)?;
    let mut check = Check::new();
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        check.update(&chunk[..n]);
    }
    Ok(check.finish())
}

/// `(sha256, size)` of a file.
pub fn read_back(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut digest = Sha256::new();
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        digest.update(&chunk[..n]);
    }
    let size = digest.len();
    Ok((digest.hex(), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_land_in_cur_with_flags_date_and_key() {
        let root = tempfile::tempdir().unwrap();
        let mut t = MaildirTarget::open(root.path(), ".Archives.2021").unwrap();
        let key = message_key("imap://a@h", "Archives/2021", 7, "42");
        let mut w = t.begin(&key).unwrap();
        w.write(b"Subject: x\r\n\r\n").unwrap();
        w.write(b"body\r\n").unwrap();
        let when: Timestamp = "2021-05-06T07:08:09Z".parse().unwrap();
        let placed = w.finish(&mut t, "FS", Some(when)).unwrap();
        t.sync().unwrap();
        let name = placed.path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("1620284889.ms") && name.ends_with(",S=20:2,FS"), "{name}");
        assert_eq!(fs::read(&placed.path).unwrap(), b"Subject: x\r\n\r\nbody\r\n");
        let mtime = fs::metadata(&placed.path).unwrap().modified().unwrap();
        assert_eq!(Timestamp::try_from(mtime).unwrap(), when);
        assert!(root.path().join(".Archives.2021/maildirfolder").exists());
        assert!(root.path().join("cur").is_dir());
        // Found again by key after a client changed the flags.
        let renamed = placed.path.with_file_name(name.replace(":2,FS", ":2,FRS"));
        fs::rename(&placed.path, &renamed).unwrap();
        let t2 = MaildirTarget::open(root.path(), ".Archives.2021").unwrap();
        assert_eq!(t2.find(&key), Some(&renamed));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(root.path().join(".Archives.2021/cur")).unwrap().permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn leftovers_in_tmp_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let t = MaildirTarget::open(root.path(), "").unwrap();
        let w = t.begin("ms0000000000000001").unwrap();
        drop(w);
        fs::write(root.path().join("tmp/other-client"), b"x").unwrap();
        MaildirTarget::open(root.path(), "").unwrap();
        let left: Vec<_> = fs::read_dir(root.path().join("tmp")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["other-client"]);
    }
}
