//! Table tests of the PostgreSQL parsers: whole events from real (or documented) lines.

use super::*;
use crate::parse_text;
use chrono_tz::Tz;

fn ctx(zone: Tz, reference: &str) -> ParseContext {
    let r = DateTime::parse_from_rfc3339(reference)
        .unwrap()
        .with_timezone(&Utc);
    ParseContext::new("pg", "db-host", zone, r)
}

fn run(p: &mut dyn Parser, c: &ParseContext, text: &str) -> Vec<Output> {
    parse_text(p, c, "pg.log", text.as_bytes())
}

fn events(out: Vec<Output>) -> Vec<serde_json::Value> {
    out.into_iter()
        .map(|o| serde_json::to_value(o.unwrap()).unwrap())
        .collect()
}

const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
const PGAUDIT_UPDATE: &str = "2026-11-03 09:15:02.123 CST [4711] archivist@archive LOG:  AUDIT: SESSION,3,1,WRITE,UPDATE,TABLE,public.archive_item,\"UPDATE public.archive_item SET title = 'x', grade = 2 WHERE id = 7 -- per CHG-2026-0012\",<not logged>";
const PG_SYSLOG_STATEMENT: &str = "Feb 11 13:15:40 test-pc postgres[10819]: [7-1] db=postgres,user=postgres,app=psql,client=[local] LOG:  duration: 13.997 ms  statement: SELECT d.datname as \"Name\",
Feb 11 13:15:40 test-pc postgres[10819]: [7-2] #011       pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\",
Feb 11 13:15:40 test-pc postgres[10819]: [7-3] #011       pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\",
Feb 11 13:15:40 test-pc postgres[10819]: [7-4] #011       d.datcollate as \"Collate\",
Feb 11 13:15:40 test-pc postgres[10819]: [7-5] #011       d.datctype as \"Ctype\",
Feb 11 13:15:40 test-pc postgres[10819]: [7-6] #011       pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\"
Feb 11 13:15:40 test-pc postgres[10819]: [7-7] #011FROM pg_catalog.pg_database d
Feb 11 13:15:40 test-pc postgres[10819]: [7-8] #011ORDER BY 1;";
const PG_CONNECTION_AUTHORIZED: &str = "Feb 11 13:15:40 test-pc postgres[10819]: [6-1] db=postgres,user=postgres,app=[unknown],client=[local] LOG:  connection authorized: user=postgres database=postgres";
const PG_AUTH_FAILED: &str = "2026-11-03 09:20:11 CST [5012]: [1-1] user=bob,db=archive,app=[unknown],client=10.1.2.3 FATAL:  password authentication failed for user \"bob\"
2026-11-03 09:20:11 CST [5012]: [2-1] user=bob,db=archive,app=[unknown],client=10.1.2.3 DETAIL:  Connection matched pg_hba.conf line 95: \"host all all 0.0.0.0/0 scram-sha-256\"";
const PG_CSV: &str = "\"2026-05-16 05:11:50.269 UTC\",\"example_user\",\"example_db\",1001,\"192.0.2.10:54321\",00000001.000003e9,1,\"SELECT\",\"2026-05-16 05:00:00 UTC\",1/1,0,LOG,00000,\"duration: 688786.283 ms  execute stmt_slow/stmt_slow: SELECT example_schema.slow_table.id FROM example_schema.slow_table\",,,,,,,,,\"example app\",\"client backend\",0";
const PG_STDERR_MULTI: &str = "2026-11-03 09:15:02.123 CST [4711] archivist@archive LOG:  statement: DELETE FROM public.borrow_record
\t WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */
2026-11-03 09:15:03.001 CST [4711] archivist@archive ERROR:  permission denied for table borrow_record
2026-11-03 09:15:03.001 CST [4711] archivist@archive STATEMENT:  DELETE FROM public.borrow_record
\t WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */";

