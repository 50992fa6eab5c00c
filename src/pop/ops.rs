//! The POP3 operations the commands run: `probe` (what a server offers and whether the
//! login works) and `usage` (INBOX size), each one short session converted to model values.

use anyhow::{Context as _, Result};

use super::client::Pop3Client;
use super::response::has_capability;
use crate::error;
use crate::exit::ExitCode;
use crate::model::probe::{POP3_CAPABILITIES, explain, explain_pop_expire};
use crate::model::{FolderUsage, ProbeReport, QuotaInfo, ServerSpec, SizeMethod, SourceSpec, UsageReport};
use crate::net::NetSettings;
use crate::secret::Credentials;

/// What POP3 cannot show, said in every report.
const INBOX_ONLY: &str = "POP3 sees only INBOX: folders, quota and special-use folders need IMAP";

/// Probes a POP3 server.
///
/// The split between `Err` and `Ok`:
/// - `Err` when nothing useful was learned: the TCP connection, the TLS handshake, the
///   greeting or STLS failed, or the settings contradict themselves (a usage error,
///   e.g. an authorization identity with a mechanism other than PLAIN).
/// - `Ok` once the server greeted us. A refused login (or one that broke off) is
///   `login.ok == false` with the server's words in `login.message`; the caller maps it
///   to exit 2. Capabilities are read again after a successful login, since `EXPIRE`
///   and `LOGIN-DELAY` may differ per user; if that fails, the ones from before login
///   stay and a note says so.
pub async fn probe(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: Option<&Credentials>,
    allow_plaintext: bool,
) -> Result<ProbeReport> {
    let source = SourceSpec::Server(spec.clone()).to_string();
    let (mut client, info) =
        Pop3Client::connect(spec, net, allow_plaintext).await.with_context(|| format!("cannot connect to {source}"))?;
    let mut report = ProbeReport {
        source,
        protocol: spec.protocol,
        security: spec.security,
        address: Some(info.address),
        connect_ms: Some(u64::try_from(info.elapsed.as_millis()).unwrap_or(u64::MAX)),
        tls: info.tls,
        greeting: Some(info.greeting),
        server_id: Vec::new(),
        login: None,
        capabilities: client.capabilities().to_vec(),
        explained: Vec::new(),
        special_use: Vec::new(),
        quota_roots: Vec::new(),
        notes: vec![INBOX_ONLY.to_string()],
    };
    if !client.is_tls() {
        let what = if creds.is_some() { ": the login crossed the network in clear" } else { "" };
        report.notes.push(format!("the connection is not encrypted (--plaintext){what}"));
    }
    match creds {
        None => report.notes.push(
            "not logged in: the capabilities are those offered before login (EXPIRE and LOGIN-DELAY may differ per user)"
                .to_string(),
        ),
        Some(creds) => match client.try_login(creds).await {
            Ok(outcome) => {
                let ok = outcome.ok;
                report.login = Some(outcome);
                if ok {
                    match client.capa().await {
                        Ok(caps) => report.capabilities = merge_capabilities(&report.capabilities, caps),
                        Err(e) => report.notes.push(format!(
                            "the capabilities after login could not be read ({}); those shown are from before login",
                            error::one_line(&e)
                        )),
                    }
                }
            }
            Err(e) if error::exit_code(&e) == ExitCode::Unknown => return Err(e),
            Err(e) => {
                report.login = Some(crate::model::probe::LoginOutcome {
                    ok: false,
                    mechanism: format!("{:?}", creds.mechanism).to_uppercase(),
                    login: creds.login.clone(),
                    mailbox: creds.mailbox_owner().to_string(),
                    message: Some(error::one_line(&e)),
                });
            }
        },
    }
    if let Some(note) = login_delay_note(&report.capabilities) {
        report.notes.push(note);
    }
    report.explained = explain(POP3_CAPABILITIES, &report.capabilities);
    // Nothing was changed in this session; a failed QUIT loses nothing.
    let _ = client.quit().await;
    Ok(report)
}

