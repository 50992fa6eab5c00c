//! Who removes mail from INBOX, seen from the mailbox itself (`deleters watch` and
//! `deleters snapshot`), where `deleters logs` reads the server's logs instead.
//!
//! - [`evidence`]: pure; what one observer knows about each message and each removal, and
//!   the bridge that turns removals into [`crate::model::verdict`] timelines and verdicts.
//! - [`diff`]: pure; compares two snapshots of INBOX (UIDs, UIDVALIDITY, UIDL, Message-IDs).
//! - [`live`]: pure; the watcher's memory of INBOX (UIDs, sequence numbers, flags) that
//!   turns IMAP changes into arrivals, flag changes and removals.
//! - [`state`]: the snapshot state file under `$XDG_STATE_HOME` (versioned, written
//!   atomically, one per account).

pub mod diff;
pub mod evidence;
pub mod live;
pub mod state;
