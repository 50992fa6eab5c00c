//! Maildir stores as Dovecot keeps them: folder discovery and names, the `maildirsize`
//! quota, a streaming message iterator and the per-folder usage scan.
//!
//! Supported layouts (both may be mixed under one root):
//! - The root is a maildir (`cur/`, `new/`, `tmp/`) and is INBOX.
//! - Maildir++ (Dovecot's default): subfolders are `.Name` directories at the root with
//!   `.` as hierarchy separator; `.Archives.2021` is "Archives/2021".
//! - Dovecot's `LAYOUT=fs`: subfolders are plain directories that are maildirs, nested
//!   (`Archives/2021/cur`); a plain directory without `cur/` or `new/` is only a
//!   hierarchy level. Dovecot's `DIRNAME=` option is not supported.
//!
//! Directory names are IMAP modified UTF-7 (`.Entw&APw-rfe` is "Entwürfe"); names that
//! are not valid modified UTF-7 are shown as they are. A directory counts as a folder when
//! it has `cur/` or `new/`; files at the root (dovecot-uidlist, dovecot.index*,
//! maildirfolder, subscriptions, maildirsize, ...) and `tmp/` are never read.
//!
//! Size basis: a message's size is Dovecot's virtual size `W=` from its file name when
//! present (CRLF line endings: what IMAP RFC822.SIZE and Dovecot's quota count), else its
//! physical size `S=` (which, unlike the file's length, stays the uncompressed size when
//! Dovecot compresses mail), else the file's length. Received date is the file's mtime,
//! which Dovecot uses as INTERNALDATE; both come from one `stat` per message. A message
//! cannot have been received after its file was named, so when the unique name starts
//! with an earlier delivery time (the Maildir convention: `1612345678.M12P34.host`), that
//! time wins: a `git checkout`, a restore or an `rsync` without `-t` touches mtimes, not
//! names. An APPEND with an older INTERNALDATE keeps the older mtime, which stays.
//!
//! Mail servers move files constantly: a message that vanishes between `readdir` and
//! `stat` is skipped silently, a folder that vanishes mid-scan is dropped with a note.

use std::fs::{self, File, ReadDir};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::{Scan, add_missing_parents, io_failure, io_reason};
use crate::error;
use crate::model::{FolderUsage, QuotaResource, QuotaRoot, mutf7};

const ROOT_HINT: &str = "maildir:PATH must point at a Maildir: a directory with cur/, new/ and tmp/";

/// `LAYOUT=fs` nesting deeper than this is not followed (guards against odd trees).
const MAX_FS_DEPTH: usize = 32;

/// One folder of a Maildir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaildirFolder {
    /// Decoded UTF-8 name joined with `/` ("INBOX", "Archives/2021").
    pub name: String,
    /// The directory below the root as on disk (`.` for INBOX, `.Archives.2021`,
    /// `Archives/2021` in `LAYOUT=fs`).
    pub raw_name: String,
    /// The folder's maildir (holding `cur/` and `new/`).
    pub path: PathBuf,
}

/// One message file, as found while streaming a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaildirMessage {
    /// The folder's decoded name.
    pub folder: String,
    pub path: PathBuf,
    /// The flags after `:2,` (`S` seen, `R` replied, `F` flagged, `T` trashed, `D` draft;
    /// lowercase letters are Dovecot keywords). Empty for messages in `new/`.
    pub flags: String,
    /// True when the file is in `new/` (delivered, not yet seen by any client).
    pub new: bool,
    /// Size on the module's size basis: `W=`, else `S=`, else the file's length.
    pub size: u64,
    /// The file's mtime (Dovecot's INTERNALDATE), or the delivery time its name starts
    /// with when that is earlier (see the module doc). None only when the mtime is outside the
    /// range of dates we represent: better no date than a wrong one a cleanup acts on.
    pub received: Option<Timestamp>,
    /// Which size the file name carried, for the size basis note.
    pub size_source: SizeSource,
}

/// Where a message's size came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeSource {
    /// `,W=` in the file name: Dovecot's virtual size (CRLF line endings).
    Virtual,
    /// `,S=` in the file name: Dovecot's physical size.
    Physical,
    /// The file's length.
    File,
}

