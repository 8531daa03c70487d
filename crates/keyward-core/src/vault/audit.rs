//! The access log: who did what to which secrets, when, from where. Names and context only,
//! never a value; each event sealed under the audit subkey and bound to its row, and chained:
//! each record's keyed MAC covers the previous record's MAC, its id and its sealed bytes, and
//! the sealed state record keeps the chain's head and the number of records. So an edited,
//! moved, removed, added or cut-off record is found by `verify_audit`, which names the first.

use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::crypto::keys::{Key, Purpose};
use crate::error::{Error, Result, write_error};
use crate::time::Stamp;

use super::records::{ChainHead, Codec};
use super::{Vault, integrity};

/// One event: the command that acted, the secrets it touched, and the process that asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub time: Stamp,
    /// What happened: an access (`get`, `run`, `env`, `inject`, `import`, `copy`, `scan`,
    /// `watch`), a change (`add`, `rotate`, `rm`, `set`, `passwd`, `project`, `findings`), or the
    /// agent's `unlock` and `lock`.
    pub command: String,
    pub names: Vec<String>,
    /// The working directory of the process that asked.
    pub cwd: String,
    pub pid: u32,
    /// The program a secret was given to (`run`), or what changed (`project add /x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The process an agent acts for: its records name that process, not the agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub pid: u32,
    pub cwd: String,
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
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The event as done by `actor` (the process an agent serves), if given.
    pub fn by(mut self, actor: Option<&Actor>) -> Self {
        if let Some(actor) = actor {
            self.pid = actor.pid;
            self.cwd = actor.cwd.clone();
        }
        self
    }
}

/// What `verify_audit` read of an intact log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheck {
    /// Records read.
    pub records: u64,
    /// Of those, records from before the chain (keyward versions that did not chain them).
    pub unchained: u64,
}

/// The MAC that chains record `id` to the record before it.
fn chain_mac(key: &Key, previous: &[u8; 32], id: i64, sealed: &[u8]) -> [u8; 32] {
    let mut data = Vec::with_capacity(32 + 8 + sealed.len());
    data.extend_from_slice(previous);
    data.extend_from_slice(&id.to_le_bytes());
    data.extend_from_slice(sealed);
    key.mac(&data)
}

fn broken(what: String) -> Error {
    Error::corrupt(format!("the access log is broken: {what}"))
}

impl Vault {
    /// From now on, records name `actor` (the agent sets the process it serves).
    pub fn set_actor(&mut self, actor: Option<Actor>) {
        self.actor = actor;
    }

    /// Records `command` on `names` as done by the current actor (or this process), after the
    /// change was committed. A record that cannot be written (a full disk) is left out: the
    /// change stands, and the chain stays whole without it, as it does for any unrecorded
    /// access (the same trade the access log makes: a missing line over a lost change).
    pub(crate) fn record_change(
        &mut self,
        command: &str,
        names: Vec<String>,
        detail: Option<String>,
    ) {
        let mut event = AuditEvent::here(command, names).by(self.actor.as_ref());
        event.detail = detail;
        let _ = self.record_access(&event);
    }

