//! Copies made by the app: marked for clipboard managers as a password (kept out of their
//! histories), and cleared after a while if the clipboard still holds the value. The app owns
//! the clipboard for as long as it runs, so X11 and Wayland keep serving the copy.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arboard::{Clipboard, SetExtLinux};
use keyward_core::{Error, Result};
use zeroize::Zeroizing;

#[derive(Default)]
pub struct Clipper {
    inner: Arc<Mutex<Option<Clipboard>>>,
    /// What the last copy put there, to clear it only if nothing else was copied since.
    last: Arc<Mutex<Option<Zeroizing<String>>>>,
}

impl std::fmt::Debug for Clipper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clipper")
    }
}

fn unavailable(err: arboard::Error) -> Error {
    Error::Invalid(format!("the clipboard is not available: {err}"))
}

impl Clipper {
    /// Puts `text` on the clipboard and clears it after `clear_after` unless replaced.
    pub fn copy(&self, text: Zeroizing<String>, clear_after: Duration) -> Result<()> {
        {
            let mut slot = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let clipboard = match slot.as_mut() {
                Some(clipboard) => clipboard,
                None => slot.insert(Clipboard::new().map_err(unavailable)?),
            };
            clipboard
                .set()
                .exclude_from_history()
                .text(text.as_str())
                .map_err(unavailable)?;
        }
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(text);
        let (inner, last) = (Arc::clone(&self.inner), Arc::clone(&self.last));
        std::thread::Builder::new()
            .name("keyward-clipboard-clear".into())
            .spawn(move || {
                std::thread::sleep(clear_after);
                clear_if_ours(&inner, &last);
            })
            .map_err(|e| Error::io("could not schedule the clipboard's clearing", e))?;
        Ok(())
    }

    /// Clears a copy of ours still on the clipboard (on lock and on quit).
    pub fn clear_now(&self) {
        clear_if_ours(&self.inner, &self.last);
    }
}

fn clear_if_ours(inner: &Mutex<Option<Clipboard>>, last: &Mutex<Option<Zeroizing<String>>>) {
    let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(ours) = last.as_ref() else { return };
    let mut slot = inner.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(clipboard) = slot.as_mut() {
        let current = clipboard.get_text().map(Zeroizing::new);
        if current.is_ok_and(|c| c.as_str() == ours.as_str()) {
            let _ = clipboard.clear();
        }
    }
    *last = None;
}
