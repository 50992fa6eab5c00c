//! SHA-256 (FIPS 180-4), streaming: the digest that proves an archived copy reads back
//! identical to what the server sent, and that recognises a message already archived.
//! The computation is ring's (already linked for TLS): it uses the CPU's SHA extensions
//! where there are some, several times faster than portable code, and every archived
//! byte is digested twice (as written, and as read back).

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
