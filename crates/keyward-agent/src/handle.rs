//! Starting and stopping an agent: `Agent::start` takes the home's agent lock, checks the vault,
//! binds the socket and starts the accept loop and the idle timer; the `AgentHandle` it returns
//! is the running agent. Dropping the handle (or `shutdown`) locks (keys zeroized), stops the
//! timer, closes every connection and removes the socket.

use std::fs::File;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use keyward_core::home::Home;
use keyward_core::{Error, Result, SecretBytes, SecretStore, VaultFile};

use crate::events::{LockReason, Subscription};
use crate::protocol::AgentStatus;
use crate::server::{Connections, accept_loop};
use crate::service::{AgentOptions, Service};
use crate::socket;

/// The entry point: `Agent::start(&home, options)`.
#[derive(Debug)]
pub struct Agent;

impl Agent {
    /// Starts an agent for `home`, locked. Fails with `AgentRunning` when another agent (in
    /// this process or another) already serves the home, and with the vault's own error when
    /// it is missing or damaged, before anything listens.
    pub fn start(home: &Home, options: AgentOptions) -> Result<AgentHandle> {
        let socket_path = home.agent_socket();
        if let Some(dir) = socket_path.parent() {
            socket::prepare_dir(dir)?;
        }
        let lock = socket::take_lock(&socket_path)?;
        drop(VaultFile::open(&home.vault_path())?);
        let listener = socket::bind(&socket_path)?;

        let service = Arc::new(Service::new(
            home.vault_path(),
            keyward_core::throttle::UnlockThrottle::new(home),
            options,
        ));
        let connections = Arc::new(Connections::default());
        let stopping = Arc::new(AtomicBool::new(false));
        let accept = {
            let (service, connections, stopping) = (
                Arc::clone(&service),
                Arc::clone(&connections),
                Arc::clone(&stopping),
            );
            spawn("keyward-agent-accept", move || {
                accept_loop(&listener, &service, &connections, &stopping);
            })?
        };
        let (idle_stop, idle_rx) = mpsc::channel::<()>();
        let idle = {
            let service = Arc::clone(&service);
            let tick =
                (service.lock_after() / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
            spawn("keyward-agent-idle", move || {
                let mut last_reminder: Option<std::time::Instant> = None;
                while let Err(RecvTimeoutError::Timeout) = idle_rx.recv_timeout(tick) {
                    service.lock_if_idle();
                    // Reminders are looked at once a minute (the first soon after the start).
                    if last_reminder.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                        last_reminder = Some(std::time::Instant::now());
                        service.remind();
                        service.daily_backup();
                    }
                }
            })?
        };
        Ok(AgentHandle {
            service,
            socket_path,
            connections,
            stopping,
            accept: Some(accept),
            idle_stop: Some(idle_stop),
            idle: Some(idle),
            _lock: lock,
        })
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| Error::io("could not start the agent's threads", e))
}

/// A running agent. Everything here takes `&self`, so the desktop app can share one handle
/// between its commands; it is `Send + Sync`.
#[derive(Debug)]
pub struct AgentHandle {
    service: Arc<Service>,
    socket_path: PathBuf,
    connections: Arc<Connections>,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    idle_stop: Option<Sender<()>>,
    idle: Option<JoinHandle<()>>,
    /// The home's agent lock, released when the handle goes.
    _lock: File,
}

impl AgentHandle {
    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// Every event from now on, until the agent shuts down.
    pub fn subscribe(&self) -> Subscription {
        self.service.subscribe()
    }

    pub fn unlock(&self, password: &SecretBytes) -> Result<()> {
        self.service.unlock(password, None)
    }

    /// Changes how long the agent waits without use before it locks.
    pub fn set_lock_after(&self, lock_after: Duration) {
        self.service.set_lock_after(lock_after);
    }

    /// Changes the master password (the current one is checked first), and with `kdf` the key
    /// derivation's parameters too. The agent stays unlocked.
    pub fn change_password(
        &self,
        current: &SecretBytes,
        new: &SecretBytes,
        kdf: Option<keyward_core::crypto::kdf::KdfParams>,
    ) -> Result<()> {
        self.service.change_password(current, new, kdf)
    }

    /// Wipes the keys; the agent keeps serving and can be unlocked again.
    pub fn lock(&self) {
        self.service.lock(LockReason::Request);
    }

    pub fn status(&self) -> AgentStatus {
        self.service.status()
    }

    /// The vault this agent holds, without a socket round trip: accesses are recorded as this
    /// process's, changes reach subscribers like those made over the socket.
    pub fn store(&self) -> impl SecretStore + '_ {
        &*self.service
    }

    /// Stops the agent: locks (keys zeroized), stops the idle timer, ends every connection and
    /// subscription, removes the socket. Dropping the handle does the same.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        self.service.close();
        self.idle_stop.take();
        if let Some(idle) = self.idle.take() {
            let _ = idle.join();
        }
        // The accept loop sees `stopping` on its next connection: make one. Should that fail
        // (someone removed the socket file), the loop cannot be woken and is left behind; it
        // holds nothing but the closed service.
        let woken = UnixStream::connect(&self.socket_path).is_ok();
        if let Some(accept) = self.accept.take()
            && woken
        {
            let _ = accept.join();
        }
        self.connections.close_all();
        if let Err(err) = std::fs::remove_file(&self.socket_path)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(
                "could not remove the socket {}: {err}",
                self.socket_path.display()
            );
        }
    }
}

impl Drop for AgentHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
