//! Windows event logs through the whole pipeline: real public `.evtx` files (samples/evtx)
//! ingested with exact counts, read again without a duplicate (by stream and record id, not by
//! file), followed by `watch`, and the checks' findings on them beside Linux events: a cleared
//! log, a member added to Administrators without a ticket, a departed account's logon, and a
//! brute force whose attempts are split between Windows' 4625 and sshd.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, count_in, root, stop_watch, vigil_ok, wait_for_count};

/// A site with the bundled `.evtx` samples under `evtx/`, and `extra` appended to its config.
fn site(name: &str, extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-evtx-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("samples/evtx"), &dir.join("evtx"));
    std::fs::write(
        dir.join("vigil.toml"),
        format!(
            r#"data_dir = "data"
display_zone = "UTC"

[[sources]]
name = "windows"
paths = ["evtx/*/*.evtx"]
format = "evtx"
role = "login"
{extra}"#
        ),
    )
    .unwrap();
    dir
}

fn counts_by(dir: &Path, query: &str, field: &str) -> Vec<(String, usize)> {
    let out = vigil_ok(dir, &["search", query, "--count-by", field, "--limit", "0"]);
    let mut rows: Vec<(String, usize)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (n, v) = l.split_once('\t').unwrap();
            (v.to_string(), n.parse().unwrap())
        })
        .collect();
    rows.sort();
    rows
}