#[test]
fn pgaudit_write_update_with_a_ticket_in_a_comment() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let cp = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let _ = (&c, &cp);
    let got = events(run(
        &mut PostgresParser::new(None).unwrap(),
        &c,
        PGAUDIT_UPDATE,
    ));
    let want = vec![serde_json::json!({
        "id": "0000000000000000000000000000",
        "ts": "2026-11-03T01:15:02.123Z",
        "host": "db-host",
        "source": "pg",
        "format": "postgres",
        "category": "data_edit",
        "action": "db.update",
        "outcome": "unknown",
        "actor": "archivist",
        "actor_role": null,
        "src_ip": null,
        "target": "public.archive_item",
        "ticket": "CHG-2026-0012",
        "message": "AUDIT: SESSION,3,1,WRITE,UPDATE,TABLE,public.archive_item,\"UPDATE public.archive_item SET title = 'x', grade = 2 WHERE id = 7 -- per CHG-2026-0012\",<not logged>",
        "raw": "2026-11-03 09:15:02.123 CST [4711] archivist@archive LOG:  AUDIT: SESSION,3,1,WRITE,UPDATE,TABLE,public.archive_item,\"UPDATE public.archive_item SET title = 'x', grade = 2 WHERE id = 7 -- per CHG-2026-0012\",<not logged>",
        "fields": {
            "audit_type": "SESSION",
            "class": "WRITE",
            "command": "UPDATE",
            "database": "archive",
            "level": "LOG",
            "object_type": "TABLE",
            "parameter": "<not logged>",
            "pid": 4711,
            "statement": "UPDATE public.archive_item SET title = 'x', grade = 2 WHERE id = 7 -- per CHG-2026-0012",
            "statement_id": 3,
            "substatement_id": 1
        },
        "flags": [
            "zone_from_source"
        ],
        "origin": {
            "path": "pg.log",
            "offset": 0,
            "line": 1
        }
    })];
    assert_eq!(got, want);
}

#[test]
fn connection_authorized_through_syslog() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let cp = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let _ = (&c, &cp);
    let got = events(run(
        &mut PostgresSyslogParser::new(None).unwrap(),
        &cp,
        PG_CONNECTION_AUTHORIZED,
    ));
    let want = vec![serde_json::json!({
        "id": "0000000000000000000000000000",
        "ts": "2019-02-11T12:15:40Z",
        "host": "test-pc",
        "source": "pg",
        "format": "postgres_syslog",
        "category": "login",
        "action": "db.connect",
        "outcome": "success",
        "actor": "postgres",
        "actor_role": null,
        "src_ip": null,
        "target": "postgres",
        "ticket": null,
        "message": "connection authorized: user=postgres database=postgres",
        "raw": "Feb 11 13:15:40 test-pc postgres[10819]: [6-1] db=postgres,user=postgres,app=[unknown],client=[local] LOG:  connection authorized: user=postgres database=postgres",
        "fields": {
            "database": "postgres",
            "level": "LOG",
            "pid": 10819,
            "remote_host": "[local]"
        },
        "flags": [
            "year_inferred",
            "zone_from_source"
        ],
        "origin": {
            "path": "pg.log",
            "offset": 0,
            "line": 1
        }
    })];
    assert_eq!(got, want);
}

