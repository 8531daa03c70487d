//! The flags `run` and `env` share: which variables a command gets.

use std::path::PathBuf;

use anyhow::Result;
use keyward_core::inject::plan::Plan;
use keyward_core::project::Project;
use keyward_core::{Error, SecretBytes};

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
        Ok(plan.resolve(|names| crate::context::fetch(store.as_mut(), names, access.clone()))?)
    }
}
