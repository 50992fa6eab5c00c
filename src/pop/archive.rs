//! `archive` over POP3: INBOX by UIDL (the only stable name a POP3 message has), dates
//! from the headers (`TOP n 0`: the newest `Received:` field, else `Date:`), streamed
//! `RETR`, and `DELE` of exactly the archived messages. Nothing leaves the server before
//! `QUIT` is answered `+OK`: a session that ends any other way deleted nothing.
//!
//! POP3 has no flags and no folders: every message counts as read and unflagged, and the
//! folder is always `INBOX`. Message numbers hold for one session only; callers address
//! messages by UIDL and this adapter turns a UIDL into the session's number.

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use anyhow::{Context, Result};
use jiff::Timestamp;
use tokio::io::AsyncWrite;

use super::client::Pop3Client;
use crate::model::ServerSpec;
use crate::model::archive::{Candidate, Criteria, Flags};
use crate::model::mime::header;
use crate::net::NetSettings;
use crate::secret::Credentials;

/// One message of the maildrop as this session numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub msgno: u32,
    pub uidl: String,
    /// The LIST size (octets with CRLF line endings, as RETR sends them).
    pub size: u64,
}

/// What a `RETR` learned besides the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retrieved {
    /// The LIST size.
    pub size: u64,
    /// Bytes received after unstuffing (to compare with `size`).
    pub bytes: u64,
}

/// A logged-in POP3 session used by `archive`.
pub struct PopArchiveSession {
    client: Pop3Client,
    by_uidl: HashMap<String, Listed>,
    listed: Vec<Listed>,
}

impl PopArchiveSession {
    /// Connects, logs in and lists the maildrop (LIST and UIDL).
    pub async fn open(
        spec: &ServerSpec,
        net: &NetSettings,
        creds: &Credentials,
        allow_plaintext: bool,
        source: &str,
    ) -> Result<PopArchiveSession> {
        let (mut client, _) = Pop3Client::connect(spec, net, allow_plaintext)
            .await
            .with_context(|| format!("cannot connect to {source}"))?;
        client.login(creds).await?;
        let sizes: HashMap<u32, u64> = client.list().await?.into_iter().collect();
        let uidls = client.uidl().await.map_err(|e| {
            crate::error::failure_hint(
                crate::error::one_line(&e),
                "archive needs UIDL to recognise messages between runs; this server cannot be archived over POP3, use IMAP",
            )
        })?;
        // RFC 1939 makes UIDLs unique; a server that repeats one cannot be archived
        // safely for those messages, so none of them is taken.
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (_, uidl) in &uidls {
            *seen.entry(uidl.as_str()).or_default() += 1;
        }
        let mut listed = Vec::with_capacity(uidls.len());
        for (msgno, uidl) in &uidls {
            if let Some(&size) = sizes.get(msgno)
                && seen[uidl.as_str()] == 1
            {
                listed.push(Listed { msgno: *msgno, uidl: uidl.clone(), size });
            }
        }
        let by_uidl = listed.iter().map(|l| (l.uidl.clone(), l.clone())).collect();
        Ok(PopArchiveSession { client, by_uidl, listed })
    }

    /// Every message of the maildrop, in the server's order.
    pub fn listed(&self) -> &[Listed] {
        &self.listed
    }

    /// Whether the maildrop (as listed at login) holds this UIDL.
    pub fn holds(&self, uidl: &str) -> bool {
        self.by_uidl.contains_key(uidl)
    }

