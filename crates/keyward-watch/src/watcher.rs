//! The watcher: scans its roots whole, then each file as it changes.
//!
//! One non-recursive inotify watch per folder the scanner would enter (none under `.git`,
//! `node_modules`, `target`, virtualenvs), new folders watched as they appear, and the
//! debouncer pairing renames and collapsing an editor's write-then-rename into one event. When
//! the kernel drops events (queue overflow) every root is scanned again; when it runs out of
//! watches (`fs.inotify.max_user_watches`) the remaining folders are polled, and the sink is
//! told once. A repository's `.git` folder is watched for its index only, so `git add` raises
//! severities at once.

use std::collections::{BTreeSet, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use keyward_scan::Finding;
use keyward_scan::walk::is_skipped_dir;
use notify_debouncer_full::notify::{
    self, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode,
};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer_opt,
};
use rayon::prelude::*;

use crate::engine::{Engine, FileScan, rank};

/// A folder to watch. With `only`, just those file names directly in it (a home folder's
/// history files); else the whole tree below it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Root {
    pub path: PathBuf,
    pub only: Option<Vec<OsString>>,
}

impl Root {
    pub fn tree(path: impl Into<PathBuf>) -> Root {
        Root {
            path: path.into(),
            only: None,
        }
    }

    /// Whether `path` is one this root watches.
    pub fn admits(&self, path: &Path) -> bool {
        match &self.only {
            None => path.starts_with(&self.path),
            Some(names) => {
                path.parent() == Some(self.path.as_path())
                    && path
                        .file_name()
                        .is_some_and(|n| names.iter().any(|m| m == n))
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// How long the debouncer waits for a burst of events on one file to settle.
    pub debounce: Duration,
    /// How often polled folders are looked at, past the inotify limit.
    pub poll_interval: Duration,
    /// At most this many inotify watches, as if the kernel's limit were reached there (a test
    /// seam, and a way to leave watches to other programs); `None` for the kernel's limit.
    pub max_watches: Option<usize>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: Duration::from_millis(50),
            poll_interval: Duration::from_secs(2),
            max_watches: None,
        }
    }
}

/// What the watcher reports. Findings carry their severity; none holds a value.
#[derive(Debug)]
pub enum WatchEvent {
    /// `roots` were scanned whole: every path they admit holds exactly its `findings`.
    TreeScanned {
        roots: Vec<Root>,
        findings: Vec<Finding>,
        files: usize,
        folders: usize,
        elapsed: Duration,
    },
    /// `path` was scanned and holds exactly `findings` (none: clean, or not scannable).
    FileScanned {
        path: String,
        findings: Vec<Finding>,
    },
    /// `path`, a file or a folder, is gone with whatever it held.
    Gone { path: String },
    /// The git index of the repository at `repo` changed: severities there may have too.
    GitIndexChanged { repo: PathBuf },
    /// Watching works less well than it should; the message says why and what to do.
    Degraded { message: String },
}

/// How many watches a running watcher holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchCounts {
    pub inotify: usize,
    pub polled: usize,
}

enum Msg {
    Changes(DebounceEventResult),
    Rescan,
    SetRoots(Vec<Root>),
    Stop,
}

pub type Sink = Box<dyn FnMut(WatchEvent) + Send>;

/// A running watcher; stops when dropped.
pub struct Watcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    counts: Arc<Counts>,
    /// Set on stop, so a queue of whole rescans does not hold the stop up.
    stopping: Arc<AtomicBool>,
}

/// The watches held, kept current by the worker so reading them never waits for a scan.
#[derive(Debug, Default)]
struct Counts {
    inotify: AtomicUsize,
    polled: AtomicUsize,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watcher")
    }
}

