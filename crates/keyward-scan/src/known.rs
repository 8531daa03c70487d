//! Known values: finds every stored secret, in every form of [`crate::encodings`], without
//! keeping any of them once built.
//!
//! For each form the matcher keeps its length, a keyed hash of its first 8 bytes and a keyed
//! hash of the whole form, all under a key the caller owns (the vault's fingerprint subkey).
//! Scanning tests every 8-byte window of the input against a 2^24-bit set (a multiply and a bit
//! test per byte); only on a hit does it compute the window's keyed hash, and only when that is
//! known the whole candidate's. Base64 cores are then decoded in place and the value checked
//! whole, so a value that differs by one byte is never reported. A memory dump of the matcher
//! allows testing guesses against the hashes, nothing more: useless against random API keys.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

use crate::encodings::{Base64Core, Encoding, forms};

/// Shorter values are not matched: 7 bytes and fewer recur by chance in ordinary text.
pub const MIN_VALUE_LEN: usize = 8;
const WINDOW: usize = 8;
const BITS: u32 = 24;

#[derive(Debug)]
struct FormPrint {
    secret: u32,
    encoding: Encoding,
    len: usize,
    full: [u8; 32],
    base64: Option<(Base64Core, usize)>,
}

/// A found value: where, which secret, in which form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownMatch {
    pub start: usize,
    pub end: usize,
    pub secret: usize,
    pub encoding: Encoding,
}

pub struct KnownValues {
    key: Zeroizing<[u8; 32]>,
    mix: (u64, u64),
    bits: Vec<u64>,
    windows: HashMap<u64, Vec<u32>>,
    forms: Vec<FormPrint>,
    /// The keyed hash of each secret's plain value, to check decoded base64.
    plain: Vec<[u8; 32]>,
    names: Vec<String>,
}

impl std::fmt::Debug for KnownValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownValues")
            .field("secrets", &self.names.len())
            .field("forms", &self.forms.len())
            .finish_non_exhaustive()
    }
}

