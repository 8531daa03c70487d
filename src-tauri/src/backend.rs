//! The agent behind the app: the app hosts it in-process (so the CLI shares the app's unlock over
//! the usual socket), or, when a headless `keyward agent` already serves this home, attaches to
//! that one as a client, so the keys are never held twice.

use keyward_agent::{Agent, AgentClient, AgentEvent, AgentHandle, AgentOptions, AgentStatus};
use keyward_core::home::Home;
use keyward_core::{Error, Result, SecretBytes, SecretStore};

#[derive(Debug)]
pub enum Backend {
    Hosted(AgentHandle),
    Attached(Home),
}

impl Backend {
    /// Hosts the agent, or attaches to the one already running for `home`.
    pub fn start(home: &Home, options: AgentOptions) -> Result<Backend> {
        match Agent::start(home, options) {
            Ok(handle) => Ok(Backend::Hosted(handle)),
            Err(Error::AgentRunning(_)) => {
                // Prove it answers before relying on it.
                AgentClient::require(home)?.status()?;
                Ok(Backend::Attached(home.clone()))
            }
            Err(err) => Err(err),
        }
    }

    pub fn is_hosted(&self) -> bool {
        matches!(self, Backend::Hosted(_))
    }

    pub fn with_store<T>(&self, f: impl FnOnce(&mut dyn SecretStore) -> Result<T>) -> Result<T> {
        match self {
            Backend::Hosted(handle) => f(&mut handle.store()),
            Backend::Attached(home) => f(&mut AgentClient::require(home)?),
        }
    }

    pub fn status(&self) -> Result<AgentStatus> {
        match self {
            Backend::Hosted(handle) => Ok(handle.status()),
            Backend::Attached(home) => AgentClient::require(home)?.status(),
        }
    }

    pub fn unlock(&self, password: &SecretBytes) -> Result<()> {
        match self {
            Backend::Hosted(handle) => handle.unlock(password),
            Backend::Attached(home) => AgentClient::require(home)?.unlock(password),
        }
    }

    pub fn lock(&self) -> Result<()> {
        match self {
            Backend::Hosted(handle) => {
                handle.lock();
                Ok(())
            }
            Backend::Attached(home) => AgentClient::require(home)?.lock(),
        }
    }

    pub fn set_lock_after(&self, lock_after: std::time::Duration) -> Result<()> {
        match self {
            Backend::Hosted(handle) => {
                handle.set_lock_after(lock_after);
                Ok(())
            }
            Backend::Attached(_) => Err(not_ours("keeps the --lock-after it was started with")),
        }
    }

    pub fn change_password(
        &self,
        current: &SecretBytes,
        new: &SecretBytes,
        kdf: Option<keyward_core::crypto::kdf::KdfParams>,
    ) -> Result<()> {
        match self {
            Backend::Hosted(handle) => handle.change_password(current, new, kdf),
            Backend::Attached(_) => Err(not_ours(
                "holds the vault; stop it, or use `keyward passwd` with the agent locked",
            )),
        }
    }

    /// The agent's events until it stops (or, attached, until its connection ends).
    pub fn events(&self) -> Result<Box<dyn Iterator<Item = AgentEvent> + Send>> {
        match self {
            Backend::Hosted(handle) => Ok(Box::new(handle.subscribe())),
            Backend::Attached(home) => {
                let stream = AgentClient::require(home)?.subscribe()?;
                Ok(Box::new(stream.map_while(|event| event.ok())))
            }
        }
    }
}

fn not_ours(what: &str) -> Error {
    Error::Invalid(format!(
        "the `keyward agent` that was running before the app {what}"
    ))
}
