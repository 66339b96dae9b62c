//! Input that would take vigil's memory: a line of 50 MB is cut at 1 MiB and flagged, the line
//! after it read whole; blank lines are counted, not dead-lettered. (Peak memory is measured in
//! `bench/bounds.sh`, not here.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::io::Write;

use common::vigil_ok;

/// A fresh folder whose config reads the syslog files `paths` as source `auth`.
fn site(name: &str, paths: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("vigil.toml"),
        format!(
            "data_dir = \"data\"\ndisplay_zone = \"UTC\"\n\n[[sources]]\nname = \"auth\"\npaths = [\"{paths}\"]\nformat = \"syslog\"\nrole = \"login\"\nreference_time = \"2026-12-08\"\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn a_50_mb_line_is_cut_and_flagged_and_blank_lines_are_counted_not_dead_lettered() {
    let dir = site("vigil-bounds", "auth.log");
    let long_len = 50 << 20;
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("auth.log")).unwrap());
        writeln!(
            f,
            "Dec  8 01:00:00 web01 sshd[1]: Failed password for root from 198.51.100.1 port 22 ssh2"
        )
        .unwrap();
        let head = "Dec  8 01:00:01 web01 app[2]: ";
        f.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        let mut left = long_len - head.len();
        while left > 0 {
            let n = left.min(chunk.len());
            f.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
        f.write_all(b"\n").unwrap();
        for _ in 0..1000 {
            f.write_all(b"\n  \n").unwrap();
        }
        writeln!(f, "Dec  8 01:00:02 web01 sshd[3]: Accepted password for alice from 198.51.100.2 port 22 ssh2").unwrap();
    }
    let out = vigil_ok(&dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("auth: 1 files, 2003 new lines, 3 new events, 0 dead-lettered"),
        "{err}"
    );
    assert!(
        err.contains("blank lines: 2000 (counted, not dead-lettered)"),
        "{err}"
    );
    let dead =
        std::fs::read_to_string(dir.join("data/deadletter/deadletter.jsonl")).unwrap_or_default();
    assert_eq!(dead, "", "nothing dead-lettered");
    // The long line's event: its first MiB, flagged, with the whole length.
    let out = vigil_ok(&dir, &["search", "app", "--format", "jsonl"]);
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert!(
        e["flags"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("truncated")),
        "{:?}",
        e["flags"]
    );
    assert_eq!(e["fields"]["original_length"], long_len as u64);
    assert_eq!(e["raw"].as_str().unwrap().len(), 1 << 20);
    // The line after it, whole.
    let out = vigil_ok(
        &dir,
        &["search", "action:login.success AND actor:alice", "--count"],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    // Read again: nothing new.
    let out = vigil_ok(&dir, &["ingest"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 new lines"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_gzip_bomb_is_refused_with_one_line_and_the_other_files_ingest() {
    let dir = site("vigil-bomb", "logs/*");
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    // 100 MB of zeros after one line, gzip -9: about 1,030 times smaller.
    let made = std::process::Command::new("sh")
        .args([
            "-c",
            "{ echo 'Dec  8 01:00:00 web01 sshd[1]: Failed password for root from 198.51.100.1 port 22 ssh2'; head -c 100000000 /dev/zero; } | gzip -9 > logs/auth.log.2.gz",
        ])
        .current_dir(&dir)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED a_gzip_bomb: gzip is not installed");
        return;
    }
    std::fs::write(
        dir.join("logs/auth.log"),
        "Dec  8 01:00:02 web01 sshd[3]: Accepted password for alice from 198.51.100.2 port 22 ssh2\n",
    )
    .unwrap();
    let out = common::vigil_in(&dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a file not read is a problem: {err}"
    );
    // One warning line as it happens (the summary names the file again).
    let warning: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("vigil: auth:") && l.contains("gzip bomb"))
        .collect();
    assert_eq!(warning.len(), 1, "{err}");
    assert!(warning[0].contains("auth.log.2.gz"), "{}", warning[0]);
    assert!(
        warning[0].contains("decompresses to more than 1000 times its compressed size"),
        "{}",
        warning[0]
    );
    // The other file, whole.
    let out = vigil_ok(&dir, &["search", "actor:alice", "--count"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_ingest_killed_then_finished_dead_letters_each_malformed_line_once() {
    let dir = site("vigil-dead-once", "auth.log");
    let n = 200_000;
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("auth.log")).unwrap());
        for i in 0..n {
            writeln!(f, "garbage line {i}").unwrap();
            writeln!(f, "Dec  8 01:00:00 web01 sshd[{i}]: Failed password for root from 198.51.100.1 port 22 ssh2").unwrap();
        }
    }
    // Killed while it reads (its dead letter written as it goes, its index not yet committed).
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["--config", "vigil.toml", "--data", "data", "ingest"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let dead = dir.join("data/deadletter/deadletter.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::metadata(&dead).map_or(0, |m| m.len()) < 100_000
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let before = std::fs::read_to_string(&dead)
        .unwrap_or_default()
        .lines()
        .count();
    eprintln!("killed with {before} dead-letter records written");
    vigil_ok(&dir, &["ingest"]);
    let text = std::fs::read_to_string(&dead).unwrap();
    let mut offsets: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["offset"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(offsets.len(), n, "one record per malformed line");
    offsets.sort_unstable();
    offsets.dedup();
    assert_eq!(offsets.len(), n, "no line twice");
    let out = vigil_ok(&dir, &["search", "*", "--count"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), n.to_string());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn watch_cuts_a_long_line_that_arrives_in_pieces_and_reads_the_next_whole() {
    let dir = site("vigil-bounds-watch", "auth.log");
    let log = dir.join("auth.log");
    std::fs::write(
        &log,
        "Dec  8 01:00:00 web01 sshd[1]: Failed password for root from 198.51.100.1 port 22 ssh2\n",
    )
    .unwrap();
    let watch = common::start_watch_in(&dir, &["--commit-every", "200ms", "--poll-every", "100ms"]);
    assert_eq!(common::wait_for_count(&dir, "*", 1), 1);
    // 20 MB without a newline, written a few MB at a time while the watcher reads.
    let head = "Dec  8 01:00:01 web01 app[2]: ";
    let whole = 20 << 20;
    {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b'y'; 4 << 20];
        let mut left = whole - head.len();
        while left > 0 {
            let n = left.min(chunk.len());
            f.write_all(&chunk[..n]).unwrap();
            f.flush().unwrap();
            left -= n;
            std::thread::sleep(std::time::Duration::from_millis(150));
        }
        f.write_all(b"\nDec  8 01:00:02 web01 sshd[3]: Accepted password for alice from 198.51.100.2 port 22 ssh2\n")
            .unwrap();
    }
    assert_eq!(common::wait_for_count(&dir, "*", 3), 3);
    let (code, err) = common::stop_watch(watch);
    assert_eq!(code, Some(0), "{err}");
    let out = vigil_ok(&dir, &["search", "app", "--format", "jsonl"]);
    let e: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(
        e["flags"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("truncated"))
    );
    assert_eq!(e["fields"]["original_length"], whole as u64);
    assert_eq!(e["raw"].as_str().unwrap().len(), 1 << 20);
    let out = vigil_ok(
        &dir,
        &["search", "actor:alice AND action:login.success", "--count"],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    let _ = std::fs::remove_dir_all(&dir);
}
