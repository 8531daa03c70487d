//! What the agent does, as a stream of typed events: the desktop app and the watcher subscribe
//! in-process, the CLI (`keyward watch`) over the socket. Events carry names and context, never
//! a value.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use keyward_core::AuditEvent;
use keyward_core::findings::{FindingChange, StoredFinding};
use serde::{Deserialize, Serialize};

/// How many events a subscriber may fall behind before it is dropped (its stream ends, and it
/// subscribes again): a stuck reader must not make the agent hold events without bound.
pub const SUBSCRIBER_BACKLOG: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AgentEvent {
    Unlocked,
    Locked {
        reason: LockReason,
    },
    /// A secret was added, rotated, changed or removed.
    EntryChanged {
        name: String,
        change: EntryChange,
    },
    /// Secrets were handed to a process; the same record as in the access log.
    AccessRecorded {
        access: AuditEvent,
    },
    /// The watcher found a leak, saw it change (more exposed), or saw it go.
    Finding {
        change: FindingChange,
        finding: StoredFinding,
    },
    /// The watcher works less well than it should (the inotify limit); the message says why.
    WatchDegraded {
        message: String,
    },
    /// Unusual use: a secret read from a new folder or by a new program, many secrets read
    /// within a minute, repeated wrong passwords.
    Anomaly {
        message: String,
    },
    /// What to tell the user of the leaks just found: one note per burst, at most one per file a
    /// minute (what the headless agent shows as a desktop notification).
    LeakAlert {
        summary: String,
        body: String,
    },
    /// Secrets to rotate: at most one reminder a day per secret and reason.
    Reminder {
        summary: String,
        body: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// `keyward lock`, or the app's lock button.
    Request,
    /// Nothing used the vault for the `lock_after` time.
    Idle,
    /// The agent is stopping.
    Shutdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryChange {
    Added,
    Rotated,
    Updated,
    Removed,
}

/// Fans each event out to every live subscriber.
#[derive(Debug)]
pub(crate) struct EventBus {
    /// `None` once closed: later subscriptions end at once.
    subscribers: Mutex<Option<Vec<SyncSender<AgentEvent>>>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            subscribers: Mutex::new(Some(Vec::new())),
        }
    }
}

impl EventBus {
    fn subscribers(&self) -> MutexGuard<'_, Option<Vec<SyncSender<AgentEvent>>>> {
        // Sending cannot panic half-way, so a poisoned list is still a valid list.
        self.subscribers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn subscribe(&self) -> Subscription {
        let (tx, rx) = mpsc::sync_channel(SUBSCRIBER_BACKLOG);
        // After closing, the sender is dropped here and the subscription ends at once.
        if let Some(list) = self.subscribers().as_mut() {
            list.push(tx);
        }
        Subscription { rx }
    }

    /// Never blocks: a subscriber that is gone or too far behind is dropped.
    pub fn publish(&self, event: &AgentEvent) {
        if let Some(list) = self.subscribers().as_mut() {
            list.retain(|tx| match tx.try_send(event.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            });
        }
    }

    /// Ends every subscription, and every later one.
    pub fn close(&self) {
        *self.subscribers() = None;
    }
}

/// One subscriber's events, oldest first. The stream ends when the agent shuts down or when
/// this subscriber fell [`SUBSCRIBER_BACKLOG`] events behind.
#[derive(Debug)]
pub struct Subscription {
    rx: Receiver<AgentEvent>,
}

impl Subscription {
    /// The next event, waiting for it; `None` once the stream has ended.
    pub fn recv(&self) -> Option<AgentEvent> {
        self.rx.recv().ok()
    }

    /// The next event within `timeout`; `Err(Timeout)` when none came, `Err(Disconnected)`
    /// once the stream has ended.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<AgentEvent, RecvTimeoutError> {
        self.rx.recv_timeout(timeout)
    }

    /// An event that is already waiting, if any.
    pub fn try_recv(&self) -> Option<AgentEvent> {
        self.rx.try_recv().ok()
    }
}

impl Iterator for Subscription {
    type Item = AgentEvent;

    fn next(&mut self) -> Option<AgentEvent> {
        self.recv()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subscriber_gets_every_event_in_order() {
        let bus = EventBus::default();
        let a = bus.subscribe();
        let b = bus.subscribe();
        bus.publish(&AgentEvent::Unlocked);
        bus.publish(&AgentEvent::Locked {
            reason: LockReason::Idle,
        });
        for sub in [a, b] {
            assert_eq!(sub.try_recv(), Some(AgentEvent::Unlocked));
            assert_eq!(
                sub.try_recv(),
                Some(AgentEvent::Locked {
                    reason: LockReason::Idle
                })
            );
            assert_eq!(sub.try_recv(), None);
        }
    }

    #[test]
    fn a_subscriber_that_falls_behind_is_dropped_and_others_go_on() {
        let bus = EventBus::default();
        let stuck = bus.subscribe();
        let live = bus.subscribe();
        for _ in 0..SUBSCRIBER_BACKLOG {
            bus.publish(&AgentEvent::Unlocked);
            assert!(live.try_recv().is_some());
        }
        bus.publish(&AgentEvent::Unlocked);
        assert!(live.try_recv().is_some());
        assert_eq!(stuck.into_iter().count(), SUBSCRIBER_BACKLOG);
    }

    #[test]
    fn closing_ends_every_stream_and_every_later_one() {
        let bus = EventBus::default();
        let sub = bus.subscribe();
        bus.close();
        assert_eq!(sub.recv(), None);
        assert_eq!(bus.subscribe().recv(), None);
    }

    #[test]
    fn events_serialise_with_a_tag_and_no_value() {
        let json = serde_json::to_string(&AgentEvent::EntryChanged {
            name: "stripe".into(),
            change: EntryChange::Rotated,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"event":"entry_changed","name":"stripe","change":"rotated"}"#
        );
    }
}
