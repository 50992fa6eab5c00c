//! mbox stores: one mbox file or a mail client's tree of them (Thunderbird's "Local
//! Folders"), with folder discovery, a streaming message splitter and the usage scan.
//!
//! Layout: PATH is one mbox file (one folder named after the file) or a directory. In a
//! directory, a file is a folder when it is empty or starts with `From `; anything else is
//! not mail and is skipped (Thunderbird's `.msf` indexes, `.dat`, `.json`,
//! `filterlog.html`, ...), as are hidden files and directories. `X.sbd/` holds the
//! subfolders of `X` (Thunderbird); other directories are hierarchy levels too (mutt's
//! `~/Mail/lists/rust`). Symlinked directories are not followed. Names are the file names
//! as they are (UTF-8), joined with `/`.
//!
//! Splitting: a message starts at a line beginning with `From ` that is at the start of
//! the file or follows a blank line (the common mboxo/mboxrd rule); a `From ` line inside
//! a body not preceded by a blank line is body text. `>From ` quoting (mboxrd and mboxo)
//! never splits. LF and CRLF files, a last line without newline and lines of any length
//! are handled: files are streamed through a `BufReader` and only the first bytes of each
//! line are looked at, so memory stays flat whatever the file or line size.
//!
//! Size basis: a message's size is its bytes as stored from the line after the `From `
//! line up to, not including, the blank line that separates it from the next message;
//! line endings and `>From ` quoting count as stored.
//!
//! Dates: the `From ` line's date (asctime, read as UTC), else the `Date:` header; the
//! `Date:` header is also kept as the sent date.
//! Read state: `X-Mozilla-Status` (Thunderbird; 0x0001 read, 0x0008 deleted but not yet
//! compacted away) when present, else `Status:` (`R` = read); a message with `X-Status:`
//! but no `Status:` counts as unread. Folders where no message has any of these report
//! unseen as unknown. The other flags (for `archive`): `X-Status:` letters as mutt and
//! Dovecot write them (`A` answered, `F` flagged, `T` draft, `D` deleted), or
//! `X-Mozilla-Status` bits (0x0002 replied, 0x0004 marked, 0x0008 deleted).

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::{Scan, add_missing_parents, date, io_failure};
use crate::error;
use crate::model::FolderUsage;
use crate::model::archive::{Flags, fnv64};
use crate::model::size::human;

const ROOT_HINT: &str =
    "mbox:PATH must point at an mbox file or a directory of them (such as Thunderbird's \"Local Folders\")";

/// How many bytes of each line are kept for parsing (separator dates, a few headers);
/// the rest of a line is counted, never stored.
const HEAD_CAP: usize = 1024;
/// How much of a (folded) `Date:` header value is kept.
const DATE_CAP: usize = 256;
const MAX_DEPTH: usize = 32;

/// Side files of mail clients, skipped without opening them (they would fail the
/// `From ` check anyway, except when empty).
const SIDE_FILE_EXTENSIONS: &[&str] =
    &["msf", "dat", "json", "html", "htm", "sqlite", "sqlite-wal", "sqlite-shm", "mozlz4", "lock", "bak", "log"];

/// One mbox folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxFolder {
    /// Name joined with `/` ("Archives/2021").
    pub name: String,
    /// Path below the root as on disk ("Archives.sbd/2021"); the file name for a root file.
    pub raw_name: String,
    pub path: PathBuf,
}

/// One message's place in an mbox file and what was learned while passing by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxEntry {
    /// Byte offset of the `From ` line.
    pub offset: u64,
    /// Length of the `From ` line, terminator included; the message starts right after.
    pub from_line_len: u64,
    /// The message's bytes, on the module's size basis.
    pub length: u64,
    /// `From ` line date, else `Date:` header.
    pub received: Option<Timestamp>,
    /// Read state from the status headers, None when the message has none.
    pub seen: Option<bool>,
    /// Deleted in Thunderbird but still in the file until the folder is compacted.
    pub deleted: bool,
    /// The `Date:` header.
    pub sent: Option<Timestamp>,
    /// The flags the status headers carry; `seen` is false when they say nothing.
    pub flags: Flags,
    /// FNV-1a of the `From ` line (its first 1 KiB, without the line ending): with the
    /// content's digest, what tells a message from an identical copy received at another time.
    pub from_hash: u64,
}

