//! Where keyward keeps its files: `$KEYWARD_HOME` when set, else the platform data directory
//! (`$XDG_DATA_HOME/keyward`, i.e. `~/.local/share/keyward` on Linux). Everything a process
//! creates lives under it, so two homes never see each other.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const HOME_ENV: &str = "KEYWARD_HOME";
pub const VAULT_FILE: &str = "vault.db";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
    /// Set when `KEYWARD_HOME` chose the root: then everything, the agent's socket included,
    /// lives under it.
    explicit: bool,
}

impl Home {
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Home {
            root: root.into(),
            explicit: true,
        }
    }

    /// Resolves the home from the environment. A relative `KEYWARD_HOME` is taken from the
    /// working directory, so the same value always names the same folder within one command.
    pub fn from_env() -> Result<Self> {
        if let Some(dir) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            let dir = PathBuf::from(dir);
            let dir = if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir()
                    .map_err(|e| Error::io("could not read the working directory", e))?
                    .join(dir)
            };
            return Ok(Home::at(dir));
        }
        let base = directories::BaseDirs::new().ok_or_else(|| {
            Error::Invalid(format!(
                "could not find a home directory; set {HOME_ENV} to the folder keyward should use"
            ))
        })?;
        Ok(Home {
            root: base.data_dir().join("keyward"),
            explicit: false,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn vault_path(&self) -> PathBuf {
        self.root.join(VAULT_FILE)
    }

    /// The folder of the agent's socket: under the home when `KEYWARD_HOME` is set, else in
    /// `$XDG_RUNTIME_DIR/keyward` (a per-user tmpfs) when there is one, else under the home.
    pub fn agent_dir(&self) -> PathBuf {
        if !self.explicit
            && let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty())
        {
            return PathBuf::from(runtime).join("keyward");
        }
        self.root.join("agent")
    }

    pub fn agent_socket(&self) -> PathBuf {
        self.agent_dir().join("agent.sock")
    }

    /// Removes `scan.key`, the random key that keyed the scanner's fingerprints before they
    /// were keyed by the vault's own fingerprint subkey. Baselines carry their own salt, so
    /// none needs rewriting; only the ids in SARIF output change, once.
    pub fn remove_legacy_scan_key(&self) -> Result<()> {
        let path = self.root.join("scan.key");
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("could not remove {}", path.display()), e)),
        }
    }

    /// Creates the home (and missing parents) with mode 0700; an existing folder is left as is.
    pub fn ensure_exists(&self) -> Result<()> {
        if self.root.is_dir() {
            return Ok(());
        }
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.root)
            .map_err(|e| Error::io(format!("could not create {}", self.root.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn ensure_exists_creates_a_private_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let home = Home::at(tmp.path().join("a/b/keyward"));
        home.ensure_exists().unwrap();
        let mode = std::fs::metadata(home.root()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(home.vault_path(), tmp.path().join("a/b/keyward/vault.db"));
    }
}
