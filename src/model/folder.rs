//! Folders: decoded names, special-use roles, sizes and the guides' size marks, and the
//! `--folder` globs that select them ([`glob_set`]).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use jiff::Timestamp;
use serde::Serialize;

use super::size::{BIG_FOLDER, HUGE_FOLDER};

/// A folder's special-use role (RFC 6154), from the server's flags or, for local stores
/// and servers without SPECIAL-USE, from well-known names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialUse {
    Inbox,
    Sent,
    Trash,
    Junk,
    Drafts,
    Archive,
    All,
    Flagged,
}

impl SpecialUse {
    pub fn label(self) -> &'static str {
        match self {
            SpecialUse::Inbox => "inbox",
            SpecialUse::Sent => "sent",
            SpecialUse::Trash => "trash",
            SpecialUse::Junk => "junk",
            SpecialUse::Drafts => "drafts",
            SpecialUse::Archive => "archive",
            SpecialUse::All => "all",
            SpecialUse::Flagged => "flagged",
        }
    }

    /// The role of an RFC 6154 attribute such as `\Sent` (case-insensitive).
    pub fn from_attribute(attr: &str) -> Option<SpecialUse> {
        Some(match attr.trim_start_matches('\\').to_ascii_lowercase().as_str() {
            "sent" => SpecialUse::Sent,
            "trash" => SpecialUse::Trash,
            "junk" => SpecialUse::Junk,
            "drafts" => SpecialUse::Drafts,
            "archive" => SpecialUse::Archive,
            "all" => SpecialUse::All,
            "flagged" => SpecialUse::Flagged,
            _ => return None,
        })
    }

    /// A guess from the folder's last name component, in the languages our users' clients
    /// speak (Outlook creates "Courrier envoyé" beside "Sent": GUIDES.md, client defaults).
    pub fn from_name(name: &str) -> Option<SpecialUse> {
        let leaf = name.rsplit('/').next().unwrap_or(name).to_lowercase();
        if name.eq_ignore_ascii_case("INBOX") {
            return Some(SpecialUse::Inbox);
        }
        const SENT: &[&str] = &[
            "sent",
            "sent items",
            "sent messages",
            "sent mail",
            "envoyés",
            "éléments envoyés",
            "courrier envoyé",
            "messages envoyés",
            "gesendet",
            "gesendete objekte",
            "gesendete elemente",
            "enviados",
            "elementos enviados",
            "posta inviata",
            "inviata",
        ];
        const TRASH: &[&str] = &[
            "trash",
            "deleted items",
            "deleted messages",
            "bin",
            "corbeille",
            "éléments supprimés",
            "papierkorb",
            "gelöschte elemente",
            "gelöschte objekte",
            "papelera",
            "elementos eliminados",
            "cestino",
        ];
        const JUNK: &[&str] = &[
            "junk",
            "spam",
            "junk e-mail",
            "junk email",
            "courrier indésirable",
            "indésirables",
            "pourriel",
            "spam-verdacht",
            "junk-e-mail",
            "correo no deseado",
            "posta indesiderata",
        ];
        const DRAFTS: &[&str] = &["drafts", "brouillons", "entwürfe", "borradores", "bozze"];
        const ARCHIVE: &[&str] = &["archive", "archives", "archiv", "archivo", "archivio"];
        for (role, names) in [
            (SpecialUse::Sent, SENT),
            (SpecialUse::Trash, TRASH),
            (SpecialUse::Junk, JUNK),
            (SpecialUse::Drafts, DRAFTS),
            (SpecialUse::Archive, ARCHIVE),
        ] {
            if names.contains(&leaf.as_str()) {
                return Some(role);
            }
        }
        None
    }
}

/// The guides' size marks for a folder (GUIDES.md, Quota: 100 MB and 500 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderMark {
    /// Over 100 MB: the server needs much more resources; split it or move it locally.
    Over100Mb,
    /// Over 500 MB: even more so.
    Over500Mb,
}

impl FolderMark {
    pub fn for_bytes(bytes: u64) -> Option<FolderMark> {
        if bytes > HUGE_FOLDER {
            Some(FolderMark::Over500Mb)
        } else if bytes > BIG_FOLDER {
            Some(FolderMark::Over100Mb)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FolderMark::Over100Mb => ">100MB",
            FolderMark::Over500Mb => ">500MB",
        }
    }
}

