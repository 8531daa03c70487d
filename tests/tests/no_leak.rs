//! No secret value or password in any output: stderr of every command (success or failure),
//! stdout of everything but `get`, JSON included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{PASSWORD, TestHome, contains};

const VALUE: &[u8] = b"sk_live_51NeverPrintThisValue9QzX";
const ROTATED: &[u8] = b"sk_live_51RotatedValueAlsoHidden7Wq";

fn assert_clean(what: &str, bytes: &[u8]) {
    for secret in [VALUE, ROTATED, PASSWORD.as_bytes()] {
        assert!(
            !contains(bytes, secret),
            "{what} shows a secret: {}",
            String::from_utf8_lossy(bytes)
        );
        assert!(
            !contains(bytes, &secret[..12]),
            "{what} shows part of a secret"
        );
    }
}

#[test]
fn no_command_prints_a_value_or_the_password() {
    let home = TestHome::with_vault();
    let wrong = home.file("wrong-pw", b"wrong password\n");
    let too_long: Vec<u8> = VALUE.iter().copied().cycle().take(70_000).collect();
    let runs: Vec<(Vec<&str>, Vec<u8>)> = vec![
        (vec!["add", "k", "--tag", "t"], VALUE.to_vec()),
        (vec!["add", "k"], VALUE.to_vec()),
        (vec!["add", "long"], too_long),
        (vec!["add", "bad name"], VALUE.to_vec()),
        (vec!["rotate", "k"], ROTATED.to_vec()),
        (vec!["rotate", "missing"], VALUE.to_vec()),
        (vec!["list"], vec![]),
        (vec!["list", "--json"], vec![]),
        (vec!["history", "k"], vec![]),
        (vec!["history", "k", "--json"], vec![]),
        (vec!["set", "k", "--tag", "x"], vec![]),
        (vec!["get", "missing"], vec![]),
        (vec!["rm", "missing"], vec![]),
    ];
    for (args, stdin) in &runs {
        let out = home.run(args, stdin);
        assert_clean(&format!("stdout of {args:?}"), &out.stdout);
        assert_clean(&format!("stderr of {args:?}"), &out.stderr);
    }
    let out = home.run(&["get", "k"], b"");
    assert_eq!(out.stdout, ROTATED);
    assert_clean("stderr of get", &out.stderr);

    let mut cmd = home.bare_command();
    cmd.args(["get", "k", "--password-file"]).arg(&wrong);
    let out = common::run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(3));
    assert!(!contains(&out.stderr, b"wrong password\n"));
    assert_clean("stdout of get with a wrong password", &out.stdout);
}
