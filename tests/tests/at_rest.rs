//! No plaintext at rest: after storing, rotating, annotating and deleting many random secrets,
//! no file under KEYWARD_HOME (vault, WAL, anything else) holds any value, name, tag or note,
//! plain or base64, not even for a process killed in the middle of a write.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Rng, TestHome, contains, files_under};

fn forms(secret: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![secret.to_vec()];
    out.push(STANDARD.encode(secret).into_bytes());
    out.push(URL_SAFE_NO_PAD.encode(secret).into_bytes());
    // The middle of a base64 encoding, which does not depend on where the value started.
    let inner = STANDARD.encode(secret);
    out.push(inner.as_bytes()[4..inner.len() - 4].to_vec());
    out
}

fn assert_nothing_readable(home: &TestHome, secrets: &[Vec<u8>]) {
    let files = files_under(&home.home());
    assert!(!files.is_empty());
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for secret in secrets {
            for form in forms(secret) {
                assert!(
                    !contains(&bytes, &form),
                    "{} holds a secret ({} bytes) in the clear",
                    file.display(),
                    form.len()
                );
            }
        }
    }
}

#[test]
fn nothing_under_the_home_holds_a_value_name_tag_or_note() {
    let mut rng = Rng::from_env("nothing_under_the_home");
    let home = TestHome::with_vault();
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    for i in 0..60 {
        let name = format!("name-{}", rng.token(20));
        let tag = format!("tag-{}", rng.token(16));
        let value = if i % 3 == 0 {
            rng.bytes(64)
        } else {
            rng.token(48).into_bytes()
        };
        home.ok(&["add", &name, "--tag", &tag], &value);
        secrets.extend([name.clone().into_bytes(), tag.into_bytes(), value]);
        if i % 4 == 0 {
            let rotated = rng.token(48).into_bytes();
            home.ok(&["rotate", &name], &rotated);
            secrets.push(rotated);
        }
        if i % 5 == 0 {
            let note = format!("note {}", rng.token(32));
            home.ok(&["set", &name, "--note-stdin"], note.as_bytes());
            secrets.push(note.into_bytes());
        }
        if i % 7 == 0 {
            home.ok(&["rm", &name], b"");
        }
    }
    assert_nothing_readable(&home, &secrets);

    // A writer killed mid-write leaves its WAL and shared-memory files behind: still nothing.
    let value = rng.token(48).into_bytes();
    let mut cmd = home.command(&["add", "killed-mid-write"]);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The process unlocks, then waits on stdin holding an open vault; kill it there.
    std::thread::sleep(Duration::from_millis(300));
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(&value[..10])
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    secrets.push(value);
    assert_nothing_readable(&home, &secrets);
}
