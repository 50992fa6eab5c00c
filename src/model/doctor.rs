//! The guides' checkup (`doctor`): findings with a severity, the numbers behind them, the
//! guide rule they apply and the fix, plus the text catalogue in English and French.
//!
//! Pure: the command runs the engines (`usage`, `attachments`, `bounces`, POP3 CAPA, the
//! log reader) and hands their model reports to the evaluators here; renderers read the
//! findings and ask [`text`] for the words. Every rule cites the guide files in
//! `/work/shared/seeds` it comes from (GUIDES.md distils them).
//!
//! Thresholds are constants below, each with its reason; the quota ones are the user's
//! `--warn`/`--crit` (80/95 by default, as for `usage`).

use jiff::{Span, Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};

use super::bounce::{BouncesReport, Class};
use super::folder::{FolderUsage, SpecialUse};
use super::mime::report::{AttachmentsReport, Detail, archive_command, shell_quote};
use super::size::{BIG_FOLDER, HUGE_FOLDER, human};
use super::status::{Status, Thresholds};
use super::usage::UsageReport;
use super::verdict::{BoxReport, VerdictKind};

// ---------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------

/// A Sent or Trash folder holding at least this share of the quota is worth a warning
/// (moving it to local folders frees a tenth of the box).
pub const ROLE_WARN_SHARE: f64 = 10.0;
/// Without a quota to compare with: a Sent or Trash folder this big is worth a warning.
pub const ROLE_WARN_BYTES: u64 = 10 * 1000 * 1000;
/// Share of the quota held by big attachments: warning / critical (as `attachments`).
pub const ATTACHMENT_WARN_SHARE: f64 = 25.0;
pub const ATTACHMENT_CRIT_SHARE: f64 = 50.0;
/// The size at which an attachment is "big" (the `attachments` default, 5 MiB).
pub const ATTACHMENT_MIN_SIZE: &str = "5MiB";
/// "Leave on server" longer than this goes against the guides (3-4 days, guide 000).
pub const LEAVE_ON_SERVER_MAX_DAYS: f64 = 4.0;
/// The archive cutoffs offered, longest first: the longest that still moves something.
const CUTOFFS: &[(&str, i64)] = &[("1y", 12), ("6m", 6), ("3m", 3), ("1m", 1)];
/// Used when a folder's oldest message is not known.
const DEFAULT_CUTOFF: &str = "1y";
/// When nothing says how big mail is (an empty box): 100 kB.
const FALLBACK_TYPICAL_MESSAGE: u64 = 100 * 1000;

// ---------------------------------------------------------------------------------------
// Severity, language, rules, checks
// ---------------------------------------------------------------------------------------

/// How urgent a finding is, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Checked and fine.
    Ok,
    /// Worth knowing; nothing urgent.
    Info,
    /// Act soon (exit 1).
    Warning,
    /// Act now (exit 2).
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::Warning, Severity::Info, Severity::Ok];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The monitoring status: info is OK (exit 0).
    pub fn status(self) -> Status {
        match self {
            Severity::Ok | Severity::Info => Status::Ok,
            Severity::Warning => Status::Warning,
            Severity::Critical => Status::Critical,
        }
    }
}

/// The language of the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language from the locale variables, in POSIX precedence (the first non-empty of
    /// LC_ALL, LC_MESSAGES, LANG): `fr*` is French, anything else English.
    pub fn from_locale(lc_all: Option<&str>, lc_messages: Option<&str>, lang: Option<&str>) -> Lang {
        let locale = [lc_all, lc_messages, lang].into_iter().flatten().find(|v| !v.is_empty()).unwrap_or("");
        if locale.to_ascii_lowercase().starts_with("fr") { Lang::Fr } else { Lang::En }
    }
}

/// The guides' rules a finding applies (GUIDES.md sections; guide file numbers in
/// [`Rule::guides`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A full box bounces new mail to the sender.
    QuotaBounces,
    /// A folder past 100 MB, even more past 500 MB, is heavy for the server: split it.
    SplitBigFolders,
    /// Keep the Sent folder in local folders.
    SentInLocalFolders,
    /// Do not use a Trash on the server; mark messages deleted instead.
    NoServerTrash,
    /// Messages with big attachments go to local folders.
    AttachmentsInLocalFolders,
    /// Look in the Junk folder for false positives before emptying it.
    LookInJunk,
    /// Every client must use the same special folders.
    SameSpecialFolders,
    /// Bounces tell what went wrong: read them.
    ReadBounces,
    /// "Leave on server": 3-4 days at most.
    LeaveOnServerFewDays,
    /// A POP client that downloads and deletes makes mail disappear.
    DeletingPopClient,
    /// One machine, one function: one collects by POP, the others use IMAP.
    OneMachineOneFunction,
    /// POP clients poll every 10-15 minutes.
    PollEvery10To15Minutes,
}

impl Rule {
    pub const ALL: [Rule; 12] = [
        Rule::QuotaBounces,
        Rule::SplitBigFolders,
        Rule::SentInLocalFolders,
        Rule::NoServerTrash,
        Rule::AttachmentsInLocalFolders,
        Rule::LookInJunk,
        Rule::SameSpecialFolders,
        Rule::ReadBounces,
        Rule::LeaveOnServerFewDays,
        Rule::DeletingPopClient,
        Rule::OneMachineOneFunction,
        Rule::PollEvery10To15Minutes,
    ];

    /// The guide files (in `seeds/`) the rule comes from.
    pub fn guides(self) -> &'static [&'static str] {
        match self {
            Rule::QuotaBounces => &["000", "004"],
            Rule::SplitBigFolders => &["000"],
            Rule::SentInLocalFolders | Rule::NoServerTrash | Rule::AttachmentsInLocalFolders => &["000"],
            Rule::LookInJunk => &["004"],
            Rule::SameSpecialFolders => &["001"],
            Rule::ReadBounces => &["004"],
            Rule::LeaveOnServerFewDays => &["000", "003"],
            Rule::DeletingPopClient => &["000", "002", "004"],
            Rule::OneMachineOneFunction => &["004"],
            Rule::PollEvery10To15Minutes => &["000"],
        }
    }

    /// The rule in the guides' words.
    pub fn text(self, lang: Lang) -> &'static str {
        use Lang::*;
        match (self, lang) {
            (Rule::QuotaBounces, En) => {
                "A mailbox is limited in bytes; when it is full, new mail is held, then bounced to the sender. The server is a working space, not a storage space"
            }
            (Rule::QuotaBounces, Fr) => {
                "La boîte est limitée en octets ; pleine, les nouveaux messages sont mis en attente puis renvoyés à l'expéditeur. Le serveur est un espace de travail, pas de stockage"
            }
            (Rule::SplitBigFolders, En) => {
                "A folder is like one big file: past 100 MB, and even more past 500 MB, the server needs much more resources to handle it; split it"
            }
            (Rule::SplitBigFolders, Fr) => {
                "Un dossier est comme un seul gros fichier : au-delà de 100 Mo, et à plus forte raison de 500 Mo, le serveur a besoin de bien plus de ressources ; scindez-le"
            }
            (Rule::SentInLocalFolders, En) => "IMAP users: put the Sent folder in local folders",
            (Rule::SentInLocalFolders, Fr) => "En IMAP : mettez le dossier « Messages envoyés » en local",
            (Rule::NoServerTrash, En) => {
                "IMAP users: don't use a Trash on the server, mark messages deleted instead (fewer corruptions, easier quota)"
            }
            (Rule::NoServerTrash, Fr) => {
                "En IMAP : n'utilisez pas la « Corbeille » sur le serveur, plutôt « marquer les messages effacés » (moins de corruptions, quota plus simple)"
            }
            (Rule::AttachmentsInLocalFolders, En) => "IMAP users: file messages with big attachments in local folders",
            (Rule::AttachmentsInLocalFolders, Fr) => {
                "En IMAP : classez dans des dossiers locaux les messages contenant de gros fichiers attachés"
            }
            (Rule::LookInJunk, En) => {
                "Anti-spam filters make false positives: look at the Junk folder before emptying it"
            }
            (Rule::LookInJunk, Fr) => {
                "Les filtres anti-spam font des faux positifs : un coup d'œil aux indésirables avant de les effacer"
            }
            (Rule::SameSpecialFolders, En) => {
                "Every mail program must use the same special folders (Sent, Trash, Junk); Outlook creates its own beside the standard ones"
            }
            (Rule::SameSpecialFolders, Fr) => {
                "Tous les logiciels de messagerie doivent utiliser les mêmes dossiers spéciaux (envoyés, corbeille, indésirables) ; Outlook crée les siens à côté des dossiers standard"
            }
            (Rule::ReadBounces, En) => {
                "Bounce messages tell what went wrong: mailbox full, message too large, unknown user (before the @), unknown domain (after the @)"
            }
            (Rule::ReadBounces, Fr) => {
                "Les messages d'erreur disent ce qui n'a pas marché : boîte pleine, message trop gros, utilisateur inconnu (avant le @), domaine inconnu (après le @)"
            }
            (Rule::LeaveOnServerFewDays, En) => {
                "POP: use \"leave messages on server\" only when needed, and then for 3-4 days"
            }
            (Rule::LeaveOnServerFewDays, Fr) => {
                "POP : n'utilisez « laisser les messages sur le serveur » qu'en cas de besoin, et alors 3 ou 4 jours"
            }
            (Rule::DeletingPopClient, En) => {
                "Disappearing mail is almost always a POP connection, beside the usual access, that downloads and deletes it from the server"
            }
            (Rule::DeletingPopClient, Fr) => {
                "Des messages qui disparaissent, c'est presque toujours une connexion POP, à côté de l'accès habituel, qui les relève et les efface du serveur"
            }
            (Rule::OneMachineOneFunction, En) => {
                "One machine, one function: one office machine collects by POP for archiving; phones and webmail use IMAP. Several machines fetching by POP is chaos"
            }
            (Rule::OneMachineOneFunction, Fr) => {
                "1 machine = 1 fonction : une machine du bureau relève en POP pour archiver ; smartphones et webmail en IMAP. Plusieurs machines en POP, c'est le bazar"
            }
            (Rule::PollEvery10To15Minutes, En) => {
                "POP clients: check for mail every 10-15 minutes; 1 minute is too short (requests collide and load the server)"
            }
            (Rule::PollEvery10To15Minutes, Fr) => {
                "POP : relevez toutes les 10 à 15 minutes ; une minute c'est trop court (les requêtes se télescopent et chargent le serveur)"
            }
        }
    }
}

/// What was checked; the JSON `check` of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Quota,
    PopDeleters,
    PopExpire,
    Bounces,
    FolderSize,
    Attachments,
    Sent,
    Trash,
    Junk,
    FolderRoles,
}

impl Check {
    /// Urgency order among findings of the same severity.
    fn rank(self) -> u8 {
        self as u8
    }

    /// The rule a skipped check would have applied.
    fn rule(self) -> Rule {
        match self {
            Check::Quota => Rule::QuotaBounces,
            Check::PopDeleters => Rule::DeletingPopClient,
            Check::PopExpire => Rule::LeaveOnServerFewDays,
            Check::Bounces => Rule::ReadBounces,
            Check::FolderSize => Rule::SplitBigFolders,
            Check::Attachments => Rule::AttachmentsInLocalFolders,
            Check::Sent => Rule::SentInLocalFolders,
            Check::Trash => Rule::NoServerTrash,
            Check::Junk => Rule::LookInJunk,
            Check::FolderRoles => Rule::SameSpecialFolders,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------

/// The special folders whose duplicates make clients disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sent,
    Trash,
    Junk,
    Drafts,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Sent, Role::Trash, Role::Junk, Role::Drafts];

    fn of(u: SpecialUse) -> Option<Role> {
        match u {
            SpecialUse::Sent => Some(Role::Sent),
            SpecialUse::Trash => Some(Role::Trash),
            SpecialUse::Junk => Some(Role::Junk),
            SpecialUse::Drafts => Some(Role::Drafts),
            _ => None,
        }
    }

    fn special_use(self) -> SpecialUse {
        match self {
            Role::Sent => SpecialUse::Sent,
            Role::Trash => SpecialUse::Trash,
            Role::Junk => SpecialUse::Junk,
            Role::Drafts => SpecialUse::Drafts,
        }
    }

    pub fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Sent, Lang::En) => "Sent",
            (Role::Sent, Lang::Fr) => "envoyés",
            (Role::Trash, Lang::En) => "Trash",
            (Role::Trash, Lang::Fr) => "corbeille",
            (Role::Junk, Lang::En) => "Junk",
            (Role::Junk, Lang::Fr) => "indésirables",
            (Role::Drafts, Lang::En) => "Drafts",
            (Role::Drafts, Lang::Fr) => "brouillons",
        }
    }
}

