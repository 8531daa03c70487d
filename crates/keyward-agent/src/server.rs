//! The socket side of the agent: accepts same-user connections, one thread each, serving
//! request after request, or a stream of events for a subscriber. Keeps a clone of every live
//! connection so shutting down can close them all.

use std::collections::HashMap;
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use keyward_core::Error;

use crate::protocol::{Envelope, PROTOCOL_VERSION, Request, Response, read_frame, write_frame};
use crate::service::Service;
use crate::socket::Peer;

/// The live connections, so `shutdown` can end them.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    next: AtomicU64,
    open: Mutex<HashMap<u64, UnixStream>>,
    /// Set by `close_all`: a connection accepted just before is turned away.
    closed: AtomicBool,
}

impl Connections {
    fn open(&self) -> MutexGuard<'_, HashMap<u64, UnixStream>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self, stream: &UnixStream) -> Option<u64> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let clone = stream.try_clone().ok()?;
        let mut open = self.open();
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        open.insert(id, clone);
        Some(id)
    }

    fn remove(&self, id: u64) {
        self.open().remove(&id);
    }

    /// Ends every open connection: a read waiting for the next request returns at once, and
    /// the connection closes when its thread ends. Writing is left open, so a subscriber still
    /// gets the events published before the shutdown (the last `locked`).
    pub fn close_all(&self) {
        let mut open = self.open();
        self.closed.store(true, Ordering::SeqCst);
        for (_, stream) in open.drain() {
            let _ = stream.shutdown(Shutdown::Read);
        }
    }
}

/// Accepts until `stopping` is set (the handle then connects once to wake the loop).
pub(crate) fn accept_loop(
    listener: &UnixListener,
    service: &Arc<Service>,
    connections: &Arc<Connections>,
    stopping: &AtomicBool,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        match stream {
            Ok(stream) => {
                let service = Arc::clone(service);
                let connections = Arc::clone(connections);
                let spawned = std::thread::Builder::new()
                    .name("keyward-agent-conn".into())
                    .spawn(move || {
                        let Some(id) = connections.add(&stream) else {
                            return;
                        };
                        serve_connection(&service, stream);
                        connections.remove(id);
                    });
                if let Err(err) = spawned {
                    tracing::error!("could not start a connection thread: {err}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                // Out of file descriptors or memory: wait rather than spin, and keep serving.
                tracing::error!("the agent's socket failed to accept: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn serve_connection(service: &Service, mut stream: UnixStream) {
    let mut peer = match Peer::of(&stream) {
        Ok(peer) if peer.is_same_user() => peer,
        _ => {
            // Take the request off the wire first (briefly), so the refusal is read as the
            // reply rather than lost to a connection closed under the client's feet.
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = read_frame::<Envelope<Request>>(&mut stream);
            let _ = write_frame(&mut stream, &Response::error(&Error::ForeignPeer));
            return;
        }
    };
    loop {
        let envelope = match read_frame::<Envelope<Request>>(&mut stream) {
            Ok(Some(envelope)) => envelope,
            Ok(None) => return,
            Err(err) => {
                let _ = write_frame(&mut stream, &Response::error(&err));
                return;
            }
        };
        if envelope.v != PROTOCOL_VERSION {
            let err = Error::AgentVersion {
                agent: PROTOCOL_VERSION,
                client: envelope.v,
            };
            let _ = write_frame(&mut stream, &Response::error(&err));
            return;
        }
        peer.stated_cwd = envelope.cwd.clone();
        if matches!(envelope.body, Request::Subscribe) {
            stream_events(service, &mut stream);
            return;
        }
        let (response, after) = service.respond(envelope.body, &peer);
        if write_frame(&mut stream, &response).is_err() {
            return;
        }
        if let Some(after) = after {
            after(service);
        }
    }
}

/// Forwards every event to the subscriber until it hangs up or the agent stops.
fn stream_events(service: &Service, stream: &mut UnixStream) {
    let events = service.subscribe();
    if write_frame(stream, &Response::Subscribed).is_err() {
        return;
    }
    for event in events {
        if write_frame(stream, &Response::Event { event }).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use keyward_core::crypto::kdf::KdfParams;
    use keyward_core::home::Home;
    use keyward_core::{NewEntry, SecretBytes, SecretStore, Vault};

    use crate::protocol::{Envelope, PROTOCOL_VERSION, Request, Response, read_frame, write_frame};
    use crate::{Agent, AgentOptions};

    /// An agent on a fresh test vault, and the vault's password.
    fn running_agent() -> (tempfile::TempDir, SecretBytes, crate::AgentHandle) {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("home"));
        home.ensure_exists().unwrap();
        let pw = SecretBytes::copy_from(b"pw");
        Vault::create(&home.vault_path(), &pw, KdfParams::INSECURE_FAST, true).unwrap();
        let agent = Agent::start(&home, AgentOptions::default()).unwrap();
        (dir, pw, agent)
    }

    #[test]
    fn the_agent_records_the_peers_folder_from_the_kernel_not_the_one_it_states() {
        let (_dir, pw, agent) = running_agent();
        agent.unlock(&pw).unwrap();
        agent
            .store()
            .add(
                "a",
                &SecretBytes::copy_from(b"value-of-a"),
                NewEntry::default(),
            )
            .unwrap();

        // A raw client (this test process is dumpable, so the kernel shows its folder).
        let mut stream = std::os::unix::net::UnixStream::connect(agent.socket_path()).unwrap();
        let request = Envelope {
            v: PROTOCOL_VERSION,
            cwd: Some("/another/made/up/folder".into()),
            body: Request::Resolve {
                names: vec!["a".into()],
                command: "raw".into(),
                cwd: "/a/folder/the/client/made/up".into(),
                detail: None,
            },
        };
        write_frame(&mut stream, &request).unwrap();
        let reply: Option<Response> = read_frame(&mut stream).unwrap();
        assert!(matches!(reply, Some(Response::Values { .. })));

        let deadline = Instant::now() + Duration::from_secs(10);
        let recorded = loop {
            let log = agent.store().audit_log().unwrap();
            if let Some(event) = log.into_iter().find(|e| e.command == "raw") {
                break event;
            }
            assert!(Instant::now() < deadline, "the access was never recorded");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(recorded.pid, std::process::id());
        assert_eq!(
            recorded.cwd,
            std::env::current_dir().unwrap().display().to_string()
        );
    }

    #[test]
    fn a_client_of_another_protocol_is_told_to_restart_the_agent() {
        let (_dir, _pw, agent) = running_agent();
        let mut stream = std::os::unix::net::UnixStream::connect(agent.socket_path()).unwrap();
        write_frame(
            &mut stream,
            &Envelope {
                v: PROTOCOL_VERSION + 1,
                body: Request::Status,
                cwd: None,
            },
        )
        .unwrap();
        let Some(Response::Error(payload)) = read_frame(&mut stream).unwrap() else {
            panic!("expected an error");
        };
        assert_eq!(payload.code, "agent_version");
        assert!(matches!(
            keyward_core::Error::from(payload),
            keyward_core::Error::AgentVersion { .. }
        ));
    }
}
