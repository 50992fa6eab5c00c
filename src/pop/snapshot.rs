//! `deleters snapshot` over POP3: INBOX as UIDL sees it, with the headers (`TOP n 0`) of
//! the messages not known from the previous run only, so a cron job costs one UIDL and
//! a few TOPs. Nothing is deleted: the session ends with a plain `QUIT`. `TOP` does not
//! mark messages read.

use std::collections::HashSet;

use anyhow::{Context as _, Result};
use jiff::Timestamp;

use super::client::Pop3Client;
use crate::deleters::evidence::MessageInfo;
use crate::imap::watch::describe;
use crate::model::ServerSpec;
use crate::net::NetSettings;
use crate::secret::Credentials;

/// Every message of INBOX by UIDL; headers are read for UIDLs not in `known`.
pub async fn list_inbox(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    allow_plaintext: bool,
    known: &HashSet<String>,
    now: Timestamp,
    source: &str,
) -> Result<Vec<MessageInfo>> {
    let (mut client, _) =
        Pop3Client::connect(spec, net, allow_plaintext).await.with_context(|| format!("cannot connect to {source}"))?;
    client.login(creds).await?;
    let sizes = client.list().await?;
    let uidls = client.uidl().await.context("the server must offer UIDL to tell messages apart between runs")?;
    let mut out = Vec::with_capacity(uidls.len());
    for (n, uidl) in uidls {
        let mut m = MessageInfo {
            uidl: Some(uidl.clone()),
            size: sizes.iter().find(|(k, _)| *k == n).map_or(0, |(_, s)| *s),
            first_seen: now,
            last_seen: now,
            ..MessageInfo::default()
        };
        if !known.contains(&uidl) {
            let head = client.top(n, 0).await?;
            describe(&mut m, &head);
        }
        out.push(m);
    }
    // Nothing was changed in this session; a failed QUIT loses nothing.
    let _ = client.quit().await;
    Ok(out)
}
