//! What needs rotating, and why: a secret whose value a finding saw since its last rotation is
//! exposed (rotate now); then expired, overdue, and due within two weeks. One line per secret,
//! its most urgent reason. Time comes from a `Clock`, so tests can move it.

use jiff::civil::Date;
use serde::Serialize;

use crate::findings::{FindingState, StoredFinding};
use crate::policy::RotateEvery;
use crate::time::Stamp;
use crate::vault::Entry;

const DAY: i64 = 86_400;

/// Secrets due within this many days are listed as `due_soon`.
pub const DUE_SOON_DAYS: i64 = 14;

/// Where the time comes from: the system, or a test's hand.
pub trait Clock: Send + Sync {
    fn now(&self) -> Stamp;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Stamp {
        Stamp::now()
    }
}

/// Most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueReason {
    /// A finding saw its current value: rotate now.
    Exposed,
    Expired,
    Overdue,
    DueSoon,
}

impl DueReason {
    pub fn name(self) -> &'static str {
        match self {
            DueReason::Exposed => "exposed",
            DueReason::Expired => "expired",
            DueReason::Overdue => "overdue",
            DueReason::DueSoon => "due soon",
        }
    }
}

/// Where the value was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exposure {
    pub path: String,
    pub line: usize,
    pub severity: keyward_scan::Severity,
    pub finding: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    pub name: String,
    pub reason: DueReason,
    /// Since when it is exposed, expired or overdue; for `due_soon`, when it will be due.
    pub since: Stamp,
    pub rotated: Stamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotate_every: Option<RotateEvery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_in: Option<Exposure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's page for making a new key and revoking the old one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotate_at: Option<String>,
    /// Project folders that use it (filled by the caller, which knows the projects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_in: Vec<String>,
}

/// The start of `date` in UTC.
fn day_start(date: Date) -> Stamp {
    let seconds = date
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map_or(i64::MAX, |z| z.timestamp().as_second());
    Stamp::from_unix(seconds)
}

/// Every secret that needs rotating at `now`, most urgent first.
pub fn due(entries: &[Entry], findings: &[StoredFinding], now: Stamp) -> Vec<Due> {
    let mut out: Vec<Due> = entries
        .iter()
        .filter_map(|entry| reason(entry, findings, now))
        .collect();
    out.sort_by(|a, b| (a.reason, a.since, &a.name).cmp(&(b.reason, b.since, &b.name)));
    out
}

