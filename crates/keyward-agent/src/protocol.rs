//! The wire protocol: each message is a 4-byte big-endian length and a JSON body, the request
//! wrapped in an envelope that names the protocol version. Secret values travel as base64
//! strings inside zeroized buffers; every frame buffer is wiped after use.

use std::io::{Read, Write};

use keyward_core::{
    AuditCheck, AuditEvent, Entry, EntryChanges, Error, ErrorPayload, NewEntry, Result, VersionInfo,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::events::AgentEvent;
use crate::watch::WatchStatus;
use keyward_core::WatchConfig;
use keyward_core::findings::{FindingState, StoredFinding};

/// 2: errors as `{code, message, details}`; the agent records accesses itself; subscriptions.
pub const PROTOCOL_VERSION: u32 = 2;

/// Large enough for hundreds of 64 KiB values in one batch, small enough that a hostile peer
/// cannot make the agent allocate without bound.
pub const MAX_FRAME: usize = 32 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub v: u32,
    pub body: T,
    /// The folder the client works in, for the records of what it asks (the agent prefers
    /// the kernel's word where it has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Status,
    Unlock {
        password: WireSecret,
    },
    Lock,
    /// Values for `command`; the agent records the access with the peer's real pid.
    Resolve {
        names: Vec<String>,
        command: String,
        /// The folder the client says it works in; the agent prefers what the kernel says.
        cwd: String,
        /// What the values are handed to (the program `run` starts).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Every value `name` has had, oldest first, for `command` (an export with the history);
    /// approved and recorded like `Resolve`.
    ResolveHistory {
        name: String,
        command: String,
        cwd: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    Entry {
        name: String,
    },
    List,
    Add {
        name: String,
        value: WireSecret,
        new: NewEntry,
    },
    Rotate {
        name: String,
        value: WireSecret,
    },
    History {
        name: String,
    },
    Update {
        name: String,
        changes: EntryChanges,
    },
    Remove {
        name: String,
    },
    /// An access made without `resolve` (`import` stores values it read itself).
    Record {
        command: String,
        names: Vec<String>,
        cwd: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    AuditLog,
    VerifyAudit,
    PruneAudit {
        before: keyward_core::time::Stamp,
    },
    FingerprintKey,
    Findings {
        all: bool,
    },
    SetFindingState {
        id: i64,
        state: FindingState,
        reason: Option<String>,
    },
    WatchConfig,
    SetWatchConfig {
        config: WatchConfig,
    },
    /// Turns the connection into a stream of `Response::Event` frames until either side closes.
    Subscribe,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Response {
    Ok,
    Status(AgentStatus),
    Values { values: Vec<WireSecret> },
    Entry { entry: Entry },
    Entries { entries: Vec<Entry> },
    History { versions: Vec<VersionInfo> },
    Events { events: Vec<AuditEvent> },
    AuditCheck { check: AuditCheck },
    Pruned { removed: u64 },
    Key { key: WireSecret },
    Findings { findings: Vec<StoredFinding> },
    Finding { finding: StoredFinding },
    WatchConfig { config: WatchConfig },
    Subscribed,
    Event { event: AgentEvent },
    Error(ErrorPayload),
}

impl Response {
    pub fn error(err: &Error) -> Response {
        Response::Error(err.payload())
    }
}

/// What `keyward status` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatus {
    pub unlocked: bool,
    pub pid: u32,
    pub vault: String,
    pub lock_after_secs: u64,
    /// Seconds until the agent locks itself, when unlocked.
    pub locks_in_secs: Option<u64>,
    pub insecure_kdf: bool,
    /// The watcher, once the first unlock started it.
    #[serde(default)]
    pub watch: Option<WatchStatus>,
}

pub use keyward_core::secret::WireSecret;

/// Counts what a serializer writes, so a frame's buffer is allocated once at its final size: a
/// buffer that grew would leave copies of the values it holds in freed memory.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes one frame, encoded once into a buffer of its exact size that is wiped afterwards.
pub fn write_frame<T: Serialize>(writer: &mut impl Write, message: &T) -> Result<()> {
    let encode_error =
        |e: serde_json::Error| Error::Invalid(format!("could not encode an agent message: {e}"));
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, message).map_err(encode_error)?;
    let len = u32::try_from(counter.0)
        .ok()
        .filter(|&n| n as usize <= MAX_FRAME)
        .ok_or_else(|| Error::Invalid("an agent message is too large".into()))?;
    let mut frame = Zeroizing::new(Vec::with_capacity(counter.0 + 4));
    frame.extend_from_slice(&len.to_be_bytes());
    serde_json::to_writer(&mut *frame, message).map_err(encode_error)?;
    writer
        .write_all(&frame)
        .and_then(|()| writer.flush())
        .map_err(|e| Error::io("could not talk to the agent", e))
}

/// Reads one frame. `Ok(None)` is a clean end of stream before any byte of a frame.
pub fn read_frame<T: for<'de> Deserialize<'de>>(reader: &mut impl Read) -> Result<Option<T>> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(Error::io("could not talk to the agent", e)),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(Error::Invalid(format!(
            "an agent message of {len} bytes is over the {MAX_FRAME}-byte limit"
        )));
    }
    let mut body = Zeroizing::new(vec![0u8; len]);
    reader
        .read_exact(&mut body)
        .map_err(|e| Error::io("could not talk to the agent", e))?;
    serde_json::from_slice(&body).map(Some).map_err(|e| {
        Error::Invalid(format!(
            "a malformed agent message ({})",
            keyward_core::error::json_category(&e)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward_core::SecretBytes;

    #[test]
    fn frames_round_trip_secrets_exactly() {
        let value = SecretBytes::copy_from(b"line one\nline two\0\xff");
        let request = Envelope {
            v: PROTOCOL_VERSION,
            cwd: None,
            body: Request::Rotate {
                name: "db/url".into(),
                value: WireSecret(value.clone()),
            },
        };
        let mut wire = Vec::new();
        write_frame(&mut wire, &request).unwrap();
        let back: Envelope<Request> = read_frame(&mut wire.as_slice()).unwrap().unwrap();
        match back.body {
            Request::Rotate { name, value: got } => {
                assert_eq!(name, "db/url");
                assert_eq!(got.0, value);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hostile_frames_are_errors_not_panics() {
        let too_long = (MAX_FRAME as u32 + 1).to_be_bytes();
        assert!(read_frame::<Request>(&mut too_long.as_slice()).is_err());
        let cut = [0u8, 0, 0, 10, b'{'];
        assert!(read_frame::<Request>(&mut cut.as_slice()).is_err());
        let mut garbage = 5u32.to_be_bytes().to_vec();
        garbage.extend_from_slice(b"\xff\xfe{}x");
        assert!(read_frame::<Request>(&mut garbage.as_slice()).is_err());
        assert!(read_frame::<Request>(&mut [].as_slice()).unwrap().is_none());
    }

    #[test]
    fn decode_errors_do_not_quote_the_input() {
        let mut frame = Vec::new();
        let body = br#"{"v":1,"body":{"op":"unlock","password":"not base64 !! hunter2"}}"#;
        frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
        frame.extend_from_slice(body);
        let err = read_frame::<Envelope<Request>>(&mut frame.as_slice()).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn errors_keep_their_variant_and_exit_code_across_the_socket() {
        for err in [
            Error::WrongPassword,
            Error::corrupt("x"),
            Error::NotFound("n".into()),
            Error::NoVault("/v".into()),
            Error::InvalidName("bad name".into()),
            Error::AgentVersion {
                agent: 1,
                client: 2,
            },
            Error::io("ctx", std::io::Error::from_raw_os_error(13)),
            Error::Invalid("bad".into()),
        ] {
            let mut wire = Vec::new();
            write_frame(&mut wire, &Response::error(&err)).unwrap();
            let Some(Response::Error(payload)) = read_frame(&mut wire.as_slice()).unwrap() else {
                panic!("not an error frame");
            };
            let back = Error::from(payload);
            assert_eq!(back.exit_code(), err.exit_code());
            assert_eq!(back.code(), err.code());
            assert_eq!(back.to_string(), err.to_string());
        }
    }
}
