//! What every command needs: where the vault is, and how to unlock it.

use anyhow::Result;
use keyward_core::home::Home;
use keyward_core::{Vault, VaultFile};

use crate::cli::GlobalArgs;
use crate::{output, password};

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

    /// Opens and checks the vault file first, so a missing or damaged vault is reported before
    /// anyone is asked for a password, then unlocks it.
    pub fn unlock(&self) -> Result<Vault> {
        let file = VaultFile::open(&self.home.vault_path())?;
        let password = password::master(&self.global, "Master password: ")?;
        let vault = file.unlock(&password)?;
        if vault.is_insecure_kdf() {
            output::warn(
                "this vault was made with --insecure-fast-kdf (for tests only); \
                 do not keep real secrets in it",
            );
        }
        Ok(vault)
    }
}
