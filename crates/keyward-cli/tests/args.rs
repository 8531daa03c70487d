//! The command line's shape, checked on the built binary without any vault: help, version, and
//! the rule that no flag ever takes a password or a secret value.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn keyward(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(args)
        .env("KEYWARD_HOME", "/nonexistent/keyward-cli-args-test")
        .env_remove("KEYWARD_PASSWORD_FILE")
        .output()
        .unwrap()
}

#[test]
fn help_lists_every_contract_command() {
    let out = keyward(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for command in [
        "init", "add", "get", "list", "rotate", "history", "rm", "passwd", "set",
    ] {
        assert!(
            help.contains(&format!("\n  {command} ")),
            "{command} missing from:\n{help}"
        );
    }
    assert!(help.contains("--password-file <FILE>"));
}

#[test]
fn version_prints_the_package_version() {
    let out = keyward(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("keyward {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn no_flag_takes_a_password_or_a_value() {
    for args in [
        vec!["get", "k", "--password", "hunter2"],
        vec!["init", "--password", "hunter2"],
        vec!["add", "k", "--value", "sk_live_x"],
        vec!["add", "k", "sk_live_x"],
        vec!["rotate", "k", "sk_live_x"],
    ] {
        let out = keyward(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn each_command_has_help() {
    for command in [
        "init", "add", "get", "list", "rotate", "history", "rm", "passwd", "set",
    ] {
        let out = keyward(&[command, "--help"]);
        assert!(out.status.success(), "{command}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("--password-file"), "{command}: {help}");
    }
}
