//! `vigil backups verify` as cron runs it: on the sample month (its planted missing and failed
//! runs, exactly), and on a generated artefact tree: all fine (exit 0), one byte flipped (the
//! file named, exit 1), an artefact gone from disk, a truncated gzip with `--deep`, a stale
//! newest artefact, a bad manifest line (exit 2, one line); node_exporter metrics; the verdicts
//! indexed for `vigil check --rule backup.corrupt`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{samples_copy, vigil_in};
use sha2::{Digest, Sha256};

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = vigil_in(dir, args);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_sample_month_shows_exactly_its_missing_and_failed_runs() {
    let dir = samples_copy("backups-month");
    let (code, out, err) = run(&dir, &["backups", "verify", "--month", "2026-11"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        out,
        "archive-db: MISSING run expected 2026-11-04 02:00 (grace 1h); FAILED run of 2026-11-17 02:00: pg_dump: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  the database system is in recovery mode\n\
         archive-files: OK (30 runs, the last finished 2026-11-30 03:30, 44.6 MB)\n\
         archive-conf: OK (5 runs, the last finished 2026-11-29 04:00, 44.4 MB)\n\
         borg-db: FAILED run of 2026-11-06 01:30: Failed to create/acquire the lock /backup/borg/arch-db01/lock.exclusive (timeout).\n\
         restic-files: FAILED run of 2026-11-10 01:15: Fatal: unable to create lock in backend: repository is already locked by PID 26399 on arch-web01 by root (UID 0, GID 0); FAILED run of 2026-11-10 03:00: Fatal: unable to create lock in backend: repository is already locked by PID 22604 on arch-web01 by root (UID 0, GID 0)\n"
    );
    // A quiet day: exit 0. JSON for monitoring.
    let (code, out, err) = run(
        &dir,
        &[
            "backups",
            "verify",
            "--date",
            "2026-11-20",
            "--no-ingest",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["jobs"].as_array().unwrap().len(), 5);
    assert_eq!(doc["jobs"][0]["runs"][0]["status"], "ok");
    // `2026-11-20 02:01:42 [backup-archive-db] FINISH status=OK bytes=1823236126 duration=97s`
    assert_eq!(doc["jobs"][0]["runs"][0]["bytes"], 1_823_236_126_u64);
    assert_eq!(
        doc["jobs"][0]["runs"][0]["finished"],
        "2026-11-19T18:01:42Z"
    );
    // A job that is not configured, and a window given twice: exit 2, one line.
    let (code, _, err) = run(
        &dir,
        &["backups", "verify", "--job", "nosuch", "--no-ingest"],
    );
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "vigil: --job \"nosuch\": no such job; the jobs are archive-db, archive-files, archive-conf, borg-db, restic-files\n"
    );
    let (code, _, err) = run(
        &dir,
        &[
            "backups",
            "verify",
            "--date",
            "2026-11-20",
            "--month",
            "2026-11",
            "--no-ingest",
        ],
    );
    assert_eq!(
        (code, err.as_str()),
        (
            Some(2),
            "vigil: --date, --month and --since/--until: give one of them\n"
        )
    );
}

const FORMAT: &str = r#"
[[formats]]
name = "nightly"
[[formats.patterns]]
regex = '^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] START$'
ts_format = "%Y-%m-%d %H:%M:%S"
action = "backup.start"
[[formats.patterns]]
regex = '^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] FINISH status=(?P<outcome>\w+) bytes=(?P<bytes>\d+)$'
ts_format = "%Y-%m-%d %H:%M:%S"
action = "backup.finish"
"#;

/// A site whose nightly job `db` ran at 02:00 on 2026-11-20 and left three artefacts and a
/// manifest; the newest artefact's time is `newest` (the others a day older).
struct Site {
    dir: PathBuf,
    artefacts: PathBuf,
}

fn site(name: &str, newest: SystemTime, extra: &str) -> Site {
    let dir = std::env::temp_dir().join(format!("vigil-backups-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let artefacts = dir.join("artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("logs/nightly.log"),
        "2026-11-20 02:00:01 [db] START\n2026-11-20 02:03:10 [db] FINISH status=OK bytes=3000\n",
    )
    .unwrap();
    // Incompressible-ish contents, a gzip artefact, and the manifest.
    let mut manifest = String::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&b"archive item 2019-WS-0031\n".repeat(2000))
        .unwrap();
    let files: [(&str, Vec<u8>); 3] = [
        (
            "db-20261119.dump",
            (0..5000u32).map(|i| (i * 7 % 251) as u8).collect(),
        ),
        (
            "db-20261120.dump",
            (0..7000u32).map(|i| (i * 13 % 253) as u8).collect(),
        ),
        ("conf-20261120.tar.gz", gz.finish().unwrap()),
    ];
    for (i, (name, bytes)) in files.iter().enumerate() {
        let path = artefacts.join(name);
        std::fs::write(&path, bytes).unwrap();
        let when = if i == 0 {
            newest - Duration::from_secs(86_400)
        } else {
            newest
        };
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
        let hex: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        manifest.push_str(&format!("{hex}  {name}\n"));
    }
    std::fs::write(artefacts.join("SHA256SUMS"), manifest).unwrap();
    std::fs::write(
        dir.join("vigil.toml"),
        format!(
            r#"data_dir = "data"
[[sources]]
name = "nightly"
paths = ["logs/nightly.log"]
format = "nightly"
role = "backup"
{FORMAT}
[[backups]]
name = "db"
schedule = "0 2 * * *"
grace = "1h"
source = "nightly"
job = "db"
artefacts = ["artefacts/*.dump", "artefacts/*.gz"]
manifest = "artefacts/SHA256SUMS"
{extra}
"#
        ),
    )
    .unwrap();
    Site { dir, artefacts }
}

fn verify(s: &Site, more: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["backups", "verify", "--date", "2026-11-20"];
    args.extend_from_slice(more);
    run(&s.dir, &args)
}

/// 2026-11-20 02:03 in Shanghai.
fn night() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_111_380)
}

