//! The command-line interface: the clap tree. Doc comments here are the help text.

// Written for a terminal (`--help`, the man page), not for rustdoc: `[:PORT]` and
// `<account>` are the help's own notation, not links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::usage::SortKey;
use crate::report::Format;
use crate::secret::Mechanism;

/// Mailbox hygiene and quota auditing for IMAP, POP3, Maildir and mbox.
///
/// Measures what mail hosts' guides advise: quota use, big folders, and (in later
/// versions) big attachments, deleting POP clients and old mail to archive.
///
/// Exit codes: 0 OK, 1 WARNING (a warn threshold crossed), 2 CRITICAL (a critical
/// threshold crossed, or a server could not be checked), 3 UNKNOWN (usage or config error).
#[derive(Debug, Parser)]
#[command(name = "mailsweep", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Seconds allowed for each network operation (connect, handshake, one answer)
    /// [default: 30].
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,

    /// Trust the CA certificates in this PEM file beside the system store (private CA).
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password
    /// then crosses the network in clear.
    #[arg(long, global = true)]
    pub plaintext: bool,

    /// When to use colours in tables.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect, log in and show what the server offers (TLS, capabilities, quota roots).
    ///
    /// Example: mailsweep probe imaps://alice@mail.example.org
    Probe(ProbeArgs),
    /// Size per folder against the quota, with thresholds for monitoring.
    ///
    /// Examples:
    ///   mailsweep usage imaps://alice@mail.example.org
    ///   mailsweep usage --account work --format nagios --warn 80 --crit 95
    ///   mailsweep usage maildir:/var/vmail/example.org/alice/Maildir --top 10
    ///   mailsweep usage imaps://mail.example.org --admin admin --user alice --user bob
    Usage(UsageArgs),
    /// The attachments that eat the quota, per attachment, without downloading them.
    ///
    /// Over IMAP only the structure (BODYSTRUCTURE) and three header fields of the
    /// messages big enough to matter are read, never a body. POP3 cannot show structure:
    /// it lists the big messages (--download-candidates inspects them). Maildir and mbox
    /// are parsed one message at a time. Sizes are encoded sizes, as the quota counts them.
    ///
    /// Examples:
    ///   mailsweep attachments imaps://alice@mail.example.org
    ///   mailsweep attachments maildir:~/Maildir --min-size 10MiB --type 'image/*' --top 20
    ///   mailsweep attachments --account work --folder 'Archives/*' --older-than 1y --format json
    #[command(verbatim_doc_comment)]
    Attachments(AttachmentsArgs),
    /// Who deletes the mail: find deleting POP clients and other deleters, with a verdict,
    /// evidence and advice per mailbox ("my messages disappear").
    ///
    /// Example: mailsweep deleters logs /var/log/mail.log /var/log/mail.log.1 /var/log/mail.log.2.gz
    Deleters(DeletersArgs),
    /// Move old mail to local archives: verified before anything leaves the server,
    /// resumable, safe for cron.
    ///
    /// Order for every batch: fetch, write, flush to disk, read back and compare with what
    /// the server sent (SHA-256 and RFC822.SIZE), record in the archive's journal, and only
    /// then remove exactly those messages by UID (UID EXPUNGE). A run that was killed or
    /// lost its connection is simply run again. Flagged and unread messages stay unless
    /// asked for; messages another client marked deleted are never touched.
    ///
    /// Local sources work the same way: maildir:PATH (even while Dovecot serves it: the
    /// archived files are unlinked one by one, found by base name after a flag change)
    /// and mbox:PATH (rewritten without exactly the archived messages, under the dotlock,
    /// fcntl and flock locks, refused when another program changed it meanwhile).
    ///
    /// Examples:
    ///   mailsweep archive imaps://alice@mail.example.org --older-than 1y --to ~/Mail/Archives --dry-run
    ///   mailsweep archive --account work --preset sent --older-than 6m --to ~/Mail/Local --yes
    ///   mailsweep archive imaps://alice@mail.example.org --with-attachments-over 5MiB --to DIR
    ///   mailsweep archive imaps://alice@mail.example.org --until-quota 70% --to DIR --archive-format maildir
    ///   mailsweep archive maildir:~/Maildir --folder Sent --older-than 1y --to ~/Mail/Archives --yes
    #[command(verbatim_doc_comment)]
    Archive(ArchiveArgs),
    /// Delivery failure reports (bounces) in a mailbox, classified with the guide's advice.
    ///
    /// Finds standard reports (RFC 3464) and the common non-standard ones (Postfix, Exim,
    /// qmail, Exchange/Outlook, Gmail, Sendmail) and sorts each failed recipient into the
    /// guide's table: mailbox full, message too large, unknown user (before the @),
    /// unknown domain (after the @), temporary. Over IMAP only headers, the structure and
    /// the small parts that carry the report are read, never a returned attachment.
    /// Exit 1 (WARNING) when a recipient's mailbox is full.
    ///
    /// Examples:
    ///   mailsweep bounces imaps://alice@mail.example.org
    ///   mailsweep bounces maildir:~/Maildir --since 2025-01-01 --format json
    ///   mailsweep bounces --account work --folder INBOX --folder 'Archives/*' --since 6m
    #[command(verbatim_doc_comment)]
    Bounces(BouncesArgs),
    /// The guides' checkup: every finding with its numbers, the guide rule and the fix.
    ///
    /// Checks quota use and how many typical messages still fit before mail bounces;
    /// folders over 100 MB and 500 MB; the Sent folder and the Trash on the server; big
    /// attachments; the Junk folder (unread, oldest); several folders for one role (Sent,
    /// "Éléments envoyés", ...); recent bounces; and the POP signals: the server's EXPIRE
    /// policy and, with --logs, deleting clients, several addresses and fast polling.
    /// Each fix is a mailsweep command line or the client setting to change.
    /// Exit: 0 nothing worse than info, 1 a warning, 2 a critical finding or the mailbox
    /// could not be checked, 3 usage error.
    ///
    /// Examples:
    ///   mailsweep doctor imaps://alice@mail.example.org
    ///   mailsweep doctor maildir:~/Maildir --lang fr --format markdown
    ///   mailsweep doctor imaps://alice@mail.example.org --pop3 pop3s://alice@mail.example.org
    ///   mailsweep doctor imaps://alice@mail.example.org --logs /var/log/dovecot.log
    #[command(verbatim_doc_comment)]
    Doctor(DoctorArgs),
    /// Print shell completions to stdout (bash, zsh, fish, elvish, powershell).
    ///
    /// Example: mailsweep completions bash > /etc/bash_completion.d/mailsweep
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Which mailboxes to work on, shared by every command that reads mail.
#[derive(Debug, Args, Default, Clone)]
pub struct TargetArgs {
    /// Named account(s) from the config file.
    #[arg(long = "account", short = 'a', value_name = "NAME")]
    pub accounts: Vec<String>,