/// One message of a folder, with what it takes to read it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    pub folder: String,
    pub path: PathBuf,
    /// Byte offset of the `From ` line.
    pub offset: u64,
    pub from_line_len: u64,
    /// The message's size (without the `From ` line and the separating blank line).
    pub length: u64,
    pub received: Option<Timestamp>,
    pub seen: Option<bool>,
    pub deleted: bool,
    /// See [`MboxEntry`].
    pub sent: Option<Timestamp>,
    pub flags: Flags,
    pub from_hash: u64,
}

impl MboxMessage {
    /// The message's bytes as stored (`>From ` quoting kept), without the `From ` line.
    /// Fails with `InvalidData` when the file changed since it was read (a client
    /// compacted it) and no `From ` line is at the offset any more.
    pub fn open(&self) -> io::Result<io::Take<BufReader<File>>> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut start = [0u8; 5];
        file.read_exact(&mut start)
            .map_err(|e| if e.kind() == io::ErrorKind::UnexpectedEof { changed() } else { e })?;
        if &start != b"From " {
            return Err(changed());
        }
        file.seek(SeekFrom::Start(self.offset + self.from_line_len))?;
        Ok(BufReader::new(file).take(self.length))
    }
}

fn changed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "the mbox changed since it was read (compacted?)")
}

/// One line as seen by [`Lines`]: its length, terminator included.
struct Line {
    len: u64,
}

/// A line splitter over any `BufRead` that keeps at most `HEAD_CAP` bytes of each line.
struct Lines<R> {
    inner: R,
}

impl<R: BufRead> Lines<R> {
    /// Reads the next line, storing its first `HEAD_CAP` bytes in `head`.
    fn next(&mut self, head: &mut Vec<u8>) -> io::Result<Option<Line>> {
        head.clear();
        let mut len = 0u64;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok((len > 0).then_some(Line { len }));
            }
            let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = HEAD_CAP.saturating_sub(head.len()).min(take);
            head.extend_from_slice(&buf[..room]);
            self.inner.consume(take);
            len += take as u64;
            if done {
                return Ok(Some(Line { len }));
            }
        }
    }
}

/// The message being read.
struct Current {
    entry: MboxEntry,
    in_headers: bool,
    /// The `Date:` value (folded lines joined), kept only while no `From ` date is known.
    date_value: Option<Vec<u8>>,
    in_date: bool,
    status_read: Option<bool>,
    /// The `X-Status:` letters, when the header is there.
    x_status: Option<Vec<u8>>,
    mozilla: Option<u32>,
}

impl Current {
    fn header(&mut self, head: &[u8]) {
        if head.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if self.in_date
                && let Some(v) = &mut self.date_value
            {
                v.extend_from_slice(&head[..head.len().min(DATE_CAP.saturating_sub(v.len()))]);
            }
            return;
        }
        self.in_date = false;
        let value = |name: &[u8]| {
            (head.len() >= name.len() && head[..name.len()].eq_ignore_ascii_case(name)).then(|| &head[name.len()..])
        };
        if let Some(v) = value(b"date:") {
            if self.date_value.is_none() {
                self.date_value = Some(v[..v.len().min(DATE_CAP)].to_vec());
                self.in_date = true;
            }
        } else if let Some(v) = value(b"status:") {
            self.status_read = Some(v.contains(&b'R'));
        } else if let Some(v) = value(b"x-status:") {
            self.x_status = Some(v.to_vec());
        } else if let Some(v) = value(b"x-mozilla-status:") {
            let hex = String::from_utf8_lossy(v);
            self.mozilla = u32::from_str_radix(hex.trim(), 16).ok();
        }
    }

    fn finish(mut self) -> MboxEntry {
        self.entry.sent = self.date_value.as_deref().and_then(date::header);
        if self.entry.received.is_none() {
            self.entry.received = self.entry.sent;
        }
        self.entry.seen = match (self.mozilla, self.status_read, &self.x_status) {
            (Some(flags), _, _) => Some(flags & 0x0001 != 0),
            (None, Some(read), _) => Some(read),
            (None, None, Some(_)) => Some(false),
            (None, None, None) => None,
        };
        self.entry.deleted = self.mozilla.is_some_and(|flags| flags & 0x0008 != 0);
        let x = |c: u8| self.x_status.as_deref().is_some_and(|v| v.contains(&c));
        let moz = |bit: u32| self.mozilla.is_some_and(|f| f & bit != 0);
        self.entry.flags = Flags {
            seen: self.entry.seen == Some(true),
            answered: x(b'A') || moz(0x0002),
            flagged: x(b'F') || moz(0x0004),
            draft: x(b'T'),
            deleted: x(b'D') || self.entry.deleted,
        };
        self.entry
    }
}