impl Watcher {
    /// Starts watching `roots`: a whole scan first (reported as `TreeScanned`), then changes.
    pub fn start(
        roots: Vec<Root>,
        engine: Arc<Engine>,
        options: WatchOptions,
        sink: Sink,
    ) -> keyward_scan::Result<Watcher> {
        let (tx, rx) = mpsc::channel();
        let inotify = debouncer::<RecommendedWatcher, RecommendedCache>(
            &tx,
            &options,
            RecommendedCache::new(),
            notify::Config::default(),
        )?;
        let counts = Arc::new(Counts::default());
        let stopping = Arc::new(AtomicBool::new(false));
        let mut worker = Worker {
            stopping: Arc::clone(&stopping),
            counts: Arc::clone(&counts),
            engine,
            options,
            sink,
            roots: Vec::new(),
            tx: tx.clone(),
            inotify,
            poll: None,
            watched: HashSet::new(),
            polled: HashSet::new(),
            git_dirs: HashSet::new(),
            told_degraded: false,
        };
        let thread = std::thread::Builder::new()
            .name("keyward-watch".into())
            .spawn(move || {
                worker.set_roots(roots);
                worker.run(&rx);
            })
            .map_err(|e| keyward_scan::Error::io("could not start the watcher", e))?;
        Ok(Watcher {
            tx,
            thread: Some(thread),
            counts,
            stopping,
        })
    }

    /// Scans every root again (the matcher of stored values changed).
    pub fn rescan(&self) {
        let _ = self.tx.send(Msg::Rescan);
    }

    /// Watches `roots` from now on: new ones are scanned whole, dropped ones let go.
    pub fn set_roots(&self, roots: Vec<Root>) {
        let _ = self.tx.send(Msg::SetRoots(roots));
    }

    /// The watches held now.
    pub fn counts(&self) -> WatchCounts {
        WatchCounts {
            inotify: self.counts.inotify.load(Ordering::Relaxed),
            polled: self.counts.polled.load(Ordering::Relaxed),
        }
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.tx.send(Msg::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.halt();
    }
}

fn debouncer<W: notify::Watcher, C: notify_debouncer_full::FileIdCache + Send + 'static>(
    tx: &Sender<Msg>,
    options: &WatchOptions,
    cache: C,
    config: notify::Config,
) -> keyward_scan::Result<Debouncer<W, C>> {
    let tx = tx.clone();
    new_debouncer_opt::<_, W, C>(
        options.debounce,
        None,
        move |result: DebounceEventResult| {
            let _ = tx.send(Msg::Changes(result));
        },
        cache,
        config,
    )
    .map_err(|e| keyward_scan::Error::Invalid(format!("could not start watching: {e}")))
}

struct Worker {
    stopping: Arc<AtomicBool>,
    counts: Arc<Counts>,
    engine: Arc<Engine>,
    options: WatchOptions,
    sink: Sink,
    roots: Vec<Root>,
    tx: Sender<Msg>,
    inotify: Debouncer<RecommendedWatcher, RecommendedCache>,
    poll: Option<Debouncer<PollWatcher, NoCache>>,
    watched: HashSet<PathBuf>,
    polled: HashSet<PathBuf>,
    /// Watched `.git` folders, whose `index` changes on `git add`.
    git_dirs: HashSet<PathBuf>,
    told_degraded: bool,
}

impl Worker {
    fn publish_counts(&self) {
        self.counts
            .inotify
            .store(self.watched.len(), Ordering::Relaxed);
        self.counts
            .polled
            .store(self.polled.len(), Ordering::Relaxed);
    }

    fn run(&mut self, rx: &Receiver<Msg>) {
        while let Ok(msg) = rx.recv() {
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            match msg {
                Msg::Changes(Ok(events)) => self.changes(events),
                // Errors of the watch itself (a folder gone before its watch was added): the
                // events that follow say what changed.
                Msg::Changes(Err(_)) => {}
                Msg::Rescan => {
                    let roots = self.roots.clone();
                    self.scan_roots(&roots);
                }
                Msg::SetRoots(roots) => self.set_roots(roots),
                Msg::Stop => return,
            }
        }
    }

    fn set_roots(&mut self, roots: Vec<Root>) {
        let roots: Vec<Root> = roots
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let dropped: Vec<Root> = self
            .roots
            .iter()
            .filter(|r| !roots.contains(r))
            .cloned()
            .collect();
        for root in &dropped {
            self.unwatch_under(&root.path);
        }
        let added: Vec<Root> = roots
            .iter()
            .filter(|r| !self.roots.contains(r))
            .cloned()
            .collect();
        self.roots = roots;
        self.scan_roots(&added);
    }

