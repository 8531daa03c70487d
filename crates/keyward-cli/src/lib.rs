//! `keyward`: the command-line shell over keyward-core. Parsing, prompting and printing live
//! here; everything that touches the vault lives in the core.
//!
//! A library with one entry point, so the end-to-end test crate can build the very same program
//! as its own binary and always test the current code.

mod cli;
mod commands;
mod context;
mod input;
mod matcher;
mod output;
mod password;
mod project_args;

use std::process::ExitCode;

use clap::Parser;

/// The whole `keyward` program.
pub fn main() -> ExitCode {
    // Before anything can hold a key: no core dumps, no ptrace, private files.
    let hardening = keyward_core::hardening::harden_process();
    install_panic_hook();
    let cli = cli::Cli::parse();
    for failure in hardening.failures {
        output::warn(&failure);
    }
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            output::error(&format!("{err:#}"));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The contract's exit code for an error: the core error's own, else 2.
fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<keyward_core::Error>())
        .map_or(2, keyward_core::Error::exit_code)
}

/// A panic is a bug; its message could in principle hold data, so only the location is shown.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        output::error(&format!(
            "internal error{location}; this is a bug in keyward, please report it"
        ));
    }));
}
