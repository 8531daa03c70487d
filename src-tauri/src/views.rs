//! What the UI is shown: plain records built from the core's types, with times as RFC 3339
//! strings. None of them holds a secret value; `reveal_secret` is the one command that returns
//! one, on its own.

use keyward_core::findings::StoredFinding;
use keyward_core::rotation::{Due, DueReason};
use keyward_core::usage::WhereUsed;
use keyward_core::{AuditEvent, Entry, VersionInfo};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct VaultState {
    /// A vault exists in this home; when not, the UI offers to create one.
    pub exists: bool,
    pub unlocked: bool,
    /// The app hosts the agent (else it uses a `keyward agent` that was already running).
    pub hosted: bool,
    pub vault_path: String,
    pub lock_after_secs: u32,
    /// Watched folders and how many inotify watches they take, once the watcher runs.
    pub watching: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Calibration {
    pub memory_mib: u32,
    pub passes: u32,
    pub lanes: u32,
    /// How long one unlock takes on this machine.
    pub seconds: f64,
}

impl Calibration {
    pub fn new(kdf: keyward_core::crypto::kdf::KdfParams, took: std::time::Duration) -> Self {
        Calibration {
            memory_mib: kdf.m_kib / 1024,
            passes: kdf.t,
            lanes: kdf.p,
            seconds: took.as_secs_f64(),
        }
    }
}

/// A secret's rotation state, worst first: what the list's filters and badges show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Exposed,
    Expired,
    Overdue,
    DueSoon,
    Ok,
}

