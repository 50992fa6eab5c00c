//! `usage` over IMAP: folders, counts, sizes and quota, by the fastest sound route the
//! server allows, with several connections for mailboxes with many folders.
//!
//! Routes, fastest first:
//! 1. LIST-STATUS with SIZE (RFC 5819 + RFC 8438): every folder in one round trip;
//! 2. STATUS (SIZE) per folder;
//! 3. EXAMINE + streamed `UID FETCH 1:* (RFC822.SIZE FLAGS)` per folder (INTERNALDATE too
//!    with `--dates`).
//!
//! Dates are opt-in (`--dates`) because no route has them cheaply: the STATUS routes need an
//! EXAMINE and a FETCH per folder, and INTERNALDATE makes Dovecot stat every Maildir file.
//!
//! Both give the sizes the quota counts (RFC822.SIZE sums; Dovecot's vsize).

use std::collections::VecDeque;
use std::sync::Mutex;

use anyhow::Result;

use super::session::{FolderStatus, Found, ListedFolder, Session};
use crate::error;
use crate::model::{FolderUsage, QuotaInfo, ServerSpec, SizeMethod, UsageReport};
use crate::net::NetSettings;
use crate::secret::Credentials;

/// How folder sizes are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// STATUS=SIZE when offered, else fetch.
    Auto,
    /// STATUS=SIZE, an error when not offered.
    Status,
    /// Streamed RFC822.SIZE.
    Fetch,
}

#[derive(Debug, Clone, Copy)]
pub struct UsageOptions {
    pub route: Route,
    /// Read the oldest/newest dates (two more round trips per folder on the STATUS route).
    pub dates: bool,
    /// Most connections used in parallel.
    pub connections: usize,
}

/// Folders per extra connection: below this, another login costs more than it saves.
const FOLDERS_PER_CONNECTION: usize = 8;

struct Job {
    index: usize,
    raw: String,
    need_status: bool,
}

enum Outcome {
    /// `status` is None when LIST-STATUS already gave the numbers and only dates were read.
    Done {
        status: Option<FolderStatus>,
        dates: Vec<jiff::Timestamp>,
    },
    Vanished(String),
}

pub async fn usage(
    spec: &ServerSpec,
    net: &NetSettings,
    creds: &Credentials,
    opts: UsageOptions,
    source: String,
    account: Option<String>,
) -> Result<UsageReport> {
    let (mut main, _) = Session::open(spec, net, creds).await?;
    let status_route = match opts.route {
        Route::Fetch => false,
        Route::Auto => main.has("STATUS=SIZE"),
        Route::Status if main.has("STATUS=SIZE") => true,
        Route::Status => {
            return Err(error::usage_hint(
                "--size-method status: the server does not offer STATUS=SIZE",
                "use --size-method auto or fetch",
            ));
        }
    };
    let entries: Vec<(ListedFolder, Option<FolderStatus>)> = if status_route && main.has("LIST-STATUS") {
        main.list_status().await?
    } else {
        main.list().await?.into_iter().map(|f| (f, None)).collect()
    };
    let quota = if main.has("QUOTA") {
        QuotaInfo::Reported { roots: main.quota().await? }
    } else {
        QuotaInfo::NotReported { reason: "the server does not offer the QUOTA extension".into() }
    };

    let mut folders: Vec<FolderUsage> = Vec::with_capacity(entries.len());

    let mut jobs = VecDeque::new();
    for (i, (listed, status)) in entries.iter().enumerate() {
        let mut f = listed.to_usage();
        if let Some(s) = status {
            apply_status(&mut f, s);
        }
        let need_status = !listed.noselect() && (!status_route || status.is_none());
        let need_dates = !listed.noselect() && opts.dates && status_route && f.messages > 0;
        if need_status || need_dates {
            jobs.push_back(Job { index: i, raw: listed.raw.clone(), need_status });
        }
        folders.push(f);
    }

    let workers = opts.connections.max(1).min(jobs.len().div_ceil(FOLDERS_PER_CONNECTION).max(1));
    let queue = Mutex::new(jobs);
    let mut sessions = vec![main];
    for _ in 1..workers {
        sessions.push(Session::open(spec, net, creds).await?.0);
    }
    let dates = opts.dates;
    let runs = sessions.into_iter().map(|s| work(s, &queue, status_route, dates));
    let mut results = Vec::new();
    for r in futures::future::join_all(runs).await {
        results.extend(r?);
    }

    let mut notes = Vec::new();
    let mut vanished = Vec::new();
    for (index, outcome) in results {
        let f = &mut folders[index];
        match outcome {
            Outcome::Done { status, dates } => {
                if let Some(s) = status {
                    apply_status(f, &s);
                }
                for d in dates {
                    f.see_date(d);
                }
            }
            Outcome::Vanished(why) => {
                notes.push(format!("folder \"{}\" vanished during the scan ({}); it is left out", f.name, why.trim()));
                vanished.push(index);
            }
        }
    }
    let folders: Vec<FolderUsage> =
        folders.into_iter().enumerate().filter(|(i, _)| !vanished.contains(i)).map(|(_, f)| f).collect();
    if !opts.dates {
        notes.push("oldest/newest dates are read only with --dates (it costs the server more work per folder)".into());
    } else if status_route {
        notes.push(
            "oldest/newest are the first and last message in arrival order (use --size-method fetch for exact dates)"
                .into(),
        );
    }

    Ok(UsageReport {
        source,
        account,
        size_method: if status_route { SizeMethod::StatusSize } else { SizeMethod::FetchSizes },
        folders,
        quota,
        notes,
    })
}

