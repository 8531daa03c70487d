//! Reading and writing secrets: `add`, `get`, `list`, `rotate`, `history`, `set`, `rm`.
//!
//! Every write runs in one IMMEDIATE transaction that also bumps the sealed state record, so a
//! crash leaves either all of a change or none of it.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::crypto::aead::Table;
use crate::crypto::random_array;
use crate::error::{Error, Result, write_error};
use crate::names::validate_name;
use crate::secret::SecretBytes;
use crate::time::Stamp;

use super::Vault;
use super::entry::{Entry, EntryChanges, NewEntry, VersionInfo};
use super::integrity::{self, SecretRow};
use super::records::{Codec, VersionRecord};

use crate::secret::check_value;

/// The row of `name`, or `None` when the index has no entry for it.
fn find(conn: &Connection, codec: &Codec<'_>, name: &str) -> Result<Option<SecretRow>> {
    let key = codec.keys.name_index(name);
    let found: Option<(i64, i64, Vec<u8>)> = conn
        .prepare_cached("SELECT id, rev, sealed FROM secrets WHERE name_key = ?1")?
        .query_row([key.as_slice()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((id, rev, sealed)) = found else {
        return Ok(None);
    };
    let row = integrity::open_secret_row(codec, id, rev, &sealed)?;
    if row.record.name != name {
        return Err(Error::corrupt(
            "a secret's name index does not match its name",
        ));
    }
    Ok(Some(row))
}

fn require(conn: &Connection, codec: &Codec<'_>, name: &str) -> Result<SecretRow> {
    validate_name(name)?;
    match find(conn, codec, name)? {
        Some(row) => Ok(row),
        None => Err(integrity::not_found(conn, codec, name)),
    }
}

/// Stores the record of `row` at its next revision.
fn rewrite(conn: &Connection, codec: &Codec<'_>, row: &SecretRow) -> Result<()> {
    let rev = row
        .rev
        .checked_add(1)
        .ok_or_else(|| Error::corrupt("a revision overflowed"))?;
    let sealed = codec.seal_record(Table::Secrets, row.id, rev, &row.record)?;
    let changed = conn
        .execute(
            "UPDATE secrets SET rev = ?1, sealed = ?2 WHERE id = ?3 AND rev = ?4",
            params![rev, sealed, row.id, row.rev],
        )
        .map_err(write_error)?;
    if changed != 1 {
        return Err(Error::corrupt(
            "a secret changed while it was being written",
        ));
    }
    Ok(())
}

fn insert_version(
    conn: &Connection,
    codec: &Codec<'_>,
    secret_id: i64,
    seq: u32,
    value: &SecretBytes,
    now: Stamp,
) -> Result<()> {
    let record = VersionRecord {
        created: now.unix(),
    };
    let sealed = codec.seal_record(Table::Versions, secret_id, i64::from(seq), &record)?;
    let sealed_value = codec.seal_value(secret_id, seq, value)?;
    conn.execute(
        "INSERT INTO versions (secret_id, seq, sealed, value) VALUES (?1, ?2, ?3, ?4)",
        params![secret_id, seq, sealed, sealed_value],
    )
    .map_err(write_error)?;
    Ok(())
}

/// A fresh random row id: ids are never reused, so an old row's ciphertexts can never be
/// replayed into a new secret that happens to get the same id.
fn new_secret_id(conn: &Connection) -> Result<i64> {
    loop {
        let id = i64::from_le_bytes(random_array()?) & i64::MAX;
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM secrets WHERE id = ?1)",
            [id],
            |row| row.get(0),
        )?;
        if id != 0 && !taken {
            return Ok(id);
        }
    }
}

impl Vault {
    /// Stores a new secret. Fails if `name` exists.
    pub fn add(&mut self, name: &str, value: &SecretBytes, new: NewEntry) -> Result<Entry> {
        check_value(value)?;
        let now = Stamp::now();
        let record = new.into_record(name, now)?;
        let codec = Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        if find(&tx, &codec, name)?.is_some() {
            return Err(Error::AlreadyExists(name.to_owned()));
        }
        let id = new_secret_id(&tx)?;
        let rev = 1;
        let sealed = codec.seal_record(Table::Secrets, id, rev, &record)?;
        tx.execute(
            "INSERT INTO secrets (id, name_key, rev, sealed) VALUES (?1, ?2, ?3, ?4)",
            params![id, codec.keys.name_index(name).as_slice(), rev, sealed],
        )
        .map_err(write_error)?;
        insert_version(&tx, &codec, id, 1, value, now)?;
        integrity::update_state(&tx, &codec, |s| {
            s.secrets = s.secrets.checked_add(1)?;
            s.versions = s.versions.checked_add(1)?;
            Some(())
        })?;
        tx.commit().map_err(write_error)?;
        self.record_change("add", vec![name.to_owned()], None);
        Entry::from_record(record)
    }

    /// The current value of `name`.
    pub fn get(&self, name: &str) -> Result<SecretBytes> {
        let codec = self.codec();
        let row = require(&self.file.conn, &codec, name)?;
        let sealed: Vec<u8> = self
            .file
            .conn
            .prepare_cached("SELECT value FROM versions WHERE secret_id = ?1 AND seq = ?2")?
            .query_row(params![row.id, row.record.current], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::corrupt("a secret's current value is missing"))?;
        codec.open_value(row.id, row.record.current, &sealed)
    }

