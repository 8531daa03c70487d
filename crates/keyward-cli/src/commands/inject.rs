//! `keyward inject -i TEMPLATE [-o OUT] [--force]`: fill `{{ kw://NAME }}` placeholders.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::inject::{output_file, template};
use keyward_core::{Error, SecretBytes};

use crate::context::Context;
use crate::output;

/// Templates are config files; this bounds what a wrong path can make us read.
const MAX_TEMPLATE: usize = 4 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The template; `-` reads stdin
    #[arg(short = 'i', long = "in-file", value_name = "TEMPLATE")]
    template: PathBuf,
    /// Where to write the result (mode 0600); stdout when absent
    #[arg(short = 'o', long = "out-file", value_name = "OUT")]
    out: Option<PathBuf>,
    /// Replace OUT even if keyward did not write it
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let text = read_template(&args.template)?;
    let names = template::names(&text)
        .map_err(|e| Error::Invalid(format!("{}: {e}", args.template.display())))?;
    let values = if names.is_empty() {
        Vec::new()
    } else {
        crate::context::fetch(ctx.store()?.as_mut(), &names, "inject")?
    };
    let values: Vec<(String, SecretBytes)> = names.into_iter().zip(values).collect();
    let rendered = template::render(&text, &values)?;
    match &args.out {
        Some(out) => {
            output_file::write_output(ctx.home.root(), out, &rendered, args.force)?;
            output::note(&format!(
                "wrote {} ({} secrets)",
                out.display(),
                values.len()
            ));
        }
        None => output::stdout_bytes(&rendered)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn read_template(path: &PathBuf) -> Result<String> {
    let bytes = if path.as_os_str() == "-" {
        SecretBytes::read_limited(
            &mut std::io::stdin().lock(),
            MAX_TEMPLATE,
            "template on stdin",
        )?
    } else {
        let mut file = std::fs::File::open(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        SecretBytes::read_limited(&mut file, MAX_TEMPLATE, &path.display().to_string())?
    };
    Ok(std::str::from_utf8(bytes.expose())
        .map_err(|_| Error::Invalid(format!("{} is not UTF-8 text", path.display())))?
        .to_owned())
}
