//! age files (<https://age-encryption.org/v1>), through the `age` crate: sealed to X25519
//! (`age1...`), `ssh-ed25519` or `ssh-rsa` recipients, or to a passphrase (scrypt), and opened
//! with an identity file (age's own, or an unencrypted OpenSSH private key) or the passphrase.
//! Files from the `age` and `rage` tools open here, and these open there.

use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// The first bytes of a binary age file and of an armored one.
const MAGIC: &[u8] = b"age-encryption.org/";
const ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// A decrypted file is held whole in memory: bounded, so a hostile file cannot exhaust it.
pub const MAX_PLAINTEXT: usize = 64 * 1024 * 1024;

/// Whether `head` (the start of a file) is an age file, binary or armored.
pub fn is_age(head: &[u8]) -> bool {
    let head = head.trim_ascii_start();
    head.starts_with(MAGIC) || head.starts_with(ARMOR)
}

/// Who can open the file.
pub enum SealTo {
    Recipients(Vec<Box<dyn age::Recipient + Send>>),
    Passphrase(SecretBytes),
}

impl std::fmt::Debug for SealTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealTo::Recipients(list) => write!(f, "Recipients({})", list.len()),
            SealTo::Passphrase(_) => f.write_str("Passphrase(…)"),
        }
    }
}

/// One recipient as `age -r` takes it: `age1...`, `ssh-ed25519 AAAA...` or `ssh-rsa AAAA...`.
pub fn parse_recipient(text: &str) -> Result<Box<dyn age::Recipient + Send>> {
    let text = text.trim();
    if text.starts_with("age1") {
        return age::x25519::Recipient::from_str(text)
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
            .map_err(|e| Error::Invalid(format!("not an age recipient ({e}): {text}")));
    }
    if text.starts_with("ssh-") {
        return age::ssh::Recipient::from_str(text)
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
            .map_err(|e| {
                let why = match e {
                    age::ssh::ParseRecipientKeyError::Ignore => "not an SSH key age can use",
                    age::ssh::ParseRecipientKeyError::Invalid(why) => why,
                    age::ssh::ParseRecipientKeyError::RsaModulusTooLarge => {
                        "the RSA key is too large"
                    }
                    age::ssh::ParseRecipientKeyError::RsaModulusTooSmall => {
                        "the RSA key is too small"
                    }
                    _ => "unsupported SSH key type",
                };
                Error::Invalid(format!("{why}: {}", first_words(text)))
            });
    }
    Err(Error::Invalid(format!(
        "a recipient is an age1... key, an ssh-ed25519 or an ssh-rsa public key; got {}",
        first_words(text)
    )))
}

/// The recipients of a file as `age -R` reads it: one a line, `#` comments and blank lines
/// skipped.
pub fn read_recipients_file(path: &Path) -> Result<Vec<Box<dyn age::Recipient + Send>>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(
            parse_recipient(line)
                .map_err(|e| Error::Invalid(format!("{}:{}: {e}", path.display(), n + 1)))?,
        );
    }
    if out.is_empty() {
        return Err(Error::Invalid(format!(
            "{} names no recipient",
            path.display()
        )));
    }
    Ok(out)
}

/// Encrypts `plain`, armored (`-----BEGIN AGE ENCRYPTED FILE-----`) when asked.
pub fn seal(plain: &[u8], to: &SealTo, armor: bool) -> Result<Vec<u8>> {
    let encryptor = match to {
        SealTo::Recipients(list) => {
            age::Encryptor::with_recipients(list.iter().map(|r| r.as_ref() as &dyn age::Recipient))
                .map_err(|e| Error::Invalid(format!("could not seal the file: {e}")))?
        }
        SealTo::Passphrase(passphrase) => {
            age::Encryptor::with_user_passphrase(secret_string(passphrase)?)
        }
    };
    let format = if armor {
        age::armor::Format::AsciiArmor
    } else {
        age::armor::Format::Binary
    };
    let sealing = || -> std::io::Result<Vec<u8>> {
        let armored = age::armor::ArmoredWriter::wrap_output(Vec::new(), format)?;
        let mut writer = encryptor.wrap_output(armored)?;
        writer.write_all(plain)?;
        writer.finish()?.finish()
    };
    sealing().map_err(|e| Error::io("could not seal the file", e))
}

/// How to open a file.
pub enum OpenWith {
    /// Identities read from files: age identity files or OpenSSH private keys.
    Identities(Vec<Box<dyn age::Identity>>),
    Passphrase(SecretBytes),
}

impl std::fmt::Debug for OpenWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenWith::Identities(list) => write!(f, "Identities({})", list.len()),
            OpenWith::Passphrase(_) => f.write_str("Passphrase(…)"),
        }
    }
}

