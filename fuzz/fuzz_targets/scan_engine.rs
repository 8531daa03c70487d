//! The scanner on hostile bytes: every rule and the known-value matcher, no panic, and no
//! finding ever carries a whole stored value.
#![no_main]

use std::sync::OnceLock;

use keyward_scan::{KnownValues, RuleSet, ScanOptions, Scanner};
use libfuzzer_sys::fuzz_target;

const VALUES: &[(&str, &str)] = &[
    ("stripe", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("pem", "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----"),
    ("short-ish", "12345678"),
];

fn known() -> &'static KnownValues {
    static KNOWN: OnceLock<KnownValues> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let pairs: Vec<(String, &[u8])> = VALUES.iter().map(|(n, v)| ((*n).to_owned(), v.as_bytes())).collect();
        KnownValues::build([7; 32], &pairs).0
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(rules) = RuleSet::builtin() else { return };
    let scanner = Scanner {
        rules,
        known: Some(known()),
        options: ScanOptions { identifiers: true, fingerprint_key: [1; 32], baseline_salt: Some([2; 32]) },
    };
    // The first byte picks a file name, so credential-file rules run too.
    let names = ["a.txt", ".env", ".npmrc", ".pgpass", "terraform.tfstate", ".netrc", "config.json"];
    let name = names[usize::from(data.first().copied().unwrap_or(0)) % names.len()];
    for finding in scanner.scan(name, data) {
        for (_, value) in VALUES {
            assert!(!finding.redacted.contains(value));
        }
        assert!(finding.line >= 1 && finding.column >= 1);
    }
});
