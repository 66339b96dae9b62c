//! Table tests of the MySQL/MariaDB parsers (whole events), and property tests.

use super::*;
use crate::{Output, ParseContext, Parser, parse_text};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

fn ctx(zone: Tz, reference: &str) -> ParseContext {
    let r = DateTime::parse_from_rfc3339(reference)
        .unwrap()
        .with_timezone(&Utc);
    ParseContext::new("mysql", "db-host", zone, r)
}

fn run(p: &mut dyn Parser, c: &ParseContext, text: &str) -> Vec<Output> {
    parse_text(p, c, "db.log", text.as_bytes())
}

/// From the MariaDB documentation's examples, and a realistic edit with an escaped quote, a comma
/// in the statement and a ticket in a comment, from its own file and through syslog.
const MARIADB: &str = r"20140901 15:33:37,localhost.localdomain,root,localhost,2,45,QUERY,,'SET GLOBAL server_audit_logging=ON',0
20170817 11:07:18,ip-172-30-0-38,root,localhost,13,0,CONNECT,,,0
20170817 16:04:33,ip-172-30-0-38,root,localhost,16,0,FAILED_CONNECT,,,1045
20180124 10:06:07,ip-172-30-0-38,root,localhost,2,151,READ,db1,t1,
20261103 09:15:02,db01,archivist,10.1.2.3,12,345,QUERY,archive,'UPDATE archive_item SET title=\'O\\\'Brien, J.\' WHERE id=7 /* CHG-2026-0012 */',0
20261103 09:15:02,db01,archivist,10.1.2.3,12,345,WRITE,archive,archive_item,
20261103 09:16:40,db01,archivist,10.1.2.3,12,0,DISCONNECT,archive,,0
Nov  3 09:20:00 db01 mysql-server_auditing:  db01,intruder,10.9.9.9,14,351,QUERY,archive,'DELETE FROM archive_item',1142";

/// 5.0 format with a multi-line query and inherited times; 5.7 ISO with an offset.
const GENERAL: &str = "051007 21:55:24\t     42 Connect     root@localhost on db1
\t\t                 42 Query       SELECT foo 
                         FROM tbl
\t\t                 42 Quit
/usr/local/mysql-5.7.21/bin/mysqld, Version: 5.7.21-log (MySQL Community Server (GPL)). started with:
2018-09-07T18:45:40.098124+08:00\t257426 Connect\tmysqlha_common@127.0.0.1 on  using TCP/IP
2018-09-07T18:45:40.098511+08:00\t257426 Query\tUPDATE t SET a = 1 -- CHG-2026-0012";

fn as_json(out: Vec<Output>) -> Vec<serde_json::Value> {
    out.into_iter()
        .map(|o| match o {
            Ok(e) => serde_json::to_value(e).unwrap(),
            Err(r) => serde_json::json!({"rejected": r.error.to_string(), "line": r.line}),
        })
        .collect()
}

