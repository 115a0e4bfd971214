//! Instants as Unix seconds: the same integer in SQLite and PostgreSQL, so
//! bucketing and windows are the same arithmetic everywhere.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

pub const DAY: i64 = 86_400;

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(OffsetDateTime::now_utc().unix_timestamp())
    }

    /// Parses RFC 3339 (`2026-03-01T09:30:00Z`, any offset); sub-second
    /// precision is dropped because the activity log counts in seconds.
    pub fn parse_rfc3339(s: &str) -> Result<Self, String> {
        OffsetDateTime::parse(s.trim(), &Rfc3339)
            .map(|t| Timestamp(t.unix_timestamp()))
            .map_err(|_| format!("'{s}' is not an RFC 3339 time such as 2026-03-01T09:30:00Z"))
    }

    /// Parses RFC 3339 keeping the fraction of a second: (seconds, nanoseconds).
    pub fn parse_rfc3339_precise(s: &str) -> Result<(i64, u32), String> {
        OffsetDateTime::parse(s.trim(), &Rfc3339)
            .map(|t| (t.unix_timestamp(), t.nanosecond()))
            .map_err(|_| format!("'{s}' is not an RFC 3339 time such as 2026-03-01T09:30:00Z"))
    }

    /// RFC 3339 in UTC with a `Z`, as METRICS.md writes `at`.
    pub fn to_rfc3339(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => {
                let (y, m, d) = (t.year(), u8::from(t.month()), t.day());
                format!(
                    "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            }
            Err(_) => self.0.to_string(),
        }
    }

    /// A short date for pages, e.g. `3 Mar 2026`.
    pub fn date(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => format!(
                "{} {} {}",
                t.day(),
                short_month(u8::from(t.month())),
                t.year()
            ),
            Err(_) => String::new(),
        }
    }

    /// A short month label for charts, e.g. `Mar '26`.
    pub fn month_label(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => format!(
                "{} '{:02}",
                short_month(u8::from(t.month())),
                t.year().rem_euclid(100)
            ),
            Err(_) => String::new(),
        }
    }

    /// A relative description for activity feeds: "3 days ago".
    pub fn ago(self, now: Timestamp) -> String {
        let s = now.0 - self.0;
        if s < 60 {
            "just now".into()
        } else if s < 3600 {
            plural(s / 60, "minute")
        } else if s < DAY {
            plural(s / 3600, "hour")
        } else if s < 45 * DAY {
            plural(s / DAY, "day")
        } else {
            self.date()
        }
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit} ago")
    } else {
        format!("{n} {unit}s ago")
    }
}

fn short_month(m: u8) -> &'static str {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M.get(usize::from(m).saturating_sub(1))
        .copied()
        .unwrap_or("")
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_in_utc() {
        let t = Timestamp::parse_rfc3339("2026-03-01T09:30:00Z").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-03-01T09:30:00Z");
        let shifted = Timestamp::parse_rfc3339("2026-03-01T10:30:00+01:00").expect("valid");
        assert_eq!(shifted, t);
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
        assert!(Timestamp::parse_rfc3339("2026-03-01").is_err());
    }
}