#[test]
fn password_authentication_failed_with_its_detail() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let cp = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let _ = (&c, &cp);
    let got = events(run(
        &mut PostgresParser::new(None).unwrap(),
        &c,
        PG_AUTH_FAILED,
    ));
    let want = vec![serde_json::json!({
        "id": "0000000000000000000000000000",
        "ts": "2026-11-03T01:20:11Z",
        "host": "db-host",
        "source": "pg",
        "format": "postgres",
        "category": "login",
        "action": "db.auth_failure",
        "outcome": "failure",
        "actor": "bob",
        "actor_role": null,
        "src_ip": "10.1.2.3",
        "target": "archive",
        "ticket": null,
        "message": "password authentication failed for user \"bob\"",
        "raw": "2026-11-03 09:20:11 CST [5012]: [1-1] user=bob,db=archive,app=[unknown],client=10.1.2.3 FATAL:  password authentication failed for user \"bob\"\n2026-11-03 09:20:11 CST [5012]: [2-1] user=bob,db=archive,app=[unknown],client=10.1.2.3 DETAIL:  Connection matched pg_hba.conf line 95: \"host all all 0.0.0.0/0 scram-sha-256\"",
        "fields": {
            "auth_method": "password",
            "database": "archive",
            "detail": "Connection matched pg_hba.conf line 95: \"host all all 0.0.0.0/0 scram-sha-256\"",
            "level": "FATAL",
            "pid": 5012,
            "remote_host": "10.1.2.3",
            "session_line": 1
        },
        "flags": [
            "zone_from_source"
        ],
        "origin": {
            "path": "pg.log",
            "offset": 0,
            "line": 1
        }
    })];
    assert_eq!(got, want);
}

#[test]
fn multi_line_statement_from_pgbadger_syslog() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let cp = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let _ = (&c, &cp);
    let got = events(run(
        &mut PostgresSyslogParser::new(None).unwrap(),
        &cp,
        PG_SYSLOG_STATEMENT,
    ));
    let want = vec![serde_json::json!({
        "id": "0000000000000000000000000000",
        "ts": "2019-02-11T12:15:40Z",
        "host": "test-pc",
        "source": "pg",
        "format": "postgres_syslog",
        "category": "data_read",
        "action": "db.read",
        "outcome": "success",
        "actor": "postgres",
        "actor_role": null,
        "src_ip": null,
        "target": "pg_catalog.pg_database",
        "ticket": null,
        "message": "duration: 13.997 ms  statement: SELECT d.datname as \"Name\",\n       pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\",\n       pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\",\n       d.datcollate as \"Collate\",\n       d.datctype as \"Ctype\",\n       pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\"\nFROM pg_catalog.pg_database d\nORDER BY 1;",
        "raw": "Feb 11 13:15:40 test-pc postgres[10819]: [7-1] db=postgres,user=postgres,app=psql,client=[local] LOG:  duration: 13.997 ms  statement: SELECT d.datname as \"Name\",\nFeb 11 13:15:40 test-pc postgres[10819]: [7-2] #011       pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\",\nFeb 11 13:15:40 test-pc postgres[10819]: [7-3] #011       pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\",\nFeb 11 13:15:40 test-pc postgres[10819]: [7-4] #011       d.datcollate as \"Collate\",\nFeb 11 13:15:40 test-pc postgres[10819]: [7-5] #011       d.datctype as \"Ctype\",\nFeb 11 13:15:40 test-pc postgres[10819]: [7-6] #011       pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\"\nFeb 11 13:15:40 test-pc postgres[10819]: [7-7] #011FROM pg_catalog.pg_database d\nFeb 11 13:15:40 test-pc postgres[10819]: [7-8] #011ORDER BY 1;",
        "fields": {
            "application": "psql",
            "database": "postgres",
            "duration_ms": 13.997,
            "level": "LOG",
            "pid": 10819,
            "remote_host": "[local]",
            "statement": "SELECT d.datname as \"Name\",\n       pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\",\n       pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\",\n       d.datcollate as \"Collate\",\n       d.datctype as \"Ctype\",\n       pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\"\nFROM pg_catalog.pg_database d\nORDER BY 1;"
        },
        "flags": [
            "year_inferred",
            "zone_from_source"
        ],
        "origin": {
            "path": "pg.log",
            "offset": 0,
            "line": 1
        }
    })];
    assert_eq!(got, want);
}

