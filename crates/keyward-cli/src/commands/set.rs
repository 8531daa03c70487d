//! `keyward set NAME`: change a secret's metadata (tags, note, rotation interval, expiry).

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::EntryChanges;
use keyward_core::names::validate_name;
use keyward_core::policy::RotateEvery;

use super::parse::{self, OrNever};
use crate::context::Context;
use crate::{input, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
    /// How often it should be rotated (90d, 12w, 1y), or `never`
    #[arg(long, value_name = "INTERVAL", value_parser = parse::rotate_every_or_never)]
    rotate_every: Option<OrNever<RotateEvery>>,
    /// Who issued it, from the provider catalog (stripe, aws, github, ...), or `never` to clear
    #[arg(long, value_name = "PROVIDER", value_parser = parse::provider_or_never)]
    provider: Option<OrNever<String>>,
    /// The day it stops working (YYYY-MM-DD), or `never`
    #[arg(long, value_name = "DATE", value_parser = parse::expiry_or_never)]
    expires: Option<OrNever<jiff::civil::Date>>,
    /// Replace the tags with these; repeat for several
    #[arg(long = "tag", value_name = "TAG", conflicts_with = "clear_tags")]
    tags: Vec<String>,
    /// Remove every tag
    #[arg(long)]
    clear_tags: bool,
    /// Read the note from stdin
    #[arg(long, conflicts_with = "clear_note")]
    note_stdin: bool,
    /// Remove the note
    #[arg(long)]
    clear_note: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let changes = EntryChanges {
        tags: if args.clear_tags {
            Some(Vec::new())
        } else if args.tags.is_empty() {
            None
        } else {
            Some(args.tags)
        },
        note: if args.clear_note {
            Some(None)
        } else if args.note_stdin {
            Some(Some(input::read_note()?))
        } else {
            None
        },
        rotate_every: args.rotate_every.map(|OrNever(v)| v),
        expires: args.expires.map(|OrNever(v)| v),
        snoozed_until: None,
        provider: args.provider.map(|OrNever(v)| v),
    };
    if changes.is_empty() {
        return Err(keyward_core::Error::Invalid(
            "nothing to change: give --tag, --clear-tags, --note-stdin, --clear-note, --rotate-every or --expires".into(),
        )
        .into());
    }
    let mut vault = ctx.store()?;
    let entry = vault.update(&args.name, changes)?;
    output::note(&format!("updated {}", entry.name));
    Ok(ExitCode::SUCCESS)
}
