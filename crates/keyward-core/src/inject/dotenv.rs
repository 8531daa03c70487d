//! `.env` files: parsed exactly enough to read every value and to rewrite values in place with
//! comments, order, `export` and quoting kept.
//!
//! The dialect (what dotenv, docker compose and direnv's `dotenv` agree on):
//! - blank lines and lines starting with `#` are kept as they are;
//! - `[export ]KEY=VALUE`, spaces allowed around `=`;
//! - `'...'` and `` `...` `` are literal, `"..."` understands `\n`, `\r`, `\t`, `\\`, `\"` and
//!   `\$`; all three may span lines;
//! - an unquoted value runs to the end of the line or to ` #` (a comment), trailing spaces
//!   trimmed.
//!
//! Anything else is an error naming its line; nothing is changed.

use std::ops::Range;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

use super::check_variable_name;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
    Backtick,
}

impl Quote {
    fn wrap(self, text: &str) -> String {
        match self {
            Quote::None => text.to_owned(),
            Quote::Single => format!("'{text}'"),
            Quote::Double => format!("\"{text}\""),
            Quote::Backtick => format!("`{text}`"),
        }
    }
}

/// One `KEY=VALUE` of the file.
#[derive(Debug)]
pub struct Assignment {
    /// 1-based line of the key.
    pub line: usize,
    pub key: String,
    pub value: SecretBytes,
    pub quote: Quote,
    /// Where the value, quotes included, sits in the file's text.
    span: Range<usize>,
}

#[derive(Debug)]
pub struct DotEnv {
    text: Zeroizing<String>,
    pub assignments: Vec<Assignment>,
}

impl DotEnv {
    pub fn parse(text: Zeroizing<String>) -> Result<DotEnv> {
        let assignments = Parser::new(&text).parse()?;
        Ok(DotEnv { text, assignments })
    }

    /// Reads and parses `path` (up to `limit` bytes).
    pub fn read(path: &std::path::Path, limit: usize) -> Result<DotEnv> {
        let mut file = std::fs::File::open(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        let bytes = SecretBytes::read_limited(&mut file, limit, &path.display().to_string())?;
        let text = std::str::from_utf8(bytes.expose())
            .map_err(|_| Error::Invalid(format!("{} is not UTF-8 text", path.display())))?;
        DotEnv::parse(Zeroizing::new(text.to_owned()))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
    }

    /// The file's text with the values of some assignments replaced: `replace(i)` gives the new
    /// raw value (unquoted) of assignment `i`, or `None` to keep it. Quoting style is kept.
    pub fn rewrite(&self, replace: impl Fn(usize) -> Option<String>) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.text.len()));
        let mut at = 0;
        for (i, a) in self.assignments.iter().enumerate() {
            if let Some(new) = replace(i) {
                out.push_str(self.text.get(at..a.span.start).unwrap_or_default());
                out.push_str(&a.quote.wrap(&new));
                at = a.span.end;
            }
        }
        out.push_str(self.text.get(at..).unwrap_or_default());
        out
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn error(&self, line: usize, what: &str) -> Error {
        Error::Invalid(format!("line {line}: {what}"))
    }

    fn parse(mut self) -> Result<Vec<Assignment>> {
        let mut out = Vec::new();
        while self.pos < self.text.len() {
            let line_end = self
                .rest()
                .find('\n')
                .map_or(self.text.len(), |i| self.pos + i);
            let line = self.text.get(self.pos..line_end).unwrap_or_default();
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                self.next_line(line_end);
                continue;
            }
            out.push(self.assignment(line_end)?);
        }
        Ok(out)
    }

    fn next_line(&mut self, line_end: usize) {
        self.pos = (line_end + 1).min(self.text.len().max(line_end + 1));
        self.line += 1;
    }

    fn skip_spaces(&mut self) {
        let skipped = self.rest().len() - self.rest().trim_start_matches([' ', '\t']).len();
        self.pos += skipped;
    }

    fn assignment(&mut self, line_end: usize) -> Result<Assignment> {
        let line = self.line;
        self.skip_spaces();
        if let Some(after) = self.rest().strip_prefix("export")
            && after.starts_with([' ', '\t'])
        {
            self.pos += "export".len();
            self.skip_spaces();
        }
        let key_len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        let key = self.rest().get(..key_len).unwrap_or_default().to_owned();
        if key.is_empty() {
            return Err(self.error(line, "expected KEY=VALUE"));
        }
        check_variable_name(&key).map_err(|e| self.error(line, &e.to_string()))?;
        self.pos += key_len;
        self.skip_spaces();
        if !self.rest().starts_with('=') {
            return Err(self.error(line, &format!("expected '=' after {key}")));
        }
        self.pos += 1;
        self.skip_spaces();
        let start = self.pos;
        let (value, quote) = match self.rest().chars().next() {
            Some(q @ ('\'' | '"' | '`')) => {
                let quote = match q {
                    '\'' => Quote::Single,
                    '"' => Quote::Double,
                    _ => Quote::Backtick,
                };
                let value = self.quoted(q, line)?;
                (value, quote)
            }
            _ => (self.unquoted(line_end), Quote::None),
        };
        let span = start..self.pos;
        // After the value: spaces and an optional comment, then the end of the line.
        let end = self
            .rest()
            .find('\n')
            .map_or(self.text.len(), |i| self.pos + i);
        let tail = self.text.get(self.pos..end).unwrap_or_default().trim();
        if !(tail.is_empty() || tail.starts_with('#')) {
            return Err(self.error(self.line, "unexpected text after the value"));
        }
        self.pos = end;
        self.next_line(end);
        Ok(Assignment {
            line,
            key,
            value,
            quote,
            span,
        })
    }

    fn unquoted(&mut self, line_end: usize) -> SecretBytes {
        let line = self.text.get(self.pos..line_end).unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        let value_end = line
            .match_indices('#')
            .find(|(i, _)| *i == 0 || line.get(i - 1..*i).is_some_and(|c| c == " " || c == "\t"))
            .map_or(line.len(), |(i, _)| i);
        let value = line.get(..value_end).unwrap_or_default().trim_end();
        self.pos += value.len();
        SecretBytes::copy_from(value.as_bytes())
    }

    fn quoted(&mut self, quote: char, line: usize) -> Result<SecretBytes> {
        self.pos += 1;
        let mut value = Zeroizing::new(Vec::new());
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(SecretBytes::new(std::mem::take(&mut *value)));
            }
            if c == '\n' {
                self.line += 1;
            }
            if c == '\\' && quote == '"' {
                match chars.next() {
                    Some((_, e)) => {
                        let unescaped = match e {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            '\\' | '"' | '$' => e,
                            other => {
                                value.push(b'\\');
                                other
                            }
                        };
                        if e == '\n' {
                            self.line += 1;
                        }
                        let mut buf = [0u8; 4];
                        value.extend_from_slice(unescaped.encode_utf8(&mut buf).as_bytes());
                    }
                    None => break,
                }
                continue;
            }
            let mut buf = [0u8; 4];
            value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        Err(self.error(
            line,
            &format!("the {quote} quote opened here is never closed"),
        ))
    }
}

