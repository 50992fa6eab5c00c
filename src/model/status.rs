//! Monitoring status and the warn/crit thresholds that produce it.

use serde::Serialize;

/// A monitoring verdict, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Status {
    /// The word monitoring plugins print.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// The worse of two statuses (UNKNOWN counts as worst, as Nagios does for aggregation).
    pub fn worst(self, other: Status) -> Status {
        self.max(other)
    }
}

/// Percentage thresholds on quota use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub warn: f64,
    pub crit: f64,
}

impl Default for Thresholds {
    /// 80% / 95%: close enough to full that new mail will soon bounce (GUIDES.md, Quota).
    fn default() -> Self {
        Thresholds { warn: 80.0, crit: 95.0 }
    }
}

impl Thresholds {
    /// Checks that warn <= crit and both are within 0..=100 (more than 100% is legal use,
    /// but not a useful threshold).
    pub fn new(warn: f64, crit: f64) -> Result<Self, String> {
        for (name, v) in [("--warn", warn), ("--crit", crit)] {
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("{name} must be a percentage between 0 and 100, not {v}"));
            }
        }
        if warn > crit {
            return Err(format!("--warn ({warn}%) must not be above --crit ({crit}%)"));
        }
        Ok(Thresholds { warn, crit })
    }

    /// The status for a use percentage (None: nothing to compare, OK).
    pub fn status(&self, percent: Option<f64>) -> Status {
        match percent {
            Some(p) if p >= self.crit => Status::Critical,
            Some(p) if p >= self.warn => Status::Warning,
            _ => Status::Ok,
        }
    }
}

/// Parses "80", "80%" or "80.5%".
pub fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches('%').trim();
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("\"{s}\" is not a percentage (examples: 80, 80%, 92.5%)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_inclusive() {
        let t = Thresholds::new(80.0, 95.0).unwrap();
        assert_eq!(t.status(Some(79.9)), Status::Ok);
        assert_eq!(t.status(Some(80.0)), Status::Warning);
        assert_eq!(t.status(Some(95.0)), Status::Critical);
        assert_eq!(t.status(Some(140.0)), Status::Critical);
        assert_eq!(t.status(None), Status::Ok);
    }

    #[test]
    fn bad_thresholds_are_refused() {
        assert!(Thresholds::new(90.0, 80.0).is_err());
        assert!(Thresholds::new(-1.0, 80.0).is_err());
        assert!(Thresholds::new(10.0, 101.0).is_err());
    }

    #[test]
    fn percentages_parse_with_or_without_sign() {
        assert_eq!(parse_percent("80").unwrap(), 80.0);
        assert_eq!(parse_percent("92.5%").unwrap(), 92.5);
        assert!(parse_percent("lots").is_err());
        assert!(parse_percent("NaN").is_err());
    }

    #[test]
    fn worst_orders_statuses() {
        assert_eq!(Status::Ok.worst(Status::Warning), Status::Warning);
        assert_eq!(Status::Critical.worst(Status::Warning), Status::Critical);
    }
}