    /// Appends `event` to the log, chained to the record before it and counted in the sealed
    /// state record, in one transaction.
    pub fn record_access(&mut self, event: &AuditEvent) -> Result<()> {
        let codec = Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let chain_key = self.keys.subkey(Purpose::AuditChain);
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let (max_id, rows): (i64, i64) = tx.query_row(
            "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM audit",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let rows = u64::try_from(rows).map_err(|_| Error::corrupt("a negative row count"))?;
        let (rev, mut state) = integrity::read_state(&tx, &codec)?;
        // Ids never go back, even after every record was pruned.
        let id = max_id
            .max(state.audit_head.map_or(0, |h| h.last))
            .checked_add(1)
            .ok_or_else(|| broken("its record ids ran out".into()))?;
        if state.audit.is_some_and(|counted| counted != rows) {
            return Err(broken(
                "records were removed or added outside keyward".into(),
            ));
        }
        let (first, anchor, previous) = match state.audit_head {
            Some(head) if head.last == id - 1 => (head.first, head.anchor, head.mac),
            Some(head) => {
                return Err(broken(format!(
                    "it should end at record {}, but ends at {}",
                    head.last,
                    id - 1
                )));
            }
            None => (id, [0u8; 32], [0u8; 32]),
        };
        let sealed = codec.seal_audit(id, event)?;
        let mac = chain_mac(chain_key, &previous, id, &sealed);
        tx.execute(
            "INSERT INTO audit (id, sealed, mac) VALUES (?1, ?2, ?3)",
            params![id, sealed, mac.as_slice()],
        )
        .map_err(write_error)?;
        state.audit = Some(rows + 1);
        state.audit_head = Some(ChainHead {
            first,
            last: id,
            mac,
            anchor,
        });
        integrity::write_state(&tx, &codec, rev, state)?;
        tx.commit().map_err(write_error)?;
        Ok(())
    }

    /// The access log, oldest first, checked against the count in the state record.
    pub fn audit_log(&self) -> Result<Vec<AuditEvent>> {
        let codec = self.codec();
        let tx = self.file.conn.unchecked_transaction()?;
        let (_, state) = integrity::read_state(&tx, &codec)?;
        let mut stmt = tx.prepare_cached("SELECT id, sealed FROM audit ORDER BY id")?;
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
            return Err(broken(
                "records were removed or added outside keyward".into(),
            ));
        }
        Ok(events)
    }

    /// Checks the whole chain: every record opens in its place, follows the one before it, and
    /// the last one is the head the state record keeps. The error names the first bad record.
    pub fn verify_audit(&self) -> Result<AuditCheck> {
        let codec = self.codec();
        let chain_key = self.keys.subkey(Purpose::AuditChain);
        // One read transaction: a record another process appends meanwhile is either wholly
        // in what is read (rows and head) or wholly out of it.
        let tx = self.file.conn.unchecked_transaction()?;
        let (_, state) = integrity::read_state(&tx, &codec)?;
        let mut stmt = tx.prepare_cached("SELECT id, sealed, mac FROM audit ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut records = 0u64;
        let mut unchained = 0u64;
        let mut previous: Option<(i64, [u8; 32])> = None;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let sealed: Vec<u8> = row.get(1)?;
            let mac: Option<Vec<u8>> = row.get(2)?;
            records += 1;
            codec
                .open_audit::<AuditEvent>(id, &sealed)
                .map_err(|_| broken(format!("record {id} was changed or moved")))?;
            let Some(head) = state.audit_head.filter(|h| id >= h.first) else {
                if mac.is_some() {
                    return Err(broken(format!("record {id} is out of place")));
                }
                unchained += 1;
                continue;
            };
            let (expected_id, prev_mac) = match previous {
                Some((prev_id, prev_mac)) => (prev_id + 1, prev_mac),
                None => (head.first, head.anchor),
            };
            if id != expected_id {
                return Err(broken(format!(
                    "record {expected_id} is missing (the next one is {id})"
                )));
            }
            let expected = chain_mac(chain_key, &prev_mac, id, &sealed);
            if mac.as_deref() != Some(expected.as_slice()) {
                return Err(broken(format!(
                    "record {id} does not follow record {}",
                    id - 1
                )));
            }
            previous = Some((id, expected));
        }
        match (state.audit_head, previous) {
            (Some(head), Some((last, mac))) if head.last == last && head.mac == mac => {}
            (Some(head), Some((last, _))) => {
                return Err(broken(format!(
                    "records after {last} are missing (it ended at {})",
                    head.last
                )));
            }
            // Every record was pruned.
            (Some(head), None) if head.first > head.last => {}
            (Some(head), None) => {
                return Err(broken(format!(
                    "records {} to {} are missing",
                    head.first, head.last
                )));
            }
            (None, Some(_)) | (None, None) => {}
        }
        if state.audit.is_some_and(|counted| counted != records) {
            return Err(broken(
                "records were removed or added outside keyward".into(),
            ));
        }
        Ok(AuditCheck { records, unchained })
    }

