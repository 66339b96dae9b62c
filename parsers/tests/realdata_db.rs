//! Every line of the real PostgreSQL and MySQL logs in tests/fixtures/realdata, through the
//! database parsers: exact counts of events per action and of rejections per reason, every line
//! accounted for, and spot checks of fields.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vigil_parsers::mysql::MysqlGeneralParser;
use vigil_parsers::postgres::{PostgresCsvParser, PostgresSyslogParser, parse_pgaudit};
use vigil_parsers::{Event, Output, ParseContext, parse_text};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/realdata/");

fn ctx(zone: chrono_tz::Tz, reference: &str) -> ParseContext {
    let r = DateTime::parse_from_rfc3339(reference)
        .unwrap()
        .with_timezone(&Utc);
    ParseContext::new("db", "db-host", zone, r)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{ROOT}{rel}")).unwrap()
}

type Counts = BTreeMap<String, usize>;

/// Events per action and rejections per reason (the error without its byte position).
fn tally(out: &[Output]) -> (Counts, Counts) {
    let mut ev = Counts::new();
    let mut rej = Counts::new();
    for o in out {
        match o {
            Ok(e) => *ev.entry(e.action.to_string()).or_default() += 1,
            Err(r) => *rej.entry(r.error.kind.to_string()).or_default() += 1,
        }
    }
    (ev, rej)
}

fn counts(pairs: &[(&str, usize)]) -> Counts {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Every line of `text` is in exactly one event's or rejection's raw text, in order.
fn assert_every_line_accounted(text: &[u8], out: &[Output]) {
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut firsts: Vec<(u64, String)> = out
        .iter()
        .map(|o| match o {
            Ok(e) => (e.origin.line, e.raw.clone()),
            Err(r) => (r.line, r.raw.clone()),
        })
        .collect();
    firsts.sort_by_key(|(l, _)| *l);
    let mut next = 1u64;
    for (first, raw) in firsts {
        assert_eq!(first, next, "line {next} is not accounted for");
        for (k, l) in raw.split('\n').enumerate() {
            assert_eq!(
                l,
                lines[first as usize - 1 + k],
                "line {}",
                first as usize + k
            );
        }
        next = first + raw.split('\n').count() as u64;
    }
    assert_eq!(next as usize - 1, lines.len());
}

fn events(out: &[Output]) -> Vec<&Event> {
    out.iter().filter_map(|o| o.as_ref().ok()).collect()
}

#[test]
fn pgaudit_regression_output() {
    let text = String::from_utf8(read("pgaudit_pgaudit/expected_pgaudit.out")).unwrap();
    // psql output, not a server log: a record starts at `NOTICE:  AUDIT: ` or
    // `WARNING:  AUDIT: ` and goes on over the following lines while a CSV quote is open.
    let mut records = Vec::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        let Some(msg) = l
            .strip_prefix("NOTICE:  ")
            .or_else(|| l.strip_prefix("WARNING:  "))
            .filter(|m| m.starts_with("AUDIT: "))
        else {
            continue;
        };
        let mut rec = msg.to_string();
        while rec.matches('"').count() % 2 == 1 {
            let Some(next) = lines.next() else { break };
            rec.push('\n');
            rec.push_str(next);
        }
        records.push(rec);
    }
    assert_eq!(records.len(), 415);
    let mut by_class = Counts::new();
    let mut by_action = Counts::new();
    for r in &records {
        let a = parse_pgaudit(r).unwrap_or_else(|e| panic!("{e}: {r}"));
        *by_class
            .entry(format!("{} {}", a.audit_type, a.class))
            .or_default() += 1;
        *by_action.entry(a.action().to_string()).or_default() += 1;
    }
    assert_eq!(
        by_class,
        counts(&[
            ("SESSION DDL", 97),
            ("SESSION MISC", 78),
            ("SESSION WRITE", 70),
            ("SESSION READ", 62),
            ("SESSION ROLE", 50),
            ("SESSION FUNCTION", 16),
            ("OBJECT WRITE", 23),
            ("OBJECT READ", 19),
        ])
    );
    assert_eq!(
        by_action,
        counts(&[
            ("db.ddl", 97),
            ("db.statement", 94),
            ("db.read", 79),
            ("db.grant", 50),
            ("db.insert", 51),
            ("db.update", 32),
            ("db.delete", 10),
            ("db.export", 2),
        ])
    );
    // A multi-line quoted statement with an embedded newline and a quoted parameter list.
    let a = records
        .iter()
        .map(|r| parse_pgaudit(r).unwrap())
        .find(|a| a.parameter == "1,<long param suppressed>")
        .unwrap();
    assert_eq!(
        a.statement,
        "PREPARE testinsert(int, text) AS\n    INSERT INTO test4 VALUES($1, $2)"
    );
    assert_eq!(a.action(), "db.insert");
    assert_eq!(a.target().as_deref(), Some("public.test4"));
}

