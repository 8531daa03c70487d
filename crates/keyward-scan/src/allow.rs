//! Inline ignores the peers agreed on: `keyward:allow`, `gitleaks:allow` and detect-secrets'
//! `pragma: allowlist secret` on the line of a finding silence it.

const MARKERS: &[&[u8]] = &[
    b"keyward:allow",
    b"gitleaks:allow",
    b"pragma: allowlist secret",
];

/// Whether the line holding byte `offset` carries an inline ignore.
pub fn is_allowed(data: &[u8], offset: usize) -> bool {
    let before = data.get(..offset).unwrap_or(data);
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let rest = data.get(start..).unwrap_or_default();
    let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i);
    let line = rest.get(..end).unwrap_or_default();
    MARKERS
        .iter()
        .any(|m| memchr::memmem::find(line, m).is_some())
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_on_the_same_line_only() {
        let text =
            b"a = 'sk_live_x' # keyward:allow\nb = 'sk_live_y'\nc = 1 # pragma: allowlist secret";
        assert!(super::is_allowed(text, 6));
        assert!(!super::is_allowed(text, 38));
        assert!(super::is_allowed(text, text.len() - 3));
    }
}
