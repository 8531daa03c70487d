//! A member's identity in team vaults: an age X25519 key made on first use and kept in the
//! member's own vault, as the secret `team-identity`, so it is as safe as their other secrets
//! and travels with their backups. Its public half (`age1...`) is what teammates add.

use std::str::FromStr;

use age::secrecy::ExposeSecret;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::store::{Access, SecretStore};
use crate::vault::NewEntry;

/// The vault entry that holds the identity.
pub const ENTRY: &str = "team-identity";

/// The member's identity, read for `access`; `None` when there is none yet.
pub fn load(store: &mut dyn SecretStore, access: &Access) -> Result<Option<age::x25519::Identity>> {
    match store.entry(ENTRY) {
        Ok(_) => {}
        Err(Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    let fetched = store.fetch(&[ENTRY.to_owned()], access)?;
    let value = fetched
        .values
        .first()
        .ok_or_else(|| Error::corrupt("the team identity has no value"))?;
    let text = std::str::from_utf8(value.expose())
        .map_err(|_| Error::Invalid(format!("the secret {ENTRY} is not an age identity")))?;
    age::x25519::Identity::from_str(text.trim())
        .map(Some)
        .map_err(|_| Error::Invalid(format!("the secret {ENTRY} is not an age identity")))
}

/// The member's identity, made and stored on first use.
pub fn load_or_create(
    store: &mut dyn SecretStore,
    access: &Access,
) -> Result<age::x25519::Identity> {
    if let Some(identity) = load(store, access)? {
        return Ok(identity);
    }
    let identity = age::x25519::Identity::generate();
    let secret = identity.to_string();
    store.add(
        ENTRY,
        &SecretBytes::copy_from(secret.expose_secret().as_bytes()),
        NewEntry {
            tags: vec!["keyward".into()],
            note: Some(
                "your identity in keyward team vaults (its public key: keyward team whoami)".into(),
            ),
            ..NewEntry::default()
        },
    )?;
    Ok(identity)
}

/// The member's identity, or an error saying how to make one.
pub fn require(store: &mut dyn SecretStore, access: &Access) -> Result<age::x25519::Identity> {
    load(store, access)?.ok_or_else(|| {
        Error::NotFound(format!(
            "{ENTRY} (run `keyward team whoami` to make your team identity)"
        ))
    })
}
