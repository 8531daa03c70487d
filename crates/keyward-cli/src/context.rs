//! What every command needs: where the vault is, and how to unlock it.

use anyhow::Result;
use keyward_agent::AgentClient;
use keyward_core::home::Home;
use keyward_core::{SecretStore, Vault, VaultFile};

use crate::cli::GlobalArgs;
use crate::{output, password};

/// Reads `names` for `command`, recording the access; a failure to record is a warning.
pub fn fetch(
    store: &mut dyn SecretStore,
    names: &[String],
    access: impl Into<keyward_core::Access>,
) -> keyward_core::Result<Vec<keyward_core::SecretBytes>> {
    let fetched = store.fetch(names, &access.into())?;
    if let Some(err) = fetched.unrecorded {
        output::warn(&format!(
            "this access was not recorded in the access log: {err}"
        ));
    }
    Ok(fetched.values)
}

/// Records `command` in the access log when the vault is open to this command without asking
/// (an unlocked agent, or a password file); otherwise it goes unrecorded, quietly.
pub fn record_if_open(ctx: &Context, command: &str, detail: &str) {
    let open =
        AgentClient::connect_unlocked(&ctx.home).is_some() || ctx.global.password_file.is_some();
    if !open {
        return;
    }
    let access = keyward_core::Access::new(command).with_detail(detail);
    let recorded = ctx
        .store()
        .and_then(|mut store| Ok(store.record(&access, &[])?));
    if let Err(err) = recorded {
        output::warn(&format!(
            "this {command} was not recorded in the access log: {err:#}"
        ));
    }
}

pub const INSECURE_VAULT_WARNING: &str =
    "this vault was made with --insecure-fast-kdf (for tests only); do not keep real secrets in it";

#[derive(Debug)]
pub struct Context {
    pub global: GlobalArgs,
    pub home: Home,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Result<Self> {
        Ok(Context {
            global,
            home: Home::from_env()?,
        })
    }

    /// The vault through a running, unlocked agent when there is one, else unlocked here.
    pub fn store(&self) -> Result<Box<dyn SecretStore>> {
        if let Some(mut agent) = AgentClient::connect(&self.home) {
            if agent.status().is_ok_and(|s| s.unlocked) {
                return Ok(Box::new(agent));
            }
            if self.global.password_file.is_none() && !password::has_terminal() {
                return Err(keyward_core::Error::Locked.into());
            }
        }
        Ok(Box::new(self.unlock()?))
    }

    /// The running agent, or an error saying how to start one.
    pub fn agent(&self) -> Result<AgentClient> {
        Ok(AgentClient::require(&self.home)?)
    }

    /// Opens and checks the vault file first, so a missing or damaged vault is reported before
    /// anyone is asked for a password, then unlocks it.
    pub fn unlock(&self) -> Result<Vault> {
        let file = VaultFile::open(&self.home.vault_path())?;
        let password = password::master(&self.global, "Master password: ")?;
        let throttle = keyward_core::throttle::UnlockThrottle::new(&self.home);
        throttle.wait();
        let mut vault = match file.unlock(&password) {
            Ok(vault) => vault,
            Err(err) => {
                if matches!(err, keyward_core::Error::WrongPassword) {
                    throttle.failed();
                }
                return Err(err.into());
            }
        };
        // Wrong passwords before this one go into the access log (an agent records every
        // unlock; a command records one only when failures came before it).
        let failed = throttle.succeeded();
        if failed > 0 {
            let event = keyward_core::AuditEvent::here("unlock", Vec::new())
                .with_detail(format!("after {failed} failed attempts"));
            if let Err(err) = vault.record_access(&event) {
                output::warn(&format!("the failed attempts were not recorded: {err}"));
            }
        }
        if vault.is_insecure_kdf() {
            output::warn(INSECURE_VAULT_WARNING);
        }
        Ok(vault)
    }
}
