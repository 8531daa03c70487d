//! SIGKILL at random moments during `add`, `rotate` and `passwd`: afterwards the vault passes
//! SQLite's checks, every write acknowledged before the kill is there, an interrupted write is
//! all or nothing, and exactly one password opens the vault.
//!
//! `KEYWARD_CRASH_TRIALS` sets the number of kills (default 200); `KEYWARD_TEST_SEED` replays.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Rng, TestHome};
use keyward_core::{Error, SecretBytes, Vault, VaultFile};

#[derive(Clone, Copy, Debug)]
enum Op {
    Add,
    Rotate,
    Passwd,
}

struct Passwords {
    files: [PathBuf; 2],
    texts: [&'static str; 2],
    current: usize,
}

fn unlock(path: &Path, password: &str) -> Result<Vault, Error> {
    VaultFile::open(path)?.unlock(&SecretBytes::copy_from(password.as_bytes()))
}

/// Runs `args`, kills it after `delay` unless it finished; returns whether it finished with
/// success (the write was acknowledged).
fn run_and_maybe_kill(
    home: &TestHome,
    args: &[&str],
    password: &Path,
    stdin: &[u8],
    delay: Duration,
) -> bool {
    let mut cmd = home.bare_command();
    cmd.args(args)
        .arg("--password-file")
        .arg(password)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin);
    drop(pipe);
    let deadline = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "{args:?} failed on its own: {}",
                common::messages(&out.stderr)
            );
            return true;
        }
        if Instant::now() >= deadline {
            child.kill().unwrap();
            let status = child.wait().unwrap();
            // It may have finished between the check and the kill.
            return status.success();
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_write() {
    let trials: usize = std::env::var("KEYWARD_CRASH_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let mut rng = Rng::from_env("sigkill_at_random_moments");
    let home = TestHome::with_vault();
    let mut passwords = Passwords {
        files: [
            home.password_file(),
            home.file("second-password", b"second password\n"),
        ],
        texts: [common::PASSWORD, "second password"],
        current: 0,
    };
    let path = home.vault_path();

    // The model: every value acknowledged so far.
    let mut values: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..3 {
        let value = rng.token(40).into_bytes();
        home.add(&format!("seed-{i}"), &value);
        values.insert(format!("seed-{i}"), value);
    }

    // How long a write takes here, so kills land before, during and after the interesting part.
    let start = Instant::now();
    home.add("timing", b"t");
    values.insert("timing".into(), b"t".to_vec());
    let typical = start.elapsed();

    let mut acknowledged = BTreeMap::<&str, usize>::new();
    let mut killed = BTreeMap::<&str, usize>::new();
    // Kills that landed after the commit but before the process could report it.
    let mut killed_after_commit = 0;
    for trial in 0..trials {
        let op = [Op::Add, Op::Rotate, Op::Passwd][trial % 3];
        let delay = typical.mul_f64(rng.below(1500) as f64 / 1000.0);
        let pw = passwords.current;
        let len = 8 + rng.below(200) as usize;
        let value = rng.token(len).into_bytes();
        let (label, done, name) = match op {
            Op::Add => {
                let name = format!("added-{trial}");
                let done =
                    run_and_maybe_kill(&home, &["add", &name], &passwords.files[pw], &value, delay);
                ("add", done, Some(name))
            }
            Op::Rotate => {
                let name = values
                    .keys()
                    .nth(rng.below(values.len() as u64) as usize)
                    .unwrap()
                    .clone();
                let done = run_and_maybe_kill(
                    &home,
                    &["rotate", &name],
                    &passwords.files[pw],
                    &value,
                    delay,
                );
                ("rotate", done, Some(name))
            }
            Op::Passwd => {
                let new_file = passwords.files[1 - pw].to_str().unwrap().to_owned();
                let done = run_and_maybe_kill(
                    &home,
                    &["passwd", "--new-password-file", &new_file],
                    &passwords.files[pw],
                    b"",
                    delay,
                );
                ("passwd", done, None)
            }
        };
        *(if done { &mut acknowledged } else { &mut killed })
            .entry(label)
            .or_default() += 1;

        // Exactly one password opens the vault, and it is the new one once passwd was acknowledged.
        let opened: Vec<usize> = (0..2)
            .filter(|&i| unlock(&path, passwords.texts[i]).is_ok())
            .collect();
        for i in 0..2 {
            if let Err(e) = unlock(&path, passwords.texts[i]) {
                assert!(matches!(e, Error::WrongPassword), "trial {trial}: {e}");
            }
        }
        assert_eq!(
            opened.len(),
            1,
            "trial {trial} ({label}): passwords that open: {opened:?}"
        );
        if matches!(op, Op::Passwd) && done {
            assert_eq!(
                opened,
                [1 - pw],
                "trial {trial}: acknowledged passwd did not take"
            );
        }
        passwords.current = opened[0];

        let vault = unlock(&path, passwords.texts[passwords.current]).unwrap();
        // An interrupted write is all or nothing; an acknowledged one is all.
        if let Some(name) = name {
            let stored = match vault.get(&name) {
                Ok(v) => Some(v.expose().to_vec()),
                Err(Error::NotFound(_)) => None,
                Err(e) => panic!("trial {trial}: {name}: {e}"),
            };
            let old = values.get(&name).cloned();
            if done {
                assert_eq!(
                    stored.as_deref(),
                    Some(value.as_slice()),
                    "trial {trial}: acknowledged {label} of {name} lost"
                );
            } else {
                assert!(
                    stored == old || stored.as_deref() == Some(value.as_slice()),
                    "trial {trial}: interrupted {label} of {name} left a third state"
                );
                if stored.as_deref() == Some(value.as_slice()) {
                    killed_after_commit += 1;
                }
            }
            match stored {
                Some(v) => values.insert(name, v),
                None => values.remove(&name),
            };
        }
        let listed: Vec<String> = vault.list().unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(
            listed,
            values.keys().cloned().collect::<Vec<_>>(),
            "trial {trial}"
        );
        for (name, value) in &values {
            assert_eq!(
                vault.get(name).unwrap().expose(),
                value.as_slice(),
                "trial {trial}: {name}"
            );
        }
        drop(vault);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "trial {trial}");
    }
    eprintln!(
        "{trials} trials: acknowledged {acknowledged:?}, killed before exiting {killed:?} \
         (of the killed adds and rotates, {killed_after_commit} had already committed)"
    );
    assert!(
        killed.values().sum::<usize>() > 0,
        "no kill landed before the write finished"
    );
    assert!(
        acknowledged.values().sum::<usize>() > 0,
        "no write finished before its kill"
    );
}
