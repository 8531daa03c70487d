//! Team vaults in a real etcd (Debian's `etcd-server`, started here on loopback): two homes
//! share a secret, a change reaches the other member through the watch within a second and
//! their next `run` sees it, two writers racing on one item see exactly one win, and a removed
//! member opens no item.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestHome;
use keyward_core::home::Home;
use keyward_core::team::{Storage, Team};
use keyward_core::{Error, SecretBytes};

/// An etcd server of its own, on free loopback ports, removed with its data at drop.
struct EtcdServer {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl EtcdServer {
    fn start() -> EtcdServer {
        let data = tempfile::tempdir().unwrap();
        let (client, peer) = (free_port(), free_port());
        let url = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let child = Command::new("etcd")
            .args(["--name", "test", "--data-dir"])
            .arg(data.path().join("etcd"))
            .args([
                "--listen-client-urls",
                &url,
                "--advertise-client-urls",
                &url,
            ])
            .args([
                "--listen-peer-urls",
                &peer_url,
                "--initial-advertise-peer-urls",
                &peer_url,
            ])
            .args(["--initial-cluster", &format!("test={peer_url}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("etcd (Debian's etcd-server; bash scripts/setup installs it)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", client)).is_err() {
            assert!(Instant::now() < deadline, "etcd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        EtcdServer {
            child,
            url,
            _data: data,
        }
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn members_share_through_etcd_and_a_change_reaches_the_other_within_a_second() {
    let etcd = EtcdServer::start();
    let alice = TestHome::with_vault();
    let bob = TestHome::with_vault();
    let recipients = alice.file(
        "recipients.txt",
        format!("{}\n", bob.team_whoami()).as_bytes(),
    );
    alice.ok(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            recipients.to_str().unwrap(),
            "--etcd",
            &etcd.url,
        ],
        b"",
    );
    let msg = bob.ok_messages(&["team", "join", "core", "--etcd", &etcd.url], b"");
    assert!(msg.contains("joined team core"), "{msg}");
    alice.ok(&["team", "set", "core/db-url"], b"postgres://first");
    assert_eq!(
        bob.ok(&["team", "get", "core/db-url"], b""),
        b"postgres://first"
    );

    // Bob watches; Alice rotates; Bob hears of it within a second and his next run has it.
    let mut watch = bob.command(&["team", "watch", "core"]);
    watch.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut watcher = watch.spawn().unwrap();
    let mut lines = BufReader::new(watcher.stdout.take().unwrap()).lines();
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    alice.ok(&["team", "set", "core/db-url"], b"postgres://rotated");
    let line = lines.next().unwrap().unwrap();
    let latency = sent.elapsed();
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert_eq!(line, "team/core/db-url changed");
    assert!(
        latency < Duration::from_secs(1),
        "the change took {latency:?} to arrive"
    );

    assert_eq!(
        bob.run_sees_database_url("team/core/db-url"),
        b"postgres://rotated"
    );

    // Bob leaves: no item opens for him, and each is marked for rotation.
    bob.ok(
        &["team", "set", "core/stripe"],
        b"sk_live_bobs_key_000000000000000",
    );
    alice.ok(&["team", "rm-member", "core", &bob.team_whoami()], b"");
    for item in ["core/db-url", "core/stripe"] {
        let err = bob.fails(&["team", "get", item], b"", 2);
        assert!(err.contains("none of the identities"), "{err}");
    }
    let ls: serde_json::Value =
        serde_json::from_slice(&alice.ok(&["team", "ls", "core", "--json"], b"")).unwrap();
    assert!(
        ls.as_array()
            .unwrap()
            .iter()
            .all(|i| i["rotate"].as_str().is_some()),
        "{ls}"
    );
}

#[test]
fn of_two_members_writing_at_once_exactly_one_wins() {
    let etcd = EtcdServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (alice, bob) = (
        age::x25519::Identity::generate(),
        age::x25519::Identity::generate(),
    );
    let members = format!("{}\n{}\n", alice.to_public(), bob.to_public());
    let storage = Storage::Etcd {
        endpoints: vec![etcd.url.clone()],
        prefix: "/race".into(),
    };
    let team_a = Team::create(
        &Home::at(tmp.path().join("a")),
        "race",
        storage.clone(),
        &members,
    )
    .unwrap();
    let team_b = Team::join(&Home::at(tmp.path().join("b")), "race", storage).unwrap();
    team_a
        .set("db", &SecretBytes::copy_from(b"v1"), &alice)
        .unwrap();

    // Both read version 1 and seal a new value; both write.
    let from_a = team_a
        .prepare_set("db", &SecretBytes::copy_from(b"alice's"), &alice)
        .unwrap();
    let from_b = team_b
        .prepare_set("db", &SecretBytes::copy_from(b"bob's"), &bob)
        .unwrap();
    assert_eq!(from_a.commit().unwrap(), 2);
    let lost = from_b.commit().unwrap_err();
    assert!(matches!(lost, Error::Conflict(_)), "{lost}");
    assert!(lost.to_string().contains("retry"));
    assert_eq!(team_b.get("db", &bob).unwrap().value.0.expose(), b"alice's");
    // Retrying after a fresh read succeeds.
    assert_eq!(
        team_b
            .set("db", &SecretBytes::copy_from(b"bob's"), &bob)
            .unwrap(),
        3
    );

    // Two new items raced into existence: one creation wins too.
    let first = team_a
        .prepare_set("new", &SecretBytes::copy_from(b"a"), &alice)
        .unwrap();
    let second = team_b
        .prepare_set("new", &SecretBytes::copy_from(b"b"), &bob)
        .unwrap();
    first.commit().unwrap();
    assert!(matches!(second.commit(), Err(Error::Conflict(_))));
}

#[test]
fn an_unreachable_cluster_is_a_one_line_error() {
    let alice = TestHome::with_vault();
    let recipients = alice.file(
        "recipients.txt",
        format!("{}\n", alice.team_whoami()).as_bytes(),
    );
    let url = format!("http://127.0.0.1:{}", free_port());
    let err = alice.fails(
        &[
            "team",
            "init",
            "core",
            "--recipients",
            recipients.to_str().unwrap(),
            "--etcd",
            &url,
        ],
        b"",
        2,
    );
    assert!(err.contains("etcd"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
