//! The agent in-process, as the desktop app hosts it: start, unlock, subscribe, every event,
//! the socket beside the in-process store, lock on drop, one agent per home.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use std::sync::{Arc, Mutex};

use keyward_agent::{
    Agent, AgentClient, AgentEvent, AgentOptions, ApprovalRequest, Approver, Decision, EntryChange,
    LockReason,
};
use keyward_core::crypto::kdf::KdfParams;
use keyward_core::home::Home;
use keyward_core::{Access, EntryChanges, Error, NewEntry, SecretBytes, SecretStore, Vault};

const WAIT: Duration = Duration::from_secs(10);

struct TestHome {
    _dir: tempfile::TempDir,
    home: Home,
}

fn home_with_vault() -> TestHome {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::at(dir.path().join("home"));
    home.ensure_exists().unwrap();
    Vault::create(
        &home.vault_path(),
        &password(),
        KdfParams::INSECURE_FAST,
        true,
    )
    .unwrap();
    TestHome { _dir: dir, home }
}

fn password() -> SecretBytes {
    SecretBytes::copy_from(b"correct horse")
}

fn options() -> AgentOptions {
    AgentOptions {
        lock_after: Duration::from_secs(600),
        watch: None,
        notifications: false,
        approver: None,
    }
}

fn next(events: &keyward_agent::Subscription) -> AgentEvent {
    events.recv_timeout(WAIT).expect("an event within 10 s")
}

#[test]
fn every_event_reaches_a_subscriber_in_order() {
    let t = home_with_vault();
    let agent = Agent::start(&t.home, options()).unwrap();
    let events = agent.subscribe();

    agent.unlock(&password()).unwrap();
    assert_eq!(next(&events), AgentEvent::Unlocked);

    let mut store = agent.store();
    let value = SecretBytes::copy_from(b"sk_live_0123456789abcdef");
    store.add("stripe", &value, NewEntry::default()).unwrap();
    assert_eq!(
        next(&events),
        AgentEvent::EntryChanged {
            name: "stripe".into(),
            change: EntryChange::Added
        }
    );
    store
        .rotate(
            "stripe",
            &SecretBytes::copy_from(b"sk_live_fedcba9876543210"),
        )
        .unwrap();
    assert_eq!(
        next(&events),
        AgentEvent::EntryChanged {
            name: "stripe".into(),
            change: EntryChange::Rotated
        }
    );
    store
        .update(
            "stripe",
            EntryChanges {
                tags: Some(vec!["billing".into()]),
                ..EntryChanges::default()
            },
        )
        .unwrap();
    assert_eq!(
        next(&events),
        AgentEvent::EntryChanged {
            name: "stripe".into(),
            change: EntryChange::Updated
        }
    );
    let fetched = store.fetch(&["stripe".into()], &"test".into()).unwrap();
    assert_eq!(fetched.values[0].expose(), b"sk_live_fedcba9876543210");
    assert!(fetched.unrecorded.is_none());
    match next(&events) {
        AgentEvent::AccessRecorded { access } => {
            assert_eq!(access.command, "test");
            assert_eq!(access.names, vec!["stripe".to_owned()]);
            assert_eq!(access.pid, std::process::id());
        }
        other => panic!("expected an access, got {other:?}"),
    }
    store.remove("stripe").unwrap();
    assert_eq!(
        next(&events),
        AgentEvent::EntryChanged {
            name: "stripe".into(),
            change: EntryChange::Removed
        }
    );
    agent.lock();
    assert_eq!(
        next(&events),
        AgentEvent::Locked {
            reason: LockReason::Request
        }
    );
    assert!(matches!(agent.store().list(), Err(Error::Locked)));
    drop(store);
    drop(agent);
    assert_eq!(events.recv_timeout(WAIT).ok(), None, "the stream ends");
}

#[test]
fn a_failed_change_sends_no_event() {
    let t = home_with_vault();
    let agent = Agent::start(&t.home, options()).unwrap();
    agent.unlock(&password()).unwrap();
    let events = agent.subscribe();
    let err = agent.store().rotate("missing", &password()).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
    assert_eq!(events.try_recv(), None);
}

