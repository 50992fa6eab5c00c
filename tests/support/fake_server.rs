//! Hostile/fake line-protocol servers for timeout and robustness tests: a `TcpListener` on
//! `127.0.0.1:0` served by a background thread that plays a fixed script to every connection.
//!
//! Everything is time-bounded: the accept loop and every connection thread end by themselves
//! after [`LIFETIME`] (30 s) at the latest, or as soon as the `FakeServer` is dropped (the
//! accept loop stops; connection threads stop at their next step). Lines the client sent are
//! recorded and available through [`FakeServer::received`].

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Upper bound for the life of every fake-server thread.
pub const LIFETIME: Duration = Duration::from_secs(30);

/// One step of a connection script.
#[derive(Clone, Debug)]
pub enum Step {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Read one line; it must start with this prefix (case-insensitive), either directly or
    /// after the first word (an IMAP tag). An empty prefix accepts any line. On mismatch or EOF
    /// the connection is closed. The line's first word is remembered as the current *tag*.
    Expect(String),
    /// Like `Send`, with every `{tag}` replaced by the tag of the last `Expect`ed line.
    Reply(String),
    /// Sleep (bounded by the lifetime).
    Sleep(Duration),
    /// Keep the connection open, reading and recording whatever arrives, until the client
    /// closes it or the lifetime ends.
    Stall,
    /// Close the connection now.
    Close,
}

pub struct FakeServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<String>>>,
    accepted: Arc<Mutex<usize>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Accepts and never sends anything.
    pub fn stall() -> FakeServer {
        FakeServer::steps(vec![Step::Stall])
    }

    /// Sends `greeting` (CRLF appended) and then never answers.
    pub fn greet_then_stall(greeting: &str) -> FakeServer {
        FakeServer::steps(vec![Step::Send(crlf(greeting)), Step::Stall])
    }

    /// Sends `greeting` (CRLF appended) and closes the connection.
    pub fn close_after_greeting(greeting: &str) -> FakeServer {
        FakeServer::steps(vec![Step::Send(crlf(greeting)), Step::Close])
    }

    /// Sends 4 KiB of deterministic binary junk (invalid UTF-8, NULs, stray CR/LF), then closes.
    pub fn garbage() -> FakeServer {
        FakeServer::steps(vec![Step::Send(junk(4096)), Step::Close])
    }

    /// Sends one endless line: 1 MiB without any line break, then stalls (tests line limits).
    pub fn endless_line() -> FakeServer {
        FakeServer::steps(vec![Step::Send(vec![b'A'; 1 << 20]), Step::Stall])
    }

    /// Greeting (CRLF appended), then for each pair: expect a line with that prefix and send the
    /// reply (`{tag}` is replaced with the client's tag; include your own `\r\n`s). Stalls at
    /// the end.
    pub fn script(greeting: &str, exchanges: &[(&str, &str)]) -> FakeServer {
        let mut steps = vec![Step::Send(crlf(greeting))];
        for (expect, reply) in exchanges {
            steps.push(Step::Expect((*expect).to_owned()));
            steps.push(Step::Reply((*reply).to_owned()));
        }
        steps.push(Step::Stall);
        FakeServer::steps(steps)
    }

    /// Plays `steps` to every accepted connection (each in its own thread).
    pub fn steps(steps: Vec<Step>) -> FakeServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind fake server");
        let addr = listener.local_addr().expect("fake server local_addr");
        listener.set_nonblocking(true).expect("nonblocking fake listener");
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(Mutex::new(0usize));
        let deadline = Instant::now() + LIFETIME;
        let thread = {
            let (stop, received, accepted) = (stop.clone(), received.clone(), accepted.clone());
            std::thread::Builder::new()
                .name("fake-server".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                        match listener.accept() {
                            Ok((stream, _)) => {
                                *accepted.lock().expect("accepted lock") += 1;
                                let (steps, stop, received) = (steps.clone(), stop.clone(), received.clone());
                                std::thread::spawn(move || play(stream, &steps, &stop, &received, deadline));
                            }
                            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                                std::thread::sleep(Duration::from_millis(10))
                            }
                            Err(_) => std::thread::sleep(Duration::from_millis(10)),
                        }
                    }
                })
                .expect("spawn fake server thread")
        };
        FakeServer { addr, stop, received, accepted, thread: Some(thread) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Lines received from clients so far (all connections, in arrival order, CRLF stripped).
    pub fn received(&self) -> Vec<String> {
        self.received.lock().expect("received lock").clone()
    }

    /// Number of connections accepted so far.
    pub fn connections(&self) -> usize {
        *self.accepted.lock().expect("accepted lock")
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn crlf(line: &str) -> Vec<u8> {
    format!("{line}\r\n").into_bytes()
}

/// Deterministic junk bytes (xorshift), with some CR/LF and NUL sprinkled in.
pub fn junk(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            match i % 97 {
                0 => b'\r',
                1 => b'\n',
                50 => 0,
                _ => (x & 0xff) as u8,
            }
        })
        .collect()
}

fn play(stream: TcpStream, steps: &[Step], stop: &AtomicBool, received: &Mutex<Vec<String>>, deadline: Instant) {
    let _ = stream.set_nonblocking(false);
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    let mut tag = String::from("*");
    // Reads one line with short timeouts so `stop`/`deadline` are honoured. None = EOF/error/end.
    let read_line = |reader: &mut BufReader<TcpStream>| -> Option<String> {
        let _ = reader.get_ref().set_read_timeout(Some(Duration::from_millis(100)));
        let mut buf = Vec::new();
        loop {
            if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                return None;
            }
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => return None,
                Ok(_) if buf.ends_with(b"\n") => break,
                Ok(_) => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
                Err(_) => return None,
            }
        }
        let line = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_owned();
        received.lock().expect("received lock").push(line.clone());
        Some(line)
    };
    for step in steps {
        if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
            break;
        }
        match step {
            Step::Send(bytes) => {
                if writer.write_all(bytes).and_then(|()| writer.flush()).is_err() {
                    break;
                }
            }
            Step::Reply(text) => {
                let text = text.replace("{tag}", &tag);
                if writer.write_all(text.as_bytes()).and_then(|()| writer.flush()).is_err() {
                    break;
                }
            }
            Step::Expect(prefix) => {
                let Some(line) = read_line(&mut reader) else { break };
                let upper = line.to_ascii_uppercase();
                let want = prefix.to_ascii_uppercase();
                let after_tag = upper.split_once(' ').map_or("", |(_, rest)| rest);
                if !(upper.starts_with(&want) || after_tag.starts_with(&want)) {
                    break;
                }
                tag = line.split(' ').next().unwrap_or("*").to_owned();
            }
            Step::Sleep(d) => {
                let until = (Instant::now() + *d).min(deadline);
                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            Step::Stall => while read_line(&mut reader).is_some() {},
            Step::Close => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}
