//! Backups and restores with the real binary: consistent while another process writes,
//! harmless when killed at any moment, and a restore that checks before it replaces.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::agent::Agent;
use common::{Rng, TestHome, messages};

/// A home whose vault is `vault` (a backup), with the same password file.
fn home_of(vault: &Path, like: &TestHome) -> TestHome {
    let other = TestHome::new();
    std::fs::create_dir_all(other.home()).unwrap();
    std::fs::copy(vault, other.vault_path()).unwrap();
    std::fs::copy(like.password_file(), other.password_file()).unwrap();
    other
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "db"));
    out.sort();
    out
}

#[test]
fn backups_taken_while_another_process_writes_are_whole() {
    let home = Arc::new(TestHome::with_vault());
    home.add("first", b"value-first-0001");
    let stop = Arc::new(AtomicBool::new(false));
    let added = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (home, stop, added) = (Arc::clone(&home), Arc::clone(&stop), Arc::clone(&added));
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                home.add(&format!("k{i}"), format!("value-{i:08}").as_bytes());
                i += 1;
                added.store(i, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
            }
            i
        })
    };
    // At least 8 backups, and on until the writer has written through several of them: on a
    // loaded machine each process start is slow, and the overlap is what is tested.
    let dir = home.dir.path().join("b");
    let mut taken = 0;
    while taken < 8 || added.load(Ordering::SeqCst) <= 5 && taken < 60 {
        home.ok(
            &["backup", "--to", dir.to_str().unwrap(), "--keep", "100"],
            b"",
        );
        taken += 1;
        std::thread::sleep(Duration::from_millis(25));
    }
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert!(written > 5, "the writer ran: {written}");
    let all = backups(&dir);
    assert_eq!(all.len(), taken);
    for backup in &all {
        let copy = home_of(backup, &home);
        // `list` checks every seal and the counts of rows: a torn copy fails here.
        let list: serde_json::Value =
            serde_json::from_slice(&copy.ok(&["list", "--json"], b"")).unwrap();
        let n = list.as_array().unwrap().len();
        assert!(n >= 1, "{backup:?}");
        assert_eq!(copy.get("first"), b"value-first-0001");
        copy.ok(&["audit", "verify"], b"");
    }
}

#[test]
fn killing_a_backup_or_a_restore_at_any_moment_leaves_the_vault_whole() {
    let home = TestHome::with_vault();
    for i in 0..20 {
        home.add(&format!("s{i}"), format!("secret-value-{i:04}").as_bytes());
    }
    let dir = home.dir.path().join("b");
    home.ok(&["backup", "--to", dir.to_str().unwrap()], b"");
    let good = backups(&dir)[0].clone();
    let mut rng = Rng::from_env("backup_kill");
    for trial in 0..20 {
        let args: Vec<&str> = if trial % 2 == 0 {
            vec!["backup", "--to", dir.to_str().unwrap(), "--keep", "100"]
        } else {
            vec!["restore", good.to_str().unwrap()]
        };
        let mut child = home
            .command(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(40_000)));
        let _ = child.kill();
        let _ = child.wait();
        // The live vault opens with every secret, whichever side of the swap it stopped on.
        assert_eq!(home.get("s7"), b"secret-value-0007", "trial {trial}");
        for backup in backups(&dir) {
            let copy = home_of(&backup, &home);
            assert_eq!(copy.get("s19"), b"secret-value-0019", "{backup:?}");
        }
    }
}

#[test]
fn restore_checks_the_backup_and_the_password_before_it_replaces_anything() {
    let home = TestHome::with_vault();
    home.add("api", b"value-before-0001");
    let dir = home.dir.path().join("b");
    home.ok(&["backup", "--to", dir.to_str().unwrap()], b"");
    let saved = backups(&dir)[0].clone();
    home.ok(&["rotate", "api"], b"value-after-00002");

    let wrong = home.file("wrong", b"not the password\n");
    let mut cmd = home.bare_command();
    cmd.args([
        "restore",
        saved.to_str().unwrap(),
        "--password-file",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(common::run_with_stdin(cmd, b"").status.code(), Some(3));
    let garbage = home.file("garbage.db", b"SQLite format 3\0 but not really");
    home.fails(&["restore", garbage.to_str().unwrap()], b"", 4);
    let err = home.fails(&["restore", "/no/such/backup.db"], b"", 2);
    assert!(err.contains("/no/such/backup.db"), "{err}");
    assert_eq!(home.get("api"), b"value-after-00002", "nothing changed");

    {
        let _agent = Agent::start(&home, &[]);
        let err = home.fails(&["restore", saved.to_str().unwrap()], b"", 2);
        assert!(err.contains("stop it first"), "{err}");
    }

    let said = home.ok_messages(&["restore", saved.to_str().unwrap()], b"");
    let aside = PathBuf::from(said.split("is kept as ").nth(1).unwrap().trim());
    let commands = |home: &TestHome| -> Vec<String> {
        let log: serde_json::Value =
            serde_json::from_slice(&home.ok(&["audit", "--json"], b"")).unwrap();
        log.as_array()
            .unwrap()
            .iter()
            .map(|e| e["command"].as_str().unwrap().to_owned())
            .collect()
    };
    // The restored vault's log is the backup's, then the restore.
    assert_eq!(commands(&home), ["add", "restore"]);
    assert_eq!(home.get("api"), b"value-before-0001");
    home.ok(&["audit", "verify"], b"");
    // The replaced vault, kept aside, holds everything up to the restore, the backup too.
    let replaced = home_of(&aside, &home);
    assert_eq!(replaced.get("api"), b"value-after-00002");
    assert_eq!(commands(&replaced)[..3], ["add", "backup", "rotate"]);
    let out = home.run(&["backup", "--keep", "0"], b"");
    assert!(out.status.success(), "{}", messages(&out.stderr));
}

#[test]
fn the_agent_takes_a_daily_backup() {
    let home = TestHome::with_vault();
    home.add("api", b"value-of-the-api-1");
    let _agent = Agent::start_locked(&home);
    let dir = home.home().join("backups");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while backups(&dir).is_empty() {
        assert!(std::time::Instant::now() < deadline, "no backup in {dir:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let copy = home_of(&backups(&dir)[0], &home);
    assert_eq!(copy.get("api"), b"value-of-the-api-1");

    // Taken while locked, it is in the access log from the next unlock on, naming its file.
    let unlocked = home.run(&["unlock"], b"");
    assert!(unlocked.status.success(), "{}", messages(&unlocked.stderr));
    let log = home.run(&["audit", "--json"], b"");
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    let file = backups(&dir)[0].display().to_string();
    let recorded = log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["command"] == "backup" && e["detail"] == file.as_str());
    assert!(recorded, "no backup record naming {file}: {log}");
}
