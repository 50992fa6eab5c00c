//! The IMAP route of `mailsweep archive`: the folders chosen by `--folder` and the presets
//! (by SPECIAL-USE attribute, else by name) are planned with EXAMINE, then each is SELECTed
//! and archived in batches, exactly the verified UIDs removed after each batch
//! (`UID STORE +FLAGS.SILENT (\Deleted)`, `UID EXPUNGE <set>`: UIDPLUS is needed unless
//! `--keep-on-server`).

use anyhow::{Context, Result};

use super::{
    Confirm, Faults, FolderPlan, FolderRun, MessageSource, Options, account_key, already_archived, open_for_run,
    progress_of, read_back_again, read_only, settle_plan,
};
use crate::error;
use crate::imap::archive::{ArchiveSession, Fetched};
use crate::imap::session::{Found, ListedFolder};
use crate::model::archive::{ArchiveReport, Candidate, Entry, FolderOutcome, Preset};
use crate::model::{SourceSpec, SpecialUse};
use crate::source::Target;
use crate::store::archive::ArchiveDir;

/// Returns `None` when the user declined.
pub(super) async fn imap_run(
    target: &Target,
    creds: &crate::secret::Credentials,
    opts: &Options,
    confirm: &Confirm,
    report: &mut ArchiveReport,
) -> Result<Option<()>> {
    let SourceSpec::Server(spec) = &target.spec else { unreachable!("IMAP target") };
    let account = account_key(target);
    let mut dir = ArchiveDir::open(&opts.to, read_only(opts, confirm))?;
    report.notes.append(&mut dir.notes);
    let mut s = ArchiveSession::open(spec, &target.net, creds).await?;
    if !opts.keep_on_server && !s.uidplus {
        return Err(error::failure_hint(
            format!(
                "{} does not offer UIDPLUS, so mailsweep cannot remove only the archived messages (a plain EXPUNGE would also purge what other clients marked deleted)",
                target.spec
            ),
            "run with --keep-on-server to copy only, and delete the archived messages in your mail client",
        ));
    }
    let folders = chosen_folders(s.folders().await?, opts);
    let quota = match s.quota().await {
        Ok(q) => q,
        Err(e) => {
            report.notes.push(format!("the quota could not be read: {}", error::one_line(&e)));
            None
        }
    };

    // The plan: candidates per folder, minus what the archive already holds.
    let mut plans = Vec::new();
    let mut finishes = Vec::new();
    let mut pending_bytes = 0u64;
    for f in &folders {
        let name = f.display_name();
        let sel = match s.select(&f.raw, true).await.with_context(|| format!("cannot examine folder \"{name}\""))? {
            Found::Yes(sel) => sel,
            Found::Vanished(why) => {
                report.notes.push(format!("folder \"{name}\" vanished ({why}); it is left out"));
                continue;
            }
        };
        let mut candidates =
            s.candidates(&opts.criteria).await.with_context(|| format!("cannot search folder \"{name}\""))?;
        let mut outcome = FolderOutcome { folder: name.clone(), ..FolderOutcome::default() };
        let finish = already_archived(&dir, &account, &f.raw, sel.uidvalidity, &mut candidates, &mut outcome, opts);
        pending_bytes += finish.iter().map(|e| e.size).sum::<u64>();
        finishes.push(finish);
        report.folders.push(outcome);
        plans.push(FolderPlan { raw: f.raw.clone(), name, uidvalidity: sel.uidvalidity, candidates });
    }
    if opts.until_quota.is_some() && quota.is_none_or(|(_, l)| l == 0) {
        return Err(error::failure_hint(
            "--until-quota: the server reports no storage quota",
            "select by --older-than or --larger-than instead",
        ));
    }
    settle_plan(&mut plans, report, &mut dir, quota, pending_bytes, opts)?;
    if opts.dry_run {
        s.logout().await;
        return Ok(Some(()));
    }
    if plans.iter().all(|p| p.candidates.is_empty()) && pending_bytes == 0 {
        s.logout().await;
        return Ok(Some(()));
    }
    if !confirm.ask(report)? {
        s.logout().await;
        eprintln!("nothing was changed");
        return Ok(None);
    }
    let mut dir = open_for_run(dir, &plans, report, opts)?;

    let mut faults = Faults::from_env();
    let progress = progress_of(report);
    for (i, (plan, finish)) in plans.iter().zip(finishes).enumerate() {
        let mut run = FolderRun {
            s: &mut s,
            dir: &mut dir,
            account: &account,
            plan,
            opts,
            outcome: &mut report.folders[i],
            notes: &mut report.notes,
            faults: &mut faults,
            progress: &progress,
        };
        run.go(finish).await.with_context(|| format!("folder \"{}\"", plan.name))?;
    }
    progress.end();
    if !opts.keep_on_server
        && let Some(q) = report.quota.as_mut()
        && let Ok(Some((used, _))) = s.quota().await
    {
        q.used_after = used;
    }
    s.logout().await;
    Ok(Some(()))
}

