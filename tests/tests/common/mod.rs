//! Shared helpers: a throwaway keyward home and the real `keyward` binary pointed at it.
#![allow(
    dead_code,
    unsafe_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

pub mod agent;
pub mod users;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASSWORD: &str = "correct horse battery staple";

/// What every unlock of a `--insecure-fast-kdf` vault prints first.
pub const TEST_VAULT_WARNING: &str = "keyward: warning: this vault was made with --insecure-fast-kdf (for tests only); do not keep real secrets in it\n";

/// stderr without the test-vault warning, which every unlock of a test vault prints.
pub fn messages(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr).replace(TEST_VAULT_WARNING, "")
}

/// The program under test: `$KEYWARD_BIN` (e.g. a release build of `keyward`), else this
/// crate's `keyward-e2e`, which is `keyward_cli::main` and so always the current code.
pub fn keyward_bin() -> PathBuf {
    std::env::var_os("KEYWARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_keyward-e2e")))
}

/// A temporary keyward home with a password file next to it (never inside it).
pub struct TestHome {
    pub dir: tempfile::TempDir,
}

impl TestHome {
    pub fn new() -> Self {
        let home = TestHome {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(home.password_file(), format!("{PASSWORD}\n")).unwrap();
        home
    }

    /// A home with a test vault in it.
    pub fn with_vault() -> Self {
        let home = TestHome::new();
        home.ok(&["init", "--insecure-fast-kdf"], b"");
        home
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn vault_path(&self) -> PathBuf {
        self.home().join("vault.db")
    }

    pub fn password_file(&self) -> PathBuf {
        self.dir.path().join("password")
    }

    /// Writes `content` to a file beside the home and returns its path.
    pub fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// `keyward` with this home and nothing else from the environment that could change its
    /// behaviour. It runs in a new session, so it has no controlling terminal even when the
    /// tests are started from one, and can never stop to prompt.
    pub fn bare_command(&self) -> Command {
        let mut cmd = Command::new(keyward_bin());
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("KEYWARD_HOME", self.home())
            .env("HOME", self.dir.path())
            .current_dir(self.dir.path());
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::setsid().map_err(std::io::Error::from)?;
                Ok(())
            });
        }
        cmd
    }

    /// `keyward ARGS --password-file FILE`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare_command();
        cmd.args(args)
            .arg("--password-file")
            .arg(self.password_file());
        cmd
    }

    /// `keyward ARGS` with the password file named in the environment, so ARGS may end with a
    /// command of its own (`run -- CMD ...`).
    pub fn command_env(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare_command();
        cmd.args(args)
            .env("KEYWARD_PASSWORD_FILE", self.password_file());
        cmd
    }

    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        run_with_stdin(self.command(args), stdin)
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "keyward {args:?} failed with {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs and asserts the exit code; returns stderr as text.
    pub fn fails(&self, args: &[&str], stdin: &[u8], code: i32) -> String {
        let out = self.run(args, stdin);
        assert_eq!(
            out.status.code(),
            Some(code),
            "keyward {args:?}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        messages(&out.stderr)
    }

    /// Runs and asserts success; returns stderr without the test-vault warning.
    pub fn ok_messages(&self, args: &[&str], stdin: &[u8]) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "keyward {args:?}: {}",
            messages(&out.stderr)
        );
        messages(&out.stderr)
    }

    pub fn add(&self, name: &str, value: &[u8]) {
        self.ok(&["add", name], value);
    }

    pub fn get(&self, name: &str) -> Vec<u8> {
        self.ok(&["get", name], b"")
    }

    pub fn list_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.ok(&["list", "--json"], b"")).unwrap()
    }
}

pub fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // A command may exit before reading stdin (bad arguments); that is not a test failure.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A small deterministic generator (xorshift64*), seeded per test so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// A seed from `$KEYWARD_TEST_SEED` or the clock, printed so a failure can be replayed.
    pub fn from_env(test: &str) -> Self {
        let seed = std::env::var("KEYWARD_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: KEYWARD_TEST_SEED={seed}");
        Rng::new(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Printable ASCII, so a value can be searched for in text as well as bytes.
    pub fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

/// Whether an outside tool the tests use is installed. CI (`KEYWARD_REQUIRE_TOOLS=1`) fails
/// instead of skipping, so a missing tool can never turn a test green there.
pub fn have_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("KEYWARD_REQUIRE_TOOLS").is_none(),
            "{name} is required (KEYWARD_REQUIRE_TOOLS is set) but not installed"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// Team vaults: what the team tests do as each member.
impl TestHome {
    /// This home's public key in team vaults (made on first use).
    pub fn team_whoami(&self) -> String {
        String::from_utf8(self.ok(&["team", "whoami"], b""))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// What a child of `keyward run` sees as `$DATABASE_URL` in a project whose `keyward.toml`
    /// maps it to `name` (a vault or a `team/...` name).
    pub fn run_sees_database_url(&self, name: &str) -> Vec<u8> {
        let project = self.dir.path().join("project");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(
            project.join("keyward.toml"),
            format!("[env]\nDATABASE_URL = \"{name}\"\n"),
        )
        .unwrap();
        let seen = self.dir.path().join("seen");
        let mut cmd = self.command_env(&[
            "run",
            "--",
            "sh",
            "-c",
            &format!("printf %s \"$DATABASE_URL\" > {}", seen.display()),
        ]);
        cmd.current_dir(&project);
        let out = run_with_stdin(cmd, b"");
        assert!(out.status.success(), "{}", messages(&out.stderr));
        std::fs::read(&seen).unwrap()
    }
}
