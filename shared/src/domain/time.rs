//! `Timestamp`: an instant in UTC that always prints as RFC 3339 with milliseconds.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Now, truncated to the millisecond so that what is stored is what is shown.
    pub fn now() -> Self {
        Self::from_millis(Utc::now().timestamp_millis()).unwrap_or(Self(DateTime::UNIX_EPOCH))
    }

    pub fn from_millis(millis: i64) -> Option<Self> {
        Utc.timestamp_millis_opt(millis).single().map(Self)
    }

    /// This instant plus `duration` (saturating: far futures stay representable).
    pub fn plus(self, duration: std::time::Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2);
        Self::from_millis(self.millis().saturating_add(millis)).unwrap_or(self)
    }

    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }

    pub fn parse(text: &str) -> Option<Self> {
        let parsed = DateTime::parse_from_rfc3339(text).ok()?;
        Self::from_millis(parsed.timestamp_millis())
    }
}

/// A span of time, both ends included, either end open: a window over time-ordered ids
/// (UUIDv7), which stores turn into a key range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl TimeRange {
    /// The lowest and highest id text this range covers (the same for every kind of id).
    pub fn id_bounds(&self) -> (String, String) {
        let lo = self.since.map_or(0, |t| t.millis());
        let hi = self.until.map_or(i64::MAX, |t| t.millis());
        (
            super::EventId::bound(lo, false).to_string(),
            super::EventId::bound(hi, true).to_string(),
        )
    }

    /// Whether an id made at unix millisecond `millis` falls in the range.
    pub fn contains_millis(&self, millis: u64) -> bool {
        let millis = i64::try_from(millis).unwrap_or(i64::MAX);
        self.since.is_none_or(|s| s.millis() <= millis)
            && self.until.is_none_or(|u| millis <= u.millis())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_utc_with_milliseconds() {
        let t = Timestamp::from_millis(1_795_482_123_456).unwrap();
        assert_eq!(t.to_string(), "2026-11-24T01:02:03.456Z");
    }

    #[test]
    fn adds_durations() {
        let t = Timestamp::from_millis(1_000).unwrap();
        assert_eq!(
            t.plus(std::time::Duration::from_millis(1_500)).millis(),
            2_500
        );
    }

    #[test]
    fn parses_what_it_prints() {
        let t = Timestamp::now();
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
    }
}
