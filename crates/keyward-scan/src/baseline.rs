//! Baselines: findings a team has looked at and accepted, stored as salted fingerprints so the
//! file can be committed without holding or identifying any secret. A finding whose salted
//! fingerprint is in the baseline is not reported.
//!
//! ```json
//! {"keyward_baseline": 1, "salt": "<64 hex>", "fingerprints": ["<32 hex>", ...]}
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::{Error, Result};

/// Baseline files are small; this bounds what a wrong path can make us read.
const MAX_BASELINE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    keyward_baseline: u32,
    salt: String,
    fingerprints: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub salt: [u8; 32],
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn new(salt: [u8; 32]) -> Baseline {
        Baseline {
            salt,
            fingerprints: BTreeSet::new(),
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Baseline> {
        let file: File = serde_json::from_slice(bytes).map_err(|e| {
            Error::Invalid(format!(
                "not a keyward baseline (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if file.keyward_baseline != 1 {
            return Err(Error::Invalid(format!(
                "baseline version {} is not supported",
                file.keyward_baseline
            )));
        }
        let salt = decode_hex32(&file.salt)
            .ok_or_else(|| Error::Invalid("the baseline's salt is not 64 hex digits".into()))?;
        if let Some(bad) = file
            .fingerprints
            .iter()
            .find(|f| f.len() != 32 || !f.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Error::Invalid(format!(
                "the baseline holds a malformed fingerprint {:?}",
                bad.chars().take(40).collect::<String>()
            )));
        }
        Ok(Baseline {
            salt,
            fingerprints: file.fingerprints,
        })
    }

    pub fn load(path: &Path) -> Result<Baseline> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        if meta.len() > MAX_BASELINE {
            return Err(Error::Invalid(format!(
                "{} is too large for a baseline",
                path.display()
            )));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        Baseline::parse(&bytes).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
    }

    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.baseline_key)
    }

    pub fn add(&mut self, finding: &Finding) {
        if !finding.baseline_key.is_empty() {
            self.fingerprints.insert(finding.baseline_key.clone());
        }
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    pub fn to_json(&self) -> String {
        let file = File {
            keyward_baseline: 1,
            salt: self.salt.iter().map(|b| format!("{b:02x}")).collect(),
            fingerprints: self.fingerprints.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn decode_hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_hostile_input() {
        let mut b = Baseline::new([9; 32]);
        b.fingerprints
            .insert("0123456789abcdef0123456789abcdef".into());
        let back = Baseline::parse(b.to_json().as_bytes()).unwrap();
        assert_eq!(back, b);
        for bad in [
            &b""[..],
            b"{}",
            b"[]",
            b"{\"keyward_baseline\":2,\"salt\":\"\",\"fingerprints\":[]}",
            b"{\"keyward_baseline\":1,\"salt\":\"zz\",\"fingerprints\":[]}",
            b"\xff\xfe",
        ] {
            let err = Baseline::parse(bad).unwrap_err().to_string();
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