/// Splits an mbox stream into messages; see the module documentation for the rules.
/// Memory stays bounded by `HEAD_CAP` plus the reader's buffer.
pub struct MboxReader<R> {
    lines: Lines<R>,
    head: Vec<u8>,
    pos: u64,
    current: Option<Current>,
    /// The previous line was blank (true at the start of the file).
    after_blank: bool,
    /// A blank line not yet counted: it is the separator if a `From ` line follows.
    pending_blank: u64,
    done: bool,
}

impl<R: BufRead> MboxReader<R> {
    pub fn new(reader: R) -> Self {
        MboxReader {
            lines: Lines { inner: reader },
            head: Vec::with_capacity(HEAD_CAP),
            pos: 0,
            current: None,
            after_blank: true,
            pending_blank: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = io::Result<MboxEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let line = match self.lines.next(&mut self.head) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return self.current.take().map(|c| Ok(c.finish()));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let start = self.pos;
            self.pos += line.len;
            let head = &self.head[..];
            let blank = head == b"\n" || head == b"\r\n";
            if self.after_blank && head.starts_with(b"From ") {
                let next = Current {
                    entry: MboxEntry {
                        offset: start,
                        from_line_len: line.len,
                        length: 0,
                        received: date::from_line(head),
                        seen: None,
                        deleted: false,
                        sent: None,
                        flags: Flags::default(),
                        from_hash: fnv64(head.strip_suffix(b"\n").map_or(head, |h| h.strip_suffix(b"\r").unwrap_or(h))),
                    },
                    in_headers: true,
                    date_value: None,
                    in_date: false,
                    status_read: None,
                    x_status: None,
                    mozilla: None,
                };
                self.after_blank = false;
                self.pending_blank = 0;
                if let Some(done) = self.current.replace(next) {
                    return Some(Ok(done.finish()));
                }
                continue;
            }
            self.after_blank = blank;
            // Text before the first `From ` line belongs to no message and is ignored.
            let Some(current) = &mut self.current else { continue };
            current.entry.length += std::mem::take(&mut self.pending_blank);
            if blank {
                self.pending_blank = line.len;
                current.in_headers = false;
            } else {
                current.entry.length += line.len;
                if current.in_headers {
                    current.header(head);
                }
            }
        }
    }
}

/// An open mbox folder's messages; see [`messages`].
pub struct Messages {
    folder: String,
    path: PathBuf,
    reader: MboxReader<BufReader<File>>,
}

impl Iterator for Messages {
    type Item = anyhow::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.reader.next()? {
            Ok(e) => Ok(MboxMessage {
                folder: self.folder.clone(),
                path: self.path.clone(),
                offset: e.offset,
                from_line_len: e.from_line_len,
                length: e.length,
                received: e.received,
                seen: e.seen,
                deleted: e.deleted,
                sent: e.sent,
                flags: e.flags,
                from_hash: e.from_hash,
            }),
            Err(e) => Err(io_failure("read mbox", &self.path, &e)),
        })
    }
}

fn open_messages(folder: &MboxFolder) -> io::Result<Messages> {
    let file = File::open(&folder.path)?;
    Ok(Messages {
        folder: folder.name.clone(),
        path: folder.path.clone(),
        reader: MboxReader::new(BufReader::with_capacity(64 * 1024, file)),
    })
}

/// Streams the messages of one folder.
pub fn messages(folder: &MboxFolder) -> anyhow::Result<Messages> {
    open_messages(folder).map_err(|e| io_failure("read mbox", &folder.path, &e))
}

/// True when the file is empty or starts with `From `.
fn looks_like_mbox(path: &Path) -> io::Result<bool> {
    let mut start = Vec::with_capacity(5);
    File::open(path)?.take(5).read_to_end(&mut start)?;
    Ok(start.is_empty() || start == b"From ")
}

