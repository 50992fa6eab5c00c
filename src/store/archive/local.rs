//! Local stores as an archive *source* (`archive maildir:PATH`, `archive mbox:PATH`): the
//! plan's candidates, streaming a message out, and removing exactly the archived ones.
//!
//! Identity of a message (the journal's id, with UIDVALIDITY 0 and the folder's on-disk
//! name):
//! - Maildir: its unique base name (before `:2,`), which a flag change (rename) or a move
//!   from `new/` to `cur/` keeps. A file renamed meanwhile is found again by it; a file
//!   gone meanwhile is reported, not an error.
//! - mbox: `FROMHASH-SHA256` (FNV of the `From ` line, SHA-256 of the content with mboxrd
//!   quoting undone), `~N` for the N-th identical copy in the folder: it survives other
//!   programs rewriting the file (offsets move, contents do not), so a rerun recognises
//!   what is archived wherever it now sits.
//!
//! The content of an mbox message is its stored bytes with one `>` taken off `>+From `
//! lines (mboxrd); the archive writer quotes them again, so the archived mbox holds the
//! very bytes the source held.
//!
//! Dates and flags come from the read side ([`crate::store::maildir`],
//! [`crate::store::mbox`]): Maildir's received date (mtime, capped by the delivery time
//! in the name) and flag letters; mbox's `From ` line date and status headers (a message
//! without any counts as unread, as mail readers show it). Files Dovecot stores
//! compressed are left out with a note (their bytes are not the message).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use super::digest::Sha256;
use super::mboxrd::Quoting;
use super::rewrite::{self, LockMode, MboxLock, Removal, Snapshot};
use crate::model::archive::{Candidate, Criteria, Flags};
use crate::model::mime;
use crate::store::{LocalKind, io_failure, maildir, mbox};

/// Read in pieces of this size (and never a message whole, except to look for attachments).
const CHUNK: usize = 1 << 20;
/// How much of a Maildir message is read for its `Date:` header.
const HEADER_CAP: usize = 64 * 1024;

/// One folder of a local store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFolder {
    /// Decoded, `/`-separated ("Archives/2021").
    pub name: String,
    /// As on disk below the root (`.Archives.2021`, `Archives.sbd/2021`): the journal's key.
    pub raw: String,
    /// The folder's maildir, or its mbox file.
    pub path: PathBuf,
}

/// The folders of the store at `root`.
pub fn folders(kind: LocalKind, root: &Path) -> anyhow::Result<Vec<LocalFolder>> {
    Ok(match kind {
        LocalKind::Maildir => maildir::folders(root)?
            .into_iter()
            .map(|f| LocalFolder { name: f.name, raw: f.raw_name, path: f.path })
            .collect(),
        LocalKind::Mbox => mbox::folders(root)?
            .into_iter()
            .map(|f| LocalFolder { name: f.name, raw: f.raw_name, path: f.path })
            .collect(),
    })
}

/// The Maildir id of a file name: its unique base name.
pub fn base_name(name: &str) -> &str {
    [":2,", ";2,", "!2,"].iter().find_map(|sep| name.rfind(sep).map(|i| &name[..i])).unwrap_or(name)
}

/// Maildir flag letters as flags (`T` is Dovecot's \Deleted).
fn letter_flags(letters: &str) -> Flags {
    Flags {
        seen: letters.contains('S'),
        answered: letters.contains('R'),
        flagged: letters.contains('F'),
        draft: letters.contains('D'),
        deleted: letters.contains('T'),
    }
}

/// Where a message is.
#[derive(Debug, Clone)]
enum Place {
    File(PathBuf),
    Mbox(Removal),
}

/// What a folder's scan found.
#[derive(Debug, Default)]
pub struct FolderScan {
    /// Selected messages, oldest first.
    pub candidates: Vec<Candidate>,
    /// Of the ids asked about (archived by an earlier run, not yet removed), those still here.
    pub still_here: HashSet<String>,
    pub notes: Vec<String>,
}

/// What reading a message gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got {
    /// The size the store announced (file length; for mbox the content's).
    pub size: u64,
    pub bytes: u64,
    pub flags: Flags,
}

