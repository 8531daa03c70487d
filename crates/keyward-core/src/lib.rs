//! keyward's core library: every piece of logic the `keyward` CLI and the desktop app share.
//!
//! The shells (CLI, Tauri app) parse input and print output; everything that touches a secret,
//! a key or the vault file lives here, so its invariants are tested once.

pub mod crypto;
pub mod error;
pub mod hardening;
pub mod home;
pub mod names;
pub mod policy;
pub mod secret;
pub mod time;
pub mod vault;

pub use error::{Error, Result};
pub use secret::SecretBytes;
pub use vault::{Entry, EntryChanges, NewEntry, Vault, VaultFile, VersionInfo};
