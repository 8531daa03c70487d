//! The agent's state and what it does for each request: the vault it holds (or not), the idle
//! clock, and the event bus. Shared by every connection thread and by the in-process handle.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use std::sync::Arc;

use keyward_core::findings::{FindingState, Findings, StoredFinding};
use keyward_core::{
    Actor, AuditEvent, Error, Result, SecretBytes, SecretStore, Vault, VaultFile, WatchConfig,
};
use keyward_watch::WatchOptions;

use keyward_core::throttle::UnlockThrottle;

use crate::anomaly::{Anomalies, failed_unlocks};
use crate::events::{AgentEvent, EntryChange, EventBus, LockReason, Subscription};
use crate::protocol::{AgentStatus, Request, Response, WireSecret};
use crate::socket::Peer;
use crate::watch::{VaultView, WatchState};

#[derive(Clone, Debug)]
pub struct AgentOptions {
    /// Lock (wipe the keys) after this long without a request that uses the vault.
    pub lock_after: Duration,
    /// Watch the projects for leaks from the first unlock on; `None` to not watch.
    pub watch: Option<WatchOptions>,
    /// Tell the desktop about new leaks (freedesktop notifications). The desktop app, which
    /// shows its own, turns this off.
    pub notifications: bool,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            lock_after: Duration::from_secs(600),
            watch: Some(WatchOptions::default()),
            notifications: true,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Service {
    vault_path: PathBuf,
    options: AgentOptions,
    state: Mutex<State>,
    events: Arc<EventBus>,
    /// The watcher, from the first unlock on; it outlives locking.
    watch: Mutex<Option<WatchState>>,
    /// Set once the agent shuts down: an unlock that finishes after that keeps nothing.
    closed: AtomicBool,
    /// Wrong passwords in a row, kept in the home so restarts do not reset them.
    throttle: UnlockThrottle,
    anomalies: Mutex<Anomalies>,
}

#[derive(Debug)]
struct State {
    vault: Option<Vault>,
    last_used: Instant,
}

/// Work to do once the reply is sent (writing the access log, which the client need not wait
/// for).
pub(crate) type Deferred = Box<dyn FnOnce(&Service) + Send>;

impl Service {
    pub fn new(vault_path: PathBuf, throttle: UnlockThrottle, options: AgentOptions) -> Self {
        Service {
            vault_path,
            options,
            state: Mutex::new(State {
                vault: None,
                last_used: Instant::now(),
            }),
            events: Arc::new(EventBus::default()),
            watch: Mutex::new(None),
            closed: AtomicBool::new(false),
            throttle,
            anomalies: Mutex::new(Anomalies::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A thread that panicked mid-request cannot leave the vault half-written (writes are
        // transactions), so a poisoned lock is safe to take over.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn lock_after(&self) -> Duration {
        self.options.lock_after
    }

    pub fn subscribe(&self) -> Subscription {
        self.events.subscribe()
    }

    fn publish(&self, event: AgentEvent) {
        self.events.publish(&event);
    }

    fn watch_state(&self) -> MutexGuard<'_, Option<WatchState>> {
        self.watch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the watcher, or gives it a fresh view of the vault (new secrets, new settings).
    /// A failure leaves the agent serving; it is logged.
    fn refresh_watch(&self) {
        let Some(options) = &self.options.watch else {
            return;
        };
        let started = self.with_vault(|vault| {
            let view = VaultView::read(vault)?;
            let mut watch = self.watch_state();
            match &mut *watch {
                Some(state) => state.refresh(view),
                None => {
                    let findings = Findings::open(vault.findings_store()?)?;
                    *watch = Some(WatchState::start(
                        view,
                        findings,
                        options,
                        &self.events,
                        self.options.notifications,
                    )?);
                }
            }
            Ok(())
        });
        if let Err(err) = started {
            tracing::warn!("the watcher could not start or refresh: {err}");
        }
    }

    /// Runs `f` on the findings: the watcher's while it runs (locked or not), else the
    /// vault's.
    fn with_findings<T>(&self, f: impl FnOnce(&mut Findings) -> Result<T>) -> Result<T> {
        if let Some(state) = &*self.watch_state() {
            return f(&mut state.findings());
        }
        self.with_vault(|v| f(&mut Findings::open(v.findings_store()?)?))
    }

    pub fn findings(&self, all: bool) -> Result<Vec<StoredFinding>> {
        self.with_findings(|f| Ok(f.list(all)))
    }

    pub fn set_finding_state(
        &self,
        id: i64,
        state: FindingState,
        reason: Option<String>,
        actor: Option<Actor>,
    ) -> Result<StoredFinding> {
        let detail = keyward_core::findings::state_change_detail(id, state, reason.as_deref());
        let event = self.with_findings(|f| f.set_state(id, state, reason))?;
        // Recorded when the vault is unlocked; a locked agent still takes the user's word.
        let record = AuditEvent::here("findings", event.finding.secret.iter().cloned().collect())
            .with_detail(detail)
            .by(actor.as_ref());
        let _ = self.with_vault(|v| v.record_access(&record));
        self.publish(AgentEvent::Finding {
            change: event.change,
            finding: event.finding.clone(),
        });
        Ok(event.finding)
    }

    /// The watcher's settings: kept by the running watcher, so readable while locked.
    pub fn watch_config(&self) -> Result<WatchConfig> {
        if let Some(state) = &*self.watch_state() {
            return Ok(state.config().clone());
        }
        self.with_vault(|v| v.watch_config())
    }

    pub fn set_watch_config(&self, config: &WatchConfig, actor: Option<Actor>) -> Result<()> {
        self.with_vault(|v| as_actor(v, actor, |v| v.set_watch_config(config)))?;
        self.refresh_watch();
        Ok(())
    }

    /// Unlocks with `password` for `actor` (the process asking; `None` for this one), keeping
    /// the vault for later requests. The unlock is recorded, with the failed attempts before it.
    pub fn unlock(&self, password: &SecretBytes, actor: Option<Actor>) -> Result<()> {
        let file = VaultFile::open(&self.vault_path)?;
        self.throttle.wait();
        let mut vault = match file.unlock(password) {
            Ok(vault) => vault,
            Err(err) => {
                if matches!(err, Error::WrongPassword)
                    && let Some(alert) = failed_unlocks(self.throttle.failed())
                {
                    self.alert(alert);
                }
                return Err(err);
            }
        };
        let failed = self.throttle.succeeded();
        let mut event = AuditEvent::here("unlock", Vec::new()).by(actor.as_ref());
        if failed > 0 {
            event = event.with_detail(format!("after {failed} failed attempts"));
        }
        if let Err(err) = vault.record_access(&event) {
            tracing::warn!("could not record the unlock in the access log: {err}");
        }
        {
            let mut state = self.state();
            if self.closed.load(Ordering::SeqCst) {
                return Err(Error::AgentGone);
            }
            state.vault = Some(vault);
            state.last_used = Instant::now();
        }
        self.publish(AgentEvent::Unlocked);
        self.refresh_watch();
        Ok(())
    }

    /// Drops the vault, which zeroizes its keys, after recording why.
    pub fn lock(&self, reason: LockReason) {
        let dropped = self.state().vault.take();
        if let Some(mut vault) = dropped {
            record_lock(&mut vault, reason);
            drop(vault);
            self.publish(AgentEvent::Locked { reason });
        }
    }

    /// Locks for good: later unlocks fail, and every subscription ends.
    pub fn close(&self) {
        {
            let _state = self.state();
            self.closed.store(true, Ordering::SeqCst);
        }
        self.lock(LockReason::Shutdown);
        let watch = self.watch_state().take();
        drop(watch);
        self.events.close();
    }

    pub fn status(&self) -> AgentStatus {
        let state = self.state();
        let lock_after = self.options.lock_after;
        AgentStatus {
            unlocked: state.vault.is_some(),
            pid: std::process::id(),
            vault: self.vault_path.display().to_string(),
            lock_after_secs: lock_after.as_secs(),
            locks_in_secs: state.vault.as_ref().map(|_| {
                lock_after
                    .saturating_sub(state.last_used.elapsed())
                    .as_secs()
            }),
            insecure_kdf: state.vault.as_ref().is_some_and(Vault::is_insecure_kdf),
            watch: self.watch_state().as_ref().map(WatchState::status),
        }
    }

    /// Shows a desktop reminder of secrets that became due (the idle timer calls this).
    pub fn remind(&self) {
        if !self.options.notifications {
            return;
        }
        let note = self
            .watch_state()
            .as_mut()
            .and_then(|w| w.remind(keyward_core::time::Stamp::now()));
        if let Some(note) = note {
            crate::notify::show(&note);
        }
    }

    /// Locks when the idle timeout has passed. Called by the idle timer.
    pub fn lock_if_idle(&self) -> bool {
        let dropped = {
            let mut state = self.state();
            if state.vault.is_some() && state.last_used.elapsed() >= self.options.lock_after {
                state.vault.take()
            } else {
                None
            }
        };
        let locked = dropped.is_some();
        if let Some(mut vault) = dropped {
            record_lock(&mut vault, LockReason::Idle);
        }
        if locked {
            self.publish(AgentEvent::Locked {
                reason: LockReason::Idle,
            });
        }
        locked
    }

    pub fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> Result<T>) -> Result<T> {
        let mut state = self.state();
        let State { vault, last_used } = &mut *state;
        let vault = vault.as_mut().ok_or(Error::Locked)?;
        *last_used = Instant::now();
        f(vault)
    }

    /// Appends `event` to the access log and tells subscribers. A failure is returned for the
    /// caller to report; the values were already handed over.
    pub fn record_event(&self, event: AuditEvent) -> Result<()> {
        let alerts = {
            let mut anomalies = self
                .anomalies
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !anomalies.is_loaded() {
                anomalies.load(&self.with_vault(|v| v.audit_log())?);
            }
            anomalies.check(&event, Instant::now())
        };
        self.with_vault(|v| v.record_access(&event))?;
        self.publish(AgentEvent::AccessRecorded { access: event });
        for alert in alerts {
            self.alert(alert);
        }
        Ok(())
    }

    /// Tells of unusual use: an event for subscribers, a desktop notification, the log.
    fn alert(&self, message: String) {
        tracing::warn!("{message}");
        if self.options.notifications {
            crate::notify::show(&crate::notify::Note {
                summary: "keyward: unusual use".into(),
                body: message.clone(),
            });
        }
        self.publish(AgentEvent::Anomaly { message });
    }

    /// Runs a change to one entry and tells subscribers when it took.
    pub fn change<T>(
        &self,
        name: &str,
        change: EntryChange,
        actor: Option<Actor>,
        f: impl FnOnce(&mut Vault) -> Result<T>,
    ) -> Result<T> {
        let out = self.with_vault(|v| as_actor(v, actor, f))?;
        self.publish(AgentEvent::EntryChanged {
            name: name.to_owned(),
            change,
        });
        // The watcher's matcher follows new values (a rescan only when they changed), its
        // reminders new intervals, expiries and snoozes.
        self.refresh_watch();
        Ok(out)
    }

    /// The reply to `request` from `peer`, and work to do once it is sent.
    pub fn respond(&self, request: Request, peer: &Peer) -> (Response, Option<Deferred>) {
        match request {
            Request::Status => (Response::Status(self.status()), None),
            Request::Lock => {
                self.lock(LockReason::Request);
                (Response::Ok, None)
            }
            Request::Unlock { password } => (
                reply(
                    self.unlock(&password.0, Some(peer.actor()))
                        .map(|()| Response::Ok),
                ),
                None,
            ),
            Request::Resolve {
                names,
                command,
                cwd,
                detail,
            } => match self.with_vault(|v| v.get_many(&names)) {
                Ok(values) => {
                    let mut event = peer_event(peer, command, names, cwd);
                    event.detail = detail;
                    (
                        Response::Values {
                            values: values.into_iter().map(WireSecret).collect(),
                        },
                        Some(record_later(event)),
                    )
                }
                Err(err) => (Response::error(&err), None),
            },
            Request::Record {
                command,
                names,
                cwd,
            } => (
                Response::Ok,
                Some(record_later(peer_event(peer, command, names, cwd))),
            ),
            Request::Subscribe => (
                Response::error(&Error::Invalid(
                    "a subscription is served by the connection, not as a request".into(),
                )),
                None,
            ),
            other => (reply(self.serve_store(other, peer)), None),
        }
    }

    /// Requests that map one to one onto the store.
    fn serve_store(&self, request: Request, peer: &Peer) -> Result<Response> {
        let actor = || Some(peer.actor());
        Ok(match request {
            Request::Entry { name } => Response::Entry {
                entry: self.with_vault(|v| v.entry(&name))?,
            },
            Request::List => Response::Entries {
                entries: self.with_vault(|v| v.list())?,
            },
            Request::Add { name, value, new } => Response::Entry {
                entry: self.change(&name, EntryChange::Added, actor(), |v| {
                    v.add(&name, &value.0, new)
                })?,
            },
            Request::Rotate { name, value } => Response::Entry {
                entry: self.change(&name, EntryChange::Rotated, actor(), |v| {
                    v.rotate(&name, &value.0)
                })?,
            },
            Request::History { name } => Response::History {
                versions: self.with_vault(|v| v.history(&name))?,
            },
            Request::Update { name, changes } => Response::Entry {
                entry: self.change(&name, EntryChange::Updated, actor(), |v| {
                    v.update(&name, changes)
                })?,
            },
            Request::Remove { name } => {
                self.change(&name, EntryChange::Removed, actor(), |v| v.remove(&name))?;
                Response::Ok
            }
            Request::AuditLog => Response::Events {
                events: self.with_vault(|v| v.audit_log())?,
            },
            Request::VerifyAudit => Response::AuditCheck {
                check: self.with_vault(|v| v.verify_audit())?,
            },
            Request::PruneAudit { before } => Response::Pruned {
                removed: self.with_vault(|v| as_actor(v, actor(), |v| v.prune_audit(before)))?,
            },
            Request::Findings { all } => Response::Findings {
                findings: self.findings(all)?,
            },
            Request::SetFindingState { id, state, reason } => Response::Finding {
                finding: self.set_finding_state(id, state, reason, actor())?,
            },
            Request::WatchConfig => Response::WatchConfig {
                config: self.watch_config()?,
            },
            Request::SetWatchConfig { config } => {
                self.set_watch_config(&config, actor())?;
                Response::Ok
            }
            Request::FingerprintKey => Response::Key {
                key: WireSecret(SecretBytes::copy_from(
                    self.with_vault(|v| Ok(Vault::fingerprint_key(v)))?.expose(),
                )),
            },
            Request::Status
            | Request::Lock
            | Request::Unlock { .. }
            | Request::Resolve { .. }
            | Request::Record { .. }
            | Request::Subscribe => {
                return Err(Error::Invalid("a request reached the wrong handler".into()));
            }
        })
    }
}

/// Runs `f` on the vault with its records naming `actor`.
fn as_actor<T>(
    vault: &mut Vault,
    actor: Option<Actor>,
    f: impl FnOnce(&mut Vault) -> Result<T>,
) -> Result<T> {
    vault.set_actor(actor);
    let out = f(vault);
    vault.set_actor(None);
    out
}

fn record_lock(vault: &mut Vault, reason: LockReason) {
    let why = match reason {
        LockReason::Request => "on request",
        LockReason::Idle => "idle",
        LockReason::Shutdown => "the agent stopped",
    };
    let event = AuditEvent::here("lock", Vec::new()).with_detail(why);
    if let Err(err) = vault.record_access(&event) {
        tracing::warn!("could not record the lock in the access log: {err}");
    }
}

fn reply(result: Result<Response>) -> Response {
    result.unwrap_or_else(|err| Response::error(&err))
}

/// The access as the kernel tells it: the peer's real pid, and its folder when readable.
fn peer_event(peer: &Peer, command: String, names: Vec<String>, cwd: String) -> AuditEvent {
    AuditEvent {
        time: keyward_core::time::Stamp::now(),
        command,
        names,
        cwd: peer.folder(cwd),
        pid: peer.pid,
        detail: None,
    }
}

fn record_later(event: AuditEvent) -> Deferred {
    Box::new(move |service: &Service| {
        if let Err(err) = service.record_event(event) {
            tracing::warn!("could not record an access in the access log: {err}");
        }
    })
}

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

    fn record(&mut self, command: &str, names: &[String]) -> Result<()> {
        self.record_event(AuditEvent::here(command, names.to_vec()))
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
