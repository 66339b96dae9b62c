//! pgaudit's `AUDIT:` messages: `AUDIT_TYPE,STATEMENT_ID,SUBSTATEMENT_ID,CLASS,COMMAND,
//! OBJECT_TYPE,OBJECT_NAME,STATEMENT,PARAMETER[,ROWS]`, CSV-quoted (a quoted field may hold
//! commas, doubled quotes and newlines), and what each record does in the action vocabulary.
//!
//! Read by hand (one pass, no regex, no allocation unless a field has doubled quotes): pgaudit
//! lines are the bulk of an audited server's log.

use std::borrow::Cow;

use super::csvlog::{find_comma, read_field};
use crate::error::{ErrorKind, ParseError};
use crate::vocab;

/// One pgaudit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgAudit<'a> {
    /// `SESSION` or `OBJECT`.
    pub audit_type: Cow<'a, str>,
    pub statement_id: u64,
    pub substatement_id: u64,
    /// READ, WRITE, FUNCTION, ROLE, DDL, MISC, MISC_SET.
    pub class: Cow<'a, str>,
    /// The command tag: `UPDATE`, `CREATE TABLE`, `ALTER ROLE`...
    pub command: Cow<'a, str>,
    pub object_type: Cow<'a, str>,
    pub object_name: Cow<'a, str>,
    pub statement: Cow<'a, str>,
    /// `<not logged>`, `<none>`, or the parameters as a CSV list.
    pub parameter: Cow<'a, str>,
    /// With `pgaudit.log_rows`.
    pub rows: Option<u64>,
}

/// Parses a pgaudit message, with or without its `AUDIT: ` tag.
pub fn parse_pgaudit(msg: &str) -> Result<PgAudit<'_>, ParseError> {
    let body = msg.strip_prefix("AUDIT: ").unwrap_or(msg);
    let base = msg.len() - body.len();
    let mut fields: [Cow<'_, str>; 10] = Default::default();
    let mut n = 0;
    let b = body.as_bytes();
    // Where the field being read starts in `body`.
    let mut i = 0;
    loop {
        if n == fields.len() {
            return Err(ParseError::new(
                ErrorKind::Expected("at most 10 pgaudit fields"),
                base + i,
            ));
        }
        // Where the field read ends: at the end, or at a ',' (after a quoted field, possibly
        // another byte, an error).
        let end = if b.get(i) == Some(&b'"') {
            let Some((f, r)) = read_field(&body[i..]) else {
                return Err(ParseError::new(
                    ErrorKind::Expected("'\"' closing a quoted pgaudit field"),
                    base + i,
                ));
            };
            fields[n] = f;
            body.len() - r.len()
        } else {
            // An unquoted field (most are), read here rather than through `read_field`.
            let end = find_comma(&b[i..]).map_or(b.len(), |p| i + p);
            fields[n] = Cow::Borrowed(&body[i..end]);
            end
        };
        n += 1;
        match b.get(end) {
            None => break,
            Some(b',') => i = end + 1,
            Some(_) => {
                return Err(ParseError::new(
                    ErrorKind::Expected("',' after a quoted pgaudit field"),
                    base + end,
                ));
            }
        }
    }
    if n < 9 {
        return Err(ParseError::new(
            ErrorKind::Expected(
                "9 pgaudit fields: AUDIT_TYPE,STATEMENT_ID,SUBSTATEMENT_ID,CLASS,COMMAND,OBJECT_TYPE,OBJECT_NAME,STATEMENT,PARAMETER",
            ),
            msg.len(),
        ));
    }
    let [
        audit_type,
        sid,
        ssid,
        class,
        command,
        object_type,
        object_name,
        statement,
        parameter,
        rows,
    ] = fields;
    if audit_type != "SESSION" && audit_type != "OBJECT" {
        return Err(ParseError::new(
            ErrorKind::BadValue {
                what: "pgaudit audit type (SESSION or OBJECT)",
                value: audit_type.into_owned(),
            },
            base,
        ));
    }
    let num = |what: &'static str, s: &Cow<'_, str>| {
        parse_u64(s).ok_or_else(|| {
            ParseError::new(
                ErrorKind::BadValue {
                    what,
                    value: s.to_string(),
                },
                base,
            )
        })
    };
    let statement_id = num("pgaudit statement id", &sid)?;
    let substatement_id = num("pgaudit substatement id", &ssid)?;
    let rows = if n == 10 {
        Some(num("pgaudit row count", &rows)?)
    } else {
        None
    };
    Ok(PgAudit {
        audit_type,
        statement_id,
        substatement_id,
        class,
        command,
        object_type,
        object_name,
        statement,
        parameter,
        rows,
    })
}