fn findings(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let out = common::vigil_in(
        dir,
        &[
            &[
                "check",
                "--since",
                "2000-01-01",
                "--until",
                "2030-01-01",
                "--format",
                "json",
            ],
            args,
        ]
        .concat(),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    doc["findings"].as_array().unwrap().clone()
}

#[test]
fn evtx_files_ingest_with_exact_counts_and_are_never_read_twice() {
    let dir = site("ingest", "");
    let out = vigil_ok(&dir, &["ingest"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("windows: 11 files, 710 new lines, 710 new events, 0 dead-lettered"),
        "{err}"
    );
    // Per vigil action: the winlog mapping of the samples' event ids (their counts per EventID,
    // from evtx_dump, are checked in winlog/tests/samples.rs).
    let want = [
        ("account.create", 1),
        ("account.modify", 3),
        ("audit.log_cleared", 4),
        ("group.modify", 5),
        ("login.explicit_credentials", 95),
        ("login.failure", 17),
        ("login.privileged", 113),
        ("login.success", 138),
        ("logout", 19),
        ("password.change", 1),
        ("process.exec", 2),
        ("system.message", 312),
    ];
    let want: Vec<(String, usize)> = want.iter().map(|(a, n)| (a.to_string(), *n)).collect();
    assert_eq!(counts_by(&dir, "*", "action"), want);
    assert_eq!(
        counts_by(&dir, "action:login.failure", "src_ip"),
        vec![
            ("10.20.0.118".to_string(), 4),
            ("127.0.0.1".to_string(), 4),
            ("23.94.153.202".to_string(), 1)
        ]
    );
    // A record says its computer, channel and number.
    let out = vigil_ok(
        &dir,
        &[
            "search",
            "action:audit.log_cleared AND host:PC01.example.corp",
            "--format",
            "jsonl",
        ],
    );
    let cleared: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cleared.len(), 2);
    assert!(cleared.iter().all(|e| e["actor"] == "user01"));
    let channels: Vec<&str> = cleared
        .iter()
        .map(|e| e["fields"]["channel"].as_str().unwrap())
        .collect();
    assert!(
        channels.contains(&"Security") && channels.contains(&"System"),
        "{channels:?}"
    );

    // Read again: nothing new.
    let out = vigil_ok(&dir, &["ingest"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("windows: 11 files, 0 new lines, 0 new events"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same log copied under another name is the same stream: its records are known.
    let from = dir.join("evtx/evtx-crate/Security_with_size_t.evtx");
    std::fs::copy(&from, dir.join("evtx/evtx-crate/copy-of-security.evtx")).unwrap();
    let out = vigil_ok(&dir, &["ingest"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("windows: 12 files, 0 new lines, 0 new events"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count_in(&dir, "*"), 710);
    // The evidence archive holds every record once.
    vigil_ok(&dir, &["archive", "verify"]);
}

#[test]
fn watch_reads_an_evtx_file_that_arrives_and_its_later_copy_once() {
    let dir = site("watch", "");
    let later = dir.join("later");
    std::fs::create_dir_all(&later).unwrap();
    std::fs::rename(dir.join("evtx"), later.join("evtx")).unwrap();
    std::fs::create_dir_all(dir.join("evtx/arrived")).unwrap();
    let watch = common::start_watch_in(&dir, &["--commit-every", "200ms", "--poll-every", "200ms"]);
    let sample = later.join("evtx/evtx-crate/Security_with_size_t.evtx");
    std::fs::copy(&sample, dir.join("evtx/arrived/Security.evtx")).unwrap();
    assert_eq!(wait_for_count(&dir, "*", 636), 636);
    // A later copy of the same log (as a collector copies it again): nothing new.
    std::fs::copy(&sample, dir.join("evtx/arrived/Security-2.evtx")).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let (code, err) = stop_watch(watch);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(count_in(&dir, "*"), 636);
}

#[test]
fn the_checks_judge_windows_events_as_they_judge_linux_ones() {
    let dir = site(
        "checks",
        r#"
[[sources]]
name = "auth"
paths = ["auth.log"]
format = "syslog"
host = "arch-web01"
role = "login"
reference_time = "2016-07-01"

[[sources]]
name = "forwarded"
paths = ["forwarded.jsonl"]
format = "winlog"
role = "login"

[registers]
accounts = "accounts.csv"
"#,
    );
    // lgrove has left: her logons in the samples are a departed account's.
    std::fs::write(
        dir.join("accounts.csv"),
        "user,name,dept,kind,status,changed_on\nlgrove,L Grove,IT,employee,departed,2015-01-01\n",
    )
    .unwrap();
    // A brute force split between Windows and Linux: two failures at the Windows server (as a
    // collector forwards them, one record a line) and three at sshd, from one address within
    // two minutes. Neither log alone reaches the policy's five.
    let record = |n: u32, second: u32| {
        format!(
            r##"{{"Event":{{"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Security-Auditing"}}}},"EventID":4625,"TimeCreated":{{"#attributes":{{"SystemTime":"2016-06-29T15:24:{second:02}.000000Z"}}}},"EventRecordID":{n},"Channel":"Security","Computer":"arch-win01"}},"EventData":{{"TargetUserName":"Administrator","TargetDomainName":"ARCH","LogonType":3,"IpAddress":"198.51.100.77","IpPort":"51000","Status":"0xc000006d","SubStatus":"0xc000006a","WorkstationName":"-"}}}}}}"##
        )
    };
    std::fs::write(
        dir.join("forwarded.jsonl"),
        format!("{}\n{}\n", record(9001, 10), record(9002, 20)),
    )
    .unwrap();
    std::fs::write(
        dir.join("auth.log"),
        (0..3)
            .map(|i| {
                format!(
                    "Jun 29 15:25:{:02} arch-web01 sshd[4{i}]: Failed password for root from 198.51.100.77 port 5{i}000 ssh2\n",
                    10 * i
                )
            })
            .collect::<String>(),
    )
    .unwrap();
    vigil_ok(&dir, &["ingest"]);
    let found = findings(&dir, &[]);
    let of = |rule: &str| -> Vec<&serde_json::Value> {
        found.iter().filter(|f| f["rule"] == rule).collect()
    };
    // The cleared logs: 1102 (Security) and 104 (System) by the Eventlog provider.
    let tampering: Vec<String> = of("audit.tampering")
        .iter()
        .map(|f| f["summary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        tampering,
        vec![
            "audit log cleared by user01 on PC01.example.corp (Security)",
            "audit log cleared by user01 on PC01.example.corp (System)",
            "audit log cleared by a-jbrown on 01566s-win16-ir.threebeesco.com (Security)",
            "audit log cleared by admin on wind10.winlab.local (Security)",
        ]
    );
    // Members added to Administrators (4732) with no special_permission ticket.
    let grants = of("permission.unapproved");
    assert_eq!(grants.len(), 3);
    assert!(
        grants.iter().all(|f| f["summary"]
            .as_str()
            .unwrap()
            .contains("added to the administrator group Administrators")),
        "{grants:?}"
    );
    // The departed account's logons (4624).
    let departed = of("login.disabled_account");
    assert!(!departed.is_empty());
    assert!(
        departed
            .iter()
            .all(|f| f["summary"].as_str().unwrap().contains("lgrove")),
        "{departed:?}"
    );
    // One burst of five from 198.51.100.77 across both systems.
    let brute: Vec<&serde_json::Value> = of("login.bruteforce")
        .into_iter()
        .filter(|f| f["summary"].as_str().unwrap().contains("198.51.100.77"))
        .collect();
    assert_eq!(brute.len(), 1, "{:?}", of("login.bruteforce"));
    assert!(
        brute[0]["summary"]
            .as_str()
            .unwrap()
            .contains("5 failed logins"),
        "{}",
        brute[0]["summary"]
    );
}
