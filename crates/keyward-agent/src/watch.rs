//! The agent's watcher: started at the first unlock (the projects to watch are sealed in the
//! vault), kept running after the agent locks with a matcher of keyed fingerprints and the
//! findings subkey only. Each scan result is reconciled with the stored findings; each change
//! goes to subscribers as an event and, when new or more exposed, to the desktop.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use keyward_core::findings::{FindingEvent, Findings, StoredFinding, finding_ids_key};
use keyward_core::time::Stamp;
use keyward_core::{Entry, Result, SecretBytes, Vault, WatchConfig};
use keyward_scan::KnownValues;
use keyward_scan::walk::WalkOptions;
use keyward_watch::{
    Engine, Root, WatchCounts, WatchEvent, WatchOptions, Watcher, editor_backup_roots,
    history_roots,
};
use serde::{Deserialize, Serialize};

use crate::events::{AgentEvent, EventBus};
use crate::notify::{Note, Notifier, Reminders};

/// What `keyward status` tells of the watcher.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchStatus {
    /// Folders watched, projects and history and backup folders together.
    pub roots: usize,
    pub inotify_watches: usize,
    pub polled_folders: usize,
    pub open_findings: usize,
}

pub(crate) struct WatchState {
    engine: Arc<Engine>,
    watcher: Watcher,
    findings: Arc<Mutex<Findings>>,
    config: WatchConfig,
    /// A keyed digest of the names and values the matcher was built from: a rescan is needed
    /// only when it changes.
    digest: [u8; 32],
    roots: usize,
    entries: Vec<Entry>,
    reminders: Reminders,
}

impl std::fmt::Debug for WatchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchState")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

/// What the vault gives the watcher, read in one go while unlocked.
pub(crate) struct VaultView {
    known: KnownValues,
    ids_key: [u8; 32],
    digest: [u8; 32],
    config: WatchConfig,
    /// The secrets' metadata (never values), for reminders while locked.
    entries: Vec<Entry>,
}