/// Measures INBOX, the only folder POP3 shows: messages and bytes from STAT, checked
/// against the sum of LIST (streamed, nothing collected). Oldest and newest dates stay
/// empty: POP3 would have to fetch every message's headers (TOP) to know them.
/// Every failure is an error: connecting, logging in, or reading the figures.
pub async fn usage(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    allow_plaintext: bool,
    source_label: String,
) -> Result<UsageReport> {
    let (mut client, _) = Pop3Client::connect(spec, net, allow_plaintext)
        .await
        .with_context(|| format!("cannot connect to {source_label}"))?;
    client.login(creds).await?;
    let (messages, bytes) = client.stat().await?;
    let (mut listed, mut listed_bytes) = (0u64, 0u64);
    client
        .list_each(|_, size| {
            listed += 1;
            listed_bytes = listed_bytes.saturating_add(size);
        })
        .await?;
    let caps = client.capa().await?;
    // Nothing was changed in this session; a failed QUIT loses nothing.
    let _ = client.quit().await;

    let mut inbox = FolderUsage::new("INBOX", "INBOX");
    inbox.messages = messages;
    inbox.bytes = bytes;
    let mut notes = vec![
        "POP3 shows only INBOX: folders and quota need IMAP".to_string(),
        "oldest and newest dates are not shown: POP3 would have to fetch the headers of every message".to_string(),
    ];
    if (listed, listed_bytes) != (messages, bytes) {
        notes.push(format!(
            "the server's STAT ({messages} messages, {bytes} bytes) and LIST ({listed} messages, {listed_bytes} bytes) disagree; the figures shown are STAT's"
        ));
    }
    if let Some(expire) = caps.iter().find_map(|c| capability_argument(c, "EXPIRE")) {
        notes.push(format!("retention (EXPIRE {expire}): {}", explain_pop_expire(expire)));
    }
    notes.extend(login_delay_note(&caps));
    Ok(UsageReport {
        source: source_label,
        account: None,
        size_method: SizeMethod::Pop3List,
        folders: vec![inbox],
        quota: QuotaInfo::NotReported { reason: "POP3 has no quota command".to_string() },
        notes,
    })
}

/// The capabilities after login, plus those only offered before it (STLS, SASL, USER
/// are pre-authentication capabilities: a server drops them once logged in, RFC 2449).
/// Where both name a capability, the one after login wins (EXPIRE, LOGIN-DELAY per user).
fn merge_capabilities(before: &[String], mut after: Vec<String>) -> Vec<String> {
    let name = |c: &str| c.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    for c in before {
        if !after.iter().any(|a| name(a) == name(c)) {
            after.push(c.clone());
        }
    }
    after
}

/// The argument of a capability line (`"EXPIRE 30 USER"` -> `"30 USER"`).
fn capability_argument<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let (head, arg) = line.split_once(' ').unwrap_or((line, ""));
    (head.eq_ignore_ascii_case(name) && !arg.trim().is_empty()).then(|| arg.trim())
}

