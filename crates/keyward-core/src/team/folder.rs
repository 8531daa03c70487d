//! A team in a folder, for git: `members.txt` (recipients, as `age -R` reads them) and one
//! armored age file per secret under `secrets/`, named after the secret, so a diff or a merge
//! shows which secret changed and never its value. A lock file makes each compare-and-swap
//! atomic among the processes of one machine; between clones, git's merges do the rest.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::names::validate_name;
use crate::team::backend::{Backend, Changed, Revision, Written};

const MEMBERS: &str = "members.txt";
const SECRETS: &str = "secrets";
const EXTENSION: &str = "age";
const LOCK: &str = ".keyward-team.lock";

#[derive(Debug)]
pub struct Folder {
    root: PathBuf,
}

impl Folder {
    pub fn new(root: &Path) -> Folder {
        Folder {
            root: root.to_path_buf(),
        }
    }

    fn item_path(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        Ok(self.root.join(SECRETS).join(format!("{name}.{EXTENSION}")))
    }

    /// Holds the folder's lock for the length of `work`.
    fn locked<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        std::fs::create_dir_all(&self.root)
            .map_err(|e| Error::io(format!("could not create {}", self.root.display()), e))?;
        let path = self.root.join(LOCK);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("could not open {}", path.display()), e))?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| Error::io(format!("could not lock {}", path.display()), e.into()))?;
        let result = work();
        let _ = rustix::fs::flock(&file, rustix::fs::FlockOperation::Unlock);
        result
    }
}

fn revision(bytes: &[u8]) -> Revision {
    let digest = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    u64::from_le_bytes(first)
}

fn read_file(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("could not read {}", path.display()), e)),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    }
    // Sealed items and public keys: readable by the team's checkout like any tracked file.
    use std::os::unix::fs::PermissionsExt;
    crate::fsutil::write_atomically(path, bytes, Some(std::fs::Permissions::from_mode(0o644)))
}

/// Swaps the file at `path` for `bytes` if it still holds what had `expected` (or is absent).
fn swap(path: &Path, bytes: Option<&[u8]>, expected: Option<Revision>) -> Result<Written> {
    let now = read_file(path)?.map(|b| revision(&b));
    if now != expected {
        return Ok(Written::Conflict);
    }
    match bytes {
        Some(bytes) => write_file(path, bytes)?,
        None => std::fs::remove_file(path)
            .map_err(|e| Error::io(format!("could not remove {}", path.display()), e))?,
    }
    Ok(Written::Done)
}

impl Backend for Folder {
    fn members(&self) -> Result<Option<(String, Revision)>> {
        let path = self.root.join(MEMBERS);
        read_file(&path)?
            .map(|bytes| {
                let rev = revision(&bytes);
                String::from_utf8(bytes)
                    .map(|text| (text, rev))
                    .map_err(|_| Error::Invalid(format!("{} is not text", path.display())))
            })
            .transpose()
    }

    fn put_members(&self, text: &str, expected: Option<Revision>) -> Result<Written> {
        let path = self.root.join(MEMBERS);
        self.locked(|| swap(&path, Some(text.as_bytes()), expected))
    }

    fn names(&self) -> Result<Vec<String>> {
        let dir = self.root.join(SECRETS);
        let mut names = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(at) = stack.pop() {
            let entries = match std::fs::read_dir(&at) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(format!("could not read {}", at.display()), e)),
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file()
                    && path.extension().is_some_and(|x| x == EXTENSION)
                    && let Ok(rel) = path.with_extension("").strip_prefix(&dir)
                {
                    let name = rel.to_string_lossy().into_owned();
                    if validate_name(&name).is_ok() {
                        names.push(name);
                    }
                }
            }
        }
        names.sort();
        Ok(names)
    }

    fn read(&self, name: &str) -> Result<Option<(Vec<u8>, Revision)>> {
        Ok(read_file(&self.item_path(name)?)?.map(|b| {
            let rev = revision(&b);
            (b, rev)
        }))
    }

    fn write(&self, name: &str, sealed: &[u8], expected: Option<Revision>) -> Result<Written> {
        let path = self.item_path(name)?;
        self.locked(|| swap(&path, Some(sealed), expected))
    }

    fn remove(&self, name: &str, expected: Revision) -> Result<Written> {
        let path = self.item_path(name)?;
        self.locked(|| swap(&path, None, Some(expected)))
    }

    /// Polls every 200 ms: a folder changes through git pulls and other processes, and a poll
    /// of a few files is cheaper than explaining inotify's limits on network folders.
    fn watch(&self, seen: &mut dyn FnMut(Changed) -> bool) -> Result<()> {
        let snapshot = |f: &Folder| -> Result<Vec<(Option<String>, Option<Revision>)>> {
            let mut out = vec![(None, f.members()?.map(|(_, r)| r))];
            for name in f.names()? {
                let rev = f.read(&name)?.map(|(_, r)| r);
                out.push((Some(name), rev));
            }
            Ok(out)
        };
        let mut before = snapshot(self)?;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let after = snapshot(self)?;
            for (item, rev) in &after {
                if !before.iter().any(|(i, r)| i == item && r == rev) {
                    let go_on = seen(Changed {
                        item: item.clone(),
                        deleted: false,
                    });
                    if !go_on {
                        return Ok(());
                    }
                }
            }
            for (item, _) in &before {
                if !after.iter().any(|(i, _)| i == item) {
                    let go_on = seen(Changed {
                        item: item.clone(),
                        deleted: true,
                    });
                    if !go_on {
                        return Ok(());
                    }
                }
            }
            before = after;
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}