#[test]
fn csvlog_line() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let cp = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let _ = (&c, &cp);
    let got = events(run(&mut PostgresCsvParser::new(), &c, PG_CSV));
    let want = vec![serde_json::json!({
        "id": "0000000000000000000000000000",
        "ts": "2026-05-16T05:11:50.269Z",
        "host": "db-host",
        "source": "pg",
        "format": "postgres_csv",
        "category": "data_read",
        "action": "db.read",
        "outcome": "success",
        "actor": "example_user",
        "actor_role": null,
        "src_ip": "192.0.2.10",
        "target": "example_schema.slow_table",
        "ticket": null,
        "message": "duration: 688786.283 ms  execute stmt_slow/stmt_slow: SELECT example_schema.slow_table.id FROM example_schema.slow_table",
        "raw": "\"2026-05-16 05:11:50.269 UTC\",\"example_user\",\"example_db\",1001,\"192.0.2.10:54321\",00000001.000003e9,1,\"SELECT\",\"2026-05-16 05:00:00 UTC\",1/1,0,LOG,00000,\"duration: 688786.283 ms  execute stmt_slow/stmt_slow: SELECT example_schema.slow_table.id FROM example_schema.slow_table\",,,,,,,,,\"example app\",\"client backend\",0",
        "fields": {
            "application": "example app",
            "backend_type": "client backend",
            "command_tag": "SELECT",
            "database": "example_db",
            "duration_ms": 688786.283,
            "level": "LOG",
            "pid": 1001,
            "prepared": "stmt_slow/stmt_slow",
            "remote_host": "192.0.2.10",
            "remote_port": "54321",
            "session_id": "00000001.000003e9",
            "session_line": 1,
            "session_start": "2026-05-16 05:00:00 UTC",
            "statement": "SELECT example_schema.slow_table.id FROM example_schema.slow_table",
            "vxid": "1/1"
        },
        "origin": {
            "path": "pg.log",
            "offset": 0,
            "line": 1
        }
    })];
    assert_eq!(got, want);
}