impl MaildirMessage {
    pub fn seen(&self) -> bool {
        !self.new && self.flags.contains('S')
    }

    /// Opens the message's bytes (as stored: LF line endings, possibly compressed by Dovecot).
    pub fn open(&self) -> io::Result<File> {
        File::open(&self.path)
    }
}

/// What a maildir file name says about its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileNameInfo<'a> {
    /// The flags after `:2,` (empty without an info part).
    pub flags: &'a str,
    /// `,S=<n>`: the physical size.
    pub physical: Option<u64>,
    /// `,W=<n>`: the virtual size with CRLF line endings.
    pub virtual_size: Option<u64>,
}

/// Parses `1700000000.M1P2.host,S=1234,W=1260:2,RS`. The info separator `:` is also
/// accepted as `;` or `!`, as tools on file systems without `:` in names write it.
pub fn parse_file_name(name: &str) -> FileNameInfo<'_> {
    let (base, flags) = match [":2,", ";2,", "!2,"].iter().find_map(|sep| name.rfind(sep).map(|i| (i, sep.len()))) {
        Some((i, len)) => (&name[..i], &name[i + len..]),
        None => (name, ""),
    };
    let mut info = FileNameInfo { flags, ..FileNameInfo::default() };
    for field in base.split(',').skip(1) {
        if let Some(n) = field.strip_prefix("S=") {
            info.physical = n.parse().ok();
        } else if let Some(n) = field.strip_prefix("W=") {
            info.virtual_size = n.parse().ok();
        }
    }
    info
}

/// The delivery time a Maildir unique name starts with (`1612345678.M12P34.host`),
/// when it is a plausible one (after 1990, before 2100).
pub fn delivery_time(name: &str) -> Option<Timestamp> {
    let secs: i64 = name.split('.').next()?.parse().ok()?;
    (631_152_000..4_102_444_800).contains(&secs).then(|| Timestamp::from_second(secs).ok()).flatten()
}

fn has_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// Checks that `root` is a Maildir: a usage error (exit 3) with a hint when it is missing
/// or not a maildir, a failure when it cannot be read.
pub fn check_root(root: &Path) -> anyhow::Result<()> {
    let shown = root.display();
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(error::usage_hint(format!("\"{shown}\" is not a Maildir: it is not a directory"), ROOT_HINT));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(error::usage_hint(format!("Maildir \"{shown}\" does not exist"), ROOT_HINT));
        }
        Err(e) => return Err(io_failure("read Maildir", root, &e)),
    }
    match fs::metadata(root.join("cur")) {
        Ok(m) if m.is_dir() => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(io_failure("read Maildir", root, &e)),
        _ => Err(error::usage_hint(format!("\"{shown}\" is not a Maildir: it has no cur/ directory"), ROOT_HINT)),
    }
}

/// The folders of the Maildir at `root`: INBOX first, then the others in name order.
pub fn folders(root: &Path) -> anyhow::Result<Vec<MaildirFolder>> {
    check_root(root)?;
    let mut out = vec![MaildirFolder { name: "INBOX".into(), raw_name: ".".into(), path: root.to_path_buf() }];
    let entries = fs::read_dir(root).map_err(|e| io_failure("list folders of Maildir", root, &e))?;
    let mut plain_dirs = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_failure("list folders of Maildir", root, &e)),
        };
        let Ok(raw) = entry.file_name().into_string() else { continue };
        let path = entry.path();
        if let Some(dotted) = raw.strip_prefix('.') {
            // Maildir++ folders may be symlinks (shared folders): follow them, no recursion.
            if !dotted.is_empty() && has_maildir(&path) {
                let name = dotted.split('.').map(mutf7::decode_lossy).collect::<Vec<_>>().join("/");
                out.push(MaildirFolder { name, raw_name: raw, path });
            }
        } else if !matches!(raw.as_str(), "cur" | "new" | "tmp") && entry.file_type().is_ok_and(|t| t.is_dir()) {
            plain_dirs.push((raw, path));
        }
    }
    for (raw, path) in plain_dirs {
        walk_fs_layout(&path, &raw, &mut out, 1);
    }
    out[1..].sort_by(|a, b| a.name.split('/').cmp(b.name.split('/')));
    Ok(out)
}

