//! `keyward scan` on real trees and real git repositories: your vault's values in any common
//! encoding, ranked by exposure; the pre-commit gate and hook; baselines; inline ignores; hostile
//! trees that must not stop a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use common::{TestHome, messages, run_with_stdin};

const VALUE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcQx9";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn scan(home: &TestHome, dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = home.command_env(&["scan"]);
    cmd.args(args).current_dir(dir);
    let out = run_with_stdin(cmd, b"");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        messages(&out.stderr),
    )
}

fn findings(json: &str) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

fn repo_with_vault() -> (TestHome, std::path::PathBuf) {
    let home = TestHome::with_vault();
    home.add("stripe-live", VALUE.as_bytes());
    let repo = home.dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    (home, repo)
}

#[test]
fn vault_values_are_found_in_every_form_and_ranked_by_exposure() {
    let (home, repo) = repo_with_vault();
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{{\"key\":\"{VALUE}\"}}"));
    write(&repo, "src/config.py", &format!("STRIPE = \"{VALUE}\"\n"));
    write(&repo, "notes.txt", &format!("blob: {b64}\n"));
    write(&repo, ".gitignore", ".env\n");
    let hex: String = VALUE.bytes().map(|b| format!("{b:02x}")).collect();
    write(&repo, ".env", &format!("STRIPE_HEX={hex}\n"));
    write(
        &repo,
        "near-miss.txt",
        &format!("{}X\n", &VALUE[..VALUE.len() - 1]),
    );
    git(&repo, &["add", "src/config.py", ".gitignore"]);

    let (code, out, _) = scan(&home, &repo, &["--format", "json"]);
    assert_eq!(code, Some(1));
    assert!(!out.contains(VALUE), "no output holds the value");
    let all = findings(&out);
    let near_miss: Vec<_> = all
        .iter()
        .filter(|f| f["path"] == "near-miss.txt")
        .collect();
    assert!(
        near_miss.iter().all(|f| f["kind"] == "pattern"),
        "a one-character difference is not your key: {near_miss:?}"
    );
    let found: Vec<_> = all.into_iter().filter(|f| f["kind"] == "vault").collect();
    let summary: Vec<(String, String, String)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["encoding"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (".env".into(), "hex".into(), "medium".into()),
            ("notes.txt".into(), "base64".into(), "high".into()),
            ("src/config.py".into(), "plain".into(), "critical".into()),
        ],
        "{out}"
    );
    for f in &found {
        assert_eq!(f["kind"], "vault");
        assert_eq!(f["secret"], "stripe-live");
        assert_eq!(f["rule"], "vault");
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
    }
    let config = &found[2];
    assert_eq!(
        (config["line"].as_u64(), config["column"].as_u64()),
        (Some(1), Some(11))
    );

    // Outside any repository: medium.
    let loose = home.dir.path().join("loose");
    write(&loose, "x.txt", VALUE);
    let (_, out, _) = scan(&home, &loose, &["--format", "json"]);
    assert_eq!(findings(&out)[0]["severity"], "medium");
}

