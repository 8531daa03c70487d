//! The agent's socket: in a 0700 folder owned by the user, mode 0600, and every peer checked
//! with `SO_PEERCRED` to be the same user. One agent per home, held by a lock file beside the
//! socket, so a socket file left by a crashed agent is known to be stale and replaced.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use keyward_core::{Error, Result};

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

/// Takes the home's agent lock (`agent.lock` beside the socket), held until the file is
/// closed: a second agent on the same home, in this process or another, is refused.
pub fn take_lock(socket: &Path) -> Result<File> {
    let path = socket.with_file_name("agent.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::io(format!("could not open {}", path.display()), e))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(Error::AgentRunning(socket.to_path_buf())),
        Err(e) => Err(Error::io(
            format!("could not lock {}", path.display()),
            e.into(),
        )),
    }
}

/// Binds the socket at `path` (the caller holds the agent lock), replacing a stale one but
/// never a live agent's: one that answers is an agent of an older keyward without the lock.
pub fn bind(path: &Path) -> Result<UnixListener> {
    if path.exists() {
        if UnixStream::connect(path).is_ok() {
            return Err(Error::AgentRunning(path.to_path_buf()));
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

/// The process at the other end of a connection, as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub pid: u32,
    /// The peer's working folder, when the kernel lets us read it (not for non-dumpable
    /// processes such as keyward's own CLI, which then states its folder itself).
    pub cwd: Option<PathBuf>,
    /// The folder the peer says it works in (sent with each request).
    pub stated_cwd: Option<String>,
}

impl Peer {
    pub fn of(stream: &UnixStream) -> Result<Peer> {
        let cred = rustix::net::sockopt::socket_peercred(stream)
            .map_err(|e| Error::io("could not read the peer's credentials", e.into()))?;
        let pid = u32::try_from(cred.pid.as_raw_nonzero().get()).unwrap_or(0);
        Ok(Peer {
            uid: cred.uid.as_raw(),
            pid,
            cwd: std::fs::read_link(format!("/proc/{pid}/cwd")).ok(),
            stated_cwd: None,
        })
    }

    pub fn is_same_user(&self) -> bool {
        self.uid == rustix::process::geteuid().as_raw()
    }

    /// The process the agent acts for when it changes the vault.
    pub fn actor(&self) -> keyward_core::Actor {
        keyward_core::Actor {
            pid: self.pid,
            cwd: self.folder(self.stated_cwd.clone().unwrap_or_default()),
        }
    }

    /// The folder to record: the kernel's word when it gives one, else the peer's own.
    pub fn folder(&self, stated: String) -> String {
        self.cwd
            .as_ref()
            .map_or(stated, |cwd| cwd.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_home_is_refused_until_the_first_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let first = take_lock(&socket).unwrap();
        let err = take_lock(&socket).unwrap_err();
        assert!(matches!(err, Error::AgentRunning(_)), "{err}");
        drop(first);
        take_lock(&socket).unwrap();
    }

    #[test]
    fn a_stale_socket_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        drop(UnixListener::bind(&socket).unwrap());
        assert!(socket.exists());
        let _listener = bind(&socket).unwrap();
        UnixStream::connect(&socket).unwrap();
    }

    #[test]
    fn the_peer_is_this_process() {
        let (a, _b) = UnixStream::pair().unwrap();
        let peer = Peer::of(&a).unwrap();
        assert_eq!(peer.pid, std::process::id());
        assert!(peer.is_same_user());
    }
}