/// What a Maildir removal did.
#[derive(Debug, Default)]
pub struct Unlinked {
    pub removed: Vec<String>,
    /// Not found any more (another client removed it).
    pub gone: Vec<String>,
    /// Physical bytes of the removed files.
    pub bytes: u64,
    dirs: BTreeSet<PathBuf>,
}

struct FolderState {
    folder: LocalFolder,
    places: HashMap<String, Place>,
    snapshot: Option<Snapshot>,
}

/// A local store being archived.
pub struct LocalSource {
    kind: LocalKind,
    criteria: Criteria,
    lock: LockMode,
    folders: HashMap<String, FolderState>,
    current: String,
    skipped: HashMap<String, String>,
}

/// Feeds what passes through into a digest: the scan's snapshot of an mbox.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// The first bytes of files Dovecot's zlib plugin writes (gzip, bzip2, xz, zstd, lz4).
fn compressed(head: &[u8]) -> bool {
    [&[0x1f, 0x8b][..], b"BZh", &[0xfd, b'7', b'z', b'X', b'Z'], &[0x28, 0xb5, 0x2f, 0xfd], &[0x04, 0x22, 0x4d, 0x18]]
        .iter()
        .any(|m| head.starts_with(m))
}

fn read_prefix(path: &Path, cap: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    File::open(path)?.take(cap as u64).read_to_end(&mut out)?;
    Ok(out)
}

/// Whether the message has an attachment of at least `min` bytes.
fn has_big_attachment(raw: &[u8], min: u64) -> bool {
    mime::crlf_size(raw) >= min && !mime::attachments(&crate::store::attachments::parse(raw).root, min).is_empty()
}

/// The `Date:` of a header block.
fn sent_date(head: &[u8]) -> Option<Timestamp> {
    let end =
        memchr::memmem::find(head, b"\n\n").or_else(|| memchr::memmem::find(head, b"\r\n\r\n")).unwrap_or(head.len());
    crate::model::mime::report::Envelope::from_header_block(&head[..end], None).date
}

impl LocalSource {
    pub fn new(kind: LocalKind, criteria: Criteria, lock: LockMode) -> LocalSource {
        LocalSource { kind, criteria, lock, folders: HashMap::new(), current: String::new(), skipped: HashMap::new() }
    }

    /// Reads a folder: its selected messages, and which of `pending` are still in it.
    /// Blocking file I/O.
    pub fn scan(&mut self, folder: &LocalFolder, pending: &HashSet<String>) -> anyhow::Result<FolderScan> {
        let mut state = FolderState { folder: folder.clone(), places: HashMap::new(), snapshot: None };
        let scan = match self.kind {
            LocalKind::Maildir => self.scan_maildir(&mut state, pending)?,
            LocalKind::Mbox => self.scan_mbox(&mut state, pending)?,
        };
        self.folders.insert(folder.raw.clone(), state);
        Ok(scan)
    }

