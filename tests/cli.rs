//! The `vigil` binary, driven as a user drives it, on the bundled samples: exact counts, the
//! planted events read as what they are, every malformed line dead-lettered or accounted for,
//! no terminal control sequence on stdout, and one clear line with exit 2 for bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `vigil ARGS` in the repository root, with a scrubbed environment.
fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

/// A sample file a source of `samples/vigil.toml` reads: its path (`samples/logs/...`), its file
/// name, the source's name and format.
struct Read {
    path: String,
    name: String,
    source: String,
    format: String,
}

/// The sample files the config's sources read (their `paths` globs, relative to the config's
/// folder): what `ingest` reads, and so what the tests give `parse`.
fn config_files() -> &'static Vec<Read> {
    static FILES: std::sync::OnceLock<Vec<Read>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("samples/vigil.toml")).unwrap();
        let config: toml::Table = toml::from_str(&text).unwrap();
        let mut v = Vec::new();
        for s in config["sources"].as_array().unwrap() {
            for p in s["paths"].as_array().unwrap() {
                let pattern = root().join("samples").join(p.as_str().unwrap());
                for m in glob::glob(pattern.to_str().unwrap()).unwrap() {
                    let name = m
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    v.push(Read {
                        path: format!("samples/logs/{name}"),
                        name,
                        source: s["name"].as_str().unwrap().to_string(),
                        format: s["format"].as_str().unwrap().to_string(),
                    });
                }
            }
        }
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    })
}

fn sample_logs() -> Vec<String> {
    config_files().iter().map(|r| r.path.clone()).collect()
}

fn read_of(file: &str) -> Option<&'static Read> {
    config_files().iter().find(|r| r.name == file)
}

fn manifest() -> &'static Value {
    static M: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        serde_json::from_str(
            &std::fs::read_to_string(root().join("samples/manifest.json")).unwrap(),
        )
        .unwrap()
    })
}

/// Every file the generator wrote, as the manifest lists it: the month's, then the history's.
fn manifest_files() -> Vec<&'static Value> {
    let m = manifest();
    let mut v: Vec<&Value> = m["files"].as_array().unwrap().iter().collect();
    if let Some(h) = m["history"].as_array() {
        v.extend(h);
    }
    v
}

/// The malformed lines `parse` does not reject because they continue the line before (in the
/// MySQL general log, a line after a query): (file, line).
fn continuation_lines() -> BTreeSet<(String, u64)> {
    let dead: BTreeSet<(String, u64)> = parse_samples()
        .dead
        .iter()
        .map(|d| (file_of(d), d["offset"].as_u64().unwrap()))
        .collect();
    let mut v = BTreeSet::new();
    for f in manifest_files() {
        let file = f["file"].as_str().unwrap().to_string();
        for p in f["planted"].as_array().unwrap() {
            if p["event"] == "malformed"
                && !dead.contains(&(file.clone(), p["offsets"][0].as_u64().unwrap()))
            {
                v.insert((file.clone(), p["lines"][0].as_u64().unwrap()));
            }
        }
    }
    v
}

/// The lines the parsers reject in the files the config reads, as (file, line): the planted
/// malformed lines but the continuations, and the general log's three header lines.
fn expected_dead_lines() -> BTreeSet<(String, u64)> {
    let mut want = BTreeSet::new();
    for f in manifest_files() {
        let file = f["file"].as_str().unwrap().to_string();
        if read_of(&file).is_none() {
            continue;
        }
        for p in f["planted"].as_array().unwrap() {
            if p["event"] == "malformed" {
                want.insert((file.clone(), p["lines"][0].as_u64().unwrap()));
            }
        }
        if file == "mysql-general.log" {
            for l in [1, 2, 3] {
                want.insert((file.clone(), l));
            }
        }
    }
    for c in continuation_lines() {
        want.remove(&c);
    }
    want
}

struct Run {
    events: Vec<Value>,
    dead: Vec<Value>,
    stdout: Vec<u8>,
    stderr: String,
}

