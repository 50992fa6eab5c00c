//! Which mailboxes a run works on: sources from the command line and accounts from the
//! config resolved into [`Target`]s, and their credentials obtained once each.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::cli::{GlobalArgs, TargetArgs};
use crate::config::{Account, Config};
use crate::error;
use crate::model::{Security, SourceSpec};
use crate::net::{NetSettings, TlsSettings};
use crate::secret::{Credentials, Mechanism, SecretSources};

/// Default limit for each network operation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One mailbox to work on.
#[derive(Debug, Clone)]
pub struct Target {
    /// The config account name, if it came from one.
    pub account: Option<String>,
    /// Where the mail is; for servers `user` is the mailbox owner.
    pub spec: SourceSpec,
    /// The admin who logs in for the owner (SASL PLAIN authorization identity).
    pub admin: Option<String>,
    pub mechanism: Mechanism,
    pub password_command: Option<String>,
    pub net: NetSettings,
}

impl Target {
    /// How the target is shown: `account (source)` or the source alone. Never a secret.
    pub fn label(&self) -> String {
        match &self.account {
            Some(a) => format!("{a} ({})", self.spec),
            None => self.spec.to_string(),
        }
    }

    /// The login identity: the admin in an audit, else the mailbox owner.
    pub fn login(&self) -> Option<&str> {
        match &self.spec {
            SourceSpec::Server(s) => Some(self.admin.as_deref().unwrap_or(&s.user)),
            _ => None,
        }
    }
}

/// Resolves the command line and config into targets.
pub fn resolve(global: &GlobalArgs, config: &Config, sources: &[String], args: &TargetArgs) -> Result<Vec<Target>> {
    let mut bases: Vec<(Option<String>, SourceSpec, Option<&Account>)> = Vec::new();
    for s in sources {
        let spec: SourceSpec = s.parse().map_err(error::usage)?;
        bases.push((None, spec, None));
    }
    let names: Vec<String> = if args.all_accounts {
        if config.accounts.is_empty() {
            return Err(error::usage_hint(
                "--all-accounts: the config has no accounts",
                "create the config file (see config.sample.toml)",
            ));
        }
        config.accounts.keys().cloned().collect()
    } else {
        args.accounts.clone()
    };
    for name in &names {
        let account = config.account(name)?;
        let spec: SourceSpec = account.source.parse().map_err(error::usage)?;
        bases.push((Some(name.clone()), spec, Some(account)));
    }
    if bases.is_empty() {
        match config.default_account() {
            Some((name, account)) => {
                let spec: SourceSpec = account.source.parse().map_err(error::usage)?;
                bases.push((Some(name.clone()), spec, Some(account)));
            }
            None => {
                return Err(error::usage_hint(
                    "no source given",
                    "name one (imaps://user@host, pop3s://user@host, maildir:PATH, mbox:PATH) or an --account from the config",
                ));
            }
        }
    }

    let mut extra_users = args.users.clone();
    if let Some(file) = &args.users_file {
        extra_users.extend(read_users_file(file)?);
    }

    let mut targets = Vec::new();
    let mut tls_cache: HashMap<Option<std::path::PathBuf>, TlsSettings> = HashMap::new();
    for (account, spec, acc) in bases {
        let timeout = global
            .timeout
            .or(acc.and_then(|a| a.timeout))
            .or(config.defaults.timeout)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);
        let ca_file = global
            .ca_file
            .clone()
            .or_else(|| acc.and_then(|a| a.ca_file.clone()))
            .or_else(|| config.defaults.ca_file.clone());
        let plaintext = global.plaintext || acc.is_some_and(|a| a.plaintext);
        let admin = args.admin.clone().or_else(|| acc.and_then(|a| a.admin.clone()));
        let mechanism = args.auth.or(acc.map(|a| a.auth)).unwrap_or_default();
        let password_command = args.password_command.clone().or_else(|| acc.and_then(|a| a.password_command.clone()));
        let tls = tls_cache.entry(ca_file.clone()).or_insert_with(|| TlsSettings::new(ca_file)).clone();
        let net = NetSettings { timeout, tls };

        let mut spec = spec;
        if let SourceSpec::Server(s) = &mut spec {
            if plaintext && s.security == Security::StartTls {
                s.security = Security::Plain;
            }
        } else if admin.is_some() {
            return Err(error::usage(format!("--admin applies to servers, not to {spec}")));
        }

        let users: Vec<String> = if !extra_users.is_empty() {
            extra_users.clone()
        } else {
            acc.map(|a| a.users.clone()).unwrap_or_default()
        };
        let owners: Vec<Option<String>> =
            if users.is_empty() { vec![None] } else { users.into_iter().map(Some).collect() };
        for owner in owners {
            let mut spec = spec.clone();
            if let (SourceSpec::Server(s), Some(owner)) = (&mut spec, &owner) {
                s.user = owner.clone();
            }
            if let SourceSpec::Server(s) = &spec
                && s.user.is_empty()
            {
                return Err(error::usage_hint(
                    format!("{spec} names no user"),
                    format!("write {}://USER@{}, or with --admin give --user USER", s.scheme(), s.host),
                ));
            }
            targets.push(Target {
                account: account.clone(),
                spec,
                admin: admin.clone(),
                mechanism,
                password_command: password_command.clone(),
                net: net.clone(),
            });
        }
    }
    Ok(targets)
}

