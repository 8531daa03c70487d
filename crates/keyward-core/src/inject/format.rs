//! `keyward env`: variables formatted for `eval` in sh-like shells and fish, as a dotenv file,
//! or as JSON. Every format keeps values exact, multi-line ones included.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

use super::dotenv::push_double_quoted_escaped;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvFormat {
    Sh,
    Fish,
    Dotenv,
    Json,
}

/// Formats `vars` (sorted by the caller). The output holds the values: it is meant for a pipe
/// into `eval` or a file the user asked for, and is wiped when dropped. It is written into one
/// buffer sized for the worst case up front, with no intermediate string: a buffer that grew
/// would leave copies of the values behind in freed memory.
pub fn format_env(vars: &[(String, SecretBytes)], format: EnvFormat) -> Result<Zeroizing<String>> {
    let capacity = worst_case_len(vars);
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    if format == EnvFormat::Json {
        out.push(b'{');
    }
    for (i, (name, value)) in vars.iter().enumerate() {
        let value = text(name, value)?;
        match format {
            EnvFormat::Sh => {
                push_all(&mut out, &[b"export ", name.as_bytes(), b"="]);
                push_sh_quoted(&mut out, value);
                out.push(b'\n');
            }
            EnvFormat::Fish => {
                push_all(&mut out, &[b"set -gx ", name.as_bytes(), b" "]);
                push_fish_quoted(&mut out, value);
                out.extend_from_slice(b";\n");
            }
            EnvFormat::Dotenv => {
                push_all(&mut out, &[name.as_bytes(), b"=\""]);
                push_double_quoted_escaped(&mut out, value);
                out.extend_from_slice(b"\"\n");
            }
            EnvFormat::Json => {
                if i > 0 {
                    out.push(b',');
                }
                push_json_string(&mut out, name)?;
                out.push(b':');
                push_json_string(&mut out, value)?;
            }
        }
    }
    if format == EnvFormat::Json {
        out.extend_from_slice(b"}\n");
    }
    String::from_utf8(std::mem::take(&mut *out))
        .map(Zeroizing::new)
        .map_err(|e| {
            drop(Zeroizing::new(e.into_bytes()));
            Error::Invalid("the formatted variables are not UTF-8".into())
        })
}

/// The longest any format can make `vars`: JSON escapes a control character in 6 bytes, the
/// most any format spends on one byte; the rest is names and punctuation.
fn worst_case_len(vars: &[(String, SecretBytes)]) -> usize {
    vars.iter()
        .map(|(name, value)| 6 * (name.len() + value.len()) + 16)
        .sum::<usize>()
        + 4
}

fn push_all(out: &mut Vec<u8>, parts: &[&[u8]]) {
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// A JSON string, quoted and escaped by serde_json straight into `out`.
fn push_json_string(out: &mut Vec<u8>, text: &str) -> Result<()> {
    serde_json::to_writer(&mut *out, text).map_err(|e| {
        Error::Invalid(format!(
            "could not encode JSON: {}",
            crate::error::json_category(&e)
        ))
    })
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
fn push_sh_quoted(out: &mut Vec<u8>, value: &str) {
    out.push(b'\'');
    for &b in value.as_bytes() {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
}

/// fish single quotes: only `\` and `'` are special.
fn push_fish_quoted(out: &mut Vec<u8>, value: &str) {
    out.push(b'\'');
    for &b in value.as_bytes() {
        if matches!(b, b'\\' | b'\'') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'\'');
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
        let mut out = Vec::new();
        push_fish_quoted(&mut out, "a'b\\c");
        assert_eq!(out, b"'a\\'b\\\\c'");
    }

    #[test]
    fn no_format_outgrows_its_buffer() {
        let nasty = "\u{1}\u{2}'\"\\$`\n\t\u{7f}";
        let vars = vec![
            (
                "A".to_owned(),
                SecretBytes::copy_from(nasty.repeat(50).as_bytes()),
            ),
            ("B".to_owned(), SecretBytes::copy_from(b"plain")),
        ];
        for format in [
            EnvFormat::Sh,
            EnvFormat::Fish,
            EnvFormat::Dotenv,
            EnvFormat::Json,
        ] {
            let out = format_env(&vars, format).unwrap();
            assert_eq!(out.capacity(), worst_case_len(&vars), "{format:?}");
        }
        let json = format_env(&vars, EnvFormat::Json).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["A"], nasty.repeat(50));
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
