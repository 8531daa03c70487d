//! Running the child of `keyward run`: its environment gets the secrets, its output goes
//! through the mask, and its exit status and signals pass through.
//!
//! When our stdout (or stderr) is a terminal the child writes to a pseudo-terminal of its own,
//! so it still sees a terminal and keeps colours and line buffering; the PTY's output
//! processing is off, so bytes arrive exactly as written and our real terminal renders them.
//! Otherwise output is piped and stays byte-exact apart from the masks. Stdin is inherited.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::Arc;

use rustix::termios::{OptionalActions, OutputModes};

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

use super::mask::Masker;

/// What to run and with which variables.
#[derive(Debug)]
pub struct ChildSpec {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub vars: Vec<(String, SecretBytes)>,
}

/// How the child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    Signaled(i32),
}

impl ChildSpec {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        for (name, value) in &self.vars {
            cmd.env(name, std::ffi::OsStr::from_bytes(value.expose()));
        }
        cmd
    }

    fn start_error(&self, err: std::io::Error) -> Error {
        Error::io(
            format!("could not run '{}'", self.program.to_string_lossy()),
            err,
        )
    }

    /// Replaces this process with the child (no masking): the fastest path, and signals and
    /// exit status are the child's own. Returns only on failure.
    pub fn exec(&self) -> Error {
        let err = self.command().exec();
        self.start_error(err)
    }

    /// Runs the child with its stdout and stderr masked, and waits for it.
    pub fn run_masked(&self, masker: Masker) -> Result<Outcome> {
        let masker = Arc::new(masker);
        let mut cmd = self.command();
        let out = OutputSink::for_stream(Stream::Stdout)?;
        let err = OutputSink::for_stream(Stream::Stderr)?;
        cmd.stdout(out.child_end()?);
        cmd.stderr(err.child_end()?);
        let mut child = cmd.spawn().map_err(|e| self.start_error(e))?;
        // The parent's copies of the child's ends must close, or reads never see the end.
        drop(cmd);
        let pid = child.id();
        let ptys: Vec<OwnedFd> = [&out, &err].iter().filter_map(|s| s.pty_master()).collect();
        let relays = [
            out.relay(Arc::clone(&masker)),
            err.relay(Arc::clone(&masker)),
        ];
        let signals = forward_signals(pid, ptys)?;
        let status = child
            .wait()
            .map_err(|e| Error::io("could not wait for the command", e))?;
        signals.close();
        for relay in relays {
            let _ = relay.join();
        }
        Ok(match (status.code(), status.signal()) {
            (Some(code), _) => Outcome::Exited(code),
            (None, Some(signal)) => Outcome::Signaled(signal),
            (None, None) => Outcome::Exited(1),
        })
    }
}

#[derive(Clone, Copy, Debug)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn ours(self) -> std::io::Result<OwnedFd> {
        match self {
            Stream::Stdout => std::io::stdout().as_fd().try_clone_to_owned(),
            Stream::Stderr => std::io::stderr().as_fd().try_clone_to_owned(),
        }
    }
}

/// Where one of the child's output streams goes: a PTY when ours is a terminal, else a pipe.
struct OutputSink {
    stream: Stream,
    /// Our end: the PTY master or the pipe's read end.
    reader: File,
    child_end: Option<OwnedFd>,
    is_pty: bool,
}

impl OutputSink {
    fn for_stream(stream: Stream) -> Result<OutputSink> {
        let ours = stream
            .ours()
            .map_err(|e| Error::io("could not use our output", e))?;
        if rustix::termios::isatty(&ours) {
            let (master, slave) = open_pty(&ours)?;
            return Ok(OutputSink {
                stream,
                reader: File::from(master),
                child_end: Some(slave),
                is_pty: true,
            });
        }
        let (read, write) = std::io::pipe().map_err(|e| Error::io("could not create a pipe", e))?;
        Ok(OutputSink {
            stream,
            reader: File::from(OwnedFd::from(read)),
            child_end: Some(OwnedFd::from(write)),
            is_pty: false,
        })
    }

