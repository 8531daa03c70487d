"""Generates the watcher benchmark's tree, and measures the agent watching it.

generate DIR: 5,000 folders (50 top-level, 100 below each) of 10 small source-like files each,
and DIR/node_modules with 50,000 more files in 5,000 folders.
measure DIR KEYWARD AGENT_PID AGENT_LOG LEAK WRITES: waits for the first index, then writes
WRITES new files holding LEAK at random folders, one every 20 ms, and times each until
`keyward watch --format json` reports it.
"""
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time

LINES = [
    "import os\n",
    "def handler(event, context):\n",
    "    return {'status': 200, 'body': event.get('body')}\n",
    "const config = require('./config');\n",
    "# a comment about nothing in particular\n",
    "SELECT id, name FROM users WHERE id = $1;\n",
]


def generate(root):
    rng = random.Random(7)
    for top in range(50):
        for sub in range(100):
            folder = os.path.join(root, f"pkg{top:02}", f"mod{sub:03}")
            os.makedirs(folder, exist_ok=True)
            for n in range(10):
                with open(os.path.join(folder, f"file{n}.py"), "w") as f:
                    f.writelines(rng.choice(LINES) for _ in range(40))
    for top in range(50):
        for sub in range(100):
            folder = os.path.join(root, "node_modules", f"dep{top:02}", f"lib{sub:03}")
            os.makedirs(folder, exist_ok=True)
            for n in range(10):
                with open(os.path.join(folder, f"index{n}.js"), "w") as f:
                    f.write("module.exports = function () { return 42; };\n")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def status(keyward):
    out = subprocess.run([keyward, "status", "--json"], capture_output=True, text=True)
    return json.loads(out.stdout)


def measure(root, keyward, agent_pid, agent_log, leak, writes):
    # The first index: the agent logs it when done (started by the unlock at the agent's start).
    started = time.monotonic()
    indexed = None
    while time.monotonic() - started < 600:
        with open(agent_log) as f:
            m = re.search(r"scanned (\d+) files in (\d+) folders in (\d+) ms", f.read())
        if m:
            indexed = m
            break
        time.sleep(0.05)
    if not indexed:
        sys.exit("the first index did not finish")
    files, folders, ms = (int(x) for x in indexed.groups())
    st = status(keyward)["watch"]
    watches = st["inotify_watches"]
    # The tree has 5,051 folders outside node_modules and 5,051 inside it.
    node_modules_watched = watches > 5051
    rss_indexed = rss_mb(agent_pid)

    seen = {}
    watch = subprocess.Popen(
        [keyward, "watch", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    watch.stderr.readline()

    def read():
        for line in watch.stdout:
            event = json.loads(line)
            if event.get("change") == "new":
                seen.setdefault(event["path"], time.monotonic())

    threading.Thread(target=read, daemon=True).start()
    folders_list = [
        os.path.join(root, f"pkg{t:02}", f"mod{s:03}") for t in range(50) for s in range(100)
    ]
    rng = random.Random(11)
    written = {}
    for i in range(writes):
        path = os.path.join(rng.choice(folders_list), f"leak{i}.env")
        written[path] = time.monotonic()
        with open(path, "w") as f:
            f.write(f"TOKEN={leak}\n")
        time.sleep(0.02)
    deadline = time.monotonic() + 10
    while len(seen) < len(written) and time.monotonic() < deadline:
        time.sleep(0.1)
    watch.kill()
    latencies = sorted((seen[p] - t) * 1000 for p, t in written.items() if p in seen)
    missed = len(written) - len(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    print(f"| first index | {files} files in {folders} folders | {ms} ms |")
    print(f"| inotify watches held | {watches}, none under node_modules: {not node_modules_watched} | |")
    print(f"| agent RSS after indexing | {rss_indexed:.1f} MB | |")
    print(f"| agent RSS after {writes} writes | {rss_mb(agent_pid):.1f} MB | |")
    if latencies:
        print(f"| write to finding, p50 | {statistics.median(latencies):.0f} ms | |")
        print(f"| write to finding, p95 | {p95:.0f} ms | |")
        print(f"| write to finding, max | {latencies[-1]:.0f} ms | |")
    print(f"| missed | {missed} of {writes} | |")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2])
    else:
        measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7]))