/// The folders at `root`: the file itself, or the mbox files of a tree in name order.
pub fn folders(root: &Path) -> anyhow::Result<Vec<MboxFolder>> {
    let shown = root.display();
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(error::usage_hint(format!("mbox \"{shown}\" does not exist"), ROOT_HINT));
        }
        Err(e) => return Err(io_failure("read mbox", root, &e)),
    };
    if meta.is_file() {
        if !looks_like_mbox(root).map_err(|e| io_failure("read mbox", root, &e))? {
            return Err(error::usage_hint(
                format!("\"{shown}\" is not an mbox file: it does not start with \"From \""),
                ROOT_HINT,
            ));
        }
        let name = root.file_name().map_or_else(|| "mbox".into(), |n| n.to_string_lossy().into_owned());
        return Ok(vec![MboxFolder { name: name.clone(), raw_name: name, path: root.to_path_buf() }]);
    }
    let mut out = Vec::new();
    walk(root, "", "", &mut out, 0)?;
    if out.is_empty() {
        return Err(error::usage_hint(format!("no mbox files in \"{shown}\""), ROOT_HINT));
    }
    Ok(out)
}

fn walk(
    dir: &Path,
    name_prefix: &str,
    raw_prefix: &str,
    out: &mut Vec<MboxFolder>,
    depth: usize,
) -> anyhow::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound && depth > 0 => return Ok(()),
        Err(e) => return Err(io_failure("list mbox folders in", dir, &e)),
    };
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_failure("list mbox folders in", dir, &e)),
        }
    }
    children.sort_by_key(|e| e.file_name());
    for entry in children {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') || file_name == "filterlog.html" {
            continue;
        }
        let path = entry.path();
        let raw = format!("{raw_prefix}{file_name}");
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            let level = file_name.strip_suffix(".sbd").unwrap_or(&file_name);
            walk(&path, &format!("{name_prefix}{level}/"), &format!("{raw}/"), out, depth + 1)?;
            continue;
        }
        let extension = file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase());
        if extension.is_some_and(|ext| SIDE_FILE_EXTENSIONS.contains(&ext.as_str())) {
            continue;
        }
        // Symlinked files are followed (fs::metadata), symlinked directories are not.
        if kind.is_symlink() && !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        match looks_like_mbox(&path) {
            Ok(true) => out.push(MboxFolder { name: format!("{name_prefix}{file_name}"), raw_name: raw, path }),
            Ok(false) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_failure("read mbox", &path, &e)),
        }
    }
    Ok(())
}

