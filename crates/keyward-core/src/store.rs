//! What a command needs from an unlocked vault, whether it holds the vault itself or asks a
//! running agent for it. The CLI works against this trait and never cares which one it has.

use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::vault::{AuditEvent, Entry, EntryChanges, NewEntry, Vault, VersionInfo};

pub trait SecretStore {
    /// The current values of `names`, in order, read together.
    fn resolve(&mut self, names: &[String]) -> Result<Vec<SecretBytes>>;
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

/// Reads `names` for `command` and records the access. A failure to record (a full disk) does
/// not withhold the values: it is handed to `unrecorded` for the caller to report, because
/// losing access to your own keys is worse than one missing log line.
pub fn fetch_recorded(
    store: &mut (impl SecretStore + ?Sized),
    names: &[String],
    command: &str,
    unrecorded: impl FnOnce(Error),
) -> Result<Vec<SecretBytes>> {
    let values = store.resolve(names)?;
    if let Err(err) = store.record_access(&AuditEvent::here(command, names.to_vec())) {
        unrecorded(err);
    }
    Ok(values)
}

impl SecretStore for Vault {
    fn resolve(&mut self, names: &[String]) -> Result<Vec<SecretBytes>> {
        self.get_many(names)
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
