//! `SecretBytes`: the only type that carries a secret value or a password through keyward.
//!
//! It zeroes its whole buffer (spare capacity included) when dropped, never prints its content in
//! `Debug`, and is filled by readers that never let the buffer reallocate, because a reallocation
//! leaves an unzeroed copy behind in freed memory.

use std::fmt;
use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The largest secret value keyward stores (contract: up to 64 KiB).
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// Whether `value` can be stored: not empty, at most [`MAX_VALUE_LEN`] bytes.
pub fn check_value(value: &SecretBytes) -> Result<()> {
    if value.is_empty() {
        return Err(Error::InvalidValue("the value is empty".into()));
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(Error::InvalidValue(format!(
            "the value is longer than {MAX_VALUE_LEN} bytes"
        )));
    }
    Ok(())
}

/// Clones are zeroized on drop like the original.
#[derive(Clone)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`; its buffer is zeroed on drop.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(Zeroizing::new(bytes))
    }

    /// A copy of `bytes` in a fresh zeroizing buffer.
    pub fn copy_from(bytes: &[u8]) -> Self {
        let mut buf = Vec::with_capacity(bytes.len());
        buf.extend_from_slice(bytes);
        SecretBytes::new(buf)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads every byte of `reader` up to `limit`, into one buffer allocated once.
    /// More than `limit` bytes is an error that names the limit, never the content.
    pub fn read_limited(reader: &mut impl Read, limit: usize, what: &str) -> Result<Self> {
        let mut buf = Zeroizing::new(vec![0u8; limit + 1]);
        let mut filled = 0;
        while let Some(free) = buf.get_mut(filled..).filter(|free| !free.is_empty()) {
            match reader.read(free) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(format!("could not read the {what}"), e)),
            }
        }
        if filled > limit {
            return Err(Error::Invalid(format!(
                "the {what} is longer than {limit} bytes"
            )));
        }
        let mut out = Vec::with_capacity(filled);
        out.extend_from_slice(buf.get(..filled).unwrap_or_default());
        Ok(SecretBytes::new(out))
    }

    /// The first line of `bytes` without its line ending: a password file's content.
    pub fn first_line(bytes: &[u8]) -> Self {
        let line = match bytes.iter().position(|&b| b == b'\n') {
            Some(end) => bytes.get(..end).unwrap_or_default(),
            None => bytes,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        SecretBytes::copy_from(line)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([REDACTED])")
    }
}

impl PartialEq for SecretBytes {
    /// Constant-time, so comparing a guess to a secret tells nothing through timing.
    fn eq(&self, other: &Self) -> bool {
        ct_eq(self.expose(), other.expose())
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A secret in JSON (the agent's wire, an export file): base64, decoded straight into a
/// zeroizing buffer.
#[derive(Debug)]
pub struct WireSecret(pub SecretBytes);

impl Serialize for WireSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let text = Zeroizing::new(STANDARD.encode(self.0.expose()));
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for WireSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = WireSecret;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                text: &str,
            ) -> std::result::Result<WireSecret, E> {
                let mut bytes = Zeroizing::new(Vec::with_capacity(text.len()));
                STANDARD
                    .decode_vec(text, &mut bytes)
                    .map_err(|_| E::custom("a secret is not valid base64"))?;
                Ok(WireSecret(SecretBytes::copy_from(&bytes)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretBytes::copy_from(b"hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "SecretBytes([REDACTED])");
    }

    #[test]
    fn read_limited_keeps_every_byte() {
        let data = b"line one\nline two\r\n\0binary\xff";
        let s = SecretBytes::read_limited(&mut &data[..], 100, "value").unwrap();
        assert_eq!(s.expose(), data);
    }

    #[test]
    fn read_limited_accepts_exactly_the_limit_and_refuses_one_more() {
        let data = [7u8; 64];
        assert_eq!(
            SecretBytes::read_limited(&mut &data[..], 64, "value")
                .unwrap()
                .len(),
            64
        );
        let err = SecretBytes::read_limited(&mut &data[..], 63, "value").unwrap_err();
        assert_eq!(err.to_string(), "the value is longer than 63 bytes");
    }

    #[test]
    fn first_line_drops_only_the_line_ending() {
        assert_eq!(SecretBytes::first_line(b"pw\n").expose(), b"pw");
        assert_eq!(SecretBytes::first_line(b"pw\r\nmore").expose(), b"pw");
        assert_eq!(SecretBytes::first_line(b" pw ").expose(), b" pw ");
        assert_eq!(SecretBytes::first_line(b"").expose(), b"");
    }

    #[test]
    fn equality_compares_content() {
        assert_eq!(
            SecretBytes::copy_from(b"abc"),
            SecretBytes::copy_from(b"abc")
        );
        assert_ne!(
            SecretBytes::copy_from(b"abc"),
            SecretBytes::copy_from(b"abd")
        );
        assert_ne!(
            SecretBytes::copy_from(b"abc"),
            SecretBytes::copy_from(b"ab")
        );
    }
}
