//! The ClickHouse store against the index, on a real cluster: two `clickhouse-server`s on
//! loopback ports (Debian's, started by `scripts/clickhouse-cluster.sh` in the test's folder), a `Distributed` table
//! over them. The samples are ingested into the index, copied with `vigil store migrate`, and
//! every answer of search, check and report is compared with the index's on the same events.
//! Without clickhouse-server the test says it was skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{samples_copy, vigil_ok};

/// Two shards started by `scripts/clickhouse-cluster.sh` (the cluster the store matrix and the
/// benchmark use too), stopped when dropped.
struct Cluster {
    dir: PathBuf,
    http: Vec<u16>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(common::root().join("scripts/clickhouse-cluster.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

/// Starts two shards under `dir` (cluster `vigil_cluster`), or says the test is skipped and
/// gives `None` when clickhouse-server is not installed.
fn cluster(dir: &Path, test: &str) -> Option<Cluster> {
    if !Path::new("/usr/sbin/clickhouse-server").exists() {
        eprintln!("SKIPPED {test}: clickhouse-server is not installed (Debian: clickhouse-server)");
        return None;
    }
    let home = dir.join("cluster");
    let out = Command::new(common::root().join("scripts/clickhouse-cluster.sh"))
        .arg("start")
        .arg(&home)
        .arg("2000000000")
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scripts/clickhouse-cluster.sh start failed"
    );
    let http = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .split(',')
        .map(|u| u.rsplit(':').next().unwrap().parse().unwrap())
        .collect();
    Some(Cluster { dir: home, http })
}

fn stdout(dir: &Path, config: &str, args: &[&str]) -> String {
    let out = common::vigil(
        dir,
        &[&["--config", config, "--data", "data"], args].concat(),
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "vigil {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn search_check_and_report_answer_the_same_from_a_two_shard_clickhouse() {
    let dir = samples_copy("clickhouse");
    let Some(ch) = cluster(&dir, "clickhouse") else {
        return;
    };
    vigil_ok(&dir, &["ingest"]);
    with_store(&dir, &ch, "vigil_test");
    let out = vigil_ok(&dir, &["store", "migrate", "--to", "clickhouse"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("store migrate: 18500 events copied to ClickHouse (18500 in the index)"),
        "{err}"
    );
    // Ingest goes on in ClickHouse from where the index left the files: nothing new.
    let out = vigil_ok(&dir, &["ingest"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("total: 0 new lines, 0 new events"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each shard holds a part of the events, and together all of them once.
    let local = |port: u16| -> u64 {
        let out = Command::new("curl")
            .args([
                "-s",
                "--data-binary",
                "SELECT count() FROM vigil_test.events_local FINAL",
                &format!("http://127.0.0.1:{port}/"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    if Command::new("curl").arg("--version").output().is_ok() {
        let (a, b) = (local(ch.http[0]), local(ch.http[1]));
        assert!(a > 0 && b > 0 && a + b == 18_500, "{a} + {b}");
    }
    // The same answers from both stores.
    for query in [
        "*",
        "actor:zhangsan",
        "删除",
        "档案",
        "action:db.*",
        "src_ip:10.1.0.0/16",
        "src_ip:10.1.10.*",
        "\"password for root\"",
        "NOT outcome:success",
        "action:login.failure AND actor:root",
        "action:login.failure -actor:root",
        "Failed",
        "failed password",
        "CHG-2026-0012",
        "host:arch-?b01",
        "public.archive_item",
        "ts:[2026-11-03T00:00:00Z TO 2026-11-04T00:00:00Z}",
    ] {
        let index = stdout(&dir, "index.toml", &["search", query, "--count"]);
        let clickhouse = stdout(&dir, "vigil.toml", &["search", query, "--count"]);
        assert_eq!(clickhouse, index, "{query}");
    }
    assert_eq!(
        stdout(
            &dir,
            "vigil.toml",
            &["search", "*", "--count-by", "action", "--limit", "0"]
        ),
        stdout(
            &dir,
            "index.toml",
            &["search", "*", "--count-by", "action", "--limit", "0"]
        ),
    );
    let hits = |config: &str| {
        stdout(
            &dir,
            config,
            &[
                "search",
                "action:login.failure",
                "--format",
                "jsonl",
                "--limit",
                "0",
            ],
        )
    };
    let (a, b) = (hits("vigil.toml"), hits("index.toml"));
    assert_eq!(a.lines().count(), 113);
    // The same events, field for field (events of the same time may come in another order).
    let parse = |s: &str| -> Vec<serde_json::Value> {
        let mut v: Vec<serde_json::Value> = s
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        v.sort_by(|x, y| x["id"].as_str().cmp(&y["id"].as_str()));
        v
    };
    for (x, y) in parse(&a).iter().zip(parse(&b).iter()) {
        assert_eq!(x, y, "the events themselves");
    }
    // The month's findings and report, whole.
    let check = |config: &str| {
        stdout(
            &dir,
            config,
            &[
                "check",
                "--month",
                "2026-11",
                "--no-ingest",
                "--format",
                "json",
            ],
        )
    };
    let findings: serde_json::Value = serde_json::from_str(&check("vigil.toml")).unwrap();
    assert_eq!(findings["findings"].as_array().unwrap().len(), 473);
    assert_eq!(check("vigil.toml"), check("index.toml"));
    let report = |config: &str, name: &str| {
        stdout(
            &dir,
            config,
            &[
                "report",
                "--month",
                "2026-11",
                "--no-ingest",
                "--format",
                "json",
                "-o",
                name,
            ],
        );
        std::fs::read(dir.join(name)).unwrap()
    };
    assert_eq!(
        report("vigil.toml", "ch.json"),
        report("index.toml", "index.json")
    );
    // Migrated again from the start (its marks removed): the same events, none twice.
    std::fs::remove_file(dir.join("data/store-migrate.json")).unwrap();
    vigil_ok(&dir, &["store", "migrate", "--to", "clickhouse"]);
    assert_eq!(
        stdout(&dir, "vigil.toml", &["search", "*", "--count"]).trim(),
        "18500"
    );
    assert_eq!(check("vigil.toml"), check("index.toml"));
}

/// `[store]` of a site writing to `db` on `ch`.
fn with_store(dir: &Path, ch: &Cluster, db: &str) {
    let base = std::fs::read_to_string(dir.join("vigil.toml")).unwrap();
    std::fs::write(dir.join("index.toml"), &base).unwrap();
    std::fs::write(
        dir.join("vigil.toml"),
        format!(
            "{base}\n[store]\nkind = \"clickhouse\"\nurl = \"http://127.0.0.1:{a}\"\ndatabase = \"{db}\"\ncluster = \"vigil_cluster\"\nshards = [\"http://127.0.0.1:{a}\", \"http://127.0.0.1:{b}\"]\n",
            a = ch.http[0],
            b = ch.http[1]
        ),
    )
    .unwrap();
}

fn sql(port: u16, query: &str) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "--data-binary",
            query,
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn ingest_into_clickhouse_killed_ten_times_then_finished_holds_each_event_once() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("SKIPPED clickhouse ingest: curl is not installed");
        return;
    }
    let dir = samples_copy("clickhouse-ingest");
    let Some(ch) = cluster(&dir, "clickhouse ingest") else {
        return;
    };
    with_store(&dir, &ch, "vigil_crash");
    // Small inserts, so that the kills fall between and inside them.
    let config = std::fs::read_to_string(dir.join("vigil.toml")).unwrap();
    std::fs::write(dir.join("vigil.toml"), format!("{config}batch = 500\n")).unwrap();
    // Killed ten times at different points of its work.
    for n in 0..10u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(["--config", "vigil.toml", "--data", "data", "ingest"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300 + 250 * n));
        let _ = child.kill();
        let _ = child.wait();
    }
    let sent: u64 = sql(ch.http[0], "SELECT count() FROM vigil_crash.events")
        .parse()
        .unwrap();
    let out = vigil_ok(&dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    // As a clean ingest into the index counts them.
    let clean = samples_copy("clickhouse-clean");
    vigil_ok(&clean, &["ingest"]);
    let want = stdout(&clean, "vigil.toml", &["search", "*", "--count"]);
    assert_eq!(want.trim(), "18500");
    assert_eq!(
        stdout(&dir, "vigil.toml", &["search", "*", "--count"]),
        want,
        "{err}"
    );
    // Every id once, as read (FINAL) and once the shards have merged their parts.
    let distinct = sql(ch.http[0], "SELECT uniqExact(id) FROM vigil_crash.events");
    assert_eq!(distinct, "18500");
    for port in &ch.http {
        sql(*port, "OPTIMIZE TABLE vigil_crash.events_local FINAL");
    }
    let merged = sql(ch.http[0], "SELECT count() FROM vigil_crash.events");
    assert_eq!(merged, "18500", "rows sent before the last run: {sent}");
    eprintln!(
        "clickhouse ingest: {sent} rows were in ClickHouse after ten kills; 18500 after the last run and a merge"
    );
    // A finished ingest again adds nothing; the checks agree with the index's.
    let out = vigil_ok(&dir, &["ingest"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("total: 0 new lines"));
    let check = |d: &Path| {
        stdout(
            d,
            "vigil.toml",
            &[
                "check",
                "--month",
                "2026-11",
                "--no-ingest",
                "--format",
                "json",
            ],
        )
    };
    assert_eq!(check(&dir), check(&clean));
}