    fn scan_maildir(&self, state: &mut FolderState, pending: &HashSet<String>) -> anyhow::Result<FolderScan> {
        let mut out = FolderScan::default();
        let name = state.folder.name.clone();
        let (mut packed, mut gone) = (0u64, 0u64);
        // The sent date needs the header: the first look leaves it out.
        let mut first = self.criteria.clone();
        if first.by_sent_date {
            first.before = None;
        }
        let mut iter = maildir::messages(&maildir::MaildirFolder {
            name: name.clone(),
            raw_name: state.folder.raw.clone(),
            path: state.folder.path.clone(),
        });
        for m in iter.by_ref() {
            let m = m?;
            let file_name = m.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let id = base_name(&file_name).to_string();
            let mut c = Candidate {
                id: id.clone(),
                size: m.size,
                received: m.received,
                sent: None,
                flags: letter_flags(&m.flags),
                // Decided below, only for what the other criteria select.
                big_attachment: true,
            };
            if pending.contains(&id) {
                out.still_here.insert(id.clone());
                state.places.insert(id.clone(), Place::File(m.path.clone()));
            }
            if !first.selects(&c) {
                continue;
            }
            // Cheap checks first: the flags, dates and sizes of the name and the stat.
            let head = match read_prefix(&m.path, HEADER_CAP) {
                Ok(h) => h,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    gone += 1;
                    continue;
                }
                Err(e) => return Err(io_failure("read message", &m.path, &e)),
            };
            if compressed(&head) {
                packed += 1;
                continue;
            }
            if self.criteria.by_sent_date {
                c.sent = sent_date(&head);
                if !self.criteria.selects(&c) {
                    continue;
                }
            }
            if let Some(min) = self.criteria.attachments_over {
                let bound = match m.size_source {
                    maildir::SizeSource::Virtual => m.size,
                    _ => m.size.saturating_mul(2),
                };
                c.big_attachment = bound >= min
                    && match std::fs::read(&m.path) {
                        Ok(raw) => has_big_attachment(&raw, min),
                        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                        Err(e) => return Err(io_failure("read message", &m.path, &e)),
                    };
                if !c.big_attachment {
                    continue;
                }
            } else {
                c.big_attachment = false;
            }
            state.places.insert(id, Place::File(m.path.clone()));
            out.candidates.push(c);
        }
        if iter.vanished() {
            out.notes.push(format!("folder \"{name}\" vanished during the scan; it is left out"));
            out.candidates.clear();
        }
        if packed > 0 {
            out.notes.push(format!(
                "folder \"{name}\": {packed} messages are stored compressed (Dovecot's zlib plugin) and were left out: archive them over IMAP"
            ));
        }
        if gone > 0 {
            out.notes
                .push(format!("folder \"{name}\": {gone} messages were removed by another client during the scan"));
        }
        let criteria = &self.criteria;
        out.candidates.sort_by(|a, b| (criteria.date_of(a), &a.id).cmp(&(criteria.date_of(b), &b.id)));
        Ok(out)
    }

    fn scan_mbox(&self, state: &mut FolderState, pending: &HashSet<String>) -> anyhow::Result<FolderScan> {
        let mut out = FolderScan::default();
        let path = state.folder.path.clone();
        let name = state.folder.name.clone();
        // Held while reading: no delivery is half-written in what the scan sees.
        let _lock = MboxLock::acquire(&path, self.lock)?;
        let file = File::open(&path).map_err(|e| io_failure("read mbox", &path, &e))?;
        let mut hashing = Hashing { inner: file, hash: Sha256::new() };
        // Pass 1: metadata; what the criteria may select, and what may be pending.
        let pending_hashes: HashSet<u64> =
            pending.iter().filter_map(|id| u64::from_str_radix(id.split('-').next()?, 16).ok()).collect();
        struct Light {
            c: Candidate,
            r: Removal,
            maybe: bool,
        }
        let mut lights: Vec<Light> = Vec::new();
        let mut last_end: Option<usize> = None;
        let mut any_status = false;
        {
            let reader = mbox::MboxReader::new(BufReader::with_capacity(256 * 1024, &mut hashing));
            for e in reader {
                let e = e.map_err(|err| io_failure("read mbox", &path, &err))?;
                if let Some(i) = last_end.take() {
                    lights[i].r.end = e.offset;
                }
                any_status |= e.seen.is_some();
                let c = Candidate {
                    id: String::new(),
                    size: e.length,
                    received: e.received,
                    sent: e.sent,
                    flags: e.flags,
                    big_attachment: true,
                };
                let maybe = self.criteria.selects(&c);
                if !maybe && !pending_hashes.contains(&e.from_hash) {
                    continue;
                }
                let r = Removal {
                    offset: e.offset,
                    from_line_len: e.from_line_len,
                    length: e.length,
                    end: 0,
                    from_hash: e.from_hash,
                    sha256: String::new(),
                };
                last_end = Some(lights.len());
                lights.push(Light { c, r, maybe });
            }
        }
        let Hashing { inner: file, hash } = hashing;
        let len = hash.len();
        if let Some(i) = last_end {
            lights[i].r.end = len;
        }
        state.snapshot = Some(Snapshot { len, sha256: hash.hex() });
        // Pass 2: the content of those, for their ids (and attachments).
        let mut seen_ids: HashMap<String, u32> = HashMap::new();
        let min = self.criteria.attachments_over;
        for mut l in lights {
            let keep_raw = l.maybe && min.is_some_and(|m| l.r.length.saturating_mul(2) >= m);
            let mut raw = Vec::new();
            let sha = content_digest(&file, &l.r, keep_raw.then_some(&mut raw))
                .map_err(|e| io_failure(&format!("read message at offset {} of mbox", l.r.offset), &path, &e))?;
            let base = format!("{:016x}-{sha}", l.r.from_hash);
            let n = seen_ids.entry(base.clone()).or_default();
            *n += 1;
            let id = if *n == 1 { base } else { format!("{base}~{n}") };
            l.r.sha256 = sha;
            l.c.id = id.clone();
            let mut place = false;
            if pending.contains(&id) {
                out.still_here.insert(id.clone());
                place = true;
            }
            if l.maybe {
                l.c.big_attachment = match min {
                    Some(m) => keep_raw && has_big_attachment(&raw, m),
                    None => false,
                };
                if self.criteria.selects(&l.c) {
                    out.candidates.push(l.c);
                    place = true;
                }
            }
            if place {
                state.places.insert(id, Place::Mbox(l.r));
            }
        }
        if !any_status && !self.criteria.include_unread && len > 0 {
            out.notes.push(format!(
                "folder \"{name}\": no message has a Status: header, so all count as unread and stay (--include-unread archives them)"
            ));
        }
        let criteria = &self.criteria;
        out.candidates.sort_by_key(|c| criteria.date_of(c));
        Ok(out)
    }

    /// Makes `raw` (a scanned folder) the one messages are read from.
    pub fn select(&mut self, raw: &str) {
        self.current = raw.to_string();
    }

    /// Why a message was not read, when it is still there.
    pub fn skipped(&mut self, id: &str) -> Option<String> {
        self.skipped.remove(id)
    }

    /// Streams a message of the current folder into `sink`; `None` when it is gone, or no
    /// longer selected (see [`LocalSource::skipped`]). Blocking file I/O.
    pub fn read(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<Option<Got>> {
        let criteria = self.criteria.clone();
        let state = self.folders.get_mut(&self.current).context("no folder selected")?;
        match state.places.get_mut(&c.id) {
            Some(Place::File(path)) => {
                let (file, now) = match File::open(&*path) {
                    Ok(f) => (f, path.clone()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        let Some(found) =
                            find_by_base(&state.folder.path, &c.id).map_err(|e| io_failure("list", path, &e))?
                        else {
                            return Ok(None);
                        };
                        match File::open(&found) {
                            Ok(f) => (f, found),
                            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                            Err(e) => return Err(io_failure("read message", &found, &e)),
                        }
                    }
                    Err(e) => return Err(io_failure("read message", path, &e)),
                };
                *path = now.clone();
                let flags = file_flags(&now);
                let mut again = c.clone();
                again.flags = flags;
                if !criteria.selects(&again) {
                    let what = if flags.deleted && !c.flags.deleted {
                        "was marked deleted"
                    } else if flags.flagged && !c.flags.flagged {
                        "was flagged"
                    } else {
                        "was marked unread"
                    };
                    self.skipped.insert(c.id.clone(), format!("{what} by another client meanwhile; it stays"));
                    return Ok(None);
                }
                let size = file.metadata().map_err(|e| io_failure("read message", &now, &e))?.len();
                let mut reader = file;
                let mut buf = vec![0u8; CHUNK];
                let mut bytes = 0u64;
                loop {
                    let n = reader.read(&mut buf).map_err(|e| io_failure("read message", &now, &e))?;
                    if n == 0 {
                        break;
                    }
                    sink(&buf[..n])?;
                    bytes += n as u64;
                }
                Ok(Some(Got { size, bytes, flags }))
            }
            Some(Place::Mbox(r)) => {
                let path = state.folder.path.clone();
                let file = File::open(&path).map_err(|e| io_failure("read mbox", &path, &e))?;
                let mut line = vec![0u8; usize::try_from(r.from_line_len).unwrap_or(0)];
                let at = file.read_exact_at(&mut line, r.offset);
                if at.is_err() || !line.starts_with(b"From ") || rewrite::from_line_hash(&line) != r.from_hash {
                    return Err(changed(&path, r.offset));
                }
                let mut digest = Sha256::new();
                let mut q = Quoting::unquote();
                let mut plain = Vec::new();
                let mut pos = r.offset + r.from_line_len;
                let end = pos + r.length;
                let mut buf = vec![0u8; CHUNK];
                while pos < end {
                    let want = buf.len().min(usize::try_from(end - pos).unwrap_or(usize::MAX));
                    let n = file.read_at(&mut buf[..want], pos).map_err(|e| io_failure("read mbox", &path, &e))?;
                    if n == 0 {
                        return Err(changed(&path, r.offset));
                    }
                    plain.clear();
                    q.feed(&buf[..n], &mut plain);
                    digest.update(&plain);
                    sink(&plain)?;
                    pos += n as u64;
                }
                plain.clear();
                q.finish(&mut plain);
                digest.update(&plain);
                sink(&plain)?;
                let bytes = digest.len();
                if digest.hex() != r.sha256 {
                    return Err(changed(&path, r.offset));
                }
                Ok(Some(Got { size: bytes, bytes, flags: c.flags }))
            }
            None => Ok(None),
        }
    }

    /// Removes archived Maildir messages: unlinks exactly their files (found again by
    /// base name when renamed). The directories are flushed by [`LocalSource::sync`].
    pub fn unlink(&mut self, raw: &str, ids: &[String]) -> anyhow::Result<Unlinked> {
        let state = self.folders.get_mut(raw).context("folder not scanned")?;
        let mut out = Unlinked::default();
        for id in ids {
            let mut path = match state.places.get(id) {
                Some(Place::File(path)) => Some(path.clone()),
                _ => None,
            };
            let mut removed = false;
            for _ in 0..3 {
                let p = match path.take() {
                    Some(p) => p,
                    None => match find_by_base(&state.folder.path, id)
                        .map_err(|e| io_failure("list", &state.folder.path, &e))?
                    {
                        Some(p) => p,
                        None => break,
                    },
                };
                let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                match std::fs::remove_file(&p) {
                    Ok(()) => {
                        out.bytes += maildir::parse_file_name(
                            &p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                        )
                        .physical
                        .unwrap_or(size);
                        if let Some(d) = p.parent() {
                            out.dirs.insert(d.to_path_buf());
                        }
                        removed = true;
                        break;
                    }
                    // Renamed meanwhile (flags changed): look for it by its base name.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(super::io_error("remove the archived message", &p, &e)),
                }
            }
            if removed { out.removed.push(id.clone()) } else { out.gone.push(id.clone()) }
        }
        Ok(out)
    }

    /// Flushes the directories a removal changed, then tells a Maildir++ quota file.
    pub fn sync(&self, root: &Path, u: &Unlinked) -> anyhow::Result<Option<String>> {
        for d in &u.dirs {
            super::sync_dir(d).map_err(|e| super::io_error("flush the directory", d, &e))?;
        }
        if u.removed.is_empty() {
            return Ok(None);
        }
        // Maildir++: whoever removes messages appends the negative delta to maildirsize.
        let quota = root.join("maildirsize");
        if !quota.exists() {
            return Ok(None);
        }
        let line = format!("-{} -{}\n", u.bytes, u.removed.len());
        let done = std::fs::OpenOptions::new()
            .append(true)
            .open(&quota)
            .and_then(|mut f| io::Write::write_all(&mut f, line.as_bytes()));
        Ok(done.err().map(|e| format!("cannot update \"{}\": {}", quota.display(), crate::store::io_reason(&e))))
    }

    /// Writes the current mbox without `ids` beside it (see [`rewrite::prepare`]).
    pub fn prepare_rewrite(&self, raw: &str, ids: &[String]) -> anyhow::Result<rewrite::Rewrite> {
        let state = self.folders.get(raw).context("folder not scanned")?;
        let snapshot = state.snapshot.as_ref().context("folder not scanned")?;
        let mut removals = Vec::new();
        for id in ids {
            match state.places.get(id) {
                Some(Place::Mbox(r)) => removals.push(r.clone()),
                _ => anyhow::bail!("message {id} is not in the scanned mbox"),
            }
        }
        rewrite::prepare(&state.folder.path, snapshot, &removals)
    }
}