    /// Removes the records older than `before`, oldest first, stopping at the first younger
    /// one: a younger record is never dropped, even with older ones after it. The chain goes
    /// on from the last removed record's MAC, and the pruning is itself recorded. Returns how
    /// many were removed.
    pub fn prune_audit(&mut self, before: Stamp) -> Result<u64> {
        // Records are checked before any is removed: a pruning must not erase tampering.
        self.verify_audit()?;
        let codec = Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let (rev, mut state) = integrity::read_state(&tx, &codec)?;
        let mut last_removed: Option<(i64, Option<Vec<u8>>)> = None;
        let mut removed = 0u64;
        {
            let mut stmt = tx.prepare("SELECT id, sealed, mac FROM audit ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let sealed: Vec<u8> = row.get(1)?;
                let event: AuditEvent = codec
                    .open_audit(id, &sealed)
                    .map_err(|_| broken(format!("record {id} was changed or moved")))?;
                if event.time >= before {
                    break;
                }
                last_removed = Some((id, row.get(2)?));
                removed += 1;
            }
        }
        let Some((last_id, last_mac)) = last_removed else {
            return Ok(0);
        };
        tx.execute("DELETE FROM audit WHERE id <= ?1", params![last_id])
            .map_err(write_error)?;
        state.audit = state.audit.map(|n| n.saturating_sub(removed));
        if let Some(head) = &mut state.audit_head
            && last_id >= head.first
        {
            head.first = last_id.saturating_add(1);
            head.anchor = last_mac
                .as_deref()
                .and_then(|m| m.try_into().ok())
                .ok_or_else(|| broken(format!("record {last_id} is out of place")))?;
        }
        integrity::write_state(&tx, &codec, rev, state)?;
        tx.commit().map_err(write_error)?;
        self.record_change(
            "audit",
            Vec::new(),
            Some(format!(
                "pruned {removed} records older than {}",
                before.date()
            )),
        );
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vault_with_records(dir: &tempfile::TempDir, n: usize) -> Vault {
        let path = dir.path().join("vault.db");
        let pw = SecretBytes::copy_from(b"pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::INSECURE_FAST, true).unwrap();
        for i in 0..n {
            vault
                .record_access(&AuditEvent::here("get", vec![format!("s{i}")]))
                .unwrap();
        }
        vault
    }

    fn verify_message(vault: &Vault) -> String {
        let err = vault.verify_audit().unwrap_err();
        assert_eq!(err.exit_code(), 4, "{err}");
        err.to_string()
    }

    #[test]
    fn normal_use_verifies_clean_and_changes_are_recorded_too() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = vault_with_records(&dir, 3);
        let value = SecretBytes::copy_from(b"value-1234");
        vault.add("a", &value, crate::NewEntry::default()).unwrap();
        vault
            .rotate("a", &SecretBytes::copy_from(b"value-5678"))
            .unwrap();
        vault.remove("a").unwrap();
        let check = vault.verify_audit().unwrap();
        assert_eq!(check.records, 6);
        assert_eq!(check.unchained, 0);
        let commands: Vec<String> = vault
            .audit_log()
            .unwrap()
            .into_iter()
            .map(|e| e.command)
            .collect();
        assert_eq!(commands, ["get", "get", "get", "add", "rotate", "rm"]);
    }

    #[test]
    fn each_kind_of_tampering_names_the_first_bad_record() {
        let cases: &[(&str, &str)] = &[
            ("DELETE FROM audit WHERE id = 3", "record 3 is missing"),
            (
                "DELETE FROM audit WHERE id = 5",
                "records after 4 are missing",
            ),
            (
                "UPDATE audit SET sealed = (SELECT sealed FROM audit WHERE id = 4), \
                 mac = (SELECT mac FROM audit WHERE id = 4) WHERE id = 2",
                "record 2 was changed or moved",
            ),
            (
                "UPDATE audit SET sealed = CAST(substr(sealed, 1, 30) || x'00' || substr(sealed, 32) AS BLOB) WHERE id = 4",
                "record 4 was changed or moved",
            ),
            (
                "UPDATE audit SET mac = zeroblob(32) WHERE id = 2",
                "record 2 does not follow record 1",
            ),
            (
                "UPDATE audit SET mac = NULL WHERE id = 3",
                "record 3 does not follow record 2",
            ),
        ];
        for (sql, expected) in cases {
            let dir = tempfile::tempdir().unwrap();
            let vault = vault_with_records(&dir, 5);
            vault.file.conn.execute_batch(sql).unwrap();
            let message = verify_message(&vault);
            assert!(message.contains(expected), "{sql}: {message}");
        }
    }

    #[test]
    fn pruning_keeps_younger_records_and_the_chain_verifiable() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = vault_with_records(&dir, 0);
        let old = |name: &str, t: i64| AuditEvent {
            time: Stamp::from_unix(t),
            ..AuditEvent::here("get", vec![name.into()])
        };
        for (name, t) in [("a", 100), ("b", 200), ("c", 5_000), ("d", 150)] {
            vault.record_access(&old(name, t)).unwrap();
        }
        // Older than 1,000: a and b; d is older too but comes after the younger c.
        assert_eq!(vault.prune_audit(Stamp::from_unix(1_000)).unwrap(), 2);
        let names: Vec<String> = vault
            .audit_log()
            .unwrap()
            .into_iter()
            .map(|e| e.names.join(","))
            .collect();
        assert_eq!(names, ["c", "d", ""], "the pruning is recorded last");
        assert_eq!(vault.verify_audit().unwrap().records, 3);
        vault.record_access(&old("e", 6_000)).unwrap();
        vault.verify_audit().unwrap();
        // What is left is still guarded.
        vault
            .file
            .conn
            .execute_batch("DELETE FROM audit WHERE id = 4")
            .unwrap();
        assert!(verify_message(&vault).contains("record 4 is missing"));
    }

