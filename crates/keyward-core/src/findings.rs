//! The watcher's findings over time: each scan result is reconciled with what is stored, so a
//! finding is reported once when it appears, again only when it changes (its severity rises
//! after `git add`), and resolved when the file no longer holds it. Findings are keyed by their
//! fingerprint (the secret or rule, the file and the matched bytes), so the same leak moved to
//! another line stays one finding.

use std::collections::{BTreeMap, HashMap, HashSet};

use keyward_scan::finding::Confidence;
use keyward_scan::{Finding, Kind, Severity};
use serde::{Deserialize, Serialize};

use crate::crypto::keys::Key;
use crate::error::{Error, Result};
use crate::time::Stamp;
use crate::vault::FindingsStore;

/// What the access log says of the user's word on a finding.
pub fn state_change_detail(id: i64, state: FindingState, reason: Option<&str>) -> String {
    match (state, reason) {
        (FindingState::Ignored, Some(reason)) => format!("ignored finding {id}: {reason}"),
        (FindingState::Ignored, None) => format!("ignored finding {id}"),
        (FindingState::Resolved, _) => format!("resolved finding {id}"),
        (FindingState::Open, _) => format!("reopened finding {id}"),
    }
}

/// The key of finding ids (their `fingerprint`), derived from the vault's fingerprint subkey:
/// the same leak has the same id in every scan and watch of one vault, and the id means nothing
/// without the vault.
pub fn finding_ids_key(fingerprints: &Key) -> [u8; 32] {
    fingerprints.mac(b"keyward v1 finding ids")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingState {
    /// The file holds it now.
    Open,
    /// The file no longer holds it, or the user said it is dealt with.
    Resolved,
    /// The user looked at it and chose to leave it (with a reason).
    Ignored,
}

/// One finding as stored: what the scanner reported, and its history. No field holds a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub id: i64,
    #[serde(skip)]
    pub rev: i64,
    pub state: FindingState,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub rule: String,
    pub description: String,
    pub encoding: String,
    pub severity: Severity,
    /// Findings stored before confidence existed came from formats and stored values: `high`.
    #[serde(default = "high")]
    pub confidence: Confidence,
    pub redacted: String,
    pub fingerprint: String,
    /// Why the user ignored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub first_seen: Stamp,
    pub last_seen: Stamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Stamp>,
}

fn high() -> Confidence {
    Confidence::High
}

impl StoredFinding {
    fn new(found: &Finding, now: Stamp) -> Self {
        StoredFinding {
            id: 0,
            rev: 0,
            state: FindingState::Open,
            path: found.path.clone(),
            line: found.line,
            column: found.column,
            kind: found.kind,
            secret: found.secret.clone(),
            rule: found.rule.clone(),
            description: found.description.clone(),
            encoding: found.encoding.clone(),
            severity: found.severity,
            confidence: found.confidence,
            redacted: found.redacted.clone(),
            fingerprint: found.fingerprint.clone(),
            reason: None,
            first_seen: now,
            last_seen: now,
            resolved: None,
        }
    }

    fn is_under(&self, path: &str) -> bool {
        self.path == path
            || self
                .path
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// What happened to a finding, for the agent's event stream and notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingChange {
    /// Seen for the first time, or seen again after it was resolved.
    New,
    /// Still there, more exposed (or less) than before.
    Changed,
    /// Gone from its file, or resolved by the user.
    Resolved,
    /// Ignored by the user.
    Ignored,
}

/// A state change of one finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEvent {
    pub change: FindingChange,
    pub finding: StoredFinding,
}

/// Every finding, in memory and in the vault's findings table.
#[derive(Debug)]
pub struct Findings {
    store: FindingsStore,
    all: Vec<StoredFinding>,
}

impl Findings {
    pub fn open(store: FindingsStore) -> Result<Findings> {
        let all = store.load()?;
        Ok(Findings { store, all })
    }

    /// Open findings, or every finding with `all`, oldest first.
    pub fn list(&self, all: bool) -> Vec<StoredFinding> {
        self.all
            .iter()
            .filter(|f| all || f.state == FindingState::Open)
            .cloned()
            .collect()
    }

