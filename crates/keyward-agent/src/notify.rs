//! Desktop notifications of new and more exposed findings, over the freedesktop notification
//! service on D-Bus. Each names the secret or rule, the file and line and the severity, never
//! the value. At most one per file per minute; what arrives within half a second is one
//! notification (a burst after `git add` or a checkout is summarised, not a flood).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use keyward_core::findings::{FindingChange, FindingEvent, StoredFinding};
use keyward_core::rotation::{Due, DueReason};
use keyward_core::time::Stamp;
use keyward_scan::finding::Confidence;

use crate::events::{AgentEvent, EventBus};

/// Events that arrive this close together are told in one notification.
const BURST: Duration = Duration::from_millis(500);
/// A file is notified about at most once in this long.
const PER_FILE: Duration = Duration::from_secs(60);

/// A notification to show: a summary line and a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
}

/// Decides what to show for a burst of findings, given when each file was last notified.
#[derive(Debug, Default)]
pub struct Throttle {
    last: HashMap<String, Instant>,
}

impl Throttle {
    pub fn plan(&mut self, burst: &[StoredFinding], now: Instant) -> Option<Note> {
        let mut fresh: Vec<&StoredFinding> = Vec::new();
        for f in burst {
            let recent = self
                .last
                .get(&f.path)
                .is_some_and(|&at| now.saturating_duration_since(at) < PER_FILE);
            let already = fresh.iter().any(|g| g.path == f.path);
            if !recent && !already {
                fresh.push(f);
            }
        }
        for f in &fresh {
            self.last.insert(f.path.clone(), now);
        }
        self.last
            .retain(|_, &mut at| now.saturating_duration_since(at) < PER_FILE);
        match fresh.as_slice() {
            [] => None,
            [one] => Some(Note {
                summary: format!("{} leak: {}", one.severity.name(), what(one)),
                body: if one.secret.is_some() {
                    format!("{}:{}\nrotate it now (keyward due)", one.path, one.line)
                } else {
                    format!("{}:{}", one.path, one.line)
                },
            }),
            many => {
                let worst = many
                    .iter()
                    .map(|f| f.severity)
                    .max()
                    .map_or("", |s| s.name());
                let files: Vec<String> = many
                    .iter()
                    .take(5)
                    .map(|f| format!("{}:{} ({})", f.path, f.line, what(f)))
                    .collect();
                let more = many.len().saturating_sub(5);
                Some(Note {
                    summary: format!("leaks in {} files, worst {worst}", many.len()),
                    body: if more > 0 {
                        format!("{}\n... and {more} more", files.join("\n"))
                    } else {
                        files.join("\n")
                    },
                })
            }
        }
    }
}

/// The vault entry's name, or the rule that matched.
fn what(f: &StoredFinding) -> String {
    match &f.secret {
        Some(name) => format!("your secret '{name}'"),
        None => f.description.clone(),
    }
}

/// A thread that shows notifications as findings arrive.
#[derive(Debug)]
pub(crate) struct Notifier {
    tx: Sender<StoredFinding>,
}

impl Notifier {
    /// Each note goes to subscribers as a `LeakAlert`, and with `desktop` to the desktop too.
    pub fn start(events: Arc<EventBus>, desktop: bool) -> Option<Notifier> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("keyward-notify".into())
            .spawn(move || run(&rx, &events, desktop))
            .ok()?;
        Some(Notifier { tx })
    }

    /// Offers a finding's change; only new and changed open findings are told.
    pub fn offer(&self, event: &FindingEvent) {
        if worth_telling(event) {
            let _ = self.tx.send(event.finding.clone());
        }
    }
}

/// New and changed findings interrupt the user, except low-confidence ones (a password literal
/// in a test): those wait in the list.
fn worth_telling(event: &FindingEvent) -> bool {
    matches!(event.change, FindingChange::New | FindingChange::Changed)
        && event.finding.confidence > Confidence::Low
}

fn run(rx: &Receiver<StoredFinding>, events: &EventBus, desktop: bool) {
    let mut throttle = Throttle::default();
    while let Ok(first) = rx.recv() {
        let mut burst = vec![first];
        let until = Instant::now() + BURST;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(next) => burst.push(next),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if let Some(note) = throttle.plan(&burst, Instant::now()) {
            if desktop {
                show(&note);
            }
            events.publish(&AgentEvent::LeakAlert {
                summary: note.summary,
                body: note.body,
            });
        }
    }
}

/// Reminders of secrets that became due: at most one a day per secret and reason. Exposed
/// secrets are told at once by the leak's own notification, so they are left out here.
#[derive(Debug, Default)]
pub struct Reminders {
    last: HashMap<(String, DueReason), Stamp>,
}

const REMIND_EVERY: i64 = 86_400;