/// Appends `value` escaped for a double-quoted dotenv value, the inverse of the parser above.
pub fn push_double_quoted_escaped(out: &mut Vec<u8>, value: &str) {
    for &b in value.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'$' => out.extend_from_slice(b"\\$"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DotEnv> {
        DotEnv::parse(Zeroizing::new(text.to_owned()))
    }

    fn pairs(env: &DotEnv) -> Vec<(String, String, usize)> {
        env.assignments
            .iter()
            .map(|a| {
                (
                    a.key.clone(),
                    String::from_utf8(a.value.expose().to_vec()).unwrap(),
                    a.line,
                )
            })
            .collect()
    }

    const MESSY: &str = "# app settings\n\
        export STRIPE_KEY=sk_live_abc123 # live key\n\
        \n\
        DB_URL = \"postgres://u:p@h/db?x=1#frag\"\n\
        SINGLE='it''s'\n\
        LITERAL='a \\n b $HOME'\n\
        ESCAPED=\"tab\\there \\\"q\\\" \\$HOME\"\n\
        PEM=\"-----BEGIN KEY-----\nline2\nline3\n-----END KEY-----\"\n\
        EMPTY=\n\
        HASHY=abc#notacomment\n\
        CRLF=value\r\n\
        TICK=`multi\nline`\n";

    #[test]
    fn a_messy_real_world_file() {
        let text = MESSY.replace("SINGLE='it''s'\n", "");
        let env = parse(&text).unwrap();
        assert_eq!(
            pairs(&env),
            vec![
                ("STRIPE_KEY".into(), "sk_live_abc123".into(), 2),
                ("DB_URL".into(), "postgres://u:p@h/db?x=1#frag".into(), 4),
                ("LITERAL".into(), "a \\n b $HOME".into(), 5),
                ("ESCAPED".into(), "tab\there \"q\" $HOME".into(), 6),
                (
                    "PEM".into(),
                    "-----BEGIN KEY-----\nline2\nline3\n-----END KEY-----".into(),
                    7
                ),
                ("EMPTY".into(), String::new(), 11),
                ("HASHY".into(), "abc#notacomment".into(), 12),
                ("CRLF".into(), "value".into(), 13),
                ("TICK".into(), "multi\nline".into(), 14),
            ]
        );
    }

    #[test]
    fn rewriting_keeps_everything_but_the_replaced_values() {
        let text = MESSY.replace("SINGLE='it''s'\n", "");
        let env = parse(&text).unwrap();
        let out = env.rewrite(|i| (i < 5).then(|| format!("kw://v{i}")));
        let expected = text
            .replace("sk_live_abc123", "kw://v0")
            .replace("\"postgres://u:p@h/db?x=1#frag\"", "\"kw://v1\"")
            .replace("'a \\n b $HOME'", "'kw://v2'")
            .replace("\"tab\\there \\\"q\\\" \\$HOME\"", "\"kw://v3\"")
            .replace(
                "\"-----BEGIN KEY-----\nline2\nline3\n-----END KEY-----\"",
                "\"kw://v4\"",
            );
        assert_eq!(*out, expected);
        assert!(parse(&out).is_ok());
    }

    #[test]
    fn malformed_lines_name_their_line() {
        for (text, line) in [
            ("A=1\nnot an assignment\n", 2),
            ("A=1\n\nB=\"open\nstill open\n", 3),
            ("A='x' trailing\n", 1),
            ("1A=x\n", 1),
            ("A-B=x\n", 1),
            ("A\n", 1),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with(&format!("line {line}:")), "{text:?}: {err}");
        }
    }

    #[test]
    fn escaping_round_trips() {
        let value = "a\"b\\c$d\ne\tf\rg";
        let mut escaped = Vec::new();
        push_double_quoted_escaped(&mut escaped, value);
        let text = format!("X=\"{}\"\n", String::from_utf8(escaped).unwrap());
        let env = parse(&text).unwrap();
        assert_eq!(env.assignments[0].value.expose(), value.as_bytes());
    }
}
