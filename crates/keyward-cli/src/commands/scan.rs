//! `keyward scan [PATH]... [--format text|json|sarif] [--staged] [--no-vault]`: find leaked
//! secrets, both values stored in the vault (in any common encoding) and well-known key formats.
//! Exit 0 clean, 1 findings, 2 error.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Result;
use keyward_core::Error;
use keyward_scan::baseline::Baseline;
use keyward_scan::finding::Confidence;
use keyward_scan::walk::{Skipped, WalkOptions};
use keyward_scan::{Finding, Kind, RuleSet, ScanOptions, Scanner, Severity, git, report, verify};
use zeroize::Zeroizing;

use crate::context::Context;
use crate::output;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum MinConfidence {
    Low,
    Medium,
    High,
}

impl From<MinConfidence> for Confidence {
    fn from(level: MinConfidence) -> Confidence {
        match level {
            MinConfidence::Low => Confidence::Low,
            MinConfidence::Medium => Confidence::Medium,
            MinConfidence::High => Confidence::High,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to scan (default: the working directory)
    paths: Vec<PathBuf>,
    /// How to print the findings
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Scan only what `git commit` would add (the pre-commit gate)
    #[arg(long)]
    staged: bool,
    /// Look for key formats only; do not unlock the vault
    #[arg(long)]
    no_vault: bool,
    /// Do not report findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file (salted fingerprints) and exit 0
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Skip files larger than this: 512K, 10M, 1G
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    max_file_size: u64,
    /// Also report identifiers (account ids, bucket names), as `low`
    #[arg(long)]
    identifiers: bool,
    /// Report only findings this sure: `high` (stored values, provider formats, credential
    /// files), `medium` (also literals assigned to telling names), `low` (also those in tests)
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "low")]
    min_confidence: MinConfidence,
    /// Ask each found key's own provider whether it is live (one read-only HTTPS call per key,
    /// for GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, SendGrid, npm, Hugging Face and
    /// DigitalOcean keys); shown as live, revoked or unknown
    #[arg(long)]
    verify: bool,
    /// Also scan your shell, REPL and database-client history files
    #[arg(long)]
    history: bool,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("invalid size {text:?}: write a number with K, M or G, like 10M");
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number.parse().map_err(|_| bad())?;
    let mult = match unit {
        "" => 1,
        "K" | "k" => 1024,
        "M" | "m" => 1024 * 1024,
        "G" | "g" => 1024 * 1024 * 1024,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let rules = RuleSet::builtin()?;
    ctx.home.remove_legacy_scan_key()?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let mut new_baseline = args
        .write_baseline
        .as_ref()
        .map(|_| keyward_core::crypto::random_array().map(Baseline::new))
        .transpose()?;
    let salt = baseline
        .as_ref()
        .map(|b| b.salt)
        .or(new_baseline.as_ref().map(|b| b.salt));

    let vault = if args.no_vault {
        None
    } else {
        crate::matcher::vault_matcher(ctx, "scan")?
    };
    let fingerprint_key = match &vault {
        Some(vault) => keyward_core::findings::finding_ids_key(&vault.key),
        None => crate::matcher::agent_finding_ids_key(ctx)?,
    };
    let scanner = Scanner {
        rules,
        known: vault.as_ref().and_then(|v| v.known.as_ref()),
        options: ScanOptions {
            identifiers: args.identifiers,
            fingerprint_key,
            baseline_salt: salt,
        },
    };

    let (found, skipped, files) = if args.staged {
        scan_staged(&scanner, args.verify)?
    } else {
        scan_paths(&scanner, &args)?
    };
    let mut findings = if args.verify {
        verify(found, fingerprint_key)?
    } else {
        found.into_iter().map(|(f, _)| f).collect()
    };
    if !args.staged {
        let paths: Vec<String> = findings.iter().map(|f| f.path.clone()).collect();
        let severities = git::severities(&paths);
        for f in &mut findings {
            if !f.identifier {
                f.severity = severities.get(&f.path).copied().unwrap_or(Severity::Medium);
            }
        }
    }
    if let Some(b) = &baseline {
        findings.retain(|f| !b.contains(f));
    }
    let min_confidence = Confidence::from(args.min_confidence);
    findings.retain(|f| f.confidence >= min_confidence);
    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));

    if let (Some(path), Some(b)) = (&args.write_baseline, new_baseline.as_mut()) {
        for f in &findings {
            b.add(f);
        }
        std::fs::write(path, b.to_json())
            .map_err(|e| Error::io(format!("could not write {}", path.display()), e))?;
        output::note(&format!(
            "wrote {} with {} findings",
            path.display(),
            b.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }

    let text = match args.format {
        Format::Json => report::json(&findings, &skipped),
        Format::Sarif => report::sarif(&findings, &std::env::current_dir().unwrap_or_default()),
        Format::Text => report::text(&findings, &skipped, files, std::io::stdout().is_terminal()),
    };
    output::stdout_text(&text)?;
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A finding, and its key when `--verify` will ask the key's provider about it.
type Found = (Finding, Option<Zeroizing<Vec<u8>>>);

/// Scans `data`, keeping the keys of the findings `--verify` can check.
fn scan_one(scanner: &Scanner<'_>, path: &str, data: &[u8], keep_keys: bool) -> Vec<Found> {
    if !keep_keys {
        return scanner
            .scan(path, data)
            .into_iter()
            .map(|f| (f, None))
            .collect();
    }
    scanner
        .scan_spans(path, data)
        .into_iter()
        .map(|(f, span)| {
            let key = (f.kind == Kind::Pattern && verify::can_verify(&f.rule))
                .then(|| data.get(span).map(|k| Zeroizing::new(k.to_vec())))
                .flatten();
            (f, key)
        })
        .collect()
}

/// Asks the providers about the keys kept, one call per distinct key, and drops the keys.
fn verify(found: Vec<Found>, salt: [u8; 32]) -> Result<Vec<Finding>> {
    let mut verifier = verify::Verifier::from_env(salt)?;
    Ok(found
        .into_iter()
        .map(|(mut f, key)| {
            if let Some(key) = key {
                f.verified = verifier.verify(&f.rule, &key);
            }
            f
        })
        .collect())
}

fn scan_paths(scanner: &Scanner<'_>, args: &Args) -> Result<(Vec<Found>, Vec<Skipped>, usize)> {
    let mut roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for root in &roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(Error::Invalid(format!("{} does not exist", root.display())).into());
        }
    }
    if args.history
        && let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
    {
        roots.extend(
            keyward_scan::sources::HISTORY_FILES
                .iter()
                .map(|f| home.join(f))
                .filter(|p| p.is_file()),
        );
    }
    let findings = Mutex::new(Vec::new());
    let (skipped, files) = keyward_scan::walk::walk(
        &roots,
        &WalkOptions {
            max_file_size: args.max_file_size,
        },
        &|path, data| {
            let found = scan_one(
                scanner,
                path.strip_prefix("./").unwrap_or(path),
                data,
                args.verify,
            );
            if !found.is_empty()
                && let Ok(mut all) = findings.lock()
            {
                all.extend(found);
            }
        },
    );
    Ok((findings.into_inner().unwrap_or_default(), skipped, files))
}

fn scan_staged(
    scanner: &Scanner<'_>,
    keep_keys: bool,
) -> Result<(Vec<Found>, Vec<Skipped>, usize)> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::io("could not read the working directory", e))?;
    let staged = git::staged(&cwd)?;
    let mut findings = Vec::new();
    for file in &staged {
        let display = pathdiff(&file.path, &cwd);
        for (mut f, key) in scan_one(scanner, &display, &file.contents, keep_keys) {
            if file.adds_line(f.line) {
                if !f.identifier {
                    f.severity = Severity::Critical;
                }
                findings.push((f, key));
            }
        }
    }
    Ok((findings, Vec::new(), staged.len()))
}

/// `path` relative to `base` when it lies under it, for shorter output.
fn pathdiff(path: &str, base: &std::path::Path) -> String {
    std::path::Path::new(path)
        .strip_prefix(base)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_owned())
}
