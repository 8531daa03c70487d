//! The agent's vault in-process, as a `SecretStore`: the desktop app (or a test) uses it with
//! no socket round trip; accesses are recorded as this process's.

use keyward_core::findings::{FindingState, StoredFinding};
use keyward_core::{AuditEvent, Result, SecretBytes, SecretStore, Vault, WatchConfig};

use crate::events::EntryChange;
use crate::service::Service;

/// The in-process store: the app (or a test) uses the agent's vault without a socket. Accesses
/// are recorded at once, as this process's.
impl SecretStore for &Service {
    fn fetch(
        &mut self,
        names: &[String],
        access: &keyward_core::Access,
    ) -> Result<keyward_core::Fetched> {
        let values = self.with_vault(|v| v.get_many(names))?;
        let unrecorded = self.record_event(access.event(names)).err();
        Ok(keyward_core::Fetched { values, unrecorded })
    }

    fn fetch_history(
        &mut self,
        name: &str,
        access: &keyward_core::Access,
    ) -> Result<keyward_core::Fetched> {
        let values = self.with_vault(|v| v.past_values(name))?;
        let unrecorded = self.record_event(access.event(&[name.to_owned()])).err();
        Ok(keyward_core::Fetched { values, unrecorded })
    }

    fn record(&mut self, access: &keyward_core::Access, names: &[String]) -> Result<()> {
        self.record_event(access.event(names))
    }

    fn fingerprint_key(&mut self) -> Result<keyward_core::Key> {
        self.with_vault(|v| Ok(Vault::fingerprint_key(v)))
    }

    fn entry(&mut self, name: &str) -> Result<keyward_core::Entry> {
        self.with_vault(|v| v.entry(name))
    }

    fn list(&mut self) -> Result<Vec<keyward_core::Entry>> {
        self.with_vault(|v| v.list())
    }

    fn add(
        &mut self,
        name: &str,
        value: &SecretBytes,
        new: keyward_core::NewEntry,
    ) -> Result<keyward_core::Entry> {
        self.change(name, EntryChange::Added, None, |v| v.add(name, value, new))
    }

    fn rotate(&mut self, name: &str, value: &SecretBytes) -> Result<keyward_core::Entry> {
        self.change(name, EntryChange::Rotated, None, |v| v.rotate(name, value))
    }

    fn history(&mut self, name: &str) -> Result<Vec<keyward_core::VersionInfo>> {
        self.with_vault(|v| v.history(name))
    }

    fn update(
        &mut self,
        name: &str,
        changes: keyward_core::EntryChanges,
    ) -> Result<keyward_core::Entry> {
        self.change(name, EntryChange::Updated, None, |v| {
            v.update(name, changes)
        })
    }

    fn remove(&mut self, name: &str) -> Result<()> {
        self.change(name, EntryChange::Removed, None, |v| v.remove(name))
    }

    fn audit_log(&mut self) -> Result<Vec<AuditEvent>> {
        self.with_vault(|v| v.audit_log())
    }

    fn verify_audit(&mut self) -> Result<keyward_core::AuditCheck> {
        self.with_vault(|v| v.verify_audit())
    }

    fn prune_audit(&mut self, before: keyward_core::time::Stamp) -> Result<u64> {
        self.with_vault(|v| v.prune_audit(before))
    }

    fn watch_config(&mut self) -> Result<WatchConfig> {
        Service::watch_config(self)
    }

    fn set_watch_config(&mut self, config: &WatchConfig) -> Result<()> {
        Service::set_watch_config(self, config, None)
    }

    fn findings(&mut self, all: bool) -> Result<Vec<StoredFinding>> {
        Service::findings(self, all)
    }

    fn set_finding_state(
        &mut self,
        id: i64,
        state: FindingState,
        reason: Option<String>,
    ) -> Result<StoredFinding> {
        Service::set_finding_state(self, id, state, reason, None)
    }
}
