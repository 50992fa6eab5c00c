//! `attachments` over POP3. POP3 cannot show a message's structure: by default the
//! report lists the messages at or above the size (from `LIST`) with their headers (from
//! `TOP n 0`), and says that attachment detail needs IMAP or a download. With
//! `--download-candidates` those messages only are retrieved, one at a time, and parsed
//! like local mail. Nothing is ever deleted: the session ends with a plain `QUIT`.

use anyhow::{Context as _, Result};

use super::client::Pop3Client;
use crate::model::mime::report::{
    AttachmentsReport, Collector, Counts, Detail, Envelope, Filter, Keep, Locator, MessageFinding,
};
use crate::model::{QuotaInfo, ServerSpec};
use crate::net::NetSettings;
use crate::secret::Credentials;
use crate::store::attachments::inspect;

/// The only folder POP3 shows.
const INBOX: &str = "INBOX";

pub async fn attachments(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    filter: &Filter,
    download: bool,
    source: String,
) -> Result<AttachmentsReport> {
    Ok(attachments_keeping(spec, net, creds, filter, download, Keep::All, source).await?.0)
}

/// [`attachments`], keeping in memory only what `keep` says; the counts are of every
/// finding. Plaintext is allowed when the source says so (`pop3://`, `security = plain`).
pub async fn attachments_keeping(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    filter: &Filter,
    download: bool,
    keep: Keep,
    source: String,
) -> Result<(AttachmentsReport, Counts)> {
    let allow_plaintext = spec.security == crate::model::Security::Plain;
    let mut found = Collector::new(keep);
    let mut report = AttachmentsReport {
        source: source.clone(),
        account: None,
        detail: if download { Detail::Parts } else { Detail::Messages },
        messages: Vec::new(),
        candidates: 0,
        not_fully_parsed: 0,
        quota: QuotaInfo::NotReported { reason: "POP3 has no quota command".into() },
        notes: vec!["POP3 sees only INBOX".into()],
    };
    if !download {
        report.notes.push(
            "POP3 cannot show a message's structure: these are the messages big enough to hold such attachments; \
             attachment detail needs IMAP, or --download-candidates (downloads these messages only)"
                .into(),
        );
        if !filter.type_globs.is_empty() {
            report.notes.push("--type cannot be applied without the messages' structure".into());
        }
    }
    if !filter.keeps_folder(INBOX) {
        report.notes.push("the --folder patterns leave out INBOX, the only folder POP3 shows".into());
        let counts = found.finish(&mut report);
        return Ok((report, counts));
    }
    let (mut client, _) =
        Pop3Client::connect(spec, net, allow_plaintext).await.with_context(|| format!("cannot connect to {source}"))?;
    client.login(creds).await?;
    let mut candidates = Vec::new();
    client
        .list_each(|n, size| {
            if size >= filter.min_size {
                candidates.push((n, size));
            }
        })
        .await?;
    // UIDs make the report actionable across sessions; a server without UIDL still works.
    let uidls = if candidates.is_empty() { Vec::new() } else { client.uidl().await.unwrap_or_default() };
    for (n, size) in candidates {
        report.candidates += 1;
        let uidl = uidls.iter().find(|(m, _)| *m == n).map(|(_, u)| u.clone());
        let locator = Locator::Pop { number: n, uidl };
        if download {
            let mut raw = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            client.retr_to(n, &mut raw).await?;
            let inspected = inspect(&raw, filter.min_size, INBOX, locator, None);
            if !inspected.complete {
                report.not_fully_parsed += 1;
            }
            if let Some(m) = filter.apply(inspected.finding) {
                found.add(m);
            }
        } else {
            let head = client.top(n, 0).await?;
            let envelope = Envelope::from_header_block(&head, None);
            if !filter.keeps_date(envelope.date) {
                continue;
            }
            found.add(MessageFinding {
                folder: INBOX.into(),
                locator,
                date: envelope.date,
                from: envelope.from,
                subject: envelope.subject,
                size,
                attachments: Vec::new(),
                complete: true,
            });
        }
    }
    // Nothing was changed in this session; a failed QUIT loses nothing.
    let _ = client.quit().await;
    let counts = found.finish(&mut report);
    Ok((report, counts))
}
