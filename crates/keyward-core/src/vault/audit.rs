//! The access log: who read which secrets, when, from where. Names and context only, never a
//! value; each event sealed under the audit subkey and bound to its row.

use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::error::{Result, write_error};
use crate::time::Stamp;

use super::Vault;

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
    /// Appends `event` to the access log.
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
        let id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM audit", [], |r| {
            r.get(0)
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

    /// The access log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEvent>> {
        let codec = self.codec();
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
