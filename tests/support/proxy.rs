//! A TCP proxy that cuts connections: it forwards both ways between a client and
//! `127.0.0.1:<upstream>`, and once the server has sent `cut_after` bytes on a connection
//! it forwards exactly that many and then shuts both sides down, as a dropped network
//! link or a crashed server would look to the client.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct CutProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
}

impl CutProxy {
    /// Listens on a free 127.0.0.1 port; every connection is cut after the server sent
    /// `cut_after` bytes to the client.
    pub fn start(upstream: u16, cut_after: u64) -> CutProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking proxy listener");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicUsize::new(0));
        let (s, c) = (stop.clone(), cuts.clone());
        let accept = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { continue };
                        let c = c.clone();
                        std::thread::spawn(move || relay(client, server, cut_after, c));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        CutProxy { port, stop, cuts, accept: Some(accept) }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many connections were cut.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::Relaxed)
    }
}

fn relay(client: TcpStream, server: TcpStream, cut_after: u64, cuts: Arc<AtomicUsize>) {
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let upstream = std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let (mut s_read, mut c_write) = (server.try_clone().unwrap(), client.try_clone().unwrap());
    let mut sent = 0u64;
    let mut buf = [0u8; 16 * 1024];
    loop {
        match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let allowed = (cut_after - sent).min(n as u64) as usize;
                if c_write.write_all(&buf[..allowed]).is_err() {
                    break;
                }
                sent += allowed as u64;
                if sent >= cut_after {
                    cuts.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
    let _ = upstream.join();
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}
