//! `scan --verify`: asks a key's own provider whether the key is live, with one read-only HTTPS
//! call that needs nothing but the key (GitHub's `/user`, Stripe's `/v1/balance`, Slack's
//! `auth.test`...). Off unless asked for. The key goes to its provider's host and nowhere else:
//! no redirects are followed, no other header carries anything of the user's, and a test
//! endpoint may stand in for every provider only on the loopback interface.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// What the provider said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The provider accepted the key.
    Live,
    /// The provider refused it: revoked, expired or never valid.
    Revoked,
    /// No clear answer: network error, rate limit, an unexpected status.
    Unknown,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Live => "live",
            Verdict::Revoked => "revoked",
            Verdict::Unknown => "unknown",
        }
    }
}

/// How a provider wants the key presented.
#[derive(Clone, Copy, Debug)]
enum Auth {
    /// `Authorization: Bearer KEY`
    Bearer,
    /// The key in a header of its own (`x-api-key`, `PRIVATE-TOKEN`).
    Header(&'static str),
}

/// How a provider's answer reads.
#[derive(Clone, Copy, Debug)]
enum Judge {
    /// 200 live, 401 revoked, anything else unknown.
    Status,
    /// Also 403 live: the key authenticated but may not read this resource (restricted keys).
    StatusForbiddenIsLive,
    /// Slack answers 200 either way, with `"ok": true` or an error code.
    SlackOk,
}

/// One provider's check: the rules whose keys it verifies and the call it makes.
#[derive(Debug)]
struct Check {
    rules: &'static [&'static str],
    host: &'static str,
    path: &'static str,
    auth: Auth,
    /// Headers the API requires besides the key (never anything about the user).
    extra: &'static [(&'static str, &'static str)],
    judge: Judge,
}

const CHECKS: &[Check] = &[
    Check {
        rules: &[
            "github-pat-classic",
            "github-oauth-token",
            "github-user-to-server-token",
            "github-fine-grained-pat",
        ],
        host: "api.github.com",
        path: "/user",
        auth: Auth::Bearer,
        extra: &[("accept", "application/vnd.github+json")],
        judge: Judge::Status,
    },
    Check {
        rules: &["github-server-to-server-token"],
        host: "api.github.com",
        path: "/installation/repositories?per_page=1",
        auth: Auth::Bearer,
        extra: &[("accept", "application/vnd.github+json")],
        judge: Judge::Status,
    },
    Check {
        rules: &["gitlab-personal-access-token"],
        host: "gitlab.com",
        path: "/api/v4/personal_access_tokens/self",
        auth: Auth::Header("private-token"),
        extra: &[],
        judge: Judge::Status,
    },
    Check {
        rules: &[
            "slack-bot-token",
            "slack-bot-token-legacy",
            "slack-user-token",
        ],
        host: "slack.com",
        path: "/api/auth.test",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::SlackOk,
    },
    Check {
        rules: &["stripe-secret-key-live", "stripe-secret-key-test"],
        host: "api.stripe.com",
        path: "/v1/balance",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::StatusForbiddenIsLive,
    },
    Check {
        rules: &["openai-api-key"],
        host: "api.openai.com",
        path: "/v1/models",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::Status,
    },
    Check {
        rules: &["anthropic-api-key"],
        host: "api.anthropic.com",
        path: "/v1/models",
        auth: Auth::Header("x-api-key"),
        extra: &[("anthropic-version", "2023-06-01")],
        judge: Judge::Status,
    },
    Check {
        rules: &["sendgrid-api-key"],
        host: "api.sendgrid.com",
        path: "/v3/scopes",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::StatusForbiddenIsLive,
    },
    Check {
        rules: &["npm-access-token"],
        host: "registry.npmjs.org",
        path: "/-/whoami",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::Status,
    },
    Check {
        rules: &["huggingface-access-token", "huggingface-org-token"],
        host: "huggingface.co",
        path: "/api/whoami-v2",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::Status,
    },
    Check {
        rules: &["digitalocean-token"],
        host: "api.digitalocean.com",
        path: "/v2/account",
        auth: Auth::Bearer,
        extra: &[],
        judge: Judge::Status,
    },
];

fn check_for(rule: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.rules.contains(&rule))
}

/// Whether `--verify` can say anything about findings of this rule.
pub fn can_verify(rule: &str) -> bool {
    check_for(rule).is_some()
}

/// The providers `--verify` asks, by host, for the documentation and `--help`.
pub fn hosts() -> Vec<&'static str> {
    let mut hosts: Vec<&str> = CHECKS.iter().map(|c| c.host).collect();
    hosts.dedup();
    hosts
}

/// Stands in for every provider's host in tests: `https://127.0.0.1:PORT`. Only loopback is
/// accepted, so the variable can never send keys to another machine.
pub const ENDPOINT_VAR: &str = "KEYWARD_VERIFY_ENDPOINT";
/// PEM certificates to trust instead of the built-in roots (a test server's, a TLS-inspecting
/// proxy's).
pub const CA_FILE_VAR: &str = "KEYWARD_VERIFY_CA_FILE";

#[derive(Debug)]
pub struct Verifier {
    agent: ureq::Agent,
    endpoint: Option<String>,
    /// One question per distinct key and rule, keyed by a hash, never by the key.
    answers: HashMap<[u8; 32], Verdict>,
    salt: [u8; 32],
}

