#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

/// The values found in `text` as the file `path`.
fn values(path: &str, text: &str) -> Vec<String> {
    find(path, text.as_bytes())
        .into_iter()
        .map(|a| text[a.start..a.end].to_owned())
        .collect()
}

#[test]
fn names_split_into_words() {
    assert_eq!(words(b"DB_PASSWORD"), ["db", "password"]);
    assert_eq!(words(b"dbPassword"), ["db", "password"]);
    assert_eq!(words(b"DBPassword"), ["db", "password"]);
    assert_eq!(
        words(b"spring.datasource.password"),
        ["spring", "datasource", "password"]
    );
    assert_eq!(words(b"--api-key"), ["api", "key"]);
}

#[test]
fn the_last_word_decides() {
    assert_eq!(classify(b"DB_PASSWORD"), Some(Class::Password));
    assert_eq!(classify(b"clientSecret"), Some(Class::Secret));
    assert_eq!(classify(b"GITHUB_TOKEN"), Some(Class::Token));
    assert_eq!(classify(b"apiKey"), Some(Class::ApiKey));
    assert_eq!(classify(b"APIKEY"), Some(Class::ApiKey));
    assert_eq!(classify(b"password_value"), Some(Class::Password));
    for not in [
        &b"password_file"[..],
        b"PASSWORD_LENGTH",
        b"token_url",
        b"secretName",
        b"csrf_token",
        b"max_tokens",
        b"key",
        b"sort_key",
        b"is_password",
        b"authProvider",
        b"bypass",
        b"passenger",
    ] {
        assert_eq!(classify(not), None, "{}", String::from_utf8_lossy(not));
    }
}

#[test]
fn finds_literals_in_every_common_syntax() {
    let cases = [
        (".env", "DB_PASSWORD=oKOJrHw0mkVx\n", "oKOJrHw0mkVx"),
        (
            ".env.local",
            "INTERNAL_API_KEY=933d4014e2e0d23bacea76b27ed3f6f5",
            "933d4014e2e0d23bacea76b27ed3f6f5",
        ),
        (
            ".env",
            "export SESSION_SECRET='ppCOVopff9wIGHvxhlKaSX19'\n",
            "ppCOVopff9wIGHvxhlKaSX19",
        ),
        (
            "config.yml",
            "database:\n  password: Tr0ub4dor_3\n",
            "Tr0ub4dor_3",
        ),
        (
            "config.json",
            r#"{"client_secret": "q8Zr2KfLm0PxW7vB3nYt"}"#,
            "q8Zr2KfLm0PxW7vB3nYt",
        ),
        (
            "app.toml",
            "api_key = \"9f8e7d6c5b4a39281706f5e4\"\n",
            "9f8e7d6c5b4a39281706f5e4",
        ),
        ("db.ini", "[db]\npwd=s3cr3tPw!\n", "s3cr3tPw!"),
        (
            "application.properties",
            "spring.datasource.password=Wint3rIsHere\n",
            "Wint3rIsHere",
        ),
        ("web.xml", "<password>bl4ckCat9</password>", "bl4ckCat9"),
        (
            "pom.xml",
            "<server password=\"n0tTheDefault\"/>",
            "n0tTheDefault",
        ),
        (
            "settings.py",
            "DATABASE_PASSWORD = 'mellon-friend'\n",
            "mellon-friend",
        ),
        (
            "main.go",
            "password := \"gopher-4-life\"\n",
            "gopher-4-life",
        ),
        (
            "config.php",
            "'password' => 'Sup3rS3cret!',\n",
            "Sup3rS3cret!",
        ),
        (
            "app.js",
            "const config = { apiKey: \"AIzb8Hk2LmQ9xR4tV7wYz1\" };",
            "AIzb8Hk2LmQ9xR4tV7wYz1",
        ),
        (
            "lib.rs",
            "let token: &str = \"tK9mX2pL8vQ4wR7zB3nF\";",
            "tK9mX2pL8vQ4wR7zB3nF",
        ),
        (
            "deploy.sh",
            "curl --token 7Hs9dKq2LmV4xPz8 https://host\n",
            "7Hs9dKq2LmV4xPz8",
        ),
        (
            ".bash_history",
            "mysql -uroot -pC0rrectHorse db\n",
            "C0rrectHorse",
        ),
        (
            "Main.kt",
            "val password: String = \"kotl1nRocks\"\n",
            "kotl1nRocks",
        ),
        (
            "docker-compose.yml",
            "      - POSTGRES_PASSWORD=pg-Adm1n-2024\n",
            "pg-Adm1n-2024",
        ),
        (
            "deploy.yaml",
            "        - name: DB_PASSWORD\n          value: \"Kq8-vW2pZr\"\n",
            "Kq8-vW2pZr",
        ),
        (
            "task.json",
            r#"{"name": "API_TOKEN", "value": "7f3kQ9zL2mX8vB4nR6tY"}"#,
            "7f3kQ9zL2mX8vB4nR6tY",
        ),
        (
            "Web.config",
            r#"<add key="DbPassword" value="Wh1sper-Quiet" />"#,
            "Wh1sper-Quiet",
        ),
        (
            "db.rs",
            "PgConnectOptions::new().password(\"R0ckets-Away\")",
            "R0ckets-Away",
        ),
        (
            "Client.java",
            "client.setApiKey(\"9d8c7b6a5f4e3d2c1b0a9f8e\");",
            "9d8c7b6a5f4e3d2c1b0a9f8e",
        ),
        (
            "deploy.sh",
            "sshpass -p 'Harb0r-Lights' ssh deploy@web1\n",
            "Harb0r-Lights",
        ),
        (
            ".bash_history",
            "redis-cli -h cache -a Qz7wLp2x ping\n",
            "Qz7wLp2x",
        ),
        (
            "notes.md",
            "curl -u admin:J3nkins-Key https://ci/api\n",
            "J3nkins-Key",
        ),
        (".env", "DB_PASSWORD=%Gj8kL2q\n", "%Gj8kL2q"),
        ("ds.xml", "<password>-iP4xQ9wz</password>", "-iP4xQ9wz"),
    ];
    for (path, text, want) in cases {
        assert_eq!(values(path, text), [want], "{path}: {text}");
    }
}

