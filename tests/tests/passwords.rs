//! Where the master password comes from: a file named by flag or environment (first line, its
//! line ending not part of it), or a terminal; never argv; with none of them, exit 2 and how.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{TestHome, run_with_stdin};

fn get_with_password_file(home: &TestHome, content: &[u8]) -> std::process::Output {
    let file = home.file("pwfile", content);
    let mut cmd = home.bare_command();
    cmd.args(["get", "k", "--password-file"]).arg(file);
    run_with_stdin(cmd, b"")
}

#[test]
fn the_first_line_is_the_password_whatever_ends_it() {
    let home = TestHome::with_vault();
    home.add("k", b"v");
    let pw = common::PASSWORD;
    for content in [
        format!("{pw}\n"),
        pw.to_string(),
        format!("{pw}\r\n"),
        format!("{pw}\nignored second line\n"),
    ] {
        let out = get_with_password_file(&home, content.as_bytes());
        assert_eq!(out.stdout, b"v", "{content:?}");
    }
    // Spaces are part of a password.
    let out = get_with_password_file(&home, format!(" {pw}\n").as_bytes());
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn the_environment_can_name_the_password_file() {
    let home = TestHome::with_vault();
    home.add("k", b"v");
    let mut cmd = home.bare_command();
    cmd.env("KEYWARD_PASSWORD_FILE", home.password_file())
        .args(["get", "k"]);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.stdout, b"v");
}

#[test]
fn missing_or_empty_password_files_are_exit_2() {
    let home = TestHome::with_vault();
    let mut cmd = home.bare_command();
    cmd.args(["list", "--password-file", "/nonexistent/pw"]);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        common::messages(&out.stderr),
        "keyward: could not read the password file /nonexistent/pw: No such file or directory (os error 2)\n"
    );
    let out = get_with_password_file(&home, b"\nsecond line\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(common::messages(&out.stderr).contains("has an empty first line"));
}

#[test]
fn without_a_password_source_or_terminal_it_says_how_to_pass_one() {
    let home = TestHome::with_vault();
    for args in [vec!["get", "k"], vec!["list"], vec!["add", "k"]] {
        let mut cmd = home.bare_command();
        cmd.args(&args);
        let out = run_with_stdin(cmd, b"value");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            common::messages(&out.stderr),
            "keyward: no master password: pass --password-file FILE or set KEYWARD_PASSWORD_FILE=FILE (there is no terminal to prompt on)\n"
        );
    }
    let mut cmd = home.bare_command();
    cmd.args(["init", "--insecure-fast-kdf"])
        .env("KEYWARD_HOME", home.dir.path().join("other"));
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(common::messages(&out.stderr).starts_with("keyward: no new master password:"));
}

#[test]
fn an_environment_variable_holding_the_password_itself_is_ignored() {
    let home = TestHome::with_vault();
    let mut cmd = home.bare_command();
    cmd.args(["list"])
        .env("KEYWARD_PASSWORD", common::PASSWORD)
        .env("KEYWARD_MASTER_PASSWORD", common::PASSWORD);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(2));
}
