//! What `probe` learns about a server: reachability, TLS, greeting, login, capabilities
//! explained, special-use folders and quota roots.

use jiff::Timestamp;
use serde::Serialize;

use super::folder::SpecialUse;
use super::quota::QuotaRoot;
use super::source::{Protocol, Security};

/// A server certificate, as a helpdesk reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: Option<Timestamp>,
    pub not_after: Option<Timestamp>,
    /// Subject alternative names (DNS names and IP addresses).
    pub names: Vec<String>,
}

/// The negotiated TLS session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TlsInfo {
    /// "TLSv1.3", "TLSv1.2".
    pub version: String,
    pub cipher_suite: String,
    pub certificate: Option<CertInfo>,
}

/// One capability that matters to mailsweep, with what it means for the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapabilityNote {
    pub name: String,
    pub offered: bool,
    /// The server's argument, where it has one (POP3 `EXPIRE 30`, `LOGIN-DELAY 900`).
    pub argument: Option<String>,
    pub meaning: String,
}

/// The outcome of the login attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoginOutcome {
    pub ok: bool,
    /// The SASL mechanism or command used (`PLAIN`, `LOGIN`, `USER/PASS`, `APOP`).
    pub mechanism: String,
    /// The identity logged in as, and the mailbox opened (differs in an admin audit).
    pub login: String,
    pub mailbox: String,
    /// The server's words on failure (never the password).
    pub message: Option<String>,
}

/// Everything `probe` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    pub source: String,
    pub protocol: Protocol,
    pub security: Security,
    /// The address actually connected to (`127.0.0.1:993`).
    pub address: Option<String>,
    pub connect_ms: Option<u64>,
    pub tls: Option<TlsInfo>,
    pub greeting: Option<String>,
    /// IMAP ID (RFC 2971) fields the server sent: name, version, vendor, ...
    pub server_id: Vec<(String, String)>,
    pub login: Option<LoginOutcome>,
    /// Capabilities as sent, after login (they may grow after authentication).
    pub capabilities: Vec<String>,
    /// The capabilities that matter, explained.
    pub explained: Vec<CapabilityNote>,
    /// Special-use folders found (role, decoded folder name).
    pub special_use: Vec<(SpecialUse, String)>,
    pub quota_roots: Vec<QuotaRoot>,
    pub notes: Vec<String>,
}

/// The IMAP capabilities mailsweep cares about and why (for `probe`).
pub const IMAP_CAPABILITIES: &[(&str, &str)] = &[
    ("QUOTA", "quota use and limits can be read (usage compares folders with the limit)"),
    ("STATUS=SIZE", "folder sizes in one round trip per folder (fast usage)"),
    ("LIST-STATUS", "sizes of all folders in one round trip"),
    ("MOVE", "messages can be moved atomically (archive removes by UID MOVE)"),
    ("UIDPLUS", "UID EXPUNGE removes only the selected messages (safe archive deletes)"),
    ("IDLE", "live notifications (deleters watch sees removals as they happen)"),
    ("SPECIAL-USE", "the server marks its Sent, Trash, Junk, Drafts folders"),
    ("CONDSTORE", "flag changes can be tracked with mod-sequences"),
    ("QRESYNC", "removals are reported as UIDs (VANISHED): precise deleters watch"),
    ("COMPRESS=DEFLATE", "the connection can be compressed"),
    ("ID", "the server tells its name and version"),
];

/// The POP3 capabilities (RFC 2449) mailsweep cares about and why.
pub const POP3_CAPABILITIES: &[(&str, &str)] = &[
    ("UIDL", "messages have stable ids (snapshots can tell which vanished)"),
    ("TOP", "headers can be read without downloading whole messages"),
    ("STLS", "the connection can be upgraded to TLS (pop3://)"),
    ("SASL", "SASL login mechanisms offered"),
    ("RESP-CODES", "errors carry machine-readable codes ([AUTH], [IN-USE], [LOGIN-DELAY])"),
    ("LOGIN-DELAY", "the server enforces a minimum time between logins (seconds)"),
    ("EXPIRE", "the server's own retention: messages are deleted after this many days once retrieved (NEVER: kept)"),
    ("PIPELINING", "commands can be sent without waiting for each answer"),
    ("USER", "USER/PASS login is allowed"),
    ("IMPLEMENTATION", "the server's name"),
];

/// Explains what a server offers against a table of capabilities that matter.
/// `offered` holds capability lines as sent (`"EXPIRE 30"`, `"STATUS=SIZE"`).
pub fn explain(table: &[(&str, &str)], offered: &[String]) -> Vec<CapabilityNote> {
    table
        .iter()
        .map(|(name, meaning)| {
            let hit = offered.iter().find(|c| {
                let head = c.split_whitespace().next().unwrap_or("");
                head.eq_ignore_ascii_case(name)
            });
            let argument =
                hit.and_then(|c| c.split_once(' ').map(|(_, arg)| arg.trim().to_string())).filter(|a| !a.is_empty());
            let mut meaning = meaning.to_string();
            if name.eq_ignore_ascii_case("EXPIRE")
                && let Some(arg) = &argument
            {
                meaning = explain_pop_expire(arg);
            }
            CapabilityNote { name: name.to_string(), offered: hit.is_some(), argument, meaning }
        })
        .collect()
}

/// RFC 2449 EXPIRE: "NEVER", a number of days, optionally followed by "USER" (the policy
/// may differ per user and is only final after login).
pub fn explain_pop_expire(arg: &str) -> String {
    let mut words = arg.split_whitespace();
    let value = words.next().unwrap_or("");
    let per_user = words.any(|w| w.eq_ignore_ascii_case("USER"));
    let base = if value.eq_ignore_ascii_case("NEVER") {
        "the server never deletes retrieved messages by itself".to_string()
    } else if value == "0" {
        "the server deletes messages as soon as they are retrieved: POP clients cannot leave mail on the server"
            .to_string()
    } else if let Ok(days) = value.parse::<u32>() {
        format!(
            "the server deletes retrieved messages after {days} day(s), whatever the client's \"leave on server\" setting"
        )
    } else {
        format!("the server announces retention \"{arg}\"")
    };
    if per_user { format!("{base} (the policy may differ per user; shown after login)") } else { base }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_matched_by_name_with_arguments() {
        let offered = vec!["UIDL".to_string(), "EXPIRE 30".to_string(), "SASL PLAIN LOGIN".to_string()];
        let notes = explain(POP3_CAPABILITIES, &offered);
        let find = |n: &str| notes.iter().find(|c| c.name == n).unwrap();
        assert!(find("UIDL").offered);
        assert!(!find("TOP").offered);
        assert_eq!(find("SASL").argument.as_deref(), Some("PLAIN LOGIN"));
        assert!(find("EXPIRE").meaning.contains("after 30 day(s)"));
    }

    #[test]
    fn expire_policies_in_plain_words() {
        assert!(explain_pop_expire("NEVER").contains("never deletes"));
        assert!(explain_pop_expire("0").contains("as soon as"));
        assert!(explain_pop_expire("14 USER").contains("differ per user"));
        assert!(explain_pop_expire("soon").contains("\"soon\""));
    }

    #[test]
    fn status_size_is_not_confused_with_status() {
        let offered = vec!["STATUS".to_string()];
        let notes = explain(IMAP_CAPABILITIES, &offered);
        assert!(!notes.iter().find(|c| c.name == "STATUS=SIZE").unwrap().offered);
    }
}
