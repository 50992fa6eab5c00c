//! Fixed inputs for the renderers' tests: reports built by hand, a fixed "now".

use jiff::Timestamp;

use super::{RenderOptions, UsageOutcome};
use crate::model::probe::{CapabilityNote, LoginOutcome};
use crate::model::{
    CertInfo, FolderUsage, ProbeReport, Protocol, QuotaInfo, QuotaResource, QuotaRoot, Security, SizeMethod,
    SpecialUse, Thresholds, TlsInfo, UsageReport,
};

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn opts() -> RenderOptions {
    RenderOptions { color: false, width: None, thresholds: Thresholds::default(), now: ts("2024-05-01T12:00:00Z") }
}

fn folder(name: &str, raw: &str, messages: u64, bytes: u64) -> FolderUsage {
    let mut f = FolderUsage::new(name, raw);
    f.messages = messages;
    f.bytes = bytes;
    f
}

/// alice: 85.2% of 1000 MiB (WARNING), folders in hierarchy order, two of them marked.
pub fn report_warn() -> UsageReport {
    let mut inbox = folder("INBOX", "INBOX", 812, 150_000_000);
    inbox.unseen = Some(3);
    inbox.see_date(ts("2019-03-04T08:00:00Z"));
    inbox.see_date(ts("2024-04-30T23:59:59Z"));
    let mut archives = folder("Archives", "Archives", 0, 0);
    archives.noselect = true;
    archives.role = None;
    let mut y2021 = folder("Archives/2021", "Archives.2021", 400, 612_000_000);
    y2021.unseen = Some(0);
    y2021.see_date(ts("2021-01-02T10:00:00Z"));
    y2021.see_date(ts("2021-12-31T10:00:00Z"));
    let mut sent = folder("Sent", "Sent", 20, 40_000_000);
    sent.role = Some(SpecialUse::Sent);
    let weird = folder("Pro'jets \"x\"", "Pro'jets \"x\"", 2, 2048);
    UsageReport {
        source: "imaps://alice@mail.example.org".into(),
        account: Some("alice".into()),
        size_method: SizeMethod::StatusSize,
        folders: vec![inbox, archives, y2021, sent, weird],
        quota: QuotaInfo::Reported {
            roots: vec![QuotaRoot {
                name: "User quota".into(),
                resources: vec![
                    QuotaResource { name: "STORAGE".into(), usage: 893_386_752, limit: 1_048_576_000 },
                    QuotaResource { name: "MESSAGE".into(), usage: 1234, limit: 100_000 },
                ],
            }],
        },
        notes: vec![],
    }
}

/// bob over POP3: no quota, one folder, a note (OK).
pub fn report_ok() -> UsageReport {
    UsageReport {
        source: "pop3s://bob@mail.example.org".into(),
        account: None,
        size_method: SizeMethod::Pop3List,
        folders: vec![folder("INBOX", "INBOX", 10, 5_000)],
        quota: QuotaInfo::NotReported { reason: "POP3 has no quota command".into() },
        notes: vec!["POP3 sees only INBOX".into()],
    }
}

/// dave: 97% of 100 MiB (CRITICAL).
pub fn report_crit() -> UsageReport {
    UsageReport {
        source: "imaps://dave@mail.example.org".into(),
        account: Some("dave".into()),
        size_method: SizeMethod::FetchSizes,
        folders: vec![folder("INBOX", "INBOX", 100, 101_711_872)],
        quota: QuotaInfo::Reported {
            roots: vec![QuotaRoot {
                name: "".into(),
                resources: vec![QuotaResource { name: "STORAGE".into(), usage: 101_711_872, limit: 104_857_600 }],
            }],
        },
        notes: vec![],
    }
}

pub fn failed() -> UsageOutcome {
    UsageOutcome::Failed {
        source: "imaps://carol@mail.example.org".into(),
        account: Some("carol".into()),
        error: "cannot connect to imaps://carol@mail.example.org: connection refused | retry".into(),
    }
}

pub fn probe() -> ProbeReport {
    ProbeReport {
        source: "imaps://alice@mail.example.org".into(),
        protocol: Protocol::Imap,
        security: Security::Tls,
        address: Some("192.0.2.7:993".into()),
        connect_ms: Some(23),
        tls: Some(TlsInfo {
            version: "TLSv1.3".into(),
            cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
            certificate: Some(CertInfo {
                subject: "CN=mail.example.org".into(),
                issuer: "CN=Example CA".into(),
                not_before: Some(ts("2024-01-01T00:00:00Z")),
                not_after: Some(ts("2024-04-01T00:00:00Z")),
                names: vec!["mail.example.org".into()],
            }),
        }),
        greeting: Some("* OK [CAPABILITY IMAP4rev1] Dovecot ready.".into()),
        server_id: vec![("name".into(), "Dovecot".into()), ("version".into(), "2.3.21".into())],
        login: Some(LoginOutcome {
            ok: true,
            mechanism: "PLAIN".into(),
            login: "alice".into(),
            mailbox: "alice".into(),
            message: None,
        }),
        capabilities: vec!["IMAP4rev1".into(), "QUOTA".into(), "EXPIRE 30".into()],
        explained: vec![
            CapabilityNote {
                name: "QUOTA".into(),
                offered: true,
                argument: None,
                meaning: "quota use and limits can be read".into(),
            },
            CapabilityNote {
                name: "EXPIRE".into(),
                offered: true,
                argument: Some("30".into()),
                meaning: "the server deletes retrieved messages after 30 day(s)".into(),
            },
            CapabilityNote { name: "MOVE".into(), offered: false, argument: None, meaning: "atomic moves".into() },
        ],
        special_use: vec![(SpecialUse::Sent, "Sent".into()), (SpecialUse::Trash, "Corbeille".into())],
        quota_roots: vec![QuotaRoot {
            name: "User quota".into(),
            resources: vec![QuotaResource { name: "STORAGE".into(), usage: 1024, limit: 1_048_576 }],
        }],
        notes: vec!["login as an admin: mailbox differs from login".into()],
    }
}
