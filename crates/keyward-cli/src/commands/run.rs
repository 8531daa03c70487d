//! `keyward run [--env-file F]... [--profile P] [--no-mask] -- CMD [ARGS]...`: run CMD with the
//! project's secrets in its environment only, masked in its output.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::inject::child::{ChildSpec, Outcome};
use keyward_core::inject::mask::{MIN_MASKED_LEN, Masker};

use crate::context::Context;
use crate::output;
use crate::project_args::ProjectArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    project: ProjectArgs,
    /// Do not mask secret values in the command's output (it then runs in keyward's place)
    #[arg(long)]
    no_mask: bool,
    /// The command and its arguments
    #[arg(
        value_name = "CMD",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<OsString>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut command = args.command.into_iter();
    let program = command.next().unwrap_or_default();
    // The access log names the program that gets the secrets, not its arguments.
    let program_name = std::path::Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let vars = args.project.resolve(
        ctx,
        keyward_core::Access::new("run").with_detail(program_name),
    )?;
    let spec = ChildSpec {
        program,
        args: command.collect(),
        vars,
    };
    if args.no_mask {
        return Err(spec.exec().into());
    }
    for (name, value) in &spec.vars {
        if value.len() < MIN_MASKED_LEN && !value.is_empty() {
            output::warn(&format!(
                "{name} is shorter than {MIN_MASKED_LEN} bytes and is not masked in the output"
            ));
        }
    }
    let masker = Masker::new(spec.vars.iter().map(|(_, v)| v.expose()))?;
    match spec.run_masked(masker)? {
        Outcome::Exited(code) => Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1))),
        Outcome::Signaled(signal) => {
            // Die of the same signal, so our parent sees what the child's would have.
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            Ok(ExitCode::from(
                u8::try_from((128 + signal) & 0xff).unwrap_or(1),
            ))
        }
    }
}
