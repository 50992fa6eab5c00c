//! Minimal blocking IMAP and POP3 line clients used to check server state from tests (and to
//! smoke-test the harness). Deliberately dumb: no parsing beyond lines, tags and `{n}` literals.
//! Works over plain TCP or any `Read + Write` stream (e.g. a rustls `StreamOwned`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;

const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// A plain TCP connection to `127.0.0.1:port` with 15 s read/write timeouts.
pub fn tcp(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect 127.0.0.1:{port}: {e}"));
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("set read timeout");
    stream.set_write_timeout(Some(IO_TIMEOUT)).expect("set write timeout");
    stream
}

/// Reads one CRLF/LF-terminated line (lossy UTF-8, terminator stripped); panics on EOF/timeout.
fn read_line<S: Read>(r: &mut BufReader<S>, what: &str) -> String {
    let mut buf = Vec::new();
    let n = r.read_until(b'\n', &mut buf).unwrap_or_else(|e| panic!("{what}: read failed: {e}"));
    assert!(n > 0, "{what}: connection closed by server");
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Result of one tagged IMAP command.
#[derive(Debug, Clone)]
pub struct ImapResponse {
    /// Untagged (`* ...`) and continuation lines, literals inlined.
    pub untagged: Vec<String>,
    /// `OK`, `NO` or `BAD`.
    pub status: String,
    /// The whole tagged completion line.
    pub tagged: String,
}

impl ImapResponse {
    pub fn is_ok(&self) -> bool {
        self.status == "OK"
    }

    /// Untagged lines starting with `* <word>` (case-insensitive), e.g. `lines("LIST")`.
    pub fn lines(&self, word: &str) -> Vec<&str> {
        let prefix = format!("* {} ", word.to_ascii_uppercase());
        self.untagged.iter().filter(|l| l.to_ascii_uppercase().starts_with(&prefix)).map(String::as_str).collect()
    }
}

pub struct ImapClient<S: Read + Write> {
    stream: BufReader<S>,
    next_tag: u32,
    /// The server greeting line.
    pub greeting: String,
}

impl ImapClient<TcpStream> {
    /// Connects over plain TCP and reads the greeting.
    pub fn connect(port: u16) -> Self {
        ImapClient::new(tcp(port))
    }
}

impl<S: Read + Write> ImapClient<S> {
    /// Wraps an established stream and reads the greeting.
    pub fn new(stream: S) -> Self {
        let mut stream = BufReader::new(stream);
        let greeting = read_line(&mut stream, "IMAP greeting");
        ImapClient { stream, next_tag: 1, greeting }
    }

    /// Wraps a stream whose greeting was already consumed (e.g. after STARTTLS).
    pub fn new_without_greeting(stream: S) -> Self {
        ImapClient { stream: BufReader::new(stream), next_tag: 1, greeting: String::new() }
    }

    /// Reads one logical response line, inlining `{n}` literals.
    fn read_response_line(&mut self) -> String {
        let mut line = read_line(&mut self.stream, "IMAP response");
        while let Some(n) = literal_len(&line) {
            let mut lit = vec![0u8; n];
            self.stream.read_exact(&mut lit).expect("read IMAP literal");
            line.push_str("\r\n");
            line.push_str(&String::from_utf8_lossy(&lit));
            line.push_str(&read_line(&mut self.stream, "IMAP response after literal"));
        }
        line
    }

    /// Sends `<tag> <cmd>` and collects everything up to the tagged completion.
    pub fn command(&mut self, cmd: &str) -> ImapResponse {
        let tag = format!("t{}", self.next_tag);
        self.next_tag += 1;
        let s = self.stream.get_mut();
        s.write_all(format!("{tag} {cmd}\r\n").as_bytes())
            .and_then(|()| s.flush())
            .unwrap_or_else(|e| panic!("send IMAP {cmd:?}: {e}"));
        let mut untagged = Vec::new();
        loop {
            let line = self.read_response_line();
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                let status = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
                return ImapResponse { untagged, status, tagged: line };
            }
            untagged.push(line);
        }
    }

    /// LOGIN with quoted strings; panics unless OK.
    pub fn login(&mut self, user: &str, password: &str) -> ImapResponse {
        let r = self.command(&format!("LOGIN {} {}", quote(user), quote(password)));
        assert!(r.is_ok(), "IMAP LOGIN {user} failed: {}", r.tagged);
        r
    }

    /// `AUTHENTICATE PLAIN` with SASL-IR: `authzid \0 authcid \0 password`.
    pub fn authenticate_plain(&mut self, authzid: &str, authcid: &str, password: &str) -> ImapResponse {
        let ir = base64::engine::general_purpose::STANDARD.encode(format!("{authzid}\0{authcid}\0{password}"));
        self.command(&format!("AUTHENTICATE PLAIN {ir}"))
    }

    /// The atoms of the (last) `* CAPABILITY` response, upper-cased.
    pub fn capabilities(&mut self) -> Vec<String> {
        let r = self.command("CAPABILITY");
        assert!(r.is_ok(), "CAPABILITY failed: {}", r.tagged);
        let line = r.lines("CAPABILITY").last().map(|l| l.to_string()).expect("* CAPABILITY line");
        line.split_whitespace().skip(2).map(str::to_ascii_uppercase).collect()
    }

    pub fn logout(mut self) {
        let _ = self.command("LOGOUT");
    }

    pub fn into_inner(self) -> S {
        self.stream.into_inner()
    }
}

