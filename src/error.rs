//! Error classification: every failure is either the user's (exit 3, UNKNOWN) or the
//! server's / the action's (exit 2, CRITICAL), and may carry a `hint:` line.
//!
//! Errors travel as `anyhow::Error` chains whose outer layers name the object and the
//! action ("cannot examine folder \"Archives\""); a [`Problem`] anywhere in the chain
//! decides the class and supplies the hint.

use std::fmt;

use crate::exit::ExitCode;

/// Who has to act on an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Bad arguments or configuration: nothing was checked (exit 3).
    Usage,
    /// The server, the network, the disk or the action failed (exit 2).
    Failure,
}

/// An error with a class and an optional hint for the user.
#[derive(Debug)]
pub struct Problem {
    pub class: Class,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

/// A usage or configuration error (exit 3).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Problem { class: Class::Usage, message: message.into(), hint: None }.into()
}

/// A usage or configuration error with a hint.
pub fn usage_hint(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Problem { class: Class::Usage, message: message.into(), hint: Some(hint.into()) }.into()
}

/// A failure of the server, network, disk or action, with a hint.
pub fn failure_hint(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Problem { class: Class::Failure, message: message.into(), hint: Some(hint.into()) }.into()
}

/// A server's words cut to a length that fits in one error line (200 characters).
pub fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &s[..cut]),
        None => s.to_string(),
    }
}

/// The exit code an error maps to.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    match err.chain().find_map(|e| e.downcast_ref::<Problem>()) {
        Some(Problem { class: Class::Usage, .. }) => ExitCode::Unknown,
        _ => ExitCode::Critical,
    }
}

/// The hints found along the chain, outermost first.
pub fn hints(err: &anyhow::Error) -> Vec<&str> {
    err.chain().filter_map(|e| e.downcast_ref::<Problem>()).filter_map(|p| p.hint.as_deref()).collect()
}

/// The one-line rendering: each layer of the chain joined by ": ", duplicates dropped.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for layer in err.chain() {
        let text = layer.to_string();
        if parts.last().is_some_and(|last| last.ends_with(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// Writes `error: …` and `hint: …` lines for the user.
pub fn render(err: &anyhow::Error, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(out, "error: {}", one_line(err))?;
    for hint in hints(err) {
        writeln!(out, "hint: {hint}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn usage_errors_exit_3_and_others_exit_2() {
        let e = Err::<(), _>(usage("bad --warn value")).context("cannot parse arguments").unwrap_err();
        assert_eq!(exit_code(&e), ExitCode::Unknown);
        let e = anyhow::anyhow!("connection reset").context("cannot list folders");
        assert_eq!(exit_code(&e), ExitCode::Critical);
    }

    #[test]
    fn rendering_joins_the_chain_and_prints_hints() {
        let e = Err::<(), _>(failure_hint("certificate is not trusted", "pass --ca-file"))
            .context("cannot connect to imaps://a@b")
            .unwrap_err();
        let mut out = Vec::new();
        render(&e, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: cannot connect to imaps://a@b: certificate is not trusted\nhint: pass --ca-file\n"
        );
    }
}
