"""Side-by-side comparison of keyward scan with ripgrep, ripsecrets and detect-secrets.

1. Speed on a large real tree: wall time (median of 3 warm runs; detect-secrets once, on a
   subset, because it is ~100x slower) and MB/s. ripgrep searches only the rules' keywords,
   the floor any prefiltered scanner can reach.
2. Precision and recall on a generated corpus: real source files with secrets planted on known
   lines, and decoys that must stay silent. Three kinds of planted secrets, one per scanner
   layer, plus the vault:
   - formats: provider keys of well-known formats (ghp_..., sk_live_..., AKIA..., PEM keys);
   - telling names ("assigned"): literal passwords, secrets and tokens of no provider format
     (random strings and word-like passwords) assigned to names that say secret, written the
     way developers write them (.env, YAML, JSON, TOML, INI, .properties, XML, PHP, Python,
     JS, Go, Java, C#, Ruby, Terraform, Rust, docker-compose, k8s, CLI flags in scripts and
     shell history, connection strings). Each template goes where it occurs: Rust ones and
     README snippets (fenced) into the real source files, the others into small files of their
     type (an .env, an application.properties, a docker-compose.yml...) written around them;
   - credential files: small files of common tools (.pgpass, .my.cnf, sftp-config.json,
     .netrc, docker config.json, *.nmconnection, ...) at the paths where the tools keep them,
     each holding one credential in the tool's documented format;
   - vault values: random values only the user's vault knows (plain, base64, JSON-escaped).
   Decoys: documentation keys, placeholders, wrong checksums, hashes, UUIDs, public keys,
   environment references, empty values, names that are not secrets, comparisons, and
   credential files whose password field is empty or a command.
   A reported line is a true positive when a secret was planted on it (for a multi-line
   template or a credential file: the line holding the value); anything else a tool reports
   in the corpus counts as a false positive.
3. False-positive budget: distinct lines keyward reports on large real trees (the cargo
   registry, and optionally a node_modules tree), per 100 MB, by confidence, for the previous
   and the current build.
"""

import argparse
import base64
import collections
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
HEX = "0123456789abcdef"


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
#
# A planted entry is (text, kind, offset, value): `text` may span lines, `offset` is the index
# of the line holding the secret within it, `value` the secret (to mask it in reports).

WORDS = ["correct", "horse", "battery", "staple", "orange", "falcon", "river", "marble", "copper",
         "tiger", "velvet", "harbor", "maple", "rocket", "silver", "garden", "thunder", "pepper",
         "lemon", "castle", "meadow", "cobalt", "saturn", "window", "pickle", "banjo", "glacier"]
SEASONS = ["Spring", "Summer", "Autumn", "Winter", "Welcome", "Company", "Monday", "Football"]


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


def rand_secret(rng, n=None, alnum=False):
    """A random password or token of no provider format."""
    n = n or rng.randint(16, 28)
    alphabet = BASE62 if alnum else BASE62 * 3 + "!@%^*_-+=."
    return rnd(rng, alphabet, n)


def word_password(rng):
    """A password a person chose: Summer2024!, correct-horse-battery-staple, Falcon8841@."""
    style = rng.randrange(4)
    if style == 0:
        return f"{rng.choice(SEASONS)}{rng.randrange(2015, 2027)}{rng.choice('!@#')}"
    if style == 1:
        return rng.choice("-_.").join(rng.sample(WORDS, 4))
    if style == 2:
        return f"{rng.choice(WORDS).capitalize()}{rng.randrange(1000, 10000)}{rng.choice('!@#')}"
    leet = rng.choice(WORDS).translate(str.maketrans("aeio", "@310"))
    return f"{leet.capitalize()}{rng.choice('!@#')}{rng.randrange(10, 100)}"