/// Names clients give special folders that [`SpecialUse::from_name`] does not know
/// (Italian, Dutch, Portuguese, Swedish, Outlook variants), checked after it.
const MORE_NAMES: &[(Role, &[&str])] = &[
    (
        Role::Sent,
        &[
            "elementi inviati",
            "verzonden items",
            "verzonden",
            "itens enviados",
            "skickat",
            "skickade objekt",
            "sent-mail",
            "outbox sent",
        ],
    ),
    (
        Role::Trash,
        &[
            "deleted",
            "verwijderde items",
            "prullenbak",
            "itens excluídos",
            "lixeira",
            "borttagna objekt",
            "elementi eliminati",
        ],
    ),
    (Role::Junk, &["bulk mail", "ongewenste e-mail", "lixo eletrônico", "skräppost", "unerwünscht", "spam-mails"]),
    (Role::Drafts, &["concepten", "rascunhos", "utkast", "draft"]),
];

/// A folder's role for the duplicate check: the server's SPECIAL-USE flag or the usage
/// engine's name table, else the extra names above.
pub fn role_of(f: &FolderUsage) -> Option<Role> {
    if let Some(r) = f.role.and_then(Role::of) {
        return Some(r);
    }
    let leaf = f.name.rsplit('/').next().unwrap_or(&f.name).to_lowercase();
    MORE_NAMES.iter().find(|(_, names)| names.contains(&leaf.as_str())).map(|(r, _)| *r)
}

/// A folder a client would use as its special folder: top level, or directly under INBOX
/// (Courier-style namespaces). "Archives/2021/Sent" is an archive, not a client's Sent.
fn client_level(f: &FolderUsage) -> bool {
    !f.noselect
        && (f.depth() == 0
            || (f.depth() == 1 && f.name.split('/').next().is_some_and(|p| p.eq_ignore_ascii_case("INBOX"))))
}

/// One folder in a duplicate-role finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleFolder {
    pub folder: String,
    pub messages: u64,
    pub bytes: u64,
    /// The server flags it with the role (RFC 6154); None when unknown (local stores).
    pub special_use_flag: Option<bool>,
}

/// Which kind of log finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// Several addresses delete by POP from one box.
    SeveralPopClients,
    /// A POP client downloads and deletes.
    DeletingPopClient,
    /// A POP client keeps copies some days, then deletes them.
    LeavesOnServer,
    /// A POP client polls more often than every 5 minutes.
    FrequentPolling,
}

/// A `deleters snapshot` verdict, as doctor reports it (the verdict engine's kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotVerdict {
    SeveralPopClients,
    PopDeletesOnDownload,
    PopLeavesOnServer,
    FrequentPolling,
    ImapPermanentDelete,
    DeletedToTrash,
    ImapFiling,
    ServerExpiry,
    NothingWrong,
}

impl From<VerdictKind> for SnapshotVerdict {
    fn from(k: VerdictKind) -> Self {
        match k {
            VerdictKind::SeveralPopClients => SnapshotVerdict::SeveralPopClients,
            VerdictKind::PopDeletesOnDownload => SnapshotVerdict::PopDeletesOnDownload,
            VerdictKind::PopLeavesOnServer => SnapshotVerdict::PopLeavesOnServer,
            VerdictKind::FrequentPolling => SnapshotVerdict::FrequentPolling,
            VerdictKind::ImapPermanentDelete => SnapshotVerdict::ImapPermanentDelete,
            VerdictKind::DeletedToTrash => SnapshotVerdict::DeletedToTrash,
            VerdictKind::ImapFiling => SnapshotVerdict::ImapFiling,
            VerdictKind::ServerExpiry => SnapshotVerdict::ServerExpiry,
            VerdictKind::NothingWrong => SnapshotVerdict::NothingWrong,
        }
    }
}

/// What the snapshot history of one account shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotHistory {
    pub runs: u64,
    pub first_run: Option<Timestamp>,
    pub last_run: Option<Timestamp>,
    pub removals: u64,
}

/// Findings from the verdicts `deleters snapshot` makes of an existing state file.
/// `command` shows the details and records a new snapshot.
pub fn snapshot(history: &SnapshotHistory, verdicts: &[super::verdict::Verdict], command: &str) -> Vec<Finding> {
    if verdicts.is_empty() {
        let facts = Facts::Snapshot {
            verdict: SnapshotVerdict::NothingWrong,
            runs: history.runs,
            first_run: history.first_run,
            last_run: history.last_run,
            removals: history.removals,
            addresses: Vec::new(),
            days: None,
        };
        return vec![Finding::new(Severity::Ok, facts, None)];
    }
    verdicts
        .iter()
        .map(|v| {
            let verdict = SnapshotVerdict::from(v.kind);
            let severity = match (v.status, verdict) {
                (Status::Warning | Status::Critical | Status::Unknown, _) => Severity::Warning,
                (_, SnapshotVerdict::NothingWrong | SnapshotVerdict::ImapFiling) => Severity::Ok,
                _ => Severity::Info,
            };
            Finding::new(
                severity,
                Facts::Snapshot {
                    verdict,
                    runs: history.runs,
                    first_run: history.first_run,
                    last_run: history.last_run,
                    removals: history.removals,
                    addresses: v.addresses.clone(),
                    days: v.days,
                },
                (severity > Severity::Ok).then(|| command.to_string()),
            )
        })
        .collect()
}

/// Failures of one class among the bounces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCount {
    pub class: Class,
    pub count: u64,
}

/// The numbers behind a finding; the JSON `facts` object, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Facts {
    /// Quota use of the fullest resource. For storage, sizes are bytes; for a message-count
    /// resource, counts (and `typical_message` is 1).
    Quota {
        resource: String,
        used: u64,
        limit: u64,
        percent: f64,
        warn: f64,
        crit: f64,
        /// What is left before the limit (0 when over).
        left: u64,
        /// The average size of a message in INBOX (what arrives), bytes.
        typical_message: u64,
        /// How many such messages still fit.
        messages_left: u64,
    },
    /// The source reports no quota.
    NoQuota { reason: String },
    /// A folder over 100 MB (`limit` 100000000) or 500 MB (500000000).
    BigFolder { folder: String, messages: u64, bytes: u64, limit: u64, cutoff: String },
    /// No folder over 100 MB.
    FoldersSmall { folders: u64, biggest: Option<String>, biggest_bytes: u64 },
    /// A Sent, Trash or Junk folder (role says which): size, unread, age span.
    RoleFolder {
        role: Role,
        folder: String,
        messages: u64,
        unseen: Option<u64>,
        bytes: u64,
        share_of_quota: Option<f64>,
        oldest: Option<Timestamp>,
        newest: Option<Timestamp>,
        /// The archive cutoff the fix uses (Sent), none when everything is recent.
        cutoff: Option<String>,
    },
    /// No folder with this role on the server.
    NoRoleFolder { role: Role },
    /// Messages with attachments of 5 MiB or more.
    Attachments {
        messages: u64,
        attachments: u64,
        attachment_bytes: u64,
        message_bytes: u64,
        min_size: String,
        share_of_quota: Option<f64>,
        /// POP3: only whole messages at or above the size are known.
        messages_only: bool,
    },
    /// Several folders for one role.
    DuplicateRole { role: Role, folders: Vec<RoleFolder>, keep: String },
    /// One folder per role.
    RolesDistinct { roles: u64 },
    /// Bounces received since `since`.
    Bounces { since: Timestamp, messages: u64, recipients: u64, by_class: Vec<ClassCount> },
    /// The POP3 server's EXPIRE capability (RFC 2449): `None` when not announced;
    /// `days` None for NEVER.
    PopExpire { server: String, argument: Option<String>, days: Option<u64>, per_user: bool },
    /// From the server logs: a client (or several) doing what the guides warn about.
    LogClients {
        log_kind: LogKind,
        user: String,
        addresses: Vec<String>,
        retrieved: u64,
        deleted: u64,
        median_interval_secs: Option<u64>,
        kept_days: Option<f64>,
    },
    /// The logs show sessions for the user and no deleting, leaving or fast-polling client.
    LogsClean { user: String, clients: u64, sessions: u64 },
    /// The logs show no session for the user.
    LogsNoUser { user: String },
    /// A verdict of `deleters snapshot` from the account's existing state file (doctor reads
    /// it, never writes it): `runs` snapshots from `first_run` to `last_run`.
    Snapshot {
        verdict: SnapshotVerdict,
        runs: u64,
        first_run: Option<Timestamp>,
        last_run: Option<Timestamp>,
        /// Removals the state remembers (bounded history).
        removals: u64,
        addresses: Vec<String>,
        /// For a "leave on server" verdict: the estimated days kept.
        days: Option<u64>,
    },
    /// The check could not run; `reason` is why, in English (as before `cause`), and
    /// `cause` the same reason in a stable form that the text catalogue translates.
    Skipped { check: Check, reason: String, cause: Reason },
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub facts: Facts,
    /// The exact `mailsweep` command line that fixes it or shows more, if any.
    pub command: Option<String>,
}

impl Finding {
    fn new(severity: Severity, facts: Facts, command: Option<String>) -> Finding {
        Finding { severity, facts, command }
    }

    pub fn check(&self) -> Check {
        match &self.facts {
            Facts::Quota { .. } | Facts::NoQuota { .. } => Check::Quota,
            Facts::BigFolder { .. } | Facts::FoldersSmall { .. } => Check::FolderSize,
            Facts::RoleFolder { role, .. } | Facts::NoRoleFolder { role } => match role {
                Role::Sent => Check::Sent,
                Role::Trash => Check::Trash,
                Role::Junk | Role::Drafts => Check::Junk,
            },
            Facts::Attachments { .. } => Check::Attachments,
            Facts::DuplicateRole { .. } | Facts::RolesDistinct { .. } => Check::FolderRoles,
            Facts::Bounces { .. } => Check::Bounces,
            Facts::PopExpire { .. } => Check::PopExpire,
            Facts::LogClients { .. } | Facts::LogsClean { .. } | Facts::LogsNoUser { .. } | Facts::Snapshot { .. } => {
                Check::PopDeleters
            }
            Facts::Skipped { check, .. } => *check,
        }
    }

    pub fn rule(&self) -> Rule {
        match &self.facts {
            Facts::LogClients { log_kind, .. } => match log_kind {
                LogKind::SeveralPopClients => Rule::OneMachineOneFunction,
                LogKind::DeletingPopClient => Rule::DeletingPopClient,
                LogKind::LeavesOnServer => Rule::LeaveOnServerFewDays,
                LogKind::FrequentPolling => Rule::PollEvery10To15Minutes,
            },
            Facts::Snapshot { verdict, .. } => match verdict {
                SnapshotVerdict::SeveralPopClients => Rule::OneMachineOneFunction,
                SnapshotVerdict::PopLeavesOnServer => Rule::LeaveOnServerFewDays,
                SnapshotVerdict::FrequentPolling => Rule::PollEvery10To15Minutes,
                SnapshotVerdict::DeletedToTrash => Rule::NoServerTrash,
                _ => Rule::DeletingPopClient,
            },
            _ => self.check().rule(),
        }
    }

    /// Bytes at stake, to order findings of the same severity and check.
    fn weight(&self) -> u64 {
        match &self.facts {
            Facts::BigFolder { bytes, .. } | Facts::RoleFolder { bytes, .. } => *bytes,
            Facts::Attachments { message_bytes, .. } => *message_bytes,
            Facts::DuplicateRole { folders, .. } => folders.iter().map(|f| f.bytes).sum(),
            Facts::LogClients { deleted, .. } => *deleted,
            _ => 0,
        }
    }
}

/// A whole checkup of one mailbox, findings sorted most urgent first.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkup {
    /// The source as the user named it, without secrets.
    pub source: String,
    pub account: Option<String>,
    /// A local store (Maildir, mbox): the archive commands work on the files themselves.
    pub local: bool,
    pub findings: Vec<Finding>,
    /// Plain-language notes from the engines (English).
    pub notes: Vec<String>,
    /// Doctor's own notes, in the catalogue (translated when rendered).
    pub own_notes: Vec<Label>,
}

