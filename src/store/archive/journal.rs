//! The archive's journal: JSON lines appended and fsynced (`DIR/.mailsweep/journal.jsonl`),
//! and the state a run needs from it: what is archived (verified), what was removed from
//! the server, and which mbox appends were begun but never committed.
//!
//! It lives inside the archive directory rather than in the XDG state directory: it
//! describes the archive's content (offsets, digests), so it must travel, be backed up
//! and be deleted together with it, and sit on the same file system, so that its fsyncs
//! and the archive's are ordered on the same disk.
//!
//! Keys are (account, folder, UIDVALIDITY, id): a UIDVALIDITY change voids the UIDs of
//! the older records (their messages are then recognised by digest instead).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::model::archive::{Entry, Record};

type FolderKey = (String, String);

/// What the journal says, indexed.
#[derive(Debug, Default)]
pub struct State {
    /// (account, folder) → UIDVALIDITY → id → entry (archived and not lost).
    archived: HashMap<FolderKey, BTreeMap<u32, BTreeMap<String, Entry>>>,
    deleted: HashSet<(String, String, u32, String)>,
    /// mbox file → offset of a `Begin` not followed by a `Commit`.
    open: BTreeMap<String, u64>,
}

impl State {
    pub fn apply(&mut self, r: &Record) {
        match r {
            Record::Begin { file, offset } => {
                self.open.insert(file.clone(), *offset);
            }
            Record::Commit { file, .. } => {
                self.open.remove(file);
            }
            Record::Archived(e) => {
                self.archived
                    .entry((e.account.clone(), e.folder.clone()))
                    .or_default()
                    .entry(e.uidvalidity)
                    .or_default()
                    .insert(e.id.clone(), e.clone());
            }
            Record::Deleted { account, folder, uidvalidity, ids } => {
                for id in ids {
                    self.deleted.insert((account.clone(), folder.clone(), *uidvalidity, id.clone()));
                }
            }
            Record::Lost { account, folder, uidvalidity, id } => {
                if let Some(m) =
                    self.archived.get_mut(&(account.clone(), folder.clone())).and_then(|v| v.get_mut(uidvalidity))
                {
                    m.remove(id);
                }
            }
        }
    }

    /// The archived entry of a message, if its copy counts.
    pub fn archived(&self, account: &str, folder: &str, uidvalidity: u32, id: &str) -> Option<&Entry> {
        self.archived.get(&(account.to_string(), folder.to_string()))?.get(&uidvalidity)?.get(id)
    }

    pub fn is_deleted(&self, account: &str, folder: &str, uidvalidity: u32, id: &str) -> bool {
        self.deleted.contains(&(account.to_string(), folder.to_string(), uidvalidity, id.to_string()))
    }

