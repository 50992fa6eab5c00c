//! The TOML configuration: named accounts, defaults, and where it lives
//! (`--config FILE`, else `$XDG_CONFIG_HOME/mailsweep/config.toml`, else
//! `~/.config/mailsweep/config.toml`). `config.sample.toml` documents every key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use crate::error;
use crate::secret::Mechanism;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub accounts: BTreeMap<String, Account>,
}

/// Settings that apply to every account unless it says otherwise.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Seconds allowed for each network operation.
    pub timeout: Option<u64>,
    pub ca_file: Option<PathBuf>,
    /// Quota warning and critical thresholds, in percent.
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    /// How many accounts are checked at once with --all-accounts.
    pub jobs: Option<usize>,
}

/// One named account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Where the mail is: `imaps://user@host`, `pop3s://...`, `maildir:PATH`, `mbox:PATH`.
    pub source: String,
    /// A shell command printing the password (or OAuth token) on its first line.
    pub password_command: Option<String>,
    /// SASL mechanism: auto, plain, login, apop, xoauth2, oauthbearer.
    #[serde(default)]
    pub auth: Mechanism,
    /// Log in as this admin (Dovecot master user) and open the source's user's mailbox
    /// (SASL PLAIN authorization identity). The password is then the admin's.
    pub admin: Option<String>,
    /// With `admin`: audit these users' mailboxes (the source's user is ignored).
    #[serde(default)]
    pub users: Vec<String>,
    pub ca_file: Option<PathBuf>,
    /// Allow a password to cross the network unencrypted (imap:// or pop3:// without TLS).
    #[serde(default)]
    pub plaintext: bool,
    pub timeout: Option<u64>,
    /// The account used when none is named.
    #[serde(default)]
    pub default: bool,
}

/// Where the config is read from when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("mailsweep/config.toml"));
    }
    std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config/mailsweep/config.toml"))
}

impl Config {
    /// Loads the config. An explicit path must exist; the default path may be missing
    /// (then the config is empty).
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>)> {
        let (path, must_exist) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok((Config::default(), None)),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok((Config::default(), None));
            }
            Err(e) => {
                return Err(error::usage_hint(
                    format!("cannot read config file \"{}\": {e}", path.display()),
                    "see config.sample.toml for the format",
                ));
            }
        };
        let config = Config::parse(&text).map_err(|e| {
            error::usage_hint(
                format!("config file \"{}\" is not valid: {e}", path.display()),
                "see config.sample.toml for every key",
            )
        })?;
        Ok((config, Some(path)))
    }

    /// Parses and checks a config text.
    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.message().to_string() + &location(text, e.span()))?;
        let defaults: Vec<_> = config.accounts.iter().filter(|(_, a)| a.default).map(|(n, _)| n.as_str()).collect();
        if defaults.len() > 1 {
            return Err(format!("several accounts are marked default: {}", defaults.join(", ")));
        }
        for (name, account) in &config.accounts {
            account.source.parse::<crate::model::SourceSpec>().map_err(|e| format!("account \"{name}\": {e}"))?;
            if !account.users.is_empty() && account.admin.is_none() {
                return Err(format!("account \"{name}\": `users` needs `admin` (the admin logs in for each user)"));
            }
        }
        Ok(config)
    }

    /// The account with this name, or a usage error listing the names.
    pub fn account(&self, name: &str) -> Result<&Account> {
        self.accounts.get(name).ok_or_else(|| {
            let known: Vec<_> = self.accounts.keys().map(String::as_str).collect();
            if known.is_empty() {
                error::usage_hint(
                    format!("no account named \"{name}\": the config has no accounts"),
                    "create the config file (see config.sample.toml) or pass a source such as imaps://user@host",
                )
            } else {
                error::usage(format!("no account named \"{name}\"; known accounts: {}", known.join(", ")))
            }
        })
    }

    /// The default account: the one marked `default`, or the only one.
    pub fn default_account(&self) -> Option<(&String, &Account)> {
        self.accounts
            .iter()
            .find(|(_, a)| a.default)
            .or_else(|| if self.accounts.len() == 1 { self.accounts.iter().next() } else { None })
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let line = text[..r.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_config_parses() {
        let text = include_str!("../config.sample.toml");
        let c = Config::parse(text).unwrap();
        assert!(!c.accounts.is_empty());
    }

    #[test]
    fn accounts_and_defaults() {
        let c = Config::parse(
            r#"
            [defaults]
            timeout = 10
            [accounts.work]
            source = "imaps://alice@mail.example.org"
            password_command = "pass show work"
            auth = "plain"
            default = true
            [accounts.local]
            source = "maildir:/var/mail/alice"
            "#,
        )
        .unwrap();
        assert_eq!(c.defaults.timeout, Some(10));
        assert_eq!(c.default_account().unwrap().0, "work");
        assert_eq!(c.account("work").unwrap().auth, Mechanism::Plain);
        let e = c.account("nope").unwrap_err();
        assert!(crate::error::one_line(&e).contains("known accounts: local, work"));
    }

    #[test]
    fn bad_configs_say_where_and_why() {
        let e = Config::parse("[accounts.a]\nsource = \"imaps://u@h\"\npasword_command = \"x\"\n").unwrap_err();
        assert!(e.contains("pasword_command") && e.contains("line 3"), "{e}");
        let e = Config::parse("[accounts.a]\nsource = \"ftp://h\"\n").unwrap_err();
        assert!(e.contains("account \"a\"") && e.contains("unknown scheme"), "{e}");
        let e = Config::parse("[accounts.a]\nsource = \"imaps://u@h\"\nusers = [\"b\"]\n").unwrap_err();
        assert!(e.contains("needs `admin`"), "{e}");
        let e = Config::parse(
            "[accounts.a]\nsource = \"imaps://u@h\"\ndefault = true\n[accounts.b]\nsource = \"imaps://u@h\"\ndefault = true\n",
        )
        .unwrap_err();
        assert!(e.contains("several accounts"), "{e}");
        let e = Config::parse("[accounts.a]\nsource = \"imaps://u:pw@h\"\n").unwrap_err();
        assert!(!e.contains("pw@"), "{e}");
    }
}