    fn child_end(&self) -> Result<Stdio> {
        let fd = self
            .child_end
            .as_ref()
            .ok_or_else(|| Error::Invalid("an output stream was used twice".into()))?
            .try_clone()
            .map_err(|e| Error::io("could not pass output to the command", e))?;
        Ok(Stdio::from(fd))
    }

    fn pty_master(&self) -> Option<OwnedFd> {
        if self.is_pty {
            self.reader.as_fd().try_clone_to_owned().ok()
        } else {
            None
        }
    }

    /// Copies the child's output to ours through the mask until the child's end closes.
    fn relay(self, masker: Arc<Masker>) -> std::thread::JoinHandle<()> {
        let OutputSink {
            stream,
            mut reader,
            child_end,
            ..
        } = self;
        drop(child_end);
        std::thread::spawn(move || {
            let Ok(ours) = stream.ours() else { return };
            let mut writer = File::from(ours);
            let mut mask = masker.stream();
            let mut buf = vec![0u8; 64 * 1024];
            let mut shown = Vec::with_capacity(buf.len() + 64);
            loop {
                // A PTY master reports EIO once the last slave closes: that is the end.
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                shown.clear();
                mask.push(buf.get(..n).unwrap_or_default(), &mut shown);
                if writer.write_all(&shown).is_err() {
                    break;
                }
            }
            shown.clear();
            mask.finish(&mut shown);
            let _ = writer.write_all(&shown);
            zeroize::Zeroize::zeroize(&mut buf);
        })
    }
}

/// A PTY pair sized like `like`, with output processing off so bytes pass unchanged.
fn open_pty(like: &OwnedFd) -> Result<(OwnedFd, OwnedFd)> {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let pty_error = |e: rustix::io::Errno| Error::io("could not open a pseudo-terminal", e.into());
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .map_err(pty_error)?;
    grantpt(&master).map_err(pty_error)?;
    unlockpt(&master).map_err(pty_error)?;
    let name = ptsname(&master, Vec::new()).map_err(pty_error)?;
    let slave = rustix::fs::open(
        name.as_c_str(),
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(pty_error)?;
    let mut termios = rustix::termios::tcgetattr(&slave).map_err(pty_error)?;
    termios.output_modes.remove(OutputModes::OPOST);
    rustix::termios::tcsetattr(&slave, OptionalActions::Now, &termios).map_err(pty_error)?;
    if let Ok(size) = rustix::termios::tcgetwinsize(like) {
        let _ = rustix::termios::tcsetwinsize(&master, size);
    }
    Ok((master, slave))
}

/// Forwards signals sent to keyward by another process (`kill`, a supervisor) to the child,
/// and window-size changes to its PTYs. Signals from the terminal (Ctrl-C) already reach the
/// child, which shares our process group, so they are not sent twice.
fn forward_signals(pid: u32, ptys: Vec<OwnedFd>) -> Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};
    use signal_hook::iterator::SignalsInfo;
    use signal_hook::iterator::exfiltrator::WithOrigin;

    let mut signals = SignalsInfo::<WithOrigin>::new([
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
    ])
    .map_err(|e| Error::io("could not set up signal forwarding", e))?;
    let handle = signals.handle();
    let child = rustix::process::Pid::from_raw(pid as i32);
    std::thread::spawn(move || {
        for origin in signals.forever() {
            if origin.signal == SIGWINCH {
                if let Ok(size) = rustix::termios::tcgetwinsize(std::io::stdout()) {
                    for pty in &ptys {
                        let _ = rustix::termios::tcsetwinsize(pty, size);
                    }
                }
                continue;
            }
            if origin.process.is_none() {
                continue;
            }
            if let (Some(child), Some(signal)) = (
                child,
                rustix::process::Signal::from_named_raw(origin.signal),
            ) {
                let _ = rustix::process::kill_process(child, signal);
            }
        }
    });
    Ok(handle)
}
