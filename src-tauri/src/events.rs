//! What the app tells the window as it happens. One event, so the UI has one listener that
//! refreshes whatever the change touches.

use keyward_agent::AgentEvent;
use serde::Serialize;

use crate::approvals::ApprovalView;
use crate::views::{FindingView, serde_name as name};

#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VaultEvent {
    Unlocked,
    Locked {
        reason: String,
    },
    /// A secret was added, rotated, changed or removed (from the app or the CLI).
    SecretsChanged {
        name: String,
    },
    /// A leak appeared, changed or went; `change` is `new`, `changed`, `resolved` or `ignored`.
    Finding {
        change: String,
        finding: Box<FindingView>,
    },
    /// Something the user should read: the watcher degraded, unusual use.
    Alert {
        message: String,
    },
    /// Secrets were handed to a process (the audit log grew).
    Accessed,
    /// The tray or a notification asks for a screen.
    Navigate {
        screen: String,
    },
    /// A CLI process asks for values: allow once, allow its folder for a while, or deny.
    Approval {
        request: ApprovalView,
    },
    /// That request was answered or timed out.
    ApprovalClosed {
        id: u32,
    },
}

impl VaultEvent {
    /// What the window hears of an agent event; `None` for the agent's leak notes, which only
    /// become notifications (the window already heard of each finding).
    pub fn of(event: &AgentEvent) -> Option<Self> {
        Some(match event {
            AgentEvent::Unlocked => VaultEvent::Unlocked,
            AgentEvent::Locked { reason } => VaultEvent::Locked {
                reason: name(reason),
            },
            AgentEvent::EntryChanged { name, .. } => {
                VaultEvent::SecretsChanged { name: name.clone() }
            }
            AgentEvent::AccessRecorded { .. } => VaultEvent::Accessed,
            AgentEvent::Finding { change, finding } => VaultEvent::Finding {
                change: name(change),
                finding: Box::new(FindingView::from(finding)),
            },
            AgentEvent::WatchDegraded { message } | AgentEvent::Anomaly { message } => {
                VaultEvent::Alert {
                    message: message.clone(),
                }
            }
            AgentEvent::LeakAlert { .. } => return None,
            AgentEvent::Reminder { summary, body } => VaultEvent::Alert {
                message: format!("{summary}: {body}"),
            },
        })
    }
}
