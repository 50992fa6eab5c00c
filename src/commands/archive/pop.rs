//! The POP3 route of `mailsweep archive`: the maildrop archived as folder `INBOX` (UIDL as
//! id, UIDVALIDITY 0), then `DELE` of exactly the verified messages, committed by `QUIT`.

use std::collections::HashMap;

use anyhow::{Context, Result};

use super::{
    Confirm, Faults, FolderPlan, FolderRun, MessageSource, Options, ReadBack, account_key, already_archived,
    open_for_run, progress_of, read_back_again, read_only, targets_of,
};
use crate::error;
use crate::imap::archive::Fetched;
use crate::model::archive::{ArchiveFormat, ArchiveReport, Candidate, Entry, FolderOutcome, Preset};
use crate::model::{Security, SourceSpec};
use crate::pop::archive::PopArchiveSession;
use crate::source::Target;
use crate::store::archive::ArchiveDir;

/// The folder a POP3 maildrop is archived as (and journaled under, with UIDVALIDITY 0:
/// POP3 messages are keyed by UIDL alone).
const POP_FOLDER: &str = "INBOX";

/// `archive` of a POP3 maildrop: the same writers and order as IMAP (write, flush, read
/// back, journal), then `DELE` of exactly the verified messages, committed by `QUIT`.
/// Deletions are journaled only once `QUIT` was answered `+OK`; a rerun after anything
/// else finds the copies by UIDL (never writing them twice) and deletes them then.
/// Returns `None` when the user declined.
///
/// Headers are read (`TOP n 0`) only when something needs the dates: an age criterion,
/// `--split-by-year`, or the mbox From_ lines (a Maildir takes each file's date from the
/// message's own header as it streams in). Every `DELE` is sent after the last batch was
/// verified and journaled: POP3 removes nothing before `QUIT` anyway, and the RETRs sent
/// ahead (PIPELINING) need not wait for them.
pub(super) async fn pop_run(
    target: &Target,
    creds: &crate::secret::Credentials,
    opts: &Options,
    confirm: &Confirm,
    report: &mut ArchiveReport,
) -> Result<Option<()>> {
    let SourceSpec::Server(spec) = &target.spec else { unreachable!("POP3 target") };
    if opts.criteria.attachments_over.is_some() {
        return Err(error::usage_hint(
            "--with-attachments-over needs IMAP: over POP3 every message would have to be downloaded to see its attachments",
            "archive by --older-than or --larger-than, or use the account's IMAP address",
        ));
    }
    if matches!(opts.preset, Some(Preset::Sent | Preset::Trash)) {
        return Err(error::usage("POP3 shows only INBOX: --preset sent and trash need IMAP"));
    }
    if opts.until_quota.is_some() {
        return Err(error::failure_hint(
            "--until-quota: POP3 has no quota command",
            "select by --older-than or --larger-than instead",
        ));
    }
    if !opts.folders.keeps_folder(POP_FOLDER) {
        return Err(error::usage("POP3 shows only INBOX, and --folder leaves it out"));
    }
    let account = account_key(target);
    let mut dir = ArchiveDir::open(&opts.to, read_only(opts, confirm))?;
    report.notes.append(&mut dir.notes);
    report.notes.push("POP3 has no flags: unread and flagged messages are archived too, and no flags are kept".into());
    let mut criteria = opts.criteria.clone();
    (criteria.include_unread, criteria.include_flagged) = (true, true);
    let mut s =
        PopArchiveSession::open(spec, &target.net, creds, spec.security == Security::Plain, &target.spec.to_string())
            .await?;

    let mut outcome = FolderOutcome { folder: POP_FOLDER.to_string(), ..FolderOutcome::default() };
    let known = |uidl: &str| dir.state.archived(&account, POP_FOLDER, 0, uidl).is_some();
    if opts.keep_on_server {
        outcome.already_archived = s.listed().iter().filter(|l| known(&l.uidl)).count() as u64;
    }
    // Backup copies stay candidates of a move run: it removes those it selects.
    let skip = |uidl: &str| {
        known(uidl) && (opts.keep_on_server || dir.state.kept_copy(&account, POP_FOLDER, 0, uidl).is_none())
    };
    let dates_needed = criteria.before.is_some() || opts.split_by_year || opts.format == ArchiveFormat::Mbox;
    let mut candidates =
        s.candidates(&criteria, dates_needed, skip).await.context("cannot read the headers of INBOX")?;
    let pending = already_archived(&dir, &account, POP_FOLDER, 0, &mut candidates, &mut outcome, opts);
    outcome.planned_messages = candidates.len() as u64;
    outcome.planned_bytes = candidates.iter().map(|c| c.size).sum();
    outcome.targets = targets_of(&mut dir, POP_FOLDER, &candidates, opts)?;
    report.folders.push(outcome);
    let plan = FolderPlan { raw: POP_FOLDER.to_string(), name: POP_FOLDER.to_string(), uidvalidity: 0, candidates };
    // Nothing is marked for deletion yet: a failed QUIT here loses nothing.
    if opts.dry_run || (plan.candidates.is_empty() && pending.is_empty()) {
        let _ = s.commit().await;
        return Ok(Some(()));
    }
    if !confirm.ask(report)? {
        let _ = s.commit().await;
        eprintln!("nothing was changed");
        return Ok(None);
    }
    let mut dir = match open_for_run(dir, std::slice::from_ref(&plan), report, opts) {
        Ok(dir) => dir,
        Err(e) => {
            let _ = s.commit().await;
            return Err(e);
        }
    };

    let mut faults = Faults::from_env();
    let progress = progress_of(report);
    let delete = !opts.keep_on_server;
    let mut marked: Vec<String> = Vec::new();
    let mut again = ReadBack::default();
    if delete {
        // Verified by an interrupted run (or its QUIT failed), or backup copies this run
        // selects: read back once more, then mark. A UIDL the server no longer lists was
        // removed already (our QUIT went through before the journal said so, or another
        // client deleted it).
        let (here, gone): (Vec<Entry>, Vec<Entry>) = pending.into_iter().partition(|e| s.holds(&e.id));
        if !gone.is_empty() {
            dir.record_deleted(&account, POP_FOLDER, 0, gone.into_iter().map(|e| e.id).collect())?;
        }
        again = read_back_again::<PopArchiveSession>(&mut dir, here, POP_FOLDER, &mut report.notes)?;
        marked.extend(again.ids.iter().cloned());
    }
    s.plan_fetches(plan.candidates.iter().map(|c| c.id.as_str()));
    let mut elsewhere = HashMap::new();
    let total = plan.candidates.len() as u64;
    let mut done = 0u64;
    for batch in plan.candidates.chunks(opts.batch_size) {
        let mut run = FolderRun {
            s: &mut s,
            dir: &mut dir,
            account: &account,
            plan: &plan,
            opts,
            outcome: &mut report.folders[0],
            notes: &mut report.notes,
            faults: &mut faults,
            progress: &progress,
        };
        let archived = run.batch(batch, 0, &mut elsewhere).await.context("folder \"INBOX\"")?;
        done += batch.len() as u64;
        progress.show(POP_FOLDER, done, total, report.folders[0].archived_bytes);
        if delete {
            marked.extend(archived);
        }
    }
    progress.end();
    for chunk in marked.chunks(opts.batch_size) {
        s.dele(chunk).await?;
        faults.at("stored");
    }
    if marked.is_empty() {
        let _ = s.commit().await;
        return Ok(Some(()));
    }
    s.commit().await.map_err(|e| {
        error::failure_hint(
            format!("{}: the server did not confirm QUIT, so the archived messages may all still be on it", error::one_line(&e)),
            "run the same command again: it finds the copies in the archive and deletes them without writing them twice",
        )
    })?;
    faults.at("expunged");
    dir.record_deleted(&account, POP_FOLDER, 0, marked.clone())?;
    again.count(&mut report.folders[0]);
    report.folders[0].deleted_messages += (marked.len() - again.ids.len()) as u64;
    Ok(Some(()))
}

impl MessageSource for PopArchiveSession {
    const ID: &'static str = "UIDL";
    const SIZE: &'static str = "LIST size";
    const WHERE: &'static str = "on the server";

    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>> {
        // POP3 has no flags. The date is the one the plan read from the headers (TOP);
        // a plan that needed none read none, and then the message's header dates it.
        let undated = c.received.is_none() && c.sent.is_none();
        let got =
            self.retr(&c.id, undated, sink).await.with_context(|| format!("cannot retrieve message UIDL {}", c.id))?;
        Ok(got.map(|r| Fetched { size: r.size, received: r.received, flags: Default::default(), bytes: r.bytes }))
    }
}
