//! Process hardening for anything that holds a key: no core dumps, no ptrace attach by other
//! processes of the user, private file modes, and key pages kept out of swap.

use rustix::process::{DumpableBehavior, Resource, Rlimit};

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

/// Asks the kernel to keep the pages holding `value` in RAM, so keys never reach swap.
/// Best effort: `RLIMIT_MEMLOCK` may be too small, which is not worth failing over.
pub fn lock_in_memory<T>(value: &T) {
    let ptr = std::ptr::from_ref(value)
        .cast_mut()
        .cast::<core::ffi::c_void>();
    // SAFETY: mlock only changes the residency of the pages spanning [ptr, ptr + size); it reads
    // and writes no memory, and `value` is a live reference for the duration of the call.
    #[allow(unsafe_code)]
    let _ = unsafe { rustix::mm::mlock(ptr, std::mem::size_of::<T>()) };
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
