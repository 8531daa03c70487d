//! The leak watcher end to end: the real agent, real files, real git, `keyward watch` as a
//! subscriber: each change gives exactly one finding with the right severity, a fix resolves
//! it, secrets added later and a locked agent still find leaks, a dump of the locked agent
//! holds no value, the inotify limit degrades to polling, and desktop notifications go out
//! over a real D-Bus session without the value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::agent::{Agent, status};
use common::{TestHome, have_tool, messages, run_with_stdin};
use serde_json::Value;

const STRIPE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcQx9";
const DB: &str = "pg-pass-7f3e9a1c2b5d4e6f";
const WAIT: Duration = Duration::from_secs(15);

/// `keyward watch --format json` following the agent: its lines as JSON values.
struct Subscriber {
    child: Child,
    lines: Receiver<Value>,
}

impl Subscriber {
    fn start(home: &TestHome) -> Subscriber {
        let mut cmd = home.bare_command();
        cmd.args(["watch", "--format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        // Subscribed once it says so.
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        assert!(first.contains("following the agent's watcher"), "{first}");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let _ = tx.send(serde_json::from_str(&line).unwrap());
            }
        });
        Subscriber { child, lines }
    }

    /// Every line that arrives until none has come for `quiet` (after the first, which must
    /// come within WAIT).
    fn next_batch(&self, quiet: Duration) -> Vec<Value> {
        let first = self
            .lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("no finding within {WAIT:?}"));
        let mut batch = vec![first];
        while let Ok(more) = self.lines.recv_timeout(quiet) {
            batch.push(more);
        }
        batch
    }

    /// Exactly one line in the next batch; returned.
    fn one(&self, what: &str) -> Value {
        let batch = self.next_batch(Duration::from_millis(800));
        assert_eq!(
            batch.len(),
            1,
            "{what}: exactly one finding, got {batch:#?}"
        );
        batch.into_iter().next().unwrap()
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A vault holding two secrets, and a project folder (a git repository) beside the home.
fn setup() -> (TestHome, PathBuf) {
    let home = TestHome::with_vault();
    home.add("stripe-live", STRIPE.as_bytes());
    home.add("db/password", DB.as_bytes());
    let project = home.dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    git(&project, &["init", "-q"]);
    (home, project.canonicalize().unwrap())
}

fn assert_finding(v: &Value, change: &str, path: &Path, secret: &str, severity: &str) {
    assert_eq!(v["change"], change, "{v:#}");
    assert_eq!(v["path"], path.display().to_string(), "{v:#}");
    assert_eq!(v["secret"], secret, "{v:#}");
    assert_eq!(v["severity"], severity, "{v:#}");
    let text = v.to_string();
    assert!(
        !text.contains(STRIPE) && !text.contains(DB),
        "no value in {text}"
    );
}

#[test]
fn each_change_gives_one_finding_with_its_severity_and_a_fix_resolves_it() {
    if !have_tool("git") {
        return;
    }
    let (home, project) = setup();
    let _agent = Agent::start(&home, &[]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let watch = Subscriber::start(&home);

    // Create: an untracked file in a repository is `high`.
    let env = project.join(".env");
    std::fs::write(&env, format!("STRIPE_KEY={STRIPE}\n")).unwrap();
    assert_finding(&watch.one("create"), "new", &env, "stripe-live", "high");

    // Append to a clean file.
    let app = project.join("app.py");
    std::fs::write(&app, "import os\n").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(&app).unwrap();
    writeln!(f, "DB = '{DB}'").unwrap();
    drop(f);
    assert_finding(&watch.one("append"), "new", &app, "db/password", "high");

    // Rename a file from outside over a clean one.
    let config = project.join("config.txt");
    std::fs::write(&config, "clean\n").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let outside = home.dir.path().join("incoming.txt");
    std::fs::write(&outside, format!("token: {STRIPE}\n")).unwrap();
    std::fs::rename(&outside, &config).unwrap();
    assert_finding(
        &watch.one("rename over"),
        "new",
        &config,
        "stripe-live",
        "high",
    );

    // git add: the same finding, now `critical`.
    git(&project, &["add", "config.txt"]);
    assert_finding(
        &watch.one("git add"),
        "changed",
        &config,
        "stripe-live",
        "critical",
    );

    // An editor's save (write a temporary file, rename it over) that removes the value.
    let temp = project.join(".env.swp-save");
    std::fs::write(&temp, "STRIPE_KEY=kw://stripe-live\n").unwrap();
    std::fs::rename(&temp, &env).unwrap();
    assert_finding(
        &watch.one("editor save"),
        "resolved",
        &env,
        "stripe-live",
        "high",
    );

    // The findings store agrees: two open, one resolved.
    let open: Value = serde_json::from_slice(&home.ok(&["findings", "--json"], b"")).unwrap();
    let paths: Vec<&str> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{open:#}");
    let all: Value =
        serde_json::from_slice(&home.ok(&["findings", "--json", "--all"], b"")).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
}

#[test]
fn secrets_added_later_are_found_and_a_locked_agent_keeps_finding() {
    let (home, project) = setup();
    let _agent = Agent::start(&home, &[]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let watch = Subscriber::start(&home);

    // A secret stored after the watch started.
    let late = "late-secret-value-0c1d2e3f4a5b";
    let mut add = home.bare_command();
    add.args(["add", "late"]);
    assert!(run_with_stdin(add, late.as_bytes()).status.success());
    let file = project.join("notes.md");
    std::fs::write(&file, format!("remember {late}\n")).unwrap();
    assert_finding(&watch.one("a later secret"), "new", &file, "late", "high");

    // Locked: stored values are still found, encoded too, and key formats need no key.
    let mut lock = home.bare_command();
    lock.arg("lock");
    assert!(run_with_stdin(lock, b"").status.success());
    assert_eq!(status(&home)["unlocked"], false);
    let encoded = project.join("values.yaml");
    let b64 = base64::engine::general_purpose::STANDARD.encode(DB);
    std::fs::write(&encoded, format!("password: {b64}\n")).unwrap();
    let v = watch.one("while locked");
    assert_finding(&v, "new", &encoded, "db/password", "high");
    assert_eq!(v["encoding"], "base64");
    // Findings can be read from a locked agent.
    let mut findings = home.bare_command();
    findings.args(["findings", "--json"]);
    let out = run_with_stdin(findings, b"");
    assert!(out.status.success(), "{}", messages(&out.stderr));
}

#[test]
fn a_dump_of_the_locked_agent_holds_no_stored_value() {
    if !have_tool("gcore") {
        return;
    }
    let (home, project) = setup();
    let agent = Agent::start(&home, &[]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    std::fs::write(project.join("leak.env"), format!("K={STRIPE}\n")).unwrap();
    let deadline = Instant::now() + WAIT;
    while status(&home)["watch"]["open_findings"] != 1 {
        assert!(Instant::now() < deadline, "{}", status(&home));
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut lock = home.bare_command();
    lock.arg("lock");
    assert!(run_with_stdin(lock, b"").status.success());

    let core = home.dir.path().join("agent-core");
    let out = Command::new("gcore")
        .arg("-o")
        .arg(&core)
        .arg(agent.pid().to_string())
        .output()
        .unwrap();
    let dump_path = PathBuf::from(format!("{}.{}", core.display(), agent.pid()));
    assert!(
        dump_path.exists(),
        "gcore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = std::fs::read(&dump_path).unwrap();
    std::fs::remove_file(&dump_path).unwrap();
    // The dump is real and searchable: the matcher keeps the secrets' names.
    assert!(
        common::contains(&dump, b"db/password"),
        "the dump holds the names"
    );
    for value in [STRIPE, DB] {
        for form in [
            value.to_owned(),
            base64::engine::general_purpose::STANDARD.encode(value),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value),
        ] {
            assert!(
                !common::contains(&dump, form.as_bytes()),
                "the locked agent's memory holds a stored value"
            );
        }
    }
}

#[test]
fn past_the_watch_limit_the_agent_polls_and_says_so() {
    let (home, project) = setup();
    for d in ["a", "b", "c"] {
        std::fs::create_dir(project.join(d)).unwrap();
    }
    let agent = Agent::start(&home, &[("KEYWARD_MAX_WATCHES", "2")]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let watch = Subscriber::start(&home);
    let deadline = Instant::now() + WAIT;
    while status(&home)["watch"]["polled_folders"]
        .as_u64()
        .unwrap_or(0)
        == 0
    {
        assert!(Instant::now() < deadline, "{}", status(&home));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        agent.log().contains("fs.inotify.max_user_watches"),
        "{}",
        agent.log()
    );
    for d in ["a", "b", "c"] {
        let file = project.join(d).join("secret.txt");
        std::fs::write(&file, DB).unwrap();
        assert_finding(&watch.one(d), "new", &file, "db/password", "high");
    }
}

#[test]
fn findings_can_be_ignored_with_a_reason_and_resolved_by_hand() {
    let (home, project) = setup();
    let _agent = Agent::start(&home, &[]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let watch = Subscriber::start(&home);
    std::fs::write(project.join("fixture.txt"), DB).unwrap();
    let id = watch.one("fixture")["id"].as_i64().unwrap().to_string();

    let err = home.fails(&["findings", "ignore", &id, "--reason", "  "], b"", 2);
    assert!(err.contains("--reason"), "{err}");
    home.fails(&["findings", "ignore", &id], b"", 2);
    let err = home.fails(&["findings", "resolve", "999"], b"", 2);
    assert!(err.contains("no finding with id 999"), "{err}");
    home.ok(
        &["findings", "ignore", &id, "--reason", "a test fixture"],
        b"",
    );
    let v = watch.one("ignored");
    assert_eq!(v["change"], "ignored");
    assert_eq!(v["reason"], "a test fixture");
    let open: Value = serde_json::from_slice(&home.ok(&["findings", "--json"], b"")).unwrap();
    assert!(open.as_array().unwrap().is_empty());
    let text = String::from_utf8(home.ok(&["findings", "--all"], b"")).unwrap();
    assert!(text.contains("[ignored: a test fixture]"), "{text}");
    assert!(!text.contains(DB));
}

#[test]
fn projects_are_listed_suggested_and_removed() {
    let (home, project) = setup();
    std::fs::write(
        project.join("keyward.toml"),
        "[env]\nDB = \"db/password\"\n",
    )
    .unwrap();
    let _agent = Agent::start(&home, &[]);
    let mut run = home.bare_command();
    run.args(["run", "--", "true"]).current_dir(&project);
    assert!(run_with_stdin(run, b"").status.success());
    let list: Value =
        serde_json::from_slice(&home.ok(&["project", "list", "--json"], b"")).unwrap();
    let suggested: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "suggested")
        .collect();
    assert_eq!(suggested.len(), 1, "{list:#}");
    assert_eq!(suggested[0]["path"], project.display().to_string());
    assert_eq!(
        status(&home)["suggested_projects"],
        serde_json::json!([project.display().to_string()])
    );

    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let list = String::from_utf8(home.ok(&["project", "list"], b"")).unwrap();
    assert!(
        list.contains(&format!("project         watched  {}", project.display())),
        "{list}"
    );
    assert!(!list.contains("suggested"), "{list}");
    home.ok(&["project", "disable", "history"], b"");
    let list = String::from_utf8(home.ok(&["project", "list"], b"")).unwrap();
    assert!(list.contains("history         off"), "{list}");
    home.ok(&["project", "rm", project.to_str().unwrap()], b"");
    let err = home.fails(&["project", "rm", project.to_str().unwrap()], b"", 2);
    assert!(err.contains("is not a watched project"), "{err}");
    let err = home.fails(&["project", "add", "/no/such/folder"], b"", 2);
    assert!(err.contains("could not find /no/such/folder"), "{err}");
}

#[test]
fn the_foreground_watcher_needs_no_agent() {
    let (home, project) = setup();
    std::fs::write(project.join("old.txt"), format!("{STRIPE}\n")).unwrap();
    let mut cmd = home.command_env(&["watch", project.to_str().unwrap(), "--format", "json"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_finding(
        &first,
        "new",
        &project.join("old.txt"),
        "stripe-live",
        "high",
    );
    std::fs::write(project.join("old.txt"), "gone\n").unwrap();
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_finding(
        &second,
        "resolved",
        &project.join("old.txt"),
        "stripe-live",
        "high",
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_new_leak_is_a_desktop_notification_without_the_value() {
    if !have_tool("dbus-daemon") || !have_tool("dbus-monitor") {
        return;
    }
    let (home, project) = setup();
    let bus = Command::new("dbus-daemon")
        .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
        .output()
        .unwrap();
    let printed = String::from_utf8(bus.stdout).unwrap();
    let mut printed = printed.lines();
    let address = printed.next().unwrap().to_owned();
    let bus_pid: i32 = printed.next().unwrap().trim().parse().unwrap();
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--address",
            &address,
            "interface='org.freedesktop.Notifications'",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, monitored) = mpsc::channel();
    let out = monitor.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            let _ = tx.send(line);
        }
    });
    let _agent = Agent::start(&home, &[("DBUS_SESSION_BUS_ADDRESS", &address)]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let leak = project.join("prod.env");
    std::fs::write(&leak, format!("STRIPE={STRIPE}\n")).unwrap();

    let deadline = Instant::now() + WAIT;
    let mut seen = String::new();
    while !(seen.contains("member=Notify") && seen.contains("prod.env")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match monitored.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(_) => panic!("no notification: {seen}"),
        }
    }
    // Let the rest of the call arrive, then check it.
    while let Ok(line) = monitored.recv_timeout(Duration::from_millis(300)) {
        seen.push_str(&line);
        seen.push('\n');
    }
    assert!(seen.contains("your secret 'stripe-live'"), "{seen}");
    assert!(
        !seen.contains(STRIPE),
        "the value is never in a notification"
    );
    let _ = monitor.kill();
    let _ = monitor.wait();
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(bus_pid).unwrap(),
        rustix::process::Signal::TERM,
    );
}

#[test]
fn a_leaked_key_is_due_now_and_rotating_it_clears_it() {
    let (home, project) = setup();
    let _agent = Agent::start(&home, &[]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let watch = Subscriber::start(&home);
    let due = |home: &TestHome| -> Vec<Value> {
        let mut cmd = home.bare_command();
        cmd.args(["due", "--json"]);
        let out = run_with_stdin(cmd, b"");
        assert!(out.status.success(), "{}", messages(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    assert!(due(&home).iter().all(|d| d["name"] != "stripe-live"));

    let leak = project.join("settings.py");
    std::fs::write(&leak, format!("STRIPE_KEY = '{STRIPE}'\n")).unwrap();
    assert_finding(&watch.one("the leak"), "new", &leak, "stripe-live", "high");
    let first = due(&home).into_iter().next().unwrap();
    assert_eq!(first["name"], "stripe-live");
    assert_eq!(first["reason"], "exposed");
    assert_eq!(first["exposed_in"]["path"], leak.display().to_string());
    assert_eq!(first["rotate_at"], "https://dashboard.stripe.com/apikeys");

    // Rotate: no longer due, and the finding of the old value is resolved.
    let mut rotate = home.bare_command();
    rotate.args(["rotate", "stripe-live", "--generate"]);
    let out = run_with_stdin(rotate, b"");
    assert!(out.status.success(), "{}", messages(&out.stderr));
    assert!(out.stdout.is_empty(), "a generated value is never printed");
    assert!(due(&home).iter().all(|d| d["name"] != "stripe-live"));
    let batch = watch.next_batch(Duration::from_millis(800));
    assert!(
        batch
            .iter()
            .any(|v| v["change"] == "resolved" && v["secret"] == "stripe-live"),
        "{batch:#?}"
    );
    // The old key is still in the file, as a Stripe key: fixing the file resolves that too.
    std::fs::write(&leak, "STRIPE_KEY = os.environ['STRIPE_KEY']\n").unwrap();
    let batch = watch.next_batch(Duration::from_millis(800));
    assert!(
        batch.iter().all(|v| v["change"] == "resolved"),
        "{batch:#?}"
    );
    let open: Value = serde_json::from_slice(&home.ok(&["findings", "--json"], b"")).unwrap();
    assert!(open.as_array().unwrap().is_empty(), "{open:#}");
}

#[test]
fn turning_the_history_files_on_leaves_findings_elsewhere_in_the_home_open() {
    // The history files' folder is the home folder itself, which holds the project too.
    let (home, project) = setup();
    let _agent = Agent::start(&home, &[]);
    home.ok(&["project", "add", project.to_str().unwrap()], b"");
    let watch = Subscriber::start(&home);
    let leak = project.join("creds.txt");
    std::fs::write(&leak, DB).unwrap();
    assert_finding(&watch.one("the leak"), "new", &leak, "db/password", "high");
    home.ok(&["project", "disable", "history"], b"");
    home.ok(&["project", "enable", "history"], b"");
    std::fs::write(home.dir.path().join(".bash_history"), "ls\n").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    while let Ok(line) = watch.lines.try_recv() {
        assert_ne!(line["change"], "resolved", "{line:#}");
    }
    let open: Value = serde_json::from_slice(&home.ok(&["findings", "--json"], b"")).unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1, "{open:#}");
}