/// `LAYOUT=fs` folders below `dir` (whose path below the root is `raw`). Unreadable
/// directories that are not maildirs are skipped: they may be anything (a `sieve/` dir).
fn walk_fs_layout(dir: &Path, raw: &str, out: &mut Vec<MaildirFolder>, depth: usize) {
    if depth > MAX_FS_DEPTH {
        return;
    }
    if has_maildir(dir) {
        let name = raw.split('/').map(mutf7::decode_lossy).collect::<Vec<_>>().join("/");
        out.push(MaildirFolder { name, raw_name: raw.to_string(), path: dir.to_path_buf() });
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(child) = entry.file_name().into_string() else { continue };
        if child.starts_with('.') || matches!(child.as_str(), "cur" | "new" | "tmp") {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk_fs_layout(&entry.path(), &format!("{raw}/{child}"), out, depth + 1);
        }
    }
}

/// Streams a folder's messages: `cur/` then `new/`, one `stat` each, nothing collected.
pub fn messages(folder: &MaildirFolder) -> Messages {
    Messages { folder: folder.name.clone(), dir: folder.path.clone(), next_sub: 0, current: None, vanished: false }
}

/// Iterator over a folder's messages; see [`messages`].
pub struct Messages {
    folder: String,
    dir: PathBuf,
    /// Index into `SUBDIRS` of the next directory to open.
    next_sub: usize,
    current: Option<(ReadDir, bool)>,
    vanished: bool,
}

const SUBDIRS: [(&str, bool); 2] = [("cur", false), ("new", true)];

impl Messages {
    /// True when the folder itself disappeared during iteration (renamed or deleted by a
    /// client): iteration then ends early without an error.
    pub fn vanished(&self) -> bool {
        self.vanished
    }

    fn fail(&mut self, path: &Path, e: &io::Error) -> Option<anyhow::Result<MaildirMessage>> {
        self.current = None;
        self.next_sub = SUBDIRS.len();
        Some(Err(io_failure(&format!("read maildir folder \"{}\" at", self.folder), path, e)))
    }
}

impl Iterator for Messages {
    type Item = anyhow::Result<MaildirMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some((entries, new)) = &mut self.current else {
                let (sub, new) = *SUBDIRS.get(self.next_sub)?;
                self.next_sub += 1;
                let path = self.dir.join(sub);
                match fs::read_dir(&path) {
                    Ok(rd) => self.current = Some((rd, new)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if !self.dir.exists() {
                            self.vanished = true;
                            self.next_sub = SUBDIRS.len();
                            return None;
                        }
                    }
                    Err(e) => return self.fail(&path, &e),
                }
                continue;
            };
            let new = *new;
            let entry = match entries.next() {
                None => {
                    self.current = None;
                    continue;
                }
                Some(Ok(entry)) => entry,
                Some(Err(e)) if e.kind() == io::ErrorKind::NotFound => {
                    self.vanished = !self.dir.exists();
                    self.current = None;
                    if self.vanished {
                        self.next_sub = SUBDIRS.len();
                    }
                    continue;
                }
                Some(Err(e)) => {
                    let path = self.dir.join(SUBDIRS[self.next_sub - 1].0);
                    return self.fail(&path, &e);
                }
            };
            let file_name = entry.file_name();
            let name = file_name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let meta = match entry.file_type() {
                Ok(t) if t.is_symlink() => fs::metadata(&path),
                Ok(_) => entry.metadata(),
                Err(e) => Err(e),
            };
            let meta = match meta {
                Ok(m) if m.is_file() => m,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return self.fail(&path, &e),
            };
            let info = parse_file_name(&name);
            let (size, size_source) = match (info.virtual_size, info.physical) {
                (Some(w), _) => (w, SizeSource::Virtual),
                (None, Some(s)) => (s, SizeSource::Physical),
                (None, None) => (meta.len(), SizeSource::File),
            };
            let flags = if new { String::new() } else { info.flags.to_string() };
            let mtime = meta.modified().ok().and_then(|t| Timestamp::try_from(t).ok());
            let received = match (mtime, delivery_time(&name)) {
                (Some(m), Some(d)) => Some(m.min(d)),
                (m, d) => m.or(d),
            };
            return Some(Ok(MaildirMessage {
                folder: self.folder.clone(),
                path,
                flags,
                new,
                size,
                received,
                size_source,
            }));
        }
    }
}