    /// Every account in the config file.
    #[arg(long, conflicts_with = "accounts")]
    pub all_accounts: bool,

    /// Log in as this admin (e.g. a Dovecot master user) and open the source's user's
    /// mailbox through SASL PLAIN's authorization identity. The password is the admin's.
    #[arg(long, value_name = "ADMIN")]
    pub admin: Option<String>,

    /// With --admin: audit this user's mailbox (repeatable), instead of the source's user.
    #[arg(long = "user", value_name = "USER", requires = "admin")]
    pub users: Vec<String>,

    /// With --admin: audit every user listed in this file (one per line, # comments).
    #[arg(long, value_name = "FILE", requires = "admin")]
    pub users_file: Option<PathBuf>,

    /// A command printing the password on its first line (instead of MAILSWEEP_PASSWORD
    /// or the prompt). The password itself never goes on the command line.
    #[arg(long, value_name = "CMD")]
    pub password_command: Option<String>,

    /// Login mechanism.
    #[arg(long, value_enum, value_name = "MECH")]
    pub auth: Option<Mechanism>,

    /// How many mailboxes are checked at once when there are several [default: 4].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// imaps://USER@HOST[:PORT], imap://, pop3s://, pop3://, maildir:PATH or mbox:PATH
    /// (default: the config's default account).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format: table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Sources to measure (several allowed); default: the config's default account.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Folder order.
    #[arg(long, value_enum, default_value_t = SortKey::Size)]
    pub sort: SortKey,

