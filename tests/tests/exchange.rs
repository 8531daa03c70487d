//! `keyward export` and `keyward import` of age files, with the real `age` tool from Debian
//! (`scripts/setup` installs it) on the other side: X25519, ssh-ed25519 and passphrase files
//! made by either open in the other; history and metadata survive; conflicts change nothing;
//! every export and import is in the access log; no value is ever in the file, the output or
//! an error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::agent::Agent;
use common::{TestHome, contains, messages, run_with_stdin};

const OLD: &[u8] = b"sk_live_51OldValueThatWasRotatedAwayQ";
const CURRENT: &[u8] = b"sk_live_51CurrentValue\nwith a newline\x00and bytes\xff";
const GITHUB: &[u8] = b"ghp_ExportedTokenValue000000000000000";

fn tool(name: &str) -> PathBuf {
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let path = dir.join(name);
        if path.is_file() {
            return path;
        }
    }
    panic!("`{name}` is needed by these tests: bash scripts/setup installs it");
}

fn run_tool(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `command` (a shell line) on a pseudo-terminal fed `typed`: how `age -p` and `age -d`
/// of a passphrase file are driven, since they read the passphrase from the terminal only.
fn on_a_terminal(command: &str, typed: &str, dir: &Path) {
    let script = format!(
        "(sleep 0.5; printf '%s\\n' '{typed}'; sleep 0.5; printf '%s\\n' '{typed}') | {} -qec \"{command}\" /dev/null",
        tool("script").display()
    );
    run_tool(Command::new("sh").arg("-c").arg(script).current_dir(dir));
}

fn source_vault() -> TestHome {
    let home = TestHome::with_vault();
    home.add("stripe", OLD);
    home.ok(&["rotate", "stripe"], CURRENT);
    home.ok(
        &[
            "set",
            "stripe",
            "--tag",
            "payments",
            "--rotate-every",
            "30d",
        ],
        b"",
    );
    home.add("github", GITHUB);
    home
}

fn values_absent(bytes: &[u8]) {
    for value in [OLD, CURRENT, GITHUB] {
        assert!(!contains(bytes, value), "a value in plain sight");
    }
}

#[test]
fn x25519_and_ssh_files_cross_both_ways_with_debian_age() {
    let from = source_vault();
    let dir = from.dir.path();
    run_tool(
        Command::new(tool("age-keygen"))
            .args(["-o", "id.txt"])
            .current_dir(dir),
    );
    let age_recipient = String::from_utf8(run_tool(
        Command::new(tool("age-keygen"))
            .args(["-y", "id.txt"])
            .current_dir(dir),
    ))
    .unwrap();
    run_tool(
        Command::new(tool("ssh-keygen"))
            .args([
                "-q", "-t", "ed25519", "-N", "", "-C", "t@host", "-f", "ssh_key",
            ])
            .current_dir(dir),
    );

    for (label, recipient_args, identity) in [
        (
            "x25519",
            vec!["-r".to_owned(), age_recipient.trim().to_owned()],
            "id.txt",
        ),
        (
            "ssh",
            vec!["-R".to_owned(), "ssh_key.pub".to_owned()],
            "ssh_key",
        ),
    ] {
        // keyward -> age
        let file = format!("{label}.age");
        let mut args = vec!["export", "stripe", "github", "--to", &file];
        args.extend(recipient_args.iter().map(String::as_str));
        let out = from.run(&args, b"");
        assert!(out.status.success(), "{label}: {}", messages(&out.stderr));
        values_absent(&out.stdout);
        values_absent(&out.stderr);
        let sealed = std::fs::read(dir.join(&file)).unwrap();
        values_absent(&sealed);
        let plain = run_tool(
            Command::new(tool("age"))
                .args(["-d", "-i", identity, &file])
                .current_dir(dir),
        );
        let doc: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        assert_eq!(doc["format"], "keyward-export");
        let stripe = doc["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["entry"]["name"] == "stripe")
            .unwrap();
        assert_eq!(stripe["versions"].as_array().unwrap().len(), 2);
        assert_eq!(stripe["entry"]["tags"][0], "payments");

        // keyward -> keyward, with the history and the metadata
        let to = TestHome::with_vault();
        let identity_path = dir.join(identity);
        let msg = to.ok_messages(
            &[
                "import",
                dir.join(&file).to_str().unwrap(),
                "--identity",
                identity_path.to_str().unwrap(),
            ],
            b"",
        );
        assert!(msg.contains("2 added"), "{msg}");
        assert_eq!(to.get("stripe"), CURRENT);
        assert_eq!(to.get("github"), GITHUB);
        let history: serde_json::Value =
            serde_json::from_slice(&to.ok(&["history", "stripe", "--json"], b"")).unwrap();
        assert_eq!(history.as_array().unwrap().len(), 2);
        let list = to.list_json();
        let entry = list
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "stripe")
            .unwrap();
        assert_eq!(entry["tags"][0], "payments");
        assert_eq!(entry["rotate_every"], "30d");

        // age -> keyward: a .env sealed by the age tool
        std::fs::write(dir.join("plain.env"), "API_KEY=from-the-age-tool\nEMPTY=\n").unwrap();
        let sealed_env = format!("{label}-env.age");
        let mut age = Command::new(tool("age"));
        age.args(["-o", &sealed_env]);
        for pair in recipient_args.chunks(2) {
            age.args(pair);
        }
        run_tool(age.arg("plain.env").current_dir(dir));
        to.ok_messages(
            &[
                "import",
                dir.join(&sealed_env).to_str().unwrap(),
                "-i",
                identity_path.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(to.get("API_KEY"), b"from-the-age-tool");
        // The sealed file is left as it was.
        assert!(
            std::fs::read(dir.join(&sealed_env))
                .unwrap()
                .starts_with(b"age-encryption.org/v1")
        );
    }
}

#[test]
fn passphrase_files_cross_both_ways_with_debian_age() {
    let from = source_vault();
    let dir = from.dir.path();
    let passphrase = "correct horse battery staple";
    let pp = from.file("passphrase", format!("{passphrase}\n").as_bytes());

    from.ok(
        &[
            "export",
            "--all",
            "--to",
            "pass.age",
            "--armor",
            "--passphrase-file",
            pp.to_str().unwrap(),
        ],
        b"",
    );
    let sealed = std::fs::read(dir.join("pass.age")).unwrap();
    assert!(sealed.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    on_a_terminal("age -d -o pass.json pass.age", passphrase, dir);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("pass.json")).unwrap()).unwrap();
    assert_eq!(doc["secrets"].as_array().unwrap().len(), 2);

    std::fs::write(dir.join("team.env"), "DB_PASSWORD='s3cret value'\n").unwrap();
    on_a_terminal("age -p -o team.age team.env", passphrase, dir);
    let to = TestHome::with_vault();
    to.ok(
        &[
            "import",
            dir.join("team.age").to_str().unwrap(),
            "--passphrase-file",
            pp.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(to.get("DB_PASSWORD"), b"s3cret value");

    // A wrong passphrase: one line, nothing imported.
    let wrong = to.file("wrong", b"not it\n");
    let err = to.fails(
        &[
            "import",
            dir.join("pass.age").to_str().unwrap(),
            "--passphrase-file",
            wrong.to_str().unwrap(),
        ],
        b"",
        2,
    );
    assert!(err.contains("does not open"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        to.list_json()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] != "stripe")
    );
    // No passphrase and no terminal: said how to give one.
    let err = to.fails(&["import", dir.join("pass.age").to_str().unwrap()], b"", 2);
    assert!(err.contains("--passphrase-file"), "{err}");
}

#[test]
fn conflicts_change_nothing_unless_overwrite_and_everything_is_logged() {
    let from = source_vault();
    let dir = from.dir.path();
    run_tool(
        Command::new(tool("age-keygen"))
            .args(["-o", "id.txt"])
            .current_dir(dir),
    );
    let recipient = String::from_utf8(run_tool(
        Command::new(tool("age-keygen"))
            .args(["-y", "id.txt"])
            .current_dir(dir),
    ))
    .unwrap();
    from.ok(
        &[
            "export",
            "--tag",
            "payments",
            "--to",
            "pay.age",
            "-r",
            recipient.trim(),
        ],
        b"",
    );
    let identity = dir.join("id.txt");
    let file = dir.join("pay.age");

    let to = TestHome::with_vault();
    to.add("stripe", b"their own stripe key");
    to.add("other", b"untouched");
    let err = to.fails(
        &[
            "import",
            file.to_str().unwrap(),
            "-i",
            identity.to_str().unwrap(),
        ],
        b"",
        2,
    );
    assert!(
        err.contains("stripe") && err.contains("nothing was changed"),
        "{err}"
    );
    values_absent(err.as_bytes());
    assert_eq!(to.get("stripe"), b"their own stripe key");

    let msg = to.ok_messages(
        &[
            "import",
            file.to_str().unwrap(),
            "-i",
            identity.to_str().unwrap(),
            "--overwrite",
        ],
        b"",
    );
    assert!(msg.contains("1 replaced"), "{msg}");
    assert_eq!(to.get("stripe"), CURRENT);
    assert_eq!(to.get("other"), b"untouched");
    // Importing again is harmless.
    let msg = to.ok_messages(
        &[
            "import",
            file.to_str().unwrap(),
            "-i",
            identity.to_str().unwrap(),
        ],
        b"",
    );
    assert!(msg.contains("1 already there"), "{msg}");

    let log: serde_json::Value = serde_json::from_slice(&to.ok(&["audit", "--json"], b"")).unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "import" && e["names"][0] == "stripe")
    );
    let log: serde_json::Value =
        serde_json::from_slice(&from.ok(&["audit", "--json"], b"")).unwrap();
    let export = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["command"] == "export")
        .unwrap();
    assert_eq!(export["names"][0], "stripe");
    assert!(
        export["detail"].as_str().unwrap().contains("1 recipient"),
        "{export}"
    );
}