#[test]
fn the_idle_timer_locks_and_says_so() {
    let t = home_with_vault();
    let agent = Agent::start(
        &t.home,
        AgentOptions {
            lock_after: Duration::from_millis(200),
            ..options()
        },
    )
    .unwrap();
    let events = agent.subscribe();
    agent.unlock(&password()).unwrap();
    assert_eq!(next(&events), AgentEvent::Unlocked);
    assert_eq!(
        next(&events),
        AgentEvent::Locked {
            reason: LockReason::Idle
        }
    );
    assert!(!agent.status().unlocked);
}

#[test]
fn dropping_the_handle_locks_and_removes_the_socket() {
    let t = home_with_vault();
    let agent = Agent::start(&t.home, options()).unwrap();
    let socket = agent.socket_path().to_path_buf();
    assert!(socket.exists());
    let events = agent.subscribe();
    agent.unlock(&password()).unwrap();
    assert_eq!(next(&events), AgentEvent::Unlocked);
    let mut client = AgentClient::connect(&t.home).unwrap();
    assert!(client.status().unwrap().unlocked);

    drop(agent);
    assert_eq!(
        next(&events),
        AgentEvent::Locked {
            reason: LockReason::Shutdown
        }
    );
    assert!(!socket.exists(), "the socket is gone");
    assert!(AgentClient::connect(&t.home).is_none());
    // A connection open at shutdown is closed, not left hanging.
    let err = client.status().unwrap_err();
    assert!(matches!(err, Error::AgentGone | Error::Io { .. }), "{err}");
}

#[test]
fn a_second_agent_on_one_home_is_refused_and_the_first_keeps_serving() {
    let t = home_with_vault();
    let first = Agent::start(&t.home, options()).unwrap();
    let err = Agent::start(&t.home, options()).unwrap_err();
    assert!(matches!(err, Error::AgentRunning(_)), "{err}");
    assert_eq!(err.exit_code(), 2);
    assert!(AgentClient::connect(&t.home).unwrap().status().is_ok());
    first.shutdown();
    // Once the first is gone the home is free again.
    Agent::start(&t.home, options()).unwrap().shutdown();
}

#[test]
fn no_vault_is_reported_before_anything_listens() {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::at(dir.path().join("empty"));
    home.ensure_exists().unwrap();
    let err = Agent::start(&home, options()).unwrap_err();
    assert!(matches!(err, Error::NoVault(_)), "{err}");
    assert!(!home.agent_socket().exists());
}

#[test]
fn socket_subscribers_see_changes_made_in_process_and_over_the_socket() {
    let t = home_with_vault();
    let agent = Agent::start(&t.home, options()).unwrap();
    let mut stream = AgentClient::require(&t.home).unwrap().subscribe().unwrap();

    let mut client = AgentClient::require(&t.home).unwrap();
    client.unlock(&password()).unwrap();
    assert_eq!(stream.next().unwrap().unwrap(), AgentEvent::Unlocked);
    client
        .add(
            "db/url",
            &SecretBytes::copy_from(b"postgres://u:p@h/db"),
            NewEntry::default(),
        )
        .unwrap();
    assert_eq!(
        stream.next().unwrap().unwrap(),
        AgentEvent::EntryChanged {
            name: "db/url".into(),
            change: EntryChange::Added
        }
    );
    agent.store().remove("db/url").unwrap();
    assert_eq!(
        stream.next().unwrap().unwrap(),
        AgentEvent::EntryChanged {
            name: "db/url".into(),
            change: EntryChange::Removed
        }
    );
    agent.shutdown();
    let rest: Vec<_> = stream.collect();
    assert!(
        matches!(
            rest.as_slice(),
            [Ok(AgentEvent::Locked {
                reason: LockReason::Shutdown
            })]
        ),
        "{rest:?}"
    );
}

#[test]
fn errors_cross_the_socket_as_their_own_variant() {
    let t = home_with_vault();
    let _agent = Agent::start(&t.home, options()).unwrap();
    let mut client = AgentClient::require(&t.home).unwrap();
    assert!(matches!(client.list(), Err(Error::Locked)));
    let err = client
        .unlock(&SecretBytes::copy_from(b"wrong"))
        .unwrap_err();
    assert!(matches!(err, Error::WrongPassword), "{err}");
    assert_eq!(err.exit_code(), 3);
    client.unlock(&password()).unwrap();
    assert!(matches!(client.entry("nope"), Err(Error::NotFound(n)) if n == "nope"));
    let err = client
        .add("bad name!", &password(), NewEntry::default())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName(_)), "{err}");
    let err = client
        .add("empty", &SecretBytes::copy_from(b""), NewEntry::default())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue(_)), "{err}");
}

