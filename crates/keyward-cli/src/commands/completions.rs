//! `keyward completions bash|zsh|fish|elvish|powershell`: a completion script on stdout.

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    shell: clap_complete::Shell,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "keyward", &mut script);
    output::stdout_bytes(&script)?;
    Ok(ExitCode::SUCCESS)
}
