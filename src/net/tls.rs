//! TLS: verified by default against the system store plus optional private CAs, with
//! certificate problems explained in plain words.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use jiff::Timestamp;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::error;
use crate::model::{CertInfo, TlsInfo};

/// Where trust comes from. Clones share one built configuration, so the system store
/// is loaded once per run however many mailboxes are audited.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// PEM file of extra CA certificates (a private CA), trusted beside the system store.
    pub ca_file: Option<PathBuf>,
    built: Arc<OnceLock<Arc<ClientConfig>>>,
}

impl TlsSettings {
    pub fn new(ca_file: Option<PathBuf>) -> Self {
        TlsSettings { ca_file, built: Arc::default() }
    }

    /// The client configuration (built on first use): the platform verifier with the
    /// extra roots.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>> {
        if let Some(c) = self.built.get() {
            return Ok(c.clone());
        }
        let config = self.build()?;
        Ok(self.built.get_or_init(|| config).clone())
    }

    fn build(&self) -> Result<Arc<ClientConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut extra = Vec::new();
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                error::usage_hint(
                    format!("cannot read CA file \"{}\": {e}", path.display()),
                    "--ca-file takes a PEM file with the certificate of the CA that signed the server's certificate",
                )
            })?;
            extra = parse_pem_certs(&pem)
                .map_err(|e| error::usage(format!("CA file \"{}\" is not usable: {e}", path.display())))?;
        }
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .context("cannot set up certificate verification")?;
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("cannot set up TLS")?
            .dangerous() // not dangerous: the platform verifier does full verification
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

/// Reads every `CERTIFICATE` block of a PEM file.
fn parse_pem_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
    let certs = certs.map_err(|e| format!("bad PEM: {e:?}"))?;
    if certs.is_empty() {
        return Err("no CERTIFICATE block in it".into());
    }
    Ok(certs)
}

/// Runs the TLS handshake on an open TCP connection and verifies the server certificate.
pub async fn handshake(
    tcp: TcpStream,
    host: &str,
    config: Arc<ClientConfig>,
    limit: Duration,
) -> Result<(TlsStream<super::BufferedTcp>, TlsInfo)> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| error::usage(format!("\"{host}\" is not a valid host name for TLS")))?;
    let connector = TlsConnector::from(config);
    let stream = match tokio::time::timeout(limit, connector.connect(name, super::BufferedTcp::new(tcp))).await {
        Err(_) => {
            return Err(error::failure_hint(
                format!("timed out after {} during the TLS handshake with {host}", super::human_duration(limit)),
                "the port may not speak TLS: imaps:// uses 993 and pop3s:// 995; imap:// and pop3:// use STARTTLS",
            ));
        }
        Ok(Err(e)) => return Err(explain_handshake_error(&e, host)),
        Ok(Ok(s)) => s,
    };
    let info = {
        let (_, conn) = stream.get_ref();
        TlsInfo {
            version: conn
                .protocol_version()
                .map(|v| match v {
                    rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
                    rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default(),
            cipher_suite: conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default(),
            certificate: conn.peer_certificates().and_then(|c| c.first()).and_then(|c| cert_info(c)),
        }
    };
    Ok((stream, info))
}

/// Turns a handshake failure into one sentence and a hint.
pub fn explain_handshake_error(e: &std::io::Error, host: &str) -> anyhow::Error {
    let tls = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let ca_hint =
        "if the server uses a private CA, pass its certificate with --ca-file PATH (or ca_file in the config)";
    match tls {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            let (what, hint) = match cert {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                    "the server's certificate has expired".to_string(),
                    "the server's administrator must renew its certificate".to_string(),
                ),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
                    "the server's certificate is not valid yet".to_string(),
                    "check this machine's clock, or tell the server's administrator".to_string(),
                ),
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => (
                    format!("the server's certificate is not valid for the name \"{host}\""),
                    "connect with the host name the certificate was issued for".to_string(),
                ),
                CertificateError::UnknownIssuer => (
                    "the server's certificate is signed by an unknown certificate authority".to_string(),
                    ca_hint.to_string(),
                ),
                CertificateError::Revoked => (
                    "the server's certificate has been revoked".to_string(),
                    "tell the server's administrator".to_string(),
                ),
                CertificateError::BadSignature => {
                    ("the server's certificate has a bad signature".to_string(), ca_hint.to_string())
                }
                other => (format!("the server's certificate was rejected ({other:?})"), ca_hint.to_string()),
            };
            error::failure_hint(format!("TLS with {host} failed: {what}"), hint)
        }
        Some(other) => error::failure_hint(
            format!("TLS with {host} failed: {other}"),
            "the port may not speak TLS: imaps:// uses 993 and pop3s:// 995; imap:// and pop3:// use STARTTLS",
        ),
        None => error::failure_hint(
            format!("TLS with {host} failed: {e}"),
            "the server closed the connection during the handshake; the port may not speak TLS",
        ),
    }
}

fn cert_info(der: &CertificateDer<'_>) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let ts = |t: x509_parser::time::ASN1Time| Timestamp::from_second(t.timestamp()).ok();
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(ip) => match ip.len() {
                    4 => names.push(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string()),
                    16 => {
                        let mut b = [0u8; 16];
                        b.copy_from_slice(ip);
                        names.push(std::net::Ipv6Addr::from(b).to_string())
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: ts(cert.validity().not_before),
        not_after: ts(cert.validity().not_after),
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_certificates_is_refused() {
        assert!(parse_pem_certs(b"hello").unwrap_err().contains("no CERTIFICATE"));
    }

    #[test]
    fn missing_ca_file_is_a_usage_error_with_a_hint() {
        let s = TlsSettings::new(Some("/nonexistent/ca.pem".into()));
        let e = s.client_config().unwrap_err();
        assert_eq!(error::exit_code(&e), crate::exit::ExitCode::Unknown);
        assert!(error::one_line(&e).contains("/nonexistent/ca.pem"));
    }
}