#[test]
fn stderr_cst_in_shanghai_with_continuations_and_a_failed_statement() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let cp = ctx(chrono_tz::Europe::Paris, "2019-03-01T00:00:00Z");
    let _ = (&c, &cp);
    let got = events(run(
        &mut PostgresParser::new(Some("%m [%p] %u@%d ")).unwrap(),
        &c,
        PG_STDERR_MULTI,
    ));
    let want = vec![
        serde_json::json!({
            "id": "0000000000000000000000000000",
            "ts": "2026-11-03T01:15:02.123Z",
            "host": "db-host",
            "source": "pg",
            "format": "postgres",
            "category": "data_edit",
            "action": "db.delete",
            "outcome": "unknown",
            "actor": "archivist",
            "actor_role": null,
            "src_ip": null,
            "target": "public.borrow_record",
            "ticket": "DE-2026-031",
            "message": "statement: DELETE FROM public.borrow_record\n WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */",
            "raw": "2026-11-03 09:15:02.123 CST [4711] archivist@archive LOG:  statement: DELETE FROM public.borrow_record\n\t WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */",
            "fields": {
                "database": "archive",
                "level": "LOG",
                "pid": 4711,
                "statement": "DELETE FROM public.borrow_record\n WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */"
            },
            "flags": [
                "zone_from_source"
            ],
            "origin": {
                "path": "pg.log",
                "offset": 0,
                "line": 1
            }
        }),
        serde_json::json!({
            "id": "00000000000000000000000000aa",
            "ts": "2026-11-03T01:15:03.001Z",
            "host": "db-host",
            "source": "pg",
            "format": "postgres",
            "category": "data_edit",
            "action": "db.delete",
            "outcome": "failure",
            "actor": "archivist",
            "actor_role": null,
            "src_ip": null,
            "target": "public.borrow_record",
            "ticket": "DE-2026-031",
            "message": "permission denied for table borrow_record",
            "raw": "2026-11-03 09:15:03.001 CST [4711] archivist@archive ERROR:  permission denied for table borrow_record\n2026-11-03 09:15:03.001 CST [4711] archivist@archive STATEMENT:  DELETE FROM public.borrow_record\n\t WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */",
            "fields": {
                "database": "archive",
                "level": "ERROR",
                "pid": 4711,
                "statement": "DELETE FROM public.borrow_record\n WHERE returned_at < now() - interval '5 years' /* DE-2026-031 */"
            },
            "flags": [
                "zone_from_source"
            ],
            "origin": {
                "path": "pg.log",
                "offset": 170,
                "line": 3
            }
        }),
    ];
    assert_eq!(got, want);
}
#[test]
fn rejections_name_the_problem() {
    let c = ctx(chrono_tz::Europe::Paris, "2026-11-10T00:00:00Z");
    // CST is not used by Europe/Paris: the rejection names the abbreviation.
    let out = run(&mut PostgresParser::new(None).unwrap(), &c, PGAUDIT_UPDATE);
    let r = out[0].as_ref().unwrap_err();
    assert_eq!(
        r.error.kind,
        ErrorKind::ZoneMismatch {
            abbrev: "CST".into(),
            zone: "Europe/Paris".into()
        }
    );
    assert_eq!(r.error.at, 0);
    // A line that does not follow the configured prefix.
    let mut p = PostgresParser::new(Some("%m [%p] ")).unwrap();
    let out = run(&mut p, &c, "2026-11-03 09:15:02.123 UTC 4711 LOG:  x");
    let r = out[0].as_ref().unwrap_err();
    assert_eq!(
        r.error.kind,
        ErrorKind::Expected("the literal text of log_line_prefix")
    );
    assert_eq!(r.error.at, 27);
    // A continuation with nothing before it; an empty line.
    let out = run(&mut p, &c, "\tFROM t\n");
    assert_eq!(out.len(), 1);
    assert!(matches!(
        out[0].as_ref().unwrap_err().error.kind,
        ErrorKind::Expected(_)
    ));
    // Bad prefixes are refused when the parser is built.
    assert!(
        PostgresParser::new(Some("%m %y "))
            .unwrap_err()
            .contains("%y")
    );
    assert!(
        PostgresParser::new(Some("[%p] "))
            .unwrap_err()
            .contains("no time")
    );
    assert!(PostgresSyslogParser::new(Some("[%p] ")).is_ok());
}

#[test]
fn times_offsets_and_epochs() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let mut p = PostgresParser::new(Some("%n [%p] ")).unwrap();
    let out = run(
        &mut p,
        &c,
        "1793690102.123 [7] LOG:  checkpoint starting: time",
    );
    let e = out[0].as_ref().unwrap();
    assert_eq!(e.ts.to_rfc3339(), "2026-11-03T07:15:02.123+00:00");
    assert!(e.flags.is_empty());
    assert_eq!(e.action, "system.message");
    let mut p = PostgresParser::new(None).unwrap();
    let out = run(
        &mut p,
        &c,
        "2026-11-03 09:15:02.123 +08 [7] LOG:  x\n2026-11-03 09:15:02.5 UTC [8] LOG:  y",
    );
    let ts: Vec<String> = out
        .iter()
        .map(|o| o.as_ref().unwrap().ts.to_rfc3339())
        .collect();
    assert_eq!(
        ts,
        [
            "2026-11-03T01:15:02.123+00:00",
            "2026-11-03T09:15:02.500+00:00"
        ]
    );
    // The hour cache does not leak across zones or hours.
    let out = run(
        &mut p,
        &c,
        "2026-11-03 09:15:02 CST [7] LOG:  x\n2026-11-03 09:15:02 UTC [7] LOG:  y\n2026-11-03 10:15:02 CST [7] LOG:  z",
    );
    let ts: Vec<String> = out
        .iter()
        .map(|o| o.as_ref().unwrap().ts.to_rfc3339())
        .collect();
    assert_eq!(
        ts,
        [
            "2026-11-03T01:15:02+00:00",
            "2026-11-03T09:15:02+00:00",
            "2026-11-03T02:15:02+00:00"
        ]
    );
}

