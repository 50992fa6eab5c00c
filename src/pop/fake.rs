//! A scripted POP3 server for the unit tests: greets, then answers one command per step.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The answer to the next command, written `piece` bytes at a time (the commands
/// themselves are recorded and returned, for the test to compare).
pub struct Step {
    pub answer: Vec<u8>,
    pub piece: usize,
}

/// The plaintext POP3 address of a scripted server listening on loopback `port`.
pub fn loopback_spec(port: u16) -> crate::model::ServerSpec {
    use crate::model::{Protocol, Security, ServerSpec};
    ServerSpec {
        protocol: Protocol::Pop3,
        security: Security::Plain,
        host: "127.0.0.1".into(),
        port,
        user: "alice".into(),
    }
}

pub fn say(answer: &str) -> Step {
    Step { answer: answer.as_bytes().to_vec(), piece: usize::MAX }
}

pub fn trickle(answer: &[u8], piece: usize) -> Step {
    Step { answer: answer.to_vec(), piece }
}

/// Plays a POP3 server: greets, then answers one command per step, and returns the
/// commands received. Dropping the stream at the end is an EOF for the client.
pub async fn serve<T: AsyncRead + AsyncWrite + Unpin>(io: T, greeting: &str, steps: Vec<Step>) -> Vec<String> {
    let (r, mut w) = tokio::io::split(io);
    let mut r = BufReader::new(r);
    w.write_all(greeting.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    for step in steps {
        let mut line = String::new();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            break;
        }
        got.push(line.strip_suffix("\r\n").expect("commands end in CRLF").to_string());
        for piece in step.answer.chunks(step.piece.max(1)) {
            if w.write_all(piece).await.is_err() {
                return got;
            }
            w.flush().await.unwrap();
            tokio::task::yield_now().await;
        }
    }
    got
}
