//! The mboxrd writer: appends messages to an mbox file, streaming, and reads them back:
//! [`CopyReader`] right after a batch was flushed (the in-run check, see
//! [`super::digest`]), [`read_back_at`] with SHA-256 against the journal later.
//!
//! Format (mboxrd, as mutt, Thunderbird and Python's `mailbox` read it): each message is
//! `From mailsweep@localhost <received date, asctime, UTC>` LF, then the message's bytes
//! exactly as the server sent them except that every line matching `^>*From ` gets one
//! more `>` (undone on reading: mboxrd quoting is reversible, unlike mboxo), then an LF
//! if the message did not end with one (recorded in the journal as `added_newline`, so the
//! read-back is still exact), then an empty line. Line endings are kept as sent (CRLF from
//! IMAP servers): what is read back and digested is byte for byte what the server sent.
//!
//! Flags are not written into the messages (`Status:` / `X-Mozilla-Status:` headers
//! would change the bytes the digest proves): the journal keeps them, and the Maildir
//! format carries them in file names for clients that should show them.
//!
//! The sender field of the `From ` line marks our own messages: after a crash, a torn
//! tail is cut only when every message in it is ours ([`repair_tail`]).
//!
//! `--compress` ([`MboxAppender::open_compressed`]) writes `FOLDER.gz`: every message,
//! with its `From ` line and separator, is one gzip member of its own, so the file is a
//! plain multi-member gzip (`gzip -dc` gives the mbox) and a message that must be dropped
//! (vanished, already archived, torn by a crash) is cut off at its member's start, exactly
//! like an uncompressed append. The journal records the member's file offset
//! (`Entry::member`); `offset` then counts inside the member's uncompressed data.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use jiff::Timestamp;

use super::digest::{Check, Sha256};

/// The first bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// The write buffer goes to the file once it holds this many bytes.
const BUF_FLUSH: usize = 256 * 1024;

/// Bytes read at once when reading copies back.
const READ_CHUNK: usize = 256 * 1024;

/// Start of every `From ` line we write.
pub const FROM_MARK: &[u8] = b"From mailsweep@localhost ";

/// `>From ` quoting as a streaming transformation (chunk boundaries anywhere).
#[derive(Debug, Clone)]
pub struct Quoting {
    quote: bool,
    line_start: bool,
    held: Vec<u8>,
}

impl Quoting {
    /// Adds one `>` to `>*From ` lines.
    pub fn quote() -> Self {
        Quoting { quote: true, line_start: true, held: Vec::new() }
    }

    /// Removes one `>` from `>+From ` lines.
    pub fn unquote() -> Self {
        Quoting { quote: false, line_start: true, held: Vec::new() }
    }

    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        const FROM: &[u8] = b"From ";
        // Where the next line starting with `F` or `>` begins (the index of the LF before
        // it, `input.len()` when there is none): only such lines can need work, so
        // everything up to there is copied in one go. Each is searched for once per call
        // and again only once passed (quoted replies make many `>` lines).
        let find =
            |pat: &[u8], from: usize| memchr::memmem::find(&input[from..], pat).map_or(input.len(), |p| from + p);
        let (mut next_f, mut next_gt): (Option<usize>, Option<usize>) = (None, None);
        let mut i = 0;
        while i < input.len() {
            if !self.line_start {
                if next_f.is_none_or(|p| p < i) {
                    next_f = Some(find(b"\nF", i));
                }
                if next_gt.is_none_or(|p| p < i) {
                    next_gt = Some(find(b"\n>", i));
                }
                let stop = next_f.unwrap_or(input.len()).min(next_gt.unwrap_or(input.len()));
                if stop < input.len() {
                    out.extend_from_slice(&input[i..=stop]);
                    i = stop + 1;
                    self.line_start = true;
                } else {
                    // No such line in the rest: the next chunk starts a line when this
                    // one ends with LF.
                    out.extend_from_slice(&input[i..]);
                    self.line_start = input.last() == Some(&b'\n');
                    i = input.len();
                }
                continue;
            }
            let b = input[i];
            i += 1;
            if self.line_start {
                let gt = self.held.iter().take_while(|&&c| c == b'>').count();
                let rest = self.held.len() - gt;
                if rest == 0 && b == b'>' {
                    self.held.push(b);
                    continue;
                }
                if rest < FROM.len() && b == FROM[rest] {
                    self.held.push(b);
                    if rest + 1 == FROM.len() {
                        if self.quote {
                            out.push(b'>');
                            out.extend_from_slice(&self.held);
                        } else if gt > 0 {
                            out.extend_from_slice(&self.held[1..]);
                        } else {
                            out.extend_from_slice(&self.held);
                        }
                        self.held.clear();
                        self.line_start = false;
                    }
                    continue;
                }
                out.append(&mut self.held);
                self.line_start = false;
            }
            out.push(b);
            if b == b'\n' {
                self.line_start = true;
            }
        }
    }

    /// Ends the stream: bytes held while deciding are passed through.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.held);
        self.line_start = true;
    }
}

