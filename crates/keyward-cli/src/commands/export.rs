//! `keyward export [NAME]... [--tag T]... [--all] --to FILE [--recipient R]...
//! [--recipients-file F]... [--passphrase-file F] [--armor]`: an age file of the chosen secrets
//! with their metadata and every past value, for a teammate's or another machine's
//! `keyward import` (or `age -d`). Sealed to the recipients given, else to a passphrase.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::exchange::sealed::{self, SealTo};
use keyward_core::exchange::transfer::{self, Selection};
use keyward_core::{Access, Error};

use crate::context::Context;
use crate::{output, password};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Secrets to export
    names: Vec<String>,
    /// Also every secret with this tag
    #[arg(long = "tag", value_name = "T")]
    tags: Vec<String>,
    /// Every secret in the vault
    #[arg(long)]
    all: bool,
    /// The file to write (mode 0600)
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    /// Who can open it: an age1... key, or an ssh-ed25519 or ssh-rsa public key line
    #[arg(long = "recipient", short = 'r', value_name = "R")]
    recipients: Vec<String>,
    /// A file of recipients, one a line (as `age -R` reads it)
    #[arg(long = "recipients-file", short = 'R', value_name = "F")]
    recipients_files: Vec<PathBuf>,
    /// Without recipients: the passphrase's file (first line), else it is asked twice
    #[arg(long, value_name = "F")]
    passphrase_file: Option<PathBuf>,
    /// Write ASCII armor (-----BEGIN AGE ENCRYPTED FILE-----) for pasting
    #[arg(long)]
    armor: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut recipients = Vec::new();
    for text in &args.recipients {
        recipients.push(sealed::parse_recipient(text)?);
    }
    for file in &args.recipients_files {
        recipients.extend(sealed::read_recipients_file(file)?);
    }
    let count = recipients.len();
    let to = if recipients.is_empty() {
        SealTo::Passphrase(match &args.passphrase_file {
            Some(path) => password::from_file(path, "passphrase file")?,
            None if !password::has_terminal() => {
                return Err(Error::Invalid(
                    "no recipient given and no terminal to ask a passphrase on: pass --recipient R or --passphrase-file F".into(),
                )
                .into());
            }
            None => password::new_password(None, "Passphrase for the export: ")?,
        })
    } else {
        if args.passphrase_file.is_some() {
            return Err(Error::Invalid("give recipients or a passphrase, not both".into()).into());
        }
        SealTo::Recipients(recipients)
    };

    let mut store = ctx.store()?;
    let names = transfer::select(
        store.as_mut(),
        &Selection {
            names: args.names,
            tags: args.tags,
            all: args.all,
        },
    )?;
    let whom = match count {
        0 => "a passphrase".to_owned(),
        1 => "1 recipient".to_owned(),
        n => format!("{n} recipients"),
    };
    let access = Access::new("export").with_detail(format!("{} for {whom}", args.to.display()));
    let (document, unrecorded) = transfer::collect(store.as_mut(), &names, &access)?;
    if let Some(err) = unrecorded {
        output::warn(&format!(
            "the access log could not record this export: {err}"
        ));
    }
    let plain = document.to_bytes()?;
    let sealed = sealed::seal(&plain, &to, args.armor)?;
    keyward_core::fsutil::write_atomically(&args.to, &sealed, None)?;
    let past: usize = document
        .secrets
        .iter()
        .map(|s| s.versions.len().saturating_sub(1))
        .sum();
    output::note(&format!(
        "exported {} secrets ({past} past values) to {}, for {whom}: {}",
        names.len(),
        args.to.display(),
        names.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}
