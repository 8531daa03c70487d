//! Credentials assigned to a telling name: `DB_PASSWORD='...'`, `"client_secret": "..."`,
//! `<password>...</password>`, `--token ...`. The commonest leak has no format to match, so
//! precision comes from context instead: the name must say secret in its last word, the value
//! must be a literal (no `${VAR}`, `process.env.X`, call or template), not a placeholder, long
//! enough, and random-looking where the name promises a key rather than a password.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::checks::{entropy, is_placeholder};

/// What the name says the value is; decides how random the value must look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// May be a word: `password: hunter22`.
    Password,
    /// Keys and tokens: must look random.
    Secret,
    Token,
    ApiKey,
}

impl Class {
    pub fn rule_id(self) -> &'static str {
        match self {
            Class::Password => "password-assignment",
            Class::Secret => "secret-assignment",
            Class::Token => "token-assignment",
            Class::ApiKey => "api-key-assignment",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Class::Password => "password",
            Class::Secret => "secret",
            Class::Token => "token",
            Class::ApiKey => "API key",
        }
    }
}

/// One literal assigned to a telling name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub class: Class,
    /// The name as written (`DB_PASSWORD`), for the description: names are not secret.
    pub name: String,
    /// Byte span of the value.
    pub start: usize,
    pub end: usize,
    /// In a test, fixture or example file, or after `#[cfg(test)]`: reported as `low`.
    pub fixture: bool,
}

/// Fragments every telling name contains; each hit is examined where it stands.
const TRIGGERS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "auth",
    "cred",
    "apikey",
    "api_key",
    "api-key",
    "accesskey",
    "access_key",
    "access-key",
    "privatekey",
    "private_key",
    "private-key",
    "signingkey",
    "signing_key",
    "encryptionkey",
    "encryption_key",
    "masterkey",
    "master_key",
    "licensekey",
    "license_key",
    "appkey",
    "app_key",
    "hmackey",
    "hmac_key",
];

fn triggers() -> Option<&'static AhoCorasick> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(TRIGGERS)
            .ok()
    })
    .as_ref()
}

/// How the file's syntax treats a bare value after `=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    /// Source code: a bare value is an expression, never a literal.
    Code,
    /// Config, shell, history, documents: a bare value is the literal.
    Config,
}

fn syntax_of(path: &str) -> Syntax {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some(
            "rs" | "go" | "java" | "kt" | "kts" | "scala" | "groovy" | "c" | "h" | "cc" | "cpp"
            | "hpp" | "cs" | "swift" | "m" | "mm" | "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx"
            | "py" | "rb" | "php" | "pl" | "pm" | "lua" | "dart" | "ex" | "exs" | "erl" | "clj"
            | "vue" | "svelte" | "r" | "jl" | "zig" | "nim" | "fs" | "vb" | "map",
        ) => Syntax::Code,
        _ => Syntax::Config,
    }
}

/// Test code and fixtures, by the conventions of the common languages' test runners.
pub fn is_fixture_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase().replace('\\', "/");
    let dirs = [
        "test",
        "tests",
        "testdata",
        "test_data",
        "fixtures",
        "fixture",
        "spec",
        "specs",
        "__tests__",
        "__mocks__",
        "mocks",
        "mock",
        "examples",
        "example",
        "testing",
        "samples",
    ];
    let mut parts = lower.split('/').collect::<Vec<_>>();
    let file = parts.pop().unwrap_or_default();
    if parts.iter().any(|p| dirs.contains(p)) {
        return true;
    }
    // The file name's words: `login_test.go`, `test_vectors.rs`, `app.spec.ts`,
    // `s3-2006-03-01.examples.json`, `conftest.py`, `UserServiceTest.java`.
    const WORDS: &[&str] = &[
        "test", "tests", "spec", "specs", "fixture", "fixtures", "mock", "mocks", "example",
        "examples", "sample", "samples", "testdata", "dummy", "fake", "stub", "stubs", "conftest",
    ];
    file.split(['.', '_', '-']).any(|w| WORDS.contains(&w))
        || file.ends_with("test.java")
        || file.ends_with("tests.java")
}