/// Parses a Maildir++ `maildirsize` file: the first line holds the limits
/// (`1000000000S,10000C`), each further line a delta `bytes count` (negative after
/// expunges); their sums are the use. Ok(None) when the file sets no limit.
pub fn parse_maildirsize(reader: impl BufRead) -> Result<Option<QuotaRoot>, String> {
    let mut lines = reader.lines();
    let first = match lines.next() {
        Some(line) => line.map_err(|e| io_reason(&e))?,
        None => return Err("the file is empty".into()),
    };
    let (mut storage_limit, mut count_limit) = (0u64, 0u64);
    for field in first.trim().split(',').filter(|f| !f.is_empty()) {
        let bad = || format!("bad limit {field:?} on the first line");
        if let Some(n) = field.strip_suffix('S') {
            storage_limit = n.parse().map_err(|_| bad())?;
        } else if let Some(n) = field.strip_suffix('C') {
            count_limit = n.parse().map_err(|_| bad())?;
        } else {
            return Err(bad());
        }
    }
    let (mut bytes, mut count) = (0i64, 0i64);
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| io_reason(&e))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split_ascii_whitespace().map(str::parse::<i64>);
        match (fields.next(), fields.next(), fields.next()) {
            (Some(Ok(b)), Some(Ok(c)), None) => {
                bytes = bytes.saturating_add(b);
                count = count.saturating_add(c);
            }
            _ => return Err(format!("bad line {}: {line:?}", i + 2)),
        }
    }
    // A limit of 0 means "no limit" in Maildir++, unlike IMAP's zero limit.
    let mut resources = Vec::new();
    if storage_limit > 0 {
        resources.push(QuotaResource { name: "STORAGE".into(), usage: bytes.max(0) as u64, limit: storage_limit });
    }
    if count_limit > 0 {
        resources.push(QuotaResource { name: "MESSAGE".into(), usage: count.max(0) as u64, limit: count_limit });
    }
    Ok((!resources.is_empty()).then(|| QuotaRoot { name: "maildirsize".into(), resources }))
}

/// The root's `maildirsize` quota, if any; problems with it become notes, not errors.
fn read_maildirsize(root: &Path, notes: &mut Vec<String>) -> Option<QuotaRoot> {
    let path = root.join("maildirsize");
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            notes.push(format!("quota not read: cannot read \"{}\": {}", path.display(), io_reason(&e)));
            return None;
        }
    };
    match parse_maildirsize(BufReader::new(file)) {
        Ok(Some(q)) => {
            notes.push(
                "quota from the Maildir++ maildirsize file (Dovecot's bookkeeping; it may lag a few deliveries behind)"
                    .into(),
            );
            Some(q)
        }
        Ok(None) => {
            notes.push("maildirsize sets no limit".into());
            None
        }
        Err(why) => {
            notes.push(format!("quota not read: \"{}\" is malformed: {why}", path.display()));
            None
        }
    }
}

