//! Every line of the real backup-tool fixtures, accounted for: restic (resticprofile's test
//! captures), borg (vorta's captures of `--log-json` and `--json`), and pgBackRest transcripts
//! read through a regex format defined here, as a site would define it in vigil.toml.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use vigil_parsers::backup::{BorgParser, ResticParser};
use vigil_parsers::regex_format::{RegexFormat, RegexFormatConfig, RegexParser};
use vigil_parsers::{Event, Output, ParseContext, Parser, Rejected};

fn ctx() -> ParseContext {
    let reference = chrono::DateTime::parse_from_rfc3339("2026-11-04T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    ParseContext::new("backup", "arch-bk01", chrono_tz::Asia::Shanghai, reference)
}

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/realdata")
        .join(name)
}

fn files(name: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn line_count(text: &[u8]) -> u64 {
    text.split_inclusive(|b| *b == b'\n').count() as u64
}

struct Read {
    events: Vec<Event>,
    rejected: Vec<Rejected>,
    lines: u64,
}

fn read(parser: &mut dyn Parser, path: &PathBuf) -> Read {
    let text = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    let out: Vec<Output> = vigil_parsers::parse_text(parser, &ctx(), name, &text);
    assert_eq!(
        parser.pending_offset(),
        None,
        "{name}: nothing held after flush"
    );
    let mut r = Read {
        events: Vec::new(),
        rejected: Vec::new(),
        lines: line_count(&text),
    };
    for o in out {
        match o {
            Ok(e) => r.events.push(e),
            Err(x) => r.rejected.push(x),
        }
    }
    r
}

/// Lines of raw text an output covers (multi-line records are joined with `\n`).
fn raw_lines(s: &str) -> u64 {
    s.split('\n').count() as u64
}

fn reasons(r: &[Rejected]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for x in r {
        *m.entry(x.error.kind.to_string()).or_insert(0) += 1;
    }
    m
}

fn v(e: &Event) -> Value {
    serde_json::to_value(e).unwrap()
}

// ---------------------------------------------------------------- restic

#[test]
fn restic_every_line() {
    // file -> (events: action/outcome, run lines, progress lines, consumed lines)
    let mut seen = 0;
    for path in files("creativeprojects_resticprofile", "txt") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut p = ResticParser::new();
        let r = read(&mut p, &path);
        // Every line is in exactly one run (counted by its finish event) or rejected.
        let run_lines: u64 = r
            .events
            .iter()
            .filter(|e| e.action == "backup.finish")
            .map(|e| e.fields["run_lines"].as_u64().unwrap())
            .sum();
        assert_eq!(run_lines + r.rejected.len() as u64, r.lines, "{name}");
        let summary: Vec<(&str, &str)> = r
            .events
            .iter()
            .map(|e| (e.action.as_ref(), e.outcome.as_str()))
            .collect();
        match name.as_str() {
            "json_summary_test__TestScanJsonError.txt" => {
                assert_eq!(
                    summary,
                    [("backup.error", "failure"), ("backup.finish", "failure")]
                );
                assert_eq!((r.lines, p.consumed_lines()), (3, 0));
            }
            "json_summary_test__TestScanJsonSummary.txt" => {
                assert_eq!(summary, [("backup.finish", "success")]);
                assert_eq!((r.lines, p.consumed_lines()), (5, 4));
                assert_eq!(r.events[0].fields["progress_lines"], 4);
            }
            "plain_summary_test__TestPipeScanBackup.txt" => {
                assert_eq!(summary, [("backup.finish", "success")]);
                assert_eq!((r.lines, p.consumed_lines()), (9, 8));
            }
            other => panic!("unexpected fixture {other}"),
        }
        assert!(r.rejected.is_empty(), "{name}: {:?}", r.rejected);
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn restic_json_summary() {
    let path = dir("creativeprojects_resticprofile/json_summary_test__TestScanJsonSummary.txt");
    let r = read(&mut ResticParser::new(), &path);
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(
        v(&r.events[0]),
        json!({
            "id": "0000000000000000000000000394",
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "restic",
            "category": "backup", "action": "backup.finish", "outcome": "success",
            "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
            "message": "restic snapshot 6daa8ef6 saved: 236 files, 362948126 bytes processed, 296530781 bytes added, in 1.0 s",
            "raw": last,
            "fields": {
                "snapshot_id": "6daa8ef6",
                "files": 236, "bytes": 362948126, "data_added": 296530781, "duration_s": 1.009156009,
                "files_new": 213, "files_changed": 11, "files_unmodified": 12,
                "dirs_new": 58, "dirs_changed": 2, "dirs_unmodified": 3,
                "data_blobs": 402, "tree_blobs": 59, "data_added_packed": 74132695,
                "total_files_processed": 236, "total_bytes_processed": 362948126,
                "total_duration": 1.009156009,
                "errors": 0, "progress_lines": 4, "run_lines": 5, "time_source": "reference"
            },
            "origin": {"path": "json_summary_test__TestScanJsonSummary.txt", "offset": 916, "line": 5}
        })
    );
}

#[test]
fn restic_fatal_error_and_failed_finish() {
    let path = dir("creativeprojects_resticprofile/json_summary_test__TestScanJsonError.txt");
    let r = read(&mut ResticParser::new(), &path);
    let text = std::fs::read_to_string(&path).unwrap();
    let name = "json_summary_test__TestScanJsonError.txt";
    assert_eq!(
        v(&r.events[0]),
        json!({
            "id": "0000000000000000000000000000",
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "restic",
            "category": "backup", "action": "backup.error", "outcome": "failure",
            "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
            "message": "unable to open config file: Stat: stat /Volumes/RAMDisk/self/config: no such file or directory\nIs there a repository at the following location?\n/Volumes/RAMDisk/self",
            "raw": text.trim_end(),
            "fields": {"time_source": "reference"},
            "origin": {"path": name, "offset": 0, "line": 1}
        })
    );
    // The finish has no line of its own (its raw is empty): origin is the run's last line
    // (offset 151, 21 bytes), the id the offset of that line's end.
    assert_eq!(
        v(&r.events[1]),
        json!({
            "id": format!("{:016x}{:012x}", 0, 151 + 21),
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "restic",
            "category": "backup", "action": "backup.finish", "outcome": "failure",
            "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
            "message": "restic backup failed: unable to open config file: Stat: stat /Volumes/RAMDisk/self/config: no such file or directory",
            "raw": "",
            "fields": {"errors": 1, "progress_lines": 0, "run_lines": 3, "time_source": "reference"},
            "origin": {"path": name, "offset": 151, "line": 3}
        })
    );
}

#[test]
fn restic_plain_text_summary() {
    let path = dir("creativeprojects_resticprofile/plain_summary_test__TestPipeScanBackup.txt");
    let r = read(&mut ResticParser::new(), &path);
    // 282.768 MiB, 70.691 MiB and 346.107 MiB as restic rounded them.
    assert_eq!(
        v(&r.events[0]),
        json!({
            "id": "0000000000000000000000000148",
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "restic",
            "category": "backup", "action": "backup.finish", "outcome": "success",
            "actor": null, "actor_role": null, "src_ip": null, "target": "2e92db7f", "ticket": null,
            "message": "restic snapshot 07ab30a5 saved: 223 files, 362919494 bytes processed, 296503738 bytes added, in 0.0 s",
            "raw": "snapshot 07ab30a5 saved",
            "fields": {
                "snapshot_id": "07ab30a5", "repository": "2e92db7f",
                "files": 223, "bytes": 362919494, "duration_s": 0,
                "files_new": 209, "files_changed": 2, "files_unmodified": 12,
                "dirs_new": 58, "dirs_changed": 1, "dirs_unmodified": 11,
                "data_added": 296503738, "data_added_packed": 74124886,
                "total_files_processed": 223, "total_bytes_processed": 362919494, "total_duration": 0,
                "errors": 0, "progress_lines": 0, "run_lines": 9, "time_source": "reference"
            },
            "origin": {"path": "plain_summary_test__TestPipeScanBackup.txt", "offset": 328, "line": 9}
        })
    );
}

/// The three captures one after another in one log, as a cron job appending to one file would
/// leave them: three runs, the failed one ended by the next run's first line.
#[test]
fn restic_runs_in_one_file() {
    let mut text = Vec::new();
    for f in [
        "json_summary_test__TestScanJsonSummary.txt",
        "json_summary_test__TestScanJsonError.txt",
        "plain_summary_test__TestPipeScanBackup.txt",
    ] {
        text.extend(std::fs::read(dir("creativeprojects_resticprofile").join(f)).unwrap());
    }
    let mut p = ResticParser::new();
    let out = vigil_parsers::parse_text(&mut p, &ctx(), "restic.log", &text);
    let evs: Vec<(String, &str, u64)> = out
        .iter()
        .map(|o| {
            let e = o.as_ref().unwrap();
            (e.action.to_string(), e.outcome.as_str(), e.origin.line)
        })
        .collect();
    assert_eq!(
        evs,
        [
            ("backup.finish".to_string(), "success", 5),
            ("backup.error".to_string(), "failure", 6),
            ("backup.finish".to_string(), "failure", 8),
            ("backup.finish".to_string(), "success", 17),
        ]
    );
    let runs: u64 = out
        .iter()
        .filter_map(|o| o.as_ref().ok()?.fields.get("run_lines")?.as_u64())
        .sum();
    assert_eq!(runs, 17);
}

#[test]
fn restic_pending_offset_holds_the_run() {
    let path = dir("creativeprojects_resticprofile/json_summary_test__TestScanJsonSummary.txt");
    let text = std::fs::read(&path).unwrap();
    let mut p = ResticParser::new();
    let mut out = Vec::new();
    let mut offset = 0u64;
    let mut pendings = Vec::new();
    for (n, l) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let line = vigil_parsers::RawLine {
            bytes: l.strip_suffix(b"\n").unwrap_or(l),
            path: "r.log",
            file_id: 9,
            offset: offset + 1000,
            line: n as u64 + 1,
        };
        p.feed(&line, &ctx(), &mut out);
        pendings.push(p.pending_offset());
        offset += l.len() as u64;
    }
    assert_eq!(
        pendings,
        [Some(1000), Some(1000), Some(1000), Some(1000), None]
    );
    assert_eq!(out.len(), 1);
}

// ---------------------------------------------------------------- borg

#[test]
fn borg_every_line() {
    let mut seen = 0;
    for path in files("borgbase_vorta", "json") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut p = BorgParser::new();
        let r = read(&mut p, &path);
        // Each line is in one event's raw, consumed, or rejected.
        let covered: u64 = r.events.iter().map(|e| raw_lines(&e.raw)).sum::<u64>()
            + r.rejected.iter().map(|x| raw_lines(&x.raw)).sum::<u64>()
            + p.consumed_lines();
        assert_eq!(covered, r.lines, "{name}");
        assert!(r.rejected.is_empty(), "{name}: {:?}", reasons(&r.rejected));
        let summary: Vec<(&str, &str)> = r
            .events
            .iter()
            .map(|e| (e.action.as_ref(), e.outcome.as_str()))
            .collect();
        let (want, consumed): (Vec<(&str, &str)>, u64) = match name.as_str() {
            "check_stderr.json" => (vec![("backup.info", "unknown"); 6], 0),
            "create_lock_stderr.json" => (vec![("backup.error", "failure")], 0),
            "create_perm_stderr.json" => (vec![("backup.error", "failure"); 2], 0),
            "create_stderr.json" => (vec![("backup.info", "unknown"); 2], 30),
            "create_stdout.json" => (vec![("backup.finish", "success")], 0),
            "info_stdout.json" => (vec![("backup.info", "unknown")], 0),
            "list_stdout.json" => (vec![("backup.info", "unknown")], 0),
            other => panic!("unexpected fixture {other}"),
        };
        assert_eq!((summary, p.consumed_lines()), (want, consumed), "{name}");
        assert!(r.events.iter().all(|e| e.category.as_str() == "backup"));
        seen += 1;
    }
    assert_eq!(seen, 7);
}

