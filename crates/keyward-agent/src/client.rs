//! The CLI's side of the agent: one connection, request after request.

use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::home::Home;
use crate::secret::SecretBytes;
use crate::store::SecretStore;
use crate::vault::{AuditEvent, Entry, EntryChanges, NewEntry, VersionInfo};

use super::protocol::{
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

    /// Connects and returns the client only if the agent is unlocked.
    pub fn connect_unlocked(home: &Home) -> Option<AgentClient> {
        let mut client = AgentClient::connect(home)?;
        match client.status() {
            Ok(status) if status.unlocked => Some(client),
            _ => None,
        }
    }

    fn call(&mut self, body: Request) -> Result<Response> {
        write_frame(
            &mut self.stream,
            &Envelope {
                v: PROTOCOL_VERSION,
                body,
            },
        )?;
        match read_frame::<Response>(&mut self.stream)? {
            Some(Response::Error(err)) => Err(err.into()),
            Some(response) => Ok(response),
            None => Err(Error::Invalid(
                "the agent closed the connection (is it another user's, or shutting down?)".into(),
            )),
        }
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

impl SecretStore for AgentClient {
    fn resolve(&mut self, names: &[String]) -> Result<Vec<SecretBytes>> {
        match self.call(Request::Resolve {
            names: names.to_vec(),
        })? {
            Response::Values { values } if values.len() == names.len() => {
                Ok(values.into_iter().map(|v| v.0).collect())
            }
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

    fn record_access(&mut self, event: &AuditEvent) -> Result<()> {
        expect_ok(self.call(Request::Record {
            event: event.clone(),
        })?)
    }

    fn audit_log(&mut self) -> Result<Vec<AuditEvent>> {
        match self.call(Request::AuditLog)? {
            Response::Events { events } => Ok(events),
            _ => Err(unexpected()),
        }
    }
}
