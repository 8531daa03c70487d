//! What a scan reports. A finding never holds a whole secret: only a redacted preview and a
//! keyed fingerprint.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A value stored in the vault.
    Vault,
    /// A well-known key format.
    Pattern,
}

/// How exposed the file is (contract): tracked or staged `critical`; untracked in a repo
/// `high`; ignored or outside any repo `medium`; `low` for identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How sure keyward is that the match is a credential (contract): `high` for stored values,
/// provider formats and credential files, `medium` for heuristics such as a literal assigned to
/// a telling name, `low` for those in test code and fixtures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// Parses the contract's names: `low`, `medium`, `high`.
    pub fn parse(text: &str) -> Option<Confidence> {
        match text {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub path: String,
    /// 1-based; for a match over several lines, its first line.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub kind: Kind,
    /// The vault entry's name, for `kind: vault`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The rule's id; `vault` for known values.
    pub rule: String,
    /// The rule's description, or "stored secret".
    pub description: String,
    pub encoding: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What the key's provider said, with `scan --verify` and a check for the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<crate::verify::Verdict>,
    pub redacted: String,
    /// Keyed and stable for the same secret at the same rule: never a plain hash.
    pub fingerprint: String,
    /// Salted fingerprint for baselines (not printed).
    #[serde(skip)]
    pub baseline_key: String,
    /// Whether the rule marks identifiers rather than secrets, or the finding sits in test
    /// code (reported as `low`, whatever git says).
    #[serde(skip)]
    pub identifier: bool,
}

/// A preview that shows too little to use: a few characters at each end of long secrets, and
/// nothing but the ellipsis for short ones.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let first_line = text.lines().next().unwrap_or_default();
    let chars: Vec<char> = first_line.chars().collect();
    let multi_line = text.lines().nth(1).is_some();
    let (head, tail) = match chars.len() {
        n if n >= 20 => (4, if multi_line { 0 } else { 3 }),
        n if n >= 12 => (2, if multi_line { 0 } else { 2 }),
        _ => (0, 0),
    };
    let start: String = chars.iter().take(head).collect();
    let end: String = chars
        .iter()
        .skip(chars.len().saturating_sub(tail))
        .collect();
    format!("{start}…{end}")
}

/// 1-based line and character column of byte `offset` in `data`.
pub fn position(data: &[u8], offset: usize) -> (usize, usize) {
    let before = data.get(..offset).unwrap_or(data);
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_never_hold_the_secret() {
        assert_eq!(redact(b"sk_live_4eC39HqLyjWDarjtT1zdp7dc"), "sk_l…7dc");
        assert_eq!(redact(b"short-secret"), "sh…et");
        assert_eq!(redact(b"tiny"), "…");
        assert_eq!(
            redact(b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
            "----…"
        );
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(position(b"ab\ncd f", 0), (1, 1));
        assert_eq!(position(b"ab\ncd\xc3\xa9 f", 8), (2, 5));
    }
}