#[test]
fn formats_only_needs_no_password_and_clean_trees_exit_0() {
    let (home, repo) = repo_with_vault();
    write(
        &repo,
        "a.txt",
        &format!("{VALUE}\nGITHUB=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\n"),
    );
    let mut cmd = home.bare_command();
    cmd.args(["scan", "--no-vault", "--format", "json"])
        .current_dir(&repo);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(1), "{}", messages(&out.stderr));
    let found = findings(&String::from_utf8_lossy(&out.stdout));
    let rules: Vec<&str> = found.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"github-pat-classic"), "{rules:?}");
    assert!(!found.iter().any(|f| f["kind"] == "vault"));

    let clean = home.dir.path().join("clean");
    write(
        &clean,
        "README.md",
        "nothing to see; aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    );
    let (code, out, _) = scan(&home, &clean, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("no secrets found"), "{out}");
    let (code, _, err) = scan(&home, &clean, &["no-such-dir"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn the_staged_gate_and_the_hook_stop_commits_that_add_secrets() {
    let (home, repo) = repo_with_vault();
    write(&repo, "app.py", "print('hello')\n");
    git(&repo, &["add", "app.py"]);
    git(&repo, &["commit", "-qm", "init"]);

    // An existing hook is kept and chained.
    let marker = home.dir.path().join("chained-ran");
    write(
        &repo,
        ".git/hooks/pre-commit",
        &format!("#!/bin/sh\ntouch {}\n", marker.display()),
    );
    Command::new("chmod")
        .arg("755")
        .arg(repo.join(".git/hooks/pre-commit"))
        .status()
        .unwrap();
    let mut install = home.command_env(&["hook", "install"]);
    install.current_dir(&repo);
    let out = run_with_stdin(install, b"");
    assert!(out.status.success(), "{}", messages(&out.stderr));
    assert!(repo.join(".git/hooks/pre-commit.keyward-chained").exists());

    write(
        &repo,
        "app.py",
        &format!("print('hello')\nKEY = '{VALUE}'\n"),
    );
    git(&repo, &["add", "app.py"]);
    let (code, out, _) = scan(&home, &repo, &["--staged"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("app.py:2:8  critical  stripe-live"), "{out}");

    let commit = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qm",
            "leak",
        ])
        .current_dir(&repo)
        .env("KEYWARD_HOME", home.home())
        .env("KEYWARD_PASSWORD_FILE", home.password_file())
        .output()
        .unwrap();
    assert!(!commit.status.success(), "the hook stops the commit");
    assert!(
        !marker.exists(),
        "the chained hook runs only after keyward passes"
    );

    write(
        &repo,
        "app.py",
        "print('hello')\nKEY = os.environ['STRIPE_KEY']\n",
    );
    git(&repo, &["add", "app.py"]);
    let commit = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qm",
            "fine",
        ])
        .current_dir(&repo)
        .env("KEYWARD_HOME", home.home())
        .env("KEYWARD_PASSWORD_FILE", home.password_file())
        .output()
        .unwrap();
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    assert!(marker.exists(), "the chained hook ran");

    // A secret already in the file is not the gate's business unless the commit adds it.
    write(&repo, "old.txt", &format!("{VALUE}\n"));
    git(&repo, &["add", "old.txt"]);
    git(&repo, &["commit", "-qm", "old", "--no-verify"]);
    write(&repo, "old.txt", &format!("{VALUE}\nnew harmless line\n"));
    git(&repo, &["add", "old.txt"]);
    let (code, out, _) = scan(&home, &repo, &["--staged"]);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn baselines_and_inline_ignores_silence_accepted_findings() {
    let (home, repo) = repo_with_vault();
    write(&repo, "a.txt", &format!("{VALUE}\n"));
    write(
        &repo,
        "b.txt",
        &format!("key = {VALUE}  # keyward:allow\nother = {VALUE} # pragma: allowlist secret\n"),
    );
    let baseline = home.dir.path().join("baseline.json");
    let (code, _, msg) = scan(
        &home,
        &repo,
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{msg}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains(VALUE) && !text.contains("stripe"), "{text}");
    let (code, out, _) = scan(&home, &repo, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    write(&repo, "c.txt", &format!("{VALUE}\n"));
    let (code, out, _) = scan(&home, &repo, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(out.contains("c.txt") && !out.contains("a.txt"), "{out}");

    write(
        &repo,
        "bad.json",
        "{\"keyward_baseline\": 1, \"salt\": \"zz\"",
    );
    let (code, _, err) = scan(
        &home,
        &repo,
        &["--baseline", repo.join("bad.json").to_str().unwrap()],
    );
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn hostile_trees_are_scanned_around_not_stopped() {
    use std::os::unix::ffi::OsStrExt;
    let (home, repo) = repo_with_vault();
    write(&repo, "ok.txt", &format!("{VALUE}\n"));
    std::os::unix::fs::symlink("loop-b", repo.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", repo.join("loop-b")).unwrap();
    std::os::unix::fs::symlink(".", repo.join("self")).unwrap();
    std::fs::write(
        repo.join(std::ffi::OsStr::from_bytes(b"bad-\xff-name.txt")),
        VALUE,
    )
    .unwrap();
    std::fs::write(repo.join("blob.bin"), [0u8, 1, 2, 3]).unwrap();
    std::fs::write(repo.join("huge.log"), vec![b'a'; 2 * 1024 * 1024]).unwrap();
    Command::new("mkfifo")
        .arg(repo.join("pipe"))
        .status()
        .unwrap();
    write(&repo, "node_modules/dep/index.js", VALUE);
    let (code, out, err) = scan(&home, &repo, &["--format", "json", "--max-file-size", "1M"]);
    assert_eq!(code, Some(1), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["ok.txt"]);
    let skipped: Vec<String> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["path"].as_str().unwrap().rsplit('/').next().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    let joined = skipped.join("\n");
    for expected in [
        "blob.bin binary",
        "huge.log larger than",
        "loop-a a symbolic link",
        "self a symbolic link",
        "not UTF-8",
    ] {
        assert!(
            joined.contains(expected),
            "{expected} missing from:\n{joined}"
        );
    }
}

/// The SARIF ids of the findings in `dir`, in order.
fn sarif_ids(home: &TestHome, dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--format", "sarif"];
    args.extend_from_slice(extra);
    let (code, out, err) = scan(home, dir, &args);
    assert_eq!(code, Some(1), "{err}");
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["keyward/v1"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn fingerprints_are_keyed_by_the_vault_not_by_a_key_file_beside_it() {
    let work = tempfile::tempdir().unwrap();
    write(work.path(), "config.py", &format!("STRIPE = '{VALUE}'\n"));
    let home = TestHome::with_vault();
    home.add("stripe-live", VALUE.as_bytes());
    // A key file left by an older keyward is retired.
    std::fs::write(home.home().join("scan.key"), [7u8; 32]).unwrap();

    let first = sarif_ids(&home, work.path(), &[]);
    assert!(!home.home().join("scan.key").exists());
    assert_eq!(
        first,
        sarif_ids(&home, work.path(), &[]),
        "stable for one vault"
    );

    let other = TestHome::with_vault();
    other.add("stripe-live", VALUE.as_bytes());
    assert_ne!(
        first,
        sarif_ids(&other, work.path(), &[]),
        "another vault's ids differ for the same finding"
    );
    assert!(
        common::files_under(&home.home())
            .iter()
            .all(|f| !f.ends_with("scan.key")),
        "nothing beside the vault keys the scanner"
    );

    // Without the vault the ids are keyed for that run only: they cannot be tied to it.
    let a = sarif_ids(&home, work.path(), &["--no-vault"]);
    let b = sarif_ids(&home, work.path(), &["--no-vault"]);
    assert_ne!(a, b);
    assert!(a.iter().all(|id| !first.contains(id)));
}

#[test]
fn literals_assigned_to_telling_names_are_found_with_their_confidence() {
    let (home, repo) = repo_with_vault();
    write(
        &repo,
        "config/database.yml",
        "production:\n  password: Gr33n-Lantern-42\n",
    );
    write(
        &repo,
        ".env",
        "DB_PASSWORD=${DB_PASSWORD}\nSESSION_SECRET=kN3vQ8rT1xZ5wB9mL2pY\n",
    );
    write(
        &repo,
        "tests/login_test.py",
        "PASSWORD = 'fixture-pass-77'\n",
    );
    write(
        &repo,
        "src/app.js",
        "const password = process.env.DB_PASSWORD;\n",
    );
    git(&repo, &["add", "config/database.yml"]);

    let mut cmd = home.bare_command();
    cmd.args(["scan", "--no-vault", "--format", "json"])
        .current_dir(&repo);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(1), "{}", messages(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for value in [
        "Gr33n-Lantern-42",
        "kN3vQ8rT1xZ5wB9mL2pY",
        "fixture-pass-77",
    ] {
        assert!(!stdout.contains(value), "a value in the JSON output");
    }
    let found = findings(&stdout);
    let summary: Vec<(String, String, String, String)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["confidence"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |path: &str, rule: &str, severity: &str, confidence: &str| {
        assert!(
            summary.contains(&(path.into(), rule.into(), severity.into(), confidence.into())),
            "{path}: {summary:?}"
        );
    };
    expect(
        "config/database.yml",
        "password-assignment",
        "critical",
        "medium",
    );
    expect(".env", "secret-assignment", "high", "medium");
    expect("tests/login_test.py", "password-assignment", "low", "low");
    assert_eq!(found.len(), 3, "{summary:?}");

    let (code, out, _) = scan(
        &home,
        &repo,
        &[
            "--no-vault",
            "--format",
            "json",
            "--min-confidence",
            "medium",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(findings(&out).len(), 2);
    let (code, out, _) = scan(&home, &repo, &["--no-vault", "--min-confidence", "high"]);
    assert_eq!(code, Some(0), "{out}");

    let (_, sarif, _) = scan(&home, &repo, &["--no-vault", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let confidences: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["confidence"].as_str().unwrap())
        .collect();
    assert_eq!(confidences.len(), 3);
    assert!(confidences.contains(&"low") && confidences.contains(&"medium"));
}
