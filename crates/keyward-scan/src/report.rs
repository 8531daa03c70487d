//! Findings as text (for people; coloured on a terminal), JSON (the contract's shape) and
//! SARIF 2.1.0 (for GitHub code scanning).

use serde::Serialize;
use serde_json::json;

use crate::finding::{Confidence, Finding, Kind, Severity};
use crate::verify::Verdict;
use crate::walk::Skipped;

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: &'a [Finding],
    skipped: &'a [Skipped],
}

pub fn json(findings: &[Finding], skipped: &[Skipped]) -> String {
    let mut text =
        serde_json::to_string_pretty(&JsonReport { findings, skipped }).unwrap_or_default();
    text.push('\n');
    text
}

pub fn text(findings: &[Finding], skipped: &[Skipped], files: usize, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Critical => paint("1;31", "critical"),
            Severity::High => paint("31", "high"),
            Severity::Medium => paint("33", "medium"),
            Severity::Low => paint("2", "low"),
        };
        let what = match (&f.kind, &f.secret) {
            (Kind::Vault, Some(name)) => format!(
                "{} ({})",
                paint("1", name),
                if f.encoding == "plain" {
                    "stored secret".to_owned()
                } else {
                    format!("stored secret, {}", f.encoding)
                }
            ),
            _ if f.confidence == Confidence::High => format!("{} ({})", f.description, f.rule),
            _ => format!(
                "{} ({}, {} confidence)",
                f.description,
                f.rule,
                f.confidence.name()
            ),
        };
        let verified = match f.verified {
            Some(Verdict::Live) => format!("  {}", paint("1;31", "[live]")),
            Some(v) => format!("  [{}]", v.name()),
            None => String::new(),
        };
        out.push_str(&format!(
            "{}:{}:{}  {severity}  {what}  {}{verified}\n",
            paint("35", &f.path),
            f.line,
            f.column,
            paint("2", &f.redacted)
        ));
    }
    let mut counts: Vec<String> = Vec::new();
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let n = findings.iter().filter(|f| f.severity == severity).count();
        if n > 0 {
            counts.push(format!("{n} {}", severity.name()));
        }
    }
    let summary = if findings.is_empty() {
        format!("no secrets found in {files} files")
    } else {
        format!(
            "{} findings ({}) in {files} files",
            findings.len(),
            counts.join(", ")
        )
    };
    out.push_str(&summary);
    if !skipped.is_empty() {
        out.push_str(&format!(
            "; {} skipped (--format json lists them)",
            skipped.len()
        ));
    }
    out.push('\n');
    out
}

/// SARIF 2.1.0 as GitHub code scanning reads it: one rule per rule id found, results with a
/// relative location and a partial fingerprint.
pub fn sarif(findings: &[Finding], base: &std::path::Path) -> String {
    let mut rules: Vec<serde_json::Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    for f in findings {
        if !rule_ids.contains(&f.rule) {
            rule_ids.push(f.rule.clone());
            rules.push(json!({
                "id": f.rule,
                "name": f.rule,
                "shortDescription": {"text": f.description},
                "fullDescription": {"text": if f.kind == Kind::Vault { "A value stored in the keyward vault appears in a file.".to_owned() } else { format!("A {} appears in a file.", f.description) }},
                "help": {"text": "Remove the secret from the file (and from git history if it was committed), then rotate it."},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret"], "security-severity": "9.0"}
            }));
        }
    }
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let uri = std::path::Path::new(&f.path)
                .strip_prefix(base)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| f.path.trim_start_matches("./").to_owned());
            let message = match &f.secret {
                Some(name) => format!("The stored secret '{name}' ({} form) appears here: {}", f.encoding, f.redacted),
                None => format!("{} found: {}", f.description, f.redacted),
            };
            json!({
                "ruleId": f.rule,
                "ruleIndex": rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0),
                "level": match f.severity { Severity::Critical | Severity::High => "error", Severity::Medium => "warning", Severity::Low => "note" },
                "message": {"text": message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": f.line, "startColumn": f.column}
                }}],
                "partialFingerprints": {"keyward/v1": f.fingerprint},
                "properties": {
                    "confidence": f.confidence.name(),
                    "severity": f.severity.name(),
                    "verified": f.verified.map(|v| v.name())
                }
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keyward",
                "informationUri": "https://github.com/keyward/keyward",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "results": results
        }]
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