/// The `From ` line for a message received at `date` (asctime, UTC). A message without
/// any date gets the time it is written into the archive, as a delivery agent writes the
/// time it delivers: never the epoch, which readers (and a later `--older-than` over this
/// mbox as a source) would take for a message received in 1970.
pub fn from_line(date: Option<Timestamp>) -> Vec<u8> {
    let date = date.unwrap_or_else(Timestamp::now);
    let text = jiff::fmt::strtime::format("%a %b %e %H:%M:%S %Y", &date.to_zoned(jiff::tz::TimeZone::UTC))
        .unwrap_or_else(|_| "Thu Jan  1 00:00:00 1970".into());
    let mut line = FROM_MARK.to_vec();
    line.extend_from_slice(text.as_bytes());
    line.push(b'\n');
    line
}

/// One message as appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub offset: u64,
    pub stored: u64,
    pub added_newline: bool,
    pub sha256: String,
    pub size: u64,
    /// Compressed: the file offset of the message's gzip member (`offset` counts inside it).
    pub member: Option<u64>,
    /// The read-back check of the message's bytes ([`Check`]), for [`CopyReader::check`].
    pub check: u128,
}

struct Current {
    from_offset: u64,
    offset: u64,
    quoting: Quoting,
    digest: Sha256,
    check: Check,
    stored: u64,
    last: Option<u8>,
}

/// Appends messages to one mbox file. Nothing is durable before [`MboxAppender::sync`].
pub struct MboxAppender {
    path: PathBuf,
    file: File,
    pos: u64,
    buf: Vec<u8>,
    current: Option<Current>,
    created: bool,
    /// Compressed output: the member being written (one per message).
    gz: Option<GzEncoder<Vec<u8>>>,
    compress: bool,
    /// Uncompressed bytes in the current member.
    member_in: u64,
}

/// Opens (creating, 0600) a file for read and write without following a symlink at its
/// final component.
pub fn open_private(path: &Path) -> io::Result<(File, bool)> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() || !m.is_file() => {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file (a symlink or a directory)"));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let created = !path.exists();
    let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(path)?;
    Ok((file, created))
}

