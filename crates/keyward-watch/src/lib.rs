//! keyward's leak watcher: scans folders whole, then each file as it changes, and reports what
//! each holds. Used in-process by the agent (and so by the desktop app), and by `keyward watch
//! PATH...` in the foreground. It knows nothing of the vault: the agent hands it a matcher of
//! keyed fingerprints, and it works the same before any unlock (key formats only) and after the
//! agent locks.

mod engine;
mod sources;
mod watcher;

pub use engine::{Engine, FileScan, rank};
pub use sources::{editor_backup_roots, history_roots};
pub use watcher::{Root, Sink, WatchCounts, WatchEvent, WatchOptions, Watcher};
