//! Timestamps: whole seconds since the Unix epoch, shown as RFC 3339 in UTC.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(i64);

impl Stamp {
    pub fn now() -> Self {
        Stamp(Timestamp::now().as_second())
    }

    pub fn from_unix(seconds: i64) -> Self {
        Stamp(seconds)
    }

    pub fn unix(&self) -> i64 {
        self.0
    }

    /// The calendar day in UTC, `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        self.to_string().chars().take(10).collect()
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Timestamp::from_second(self.0) {
            Ok(ts) => write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%SZ")),
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let ts: Timestamp = text.parse().map_err(serde::de::Error::custom)?;
        Ok(Stamp(ts.as_second()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rfc3339_utc() {
        assert_eq!(Stamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Stamp::from_unix(1_795_850_805).to_string(),
            "2026-11-28T07:26:45Z"
        );
        assert_eq!(Stamp::from_unix(1_795_850_805).date(), "2026-11-28");
    }

    #[test]
    fn out_of_range_does_not_panic() {
        assert_eq!(
            Stamp::from_unix(i64::MAX).to_string(),
            format!("@{}", i64::MAX)
        );
    }
}
