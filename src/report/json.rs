//! JSON output: a versioned API for scripts (`| jq`). Changes are additive only; anything
//! else bumps the schema version.
//!
//! # `usage` (schema_version 1)
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "command": "usage",
//!   "generated_at": "2024-05-01T12:00:00Z",        // RFC 3339, UTC
//!   "status": "ok" | "warning" | "critical" | "unknown",   // the worst account's
//!   "thresholds": { "warn_percent": 80.0, "crit_percent": 95.0 },
//!   "accounts": [
//!     {
//!       "source": "imaps://alice@mail.example.org",   // never a secret
//!       "account": "alice" | null,                     // config account name
//!       "status": "ok" | "warning" | "critical",       // failed accounts are "critical"
//!       "error": null | "cannot connect to ...",       // one line; set only when failed
//!       "size_method": "status_size" | "fetch_sizes" | "pop3_list" | "files" | null,
//!       "totals": { "messages": 1234, "bytes": 893386752 } | null,
//!       "quota": { "state": "reported", "roots": [
//!                    { "name": "User quota", "resources": [
//!                        { "name": "STORAGE", "unit": "bytes" | "count",
//!                          "usage": 893386752, "limit": 1048576000, "percent": 85.2 } ] } ] }
//!              | { "state": "not_reported", "reason": "..." }
//!              | null,                                  // null when failed
//!       "quota_percent": 85.2 | null,                  // fullest resource; what thresholds compare
//!       "folders": [
//!         { "name": "Archives/2021",                    // decoded, "/"-separated
//!           "raw_name": "Archives.2021",                // as the source spells it
//!           "role": "inbox" | "sent" | "trash" | "junk" | "drafts" | "archive" | "all" | "flagged" | null,
//!           "noselect": false,
//!           "messages": 400, "unseen": 0 | null, "bytes": 612000000,
//!           "share_of_quota": 58.4 | null,             // percent of the storage limit
//!           "oldest": "2021-01-02T10:00:00Z" | null, "newest": ... | null,
//!           "mark": "over_100_mb" | "over_500_mb" | null }  // GUIDES.md: big folders
//!       ],
//!       "notes": [ "POP3 sees only INBOX" ]
//!     }
//!   ]
//! }
//! ```
//!
//! Sizes are integer bytes, percentages floating point (not rounded), absent values
//! `null` (keys are always present). Folders come in the order the command chose
//! (`--sort`, `--top`); `totals` count the folders listed.
//!
//! # `probe` (schema_version 1)
//!
//! ```text
//! { "schema_version": 1, "command": "probe", "generated_at": "...",
//!   "source": "...", "protocol": "imap" | "pop3", "security": "tls" | "start_tls" | "plain",
//!   "address": "192.0.2.7:993" | null, "connect_ms": 23 | null,
//!   "tls": { "version", "cipher_suite",
//!            "certificate": { "subject", "issuer", "names": [...], "not_before", "not_after",
//!                             "expired": bool } | null } | null,
//!   "greeting": "..." | null,
//!   "server_id": { "name": "Dovecot", ... },          // IMAP ID fields
//!   "login": { "ok", "mechanism", "login", "mailbox", "message" } | null,
//!   "capabilities": [ "IMAP4rev1", ... ],               // as sent
//!   "explained": [ { "name", "offered", "argument", "meaning" } ],
//!   "special_use": [ { "role": "sent", "folder": "Sent" } ],
//!   "quota_roots": [ same as usage's roots ],
//!   "notes": [ ... ] }
//! ```

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{RenderOptions, UsageOutcome, rfc3339, usage_status, write_json};
use crate::model::probe::{CapabilityNote, LoginOutcome, ProbeReport};
use crate::model::{FolderMark, Protocol, QuotaInfo, QuotaRoot, Security, SizeMethod, SpecialUse, Status};

/// The version of the `usage` JSON document.
pub const USAGE_SCHEMA_VERSION: u32 = 1;
/// The version of the `probe` JSON document.
pub const PROBE_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct UsageDoc<'a> {
    schema_version: u32,
    command: &'static str,
    generated_at: String,
    status: Status,
    thresholds: ThresholdsDoc,
    accounts: Vec<AccountDoc<'a>>,
}

