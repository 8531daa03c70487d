//! Failed unlocks slow the next ones: after three wrong passwords in a row every attempt waits
//! first, 1 s, then 2, 4, ... up to 30 s, until a right one. The count lives in a file of the
//! home (`unlock-failures`), so starting a new process or agent does not reset it. It holds no
//! secret; a damaged file counts as no failures, since anyone able to edit it can also read the
//! vault file and guess offline.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::home::Home;

/// Wrong passwords allowed before attempts are slowed.
pub const FREE_ATTEMPTS: u32 = 3;
const MAX_DELAY_SECS: u64 = 30;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Count {
    failures: u32,
}

#[derive(Clone, Debug)]
pub struct UnlockThrottle {
    path: PathBuf,
}

impl UnlockThrottle {
    pub fn new(home: &Home) -> Self {
        UnlockThrottle {
            path: home.root().join("unlock-failures"),
        }
    }

    /// Wrong passwords in a row so far.
    pub fn failures(&self) -> u32 {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Count>(&bytes).ok())
            .map_or(0, |c| c.failures)
    }

    /// How long the next attempt waits.
    pub fn delay(&self) -> Duration {
        delay_after(self.failures())
    }

    /// Waits as long as the failures so far ask.
    pub fn wait(&self) {
        let delay = self.delay();
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
    }

    /// Counts a wrong password; returns the new count. A count that cannot be written only
    /// means the next attempt is not slowed.
    pub fn failed(&self) -> u32 {
        let failures = self.failures().saturating_add(1);
        self.write(failures);
        failures
    }

    /// A right password: returns the failures before it, and starts over.
    pub fn succeeded(&self) -> u32 {
        let before = self.failures();
        if before > 0 {
            let _ = std::fs::remove_file(&self.path);
        }
        before
    }

    fn write(&self, failures: u32) {
        if let Ok(json) = serde_json::to_vec(&Count { failures }) {
            use std::os::unix::fs::PermissionsExt;
            let private = std::fs::Permissions::from_mode(0o600);
            let _ = crate::fsutil::write_atomically(&self.path, &json, Some(private));
        }
    }
}

/// No wait for the first free attempts, then 1, 2, 4 ... seconds, at most 30.
pub fn delay_after(failures: u32) -> Duration {
    let over = failures.saturating_sub(FREE_ATTEMPTS);
    if failures < FREE_ATTEMPTS {
        return Duration::ZERO;
    }
    Duration::from_secs(
        1u64.checked_shl(over)
            .unwrap_or(u64::MAX)
            .min(MAX_DELAY_SECS),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_three_failures_and_stop_at_thirty_seconds() {
        let secs: Vec<u64> = (0..10).map(|n| delay_after(n).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(delay_after(u32::MAX).as_secs(), 30);
    }

    #[test]
    fn the_count_survives_a_new_throttle_and_a_success_resets_it() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        let t = UnlockThrottle::new(&home);
        for n in 1..=4 {
            assert_eq!(t.failed(), n);
        }
        let again = UnlockThrottle::new(&home);
        assert_eq!(again.failures(), 4);
        assert_eq!(again.delay(), Duration::from_secs(2));
        assert_eq!(again.succeeded(), 4);
        assert_eq!(t.failures(), 0);
        std::fs::write(dir.path().join("unlock-failures"), b"garbage").unwrap();
        assert_eq!(t.failures(), 0);
    }
}