    #[test]
    fn pruning_everything_leaves_a_chain_that_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = vault_with_records(&dir, 3);
        let far = Stamp::from_unix(Stamp::now().unix() + 3600);
        assert_eq!(vault.prune_audit(far).unwrap(), 3);
        // The prune record itself is younger; prune it too.
        assert_eq!(vault.prune_audit(far).unwrap(), 1);
        vault.verify_audit().unwrap();
        vault
            .record_access(&AuditEvent::here("get", vec!["x".into()]))
            .unwrap();
        let check = vault.verify_audit().unwrap();
        assert_eq!(check.records, 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any mix of records and tampering: verify fails exactly when a record was touched,
        /// and always names a record.
        #[test]
        fn verify_fails_exactly_when_the_log_was_touched(
            records in 1usize..12,
            tamper in proptest::option::of((0usize..4, any::<prop::sample::Index>())),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let vault = vault_with_records(&dir, records);
            match tamper {
                None => {
                    prop_assert_eq!(vault.verify_audit().unwrap().records, records as u64);
                }
                Some((kind, at)) => {
                    let id = at.index(records) as i64 + 1;
                    let sql = match kind {
                        0 => format!("DELETE FROM audit WHERE id = {id}"),
                        1 => format!("UPDATE audit SET mac = randomblob(32) WHERE id = {id}"),
                        2 => format!("UPDATE audit SET sealed = randomblob(length(sealed)) WHERE id = {id}"),
                        _ => format!("UPDATE audit SET id = id + 100 WHERE id = {id}"),
                    };
                    vault.file.conn.execute_batch(&sql).unwrap();
                    let message = verify_message(&vault);
                    prop_assert!(message.contains("record"), "{}", message);
                }
            }
        }
    }
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
