//! The vault's cryptography: Argon2id turns the master password into a key-encryption key,
//! which wraps one random vault key; HKDF derives a separate subkey per purpose from the vault
//! key; XChaCha20-Poly1305 seals every stored field with associated data that pins it to its place.

pub(crate) mod aead;
pub mod kdf;
pub mod keys;

use crate::error::{Error, Result};

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_fill(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf)
        .map_err(|e| Error::Database(format!("the system random source failed: {e}")))
}

pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    random_fill(&mut out)?;
    Ok(out)
}