def planted_secrets(rng):
    """Provider key formats, one a line, in the way developers leak them."""
    a = BASE62
    pem_body = "\n".join(rnd(rng, a + "+/", 64) for _ in range(8))
    entries = [
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
    return [(text, kind, 0, None) for text, kind in entries]


# Where telling-name leaks live. A template names the host types it occurs in: ".rs" and ".md"
# are files of the real tree (a README shows config and commands in fenced blocks), the others
# are small files of that type written around the template, at the path a project keeps them.
# (path, lines; "{slot}" is where the template goes, already indented for it)
HOSTS = {
    "env": (".env", ["NODE_ENV=production", "PORT=3000", "LOG_LEVEL=info", "DB_HOST=db.internal", "DB_USER=app",
                     "{slot}", "REDIS_URL=redis://cache.internal:6379/0", "APP_URL=https://app.example.com"]),
    "sh": ("scripts/deploy.sh", ["#!/usr/bin/env bash", "set -euo pipefail", 'cd "$(dirname "$0")/.."',
                                 'echo "Deploying $(git rev-parse --short HEAD)"', "{slot}",
                                 "rsync -az --delete dist/ deploy@web1.example.com:/var/www/app/",
                                 "ssh deploy@web1.example.com 'sudo systemctl restart app'"]),
    "history": (".bash_history", ["ls -la", "cd ~/projects/app", "git pull", "docker ps", "{slot}",
                                  "sudo systemctl status nginx", "tail -f /var/log/nginx/error.log"]),
    "properties": ("src/main/resources/application.properties", [
        "server.port=8080", "spring.application.name=orders",
        "spring.datasource.url=jdbc:postgresql://db.internal:5432/orders", "spring.datasource.username=orders",
        "{slot}", "spring.jpa.hibernate.ddl-auto=validate", "mail.smtp.host=smtp.example.com", "mail.smtp.port=587",
        "logging.level.root=INFO"]),
    "ini": ("backup.ini", ["[backup]", "schedule = daily", "target = /var/backups", "keep = 14", "", "{slot}", "",
                           "[notify]", "email = ops@example.com"]),
    "xml": ("standalone-ds.xml", [
        '<?xml version="1.0" encoding="UTF-8"?>', '<datasources xmlns="urn:jboss:domain:datasources:7.0">',
        '    <datasource jndi-name="java:jboss/datasources/AppDS" pool-name="AppDS">',
        "        <connection-url>jdbc:postgresql://db.internal:5432/app</connection-url>",
        "        <driver>postgresql</driver>", "{slot}", "    </datasource>", "</datasources>"]),
    "webconfig": ("Web.config", [
        '<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <appSettings>",
        '    <add key="Environment" value="Production" />', "{slot}", '    <add key="SmtpHost" value="smtp.example.com" />',
        "  </appSettings>", "</configuration>"]),
    "php": ("config/database.php", ["<?php", "", "return [", "    'default' => env('DB_CONNECTION', 'mysql'),", "",
                                    "    'connections' => [", "{slot}", "    ],", "];"]),
    "py": ("app/settings.py", ["import os", "from pathlib import Path", "",
                               "BASE_DIR = Path(__file__).resolve().parent.parent", "DEBUG = False",
                               'ALLOWED_HOSTS = ["app.example.com"]', "", "{slot}", "", 'TIME_ZONE = "UTC"']),
    "js": ("src/config.js", ["'use strict';", "", "const nodemailer = require('nodemailer');",
                             "const logger = require('./logger');", "", "{slot}", "", "module.exports = { logger };"]),
    "go-func": ("internal/db/db.go", ["package db", "", "import (", '\t"database/sql"', "",
                                      '\t"github.com/go-sql-driver/mysql"', ")", "", "func Open() (*sql.DB, error) {",
                                      "{slot}", '\treturn sql.Open("mysql", cfg.FormatDSN())', "}"]),
    "go-pkg": ("internal/api/client.go", ["package api", "", 'import "net/http"', "", "{slot}", "",
                                          "var client = &http.Client{}"]),
    "java": ("src/main/java/com/example/app/ApiClient.java", [
        "package com.example.app;", "", "import java.net.http.HttpClient;", "", "public class ApiClient {", "{slot}",
        "    private final HttpClient http = HttpClient.newHttpClient();", "}"]),
    "cs": ("src/App/AuthSetup.cs", ["using Microsoft.Extensions.DependencyInjection;", "", "namespace App;", "",
                                    "public static class AuthSetup", "{",
                                    "    public static void Configure(IServiceCollection services)", "    {", "{slot}",
                                    "    }", "}"]),
    "rb": ("config/environments/production.rb", ["Rails.application.configure do", "  config.cache_classes = true",
                                                 "  config.action_mailer.delivery_method = :smtp", "{slot}",
                                                 "  config.log_level = :info", "end"]),
    "tf": ("infra/main.tf", ['provider "aws" {', '  region = "eu-west-1"', "}", "", "{slot}"]),
    "compose": ("docker-compose.yml", ["services:", "  app:", "    build: .", "    ports:", '      - "8080:8080"',
                                       "  db:", "    image: postgres:16", "{slot}", "    volumes:",
                                       "      - db-data:/var/lib/postgresql/data", "", "volumes:", "  db-data:"]),
    "k8s": ("k8s/deployment.yaml", [
        "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: orders", "spec:", "  replicas: 2",
        "  selector:", "    matchLabels:", "      app: orders", "  template:", "    metadata:", "      labels:",
        "        app: orders", "    spec:", "      containers:", "        - name: orders",
        "          image: registry.example.com/orders:1.4.2", "          env:", "            - name: DB_HOST",
        "              value: db.internal", "{slot}", "          ports:", "            - containerPort: 8080"]),
    "k8s-secret": ("k8s/secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: app-db",
                                       "type: Opaque", "stringData:", "  username: app", "{slot}"]),
    "helm": ("chart/templates/secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:",
                                             '  name: {{ include "app.fullname" . }}', "type: Opaque", "stringData:",
                                             "{slot}"]),
    "actions": (".github/workflows/release.yml", [
        "name: release", "on:", "  push:", '    tags: ["v*"]', "jobs:", "  publish:", "    runs-on: ubuntu-latest",
        "    steps:", "      - uses: actions/checkout@v4", "      - uses: softprops/action-gh-release@v2",
        "        with:", "{slot}"]),
    "yaml": ("config/app.yml", ["server:", "  port: 8080", "  host: 0.0.0.0", "{slot}", "logging:", "  level: info"]),
    "json": ("config/oauth.json", ["{slot}"]),
    "toml": ("config/app.toml", ["[server]", 'host = "0.0.0.0"', "port = 8080", "", "{slot}", "", "[log]",
                                 'level = "info"']),
    "appsettings": ("appsettings.json", ["{", '  "Logging": {', '    "LogLevel": {', '      "Default": "Information"',
                                         "    }", "  },", '  "ConnectionStrings": {', "{slot}", "  },",
                                         '  "AllowedHosts": "*"', "}"]),
    "html": ("templates/login.html", ['<form method="post" action="/login">',
                                      '  <label>Email <input type="email" name="email" autocomplete="username"></label>',
                                      "{slot}", '  <button type="submit">Sign in</button>', "</form>"]),
}
FENCE = {"env": "sh", "sh": "sh", "history": "console", "compose": "yaml", "yaml": "yaml", "ini": "ini"}
PER_TEMPLATE = 16  # instances of each telling-name template
PER_DECOY = 6  # instances of each telling-name decoy