/// Every literal assigned to a telling name in `data`, the contents of `path`.
pub fn find(path: &str, data: &[u8]) -> Vec<Assignment> {
    let Some(ac) = triggers() else {
        return Vec::new();
    };
    let syntax = syntax_of(path);
    let fixture_file = is_fixture_path(path);
    let rust_tests = path
        .ends_with(".rs")
        .then(|| memchr::memmem::find(data, b"#[cfg(test)]"))
        .flatten();
    let mut out: Vec<Assignment> = Vec::new();
    let mut examined_to = 0;
    for hit in ac.find_iter(data) {
        if hit.start() < examined_to {
            continue;
        }
        let (name_start, name_end) = name_around(data, hit.start(), hit.end());
        examined_to = name_end;
        let Some(name) = data.get(name_start..name_end) else {
            continue;
        };
        // The value first: most names in code are assigned an expression, and looking for a
        // literal costs less than splitting the name into words.
        let Some((start, end)) = value_after(data, name_start, name_end, syntax) else {
            continue;
        };
        let Some(class) = classify(name) else {
            continue;
        };
        let Some(value) = data.get(start..end) else {
            continue;
        };
        if !plausible(class, name, value) {
            continue;
        }
        if out.last().is_some_and(|a| a.start == start) {
            continue;
        }
        out.push(Assignment {
            class,
            name: String::from_utf8_lossy(name.get(..60).unwrap_or(name)).into_owned(),
            start,
            end,
            fixture: fixture_file
                || rust_tests.is_some_and(|at| start > at)
                || syntax == Syntax::Code && in_comment(data, start),
        });
    }
    out.extend(command_passwords(data, fixture_file));
    out
}

/// Whether the line holding `at` is a comment (`//`, `#`, `*`, `--`): in code, an assignment in
/// a comment is documentation or code switched off, worth a look but not an alarm.
fn in_comment(data: &[u8], at: usize) -> bool {
    let line_start =
        memchr::memrchr(b'\n', data.get(..at).unwrap_or_default()).map_or(0, |i| i + 1);
    let line = data.get(line_start..at).unwrap_or_default();
    let code = line.trim_ascii_start();
    code.starts_with(b"//")
        || code.starts_with(b"#")
        || code.starts_with(b"*")
        || code.starts_with(b"/*")
        || code.starts_with(b"--")
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The whole name a trigger stands in: `spring.datasource.password`, `DB_PASSWORD`, `--token`.
fn name_around(data: &[u8], start: usize, end: usize) -> (usize, usize) {
    let mut s = start;
    while s > 0 && data.get(s - 1).is_some_and(|&b| is_name_byte(b)) {
        s -= 1;
    }
    let mut e = end;
    while data.get(e).is_some_and(|&b| is_name_byte(b)) {
        e += 1;
    }
    // A trailing `.` ends a sentence, and a leading one is a method call's: not the name's.
    while e > s && data.get(e - 1).is_some_and(|&b| b == b'.') {
        e -= 1;
    }
    while s < e && data.get(s).is_some_and(|&b| b == b'.') {
        s += 1;
    }
    (s, e)
}

/// The name's words: split at `_ - .` and camelCase humps, lowercased.
fn words(name: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev: Option<u8> = None;
    for (i, &b) in name.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev = None;
            continue;
        }
        let next = name.get(i + 1).copied();
        let hump = match prev {
            Some(p) => {
                (p.is_ascii_lowercase() || p.is_ascii_digit()) && b.is_ascii_uppercase()
                    || p.is_ascii_uppercase()
                        && b.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase())
            }
            None => false,
        };
        if hump && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(char::from(b.to_ascii_lowercase()));
        prev = Some(b);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Words that carry a value's form, not its meaning: `password_value`, `tokenStr`.
