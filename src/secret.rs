//! Secrets: opaque, redacted in `Debug`, never taken from argv. They come from a
//! `password_command`, the `MAILSWEEP_PASSWORD` environment variable, or a prompt.

use std::fmt;
use std::io::IsTerminal;
use std::process::{Command, Stdio};

use anyhow::Result;

use crate::error;

/// The environment variable that may hold the password (for cron, CI, containers).
pub const PASSWORD_ENV: &str = "MAILSWEEP_PASSWORD";

/// A password or token. Its `Debug` never shows it; read it only with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that sends it to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// PLAIN when the server offers it (needed for an authorization identity), else LOGIN.
    #[default]
    Auto,
    Plain,
    Login,
    /// POP3 APOP (a digest of the greeting's timestamp; the password never crosses).
    Apop,
    /// OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token).
    Xoauth2,
    /// OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token).
    Oauthbearer,
}

impl Mechanism {
    /// Whether the secret is an OAuth 2 access token rather than a password.
    pub fn is_oauth(self) -> bool {
        matches!(self, Mechanism::Xoauth2 | Mechanism::Oauthbearer)
    }

    /// The hint of a login the server refused with this mechanism's secret.
    pub fn refused_hint(self) -> &'static str {
        if self.is_oauth() { OAUTH_REFUSED_HINT } else { PASSWORD_REFUSED_HINT }
    }
}

/// The hint of a login the server refused with a password (IMAP and POP3 alike).
pub const PASSWORD_REFUSED_HINT: &str =
    "check the user name and the password (password_command, MAILSWEEP_PASSWORD or the prompt)";

/// The hint of a login the server refused with an OAuth 2 token (IMAP and POP3 alike).
pub const OAUTH_REFUSED_HINT: &str = "check the user name and the access token: it must be current (not expired \
                                      or revoked) and issued for this user; the password command must print a \
                                      fresh one";

/// Who logs in, as whom, with what.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The authentication identity: the mailbox owner, or the admin in an audit.
    pub login: String,
    /// The mailbox to open when `login` is an admin (SASL PLAIN authorization identity;
    /// Dovecot master users accept it).
    pub authzid: Option<String>,
    pub secret: Secret,
    pub mechanism: Mechanism,
}

impl Credentials {
    /// The mailbox whose mail is read.
    pub fn mailbox_owner(&self) -> &str {
        self.authzid.as_deref().unwrap_or(&self.login)
    }
}

/// Where a secret is looked for, in order.
#[derive(Debug, Clone, Default)]
pub struct SecretSources {
    /// A shell command whose first output line is the secret (`pass show mail/alice`).
    pub command: Option<String>,
    /// The environment variable's value, read once at start.
    pub env: Option<String>,
    /// Whether prompting is allowed (stdin is a terminal and not disabled).
    pub prompt: bool,
}

impl SecretSources {
    /// The usual sources: the given command, `MAILSWEEP_PASSWORD`, a prompt on a terminal.
    pub fn standard(command: Option<String>) -> Self {
        SecretSources {
            command,
            env: std::env::var(PASSWORD_ENV).ok().filter(|v| !v.is_empty()),
            prompt: std::io::stdin().is_terminal(),
        }
    }

    /// Gets the secret for `who` (e.g. "alice@mail.example.org"), from the first source
    /// that has one.
    pub fn obtain(&self, who: &str) -> Result<Secret> {
        if let Some(cmd) = &self.command {
            return run_password_command(cmd, who);
        }
        if let Some(v) = &self.env {
            return Ok(Secret::new(v.clone()));
        }
        if self.prompt {
            let p = rpassword::prompt_password(format!("Password for {who}: "))
                .map_err(|e| error::usage(format!("cannot read the password from the terminal: {e}")))?;
            return Ok(Secret::new(p));
        }
        Err(error::usage_hint(
            format!("no password for {who}"),
            format!(
                "set password_command in the config, or the {PASSWORD_ENV} environment variable, or run on a terminal to be asked"
            ),
        ))
    }
}

/// Runs a password command through `sh -c`; its first line is the secret. Its stderr
/// passes through (a `pass` or `gpg` prompt may need it); its stdout never appears in
/// an error.
fn run_password_command(cmd: &str, who: &str) -> Result<Secret> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| error::usage(format!("cannot run the password command for {who}: {e}")))?;
    if !out.status.success() {
        return Err(error::usage_hint(
            format!("the password command for {who} failed ({})", out.status),
            "run the password_command by hand to see why",
        ));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| error::usage(format!("the password command for {who} printed something that is not UTF-8")))?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(error::usage(format!("the password command for {who} printed nothing")));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials {
            login: "alice".into(),
            authzid: None,
            secret: Secret::new("hunter2"),
            mechanism: Mechanism::Auto,
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn sources_are_tried_in_order() {
        let s = SecretSources {
            command: Some("printf 'from-cmd\\nignored'".into()),
            env: Some("from-env".into()),
            prompt: false,
        };
        assert_eq!(s.obtain("a").unwrap().expose(), "from-cmd");
        let s = SecretSources { command: None, env: Some("from-env".into()), prompt: false };
        assert_eq!(s.obtain("a").unwrap().expose(), "from-env");
        let e = SecretSources::default().obtain("alice@h").unwrap_err();
        assert!(crate::error::one_line(&e).contains("no password for alice@h"));
        assert_eq!(crate::error::exit_code(&e), crate::exit::ExitCode::Unknown);
    }

    #[test]
    fn failing_or_silent_commands_are_clear_errors_without_output() {
        let e = SecretSources { command: Some("echo s3cret; exit 3".into()), ..Default::default() }
            .obtain("a")
            .unwrap_err();
        let text = crate::error::one_line(&e);
        assert!(text.contains("failed"), "{text}");
        assert!(!text.contains("s3cret"));
        let e = SecretSources { command: Some("true".into()), ..Default::default() }.obtain("a").unwrap_err();
        assert!(crate::error::one_line(&e).contains("printed nothing"));
    }
}
