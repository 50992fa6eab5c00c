//! Test PKI for the Dovecot harness: a throw-away CA plus a server leaf certificate (good, expired,
//! wrong-host or signed by an unknown CA), generated with rcgen, and a rustls client config that
//! trusts the test CA.
//!
//! rustls (webpki) refuses a self-signed certificate used as its own trust anchor for a server, so
//! the harness always serves a *leaf* signed by a separate CA. `ca.pem` (the CA the tests should
//! trust) is written next to the Dovecot config; see [`TestPki::write`].

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, date_time_ymd,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// Which server certificate Dovecot presents on its TLS listeners.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CertKind {
    /// Leaf for IP `127.0.0.1` and DNS `localhost`, signed by the test CA, valid 2020..2099.
    #[default]
    Good,
    /// Same names and CA as `Good`, but valid only 2000-01-01..2001-01-01.
    Expired,
    /// Signed by the test CA and currently valid, but its only SAN is DNS `mail.example.org`.
    WrongHost,
    /// Right names, currently valid, but signed by a different CA that is *not* in `ca.pem`.
    UnknownCa,
}

/// PEM material for one Dovecot instance.
pub struct TestPki {
    /// The CA that clients should trust (always the "good" test CA, whatever [`CertKind`]).
    pub ca_pem: String,
    /// The server leaf certificate Dovecot serves.
    pub server_cert_pem: String,
    /// The private key of the server leaf (PKCS#8 PEM).
    pub server_key_pem: String,
}

/// Paths written by [`TestPki::write`].
pub struct PkiFiles {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "mailsweep tests");
    dn.push(DnType::CommonName, common_name);
    dn
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2099, 1, 1);
    params
}

fn leaf_params(sans: Vec<SanType>, expired: bool) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn("mailsweep test server");
    params.subject_alt_names = sans;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    if expired {
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = date_time_ymd(2001, 1, 1);
    } else {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2099, 1, 1);
    }
    params
}

fn loopback_sans() -> Vec<SanType> {
    vec![
        SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        SanType::DnsName("localhost".try_into().expect("'localhost' is a valid DNS SAN")),
    ]
}

impl TestPki {
    /// Generates a fresh CA and a server leaf of the requested kind (ECDSA P-256 keys).
    pub fn generate(kind: CertKind) -> TestPki {
        let ca_key = KeyPair::generate().expect("generate test CA key");
        let params = ca_params("mailsweep test CA");
        let ca_cert = params.self_signed(&ca_key).expect("self-sign test CA");
        let ca = Issuer::new(params, ca_key);

        let leaf_key = KeyPair::generate().expect("generate server key");
        let leaf = match kind {
            CertKind::Good => leaf_params(loopback_sans(), false).signed_by(&leaf_key, &ca),
            CertKind::Expired => leaf_params(loopback_sans(), true).signed_by(&leaf_key, &ca),
            CertKind::WrongHost => {
                leaf_params(vec![SanType::DnsName("mail.example.org".try_into().expect("valid DNS SAN"))], false)
                    .signed_by(&leaf_key, &ca)
            }
            CertKind::UnknownCa => {
                let rogue_key = KeyPair::generate().expect("generate rogue CA key");
                let rogue = Issuer::new(ca_params("mailsweep UNTRUSTED CA"), rogue_key);
                leaf_params(loopback_sans(), false).signed_by(&leaf_key, &rogue)
            }
        }
        .expect("sign server leaf certificate");

        TestPki { ca_pem: ca_cert.pem(), server_cert_pem: leaf.pem(), server_key_pem: leaf_key.serialize_pem() }
    }

    /// Writes `ca.pem` into `dir` and the server cert/key into `dir/ssl/` (key mode 0600).
    pub fn write(&self, dir: &Path) -> PkiFiles {
        let ssl = dir.join("ssl");
        fs::create_dir_all(&ssl).unwrap_or_else(|e| panic!("create {}: {e}", ssl.display()));
        let files = PkiFiles {
            ca: dir.join("ca.pem"),
            server_cert: ssl.join("server.pem"),
            server_key: ssl.join("server.key"),
        };
        for (path, content) in [
            (&files.ca, &self.ca_pem),
            (&files.server_cert, &self.server_cert_pem),
            (&files.server_key, &self.server_key_pem),
        ] {
            fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&files.server_key, fs::Permissions::from_mode(0o600)).expect("chmod server key");
        files
    }
}

/// Reads all certificates of a PEM file (e.g. `Dovecot::ca_file()`).
pub fn load_pem_certs(path: &Path) -> Vec<CertificateDer<'static>> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("parse PEM {}: {e}", path.display()));
    assert!(!certs.is_empty(), "no certificate in {}", path.display());
    certs
}

/// A rustls client config (ring provider, safe defaults) trusting only the CA(s) in `ca_file`.
pub fn rustls_client_config(ca_file: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in load_pem_certs(ca_file) {
        roots.add(cert).expect("add test CA to root store");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("rustls protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Blocking TLS connect + handshake to `127.0.0.1:port`; see [`tls_handshake`].
pub fn tls_connect(
    port: u16,
    server_name: &str,
    ca_file: &Path,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, rustls::Error> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect 127.0.0.1:{port}: {e}"));
    tls_handshake(tcp, server_name, ca_file)
}

/// Runs a TLS client handshake on an established stream (implicit TLS, or after STARTTLS/STLS),
/// verifying the server as `server_name` (`"127.0.0.1"` or `"localhost"` for a good cert)
/// against `ca_file`. Returns the stream, or the rustls error that failed the handshake (other
/// I/O errors become `rustls::Error::General`). Sets 15 s read/write timeouts.
pub fn tls_handshake(
    mut tcp: TcpStream,
    server_name: &str,
    ca_file: &Path,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, rustls::Error> {
    let name = ServerName::try_from(server_name.to_owned()).expect("valid server name");
    let mut conn = rustls::ClientConnection::new(rustls_client_config(ca_file), name)?;
    tcp.set_read_timeout(Some(Duration::from_secs(15))).expect("set read timeout");
    tcp.set_write_timeout(Some(Duration::from_secs(15))).expect("set write timeout");
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            // complete_io reports a TLS failure as io::Error(InvalidData, rustls::Error).
            let msg = e.to_string();
            return Err(match e.into_inner().map(|inner| inner.downcast::<rustls::Error>()) {
                Some(Ok(tls)) => *tls,
                Some(Err(other)) => rustls::Error::General(other.to_string()),
                None => rustls::Error::General(format!("I/O error during handshake: {msg}")),
            });
        }
    }
    Ok(rustls::StreamOwned::new(conn, tcp))
}
