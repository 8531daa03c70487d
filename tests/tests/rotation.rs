//! Rotation from the command line: provider defaults at `add`, `due` with snooze, generated
//! values, `where`, and the access log's chain checked by `audit verify` against tampering
//! through SQLite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{TestHome, messages, run_with_stdin};
use serde_json::Value;

fn json(home: &TestHome, args: &[&str]) -> Value {
    serde_json::from_slice(&home.ok(args, b"")).unwrap()
}

#[test]
fn add_fills_the_providers_interval_and_says_where_keys_are_managed() {
    let home = TestHome::with_vault();
    let out = home.run(&["add", "payments"], b"sk_live_51HqLyjWDarjtT1zdp7dcQx9");
    assert!(out.status.success());
    let said = messages(&out.stderr);
    assert!(
        said.contains("payments looks like Stripe's; rotate every 90d by default"),
        "{said}"
    );
    assert!(
        said.contains("https://dashboard.stripe.com/apikeys"),
        "{said}"
    );
    home.ok(&["add", "mine", "--rotate-every", "30d"], b"a plain value");
    let list = json(&home, &["list", "--json"]);
    let by_name = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("payments")["rotate_every"], "90d");
    assert_eq!(by_name("payments")["provider"], "stripe");
    assert_eq!(by_name("mine")["rotate_every"], "30d");
    assert!(by_name("mine").get("provider").is_none());
    home.ok(&["set", "mine", "--provider", "github"], b"");
    assert_eq!(json(&home, &["list", "--json"])[0]["provider"], "github");
    let err = home.fails(&["set", "mine", "--provider", "nobody"], b"", 2);
    assert!(err.contains("unknown provider"), "{err}");
}

#[test]
fn due_lists_what_comes_due_and_a_snooze_hides_it() {
    let home = TestHome::with_vault();
    home.ok(
        &["add", "db/password", "--rotate-every", "3d"],
        b"pg-password-1",
    );
    home.ok(&["add", "later", "--rotate-every", "1y"], b"value-later-1");
    let due = json(&home, &["due", "--json"]);
    let names: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db/password"]);
    assert_eq!(due[0]["reason"], "due_soon");
    let text = String::from_utf8(home.ok(&["due"], b"")).unwrap();
    assert!(text.starts_with("due soon  db/password  since "), "{text}");

    home.ok(&["due", "--snooze", "db/password", "7d"], b"");
    assert!(
        json(&home, &["due", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let err = home.fails(&["due", "--snooze", "db/password", "soon"], b"", 2);
    assert!(err.contains("invalid rotation interval"), "{err}");
    home.fails(&["due", "--snooze", "nope", "7d"], b"", 2);
    // A rotation starts afresh and drops the snooze.
    home.ok(&["rotate", "db/password"], b"pg-password-2");
    assert_eq!(json(&home, &["due", "--json"])[0]["name"], "db/password");
}

#[test]
fn generated_values_are_stored_never_printed() {
    let home = TestHome::with_vault();
    home.ok(&["add", "webhook"], b"old-webhook-secret");
    let out = home.run(
        &[
            "rotate",
            "webhook",
            "--generate",
            "--length",
            "48",
            "--charset",
            "hex",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", messages(&out.stderr));
    assert!(out.stdout.is_empty());
    let value = home.get("webhook");
    assert_eq!(value.len(), 48);
    assert!(value.iter().all(|c| c.is_ascii_hexdigit()));
    home.fails(
        &["rotate", "webhook", "--generate", "--length", "4"],
        b"",
        2,
    );
    home.fails(
        &["rotate", "webhook", "--generate", "--charset", "emoji"],
        b"",
        2,
    );
    home.fails(&["rotate", "webhook", "--length", "40"], b"", 2);
}

#[test]
fn where_names_projects_env_files_and_programs() {
    let home = TestHome::with_vault();
    home.ok(&["add", "api"], b"value-of-the-api-key");
    let project = home.dir.path().join("shop");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("keyward.toml"),
        "[env]\nAPI_KEY = \"kw://api\"\n",
    )
    .unwrap();
    std::fs::write(project.join(".env.local"), "API=kw://api\n").unwrap();
    let mut run = home.command_env(&["run", "--", "true"]);
    run.current_dir(&project);
    assert!(run_with_stdin(run, b"").status.success());
    let used = json(&home, &["where", "api", "--json"]);
    let project = project.canonicalize().unwrap().display().to_string();
    let files: Vec<&str> = used["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["variable"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["API_KEY", "API"], "{used:#}");
    assert_eq!(used["programs"][0]["command"], "run");
    assert_eq!(used["programs"][0]["program"], "true");
    assert_eq!(used["programs"][0]["folder"], project);
    assert!(!used.to_string().contains("value-of-the-api-key"));
    home.fails(&["where", "nope"], b"", 2);
}

#[test]
fn audit_verify_passes_normal_use_and_names_the_first_tampered_record() {
    let home = TestHome::with_vault();
    home.ok(&["add", "a"], b"value-a-123456");
    home.ok(&["add", "b"], b"value-b-123456");
    home.get("a");
    home.ok(&["rotate", "b"], b"value-b-654321");
    home.ok(&["set", "a", "--tag", "x"], b"");
    home.get("b");
    home.ok(&["rm", "a"], b"");
    let out = String::from_utf8(home.ok(&["audit", "verify"], b"")).unwrap();
    assert_eq!(out, "the access log is intact: 7 records\n");
    // Retention never drops a younger record.
    let said = home.ok_messages(&["audit", "prune", "--older-than", "1d"], b"");
    assert!(said.contains("removed 0 records older than"), "{said}");
    home.fails(&["audit", "prune", "--older-than", "soon"], b"", 2);
    let out = String::from_utf8(home.ok(&["audit", "verify"], b"")).unwrap();
    assert_eq!(out, "the access log is intact: 7 records\n");

    let tamper = |sql: &str| {
        let copy = TestHome::new();
        std::fs::create_dir_all(copy.home()).unwrap();
        std::fs::copy(home.vault_path(), copy.vault_path()).unwrap();
        let conn = rusqlite::Connection::open(copy.vault_path()).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        std::fs::copy(home.password_file(), copy.password_file()).unwrap();
        copy.fails(&["audit", "verify"], b"", 4)
    };
    for (sql, expected) in [
        ("DELETE FROM audit WHERE id = 4", "record 4 is missing"),
        (
            "DELETE FROM audit WHERE id = 7",
            "records after 6 are missing",
        ),
        (
            "UPDATE audit SET sealed = (SELECT sealed FROM audit WHERE id = 2) WHERE id = 5",
            "record 5 was changed or moved",
        ),
        (
            "UPDATE audit SET mac = (SELECT mac FROM audit WHERE id = 2) WHERE id = 3",
            "record 3 does not follow record 2",
        ),
    ] {
        let err = tamper(sql);
        assert!(
            err.contains("access log is broken") && err.contains(expected),
            "{sql}: {err}"
        );
    }
}
