//! Property: any value, embedded in any text under any supported encoding, is found with its
//! name; the same text with one byte of the value changed is not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use keyward_scan::known::KnownValues;
use proptest::prelude::*;

/// The value as it would be written in the given encoding, embedded after `before` bytes of a
/// larger payload for the base64 forms.
fn encode(value: &[u8], how: u8, before: &[u8]) -> Vec<u8> {
    let mut payload = before.to_vec();
    payload.extend_from_slice(value);
    payload.extend_from_slice(b"\"}");
    match how % 7 {
        0 => value.to_vec(),
        1 => STANDARD.encode(&payload).into_bytes(),
        2 => URL_SAFE_NO_PAD.encode(&payload).into_bytes(),
        3 => value
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
        4 => value
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
            .into_bytes(),
        5 => value
            .iter()
            .map(|&b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
            .into_bytes(),
        _ => {
            let json = serde_json::to_string(&String::from_utf8_lossy(value)).unwrap();
            json.as_bytes()[1..json.len() - 1].to_vec()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn embedded_values_are_found_and_mutations_are_not(
        value in proptest::collection::vec(any::<u8>(), 8..80),
        how in 0u8..7,
        before in proptest::collection::vec(any::<u8>(), 0..5),
        prefix in "[ -~]{0,40}",
        suffix in "[ -~]{0,40}",
        flip in any::<prop::sample::Index>(),
    ) {
        // JSON escaping is defined for text: use the value's UTF-8 reading.
        let value = if how == 6 { String::from_utf8_lossy(&value).into_owned().into_bytes() } else { value };
        prop_assume!(value.len() >= 8);
        let (known, _) = KnownValues::build([5; 32], &[("the-secret".to_owned(), value.as_slice())]);
        let text = [prefix.as_bytes(), b" ", &encode(&value, how, &before), b" ", suffix.as_bytes()].concat();
        let found = known.find(&text);
        prop_assert!(!found.is_empty(), "not found: how={how}");
        prop_assert_eq!(known.name(found[0].secret), "the-secret");

        let mut other = value.clone();
        let i = flip.index(other.len());
        other[i] ^= 0x01;
        let other = if how == 6 { String::from_utf8_lossy(&other).into_owned().into_bytes() } else { other };
        prop_assume!(other != value);
        let text = [prefix.as_bytes(), b" ", &encode(&other, how, &before), b" ", suffix.as_bytes()].concat();
        prop_assert!(known.find(&text).is_empty(), "a one-byte change was reported: how={how} at {i}");
    }
}
