//! What a command needs from an unlocked vault, whether it holds the vault itself or asks a
//! running agent for it. The CLI works against this trait and never cares which one it has.

use crate::error::Result;
use crate::secret::SecretBytes;
use crate::vault::{AuditEvent, Entry, EntryChanges, NewEntry, Vault, VersionInfo};

pub trait SecretStore {
    /// The current values of `names`, in order; records `event` in the access log when given.
    fn resolve(&mut self, names: &[String], event: Option<&AuditEvent>)
    -> Result<Vec<SecretBytes>>;
    fn entry(&mut self, name: &str) -> Result<Entry>;
    fn list(&mut self) -> Result<Vec<Entry>>;
    fn add(&mut self, name: &str, value: &SecretBytes, new: NewEntry) -> Result<Entry>;
    fn rotate(&mut self, name: &str, value: &SecretBytes) -> Result<Entry>;
    fn history(&mut self, name: &str) -> Result<Vec<VersionInfo>>;
    fn update(&mut self, name: &str, changes: EntryChanges) -> Result<Entry>;
    fn remove(&mut self, name: &str) -> Result<()>;
    fn record_access(&mut self, event: &AuditEvent) -> Result<()>;
    fn audit_log(&mut self) -> Result<Vec<AuditEvent>>;
}

impl SecretStore for Vault {
    fn resolve(
        &mut self,
        names: &[String],
        event: Option<&AuditEvent>,
    ) -> Result<Vec<SecretBytes>> {
        let values = self.get_many(names)?;
        if let Some(event) = event {
            Vault::record_access(self, event)?;
        }
        Ok(values)
    }

    fn entry(&mut self, name: &str) -> Result<Entry> {
        Vault::entry(self, name)
    }

    fn list(&mut self) -> Result<Vec<Entry>> {
        Vault::list(self)
    }

    fn add(&mut self, name: &str, value: &SecretBytes, new: NewEntry) -> Result<Entry> {
        Vault::add(self, name, value, new)
    }

    fn rotate(&mut self, name: &str, value: &SecretBytes) -> Result<Entry> {
        Vault::rotate(self, name, value)
    }

    fn history(&mut self, name: &str) -> Result<Vec<VersionInfo>> {
        Vault::history(self, name)
    }

    fn update(&mut self, name: &str, changes: EntryChanges) -> Result<Entry> {
        Vault::update(self, name, changes)
    }

    fn remove(&mut self, name: &str) -> Result<()> {
        Vault::remove(self, name)
    }

    fn record_access(&mut self, event: &AuditEvent) -> Result<()> {
        Vault::record_access(self, event)
    }

    fn audit_log(&mut self) -> Result<Vec<AuditEvent>> {
        Vault::audit_log(self)
    }
}
