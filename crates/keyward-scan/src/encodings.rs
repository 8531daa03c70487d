//! The forms a secret takes when it leaks: as is, base64 (inside a larger blob too, so at each of
//! the three byte alignments), base64url, URL-encoded, hex, JSON-escaped and shell-quoted.
//!
//! This is the one list: the scanner looks for [`forms`], and `keyward run` masks
//! [`masked_forms`] in a child's output, so every form `scan` would report is also concealed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use zeroize::Zeroizing;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Plain,
    Base64,
    Base64url,
    Url,
    Hex,
    Json,
    Shell,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
            Encoding::Base64 => "base64",
            Encoding::Base64url => "base64url",
            Encoding::Url => "url",
            Encoding::Hex => "hex",
            Encoding::Json => "json",
            Encoding::Shell => "shell",
        }
    }
}

/// How a base64 core sits in its blob: the value starts `alignment` bytes into a 3-byte group,
/// and the core skips the first 4 characters when that group also holds bytes before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base64Core {
    pub alignment: usize,
    pub url: bool,
}

impl Base64Core {
    /// Characters of the blob before the core that still belong to the value's first group.
    pub fn lead(&self) -> usize {
        if self.alignment == 0 { 0 } else { 4 }
    }
}

/// One encoded form of a value.
#[derive(Debug)]
pub struct Form {
    pub encoding: Encoding,
    pub text: Zeroizing<Vec<u8>>,
    /// Set for base64 cores, which need the decoded value checked around them.
    pub base64: Option<Base64Core>,
}

/// What to conceal when `value` may be printed: every form the scanner detects, plus the whole
/// base64 and base64url encodings of the value alone (with and without padding), so a value
/// encoded on its own is masked to its last character rather than to its core.
pub fn masked_forms(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out: Vec<Zeroizing<Vec<u8>>> = forms(value).into_iter().map(|f| f.text).collect();
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        let whole = Zeroizing::new(engine.encode(value).into_bytes());
        if !out.contains(&whole) {
            out.push(whole);
        }
    }
    out
}

/// Every form of `value`, the plain one first, without duplicates.
pub fn forms(value: &[u8]) -> Vec<Form> {
    let mut out: Vec<Form> = Vec::new();
    let mut push = |encoding, text: Vec<u8>, base64| {
        let text = Zeroizing::new(text);
        if !text.is_empty() && !out.iter().any(|f| *f.text == *text) {
            out.push(Form {
                encoding,
                text,
                base64,
            });
        }
    };
    push(Encoding::Plain, value.to_vec(), None);
    if value.contains(&b'\n') {
        push(Encoding::Plain, crlf(value), None);
    }
    for alignment in 0..3 {
        let core = base64_core(value, alignment);
        let url: Vec<u8> = core
            .iter()
            .map(|&c| match c {
                b'+' => b'-',
                b'/' => b'_',
                c => c,
            })
            .collect();
        push(
            Encoding::Base64,
            core.to_vec(),
            Some(Base64Core {
                alignment,
                url: false,
            }),
        );
        push(
            Encoding::Base64url,
            url,
            Some(Base64Core {
                alignment,
                url: true,
            }),
        );
    }
    push(Encoding::Url, percent(value, true), None);
    push(Encoding::Url, percent(value, false), None);
    push(Encoding::Hex, hex(value, b"0123456789abcdef"), None);
    push(Encoding::Hex, hex(value, b"0123456789ABCDEF"), None);
    if let Ok(text) = std::str::from_utf8(value) {
        // Every intermediate copy of the value is wiped too.
        if let Ok(json) = serde_json::to_string(text).map(Zeroizing::new) {
            let inner = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or_default();
            push(Encoding::Json, inner.as_bytes().to_vec(), None);
            let slashed = Zeroizing::new(inner.replace('/', "\\/"));
            push(Encoding::Json, slashed.as_bytes().to_vec(), None);
        }
        let quoted = Zeroizing::new(text.replace('\'', "'\\''"));
        push(Encoding::Shell, quoted.as_bytes().to_vec(), None);
        let mut double = Zeroizing::new(String::with_capacity(text.len() * 2));
        for c in text.chars() {
            if matches!(c, '$' | '`' | '"' | '\\') {
                double.push('\\');
            }
            double.push(c);
        }
        push(Encoding::Shell, double.as_bytes().to_vec(), None);
    }
    out
}

/// The characters of base64(`alignment` zero bytes + value) that depend on the value alone:
/// whole groups only, without the first group when it holds bytes before the value.
pub fn base64_core(value: &[u8], alignment: usize) -> Zeroizing<Vec<u8>> {
    let mut padded = Zeroizing::new(vec![0u8; alignment]);
    padded.extend_from_slice(value);
    let full_groups = padded.len() / 3;
    let encoded =
        Zeroizing::new(STANDARD.encode(padded.get(..full_groups * 3).unwrap_or_default()));
    let lead = if alignment == 0 { 0 } else { 4 };
    Zeroizing::new(encoded.as_bytes().get(lead..).unwrap_or_default().to_vec())
}

fn crlf(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    for &b in value {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn percent(value: &[u8], upper: bool) -> Vec<u8> {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Vec::with_capacity(value.len() * 3);
    for &b in value {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.push(b'%');
            out.push(digit(digits, b >> 4));
            out.push(digit(digits, b & 15));
        }
    }
    out
}

fn hex(value: &[u8], digits: &[u8; 16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() * 2);
    for &b in value {
        out.push(digit(digits, b >> 4));
        out.push(digit(digits, b & 15));
    }
    out
}

fn digit(digits: &[u8; 16], nibble: u8) -> u8 {
    digits.get(usize::from(nibble)).copied().unwrap_or(b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_cores_appear_inside_any_blob_holding_the_value() {
        let value = b"sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        for before in 0..6 {
            let mut blob = vec![b'!'; before];
            blob.extend_from_slice(value);
            blob.extend_from_slice(b"trailing bytes");
            let encoded = STANDARD.encode(&blob);
            let core = base64_core(value, before % 3);
            assert!(
                memchr::memmem::find(encoded.as_bytes(), &core).is_some(),
                "{before} bytes before"
            );
        }
    }

    #[test]
    fn forms_are_distinct_and_plain_first() {
        // `???` encodes to `Pz8/`, so the base64 and base64url forms differ.
        let f = forms(b"p@ss/w'rd\nline???");
        assert_eq!(f[0].encoding, Encoding::Plain);
        let kinds: std::collections::HashSet<_> = f.iter().map(|f| f.encoding).collect();
        for e in [
            Encoding::Base64,
            Encoding::Base64url,
            Encoding::Url,
            Encoding::Hex,
            Encoding::Json,
            Encoding::Shell,
        ] {
            assert!(kinds.contains(&e), "{e:?}");
        }
    }
}