/// `s` as a `u64`, as `str::parse` reads one (digits, with an optional `+` first; not empty, not
/// too large), by a plain loop over the few digits of an id.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let digits = b.strip_prefix(b"+").unwrap_or(b);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, c| {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(d))
    })
}

impl PgAudit<'_> {
    /// The vocabulary action of the record, by class and command:
    ///
    /// | class | action |
    /// |---|---|
    /// | READ | `db.read`; `db.export` for `COPY ... TO` |
    /// | WRITE | INSERT `db.insert`, UPDATE and MERGE `db.update`, DELETE and TRUNCATE `db.delete`, COPY FROM `db.insert`, COPY TO `db.export`; others (PREPARE) by the statement |
    /// | DDL | `db.ddl` |
    /// | ROLE | `db.grant` |
    /// | FUNCTION | `db.statement` |
    /// | MISC, MISC_SET | `db.statement`; `db.export` for `COPY ... TO` |
    pub fn action(&self) -> &'static str {
        let cmd = self.command.as_ref();
        match self.class.as_ref() {
            "READ" => {
                if is_copy_to(&self.statement) {
                    vocab::DB_EXPORT
                } else {
                    vocab::DB_READ
                }
            }
            "WRITE" => match cmd {
                "INSERT" => vocab::DB_INSERT,
                "UPDATE" | "MERGE" => vocab::DB_UPDATE,
                "DELETE" | "TRUNCATE" | "TRUNCATE TABLE" => vocab::DB_DELETE,
                "COPY" => {
                    if is_copy_to(&self.statement) {
                        vocab::DB_EXPORT
                    } else {
                        vocab::DB_INSERT
                    }
                }
                _ => match crate::sql::classify(after_prepare(&self.statement)).0 {
                    a @ (vocab::DB_INSERT | vocab::DB_UPDATE | vocab::DB_DELETE) => a,
                    _ => vocab::DB_UPDATE,
                },
            },
            "DDL" => vocab::DB_DDL,
            "ROLE" => vocab::DB_GRANT,
            _ => {
                if cmd == "COPY" && is_copy_to(&self.statement) {
                    vocab::DB_EXPORT
                } else {
                    vocab::DB_STATEMENT
                }
            }
        }
    }

    /// What the record acted on: the object name, or for a SESSION record without one, the
    /// table the statement names.
    pub fn target(&self) -> Option<String> {
        if !self.object_name.is_empty() {
            return Some(self.object_name.to_string());
        }
        match self.class.as_ref() {
            "READ" | "WRITE" | "DDL" | "ROLE" => {
                crate::sql::classify(after_prepare(&self.statement)).1
            }
            _ => None,
        }
    }
}

/// The target of the commonest statements, read without allocating words: `UPDATE [ONLY] t`,
/// `INSERT INTO t`, `DELETE FROM [ONLY] t`, `SELECT ... FROM t`. Gives what
/// [`PgAudit::target`] gives; `None` when the statement needs [`crate::sql::classify`].
pub(crate) fn fast_target(a: &PgAudit<'_>) -> Option<Option<String>> {
    if !a.object_name.is_empty() {
        return Some(Some(a.object_name.to_string()));
    }
    if !matches!(a.class.as_ref(), "READ" | "WRITE" | "DDL" | "ROLE") {
        return Some(None);
    }
    let mut w = Words {
        s: &a.statement,
        i: 0,
        n: 0,
    };
    let first = w.next()?;
    let is = |x: &str, k: &str| x.eq_ignore_ascii_case(k);
    let name = if is(first, "UPDATE") {
        let n = w.next()?;
        if is(n, "ONLY") { w.next()? } else { n }
    } else if is(first, "INSERT") {
        if !is(w.next()?, "INTO") {
            return None;
        }
        w.next()?
    } else if is(first, "DELETE") || is(first, "SELECT") {
        let n = loop {
            let x = w.next()?;
            if is(x, "FROM") {
                break w.next()?;
            }
        };
        if is(first, "DELETE") && is(n, "ONLY") {
            w.next()?
        } else if ["SELECT", "WHERE", "ONLY", "LATERAL", "("]
            .iter()
            .any(|k| is(n, k))
        {
            return Some(None);
        } else {
            n
        }
    } else {
        return None;
    };
    if name == "(" || name.contains(['"', '`']) {
        return None;
    }
    Some(Some(name.to_string()))
}

