//! A real `keyward agent` for end-to-end tests, its stderr kept in a log file.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{TestHome, run_with_stdin};

/// A running `keyward agent`, unlocked from the password file, its stderr in a log file.
pub struct Agent {
    pub child: Child,
    log: PathBuf,
}

impl Agent {
    /// Starts an agent unlocked from the password file, with `env` added.
    pub fn start(home: &TestHome, env: &[(&str, &str)]) -> Agent {
        let agent = Agent::spawn(home, true, env);
        agent.wait_for(home, |s| s["unlocked"] == true);
        agent
    }

    /// Starts an agent that waits for `keyward unlock`.
    pub fn start_locked(home: &TestHome) -> Agent {
        let agent = Agent::spawn(home, false, &[]);
        agent.wait_for(home, |s| s["running"] == true);
        agent
    }

    fn spawn(home: &TestHome, unlocked: bool, env: &[(&str, &str)]) -> Agent {
        let log = home.dir.path().join("agent-stderr.log");
        let mut cmd = if unlocked {
            home.command_env(&["agent"])
        } else {
            let mut cmd = home.bare_command();
            cmd.arg("agent");
            cmd
        };
        cmd.stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        Agent { child, log }
    }

    fn wait_for(&self, home: &TestHome, ready: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if ready(&status(home)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the agent did not come up: {}", self.log());
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn status(home: &TestHome) -> Value {
    let mut cmd = home.bare_command();
    cmd.args(["status", "--json"]);
    serde_json::from_slice(&run_with_stdin(cmd, b"").stdout).unwrap()
}