#[test]
fn artefacts_are_hashed_against_their_manifest_and_a_flipped_byte_is_named() {
    let s = site("flip", night(), "");
    let prom = s.dir.join("vigil.prom");
    let (code, out, err) = verify(&s, &["--prometheus", prom.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    // Three artefacts; the window's two are hashed (7,000 bytes and the gzip), the older one is
    // not re-hashed without --sample.
    assert!(
        out.starts_with(
            "db: OK (1 run, the last finished 2026-11-20 02:03, 3.0 kB, 3 artefacts, 7."
        ),
        "{out}"
    );
    let metrics = std::fs::read_to_string(&prom).unwrap();
    for line in [
        "vigil_backup_run_ok{job=\"db\"} 1\n",
        "vigil_backup_verification_ok{job=\"db\"} 1\n",
        "vigil_backup_ok{job=\"db\"} 1\n",
        "vigil_backup_runs{job=\"db\",status=\"ok\"} 1\n",
        "vigil_backup_last_success_timestamp_seconds{job=\"db\"} 1795111390\n",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    // node_exporter, another user, can read it.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&prom).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // Quiet when all is well; narrowed on request.
    let (code, out, err) = verify(
        &s,
        &[
            "--no-ingest",
            "--quiet",
            "--prometheus",
            prom.to_str().unwrap(),
            "--prometheus-mode",
            "0640",
        ],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));
    let mode = std::fs::metadata(&prom).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // The newest success is kept however old: a window after it still carries it.
    let (_, _, err) = verify(
        &s,
        &[
            "--no-ingest",
            "--date",
            "2026-11-25",
            "--prometheus",
            prom.to_str().unwrap(),
        ],
    );
    let metrics = std::fs::read_to_string(&prom).unwrap();
    assert!(
        metrics.contains("vigil_backup_last_success_timestamp_seconds{job=\"db\"} 1795111390\n"),
        "{metrics}{err}"
    );
    let (code, _, err) = verify(&s, &["--no-ingest", "--prometheus-mode", "0666"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no one else write it"), "{err}");
    // One byte flipped in last night's dump.
    let dump = s.artefacts.join("db-20261120.dump");
    let mut bytes = std::fs::read(&dump).unwrap();
    bytes[4321] ^= 0x01;
    std::fs::write(&dump, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&dump)
        .unwrap()
        .set_modified(night())
        .unwrap();
    let (code, out, err) = verify(&s, &["--no-ingest", "--prometheus", prom.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    let want = format!(
        "db: MISMATCH {}: sha256 mismatch (the manifest says ",
        dump.display()
    );
    assert!(out.starts_with(&want), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let metrics = std::fs::read_to_string(&prom).unwrap();
    assert!(
        metrics.contains("vigil_backup_verification_ok{job=\"db\"} 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("vigil_backup_run_ok{job=\"db\"} 1\n"),
        "{metrics}"
    );
    // The verdict is in the index: the checks report it.
    let (code, out, err) = run(
        &s.dir,
        &[
            "check",
            "--since",
            "2026-11-01",
            "--until",
            "2026-12-01",
            "--rule",
            "backup.corrupt",
            "--no-ingest",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{out}");
    assert!(
        findings[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("db: 1 artefact problem: MISMATCH "),
        "{out}"
    );
}

#[test]
fn a_missing_artefact_a_corrupt_gzip_and_a_stale_newest_are_each_named() {
    let s = site("gone", night(), "max_age = \"26h\"");
    std::fs::remove_file(s.artefacts.join("db-20261119.dump")).unwrap();
    let gz = s.artefacts.join("conf-20261120.tar.gz");
    let bytes = std::fs::read(&gz).unwrap();
    // Cut the gzip short and fix the manifest so that only decompression can tell.
    let cut = &bytes[..bytes.len() / 2];
    std::fs::write(&gz, cut).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&gz)
        .unwrap()
        .set_modified(night())
        .unwrap();
    let manifest = s.artefacts.join("SHA256SUMS");
    let hex: String = Sha256::digest(cut)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.ends_with("conf-20261120.tar.gz") {
                format!("{hex}  conf-20261120.tar.gz\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&manifest, text).unwrap();
    let (code, out, err) = verify(&s, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains(&format!(
            "MISSING {}: missing",
            s.artefacts.join("db-20261119.dump").display()
        )),
        "{out}"
    );
    assert!(out.contains("STALE newest artefact"), "{out}");
    assert!(!out.contains("CORRUPT"), "{out}");
    let (code, out, _) = verify(&s, &["--no-ingest", "--deep"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains(&format!("CORRUPT {}: corrupt", gz.display())),
        "{out}"
    );
}

#[test]
fn a_bad_manifest_line_stops_the_run_with_one_line() {
    let s = site("bad-manifest", night(), "");
    std::fs::write(
        s.artefacts.join("SHA256SUMS"),
        "not a hash  db-20261120.dump\n",
    )
    .unwrap();
    let (code, out, err) = verify(&s, &[]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("vigil: job db: "), "{err}");
    assert!(
        err.contains("artefacts/SHA256SUMS:1: the line does not start with a sha256"),
        "{err}"
    );
}
