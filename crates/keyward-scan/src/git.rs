//! How exposed a file is, from git: tracked or staged files are `critical` (they travel with
//! every push), untracked ones `high`, ignored ones and files outside any repository `medium`.
//! And the pre-commit gate's input: what `git diff --cached` adds.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::finding::Severity;
use crate::{Error, Result};

/// The repository holding `path`, if any: the nearest folder with a `.git` entry.
pub fn repo_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn git(root: &Path, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("could not run git", e))?;
    if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io("could not run git", e))?;
    // check-ignore exits 1 when nothing is ignored; that is an answer, not a failure.
    let nothing_ignored = args.first() == Some(&"check-ignore") && out.status.code() == Some(1);
    if !(out.status.success() || nothing_ignored) {
        return Err(Error::Invalid(format!(
            "git {} failed in {}: {}",
            args.first().unwrap_or(&""),
            root.display(),
            String::from_utf8_lossy(&out.stderr)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )));
    }
    Ok(out.stdout)
}

fn nul_paths(bytes: &[u8], root: &Path) -> HashSet<PathBuf> {
    bytes
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
        .collect()
}

/// The severity of each of `files` (absolute or relative to the working directory).
pub fn severities(files: &[String]) -> HashMap<String, Severity> {
    let mut by_repo: HashMap<Option<PathBuf>, Vec<(String, PathBuf)>> = HashMap::new();
    for file in files {
        let path = Path::new(file);
        let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        by_repo
            .entry(repo_root(&absolute))
            .or_default()
            .push((file.clone(), absolute));
    }
    let mut out = HashMap::new();
    for (root, members) in by_repo {
        let Some(root) = root else {
            out.extend(members.into_iter().map(|(f, _)| (f, Severity::Medium)));
            continue;
        };
        let tracked = git(&root, &["ls-files", "-z", "--cached"], None)
            .map(|b| nul_paths(&b, &root))
            .unwrap_or_default();
        let untracked: Vec<&PathBuf> = members
            .iter()
            .map(|(_, a)| a)
            .filter(|a| !tracked.contains(*a))
            .collect();
        let mut query = Vec::new();
        for path in &untracked {
            if let Ok(rel) = path.strip_prefix(&root) {
                query.extend_from_slice(rel.to_string_lossy().as_bytes());
                query.push(0);
            }
        }
        let ignored = if query.is_empty() {
            HashSet::new()
        } else {
            git(
                &root,
                &["check-ignore", "-z", "--stdin", "--no-index"],
                Some(&query),
            )
            .map(|b| nul_paths(&b, &root))
            .unwrap_or_default()
        };
        for (file, absolute) in members {
            let severity = if tracked.contains(&absolute) {
                Severity::Critical
            } else if ignored.contains(&absolute) {
                Severity::Medium
            } else {
                Severity::High
            };
            out.insert(file, severity);
        }
    }
    out
}

/// One staged file: its staged contents and the lines the commit adds.
#[derive(Debug)]
pub struct StagedFile {
    pub path: String,
    pub contents: Vec<u8>,
    pub added: Vec<(usize, usize)>,
}

impl StagedFile {
    pub fn adds_line(&self, line: usize) -> bool {
        self.added
            .iter()
            .any(|&(start, end)| (start..=end).contains(&line))
    }
}

/// What `git commit` would add, in the repository holding `cwd`.
pub fn staged(cwd: &Path) -> Result<Vec<StagedFile>> {
    let root = repo_root(cwd).ok_or_else(|| {
        Error::Invalid(format!(
            "--staged needs a git repository, and {} is not in one",
            cwd.display()
        ))
    })?;
    let diff = git(
        &root,
        &[
            "diff",
            "--cached",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--diff-filter=ACMR",
            "--no-renames",
        ],
        None,
    )?;
    let mut files: Vec<StagedFile> = Vec::new();
    for line in diff.split(|&b| b == b'\n') {
        if let Some(path) = line.strip_prefix(b"+++ b/") {
            files.push(StagedFile {
                path: String::from_utf8_lossy(path).into_owned(),
                contents: Vec::new(),
                added: Vec::new(),
            });
        } else if line.starts_with(b"@@ ")
            && let Some(file) = files.last_mut()
            && let Some(range) = added_range(line)
        {
            file.added.push(range);
        }
    }
    files.retain(|f| !f.added.is_empty());
    for file in &mut files {
        file.contents = git(&root, &["show", &format!(":{}", file.path)], None)?;
        file.path = root.join(&file.path).to_string_lossy().into_owned();
    }
    Ok(files)
}

/// `@@ -a,b +c,d @@` gives lines c..c+d-1 (d defaults to 1; 0 means none).
fn added_range(header: &[u8]) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(header).ok()?;
    let plus = text.split(' ').find(|part| part.starts_with('+'))?;
    let mut parts = plus.trim_start_matches('+').split(',');
    let start: usize = parts.next()?.parse().ok()?;
    let count: usize = parts.next().map_or(Some(1), |c| c.parse().ok())?;
    (count > 0).then(|| (start, start + count - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunk_headers() {
        assert_eq!(added_range(b"@@ -1,2 +3,4 @@ fn x"), Some((3, 6)));
        assert_eq!(added_range(b"@@ -0,0 +1 @@"), Some((1, 1)));
        assert_eq!(added_range(b"@@ -5 +4,0 @@"), None);
    }
}
