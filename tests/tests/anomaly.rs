//! Unusual use, told by the agent as it happens: a secret read from a new folder or given to a
//! new program, and repeated wrong passwords, which also slow further attempts across
//! restarts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::{Duration, Instant};

use common::agent::{Agent, status};
use common::{TestHome, messages, run_with_stdin};

fn wait_for_log(agent: &Agent, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !agent.log().contains(text) {
        assert!(Instant::now() < deadline, "no {text:?} in {}", agent.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_secret_read_from_a_new_folder_or_by_a_new_program_is_told() {
    let home = TestHome::with_vault();
    home.add("api", b"value-of-the-api-key");
    let agent = Agent::start(&home, &[]);
    let usual = home.dir.path().join("usual");
    let odd = home.dir.path().join("odd");
    std::fs::create_dir(&usual).unwrap();
    std::fs::create_dir(&odd).unwrap();
    let env = home.file("api.env", b"API=kw://api\n");
    let run = |dir: &std::path::Path, program: &str| {
        let mut cmd = home.bare_command();
        cmd.args(["run", "--env-file", env.to_str().unwrap(), "--", program])
            .current_dir(dir);
        let out = run_with_stdin(cmd, b"");
        assert!(out.status.success(), "{}", messages(&out.stderr));
    };
    run(&usual, "true");
    run(&usual, "true");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!agent.log().contains("never was before"), "{}", agent.log());
    run(&odd, "true");
    wait_for_log(
        &agent,
        &format!(
            "'api' was read from a folder it never was before: {}",
            odd.display()
        ),
    );
    run(&usual, "env");
    wait_for_log(
        &agent,
        "'api' was given to a program it never was before: env",
    );
}

#[test]
fn wrong_passwords_are_told_and_slow_further_attempts_even_after_a_restart() {
    let home = TestHome::with_vault();
    let wrong = home.file("wrong", b"not the password\n");
    let unlock = |home: &TestHome, file: &std::path::Path| {
        let mut cmd = home.bare_command();
        cmd.args(["unlock", "--password-file", file.to_str().unwrap()]);
        let started = Instant::now();
        let out = run_with_stdin(cmd, b"");
        (out.status.code(), started.elapsed())
    };
    let agent = Agent::start_locked(&home);
    for _ in 0..3 {
        let (code, took) = unlock(&home, &wrong);
        assert_eq!(code, Some(3));
        assert!(took < Duration::from_secs(1), "{took:?}");
    }
    wait_for_log(&agent, "3 wrong master passwords in a row");
    drop(agent);

    // A new agent: the count is kept in the home, so the next attempt waits a second.
    let _agent = Agent::start_locked(&home);
    let (code, took) = unlock(&home, &wrong);
    assert_eq!(code, Some(3));
    assert!(took >= Duration::from_secs(1), "slowed: {took:?}");
    // The right password waits too (two seconds after four failures), then starts over.
    let (code, took) = unlock(&home, &home.password_file());
    assert_eq!(code, Some(0));
    assert!(took >= Duration::from_secs(2), "slowed: {took:?}");
    assert_eq!(status(&home)["unlocked"], true);
    let log: serde_json::Value =
        serde_json::from_slice(&home.ok(&["audit", "--json"], b"")).unwrap();
    let unlocks: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["command"] == "unlock")
        .collect();
    assert_eq!(unlocks.len(), 1);
    assert_eq!(unlocks[0]["detail"], "after 4 failed attempts");
    // A right password starts over: no wait.
    let (_, took) = unlock(&home, &home.password_file());
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn wrong_passwords_without_an_agent_are_recorded_at_the_next_unlock() {
    let home = TestHome::with_vault();
    let wrong = home.file("wrong", b"not the password\n");
    for _ in 0..2 {
        let mut cmd = home.bare_command();
        cmd.args(["list", "--password-file", wrong.to_str().unwrap()]);
        assert_eq!(run_with_stdin(cmd, b"").status.code(), Some(3));
    }
    home.ok(&["list"], b"");
    let log: serde_json::Value =
        serde_json::from_slice(&home.ok(&["audit", "--json"], b"")).unwrap();
    let unlocks: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["command"] == "unlock")
        .collect();
    assert_eq!(unlocks.len(), 1, "{log:#}");
    assert_eq!(unlocks[0]["detail"], "after 2 failed attempts");
}