    /// Watches every folder of `roots` and scans every file, reported as one `TreeScanned`.
    fn scan_roots(&mut self, roots: &[Root]) {
        if roots.is_empty() {
            return;
        }
        let started = Instant::now();
        let mut folders = 0;
        let mut files = Vec::new();
        for root in roots {
            folders += self.watch_root(root, &mut files);
        }
        if self.stopping.load(Ordering::SeqCst) {
            return;
        }
        let mut findings = self.scan_files(&files);
        rank(&mut findings);
        (self.sink)(WatchEvent::TreeScanned {
            roots: roots.to_vec(),
            findings,
            files: files.len(),
            folders,
            elapsed: started.elapsed(),
        });
    }

    /// Watches the folders of `root` and adds its files to `files`; returns how many folders.
    fn watch_root(&mut self, root: &Root, files: &mut Vec<PathBuf>) -> usize {
        let Some(names) = &root.only else {
            let folders = self.watch_tree(&root.path, files);
            // A project inside a repository: the repository's index still ranks its files.
            if let Some(repo) = keyward_scan::git::repo_root(&root.path)
                && repo != root.path
                && repo.join(".git").is_dir()
            {
                self.watch(&repo.join(".git"));
            }
            return folders;
        };
        if !root.path.is_dir() {
            return 0;
        }
        self.watch(&root.path);
        files.extend(
            names
                .iter()
                .map(|n| root.path.join(n))
                .filter(|p| p.is_file()),
        );
        1
    }

    /// Walks `top` as the scanner does (hidden and ignored files included, skipped folders left
    /// out, links not followed), watching each folder as soon as the walk reaches it, before its
    /// files are listed, so a file created meanwhile is seen by the watch if not by the walk.
    /// A repository's `.git` folder is watched for its index. Returns how many folders.
    fn watch_tree(&mut self, top: &Path, files: &mut Vec<PathBuf>) -> usize {
        let walker = keyward_scan::walk::walker(top).build();
        let mut folders = 0;
        for entry in walker.flatten() {
            let Some(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                folders += 1;
                self.watch(entry.path());
                let git = entry.path().join(".git");
                if git.is_dir() {
                    self.watch(&git);
                }
            } else if kind.is_file() {
                files.push(entry.into_path());
            }
        }
        folders
    }

    fn scan_files(&self, files: &[PathBuf]) -> Vec<Finding> {
        let engine = &*self.engine;
        files
            .par_iter()
            .flat_map_iter(|path| match engine.scan_file(path) {
                FileScan::Findings(found) => found,
                FileScan::Skipped(_) => Vec::new(),
            })
            .collect()
    }

