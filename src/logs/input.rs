//! Log inputs: plain or gzip files (detected by magic bytes, so `mail.log.2.gz` and
//! `zcat`-less pipes both work) and stdin, cut into `&[u8]` lines from large buffers with
//! no per-line allocation.
//!
//! A plain regular file is mapped read-only ([`super::map`]) and cut into fixed [`CHUNK`]s
//! that any thread parses in place ([`chunk_lines`]): a chunk owns the lines that start in
//! it, so the threads parse in parallel with no hand-off and no copy. A file that cannot be
//! mapped is read the same way with pread, each thread into its own buffer ([`read_chunk`]).
//! Lines that start after the size seen at open (appended while reading) are not read; a
//! file that shrinks while it is read is an error ([`super::map::Mapping::check`]). Streams
//! (stdin, gzip, pipes) are cut in turn into blocks of whole lines ([`Blocks`]). All give
//! exactly the lines of [`for_each_line`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::map::Mapping;
use super::mask;

/// Read buffer size; also the longest line kept whole (longer lines are junk, skipped).
pub const BUF: usize = 1 << 20;
/// Size of a block of lines handed to a parsing thread (more than [`BUF`]).
pub const BLOCK: usize = 2 << 20;
/// The part of a regular file whose lines one parsing thread reads at once.
pub const CHUNK: u64 = 2 << 20;
/// Read past the end of a chunk in the same call, for the end of its last line.
const MARGIN: usize = 16 << 10;

/// An opened input: how to read it, whether it is gzip, and its mtime (the year reference).
pub struct Opened {
    pub source: Source,
    pub gzip: bool,
    pub modified: Option<std::time::SystemTime>,
}

/// How an input is read.
pub enum Source {
    /// A plain regular file mapped (its size when opened): parsed in chunks, in parallel.
    Mapped(Mapping),
    /// A plain regular file that could not be mapped, and its size when opened: read in
    /// chunks, in parallel. Lines that start after that size (appended while reading) are not read.
    File { file: File, size: u64 },
    /// Stdin, gzip, pipes and files without a size: one reader.
    Stream(Box<dyn Read + Send>),
}

impl Source {
    /// One reader of the whole input, whatever the source.
    pub fn into_reader(self) -> Box<dyn Read + Send> {
        match self {
            Source::Mapped(map) => Box::new(io::Cursor::new(MappedBytes(map))),
            Source::File { file, .. } => Box::new(file),
            Source::Stream(r) => r,
        }
    }
}

struct MappedBytes(Mapping);

impl AsRef<[u8]> for MappedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.bytes()
    }
}

/// Opens `path` (`-`: stdin), unwrapping gzip when the content starts with its magic.
pub fn open(path: &Path) -> io::Result<Opened> {
    let (raw, modified): (Box<dyn Read + Send>, _) = if path.as_os_str() == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let f = File::open(path)?;
        let meta = f.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "is a directory"));
        }
        // procfs and the like say 0 for files with content: those are read as streams.
        if meta.is_file() && meta.len() > 0 {
            let mut magic = [0u8; 2];
            let n = read_at_most(&f, &mut magic, 0)?;
            if magic[..n] != [0x1f, 0x8b] {
                let source = match Mapping::new(f, meta.len()) {
                    Ok(map) => Source::Mapped(map),
                    Err(file) => Source::File { file, size: meta.len() },
                };
                return Ok(Opened { source, gzip: false, modified: meta.modified().ok() });
            }
        }
        (Box::new(f), meta.modified().ok())
    };
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if gzip { Box::new(MultiGzDecoder::new(buffered)) } else { Box::new(buffered) };
    Ok(Opened { source: Source::Stream(reader), gzip, modified })
}

