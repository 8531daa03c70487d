//! The foreground watcher run by a user without privileges, over a tree with a folder it
//! cannot read: the folder is passed over and the watch goes on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::have_tool;
use common::users::SystemUser;
use serde_json::Value;

const STRIPE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcQx9";

/// Runs `keyward ARGS` as an unprivileged user (a system user made for the test when running as
/// root, else the current user), with its own home; returns the child.
struct Unprivileged {
    user: Option<SystemUser>,
    uid: u32,
}

impl Unprivileged {
    fn new() -> Option<Unprivileged> {
        if !rustix::process::geteuid().is_root() {
            return Some(Unprivileged {
                user: None,
                uid: rustix::process::geteuid().as_raw(),
            });
        }
        if !have_tool("useradd") || !have_tool("setpriv") {
            return None;
        }
        let user = SystemUser::create("kwwatch");
        let uid = user.uid;
        Some(Unprivileged {
            user: Some(user),
            uid,
        })
    }

    fn command(&self, home: &Path, args: &[&str]) -> Command {
        let mut cmd = match &self.user {
            None => Command::new(common::keyward_bin()),
            Some(_) => {
                let mut cmd = Command::new("setpriv");
                let uid = self.uid.to_string();
                cmd.args(["--reuid", &uid, "--regid", &uid, "--clear-groups"])
                    .arg(common::keyward_bin());
                cmd
            }
        };
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("KEYWARD_HOME", home.join("kw"))
            .env("HOME", home);
        cmd
    }
}

#[test]
fn an_unreadable_folder_leaves_a_watcher_without_privileges_running() {
    use std::os::unix::fs::PermissionsExt;
    let Some(who) = Unprivileged::new() else {
        return;
    };
    let base = tempfile::Builder::new()
        .prefix("kw-unreadable")
        .tempdir()
        .unwrap();
    let root = base.path().canonicalize().unwrap();
    let tree = root.join("tree");
    let home = root.join("home");
    for dir in [&tree, &home, &tree.join("open"), &tree.join("closed")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(tree.join("closed/hidden.txt"), STRIPE).unwrap();
    std::fs::write(tree.join("open/first.txt"), format!("{STRIPE}\n")).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&tree, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(tree.join("open"), std::fs::Permissions::from_mode(0o777)).unwrap();
    if who.user.is_some() {
        rustix::fs::chown(
            &home,
            Some(rustix::process::Uid::from_raw(who.uid)),
            Some(rustix::process::Gid::from_raw(who.uid)),
        )
        .unwrap();
        // Root's own folder, closed to everyone else.
        std::fs::set_permissions(tree.join("closed"), std::fs::Permissions::from_mode(0o700))
            .unwrap();
    } else {
        std::fs::set_permissions(tree.join("closed"), std::fs::Permissions::from_mode(0o000))
            .unwrap();
    }

    let mut cmd = who.command(
        &home,
        &[
            "watch",
            tree.to_str().unwrap(),
            "--no-vault",
            "--format",
            "json",
        ],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        first["path"],
        tree.join("open/first.txt").display().to_string(),
        "{first:#}"
    );
    std::fs::write(tree.join("open/second.txt"), format!("{STRIPE}\n")).unwrap();
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        second["path"],
        tree.join("open/second.txt").display().to_string()
    );
    assert!(child.try_wait().unwrap().is_none(), "still watching");
    let _ = child.kill();
    let _ = child.wait();
    std::fs::set_permissions(tree.join("closed"), std::fs::Permissions::from_mode(0o700)).unwrap();
}
