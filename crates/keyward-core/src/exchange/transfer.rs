//! Export and import against any [`SecretStore`] (the vault itself or the agent): which secrets
//! an export takes, reading them with their history, and bringing a file's secrets in without
//! ever half-applying a conflicting import.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::exchange::document::{Document, ExportedSecret, ExportedVersion};
use crate::names::validate_name;
use crate::secret::{SecretBytes, ct_eq};
use crate::store::{Access, SecretStore};
use crate::vault::{EntryChanges, NewEntry};

/// Which secrets to export: named ones, those with one of `tags`, or all.
#[derive(Debug, Default)]
pub struct Selection {
    pub names: Vec<String>,
    pub tags: Vec<String>,
    pub all: bool,
}

/// The names `selection` picks, sorted; a named secret that does not exist is an error, and
/// so is a selection that picks nothing.
pub fn select(store: &mut dyn SecretStore, selection: &Selection) -> Result<Vec<String>> {
    let entries = store.list()?;
    let mut picked = BTreeSet::new();
    for name in &selection.names {
        if !entries.iter().any(|e| &e.name == name) {
            return Err(Error::NotFound(name.clone()));
        }
        picked.insert(name.clone());
    }
    for entry in &entries {
        if selection.all || entry.tags.iter().any(|t| selection.tags.contains(t)) {
            picked.insert(entry.name.clone());
        }
    }
    if picked.is_empty() {
        return Err(Error::Invalid(
            if selection.tags.is_empty() && !selection.all {
                "name the secrets to export, or pass --tag T or --all".into()
            } else {
                "no secret matches; nothing to export".into()
            },
        ));
    }
    Ok(picked.into_iter().collect())
}

/// Reads `names` with their metadata and every past value, each read recorded as `access`;
/// also the error that kept a read out of the access log, if any, for the caller to report
/// (as [`crate::store::Fetched`] does).
pub fn collect(
    store: &mut dyn SecretStore,
    names: &[String],
    access: &Access,
) -> Result<(Document, Option<Error>)> {
    let mut secrets = Vec::with_capacity(names.len());
    let mut unrecorded = None;
    for name in names {
        let entry = store.entry(name)?;
        let history = store.history(name)?;
        let fetched = store.fetch_history(name, access)?;
        if let Some(err) = fetched.unrecorded {
            unrecorded.get_or_insert(err);
        }
        if fetched.values.len() != history.len() {
            return Err(Error::corrupt("a secret's history and values disagree"));
        }
        let versions = history
            .iter()
            .zip(fetched.values)
            .map(|(info, value)| ExportedVersion::new(info, value))
            .collect();
        secrets.push(ExportedSecret { entry, versions });
    }
    Ok((Document::new(secrets), unrecorded))
}

/// A secret a file brings: its values oldest first (the last is the current one) and, from a
/// keyward export, its metadata.
#[derive(Debug)]
pub struct Incoming {
    pub name: String,
    pub values: Vec<SecretBytes>,
    pub metadata: Option<NewEntry>,
}

impl Incoming {
    /// The secrets of an export document.
    pub fn from_document(doc: Document) -> Vec<Incoming> {
        doc.secrets
            .into_iter()
            .map(|s| Incoming {
                name: s.entry.name.clone(),
                metadata: Some(NewEntry {
                    tags: s.entry.tags,
                    note: s.entry.note,
                    rotate_every: s.entry.rotate_every,
                    expires: s.entry.expires,
                    provider: s.entry.provider,
                }),
                values: s.versions.into_iter().map(|v| v.value.0).collect(),
            })
            .collect()
    }
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// New in the vault.
    pub added: Vec<String>,
    /// There with another value, and given the file's (`--overwrite`).
    pub replaced: Vec<String>,
    /// There already with the same value.
    pub unchanged: Vec<String>,
}