#[derive(Serialize)]
struct ThresholdsDoc {
    warn_percent: f64,
    crit_percent: f64,
}

#[derive(Serialize)]
struct AccountDoc<'a> {
    source: &'a str,
    account: Option<&'a str>,
    status: Status,
    error: Option<&'a str>,
    size_method: Option<SizeMethod>,
    totals: Option<Totals>,
    quota: Option<QuotaDoc<'a>>,
    quota_percent: Option<f64>,
    folders: Vec<FolderDoc<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Totals {
    messages: u64,
    bytes: u64,
}

#[derive(Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum QuotaDoc<'a> {
    Reported { roots: Vec<RootDoc<'a>> },
    NotReported { reason: &'a str },
}

#[derive(Serialize)]
struct RootDoc<'a> {
    name: &'a str,
    resources: Vec<ResourceDoc<'a>>,
}

#[derive(Serialize)]
struct ResourceDoc<'a> {
    name: &'a str,
    unit: &'static str,
    usage: u64,
    limit: u64,
    percent: f64,
}

#[derive(Serialize)]
struct FolderDoc<'a> {
    name: &'a str,
    raw_name: &'a str,
    role: Option<SpecialUse>,
    noselect: bool,
    messages: u64,
    unseen: Option<u64>,
    bytes: u64,
    share_of_quota: Option<f64>,
    oldest: Option<String>,
    newest: Option<String>,
    mark: Option<&'static str>,
}

fn roots(roots: &[QuotaRoot]) -> Vec<RootDoc<'_>> {
    roots
        .iter()
        .map(|r| RootDoc {
            name: &r.name,
            resources: r
                .resources
                .iter()
                .map(|res| ResourceDoc {
                    name: &res.name,
                    unit: if res.is_storage() { "bytes" } else { "count" },
                    usage: res.usage,
                    limit: res.limit,
                    percent: res.percent(),
                })
                .collect(),
        })
        .collect()
}

fn mark(m: FolderMark) -> &'static str {
    match m {
        FolderMark::Over100Mb => "over_100_mb",
        FolderMark::Over500Mb => "over_500_mb",
    }
}

fn account<'a>(o: &'a UsageOutcome, opts: &RenderOptions) -> AccountDoc<'a> {
    let status = o.status(&opts.thresholds);
    match o {
        UsageOutcome::Failed { source, account, error } => AccountDoc {
            source,
            account: account.as_deref(),
            status,
            error: Some(error),
            size_method: None,
            totals: None,
            quota: None,
            quota_percent: None,
            folders: vec![],
            notes: &[],
        },
        UsageOutcome::Report(r) => AccountDoc {
            source: &r.source,
            account: r.account.as_deref(),
            status,
            error: None,
            size_method: Some(r.size_method),
            totals: Some(Totals { messages: r.total_messages(), bytes: r.total_bytes() }),
            quota: Some(match &r.quota {
                QuotaInfo::Reported { roots: rs } => QuotaDoc::Reported { roots: roots(rs) },
                QuotaInfo::NotReported { reason } => QuotaDoc::NotReported { reason },
            }),
            quota_percent: r.quota_percent(),
            folders: r
                .folders
                .iter()
                .map(|f| FolderDoc {
                    name: &f.name,
                    raw_name: &f.raw_name,
                    role: f.role,
                    noselect: f.noselect,
                    messages: f.messages,
                    unseen: f.unseen,
                    bytes: f.bytes,
                    share_of_quota: r.share_of_quota(f),
                    oldest: f.oldest.map(rfc3339),
                    newest: f.newest.map(rfc3339),
                    mark: f.mark().map(mark),
                })
                .collect(),
            notes: &r.notes,
        },
    }
}

