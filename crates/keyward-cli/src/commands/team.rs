//! `keyward team ...`: team vaults. A team's secrets are age items sealed to its members, kept
//! in a folder under git or in etcd; each member opens them with the identity in their own
//! vault.
//! `keyward.toml` names them `team/TEAM/SECRET`, and `run`/`env` resolve them like local ones.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::team::{self, Storage, Team, identity};
use keyward_core::{Access, Error, SecretStore};

use crate::context::Context;
use crate::{input, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: TeamCommand,
}

/// Where a team lives: a folder, or an etcd cluster.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false, id = "place")]
struct Where {
    /// A folder (a git checkout, say): members.txt and secrets/NAME.age
    #[arg(long, value_name = "DIR", group = "place")]
    folder: Option<PathBuf>,
    /// An etcd endpoint (http://host:2379); repeat for a cluster
    #[arg(long = "etcd", value_name = "URL", group = "place")]
    etcd: Vec<String>,
    /// With --etcd: the key prefix of the team (default /keyward/teams/NAME)
    #[arg(long, value_name = "PREFIX", requires = "etcd")]
    prefix: Option<String>,
}

impl Where {
    fn storage(&self, team: &str) -> Result<Storage> {
        if let Some(folder) = &self.folder {
            let path = std::path::absolute(folder)
                .map_err(|e| Error::io(format!("could not resolve {}", folder.display()), e))?;
            return Ok(Storage::Folder { path });
        }
        Ok(Storage::Etcd {
            endpoints: self.etcd.clone(),
            prefix: self
                .prefix
                .clone()
                .unwrap_or_else(|| format!("/keyward/teams/{team}")),
        })
    }
}

