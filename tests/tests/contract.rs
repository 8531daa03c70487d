//! The contract's commands, as outside scripts use them: output, exit code and stderr of each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{TestHome, run_with_stdin};

fn is_rfc3339_utc(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn init_creates_a_private_vault_and_refuses_a_second() {
    let home = TestHome::new();
    let out = home.run(&["init", "--insecure-fast-kdf"], b"");
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("created a vault at"), "{stderr}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home.home()), 0o700);
    assert_eq!(mode(&home.vault_path()), 0o600);

    let before = std::fs::read(home.vault_path()).unwrap();
    let err = home.fails(&["init", "--insecure-fast-kdf"], b"", 2);
    assert!(
        err.starts_with("keyward: a vault already exists at"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert_eq!(std::fs::read(home.vault_path()).unwrap(), before);
}

#[test]
fn every_unlock_of_a_test_vault_warns() {
    let home = TestHome::with_vault();
    home.add("k", b"v");
    for args in [vec!["get", "k"], vec!["list"], vec!["history", "k"]] {
        let out = home.run(&args, b"");
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            common::TEST_VAULT_WARNING,
            "{args:?}"
        );
    }
}

#[test]
fn init_with_calibrated_kdf_reports_its_parameters() {
    let home = TestHome::new();
    let out = home.run(&["init"], b"");
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("Argon2id, 64 MiB"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    home.add("k", b"v");
    let out = home.run(&["get", "k"], b"");
    assert_eq!(out.stdout, b"v");
    assert!(out.stderr.is_empty(), "a normal vault unlocks silently");
}

#[test]
fn add_then_get_returns_the_exact_bytes_without_a_newline() {
    let home = TestHome::with_vault();
    let values: [&[u8]; 4] = [
        b"sk_live_51H8abc",
        b"-----BEGIN KEY-----\nline two\r\nline three\n\n",
        b"\x00\x01\xff binary \xfe",
        b"trailing newline\n",
    ];
    for (i, value) in values.iter().enumerate() {
        let name = format!("secret-{i}");
        let out = home.run(&["add", &name], value);
        assert!(out.status.success());
        assert!(out.stdout.is_empty(), "add prints nothing on stdout");
        assert_eq!(
            common::messages(&out.stderr),
            format!("keyward: added {name}\n")
        );
        assert_eq!(home.get(&name), *value);
    }
}

#[test]
fn get_adds_a_newline_only_on_a_terminal() {
    let home = TestHome::with_vault();
    home.add("k", b"no-newline-value");
    // `script` runs the command on a pseudo-terminal; the terminal turns \n into \r\n.
    let inner = format!(
        "{} get k --password-file {} 2>/dev/null",
        common::keyward_bin().display(),
        home.password_file().display()
    );
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &inner, "/dev/null"])
        .env("KEYWARD_HOME", home.home());
    let out = run_with_stdin(script, b"");
    assert!(out.status.success(), "{:?}", out);
    assert_eq!(out.stdout, b"no-newline-value\r\n");
}

#[test]
fn values_up_to_64_kib_are_kept_and_longer_ones_refused() {
    let home = TestHome::with_vault();
    let max: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    home.add("max", &max);
    assert_eq!(home.get("max"), max);
    let mut longer = max.clone();
    longer.push(b'!');
    let err = home.fails(&["add", "longer"], &longer, 2);
    assert_eq!(
        err,
        "keyward: the value on stdin is longer than 65536 bytes\n"
    );
    let err = home.fails(&["add", "empty"], b"", 2);
    assert_eq!(err, "keyward: the value is empty\n");
}

#[test]
fn add_refuses_an_existing_name_and_keeps_the_old_value() {
    let home = TestHome::with_vault();
    home.add("stripe-live", b"first");
    let err = home.fails(&["add", "stripe-live"], b"second", 2);
    assert_eq!(
        err,
        "keyward: a secret named 'stripe-live' already exists (use `keyward rotate stripe-live` to change its value)\n"
    );
    assert_eq!(home.get("stripe-live"), b"first");
}

#[test]
fn bad_names_tags_and_dates_are_usage_errors() {
    let home = TestHome::with_vault();
    let err = home.fails(&["add", "has space"], b"v", 2);
    assert!(
        err.contains("invalid secret name \"has space\": a space is not allowed"),
        "{err}"
    );
    let err = home.fails(&["add", "ok", "--tag", "bad tag"], b"v", 2);
    assert!(err.contains("invalid tag"), "{err}");
    let err = home.fails(&["add", "ok", "--expires", "2027-13-01"], b"v", 2);
    assert!(err.contains("no such day"), "{err}");
    let err = home.fails(&["add", "ok", "--rotate-every", "10m"], b"v", 2);
    assert!(err.contains("like 90d, 12w or 1y"), "{err}");
    assert_eq!(home.list_json(), serde_json::json!([]));
}

#[test]
fn list_json_carries_the_contract_fields_and_never_values() {
    let home = TestHome::with_vault();
    home.ok(
        &[
            "add",
            "db/staging-url",
            "--tag",
            "prod",
            "--tag",
            "db",
            "--rotate-every",
            "12w",
            "--expires",
            "2027-01-31",
        ],
        b"postgres://user:pw@host/db",
    );
    home.add("openai", b"sk-proj-abc");
    let stdout = home.ok(&["list", "--json"], b"");
    assert!(!common::contains(&stdout, b"postgres://"));
    let list = serde_json::from_slice::<serde_json::Value>(&stdout).unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    let db = &items[0];
    assert_eq!(db["name"], "db/staging-url");
    for field in ["created", "updated", "rotated"] {
        assert!(
            is_rfc3339_utc(db[field].as_str().unwrap()),
            "{field}: {}",
            db[field]
        );
    }
    assert_eq!(db["tags"], serde_json::json!(["db", "prod"]));
    assert_eq!(db["rotate_every"], "84d");
    assert_eq!(db["expires"], "2027-01-31");
    assert_eq!(db["version"], 1);
    assert_eq!(items[1]["name"], "openai");
    assert_eq!(items[1]["tags"], serde_json::json!([]));
    // Recognised by its name, the provider catalog's default interval applies.
    assert_eq!(items[1]["rotate_every"], "90d");
    assert_eq!(items[1]["provider"], "openai");
}

#[test]
fn list_text_is_a_table() {
    let home = TestHome::with_vault();
    assert_eq!(home.ok(&["list"], b""), b"");
    home.ok(&["add", "a", "--tag", "x"], b"1");
    let text = String::from_utf8(home.ok(&["ls"], b"")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "NAME  VERSION  ROTATED     ROTATE EVERY  EXPIRES  TAGS"
    );
    assert!(lines[1].starts_with("a     1        20"), "{text}");
    assert!(lines[1].ends_with("-             -        x"), "{text}");
}

#[test]
fn rotate_keeps_history_with_dates_and_no_values() {
    let home = TestHome::with_vault();
    home.add("k", b"value-one");
    let said = home.ok_messages(&["rotate", "k"], b"value-two");
    assert_eq!(said, "keyward: rotated k (now version 2)\n");
    home.ok(&["rotate", "k"], b"value-three");
    assert_eq!(home.get("k"), b"value-three");

    let stdout = home.ok(&["history", "k", "--json"], b"");
    assert!(!common::contains(&stdout, b"value-"));
    let history: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 3);
    for (i, v) in versions.iter().enumerate() {
        assert_eq!(v["version"], i + 1);
        assert!(is_rfc3339_utc(v["created"].as_str().unwrap()));
        assert_eq!(v["current"], i == 2);
    }
    assert_eq!(versions[0]["retired"], versions[1]["created"]);
    assert_eq!(versions[2]["retired"], serde_json::Value::Null);

    let text = String::from_utf8(home.ok(&["history", "k"], b"")).unwrap();
    assert!(
        text.starts_with("VERSION  CREATED               RETIRED\n1        "),
        "{text}"
    );
    assert!(
        text.lines().nth(3).unwrap().ends_with("(current)"),
        "{text}"
    );

    let list = home.list_json();
    assert_eq!(list[0]["version"], 3);
}

