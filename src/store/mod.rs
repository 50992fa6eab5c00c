//! Local stores, read side: Maildir (as Dovecot keeps it on the mail server) and mbox
//! (single files or mail clients' local-folder trees), scanned into model values.
//!
//! Each format has a module of its own that owns its layout (folder discovery and names),
//! a streaming per-message iterator for later commands, and a `scan` into
//! [`FolderUsage`]; this module holds what they share: the entry point for `usage`, error
//! wording and folder-tree fix-ups. Writers (archives) can sit beside the readers as
//! further modules using the same layout functions.
//!
//! Scans are blocking file I/O: [`usage`] runs them on tokio's blocking pool.

pub mod archive;
pub mod attachments;
pub mod bounces;
pub mod date;
pub mod maildir;
pub mod mbox;

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use anyhow::Context;

use crate::error;
use crate::model::{FolderUsage, QuotaInfo, QuotaRoot, SizeMethod, UsageReport};

/// Which local format a `maildir:` or `mbox:` source names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    Maildir,
    Mbox,
}

/// What a scan found: folders, a quota where the store keeps one, and notes for the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    pub folders: Vec<FolderUsage>,
    /// Maildir++ `maildirsize` quota, when the store has one.
    pub quota: Option<QuotaRoot>,
    /// Plain-language notes: how sizes were measured, folders that vanished, etc.
    pub notes: Vec<String>,
}

/// Runs a scan of a local store on tokio's blocking pool: it reads files, which must not
/// hold up the runtime.
pub async fn scan_off_runtime<T: Send + 'static>(
    scan: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(scan).await.context("the local store scan stopped unexpectedly")?
}

/// The `usage` report of a local store.
pub async fn usage(kind: LocalKind, root: &Path, source_label: String) -> anyhow::Result<UsageReport> {
    let root = root.to_path_buf();
    let scan = scan_off_runtime(move || {
        Ok(match kind {
            LocalKind::Maildir => maildir::scan(&root)?,
            LocalKind::Mbox => mbox::scan(&root)?,
        })
    })
    .await?;
    Ok(report(scan, source_label))
}

fn report(scan: Scan, source: String) -> UsageReport {
    let quota = match scan.quota {
        Some(root) => QuotaInfo::Reported { roots: vec![root] },
        None => QuotaInfo::NotReported { reason: "local store: no quota".into() },
    };
    UsageReport {
        source,
        account: None,
        size_method: SizeMethod::Files,
        folders: scan.folders,
        quota,
        notes: scan.notes,
    }
}

/// Folders of a Maildir (INBOX and its Maildir++ / `LAYOUT=fs` subfolders).
pub fn scan_maildir(root: &Path) -> anyhow::Result<Vec<FolderUsage>> {
    maildir::scan(root).map(|s| s.folders)
}

/// Folders of an mbox file or an mbox tree.
pub fn scan_mbox(root: &Path) -> anyhow::Result<Vec<FolderUsage>> {
    mbox::scan(root).map(|s| s.folders)
}

/// `cannot <action> "<path>": <reason>`, with a hint when permissions are the problem.
/// Always a failure (exit 2): the store exists but could not be read.
pub(crate) fn io_failure(action: &str, path: &Path, err: &io::Error) -> anyhow::Error {
    let message = format!("cannot {action} \"{}\": {}", path.display(), io_reason(err));
    if err.kind() == io::ErrorKind::PermissionDenied {
        error::failure_hint(
            message,
            "run mailsweep as a user who can read the store (on a mail server: the mail user, e.g. `sudo -u vmail mailsweep ...`)",
        )
    } else {
        anyhow::anyhow!(message)
    }
}

/// The OS's wording without the " (os error 13)" tail.
pub(crate) fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

/// Adds a not-selectable entry for each parent that has children but no folder of its own
/// ("Archives" when only "Archives/2021" exists), so trees render whole, as IMAP lists them.
/// `raw_name` spells a parent's decoded name the way the store would.
pub(crate) fn add_missing_parents(folders: &mut Vec<FolderUsage>, raw_name: impl Fn(&str) -> String) {
    let names: BTreeSet<String> = folders.iter().map(|f| f.name.clone()).collect();
    let mut missing = BTreeSet::new();
    for name in &names {
        let mut end = 0;
        while let Some(i) = name[end..].find('/') {
            let parent = &name[..end + i];
            if !names.contains(parent) {
                missing.insert(parent.to_string());
            }
            end += i + 1;
        }
    }
    for name in missing {
        let raw = raw_name(&name);
        let mut f = FolderUsage::new(name, raw);
        f.noselect = true;
        f.unseen = Some(0);
        folders.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_failures_name_the_path_and_hint_at_permissions() {
        let err = io::Error::from_raw_os_error(13);
        let e = io_failure("read mbox", Path::new("Local Folders/Archives.sbd/2021"), &err);
        assert_eq!(error::one_line(&e), "cannot read mbox \"Local Folders/Archives.sbd/2021\": Permission denied");
        assert_eq!(error::hints(&e).len(), 1);
        assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Critical);
    }

    #[test]
    fn parents_are_added_once_and_not_selectable() {
        let mut folders = vec![FolderUsage::new("A/B/C", ".A.B.C"), FolderUsage::new("A/D", ".A.D")];
        add_missing_parents(&mut folders, |n| format!(".{}", n.replace('/', ".")));
        let names: Vec<_> = folders.iter().map(|f| (f.name.as_str(), f.raw_name.as_str(), f.noselect)).collect();
        assert_eq!(
            names,
            [("A/B/C", ".A.B.C", false), ("A/D", ".A.D", false), ("A", ".A", true), ("A/B", ".A.B", true)]
        );
    }

    #[tokio::test]
    async fn usage_reports_files_and_no_quota() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inbox");
        std::fs::write(&path, "From a@b Mon Jan  2 15:04:05 2006\nSubject: x\n\nhi\n").unwrap();
        let r = usage(LocalKind::Mbox, &path, "mbox:inbox".into()).await.unwrap();
        assert_eq!(r.size_method, SizeMethod::Files);
        assert_eq!(r.source, "mbox:inbox");
        assert_eq!(r.quota, QuotaInfo::NotReported { reason: "local store: no quota".into() });
        assert_eq!(r.total_messages(), 1);
    }
}
