//! The encrypted vault: a SQLite file whose every name, tag, note, date and value is sealed.
//!
//! `VaultFile::open` checks the file without any key (signature, structure, header checksum, KDF
//! parameters); `VaultFile::unlock` derives the key-encryption key from the password, checks it
//! against the verifier (wrong password: exit 3) and unwraps the vault key (failure: exit 4).

mod audit;
pub mod backup;
mod entries;
mod entry;
mod findings;
mod header;
mod integrity;
mod records;
mod schema;
mod settings;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::crypto::aead;
use crate::crypto::kdf::KdfParams;
use crate::crypto::keys::{Key, PasswordKeys, Purpose, VaultKeys, key_from_slice};
use crate::crypto::random_array;
use crate::error::{Error, Result, write_error};
use crate::secret::{SecretBytes, ct_eq};

pub use audit::{Actor, AuditCheck, AuditEvent};
pub use entry::{Entry, EntryChanges, NewEntry, VersionInfo};
pub use findings::FindingsStore;
pub use settings::WatchConfig;
// The header parser is public only to the fuzz targets (cargo-fuzz builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
pub use header::Header;
#[cfg(not(fuzzing))]
pub(crate) use header::Header;

use records::{Codec, StateRecord};

/// A vault file that has been opened and checked but not unlocked.
#[derive(Debug)]
pub struct VaultFile {
    conn: Connection,
    header: Header,
    path: PathBuf,
}