/// The identities in `path`: an age identity file (`AGE-SECRET-KEY-1...` lines) or an
/// unencrypted OpenSSH private key (ed25519 or RSA).
pub fn read_identity_file(path: &Path) -> Result<Vec<Box<dyn age::Identity>>> {
    let bytes = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Error::Invalid(format!(
            "{} is not an age identity or an SSH private key",
            path.display()
        ))
    })?;
    if text.contains("-----BEGIN") {
        let identity = age::ssh::Identity::from_buffer(BufReader::new(text.as_bytes()), None)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        return match identity {
            age::ssh::Identity::Unencrypted(_) => Ok(vec![Box::new(identity)]),
            age::ssh::Identity::Encrypted(_) => Err(Error::Invalid(format!(
                "{} is protected by a passphrase; use an unencrypted copy or an age identity",
                path.display()
            ))),
            age::ssh::Identity::Unsupported(_) => Err(Error::Invalid(format!(
                "{}: this kind of SSH key cannot open age files",
                path.display()
            ))),
        };
    }
    let file = age::IdentityFile::from_buffer(BufReader::new(text.as_bytes()))
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let identities = file
        .into_identities()
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    if identities.is_empty() {
        return Err(Error::Invalid(format!(
            "{} holds no identity",
            path.display()
        )));
    }
    Ok(identities
        .into_iter()
        .map(|i| i as Box<dyn age::Identity>)
        .collect())
}

/// Whether the file at `input` was sealed to a passphrase (and so needs one to open).
pub fn needs_passphrase(input: &[u8]) -> Result<bool> {
    let reader = age::armor::ArmoredReader::new(input);
    let decryptor = age::Decryptor::new(reader).map_err(open_error)?;
    Ok(decryptor.is_scrypt())
}

/// Decrypts `input` (binary or armored), at most [`MAX_PLAINTEXT`] bytes.
pub fn open(input: &[u8], with: &OpenWith) -> Result<Zeroizing<Vec<u8>>> {
    let reader = age::armor::ArmoredReader::new(input);
    let decryptor = age::Decryptor::new(reader).map_err(open_error)?;
    let scrypt;
    let identities: Vec<&dyn age::Identity> = match with {
        OpenWith::Identities(list) => list.iter().map(|i| i.as_ref()).collect(),
        OpenWith::Passphrase(passphrase) => {
            scrypt = age::scrypt::Identity::new(secret_string(passphrase)?);
            vec![&scrypt as &dyn age::Identity]
        }
    };
    let mut reader = decryptor
        .decrypt(identities.into_iter())
        .map_err(open_error)?;
    let mut plain = Zeroizing::new(Vec::with_capacity(input.len()));
    let read = (&mut reader)
        .take(MAX_PLAINTEXT as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|e| Error::Invalid(format!("the file is damaged: {e}")))?;
    if read > MAX_PLAINTEXT {
        return Err(Error::Invalid(format!(
            "the file holds more than {} MiB",
            MAX_PLAINTEXT >> 20
        )));
    }
    Ok(plain)
}

fn open_error(e: age::DecryptError) -> Error {
    match e {
        age::DecryptError::NoMatchingKeys => {
            Error::Invalid("none of the identities given can open this file".into())
        }
        age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
            Error::Invalid("the passphrase or identity does not open this file".into())
        }
        age::DecryptError::ExcessiveWork { required, .. } => Error::Invalid(format!(
            "the file's passphrase needs too much work to check (scrypt 2^{required})"
        )),
        other => Error::Invalid(format!("not a readable age file: {other}")),
    }
}

fn secret_string(bytes: &SecretBytes) -> Result<SecretString> {
    let text = std::str::from_utf8(bytes.expose())
        .map_err(|_| Error::Invalid("a passphrase must be text (UTF-8)".into()))?;
    Ok(SecretString::from(text.to_owned()))
}

fn first_words(text: &str) -> String {
    let mut words = text.split_whitespace();
    let kind = words.next().unwrap_or_default();
    let key: String = words.next().unwrap_or_default().chars().take(12).collect();
    if key.is_empty() {
        format!("{kind:?}")
    } else {
        format!("{kind} {key}…")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn x25519_files_open_with_their_identity_only() {
        let identity = age::x25519::Identity::generate();
        for armor in [false, true] {
            let recipient = parse_recipient(&identity.to_public().to_string()).unwrap();
            let sealed = seal(
                b"API_KEY=abc\n",
                &SealTo::Recipients(vec![recipient]),
                armor,
            )
            .unwrap();
            assert!(is_age(&sealed));
            assert!(!needs_passphrase(&sealed).unwrap());
            let plain = open(
                &sealed,
                &OpenWith::Identities(vec![Box::new(identity.clone())]),
            )
            .unwrap();
            assert_eq!(plain.as_slice(), b"API_KEY=abc\n");
            let stranger = age::x25519::Identity::generate();
            let err = open(&sealed, &OpenWith::Identities(vec![Box::new(stranger)])).unwrap_err();
            assert!(err.to_string().contains("none of the identities"), "{err}");
        }
    }

    #[test]
    fn bad_recipients_and_files_are_one_line_errors() {
        for bad in [
            "age1nope",
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
            "hello",
            "ssh-ed25519 AAAA",
        ] {
            let Err(err) = parse_recipient(bad) else {
                panic!("{bad} was taken as a recipient");
            };
            let err = err.to_string();
            assert!(!err.contains('\n'), "{err}");
        }
        assert!(!is_age(b"API_KEY=1\n"));
        let err = open(
            b"age-encryption.org/v1\n-> X25519 garbage\n",
            &OpenWith::Passphrase(SecretBytes::copy_from(b"pw")),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("age file"), "{err}");
    }
}