fn changed(path: &Path, offset: u64) -> anyhow::Error {
    crate::error::failure_hint(
        format!(
            "the mbox \"{}\" changed since it was read (the message at offset {offset} is not the one planned)",
            path.display()
        ),
        "another program rewrote it meanwhile; run the same command again",
    )
}

/// SHA-256 of a message's content with mboxrd quoting undone; the content itself into
/// `keep` when given.
fn content_digest(file: &File, r: &Removal, mut keep: Option<&mut Vec<u8>>) -> io::Result<String> {
    let mut digest = Sha256::new();
    let mut q = Quoting::unquote();
    let mut plain = Vec::new();
    let mut pos = r.offset + r.from_line_len;
    let end = pos + r.length;
    let mut buf = vec![0u8; 256 * 1024];
    while pos < end {
        let want = buf.len().min(usize::try_from(end - pos).unwrap_or(usize::MAX));
        let n = file.read_at(&mut buf[..want], pos)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        plain.clear();
        q.feed(&buf[..n], &mut plain);
        digest.update(&plain);
        if let Some(k) = keep.as_mut() {
            k.extend_from_slice(&plain);
        }
        pos += n as u64;
    }
    plain.clear();
    q.finish(&mut plain);
    digest.update(&plain);
    if let Some(k) = keep.as_mut() {
        k.extend_from_slice(&plain);
    }
    Ok(digest.hex())
}

