//! `keyward import FILE [--prefix P] [--overwrite] [--identity F]... [--passphrase-file F]`.
//!
//! A `.env` file is rescued: each value is stored in the vault and the file is rewritten with
//! `kw://` references in their place (comments, order and quoting kept), so it can be committed
//! and `keyward run --env-file FILE` gives the same values. An age file (told by its header) is
//! opened with the identities or the passphrase and its secrets brought in: a keyward export
//! with metadata and history, or a `.env` file someone sealed with `age`; the file is left as
//! it is. Either way, a name the vault holds with another value stops the import before
//! anything changes, unless `--overwrite`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use keyward_core::inject::dotenv::DotEnv;
use keyward_core::inject::reference;
use keyward_core::names::validate_name;
use keyward_core::secret::ct_eq;
use keyward_core::{Error, NewEntry};

use crate::context::Context;
use crate::output;

const MAX_ENV_FILE: usize = 4 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The .env file to rescue
    file: PathBuf,
    /// Put this before each variable's name to make its entry's name, e.g. `myapp/`
    #[arg(long, value_name = "PREFIX", default_value = "")]
    prefix: String,
    /// Replace secrets the vault holds with other values (their old values stay in history)
    #[arg(long)]
    overwrite: bool,
    /// An age file: an identity file to open it with (age's, or an OpenSSH private key)
    #[arg(long = "identity", short = 'i', value_name = "F")]
    identities: Vec<PathBuf>,
    /// An age file sealed to a passphrase: the passphrase's file (first line), else it is asked
    #[arg(long, value_name = "F")]
    passphrase_file: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if crate::commands::import_age::is_age_file(&args.file)? {
        return crate::commands::import_age::run(
            ctx,
            &args.file,
            &args.prefix,
            args.overwrite,
            &args.identities,
            args.passphrase_file.as_deref(),
        );
    }
    if !args.identities.is_empty() || args.passphrase_file.is_some() {
        bail!(Error::Invalid(format!(
            "{} is not an age file; --identity and --passphrase-file open age files",
            args.file.display()
        )));
    }
    let env = DotEnv::read(&args.file, MAX_ENV_FILE)?;
    // Assignment index -> entry name, for every value that is not already a reference.
    let mut targets: BTreeMap<usize, String> = BTreeMap::new();
    for (i, a) in env.assignments.iter().enumerate() {
        let is_reference = std::str::from_utf8(a.value.expose())
            .ok()
            .and_then(reference::parse)
            .is_some();
        if a.value.is_empty() || is_reference {
            continue;
        }
        let name = format!("{}{}", args.prefix, a.key);
        validate_name(&name)
            .map_err(|e| Error::Invalid(format!("{}:{}: {e}", args.file.display(), a.line)))?;
        targets.insert(i, name);
    }
    if targets.is_empty() {
        output::note(&format!(
            "{} holds no plain values; nothing to import",
            args.file.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }

    let mut store = ctx.store()?;
    // Check every name before changing anything: an entry that exists with the same value is
    // reused (a second import is harmless); one with another value stops the import.
    let mut new = Vec::new();
    let mut conflicts = Vec::new();
    for (&i, name) in &targets {
        let value = &env
            .assignments
            .get(i)
            .ok_or_else(|| Error::Invalid("lost an assignment".into()))?
            .value;
        match store.entry(name) {
            Ok(_) => {
                let existing =
                    crate::context::fetch(store.as_mut(), std::slice::from_ref(name), "import")?;
                if !existing
                    .first()
                    .is_some_and(|v| ct_eq(v.expose(), value.expose()))
                {
                    conflicts.push(name.clone());
                }
            }
            Err(Error::NotFound(_)) => new.push(i),
            Err(e) => return Err(e.into()),
        }
    }
    if !conflicts.is_empty() && !args.overwrite {
        bail!(Error::Invalid(format!(
            "the vault already has {} with different values; nothing was changed (--prefix imports under other names, --overwrite replaces them)",
            conflicts.join(", ")
        )));
    }
    for name in &conflicts {
        let Some((&i, _)) = targets.iter().find(|(_, n)| *n == name) else {
            continue;
        };
        if let Some(a) = env.assignments.get(i) {
            store.rotate(name, &a.value)?;
        }
    }
    let note = format!("imported from {}", args.file.display());
    for i in new {
        let (Some(a), Some(name)) = (env.assignments.get(i), targets.get(&i)) else {
            continue;
        };
        store.add(
            name,
            &a.value,
            NewEntry {
                note: Some(note.clone()),
                ..NewEntry::default()
            },
        )?;
    }
    let rewritten = env.rewrite(|i| targets.get(&i).map(|name| reference::format(name)));
    replace_file(&args.file, rewritten.as_bytes())?;
    let names: Vec<String> = targets.values().cloned().collect();
    store.record(&"import".into(), &names)?;
    output::note(&format!(
        "stored {} values and rewrote {} with kw:// references: {}",
        names.len(),
        args.file.display(),
        names.join(", ")
    ));
    output::warn(&format!(
        "if {} was ever committed, git history still holds the old values: rotate those keys",
        args.file.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Replaces `path` atomically, keeping its permissions.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    keyward_core::fsutil::write_atomically(path, bytes, Some(meta.permissions()))?;
    Ok(())
}
