//! Key material: fixed-size keys in locked, zeroizing memory, and the subkeys of a vault.

use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};
use crate::hardening::Locked;

pub const KEY_LEN: usize = 32;

/// A 256-bit key. Zeroed on drop; `Debug` never shows it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key([u8; KEY_LEN]);

impl Key {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Key(bytes)
    }

    pub fn random() -> Result<Self> {
        Ok(Key(super::random_array()?))
    }

    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// HKDF-SHA256 from this key, salted with the vault id, one label per purpose.
    pub fn derive(&self, salt: &[u8], label: &[u8]) -> Key {
        let hk = Hkdf::<Sha256>::new(Some(salt), &self.0);
        let mut out = [0u8; KEY_LEN];
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        if hk.expand(label, &mut out).is_err() {
            out.zeroize();
        }
        Key(out)
    }

    /// HMAC-SHA256 of `data` under this key.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        // HMAC zero-pads a short key to the hash's block size (RFC 2104), so padding it here
        // gives the same MAC through the infallible fixed-size constructor.
        let mut block = hmac::digest::Key::<Hmac<Sha256>>::default();
        for (dst, src) in block.iter_mut().zip(self.0.iter()) {
            *dst = *src;
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block);
        block.zeroize();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key([REDACTED])")
    }
}

/// What each subkey of the vault key is for; the label is the HKDF info string.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    Values,
    Metadata,
    NameIndex,
    Audit,
    Fingerprints,
    Findings,
    AuditChain,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Values => b"keyward v1 secret values",
            Purpose::Metadata => b"keyward v1 metadata",
            Purpose::NameIndex => b"keyward v1 name index",
            Purpose::Audit => b"keyward v1 audit log",
            Purpose::Fingerprints => b"keyward v1 leak fingerprints",
            Purpose::Findings => b"keyward v1 findings",
            Purpose::AuditChain => b"keyward v1 audit chain",
        }
    }
}

/// The keys of an unlocked vault, held on one page that is locked in RAM (never swapped, best
/// effort), zeroed and unlocked on drop.
pub struct VaultKeys(Locked<KeySet>);

#[derive(Zeroize, ZeroizeOnDrop)]
struct KeySet {
    vault: Key,
    values: Key,
    metadata: Key,
    name_index: Key,
    audit: Key,
    fingerprints: Key,
    findings: Key,
    audit_chain: Key,
}

impl VaultKeys {
    pub fn new(vault_key: Key, vault_id: &[u8]) -> Self {
        VaultKeys(Locked::new(KeySet {
            values: vault_key.derive(vault_id, Purpose::Values.label()),
            metadata: vault_key.derive(vault_id, Purpose::Metadata.label()),
            name_index: vault_key.derive(vault_id, Purpose::NameIndex.label()),
            audit: vault_key.derive(vault_id, Purpose::Audit.label()),
            fingerprints: vault_key.derive(vault_id, Purpose::Fingerprints.label()),
            findings: vault_key.derive(vault_id, Purpose::Findings.label()),
            audit_chain: vault_key.derive(vault_id, Purpose::AuditChain.label()),
            vault: vault_key,
        }))
    }

    pub fn vault_key(&self) -> &Key {
        &self.0.vault
    }

    pub fn subkey(&self, purpose: Purpose) -> &Key {
        match purpose {
            Purpose::Values => &self.0.values,
            Purpose::Metadata => &self.0.metadata,
            Purpose::NameIndex => &self.0.name_index,
            Purpose::Audit => &self.0.audit,
            Purpose::Fingerprints => &self.0.fingerprints,
            Purpose::Findings => &self.0.findings,
            Purpose::AuditChain => &self.0.audit_chain,
        }
    }

    /// The keyed index of a name: lets `get NAME` find its row without decrypting every name,
    /// and tells nothing about the name to someone without the key.
    pub fn name_index(&self, name: &str) -> [u8; 32] {
        self.0.name_index.mac(name.as_bytes())
    }
}

impl fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKeys([REDACTED])")
    }
}

/// Keys derived from the master password: one wraps the vault key, one checks the password.
pub struct PasswordKeys {
    pub wrap: Key,
    pub verifier: [u8; 32],
}

impl PasswordKeys {
    pub fn from_kek(kek: &Key, vault_id: &[u8]) -> Self {
        PasswordKeys {
            wrap: kek.derive(vault_id, b"keyward v1 key wrap"),
            verifier: *kek
                .derive(vault_id, b"keyward v1 password verifier")
                .expose(),
        }
    }
}

impl fmt::Debug for PasswordKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordKeys([REDACTED])")
    }
}

impl Drop for PasswordKeys {
    fn drop(&mut self) {
        self.verifier.zeroize();
    }
}

/// Turns a wrong-length byte string from the file into the corruption error it is.
pub fn key_from_slice(bytes: &[u8]) -> Result<Key> {
    let array: [u8; KEY_LEN] = bytes
        .try_into()
        .map_err(|_| Error::corrupt("a key has the wrong length"))?;
    Ok(Key::from_bytes(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_from_each_other_and_from_the_vault_key() {
        let keys = VaultKeys::new(Key::from_bytes([7; 32]), b"vault-id-16bytes");
        let all = [
            keys.vault_key().expose(),
            keys.subkey(Purpose::Values).expose(),
            keys.subkey(Purpose::Metadata).expose(),
            keys.subkey(Purpose::NameIndex).expose(),
            keys.subkey(Purpose::Audit).expose(),
            keys.subkey(Purpose::Fingerprints).expose(),
            keys.subkey(Purpose::Findings).expose(),
            keys.subkey(Purpose::AuditChain).expose(),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in all.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn subkeys_depend_on_the_vault_id() {
        let a = VaultKeys::new(Key::from_bytes([7; 32]), b"vault-id-aaaaaaa");
        let b = VaultKeys::new(Key::from_bytes([7; 32]), b"vault-id-bbbbbbb");
        assert_ne!(a.name_index("x"), b.name_index("x"));
    }

    #[test]
    fn name_index_is_deterministic_and_name_specific() {
        let keys = VaultKeys::new(Key::from_bytes([1; 32]), b"vault-id-16bytes");
        assert_eq!(keys.name_index("stripe"), keys.name_index("stripe"));
        assert_ne!(keys.name_index("stripe"), keys.name_index("stripe2"));
    }

    #[test]
    fn debug_is_redacted() {
        let key = Key::from_bytes([0x41; 32]);
        assert_eq!(format!("{key:?}"), "Key([REDACTED])");
        let keys = VaultKeys::new(key, b"id");
        assert_eq!(format!("{keys:?}"), "VaultKeys([REDACTED])");
    }
}
