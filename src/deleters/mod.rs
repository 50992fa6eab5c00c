//! Who removes mail from INBOX (and from Trash and Junk), seen from the mailbox itself (`deleters watch` and
//! `deleters snapshot`), where `deleters logs` reads the server's logs instead.
//!
//! - [`evidence`]: pure; what one observer knows about each message and each removal, and
//!   the bridge that turns removals into [`crate::model::verdict`] timelines and verdicts.
//! - [`diff`]: pure; compares two snapshots of INBOX (UIDs, UIDVALIDITY, UIDL, Message-IDs).
//! - [`expiry`]: pure; the Trash and Junk folders' messages between two looks, what left
//!   them read as an expiry at a fixed age (with the age) or as someone emptying them.
//! - [`live`]: pure; the watcher's memory of INBOX (UIDs, sequence numbers, flags) that
//!   turns IMAP changes into arrivals, flag changes and removals.
//! - [`state`]: the snapshot state file under `$XDG_STATE_HOME` (versioned, written
//!   atomically, one per account).

pub mod diff;
pub mod evidence;
pub mod expiry;
pub mod live;
pub mod state;
