//! Key-format rules: data in `rules/*.toml` (one file per provider family), embedded at build
//! time. Each rule names its provider, the keywords that must occur for it to run, a pattern
//! whose `secret` group is the key, optional entropy and checksum checks, optional file-name
//! globs for credential files, and examples that the tests run.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;
use serde::Deserialize;

use crate::{Error, Result};

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A credential by itself.
    #[default]
    Secret,
    /// A password hash: crackable offline, so still a leak.
    Hash,
    /// A heuristic (`PASSWORD=...` in a `.env` file).
    Generic,
    /// Not secret alone (an account id, a bucket name); off unless asked for.
    Identifier,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checksum {
    Crc32Base62,
}

/// A rule as written in its file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub name: String,
    pub provider: String,
    #[serde(default)]
    pub category: Category,
    pub keywords: Vec<String>,
    pub pattern: String,
    pub min_entropy: Option<f64>,
    pub checksum: Option<Checksum>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleDef>,
}

/// A rule ready to run. Its regex is compiled the first time its keyword is seen, so a scan
/// pays only for the rules its files need.
#[derive(Debug)]
pub struct Rule {
    pub def: RuleDef,
    /// The file this rule came from, for messages.
    pub file: &'static str,
    regex: OnceLock<Option<Regex>>,
    paths: Option<globset::GlobSet>,
}

impl Rule {
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| {
                regex::bytes::RegexBuilder::new(&self.def.pattern)
                    .size_limit(32 * 1024 * 1024)
                    // Keys are ASCII. Unicode classes would make every `\w{0,20}` of a
                    // thousand rules a large automaton: 6x the memory of a scan, for nothing.
                    .unicode(false)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// Whether the rule applies to a file of this name (rules without `paths` apply to all).
    pub fn applies_to(&self, file_name: Option<&str>) -> bool {
        match (&self.paths, file_name) {
            (None, _) => true,
            (Some(globs), Some(name)) => globs.is_match(name),
            (Some(_), None) => false,
        }
    }

    pub fn has_paths(&self) -> bool {
        self.paths.is_some()
    }
}

#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    keywords: AhoCorasick,
    /// For each keyword of the automaton, the rules it turns on.
    keyword_rules: Vec<Vec<usize>>,
}

impl RuleSet {
    /// The rules built into keyward.
    pub fn builtin() -> Result<&'static RuleSet> {
        static BUILTIN: OnceLock<std::result::Result<RuleSet, String>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| RuleSet::from_files(RULE_FILES).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Invalid(e.clone()))
    }

    pub fn from_files(files: &[(&'static str, &str)]) -> Result<RuleSet> {
        let mut rules = Vec::new();
        for (file, text) in files {
            let parsed: RuleFile = toml::from_str(text)
                .map_err(|e| Error::Invalid(format!("rules/{file}: {}", e.message())))?;
            for def in parsed.rules {
                let paths =
                    if def.paths.is_empty() {
                        None
                    } else {
                        let mut builder = globset::GlobSetBuilder::new();
                        for p in &def.paths {
                            let glob = globset::Glob::new(p).map_err(|e| {
                                Error::Invalid(format!("rules/{file}: {}: {e}", def.id))
                            })?;
                            builder.add(glob);
                        }
                        Some(builder.build().map_err(|e| {
                            Error::Invalid(format!("rules/{file}: {}: {e}", def.id))
                        })?)
                    };
                rules.push(Rule {
                    def,
                    file,
                    regex: OnceLock::new(),
                    paths,
                });
            }
        }
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if rule.def.keywords.is_empty() {
                return Err(Error::Invalid(format!(
                    "rule {} has no keywords",
                    rule.def.id
                )));
            }
            for kw in &rule.def.keywords {
                let kw = kw.to_ascii_lowercase();
                match keywords.iter().position(|k| *k == kw) {
                    Some(at) => {
                        if let Some(list) = keyword_rules.get_mut(at) {
                            list.push(index);
                        }
                    }
                    None => {
                        keywords.push(kw);
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| Error::Invalid(format!("could not build the keyword prefilter: {e}")))?;
        Ok(RuleSet {
            rules,
            keywords,
            keyword_rules,
        })
    }

    /// The rules whose keywords occur in `data`, as a flag per rule.
    pub fn triggered(&self, data: &[u8]) -> Vec<bool> {
        let mut on = vec![false; self.rules.len()];
        for m in self.keywords.find_overlapping_iter(data) {
            if let Some(list) = self.keyword_rules.get(m.pattern().as_usize()) {
                for &rule in list {
                    if let Some(flag) = on.get_mut(rule) {
                        *flag = true;
                    }
                }
            }
        }
        on
    }

    /// The distinct providers the rules cover.
    pub fn providers(&self) -> Vec<&str> {
        let mut providers: Vec<&str> = self.rules.iter().map(|r| r.def.provider.as_str()).collect();
        providers.sort_unstable();
        providers.dedup();
        providers
    }
}
