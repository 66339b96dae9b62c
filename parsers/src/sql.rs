//! What an SQL statement does, for the database formats that log statements without saying
//! (PostgreSQL `statement:` lines, the MySQL general log, MariaDB `QUERY` records).
//!
//! This is a keyword reader, not an SQL parser: it skips comments and blanks, reads the leading
//! verb (past a `WITH` clause and `EXPLAIN ANALYZE`), and finds the table the verb acts on.

use crate::vocab;

/// The vocabulary action of a statement and the table (or object) it acts on, if one is named.
pub fn classify(stmt: &str) -> (&'static str, Option<String>) {
    let words = words(stmt, 64);
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let mut i = 0;
    // Skip EXPLAIN [ANALYZE] [VERBOSE] and a leading WITH ... AS ( ... ) list: take the first
    // data-changing verb after it.
    if w(0) == "EXPLAIN" {
        return (vocab::DB_READ, None);
    }
    if w(0) == "WITH" {
        let verbs = ["INSERT", "UPDATE", "DELETE", "MERGE", "SELECT"];
        match words
            .iter()
            .skip(1)
            .position(|x| verbs[..4].contains(&x.as_str()))
        {
            Some(p) => i = p + 1,
            None => return (vocab::DB_READ, after(&words, 0, &["FROM"])),
        }
    }
    let verb = w(i);
    let rest = &words[i.min(words.len())..];
    match verb {
        "SELECT" | "TABLE" | "VALUES" | "SHOW" | "DESCRIBE" | "DESC" | "FETCH" => {
            if rest.iter().any(|x| x == "OUTFILE" || x == "DUMPFILE") {
                (vocab::DB_EXPORT, after(rest, 0, &["FROM"]))
            } else if verb == "TABLE" {
                (vocab::DB_READ, rest.get(1).cloned())
            } else {
                (vocab::DB_READ, after(rest, 0, &["FROM"]))
            }
        }
        "INSERT" | "REPLACE" => (
            vocab::DB_INSERT,
            after(rest, 0, &["INTO"]).or_else(|| rest.get(1).cloned()),
        ),
        "UPDATE" => (
            vocab::DB_UPDATE,
            rest.get(1)
                .filter(|t| *t != "ONLY")
                .cloned()
                .or_else(|| rest.get(2).cloned()),
        ),
        "MERGE" => (vocab::DB_UPDATE, after(rest, 0, &["INTO"])),
        "DELETE" => (vocab::DB_DELETE, after(rest, 0, &["FROM"])),
        "TRUNCATE" => {
            let t = match rest.get(1).map(String::as_str) {
                Some("TABLE") => rest.get(2),
                _ => rest.get(1),
            };
            (vocab::DB_DELETE, t.filter(|t| *t != "ONLY").cloned())
        }
        "COPY" => {
            let target = rest.get(1).cloned();
            if rest.iter().any(|x| x == "TO") && !rest.iter().any(|x| x == "FROM") {
                (vocab::DB_EXPORT, target)
            } else if rest.iter().any(|x| x == "FROM") {
                (vocab::DB_INSERT, target)
            } else {
                (vocab::DB_EXPORT, target)
            }
        }
        "LOAD" => (vocab::DB_INSERT, after(rest, 0, &["TABLE"])),
        "GRANT" | "REVOKE" => (vocab::DB_GRANT, after(rest, 0, &["ON"])),
        "CREATE" | "ALTER" | "DROP" => {
            let mut k = 1;
            while matches!(
                rest.get(k).map(String::as_str),
                Some(
                    "OR" | "REPLACE"
                        | "UNIQUE"
                        | "TEMP"
                        | "TEMPORARY"
                        | "UNLOGGED"
                        | "GLOBAL"
                        | "LOCAL"
                        | "MATERIALIZED"
                        | "DEFINER"
                )
            ) {
                k += 1;
            }
            let kind = rest.get(k).map(String::as_str).unwrap_or("");
            let mut n = k + 1;
            while matches!(
                rest.get(n).map(String::as_str),
                Some("IF" | "NOT" | "EXISTS" | "CONCURRENTLY")
            ) {
                n += 1;
            }
            let name = rest.get(n).cloned();
            if matches!(kind, "ROLE" | "USER" | "GROUP") {
                (vocab::DB_GRANT, name)
            } else if kind == "INDEX" {
                (vocab::DB_DDL, after(rest, 0, &["ON"]).or(name))
            } else {
                (vocab::DB_DDL, name)
            }
        }
        "RENAME" | "COMMENT" => (vocab::DB_DDL, rest.get(2).cloned()),
        _ => (vocab::DB_STATEMENT, None),
    }
}

/// `table` qualified with `database` (`archive.flow_instance`) unless it is qualified already or
/// there is no database. MySQL and MariaDB name a table without its database when the statement
/// runs in the connection's current one.
pub fn qualify(table: String, database: &str) -> String {
    if database.is_empty() || table.contains('.') {
        table
    } else {
        format!("{database}.{table}")
    }
}

/// The word after the first of `keys` found at or after `from`.
fn after(words: &[String], from: usize, keys: &[&str]) -> Option<String> {
    let p = words
        .iter()
        .skip(from)
        .position(|x| keys.contains(&x.as_str()))?;
    words.get(from + p + 1).filter(|w| !is_keyword(w)).cloned()
}

