//! POP3 login planning and encodings: which method a [`Credentials`] uses on a given
//! server, and the SASL / APOP strings it sends. Pure, so tested without a server.
//!
//! The strings built here hold the secret: they go to the socket and nowhere else.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};

use super::response::sasl_mechanisms;
use crate::secret::{Credentials, Mechanism};

/// How the client logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `USER` then `PASS` (RFC 1939).
    UserPass,
    /// `AUTH PLAIN` (RFC 4616), the only one carrying an authorization identity.
    Plain,
    /// `AUTH LOGIN` (username and password as two continuations).
    Login,
    /// `APOP name digest` (RFC 1939 section 7).
    Apop,
    Xoauth2,
    /// RFC 7628.
    Oauthbearer,
}

impl Method {
    /// The name shown in reports (`LoginOutcome::mechanism`).
    pub fn label(self) -> &'static str {
        match self {
            Method::UserPass => "USER/PASS",
            Method::Plain => "PLAIN",
            Method::Login => "LOGIN",
            Method::Apop => "APOP",
            Method::Xoauth2 => "XOAUTH2",
            Method::Oauthbearer => "OAUTHBEARER",
        }
    }

    /// Whether the secret is an OAuth 2 access token.
    pub fn is_oauth(self) -> bool {
        matches!(self, Method::Xoauth2 | Method::Oauthbearer)
    }
}

/// Why a login cannot even be tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub message: String,
    /// The account's settings contradict themselves (a usage error); otherwise the
    /// server lacks what the settings ask for.
    pub config: bool,
}

impl PlanError {
    fn server(message: String) -> Self {
        PlanError { message, config: false }
    }
}

/// Picks the login method. `caps` are the capabilities before login (empty when the
/// server has no CAPA); `apop_stamp` is the greeting's timestamp.
///
/// `Auto` takes SASL PLAIN when offered (and insists on it when an authorization
/// identity is set), else USER/PASS. An explicit mechanism is used as asked, even if
/// CAPA does not list it: the server's refusal then says why.
pub fn plan(creds: &Credentials, caps: &[String], apop_stamp: Option<&str>) -> Result<Method, PlanError> {
    let plain_offered = sasl_mechanisms(caps).iter().any(|m| m == "PLAIN");
    let method = match creds.mechanism {
        Mechanism::Auto if creds.authzid.is_some() => {
            // Without CAPA we cannot know; trying PLAIN costs one refusal at worst.
            if !plain_offered && !caps.is_empty() {
                return Err(PlanError::server(format!(
                    "logging in as {} to open the mailbox of {} needs SASL PLAIN, which the server does not offer{}",
                    creds.login,
                    creds.mailbox_owner(),
                    offered_note(caps),
                )));
            }
            Method::Plain
        }
        Mechanism::Auto if plain_offered => Method::Plain,
        Mechanism::Auto => Method::UserPass,
        Mechanism::Plain => Method::Plain,
        Mechanism::Login => Method::Login,
        Mechanism::Apop => Method::Apop,
        Mechanism::Xoauth2 => Method::Xoauth2,
        Mechanism::Oauthbearer => Method::Oauthbearer,
    };
    if creds.authzid.is_some() && method != Method::Plain {
        return Err(PlanError {
            message: format!(
                "{} cannot open another user's mailbox: only SASL PLAIN carries an authorization identity",
                method.label()
            ),
            config: true,
        });
    }
    if method == Method::Apop && apop_stamp.is_none() {
        return Err(PlanError::server("the server does not offer APOP (its greeting has no <timestamp>)".to_string()));
    }
    Ok(method)
}

fn offered_note(caps: &[String]) -> String {
    let mechs = sasl_mechanisms(caps);
    if mechs.is_empty() {
        " (it offers no SASL mechanism)".to_string()
    } else {
        format!(" (it offers {})", mechs.join(", "))
    }
}

/// A SASL message ([`crate::sasl`]) or a LOGIN step as POP3 sends it.
pub fn base64(b: impl AsRef<[u8]>) -> String {
    BASE64.encode(b)
}

