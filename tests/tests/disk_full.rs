//! A full disk (simulated with RLIMIT_FSIZE, which makes writes past the limit fail with EFBIG
//! as ENOSPC would) makes the write fail with one clear line, and the vault keeps everything.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

mod common;

use std::os::unix::process::CommandExt;

use common::{Rng, TestHome, run_with_stdin};

/// `keyward ARGS` with every file it writes capped at `limit` bytes.
fn run_with_file_limit(
    home: &TestHome,
    args: &[&str],
    stdin: &[u8],
    limit: u64,
) -> std::process::Output {
    let mut cmd = home.command(args);
    // SAFETY: setrlimit and signal are async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            // Without this the kernel kills the process with SIGXFSZ instead of failing the write.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    run_with_stdin(cmd, stdin)
}

fn filled_vault(rng: &mut Rng) -> (TestHome, Vec<(String, Vec<u8>)>) {
    let home = TestHome::with_vault();
    let mut stored = Vec::new();
    for i in 0..20 {
        let value = rng.token(100).into_bytes();
        home.add(&format!("k{i}"), &value);
        stored.push((format!("k{i}"), value));
    }
    (home, stored)
}

fn assert_intact(home: &TestHome, stored: &[(String, Vec<u8>)]) {
    let list = home.list_json();
    assert_eq!(list.as_array().unwrap().len(), stored.len());
    for (name, value) in stored {
        assert_eq!(&home.get(name), value, "{name}");
    }
    let conn = rusqlite::Connection::open(home.vault_path()).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn add_on_a_full_disk_fails_cleanly_and_loses_nothing() {
    let mut rng = Rng::from_env("add_on_a_full_disk");
    let (home, stored) = filled_vault(&mut rng);
    let size = std::fs::metadata(home.vault_path()).unwrap().len();
    // Room for the shared-memory index (32 KiB) and the file as it is, not for 64 KiB more.
    let limit = size.max(40 * 1024);
    let big = rng.token(64 * 1024).into_bytes();
    let out = run_with_file_limit(&home, &["add", "big"], &big, limit);
    assert_eq!(out.status.code(), Some(2));
    let stderr = common::messages(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("keyward: could not save the change ("),
        "{stderr}"
    );
    assert!(stderr.ends_with("the vault is unchanged\n"), "{stderr}");
    assert!(!common::contains(stderr.as_bytes(), &big[..16]));
    assert_intact(&home, &stored);
    home.fails(&["get", "big"], b"", 2);
    // With room again, the same write goes through.
    home.add("big", &big);
    assert_eq!(home.get("big"), big);
}

#[test]
fn rotate_on_a_full_disk_fails_cleanly_and_loses_nothing() {
    let mut rng = Rng::from_env("rotate_on_a_full_disk");
    let (home, stored) = filled_vault(&mut rng);
    let size = std::fs::metadata(home.vault_path()).unwrap().len();
    let limit = size.max(40 * 1024);
    let big = rng.token(64 * 1024).into_bytes();
    let out = run_with_file_limit(&home, &["rotate", "k3"], &big, limit);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        common::messages(&out.stderr)
    );
    assert_eq!(common::messages(&out.stderr).lines().count(), 1);
    assert_intact(&home, &stored);
}

/// A tmpfs of a fixed size, mounted for one test and unmounted after it.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(kib: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "could not mount a tmpfs");
        TinyDisk { dir }
    }

    /// Fills the disk, then frees `free_kib`: enough for SQLite's 32 KiB shared-memory index,
    /// too little for what a write needs on top.
    fn fill_leaving(&self, free_kib: usize) {
        let chunk = vec![0x5a_u8; 4096];
        let mut chunks = Vec::new();
        for i in 0.. {
            let path = self.dir.path().join(format!("filler-{i}"));
            if std::fs::write(&path, &chunk).is_err() {
                let _ = std::fs::remove_file(&path);
                break;
            }
            chunks.push(path);
        }
        for path in chunks.iter().rev().take(free_kib / 4) {
            std::fs::remove_file(path).unwrap();
        }
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn writes_on_a_really_full_disk_fail_cleanly_and_lose_nothing() {
    if !rustix::process::geteuid().is_root() {
        eprintln!(
            "skipped: mounting a tmpfs needs root (CI runs as root); RLIMIT_FSIZE tests above still ran"
        );
        return;
    }
    let mut rng = Rng::from_env("writes_on_a_really_full_disk");
    let disk = TinyDisk::mount(1024);
    let home = TestHome::new();
    let in_disk = |args: &[&str], stdin: &[u8]| {
        let mut cmd = home.command(args);
        cmd.env("KEYWARD_HOME", disk.dir.path().join("home"));
        run_with_stdin(cmd, stdin)
    };
    assert!(
        in_disk(&["init", "--insecure-fast-kdf"], b"")
            .status
            .success()
    );
    let mut stored = Vec::new();
    for i in 0..20 {
        let value = rng.token(100).into_bytes();
        assert!(in_disk(&["add", &format!("k{i}")], &value).status.success());
        stored.push((format!("k{i}"), value));
    }
    disk.fill_leaving(36);

    let new_pw = home.file("new-pw", b"new password\n");
    let big = rng.token(64 * 1024).into_bytes();
    let attempts: [(&[&str], &[u8]); 3] = [
        (
            &["passwd", "--new-password-file", new_pw.to_str().unwrap()],
            b"",
        ),
        (&["add", "big"], &big),
        (&["rotate", "k1"], &big),
    ];
    for (args, stdin) in attempts {
        let out = in_disk(args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            common::messages(&out.stderr),
            "keyward: could not save the change (the disk is full); the vault is unchanged\n",
            "{args:?}"
        );
    }
    for (name, value) in &stored {
        let out = in_disk(&["get", name], b"");
        assert_eq!(
            &out.stdout,
            value,
            "{name}: {}",
            common::messages(&out.stderr)
        );
    }
}
