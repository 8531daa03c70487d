//! `cargo bench -p keyward-core`: what one CLI call costs.
#![allow(clippy::expect_used)]
//!
//! - `kdf_calibrated`: one Argon2id derivation with the parameters `init` picks on this machine
//!   (the unlock cost a user feels without an agent).
//! - the rest run on a vault holding 10,000 secrets and measure everything after the KDF, as a
//!   CLI call does it: open the file (signature, structure and header checks), unlock (with a
//!   test-cost KDF, so the KDF does not hide the rest), then one operation. The target is under
//!   50 ms each.
//! - `*_unlocked`: the same operation on a vault already open, as a running agent serves it.

use std::path::PathBuf;
use std::sync::LazyLock;

use divan::Bencher;
use keyward_core::crypto::kdf::KdfParams;
use keyward_core::{NewEntry, SecretBytes, Vault, VaultFile};

const SECRETS: usize = 10_000;
const PASSWORD: &[u8] = b"benchmark password";

fn main() {
    divan::main();
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A vault with `SECRETS` secrets of realistic size, built once per run.
static VAULT: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vault.db");
    let mut vault =
        Vault::create(&path, &password(), KdfParams::INSECURE_FAST, true).expect("create");
    for i in 0..SECRETS {
        let value = format!("sk_live_{i:08}_{}", "x".repeat(40));
        let entry = NewEntry {
            tags: vec!["bench".into(), format!("group-{}", i % 10)],
            ..NewEntry::default()
        };
        vault
            .add(
                &format!("service-{i:05}/api-key"),
                &SecretBytes::copy_from(value.as_bytes()),
                entry,
            )
            .expect("add");
    }
    Fixture { _dir: dir, path }
});

fn password() -> SecretBytes {
    SecretBytes::copy_from(PASSWORD)
}

fn open_unlocked() -> Vault {
    VaultFile::open(&VAULT.path)
        .and_then(|file| file.unlock(&password()))
        .expect("unlock")
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn kdf_calibrated(bencher: Bencher) {
    let (params, _) = KdfParams::calibrate().expect("calibrate");
    eprintln!(
        "calibrated: m={} KiB t={} p={}",
        params.m_kib, params.t, params.p
    );
    bencher.bench(|| params.derive(PASSWORD, &[7u8; 32]).expect("derive"));
}

#[divan::bench(sample_count = 30)]
fn open_and_unlock(bencher: Bencher) {
    LazyLock::force(&VAULT);
    bencher.bench(open_unlocked);
}

#[divan::bench(sample_count = 30)]
fn get(bencher: Bencher) {
    LazyLock::force(&VAULT);
    bencher.bench(|| open_unlocked().get("service-04242/api-key").expect("get"));
}

#[divan::bench(sample_count = 30)]
fn list(bencher: Bencher) {
    LazyLock::force(&VAULT);
    bencher.bench(|| open_unlocked().list().expect("list").len());
}

#[divan::bench(sample_count = 30)]
fn add(bencher: Bencher) {
    LazyLock::force(&VAULT);
    let mut n = 0u64;
    bencher.bench_local(|| {
        n += 1;
        let name = format!("bench-add-{}-{n}", std::process::id());
        open_unlocked()
            .add(
                &name,
                &SecretBytes::copy_from(b"sk_live_new_value"),
                NewEntry::default(),
            )
            .expect("add");
    });
}

#[divan::bench(sample_count = 100)]
fn get_unlocked(bencher: Bencher) {
    let vault = open_unlocked();
    bencher.bench_local(|| vault.get("service-04242/api-key").expect("get"));
}

#[divan::bench(sample_count = 30)]
fn list_unlocked(bencher: Bencher) {
    let vault = open_unlocked();
    bencher.bench_local(|| vault.list().expect("list").len());
}
