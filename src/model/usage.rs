//! The usage report: folders, totals and quota of one source, and its verdict.

use serde::Serialize;

use super::folder::FolderUsage;
use super::quota::{self, QuotaRoot};
use super::status::{Status, Thresholds};

/// How folder sizes were measured (shown so a helpdesk knows what the numbers mean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeMethod {
    /// IMAP `STATUS (SIZE)` (RFC 8438), one round trip per folder or one for all.
    StatusSize,
    /// IMAP `UID FETCH 1:* RFC822.SIZE`, streamed.
    FetchSizes,
    /// POP3 `STAT`/`LIST`: INBOX only.
    Pop3List,
    /// Local files' sizes.
    Files,
}

/// The quota as far as the source can tell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum QuotaInfo {
    Reported {
        roots: Vec<QuotaRoot>,
    },
    /// The server has no QUOTA capability, or the source is local / POP3.
    NotReported {
        reason: String,
    },
}

impl QuotaInfo {
    pub fn roots(&self) -> &[QuotaRoot] {
        match self {
            QuotaInfo::Reported { roots } => roots,
            QuotaInfo::NotReported { .. } => &[],
        }
    }
}

/// Everything `usage` found for one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageReport {
    /// The source as the user named it, without secrets (`imaps://alice@host`, `maildir:/x`).
    pub source: String,
    /// The account name from the config, if any.
    pub account: Option<String>,
    pub size_method: SizeMethod,
    pub folders: Vec<FolderUsage>,
    pub quota: QuotaInfo,
    /// Plain-language notes ("POP3 sees only INBOX", "folder X vanished during the scan").
    pub notes: Vec<String>,
}

/// Folder order for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SortKey {
    /// Biggest first.
    #[default]
    Size,
    /// Hierarchy order (INBOX first, then by name).
    Name,
    /// Most messages first.
    Messages,
}

impl UsageReport {
    pub fn total_bytes(&self) -> u64 {
        self.folders.iter().map(|f| f.bytes).sum()
    }

    pub fn total_messages(&self) -> u64 {
        self.folders.iter().map(|f| f.messages).sum()
    }

    /// The storage limit to measure folders against: the fullest storage resource's.
    pub fn storage_limit(&self) -> Option<u64> {
        quota::fullest_storage(self.quota.roots()).map(|r| r.limit).filter(|&l| l > 0)
    }

    /// A folder's share of the storage quota, in percent.
    pub fn share_of_quota(&self, folder: &FolderUsage) -> Option<f64> {
        self.storage_limit().map(|l| folder.bytes as f64 * 100.0 / l as f64)
    }

    /// The highest use percentage across quota resources.
    pub fn quota_percent(&self) -> Option<f64> {
        quota::worst_percent(self.quota.roots())
    }

    pub fn status(&self, t: &Thresholds) -> Status {
        t.status(self.quota_percent())
    }

    /// Sorts folders and keeps the first `top` (all when None).
    pub fn sort_and_truncate(&mut self, key: SortKey, top: Option<usize>) {
        match key {
            SortKey::Size => self.folders.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(name_order(a, b))),
            SortKey::Messages => self.folders.sort_by(|a, b| b.messages.cmp(&a.messages).then(name_order(a, b))),
            SortKey::Name => self.folders.sort_by(name_order),
        }
        if let Some(n) = top {
            self.folders.truncate(n);
        }
    }
}

/// INBOX first, then by name, so children follow their parents.
fn name_order(a: &FolderUsage, b: &FolderUsage) -> std::cmp::Ordering {
    let inbox = |f: &FolderUsage| !f.name.eq_ignore_ascii_case("INBOX");
    inbox(a).cmp(&inbox(b)).then_with(|| a.name.split('/').cmp(b.name.split('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QuotaResource;

    fn folder(name: &str, bytes: u64, messages: u64) -> FolderUsage {
        let mut f = FolderUsage::new(name, name);
        f.bytes = bytes;
        f.messages = messages;
        f
    }

    fn report() -> UsageReport {
        UsageReport {
            source: "maildir:/x".into(),
            account: None,
            size_method: SizeMethod::Files,
            folders: vec![folder("Sent", 50, 1), folder("INBOX", 10, 9), folder("A/B", 30, 3), folder("A", 0, 0)],
            quota: QuotaInfo::Reported {
                roots: vec![QuotaRoot {
                    name: "User quota".into(),
                    resources: vec![QuotaResource { name: "STORAGE".into(), usage: 90, limit: 200 }],
                }],
            },
            notes: vec![],
        }
    }

    #[test]
    fn totals_and_shares() {
        let r = report();
        assert_eq!(r.total_bytes(), 90);
        assert_eq!(r.total_messages(), 13);
        assert_eq!(r.share_of_quota(&r.folders[0]), Some(25.0));
        assert_eq!(r.quota_percent(), Some(45.0));
        assert_eq!(r.status(&Thresholds::new(40.0, 50.0).unwrap()), Status::Warning);
    }

    #[test]
    fn sorting_keeps_inbox_first_by_name_and_biggest_first_by_size() {
        let mut r = report();
        r.sort_and_truncate(SortKey::Name, None);
        let names: Vec<_> = r.folders.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["INBOX", "A", "A/B", "Sent"]);
        r.sort_and_truncate(SortKey::Size, Some(2));
        let names: Vec<_> = r.folders.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Sent", "A/B"]);
        r.sort_and_truncate(SortKey::Messages, None);
        assert_eq!(r.folders[0].name, "A/B");
    }

    #[test]
    fn no_quota_means_no_share() {
        let mut r = report();
        r.quota = QuotaInfo::NotReported { reason: "no QUOTA".into() };
        assert_eq!(r.share_of_quota(&r.folders[0]), None);
        assert_eq!(r.status(&Thresholds::default()), Status::Ok);
    }
}
