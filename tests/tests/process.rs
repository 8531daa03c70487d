//! The running process: no core dumps while it holds a key, private file modes for everything
//! it creates, and a secret never in its argv.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::TestHome;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_process_holding_the_key_has_core_dumps_off_and_private_files() {
    let home = TestHome::with_vault();
    // `add` unlocks, then waits for the value on stdin: a live process holding the vault key.
    let mut child = home
        .command(&["add", "pending"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wal = home.home().join("vault.db-wal");
    let start = Instant::now();
    while !wal.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();

    assert_eq!(mode(&home.home()), 0o700);
    for file in common::files_under(&home.home()) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert!(wal.exists(), "the WAL exists while the vault is open");

    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"the-value-on-stdin")
        .unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(!common::contains(&cmdline, b"the-value-on-stdin"));
    assert_eq!(home.get("pending"), b"the-value-on-stdin");
}
