//! The public model of a stored secret: everything about it but its value.

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::names;
use crate::policy::RotateEvery;
use crate::time::Stamp;

use super::records::{SecretRecord, VersionRecord};

/// A secret's name and metadata, as `list` shows it. Never holds the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub created: Stamp,
    pub updated: Stamp,
    pub rotated: Stamp,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub rotate_every: Option<RotateEvery>,
    pub expires: Option<Date>,
    /// The number of the current value: 1 after `add`, one more after each `rotate`.
    pub version: u32,
    /// Not reported overdue or due before then (`keyward due --snooze`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<Stamp>,
    /// The provider catalog's id of who issued it (`stripe`, `aws`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl Entry {
    pub(crate) fn from_record(record: SecretRecord) -> Result<Self> {
        let rotate_every = record
            .rotate_every_days
            .map(RotateEvery::from_days)
            .transpose()
            .map_err(|_| Error::corrupt("a stored rotation interval is out of range"))?;
        let expires = record
            .expires
            .as_deref()
            .map(|d| d.parse::<Date>())
            .transpose()
            .map_err(|_| Error::corrupt("a stored expiry date does not parse"))?;
        Ok(Entry {
            name: record.name,
            created: Stamp::from_unix(record.created),
            updated: Stamp::from_unix(record.updated),
            rotated: Stamp::from_unix(record.rotated),
            tags: record.tags,
            note: record.note,
            rotate_every,
            expires,
            version: record.current,
            snoozed_until: record.snoozed_until.map(Stamp::from_unix),
            provider: record.provider,
        })
    }
}

/// Metadata given with `add`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewEntry {
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub rotate_every: Option<RotateEvery>,
    pub expires: Option<Date>,
    #[serde(default)]
    pub provider: Option<String>,
}

impl NewEntry {
    pub(crate) fn into_record(self, name: &str, now: Stamp) -> Result<SecretRecord> {
        names::validate_name(name)?;
        if let Some(note) = &self.note {
            names::validate_note(note)?;
        }
        Ok(SecretRecord {
            name: name.to_owned(),
            tags: names::normalize_tags(&self.tags)?,
            note: self.note,
            created: now.unix(),
            updated: now.unix(),
            rotated: now.unix(),
            rotate_every_days: self.rotate_every.map(|r| r.days()),
            expires: self.expires.map(|d| d.to_string()),
            current: 1,
            snoozed_until: None,
            provider: self.provider,
        })
    }
}

/// Metadata changes made with `set`: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EntryChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub note: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub rotate_every: Option<Option<RotateEvery>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub expires: Option<Option<Date>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub snoozed_until: Option<Option<Stamp>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub provider: Option<Option<String>>,
}

/// A field that is present is a change, even when its value is `null` (which clears it); an
/// absent field (skipped when serializing) is no change.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl EntryChanges {
    pub fn is_empty(&self) -> bool {
        self.tags.is_none()
            && self.note.is_none()
            && self.rotate_every.is_none()
            && self.expires.is_none()
            && self.snoozed_until.is_none()
            && self.provider.is_none()
    }

    pub(crate) fn apply(self, record: &mut SecretRecord, now: Stamp) -> Result<()> {
        if let Some(tags) = self.tags {
            record.tags = names::normalize_tags(&tags)?;
        }
        if let Some(note) = self.note {
            if let Some(text) = &note {
                names::validate_note(text)?;
            }
            record.note = note;
        }
        if let Some(every) = self.rotate_every {
            record.rotate_every_days = every.map(|r| r.days());
        }
        if let Some(expires) = self.expires {
            record.expires = expires.map(|d| d.to_string());
        }
        if let Some(until) = self.snoozed_until {
            record.snoozed_until = until.map(|s| s.unix());
        }
        if let Some(provider) = self.provider {
            record.provider = provider;
        }
        record.updated = now.unix();
        Ok(())
    }
}

/// One stored value of a secret, as `history` shows it: dates, never the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: u32,
    pub created: Stamp,
    /// When the next value replaced this one; `None` for the current value.
    pub retired: Option<Stamp>,
    pub current: bool,
}

impl VersionInfo {
    /// Builds the history from `(seq, record)` pairs sorted by `seq`.
    pub(crate) fn history(versions: &[(u32, VersionRecord)], current: u32) -> Vec<VersionInfo> {
        versions
            .iter()
            .enumerate()
            .map(|(i, (seq, record))| VersionInfo {
                version: *seq,
                created: Stamp::from_unix(record.created),
                retired: versions
                    .get(i + 1)
                    .map(|(_, next)| Stamp::from_unix(next.created)),
                current: *seq == current,
            })
            .collect()
    }
}
