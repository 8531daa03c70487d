//! The project file `keyward.toml`: which vault entries a project's processes get, under which
//! variable names. Found by walking up from the working directory; it never holds a secret.
//!
//! ```toml
//! [env]
//! STRIPE_KEY = "stripe-live"
//!
//! [profiles.staging.env]
//! DATABASE_URL = "db/staging-url"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::inject::reference;

pub const PROJECT_FILE: &str = "keyward.toml";

/// Project files are a few lines; this bounds what a wrong file can make us read.
const MAX_PROJECT_FILE: u64 = 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Debug)]
pub struct Project {
    pub path: PathBuf,
    file: ProjectFile,
}

impl Project {
    /// The nearest `keyward.toml` at or above `start`, if any.
    pub fn find(start: &Path) -> Result<Option<Project>> {
        for dir in start.ancestors() {
            let candidate = dir.join(PROJECT_FILE);
            if candidate.is_file() {
                return Project::load(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    pub fn load(path: &Path) -> Result<Project> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        if meta.len() > MAX_PROJECT_FILE {
            return Err(Error::Invalid(format!(
                "{} is larger than {MAX_PROJECT_FILE} bytes; is it really a project file?",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        let file: ProjectFile = toml::from_str(&text).map_err(|e| {
            Error::Invalid(format!(
                "{}: {}",
                path.display(),
                e.message().split_whitespace().collect::<Vec<_>>().join(" ")
            ))
        })?;
        Ok(Project {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The variables of `[env]`, overridden by those of `[profiles.NAME.env]` when a profile is
    /// chosen: `(variable, vault entry name)`, sorted by variable.
    pub fn variables(&self, profile: Option<&str>) -> Result<Vec<(String, String)>> {
        let mut vars = self.file.env.clone();
        if let Some(name) = profile {
            let chosen = self.file.profiles.get(name).ok_or_else(|| {
                let known: Vec<&str> = self.file.profiles.keys().map(String::as_str).collect();
                Error::Invalid(format!(
                    "{} has no profile '{name}' (it has: {})",
                    self.path.display(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
            })?;
            vars.extend(chosen.env.clone());
        }
        vars.into_iter()
            .map(|(var, entry)| {
                crate::inject::check_variable_name(&var).map_err(|e| self.error(&e))?;
                let name = reference::parse(&entry).unwrap_or(&entry).to_owned();
                crate::names::validate_name(&name).map_err(|e| self.error(&e))?;
                Ok((var, name))
            })
            .collect()
    }

    /// The variables that take `entry`, in `[env]` and in each profile (`(profile, variable)`,
    /// the profile `None` for `[env]`).
    pub fn references(&self, entry: &str) -> Vec<(Option<String>, String)> {
        let takes = |value: &String| reference::parse(value).unwrap_or(value) == entry;
        let mut out: Vec<(Option<String>, String)> = self
            .file
            .env
            .iter()
            .filter(|(_, v)| takes(v))
            .map(|(var, _)| (None, var.clone()))
            .collect();
        for (profile, p) in &self.file.profiles {
            out.extend(
                p.env
                    .iter()
                    .filter(|(_, v)| takes(v))
                    .map(|(var, _)| (Some(profile.clone()), var.clone())),
            );
        }
        out
    }

    fn error(&self, err: &Error) -> Error {
        Error::Invalid(format!("{}: {err}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join(PROJECT_FILE);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn found_from_a_subfolder_and_profiles_override() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "[env]\nSTRIPE_KEY = \"stripe-live\"\nDB = \"db/dev\"\n\
             [profiles.staging.env]\nDB = \"kw://db/staging\"\n",
        );
        let sub = tmp.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let project = Project::find(&sub).unwrap().unwrap();
        assert_eq!(
            project.variables(None).unwrap(),
            vec![
                ("DB".into(), "db/dev".into()),
                ("STRIPE_KEY".into(), "stripe-live".into())
            ]
        );
        assert_eq!(
            project.variables(Some("staging")).unwrap(),
            vec![
                ("DB".into(), "db/staging".into()),
                ("STRIPE_KEY".into(), "stripe-live".into())
            ]
        );
        let err = project.variables(Some("prod")).unwrap_err().to_string();
        assert!(
            err.contains("no profile 'prod'") && err.contains("staging"),
            "{err}"
        );
    }

    #[test]
    fn bad_files_are_one_line_errors() {
        let tmp = tempfile::tempdir().unwrap();
        for text in [
            "[env\n",
            "[env]\nA = 3\n",
            "[other]\n",
            "[env]\n\"1BAD\" = \"x\"\n",
            "[env]\nA = \"bad name!\"\n",
        ] {
            let path = write(tmp.path(), text);
            let err = Project::load(&path)
                .and_then(|p| p.variables(None))
                .unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(!err.to_string().contains('\n'), "{err}");
        }
    }

    #[test]
    fn no_project_file_is_none() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(Project::find(tmp.path()).unwrap().is_none());
    }
}
