//! The SASL messages of the login mechanisms, for IMAP and POP3 alike, as raw bytes (each
//! protocol encodes them in base64 for its wire). Pure, so tested without a server.
//!
//! The messages hold the secret: they go to the socket and nowhere else.

/// PLAIN (RFC 4616): authzid NUL login NUL password.
pub fn plain(authzid: Option<&str>, login: &str, password: &str) -> Vec<u8> {
    format!("{}\0{login}\0{password}", authzid.unwrap_or("")).into_bytes()
}

/// XOAUTH2 (Google, Microsoft): `user=USER ^A auth=Bearer TOKEN ^A ^A`.
pub fn xoauth2(user: &str, token: &str) -> Vec<u8> {
    format!("user={user}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// OAUTHBEARER (RFC 7628 section 3.1): a GS2 header naming the user, then the server's host
/// and port and the bearer token. The name escapes ',' and '=' (RFC 5801): a ',' would
/// otherwise end the header early.
pub fn oauthbearer(user: &str, host: &str, port: u16, token: &str) -> Vec<u8> {
    let user = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// The answer to the error report an OAuth mechanism sends as a challenge when it refuses
/// a token: an empty response for XOAUTH2, a single ^A for OAUTHBEARER (RFC 7628 section
/// 3.2.3). The server then ends with its refusal and its reason (a `*` would only make it
/// report an abort).
pub fn oauth_error_reply(oauthbearer: bool) -> &'static [u8] {
    if oauthbearer { b"\x01" } else { b"" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_every_mechanism() {
        assert_eq!(plain(None, "alice", "secret"), b"\0alice\0secret");
        assert_eq!(plain(Some("alice"), "admin", "pw"), b"alice\0admin\0pw");
        assert_eq!(
            xoauth2("someuser@example.com", "ya29.tok"),
            b"user=someuser@example.com\x01auth=Bearer ya29.tok\x01\x01"
        );
        // RFC 7628 section 4.1, with POP3's port.
        assert_eq!(
            oauthbearer("user@example.com", "server.example.com", 110, "vF9dft4q"),
            b"n,a=user@example.com,\x01host=server.example.com\x01port=110\x01auth=Bearer vF9dft4q\x01\x01"
        );
        assert!(oauthbearer("a,b=c", "h", 1, "t").starts_with(b"n,a=a=2Cb=3Dc,\x01"));
        assert_eq!((oauth_error_reply(false), oauth_error_reply(true)), (&b""[..], &b"\x01"[..]));
    }
}