    /// Archived (verified) by a move run but not yet removed from the server: what an
    /// interrupted run left to finish. Backup copies (`kept`) are not pending: they leave
    /// the server only when a later move run selects them (see [`State::kept_copy`]).
    pub fn pending_deletions(&self, account: &str, folder: &str, uidvalidity: u32) -> Vec<Entry> {
        self.archived
            .get(&(account.to_string(), folder.to_string()))
            .and_then(|v| v.get(&uidvalidity))
            .map(|m| {
                m.values()
                    .filter(|e| !e.kept && !self.is_deleted(account, folder, uidvalidity, &e.id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The backup copy (`--keep-on-server`) of a message still on the server, which a move
    /// run that selects the message removes after reading the copy back once more.
    pub fn kept_copy(&self, account: &str, folder: &str, uidvalidity: u32, id: &str) -> Option<&Entry> {
        self.archived(account, folder, uidvalidity, id)
            .filter(|e| e.kept && !self.is_deleted(account, folder, uidvalidity, id))
    }

    /// Entries of the folder under other UIDVALIDITYs that were never removed from the
    /// server, by digest: after a UIDVALIDITY change these messages may still be there
    /// under new UIDs, and must not be archived twice.
    pub fn by_digest_elsewhere(&self, account: &str, folder: &str, uidvalidity: u32) -> HashMap<String, Vec<Entry>> {
        let mut out: HashMap<String, Vec<Entry>> = HashMap::new();
        if let Some(v) = self.archived.get(&(account.to_string(), folder.to_string())) {
            for (validity, m) in v {
                if *validity == uidvalidity {
                    continue;
                }
                for e in m.values() {
                    if !self.is_deleted(account, folder, *validity, &e.id) {
                        out.entry(e.sha256.clone()).or_default().push(e.clone());
                    }
                }
            }
        }
        out
    }

    /// mbox appends begun and never committed: `(file, offset)`.
    pub fn open_appends(&self) -> Vec<(String, u64)> {
        self.open.iter().map(|(f, o)| (f.clone(), *o)).collect()
    }
}

/// The journal file, open for appending.
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// XXH3-128 of the complete lines read at opening: what the state was built from.
    read: u128,
}

impl Journal {
    /// Reads the journal (a torn last line, from a crash mid-append, is cut off) and opens
    /// it for appending. `read_only` neither repairs nor creates anything (`--dry-run`).
    pub fn open(path: &Path, read_only: bool) -> anyhow::Result<(Journal, State)> {
        let mut bytes = Vec::new();
        match File::open(path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes).map_err(|e| super::io_error("read the journal", path, &e))?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(super::io_error("read the journal", path, &e)),
        }
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let read = xxhash_rust::xxh3::xxh3_128(&bytes[..complete]);
        let mut state = State::default();
        for (n, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let record: Record = serde_json::from_slice(line).map_err(|e| {
                crate::error::failure_hint(
                    format!("the archive journal \"{}\" is damaged at line {}: {e}", path.display(), n + 1),
                    "nothing was changed; restore the journal from a backup, or move the archive aside and start a new one",
                )
            })?;
            state.apply(&record);
        }
        if read_only {
            return Ok((Journal { path: path.to_path_buf(), file: None, read }, state));
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| super::io_error("open the journal", path, &e))?;
        if complete < bytes.len() {
            file.set_len(complete as u64).map_err(|e| super::io_error("repair the journal", path, &e))?;
            file.sync_all().map_err(|e| super::io_error("repair the journal", path, &e))?;
        }
        Ok((Journal { path: path.to_path_buf(), file: Some(file), read }, state))
    }

    /// Appends records and flushes them to the disk before returning.
    pub fn append(&mut self, records: &[Record]) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Err(io::Error::other("the journal is open read-only"));
        };
        let mut buf = Vec::new();
        for r in records {
            serde_json::to_writer(&mut buf, r).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        file.write_all(&buf)?;
        file.sync_data()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A digest of the records read at opening (a torn last line left out).
    pub fn read_digest(&self) -> u128 {
        self.read
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A journal entry for tests: message `id` of INBOX under `validity`.
    pub(in crate::store::archive) fn entry(id: &str, validity: u32) -> Entry {
        Entry {
            account: "imap://a@h".into(),
            folder: "INBOX".into(),
            uidvalidity: validity,
            id: id.into(),
            sha256: format!("sha-{id}"),
            size: 1,
            received: None,
            flags: String::new(),
            file: "INBOX".into(),
            offset: 0,
            stored: 1,
            added_newline: false,
            member: None,
            kept: false,
        }
    }

    #[test]
    fn backup_copies_are_never_pending_and_stay_kept_until_removed() {
        let mut s = State::default();
        let kept = Entry { kept: true, ..entry("7", 5) };
        s.apply(&Record::Archived(kept));
        s.apply(&Record::Archived(entry("8", 5)));
        let pending = s.pending_deletions("imap://a@h", "INBOX", 5);
        assert_eq!(pending.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["8"]);
        assert!(s.kept_copy("imap://a@h", "INBOX", 5, "7").is_some());
        assert!(s.kept_copy("imap://a@h", "INBOX", 5, "8").is_none(), "a move run's copy is pending, not kept");
        s.apply(&Record::Deleted {
            account: "imap://a@h".into(),
            folder: "INBOX".into(),
            uidvalidity: 5,
            ids: vec!["7".into()],
        });
        assert!(s.kept_copy("imap://a@h", "INBOX", 5, "7").is_none());
        // Journals written before the field existed read as move-run copies.
        let old: Record =
            serde_json::from_str(&serde_json::to_string(&Record::Archived(entry("9", 5))).unwrap()).unwrap();
        assert!(matches!(old, Record::Archived(e) if !e.kept));
    }

    #[test]
    fn state_follows_the_records_and_survives_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let (mut j, _) = Journal::open(&path, false).unwrap();
        j.append(&[
            Record::Begin { file: "INBOX".into(), offset: 0 },
            Record::Archived(entry("1", 5)),
            Record::Archived(entry("2", 5)),
            Record::Commit { file: "INBOX".into(), end: 10 },
            Record::Deleted {
                account: "imap://a@h".into(),
                folder: "INBOX".into(),
                uidvalidity: 5,
                ids: vec!["1".into()],
            },
            Record::Begin { file: "Sent".into(), offset: 7 },
        ])
        .unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"t\":\"archived\",\"acc").unwrap();
        let (_, s) = Journal::open(&path, false).unwrap();
        assert_eq!(
            s.pending_deletions("imap://a@h", "INBOX", 5).iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["2"]
        );
        assert!(s.archived("imap://a@h", "INBOX", 5, "1").is_some());
        assert!(s.archived("imap://a@h", "INBOX", 6, "1").is_none());
        assert_eq!(s.open_appends(), [("Sent".to_string(), 7)]);
        let other = s.by_digest_elsewhere("imap://a@h", "INBOX", 6);
        assert_eq!(other.keys().collect::<Vec<_>>(), ["sha-2"]);
        assert!(std::fs::read(&path).unwrap().ends_with(b"}\n"), "the torn line is cut");
    }

    #[test]
    fn a_damaged_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, b"{\"t\":\"begin\",\"file\":\"x\",\"offset\":0}\ngarbage\n").unwrap();
        let e = Journal::open(&path, false).err().unwrap();
        assert!(crate::error::one_line(&e).contains("line 2"), "{e}");
    }
}