const FORM_WORDS: &[&str] = &["value", "val", "str", "string", "raw", "plain", "plaintext"];

/// Words before `key` that make it a secret key.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "signing",
    "encryption",
    "master",
    "app",
    "auth",
    "client",
    "service",
    "account",
    "license",
    "hmac",
    "shared",
    "session",
    "aes",
    "jwt",
    "webhook",
    "admin",
    "write",
    "subscription",
    "consumer",
    "developer",
    "deploy",
    "ingest",
    "server",
    "root",
    "crypt",
    "cipher",
    "sign",
];

/// Words before `token` that name something other than a credential.
const NOT_CREDENTIAL_TOKENS: &[&str] = &[
    "csrf",
    "xsrf",
    "page",
    "next",
    "continuation",
    "cancel",
    "cancellation",
    "pagination",
    "cursor",
    "lexer",
    "parser",
    "eof",
    "sync",
    "resume",
    "max",
    "min",
    "num",
    "start",
    "end",
    "sort",
    "request",
    "idempotency",
    "nonce",
    "state",
    "verify",
    "verification",
    "device",
    "output",
    "input",
];

/// First words that make the name a flag or a setting about secrets, not a secret.
const NOT_SECRET_PREFIXES: &[&str] = &[
    "is",
    "has",
    "use",
    "enable",
    "enabled",
    "require",
    "required",
    "show",
    "hide",
    "validate",
    "check",
    "verify",
    "should",
    "allow",
    "must",
    "can",
    "without",
    "no",
    "max",
    "min",
    "num",
    "forgot",
    "ask",
    "prompt",
    "get",
    "fetch",
    "read",
    "load",
    "generate",
    "gen",
    "create",
    "new",
    "make",
    "random",
    "hash",
    "hashed",
    "encrypt",
    "encrypted",
    "decrypt",
    "compare",
    "test",
    "dummy",
    "fake",
    "mock",
    "example",
    "sample",
    "default",
];

fn classify(name: &[u8]) -> Option<Class> {
    let words = words(name);
    let mut meaning: &[String] = &words;
    while let Some((last, rest)) = meaning.split_last() {
        if FORM_WORDS.contains(&last.as_str()) && !rest.is_empty() {
            meaning = rest;
        } else {
            break;
        }
    }
    let (last, rest) = meaning.split_last()?;
    let prev = rest.last().map(String::as_str);
    if words
        .first()
        .is_some_and(|w| NOT_SECRET_PREFIXES.contains(&w.as_str()))
        && words.len() > 1
    {
        return None;
    }
    match last.as_str() {
        "password" | "passwd" | "pwd" | "passphrase" | "pass" => Some(Class::Password),
        "secret" | "credential" | "credentials" | "creds" => Some(Class::Secret),
        "apikey" | "accesskey" | "privatekey" | "secretkey" | "signingkey" | "encryptionkey"
        | "masterkey" | "licensekey" | "appkey" | "hmackey" => Some(Class::ApiKey),
        "key" if prev.is_some_and(|p| KEY_QUALIFIERS.contains(&p)) => Some(Class::ApiKey),
        "token" | "authtoken" | "accesstoken" | "refreshtoken"
            if !prev.is_some_and(|p| NOT_CREDENTIAL_TOKENS.contains(&p)) =>
        {
            Some(Class::Token)
        }
        // `"auth": "..."` in Docker and npm configs; `auth` as a later word is a topic.
        "auth" if rest.is_empty() => Some(Class::Secret),
        _ => None,
    }
}

