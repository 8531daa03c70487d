//! Consistent copies of the vault and restoring one. A backup is taken through SQLite's backup
//! API in one step inside a read transaction, so a writer at the same moment never leaves it
//! half old, half new; it is written under a temporary name and renamed into place, so a crash
//! leaves no partial backup under a backup's name. A backup holds only what the vault holds:
//! everything sealed.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result, write_error};
use crate::secret::SecretBytes;
use crate::time::Stamp;

use super::{TempVault, VaultFile, schema, sync_file};

/// How many backups `backup` keeps in its folder by default.
pub const DEFAULT_KEEP: usize = 10;

const PREFIX: &str = "vault-";
const SUFFIX: &str = ".db";

/// The folder backups go to by default: `backups` beside the vault.
pub fn default_dir(vault_path: &Path) -> PathBuf {
    vault_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("backups")
}

/// Copies the vault at `vault_path` into `dir` (made 0700), keeping the newest `keep` backups
/// there. Returns the new backup's path.
pub fn backup(vault_path: &Path, dir: &Path, keep: usize) -> Result<PathBuf> {
    let (source, _) = schema::open(vault_path)?;
    private_dir(dir)?;
    let stamp = Stamp::now().to_string().replace([':', '-'], "");
    // Names sort by time: a counter tells apart backups made within one second.
    let mut n = 1;
    let mut target = dir.join(format!("{PREFIX}{stamp}-{n:03}{SUFFIX}"));
    while target.exists() {
        n += 1;
        target = dir.join(format!("{PREFIX}{stamp}-{n:03}{SUFFIX}"));
    }
    let suffix: [u8; 6] = crate::crypto::random_array()?;
    let temp = TempVault(dir.join(format!(
        ".vault-backup-{}-{}.tmp",
        std::process::id(),
        suffix.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )));
    copy_into(&source, &temp.0)?;
    std::fs::rename(&temp.0, &target)
        .map_err(|e| Error::io(format!("could not write {}", target.display()), e))?;
    drop(temp);
    sync_file(dir)?;
    prune(dir, keep.max(1))?;
    Ok(target)
}

/// Copies `source` whole into a new file at `path`: one file (no WAL), mode 0600, synced.
fn copy_into(source: &Connection, path: &Path) -> Result<()> {
    {
        let mut target = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(write_error)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("could not make {} private", path.display()), e))?;
        {
            let copy = Backup::new(source, &mut target).map_err(write_error)?;
            // Every page in one step: the copy is of one moment. A writer holding the lock
            // only delays it.
            let mut tries = 0;
            loop {
                match copy.step(-1).map_err(write_error)? {
                    StepResult::Done => break,
                    StepResult::Busy | StepResult::Locked if tries < 500 => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    _ => {
                        return Err(Error::Database(
                            "the vault stayed busy; the backup was not taken".into(),
                        ));
                    }
                }
            }
        }
        let mode: String = target
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(write_error)?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(Error::Database(format!(
                "could not make the backup one file (journal mode {mode})"
            )));
        }
        let check: String = target
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(write_error)?;
        if check != "ok" {
            return Err(Error::corrupt(format!(
                "the backup does not check: {check}"
            )));
        }
        target.close().map_err(|(_, e)| write_error(e))?;
    }
    sync_file(path)
}

/// When the newest backup in `dir` was made, if there is one.
pub fn newest(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
        .max()
}

/// Takes a backup into the default folder when the newest there is older than `every`.
/// Returns the new backup, if one was taken.
pub fn backup_if_older_than(vault_path: &Path, every: Duration) -> Result<Option<PathBuf>> {
    let dir = default_dir(vault_path);
    let fresh = newest(&dir)
        .and_then(|at| at.elapsed().ok())
        .is_some_and(|age| age < every);
    if fresh {
        return Ok(None);
    }
    backup(vault_path, &dir, DEFAULT_KEEP).map(Some)
}

/// Removes all but the newest `keep` backups in `dir`.
fn prune(dir: &Path, keep: usize) -> Result<()> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("could not read {}", dir.display()), e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in backups.iter().take(excess) {
        std::fs::remove_file(old)
            .map_err(|e| Error::io(format!("could not remove {}", old.display()), e))?;
    }
    Ok(())
}

fn private_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .create(dir)
        .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(format!("could not make {} private", dir.display()), e))
}

/// Opens a backup without changing it (not even its journal mode), checking it is a vault.
fn open_read_only(path: &Path) -> Result<Connection> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("could not read the backup {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(Error::Invalid(format!("{} is not a file", path.display())));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|_| Error::corrupt(format!("{} is not a keyward vault", path.display())))?;
    if app_id != schema::APPLICATION_ID {
        return Err(Error::corrupt(format!(
            "{} is not a keyward vault",
            path.display()
        )));
    }
    Ok(conn)
}

