//! `cargo bench -p keyward-scan`: the engine alone, on 8 MiB of source-like text in memory (no
//! disk, no walking), so its throughput can be compared run to run.
//!
//! - `formats_only`: every rule, as `scan --no-vault` runs them.
//! - `with_known_values`: the same plus a matcher of 1,000 stored values.
//! - `build_known_values`: building that matcher (done once per scan).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::LazyLock;

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use keyward_scan::{KnownValues, RuleSet, ScanOptions, Scanner};

fn main() {
    divan::main();
}

/// Code-like lines with the odd keyword, so the prefilter turns rules on now and then.
static TEXT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let lines = [
        "fn handle(request: &Request) -> Result<Response, Error> {",
        "    let token = headers.get(\"authorization\").ok_or(Error::Unauthorized)?;",
        "    // the api_key comes from the environment, never from the code",
        "    let url = format!(\"https://api.example.org/v1/items/{}\", id);",
        "    assert_eq!(hash, \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\");",
        "    config.password = std::env::var(\"DB_PASSWORD\").unwrap_or_default();",
        "}",
    ];
    let mut out = Vec::with_capacity(8 << 20);
    let mut i = 0;
    while out.len() < 8 << 20 {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        out.push(b'\n');
        i += 1;
    }
    out
});

static VALUES: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    (0..1000u32)
        .map(|i| {
            let value: Vec<u8> = (0..40u32)
                .map(|j| {
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        [((i * 7919 + j * 104_729) % 62) as usize]
                })
                .collect();
            (format!("secret-{i}"), value)
        })
        .collect()
});

fn known() -> KnownValues {
    let pairs: Vec<(String, &[u8])> = VALUES
        .iter()
        .map(|(n, v)| (n.clone(), v.as_slice()))
        .collect();
    KnownValues::build([9; 32], &pairs).0
}

fn options() -> ScanOptions {
    ScanOptions {
        identifiers: false,
        fingerprint_key: [1; 32],
        baseline_salt: None,
    }
}

#[divan::bench]
fn formats_only(bencher: Bencher) {
    let rules = RuleSet::builtin().unwrap();
    let scanner = Scanner {
        rules,
        known: None,
        options: options(),
    };
    bencher
        .counter(BytesCount::new(TEXT.len()))
        .bench(|| black_box(scanner.scan("src/lib.rs", &TEXT)));
}

#[divan::bench]
fn with_known_values(bencher: Bencher) {
    let rules = RuleSet::builtin().unwrap();
    let known = known();
    let scanner = Scanner {
        rules,
        known: Some(&known),
        options: options(),
    };
    bencher
        .counter(BytesCount::new(TEXT.len()))
        .bench(|| black_box(scanner.scan("src/lib.rs", &TEXT)));
}

#[divan::bench(sample_count = 10)]
fn build_known_values() -> KnownValues {
    known()
}
