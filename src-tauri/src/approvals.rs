//! The app as the agent's approver: a CLI's request for values from a folder not approved
//! lately is put in front of the user (the window comes forward with the request), who answers
//! with `answer_approval`. No answer within a minute is a denial.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use keyward_agent::{ApprovalRequest, Approver, Decision};
use serde::Serialize;

/// A request as the window shows it, with the id its answer names.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ApprovalView {
    pub id: u32,
    pub command: String,
    pub program: Option<String>,
    pub folder: String,
    pub pid: u32,
    pub names: Vec<String>,
}

type Ask = Box<dyn Fn(&ApprovalView) + Send + Sync>;
type Done = Box<dyn Fn(u32) + Send + Sync>;

pub struct Approvals {
    next: AtomicU32,
    pending: Mutex<HashMap<u32, Sender<Decision>>>,
    /// Shows a request to the user; set once the window exists.
    ask: Mutex<Option<Ask>>,
    /// Tells the window a request is over (answered elsewhere, or timed out).
    done: Mutex<Option<Done>>,
    timeout: Duration,
}

impl std::fmt::Debug for Approvals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Approvals")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Approvals {
    pub fn new(timeout: Duration) -> Self {
        Approvals {
            next: AtomicU32::new(1),
            pending: Mutex::new(HashMap::new()),
            ask: Mutex::new(None),
            done: Mutex::new(None),
            timeout,
        }
    }

    pub fn connect(&self, ask: Ask, done: Done) {
        *self.ask.lock().unwrap_or_else(PoisonError::into_inner) = Some(ask);
        *self.done.lock().unwrap_or_else(PoisonError::into_inner) = Some(done);
    }

    /// The user's answer to request `id`; false when it is no longer waiting.
    pub fn answer(&self, id: u32, decision: Decision) -> bool {
        let waiting = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        waiting.is_some_and(|tx| tx.send(decision).is_ok())
    }
}

impl Approver for Approvals {
    fn decide(&self, request: &ApprovalRequest) -> Decision {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let view = ApprovalView {
            id,
            command: request.command.clone(),
            program: request.program.clone(),
            folder: request.folder.clone(),
            pid: request.pid,
            names: request.names.clone(),
        };
        let (tx, rx) = channel();
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, tx);
        match self
            .ask
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            Some(ask) => ask(&view),
            // No window to ask in yet: nobody can approve.
            None => {
                self.pending
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
                return Decision::Deny;
            }
        }
        let decision = rx.recv_timeout(self.timeout).unwrap_or(Decision::Deny);
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if let Some(done) = self
            .done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            done(id);
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn request() -> ApprovalRequest {
        ApprovalRequest {
            command: "run".into(),
            program: Some("npm".into()),
            folder: "/p".into(),
            pid: 42,
            names: vec!["stripe-live".into()],
        }
    }

    #[test]
    fn the_users_answer_is_the_decision() {
        let approvals = Arc::new(Approvals::new(Duration::from_secs(5)));
        let answering = Arc::clone(&approvals);
        approvals.connect(
            Box::new(move |view| {
                assert_eq!(view.names, vec!["stripe-live".to_string()]);
                let (answering, id) = (Arc::clone(&answering), view.id);
                std::thread::spawn(move || answering.answer(id, Decision::AllowOnce));
            }),
            Box::new(|_| {}),
        );
        assert_eq!(approvals.decide(&request()), Decision::AllowOnce);
    }

    #[test]
    fn no_answer_in_time_and_no_window_are_denials() {
        let approvals = Approvals::new(Duration::from_millis(50));
        assert_eq!(approvals.decide(&request()), Decision::Deny);
        let closed = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&closed);
        approvals.connect(
            Box::new(|_| {}),
            Box::new(move |id| seen.store(id, Ordering::SeqCst)),
        );
        assert_eq!(approvals.decide(&request()), Decision::Deny);
        assert_ne!(closed.load(Ordering::SeqCst), 0, "the window was not told");
        assert!(
            !approvals.answer(1, Decision::AllowOnce),
            "a late answer counted"
        );
    }
}
