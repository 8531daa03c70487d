//! The vault header: one fixed-size record holding what unlocking needs (KDF parameters, salt,
//! password verifier, wrapped vault key) and a SHA-256 of itself that tells a damaged header
//! apart from a wrong password. Layout (little-endian), 212 bytes:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `KWVAULT\0` |
//! | 8 | 2 | format version (1) |
//! | 10 | 16 | vault id (random) |
//! | 26 | 1 | KDF algorithm (1 = Argon2id v1.3) |
//! | 27 | 4 | m (KiB) |
//! | 31 | 4 | t (passes) |
//! | 35 | 4 | p (lanes) |
//! | 39 | 1 | flags (bit 0: test vault made with `--insecure-fast-kdf`) |
//! | 40 | 32 | Argon2 salt |
//! | 72 | 32 | password verifier (HKDF of the KEK) |
//! | 104 | 24 | nonce of the wrapped vault key |
//! | 128 | 48 | wrapped vault key (32) and its Poly1305 tag (16); AAD = bytes 0..104 |
//! | 176 | 4 | schema version: equals SQLite's `user_version`, outside the key's AAD so a migration can bump it without the password |
//! | 180 | 32 | SHA-256 of bytes 0..180 |

use sha2::{Digest, Sha256};

use crate::crypto::kdf::KdfParams;
use crate::error::{Error, Result};

pub const MAGIC: [u8; 8] = *b"KWVAULT\0";
pub const FORMAT: u16 = 1;
pub const HEADER_LEN: usize = 212;
/// The wrapped key's associated data: everything before its nonce.
pub const WRAP_AAD_LEN: usize = 104;
pub const WRAPPED_KEY_LEN: usize = 24 + 32 + 16;

const KDF_ARGON2ID_13: u8 = 1;
const FLAG_INSECURE_KDF: u8 = 1;
const HASHED_LEN: usize = HEADER_LEN - 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub vault_id: [u8; 16],
    pub kdf: KdfParams,
    pub insecure_kdf: bool,
    pub salt: [u8; 32],
    pub verifier: [u8; 32],
    /// Nonce, ciphertext and tag of the vault key, as sealed.
    pub wrapped_key: [u8; WRAPPED_KEY_LEN],
    /// The schema version the tables are at. A copy of SQLite's `user_version` under the
    /// header's checksum, so a damaged `user_version` reads as corruption, not as a newer vault.
    pub schema: u32,
}

impl Header {
    /// The bytes the wrapped key is bound to (magic through verifier).
    pub fn wrap_aad(&self) -> [u8; WRAP_AAD_LEN] {
        let full = self.encode();
        let mut aad = [0u8; WRAP_AAD_LEN];
        aad.copy_from_slice(full.get(..WRAP_AAD_LEN).unwrap_or(&[0; WRAP_AAD_LEN]));
        aad
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut w = Writer::new();
        w.put(&MAGIC);
        w.put(&FORMAT.to_le_bytes());
        w.put(&self.vault_id);
        w.put(&[KDF_ARGON2ID_13]);
        w.put(&self.kdf.m_kib.to_le_bytes());
        w.put(&self.kdf.t.to_le_bytes());
        w.put(&self.kdf.p.to_le_bytes());
        w.put(&[if self.insecure_kdf {
            FLAG_INSECURE_KDF
        } else {
            0
        }]);
        w.put(&self.salt);
        w.put(&self.verifier);
        w.put(&self.wrapped_key);
        w.put(&self.schema.to_le_bytes());
        let hash = Sha256::digest(w.written());
        w.put(&hash);
        w.buf
    }

