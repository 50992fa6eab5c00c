//! `bounces` over POP3. POP3 cannot search nor show a message's parts: the candidates are
//! the messages whose headers (`TOP n 0`) pass the same rules as everywhere else
//! ([`Headers::candidate`]) and whose `Date:` is in the period. By default they are only
//! listed (in the notes), since classifying needs the report itself; with
//! `--download-candidates` those messages only are retrieved, one at a time, at most
//! [`DOWNLOAD_CAP`] each, and read like local mail. Nothing is ever deleted: the session
//! ends with a plain `QUIT`.

use std::pin::Pin;
use std::task::{Context, Poll};

use anyhow::{Context as _, Result};
use tokio::io::AsyncWrite;

use super::client::Pop3Client;
use crate::model::ServerSpec;
use crate::model::bounce::{Bounce, BouncesReport, Headers, Scope};
use crate::model::mime::report::Locator;
use crate::net::NetSettings;
use crate::secret::Credentials;

/// The only folder POP3 shows.
const INBOX: &str = "INBOX";

/// The most of one candidate kept in memory. Bounces are small (a report and the returned
/// headers); one returning a big attachment is read from its first MiB, which holds the
/// report, and marked incomplete.
pub const DOWNLOAD_CAP: usize = 1024 * 1024;

pub async fn bounces(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    allow_plaintext: bool,
    scope: &Scope,
    download: bool,
    source: String,
) -> Result<BouncesReport> {
    let mut report = BouncesReport::new(source.clone(), scope);
    report.notes.push("POP3 sees only INBOX, and the period applies to the Date: header".into());
    let (mut client, _) =
        Pop3Client::connect(spec, net, allow_plaintext).await.with_context(|| format!("cannot connect to {source}"))?;
    client.login(creds).await?;
    let sizes = client.list().await?;
    let mut candidates = Vec::new();
    for &(n, size) in &sizes {
        let head = client.top(n, 0).await?;
        let headers = Headers::parse(&head);
        if !scope.keeps_date(None, headers.date) || headers.candidate().is_none() {
            continue;
        }
        candidates.push((n, size, headers));
    }
    // UIDs make the report actionable across sessions; a server without UIDL still works.
    let uidls = if candidates.is_empty() { Vec::new() } else { client.uidl().await.unwrap_or_default() };
    report.candidates = candidates.len() as u64;
    let mut listed = Vec::new();
    for (n, size, headers) in candidates {
        let uidl = uidls.iter().find(|(m, _)| *m == n).map(|(_, u)| u.clone());
        if !download {
            listed.push(describe(n, uidl.as_deref(), size, &headers));
            continue;
        }
        let mut raw = Capped::default();
        client.retr_to(n, &mut raw).await?;
        let Some(mut message) = crate::store::bounces::inspect(&raw.kept) else { continue };
        if raw.cut {
            message.complete = false;
        }
        report.bounces.push(Bounce {
            folder: INBOX.into(),
            locator: Locator::Pop { number: n, uidl },
            arrival: None,
            size,
            message,
        });
    }
    // Nothing was changed in this session; a failed QUIT loses nothing.
    let _ = client.quit().await;
    if download {
        report.notes.push(format!(
            "downloaded the {} candidate(s) only, at most {} KiB each",
            report.candidates,
            DOWNLOAD_CAP / 1024
        ));
    } else if !listed.is_empty() {
        report.notes.push(format!(
            "POP3 cannot search nor show a report's parts: these {} message(s) look like bounces by their headers, \
             but classifying them needs --download-candidates (downloads these messages only) or the IMAP address",
            listed.len()
        ));
        report.notes.extend(listed);
    }
    report.sort();
    Ok(report)
}

/// A candidate in one line: where, when, from whom, what.
fn describe(n: u32, uidl: Option<&str>, size: u64, h: &Headers) -> String {
    let at = match uidl {
        Some(u) => format!("message {n} (UIDL {u})"),
        None => format!("message {n}"),
    };
    let date = h.date.map_or_else(|| "undated".to_string(), |d| d.strftime("%Y-%m-%d").to_string());
    let mut line = format!(
        "candidate: {at}, {date}, {size} bytes, from {}, subject \"{}\"",
        h.from.as_deref().unwrap_or("(none)"),
        h.subject.as_deref().unwrap_or("")
    );
    if !h.failed_recipients.is_empty() {
        line.push_str(&format!(", X-Failed-Recipients: {}", h.failed_recipients.join(", ")));
    }
    line
}

/// Keeps the first [`DOWNLOAD_CAP`] bytes written and drops the rest, so the session
/// reads the whole answer and stays usable.
#[derive(Default)]
struct Capped {
    kept: Vec<u8>,
    cut: bool,
}

impl AsyncWrite for Capped {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let room = DOWNLOAD_CAP.saturating_sub(self.kept.len());
        if buf.len() > room {
            self.cut = true;
        }
        self.kept.extend_from_slice(&buf[..buf.len().min(room)]);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn the_download_is_capped_and_says_so() {
        let mut c = Capped::default();
        c.write_all(&vec![b'a'; DOWNLOAD_CAP - 1]).await.unwrap();
        assert!(!c.cut);
        c.write_all(b"bc").await.unwrap();
        assert!(c.cut);
        assert_eq!(c.kept.len(), DOWNLOAD_CAP);
    }

    #[test]
    fn a_candidate_is_described_with_its_headers() {
        let h = Headers::parse(
            b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\nDate: Mon, 03 Mar 2025 10:00:00 +0000\r\nX-Failed-Recipients: a@b.example\r\n\r\n",
        );
        assert_eq!(
            describe(3, Some("00000003"), 2571, &h),
            "candidate: message 3 (UIDL 00000003), 2025-03-03, 2571 bytes, from MAILER-DAEMON@mx.example, \
             subject \"Undelivered Mail\", X-Failed-Recipients: a@b.example"
        );
    }
}