#[test]
fn borg_lock_timeout() {
    let path = dir("borgbase_vorta/create_lock_stderr.json");
    let r = read(&mut BorgParser::new(), &path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        v(&r.events[0]),
        json!({
            "id": "0000000000000000000000000000",
            "ts": "2020-11-21T05:33:58.363970Z",
            "host": "arch-bk01", "source": "backup", "format": "borg",
            "category": "backup", "action": "backup.error", "outcome": "failure",
            "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
            "message": "Failed to create/acquire the lock /tmp/another/lock.exclusive (timeout).",
            "raw": text.trim_end(),
            "fields": {"level": "ERROR", "logger": "borg.archiver", "msgid": "LockTimeout"},
            "origin": {"path": "create_lock_stderr.json", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn borg_traceback_is_kept_whole() {
    let r = read(
        &mut BorgParser::new(),
        &dir("borgbase_vorta/create_perm_stderr.json"),
    );
    assert_eq!(r.events[0].fields["msgid"], "LockFailed");
    let tb = &r.events[1];
    assert!(tb.message.starts_with("Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/borg/archiver.py\", line 4591, in main\n"));
    assert!(tb.message.contains("\nborg.locking.LockFailed: Failed to create/acquire the lock /tmp/another/lock.exclusive ([Errno 13] Permission denied: '/tmp/another/lock.exclusive').\n\nPlatform: Linux"));
    assert!(tb.message.ends_with("\nSSH_ORIGINAL_COMMAND: None\n"));
    assert_eq!(tb.message.split('\n').count(), 26);
    assert!(tb.message.contains("sys.argv: ['/usr/bin/borg', 'create',"));
    assert_eq!(
        tb.fields,
        serde_json::from_value(json!({"level": "ERROR", "logger": "borg.archiver"})).unwrap()
    );
    assert_eq!(tb.ts.to_rfc3339(), "2020-11-21T05:27:40.599449+00:00");
}

#[test]
fn borg_create_document() {
    let path = dir("borgbase_vorta/create_stdout.json");
    let r = read(&mut BorgParser::new(), &path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        v(&r.events[0]),
        json!({
            "id": "0000000000000000000000000000",
            // 14:24:09 local, read in Asia/Shanghai.
            "ts": "2018-11-06T06:24:09Z",
            "host": "arch-bk01", "source": "backup", "format": "borg",
            "category": "backup", "action": "backup.finish", "outcome": "success",
            "actor": null, "actor_role": null, "src_ip": null,
            "target": "ssh://w66xh7lj@w66xh7lj.repo.borgbase.com/./repo", "ticket": null,
            "message": "borg archive test-snapadkkfdddasdf created: 10 files, 3038309 bytes (2954077 deduplicated) in 4.5 s",
            "raw": text.trim_end(),
            "fields": {
                "command": "create",
                "archive": "test-snapadkkfdddasdf",
                "archive_id": "b7a67208a9329bc48f7e2953b9803ffe0175e776a49d7f1a9c07581e3e7b5a17",
                "start": "2018-11-06T14:24:04.000000", "end": "2018-11-06T14:24:09.000000",
                "duration_s": 4.454152,
                "nfiles": 10, "files": 10,
                "original_size": 3038309, "bytes": 3038309,
                "compressed_size": 2954077, "deduplicated_size": 2954077,
                "command_line": [
                    "/Users/manu/.pyenv/versions/3.7.1/bin/borg", "create", "--list", "--progress",
                    "--info", "--log-json", "--json",
                    "w66xh7lj@w66xh7lj.repo.borgbase.com:repo::test-snapadkkfdddasdf",
                    "/Users/manu/Documents/financial/Allianz"
                ],
                "repository": "ssh://w66xh7lj@w66xh7lj.repo.borgbase.com/./repo",
                "repository_id": "daf2e2b94a1b57f0effc96939813ef58d0af04414f92f87c3e092a99adaa90eb",
                "repository_last_modified": "2018-11-06T14:24:14.000000",
                "encryption": "repokey-blake2"
            },
            "flags": ["zone_from_source"],
            "origin": {"path": "create_stdout.json", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn borg_list_and_info_documents() {
    let r = read(
        &mut BorgParser::new(),
        &dir("borgbase_vorta/list_stdout.json"),
    );
    let mut got = v(&r.events[0]);
    got.as_object_mut().unwrap().remove("raw");
    assert_eq!(
        got,
        json!({
            "id": "0000000000000000000000000000",
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "borg",
            "category": "backup", "action": "backup.info", "outcome": "unknown",
            "actor": null, "actor_role": null, "src_ip": null,
            "target": "ssh://i0fis593@i0fis593.repo.borgbase.com/./repo", "ticket": null,
            "message": "borg repository ssh://i0fis593@i0fis593.repo.borgbase.com/./repo holds 6 archives, the latest nyx2.local-2018-11-06T12:35:00.087922 of 2018-11-06T12:35:09.000000",
            "fields": {
                "command": "list", "archives": 6,
                "last_archive": "nyx2.local-2018-11-06T12:35:00.087922",
                "last_archive_start": "2018-11-06T12:35:09.000000",
                "repository": "ssh://i0fis593@i0fis593.repo.borgbase.com/./repo",
                "repository_id": "3c1861de5908546a65409ed6b98024c0a4845d5348496010896798368c2424dd",
                "repository_last_modified": "2018-11-06T12:35:11.000000",
                "encryption": "repokey-blake2",
                "time_source": "reference"
            },
            "origin": {"path": "list_stdout.json", "offset": 0, "line": 1}
        })
    );
    assert_eq!(raw_lines(&r.events[0].raw), 60);
    let r = read(
        &mut BorgParser::new(),
        &dir("borgbase_vorta/info_stdout.json"),
    );
    let e = &r.events[0];
    assert_eq!(e.fields["command"], "info");
    assert_eq!(e.fields["unique_csize"], 13435127);
    assert_eq!(
        e.message,
        "borg repository ssh://w66xh7lj@w66xh7lj.repo.borgbase.com/./repo, last modified 2018-11-06T14:24:14.000000"
    );
}

/// stderr and stdout of one `borg create` run, interleaved in one file as `2>&1` leaves them.
#[test]
fn borg_stderr_and_stdout_in_one_file() {
    let mut text = std::fs::read(dir("borgbase_vorta/create_stderr.json")).unwrap();
    text.extend(std::fs::read(dir("borgbase_vorta/create_stdout.json")).unwrap());
    text.extend(std::fs::read(dir("borgbase_vorta/create_lock_stderr.json")).unwrap());
    let mut p = BorgParser::new();
    let out = vigil_parsers::parse_text(&mut p, &ctx(), "borg.log", &text);
    let evs: Vec<(&str, u64)> = out
        .iter()
        .map(|o| {
            let e = o.as_ref().unwrap();
            (e.action.as_ref(), e.origin.line)
        })
        .collect();
    assert_eq!(
        evs,
        [
            ("backup.info", 13),
            ("backup.info", 24),
            ("backup.finish", 33),
            ("backup.error", 81)
        ]
    );
    assert_eq!(p.consumed_lines(), 30);
}

// ---------------------------------------------------------------- pgBackRest via a regex format

/// How a site would read pgBackRest's console log: only the backup command's begin and end and
/// the errors matter; everything else (other commands, DETAIL lines, transcript headers and
/// info-file dumps) matches no pattern.
fn pgbackrest_format() -> RegexFormat {
    let cfg: RegexFormatConfig = serde_json::from_value(json!({
        "name": "pgbackrest",
        "patterns": [
            {"regex": r"^P00 +INFO: backup command begin (?P<version>\S+): (?P<options>.*)$",
             "action": "backup.start"},
            {"regex": r"^P00 +INFO: backup command end: completed successfully$",
             "action": "backup.finish", "outcome": "success"},
            {"regex": r"^P00 +INFO: backup command end: aborted with exception \[(?P<code>\d+)\]$",
             "action": "backup.finish", "outcome": "failure"},
            {"regex": r"^P\d\d +ERROR: \[(?P<code>\d+)\]: (?P<message>.*)$",
             "action": "backup.error", "outcome": "failure"}
        ]
    }))
    .unwrap();
    RegexFormat::compile(&cfg).unwrap()
}

#[test]
fn pgbackrest_every_line() {
    let mut seen = 0;
    for path in files("pgbackrest_pgbackrest", "log") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut p = RegexParser::new(pgbackrest_format());
        let r = read(&mut p, &path);
        let mut actions: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &r.events {
            *actions.entry(e.action.as_ref()).or_insert(0) += 1;
            assert_eq!(e.fields["time_source"], "reference");
            assert_eq!(e.format, "pgbackrest");
        }
        let (want_actions, lines, rejected): (Vec<(&str, usize)>, u64, usize) = match name.as_str()
        {
            "test_expect_mock-stanza-001.log" => (
                vec![
                    ("backup.error", 7),
                    ("backup.finish", 2),
                    ("backup.start", 2),
                ],
                560,
                549,
            ),
            "test_expect_mock-archive-stop-001.log" => (vec![("backup.error", 2)], 74, 72),
            other => panic!("unexpected fixture {other}"),
        };
        assert_eq!(
            actions.into_iter().collect::<Vec<_>>(),
            want_actions,
            "{name}"
        );
        assert_eq!(r.lines, lines, "{name}");
        assert_eq!(r.events.len() + r.rejected.len(), lines as usize, "{name}");
        assert_eq!(
            reasons(&r.rejected),
            BTreeMap::from([("no pattern matched".to_string(), rejected)]),
            "{name}"
        );
        seen += 1;
    }
    assert_eq!(seen, 2);
}

#[test]
fn pgbackrest_events() {
    let path = dir("pgbackrest_pgbackrest/test_expect_mock-stanza-001.log");
    let r = read(&mut RegexParser::new(pgbackrest_format()), &path);
    let name = "test_expect_mock-stanza-001.log";
    let err = r.events.iter().find(|e| e.origin.line == 8).unwrap();
    assert_eq!(
        v(err),
        json!({
            "id": format!("{:016x}{:012x}", 0, err.origin.offset),
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "pgbackrest",
            "category": "backup", "action": "backup.error", "outcome": "failure",
            "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
            "message": "unable to open missing file '[TEST_PATH]/db-primary/db/base/global/pg_control' for read",
            "raw": "P00  ERROR: [055]: unable to open missing file '[TEST_PATH]/db-primary/db/base/global/pg_control' for read",
            "fields": {"code": "055", "time_source": "reference"},
            "origin": {"path": name, "offset": err.origin.offset, "line": 8}
        })
    );
    let fin = r.events.iter().find(|e| e.origin.line == 326).unwrap();
    assert_eq!(
        v(fin),
        json!({
            "id": format!("{:016x}{:012x}", 0, fin.origin.offset),
            "ts": "2026-11-04T00:00:00Z",
            "host": "arch-bk01", "source": "backup", "format": "pgbackrest",
            "category": "backup", "action": "backup.finish", "outcome": "success",
            "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
            "message": "P00   INFO: backup command end: completed successfully",
            "raw": "P00   INFO: backup command end: completed successfully",
            "fields": {"time_source": "reference"},
            "origin": {"path": name, "offset": fin.origin.offset, "line": 326}
        })
    );
    let start = r.events.iter().find(|e| e.origin.line == 316).unwrap();
    assert_eq!(start.action, "backup.start");
    assert_eq!(start.fields["version"], "[BACKREST-VERSION]");
    assert!(
        start.fields["options"]
            .as_str()
            .unwrap()
            .starts_with("--buffer-size=[BUFFER-SIZE] --compress-level=3")
    );
}
