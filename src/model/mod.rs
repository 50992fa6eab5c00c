//! The pure domain: sizes, quota, folders, thresholds, cutoffs, verdicts. No I/O, no async, no
//! protocol types: adapters convert into these, renderers read from them.

pub mod archive;
pub mod bounce;
pub mod doctor;
pub mod folder;
pub mod mime;
pub mod mutf7;
pub mod probe;
pub mod quota;
pub mod size;
pub mod source;
pub mod status;
pub mod usage;
pub mod verdict;
pub mod when;

pub use folder::{FolderMark, FolderUsage, SpecialUse};
pub use probe::{CertInfo, ProbeReport, TlsInfo};
pub use quota::{QuotaResource, QuotaRoot};
pub use source::{Protocol, Security, ServerSpec, SourceSpec};
pub use status::{Status, Thresholds};
pub use usage::{QuotaInfo, SizeMethod, UsageReport};
