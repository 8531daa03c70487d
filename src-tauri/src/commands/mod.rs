//! The commands the UI invokes: a few lines each over keyward-core and the agent. Every one runs
//! off the main thread (`async`), so a key derivation never freezes the window.

pub mod approvals;
pub mod audit;
pub mod leaks;
pub mod reveal;
pub mod rotation;
pub mod secrets;
pub mod settings;
pub mod vault;
pub mod watch;

/// A password or value typed in the UI, moved into a zeroizing buffer without a copy.
pub(crate) fn secret(text: String) -> keyward_core::SecretBytes {
    keyward_core::SecretBytes::new(text.into_bytes())
}
