//! `keyward scan --verify` against a local HTTPS server standing in for each provider's API:
//! a real TLS handshake with a certificate made here, real requests from the real binary. The
//! server answers as the providers do for live and revoked keys and records what it was sent,
//! so the tests prove each key went to its own provider only, once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::{TestHome, messages, run_with_stdin};

const GH_LIVE: &str = "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";
const GH_REVOKED: &str = "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";
const SLACK_LIVE: &str = "xoxb-650826268013-5265964401875-3W8H821YSJf8CcCtx6GazPKg";
const STRIPE_REVOKED: &str = "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";
const OPENAI_FLAKY: &str = "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";
const ANTHROPIC_LIVE: &str = "sk-ant-api03-Gr7-9O4iyAvtx37w_s4YCUCZbNaCreEcZZkUBxdxCzQMw7bWEe94onsN0aTvcuISv1BTM9-3aF7WmSEft7aCjnlsPDRFmAA";
const NPM_REVOKED: &str = "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";

/// One request as the stand-in saw it: its path and the credential headers it carried.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    credentials: Vec<String>,
}

/// A TLS server on 127.0.0.1 answering as the providers' APIs would; returns its port, the
/// PEM of its certificate and the log of requests.
fn provider_stand_in() -> (u16, String, Arc<Mutex<Vec<Seen>>>) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut reader = BufReader::new(&mut tls);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let path = request_line
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                headers.push(line.trim_end().to_owned());
            }
            let credential = |name: &str| {
                headers.iter().find_map(|h| {
                    let (n, v) = h.split_once(':')?;
                    n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                })
            };
            let credentials: Vec<String> = ["authorization", "x-api-key", "private-token"]
                .iter()
                .filter_map(|n| credential(n))
                .collect();
            let bearer = credential("authorization").unwrap_or_default();
            let (status, body) = match path.as_str() {
                "/api.github.com/user" if bearer == format!("Bearer {GH_LIVE}") => (200, "{}"),
                "/api.github.com/user" => (401, r#"{"message":"Bad credentials"}"#),
                "/slack.com/api/auth.test" if bearer == format!("Bearer {SLACK_LIVE}") => {
                    (200, r#"{"ok":true,"user":"bot"}"#)
                }
                "/slack.com/api/auth.test" => (200, r#"{"ok":false,"error":"invalid_auth"}"#),
                "/api.stripe.com/v1/balance" => {
                    (401, r#"{"error":{"type":"invalid_request_error"}}"#)
                }
                "/api.openai.com/v1/models" => (503, "overloaded"),
                "/api.anthropic.com/v1/models"
                    if credential("x-api-key").as_deref() == Some(ANTHROPIC_LIVE)
                        && credential("anthropic-version").is_some() =>
                {
                    (200, r#"{"data":[]}"#)
                }
                "/registry.npmjs.org/-/whoami" => (401, "{}"),
                _ => (404, "{}"),
            };
            seen.lock().unwrap().push(Seen { path, credentials });
            let reason = match status {
                200 => "OK",
                401 => "Unauthorized",
                404 => "Not Found",
                _ => "Service Unavailable",
            };
            let _ = write!(
                tls,
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, pem, log)
}

fn findings(stdout: &[u8]) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

#[test]
fn each_key_is_asked_of_its_own_provider_once_and_labelled() {
    let (port, pem, log) = provider_stand_in();
    let home = TestHome::new();
    let ca = home.file("stand-in.pem", pem.as_bytes());
    let tree = home.dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("keys.env"),
        format!(
            "GITHUB_TOKEN={GH_LIVE}\nOLD_GITHUB_TOKEN={GH_REVOKED}\nSLACK_BOT_TOKEN={SLACK_LIVE}\n\
             STRIPE_SECRET_KEY={STRIPE_REVOKED}\nOPENAI_API_KEY={OPENAI_FLAKY}\n\
             ANTHROPIC_API_KEY={ANTHROPIC_LIVE}\nNPM_TOKEN={NPM_REVOKED}\n\
             AWS_ACCESS_KEY_ID=AKIAZ7VRSQ5EXAMPLF\n"
        ),
    )
    .unwrap();
    // The same live key a second time: one question is enough.
    std::fs::write(tree.join("again.sh"), format!("export GH={GH_LIVE}\n")).unwrap();

    let scan = |extra: &[&str], endpoint: &str| {
        let mut cmd = home.bare_command();
        cmd.args(["scan", "--no-vault", "--format", "json"])
            .args(extra)
            .arg(&tree)
            .env("KEYWARD_VERIFY_ENDPOINT", endpoint)
            .env("KEYWARD_VERIFY_CA_FILE", &ca);
        run_with_stdin(cmd, b"")
    };
    let endpoint = format!("https://127.0.0.1:{port}");

    // Off by default: nothing is sent, nothing is labelled.
    let out = scan(&[], &endpoint);
    assert_eq!(out.status.code(), Some(1), "{}", messages(&out.stderr));
    assert!(
        findings(&out.stdout)
            .iter()
            .all(|f| f.get("verified").is_none())
    );
    assert!(
        log.lock().unwrap().is_empty(),
        "a key was sent without --verify"
    );

    let out = scan(&["--verify"], &endpoint);
    assert_eq!(out.status.code(), Some(1), "{}", messages(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for key in [GH_LIVE, SLACK_LIVE, STRIPE_REVOKED, ANTHROPIC_LIVE] {
        assert!(!stdout.contains(key), "a key in the JSON output");
    }
    let verdict = |value: &str| -> Option<String> {
        let preview_start: String = value.chars().take(4).collect();
        let preview_end: String = value
            .chars()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        findings(&out.stdout)
            .iter()
            .find(|f| {
                f["path"].as_str().unwrap().ends_with("keys.env")
                    && f["redacted"] == format!("{preview_start}…{preview_end}")
            })
            .and_then(|f| f.get("verified").map(|v| v.as_str().unwrap().to_owned()))
    };
    assert_eq!(verdict(GH_LIVE).as_deref(), Some("live"));
    assert_eq!(verdict(GH_REVOKED).as_deref(), Some("revoked"));
    assert_eq!(verdict(SLACK_LIVE).as_deref(), Some("live"));
    assert_eq!(verdict(STRIPE_REVOKED).as_deref(), Some("revoked"));
    assert_eq!(verdict(OPENAI_FLAKY).as_deref(), Some("unknown"));
    assert_eq!(verdict(ANTHROPIC_LIVE).as_deref(), Some("live"));
    assert_eq!(verdict(NPM_REVOKED).as_deref(), Some("revoked"));
    let aws = findings(&out.stdout)
        .into_iter()
        .find(|f| f["rule"].as_str().unwrap().starts_with("aws"));
    if let Some(aws) = aws {
        assert!(
            aws.get("verified").is_none(),
            "no check for AWS keys: {aws}"
        );
    }

    // Each key reached its own provider's path and no other, and the repeated key was asked once.
    let seen = log.lock().unwrap().clone();
    let own = [
        (GH_LIVE, "/api.github.com/user"),
        (GH_REVOKED, "/api.github.com/user"),
        (SLACK_LIVE, "/slack.com/api/auth.test"),
        (STRIPE_REVOKED, "/api.stripe.com/v1/balance"),
        (OPENAI_FLAKY, "/api.openai.com/v1/models"),
        (ANTHROPIC_LIVE, "/api.anthropic.com/v1/models"),
        (NPM_REVOKED, "/registry.npmjs.org/-/whoami"),
    ];
    assert_eq!(seen.len(), own.len(), "{seen:?}");
    for request in &seen {
        assert_eq!(request.credentials.len(), 1, "{request:?}");
        let (_, path) = own
            .iter()
            .find(|(key, _)| request.credentials[0].ends_with(key))
            .unwrap_or_else(|| panic!("an unknown credential was sent: {request:?}"));
        assert_eq!(request.path, *path);
    }

    // The text report shows the verdicts too.
    let mut cmd = home.bare_command();
    cmd.args(["scan", "--no-vault", "--verify"])
        .arg(&tree)
        .env("KEYWARD_VERIFY_ENDPOINT", &endpoint)
        .env("KEYWARD_VERIFY_CA_FILE", &ca);
    let out = run_with_stdin(cmd, b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[live]") && text.contains("[revoked]") && text.contains("[unknown]"),
        "{text}"
    );
}

#[test]
fn keys_never_leave_for_another_machine_or_an_untrusted_certificate() {
    let (port, _pem, log) = provider_stand_in();
    let home = TestHome::new();
    let tree = home.dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("k.env"), format!("GITHUB_TOKEN={GH_LIVE}\n")).unwrap();

    let mut cmd = home.bare_command();
    cmd.args(["scan", "--no-vault", "--verify"])
        .arg(&tree)
        .env("KEYWARD_VERIFY_ENDPOINT", "https://collector.example.net");
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(2));
    let err = messages(&out.stderr);
    assert!(err.contains("KEYWARD_VERIFY_ENDPOINT"), "{err}");
    assert!(!err.contains(GH_LIVE));

    // The stand-in's certificate is not trusted without KEYWARD_VERIFY_CA_FILE: no answer.
    let mut cmd = home.bare_command();
    cmd.args(["scan", "--no-vault", "--format", "json", "--verify"])
        .arg(&tree)
        .env(
            "KEYWARD_VERIFY_ENDPOINT",
            format!("https://127.0.0.1:{port}"),
        )
        .env_remove("KEYWARD_VERIFY_CA_FILE");
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(1), "{}", messages(&out.stderr));
    let found = findings(&out.stdout);
    assert_eq!(found[0]["verified"], "unknown");
    assert!(
        log.lock().unwrap().is_empty(),
        "a request got through an untrusted handshake"
    );
}