#[derive(Debug, clap::Subcommand)]
enum TeamCommand {
    /// Print your public key (age1...), making your team identity on first use
    Whoami,
    /// Start a team: its members are the recipients in FILE (you are added if missing)
    Init {
        name: String,
        #[arg(long, value_name = "FILE")]
        recipients: PathBuf,
        #[command(flatten)]
        place: Where,
    },
    /// Add a team someone started to this home
    Join {
        name: String,
        #[command(flatten)]
        place: Where,
    },
    /// The teams this home belongs to
    List,
    /// A team's members (recipients)
    Members { team: String },
    /// Add a member and re-seal every secret to them
    AddMember { team: String, recipient: String },
    /// Remove a member: every secret is re-sealed without them and marked for rotation
    RmMember { team: String, recipient: String },
    /// Set a team secret TEAM/SECRET from stdin (or a hidden prompt)
    Set { name: String },
    /// Print a team secret's value
    Get { name: String },
    /// A team's secrets: versions and dates, never values
    Ls {
        team: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a team secret
    Rm { name: String },
    /// Print each change to a team as it happens, until interrupted
    Watch { team: String },
}

/// `TEAM/SECRET` (or `team/TEAM/SECRET`) split.
fn split(name: &str) -> Result<(&str, &str)> {
    let bare = name.strip_prefix(team::PREFIX).unwrap_or(name);
    bare.split_once('/')
        .filter(|(t, s)| !t.is_empty() && !s.is_empty())
        .ok_or_else(|| {
            Error::Invalid(format!("name a team secret as TEAM/SECRET, not {name}")).into()
        })
}

fn record(store: &mut dyn SecretStore, command: &str, names: &[String], detail: String) {
    if let Err(err) = store.record(&Access::new(command).with_detail(detail), names) {
        output::warn(&format!(
            "this change was not recorded in the access log: {err}"
        ));
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let home = &ctx.home;
    match args.command {
        TeamCommand::Whoami => {
            let mut store = ctx.store()?;
            let me = identity::load_or_create(store.as_mut(), &Access::new("team-whoami"))?;
            output::stdout_text(&format!("{}\n", me.to_public()))?;
        }
        TeamCommand::Init {
            name,
            recipients,
            place,
        } => {
            let mut members = std::fs::read_to_string(&recipients)
                .map_err(|e| Error::io(format!("could not read {}", recipients.display()), e))?;
            let mut store = ctx.store()?;
            let me = identity::load_or_create(store.as_mut(), &Access::new("team-init"))?
                .to_public()
                .to_string();
            for line in team::item::member_lines(&members) {
                keyward_core::exchange::sealed::parse_recipient(line)
                    .map_err(|e| Error::Invalid(format!("{}: {e}", recipients.display())))?;
            }
            if !team::item::member_lines(&members).any(|l| l == me) {
                if !members.is_empty() && !members.ends_with('\n') {
                    members.push('\n');
                }
                members.push_str(&format!("{me}\n"));
                output::note("you were not in the recipients file; added you");
            }
            let team = Team::create(home, &name, place.storage(&name)?, &members)?;
            let count = team::item::member_lines(&members).count();
            record(
                store.as_mut(),
                "team-init",
                &[],
                format!("{name} in {}", team.describe()),
            );
            output::note(&format!(
                "started team {name} in {} with {count} members",
                team.describe()
            ));
        }
        TeamCommand::Join { name, place } => {
            let team = Team::join(home, &name, place.storage(&name)?)?;
            let mut store = ctx.store()?;
            let me = identity::load_or_create(store.as_mut(), &Access::new("team-join"))?
                .to_public()
                .to_string();
            record(
                store.as_mut(),
                "team-join",
                &[],
                format!("{name} in {}", team.describe()),
            );
            if team::item::member_lines(&team.members()?).any(|l| l == me) {
                output::note(&format!("joined team {name} ({})", team.describe()));
            } else {
                output::warn(&format!(
                    "joined team {name}, but you are not a member yet: ask a member to run `keyward team add-member {name} {me}`"
                ));
            }
        }
        TeamCommand::List => {
            for config in team::list(home)? {
                let place = match &config.storage {
                    Storage::Folder { path } => path.display().to_string(),
                    Storage::Etcd { endpoints, prefix } => {
                        format!("etcd {} {prefix}", endpoints.join(","))
                    }
                };
                output::stdout_text(&format!("{}  {place}\n", config.name))?;
            }
        }
        TeamCommand::Members { team } => {
            let team = Team::open(home, &team)?;
            for line in team::item::member_lines(&team.members()?) {
                output::stdout_text(&format!("{line}\n"))?;
            }
        }
        TeamCommand::AddMember { team, recipient } => {
            let team = Team::open(home, &team)?;
            let mut store = ctx.store()?;
            let me = identity::require(store.as_mut(), &Access::new("team-add-member"))?;
            let n = team.add_member(&recipient, &me)?;
            record(
                store.as_mut(),
                "team-add-member",
                &[],
                format!("{} {}", team.config.name, team::short(&recipient)),
            );
            output::note(&format!(
                "added {} to {}; re-sealed {n} secrets",
                team::short(&recipient),
                team.config.name
            ));
        }
        TeamCommand::RmMember { team, recipient } => {
            let team = Team::open(home, &team)?;
            let mut store = ctx.store()?;
            let me = identity::require(store.as_mut(), &Access::new("team-rm-member"))?;
            let n = team.remove_member(&recipient, &me)?;
            record(
                store.as_mut(),
                "team-rm-member",
                &[],
                format!("{} {}", team.config.name, team::short(&recipient)),
            );
            output::note(&format!(
                "removed {} from {}; re-sealed {n} secrets without them, each marked to rotate now (`keyward team ls {}`)",
                team::short(&recipient),
                team.config.name,
                team.config.name
            ));
        }
        TeamCommand::Set { name } => {
            let (team_name, secret) = split(&name)?;
            let team = Team::open(home, team_name)?;
            let value = input::read_value(&name)?;
            let mut store = ctx.store()?;
            let me = identity::require(store.as_mut(), &Access::new("team-set"))?;
            let version = team.set(secret, &value, &me)?;
            let full = format!("{}{team_name}/{secret}", team::PREFIX);
            record(
                store.as_mut(),
                "team-set",
                std::slice::from_ref(&full),
                team.describe(),
            );
            output::note(&format!("set {full} (version {version})"));
        }
        TeamCommand::Get { name } => {
            let (team_name, secret) = split(&name)?;
            let team = Team::open(home, team_name)?;
            let mut store = ctx.store()?;
            let me = identity::require(store.as_mut(), &Access::new("team-get"))?;
            let item = team.get(secret, &me)?;
            let full = format!("{}{team_name}/{secret}", team::PREFIX);
            record(store.as_mut(), "team-get", &[full], team.describe());
            output::stdout_bytes(item.value.0.expose())?;
            if std::io::stdout().is_terminal() {
                output::stdout_bytes(b"\n")?;
            }
        }
        TeamCommand::Ls { team, json } => {
            let team = Team::open(home, &team)?;
            let mut store = ctx.store()?;
            let me = identity::require(store.as_mut(), &Access::new("team-ls"))?;
            let items = team.list(&me)?;
            if json {
                let text = serde_json::to_string_pretty(&items)
                    .map_err(|e| Error::Invalid(format!("could not print the list: {e}")))?;
                output::stdout_text(&format!("{text}\n"))?;
            } else {
                for item in &items {
                    let state = item
                        .rotate
                        .as_deref()
                        .map(|why| format!("  ROTATE NOW: {why}"))
                        .unwrap_or_default();
                    output::stdout_text(&format!(
                        "{}  v{}  {}{state}\n",
                        item.name, item.version, item.updated
                    ))?;
                }
            }
        }
        TeamCommand::Rm { name } => {
            let (team_name, secret) = split(&name)?;
            let team = Team::open(home, team_name)?;
            team.remove(secret)?;
            let mut store = ctx.store()?;
            let full = format!("{}{team_name}/{secret}", team::PREFIX);
            record(
                store.as_mut(),
                "team-rm",
                std::slice::from_ref(&full),
                team.describe(),
            );
            output::note(&format!("removed {full}"));
        }
        TeamCommand::Watch { team } => {
            let team = Team::open(home, &team)?;
            let name = team.config.name.clone();
            team.watch(&mut |changed| {
                let what = changed
                    .item
                    .map(|i| format!("{}{name}/{i}", team::PREFIX))
                    .unwrap_or_else(|| format!("the members of {name}"));
                let how = if changed.deleted {
                    "removed"
                } else {
                    "changed"
                };
                output::stdout_text(&format!("{what} {how}\n")).is_ok()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