#[test]
fn references_placeholders_and_expressions_are_not_literals() {
    for (path, text) in [
        (".env", "DB_PASSWORD=${DB_PASSWORD}\n"),
        (".env", "DB_PASSWORD=kw://db/password\n"),
        (".env", "DB_PASSWORD=\n"),
        (".env", "DB_PASSWORD=changeme\n"),
        (".env", "DB_PASSWORD=aaaaaaaa\n"),
        (".env", "TOKEN_TTL=3600\n"),
        (".env", "API_KEY=your_api_key_here\n"),
        ("config.yml", "password: <your password>\n"),
        ("config.yml", "password: \"***\"\n"),
        ("config.yml", "password: DB_PASSWORD\n"),
        ("app.js", "const password = process.env.DB_PASSWORD;"),
        ("app.js", "const password = getPassword();"),
        ("app.py", "password = os.getenv('DB_PASSWORD')\n"),
        ("app.py", "if password == 'hunter22':\n"),
        ("app.py", "password = input('Password: ')\n"),
        ("app.py", "token = f\"{prefix}-{rest}\"\n"),
        ("lib.rs", "let password = String::new();"),
        ("config.yml", "password_file: /run/secrets/db\n"),
        ("config.yml", "token: token.txt\n"),
        ("config.yml", "api_key: short\n"),
        ("config.yml", "secret: my-app-signing-secret\n"),
        ("config.yml", "PASSWORD_MIN_LENGTH: 12\n"),
        ("README.md", "Set the password: see below.\n"),
        (
            "README.md",
            "    let password = rpassword::prompt_password(\"Password: \").unwrap();\n",
        ),
        (
            "README.md",
            "let token: cpuid::InitToken = cpuid::init();\n",
        ),
        ("form.html", "<label for=\"password\">Password</label>"),
        (
            "app.yml",
            "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n",
        ),
        (
            "ci.yml",
            "GITHUB_TOKEN=ghp_LKDy0OwKWnXFD5iQOkFQsFVXabbjxo1a6WO8\n",
        ),
        (
            "App.js.map",
            r#"{"sourcesContent":["const c = { password: this.password }"]}"#,
        ),
        ("docs.md", "    password: hashedPassword,\n"),
        (
            "tokens.js",
            "lastSignificantToken = \"?NoLineTerminatorHere\";",
        ),
        (
            "deploy.yaml",
            "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db}\n",
        ),
        ("app.properties", "db.password=@db.password@\n"),
        ("run.bat", "set PASSWORD=%DB_PASSWORD%\n"),
        ("run.sh", "mysql -u root -p mydb\n"),
        (
            "build.js.map",
            r#"encryptionKey: ctx.encryptionKey!,\n for (const key in state) {\n const value = state.entries[key]\n"#,
        ),
        (
            "docker-compose.yml",
            "      ETCD_INITIAL_CLUSTER_TOKEN: etcd-client\n",
        ),
        (
            "tls12.rs",
            "let secret = b\"\\x9b\\xbe\\x43\\x6b\\xa9\\x40\\xf0\\x17\";",
        ),
        (
            "protocol.xml",
            "<entry name=\"password\" value=\"0xc0\" summary=\"hidden text\"/>",
        ),
        (
            "paginators.json",
            r#""output_token": "StreamDescription.Shards[-1].ShardId","#,
        ),
        (
            "sdk.min.js",
            r#"e(new Error("Error fetching MFA token: "+s),{code:t.errorCode}))"#,
        ),
    ] {
        assert!(
            values(path, text).is_empty(),
            "{path}: {text}: {:?}",
            values(path, text)
        );
    }
}

#[test]
fn fixtures_are_marked() {
    let found = find("tests/login.rs", b"let password = \"hunter-22\";");
    assert!(found[0].fixture);
    let found = find("src/lib.rs", b"let password = \"hunter-22\";\n#[cfg(test)]\nmod t { const P: &str = \"x\"; fn f() { let password = \"other-pw-9\"; } }");
    assert_eq!(found.len(), 2);
    assert!(!found[0].fixture);
    assert!(found[1].fixture);
    let found = find("src/lib.rs", b"//! let password = b\"hunter-42\";\n");
    assert!(found[0].fixture, "an example in a doc comment");
    assert!(is_fixture_path("pkg/auth/login_test.go"));
    assert!(is_fixture_path("apis/s3-2006-03-01.examples.json"));
    assert!(is_fixture_path("src/test_vectors.rs"));
    assert!(is_fixture_path("src/UserServiceTest.java"));
    assert!(!is_fixture_path("src/latest.json"));
    assert!(is_fixture_path("src/app.spec.ts"));
    assert!(!is_fixture_path("src/contest.py"));
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "password",
        "password=",
        "password=\"",
        "<password>",
        "--token",
        "=password",
        "\"password\":\"",
        "mysql -p",
    ] {
        let _ = find("x.env", text.as_bytes());
        let _ = find("x.rs", text.as_bytes());
    }
}
