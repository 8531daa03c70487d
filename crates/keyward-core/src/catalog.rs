//! The provider catalog (`catalog/providers.toml`, embedded at build time): how a secret's
//! provider is recognised, its default rotation interval, and where its keys are managed.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::policy::RotateEvery;

const CATALOG: &str = include_str!("../catalog/providers.toml");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub name: String,
    /// Scanner rule ids whose match on a value says the value is this provider's.
    pub rules: Vec<String>,
    /// A secret's name starting with one of these (then a separator, or nothing) is this
    /// provider's: `stripe-live`, `aws/prod`, `gh_token`.
    pub prefixes: Vec<String>,
    pub rotate_every: RotateEvery,
    /// The page where the user makes a new key and revokes the old one; empty for none.
    pub manage: String,
    /// Whether the provider lets keys carry an expiry date.
    pub expires: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    provider: Vec<Provider>,
}

#[derive(Debug)]
pub struct Catalog {
    providers: Vec<Provider>,
}

impl Catalog {
    pub fn parse(text: &str) -> Result<Catalog> {
        let file: File = toml::from_str(text)
            .map_err(|e| Error::Invalid(format!("the provider catalog does not parse: {e}")))?;
        Ok(Catalog {
            providers: file.provider,
        })
    }

    /// The catalog built into keyward.
    pub fn builtin() -> Result<&'static Catalog> {
        static BUILTIN: OnceLock<std::result::Result<Catalog, String>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Catalog::parse(CATALOG).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Invalid(e.clone()))
    }

    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The provider of a secret: by what its value looks like (the scanner's rules), else by
    /// its name.
    pub fn identify(&self, name: &str, value: &[u8]) -> Option<&Provider> {
        self.by_value(value).or_else(|| self.by_name(name))
    }

    fn by_value(&self, value: &[u8]) -> Option<&Provider> {
        let rules = keyward_scan::RuleSet::builtin().ok()?;
        let scanner = keyward_scan::Scanner {
            rules,
            known: None,
            options: keyward_scan::ScanOptions {
                identifiers: false,
                fingerprint_key: [0; 32],
                baseline_salt: None,
            },
        };
        scanner
            .scan("value", value)
            .iter()
            .find_map(|f| self.providers.iter().find(|p| p.rules.contains(&f.rule)))
    }

    fn by_name(&self, name: &str) -> Option<&Provider> {
        let name = name.to_ascii_lowercase();
        self.providers.iter().find(|p| {
            p.prefixes.iter().any(|prefix| {
                name.strip_prefix(prefix.as_str()).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with(['-', '_', '/', '.', '@'])
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_parses_with_unique_ids_real_rules_and_https_pages() {
        let catalog = Catalog::builtin().unwrap();
        assert!(catalog.providers().len() >= 40);
        let rules = keyward_scan::RuleSet::builtin().unwrap();
        let known: Vec<&str> = rules.rules.iter().map(|r| r.def.id.as_str()).collect();
        let mut ids = Vec::new();
        for p in catalog.providers() {
            assert!(!ids.contains(&p.id), "{} twice", p.id);
            ids.push(p.id.clone());
            for rule in &p.rules {
                assert!(known.contains(&rule.as_str()), "{}: no rule {rule}", p.id);
            }
            assert!(
                p.manage.is_empty() || p.manage.starts_with("https://"),
                "{}",
                p.id
            );
            assert!(!p.prefixes.is_empty(), "{}", p.id);
        }
    }

    #[test]
    fn providers_are_recognised_by_value_then_by_name() {
        let catalog = Catalog::builtin().unwrap();
        let by = |name: &str, value: &str| {
            catalog
                .identify(name, value.as_bytes())
                .map(|p| p.id.as_str())
        };
        assert_eq!(
            by("payments", "sk_live_51HqLyjWDarjtT1zdp7dcQx9"),
            Some("stripe")
        );
        assert_eq!(by("ci-token", "glpat-xY3kP9qR2mN7vB4tL8wZ"), Some("gitlab"));
        assert_eq!(by("aws/prod", "not a recognisable value"), Some("aws"));
        assert_eq!(by("gh_token", "x"), Some("github"));
        assert_eq!(by("DB-password", "hunter2hunter2"), Some("database"));
        assert_eq!(by("dbx", "x"), None, "a prefix must end at a separator");
        assert_eq!(by("my-secret", "plain value"), None);
    }
}
