//! Lines without a time, or without a year, are dated from what the logs say (their run, the
//! line before, a date in the file's name, the source's `reference_time`), never from when the
//! files happened to be copied: the same logs give the same findings whatever their mtimes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{copy_dir, root, vigil_in};

fn set_mtime(path: &Path, unix: u64) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(unix))
        .unwrap();
}

fn set_all_mtimes(dir: &Path, unix: u64) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            set_all_mtimes(&e.path(), unix);
        } else {
            set_mtime(&e.path(), unix);
        }
    }
}

fn site(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-timeless-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    dir
}

/// 2027-06-15T00:00:00Z: long after the runs, as when logs are copied to a reviewer's machine.
const COPIED: u64 = 1_813_017_600;

const RESTIC_OK_0300: &str = r#"{"message_type":"status","seconds_elapsed":19,"percent_done":0.5,"total_files":10}
{"message_type":"error","error":{"message":"open /srv/archive/scans/a.tif: permission denied"},"during":"archival","item":"/srv/archive/scans/a.tif"}
{"message_type":"summary","total_files_processed":10,"total_bytes_processed":1000,"total_duration":40.0,"backup_start":"2026-11-13T03:00:05+08:00","backup_end":"2026-11-13T03:00:45+08:00","snapshot_id":"ab06247c"}
"#;

const RESTIC_FATAL: &str = r#"{"message_type":"exit_error","code":1,"message":"Fatal: unable to open config file: Stat: stat /backup/restic/config: no such file or directory\nIs there a repository at the following location?\n/backup/restic"}
"#;

