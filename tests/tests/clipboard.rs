//! `keyward copy` on a real X server (Xvfb): the value reaches the clipboard marked for
//! password managers, is cleared after its time, and something copied since is left alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{TestHome, have_tool, messages};

struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "640x480x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Xvfb {
            child,
            display: format!(":{}", line.trim()),
        }
    }

    fn clipboard(&self, target: &str) -> Option<String> {
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard", "-t", target])
            .env("DISPLAY", &self.display)
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn copies_are_hinted_and_cleared_only_while_still_ours() {
    if !have_tool("Xvfb") || !have_tool("xclip") {
        return;
    }
    let x = Xvfb::start();
    let home = TestHome::with_vault();
    home.add("api", b"sk_live_clipboard_value_1");

    let copy = |after: &str| {
        let mut cmd = home.command(&["copy", "api", "--clear-after", after]);
        cmd.env("DISPLAY", &x.display);
        let out = common::run_with_stdin(cmd, b"");
        assert!(out.status.success(), "{}", messages(&out.stderr));
        assert!(out.stdout.is_empty(), "the value is never printed");
    };
    copy("2s");
    assert_eq!(
        x.clipboard("UTF8_STRING").as_deref(),
        Some("sk_live_clipboard_value_1")
    );
    let targets = x.clipboard("TARGETS").unwrap();
    assert!(targets.contains("x-kde-passwordManagerHint"), "{targets}");
    std::thread::sleep(Duration::from_millis(3000));
    assert_ne!(
        x.clipboard("UTF8_STRING").as_deref(),
        Some("sk_live_clipboard_value_1"),
        "cleared after 2 s"
    );

    copy("2s");
    let mut other = Command::new("xclip")
        .args(["-selection", "clipboard"])
        .env("DISPLAY", &x.display)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut other.stdin.take().unwrap(), b"copied by the user").unwrap();
    other.wait().unwrap();
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(
        x.clipboard("UTF8_STRING").as_deref(),
        Some("copied by the user"),
        "the user's copy stays"
    );

    let audit = String::from_utf8(home.ok(&["audit", "--json"], b"")).unwrap();
    assert_eq!(audit.matches("\"copy\"").count(), 2);
}

#[test]
fn without_a_display_copy_fails_with_one_line() {
    let home = TestHome::with_vault();
    home.add("api", b"sk_live_clipboard_value_1");
    let msg = home.fails(&["copy", "api"], b"", 2);
    assert!(
        msg.starts_with("keyward: could not set the clipboard"),
        "{msg}"
    );
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(!msg.contains("sk_live"), "{msg}");
}
