//! POP3 adapter: a small RFC 1939 client (with RFC 2449 CAPA, RFC 2595 STLS, RFC 5034
//! SASL) on tokio, and the `probe` and `usage` operations that turn its answers into
//! model values.
//!
//! - [`response`]: pure parsing of what the server sends, and the streaming dot-unstuffer;
//! - [`auth`]: pure login planning and the SASL / APOP encodings;
//! - [`client`]: the session (I/O, deadlines, TLS upgrade, commands);
//! - [`ops`]: `probe` and `usage`;
//! - [`snapshot`]: INBOX by UIDL for `deleters snapshot`.
//!
//! Protocol edge cases handled:
//! - status indicators are matched case-insensitively and must end the word (`+OKAY` is
//!   not `+OK`); RFC 2449 / 3206 response codes (`[AUTH]`, `[IN-USE]`,
//!   `[LOGIN-DELAY]`, `[SYS/TEMP]`, `[SYS/PERM]`) are parsed and turned into hints;
//! - server text is made printable (lossy UTF-8, control characters replaced) before it
//!   reaches an error or a report;
//! - lines end in CRLF or a bare LF; lines over 64 KiB are refused, so garbage cannot
//!   exhaust memory;
//! - message bodies are unstuffed as they stream (`..` at a line start, `.x` per RFC
//!   1939, `.` CRLF or `.` LF as terminator, chunk boundaries anywhere, lines of any
//!   length); memory stays flat for any message size;
//! - EOF, resets and timeouts mid-answer are errors naming the server and the step;
//!   afterwards the session refuses further commands instead of reading a stale answer;
//! - bytes the server sends unasked (before a command, or in clear after `+OK` to STLS,
//!   the STARTTLS injection) stop the session;
//! - servers without CAPA (`-ERR`) give an empty capability list; capabilities sent
//!   before STLS are discarded and read again over TLS;
//! - SASL: `+` continuations, initial responses sent inline only when the command fits
//!   in 255 octets (else after the first challenge), `=` for an empty one, `*` to
//!   cancel an unexpected challenge, OAuth error challenges answered as XOAUTH2 and
//!   OAUTHBEARER require, their error text reported;
//! - command arguments with CR, LF or NUL are refused (no command smuggling through a
//!   login name); secrets appear only in the bytes sent to the server.
//!
//! Deletions take effect only when `QUIT` is answered `+OK`: see [`Pop3Client::quit`].

pub mod archive;
pub mod attachments;
pub mod auth;
pub mod bounces;
pub mod client;
#[cfg(test)]
mod fake;
pub mod ops;
pub mod response;
pub mod snapshot;

pub use client::{ConnectInfo, Pop3Client};
pub use ops::{probe, usage};