#[test]
fn restic_and_borg_failures_without_times_are_dated_from_their_run() {
    let dir = site("runs");
    // restic: the 01:15 run of 11-13 gave up at once (no time anywhere in it: the file's name
    // says the day); the 03:00 run logged an error with no time, then its summary.
    std::fs::write(
        dir.join("logs/arch-web01-2026-11-13-0115.json"),
        RESTIC_FATAL,
    )
    .unwrap();
    std::fs::write(
        dir.join("logs/arch-web01-2026-11-13-0300.json"),
        RESTIC_OK_0300,
    )
    .unwrap();
    // borg: the lock timeout is relayed without a time, after a line that has one (its log
    // begins on the 14th: the 13th's run is before vigil holds any of it, and is not judged).
    std::fs::write(
        dir.join("logs/borg.jsonl"),
        r#"{"type": "log_message", "time": 1794591000.5, "levelname": "INFO", "name": "borg.archiver", "message": "Creating archive at /backup/borg::arch-db01-2026-11-14"}
{"type": "log_message", "levelname": "ERROR", "name": "borg.locking", "msgid": "LockTimeout", "message": "Failed to create/acquire the lock /backup/borg/lock.exclusive (timeout)."}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("vigil.toml"),
        r#"data_dir = "data"
display_zone = "Asia/Shanghai"

[[sources]]
name = "restic-files"
paths = ["logs/arch-web01-*.json"]
format = "restic"
host = "arch-web01"
role = "backup"

[[sources]]
name = "borg-db"
paths = ["logs/borg.jsonl"]
format = "borg"
host = "arch-db01"
role = "backup"

[policy]
zone = "Asia/Shanghai"

[[backups]]
name = "restic-files"
schedule = ["15 1 * * *", "0 3 * * *"]
grace = "1h"
source = "restic-files"

[[backups]]
name = "borg-db"
schedule = "30 1 * * *"
grace = "1h"
source = "borg-db"
"#,
    )
    .unwrap();
    set_all_mtimes(&dir.join("logs"), COPIED);

    let out = vigil_in(
        &dir,
        &[
            "backups",
            "verify",
            "--since",
            "2026-11-13",
            "--until",
            "2026-11-15",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "restic-files: FAILED run of 2026-11-13 01:15: Fatal: unable to open config file: Stat: stat /backup/restic/config: no such file or directory; MISSING run expected 2026-11-14 01:15 (grace 1h); MISSING run expected 2026-11-14 03:00 (grace 1h)\n\
         borg-db: FAILED run of 2026-11-14 01:30: Failed to create/acquire the lock /backup/borg/lock.exclusive (timeout).\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));

    // Each time says where it came from.
    let out = vigil_in(
        &dir,
        &[
            "search",
            "action:backup.error",
            "--format",
            "jsonl",
            "--limit",
            "10",
        ],
    );
    let mut got: Vec<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["ts"].as_str().unwrap().to_string(),
                e["fields"]["time_source"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    got.sort();
    let row = |s: &str, t: &str, f: &str| (s.to_string(), t.to_string(), f.to_string());
    assert_eq!(
        got,
        vec![
            // 1794591000.5 = 2026-11-13T17:30:00.5Z: 01:30 on the 14th in Shanghai.
            row("borg-db", "2026-11-13T17:30:00.500Z", "previous_line"),
            // The day of the file's name, its start in the source's zone.
            row("restic-files", "2026-11-12T16:00:00Z", "file_name"),
            // 03:00:05 + the 19 s the run had reported before the error.
            row("restic-files", "2026-11-12T19:00:24Z", "run"),
        ]
    );
}

/// The bundled samples, with every file's mtime set to a day in three different years, give the
/// same month: the same findings, by rule, time, summary and evidence.
#[test]
fn the_sample_month_does_not_depend_on_the_files_mtimes() {
    let mut seen: Option<Vec<(String, String, String)>> = None;
    // 2026-12-01, 2027-12-05, 2031-03-01 (UTC).
    for (year, unix) in [
        (2026, 1_796_083_200_u64),
        (2027, 1_828_051_200),
        (2031, 1_930_089_600),
    ] {
        let dir = std::env::temp_dir().join(format!(
            "vigil-timeless-{}-mtime-{year}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&root().join("samples"), &dir);
        set_all_mtimes(&dir, unix);
        let out = vigil_in(&dir, &["check", "--month", "2026-11", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let findings: Vec<(String, String, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["time"].as_str().unwrap_or_default().to_string(),
                    format!("{} {}", f["summary"], f["evidence"]),
                )
            })
            .collect();
        assert_eq!(doc["counts"]["high"], 28, "mtimes in {year}");
        match &seen {
            None => seen = Some(findings),
            Some(first) => assert_eq!(&findings, first, "mtimes in {year}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Consecutive missing runs of one job are one finding with their range and count, not one per
/// run: a job silent for years does not bury the rest.
#[test]
fn consecutive_missing_runs_are_one_finding() {
    let dir = site("missing");
    let summary = |day: u32| {
        format!(
            r#"{{"message_type":"summary","total_files_processed":10,"total_bytes_processed":1000,"total_duration":40.0,"backup_start":"2026-11-{day:02}T01:15:05+08:00","backup_end":"2026-11-{day:02}T01:15:45+08:00","snapshot_id":"ab{day:02}"}}"#
        )
    };
    std::fs::write(
        dir.join("logs/restic.json"),
        [1, 5, 6, 9].map(summary).join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("vigil.toml"),
        r#"data_dir = "data"
display_zone = "Asia/Shanghai"

[[sources]]
name = "restic-files"
paths = ["logs/restic.json"]
format = "restic"
role = "backup"

[[backups]]
name = "restic-files"
schedule = "15 1 * * *"
grace = "1h"
source = "restic-files"
"#,
    )
    .unwrap();
    let out = vigil_in(
        &dir,
        &[
            "check",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-10",
            "--rule",
            "backup.missing",
            "--format",
            "json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["summary"].as_str().unwrap().to_string(),
                f["until"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "restic-files: no run of the 3 backups expected from 2026-11-02 01:15:00 to 2026-11-04 01:15:00 in restic-files (schedule 15 1 * * *, grace 1h)".to_string(),
                "2026-11-04T01:15:00+08:00".to_string()
            ),
            (
                "restic-files: no run of the 2 backups expected from 2026-11-07 01:15:00 to 2026-11-08 01:15:00 in restic-files (schedule 15 1 * * *, grace 1h)".to_string(),
                "2026-11-08T01:15:00+08:00".to_string()
            ),
        ]
    );
}