    /// The secrets an open finding shows leaked: name, when first seen and where.
    pub fn exposed(&self) -> BTreeMap<String, (Stamp, String)> {
        let mut out: BTreeMap<String, (Stamp, String)> = BTreeMap::new();
        for f in &self.all {
            if let (FindingState::Open, Some(name)) = (f.state, &f.secret) {
                let entry = out
                    .entry(name.clone())
                    .or_insert((f.first_seen, f.path.clone()));
                if f.first_seen < entry.0 {
                    *entry = (f.first_seen, f.path.clone());
                }
            }
        }
        out
    }

    /// `path` was scanned and holds exactly `found`.
    pub fn file_scanned(&mut self, path: &str, found: &[Finding]) -> Result<Vec<FindingEvent>> {
        self.reconcile(found, |f| f.path == path)
    }

    /// `path` (a file or a folder) is gone: whatever it held is resolved.
    pub fn gone(&mut self, path: &str) -> Result<Vec<FindingEvent>> {
        self.reconcile(&[], |f| f.is_under(path))
    }

    /// Everything `in_scope` admits was scanned and holds exactly `found`.
    pub fn tree_scanned(
        &mut self,
        in_scope: impl Fn(&str) -> bool,
        found: &[Finding],
    ) -> Result<Vec<FindingEvent>> {
        self.reconcile(found, |f| in_scope(&f.path))
    }

    /// Reads the findings again from the vault, after a save failed half-way.
    pub fn reload(&mut self) -> Result<()> {
        self.all = self.store.load()?;
        Ok(())
    }

    /// New severities for some paths (git's index changed).
    pub fn severities(&mut self, by_path: &HashMap<String, Severity>) -> Result<Vec<FindingEvent>> {
        let now = Stamp::now();
        let mut changed = Vec::new();
        for f in &mut self.all {
            if f.state == FindingState::Open
                && f.severity != Severity::Low
                && let Some(&severity) = by_path.get(&f.path)
                && severity != f.severity
            {
                f.severity = severity;
                f.last_seen = now;
                changed.push(f.id);
            }
        }
        self.persist(&changed, FindingChange::Changed)
    }

    /// The user's word on finding `id`: resolved, or ignored with a reason.
    pub fn set_state(
        &mut self,
        id: i64,
        state: FindingState,
        reason: Option<String>,
    ) -> Result<FindingEvent> {
        let finding = self.all.iter_mut().find(|f| f.id == id).ok_or_else(|| {
            Error::Invalid(format!(
                "no finding with id {id}; see `keyward findings --all`"
            ))
        })?;
        finding.state = state;
        finding.reason = reason;
        finding.resolved = (state == FindingState::Resolved).then(Stamp::now);
        let change = match state {
            FindingState::Open => FindingChange::New,
            FindingState::Resolved => FindingChange::Resolved,
            FindingState::Ignored => FindingChange::Ignored,
        };
        let mut events = self.persist(&[id], change)?;
        events
            .pop()
            .ok_or_else(|| Error::Invalid(format!("no finding with id {id}")))
    }

