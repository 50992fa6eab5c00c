//! A tiny OAuth 2 token-introspection server (RFC 7662) for Dovecot's `oauth2` passdb: it knows
//! a set of bearer tokens, answers Dovecot's introspection requests with a JSON object and
//! records every request, so a test can assert that the token reached the authorization server
//! (and how often).
//!
//! Listens on `127.0.0.1:0`, one thread per connection, blocking std I/O. Every answer carries
//! `Content-Length` and `Connection: close` and the connection is closed after it: Dovecot
//! 2.3's HTTP client then opens a new connection for the next lookup, so no keep-alive state is
//! needed here.
//!
//! The token is taken from wherever the introspection mode puts it, so all three modes of
//! [`IntrospectionMode`] work against the same server: `Authorization: Bearer TOKEN` (`auth`),
//! the `token=` query parameter of a GET (`get`: Dovecot appends the token to
//! `introspection_url`, which ends in `?token=`, then `&client_id=&client_secret=`), or the
//! `token=` field of a form-encoded POST body (`post`).
//!
//! Answers: `200 {"active": true, "username": NAME, "scope": "mail"}` for a known active token,
//! `200 {"active": false}` for an unknown or revoked one (what an RFC 7662 server says), `400` for a
//! request without a token, `404` for another path.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::dovecot::{IntrospectionMode, OAuth2};

/// The path Dovecot is pointed at ([`OAuthServer::dovecot`]).
pub const INTROSPECT_PATH: &str = "/introspect";

/// One HTTP request the server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// Request target as sent (`/introspect`, `/introspect?token=TOKEN&client_id=...`).
    pub path: String,
    /// The bearer token, wherever the request carried it; `None` when it had none.
    pub token: Option<String>,
    /// The JSON body of the answer (empty for 4xx answers).
    pub answer: String,
}

#[derive(Default)]
struct State {
    /// token -> (username, active)
    tokens: HashMap<String, (String, bool)>,
    requests: Vec<Request>,
}

pub struct OAuthServer {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl OAuthServer {
    /// Starts an introspection server that knows no token yet.
    pub fn start() -> OAuthServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind the OAuth introspection server");
        let port = listener.local_addr().expect("local_addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let accept = std::thread::Builder::new()
            .name("oauth-introspect".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if sp.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let st = st.clone();
                    std::thread::spawn(move || serve(conn, &st));
                }
            })
            .expect("start the OAuth introspection thread");
        OAuthServer { port, state, stop, accept: Some(accept) }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What Dovecot's `oauth2` passdb needs to ask this server ([`super::dovecot::Options::oauth2`]).
    pub fn dovecot(&self, mode: IntrospectionMode) -> OAuth2 {
        let url = match mode {
            // Dovecot appends the escaped token, then `&client_id=...&client_secret=...`.
            IntrospectionMode::Get => format!("http://127.0.0.1:{}{INTROSPECT_PATH}?token=", self.port),
            IntrospectionMode::Auth | IntrospectionMode::Post => {
                format!("http://127.0.0.1:{}{INTROSPECT_PATH}", self.port)
            }
        };
        OAuth2 { introspection_url: url, mode }
    }

    /// Makes `token` an active access token of `username`.
    pub fn grant(&self, token: &str, username: &str) {
        self.lock().tokens.insert(token.to_owned(), (username.to_owned(), true));
    }

    /// Keeps `token` known but inactive (expired or revoked): introspection says `active: false`.
    pub fn revoke(&self, token: &str) {
        if let Some(entry) = self.lock().tokens.get_mut(token) {
            entry.1 = false;
        }
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// How many requests carried `token`.
    pub fn asked_about(&self, token: &str) -> usize {
        self.lock().requests.iter().filter(|r| r.token.as_deref() == Some(token)).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("OAuth server state lock")
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request, answers it, closes the connection.
fn serve(conn: TcpStream, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // the wake-up connection of Drop, or a client that gave up
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body);

    let token = headers
        .get("authorization")
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::to_owned)
        .or_else(|| path.split_once('?').and_then(|(_, query)| form_token(query)))
        .or_else(|| form_token(&body));

    let (status, answer) = if !path.starts_with(INTROSPECT_PATH) {
        ("404 Not Found", String::new())
    } else {
        let mut st = state.lock().expect("OAuth server state lock");
        let answer = token.as_ref().map(|t| match st.tokens.get(t) {
            Some((user, true)) => serde_json::json!({"active": true, "username": user, "scope": "mail"}).to_string(),
            _ => serde_json::json!({"active": false}).to_string(),
        });
        st.requests.push(Request {
            method: method.clone(),
            path: path.clone(),
            token: token.clone(),
            answer: answer.clone().unwrap_or_default(),
        });
        match answer {
            Some(a) => ("200 OK", a),
            None => ("400 Bad Request", String::new()),
        }
    };
    let content_type = if answer.is_empty() { "text/plain" } else { "application/json" };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let mut conn = conn;
    let _ = conn.write_all(response.as_bytes());
    let _ = conn.flush();
}

/// The `token=` field of a form-encoded query or body, decoded; `None` when absent or empty.
fn form_token(form: &str) -> Option<String> {
    form.split('&').find_map(|kv| kv.strip_prefix("token=")).filter(|t| !t.is_empty()).map(percent_decode)
}

/// Form decoding: `%XX` and `+` as a space; malformed escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