/// The words of a statement as `sql::classify` sees them (comments and string literals skipped,
/// `(` a word of its own), borrowed; at most 64.
struct Words<'a> {
    s: &'a str,
    i: usize,
    n: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        if self.n >= 64 {
            return None;
        }
        while self.i < b.len() {
            let c = b[self.i];
            if c.is_ascii_whitespace() || matches!(c, b',' | b';' | b')') {
                self.i += 1;
            } else if c == b'-' && b.get(self.i + 1) == Some(&b'-') {
                self.i = memchr::memchr(b'\n', &b[self.i..]).map_or(b.len(), |p| self.i + p);
            } else if c == b'/' && b.get(self.i + 1) == Some(&b'*') {
                self.i = crate::atoms::find_bytes(&b[self.i + 2..], b"*/")
                    .map_or(b.len(), |p| self.i + 4 + p);
            } else if c == b'\'' {
                self.i =
                    memchr::memchr(b'\'', &b[self.i + 1..]).map_or(b.len(), |p| self.i + 2 + p);
            } else if c == b'(' {
                self.i += 1;
                self.n += 1;
                return Some("(");
            } else {
                let start = self.i;
                while self.i < b.len() {
                    let c = b[self.i];
                    if c == b'"' || c == b'`' {
                        self.i =
                            memchr::memchr(c, &b[self.i + 1..]).map_or(b.len(), |p| self.i + 2 + p);
                    } else if c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'(' | b')') {
                        break;
                    } else {
                        self.i += 1;
                    }
                }
                self.n += 1;
                return self.s.get(start..self.i.min(b.len()));
            }
        }
        None
    }
}

/// The statement of `PREPARE name (types) AS statement`, or the whole text.
fn after_prepare(stmt: &str) -> &str {
    let t = stmt.trim_start();
    if t.len() > 8 && t.as_bytes()[..8].eq_ignore_ascii_case(b"PREPARE ") {
        let b = t.as_bytes();
        let mut i = 0;
        while i + 4 <= b.len() {
            if b[i].is_ascii_whitespace()
                && b[i + 1..i + 3].eq_ignore_ascii_case(b"AS")
                && b[i + 3].is_ascii_whitespace()
            {
                return &t[i + 3..];
            }
            i += 1;
        }
    }
    stmt
}