impl Reminders {
    pub fn plan(&mut self, due: &[Due], now: Stamp) -> Option<Note> {
        let fresh: Vec<&Due> = due
            .iter()
            .filter(|d| d.reason != DueReason::Exposed)
            .filter(|d| {
                self.last
                    .get(&(d.name.clone(), d.reason))
                    .is_none_or(|&at| now.unix() - at.unix() >= REMIND_EVERY)
            })
            .collect();
        for d in &fresh {
            self.last.insert((d.name.clone(), d.reason), now);
        }
        let line = |d: &Due| {
            let page = d
                .rotate_at
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            format!(
                "{} {} since {}{page}",
                d.name,
                d.reason.name(),
                d.since.date()
            )
        };
        match fresh.as_slice() {
            [] => None,
            [one] => Some(Note {
                summary: format!("time to rotate {}", one.name),
                body: line(one),
            }),
            many => Some(Note {
                summary: format!("{} secrets to rotate", many.len()),
                body: many.iter().map(|d| line(d)).collect::<Vec<_>>().join("\n"),
            }),
        }
    }
}

pub(crate) fn show(note: &Note) {
    let shown = notify_rust::Notification::new()
        .appname("keyward")
        .summary(&note.summary)
        .body(&note.body)
        .icon("dialog-warning")
        .timeout(notify_rust::Timeout::Milliseconds(10_000))
        .show();
    if let Err(err) = shown {
        tracing::info!("could not show a desktop notification: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward_core::findings::FindingState;
    use keyward_core::time::Stamp;
    use keyward_scan::{Kind, Severity};

    fn finding(path: &str, severity: Severity) -> StoredFinding {
        StoredFinding {
            id: 1,
            rev: 1,
            state: FindingState::Open,
            path: path.into(),
            line: 4,
            column: 1,
            kind: Kind::Vault,
            secret: Some("stripe-live".into()),
            rule: "vault".into(),
            description: "stored secret".into(),
            encoding: "plain".into(),
            severity,
            confidence: Confidence::High,
            redacted: "sk_l…dc".into(),
            fingerprint: "f".into(),
            reason: None,
            first_seen: Stamp::from_unix(0),
            last_seen: Stamp::from_unix(0),
            resolved: None,
        }
    }

    #[test]
    fn one_finding_names_the_secret_file_line_and_severity() {
        let mut t = Throttle::default();
        let note = t
            .plan(&[finding("/p/.env", Severity::High)], Instant::now())
            .unwrap();
        assert_eq!(note.summary, "high leak: your secret 'stripe-live'");
        assert_eq!(note.body, "/p/.env:4\nrotate it now (keyward due)");
    }

    #[test]
    fn low_confidence_findings_wait_in_the_list() {
        let mut event = FindingEvent {
            change: FindingChange::New,
            finding: finding("a.env", Severity::High),
        };
        assert!(worth_telling(&event));
        event.finding.confidence = Confidence::Low;
        assert!(!worth_telling(&event));
        event.finding.confidence = Confidence::Medium;
        event.change = FindingChange::Resolved;
        assert!(!worth_telling(&event));
    }

    #[test]
    fn a_file_is_told_once_a_minute() {
        let mut t = Throttle::default();
        let start = Instant::now();
        assert!(t.plan(&[finding("/p/a", Severity::High)], start).is_some());
        let soon = start + Duration::from_secs(30);
        assert!(
            t.plan(&[finding("/p/a", Severity::Critical)], soon)
                .is_none()
        );
        assert!(t.plan(&[finding("/p/b", Severity::High)], soon).is_some());
        let later = start + Duration::from_secs(61);
        assert!(
            t.plan(&[finding("/p/a", Severity::Critical)], later)
                .is_some()
        );
    }

    fn due(name: &str, reason: DueReason) -> Due {
        Due {
            name: name.into(),
            reason,
            since: Stamp::from_unix(0),
            rotated: Stamp::from_unix(0),
            rotate_every: None,
            expires: None,
            exposed_in: None,
            provider: None,
            rotate_at: Some("https://example.org/keys".into()),
            used_in: vec![],
        }
    }

    #[test]
    fn a_due_secret_is_reminded_once_a_day_and_exposed_ones_are_left_to_the_leak() {
        let mut r = Reminders::default();
        let day = |d: i64| Stamp::from_unix(1_700_000_000 + d * 86_400);
        let list = vec![
            due("db", DueReason::Overdue),
            due("aws", DueReason::Exposed),
        ];
        let note = r.plan(&list, day(0)).unwrap();
        assert_eq!(note.summary, "time to rotate db");
        assert!(note.body.contains("https://example.org/keys"));
        assert!(r.plan(&list, Stamp::from_unix(day(1).unix() - 1)).is_none());
        assert!(r.plan(&list, day(1)).is_some());
        // A new reason for the same secret is told at once.
        assert!(r.plan(&[due("db", DueReason::Expired)], day(1)).is_some());
        assert!(r.plan(&[due("aws", DueReason::Exposed)], day(5)).is_none());
    }

    #[test]
    fn a_burst_is_one_summary() {
        let mut t = Throttle::default();
        let burst: Vec<StoredFinding> = (0..8)
            .map(|i| {
                finding(
                    &format!("/p/f{i}"),
                    if i == 3 {
                        Severity::Critical
                    } else {
                        Severity::High
                    },
                )
            })
            .collect();
        let note = t.plan(&burst, Instant::now()).unwrap();
        assert_eq!(note.summary, "leaks in 8 files, worst critical");
        assert!(note.body.ends_with("... and 3 more"), "{}", note.body);
    }
}
