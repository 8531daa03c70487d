//! The agent's socket: in a 0700 folder owned by the user, mode 0600, and every peer checked
//! with `SO_PEERCRED` to be the same user.

use std::fs::DirBuilder;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

use crate::error::{Error, Result};

/// Creates the socket's folder 0700, or checks an existing one is ours and private.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    }
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| Error::io(format!("could not read {}", dir.display()), e))?;
    if !meta.is_dir() {
        return Err(Error::Invalid(format!("{} is not a folder", dir.display())));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(Error::Invalid(format!(
            "{} belongs to another user; refusing to put the agent's socket there",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("could not make {} private", dir.display()), e))?;
    }
    Ok(())
}

/// Binds the socket at `path`, replacing a stale one but never a live agent's.
pub fn bind(path: &Path) -> Result<UnixListener> {
    if path.exists() {
        if UnixStream::connect(path).is_ok() {
            return Err(Error::Invalid(format!(
                "an agent is already running on {}",
                path.display()
            )));
        }
        std::fs::remove_file(path).map_err(|e| {
            Error::io(
                format!("could not remove the stale socket {}", path.display()),
                e,
            )
        })?;
    }
    let listener = UnixListener::bind(path)
        .map_err(|e| Error::io(format!("could not listen on {}", path.display()), e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("could not make {} private", path.display()), e))?;
    Ok(listener)
}

/// The uid of the process at the other end of `stream`.
pub fn peer_uid(stream: &UnixStream) -> Result<u32> {
    rustix::net::sockopt::socket_peercred(stream)
        .map(|cred| cred.uid.as_raw())
        .map_err(|e| Error::io("could not read the peer's credentials", e.into()))
}

pub fn same_user(stream: &UnixStream) -> Result<bool> {
    Ok(peer_uid(stream)? == rustix::process::geteuid().as_raw())
}