#[test]
fn the_fingerprint_key_is_the_vaults_and_the_same_both_ways() {
    let t = home_with_vault();
    let agent = Agent::start(&t.home, options()).unwrap();
    agent.unlock(&password()).unwrap();
    let in_process = agent.store().fingerprint_key().unwrap();
    let over_socket = AgentClient::require(&t.home)
        .unwrap()
        .fingerprint_key()
        .unwrap();
    let direct = keyward_core::VaultFile::open(&t.home.vault_path())
        .unwrap()
        .unlock(&password())
        .unwrap()
        .fingerprint_key();
    assert_eq!(in_process.expose(), over_socket.expose());
    assert_eq!(in_process.expose(), direct.expose());
    agent.lock();
    assert!(matches!(
        AgentClient::require(&t.home).unwrap().fingerprint_key(),
        Err(Error::Locked)
    ));
}

/// Answers each request with the next decision of its script, and keeps what it was asked.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<Vec<Decision>>,
    asked: Mutex<Vec<ApprovalRequest>>,
}

impl Approver for Scripted {
    fn decide(&self, request: &ApprovalRequest) -> Decision {
        self.asked.lock().unwrap().push(request.clone());
        self.answers.lock().unwrap().remove(0)
    }
}

#[test]
fn an_approver_decides_what_socket_clients_get() {
    let t = home_with_vault();
    let approver = Arc::new(Scripted {
        answers: Mutex::new(vec![
            Decision::Deny,
            Decision::AllowOnce,
            Decision::AllowFolderFor(Duration::from_secs(600)),
            Decision::Deny,
        ]),
        ..Scripted::default()
    });
    let agent = Agent::start(
        &t.home,
        AgentOptions {
            approver: Some(Arc::clone(&approver) as Arc<dyn Approver>),
            ..options()
        },
    )
    .unwrap();
    agent.unlock(&password()).unwrap();
    agent
        .store()
        .add(
            "openai",
            &SecretBytes::copy_from(b"sk-1"),
            NewEntry::default(),
        )
        .unwrap();
    let fetch = || {
        AgentClient::require(&t.home)
            .unwrap()
            .fetch(&["openai".into()], &Access::new("run").with_detail("npm"))
    };

    let denied = fetch().unwrap_err();
    assert!(matches!(denied, Error::Denied(_)), "{denied}");
    assert!(!denied.to_string().contains("sk-1"));
    assert_eq!(fetch().unwrap().values[0].expose(), b"sk-1", "allowed once");
    assert_eq!(
        fetch().unwrap().values[0].expose(),
        b"sk-1",
        "folder allowed"
    );
    assert_eq!(
        fetch().unwrap().values[0].expose(),
        b"sk-1",
        "no question within the grant"
    );
    assert_eq!(approver.asked.lock().unwrap().len(), 3);
    let asked = approver.asked.lock().unwrap()[0].clone();
    assert_eq!(asked.command, "run");
    assert_eq!(asked.program.as_deref(), Some("npm"));
    assert_eq!(asked.names, vec!["openai".to_string()]);
    assert_eq!(asked.pid, std::process::id());

    // Locking ends the grant: the next request is asked about again (and denied).
    agent.lock();
    agent.unlock(&password()).unwrap();
    assert!(matches!(fetch().unwrap_err(), Error::Denied(_)));
    assert_eq!(approver.asked.lock().unwrap().len(), 4);
    // A locked agent refuses without asking; the in-process store never asks.
    agent.lock();
    assert!(matches!(fetch().unwrap_err(), Error::Locked));
    agent.unlock(&password()).unwrap();
    let own = agent
        .store()
        .fetch(&["openai".into()], &Access::new("reveal"))
        .unwrap();
    assert_eq!(own.values[0].expose(), b"sk-1");
    assert_eq!(approver.asked.lock().unwrap().len(), 4);
}
