//! Running a headless agent until the system asks it to stop: SIGTERM and SIGINT stop it (and
//! SIGHUP too, unless it was detached from its terminal, which it then outlives).

use keyward_core::{Error, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::handle::AgentHandle;

/// Blocks until a stop signal arrives, then shuts `handle` down (keys wiped, socket removed).
pub fn run_until_signal(handle: AgentHandle, detached: bool) -> Result<()> {
    let stop_on: &[i32] = if detached {
        // A detached agent outlives the terminal that started it.
        let ignored = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        signal_hook::flag::register(SIGHUP, ignored)
            .map_err(|e| Error::io("could not set up signal handling", e))?;
        &[SIGTERM, SIGINT]
    } else {
        &[SIGTERM, SIGINT, SIGHUP]
    };
    let mut signals = signal_hook::iterator::Signals::new(stop_on)
        .map_err(|e| Error::io("could not set up signal handling", e))?;
    let signal = signals.forever().next();
    tracing::info!("stopping on signal {}", signal.unwrap_or_default());
    handle.shutdown();
    Ok(())
}
