//! Team vaults: a shared set of secrets kept as age items, each sealed to the team's current
//! members, in storage the team already runs: a folder under git ([`folder`]) or etcd
//! ([`etcd`]). Values are sealed and opened on members' machines only; the storage sees
//! ciphertext, recipients and names. Each member's identity is an age X25519 key kept in their
//! own vault ([`identity`]). Writes are compare-and-swap, so two members never overwrite each
//! other; removing a member re-seals every item to the others and marks each for rotation.

pub mod backend;
pub mod etcd;
pub mod folder;
pub mod identity;
pub mod item;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::home::Home;
use crate::secret::SecretBytes;
use crate::team::backend::{Backend, Changed, Written};
use crate::team::item::{Item, member_lines};
use crate::time::Stamp;

/// Where a team's items live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    Folder {
        path: PathBuf,
    },
    Etcd {
        endpoints: Vec<String>,
        prefix: String,
    },
}

/// A team this home belongs to: `$KEYWARD_HOME/teams/NAME.json` (no secret in it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamConfig {
    pub name: String,
    pub storage: Storage,
}

/// How a secret of a team is named in `keyward.toml` and on the command line.
pub const PREFIX: &str = "team/";

/// `team/NAME/SECRET` split into the team's name and the secret's, if it is one.
pub fn split_reference(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(PREFIX)?;
    let (team, secret) = rest.split_once('/')?;
    (!team.is_empty() && !secret.is_empty()).then_some((team, secret))
}

pub fn validate_team_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphanumeric);
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName(format!(
            "invalid team name {name:?}: use lower-case letters, digits, - and _"
        )))
    }
}

fn config_path(home: &Home, name: &str) -> PathBuf {
    home.root().join("teams").join(format!("{name}.json"))
}

/// The teams this home belongs to.
pub fn list(home: &Home) -> Result<Vec<TeamConfig>> {
    let dir = home.root().join("teams");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("could not read {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(team) = name.strip_suffix(".json")
            && validate_team_name(team).is_ok()
        {
            out.push(load(home, team)?);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub fn load(home: &Home, name: &str) -> Result<TeamConfig> {
    validate_team_name(name)?;
    let path = config_path(home, name);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotFound(format!(
                "{PREFIX}{name} (no such team here; `keyward team join` adds one)"
            )));
        }
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    };
    serde_json::from_slice(&text).map_err(|e| {
        Error::Invalid(format!(
            "{} is not a team file ({})",
            path.display(),
            crate::error::json_category(&e)
        ))
    })
}

fn save(home: &Home, config: &TeamConfig) -> Result<()> {
    home.ensure_exists()?;
    let dir = home.root().join("teams");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    let text = serde_json::to_vec_pretty(config)
        .map_err(|e| Error::Invalid(format!("could not write the team file: {e}")))?;
    crate::fsutil::write_atomically(&config_path(home, &config.name), &text, None)
}

/// What `team ls` shows of an item: never its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemInfo {
    pub name: String,
    pub version: u64,
    pub updated: Stamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotate: Option<String>,
}

/// A team, opened: its configuration and its storage.
pub struct Team {
    pub config: TeamConfig,
    backend: Box<dyn Backend>,
}

impl std::fmt::Debug for Team {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Team")
            .field("config", &self.config)
            .finish()
    }
}

/// How many times a change that must reach every item (a member removed) is retried against
/// concurrent writers before giving up.
const RESEAL_TRIES: usize = 5;

impl Team {
    pub fn open(home: &Home, name: &str) -> Result<Team> {
        let config = load(home, name)?;
        Team::with_config(config)
    }

    fn with_config(config: TeamConfig) -> Result<Team> {
        let backend: Box<dyn Backend> = match &config.storage {
            Storage::Folder { path } => Box::new(folder::Folder::new(path)),
            Storage::Etcd { endpoints, prefix } => {
                Box::new(etcd::Etcd::connect(endpoints, prefix)?)
            }
        };
        Ok(Team { config, backend })
    }

    /// Starts a team in `storage` with `members` (recipient lines), and remembers it here.
    pub fn create(home: &Home, name: &str, storage: Storage, members: &str) -> Result<Team> {
        validate_team_name(name)?;
        item::recipients(members)?;
        let team = Team::with_config(TeamConfig {
            name: name.to_owned(),
            storage,
        })?;
        if team.backend.members()?.is_some() {
            return Err(Error::Invalid(format!(
                "{} already holds a team; `keyward team join` adds it here",
                team.backend.describe()
            )));
        }
        if team.backend.put_members(members, None)? == Written::Conflict {
            return Err(Error::Conflict(
                "another member started the team meanwhile; join it".into(),
            ));
        }
        save(home, &team.config)?;
        Ok(team)
    }

