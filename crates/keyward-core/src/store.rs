//! What a command needs from an unlocked vault, whether it holds the vault itself or asks a
//! running agent for it. The CLI works against this trait and never cares which one it has.

use crate::crypto::keys::Key;
use crate::error::{Error, Result};
use crate::findings::{FindingState, Findings, StoredFinding};
use crate::secret::SecretBytes;
use crate::vault::{
    AuditCheck, AuditEvent, Entry, EntryChanges, NewEntry, Vault, VersionInfo, WatchConfig,
};

/// Values read for a command, and the error that kept the access from the log, if any: a
/// failure to record (a full disk) does not withhold the values, because losing access to your
/// own keys is worse than one missing log line. The caller reports it.
#[derive(Debug)]
pub struct Fetched {
    pub values: Vec<SecretBytes>,
    pub unrecorded: Option<Error>,
}

/// Who reads, for the access log: the keyward command, and what it hands the values to (the
/// program `run` starts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub command: String,
    pub detail: Option<String>,
}

impl Access {
    pub fn new(command: &str) -> Self {
        Access {
            command: command.to_owned(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The event recording this access by the calling process.
    pub fn event(&self, names: &[String]) -> AuditEvent {
        let mut event = AuditEvent::here(&self.command, names.to_vec());
        event.detail = self.detail.clone();
        event
    }
}

impl From<&str> for Access {
    fn from(command: &str) -> Self {
        Access::new(command)
    }
}

pub trait SecretStore {
    /// The current values of `names`, in order, read together, with the access recorded in
    /// the log as made by `command` of the calling process (over the agent's socket, the agent
    /// records the peer's pid and folder itself).
    fn fetch(&mut self, names: &[String], access: &Access) -> Result<Fetched>;
    /// Every value `name` has had, oldest first (`export` with the history), recorded in the
    /// log like [`SecretStore::fetch`].
    fn fetch_history(&mut self, name: &str, access: &Access) -> Result<Fetched>;
    /// Records that `command` handled `names` without reading them through `fetch` (`import`).
    fn record(&mut self, access: &Access, names: &[String]) -> Result<()>;
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
    /// Checks the access log's chain; the error names the first bad record (exit 4).
    fn verify_audit(&mut self) -> Result<AuditCheck>;
    /// Removes access-log records older than `before` (never a younger one); how many.
    fn prune_audit(&mut self, before: crate::time::Stamp) -> Result<u64>;
    /// What the watcher watches.
    fn watch_config(&mut self) -> Result<WatchConfig>;
    fn set_watch_config(&mut self, config: &WatchConfig) -> Result<()>;
    /// The watcher's findings: open ones, or all with `all`.
    fn findings(&mut self, all: bool) -> Result<Vec<StoredFinding>>;
    /// The user's word on a finding: resolved, or ignored with a reason.
    fn set_finding_state(
        &mut self,
        id: i64,
        state: FindingState,
        reason: Option<String>,
    ) -> Result<StoredFinding>;
}

impl SecretStore for Vault {
    fn fetch(&mut self, names: &[String], access: &Access) -> Result<Fetched> {
        let values = self.get_many(names)?;
        let unrecorded = self.record_access(&access.event(names)).err();
        Ok(Fetched { values, unrecorded })
    }

    fn fetch_history(&mut self, name: &str, access: &Access) -> Result<Fetched> {
        let values = self.past_values(name)?;
        let unrecorded = self.record_access(&access.event(&[name.to_owned()])).err();
        Ok(Fetched { values, unrecorded })
    }

    fn record(&mut self, access: &Access, names: &[String]) -> Result<()> {
        self.record_access(&access.event(names))
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

    fn verify_audit(&mut self) -> Result<AuditCheck> {
        Vault::verify_audit(self)
    }

    fn prune_audit(&mut self, before: crate::time::Stamp) -> Result<u64> {
        Vault::prune_audit(self, before)
    }

    fn watch_config(&mut self) -> Result<WatchConfig> {
        Vault::watch_config(self)
    }

    fn set_watch_config(&mut self, config: &WatchConfig) -> Result<()> {
        Vault::set_watch_config(self, config)
    }

    fn findings(&mut self, all: bool) -> Result<Vec<StoredFinding>> {
        Ok(Findings::open(self.findings_store()?)?.list(all))
    }

    fn set_finding_state(
        &mut self,
        id: i64,
        state: FindingState,
        reason: Option<String>,
    ) -> Result<StoredFinding> {
        let mut findings = Findings::open(self.findings_store()?)?;
        let detail = crate::findings::state_change_detail(id, state, reason.as_deref());
        let changed = findings.set_state(id, state, reason)?.finding;
        let secrets = changed.secret.iter().cloned().collect();
        self.record_change("findings", secrets, Some(detail));
        Ok(changed)
    }
}
