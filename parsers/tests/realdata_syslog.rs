//! Every line of the real syslog samples in tests/fixtures/realdata, through the `syslog`
//! parser: exact counts of events per action and of rejections per reason, and spot checks.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vigil_parsers::syslog::SyslogParser;
use vigil_parsers::{Event, ParseContext, parse_text};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/realdata/");

fn ctx() -> ParseContext {
    let reference = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    ParseContext::new("auth", "default-host", chrono_tz::Asia::Shanghai, reference)
}

struct Read {
    lines: usize,
    events: Vec<Event>,
    actions: BTreeMap<String, usize>,
    rejections: BTreeMap<&'static str, usize>,
}

fn read(file: &str) -> Read {
    let path = format!("{ROOT}{file}");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines = text.split_inclusive(|b| *b == b'\n').count();
    let out = parse_text(&mut SyslogParser::new(), &ctx(), file, &text);
    assert_eq!(out.len(), lines, "{file}: one output per line");
    let mut r = Read {
        lines,
        events: Vec::new(),
        actions: BTreeMap::new(),
        rejections: BTreeMap::new(),
    };
    for o in out {
        match o {
            Ok(e) => {
                assert_eq!(e.format, "syslog");
                assert!(!e.raw.is_empty());
                *r.actions.entry(e.action.to_string()).or_default() += 1;
                r.events.push(e);
            }
            Err(rej) => *r.rejections.entry(rej.error.class()).or_default() += 1,
        }
    }
    r
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(a, n)| (a.to_string(), *n)).collect()
}

fn assert_file(file: &str, lines: usize, actions: &[(&str, usize)]) -> Read {
    let r = read(file);
    assert_eq!(r.lines, lines, "{file}: lines");
    assert_eq!(r.actions, counts(actions), "{file}: actions");
    assert!(r.rejections.is_empty(), "{file}: {:?}", r.rejections);
    r
}

#[test]
fn elastic_beats_auth_log() {
    let r = assert_file(
        "elastic_beats/filebeat_module_system_auth_test_test.log",
        10,
        &[
            ("account.create", 1),
            ("group.modify", 1),
            ("login.failure", 1),
            ("login.invalid_user", 1),
            ("login.success", 2),
            ("other", 1),
            ("sudo.command", 2),
            ("sudo.denied", 1),
        ],
    );
    let e = &r.events[0];
    assert_eq!(e.actor.as_deref(), Some("vagrant"));
    assert_eq!(e.src_ip.as_deref(), Some("10.0.2.2"));
    assert_eq!(e.fields["key_type"], "RSA");
    assert_eq!(e.host, "localhost");
    let e = &r.events[7];
    assert_eq!(
        (e.actor.as_deref(), e.target.as_deref()),
        (Some("tsg"), Some("root"))
    );
    assert_eq!(e.fields["reason"], "user NOT in sudoers");
    assert_eq!(r.events[9].target.as_deref(), Some("apache"));
}

#[test]
fn wazuh_sshd() {
    let r = assert_file(
        "wazuh_wazuh-ruleset/tests_sshd.extracted.log",
        28,
        &[
            ("login.failure", 3),
            ("login.invalid_user", 4),
            ("other", 4),
            ("system.message", 17),
        ],
    );
    // The ISO time stamps with an offset are exact.
    let e = &r.events[18];
    assert_eq!(e.ts.to_rfc3339(), "2013-10-30T13:51:24.140565+00:00");
    assert!(e.flags.is_empty());
    assert_eq!(e.fields["invalid_user"], true);
    // Solaris message ids do not hide the message.
    let e = &r.events[25];
    assert_eq!(
        (e.action.as_ref(), e.actor.as_deref()),
        ("login.failure", Some("root"))
    );
    assert_eq!(r.events[27].fields["too_many"], true);
    assert_eq!(r.events[26].fields["break_in_attempt"], true);
}

#[test]
fn wazuh_sudo() {
    let r = assert_file(
        "wazuh_wazuh-ruleset/tests_sudo.extracted.log",
        8,
        &[("sudo.command", 5), ("sudo.denied", 3)],
    );
    assert_eq!(r.events[3].fields["tsid"], "0000UM");
    assert_eq!(r.events[6].fields["attempts"], 3);
    assert!(r.events.iter().all(|e| e.target.as_deref() == Some("root")));
}