#[test]
fn missing_names_are_exit_2_and_ask_for_no_value() {
    let home = TestHome::with_vault();
    for args in [
        vec!["get", "nope"],
        vec!["rotate", "nope"],
        vec!["history", "nope"],
        vec!["rm", "nope"],
    ] {
        let err = home.fails(&args, b"would-be-value", 2);
        assert_eq!(err, "keyward: no secret named 'nope'\n", "{args:?}");
    }
}

#[test]
fn rm_deletes_the_secret_and_its_history() {
    let home = TestHome::with_vault();
    home.add("gone", b"v1");
    home.ok(&["rotate", "gone"], b"v2");
    home.add("kept", b"k");
    assert_eq!(
        home.ok_messages(&["rm", "gone"], b""),
        "keyward: removed gone\n"
    );
    home.fails(&["get", "gone"], b"", 2);
    home.fails(&["history", "gone"], b"", 2);
    assert_eq!(home.get("kept"), b"k");
    // The name is free again, starting a fresh history.
    home.add("gone", b"new");
    assert_eq!(home.list_json()[0]["version"], 1);
}

#[test]
fn set_changes_metadata_only() {
    let home = TestHome::with_vault();
    home.ok(
        &["add", "k", "--tag", "old", "--rotate-every", "30d"],
        b"value",
    );
    home.ok(
        &[
            "set",
            "k",
            "--tag",
            "new",
            "--tag",
            "api",
            "--expires",
            "2030-06-01",
        ],
        b"",
    );
    home.ok(
        &["set", "k", "--note-stdin"],
        b"owner: platform team\nrotate via dashboard\n",
    );
    let entry = home.list_json()[0].clone();
    assert_eq!(entry["tags"], serde_json::json!(["api", "new"]));
    assert_eq!(entry["expires"], "2030-06-01");
    assert_eq!(entry["rotate_every"], "30d");
    assert_eq!(entry["note"], "owner: platform team\nrotate via dashboard");
    assert_eq!(entry["version"], 1);
    home.ok(
        &[
            "set",
            "k",
            "--rotate-every",
            "never",
            "--expires",
            "never",
            "--clear-tags",
            "--clear-note",
        ],
        b"",
    );
    let entry = home.list_json()[0].clone();
    assert_eq!(entry["tags"], serde_json::json!([]));
    assert_eq!(entry["rotate_every"], serde_json::Value::Null);
    assert_eq!(entry["expires"], serde_json::Value::Null);
    assert_eq!(entry["note"], serde_json::Value::Null);
    assert_eq!(home.get("k"), b"value");
    let err = home.fails(&["set", "k"], b"", 2);
    assert!(err.starts_with("keyward: nothing to change"), "{err}");
}

