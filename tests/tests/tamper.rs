//! A damaged or altered vault file never yields a wrong value and never panics: every read
//! returns the right answer or fails with exit 3 (wrong password) or 4 (corrupt).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;

use common::{PASSWORD, Rng, TestHome};
use keyward_core::{Entry, SecretBytes, VaultFile, VersionInfo};
use rusqlite::Connection;

/// What a reader sees of a vault: every value, the listing and every history.
#[derive(Debug, PartialEq)]
struct Snapshot {
    values: Vec<(String, Vec<u8>)>,
    list: Vec<Entry>,
    histories: Vec<Vec<VersionInfo>>,
}

const NAMES: [&str; 3] = ["stripe-live", "db/url", "pem"];

/// A small vault: three secrets, one rotated twice, one with metadata, one multi-line.
fn small_vault() -> TestHome {
    let home = TestHome::with_vault();
    home.ok(
        &["add", "stripe-live", "--tag", "prod"],
        b"sk_live_51HxAbCdEf",
    );
    home.ok(&["rotate", "stripe-live"], b"sk_live_second_value");
    home.ok(&["rotate", "stripe-live"], b"sk_live_third_value");
    home.ok(
        &["add", "db/url", "--rotate-every", "30d"],
        b"postgres://u:p@h/db",
    );
    home.ok(&["set", "db/url", "--note-stdin"], b"staging");
    home.ok(
        &["add", "pem"],
        b"-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----\n",
    );
    home
}

/// Reads everything through the library, mapping any failure to its exit code.
fn read_all(path: &Path) -> Result<Snapshot, u8> {
    let vault = VaultFile::open(path)
        .and_then(|file| file.unlock(&SecretBytes::copy_from(PASSWORD.as_bytes())))
        .map_err(|e| e.exit_code())?;
    let mut values = Vec::new();
    let mut histories = Vec::new();
    for name in NAMES {
        let value = vault.get(name).map_err(|e| e.exit_code())?;
        values.push((name.to_owned(), value.expose().to_vec()));
        histories.push(vault.history(name).map_err(|e| e.exit_code())?);
    }
    let list = vault.list().map_err(|e| e.exit_code())?;
    Ok(Snapshot {
        values,
        list,
        histories,
    })
}