    /// Remembers a team someone started in `storage`.
    pub fn join(home: &Home, name: &str, storage: Storage) -> Result<Team> {
        validate_team_name(name)?;
        let team = Team::with_config(TeamConfig {
            name: name.to_owned(),
            storage,
        })?;
        if team.backend.members()?.is_none() {
            return Err(Error::NotFound(format!(
                "a team in {} (start one with `keyward team init`)",
                team.backend.describe()
            )));
        }
        save(home, &team.config)?;
        Ok(team)
    }

    /// The member list as stored: recipient lines.
    pub fn members(&self) -> Result<String> {
        Ok(self
            .backend
            .members()?
            .map(|(text, _)| text)
            .unwrap_or_default())
    }

    pub fn names(&self) -> Result<Vec<String>> {
        self.backend.names()
    }

    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// The item `secret`, opened with `identity`.
    pub fn get(&self, secret: &str, identity: &age::x25519::Identity) -> Result<Item> {
        let (bytes, _) = self
            .backend
            .read(secret)?
            .ok_or_else(|| Error::NotFound(format!("{PREFIX}{}/{secret}", self.config.name)))?;
        Item::open(secret, &bytes, identity)
    }

    /// Every item's version and state.
    pub fn list(&self, identity: &age::x25519::Identity) -> Result<Vec<ItemInfo>> {
        let mut out = Vec::new();
        for name in self.backend.names()? {
            let item = self.get(&name, identity)?;
            out.push(ItemInfo {
                name,
                version: item.version,
                updated: item.updated,
                rotate: item.rotate,
            });
        }
        Ok(out)
    }

    /// Gives `secret` a new value (a new item at version 1, else one more), sealed to the
    /// current members. Fails with [`Error::Conflict`] when another member wrote it since this
    /// read: nothing is overwritten.
    pub fn set(
        &self,
        secret: &str,
        value: &SecretBytes,
        identity: &age::x25519::Identity,
    ) -> Result<u64> {
        self.prepare_set(secret, value, identity)?.commit()
    }