impl Checkup {
    pub fn new(
        source: String,
        account: Option<String>,
        local: bool,
        mut findings: Vec<Finding>,
        notes: Vec<String>,
    ) -> Checkup {
        sort(&mut findings);
        Checkup { source, account, local, findings, notes, own_notes: Vec::new() }
    }

    /// Adds one of doctor's own notes.
    pub fn with_note(mut self, note: Label) -> Checkup {
        self.own_notes.push(note);
        self
    }

    /// The worst severity: what the exit code follows.
    pub fn worst(&self) -> Severity {
        worst(&self.findings)
    }

    /// How many findings of each severity, most severe first.
    pub fn counts(&self) -> Vec<(Severity, u64)> {
        Severity::ALL.iter().map(|&s| (s, self.findings.iter().filter(|f| f.severity == s).count() as u64)).collect()
    }
}

/// Most urgent first: severity, then the check's urgency, then bytes at stake.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(a.check().rank().cmp(&b.check().rank())).then(b.weight().cmp(&a.weight()))
    });
}

/// The worst severity (Ok for none).
pub fn worst(findings: &[Finding]) -> Severity {
    findings.iter().map(|f| f.severity).max().unwrap_or(Severity::Ok)
}

// ---------------------------------------------------------------------------------------
// Evaluators
// ---------------------------------------------------------------------------------------

/// Everything an evaluator needs besides the engine's report.
#[derive(Debug, Clone)]
pub struct Context {
    /// The source as the user typed it (for the fix command lines).
    pub source: String,
    pub thresholds: Thresholds,
    pub now: Timestamp,
}

impl Context {
    fn archive(&self, args: &[&str]) -> String {
        let mut words = vec!["mailsweep".to_string(), "archive".to_string(), shell_quote(&self.source)];
        words.extend(args.iter().map(|a| a.to_string()));
        words.push("--to".into());
        words.push("DIR".into());
        words.join(" ")
    }
}

/// A folder name as an `archive --folder` glob that matches exactly it, shell-quoted.
pub fn folder_arg(name: &str) -> String {
    let mut glob = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            glob.push('[');
            glob.push(c);
            glob.push(']');
        } else {
            glob.push(c);
        }
    }
    shell_quote(&glob)
}

/// The longest standard cutoff that still moves something (the oldest message is older
/// than it); none when everything is younger than a month.
pub fn cutoff(oldest: Option<Timestamp>, now: Timestamp) -> Option<&'static str> {
    let Some(oldest) = oldest else { return Some(DEFAULT_CUTOFF) };
    let zoned = now.to_zoned(TimeZone::UTC);
    CUTOFFS
        .iter()
        .find(|(_, months)| zoned.checked_sub(Span::new().months(*months)).is_ok_and(|z| oldest < z.timestamp()))
        .map(|(s, _)| *s)
}

/// Quota use and how close new mail is to bouncing.
pub fn quota(report: &UsageReport, ctx: &Context) -> Finding {
    let Some(res) = report
        .quota
        .roots()
        .iter()
        .flat_map(|r| r.resources.iter())
        .max_by(|a, b| a.percent().total_cmp(&b.percent()).then(a.is_storage().cmp(&b.is_storage())))
    else {
        let reason = match &report.quota {
            super::QuotaInfo::NotReported { reason } => reason.clone(),
            super::QuotaInfo::Reported { .. } => "reported without resources".into(),
        };
        return Finding::new(Severity::Info, Facts::NoQuota { reason }, None);
    };
    let t = ctx.thresholds;
    let percent = res.percent();
    let severity = match t.status(Some(percent)) {
        Status::Critical => Severity::Critical,
        Status::Warning => Severity::Warning,
        _ => Severity::Ok,
    };
    let typical = if res.is_storage() { typical_message(report) } else { 1 };
    let left = res.remaining();
    let target = (t.warn - 10.0).max(10.0);
    let command = (severity > Severity::Ok).then(|| ctx.archive(&["--until-quota", &format!("{target:.0}%")]));
    Finding::new(
        severity,
        Facts::Quota {
            resource: res.name.clone(),
            used: res.usage,
            limit: res.limit,
            percent,
            warn: t.warn,
            crit: t.crit,
            left,
            typical_message: typical,
            messages_left: left / typical.max(1),
        },
        command,
    )
}

/// The average size of a message in INBOX, else in the whole box, else 100 kB.
fn typical_message(report: &UsageReport) -> u64 {
    let avg = |bytes: u64, n: u64| (n > 0).then(|| bytes.div_ceil(n));
    let inbox = report.folders.iter().find(|f| f.name.eq_ignore_ascii_case("INBOX"));
    inbox
        .and_then(|f| avg(f.bytes, f.messages))
        .or_else(|| avg(report.total_bytes(), report.total_messages()))
        .unwrap_or(FALLBACK_TYPICAL_MESSAGE)
        .max(1)
}

/// Folders over 100 MB (warning) and over 500 MB (critical): the guides' two marks.
pub fn folder_sizes(report: &UsageReport, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in report.folders.iter().filter(|f| !f.noselect) {
        let (severity, limit) = if f.bytes > HUGE_FOLDER {
            (Severity::Critical, HUGE_FOLDER)
        } else if f.bytes > BIG_FOLDER {
            (Severity::Warning, BIG_FOLDER)
        } else {
            continue;
        };
        let cut = cutoff(f.oldest, ctx.now).unwrap_or(DEFAULT_CUTOFF);
        let command = ctx.archive(&["--folder", &folder_arg(&f.name), "--older-than", cut]);
        out.push(Finding::new(
            severity,
            Facts::BigFolder {
                folder: f.name.clone(),
                messages: f.messages,
                bytes: f.bytes,
                limit,
                cutoff: cut.into(),
            },
            Some(command),
        ));
    }
    if out.is_empty() {
        let biggest = report.folders.iter().filter(|f| !f.noselect).max_by_key(|f| f.bytes);
        out.push(Finding::new(
            Severity::Ok,
            Facts::FoldersSmall {
                folders: report.folders.iter().filter(|f| !f.noselect).count() as u64,
                biggest: biggest.map(|f| f.name.clone()),
                biggest_bytes: biggest.map_or(0, |f| f.bytes),
            },
            None,
        ));
    }
    out
}

fn significant(bytes: u64, share: Option<f64>) -> bool {
    match share {
        Some(s) => s >= ROLE_WARN_SHARE,
        None => bytes >= ROLE_WARN_BYTES,
    }
}

/// Sent, Trash and Junk on the server (every client-level folder of those roles), and
/// several folders for one role. `flags` says, per folder name, whether the server flags it
/// with its role (IMAP SPECIAL-USE); empty for local stores.
pub fn role_folders(report: &UsageReport, flags: &[(String, SpecialUse)], ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let candidates: Vec<(&FolderUsage, Role)> =
        report.folders.iter().filter(|f| client_level(f)).filter_map(|f| role_of(f).map(|r| (f, r))).collect();
    for role in [Role::Sent, Role::Trash, Role::Junk] {
        let mine: Vec<&FolderUsage> = candidates.iter().filter(|(_, r)| *r == role).map(|(f, _)| *f).collect();
        if mine.is_empty() {
            out.push(Finding::new(Severity::Ok, Facts::NoRoleFolder { role }, None));
        }
        for f in mine {
            out.push(role_folder(report, f, role, ctx));
        }
    }
    let mut duplicates = 0;
    for role in Role::ALL {
        let mine: Vec<&FolderUsage> = candidates.iter().filter(|(_, r)| *r == role).map(|(f, _)| *f).collect();
        if mine.len() < 2 {
            continue;
        }
        duplicates += 1;
        let known_flags = !flags.is_empty();
        let folders: Vec<RoleFolder> = mine
            .iter()
            .map(|f| RoleFolder {
                folder: f.name.clone(),
                messages: f.messages,
                bytes: f.bytes,
                special_use_flag: known_flags
                    .then(|| flags.iter().any(|(n, u)| n == &f.name && *u == role.special_use())),
            })
            .collect();
        let flagged: Vec<&RoleFolder> = folders.iter().filter(|f| f.special_use_flag == Some(true)).collect();
        let keep = match flagged.as_slice() {
            [one] => one.folder.clone(),
            _ => folders
                .iter()
                .max_by(|a, b| a.messages.cmp(&b.messages).then(b.folder.cmp(&a.folder)))
                .map(|f| f.folder.clone())
                .unwrap_or_default(),
        };
        let used = folders.iter().filter(|f| f.messages > 0).count();
        let severity = if used >= 2 { Severity::Warning } else { Severity::Info };
        out.push(Finding::new(severity, Facts::DuplicateRole { role, folders, keep }, None));
    }
    if duplicates == 0 {
        out.push(Finding::new(Severity::Ok, Facts::RolesDistinct { roles: Role::ALL.len() as u64 }, None));
    }
    out
}

fn role_folder(report: &UsageReport, f: &FolderUsage, role: Role, ctx: &Context) -> Finding {
    let share = report.share_of_quota(f);
    let cut = match role {
        Role::Sent => cutoff(f.oldest, ctx.now),
        _ => None,
    };
    let severity = if f.messages == 0 {
        Severity::Ok
    } else {
        match role {
            Role::Sent if cut.is_some() && significant(f.bytes, share) => Severity::Warning,
            Role::Trash if significant(f.bytes, share) => Severity::Warning,
            Role::Junk if f.unseen.unwrap_or(0) > 0 => Severity::Warning,
            _ => Severity::Info,
        }
    };
    let command = match role {
        _ if f.messages == 0 => None,
        Role::Sent => cut.map(|c| ctx.archive(&["--folder", &folder_arg(&f.name), "--older-than", c])),
        Role::Trash => Some(ctx.archive(&["--folder", &folder_arg(&f.name), "--include-flagged", "--include-unread"])),
        Role::Junk | Role::Drafts => None,
    };
    Finding::new(
        severity,
        Facts::RoleFolder {
            role,
            folder: f.name.clone(),
            messages: f.messages,
            unseen: f.unseen,
            bytes: f.bytes,
            share_of_quota: share,
            oldest: f.oldest,
            newest: f.newest,
            cutoff: cut.map(str::to_string),
        },
        command,
    )
}

/// Messages with big attachments and their share of the quota (thresholds as `attachments`).
pub fn attachments(report: &AttachmentsReport, ctx: &Context) -> Finding {
    let t = report.totals();
    let severity = match (t.messages, t.attachment_share_of_quota) {
        (0, _) => Severity::Ok,
        (_, Some(s)) if s >= ATTACHMENT_CRIT_SHARE => Severity::Critical,
        (_, Some(s)) if s >= ATTACHMENT_WARN_SHARE => Severity::Warning,
        _ => Severity::Info,
    };
    let command = (t.messages > 0).then(|| archive_command(&ctx.source, ATTACHMENT_MIN_SIZE, &[]));
    Finding::new(
        severity,
        Facts::Attachments {
            messages: t.messages,
            attachments: t.attachments,
            attachment_bytes: t.attachment_bytes,
            message_bytes: t.message_bytes,
            min_size: ATTACHMENT_MIN_SIZE.into(),
            share_of_quota: t.attachment_share_of_quota,
            messages_only: report.detail == Detail::Messages,
        },
        command,
    )
}

/// Bounces received recently, by class. Warning when a recipient's mailbox is full (the
/// bounces engine's own status), info for the others.
pub fn bounces(report: &BouncesReport, since_arg: &str, ctx: &Context) -> Finding {
    let recipients = report.failures().count() as u64;
    let severity = match (recipients, report.status()) {
        (0, _) if report.bounces.is_empty() => Severity::Ok,
        (_, Status::Warning | Status::Critical) => Severity::Warning,
        _ => Severity::Info,
    };
    let command = (severity > Severity::Ok)
        .then(|| format!("mailsweep bounces {} --since {}", shell_quote(&ctx.source), shell_quote(since_arg)));
    Finding::new(
        severity,
        Facts::Bounces {
            since: report.since,
            messages: report.bounces.len() as u64,
            recipients,
            by_class: report
                .by_class()
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(class, count)| ClassCount { class, count })
                .collect(),
        },
        command,
    )
}

