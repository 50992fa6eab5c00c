//! Byte sizes as humans type them ("500k", "5MiB", "1.5GB") and as reports print them.

/// Parses a size. Bare numbers are bytes; k/M/G/T are decimal (1000) when written
/// `kB`/`MB`/`GB` and binary (1024) when written `KiB`/`MiB`/`GiB` or as a bare letter
/// (`5M`), the way mail clients and `du` users mean it.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 =
        num.parse().map_err(|_| format!("\"{s}\" is not a size (examples: 500k, 5MiB, 1.5GB, 2000000)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        "t" | "tib" => 1024f64.powi(4),
        "tb" => 1e12,
        other => {
            return Err(format!("\"{s}\": unknown size unit \"{other}\" (use B, k, KiB, kB, M, MiB, MB, G, GiB, GB)"));
        }
    };
    let bytes = value * mult;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("\"{s}\" is too large"));
    }
    Ok(bytes.round() as u64)
}

/// Formats bytes for people: binary units, one decimal ("1.5 MiB").
pub fn human(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY.decimal_places(1))
}

/// 100 MB: past this a folder costs the server much more to handle (GUIDES.md, Quota).
pub const BIG_FOLDER: u64 = 100 * 1000 * 1000;
/// 500 MB: "and even more" past this (GUIDES.md, Quota).
pub const HUGE_FOLDER: u64 = 500 * 1000 * 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_every_unit_people_type() {
        assert_eq!(parse_size("2000000").unwrap(), 2_000_000);
        assert_eq!(parse_size("500k").unwrap(), 512_000);
        assert_eq!(parse_size("500kB").unwrap(), 500_000);
        assert_eq!(parse_size("5MiB").unwrap(), 5 * 1024 * 1024);
        assert_eq!(parse_size("5 MB").unwrap(), 5_000_000);
        assert_eq!(parse_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
    }

    #[test]
    fn bad_sizes_say_why() {
        assert!(parse_size("").unwrap_err().contains("not a size"));
        assert!(parse_size("5 parsecs").unwrap_err().contains("unknown size unit"));
        assert!(parse_size("1e30TB").is_err());
    }

    #[test]
    fn human_sizes_are_binary() {
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(0), "0 B");
    }
}
