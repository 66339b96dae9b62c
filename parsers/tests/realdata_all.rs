//! Every file of tests/fixtures/realdata is accounted for: read by a built-in format (sniffed
//! correctly, every line in exactly one event or one rejection), read by a format-specific test
//! that extracts its records, or named here as not a log, with the reason.
//!
//! The exact counts and whole-event checks per format live in the `realdata_*.rs` tests beside this.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vigil_parsers::formats::{self, Sniffed};
use vigil_parsers::{ParseContext, lines_of};

// The reasons are for the reader of this table; no test needs them.
#[allow(dead_code)]
enum Use {
    /// Read by this built-in format, which the sniffer must also pick.
    Format(&'static str),
    /// Its records are extracted and read by the named test, or it is not read yet (why).
    ReadBy(&'static str),
    /// Not a log: why it is here.
    NotALog(&'static str),
}

const LICENCE: Use = Use::NotALog("licence of the files beside it");
const WAZUH_INI: Use = Use::NotALog("wazuh's expectations for the .extracted.log beside it");
const EVTX: Use = Use::ReadBy("not read yet: Windows EVTX is a later issue; the sniffer names it");
const EVTX_XML: Use = Use::NotALog("the XML decode of the .evtx beside it, for the EVTX issue");

fn table() -> Vec<(&'static str, Use)> {
    use Use::*;
    vec![
        ("NOTICE", NotALog("where these files come from")),
        ("SOURCES.md", NotALog("what each folder holds")),
        ("Dynatrace_dynatrace-otel-collector/LICENSE", LICENCE),
        (
            "Dynatrace_dynatrace-otel-collector/RFC3164",
            Format("syslog"),
        ),
        (
            "Dynatrace_dynatrace-otel-collector/RFC5424",
            Format("syslog"),
        ),
        (
            "Dynatrace_dynatrace-otel-collector/rfc6587-non-transparent-framing",
            Format("syslog"),
        ),
        (
            "Dynatrace_dynatrace-otel-collector/rfc6587-octet-counting",
            Format("syslog"),
        ),
        ("borgbase_vorta/LICENSE.txt", LICENCE),
        ("borgbase_vorta/check_stderr.json", Format("borg")),
        ("borgbase_vorta/create_lock_stderr.json", Format("borg")),
        ("borgbase_vorta/create_perm_stderr.json", Format("borg")),
        ("borgbase_vorta/create_stderr.json", Format("borg")),
        ("borgbase_vorta/create_stdout.json", Format("borg")),
        ("borgbase_vorta/info_stdout.json", Format("borg")),
        ("borgbase_vorta/list_stdout.json", Format("borg")),
        ("creativeprojects_resticprofile/LICENSE", LICENCE),
        (
            "creativeprojects_resticprofile/json_summary_test__TestScanJsonError.txt",
            Format("restic"),
        ),
        (
            "creativeprojects_resticprofile/json_summary_test__TestScanJsonSummary.txt",
            Format("restic"),
        ),
        (
            "creativeprojects_resticprofile/plain_summary_test__TestPipeScanBackup.txt",
            Format("restic"),
        ),
        ("darold_pgbadger/LICENSE", LICENCE),
        (
            "darold_pgbadger/csv_statement_without_duration.log",
            Format("postgres_csv"),
        ),
        (
            "darold_pgbadger/pg-syslog.1.head2000.log",
            Format("postgres_syslog"),
        ),
        (
            "elastic_beats/filebeat_module_auditd_log_test_audit-cent7-node.log",
            Format("auditd"),
        ),
        (
            "elastic_beats/filebeat_module_auditd_log_test_useradd.log",
            Format("auditd"),
        ),
        (
            "elastic_beats/filebeat_module_system_auth_test_test.log",
            Format("syslog"),
        ),
        ("elastic_go-libaudit/LICENSE.txt", LICENCE),
        (
            "elastic_go-libaudit/aucoalesce_testdata_ubuntu-16.10-linux-4.8.0.yaml",
            ReadBy("realdata_auditd"),
        ),
        (
            "elastic_go-libaudit/aucoalesce_testdata_ubuntu-17.04-linux-4.10.0.yaml",
            ReadBy("realdata_auditd"),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-rhel6.log",
            Format("auditd"),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-ubuntu14.log",
            Format("auditd"),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-ubuntu16.log",
            Format("auditd"),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_audit-ubuntu17.log",
            Format("auditd"),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_test2.log",
            Format("auditd"),
        ),
        (
            "elastic_go-libaudit/auparse_testdata_test3.log",
            Format("auditd"),
        ),
        ("linux-audit_audit-userspace/COPYING.LIB", LICENCE),
        (
            "linux-audit_audit-userspace/auparse_test_test.log",
            Format("auditd"),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test2.log",
            Format("auditd"),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test3.log",
            Format("auditd"),
        ),
        (
            "linux-audit_audit-userspace/auparse_test_test4.log",
            Format("auditd"),
        ),
        ("omerbenamram_evtx/LICENSE-MIT", LICENCE),
        ("omerbenamram_evtx/Security_short_selected.evtx", EVTX),
        ("omerbenamram_evtx/Security_short_selected.xml", EVTX_XML),
        ("omerbenamram_evtx/new-user-security.evtx", EVTX),
        ("omerbenamram_evtx/new-user-security.xml", EVTX_XML),
        ("percona_percona-toolkit/COPYING", LICENCE),
        (
            "percona_percona-toolkit/genlogs_genlog001.txt",
            Format("mysql_general"),
        ),
        (
            "percona_percona-toolkit/genlogs_genlog002.txt",
            Format("mysql_general"),
        ),
        (
            "percona_percona-toolkit/genlogs_genlog003.txt",
            Format("mysql_general"),
        ),
        (
            "percona_percona-toolkit/genlogs_genlog004.txt",
            Format("mysql_general"),
        ),
        (
            "percona_percona-toolkit/genlogs_genlog005.txt",
            Format("mysql_general"),
        ),
        (
            "percona_percona-toolkit/genlogs_pt-1573-general-log-system.log",
            Format("mysql_general"),
        ),
        ("pgaudit_pgaudit/LICENSE", LICENCE),
        (
            "pgaudit_pgaudit/expected_pgaudit.out",
            ReadBy("realdata_db: psql output, its AUDIT records are extracted"),
        ),
        ("pgbackrest_pgbackrest/LICENSE", LICENCE),
        (
            "pgbackrest_pgbackrest/test_expect_mock-archive-stop-001.log",
            ReadBy("realdata_backup: a regex format for pgBackRest"),
        ),
        (
            "pgbackrest_pgbackrest/test_expect_mock-stanza-001.log",
            ReadBy("realdata_backup: a regex format for pgBackRest"),
        ),
        ("threathunters-io_laurel/LICENSE", LICENCE),
        (
            "threathunters-io_laurel/line-user-acct.txt",
            Format("auditd"),
        ),
        (
            "threathunters-io_laurel/record-connect.txt",
            Format("auditd"),
        ),
        (
            "threathunters-io_laurel/record-execve.txt",
            Format("auditd"),
        ),
        ("threathunters-io_laurel/record-login.txt", Format("auditd")),
        (
            "threathunters-io_laurel/record-perl-reverse-shell.txt",
            Format("auditd"),
        ),
        (
            "threathunters-io_laurel/record-service-start.txt",
            Format("auditd"),
        ),
        (
            "wazuh_wazuh-ruleset/tests_doas.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_doas.ini", WAZUH_INI),
        (
            "wazuh_wazuh-ruleset/tests_pam.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_pam.ini", WAZUH_INI),
        (
            "wazuh_wazuh-ruleset/tests_sshd.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_sshd.ini", WAZUH_INI),
        (
            "wazuh_wazuh-ruleset/tests_su.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_su.ini", WAZUH_INI),
        (
            "wazuh_wazuh-ruleset/tests_sudo.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_sudo.ini", WAZUH_INI),
        (
            "wazuh_wazuh-ruleset/tests_syslog.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_syslog.ini", WAZUH_INI),
        (
            "wazuh_wazuh-ruleset/tests_systemd.extracted.log",
            Format("syslog"),
        ),
        ("wazuh_wazuh-ruleset/tests_systemd.ini", WAZUH_INI),
    ]
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/realdata")
}

fn all_files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            all_files(&p, base, out);
        } else {
            out.insert(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
}

fn ctx() -> ParseContext {
    let reference = chrono::DateTime::parse_from_rfc3339("2026-11-27T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    ParseContext::new("realdata", "fixture-host", chrono_tz::UTC, reference)
}

#[test]
fn every_file_is_listed() {
    let mut on_disk = BTreeSet::new();
    all_files(&root(), &root(), &mut on_disk);
    let listed: BTreeSet<String> = table().iter().map(|(p, _)| p.to_string()).collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty(),
        "files with no entry in the table: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "entries for files that are gone: {missing:?}"
    );
}

#[test]
fn every_line_of_every_log_is_one_event_or_one_rejection() {
    let mut files = 0;
    for (path, use_) in table() {
        let Use::Format(format) = use_ else { continue };
        files += 1;
        let data = std::fs::read(root().join(path)).unwrap();
        assert_eq!(
            formats::sniff(&data[..data.len().min(8192)]),
            Sniffed::Format(format),
            "sniffing {path}"
        );
        let mut parser = formats::build(format, &formats::Options::default()).unwrap();
        let out = vigil_parsers::parse_text(parser.as_mut(), &ctx(), path, &data);
        let text_lines = data.split_inclusive(|b| *b == b'\n').count() as u64;
        let accounted = out.iter().map(lines_of).sum::<u64>() + parser.consumed_lines();
        assert_eq!(
            accounted, text_lines,
            "{path}: {text_lines} lines, outputs cover {accounted}"
        );
        // No two outputs claim the same first line.
        let starts: BTreeSet<u64> = out
            .iter()
            .map(|o| match o {
                Ok(e) => e.origin.offset,
                Err(r) => r.offset,
            })
            .collect();
        assert_eq!(
            starts.len(),
            out.len(),
            "{path}: two outputs start at the same line"
        );
        for e in out.iter().flatten() {
            assert_eq!(e.format, format, "{path}");
            assert!(
                vigil_parsers::vocab::is_known(&e.action),
                "{path}: action {} not in the vocabulary",
                e.action
            );
            assert_eq!(e.origin.path, path);
        }
    }
    assert_eq!(files, 48);
}

#[test]
fn evtx_files_are_named_by_the_sniffer() {
    for p in [
        "omerbenamram_evtx/Security_short_selected.evtx",
        "omerbenamram_evtx/new-user-security.evtx",
    ] {
        let data = std::fs::read(root().join(p)).unwrap();
        assert_eq!(formats::sniff(&data), Sniffed::Evtx, "{p}");
    }
}
