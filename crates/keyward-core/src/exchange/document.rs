//! The plaintext inside an export: `{"format": "keyward-export", "version": 1, "exported": ...,
//! "secrets": [{"entry": {...}, "versions": [{"version": 1, ..., "value": "<base64>"}]}]}`.
//! Values are base64 so any bytes survive; every buffer that holds them is zeroized.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::inject::dotenv::DotEnv;
use crate::secret::{SecretBytes, WireSecret};
use crate::time::Stamp;
use crate::vault::{Entry, VersionInfo};

pub const FORMAT: &str = "keyward-export";
pub const VERSION: u32 = 1;

/// One value of a secret's history. (Fields spelled out rather than a flattened
/// `VersionInfo`: serde buffers flattened maps, which would copy the value outside the
/// zeroizing buffer.)
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedVersion {
    pub version: u32,
    pub created: Stamp,
    pub retired: Option<Stamp>,
    pub value: WireSecret,
}

impl ExportedVersion {
    pub fn new(info: &VersionInfo, value: SecretBytes) -> Self {
        ExportedVersion {
            version: info.version,
            created: info.created,
            retired: info.retired,
            value: WireSecret(value),
        }
    }
}

/// A secret: its metadata as `list --json` shows it, and its values, oldest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedSecret {
    pub entry: Entry,
    pub versions: Vec<ExportedVersion>,
}

impl ExportedSecret {
    /// The value in use: the last of the history.
    pub fn current(&self) -> Option<&SecretBytes> {
        self.versions.last().map(|v| &v.value.0)
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Document {
    pub format: String,
    pub version: u32,
    pub exported: Stamp,
    pub secrets: Vec<ExportedSecret>,
}

impl Document {
    pub fn new(secrets: Vec<ExportedSecret>) -> Document {
        Document {
            format: FORMAT.to_owned(),
            version: VERSION,
            exported: Stamp::now(),
            secrets,
        }
    }

    /// The document as JSON, in a buffer sized up front so it never reallocates (a
    /// reallocation would leave a copy of the values in freed memory).
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        let values: usize = self
            .secrets
            .iter()
            .flat_map(|s| &s.versions)
            .map(|v| v.value.0.len())
            .sum();
        let mut out = Zeroizing::new(Vec::with_capacity(
            values * 2 + 4096 + 1024 * self.secrets.len(),
        ));
        serde_json::to_writer_pretty(&mut *out, self)
            .map_err(|e| Error::Invalid(format!("could not write the export: {e}")))?;
        Ok(out)
    }
}

/// What an opened file held: a keyward export, or a `.env` file (one that `age` sealed).
#[derive(Debug)]
pub enum Contents {
    Export(Document),
    DotEnv(DotEnv),
}

/// Reads the plaintext of an opened age file.
pub fn parse(plain: &[u8]) -> Result<Contents> {
    let looks_like_json = plain
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    if looks_like_json {
        let doc: Document = serde_json::from_slice(plain).map_err(|e| {
            Error::Invalid(format!(
                "the file opened but is not a keyward export ({})",
                crate::error::json_category(&e)
            ))
        })?;
        if doc.format != FORMAT || doc.version != VERSION {
            return Err(Error::Invalid(format!(
                "the file is a {} version {} export; this keyward reads {FORMAT} version {VERSION}",
                doc.format, doc.version
            )));
        }
        return Ok(Contents::Export(doc));
    }
    let text = std::str::from_utf8(plain).map_err(|_| {
        Error::Invalid("the file opened but holds neither a keyward export nor a .env file".into())
    })?;
    Ok(Contents::DotEnv(DotEnv::parse(Zeroizing::new(
        text.to_owned(),
    ))?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn version(version: u32, value: &[u8]) -> ExportedVersion {
        ExportedVersion {
            version,
            created: Stamp::now(),
            retired: None,
            value: WireSecret(SecretBytes::copy_from(value)),
        }
    }

    #[test]
    fn a_document_round_trips_every_byte() {
        let entry: Entry = serde_json::from_value(serde_json::json!({
            "name": "stripe/live", "created": "2026-01-02T03:04:05Z", "updated": "2026-01-02T03:04:05Z",
            "rotated": "2026-01-02T03:04:05Z", "tags": ["payments"], "note": null,
            "rotate_every": "90d", "expires": null, "version": 2
        }))
        .unwrap();
        let doc = Document::new(vec![ExportedSecret {
            entry,
            versions: vec![version(1, b"old\n\x00\xff"), version(2, b"sk_live_new")],
        }]);
        let bytes = doc.to_bytes().unwrap();
        let Contents::Export(back) = parse(&bytes).unwrap() else {
            panic!("not an export");
        };
        assert_eq!(back.secrets[0].entry.name, "stripe/live");
        assert_eq!(back.secrets[0].entry.tags, ["payments"]);
        assert_eq!(
            back.secrets[0].versions[0].value.0.expose(),
            b"old\n\x00\xff"
        );
        assert_eq!(back.secrets[0].current().unwrap().expose(), b"sk_live_new");
    }

    #[test]
    fn other_contents_are_a_dotenv_or_a_clear_error() {
        let Contents::DotEnv(env) = parse(b"API_KEY=abc\nDB_PASSWORD='x y'\n").unwrap() else {
            panic!("not a .env");
        };
        assert_eq!(env.assignments.len(), 2);
        let err = parse(br#"{"format": "something-else", "version": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a keyward export"), "{err}");
        let err = parse(b"\xff\xfe binary").unwrap_err().to_string();
        assert!(err.contains("neither"), "{err}");
        let err = parse(br#"{"format":"keyward-export","version":9,"exported":"2026-01-01T00:00:00Z","secrets":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("version 9"), "{err}");
    }
}