    /// Show only the N first folders (totals still count all).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Quota use (percent) at which the status is WARNING (exit 1) [default: 80].
    #[arg(long, value_name = "PERCENT")]
    pub warn: Option<String>,

    /// Quota use (percent) at which the status is CRITICAL (exit 2) [default: 95].
    #[arg(long, value_name = "PERCENT")]
    pub crit: Option<String>,

    /// Output format: a table, JSON, a Nagios/Icinga status line with perfdata, or a
    /// Prometheus textfile (node_exporter textfile collector).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// How IMAP folder sizes are measured: STATUS=SIZE when offered (fast), or a
    /// streamed UID FETCH of every message's RFC822.SIZE (slow, works everywhere).
    #[arg(long, value_enum, default_value_t = SizeMethodArg::Auto)]
    pub size_method: SizeMethodArg,

    /// Also read each IMAP folder's oldest/newest dates. Not cheap on a server: two more
    /// round trips per folder on the STATUS route (EXAMINE, FETCH), and INTERNALDATE makes
    /// the server stat every message file on the fetch route. Local stores always show them.
    #[arg(long)]
    pub dates: bool,

    /// IMAP connections per mailbox used in parallel when it has many folders [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    pub connections: Option<u16>,
}

#[derive(Debug, Args)]
pub struct AttachmentsArgs {
    /// The mailbox to search (default: the config's default account).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Report attachments at least this big, encoded (500k, 5MiB, 1.5GB).
    #[arg(long, value_name = "SIZE", default_value = "5MiB")]
    pub min_size: String,

    /// Only folders matching this glob (repeatable; `Archives/*`, case-insensitive).
    #[arg(long = "folder", value_name = "GLOB")]
    pub folders: Vec<String>,

    /// Only messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD).
    #[arg(long, value_name = "AGE|DATE")]
    pub older_than: Option<String>,

    /// Only messages newer than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD).
    #[arg(long, value_name = "AGE|DATE")]
    pub newer_than: Option<String>,

    /// Only attachments of this MIME type (repeatable; `image/*`, `application/pdf`).
    #[arg(long = "type", value_name = "GLOB")]
    pub types: Vec<String>,

    /// Show only the N first attachments (totals still count all).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Attachment order: biggest first, or oldest first.
    #[arg(long, value_enum, default_value_t = crate::model::mime::report::AttachmentSort::Size)]
    pub sort: crate::model::mime::report::AttachmentSort,

    /// Output format: a table, JSON, or a Nagios/Icinga status line.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Share of the quota (percent) held by the attachments found at which the status is
    /// WARNING (exit 1) [default: 25].
    #[arg(long, value_name = "PERCENT")]
    pub warn: Option<String>,

    /// Share of the quota (percent) held by the attachments found at which the status is
    /// CRITICAL (exit 2) [default: 50].
    #[arg(long, value_name = "PERCENT")]
    pub crit: Option<String>,

