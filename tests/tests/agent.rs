//! The agent: serves its own user only, over a private socket; locks after its timeout and
//! then gives no secret; ends cleanly on SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestHome, have_tool, messages, run_with_stdin};

struct Agent {
    child: Child,
}

impl Agent {
    /// Starts `keyward agent` in the foreground, unlocked from the password file.
    fn start(home: &TestHome, lock_after: &str) -> Agent {
        let child = home
            .command_env(&["agent", "--lock-after", lock_after])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let agent = Agent { child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if status(home)["unlocked"] == true {
                return agent;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the agent did not come up unlocked");
    }

    fn stop(mut self) -> std::process::ExitStatus {
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(self.child.id() as i32).unwrap(),
            rustix::process::Signal::TERM,
        )
        .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status(home: &TestHome) -> serde_json::Value {
    let out = run_with_stdin(home.bare_command_with(&["status", "--json"]), b"");
    serde_json::from_slice(&out.stdout).unwrap()
}

trait Bare {
    fn bare_command_with(&self, args: &[&str]) -> Command;
}

impl Bare for TestHome {
    /// keyward with no password source at all: only an agent can answer.
    fn bare_command_with(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare_command();
        cmd.args(args);
        cmd
    }
}

#[test]
fn commands_use_the_agent_until_it_locks_itself() {
    let home = TestHome::with_vault();
    home.add("api", b"value-of-api-key");
    let agent = Agent::start(&home, "2s");

    let got = run_with_stdin(home.bare_command_with(&["get", "api"]), b"");
    assert!(got.status.success(), "{}", messages(&got.stderr));
    assert_eq!(
        got.stdout, b"value-of-api-key",
        "no password needed while unlocked"
    );
    let added = run_with_stdin(
        home.bare_command_with(&["add", "second"]),
        b"through the agent",
    );
    assert!(added.status.success(), "{}", messages(&added.stderr));
    assert_eq!(home.get("second"), b"through the agent");

    let socket = home.home().join("agent/agent.sock");
    let dir_mode = std::fs::metadata(home.home().join("agent"))
        .unwrap()
        .permissions()
        .mode();
    let sock_mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    assert_eq!(sock_mode & 0o777, 0o600);

    std::thread::sleep(Duration::from_millis(3500));
    let state = status(&home);
    assert_eq!(state["running"], true);
    assert_eq!(state["unlocked"], false, "locked after 2 s idle: {state}");
    let refused = run_with_stdin(home.bare_command_with(&["get", "api"]), b"");
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    assert!(
        messages(&refused.stderr).contains("the agent is locked"),
        "{}",
        messages(&refused.stderr)
    );

    // Unlock again, lock on demand, and a locked agent still gives nothing.
    let unlocked = home.run(&["unlock"], b"");
    assert!(unlocked.status.success(), "{}", messages(&unlocked.stderr));
    assert_eq!(status(&home)["unlocked"], true);
    assert!(home.run(&["lock"], b"").status.success());
    assert_eq!(status(&home)["unlocked"], false);
    assert_eq!(
        run_with_stdin(home.bare_command_with(&["get", "api"]), b"")
            .status
            .code(),
        Some(2)
    );

    let ended = agent.stop();
    assert!(ended.success(), "SIGTERM ends the agent cleanly: {ended:?}");
    assert!(!socket.exists(), "the socket is removed");
    assert_eq!(status(&home)["running"], false);
}

#[test]
fn the_agent_records_each_access_with_the_clients_pid_and_folder() {
    let home = TestHome::with_vault();
    home.add("api", b"value-of-api-key");
    let agent = Agent::start(&home, "10m");
    let agent_pid = agent.child.id();
    let project = home.dir.path().join("some project");
    std::fs::create_dir(&project).unwrap();

    let mut get = home.bare_command_with(&["get", "api"]);
    get.current_dir(&project);
    let got = get.stdin(Stdio::null()).output().unwrap();
    assert!(got.status.success(), "{}", messages(&got.stderr));

    // The agent writes the log after replying: wait for the record.
    let deadline = Instant::now() + Duration::from_secs(10);
    let record = loop {
        let out = run_with_stdin(home.bare_command_with(&["audit", "--json"]), b"");
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = log
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["command"] == "get")
            .cloned();
        if let Some(found) = found {
            break found;
        }
        assert!(Instant::now() < deadline, "no access recorded: {log}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(record["names"], serde_json::json!(["api"]));
    assert_eq!(record["cwd"], project.display().to_string());
    let pid = record["pid"].as_u64().unwrap();
    assert_ne!(
        pid,
        u64::from(agent_pid),
        "the client's pid, not the agent's"
    );
    assert_ne!(pid, u64::from(std::process::id()));
    drop(agent);
}

#[test]
fn a_wrong_password_does_not_unlock_the_agent() {
    let home = TestHome::with_vault();
    let mut agent_cmd = home.bare_command();
    agent_cmd
        .args(["agent"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = agent_cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while status(&home)["running"] != true && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let wrong = home.file("wrong", b"not it\n");
    let out = run_with_stdin(
        home.bare_command_with(&["unlock", "--password-file", wrong.to_str().unwrap()]),
        b"",
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(status(&home)["unlocked"], false);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn another_user_is_refused() {
    if !rustix::process::geteuid().is_root()
        || !have_tool("setpriv")
        || !have_tool("useradd")
        || !have_tool("/usr/bin/python3")
    {
        eprintln!("skipping: needs root, setpriv and useradd");
        return;
    }
    let user = common::users::SystemUser::create("kwtest");
    let uid = user.uid.to_string();

    let home = TestHome::with_vault();
    home.add("api", b"value-of-api-key");
    let agent = Agent::start(&home, "10m");
    let socket = home.home().join("agent/agent.sock");

    // A client speaking the real protocol: one Status request, the reply printed.
    let client = format!(
        "import socket, struct, sys\n\
        s = socket.socket(socket.AF_UNIX)\n\
        try:\n    s.connect(sys.argv[1])\n\
        except OSError as e:\n    print('connect failed:', e.strerror); sys.exit(0)\n\
        body = b'{{\"v\":{},\"body\":{{\"op\":\"status\"}}}}'\n\
        s.sendall(struct.pack('>I', len(body)) + body)\n\
        head = s.recv(4)\n\
        print(s.recv(65536).decode() if len(head) == 4 else 'closed')\n",
        keyward_agent::PROTOCOL_VERSION
    );
    let as_user = |uid: &str| {
        let out = Command::new("setpriv")
            .args([
                "--reuid",
                uid,
                "--regid",
                uid,
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
                &client,
            ])
            .arg(&socket)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The 0700 folder already keeps other users out.
    assert!(
        as_user(&uid).contains("connect failed"),
        "{}",
        as_user(&uid)
    );

    // Open the folders up: the agent itself must still refuse by the peer's uid.
    for dir in [
        home.dir.path().to_path_buf(),
        home.home(),
        home.home().join("agent"),
    ] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    let reply = as_user(&uid);
    assert!(
        reply.contains("serves only the user who started it"),
        "{reply}"
    );
    assert!(!reply.contains("unlocked"), "{reply}");
    let own = as_user(&std::fs::metadata(&socket).unwrap().uid().to_string());
    assert!(
        own.contains("\"unlocked\":true"),
        "the owner is served: {own}"
    );

    drop(agent);
}
