//! Noise filters every pattern finding passes: entropy, checksums, documentation placeholders.

/// Shannon entropy of `bytes`, in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Strings that documentation, templates and tests put where a key would go.
const PLACEHOLDERS: &[&str] = &[
    "example",
    "xxxx",
    "your_",
    "your-",
    "yourkey",
    "placeholder",
    "dummy",
    "changeme",
    "redacted",
    "${",
    "{{",
    "kw://",
    "*****",
    "....",
    "000000",
    "123456",
    "abcdef1",
    "a1b2c3d4",
    "abcdefghij",
    "_here",
];

/// Whether `secret` is a placeholder rather than a key: a documentation example, a template
/// variable, a keyward reference, or one character repeated.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDERS
        .iter()
        .any(|p| memchr::memmem::find(&lower, p.as_bytes()).is_some())
    {
        return true;
    }
    // `<your token>` style; a `>` inside a random password is just a character.
    if secret.first() == Some(&b'<') || secret.last() == Some(&b'>') {
        return true;
    }
    match secret.first() {
        Some(&first) => secret.iter().all(|&b| b == first),
        None => true,
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub's and npm's token checksum: the body after the prefix's `_` ends with the CRC32 of
/// the rest of the body, in base62, six characters, zero-padded.
pub fn crc32_base62_ok(secret: &[u8]) -> bool {
    let Some(underscore) = memchr::memrchr(b'_', secret) else {
        return false;
    };
    let body = secret.get(underscore + 1..).unwrap_or_default();
    if body.len() <= 6 {
        return false;
    }
    let (data, check) = body.split_at(body.len() - 6);
    let mut n = crc32fast::hash(data);
    let mut expected = [b'0'; 6];
    for slot in expected.iter_mut().rev() {
        *slot = BASE62.get((n % 62) as usize).copied().unwrap_or(b'0');
        n /= 62;
    }
    expected == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_simple_strings() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn placeholders() {
        for p in [
            &b"AKIAIOSFODNN7EXAMPLE"[..],
            b"xxxxxxxxxxxxxxxx",
            b"YOUR_API_KEY",
            b"${STRIPE_KEY}",
            b"kw://stripe",
            b"aaaaaaaaaaaa",
        ] {
            assert!(is_placeholder(p), "{}", String::from_utf8_lossy(p));
        }
        assert!(!is_placeholder(b"sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
    }

    #[test]
    fn github_checksums() {
        // Built here: 30 random base62 characters and their CRC32 in base62.
        let body = "LKDy0OwKWnXFD5iQOkFQsFVXabbjxo";
        let mut n = crc32fast::hash(body.as_bytes());
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        let token = format!("ghp_{body}{}", std::str::from_utf8(&check).unwrap());
        assert!(crc32_base62_ok(token.as_bytes()));
        let mut broken = token.into_bytes();
        let last = broken.len() - 1;
        broken[last] = if broken[last] == b'a' { b'b' } else { b'a' };
        assert!(!crc32_base62_ok(&broken));
    }
}
