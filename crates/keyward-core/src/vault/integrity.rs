//! Checks that catch rows removed, duplicated or re-indexed behind keyward's back.
//!
//! Each seal protects one field in its place; these checks protect the set of rows: the sealed
//! state row counts secrets and versions, and every secret's keyed name index must match the
//! name sealed in it. `list` runs them on every call; a lookup that finds nothing runs them
//! before it answers "not found", so a damaged index is never mistaken for a missing secret.

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension};

use crate::crypto::aead::Table;
use crate::error::{Error, Result, write_error};

use super::records::{Codec, SecretRecord, StateRecord};

/// A secret row with its record opened.
pub(crate) struct SecretRow {
    pub id: i64,
    pub rev: i64,
    pub record: SecretRecord,
}

pub(crate) fn read_state(conn: &Connection, codec: &Codec<'_>) -> Result<(i64, StateRecord)> {
    let (rev, sealed): (i64, Vec<u8>) = conn
        .query_row("SELECT rev, sealed FROM state WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?
        .ok_or_else(|| Error::corrupt("the vault has no state record"))?;
    let state = codec.open_record(Table::State, 1, rev, &sealed)?;
    Ok((rev, state))
}

/// Writes the state record at revision `previous_rev + 1`.
pub(crate) fn write_state(
    conn: &Connection,
    codec: &Codec<'_>,
    previous_rev: i64,
    state: StateRecord,
) -> Result<()> {
    let rev = previous_rev
        .checked_add(1)
        .ok_or_else(|| Error::corrupt("the state revision overflowed"))?;
    let sealed = codec.seal_record(Table::State, 1, rev, &state)?;
    conn.execute(
        "INSERT INTO state (id, rev, sealed) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, sealed = excluded.sealed",
        rusqlite::params![rev, sealed],
    )
    .map_err(write_error)?;
    Ok(())
}

/// Applies `change` to the state counts inside the caller's write transaction.
pub(crate) fn update_state(
    conn: &Connection,
    codec: &Codec<'_>,
    change: impl FnOnce(&mut StateRecord) -> Option<()>,
) -> Result<()> {
    let (rev, mut state) = read_state(conn, codec)?;
    change(&mut state).ok_or_else(|| Error::corrupt("the state counts are out of range"))?;
    write_state(conn, codec, rev, state)
}

/// Opens one secret row's record, in its place.
pub(crate) fn open_secret_row(
    codec: &Codec<'_>,
    id: i64,
    rev: i64,
    sealed: &[u8],
) -> Result<SecretRow> {
    let record = codec.open_record(Table::Secrets, id, rev, sealed)?;
    Ok(SecretRow { id, rev, record })
}

/// Every secret sorted by name, each seal and name index checked, counts matched against the
/// state record. Rows are read first, then opened on every core: opening 10,000 small seals is
/// most of the cost of `list`.
pub(crate) fn all_secrets_checked(conn: &Connection, codec: &Codec<'_>) -> Result<Vec<SecretRow>> {
    let (_, state) = read_state(conn, codec)?;
    let raw: Vec<(i64, i64, Vec<u8>, Vec<u8>)> = conn
        .prepare_cached("SELECT id, rev, name_key, sealed FROM secrets")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows: Vec<SecretRow> = raw
        .par_iter()
        .map(|(id, rev, name_key, sealed)| {
            let secret = open_secret_row(codec, *id, *rev, sealed)?;
            if codec.keys.name_index(&secret.record.name).as_slice() != name_key.as_slice() {
                return Err(Error::corrupt(
                    "a secret's name index does not match its name",
                ));
            }
            Ok(secret)
        })
        .collect::<Result<_>>()?;
    rows.sort_unstable_by(|a, b| a.record.name.cmp(&b.record.name));
    if rows
        .windows(2)
        .any(|pair| matches!(pair, [a, b] if a.record.name == b.record.name))
    {
        return Err(Error::corrupt("two secrets carry the same name"));
    }
    let versions: i64 = conn.query_row("SELECT COUNT(*) FROM versions", [], |row| row.get(0))?;
    if rows.len() as u64 != state.secrets || versions as u64 != state.versions {
        return Err(Error::corrupt(
            "rows are missing or were added outside keyward",
        ));
    }
    Ok(rows)
}

/// The error for a name the index does not know: `NotFound`, unless a full check shows the
/// secret is there after all (a damaged index) or anything else is wrong.
pub(crate) fn not_found(conn: &Connection, codec: &Codec<'_>, name: &str) -> Error {
    match all_secrets_checked(conn, codec) {
        Err(e) => e,
        Ok(all) if all.iter().any(|s| s.record.name == name) => {
            Error::corrupt("the name index is out of step with the secrets")
        }
        Ok(_) => Error::NotFound(name.to_owned()),
    }
}
