//! The store against a model: random sequences of add/rotate/remove/set on random names and
//! byte values must leave the vault agreeing with a plain map, before and after reopening.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::Path;

use keyward_core::crypto::kdf::KdfParams;
use keyward_core::names::validate_name;
use keyward_core::{EntryChanges, Error, NewEntry, SecretBytes, Vault, VaultFile};
use proptest::prelude::*;

const PASSWORD: &[u8] = b"correct horse battery staple";

#[derive(Clone, Debug)]
enum Op {
    Add(String, Vec<u8>),
    Rotate(String, Vec<u8>),
    Remove(String),
    Tag(String, Vec<String>),
}

fn name() -> impl Strategy<Value = String> {
    // A small alphabet so operations often hit names that exist.
    "[a-c][a-c0-9._/@+-]{0,6}".prop_filter("valid name", |n| validate_name(n).is_ok())
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..300)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (name(), value()).prop_map(|(n, v)| Op::Add(n, v)),
        2 => (name(), value()).prop_map(|(n, v)| Op::Rotate(n, v)),
        1 => name().prop_map(Op::Remove),
        1 => (name(), proptest::collection::vec("[a-z]{1,5}", 0..3)).prop_map(|(n, t)| Op::Tag(n, t)),
    ]
}

fn new_vault(path: &Path) -> Vault {
    Vault::create(
        path,
        &SecretBytes::copy_from(PASSWORD),
        KdfParams::INSECURE_FAST,
        true,
    )
    .unwrap()
}

/// name -> every value it has held, oldest first.
type Model = BTreeMap<String, Vec<Vec<u8>>>;

fn check_against(vault: &Vault, model: &Model) {
    let listed: Vec<String> = vault.list().unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(listed, model.keys().cloned().collect::<Vec<_>>());
    for (name, values) in model {
        assert_eq!(
            vault.get(name).unwrap().expose(),
            values.last().unwrap().as_slice()
        );
        let history = vault.history(name).unwrap();
        assert_eq!(history.len(), values.len());
        assert!(history.last().unwrap().current);
        assert_eq!(vault.entry(name).unwrap().version as usize, values.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_store_agrees_with_a_map(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let mut vault = new_vault(&path);
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Add(name, value) => {
                    let result = vault.add(&name, &SecretBytes::copy_from(&value), NewEntry::default());
                    match model.entry(name) {
                        std::collections::btree_map::Entry::Occupied(_) => {
                            prop_assert!(matches!(result, Err(Error::AlreadyExists(_))));
                        }
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            result.unwrap();
                            slot.insert(vec![value]);
                        }
                    }
                }
                Op::Rotate(name, value) => {
                    let result = vault.rotate(&name, &SecretBytes::copy_from(&value));
                    match model.get_mut(&name) {
                        Some(values) => {
                            prop_assert_eq!(result.unwrap().version as usize, values.len() + 1);
                            values.push(value);
                        }
                        None => prop_assert!(matches!(result, Err(Error::NotFound(_)))),
                    }
                }
                Op::Remove(name) => {
                    let result = vault.remove(&name);
                    if model.remove(&name).is_some() {
                        result.unwrap();
                    } else {
                        prop_assert!(matches!(result, Err(Error::NotFound(_))));
                    }
                }
                Op::Tag(name, tags) => {
                    let changes = EntryChanges { tags: Some(tags.clone()), ..EntryChanges::default() };
                    let result = vault.update(&name, changes);
                    if model.contains_key(&name) {
                        let mut want = tags;
                        want.sort();
                        want.dedup();
                        prop_assert_eq!(result.unwrap().tags, want);
                    } else {
                        prop_assert!(matches!(result, Err(Error::NotFound(_))));
                    }
                }
            }
        }
        check_against(&vault, &model);
        drop(vault);
        let reopened = VaultFile::open(&path).unwrap().unlock(&SecretBytes::copy_from(PASSWORD)).unwrap();
        check_against(&reopened, &model);
    }
}

#[test]
fn values_of_every_size_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(&dir.path().join("vault.db"));
    let max = keyward_core::secret::MAX_VALUE_LEN;
    for (i, len) in [1, 2, 255, 4096, 4097, max - 1, max]
        .into_iter()
        .enumerate()
    {
        let value: Vec<u8> = (0..len).map(|j| (j * 31 + i) as u8).collect();
        let name = format!("v{i}");
        vault
            .add(&name, &SecretBytes::copy_from(&value), NewEntry::default())
            .unwrap();
        assert_eq!(vault.get(&name).unwrap().expose(), value.as_slice());
    }
    let too_long = vec![b'x'; max + 1];
    let err = vault
        .add(
            "big",
            &SecretBytes::copy_from(&too_long),
            NewEntry::default(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the value is longer than {max} bytes")
    );
    let err = vault
        .add("empty", &SecretBytes::copy_from(b""), NewEntry::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "the value is empty");
}

#[test]
fn create_never_replaces_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let mut vault = new_vault(&path);
    vault
        .add("keep", &SecretBytes::copy_from(b"me"), NewEntry::default())
        .unwrap();
    drop(vault);
    let err = Vault::create(
        &path,
        &SecretBytes::copy_from(b"other"),
        KdfParams::INSECURE_FAST,
        true,
    )
    .unwrap_err();
    assert!(matches!(err, Error::VaultExists(_)));
    let vault = VaultFile::open(&path)
        .unwrap()
        .unlock(&SecretBytes::copy_from(PASSWORD))
        .unwrap();
    assert_eq!(vault.get("keep").unwrap().expose(), b"me");
    drop(vault);
    // No half-built files are left next to it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["vault.db"]);
}

#[test]
fn change_password_keeps_every_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let mut vault = new_vault(&path);
    vault
        .add("a", &SecretBytes::copy_from(b"one"), NewEntry::default())
        .unwrap();
    vault
        .change_password(&SecretBytes::copy_from(b"new password"))
        .unwrap();
    drop(vault);
    let err = VaultFile::open(&path)
        .unwrap()
        .unlock(&SecretBytes::copy_from(PASSWORD))
        .unwrap_err();
    assert!(matches!(err, Error::WrongPassword));
    let vault = VaultFile::open(&path)
        .unwrap()
        .unlock(&SecretBytes::copy_from(b"new password"))
        .unwrap();
    assert_eq!(vault.get("a").unwrap().expose(), b"one");
}
