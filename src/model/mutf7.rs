//! IMAP modified UTF-7 (RFC 3501 §5.1.3), the encoding of folder names on the wire and in
//! Dovecot's Maildir++ directory names.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn b64_value(c: u8) -> Option<u32> {
    B64.iter().position(|&b| b == c).map(|p| p as u32)
}

/// Decodes a modified UTF-7 name. Errors name the problem; callers that must show
/// something anyway can fall back to the raw name (see [`decode_lossy`]).
pub fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c != b'&' {
            if !(0x20..=0x7e).contains(&c) {
                return Err(format!("byte 0x{c:02x} is not allowed in a modified UTF-7 name"));
            }
            out.push(c as char);
            i += 1;
            continue;
        }
        let end = s[i + 1..].find('-').map(|p| i + 1 + p).ok_or_else(|| "unterminated &... sequence".to_string())?;
        let run = &bytes[i + 1..end];
        i = end + 1;
        if run.is_empty() {
            out.push('&');
            continue;
        }
        let mut units: Vec<u16> = Vec::with_capacity(run.len() * 6 / 16);
        let (mut acc, mut bits) = (0u32, 0u32);
        for &b in run {
            let v = b64_value(b).ok_or_else(|| format!("'{}' is not a modified base64 character", b as char))?;
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 16 {
                bits -= 16;
                units.push(((acc >> bits) & 0xffff) as u16);
            }
        }
        if bits >= 6 || (acc & ((1 << bits) - 1)) != 0 {
            return Err("bad padding in a base64 run".to_string());
        }
        let decoded = String::from_utf16(&units).map_err(|_| "invalid UTF-16 in a base64 run".to_string())?;
        if decoded.chars().all(|c| (0x20..=0x7e).contains(&(c as u32))) {
            return Err("printable ASCII must not be base64-encoded".to_string());
        }
        out.push_str(&decoded);
    }
    Ok(out)
}

/// Decodes, or returns the raw name unchanged when it is not valid modified UTF-7 (some
/// servers send raw UTF-8); never fails, so a hostile name cannot stop a scan.
pub fn decode_lossy(s: &str) -> String {
    decode(s).unwrap_or_else(|_| s.to_string())
}

/// Encodes a UTF-8 name as modified UTF-7.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let (mut acc, mut bits) = (0u32, 0u32);
        for &u in pending.iter() {
            acc = (acc << 16) | u as u32;
            bits += 16;
            while bits >= 6 {
                bits -= 6;
                out.push(B64[((acc >> bits) & 0x3f) as usize] as char);
            }
        }
        if bits > 0 {
            out.push(B64[((acc << (6 - bits)) & 0x3f) as usize] as char);
        }
        out.push('-');
        pending.clear();
    };
    for c in s.chars() {
        if (0x20..=0x7e).contains(&(c as u32)) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        assert_eq!(decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").unwrap(), "~peter/mail/台北/日本語");
        assert_eq!(encode("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assert_eq!(decode("Entw&APw-rfe").unwrap(), "Entwürfe");
        assert_eq!(decode("&AMk-l&AOk-ments envoy&AOk-s").unwrap(), "Éléments envoyés");
        assert_eq!(decode("Tom &- Jerry").unwrap(), "Tom & Jerry");
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
    }

    #[test]
    fn round_trips_including_astral_planes() {
        for s in ["INBOX", "Éléments envoyés", "📁 Projekte/Älter", "a&b&-c", "日本語"] {
            assert_eq!(decode(&encode(s)).unwrap(), s, "{s}");
        }
    }

    #[test]
    fn bad_input_is_an_error_and_lossy_keeps_it() {
        assert!(decode("&U,BTFw").is_err());
        assert!(decode("&!!!-").is_err());
        assert!(decode("&AGE-").is_err(), "encoded ASCII 'a' is not allowed");
        assert!(decode("caf\u{e9}").is_err());
        assert_eq!(decode_lossy("caf\u{e9}"), "caf\u{e9}");
    }
}
