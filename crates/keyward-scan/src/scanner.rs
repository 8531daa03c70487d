//! One input (bytes and a path) in, findings out: known values first, then key formats where
//! their keywords occur, then inline ignores and de-duplication.

use crate::allow::is_allowed;
use crate::checks::{crc32_base62_ok, entropy, is_placeholder};
use crate::finding::{Confidence, Finding, Kind, Severity, position, redact};
use crate::hash::hex16;
use crate::known::KnownValues;
use crate::rules::{Category, Checksum, Rule, RuleSet};
use crate::telling::{self, Assignment};

#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Report rules of the `identifier` category (account ids, bucket names) as `low`; they
    /// run either way, so that an identifier is never reported as a secret.
    pub identifiers: bool,
    /// Key of the findings' fingerprints: stable for one user, never a plain hash.
    pub fingerprint_key: [u8; 32],
    /// Salt of the baseline file in use, if any.
    pub baseline_salt: Option<[u8; 32]>,
}

/// A span found in the input before it becomes a [`Finding`].
#[derive(Debug)]
struct Hit {
    start: usize,
    end: usize,
    origin: Origin,
    encoding: &'static str,
    /// Where the secret itself is (a pattern's `secret` group), for the preview.
    secret: (usize, usize),
    rank: (u8, usize),
    /// The length of the whole match, context included: of two rules that extract the same
    /// secret, the one that needs less context is the more specific.
    context: usize,
}

/// What found a span.
#[derive(Debug)]
enum Origin {
    /// The secret's index in the known values.
    Vault(usize),
    /// The rule's index.
    Rule(usize),
    /// A literal assigned to a telling name.
    Telling(Assignment),
}

impl Origin {
    fn kind(&self) -> Kind {
        match self {
            Origin::Vault(_) => Kind::Vault,
            Origin::Rule(_) | Origin::Telling(_) => Kind::Pattern,
        }
    }
}

#[derive(Debug)]
pub struct Scanner<'a> {
    pub rules: &'a RuleSet,
    pub known: Option<&'a KnownValues>,
    pub options: ScanOptions,
}

