//! The watcher on real folders with the real kernel: a whole scan, then creates, appends,
//! editor saves, renames, deletes, new folders, skipped folders, git's index and the inotify
//! limit, each seen within a moment.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use keyward_scan::walk::WalkOptions;
use keyward_scan::{KnownValues, Severity};
use keyward_watch::{Engine, Root, WatchEvent, WatchOptions, Watcher};

const SECRET: &str = "kw-watch-test-3c9f1a7e5b2d8046";
const WAIT: Duration = Duration::from_secs(10);

struct Fixture {
    dir: tempfile::TempDir,
    events: Receiver<WatchEvent>,
    watcher: Watcher,
    /// Degraded notices sent before the first whole scan was reported.
    early_notices: Vec<String>,
}

impl Fixture {
    fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    /// The next event that `pick` accepts, skipping others.
    fn wait<T>(&self, what: &str, mut pick: impl FnMut(&WatchEvent) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => {
                    if let Some(found) = pick(&event) {
                        return found;
                    }
                }
                Err(_) => panic!("no event for {what} within {WAIT:?}"),
            }
        }
    }

    /// Waits for a scan of `path` and returns the number of findings in it.
    fn scanned(&self, path: &Path) -> usize {
        let name = path.to_str().unwrap().to_owned();
        self.wait(&format!("a scan of {name}"), |e| match e {
            WatchEvent::FileScanned { path, findings } if *path == name => Some(findings.len()),
            _ => None,
        })
    }

    fn gone(&self, path: &Path) {
        let name = path.to_str().unwrap().to_owned();
        self.wait(&format!("{name} gone"), |e| match e {
            WatchEvent::Gone { path } if *path == name => Some(()),
            _ => None,
        });
    }
}

fn start(setup: impl FnOnce(&Path), options: WatchOptions) -> (Fixture, usize) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    setup(&root);
    let engine = Engine::new(WalkOptions::default(), [9; 32]).unwrap();
    let (known, _) = KnownValues::build([5; 32], &[("watched".into(), SECRET.as_bytes())]);
    engine.set_known(Some(known), [9; 32]);
    let (tx, events) = mpsc::channel();
    let watcher = Watcher::start(
        vec![Root::tree(&root)],
        Arc::new(engine),
        options,
        Box::new(move |event| {
            let _ = tx.send(event);
        }),
    )
    .unwrap();
    let mut fixture = Fixture {
        dir,
        events,
        watcher,
        early_notices: Vec::new(),
    };
    let mut notices = Vec::new();
    let initial = fixture.wait("the first whole scan", |e| match e {
        WatchEvent::TreeScanned { findings, .. } => Some(findings.len()),
        WatchEvent::Degraded { message } => {
            notices.push(message.clone());
            None
        }
        _ => None,
    });
    fixture.early_notices = notices;
    (fixture, initial)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_first_scan_finds_what_is_there_and_skips_vendored_folders() {
    let (fx, initial) = start(
        |root| {
            write(&root.join("config/.env"), &format!("KEY={SECRET}\n"));
            write(
                &root.join("node_modules/pkg/key.js"),
                &format!("k='{SECRET}'"),
            );
            write(&root.join("src/clean.rs"), "fn main() {}\n");
        },
        WatchOptions::default(),
    );
    assert_eq!(initial, 1, "the .env, not node_modules");
    let counts = fx.watcher.counts();
    // root, config, src; node_modules and below are not watched.
    assert_eq!(counts.inotify, 3, "{counts:?}");
    assert_eq!(counts.polled, 0);

    // A change under node_modules is never reported.
    write(&fx.root().join("node_modules/pkg/new.js"), SECRET);
    write(&fx.root().join("src/marker.txt"), "after");
    assert_eq!(fx.scanned(&fx.root().join("src/marker.txt")), 0);
}

#[test]
fn creates_appends_editor_saves_renames_and_deletes_are_each_seen() {
    let (fx, _) = start(|_| {}, WatchOptions::default());
    let file = fx.root().join("app.py");

    write(&file, "print('hello')\n");
    assert_eq!(fx.scanned(&file), 0);

    // Append.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    writeln!(f, "TOKEN = '{SECRET}'").unwrap();
    drop(f);
    assert_eq!(fx.scanned(&file), 1);

    // An editor's save: write a temporary file, rename it over the original.
    let temp = fx.root().join(".app.py.tmp");
    write(&temp, "print('fixed')\n");
    std::fs::rename(&temp, &file).unwrap();
    assert_eq!(fx.scanned(&file), 0, "the saved file no longer holds it");

    // Rename a leaking file to another name: the old path goes, the new one holds it.
    let leaky = fx.root().join("leak.txt");
    write(&leaky, SECRET);
    assert_eq!(fx.scanned(&leaky), 1);
    let moved = fx.root().join("moved.txt");
    std::fs::rename(&leaky, &moved).unwrap();
    assert_eq!(fx.scanned(&moved), 1);

    std::fs::remove_file(&moved).unwrap();
    fx.gone(&moved);
}