impl VaultView {
    /// Reads every value once to build the matcher; the values are dropped (wiped) here.
    pub fn read(vault: &mut Vault) -> Result<VaultView> {
        let entries = vault.list()?;
        let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
        let values: Vec<SecretBytes> = vault.get_many(&names)?;
        let key = vault.fingerprint_key();
        let pairs: Vec<(String, &[u8])> = names
            .iter()
            .cloned()
            .zip(values.iter().map(SecretBytes::expose))
            .collect();
        // Sized once: a buffer that grew would leave copies of the values in freed memory.
        let size = pairs.iter().map(|(n, v)| 16 + n.len() + v.len()).sum();
        let mut digest_input = zeroize::Zeroizing::new(Vec::with_capacity(size));
        for (name, value) in &pairs {
            for part in [name.as_bytes(), value] {
                digest_input.extend_from_slice(&(part.len() as u64).to_le_bytes());
                digest_input.extend_from_slice(part);
            }
        }
        let (known, _too_short) = KnownValues::build(*key.expose(), &pairs);
        Ok(VaultView {
            known,
            ids_key: finding_ids_key(&key),
            digest: key.mac(&digest_input),
            config: vault.watch_config()?,
            entries,
        })
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The roots `config` asks for.
pub(crate) fn roots(config: &WatchConfig) -> Vec<Root> {
    let mut roots: Vec<Root> = config.projects.iter().map(Root::tree).collect();
    if let Some(home) = home_dir() {
        if config.history {
            roots.extend(history_roots(&home));
        }
        if config.editor_backups {
            roots.extend(editor_backup_roots(&home));
        }
    }
    roots
}

impl WatchState {
    /// Starts watching with what the vault gave.
    pub fn start(
        view: VaultView,
        findings: Findings,
        options: &WatchOptions,
        events: &Arc<EventBus>,
        notify: bool,
    ) -> Result<WatchState> {
        let engine =
            Arc::new(Engine::new(WalkOptions::default(), view.ids_key).map_err(scan_error)?);
        engine.set_known(Some(view.known), view.ids_key);
        let findings = Arc::new(Mutex::new(findings));
        let roots = roots(&view.config);
        let sink = Sink {
            findings: Arc::clone(&findings),
            events: Arc::clone(events),
            notifier: Notifier::start(Arc::clone(events), notify),
        };
        let count = roots.len();
        let watcher = Watcher::start(
            roots,
            Arc::clone(&engine),
            options.clone(),
            Box::new(move |event| sink.handle(event)),
        )
        .map_err(scan_error)?;
        Ok(WatchState {
            engine,
            watcher,
            findings,
            config: view.config,
            digest: view.digest,
            roots: count,
            entries: view.entries,
            reminders: Reminders::default(),
        })
    }

    /// Takes a fresh view of the vault: a new matcher (and a whole rescan) when the secrets
    /// changed, new roots when the settings did.
    pub fn refresh(&mut self, view: VaultView) {
        self.entries = view.entries;
        if view.config != self.config {
            let roots = roots(&view.config);
            self.roots = roots.len();
            self.watcher.set_roots(roots);
            self.config = view.config;
        }
        if view.digest != self.digest {
            self.digest = view.digest;
            self.engine.set_known(Some(view.known), view.ids_key);
            self.watcher.rescan();
        }
    }

    /// What became due since the last reminder (at most once a day per secret and reason).
    pub fn remind(&mut self, now: Stamp) -> Option<Note> {
        let open = self.findings().list(false);
        let due = keyward_core::rotation::due(&self.entries, &open, now);
        self.reminders.plan(&due, now)
    }

    pub fn config(&self) -> &WatchConfig {
        &self.config
    }

    pub fn findings(&self) -> MutexGuard<'_, Findings> {
        lock(&self.findings)
    }

    pub fn status(&self) -> WatchStatus {
        let WatchCounts { inotify, polled } = self.watcher.counts();
        WatchStatus {
            roots: self.roots,
            inotify_watches: inotify,
            polled_folders: polled,
            open_findings: self.findings().list(false).len(),
        }
    }
}

fn lock(findings: &Mutex<Findings>) -> MutexGuard<'_, Findings> {
    findings
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn scan_error(err: keyward_scan::Error) -> keyward_core::Error {
    keyward_core::Error::Invalid(err.to_string())
}

/// Turns the watcher's reports into stored findings, events and notifications.
struct Sink {
    findings: Arc<Mutex<Findings>>,
    events: Arc<EventBus>,
    notifier: Option<Notifier>,
}

impl Sink {
    fn handle(&self, event: WatchEvent) {
        // git runs before the findings are locked: a request for them never waits on git.
        let severities = match &event {
            WatchEvent::GitIndexChanged { repo } => {
                let paths = open_paths_under(&lock(&self.findings).list(false), repo);
                Some(keyward_scan::git::severities(&paths))
            }
            _ => None,
        };
        let changes = {
            let mut findings = lock(&self.findings);
            let changes = match event {
                WatchEvent::TreeScanned {
                    roots,
                    findings: found,
                    files,
                    folders,
                    elapsed,
                } => {
                    tracing::info!(
                        "scanned {files} files in {folders} folders in {} ms",
                        elapsed.as_millis()
                    );
                    findings.tree_scanned(|p| roots.iter().any(|r| r.admits(Path::new(p))), &found)
                }
                WatchEvent::FileScanned {
                    path,
                    findings: found,
                } => findings.file_scanned(&path, &found),
                WatchEvent::Gone { path } => findings.gone(&path),
                WatchEvent::GitIndexChanged { .. } => {
                    findings.severities(&severities.unwrap_or_default())
                }
                WatchEvent::Degraded { message } => {
                    tracing::warn!("{message}");
                    self.events.publish(&AgentEvent::WatchDegraded { message });
                    Ok(Vec::new())
                }
            };
            if changes.is_err() {
                // A save failed half-way: what is in memory follows the vault again.
                if let Err(err) = findings.reload() {
                    tracing::warn!("could not read the findings again: {err}");
                }
            }
            changes
        };
        match changes {
            Ok(changes) => self.tell(&changes),
            Err(err) => tracing::warn!("could not record findings: {err}"),
        }
    }

    fn tell(&self, changes: &[FindingEvent]) {
        for change in changes {
            if let Some(notifier) = &self.notifier {
                notifier.offer(change);
            }
            self.events.publish(&AgentEvent::Finding {
                change: change.change,
                finding: change.finding.clone(),
            });
        }
    }
}

fn open_paths_under(open: &[StoredFinding], repo: &Path) -> Vec<String> {
    let mut paths: Vec<String> = open
        .iter()
        .filter(|f| Path::new(&f.path).starts_with(repo))
        .map(|f| f.path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