    /// The current values of `names`, in order, read in one transaction so they are consistent
    /// with each other.
    pub fn get_many(&self, names: &[String]) -> Result<Vec<SecretBytes>> {
        let tx = self.file.conn.unchecked_transaction()?;
        let values = names.iter().map(|name| self.get(name)).collect();
        tx.commit()?;
        values
    }

    /// The metadata of `name`.
    pub fn entry(&self, name: &str) -> Result<Entry> {
        let row = require(&self.file.conn, &self.codec(), name)?;
        Entry::from_record(row.record)
    }

    /// Every secret's metadata, sorted by name, after checking that no row is missing.
    pub fn list(&self) -> Result<Vec<Entry>> {
        integrity::all_secrets_checked(&self.file.conn, &self.codec())?
            .into_iter()
            .map(|row| Entry::from_record(row.record))
            .collect()
    }

    /// Stores a new value for `name`; the old one stays, sealed, in the history.
    pub fn rotate(&mut self, name: &str, value: &SecretBytes) -> Result<Entry> {
        check_value(value)?;
        let now = Stamp::now();
        let codec = Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let mut row = require(&tx, &codec, name)?;
        let seq = row
            .record
            .current
            .checked_add(1)
            .ok_or_else(|| Error::Invalid(format!("'{name}' cannot be rotated any more")))?;
        insert_version(&tx, &codec, row.id, seq, value, now)?;
        row.record.current = seq;
        row.record.rotated = now.unix();
        // A new value starts its interval afresh; a snooze of the old one no longer applies.
        row.record.snoozed_until = None;
        row.record.updated = now.unix();
        rewrite(&tx, &codec, &row)?;
        integrity::update_state(&tx, &codec, |s| {
            s.versions = s.versions.checked_add(1)?;
            Some(())
        })?;
        tx.commit().map_err(write_error)?;
        self.record_change("rotate", vec![name.to_owned()], None);
        Entry::from_record(row.record)
    }

    /// Every stored value of `name`, oldest first: numbers and dates only.
    pub fn history(&self, name: &str) -> Result<Vec<VersionInfo>> {
        let codec = self.codec();
        let row = require(&self.file.conn, &codec, name)?;
        let mut stmt = self
            .file
            .conn
            .prepare_cached("SELECT seq, sealed FROM versions WHERE secret_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([row.id])?;
        let mut versions = Vec::new();
        while let Some(r) = rows.next()? {
            let seq: u32 = r.get(0)?;
            let sealed: Vec<u8> = r.get(1)?;
            let record: VersionRecord =
                codec.open_record(Table::Versions, row.id, i64::from(seq), &sealed)?;
            versions.push((seq, record));
        }
        let expected = (1..=row.record.current).collect::<Vec<_>>();
        if versions.iter().map(|(seq, _)| *seq).collect::<Vec<_>>() != expected {
            return Err(Error::corrupt(
                "a secret's history has missing or extra versions",
            ));
        }
        Ok(VersionInfo::history(&versions, row.record.current))
    }

    /// Every value `name` has had, oldest first, the current one last: for an export that
    /// carries the history. Read in one transaction, checked complete like [`Vault::history`].
    pub fn past_values(&self, name: &str) -> Result<Vec<SecretBytes>> {
        let tx = self.file.conn.unchecked_transaction()?;
        let codec = self.codec();
        let row = require(&tx, &codec, name)?;
        let mut stmt =
            tx.prepare_cached("SELECT seq, value FROM versions WHERE secret_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([row.id])?;
        let mut values = Vec::new();
        let mut seqs = Vec::new();
        while let Some(r) = rows.next()? {
            let seq: u32 = r.get(0)?;
            let sealed: Vec<u8> = r.get(1)?;
            values.push(codec.open_value(row.id, seq, &sealed)?);
            seqs.push(seq);
        }
        drop(rows);
        drop(stmt);
        tx.commit()?;
        if seqs != (1..=row.record.current).collect::<Vec<_>>() {
            return Err(Error::corrupt(
                "a secret's history has missing or extra versions",
            ));
        }
        Ok(values)
    }

    /// Changes metadata of `name`; fields not named in `changes` stay as they are.
    pub fn update(&mut self, name: &str, changes: EntryChanges) -> Result<Entry> {
        if changes.is_empty() {
            return Err(Error::Invalid("nothing to change".into()));
        }
        let codec = Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let mut row = require(&tx, &codec, name)?;
        changes.apply(&mut row.record, Stamp::now())?;
        rewrite(&tx, &codec, &row)?;
        integrity::update_state(&tx, &codec, |_| Some(()))?;
        tx.commit().map_err(write_error)?;
        self.record_change("set", vec![name.to_owned()], None);
        Entry::from_record(row.record)
    }

    /// Deletes `name` and every stored value of it (overwritten on disk: `secure_delete`).
    pub fn remove(&mut self, name: &str) -> Result<()> {
        let codec = Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let row = require(&tx, &codec, name)?;
        let versions = tx
            .execute("DELETE FROM versions WHERE secret_id = ?1", [row.id])
            .map_err(write_error)?;
        tx.execute("DELETE FROM secrets WHERE id = ?1", [row.id])
            .map_err(write_error)?;
        integrity::update_state(&tx, &codec, |s| {
            s.secrets = s.secrets.checked_sub(1)?;
            s.versions = s.versions.checked_sub(versions as u64)?;
            Some(())
        })?;
        tx.commit().map_err(write_error)?;
        self.record_change("rm", vec![name.to_owned()], None);
        Ok(())
    }
}