#[test]
fn pgbadger_syslog() {
    let c = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let text = read("darold_pgbadger/pg-syslog.1.head2000.log");
    let mut p = PostgresSyslogParser::new(None).unwrap();
    let out = parse_text(&mut p, &c, "pg-syslog.1.head2000.log", &text);
    let (ev, rej) = tally(&out);
    assert_eq!(
        ev,
        counts(&[
            ("db.connect", 6),
            ("db.delete", 1),
            ("db.disconnect", 4),
            ("db.insert", 277),
            ("db.read", 282),
            ("db.statement", 558),
            ("db.update", 834),
            ("other", 7),
            ("system.message", 6),
        ])
    );
    assert_eq!(
        rej,
        counts(&[(
            "not a PostgreSQL syslog line: no [N-M] sequence after the tag of systemd",
            3
        )])
    );
    assert_every_line_accounted(&text, &out);
    let evs = events(&out);
    // 1997 postgres lines, 22 of them continuations ([N-M] with M > 1).
    assert_eq!(evs.len(), 1975);
    assert!(evs.iter().all(|e| e.host == "test-pc"));
    let t = evs.iter().find(|e| e.action == "db.delete").unwrap();
    assert_eq!(t.target.as_deref(), Some("pgbench_history"));
    assert_eq!(t.actor.as_deref(), Some("gilles"));
    assert_eq!(t.fields["duration_ms"], serde_json::json!(2.517));
    assert_eq!(t.ts.to_rfc3339(), "2019-02-11T12:16:16+00:00");
    let hint = evs
        .iter()
        .find(|e| e.message == "ending log output to stderr")
        .unwrap();
    assert_eq!(
        hint.fields["hint"],
        serde_json::json!("Future log output will go to log destination \"syslog\".")
    );
    let updates = evs.iter().filter(|e| e.action == "db.update");
    assert!(
        updates
            .clone()
            .all(|e| e.target.as_deref().unwrap_or("").starts_with("pgbench_"))
    );
    assert_eq!(
        updates
            .filter(|e| e.target.as_deref() == Some("pgbench_accounts"))
            .count(),
        278
    );
}

#[test]
fn pgbadger_csvlog() {
    let c = ctx(chrono_tz::UTC, "2026-06-01T00:00:00Z");
    let text = read("darold_pgbadger/csv_statement_without_duration.log");
    let mut p = PostgresCsvParser::new();
    let out = parse_text(&mut p, &c, "csv_statement_without_duration.log", &text);
    let (ev, rej) = tally(&out);
    assert_eq!(ev, counts(&[("db.read", 2)]));
    assert!(rej.is_empty());
    assert_every_line_accounted(&text, &out);
    let evs = events(&out);
    assert_eq!(evs[1].actor.as_deref(), Some("health_user"));
    assert_eq!(evs[1].src_ip.as_deref(), Some("192.0.2.20"));
    assert_eq!(
        evs[1].fields["statement"],
        serde_json::json!("SELECT example_schema.health_check()")
    );
    assert_eq!(evs[1].ts.to_rfc3339(), "2026-05-16T05:20:03.994+00:00");
}

