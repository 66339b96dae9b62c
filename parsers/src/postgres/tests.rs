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
