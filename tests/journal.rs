//! The systemd journal as a source, against real journal files: the test writes entries in the
//! journal export format and has systemd's own `systemd-journal-remote` write them into a journal
//! file, which vigil reads through the real `journalctl`. Ingests and a watch killed with SIGKILL
//! resume from the committed cursor: nothing lost, nothing twice. Where systemd-journal-remote or
//! journalctl is missing (Debian: `apt-get install systemd systemd-journal-remote`; `.ci/run`
//! installs them) the tests say on stderr that they were skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{start_watch_in, stop_watch, vigil_in, wait_for_count};

const REMOTE: &str = "/lib/systemd/systemd-journal-remote";

/// Whether the journal tools are here; says so on stderr when not.
fn tools(test: &str) -> bool {
    let journalctl = Command::new("journalctl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !journalctl || !Path::new(REMOTE).exists() {
        eprintln!(
            "{test}: SKIPPED: needs journalctl and {REMOTE} (Debian: apt-get install systemd systemd-journal-remote)"
        );
        return false;
    }
    true
}

/// Entry `i` in the journal export format: an sshd login, a sudo command or a failed password.
fn entry(i: usize) -> String {
    let (ident, pid, msg) = match i % 3 {
        0 => (
            "sshd",
            2000 + i,
            format!(
                "Accepted password for user{i} from 10.2.{}.{} port {} ssh2",
                i / 200,
                i % 200,
                40000 + i
            ),
        ),
        1 => (
            "sudo",
            3000 + i,
            format!(
                "user{i} : TTY=pts/{} ; PWD=/home/user{i} ; USER=root ; COMMAND=/usr/bin/systemctl restart app{i}",
                i % 9
            ),
        ),
        _ => (
            "sshd",
            2000 + i,
            format!(
                "Failed password for root from 203.0.113.{} port {} ssh2",
                i % 250,
                50000 + i
            ),
        ),
    };
    // 2026-11-02 08:00:00 UTC plus i seconds, and a microsecond part.
    let micros = 1_793_606_400_000_000u64 + i as u64 * 1_000_000 + 123_456;
    format!(
        "__REALTIME_TIMESTAMP={micros}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=0f5b6b8a1c2d4e3f9a8b7c6d5e4f3a2b\n_HOSTNAME=arch-web01\nSYSLOG_IDENTIFIER={ident}\n_PID={pid}\nPRIORITY=6\nSYSLOG_FACILITY=10\n_SYSTEMD_UNIT={ident}.service\nMESSAGE={msg}\n\n",
        1_000_000 + i
    )
}

/// Appends entries `range` to the journal file `journal` through systemd-journal-remote.
fn append(dir: &Path, journal: &Path, range: std::ops::Range<usize>) {
    let export = dir.join("entries.export");
    let text: String = range.map(entry).collect();
    fs::write(&export, text).unwrap();
    let out = Command::new(REMOTE)
        .arg(format!("--output={}", journal.display()))
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("system.journal");
    fs::write(
        tmp.path().join("vigil.toml"),
        "data_dir = \"data\"\ndisplay_zone = \"UTC\"\n\n[[sources]]\nname = \"journal\"\nformat = \"journald\"\njournal_files = [\"system.journal\"]\nrole = \"login\"\n",
    )
    .unwrap();
    (tmp, journal)
}

/// Every indexed event: message -> (ids, the event as JSON).
fn indexed(dir: &Path) -> BTreeMap<String, Vec<serde_json::Value>> {
    let out = vigil_in(
        dir,
        &["search", "*", "--format", "jsonl", "--limit", "100000"],
    );
    assert!(out.status.success());
    let mut m: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let e: serde_json::Value = serde_json::from_str(l).unwrap();
        m.entry(e["message"].as_str().unwrap().to_string())
            .or_default()
            .push(e);
    }
    m
}

fn message(i: usize) -> String {
    let e = entry(i);
    let line = e.lines().find(|l| l.starts_with("MESSAGE=")).unwrap();
    line["MESSAGE=".len()..].to_string()
}

