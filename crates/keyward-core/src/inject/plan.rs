//! Which variables a process gets and where each value comes from: `keyward.toml` (`[env]`,
//! then the chosen profile), then each `--env-file` in order; a later source wins. All vault
//! entries are then fetched in one batch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::project::Project;
use crate::secret::{MAX_VALUE_LEN, SecretBytes};

use super::dotenv::DotEnv;
use super::{is_dangerous, reference};

/// `.env` files larger than this are refused: a file that size is not a config file.
const MAX_ENV_FILE: usize = 4 * 1024 * 1024;

#[derive(Debug)]
enum Source {
    Vault(String),
    Plain(SecretBytes),
}

/// A variable and where its value comes from, for messages.
#[derive(Debug)]
struct Planned {
    source: Source,
    origin: String,
}

#[derive(Debug, Default)]
pub struct Plan {
    vars: BTreeMap<String, Planned>,
}

impl Plan {
    /// Collects variables from `project` (if any) and `env_files`. Fails when there is nothing
    /// to inject at all, so a typo in a folder does not silently run with no secrets.
    pub fn build(
        project: Option<&Project>,
        profile: Option<&str>,
        env_files: &[PathBuf],
        cwd: &Path,
    ) -> Result<Plan> {
        let mut plan = Plan::default();
        match project {
            Some(project) => {
                let origin = project.path.display().to_string();
                for (var, name) in project.variables(profile)? {
                    plan.vars.insert(
                        var,
                        Planned {
                            source: Source::Vault(name),
                            origin: origin.clone(),
                        },
                    );
                }
            }
            None if profile.is_some() => {
                return Err(Error::NoProjectFile(format!(
                    "--profile needs a keyward.toml, and there is none in {} or above",
                    cwd.display()
                )));
            }
            None if env_files.is_empty() => {
                return Err(Error::NoProjectFile(format!(
                    "no keyward.toml in {} or above, and no --env-file given: nothing to inject",
                    cwd.display()
                )));
            }
            None => {}
        }
        for path in env_files {
            let env = DotEnv::read(path, MAX_ENV_FILE)?;
            for a in env.assignments {
                let origin = format!("{}:{}", path.display(), a.line);
                let text = std::str::from_utf8(a.value.expose()).ok();
                let source = match text.and_then(reference::parse) {
                    Some(name) => {
                        crate::names::validate_name(name)
                            .map_err(|e| Error::Invalid(format!("{origin}: {e}")))?;
                        Source::Vault(name.to_owned())
                    }
                    None => {
                        if a.value.len() > MAX_VALUE_LEN {
                            return Err(Error::Invalid(format!("{origin}: the value is too long")));
                        }
                        Source::Plain(a.value)
                    }
                };
                plan.vars.insert(a.key, Planned { source, origin });
            }
        }
        Ok(plan)
    }

    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// Refuses variables that would change how the child's loader or shell behaves.
    pub fn check_dangerous(&self, allow: bool) -> Result<()> {
        if allow {
            return Ok(());
        }
        let bad: Vec<String> = self
            .vars
            .iter()
            .filter(|(var, _)| is_dangerous(var))
            .map(|(var, planned)| format!("{var} ({})", planned.origin))
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(Error::DangerousVariables(bad.join(", ")))
        }
    }

    /// The vault entries the plan needs, each once, sorted.
    pub fn vault_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .vars
            .values()
            .filter_map(|p| match &p.source {
                Source::Vault(name) => Some(name.clone()),
                Source::Plain(_) => None,
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Returns the variables with their values, sorted by name. `fetch` gets every vault
    /// value in one batch; it is not called when `vault_names()` is empty, so plain `.env`
    /// files need no password.
    pub fn resolve(
        self,
        fetch: impl FnOnce(&[String]) -> Result<Vec<SecretBytes>>,
    ) -> Result<Vec<(String, SecretBytes)>> {
        let names = self.vault_names();
        let values = if names.is_empty() {
            Vec::new()
        } else {
            fetch(&names)?
        };
        if values.len() != names.len() {
            return Err(Error::Invalid(
                "the vault returned the wrong number of values".into(),
            ));
        }
        let fetched: BTreeMap<&String, SecretBytes> = names.iter().zip(values).collect();
        self.vars
            .into_iter()
            .map(|(var, planned)| {
                let value = match planned.source {
                    Source::Plain(value) => value,
                    Source::Vault(name) => fetched
                        .get(&name)
                        .cloned()
                        .ok_or_else(|| Error::NotFound(name.clone()))?,
                };
                Ok((var, value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_win_and_references_go_to_the_vault() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.env");
        let b = tmp.path().join("b.env");
        std::fs::write(&a, "X=plain\nY=kw://y-entry\n").unwrap();
        std::fs::write(&b, "Y=override\n").unwrap();
        let plan = Plan::build(None, None, &[a.clone(), b], tmp.path()).unwrap();
        assert!(plan.vault_names().is_empty());
        let plan = Plan::build(None, None, &[a], tmp.path()).unwrap();
        assert_eq!(plan.vault_names(), vec!["y-entry"]);
    }

    #[test]
    fn dangerous_names_are_refused_with_their_origin() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.env");
        std::fs::write(&a, "OK=1\nLD_PRELOAD=/tmp/evil.so\n").unwrap();
        let plan = Plan::build(None, None, &[a], tmp.path()).unwrap();
        let err = plan.check_dangerous(false).unwrap_err().to_string();
        assert!(
            err.contains("LD_PRELOAD") && err.contains("a.env:2"),
            "{err}"
        );
        assert!(!err.contains("evil"), "no value in the message: {err}");
        plan.check_dangerous(true).unwrap();
    }

    #[test]
    fn nothing_to_inject_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Plan::build(None, None, &[], tmp.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no keyward.toml"), "{err}");
    }
}