/// Decodes a server challenge for display; `None` when it is not base64.
pub fn decode_challenge(b64: &str) -> Option<String> {
    BASE64.decode(b64.trim()).ok().map(|b| super::response::printable(&b))
}

/// APOP digest: lower-case hex MD5 of the timestamp (brackets included) and the secret.
pub fn apop_digest(stamp: &str, password: &str) -> String {
    let mut h = Md5::new();
    h.update(stamp.as_bytes());
    h.update(password.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn creds(mechanism: Mechanism, authzid: Option<&str>) -> Credentials {
        Credentials { login: "admin".into(), authzid: authzid.map(Into::into), secret: Secret::new("pw"), mechanism }
    }

    fn caps(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn auto_prefers_plain_then_user_pass() {
        let with_plain = caps(&["USER", "SASL PLAIN LOGIN"]);
        assert_eq!(plan(&creds(Mechanism::Auto, None), &with_plain, None), Ok(Method::Plain));
        assert_eq!(plan(&creds(Mechanism::Auto, None), &caps(&["USER"]), None), Ok(Method::UserPass));
        assert_eq!(plan(&creds(Mechanism::Auto, None), &[], None), Ok(Method::UserPass));
        assert_eq!(plan(&creds(Mechanism::Auto, None), &caps(&["SASL LOGIN"]), None), Ok(Method::UserPass));
    }

    #[test]
    fn an_authorization_identity_needs_plain() {
        assert_eq!(plan(&creds(Mechanism::Auto, Some("alice")), &caps(&["SASL PLAIN"]), None), Ok(Method::Plain));
        assert_eq!(plan(&creds(Mechanism::Auto, Some("alice")), &[], None), Ok(Method::Plain));
        let e = plan(&creds(Mechanism::Auto, Some("alice")), &caps(&["USER", "SASL LOGIN"]), None).unwrap_err();
        assert!(!e.config);
        let e = e.message;
        assert!(e.contains("needs SASL PLAIN") && e.contains("alice") && e.contains("offers LOGIN"), "{e}");
        let e = plan(&creds(Mechanism::Auto, Some("alice")), &caps(&["USER"]), None).unwrap_err().message;
        assert!(e.contains("no SASL mechanism"), "{e}");
        let e = plan(&creds(Mechanism::Login, Some("alice")), &caps(&["SASL PLAIN"]), None).unwrap_err();
        assert!(e.config);
        assert!(e.message.contains("only SASL PLAIN"), "{}", e.message);
        assert!(plan(&creds(Mechanism::Apop, Some("alice")), &[], Some("<1@h>")).is_err());
    }

    #[test]
    fn explicit_mechanisms_are_used_as_asked() {
        assert_eq!(plan(&creds(Mechanism::Login, None), &[], None), Ok(Method::Login));
        assert_eq!(plan(&creds(Mechanism::Plain, None), &caps(&["USER"]), None), Ok(Method::Plain));
        assert_eq!(plan(&creds(Mechanism::Xoauth2, None), &[], None), Ok(Method::Xoauth2));
        assert_eq!(plan(&creds(Mechanism::Oauthbearer, None), &[], None), Ok(Method::Oauthbearer));
        assert_eq!(plan(&creds(Mechanism::Apop, None), &[], Some("<1@h>")), Ok(Method::Apop));
        assert!(plan(&creds(Mechanism::Apop, None), &[], None).unwrap_err().message.contains("does not offer APOP"));
    }

    #[test]
    fn encodings() {
        assert_eq!(base64(crate::sasl::plain(None, "alice", "secret")), "AGFsaWNlAHNlY3JldA==");
        assert_eq!(base64(crate::sasl::oauth_error_reply(true)), "AQ==");
        assert_eq!(decode_challenge("VXNlcm5hbWU6").as_deref(), Some("Username:"));
        assert_eq!(decode_challenge("not base64!"), None);
    }

    #[test]
    fn apop_digest_matches_rfc_1939() {
        assert_eq!(apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
    }
}