/// Scans every folder of the Maildir at `root`. Parents that exist only as a hierarchy
/// level are added as not-selectable folders, their raw names spelled the Maildir++ way.
pub fn scan(root: &Path) -> anyhow::Result<Scan> {
    let mut scan = Scan::default();
    let (mut from_virtual, mut from_physical, mut from_file) = (0u64, 0u64, 0u64);
    for folder in folders(root)? {
        let mut usage = FolderUsage::new(folder.name.clone(), folder.raw_name.clone());
        let mut unseen = 0;
        let mut iter = messages(&folder);
        for message in iter.by_ref() {
            let m = message?;
            usage.messages += 1;
            usage.bytes += m.size;
            unseen += u64::from(!m.seen());
            if let Some(t) = m.received {
                usage.see_date(t);
            }
            match m.size_source {
                SizeSource::Virtual => from_virtual += 1,
                SizeSource::Physical => from_physical += 1,
                SizeSource::File => from_file += 1,
            }
        }
        if iter.vanished() {
            scan.notes.push(format!("folder \"{}\" vanished during the scan", folder.name));
            continue;
        }
        usage.unseen = Some(unseen);
        scan.folders.push(usage);
    }
    add_missing_parents(&mut scan.folders, |name| {
        format!(".{}", name.split('/').map(mutf7::encode).collect::<Vec<_>>().join("."))
    });
    scan.notes.insert(0, size_basis_note(from_virtual, from_physical, from_file));
    scan.quota = read_maildirsize(root, &mut scan.notes);
    Ok(scan)
}

