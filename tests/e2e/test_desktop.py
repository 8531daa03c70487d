"""The desktop app end to end, as a user drives it: every step runs the real app (hosting the
real agent) in WebKit under Xvfb, and the CLI against the same home."""

import json
import subprocess
import time

import pytest
from conftest import CLI
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery staple"
STRIPE = "sk_live_51HqLyjWDarjtT1zdp7dcXfU9m2Zx6pQrK8vN3bT4yL0sJ7aE"
OPENAI = "sk-proj-Xq3mT8vL2pR7wK9nZ4bY6cH1dF5gJ0sA"


def find(driver, testid: str, seconds: float = 15):
    return WebDriverWait(driver, seconds).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]'))
    )


def gone(driver, testid: str, seconds: float = 15) -> None:
    WebDriverWait(driver, seconds).until(
        EC.invisibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]'))
    )


def type_into(driver, testid: str, text: str) -> None:
    field = find(driver, testid)
    field.clear()
    field.send_keys(text)


def clipboard(env) -> str:
    out = subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"], env=env.vars, capture_output=True, text=True,
        timeout=10,
    )
    return out.stdout


def add_secret(driver, name: str, value: str, tags: str = "") -> None:
    find(driver, "add-secret").click()
    type_into(driver, "add-name", name)
    type_into(driver, "add-value", value)
    if tags:
        type_into(driver, "add-tags", tags)
    find(driver, "add-save").click()
    gone(driver, "add-form")


def approve(driver, env, args, decision: str, cwd=None) -> subprocess.CompletedProcess:
    """Runs the CLI, answers its request for values in the window, returns how it ended."""
    proc = subprocess.Popen(
        [str(CLI), *args], env=env.vars, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    dialog = find(driver, "approval", 20)
    assert "approval" in dialog.get_attribute("data-testid")
    find(driver, decision).click()
    gone(driver, "approval")
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def unlock(driver) -> None:
    type_into(driver, "password", PASSWORD)
    find(driver, "unlock").click()
    find(driver, "nav-secrets")


def test_create_vault_add_search_reveal_copy(driver, env, shot):
    find(driver, "create-vault", 30)
    shot("01-create-vault")
    type_into(driver, "new-password", PASSWORD)
    type_into(driver, "repeat-password", PASSWORD)
    find(driver, "create").click()
    assert "Argon2id" in find(driver, "calibration", 60).text
    find(driver, "nav-secrets")
    shot("02-calibrated")
    assert (env.home / "vault.db").exists()

    add_secret(driver, "stripe-live", STRIPE, "billing, prod")
    add_secret(driver, "openai", OPENAI, "ai")
    for i in range(12):
        add_secret(driver, f"db-password-{i}", f"pw-{i}-Zk8#qL2", "db")
    shot("03-secrets")

    # Search with the keyboard: "/" focuses the search field.
    find(driver, "secret-list").click()
    driver.switch_to.active_element.send_keys("/")
    driver.switch_to.active_element.send_keys("stripe")
    WebDriverWait(driver, 5).until(lambda d: find(d, "secret-count").text.startswith("1 of 14"))
    rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid="secret-row"]')
    assert [r.get_attribute("data-name") for r in rows] == ["stripe-live"]
    shot("04-search")

    rows[0].click()
    find(driver, "secret-detail")
    assert STRIPE not in driver.page_source, "a value reached the page before reveal"
    find(driver, "reveal").click()
    WebDriverWait(driver, 10).until(lambda d: find(d, "value").text == STRIPE)
    shot("05-revealed")
    find(driver, "reveal").click()  # hide: the value leaves the page
    WebDriverWait(driver, 5).until(lambda d: STRIPE not in d.page_source)

    find(driver, "copy").click()
    assert "cleared in 30 s" in find(driver, "notice").text
    assert clipboard(env) == STRIPE
    assert STRIPE not in driver.page_source, "copying sent the value to the webview"
    find(driver, "copy-export").click()
    WebDriverWait(driver, 5).until(lambda d: clipboard(env) == f"export STRIPE_LIVE='{STRIPE}'")

    # The reveal and the copies are in the access log, as the app's.
    log = env.cli("audit", "--json").stdout
    assert '"reveal"' in log and '"copy"' in log


def test_cli_and_app_share_one_unlock(driver, env, shot):
    # The app is unlocked: the CLI gets the value from the app's agent with no password, once
    # the user allows it in the window.
    got = approve(driver, env, ["get", "openai"], "approve-once")
    assert got.returncode == 0 and got.stdout == OPENAI
    # Locking from the CLI locks the window, and clears our copy from the clipboard.
    env.cli("lock")
    find(driver, "unlock-form")
    shot("06-locked")
    assert OPENAI not in driver.page_source and "stripe-live" not in driver.page_source
    WebDriverWait(driver, 5).until(lambda d: clipboard(env) != f"export STRIPE_LIVE='{STRIPE}'")
    assert env.cli("get", "openai", check=False).returncode != 0
    # A wrong password is refused with one line; the right one unlocks both.
    type_into(driver, "password", "not the password")
    find(driver, "unlock").click()
    assert "Wrong password" in find(driver, "unlock-error", 30).text
    unlock(driver)
    assert approve(driver, env, ["get", "openai"], "approve-once").stdout == OPENAI
    # Lock from the window, unlock from the CLI: the window follows.
    find(driver, "lock").click()
    find(driver, "unlock-form")
    env.cli("unlock", "--password-file", "/dev/stdin", stdin=PASSWORD)
    find(driver, "nav-secrets")


