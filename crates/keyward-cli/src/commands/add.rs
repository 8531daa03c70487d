//! `keyward add NAME`: store a new secret. The value comes from stdin or a hidden prompt.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::NewEntry;
use keyward_core::catalog::Catalog;
use keyward_core::names::validate_name;
use keyward_core::policy::RotateEvery;

use super::parse;
use crate::context::Context;
use crate::{input, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The secret's name: letters, digits and _ . - / @ +
    name: String,
    /// How often it should be rotated: 90d, 12w, 1y
    #[arg(long, value_name = "INTERVAL", value_parser = parse::rotate_every)]
    rotate_every: Option<RotateEvery>,
    /// The day it stops working, YYYY-MM-DD
    #[arg(long, value_name = "DATE", value_parser = parse::expiry)]
    expires: Option<jiff::civil::Date>,
    /// A tag; repeat for several
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    keyward_core::names::normalize_tags(&args.tags)?;
    let mut vault = ctx.store()?;
    let value = input::read_value(&args.name)?;
    let provider = Catalog::builtin()?.identify(&args.name, value.expose());
    let rotate_every = args.rotate_every.or(provider.map(|p| p.rotate_every));
    let entry = vault.add(
        &args.name,
        &value,
        NewEntry {
            tags: args.tags,
            note: None,
            rotate_every,
            expires: args.expires,
            provider: provider.map(|p| p.id.clone()),
        },
    )?;
    output::note(&format!("added {}", entry.name));
    if let Some(p) = provider {
        let interval = match args.rotate_every {
            Some(_) => String::new(),
            None => format!(
                "; rotate every {} by default (change it with `keyward set {} --rotate-every`)",
                p.rotate_every, entry.name
            ),
        };
        let page = if p.manage.is_empty() {
            String::new()
        } else {
            format!("; keys are managed at {}", p.manage)
        };
        output::note(&format!(
            "{} looks like {}'s{interval}{page}",
            entry.name, p.name
        ));
    }
    Ok(ExitCode::SUCCESS)
}
