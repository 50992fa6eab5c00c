//! The two digests of the archive.
//!
//! - SHA-256 (FIPS 180-4), streaming: the journal's digest of every archived message,
//!   computed once as the message arrives. It is what the archive keeps: it recognises a
//!   message already archived (under another UIDVALIDITY), and it proves a copy still
//!   intact whenever one is read back later (a resumed move, a backup copy leaving the
//!   server, `--verify`-style checks): those reads compare with the journal, written by
//!   an earlier process, so they need a digest that means the same forever. ring's code
//!   (already linked for TLS) uses the CPU's SHA extensions: about 1.5 GB/s here.
//! - [`Check`]: the read-back check within one run, XXH3-128 under a secret drawn at
//!   random for each process (about 10 GB/s). Right after a batch is written and
//!   flushed, every copy is read back and its check compared with the check of the
//!   bytes the server sent (taken as they arrived, next to the SHA-256). This proves
//!   exactly what a second SHA-256 proved: the file holds, at the recorded place, bytes
//!   that decode (quoting undone) to the bytes received. What the comparison must catch
//!   is an accident (a short or failed write, the wrong offset, a file changed
//!   underneath, a bug), never a forgery: both values live only in this process's
//!   memory, and the bytes compared were written by this process a moment before. A
//!   128-bit check misses a given accident with probability 2^-128; the secret makes
//!   even chosen content (a sender crafting a message) unable to aim at a collision, as
//!   nobody outside the process can know which function is computed. Nothing persists
//!   a check: the journal keeps only SHA-256.
//!
//! Only one of the two digests must be cryptographic, the one that is kept: the second
//! SHA-256 pass it replaces was ~12 % of mailsweep's CPU time in a POP3 archive run.

use std::sync::OnceLock;

use xxhash_rust::xxh3::Xxh3;

/// A running SHA-256 with the byte count.
#[derive(Clone)]
pub struct Sha256 {
    ctx: ring::digest::Context,
    len: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256 { ctx: ring::digest::Context::new(&ring::digest::SHA256), len: 0 }
    }
}

impl Sha256 {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        self.ctx.update(data);
    }

    /// The digest as 64 lower-case hex digits.
    pub fn hex(self) -> String {
        self.ctx.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The secret of this process's [`Check`]s: 192 random bytes (XXH3's secret size), drawn
/// once (from the time and the process id if the system gives no random bytes).
fn secret() -> &'static [u8; 192] {
    static SECRET: OnceLock<[u8; 192]> = OnceLock::new();
    SECRET.get_or_init(|| {
        use ring::rand::SecureRandom;
        let mut s = [0u8; 192];
        if ring::rand::SystemRandom::new().fill(&mut s).is_err() {
            // No random source: a secret nobody can predict well still beats none.
            let seed = format!("{:?} {}", std::time::SystemTime::now(), std::process::id());
            for (i, part) in s.chunks_mut(32).enumerate() {
                let d = ring::digest::digest(&ring::digest::SHA256, format!("{i} {seed}").as_bytes());
                part.copy_from_slice(&d.as_ref()[..part.len()]);
            }
        }
        s
    })
}

/// The read-back check: a running XXH3-128 under this process's secret, with the byte
/// count. Only ever compared with another check of the same process (see the module
/// doc); never stored.
#[derive(Clone)]
pub struct Check {
    h: Box<Xxh3>,
    len: u64,
}

impl Default for Check {
    fn default() -> Self {
        Check { h: Box::new(Xxh3::with_secret(*secret())), len: 0 }
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("len", &self.len).finish_non_exhaustive()
    }
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        self.h.update(data);
    }

    /// The check value and the byte count.
    pub fn finish(&self) -> (u128, u64) {
        (self.h.digest128(), self.len)
    }
}

/// The digest of a byte slice.
pub fn sha256_hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    h.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(sha256_hex(&million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    #[test]
    fn checks_follow_the_bytes_not_the_chunking() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = {
            let mut c = Check::new();
            c.update(&data);
            c.finish()
        };
        assert_eq!(whole.1, 300_000);
        for step in [1, 63, 64, 65, 4096, 65_537] {
            let mut c = Check::new();
            for piece in data.chunks(step) {
                c.update(piece);
            }
            assert_eq!(c.finish(), whole, "step {step}");
        }
        // One byte changed, one missing, one more: all differ.
        let mut other = data.clone();
        other[150_000] ^= 1;
        for d in [&other[..], &data[1..], &[&data[..], b"x"].concat()[..]] {
            let mut c = Check::new();
            c.update(d);
            assert_ne!(c.finish().0, whole.0);
        }
        assert_eq!(Check::new().finish().1, 0);
    }

    #[test]
    fn chunking_does_not_change_the_digest() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        for step in [1, 3, 63, 64, 65, 999] {
            let mut h = Sha256::new();
            for c in data.chunks(step) {
                h.update(c);
            }
            assert_eq!(h.len(), 1000);
            assert_eq!(h.hex(), sha256_hex(&data));
        }
    }
}
