//! What the watcher scans with: the built-in rules, and the matcher of stored values when there
//! is one. The matcher can be replaced while the watcher runs (a secret was added or rotated);
//! it holds keyed fingerprints only, never a value.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard};

use keyward_scan::walk::{WalkOptions, load};
use keyward_scan::{Finding, KnownValues, RuleSet, ScanOptions, Scanner, Severity, git};

#[derive(Debug)]
pub struct Engine {
    rules: &'static RuleSet,
    walk: WalkOptions,
    matcher: RwLock<Matcher>,
}

#[derive(Debug)]
struct Matcher {
    known: Option<KnownValues>,
    /// The key of finding ids: derived from the vault's fingerprint subkey when the vault was
    /// ever unlocked, so ids are stable for it.
    ids_key: [u8; 32],
}

/// What scanning one file gave.
#[derive(Debug)]
pub enum FileScan {
    Findings(Vec<Finding>),
    /// Not scanned (too large, binary, unreadable, not a regular file): it holds nothing we
    /// can see, so whatever it held before is gone.
    Skipped(String),
}

impl Engine {
    /// An engine with the rules only; `ids_key` keys the finding ids.
    pub fn new(walk: WalkOptions, ids_key: [u8; 32]) -> keyward_scan::Result<Engine> {
        Ok(Engine {
            rules: RuleSet::builtin()?,
            walk,
            matcher: RwLock::new(Matcher {
                known: None,
                ids_key,
            }),
        })
    }

    fn matcher(&self) -> RwLockReadGuard<'_, Matcher> {
        self.matcher
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the matcher of stored values (and the key of finding ids that goes with it).
    pub fn set_known(&self, known: Option<KnownValues>, ids_key: [u8; 32]) {
        let mut matcher = self
            .matcher
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *matcher = Matcher { known, ids_key };
    }

    pub fn walk_options(&self) -> &WalkOptions {
        &self.walk
    }

    /// Scans one file; severities are left for [`rank`] to set.
    pub fn scan_file(&self, path: &Path) -> FileScan {
        let Some(name) = path.to_str() else {
            return FileScan::Skipped("its name is not UTF-8".into());
        };
        let data = match load(path, &self.walk) {
            Ok(data) => data,
            Err(reason) => return FileScan::Skipped(reason),
        };
        let matcher = self.matcher();
        let scanner = Scanner {
            rules: self.rules,
            known: matcher.known.as_ref(),
            options: ScanOptions {
                identifiers: false,
                fingerprint_key: matcher.ids_key,
                baseline_salt: None,
            },
        };
        FileScan::Findings(scanner.scan(name, &data))
    }
}

/// Sets each finding's severity from git: tracked critical, untracked high, ignored or outside
/// a repository medium. One git query per repository for the whole batch.
pub fn rank(findings: &mut [Finding]) {
    if findings.is_empty() {
        return;
    }
    let paths: Vec<String> = findings.iter().map(|f| f.path.clone()).collect();
    let severities: HashMap<String, Severity> = git::severities(&paths);
    for f in findings.iter_mut() {
        if !f.identifier {
            f.severity = severities.get(&f.path).copied().unwrap_or(Severity::Medium);
        }
    }
}
