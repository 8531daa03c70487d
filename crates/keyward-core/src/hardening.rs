//! Process hardening for anything that holds a key: no core dumps, no ptrace attach by other
//! processes of the user, private file modes, and key pages kept out of swap while in use.

use rustix::process::{DumpableBehavior, Resource, Rlimit};
use zeroize::Zeroize;

/// What could not be hardened; each is best effort and reported, never fatal.
#[derive(Debug, Default)]
pub struct HardeningReport {
    pub failures: Vec<String>,
}

/// Disables core dumps (`RLIMIT_CORE = 0`), marks the process non-dumpable (which also blocks
/// ptrace attach and `/proc/PID/mem` reads by same-user processes), and sets umask 077 so every
/// file and directory this process creates is private.
pub fn harden_process() -> HardeningReport {
    let mut report = HardeningReport::default();
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = rustix::process::setrlimit(Resource::Core, no_core) {
        report
            .failures
            .push(format!("could not disable core dumps: {e}"));
    }
    if let Err(e) = rustix::process::set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        report
            .failures
            .push(format!("could not disable ptrace attach: {e}"));
    }
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    report
}

/// A value on a page of its own, kept in RAM (never swapped, best effort: `RLIMIT_MEMLOCK` may
/// be too small, which is not worth failing over), wiped and released from the lock when
/// dropped. The page alignment matters: the kernel locks whole pages and does not count, so
/// unlocking a value that shared a page with another locked one would unlock that one too.
pub struct Locked<T: Zeroize>(Box<PageAligned<T>>);

#[repr(C, align(4096))]
struct PageAligned<T>(T);

impl<T: Zeroize> Locked<T> {
    pub fn new(value: T) -> Self {
        let boxed = Box::new(PageAligned(value));
        // SAFETY: mlock only changes the residency of the pages spanning the box; it reads and
        // writes no memory, and the box is live for the duration of the call.
        #[allow(unsafe_code)]
        let _ =
            unsafe { rustix::mm::mlock(page_ptr(&boxed), std::mem::size_of::<PageAligned<T>>()) };
        Locked(boxed)
    }
}

impl<T: Zeroize> std::ops::Deref for Locked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.0
    }
}

impl<T: Zeroize> Drop for Locked<T> {
    fn drop(&mut self) {
        self.0.0.zeroize();
        // SAFETY: as in `new`; munlock of pages that were never locked is harmless.
        #[allow(unsafe_code)]
        let _ = unsafe {
            rustix::mm::munlock(page_ptr(&self.0), std::mem::size_of::<PageAligned<T>>())
        };
    }
}

impl<T: Zeroize> std::fmt::Debug for Locked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Locked([REDACTED])")
    }
}

fn page_ptr<T>(value: &PageAligned<T>) -> *mut core::ffi::c_void {
    std::ptr::from_ref(value)
        .cast_mut()
        .cast::<core::ffi::c_void>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardening_disables_core_dumps_and_dumpability() {
        let report = harden_process();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let limit = rustix::process::getrlimit(Resource::Core);
        assert_eq!(limit.current, Some(0));
        assert_eq!(limit.maximum, Some(0));
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            DumpableBehavior::NotDumpable
        );
    }
}