    /// POP3: download (RETR) the messages at or above --min-size, one at a time, to show
    /// their attachments. Costs their size in traffic; nothing is deleted.
    #[arg(long)]
    pub download_candidates: bool,
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The mailbox to archive from (default: the config's default account).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// The archive directory (created 0700 when missing).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,

    /// Archive messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD).
    #[arg(long, value_name = "AGE|DATE", conflicts_with = "before")]
    pub older_than: Option<String>,

    /// Archive messages received before this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,

    /// Compare the sent date (Date: header) instead of the received date (INTERNALDATE).
    #[arg(long)]
    pub by_sent_date: bool,

    /// Only folders matching this glob (repeatable; `Archives/*`, case-insensitive)
    /// [default: every folder].
    #[arg(long = "folder", value_name = "GLOB")]
    pub folders: Vec<String>,

    /// Only messages bigger than this (500k, 5MiB).
    #[arg(long, value_name = "SIZE")]
    pub larger_than: Option<String>,

    /// Only messages with an attachment at least this big, encoded (as `attachments` reports).
    #[arg(long, value_name = "SIZE")]
    pub with_attachments_over: Option<String>,

    /// Archive flagged messages too (kept on the server by default).
    #[arg(long)]
    pub include_flagged: bool,

    /// Archive unread messages too (kept on the server by default).
    #[arg(long)]
    pub include_unread: bool,

    /// A selection that follows the guides: the Sent folder, the Trash, or messages with
    /// big attachments (5 MiB unless --with-attachments-over says otherwise).
    #[arg(long, value_enum, value_name = "PRESET")]
    pub preset: Option<crate::model::archive::Preset>,

    /// Archive the oldest selected messages first until the mailbox is at or under this
    /// share of its quota (70%). Local sources: a Maildir with a maildirsize limit only.
    #[arg(long, value_name = "PERCENT")]
    pub until_quota: Option<String>,

    /// mbox: one mboxrd file per folder (Local Folders layout); maildir: Maildir++ with
    /// flags in file names.
    #[arg(long, value_enum, default_value_t = crate::model::archive::ArchiveFormat::Mbox)]
    pub archive_format: crate::model::archive::ArchiveFormat,

    /// One archive folder per year below each folder (`Sent.sbd/2021`); messages with no
    /// date at all go to `undated` beside the years.
    #[arg(long)]
    pub split_by_year: bool,

    /// Gzip the mbox files (mail clients cannot open them compressed).
    #[arg(long)]
    pub compress: bool,

    /// Show the plan (messages and bytes per folder, the quota after) and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,

    /// Do not ask for confirmation (for cron). Without a terminal, required to act.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Copy only (backup mode): nothing leaves the server; the next run adds what is new.
    #[arg(long)]
    pub keep_on_server: bool,

    /// Messages per batch: each batch is written, flushed, verified and journaled before
    /// its messages are removed from the server.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub batch_size: u32,

    /// Output format of the summary: table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct BouncesArgs {
    /// The mailbox to read: imaps://, imap://, pop3s://, pop3://, maildir:PATH or
    /// mbox:PATH (default: the config's default account). POP3 lists the candidates by
    /// their headers; classifying them needs --download-candidates.
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Only folders matching this glob (repeatable; case-insensitive) [default: INBOX;
    /// every file of an mbox source].
    #[arg(long = "folder", value_name = "GLOB")]
    pub folders: Vec<String>,

    /// Bounces that arrived since: an age (30d, 2w, 6m, 1y) or a date (YYYY-MM-DD).
    #[arg(long, value_name = "AGE|DATE", default_value = "30d")]
    pub since: String,

    /// Output format: table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// POP3: download (RETR) the messages whose headers look like bounces, one at a time
    /// and at most 1 MiB each, to classify them. Nothing is deleted.
    #[arg(long)]
    pub download_candidates: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The mailbox to check (default: the config's default account).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Output format: a table, JSON, or Markdown to paste into a helpdesk ticket.
    #[arg(long, value_enum, default_value_t = crate::report::doctor::DoctorFormat::Table)]
    pub format: crate::report::doctor::DoctorFormat,

    /// The language of the advice [default: French when LC_ALL, LC_MESSAGES or LANG
    /// starts with "fr", else English].
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::model::doctor::Lang>,

    /// Quota use (percent) at which the quota finding is a warning [default: 80].
    #[arg(long, value_name = "PERCENT")]
    pub warn: Option<String>,

    /// Quota use (percent) at which the quota finding is critical [default: 95].
    #[arg(long, value_name = "PERCENT")]
    pub crit: Option<String>,

    /// Bounces that arrived since: an age (30d, 6m) or a date (YYYY-MM-DD).
    #[arg(long, value_name = "AGE|DATE", default_value = "90d")]
    pub bounces_since: String,

    /// Also ask this POP3 server (pop3s://USER@HOST) for its retention policy (EXPIRE),
    /// for an IMAP source whose box is also read by POP. Same login as the source.
    #[arg(long, value_name = "URL")]
    pub pop3: Option<String>,

    /// Dovecot log files to look for deleting POP clients, several addresses and fast
    /// polling (as `deleters logs`; `-` reads stdin).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub logs: Vec<PathBuf>,

    /// The user name in the logs [default: the source's user; required for local sources].
    #[arg(long, value_name = "USER", requires = "logs")]
    pub log_user: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeletersArgs {
    #[command(subcommand)]
    pub command: DeletersCommand,
}

#[derive(Debug, Subcommand)]
pub enum DeletersCommand {
    /// Read Dovecot logs (server side, for mail admins): per user and remote address,
    /// POP downloads and deletions, IMAP expunges, polling intervals, with verdicts.
    ///
    /// Reads Dovecot 2.2-2.4 log files (log_path) and syslog/journal text exports, plain or
    /// gzip-rotated, or stdin (`-`). Exit 1 (WARNING) when a deleting POP client is found.
    ///
    /// Examples:
    ///   mailsweep deleters logs /var/log/dovecot.log
    ///   zcat /var/log/mail.log.*.gz | mailsweep deleters logs - --user alice
    ///   journalctl -u dovecot -o short-iso | mailsweep deleters logs - --format json
    Logs(DeletersLogsArgs),
    /// Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how
    /// long it lived, whether \Deleted or \Seen came first and where it went.
    ///
    /// Opens INBOX read-only, reads what is there, then waits for changes; a removed
    /// message is looked for in the folders whose counters moved. Prints events as they
    /// happen and the verdicts at the end (Ctrl-C, SIGTERM or --for) and every
    /// --summary-every. Reconnects after a dropped connection or a server restart without
    /// forgetting. Trash and Junk are looked at every --folders-every: what leaves them is
    /// read as an expiry at a fixed age (the host's policy) or as someone emptying them.
    /// Durations: 90s, 30min, 2h, 1d (m is months). Exit 1 (WARNING) when mail vanished to
    /// an unknown client.
    ///
    /// Examples:
    ///   mailsweep deleters watch imaps://alice@mail.example.org --for 2h --summary-every 30min
    ///   mailsweep deleters watch --account work --canary --format json
    #[command(verbatim_doc_comment)]
    Watch(DeletersWatchArgs),
    /// Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished,
    /// when it was last seen, at what age, and where it went. For cron.
    ///
    /// The state lives in $XDG_STATE_HOME/mailsweep/snapshots/<account>.json; over several
    /// runs the ages at disappearance build up into the same verdicts as `deleters logs`.
    /// Over IMAP the Trash and Junk folders are remembered too: messages that leave them at
    /// a steady age are a server expiry (the age is estimated), all at once someone
    /// emptying them. Exit 1 (WARNING) when messages vanished to an unknown client since
    /// the last run (never for Trash or Junk).
    ///
    /// Examples:
    ///   mailsweep deleters snapshot imaps://alice@mail.example.org
    ///   */30 * * * *  mailsweep deleters snapshot --account work --format json >> ~/snapshots.jsonl
    ///   mailsweep deleters snapshot pop3s://alice@mail.example.org --reset
    #[command(verbatim_doc_comment)]
    Snapshot(DeletersSnapshotArgs),
}

#[derive(Debug, Args)]
pub struct DeletersWatchArgs {
    /// The IMAP mailbox to watch (default: the config's default account).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// Stop after this long (90s, 30min, 2h, 1d; m is months) [default: until Ctrl-C or SIGTERM].
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,

    /// Also print the verdicts this often (30min, 1h).
    #[arg(long, value_name = "DURATION")]
    pub summary_every: Option<String>,

    /// How often Trash and Junk are looked at (one STATUS each; their UIDs when it moved),
    /// to see what leaves them: an expiry at a fixed age, or someone emptying them.
    #[arg(long, value_name = "DURATION", default_value = "1min")]
    pub folders_every: String,

    /// Append one clearly labelled test message to INBOX and report when and how it
    /// disappears.
    #[arg(long)]
    pub canary: bool,

    /// Output format: text lines, or JSON lines (one event or summary per line).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DeletersSnapshotArgs {
    /// The mailbox to record: imaps://, imap://, pop3s:// or pop3:// (default: the
    /// config's default account).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// The state file [default: $XDG_STATE_HOME/mailsweep/snapshots/<account>.json].
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// Start over: forget the previous state (corrupt, foreign or unwanted) and record anew.
    #[arg(long)]
    pub reset: bool,

    /// Output format: table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DeletersLogsArgs {
    /// Log files, oldest first (`-` reads stdin); gzip is detected by content.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Only this user (repeatable).
    #[arg(long = "user", value_name = "USER")]
    pub users: Vec<String>,

    /// Only sessions from this time on: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (local time),
    /// or an age like `7d`, `12h`, `90min` (`m` is months, as everywhere in mailsweep).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Only sessions up to this time (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,

    /// The year of the first line of each file, for syslog timestamps that have none
    /// [default: inferred from each file's modification time].
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,

    /// Output format: table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Table: every user in detail. Without it, above 20 users the table lists only those
    /// with a warning (a POP client deletes their mail) and counts the others in one line.
    /// JSON always has every user.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SizeMethodArg {
    #[default]
    Auto,
    Status,
    Fetch,
}

/// Writes completions for every shell and the man page into `dir` (`completions/`).
pub fn generate_assets(dir: &std::path::Path) -> std::io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    std::fs::create_dir_all(dir)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell] {
        let mut cmd = Cli::command();
        clap_complete::generate_to(shell, &mut cmd, "mailsweep", dir)?;
    }
    let mut man = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut man)?;
    std::fs::write(dir.join("mailsweep.1"), man)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_clap_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Completions and the man page are committed; this fails when they are stale.
    /// Regenerate with: MAILSWEEP_BLESS=1 cargo test --lib generated_assets_are_fresh
    #[test]
    fn generated_assets_are_fresh() {
        let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        if std::env::var_os("MAILSWEEP_BLESS").is_some() {
            generate_assets(&committed).unwrap();
        }
        let fresh = tempfile::tempdir().unwrap();
        generate_assets(fresh.path()).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(fresh.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names.len(), 6, "five shells and the man page");
        for name in names {
            let want = std::fs::read(fresh.path().join(&name)).unwrap();
            let have = std::fs::read(committed.join(&name)).unwrap_or_default();
            assert!(
                want == have,
                "completions/{} is stale: run `MAILSWEEP_BLESS=1 cargo test --lib generated_assets_are_fresh` and commit",
                name.to_string_lossy()
            );
        }
    }

    #[test]
    fn users_need_admin() {
        assert!(Cli::try_parse_from(["mailsweep", "usage", "imaps://h", "--user", "bob"]).is_err());
        assert!(Cli::try_parse_from(["mailsweep", "usage", "imaps://h", "--admin", "a", "--user", "bob"]).is_ok());
    }
}
