//! IMAP modified UTF-7 (RFC 3501 §5.1.3) encoding, as Dovecot uses it for Maildir++ folder names
//! on disk (e.g. `Entwürfe` is stored as `.Entw&APw-rfe`). Test-only helper; small and strict.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes a UTF-8 mailbox name (one hierarchy component or a whole path; the hierarchy separator
/// is printable ASCII and passes through unchanged) into IMAP modified UTF-7.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut pending, &mut out);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn flush(pending: &mut Vec<u16>, out: &mut String) {
    if pending.is_empty() {
        return;
    }
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // n input bytes produce n+1 output characters; no '=' padding in modified UTF-7.
        for i in 0..=n {
            out.push(char::from(B64[((v >> (18 - 6 * i)) & 0x3f) as usize]));
        }
    }
    out.push('-');
    pending.clear();
}

/// Known vectors (from RFC 3501 and Dovecot's on-disk names); used by `tests/harness.rs`.
pub const VECTORS: &[(&str, &str)] = &[
    ("INBOX", "INBOX"),
    ("Entwürfe", "Entw&APw-rfe"),
    ("Älter", "&AMQ-lter"),
    ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
    ("A&B", "A&-B"),
    ("😀", "&2D3eAA-"),
];