impl MboxAppender {
    /// Opens the file at its end and makes sure the next `From ` line follows an empty
    /// line (a file another program wrote may end without one).
    pub fn open(path: &Path) -> io::Result<MboxAppender> {
        let (mut file, created) = open_private(path)?;
        let len = file.seek(SeekFrom::End(0))?;
        if starts_with_gzip(&mut file, len)? {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is gzip-compressed (written with --compress): pass --compress to add to it",
            ));
        }
        let mut a = MboxAppender::new(path, file, len, created, false);
        if len > 0 {
            let mut tail = [0u8; 2];
            let n = tail.len().min(len as usize);
            a.file.seek(SeekFrom::Start(len - n as u64))?;
            a.file.read_exact(&mut tail[..n])?;
            a.file.seek(SeekFrom::Start(len))?;
            let tail = &tail[..n];
            let pad: &[u8] = if !tail.ends_with(b"\n") {
                b"\n\n"
            } else if tail != b"\n\n" && !(len == 1 && tail == b"\n") {
                b"\n"
            } else {
                b""
            };
            a.put(pad)?;
        }
        Ok(a)
    }

    /// Opens a compressed mbox (`FOLDER.gz`) at its end; each message becomes a gzip
    /// member. Refuses a file that is not gzip (an uncompressed mbox of another folder).
    pub fn open_compressed(path: &Path) -> io::Result<MboxAppender> {
        let (mut file, created) = open_private(path)?;
        let len = file.seek(SeekFrom::End(0))?;
        if len > 0 && !starts_with_gzip(&mut file, len)? {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "it exists and is not gzip-compressed"));
        }
        Ok(MboxAppender::new(path, file, len, created, true))
    }

    fn new(path: &Path, file: File, len: u64, created: bool, compress: bool) -> MboxAppender {
        MboxAppender {
            path: path.to_path_buf(),
            file,
            pos: len,
            buf: Vec::with_capacity(BUF_FLUSH + 64 * 1024),
            current: None,
            created,
            gz: None,
            compress,
            member_in: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length once everything written so far is flushed.
    pub fn end(&self) -> u64 {
        self.pos + self.buf.len() as u64
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(gz) = self.gz.as_mut() {
            gz.write_all(bytes)?;
            self.member_in += bytes.len() as u64;
            // Compressed bytes move to the file as they come: memory stays flat.
            if gz.get_ref().len() >= 256 * 1024 {
                self.file.write_all(gz.get_ref())?;
                self.pos += gz.get_ref().len() as u64;
                gz.get_mut().clear();
            }
            return Ok(());
        }
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= BUF_FLUSH { self.flush_buf() } else { Ok(()) }
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.file.write_all(&self.buf)?;
        self.pos += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    pub fn begin_message(&mut self, received: Option<Timestamp>) -> io::Result<()> {
        let from_offset = self.end();
        if self.compress {
            self.flush_buf()?;
            self.gz = Some(GzEncoder::new(Vec::new(), Compression::default()));
            self.member_in = 0;
        }
        let line = from_line(received);
        self.put(&line)?;
        let offset = if self.compress { self.member_in } else { self.end() };
        self.current = Some(Current {
            from_offset,
            offset,
            quoting: Quoting::quote(),
            digest: Sha256::new(),
            check: Check::new(),
            stored: 0,
            last: None,
        });
        Ok(())
    }

    /// Appends a chunk of the message as the server sent it.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        let c = self.current.as_mut().expect("begin_message first");
        c.digest.update(chunk);
        c.check.update(chunk);
        if let Some(&l) = chunk.last() {
            c.last = Some(l);
        }
        if self.gz.is_none() {
            // Quoted straight into the write buffer: no copy in between.
            let before = self.buf.len();
            c.quoting.feed(chunk, &mut self.buf);
            c.stored += (self.buf.len() - before) as u64;
            return if self.buf.len() >= BUF_FLUSH { self.flush_buf() } else { Ok(()) };
        }
        let mut out = Vec::with_capacity(chunk.len() + 16);
        c.quoting.feed(chunk, &mut out);
        c.stored += out.len() as u64;
        self.put(&out)
    }

    pub fn end_message(&mut self) -> io::Result<Written> {
        let mut c = self.current.take().expect("begin_message first");
        let mut out = Vec::new();
        c.quoting.finish(&mut out);
        let added_newline = c.last != Some(b'\n');
        if added_newline {
            out.push(b'\n');
        }
        c.stored += out.len() as u64;
        out.push(b'\n');
        self.put(&out)?;
        let member = match self.gz.take() {
            Some(gz) => {
                let rest = gz.finish()?;
                self.buf.extend_from_slice(&rest);
                Some(c.from_offset)
            }
            None => None,
        };
        let size = c.digest.len();
        let check = c.check.finish().0;
        Ok(Written { offset: c.offset, stored: c.stored, added_newline, sha256: c.digest.hex(), size, member, check })
    }

    /// Drops the message being written (it is already in the archive).
    pub fn drop_message(&mut self) -> io::Result<()> {
        let Some(c) = self.current.take() else { return Ok(()) };
        self.truncate(c.from_offset)
    }

    /// Cuts the file back to `len` (all buffered bytes after it are dropped).
    pub fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.gz = None;
        self.current = None;
        self.flush_buf()?;
        self.file.set_len(len)?;
        self.file.seek(SeekFrom::Start(len))?;
        self.pos = len;
        Ok(())
    }

    /// Writes everything out and flushes it to the disk (the file, and its directory
    /// when the file is new).
    pub fn sync(&mut self) -> io::Result<()> {
        self.flush_buf()?;
        self.file.sync_all()?;
        if std::mem::take(&mut self.created)
            && let Some(dir) = self.path.parent()
        {
            super::sync_dir(dir)?;
        }
        Ok(())
    }
}

