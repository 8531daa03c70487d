"""Side-by-side comparison of keyward scan with ripgrep, ripsecrets and detect-secrets.

1. Speed on a large real tree: wall time (median of 3 warm runs; detect-secrets once, on a
   subset, because it is ~100x slower) and MB/s. ripgrep searches only the rules' keywords,
   the floor any prefiltered scanner can reach.
2. Precision and recall on a generated corpus: real source files with secrets of well-known
   formats planted on known lines, secrets only the user's vault knows (random values, plain
   and base64), and decoys that must stay silent (documentation keys, placeholders, wrong
   checksums, hashes, UUIDs, public keys). A reported line is a true positive when a secret was
   planted on it; anything else a tool reports in the corpus counts as a false positive.
"""

import argparse
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)


def timed(cmd, runs=3, **kw):
    times = []
    out = None
    for _ in range(runs):
        start = time.perf_counter()
        out = run(cmd, **kw)
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def tree_bytes(root):
    total = 0
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", "target")]
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def subset(tree, dest, limit):
    """Copies whole crates from `tree` until `limit` bytes."""
    size = 0
    for index in sorted(os.listdir(tree)):
        base = os.path.join(tree, index)
        if not os.path.isdir(base):
            continue
        for crate in sorted(os.listdir(base)):
            src = os.path.join(base, crate)
            if size >= limit:
                return size
            shutil.copytree(src, os.path.join(dest, crate), symlinks=True, ignore_dangling_symlinks=True)
            size += tree_bytes(src)
    return size


# --- planted corpus -------------------------------------------------------------------------

