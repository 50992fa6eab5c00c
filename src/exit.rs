//! Exit codes: the monitoring-plugin convention, so cron and Nagios/Icinga can act on them.

use crate::model::Status;

/// The process exit status of every mailsweep run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// Everything checked is fine.
    Ok = 0,
    /// A warning threshold was crossed.
    Warning = 1,
    /// A critical threshold was crossed, a server could not be checked, or an action failed.
    Critical = 2,
    /// Usage or configuration error: nothing was checked.
    Unknown = 3,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        match s {
            Status::Ok => ExitCode::Ok,
            Status::Warning => ExitCode::Warning,
            Status::Critical => ExitCode::Critical,
            Status::Unknown => ExitCode::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_monitoring_plugin_convention() {
        assert_eq!(ExitCode::Ok.code(), 0);
        assert_eq!(ExitCode::Warning.code(), 1);
        assert_eq!(ExitCode::Critical.code(), 2);
        assert_eq!(ExitCode::Unknown.code(), 3);
        assert_eq!(ExitCode::from(Status::Warning), ExitCode::Warning);
    }
}