/// Reads a message back from an mbox file: `(sha256, size)` of the bytes the journal
/// says were stored at `offset`, with the quoting undone and an added newline removed.
pub fn read_back(path: &Path, offset: u64, stored: u64, added_newline: bool) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if offset.checked_add(stored).is_none_or(|end| end > len) {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the archive file is shorter than recorded"));
    }
    file.seek(SeekFrom::Start(offset))?;
    digest_unquoted(BufReader::with_capacity(256 * 1024, file).take(stored), stored, added_newline)
}

/// [`read_back`] for an entry of a compressed mbox when `member` is set: the member is
/// decompressed from its start, `offset` bytes skipped, `stored` bytes digested.
pub fn read_back_at(
    path: &Path,
    member: Option<u64>,
    offset: u64,
    stored: u64,
    added_newline: bool,
) -> io::Result<(String, u64)> {
    let Some(member) = member else { return read_back(path, offset, stored, added_newline) };
    let mut file = File::open(path)?;
    if member >= file.metadata()?.len() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the archive file is shorter than recorded"));
    }
    file.seek(SeekFrom::Start(member))?;
    // GzDecoder reads exactly one member.
    let mut data = GzDecoder::new(BufReader::with_capacity(256 * 1024, file));
    let skipped = io::copy(&mut (&mut data).take(offset), &mut io::sink())?;
    if skipped != offset {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the compressed message is shorter than recorded"));
    }
    digest_unquoted(data.take(stored), stored, added_newline)
}

/// Whether a file of `len` bytes begins with a gzip member (the position is kept).
fn starts_with_gzip(file: &mut File, len: u64) -> io::Result<bool> {
    if len < 2 {
        return Ok(false);
    }
    let here = file.stream_position()?;
    let mut head = [0u8; 2];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut head)?;
    file.seek(SeekFrom::Start(here))?;
    Ok(head == GZIP_MAGIC)
}

/// Digest of a quoted stream of `stored` bytes, unquoted, minus an added final newline.
pub fn digest_unquoted(mut r: impl Read, stored: u64, added_newline: bool) -> io::Result<(String, u64)> {
    let mut digest = Sha256::new();
    let (mut chunk, mut out) = (vec![0u8; READ_CHUNK], Vec::new());
    unquoted(&mut |buf| r.read(buf), stored, added_newline, &mut chunk, &mut out, &mut |b| digest.update(b))?;
    let size = digest.len();
    Ok((digest.hex(), size))
}

