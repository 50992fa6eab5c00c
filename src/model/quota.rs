//! Quota roots and resources as the server reports them, in bytes and message counts.

use serde::Serialize;

/// One resource of a quota root (RFC 9208): storage in bytes, or messages in count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaResource {
    /// The resource name as the server calls it (`STORAGE`, `MESSAGE`, ...).
    pub name: String,
    /// Current use: bytes for `STORAGE` (converted from the wire's KiB), a count otherwise.
    pub usage: u64,
    /// The limit, same unit; 0 means the server reports a zero limit (nothing allowed).
    pub limit: u64,
}

impl QuotaResource {
    /// True for the storage resource, whose unit is bytes.
    pub fn is_storage(&self) -> bool {
        self.name.eq_ignore_ascii_case("STORAGE")
    }

    /// Use as a percentage of the limit. A zero limit with any use is 100% (full: mail
    /// bounces); zero use of a zero limit is 0%.
    pub fn percent(&self) -> f64 {
        if self.limit == 0 {
            if self.usage == 0 { 0.0 } else { 100.0 }
        } else {
            self.usage as f64 * 100.0 / self.limit as f64
        }
    }

    /// What is left before the limit (0 when over).
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.usage)
    }
}

/// A quota root and its resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaRoot {
    pub name: String,
    pub resources: Vec<QuotaResource>,
}

impl QuotaRoot {
    pub fn storage(&self) -> Option<&QuotaResource> {
        self.resources.iter().find(|r| r.is_storage())
    }
}

/// The storage resource that is fullest across roots: the one that bounces mail first.
pub fn fullest_storage(roots: &[QuotaRoot]) -> Option<&QuotaResource> {
    roots.iter().filter_map(|r| r.storage()).max_by(|a, b| a.percent().total_cmp(&b.percent()))
}

/// The highest use percentage of any resource (storage or count): what thresholds compare.
pub fn worst_percent(roots: &[QuotaRoot]) -> Option<f64> {
    roots.iter().flat_map(|r| r.resources.iter()).map(QuotaResource::percent).max_by(f64::total_cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(name: &str, usage: u64, limit: u64) -> QuotaResource {
        QuotaResource { name: name.into(), usage, limit }
    }

    #[test]
    fn percent_handles_zero_limits() {
        assert_eq!(res("STORAGE", 0, 0).percent(), 0.0);
        assert_eq!(res("STORAGE", 5, 0).percent(), 100.0);
        assert_eq!(res("STORAGE", 50, 200).percent(), 25.0);
        assert_eq!(res("STORAGE", 300, 200).percent(), 150.0);
        assert_eq!(res("STORAGE", 300, 200).remaining(), 0);
    }

    #[test]
    fn worst_percent_looks_at_every_resource() {
        let roots = vec![QuotaRoot {
            name: "User quota".into(),
            resources: vec![res("STORAGE", 10, 100), res("MESSAGE", 9, 10)],
        }];
        assert_eq!(worst_percent(&roots), Some(90.0));
        assert_eq!(fullest_storage(&roots).unwrap().usage, 10);
        assert_eq!(worst_percent(&[]), None);
    }
}
