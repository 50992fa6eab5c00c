//! Archives, write side: the archive directory (lock, journal, folder paths) and the
//! writers that put messages into it, each flushing to the disk and reading back what it
//! wrote before anything may leave the server.
//!
//! - [`mboxrd`]: one mboxrd file per folder ("Local Folders" layout), streamed appends;
//! - [`maildir`]: Maildir++ with flags in file names and received dates as file times;
//! - [`journal`]: what was written and verified, what was removed from the server;
//! - [`digest`]: SHA-256, the journal's digest of every message (what proves a copy
//!   intact on any later read), and the in-run read-back check of each new copy;
//! - [`local`] and [`rewrite`]: local Maildir and mbox stores as the *source* of a run,
//!   and the locked rewrite that removes archived messages from an mbox.
//!
//! Layout of an archive directory:
//! ```text
//! DIR/                      0700 when created by mailsweep
//!   Sent, Archives.sbd/2021 mbox files (0600), or Maildir++ folders (.Sent/cur/...)
//!   Sent.gz, ...            with --compress: gzip, one member per message (see [`mboxrd`])
//!   .mailsweep/             0700: never a folder (folder paths never start with '.')
//!     lock                  held (flock) for the whole run: one run per archive
//!                           (a plan shown at a prompt reads the rest without creating or
//!                           locking anything; "y" locks and checks nothing changed)
//!     journal.jsonl         the journal
//!     names.json            folder → path, so paths never move between runs
//! ```

pub mod digest;
pub mod journal;
pub mod local;
pub mod maildir;
pub mod mboxrd;
pub mod rewrite;

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::error;
use crate::model::archive::{ArchiveFormat, NameMap, Record, Year, is_contained};

pub use journal::{Journal, State};

/// Flushes a directory's entries (new names, renames) to the disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its missing parents with mode 0700 (existing ones are left as they
/// are), refusing to go through a symlink.
pub fn create_private_dirs(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dirs(parent)?;
    }
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(())
}

/// `cannot <action> "<path>": <reason>`, with a hint for the usual disk problems.
pub(crate) fn io_error(action: &str, path: &Path, err: &io::Error) -> anyhow::Error {
    let message = format!("cannot {action} \"{}\": {}", path.display(), super::io_reason(err));
    let hint = match err.raw_os_error() {
        Some(28) | Some(122) => {
            Some("the disk is full (or over quota): free some space and run the same command again")
        }
        Some(27) => Some("the file size limit was reached (ulimit -f): raise it and run the same command again"),
        Some(13) => Some("check the permissions of the archive directory"),
        _ => None,
    };
    match hint {
        Some(h) => error::failure_hint(message, h),
        None => anyhow::anyhow!(message),
    }
}

/// A digest of what a plan is made from: the journal's records and the folder map.
fn seen_digest(journal: &Journal, names: Option<&[u8]>) -> u128 {
    let mut bytes = journal.read_digest().to_le_bytes().to_vec();
    if let Some(n) = names {
        bytes.push(1);
        bytes.extend_from_slice(n);
    }
    xxhash_rust::xxh3::xxh3_128(&bytes)
}

/// An open archive directory: locked, with its journal and folder paths.
pub struct ArchiveDir {
    root: PathBuf,
    _lock: Option<File>,
    journal: Journal,
    pub state: State,
    names: NameMap,
    read_only: bool,
    /// What the journal and folder map were at opening (see [`ArchiveDir::for_writing`]).
    seen: u128,
    /// Plain-language notes from opening (repairs made).
    pub notes: Vec<String>,
}

impl ArchiveDir {
    /// Opens (creating it 0700 unless `read_only`) and locks the archive directory, reads
    /// the journal and cuts off any mbox append an interrupted run left torn.
    /// `read_only` creates, locks and changes nothing: for `--dry-run`, and for the plan a
    /// terminal is asked about (then [`ArchiveDir::for_writing`]).
    pub fn open(root: &Path, read_only: bool) -> anyhow::Result<ArchiveDir> {
        ArchiveDir::open_as(root, read_only, None)
    }

    /// The directory a read-only plan was made from, opened for writing once the user said
    /// yes: created, locked, and checked to hold the very journal and folder map the plan
    /// was made from (another run may have written between the plan and the lock); if not,
    /// an error before anything is written. A directory open for writing is returned as is.
    pub fn for_writing(self) -> anyhow::Result<ArchiveDir> {
        if !self.read_only {
            return Ok(self);
        }
        ArchiveDir::open_as(&self.root, false, Some(self.seen))
    }