/// The POP3 server's retention policy from its capabilities (`EXPIRE 0` deletes on
/// retrieval: POP clients cannot leave mail for the other devices).
pub fn pop_expire(server: &str, capabilities: &[String]) -> Finding {
    let argument = capabilities.iter().find_map(|c| {
        let mut words = c.splitn(2, ' ');
        let head = words.next().unwrap_or("");
        head.eq_ignore_ascii_case("EXPIRE").then(|| words.next().unwrap_or("").trim().to_string())
    });
    let (days, per_user) = match &argument {
        Some(a) => {
            let mut w = a.split_whitespace();
            let value = w.next().unwrap_or("");
            (value.parse::<u64>().ok(), w.any(|x| x.eq_ignore_ascii_case("USER")))
        }
        None => (None, false),
    };
    let never = argument
        .as_deref()
        .is_some_and(|a| a.split_whitespace().next().is_some_and(|v| v.eq_ignore_ascii_case("NEVER")));
    let severity = match (days, never) {
        (Some(0), _) => Severity::Warning,
        (_, true) => Severity::Ok,
        _ => Severity::Info,
    };
    Finding::new(severity, Facts::PopExpire { server: server.into(), argument, days, per_user }, None)
}

/// The log reader's verdicts on one user's box: deleting POP clients, several addresses,
/// polling too often, long "leave on server".
pub fn logs(user: &str, report: Option<&BoxReport>, log_args: &str) -> Vec<Finding> {
    let Some(b) = report else {
        return vec![Finding::new(Severity::Info, Facts::LogsNoUser { user: user.into() }, None)];
    };
    let command = Some(format!("mailsweep deleters logs {log_args} --user {}", shell_quote(user)));
    let mut out = Vec::new();
    for v in &b.verdicts {
        let kind = match v.kind {
            VerdictKind::SeveralPopClients => LogKind::SeveralPopClients,
            VerdictKind::PopDeletesOnDownload => LogKind::DeletingPopClient,
            VerdictKind::PopLeavesOnServer => LogKind::LeavesOnServer,
            VerdictKind::FrequentPolling => LogKind::FrequentPolling,
            _ => continue,
        };
        let clients: Vec<_> = b.clients.iter().filter(|c| v.addresses.contains(&c.address)).collect();
        let kept_days = clients.iter().filter_map(|c| c.kept_days()).reduce(f64::max);
        let severity = match kind {
            LogKind::LeavesOnServer if kept_days.is_none_or(|d| d <= LEAVE_ON_SERVER_MAX_DAYS) => Severity::Info,
            _ => Severity::Warning,
        };
        out.push(Finding::new(
            severity,
            Facts::LogClients {
                log_kind: kind,
                user: b.user.clone(),
                addresses: v.addresses.clone(),
                retrieved: clients.iter().map(|c| c.totals.retrieved).sum(),
                deleted: clients.iter().map(|c| c.totals.deleted).sum(),
                median_interval_secs: clients.iter().filter_map(|c| c.median_interval_secs).min(),
                kept_days,
            },
            command.clone(),
        ));
    }
    if out.is_empty() {
        out.push(Finding::new(
            Severity::Ok,
            Facts::LogsClean {
                user: b.user.clone(),
                clients: b.clients.len() as u64,
                sessions: b.clients.iter().map(|c| c.totals.sessions).sum(),
            },
            None,
        ));
    }
    out
}

/// A check that could not run.
pub fn skipped(check: Check, cause: impl Into<Reason>) -> Finding {
    let cause = cause.into();
    Finding::new(Severity::Info, Facts::Skipped { check, reason: cause.text(Lang::En), cause }, None)
}

/// Why a check could not run: the JSON `cause` of a skipped finding, tagged by `code`.
/// Doctor's own reasons are translated; an engine's error is quoted as the engine wrote it
/// (English), after a translated lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// `--logs` not given.
    NoLogs,
    /// No `deleters snapshot` state file for the box; `command` records one.
    NoSnapshot { command: String },
    /// An IMAP source without `--pop3`: no POP3 server to ask.
    ImapWithoutPop3,
    /// A local store has no POP3 server.
    LocalStore,
    /// Doctor does not download mail over POP3, and bounces need their reports.
    BouncesOverPop3,
    /// The POP3 server refused the login; `message` is its reply.
    CannotLogIn { server: String, message: Option<String> },
    /// The POP3 server could not be reached; `error` is the engine's one-line error.
    CannotReach { server: String, error: String },
    /// The engine failed; `error` is its one-line error.
    Failed { error: String },
}

impl Reason {
    /// One of each kind, for the catalogue's tests.
    #[cfg(test)]
    pub(crate) fn every() -> Vec<Reason> {
        vec![
            Reason::NoLogs,
            Reason::NoSnapshot { command: "mailsweep deleters snapshot imaps://alice@h".into() },
            Reason::ImapWithoutPop3,
            Reason::LocalStore,
            Reason::BouncesOverPop3,
            Reason::CannotLogIn { server: "pop3s://alice@h".into(), message: None },
            Reason::CannotLogIn { server: "pop3s://alice@h".into(), message: Some("-ERR [AUTH] failed".into()) },
            Reason::CannotReach { server: "pop3s://alice@h".into(), error: "connection refused".into() },
            Reason::Failed { error: "cannot examine folder \"INBOX\"".into() },
        ]
    }

    pub fn text(&self, lang: Lang) -> String {
        use Lang::*;
        match (self, lang) {
            (Reason::NoLogs, En) => {
                "no server logs given: pass --logs FILE (Dovecot's log) to look for POP clients that delete mail".into()
            }
            (Reason::NoLogs, Fr) => {
                "aucun journal du serveur : passez --logs FICHIER (le journal de Dovecot) pour chercher les clients POP qui effacent le courrier".into()
            }
            (Reason::NoSnapshot { command }, En) => format!(
                "no snapshot history for this box: `{command}` from cron records INBOX and tells who removes mail"
            ),
            (Reason::NoSnapshot { command }, Fr) => format!(
                "aucun historique d'instantanés pour cette boîte : `{command}` lancé par cron relève l'INBOX et dit qui retire le courrier"
            ),
            (Reason::ImapWithoutPop3, En) => {
                "an IMAP source: pass --pop3 pop3s://USER@HOST if the box is also read by POP".into()
            }
            (Reason::ImapWithoutPop3, Fr) => {
                "une source IMAP : passez --pop3 pop3s://UTILISATEUR@HÔTE si la boîte est aussi relevée en POP".into()
            }
            (Reason::LocalStore, En) => {
                "a local store has no POP server; run doctor on the box's pop3s:// address, or pass --pop3 with an IMAP source".into()
            }
            (Reason::LocalStore, Fr) => {
                "un dossier local n'a pas de serveur POP ; lancez doctor sur l'adresse pop3s:// de la boîte, ou passez --pop3 avec une source IMAP".into()
            }
            (Reason::BouncesOverPop3, En) => {
                "bounces are not read over POP3 (it cannot show a report's parts); check the IMAP address, or run `mailsweep bounces` with --download-candidates".into()
            }
            (Reason::BouncesOverPop3, Fr) => {
                "les retours ne sont pas lus en POP3 (il ne montre pas les parties d'un rapport) ; vérifiez l'adresse IMAP, ou lancez `mailsweep bounces` avec --download-candidates".into()
            }
            (Reason::CannotLogIn { server, message }, En) => {
                format!("cannot log in to {server}: {}", message.as_deref().unwrap_or("refused"))
            }
            (Reason::CannotLogIn { server, message }, Fr) => {
                format!("connexion refusée par {server} : {}", message.as_deref().unwrap_or("refus"))
            }
            (Reason::CannotReach { server, error }, En) => format!("cannot reach {server}: {error}"),
            (Reason::CannotReach { server, error }, Fr) => format!("{server} injoignable : {error}"),
            (Reason::Failed { error }, En) => error.clone(),
            (Reason::Failed { error }, Fr) => format!("le contrôle a échoué : {error}"),
        }
    }
}

/// An engine's one-line error.
impl From<String> for Reason {
    fn from(error: String) -> Reason {
        Reason::Failed { error }
    }
}

impl From<&str> for Reason {
    fn from(error: &str) -> Reason {
        Reason::Failed { error: error.to_string() }
    }
}

// ---------------------------------------------------------------------------------------
// Text catalogue
// ---------------------------------------------------------------------------------------

/// A finding in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    /// The numbers, one statement each.
    pub evidence: Vec<String>,
    /// What to do (the client setting, or what the command does), if anything.
    pub advice: Option<String>,
}

/// Words the renderers print around findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Heading,
    Severity,
    Finding,
    Evidence,
    Rule,
    Fix,
    Command,
    Guide,
    NotChecked,
    NoFindings,
    LocalArchive,
    /// Doctor's note on IMAP dates (read without `--dates`).
    ArrivalDates,
}

impl Label {
    pub const ALL: [Label; 12] = [
        Label::Heading,
        Label::Severity,
        Label::Finding,
        Label::Evidence,
        Label::Rule,
        Label::Fix,
        Label::Command,
        Label::Guide,
        Label::NotChecked,
        Label::NoFindings,
        Label::LocalArchive,
        Label::ArrivalDates,
    ];
}

pub fn label(l: Label, lang: Lang) -> &'static str {
    use Lang::*;
    match (l, lang) {
        (Label::Heading, En) => "Checkup of",
        (Label::Heading, Fr) => "Bilan de",
        (Label::Severity, En) => "Severity",
        (Label::Severity, Fr) => "Gravité",
        (Label::Finding, En) => "Finding",
        (Label::Finding, Fr) => "Constat",
        (Label::Evidence, En) => "evidence",
        (Label::Evidence, Fr) => "constaté",
        (Label::Rule, En) => "rule",
        (Label::Rule, Fr) => "règle",
        (Label::Fix, En) => "fix",
        (Label::Fix, Fr) => "à faire",
        (Label::Command, En) => "command",
        (Label::Command, Fr) => "commande",
        (Label::Guide, En) => "guide",
        (Label::Guide, Fr) => "guide",
        (Label::NotChecked, En) => "not checked",
        (Label::NotChecked, Fr) => "non vérifié",
        (Label::NoFindings, En) => "nothing to fix: every check passed",
        (Label::NoFindings, Fr) => "rien à corriger : tous les contrôles sont bons",
        (Label::LocalArchive, En) => {
            "the archive commands work on local stores too: archived Maildir files are removed one by one, an mbox is rewritten without them under the mail locks; check them with --dry-run first"
        }
        (Label::LocalArchive, Fr) => {
            "les commandes archive travaillent aussi sur les dossiers locaux : les fichiers Maildir archivés sont supprimés un par un, un mbox est réécrit sans eux sous les verrous du courrier ; vérifiez-les d'abord avec --dry-run"
        }
        (Label::ArrivalDates, En) => "Sent, Trash and Junk dates are their first and last message in arrival order",
        (Label::ArrivalDates, Fr) => {
            "les dates des envoyés, de la corbeille et des indésirables sont celles de leur premier et dernier message dans l'ordre d'arrivée"
        }
    }
}