/// What one folder holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderUsage {
    /// Decoded UTF-8 name, hierarchy joined with `/` ("Archives/2021", "INBOX").
    pub name: String,
    /// The name as the source spells it (IMAP: raw modified UTF-7 with the server's
    /// delimiter; local stores: the path below the store root).
    pub raw_name: String,
    /// Special-use role, from the server's flags or the folder's name.
    pub role: Option<SpecialUse>,
    /// Not selectable: a pure hierarchy node with no messages of its own.
    pub noselect: bool,
    pub messages: u64,
    /// Unseen messages, where the source can tell.
    pub unseen: Option<u64>,
    /// Bytes as the quota counts them (IMAP: RFC822.SIZE / vsize; local: file sizes).
    pub bytes: u64,
    /// Oldest and newest received date, where it can be had cheaply.
    pub oldest: Option<Timestamp>,
    pub newest: Option<Timestamp>,
}

impl FolderUsage {
    pub fn new(name: impl Into<String>, raw_name: impl Into<String>) -> Self {
        let name = name.into();
        FolderUsage {
            role: SpecialUse::from_name(&name),
            name,
            raw_name: raw_name.into(),
            noselect: false,
            messages: 0,
            unseen: None,
            bytes: 0,
            oldest: None,
            newest: None,
        }
    }

    /// How deep in the hierarchy (INBOX = 0, "Archives/2021" = 1).
    pub fn depth(&self) -> usize {
        self.name.matches('/').count()
    }

    pub fn mark(&self) -> Option<FolderMark> {
        FolderMark::for_bytes(self.bytes)
    }

    /// Widens the date span with one message's received date.
    pub fn see_date(&mut self, t: Timestamp) {
        self.oldest = Some(self.oldest.map_or(t, |o| o.min(t)));
        self.newest = Some(self.newest.map_or(t, |n| n.max(t)));
    }
}

/// Compiles globs typed after `option` (`--folder`, also `--type`): case-insensitive, and
/// `*` matches `/` too, so `Archives*` takes the subfolders. A bad glob is an error naming
/// it and the option.
pub fn glob_set(globs: &[String], option: &str) -> Result<GlobSet, String> {
    let mut set = GlobSetBuilder::new();
    for g in globs {
        let glob = GlobBuilder::new(g)
            .case_insensitive(true)
            .build()
            .map_err(|e| format!("{option} \"{g}\" is not a valid pattern: {}", e.kind()))?;
        set.add(glob);
    }
    set.build().map_err(|e| format!("{option} patterns: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_follow_the_guides() {
        assert_eq!(FolderMark::for_bytes(100_000_000), None);
        assert_eq!(FolderMark::for_bytes(100_000_001), Some(FolderMark::Over100Mb));
        assert_eq!(FolderMark::for_bytes(600_000_000), Some(FolderMark::Over500Mb));
    }

    #[test]
    fn roles_come_from_attributes_and_names() {
        assert_eq!(SpecialUse::from_attribute("\\Sent"), Some(SpecialUse::Sent));
        assert_eq!(SpecialUse::from_attribute("\\HasNoChildren"), None);
        assert_eq!(SpecialUse::from_name("Courrier envoyé"), Some(SpecialUse::Sent));
        assert_eq!(SpecialUse::from_name("INBOX/Éléments supprimés"), Some(SpecialUse::Trash));
        assert_eq!(SpecialUse::from_name("inbox"), Some(SpecialUse::Inbox));
        assert_eq!(SpecialUse::from_name("Projects"), None);
    }

    #[test]
    fn dates_widen_the_span() {
        let mut f = FolderUsage::new("INBOX", "INBOX");
        let a: Timestamp = "2021-01-01T00:00:00Z".parse().unwrap();
        let b: Timestamp = "2023-01-01T00:00:00Z".parse().unwrap();
        f.see_date(b);
        f.see_date(a);
        assert_eq!((f.oldest, f.newest), (Some(a), Some(b)));
        assert_eq!(FolderUsage::new("A/B/C", "A.B.C").depth(), 2);
    }
}
