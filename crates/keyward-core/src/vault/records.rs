//! What is sealed in each row, and the codec that seals and opens it in its place.
//!
//! Records are JSON inside the seal (small, self-describing, easy to extend with new optional
//! fields); values are raw bytes. Metadata and values use different subkeys.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::aead::{self, Column, Place, Table};
use crate::crypto::keys::{Purpose, VaultKeys};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

use super::header::FORMAT;

/// One secret's name and metadata (the `secrets.sealed` column).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct SecretRecord {
    pub name: String,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub created: i64,
    pub updated: i64,
    pub rotated: i64,
    pub rotate_every_days: Option<u32>,
    pub expires: Option<String>,
    /// The `seq` of the current value in `versions`.
    pub current: u32,
    /// `keyward due --snooze`: not reported overdue or due before then (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<i64>,
    /// The catalog's id of the provider that issued it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// One stored value's metadata (the `versions.sealed` column).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct VersionRecord {
    pub created: i64,
}

/// Counts that let a reader notice rows deleted behind keyward's back (the `state` row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct StateRecord {
    pub secrets: u64,
    pub versions: u64,
    /// Rows of the access log. Absent in vaults written before it was counted: the count
    /// starts with the next record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<u64>,
    /// The access log's chain: kept here too, so cutting records off its end is detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<ChainHead>,
}

/// Where the access log's chain starts and ends, and the MAC of its last record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ChainHead {
    /// The first chained record (records before it predate the chain).
    pub first: i64,
    pub last: i64,
    pub mac: [u8; 32],
    /// The MAC the first record follows: zeros at the chain's start, the last pruned record's
    /// MAC after `prune_audit`.
    #[serde(default)]
    pub anchor: [u8; 32],
}

pub(crate) struct Codec<'a> {
    pub keys: &'a VaultKeys,
    pub vault_id: [u8; 16],
}

impl Codec<'_> {
    fn place(&self, table: Table, column: Column, row_id: i64, row_version: i64) -> Result<Place> {
        let row_version = u64::try_from(row_version)
            .map_err(|_| Error::corrupt("a row has a negative revision"))?;
        Ok(Place {
            format: FORMAT,
            vault_id: self.vault_id,
            table,
            column,
            row_id,
            row_version,
        })
    }

    pub fn seal_record<T: Serialize>(
        &self,
        table: Table,
        row_id: i64,
        rev: i64,
        record: &T,
    ) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(record)
            .map_err(|e| Error::Invalid(format!("could not encode a record: {e}")))?;
        let plain = SecretBytes::new(json);
        let place = self.place(table, Column::Record, row_id, rev)?;
        aead::seal(self.keys.subkey(Purpose::Metadata), &place, plain.expose())
    }

    pub fn open_record<T: DeserializeOwned>(
        &self,
        table: Table,
        row_id: i64,
        rev: i64,
        sealed: &[u8],
    ) -> Result<T> {
        let place = self.place(table, Column::Record, row_id, rev)?;
        let plain = aead::open(self.keys.subkey(Purpose::Metadata), &place, sealed)?;
        serde_json::from_slice(plain.expose())
            .map_err(|_| Error::corrupt("a sealed record does not parse"))
    }

    /// Audit events are sealed under their own subkey, bound to their row id.
    pub fn seal_audit<T: Serialize>(&self, id: i64, event: &T) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(event)
            .map_err(|e| Error::Invalid(format!("could not encode an audit event: {e}")))?;
        let place = self.place(Table::Audit, Column::Record, id, 0)?;
        aead::seal(self.keys.subkey(Purpose::Audit), &place, &json)
    }

    pub fn open_audit<T: DeserializeOwned>(&self, id: i64, sealed: &[u8]) -> Result<T> {
        let place = self.place(Table::Audit, Column::Record, id, 0)?;
        let plain = aead::open(self.keys.subkey(Purpose::Audit), &place, sealed)?;
        serde_json::from_slice(plain.expose())
            .map_err(|_| Error::corrupt("a sealed audit event does not parse"))
    }

    pub fn seal_value(&self, secret_id: i64, seq: u32, value: &SecretBytes) -> Result<Vec<u8>> {
        let place = self.place(Table::Versions, Column::Value, secret_id, i64::from(seq))?;
        aead::seal(self.keys.subkey(Purpose::Values), &place, value.expose())
    }

    pub fn open_value(&self, secret_id: i64, seq: u32, sealed: &[u8]) -> Result<SecretBytes> {
        let place = self.place(Table::Versions, Column::Value, secret_id, i64::from(seq))?;
        aead::open(self.keys.subkey(Purpose::Values), &place, sealed)
    }
}
