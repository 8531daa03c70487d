//! The vault's part in a scan or a foreground watch: the matcher of its values, keyed by its
//! fingerprint subkey, and the key of finding ids that goes with it.

use anyhow::Result;
use keyward_core::{Key, SecretBytes, SecretStore};
use keyward_scan::KnownValues;

use crate::context::Context;
use crate::{output, password};

/// What the vault gives the scan: the key of leak fingerprints and, when it holds any secret,
/// the matcher of its values keyed by that key.
pub struct VaultMatcher {
    pub key: Key,
    pub known: Option<KnownValues>,
}

/// The vault's values as a matcher, when the vault can be opened: through an unlocked agent,
/// a password file or a prompt. With none of those the scan goes on with formats only.
pub fn vault_matcher(ctx: &Context, command: &str) -> Result<Option<VaultMatcher>> {
    let agent_unlocked = keyward_agent::AgentClient::connect_unlocked(&ctx.home).is_some();
    if !agent_unlocked && ctx.global.password_file.is_none() && !password::has_terminal() {
        output::warn(
            "the vault is not unlocked (no agent, password file or terminal): scanning for key formats only",
        );
        return Ok(None);
    }
    if !ctx.home.vault_path().exists() && !agent_unlocked {
        output::warn("there is no vault yet: scanning for key formats only");
        return Ok(None);
    }
    let mut store = ctx.store()?;
    let key = store.fingerprint_key()?;
    let names: Vec<String> = store.list()?.into_iter().map(|e| e.name).collect();
    if names.is_empty() {
        return Ok(Some(VaultMatcher { key, known: None }));
    }
    let values: Vec<SecretBytes> =
        crate::context::fetch(store.as_mut(), &names, keyward_core::Access::new(command))?;
    let pairs: Vec<(String, &[u8])> = names
        .iter()
        .cloned()
        .zip(values.iter().map(SecretBytes::expose))
        .collect();
    let (known, too_short) = KnownValues::build(*key.expose(), &pairs);
    if !too_short.is_empty() {
        output::warn(&format!(
            "not looking for {} (shorter than {} bytes, too common to search for)",
            too_short.join(", "),
            keyward_scan::known::MIN_VALUE_LEN
        ));
    }
    Ok(Some(VaultMatcher {
        key,
        known: Some(known),
    }))
}

/// Without the vault (`--no-vault`, or nothing to unlock it with) an unlocked agent still
/// gives stable ids; failing that they are keyed for this run only.
pub fn agent_finding_ids_key(ctx: &Context) -> Result<[u8; 32]> {
    if let Some(mut agent) = keyward_agent::AgentClient::connect_unlocked(&ctx.home)
        && let Ok(key) = agent.fingerprint_key()
    {
        return Ok(keyward_core::findings::finding_ids_key(&key));
    }
    Ok(keyward_core::crypto::random_array()?)
}
