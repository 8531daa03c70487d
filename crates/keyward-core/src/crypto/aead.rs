//! Sealing one stored field: XChaCha20-Poly1305 with a random 24-byte nonce and associated data
//! that names the field's exact place (vault, table, column, row, row version), so a ciphertext
//! copied to any other place fails to open.
//!
//! Sealed layout: `nonce (24) || ciphertext || tag (16)`.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::keys::Key;
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// The table a sealed field lives in; its number is part of the associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Reserved: the header's wrapped key has associated data of its own. The numbers are part
    /// of the file format, so none is ever reused.
    #[allow(dead_code)]
    Header = 1,
    State = 2,
    Secrets = 3,
    Versions = 4,
    Audit = 5,
    Settings = 6,
    Findings = 7,
}

/// The column a sealed field lives in; its number is part of the associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// Reserved, like `Table::Header`.
    #[allow(dead_code)]
    WrappedKey = 1,
    Record = 2,
    Value = 3,
}

/// Where a sealed field lives. Encoded as 36 bytes, little-endian:
/// `format u16 | vault id [16] | table u8 | column u8 | row id i64 | row version u64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub format: u16,
    pub vault_id: [u8; 16],
    pub table: Table,
    pub column: Column,
    pub row_id: i64,
    pub row_version: u64,
}

pub const PLACE_LEN: usize = 36;

impl Place {
    pub fn encode(&self) -> [u8; PLACE_LEN] {
        let mut out = [0u8; PLACE_LEN];
        let parts: [&[u8]; 6] = [
            &self.format.to_le_bytes(),
            &self.vault_id,
            &[self.table as u8],
            &[self.column as u8],
            &self.row_id.to_le_bytes(),
            &self.row_version.to_le_bytes(),
        ];
        let mut at = 0;
        for part in parts {
            for (dst, src) in out.iter_mut().skip(at).zip(part) {
                *dst = *src;
            }
            at += part.len();
        }
        out
    }
}

/// Seals `plaintext` for `place` with associated data `aad`.
pub fn seal_with_aad(key: &Key, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let nonce_bytes: [u8; NONCE_LEN] = super::random_array()?;
    let nonce = XNonce::from(nonce_bytes);
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(plaintext);
    let (_, body) = out.split_at_mut(NONCE_LEN);
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, body.into())
        .map_err(|_| Error::Invalid("a field is too large to seal".into()))?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens a sealed field. Any change to the key, the associated data or a single bit of `sealed`
/// fails, and the plaintext is returned in a zeroizing buffer.
pub fn open_with_aad(key: &Key, aad: &[u8], sealed: &[u8]) -> Result<SecretBytes> {
    let failed = || Error::corrupt("a sealed field failed authentication");
    if sealed.len() < OVERHEAD {
        return Err(failed());
    }
    let (nonce_bytes, rest) = sealed.split_at(NONCE_LEN);
    let (body, tag_bytes) = rest.split_at(rest.len() - TAG_LEN);
    let nonce = XNonce::try_from(nonce_bytes).map_err(|_| failed())?;
    let tag = chacha20poly1305::Tag::try_from(tag_bytes).map_err(|_| failed())?;
    let mut plain = SecretBytes::copy_from(body);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    cipher
        .decrypt_inout_detached(&nonce, aad, plain.expose_mut().into(), &tag)
        .map_err(|_| failed())?;
    Ok(plain)
}

pub fn seal(key: &Key, place: &Place, plaintext: &[u8]) -> Result<Vec<u8>> {
    seal_with_aad(key, &place.encode(), plaintext)
}

pub fn open(key: &Key, place: &Place, sealed: &[u8]) -> Result<SecretBytes> {
    open_with_aad(key, &place.encode(), sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn place() -> Place {
        Place {
            format: 1,
            vault_id: [9; 16],
            table: Table::Versions,
            column: Column::Value,
            row_id: 42,
            row_version: 3,
        }
    }

    #[test]
    fn place_encoding_is_stable() {
        let bytes = place().encode();
        assert_eq!(&bytes[..2], &[1, 0]);
        assert_eq!(&bytes[2..18], &[9; 16]);
        assert_eq!(bytes[18], Table::Versions as u8);
        assert_eq!(bytes[19], Column::Value as u8);
        assert_eq!(&bytes[20..28], &42i64.to_le_bytes());
        assert_eq!(&bytes[28..36], &3u64.to_le_bytes());
    }

    #[test]
    fn every_part_of_the_place_is_bound() {
        let key = Key::from_bytes([3; 32]);
        let sealed = seal(&key, &place(), b"value").unwrap();
        let moved = [
            Place {
                format: 2,
                ..place()
            },
            Place {
                vault_id: [8; 16],
                ..place()
            },
            Place {
                table: Table::Secrets,
                ..place()
            },
            Place {
                column: Column::Record,
                ..place()
            },
            Place {
                row_id: 43,
                ..place()
            },
            Place {
                row_version: 4,
                ..place()
            },
        ];
        for other in moved {
            assert!(open(&key, &other, &sealed).is_err(), "{other:?} opened");
        }
        assert!(open(&Key::from_bytes([4; 32]), &place(), &sealed).is_err());
        assert_eq!(open(&key, &place(), &sealed).unwrap().expose(), b"value");
    }

    #[test]
    fn short_input_is_corruption_not_a_panic() {
        let key = Key::from_bytes([3; 32]);
        for len in 0..OVERHEAD {
            let err = open(&key, &place(), &vec![0; len]).unwrap_err();
            assert_eq!(err.exit_code(), 4);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let key = Key::from_bytes([3; 32]);
        let a = seal(&key, &place(), b"same").unwrap();
        let b = seal(&key, &place(), b"same").unwrap();
        assert_ne!(a, b);
    }

    proptest! {
        #[test]
        fn seal_then_open_round_trips(value in proptest::collection::vec(any::<u8>(), 0..2048),
                                      key in any::<[u8; 32]>(), row in any::<i64>(), ver in any::<u64>()) {
            let key = Key::from_bytes(key);
            let at = Place { row_id: row, row_version: ver, ..place() };
            let sealed = seal(&key, &at, &value).unwrap();
            prop_assert_eq!(sealed.len(), value.len() + OVERHEAD);
            let opened = open(&key, &at, &sealed).unwrap();
            prop_assert_eq!(opened.expose(), &value[..]);
        }

        #[test]
        fn any_flipped_bit_fails(value in proptest::collection::vec(any::<u8>(), 1..256),
                                 bit in any::<usize>()) {
            let key = Key::from_bytes([5; 32]);
            let mut sealed = seal(&key, &place(), &value).unwrap();
            let bit = bit % (sealed.len() * 8);
            sealed[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(open(&key, &place(), &sealed).is_err());
        }

        #[test]
        fn arbitrary_bytes_never_open_or_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let key = Key::from_bytes([5; 32]);
            prop_assert!(open(&key, &place(), &bytes).is_err());
        }
    }
}
