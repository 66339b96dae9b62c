//! No input panics, for every built-in format: random bytes, random UTF-8, and real lines cut at
//! random places. Every line fed is accounted for: it is in exactly one event or one rejection.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::Path;

use proptest::prelude::*;
use vigil_parsers::formats;
use vigil_parsers::{ParseContext, lines_of};

fn ctx() -> ParseContext {
    let reference = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:30:00+08:00")
        .unwrap()
        .with_timezone(&chrono::Utc);
    ParseContext::new("prop", "prop-host", chrono_tz::Asia::Shanghai, reference)
}

/// A real file per kind of log, whose lines are cut at random places.
const REAL: &[&str] = &[
    "wazuh_wazuh-ruleset/tests_sshd.extracted.log",
    "elastic_go-libaudit/auparse_testdata_audit-rhel6.log",
    "darold_pgbadger/pg-syslog.1.head2000.log",
    "darold_pgbadger/csv_statement_without_duration.log",
    "percona_percona-toolkit/genlogs_genlog005.txt",
    "creativeprojects_resticprofile/json_summary_test__TestScanJsonSummary.txt",
    "borgbase_vorta/create_stderr.json",
];

fn real_lines(file: &str) -> Vec<Vec<u8>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/realdata")
        .join(file);
    std::fs::read(p)
        .unwrap()
        .split(|b| *b == b'\n')
        .take(200)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Feeds `lines` to every built-in format and checks the accounting.
fn feed_all(lines: &[Vec<u8>]) {
    let mut text = Vec::new();
    for l in lines {
        // A line cannot hold its own terminator.
        text.extend(l.iter().filter(|b| **b != b'\n'));
        text.push(b'\n');
    }
    for format in formats::BUILTIN {
        let mut p = formats::build(format, &formats::Options::default()).unwrap();
        let out = vigil_parsers::parse_text(p.as_mut(), &ctx(), "prop", &text);
        let accounted = out.iter().map(lines_of).sum::<u64>() + p.consumed_lines();
        assert_eq!(
            accounted,
            lines.len() as u64,
            "{format}: {} lines fed, {accounted} accounted for",
            lines.len()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..12)) {
        feed_all(&lines);
    }

    #[test]
    fn random_text(lines in prop::collection::vec("\\PC{0,160}", 1..12)) {
        let lines: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        feed_all(&lines);
    }

    #[test]
    fn log_like_text(lines in prop::collection::vec(
        "(<[0-9]{1,3}>)?(1 )?([A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}|20[0-9]{2}-[0-9]{2}-[0-9]{2}[T ][0-9:.]{8,15}(Z|[+-][0-9:]{5}| CST)?) [a-z]{1,8}(\\[[0-9]{1,5}\\])?: (type=[A-Z_]+ msg=audit\\([0-9.]+:[0-9]+\\): )?[ -~]{0,80}",
        1..12,
    )) {
        let lines: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        feed_all(&lines);
    }

    #[test]
    fn real_lines_cut_anywhere(which in 0..REAL.len(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..40)) {
        let real = real_lines(REAL[which]);
        let lines: Vec<Vec<u8>> = cuts
            .iter()
            .enumerate()
            .map(|(k, ix)| {
                let l = &real[k % real.len()];
                l[..ix.index(l.len() + 1)].to_vec()
            })
            .collect();
        feed_all(&lines);
    }
}