/// The span of the literal assigned to the name at `name_start..name_end`, if there is one.
fn value_after(
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
fn paired_value(data: &[u8], name_start: usize, name_end: usize) -> Option<(usize, usize)> {
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

fn skip_blanks(data: &[u8], mut at: usize) -> usize {
    while data.get(at).is_some_and(|&b| b == b' ' || b == b'\t') {
        at += 1;
    }
    at
}

/// The length of the assignment operator at `at` (`0` for none, which only a flag accepts).
fn operator(data: &[u8], at: usize) -> Option<usize> {
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
fn literal(data: &[u8], at: usize, syntax: Syntax) -> Option<(usize, usize)> {
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

/// Values that only stand for a secret somewhere else.
const REFERENCE_MARKS: &[&str] = &[
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
const PLACEHOLDER_VALUES: &[&str] = &[
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
const PLACEHOLDER_WORDS: &[&str] = &[
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

fn plausible(class: Class, name: &[u8], value: &[u8]) -> bool {
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
fn has_two_classes(value: &[u8]) -> bool {
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let digit = value.iter().any(u8::is_ascii_digit);
    let symbol = value.iter().any(|b| !b.is_ascii_alphanumeric());
    [lower, upper, digit, symbol].iter().filter(|&&x| x).count() >= 2
}

/// Words joined by separators (`my-app-signing-secret`): a label, not a key.
fn only_words(value: &[u8]) -> bool {
    value
        .split(|&b| matches!(b, b'_' | b'-' | b'.' | b':' | b'/'))
        .all(|w| w.iter().all(u8::is_ascii_alphabetic))
}

/// Command lines that take a password in a flag of their own: `mysql -pX` (glued), `sshpass
/// -p X`, `redis-cli -a X`, `curl -u user:X`. Shell history and scripts are full of them.
fn command_passwords(data: &[u8], fixture: bool) -> Vec<Assignment> {
    // (program, flag, value glued to the flag, value after `user:`)
    const COMMANDS: &[(&[u8], &str, bool, bool)] = &[
        (b"mysql", "-p", true, false),
        (b"mariadb", "-p", true, false),
        (b"sshpass", "-p", false, false),
        (b"redis-cli", "-a", false, false),
        (b"curl", "-u", false, true),
        (b"curl", "--user", false, true),
    ];
    let mut out: Vec<Assignment> = Vec::new();
    for &(program, flag, glued, after_user) in COMMANDS {
        for at in memchr::memmem::find_iter(data, program) {
            let line_end = memchr::memchr(b'\n', data.get(at..).unwrap_or_default())
                .map_or(data.len(), |i| at + i);
            let mut cursor = at + program.len();
            while cursor < line_end {
                let rest = data.get(cursor..line_end).unwrap_or_default();
                let Some(ws) = rest.iter().position(|b| *b == b' ' || *b == b'\t') else {
                    break;
                };
                let token_start = skip_blanks(data, cursor + ws);
                let token_end = data
                    .get(token_start..line_end)
                    .unwrap_or_default()
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .map_or(line_end, |i| token_start + i);
                cursor = token_end;
                let Some(token) = data.get(token_start..token_end) else {
                    break;
                };
                let value_start = if token == flag.as_bytes() && !glued {
                    let next = skip_blanks(data, token_end);
                    cursor = data
                        .get(next..line_end)
                        .unwrap_or_default()
                        .iter()
                        .position(|b| b.is_ascii_whitespace())
                        .map_or(line_end, |i| next + i);
                    next
                } else if glued && token.len() > flag.len() && token.starts_with(flag.as_bytes()) {
                    token_start + flag.len()
                } else {
                    continue;
                };
                let (mut start, mut end) = (value_start, cursor.min(line_end));
                if let (Some(&q), Some(&last)) = (
                    data.get(start),
                    end.checked_sub(1).and_then(|e| data.get(e)),
                ) && (q == b'\'' || q == b'"')
                    && last == q
                    && end > start + 1
                {
                    start += 1;
                    end -= 1;
                }
                if after_user {
                    let Some(colon) = data.get(start..end).and_then(|v| memchr::memchr(b':', v))
                    else {
                        continue;
                    };
                    start += colon + 1;
                }
                let Some(value) = data.get(start..end) else {
                    continue;
                };
                let name = format!("{} {flag}", String::from_utf8_lossy(program));
                if value.len() >= 4
                    && plausible(Class::Password, name.as_bytes(), value)
                    && !out.iter().any(|a| a.start == start)
                {
                    out.push(Assignment {
                        class: Class::Password,
                        name,
                        start,
                        end,
                        fixture,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// The values found in `text` as the file `path`.
    fn values(path: &str, text: &str) -> Vec<String> {
        find(path, text.as_bytes())
            .into_iter()
            .map(|a| text[a.start..a.end].to_owned())
            .collect()
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(words(b"DB_PASSWORD"), ["db", "password"]);
        assert_eq!(words(b"dbPassword"), ["db", "password"]);
        assert_eq!(words(b"DBPassword"), ["db", "password"]);
        assert_eq!(
            words(b"spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
        assert_eq!(words(b"--api-key"), ["api", "key"]);
    }

    #[test]
    fn the_last_word_decides() {
        assert_eq!(classify(b"DB_PASSWORD"), Some(Class::Password));
        assert_eq!(classify(b"clientSecret"), Some(Class::Secret));
        assert_eq!(classify(b"GITHUB_TOKEN"), Some(Class::Token));
        assert_eq!(classify(b"apiKey"), Some(Class::ApiKey));
        assert_eq!(classify(b"APIKEY"), Some(Class::ApiKey));
        assert_eq!(classify(b"password_value"), Some(Class::Password));
        for not in [
            &b"password_file"[..],
            b"PASSWORD_LENGTH",
            b"token_url",
            b"secretName",
            b"csrf_token",
            b"max_tokens",
            b"key",
            b"sort_key",
            b"is_password",
            b"authProvider",
            b"bypass",
            b"passenger",
        ] {
            assert_eq!(classify(not), None, "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn finds_literals_in_every_common_syntax() {
        let cases = [
            (".env", "DB_PASSWORD=oKOJrHw0mkVx\n", "oKOJrHw0mkVx"),
            (
                ".env.local",
                "INTERNAL_API_KEY=933d4014e2e0d23bacea76b27ed3f6f5",
                "933d4014e2e0d23bacea76b27ed3f6f5",
            ),
            (
                ".env",
                "export SESSION_SECRET='ppCOVopff9wIGHvxhlKaSX19'\n",
                "ppCOVopff9wIGHvxhlKaSX19",
            ),
            (
                "config.yml",
                "database:\n  password: Tr0ub4dor_3\n",
                "Tr0ub4dor_3",
            ),
            (
                "config.json",
                r#"{"client_secret": "q8Zr2KfLm0PxW7vB3nYt"}"#,
                "q8Zr2KfLm0PxW7vB3nYt",
            ),
            (
                "app.toml",
                "api_key = \"9f8e7d6c5b4a39281706f5e4\"\n",
                "9f8e7d6c5b4a39281706f5e4",
            ),
            ("db.ini", "[db]\npwd=s3cr3tPw!\n", "s3cr3tPw!"),
            (
                "application.properties",
                "spring.datasource.password=Wint3rIsHere\n",
                "Wint3rIsHere",
            ),
            ("web.xml", "<password>bl4ckCat9</password>", "bl4ckCat9"),
            (
                "pom.xml",
                "<server password=\"n0tTheDefault\"/>",
                "n0tTheDefault",
            ),
            (
                "settings.py",
                "DATABASE_PASSWORD = 'mellon-friend'\n",
                "mellon-friend",
            ),
            (
                "main.go",
                "password := \"gopher-4-life\"\n",
                "gopher-4-life",
            ),
            (
                "config.php",
                "'password' => 'Sup3rS3cret!',\n",
                "Sup3rS3cret!",
            ),
            (
                "app.js",
                "const config = { apiKey: \"AIzb8Hk2LmQ9xR4tV7wYz1\" };",
                "AIzb8Hk2LmQ9xR4tV7wYz1",
            ),
            (
                "lib.rs",
                "let token: &str = \"tK9mX2pL8vQ4wR7zB3nF\";",
                "tK9mX2pL8vQ4wR7zB3nF",
            ),
            (
                "deploy.sh",
                "curl --token 7Hs9dKq2LmV4xPz8 https://host\n",
                "7Hs9dKq2LmV4xPz8",
            ),
            (
                ".bash_history",
                "mysql -uroot -pC0rrectHorse db\n",
                "C0rrectHorse",
            ),
            (
                "Main.kt",
                "val password: String = \"kotl1nRocks\"\n",
                "kotl1nRocks",
            ),
            (
                "docker-compose.yml",
                "      - POSTGRES_PASSWORD=pg-Adm1n-2024\n",
                "pg-Adm1n-2024",
            ),
            (
                "deploy.yaml",
                "        - name: DB_PASSWORD\n          value: \"Kq8-vW2pZr\"\n",
                "Kq8-vW2pZr",
            ),
            (
                "task.json",
                r#"{"name": "API_TOKEN", "value": "7f3kQ9zL2mX8vB4nR6tY"}"#,
                "7f3kQ9zL2mX8vB4nR6tY",
            ),
            (
                "Web.config",
                r#"<add key="DbPassword" value="Wh1sper-Quiet" />"#,
                "Wh1sper-Quiet",
            ),
            (
                "db.rs",
                "PgConnectOptions::new().password(\"R0ckets-Away\")",
                "R0ckets-Away",
            ),
            (
                "Client.java",
                "client.setApiKey(\"9d8c7b6a5f4e3d2c1b0a9f8e\");",
                "9d8c7b6a5f4e3d2c1b0a9f8e",
            ),
            (
                "deploy.sh",
                "sshpass -p 'Harb0r-Lights' ssh deploy@web1\n",
                "Harb0r-Lights",
            ),
            (
                ".bash_history",
                "redis-cli -h cache -a Qz7wLp2x ping\n",
                "Qz7wLp2x",
            ),
            (
                "notes.md",
                "curl -u admin:J3nkins-Key https://ci/api\n",
                "J3nkins-Key",
            ),
            (".env", "DB_PASSWORD=%Gj8kL2q\n", "%Gj8kL2q"),
            ("ds.xml", "<password>-iP4xQ9wz</password>", "-iP4xQ9wz"),
        ];
        for (path, text, want) in cases {
            assert_eq!(values(path, text), [want], "{path}: {text}");
        }
    }

    #[test]
    fn references_placeholders_and_expressions_are_not_literals() {
        for (path, text) in [
            (".env", "DB_PASSWORD=${DB_PASSWORD}\n"),
            (".env", "DB_PASSWORD=kw://db/password\n"),
            (".env", "DB_PASSWORD=\n"),
            (".env", "DB_PASSWORD=changeme\n"),
            (".env", "DB_PASSWORD=aaaaaaaa\n"),
            (".env", "TOKEN_TTL=3600\n"),
            (".env", "API_KEY=your_api_key_here\n"),
            ("config.yml", "password: <your password>\n"),
            ("config.yml", "password: \"***\"\n"),
            ("config.yml", "password: DB_PASSWORD\n"),
            ("app.js", "const password = process.env.DB_PASSWORD;"),
            ("app.js", "const password = getPassword();"),
            ("app.py", "password = os.getenv('DB_PASSWORD')\n"),
            ("app.py", "if password == 'hunter22':\n"),
            ("app.py", "password = input('Password: ')\n"),
            ("app.py", "token = f\"{prefix}-{rest}\"\n"),
            ("lib.rs", "let password = String::new();"),
            ("config.yml", "password_file: /run/secrets/db\n"),
            ("config.yml", "token: token.txt\n"),
            ("config.yml", "api_key: short\n"),
            ("config.yml", "secret: my-app-signing-secret\n"),
            ("config.yml", "PASSWORD_MIN_LENGTH: 12\n"),
            ("README.md", "Set the password: see below.\n"),
            (
                "README.md",
                "    let password = rpassword::prompt_password(\"Password: \").unwrap();\n",
            ),
            (
                "README.md",
                "let token: cpuid::InitToken = cpuid::init();\n",
            ),
            ("form.html", "<label for=\"password\">Password</label>"),
            (
                "app.yml",
                "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n",
            ),
            (
                "ci.yml",
                "GITHUB_TOKEN=ghp_LKDy0OwKWnXFD5iQOkFQsFVXabbjxo1a6WO8\n",
            ),
            (
                "App.js.map",
                r#"{"sourcesContent":["const c = { password: this.password }"]}"#,
            ),
            ("docs.md", "    password: hashedPassword,\n"),
            (
                "tokens.js",
                "lastSignificantToken = \"?NoLineTerminatorHere\";",
            ),
            (
                "deploy.yaml",
                "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db}\n",
            ),
            ("app.properties", "db.password=@db.password@\n"),
            ("run.bat", "set PASSWORD=%DB_PASSWORD%\n"),
            ("run.sh", "mysql -u root -p mydb\n"),
            (
                "build.js.map",
                r#"encryptionKey: ctx.encryptionKey!,\n for (const key in state) {\n const value = state.entries[key]\n"#,
            ),
            (
                "docker-compose.yml",
                "      ETCD_INITIAL_CLUSTER_TOKEN: etcd-client\n",
            ),
            (
                "tls12.rs",
                "let secret = b\"\\x9b\\xbe\\x43\\x6b\\xa9\\x40\\xf0\\x17\";",
            ),
            (
                "protocol.xml",
                "<entry name=\"password\" value=\"0xc0\" summary=\"hidden text\"/>",
            ),
            (
                "paginators.json",
                r#""output_token": "StreamDescription.Shards[-1].ShardId","#,
            ),
            (
                "sdk.min.js",
                r#"e(new Error("Error fetching MFA token: "+s),{code:t.errorCode}))"#,
            ),
        ] {
            assert!(
                values(path, text).is_empty(),
                "{path}: {text}: {:?}",
                values(path, text)
            );
        }
    }

    #[test]
    fn fixtures_are_marked() {
        let found = find("tests/login.rs", b"let password = \"hunter-22\";");
        assert!(found[0].fixture);
        let found = find("src/lib.rs", b"let password = \"hunter-22\";\n#[cfg(test)]\nmod t { const P: &str = \"x\"; fn f() { let password = \"other-pw-9\"; } }");
        assert_eq!(found.len(), 2);
        assert!(!found[0].fixture);
        assert!(found[1].fixture);
        let found = find("src/lib.rs", b"//! let password = b\"hunter-42\";\n");
        assert!(found[0].fixture, "an example in a doc comment");
        assert!(is_fixture_path("pkg/auth/login_test.go"));
        assert!(is_fixture_path("apis/s3-2006-03-01.examples.json"));
        assert!(is_fixture_path("src/test_vectors.rs"));
        assert!(is_fixture_path("src/UserServiceTest.java"));
        assert!(!is_fixture_path("src/latest.json"));
        assert!(is_fixture_path("src/app.spec.ts"));
        assert!(!is_fixture_path("src/contest.py"));
    }

    #[test]
    fn hostile_input_never_panics() {
        for text in [
            "password",
            "password=",
            "password=\"",
            "<password>",
            "--token",
            "=password",
            "\"password\":\"",
            "mysql -p",
        ] {
            let _ = find("x.env", text.as_bytes());
            let _ = find("x.rs", text.as_bytes());
        }
    }
}
