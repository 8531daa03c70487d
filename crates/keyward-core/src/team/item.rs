//! One shared secret as a team stores it: a small JSON document (name, value, version, when,
//! and whether it must be rotated now) sealed in an armored age file to every member.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::exchange::sealed::{self, OpenWith, SealTo};
use crate::secret::{SecretBytes, WireSecret};
use crate::time::Stamp;

const FORMAT: &str = "keyward-team-item";

#[derive(Debug, Serialize, Deserialize)]
pub struct Item {
    pub format: String,
    pub name: String,
    /// 1 when first set, one more at each change of value.
    pub version: u64,
    pub updated: Stamp,
    pub value: WireSecret,
    /// Why it must be rotated now (a member who could read it left); cleared by a new value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate: Option<String>,
}

impl Item {
    pub fn new(name: &str, version: u64, value: SecretBytes) -> Item {
        Item {
            format: FORMAT.to_owned(),
            name: name.to_owned(),
            version,
            updated: Stamp::now(),
            value: WireSecret(value),
            rotate: None,
        }
    }

    /// Seals the item to every recipient in `members` (one a line, as `age -R` reads them).
    pub fn seal(&self, members: &str) -> Result<Vec<u8>> {
        let mut json = Zeroizing::new(Vec::with_capacity(self.value.0.len() * 2 + 512));
        serde_json::to_writer(&mut *json, self)
            .map_err(|e| Error::Invalid(format!("could not write {}: {e}", self.name)))?;
        sealed::seal(&json, &SealTo::Recipients(recipients(members)?), true)
    }

    /// Opens a sealed item with the member's identity and checks it is the one asked for.
    pub fn open(name: &str, bytes: &[u8], identity: &age::x25519::Identity) -> Result<Item> {
        let with = OpenWith::Identities(vec![Box::new(identity.clone())]);
        let plain = sealed::open(bytes, &with).map_err(|e| match e {
            Error::Invalid(why) => Error::Invalid(format!("team item {name}: {why}")),
            other => other,
        })?;
        let item: Item = serde_json::from_slice(&plain).map_err(|e| {
            Error::Invalid(format!(
                "team item {name} is not a keyward item ({})",
                crate::error::json_category(&e)
            ))
        })?;
        if item.format != FORMAT || item.name != name {
            // A file renamed or copied over another: its content must not pass for the other.
            return Err(Error::Invalid(format!(
                "team item {name} holds another item ({})",
                item.name
            )));
        }
        Ok(item)
    }
}

/// The recipients of a member list: one a line, `#` comments and blank lines skipped.
pub fn recipients(members: &str) -> Result<Vec<Box<dyn age::Recipient + Send>>> {
    let mut out = Vec::new();
    for line in member_lines(members) {
        out.push(sealed::parse_recipient(line)?);
    }
    if out.is_empty() {
        return Err(Error::Invalid("the team has no members".into()));
    }
    Ok(out)
}

/// The member lines of a list, without comments and blanks.
pub fn member_lines(members: &str) -> impl Iterator<Item = &str> {
    members
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_item_opens_for_members_only_and_only_under_its_own_name() {
        let alice = age::x25519::Identity::generate();
        let bob = age::x25519::Identity::generate();
        let eve = age::x25519::Identity::generate();
        let members = format!("# team\n{}\n{}\n", alice.to_public(), bob.to_public());
        let sealed = Item::new("db/password", 1, SecretBytes::copy_from(b"pw"))
            .seal(&members)
            .unwrap();
        assert!(sealed.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
        for who in [&alice, &bob] {
            let item = Item::open("db/password", &sealed, who).unwrap();
            assert_eq!(item.value.0.expose(), b"pw");
        }
        assert!(Item::open("db/password", &sealed, &eve).is_err());
        let err = Item::open("api/key", &sealed, &alice)
            .unwrap_err()
            .to_string();
        assert!(err.contains("another item"), "{err}");
    }
}