    fn open_as(root: &Path, read_only: bool, planned: Option<u128>) -> anyhow::Result<ArchiveDir> {
        let state_dir = root.join(".mailsweep");
        if read_only && !root.exists() {
            let (journal, state) = Journal::open(&state_dir.join("journal.jsonl"), true)?;
            let seen = seen_digest(&journal, None);
            return Ok(ArchiveDir {
                root: root.to_path_buf(),
                _lock: None,
                journal,
                state,
                names: NameMap::default(),
                read_only,
                seen,
                notes: Vec::new(),
            });
        }
        if !read_only {
            create_private_dirs(&state_dir).map_err(|e| io_error("create the archive directory", &state_dir, &e))?;
        }
        let lock = if read_only {
            None
        } else {
            let path = state_dir.join("lock");
            let (file, _) = mboxrd::open_private(&path).map_err(|e| io_error("open the lock file", &path, &e))?;
            if file.try_lock().is_err() {
                return Err(error::failure_hint(
                    format!("the archive \"{}\" is in use by another mailsweep run", root.display()),
                    "wait for it to finish (cron runs overlapping?) and run again",
                ));
            }
            Some(file)
        };
        let (journal, state) = Journal::open(&state_dir.join("journal.jsonl"), read_only)?;
        let names_path = state_dir.join("names.json");
        let names_bytes = match fs::read(&names_path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_error("read", &names_path, &e)),
        };
        let seen = seen_digest(&journal, names_bytes.as_deref());
        if planned.is_some_and(|p| p != seen) {
            return Err(error::failure_hint(
                format!(
                    "the archive \"{}\" changed while the plan was shown (another mailsweep run wrote to it); nothing was changed",
                    root.display()
                ),
                "run the same command again for a plan of what is left",
            ));
        }
        let names = match names_bytes {
            Some(b) => serde_json::from_slice(&b).map_err(|e| {
                error::failure_hint(
                    format!("the archive's folder map \"{}\" is damaged: {e}", names_path.display()),
                    "restore it from a backup; without it folder paths could change",
                )
            })?,
            None => NameMap::default(),
        };
        let mut dir = ArchiveDir {
            root: root.to_path_buf(),
            _lock: lock,
            journal,
            state,
            names,
            read_only,
            seen,
            notes: Vec::new(),
        };
        if !read_only {
            dir.repair()?;
        }
        Ok(dir)
    }

    fn repair(&mut self) -> anyhow::Result<()> {
        for (file, offset) in self.state.open_appends() {
            let path = self.abs(&file)?;
            let outcome = mboxrd::repair_tail(&path, offset).map_err(|e| io_error("repair", &path, &e))?;
            let end = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            match outcome {
                mboxrd::Repair::Clean => {}
                mboxrd::Repair::Cut(n) => self.notes.push(format!(
                    "\"{file}\": removed {n} bytes an interrupted run had begun to append (those messages are still on the server)"
                )),
                mboxrd::Repair::Shorter => self.notes.push(format!(
                    "\"{file}\" is shorter than when an interrupted run began to append to it: another program rewrote it"
                )),
                mboxrd::Repair::Foreign => self.notes.push(format!(
                    "\"{file}\" ends with messages another program appended after an interrupted run; its partial message was left in place"
                )),
            }
            self.record(&[Record::Commit { file, end }])?;
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute path of an archive-relative path, refusing anything that could leave
    /// the directory.
    pub fn abs(&self, rel: &str) -> anyhow::Result<PathBuf> {
        if rel.is_empty() {
            return Ok(self.root.clone());
        }
        if !is_contained(rel) {
            return Err(anyhow::anyhow!("refusing archive path {rel:?}: it could leave the archive directory"));
        }
        Ok(self.root.join(rel))
    }

    /// The archive path of a folder (and year), fixed the first time it is asked for.
    pub fn path_for(&mut self, folder: &str, format: ArchiveFormat, year: Option<Year>) -> anyhow::Result<String> {
        let (path, changed) = self.names.assign(folder, format, year);
        if changed && !self.read_only {
            let state_dir = self.root.join(".mailsweep");
            let tmp = state_dir.join("names.json.tmp");
            let final_path = state_dir.join("names.json");
            let bytes = serde_json::to_vec_pretty(&self.names)?;
            (|| -> io::Result<()> {
                let (mut f, _) = mboxrd::open_private(&tmp)?;
                f.set_len(0)?;
                io::Write::write_all(&mut f, &bytes)?;
                f.sync_all()?;
                fs::rename(&tmp, &final_path)?;
                sync_dir(&state_dir)
            })()
            .map_err(|e| io_error("save the folder map", &final_path, &e))?;
        }
        Ok(path)
    }

    /// Creates the directories and empty parent files an mbox path needs in a Local
    /// Folders tree, and returns its absolute path.
    pub fn prepare_mbox(&self, rel: &str) -> anyhow::Result<PathBuf> {
        let path = self.abs(rel)?;
        for parent in crate::model::archive::mbox_parents(rel) {
            let p = self.abs(&parent)?;
            if let Some(dir) = p.parent() {
                create_private_dirs(dir).map_err(|e| io_error("create", dir, &e))?;
            }
            if !p.exists() {
                mboxrd::open_private(&p).map_err(|e| io_error("create", &p, &e))?;
            }
        }
        if let Some(dir) = path.parent() {
            create_private_dirs(dir).map_err(|e| io_error("create", dir, &e))?;
        }
        Ok(path)
    }

    /// Appends records to the journal and flushes them; the state follows.
    pub fn record(&mut self, records: &[Record]) -> anyhow::Result<()> {
        self.journal.append(records).map_err(|e| io_error("write the journal", self.journal.path(), &e))?;
        for r in records {
            self.state.apply(r);
        }
        Ok(())
    }

    /// Journals that messages left the source: the last step of every removal.
    pub fn record_deleted(
        &mut self,
        account: &str,
        folder: &str,
        uidvalidity: u32,
        ids: Vec<String>,
    ) -> anyhow::Result<()> {
        self.record(&[Record::Deleted { account: account.to_string(), folder: folder.to_string(), uidvalidity, ids }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archived(id: &str) -> Record {
        Record::Archived(journal::tests::entry(id, 1))
    }

    #[test]
    fn a_read_only_plan_creates_nothing_and_writing_needs_the_archive_it_saw() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("arch");
        // A fresh directory: planned without creating anything, created on the go-ahead.
        let mut plan = ArchiveDir::open(&root, true).unwrap();
        plan.path_for("INBOX", ArchiveFormat::Mbox, Some(Year::Undated)).unwrap();
        assert!(!root.exists());
        let mut dir = plan.for_writing().unwrap();
        assert!(root.join(".mailsweep/lock").is_file());
        dir.path_for("INBOX", ArchiveFormat::Mbox, None).unwrap();
        dir.record(&[archived("1")]).unwrap();
        drop(dir);

        // An existing one: read as it is, nothing written or locked by the plan.
        let before = fs::read(root.join(".mailsweep/journal.jsonl")).unwrap();
        let plan = ArchiveDir::open(&root, true).unwrap();
        assert!(plan.state.archived("imap://a@h", "INBOX", 1, "1").is_some());
        let other = ArchiveDir::open(&root, false).unwrap();
        drop(other); // a run may open it meanwhile: what counts is what it wrote
        assert_eq!(fs::read(root.join(".mailsweep/journal.jsonl")).unwrap(), before);
        let dir = plan.for_writing().unwrap();
        assert!(dir.state.archived("imap://a@h", "INBOX", 1, "1").is_some());
        drop(dir);

        // Another run wrote between the plan and the go-ahead: refused, nothing written.
        for change in ["journal", "names"] {
            let plan = ArchiveDir::open(&root, true).unwrap();
            let mut other = ArchiveDir::open(&root, false).unwrap();
            match change {
                "journal" => other.record(&[archived(change)]).unwrap(),
                _ => drop(other.path_for("Sent", ArchiveFormat::Mbox, None).unwrap()),
            }
            drop(other);
            let journal = fs::read(root.join(".mailsweep/journal.jsonl")).unwrap();
            let e = plan.for_writing().err().expect("refused");
            let msg = format!("{e:#}");
            assert!(msg.contains("changed while the plan was shown"), "{change}: {msg}");
            assert_eq!(fs::read(root.join(".mailsweep/journal.jsonl")).unwrap(), journal, "{change}");
        }

        // One run at a time: the go-ahead while another run holds the lock is refused.
        let plan = ArchiveDir::open(&root, true).unwrap();
        let holder = ArchiveDir::open(&root, false).unwrap();
        let e = plan.for_writing().err().expect("locked");
        assert!(format!("{e:#}").contains("in use by another mailsweep run"), "{e:#}");
        drop(holder);
    }
}