fn is_keyword(w: &str) -> bool {
    matches!(w, "SELECT" | "WHERE" | "ONLY" | "LATERAL" | "(")
}

/// The first `max` words of a statement: keywords upper-cased, identifiers with their quotes
/// removed and their case kept, comments skipped, `(` as a word of its own.
fn words(stmt: &str, max: usize) -> Vec<String> {
    let b = stmt.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < max {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b',' || c == b';' || c == b')' {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'(' {
            out.push("(".to_string());
            i += 1;
        } else if c == b'\'' {
            // A string literal: skipped, not a word.
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
        } else {
            let start = i;
            let mut quoted = false;
            while i < b.len() {
                let c = b[i];
                if c == b'"' || c == b'`' {
                    quoted = true;
                    let q = c;
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    i += 1;
                } else if c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'(' | b')') {
                    break;
                } else {
                    i += 1;
                }
            }
            let raw = &stmt[start..i.min(b.len())];
            if quoted {
                out.push(raw.replace(['"', '`'], ""));
            } else if raw.bytes().all(|c| c.is_ascii_alphabetic() || c == b'_')
                && is_sql_keyword(raw)
            {
                out.push(raw.to_ascii_uppercase());
            } else {
                out.push(raw.to_string());
            }
        }
    }
    out
}

fn is_sql_keyword(w: &str) -> bool {
    const KW: &[&str] = &[
        "SELECT",
        "INSERT",
        "REPLACE",
        "UPDATE",
        "DELETE",
        "MERGE",
        "TRUNCATE",
        "COPY",
        "LOAD",
        "GRANT",
        "REVOKE",
        "CREATE",
        "ALTER",
        "DROP",
        "RENAME",
        "COMMENT",
        "WITH",
        "EXPLAIN",
        "TABLE",
        "VALUES",
        "SHOW",
        "DESCRIBE",
        "DESC",
        "FETCH",
        "INTO",
        "FROM",
        "TO",
        "ON",
        "OR",
        "UNIQUE",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "GLOBAL",
        "LOCAL",
        "MATERIALIZED",
        "DEFINER",
        "IF",
        "NOT",
        "EXISTS",
        "CONCURRENTLY",
        "ROLE",
        "USER",
        "GROUP",
        "INDEX",
        "ONLY",
        "OUTFILE",
        "DUMPFILE",
        "WHERE",
        "LATERAL",
        "SET",
        "AS",
    ];
    KW.iter().any(|k| k.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_qualified_with_the_current_database() {
        assert_eq!(
            qualify("flow_instance".into(), "archive"),
            "archive.flow_instance"
        );
        assert_eq!(
            qualify("archive_rpt.flow_instance".into(), "archive"),
            "archive_rpt.flow_instance"
        );
        assert_eq!(qualify("t".into(), ""), "t");
    }

    #[test]
    fn statements() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "SELECT * FROM public.archive_item WHERE id = 1",
                "db.read",
                Some("public.archive_item"),
            ),
            ("select count(*) from tbl", "db.read", Some("tbl")),
            (
                "UPDATE public.archive_item SET title = 'x' WHERE id = 7",
                "db.update",
                Some("public.archive_item"),
            ),
            ("update ONLY t set a=1", "db.update", Some("t")),
            (
                "INSERT INTO audit_log (a) VALUES (1)",
                "db.insert",
                Some("audit_log"),
            ),
            (
                "DELETE FROM \"Archive\".\"Item\" WHERE 1=1",
                "db.delete",
                Some("Archive.Item"),
            ),
            (
                "TRUNCATE TABLE public.borrow_record",
                "db.delete",
                Some("public.borrow_record"),
            ),
            ("truncate t1", "db.delete", Some("t1")),
            (
                "COPY public.archive_item TO '/tmp/x.csv' CSV",
                "db.export",
                Some("public.archive_item"),
            ),
            ("COPY t FROM STDIN", "db.insert", Some("t")),
            (
                "SELECT * INTO OUTFILE '/tmp/a' FROM t",
                "db.export",
                Some("t"),
            ),
            (
                "GRANT SELECT, UPDATE ON public.test2 TO regress_user2",
                "db.grant",
                Some("public.test2"),
            ),
            (
                "CREATE TABLE IF NOT EXISTS public.tmp (id int)",
                "db.ddl",
                Some("public.tmp"),
            ),
            ("CREATE UNIQUE INDEX idx ON t (a)", "db.ddl", Some("t")),
            (
                "ALTER ROLE regress_user1 SET pgaudit.log = 'ddl'",
                "db.grant",
                Some("regress_user1"),
            ),
            ("DROP TABLE tmp", "db.ddl", Some("tmp")),
            ("/* c */ -- x\n UPDATE t SET a = 1", "db.update", Some("t")),
            (
                "WITH x AS (SELECT 1) UPDATE t SET a = 1",
                "db.update",
                Some("t"),
            ),
            ("WITH x AS (SELECT 1) SELECT * FROM x", "db.read", Some("x")),
            ("SET autocommit=0", "db.statement", None),
            ("BEGIN", "db.statement", None),
            ("", "db.statement", None),
            ("EXPLAIN ANALYZE DELETE FROM t", "db.read", None),
        ];
        for (stmt, action, target) in cases {
            let got = classify(stmt);
            assert_eq!((got.0, got.1.as_deref()), (*action, *target), "{stmt}");
        }
    }
}
