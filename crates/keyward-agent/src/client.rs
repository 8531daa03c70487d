//! The CLI's side of the agent: one connection, request after request, or one subscription.

use std::os::unix::net::UnixStream;
use std::time::Duration;

use keyward_core::findings::{FindingState, StoredFinding};
use keyward_core::home::Home;
use keyward_core::{
    Access, AuditCheck, AuditEvent, Entry, EntryChanges, Error, Fetched, Key, NewEntry, Result,
    SecretBytes, SecretStore, VersionInfo, WatchConfig,
};

use crate::events::AgentEvent;
use crate::protocol::{
    AgentStatus, Envelope, PROTOCOL_VERSION, Request, Response, WireSecret, read_frame, write_frame,
};

#[derive(Debug)]
pub struct AgentClient {
    stream: UnixStream,
}

impl AgentClient {
    /// Connects to the agent of `home`; `None` when no agent listens there.
    pub fn connect(home: &Home) -> Option<AgentClient> {
        let stream = UnixStream::connect(home.agent_socket()).ok()?;
        // An agent busy deriving a key for an unlock answers within seconds; a hung one must
        // not hang the CLI forever.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
        Some(AgentClient { stream })
    }

    /// Connects, or says that no agent runs and how to start one.
    pub fn require(home: &Home) -> Result<AgentClient> {
        AgentClient::connect(home).ok_or_else(|| Error::NoAgent(home.agent_socket()))
    }

    /// Connects and returns the client only if the agent is unlocked.
    pub fn connect_unlocked(home: &Home) -> Option<AgentClient> {
        let mut client = AgentClient::connect(home)?;
        match client.status() {
            Ok(status) if status.unlocked => Some(client),
            _ => None,
        }
    }

    fn send(&mut self, body: Request) -> Result<()> {
        write_frame(
            &mut self.stream,
            &Envelope {
                v: PROTOCOL_VERSION,
                body,
                cwd: Some(here()),
            },
        )
    }

    fn receive(&mut self) -> Result<Response> {
        match read_frame::<Response>(&mut self.stream)? {
            Some(Response::Error(err)) => Err(err.into()),
            Some(response) => Ok(response),
            None => Err(Error::AgentGone),
        }
    }

    fn call(&mut self, body: Request) -> Result<Response> {
        self.send(body)?;
        self.receive()
    }

    pub fn status(&mut self) -> Result<AgentStatus> {
        match self.call(Request::Status)? {
            Response::Status(status) => Ok(status),
            _ => Err(unexpected()),
        }
    }

    pub fn unlock(&mut self, password: &SecretBytes) -> Result<()> {
        expect_ok(self.call(Request::Unlock {
            password: WireSecret(password.clone()),
        })?)
    }

    pub fn lock(&mut self) -> Result<()> {
        expect_ok(self.call(Request::Lock)?)
    }

    /// Turns this connection into the agent's stream of events.
    pub fn subscribe(mut self) -> Result<EventStream> {
        match self.call(Request::Subscribe)? {
            Response::Subscribed => {}
            _ => return Err(unexpected()),
        }
        // Events come when they happen, which may be hours apart.
        self.stream
            .set_read_timeout(None)
            .map_err(|e| Error::io("could not talk to the agent", e))?;
        Ok(EventStream { client: self })
    }
}

/// The agent's events, as they happen. Ends (`None`) when the agent stops.
#[derive(Debug)]
pub struct EventStream {
    client: AgentClient,
}

impl Iterator for EventStream {
    type Item = Result<AgentEvent>;

    fn next(&mut self) -> Option<Result<AgentEvent>> {
        match self.client.receive() {
            Ok(Response::Event { event }) => Some(Ok(event)),
            Ok(_) => Some(Err(unexpected())),
            Err(Error::AgentGone) => None,
            Err(err) => Some(Err(err)),
        }
    }
}

fn unexpected() -> Error {
    Error::Invalid(
        "the agent sent an unexpected reply; are keyward and its agent the same version?".into(),
    )
}

fn expect_ok(response: Response) -> Result<()> {
    match response {
        Response::Ok => Ok(()),
        _ => Err(unexpected()),
    }
}

fn expect_entry(response: Response) -> Result<Entry> {
    match response {
        Response::Entry { entry } => Ok(entry),
        _ => Err(unexpected()),
    }
}

/// The folder this process works in, as the agent should record it when the kernel will not
/// say (keyward's CLI is not dumpable, so its `/proc/PID/cwd` is closed to the agent).
fn here() -> String {
    std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default()
}

