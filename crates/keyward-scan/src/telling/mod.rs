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

mod commands;
mod names;
mod plausible;
#[cfg(test)]
mod tests;
mod value;

use commands::*;
use names::*;
use plausible::*;
use value::*;
