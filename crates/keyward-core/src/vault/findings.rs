//! The findings table: each of the watcher's findings sealed under the findings subkey and bound
//! to its row and revision. A `FindingsStore` has its own connection and holds only that
//! subkey, so the agent keeps recording findings after it locks and drops every other key.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior, params};

use crate::crypto::aead::{self, Column, Place, Table};
use crate::crypto::keys::{Key, Purpose};
use crate::error::{Error, Result, write_error};
use crate::findings::StoredFinding;

use super::Vault;
use super::header::FORMAT;

pub struct FindingsStore {
    conn: Connection,
    key: Key,
    vault_id: [u8; 16],
}

impl std::fmt::Debug for FindingsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FindingsStore([REDACTED])")
    }
}

impl Vault {
    /// A store of findings on a connection of its own, holding only the findings subkey.
    pub fn findings_store(&self) -> Result<FindingsStore> {
        FindingsStore::open(
            self.path(),
            self.keys.subkey(Purpose::Findings).clone(),
            self.file.header.vault_id,
        )
    }
}

impl FindingsStore {
    fn open(path: &Path, key: Key, vault_id: [u8; 16]) -> Result<FindingsStore> {
        let (conn, _) = super::schema::open(path)?;
        Ok(FindingsStore {
            conn,
            key,
            vault_id,
        })
    }

    /// Every finding, oldest first.
    pub fn load(&self) -> Result<Vec<StoredFinding>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, rev, sealed FROM findings ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let (id, rev, sealed): (i64, i64, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let plain = aead::open(&self.key, &place(&self.vault_id, id, rev)?, &sealed)?;
            let mut finding: StoredFinding = serde_json::from_slice(plain.expose())
                .map_err(|_| Error::corrupt("a sealed finding does not parse"))?;
            finding.id = id;
            finding.rev = rev;
            out.push(finding);
        }
        Ok(out)
    }

    /// Writes `findings` in one transaction: a finding with id 0 is inserted and gets its id,
    /// the others are rewritten at their next revision.
    pub fn save(&mut self, findings: &mut [&mut StoredFinding]) -> Result<()> {
        if findings.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        for finding in findings.iter_mut() {
            if finding.id == 0 {
                finding.id =
                    tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM findings", [], |r| {
                        r.get(0)
                    })?;
                finding.rev = 0;
            }
            let rev = finding
                .rev
                .checked_add(1)
                .ok_or_else(|| Error::corrupt("a finding's revision overflowed"))?;
            let json = serde_json::to_vec(&**finding)
                .map_err(|e| Error::Invalid(format!("could not encode a finding: {e}")))?;
            let sealed = aead::seal(&self.key, &place(&self.vault_id, finding.id, rev)?, &json)?;
            tx.execute(
                "INSERT INTO findings (id, rev, sealed) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, sealed = excluded.sealed",
                params![finding.id, rev, sealed],
            )
            .map_err(write_error)?;
            finding.rev = rev;
        }
        tx.commit().map_err(write_error)?;
        Ok(())
    }
}

/// Where a finding's seal belongs: its row and revision.
fn place(vault_id: &[u8; 16], id: i64, rev: i64) -> Result<Place> {
    Ok(Place {
        format: FORMAT,
        vault_id: *vault_id,
        table: Table::Findings,
        column: Column::Record,
        row_id: id,
        row_version: u64::try_from(rev)
            .map_err(|_| Error::corrupt("a finding has a negative revision"))?,
    })
}