#[test]
fn percona_general_logs() {
    let c = ctx(chrono_tz::Asia::Shanghai, "2026-11-10T00:00:00Z");
    type Expect<'a> = (&'a str, &'a [(&'a str, usize)], &'a [(&'a str, usize)]);
    let files: &[Expect<'_>] = &[
        (
            "genlogs_genlog001.txt",
            &[
                ("db.connect", 2),
                ("db.disconnect", 2),
                ("db.read", 2),
                ("db.statement", 1),
            ],
            &[],
        ),
        ("genlogs_genlog002.txt", &[("db.read", 2)], &[]),
        (
            "genlogs_genlog003.txt",
            &[
                ("db.connect", 2),
                ("db.disconnect", 2),
                ("db.read", 2),
                ("db.statement", 1),
            ],
            &[],
        ),
        (
            "genlogs_genlog004.txt",
            &[
                ("db.auth_failure", 1),
                ("db.connect", 2),
                ("db.statement", 1),
            ],
            &[],
        ),
        (
            "genlogs_genlog005.txt",
            &[("db.connect", 2), ("db.read", 9), ("db.statement", 2)],
            &[("general log header", 3)],
        ),
        (
            "genlogs_pt-1573-general-log-system.log",
            &[
                ("db.connect", 1),
                ("db.disconnect", 1),
                ("db.read", 1),
                ("db.statement", 2),
            ],
            &[("general log header", 3)],
        ),
    ];
    let mut all = Vec::new();
    for (f, want_ev, want_rej) in files {
        let text = read(&format!("percona_percona-toolkit/{f}"));
        let mut p = MysqlGeneralParser::new();
        let out = parse_text(&mut p, &c, f, &text);
        let (ev, rej) = tally(&out);
        assert_eq!(ev, counts(want_ev), "{f}");
        assert_eq!(rej, counts(want_rej), "{f}");
        assert_every_line_accounted(&text, &out);
        all.extend(out);
    }
    let evs = events(&all);
    // genlog001: a four-line query is one event; its connection's user is the actor and its
    // database (`on db1`) qualifies the table.
    let q = evs
        .iter()
        .find(|e| e.origin.path == "genlogs_genlog001.txt" && e.action == "db.read")
        .unwrap();
    assert_eq!(q.raw.split('\n').count(), 4);
    assert_eq!(q.target.as_deref(), Some("db1.tbl"));
    assert_eq!(q.actor.as_deref(), Some("root"));
    assert_eq!(q.ts.to_rfc3339(), "2005-10-07T13:55:24+00:00");
    // genlog004: Access denied, with no time anywhere in the file.
    let d = evs.iter().find(|e| e.action == "db.auth_failure").unwrap();
    assert_eq!(d.actor.as_deref(), Some("nobody"));
    assert_eq!(d.src_ip.as_deref(), Some("localhost"));
    assert_eq!(d.fields["time_from_reference"], serde_json::json!(true));
    let conn = evs
        .iter()
        .find(|e| e.fields.get("connection_id") == Some(&98765.into()))
        .unwrap();
    assert_eq!(
        (
            conn.actor.as_deref(),
            conn.src_ip.as_deref(),
            conn.target.as_deref()
        ),
        (Some("payments_r"), Some("1.2.3.4"), Some("sar"))
    );
    // pt-1573: +08:00 offsets, the connection's user carried to its queries.
    let set = evs
        .iter()
        .find(|e| e.fields.get("statement") == Some(&"set autocommit=0".into()))
        .unwrap();
    assert_eq!(set.actor.as_deref(), Some("mysqlha_common"));
    assert_eq!(set.src_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(set.ts.to_rfc3339(), "2018-09-07T10:45:40.098511+00:00");
    assert!(set.flags.is_empty());
}
