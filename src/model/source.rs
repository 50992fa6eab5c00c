//! Where the mail is: `imaps://`, `imap://`, `pop3s://`, `pop3://`, `maildir:`, `mbox:`.
//!
//! URLs never carry a password: one written there is refused, so it cannot land in shell
//! history, `ps` output or logs.

use std::fmt;
use std::path::PathBuf;

/// The mail access protocol of a server source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Imap,
    Pop3,
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// TLS from the first byte (`imaps://`, `pop3s://`).
    Tls,
    /// Plain connection upgraded with STARTTLS / STLS before login (`imap://`, `pop3://`).
    StartTls,
    /// No TLS at all: only with an explicit `--plaintext`.
    Plain,
}

/// A mail server to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    pub protocol: Protocol,
    pub security: Security,
    pub host: String,
    pub port: u16,
    /// The mailbox owner's login name (may be empty when the account config supplies it).
    pub user: String,
}

impl ServerSpec {
    pub fn scheme(&self) -> &'static str {
        match (self.protocol, self.security) {
            (Protocol::Imap, Security::Tls) => "imaps",
            (Protocol::Imap, _) => "imap",
            (Protocol::Pop3, Security::Tls) => "pop3s",
            (Protocol::Pop3, _) => "pop3",
        }
    }

    pub fn default_port(protocol: Protocol, security: Security) -> u16 {
        match (protocol, security) {
            (Protocol::Imap, Security::Tls) => 993,
            (Protocol::Imap, _) => 143,
            (Protocol::Pop3, Security::Tls) => 995,
            (Protocol::Pop3, _) => 110,
        }
    }
}

/// Any place mailsweep can read mail from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Server(ServerSpec),
    /// A Maildir (with Maildir++ subfolders, as Dovecot stores them).
    Maildir(PathBuf),
    /// One mbox file or a tree of them (`.sbd` subdirectories as mail clients lay out).
    Mbox(PathBuf),
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Server(s) => {
                write!(f, "{}://", s.scheme())?;
                if !s.user.is_empty() {
                    write!(f, "{}@", encode_user(&s.user))?;
                }
                let host = if s.host.contains(':') { format!("[{}]", s.host) } else { s.host.clone() };
                if s.port == ServerSpec::default_port(s.protocol, s.security) {
                    write!(f, "{host}")
                } else {
                    write!(f, "{host}:{}", s.port)
                }
            }
            SourceSpec::Maildir(p) => write!(f, "maildir:{}", p.display()),
            SourceSpec::Mbox(p) => write!(f, "mbox:{}", p.display()),
        }
    }
}

fn encode_user(user: &str) -> String {
    let mut out = String::new();
    for c in user.chars() {
        match c {
            '@' => out.push_str("%40"),
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            ':' => out.push_str("%3A"),
            _ => out.push(c),
        }
    }
    out
}

fn decode_user(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(|| format!("bad %-escape in user name \"{s}\""))?;
            let v = u8::from_str_radix(hex, 16).map_err(|_| format!("bad %-escape in user name \"{s}\""))?;
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("user name \"{s}\" is not UTF-8 once decoded"))
}

impl std::str::FromStr for SourceSpec {
    type Err = String;