/// The samples parsed once, shared by the tests that read the result.
fn parse_samples() -> &'static Run {
    static RUN: std::sync::OnceLock<Run> = std::sync::OnceLock::new();
    RUN.get_or_init(run_samples)
}

/// Parses every sample with the site's formats, events on stdout, rejections to a dead letter.
fn run_samples() -> Run {
    let dir = tempfile_dir();
    let dead = dir.join("dead.jsonl");
    let mut args = vec![
        "--config",
        "samples/vigil.toml",
        "parse",
        "--reference",
        "2026-12-01T00:00:00+08:00",
        "--events",
        "--dead-letter",
    ];
    let dead_s = dead.to_string_lossy().into_owned();
    args.push(&dead_s);
    let logs = sample_logs();
    args.extend(logs.iter().map(String::as_str));
    let out = vigil(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let dead_text = std::fs::read_to_string(&dead).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dead).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the dead letter is readable by its owner only");
    }
    let dead = dead_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        events,
        dead,
        stdout: out.stdout,
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "vigil-cli-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn file_of(v: &Value) -> String {
    let p = v["path"]
        .as_str()
        .or_else(|| v["origin"]["path"].as_str())
        .unwrap();
    Path::new(p)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Per file, the parsers reject exactly the planted malformed lines (and the general log's
/// header); where a format makes one event of each line, every other line is an event; every file
/// of `samples/logs` is one the manifest lists.
#[test]
fn samples_parse_into_exact_counts() {
    let run = parse_samples();
    let mut per_file: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for e in &run.events {
        per_file.entry(file_of(e)).or_default().0 += 1;
    }
    for d in &run.dead {
        per_file.entry(file_of(d)).or_default().1 += 1;
    }
    let on_disk: BTreeSet<String> = std::fs::read_dir(root().join("samples/logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = manifest_files()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(on_disk, listed);
    let dead = expected_dead_lines();
    let mut lines = 0;
    let mut files = 0;
    for f in manifest_files() {
        let file = f["file"].as_str().unwrap();
        // A file no source reads (yet) is not parsed.
        let Some(read) = read_of(file) else { continue };
        files += 1;
        let n = f["lines"].as_u64().unwrap();
        lines += n;
        let (events, rejected) = per_file.get(file).copied().unwrap_or_default();
        let want = dead.iter().filter(|(d, _)| d == file).count() as u64;
        assert_eq!(rejected, want, "{file}: rejected lines");
        if ["syslog", "json", "mariadb_audit", "backup-job"].contains(&read.format.as_str()) {
            assert_eq!(events, n - rejected, "{file}: one event per line");
        } else {
            assert!(
                events > 0 && events < n - rejected,
                "{file}: {events} events"
            );
        }
    }
    assert_eq!(files, config_files().len());
    let total = format!(
        "total: {files} files, {lines} lines, {} events, {} rejected",
        run.events.len(),
        run.dead.len()
    );
    assert!(run.stderr.contains(&total), "{total}\n{}", run.stderr);
}

/// Every malformed line the generator planted is dead-lettered at its offset, except in the MySQL
/// general log, where a line after a query is that query's continuation: there it is inside the
/// query's event. Nothing else is rejected but the general log's three header lines.
#[test]
fn malformed_lines_are_dead_lettered_where_they_are() {
    let run = parse_samples();
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("samples/manifest.json")).unwrap(),
    )
    .unwrap();
    let dead: BTreeSet<(String, u64)> = run
        .dead
        .iter()
        .map(|d| (file_of(d), d["offset"].as_u64().unwrap()))
        .collect();
    let mut expected = BTreeSet::new();
    for f in manifest["files"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap().to_string();
        for p in f["planted"].as_array().unwrap() {
            if p["event"] != "malformed" {
                continue;
            }
            let offset = p["offsets"][0].as_u64().unwrap();
            if dead.contains(&(file.clone(), offset)) {
                expected.insert((file.clone(), offset));
                continue;
            }
            // Not rejected: then it is a continuation line inside the event before it.
            assert_eq!(
                file, "mysql-general.log",
                "malformed line at {file}:{offset} neither rejected nor read"
            );
            let holder = run
                .events
                .iter()
                .filter(|e| file_of(e) == file && e["origin"]["offset"].as_u64().unwrap() < offset)
                .max_by_key(|e| e["origin"]["offset"].as_u64().unwrap())
                .unwrap();
            assert!(
                holder["raw"].as_str().unwrap().contains("corrupted record"),
                "{holder}"
            );
        }
    }
    for header in [0, 84, 141] {
        expected.insert(("mysql-general.log".to_string(), header));
    }
    assert_eq!(dead, expected);
    for d in &run.dead {
        assert!(d["reason"].as_str().unwrap().contains(" at byte "), "{d}");
    }
}

/// The events the checks will look for are read as what they are, with who, from where and to
/// what, as the generator's manifest says.
#[test]
fn planted_events_are_read_as_what_they_are() {
    let run = parse_samples();
    let mut checked = 0;
    let mut planted = 0;
    for f in manifest_files() {
        let file = f["file"].as_str().unwrap();
        if read_of(file).is_none() {
            continue;
        }
        for p in f["planted"].as_array().unwrap() {
            if !["malformed", "backup_missing"].contains(&p["event"].as_str().unwrap()) {
                planted += 1;
            }
            let kind = p["event"].as_str().unwrap();
            let needle = p["needle"].as_str().unwrap();
            let hits: Vec<&Value> = run
                .events
                .iter()
                .filter(|e| {
                    file_of(e) == file
                        && !needle.is_empty()
                        && e["raw"].as_str().unwrap().contains(needle)
                })
                .collect();
            let with = |action: &str| hits.iter().filter(|e| e["action"] == action).count();
            let count = p["count"].as_u64().unwrap() as usize;
            match kind {
                "malformed" | "backup_missing" => continue,
                "failed_login_burst" => {
                    let failures = with("login.failure") + with("db.auth_failure");
                    assert!(
                        failures >= count,
                        "{file} {kind}: {failures} failures for {count} planted"
                    );
                    assert!(
                        hits.iter().all(|e| e["outcome"] != "success"),
                        "{file} {kind}"
                    );
                }
                "departed_user_login" => assert!(
                    hits.iter()
                        .any(|e| e["action"] == "login.success" && e["actor"] == p["actor"]),
                    "{file} {kind}"
                ),
                "offhours_sudo" => assert_eq!(with("sudo.command"), 1, "{file} {kind}"),
                "service_failure" => {
                    assert_eq!(with("service.fail"), 1, "{file} {kind}");
                    assert!(hits.iter().any(|e| e["target"] == p["target"]));
                }
                "audit_rule_removed" => {
                    assert_eq!(with("audit.config_change"), 1, "{file} {kind}");
                    assert!(hits.iter().any(|e| e["target"] == p["target"]));
                }
                "dba_direct_update" | "dba_direct_delete" => {
                    let action = if kind == "dba_direct_update" {
                        "db.update"
                    } else {
                        "db.delete"
                    };
                    assert_eq!(hits.len(), 1, "{file} {kind}");
                    let e = hits[0];
                    assert_eq!(e["action"], action, "{file} {kind}");
                    assert_eq!(e["actor"], p["actor"], "{file} {kind}");
                    // The manifest names the table with its schema or database.
                    let target = e["target"].as_str().unwrap();
                    let want = p["target"].as_str().unwrap();
                    assert!(
                        target == want || want.ends_with(&format!(".{target}")),
                        "{file}: {target} for {want}"
                    );
                    assert_eq!(
                        e["ticket"],
                        p.get("ticket").cloned().unwrap_or(Value::Null),
                        "{file} {kind}"
                    );
                }
                "export" => {
                    assert_eq!(with("export.request"), 1, "{file} {kind}");
                    assert_eq!(hits[0]["actor"], p["actor"]);
                    assert_eq!(
                        hits[0]["ticket"],
                        p.get("ticket").cloned().unwrap_or(Value::Null)
                    );
                }
                "release_outside_window" => assert_eq!(with("release.deploy"), 1, "{file} {kind}"),
                "release_in_window" | "emergency_release" => {
                    assert_eq!(with("release.deploy"), 1, "{file} {kind}");
                    assert_eq!(hits[0]["ticket"], p["ticket"], "{file} {kind}");
                }
                "config_change" => {
                    assert_eq!(with("config.change"), 1, "{file} {kind}");
                    assert_eq!(hits[0]["target"], p["target"], "{file} {kind}");
                }
                "permission_grant" => {
                    assert_eq!(with("permission.grant"), 1, "{file} {kind}");
                    assert_eq!(hits[0]["target"], p["target"], "{file} {kind}");
                    assert_eq!(hits[0]["ticket"], p["ticket"], "{file} {kind}");
                }
                "disabled_user_login"
                | "login_before_disabled"
                | "leaver_login"
                | "ops_leaver_login"
                | "outsourced_leaver_login"
                | "outsourced_last_login" => {
                    assert_eq!(with("login.success"), 1, "{file} {kind}");
                    assert!(
                        hits.iter().all(|e| e["actor"] == p["actor"]),
                        "{file} {kind}"
                    );
                }
                "failed_logins_below_threshold" => {
                    assert_eq!(with("login.failure"), count, "{file} {kind}");
                    assert_eq!(with("login.success"), 1, "{file} {kind}");
                }
                "admin_group_add" => {
                    assert_eq!(with("group.modify"), count, "{file} {kind}");
                    assert!(
                        hits.iter().all(
                            |e| e["target"] == p["target"] && e["fields"]["member"] == "wb_sun"
                        ),
                        "{file} {kind}"
                    );
                }
                "departed_account_locked" => {
                    assert_eq!(with("account.lock"), 1, "{file} {kind}");
                    assert_eq!(hits[0]["target"], p["target"], "{file} {kind}");
                }
                "dump_without_ticket"
                | "backup_account_dump"
                | "sudo_in_release_window"
                | "offhours_sudo_with_ticket"
                | "log_truncated" => {
                    assert_eq!(with("sudo.command"), 1, "{file} {kind}");
                    assert_eq!(hits[0]["actor"], p["actor"], "{file} {kind}");
                }
                "service_account_edit" | "db_export" | "db_grant" => {
                    let action = match kind {
                        "service_account_edit" => "db.update",
                        "db_export" => "db.export",
                        _ => "db.grant",
                    };
                    assert_eq!(with(action), 1, "{file} {kind}");
                    let e = hits[0];
                    assert_eq!(e["actor"], p["actor"], "{file} {kind}");
                    assert_eq!(e["target"], p["target"], "{file} {kind}");
                    assert_eq!(
                        e["ticket"],
                        p.get("ticket").cloned().unwrap_or(Value::Null),
                        "{file} {kind}"
                    );
                }
                "source_silent" => {
                    // Not one event of the file from the planted time for ten hours.
                    let from =
                        chrono::DateTime::parse_from_rfc3339(p["time"].as_str().unwrap()).unwrap();
                    let quiet = run.events.iter().filter(|e| {
                        let t = chrono::DateTime::parse_from_rfc3339(e["ts"].as_str().unwrap())
                            .unwrap();
                        file_of(e) == file && t >= from && t < from + chrono::Duration::hours(10)
                    });
                    assert_eq!(quiet.count(), 0, "{file} {kind}");
                }
                "backup_failed" => assert!(
                    hits.iter()
                        .any(|e| e["category"] == "backup" && e["outcome"] == "failure"),
                    "{file} {kind}"
                ),
                "backup_warning" => assert!(
                    hits.iter().any(|e| e["action"] == "backup.error"
                        || (e["action"] == "backup.finish" && e["fields"]["rc"] == 1)),
                    "{file} {kind}"
                ),
                other => panic!("a planted event this test does not know: {other}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, planted);
    assert!(checked > 60, "{checked}");
}

#[test]
fn log_text_reaches_stdout_without_control_sequences() {
    let run = parse_samples();
    // The samples hold lines with ESC [ 0 m; in JSON they are escaped.
    assert!(!run.stdout.contains(&0x1b));
    assert!(
        run.events
            .iter()
            .any(|e| e["raw"].as_str().unwrap().contains('\u{1b}'))
    );
    assert!(!run.stderr.contains('\u{1b}'));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["parse", "no/such/file.log"],
            "vigil: no/such/file.log: cannot read: No such file or directory",
        ),
        (
            &["parse", "--format", "nginx", "samples/logs/auth.log"],
            "vigil: --format: unknown format \"nginx\"",
        ),
        (
            &["parse", "--zone", "Mars/Olympus", "samples/logs/auth.log"],
            "vigil: --zone \"Mars/Olympus\": not an IANA zone name",
        ),
        (
            &["parse", "--encoding", "latin1", "samples/logs/auth.log"],
            "vigil: --encoding \"latin1\": use utf-8 or gb18030",
        ),
        (
            &["parse", "samples/logs/backup-job.log"],
            "vigil: samples/logs/backup-job.log: cannot tell the format from the first lines",
        ),
        (
            &[
                "--config",
                "samples/README.md",
                "parse",
                "samples/logs/auth.log",
            ],
            "vigil: samples/README.md: line 3: key with no value",
        ),
        (
            &[
                "--config",
                "no/vigil.toml",
                "parse",
                "samples/logs/auth.log",
            ],
            "vigil: no/vigil.toml: cannot read: No such file or directory",
        ),
    ];
    for (args, want) in cases {
        let out = vigil(args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with(want), "{args:?}: {err}");
    }
}

#[test]
fn a_bad_site_format_is_named_with_its_line_pattern_and_key() {
    let dir = tempfile_dir();
    let f = dir.join("vigil.toml");
    std::fs::write(
        &f,
        "display_zone = \"UTC\"\n\n[[formats]]\nname = \"job\"\n[[formats.patterns]]\nregex = '(?P<ts>\\S+'\naction = \"backup.start\"\n",
    )
    .unwrap();
    let out = vigil(&[
        "--config",
        f.to_str().unwrap(),
        "parse",
        "samples/logs/backup-job.log",
    ]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("vigil.toml: line 3: formats[0]: format \"job\", pattern 1, key `regex`"),
        "{err}"
    );
    std::fs::write(
        &f,
        "[[sources]]\nname = \"job\"\npaths = [\"x\"]\nrole = \"backup\"\ncolour = 1\n",
    )
    .unwrap();
    let out = vigil(&[
        "--config",
        f.to_str().unwrap(),
        "parse",
        "samples/logs/backup-job.log",
    ]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("vigil.toml: line 5: unknown field `colour`"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_writes_a_config_that_loads_and_never_overwrites_unasked() {
    let dir = tempfile_dir().join("site");
    let d = dir.to_str().unwrap();
    let out = vigil(&["init", d]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "vigil.toml",
        "registers/approvals.csv",
        "registers/accounts.csv",
    ] {
        let meta = std::fs::metadata(dir.join(f)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{f}");
        }
        assert!(meta.len() > 0, "{f}");
    }
    // The written config is a valid config: parse reads a log with it.
    let cfg = dir.join("vigil.toml");
    let out = vigil(&[
        "--config",
        cfg.to_str().unwrap(),
        "parse",
        "--format",
        "backup-job",
        "samples/logs/backup-job.log",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A second init refuses; --force replaces.
    std::fs::write(&cfg, "# mine\n").unwrap();
    let out = vigil(&["init", d]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("vigil.toml exists; use --force to replace it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "# mine\n");
    assert_eq!(vigil(&["init", "--force", d]).status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&cfg)
            .unwrap()
            .starts_with("# vigil.toml")
    );
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

// ---------------------------------------------------------------- ingest, search, show

/// The samples ingested once into a data directory shared by the tests below, with the ingest's
/// stderr.
fn ingested() -> &'static (PathBuf, String) {
    static DATA: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        // Its own directory: other helpers clean up their thread's directory, and this one is
        // shared by every test, whichever thread first asked for it.
        let data = std::env::temp_dir()
            .join(format!("vigil-cli-{}-ingested", std::process::id()))
            .join("data");
        let out = vigil(&[
            "--config",
            "samples/vigil.toml",
            "--data",
            data.to_str().unwrap(),
            "ingest",
        ]);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "{err}");
        (data, err)
    })
}

/// `vigil search ARGS` on the shared data directory; stdout.
fn search(args: &[&str]) -> String {
    let (data, _) = ingested();
    let mut all = vec![
        "--config",
        "samples/vigil.toml",
        "--data",
        data.to_str().unwrap(),
        "search",
    ];
    all.extend_from_slice(args);
    let out = vigil(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The ids a search returns (all of them), sorted.
fn search_ids(args: &[&str]) -> Vec<String> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--format", "jsonl", "--limit", "1000000"]);
    let mut ids: Vec<String> = search(&all)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

/// The ids of the events `vigil parse` gives that satisfy `keep`: what a search must find.
fn parsed_ids(keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = parse_samples()
        .events
        .iter()
        .filter(|e| keep(e))
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn ingest_counts_per_source_and_category_are_exact_and_a_second_ingest_adds_nothing() {
    let (data, err) = ingested();
    let run = parse_samples();
    let lines: u64 = manifest_files()
        .iter()
        .filter(|f| read_of(f["file"].as_str().unwrap()).is_some())
        .map(|f| f["lines"].as_u64().unwrap())
        .sum();
    let total = format!(
        "total: {lines} new lines, {} new events, {} dead-lettered",
        run.events.len(),
        run.dead.len()
    );
    assert!(err.contains(&total), "{total}\n{err}");
    // Per source: the events the parsers make of the source's files.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for e in &run.events {
        *want
            .entry(read_of(&file_of(e)).unwrap().source.clone())
            .or_default() += 1;
    }
    let by_source: BTreeMap<String, u64> = search(&["*", "--count-by", "source"])
        .lines()
        .map(|l| {
            let (n, s) = l.split_once('\t').unwrap();
            (s.to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(by_source, want);
    // Per category: what the parsers make of the same files.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for e in &parse_samples().events {
        *want
            .entry(e["category"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let got: BTreeMap<String, u64> = search(&["*", "--count-by", "category"])
        .lines()
        .map(|l| {
            let (n, c) = l.split_once('\t').unwrap();
            (c.to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(got, want);
    // Again: nothing new.
    let out = vigil(&[
        "--config",
        "samples/vigil.toml",
        "--data",
        data.to_str().unwrap(),
        "ingest",
    ]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("total: 0 new lines, 0 new events, 0 dead-lettered"),
        "{err}"
    );
    assert_eq!(
        search(&["*", "--count"]),
        format!("{}\n", parse_samples().events.len())
    );
}

#[test]
fn the_dead_letter_holds_the_malformed_lines_with_their_line_numbers() {
    let (data, _) = ingested();
    let text = std::fs::read_to_string(data.join("deadletter/deadletter.jsonl")).unwrap();
    let got: BTreeSet<(String, u64)> = text
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            assert!(
                v["source"].is_string() && v["reason"].is_string() && v["raw"].is_string(),
                "{v}"
            );
            (file_of(&v), v["line"].as_u64().unwrap())
        })
        .collect();
    // The general log's three header lines are rejected too; its malformed line after a query is
    // read as that query's continuation (see malformed_lines_are_dead_lettered_where_they_are).
    let want = expected_dead_lines();
    assert_eq!(got, want);
    assert_eq!(text.lines().count(), want.len());
}

#[test]
fn searches_find_exactly_what_the_parsers_made() {
    let s = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
    assert_eq!(
        search_ids(&["actor:dba_chen"]),
        parsed_ids(|e| s(e, "actor").as_deref() == Some("dba_chen"))
    );
    assert_eq!(
        search_ids(&["src_ip:203.0.113.77"]),
        parsed_ids(|e| s(e, "src_ip").as_deref() == Some("203.0.113.77"))
    );
    assert_eq!(
        search_ids(&["action:login.failure AND NOT source:auth"]),
        // `parse` names a file's source after the file; the index, after the config's source.
        parsed_ids(|e| s(e, "action").as_deref() == Some("login.failure")
            && read_of(&file_of(e)).map(|r| r.source.as_str()) != Some("auth"))
    );
    assert_eq!(
        search_ids(&["ticket:CHG-2026-0012"]),
        parsed_ids(|e| s(e, "ticket").as_deref() == Some("CHG-2026-0012"))
    );
    // A day in the display zone (Asia/Shanghai): 2026-11-06 is [11-05 16:00Z, 11-06 16:00Z).
    let day = parsed_ids(|e| {
        let ts = s(e, "ts").unwrap();
        s(e, "action").as_deref() == Some("login.failure")
            && ts.as_str() >= "2026-11-05T16:00:00"
            && ts.as_str() < "2026-11-06T16:00:00"
    });
    assert!(!day.is_empty());
    assert_eq!(
        search_ids(&[
            "action:login.failure",
            "--since",
            "2026-11-06",
            "--until",
            "2026-11-07"
        ]),
        day
    );
    // Chinese words inside sentences.
    for word in ["删除", "导出", "著录"] {
        let want = parsed_ids(|e| e["message"].as_str().unwrap().contains(word));
        assert!(!want.is_empty(), "{word}");
        assert_eq!(search_ids(&[word]), want, "{word}");
    }
    // Counts per value are exact.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for e in &parse_samples().events {
        if e["action"] == "db.update"
            && let Some(a) = e["actor"].as_str()
        {
            *want.entry(a.to_string()).or_default() += 1;
        }
    }
    let got: BTreeMap<String, u64> = search(&["action:db.update", "--count-by", "actor"])
        .lines()
        .map(|l| {
            let (n, a) = l.split_once('\t').unwrap();
            (a.to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(got, want);
    // The table shows times in the display zone, newest first, without control characters.
    let table = search(&["actor:liuyang", "--limit", "3"]);
    assert_eq!(table.lines().count(), 3);
    assert!(table.starts_with("2026-11-26 "), "{table}");
    assert!(!table.contains('\u{1b}'));
}

#[test]
fn show_prints_the_event_its_raw_line_and_origin() {
    let (data, _) = ingested();
    let e = parse_samples()
        .events
        .iter()
        .find(|e| e["action"] == "export.request" && e["ticket"] == "EXP-2026-007")
        .unwrap();
    let id = e["id"].as_str().unwrap();
    let out = vigil(&[
        "--config",
        "samples/vigil.toml",
        "--data",
        data.to_str().unwrap(),
        "show",
        id,
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains(e["raw"].as_str().unwrap()), "{text}");
    let line = e["origin"]["line"].as_u64().unwrap();
    let offset = e["origin"]["offset"].as_u64().unwrap();
    assert!(
        text.contains(&format!(
            "samples/logs/archive-audit.jsonl line {line} (byte {offset})"
        )),
        "{text}"
    );
    let out = vigil(&[
        "--config",
        "samples/vigil.toml",
        "--data",
        data.to_str().unwrap(),
        "show",
        "0123",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "vigil: no event with id 0123\n"
    );
}

/// `vigil --data DATA ingest --format syslog --source auth ARGS` (quick use, no config), which
/// must exit with `code` (0 all read, 1 a file not read); its stderr (the summary).
fn quick_auth_ingest(data: &Path, args: &[&str], code: i32) -> String {
    let mut all = vec![
        "--data",
        data.to_str().unwrap(),
        "ingest",
        "--format",
        "syslog",
        "--source",
        "auth",
    ];
    all.extend_from_slice(args);
    let out = vigil(&all);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "{err}");
    err
}

#[test]
fn a_file_that_grew_gives_exactly_its_new_lines() {
    let dir = tempfile_dir().join("grow");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("auth.log");
    // The first 500 lines of the sample (its malformed lines come later), then 10 more.
    let bytes = std::fs::read(root().join("samples/logs/auth.log")).unwrap();
    let text = String::from_utf8_lossy(&bytes[..200_000]).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, lines[..500].join("\n") + "\n").unwrap();
    let data = dir.join("data");
    let ingest = || {
        quick_auth_ingest(
            &data,
            &["--zone", "Asia/Shanghai", log.to_str().unwrap()],
            0,
        )
    };
    assert!(ingest().contains("total: 500 new lines, 500 new events"));
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut f, (lines[500..510].join("\n") + "\n").as_bytes()).unwrap();
    drop(f);
    assert!(ingest().contains("total: 10 new lines, 10 new events"));
    assert!(ingest().contains("total: 0 new lines, 0 new events"));
    let out = vigil(&["--data", data.to_str().unwrap(), "search", "*", "--count"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "510\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_starts_like_another_is_refused_not_mixed_with_it() {
    // Files are known by their first line: b.log shares a.log's. Read on from where a.log was
    // left, b.log would lose its first lines, and its events would take the ids of a.log's.
    let dir = tempfile_dir().join("twins");
    std::fs::create_dir_all(&dir).unwrap();
    let first = "Nov 27 10:00:00 web1 sshd[1]: Server listening on 0.0.0.0 port 22.\n";
    let login = |t: &str, pid: u32, user: &str, ip: &str| {
        format!(
            "Nov 27 {t} web1 sshd[{pid}]: Accepted password for {user} from {ip} port 5000 ssh2\n"
        )
    };
    let (a, b) = (dir.join("a.log"), dir.join("b.log"));
    std::fs::write(
        &a,
        format!(
            "{first}{}{}",
            login("10:00:05", 2, "alice", "10.0.0.1"),
            login("10:00:06", 2, "bob", "10.0.0.2")
        ),
    )
    .unwrap();
    std::fs::write(
        &b,
        format!(
            "{first}{}{}{}",
            login("11:00:05", 9, "carol", "10.0.0.3"),
            login("11:00:06", 9, "dave", "10.0.0.4"),
            login("11:00:07", 9, "erin", "10.0.0.5")
        ),
    )
    .unwrap();
    let data = dir.join("data");
    let ingest = || quick_auth_ingest(&data, &[a.to_str().unwrap(), b.to_str().unwrap()], 1);
    let refused = format!(
        "not read {}: starts with the same line as {}, which was read up to byte ",
        b.display(),
        a.display()
    );
    let err = ingest();
    assert!(
        err.contains("total: 3 new lines, 3 new events, 0 dead-lettered"),
        "{err}"
    );
    assert!(err.contains(&refused), "{err}");
    assert!(err.contains("but its bytes before there differ"), "{err}");
    // a.log grows: its new line is read; b.log is still refused, and nothing of a.log is lost.
    let mut f = std::fs::OpenOptions::new().append(true).open(&a).unwrap();
    std::io::Write::write_all(&mut f, login("10:00:09", 2, "fred", "10.0.0.6").as_bytes()).unwrap();
    drop(f);
    let err = ingest();
    assert!(
        err.contains("total: 1 new lines, 1 new events, 0 dead-lettered"),
        "{err}"
    );
    assert!(err.contains(&refused), "{err}");
    let out = vigil(&[
        "--data",
        data.to_str().unwrap(),
        "search",
        "action:login.success",
        "--count-by",
        "actor",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "1\talice\n1\tbob\n1\tfred\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_or_corrupt_index_is_one_line_and_exit_2() {
    let dir = tempfile_dir().join("broken");
    let data = dir.join("data");
    let out = vigil(&["--data", data.to_str().unwrap(), "search", "x"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/data/index: no index here"), "{err}");
    std::fs::create_dir_all(data.join("index")).unwrap();
    std::fs::write(data.join("index/meta.json"), "garbage").unwrap();
    let out = vigil(&["--data", data.to_str().unwrap(), "search", "x"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("/data/index: the index's meta.json is corrupt"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_on_a_machine_set_to_utc_writes_utc() {
    let dir = tempfile_dir().join("site-utc");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["init", dir.to_str().unwrap()])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.join("vigil.toml")).unwrap();
    assert!(
        text.contains("\ndisplay_zone = \"UTC\"    # this machine's zone, from $TZ\n"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
