//! Which files a scan reads: everything under the roots, hidden and gitignored files included
//! (a gitignored `.env` is plaintext at rest), but not `.git`, `node_modules`, `target` or
//! virtualenvs. Oversized, binary, unreadable and oddly named files are reported as skipped,
//! never fatal. Editor swap files are read although they are binary.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use serde::Serialize;

/// Folders never worth reading: other tools' stores of dependencies and build output.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "venv",
    ".tox",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
];

pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub max_file_size: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Whether a walk (or a watch) leaves this folder out: `.git`, `node_modules`, `target`,
/// virtualenvs and the like.
pub fn is_skipped_dir(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    SKIPPED_DIRS.contains(&name) || path.join("pyvenv.cfg").is_file()
}

/// A walk of `root` as every scan and watch walks: hidden and ignored files included, the
/// skipped folders left out, links not followed.
pub fn walker(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .parents(false)
        .follow_links(false)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && entry.depth() > 0
                && is_skipped_dir(entry.path()))
        });
    builder
}

/// Vim swap files (`.name.swp`, `.swo`, ...) hold the text being edited among binary data.
fn is_swap_file(name: &str) -> bool {
    name.starts_with('.')
        && name.len() > 4
        && name.get(name.len() - 4..name.len() - 1) == Some(".sw")
}

/// Reads every file under `roots` on all cores and calls `visit(path, contents)` for each one
/// that is scanned; returns what was skipped and why, and the number of files read.
pub fn walk(
    roots: &[PathBuf],
    options: &WalkOptions,
    visit: &(dyn Fn(&str, &[u8]) + Sync),
) -> (Vec<Skipped>, usize) {
    let skipped = Mutex::new(Vec::new());
    let read = std::sync::atomic::AtomicUsize::new(0);
    let skip = |path: &Path, reason: String| {
        if let Ok(mut list) = skipped.lock() {
            list.push(Skipped {
                path: path.to_string_lossy().into_owned(),
                reason,
            });
        }
    };
    let Some((first, rest)) = roots.split_first() else {
        return (Vec::new(), 0);
    };
    let mut builder = walker(first);
    for root in rest {
        builder.add(root);
    }
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        _ => PathBuf::new(),
                    };
                    skip(&path, one_line(&err.to_string()));
                    return WalkState::Continue;
                }
            };
            let path = entry.path();
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue;
            };
            if file_type.is_dir() {
                return WalkState::Continue;
            }
            if file_type.is_symlink() {
                skip(path, "a symbolic link (not followed)".into());
                return WalkState::Continue;
            }
            if !file_type.is_file() {
                return WalkState::Continue;
            }
            let Some(name) = path.to_str() else {
                skip(path, "its name is not UTF-8".into());
                return WalkState::Continue;
            };
            match load(path, options) {
                Ok(data) => {
                    read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    visit(name, &data);
                }
                Err(reason) => skip(path, reason),
            }
            WalkState::Continue
        })
    });
    let mut list = skipped.into_inner().unwrap_or_default();
    list.sort_by(|a, b| a.path.cmp(&b.path));
    (list, read.into_inner())
}

/// The contents of one file to scan, or why it is skipped: larger than the cap, binary (editor
/// swap files excepted), or unreadable. Reads at most the cap plus one byte, so a file that
/// grows (or claims a sparse size) while being read cannot make it read without bound.
pub fn load(path: &Path, options: &WalkOptions) -> Result<Vec<u8>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let max = options.max_file_size;
    // Never follow a link, and never wait on a FIFO that replaced the file since it was listed.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("unreadable: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("unreadable: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > max {
        return Err(format!("larger than {max} bytes ({} bytes)", meta.len()));
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| format!("unreadable: {e}"))?;
    if data.len() as u64 > max {
        return Err(format!("larger than {max} bytes (it grew while read)"));
    }
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if is_binary(&data) && !is_swap_file(file_name) {
        return Err("binary".into());
    }
    Ok(data)
}

/// A NUL byte in the first 8 KiB: the same sniff git and ripgrep use.
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, data.get(..8192).unwrap_or(data)).is_some()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_ignored_files_are_read_and_vendored_folders_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (path, content) in [
            (".env", &b"A=1"[..]),
            (".gitignore", b".env\n"),
            ("src/app.py", b"x"),
            ("node_modules/pkg/index.js", b"x"),
            ("target/debug/x", b"x"),
            (".git/config", b"x"),
            ("venv2/pyvenv.cfg", b"x"),
            ("venv2/lib/site.py", b"x"),
            ("bin.dat", b"\0\x01\x02"),
            (".notes.txt.swp", b"\0swap with text"),
            ("big.txt", &[b'a'; 2048][..]),
        ] {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        std::os::unix::fs::symlink("src/app.py", root.join("link.py")).unwrap();
        let seen = Mutex::new(Vec::new());
        let (skipped, count) = walk(
            &[root.to_path_buf()],
            &WalkOptions {
                max_file_size: 1024,
            },
            &|path: &str, _: &[u8]| {
                seen.lock().unwrap().push(
                    path.strip_prefix(root.to_str().unwrap())
                        .unwrap()
                        .to_owned(),
                )
            },
        );
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(
            seen,
            vec!["/.env", "/.gitignore", "/.notes.txt.swp", "/src/app.py"]
        );
        assert_eq!(count, 4);
        let reasons: Vec<String> = skipped
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.path.rsplit('/').next().unwrap(),
                    s.reason.split(' ').next().unwrap()
                )
            })
            .collect();
        assert_eq!(
            reasons,
            vec!["big.txt larger", "bin.dat binary", "link.py a"]
        );
    }
}