fn read_users_file(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| error::usage(format!("cannot read users file \"{}\": {e}", path.display())))?;
    let users: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if users.is_empty() {
        return Err(error::usage(format!("users file \"{}\" lists no user", path.display())));
    }
    Ok(users)
}

/// Obtains every server target's credentials, asking once per login identity and
/// secret source (an admin auditing fifty users is asked once).
pub fn credentials(targets: &[Target]) -> Result<Vec<Option<Credentials>>> {
    let mut cache: HashMap<(String, Option<String>), crate::secret::Secret> = HashMap::new();
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let SourceSpec::Server(s) = &t.spec else {
            out.push(None);
            continue;
        };
        let login = t.login().unwrap_or_default().to_string();
        let key = (format!("{login}@{}", s.host), t.password_command.clone());
        let secret = match cache.get(&key) {
            Some(s) => s.clone(),
            None => {
                let secret = SecretSources::standard(t.password_command.clone()).obtain(&key.0)?;
                cache.insert(key, secret.clone());
                secret
            }
        };
        out.push(Some(Credentials {
            login,
            authzid: t.admin.as_ref().map(|_| s.user.clone()),
            secret,
            mechanism: t.mechanism,
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn run(args: &[&str], config: &str) -> Result<Vec<Target>> {
        let cli = crate::cli::Cli::try_parse_from(args).unwrap();
        let config = Config::parse(config).unwrap();
        match cli.command {
            crate::cli::Command::Usage(u) => resolve(&cli.global, &config, &u.sources, &u.target),
            _ => unreachable!(),
        }
    }

    #[test]
    fn sources_and_accounts_combine() {
        let cfg = "[accounts.w]\nsource = \"imaps://alice@h\"\ntimeout = 7\n[accounts.m]\nsource = \"maildir:/m\"\n";
        let t = run(&["mailsweep", "usage", "pop3s://bob@p", "-a", "w"], cfg).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].spec.to_string(), "pop3s://bob@p");
        assert_eq!(t[1].label(), "w (imaps://alice@h)");
        assert_eq!(t[1].net.timeout, Duration::from_secs(7));
        let t = run(&["mailsweep", "usage", "--all-accounts"], cfg).unwrap();
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn admin_audits_expand_users() {
        let t = run(&["mailsweep", "usage", "imaps://h", "--admin", "admin", "--user", "alice", "--user", "bob"], "")
            .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].spec.to_string(), "imaps://bob@h");
        assert_eq!(t[1].login(), Some("admin"));
    }

    #[test]
    fn plaintext_downgrades_only_starttls() {
        let t = run(&["mailsweep", "usage", "imap://a@h", "imaps://a@h", "--plaintext"], "").unwrap();
        let sec = |i: usize| match &t[i].spec {
            SourceSpec::Server(s) => s.security,
            _ => unreachable!(),
        };
        assert_eq!((sec(0), sec(1)), (Security::Plain, Security::Tls));
    }

    #[test]
    fn missing_pieces_are_usage_errors() {
        let e = run(&["mailsweep", "usage"], "").unwrap_err();
        assert!(crate::error::one_line(&e).contains("no source given"));
        let e = run(&["mailsweep", "usage", "imaps://h"], "").unwrap_err();
        assert!(crate::error::one_line(&e).contains("names no user"));
        let e = run(&["mailsweep", "usage", "maildir:/x", "--admin", "a"], "").unwrap_err();
        assert!(crate::error::one_line(&e).contains("applies to servers"));
        let e = run(&["mailsweep", "usage", "-a", "nope"], "").unwrap_err();
        assert_eq!(crate::error::exit_code(&e), crate::exit::ExitCode::Unknown);
    }
}