impl From<DueReason> for Health {
    fn from(reason: DueReason) -> Self {
        match reason {
            DueReason::Exposed => Health::Exposed,
            DueReason::Expired => Health::Expired,
            DueReason::Overdue => Health::Overdue,
            DueReason::DueSoon => Health::DueSoon,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SecretSummary {
    pub name: String,
    pub tags: Vec<String>,
    pub provider: Option<String>,
    pub version: u32,
    pub rotated: String,
    pub rotate_every_days: Option<u32>,
    pub expires: Option<String>,
    pub health: Health,
}

impl SecretSummary {
    pub fn new(entry: &Entry, due: Option<&Due>) -> Self {
        SecretSummary {
            name: entry.name.clone(),
            tags: entry.tags.clone(),
            provider: entry.provider.clone(),
            version: entry.version,
            rotated: entry.rotated.to_string(),
            rotate_every_days: entry.rotate_every.map(|r| r.days()),
            expires: entry.expires.map(|d| d.to_string()),
            health: due.map_or(Health::Ok, |d| d.reason.into()),
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SecretDetail {
    pub summary: SecretSummary,
    pub created: String,
    pub updated: String,
    pub note: Option<String>,
    pub provider_name: Option<String>,
    /// The provider's page for making a new key and revoking the old one.
    pub provider_url: Option<String>,
    pub due: Option<DueView>,
    pub history: Vec<VersionView>,
    pub used_in: Vec<String>,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct VersionView {
    pub version: u32,
    pub created: String,
    pub retired: Option<String>,
    pub current: bool,
}

impl From<&VersionInfo> for VersionView {
    fn from(v: &VersionInfo) -> Self {
        VersionView {
            version: v.version,
            created: v.created.to_string(),
            retired: v.retired.map(|r| r.to_string()),
            current: v.current,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DueView {
    pub name: String,
    pub health: Health,
    /// Since when it is exposed, expired or overdue; for `due_soon`, when it will be due.
    pub since: String,
    pub rotated: String,
    pub provider: Option<String>,
    pub manage_url: Option<String>,
    /// Where it leaked, for `exposed`: `path:line`.
    pub exposed_in: Option<String>,
}

impl From<&Due> for DueView {
    fn from(d: &Due) -> Self {
        DueView {
            name: d.name.clone(),
            health: d.reason.into(),
            since: d.since.to_string(),
            rotated: d.rotated.to_string(),
            provider: d.provider.clone(),
            manage_url: d.rotate_at.clone(),
            exposed_in: d
                .exposed_in
                .as_ref()
                .map(|e| format!("{}:{}", e.path, e.line)),
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FindingView {
    pub id: i32,
    /// `open`, `resolved` or `ignored`.
    pub state: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    /// `vault` (one of your secrets) or `pattern` (a well-known key format).
    pub kind: String,
    pub secret: Option<String>,
    pub rule: String,
    pub description: String,
    pub encoding: String,
    /// `critical` (committed), `high` (untracked), `medium` (ignored), `low`.
    pub severity: String,
    /// `high` (your secret, a key format, a credential file), `medium` (a literal assigned to a
    /// telling name), `low` (such a literal in tests).
    pub confidence: String,
    /// A preview with the secret's middle masked.
    pub redacted: String,
    pub reason: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
}

impl From<&StoredFinding> for FindingView {
    fn from(f: &StoredFinding) -> Self {
        FindingView {
            id: i32::try_from(f.id).unwrap_or(i32::MAX),
            state: serde_name(&f.state),
            path: f.path.clone(),
            line: u32::try_from(f.line).unwrap_or(u32::MAX),
            column: u32::try_from(f.column).unwrap_or(u32::MAX),
            kind: serde_name(&f.kind),
            secret: f.secret.clone(),
            rule: f.rule.clone(),
            description: f.description.clone(),
            encoding: f.encoding.clone(),
            severity: f.severity.name().to_owned(),
            confidence: f.confidence.name().to_owned(),
            redacted: f.redacted.clone(),
            reason: f.reason.clone(),
            first_seen: f.first_seen.to_string(),
            last_seen: f.last_seen.to_string(),
        }
    }
}

/// The name the core serialises a small enum to, so the UI and the CLI's JSON agree.
pub fn serde_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AuditView {
    pub time: String,
    pub command: String,
    pub names: Vec<String>,
    pub cwd: String,
    pub pid: u32,
    pub detail: Option<String>,
}

impl From<&AuditEvent> for AuditView {
    fn from(e: &AuditEvent) -> Self {
        AuditView {
            time: e.time.to_string(),
            command: e.command.clone(),
            names: e.names.clone(),
            cwd: e.cwd.clone(),
            pid: e.pid,
            detail: e.detail.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AuditCheckView {
    pub ok: bool,
    pub records: u32,
    /// Names the first bad record when the chain is broken.
    pub message: String,
}

pub fn used_in(used: &WhereUsed) -> Vec<String> {
    let projects = used.projects.iter().map(|p| match p.line {
        Some(line) => format!("{}:{line} as {}", p.file, p.variable),
        None => format!("{} as {}", p.file, p.variable),
    });
    let programs = used.programs.iter().map(|p| {
        let what = p.program.as_deref().unwrap_or(&p.command);
        format!("{what} in {} ({} times)", p.folder, p.times)
    });
    projects.chain(programs).collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct WatchSettings {
    pub projects: Vec<String>,
    pub history: bool,
    pub editor_backups: bool,
}

impl From<keyward_core::WatchConfig> for WatchSettings {
    fn from(config: keyward_core::WatchConfig) -> Self {
        WatchSettings {
            projects: config.projects,
            history: config.history,
            editor_backups: config.editor_backups,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CopyReceipt {
    /// The clipboard is cleared after this many seconds if it still holds the value.
    pub clears_in_secs: u32,
}

/// A new secret from the add form.
#[derive(Debug, Deserialize, specta::Type)]
pub struct NewSecret {
    pub name: String,
    pub tags: Vec<String>,
    pub note: Option<String>,
    /// Days; `None` takes the provider's own interval when the catalog knows the key.
    pub rotate_every_days: Option<u32>,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
}

/// Changes from the edit form; a field left `None` is left alone.
#[derive(Debug, Deserialize, specta::Type)]
pub struct SecretEdit {
    pub tags: Option<Vec<String>>,
    pub note: Option<String>,
    pub rotate_every_days: Option<u32>,
    pub expires: Option<String>,
}

/// A watched folder: what its `keyward.toml` gives `keyward run`, and its open leaks.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ProjectView {
    pub folder: String,
    /// `VARIABLE = "secret"` lines of its `keyward.toml` (its default profile).
    pub bindings: Vec<Binding>,
    /// Why the bindings could not be read (no `keyward.toml`, or a malformed one).
    pub bindings_note: Option<String>,
    pub open_findings: u32,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Binding {
    pub variable: String,
    pub secret: String,
    /// The vault holds this secret.
    pub stored: bool,
}