def assigned_secrets(rng):
    """Literal secrets of no provider format assigned to names that say secret (kind "assigned"):
    (host types, text, offset of the value's line, value)."""
    picked = []

    def V(value):
        picked.append(value)
        return value

    R = lambda n=None, alnum=False: V(rand_secret(rng, n, alnum))  # noqa: E731
    W = lambda: V(word_password(rng))  # noqa: E731
    django = lambda: V(rnd(rng, "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)", 50))  # noqa: E731
    entries = [
        # .env and shell
        (("env", ".md"), f"DB_PASSWORD={R()}", 0),
        (("env",), f'JWT_SECRET="{R(48, alnum=True)}"', 0),
        (("env", ".md"), f"ADMIN_PASSWORD={W()}", 0),
        (("sh", "history", ".md"), f"export MYSQL_ROOT_PASSWORD='{W()}'", 0),
        # YAML, JSON, TOML, INI, .properties
        (("yaml",), f'database:\n  host: db.internal\n  username: app\n  password: "{R()}"', 3),
        (("json",), '{\n  "client_id": "web-frontend",\n  "client_secret": "%s",\n  "redirect_uri": "https://app.example.com/callback"\n}' % R(40, alnum=True), 2),
        (("toml",), f'[database]\nurl = "postgres://db.internal:5432/app"\nuser = "app"\npassword = "{W()}"', 3),
        (("toml",), f'[sms]\nprovider = "twilio"\nauth_token = "{V(rnd(rng, HEX, 32))}"', 2),
        (("ini",), f"[mysql]\nuser = backup\npassword = {R()}", 2),
        (("properties",), f"spring.datasource.password={R()}", 0),
        (("properties",), f"mail.smtp.password={W()}", 0),
        # XML element and attribute
        (("xml",), f"        <security>\n            <user-name>app</user-name>\n            <password>{R()}</password>\n        </security>", 2),
        (("webconfig",), f'    <add key="SmtpPassword" value="{R()}" />', 0),
        # PHP, Python, JS, Go, Java, C#, Ruby, Terraform, Rust
        (("php",), f"        'mysql' => [\n            'driver' => 'mysql',\n            'host' => '127.0.0.1',\n            'database' => 'forge',\n            'username' => 'forge',\n            'password' => '{W()}',\n        ],", 5),
        (("py",), f"SECRET_KEY = '{django()}'", 0),
        (("py",), f'conn = psycopg2.connect(host="db.internal", dbname="app", user="app", password="{R()}")', 0),
        (("py",), f'DATABASES = {{\n    "default": {{\n        "ENGINE": "django.db.backends.postgresql",\n        "NAME": "app",\n        "USER": "app",\n        "PASSWORD": "{R()}",\n    }}\n}}', 5),
        (("js",), f'const apiSecret = "{R(32, alnum=True)}";', 0),
        (("js",), f"const transporter = nodemailer.createTransport({{\n  host: 'smtp.example.com',\n  auth: {{ user: 'mailer@example.com', pass: '{W()}' }},\n}});", 2),
        (("go-func",), f'\tcfg := mysql.Config{{\n\t\tUser:   "app",\n\t\tPasswd: "{R()}",\n\t\tNet:    "tcp",\n\t\tAddr:   "db.internal:3306",\n\t}}', 2),
        (("go-pkg",), f'const apiToken = "{R(40, alnum=True)}"', 0),
        (("java",), f'    private static final String API_KEY = "{R(32, alnum=True)}";', 0),
        (("cs",), f'        services.AddAuthentication().AddOpenIdConnect(options =>\n        {{\n            options.ClientId = "web";\n            options.ClientSecret = "{R(34)}";\n        }});', 3),
        (("cs",), f'        var connectionString = "Server=tcp:sql.example.com,1433;Database=app;User ID=app;Password={R()};Encrypt=True;";', 0),
        (("appsettings",), f'    "DefaultConnection": "Host=db.internal;Database=app;Username=app;Password={W()}"', 0),
        (("rb",), f"  config.action_mailer.smtp_settings = {{ address: 'smtp.example.com', port: 587, user_name: 'apikey', password: '{R()}' }}", 0),
        (("tf",), f'resource "aws_db_instance" "main" {{\n  engine   = "postgres"\n  username = "app"\n  password = "{R()}"\n}}', 3),
        ((".rs",), f'    let opts = PgConnectOptions::new().host("db.internal").username("app").password("{R()}");', 0),
        ((".rs",), f'const API_SECRET: &str = "{R(32, alnum=True)}";', 0),
        # docker-compose and k8s
        (("compose", ".md"), f"    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD={W()}", 2),
        (("compose",), f"    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: {R()}", 2),
        (("k8s",), f'            - name: DB_PASSWORD\n              value: "{R()}"', 1),
        (("k8s-secret",), f"  password: {R()}", 0),
        # CLI flags in shell history, scripts and READMEs
        (("history", "sh", ".md"), f"mysql -uroot -p{R(alnum=True)} -h db.internal app < dump.sql", 0),
        (("history", "sh", ".md"), f"curl -u admin:{R(alnum=True)} https://jenkins.example.com/api/json", 0),
        (("history", "sh"), f"docker login registry.example.com --username ci --password {R(alnum=True)}", 0),
        (("history", "sh"), f"sshpass -p '{W()}' ssh deploy@web1.example.com", 0),
        (("history", ".md"), f"redis-cli -h cache.internal -a {R(alnum=True)} ping", 0),
    ]
    assert len(picked) == len(entries)
    for (_, text, offset), value in zip(entries, picked):
        assert value in text.split("\n")[offset], text
    return [(hosts, text, offset, value) for (hosts, text, offset), value in zip(entries, picked)]


def decoys(rng):
    """Format decoys: lines that must not be reported."""
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


def assigned_decoys(rng):
    """Telling names that hold no secret: references, placeholders, empty values, names that are
    not secrets, comparisons, encrypted values: (host types, text)."""
    vault_hex = "\n".join("    " + rnd(rng, HEX, 80) for _ in range(5))
    return [
        # references to the environment or a secret store
        (("yaml",), 'password: "${DB_PASSWORD}"'),
        (("js",), "const dbPassword = process.env.DB_PASSWORD;"),
        (("py",), 'API_KEY = os.getenv("API_KEY")'),
        (("py",), 'password = os.environ["DB_PASSWORD"]'),
        (("java",), '    private final String password = System.getenv("DB_PASSWORD");'),
        (("java",), '    @Value("${app.jwt.secret}")\n    private String jwtSecret;'),
        (("cs",), '        var clientSecret = Environment.GetEnvironmentVariable("CLIENT_SECRET");'),
        (("rb",), '  config.x.api_token = ENV.fetch("API_TOKEN")'),
        (("properties",), "spring.datasource.password=${DB_PASSWORD}"),
        (("php",), "        'pgsql' => [\n            'driver' => 'pgsql',\n            'password' => env('DB_PASSWORD', ''),\n        ],"),
        (("xml",), "        <security>\n            <user-name>app</user-name>\n            <password>${env.DB_PASSWORD}</password>\n        </security>"),
        (("helm",), "  password: {{ .Values.postgresql.auth.password | quote }}"),
        (("actions",), "          token: ${{ secrets.GITHUB_TOKEN }}"),
        (("sh", ".md"), "export GITHUB_TOKEN=$(gh auth token)"),
        (("sh",), 'curl -u "$JENKINS_USER:$JENKINS_TOKEN" https://jenkins.example.com/api/json'),
        (("k8s",), "            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: app-db\n                  key: password"),
        (("compose",), "    environment:\n      - POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password"),
        ((".rs",), '    let password = std::env::var("DB_PASSWORD")?;'),
        ((".rs",), 'const PASSWORD_ENV: &str = "DB_PASSWORD";'),
        # placeholders and empty values
        (("env",), "DB_PASSWORD=changeme"),
        (("yaml",), 'api_key: "<your-api-key>"'),
        (("env",), "SMTP_PASSWORD=xxxxxxxx"),
        (("env", ".md"), "API_KEY=your_api_key_here"),
        (("yaml",), 'password: "********"'),
        (("env",), "DB_PASSWORD="),
        (("json",), '{\n  "client_id": "web-frontend",\n  "client_secret": "",\n  "redirect_uri": "http://localhost:3000/callback"\n}'),
        (("webconfig",), '    <add key="SmtpPassword" value="" />'),
        ((".md",), "export DB_PASSWORD=<your-password>"),
        # names that are not secrets
        (("py",), "PASSWORD_MIN_LENGTH = 12"),
        (("toml",), '[oauth]\ntoken_url = "https://oauth2.googleapis.com/token"'),
        (("toml",), '[database]\nuser = "app"\npassword_file = "/run/secrets/db_password"'),
        (("py",), "PASSWORD_RESET_TIMEOUT = 3600"),
        (("py",), 'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]'),
        (("json",), '{\n  "type": "object",\n  "properties": {\n    "username": {"type": "string"},\n    "password": {"type": "string", "format": "password", "minLength": 8}\n  }\n}'),
        (("html",), '  <label>Password <input type="password" name="password" autocomplete="current-password"></label>'),
        # reading, passing on and comparing
        (("py",), 'password = getpass.getpass("Password: ")'),
        (("py",), 'data = {"grant_type": "password", "username": username, "password": password}'),
        (("js",), "if (password !== confirmPassword) {\n  throw new Error('Passwords do not match');\n}"),
        (("go-func",), '\tif password == "" {\n\t\treturn nil, errors.New("password required")\n\t}'),
        (("py",), 'for field in form:\n    if field.widget.input_type == "password":\n        field.initial = None'),
        (("sh", "history"), "mysql -u root -p app < dump.sql"),
        # encrypted
        (("yaml",), f"db_password: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n{vault_hex}"),
    ]


