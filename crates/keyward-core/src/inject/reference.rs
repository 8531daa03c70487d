//! `kw://NAME`: a reference to a vault entry, written where a value would be.

pub const SCHEME: &str = "kw://";

/// The entry name of a reference, or `None` when `text` is not one.
pub fn parse(text: &str) -> Option<&str> {
    text.strip_prefix(SCHEME).filter(|name| !name.is_empty())
}

pub fn format(name: &str) -> String {
    format!("{SCHEME}{name}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn references() {
        assert_eq!(super::parse("kw://db/url"), Some("db/url"));
        assert_eq!(super::parse("kw://"), None);
        assert_eq!(super::parse("postgres://x"), None);
        assert_eq!(super::format("a"), "kw://a");
    }
}
