//! Every real auditd log in tests/fixtures/realdata through the auditd parser: every line accounted for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use vigil_parsers::auditd::AuditdParser;
use vigil_parsers::{Output, ParseContext, parse_text};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/realdata")
}

fn ctx() -> ParseContext {
    ParseContext::new(
        "audit",
        "ctx-host",
        chrono_tz::UTC,
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
}

/// The record lines of a go-libaudit aucoalesce YAML fixture: the lines of its `|` blocks.
fn yaml_records(text: &str) -> String {
    let mut out = String::new();
    for l in text.lines() {
        if let Some(r) = l.strip_prefix("    ") {
            out.push_str(r);
            out.push('\n');
        }
    }
    out
}

fn run(rel: &str) -> (usize, Vec<Output>) {
    let p = root().join(rel);
    let bytes = std::fs::read(&p).unwrap();
    let text = if rel.ends_with(".yaml") {
        yaml_records(&String::from_utf8(bytes).unwrap()).into_bytes()
    } else {
        bytes
    };
    let lines = text.split_inclusive(|b| *b == b'\n').count();
    let mut parser = AuditdParser::new();
    (lines, parse_text(&mut parser, &ctx(), rel, &text))
}

/// Events per action and rejections per reason class of one file; checks that every line is
/// a record of exactly one event or a rejection.
fn tally(rel: &str) -> (BTreeMap<String, usize>, BTreeMap<&'static str, usize>) {
    let (lines, out) = run(rel);
    let (mut actions, mut rejects) = (BTreeMap::new(), BTreeMap::new());
    let mut accounted = 0;
    for o in &out {
        match o {
            Ok(e) => {
                *actions.entry(e.action.to_string()).or_insert(0) += 1;
                accounted += e.fields["types"].as_array().map_or(0, Vec::len);
                assert_eq!(e.format, "auditd");
            }
            Err(r) => {
                *rejects.entry(r.error.class()).or_insert(0) += 1;
                accounted += 1;
            }
        }
    }
    assert_eq!(accounted, lines, "{rel}: every line is accounted for");
    (actions, rejects)
}

fn m<K: Ord + Clone>(pairs: &[(K, usize)]) -> BTreeMap<K, usize> {
    pairs.iter().cloned().collect()
}

fn a(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn counts_per_file() {
    let none: BTreeMap<&'static str, usize> = BTreeMap::new();
    let table: Vec<(&str, BTreeMap<String, usize>)> = vec![
        (
            "elastic_go-libaudit/auparse_testdata_audit-rhel6.log",
            a(&[("other", 1), ("sudo.command", 1)]),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-ubuntu14.log",
            a(&[("other", 1)]),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-ubuntu16.log",
            a(&[
                ("login.invalid_user", 1),
                ("login.success", 1),
                ("other", 1),
            ]),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-ubuntu17.log",
            a(&[("process.exec", 1)]),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_test2.log",
            a(&[
                ("file.access", 1),
                ("other", 4),
                ("session.close", 1),
                ("session.open", 1),
            ]),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_test3.log",
            a(&[("group.modify", 1), ("other", 8), ("process.exec", 1)]),
        ),
        (
            "elastic_go-libaudit/aucoalesce_testdata_ubuntu-16.10-linux-4.8.0.yaml",
            a(&[
                ("audit.config_change", 2),
                ("config.change", 1),
                ("login.invalid_user", 1),
                ("login.success", 1),
                ("network.connect", 1),
                ("other", 4),
                ("process.exec", 1),
                ("service.start", 1),
                ("session.close", 1),
                ("session.open", 1),
            ]),
        ),
        (
            "elastic_go-libaudit/aucoalesce_testdata_ubuntu-17.04-linux-4.10.0.yaml",
            a(&[
                ("file.access", 2),
                ("login.failure", 1),
                ("login.invalid_user", 1),
                ("other", 5),
                ("password.change", 1),
                ("process.exec", 1),
                ("session.close", 1),
                ("session.open", 1),
                ("su.success", 1),
                ("sudo.command", 1),
            ]),
        ),
        (
            "elastic_beats/filebeat_module_auditd_log_test_audit-cent7-node.log",
            a(&[
                ("audit.config_change", 2),
                ("service.start", 6),
                ("system.boot", 1),
                ("system.message", 1),
            ]),
        ),
        (
            "elastic_beats/filebeat_module_auditd_log_test_useradd.log",
            a(&[
                ("account.create", 1),
                ("group.modify", 3),
                ("login.success", 1),
                ("other", 2),
                ("password.change", 1),
            ]),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test.log",
            a(&[
                ("file.access", 1),
                ("other", 4),
                ("session.close", 1),
                ("session.open", 1),
            ]),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test2.log",
            a(&[
                ("file.access", 1),
                ("other", 4),
                ("session.close", 1),
                ("session.open", 1),
            ]),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test3.log",
            a(&[("group.modify", 1), ("other", 7)]),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test4.log",
            a(&[("process.exec", 2)]),
        ),
        (
            "threathunters-io_laurel/line-user-acct.txt",
            a(&[("other", 1)]),
        ),
        (
            "threathunters-io_laurel/record-connect.txt",
            a(&[("network.connect", 2)]),
        ),
        (
            "threathunters-io_laurel/record-execve.txt",
            a(&[("process.exec", 1)]),
        ),
        (
            "threathunters-io_laurel/record-login.txt",
            a(&[("other", 1)]),
        ),
        (
            "threathunters-io_laurel/record-perl-reverse-shell.txt",
            a(&[("process.exec", 1)]),
        ),
        (
            "threathunters-io_laurel/record-service-start.txt",
            a(&[("other", 1), ("service.start", 1)]),
        ),
    ];
    for (rel, want) in &table {
        let (got, rejects) = tally(rel);
        assert_eq!(&got, want, "{rel}");
        assert_eq!(rejects, none, "{rel}: no rejections");
    }
    // Every auditd fixture is in the table.
    let mut listed: Vec<&str> = table.iter().map(|(r, _)| *r).collect();
    listed.sort();
    let mut found = Vec::new();
    for dir in [
        "elastic_go-libaudit",
        "elastic_beats",
        "linux-audit_audit-userspace",
        "threathunters-io_laurel",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            let ours = name.ends_with(".log")
                && (dir != "elastic_beats" || name.contains("auditd"))
                || (dir == "threathunters-io_laurel" && name.ends_with(".txt"))
                || name.starts_with("aucoalesce_testdata_");
            if ours {
                found.push(format!("{dir}/{name}"));
            }
        }
    }
    found.sort();
    assert_eq!(listed, found);
}

/// The same files with a junk line, a truncated record and an orphan EOE added: rejections
/// are counted by reason.
#[test]
fn rejections_per_reason() {
    let mut text =
        std::fs::read(root().join("threathunters-io_laurel/record-connect.txt")).unwrap();
    text.extend_from_slice(b"\nthis is not audit\ntype=SYSCALL msg=audit(17238\ntype=EOE msg=audit(1723819442.459:2482681): \n");
    let out = parse_text(&mut AuditdParser::new(), &ctx(), "x", &text);
    let mut rejects: BTreeMap<&str, usize> = BTreeMap::new();
    let mut events = 0;
    for o in &out {
        match o {
            Ok(_) => events += 1,
            Err(r) => *rejects.entry(r.error.class()).or_insert(0) += 1,
        }
    }
    assert_eq!(events, 2);
    assert_eq!(rejects, m(&[("empty", 1), ("other", 1), ("syntax", 2)]));
}

#[test]
fn spot_checks() {
    let evs = |rel: &str| -> Vec<vigil_parsers::Event> {
        run(rel).1.into_iter().map(|o| o.unwrap()).collect()
    };
    // test3: interleaved serials without EOE, all held, then emitted in order of their first line.
    let t3 = evs("linux-audit_audit-userspace/auparse_test_test3.log");
    assert!(
        t3.iter()
            .all(|e| e.host == "auditdtest.a1959.org" && e.flags.is_empty())
    );
    let serials: Vec<u64> = t3
        .iter()
        .map(|e| e.fields["serial"].as_u64().unwrap())
        .collect();
    assert_eq!(
        serials,
        vec![
            194894, 194435, 194433, 194436, 194437, 194438, 194439, 194440
        ]
    );
    assert_eq!(t3[1].fields["proctitle"], "sshd: burn [priv]");
    assert_eq!(t3[1].fields["syscall"], "select");
    // go-libaudit 17.04: a log that writes EOE; the groups that lost theirs are flagged.
    let y = evs("elastic_go-libaudit/aucoalesce_testdata_ubuntu-17.04-linux-4.10.0.yaml");
    let flagged: Vec<u64> = y
        .iter()
        .filter(|e| !e.flags.is_empty())
        .map(|e| e.fields["serial"].as_u64().unwrap())
        .collect();
    assert_eq!(flagged, vec![124507, 149790, 150881]);
    let docker = y.iter().find(|e| e.fields["serial"] == 124507).unwrap();
    assert_eq!(docker.fields["argv"], "docker inspect 721df12151a7");
    assert_eq!(docker.fields["key"], "exec,64bit");
    let rename = y.iter().find(|e| e.fields["serial"] == 126).unwrap();
    assert_eq!(
        rename.target.as_deref(),
        Some("/etc/audit/rules.d/audit.rules")
    );
    assert_eq!(rename.fields["paths"][2]["nametype"], "DELETE");
    // The perl reverse shell: the hex-encoded script in argv.
    let perl = &evs("threathunters-io_laurel/record-perl-reverse-shell.txt")[0];
    assert!(
        perl.fields["argv"]
            .as_str()
            .unwrap()
            .contains("exec(\"/bin/sh -i\")")
    );
    assert_eq!(perl.actor.as_deref(), Some("user"));
    // The m4 EXECVE with argc=216: every argument is there.
    let m4 = &evs("linux-audit_audit-userspace/auparse_test_test4.log")[1];
    assert_eq!(m4.fields["argc"], 216);
    assert_eq!(m4.fields["argv"].as_str().unwrap().split(' ').count(), 216);
    assert!(
        m4.fields["argv"]
            .as_str()
            .unwrap()
            .ends_with("tar.m4 configure.ac")
    );
    // Enriched names win for the actor; the numbers stay in fields.
    let acct = &evs("threathunters-io_laurel/line-user-acct.txt")[0];
    assert_eq!(
        (
            acct.actor.as_deref(),
            &acct.fields["AUID"],
            &acct.fields["auid"]
        ),
        (Some("user"), &"user".into(), &"1000".into())
    );
    // The useradd flow: op with blanks, src_ip from addr.
    let ua = evs("elastic_beats/filebeat_module_auditd_log_test_useradd.log");
    assert_eq!(ua[0].fields["op"], "adding group to /etc/group");
    assert_eq!(ua[0].src_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(ua[0].ts.to_rfc3339(), "2021-01-17T17:12:33.686+00:00");
}
