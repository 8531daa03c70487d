//! `.env` rescue (`import`), templates (`inject`), the access log (`audit`), and the generated
//! completions and man page.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{TestHome, messages, run_with_stdin};

const MESSY_ENV: &str = "# Settings for the payments service\n\
export STRIPE_KEY=sk_live_51HqLyjWDarjtT1zdp7dcXYZ # live!\n\
\n\
DATABASE_URL = \"postgres://app:s3cr%40t@db.internal:5432/app?sslmode=require\"\n\
SINGLE='literal $NOT_EXPANDED \\n stays'\n\
ESCAPED=\"tab\\there \\\"quoted\\\" \\$HOME\"\n\
PRIVATE_KEY=\"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n\"\n\
EMPTY=\n\
ALREADY=kw://existing\n\
PORT=8080\n";

fn env_json(home: &TestHome, file: &std::path::Path) -> serde_json::Value {
    let out = run_with_stdin(
        home.command_env(&[
            "env",
            "--format",
            "json",
            "--env-file",
            file.to_str().unwrap(),
        ]),
        b"",
    );
    assert!(out.status.success(), "{}", messages(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn import_round_trips_a_messy_env_file() {
    let home = TestHome::with_vault();
    home.add("existing", b"already-in-the-vault");
    let file = home.file(".env", MESSY_ENV.as_bytes());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = env_json(&home, &file);

    let msg = home.ok_messages(
        &["import", file.to_str().unwrap(), "--prefix", "payments/"],
        b"",
    );
    assert!(msg.contains("git history"), "{msg}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("sk_live_51Hq") && !text.contains("s3cr%40t") && !text.contains("b3BlbnNz"),
        "{text}"
    );
    assert!(text.starts_with("# Settings for the payments service\nexport STRIPE_KEY=kw://payments/STRIPE_KEY # live!\n\n"), "{text}");
    assert!(
        text.contains("DATABASE_URL = \"kw://payments/DATABASE_URL\"\n"),
        "{text}"
    );
    assert!(text.contains("SINGLE='kw://payments/SINGLE'\n"), "{text}");
    assert!(
        text.contains("EMPTY=\nALREADY=kw://existing\nPORT=kw://payments/PORT\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );

    assert_eq!(
        env_json(&home, &file),
        before,
        "run --env-file resolves to the same values"
    );
    assert_eq!(
        home.get("payments/PRIVATE_KEY"),
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n"
    );

    // A second import has nothing left to do.
    let again = home.ok_messages(
        &["import", file.to_str().unwrap(), "--prefix", "payments/"],
        b"",
    );
    assert!(again.contains("nothing to import"), "{again}");
}

#[test]
fn a_malformed_env_file_names_the_line_and_changes_nothing() {
    let home = TestHome::with_vault();
    let content = b"GOOD=sk_live_value_one\nthis line is broken\nALSO=two\n";
    let file = home.file("bad.env", content);
    let msg = home.fails(&["import", file.to_str().unwrap()], b"", 2);
    assert!(msg.contains("line 2"), "{msg}");
    assert!(!msg.contains("sk_live_value_one"), "{msg}");
    assert_eq!(std::fs::read(&file).unwrap(), content);
    assert_eq!(home.list_json(), serde_json::json!([]));
}

#[test]
fn import_stops_before_changing_anything_on_a_conflict() {
    let home = TestHome::with_vault();
    home.add("API_KEY", b"the old one");
    let content = b"NEW_ONE=fresh-value-1234\nAPI_KEY=a different value\n";
    let file = home.file("c.env", content);
    let msg = home.fails(&["import", file.to_str().unwrap()], b"", 2);
    assert!(msg.contains("API_KEY") && msg.contains("--prefix"), "{msg}");
    assert_eq!(std::fs::read(&file).unwrap(), content);
    assert_eq!(
        home.list_json().as_array().unwrap().len(),
        1,
        "NEW_ONE was not added"
    );
}

#[test]
fn inject_fills_templates_into_private_files_it_owns() {
    let home = TestHome::with_vault();
    home.add("db/password", b"hunter2-but-longer");
    let template = home.file(
        "config.tmpl",
        b"db:\n  password: \"{{ kw://db/password }}\"\n  helm: {{ .Values.x }}\n",
    );
    let out = home.dir.path().join("config.yml");
    let (t, o) = (template.to_str().unwrap(), out.to_str().unwrap());
    home.ok(&["inject", "-i", t, "-o", o], b"");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "db:\n  password: \"hunter2-but-longer\"\n  helm: {{ .Values.x }}\n"
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    home.ok(&["inject", "-i", t, "-o", o], b"");

    std::fs::write(&out, "edited by hand\n").unwrap();
    let msg = home.fails(&["inject", "-i", t, "-o", o], b"", 2);
    assert!(msg.contains("--force"), "{msg}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "edited by hand\n");
    home.ok(&["inject", "-i", t, "-o", o, "--force"], b"");

    let missing = home.file("m.tmpl", b"x: {{ kw://nope }}\n");
    let msg = home.fails(&["inject", "-i", missing.to_str().unwrap()], b"", 2);
    assert!(msg.contains("no secret named 'nope'"), "{msg}");
}

#[test]
fn the_access_log_names_secrets_and_never_values() {
    let home = TestHome::with_vault();
    home.add("api", b"value-never-logged");
    home.get("api");
    let env = home.file("x.env", b"API=kw://api\n");
    let out = run_with_stdin(
        home.command_env(&["run", "--env-file", env.to_str().unwrap(), "--", "true"]),
        b"",
    );
    assert!(out.status.success());
    let log = home.ok(&["audit", "--json"], b"");
    assert!(!common::contains(&log, b"value-never-logged"));
    let events: serde_json::Value = serde_json::from_slice(&log).unwrap();
    let commands: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    // Changes are recorded too (the log is the audit chain), then each access.
    assert_eq!(commands, ["add", "get", "run"]);
    assert_eq!(
        events[2]["detail"], "true",
        "the program run was given the secret"
    );
    for event in events.as_array().unwrap() {
        assert_eq!(event["names"], serde_json::json!(["api"]));
        assert!(event["pid"].as_u64().unwrap() > 0);
        assert!(event["cwd"].as_str().unwrap().starts_with('/'));
    }
}

#[test]
fn completions_and_man_page_are_generated() {
    let home = TestHome::new();
    for shell in ["bash", "zsh", "fish"] {
        let script = String::from_utf8(home.ok(&["completions", shell], b"")).unwrap();
        assert!(
            script.contains("keyward") && script.contains("rotate"),
            "{shell}"
        );
    }
    let man = String::from_utf8(home.ok(&["man"], b"")).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH keyward"),
        "{}",
        &man[..200.min(man.len())]
    );
}
