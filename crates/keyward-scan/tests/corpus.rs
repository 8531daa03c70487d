//! Recall on another project's examples (Nosey Parker's rule examples, `tests/data`): for each
//! of its rules outside the `generic` category, how many examples keyward finds; and how many
//! of its negative examples keyward reports. Run with `--nocapture` to see the table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use keyward_scan::rules::RuleSet;
use keyward_scan::{ScanOptions, Scanner};

#[derive(serde::Deserialize)]
struct CorpusRule {
    id: String,
    name: String,
    categories: Vec<String>,
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

/// Negative examples of a corpus rule that hold a real secret of *another* kind, which keyward
/// reports as that kind: `(corpus rule, keyward rule, why)`. Anything else found in a negative
/// example fails the test.
const OTHER_KIND: &[(&str, &str, &str)] = &[
    (
        "np.auth0.1",
        "secret-assignment",
        "a literal AUTH0_CLIENT_SECRET: a credential whatever its format",
    ),
    (
        "np.aws.2",
        "api-key-assignment",
        "a literal AWS_SECRET_ACCESS_KEY of the wrong length: still a secret key",
    ),
    (
        "np.gitalk.1",
        "secret-assignment",
        "a literal OAuth clientSecret",
    ),
    (
        "np.npm.1",
        "token-assignment",
        "a literal NPM_TOKEN (npm's legacy tokens were UUIDs)",
    ),
    (
        "np.odbc.1",
        "password-assignment",
        "a C source assigning a password literal (`server->password = \"busybox@\"`)",
    ),
    (
        "np.slack.2",
        "slack-user-token",
        "an xoxp- user token among the bot-token negatives",
    ),
    (
        "np.slack.2",
        "slack-bot-token-legacy",
        "a legacy two-part xoxb- bot token",
    ),
    (
        "np.slack.4",
        "slack-bot-token",
        "an xoxb- bot token among the user-token negatives",
    ),
    (
        "np.slack.4",
        "slack-bot-token-legacy",
        "a legacy xoxb- bot token among the user-token negatives",
    ),
    (
        "np.slack.6",
        "slack-bot-token",
        "a current xoxb- bot token among the legacy-bot negatives",
    ),
    (
        "np.slack.6",
        "slack-user-token",
        "an xoxp- user token among the legacy-bot negatives",
    ),
    (
        "np.hashicorp.1",
        "vault-token",
        "an hvs. token (Vault >= 1.10) among the < 1.10 negatives",
    ),
    (
        "np.hashicorp.2",
        "vault-token",
        "an hvb. token (Vault >= 1.10) among the < 1.10 negatives",
    ),
    (
        "np.hashicorp.3",
        "vault-token",
        "an hvr. token (Vault >= 1.10) among the < 1.10 negatives",
    ),
    (
        "np.hashicorp.4",
        "vault-token-legacy",
        "an s. token (Vault < 1.10) among the >= 1.10 negatives",
    ),
    (
        "np.hashicorp.5",
        "vault-token-legacy",
        "a b. token (Vault < 1.10) among the >= 1.10 negatives",
    ),
    (
        "np.hashicorp.6",
        "vault-token-legacy",
        "an r. token (Vault < 1.10) among the >= 1.10 negatives",
    ),
    (
        "np.jwt.1",
        "teamcity-access-token",
        "a TeamCity token (its header is {\"typ\": \"TCV2\"}), not a JWT",
    ),
    (
        "np.s3.2",
        "aws-s3-bucket-host",
        "a bucket host name, which keyward reports as an identifier",
    ),
    (
        "np.newrelic.2",
        "newrelic-license-key",
        "an ...NRAL license key, the format np.newrelic.1 is about",
    ),
];

#[test]
fn recall_on_the_peer_corpus() {
    let text = include_str!("data/noseyparker-examples.jsonl");
    let corpus: Vec<CorpusRule> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rules = RuleSet::builtin().unwrap();
    let scanner = Scanner {
        rules,
        known: None,
        options: ScanOptions {
            identifiers: true,
            fingerprint_key: [1; 32],
            baseline_salt: None,
        },
    };
    let (mut found_total, mut total) = (0, 0);
    // Examples the brief requires keyward to stay silent on: documentation placeholders
    // (`xxxx`, `EXAMPLE`, `123456`, one repeated character) and public keys.
    let mut silent_by_design = 0;
    let mut rows = Vec::new();
    let mut negatives_hit = Vec::new();
    for rule in &corpus {
        if rule.categories.iter().any(|c| c == "generic") {
            continue;
        }
        let mut found = 0;
        for example in &rule.examples {
            if !scanner.scan("example.txt", example.as_bytes()).is_empty() {
                found += 1;
            } else if rule.name.to_lowercase().contains("public key")
                || scanner.placeholder_matches("example.txt", example.as_bytes()) > 0
            {
                silent_by_design += 1;
            }
        }
        found_total += found;
        total += rule.examples.len();
        rows.push((
            rule.id.clone(),
            rule.name.clone(),
            found,
            rule.examples.len(),
        ));
        for negative in &rule.negative_examples {
            let hits = scanner.scan("example.txt", negative.as_bytes());
            let unexplained: Vec<_> = hits
                .iter()
                .filter(|h| {
                    !OTHER_KIND
                        .iter()
                        .any(|(c, r, _)| *c == rule.id && *r == h.rule)
                })
                .collect();
            if !unexplained.is_empty() {
                negatives_hit.push(format!(
                    "{}: {:?} -> {:?}",
                    rule.id,
                    negative.chars().take(60).collect::<String>(),
                    hits.iter().map(|h| h.rule.as_str()).collect::<Vec<_>>()
                ));
            }
        }
    }
    rows.sort_by(|a, b| (a.2 * b.3).cmp(&(b.2 * a.3)));
    println!("| corpus rule | name | found |");
    println!("| --- | --- | --- |");
    for (id, name, found, n) in &rows {
        println!("| {id} | {name} | {found}/{n} |");
    }
    let raw = found_total as f64 / total as f64;
    let eligible = total - silent_by_design;
    let recall = found_total as f64 / eligible as f64;
    println!(
        "recall over {} non-generic rules: {found_total}/{total} = {:.1}% of all examples; \
         {found_total}/{eligible} = {:.1}% leaving out {silent_by_design} placeholders and public keys",
        rows.len(),
        raw * 100.0,
        recall * 100.0
    );
    println!("negative examples reported: {}", negatives_hit.len());
    for n in &negatives_hit {
        println!("  {n}");
    }
    assert!(raw >= 0.90, "recall {:.1}% is under 90%", raw * 100.0);
    assert!(recall >= 0.90, "recall {:.1}% is under 90%", recall * 100.0);
    assert!(
        negatives_hit.is_empty(),
        "negative examples reported:\n{}",
        negatives_hit.join("\n")
    );
}
