//! What the agent's watcher watches: the user's project folders, and whether the shell history
//! files and editor backup folders are watched too. One sealed record (the `settings` row).

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use std::path::Path;

use crate::crypto::aead::Table;
use crate::error::{Result, write_error};
use crate::vault::AuditEvent;

use super::Vault;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchConfig {
    /// Absolute folder paths, sorted, without duplicates.
    #[serde(default)]
    pub projects: Vec<String>,
    /// Shell, REPL and database-client history files in the home folder.
    #[serde(default = "on")]
    pub history: bool,
    /// Editors' backup, swap and local-history folders.
    #[serde(default = "on")]
    pub editor_backups: bool,
}

fn on() -> bool {
    true
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            projects: Vec::new(),
            history: true,
            editor_backups: true,
        }
    }
}

impl WatchConfig {
    /// Folders worth watching that are not yet: those whose `keyward.toml` gave secrets to
    /// `run` or `env` (from the access log), most recent first.
    pub fn suggestions(&self, log: &[AuditEvent]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for event in log.iter().rev() {
            if !matches!(event.command.as_str(), "run" | "env") {
                continue;
            }
            let Some(folder) = crate::usage::project_folder(Path::new(&event.cwd)) else {
                continue;
            };
            let watched = self
                .projects
                .iter()
                .any(|p| Path::new(&folder).starts_with(p));
            if !watched && !out.contains(&folder) {
                out.push(folder);
            }
        }
        out
    }
}

impl Vault {
    /// The watcher's settings; the defaults when none were ever saved.
    pub fn watch_config(&self) -> Result<WatchConfig> {
        let row: Option<(i64, Vec<u8>)> = self
            .file
            .conn
            .query_row("SELECT rev, sealed FROM settings WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match row {
            Some((rev, sealed)) => self.codec().open_record(Table::Settings, 1, rev, &sealed),
            None => Ok(WatchConfig::default()),
        }
    }

    pub fn set_watch_config(&mut self, config: &WatchConfig) -> Result<()> {
        let mut config = config.clone();
        config.projects.sort();
        config.projects.dedup();
        let codec = super::records::Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        };
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let rev: i64 = tx
            .query_row("SELECT rev FROM settings WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or(0i64)
            .checked_add(1)
            .ok_or_else(|| crate::error::Error::corrupt("the settings' revision overflowed"))?;
        let sealed = codec.seal_record(Table::Settings, 1, rev, &config)?;
        tx.execute(
            "INSERT INTO settings (id, rev, sealed) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, sealed = excluded.sealed",
            params![rev, sealed],
        )
        .map_err(write_error)?;
        tx.commit().map_err(write_error)?;
        let detail = format!(
            "watching {}; history files {}; editor backups {}",
            if config.projects.is_empty() {
                "no projects".to_owned()
            } else {
                config.projects.join(", ")
            },
            if config.history { "on" } else { "off" },
            if config.editor_backups { "on" } else { "off" },
        );
        self.record_change("project", Vec::new(), Some(detail));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::secret::SecretBytes;

    #[test]
    fn folders_whose_project_file_was_used_are_suggested_once_unless_watched() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::create_dir_all(a.join("src")).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join(crate::project::PROJECT_FILE), "[env]\n").unwrap();
        std::fs::write(b.join(crate::project::PROJECT_FILE), "[env]\n").unwrap();
        let event = |command: &str, cwd: &Path| AuditEvent {
            time: crate::time::Stamp::now(),
            command: command.into(),
            names: vec![],
            cwd: cwd.display().to_string(),
            pid: 1,
            detail: None,
        };
        let log = vec![
            event("run", &a.join("src")),
            event("get", &b),
            event("env", &a),
            event("run", dir.path()),
        ];
        let config = WatchConfig::default();
        assert_eq!(config.suggestions(&log), vec![a.display().to_string()]);
        let watching = WatchConfig {
            projects: vec![a.display().to_string()],
            ..WatchConfig::default()
        };
        assert!(watching.suggestions(&log).is_empty());
    }

    #[test]
    fn settings_round_trip_sorted_and_bound_to_their_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let pw = SecretBytes::copy_from(b"pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::INSECURE_FAST, true).unwrap();
        assert_eq!(vault.watch_config().unwrap(), WatchConfig::default());
        let config = WatchConfig {
            projects: vec!["/b".into(), "/a".into(), "/b".into()],
            history: false,
            editor_backups: true,
        };
        vault.set_watch_config(&config).unwrap();
        let back = vault.watch_config().unwrap();
        assert_eq!(back.projects, vec!["/a".to_owned(), "/b".to_owned()]);
        assert!(!back.history);
        vault
            .file
            .conn
            .execute_batch("UPDATE settings SET rev = rev + 1")
            .unwrap();
        assert_eq!(vault.watch_config().unwrap_err().exit_code(), 4);
    }
}