fn assert_each_once(dir: &Path, n: usize) {
    let got = indexed(dir);
    for i in 0..n {
        let m = message(i);
        let hits = got.get(&m).map_or(0, Vec::len);
        assert_eq!(hits, 1, "entry {i} ({m}) indexed {hits} times");
    }
    assert_eq!(got.len(), n);
}

#[test]
fn a_journal_is_read_with_its_fields_and_resumed_from_its_cursor() {
    if !tools("a_journal_is_read_with_its_fields_and_resumed_from_its_cursor") {
        return;
    }
    let (tmp, journal) = site();
    let dir = tmp.path();
    append(dir, &journal, 0..30);
    let out = vigil_in(dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("journal: 1 files, 30 new lines, 30 new events, 0 dead-lettered"),
        "{err}"
    );
    let got = indexed(dir);
    // The first entry, field by field.
    let e = &got[&message(0)][0];
    assert_eq!(e["ts"], "2026-11-02T08:00:00.123456Z");
    assert_eq!(e["host"], "arch-web01");
    assert_eq!(e["source"], "journal");
    assert_eq!(e["format"], "journald");
    assert_eq!(e["action"], "login.success");
    assert_eq!(e["outcome"], "success");
    assert_eq!(e["actor"], "user0");
    assert_eq!(e["src_ip"], "10.2.0.0");
    assert_eq!(e["fields"]["program"], "sshd");
    assert_eq!(e["fields"]["pid"], 2000);
    assert_eq!(e["fields"]["unit"], "sshd.service");
    assert_eq!(e["fields"]["severity"], "info");
    let sudo = &got[&message(1)][0];
    assert_eq!(sudo["action"], "sudo.command");
    assert_eq!(sudo["actor"], "user1");
    let failed = &got[&message(2)][0];
    assert_eq!(failed["action"], "login.failure");
    assert_eq!(failed["src_ip"], "203.0.113.2");
    let count = |q: &str| -> String {
        String::from_utf8(vigil_in(dir, &["search", q, "--count"]).stdout).unwrap()
    };
    assert_eq!(count("action:login.success"), "10\n");
    assert_eq!(count("action:sudo.command"), "10\n");
    assert_eq!(count("action:login.failure"), "10\n");

    // More entries: exactly those, from the cursor; again: nothing.
    append(dir, &journal, 30..45);
    let err = String::from_utf8_lossy(&vigil_in(dir, &["ingest"]).stderr).into_owned();
    assert!(err.contains("total: 15 new lines, 15 new events"), "{err}");
    let err = String::from_utf8_lossy(&vigil_in(dir, &["ingest"]).stderr).into_owned();
    assert!(err.contains("total: 0 new lines, 0 new events"), "{err}");
    assert_each_once(dir, 45);
    // The raw entries are evidence like any line.
    let out = vigil_in(dir, &["archive", "verify"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("45 lines"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn watch_killed_and_restarted_on_a_journal_loses_and_repeats_nothing() {
    if !tools("watch_killed_and_restarted_on_a_journal_loses_and_repeats_nothing") {
        return;
    }
    let (tmp, journal) = site();
    let dir = tmp.path();
    let start = || start_watch_in(dir, &["--commit-every", "100ms", "--poll-every", "100ms"]);
    append(dir, &journal, 0..100);
    let mut w = start();
    assert_eq!(wait_for_count(dir, "*", 100), 100);
    append(dir, &journal, 100..200);
    // Killed at once, whatever it was doing: its last commit stands.
    std::thread::sleep(Duration::from_millis(150));
    w.kill().unwrap();
    w.wait().unwrap();
    append(dir, &journal, 200..300);
    let w = start();
    assert_eq!(wait_for_count(dir, "*", 300), 300);
    let (code, err) = stop_watch(w);
    assert_eq!(code, Some(0), "{err}");
    assert_each_once(dir, 300);
}
