//! What a command needs from an unlocked vault, whether it holds the vault itself or asks a
//! running agent for it. The CLI works against this trait and never cares which one it has.

use crate::crypto::keys::Key;
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::vault::{AuditEvent, Entry, EntryChanges, NewEntry, Vault, VersionInfo};

/// Values read for a command, and the error that kept the access from the log, if any: a
/// failure to record (a full disk) does not withhold the values, because losing access to your
/// own keys is worse than one missing log line. The caller reports it.
#[derive(Debug)]
pub struct Fetched {
    pub values: Vec<SecretBytes>,
    pub unrecorded: Option<Error>,
}

pub trait SecretStore {
    /// The current values of `names`, in order, read together, with the access recorded in
    /// the log as made by `command` of the calling process (over the agent's socket, the agent
    /// records the peer's pid and folder itself).
    fn fetch(&mut self, names: &[String], command: &str) -> Result<Fetched>;
    /// Records that `command` handled `names` without reading them through `fetch` (`import`).
    fn record(&mut self, command: &str, names: &[String]) -> Result<()>;
    /// The key of leak fingerprints, derived from the vault key: the scanner's matcher and
    /// finding ids are keyed by it, so they mean nothing without the vault.
    fn fingerprint_key(&mut self) -> Result<Key>;
    fn entry(&mut self, name: &str) -> Result<Entry>;
    fn list(&mut self) -> Result<Vec<Entry>>;
    fn add(&mut self, name: &str, value: &SecretBytes, new: NewEntry) -> Result<Entry>;
    fn rotate(&mut self, name: &str, value: &SecretBytes) -> Result<Entry>;
    fn history(&mut self, name: &str) -> Result<Vec<VersionInfo>>;
    fn update(&mut self, name: &str, changes: EntryChanges) -> Result<Entry>;
    fn remove(&mut self, name: &str) -> Result<()>;
    fn audit_log(&mut self) -> Result<Vec<AuditEvent>>;
}

impl SecretStore for Vault {
    fn fetch(&mut self, names: &[String], command: &str) -> Result<Fetched> {
        let values = self.get_many(names)?;
        let unrecorded = self
            .record_access(&AuditEvent::here(command, names.to_vec()))
            .err();
        Ok(Fetched { values, unrecorded })
    }

    fn record(&mut self, command: &str, names: &[String]) -> Result<()> {
        self.record_access(&AuditEvent::here(command, names.to_vec()))
    }

    fn fingerprint_key(&mut self) -> Result<Key> {
        Ok(Vault::fingerprint_key(self))
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

    fn audit_log(&mut self) -> Result<Vec<AuditEvent>> {
        Vault::audit_log(self)
    }
}
