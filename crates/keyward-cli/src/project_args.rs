//! The flags `run` and `env` share: which variables a command gets.

use std::path::PathBuf;

use anyhow::Result;
use keyward_core::inject::plan::Plan;
use keyward_core::project::Project;
use keyward_core::team;
use keyward_core::{Error, SecretBytes, SecretStore};

use crate::context::Context;

#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// A .env file of plain values and kw://NAME references; repeat for several (later files
    /// win over earlier ones and over keyward.toml)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Use [profiles.NAME.env] of keyward.toml on top of its [env]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Allow variables such as LD_PRELOAD or BASH_ENV, which make programs run other code
    #[arg(long)]
    pub allow_dangerous: bool,
}

impl ProjectArgs {
    /// Every variable with its value, fetched in one batch and recorded in the access log.
    pub fn resolve(
        &self,
        ctx: &Context,
        access: keyward_core::Access,
    ) -> Result<Vec<(String, SecretBytes)>> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::io("could not read the working directory", e))?;
        let project = Project::find(&cwd)?;
        let plan = Plan::build(
            project.as_ref(),
            self.profile.as_deref(),
            &self.env_files,
            &cwd,
        )?;
        plan.check_dangerous(self.allow_dangerous)?;
        if plan.vault_names().is_empty() {
            return Ok(plan.resolve(|_| Ok(Vec::new()))?);
        }
        let mut store = ctx.store()?;
        Ok(plan.resolve(|names| fetch_mixed(ctx, store.as_mut(), names, &access))?)
    }
}

/// The values of `names` in order: `team/TEAM/SECRET` ones from the team's storage, opened
/// with the member's identity; the others from the vault in one batch.
fn fetch_mixed(
    ctx: &Context,
    store: &mut dyn SecretStore,
    names: &[String],
    access: &keyward_core::Access,
) -> keyward_core::Result<Vec<SecretBytes>> {
    let is_team = |name: &String| {
        team::split_reference(name).is_some_and(|(t, _)| team::load(&ctx.home, t).is_ok())
    };
    let local: Vec<String> = names.iter().filter(|n| !is_team(n)).cloned().collect();
    let mut local_values = if local.is_empty() {
        Vec::new()
    } else {
        crate::context::fetch(store, &local, access.clone())?
    }
    .into_iter();
    let shared: Vec<&String> = names.iter().filter(|n| is_team(n)).collect();
    let identity = if shared.is_empty() {
        None
    } else {
        Some(team::identity::require(store, access)?)
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        match (team::split_reference(name), &identity) {
            (Some((team_name, secret)), Some(me)) if is_team(name) => {
                let item = team::Team::open(&ctx.home, team_name)?.get(secret, me)?;
                out.push(item.value.0);
            }
            _ => out.push(
                local_values
                    .next()
                    .ok_or_else(|| Error::NotFound(name.clone()))?,
            ),
        }
    }
    if !shared.is_empty() {
        let names: Vec<String> = shared.into_iter().cloned().collect();
        store.record(access, &names)?;
    }
    Ok(out)
}