/// Scans every folder at `root`.
pub fn scan(root: &Path) -> anyhow::Result<Scan> {
    let mut scan = Scan::default();
    scan.notes.push(
        "sizes are the messages' bytes in the mbox files, without the \"From \" separator lines (line endings as stored)"
            .into(),
    );
    for folder in folders(root)? {
        let messages = match open_messages(&folder) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                scan.notes.push(format!("folder \"{}\" vanished during the scan", folder.name));
                continue;
            }
            Err(e) => return Err(io_failure("read mbox", &folder.path, &e)),
        };
        let mut usage = FolderUsage::new(folder.name.clone(), folder.raw_name.clone());
        let (mut unseen, mut with_status, mut deleted, mut deleted_bytes) = (0u64, 0u64, 0u64, 0u64);
        for message in messages {
            let m = message?;
            usage.messages += 1;
            usage.bytes += m.length;
            if let Some(t) = m.received {
                usage.see_date(t);
            }
            with_status += u64::from(m.seen.is_some());
            unseen += u64::from(m.seen != Some(true));
            if m.deleted {
                deleted += 1;
                deleted_bytes += m.length;
            }
        }
        usage.unseen = (usage.messages == 0 || with_status > 0).then_some(unseen);
        if deleted > 0 {
            scan.notes.push(format!(
                "folder \"{}\": {deleted} deleted messages ({}) still take space until the folder is compacted",
                folder.name,
                human(deleted_bytes)
            ));
        }
        scan.folders.push(usage);
    }
    add_missing_parents(&mut scan.folders, |name| name.replace('/', ".sbd/"));
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(bytes: &[u8]) -> Vec<MboxEntry> {
        MboxReader::new(bytes).collect::<io::Result<_>>().unwrap()
    }

    fn ts(s: &str) -> Option<Timestamp> {
        Some(s.parse().unwrap())
    }

    /// The stored bytes of each message, as `MboxMessage::open` would return them.
    fn bodies(bytes: &[u8]) -> Vec<String> {
        split(bytes)
            .iter()
            .map(|e| {
                let start = (e.offset + e.from_line_len) as usize;
                String::from_utf8_lossy(&bytes[start..start + e.length as usize]).into_owned()
            })
            .collect()
    }

    const TWO: &str = "From a@b Mon Jan  2 15:04:05 2006\nSubject: one\n\nbody\n>From quoted\n\n\
                       From c@d Tue Jan  3 15:04:05 2006\nSubject: two\n\nsecond\n";

    #[test]
    fn splits_at_from_lines_after_blank_lines() {
        let entries = split(TWO.as_bytes());
        assert_eq!(entries.len(), 2);
        assert_eq!(bodies(TWO.as_bytes()), ["Subject: one\n\nbody\n>From quoted\n", "Subject: two\n\nsecond\n"]);
        assert_eq!(entries[0].offset, 0);
        assert_eq!(entries[1].offset, TWO.find("From c@d").unwrap() as u64);
        assert_eq!(entries[0].received, ts("2006-01-02T15:04:05Z"));
        assert_eq!(entries[1].seen, None);
    }

    #[test]
    fn a_from_line_inside_a_body_without_blank_line_does_not_split() {
        let text = "From a@b Mon Jan  2 15:04:05 2006\n\nI said\nFrom here on, we stop.\n\n\
                    From mboxrd quoting\n";
        // The last "From " follows a blank line: by the common rule it starts a message.
        assert_eq!(bodies(text.as_bytes()), ["\nI said\nFrom here on, we stop.\n", ""]);
        assert_eq!(split(b">From a Mon Jan  2 15:04:05 2006\nx\n").len(), 0);
    }

    #[test]
    fn crlf_and_no_trailing_newline() {
        let crlf = TWO.replace('\n', "\r\n");
        assert_eq!(
            bodies(crlf.as_bytes()),
            ["Subject: one\r\n\r\nbody\r\n>From quoted\r\n", "Subject: two\r\n\r\nsecond\r\n"]
        );
        let cut = "From a@b Mon Jan  2 15:04:05 2006\nSubject: x\n\nno newline";
        assert_eq!(bodies(cut.as_bytes()), ["Subject: x\n\nno newline"]);
        assert_eq!(split(b"").len(), 0);
        assert_eq!(split(b"From x").len(), 1);
    }

    #[test]
    fn long_lines_are_counted_not_kept() {
        let mut text = b"From a@b Mon Jan  2 15:04:05 2006\nSubject: big\n\n".to_vec();
        text.extend(std::iter::repeat_n(b'y', 2 * 1024 * 1024));
        text.extend_from_slice(b"\n\nFrom c@d Tue Jan  3 15:04:05 2006\n\nsmall\n");
        // A tiny buffer forces every line through many fill_buf rounds.
        let entries: Vec<_> = MboxReader::new(BufReader::with_capacity(16, &text[..])).map(Result::unwrap).collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].length, 13 + 1 + 2 * 1024 * 1024 + 1);
        assert_eq!(entries[1].length, 7);
    }

    #[test]
    fn status_headers_and_date_fallback() {
        let text = "From - Mon Jan  2 15:04:05 2006\nX-Mozilla-Status: 0001\nStatus: O\n\nread\n\n\
                    From - Mon Jan  2 15:04:05 2006\nX-Mozilla-Status: 0009\n\ndeleted\n\n\
                    From x\nDate: Wed, 4 Jan\n 2006 10:00:00 +0000\nStatus: RO\n\nfolded date\n\n\
                    From x garbage\nDate: not a date\nX-Status: A\n\nno date\n\n\
                    From x\nX-Mozilla-Status2: 00000000\n\nunknown\n";
        let e = split(text.as_bytes());
        assert_eq!(e.len(), 5);
        assert_eq!((e[0].seen, e[0].deleted), (Some(true), false));
        assert_eq!((e[1].seen, e[1].deleted), (Some(true), true));
        assert_eq!((e[2].seen, e[2].received), (Some(true), ts("2006-01-04T10:00:00Z")));
        assert_eq!((e[3].seen, e[3].received), (Some(false), None));
        assert_eq!(e[4].seen, None);
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn thunderbird_local_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let read = "From - Mon Jan  2 15:04:05 2006\nX-Mozilla-Status: 0001\n\nhello\n\n";
        let unread = "From - Tue Jan  3 15:04:05 2006\nX-Mozilla-Status: 0000\n\nhi\n\n";
        write(&root.join("Inbox"), &format!("{read}{unread}"));
        write(&root.join("Inbox.msf"), "// <!-- <mdb:mork:z v=\"1.4\"/> -->");
        write(&root.join("Trash"), "");
        write(&root.join("Trash.msf"), "");
        write(&root.join("Archives.sbd/2021"), read);
        write(&root.join("Archives.sbd/2021.msf"), "");
        write(&root.join("Envoyés.sbd/Übersicht"), unread);
        write(&root.join("filterlog.html"), "<html>");
        write(&root.join("msgFilterRules.dat"), "version=\"9\"");
        write(&root.join("folderTree.json"), "{}");
        write(&root.join(".hidden"), "From x\n\n");
        write(&root.join("notes"), "just text\n");

        let scan = scan(root).unwrap();
        let got: Vec<_> = scan
            .folders
            .iter()
            .map(|f| (f.name.as_str(), f.raw_name.as_str(), f.messages, f.unseen, f.noselect))
            .collect();
        assert_eq!(
            got,
            [
                ("Archives/2021", "Archives.sbd/2021", 1, Some(0), false),
                ("Envoyés/Übersicht", "Envoyés.sbd/Übersicht", 1, Some(1), false),
                ("Inbox", "Inbox", 2, Some(1), false),
                ("Trash", "Trash", 0, Some(0), false),
                ("Archives", "Archives", 0, Some(0), true),
                ("Envoyés", "Envoyés", 0, Some(0), true),
            ]
        );
        let inbox = &scan.folders[2];
        assert_eq!(
            inbox.bytes,
            "X-Mozilla-Status: 0001\n\nhello\n".len() as u64 + "X-Mozilla-Status: 0000\n\nhi\n".len() as u64
        );
        assert_eq!((inbox.oldest, inbox.newest), (ts("2006-01-02T15:04:05Z"), ts("2006-01-03T15:04:05Z")));
        assert_eq!(inbox.role, Some(crate::model::SpecialUse::Inbox));

        // Messages can be read back through the iterator.
        let all = folders(root).unwrap();
        let msgs: Vec<_> = messages(&all[2]).unwrap().collect::<anyhow::Result<_>>().unwrap();
        assert_eq!(io::read_to_string(msgs[1].open().unwrap()).unwrap(), "X-Mozilla-Status: 0000\n\nhi\n");
        fs::write(&all[2].path, "rewritten").unwrap();
        assert_eq!(msgs[1].open().unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn deleted_messages_are_noted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Inbox");
        write(&path, "From - Mon Jan  2 15:04:05 2006\nX-Mozilla-Status: 0009\n\nx\n");
        let scan = scan(&path).unwrap();
        assert!(scan.notes.iter().any(|n| n.contains("1 deleted messages")), "{:?}", scan.notes);
    }

    #[test]
    fn a_single_file_without_status_headers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saved.mbox");
        write(&path, TWO);
        let f = scan_one(&path);
        assert_eq!((f.name.as_str(), f.messages, f.unseen), ("saved.mbox", 2, None));
    }

    fn scan_one(path: &Path) -> FolderUsage {
        let mut s = scan(path).unwrap();
        assert_eq!(s.folders.len(), 1);
        s.folders.remove(0)
    }

    #[test]
    fn root_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = scan(&dir.path().join("nope")).unwrap_err();
        assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Unknown);
        assert_eq!(error::hints(&e), [ROOT_HINT]);
        let e = scan(dir.path()).unwrap_err();
        assert!(error::one_line(&e).starts_with("no mbox files in"));
        write(&dir.path().join("x.txt"), "hello");
        let e = scan(&dir.path().join("x.txt")).unwrap_err();
        assert!(error::one_line(&e).contains("does not start with \"From \""));
    }

    #[test]
    fn unreadable_mbox_is_a_failure_naming_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Archives.sbd/2021");
        write(&path, "");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
        if File::open(&path).is_ok() {
            return; // running as root
        }
        let e = scan(dir.path()).unwrap_err();
        assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Critical);
        let line = error::one_line(&e);
        assert!(
            line.starts_with("cannot read mbox \"") && line.ends_with("Archives.sbd/2021\": Permission denied"),
            "{line}"
        );
    }
}
