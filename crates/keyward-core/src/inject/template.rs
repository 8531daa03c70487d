//! `keyward inject`: templates with `{{ kw://NAME }}` placeholders filled from the vault.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

use super::reference;

/// A placeholder found in a template.
#[derive(Debug, PartialEq, Eq)]
struct Placeholder {
    start: usize,
    end: usize,
    name: String,
}

/// The entry names a template refers to, each once, in order of first use.
pub fn names(template: &str) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for p in placeholders(template)? {
        if !names.contains(&p.name) {
            names.push(p.name);
        }
    }
    Ok(names)
}

/// The template with every placeholder replaced by its value (`values` in the order of
/// `names(template)`).
pub fn render(template: &str, values: &[(String, SecretBytes)]) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(template.len()));
    let mut at = 0;
    for p in placeholders(template)? {
        out.extend_from_slice(template.get(at..p.start).unwrap_or_default().as_bytes());
        let value = values
            .iter()
            .find(|(name, _)| *name == p.name)
            .ok_or_else(|| Error::NotFound(p.name.clone()))?;
        out.extend_from_slice(value.1.expose());
        at = p.end;
    }
    out.extend_from_slice(template.get(at..).unwrap_or_default().as_bytes());
    Ok(out)
}

/// Every `{{ kw://NAME }}`. Other `{{ ... }}` (another tool's templates) are left alone; a
/// `{{ kw://` that is not closed on its line is an error with the line number.
fn placeholders(template: &str) -> Result<Vec<Placeholder>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = template.get(from..).and_then(|t| t.find("{{")) {
        let start = from + offset;
        let inner_start = start + 2;
        let rest = template.get(inner_start..).unwrap_or_default();
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if !trimmed.starts_with(reference::SCHEME) {
            from = inner_start;
            continue;
        }
        let line = template
            .get(..start)
            .unwrap_or_default()
            .matches('\n')
            .count()
            + 1;
        let close = rest
            .find("}}")
            .filter(|&c| !rest.get(..c).unwrap_or_default().contains('\n'))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "line {line}: a {{{{ kw:// placeholder is not closed with }}}}"
                ))
            })?;
        let inner = rest.get(..close).unwrap_or_default().trim();
        let name = reference::parse(inner).unwrap_or_default();
        crate::names::validate_name(name)
            .map_err(|e| Error::Invalid(format!("line {line}: {e}")))?;
        let end = inner_start + close + 2;
        found.push(Placeholder {
            start,
            end,
            name: name.to_owned(),
        });
        from = end;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_others_left_alone() {
        let t = "key: {{ kw://stripe }}\nurl: {{kw://db/url}}\nother: {{ .Values.x }}\nagain: {{ kw://stripe }}\n";
        assert_eq!(names(t).unwrap(), vec!["stripe", "db/url"]);
        let values = vec![
            ("stripe".to_owned(), SecretBytes::copy_from(b"sk_1")),
            ("db/url".to_owned(), SecretBytes::copy_from(b"pg://x\ny")),
        ];
        let out = render(t, &values).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "key: sk_1\nurl: pg://x\ny\nother: {{ .Values.x }}\nagain: sk_1\n"
        );
    }

    #[test]
    fn broken_placeholders_name_their_line() {
        let err = names("a\nb: {{ kw://x \n}}").unwrap_err().to_string();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = names("{{ kw://bad name! }}").unwrap_err().to_string();
        assert!(err.starts_with("line 1:"), "{err}");
    }
}
