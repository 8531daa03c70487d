//! `keyward env`: variables formatted for `eval` in sh-like shells and fish, as a dotenv file,
//! or as JSON. Every format keeps values exact, multi-line ones included.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

use super::dotenv::escape_double_quoted;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvFormat {
    Sh,
    Fish,
    Dotenv,
    Json,
}

/// Formats `vars` (sorted by the caller). The output holds the values: it is meant for a pipe
/// into `eval` or a file the user asked for, and is wiped when dropped.
pub fn format_env(vars: &[(String, SecretBytes)], format: EnvFormat) -> Result<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::new());
    if format == EnvFormat::Json {
        let mut map = serde_json::Map::new();
        for (name, value) in vars {
            map.insert(
                name.clone(),
                serde_json::Value::String(text(name, value)?.to_owned()),
            );
        }
        let json = Zeroizing::new(serde_json::Value::Object(map).to_string());
        out.push_str(&json);
        out.push('\n');
        // serde_json's own buffers for the map are dropped here; the strings were copies.
        return Ok(out);
    }
    for (name, value) in vars {
        let value = text(name, value)?;
        match format {
            EnvFormat::Sh => {
                out.push_str("export ");
                out.push_str(name);
                out.push('=');
                out.push_str(&sh_quote(value));
                out.push('\n');
            }
            EnvFormat::Fish => {
                out.push_str("set -gx ");
                out.push_str(name);
                out.push(' ');
                out.push_str(&fish_quote(value));
                out.push_str(";\n");
            }
            EnvFormat::Dotenv => {
                out.push_str(name);
                out.push_str("=\"");
                out.push_str(&escape_double_quoted(value));
                out.push_str("\"\n");
            }
            EnvFormat::Json => {}
        }
    }
    Ok(out)
}

/// Environment values are C strings: no NUL; and every format here is text.
fn text<'a>(name: &str, value: &'a SecretBytes) -> Result<&'a str> {
    if value.expose().contains(&0) {
        return Err(Error::Invalid(format!(
            "the value for {name} contains a NUL byte, which no environment variable can hold"
        )));
    }
    std::str::from_utf8(value.expose()).map_err(|_| {
        Error::Invalid(format!(
            "the value for {name} is not UTF-8 text; use `keyward run` to pass it to a process"
        ))
    })
}

/// POSIX single quotes: everything literal; a `'` is closed, escaped and reopened.
pub fn sh_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// fish single quotes: only `\` and `'` are special.
pub fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vec<(String, SecretBytes)> {
        vec![
            ("A".into(), SecretBytes::copy_from(b"it's $HOME `x` \\n")),
            ("PEM".into(), SecretBytes::copy_from(b"line1\nline2\n")),
        ]
    }

    #[test]
    fn sh_output_evaluates_to_the_exact_values() {
        let script = format_env(&vars(), EnvFormat::Sh).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{}\nprintf '%s|' \"$A\" \"$PEM\"", &*script))
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"it's $HOME `x` \\n|line1\nline2\n|");
    }

    #[test]
    fn json_and_dotenv() {
        let json = format_env(&vars(), EnvFormat::Json).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["PEM"], "line1\nline2\n");
        let dotenv = format_env(&vars(), EnvFormat::Dotenv).unwrap();
        let env = crate::inject::dotenv::DotEnv::parse(Zeroizing::new(dotenv.to_string())).unwrap();
        assert_eq!(env.assignments[0].value.expose(), b"it's $HOME `x` \\n");
        assert_eq!(env.assignments[1].value.expose(), b"line1\nline2\n");
    }

    #[test]
    fn fish_quoting() {
        assert_eq!(fish_quote("a'b\\c"), "'a\\'b\\\\c'");
    }

    #[test]
    fn nul_and_binary_values_are_refused_by_name() {
        let bad = vec![("X".into(), SecretBytes::copy_from(b"a\0b"))];
        let err = format_env(&bad, EnvFormat::Sh).unwrap_err().to_string();
        assert!(err.contains("X") && err.contains("NUL"), "{err}");
        let bin = vec![("Y".into(), SecretBytes::copy_from(b"\xff\xfe"))];
        assert!(format_env(&bin, EnvFormat::Json).is_err());
    }
}