/// "1 warning", "3 warnings", "2 avertissements".
pub fn severity_count(s: Severity, n: u64, lang: Lang) -> String {
    let (one, many) = match (s, lang) {
        (Severity::Ok, _) => ("ok", "ok"),
        (Severity::Info, _) => ("info", "info"),
        (Severity::Warning, Lang::En) => ("warning", "warnings"),
        (Severity::Warning, Lang::Fr) => ("avertissement", "avertissements"),
        (Severity::Critical, Lang::En) => ("critical", "critical"),
        (Severity::Critical, Lang::Fr) => ("critique", "critiques"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn severity_word(s: Severity, lang: Lang) -> &'static str {
    match (s, lang) {
        (Severity::Ok, _) => "OK",
        (Severity::Info, _) => "INFO",
        (Severity::Warning, Lang::En) => "WARNING",
        (Severity::Warning, Lang::Fr) => "ATTENTION",
        (Severity::Critical, Lang::En) => "CRITICAL",
        (Severity::Critical, Lang::Fr) => "CRITIQUE",
    }
}

/// "guide 000" / "guides 000, 004".
pub fn guides(rule: Rule, lang: Lang) -> String {
    let g = rule.guides();
    let word = match (lang, g.len()) {
        (_, 1) => "guide",
        (Lang::En, _) => "guides",
        (Lang::Fr, _) => "guides",
    };
    format!("{word} {}", g.join(", "))
}

fn day(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "?".to_string(), |t| t.strftime("%Y-%m-%d").to_string())
}

fn pct(p: f64) -> String {
    format!("{p:.1}%")
}

fn pct_fr(p: f64) -> String {
    format!("{p:.1} %").replace('.', ",")
}

fn span(oldest: Option<Timestamp>, newest: Option<Timestamp>, lang: Lang) -> Option<String> {
    if oldest.is_none() && newest.is_none() {
        return None;
    }
    Some(match lang {
        Lang::En => format!("from {} to {}", day(oldest), day(newest)),
        Lang::Fr => format!("du {} au {}", day(oldest), day(newest)),
    })
}

/// "1y" in words: "1 year" / "un an".
fn cutoff_words(c: &str, lang: Lang) -> String {
    let (n, unit) = c.split_at(c.len().saturating_sub(1));
    match (unit, n, lang) {
        ("y", "1", Lang::En) => "a year".into(),
        ("y", "1", Lang::Fr) => "1 an".into(),
        ("m", "1", Lang::En) => "a month".into(),
        ("m", "1", Lang::Fr) => "1 mois".into(),
        ("y", n, Lang::En) => format!("{n} years"),
        ("y", n, Lang::Fr) => format!("{n} ans"),
        ("m", n, Lang::En) => format!("{n} months"),
        ("m", n, Lang::Fr) => format!("{n} mois"),
        _ => c.to_string(),
    }
}

fn class_word(c: Class, lang: Lang) -> &'static str {
    match (c, lang) {
        (Class::Quota, Lang::En) => "mailbox full",
        (Class::Quota, Lang::Fr) => "boîte pleine",
        (Class::TooLarge, Lang::En) => "message too large",
        (Class::TooLarge, Lang::Fr) => "message trop gros",
        (Class::UnknownUser, Lang::En) => "unknown user (before the @)",
        (Class::UnknownUser, Lang::Fr) => "utilisateur inconnu (avant le @)",
        (Class::UnknownHost, Lang::En) => "unknown domain (after the @)",
        (Class::UnknownHost, Lang::Fr) => "domaine inconnu (après le @)",
        (Class::Temporary, Lang::En) => "temporary",
        (Class::Temporary, Lang::Fr) => "temporaire",
        (Class::Other, Lang::En) => "other",
        (Class::Other, Lang::Fr) => "autre",
    }
}

fn class_advice(c: Class, lang: Lang) -> &'static str {
    match (c, lang) {
        (Class::Quota, Lang::En) => "tell the recipient by another channel that their box is full, then send again",
        (Class::Quota, Lang::Fr) => {
            "prévenez le destinataire par un autre moyen que sa boîte est pleine, puis renvoyez"
        }
        (Class::TooLarge, Lang::En) => "send a download link instead of the attachment",
        (Class::TooLarge, Lang::Fr) => "envoyez un lien de téléchargement plutôt que la pièce jointe",
        (Class::UnknownUser, Lang::En) => "check the spelling of the address before the @",
        (Class::UnknownUser, Lang::Fr) => "vérifiez l'orthographe de l'adresse avant le @",
        (Class::UnknownHost, Lang::En) => "check the spelling of the domain after the @",
        (Class::UnknownHost, Lang::Fr) => "vérifiez l'orthographe du domaine après le @",
        (Class::Temporary, Lang::En) => "the sending server retries; act only if a final report follows",
        (Class::Temporary, Lang::Fr) => "le serveur d'envoi réessaie ; n'agissez que si un rapport définitif suit",
        (Class::Other, Lang::En) => "read the diagnostic; the receiving side's postmaster can explain it",
        (Class::Other, Lang::Fr) => "lisez le diagnostic ; le postmaster du destinataire peut l'expliquer",
    }
}

fn check_word(c: Check, lang: Lang) -> &'static str {
    match (c, lang) {
        (Check::Quota, Lang::En) => "quota",
        (Check::Quota, Lang::Fr) => "quota",
        (Check::PopDeleters, Lang::En) => "clients deleting mail",
        (Check::PopDeleters, Lang::Fr) => "logiciels qui effacent le courrier",
        (Check::PopExpire, Lang::En) => "the POP server's retention (EXPIRE)",
        (Check::PopExpire, Lang::Fr) => "la conservation du serveur POP (EXPIRE)",
        (Check::Bounces, Lang::En) => "bounces",
        (Check::Bounces, Lang::Fr) => "messages d'erreur (retours)",
        (Check::FolderSize, Lang::En) => "folder sizes",
        (Check::FolderSize, Lang::Fr) => "taille des dossiers",
        (Check::Attachments, Lang::En) => "big attachments",
        (Check::Attachments, Lang::Fr) => "grosses pièces jointes",
        (Check::Sent, Lang::En) => "Sent folder",
        (Check::Sent, Lang::Fr) => "dossier des envoyés",
        (Check::Trash, Lang::En) => "Trash",
        (Check::Trash, Lang::Fr) => "corbeille",
        (Check::Junk, Lang::En) => "Junk folder",
        (Check::Junk, Lang::Fr) => "dossier indésirables",
        (Check::FolderRoles, Lang::En) => "special folders",
        (Check::FolderRoles, Lang::Fr) => "dossiers spéciaux",
    }
}

fn human_secs(secs: u64, lang: Lang) -> String {
    match (secs, lang) {
        (s, _) if s < 120 => format!("{s} s"),
        (s, _) => format!("{} min", (s + 30) / 60),
    }
}

