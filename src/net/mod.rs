//! Network plumbing shared by the IMAP and POP3 adapters: TCP connect, TLS, deadlines.
//!
//! Every await on the network goes through [`deadline`], so a stalled server turns into
//! a clear "timed out after 30s while ..." error instead of a hung cron job.

pub mod tls;

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

pub use tls::TlsSettings;

use crate::error;

/// Awaits `fut`, failing with "timed out after Ns while {what}" past `limit`.
pub async fn deadline<T, E>(
    limit: Duration,
    what: impl FnOnce() -> String,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T>
where
    E: Into<anyhow::Error>,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(error::failure_hint(
            format!("timed out after {} while {}", human_duration(limit), what()),
            "the server stopped answering; check it, or raise --timeout",
        )),
    }
}

pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{:.1}s", d.as_secs_f64()) }
}

/// Opens a TCP connection, explaining the usual failures in plain words.
pub async fn connect_tcp(host: &str, port: u16, limit: Duration) -> Result<TcpStream> {
    let what = || format!("connecting to {host}:{port}");
    let addrs: Vec<_> = match tokio::time::timeout(limit, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(_)) => {
            return Err(error::failure_hint(
                format!("cannot resolve host name \"{host}\""),
                "check the spelling of the host, or the machine's DNS",
            ));
        }
        Err(_) => {
            return Err(error::failure_hint(
                format!("timed out after {} while resolving \"{host}\"", human_duration(limit)),
                "the machine's DNS does not answer; check it, or raise --timeout",
            ));
        }
    };
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                s.set_nodelay(true).ok();
                return Ok(s);
            }
            Ok(Err(e)) => last = Some(e),
            Err(_) => {
                return Err(error::failure_hint(
                    format!("timed out after {} while {}", human_duration(limit), what()),
                    "a firewall may drop the connection; check the host and port, or raise --timeout",
                ));
            }
        }
    }
    let e = last.with_context(|| format!("host name \"{host}\" has no address"))?;
    Err(match e.kind() {
        std::io::ErrorKind::ConnectionRefused => error::failure_hint(
            format!("connection to {host}:{port} refused"),
            "nothing listens on that port: check the port number and that the mail service runs",
        ),
        _ => anyhow::Error::new(e).context(format!("cannot connect to {host}:{port}")),
    })
}

/// A connection that is either plain TCP or TLS over TCP, so that one session type
/// serves implicit TLS, STARTTLS and (opt-in) plaintext.
#[derive(Debug)]
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Settings every server connection needs.
#[derive(Debug, Clone)]
pub struct NetSettings {
    /// Limit for each network operation (connect, handshake, one command's answer).
    pub timeout: Duration,
    pub tls: TlsSettings,
}
