//! The literal assigned to a name: after an operator, in a name/value pair, in a setter call.

use super::*;

/// The span of the literal assigned to the name at `name_start..name_end`, if there is one.
pub(super) fn value_after(
    data: &[u8],
    name_start: usize,
    name_end: usize,
    syntax: Syntax,
) -> Option<(usize, usize)> {
    let before = name_start.checked_sub(1).and_then(|i| data.get(i)).copied();
    let flag = data.get(name_start..name_start + 2) == Some(b"--");
    // A setter or builder: `.password("...")`, `setPassword("...")`, `with_token("...")`.
    if data.get(name_end) == Some(&b'(') {
        let name = data
            .get(name_start..name_end)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let method = name.rsplit(|&b| b == b'.').next().unwrap_or_default();
        if before == Some(b'.')
            || name.contains(&b'.')
            || method.starts_with(b"set")
            || method.starts_with(b"with")
        {
            let at = skip_blanks(data, name_end + 1);
            return literal(data, at, Syntax::Code);
        }
        return None;
    }
    if let Some(found) = paired_value(data, name_start, name_end) {
        return Some(found);
    }
    // `<password>value</password>`
    if before == Some(b'<') && data.get(name_end) == Some(&b'>') {
        let start = name_end + 1;
        let len = data
            .get(start..)?
            .iter()
            .take(257)
            .position(|&b| b == b'<')?;
        return Some((start, start + len));
    }
    let mut at = name_end;
    // The closing quote of a quoted key: `"password": "..."`, `'password' => '...'`.
    if matches!(before, Some(b'"' | b'\'')) && data.get(at) == before.as_ref() {
        at += 1;
    }
    at = skip_blanks(data, at);
    let op = operator(data, at)?;
    let colon = op == 1 && data.get(at) == Some(&b':');
    at = skip_blanks(data, at + op);
    if op == 0 {
        // Only a flag takes its value after a space: `--password hunter22`.
        if !flag || at == name_end {
            return None;
        }
    }
    // A type annotation: `password: str = "..."`, `val token: String = "..."`.
    if colon && syntax == Syntax::Code {
        let mut t = at;
        while data.get(t).is_some_and(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'<' | b'>' | b'.' | b'[' | b']' | b'&')
        }) {
            t += 1;
        }
        let t2 = skip_blanks(data, t);
        if t > at && data.get(t2) == Some(&b'=') && data.get(t2 + 1) != Some(&b'=') {
            at = skip_blanks(data, t2 + 1);
        }
    }
    literal(data, at, syntax)
}

/// The value of a name given as data: `- name: DB_PASSWORD` with `value: ...` on the next
/// line (Kubernetes, Compose, CI variables), `{"name": "DB_PASSWORD", "value": "..."}`, and
/// .NET's `<add key="DbPassword" value="..." />`.
pub(super) fn paired_value(
    data: &[u8],
    name_start: usize,
    name_end: usize,
) -> Option<(usize, usize)> {
    let line_start = memchr::memrchr(b'\n', data.get(..name_start)?).map_or(0, |i| i + 1);
    let head = data.get(line_start..name_start)?.to_ascii_lowercase();
    let head = head.trim_ascii_end();
    let head = head
        .strip_suffix(b"\"")
        .or_else(|| head.strip_suffix(b"'"))
        .unwrap_or(head)
        .trim_ascii_end();
    let head = head
        .strip_suffix(b":")
        .or_else(|| head.strip_suffix(b"="))?
        .trim_ascii_end();
    let head = head.strip_suffix(b"\"").unwrap_or(head);
    // The field is `name` or `key` itself, not a longer name ending so (`encryptionKey:`).
    let field_len = if head.ends_with(b"name") {
        4
    } else if head.ends_with(b"key") {
        3
    } else {
        return None;
    };
    let before_field = head
        .len()
        .checked_sub(field_len + 1)
        .and_then(|i| head.get(i));
    if before_field.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return None;
    }
    let line_end =
        memchr::memchr(b'\n', data.get(name_end..)?).map_or(data.len(), |i| name_end + i);
    // On the same line, close by: `"value": "..."`, `value="..."`.
    let near = line_end.min(name_end + 64);
    let rest = data.get(name_end..near)?.to_ascii_lowercase();
    if let Some(at) = memchr::memmem::find(&rest, b"value")
        .filter(|&at| at == 0 || rest.get(at - 1).is_some_and(|b| !b.is_ascii_alphanumeric()))
    {
        let mut at = name_end + at + 5;
        if matches!(data.get(at), Some(b'"' | b'\'')) {
            at += 1;
        }
        at = skip_blanks(data, at);
        if matches!(data.get(at), Some(b':' | b'=')) {
            return literal(data, skip_blanks(data, at + 1), Syntax::Config);
        }
        return None;
    }
    // On the next line: `value: ...`.
    let next = data.get(line_end + 1..)?;
    let indent = next
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    let at = line_end + 1 + indent;
    if data.get(at..at + 6)?.eq_ignore_ascii_case(b"value:") {
        return literal(data, skip_blanks(data, at + 6), Syntax::Config);
    }
    None
}

