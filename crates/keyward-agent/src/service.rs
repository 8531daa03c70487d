//! The agent's state and what it does for each request: the vault it holds (or not), the idle
//! clock, and the event bus. Shared by every connection thread and by the in-process handle.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
use crate::approval::{ApprovalRequest, Approver, Decision, Grants, project_of};
use crate::events::{AgentEvent, EntryChange, EventBus, LockReason, Subscription};
use crate::protocol::AgentStatus;
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
    /// Who approves a process's request for values (the desktop app); `None` answers every
    /// request from the user's own processes, as the headless agent does.
    pub approver: Option<Arc<dyn Approver>>,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            lock_after: Duration::from_secs(600),
            watch: Some(WatchOptions::default()),
            notifications: true,
            approver: None,
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
    /// Daily backups taken while locked, for the access log at the next unlock.
    pending_backups: Mutex<Vec<String>>,
    /// `options.lock_after`, changeable while the agent runs (the app's settings).
    lock_after_ms: AtomicU64,
}

#[derive(Debug)]
struct State {
    vault: Option<Vault>,
    last_used: Instant,
    /// Folders the user allowed for a while; they end when the vault locks.
    grants: Grants,
}

/// Work to do once the reply is sent (writing the access log, which the client need not wait
/// for).
pub(crate) type Deferred = Box<dyn FnOnce(&Service) + Send>;

impl Service {
    pub fn new(vault_path: PathBuf, throttle: UnlockThrottle, options: AgentOptions) -> Self {
        let lock_after_ms = u64::try_from(options.lock_after.as_millis()).unwrap_or(u64::MAX);
        Service {
            vault_path,
            options,
            state: Mutex::new(State {
                vault: None,
                last_used: Instant::now(),
                grants: Grants::default(),
            }),
            events: Arc::new(EventBus::default()),
            watch: Mutex::new(None),
            closed: AtomicBool::new(false),
            throttle,
            anomalies: Mutex::new(Anomalies::default()),
            lock_after_ms: AtomicU64::new(lock_after_ms),
            pending_backups: Mutex::new(Vec::new()),
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
        Duration::from_millis(self.lock_after_ms.load(Ordering::Relaxed))
    }

    fn lock_pending_backups(&self) -> MutexGuard<'_, Vec<String>> {
        self.pending_backups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set_lock_after(&self, lock_after: Duration) {
        let ms = u64::try_from(lock_after.as_millis()).unwrap_or(u64::MAX);
        self.lock_after_ms.store(ms, Ordering::Relaxed);
    }

    /// Changes the master password, after checking the current one against the file (a wrong
    /// one counts like a wrong unlock), optionally with new key-derivation parameters.
    pub fn change_password(
        &self,
        current: &SecretBytes,
        new: &SecretBytes,
        kdf: Option<keyward_core::crypto::kdf::KdfParams>,
    ) -> Result<()> {
        drop(self.open_with(current)?);
        self.with_vault(|vault| match kdf {
            Some(kdf) => vault.change_password_and_kdf(new, kdf),
            None => vault.change_password(new),
        })
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
        let mut vault = self.open_with(password)?;
        let failed = self.throttle.succeeded();
        let mut event = AuditEvent::here("unlock", Vec::new()).by(actor.as_ref());
        if failed > 0 {
            event = event.with_detail(format!("after {failed} failed attempts"));
        }
        if let Err(err) = vault.record_access(&event) {
            tracing::warn!("could not record the unlock in the access log: {err}");
        }
        let pending = std::mem::take(&mut *self.lock_pending_backups());
        for backup in pending {
            record_backup(&mut vault, backup);
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

    /// Asks the approver, if there is one, whether `request` may have its values: at once when
    /// its folder is allowed, else the user's answer. Locked agents are refused before asking.
    pub fn approve(&self, mut request: ApprovalRequest) -> Result<()> {
        let Some(approver) = &self.options.approver else {
            return Ok(());
        };
        request.folder = project_of(&request.folder);
        {
            let state = self.state();
            if state.vault.is_none() {
                return Err(Error::Locked);
            }
            if state.grants.allows(&request.folder, Instant::now()) {
                return Ok(());
            }
        }
        match approver.decide(&request) {
            Decision::AllowOnce => Ok(()),
            Decision::AllowFolderFor(duration) => {
                self.state()
                    .grants
                    .allow(request.folder, Instant::now() + duration);
                Ok(())
            }
            Decision::Deny => Err(Error::Denied(format!(
                "`{}` was denied {} in the desktop app",
                request.command,
                request.names.join(", ")
            ))),
        }
    }

    /// The vault file opened with `password`, after the throttle's wait; a wrong password is
    /// counted and, past a few, told as unusual use.
    fn open_with(&self, password: &SecretBytes) -> Result<Vault> {
        let file = VaultFile::open(&self.vault_path)?;
        self.throttle.wait();
        file.unlock(password).inspect_err(|err| {
            if matches!(err, Error::WrongPassword)
                && let Some(alert) = failed_unlocks(self.throttle.failed())
            {
                self.alert(alert);
            }
        })
    }

    /// Drops the vault, which zeroizes its keys, after recording why.
    pub fn lock(&self, reason: LockReason) {
        let dropped = {
            let mut state = self.state();
            state.grants.clear();
            state.vault.take()
        };
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
        let lock_after = self.lock_after();
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

    /// Takes the daily backup when the last one is a day old (the idle timer calls this).
    pub fn daily_backup(&self) {
        let day = Duration::from_secs(86_400);
        match keyward_core::vault::backup::backup_if_older_than(&self.vault_path, day) {
            Ok(Some(made)) => {
                tracing::info!("daily backup: {}", made.display());
                // Recorded now when unlocked (without counting as use), else at the next unlock.
                let made = made.display().to_string();
                let mut state = self.state();
                match state.vault.as_mut() {
                    Some(vault) => record_backup(vault, made),
                    None => self.lock_pending_backups().push(made),
                }
            }
            Ok(None) => {}
            Err(err) => tracing::warn!("the daily backup failed: {err}"),
        }
    }

    /// Shows a desktop reminder of secrets that became due (the idle timer calls this).
    /// Reminds of secrets to rotate: an event for subscribers (the desktop app shows its own
    /// notification), and a desktop notification from the headless agent.
    pub fn remind(&self) {
        let note = self
            .watch_state()
            .as_mut()
            .and_then(|w| w.remind(keyward_core::time::Stamp::now()));
        if let Some(note) = note {
            if self.options.notifications {
                crate::notify::show(&note);
            }
            self.publish(AgentEvent::Reminder {
                summary: note.summary,
                body: note.body,
            });
        }
    }

    /// Locks when the idle timeout has passed. Called by the idle timer.
    pub fn lock_if_idle(&self) -> bool {
        let dropped = {
            let mut state = self.state();
            if state.vault.is_some() && state.last_used.elapsed() >= self.lock_after() {
                state.grants.clear();
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
        let State {
            vault, last_used, ..
        } = &mut *state;
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
}

/// Runs `f` on the vault with its records naming `actor`.
pub(crate) fn as_actor<T>(
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

/// The agent's daily backup, in the access log as `backup` with the file it wrote.
fn record_backup(vault: &mut Vault, file: String) {
    let event = AuditEvent::here("backup", Vec::new()).with_detail(file);
    if let Err(err) = vault.record_access(&event) {
        tracing::warn!("could not record the daily backup in the access log: {err}");
    }
}
