//! mailsweep: mailbox hygiene and quota auditing for IMAP, POP3, Maildir and mbox.
//!
//! The architecture in a few lines (dependencies point downwards only):
//! - [`cli`] parses arguments; [`commands`] runs one subcommand each (thin orchestration).
//! - [`config`] and [`secret`] say which accounts exist and where their secrets come from;
//!   [`sasl`] builds the login messages that carry them, for IMAP and POP3 alike.
//! - [`source`] opens any source (server or local store) and turns it into model values.
//! - [`imap`], [`pop`], [`net`] are the protocol adapters; [`store`] reads local Maildir/mbox.
//! - [`logs`] reads Dovecot server logs (plain, gzip, stdin) into per-client session timelines.
//! - [`deleters`] judges removals seen from the mailbox itself (watch, snapshots) and keeps snapshot state.
//! - [`report`] renders model values as tables, JSON or monitoring formats into any `io::Write`.
//! - [`model`] is the pure domain (sizes, quota, folders, verdicts): no I/O, no async.
//! - [`error`] and [`exit`] classify failures once, for the entry point.

// The docs are read with the private items (`cargo doc --document-private-items`, as CI
// builds them): a link from a public item to a private one is a link a reader can follow.
#![allow(rustdoc::private_intra_doc_links)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod deleters;
pub mod error;
pub mod exit;
pub mod imap;
pub mod logs;
pub mod model;
pub mod net;
pub mod pop;
pub mod report;
pub mod sasl;
pub mod secret;
pub mod source;
pub mod store;
