//! `keyward copy NAME [--clear-after 30s]`: put a value on the clipboard, marked as a password
//! for clipboard managers, and clear it after a while if it still holds that value.
//!
//! On X11 and Wayland the clipboard is served by the process that set it, so a small background
//! keyward (`clipboard-hold`) serves the value, given to it on a pipe, never in argv.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use arboard::{Clipboard, SetExtLinux};
use keyward_core::names::validate_name;
use keyward_core::secret::MAX_VALUE_LEN;
use keyward_core::{Error, SecretBytes};

use crate::commands::parse;
use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
    /// Clear the clipboard after this long, if it still holds the value: 30s, 2m
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse::duration)]
    clear_after: Duration,
}

#[derive(Debug, clap::Args)]
pub struct HoldArgs {
    #[arg(long, value_parser = parse::duration)]
    clear_after: Duration,
}

/// The byte the holder writes once the clipboard is set.
const READY: u8 = b'+';

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let value = crate::context::fetch(
        ctx.store()?.as_mut(),
        std::slice::from_ref(&args.name),
        "copy",
    )?
    .into_iter()
    .next()
    .ok_or_else(|| Error::NotFound(args.name.clone()))?;
    if std::str::from_utf8(value.expose()).is_err() {
        bail!(Error::Invalid(format!(
            "'{}' is not text and cannot go on the clipboard; use `keyward get`",
            args.name
        )));
    }
    let exe =
        std::env::current_exe().map_err(|e| Error::io("could not find the keyward binary", e))?;
    let mut holder = Command::new(exe)
        .arg("clipboard-hold")
        .arg("--clear-after")
        .arg(format!("{}s", args.clear_after.as_secs()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| Error::io("could not start the clipboard holder", e))?;
    if let Some(mut stdin) = holder.stdin.take() {
        stdin
            .write_all(value.expose())
            .map_err(|e| Error::io("could not hand the value to the clipboard holder", e))?;
    }
    let mut ready = [0u8; 1];
    let got = holder.stdout.take().map(|mut out| out.read(&mut ready));
    if !matches!(got, Some(Ok(1))) || ready[0] != READY {
        let mut why = String::new();
        if let Some(mut err) = holder.stderr.take() {
            let _ = err.read_to_string(&mut why);
        }
        let _ = holder.wait();
        bail!(Error::Invalid(format!(
            "could not set the clipboard: {}",
            why.trim().trim_start_matches("keyward: ")
        )));
    }
    output::note(&format!(
        "copied {} to the clipboard; it is cleared in {}",
        args.name,
        parse::format_duration(args.clear_after)
    ));
    Ok(ExitCode::SUCCESS)
}

/// The background holder: serves the value from stdin until `clear_after` has passed or
/// something else was copied, then clears the clipboard if it still holds the value.
pub fn hold(args: HoldArgs) -> Result<ExitCode> {
    let value = SecretBytes::read_limited(&mut std::io::stdin().lock(), MAX_VALUE_LEN, "value")?;
    let text = std::str::from_utf8(value.expose())
        .map_err(|_| Error::Invalid("the value is not text".into()))?
        .to_owned();
    let deadline = Instant::now() + args.clear_after;
    let clipboard_error = |e: arboard::Error| Error::Invalid(format!("{e}"));
    let mut clipboard = Clipboard::new().map_err(clipboard_error)?;
    let server = std::thread::spawn(move || -> Result<(), arboard::Error> {
        let text = zeroize::Zeroizing::new(text);
        let mut clipboard = Clipboard::new()?;
        clipboard
            .set()
            .exclude_from_history()
            .wait_until(deadline)
            .text(text.to_string())
    });
    // Tell the parent once the clipboard really holds the value.
    let started = Instant::now();
    loop {
        if clipboard
            .get_text()
            .is_ok_and(|t| zeroize::Zeroizing::new(t).as_bytes() == value.expose())
        {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&[READY]).and_then(|()| out.flush());
            break;
        }
        if server.is_finished() || started.elapsed() > Duration::from_secs(5) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    match server.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => bail!(clipboard_error(e)),
        Err(_) => bail!(Error::Invalid("the clipboard thread failed".into())),
    }
    if clipboard
        .get_text()
        .is_ok_and(|t| zeroize::Zeroizing::new(t).as_bytes() == value.expose())
    {
        let _ = clipboard.clear();
    }
    Ok(ExitCode::SUCCESS)
}
