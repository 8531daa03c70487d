//! What a secret's name and a tag may look like.
//!
//! Names appear in `kw://NAME` references, `keyward.toml`, shell commands and file paths of
//! reports, so they stay within characters that need no quoting anywhere: letters, digits and
//! `_ . - / @ +`, starting with a letter or digit, with `/` only between segments
//! (`db/staging-url`).

use crate::error::{Error, Result};

pub const MAX_NAME_LEN: usize = 128;
pub const MAX_TAG_LEN: usize = 64;
pub const MAX_TAGS: usize = 32;
pub const MAX_NOTE_LEN: usize = 16 * 1024;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '@' | '+')
}

pub fn validate_name(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::InvalidName(format!(
            "invalid secret name {}: {why}",
            shown(name)
        )))
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME_LEN {
        return bad(&format!("it is longer than {MAX_NAME_LEN} characters"));
    }
    if let Some(c) = name.chars().find(|&c| !is_name_char(c)) {
        return bad(&format!(
            "{} is not allowed (use letters, digits and _ . - / @ +)",
            describe(c)
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return bad("it must start with a letter or digit");
    }
    if name.ends_with('/') || name.contains("//") || name.split('/').any(|s| s == "." || s == "..")
    {
        return bad("each '/'-separated part must be a plain name");
    }
    Ok(())
}

pub fn validate_tag(tag: &str) -> Result<()> {
    let ok = !tag.is_empty()
        && tag.len() <= MAX_TAG_LEN
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "invalid tag {}: use 1 to {MAX_TAG_LEN} letters, digits and _ . - :",
            shown(tag)
        )))
    }
}

/// Sorts, de-duplicates and checks a tag list.
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>> {
    for tag in tags {
        validate_tag(tag)?;
    }
    let mut out = tags.to_vec();
    out.sort();
    out.dedup();
    if out.len() > MAX_TAGS {
        return Err(Error::Invalid(format!(
            "a secret takes at most {MAX_TAGS} tags"
        )));
    }
    Ok(out)
}

pub fn validate_note(note: &str) -> Result<()> {
    if note.len() > MAX_NOTE_LEN {
        return Err(Error::Invalid(format!(
            "the note is longer than {MAX_NOTE_LEN} bytes"
        )));
    }
    Ok(())
}

/// A user-typed name, quoted and cut short for an error message (control characters escaped).
fn shown(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!("{short:?}")
}

fn describe(c: char) -> String {
    if c == ' ' {
        "a space".into()
    } else {
        format!("{c:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names_pass() {
        for name in [
            "stripe-live",
            "db/staging-url",
            "OPENAI_KEY",
            "a",
            "x.y+z@host",
            "9lives",
        ] {
            validate_name(name).unwrap();
        }
    }

    #[test]
    fn bad_names_fail_with_a_reason() {
        let cases = [
            ("", "it is empty"),
            ("has space", "a space is not allowed"),
            ("-flag", "must start with a letter or digit"),
            ("a//b", "plain name"),
            ("a/../b", "plain name"),
            ("end/", "plain name"),
            ("tab\tname", "'\\t' is not allowed"),
            ("ünï", "'ü' is not allowed"),
        ];
        for (name, why) in cases {
            let err = validate_name(name).unwrap_err().to_string();
            assert!(err.contains(why), "{name:?}: {err}");
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        assert!(
            validate_name(&long)
                .unwrap_err()
                .to_string()
                .contains("longer than")
        );
        validate_name(&"a".repeat(MAX_NAME_LEN)).unwrap();
    }

    #[test]
    fn tags_are_sorted_deduplicated_and_checked() {
        let tags = normalize_tags(&["prod".into(), "api".into(), "prod".into()]).unwrap();
        assert_eq!(tags, ["api", "prod"]);
        assert!(normalize_tags(&["bad tag".into()]).is_err());
        assert!(normalize_tags(&[String::new()]).is_err());
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert!(normalize_tags(&many).is_err());
    }
}
