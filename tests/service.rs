//! vigil as a service: `watch` runs all the time as the one writer while the nightly verification,
//! the checks, the report and reviewers' searches run beside it, and a source vigil cannot read
//! does not stop the others.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    count_in as count, samples_copy, start_watch_in, stop_watch, vigil_in, wait_for_count,
};

/// Each indexed raw line of `query`'s events, with its ids.
fn raw_lines(dir: &Path, query: &str) -> BTreeMap<String, Vec<String>> {
    let out = vigil_in(
        dir,
        &["search", query, "--format", "jsonl", "--limit", "1000000"],
    );
    assert!(out.status.success());
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let e: serde_json::Value = serde_json::from_str(l).unwrap();
        map.entry(e["raw"].as_str().unwrap().to_string())
            .or_default()
            .push(e["id"].as_str().unwrap().to_string());
    }
    map
}

/// `total: L new lines, E new events` of an ingest summary: E.
fn new_events(summary: &str) -> usize {
    let total = summary
        .lines()
        .find(|l| l.starts_with("total: "))
        .unwrap_or_else(|| panic!("no total in {summary}"));
    let words: Vec<&str> = total.split(' ').collect();
    words[4].parse().unwrap()
}

/// How the service tests' watch paces itself.
const WATCH: &[&str] = &[
    "--commit-every",
    "200ms",
    "--poll-every",
    "100ms",
    "--quiet",
    "1s",
];

fn login(i: usize) -> String {
    format!(
        "Dec  1 10:{:02}:{:02} web9 sshd[{}]: Accepted password for user{i} from 10.9.{}.{} port {} ssh2",
        (i / 60) % 60,
        i % 60,
        1000 + i,
        i / 250,
        i % 250,
        20000 + i
    )
}