/// Reads at `offset` until `buf` is full or the file ends; returns the bytes read.
fn read_at_most(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read_at(&mut buf[n..], offset + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Calls `f` on every line (without `\n` or `\r\n`). A line longer than the buffer is
/// passed as `None` once (counted by the caller) and skipped.
pub fn for_each_line(mut reader: impl Read, mut f: impl FnMut(Option<&[u8]>)) -> io::Result<()> {
    let mut buf = vec![0u8; BUF];
    let mut filled = 0;
    let mut skipping = false;
    loop {
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        filled += n;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[..filled]) {
            if skipping {
                skipping = false;
            } else {
                f(Some(trim_cr(&buf[start..nl])));
            }
            start = nl + 1;
        }
        if eof {
            if start < filled && !skipping {
                f(Some(trim_cr(&buf[start..filled])));
            }
            return Ok(());
        }
        if start == 0 && filled == buf.len() {
            // No newline in a full buffer: junk (or a binary file); skip to the next newline.
            if !skipping {
                f(None);
            }
            skipping = true;
            filled = 0;
            continue;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
}

/// Lines to parse: `data[start..end]` holds whole lines (the last one may lack its newline
/// at the end of the input), after `junk` lines too long to keep, dropped, and before
/// `junk_after` such lines.
#[derive(Debug, Default)]
pub struct Block {
    /// A buffer reused from block to block: its length only grows (no clearing).
    pub data: Vec<u8>,
    pub start: usize,
    pub end: usize,
    pub junk: u64,
    pub junk_after: u64,
}

/// Lines to parse, borrowed from a [`Block`] or a mapped file: `data[start..end]` holds
/// whole lines, after `junk` dropped lines too long to keep and before `junk_after` more.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lines<'a> {
    pub data: &'a [u8],
    pub start: usize,
    pub end: usize,
    pub junk: u64,
    pub junk_after: u64,
}

impl Lines<'_> {
    /// The lines.
    pub fn lines(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }
}

impl Block {
    /// The lines, as a view.
    pub fn view(&self) -> Lines<'_> {
        Lines { data: &self.data, start: self.start, end: self.end, junk: self.junk, junk_after: self.junk_after }
    }

    /// Makes `data` at least `len` long (new bytes zeroed once, then reused).
    fn room(&mut self, len: usize) {
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }
}

/// The lines of the in-memory (mapped) file `data` that start in chunk `k` (bytes
/// `k * CHUNK .. (k + 1) * CHUNK`), as [`read_chunk`] reads them; `None` past the end.
pub fn chunk_lines(data: &[u8], k: u64) -> Option<Lines<'_>> {
    chunk_lines_in(data, CHUNK, k)
}

fn chunk_lines_in(data: &[u8], chunk: u64, k: u64) -> Option<Lines<'_>> {
    let size = data.len() as u64;
    let from = k.saturating_mul(chunk);
    if from >= size {
        return None;
    }
    let to = from.saturating_add(chunk).min(size) as usize;
    // One byte before the chunk says whether a line starts at its first byte.
    let base = from.saturating_sub(1) as usize;
    let data = &data[base..];
    // Lines starting before `lim` (in `data`) are this chunk's.
    let lim = to - base;
    let empty = Lines { data: &data[..0], ..Lines::default() };
    let first = if k == 0 {
        0
    } else {
        match memchr::memchr(b'\n', &data[..lim]) {
            Some(nl) => nl + 1,
            None => return Some(empty),
        }
    };
    if first >= lim {
        return Some(empty);
    }
    // The last line of the chunk is the one holding byte `lim - 1`; it ends at the first
    // newline from there, maybe past the chunk: junk if it is BUF long or more.
    let last_start = memchr::memrchr(b'\n', &data[first..lim - 1]).map_or(first, |nl| first + nl + 1);
    let window = data.len().min((last_start + BUF).max(lim));
    let (end, junk_after) = match memchr::memchr(b'\n', &data[lim - 1..window]) {
        Some(nl) => (lim + nl, 0),
        // The end of the file: the last line has no newline.
        None if window == data.len() => (window, 0),
        None => (last_start, 1),
    };
    Some(Lines { data: &data[..end], start: first, end, junk: 0, junk_after })
}

/// Reads into `block` the lines of a regular file of `size` bytes that start in chunk `k`
/// (bytes `k * CHUNK .. (k + 1) * CHUNK`); `false` when the chunk is past the end.
pub fn read_chunk(file: &File, size: u64, k: u64, block: &mut Block) -> io::Result<bool> {
    read_chunk_of(file, size, CHUNK, k, block)
}

