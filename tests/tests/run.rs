//! `keyward run` and `keyward env` with real processes: exact values in the child only, masks
//! over every form and across reads, colours kept on a PTY, dangerous names refused, exit codes
//! and signals passed through.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{TestHome, have_tool, messages, run_with_stdin};

const MASK: &str = "<concealed by keyward>";
const STRIPE: &[u8] = b"sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const PEM: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n'quoted' $HOME `tick`\n-----END PRIVATE KEY-----\n";

/// A vault with two secrets and a project folder whose keyward.toml names them.
fn project() -> TestHome {
    let home = TestHome::with_vault();
    home.add("stripe-live", STRIPE);
    home.add("deploy/pem", PEM);
    std::fs::write(
        home.dir.path().join("keyward.toml"),
        "[env]\nSTRIPE_KEY = \"stripe-live\"\nDEPLOY_PEM = \"kw://deploy/pem\"\n",
    )
    .unwrap();
    home
}

fn run(home: &TestHome, args: &[&str]) -> std::process::Output {
    run_with_stdin(home.command_env(args), b"")
}

#[test]
fn the_child_gets_exact_values_and_the_parent_none() {
    let home = project();
    let out = run(
        &home,
        &[
            "run",
            "--no-mask",
            "--",
            "sh",
            "-c",
            "printf %s \"$DEPLOY_PEM\"",
        ],
    );
    assert!(out.status.success(), "{}", messages(&out.stderr));
    assert_eq!(out.stdout, PEM, "multi-line values arrive byte for byte");

    // With masking on, the child still gets the exact value: it writes it to a file.
    let dump = home.dir.path().join("dump");
    let script = format!("printf %s \"$STRIPE_KEY\" > {}", dump.display());
    let out = run(&home, &["run", "--", "sh", "-c", &script]);
    assert!(out.status.success(), "{}", messages(&out.stderr));
    assert_eq!(std::fs::read(&dump).unwrap(), STRIPE);

    // A shell that runs keyward has no secret afterwards.
    let keyward = common::keyward_bin();
    let script = format!(
        "{} run -- true; printf '%s|%s' \"${{STRIPE_KEY-unset}}\" \"${{DEPLOY_PEM-unset}}\"",
        keyward.display()
    );
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(&script)
        .current_dir(home.dir.path())
        .env("KEYWARD_HOME", home.home())
        .env("KEYWARD_PASSWORD_FILE", home.password_file());
    let out = run_with_stdin(sh, b"");
    assert_eq!(out.stdout, b"unset|unset");
}

