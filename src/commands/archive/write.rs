//! The writers of `mailsweep archive`, the same for every route: a [`FolderRun`] streams
//! one batch at a time from any [`MessageSource`] into the archive (mbox or Maildir++),
//! flushes it, reads every new copy back, and journals the verified ones; it returns
//! their ids, which the route then removes its own way.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Result;

use super::{Faults, FolderPlan, Options, mbox_path, verify_entry, year_of};
use crate::imap::archive::Fetched;
use crate::model::archive::{ArchiveFormat, Candidate, Entry, FolderOutcome, Record};
use crate::report::progress::Progress;
use crate::store::archive::{ArchiveDir, io_error, maildir, mboxrd};

/// One folder being archived.
pub(super) struct FolderRun<'a, S> {
    pub s: &'a mut S,
    pub dir: &'a mut ArchiveDir,
    pub account: &'a str,
    pub plan: &'a FolderPlan,
    pub opts: &'a Options,
    pub outcome: &'a mut FolderOutcome,
    pub notes: &'a mut Vec<String>,
    pub faults: &'a mut Faults,
    pub progress: &'a Progress,
}

impl<S: MessageSource> FolderRun<'_, S> {
    /// Archives one batch in the format of the run. Returns the ids now safely archived.
    pub async fn batch(
        &mut self,
        batch: &[Candidate],
        uidvalidity: u32,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
    ) -> Result<Vec<String>> {
        match self.opts.format {
            ArchiveFormat::Mbox => self.mbox_batch(batch, uidvalidity, elsewhere).await,
            ArchiveFormat::Maildir => self.maildir_batch(batch, uidvalidity, elsewhere).await,
        }
    }

    fn entry(&self, uidvalidity: u32, c: &Candidate, f: &Fetched, sha256: String, file: String) -> Entry {
        Entry {
            account: self.account.to_string(),
            folder: self.plan.raw.clone(),
            uidvalidity,
            id: c.id.clone(),
            sha256,
            size: f.bytes,
            received: f.received.or(c.received),
            flags: f.flags.imap(),
            file,
            offset: 0,
            stored: 0,
            added_newline: false,
            member: None,
            kept: self.opts.keep_on_server,
        }
    }

    /// Checks what a fetch got against what the source announced; a mismatch leaves the
    /// message where it is.
    fn size_matches(&mut self, c: &Candidate, f: &Fetched) -> bool {
        if f.bytes == f.size {
            return true;
        }
        self.notes.push(format!(
            "folder \"{}\": {} {} sent {} bytes but announced {} {}; it stays {}",
            self.plan.name,
            S::ID,
            c.id,
            f.bytes,
            S::SIZE,
            f.size,
            S::WHERE
        ));
        self.outcome.failed += 1;
        false
    }

    /// A message already archived under another UIDVALIDITY: its old entry, reused.
    fn seen_elsewhere(
        &mut self,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
        sha: &str,
        uidvalidity: u32,
        c: &Candidate,
    ) -> Option<Entry> {
        let list = elsewhere.get_mut(sha)?;
        let mut e = list.pop()?;
        if list.is_empty() {
            elsewhere.remove(sha);
        }
        verify_entry(self.dir, &e).ok()?;
        e.uidvalidity = uidvalidity;
        e.id = c.id.clone();
        e.kept = self.opts.keep_on_server;
        self.outcome.already_archived += 1;
        Some(e)
    }

    /// Archives one batch into mbox files. Returns the ids now safely archived.
    async fn mbox_batch(
        &mut self,
        batch: &[Candidate],
        uidvalidity: u32,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
    ) -> Result<Vec<String>> {
        // Group by target file (several with --split-by-year), keeping the order.
        let mut groups: BTreeMap<String, Vec<&Candidate>> = BTreeMap::new();
        for c in batch {
            let rel = mbox_path(self.dir, &self.plan.name, self.opts, c)?;
            groups.entry(rel).or_default().push(c);
        }
        let mut done = Vec::new();
        for (rel, msgs) in groups {
            let path = self.dir.prepare_mbox(&rel)?;
            let start = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            self.dir.record(&[Record::Begin { file: rel.clone(), offset: start }])?;
            let opened = if self.opts.compress {
                mboxrd::MboxAppender::open_compressed(&path)
            } else {
                mboxrd::MboxAppender::open(&path)
            };
            let mut out = opened.map_err(|e| io_error("open the archive", &path, &e))?;
            let mut entries: Vec<(Entry, u128)> = Vec::new();
            let mut reused: Vec<Entry> = Vec::new();
            for c in msgs {
                let from = out.end();
                out.begin_message(c.received).map_err(|e| io_error("write", &path, &e))?;
                let fetched = self
                    .s
                    .fetch_message(c, &mut |chunk| out.write(chunk).map_err(|e| io_error("write", &path, &e)))
                    .await?;
                let Some(f) = fetched else {
                    out.truncate(from).map_err(|e| io_error("write", &path, &e))?;
                    self.gone(c);
                    continue;
                };
                let w = out.end_message().map_err(|e| io_error("write", &path, &e))?;
                if !self.size_matches(c, &f) {
                    out.truncate(from).map_err(|e| io_error("write", &path, &e))?;
                    continue;
                }
                if let Some(e) = self.seen_elsewhere(elsewhere, &w.sha256, uidvalidity, c) {
                    out.truncate(from).map_err(|e| io_error("write", &path, &e))?;
                    reused.push(e);
                    continue;
                }
                let mut e = self.entry(uidvalidity, c, &f, w.sha256.clone(), rel.clone());
                (e.offset, e.stored, e.added_newline, e.member) = (w.offset, w.stored, w.added_newline, w.member);
                entries.push((e, w.check));
                self.faults.at("written");
            }
            tokio::task::block_in_place(|| out.sync()).map_err(|e| io_error("flush", &path, &e))?;
            // Read everything back before it may leave the server: each copy must decode
            // to the bytes received (their check, taken as they arrived; see
            // store::archive::digest for why this check and not a second SHA-256).
            let mut verified = Vec::new();
            let mut reader = None;
            for (e, check) in entries {
                let opened = reader.get_or_insert_with(|| {
                    mboxrd::CopyReader::open(&path).map_err(|err| crate::store::io_reason(&err))
                });
                let back = match opened {
                    Ok(r) => r.check(e.member, e.offset, e.stored, e.added_newline),
                    Err(why) => {
                        self.unverified(&e, why);
                        continue;
                    }
                };
                match back {
                    Ok((got, size)) if got == check && size == e.size => verified.push(e),
                    Ok(_) => self.unverified(&e, "its bytes differ"),
                    Err(err) => self.unverified(&e, &crate::store::io_reason(&err)),
                }
            }
            let mut records: Vec<Record> = verified.iter().chain(&reused).cloned().map(Record::Archived).collect();
            records.push(Record::Commit { file: rel.clone(), end: out.end() });
            self.dir.record(&records)?;
            self.faults.at("journaled");
            for e in verified.iter().chain(&reused) {
                self.outcome.archived_messages += 1;
                self.outcome.archived_bytes += e.size;
                done.push(e.id.clone());
            }
        }
        Ok(done)
    }

    /// A message the source did not give: gone, or no longer selected.
    fn gone(&mut self, c: &Candidate) {
        let why = self.s.skipped(&c.id).unwrap_or_else(|| "was removed by another client meanwhile".into());
        self.notes.push(format!("folder \"{}\": {} {} {why}", self.plan.name, S::ID, c.id));
    }

    fn unverified(&mut self, e: &Entry, why: &str) {
        self.notes.push(format!(
            "folder \"{}\": the copy of {} {} in \"{}\" does not read back identical ({why}); it stays {}",
            self.plan.name,
            S::ID,
            e.id,
            e.file,
            S::WHERE
        ));
        self.outcome.failed += 1;
    }

    /// Archives one batch into Maildir++ folders. Returns the ids now safely archived.
    async fn maildir_batch(
        &mut self,
        batch: &[Candidate],
        uidvalidity: u32,
        elsewhere: &mut HashMap<String, Vec<Entry>>,
    ) -> Result<Vec<String>> {
        let mut targets: BTreeMap<String, maildir::MaildirTarget> = BTreeMap::new();
        let mut entries = Vec::new();
        for c in batch {
            let rel = self.dir.path_for(&self.plan.name, self.opts.format, year_of(self.opts, c))?;
            let root = self.dir.root().to_path_buf();
            if !targets.contains_key(&rel) {
                let t = maildir::MaildirTarget::open(&root, &rel)
                    .map_err(|e| io_error("create the archive folder", &root.join(&rel), &e))?;
                targets.insert(rel.clone(), t);
            }
            let target = targets.get_mut(&rel).expect("inserted");
            let key = maildir::message_key(self.account, &self.plan.raw, uidvalidity, &c.id);
            let mut w = target.begin(&key).map_err(|e| io_error("write into", &root.join(&rel), &e))?;
            let fetched = self
                .s
                .fetch_message(c, &mut |chunk| w.write(chunk).map_err(|e| io_error("write into", &root.join(&rel), &e)))
                .await?;
            let Some(f) = fetched else {
                let _ = w.discard();
                self.gone(c);
                continue;
            };
            if !self.size_matches(c, &f) {
                let _ = w.discard();
                continue;
            }
            let (sha, _) = w.digest();
            let rel_file =
                |p: &Path| p.strip_prefix(&root).map(|r| r.to_string_lossy().into_owned()).unwrap_or_default();
            // A verified file an interrupted run placed but did not journal.
            if let Some(existing) = target.find(&key).cloned()
                && maildir::read_back(&existing).is_ok_and(|(s, n)| s == sha && n == f.bytes)
            {
                let _ = w.discard();
                entries.push(self.entry(uidvalidity, c, &f, sha, rel_file(&existing)));
                continue;
            }
            if let Some(e) = self.seen_elsewhere(elsewhere, &sha, uidvalidity, c) {
                let _ = w.discard();
                entries.push(e);
                continue;
            }
            let flags = f.flags.maildir_letters();
            let placed = tokio::task::block_in_place(|| w.finish(target, &flags, f.received.or(c.received)));
            match placed {
                Ok(p) => entries.push(self.entry(uidvalidity, c, &f, p.sha256, rel_file(&p.path))),
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let entry = self.entry(uidvalidity, c, &f, sha, rel.clone());
                    self.unverified(&entry, &crate::store::io_reason(&e));
                }
                Err(e) => return Err(io_error("write into", &root.join(&rel), &e)),
            }
            self.faults.at("written");
        }
        for (rel, t) in targets.iter_mut() {
            tokio::task::block_in_place(|| t.sync()).map_err(|e| io_error("flush", &self.dir.root().join(rel), &e))?;
        }
        let records: Vec<Record> = entries.iter().cloned().map(Record::Archived).collect();
        if !records.is_empty() {
            self.dir.record(&records)?;
            self.faults.at("journaled");
        }
        for e in &entries {
            self.outcome.archived_messages += 1;
            self.outcome.archived_bytes += e.size;
        }
        Ok(entries.into_iter().map(|e| e.id).collect())
    }
}

/// Where a run's messages come from: the selected IMAP folder, the POP3 maildrop, or a
/// folder of a local Maildir or mbox. The writers above only stream from it; removal
/// stays with each route.
pub(crate) trait MessageSource {
    /// What the source calls a message's id in notes.
    const ID: &'static str;
    /// What the source calls the size it announces.
    const SIZE: &'static str;
    /// Where a message not archived stays ("on the server").
    const WHERE: &'static str;
    /// Streams the message into `sink`; `None` when it is no longer there.
    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>>;

    /// Why `fetch_message` gave `None` for a message that is still there (a local store
    /// re-checks the selection when it reads a message); `None`: it is gone.
    fn skipped(&mut self, _id: &str) -> Option<String> {
        None
    }
}
