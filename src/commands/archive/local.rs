//! The local-store route of `mailsweep archive`: a Maildir or mbox on this machine, its
//! folders by their on-disk names; removal unlinks the archived Maildir files after each
//! batch, or rewrites an mbox without the archived messages once per folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{
    Confirm, Faults, FolderPlan, FolderRun, MessageSource, Options, ReadBack, already_archived, open_for_run,
    progress_of, read_back_again, read_only, settle_plan,
};
use crate::error;
use crate::imap::archive::Fetched;
use crate::model::SpecialUse;
use crate::model::archive::{ArchiveReport, Candidate, Entry, FolderOutcome, Preset};
use crate::source::Target;
use crate::store::LocalKind;
use crate::store::archive::ArchiveDir;
use crate::store::archive::local::{LocalFolder, LocalSource};
use crate::store::archive::rewrite::LockMode;

/// `archive` of a local Maildir or mbox: the same plan, writers, verification and journal
/// as IMAP (account `maildir:`/`mbox:` and the canonical path, UIDVALIDITY 0, folders by
/// their on-disk names). Removal unlinks exactly the archived Maildir files after each
/// batch, or rewrites an mbox without exactly the archived messages, once per folder,
/// under the mail locks (see [`crate::store::archive::rewrite`]). Stages for the test
/// faults: `stored` = Maildir files unlinked / the new mbox written beside the old one,
/// `expunged` = directory flushed / the new mbox renamed over the old one.
/// Returns `None` when the user declined.
pub(super) async fn local_run(
    target: &Target,
    kind: LocalKind,
    root: &std::path::Path,
    opts: &Options,
    confirm: &Confirm,
    report: &mut ArchiveReport,
) -> Result<Option<()>> {
    let scheme = match kind {
        LocalKind::Maildir => "maildir",
        LocalKind::Mbox => "mbox",
    };
    let all = tokio::task::block_in_place(|| crate::store::archive::local::folders(kind, root))?;
    let source = canonical(root).map_err(|e| crate::store::io_failure("resolve the path of", root, &e))?;
    let to = canonical(&opts.to).map_err(|e| crate::store::io_failure("resolve the path of", &opts.to, &e))?;
    if to.starts_with(&source) {
        return Err(error::usage_hint(
            format!("the archive directory \"{}\" is inside the source \"{}\"", opts.to.display(), root.display()),
            "archive to a directory outside the mailbox",
        ));
    }
    if source.starts_with(&to) {
        return Err(error::usage_hint(
            format!("the source \"{}\" is inside the archive directory \"{}\"", root.display(), opts.to.display()),
            "archive to a directory that does not hold the mailbox",
        ));
    }
    let account = format!("{scheme}:{}", source.display());
    let quota = match kind {
        LocalKind::Maildir => maildirsize_quota(&source),
        LocalKind::Mbox => None,
    };
    if opts.until_quota.is_some() && quota.is_none() {
        return Err(error::failure_hint(
            format!("--until-quota: {} has no quota", target.spec),
            match kind {
                LocalKind::Maildir => {
                    "a Maildir has one only with a Maildir++ maildirsize file that sets a limit; select by --older-than or --larger-than instead"
                }
                LocalKind::Mbox => "select by --older-than or --larger-than instead",
            },
        ));
    }
    let mut dir = ArchiveDir::open(&opts.to, read_only(opts, confirm))?;
    report.notes.append(&mut dir.notes);
    let lock = if opts.dry_run || opts.keep_on_server { LockMode::Shared } else { LockMode::Exclusive };
    let mut src = LocalSource::new(kind, opts.criteria.clone(), lock);

    // The plan: candidates per folder, minus what the archive already holds; what an
    // earlier run verified and is still in the source is removed by this one.
    let mut plans = Vec::new();
    let mut pendings = Vec::new();
    let mut pending_bytes = 0u64;
    for f in chosen_local(all, opts) {
        let pending = if opts.keep_on_server { Vec::new() } else { dir.state.pending_deletions(&account, &f.raw, 0) };
        let ids: std::collections::HashSet<String> = pending.iter().map(|e| e.id.clone()).collect();
        let scan = tokio::task::block_in_place(|| src.scan(&f, &ids))
            .with_context(|| format!("cannot read folder \"{}\"", f.name))?;
        report.notes.extend(scan.notes);
        let mut outcome = FolderOutcome { folder: f.name.clone(), ..FolderOutcome::default() };
        let mut candidates = scan.candidates;
        // Pending copies come back with the selected backup copies (which the scan found
        // in the source, so they are here).
        let finish = already_archived(&dir, &account, &f.raw, 0, &mut candidates, &mut outcome, opts);
        let (here, gone): (Vec<Entry>, Vec<Entry>) =
            finish.into_iter().partition(|e| e.kept || scan.still_here.contains(&e.id));
        pending_bytes += here.iter().map(|e| e.size).sum::<u64>();
        report.folders.push(outcome);
        plans.push(FolderPlan { raw: f.raw, name: f.name, uidvalidity: 0, candidates });
        pendings.push((here, gone));
    }
    settle_plan(&mut plans, report, &mut dir, quota, pending_bytes, opts)?;
    let nothing = plans.iter().all(|p| p.candidates.is_empty()) && pendings.iter().all(|(h, _)| h.is_empty());
    if opts.dry_run || (nothing && pendings.iter().all(|(_, g)| g.is_empty())) {
        return Ok(Some(()));
    }
    if !nothing && !confirm.ask(report)? {
        eprintln!("nothing was changed");
        return Ok(None);
    }
    let mut dir = open_for_run(dir, &plans, report, opts)?;

    let mut faults = Faults::from_env();
    let progress = progress_of(report);
    let delete = !opts.keep_on_server;
    for (i, (plan, (here, gone))) in plans.iter().zip(pendings).enumerate() {
        src.select(&plan.raw);
        let context = || format!("folder \"{}\"", plan.name);
        // Archived earlier and no longer in the source: removed already (by the earlier
        // run just before it was stopped, or by another client).
        if !gone.is_empty() {
            dir.record_deleted(&account, &plan.raw, 0, gone.into_iter().map(|e| e.id).collect())?;
        }
        // mbox: removed all at once at the end of the folder (one rewrite).
        let mut remove: Vec<String> = Vec::new();
        let mut again = ReadBack::default();
        if delete {
            again = read_back_again::<LocalSource>(&mut dir, here, &plan.name, &mut report.notes)?;
            match kind {
                LocalKind::Maildir if !again.ids.is_empty() => {
                    local_unlink(
                        &mut src,
                        &mut dir,
                        &source,
                        &account,
                        plan,
                        &again.ids,
                        &mut faults,
                        &mut report.notes,
                    )
                    .with_context(context)?;
                    again.count(&mut report.folders[i]);
                }
                LocalKind::Maildir => {}
                LocalKind::Mbox => remove.extend(again.ids.iter().cloned()),
            }
        }
        let mut elsewhere = HashMap::new();
        let total = plan.candidates.len() as u64;
        let mut done = 0u64;
        for batch in plan.candidates.chunks(opts.batch_size) {
            let mut run = FolderRun {
                s: &mut src,
                dir: &mut dir,
                account: &account,
                plan,
                opts,
                outcome: &mut report.folders[i],
                notes: &mut report.notes,
                faults: &mut faults,
                progress: &progress,
            };
            let archived = run.batch(batch, 0, &mut elsewhere).await.with_context(context)?;
            done += batch.len() as u64;
            progress.show(&plan.name, done, total, report.folders[i].archived_bytes);
            if delete && !archived.is_empty() {
                match kind {
                    LocalKind::Maildir => {
                        let n = local_unlink(
                            &mut src,
                            &mut dir,
                            &source,
                            &account,
                            plan,
                            &archived,
                            &mut faults,
                            &mut report.notes,
                        )
                        .with_context(context)?;
                        report.folders[i].deleted_messages += n;
                    }
                    LocalKind::Mbox => remove.extend(archived),
                }
            }
        }
        if delete && kind == LocalKind::Mbox && !remove.is_empty() {
            let rewrite =
                tokio::task::block_in_place(|| src.prepare_rewrite(&plan.raw, &remove)).with_context(context)?;
            faults.at("stored");
            tokio::task::block_in_place(|| rewrite.commit()).with_context(context)?;
            faults.at("expunged");
            let n = remove.len() as u64;
            dir.record_deleted(&account, &plan.raw, 0, remove)?;
            again.count(&mut report.folders[i]);
            report.folders[i].deleted_messages += n - again.ids.len() as u64;
        }
    }
    progress.end();
    Ok(Some(()))
}