#[test]
fn interleaved_processes_and_pending_offset() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let mut p = PostgresParser::new(Some("%m [%p] ")).unwrap();
    let mut out = Vec::new();
    let lines = [
        "2026-11-03 09:15:02.000 CST [1] ERROR:  relation \"x\" does not exist",
        "2026-11-03 09:15:02.001 CST [2] LOG:  connection received: host=10.0.0.9 port=5000",
        "2026-11-03 09:15:02.002 CST [1] STATEMENT:  SELECT * FROM x",
        "2026-11-03 09:15:02.003 CST [2] LOG:  connection authorized: user=bob database=archive application_name=psql",
    ];
    let mut offset = 0;
    for (n, l) in lines.iter().enumerate() {
        let line = RawLine::text(l).at(offset, n as u64 + 1);
        p.feed(&line, &c, &mut out);
        offset += l.len() as u64 + 1;
    }
    // pid 2's first message was closed by its second; pid 1's is still open.
    assert_eq!(out.len(), 1);
    assert_eq!(p.pending_offset(), Some(0));
    p.flush(&c, &mut out);
    assert_eq!(p.pending_offset(), None);
    let got: Vec<(&str, Option<&str>, Outcome)> = out
        .iter()
        .map(|o| {
            let e = o.as_ref().unwrap();
            (e.action.as_ref(), e.src_ip.as_deref(), e.outcome)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("other", Some("10.0.0.9"), Outcome::Unknown),
            ("db.read", None, Outcome::Failure),
            ("db.connect", None, Outcome::Success)
        ]
    );
    let e = out[1].as_ref().unwrap();
    assert_eq!(e.target.as_deref(), Some("x"));
    assert_eq!(e.raw.lines().count(), 2);
    let e = out[2].as_ref().unwrap();
    assert_eq!(e.actor.as_deref(), Some("bob"));
    assert_eq!(e.fields["application"], serde_json::json!("psql"));
}

