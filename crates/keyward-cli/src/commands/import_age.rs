//! `keyward import` of an age file: a keyward export (secrets, metadata, history) or a `.env`
//! file sealed with `age`, opened with `--identity` files or a passphrase. The file is left as
//! it is; nothing changes on a conflict unless `--overwrite`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::exchange::document::{self, Contents};
use keyward_core::exchange::sealed::{self, OpenWith};
use keyward_core::exchange::transfer::{self, Incoming};
use keyward_core::inject::reference;
use keyward_core::{Access, Error, SecretBytes};

use crate::context::Context;
use crate::{output, password};

/// Sealed files larger than this are not read (a bounded read keeps a wrong path harmless).
const MAX_SEALED: u64 = 128 * 1024 * 1024;

/// Whether `path` starts like an age file (binary or armored).
pub fn is_age_file(path: &Path) -> Result<bool> {
    let mut head = [0u8; 64];
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    let n = file
        .read(&mut head)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    Ok(sealed::is_age(head.get(..n).unwrap_or_default()))
}

pub fn run(
    ctx: &Context,
    path: &Path,
    prefix: &str,
    overwrite: bool,
    identities: &[PathBuf],
    passphrase_file: Option<&Path>,
) -> Result<ExitCode> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SEALED + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    if bytes.len() as u64 > MAX_SEALED {
        return Err(Error::Invalid(format!("{} is larger than 128 MiB", path.display())).into());
    }
    let with = if !identities.is_empty() {
        let mut all = Vec::new();
        for file in identities {
            all.extend(sealed::read_identity_file(file)?);
        }
        OpenWith::Identities(all)
    } else if sealed::needs_passphrase(&bytes)? {
        OpenWith::Passphrase(match passphrase_file {
            Some(file) => password::from_file(file, "passphrase file")?,
            None => password::prompt_hidden(
                "Passphrase of the file: ",
                "the file is sealed to a passphrase (--passphrase-file F)",
            )?,
        })
    } else {
        return Err(Error::Invalid(format!(
            "{} is sealed to recipients: pass --identity with the matching key",
            path.display()
        ))
        .into());
    };
    let plain = sealed::open(&bytes, &with).map_err(|e| match e {
        Error::Invalid(why) => Error::Invalid(format!("{}: {why}", path.display())),
        other => other,
    })?;
    let incoming = match document::parse(&plain)? {
        Contents::Export(doc) => Incoming::from_document(doc)
            .into_iter()
            .map(|mut s| {
                s.name = format!("{prefix}{}", s.name);
                s
            })
            .collect(),
        Contents::DotEnv(env) => env
            .assignments
            .iter()
            .filter(|a| {
                !a.value.is_empty()
                    && std::str::from_utf8(a.value.expose())
                        .ok()
                        .and_then(reference::parse)
                        .is_none()
            })
            .map(|a| Incoming {
                name: format!("{prefix}{}", a.key),
                values: vec![SecretBytes::copy_from(a.value.expose())],
                metadata: None,
            })
            .collect::<Vec<_>>(),
    };
    if incoming.is_empty() {
        output::note(&format!(
            "{} holds no values; nothing to import",
            path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = ctx.store()?;
    let access = Access::new("import").with_detail(path.display().to_string());
    let report = transfer::import(store.as_mut(), incoming, overwrite, &access)?;
    let changed: Vec<String> = report
        .added
        .iter()
        .chain(&report.replaced)
        .cloned()
        .collect();
    if !changed.is_empty() {
        store.record(&access, &changed)?;
    }
    output::note(&format!(
        "imported from {}: {} added, {} replaced, {} already there{}",
        path.display(),
        report.added.len(),
        report.replaced.len(),
        report.unchanged.len(),
        if changed.is_empty() {
            String::new()
        } else {
            format!(": {}", changed.join(", "))
        }
    ));
    Ok(ExitCode::SUCCESS)
}