impl VaultFile {
    /// Opens `path` and checks everything that needs no key. Fails with `NoVault` when there is
    /// no file, and with `Corrupt` (exit 4) for anything that is not an intact keyward vault.
    pub fn open(path: &Path) -> Result<Self> {
        let (mut conn, version) = schema::open(path)?;
        let bytes: Vec<u8> = conn
            .query_row("SELECT bytes FROM header WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()?
            .ok_or_else(|| Error::corrupt("the vault has no header"))?;
        let mut header = Header::decode(&bytes)?;
        if i64::from(header.schema) != version {
            return Err(Error::corrupt(
                "the schema version does not match the header",
            ));
        }
        if version > schema::LATEST_VERSION {
            return Err(Error::TooNew {
                found: version,
                supported: schema::LATEST_VERSION,
            });
        }
        if version < schema::LATEST_VERSION {
            // A copy of the vault as it was, before anything changes its tables.
            backup::backup(path, &backup::default_dir(path), backup::DEFAULT_KEEP)?;
            let base = header.clone();
            schema::migrate(&mut conn, version, &|tx, reached| {
                let stepped = Header {
                    schema: u32::try_from(reached).unwrap_or(u32::MAX),
                    ..base.clone()
                };
                tx.execute(
                    "UPDATE header SET bytes = ?1 WHERE id = 1",
                    [stepped.encode().as_slice()],
                )
                .map_err(write_error)?;
                Ok(())
            })?;
            header.schema = schema::LATEST_VERSION as u32;
        }
        Ok(VaultFile {
            conn,
            header,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this is a test vault made with `--insecure-fast-kdf`.
    pub fn is_insecure_kdf(&self) -> bool {
        self.header.insecure_kdf
    }

    pub fn kdf(&self) -> KdfParams {
        self.header.kdf
    }

    /// Unlocks with the master password.
    pub fn unlock(self, password: &SecretBytes) -> Result<Vault> {
        let kek = self
            .header
            .kdf
            .derive(password.expose(), &self.header.salt)?;
        let password_keys = PasswordKeys::from_kek(&kek, &self.header.vault_id);
        if !ct_eq(&password_keys.verifier, &self.header.verifier) {
            return Err(Error::WrongPassword);
        }
        let vault_key = unwrap_vault_key(&password_keys.wrap, &self.header)?;
        let keys = VaultKeys::new(vault_key, &self.header.vault_id);
        let vault = Vault {
            file: self,
            keys,
            actor: None,
        };
        integrity::read_state(&vault.file.conn, &vault.codec())?;
        Ok(vault)
    }
}

fn unwrap_vault_key(wrap_key: &Key, header: &Header) -> Result<Key> {
    let plain = aead::open_with_aad(wrap_key, &header.wrap_aad(), &header.wrapped_key)
        .map_err(|_| Error::corrupt("the wrapped vault key failed authentication"))?;
    key_from_slice(plain.expose())
}

/// Builds the header for `vault_key` under `password`: fresh salt, verifier and wrapping.
fn seal_header(
    vault_id: [u8; 16],
    kdf: KdfParams,
    insecure_kdf: bool,
    password: &SecretBytes,
    vault_key: &Key,
) -> Result<Header> {
    let salt: [u8; 32] = random_array()?;
    let kek = kdf.derive(password.expose(), &salt)?;
    let password_keys = PasswordKeys::from_kek(&kek, &vault_id);
    let mut header = Header {
        vault_id,
        kdf,
        insecure_kdf,
        salt,
        verifier: password_keys.verifier,
        wrapped_key: [0; header::WRAPPED_KEY_LEN],
        schema: schema::LATEST_VERSION as u32,
    };
    let wrapped = aead::seal_with_aad(&password_keys.wrap, &header.wrap_aad(), vault_key.expose())?;
    header.wrapped_key = wrapped
        .as_slice()
        .try_into()
        .map_err(|_| Error::Invalid("the wrapped key has an unexpected size".into()))?;
    Ok(header)
}

fn check_password(password: &SecretBytes) -> Result<()> {
    if password.is_empty() {
        return Err(Error::Invalid("the master password is empty".into()));
    }
    Ok(())
}

/// An unlocked vault: the open file and the keys derived from its vault key.
#[derive(Debug)]
pub struct Vault {
    file: VaultFile,
    keys: VaultKeys,
    /// The process changes are recorded for (set by an agent); `None` for this process.
    actor: Option<audit::Actor>,
}

impl Vault {
    /// Creates a new vault at `path`. The file appears complete or not at all: it is built
    /// under a temporary name and linked into place, which also refuses to replace a vault.
    pub fn create(
        path: &Path,
        password: &SecretBytes,
        kdf: KdfParams,
        insecure_kdf: bool,
    ) -> Result<Vault> {
        check_password(password)?;
        kdf.check(insecure_kdf)?;
        if path.exists() {
            return Err(Error::VaultExists(path.to_path_buf()));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let suffix: [u8; 6] = random_array()?;
        let temp = TempVault(dir.join(format!(
            ".vault-init-{}-{}.db",
            std::process::id(),
            suffix.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )));

        let vault_id: [u8; 16] = random_array()?;
        let vault_key = Key::random()?;
        let header = seal_header(vault_id, kdf, insecure_kdf, password, &vault_key)?;
        let keys = VaultKeys::new(vault_key, &vault_id);
        {
            let mut conn = schema::create(&temp.0)?;
            let codec = Codec {
                keys: &keys,
                vault_id,
            };
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(write_error)?;
            tx.execute(
                "INSERT INTO header (id, bytes) VALUES (1, ?1)",
                [header.encode().as_slice()],
            )
            .map_err(write_error)?;
            integrity::write_state(
                &tx,
                &codec,
                0,
                StateRecord {
                    secrets: 0,
                    versions: 0,
                    audit: Some(0),
                    audit_head: None,
                },
            )?;
            tx.commit().map_err(write_error)?;
            // Closing checkpoints the WAL into the file, so the file alone is the whole vault.
            conn.close().map_err(|(_, e)| write_error(e))?;
        }
        sync_file(&temp.0)?;
        std::fs::hard_link(&temp.0, path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::VaultExists(path.to_path_buf())
            } else {
                Error::io(format!("could not create {}", path.display()), e)
            }
        })?;
        drop(temp);
        sync_file(dir)?;

        let (conn, _) = schema::open(path)?;
        Ok(Vault {
            file: VaultFile {
                conn,
                header,
                path: path.to_path_buf(),
            },
            keys,
            actor: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }

    pub fn is_insecure_kdf(&self) -> bool {
        self.file.header.insecure_kdf
    }

    pub fn kdf(&self) -> KdfParams {
        self.file.header.kdf
    }

    /// Changes the master password. Only the header changes (the vault key is re-wrapped), in
    /// one transaction: after a crash at any point exactly one of the two passwords opens it.
    pub fn change_password(&mut self, new_password: &SecretBytes) -> Result<()> {
        let (kdf, insecure) = (self.file.header.kdf, self.file.header.insecure_kdf);
        self.rewrap(new_password, kdf, insecure)
    }

    /// Changes the master password and the key derivation's parameters together (after
    /// `KdfParams::calibrate` on a faster or slower machine), the same way.
    pub fn change_password_and_kdf(
        &mut self,
        new_password: &SecretBytes,
        kdf: KdfParams,
    ) -> Result<()> {
        self.rewrap(new_password, kdf, false)
    }

    fn rewrap(&mut self, new_password: &SecretBytes, kdf: KdfParams, insecure: bool) -> Result<()> {
        check_password(new_password)?;
        let old = &self.file.header;
        let header = seal_header(
            old.vault_id,
            kdf,
            insecure,
            new_password,
            self.keys.vault_key(),
        )?;
        let tx = self
            .file
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(write_error)?;
        let changed = tx
            .execute(
                "UPDATE header SET bytes = ?1 WHERE id = 1",
                [header.encode().as_slice()],
            )
            .map_err(write_error)?;
        if changed != 1 {
            return Err(Error::corrupt("the vault has no header"));
        }
        tx.commit().map_err(write_error)?;
        self.file.header = header;
        self.record_change("passwd", Vec::new(), None);
        Ok(())
    }

    /// The subkey that keys leak fingerprints: the scanner's matcher of stored values and the
    /// ids of findings. A copy, zeroized when dropped; it opens nothing in the vault.
    pub fn fingerprint_key(&self) -> Key {
        self.keys.subkey(Purpose::Fingerprints).clone()
    }

    fn codec(&self) -> Codec<'_> {
        Codec {
            keys: &self.keys,
            vault_id: self.file.header.vault_id,
        }
    }
}

/// A half-built vault file, removed (with its WAL and shared-memory files) unless linked.
struct TempVault(PathBuf);

impl Drop for TempVault {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("could not sync {}", path.display()), e))
}