/// LOGIN-DELAY (RFC 2449) counts our login too: the user's own client may be refused
/// for that long after a check. Worth saying, since cron runs checks unattended.
fn login_delay_note(caps: &[String]) -> Option<String> {
    if !has_capability(caps, "LOGIN-DELAY") {
        return None;
    }
    let secs = caps.iter().find_map(|c| capability_argument(c, "LOGIN-DELAY")).unwrap_or("?");
    Some(format!(
        "the server allows one login per {secs} s (LOGIN-DELAY): each check counts, and may delay the user's own mail client"
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::pop::fake::{Step, say, serve};
    use crate::secret::{Mechanism, Secret};
    use tokio::task::JoinHandle;

    /// A scripted server on a local port (plaintext: TLS is the net module's business).
    async fn server(steps: Vec<Step>) -> (ServerSpec, JoinHandle<Vec<String>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            serve(tcp, "+OK Dovecot ready. <1.2@mail>\r\n", steps).await
        });
        (crate::pop::fake::loopback_spec(port), task)
    }

    fn net() -> NetSettings {
        NetSettings { timeout: Duration::from_secs(5), tls: Default::default() }
    }

    fn alice() -> Credentials {
        Credentials { login: "alice".into(), authzid: None, secret: Secret::new("pw"), mechanism: Mechanism::Auto }
    }

    const CAPA_BEFORE: &str = "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN\r\nEXPIRE 30 USER\r\n.\r\n";
    const CAPA_AFTER: &str = "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nEXPIRE NEVER\r\nLOGIN-DELAY 900\r\n.\r\n";

    #[tokio::test]
    async fn probe_reads_capabilities_again_after_login() {
        let (spec, task) =
            server(vec![say(CAPA_BEFORE), say("+OK Logged in.\r\n"), say(CAPA_AFTER), say("+OK bye\r\n")]).await;
        let report = probe(&spec, &net(), Some(&alice()), true).await.unwrap();
        assert_eq!(report.greeting.as_deref(), Some("Dovecot ready. <1.2@mail>"));
        assert!(report.address.as_deref().unwrap().starts_with("127.0.0.1:"));
        assert_eq!(report.tls, None);
        let login = report.login.as_ref().unwrap();
        assert!(login.ok);
        assert_eq!(login.mechanism, "PLAIN");
        let expire = report.explained.iter().find(|c| c.name == "EXPIRE").unwrap();
        assert!(expire.meaning.contains("never deletes"), "{}", expire.meaning);
        assert!(report.explained.iter().find(|c| c.name == "LOGIN-DELAY").unwrap().offered);
        assert!(report.explained.iter().find(|c| c.name == "SASL").unwrap().offered, "pre-login SASL is kept");
        assert!(report.notes.iter().any(|n| n.contains("only INBOX")));
        assert!(report.notes.iter().any(|n| n.contains("900 s")));
        assert!(report.notes.iter().any(|n| n.contains("not encrypted")));
        let got = task.await.unwrap();
        assert_eq!(got[0], "CAPA");
        assert!(got[1].starts_with("AUTH PLAIN "));
        assert_eq!(&got[2..], ["CAPA", "QUIT"]);
    }

    #[tokio::test]
    async fn probe_reports_a_refused_login_as_an_outcome() {
        let (spec, task) =
            server(vec![say(CAPA_BEFORE), say("-ERR [AUTH] Authentication failed.\r\n"), say("+OK bye\r\n")]).await;
        let report = probe(&spec, &net(), Some(&alice()), true).await.unwrap();
        let login = report.login.unwrap();
        assert!(!login.ok);
        assert_eq!(login.message.as_deref(), Some("-ERR [AUTH] Authentication failed."));
        assert!(report.explained.iter().find(|c| c.name == "EXPIRE").unwrap().meaning.contains("differ per user"));
        assert_eq!(task.await.unwrap().last().map(String::as_str), Some("QUIT"));
    }

    #[tokio::test]
    async fn probe_without_credentials_and_without_a_server() {
        let (spec, task) = server(vec![say(CAPA_BEFORE), say("+OK bye\r\n")]).await;
        let report = probe(&spec, &net(), None, true).await.unwrap();
        assert_eq!(report.login, None);
        assert!(report.notes.iter().any(|n| n.contains("not logged in")));
        assert_eq!(task.await.unwrap(), ["CAPA", "QUIT"]);

        // Nothing listens on the port any more: nothing was learned, so it is an error.
        let e = probe(&spec, &net(), None, true).await.unwrap_err();
        assert!(error::one_line(&e).starts_with(&format!("cannot connect to pop3://alice@127.0.0.1:{}", spec.port)));
    }

    #[tokio::test]
    async fn usage_measures_inbox() {
        let (spec, task) = server(vec![
            say("+OK\r\nUSER\r\n.\r\n"),
            say("+OK\r\n"),
            say("+OK Logged in.\r\n"),
            say("+OK 2 320\r\n"),
            say("+OK\r\n1 120\r\n2 200\r\n.\r\n"),
            say(CAPA_AFTER),
            say("+OK bye\r\n"),
        ])
        .await;
        let report = usage(&spec, &net(), &alice(), true, "pop3://alice@h".into()).await.unwrap();
        assert_eq!(report.source, "pop3://alice@h");
        assert_eq!(report.size_method, SizeMethod::Pop3List);
        assert_eq!(report.folders.len(), 1);
        let inbox = &report.folders[0];
        assert_eq!((inbox.name.as_str(), inbox.messages, inbox.bytes), ("INBOX", 2, 320));
        assert_eq!((inbox.oldest, inbox.newest), (None, None));
        assert!(matches!(&report.quota, QuotaInfo::NotReported { reason } if reason.contains("no quota")));
        assert!(report.notes.iter().any(|n| n.contains("only INBOX")));
        assert!(report.notes.iter().any(|n| n.contains("dates are not shown")));
        assert!(report.notes.iter().any(|n| n.contains("EXPIRE NEVER")));
        assert!(!report.notes.iter().any(|n| n.contains("disagree")));
        assert_eq!(task.await.unwrap(), ["CAPA", "USER alice", "PASS pw", "STAT", "LIST", "CAPA", "QUIT"]);
    }

    #[tokio::test]
    async fn usage_fails_on_a_refused_login_and_notes_disagreeing_counts() {
        let (spec, _task) = server(vec![say("+OK\r\n.\r\n"), say("+OK\r\n"), say("-ERR [AUTH] no\r\n")]).await;
        let e = usage(&spec, &net(), &alice(), true, "x".into()).await.unwrap_err();
        assert!(error::one_line(&e).contains("cannot log in to pop3://alice@127.0.0.1"), "{}", error::one_line(&e));

        let (spec, _task) = server(vec![
            say("+OK\r\n.\r\n"),
            say("+OK\r\n"),
            say("+OK\r\n"),
            say("+OK 2 320\r\n"),
            say("+OK\r\n1 120\r\n.\r\n"),
            say("+OK\r\n.\r\n"),
            say("+OK\r\n"),
        ])
        .await;
        let report = usage(&spec, &net(), &alice(), true, "x".into()).await.unwrap();
        assert!(report.notes.iter().any(|n| n.contains("disagree")));
    }
}
