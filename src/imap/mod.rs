//! The IMAP adapter: converts between async-imap's wire types (plus our own raw
//! exchanges for what it cannot parse) and the model. Nothing outside this module sees
//! an IMAP response.

pub mod archive;
mod attachments;
mod batch;
mod bounces;
mod probe;
pub mod session;
mod usage;
pub mod watch;
pub mod wire;

pub use attachments::{attachments, attachments_keeping};
pub use bounces::bounces;
pub use probe::probe;
pub use usage::{Route, UsageOptions, usage};