# --- credential files -----------------------------------------------------------------------

def credential_files(rng):
    """Files of common tools at the paths where they keep them, one credential each:
    (relative path, content, line of the value, value). Content is str, or bytes when the tool
    writes another encoding."""
    R = lambda n=None, alnum=False: rand_secret(rng, n, alnum)  # noqa: E731
    W = lambda: word_password(rng)  # noqa: E731
    files = []

    def add(path, lines, value, encoding=None, newline="\n"):
        text = newline.join(lines) + newline
        line = next(i + 1 for i, l in enumerate(lines) if value in l)
        if encoding:
            text = text.encode(encoding)
        files.append((path, text, line, value))

    v = R(alnum=True)
    add("home/.pgpass", ["# hostname:port:database:username:password", f"db.internal:5432:app:app:{v}"], v)
    v = R()
    add("home/.my.cnf", ["[client]", "user=backup", f"password={v}", "host=db.internal"], v)
    v = R()
    add("proj/.vscode/sftp.json", [
        "{",
        '    "name": "Production",',
        '    "host": "web1.example.com",',
        '    "protocol": "sftp",',
        '    "port": 22,',
        '    "username": "deploy",',
        f'    "password": "{v}",',
        '    "remotePath": "/var/www/html",',
        '    "uploadOnSave": true',
        "}",
    ], v)
    v = R()
    add("proj/sftp-config.json", [
        "{",
        "    // The tab key will cycle through the settings when first created",
        "    // Visit https://codexns.io/products/sftp_for_subime/settings for help",
        "",
        "    // sftp, ftp or ftps",
        '    "type": "sftp",',
        "",
        '    "save_before_upload": true,',
        '    "upload_on_save": true,',
        '    "sync_down_on_open": false,',
        '    "sync_skip_deletes": false,',
        '    "sync_same_age": true,',
        '    "confirm_downloads": false,',
        '    "confirm_sync": true,',
        '    "confirm_overwrite_newer": false,',
        "",
        '    "host": "web1.example.com",',
        '    "user": "deploy",',
        f'    "password": "{v}",',
        '    //"port": "22",',
        "",
        '    "remote_path": "/var/www/example.com/",',
        '    "ignore_regexes": [',
        '        "\\\\.sublime-(project|workspace)", "sftp-config(-alt\\\\d?)?\\\\.json",',
        '        "sftp-settings\\\\.json", "/venv/", "\\\\.svn/", "\\\\.hg/", "\\\\.git/",',
        '        "\\\\.bzr", "_darcs", "CVS", "\\\\.DS_Store", "Thumbs\\\\.db", "desktop\\\\.ini"',
        "    ],",
        '    //"file_permissions": "664",',
        '    //"dir_permissions": "775",',
        "",
        '    "connect_timeout": 30,',
        '    //"keepalive": 120,',
        '    //"ftp_passive_mode": true,',
        '    //"ssh_key_file": "~/.ssh/id_rsa",',
        "}",
    ], v)
    v = rnd(rng, HEX, 40)
    add("home/.config/gh/hosts.yml", [
        "github.example.com:",
        "    user: alice",
        f"    oauth_token: {v}",
        "    git_protocol: https",
    ], v)
    v = W()
    add("home/.muttrc", [
        'set realname = "Alice Martin"',
        'set from = "alice@example.com"',
        'set imap_user = "alice@example.com"',
        f'set imap_pass = "{v}"',
        'set folder = "imaps://imap.example.com:993"',
        'set spoolfile = "+INBOX"',
        'set smtp_url = "smtps://alice@example.com@smtp.example.com:465/"',
    ], v)
    v = R()
    add("wp/wp-config.php", [
        "<?php",
        "/**",
        " * The base configuration for WordPress",
        " *",
        " * @package WordPress",
        " */",
        "",
        "// ** Database settings - You can get this info from your web host ** //",
        "/** The name of the database for WordPress */",
        "define( 'DB_NAME', 'shop_wp' );",
        "",
        "/** Database username */",
        "define( 'DB_USER', 'shop_wp' );",
        "",
        "/** Database password */",
        f"define( 'DB_PASSWORD', '{v}' );",
        "",
        "/** Database hostname */",
        "define( 'DB_HOST', 'localhost' );",
        "",
        "/** Database charset to use in creating database tables. */",
        "define( 'DB_CHARSET', 'utf8mb4' );",
        "",
        "$table_prefix = 'wp_';",
        "",
        "define( 'WP_DEBUG', false );",
        "",
        "if ( ! defined( 'ABSPATH' ) ) {",
        "\tdefine( 'ABSPATH', __DIR__ . '/' );",
        "}",
        "",
        "require_once ABSPATH . 'wp-settings.php';",
    ], v)
    v = R(alnum=True)
    add("home/.netrc", ["machine ftp.example.com", "  login deploy", f"  password {v}"], v)
    v = R(20, alnum=True)
    add("home/.git-credentials", [f"https://alice:{v}@git.example.com"], v)
    v = base64.b64encode(f"ci-bot:{R(alnum=True)}".encode()).decode()
    add("home/.docker/config.json", [
        "{",
        '\t"auths": {',
        '\t\t"registry.example.com": {',
        f'\t\t\t"auth": "{v}"',
        "\t\t}",
        "\t}",
        "}",
    ], v)
    v = W()
    uuid = f"{rnd(rng, HEX, 8)}-{rnd(rng, HEX, 4)}-4{rnd(rng, HEX, 3)}-a{rnd(rng, HEX, 3)}-{rnd(rng, HEX, 12)}"
    add("etc/NetworkManager/system-connections/office.nmconnection", [
        "[connection]",
        "id=Office",
        f"uuid={uuid}",
        "type=wifi",
        "interface-name=wlp2s0",
        "",
        "[wifi]",
        "mode=infrastructure",
        "ssid=Office-5G",
        "",
        "[wifi-security]",
        "auth-alg=open",
        "key-mgmt=wpa-psk",
        f"psk={v}",
        "",
        "[ipv4]",
        "method=auto",
        "",
        "[ipv6]",
        "addr-gen-mode=default",
        "method=auto",
        "",
        "[proxy]",
    ], v)
    v = base64.b64encode(W().encode()).decode()
    add("home/.config/filezilla/sitemanager.xml", [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>',
        '<FileZilla3 version="3.66.4" platform="unix">',
        "\t<Servers>",
        "\t\t<Server>",
        "\t\t\t<Host>ftp.example.com</Host>",
        "\t\t\t<Port>21</Port>",
        "\t\t\t<Protocol>0</Protocol>",
        "\t\t\t<Type>0</Type>",
        "\t\t\t<User>deploy</User>",
        f'\t\t\t<Pass encoding="base64">{v}</Pass>',
        "\t\t\t<Logontype>1</Logontype>",
        "\t\t\t<PasvMode>MODE_DEFAULT</PasvMode>",
        "\t\t\t<EncodingType>Auto</EncodingType>",
        "\t\t\t<BypassProxy>0</BypassProxy>",
        "\t\t\t<Name>Production</Name>",
        "\t\t\t<SyncBrowsing>0</SyncBrowsing>",
        "\t\t\t<DirectoryComparison>0</DirectoryComparison>",
        "\t\t</Server>",
        "\t</Servers>",
        "</FileZilla3>",
    ], v)
    v = W()
    add("home/.msmtprc", [
        "defaults",
        "auth           on",
        "tls            on",
        "tls_trust_file /etc/ssl/certs/ca-certificates.crt",
        "logfile        ~/.msmtp.log",
        "",
        "account        work",
        "host           smtp.example.com",
        "port           587",
        "from           alice@example.com",
        "user           alice@example.com",
        f"password       {v}",
        "",
        "account default : work",
    ], v)
    v = R(alnum=True)
    add("home/.fetchmailrc", [
        "set daemon 300",
        "poll mail.example.com protocol IMAP",
        f'    user "alice" there with password "{v}" is alice here',
        "    ssl",
    ], v)
    v = R(64, alnum=True)
    add("home/.npmrc", [
        "registry=https://npm.example.com/",
        f"//npm.example.com/:_authToken={v}",
        "always-auth=true",
    ], v)
    v = R()
    add("home/.pypirc", [
        "[distutils]",
        "index-servers =",
        "    private",
        "",
        "[private]",
        "repository = https://pypi.example.com/",
        "username = deploy",
        f"password = {v}",
    ], v)
    v = rnd(rng, BASE62 + "+/", 40)
    add("home/.s3cfg", [
        "[default]",
        "access_key = minio-backup",
        f"secret_key = {v}",
        "host_base = minio.example.com:9000",
        "host_bucket = minio.example.com:9000",
        "use_https = True",
        "signature_v2 = False",
    ], v)
    v = rnd(rng, BASE62 + "-_", 46)
    add("home/.config/rclone/rclone.conf", [
        "[backup]",
        "type = sftp",
        "host = backup.example.com",
        "user = backup",
        f"pass = {v}",
        "shell_type = unix",
        "md5sum_command = md5sum",
        "sha1sum_command = sha1sum",
    ], v)
    v = W()
    add("etc/wpa_supplicant/wpa_supplicant.conf", [
        "ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev",
        "update_config=1",
        "country=US",
        "",
        "network={",
        '\tssid="Office-5G"',
        f'\tpsk="{v}"',
        "\tkey_mgmt=WPA-PSK",
        "}",
    ], v)
    v = R()
    add("home/.composer/auth.json", [
        "{",
        '    "http-basic": {',
        '        "repo.example.com": {',
        '            "username": "deploy",',
        f'            "password": "{v}"',
        "        }",
        "    }",
        "}",
    ], v)
    v = R()
    add("home/.m2/settings.xml", [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">',
        "  <servers>",
        "    <server>",
        "      <id>nexus-releases</id>",
        "      <username>deploy</username>",
        f"      <password>{v}</password>",
        "    </server>",
        "  </servers>",
        "</settings>",
    ], v)
    v = W()
    add("home/.smbcredentials", ["username=alice", f"password={v}", "domain=CORP"], v)
    v = R(alnum=True)
    add("home/.davfs2/secrets", [
        "# davfs2 secrets file: mount point or URL, user, password",
        f"https://cloud.example.com/remote.php/dav/files/alice/ alice {v}",
    ], v)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": rnd(rng, BASE62 + "-_", 43)}).encode()).decode().rstrip("=")
    claims = {"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ci",
              "kubernetes.io/serviceaccount/secret.name": "deployer-token-" + rnd(rng, "bcdfghjklmnpqrstvwxz2456789", 5),
              "kubernetes.io/serviceaccount/service-account.name": "deployer", "sub": "system:serviceaccount:ci:deployer"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    v = f"{header}.{payload}.{rnd(rng, BASE62 + '-_', 342)}"
    ca = "-----BEGIN CERTIFICATE-----\n" + "\n".join(rnd(rng, BASE62 + "+/", 64) for _ in range(17)) + "\n-----END CERTIFICATE-----\n"
    add("home/.kube/config", [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        f"    certificate-authority-data: {base64.b64encode(ca.encode()).decode()}",
        "    server: https://10.0.0.10:6443",
        "  name: prod",
        "contexts:",
        "- context:",
        "    cluster: prod",
        "    user: deployer",
        "  name: prod",
        "current-context: prod",
        "kind: Config",
        "preferences: {}",
        "users:",
        "- name: deployer",
        "  user:",
        f"    token: {v}",
    ], v)
    # mstsc writes .rdp files as UTF-16LE with a BOM and CRLF; the password is a DPAPI blob.
    v = "01000000D08C9DDF0115D1118C7A00C04FC297EB01000000" + rnd(rng, "0123456789ABCDEF", 1200)
    add("home/Documents/office.rdp", [
        "\ufeffscreen mode id:i:2",
        "desktopwidth:i:1920",
        "desktopheight:i:1080",
        "session bpp:i:32",
        "full address:s:rdp.example.com",
        "username:s:CORP\\alice",
        f"password 51:b:{v}",
        "prompt for credentials:i:0",
        "authentication level:i:2",
    ], v, encoding="utf-16-le", newline="\r\n")
    return files


def credential_file_decoys(rng):
    """The same tools' files holding no credential: (relative path, content)."""
    return [
        ("home2/.msmtprc", "defaults\nauth on\ntls on\n\naccount work\nhost smtp.example.com\nport 587\n"
         "from alice@example.com\nuser alice@example.com\npasswordeval \"pass show mail/work\"\n\naccount default : work\n"),
        ("home2/.muttrc", 'set imap_user = "alice@example.com"\nset imap_pass = "`pass show mail/imap`"\n'
         'set folder = "imaps://imap.example.com:993"\n'),
        ("home2/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
        ("home2/.docker/config.json", '{\n\t"auths": {\n\t\t"ghcr.io": {},\n\t\t"registry.example.com": {}\n\t},\n'
         '\t"credsStore": "desktop"\n}\n'),
        ("etc2/NetworkManager/system-connections/home.nmconnection",
         f"[connection]\nid=Home\nuuid={rnd(rng, HEX, 8)}-{rnd(rng, HEX, 4)}-4{rnd(rng, HEX, 3)}-b{rnd(rng, HEX, 3)}-{rnd(rng, HEX, 12)}\n"
         "type=wifi\n\n[wifi]\nmode=infrastructure\nssid=Home\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk-flags=1\n\n[ipv4]\nmethod=auto\n"),
        ("wp2/wp-config.php", "<?php\n/** Database password */\ndefine( 'DB_NAME', 'database_name_here' );\n"
         "define( 'DB_USER', 'username_here' );\ndefine( 'DB_PASSWORD', 'password_here' );\ndefine( 'DB_HOST', 'localhost' );\n\n"
         "define( 'AUTH_KEY',         'put your unique phrase here' );\ndefine( 'SECURE_AUTH_KEY',  'put your unique phrase here' );\n"
         "define( 'LOGGED_IN_KEY',    'put your unique phrase here' );\ndefine( 'NONCE_KEY',        'put your unique phrase here' );\n"),
        ("proj2/sftp-config.json", '{\n    // sftp, ftp or ftps\n    "type": "sftp",\n\n    "save_before_upload": true,\n'
         '    "upload_on_save": false,\n\n    "host": "example.com",\n    "user": "username",\n    //"password": "password",\n'
         '    //"port": "22",\n\n    "remote_path": "/example/path/",\n    //"ssh_key_file": "~/.ssh/id_rsa",\n\n'
         '    "connect_timeout": 30,\n}\n'),
        ("home2/.config/rclone/rclone.conf", "[backup]\ntype = sftp\nhost = backup.example.com\nuser = backup\n"
         "key_file = ~/.ssh/id_ed25519\nshell_type = unix\n"),
        ("home2/.my.cnf", "[client]\nuser=alice\n# no password here: mysql prompts for it\n"),
    ]


def build_corpus(tree, dest, rng, vault_values):
    """Writes the corpus. Returns (truth, values, decoy_lines, blocks):
    truth {relative path: {line: kind}} of planted secrets, values {(path, line): secret},
    decoy_lines {(path, line): decoy kind}, blocks {(path, value line): (first, last line)} of
    the template or file around each planted value."""
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
    chosen = sources[:300]
    truth = {}
    values = {}
    decoy_lines = {}
    blocks = {}
    per_file = [[] for _ in chosen]
    for i in range(len(chosen)):
        if i % 3 == 0:
            per_file[i].extend(planted_secrets(rng))
        if i % 5 == 0:
            per_file[i].extend((text, None, 0, "format-decoy") for text in decoys(rng))
        if i % 7 == 0:
            name, value = vault_values[(i // 7) % len(vault_values)]
            form = [value, base64.b64encode(value.encode()).decode(), json.dumps(value)[1:-1]][(i // 7) % 3]
            per_file[i].append((f"config_value = \"{form}\"", "vault:" + name, 0, form))

    # Telling names: each template and decoy several times, each time in a host of its type.
    real = {ext: [i for i, src in enumerate(chosen) if src.endswith(ext)] for ext in (".rs", ".md")}
    cursor = collections.Counter()
    synthesized = []

    def place(hosts, text, kind, offset, extra):
        host = rng.choice(hosts)
        if host in real and real[host]:
            i = real[host][cursor[host] % len(real[host])]
            cursor[host] += 1
            if host == ".md":
                text, offset = f"```{FENCE.get(hosts[0], 'sh')}\n{text}\n```", offset + 1
            per_file[i].append((text, kind, offset, extra))
        else:
            fallback = [h for h in (host, *hosts) if h in HOSTS]
            if fallback:  # else the tree has no file of the template's type
                synthesized.append((fallback[0], text, kind, offset, extra))

    for _ in range(PER_TEMPLATE):
        for hosts, text, offset, value in assigned_secrets(rng):
            place(hosts, text, "assigned", offset, value)
    for _ in range(PER_DECOY):
        for hosts, text in assigned_decoys(rng):
            place(hosts, text, None, 0, "assigned-decoy")

    for i, src in enumerate(chosen):
        with open(src, errors="replace") as fh:
            lines = fh.read().splitlines()
        inserts = per_file[i]
        rng.shuffle(inserts)
        rel = f"f{i:03d}_{os.path.basename(src)}"
        out = []
        file_truth = {}

        def put(entry):
            text, kind, offset, extra = entry
            first = len(out) + 1
            n = text.count("\n") + 1
            if kind:
                file_truth[first + offset] = kind
                values[(rel, first + offset)] = extra
                blocks[(rel, first + offset)] = (first, first + n - 1)
            else:
                for k in range(n):
                    decoy_lines[(rel, first + k)] = extra
            out.extend(text.split("\n"))

        for line in lines:
            if inserts and rng.random() < 0.15:
                put(inserts.pop())
            out.append(line)
        for entry in inserts:
            put(entry)
        with open(os.path.join(dest, rel), "w") as fh:
            fh.write("\n".join(out) + "\n")
        if file_truth:
            truth[rel] = file_truth
    # Small files of the template's type around one template or decoy each.
    for n, (host, text, kind, offset, extra) in enumerate(synthesized):
        path, wrapper = HOSTS[host]
        rel = f"apps/app{n:04d}/{path}"
        slot = wrapper.index("{slot}")
        lines = wrapper[:slot] + text.split("\n") + wrapper[slot + 1:]
        write_file(dest, rel, "\n".join(lines) + "\n")
        if kind:
            truth.setdefault(rel, {})[slot + 1 + offset] = kind
            values[(rel, slot + 1 + offset)] = extra
            blocks[(rel, slot + 1 + offset)] = (1, len(lines))
        else:
            for k in range(len(lines)):
                decoy_lines[(rel, k + 1)] = extra
    # Credential files, at the paths where the tools keep them.
    for rel, content, line, value in credential_files(rng):
        write_file(dest, rel, content)
        truth.setdefault(rel, {})[line] = "credential-file"
        values[(rel, line)] = value
        n = (content.decode("utf-16") if isinstance(content, bytes) else content).count("\n")
        blocks[(rel, line)] = (1, n)
    for rel, content in credential_file_decoys(rng):
        write_file(dest, rel, content)
        for k in range(content.count("\n")):
            decoy_lines[(rel, k + 1)] = "credential-file-decoy"
    return truth, values, decoy_lines, blocks


def write_file(dest, rel, content):
    path = os.path.join(dest, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(content, bytes) else "w") as fh:
        fh.write(content)


def layer(kind):
    if kind.startswith("vault:"):
        return "vault values"
    if kind == "assigned":
        return "telling names"
    if kind == "credential-file":
        return "credential files"
    return "formats"


LAYERS = ["formats", "telling names", "credential files", "vault values"]


# --- running the tools ------------------------------------------------------------------------

def keyward_findings(out, root):
    """{(relative path, line): [finding, ...]}"""
    doc = json.loads(out.stdout or "{}")
    found = collections.defaultdict(list)
    for f in doc.get("findings", []):
        path = f["path"] if os.path.isabs(f["path"]) else os.path.join(root, f["path"])
        found[(os.path.relpath(path, root), f["line"])].append(f)
    return found


def keyward_lines(out, root):
    return set(keyward_findings(out, root))


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


def layer_recall(found, truth):
    hit = collections.Counter()
    total = collections.Counter()
    for path, lines in truth.items():
        for line, kind in lines.items():
            total[layer(kind)] += 1
            hit[layer(kind)] += (path, line) in found
    return {name: (hit[name], total[name]) for name in LAYERS}


def fp_origin(found, truth, decoy_lines, blocks):
    """False positives by where they land: on decoys, inside a planted template or credential file
    but off the value's line, or on the source files' own lines."""
    planted = {(p, line) for p, lines in truth.items() for line in lines}
    spans = collections.defaultdict(list)
    for (p, _), (a, b) in blocks.items():
        spans[p].append((a, b))
    out = collections.Counter()
    for key in found - planted:
        if key in decoy_lines:
            out["decoys"] += 1
        elif any(a <= key[1] <= b for a, b in spans.get(key[0], [])):
            out["off the value line"] += 1
        else:
            out["source lines"] += 1
    return out


def read_line(root, rel, line):
    path = os.path.join(root, rel)
    with open(path, "rb") as fh:
        data = fh.read()
    text = data.decode("utf-16") if data[:2] == b"\xff\xfe" else data.decode("utf-8", "replace")
    lines = text.splitlines()
    return lines[line - 1].lstrip("\ufeff") if 0 < line <= len(lines) else ""


def mask(text, value):
    if value and value in text:
        return text.replace(value, value[:3] + "*" * min(len(value) - 3, 12) + (f"…[{len(value)}]" if len(value) > 15 else ""))
    return text


def mask_at(text, column):
    """Masks the token a finding points at (1-based column), keeping its first 3 characters."""
    start = max(column - 1, 0)
    end = start
    while end < len(text) and text[end] not in " \t\"'`;,<>)]}":
        end += 1
    token = text[start:end]
    if len(token) <= 3:
        return text
    return text[:start] + token[:3] + "*" * min(len(token) - 3, 12) + (f"…[{len(token)}]" if len(token) > 15 else "") + text[end:]


def clip(text, n=150):
    text = text.strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def scan_root(tree):
    """An npm project's packages are under node_modules, which scanners skip while walking: scan
    that folder itself."""
    nm = os.path.join(tree, "node_modules")
    if os.path.isfile(os.path.join(tree, "package.json")) and os.path.isdir(nm):
        return nm
    return tree


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyward", required=True)
    ap.add_argument("--keyward-before", default="", help="the previous build, for before/after rows")
    ap.add_argument("--ripsecrets", required=True, help="'' to skip")
    ap.add_argument("--detect-secrets", required=True, help="'' to skip")
    ap.add_argument("--tree", required=True)
    ap.add_argument("--tree2", default="", help="a second real tree for the false-positive budget")
    args = ap.parse_args()
    rng = random.Random(20261128)
    work = tempfile.mkdtemp(prefix="kw-peers-")
    env = dict(os.environ, KEYWARD_HOME=os.path.join(work, "home"))
    env.pop("KEYWARD_PASSWORD_FILE", None)
    before = args.keyward_before
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
        speed = []
        if shutil.which("rg"):
            speed.append(("ripgrep, the rules' keywords only", ["rg", "-c", "-i", "-F", "--hidden", "--no-ignore", "-f", keywords, args.tree], 3, size))
        speed += [
            ("keyward scan --no-vault", [args.keyward, "scan", "--no-vault", "--format", "json", args.tree], 3, size),
            ("keyward scan (vault of 20 secrets)", [args.keyward, "--password-file", pw, "scan", "--format", "json", args.tree], 3, size),
        ]
        if before:
            speed.append(("keyward (previous build) scan --no-vault", [before, "scan", "--no-vault", "--format", "json", args.tree], 3, size))
        if args.ripsecrets:
            speed.append(("ripsecrets", [args.ripsecrets, args.tree], 3, size))
        speed.append(("keyward scan --no-vault (30 MB subset)", [args.keyward, "scan", "--no-vault", "--format", "json", small], 3, small_size))
        if args.ripsecrets:
            speed.append(("ripsecrets (30 MB subset)", [args.ripsecrets, small], 3, small_size))
        if args.detect_secrets:
            speed.append(("detect-secrets (30 MB subset)", [args.detect_secrets, "scan", "--all-files", small], 1, small_size))
        for label, cmd, runs, mb in speed:
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
        truth, values, decoy_lines, blocks = build_corpus(args.tree, corpus, rng, vault_values)
        planted = sum(len(v) for v in truth.values())
        per_layer = collections.Counter(layer(k) for v in truth.values() for k in v.values())
        decoy_kinds = collections.Counter(decoy_lines.values())
        nfiles = sum(len(files) for _, _, files in os.walk(corpus))
        napps = sum(len(files) for _, _, files in os.walk(os.path.join(corpus, "apps")))
        ncred_decoys = len({p for p, _ in decoy_lines if decoy_lines[(p, _)] == "credential-file-decoy"})
        print(f"\n## Planted corpus: {nfiles} files ({len([f for f in os.listdir(corpus) if f.startswith('f')])} real source files, "
              f"{napps} small config and code files around one telling-name template or decoy each, "
              f"{per_layer['credential files'] + ncred_decoys} credential files); {planted} planted secrets "
              f"({', '.join(f'{per_layer[n]} {n}' for n in LAYERS)}); decoy lines: "
              f"{decoy_kinds['format-decoy']} format, {decoy_kinds['assigned-decoy']} telling-name, "
              f"{decoy_kinds['credential-file-decoy']} in {ncred_decoys} credential-file decoys\n")
        results = []
        kw_new = None

        def keyward_row(label, cmd):
            nonlocal kw_new
            t, out = timed(cmd, env=env, cwd=work)
            found = keyward_findings(out, corpus)
            if kw_new is None:
                kw_new = found
            results.append((label, t, set(found)))

        keyward_row("keyward scan (with the vault)", [args.keyward, "--password-file", pw, "scan", "--format", "json", corpus])
        keyward_row("keyward scan --no-vault", [args.keyward, "scan", "--no-vault", "--format", "json", corpus])
        keyward_row("keyward scan --no-vault --min-confidence high", [args.keyward, "scan", "--no-vault", "--min-confidence", "high", "--format", "json", corpus])
        if before:
            keyward_row("keyward, previous build (with the vault)", [before, "--password-file", pw, "scan", "--format", "json", corpus])
            keyward_row("keyward, previous build --no-vault", [before, "scan", "--no-vault", "--format", "json", corpus])
        if args.ripsecrets:
            t, out = timed([args.ripsecrets, corpus], env=env, cwd=work)
            results.append(("ripsecrets", t, ripsecrets_lines(out, corpus)))
        if args.detect_secrets:
            t, out = timed([args.detect_secrets, "scan", "--all-files", "."], runs=1, env=env, cwd=corpus)
            results.append(("detect-secrets", t, detect_secrets_lines(out, corpus)))
        print("| tool | time | found | false positives | missed | precision | recall |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for label, t, found in results:
            tp, fp, fn, p, r = score(found, truth)
            print(f"| {label} | {t:.2f} s | {tp} | {fp} | {fn} | {p:.1%} | {r:.1%} |")

        print("\n### Recall per layer\n")
        print("| tool | " + " | ".join(f"{n} ({per_layer[n]})" for n in LAYERS) + " | precision | false positives: on decoys / off the value line / source lines |")
        print("| --- | " + " | ".join("---" for _ in LAYERS) + " | --- | --- |")
        for label, t, found in results:
            lr = layer_recall(found, truth)
            p = score(found, truth)[3]
            origin = fp_origin(found, truth, decoy_lines, blocks)
            cells = " | ".join(f"{h / n:.1%} ({h})" if n else "-" for h, n in (lr[name] for name in LAYERS))
            print(f"| {label} | {cells} | {p:.1%} | {origin['decoys']} / {origin['off the value line']} / {origin['source lines']} |")

        # keyward's (current build, with the vault) false positives and its misses in the
        # telling-names and credential-files layers, each line's secret masked.
        planted_keys = {(p, line): kind for p, lines in truth.items() for line, kind in lines.items()}
        print("\n### keyward (current build, with the vault): false positives\n")
        print("| file | line | where | confidence | rule | text (masked) |")
        print("| --- | --- | --- | --- | --- | --- |")
        spans = collections.defaultdict(list)
        for (p, _), (a, b) in blocks.items():
            spans[p].append((a, b))
        for key in sorted(set(kw_new) - set(planted_keys)):
            fs = kw_new[key]
            where = decoy_lines.get(key) or ("off the value line" if any(a <= key[1] <= b for a, b in spans.get(key[0], [])) else "source line")
            text = read_line(corpus, *key)
            for f in fs:
                text = mask_at(text, f.get("column", 1))
            print(f"| {key[0]} | {key[1]} | {where} | {', '.join(sorted({f.get('confidence', '?') for f in fs}))} | "
                  f"{', '.join(sorted({f['rule'] for f in fs}))} | `{clip(text)}` |")
        print("\n### keyward (current build, with the vault): misses in the telling-names and credential-files layers\n")
        print("| layer | file | line | text (masked) | what fired instead |")
        print("| --- | --- | --- | --- | --- |")
        for key in sorted(planted_keys):
            kind = planted_keys[key]
            if kind not in ("assigned", "credential-file") or key in kw_new:
                continue
            a, b = blocks[key]
            near = [(k[1], f["rule"]) for k, fs in kw_new.items() if k[0] == key[0] and a <= k[1] <= b for f in fs]
            instead = ", ".join(f"{rule} on line {line}" for line, rule in sorted(near)) or "nothing fired"
            print(f"| {layer(kind)} | {key[0]} | {key[1]} | `{clip(mask(read_line(corpus, *key), values[key]))}` | {instead} |")

        # False-positive budget on real trees: what keyward reports where no secret was planted.
        print("\n## False-positive budget: distinct finding lines on real trees (--no-vault)\n")
        print("| tree | MB | build | lines | per 100 MB | high | medium | low | unrated |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        top = []
        for tree in [args.tree, args.tree2]:
            if not tree:
                continue
            root = scan_root(tree)
            mb = tree_bytes(root) / 1e6
            for label, binary in [("previous", before), ("current", args.keyward)]:
                if not binary:
                    continue
                out = run([binary, "scan", "--no-vault", "--format", "json", root], env=env, cwd=work)
                found = keyward_findings(out, root)
                rank = {"high": 3, "medium": 2, "low": 1}
                conf = collections.Counter()
                for fs in found.values():
                    best = max((f.get("confidence", "unrated") for f in fs), key=lambda c: rank.get(c, 0))
                    conf[best] += 1
                n = len(found)
                print(f"| {root} | {mb:.0f} | {label} | {n} | {n / mb * 100:.1f} | {conf['high']} | {conf['medium']} | {conf['low']} | {conf['unrated']} |")
                if label == "current":
                    rules = collections.Counter()
                    for fs in found.values():
                        for r in {(f["rule"], f.get("confidence", "unrated")) for f in fs}:
                            rules[r] += 1
                    top.append((root, rules))
        for root, rules in top:
            print(f"\nCurrent build on {root}, lines by rule: " + ", ".join(f"{r} ({c}) {n}" for (r, c), n in rules.most_common()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
