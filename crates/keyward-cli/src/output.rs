//! Everything the CLI prints. Stdout carries results (values, tables, JSON); stderr carries
//! one-line messages prefixed `keyward:`.

use std::io::Write;

use anyhow::Result;
use keyward_core::Error;
use serde::Serialize;

/// Writes `bytes` to stdout and flushes; a closed pipe is an error like any other.
pub fn stdout_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("could not write to stdout", e))?;
    Ok(())
}

pub fn stdout_text(text: &str) -> Result<()> {
    stdout_bytes(text.as_bytes())
}

/// Pretty JSON and a final newline.
pub fn stdout_json<T: Serialize>(value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Invalid(format!("could not encode JSON: {e}")))?;
    text.push('\n');
    stdout_text(&text)
}

/// A progress or confirmation line on stderr.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "keyward: {}", one_line(message));
}

pub fn warn(message: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "keyward: warning: {}",
        one_line(message)
    );
}

pub fn error(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "keyward: {}", one_line(message));
}

/// Folds any line breaks, so every message is exactly one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let text = table(
            &["NAME", "TAGS"],
            &[
                vec!["a".into(), "x".into()],
                vec!["longer".into(), "y".into()],
            ],
        );
        assert_eq!(text, "NAME    TAGS\na       x\nlonger  y\n");
    }

    #[test]
    fn messages_are_one_line() {
        assert_eq!(one_line("a\nb\r\n  c"), "a b c");
    }
}