impl SecretStore for AgentClient {
    fn fetch(&mut self, names: &[String], access: &Access) -> Result<Fetched> {
        match self.call(Request::Resolve {
            names: names.to_vec(),
            command: access.command.clone(),
            cwd: here(),
            detail: access.detail.clone(),
        })? {
            // The agent records the access itself, after replying.
            Response::Values { values } if values.len() == names.len() => Ok(Fetched {
                values: values.into_iter().map(|v| v.0).collect(),
                unrecorded: None,
            }),
            _ => Err(unexpected()),
        }
    }

    fn fetch_history(&mut self, name: &str, access: &Access) -> Result<Fetched> {
        match self.call(Request::ResolveHistory {
            name: name.into(),
            command: access.command.clone(),
            cwd: here(),
            detail: access.detail.clone(),
        })? {
            Response::Values { values } => Ok(Fetched {
                values: values.into_iter().map(|v| v.0).collect(),
                unrecorded: None,
            }),
            _ => Err(unexpected()),
        }
    }

    fn record(&mut self, access: &Access, names: &[String]) -> Result<()> {
        expect_ok(self.call(Request::Record {
            command: access.command.clone(),
            names: names.to_vec(),
            cwd: here(),
            detail: access.detail.clone(),
        })?)
    }

    fn fingerprint_key(&mut self) -> Result<Key> {
        match self.call(Request::FingerprintKey)? {
            Response::Key { key } => keyward_core::crypto::keys::key_from_slice(key.0.expose()),
            _ => Err(unexpected()),
        }
    }

    fn entry(&mut self, name: &str) -> Result<Entry> {
        expect_entry(self.call(Request::Entry { name: name.into() })?)
    }

    fn list(&mut self) -> Result<Vec<Entry>> {
        match self.call(Request::List)? {
            Response::Entries { entries } => Ok(entries),
            _ => Err(unexpected()),
        }
    }

    fn add(&mut self, name: &str, value: &SecretBytes, new: NewEntry) -> Result<Entry> {
        expect_entry(self.call(Request::Add {
            name: name.into(),
            value: WireSecret(value.clone()),
            new,
        })?)
    }

    fn rotate(&mut self, name: &str, value: &SecretBytes) -> Result<Entry> {
        expect_entry(self.call(Request::Rotate {
            name: name.into(),
            value: WireSecret(value.clone()),
        })?)
    }

    fn history(&mut self, name: &str) -> Result<Vec<VersionInfo>> {
        match self.call(Request::History { name: name.into() })? {
            Response::History { versions } => Ok(versions),
            _ => Err(unexpected()),
        }
    }

    fn update(&mut self, name: &str, changes: EntryChanges) -> Result<Entry> {
        expect_entry(self.call(Request::Update {
            name: name.into(),
            changes,
        })?)
    }

    fn remove(&mut self, name: &str) -> Result<()> {
        expect_ok(self.call(Request::Remove { name: name.into() })?)
    }

    fn audit_log(&mut self) -> Result<Vec<AuditEvent>> {
        match self.call(Request::AuditLog)? {
            Response::Events { events } => Ok(events),
            _ => Err(unexpected()),
        }
    }

    fn verify_audit(&mut self) -> Result<AuditCheck> {
        match self.call(Request::VerifyAudit)? {
            Response::AuditCheck { check } => Ok(check),
            _ => Err(unexpected()),
        }
    }

    fn prune_audit(&mut self, before: keyward_core::time::Stamp) -> Result<u64> {
        match self.call(Request::PruneAudit { before })? {
            Response::Pruned { removed } => Ok(removed),
            _ => Err(unexpected()),
        }
    }

    fn watch_config(&mut self) -> Result<WatchConfig> {
        match self.call(Request::WatchConfig)? {
            Response::WatchConfig { config } => Ok(config),
            _ => Err(unexpected()),
        }
    }

    fn set_watch_config(&mut self, config: &WatchConfig) -> Result<()> {
        expect_ok(self.call(Request::SetWatchConfig {
            config: config.clone(),
        })?)
    }

    fn findings(&mut self, all: bool) -> Result<Vec<StoredFinding>> {
        match self.call(Request::Findings { all })? {
            Response::Findings { findings } => Ok(findings),
            _ => Err(unexpected()),
        }
    }

    fn set_finding_state(
        &mut self,
        id: i64,
        state: FindingState,
        reason: Option<String>,
    ) -> Result<StoredFinding> {
        match self.call(Request::SetFindingState { id, state, reason })? {
            Response::Finding { finding } => Ok(finding),
            _ => Err(unexpected()),
        }
    }
}
