//! A team in etcd: `PREFIX/members` and one key per item, `PREFIX/secrets/NAME`, each value the
//! sealed bytes. A revision is etcd's mod revision; every write is a transaction that compares
//! it, so of two members writing at once exactly one wins. Changes arrive through etcd's watch.
//!
//! The rest of keyward is synchronous, so the backend keeps a small current-thread tokio
//! runtime of its own and blocks on each call.

use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, EventType, GetOptions, Txn, TxnOp, WatchOptions,
};
use tokio::runtime::Runtime;

use crate::error::{Error, Result};
use crate::names::validate_name;
use crate::team::backend::{Backend, Changed, Revision, Written};

pub struct Etcd {
    runtime: Runtime,
    client: Client,
    prefix: String,
    endpoints: Vec<String>,
}

impl std::fmt::Debug for Etcd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Etcd")
            .field("endpoints", &self.endpoints)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn etcd_error(what: &str, e: &etcd_client::Error) -> Error {
    Error::Invalid(format!(
        "etcd: could not {what}: {}",
        one_line(&e.to_string())
    ))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Etcd {
    /// Connects to the cluster at `endpoints` (`http://host:2379`); keys live under `prefix`.
    pub fn connect(endpoints: &[String], prefix: &str) -> Result<Etcd> {
        if endpoints.is_empty() {
            return Err(Error::Invalid("etcd: no endpoint given".into()));
        }
        let prefix = prefix.trim_end_matches('/').to_owned();
        if prefix.is_empty() || !prefix.starts_with('/') {
            return Err(Error::Invalid(format!(
                "etcd: the key prefix must start with / (got {prefix:?})"
            )));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io("could not start the etcd client", e))?;
        let options = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(10));
        let client = runtime
            .block_on(Client::connect(endpoints, Some(options)))
            .map_err(|e| etcd_error(&format!("connect to {}", endpoints.join(",")), &e))?;
        Ok(Etcd {
            runtime,
            client,
            prefix,
            endpoints: endpoints.to_vec(),
        })
    }

    fn members_key(&self) -> String {
        format!("{}/members", self.prefix)
    }

    fn secrets_prefix(&self) -> String {
        format!("{}/secrets/", self.prefix)
    }

    fn item_key(&self, name: &str) -> Result<String> {
        validate_name(name)?;
        Ok(format!("{}{name}", self.secrets_prefix()))
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, Revision)>> {
        let mut client = self.client.clone();
        let response = self
            .runtime
            .block_on(client.get(key, None))
            .map_err(|e| etcd_error("read", &e))?;
        Ok(response.kvs().first().map(|kv| {
            (
                kv.value().to_vec(),
                Revision::try_from(kv.mod_revision()).unwrap_or_default(),
            )
        }))
    }

    /// Puts (or deletes, with `None`) `key` if its mod revision is still `expected` (`None`:
    /// if the key does not exist).
    fn swap(&self, key: &str, bytes: Option<&[u8]>, expected: Option<Revision>) -> Result<Written> {
        let compare = match expected {
            Some(rev) => Compare::mod_revision(
                key,
                CompareOp::Equal,
                i64::try_from(rev)
                    .map_err(|_| Error::Invalid("etcd: revision out of range".into()))?,
            ),
            None => Compare::create_revision(key, CompareOp::Equal, 0),
        };
        let op = match bytes {
            Some(bytes) => TxnOp::put(key, bytes, None),
            None => TxnOp::delete(key, None),
        };
        let txn = Txn::new().when([compare]).and_then([op]);
        let mut client = self.client.clone();
        let response = self
            .runtime
            .block_on(client.txn(txn))
            .map_err(|e| etcd_error("write", &e))?;
        Ok(if response.succeeded() {
            Written::Done
        } else {
            Written::Conflict
        })
    }
}

impl Backend for Etcd {
    fn members(&self) -> Result<Option<(String, Revision)>> {
        self.get(&self.members_key())?
            .map(|(bytes, rev)| {
                String::from_utf8(bytes)
                    .map(|text| (text, rev))
                    .map_err(|_| Error::Invalid("etcd: the member list is not text".into()))
            })
            .transpose()
    }

    fn put_members(&self, text: &str, expected: Option<Revision>) -> Result<Written> {
        self.swap(&self.members_key(), Some(text.as_bytes()), expected)
    }

    fn names(&self) -> Result<Vec<String>> {
        let prefix = self.secrets_prefix();
        let mut client = self.client.clone();
        let response = self
            .runtime
            .block_on(client.get(
                prefix.as_str(),
                Some(GetOptions::new().with_prefix().with_keys_only()),
            ))
            .map_err(|e| etcd_error("list", &e))?;
        let mut names: Vec<String> = response
            .kvs()
            .iter()
            .filter_map(|kv| kv.key_str().ok()?.strip_prefix(&prefix).map(str::to_owned))
            .filter(|name| validate_name(name).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    fn read(&self, name: &str) -> Result<Option<(Vec<u8>, Revision)>> {
        self.get(&self.item_key(name)?)
    }

    fn write(&self, name: &str, sealed: &[u8], expected: Option<Revision>) -> Result<Written> {
        self.swap(&self.item_key(name)?, Some(sealed), expected)
    }

    fn remove(&self, name: &str, expected: Revision) -> Result<Written> {
        self.swap(&self.item_key(name)?, None, Some(expected))
    }

    fn watch(&self, seen: &mut dyn FnMut(Changed) -> bool) -> Result<()> {
        let mut client = self.client.clone();
        let members = self.members_key();
        let secrets = self.secrets_prefix();
        let prefix = format!("{}/", self.prefix);
        self.runtime.block_on(async {
            let mut stream = client
                .watch(prefix.as_str(), Some(WatchOptions::new().with_prefix()))
                .await
                .map_err(|e| etcd_error("watch", &e))?;
            while let Some(response) = stream
                .message()
                .await
                .map_err(|e| etcd_error("watch", &e))?
            {
                for event in response.events() {
                    let Some(key) = event.kv().and_then(|kv| kv.key_str().ok()) else {
                        continue;
                    };
                    let item = if key == members {
                        None
                    } else if let Some(name) = key.strip_prefix(&secrets) {
                        Some(name.to_owned())
                    } else {
                        continue;
                    };
                    let change = Changed {
                        item,
                        deleted: event.event_type() == EventType::Delete,
                    };
                    if !seen(change) {
                        return Ok(());
                    }
                }
            }
            Ok(())
        })
    }

    fn describe(&self) -> String {
        format!("etcd {} {}", self.endpoints.join(","), self.prefix)
    }
}