/// Which folders of a local store a run works on: `--folder` globs, and for the Sent and
/// Trash presets the folders named so (local stores carry no SPECIAL-USE attributes).
fn chosen_local(folders: Vec<LocalFolder>, opts: &Options) -> Vec<LocalFolder> {
    let role = opts.preset.and_then(Preset::role);
    folders
        .into_iter()
        .filter(|f| opts.folders.keeps_folder(&f.name))
        .filter(|f| role.is_none_or(|r| SpecialUse::from_name(&f.name) == Some(r)))
        .collect()
}

/// `path` absolute with symlinks resolved, also when it does not exist yet: its longest
/// existing ancestor is resolved and the rest appended.
fn canonical(path: &Path) -> std::io::Result<PathBuf> {
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    let mut rest = Vec::new();
    let mut at = abs.as_path();
    loop {
        match at.canonicalize() {
            Ok(mut out) => {
                out.extend(rest.iter().rev());
                return Ok(out);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) = (at.parent(), at.file_name()) else { return Err(e) };
                rest.push(name.to_os_string());
                at = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Storage use and limit of a Maildir++ `maildirsize` file that sets a limit.
fn maildirsize_quota(root: &Path) -> Option<(u64, u64)> {
    let file = std::fs::File::open(root.join("maildirsize")).ok()?;
    let q = crate::store::maildir::parse_maildirsize(std::io::BufReader::new(file)).ok()??;
    q.storage().map(|r| (r.usage, r.limit)).filter(|&(_, l)| l > 0)
}

/// Removes archived Maildir messages (unlink, directory fsync, `maildirsize`), then
/// journals it. Returns how many files were removed.
#[allow(clippy::too_many_arguments)]
fn local_unlink(
    src: &mut LocalSource,
    dir: &mut ArchiveDir,
    root: &Path,
    account: &str,
    plan: &FolderPlan,
    ids: &[String],
    faults: &mut Faults,
    notes: &mut Vec<String>,
) -> Result<u64> {
    let u = tokio::task::block_in_place(|| src.unlink(&plan.raw, ids))?;
    faults.at("stored");
    if let Some(note) = tokio::task::block_in_place(|| src.sync(root, &u))? {
        notes.push(note);
    }
    faults.at("expunged");
    if !u.gone.is_empty() {
        notes.push(format!(
            "folder \"{}\": {} archived messages were removed by another client meanwhile",
            plan.name,
            u.gone.len()
        ));
    }
    let removed = u.removed.len() as u64;
    dir.record_deleted(account, &plan.raw, 0, u.removed.into_iter().chain(u.gone).collect())?;
    Ok(removed)
}

impl MessageSource for LocalSource {
    const ID: &'static str = "message";
    const SIZE: &'static str = "its file size";
    const WHERE: &'static str = "in the source";

    async fn fetch_message(
        &mut self,
        c: &Candidate,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<Option<Fetched>> {
        let got = tokio::task::block_in_place(|| self.read(c, sink))?;
        Ok(got.map(|g| Fetched { size: g.size, received: c.received, flags: g.flags, bytes: g.bytes }))
    }

    fn skipped(&mut self, id: &str) -> Option<String> {
        LocalSource::skipped(self, id)
    }
}