#[test]
fn an_export_through_the_agent_carries_the_history_and_is_logged_by_the_agent() {
    let from = source_vault();
    let dir = from.dir.path().to_owned();
    run_tool(
        Command::new(tool("age-keygen"))
            .args(["-o", "id.txt"])
            .current_dir(&dir),
    );
    let recipient = String::from_utf8(run_tool(
        Command::new(tool("age-keygen"))
            .args(["-y", "id.txt"])
            .current_dir(&dir),
    ))
    .unwrap();
    let _agent = Agent::start(&from, &[]);
    // No password anywhere: the agent serves the export.
    let mut cmd = from.bare_command();
    cmd.args([
        "export",
        "stripe",
        "--to",
        "agent.age",
        "-r",
        recipient.trim(),
    ]);
    let out = run_with_stdin(cmd, b"");
    assert!(out.status.success(), "{}", messages(&out.stderr));
    let plain = run_tool(
        Command::new(tool("age"))
            .args(["-d", "-i", "id.txt", "agent.age"])
            .current_dir(&dir),
    );
    let doc: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(doc["secrets"][0]["versions"].as_array().unwrap().len(), 2);
    let mut cmd = from.bare_command();
    cmd.args(["audit", "--json"]);
    let log: serde_json::Value = serde_json::from_slice(&run_with_stdin(cmd, b"").stdout).unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "export"),
        "{log}"
    );
}

