//! `keyward init`: create the vault.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::Vault;
use keyward_core::crypto::kdf::KdfParams;

use crate::context::Context;
use crate::{output, password};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Use tiny key-derivation costs. For tests only: every unlock of such a vault warns
    #[arg(long)]
    insecure_fast_kdf: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let path = ctx.home.vault_path();
    if path.exists() {
        return Err(keyward_core::Error::VaultExists(path).into());
    }
    let password = match &ctx.global.password_file {
        Some(file) => password::from_file(file, "password file")?,
        None => password::new_password(None, "New master password: ")?,
    };
    let (kdf, took) = if args.insecure_fast_kdf {
        (KdfParams::INSECURE_FAST, None)
    } else {
        output::note("calibrating the key derivation for this machine…");
        let (kdf, took) = KdfParams::calibrate()?;
        (kdf, Some(took))
    };
    ctx.home.ensure_exists()?;
    let vault = Vault::create(&path, &password, kdf, args.insecure_fast_kdf)?;
    output::note(&format!("created a vault at {}", vault.path().display()));
    match took {
        Some(took) => output::note(&format!(
            "key derivation: Argon2id, {} MiB, {} passes, {} lanes ({:.2} s per unlock here)",
            kdf.m_kib / 1024,
            kdf.t,
            kdf.p,
            took.as_secs_f64()
        )),
        None => output::warn("--insecure-fast-kdf: this vault is for tests only"),
    }
    Ok(ExitCode::SUCCESS)
}
