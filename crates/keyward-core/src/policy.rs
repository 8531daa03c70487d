//! Rotation policy values: how often a secret should be rotated, and when it expires.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use crate::error::{Error, Result};

/// A rotation interval in whole days, written `90d`, `12w` or `1y` (365 days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RotateEvery {
    days: u32,
}

/// Ten years: anything longer is a typo, not a policy.
const MAX_DAYS: u32 = 3650;

impl RotateEvery {
    pub fn from_days(days: u32) -> Result<Self> {
        if (1..=MAX_DAYS).contains(&days) {
            Ok(RotateEvery { days })
        } else {
            Err(Error::Invalid(format!(
                "a rotation interval must be between 1 and {MAX_DAYS} days"
            )))
        }
    }

    pub fn days(&self) -> u32 {
        self.days
    }
}

impl FromStr for RotateEvery {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(format!(
                "invalid rotation interval {text:?}: write a number of days, weeks or years, like 90d, 12w or 1y"
            ))
        };
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(split);
        let number: u32 = number.parse().map_err(|_| bad())?;
        let per_unit = match unit {
            "d" => 1,
            "w" => 7,
            "y" => 365,
            _ => return Err(bad()),
        };
        RotateEvery::from_days(number.checked_mul(per_unit).ok_or_else(bad)?)
    }
}

impl serde::Serialize for RotateEvery {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for RotateEvery {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RotateEvery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d", self.days)
    }
}

/// Parses an expiry date written `YYYY-MM-DD`.
pub fn parse_expiry(text: &str) -> Result<Date> {
    let valid_shape = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !valid_shape {
        return Err(Error::Invalid(format!(
            "invalid expiry date {text:?}: write it as YYYY-MM-DD"
        )));
    }
    text.parse::<Date>()
        .map_err(|_| Error::Invalid(format!("invalid expiry date {text:?}: no such day")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_in_days_weeks_and_years() {
        assert_eq!("90d".parse::<RotateEvery>().unwrap().days(), 90);
        assert_eq!("12w".parse::<RotateEvery>().unwrap().days(), 84);
        assert_eq!("1y".parse::<RotateEvery>().unwrap().days(), 365);
        assert_eq!("30d".parse::<RotateEvery>().unwrap().to_string(), "30d");
    }

    #[test]
    fn bad_intervals_are_refused() {
        for text in [
            "",
            "d",
            "90",
            "10m",
            "-5d",
            "0d",
            "99999999999d",
            "3651d",
            "1.5d",
            "90 d",
        ] {
            assert!(text.parse::<RotateEvery>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn expiry_dates_must_be_real_days() {
        assert_eq!(
            parse_expiry("2027-02-28").unwrap().to_string(),
            "2027-02-28"
        );
        for text in [
            "2027-02-30",
            "2027-2-1",
            "27-02-01",
            "tomorrow",
            "2027-02-01T00:00",
        ] {
            assert!(parse_expiry(text).is_err(), "{text:?}");
        }
    }
}
