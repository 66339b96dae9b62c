//! `vigil serve`, used as a reviewer uses it: in headless Chromium driven over WebDriver
//! (chromedriver), on the samples ingested; and as an attacker tries it, with plain HTTP requests
//! (no session, no CSRF token, wrong passwords). Without chromium and chromedriver the browser
//! part is skipped, and says so on stderr; the HTTP part runs always.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{count_in, samples_copy, vigil_in, vigil_ok};
use fantoccini::{ClientBuilder, Locator};

const ALICE: (&str, &str) = ("alice", "correct-horse-battery");
const BOB: (&str, &str) = ("bob", "reviewer-pass-2");

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `vigil user add NAME --role ROLE` with the password on stdin.
fn add_user(dir: &Path, name: &str, role: &str, password: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "--config",
            "vigil.toml",
            "--data",
            "data",
            "user",
            "add",
            name,
        ])
        .args(["--role", role])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("user {name}: added as {role}")
    );
}

/// The console on `port`, started in `dir`; returns once it listens.
fn start_console(dir: &Path, port: u16) -> Child {
    start_console_with(dir, &format!("127.0.0.1:{port}"), &[], "http")
}

/// The console on `listen` with more options, started in `dir`; returns once it says it
/// listens on `scheme`.
fn start_console_with(dir: &Path, listen: &str, more: &[&str], scheme: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["--config", "vigil.toml", "--data", "data", "serve"])
        .args(["--listen", listen])
        .args(more)
        .current_dir(dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert_eq!(
        line.trim(),
        format!("vigil serve: listening on {scheme}://{listen}/ (Ctrl-C stops)")
    );
    // Keep draining its stderr so that it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    child
}

/// One HTTP/1.1 request: the status, the headers (names lower case) and the body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value a `Set-Cookie` gives `name`.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .find_map(|(_, v)| v.strip_prefix(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
    }

    /// The value of the form's hidden `csrf` input.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").unwrap() + 19;
        self.body[at..at + 64].to_string()
    }
}

fn http(port: u16, method: &str, path: &str, cookie: &str, form: &str) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        form.len()
    );
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// A login over plain HTTP: the reply to the POST, and the cookie header it gives (the login
/// cookie plus the session's, when the login succeeded).
fn http_login(port: u16, user: &str, password: &str) -> (Reply, String) {
    let form = http(port, "GET", "/login", "", "");
    let login = form.cookie("vigil_login").unwrap();
    let cookie = format!("vigil_login={login}");
    let body = format!("csrf={}&user={user}&password={password}", form.csrf());
    let reply = http(port, "POST", "/login", &cookie, &body);
    let session = reply
        .cookie("vigil_session")
        .map(|s| format!("; vigil_session={s}"))
        .unwrap_or_default();
    (reply, format!("{cookie}{session}"))
}

/// The samples ingested, with a hostile log line beside them and two console users.
fn site(name: &str) -> PathBuf {
    let dir = samples_copy(name);
    vigil_ok(&dir, &["ingest"]);
    std::fs::write(
        dir.join("hostile.log"),
        "Nov 20 10:00:00 arch-app01 app[77]: note <script>window.pwned=1</script> and \"><img src=x onerror=\"window.pwned=2\"> end\n",
    )
    .unwrap();
    vigil_ok(
        &dir,
        &[
            "ingest",
            "--format",
            "syslog",
            "--source",
            "hostile",
            "--zone",
            "Asia/Shanghai",
            "hostile.log",
        ],
    );
    add_user(&dir, ALICE.0, "admin", ALICE.1);
    add_user(&dir, BOB.0, "reviewer", BOB.1);
    dir
}

