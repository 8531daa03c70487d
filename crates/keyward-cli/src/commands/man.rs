//! `keyward man`: the manual page (roff) on stdout, e.g. `keyward man > keyward.1`.

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;
use keyward_core::Error;

use crate::cli::Cli;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::io("could not render the manual page", e))?;
    output::stdout_bytes(&page)?;
    Ok(ExitCode::SUCCESS)
}
