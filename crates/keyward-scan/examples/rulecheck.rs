//! Checks rule files before they join `rules/`: every pattern compiles, every example is found
//! by its rule and no negative example is, ids stay unique against the built-in rules, and how
//! many providers the files add.
//!
//! `cargo run -p keyward-scan --example rulecheck -- NEW.toml...`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashSet;
use std::process::ExitCode;

use keyward_scan::rules::{RULE_FILES, RuleSet};
use keyward_scan::{ScanOptions, Scanner};

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let mut extra: Vec<(&'static str, &'static str)> = Vec::new();
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        extra.push((leak(path.clone()), leak(text)));
    }
    let builtin = match RuleSet::from_files(RULE_FILES) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("built-in rules: {e}");
            return ExitCode::FAILURE;
        }
    };
    let old_providers: HashSet<String> = builtin
        .providers()
        .iter()
        .map(|p| p.to_lowercase())
        .collect();
    let mut all: Vec<(&'static str, &'static str)> = RULE_FILES.to_vec();
    all.extend(extra.iter().copied());
    let rules = match RuleSet::from_files(&all) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let scanner = Scanner {
        rules: &rules,
        known: None,
        options: ScanOptions {
            identifiers: true,
            fingerprint_key: [3; 32],
            baseline_salt: None,
        },
    };
    let mut failures = Vec::new();
    let mut ids = HashSet::new();
    for rule in &rules.rules {
        if !ids.insert(rule.def.id.clone()) {
            failures.push(format!("{}: duplicate id", rule.def.id));
        }
    }
    let mut new_rules = 0;
    let mut new_providers = HashSet::new();
    for rule in rules
        .rules
        .iter()
        .filter(|r| paths.iter().any(|p| p == r.file))
    {
        new_rules += 1;
        if !old_providers.contains(&rule.def.provider.to_lowercase()) {
            new_providers.insert(rule.def.provider.to_lowercase());
        }
        if rule.regex().is_none() {
            failures.push(format!("{}: the pattern does not compile", rule.def.id));
            continue;
        }
        if rule.def.examples.is_empty() || rule.def.negative_examples.is_empty() {
            failures.push(format!(
                "{}: needs examples and negative examples",
                rule.def.id
            ));
        }
        for kw in &rule.def.keywords {
            if *kw != kw.to_ascii_lowercase() {
                failures.push(format!("{}: keyword {kw:?} is not lowercase", rule.def.id));
            }
            if kw.len() < 4 {
                failures.push(format!(
                    "{}: keyword {kw:?} is too short to prefilter",
                    rule.def.id
                ));
            }
        }
        failures.extend(scanner.example_failures(rule));
    }
    println!(
        "{new_rules} rules checked, {} new providers; all rules: {} for {} providers",
        new_providers.len(),
        rules.rules.len(),
        rules.providers().len()
    );
    for failure in &failures {
        println!("FAIL {failure}");
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}
