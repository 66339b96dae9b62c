//! `vigil check` on the sample month: exactly the planted findings, compared with a committed
//! expected file and with the manifest's list of planted violations and near misses; the exit
//! status by severity; bad registers and rules named in one line with exit 2.
//!
//! The samples are copied and their modification time set to 2026-12-01 00:00 (Shanghai), the
//! moment after the month they cover: lines without a year (RFC 3164) are dated against it, so
//! the result does not depend on the day the test runs (the samples also name a `reference_time`;
//! tests/timeless.rs checks the month with other mtimes).
//!
//! `VIGIL_BLESS=1 cargo test --test check` rewrites `tests/expected/check-2026-11.json` after a
//! deliberate change; review its diff.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

mod common;
use common::{root, samples_copy, vigil_in};

/// The month checked once (ingesting first), shared by the tests: (copy, stdout, stderr, exit).
fn checked() -> &'static (PathBuf, String, String, Option<i32>) {
    static RUN: OnceLock<(PathBuf, String, String, Option<i32>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = samples_copy("month");
        let out = vigil_in(&dir, &["check", "--month", "2026-11", "--format", "json"]);
        (
            dir,
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code(),
        )
    })
}

fn report() -> Value {
    let (_, stdout, stderr, code) = checked();
    assert_eq!(*code, Some(1), "{stderr}");
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn the_sample_month_gives_the_expected_findings() {
    let got = report();
    let path = root().join("tests/expected/check-2026-11.json");
    if std::env::var_os("VIGIL_BLESS").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    if got != want {
        // Name the first difference rather than print two large documents.
        let (g, w) = (&got["findings"], &want["findings"]);
        let n = g
            .as_array()
            .map_or(0, Vec::len)
            .max(w.as_array().map_or(0, Vec::len));
        for i in 0..n {
            assert_eq!(
                g[i], w[i],
                "finding {i} differs (VIGIL_BLESS=1 rewrites the expected file)"
            );
        }
        assert_eq!(got, want);
    }
    let (_, _, stderr, _) = checked();
    assert!(
        stderr.contains("check: index brought up to date:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("check: 2026-11-01 00:00 to 2026-12-01 00:00 (Asia/Shanghai): 28 high, 18 medium, 427 low"),
        "{stderr}"
    );
}

/// Every indexed event: its id, and its file's name, offset and source.
fn indexed() -> Vec<(String, String, u64, String)> {
    let (dir, _, _, _) = checked();
    let out = vigil_in(
        dir,
        &["search", "*", "--format", "jsonl", "--limit", "1000000"],
    );
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            let path = Path::new(e["origin"]["path"].as_str().unwrap());
            (
                e["id"].as_str().unwrap().to_string(),
                path.file_name().unwrap().to_string_lossy().into_owned(),
                e["origin"]["offset"].as_u64().unwrap(),
                e["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn every_planted_violation_fires_and_no_near_miss_does() {
    let report = report();
    let findings = report["findings"].as_array().unwrap();
    let indexed = indexed();
    let origins: BTreeMap<&str, (&str, u64)> = indexed
        .iter()
        .map(|(id, file, offset, _)| (id.as_str(), (file.as_str(), *offset)))
        .collect();
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("samples/manifest.json")).unwrap(),
    )
    .unwrap();
    let mut files: Vec<&Value> = manifest["files"].as_array().unwrap().iter().collect();
    files.extend(manifest["history"].as_array().into_iter().flatten());
    // The source each file is read by: that of any event from it.
    let source_of: BTreeMap<&str, &str> = indexed
        .iter()
        .map(|(_, file, _, source)| (file.as_str(), source.as_str()))
        .collect();
    // Absence findings have no line of the planted event: they match by account or source.
    let by_account = [
        "account.departed_active",
        "account.dormant_outsourced",
        "login.disabled_account",
    ];
    let mut planted_rules = 0;
    let mut near_misses = 0;
    for f in &files {
        let file = f["file"].as_str().unwrap();
        for p in f["planted"].as_array().unwrap() {
            let offsets: BTreeSet<u64> = p["offsets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .collect();
            let actor = p["actor"].as_str();
            let shows = |finding: &Value| {
                finding["evidence"].as_array().unwrap().iter().any(|id| {
                    origins
                        .get(id.as_str().unwrap())
                        .is_some_and(|(f, o)| *f == file && offsets.contains(o))
                })
            };
            let mut fire = strings(&p["rule"]);
            fire.extend(strings(&p["also"]));
            for rule in &fire {
                planted_rules += 1;
                let found = findings.iter().any(|x| {
                    x["rule"] == rule.as_str()
                        && (shows(x)
                            || (by_account.contains(&rule.as_str())
                                && x["actor"].as_str() == actor)
                            || (rule == "source.silent"
                                && x["source"].as_str() == source_of.get(file).copied()))
                });
                assert!(
                    found,
                    "{file}: planted {} ({:?}) must fire {rule}",
                    p["event"], p["time"]
                );
            }
            let mut spared = strings(&p["near_miss"]);
            spared.extend(strings(&p["also_near_miss"]));
            for rule in &spared {
                near_misses += 1;
                // By account: the same account's finding on the same day (a disabled account's
                // use is reported per day).
                let day = p["time"].as_str().map(|t| &t[..10]);
                let fired = findings.iter().find(|x| {
                    x["rule"] == rule.as_str()
                        && (shows(x)
                            || (by_account.contains(&rule.as_str())
                                && x["actor"].as_str() == actor
                                && (rule != "login.disabled_account"
                                    || x["time"].as_str().map(|t| &t[..10]) == day)))
                });
                assert!(
                    fired.is_none(),
                    "{file}: near miss {} ({:?}) fired {rule}: {fired:?}",
                    p["event"],
                    p["time"]
                );
            }
        }
    }
    assert!(
        planted_rules >= 30 && near_misses >= 25,
        "{planted_rules} planted, {near_misses} near misses"
    );
    // Every rule of the table has at least one planted violation among the findings, but those
    // the sample logs cannot show: no backup run is late or undersized there, and the samples
    // have no artefacts to find corrupt (`backups/tests` and `tests/backups.rs` show those).
    let fired: BTreeSet<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    let all: BTreeSet<&str> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|r| !["backup.late", "backup.undersized", "backup.corrupt"].contains(r))
        .collect();
    assert_eq!(fired, all);
}

#[test]
fn exit_status_follows_the_worst_finding_and_fail_on() {
    let (dir, _, _, _) = checked();
    let run = |args: &[&str]| {
        let mut all = vec!["check", "--month", "2026-11", "--no-ingest"];
        all.extend_from_slice(args);
        let out = vigil_in(dir, &all);
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // Only medium findings: 1 at the default (medium), 0 with --fail-on high. The table opens
    // with the count per rule.
    let (code, out, _) = run(&["--rule", "login.bruteforce"]);
    assert_eq!(code, Some(1));
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("rule                        severity  findings")
    );
    assert_eq!(
        lines.next(),
        Some("login.bruteforce            medium    8")
    );
    assert_eq!(lines.next(), Some(""));
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 8, "{out}");
    assert!(
        rest.iter().all(|l| l.contains("medium  login.bruteforce")),
        "{out}"
    );
    // Globs name several rules; --min-severity hides the rest, the counts still say them all,
    // high first.
    let (code, out, err) = run(&[
        "--rule",
        "admin.*",
        "--rule",
        "backup.*",
        "--min-severity",
        "medium",
    ]);
    assert_eq!(code, Some(1), "{err}");
    let table: Vec<&str> = out.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        table,
        vec![
            "rule                        severity  findings",
            "backup.failed               high      4",
            "backup.missing              high      1",
            "admin.offhours              medium    4",
            "backup.change_uncovered     medium    1",
            "admin.action                low       427 (427 not shown)",
        ]
    );
    let shown: Vec<&str> = out.lines().skip(table.len() + 1).collect();
    assert_eq!(shown.len(), 10, "{out}");
    assert!(shown[..5].iter().all(|l| l.contains("  high  ")), "{out}");
    assert!(
        err.contains("check: 10 of 437 findings shown (--min-severity medium)"),
        "{err}"
    );
    let (_, out, _) = run(&[
        "--rule",
        "backup.*",
        "--min-severity",
        "high",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (doc["shown"].as_u64(), doc["counts"]["medium"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(
        run(&["--rule", "login.bruteforce", "--fail-on", "high"]).0,
        Some(0)
    );
    // Only low findings: 0 unless --fail-on low.
    assert_eq!(run(&["--rule", "admin.action"]).0, Some(0));
    assert_eq!(
        run(&["--rule", "admin.action", "--fail-on", "low"]).0,
        Some(1)
    );
    // A month and a range at once: one line, exit 2, nothing on stdout.
    let (code, out, err) = run(&["--since", "2026-11-01"]);
    assert_eq!((code, out.as_str()), (Some(2), ""), "{err}");
    assert_eq!(
        err,
        "vigil: --month and --since/--until: give either a month or a range\n"
    );
    let (code, _, err) = run(&["--rule", "nosuch"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(
            "vigil: --rule \"nosuch\": no such rule; the rules are data_edit.unapproved,"
        ),
        "{err}"
    );
}

/// `vigil check --month 2026-11` on the copy in `dir`.
fn check_month(dir: &Path) -> std::process::Output {
    vigil_in(dir, &["check", "--month", "2026-11"])
}

#[test]
fn a_bad_register_row_is_named_and_nothing_is_checked() {
    let dir = samples_copy("bad-register");
    let approvals = dir.join("approvals.csv");
    let mut text = std::fs::read_to_string(&approvals).unwrap();
    text.push_str("CHG-2026-0099,data_edit,1,dba_wang,张总,general_manager,2026-11-30T10:00:00+08:00,2026-11-31T00:00:00+08:00,2026-12-01T00:00:00+08:00,public.archive_item\n");
    std::fs::write(&approvals, &text).unwrap();
    let line = text.lines().count();
    let out = check_month(&dir);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.ends_with(&format!(
            "approvals.csv: line {line}, column valid_from: \"2026-11-31T00:00:00+08:00\" is not a time with its offset; write it as 2026-11-16T09:00:00+08:00\n"
        )),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // The registers are read before anything else: no index was made.
    assert!(!dir.join("data").exists());

    let accounts = dir.join("accounts.csv");
    std::fs::write(&approvals, "ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope\n").unwrap();
    std::fs::write(
        &accounts,
        "user,name,dept,kind,status\nzhangwei,张伟,档案室,employee,active\n",
    )
    .unwrap();
    let out = check_month(&dir);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "accounts.csv: line 1, column changed_on: the header has no column \"changed_on\""
        ),
        "{err}"
    );
}

/// `check --lang zh`: the rules by their Chinese names and the findings said in Chinese; every
/// finding of the month has its Chinese summary in the JSON.
#[test]
fn check_speaks_chinese_when_asked() {
    let (dir, ..) = checked();
    let out = vigil_in(
        dir,
        &[
            "check",
            "--month",
            "2026-11",
            "--no-ingest",
            "--lang",
            "zh",
            "--rule",
            "data_export.*",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "规则                          级别  发现数  规则名称\n\
data_export.unapproved      高    3       未经审批的数据导出\n\
\n\
2026-11-10 16:12:30  高       data_export.unapproved      dba_wang 导出了 public.borrow_record，无已审批的数据导出工单\n\
2026-11-17 16:29:29  高       data_export.unapproved      wuxia 导出了 catalog/2023-KJ，无已审批的数据导出工单\n\
2026-11-19 15:42:10  高       data_export.unapproved      dba_chen 转储了 /usr/bin/pg_dump -d archive -t public.archive_item -f /tmp/archive_item.sql，无已审批的数据导出工单\n"
    );
    let findings = report()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 473);
    for f in &findings {
        let zh = f["summary_zh"].as_str().unwrap_or_default();
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: no Chinese summary: {zh:?}",
            f["rule"]
        );
    }
}
