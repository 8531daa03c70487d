"""The desktop app under test: a throwaway KEYWARD_HOME, tauri-driver (which starts
WebKitWebDriver, which starts the app) and a selenium session on it. Screenshots of each step go
to $KEYWARD_E2E_SHOTS (default target/e2e-screens)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
APP = Path(os.environ.get("KEYWARD_APP", TARGET / "debug" / "keyward-app"))
CLI = Path(os.environ.get("KEYWARD_CLI", TARGET / "debug" / "keyward"))
SHOTS = Path(os.environ.get("KEYWARD_E2E_SHOTS", TARGET / "e2e-screens"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tauri-driver exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("tauri-driver did not listen")


class Env:
    """The throwaway home the app and the CLI share, and how to run the CLI in it."""

    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        self.project = root / "project"
        self.project.mkdir(parents=True)
        self.vars = dict(os.environ)
        self.vars.update(
            KEYWARD_HOME=str(self.home),
            HOME=str(root / "user"),
            NO_COLOR="1",
            # Closing the window in a test ends the app instead of hiding it in the tray.
            KEYWARD_APP_QUIT_ON_CLOSE="1",
        )
        (root / "user").mkdir()

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(CLI), *args], env=self.vars, input=stdin, capture_output=True, text=True,
            timeout=30, check=check,
        )


@pytest.fixture(scope="session")
def env():
    root = Path(tempfile.mkdtemp(prefix="keyward-e2e-"))
    yield Env(root)
    shutil.rmtree(root, ignore_errors=True)


def start_session(env, attempt: int):
    """tauri-driver (which starts WebKitWebDriver, which starts the app) and a session on it."""
    driver_bin = shutil.which("tauri-driver") or str(Path.home() / ".cargo/bin/tauri-driver")
    port, native_port = free_port(), free_port()
    log = open(env.root / f"tauri-driver-{attempt}.log", "w")
    proc = subprocess.Popen(
        [driver_bin, "--port", str(port), "--native-port", str(native_port)],
        env=env.vars, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(APP)})
        return proc, log, webdriver.Remote(f"http://127.0.0.1:{port}", options=options)
    except Exception:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
        kill_leftovers(env)
        raise


def kill_leftovers(env) -> None:
    """Ends any app a failed start left running on this home, so the next one hosts the agent."""
    marker = f"KEYWARD_HOME={env.home}".encode()
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            if marker in (proc_dir / "environ").read_bytes().split(b"\0"):
                os.kill(int(proc_dir.name), 9)
        except (OSError, ValueError):
            continue


class FakeNotifications:
    """The stand-in notification server, and what it was asked to show."""

    def __init__(self, env):
        self.log = env.root / "notifications.jsonl"
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("fake_notifications.py")), str(self.log)],
            env=env.vars, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def shown(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def click(self, id: int) -> None:
        subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.Notifications",
             "/org/freedesktop/Notifications", "dev.keyward.Test.Click", f"uint32:{id}"],
            env=self.env.vars, check=True, capture_output=True,
        )


@pytest.fixture(scope="session")
def notifications(env):
    fake = FakeNotifications(env)
    yield fake
    fake.proc.terminate()


@pytest.fixture(scope="session")
def driver(env, notifications):
    for binary in (APP, CLI):
        assert binary.exists(), f"{binary} is not built"
    # Now and then WebKitWebDriver drops the first connection before the app's window exists
    # (seen about once in ten launches here); the app never got a request, so start again.
    for attempt in range(3):
        try:
            proc, log, session = start_session(env, attempt)
            break
        except Exception as err:  # noqa: BLE001 - any start-up failure is retried, then raised
            print(f"starting the app through tauri-driver failed ({type(err).__name__}); again")
            if attempt == 2:
                raise
    try:
        session.implicitly_wait(0)
        yield session
        session.quit()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def shot(driver):
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> None:
        time.sleep(0.4)  # let the last change paint
        driver.save_screenshot(str(SHOTS / f"{name}.png"))

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed step leaves a screenshot of what the window showed."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "driver" in item.fixturenames:
        SHOTS.mkdir(parents=True, exist_ok=True)
        item.funcargs["driver"].save_screenshot(str(SHOTS / f"FAILED-{item.name}.png"))
