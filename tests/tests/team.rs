//! Team vaults in a folder under git, with two homes as two members: sharing through two clones
//! and a merge, `run` resolving `team/...` names, concurrent writers never losing an update, a
//! removed member's identity opening nothing any more (checked with Debian's `age`), and no
//! value ever in `git log -p`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestHome, contains, messages};

const DB_URL: &[u8] = b"postgres://app:Team-Shared-Pw-1@db.internal/app";
const API_KEY: &[u8] = b"sk_live_TeamSharedStripeKey000000001";
const ROTATED: &[u8] = b"postgres://app:Team-Rotated-Pw-2@db.internal/app";

fn git(dir: &Path, args: &[&str]) -> String {
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
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn two_clones_share_merge_and_never_show_a_value_in_history() {
    let alice = TestHome::with_vault();
    let bob = TestHome::with_vault();
    let root = tempfile::tempdir().unwrap();
    let origin = root.path().join("origin.git");
    std::fs::create_dir(&origin).unwrap();
    git(&origin, &["init", "-q", "--bare"]);
    let clone_a = root.path().join("a");
    let clone_b = root.path().join("b");
    git(root.path(), &["clone", "-q", origin.to_str().unwrap(), "a"]);

    let recipients = alice.file("recipients.txt", b"# the team\n");
    let msg = alice.ok_messages(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            recipients.to_str().unwrap(),
            "--folder",
            clone_a.to_str().unwrap(),
        ],
        b"",
    );
    assert!(msg.contains("added you"), "{msg}");
    alice.ok(&["team", "set", "core/db-url"], DB_URL);
    git(&clone_a, &["add", "-A"]);
    git(&clone_a, &["commit", "-qm", "team core"]);
    git(&clone_a, &["push", "-q", "origin", "main"]);

    // Bob clones and joins; he reads nothing until a member adds him.
    git(root.path(), &["clone", "-q", origin.to_str().unwrap(), "b"]);
    let msg = bob.ok_messages(
        &[
            "team",
            "join",
            "core",
            "--folder",
            clone_b.to_str().unwrap(),
        ],
        b"",
    );
    assert!(msg.contains("not a member yet"), "{msg}");
    let err = bob.fails(&["team", "get", "core/db-url"], b"", 2);
    assert!(err.contains("none of the identities"), "{err}");
    alice.ok(&["team", "add-member", "core", &bob.team_whoami()], b"");
    git(&clone_a, &["commit", "-qam", "add bob"]);
    git(&clone_a, &["push", "-q", "origin", "main"]);
    git(&clone_b, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(bob.ok(&["team", "get", "core/db-url"], b""), DB_URL);

    // Both change the team in their own clone; git merges the two, file by file.
    bob.ok(&["team", "set", "core/stripe-key"], API_KEY);
    git(&clone_b, &["add", "-A"]);
    git(&clone_b, &["commit", "-qm", "bob: stripe key"]);
    alice.ok(&["team", "set", "core/db-url"], ROTATED);
    git(&clone_a, &["commit", "-qam", "alice: rotate db"]);
    git(&clone_a, &["push", "-q", "origin", "main"]);
    git(
        &clone_b,
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    git(&clone_b, &["push", "-q", "origin", "main"]);
    git(&clone_a, &["pull", "-q", "--no-rebase", "origin", "main"]);
    for member in [&alice, &bob] {
        assert_eq!(member.ok(&["team", "get", "core/db-url"], b""), ROTATED);
        assert_eq!(member.ok(&["team", "get", "core/stripe-key"], b""), API_KEY);
    }
    let ls: serde_json::Value =
        serde_json::from_slice(&alice.ok(&["team", "ls", "core", "--json"], b"")).unwrap();
    let db = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "db-url")
        .unwrap();
    assert_eq!(db["version"], 2);

    // The history names the secrets that changed and never holds a value.
    let log = git(&clone_a, &["log", "-p", "--all"]);
    assert!(log.contains("secrets/db-url.age") && log.contains("secrets/stripe-key.age"));
    for value in [DB_URL, API_KEY, ROTATED] {
        assert!(!contains(log.as_bytes(), value), "a value in git log -p");
    }
    let stat = git(&clone_a, &["show", "--stat", "--format=", "HEAD~1"]);
    assert!(
        stat.contains("db-url.age") || stat.contains("stripe-key.age"),
        "{stat}"
    );

    // run and env resolve team names from keyward.toml like local ones.
    assert_eq!(bob.run_sees_database_url("team/core/db-url"), ROTATED);
    let audit: serde_json::Value =
        serde_json::from_slice(&bob.ok(&["audit", "--json"], b"")).unwrap();
    assert!(audit.as_array().unwrap().iter().any(|e| {
        e["command"] == "run"
            && e["names"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n == "team/core/db-url")
    }));
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "team-set")
    );
}

