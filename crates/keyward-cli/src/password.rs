//! Where the master password comes from: `--password-file`/`KEYWARD_PASSWORD_FILE` (first
//! line), else a hidden prompt on the terminal. Never argv, never an environment variable that
//! holds the password itself.

use std::fs::{File, OpenOptions};
use std::path::Path;

use anyhow::{Result, bail};
use keyward_core::{Error, SecretBytes};

use crate::cli::GlobalArgs;

/// Password files are small; this bounds what a wrong path (a log, a device) can make us read.
const MAX_PASSWORD_FILE: usize = 64 * 1024;

const HOW_TO_PASS: &str = "pass --password-file FILE or set KEYWARD_PASSWORD_FILE=FILE";

/// The master password, from the file if one is named, else from a prompt.
pub fn master(global: &GlobalArgs, prompt: &str) -> Result<SecretBytes> {
    match &global.password_file {
        Some(path) => from_file(path, "password file"),
        None => prompt_hidden(prompt, "no master password"),
    }
}

/// A new password: from `file` if given, else prompted twice.
pub fn new_password(file: Option<&Path>, prompt: &str) -> Result<SecretBytes> {
    if let Some(path) = file {
        return from_file(path, "new password file");
    }
    let first = prompt_hidden(prompt, "no new master password")?;
    let again = prompt_hidden("Repeat it: ", "no new master password")?;
    if first != again {
        bail!(Error::Invalid("the two passwords do not match".into()));
    }
    Ok(first)
}

pub fn from_file(path: &Path, what: &str) -> Result<SecretBytes> {
    let mut file = File::open(path)
        .map_err(|e| Error::io(format!("could not read the {what} {}", path.display()), e))?;
    let content = SecretBytes::read_limited(&mut file, MAX_PASSWORD_FILE, what)?;
    let password = SecretBytes::first_line(content.expose());
    if password.is_empty() {
        bail!(Error::Invalid(format!(
            "the {what} {} has an empty first line",
            path.display()
        )));
    }
    Ok(password)
}

/// Whether a terminal is there to prompt on (stdin may still be a pipe).
pub fn has_terminal() -> bool {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// Reads a line from the terminal without echo.
pub fn prompt_hidden(prompt: &str, missing: &str) -> Result<SecretBytes> {
    if !has_terminal() {
        bail!(Error::NoPassword(format!(
            "{missing}: {HOW_TO_PASS} (there is no terminal to prompt on)"
        )));
    }
    let typed = rpassword::prompt_password(prompt)
        .map_err(|e| Error::io("could not read from the terminal", e))?;
    let typed = SecretBytes::new(typed.into_bytes());
    if typed.is_empty() {
        bail!(Error::Invalid(format!("{missing}: nothing was typed")));
    }
    Ok(typed)
}
