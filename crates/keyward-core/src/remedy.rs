//! What a user does about a leak found in a file, short of rotating the key: keep the file out
//! of git, or replace the value in it with a `kw://` reference that `keyward run --env-file`
//! resolves. Both change only what they must, and write atomically.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// Files larger than this are not rewritten (the scanner does not read them either).
const MAX_FILE: u64 = 16 * 1024 * 1024;

/// What `ignore_in_git` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub gitignore: PathBuf,
    /// The line, relative to the repository's root; `None` when it was already there.
    pub added: Option<String>,
}

/// Adds `file` to the `.gitignore` at the root of its git repository. A file git already
/// tracks is refused: ignoring it would not take it out of the history, so the key must be
/// rotated and the file removed from the index.
pub fn ignore_in_git(file: &Path) -> Result<Ignored> {
    let file = std::fs::canonicalize(file)
        .map_err(|e| Error::io(format!("cannot find {}", file.display()), e))?;
    let root = file
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .ok_or_else(|| Error::Invalid(format!("{} is not in a git repository", file.display())))?;
    let relative = file
        .strip_prefix(root)
        .map_err(|_| Error::Invalid(format!("{} is outside its repository", file.display())))?;
    let line = format!("/{}", relative.to_string_lossy());
    if line.contains(['\n', '\r']) {
        return Err(Error::Invalid(
            "a file name with a line break cannot be ignored".into(),
        ));
    }
    if is_tracked(root, relative)? {
        return Err(Error::Invalid(format!(
            "{} is already committed: ignoring it would not remove it; rotate the key, then `git rm --cached {}`",
            relative.display(),
            relative.display()
        )));
    }
    let gitignore = root.join(".gitignore");
    let mut text = match std::fs::read_to_string(&gitignore) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(format!("cannot read {}", gitignore.display()), e)),
    };
    if text.lines().any(|l| l.trim() == line) {
        return Ok(Ignored {
            gitignore,
            added: None,
        });
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    let mode = std::fs::metadata(&gitignore).map_or(0o644, |m| m.permissions().mode());
    crate::fsutil::write_atomically(
        &gitignore,
        text.as_bytes(),
        Some(std::fs::Permissions::from_mode(mode)),
    )?;
    Ok(Ignored {
        gitignore,
        added: Some(line),
    })
}

/// Whether git tracks `relative` in the repository at `root` (asked of git itself, so the
/// index format is never parsed here).
fn is_tracked(root: &Path, relative: &Path) -> Result<bool> {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(relative)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::io("could not run git", e))?;
    Ok(status.success())
}

/// Replaces every occurrence of `value` in `file` with `kw://name`; how many there were. The
/// file keeps its permissions. A file that no longer holds the value is an error, so the user
/// is not told it was fixed when nothing changed.
pub fn replace_with_reference(file: &Path, value: &SecretBytes, name: &str) -> Result<usize> {
    crate::names::validate_name(name)?;
    if value.is_empty() {
        return Err(Error::InvalidValue("the value is empty".into()));
    }
    let meta = std::fs::symlink_metadata(file)
        .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
    if !meta.is_file() {
        return Err(Error::Invalid(format!(
            "{} is not a regular file",
            file.display()
        )));
    }
    if meta.len() > MAX_FILE {
        return Err(Error::Invalid(format!(
            "{} is too large to rewrite",
            file.display()
        )));
    }
    let mut contents = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(file)
        .and_then(|mut f| f.read_to_end(&mut contents))
        .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
    // The file holds the secret: every copy of its bytes lives in a zeroizing buffer.
    let contents = SecretBytes::new(contents);
    let (rewritten, count) = replace_whole(
        contents.expose(),
        value.expose(),
        crate::inject::reference::format(name).as_bytes(),
    );
    if count == 0 {
        return Err(Error::Invalid(format!(
            "{} no longer holds the value",
            file.display()
        )));
    }
    crate::fsutil::write_atomically(file, rewritten.expose(), Some(meta.permissions()))?;
    Ok(count)
}

/// Bytes that continue a token: an occurrence of the value inside a longer token (`sk-1` in
/// `sk-12`) is another value, and is left alone.
fn continues_token(byte: Option<&u8>) -> bool {
    byte.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// `haystack` with each whole occurrence of `needle` replaced by `with`, and how many.
fn replace_whole(haystack: &[u8], needle: &[u8], with: &[u8]) -> (SecretBytes, usize) {
    let mut out = Vec::with_capacity(haystack.len() + 64);
    let mut count = 0;
    let mut at = 0;
    while at < haystack.len() {
        let here = haystack.get(at..).unwrap_or_default();
        let whole = here.starts_with(needle)
            && !continues_token(at.checked_sub(1).and_then(|i| haystack.get(i)))
            && !continues_token(haystack.get(at + needle.len()));
        if whole {
            out.extend_from_slice(with);
            at += needle.len();
            count += 1;
        } else {
            out.extend(here.first());
            at += 1;
        }
    }
    (SecretBytes::new(out), count)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn an_untracked_file_is_ignored_once_and_a_committed_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        std::fs::create_dir(dir.path().join("config")).unwrap();
        let leak = dir.path().join("config/.env");
        std::fs::write(&leak, "KEY=sk-1\n").unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target").unwrap();

        let done = ignore_in_git(&leak).unwrap();
        assert_eq!(done.added.as_deref(), Some("/config/.env"));
        assert_eq!(
            std::fs::read_to_string(&done.gitignore).unwrap(),
            "target\n/config/.env\n"
        );
        assert_eq!(ignore_in_git(&leak).unwrap().added, None, "added twice");

        let committed = dir.path().join("settings.py");
        std::fs::write(&committed, "KEY='sk-1'\n").unwrap();
        git(dir.path(), &["add", "settings.py"]);
        git(dir.path(), &["commit", "-qm", "x"]);
        let err = ignore_in_git(&committed).unwrap_err().to_string();
        assert!(err.contains("already committed"), "{err}");

        let outside = tempfile::tempdir().unwrap();
        let lone = outside.path().join("notes.txt");
        std::fs::write(&lone, "x").unwrap();
        assert!(
            ignore_in_git(&lone)
                .unwrap_err()
                .to_string()
                .contains("not in a git repository")
        );
    }

    #[test]
    fn every_copy_of_the_value_becomes_a_reference_and_nothing_else_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".env");
        std::fs::write(&file, "A=sk-1\nB=\"sk-1\" # sk-12\nC=other\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let value = SecretBytes::copy_from(b"sk-1");
        assert_eq!(replace_with_reference(&file, &value, "openai").unwrap(), 2);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "A=kw://openai\nB=\"kw://openai\" # sk-12\nC=other\n"
        );
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let again = replace_with_reference(&file, &value, "openai").unwrap_err();
        assert!(again.to_string().contains("no longer holds"), "{again}");
        assert!(!again.to_string().contains("sk-1"));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(
            replace_with_reference(&link, &value, "openai").is_err(),
            "followed a symlink"
        );
    }
}
