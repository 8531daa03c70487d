//! The agent: one long-running process that holds the unlocked vault and answers other keyward
//! processes of the same user over a Unix socket, so only one of them ever asks for the master
//! password. The service is a library type: `keyward agent` hosts it today, the desktop app
//! will host the same one.

mod client;
mod protocol;
mod server;
mod socket;

pub use client::AgentClient;
pub use protocol::{AgentStatus, PROTOCOL_VERSION};
pub use server::{AgentOptions, AgentService};
