//! keyward's core library: every piece of logic the `keyward` CLI and the desktop app share.
//!
//! The shells (CLI, Tauri app) parse input and print output; everything that touches a secret,
//! a key or the vault file lives here, so its invariants are tested once.

pub mod catalog;
pub mod crypto;
pub mod error;
pub mod exchange;
pub mod findings;
pub mod fsutil;
pub mod generate;
pub mod hardening;
pub mod home;
pub mod inject;
pub mod names;
pub mod policy;
pub mod prefs;
pub mod project;
pub mod remedy;
pub mod rotation;
pub mod secret;
pub mod store;
pub mod team;
pub mod throttle;
pub mod time;
pub mod usage;
pub mod vault;

pub use crypto::keys::Key;
pub use error::{Error, ErrorPayload, Result};
pub use secret::SecretBytes;
pub use store::{Access, Fetched, SecretStore};
pub use vault::{
    Actor, AuditCheck, AuditEvent, Entry, EntryChanges, NewEntry, Vault, VaultFile, VersionInfo,
    WatchConfig,
};