pub(super) fn skip_blanks(data: &[u8], mut at: usize) -> usize {
    while data.get(at).is_some_and(|&b| b == b' ' || b == b'\t') {
        at += 1;
    }
    at
}

/// The length of the assignment operator at `at` (`0` for none, which only a flag accepts).
pub(super) fn operator(data: &[u8], at: usize) -> Option<usize> {
    let two = data.get(at..at + 2);
    if two == Some(b":=") || two == Some(b"=>") {
        return Some(2);
    }
    match data.get(at) {
        Some(b'=') => (!matches!(data.get(at + 1), Some(b'=' | b'~'))).then_some(1),
        Some(b':') => (data.get(at + 1) != Some(&b':')).then_some(1),
        Some(b'"' | b'\'') => Some(0),
        Some(b) if b.is_ascii_graphic() => Some(0),
        _ => None,
    }
}

/// The literal starting at `at`: quoted anywhere, bare only where the syntax makes it one.
pub(super) fn literal(data: &[u8], at: usize, syntax: Syntax) -> Option<(usize, usize)> {
    let mut at = at;
    // Python's and Rust's string prefixes: r"...", b'...'.
    if matches!(data.get(at), Some(b'r' | b'b' | b'u'))
        && matches!(data.get(at + 1), Some(b'"' | b'\''))
    {
        at += 1;
    }
    let first = *data.get(at)?;
    if matches!(first, b'"' | b'\'' | b'`') {
        let start = at + 1;
        let rest = data.get(start..)?;
        let mut escaped = false;
        for (i, &b) in rest.iter().enumerate().take(300) {
            match b {
                b'\n' | b'\r' => return None,
                b'\\' => escaped = !escaped,
                _ if b == first && !escaped => return Some((start, start + i)),
                _ => escaped = false,
            }
        }
        return None;
    }
    if syntax == Syntax::Code {
        return None;
    }
    let rest = data.get(at..)?;
    // Code quoted in a document: `let password = rpassword::prompt_password(...)`.
    let word_end = rest
        .iter()
        .take(300)
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let word = rest.get(..word_end.min(300)).unwrap_or_default();
    if word.contains(&b'(')
        || word.contains(&b'$')
        || word.first() == Some(&b'\\')
        || memchr::memmem::find(word, b"::").is_some()
    {
        return None;
    }
    let len = rest
        .iter()
        .take(300)
        .position(|&b| {
            b.is_ascii_whitespace()
                || matches!(
                    b,
                    b';' | b',' | b'&' | b'"' | b'\'' | b'<' | b')' | b']' | b'}'
                )
        })
        .unwrap_or(rest.len().min(300));
    (len > 0).then_some((at, at + len))
}
