//! The access log: who read which secrets, when, from where. Names and context only, never a
//! value; each event sealed under the audit subkey and bound to its row.

use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, write_error};
use crate::time::Stamp;

use super::{Vault, integrity};

/// One access: the command that asked, the secrets it got, and the process that asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub time: Stamp,
    /// The keyward command: `get`, `run`, `env`, `inject`, `import`, `copy`.
    pub command: String,
    pub names: Vec<String>,
    /// The working directory of the process that asked.
    pub cwd: String,
    pub pid: u32,
}

impl AuditEvent {
    /// An event for the calling process, now.
    pub fn here(command: &str, names: Vec<String>) -> Self {
        AuditEvent {
            time: Stamp::now(),
            command: command.to_owned(),
            names,
            cwd: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            pid: std::process::id(),
        }
    }
}

impl Vault {
    /// Appends `event` to the access log, counting it in the sealed state record.
    pub fn record_access(&mut self, event: &AuditEvent) -> Result<()> {
        let codec = super::records::Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let (id, rows): (i64, i64) = tx.query_row(
            "SELECT COALESCE(MAX(id), 0) + 1, COUNT(*) FROM audit",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let rows = u64::try_from(rows).map_err(|_| Error::corrupt("a negative row count"))?;
        integrity::update_state(&tx, &codec, |state| {
            if state.audit.is_some_and(|counted| counted != rows) {
                return None;
            }
            state.audit = Some(rows.checked_add(1)?);
            Some(())
        })
        .map_err(|_| {
            Error::corrupt("rows of the access log were removed or added outside keyward")
        })?;
        let sealed = codec.seal_audit(id, event)?;
        tx.execute(
            "INSERT INTO audit (id, sealed) VALUES (?1, ?2)",
            params![id, sealed],
        )
        .map_err(write_error)?;
        tx.commit().map_err(write_error)?;
        Ok(())
    }

    /// The access log, oldest first, checked against the count in the state record.
    pub fn audit_log(&self) -> Result<Vec<AuditEvent>> {
        let codec = self.codec();
        let (_, state) = integrity::read_state(&self.file.conn, &codec)?;
        let mut stmt = self
            .file
            .conn
            .prepare_cached("SELECT id, sealed FROM audit ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let sealed: Vec<u8> = row.get(1)?;
            events.push(codec.open_audit(id, &sealed)?);
        }
        if state
            .audit
            .is_some_and(|counted| counted != events.len() as u64)
        {
            return Err(Error::corrupt(
                "rows of the access log were removed or added outside keyward",
            ));
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::secret::SecretBytes;

    #[test]
    fn events_come_back_in_order_and_hold_no_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let pw = SecretBytes::copy_from(b"pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::INSECURE_FAST, true).unwrap();
        let first = AuditEvent::here("run", vec!["a".into(), "b".into()]);
        let second = AuditEvent::here("get", vec!["c".into()]);
        vault.record_access(&first).unwrap();
        vault.record_access(&second).unwrap();
        assert_eq!(vault.audit_log().unwrap(), vec![first, second]);
    }

    #[test]
    fn a_deleted_or_added_row_is_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let pw = SecretBytes::copy_from(b"pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::INSECURE_FAST, true).unwrap();
        for name in ["a", "b", "c"] {
            vault
                .record_access(&AuditEvent::here("get", vec![name.into()]))
                .unwrap();
        }
        vault
            .file
            .conn
            .execute_batch("DELETE FROM audit WHERE id = 3")
            .unwrap();
        assert_eq!(vault.audit_log().unwrap_err().exit_code(), 4);
        let err = vault
            .record_access(&AuditEvent::here("get", vec!["d".into()]))
            .unwrap_err();
        assert_eq!(err.exit_code(), 4, "{err}");
        // Putting a copy of a row back under a new id is caught by the seal's binding.
        vault
            .file
            .conn
            .execute_batch(
                "INSERT INTO audit (id, sealed) SELECT 3, sealed FROM audit WHERE id = 2",
            )
            .unwrap();
        assert_eq!(vault.audit_log().unwrap_err().exit_code(), 4);
    }

    #[test]
    fn a_vault_from_before_the_count_starts_counting_at_its_next_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let pw = SecretBytes::copy_from(b"pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::INSECURE_FAST, true).unwrap();
        vault
            .record_access(&AuditEvent::here("get", vec!["a".into()]))
            .unwrap();
        // Rewrite the state as an older keyward sealed it: no audit count.
        let codec = vault.codec();
        let (rev, mut state) = integrity::read_state(&vault.file.conn, &codec).unwrap();
        state.audit = None;
        integrity::write_state(&vault.file.conn, &codec, rev, state).unwrap();
        assert_eq!(vault.audit_log().unwrap().len(), 1);
        vault
            .record_access(&AuditEvent::here("get", vec!["b".into()]))
            .unwrap();
        vault
            .file
            .conn
            .execute_batch("DELETE FROM audit WHERE id = 1")
            .unwrap();
        assert_eq!(vault.audit_log().unwrap_err().exit_code(), 4);
    }

    #[test]
    fn an_event_moved_to_another_row_fails_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let pw = SecretBytes::copy_from(b"pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::INSECURE_FAST, true).unwrap();
        vault
            .record_access(&AuditEvent::here("get", vec!["a".into()]))
            .unwrap();
        vault
            .record_access(&AuditEvent::here("get", vec!["b".into()]))
            .unwrap();
        vault
            .file
            .conn
            .execute_batch("UPDATE audit SET id = id + 10")
            .unwrap();
        assert_eq!(vault.audit_log().unwrap_err().exit_code(), 4);
    }
}