#[test]
fn pg_hba_and_disconnection_messages() {
    let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
    let text = "2026-11-03 09:15:02.123 CST [9] FATAL:  no pg_hba.conf entry for host \"10.8.0.4\", user \"etl\", database \"archive\", no encryption
2026-11-03 09:16:00.000 CST [9] LOG:  disconnection: session time: 0:00:58.100 user=bob database=archive host=10.8.0.5 port=51234";
    let out = run(&mut PostgresParser::new(None).unwrap(), &c, text);
    let e = out[0].as_ref().unwrap();
    assert_eq!(
        (
            e.action.as_ref(),
            e.actor.as_deref(),
            e.src_ip.as_deref(),
            e.target.as_deref(),
            e.outcome
        ),
        (
            "db.auth_failure",
            Some("etl"),
            Some("10.8.0.4"),
            Some("archive"),
            Outcome::Failure
        )
    );
    let e = out[1].as_ref().unwrap();
    assert_eq!(
        (
            e.action.as_ref(),
            e.actor.as_deref(),
            e.src_ip.as_deref(),
            e.target.as_deref()
        ),
        (
            "db.disconnect",
            Some("bob"),
            Some("10.8.0.5"),
            Some("archive")
        )
    );
    assert_eq!(e.fields["session_time"], serde_json::json!("0:00:58.100"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[&str] = &[
        PGAUDIT_UPDATE,
        PG_SYSLOG_STATEMENT,
        PG_CONNECTION_AUTHORIZED,
        PG_AUTH_FAILED,
        PG_CSV,
        PG_STDERR_MULTI,
    ];

    fn parsers() -> Vec<Box<dyn Parser>> {
        vec![
            Box::new(PostgresParser::new(None).unwrap()),
            Box::new(PostgresParser::new(Some("%m [%p] %u@%d ")).unwrap()),
            Box::new(PostgresSyslogParser::new(None).unwrap()),
            Box::new(PostgresCsvParser::new()),
        ]
    }

    /// No panic, and every line fed is in exactly one output (after flush).
    fn check(bytes: &[u8]) {
        let c = ctx(SHANGHAI, "2026-11-10T00:00:00Z");
        let lines = bytes.split(|b| *b == b'\n').count()
            - usize::from(bytes.last() == Some(&b'\n') || bytes.is_empty());
        for mut p in parsers() {
            let out = parse_text(p.as_mut(), &c, "p", bytes);
            let covered: usize = out
                .iter()
                .map(|o| match o {
                    Ok(e) => e.raw.split('\n').count(),
                    Err(r) => r.raw.split('\n').count(),
                })
                .sum();
            assert_eq!(covered, lines, "{}", p.name());
            assert_eq!(p.pending_offset(), None);
        }
    }

    proptest! {
        #[test]
        fn random_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            check(&b);
        }

        #[test]
        fn random_text(s in "\\PC{0,300}") {
            check(s.as_bytes());
        }

        #[test]
        fn pg_like_text(s in "([\\t ]|LOG:  |DETAIL:  |AUDIT: |SESSION,|\"|,|\\[[0-9]-[0-9]\\] |#011|2026-11-03 09:15:02(\\.123)? (CST|UTC|\\+08|XYZ) |\\[42\\] |[a-z=@]{1,5}|\n){0,40}") {
            check(s.as_bytes());
        }

        #[test]
        fn truncated_real_lines(k in 0usize..6, cut in 0usize..600) {
            let s = REAL[k];
            let end = cut.min(s.len());
            // Cut at any byte, even inside a character.
            check(&s.as_bytes()[..end]);
            check(&s.as_bytes()[end..]);
        }
    }
}

#[test]
fn draft_names_are_sorted_and_each_has_its_slot() {
    assert!(KEYS.windows(2).all(|w| w[0] < w[1]));
    for (i, k) in KEYS.iter().enumerate() {
        assert_eq!(slot(k), Some(i), "{k}");
    }
    assert_eq!(slot("no_such_field"), None);
    // A name outside the table still reaches the event, in order.
    let mut d = Draft::default();
    d.field("zzz", 1);
    d.field("level", "LOG");
    d.field("aaa", 2);
    d.field("level", "ERROR");
    let f = d.take_fields();
    assert_eq!(f.keys().collect::<Vec<_>>(), ["aaa", "level", "zzz"]);
    assert_eq!(f["level"], "ERROR");
}

/// The time of day read from a cached hour is what the general reading (the one before the
/// milliseconds' fast path) gives, for every shape of fraction, good or bad.
#[test]
fn minutes_seconds_and_fractions_read_as_before() {
    fn reference(b: &[u8], hour: u32) -> Option<NaiveTime> {
        let mut nanos = 0u32;
        if b.get(19) == Some(&b'.') {
            let n = b[20..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .take(9)
                .count();
            nanos = digits(&b[20..20 + n])? * 10u32.pow(9 - n as u32);
        }
        NaiveTime::from_hms_nano_opt(
            hour,
            digits(b.get(14..16)?)?,
            digits(b.get(17..19)?)?,
            nanos,
        )
    }
    for time in [
        "09:15:02", "09:59:59", "09:60:00", "09:00:60", "09:5x:00", "09:12:3",
    ] {
        for frac in [
            "",
            ".",
            ".x",
            ".1",
            ".1 ",
            ".12",
            ".123",
            ".123 CST",
            ".12x",
            ".1x3",
            ".1234",
            ".123456",
            ".123456789",
            ".1234567891",
            ".999",
            ".000",
        ] {
            let line = format!("2026-11-03 {time}{frac}");
            // Lines shorter than 19 bytes are not read here (the caller checks).
            if line.len() < 19 {
                continue;
            }
            let b = line.as_bytes();
            assert_eq!(time_in_hour(b, 9), reference(b, 9), "{line:?}");
        }
    }
}
