//! Files that hold rendered secrets (`keyward inject -o OUT`): written atomically with mode
//! 0600, and never over a file keyward did not write unless forced. keyward remembers what it
//! wrote (path, inode, size, modification time) in `inject-outputs.json` under its home; a file
//! that still matches is its own output, anything else is the user's.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const REGISTRY: &str = "inject-outputs.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Registry {
    outputs: Vec<Written>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Written {
    path: PathBuf,
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl Written {
    fn of(path: &Path, meta: &std::fs::Metadata) -> Written {
        Written {
            path: path.to_path_buf(),
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }
}

/// Writes `bytes` to `path` (0600, atomically) unless `path` exists and is not keyward's own
/// output, in which case `force` is needed.
pub fn write_output(home: &Path, path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    let registry_path = home.join(REGISTRY);
    let mut registry: Registry = std::fs::read(&registry_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = dir.canonicalize().map_err(|e| {
        Error::io(
            format!("could not find the folder of {}", path.display()),
            e,
        )
    })?;
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{} is not a file name", path.display())))?;
    let target = dir.join(file_name);
    if let Ok(meta) = std::fs::symlink_metadata(&target) {
        let ours = registry.outputs.contains(&Written::of(&target, &meta));
        if !ours && !force {
            return Err(Error::Invalid(format!(
                "{} exists and was not written by keyward inject; pass --force to replace it",
                path.display()
            )));
        }
    }
    crate::fsutil::write_atomically(&target, bytes, None)?;
    let meta = std::fs::metadata(&target)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    registry.outputs.retain(|w| w.path != target);
    registry.outputs.push(Written::of(&target, &meta));
    let json = serde_json::to_vec_pretty(&registry)
        .map_err(|e| Error::Invalid(format!("could not encode {REGISTRY}: {e}")))?;
    std::fs::write(&registry_path, json)
        .map_err(|e| Error::io(format!("could not write {}", registry_path.display()), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn own_output_is_replaced_and_anything_else_needs_force() {
        let home = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let out = work.path().join("config.yml");
        write_output(home.path(), &out, b"one", false).unwrap();
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
        write_output(home.path(), &out, b"two", false).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
        std::fs::write(&out, b"edited by hand, longer").unwrap();
        let err = write_output(home.path(), &out, b"three", false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), b"edited by hand, longer");
        write_output(home.path(), &out, b"three", true).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"three");
        let users = work.path().join("notes.txt");
        std::fs::write(&users, b"mine").unwrap();
        assert!(write_output(home.path(), &users, b"x", false).is_err());
    }
}