fn reason(entry: &Entry, findings: &[StoredFinding], now: Stamp) -> Option<Due> {
    let catalog = crate::catalog::Catalog::builtin().ok();
    let provider = entry
        .provider
        .as_deref()
        .and_then(|id| catalog.and_then(|c| c.get(id)));
    let due = |reason, since, exposed_in| Due {
        name: entry.name.clone(),
        reason,
        since,
        rotated: entry.rotated,
        rotate_every: entry.rotate_every,
        expires: entry.expires,
        exposed_in,
        provider: entry.provider.clone(),
        rotate_at: provider
            .map(|p| p.manage.clone())
            .filter(|page| !page.is_empty()),
        used_in: Vec::new(),
    };
    // Seen since its last rotation: a finding of an older value does not count.
    let exposure = findings
        .iter()
        .filter(|f| {
            f.state == FindingState::Open
                && f.secret.as_deref() == Some(entry.name.as_str())
                && f.first_seen >= entry.rotated
        })
        .min_by_key(|f| (std::cmp::Reverse(f.severity), f.first_seen));
    if let Some(f) = exposure {
        let first = findings
            .iter()
            .filter(|g| {
                g.state == FindingState::Open
                    && g.secret == f.secret
                    && g.first_seen >= entry.rotated
            })
            .map(|g| g.first_seen)
            .min()
            .unwrap_or(f.first_seen);
        return Some(due(
            DueReason::Exposed,
            first,
            Some(Exposure {
                path: f.path.clone(),
                line: f.line,
                severity: f.severity,
                finding: f.id,
            }),
        ));
    }
    let expiry = entry.expires.map(day_start);
    if let Some(at) = expiry
        && at <= now
    {
        return Some(due(DueReason::Expired, at, None));
    }
    let snoozed = entry.snoozed_until.is_some_and(|until| until > now);
    let next = entry.rotate_every.map(|every| {
        Stamp::from_unix(
            entry
                .rotated
                .unix()
                .saturating_add(i64::from(every.days()) * DAY),
        )
    });
    if let Some(at) = next
        && at <= now
        && !snoozed
    {
        return Some(due(DueReason::Overdue, at, None));
    }
    let soon = Stamp::from_unix(now.unix().saturating_add(DUE_SOON_DAYS * DAY));
    let upcoming = [next.filter(|_| !snoozed), expiry]
        .into_iter()
        .flatten()
        .filter(|&at| at <= soon)
        .min();
    upcoming.map(|at| due(DueReason::DueSoon, at, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock a test sets.
    struct Hand(Stamp);

    impl Clock for Hand {
        fn now(&self) -> Stamp {
            self.0
        }
    }

    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn entry(name: &str, every: Option<u32>, expires: Option<&str>) -> Entry {
        Entry {
            name: name.into(),
            created: Stamp::from_unix(T0),
            updated: Stamp::from_unix(T0),
            rotated: Stamp::from_unix(T0),
            tags: vec![],
            note: None,
            rotate_every: every.map(|d| RotateEvery::from_days(d).unwrap()),
            expires: expires.map(|d| d.parse().unwrap()),
            version: 1,
            snoozed_until: None,
            provider: None,
        }
    }

    fn at(days: i64) -> Hand {
        Hand(Stamp::from_unix(T0 + days * DAY))
    }

    fn reasons(
        entries: &[Entry],
        findings: &[StoredFinding],
        clock: &dyn Clock,
    ) -> Vec<(String, DueReason)> {
        due(entries, findings, clock.now())
            .into_iter()
            .map(|d| (d.name, d.reason))
            .collect()
    }

    #[test]
    fn a_ninety_day_key_is_due_soon_then_overdue_and_rotation_clears_it() {
        let mut e = entry("stripe", Some(90), None);
        assert!(reasons(std::slice::from_ref(&e), &[], &at(75)).is_empty());
        assert_eq!(
            reasons(std::slice::from_ref(&e), &[], &at(76)),
            vec![("stripe".into(), DueReason::DueSoon)]
        );
        let overdue = due(&[e.clone()], &[], at(91).now());
        assert_eq!(overdue[0].reason, DueReason::Overdue);
        assert_eq!(overdue[0].since, Stamp::from_unix(T0 + 90 * DAY));
        e.rotated = at(91).now();
        assert!(reasons(&[e], &[], &at(92)).is_empty());
    }

    #[test]
    fn expiry_comes_before_the_interval_and_is_due_soon_two_weeks_ahead() {
        let e = entry("token", Some(365), Some("2026-03-01"));
        assert!(reasons(std::slice::from_ref(&e), &[], &at(30)).is_empty());
        assert_eq!(
            reasons(std::slice::from_ref(&e), &[], &at(46)),
            vec![("token".into(), DueReason::DueSoon)]
        );
        assert_eq!(
            reasons(&[e], &[], &at(59)),
            vec![("token".into(), DueReason::Expired)]
        );
    }

    #[test]
    fn a_snooze_hides_overdue_until_it_ends_but_never_exposure() {
        let mut e = entry("db", Some(30), None);
        e.snoozed_until = Some(at(37).now());
        assert!(reasons(std::slice::from_ref(&e), &[], &at(31)).is_empty());
        assert_eq!(
            reasons(std::slice::from_ref(&e), &[], &at(38)),
            vec![("db".into(), DueReason::Overdue)]
        );
        let f = finding("db", at(32).now(), FindingState::Open);
        assert_eq!(
            reasons(&[e], &[f], &at(33)),
            vec![("db".into(), DueReason::Exposed)]
        );
    }

    #[test]
    fn exposure_since_the_last_rotation_comes_first_and_older_findings_do_not_count() {
        let mut leaked = entry("aws", None, None);
        let calm = entry("calm", Some(10), None);
        let f = finding("aws", at(5).now(), FindingState::Open);
        let list = due(
            &[calm.clone(), leaked.clone()],
            std::slice::from_ref(&f),
            at(20).now(),
        );
        assert_eq!(list[0].name, "aws");
        assert_eq!(list[0].reason, DueReason::Exposed);
        assert_eq!(list[0].exposed_in.as_ref().unwrap().path, "/p/.env");
        assert_eq!(list[1].reason, DueReason::Overdue);
        // Rotated after the finding was first seen: that leak is of the old value.
        leaked.rotated = at(6).now();
        assert!(reasons(&[leaked.clone()], std::slice::from_ref(&f), &at(20)).is_empty());
        // A resolved or ignored finding is no exposure.
        leaked.rotated = at(0).now();
        for state in [FindingState::Resolved, FindingState::Ignored] {
            let g = finding("aws", at(5).now(), state);
            assert!(reasons(&[leaked.clone()], &[g], &at(20)).is_empty());
        }
    }

    #[test]
    fn with_a_real_vault_the_clock_decides_and_a_snooze_or_rotation_is_stored() {
        use crate::crypto::kdf::KdfParams;
        use crate::secret::SecretBytes;
        use crate::vault::{EntryChanges, NewEntry, Vault};
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::create(
            &dir.path().join("vault.db"),
            &SecretBytes::copy_from(b"pw"),
            KdfParams::INSECURE_FAST,
            true,
        )
        .unwrap();
        let value = SecretBytes::copy_from(b"a-value-123");
        vault
            .add(
                "db",
                &value,
                NewEntry {
                    rotate_every: Some(RotateEvery::from_days(30).unwrap()),
                    ..NewEntry::default()
                },
            )
            .unwrap();
        vault
            .add(
                "token",
                &value,
                NewEntry {
                    expires: Some("2030-01-01".parse().unwrap()),
                    ..NewEntry::default()
                },
            )
            .unwrap();
        let added = vault.entry("db").unwrap().rotated.unix();
        let clock = |days: i64| Hand(Stamp::from_unix(added + days * DAY));
        let list = |vault: &Vault, clock: &Hand| reasons(&vault.list().unwrap(), &[], clock);
        assert!(list(&vault, &clock(10)).is_empty());
        assert_eq!(
            list(&vault, &clock(20)),
            vec![("db".into(), DueReason::DueSoon)]
        );
        assert_eq!(
            list(&vault, &clock(31)),
            vec![("db".into(), DueReason::Overdue)]
        );
        vault
            .update(
                "db",
                EntryChanges {
                    snoozed_until: Some(Some(clock(40).now())),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
        assert!(list(&vault, &clock(31)).is_empty(), "snoozed");
        assert_eq!(
            list(&vault, &clock(41)),
            vec![("db".into(), DueReason::Overdue)]
        );
        vault
            .rotate("db", &SecretBytes::copy_from(b"b-value-456"))
            .unwrap();
        assert!(vault.entry("db").unwrap().snoozed_until.is_none());
        let expiry = day_start("2030-01-01".parse().unwrap()).unix();
        let at_expiry = Hand(Stamp::from_unix(expiry));
        assert!(list(&vault, &at_expiry).contains(&("token".into(), DueReason::Expired)));
    }

    fn finding(secret: &str, seen: Stamp, state: FindingState) -> StoredFinding {
        StoredFinding {
            id: 7,
            rev: 1,
            state,
            path: "/p/.env".into(),
            line: 2,
            column: 1,
            kind: keyward_scan::Kind::Vault,
            secret: Some(secret.into()),
            rule: "vault".into(),
            description: "stored secret".into(),
            encoding: "plain".into(),
            severity: keyward_scan::Severity::High,
            confidence: keyward_scan::finding::Confidence::High,
            redacted: "x…y".into(),
            fingerprint: format!("fp-{secret}"),
            reason: None,
            first_seen: seen,
            last_seen: seen,
            resolved: None,
        }
    }
}