    /// Matches `found` against the stored findings in `scope`: new ones are added, open ones
    /// that moved or changed severity are updated, open ones not found again are resolved.
    fn reconcile(
        &mut self,
        found: &[Finding],
        scope: impl Fn(&StoredFinding) -> bool,
    ) -> Result<Vec<FindingEvent>> {
        let now = Stamp::now();
        let mut seen = HashSet::new();
        let mut new_ids = Vec::new();
        let mut changed = Vec::new();
        let mut quiet = Vec::new();
        let mut reopened = Vec::new();
        let mut added: Vec<StoredFinding> = Vec::new();
        for f in found {
            if !seen.insert(f.fingerprint.as_str()) {
                continue;
            }
            match self.all.iter_mut().find(|s| s.fingerprint == f.fingerprint) {
                None => added.push(StoredFinding::new(f, now)),
                Some(stored) => {
                    let moved = stored.line != f.line || stored.column != f.column;
                    let more_exposed = stored.severity != f.severity;
                    stored.line = f.line;
                    stored.column = f.column;
                    stored.severity = f.severity;
                    match stored.state {
                        FindingState::Resolved => {
                            stored.state = FindingState::Open;
                            stored.resolved = None;
                            stored.last_seen = now;
                            reopened.push(stored.id);
                        }
                        FindingState::Open if more_exposed => {
                            stored.last_seen = now;
                            changed.push(stored.id);
                        }
                        // An ignored finding follows its leak silently.
                        FindingState::Open | FindingState::Ignored if moved => {
                            stored.last_seen = now;
                            quiet.push(stored.id);
                        }
                        FindingState::Open | FindingState::Ignored => {}
                    }
                }
            }
        }
        let mut resolved = Vec::new();
        for stored in &mut self.all {
            if stored.state == FindingState::Open
                && scope(stored)
                && !seen.contains(stored.fingerprint.as_str())
            {
                stored.state = FindingState::Resolved;
                stored.resolved = Some(now);
                resolved.push(stored.id);
            }
        }
        if !added.is_empty() {
            let mut refs: Vec<&mut StoredFinding> = added.iter_mut().collect();
            self.store.save(&mut refs)?;
            new_ids.extend(added.iter().map(|f| f.id));
            self.all.extend(added);
        }
        // Moves without a change worth telling are saved, not announced.
        self.persist(&quiet, FindingChange::Changed)?;
        let mut events = Vec::new();
        events.extend(self.events_for(&new_ids, FindingChange::New));
        events.extend(self.persist(&reopened, FindingChange::New)?);
        events.extend(self.persist(&changed, FindingChange::Changed)?);
        events.extend(self.persist(&resolved, FindingChange::Resolved)?);
        Ok(events)
    }

