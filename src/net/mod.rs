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
    Tls(Box<tokio_rustls::client::TlsStream<BufferedTcp>>),
    /// One of the above, read ahead by a task (see [`ReadAhead`]).
    Ahead(Box<ReadAhead>),
}

impl Stream {
    pub fn is_tls(&self) -> bool {
        match self {
            Stream::Plain(_) => false,
            Stream::Tls(_) => true,
            Stream::Ahead(a) => a.tls,
        }
    }

    /// This stream, read ahead from now on (a stream already read ahead stays as it is).
    pub fn read_ahead(self) -> Stream {
        match self {
            Stream::Ahead(_) => self,
            other => Stream::Ahead(Box::new(ReadAhead::new(other))),
        }
    }
}

/// Bytes a [`BufferedTcp`] takes from the socket at most at once.
const TCP_READ: usize = 256 * 1024;

/// A TCP connection read through a buffer, under TLS: rustls asks for at most 4 KiB per
/// read, which made one `recvfrom` per 4 KiB of mail (a third of a million system calls
/// for 1.4 GB over POP3). Here one read takes what the socket holds, up to
/// [`TCP_READ`], and rustls's small reads are served from memory. Writes go straight
/// through (commands and TLS records are written whole).
#[derive(Debug)]
pub struct BufferedTcp {
    tcp: TcpStream,
    buf: Box<[u8]>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl BufferedTcp {
    pub fn new(tcp: TcpStream) -> BufferedTcp {
        BufferedTcp { tcp, buf: vec![0u8; TCP_READ].into_boxed_slice(), start: 0, end: 0 }
    }

    pub fn get_ref(&self) -> &TcpStream {
        &self.tcp
    }
}

impl AsyncRead for BufferedTcp {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        if me.start == me.end {
            if out.remaining() >= me.buf.len() {
                // A large read gains nothing from the buffer.
                return Pin::new(&mut me.tcp).poll_read(cx, out);
            }
            let mut into = ReadBuf::new(&mut me.buf);
            std::task::ready!(Pin::new(&mut me.tcp).poll_read(cx, &mut into))?;
            (me.start, me.end) = (0, into.filled().len());
        }
        let n = out.remaining().min(me.end - me.start);
        out.put_slice(&me.buf[me.start..me.start + n]);
        me.start += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for BufferedTcp {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

/// Bytes a [`ReadAhead`] task reads at most at once, and how many such chunks it may hold
/// unread (at most 8 MiB).
const AHEAD_CHUNK: usize = 64 * 1024;
const AHEAD_CHUNKS: usize = 128;

/// A stream whose incoming bytes a task keeps reading into a bounded queue while the
/// caller is busy elsewhere: while a batch of archived messages is flushed and read back,
/// the answers to the commands already pipelined keep arriving instead of stalling the
/// server on a full socket buffer. Memory is bounded by the queue; a server that stalls
/// still meets the caller's deadline (nothing arrives in the queue); an error or the end
/// of the stream reaches the caller in order, after the bytes before it.
pub struct ReadAhead {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
    write: tokio::io::WriteHalf<Stream>,
    task: tokio::task::JoinHandle<()>,
    tls: bool,
}

impl ReadAhead {
    fn new(stream: Stream) -> ReadAhead {
        use tokio::io::AsyncReadExt;
        let tls = stream.is_tls();
        let (mut read, write) = tokio::io::split(stream);
        let (tx, rx) = tokio::sync::mpsc::channel(AHEAD_CHUNKS);
        let task = tokio::spawn(async move {
            // Each read lands in a fresh buffer that is queued as it is: no zeroing of
            // unused bytes, no copy (a chunk holds at most AHEAD_CHUNK bytes of memory).
            // A chunk takes whatever has already arrived, up to its size, before it is
            // queued: the TLS layer gives one record (16 KiB at most) per read, and
            // every chunk queued may wake the caller's thread.
            loop {
                let mut buf = Vec::with_capacity(AHEAD_CHUNK);
                // After the bytes read: Some(None) the end of the stream (it reaches the
                // caller as the channel's end), Some(Some(e)) an error.
                let mut end: Option<Option<std::io::Error>> = None;
                match read.read_buf(&mut buf).await {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) => end = Some(Some(e)),
                }
                while end.is_none() && buf.len() < buf.capacity() {
                    match futures::FutureExt::now_or_never(read.read_buf(&mut buf)) {
                        Some(Ok(0)) => end = Some(None),
                        Some(Ok(_)) => {}
                        Some(Err(e)) => end = Some(Some(e)),
                        None => break,
                    }
                }
                if !buf.is_empty() && tx.send(Ok(buf)).await.is_err() {
                    return;
                }
                match end {
                    None => {}
                    Some(None) => return,
                    Some(Some(e)) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
        });
        ReadAhead { rx, chunk: Vec::new(), pos: 0, write, task, tls }
    }
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead").field("tls", &self.tls).finish_non_exhaustive()
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl AsyncRead for ReadAhead {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        loop {
            if me.pos < me.chunk.len() {
                let n = buf.remaining().min(me.chunk.len() - me.pos);
                buf.put_slice(&me.chunk[me.pos..me.pos + n]);
                me.pos += n;
                return Poll::Ready(Ok(()));
            }
            match me.rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(chunk))) => (me.chunk, me.pos) = (chunk, 0),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Ahead(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Ahead(s) => Pin::new(&mut s.write).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Ahead(s) => Pin::new(&mut s.write).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Ahead(s) => Pin::new(&mut s.write).poll_shutdown(cx),
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn pair() -> (Stream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(listener.local_addr().unwrap()), listener.accept());
        (Stream::Plain(client.unwrap()), accepted.unwrap().0)
    }

    #[tokio::test]
    async fn buffered_tcp_serves_small_reads_from_one_socket_read_and_writes_through() {
        let (client, mut server) = pair().await;
        let Stream::Plain(tcp) = client else { unreachable!() };
        let mut client = BufferedTcp::new(tcp);
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            server.write_all(&sent).await.unwrap();
            let mut question = [0u8; 4];
            server.read_exact(&mut question).await.unwrap();
            assert_eq!(&question, b"QUIT");
        });
        // Reads of odd small sizes (as rustls makes them) and one larger than the buffer.
        let mut got = Vec::new();
        let mut small = [0u8; 4093];
        while got.len() < 600_000 {
            let n = client.read(&mut small).await.unwrap();
            got.extend_from_slice(&small[..n]);
        }
        let mut big = vec![0u8; TCP_READ + 1];
        while got.len() < data.len() {
            let n = client.read(&mut big).await.unwrap();
            got.extend_from_slice(&big[..n]);
        }
        assert!(got == data, "every byte, in order");
        client.write_all(b"QUIT").await.unwrap();
        writer.await.unwrap();
    }

    #[tokio::test]
    async fn read_ahead_drains_the_socket_while_the_caller_is_busy_and_keeps_the_order() {
        let (client, mut server) = pair().await;
        let mut client = client.read_ahead();
        assert!(!client.is_tls());
        // More than the socket buffers hold, less than the queue: the server can send it
        // all while the caller reads nothing only because the task takes it.
        let data: Vec<u8> = (0..7_000_000u32).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let (done, written) = tokio::sync::oneshot::channel();
        let writer = tokio::spawn(async move {
            server.write_all(&sent).await.unwrap();
            done.send(()).unwrap();
            let mut question = [0u8; 4];
            server.read_exact(&mut question).await.unwrap();
            assert_eq!(&question, b"QUIT");
        });
        tokio::time::timeout(Duration::from_secs(10), written).await.expect("the task read ahead").unwrap();
        client.write_all(b"QUIT").await.unwrap();
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        assert_eq!(got.len(), data.len());
        assert!(got == data, "every byte, in order, then the end of the stream");
        writer.await.unwrap();
    }
}