#[test]
fn passwd_rewraps_the_vault_key() {
    let home = TestHome::with_vault();
    home.add("k", b"survives");
    let new_pw = home.file("new-password", b"a much better password\n");
    let said = home.ok_messages(
        &["passwd", "--new-password-file", new_pw.to_str().unwrap()],
        b"",
    );
    assert_eq!(said, "keyward: changed the master password\n");
    let err = home.fails(&["get", "k"], b"", 3);
    assert_eq!(err, "keyward: wrong master password\n");
    let mut cmd = home.bare_command();
    cmd.args(["get", "k", "--password-file", new_pw.to_str().unwrap()]);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.stdout, b"survives");
}

#[test]
fn commands_without_a_vault_say_how_to_make_one() {
    let home = TestHome::new();
    for args in [
        vec!["get", "k"],
        vec!["list"],
        vec!["add", "k"],
        vec!["passwd"],
    ] {
        let err = home.fails(&args, b"v", 2);
        assert_eq!(
            err,
            format!(
                "keyward: no vault at {}; create one with `keyward init`\n",
                home.vault_path().display()
            ),
            "{args:?}"
        );
    }
    assert!(!home.home().exists(), "reading commands create nothing");
}

#[test]
fn the_home_defaults_to_the_xdg_data_dir() {
    let home = TestHome::new();
    let xdg = home.dir.path().join("xdg-data");
    let mut cmd = home.bare_command();
    cmd.env_remove("KEYWARD_HOME")
        .env("XDG_DATA_HOME", &xdg)
        .args(["init", "--insecure-fast-kdf", "--password-file"])
        .arg(home.password_file());
    let out = run_with_stdin(cmd, b"");
    assert!(out.status.success(), "{out:?}");
    assert!(xdg.join("keyward/vault.db").is_file());
    assert!(!home.vault_path().exists());
}

#[test]
fn a_relative_keyward_home_is_taken_from_the_working_directory() {
    let home = TestHome::new();
    let mut cmd = home.bare_command();
    cmd.env("KEYWARD_HOME", "rel/home")
        .args(["init", "--insecure-fast-kdf", "--password-file"])
        .arg(home.password_file());
    assert!(run_with_stdin(cmd, b"").status.success());
    assert!(home.dir.path().join("rel/home/vault.db").is_file());
}

#[test]
fn usage_errors_exit_2() {
    let home = TestHome::with_vault();
    let mut cmd = home.bare_command();
    cmd.args(["add"]);
    assert_eq!(run_with_stdin(cmd, b"").status.code(), Some(2));
    let mut cmd = home.bare_command();
    cmd.args(["frobnicate"]);
    assert_eq!(run_with_stdin(cmd, b"").status.code(), Some(2));
}