/// Brings `incoming` into the store. Every name is checked first: one that exists with another
/// value is a conflict, and any conflict stops the import before anything changes, unless
/// `overwrite`, which rotates such a secret to the file's value (its old value stays in its
/// history) and takes the file's metadata.
pub fn import(
    store: &mut dyn SecretStore,
    incoming: Vec<Incoming>,
    overwrite: bool,
    access: &Access,
) -> Result<ImportReport> {
    let mut seen = BTreeSet::new();
    for secret in &incoming {
        validate_name(&secret.name)?;
        if secret.values.is_empty() {
            return Err(Error::Invalid(format!(
                "{} has no value in the file",
                secret.name
            )));
        }
        if !seen.insert(secret.name.clone()) {
            return Err(Error::Invalid(format!(
                "the file holds {} twice",
                secret.name
            )));
        }
    }
    let mut report = ImportReport::default();
    let mut conflicts = Vec::new();
    let mut existing = Vec::new();
    for secret in &incoming {
        match store.entry(&secret.name) {
            Ok(_) => existing.push(secret.name.clone()),
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    // Reading the values the file would replace is an access of its own: logged as such.
    let compare = Access {
        command: access.command.clone(),
        detail: Some(format!(
            "compared with {}",
            access.detail.as_deref().unwrap_or("the file")
        )),
    };
    let current = if existing.is_empty() {
        Vec::new()
    } else {
        store.fetch(&existing, &compare)?.values
    };
    for (name, value) in existing.iter().zip(&current) {
        let theirs = incoming
            .iter()
            .find(|s| &s.name == name)
            .and_then(|s| s.values.last());
        if theirs.is_some_and(|v| ct_eq(v.expose(), value.expose())) {
            report.unchanged.push(name.clone());
        } else {
            conflicts.push(name.clone());
        }
    }
    if !conflicts.is_empty() && !overwrite {
        return Err(Error::Invalid(format!(
            "the vault already has {} with other values; nothing was changed (--overwrite replaces them, keeping the old values in their history)",
            conflicts.join(", ")
        )));
    }
    for secret in incoming {
        if report.unchanged.contains(&secret.name) {
            continue;
        }
        let mut values = secret.values.into_iter();
        if conflicts.contains(&secret.name) {
            if let Some(value) = values.next_back() {
                store.rotate(&secret.name, &value)?;
            }
            if let Some(meta) = secret.metadata {
                store.update(
                    &secret.name,
                    EntryChanges {
                        tags: Some(meta.tags),
                        note: Some(meta.note),
                        rotate_every: Some(meta.rotate_every),
                        expires: Some(meta.expires),
                        provider: Some(meta.provider),
                        snoozed_until: None,
                    },
                )?;
            }
            report.replaced.push(secret.name);
            continue;
        }
        let Some(first) = values.next() else { continue };
        store.add(&secret.name, &first, secret.metadata.unwrap_or_default())?;
        for value in values {
            store.rotate(&secret.name, &value)?;
        }
        report.added.push(secret.name);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::vault::Vault;

    fn vault(dir: &tempfile::TempDir, name: &str) -> Vault {
        Vault::create(
            &dir.path().join(name),
            &SecretBytes::copy_from(b"a long enough password"),
            KdfParams::INSECURE_FAST,
            true,
        )
        .unwrap()
    }

    fn value(text: &str) -> SecretBytes {
        SecretBytes::copy_from(text.as_bytes())
    }

    #[test]
    fn an_export_carries_history_and_metadata_into_another_vault() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = vault(&dir, "a.db");
        from.add(
            "stripe",
            &value("v1"),
            NewEntry {
                tags: vec!["payments".into()],
                note: Some("live key".into()),
                ..NewEntry::default()
            },
        )
        .unwrap();
        from.rotate("stripe", &value("v2")).unwrap();
        from.add("github", &value("ghp"), NewEntry::default())
            .unwrap();
        let names = select(
            &mut from,
            &Selection {
                tags: vec!["payments".into()],
                ..Selection::default()
            },
        )
        .unwrap();
        assert_eq!(names, ["stripe"]);
        let (doc, _) = collect(&mut from, &names, &Access::new("export")).unwrap();
        let log = from.audit_log().unwrap();
        assert!(
            log.iter()
                .any(|e| e.command == "export" && e.names == ["stripe"])
        );

        let mut to = vault(&dir, "b.db");
        let report = import(
            &mut to,
            Incoming::from_document(doc),
            false,
            &Access::new("import"),
        )
        .unwrap();
        assert_eq!(report.added, ["stripe"]);
        assert_eq!(to.get("stripe").unwrap().expose(), b"v2");
        assert_eq!(to.past_values("stripe").unwrap().len(), 2);
        let entry = to.entry("stripe").unwrap();
        assert_eq!(entry.tags, ["payments"]);
        assert_eq!(entry.note.as_deref(), Some("live key"));
    }

    #[test]
    fn a_conflict_changes_nothing_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(&dir, "a.db");
        v.add("db", &value("mine"), NewEntry::default()).unwrap();
        v.add("same", &value("equal"), NewEntry::default()).unwrap();
        let incoming = || {
            vec![
                Incoming {
                    name: "new".into(),
                    values: vec![value("n")],
                    metadata: None,
                },
                Incoming {
                    name: "db".into(),
                    values: vec![value("theirs")],
                    metadata: None,
                },
                Incoming {
                    name: "same".into(),
                    values: vec![value("equal")],
                    metadata: None,
                },
            ]
        };
        let err = import(&mut v, incoming(), false, &Access::new("import")).unwrap_err();
        assert!(err.to_string().contains("db"), "{err}");
        assert!(
            matches!(v.entry("new"), Err(Error::NotFound(_))),
            "half applied"
        );
        assert_eq!(v.get("db").unwrap().expose(), b"mine");

        let report = import(&mut v, incoming(), true, &Access::new("import")).unwrap();
        assert_eq!(report.added, ["new"]);
        assert_eq!(report.replaced, ["db"]);
        assert_eq!(report.unchanged, ["same"]);
        assert_eq!(v.get("db").unwrap().expose(), b"theirs");
        assert_eq!(v.past_values("db").unwrap()[0].expose(), b"mine");
    }

    #[test]
    fn a_selection_must_pick_something_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(&dir, "a.db");
        v.add("a", &value("1"), NewEntry::default()).unwrap();
        assert!(matches!(
            select(
                &mut v,
                &Selection {
                    names: vec!["nope".into()],
                    ..Selection::default()
                }
            ),
            Err(Error::NotFound(_))
        ));
        assert!(select(&mut v, &Selection::default()).is_err());
        assert_eq!(
            select(
                &mut v,
                &Selection {
                    all: true,
                    ..Selection::default()
                }
            )
            .unwrap(),
            ["a"]
        );
    }
}
