//! Approvals: with an approver installed (the desktop app), a process that asks the agent for
//! values from a folder the user has not approved lately is shown to the user, who allows it
//! once, allows the folder for a while, or denies it. Without one, the agent answers as it
//! always has. Grants end when the agent locks.

use std::collections::HashMap;
use std::fmt::Debug;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

/// What a process asks for, as the user is shown it. Names only, never values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApprovalRequest {
    /// The keyward command asking (`run`, `env`, `get`, ...).
    pub command: String,
    /// The program `run` hands the values to, when it says.
    pub program: Option<String>,
    /// The project the request comes from: the folder of its `keyward.toml`, else its folder.
    pub folder: String,
    pub pid: u32,
    pub names: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    AllowOnce,
    /// Allow this folder without asking again for this long (or until the agent locks).
    AllowFolderFor(Duration),
    Deny,
}

/// Asks the user. Called on the asking connection's own thread, so it may block; it must
/// answer `Deny` itself if nobody answers in reasonable time.
pub trait Approver: Send + Sync + Debug {
    fn decide(&self, request: &ApprovalRequest) -> Decision;
}

/// Folders allowed for a while.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    until: HashMap<String, Instant>,
}

impl Grants {
    pub fn allows(&self, folder: &str, now: Instant) -> bool {
        self.until.get(folder).is_some_and(|until| *until > now)
    }

    pub fn allow(&mut self, folder: String, until: Instant) {
        let now = Instant::now();
        self.until.retain(|_, t| *t > now);
        self.until.insert(folder, until);
    }

    pub fn clear(&mut self) {
        self.until.clear();
    }
}

/// The project a folder belongs to: where its `keyward.toml` is, else the folder itself.
pub(crate) fn project_of(folder: &str) -> String {
    keyward_core::usage::project_folder(Path::new(folder)).unwrap_or_else(|| folder.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_covers_its_folder_until_it_ends() {
        let mut grants = Grants::default();
        let now = Instant::now();
        grants.allow("/p".into(), now + Duration::from_secs(60));
        assert!(grants.allows("/p", now));
        assert!(!grants.allows("/q", now));
        assert!(!grants.allows("/p", now + Duration::from_secs(61)));
        grants.clear();
        assert!(!grants.allows("/p", now));
    }

    #[test]
    fn the_project_is_the_folder_of_its_keyward_toml() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("src/deep");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().display().to_string();
        assert_eq!(
            project_of(&sub.display().to_string()),
            sub.display().to_string()
        );
        std::fs::write(dir.path().join("keyward.toml"), "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(project_of(&sub.display().to_string()), root);
    }
}