/// Reads a quoted stream of `stored` bytes (`read` fills the buffer it is given, 0 at the
/// end) and hands `each` the message bytes: quoting undone, an added final newline
/// removed. `chunk` (not empty) and `out` are scratch buffers.
fn unquoted(
    read: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    stored: u64,
    added_newline: bool,
    chunk: &mut [u8],
    out: &mut Vec<u8>,
    each: &mut dyn FnMut(&[u8]),
) -> io::Result<()> {
    let mut quoting = Quoting::unquote();
    let mut read_so_far = 0u64;
    // The last byte is held back: it is the added newline when there was one.
    let mut held: Option<u8> = None;
    loop {
        let n = read(chunk)?;
        if n == 0 {
            break;
        }
        read_so_far += n as u64;
        out.clear();
        if let Some(h) = held.take() {
            out.push(h);
        }
        quoting.feed(&chunk[..n], out);
        if let Some(last) = out.pop() {
            held = Some(last);
        }
        each(out);
    }
    if read_so_far != stored {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the archive file is shorter than recorded"));
    }
    out.clear();
    if let Some(h) = held.take() {
        out.push(h);
    }
    quoting.finish(out);
    if added_newline {
        if out.last() != Some(&b'\n') {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "the stored message does not end as recorded"));
        }
        out.pop();
    }
    each(out);
    Ok(())
}

/// Reads the copies just appended to one mbox file back, for the read-back check of a
/// batch: one open file and one pair of buffers for all of them, each copy read with
/// positioned reads of [`READ_CHUNK`] bytes.
pub struct CopyReader {
    file: File,
    len: u64,
    chunk: Vec<u8>,
    out: Vec<u8>,
}

impl CopyReader {
    pub fn open(path: &Path) -> io::Result<CopyReader> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(CopyReader { file, len, chunk: vec![0u8; READ_CHUNK], out: Vec::with_capacity(READ_CHUNK + 16) })
    }

    /// The [`Check`] and size of a message as [`Written`] placed it: the bytes at its
    /// place, quoting undone, an added newline removed (what [`read_back_at`] digests).
    pub fn check(
        &mut self,
        member: Option<u64>,
        offset: u64,
        stored: u64,
        added_newline: bool,
    ) -> io::Result<(u128, u64)> {
        let w = Written { offset, stored, added_newline, sha256: String::new(), size: 0, member, check: 0 };
        let mut check = Check::new();
        let CopyReader { file, len, chunk, out } = self;
        let mut each = |b: &[u8]| check.update(b);
        match w.member {
            Some(member) => {
                if member >= *len {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the archive file is shorter than recorded",
                    ));
                }
                let mut data = GzDecoder::new(BufReader::with_capacity(READ_CHUNK, ReadAt { file, pos: member }));
                let skipped = io::copy(&mut (&mut data).take(w.offset), &mut io::sink())?;
                if skipped != w.offset {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the compressed message is shorter than recorded",
                    ));
                }
                let mut data = data.take(w.stored);
                unquoted(&mut |buf| data.read(buf), w.stored, w.added_newline, chunk, out, &mut each)?;
            }
            None => {
                if w.offset.checked_add(w.stored).is_none_or(|end| end > *len) {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the archive file is shorter than recorded",
                    ));
                }
                let mut at = ReadAt { file, pos: w.offset };
                let mut data = (&mut at).take(w.stored);
                unquoted(&mut |buf| data.read(buf), w.stored, w.added_newline, chunk, out, &mut each)?;
            }
        }
        Ok(check.finish())
    }
}

/// Positioned reads of a file from `pos` on (no seek, no shared cursor).
struct ReadAt<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// What [`repair_tail`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The file ends where the interrupted run began: nothing to do.
    Clean,
    /// A torn tail of ours was cut off (bytes removed).
    Cut(u64),
    /// The file is shorter than where the run began: something else rewrote it.
    Shorter,
    /// The tail holds messages we did not write (a mail client appended): left alone.
    Foreign,
}