/// `COPY ... TO ...` (out of the database), read from the words of the statement.
fn is_copy_to(stmt: &str) -> bool {
    let t = stmt.trim_start();
    if !(t.len() > 5 && t.as_bytes()[..5].eq_ignore_ascii_case(b"COPY ")) {
        return false;
    }
    let mut to = false;
    for w in t.split_ascii_whitespace() {
        if w.eq_ignore_ascii_case("FROM") {
            return false;
        }
        if w.eq_ignore_ascii_case("TO") {
            to = true;
        }
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        let a = parse_pgaudit(
            r#"AUDIT: SESSION,4,1,DDL,CREATE TABLE,TABLE,public.tmp,"CREATE TABLE tmp (id int, data text)",<not logged>"#,
        )
        .unwrap();
        assert_eq!(a.audit_type, "SESSION");
        assert_eq!((a.statement_id, a.substatement_id), (4, 1));
        assert_eq!(a.statement, "CREATE TABLE tmp (id int, data text)");
        assert_eq!(a.parameter, "<not logged>");
        assert_eq!(a.rows, None);
        assert_eq!(a.action(), "db.ddl");
        assert_eq!(a.target().as_deref(), Some("public.tmp"));

        let a = parse_pgaudit(
            "AUDIT: OBJECT,1,1,WRITE,INSERT,TABLE,public.test4,\"PREPARE testinsert(int, text) AS\n    INSERT INTO test4 VALUES($1, $2)\",\"1,<long param suppressed>\"",
        )
        .unwrap();
        assert_eq!(a.parameter, "1,<long param suppressed>");
        assert_eq!(a.action(), "db.insert");

        let a = parse_pgaudit(r#"SESSION,27,4,READ,SELECT,,,SELECT test2_change(91),<none>,1"#)
            .unwrap();
        assert_eq!(a.rows, Some(1));
        assert_eq!(a.action(), "db.read");

        let a =
            parse_pgaudit(r#"AUDIT: SESSION,2,1,WRITE,UPDATE,,,"UPDATE t SET a = ""x,y""",<none>"#)
                .unwrap();
        assert_eq!(a.statement, r#"UPDATE t SET a = "x,y""#);
        assert_eq!(a.target().as_deref(), Some("t"));
        assert_eq!(a.action(), "db.update");
    }

    #[test]
    fn actions() {
        let act = |m: &str| parse_pgaudit(m).unwrap().action();
        assert_eq!(
            act("SESSION,8,1,READ,SELECT,TABLE,public.account,COPY account TO stdout,<none>"),
            "db.export"
        );
        assert_eq!(
            act("SESSION,54,1,WRITE,COPY,,,COPY test.account_copy from stdin,<none>,0"),
            "db.insert"
        );
        assert_eq!(
            act("SESSION,21,1,WRITE,PREPARE,,,\"PREPARE p (oid) AS\n DELETE FROM t\",<none>"),
            "db.delete"
        );
        assert_eq!(
            act("SESSION,1,1,ROLE,GRANT,TABLE,,GRANT SELECT ON t TO u,<none>"),
            "db.grant"
        );
        assert_eq!(
            act("SESSION,1,1,FUNCTION,DO,,,DO $$ BEGIN END $$,<none>"),
            "db.statement"
        );
        assert_eq!(
            act("SESSION,1,1,MISC,SET,,,SET x = 1,<none>"),
            "db.statement"
        );
        assert_eq!(
            act("SESSION,1,1,MISC,COPY,,,COPY t TO '/tmp/x',<none>"),
            "db.export"
        );
        assert_eq!(
            act("SESSION,1,1,WRITE,TRUNCATE TABLE,,,TRUNCATE t,<none>"),
            "db.delete"
        );
    }

    #[test]
    fn fast_target_agrees_with_classify() {
        for stmt in [
            "UPDATE public.archive_item SET a = 1",
            "update ONLY t set a=1",
            "INSERT INTO audit_log (a) VALUES (1)",
            "insert into t(a) values (1)",
            "DELETE FROM t WHERE 1=1",
            "SELECT a, (SELECT 1) FROM x.y WHERE z",
            "SELECT count(*) FROM tbl",
            "SELECT 1",
            "SELECT * FROM (SELECT 1) s",
            "/* c */ -- x\n UPDATE t2 SET a = 'it''s' ",
            "UPDATE \"Archive\".\"Item\" SET a = 1",
            "SELECT 'FROM' , b FROM t",
        ] {
            let a = PgAudit {
                audit_type: "SESSION".into(),
                statement_id: 1,
                substatement_id: 1,
                class: "WRITE".into(),
                command: "UPDATE".into(),
                object_type: "".into(),
                object_name: "".into(),
                statement: stmt.into(),
                parameter: "<none>".into(),
                rows: None,
            };
            if let Some(t) = fast_target(&a) {
                assert_eq!(t, a.target(), "{stmt}");
            }
        }
    }

    #[test]
    fn numbers_are_read_as_str_parse_reads_them() {
        for s in [
            "0",
            "7",
            "+7",
            "+",
            "",
            "-1",
            "12a",
            " 1",
            "18446744073709551615",
            "18446744073709551616",
            "0018446744073709551615",
            "99999999999999999999",
        ] {
            assert_eq!(parse_u64(s), s.parse::<u64>().ok(), "{s:?}");
        }
    }

    #[test]
    fn rejections() {
        let e = parse_pgaudit("AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT 1").unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::Expected("'\"' closing a quoted pgaudit field")
        );
        assert_eq!(e.at, 33);
        let e = parse_pgaudit("AUDIT: SESSION,x,1,READ,SELECT,,,SELECT 1,<none>").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::BadValue { .. }));
        let e = parse_pgaudit("AUDIT: SESSION,1,1,READ").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Expected(_)));
        let e = parse_pgaudit("AUDIT: OTHER,1,1,READ,SELECT,,,SELECT 1,<none>").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::BadValue { .. }));
        let e = parse_pgaudit("AUDIT: SESSION,1,1,READ,SELECT,,,\"a\"b,<none>").unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::Expected("',' after a quoted pgaudit field")
        );
    }
}