impl Scanner<'_> {
    /// Every finding in `data`, the contents of the file `path` (its name decides which
    /// credential-file rules apply). Severity is `medium` until git says otherwise.
    pub fn scan(&self, path: &str, data: &[u8]) -> Vec<Finding> {
        self.scan_spans(path, data)
            .into_iter()
            .map(|(finding, _)| finding)
            .collect()
    }

    /// [`Scanner::scan`], with each finding's byte span in `data`: for `--verify`, which must
    /// hand the key itself to its provider.
    pub fn scan_spans(&self, path: &str, data: &[u8]) -> Vec<(Finding, std::ops::Range<usize>)> {
        let file_name = std::path::Path::new(path)
            .file_name()
            .and_then(|n| n.to_str());
        let mut hits: Vec<Hit> = Vec::new();
        if let Some(known) = self.known {
            for m in known.find(data) {
                hits.push(Hit {
                    start: m.start,
                    end: m.end,
                    origin: Origin::Vault(m.secret),
                    encoding: m.encoding.name(),
                    secret: (m.start, m.end),
                    rank: (0, 0),
                    context: m.end - m.start,
                });
            }
        }
        let triggered = self.rules.triggered(data);
        for (index, rule) in self.rules.rules.iter().enumerate() {
            if !triggered.get(index).copied().unwrap_or(false) || !rule.applies_to(file_name) {
                continue;
            }
            self.run_rule(index, rule, data, &mut hits);
        }
        for assignment in telling::find(path, data) {
            hits.push(Hit {
                start: assignment.start,
                end: assignment.end,
                encoding: "plain",
                secret: (assignment.start, assignment.end),
                // Below every format rule: a provider's key assigned to `API_KEY` is reported
                // as that provider's key, and a public identifier (a Mapbox `pk.` token) as
                // what it is, not as a secret.
                rank: (5, 0),
                context: 0,
                origin: Origin::Telling(assignment),
            });
        }
        hits.retain(|h| !is_allowed(data, h.start));
        // Where spans overlap keep one: a vault value over a format, a specific rule over a
        // generic one, then the longer secret, then the rule that needed less context.
        hits.sort_by_key(|h| {
            (
                h.rank,
                std::cmp::Reverse(h.end - h.start),
                h.context,
                h.start,
            )
        });
        let mut kept: Vec<Hit> = Vec::new();
        for hit in hits {
            let overlaps = kept.iter().any(|k| {
                hit.start < k.end
                    && k.start < hit.end
                    && !matches!((&hit.origin, &k.origin), (Origin::Vault(a), Origin::Vault(b)) if a != b)
            });
            if !overlaps {
                kept.push(hit);
            }
        }
        // Identifier rules always run, so that a public id assigned to `API_KEY` is known for
        // one, but are reported only when asked for.
        if !self.options.identifiers {
            kept.retain(|h| !self.is_identifier(h));
        }
        kept.sort_by_key(|h| (h.start, h.end));
        kept.into_iter()
            .map(|hit| (self.finding(path, data, &hit), hit.secret.0..hit.secret.1))
            .collect()
    }

    /// How many pattern matches in `data` were dropped as documentation placeholders: lets a
    /// test tell "missed" from "deliberately silent".
    pub fn placeholder_matches(&self, path: &str, data: &[u8]) -> usize {
        let file_name = std::path::Path::new(path)
            .file_name()
            .and_then(|n| n.to_str());
        let triggered = self.rules.triggered(data);
        let mut count = 0;
        for (index, rule) in self.rules.rules.iter().enumerate() {
            if !triggered.get(index).copied().unwrap_or(false) || !rule.applies_to(file_name) {
                continue;
            }
            let Some(regex) = rule.regex() else { continue };
            let groups = secret_groups(regex);
            for caps in regex.captures_iter(data) {
                let secret = groups
                    .iter()
                    .find_map(|&g| caps.get(g))
                    .or_else(|| caps.get(0));
                if secret.is_some_and(|s| is_placeholder(s.as_bytes())) {
                    count += 1;
                }
            }
        }
        count
    }

    /// What is wrong with `rule` against its own examples: an example it does not find (a rule
    /// of the same provider finding it counts, since of two rules extracting one key the one
    /// needing less context wins), or a negative example it does find. Used by the rule tests
    /// and by `examples/rulecheck.rs` for candidate rule files.
    pub fn example_failures(&self, rule: &Rule) -> Vec<String> {
        let name = rule
            .def
            .paths
            .first()
            .map_or("example.txt".to_owned(), |p| {
                p.replace('*', "").replace('?', "x")
            });
        let same_provider = |id: &str| {
            self.rules
                .rules
                .iter()
                .any(|r| r.def.id == id && r.def.provider == rule.def.provider)
        };
        let mut failures = Vec::new();
        for example in &rule.def.examples {
            let found = self.scan(&name, example.as_bytes());
            if !found
                .iter()
                .any(|f| f.rule == rule.def.id || same_provider(&f.rule))
            {
                let got: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
                failures.push(format!(
                    "{}: example not found (got {got:?}): {example:?}",
                    rule.def.id
                ));
            }
        }
        for negative in &rule.def.negative_examples {
            if self
                .scan(&name, negative.as_bytes())
                .iter()
                .any(|f| f.rule == rule.def.id)
            {
                failures.push(format!(
                    "{}: negative example found: {negative:?}",
                    rule.def.id
                ));
            }
        }
        failures
    }

    fn is_identifier(&self, hit: &Hit) -> bool {
        match hit.origin {
            Origin::Rule(index) => self
                .rules
                .rules
                .get(index)
                .is_some_and(|r| r.def.category == Category::Identifier),
            _ => false,
        }
    }

    fn run_rule(&self, index: usize, rule: &Rule, data: &[u8], hits: &mut Vec<Hit>) {
        let Some(regex) = rule.regex() else { return };
        let groups = secret_groups(regex);
        for caps in regex.captures_iter(data) {
            let Some(whole) = caps.get(0) else { continue };
            let secret = groups.iter().find_map(|&g| caps.get(g)).unwrap_or(whole);
            let bytes = secret.as_bytes();
            if bytes.is_empty() || is_placeholder(bytes) {
                continue;
            }
            if rule.def.min_entropy.is_some_and(|min| entropy(bytes) < min) {
                continue;
            }
            if rule.def.checksum == Some(Checksum::Crc32Base62) && !crc32_base62_ok(bytes) {
                continue;
            }
            let category_rank = match rule.def.category {
                Category::Secret => 1,
                Category::Hash => 2,
                Category::Generic => 3,
                Category::Identifier => 4,
            };
            // Rules tied to a credential file's name know its structure best.
            let specificity = if rule.has_paths() { 0 } else { 1 };
            hits.push(Hit {
                start: secret.start(),
                end: secret.end(),
                origin: Origin::Rule(index),
                encoding: "plain",
                secret: (secret.start(), secret.end()),
                rank: (category_rank, specificity),
                context: whole.len(),
            });
        }
    }

    fn finding(&self, path: &str, data: &[u8], hit: &Hit) -> Finding {
        let span = data.get(hit.secret.0..hit.secret.1).unwrap_or_default();
        let (line, column) = position(data, hit.start);
        let (rule, description, secret, identifier, confidence) = match &hit.origin {
            Origin::Vault(index) => {
                let name = self
                    .known
                    .map(|k| k.name(*index).to_owned())
                    .unwrap_or_default();
                (
                    "vault".to_owned(),
                    "stored secret".to_owned(),
                    Some(name),
                    false,
                    Confidence::High,
                )
            }
            Origin::Rule(index) => {
                let def = self.rules.rules.get(*index).map(|r| &r.def);
                let confidence = match def.map(|d| d.category) {
                    Some(Category::Generic) => Confidence::Medium,
                    _ => Confidence::High,
                };
                (
                    def.map(|d| d.id.clone()).unwrap_or_default(),
                    def.map(|d| d.name.clone()).unwrap_or_default(),
                    None,
                    def.is_some_and(|d| d.category == Category::Identifier),
                    confidence,
                )
            }
            Origin::Telling(a) => (
                a.class.rule_id().to_owned(),
                format!("{} assigned to {}", a.class.noun(), a.name),
                None,
                a.fixture,
                if a.fixture {
                    Confidence::Low
                } else {
                    Confidence::Medium
                },
            ),
        };
        let label = secret.as_deref().unwrap_or(&rule);
        let fingerprint = hex16(&keyed(&self.options.fingerprint_key, label, path, span));
        let baseline_key = self
            .options
            .baseline_salt
            .map(|salt| hex16(&keyed(&salt, label, path, span)))
            .unwrap_or_default();
        Finding {
            path: path.to_owned(),
            line,
            column,
            kind: hit.origin.kind(),
            secret,
            rule,
            description,
            encoding: hit.encoding.to_owned(),
            severity: if identifier {
                Severity::Low
            } else {
                Severity::Medium
            },
            confidence,
            verified: None,
            redacted: redact(span),
            fingerprint,
            baseline_key,
            identifier,
        }
    }
}

/// The groups that hold the secret: `secret`, and `secret2`, `secret3`... for rules whose
/// alternatives each capture it (a value in double quotes or in single quotes).
fn secret_groups(regex: &regex::bytes::Regex) -> Vec<usize> {
    regex
        .capture_names()
        .enumerate()
        .filter(|(_, name)| name.is_some_and(|n| n.starts_with("secret")))
        .map(|(i, _)| i)
        .collect()
}

/// The keyed hash of a finding's identity: what matched, in which file, and the matched bytes.
pub fn keyed(key: &[u8; 32], label: &str, path: &str, span: &[u8]) -> [u8; 32] {
    crate::hash::keyed(key, &[label.as_bytes(), path.as_bytes(), span])
}