#[test]
fn every_form_is_masked_also_when_split_across_reads() {
    let home = project();
    let b64 = base64::engine::general_purpose::STANDARD.encode(STRIPE);
    // The value in two writes with a pause between them, so it reaches keyward in two reads.
    let script = format!(
        "printf 'a %s' \"${{STRIPE_KEY%????????????}}\"; sleep 0.3; \
         printf '%s b\\n' \"${{STRIPE_KEY#${{STRIPE_KEY%????????????}}}}\"; \
         echo 'b64 {b64}'; printf '%s' \"$DEPLOY_PEM\" >&2"
    );
    let out = run(&home, &["run", "--", "sh", "-c", &script]);
    assert!(out.status.success(), "{}", messages(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, format!("a {MASK} b\nb64 {MASK}\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.ends_with(MASK), "stderr is masked too: {stderr:?}");
    assert!(!stderr.contains("MIIEvQ"), "{stderr:?}");
}

#[test]
fn url_encoded_values_are_masked() {
    let home = TestHome::with_vault();
    home.add("db-password", b"p@ss/w:rd+x=1");
    let env = home.file("a.env", b"DB_PASSWORD=kw://db-password\n");
    let out = run(
        &home,
        &[
            "run",
            "--env-file",
            env.to_str().unwrap(),
            "--",
            "echo",
            "postgres://u:p%40ss%2Fw%3Ard%2Bx%3D1@h/db",
        ],
    );
    assert!(out.status.success(), "{}", messages(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("postgres://u:{MASK}@h/db\n")
    );
}

#[test]
fn on_a_terminal_the_child_sees_one_and_keeps_its_colours() {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let home = project();
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let mut cmd = home.command_env(&[
        "run",
        "--",
        "sh",
        "-c",
        "if [ -t 1 ]; then printf '\\033[31mred %s\\033[0m\\n' \"$STRIPE_KEY\"; else echo piped; fi",
    ]);
    cmd.stdout(slave.try_clone().unwrap())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    drop(slave);
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut out = Vec::new();
    let mut master = std::fs::File::from(master);
    let mut buf = [0u8; 4096];
    // The PTY master reports EIO once the slave side is closed and drained.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(
        String::from_utf8_lossy(&out),
        format!("\u{1b}[31mred {MASK}\u{1b}[0m\r\n")
    );
}

#[test]
fn dangerous_names_are_refused_unless_allowed() {
    let home = TestHome::with_vault();
    let env = home.file(
        "evil.env",
        b"OK=1\nLD_PRELOAD=/tmp/evil.so\nBASH_ENV=/tmp/x\n",
    );
    let env = env.to_str().unwrap();
    let out = run(&home, &["run", "--env-file", env, "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let msg = messages(&out.stderr);
    assert!(
        msg.contains("LD_PRELOAD") && msg.contains("BASH_ENV") && msg.contains("--allow-dangerous"),
        "{msg}"
    );
    assert!(
        !msg.contains("evil.so"),
        "values stay out of messages: {msg}"
    );
    let out = run(
        &home,
        &[
            "run",
            "--allow-dangerous",
            "--env-file",
            env,
            "--no-mask",
            "--",
            "sh",
            "-c",
            "printf %s \"$BASH_ENV\"",
        ],
    );
    assert_eq!(out.stdout, b"/tmp/x");
    let out = run(&home, &["env", "--env-file", env]);
    assert_eq!(out.status.code(), Some(2), "env refuses them too");
}

#[test]
fn exit_codes_and_signals_pass_through() {
    let home = project();
    for mask in [true, false] {
        let mut args = vec!["run"];
        if !mask {
            args.push("--no-mask");
        }
        let mut exit = args.clone();
        exit.extend(["--", "sh", "-c", "exit 42"]);
        assert_eq!(run(&home, &exit).status.code(), Some(42));
        let mut killed = args.clone();
        killed.extend(["--", "sh", "-c", "kill -KILL $$"]);
        assert_eq!(run(&home, &killed).status.signal(), Some(9));
    }
    let missing = run(&home, &["run", "--", "no-such-program-xyz"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(messages(&missing.stderr).contains("could not run 'no-such-program-xyz'"));
}

#[test]
fn a_signal_sent_to_keyward_reaches_the_child() {
    let home = project();
    let mut cmd = home.command_env(&["run", "--", "sleep", "30"]);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the child was not stopped"
    );
    assert_eq!(
        status.signal(),
        Some(15),
        "keyward ends as its child did: {status:?}"
    );
}

#[test]
fn env_output_evaluates_to_the_exact_values() {
    let home = project();
    let keyward = common::keyward_bin();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!(
            "eval \"$({} env)\" && printf '%s|%s' \"$STRIPE_KEY\" \"$DEPLOY_PEM\"",
            keyward.display()
        ))
        .current_dir(home.dir.path())
        .env("KEYWARD_HOME", home.home())
        .env("KEYWARD_PASSWORD_FILE", home.password_file());
    let out = run_with_stdin(sh, b"");
    assert_eq!(out.stdout, [STRIPE, b"|", PEM].concat());

    let json = run(&home, &["env", "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["DEPLOY_PEM"].as_str().unwrap().as_bytes(), PEM);

    if have_tool("fish") {
        let mut fish = Command::new("fish");
        fish.arg("-c")
            .arg(format!(
                "{} env --format fish | source; printf '%s' \"$DEPLOY_PEM\"",
                keyward.display()
            ))
            .current_dir(home.dir.path())
            .env("KEYWARD_HOME", home.home())
            .env("KEYWARD_PASSWORD_FILE", home.password_file());
        let out = run_with_stdin(fish, b"");
        assert_eq!(out.stdout, PEM);
    }
}

#[test]
fn direnv_loads_the_project_with_the_documented_envrc() {
    if !have_tool("direnv") {
        return;
    }
    let home = project();
    let bin = home.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(common::keyward_bin(), bin.join("keyward")).unwrap();
    std::fs::write(home.dir.path().join(".envrc"), "eval \"$(keyward env)\"\n").unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let direnv = |args: &[&str]| {
        let mut cmd = Command::new("direnv");
        cmd.args(args)
            .current_dir(home.dir.path())
            .env("PATH", &path)
            .env("HOME", home.dir.path())
            .env("XDG_DATA_HOME", home.dir.path().join("xdg"))
            .env("XDG_CONFIG_HOME", home.dir.path().join("xdg-config"))
            .env("KEYWARD_HOME", home.home())
            .env("KEYWARD_PASSWORD_FILE", home.password_file());
        run_with_stdin(cmd, b"")
    };
    let allowed = direnv(&["allow", "."]);
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let out = direnv(&[
        "exec",
        ".",
        "sh",
        "-c",
        "printf '%s|%s' \"$STRIPE_KEY\" \"$DEPLOY_PEM\"",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, [STRIPE, b"|", PEM].concat());
}

/// A value whose every encoded form differs from the plain one.
const AWKWARD: &[u8] = b"Sup3r\"S3cret'$pass/word+?\\end";

/// Runs a Python child that prints `expr` (of the injected value `v`), and returns what
/// keyward let through.
fn child_prints(expr: &str) -> String {
    if !have_tool("python3") {
        return String::new();
    }
    let home = TestHome::with_vault();
    home.add("awkward", AWKWARD);
    let env = home.file("a.env", b"V=kw://awkward\n");
    let program = format!(
        "import os, sys, re, json, base64, urllib.parse\nv = os.environ['V']\nb = v.encode()\nsys.stdout.write('[' + ({expr}) + ']')\n"
    );
    let out = run(
        &home,
        &[
            "run",
            "--env-file",
            env.to_str().unwrap(),
            "--",
            "python3",
            "-c",
            &program,
        ],
    );
    assert!(out.status.success(), "{}", messages(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn run_masks_hex() {
    for expr in ["b.hex()", "b.hex().upper()"] {
        let shown = child_prints(expr);
        assert!(
            shown.is_empty() || shown == format!("[{MASK}]"),
            "{expr}: {shown}"
        );
    }
}

#[test]
fn run_masks_json_escaping() {
    let shown = child_prints("json.dumps(v)");
    assert!(
        shown.is_empty() || shown == format!("[\"{MASK}\"]"),
        "{shown}"
    );
}

#[test]
fn run_masks_shell_quoting() {
    let single = child_prints("\"'\" + v.replace(\"'\", \"'\\\\''\") + \"'\"");
    assert!(
        single.is_empty() || single == format!("['{MASK}']"),
        "{single}"
    );
    let double = child_prints("'\"' + re.sub(r'([$`\"\\\\])', r'\\\\\\1', v) + '\"'");
    assert!(
        double.is_empty() || double == format!("[\"{MASK}\"]"),
        "{double}"
    );
}

#[test]
fn run_masks_url_encoding() {
    let shown = child_prints("urllib.parse.quote(v, safe='')");
    assert!(shown.is_empty() || shown == format!("[{MASK}]"), "{shown}");
}

#[test]
fn run_masks_base64_and_base64url_alone_and_inside_a_larger_blob() {
    for expr in [
        "base64.b64encode(b).decode()",
        "base64.urlsafe_b64encode(b).decode()",
        "base64.b64encode(b'user:' + b + b'@host').decode()",
        "base64.b64encode(b'ab' + b + b'...tail').decode()",
        "base64.urlsafe_b64encode(b'a' + b).decode()",
    ] {
        let shown = child_prints(expr);
        if shown.is_empty() {
            continue;
        }
        assert!(shown.contains(MASK), "{expr}: {shown}");
        // Around the mask are at most two base64 groups on each side: the neighbours' bytes
        // and the one or two bytes of the value that share a group with them.
        let left = shown.replace(MASK, "");
        assert!(
            left.len() <= "[]".len() + 4 * 4 + "==".len(),
            "{expr}: {shown}"
        );
    }
}