fn literal_len(line: &str) -> Option<usize> {
    let inner = line.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    inner[open + 1..].trim_end_matches('+').parse().ok()
}

/// IMAP quoted string.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub struct Pop3Client<S: Read + Write> {
    stream: BufReader<S>,
    /// The server greeting line.
    pub greeting: String,
}

impl Pop3Client<TcpStream> {
    pub fn connect(port: u16) -> Self {
        Pop3Client::new(tcp(port))
    }
}

impl<S: Read + Write> Pop3Client<S> {
    pub fn new(stream: S) -> Self {
        let mut stream = BufReader::new(stream);
        let greeting = read_line(&mut stream, "POP3 greeting");
        Pop3Client { stream, greeting }
    }

    /// Wraps a stream whose greeting was already consumed (e.g. after STLS).
    pub fn new_without_greeting(stream: S) -> Self {
        Pop3Client { stream: BufReader::new(stream), greeting: String::new() }
    }

    pub fn into_inner(self) -> S {
        self.stream.into_inner()
    }

    /// Sends one command line and returns the single-line status response.
    pub fn command(&mut self, line: &str) -> String {
        let s = self.stream.get_mut();
        s.write_all(format!("{line}\r\n").as_bytes())
            .and_then(|()| s.flush())
            .unwrap_or_else(|e| panic!("send POP3 {line:?}: {e}"));
        read_line(&mut self.stream, "POP3 response")
    }

    /// Sends a multi-line command (CAPA, UIDL, LIST, RETR, TOP): `Ok(lines)` (dot-unstuffed,
    /// without the final `.`) after `+OK`, `Err(status line)` after `-ERR`.
    pub fn multiline(&mut self, line: &str) -> Result<Vec<String>, String> {
        let status = self.command(line);
        if !status.starts_with("+OK") {
            return Err(status);
        }
        let mut lines = Vec::new();
        loop {
            let l = read_line(&mut self.stream, "POP3 multi-line response");
            if l == "." {
                return Ok(lines);
            }
            lines.push(l.strip_prefix('.').map(str::to_owned).unwrap_or(l));
        }
    }

    /// USER/PASS; panics unless both are `+OK`.
    pub fn login(&mut self, user: &str, password: &str) {
        let r = self.command(&format!("USER {user}"));
        assert!(r.starts_with("+OK"), "POP3 USER {user}: {r}");
        let r = self.command(&format!("PASS {password}"));
        assert!(r.starts_with("+OK"), "POP3 PASS for {user}: {r}");
    }

    pub fn quit(mut self) -> String {
        self.command("QUIT")
    }
}
