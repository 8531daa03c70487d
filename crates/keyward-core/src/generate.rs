//! New values for secrets the user owns (database passwords, webhook signing secrets): random
//! characters from a chosen set, each drawn uniformly (rejection sampling, no modulo bias).

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

pub const DEFAULT_LENGTH: usize = 32;
const MIN_LENGTH: usize = 8;
const MAX_LENGTH: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// Letters and digits: safe in URLs, shells, config files.
    Alnum,
    /// Lower-case hex digits.
    Hex,
    /// Letters, digits, `-` and `_`.
    Base64url,
    /// Every printable ASCII character but space, quotes and backslash.
    Symbols,
}

impl Charset {
    fn alphabet(self) -> &'static [u8] {
        match self {
            Charset::Alnum => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            Charset::Hex => b"0123456789abcdef",
            Charset::Base64url => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            }
            Charset::Symbols => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~"
            }
        }
    }
}

impl FromStr for Charset {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Ok(match text {
            "alnum" => Charset::Alnum,
            "hex" => Charset::Hex,
            "base64url" => Charset::Base64url,
            "symbols" => Charset::Symbols,
            _ => {
                return Err(Error::Invalid(format!(
                    "unknown character set {text:?}: use alnum, hex, base64url or symbols"
                )));
            }
        })
    }
}

/// `length` random characters of `charset`, in a zeroizing buffer.
pub fn generate(length: usize, charset: Charset) -> Result<SecretBytes> {
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(Error::InvalidValue(format!(
            "a generated value is {MIN_LENGTH} to {MAX_LENGTH} characters long"
        )));
    }
    let alphabet = charset.alphabet();
    // The largest multiple of the alphabet's size that fits in a byte: bytes at or above it
    // are drawn again, so every character is equally likely.
    let limit = 256 - 256 % alphabet.len();
    let mut out = Vec::with_capacity(length);
    let mut pool = zeroize::Zeroizing::new([0u8; 256]);
    while out.len() < length {
        crate::crypto::random_fill(&mut pool[..])?;
        for &b in pool.iter() {
            if usize::from(b) < limit
                && out.len() < length
                && let Some(&c) = alphabet.get(usize::from(b) % alphabet.len())
            {
                out.push(c);
            }
        }
    }
    Ok(SecretBytes::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_the_length_and_characters_asked_for_and_differ() {
        for charset in [
            Charset::Alnum,
            Charset::Hex,
            Charset::Base64url,
            Charset::Symbols,
        ] {
            let a = generate(40, charset).unwrap();
            let b = generate(40, charset).unwrap();
            assert_eq!(a.len(), 40);
            assert!(a.expose().iter().all(|c| charset.alphabet().contains(c)));
            assert_ne!(a, b);
        }
    }

    #[test]
    fn every_character_turns_up_about_as_often() {
        let value = generate(4096, Charset::Hex).unwrap();
        for digit in b"0123456789abcdef" {
            let n = value.expose().iter().filter(|&&c| c == *digit).count();
            // 256 expected; six standard deviations either way.
            assert!((160..=352).contains(&n), "{} {n}", *digit as char);
        }
    }

    #[test]
    fn lengths_out_of_range_and_unknown_sets_are_refused() {
        assert!(generate(7, Charset::Alnum).is_err());
        assert!(generate(4097, Charset::Alnum).is_err());
        assert!("emoji".parse::<Charset>().is_err());
    }
}
