//! Log inputs: plain or gzip files (detected by magic bytes, so `mail.log.2.gz` and
//! `zcat`-less pipes both work) and stdin, cut into `&[u8]` lines from a large buffer with
//! no per-line allocation. Large inputs are cut into blocks of whole lines ([`Blocks`]) that
//! several threads parse at once.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Read buffer size; also the longest line kept whole (longer lines are junk, skipped).
pub const BUF: usize = 1 << 20;
/// Size of a block of lines handed to a parsing thread (more than [`BUF`]).
pub const BLOCK: usize = 2 << 20;

/// An opened input: the reader, whether it is gzip, and its mtime (the year reference).
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub gzip: bool,
    pub modified: Option<std::time::SystemTime>,
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
        (Box::new(f), meta.modified().ok())
    };
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if gzip { Box::new(MultiGzDecoder::new(buffered)) } else { Box::new(buffered) };
    Ok(Opened { reader, gzip, modified })
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

/// A block of whole lines (the last one may lack its newline at the end of the input).
#[derive(Debug, Default)]
pub struct Block {
    pub data: Vec<u8>,
    /// Junk lines longer than a block, dropped before `data`.
    pub junk: u64,
}

impl<R: Read> Blocks<R> {
    pub fn new(reader: R) -> Self {
        Blocks { reader, carry: Vec::new(), skipping: false, eof: false }
    }

    /// Fills `block` (its buffer reused) with the next lines; `false` at the end.
    pub fn next_into(&mut self, block: &mut Block) -> io::Result<bool> {
        block.junk = 0;
        let buf = &mut block.data;
        loop {
            buf.clear();
            if self.eof {
                // What is left is the last line, without its newline.
                if !self.skipping && !self.carry.is_empty() {
                    std::mem::swap(buf, &mut self.carry);
                    return Ok(true);
                }
                self.carry.clear();
                return Ok(block.junk > 0);
            }
            buf.extend_from_slice(&self.carry);
            self.carry.clear();
            let mut filled = buf.len();
            buf.resize(BLOCK, 0);
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
            buf.truncate(filled);
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
                    buf.truncate(end);
                    buf.drain(..start);
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
pub fn block_lines(block: &Block, mut f: impl FnMut(Option<&[u8]>)) {
    for _ in 0..block.junk {
        f(None);
    }
    let data = &block.data[..];
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', data) {
        let line = &data[start..nl];
        f(if line.len() >= BUF { None } else { Some(trim_cr(line)) });
        start = nl + 1;
    }
    if start < data.len() {
        let line = &data[start..];
        f(if line.len() >= BUF { None } else { Some(trim_cr(line)) });
    }
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
            block_lines(&block, |l| out.push(l.map(<[u8]>::to_vec)));
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
        for_each_line(opened.reader, |l| out.push(l.unwrap().to_vec())).unwrap();
        assert_eq!(out, vec![b"one".to_vec(), b"two".to_vec()]);

        let plain = dir.path().join("mail.log");
        std::fs::write(&plain, b"x\n").unwrap();
        assert!(!open(&plain).unwrap().gzip);
        assert!(open(dir.path()).is_err());
    }
}
