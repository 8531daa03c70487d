//! Whether a literal is a credential: not a reference, a placeholder, code or a word where a
//! key belongs.

use super::*;

/// Values that only stand for a secret somewhere else.
pub(super) const REFERENCE_MARKS: &[&str] = &[
    "${",
    "$(",
    "{{",
    "{%",
    "<%",
    "#{",
    "%(",
    "process.env",
    "getenv",
    "environ",
    "env[",
    "env(",
    "env.",
    "secrets.",
    "vault:",
    "kw://",
    "ref+",
    "secretsmanager",
    "ssm:",
    "keyvault",
    "op://",
    "://",
    "\\n",
    "{}",
    "{0}",
];

/// Whole values that documentation and code put where a secret would go.
pub(super) const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "key",
    "changeit",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "string",
    "str",
    "required",
    "optional",
    "todo",
    "fixme",
    "tbd",
    "test",
    "testing",
    "sample",
    "default",
    "foo",
    "bar",
    "baz",
    "foobar",
    "qwerty",
    "letmein",
    "hunter2",
    "mypassword",
    "mysecret",
    "secret123",
    "password123",
    "password1",
    "pass123",
    "value",
    "unset",
    "xxx",
    "n/a",
    "na",
    "auto",
    "prompt",
    "env",
    "file",
    "bearer",
    "basic",
    "yes",
    "no",
    "off",
    "on",
    "str",
    "admin:admin",
    "user:pass",
    "username:password",
];

/// Words inside a value that mark it as an instruction to the reader.
pub(super) const PLACEHOLDER_WORDS: &[&str] = &[
    "your",
    "enter_",
    "insert_",
    "replace_",
    "fake",
    "sample",
    "mock",
    "_here",
    "-here",
    "placeholder",
    "<",
    ">",
    "***",
    "...",
    "…",
];

pub(super) fn plausible(class: Class, name: &[u8], value: &[u8]) -> bool {
    if value.len() > 256 || is_placeholder(value) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    let contains = |needle: &str| memchr::memmem::find(&lower, needle.as_bytes()).is_some();
    if REFERENCE_MARKS.iter().any(|m| contains(m)) || PLACEHOLDER_WORDS.iter().any(|m| contains(m))
    {
        return false;
    }
    if PLACEHOLDER_VALUES.iter().any(|p| lower == p.as_bytes()) {
        return false;
    }
    let first = value.first().copied().unwrap_or(b' ');
    let rest_is_word = value
        .get(1..)
        .unwrap_or_default()
        .iter()
        .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.'));
    // Variables, paths, options and YAML tags: `$DB_PASS`, `${X}`, `/run/secrets/db`,
    // `~/.token`, `!vault`, `%DB_PASS%`, `@db.password@`, `--stdin`, `-verbose`. A random
    // password may start with `%`, `@` or `-` too, so those count only when the rest says so.
    let reference = match first {
        b'$' | b'/' | b'~' | b'{' | b'[' | b'(' | b'!' => true,
        b'%' => value.last() == Some(&b'%'),
        b'@' => value.last() == Some(&b'@') || rest_is_word,
        b'-' => value.get(1) == Some(&b'-') || rest_is_word,
        _ => false,
    };
    if reference {
        return false;
    }
    // GitHub and npm tokens carry a checksum: one that fails it is an altered example.
    if [&b"ghp_"[..], b"gho_", b"ghu_", b"ghs_", b"ghr_", b"npm_"]
        .iter()
        .any(|p| value.starts_with(p))
        && !crate::checks::crc32_base62_ok(value)
    {
        return false;
    }
    if value.starts_with(b"./") || value.starts_with(b"../") {
        return false;
    }
    // An environment variable's name given as the value: `password: DB_PASSWORD`.
    if value.contains(&b'_')
        && value
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    // The name repeated as its value: `PASSWORD = "password"`, `token: "auth-token"`.
    let squash = |s: &[u8]| -> Vec<u8> {
        s.iter()
            .filter(|b| b.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase)
            .collect()
    };
    let (squashed_value, squashed_name) = (squash(value), squash(name));
    if squashed_value.len() >= 3 && memchr::memmem::find(&squashed_name, &squashed_value).is_some()
    {
        return false;
    }
    // An expression naming the variable: `password: this.password`, `hashedPassword`.
    let last_word = squash(
        name.rsplit(|b| !b.is_ascii_alphanumeric())
            .next()
            .unwrap_or(name),
    );
    if last_word.len() >= 4 && memchr::memmem::find(&squashed_value, &last_word).is_some() {
        return false;
    }
    if value
        .iter()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return false;
    }
    // Code, not a value: a string's end and the next one's start taken for a literal
    // (`"token: "+s),{code:...`), escaped bytes (`b"\x9b\xbe..."`), numeric constants.
    let punctuation = value
        .iter()
        .filter(|b| matches!(b, b'(' | b')' | b'{' | b'}' | b';'))
        .count();
    if punctuation >= 2 || memchr::memmem::find(value, b"\\x").is_some() {
        return false;
    }
    let hex_constant = value.len() > 2
        && (value.starts_with(b"0x") || value.starts_with(b"0X"))
        && value
            .get(2..)
            .unwrap_or_default()
            .iter()
            .all(u8::is_ascii_hexdigit);
    if hex_constant || value.len() < 6 && value.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // File names: `password_file: db.pass`, `token: token.txt`.
    if let Some(dot) = memchr::memrchr(b'.', value)
        && let Some(ext) = value.get(dot + 1..)
        && matches!(
            ext.to_ascii_lowercase().as_slice(),
            b"txt"
                | b"pem"
                | b"key"
                | b"json"
                | b"yaml"
                | b"yml"
                | b"toml"
                | b"env"
                | b"conf"
                | b"cfg"
                | b"ini"
                | b"crt"
                | b"p12"
                | b"pfx"
                | b"jks"
                | b"gpg"
                | b"asc"
                | b"html"
        )
    {
        return false;
    }
    match class {
        // A password may be a word, but not a short one.
        Class::Password => value.len() >= 6 || value.len() >= 4 && has_two_classes(value),
        // A key must look random: long, mixed, dense, and with a digit unless it is long
        // enough that going without one is unlikely by chance (`?NoLineTerminatorHere` is a
        // word, not a token).
        Class::Secret | Class::Token | Class::ApiKey => {
            value.len() >= 16
                && has_two_classes(value)
                && entropy(value) >= 3.2
                && !only_words(value)
                && (value.iter().any(u8::is_ascii_digit) || value.len() >= 32)
        }
    }
}

/// Whether `value` mixes at least two of lower case, upper case, digits and symbols.
pub(super) fn has_two_classes(value: &[u8]) -> bool {
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let digit = value.iter().any(u8::is_ascii_digit);
    let symbol = value.iter().any(|b| !b.is_ascii_alphanumeric());
    [lower, upper, digit, symbol].iter().filter(|&&x| x).count() >= 2
}

/// Words joined by separators (`my-app-signing-secret`): a label, not a key.
pub(super) fn only_words(value: &[u8]) -> bool {
    value
        .split(|&b| matches!(b, b'_' | b'-' | b'.' | b':' | b'/'))
        .all(|w| w.iter().all(u8::is_ascii_alphabetic))
}