/// The flags of a Maildir file where it is now (`new/`: none).
fn file_flags(path: &Path) -> Flags {
    let in_new = path.parent().and_then(Path::file_name).is_some_and(|n| n == "new");
    if in_new {
        return Flags::default();
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    letter_flags(maildir::parse_file_name(&name).flags)
}

/// The file in `cur/` or `new/` whose base name is `base`.
fn find_by_base(folder: &Path, base: &str) -> io::Result<Option<PathBuf>> {
    for sub in ["cur", "new"] {
        let entries = match std::fs::read_dir(folder.join(sub)) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if base_name(&entry.file_name().to_string_lossy()) == base {
                return Ok(Some(entry.path()));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn maildir(root: &Path) {
        for s in ["cur", "new", "tmp"] {
            fs::create_dir_all(root.join(s)).unwrap();
        }
    }

    fn old() -> Criteria {
        Criteria { before: Some("2020-01-01T00:00:00Z".parse().unwrap()), ..Criteria::default() }
    }

    #[test]
    fn base_names_survive_flag_changes() {
        assert_eq!(base_name("1600000000.M1P2.host,S=5,W=6:2,RS"), "1600000000.M1P2.host,S=5,W=6");
        assert_eq!(base_name("1600000000.M1P2.host"), "1600000000.M1P2.host");
        assert_eq!(letter_flags("FST"), Flags { seen: true, flagged: true, deleted: true, ..Flags::default() });
    }

    #[test]
    fn maildir_selection_reading_and_removal_follow_renames() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        maildir(root);
        let put = |name: &str, body: &str| fs::write(root.join(name), body).unwrap();
        put("cur/1500000000.M1P1.h:2,S", "Subject: old read\n\nx\n");
        put("cur/1500000001.M1P1.h:2,", "Subject: old unread\n\nx\n");
        put("cur/1500000002.M1P1.h:2,FS", "Subject: old flagged\n\nx\n");
        put("cur/1500000003.M1P1.h:2,S", "Subject: flagged meanwhile\n\nx\n");
        put("cur/1700000000.M1P1.h:2,S", "Subject: new\n\nx\n");
        fs::write(root.join("cur/1500000004.M1P1.h:2,S"), b"\x1f\x8bpacked").unwrap();
        put("cur/1500000005.M1P1.h:2,S", "Subject: renamed meanwhile\n\nx\n");
        let folder = &folders(LocalKind::Maildir, root).unwrap()[0];
        let mut src = LocalSource::new(LocalKind::Maildir, old(), LockMode::Shared);
        let pending = HashSet::from(["1500000001.M1P1.h".to_string(), "gone".to_string()]);
        let scan = src.scan(folder, &pending).unwrap();
        let ids: Vec<_> = scan.candidates.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["1500000000.M1P1.h", "1500000003.M1P1.h", "1500000005.M1P1.h"]);
        assert_eq!(scan.still_here, HashSet::from(["1500000001.M1P1.h".to_string()]));
        assert!(scan.notes.iter().any(|n| n.contains("compressed")), "{:?}", scan.notes);
        // Another client flags one and answers another.
        fs::rename(root.join("cur/1500000003.M1P1.h:2,S"), root.join("cur/1500000003.M1P1.h:2,FS")).unwrap();
        fs::rename(root.join("cur/1500000005.M1P1.h:2,S"), root.join("cur/1500000005.M1P1.h:2,RS")).unwrap();
        src.select(".");
        let mut got = Vec::new();
        let r = src
            .read(&scan.candidates[1], &mut |b| {
                got.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        assert_eq!(r, None);
        assert!(src.skipped("1500000003.M1P1.h").unwrap().contains("flagged"));
        let r = src
            .read(&scan.candidates[2], &mut |b| {
                got.extend_from_slice(b);
                Ok(())
            })
            .unwrap()
            .unwrap();
        assert!(r.flags.answered && r.flags.seen);
        assert_eq!(got, b"Subject: renamed meanwhile\n\nx\n");
        let ids = ["1500000000.M1P1.h".to_string(), "1500000005.M1P1.h".to_string(), "gone".to_string()];
        let u = src.unlink(".", &ids).unwrap();
        assert_eq!(u.removed, ids[..2]);
        assert_eq!(u.gone, ["gone"]);
        fs::write(root.join("maildirsize"), "1000S\n100 5\n").unwrap();
        assert_eq!(src.sync(root, &u).unwrap(), None);
        assert!(fs::read_to_string(root.join("maildirsize")).unwrap().ends_with(&format!("-{} -2\n", u.bytes)));
        let left: BTreeSet<_> = fs::read_dir(root.join("cur")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 5, "{left:?}");
    }

    #[test]
    fn mbox_ids_are_content_and_from_line_and_reading_unquotes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saved");
        let one = "From a@b Mon Jan  2 15:04:05 2006\nStatus: RO\nSubject: one\n\n>From quoted\n>>From twice\n\n";
        let flagged = "From a@b Mon Jan  2 15:04:06 2006\nStatus: RO\nX-Status: F\n\nflagged\n\n";
        let unread = "From a@b Mon Jan  2 15:04:07 2006\n\nunread\n\n";
        let fresh = "From a@b Mon Jan  2 15:04:05 2024\nStatus: RO\n\nnew\n\n";
        fs::write(&path, format!("{one}{one}{flagged}{unread}{fresh}")).unwrap();
        let folder = &folders(LocalKind::Mbox, &path).unwrap()[0];
        let mut src = LocalSource::new(LocalKind::Mbox, old(), LockMode::Shared);
        let scan = src.scan(folder, &HashSet::new()).unwrap();
        let ids: Vec<_> = scan.candidates.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert_eq!(format!("{}~2", ids[0]), ids[1], "identical copies are told apart");
        src.select("saved");
        let mut got = Vec::new();
        let r = src
            .read(&scan.candidates[0], &mut |b| {
                got.extend_from_slice(b);
                Ok(())
            })
            .unwrap()
            .unwrap();
        assert_eq!(got, b"Status: RO\nSubject: one\n\nFrom quoted\n>From twice\n");
        assert_eq!((r.bytes, r.size), (got.len() as u64, got.len() as u64));
        assert!(ids[0].ends_with(&crate::store::archive::digest::sha256_hex(&got)));
        // The same message is recognised after another program rewrote the file.
        fs::write(&path, format!("{fresh}{one}")).unwrap();
        let mut again = LocalSource::new(LocalKind::Mbox, Criteria::default(), LockMode::Shared);
        let pending = HashSet::from([ids[0].clone(), ids[1].clone()]);
        let scan = again.scan(folder, &pending).unwrap();
        assert_eq!(scan.still_here, HashSet::from([ids[0].clone()]));
        let rewrite = again.prepare_rewrite("saved", &[ids[0].clone()]).unwrap();
        rewrite.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), fresh);
    }
}
