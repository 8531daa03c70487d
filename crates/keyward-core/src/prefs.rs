//! The desktop app's preferences: how long until it locks, how long a copy stays on the
//! clipboard, whether it notifies and locks with the screen. Not secret; kept beside the vault
//! as `app.json` (0600), and a missing or unreadable file means the defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const FILE: &str = "app.json";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Lock after this long without use (60 s to 24 h).
    pub lock_after_secs: u64,
    /// Clear a copy from the clipboard after this long (5 s to 10 min).
    pub clipboard_clear_secs: u64,
    pub notifications: bool,
    /// Lock when the screen locks or the machine goes to sleep.
    pub lock_on_screen_lock: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            lock_after_secs: 600,
            clipboard_clear_secs: 30,
            notifications: true,
            lock_on_screen_lock: true,
        }
    }
}

impl Prefs {
    pub fn path(home: &crate::home::Home) -> PathBuf {
        home.root().join(FILE)
    }

    /// The saved preferences; the defaults when there are none or the file is damaged (it
    /// holds nothing worth refusing to start over).
    pub fn load(path: &Path) -> Prefs {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Prefs>(&bytes).ok())
            .filter(|p| p.check().is_ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        self.check()?;
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Invalid(format!("cannot write the preferences: {e}")))?;
        crate::fsutil::write_atomically(path, &text, None)
    }

    pub fn check(&self) -> Result<()> {
        if !(60..=86_400).contains(&self.lock_after_secs) {
            return Err(Error::Invalid(
                "lock after between 1 minute and 24 hours".into(),
            ));
        }
        if !(5..=600).contains(&self.clipboard_clear_secs) {
            return Err(Error::Invalid(
                "clear the clipboard after between 5 seconds and 10 minutes".into(),
            ));
        }
        Ok(())
    }

    pub fn lock_after(&self) -> Duration {
        Duration::from_secs(self.lock_after_secs)
    }

    pub fn clipboard_clear(&self) -> Duration {
        Duration::from_secs(self.clipboard_clear_secs)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn saved_prefs_load_back_and_bad_files_mean_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        assert_eq!(Prefs::load(&path), Prefs::default());
        let prefs = Prefs {
            lock_after_secs: 120,
            clipboard_clear_secs: 10,
            notifications: false,
            lock_on_screen_lock: false,
        };
        prefs.save(&path).unwrap();
        assert_eq!(Prefs::load(&path), prefs);
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(Prefs::load(&path), Prefs::default());
        std::fs::write(&path, r#"{"lock_after_secs": 1}"#).unwrap();
        assert_eq!(
            Prefs::load(&path),
            Prefs::default(),
            "an out-of-range file was used"
        );
        std::fs::write(&path, r#"{"notifications": false}"#).unwrap();
        assert!(
            !Prefs::load(&path).notifications,
            "a partial file is merged with the defaults"
        );
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let bad = Prefs {
            lock_after_secs: 5,
            ..Prefs::default()
        };
        assert!(bad.save(&path).is_err());
        let bad = Prefs {
            clipboard_clear_secs: 3600,
            ..Prefs::default()
        };
        assert!(bad.save(&path).is_err());
        assert!(!path.exists());
    }
}