    /// Saves the findings `ids` and returns an event of `change` for each.
    fn persist(&mut self, ids: &[i64], change: FindingChange) -> Result<Vec<FindingEvent>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut refs: Vec<&mut StoredFinding> = self
            .all
            .iter_mut()
            .filter(|f| ids.contains(&f.id))
            .collect();
        self.store.save(&mut refs)?;
        Ok(self.events_for(ids, change))
    }

    fn events_for(&self, ids: &[i64], change: FindingChange) -> Vec<FindingEvent> {
        self.all
            .iter()
            .filter(|f| ids.contains(&f.id))
            .map(|f| FindingEvent {
                change,
                finding: f.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::secret::SecretBytes;
    use crate::vault::Vault;

    fn finding(path: &str, line: usize, fingerprint: &str, severity: Severity) -> Finding {
        Finding {
            path: path.into(),
            line,
            column: 1,
            kind: Kind::Vault,
            secret: Some("stripe".into()),
            rule: "vault".into(),
            description: "stored secret".into(),
            encoding: "plain".into(),
            severity,
            confidence: Confidence::High,
            verified: None,
            redacted: "sk_…9Q".into(),
            fingerprint: fingerprint.into(),
            baseline_key: String::new(),
            identifier: false,
        }
    }

    fn changes(events: &[FindingEvent]) -> Vec<(FindingChange, String)> {
        events
            .iter()
            .map(|e| (e.change, e.finding.fingerprint.clone()))
            .collect()
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        vault: Vault,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(
            &dir.path().join("vault.db"),
            &SecretBytes::copy_from(b"pw"),
            KdfParams::INSECURE_FAST,
            true,
        )
        .unwrap();
        Fixture { _dir: dir, vault }
    }

    #[test]
    fn a_leak_is_new_once_changed_when_more_exposed_and_resolved_when_fixed() {
        let fx = fixture();
        let mut findings = Findings::open(fx.vault.findings_store().unwrap()).unwrap();
        let f = finding("/p/.env", 3, "aa", Severity::High);
        let events = findings
            .file_scanned("/p/.env", std::slice::from_ref(&f))
            .unwrap();
        assert_eq!(changes(&events), vec![(FindingChange::New, "aa".into())]);
        // The same again, and again on another line: nothing to tell.
        assert!(
            findings
                .file_scanned("/p/.env", std::slice::from_ref(&f))
                .unwrap()
                .is_empty()
        );
        let moved = finding("/p/.env", 9, "aa", Severity::High);
        assert!(
            findings
                .file_scanned("/p/.env", &[moved])
                .unwrap()
                .is_empty()
        );
        assert_eq!(findings.list(false)[0].line, 9);
        // git add: more exposed.
        let by_path = HashMap::from([("/p/.env".to_owned(), Severity::Critical)]);
        let events = findings.severities(&by_path).unwrap();
        assert_eq!(
            changes(&events),
            vec![(FindingChange::Changed, "aa".into())]
        );
        assert_eq!(events[0].finding.severity, Severity::Critical);
        // The file no longer holds it.
        let events = findings.file_scanned("/p/.env", &[]).unwrap();
        assert_eq!(
            changes(&events),
            vec![(FindingChange::Resolved, "aa".into())]
        );
        assert!(findings.list(false).is_empty());
        assert_eq!(findings.list(true).len(), 1);
        // It comes back: reported again, under the same id.
        let events = findings.file_scanned("/p/.env", &[f]).unwrap();
        assert_eq!(changes(&events), vec![(FindingChange::New, "aa".into())]);
        assert_eq!(findings.list(true).len(), 1);
    }

    #[test]
    fn findings_survive_reopening_and_a_gone_folder_resolves_what_it_held() {
        let fx = fixture();
        let mut findings = Findings::open(fx.vault.findings_store().unwrap()).unwrap();
        findings
            .tree_scanned(
                |p| p.starts_with("/p/"),
                &[
                    finding("/p/a/x.py", 1, "x", Severity::Medium),
                    finding("/p/ab.py", 1, "y", Severity::Medium),
                    finding("/p/a/x.py", 7, "x", Severity::Medium),
                ],
            )
            .unwrap();
        assert_eq!(findings.list(false).len(), 2, "one finding per fingerprint");
        let events = findings.gone("/p/a").unwrap();
        assert_eq!(
            changes(&events),
            vec![(FindingChange::Resolved, "x".into())]
        );
        drop(findings);
        let reopened = Findings::open(fx.vault.findings_store().unwrap()).unwrap();
        let open: Vec<String> = reopened.list(false).into_iter().map(|f| f.path).collect();
        assert_eq!(open, vec!["/p/ab.py".to_owned()]);
        assert!(reopened.exposed().contains_key("stripe"));
    }

    #[test]
    fn an_ignored_finding_stays_ignored_and_a_resolved_one_can_be_reopened_by_the_scan() {
        let fx = fixture();
        let mut findings = Findings::open(fx.vault.findings_store().unwrap()).unwrap();
        let f = finding("/p/k.txt", 1, "k", Severity::High);
        findings
            .file_scanned("/p/k.txt", std::slice::from_ref(&f))
            .unwrap();
        let id = findings.list(false)[0].id;
        let event = findings
            .set_state(id, FindingState::Ignored, Some("a test key".into()))
            .unwrap();
        assert_eq!(event.change, FindingChange::Ignored);
        assert!(findings.file_scanned("/p/k.txt", &[f]).unwrap().is_empty());
        assert_eq!(findings.list(true)[0].state, FindingState::Ignored);
        assert_eq!(findings.list(true)[0].reason.as_deref(), Some("a test key"));
        assert!(
            findings
                .set_state(999, FindingState::Resolved, None)
                .is_err()
        );
    }

    #[test]
    fn a_finding_moved_to_another_row_fails_to_open() {
        let fx = fixture();
        let mut findings = Findings::open(fx.vault.findings_store().unwrap()).unwrap();
        findings
            .file_scanned("/p/a", &[finding("/p/a", 1, "a", Severity::High)])
            .unwrap();
        findings
            .file_scanned("/p/b", &[finding("/p/b", 1, "b", Severity::High)])
            .unwrap();
        let conn = rusqlite::Connection::open(fx.vault.path()).unwrap();
        conn.execute_batch("UPDATE findings SET id = id + 10")
            .unwrap();
        let err = Findings::open(fx.vault.findings_store().unwrap()).unwrap_err();
        assert_eq!(err.exit_code(), 4);
    }
}
