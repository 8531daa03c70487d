//! The SQLite side of the vault: connection settings, the table layout and its migrations.
//!
//! Every sealed column is a BLOB; row ids and revisions are plain integers because they are
//! part of each field's associated data, so changing them breaks the seal instead of the data.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result, write_error};

/// `PRAGMA application_id` of a keyward vault ("KWVD"), so `file(1)` and keyward can tell it
/// apart from any other SQLite file.
pub const APPLICATION_ID: i32 = 0x4B57_5644;

/// Schema migrations, applied in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: header, integrity state, secrets and their versions.
    "CREATE TABLE header (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        bytes BLOB NOT NULL
     ) STRICT;
     CREATE TABLE state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        rev INTEGER NOT NULL,
        sealed BLOB NOT NULL
     ) STRICT;
     CREATE TABLE secrets (
        id INTEGER PRIMARY KEY,
        name_key BLOB NOT NULL UNIQUE,
        rev INTEGER NOT NULL,
        sealed BLOB NOT NULL
     ) STRICT;
     CREATE TABLE versions (
        secret_id INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        sealed BLOB NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (secret_id, seq)
     ) STRICT, WITHOUT ROWID;",
    // 2: the access log; each row sealed under the audit subkey, bound to its id.
    "CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        sealed BLOB NOT NULL
     ) STRICT;",
    // 3: the watcher: its settings (one row, under the metadata subkey) and its findings (under
    // the findings subkey, which the agent keeps after locking), each bound to its row.
    "CREATE TABLE settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        rev INTEGER NOT NULL,
        sealed BLOB NOT NULL
     ) STRICT;
     CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        rev INTEGER NOT NULL,
        sealed BLOB NOT NULL
     ) STRICT;",
    // 4: the access log becomes a chain: each record's keyed MAC covers the one before it.
    // Records written before have none (NULL) and are reported as such.
    "ALTER TABLE audit ADD COLUMN mac BLOB;",
];

pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

fn open_flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

/// Durability and hygiene settings applied to every connection.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // WAL keeps readers going during a write; FULL syncs the WAL on every commit, so a secret
    // that `add` acknowledged survives power loss.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Database(format!(
            "could not switch the vault to WAL mode (got {mode})"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

/// Creates a new, empty vault database at `path`, which must not exist.
pub fn create(path: &Path) -> Result<Connection> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(format!("could not create {}", path.display()), e))?;
    let mut conn = Connection::open_with_flags(path, open_flags())?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(write_error)?;
    configure(&conn)?;
    migrate(&mut conn, 0, &|_, _| Ok(()))?;
    Ok(conn)
}

/// Opens an existing vault database and checks it is one and is intact. Returns the connection
/// and the schema version (`user_version`), which the caller checks against the header before
/// migrating.
pub fn open(path: &Path) -> Result<(Connection, i64)> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoVault(path.to_path_buf()));
        }
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    };
    if !meta.is_file() {
        return Err(Error::Invalid(format!("{} is not a file", path.display())));
    }
    if meta.len() == 0 {
        return Err(Error::corrupt(format!("{} is empty", path.display())));
    }
    check_length(path, meta.len())?;
    let conn = Connection::open_with_flags(path, open_flags())?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    if app_id != APPLICATION_ID {
        return Err(Error::corrupt(format!(
            "{} is not a keyward vault",
            path.display()
        )));
    }
    configure(&conn)?;
    quick_check(&conn)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version < 1 {
        return Err(Error::corrupt("the vault has no tables"));
    }
    Ok((conn, version))
}

