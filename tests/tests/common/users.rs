//! A system user made for a test that must run something as another user (as root only),
//! removed again when dropped.
#![allow(clippy::unwrap_used)]

use std::process::Command;

pub struct SystemUser {
    pub name: String,
    pub uid: u32,
}

impl SystemUser {
    /// `PREFIX<pid>`, without a home folder.
    pub fn create(prefix: &str) -> SystemUser {
        let name = format!("{prefix}{}", std::process::id() % 100000);
        let made = Command::new("useradd")
            .args(["--system", "--no-create-home", &name])
            .status()
            .unwrap();
        assert!(made.success(), "useradd {name}");
        let out = Command::new("id").args(["-u", &name]).output().unwrap();
        let uid = String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        SystemUser { name, uid }
    }
}

impl Drop for SystemUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}