/// Cuts off what an interrupted run appended after `offset`, if it is all ours.
pub fn repair_tail(path: &Path, offset: u64) -> io::Result<Repair> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(if offset == 0 { Repair::Clean } else { Repair::Shorter });
        }
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len == offset {
        return Ok(Repair::Clean);
    }
    if len < offset {
        return Ok(Repair::Shorter);
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut head = [0u8; 2];
    let n = (&file).take(2).read(&mut head)?;
    if n > 0 && head[..n] == GZIP_MAGIC[..n] {
        // A compressed append: ours when the member decodes to our From line; a member
        // torn inside its header or data cannot be anyone else's in a `.gz` we write.
        file.seek(SeekFrom::Start(offset))?;
        let mut first = vec![0u8; FROM_MARK.len()];
        let decoded = GzDecoder::new((&file).take(len - offset)).read_exact(&mut first);
        if decoded.is_ok() && first != FROM_MARK {
            return Ok(Repair::Foreign);
        }
        file.set_len(offset)?;
        file.sync_all()?;
        return Ok(Repair::Cut(len - offset));
    }
    file.seek(SeekFrom::Start(offset))?;
    let reader = crate::store::mbox::MboxReader::new(BufReader::new((&file).take(len - offset)));
    let mut froms = Vec::new();
    for entry in reader {
        froms.push(entry?.offset);
    }
    for at in froms {
        let mut head = vec![0u8; FROM_MARK.len()];
        file.seek(SeekFrom::Start(offset + at))?;
        file.read_exact(&mut head)?;
        if head != FROM_MARK {
            return Ok(Repair::Foreign);
        }
    }
    file.set_len(offset)?;
    file.sync_all()?;
    Ok(Repair::Cut(len - offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote_all(input: &[u8], step: usize, quote: bool) -> Vec<u8> {
        let mut q = if quote { Quoting::quote() } else { Quoting::unquote() };
        let mut out = Vec::new();
        for c in input.chunks(step.max(1)) {
            q.feed(c, &mut out);
        }
        q.finish(&mut out);
        out
    }

    #[test]
    fn quoting_is_mboxrd_and_reversible_across_chunk_boundaries() {
        let msg = b"From: a\r\n\r\nFrom here\r\n>From there\r\n>>From x\r\nFro\r\n>Fro\r\nXFrom \r\n\nFrom ";
        let want = b"From: a\r\n\r\n>From here\r\n>>From there\r\n>>>From x\r\nFro\r\n>Fro\r\nXFrom \r\n\n>From ";
        for step in 1..=msg.len() {
            let q = quote_all(msg, step, true);
            assert_eq!(q, want.to_vec(), "step {step}");
            assert_eq!(quote_all(&q, step, false), msg.to_vec(), "step {step}");
        }
        // A message starting with "From " (the first line is a line start too).
        assert_eq!(quote_all(b"From x", 2, true), b">From x");
        // A truncated prefix at the end passes through.
        assert_eq!(quote_all(b"a\n>>Fr", 1, true), b"a\n>>Fr");
    }

    /// mboxrd quoting line by line, the obvious way.
    fn quote_lines(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for line in input.split_inclusive(|&b| b == b'\n') {
            let gt = line.iter().take_while(|&&b| b == b'>').count();
            if line[gt..].starts_with(b"From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        out
    }

    #[test]
    fn quoting_matches_the_line_by_line_rule_on_long_mixed_input() {
        // Quoted replies, From lines, F and > lines that need nothing, LF and CRLF, long
        // and empty lines, in a pseudo-random mix longer than any chunk.
        let lines: [&[u8]; 10] = [
            b"> quoted reply\r\n",
            b">From a quoted From\r\n",
            b"From the start\n",
            b"Fro\r\n",
            b"F\n",
            b">>>From deep\n",
            b"plain text that goes on for a while, and on\r\n",
            b"\r\n",
            b">\n",
            b"From",
        ];
        let mut input = Vec::new();
        let mut x = 12345u64;
        while input.len() < 300_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            input.extend_from_slice(lines[(x >> 33) as usize % lines.len()]);
        }
        let want = quote_lines(&input);
        for step in [1, 2, 5, 77, 4096, 65_536, input.len()] {
            assert!(quote_all(&input, step, true) == want, "step {step}");
            assert!(quote_all(&want, step, false) == input, "unquote, step {step}");
        }
    }

    #[test]
    fn copies_read_back_to_the_check_of_the_bytes_written_and_catch_any_change() {
        let dir = tempfile::tempdir().unwrap();
        let msgs: [&[u8]; 4] =
            [b"Subject: a\r\n\r\nFrom me\r\n", b"Subject: b\r\n\r\nno newline", b"", b">From x\n\n\n"];
        let w = append(dir.path(), &msgs);
        let path = dir.path().join("box");
        let mut r = CopyReader::open(&path).unwrap();
        for (m, w) in msgs.iter().zip(&w) {
            let mut c = Check::new();
            c.update(m);
            assert_eq!(c.finish(), (w.check, m.len() as u64));
            assert_eq!(r.check(w.member, w.offset, w.stored, w.added_newline).unwrap(), (w.check, w.size));
        }
        // One byte changed on the disk, or a copy cut short: the check tells.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[w[1].offset as usize + 3] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let mut r = CopyReader::open(&path).unwrap();
        assert_ne!(r.check(w[1].member, w[1].offset, w[1].stored, w[1].added_newline).unwrap().0, w[1].check);
        assert_eq!(r.check(w[0].member, w[0].offset, w[0].stored, w[0].added_newline).unwrap().0, w[0].check);
        std::fs::write(&path, &bytes[..bytes.len() - 2]).unwrap();
        let mut r = CopyReader::open(&path).unwrap();
        assert!(r.check(w[3].member, w[3].offset, w[3].stored, w[3].added_newline).is_err());
    }

    #[test]
    fn from_lines_use_asctime_in_utc() {
        let t: Timestamp = "2021-03-04T05:06:07Z".parse().unwrap();
        assert_eq!(from_line(Some(t)), b"From mailsweep@localhost Thu Mar  4 05:06:07 2021\n");
        let undated = crate::store::date::from_line(&from_line(None)).expect("a readable date");
        assert!(undated.duration_since(Timestamp::now()).abs() < jiff::SignedDuration::from_secs(60), "{undated}");
    }

    fn append(dir: &Path, msgs: &[&[u8]]) -> Vec<Written> {
        let path = dir.join("box");
        let mut a = MboxAppender::open(&path).unwrap();
        let mut out = Vec::new();
        for m in msgs {
            a.begin_message(None).unwrap();
            for c in m.chunks(3) {
                a.write(c).unwrap();
            }
            out.push(a.end_message().unwrap());
        }
        a.sync().unwrap();
        out
    }

    #[test]
    fn appended_messages_read_back_identical_and_split_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let msgs: [&[u8]; 4] =
            [b"Subject: a\r\n\r\nFrom me\r\n", b"Subject: b\r\n\r\nno newline", b"", b">From x\n\n\n"];
        let w = append(dir.path(), &msgs);
        for (m, w) in msgs.iter().zip(&w) {
            assert_eq!(w.size, m.len() as u64);
            let (sha, size) = read_back(&dir.path().join("box"), w.offset, w.stored, w.added_newline).unwrap();
            assert_eq!((sha, size), (super::super::digest::sha256_hex(m), m.len() as u64));
        }
        // Our own reader splits the file into the same messages.
        let entries: Vec<_> =
            crate::store::mbox::MboxReader::new(BufReader::new(File::open(dir.path().join("box")).unwrap()))
                .map(Result::unwrap)
                .collect();
        assert_eq!(entries.len(), 4);
        // Appending again to the same file keeps the format.
        let w2 = append(dir.path(), &[b"Subject: c\r\n\r\nx\r\n"]);
        let (sha, _) = read_back(&dir.path().join("box"), w2[0].offset, w2[0].stored, false).unwrap();
        assert_eq!(sha, super::super::digest::sha256_hex(b"Subject: c\r\n\r\nx\r\n"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.path().join("box")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_foreign_file_gets_a_separator_before_our_messages() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("box"), b"From x Thu Jan  1 00:00:00 1970\nSubject: y\n\nbody").unwrap();
        let w = append(dir.path(), &[b"Subject: z\n\nFrom a\n"]);
        let text = std::fs::read(dir.path().join("box")).unwrap();
        assert!(text.windows(27).any(|w| w == b"body\n\nFrom mailsweep@localh"));
        assert_eq!(read_back(&dir.path().join("box"), w[0].offset, w[0].stored, false).unwrap().1, 19);
    }

    #[test]
    fn compressed_messages_are_members_that_read_back_and_cut_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("box.gz");
        let msgs: [&[u8]; 3] =
            [b"Subject: a\r\n\r\nFrom me\r\n", b"Subject: b\r\n\r\nno newline", b"Subject: c\n\nz\n"];
        let mut a = MboxAppender::open_compressed(&path).unwrap();
        let mut w = Vec::new();
        for m in &msgs[..2] {
            a.begin_message(None).unwrap();
            for c in m.chunks(3) {
                a.write(c).unwrap();
            }
            w.push(a.end_message().unwrap());
        }
        // A dropped message leaves no trace.
        let before = a.end();
        a.begin_message(None).unwrap();
        a.write(b"Subject: dropped\r\n").unwrap();
        a.truncate(before).unwrap();
        a.sync().unwrap();
        drop(a);
        let mut a = MboxAppender::open_compressed(&path).unwrap();
        a.begin_message(None).unwrap();
        a.write(msgs[2]).unwrap();
        w.push(a.end_message().unwrap());
        a.sync().unwrap();
        let mut r = CopyReader::open(&path).unwrap();
        for (m, w) in msgs.iter().zip(&w) {
            assert!(w.member.is_some());
            let got = read_back_at(&path, w.member, w.offset, w.stored, w.added_newline).unwrap();
            assert_eq!(got, (super::super::digest::sha256_hex(m), m.len() as u64));
            assert_eq!(r.check(w.member, w.offset, w.stored, w.added_newline).unwrap(), (w.check, m.len() as u64));
        }
        // The whole file is one mbox to gzip -dc (multi-member).
        let mut all = Vec::new();
        flate2::read::MultiGzDecoder::new(File::open(&path).unwrap()).read_to_end(&mut all).unwrap();
        let entries: Vec<_> =
            crate::store::mbox::MboxReader::new(BufReader::new(&all[..])).map(Result::unwrap).collect();
        assert_eq!(entries.len(), 3);
        // A torn member after a committed end is cut; a plain mbox is refused.
        let committed = std::fs::metadata(&path).unwrap().len();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[0x1f, 0x8b, 8, 0, 0]).unwrap();
        assert_eq!(repair_tail(&path, committed).unwrap(), Repair::Cut(5));
        assert!(MboxAppender::open(&path).is_err(), "a plain append to a gzip file");
        std::fs::write(dir.path().join("plain"), b"From x\n\n").unwrap();
        assert!(MboxAppender::open_compressed(&dir.path().join("plain")).is_err());
    }

    #[test]
    fn torn_tails_are_cut_only_when_ours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("box");
        append(dir.path(), &[b"Subject: a\n\nx\n"]);
        let committed = std::fs::metadata(&path).unwrap().len();
        // A torn append: our From line and half a message.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"From mailsweep@localhost Thu Jan  1 00:00:00 1970\nSubject: half").unwrap();
        assert_eq!(repair_tail(&path, committed).unwrap(), Repair::Cut(63));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), committed);
        assert_eq!(repair_tail(&path, committed).unwrap(), Repair::Clean);
        f.write_all(b"From thunderbird Thu Jan  1 00:00:00 1970\nSubject: mine\n\n").unwrap();
        assert_eq!(repair_tail(&path, committed).unwrap(), Repair::Foreign);
        assert_eq!(repair_tail(&path, committed + 10_000).unwrap(), Repair::Shorter);
    }
}