#[test]
fn wazuh_doas() {
    let r = assert_file(
        "wazuh_wazuh-ruleset/tests_doas.extracted.log",
        4,
        &[("sudo.command", 2), ("sudo.denied", 2)],
    );
    // Feb 29, read in March 2026: 2024.
    assert_eq!(r.events[2].ts.to_rfc3339(), "2024-02-29T06:58:39+00:00");
    assert_eq!(r.events[3].target.as_deref(), Some("ddpnfs"));
}

#[test]
fn wazuh_su() {
    let r = assert_file(
        "wazuh_wazuh-ruleset/tests_su.extracted.log",
        5,
        &[("su.failure", 4), ("su.success", 1)],
    );
    let e = &r.events[2];
    assert_eq!(
        (e.actor.as_deref(), e.target.as_deref()),
        (Some("dcid"), Some("osaudit"))
    );
}

#[test]
fn wazuh_pam() {
    let r = assert_file(
        "wazuh_wazuh-ruleset/tests_pam.extracted.log",
        5,
        &[
            ("auth.failure", 2),
            ("session.close", 1),
            ("session.open", 1),
            ("su.failure", 1),
        ],
    );
    assert_eq!(r.events[4].fields["more_failures"], 2);
    assert_eq!(r.events[4].src_ip.as_deref(), Some("10.0.3.1"));
}

#[test]
fn wazuh_syslog_and_systemd() {
    let r = assert_file(
        "wazuh_wazuh-ruleset/tests_syslog.extracted.log",
        6,
        &[("account.create", 1), ("system.message", 5)],
    );
    assert_eq!(r.events[5].outcome, vigil_parsers::Outcome::Failure);
    assert_eq!(r.events[4].ts.to_rfc3339(), "2015-11-13T05:40:01+00:00");
    assert_file(
        "wazuh_wazuh-ruleset/tests_systemd.extracted.log",
        2,
        &[("system.message", 2)],
    );
}

#[test]
fn dynatrace_rfc_samples() {
    let r = assert_file(
        "Dynatrace_dynatrace-otel-collector/RFC3164",
        1,
        &[("system.message", 1)],
    );
    assert_eq!(r.events[0].fields["facility"], "auth");
    assert_eq!(r.events[0].host, "1.2.3.4");
    for f in [
        "RFC5424",
        "rfc6587-octet-counting",
        "rfc6587-non-transparent-framing",
    ] {
        let r = assert_file(
            &format!("Dynatrace_dynatrace-otel-collector/{f}"),
            1,
            &[("system.message", 1)],
        );
        let e = &r.events[0];
        assert_eq!(e.message, "Found the user for retrieving user's profile");
        assert_eq!(e.fields["sd"]["SecureAuth@27389"]["UserID"], "Tester2");
        assert_eq!(e.fields["msgid"], "ID52020");
        assert_eq!(e.ts.to_rfc3339(), "2015-08-05T21:58:59.693+00:00");
    }
}

/// All the files together: 72 lines, 72 events, no rejection.
#[test]
fn totals() {
    let files = [
        "elastic_beats/filebeat_module_system_auth_test_test.log",
        "wazuh_wazuh-ruleset/tests_doas.extracted.log",
        "wazuh_wazuh-ruleset/tests_pam.extracted.log",
        "wazuh_wazuh-ruleset/tests_sshd.extracted.log",
        "wazuh_wazuh-ruleset/tests_su.extracted.log",
        "wazuh_wazuh-ruleset/tests_sudo.extracted.log",
        "wazuh_wazuh-ruleset/tests_syslog.extracted.log",
        "wazuh_wazuh-ruleset/tests_systemd.extracted.log",
        "Dynatrace_dynatrace-otel-collector/RFC3164",
        "Dynatrace_dynatrace-otel-collector/RFC5424",
        "Dynatrace_dynatrace-otel-collector/rfc6587-octet-counting",
        "Dynatrace_dynatrace-otel-collector/rfc6587-non-transparent-framing",
    ];
    let (mut lines, mut events, mut rejected) = (0, 0, 0);
    for f in files {
        let r = read(f);
        lines += r.lines;
        events += r.events.len();
        rejected += r.rejections.values().sum::<usize>();
    }
    assert_eq!((lines, events, rejected), (72, 72, 0));
}