    /// Parses a source. `plaintext` is not decided here: `imap://` means STARTTLS, and the
    /// caller downgrades to [`Security::Plain`] only on an explicit `--plaintext`.
    fn from_str(s: &str) -> Result<Self, String> {
        const EXAMPLES: &str = "imaps://user@host[:port], imap://, pop3s://, pop3://, maildir:PATH or mbox:PATH";
        if let Some(path) = s.strip_prefix("maildir:") {
            return local(path, s).map(SourceSpec::Maildir);
        }
        if let Some(path) = s.strip_prefix("mbox:") {
            return local(path, s).map(SourceSpec::Mbox);
        }
        let (scheme, rest) =
            s.split_once("://").ok_or_else(|| format!("\"{s}\" is not a mail source; expected {EXAMPLES}"))?;
        let (protocol, security) = match scheme.to_ascii_lowercase().as_str() {
            "imaps" => (Protocol::Imap, Security::Tls),
            "imap" => (Protocol::Imap, Security::StartTls),
            "pop3s" | "pops" => (Protocol::Pop3, Security::Tls),
            "pop3" | "pop" => (Protocol::Pop3, Security::StartTls),
            other => return Err(format!("unknown scheme \"{other}\" in \"{s}\"; expected {EXAMPLES}")),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains('/') || authority.contains('?') {
            return Err(format!("\"{s}\": a source names a server, not a folder; use --folder for folders"));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let user = match userinfo {
            Some(u) if u.contains(':') => {
                return Err("passwords never go in the source URL (it would show in shell history and `ps`); \
                     use password_command in the config, MAILSWEEP_PASSWORD, or the prompt"
                    .to_string());
            }
            Some(u) => decode_user(u)?,
            None => String::new(),
        };
        let (host, port) = split_host_port(hostport).map_err(|e| format!("\"{s}\": {e}"))?;
        if host.is_empty() {
            return Err(format!("\"{s}\" has no host name"));
        }
        let port = port.unwrap_or_else(|| ServerSpec::default_port(protocol, security));
        Ok(SourceSpec::Server(ServerSpec { protocol, security, host, port, user }))
    }
}

fn local(path: &str, whole: &str) -> Result<PathBuf, String> {
    if path.is_empty() {
        return Err(format!("\"{whole}\" has no path"));
    }
    Ok(PathBuf::from(path))
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or("unclosed [ in IPv6 address")?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(format!("unexpected \"{after}\" after the address")),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("\"{p}\" is not a port number (1-65535)"))?,
        ),
        None => None,
    };
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(s: &str) -> ServerSpec {
        match s.parse::<SourceSpec>().unwrap() {
            SourceSpec::Server(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn schemes_pick_protocol_security_and_port() {
        let s = server("imaps://alice@mail.example.org");
        assert_eq!((s.protocol, s.security, s.port), (Protocol::Imap, Security::Tls, 993));
        assert_eq!(s.user, "alice");
        let s = server("imap://bob@127.0.0.1:1143");
        assert_eq!(
            (s.protocol, s.security, s.port, s.host.as_str()),
            (Protocol::Imap, Security::StartTls, 1143, "127.0.0.1")
        );
        assert_eq!(server("pop3s://h").port, 995);
        assert_eq!(server("pop3://h").port, 110);
        assert_eq!(server("imap://h").port, 143);
    }

    #[test]
    fn users_may_be_addresses() {
        assert_eq!(server("imaps://alice@example.org@mail.example.org").user, "alice@example.org");
        assert_eq!(server("imaps://alice%40example.org@mail.example.org").user, "alice@example.org");
        let s: SourceSpec = "imaps://alice%40example.org@mail.example.org:1993".parse().unwrap();
        assert_eq!(s.to_string(), "imaps://alice%40example.org@mail.example.org:1993");
    }

    #[test]
    fn ipv6_hosts() {
        let s = server("imaps://u@[::1]:9993");
        assert_eq!((s.host.as_str(), s.port), ("::1", 9993));
        assert_eq!(SourceSpec::Server(s).to_string(), "imaps://u@[::1]:9993");
    }

    #[test]
    fn local_sources() {
        assert_eq!("maildir:/var/mail/a".parse::<SourceSpec>().unwrap(), SourceSpec::Maildir("/var/mail/a".into()));
        assert_eq!("mbox:Local Folders".parse::<SourceSpec>().unwrap(), SourceSpec::Mbox("Local Folders".into()));
        assert!("maildir:".parse::<SourceSpec>().is_err());
    }

    #[test]
    fn bad_sources_say_why() {
        let e = "imaps://alice:secret@host".parse::<SourceSpec>().unwrap_err();
        assert!(e.contains("passwords never go in the source URL"), "{e}");
        assert!(!e.contains("secret"));
        assert!("http://x".parse::<SourceSpec>().unwrap_err().contains("unknown scheme"));
        assert!("imaps://u@h:99999".parse::<SourceSpec>().unwrap_err().contains("not a port"));
        assert!("imaps://u@h:0".parse::<SourceSpec>().is_err());
        assert!("imaps://u@".parse::<SourceSpec>().unwrap_err().contains("no host"));
        assert!("/var/mail".parse::<SourceSpec>().unwrap_err().contains("not a mail source"));
        assert!("imaps://h/INBOX".parse::<SourceSpec>().unwrap_err().contains("--folder"));
    }
}
