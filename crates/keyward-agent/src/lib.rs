//! The agent: one long-running service that holds the unlocked vault and answers other keyward
//! processes of the same user over a Unix socket, so only one of them ever asks for the master
//! password. `keyward agent` hosts it headless; the desktop app hosts the same service
//! in-process and uses it through [`AgentHandle`] without a socket round trip.
//!
//! ```no_run
//! # fn main() -> keyward_core::Result<()> {
//! use keyward_agent::{Agent, AgentOptions};
//! let home = keyward_core::home::Home::from_env()?;
//! let agent = Agent::start(&home, AgentOptions::default())?;
//! let events = agent.subscribe();
//! // ... agent.unlock(&password)?, agent.store().list()? ...
//! agent.shutdown(); // or drop it: locks, closes connections, removes the socket
//! # drop(events);
//! # Ok(())
//! # }
//! ```

mod anomaly;
mod approval;
mod client;
mod dispatch;
mod events;
mod handle;
mod in_process;
mod notify;
mod protocol;
mod server;
mod service;
mod signals;
mod socket;
mod watch;

pub use approval::{ApprovalRequest, Approver, Decision};
pub use client::{AgentClient, EventStream};
pub use events::{AgentEvent, EntryChange, LockReason, SUBSCRIBER_BACKLOG, Subscription};
pub use handle::{Agent, AgentHandle};
pub use keyward_watch::WatchOptions;
pub use protocol::{AgentStatus, PROTOCOL_VERSION};
pub use service::AgentOptions;
pub use signals::run_until_signal;
pub use watch::WatchStatus;