/// Catches a truncated file, which SQLite itself would read as if the missing tail were zeros.
/// A SQLite file is a whole number of pages, and at least as long as the page count its header
/// records (when that count is current: bytes 24..28 equal bytes 92..96). Pages not yet
/// checkpointed live in the WAL, never past the recorded count.
fn check_length(path: &Path, len: u64) -> Result<()> {
    let truncated = || Error::corrupt(format!("{} is truncated", path.display()));
    let mut head = [0u8; 100];
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    match std::io::Read::read_exact(&mut file, &mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(truncated()),
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    }
    let be16 = |at: usize| {
        head.get(at..at + 2)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u16::from_be_bytes)
    };
    let be32 = |at: usize| {
        head.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_be_bytes)
    };
    let page_size = match be16(16) {
        1 => 65536,
        n => u64::from(n),
    };
    if page_size < 512 || !page_size.is_power_of_two() {
        return Err(Error::corrupt(format!(
            "{} has an invalid page size",
            path.display()
        )));
    }
    if !len.is_multiple_of(page_size) {
        return Err(truncated());
    }
    let count_is_current = be32(24) == be32(92);
    if count_is_current && len < u64::from(be32(28)) * page_size {
        return Err(truncated());
    }
    Ok(())
}

/// SQLite's structural check of every page: catches damage that would otherwise surface later
/// as missing rows.
fn quick_check(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    match problems.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        [] => Err(Error::corrupt("the integrity check returned nothing")),
        [first, ..] => Err(Error::corrupt(format!(
            "the integrity check failed ({})",
            first.split_whitespace().collect::<Vec<_>>().join(" ")
        ))),
    }
}

/// Applies the migrations after `from`, one transaction each; `after_step` runs inside each
/// transaction with the version just reached (the vault uses it to keep its header in step).
pub fn migrate(
    conn: &mut Connection,
    from: i64,
    after_step: &dyn Fn(&Connection, i64) -> Result<()>,
) -> Result<()> {
    apply(conn, MIGRATIONS, from, after_step)
}

fn apply(
    conn: &mut Connection,
    migrations: &[&str],
    from: i64,
    after_step: &dyn Fn(&Connection, i64) -> Result<()>,
) -> Result<()> {
    for (index, sql) in migrations.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= from {
            continue;
        }
        let tx = conn.transaction().map_err(write_error)?;
        tx.execute_batch(sql).map_err(write_error)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(write_error)?;
        after_step(&tx, version)?;
        tx.commit().map_err(write_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_current_and_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        drop(create(&path).unwrap());
        let (conn, version) = open(&path).unwrap();
        assert_eq!(version, LATEST_VERSION);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let secure: i64 = conn
            .query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .unwrap();
        assert_eq!(secure, 1);
    }

    #[test]
    fn migrations_run_in_order_from_the_stored_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        let mut conn = Connection::open(&path).unwrap();
        let steps: &[&str] = &[
            "CREATE TABLE a (x);",
            "CREATE TABLE b (x);",
            "ALTER TABLE b ADD y;",
        ];
        let seen = std::cell::RefCell::new(Vec::new());
        apply(&mut conn, &steps[..2], 0, &|_, v| {
            seen.borrow_mut().push(v);
            Ok(())
        })
        .unwrap();
        apply(&mut conn, steps, 2, &|_, v| {
            seen.borrow_mut().push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(*seen.borrow(), [1, 2, 3]);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 3);
        conn.execute("INSERT INTO b (x, y) VALUES (1, 2)", [])
            .unwrap();
    }

    #[test]
    fn a_failed_step_leaves_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("v.db")).unwrap();
        let steps: &[&str] = &["CREATE TABLE a (x);", "CREATE TABLE b (x);"];
        let err = apply(&mut conn, steps, 0, &|_, v| {
            if v == 2 {
                Err(Error::Invalid("stop".into()))
            } else {
                Ok(())
            }
        });
        assert!(err.is_err());
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1);
        assert!(conn.execute("INSERT INTO b VALUES (1)", []).is_err());
    }

    #[test]
    fn create_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        std::fs::write(&path, b"x").unwrap();
        assert!(create(&path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }

    #[test]
    fn other_sqlite_files_are_not_vaults_and_are_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(other);
        let before = std::fs::read(&path).unwrap();
        let err = open(&path).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().contains("not a keyward vault"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
