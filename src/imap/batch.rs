//! The steps of a folder scan that reads without downloading: [`examine_for_scan`] (a
//! folder gone since LIST is a note, not an error), one [`uid_search`] giving the UIDs as
//! ranges, [`batches`] cutting them into sequence sets of bounded size (never expanding a
//! range), and one [`uid_fetch`] per set, so memory stays flat whatever the folder size.
//! Used by `attachments` and `bounces`; `archive` and `watch` use [`batches`].

use std::ops::RangeInclusive;

use anyhow::Result;

use super::session::{Found, Session};
use super::wire::{self, RawResponse};

/// Cuts UID ranges into sequence sets of at most `max` UIDs each, without expanding them.
pub fn batches(ranges: &[std::ops::RangeInclusive<u64>], max: u64) -> Vec<String> {
    let mut out = Vec::new();
    let (mut parts, mut count) = (Vec::new(), 0u64);
    for r in ranges {
        let (mut start, end) = (*r.start(), *r.end());
        while start <= end {
            let take = (end - start).saturating_add(1).min(max - count);
            let last = start + (take - 1);
            parts.push(if take == 1 { start.to_string() } else { format!("{start}:{last}") });
            count += take;
            if count == max {
                out.push(parts.join(","));
                (parts, count) = (Vec::new(), 0);
            }
            match last.checked_add(1) {
                Some(next) => start = next,
                None => break,
            }
        }
    }
    if !parts.is_empty() {
        out.push(parts.join(","));
    }
    out
}

/// EXAMINEs a folder to scan it: `None` when it is empty, or when it vanished since LIST
/// (then a note in `notes` says so and the folder is left out).
pub async fn examine_for_scan(
    session: &mut Session,
    raw: &str,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<Option<async_imap::types::Mailbox>> {
    match session.examine(raw).await? {
        Found::Yes(m) if m.exists == 0 => Ok(None),
        Found::Yes(m) => Ok(Some(m)),
        Found::Vanished(why) => {
            notes.push(format!("folder \"{name}\" vanished during the scan ({}); it is left out", why.trim()));
            Ok(None)
        }
    }
}

/// Sends a `UID SEARCH ...` (`command`, as sent) and returns the UIDs found as ranges;
/// a refusal is an error naming `what` was asked.
pub async fn uid_search(session: &mut Session, command: &str, what: &str) -> Result<Vec<RangeInclusive<u64>>> {
    let r = session.raw(command).await?;
    if !r.status.is_ok() {
        anyhow::bail!("{what} refused: {}", r.status);
    }
    Ok(r.untagged.iter().filter_map(|u| wire::parse_search(u)).flat_map(|s| s.ranges).collect())
}

/// One `UID FETCH <set> <items>` of a batch; a refusal is an error.
pub async fn uid_fetch(session: &mut Session, set: &str, items: &str) -> Result<RawResponse> {
    let r = session.raw(&format!("UID FETCH {set} {items}")).await?;
    if !r.status.is_ok() {
        anyhow::bail!("UID FETCH refused: {}", r.status);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_batches_never_expand_ranges() {
        assert_eq!(batches(&[1..=3, 7..=7], 500), ["1:3,7"]);
        assert_eq!(batches(&[1..=5, 9..=9, 10..=12], 3), ["1:3", "4:5,9", "10:12"]);
        assert_eq!(batches(&[1..=4_000_000_000], 2_000_000_000).len(), 2);
        assert!(batches(&[], 500).is_empty());
        assert_eq!(batches(&[u64::MAX..=u64::MAX], 500), [u64::MAX.to_string()]);
    }
}
