//! `keyward env [--format sh|fish|dotenv|json]`: the project's variables for `eval` or direnv.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::inject::format::{EnvFormat, format_env};

use crate::context::Context;
use crate::output;
use crate::project_args::ProjectArgs;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Sh,
    Fish,
    Dotenv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// How to print the variables
    #[arg(long, value_enum, default_value = "sh")]
    format: Format,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let vars = args
        .project
        .resolve(ctx, keyward_core::Access::new("env"))?;
    let format = match args.format {
        Format::Sh => EnvFormat::Sh,
        Format::Fish => EnvFormat::Fish,
        Format::Dotenv => EnvFormat::Dotenv,
        Format::Json => EnvFormat::Json,
    };
    let text = format_env(&vars, format)?;
    output::stdout_bytes(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