/// Which listed folders a run works on.
fn chosen_folders(listed: Vec<ListedFolder>, opts: &Options) -> Vec<ListedFolder> {
    let role_wanted = opts.preset.and_then(Preset::role);
    let by_attribute = |f: &ListedFolder, role: SpecialUse| f.to_usage().role == Some(role);
    let any_attribute = role_wanted.is_some_and(|r| listed.iter().any(|f| by_attribute(f, r)));
    listed
        .into_iter()
        .filter(|f| !f.noselect())
        .filter(|f| opts.folders.keeps_folder(&f.display_name()))
        .filter(|f| match role_wanted {
            None => true,
            Some(role) if any_attribute => by_attribute(f, role),
            Some(role) => SpecialUse::from_name(&f.display_name()) == Some(role),
        })
        .collect()
}

impl FolderRun<'_, ArchiveSession> {
    /// Archives the plan's candidates; `finish` are copies archived earlier to remove
    /// first (see [`already_archived`]).
    async fn go(&mut self, finish: Vec<Entry>) -> Result<()> {
        let name = self.plan.name.clone();
        let sel = match self.s.select(&self.plan.raw, false).await? {
            Found::Yes(sel) => sel,
            Found::Vanished(why) => {
                self.notes.push(format!("folder \"{name}\" vanished ({why}); it is left out"));
                return Ok(());
            }
        };
        if sel.uidvalidity != self.plan.uidvalidity {
            self.notes.push(format!(
                "folder \"{name}\": the server renumbered its messages (UIDVALIDITY changed) since the plan; left out, run again"
            ));
            self.outcome.failed += self.plan.candidates.len() as u64;
            return Ok(());
        }
        let mut delete = !self.opts.keep_on_server;
        if delete && sel.read_only {
            self.notes.push(format!("folder \"{name}\" is read-only on the server: messages were copied, not removed"));
            delete = false;
        }
        if delete {
            self.finish_pending(sel.uidvalidity, finish).await?;
        }
        let mut elsewhere = self.dir.state.by_digest_elsewhere(self.account, &self.plan.raw, sel.uidvalidity);
        let total = self.plan.candidates.len() as u64;
        let mut done = 0u64;
        for batch in self.plan.candidates.chunks(self.opts.batch_size) {
            let archived = self.batch(batch, sel.uidvalidity, &mut elsewhere).await?;
            done += batch.len() as u64;
            self.progress.show(&name, done, total, self.outcome.archived_bytes);
            if delete && !archived.is_empty() {
                self.remove(sel.uidvalidity, &archived).await?;
                self.outcome.deleted_messages += archived.len() as u64;
            }
        }
        Ok(())
    }

    /// Removes verified messages from the server by UID, then journals the removal.
    async fn remove(&mut self, uidvalidity: u32, ids: &[String]) -> Result<()> {
        let uids: Vec<u32> = ids.iter().filter_map(|id| id.parse().ok()).collect();
        self.s.mark_deleted(&uids).await?;
        self.faults.at("stored");
        self.s.expunge(&uids).await?;
        self.faults.at("expunged");
        self.dir.record_deleted(self.account, &self.plan.raw, uidvalidity, ids.to_vec())
    }

    /// Removes what was archived earlier and must leave the server now (an interrupted
    /// move, or backup copies this run selects): each copy is read back once more first;
    /// a copy that no longer matches is forgotten (the message is then archived again
    /// like any other).
    async fn finish_pending(&mut self, uidvalidity: u32, pending: Vec<Entry>) -> Result<()> {
        let again = read_back_again::<ArchiveSession>(self.dir, pending, &self.plan.name, self.notes)?;
        if !again.ids.is_empty() {
            self.remove(uidvalidity, &again.ids).await?;
            again.count(self.outcome);
        }
        Ok(())
    }
}

impl MessageSource for ArchiveSession {
    const ID: &'static str = "UID";
    const SIZE: &'static str = "RFC822.SIZE";
    const WHERE: &'static str = "on the server";

    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>> {
        let uid: u32 = c.id.parse().context("a UID that is not a number")?;
        ArchiveSession::fetch(self, uid, sink).await
    }
}
