//! The agent service: accepts same-user connections, serves requests against the vault it holds,
//! and wipes the vault's keys after an idle timeout or on `lock`.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::home::Home;
use crate::secret::SecretBytes;
use crate::store::SecretStore;
use crate::vault::{Vault, VaultFile};

use super::protocol::{
    AgentStatus, Envelope, ErrorKind, PROTOCOL_VERSION, Request, Response, WireError, WireSecret,
    read_frame, write_frame,
};
use super::socket;

#[derive(Clone, Debug)]
pub struct AgentOptions {
    /// Lock (wipe the keys) after this long without a request that uses the vault.
    pub lock_after: Duration,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            lock_after: Duration::from_secs(600),
        }
    }
}

/// The shared state of a running agent. Cheap to clone: every connection thread holds one.
#[derive(Clone, Debug)]
pub struct AgentService {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    vault_path: PathBuf,
    socket_path: PathBuf,
    options: AgentOptions,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    vault: Option<Vault>,
    last_used: Instant,
}

impl AgentService {
    pub fn new(home: &Home, options: AgentOptions) -> Self {
        AgentService {
            inner: Arc::new(Inner {
                vault_path: home.vault_path(),
                socket_path: home.agent_socket(),
                options,
                state: Mutex::new(State {
                    vault: None,
                    last_used: Instant::now(),
                }),
            }),
        }
    }

    /// Prepares the socket's folder and binds the socket.
    pub fn bind(&self) -> Result<UnixListener> {
        if let Some(dir) = self.inner.socket_path.parent() {
            socket::prepare_dir(dir)?;
        }
        socket::bind(&self.inner.socket_path)
    }

