//! `probe` over IMAP: what a helpdesk needs to know before anything else.

use anyhow::Result;

use super::session::{self, Session};
use crate::model::probe::{self, LoginOutcome, ProbeReport};
use crate::model::{Protocol, ServerSpec};
use crate::net::NetSettings;
use crate::secret::Credentials;

/// Probes a server. A connection or TLS failure is an error (nothing useful was
/// learned); a refused login is recorded in the report (`login.ok == false`) beside
/// everything learned before it.
pub async fn probe(spec: &ServerSpec, net: &NetSettings, creds: &Credentials, source: String) -> Result<ProbeReport> {
    let (stream, info) = session::connect(spec, net).await?;
    let mut report = ProbeReport {
        source,
        protocol: Protocol::Imap,
        security: spec.security,
        address: Some(info.address.clone()),
        connect_ms: Some(info.connect_ms),
        tls: info.tls.clone(),
        greeting: Some(info.greeting.clone()),
        server_id: Vec::new(),
        login: None,
        capabilities: info.capabilities.clone(),
        explained: Vec::new(),
        special_use: Vec::new(),
        quota_roots: Vec::new(),
        notes: Vec::new(),
    };
    let mut outcome = LoginOutcome {
        ok: false,
        // What the login will try, so a refusal names it too (as over POP3).
        mechanism: session::login_mechanism(&info.capabilities, creds).map(str::to_string).unwrap_or_default(),
        login: creds.login.clone(),
        mailbox: creds.mailbox_owner().to_string(),
        message: None,
    };
    let mut s = match Session::login(stream, &info.capabilities, spec, net.timeout, creds).await {
        Ok(s) => s,
        Err(e) => {
            outcome.message = Some(crate::error::one_line(&e));
            report.login = Some(outcome);
            report.explained = probe::explain(probe::IMAP_CAPABILITIES, &report.capabilities);
            report.notes.push("capabilities shown are those offered before login".into());
            return Ok(report);
        }
    };
    outcome.ok = true;
    outcome.mechanism = s.mechanism.clone();
    report.login = Some(outcome);
    report.capabilities = s.capabilities.clone();
    report.explained = probe::explain(probe::IMAP_CAPABILITIES, &report.capabilities);
    match s.id().await {
        Ok(id) => report.server_id = id,
        Err(e) => report.notes.push(format!("ID failed: {}", crate::error::one_line(&e))),
    }
    let folders = s.list().await?;
    for f in &folders {
        let usage = f.to_usage();
        if f.attributes.iter().any(|a| crate::model::SpecialUse::from_attribute(a).is_some())
            && let Some(role) = usage.role
        {
            report.special_use.push((role, usage.name.clone()));
        }
    }
    if report.special_use.is_empty() {
        report.notes.push("the server marks no special-use folders; roles are guessed from names".into());
    }
    if s.has("QUOTA") {
        match s.quota().await {
            Ok(q) => report.quota_roots = q,
            Err(e) => report.notes.push(crate::error::one_line(&e)),
        }
    } else {
        report.notes.push("quota: not reported by the server (no QUOTA capability)".into());
    }
    report.notes.push(format!("{} folders", folders.len()));
    s.logout().await;
    Ok(report)
}