    fn watch(&mut self, folder: &Path) {
        if self.watched.contains(folder) || self.polled.contains(folder) {
            return;
        }
        if folder.file_name().is_some_and(|n| n == ".git") {
            self.git_dirs.insert(folder.to_path_buf());
        }
        let at_limit = self
            .options
            .max_watches
            .is_some_and(|max| self.watched.len() >= max);
        let result = if at_limit {
            Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch))
        } else {
            self.inotify.watch(folder, RecursiveMode::NonRecursive)
        };
        match result {
            Ok(()) => {
                self.watched.insert(folder.to_path_buf());
                self.publish_counts();
            }
            Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => self.poll(folder),
            // Unreadable, or gone already: nothing to watch.
            Err(_) => {}
        }
    }

    /// Past the inotify limit: the folder is polled instead.
    fn poll(&mut self, folder: &Path) {
        if self.poll.is_none() {
            let config = notify::Config::default().with_poll_interval(self.options.poll_interval);
            match debouncer::<PollWatcher, NoCache>(&self.tx, &self.options, NoCache, config) {
                Ok(poll) => self.poll = Some(poll),
                Err(e) => {
                    (self.sink)(WatchEvent::Degraded {
                        message: format!("{e}; {} is not watched", folder.display()),
                    });
                    return;
                }
            }
        }
        if let Some(poll) = &mut self.poll
            && poll.watch(folder, RecursiveMode::NonRecursive).is_ok()
        {
            self.polled.insert(folder.to_path_buf());
            self.publish_counts();
        }
        if !self.told_degraded {
            self.told_degraded = true;
            (self.sink)(WatchEvent::Degraded {
                message: format!(
                    "the kernel's limit of inotify watches is reached (fs.inotify.max_user_watches); \
                     {} and the folders after it are polled every {} s instead; raise the limit \
                     with `sudo sysctl fs.inotify.max_user_watches=524288`",
                    folder.display(),
                    self.options.poll_interval.as_secs().max(1)
                ),
            });
        }
    }

    fn unwatch_under(&mut self, gone: &Path) {
        let inotify: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|w| w.starts_with(gone))
            .cloned()
            .collect();
        for folder in inotify {
            let _ = self.inotify.unwatch(&folder);
            self.watched.remove(&folder);
            self.git_dirs.remove(&folder);
        }
        let polled: Vec<PathBuf> = self
            .polled
            .iter()
            .filter(|w| w.starts_with(gone))
            .cloned()
            .collect();
        for folder in polled {
            if let Some(poll) = &mut self.poll {
                let _ = poll.unwatch(&folder);
            }
            self.polled.remove(&folder);
        }
        self.publish_counts();
    }

    fn changes(&mut self, events: Vec<notify_debouncer_full::DebouncedEvent>) {
        let mut paths = BTreeSet::new();
        let mut rescan = false;
        for event in events {
            rescan |= event.need_rescan();
            if !matches!(event.kind, EventKind::Access(_)) {
                paths.extend(event.event.paths);
            }
        }
        if rescan {
            // The kernel dropped events: what changed is unknown, so everything is looked at.
            let roots = self.roots.clone();
            self.scan_roots(&roots);
            return;
        }
        for path in paths {
            self.changed(&path);
        }
    }

    fn changed(&mut self, path: &Path) {
        if path.file_name().is_some_and(|n| n == "index")
            && let Some(git) = path.parent()
            && self.git_dirs.contains(git)
        {
            if let Some(repo) = git.parent() {
                (self.sink)(WatchEvent::GitIndexChanged {
                    repo: repo.to_path_buf(),
                });
            }
            return;
        }
        let Some(root) = self.roots.iter().find(|r| r.admits(path)).cloned() else {
            return;
        };
        if root.only.is_none() && skipped_ancestor(&root.path, path) {
            return;
        }
        let Some(name) = path.to_str().map(str::to_owned) else {
            return;
        };
        match std::fs::symlink_metadata(path) {
            Err(_) => {
                self.unwatch_under(path);
                (self.sink)(WatchEvent::Gone { path: name });
            }
            Ok(meta) if meta.is_dir() && root.only.is_none() => {
                if path.file_name().is_some_and(|n| n == ".git") {
                    // `git init` in a watched folder: its index tells when files are added.
                    self.watch(path);
                } else if !is_skipped_dir(path) {
                    self.folder_appeared(path);
                }
            }
            Ok(meta) if meta.is_file() => {
                let mut findings = match self.engine.scan_file(path) {
                    FileScan::Findings(found) => found,
                    FileScan::Skipped(_) => Vec::new(),
                };
                rank(&mut findings);
                (self.sink)(WatchEvent::FileScanned {
                    path: name,
                    findings,
                });
            }
            // A link, a FIFO, a socket: nothing to read, so nothing held.
            Ok(_) => (self.sink)(WatchEvent::FileScanned {
                path: name,
                findings: Vec::new(),
            }),
        }
    }

    /// A folder created or moved in: watch it and everything below, and report each file.
    fn folder_appeared(&mut self, folder: &Path) {
        let mut files = Vec::new();
        self.watch_tree(folder, &mut files);
        let mut findings = self.scan_files(&files);
        rank(&mut findings);
        for file in files {
            let Some(name) = file.to_str() else { continue };
            let here: Vec<Finding> = findings
                .iter()
                .filter(|f| f.path == name)
                .cloned()
                .collect();
            (self.sink)(WatchEvent::FileScanned {
                path: name.to_owned(),
                findings: here,
            });
        }
    }
}

/// Whether a folder between `root` and `path` (`path` itself not included) is one the
/// scanner skips.
fn skipped_ancestor(root: &Path, path: &Path) -> bool {
    let Some(rel) = path.strip_prefix(root).ok().and_then(Path::parent) else {
        return false;
    };
    let mut at = root.to_path_buf();
    rel.components().any(|part| {
        at.push(part);
        is_skipped_dir(&at)
    })
}
