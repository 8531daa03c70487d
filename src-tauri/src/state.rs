//! The app's shared state: the home it serves, the agent behind it once a vault exists, and the
//! clipboard it owns. Every command reaches the vault through here.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use keyward_agent::AgentOptions;
use keyward_core::home::Home;
use keyward_core::prefs::Prefs;
use keyward_core::{Error, Result, SecretStore};

use crate::approvals::Approvals;
use crate::backend::Backend;
use crate::clipboard::Clipper;

/// How long a CLI waits for the user to answer before it is denied.
const APPROVAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Called with each newly started backend (the app follows its events).
pub type OnStart = Box<dyn Fn(&Backend) + Send + Sync>;

pub struct AppState {
    pub home: Home,
    options: AgentOptions,
    backend: Mutex<Option<Arc<Backend>>>,
    on_start: Mutex<Option<OnStart>>,
    pub clipboard: Clipper,
    pub approvals: Arc<Approvals>,
    prefs: Mutex<Prefs>,
    /// Turns start-at-login on or off (`None`: ask); set by the real app, absent in tests.
    pub autostart: Mutex<Option<Autostart>>,
    /// The session bus whose screen-lock signals lock the app; `None` for the user's own.
    pub session_bus: Option<String>,
}

pub type Autostart = Box<dyn Fn(Option<bool>) -> Result<bool> + Send + Sync>;

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The app's state; the agent it hosts answers every request of the user's processes.
    pub fn new(home: Home, options: AgentOptions) -> Self {
        AppState::build(home, options, Arc::new(Approvals::new(APPROVAL_TIMEOUT)))
    }

    /// The app's state with the window approving what CLI processes ask the hosted agent for.
    pub fn with_approvals(home: Home, mut options: AgentOptions) -> Self {
        let approvals = Arc::new(Approvals::new(APPROVAL_TIMEOUT));
        options.approver = Some(Arc::clone(&approvals) as Arc<dyn keyward_agent::Approver>);
        AppState::build(home, options, approvals)
    }

    fn build(home: Home, mut options: AgentOptions, approvals: Arc<Approvals>) -> Self {
        let prefs = Prefs::load(&Prefs::path(&home));
        options.lock_after = prefs.lock_after();
        AppState {
            home,
            options,
            prefs: Mutex::new(prefs),
            autostart: Mutex::new(None),
            session_bus: None,
            backend: Mutex::new(None),
            on_start: Mutex::new(None),
            clipboard: Clipper::default(),
            approvals,
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Arc<Backend>>> {
        self.backend.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Set once the app runs: every backend started from then on (and the current one) is
    /// handed to `hook`.
    pub fn on_start(&self, hook: OnStart) {
        if let Some(backend) = self.slot().clone() {
            hook(&backend);
        }
        *self.on_start.lock().unwrap_or_else(PoisonError::into_inner) = Some(hook);
    }

    /// The agent, started (hosted or attached) on first use when the vault exists.
    pub fn backend(&self) -> Result<Arc<Backend>> {
        let mut slot = self.slot();
        if let Some(backend) = slot.as_ref() {
            return Ok(Arc::clone(backend));
        }
        if !self.home.vault_path().exists() {
            return Err(Error::NoVault(self.home.vault_path()));
        }
        let backend = Arc::new(Backend::start(&self.home, self.options.clone())?);
        *slot = Some(Arc::clone(&backend));
        drop(slot);
        if let Some(hook) = self
            .on_start
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            hook(&backend);
        }
        Ok(backend)
    }

    /// The started agent, if any, without starting one.
    pub fn current(&self) -> Option<Arc<Backend>> {
        self.slot().clone()
    }

    pub fn with_store<T>(&self, f: impl FnOnce(&mut dyn SecretStore) -> Result<T>) -> Result<T> {
        self.backend()?.with_store(f)
    }

    pub fn lock_after_secs(&self) -> u32 {
        u32::try_from(self.prefs().lock_after_secs).unwrap_or(u32::MAX)
    }

    pub fn prefs(&self) -> Prefs {
        self.prefs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Applies `prefs` to the running agent, then saves them. Only a changed auto-lock goes to
    /// the agent, so an agent the app merely attached to takes every other change.
    pub fn set_prefs(&self, prefs: Prefs) -> Result<()> {
        prefs.check()?;
        if prefs.lock_after_secs != self.prefs().lock_after_secs
            && let Some(backend) = self.current()
        {
            backend.set_lock_after(prefs.lock_after())?;
        }
        prefs.save(&Prefs::path(&self.home))?;
        *self.prefs.lock().unwrap_or_else(PoisonError::into_inner) = prefs;
        Ok(())
    }

    /// Clears our copy from the clipboard and locks the agent (the tray, the screen locking).
    pub fn lock_now(&self) -> Result<()> {
        self.clipboard.clear_now();
        match self.current() {
            Some(backend) => backend.lock(),
            None => Ok(()),
        }
    }

    /// Stops a hosted agent (keys wiped, socket removed); called as the app exits.
    pub fn shutdown(&self) {
        self.clipboard.clear_now();
        self.slot().take();
    }
}
