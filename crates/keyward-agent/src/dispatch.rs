//! What the agent does for each request on its socket: the reply, and the work to do once it
//! is sent (writing the access log).

use keyward_core::{AuditEvent, Error, Result, SecretBytes, Vault};

use crate::approval::ApprovalRequest;
use crate::events::EntryChange;
use crate::events::LockReason;
use crate::protocol::{Request, Response, WireSecret};
use crate::service::{Deferred, Service, as_actor};
use crate::socket::Peer;

impl Service {
    /// The reply to `request` from `peer`, and work to do once it is sent.
    pub fn respond(&self, request: Request, peer: &Peer) -> (Response, Option<Deferred>) {
        match request {
            Request::Status => (Response::Status(self.status()), None),
            Request::Lock => {
                self.lock(LockReason::Request);
                (Response::Ok, None)
            }
            Request::Unlock { password } => (
                reply(
                    self.unlock(&password.0, Some(peer.actor()))
                        .map(|()| Response::Ok),
                ),
                None,
            ),
            Request::Resolve {
                names,
                command,
                cwd,
                detail,
            } => self.resolve(peer, names, command, cwd, detail, |v, names| {
                v.get_many(names)
            }),
            Request::ResolveHistory {
                name,
                command,
                cwd,
                detail,
            } => self.resolve(peer, vec![name], command, cwd, detail, |v, names| {
                names
                    .first()
                    .map_or_else(|| Ok(Vec::new()), |name| v.past_values(name))
            }),
            Request::Record {
                command,
                names,
                cwd,
                detail,
            } => {
                let mut event = peer_event(peer, command, names, cwd);
                event.detail = detail;
                (Response::Ok, Some(record_later(event)))
            }
            Request::Subscribe => (
                Response::error(&Error::Invalid(
                    "a subscription is served by the connection, not as a request".into(),
                )),
                None,
            ),
            other => (reply(self.serve_store(other, peer)), None),
        }
    }

    /// Values for a client's `command`, once the user (or a standing grant) approves: the reply,
    /// and the access to record once it is sent.
    fn resolve(
        &self,
        peer: &Peer,
        names: Vec<String>,
        command: String,
        cwd: String,
        detail: Option<String>,
        read: impl FnOnce(&Vault, &[String]) -> Result<Vec<SecretBytes>>,
    ) -> (Response, Option<Deferred>) {
        match self
            .approve(ApprovalRequest {
                command: command.clone(),
                program: detail.clone(),
                folder: peer.folder(cwd.clone()),
                pid: peer.pid,
                names: names.clone(),
            })
            .and_then(|()| self.with_vault(|v| read(v, &names)))
        {
            Ok(values) => {
                let mut event = peer_event(peer, command, names, cwd);
                event.detail = detail;
                (
                    Response::Values {
                        values: values.into_iter().map(WireSecret).collect(),
                    },
                    Some(record_later(event)),
                )
            }
            Err(err) => (Response::error(&err), None),
        }
    }

    /// Requests that map one to one onto the store.
    fn serve_store(&self, request: Request, peer: &Peer) -> Result<Response> {
        let actor = || Some(peer.actor());
        Ok(match request {
            Request::Entry { name } => Response::Entry {
                entry: self.with_vault(|v| v.entry(&name))?,
            },
            Request::List => Response::Entries {
                entries: self.with_vault(|v| v.list())?,
            },
            Request::Add { name, value, new } => Response::Entry {
                entry: self.change(&name, EntryChange::Added, actor(), |v| {
                    v.add(&name, &value.0, new)
                })?,
            },
            Request::Rotate { name, value } => Response::Entry {
                entry: self.change(&name, EntryChange::Rotated, actor(), |v| {
                    v.rotate(&name, &value.0)
                })?,
            },
            Request::History { name } => Response::History {
                versions: self.with_vault(|v| v.history(&name))?,
            },
            Request::Update { name, changes } => Response::Entry {
                entry: self.change(&name, EntryChange::Updated, actor(), |v| {
                    v.update(&name, changes)
                })?,
            },
            Request::Remove { name } => {
                self.change(&name, EntryChange::Removed, actor(), |v| v.remove(&name))?;
                Response::Ok
            }
            Request::AuditLog => Response::Events {
                events: self.with_vault(|v| v.audit_log())?,
            },
            Request::VerifyAudit => Response::AuditCheck {
                check: self.with_vault(|v| v.verify_audit())?,
            },
            Request::PruneAudit { before } => Response::Pruned {
                removed: self.with_vault(|v| as_actor(v, actor(), |v| v.prune_audit(before)))?,
            },
            Request::Findings { all } => Response::Findings {
                findings: self.findings(all)?,
            },
            Request::SetFindingState { id, state, reason } => Response::Finding {
                finding: self.set_finding_state(id, state, reason, actor())?,
            },
            Request::WatchConfig => Response::WatchConfig {
                config: self.watch_config()?,
            },
            Request::SetWatchConfig { config } => {
                self.set_watch_config(&config, actor())?;
                Response::Ok
            }
            Request::FingerprintKey => Response::Key {
                key: WireSecret(SecretBytes::copy_from(
                    self.with_vault(|v| Ok(Vault::fingerprint_key(v)))?.expose(),
                )),
            },
            Request::Status
            | Request::Lock
            | Request::Unlock { .. }
            | Request::Resolve { .. }
            | Request::ResolveHistory { .. }
            | Request::Record { .. }
            | Request::Subscribe => {
                return Err(Error::Invalid("a request reached the wrong handler".into()));
            }
        })
    }
}

fn reply(result: Result<Response>) -> Response {
    result.unwrap_or_else(|err| Response::error(&err))
}

/// The access as the kernel tells it: the peer's real pid, and its folder when readable.
fn peer_event(peer: &Peer, command: String, names: Vec<String>, cwd: String) -> AuditEvent {
    AuditEvent {
        time: keyward_core::time::Stamp::now(),
        command,
        names,
        cwd: peer.folder(cwd),
        pid: peer.pid,
        detail: None,
    }
}

fn record_later(event: AuditEvent) -> Deferred {
    Box::new(move |service: &Service| {
        if let Err(err) = service.record_event(event) {
            tracing::warn!("could not record an access in the access log: {err}");
        }
    })
}