/// Replaces the vault at `vault_path` with the backup `from`, after checking the backup is an
/// intact vault that `password` opens. The replaced vault is kept beside it (its path is
/// returned, if there was one). Nothing changes unless every check passes; a crash at any
/// moment leaves either the old vault or the restored one in place, whole.
pub fn restore(vault_path: &Path, from: &Path, password: &SecretBytes) -> Result<Option<PathBuf>> {
    let home = vault_path.parent().unwrap_or(Path::new("."));
    let suffix: [u8; 6] = crate::crypto::random_array()?;
    let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    // Work on a copy in the home: opening the backup itself could change it (a migration).
    let incoming = TempVault(home.join(format!(".vault-restore-{}-{hex}.db", std::process::id())));
    copy_into(&open_read_only(from)?, &incoming.0)?;
    drop(VaultFile::open(&incoming.0)?.unlock(password)?);
    // The copy is one file again once its last connection closed.
    let aside = if vault_path.exists() {
        let stamp = Stamp::now().to_string().replace([':', '-'], "");
        let aside = home.join(format!("vault-replaced-{stamp}-{hex}.db"));
        let (current, _) = schema::open(vault_path)?;
        copy_into(&current, &aside)?;
        // Everything the old vault's log holds goes into its file, so no stale WAL can be
        // applied to the restored one.
        current
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(write_error)?;
        current.close().map_err(|(_, e)| write_error(e))?;
        Some(aside)
    } else {
        None
    };
    for side in ["-wal", "-shm"] {
        let mut name = vault_path.as_os_str().to_owned();
        name.push(side);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("could not clear the old vault's log", e)),
        }
    }
    std::fs::rename(&incoming.0, vault_path)
        .map_err(|e| Error::io(format!("could not replace {}", vault_path.display()), e))?;
    drop(incoming);
    sync_file(home)?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::vault::{NewEntry, Vault};

    fn vault_with(dir: &Path, pw: &[u8], value: &[u8]) -> PathBuf {
        let path = dir.join("vault.db");
        let mut vault = Vault::create(
            &path,
            &SecretBytes::copy_from(pw),
            KdfParams::INSECURE_FAST,
            true,
        )
        .unwrap();
        vault
            .add("a", &SecretBytes::copy_from(value), NewEntry::default())
            .unwrap();
        path
    }

    #[test]
    fn a_backup_opens_alone_and_old_ones_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let path = vault_with(dir.path(), b"pw", b"first-value");
        let backups = dir.path().join("backups");
        let mut made = Vec::new();
        for _ in 0..4 {
            made.push(backup(&path, &backups, 3).unwrap());
        }
        let left: Vec<_> = std::fs::read_dir(&backups).unwrap().flatten().collect();
        assert_eq!(left.len(), 3, "{left:?}");
        assert!(!made[0].exists() && made[3].exists());
        let mode = std::fs::metadata(&made[3]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let vault = VaultFile::open(&made[3])
            .unwrap()
            .unlock(&SecretBytes::copy_from(b"pw"))
            .unwrap();
        assert_eq!(vault.get("a").unwrap().expose(), b"first-value");
    }

    #[test]
    fn a_daily_backup_is_taken_only_when_the_last_is_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = vault_with(dir.path(), b"pw", b"value-1234");
        let day = Duration::from_secs(86_400);
        assert!(backup_if_older_than(&path, day).unwrap().is_some());
        assert!(backup_if_older_than(&path, day).unwrap().is_none());
        assert!(
            backup_if_older_than(&path, Duration::ZERO)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn restore_checks_the_password_first_and_keeps_the_replaced_vault() {
        let dir = tempfile::tempdir().unwrap();
        let path = vault_with(dir.path(), b"pw", b"old-value");
        let saved = backup(&path, &dir.path().join("b"), 3).unwrap();
        let mut vault = VaultFile::open(&path)
            .unwrap()
            .unlock(&SecretBytes::copy_from(b"pw"))
            .unwrap();
        vault
            .rotate("a", &SecretBytes::copy_from(b"new-value"))
            .unwrap();
        drop(vault);

        let wrong = restore(&path, &saved, &SecretBytes::copy_from(b"nope")).unwrap_err();
        assert_eq!(wrong.exit_code(), 3);
        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, b"not a vault at all, not even sqlite").unwrap();
        assert_eq!(
            restore(&path, &garbage, &SecretBytes::copy_from(b"pw"))
                .unwrap_err()
                .exit_code(),
            4
        );
        let open = |p: &Path| {
            VaultFile::open(p)
                .unwrap()
                .unlock(&SecretBytes::copy_from(b"pw"))
                .unwrap()
                .get("a")
                .unwrap()
        };
        assert_eq!(open(&path).expose(), b"new-value", "nothing changed");

        let aside = restore(&path, &saved, &SecretBytes::copy_from(b"pw"))
            .unwrap()
            .unwrap();
        assert_eq!(open(&path).expose(), b"old-value");
        assert_eq!(open(&aside).expose(), b"new-value");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("restore"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
