//! Where a team keeps its sealed items and its member list. Every write is a compare-and-swap
//! on the revision the writer read, so two members never overwrite each other: the slower one
//! is told to retry.

use crate::error::Result;

/// A version of a stored object as its backend counts them: etcd's mod revision, or a hash of a
/// file's bytes. Only ever compared for equality.
pub type Revision = u64;

/// The outcome of a compare-and-swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Done,
    /// Someone else wrote first: read again and retry.
    Conflict,
}

/// One change seen by [`Backend::watch`]: the item's name, or `None` for the member list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub item: Option<String>,
    pub deleted: bool,
}

pub trait Backend {
    /// The members' age recipients, one a line as `age -R` reads them, and its revision.
    fn members(&self) -> Result<Option<(String, Revision)>>;
    /// Replaces the member list if it is still at `expected` (`None`: if there is none yet).
    fn put_members(&self, text: &str, expected: Option<Revision>) -> Result<Written>;
    /// The items' names, sorted.
    fn names(&self) -> Result<Vec<String>>;
    /// An item's sealed bytes and revision.
    fn read(&self, name: &str) -> Result<Option<(Vec<u8>, Revision)>>;
    /// Writes an item if it is still at `expected` (`None`: if it does not exist yet).
    fn write(&self, name: &str, sealed: &[u8], expected: Option<Revision>) -> Result<Written>;
    /// Removes an item if it is still at `expected`.
    fn remove(&self, name: &str, expected: Revision) -> Result<Written>;
    /// Calls `seen` for each change until it returns `false`.
    fn watch(&self, seen: &mut dyn FnMut(Changed) -> bool) -> Result<()>;
    /// Where the team lives, for messages.
    fn describe(&self) -> String;
}