fn read_chunk_of(file: &File, size: u64, chunk: u64, k: u64, block: &mut Block) -> io::Result<bool> {
    let from = k.saturating_mul(chunk);
    if from >= size {
        return Ok(false);
    }
    let to = from.saturating_add(chunk).min(size);
    // One byte before the chunk says whether a line starts at its first byte.
    let base = from.saturating_sub(1);
    // Lines starting before `lim` (in the buffer) are this chunk's.
    let lim = (to - base) as usize;
    block.room(lim + MARGIN);
    let mut filled = read_at_most(file, &mut block.data[..lim + MARGIN], base)?;
    block.junk = 0;
    block.junk_after = 0;
    block.start = 0;
    block.end = 0;
    // A file cut short while reading ends where it ends.
    let lim = lim.min(filled);
    let first = if k == 0 {
        0
    } else {
        match memchr::memchr(b'\n', &block.data[..lim]) {
            Some(nl) => nl + 1,
            None => return Ok(true),
        }
    };
    if first >= lim {
        return Ok(true);
    }
    block.start = first;
    // The last line of the chunk is the one holding byte `lim - 1`; it ends at the first
    // newline from there, maybe past the chunk.
    let last_start = match memchr::memrchr(b'\n', &block.data[first..lim - 1]) {
        Some(nl) => first + nl + 1,
        None => first,
    };
    let mut from_nl = lim - 1;
    loop {
        if let Some(nl) = memchr::memchr(b'\n', &block.data[from_nl..filled]) {
            block.end = from_nl + nl + 1;
            return Ok(true);
        }
        if filled - last_start >= BUF {
            // A junk line: counted, not kept.
            block.end = last_start;
            block.junk_after = 1;
            return Ok(true);
        }
        let want = (last_start + BUF).min(filled + BLOCK);
        block.room(want);
        let n = read_at_most(file, &mut block.data[filled..want], base + filled as u64)?;
        if n == 0 {
            // The end of the file: the last line has no newline.
            block.end = filled;
            return Ok(true);
        }
        from_nl = filled;
        filled += n;
    }
}

/// Cuts a reader into blocks of whole lines, with the same lines as [`for_each_line`]: a
/// line of [`BUF`] bytes or more is junk, counted once (as a line of [`Block::junk`] when it
/// does not fit a block, else left in the block for the parser to count).
pub struct Blocks<R> {
    reader: R,
    /// The start of the next block: an unfinished line.
    carry: Vec<u8>,
    /// Inside a junk line too long for a block: drop input up to the next newline.
    skipping: bool,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    pub fn new(reader: R) -> Self {
        Blocks { reader, carry: Vec::new(), skipping: false, eof: false }
    }