fn size_basis_note(from_virtual: u64, from_physical: u64, from_file: u64) -> String {
    let total = from_virtual + from_physical + from_file;
    if total == 0 {
        "sizes are Dovecot's virtual sizes (W=) where file names carry them, else file sizes".into()
    } else if from_virtual == total {
        "sizes are Dovecot's virtual sizes (W= in file names: CRLF line endings, as IMAP and the quota count)".into()
    } else if from_virtual > 0 {
        format!(
            "sizes are Dovecot's virtual sizes (W=) for {from_virtual} of {total} messages, else physical sizes (S= or file sizes)"
        )
    } else if from_physical > 0 {
        "sizes are physical sizes (S= in file names, else file sizes; LF line endings, slightly below IMAP sizes)"
            .into()
    } else {
        "sizes are file sizes (LF line endings: slightly below the sizes IMAP reports)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// A maildir at `dir` with `cur/`, `new/`, `tmp/`.
    fn make_maildir(dir: &Path) {
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
    }

    fn put(path: &Path, bytes: usize, mtime_secs: u64) {
        fs::write(path, vec![b'x'; bytes]).unwrap();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(mtime_secs);
        File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
    }

    fn ts(secs: i64) -> Option<Timestamp> {
        Some(Timestamp::from_second(secs).unwrap())
    }

    fn find<'a>(folders: &'a [FolderUsage], name: &str) -> &'a FolderUsage {
        folders.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no folder {name}"))
    }

    #[test]
    fn file_names() {
        let i = parse_file_name("1700000000.M1P2.host,S=1234,W=1260:2,RS");
        assert_eq!(i, FileNameInfo { flags: "RS", physical: Some(1234), virtual_size: Some(1260) });
        let i = parse_file_name("1700000000.M1P2.host:2,");
        assert_eq!(i, FileNameInfo { flags: "", physical: None, virtual_size: None });
        assert_eq!(parse_file_name("1700000000.M1P2.host,S=10").physical, Some(10));
        assert_eq!(parse_file_name("1.M2.host,S=10;2,S").flags, "S");
        assert_eq!(parse_file_name("1.M2.host,S=junk,W=:2,S").physical, None);
    }

    #[test]
    fn maildir_plus_plus_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        make_maildir(root);
        // INBOX: one seen with W=, one unseen in cur/, one in new/ (unseen whatever its name).
        put(&root.join("cur/100.M1.h,S=90,W=100:2,S"), 90, 1_600_000_000);
        put(&root.join("cur/101.M1.h,S=40:2,RF"), 40, 1_500_000_000);
        put(&root.join("new/102.M1.h"), 7, 1_700_000_000);
        put(&root.join("new/.hidden-tmp"), 1000, 1_700_000_000);
        for f in ["dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "subscriptions", "maildirfolder"] {
            fs::write(root.join(f), "x").unwrap();
        }
        put(&root.join("tmp/being-delivered"), 5000, 1_700_000_000);
        // Subfolders: nested, modified UTF-7, parent without its own maildir.
        make_maildir(&root.join(".Entw&APw-rfe"));
        put(&root.join(".Entw&APw-rfe/cur/1.M.h,W=12:2,DS"), 10, 1_600_000_000);
        make_maildir(&root.join(".Archives.2021"));
        put(&root.join(".Archives.2021/cur/1.M.h:2,S"), 33, 1_610_000_000);
        fs::create_dir(root.join(".not-a-folder")).unwrap();

        let scan = scan(root).unwrap();
        let names: Vec<_> = scan.folders.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["INBOX", "Archives/2021", "Entwürfe", "Archives"]);

        let inbox = find(&scan.folders, "INBOX");
        assert_eq!((inbox.messages, inbox.unseen, inbox.bytes), (3, Some(2), 100 + 40 + 7));
        assert_eq!((inbox.oldest, inbox.newest), (ts(1_500_000_000), ts(1_700_000_000)));
        assert_eq!(inbox.raw_name, ".");

        let drafts = find(&scan.folders, "Entwürfe");
        assert_eq!((drafts.messages, drafts.unseen, drafts.bytes), (1, Some(0), 12));
        assert_eq!(drafts.role, Some(crate::model::SpecialUse::Drafts));
        assert_eq!(drafts.raw_name, ".Entw&APw-rfe");

        let archives = find(&scan.folders, "Archives");
        assert!(archives.noselect);
        assert_eq!((archives.raw_name.as_str(), archives.messages), (".Archives", 0));

        assert!(scan.notes[0].contains("W=) for 2 of 5"), "{:?}", scan.notes);
        assert_eq!(scan.quota, None);
    }

    #[test]
    fn fs_layout_is_read_too() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        make_maildir(root);
        make_maildir(&root.join("Archives/2021"));
        put(&root.join("Archives/2021/new/1.M.h"), 5, 1_600_000_000);
        fs::create_dir_all(root.join("sieve/tmp")).unwrap();
        let scan = scan(root).unwrap();
        let a = find(&scan.folders, "Archives/2021");
        assert_eq!((a.messages, a.unseen, a.raw_name.as_str()), (1, Some(1), "Archives/2021"));
        assert!(find(&scan.folders, "Archives").noselect);
        assert_eq!(scan.folders.len(), 3);
    }

    #[test]
    fn message_iterator_opens_files() {
        let dir = tempfile::tempdir().unwrap();
        make_maildir(dir.path());
        fs::write(dir.path().join("cur/1.M.h,S=5:2,S"), "hello").unwrap();
        let all = folders(dir.path()).unwrap();
        let msgs: Vec<_> = messages(&all[0]).collect::<anyhow::Result<_>>().unwrap();
        assert_eq!(msgs.len(), 1);
        assert!(msgs[0].seen());
        assert_eq!(msgs[0].folder, "INBOX");
        assert_eq!(io::read_to_string(msgs[0].open().unwrap()).unwrap(), "hello");
    }

    #[test]
    fn vanished_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        make_maildir(root);
        make_maildir(&root.join(".Gone"));
        for i in 0..3 {
            put(&root.join(format!("cur/{i}.M.h:2,S")), 10, 1_600_000_000);
        }
        // A file deleted between readdir and stat is skipped.
        let inbox = &folders(root).unwrap()[0];
        let mut iter = messages(inbox);
        let first = iter.next().unwrap().unwrap();
        for i in 0..3 {
            let p = root.join(format!("cur/{i}.M.h:2,S"));
            if p != first.path {
                fs::remove_file(p).unwrap();
                break;
            }
        }
        let rest: Vec<_> = iter.collect::<anyhow::Result<_>>().unwrap();
        assert_eq!(rest.len(), 1);

        // A folder deleted after discovery gives a note, not an error.
        let gone = folders(root).unwrap().into_iter().find(|f| f.name == "Gone").unwrap();
        fs::remove_dir_all(&gone.path).unwrap();
        let mut iter = messages(&gone);
        assert!(iter.next().is_none());
        assert!(iter.vanished());
    }

    #[test]
    fn root_errors_are_usage_errors_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let e = scan(&dir.path().join("nope")).unwrap_err();
        assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Unknown);
        assert!(error::one_line(&e).contains("does not exist"));
        assert_eq!(error::hints(&e), [ROOT_HINT]);
        let e = scan(dir.path()).unwrap_err();
        assert!(error::one_line(&e).contains("no cur/ directory"), "{}", error::one_line(&e));
        fs::write(dir.path().join("file"), "x").unwrap();
        let e = scan(&dir.path().join("file")).unwrap_err();
        assert!(error::one_line(&e).contains("not a directory"));
    }

    #[test]
    fn unreadable_folders_are_failures_naming_the_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        make_maildir(dir.path());
        let cur = dir.path().join("cur");
        fs::set_permissions(&cur, fs::Permissions::from_mode(0o000)).unwrap();
        if fs::read_dir(&cur).is_ok() {
            return; // running as root: permissions are not enforced
        }
        let e = scan(dir.path()).unwrap_err();
        fs::set_permissions(&cur, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Critical);
        let line = error::one_line(&e);
        assert!(line.starts_with("cannot read maildir folder \"INBOX\" at \""), "{line}");
        assert!(line.ends_with("/cur\": Permission denied"), "{line}");
    }

    #[test]
    fn maildirsize_quota() {
        let q = parse_maildirsize(&b"1000000000S,10000C\n  4000 10\n-1000 -2\n500 1\n"[..]).unwrap().unwrap();
        assert_eq!(q.name, "maildirsize");
        assert_eq!(
            q.resources,
            [
                QuotaResource { name: "STORAGE".into(), usage: 3500, limit: 1_000_000_000 },
                QuotaResource { name: "MESSAGE".into(), usage: 9, limit: 10000 },
            ]
        );
        let q = parse_maildirsize(&b"2000S\n100 1\n"[..]).unwrap().unwrap();
        assert_eq!(q.resources.len(), 1);
        assert_eq!(parse_maildirsize(&b"0S,0C\n100 1\n"[..]).unwrap(), None);
        assert!(parse_maildirsize(&b"lots\n"[..]).is_err());
        assert!(parse_maildirsize(&b"100S\n1 2 3\n"[..]).is_err());
        assert!(parse_maildirsize(&b""[..]).is_err());
    }

    #[test]
    fn maildirsize_is_reported_as_a_quota_root() {
        let dir = tempfile::tempdir().unwrap();
        make_maildir(dir.path());
        fs::write(dir.path().join("maildirsize"), "1000S,10C\n300 3\n").unwrap();
        let scan = scan(dir.path()).unwrap();
        let q = scan.quota.unwrap();
        assert_eq!(q.storage().map(|r| (r.usage, r.limit)), Some((300, 1000)));
        assert!(scan.notes.iter().any(|n| n.contains("maildirsize")));

        fs::write(dir.path().join("maildirsize"), "garbage\n").unwrap();
        let again = super::scan(dir.path()).unwrap();
        assert_eq!(again.quota, None);
        assert!(again.notes.iter().any(|n| n.contains("malformed")));
    }

    #[test]
    fn delivery_time_in_the_name_caps_a_touched_mtime() {
        assert_eq!(
            delivery_time("1612345678.M12P34.host,S=5:2,S"),
            Some(Timestamp::from_second(1_612_345_678).unwrap())
        );
        assert_eq!(delivery_time("msg.1.host"), None);
        assert_eq!(delivery_time("12.M1.host"), None, "implausible times are not delivery times");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        // Named at delivery in 2021, touched today (a checkout): 2021 wins.
        fs::write(root.join("cur/1612345678.M1P1.h:2,S"), b"Subject: a\n\nx\n").unwrap();
        // APPENDed today with an INTERNALDATE of 2020 (mtime older than the name): 2020 wins.
        put(&root.join("cur/1700000000.M2P1.h:2,S"), 10, 1_580_000_000);
        let mut dates: Vec<_> =
            messages(&folders(root).unwrap()[0]).map(|m| m.unwrap().received.unwrap().as_second()).collect();
        dates.sort();
        assert_eq!(dates, [1_580_000_000, 1_612_345_678]);
    }
}