pub(super) fn usage(out: &mut dyn Write, outcomes: &[UsageOutcome], opts: &RenderOptions) -> io::Result<()> {
    let doc = UsageDoc {
        schema_version: USAGE_SCHEMA_VERSION,
        command: "usage",
        generated_at: rfc3339(opts.now),
        status: usage_status(outcomes, &opts.thresholds),
        thresholds: ThresholdsDoc { warn_percent: opts.thresholds.warn, crit_percent: opts.thresholds.crit },
        accounts: outcomes.iter().map(|o| account(o, opts)).collect(),
    };
    write_json(out, &doc)
}

#[derive(Serialize)]
struct ProbeDoc<'a> {
    schema_version: u32,
    command: &'static str,
    generated_at: String,
    source: &'a str,
    protocol: Protocol,
    security: Security,
    address: Option<&'a str>,
    connect_ms: Option<u64>,
    tls: Option<TlsDoc<'a>>,
    greeting: Option<&'a str>,
    server_id: BTreeMap<&'a str, &'a str>,
    login: Option<&'a LoginOutcome>,
    capabilities: &'a [String],
    explained: &'a [CapabilityNote],
    special_use: Vec<SpecialUseDoc<'a>>,
    quota_roots: Vec<RootDoc<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct TlsDoc<'a> {
    version: &'a str,
    cipher_suite: &'a str,
    certificate: Option<CertDoc<'a>>,
}

#[derive(Serialize)]
struct CertDoc<'a> {
    subject: &'a str,
    issuer: &'a str,
    names: &'a [String],
    not_before: Option<String>,
    not_after: Option<String>,
    /// Past `not_after` at `generated_at`.
    expired: bool,
}

#[derive(Serialize)]
struct SpecialUseDoc<'a> {
    role: SpecialUse,
    folder: &'a str,
}