    pub fn socket_path(&self) -> &std::path::Path {
        &self.inner.socket_path
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A thread that panicked mid-request cannot leave the vault half-written (writes are
        // transactions), so a poisoned lock is safe to take over.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Unlocks with `password`, keeping the vault for later requests.
    pub fn unlock(&self, password: &SecretBytes) -> Result<()> {
        let vault = VaultFile::open(&self.inner.vault_path)?.unlock(password)?;
        let mut state = self.state();
        state.vault = Some(vault);
        state.last_used = Instant::now();
        Ok(())
    }

    /// Drops the vault, which zeroizes its keys.
    pub fn lock(&self) {
        self.state().vault = None;
    }

    pub fn status(&self) -> AgentStatus {
        let state = self.state();
        let lock_after = self.inner.options.lock_after;
        AgentStatus {
            unlocked: state.vault.is_some(),
            pid: std::process::id(),
            vault: self.inner.vault_path.display().to_string(),
            lock_after_secs: lock_after.as_secs(),
            locks_in_secs: state.vault.as_ref().map(|_| {
                lock_after
                    .saturating_sub(state.last_used.elapsed())
                    .as_secs()
            }),
            insecure_kdf: state.vault.as_ref().is_some_and(Vault::is_insecure_kdf),
        }
    }

    /// Locks when the idle timeout has passed. Called by the idle timer.
    pub fn lock_if_idle(&self) -> bool {
        let mut state = self.state();
        if state.vault.is_some() && state.last_used.elapsed() >= self.inner.options.lock_after {
            state.vault = None;
            return true;
        }
        false
    }

    /// Serves connections until the listener fails. Each connection gets its own thread;
    /// requests are served one at a time against the vault.
    pub fn serve(&self, listener: &UnixListener) -> Result<()> {
        self.spawn_idle_timer();
        for stream in listener.incoming() {
            let stream = match stream {
                Ok(stream) => stream,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("the agent's socket failed", e)),
            };
            let service = self.clone();
            std::thread::spawn(move || service.handle(stream));
        }
        Ok(())
    }

    fn spawn_idle_timer(&self) {
        let service = self.clone();
        let tick = (self.inner.options.lock_after / 4)
            .clamp(Duration::from_millis(50), Duration::from_secs(1));
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(tick);
                service.lock_if_idle();
            }
        });
    }

    fn handle(&self, mut stream: UnixStream) {
        match socket::same_user(&stream) {
            Ok(true) => {}
            _ => {
                let _ = write_frame(
                    &mut stream,
                    &Response::Error(WireError {
                        kind: ErrorKind::Other,
                        detail: "the agent serves only the user who started it".into(),
                    }),
                );
                return;
            }
        }
        loop {
            let envelope = match read_frame::<Envelope<Request>>(&mut stream) {
                Ok(Some(envelope)) => envelope,
                Ok(None) => return,
                Err(err) => {
                    let _ = write_frame(&mut stream, &Response::Error(WireError::from(&err)));
                    return;
                }
            };
            if envelope.v != PROTOCOL_VERSION {
                let _ = write_frame(
                    &mut stream,
                    &Response::Error(WireError {
                        kind: ErrorKind::Other,
                        detail: format!(
                            "the agent speaks protocol {PROTOCOL_VERSION}, this keyward {}; restart the agent",
                            envelope.v
                        ),
                    }),
                );
                return;
            }
            let (response, after) = self.respond(envelope.body);
            if write_frame(&mut stream, &response).is_err() {
                return;
            }
            // Work the client need not wait for (writing the access log) runs after the reply.
            if let Some(after) = after {
                after(self);
            }
        }
    }

    /// The reply to `request`, and work to do once it is sent.
    fn respond(&self, request: Request) -> (Response, Option<Deferred>) {
        match request {
            Request::Status => (Response::Status(self.status()), None),
            Request::Lock => {
                self.lock();
                (Response::Ok, None)
            }
            Request::Unlock { password } => {
                (reply(self.unlock(&password.0).map(|()| Response::Ok)), None)
            }
            Request::Resolve { names } => {
                let response =
                    self.with_vault(|v| v.get_many(&names))
                        .map(|values| Response::Values {
                            values: values.into_iter().map(WireSecret).collect(),
                        });
                (reply(response), None)
            }
            Request::Record { event } => {
                // The client need not wait for the log's fsync: it is written after the reply.
                let deferred: Deferred = Box::new(move |service: &AgentService| {
                    if let Err(err) = service.with_vault(|v| v.record_access(&event)) {
                        eprintln!("keyward: could not record an access in the access log: {err}");
                    }
                });
                (Response::Ok, Some(deferred))
            }
            other => (reply(self.with_vault(|v| serve_store(v, other))), None),
        }
    }

    fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> Result<T>) -> Result<T> {
        let mut state = self.state();
        let State { vault, last_used } = &mut *state;
        let vault = vault.as_mut().ok_or(Error::Locked)?;
        *last_used = Instant::now();
        f(vault)
    }
}

type Deferred = Box<dyn FnOnce(&AgentService)>;

fn reply(result: Result<Response>) -> Response {
    result.unwrap_or_else(|err| Response::Error(WireError::from(&err)))
}

/// Requests that map one to one onto the store.
fn serve_store(vault: &mut Vault, request: Request) -> Result<Response> {
    Ok(match request {
        Request::Entry { name } => Response::Entry {
            entry: vault.entry(&name)?,
        },
        Request::List => Response::Entries {
            entries: vault.list()?,
        },
        Request::Add { name, value, new } => Response::Entry {
            entry: vault.add(&name, &value.0, new)?,
        },
        Request::Rotate { name, value } => Response::Entry {
            entry: vault.rotate(&name, &value.0)?,
        },
        Request::History { name } => Response::History {
            versions: vault.history(&name)?,
        },
        Request::Update { name, changes } => Response::Entry {
            entry: vault.update(&name, changes)?,
        },
        Request::Remove { name } => {
            vault.remove(&name)?;
            Response::Ok
        }
        Request::AuditLog => Response::Events {
            events: vault.audit_log()?,
        },
        Request::Status
        | Request::Lock
        | Request::Unlock { .. }
        | Request::Resolve { .. }
        | Request::Record { .. } => {
            return Err(Error::Invalid("a request reached the wrong handler".into()));
        }
    })
}