def test_a_leak_appears_and_is_exposed_in_the_dashboard(driver, env, shot, notifications):
    subprocess.run(["git", "init", "-q", str(env.project)], check=True)
    find(driver, "nav-projects").click()
    type_into(driver, "project-path", str(env.project))
    find(driver, "project-add").click()
    WebDriverWait(driver, 10).until(
        lambda d: str(env.project.resolve()) in find(d, "projects").text
    )
    shot("07-projects")
    time.sleep(1)  # the watcher indexes the new folder
    (env.project / "settings.py").write_text(f'STRIPE_KEY = "{STRIPE}"\n')
    banner = find(driver, "banner", 15)
    assert "stripe-live" in banner.text and "settings.py" in banner.text
    assert find(driver, "leak-count").text == "1"
    find(driver, "nav-leaks").click()
    finding = find(driver, "finding")
    assert "settings.py:1" in finding.text
    assert STRIPE not in driver.page_source, "the finding showed the whole value"
    shot("08-leaks")

    # The desktop was told too, naming the secret and never the value; a click on the
    # notification brings the leaks screen up.
    WebDriverWait(driver, 10).until(
        lambda d: any("stripe-live" in n["summary"] for n in notifications.shown()))
    note = next(n for n in notifications.shown() if "stripe-live" in n["summary"])
    assert STRIPE not in json.dumps(note) and "default" in note["actions"]
    find(driver, "nav-secrets").click()
    notifications.click(note["id"])
    WebDriverWait(driver, 10).until(
        lambda d: "active" in find(d, "nav-leaks").get_attribute("class"))

    find(driver, "nav-rotation").click()
    row = find(driver, "due-row")
    assert row.get_attribute("data-name") == "stripe-live"
    assert row.get_attribute("data-health") == "exposed"
    shot("09-rotation")

    # The file is untracked in a git repository: keep it out of git, then replace the value
    # with a reference; the watcher sees the leak go.
    find(driver, "nav-leaks").click()
    find(driver, "gitignore").click()
    assert "/settings.py" in find(driver, "leaks-notice").text
    assert "/settings.py" in (env.project / ".gitignore").read_text()
    find(driver, "replace-ref").click()
    assert "kw://stripe-live" in find(driver, "leaks-notice").text
    assert (env.project / "settings.py").read_text() == 'STRIPE_KEY = "kw://stripe-live"\n'
    find(driver, "no-leaks", 15)
    shot("09b-leak-fixed")

    # A leak of a well-known key format that is not yours is ignored with a reason.
    (env.project / "notes.txt").write_text("SENDGRID_API_KEY=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\n")
    find(driver, "ignore", 15).click()
    type_into(driver, "ignore-reason", "a revoked test token")
    find(driver, "ignore-reason").send_keys(Keys.ENTER)
    find(driver, "no-leaks")


def test_approve_a_cli_run_request(driver, env, shot):
    project = env.root / "webapp"
    project.mkdir()
    (project / "keyward.toml").write_text('[env]\nOPENAI_API_KEY = "openai"\n')
    script = ["run", "--", "sh", "-c", 'test "$OPENAI_API_KEY" = "%s" && echo has-the-key' % OPENAI]

    # Denied: the command gets nothing and says why in one line.
    denied = approve(driver, env, script, "deny", cwd=project)
    assert denied.returncode == 2, denied
    assert "denied" in denied.stderr and OPENAI not in denied.stderr

    # Allowed for the folder: this run and the next ones there go through without asking.
    proc = subprocess.Popen(
        [str(CLI), *script], env=env.vars, cwd=project, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    names = find(driver, "approval-names", 20).text
    assert "openai" in names
    assert find(driver, "approval-folder").text == str(project.resolve())
    shot("11-approval")
    find(driver, "approve-folder").click()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.strip() == "has-the-key"
    again = subprocess.run(
        [str(CLI), *script], env=env.vars, cwd=project, capture_output=True, text=True, timeout=30,
    )
    assert again.returncode == 0 and again.stdout.strip() == "has-the-key"
    # The Projects screen shows what the folder's keyward.toml gives `keyward run`.
    find(driver, "nav-projects").click()
    type_into(driver, "project-path", str(project))
    find(driver, "project-add").click()
    WebDriverWait(driver, 10).until(lambda d: "OPENAI_API_KEY" in find(d, "projects").text)
    shot("11b-projects")
    # Another folder is asked about again.
    elsewhere = approve(driver, env, ["get", "openai"], "deny", cwd=env.root)
    assert elsewhere.returncode == 2


def test_audit_log_verifies(driver, env, shot):
    find(driver, "nav-audit").click()
    find(driver, "verify").click()
    assert "intact" in find(driver, "verify-result").text
    shot("10-audit")


def test_settings_password_and_locking_with_the_screen(driver, env, shot):
    from selenium.webdriver.support.ui import Select

    find(driver, "nav-settings").click()
    Select(find(driver, "lock-after")).select_by_value("1")
    find(driver, "settings-saved")
    status = env.cli("status", "--json").stdout
    assert '"lock_after_secs":60' in status.replace(" ", ""), status

    new_password = "an even better passphrase"
    type_into(driver, "current-password", PASSWORD)
    type_into(driver, "next-password", new_password)
    type_into(driver, "repeat-next-password", new_password)
    find(driver, "recalibrate").click()
    find(driver, "change-password").click()
    assert "Argon2id" in find(driver, "password-changed", 60).text
    shot("12-settings")

    # The desktop's screen saver turns on: keyward locks.
    subprocess.run(
        ["dbus-send", "--session", "--type=signal", "/org/freedesktop/ScreenSaver",
         "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true"],
        env=env.vars, check=True,
    )
    find(driver, "unlock-form", 15)
    type_into(driver, "password", PASSWORD)
    find(driver, "unlock").click()
    assert "Wrong password" in find(driver, "unlock-error", 30).text
    type_into(driver, "password", new_password)
    find(driver, "unlock").click()
    find(driver, "nav-secrets")
