"""Measures the desktop app against a minimal Tauri 2 app: binary size, time from launch to the
first screen, idle memory. Run by app-figures.sh under Xvfb with tauri-driver on PATH."""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

RUNS = int(os.environ.get("RUNS", "5"))
IDLE_SECONDS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def home_with_vault(cli: str) -> dict:
    """A throwaway home holding a locked vault, so the app opens on its unlock screen."""
    root = Path(tempfile.mkdtemp(prefix="keyward-figures-"))
    env = dict(os.environ, KEYWARD_HOME=str(root / "home"), HOME=str(root))
    pw = root / "pw"
    pw.write_text("correct horse battery staple\n")
    subprocess.run([cli, "init", "--password-file", str(pw), "--insecure-fast-kdf"], env=env,
                   check=True, capture_output=True)
    return env


def start_time(app: str, ready_css: str, env: dict) -> float:
    """The first launch in a fresh X and D-Bus session sometimes loses WebKitWebDriver's
    connection before the window exists; such a launch is tried again (and said)."""
    for attempt in range(3):
        try:
            return launch_once(app, ready_css, env)
        except Exception as err:  # noqa: BLE001 - any driver failure is retried, then raised
            print(f"launch {attempt + 1} of {Path(app).name} failed: {type(err).__name__}", file=sys.stderr)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def launch_once(app: str, ready_css: str, env: dict) -> float:
    """Seconds from asking tauri-driver for a session (which launches the app) to the first
    screen's element being visible."""
    port, native = free_port(), free_port()
    log = open(os.environ.get("DRIVER_LOG", os.devnull), "a")
    driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                              env=env, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": app})
        t0 = time.monotonic()
        session = webdriver.Remote(f"http://127.0.0.1:{port}", options=options)
        WebDriverWait(session, 30, poll_frequency=0.01).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, ready_css)))
        took = time.monotonic() - t0
        session.quit()
        return took
    finally:
        driver.terminate()
        driver.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    out = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            out += descendants(int(child))
    return out


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def idle_memory(app: str, env: dict) -> tuple[float, list[str]]:
    """PSS in MB of the app and every process it started, after it has idled a while."""
    proc = subprocess.Popen([app], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(IDLE_SECONDS)
        pids = descendants(proc.pid)
        names = [Path(f"/proc/{p}/comm").read_text().strip() for p in pids]
        total = sum(pss_kib(p) for p in pids)
        return total / 1024, names
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    app, minimal, cli = (str(Path(p).resolve()) for p in sys.argv[1:4])
    env = home_with_vault(cli)
    env["KEYWARD_APP_QUIT_ON_CLOSE"] = "1"
    rows = []
    for label, binary, ready in [("keyward-app", app, '[data-testid="unlock-form"]'),
                                 ("minimal Tauri 2", minimal, "#ready")]:
        size = os.path.getsize(binary) / 1e6
        stripped = Path(tempfile.mkdtemp()) / "stripped"
        shutil.copy(binary, stripped)
        subprocess.run(["strip", str(stripped)], check=True)
        stripped_size = os.path.getsize(stripped) / 1e6
        starts = []
        for run in range(RUNS):
            starts.append(start_time(binary, ready, env))
            print(f"{label}: start {run + 1}: {starts[-1]:.2f} s", file=sys.stderr)
        pss, procs = idle_memory(binary, env)
        rows.append((label, size, stripped_size, statistics.median(starts), max(starts), pss, procs))
    print("| app | binary (stripped) | launch to first screen, median (max) of %d | idle PSS |" % RUNS)
    print("| --- | --- | --- | --- |")
    for label, size, stripped_size, median, worst, pss, _ in rows:
        print(f"| {label} | {size:.1f} MB ({stripped_size:.1f} MB) | {median:.2f} s ({worst:.2f} s) | {pss:.1f} MB |")
    (_, _, _, _, _, ours, procs), (_, _, _, _, _, theirs, _) = rows
    print(f"\nidle memory ratio: {ours / theirs:.2f}x the minimal app; processes: {', '.join(procs)}")


if __name__ == "__main__":
    main()