#[test]
fn mariadb_audit_documented_and_realistic_lines() {
    let c = ctx(chrono_tz::Asia::Shanghai, "2026-11-10T00:00:00Z");
    let got = as_json(run(&mut MariadbAuditParser::new(), &c, MARIADB));
    let want = serde_json::json!([
        {
            "action": "db.statement",
            "actor": "root",
            "actor_role": null,
            "category": "other",
            "fields": {
                "connection_id": 2,
                "operation": "QUERY",
                "query_id": 45,
                "retcode": 0,
                "statement": "SET GLOBAL server_audit_logging=ON"
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "localhost.localdomain",
            "id": "0000000000000000000000000000",
            "message": "SET GLOBAL server_audit_logging=ON",
            "origin": {
                "line": 1,
                "offset": 0,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "20140901 15:33:37,localhost.localdomain,root,localhost,2,45,QUERY,,'SET GLOBAL server_audit_logging=ON',0",
            "source": "mysql",
            "src_ip": "localhost",
            "target": null,
            "ticket": null,
            "ts": "2014-09-01T07:33:37Z"
        },
        {
            "action": "db.connect",
            "actor": "root",
            "actor_role": null,
            "category": "login",
            "fields": {
                "connection_id": 13,
                "operation": "CONNECT",
                "retcode": 0
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "ip-172-30-0-38",
            "id": "000000000000000000000000006a",
            "message": "CONNECT root@localhost",
            "origin": {
                "line": 2,
                "offset": 106,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "20170817 11:07:18,ip-172-30-0-38,root,localhost,13,0,CONNECT,,,0",
            "source": "mysql",
            "src_ip": "localhost",
            "target": null,
            "ticket": null,
            "ts": "2017-08-17T03:07:18Z"
        },
        {
            "action": "db.auth_failure",
            "actor": "root",
            "actor_role": null,
            "category": "login",
            "fields": {
                "connection_id": 16,
                "operation": "FAILED_CONNECT",
                "retcode": 1045
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "ip-172-30-0-38",
            "id": "00000000000000000000000000ab",
            "message": "FAILED_CONNECT root@localhost",
            "origin": {
                "line": 3,
                "offset": 171,
                "path": "db.log"
            },
            "outcome": "failure",
            "raw": "20170817 16:04:33,ip-172-30-0-38,root,localhost,16,0,FAILED_CONNECT,,,1045",
            "source": "mysql",
            "src_ip": "localhost",
            "target": null,
            "ticket": null,
            "ts": "2017-08-17T08:04:33Z"
        },
        {
            "action": "db.read",
            "actor": "root",
            "actor_role": null,
            "category": "data_read",
            "fields": {
                "connection_id": 2,
                "database": "db1",
                "operation": "READ",
                "query_id": 151
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "ip-172-30-0-38",
            "id": "00000000000000000000000000f6",
            "message": "READ root@localhost t1",
            "origin": {
                "line": 4,
                "offset": 246,
                "path": "db.log"
            },
            "outcome": "unknown",
            "raw": "20180124 10:06:07,ip-172-30-0-38,root,localhost,2,151,READ,db1,t1,",
            "source": "mysql",
            "src_ip": "localhost",
            "target": "db1.t1",
            "ticket": null,
            "ts": "2018-01-24T02:06:07Z"
        },
        {
            "action": "db.update",
            "actor": "archivist",
            "actor_role": null,
            "category": "data_edit",
            "fields": {
                "connection_id": 12,
                "database": "archive",
                "operation": "QUERY",
                "query_id": 345,
                "retcode": 0,
                "statement": "UPDATE archive_item SET title='O\\'Brien, J.' WHERE id=7 /* CHG-2026-0012 */"
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "db01",
            "id": "0000000000000000000000000139",
            "message": "UPDATE archive_item SET title='O\\'Brien, J.' WHERE id=7 /* CHG-2026-0012 */",
            "origin": {
                "line": 5,
                "offset": 313,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "20261103 09:15:02,db01,archivist,10.1.2.3,12,345,QUERY,archive,'UPDATE archive_item SET title=\\'O\\\\\\'Brien, J.\\' WHERE id=7 /* CHG-2026-0012 */',0",
            "source": "mysql",
            "src_ip": "10.1.2.3",
            "target": "archive.archive_item",
            "ticket": "CHG-2026-0012",
            "ts": "2026-11-03T01:15:02Z"
        },
        {
            "action": "db.update",
            "actor": "archivist",
            "actor_role": null,
            "category": "data_edit",
            "fields": {
                "connection_id": 12,
                "database": "archive",
                "operation": "WRITE",
                "query_id": 345
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "db01",
            "id": "00000000000000000000000001cc",
            "message": "WRITE archivist@10.1.2.3 archive_item",
            "origin": {
                "line": 6,
                "offset": 460,
                "path": "db.log"
            },
            "outcome": "unknown",
            "raw": "20261103 09:15:02,db01,archivist,10.1.2.3,12,345,WRITE,archive,archive_item,",
            "source": "mysql",
            "src_ip": "10.1.2.3",
            "target": "archive.archive_item",
            "ticket": null,
            "ts": "2026-11-03T01:15:02Z"
        },
        {
            "action": "db.disconnect",
            "actor": "archivist",
            "actor_role": null,
            "category": "login",
            "fields": {
                "connection_id": 12,
                "database": "archive",
                "operation": "DISCONNECT",
                "retcode": 0
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "db01",
            "id": "0000000000000000000000000219",
            "message": "DISCONNECT archivist@10.1.2.3 archive",
            "origin": {
                "line": 7,
                "offset": 537,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "20261103 09:16:40,db01,archivist,10.1.2.3,12,0,DISCONNECT,archive,,0",
            "source": "mysql",
            "src_ip": "10.1.2.3",
            "target": null,
            "ticket": null,
            "ts": "2026-11-03T01:16:40Z"
        },
        {
            "action": "db.delete",
            "actor": "intruder",
            "actor_role": null,
            "category": "data_edit",
            "fields": {
                "connection_id": 14,
                "database": "archive",
                "operation": "QUERY",
                "query_id": 351,
                "retcode": 1142,
                "statement": "DELETE FROM archive_item"
            },
            "flags": [
                "year_inferred",
                "zone_from_source"
            ],
            "format": "mariadb_audit",
            "host": "db01",
            "id": "000000000000000000000000025e",
            "message": "DELETE FROM archive_item",
            "origin": {
                "line": 8,
                "offset": 606,
                "path": "db.log"
            },
            "outcome": "failure",
            "raw": "Nov  3 09:20:00 db01 mysql-server_auditing:  db01,intruder,10.9.9.9,14,351,QUERY,archive,'DELETE FROM archive_item',1142",
            "source": "mysql",
            "src_ip": "10.9.9.9",
            "target": "archive.archive_item",
            "ticket": null,
            "ts": "2026-11-03T01:20:00Z"
        }
    ]);
    assert_eq!(serde_json::Value::Array(got), want);
}

#[test]
fn general_log_old_and_iso_formats() {
    let c = ctx(chrono_tz::Asia::Shanghai, "2026-11-10T00:00:00Z");
    let got = as_json(run(&mut MysqlGeneralParser::new(), &c, GENERAL));
    let want = serde_json::json!([
        {
            "action": "db.connect",
            "actor": "root",
            "actor_role": null,
            "category": "login",
            "fields": {
                "command": "Connect",
                "connection_id": 42,
                "database": "db1"
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mysql_general",
            "host": "db-host",
            "id": "0000000000000000000000000000",
            "message": "Connect root@localhost on db1",
            "origin": {
                "line": 1,
                "offset": 0,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "051007 21:55:24\t     42 Connect     root@localhost on db1",
            "source": "mysql",
            "src_ip": "localhost",
            "target": "db1",
            "ticket": null,
            "ts": "2005-10-07T13:55:24Z"
        },
        {
            "action": "db.read",
            "actor": "root",
            "actor_role": null,
            "category": "data_read",
            "fields": {
                "command": "Query",
                "connection_id": 42,
                "statement": "SELECT foo \n                         FROM tbl"
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mysql_general",
            "host": "db-host",
            "id": "000000000000000000000000003a",
            "message": "Query SELECT foo \n                         FROM tbl",
            "origin": {
                "line": 2,
                "offset": 58,
                "path": "db.log"
            },
            "outcome": "unknown",
            "raw": "\t\t                 42 Query       SELECT foo \n                         FROM tbl",
            "source": "mysql",
            "src_ip": "localhost",
            "target": "db1.tbl",
            "ticket": null,
            "ts": "2005-10-07T13:55:24Z"
        },
        {
            "action": "db.disconnect",
            "actor": "root",
            "actor_role": null,
            "category": "login",
            "fields": {
                "command": "Quit",
                "connection_id": 42
            },
            "flags": [
                "zone_from_source"
            ],
            "format": "mysql_general",
            "host": "db-host",
            "id": "000000000000000000000000008a",
            "message": "Quit",
            "origin": {
                "line": 4,
                "offset": 138,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "\t\t                 42 Quit",
            "source": "mysql",
            "src_ip": "localhost",
            "target": null,
            "ticket": null,
            "ts": "2005-10-07T13:55:24Z"
        },
        {
            "line": 5,
            "rejected": "general log header at byte 0"
        },
        {
            "action": "db.connect",
            "actor": "mysqlha_common",
            "actor_role": null,
            "category": "login",
            "fields": {
                "command": "Connect",
                "connection_id": 257426,
                "connection_type": "TCP/IP"
            },
            "format": "mysql_general",
            "host": "db-host",
            "id": "000000000000000000000000010b",
            "message": "Connect mysqlha_common@127.0.0.1 on  using TCP/IP",
            "origin": {
                "line": 6,
                "offset": 267,
                "path": "db.log"
            },
            "outcome": "success",
            "raw": "2018-09-07T18:45:40.098124+08:00\t257426 Connect\tmysqlha_common@127.0.0.1 on  using TCP/IP",
            "source": "mysql",
            "src_ip": "127.0.0.1",
            "target": null,
            "ticket": null,
            "ts": "2018-09-07T10:45:40.098124Z"
        },
        {
            "action": "db.update",
            "actor": "mysqlha_common",
            "actor_role": null,
            "category": "data_edit",
            "fields": {
                "command": "Query",
                "connection_id": 257426,
                "statement": "UPDATE t SET a = 1 -- CHG-2026-0012"
            },
            "format": "mysql_general",
            "host": "db-host",
            "id": "0000000000000000000000000165",
            "message": "Query UPDATE t SET a = 1 -- CHG-2026-0012",
            "origin": {
                "line": 7,
                "offset": 357,
                "path": "db.log"
            },
            "outcome": "unknown",
            "raw": "2018-09-07T18:45:40.098511+08:00\t257426 Query\tUPDATE t SET a = 1 -- CHG-2026-0012",
            "source": "mysql",
            "src_ip": "127.0.0.1",
            "target": "t",
            "ticket": "CHG-2026-0012",
            "ts": "2018-09-07T10:45:40.098511Z"
        }
    ]);
    assert_eq!(serde_json::Value::Array(got), want);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn check(bytes: &[u8]) {
        let c = ctx(chrono_tz::Asia::Shanghai, "2026-11-10T00:00:00Z");
        let lines = bytes.split(|b| *b == b'\n').count()
            - usize::from(bytes.last() == Some(&b'\n') || bytes.is_empty());
        let parsers: Vec<Box<dyn Parser>> = vec![
            Box::new(MariadbAuditParser::new()),
            Box::new(MysqlGeneralParser::new()),
        ];
        for mut p in parsers {
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
        fn mysql_like_text(s in "([\\t ]|20261103 09:15:02,|051007 21:55:24|2016-06-07T19:07:02\\.5Z|[0-9]{1,3}|,|'|\\\\|QUERY|CONNECT| Query | Connect |Init DB|\n){0,40}") {
            check(s.as_bytes());
        }

        #[test]
        fn truncated_real_lines(k in 0usize..2, cut in 0usize..800) {
            let s = [MARIADB, GENERAL][k];
            let end = cut.min(s.len());
            // Cut at any byte, even inside a character.
            check(&s.as_bytes()[..end]);
            check(&s.as_bytes()[end..]);
        }
    }
}