impl Verifier {
    /// A verifier configured from the environment ([`ENDPOINT_VAR`], [`CA_FILE_VAR`]).
    pub fn from_env(salt: [u8; 32]) -> Result<Verifier> {
        let endpoint = std::env::var(ENDPOINT_VAR).ok().filter(|e| !e.is_empty());
        if let Some(endpoint) = &endpoint {
            check_loopback(endpoint)?;
        }
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = std::env::var_os(CA_FILE_VAR).filter(|p| !p.is_empty()) {
            let pem = std::fs::read(&path).map_err(|e| {
                Error::io(
                    format!("could not read {}", std::path::Path::new(&path).display()),
                    e,
                )
            })?;
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::Invalid(format!(
                    "{CA_FILE_VAR}: no certificate in {}",
                    std::path::Path::new(&path).display()
                )));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let config = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .https_only(true)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .user_agent("keyward-verify")
            .build();
        Ok(Verifier {
            agent: config.into(),
            endpoint,
            answers: HashMap::new(),
            salt,
        })
    }

    /// Asks the provider of `rule` about `key`; `None` when keyward has no check for the rule.
    pub fn verify(&mut self, rule: &str, key: &[u8]) -> Option<Verdict> {
        let check = check_for(rule)?;
        let id = crate::hash::keyed(&self.salt, &[rule.as_bytes(), key]);
        if let Some(&known) = self.answers.get(&id) {
            return Some(known);
        }
        let verdict = self.ask(check, key);
        self.answers.insert(id, verdict);
        Some(verdict)
    }

    fn ask(&self, check: &Check, key: &[u8]) -> Verdict {
        // A key that is not printable ASCII cannot be a header value: nothing to ask.
        let Ok(key) = std::str::from_utf8(key) else {
            return Verdict::Unknown;
        };
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Verdict::Unknown;
        }
        let url = match &self.endpoint {
            Some(endpoint) => format!(
                "{}/{}{}",
                endpoint.trim_end_matches('/'),
                check.host,
                check.path
            ),
            None => format!("https://{}{}", check.host, check.path),
        };
        let mut request = self.agent.get(&url);
        let bearer;
        request = match check.auth {
            Auth::Bearer => {
                bearer = Zeroizing::new(format!("Bearer {key}"));
                request.header("authorization", bearer.as_str())
            }
            Auth::Header(name) => request.header(name, key),
        };
        for (name, value) in check.extra {
            request = request.header(*name, *value);
        }
        let Ok(mut response) = request.call() else {
            return Verdict::Unknown;
        };
        let status = response.status().as_u16();
        match check.judge {
            Judge::Status => status_verdict(status, false),
            Judge::StatusForbiddenIsLive => status_verdict(status, true),
            Judge::SlackOk => {
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_string()
                    .unwrap_or_default();
                slack_verdict(status, &body)
            }
        }
    }
}

fn status_verdict(status: u16, forbidden_is_live: bool) -> Verdict {
    match status {
        200 => Verdict::Live,
        403 if forbidden_is_live => Verdict::Live,
        401 => Verdict::Revoked,
        _ => Verdict::Unknown,
    }
}

fn slack_verdict(status: u16, body: &str) -> Verdict {
    if status != 200 {
        return Verdict::Unknown;
    }
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(body) else {
        return Verdict::Unknown;
    };
    match (
        doc.get("ok").and_then(|v| v.as_bool()),
        doc.get("error").and_then(|v| v.as_str()),
    ) {
        (Some(true), _) => Verdict::Live,
        (
            Some(false),
            Some(
                "invalid_auth" | "token_revoked" | "token_expired" | "account_inactive"
                | "not_authed",
            ),
        ) => Verdict::Revoked,
        _ => Verdict::Unknown,
    }
}

fn check_loopback(endpoint: &str) -> Result<()> {
    let bad = || {
        Error::Invalid(format!(
            "{ENDPOINT_VAR} must be https://127.0.0.1:PORT, https://[::1]:PORT or https://localhost:PORT"
        ))
    };
    let rest = endpoint.strip_prefix("https://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    if matches!(host, "127.0.0.1" | "::1" | "localhost") && !authority.contains('@') {
        Ok(())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_names_real_rules() {
        let rules = crate::RuleSet::builtin().map_err(|e| e.to_string());
        let Ok(rules) = rules else {
            return;
        };
        for check in CHECKS {
            for id in check.rules {
                assert!(
                    rules.rules.iter().any(|r| r.def.id == *id),
                    "{id}: no such rule"
                );
            }
        }
        assert!(hosts().len() >= 10);
    }

    #[test]
    fn answers_read_as_verdicts() {
        assert_eq!(status_verdict(200, false), Verdict::Live);
        assert_eq!(status_verdict(401, false), Verdict::Revoked);
        assert_eq!(status_verdict(403, false), Verdict::Unknown);
        assert_eq!(status_verdict(403, true), Verdict::Live);
        assert_eq!(status_verdict(429, false), Verdict::Unknown);
        assert_eq!(status_verdict(500, true), Verdict::Unknown);
        assert_eq!(
            slack_verdict(200, r#"{"ok":true,"user":"x"}"#),
            Verdict::Live
        );
        assert_eq!(
            slack_verdict(200, r#"{"ok":false,"error":"invalid_auth"}"#),
            Verdict::Revoked
        );
        assert_eq!(
            slack_verdict(200, r#"{"ok":false,"error":"ratelimited"}"#),
            Verdict::Unknown
        );
        assert_eq!(slack_verdict(200, "<html>"), Verdict::Unknown);
    }

    #[test]
    fn the_stand_in_endpoint_must_be_loopback() {
        for ok in [
            "https://127.0.0.1:8443",
            "https://[::1]:8443",
            "https://localhost:1",
        ] {
            assert!(check_loopback(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:8443",
            "https://evil.example:443",
            "https://127.0.0.1.evil.example",
            "https://user@127.0.0.1:1",
            "https://10.0.0.1",
        ] {
            assert!(check_loopback(bad).is_err(), "{bad}");
        }
    }
}