impl KnownValues {
    /// Builds the matcher from `(name, value)` pairs; values shorter than [`MIN_VALUE_LEN`] are
    /// left out (their names are returned). The values are not kept.
    pub fn build(key: [u8; 32], secrets: &[(String, &[u8])]) -> (KnownValues, Vec<String>) {
        let key = Zeroizing::new(key);
        let seed = keyed(&key, b"bitset", b"");
        let mix = (
            u64::from_le_bytes(
                seed.get(..8)
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or([0; 8]),
            ),
            u64::from_le_bytes(
                seed.get(8..16)
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or([0; 8]),
            ) | 1,
        );
        let mut known = KnownValues {
            key,
            mix,
            bits: vec![0u64; (1usize << BITS) / 64],
            windows: HashMap::new(),
            forms: Vec::new(),
            plain: Vec::new(),
            names: Vec::new(),
        };
        let mut too_short = Vec::new();
        for (name, value) in secrets {
            if value.len() < MIN_VALUE_LEN {
                too_short.push(name.clone());
                continue;
            }
            let secret = known.names.len() as u32;
            known.names.push(name.clone());
            known.plain.push(keyed(&known.key, b"form", value));
            for form in forms(value) {
                let Some(window) = form.text.get(..WINDOW) else {
                    continue;
                };
                let index = known.forms.len() as u32;
                known.set_bit(u64_of(window));
                let window_hash = known.window_hash(window);
                known.windows.entry(window_hash).or_default().push(index);
                known.forms.push(FormPrint {
                    secret,
                    encoding: form.encoding,
                    len: form.text.len(),
                    full: keyed(&known.key, b"form", &form.text),
                    base64: form.base64.map(|core| (core, value.len())),
                });
            }
        }
        (known, too_short)
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    pub fn name(&self, secret: usize) -> &str {
        self.names.get(secret).map_or("", String::as_str)
    }

    /// A keyed fingerprint of bytes, for finding ids; never a plain hash.
    pub fn fingerprint(&self, label: &[u8], bytes: &[u8]) -> [u8; 32] {
        keyed(&self.key, label, bytes)
    }

    fn bit_index(&self, window: u64) -> usize {
        ((window ^ self.mix.0).wrapping_mul(self.mix.1) >> (64 - BITS)) as usize
    }

    fn set_bit(&mut self, window: u64) {
        let i = self.bit_index(window);
        if let Some(word) = self.bits.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    fn has_bit(&self, window: u64) -> bool {
        let i = self.bit_index(window);
        self.bits
            .get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }

    fn window_hash(&self, window: &[u8]) -> u64 {
        let h = keyed(&self.key, b"window", window);
        u64::from_le_bytes(h.get(..8).and_then(|s| s.try_into().ok()).unwrap_or([0; 8]))
    }

    /// Every known value in `data`.
    pub fn find(&self, data: &[u8]) -> Vec<KnownMatch> {
        let mut found = Vec::new();
        if self.forms.is_empty() || data.len() < WINDOW {
            return found;
        }
        for (start, window) in data.windows(WINDOW).enumerate() {
            if !self.has_bit(u64_of(window)) {
                continue;
            }
            let Some(candidates) = self.windows.get(&self.window_hash(window)) else {
                continue;
            };
            for &index in candidates {
                let Some(form) = self.forms.get(index as usize) else {
                    continue;
                };
                let end = start + form.len;
                let Some(span) = data.get(start..end) else {
                    continue;
                };
                if !bool::from(subtle_eq(&keyed(&self.key, b"form", span), &form.full)) {
                    continue;
                }
                let mut encoding = form.encoding;
                if let Some((core, value_len)) = form.base64 {
                    match self.base64_value_matches(data, start, core, value_len, form.secret) {
                        Some(true) => encoding = Encoding::Base64url,
                        Some(false) => encoding = Encoding::Base64,
                        None => continue,
                    }
                }
                let m = KnownMatch {
                    start,
                    end,
                    secret: form.secret as usize,
                    encoding,
                };
                if !found.contains(&m) {
                    found.push(m);
                }
            }
        }
        // One finding per place and secret: the longest form wins (CRLF over LF, etc.).
        found.sort_by_key(|m| (m.start, m.secret, std::cmp::Reverse(m.end)));
        found.dedup_by_key(|m| (m.start, m.secret));
        found
    }

    /// Decodes the blob around a base64 core and checks that the whole value is there:
    /// `Some(url)` when it is (`url` telling the alphabet), `None` when it is not.
    fn base64_value_matches(
        &self,
        data: &[u8],
        core_start: usize,
        core: Base64Core,
        value_len: usize,
        secret: u32,
    ) -> Option<bool> {
        let group_start = core_start.checked_sub(core.lead())?;
        let needed = (core.alignment + value_len).div_ceil(3) * 4;
        let tail = data.get(group_start..).unwrap_or_default();
        // The core's own characters may not tell the alphabet (a core without `+/-_` reads the
        // same in both), so the blob around it decides.
        let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
        let usable = tail.iter().take(needed).take_while(|&&c| is_b64(c)).count();
        let chars = tail.get(..usable)?;
        let url = chars.iter().any(|&c| c == b'-' || c == b'_');
        if url && chars.iter().any(|&c| c == b'+' || c == b'/') {
            return None;
        }
        let engine = GeneralPurpose::new(
            if url {
                &base64::alphabet::URL_SAFE
            } else {
                &base64::alphabet::STANDARD
            },
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        );
        // A last group of 1 character carries no whole byte and cannot be decoded.
        let chars = if chars.len() % 4 == 1 {
            chars.get(..chars.len() - 1).unwrap_or_default()
        } else {
            chars
        };
        let decoded = engine.decode(chars).map(Zeroizing::new).ok()?;
        let value = decoded.get(core.alignment..core.alignment + value_len)?;
        let plain = self.plain.get(secret as usize)?;
        bool::from(subtle_eq(&keyed(&self.key, b"form", value), plain)).then_some(url)
    }
}

fn u64_of(window: &[u8]) -> u64 {
    u64::from_le_bytes(
        window
            .get(..8)
            .and_then(|s| s.try_into().ok())
            .unwrap_or([0; 8]),
    )
}

fn keyed(key: &[u8; 32], label: &[u8], bytes: &[u8]) -> [u8; 32] {
    crate::hash::keyed(key, &[label, bytes])
}

/// Constant-time comparison of two hashes.
fn subtle_eq(a: &[u8; 32], b: &[u8; 32]) -> Choice {
    Choice(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0)
}

struct Choice(bool);

impl From<Choice> for bool {
    fn from(c: Choice) -> bool {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    fn matcher(values: &[(&str, &[u8])]) -> KnownValues {
        let owned: Vec<(String, &[u8])> =
            values.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
        KnownValues::build([7u8; 32], &owned).0
    }

    #[test]
    fn finds_plain_and_encoded_values_with_their_names() {
        // `???` makes the base64 and base64url forms differ (`Pz8/` and `Pz8_`).
        let value = b"sk_live_4eC39HqLyjWDarjtT1zdp7dc???";
        let known = matcher(&[("stripe-live", value)]);
        let cases: Vec<(Vec<u8>, Encoding)> = vec![
            (value.to_vec(), Encoding::Plain),
            (STANDARD.encode(value).into_bytes(), Encoding::Base64),
            (
                URL_SAFE_NO_PAD.encode(value).into_bytes(),
                Encoding::Base64url,
            ),
            (
                value
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
                    .into_bytes(),
                Encoding::Hex,
            ),
        ];
        for (form, encoding) in cases {
            let mut text = b"prefix ".to_vec();
            text.extend_from_slice(&form);
            text.extend_from_slice(b" suffix");
            let found = known.find(&text);
            assert_eq!(found.len(), 1, "{encoding:?}: {found:?}");
            assert_eq!(found[0].encoding, encoding);
            assert_eq!(known.name(found[0].secret), "stripe-live");
        }
    }

    #[test]
    fn inside_a_larger_base64_blob_at_every_alignment() {
        let value = b"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";
        let known = matcher(&[("gh", value)]);
        for before in 0..7 {
            let mut blob = vec![b'{'; before];
            blob.extend_from_slice(value);
            blob.extend_from_slice(b"\"}");
            let text = format!("data: {}\n", STANDARD.encode(&blob));
            let found = known.find(text.as_bytes());
            assert_eq!(found.len(), 1, "{before}: {found:?}");
            assert_eq!(found[0].encoding, Encoding::Base64);
        }
    }

    #[test]
    fn a_one_byte_difference_is_never_reported() {
        let value = b"sk_live_4eC39HqLyjWDarjtT1zdp7dc".to_vec();
        let known = matcher(&[("s", &value)]);
        for i in 0..value.len() {
            let mut other = value.clone();
            other[i] ^= 1;
            for before in 0..3 {
                let mut blob = vec![b'x'; before];
                blob.extend_from_slice(&other);
                blob.extend_from_slice(b"tail");
                let text = [other.as_slice(), b" ", STANDARD.encode(&blob).as_bytes()].concat();
                assert!(
                    known.find(&text).is_empty(),
                    "byte {i} changed, {before} before"
                );
            }
        }
    }

    #[test]
    fn short_values_are_left_out_by_name() {
        let (known, short) = KnownValues::build([1; 32], &[("pin".into(), b"1234".as_slice())]);
        assert!(known.is_empty());
        assert_eq!(short, vec!["pin"]);
    }
}