    /// Fills `block` (its buffer reused) with the next lines; `false` at the end.
    pub fn next_into(&mut self, block: &mut Block) -> io::Result<bool> {
        block.junk = 0;
        block.junk_after = 0;
        block.start = 0;
        block.end = 0;
        block.room(BLOCK);
        loop {
            if self.eof {
                // What is left is the last line, without its newline.
                if !self.skipping && !self.carry.is_empty() {
                    let n = self.carry.len();
                    block.room(n);
                    block.data[..n].copy_from_slice(&self.carry);
                    block.end = n;
                    self.carry.clear();
                    return Ok(true);
                }
                self.carry.clear();
                return Ok(block.junk > 0);
            }
            let buf = &mut block.data[..BLOCK];
            let mut filled = self.carry.len();
            buf[..filled].copy_from_slice(&self.carry);
            self.carry.clear();
            while filled < BLOCK {
                match self.reader.read(&mut buf[filled..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let buf = &buf[..filled];
            let mut start = 0;
            if self.skipping {
                match memchr::memchr(b'\n', buf) {
                    Some(nl) => {
                        self.skipping = false;
                        start = nl + 1;
                    }
                    None => continue,
                }
            }
            match memchr::memrchr(b'\n', &buf[start..]) {
                Some(nl) => {
                    let end = start + nl + 1;
                    self.carry.extend_from_slice(&buf[end..]);
                    block.start = start;
                    block.end = end;
                    return Ok(true);
                }
                None if start == 0 && !self.eof => {
                    // A full block without a newline: one junk line, dropped up to its end.
                    block.junk += 1;
                    self.skipping = true;
                }
                None => self.carry.extend_from_slice(&buf[start..]),
            }
        }
    }
}

/// Calls `f` on every line of a block (without `\n` or `\r\n`); `None` for junk lines.
pub fn block_lines(block: &Lines<'_>, mut f: impl FnMut(Option<&[u8]>)) {
    for _ in 0..block.junk {
        f(None);
    }
    let data = block.lines();
    let mut start = 0;
    newlines(data, |nl| {
        let line = &data[start..nl];
        f(if line.len() >= BUF { None } else { Some(trim_cr(line)) });
        start = nl + 1;
    });
    if start < data.len() {
        let line = &data[start..];
        f(if line.len() >= BUF { None } else { Some(trim_cr(line)) });
    }
    for _ in 0..block.junk_after {
        f(None);
    }
}

/// Calls `f` with the position of each newline of `data`, in order, from [`mask`]s.
#[inline]
fn newlines(data: &[u8], mut f: impl FnMut(usize)) {
    let mut each = |base: usize, bytes: &[u8; 64]| {
        let mut m = mask::of(bytes, b"\n");
        while m != 0 {
            f(base + m.trailing_zeros() as usize);
            m &= m - 1;
        }
    };
    let chunks = data.chunks_exact(64);
    let (rest, whole) = (chunks.remainder(), data.len() - chunks.remainder().len());
    for (k, chunk) in chunks.enumerate() {
        each(64 * k, chunk.try_into().unwrap_or(&[0; 64]));
    }
    let mut last = [0; 64];
    last[..rest.len()].copy_from_slice(rest);
    each(whole, &last);
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(data: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut out = Vec::new();
        for_each_line(data, |l| out.push(l.map(<[u8]>::to_vec))).unwrap();
        out
    }

    #[test]
    fn splits_lf_crlf_and_a_last_line_without_newline() {
        assert_eq!(
            lines(b"a\r\nb\n\nc"),
            vec![Some(b"a".to_vec()), Some(b"b".to_vec()), Some(vec![]), Some(b"c".to_vec())]
        );
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn lines_across_buffer_boundaries_stay_whole() {
        let mut data = Vec::new();
        for i in 0..100_000 {
            writeln!(data, "line number {i} with some padding to cross the buffer").unwrap();
        }
        let got = lines(&data);
        assert_eq!(got.len(), 100_000);
        assert_eq!(got[99_999].as_deref(), Some(&b"line number 99999 with some padding to cross the buffer"[..]));
    }

    #[test]
    fn a_huge_line_is_reported_once_and_skipped() {
        let mut data = vec![b'x'; 3 * BUF + 10];
        data.extend_from_slice(b"\nafter\n");
        let got = lines(&data);
        assert_eq!(got, vec![None, Some(b"after".to_vec())]);
    }

    fn block_lines_of(data: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut blocks = Blocks::new(data);
        let mut block = Block::default();
        let mut out = Vec::new();
        while blocks.next_into(&mut block).unwrap() {
            block_lines(&block.view(), |l| out.push(l.map(<[u8]>::to_vec)));
        }
        out
    }

    #[test]
    fn blocks_cut_the_same_lines_as_for_each_line() {
        let mut data = Vec::new();
        for i in 0..200_000 {
            writeln!(data, "line number {i} with some padding to cross the blocks\r").unwrap();
        }
        data.extend_from_slice(&vec![b'y'; BUF - 1]);
        data.extend_from_slice(b"\nshort\n");
        data.extend_from_slice(&vec![b'z'; BUF]);
        data.extend_from_slice(b"\n");
        data.extend_from_slice(&vec![b'x'; 3 * BLOCK + 10]);
        data.extend_from_slice(b"\nafter\nlast");
        let want = lines(&data);
        assert_eq!(block_lines_of(&data), want);
        assert_eq!(want.iter().filter(|l| l.is_none()).count(), 2);
        for tail in [&b""[..], b"\n", b"a", b"a\r\n\n"] {
            assert_eq!(block_lines_of(tail), lines(tail), "{tail:?}");
        }
        let mut huge_last = b"a\n".to_vec();
        huge_last.extend_from_slice(&vec![b'w'; BLOCK + 5]);
        assert_eq!(block_lines_of(&huge_last), lines(&huge_last));
    }

    fn chunk_lines_of(data: &[u8], chunk: u64) -> Vec<Option<Vec<u8>>> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(data).unwrap();
        let mut block = Block::default();
        let mut out = Vec::new();
        for k in 0.. {
            if !read_chunk_of(&f, data.len() as u64, chunk, k, &mut block).unwrap() {
                break;
            }
            block_lines(&block.view(), |l| out.push(l.map(<[u8]>::to_vec)));
        }
        out
    }

    /// The lines of a file mapped and cut into chunks of `chunk` bytes.
    fn mapped_lines_of(data: &[u8], chunk: u64) -> Vec<Option<Vec<u8>>> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(data).unwrap();
        let opened = open(f.path()).unwrap();
        let mut out = Vec::new();
        let Source::Mapped(map) = opened.source else {
            assert!(data.is_empty(), "not mapped");
            return out;
        };
        assert_eq!(map.bytes(), data);
        for k in 0.. {
            let Some(lines) = chunk_lines_in(map.bytes(), chunk, k) else { break };
            block_lines(&lines, |l| out.push(l.map(<[u8]>::to_vec)));
        }
        map.check().unwrap();
        out
    }

    #[test]
    fn file_chunks_cut_the_same_lines_as_for_each_line() {
        let mut small = Vec::new();
        for i in 0..300 {
            small.extend_from_slice(&b"x".repeat(i % 37));
            small.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
            if i % 50 == 0 {
                small.extend_from_slice(b"\n\n");
            }
        }
        small.extend_from_slice(b"last line");
        // Files of exactly two pages, the last line ending at the mapping's end or cut there.
        let mut paged = b"x\r\n".repeat(8192 / 3);
        paged.extend_from_slice(&b"\n\n"[..8192 - paged.len()]);
        let cut = [&paged[..8191], b"z"].concat();
        for data in [&small[..], b"", b"\n", b"a", b"\n\na\n", &small[..small.len() - 9], &paged, &cut] {
            let want = lines(data);
            for chunk in [1, 2, 3, 7, 36, 37, 38, 100, 4096, CHUNK] {
                assert_eq!(chunk_lines_of(data, chunk), want, "chunk {chunk}, {} bytes", data.len());
                assert_eq!(mapped_lines_of(data, chunk), want, "mapped, chunk {chunk}, {} bytes", data.len());
            }
        }
        // Junk lines (one a whole chunk long or more), in the middle and at the end.
        let mut big = b"first\n".to_vec();
        big.extend_from_slice(&vec![b'y'; BUF - 1]);
        big.extend_from_slice(b"\nshort\n");
        big.extend_from_slice(&vec![b'z'; BUF]);
        big.extend_from_slice(b"\n");
        big.extend_from_slice(&vec![b'x'; 3 * BUF + 10]);
        big.extend_from_slice(b"\r\nafter\n");
        big.extend_from_slice(&vec![b'w'; BUF + 5]);
        let want = lines(&big);
        assert_eq!(want.iter().filter(|l| l.is_none()).count(), 3);
        for chunk in [1000, (BUF / 2) as u64, BUF as u64 + 1, CHUNK, 5 * CHUNK] {
            assert!(chunk_lines_of(&big, chunk) == want, "chunk {chunk}");
            assert!(mapped_lines_of(&big, chunk) == want, "mapped, chunk {chunk}");
        }
    }

    #[test]
    fn gzip_is_detected_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mail.log.2.gz");
        let mut gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), flate2::Compression::fast());
        gz.write_all(b"one\ntwo\n").unwrap();
        gz.finish().unwrap();
        let opened = open(&path).unwrap();
        assert!(opened.gzip);
        let mut out = Vec::new();
        for_each_line(opened.source.into_reader(), |l| out.push(l.unwrap().to_vec())).unwrap();
        assert_eq!(out, vec![b"one".to_vec(), b"two".to_vec()]);

        let plain = dir.path().join("mail.log");
        std::fs::write(&plain, b"x\n").unwrap();
        assert!(!open(&plain).unwrap().gzip);
        assert!(open(dir.path()).is_err());
    }
}
