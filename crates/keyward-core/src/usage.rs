//! Where a secret is used, so its owner knows what breaks when they rotate it: the projects
//! whose `keyward.toml` or `.env` files name it, the files where the watcher saw its value, and
//! the programs it was handed to (from the access log).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::findings::{FindingState, StoredFinding};
use crate::inject::reference;
use crate::project::{PROJECT_FILE, Project};
use crate::time::Stamp;
use crate::vault::AuditEvent;

/// `.env` files larger than this are not looked into.
const MAX_ENV_FILE: u64 = 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WhereUsed {
    pub name: String,
    pub projects: Vec<ProjectUse>,
    pub files: Vec<FileUse>,
    pub programs: Vec<ProgramUse>,
}

/// A project file that names the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectUse {
    pub folder: String,
    pub file: String,
    /// The variable that takes it.
    pub variable: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The line, for `.env` files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// A file where the watcher saw the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileUse {
    pub path: String,
    pub line: usize,
    pub state: FindingState,
    pub severity: keyward_scan::Severity,
    pub finding: i64,
}

/// A command that was given the secret: what, for which program, from where, how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgramUse {
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    pub folder: String,
    pub times: usize,
    pub last: Stamp,
}

/// Commands whose access hands the value on (not the vault's own changes).
const ACCESSES: &[&str] = &[
    "get", "copy", "run", "env", "inject", "import", "scan", "watch",
];

/// Where `name` is used, looking into `folders` (watched projects, and folders the log shows
/// it was used from), the findings and the log.
pub fn where_used(
    name: &str,
    folders: &[String],
    findings: &[StoredFinding],
    log: &[AuditEvent],
) -> WhereUsed {
    let mut candidates: Vec<String> = folders.to_vec();
    candidates.extend(
        log.iter()
            .filter(|e| e.names.iter().any(|n| n == name))
            .filter_map(|e| project_folder(Path::new(&e.cwd))),
    );
    candidates.sort();
    candidates.dedup();
    let mut projects = Vec::new();
    for folder in &candidates {
        projects.extend(in_project_file(name, folder));
        projects.extend(in_env_files(name, folder));
    }
    let files = findings
        .iter()
        .filter(|f| f.secret.as_deref() == Some(name))
        .map(|f| FileUse {
            path: f.path.clone(),
            line: f.line,
            state: f.state,
            severity: f.severity,
            finding: f.id,
        })
        .collect();
    let mut programs: BTreeMap<(String, Option<String>, String), (usize, Stamp)> = BTreeMap::new();
    for e in log
        .iter()
        .filter(|e| ACCESSES.contains(&e.command.as_str()) && e.names.iter().any(|n| n == name))
    {
        let slot = programs
            .entry((e.command.clone(), e.detail.clone(), e.cwd.clone()))
            .or_insert((0, e.time));
        slot.0 += 1;
        slot.1 = slot.1.max(e.time);
    }
    let mut programs: Vec<ProgramUse> = programs
        .into_iter()
        .map(|((command, program, folder), (times, last))| ProgramUse {
            command,
            program,
            folder,
            times,
            last,
        })
        .collect();
    programs.sort_by_key(|p| std::cmp::Reverse(p.last));
    WhereUsed {
        name: name.to_owned(),
        projects,
        files,
        programs,
    }
}

/// The folder of the `keyward.toml` that governs `cwd`, if any.
pub fn project_folder(cwd: &Path) -> Option<String> {
    cwd.ancestors()
        .find(|dir| dir.join(PROJECT_FILE).is_file())
        .map(|dir| dir.display().to_string())
}

fn in_project_file(name: &str, folder: &str) -> Vec<ProjectUse> {
    let file = Path::new(folder).join(PROJECT_FILE);
    let Ok(project) = Project::load(&file) else {
        return Vec::new();
    };
    project
        .references(name)
        .into_iter()
        .map(|(profile, variable)| ProjectUse {
            folder: folder.to_owned(),
            file: file.display().to_string(),
            variable,
            profile,
            line: None,
        })
        .collect()
}

/// `.env`, `.env.*` and `*.env` files directly in `folder` that hold `kw://NAME`.
fn in_env_files(name: &str, folder: &str) -> Vec<ProjectUse> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let wanted = reference::format(name);
    let mut out = Vec::new();
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let is_env =
            file_name == ".env" || file_name.starts_with(".env.") || file_name.ends_with(".env");
        let small =
            std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_ENV_FILE);
        if !is_env || !small {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let Some((variable, value)) = line
                .trim_start()
                .trim_start_matches("export ")
                .split_once('=')
            else {
                continue;
            };
            let value = value.trim().trim_matches(['"', '\'']);
            if value == wanted {
                out.push(ProjectUse {
                    folder: folder.to_owned(),
                    file: path.display().to_string(),
                    variable: variable.trim().to_owned(),
                    profile: None,
                    line: Some(i + 1),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        command: &str,
        names: &[&str],
        cwd: &Path,
        detail: Option<&str>,
        t: i64,
    ) -> AuditEvent {
        AuditEvent {
            time: Stamp::from_unix(t),
            command: command.into(),
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            cwd: cwd.display().to_string(),
            pid: 1,
            detail: detail.map(str::to_owned),
        }
    }

    #[test]
    fn projects_env_files_findings_and_programs_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let shop = dir.path().join("shop");
        let api = dir.path().join("api");
        std::fs::create_dir_all(shop.join("src")).unwrap();
        std::fs::create_dir_all(&api).unwrap();
        std::fs::write(
            shop.join(PROJECT_FILE),
            "[env]\nSTRIPE_KEY = \"stripe-live\"\n[profiles.ci.env]\nPAY = \"kw://stripe-live\"\n",
        )
        .unwrap();
        std::fs::write(
            api.join(".env.local"),
            "# x\nexport STRIPE=\"kw://stripe-live\"\nOTHER=kw://stripe-live-2\n",
        )
        .unwrap();
        let log = vec![
            event("run", &["stripe-live"], &shop.join("src"), Some("npm"), 10),
            event("run", &["stripe-live"], &shop.join("src"), Some("npm"), 20),
            event("get", &["other"], &api, None, 30),
            event("rotate", &["stripe-live"], &api, None, 40),
        ];
        let used = where_used("stripe-live", &[api.display().to_string()], &[], &log);
        let places: Vec<(String, Option<String>, Option<usize>)> = used
            .projects
            .iter()
            .map(|p| (p.variable.clone(), p.profile.clone(), p.line))
            .collect();
        assert_eq!(
            places,
            vec![
                ("STRIPE".into(), None, Some(2)),
                ("STRIPE_KEY".into(), None, None),
                ("PAY".into(), Some("ci".into()), None),
            ]
        );
        assert_eq!(used.programs.len(), 1, "{:?}", used.programs);
        assert_eq!(used.programs[0].program.as_deref(), Some("npm"));
        assert_eq!(used.programs[0].times, 2);
        assert_eq!(used.programs[0].last, Stamp::from_unix(20));
    }
}