pub(super) fn probe(out: &mut dyn Write, r: &ProbeReport, opts: &RenderOptions) -> io::Result<()> {
    let doc = ProbeDoc {
        schema_version: PROBE_SCHEMA_VERSION,
        command: "probe",
        generated_at: rfc3339(opts.now),
        source: &r.source,
        protocol: r.protocol,
        security: r.security,
        address: r.address.as_deref(),
        connect_ms: r.connect_ms,
        tls: r.tls.as_ref().map(|t| TlsDoc {
            version: &t.version,
            cipher_suite: &t.cipher_suite,
            certificate: t.certificate.as_ref().map(|c| CertDoc {
                subject: &c.subject,
                issuer: &c.issuer,
                names: &c.names,
                not_before: c.not_before.map(rfc3339),
                not_after: c.not_after.map(rfc3339),
                expired: c.not_after.is_some_and(|na| na < opts.now),
            }),
        }),
        greeting: r.greeting.as_deref(),
        server_id: r.server_id.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        login: r.login.as_ref(),
        capabilities: &r.capabilities,
        explained: &r.explained,
        special_use: r.special_use.iter().map(|(role, folder)| SpecialUseDoc { role: *role, folder }).collect(),
        quota_roots: roots(&r.quota_roots),
        notes: &r.notes,
    };
    write_json(out, &doc)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testdata::{self, opts};
    use super::*;

    fn render(outcomes: &[UsageOutcome]) -> (String, Value) {
        let mut out = Vec::new();
        usage(&mut out, outcomes, &opts()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    }

    #[test]
    fn usage_document_has_the_documented_shape() {
        let (text, v) = render(&[UsageOutcome::Report(testdata::report_warn()), testdata::failed()]);
        assert!(text.starts_with("{\n  \"schema_version\": 1,\n"));
        assert!(text.ends_with("}\n"));
        assert_eq!(v["command"], "usage");
        assert_eq!(v["generated_at"], "2024-05-01T12:00:00Z");
        assert_eq!(v["status"], "critical");
        assert_eq!(v["thresholds"]["warn_percent"], 80.0);

        let a = &v["accounts"][0];
        assert_eq!(a["source"], "imaps://alice@mail.example.org");
        assert_eq!(a["account"], "alice");
        assert_eq!(a["status"], "warning");
        assert!(a["error"].is_null());
        assert_eq!(a["size_method"], "status_size");
        assert_eq!(a["totals"]["bytes"], 802_002_048u64);
        assert_eq!(a["totals"]["messages"], 1234);
        assert_eq!(a["quota"]["state"], "reported");
        let storage = &a["quota"]["roots"][0]["resources"][0];
        assert_eq!(storage["name"], "STORAGE");
        assert_eq!(storage["unit"], "bytes");
        assert_eq!(storage["usage"], 893_386_752u64);
        assert_eq!(storage["limit"], 1_048_576_000u64);
        assert!((storage["percent"].as_f64().unwrap() - 85.2).abs() < 0.01);
        assert_eq!(a["quota"]["roots"][0]["resources"][1]["unit"], "count");
        assert!(a["quota_percent"].is_f64());

        let inbox = &a["folders"][0];
        assert_eq!(inbox["name"], "INBOX");
        assert_eq!(inbox["role"], "inbox");
        assert_eq!(inbox["noselect"], false);
        assert_eq!(inbox["unseen"], 3);
        assert!(inbox["bytes"].is_u64());
        assert!(inbox["share_of_quota"].is_f64());
        assert_eq!(inbox["oldest"], "2019-03-04T08:00:00Z");
        assert_eq!(inbox["newest"], "2024-04-30T23:59:59Z");
        assert_eq!(inbox["mark"], "over_100_mb");
        let archives = &a["folders"][1];
        assert_eq!(archives["noselect"], true);
        assert!(archives["role"].is_null() && archives["unseen"].is_null() && archives["oldest"].is_null());
        assert!(archives["mark"].is_null());
        assert_eq!(a["folders"][2]["raw_name"], "Archives.2021");
        assert_eq!(a["folders"][2]["mark"], "over_500_mb");
        assert_eq!(a["notes"], Value::Array(vec![]));

        let f = &v["accounts"][1];
        assert_eq!(f["status"], "critical");
        assert!(f["error"].as_str().unwrap().starts_with("cannot connect"));
        for key in ["size_method", "totals", "quota", "quota_percent"] {
            assert!(f[key].is_null(), "{key}");
        }
        assert_eq!(f["folders"], Value::Array(vec![]));
    }

    #[test]
    fn missing_quota_is_explained() {
        let (_, v) = render(&[UsageOutcome::Report(testdata::report_ok())]);
        let a = &v["accounts"][0];
        assert_eq!(v["status"], "ok");
        assert!(a["account"].is_null());
        assert_eq!(a["quota"]["state"], "not_reported");
        assert_eq!(a["quota"]["reason"], "POP3 has no quota command");
        assert!(a["quota_percent"].is_null());
        assert!(a["folders"][0]["share_of_quota"].is_null());
        assert_eq!(a["notes"][0], "POP3 sees only INBOX");
        assert_eq!(a["size_method"], "pop3_list");
    }

    #[test]
    fn no_accounts_is_unknown() {
        let (_, v) = render(&[]);
        assert_eq!(v["status"], "unknown");
        assert_eq!(v["accounts"], Value::Array(vec![]));
    }

    #[test]
    fn probe_document() {
        let mut out = Vec::new();
        probe(&mut out, &testdata::probe(), &opts()).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["command"], "probe");
        assert_eq!(v["protocol"], "imap");
        assert_eq!(v["security"], "tls");
        assert_eq!(v["connect_ms"], 23);
        assert_eq!(v["tls"]["certificate"]["expired"], true);
        assert_eq!(v["tls"]["certificate"]["not_after"], "2024-04-01T00:00:00Z");
        assert_eq!(v["server_id"]["name"], "Dovecot");
        assert_eq!(v["login"]["ok"], true);
        assert_eq!(v["login"]["mechanism"], "PLAIN");
        assert_eq!(v["explained"][1]["argument"], "30");
        assert_eq!(v["explained"][2]["offered"], false);
        assert_eq!(v["special_use"][1]["role"], "trash");
        assert_eq!(v["special_use"][1]["folder"], "Corbeille");
        assert_eq!(v["quota_roots"][0]["resources"][0]["usage"], 1024);
        assert_eq!(v["notes"].as_array().unwrap().len(), 1);
    }
}