    /// The first half of [`Team::set`]: reads the item and seals the new value, ready to be
    /// written if nobody writes the item first.
    pub fn prepare_set(
        &self,
        secret: &str,
        value: &SecretBytes,
        identity: &age::x25519::Identity,
    ) -> Result<PendingSet<'_>> {
        crate::names::validate_name(secret)?;
        crate::secret::check_value(value)?;
        let members = self.members()?;
        let current = self.backend.read(secret)?;
        let (version, expected) = match &current {
            Some((bytes, rev)) => (Item::open(secret, bytes, identity)?.version + 1, Some(*rev)),
            None => (1, None),
        };
        Ok(PendingSet {
            team: self,
            secret: secret.to_owned(),
            version,
            expected,
            sealed: Item::new(secret, version, value.clone()).seal(&members)?,
        })
    }

    /// Removes `secret` from the team.
    pub fn remove(&self, secret: &str) -> Result<()> {
        let (_, rev) = self
            .backend
            .read(secret)?
            .ok_or_else(|| Error::NotFound(format!("{PREFIX}{}/{secret}", self.config.name)))?;
        match self.backend.remove(secret, rev)? {
            Written::Done => Ok(()),
            Written::Conflict => Err(Error::Conflict(format!(
                "{PREFIX}{}/{secret} was changed by another member meanwhile; retry",
                self.config.name
            ))),
        }
    }

    /// Adds a member and re-seals every item so they can read it; returns how many.
    pub fn add_member(&self, recipient: &str, identity: &age::x25519::Identity) -> Result<usize> {
        let recipient = recipient.trim();
        crate::exchange::sealed::parse_recipient(recipient)?;
        self.change_members(
            identity,
            |lines| {
                if lines.iter().any(|l| l == recipient) {
                    return Err(Error::AlreadyExists(format!("member {recipient}")));
                }
                lines.push(recipient.to_owned());
                Ok(())
            },
            None,
        )
    }

    /// Removes a member, re-seals every item to the others (the removed key opens none of
    /// them any more) and marks each for rotation, since they could read it; returns how many.
    pub fn remove_member(
        &self,
        recipient: &str,
        identity: &age::x25519::Identity,
    ) -> Result<usize> {
        let recipient = recipient.trim().to_owned();
        let reason = format!(
            "{} left the team; it could read this value",
            short(&recipient)
        );
        self.change_members(
            identity,
            |lines| {
                let before = lines.len();
                lines.retain(|l| *l != recipient);
                if lines.len() == before {
                    return Err(Error::NotFound(format!("member {recipient}")));
                }
                if lines.is_empty() {
                    return Err(Error::Invalid("a team cannot lose its last member".into()));
                }
                Ok(())
            },
            Some(reason),
        )
    }

    fn change_members(
        &self,
        identity: &age::x25519::Identity,
        change: impl Fn(&mut Vec<String>) -> Result<()>,
        rotate: Option<String>,
    ) -> Result<usize> {
        let me = identity.to_public().to_string();
        let (text, rev) = self
            .backend
            .members()?
            .ok_or_else(|| Error::NotFound(format!("team {}", self.config.name)))?;
        let mut lines: Vec<String> = member_lines(&text).map(str::to_owned).collect();
        if !lines.contains(&me) {
            return Err(Error::Denied(format!(
                "only a member of {} can change its members",
                self.config.name
            )));
        }
        change(&mut lines)?;
        let new_text = format!("{}\n", lines.join("\n"));
        item::recipients(&new_text)?;
        // Items first, sealed to the new list: if this stops half-way, the old list still
        // names every reader of every item.
        let mut resealed = 0;
        for name in self.backend.names()? {
            self.reseal(&name, &new_text, identity, rotate.as_deref())?;
            resealed += 1;
        }
        match self.backend.put_members(&new_text, Some(rev))? {
            Written::Done => Ok(resealed),
            Written::Conflict => Err(Error::Conflict(format!(
                "the members of {} changed meanwhile; retry",
                self.config.name
            ))),
        }
    }

    fn reseal(
        &self,
        name: &str,
        members: &str,
        identity: &age::x25519::Identity,
        rotate: Option<&str>,
    ) -> Result<()> {
        for _ in 0..RESEAL_TRIES {
            let Some((bytes, rev)) = self.backend.read(name)? else {
                return Ok(());
            };
            let mut item = Item::open(name, &bytes, identity)?;
            if let Some(why) = rotate {
                item.rotate = Some(why.to_owned());
            }
            if self.backend.write(name, &item.seal(members)?, Some(rev))? == Written::Done {
                return Ok(());
            }
        }
        Err(Error::Conflict(format!(
            "{PREFIX}{}/{name} kept changing while it was re-sealed; retry",
            self.config.name
        )))
    }

    /// Calls `seen` for each change to the team until it returns `false`.
    pub fn watch(&self, seen: &mut dyn FnMut(Changed) -> bool) -> Result<()> {
        self.backend.watch(seen)
    }
}

/// A new value sealed and waiting to be written (see [`Team::prepare_set`]).
#[derive(Debug)]
pub struct PendingSet<'a> {
    team: &'a Team,
    secret: String,
    version: u64,
    expected: Option<backend::Revision>,
    sealed: Vec<u8>,
}

impl PendingSet<'_> {
    /// Writes the value if the item is still as it was read; returns its version. Fails with
    /// [`Error::Conflict`] when another member wrote it since: nothing is overwritten.
    pub fn commit(self) -> Result<u64> {
        match self
            .team
            .backend
            .write(&self.secret, &self.sealed, self.expected)?
        {
            Written::Done => Ok(self.version),
            Written::Conflict => Err(Error::Conflict(format!(
                "{PREFIX}{}/{} was changed by another member meanwhile; nothing was overwritten, retry",
                self.team.config.name, self.secret
            ))),
        }
    }
}

/// Team secrets to rotate now, and the teams that could not be read (with why).
pub type TeamRotations = (Vec<crate::rotation::Due>, Vec<(String, Error)>);