/// The words of a finding in a language. Every `Facts` variant has both languages: the
/// match is exhaustive, and a test renders every variant in both.
pub fn text(f: &Finding, lang: Lang) -> Text {
    use Lang::*;
    let fr = lang == Fr;
    let p = |x: f64| if fr { pct_fr(x) } else { pct(x) };
    let q = |s: &str| if fr { format!("« {s} »") } else { format!("\"{s}\"") };
    match &f.facts {
        Facts::Quota { resource, used, limit, percent, warn, crit, left, typical_message, messages_left } => {
            let storage = resource.eq_ignore_ascii_case("STORAGE");
            let (used_s, limit_s, left_s) = if storage {
                (human(*used), human(*limit), human(*left))
            } else {
                (used.to_string(), limit.to_string(), left.to_string())
            };
            let title = match (f.severity, lang) {
                (Severity::Ok, En) => format!("Quota {} used", p(*percent)),
                (Severity::Ok, Fr) => format!("Quota utilisé à {}", p(*percent)),
                (_, En) => format!("Quota {} used: new mail will soon bounce", p(*percent)),
                (_, Fr) => format!("Quota utilisé à {} : le courrier entrant sera bientôt refusé", p(*percent)),
            };
            let mut evidence = vec![match lang {
                En => format!(
                    "{used_s} of {limit_s} ({resource}); thresholds: warning {}, critical {}",
                    p(*warn),
                    p(*crit)
                ),
                Fr => format!(
                    "{used_s} sur {limit_s} ({resource}) ; seuils : attention {}, critique {}",
                    p(*warn),
                    p(*crit)
                ),
            }];
            evidence.push(match (storage, lang) {
                (true, En) => format!(
                    "{left_s} left before mail bounces: about {messages_left} messages of {} (the average INBOX message)",
                    human(*typical_message)
                ),
                (true, Fr) => format!(
                    "reste {left_s} avant les refus : environ {messages_left} messages de {} (la taille moyenne d'un message de la boîte de réception)",
                    human(*typical_message)
                ),
                (false, En) => format!("{left_s} more messages before mail bounces"),
                (false, Fr) => format!("encore {left_s} messages avant les refus"),
            });
            let advice = (f.severity > Severity::Ok).then(|| match lang {
                En => "move old mail to local folders (the command below archives the oldest first until the box is under the target), and empty the Trash".to_string(),
                Fr => "déplacez le courrier ancien dans des dossiers locaux (la commande ci-dessous archive les plus anciens jusqu'à passer sous la cible), et videz la corbeille".to_string(),
            });
            Text { title, evidence, advice }
        }
        Facts::NoQuota { reason } => Text {
            title: match lang {
                En => "No quota reported: how close mail is to bouncing cannot be measured".into(),
                Fr => "Aucun quota annoncé : impossible de mesurer la marge avant les refus".into(),
            },
            evidence: vec![match lang {
                En => format!("the source says: {reason}"),
                Fr => format!("la source indique : {reason}"),
            }],
            advice: Some(match lang {
                En => "ask the mail host for the box's limit, or run doctor on the IMAP address of this box".into(),
                Fr => {
                    "demandez la limite de la boîte à l'hébergeur, ou lancez doctor sur l'adresse IMAP de cette boîte"
                        .into()
                }
            }),
        },
        Facts::BigFolder { folder, messages, bytes, limit, cutoff } => Text {
            title: match lang {
                En => {
                    format!("Folder {} is over {}", q(folder), if *limit >= HUGE_FOLDER { "500 MB" } else { "100 MB" })
                }
                Fr => format!(
                    "Le dossier {} dépasse {}",
                    q(folder),
                    if *limit >= HUGE_FOLDER { "500 Mo" } else { "100 Mo" }
                ),
            },
            evidence: vec![match lang {
                En => format!("{} in {messages} messages ({bytes} bytes; mark: {limit} bytes)", human(*bytes)),
                Fr => format!("{} en {messages} messages ({bytes} octets ; repère : {limit} octets)", human(*bytes)),
            }],
            advice: Some(match lang {
                En => format!(
                    "split it: move the messages older than {} to local folders (or into yearly subfolders)",
                    cutoff_words(cutoff, En)
                ),
                Fr => format!(
                    "scindez-le : déplacez les messages de plus de {} dans des dossiers locaux (ou dans des sous-dossiers par année)",
                    cutoff_words(cutoff, Fr)
                ),
            }),
        },
        Facts::FoldersSmall { folders, biggest, biggest_bytes } => Text {
            title: match lang {
                En => "No folder over 100 MB".into(),
                Fr => "Aucun dossier au-delà de 100 Mo".into(),
            },
            evidence: vec![match (biggest, lang) {
                (Some(b), En) => format!("{folders} folders; the biggest, {}, holds {}", q(b), human(*biggest_bytes)),
                (Some(b), Fr) => format!("{folders} dossiers ; le plus gros, {}, fait {}", q(b), human(*biggest_bytes)),
                (None, En) => "no folder".into(),
                (None, Fr) => "aucun dossier".into(),
            }],
            advice: None,
        },
        Facts::RoleFolder { role, folder, messages, unseen, bytes, share_of_quota, oldest, newest, cutoff } => {
            let mut evidence = vec![match lang {
                En => format!("{messages} messages, {}", human(*bytes)),
                Fr => format!("{messages} messages, {}", human(*bytes)),
            }];
            if let Some(s) = share_of_quota {
                evidence[0].push_str(&match lang {
                    En => format!(" ({} of the quota)", p(*s)),
                    Fr => format!(" ({} du quota)", p(*s)),
                });
            }
            if *role == Role::Junk
                && let Some(u) = unseen
            {
                evidence.push(match lang {
                    En => format!("{u} unread"),
                    Fr => format!("{u} non lus"),
                });
            }
            if let Some(s) = span(*oldest, *newest, lang) {
                evidence.push(match (role, lang) {
                    (Role::Junk, En) => format!("oldest {}, newest {}", day(*oldest), day(*newest)),
                    (Role::Junk, Fr) => {
                        format!("le plus ancien du {}, le plus récent du {}", day(*oldest), day(*newest))
                    }
                    (_, _) => s,
                });
            }
            let empty = *messages == 0;
            let title = match (role, empty, lang) {
                (_, true, En) => format!("{} folder {} is empty", role.word(En), q(folder)),
                (_, true, Fr) => format!("Le dossier {} ({}) est vide", q(folder), role.word(Fr)),
                (Role::Sent, false, En) => format!("Sent mail is kept on the server in {}", q(folder)),
                (Role::Sent, false, Fr) => format!("Les messages envoyés restent sur le serveur dans {}", q(folder)),
                (Role::Trash, false, En) => format!("A Trash on the server: {}", q(folder)),
                (Role::Trash, false, Fr) => format!("Une corbeille sur le serveur : {}", q(folder)),
                (_, false, En) if unseen.unwrap_or(0) > 0 => format!("Junk folder {} has unread messages", q(folder)),
                (_, false, Fr) if unseen.unwrap_or(0) > 0 => {
                    format!("Le dossier indésirables {} a des messages non lus", q(folder))
                }
                (_, false, En) => format!("Junk folder {} holds messages", q(folder)),
                (_, false, Fr) => format!("Le dossier indésirables {} contient des messages", q(folder)),
            };
            let advice = (!empty).then(|| match (role, cutoff, lang) {
                (Role::Sent, Some(c), En) => format!(
                    "set your mail program to keep sent mail in a local folder (Thunderbird: Account Settings > Copies & Folders > Place a copy in > Local Folders), and archive the messages older than {} with the command below",
                    cutoff_words(c, En)
                ),
                (Role::Sent, Some(c), Fr) => format!(
                    "réglez le logiciel pour garder les envoyés dans un dossier local (Thunderbird : Paramètres des comptes > Copies et dossiers > Placer une copie dans > Dossiers locaux), et archivez les messages de plus de {} avec la commande ci-dessous",
                    cutoff_words(c, Fr)
                ),
                (Role::Sent, None, En) => "everything is younger than a month: set your mail program to keep sent mail in a local folder (Thunderbird: Account Settings > Copies & Folders)".into(),
                (Role::Sent, None, Fr) => "tout a moins d'un mois : réglez le logiciel pour garder les envoyés dans un dossier local (Thunderbird : Paramètres des comptes > Copies et dossiers)".into(),
                (Role::Trash, _, En) => "empty it (or archive it with the command below), then stop using a server Trash: Thunderbird: Account Settings > Server Settings > When I delete a message: Just mark it as deleted".into(),
                (Role::Trash, _, Fr) => "videz-la (ou archivez-la avec la commande ci-dessous), puis n'utilisez plus de corbeille sur le serveur : Thunderbird : Paramètres des comptes > Paramètres serveur > Quand je supprime un message : Le marquer comme supprimé".into(),
                (_, _, En) => "look through it for false positives (real mail marked as spam: move it to INBOX and mark it \"not junk\"), then empty it".into(),
                (_, _, Fr) => "parcourez-le à la recherche de faux positifs (vrais messages classés spam : déplacez-les dans la boîte de réception et marquez-les « non indésirable »), puis videz-le".into(),
            });
            Text { title, evidence, advice }
        }
        Facts::NoRoleFolder { role } => Text {
            title: match lang {
                En => format!("No {} folder on the server", role.word(En)),
                Fr => format!("Pas de dossier {} sur le serveur", role.word(Fr)),
            },
            evidence: vec![match lang {
                En => "none found by SPECIAL-USE flag or by name".into(),
                Fr => "aucun trouvé par attribut SPECIAL-USE ni par nom".into(),
            }],
            advice: None,
        },
        Facts::Attachments {
            messages,
            attachments,
            attachment_bytes,
            message_bytes,
            min_size,
            share_of_quota,
            messages_only,
        } => {
            let min_size = &super::size::parse_size(min_size).map_or_else(|_| min_size.clone(), human);
            let title = match (messages, lang) {
                (0, En) => format!("No attachment of {min_size} or more"),
                (0, Fr) => format!("Aucune pièce jointe de {min_size} ou plus"),
                (_, En) => format!("{messages} messages carry attachments of {min_size} or more"),
                (_, Fr) => format!("{messages} messages portent des pièces jointes de {min_size} ou plus"),
            };
            let mut evidence = Vec::new();
            if *messages > 0 {
                evidence.push(match (messages_only, lang) {
                    (false, En) => format!(
                        "{attachments} attachments, {}; moving the messages frees {}",
                        human(*attachment_bytes),
                        human(*message_bytes)
                    ),
                    (false, Fr) => format!(
                        "{attachments} pièces jointes, {} ; déplacer les messages libère {}",
                        human(*attachment_bytes),
                        human(*message_bytes)
                    ),
                    (true, En) => {
                        format!("messages of {min_size} or more (POP3 shows no structure): {}", human(*message_bytes))
                    }
                    (true, Fr) => format!(
                        "messages de {min_size} ou plus (POP3 ne montre pas la structure) : {}",
                        human(*message_bytes)
                    ),
                });
                if let Some(s) = share_of_quota {
                    evidence.push(match lang {
                        En => format!(
                            "{} of the quota (warning at {}, critical at {})",
                            p(*s),
                            p(ATTACHMENT_WARN_SHARE),
                            p(ATTACHMENT_CRIT_SHARE)
                        ),
                        Fr => format!(
                            "{} du quota (attention à {}, critique à {})",
                            p(*s),
                            p(ATTACHMENT_WARN_SHARE),
                            p(ATTACHMENT_CRIT_SHARE)
                        ),
                    });
                }
            }
            let advice = (*messages > 0).then(|| match lang {
                En => "file these messages in local folders (the command below archives them)".to_string(),
                Fr => "classez ces messages dans des dossiers locaux (la commande ci-dessous les archive)".to_string(),
            });
            Text { title, evidence, advice }
        }
        Facts::DuplicateRole { role, folders, keep } => {
            let names: Vec<String> = folders.iter().map(|f| q(&f.folder)).collect();
            let title = match lang {
                En => format!("{} {} folders: {}", folders.len(), role.word(En), names.join(", ")),
                Fr => format!("{} dossiers {} : {}", folders.len(), role.word(Fr), names.join(", ")),
            };
            let evidence = folders
                .iter()
                .map(|r| {
                    let flag = match (r.special_use_flag, lang) {
                        (Some(true), En) => "; the server's SPECIAL-USE folder",
                        (Some(true), Fr) => " ; le dossier SPECIAL-USE du serveur",
                        (Some(false), En) => "; found by name",
                        (Some(false), Fr) => " ; trouvé par son nom",
                        (None, _) => "",
                    };
                    match lang {
                        En => format!("{}: {} messages, {}{flag}", q(&r.folder), r.messages, human(r.bytes)),
                        Fr => format!("{} : {} messages, {}{flag}", q(&r.folder), r.messages, human(r.bytes)),
                    }
                })
                .collect();
            let advice = Some(match lang {
                En => format!(
                    "mail programs disagree on the {} folder: keep {} and choose it in every program (Thunderbird: Account Settings > Copies & Folders; Outlook: the account's folder settings), move the other folders' messages into it, then delete them",
                    role.word(En),
                    q(keep)
                ),
                Fr => format!(
                    "les logiciels ne s'accordent pas sur le dossier {} : gardez {} et choisissez-le dans chaque logiciel (Thunderbird : Paramètres des comptes > Copies et dossiers ; Outlook : réglages des dossiers du compte), déplacez-y les messages des autres dossiers, puis supprimez-les",
                    role.word(Fr),
                    q(keep)
                ),
            });
            Text { title, evidence, advice }
        }
        Facts::RolesDistinct { roles } => Text {
            title: match lang {
                En => "One folder per special role".into(),
                Fr => "Un seul dossier par rôle spécial".into(),
            },
            evidence: vec![match lang {
                En => format!(
                    "{roles} roles checked (Sent, Trash, Junk, Drafts), by SPECIAL-USE flag and by name in several languages"
                ),
                Fr => format!(
                    "{roles} rôles vérifiés (envoyés, corbeille, indésirables, brouillons), par attribut SPECIAL-USE et par nom en plusieurs langues"
                ),
            }],
            advice: None,
        },
        Facts::Bounces { since, messages, recipients, by_class } => {
            let title = match (messages, lang) {
                (0, En) => format!("No bounce since {}", day(Some(*since))),
                (0, Fr) => format!("Aucun message d'erreur depuis le {}", day(Some(*since))),
                (_, En) => format!("{recipients} failed recipients in {messages} bounces since {}", day(Some(*since))),
                (_, Fr) => format!(
                    "{recipients} destinataires en échec dans {messages} messages d'erreur depuis le {}",
                    day(Some(*since))
                ),
            };
            let evidence = by_class
                .iter()
                .map(|c| format!("{}{} {}", class_word(c.class, lang), if fr { " :" } else { ":" }, c.count))
                .collect();
            let advice = (!by_class.is_empty()).then(|| {
                by_class
                    .iter()
                    .map(|c| {
                        format!(
                            "{}{} {}",
                            class_word(c.class, lang),
                            if fr { " :" } else { ":" },
                            class_advice(c.class, lang)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(if fr { " ; " } else { "; " })
            });
            Text { title, evidence, advice }
        }
        Facts::PopExpire { server, argument, days, per_user } => {
            let title = match (argument, days, lang) {
                (None, _, En) => "The POP server announces no retention policy".into(),
                (None, _, Fr) => "Le serveur POP n'annonce pas de durée de conservation".into(),
                (Some(_), Some(0), En) => "The POP server deletes mail as soon as it is downloaded".into(),
                (Some(_), Some(0), Fr) => "Le serveur POP efface les messages dès qu'ils sont relevés".into(),
                (Some(_), Some(d), En) => format!("The POP server deletes downloaded mail after {d} days"),
                (Some(_), Some(d), Fr) => format!("Le serveur POP efface les messages relevés après {d} jours"),
                (Some(_), None, En) => "The POP server keeps downloaded mail".into(),
                (Some(_), None, Fr) => "Le serveur POP conserve les messages relevés".into(),
            };
            let mut evidence = vec![match (argument, lang) {
                (Some(a), En) => format!("{server} announces EXPIRE {a}"),
                (Some(a), Fr) => format!("{server} annonce EXPIRE {a}"),
                (None, En) => format!("{server} does not announce EXPIRE (RFC 2449)"),
                (None, Fr) => format!("{server} n'annonce pas EXPIRE (RFC 2449)"),
            }];
            if *per_user {
                evidence.push(match lang {
                    En => "the policy may differ per user (USER)".into(),
                    Fr => "la règle peut varier selon l'utilisateur (USER)".into(),
                });
            }
            let advice = match (days, lang) {
                (Some(0), En) => Some("\"leave messages on server\" cannot work here: a POP client empties the box for every other device; use IMAP on every device but the one that archives".into()),
                (Some(0), Fr) => Some("« laisser les messages sur le serveur » ne peut pas marcher ici : un logiciel en POP vide la boîte pour tous les autres appareils ; utilisez IMAP partout sauf sur la machine qui archive".into()),
                (Some(d), En) => Some(format!("a \"leave on server\" setting longer than {d} days has no effect; the guides advise 3-4 days")),
                (Some(d), Fr) => Some(format!("un réglage « laisser sur le serveur » de plus de {d} jours est sans effet ; les guides conseillent 3 ou 4 jours")),
                (None, En) => Some("the POP client's \"leave messages on server\" setting alone decides: keep it at 3-4 days".into()),
                (None, Fr) => Some("seul le réglage « laisser les messages sur le serveur » du logiciel POP décide : gardez 3 ou 4 jours".into()),
            };
            Text { title, evidence, advice }
        }
        Facts::LogClients { log_kind, user, addresses, retrieved, deleted, median_interval_secs, kept_days } => {
            let addrs = addresses.join(", ");
            let title = match (log_kind, lang) {
                (LogKind::SeveralPopClients, En) => {
                    format!("{} addresses download and delete {user}'s mail by POP", addresses.len())
                }
                (LogKind::SeveralPopClients, Fr) => {
                    format!("{} adresses relèvent et effacent le courrier de {user} en POP", addresses.len())
                }
                (LogKind::DeletingPopClient, En) => {
                    format!("A POP client at {addrs} downloads and deletes {user}'s mail")
                }
                (LogKind::DeletingPopClient, Fr) => {
                    format!("Un logiciel POP en {addrs} relève et efface le courrier de {user}")
                }
                (LogKind::LeavesOnServer, En) => {
                    format!("A POP client at {addrs} leaves mail on the server, then deletes it")
                }
                (LogKind::LeavesOnServer, Fr) => {
                    format!("Un logiciel POP en {addrs} laisse les messages sur le serveur, puis les efface")
                }
                (LogKind::FrequentPolling, En) => format!("A POP client at {addrs} checks for mail too often"),
                (LogKind::FrequentPolling, Fr) => format!("Un logiciel POP en {addrs} relève trop souvent"),
            };
            let mut evidence = vec![match lang {
                En => format!("{retrieved} messages downloaded, {deleted} deleted (server logs)"),
                Fr => format!("{retrieved} messages relevés, {deleted} effacés (journaux du serveur)"),
            }];
            if let Some(s) = median_interval_secs {
                evidence.push(match lang {
                    En => format!("checks every {} (median)", human_secs(*s, En)),
                    Fr => format!("relève toutes les {} (médiane)", human_secs(*s, Fr)),
                });
            }
            if let Some(d) = kept_days {
                evidence.push(match lang {
                    En => format!("keeps mail about {d:.0} days on the server"),
                    Fr => format!("garde les messages environ {d:.0} jours sur le serveur"),
                });
            }
            let advice = Some(match (log_kind, lang) {
                (LogKind::SeveralPopClients, En) => "keep one machine collecting by POP (the office one, for archiving); switch the others to IMAP. The command below shows each address and how to find the machine".into(),
                (LogKind::SeveralPopClients, Fr) => "une seule machine relève en POP (celle du bureau, pour archiver) ; passez les autres en IMAP. La commande ci-dessous montre chaque adresse et comment trouver la machine".into(),
                (LogKind::DeletingPopClient, En) => "find that machine (the command below shows how) and tick \"leave messages on server\" for 3-4 days, or switch it to IMAP".into(),
                (LogKind::DeletingPopClient, Fr) => "trouvez cette machine (la commande ci-dessous explique comment) et cochez « laisser les messages sur le serveur » pour 3 ou 4 jours, ou passez-la en IMAP".into(),
                (LogKind::LeavesOnServer, En) => "set \"leave messages on server\" to 3-4 days on that machine (Thunderbird keeps 14 days by default)".into(),
                (LogKind::LeavesOnServer, Fr) => "réglez « laisser les messages sur le serveur » à 3 ou 4 jours sur cette machine (Thunderbird garde 14 jours par défaut)".into(),
                (LogKind::FrequentPolling, En) => "set that program to check for mail every 10-15 minutes".into(),
                (LogKind::FrequentPolling, Fr) => "réglez ce logiciel pour relever toutes les 10 à 15 minutes".into(),
            });
            Text { title, evidence, advice }
        }
        Facts::LogsClean { user, clients, sessions } => Text {
            title: match lang {
                En => format!("No client deletes {user}'s mail by POP"),
                Fr => format!("Aucun logiciel n'efface le courrier de {user} en POP"),
            },
            evidence: vec![match lang {
                En => format!("{clients} clients, {sessions} sessions in the logs"),
                Fr => format!("{clients} logiciels, {sessions} sessions dans les journaux"),
            }],
            advice: None,
        },
        Facts::LogsNoUser { user } => Text {
            title: match lang {
                En => format!("The logs show no session of {user}"),
                Fr => format!("Les journaux ne montrent aucune session de {user}"),
            },
            evidence: vec![match lang {
                En => "check the user name (--log-user) and that the logs cover the period".into(),
                Fr => "vérifiez le nom d'utilisateur (--log-user) et que les journaux couvrent la période".into(),
            }],
            advice: None,
        },
        Facts::Snapshot { verdict, runs, first_run, last_run, removals, addresses, days } => {
            let at = if addresses.is_empty() { String::new() } else { format!(" ({})", addresses.join(", ")) };
            let title = match (verdict, lang) {
                (SnapshotVerdict::SeveralPopClients, En) => {
                    format!("Snapshots: several POP clients delete from this box{at}")
                }
                (SnapshotVerdict::SeveralPopClients, Fr) => {
                    format!("Instantanés : plusieurs logiciels POP effacent dans cette boîte{at}")
                }
                (SnapshotVerdict::PopDeletesOnDownload, En) => {
                    format!("Snapshots: mail vanishes as soon as it arrives, as a deleting POP client does{at}")
                }
                (SnapshotVerdict::PopDeletesOnDownload, Fr) => format!(
                    "Instantanés : le courrier disparaît dès son arrivée, comme avec un logiciel POP qui efface{at}"
                ),
                (SnapshotVerdict::PopLeavesOnServer, En) => {
                    format!("Snapshots: mail vanishes after some days, as with \"leave on server\"{at}")
                }
                (SnapshotVerdict::PopLeavesOnServer, Fr) => format!(
                    "Instantanés : le courrier disparaît après quelques jours, comme avec « laisser sur le serveur »{at}"
                ),
                (SnapshotVerdict::FrequentPolling, En) => format!("Snapshots: a client checks for mail too often{at}"),
                (SnapshotVerdict::FrequentPolling, Fr) => format!("Instantanés : un logiciel relève trop souvent{at}"),
                (SnapshotVerdict::ImapPermanentDelete, En) => "Snapshots: an IMAP client deletes mail for good".into(),
                (SnapshotVerdict::ImapPermanentDelete, Fr) => {
                    "Instantanés : un logiciel IMAP efface définitivement".into()
                }
                (SnapshotVerdict::DeletedToTrash, En) => "Snapshots: mail is moved to the Trash".into(),
                (SnapshotVerdict::DeletedToTrash, Fr) => "Instantanés : le courrier part dans la corbeille".into(),
                (SnapshotVerdict::ImapFiling, En) => "Snapshots: mail is filed into folders, not lost".into(),
                (SnapshotVerdict::ImapFiling, Fr) => {
                    "Instantanés : le courrier est classé dans des dossiers, pas perdu".into()
                }
                (SnapshotVerdict::ServerExpiry, En) => "Snapshots: the server itself removes mail".into(),
                (SnapshotVerdict::ServerExpiry, Fr) => "Instantanés : le serveur lui-même retire du courrier".into(),
                (SnapshotVerdict::NothingWrong, En) => "Snapshots: no mail disappears".into(),
                (SnapshotVerdict::NothingWrong, Fr) => "Instantanés : aucun message ne disparaît".into(),
            };
            let mut evidence = vec![match lang {
                En => format!(
                    "{runs} snapshots from {} to {}; {removals} removals remembered",
                    day(*first_run),
                    day(*last_run)
                ),
                Fr => format!(
                    "{runs} instantanés du {} au {} ; {removals} disparitions en mémoire",
                    day(*first_run),
                    day(*last_run)
                ),
            }];
            if let Some(d) = days {
                evidence.push(match lang {
                    En => format!("mail is removed about {d} days after it arrives"),
                    Fr => format!("les messages sont retirés environ {d} jours après leur arrivée"),
                });
            }
            let advice = match (verdict, lang) {
                (SnapshotVerdict::NothingWrong | SnapshotVerdict::ImapFiling, _) => None,
                (_, En) => Some("the command below shows each removal and the advice; with server logs, `deleters logs` names the machine".into()),
                (_, Fr) => Some("la commande ci-dessous montre chaque disparition et les conseils ; avec les journaux du serveur, `deleters logs` nomme la machine".into()),
            };
            Text { title, evidence, advice }
        }
        Facts::Skipped { check, cause, .. } => Text {
            title: match lang {
                En => format!("Not checked: {}", check_word(*check, En)),
                Fr => format!("Non vérifié : {}", check_word(*check, Fr)),
            },
            evidence: vec![cause.text(lang)],
            advice: None,
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::mime::report::{Locator, MessageFinding};
    use crate::model::mime::{Part, attachments as parts};
    use crate::model::usage::{QuotaInfo, SizeMethod};
    use crate::model::{QuotaResource, QuotaRoot};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn ctx() -> Context {
        Context {
            source: "imaps://alice@mail.example.org".into(),
            thresholds: Thresholds::default(),
            now: ts("2026-11-22T00:00:00Z"),
        }
    }

    fn folder(name: &str, messages: u64, bytes: u64) -> FolderUsage {
        let mut f = FolderUsage::new(name, name);
        f.messages = messages;
        f.bytes = bytes;
        f.unseen = Some(0);
        f
    }

    fn report(folders: Vec<FolderUsage>, quota: Option<(u64, u64)>) -> UsageReport {
        UsageReport {
            source: "imaps://alice@mail.example.org".into(),
            account: None,
            size_method: SizeMethod::StatusSize,
            folders,
            quota: match quota {
                Some((usage, limit)) => QuotaInfo::Reported {
                    roots: vec![QuotaRoot {
                        name: "User quota".into(),
                        resources: vec![QuotaResource { name: "STORAGE".into(), usage, limit }],
                    }],
                },
                None => QuotaInfo::NotReported { reason: "local store: no quota".into() },
            },
            notes: vec![],
        }
    }

    #[test]
    fn quota_thresholds_are_inclusive_and_count_messages_left() {
        let sev =
            |usage| quota(&report(vec![folder("INBOX", 10, 1_000_000)], Some((usage, 1_000_000))), &ctx()).severity;
        assert_eq!(sev(799_999), Severity::Ok);
        assert_eq!(sev(800_000), Severity::Warning);
        assert_eq!(sev(950_000), Severity::Critical);
        assert_eq!(sev(1_200_000), Severity::Critical);
        let f = quota(&report(vec![folder("INBOX", 10, 1_000_000)], Some((900_000, 1_000_000))), &ctx());
        match &f.facts {
            Facts::Quota { left, typical_message, messages_left, percent, .. } => {
                assert_eq!((*left, *typical_message, *messages_left), (100_000, 100_000, 1));
                assert_eq!(*percent, 90.0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            f.command.as_deref(),
            Some("mailsweep archive imaps://alice@mail.example.org --until-quota 70% --to DIR")
        );
        let none = quota(&report(vec![], None), &ctx());
        assert_eq!((none.severity, none.command.is_none()), (Severity::Info, true));
    }

    #[test]
    fn folder_marks_are_the_guides_100_and_500_mb() {
        let r = report(
            vec![folder("INBOX", 1, 100_000_000), folder("Big", 1, 100_000_001), folder("Huge [old]", 1, 500_000_001)],
            None,
        );
        let f = folder_sizes(&r, &ctx());
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[1].severity, Severity::Critical);
        assert_eq!(
            f[1].command.as_deref(),
            Some("mailsweep archive imaps://alice@mail.example.org --folder 'Huge [[]old[]]' --older-than 1y --to DIR")
        );
        let ok = folder_sizes(&report(vec![folder("INBOX", 1, 5)], None), &ctx());
        assert_eq!((ok.len(), ok[0].severity), (1, Severity::Ok));
    }

    #[test]
    fn cutoffs_take_the_longest_that_moves_something() {
        let now = ts("2026-11-22T00:00:00Z");
        assert_eq!(cutoff(Some(ts("2020-01-01T00:00:00Z")), now), Some("1y"));
        assert_eq!(cutoff(Some(ts("2026-04-01T00:00:00Z")), now), Some("6m"));
        assert_eq!(cutoff(Some(ts("2026-10-01T00:00:00Z")), now), Some("1m"));
        assert_eq!(cutoff(Some(ts("2026-11-01T00:00:00Z")), now), None);
        assert_eq!(cutoff(None, now), Some("1y"));
        assert_eq!((cutoff_words("1y", Lang::Fr), cutoff_words("6m", Lang::En)), ("1 an".into(), "6 months".into()));
    }

    #[test]
    fn duplicate_roles_come_from_flags_and_names_in_several_languages() {
        let mut sent = folder("Sent", 3, 30_000);
        sent.role = Some(SpecialUse::Sent);
        let r = report(
            vec![
                folder("INBOX", 1, 1),
                sent,
                folder("Éléments envoyés", 2, 20_000),
                folder("Verzonden items", 0, 0),
                folder("Archives/2021/Sent", 9, 9),
                folder("Corbeille", 0, 0),
            ],
            None,
        );
        let flags = vec![("Sent".to_string(), SpecialUse::Sent)];
        let f = role_folders(&r, &flags, &ctx());
        let dup: Vec<_> = f.iter().filter(|f| matches!(f.facts, Facts::DuplicateRole { .. })).collect();
        assert_eq!(dup.len(), 1);
        match &dup[0].facts {
            Facts::DuplicateRole { role, folders, keep } => {
                assert_eq!(*role, Role::Sent);
                let names: Vec<_> = folders.iter().map(|f| f.folder.as_str()).collect();
                assert_eq!(names, ["Sent", "Éléments envoyés", "Verzonden items"], "archives are not a client's Sent");
                assert_eq!(keep, "Sent");
                assert_eq!(folders[0].special_use_flag, Some(true));
                assert_eq!(folders[1].special_use_flag, Some(false));
            }
            _ => unreachable!(),
        }
        assert_eq!(dup[0].severity, Severity::Warning, "two Sent folders hold mail");
        // Trash exists but is empty; Junk is missing: both fine.
        assert!(f.iter().any(|f| f.check() == Check::Trash && f.severity == Severity::Ok));
        assert!(f.iter().any(|f| matches!(f.facts, Facts::NoRoleFolder { role: Role::Junk })));
        // Without flags (local store), the fuller folder is kept.
        let f = role_folders(&r, &[], &ctx());
        let keep = f.iter().find_map(|f| match &f.facts {
            Facts::DuplicateRole { keep, folders, .. } => Some((keep.clone(), folders[0].special_use_flag)),
            _ => None,
        });
        assert_eq!(keep, Some(("Sent".to_string(), None)));
        let clean = role_folders(&report(vec![folder("INBOX", 1, 1), folder("Sent", 1, 1)], None), &[], &ctx());
        assert!(clean.iter().any(|f| matches!(f.facts, Facts::RolesDistinct { .. })));
        assert_eq!(worst(&clean), Severity::Info);
    }

    #[test]
    fn sent_trash_and_junk_severities() {
        let mut sent = folder("Sent", 50, 20_000_000);
        sent.oldest = Some(ts("2023-01-01T00:00:00Z"));
        let mut small_sent = folder("Sent", 5, 1_000_000);
        small_sent.oldest = Some(ts("2023-01-01T00:00:00Z"));
        let trash = folder("Trash", 5, 30_000_000);
        let mut junk = folder("Junk", 5, 5_000);
        junk.unseen = Some(2);
        let r = report(vec![sent, trash, junk], None);
        let f = role_folders(&r, &[], &ctx());
        let get = |c: Check| f.iter().find(|f| f.check() == c).unwrap();
        assert_eq!(get(Check::Sent).severity, Severity::Warning);
        assert_eq!(
            get(Check::Sent).command.as_deref(),
            Some("mailsweep archive imaps://alice@mail.example.org --folder Sent --older-than 1y --to DIR")
        );
        assert_eq!(get(Check::Trash).severity, Severity::Warning);
        assert!(
            get(Check::Trash).command.as_deref().unwrap().contains("--folder Trash --include-flagged --include-unread")
        );
        assert_eq!(get(Check::Junk).severity, Severity::Warning);
        // With a quota, the share decides: 1 MB of 1 GB is information only.
        let r = report(vec![small_sent], Some((10, 1_000_000_000)));
        let f = role_folders(&r, &[], &ctx());
        assert_eq!(f.iter().find(|f| f.check() == Check::Sent).unwrap().severity, Severity::Info);
    }

    fn att_report(message_bytes: u64, limit: Option<u64>) -> AttachmentsReport {
        let mut a = parts(&Part::leaf("application/pdf", "base64", message_bytes - 1000), 0).remove(0);
        a.part = "2".into();
        AttachmentsReport {
            source: "imaps://alice@mail.example.org".into(),
            account: None,
            detail: Detail::Parts,
            messages: vec![MessageFinding {
                folder: "INBOX".into(),
                locator: Locator::Imap { uidvalidity: Some(1), uid: 1 },
                date: None,
                from: None,
                subject: None,
                size: message_bytes,
                attachments: vec![a],
                complete: true,
            }],
            candidates: 1,
            not_fully_parsed: 0,
            quota: match limit {
                Some(limit) => QuotaInfo::Reported {
                    roots: vec![QuotaRoot {
                        name: "".into(),
                        resources: vec![QuotaResource { name: "STORAGE".into(), usage: 1, limit }],
                    }],
                },
                None => QuotaInfo::NotReported { reason: "x".into() },
            },
            notes: vec![],
        }
    }

    #[test]
    fn attachment_shares_follow_the_attachments_thresholds() {
        assert_eq!(attachments(&att_report(11_000, Some(100_000)), &ctx()).severity, Severity::Info);
        assert_eq!(attachments(&att_report(26_000, Some(100_000)), &ctx()).severity, Severity::Warning);
        assert_eq!(attachments(&att_report(51_000, Some(100_000)), &ctx()).severity, Severity::Critical);
        let f = attachments(&att_report(51_000, None), &ctx());
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.command.as_deref(),
            Some("mailsweep archive imaps://alice@mail.example.org --with-attachments-over 5MiB --to DIR")
        );
    }

    #[test]
    fn pop_expire_policies() {
        let caps = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(pop_expire("pop3s://a@h", &caps(&["UIDL", "EXPIRE 0"])).severity, Severity::Warning);
        assert_eq!(pop_expire("pop3s://a@h", &caps(&["EXPIRE NEVER"])).severity, Severity::Ok);
        let f = pop_expire("pop3s://a@h", &caps(&["EXPIRE 30 USER"]));
        assert_eq!(f.severity, Severity::Info);
        assert!(matches!(f.facts, Facts::PopExpire { days: Some(30), per_user: true, .. }));
        assert_eq!(pop_expire("pop3s://a@h", &caps(&["UIDL"])).severity, Severity::Info);
    }

    #[test]
    fn sorting_is_by_urgency_and_exit_is_the_worst() {
        let r = report(vec![folder("INBOX", 10, 600_000_000), folder("Sent", 0, 0)], Some((960, 1000)));
        let mut all = vec![];
        all.extend(role_folders(&r, &[], &ctx()));
        all.extend(folder_sizes(&r, &ctx()));
        all.push(quota(&r, &ctx()));
        sort(&mut all);
        assert_eq!(all[0].check(), Check::Quota);
        assert_eq!(all[1].check(), Check::FolderSize);
        assert!(all.windows(2).all(|w| w[0].severity >= w[1].severity));
        assert_eq!(worst(&all), Severity::Critical);
        assert_eq!(worst(&all).status(), Status::Critical);
        assert_eq!(Severity::Info.status(), Status::Ok);
        assert_eq!(worst(&[]), Severity::Ok);
    }

    #[test]
    fn locale_picks_french_for_fr() {
        assert_eq!(Lang::from_locale(None, None, Some("fr_FR.UTF-8")), Lang::Fr);
        assert_eq!(Lang::from_locale(Some("C"), None, Some("fr_FR.UTF-8")), Lang::En, "LC_ALL wins");
        assert_eq!(Lang::from_locale(Some(""), Some("fr_CA"), Some("en_US")), Lang::Fr, "empty is unset");
        assert_eq!(Lang::from_locale(None, None, None), Lang::En);
    }

    /// One finding of every `Facts` variant (and every sub-kind the text branches on).
    pub(crate) fn every_finding() -> Vec<Finding> {
        let c = ctx();
        let mut out = Vec::new();
        let mut sent = folder("Sent", 50, 20_000_000);
        sent.oldest = Some(ts("2023-01-01T00:00:00Z"));
        sent.newest = Some(ts("2026-11-01T00:00:00Z"));
        let mut junk = folder("Junk", 5, 5_000);
        junk.unseen = Some(2);
        let r = report(
            vec![
                folder("INBOX", 10, 200_000_000),
                folder("Huge", 3, 600_000_000),
                sent,
                folder("Trash", 5, 9),
                junk,
                folder("Courrier envoyé", 1, 1),
            ],
            Some((960_000_000, 1_000_000_000)),
        );
        out.push(quota(&r, &c));
        out.push(quota(&report(vec![], None), &c));
        out.push(quota(&report(vec![folder("INBOX", 1, 1)], Some((1, 1000))), &c));
        out.extend(folder_sizes(&r, &c));
        out.extend(folder_sizes(&report(vec![folder("INBOX", 1, 1)], None), &c));
        out.extend(role_folders(&r, &[("Sent".into(), SpecialUse::Sent)], &c));
        out.extend(role_folders(&report(vec![folder("Sent", 0, 0)], None), &[], &c));
        out.push(attachments(&att_report(51_000, Some(100_000)), &c));
        let mut none = att_report(51_000, None);
        none.messages.clear();
        out.push(attachments(&none, &c));
        for caps in [&["EXPIRE 0"][..], &["EXPIRE 30 USER"], &["EXPIRE NEVER"], &[]] {
            let caps: Vec<String> = caps.iter().map(|s| s.to_string()).collect();
            out.push(pop_expire("pop3s://a@h", &caps));
        }
        let scope = crate::model::bounce::Scope::new(ts("2026-08-24T00:00:00Z"), &["INBOX".into()]).unwrap();
        let empty = BouncesReport::new("x".into(), &scope);
        out.push(bounces(&empty, "90d", &c));
        out.push(Finding::new(
            Severity::Warning,
            Facts::Bounces {
                since: ts("2026-08-24T00:00:00Z"),
                messages: 6,
                recipients: 6,
                by_class: Class::ALL.iter().map(|&class| ClassCount { class, count: 1 }).collect(),
            },
            None,
        ));
        for log_kind in
            [LogKind::SeveralPopClients, LogKind::DeletingPopClient, LogKind::LeavesOnServer, LogKind::FrequentPolling]
        {
            out.push(Finding::new(
                Severity::Warning,
                Facts::LogClients {
                    log_kind,
                    user: "alice".into(),
                    addresses: vec!["192.0.2.7".into()],
                    retrieved: 10,
                    deleted: 10,
                    median_interval_secs: Some(60),
                    kept_days: Some(14.0),
                },
                None,
            ));
        }
        out.extend(logs("alice", None, "/var/log/mail.log"));
        out.push(Finding::new(Severity::Ok, Facts::LogsClean { user: "alice".into(), clients: 1, sessions: 3 }, None));
        out.extend(Reason::every().into_iter().map(|r| skipped(Check::Bounces, r)));
        let history = SnapshotHistory {
            runs: 3,
            first_run: Some(ts("2026-11-01T00:00:00Z")),
            last_run: Some(ts("2026-11-20T00:00:00Z")),
            removals: 4,
        };
        for kind in [VerdictKind::PopLeavesOnServer, VerdictKind::NothingWrong] {
            let v = crate::model::verdict::Verdict {
                kind,
                status: if kind == VerdictKind::NothingWrong { Status::Ok } else { Status::Warning },
                confidence: crate::model::verdict::Confidence::Medium,
                addresses: vec![],
                days: Some(14),
                evidence: vec![],
                advice: vec![],
            };
            out.extend(snapshot(&history, &[v], "mailsweep deleters snapshot imaps://alice@mail.example.org"));
        }
        out
    }

    #[test]
    fn every_finding_has_english_and_french_text() {
        let all = every_finding();
        let kinds: std::collections::BTreeSet<String> =
            all.iter().map(|f| serde_json::to_value(&f.facts).unwrap()["kind"].as_str().unwrap().to_string()).collect();
        assert_eq!(kinds.len(), 16, "every Facts variant is exercised: {kinds:?}");
        for f in &all {
            let en = text(f, Lang::En);
            let fr = text(f, Lang::Fr);
            for t in [&en, &fr] {
                assert!(!t.title.trim().is_empty(), "{f:?}");
                assert!(t.evidence.iter().all(|e| !e.trim().is_empty()), "{f:?}");
            }
            assert_ne!(en.title, fr.title, "{f:?}");
            assert_eq!(en.evidence.len(), fr.evidence.len(), "{f:?}");
            assert_eq!(en.advice.is_some(), fr.advice.is_some(), "{f:?}");
            if f.severity > Severity::Ok && !matches!(f.facts, Facts::Skipped { .. } | Facts::LogsNoUser { .. }) {
                assert!(en.advice.is_some() || f.command.is_some(), "a problem without a fix: {f:?}");
            }
        }
        for rule in Rule::ALL {
            assert_ne!(rule.text(Lang::En), rule.text(Lang::Fr));
            assert!(rule.guides().iter().all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit())));
        }
        for l in Label::ALL {
            assert!(!label(l, Lang::En).is_empty() && !label(l, Lang::Fr).is_empty());
        }
        // Every reason a check was skipped for, in both languages, and the French finding
        // says it in French (issue #6).
        for r in Reason::every() {
            let (en, fr) = (r.text(Lang::En), r.text(Lang::Fr));
            assert!(!en.trim().is_empty() && !fr.trim().is_empty(), "{r:?}");
            assert_ne!(en, fr, "{r:?}");
            let f = skipped(Check::PopExpire, r.clone());
            assert_eq!(text(&f, Lang::Fr).evidence, [fr], "{r:?}");
            assert!(matches!(&f.facts, Facts::Skipped { reason, .. } if *reason == en), "{r:?}");
            assert_eq!(text(&f, Lang::En).evidence, [en], "{r:?}");
        }
        for l in [Label::LocalArchive, Label::ArrivalDates] {
            assert_ne!(label(l, Lang::En), label(l, Lang::Fr), "{l:?}");
        }
        for c in Class::ALL {
            assert_ne!(class_advice(c, Lang::En), class_advice(c, Lang::Fr));
        }
    }

    #[test]
    fn facts_round_trip_through_json() {
        for f in every_finding() {
            let v = serde_json::to_string(&f.facts).unwrap();
            let back: Facts = serde_json::from_str(&v).unwrap();
            assert_eq!(back, f.facts);
        }
    }
}