#[test]
fn bad_files_and_bad_arguments_are_one_line_errors() {
    let home = source_vault();
    let dir = home.dir.path();
    let corrupt = home.file(
        "corrupt.age",
        b"age-encryption.org/v1\n-> X25519 AAAA\n--- nope\n\x00\x01",
    );
    let err = home.fails(
        &[
            "import",
            corrupt.to_str().unwrap(),
            "--passphrase-file",
            home.password_file().to_str().unwrap(),
        ],
        b"",
        2,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = home.fails(
        &["export", "--to", "x.age", "-r", "age1notarecipient"],
        b"",
        2,
    );
    assert!(err.contains("recipient"), "{err}");
    let err = home.fails(
        &[
            "export",
            "--to",
            "x.age",
            "-r",
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        ],
        b"",
        2,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = home.fails(
        &[
            "export",
            "nope",
            "--to",
            "x.age",
            "--passphrase-file",
            home.password_file().to_str().unwrap(),
        ],
        b"",
        2,
    );
    assert!(err.contains("nope"), "{err}");
    let err = home.fails(
        &[
            "export",
            "--to",
            "x.age",
            "--passphrase-file",
            home.password_file().to_str().unwrap(),
        ],
        b"",
        2,
    );
    assert!(err.contains("--all"), "{err}");
    let err = home.fails(&["export", "--all", "--to", "x.age"], b"", 2);
    assert!(err.contains("--passphrase-file"), "{err}");
    assert!(!dir.join("x.age").exists());
    let plain = home.file("plain.env", b"A=1\n");
    let err = home.fails(
        &["import", plain.to_str().unwrap(), "--identity", "id.txt"],
        b"",
        2,
    );
    assert!(err.contains("not an age file"), "{err}");
}

#[test]
fn a_plain_env_import_can_overwrite_too() {
    let home = TestHome::with_vault();
    home.add("API_KEY", b"the vault's own");
    let env = home.file("app.env", b"API_KEY=from-the-file-123\n");
    let err = home.fails(&["import", env.to_str().unwrap()], b"", 2);
    assert!(err.contains("--overwrite"), "{err}");
    assert_eq!(home.get("API_KEY"), b"the vault's own");
    home.ok(&["import", env.to_str().unwrap(), "--overwrite"], b"");
    assert_eq!(home.get("API_KEY"), b"from-the-file-123");
    let history: serde_json::Value =
        serde_json::from_slice(&home.ok(&["history", "API_KEY", "--json"], b"")).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        "API_KEY=kw://API_KEY\n"
    );
}