/// The team secrets marked "rotate now" (a member who could read them left), in every team of
/// this home, as `keyward due` lists them: reason `exposed`, the item's last change as `since`.
/// A team that cannot be read (etcd down) is reported in the second list, not fatal.
pub fn rotations_due(home: &Home, identity: &age::x25519::Identity) -> Result<TeamRotations> {
    let mut due = Vec::new();
    let mut unreadable = Vec::new();
    for config in list(home)? {
        let name = config.name.clone();
        let items = Team::with_config(config).and_then(|team| team.list(identity));
        match items {
            Ok(items) => due.extend(items.into_iter().filter(|i| i.rotate.is_some()).map(|i| {
                crate::rotation::Due {
                    name: format!("{PREFIX}{name}/{}", i.name),
                    reason: crate::rotation::DueReason::Exposed,
                    since: i.updated,
                    rotated: i.updated,
                    rotate_every: None,
                    expires: None,
                    exposed_in: None,
                    provider: None,
                    rotate_at: None,
                    used_in: Vec::new(),
                }
            })),
            Err(e) => unreadable.push((name, e)),
        }
    }
    Ok((due, unreadable))
}

/// A recipient shortened for messages: `age1abcd…wxyz`.
pub fn short(recipient: &str) -> String {
    let chars: Vec<char> = recipient.chars().collect();
    if chars.len() <= 16 {
        return recipient.to_owned();
    }
    let head: String = chars.iter().take(8).collect();
    let tail: String = chars.iter().skip(chars.len() - 6).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn folder_team(home: &Home, dir: &std::path::Path, members: &str) -> Team {
        Team::create(
            home,
            "core",
            Storage::Folder {
                path: dir.to_path_buf(),
            },
            members,
        )
        .unwrap()
    }

    #[test]
    fn members_share_items_and_a_removed_member_reads_none() {
        let tmp = tempfile::tempdir().unwrap();
        let (alice, bob) = (
            age::x25519::Identity::generate(),
            age::x25519::Identity::generate(),
        );
        let home_a = Home::at(tmp.path().join("a"));
        let home_b = Home::at(tmp.path().join("b"));
        let dir = tmp.path().join("shared");
        let team_a = folder_team(&home_a, &dir, &format!("{}\n", alice.to_public()));
        team_a
            .set("db", &SecretBytes::copy_from(b"v1"), &alice)
            .unwrap();
        assert_eq!(
            team_a
                .add_member(&bob.to_public().to_string(), &alice)
                .unwrap(),
            1
        );

        let team_b = Team::join(&home_b, "core", Storage::Folder { path: dir.clone() }).unwrap();
        assert_eq!(team_b.get("db", &bob).unwrap().value.0.expose(), b"v1");
        assert_eq!(
            team_b
                .set("db", &SecretBytes::copy_from(b"v2"), &bob)
                .unwrap(),
            2
        );
        assert_eq!(team_a.get("db", &alice).unwrap().value.0.expose(), b"v2");

        team_a
            .remove_member(&bob.to_public().to_string(), &alice)
            .unwrap();
        assert!(
            team_b.get("db", &bob).is_err(),
            "a removed member still reads"
        );
        let item = team_a.get("db", &alice).unwrap();
        assert!(item.rotate.unwrap().contains("left the team"));
        // A new value clears the flag.
        team_a
            .set("db", &SecretBytes::copy_from(b"v3"), &alice)
            .unwrap();
        assert!(team_a.get("db", &alice).unwrap().rotate.is_none());
    }

    #[test]
    fn a_stale_write_is_a_conflict_and_overwrites_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let alice = age::x25519::Identity::generate();
        let home = Home::at(tmp.path().join("a"));
        let dir = tmp.path().join("shared");
        let team = folder_team(&home, &dir, &format!("{}\n", alice.to_public()));
        team.set("db", &SecretBytes::copy_from(b"v1"), &alice)
            .unwrap();
        let (_, read_at) = team.backend.read("db").unwrap().unwrap();
        team.set("db", &SecretBytes::copy_from(b"v2"), &alice)
            .unwrap();
        let stale = Item::new("db", 2, SecretBytes::copy_from(b"lost"))
            .seal(&team.members().unwrap())
            .unwrap();
        assert_eq!(
            team.backend.write("db", &stale, Some(read_at)).unwrap(),
            Written::Conflict
        );
        assert_eq!(team.get("db", &alice).unwrap().value.0.expose(), b"v2");
    }

    #[test]
    fn references_and_names() {
        assert_eq!(
            split_reference("team/core/db/url"),
            Some(("core", "db/url"))
        );
        assert_eq!(split_reference("teams/core/db"), None);
        assert_eq!(split_reference("team/core"), None);
        assert!(validate_team_name("core-infra").is_ok());
        assert!(validate_team_name("../x").is_err());
        assert!(validate_team_name("Core").is_err());
    }
}