fn apply_status(f: &mut FolderUsage, s: &FolderStatus) {
    f.messages = s.messages;
    f.unseen = s.unseen;
    if let Some(size) = s.size {
        f.bytes = size;
    }
}

/// One connection's share: takes folders from the queue until it is empty.
async fn work(
    mut session: Session,
    queue: &Mutex<VecDeque<Job>>,
    status_route: bool,
    dates: bool,
) -> Result<Vec<(usize, Outcome)>> {
    let mut out = Vec::new();
    loop {
        let job = match queue.lock() {
            Ok(mut q) => q.pop_front(),
            Err(_) => None,
        };
        let Some(job) = job else { break };
        let outcome = folder(&mut session, &job, status_route, dates).await.map_err(|e| {
            e.context(format!("cannot measure folder \"{}\"", super::session::display_name(&job.raw, None)))
        })?;
        out.push((job.index, outcome));
    }
    session.logout().await;
    Ok(out)
}

async fn folder(session: &mut Session, job: &Job, status_route: bool, dates: bool) -> Result<Outcome> {
    if status_route {
        let mut status = None;
        if job.need_status {
            match session.status_size(&job.raw).await? {
                Found::Yes(s) => status = Some(s),
                Found::Vanished(why) => return Ok(Outcome::Vanished(why)),
            }
        }
        let mut found_dates = Vec::new();
        if dates {
            match session.examine(&job.raw).await? {
                Found::Yes(mailbox) => found_dates = session.first_last_dates(mailbox.exists).await?,
                Found::Vanished(why) => return Ok(Outcome::Vanished(why)),
            }
        }
        return Ok(Outcome::Done { status, dates: found_dates });
    }
    let mailbox = match session.examine(&job.raw).await? {
        Found::Yes(m) => m,
        Found::Vanished(why) => return Ok(Outcome::Vanished(why)),
    };
    let mut status = FolderStatus { messages: 0, unseen: Some(0), size: Some(0) };
    let (mut oldest, mut newest): (Option<jiff::Timestamp>, Option<jiff::Timestamp>) = (None, None);
    if mailbox.exists > 0 {
        session
            .fetch_sizes(dates, |size, date, seen| {
                status.messages += 1;
                status.size = Some(status.size.unwrap_or(0) + size);
                if !seen {
                    status.unseen = Some(status.unseen.unwrap_or(0) + 1);
                }
                if let Some(d) = date {
                    oldest = Some(oldest.map_or(d, |o| o.min(d)));
                    newest = Some(newest.map_or(d, |n| n.max(d)));
                }
            })
            .await?;
    }
    let found_dates = if dates { oldest.into_iter().chain(newest).collect() } else { Vec::new() };
    Ok(Outcome::Done { status: Some(status), dates: found_dates })
}