fn remove_sidecars(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// How flipping one byte turned out.
#[derive(Debug)]
enum Flip {
    ReadCorrectly,
    Refused(u8),
    Wrong(String),
}

fn flip_each(
    original: &[u8],
    offsets: std::ops::Range<usize>,
    work: &Path,
    expected: &Snapshot,
) -> Vec<Flip> {
    offsets
        .map(|offset| {
            let mut bytes = original.to_vec();
            bytes[offset] ^= 0xff;
            remove_sidecars(work);
            std::fs::write(work, &bytes).unwrap();
            match read_all(work) {
                Ok(snapshot) if snapshot == *expected => Flip::ReadCorrectly,
                Ok(_) => Flip::Wrong(format!("byte {offset}: a different answer")),
                Err(code @ (3 | 4)) => Flip::Refused(code),
                Err(code) => Flip::Wrong(format!("byte {offset}: exit {code}")),
            }
        })
        .collect()
}

#[test]
fn flipping_any_single_byte_never_gives_a_wrong_answer() {
    let home = small_vault();
    let original = std::fs::read(home.vault_path()).unwrap();
    let expected = read_all(&home.vault_path()).unwrap();
    let half = original.len() / 2;
    let (first, second) = std::thread::scope(|scope| {
        let a =
            scope.spawn(|| flip_each(&original, 0..half, &home.dir.path().join("a.db"), &expected));
        let b = scope.spawn(|| {
            flip_each(
                &original,
                half..original.len(),
                &home.dir.path().join("b.db"),
                &expected,
            )
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    let outcomes: Vec<Flip> = first.into_iter().chain(second).collect();
    let count = |f: fn(&Flip) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let wrong: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Flip::Wrong(what) => Some(what),
            _ => None,
        })
        .collect();
    eprintln!(
        "{} bytes flipped: {} read correctly (unused space), {} wrong password, {} corrupt",
        original.len(),
        count(|o| matches!(o, Flip::ReadCorrectly)),
        count(|o| matches!(o, Flip::Refused(3))),
        count(|o| matches!(o, Flip::Refused(4))),
    );
    assert!(
        wrong.is_empty(),
        "{} flips went wrong: {wrong:?}",
        wrong.len()
    );
    assert!(count(|o| matches!(o, Flip::Refused(4))) > 0);
}

#[test]
fn flipped_bytes_through_the_cli_exit_0_3_or_4() {
    let home = small_vault();
    let original = std::fs::read(home.vault_path()).unwrap();
    let mut rng = Rng::from_env("flipped_bytes_through_the_cli");
    for _ in 0..48 {
        let offset = rng.below(original.len() as u64) as usize;
        let mut bytes = original.clone();
        bytes[offset] ^= 1 << rng.below(8);
        remove_sidecars(&home.vault_path());
        std::fs::write(home.vault_path(), &bytes).unwrap();
        let out = home.run(&["get", "stripe-live"], b"");
        match out.status.code() {
            Some(0) => assert_eq!(out.stdout, b"sk_live_third_value", "offset {offset}"),
            Some(3 | 4) => {
                assert!(out.stdout.is_empty());
                let stderr = common::messages(&out.stderr);
                assert_eq!(stderr.lines().count(), 1, "offset {offset}: {stderr}");
            }
            other => panic!(
                "offset {offset}: exit {other:?}: {}",
                common::messages(&out.stderr)
            ),
        }
    }
}

/// Runs `sql` against the vault file behind keyward's back.
fn tamper(home: &TestHome, sql: &str) {
    let conn = Connection::open(home.vault_path()).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn assert_corrupt(home: &TestHome, args: &[&str]) {
    let err = home.fails(args, b"", 4);
    assert!(
        err.starts_with("keyward: the vault is corrupt or has been tampered with"),
        "{args:?}: {err}"
    );
}

#[test]
fn values_swapped_between_secrets_are_detected() {
    let home = small_vault();
    tamper(
        &home,
        "CREATE TEMP TABLE v AS SELECT secret_id, seq, value FROM versions;
         UPDATE versions SET value = (SELECT value FROM v WHERE v.secret_id != versions.secret_id LIMIT 1);",
    );
    for name in NAMES {
        assert_corrupt(&home, &["get", name]);
    }
}

#[test]
fn records_swapped_between_secrets_are_detected() {
    let home = small_vault();
    tamper(
        &home,
        "CREATE TEMP TABLE s AS SELECT id, sealed FROM secrets;
         UPDATE secrets SET sealed = (SELECT sealed FROM s WHERE s.id != secrets.id LIMIT 1);",
    );
    assert_corrupt(&home, &["get", "pem"]);
    assert_corrupt(&home, &["list"]);
}

#[test]
fn name_indexes_swapped_between_secrets_are_detected() {
    let home = small_vault();
    tamper(
        &home,
        "CREATE TEMP TABLE s AS SELECT id, name_key FROM secrets ORDER BY id;
         UPDATE secrets SET name_key = randomblob(32);
         UPDATE secrets SET name_key = (SELECT name_key FROM s WHERE s.id = (SELECT MIN(id) FROM s))
            WHERE id = (SELECT MAX(id) FROM s);
         UPDATE secrets SET name_key = (SELECT name_key FROM s WHERE s.id = (SELECT MAX(id) FROM s))
            WHERE id = (SELECT MIN(id) FROM s);",
    );
    for name in NAMES {
        assert_corrupt(&home, &["get", name]);
    }
}

#[test]
fn columns_swapped_within_a_row_are_detected() {
    let home = small_vault();
    tamper(&home, "UPDATE versions SET value = sealed, sealed = value;");
    for name in NAMES {
        assert_corrupt(&home, &["get", name]);
        assert_corrupt(&home, &["history", name]);
    }
}

#[test]
fn an_old_version_moved_into_the_current_one_is_detected() {
    let home = small_vault();
    // stripe-live has versions 1..3; put version 1's ciphertext where version 3's is.
    tamper(
        &home,
        "UPDATE versions SET value = (SELECT v.value FROM versions v
             WHERE v.secret_id = versions.secret_id AND v.seq = 1)
         WHERE seq = 3;",
    );
    assert_corrupt(&home, &["get", "stripe-live"]);
    assert_eq!(
        home.get("pem"),
        b"-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----\n"
    );
}

#[test]
fn an_old_record_replayed_into_its_own_row_is_detected() {
    let home = small_vault();
    let conn = Connection::open(home.vault_path()).unwrap();
    let (id, old): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT id, sealed FROM secrets WHERE rev = 1 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    home.ok(&["set", "pem", "--tag", "changed"], b"");
    home.ok(&["set", "db/url", "--tag", "changed"], b"");
    let conn = Connection::open(home.vault_path()).unwrap();
    conn.execute(
        "UPDATE secrets SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![old, id],
    )
    .unwrap();
    drop(conn);
    assert_corrupt(&home, &["list"]);
}

#[test]
fn deleted_rows_are_detected() {
    let home = small_vault();
    tamper(&home, "DELETE FROM versions WHERE seq = 3;");
    assert_corrupt(&home, &["get", "stripe-live"]);
    assert_corrupt(&home, &["list"]);

    let home = small_vault();
    tamper(
        &home,
        "PRAGMA foreign_keys = ON; DELETE FROM secrets WHERE id = (SELECT MIN(id) FROM secrets);",
    );
    assert_corrupt(&home, &["list"]);
    // The missing secret is not "not found": the counts show a row is gone.
    for name in NAMES {
        let out = home.run(&["get", name], b"");
        assert_ne!(out.status.code(), Some(2), "{name}");
    }
}

#[test]
fn a_deleted_access_log_row_is_detected() {
    let home = small_vault();
    for name in NAMES {
        home.get(name);
    }
    assert!(home.run(&["audit"], b"").status.success());
    tamper(&home, "DELETE FROM audit WHERE id = 2;");
    assert_corrupt(&home, &["audit"]);
    assert_corrupt(&home, &["audit", "--json"]);
}

#[test]
fn a_header_from_another_vault_with_the_same_password_is_detected() {
    let home = small_vault();
    let other = TestHome::with_vault();
    let conn = Connection::open(other.vault_path()).unwrap();
    let header: Vec<u8> = conn
        .query_row("SELECT bytes FROM header", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let conn = Connection::open(home.vault_path()).unwrap();
    conn.execute("UPDATE header SET bytes = ?1", [header])
        .unwrap();
    drop(conn);
    assert_corrupt(&home, &["list"]);
}

#[test]
fn a_wrong_password_is_exit_3_not_corruption() {
    let home = small_vault();
    let wrong = home.file("wrong", b"not the password\n");
    let mut cmd = home.bare_command();
    cmd.args(["get", "pem", "--password-file"]).arg(&wrong);
    let out = common::run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        common::messages(&out.stderr),
        "keyward: wrong master password\n"
    );
}

#[test]
fn empty_truncated_random_and_foreign_files_are_exit_4() {
    let home = small_vault();
    let original = std::fs::read(home.vault_path()).unwrap();
    let mut rng = Rng::from_env("empty_truncated_random");
    let mut cases: Vec<(String, Vec<u8>)> = vec![("empty".into(), Vec::new())];
    for len in [1, 16, 99, 100, 512, 4095, 4096, 8192, original.len() - 1] {
        cases.push((
            format!("truncated to {len}"),
            original[..len.min(original.len())].to_vec(),
        ));
    }
    for len in [1, 100, 4096, 20_000] {
        cases.push((format!("{len} random bytes"), rng.bytes(len)));
    }
    let mut sqlite_looking = original[..100].to_vec();
    sqlite_looking.extend(rng.bytes(8000));
    cases.push(("a SQLite header and noise".into(), sqlite_looking));
    for (what, bytes) in cases {
        remove_sidecars(&home.vault_path());
        std::fs::write(home.vault_path(), &bytes).unwrap();
        let err = home.fails(&["get", "pem"], b"", 4);
        assert!(
            err.starts_with("keyward: the vault is corrupt or has been tampered with"),
            "{what}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{what}");
    }

    remove_sidecars(&home.vault_path());
    std::fs::remove_file(home.vault_path()).unwrap();
    let conn = Connection::open(home.vault_path()).unwrap();
    conn.execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hello');")
        .unwrap();
    drop(conn);
    let err = home.fails(&["list"], b"", 4);
    assert!(err.contains("is not a keyward vault"), "{err}");
}

#[test]
fn a_directory_in_place_of_the_vault_is_a_clear_error() {
    let home = TestHome::new();
    std::fs::create_dir_all(home.vault_path()).unwrap();
    let err = home.fails(&["list"], b"", 2);
    assert_eq!(
        err,
        format!("keyward: {} is not a file\n", home.vault_path().display())
    );
}