    /// Parses and checks a stored header. Any damage is corruption (exit 4); a wrong password
    /// cannot be detected here and is the verifier's job.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != HEADER_LEN {
            return Err(Error::corrupt(format!(
                "the header is {} bytes, expected {HEADER_LEN}",
                bytes.len()
            )));
        }
        let (hashed, hash) = bytes.split_at(HASHED_LEN);
        if Sha256::digest(hashed).as_slice() != hash {
            return Err(Error::corrupt("the header checksum does not match"));
        }
        let mut r = Reader { bytes: hashed };
        if r.array::<8>()? != MAGIC {
            return Err(Error::corrupt("the header has no keyward signature"));
        }
        let format = u16::from_le_bytes(r.array()?);
        if format != FORMAT {
            return Err(Error::corrupt(format!("unknown header format {format}")));
        }
        let vault_id = r.array()?;
        if r.array::<1>()? != [KDF_ARGON2ID_13] {
            return Err(Error::corrupt("unknown key-derivation algorithm"));
        }
        let kdf = KdfParams {
            m_kib: u32::from_le_bytes(r.array()?),
            t: u32::from_le_bytes(r.array()?),
            p: u32::from_le_bytes(r.array()?),
        };
        let [flags] = r.array::<1>()?;
        if flags & !FLAG_INSECURE_KDF != 0 {
            return Err(Error::corrupt("unknown header flags"));
        }
        let header = Header {
            vault_id,
            kdf,
            insecure_kdf: flags & FLAG_INSECURE_KDF != 0,
            salt: r.array()?,
            verifier: r.array()?,
            wrapped_key: r.array()?,
            schema: u32::from_le_bytes(r.array()?),
        };
        header.kdf.check(header.insecure_kdf)?;
        Ok(header)
    }
}

struct Writer {
    buf: [u8; HEADER_LEN],
    at: usize,
}

impl Writer {
    fn new() -> Self {
        Writer {
            buf: [0; HEADER_LEN],
            at: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        for (dst, src) in self.buf.iter_mut().skip(self.at).zip(bytes) {
            *dst = *src;
        }
        self.at += bytes.len();
    }

    fn written(&self) -> &[u8] {
        self.buf.get(..self.at).unwrap_or_default()
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (head, rest) = self
            .bytes
            .split_at_checked(N)
            .ok_or_else(|| Error::corrupt("the header is truncated"))?;
        self.bytes = rest;
        head.try_into()
            .map_err(|_| Error::corrupt("the header is truncated"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Header {
        Header {
            vault_id: [1; 16],
            kdf: KdfParams::FLOOR,
            insecure_kdf: false,
            salt: [2; 32],
            verifier: [3; 32],
            wrapped_key: [4; WRAPPED_KEY_LEN],
            schema: 7,
        }
    }

    #[test]
    fn round_trips() {
        let header = sample();
        let bytes = header.encode();
        assert_eq!(&bytes[..8], b"KWVAULT\0");
        assert_eq!(Header::decode(&bytes).unwrap(), header);
        assert_eq!(header.wrap_aad(), bytes[..WRAP_AAD_LEN]);
    }

    #[test]
    fn layout_matches_the_documented_offsets() {
        let bytes = sample().encode();
        assert_eq!(&bytes[8..10], &1u16.to_le_bytes());
        assert_eq!(&bytes[10..26], &[1; 16]);
        assert_eq!(bytes[26], 1);
        assert_eq!(&bytes[27..31], &(64 * 1024u32).to_le_bytes());
        assert_eq!(&bytes[31..35], &3u32.to_le_bytes());
        assert_eq!(&bytes[35..39], &4u32.to_le_bytes());
        assert_eq!(bytes[39], 0);
        assert_eq!(&bytes[40..72], &[2; 32]);
        assert_eq!(&bytes[72..104], &[3; 32]);
        assert_eq!(&bytes[104..176], &[4; 72]);
        assert_eq!(&bytes[176..180], &7u32.to_le_bytes());
    }

    #[test]
    fn every_single_byte_change_is_corruption() {
        let bytes = sample().encode();
        for i in 0..HEADER_LEN {
            let mut bad = bytes;
            bad[i] ^= 0x01;
            let err = Header::decode(&bad).unwrap_err();
            assert_eq!(err.exit_code(), 4, "byte {i}");
        }
    }

    #[test]
    fn weak_kdf_without_the_test_flag_is_refused_even_with_a_valid_checksum() {
        let weak = Header {
            kdf: KdfParams::INSECURE_FAST,
            ..sample()
        };
        assert_eq!(Header::decode(&weak.encode()).unwrap_err().exit_code(), 4);
        let test_vault = Header {
            insecure_kdf: true,
            ..weak
        };
        Header::decode(&test_vault.encode()).unwrap();
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Header::decode(&bytes);
        }
    }
}
