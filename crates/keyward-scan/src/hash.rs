//! The one keyed hash of the scanner: HMAC-SHA256 over length-prefixed parts, so no two
//! different lists of parts hash alike.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub fn keyed(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length, so this never fails.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return [0; 32];
    };
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The first 16 bytes in hex: enough to tell findings apart, short enough to read.
pub fn hex16(bytes: &[u8; 32]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
