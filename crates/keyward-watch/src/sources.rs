//! The watch roots outside project folders: the history files in a home folder, and the
//! editors' backup folders that exist there (from `keyward_scan::sources`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use keyward_scan::sources::{EDITOR_BACKUP_DIRS, HISTORY_FILES};

use crate::watcher::Root;

/// One root per folder holding history files, each watching just those names. The folder must
/// exist; the files need not (a history file written later is seen when it appears).
pub fn history_roots(home: &Path) -> Vec<Root> {
    let mut by_folder: BTreeMap<PathBuf, Vec<OsString>> = BTreeMap::new();
    for file in HISTORY_FILES {
        let path = home.join(file);
        if let (Some(folder), Some(name)) = (path.parent(), path.file_name()) {
            by_folder
                .entry(folder.to_path_buf())
                .or_default()
                .push(name.to_os_string());
        }
    }
    by_folder
        .into_iter()
        .filter(|(folder, _)| folder.is_dir())
        .map(|(path, names)| Root {
            path,
            only: Some(names),
        })
        .collect()
}

/// The editors' backup folders that exist under `home`, each watched whole.
pub fn editor_backup_roots(home: &Path) -> Vec<Root> {
    EDITOR_BACKUP_DIRS
        .iter()
        .map(|dir| home.join(dir))
        .filter(|path| path.is_dir())
        .map(Root::tree)
        .collect()
}