#[test]
fn users_are_kept_owner_only_with_hashed_passwords() {
    let dir = samples_copy("console-users");
    add_user(&dir, ALICE.0, "admin", ALICE.1);
    let path = dir.join("data/console/users.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(dir.join("data/console"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(ALICE.1), "the password itself is stored");
    assert!(text.contains("$argon2id$"), "{text}");
    let out = vigil_in(&dir, &["user", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "alice\tadmin\n");
    // A short password is refused, naming the rule; nothing is added.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "--config",
            "vigil.toml",
            "--data",
            "data",
            "user",
            "add",
            "carol",
        ])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "short").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "vigil: the password is too short: use at least 8 characters"
    );
    let out = vigil_in(&dir, &["user", "remove", "alice"]);
    assert_eq!(out.status.code(), Some(0));
    let out = vigil_in(&dir, &["user", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    // Without users the console does not start, and says what to do.
    let out = vigil_in(&dir, &["serve", "--listen", "127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no console users yet: add one with `vigil user add NAME --role admin`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nor on an address other machines reach, without TLS.
    let out = vigil_in(&dir, &["serve", "--listen", "0.0.0.0:8440"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
}

#[test]
fn the_console_refuses_strangers_forged_forms_and_guessed_passwords() {
    let dir = site("console-http");
    let port = free_port();
    let mut server = start_console(&dir, port);

    // No page without a login: every page redirects to it, every form post is refused.
    for path in [
        "/",
        "/search?q=actor:dba_wang",
        "/event/a24f68d15781eb41000000003d88",
        "/findings",
        "/backups",
        "/report",
        "/users",
        "/no-such-page",
    ] {
        let r = http(port, "GET", path, "", "");
        assert_eq!(r.status, 303, "GET {path}");
        assert_eq!(r.header("location"), Some("/login"), "GET {path}");
        assert!(!r.body.contains("dba_wang"), "GET {path}: {}", r.body);
    }
    for path in ["/logout", "/findings/triage", "/users", "/users/remove"] {
        let r = http(
            port,
            "POST",
            path,
            "",
            "csrf=x&key=k&status=acknowledged&note=n",
        );
        assert!(
            matches!(r.status, 303 | 401 | 403),
            "POST {path}: {}",
            r.status
        );
        assert_ne!(r.status, 200, "POST {path}");
    }
    let r = http(port, "GET", "/assets/vigil.css", "", "");
    assert_eq!(r.status, 200, "the style sheet is public");

    // Every page carries a strict policy: no script at all, nothing from elsewhere.
    let r = http(port, "GET", "/login", "", "");
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"));

    // A login form posted without its token (from another site) is refused before the password
    // is looked at.
    let r = http(
        port,
        "POST",
        "/login",
        "",
        &format!("user={}&password={}", BOB.0, BOB.1),
    );
    assert_eq!(r.status, 403);
    assert!(r.cookie("vigil_session").is_none());

    // A logged-in reviewer's form without the session's token is refused too.
    let (r, cookie) = http_login(port, BOB.0, BOB.1);
    assert_eq!(r.status, 303, "{}", r.body);
    let session = r.cookie("vigil_session").unwrap();
    let set = r
        .headers
        .iter()
        .find(|(n, v)| n == "set-cookie" && v.starts_with("vigil_session="))
        .unwrap();
    assert!(
        set.1.contains("HttpOnly") && set.1.contains("SameSite=Strict"),
        "{}",
        set.1
    );
    assert_eq!(session.len(), 64);
    let r = http(port, "GET", "/search?q=actor:dba_wang", &cookie, "");
    assert_eq!(r.status, 200);
    let r = http(
        port,
        "POST",
        "/findings/triage",
        &cookie,
        "key=591c86ba13571eaa&status=false_positive&note=forged",
    );
    assert_eq!(r.status, 403);
    assert!(!dir.join("data/console/triage.jsonl").exists());
    // A reviewer does not manage users, even with the token.
    let page = http(port, "GET", "/search", &cookie, "");
    let r = http(
        port,
        "POST",
        "/users",
        &cookie,
        &format!(
            "csrf={}&name=mallory&role=admin&password=longenough1",
            page.csrf()
        ),
    );
    assert_eq!(r.status, 403);
    let out = vigil_in(&dir, &["user", "list"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "alice\tadmin\nbob\treviewer\n"
    );

    // Five wrong passwords, then even the right one waits.
    for n in 1..=5 {
        let (r, _) = http_login(port, ALICE.0, "wrong-password");
        assert_eq!(r.status, 401, "attempt {n}");
        assert!(r.body.contains("wrong user name or password"));
    }
    let (r, _) = http_login(port, ALICE.0, ALICE.1);
    assert_eq!(r.status, 429);
    assert!(
        r.body
            .contains("too many failed logins: try again in 15 minutes"),
        "{}",
        r.body
    );
    assert!(r.cookie("vigil_session").is_none());
    // Another user on the same machine is not locked out by alice's failures.
    let (r, _) = http_login(port, BOB.0, BOB.1);
    assert_eq!(r.status, 303);

    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    // The console's own audit log is a source like any other: the next ingest indexes it.
    vigil_ok(&dir, &["ingest"]);
    assert_eq!(
        count_in(
            &dir,
            "source:vigil AND action:login.failure AND actor:alice"
        ),
        6
    );
    assert_eq!(
        count_in(&dir, "source:vigil AND action:login.success AND actor:bob"),
        2
    );
    assert_eq!(
        count_in(&dir, "source:vigil AND action:console.search AND actor:bob"),
        1
    );
    assert_eq!(count_in(&dir, "source:vigil AND outcome:failure"), 6);
}

/// The cells of the table row whose `data-job` is `job`, as text.
fn job_row(html: &str, job: &str) -> Vec<String> {
    let at = html.find(&format!("data-job=\"{job}\"")).unwrap();
    let row = &html[at..html[at..].find("</tr>").unwrap() + at];
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let inner = &cell[cell.find('>').unwrap() + 1..];
            let mut text = String::new();
            let mut tag = false;
            for c in inner.chars() {
                match c {
                    '<' => tag = true,
                    '>' => tag = false,
                    c if !tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

/// The backups page judges each job's runs of a month as `vigil backups verify` does (its JSON
/// is the oracle), and shows the newest verdict that the nightly verification recorded.
#[test]
fn the_backups_page_judges_runs_as_backups_verify_does() {
    let dir = site("console-backups");
    let port = free_port();
    let mut server = start_console(&dir, port);
    let (_, cookie) = http_login(port, BOB.0, BOB.1);
    let before = http(port, "GET", "/backups?month=2026-11", &cookie, "");
    assert_eq!(before.status, 200);
    assert_eq!(
        job_row(&before.body, "archive-db")[8],
        "none recorded",
        "no nightly verification has run yet"
    );
    let out = vigil_in(
        &dir,
        &[
            "backups",
            "verify",
            "--month",
            "2026-11",
            "--format",
            "json",
            "--no-ingest",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let after = http(port, "GET", "/backups?month=2026-11", &cookie, "");
    let jobs = doc["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 5);
    let mut failed = 0;
    for j in jobs {
        let name = j["job"].as_str().unwrap();
        let runs = j["runs"].as_array().unwrap();
        let n = |st: &str| {
            runs.iter()
                .filter(|r| r["status"] == st)
                .count()
                .to_string()
        };
        let row = job_row(&after.body, name);
        assert_eq!(
            row[2..8],
            [
                runs.len().to_string(),
                n("ok"),
                n("late"),
                n("failed"),
                n("missing"),
                n("pending")
            ],
            "{name}: {row:?}"
        );
        failed += runs.iter().filter(|r| r["status"] == "failed").count();
        let verdict = if j["ok"] == true { "OK" } else { "PROBLEMS" };
        assert!(
            row[8].contains(&format!(" {verdict}: {name}")),
            "{name}: {}",
            row[8]
        );
        // Each failed run's first error line is on the page, escaped, with its evidence.
        for r in runs.iter().filter(|r| r["status"] == "failed") {
            let line = r["error"].as_str().unwrap().lines().next().unwrap();
            let escaped = line.replace('&', "&amp;").replace('"', "&quot;");
            assert!(after.body.contains(&escaped), "{name}: {line}");
            for id in r["evidence"].as_array().unwrap() {
                assert!(
                    after
                        .body
                        .contains(&format!("href=\"/event/{}\"", id.as_str().unwrap()))
                );
            }
        }
    }
    assert_eq!(failed, 4, "the samples' four failed runs");
    let _ = server.kill();
    let _ = server.wait();
}

/// Over TLS, tried with curl as the client and openssl making the certificate: the console
/// listens on any address, its cookies are `Secure`, browsers are told to keep to HTTPS, and
/// plain HTTP on its port gets no page. Bad certificate files are named.
#[test]
fn over_tls_the_console_listens_anywhere_with_secure_cookies() {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if !have("curl") || Command::new("openssl").arg("version").output().is_err() {
        eprintln!(
            "SKIPPED: the console's TLS test needs curl and openssl (Debian: apt-get install curl openssl)"
        );
        return;
    }
    let dir = site("console-tls");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // Files that are not what they should be are named, with what was expected.
    for (cert, key, want) in [
        (
            "missing.pem",
            "key.pem",
            "vigil: --tls-cert missing.pem: cannot read a PEM certificate",
        ),
        (
            "key.pem",
            "key.pem",
            "vigil: --tls-cert key.pem: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
        ),
        (
            "cert.pem",
            "cert.pem",
            "vigil: --tls-key cert.pem: no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----)",
        ),
    ] {
        let out = vigil_in(
            &dir,
            &[
                "serve",
                "--listen",
                "127.0.0.1:1",
                "--tls-cert",
                cert,
                "--tls-key",
                key,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{cert} {key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(want), "{err}");
    }

    // Any address, with TLS: here all of this machine's, reached on loopback.
    let port = free_port();
    let mut server = start_console_with(
        &dir,
        &format!("0.0.0.0:{port}"),
        &["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
        "https",
    );
    let base = format!("https://127.0.0.1:{port}");
    let curl = |args: &[&str]| -> String {
        let out = Command::new("curl")
            .args(["-s", "-S", "--cacert", "cert.pem", "-D", "-"])
            .args(["-b", "jar", "-c", "jar"])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "curl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let form = curl(&[&format!("{base}/login")]);
    assert!(form.starts_with("HTTP/1.1 200"), "{form}");
    assert!(
        form.contains("strict-transport-security: max-age=31536000"),
        "{form}"
    );
    let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &form[at..at + 64];
    let login = curl(&[
        "--data",
        &format!("csrf={csrf}&user={}&password={}", ALICE.0, ALICE.1),
        &format!("{base}/login"),
    ]);
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let session = login
        .lines()
        .find(|l| l.starts_with("set-cookie: vigil_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && session.ends_with("Secure"),
        "{session}"
    );
    let page = curl(&[&format!("{base}/search?q=actor%3Adba_wang")]);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<b id=\"hits-total\">450</b>"), "{page}");
    // Plain HTTP on the TLS port is no way in.
    let plain = Command::new("curl")
        .args(["-s", "-m", "5", &format!("http://127.0.0.1:{port}/login")])
        .output()
        .unwrap();
    assert!(!plain.status.success());
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("csrf"));

    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());
}

/// chromedriver and chromium, when both are installed.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| names.iter().map(PathBuf::from).find(|p| p.is_file());
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])?;
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"])?;
    Some((driver, chromium))
}

/// Starts chromedriver on a free port and waits until it answers.
fn start_driver(driver: &Path) -> (Child, u16) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// Waits (up to 15 s) until the browser's address satisfies `done`: a click that submits a form
/// or follows a link returns before the next page has loaded.
async fn wait_for(c: &fantoccini::Client, what: &str, done: impl Fn(&url::Url) -> bool) {
    let started = Instant::now();
    loop {
        let now = c.current_url().await.unwrap();
        if done(&now) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the browser did not get to {what}: it is at {now}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("console-{name}.png"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_searches_opens_an_event_and_triages_a_finding_in_chromium() {
    let Some((driver, chromium)) = browser() else {
        eprintln!(
            "SKIPPED: the browser test of the console needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let dir = site("console-browser");
    let port = free_port();
    let mut server = start_console(&dir, port);
    let (mut chromedriver, driver_port) = start_driver(&driver);
    let profile = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session in chromium");
    let base = format!("http://127.0.0.1:{port}");
    let text = |sel: &'static str| {
        let c = c.clone();
        async move {
            c.find(Locator::Css(sel))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };

    // Any page asks for a login first.
    c.goto(&format!("{base}/findings")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    c.find(Locator::Id("user"))
        .await
        .unwrap()
        .send_keys(ALICE.0)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(ALICE.1)
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "/search", |u| u.path() == "/search").await;
    assert_eq!(text("#who").await, "alice (admin)");

    // Search: the exact count the CLI gives, a histogram whose bars add up to it, facets.
    let q = c.find(Locator::Id("q")).await.unwrap();
    q.send_keys("actor:dba_wang").await.unwrap();
    c.find(Locator::Id("go"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "the search", |u| {
        u.query().is_some_and(|q| q.contains("dba_wang"))
    })
    .await;
    let total = count_in(&dir, "actor:dba_wang");
    assert_eq!(total, 450);
    assert_eq!(text("#hits-total").await, total.to_string());
    let bars: i64 = c
        .execute(
            "return [...document.querySelectorAll('#histogram rect.bar')].reduce((s, r) => s + Number(r.dataset.count), 0)",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(bars, 450);
    let rows = c.find_all(Locator::Css("#hits tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 50, "one page of hits");
    assert!(
        text("#count").await.contains("1–50"),
        "{}",
        text("#count").await
    );
    std::fs::write(screenshot_path("search"), c.screenshot().await.unwrap()).unwrap();

    // A click on a facet value adds it to the query.
    let facet = c
        .find(Locator::Css(
            "a.facet[data-field='host'][data-value='arch-db01']",
        ))
        .await
        .unwrap();
    facet.click().await.unwrap();
    wait_for(&c, "the narrowed search", |u| {
        u.query().is_some_and(|q| q.contains("arch-db01"))
    })
    .await;
    let narrowed = count_in(&dir, "actor:dba_wang AND host:arch-db01");
    assert!(narrowed > 0 && narrowed < total, "{narrowed}");
    assert_eq!(text("#hits-total").await, narrowed.to_string());
    let q = c
        .find(Locator::Id("q"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        q.as_deref(),
        Some("(actor:dba_wang) AND host:\"arch-db01\"")
    );

    // The event page: fields, raw line, the lines around it, the chain, the same actor.
    c.find(Locator::Css("#hits tbody tr:first-child a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "an event page", |u| u.path().starts_with("/event/")).await;
    let id = c
        .current_url()
        .await
        .unwrap()
        .path()
        .trim_start_matches("/event/")
        .to_string();
    let shown = vigil_in(&dir, &["show", &id, "--format", "json"]);
    let event: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(text("#raw").await, event["raw"].as_str().unwrap());
    let context = text("#context").await;
    assert!(
        context.contains(event["raw"].as_str().unwrap()),
        "{context}"
    );
    let chain = text("#chain").await;
    assert!(
        (chain.contains("check out") || chain.contains("match the last index commit"))
            && !chain.contains("DOES NOT"),
        "{chain}"
    );
    assert!(text("#same-actor").await.contains("events of dba_wang"));

    // Findings of the sample month: triage one as a false positive with a note.
    c.goto(&format!("{base}/findings?month=2026-11&rule=data_export.*"))
        .await
        .unwrap();
    let row = c.find(Locator::Css("tr.finding")).await.unwrap();
    let key = row.attr("data-key").await.unwrap().unwrap();
    std::fs::write(screenshot_path("findings"), c.screenshot().await.unwrap()).unwrap();
    let form = row.find(Locator::Css("form.triage")).await.unwrap();
    form.find(Locator::Css("select[name=status]"))
        .await
        .unwrap()
        .select_by_value("false_positive")
        .await
        .unwrap();
    form.find(Locator::Css("input[name=note]"))
        .await
        .unwrap()
        .send_keys("a rehearsal export, approved by phone; ticket to follow")
        .await
        .unwrap();
    form.find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let anchor = format!("f-{key}");
    wait_for(&c, "the triaged finding", |u| {
        u.fragment() == Some(anchor.as_str())
    })
    .await;
    let row = c.find(Locator::Id(&anchor)).await.unwrap();
    let triaged = row.text().await.unwrap();
    assert!(triaged.contains("false positive"), "{triaged}");
    assert!(triaged.contains("alice"), "{triaged}");
    // Stored append-only, and in check's JSON.
    let log = std::fs::read_to_string(dir.join("data/console/triage.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1);
    let entry: serde_json::Value = serde_json::from_str(log.trim()).unwrap();
    assert_eq!(entry["key"], key.as_str());
    assert_eq!(entry["by"], "alice");
    assert_eq!(entry["status"], "false_positive");
    let out = vigil_in(
        &dir,
        &[
            "check",
            "--month",
            "2026-11",
            "--format",
            "json",
            "--no-ingest",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key.as_str())
        .unwrap();
    assert_eq!(f["triage"][0]["status"], "false_positive");
    assert_eq!(
        f["triage"][0]["note"],
        "a rehearsal export, approved by phone; ticket to follow"
    );

    // The backups page, photographed.
    c.goto(&format!("{base}/backups?month=2026-11"))
        .await
        .unwrap();
    assert_eq!(
        c.find_all(Locator::Css("#jobs tbody tr"))
            .await
            .unwrap()
            .len(),
        5
    );
    std::fs::write(screenshot_path("backups"), c.screenshot().await.unwrap()).unwrap();

    // Log text is text: the hostile line shows its markup and runs none of it.
    c.goto(&format!("{base}/search?q=source%3Ahostile"))
        .await
        .unwrap();
    assert_eq!(text("#hits-total").await, "1");
    let dom = c
        .execute(
            "return [document.querySelectorAll('#hits img, #hits script').length, typeof window.pwned, document.querySelector('#hits td.msg').textContent]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(dom[0], 0, "no element made from log text");
    assert_eq!(dom[1], "undefined", "no script from log text ran");
    assert_eq!(
        dom[2],
        "note <script>window.pwned=1</script> and \"><img src=x onerror=\"window.pwned=2\"> end"
    );

    // A bad query says what is wrong on the page.
    c.goto(&format!("{base}/search?q=actor%3A%28dba"))
        .await
        .unwrap();
    assert!(!text("#error").await.is_empty());

    // Log out: the session is gone.
    c.goto(&format!("{base}/search")).await.unwrap();
    c.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "/login", |u| u.path() == "/login").await;
    c.goto(&format!("{base}/search?q=actor:dba_wang"))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/login");

    c.close().await.unwrap();
    let _ = chromedriver.kill();
    let _ = chromedriver.wait();
    let _ = server.kill();
    let _ = server.wait();
    eprintln!(
        "console screenshots: {}, {} and {}",
        screenshot_path("search").display(),
        screenshot_path("findings").display(),
        screenshot_path("backups").display()
    );
}