#[test]
fn watch_runs_while_verify_check_report_and_searches_run_beside_it() {
    // What the sample month alone gives, ingested once by itself.
    let alone = samples_copy("service-alone");
    let out = vigil_in(&alone, &["ingest"]);
    assert_eq!(out.status.code(), Some(0));
    let sample_events = new_events(&String::from_utf8_lossy(&out.stderr));
    assert!(sample_events > 18_000, "{sample_events}");

    // The samples, and a live log being written and rotated.
    let dir = samples_copy("service");
    let live = dir.join("live");
    fs::create_dir(&live).unwrap();
    let mut cfg = fs::OpenOptions::new()
        .append(true)
        .open(dir.join("vigil.toml"))
        .unwrap();
    writeln!(
        cfg,
        "\n[[sources]]\nname = \"live\"\npaths = [\"live/app.log*\"]\nformat = \"syslog\"\nhost = \"web9\"\nrole = \"login\""
    )
    .unwrap();
    drop(cfg);
    let mut watch = start_watch_in(&dir, WATCH);
    // The service is up: it has committed the sample month.
    wait_for_count(&dir, "*", sample_events);

    const LINES: usize = 1500;
    let writer = {
        let live = live.clone();
        std::thread::spawn(move || {
            let log = live.join("app.log");
            let mut f = fs::File::create(&log).unwrap();
            for i in 0..LINES {
                if i == LINES / 2 {
                    // Rotation by rename, as logrotate's create mode does.
                    drop(f);
                    fs::rename(&log, live.join("app.log.1")).unwrap();
                    f = fs::File::create(&log).unwrap();
                }
                writeln!(f, "{}", login(i)).unwrap();
                std::thread::sleep(Duration::from_millis(3));
            }
        })
    };

    let mut alive = |what: &str| {
        if let Some(status) = watch.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut watch.stderr.take().unwrap(), &mut err).unwrap();
            panic!("watch stopped ({status}) before {what}: {err}");
        }
    };
    let locked = |what: &str, err: &str| {
        assert!(!err.contains("locked"), "{what}: {err}");
    };
    // The nightly verification: judged and its verdicts indexed through the running writer.
    let out = vigil_in(&dir, &["backups", "verify", "--month", "2026-11"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    locked("backups verify", &err);
    // The samples' month has failed runs: exit 1, not 2.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("were not indexed"), "{err}");
    assert!(!err.contains("wait in"), "{err}");
    alive("check");
    let out = vigil_in(&dir, &["check", "--month", "2026-11"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    alive("after check");
    locked("check", &err);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("check: the running `vigil watch` committed what its sources hold"),
        "{err}"
    );
    assert!(err.contains(": 28 high, 18 medium, 427 low;"), "{err}");
    let out = vigil_in(&dir, &["report", "--month", "2026-11", "--lang", "en"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    locked("report", &err);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for i in 0..20 {
        let query = if i % 2 == 0 {
            "action:login.failure"
        } else {
            "source:live"
        };
        let out = vigil_in(&dir, &["search", query, "--count"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "search {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = vigil_in(&dir, &["archive", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.join().unwrap();

    // Everything written is searchable soon after.
    wait_for_count(&dir, "source:live", LINES);
    let (code, err) = stop_watch(watch);
    assert_eq!(code, Some(0), "{err}");

    // Every line exactly once, the samples' events once, and one verdict per backup job.
    let got = raw_lines(&dir, "source:live");
    let written: Vec<String> = (0..LINES).map(login).collect();
    let missing: Vec<&String> = written.iter().filter(|l| !got.contains_key(*l)).collect();
    assert!(
        missing.is_empty(),
        "never indexed: {:?}",
        &missing[..3.min(missing.len())]
    );
    let twice: Vec<_> = got.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(twice.is_empty(), "indexed twice: {twice:?}");
    assert_eq!(got.len(), LINES);
    assert_eq!(count(&dir, "source:vigil-backups"), 5);
    assert_eq!(count(&dir, "*"), sample_events + LINES + 5);
    // The spool is empty: everything sent was taken in.
    assert_eq!(fs::read_dir(dir.join("data/spool")).unwrap().count(), 0);

    // The report's verification column is filled from the verdicts.
    let out = vigil_in(
        &dir,
        &[
            "report",
            "--month",
            "2026-11",
            "--lang",
            "en",
            "--no-ingest",
        ],
    );
    let md = String::from_utf8(out.stdout).unwrap();
    for row in [
        "| archive-db | 30 | 28 | 0 | 1 | 1 | 0 | 0 / 1 |",
        "| archive-files | 30 | 30 | 0 | 0 | 0 | 0 | 1 / 0 |",
        "| archive-conf | 5 | 5 | 0 | 0 | 0 | 0 | 1 / 0 |",
        "| borg-db | 30 | 29 | 0 | 1 | 0 | 0 | 0 / 1 |",
        "| restic-files | 60 | 58 | 0 | 2 | 0 | 0 | 0 / 1 |",
    ] {
        assert!(md.contains(row), "no {row:?} in the report:\n{md}");
    }
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&alone);
}

#[test]
fn verdicts_sent_without_a_writer_are_committed_by_the_sender() {
    let dir = samples_copy("service-nowriter");
    let out = vigil_in(&dir, &["backups", "verify", "--month", "2026-11"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count(&dir, "source:vigil-backups"), 5);
    // Verifying the same window again replaces its verdicts.
    let out = vigil_in(
        &dir,
        &["backups", "verify", "--month", "2026-11", "--no-ingest"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count(&dir, "source:vigil-backups"), 5);
    assert_eq!(fs::read_dir(dir.join("data/spool")).unwrap().count(), 0);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_source_that_cannot_be_read_does_not_stop_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let auth: Vec<String> = (0..5).map(login).collect();
    fs::write(dir.join("auth.log"), auth.join("\n") + "\n").unwrap();
    let web: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "<38>1 2026-12-01T10:00:0{i}+08:00 web8 sshd 77{i} - - Failed password for root from 203.0.113.{i} port 4000{i} ssh2"
            )
        })
        .collect();
    fs::write(dir.join("web.log"), web.join("\n") + "\n").unwrap();
    // What Debian's /var/log holds beside the logs vigil reads: dpkg's log, and apt's folder.
    fs::write(
        dir.join("dpkg.log"),
        "2026-12-01 06:25:01 startup archives unpack\n2026-12-01 06:25:02 install libfoo:amd64 <none> 1.2-1\n2026-12-01 06:25:02 status half-installed libfoo:amd64 1.2-1\n",
    )
    .unwrap();
    fs::create_dir(dir.join("apt")).unwrap();
    fs::write(
        dir.join("vigil.toml"),
        r#"data_dir = "data"
display_zone = "UTC"

[[sources]]
name = "auth"
paths = ["auth.log"]
format = "syslog"
host = "web9"
role = "login"

[[sources]]
name = "web"
paths = ["web.log"]
format = "syslog"
role = "login"

[[sources]]
name = "system"
paths = ["dpkg.log", "apt"]
format = "auto"
role = "operation"
"#,
    )
    .unwrap();
    let out = vigil_in(dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    let dpkg = dir.join("dpkg.log");
    let apt = dir.join("apt");
    assert!(
        err.contains(&format!(
            "vigil: system: {}: not read: cannot tell the format from the first lines",
            dpkg.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "vigil: system: {}: not read: a directory, not a log file",
            apt.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("auth: 1 files, 5 new lines, 5 new events, 0 dead-lettered"),
        "{err}"
    );
    assert!(
        err.contains("web: 1 files, 3 new lines, 3 new events, 0 dead-lettered"),
        "{err}"
    );
    assert!(err.contains("system: 0 files, 0 new lines"), "{err}");
    assert!(
        err.contains("problems: 2 files not read (named above); the rest is indexed"),
        "{err}"
    );
    assert_eq!(count(dir, "source:auth AND action:login.success"), 5);
    assert_eq!(count(dir, "source:web AND action:login.failure"), 3);
    assert_eq!(count(dir, "*"), 8);
    // Run again: nothing new, the same two problems, the same exit.
    let out = vigil_in(dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("total: 0 new lines, 0 new events"), "{err}");
    assert_eq!(count(dir, "*"), 8);
}

/// `GET path` on `addr`: the response, head and body.
fn http_get(addr: &str, path: &str) -> String {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn watch_serves_its_counters_on_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("logs")).unwrap();
    fs::write(
        dir.join("vigil.toml"),
        "data_dir = \"data\"\ndisplay_zone = \"UTC\"\n\n[[sources]]\nname = \"live\"\npaths = [\"logs/app.log\"]\nformat = \"syslog\"\nhost = \"web9\"\nrole = \"login\"\n",
    )
    .unwrap();
    let lines: Vec<String> = (0..40).map(login).collect();
    fs::write(
        dir.join("logs/app.log"),
        lines.join("\n") + "\nnot a syslog line\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let watch = start_watch_in(
        dir,
        &[
            "--commit-every",
            "100ms",
            "--poll-every",
            "100ms",
            "--metrics",
            &addr,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got = String::new();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        if std::net::TcpStream::connect(&addr).is_err() {
            continue;
        }
        got = http_get(&addr, "/metrics");
        if got.contains("vigil_watch_commits_total 1")
            || got.contains("vigil_watch_events_total 41")
        {
            break;
        }
    }
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    for line in [
        "\nvigil_watch_lines_total 41\n",
        "\nvigil_watch_events_total 40\n",
        "\nvigil_watch_dead_letters_total 1\n",
        "\nvigil_watch_source_lines_total{source=\"live\"} 41\n",
    ] {
        assert!(got.contains(line), "no {line:?} in {got}");
    }
    assert!(got.contains("\nvigil_watch_source_last_event_timestamp_seconds{source=\"live\"} "));
    assert!(http_get(&addr, "/").starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert_eq!(stop_watch(watch).0, Some(0));
}

#[test]
fn a_watch_started_while_an_ingest_writes_waits_for_it() {
    let dir = samples_copy("service-wait");
    let ingest = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["--config", "vigil.toml", "--data", "data", "ingest"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The ingest holds the index (it has made it) when the watch starts.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("data/index/meta.json").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut watch = start_watch_in(&dir, WATCH);
    let out = ingest.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let events = new_events(&String::from_utf8_lossy(&out.stderr));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(watch.try_wait().unwrap().is_none(), "the watch gave up");
    let (code, err) = stop_watch(watch);
    assert_eq!(code, Some(0), "{err}");
    // The watch found everything read: nothing new, nothing twice.
    assert!(err.contains("watch: stopped: 0 lines, 0 events"), "{err}");
    assert_eq!(count(&dir, "*"), events);
    let _ = fs::remove_dir_all(&dir);
}
