//! A loopback TCP proxy that delays every chunk by a fixed one-way delay in both directions,
//! so a benchmark can show what round trips cost against a remote server (kernel netem is not
//! available in the test sandbox). It also counts the bytes it forwards.
//!
//! Model: pure propagation delay. Each chunk read from one side is written to the other side
//! `one_way` after it was read, and chunks in flight do not wait for each other, so a 10 ms
//! delay gives a 20 ms round trip and leaves the bandwidth unlimited. Each direction of each
//! connection has a reader thread and a writer thread joined by a bounded channel, so memory
//! stays bounded (at most [`MAX_CHUNKS_IN_FLIGHT`] x [`CHUNK`] per direction).
//!
//! Lifetime: every thread ends when the proxy is dropped or `lifetime` has passed, whichever
//! comes first (all sockets are shut down then), so a forgotten proxy never outlives a
//! benchmark by more than its lifetime.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes read per chunk.
pub const CHUNK: usize = 64 * 1024;
/// Chunks buffered per direction before the reader waits (bounds memory to 64 MiB a side).
pub const MAX_CHUNKS_IN_FLIGHT: usize = 1024;

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    /// Client to server bytes.
    up: AtomicU64,
    /// Server to client bytes.
    down: AtomicU64,
    connections: AtomicU64,
    /// Every socket opened, to shut them down when the proxy stops.
    sockets: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn shut_everything(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(sockets) = self.sockets.lock() {
            for s in sockets.iter() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// A running proxy: connect to `127.0.0.1:port` instead of the target.
pub struct LatencyProxy {
    pub port: u16,
    pub one_way: Duration,
    shared: Arc<Shared>,
    /// Dropping it wakes the watchdog, which stops everything.
    stop_tx: Option<mpsc::Sender<()>>,
    watchdog: Option<JoinHandle<()>>,
}

impl LatencyProxy {
    /// Listens on a free loopback port and forwards every connection to `target`, delaying
    /// each chunk by `one_way` in each direction. Stops after `lifetime` at the latest.
    pub fn start(target: SocketAddr, one_way: Duration, lifetime: Duration) -> LatencyProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind the latency proxy on 127.0.0.1:0");
        let port = listener.local_addr().expect("proxy local_addr").port();
        let shared = Arc::new(Shared::default());

        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("latency-accept".into())
            .spawn(move || {
                for client in listener.incoming() {
                    if accept_shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    if let Err(e) = connect_pair(client, target, one_way, &accept_shared) {
                        eprintln!("latency proxy: cannot reach {target}: {e}");
                    }
                }
            })
            .expect("start the latency proxy's accept thread");

        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let watch_shared = Arc::clone(&shared);
        let watchdog = std::thread::Builder::new()
            .name("latency-watchdog".into())
            .spawn(move || {
                match stop_rx.recv_timeout(lifetime) {
                    Err(RecvTimeoutError::Timeout) => eprintln!("latency proxy: lifetime of {lifetime:?} is over"),
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => {}
                }
                watch_shared.shut_everything();
                // Wake the blocking accept so it sees the stop flag.
                let _ = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(1));
                let _ = acceptor.join();
            })
            .expect("start the latency proxy's watchdog");

        LatencyProxy { port, one_way, shared, stop_tx: Some(stop_tx), watchdog: Some(watchdog) }
    }

    /// `(client to server, server to client)` bytes forwarded since the last call; resets them.
    pub fn take_bytes(&self) -> (u64, u64) {
        (self.shared.up.swap(0, Ordering::SeqCst), self.shared.down.swap(0, Ordering::SeqCst))
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        drop(self.stop_tx.take());
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
    }
}

fn connect_pair(client: TcpStream, target: SocketAddr, one_way: Duration, shared: &Arc<Shared>) -> io::Result<()> {
    let server = TcpStream::connect_timeout(&target, Duration::from_secs(5))?;
    // Without TCP_NODELAY, Nagle would add its own delays on top of ours.
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    {
        let mut sockets = shared.sockets.lock().expect("proxy socket list");
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        sockets.push(client.try_clone()?);
        sockets.push(server.try_clone()?);
    }
    shared.connections.fetch_add(1, Ordering::SeqCst);
    pipe(client.try_clone()?, server.try_clone()?, one_way, Arc::clone(shared), true)?;
    pipe(server, client, one_way, Arc::clone(shared), false)?;
    Ok(())
}

/// One direction: a reader stamps each chunk with its due time, a writer sends it then.
fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration, shared: Arc<Shared>, up: bool) -> io::Result<()> {
    let (tx, rx) = mpsc::sync_channel::<(Instant, Vec<u8>)>(MAX_CHUNKS_IN_FLIGHT);
    let reader_shared = Arc::clone(&shared);
    std::thread::Builder::new().name("latency-read".into()).spawn(move || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let counter = if up { &reader_shared.up } else { &reader_shared.down };
                    counter.fetch_add(n as u64, Ordering::Relaxed);
                    if tx.send((Instant::now() + delay, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        // Dropping `tx` tells the writer to pass the end of stream on once it has caught up.
    })?;
    std::thread::Builder::new().name("latency-write".into()).spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if shared.stop.load(Ordering::SeqCst) || to.write_all(&chunk).is_err() {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    })?;
    Ok(())
}

/// The proxy adds its delay each way (a lower bound only: a loaded machine adds more) and
/// counts what it forwards.
#[test]
fn latency_proxy_delays_both_directions_and_counts_bytes() {
    let echo = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let target = echo.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = echo.accept() {
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 || s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    });
    let one_way = Duration::from_millis(15);
    let proxy = LatencyProxy::start(target, one_way, Duration::from_secs(30));
    let mut c = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        c.write_all(b"ping\r\n").unwrap();
        let mut got = [0u8; 6];
        c.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"ping\r\n");
        let rtt = started.elapsed();
        assert!(rtt >= one_way * 2, "round trip {rtt:?} is shorter than twice {one_way:?}");
    }
    drop(c);
    assert_eq!(proxy.connections(), 1);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut bytes = (0, 0);
    while Instant::now() < deadline {
        let (u, d) = proxy.take_bytes();
        bytes = (bytes.0 + u, bytes.1 + d);
        if bytes == (18, 18) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(bytes, (18, 18));
}
