//! The name a telling word stands in, split into words, and what its last word says it holds.

use super::*;

pub(super) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The whole name a trigger stands in: `spring.datasource.password`, `DB_PASSWORD`, `--token`.
pub(super) fn name_around(data: &[u8], start: usize, end: usize) -> (usize, usize) {
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
pub(super) fn words(name: &[u8]) -> Vec<String> {
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
pub(super) const FORM_WORDS: &[&str] =
    &["value", "val", "str", "string", "raw", "plain", "plaintext"];

/// Words before `key` that make it a secret key.
pub(super) const KEY_QUALIFIERS: &[&str] = &[
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
pub(super) const NOT_CREDENTIAL_TOKENS: &[&str] = &[
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
pub(super) const NOT_SECRET_PREFIXES: &[&str] = &[
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

pub(super) fn classify(name: &[u8]) -> Option<Class> {
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