#[test]
fn new_folders_are_watched_as_they_appear_and_deleted_ones_let_go() {
    let (fx, _) = start(|_| {}, WatchOptions::default());
    let deep = fx.root().join("a/b/c");
    std::fs::create_dir_all(&deep).unwrap();
    // Give the watcher a moment to watch the new folders, then write below them.
    std::thread::sleep(Duration::from_millis(400));
    let file = deep.join("secrets.yml");
    write(&file, &format!("password: {SECRET}\n"));
    assert_eq!(fx.scanned(&file), 1);
    std::fs::remove_dir_all(fx.root().join("a")).unwrap();
    fx.gone(&fx.root().join("a"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(fx.watcher.counts().inotify, 1, "only the root is left");
}

#[test]
fn git_add_is_seen_through_the_index() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let git = |root: &Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (fx, _) = start(
        |root| {
            std::process::Command::new("git")
                .args(["init", "-q"])
                .current_dir(root)
                .status()
                .unwrap();
        },
        WatchOptions::default(),
    );
    let file = fx.root().join("creds.txt");
    write(&file, SECRET);
    let severity = fx.wait("the new file", |e| match e {
        WatchEvent::FileScanned { findings, .. } if !findings.is_empty() => {
            Some(findings[0].severity)
        }
        _ => None,
    });
    assert_eq!(severity, Severity::High, "untracked");
    git(&fx.root(), &["add", "creds.txt"]);
    let repo = fx.wait("git's index", |e| match e {
        WatchEvent::GitIndexChanged { repo } => Some(repo.clone()),
        _ => None,
    });
    assert_eq!(repo, fx.root());
}

#[test]
fn past_the_watch_limit_folders_are_polled_and_the_user_is_told() {
    let options = WatchOptions {
        poll_interval: Duration::from_millis(200),
        max_watches: Some(2),
        ..WatchOptions::default()
    };
    let (fx, _) = start(
        |root| {
            for d in ["one", "two", "three"] {
                std::fs::create_dir_all(root.join(d)).unwrap();
            }
        },
        options,
    );
    assert_eq!(
        fx.early_notices.len(),
        1,
        "told once: {:?}",
        fx.early_notices
    );
    let message = &fx.early_notices[0];
    assert!(message.contains("fs.inotify.max_user_watches"), "{message}");
    let counts = fx.watcher.counts();
    assert_eq!((counts.inotify, counts.polled), (2, 2), "{counts:?}");
    // A change in every folder is still seen, polled ones included.
    for d in ["one", "two", "three"] {
        let file = fx.root().join(d).join("k.txt");
        write(&file, SECRET);
        assert_eq!(fx.scanned(&file), 1, "{d}");
    }
}

#[test]
fn hostile_trees_leave_the_watcher_running() {
    let (fx, _) = start(
        |root| {
            std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
            std::os::unix::fs::symlink("missing", root.join("dangling")).unwrap();
            let fifo = root.join("fifo");
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap();
            let sparse = std::fs::File::create(root.join("sparse.img")).unwrap();
            sparse.set_len(2 * 1024 * 1024 * 1024).unwrap();
            std::fs::write(root.join("binary.bin"), b"\0\x01\x02\x03").unwrap();
            use std::os::unix::ffi::OsStrExt;
            let odd = std::ffi::OsStr::from_bytes(b"name-\xff.txt");
            std::fs::write(root.join(odd), SECRET).unwrap();
        },
        WatchOptions::default(),
    );
    // A folder deleted while its files are being written.
    let doomed = fx.root().join("doomed");
    std::fs::create_dir(&doomed).unwrap();
    write(&doomed.join("x.txt"), SECRET);
    std::fs::remove_dir_all(&doomed).unwrap();
    // The sparse file grows past any cap; the FIFO is written to.
    let sparse = std::fs::OpenOptions::new()
        .append(true)
        .open(fx.root().join("sparse.img"))
        .unwrap();
    sparse.set_len(3 * 1024 * 1024 * 1024).unwrap();
    // Still watching: an ordinary leak is found.
    let file = fx.root().join("after.txt");
    write(&file, SECRET);
    assert_eq!(fx.scanned(&file), 1);
}