#[test]
fn a_removed_member_opens_nothing_and_every_secret_is_marked_for_rotation() {
    let alice = TestHome::with_vault();
    let bob = TestHome::with_vault();
    let dir = alice.dir.path().join("shared");
    let recipients = alice.file(
        "recipients.txt",
        format!("{}\n", bob.team_whoami()).as_bytes(),
    );
    alice.ok(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            recipients.to_str().unwrap(),
            "--folder",
            dir.to_str().unwrap(),
        ],
        b"",
    );
    bob.ok(
        &["team", "join", "core", "--folder", dir.to_str().unwrap()],
        b"",
    );
    alice.ok(&["team", "set", "core/db-url"], DB_URL);
    bob.ok(&["team", "set", "core/stripe-key"], API_KEY);
    // Bob's identity, as age would use it.
    let bob_identity = bob.file("bob.key", &bob.get("team-identity"));
    let files = ["db-url.age", "stripe-key.age"].map(|f| dir.join("secrets").join(f));
    for file in &files {
        let out = Command::new("age")
            .args(["-d", "-i"])
            .arg(&bob_identity)
            .arg(file)
            .output()
            .expect("age (scripts/setup installs it)");
        assert!(out.status.success(), "bob cannot open {}", file.display());
    }

    let msg = alice.ok_messages(&["team", "rm-member", "core", &bob.team_whoami()], b"");
    assert!(msg.contains("re-sealed 2"), "{msg}");
    for file in &files {
        let out = Command::new("age")
            .args(["-d", "-i"])
            .arg(&bob_identity)
            .arg(file)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "a removed member still opens {}",
            file.display()
        );
    }
    let err = bob.fails(&["team", "get", "core/db-url"], b"", 2);
    assert!(!contains(err.as_bytes(), DB_URL));
    let ls = String::from_utf8(alice.ok(&["team", "ls", "core"], b"")).unwrap();
    assert_eq!(ls.matches("ROTATE NOW").count(), 2, "{ls}");
    // `keyward due` lists them with the vault's own secrets to rotate.
    let due: serde_json::Value =
        serde_json::from_slice(&alice.ok(&["due", "--json"], b"")).unwrap();
    let team_due: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["reason"] == "exposed")
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(team_due, ["team/core/db-url", "team/core/stripe-key"]);
    let text = String::from_utf8(alice.ok(&["due"], b"")).unwrap();
    assert!(text.contains("left the team"), "{text}");
    alice.ok(&["team", "set", "core/db-url"], ROTATED);
    let ls = String::from_utf8(alice.ok(&["team", "ls", "core"], b"")).unwrap();
    assert_eq!(ls.matches("ROTATE NOW").count(), 1, "{ls}");
    let due = String::from_utf8(alice.ok(&["due", "--json"], b"")).unwrap();
    assert!(
        !due.contains("team/core/db-url") && due.contains("team/core/stripe-key"),
        "{due}"
    );
    // Bob can no longer change the members either.
    let err = bob.fails(&["team", "add-member", "core", &bob.team_whoami()], b"", 2);
    assert!(err.contains("only a member"), "{err}");
}

#[test]
fn concurrent_writers_never_lose_an_update() {
    let alice = TestHome::with_vault();
    let dir = alice.dir.path().join("shared");
    let recipients = alice.file("recipients.txt", b"");
    alice.ok(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            recipients.to_str().unwrap(),
            "--folder",
            dir.to_str().unwrap(),
        ],
        b"",
    );
    alice.ok(&["team", "set", "core/db-url"], DB_URL);
    let writers: Vec<_> = (0..6)
        .map(|i| {
            let mut cmd = alice.command(&["team", "set", "core/db-url"]);
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("value-{i}-Xq9").as_bytes())
                .unwrap();
            child
        })
        .collect();
    let mut won = 0;
    for child in writers {
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            won += 1;
        } else {
            assert_eq!(out.status.code(), Some(2));
            let err = messages(&out.stderr);
            assert!(
                err.contains("retry") && err.contains("nothing was overwritten"),
                "{err}"
            );
        }
    }
    assert!(won >= 1);
    // Every success is one version: none was written over.
    let ls: serde_json::Value =
        serde_json::from_slice(&alice.ok(&["team", "ls", "core", "--json"], b"")).unwrap();
    assert_eq!(ls[0]["version"], 1 + won);
}

#[test]
fn bad_team_input_is_a_one_line_error() {
    let alice = TestHome::with_vault();
    let dir = alice.dir.path().join("shared");
    let bad = alice.file("bad.txt", b"not-a-recipient\n");
    let err = alice.fails(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            bad.to_str().unwrap(),
            "--folder",
            dir.to_str().unwrap(),
        ],
        b"",
        2,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = alice.fails(&["team", "get", "nosuch/x"], b"", 2);
    assert!(err.contains("no such team"), "{err}");
    let err = alice.fails(
        &["team", "join", "core", "--folder", dir.to_str().unwrap()],
        b"",
        2,
    );
    assert!(err.contains("team init"), "{err}");
    let ok = alice.file("ok.txt", b"");
    alice.ok(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            ok.to_str().unwrap(),
            "--folder",
            dir.to_str().unwrap(),
        ],
        b"",
    );
    // A hostile item: garbage where a sealed file should be.
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    std::fs::write(
        dir.join("secrets").join("junk.age"),
        b"-----BEGIN AGE ENCRYPTED FILE-----\nnope\n",
    )
    .unwrap();
    let err = alice.fails(&["team", "get", "core/junk"], b"", 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = alice.fails(&["team", "set", "core/../x"], b"v", 2);
    assert_eq!(err.lines().count(), 1, "{err}");
}
