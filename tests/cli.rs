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

fn sample_logs() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("samples/logs"))
        .unwrap()
        .map(|e| format!("samples/logs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    v.sort();
    v
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

#[test]
fn samples_parse_into_exact_counts() {
    let run = parse_samples();
    let mut per_file: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for e in &run.events {
        per_file.entry(file_of(e)).or_default().0 += 1;
    }
    for d in &run.dead {
        per_file.entry(file_of(d)).or_default().1 += 1;
    }
    let want: BTreeMap<String, (usize, usize)> = [
        ("archive-audit.jsonl", (1214, 2)),
        ("audit.log", (2913, 2)),
        ("auth-rfc5424.log", (2331, 2)),
        ("auth.log", (2197, 2)),
        ("backup-job.log", (796, 2)),
        ("borg-create.jsonl", (293, 2)),
        ("mysql-general.log", (2127, 4)),
        ("postgresql.log", (4396, 2)),
        ("restic-backup.jsonl", (63, 2)),
        ("server_audit.log", (2177, 2)),
    ]
    .into_iter()
    .map(|(f, n)| (f.to_string(), n))
    .collect();
    assert_eq!(per_file, want);
    assert!(
        run.stderr
            .contains("total: 10 files, 23509 lines, 18507 events, 22 rejected"),
        "{}",
        run.stderr
    );
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
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("samples/manifest.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for f in manifest["files"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        for p in f["planted"].as_array().unwrap() {
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
    assert_eq!(checked, 33);
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