    /// The messages `criteria` selects, oldest first; UIDLs for which `skip` is true are
    /// left out without reading their headers (a rerun costs no TOP for archived mail).
    /// POP3 has no flags: every message is taken as read and unflagged.
    pub async fn candidates(&mut self, criteria: &Criteria, skip: impl Fn(&str) -> bool) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        for l in self.listed.clone() {
            if skip(&l.uidl) || criteria.larger_than.is_some_and(|min| l.size <= min) {
                continue;
            }
            let head = self.client.top(l.msgno, 0).await?;
            let (received, sent) = dates(&head);
            let c = Candidate {
                id: l.uidl.clone(),
                size: l.size,
                received: received.or(sent),
                sent,
                flags: Flags { seen: true, ..Flags::default() },
                big_attachment: false,
            };
            if criteria.selects(&c) {
                out.push(c);
            }
        }
        out.sort_by_key(|c| criteria.date_of(c));
        Ok(out)
    }

    /// Streams one message into `sink` (RETR, unstuffed, 64 KiB at a time). `None` when
    /// the UIDL is not in this session's listing.
    pub async fn retr(&mut self, uidl: &str, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<Option<Retrieved>> {
        let Some(l) = self.by_uidl.get(uidl).cloned() else { return Ok(None) };
        let mut w = SinkWriter { sink, failed: None, held: Vec::with_capacity(4) };
        let bytes = match self.client.retr_to(l.msgno, &mut w).await {
            Ok(bytes) => bytes,
            // The sink's own error (a full disk, with its hint) rather than the wrapper.
            Err(e) => return Err(w.failed.take().unwrap_or(e)),
        };
        // A message that does not end in CRLF gets one from the server before the
        // terminating dot (RFC 1939 framing); LIST counts the message without it.
        if bytes == l.size + 2 && w.held == b"\r\n" {
            return Ok(Some(Retrieved { size: l.size, bytes: l.size }));
        }
        (w.sink)(&w.held)?;
        Ok(Some(Retrieved { size: l.size, bytes }))
    }

    /// Marks exactly these messages for deletion (`DELE`); nothing is removed before
    /// [`commit`](Self::commit).
    pub async fn dele(&mut self, uidls: &[String]) -> Result<()> {
        for uidl in uidls {
            let Some(l) = self.by_uidl.get(uidl) else { continue };
            let msgno = l.msgno;
            self.client.dele(msgno).await?;
        }
        Ok(())
    }

    /// `QUIT`: commits the deletions. An error means some or all marked messages may
    /// still be on the server.
    pub async fn commit(self) -> Result<()> {
        self.client.quit().await
    }
}

/// The arrival date (the newest `Received:` field, the first one in the header, added by
/// the last hop) and the `Date:` of a header block.
pub fn dates(head: &[u8]) -> (Option<Timestamp>, Option<Timestamp>) {
    let fields = header::fields(head);
    let received = header::field(&fields, "received")
        .and_then(|v| v.iter().rposition(|&b| b == b';').map(|i| &v[i + 1..]))
        .and_then(header::date);
    let sent = header::field(&fields, "date").and_then(header::date);
    (received, sent)
}

/// Hands RETR's chunks to a synchronous sink, holding back the last two bytes (they may
/// be the framing CRLF the server added); keeps the sink's error for the caller.
struct SinkWriter<'a> {
    sink: &'a mut dyn FnMut(&[u8]) -> Result<()>,
    failed: Option<anyhow::Error>,
    held: Vec<u8>,
}

impl SinkWriter<'_> {
    fn pass(&mut self, buf: &[u8]) -> Result<()> {
        if buf.len() >= 2 {
            if !self.held.is_empty() {
                (self.sink)(&self.held)?;
            }
            (self.sink)(&buf[..buf.len() - 2])?;
            self.held.clear();
            self.held.extend_from_slice(&buf[buf.len() - 2..]);
        } else {
            self.held.extend_from_slice(buf);
            if self.held.len() > 2 {
                let n = self.held.len() - 2;
                (self.sink)(&self.held[..n])?;
                self.held.drain(..n);
            }
        }
        Ok(())
    }
}

impl AsyncWrite for SinkWriter<'_> {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match this.pass(buf) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(e) => {
                let io = std::io::Error::other(crate::error::one_line(&e));
                this.failed = Some(e);
                Poll::Ready(Err(io))
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_received_field_dates_a_message_else_its_date() {
        let head = b"Received: from b by c; Tue, 02 Jan 2024 10:00:00 +0000\r\n\
Received: from a by b; Mon, 01 Jan 2024 09:00:00 +0000\r\n\
Date: Sun, 31 Dec 2023 08:00:00 +0000\r\n\r\n";
        let (received, sent) = dates(head);
        assert_eq!(received, Some("2024-01-02T10:00:00Z".parse().unwrap()));
        assert_eq!(sent, Some("2023-12-31T08:00:00Z".parse().unwrap()));
        assert_eq!(dates(b"Date: Sun, 31 Dec 2023 08:00:00 +0000\r\n\r\n").0, None);
    }
}
