//! Every rule's own examples: each example is found by its rule, each negative example is not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use keyward_scan::rules::RuleSet;
use keyward_scan::{ScanOptions, Scanner};

fn scanner(rules: &RuleSet) -> Scanner<'_> {
    Scanner {
        rules,
        known: None,
        options: ScanOptions {
            identifiers: true,
            fingerprint_key: [3; 32],
            baseline_salt: None,
        },
    }
}

/// A file name the rule applies to: its first glob with the wildcards filled in.
fn file_name_for(paths: &[String]) -> String {
    paths.first().map_or("example.txt".to_owned(), |p| {
        p.replace('*', "").replace('?', "x")
    })
}

#[test]
fn every_rule_compiles_and_has_examples() {
    let rules = RuleSet::builtin().unwrap();
    let mut ids = std::collections::HashSet::new();
    for rule in &rules.rules {
        assert!(
            rule.regex().is_some(),
            "{} ({}): the pattern does not compile",
            rule.def.id,
            rule.file
        );
        assert!(
            !rule.def.examples.is_empty(),
            "{} has no examples",
            rule.def.id
        );
        assert!(
            ids.insert(rule.def.id.clone()),
            "duplicate id {}",
            rule.def.id
        );
        for kw in &rule.def.keywords {
            assert_eq!(
                *kw,
                kw.to_ascii_lowercase(),
                "{}: keywords are lowercase",
                rule.def.id
            );
        }
    }
    let providers = rules.providers();
    eprintln!(
        "{} rules for {} providers",
        rules.rules.len(),
        providers.len()
    );
    assert!(providers.len() >= 500, "only {} providers", providers.len());
    assert!(rules.rules.len() >= 700, "only {} rules", rules.rules.len());
}

#[test]
fn examples_are_found_and_negative_examples_are_not() {
    let rules = RuleSet::builtin().unwrap();
    let scanner = scanner(rules);
    let mut failures = Vec::new();
    for rule in &rules.rules {
        failures.extend(scanner.example_failures(rule));
        let name = file_name_for(&rule.def.paths);
        for example in &rule.def.examples {
            for f in &scanner.scan(&name, example.as_bytes()) {
                assert!(
                    !example.contains(&f.redacted) || f.redacted.chars().count() <= 8,
                    "{}: the preview holds too much",
                    rule.def.id
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn documentation_placeholders_and_public_keys_are_never_reported() {
    let rules = RuleSet::builtin().unwrap();
    let scanner = scanner(rules);
    for text in [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "OPENAI_API_KEY=YOUR_API_KEY",
        "STRIPE_KEY=${STRIPE_KEY}",
        "STRIPE_KEY=kw://stripe-live",
        "token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDw4o6gJy8UtmIbkcpnkO3Kwc4qsEnSZp0TR user@host",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",
    ] {
        let found = scanner.scan("README.md", text.as_bytes());
        let found: Vec<_> = found.iter().filter(|f| !f.identifier).collect();
        assert!(
            found.is_empty(),
            "{text:?}: {:?}",
            found.iter().map(|f| &f.rule).collect::<Vec<_>>()
        );
    }
}
