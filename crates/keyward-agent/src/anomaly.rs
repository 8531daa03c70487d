//! Unusual use, told as it happens: a secret read from a folder or given to a program it never
//! was before, many secrets read within a minute, repeated wrong passwords. The history comes
//! from the access log (loaded at the first access after an unlock) and grows with each access.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use keyward_core::AuditEvent;

/// More distinct secret reads than this within a minute is unusual.
pub const READS_PER_MINUTE: usize = 20;

const WINDOW: Duration = Duration::from_secs(60);

/// Commands that hand values out.
const ACCESSES: &[&str] = &["get", "copy", "run", "env", "inject", "import"];

#[derive(Debug, Default)]
pub struct Anomalies {
    /// Folders and programs each secret was used from, once the log is loaded.
    folders: HashMap<String, HashSet<String>>,
    programs: HashMap<String, HashSet<String>>,
    loaded: bool,
    reads: VecDeque<(Instant, usize)>,
    told_burst: Option<Instant>,
}

impl Anomalies {
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// Takes the history of the access log.
    pub fn load(&mut self, log: &[AuditEvent]) {
        for event in log {
            self.learn(event);
        }
        self.loaded = true;
    }

    fn learn(&mut self, event: &AuditEvent) {
        if !ACCESSES.contains(&event.command.as_str()) {
            return;
        }
        for name in &event.names {
            self.folders
                .entry(name.clone())
                .or_default()
                .insert(event.cwd.clone());
            if let Some(program) = &event.detail {
                self.programs
                    .entry(name.clone())
                    .or_default()
                    .insert(program.clone());
            }
        }
    }

    /// What is unusual about `event`, at `now`; then learns it.
    pub fn check(&mut self, event: &AuditEvent, now: Instant) -> Vec<String> {
        let mut alerts = Vec::new();
        if !ACCESSES.contains(&event.command.as_str()) {
            return alerts;
        }
        for name in &event.names {
            if let Some(seen) = self.folders.get(name)
                && !seen.contains(&event.cwd)
            {
                alerts.push(format!(
                    "'{name}' was read from a folder it never was before: {} ({} by pid {})",
                    event.cwd, event.command, event.pid
                ));
            }
            if let (Some(program), Some(seen)) = (&event.detail, self.programs.get(name))
                && !seen.contains(program)
            {
                alerts.push(format!(
                    "'{name}' was given to a program it never was before: {program}"
                ));
            }
        }
        self.reads.push_back((now, event.names.len()));
        while self
            .reads
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) > WINDOW)
        {
            self.reads.pop_front();
        }
        let read: usize = self.reads.iter().map(|(_, n)| n).sum();
        let quiet = self
            .told_burst
            .is_none_or(|at| now.saturating_duration_since(at) > WINDOW);
        if read > READS_PER_MINUTE && quiet {
            self.told_burst = Some(now);
            alerts.push(format!(
                "{read} secrets were read within a minute (the last by {} in {})",
                event.command, event.cwd
            ));
        }
        self.learn(event);
        alerts
    }
}

/// The alert for the `failures`-th wrong password in a row, from the third on.
pub fn failed_unlocks(failures: u32) -> Option<String> {
    (failures >= keyward_core::throttle::FREE_ATTEMPTS)
        .then(|| format!("{failures} wrong master passwords in a row; further attempts are slowed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(command: &str, names: &[&str], cwd: &str, program: Option<&str>) -> AuditEvent {
        let mut e = AuditEvent::here(command, names.iter().map(|n| (*n).to_owned()).collect());
        e.cwd = cwd.into();
        e.detail = program.map(str::to_owned);
        e
    }

    #[test]
    fn a_new_folder_or_program_for_a_known_secret_is_told_once() {
        let mut a = Anomalies::default();
        a.load(&[event("run", &["stripe"], "/shop", Some("npm"))]);
        let now = Instant::now();
        assert!(
            a.check(&event("run", &["stripe"], "/shop", Some("npm")), now)
                .is_empty()
        );
        let alerts = a.check(&event("run", &["stripe"], "/tmp/x", Some("curl")), now);
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert!(alerts[0].contains("/tmp/x") && alerts[1].contains("curl"));
        assert!(
            a.check(&event("run", &["stripe"], "/tmp/x", Some("curl")), now)
                .is_empty()
        );
        // A secret's very first use is no anomaly.
        assert!(
            a.check(&event("get", &["new"], "/anywhere", None), now)
                .is_empty()
        );
        // Changes are not accesses.
        assert!(
            a.check(&event("rotate", &["stripe"], "/else", None), now)
                .is_empty()
        );
    }

    #[test]
    fn many_reads_within_a_minute_are_told_once_a_minute() {
        let mut a = Anomalies::default();
        a.load(&[]);
        let start = Instant::now();
        let names: Vec<String> = (0..25).map(|i| format!("s{i}")).collect();
        let mut told = 0;
        for (i, name) in names.iter().enumerate() {
            let at = start + Duration::from_secs(i as u64);
            told += a.check(&event("get", &[name], "/x", None), at).len();
        }
        assert_eq!(told, 1);
        let later = start + Duration::from_secs(200);
        assert!(
            a.check(&event("get", &["s1"], "/x", None), later)
                .is_empty()
        );
    }

    #[test]
    fn the_third_wrong_password_is_told() {
        assert_eq!(failed_unlocks(2), None);
        assert!(
            failed_unlocks(3)
                .unwrap()
                .contains("3 wrong master passwords")
        );
    }
}
