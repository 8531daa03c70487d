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

/// The current value of `name`, read for `access` (recorded in the access log as the app's; a
/// failure to record is logged, not fatal, as in the CLI).
pub(crate) fn fetch_one(
    store: &mut dyn keyward_core::SecretStore,
    name: &str,
    access: &keyward_core::Access,
) -> keyward_core::Result<keyward_core::SecretBytes> {
    let fetched = store.fetch(&[name.to_owned()], access)?;
    if let Some(err) = fetched.unrecorded {
        tracing::warn!("an access was not recorded: {err}");
    }
    fetched
        .values
        .into_iter()
        .next()
        .ok_or_else(|| keyward_core::Error::NotFound(name.to_owned()))
}

/// A password or value typed in the UI, moved into a zeroizing buffer without a copy.
pub(crate) fn secret(text: String) -> keyward_core::SecretBytes {
    keyward_core::SecretBytes::new(text.into_bytes())
}