def rnd(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def crc_token(rng, prefix):
    body = rnd(rng, BASE62, 30)
    n = zlib.crc32(body.encode())
    check = ""
    for _ in range(6):
        check = BASE62[n % 62] + check
        n //= 62
    return f"{prefix}_{body}{check}"


def planted_secrets(rng):
    """(line text, kind) pairs: one secret a line, in the way developers leak them."""
    a = BASE62
    pem_body = "\n".join(rnd(rng, a + "+/", 64) for _ in range(8))
    return [
        (f'GITHUB_TOKEN = "{crc_token(rng, "ghp")}"', "github"),
        (f"npm_token={crc_token(rng, 'npm')}", "npm"),
        (f"aws_access_key_id = AKIA{rnd(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}", "aws-id"),
        (f"aws_secret_access_key = {rnd(rng, a + '+/', 40)}", "aws-secret"),
        (f'stripe.api_key = "sk_live_{rnd(rng, a, 99)}"', "stripe"),
        (f"SLACK_BOT_TOKEN=xoxb-{rnd(rng, '0123456789', 12)}-{rnd(rng, '0123456789', 13)}-{rnd(rng, a, 24)}", "slack"),
        (f'OPENAI_API_KEY="sk-proj-{rnd(rng, a, 74)}T3BlbkFJ{rnd(rng, a, 74)}"', "openai"),
        (f"ANTHROPIC_API_KEY=sk-ant-api03-{rnd(rng, a + '-_', 93)}AA", "anthropic"),
        (f'const key = "AIza{rnd(rng, a + "-_", 35)}";', "google"),
        (f"SENDGRID_API_KEY=SG.{rnd(rng, a + '-_', 22)}.{rnd(rng, a + '-_', 43)}", "sendgrid"),
        (f"HF_TOKEN=hf_{rnd(rng, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 34)}", "huggingface"),
        (f"DIGITALOCEAN_TOKEN=dop_v1_{rnd(rng, '0123456789abcdef', 64)}", "digitalocean"),
        (f"shopify_token: shpat_{rnd(rng, '0123456789abcdef', 32)}", "shopify"),
        (f"DATABASE_URL=postgres://app:{rnd(rng, a, 20)}@db.internal:5432/app", "postgres-url"),
        (f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----", "private-key"),
    ]


def decoys(rng):
    """Lines that must not be reported."""
    a = BASE62
    bad = crc_token(rng, "ghp")
    bad = bad[:-1] + ("A" if bad[-1] != "A" else "B")
    return [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        f"GITHUB_TOKEN={bad}",
        'api_key: "YOUR_API_KEY"',
        'password = "${DB_PASSWORD}"',
        "STRIPE_KEY=kw://stripe-live",
        f"commit = \"{rnd(rng, '0123456789abcdef', 40)}\"",
        f"sha256 = \"{rnd(rng, '0123456789abcdef', 64)}\"",
        f"id = \"{rnd(rng, '0123456789abcdef', 8)}-{rnd(rng, '0123456789abcdef', 4)}-4{rnd(rng, '0123456789abcdef', 3)}-a{rnd(rng, '0123456789abcdef', 3)}-{rnd(rng, '0123456789abcdef', 12)}\"",
        f"\"integrity\": \"sha512-{rnd(rng, a + '+/', 86)}==\"",
        f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rnd(rng, a + '+/', 43)} dev@laptop",
        f"logo = \"data:image/png;base64,{rnd(rng, a + '+/', 120)}\"",
    ]


def build_corpus(tree, dest, rng, vault_values):
    """Returns {relative path: {line: kind}} of planted secrets."""
    sources = []
    for dirpath, _, files in os.walk(tree):
        for f in files:
            if f.endswith((".rs", ".toml", ".md", ".py", ".js", ".json", ".yml")):
                p = os.path.join(dirpath, f)
                try:
                    if 500 < os.path.getsize(p) < 40_000:
                        sources.append(p)
                except OSError:
                    pass
    sources.sort()
    rng.shuffle(sources)
    truth = {}
    planted = planted_secrets
    for i, src in enumerate(sources[:300]):
        with open(src, errors="replace") as fh:
            lines = fh.read().splitlines()
        inserts = []
        if i % 3 == 0:
            for text, kind in planted(rng):
                inserts.append((text, kind))
        if i % 5 == 0:
            for text in decoys(rng):
                inserts.append((text, None))
        if i % 7 == 0:
            name, value = vault_values[(i // 7) % len(vault_values)]
            form = [value, base64.b64encode(value.encode()).decode(), json.dumps(value)[1:-1]][(i // 7) % 3]
            inserts.append((f"config_value = \"{form}\"", "vault:" + name))
        rng.shuffle(inserts)
        out = []
        file_truth = {}
        for line in lines:
            if inserts and rng.random() < 0.15:
                text, kind = inserts.pop()
                if kind:
                    file_truth[len(out) + 1] = kind
                out.extend(text.split("\n"))
            out.append(line)
        for text, kind in inserts:
            if kind:
                file_truth[len(out) + 1] = kind
            out.extend(text.split("\n"))
        rel = f"f{i:03d}_{os.path.basename(src)}"
        with open(os.path.join(dest, rel), "w") as fh:
            fh.write("\n".join(out) + "\n")
        if file_truth:
            truth[rel] = file_truth
    return truth


# --- running the tools ------------------------------------------------------------------------

def keyward_lines(out, root):
    doc = json.loads(out.stdout or "{}")
    return {(os.path.relpath(os.path.join(root, f["path"]) if not os.path.isabs(f["path"]) else f["path"], root), f["line"]) for f in doc.get("findings", [])}


def ripsecrets_lines(out, root):
    found = set()
    for line in out.stdout.splitlines():
        parts = line.split(":", 2)
        if len(parts) >= 2 and parts[1].isdigit():
            found.add((os.path.relpath(parts[0], root), int(parts[1])))
    return found


def detect_secrets_lines(out, root):
    doc = json.loads(out.stdout or "{}")
    return {(os.path.relpath(os.path.join(root, path), root), r["line_number"]) for path, results in doc.get("results", {}).items() for r in results}


def score(found, truth):
    planted = {(p, line) for p, lines in truth.items() for line in lines}
    tp = len(found & planted)
    fp = len(found - planted)
    fn = len(planted - found)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return tp, fp, fn, precision, recall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyward", required=True)
    ap.add_argument("--ripsecrets", required=True)
    ap.add_argument("--detect-secrets", required=True)
    ap.add_argument("--tree", required=True)
    args = ap.parse_args()
    rng = random.Random(20261128)
    work = tempfile.mkdtemp(prefix="kw-peers-")
    env = dict(os.environ, KEYWARD_HOME=os.path.join(work, "home"))
    env.pop("KEYWARD_PASSWORD_FILE", None)
    try:
        # A vault whose values only keyward can know to look for.
        pw = os.path.join(work, "pw")
        with open(pw, "w") as fh:
            fh.write("bench\n")
        run([args.keyward, "--password-file", pw, "init", "--insecure-fast-kdf"], env=env)
        vault_values = []
        for i in range(20):
            value = rnd(rng, BASE62 + "+/=-", 36)
            run([args.keyward, "--password-file", pw, "add", f"service-{i}"], input=value, env=env)
            vault_values.append((f"service-{i}", value))

        keywords = os.path.join(work, "keywords.txt")
        kw = set()
        for f in sorted(os.listdir("crates/keyward-scan/rules")):
            if f.endswith(".toml"):
                import tomllib
                with open(os.path.join("crates/keyward-scan/rules", f), "rb") as fh:
                    for r in tomllib.load(fh)["rules"]:
                        kw.update(r["keywords"])
        with open(keywords, "w") as fh:
            fh.write("\n".join(sorted(kw)) + "\n")

        print(f"## Speed: {args.tree}\n")
        size = tree_bytes(args.tree) / 1e6
        small = os.path.join(work, "subset")
        os.mkdir(small)
        small_size = subset(args.tree, small, 30_000_000) / 1e6
        rows = []
        for label, cmd, runs, root, mb in [
            ("ripgrep, the rules' keywords only", ["rg", "-c", "-i", "-F", "--hidden", "--no-ignore", "-f", keywords, args.tree], 3, args.tree, size),
            ("keyward scan --no-vault", [args.keyward, "scan", "--no-vault", "--format", "json", args.tree], 3, args.tree, size),
            ("keyward scan (vault of 20 secrets)", [args.keyward, "--password-file", pw, "scan", "--format", "json", args.tree], 3, args.tree, size),
            ("ripsecrets", [args.ripsecrets, args.tree], 3, args.tree, size),
            ("keyward scan --no-vault (30 MB subset)", [args.keyward, "scan", "--no-vault", "--format", "json", small], 3, small, small_size),
            ("ripsecrets (30 MB subset)", [args.ripsecrets, small], 3, small, small_size),
            ("detect-secrets (30 MB subset)", [args.detect_secrets, "scan", "--all-files", small], 1, small, small_size),
        ]:
            t, out = timed(cmd, runs=runs, env=env, cwd=work)
            if label.startswith("ripgrep"):
                count = sum(int(l.rsplit(":", 1)[1]) for l in out.stdout.splitlines() if ":" in l)
                reported = f"{count} keyword hits"
            elif label.startswith("keyward"):
                reported = f"{len(json.loads(out.stdout)['findings'])} findings"
            elif label.startswith("ripsecrets"):
                reported = f"{len(out.stdout.splitlines())} lines"
            else:
                reported = f"{sum(len(v) for v in json.loads(out.stdout)['results'].values())} findings"
            rows.append((label, mb, t, reported))
        print("| tool | MB | time | MB/s | reported |")
        print("| --- | --- | --- | --- | --- |")
        for label, mb, t, reported in rows:
            print(f"| {label} | {mb:.0f} | {t:.2f} s | {mb / t:.0f} | {reported} |")

        corpus = os.path.join(work, "corpus")
        os.mkdir(corpus)
        truth = build_corpus(args.tree, corpus, rng, vault_values)
        planted = sum(len(v) for v in truth.values())
        print(f"\n## Planted corpus: {len(os.listdir(corpus))} files, {planted} planted secrets ({sum(1 for v in truth.values() for k in v.values() if k.startswith('vault:'))} of them vault values), decoys in every fifth file\n")
        results = []
        t, out = timed([args.keyward, "--password-file", pw, "scan", "--format", "json", corpus], env=env, cwd=work)
        results.append(("keyward scan (with the vault)", t, score(keyward_lines(out, corpus), truth)))
        t, out = timed([args.keyward, "scan", "--no-vault", "--format", "json", corpus], env=env, cwd=work)
        results.append(("keyward scan --no-vault", t, score(keyward_lines(out, corpus), truth)))
        t, out = timed([args.ripsecrets, corpus], env=env, cwd=work)
        results.append(("ripsecrets", t, score(ripsecrets_lines(out, corpus), truth)))
        t, out = timed([args.detect_secrets, "scan", "--all-files", "."], runs=1, env=env, cwd=corpus)
        results.append(("detect-secrets", t, score(detect_secrets_lines(out, corpus), truth)))
        print("| tool | time | found | false positives | missed | precision | recall |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for label, t, (tp, fp, fn, p, r) in results:
            print(f"| {label} | {t:.2f} s | {tp} | {fp} | {fn} | {p:.1%} | {r:.1%} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
