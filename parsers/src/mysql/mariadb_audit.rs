//! MariaDB's server_audit plugin:
//! `20261103 09:15:02,serverhost,user,client_host,connection_id,query_id,OPERATION,database,object,retcode`
//! from its own file, or the same without the time after a syslog envelope
//! (`... mysql-server_auditing: [syslog_info] serverhost,user,...`).
//!
//! | operation | action |
//! |---|---|
//! | CONNECT, CHANGEUSER, PROXY_CONNECT | `db.connect` (success when retcode is 0) |
//! | FAILED_CONNECT | `db.auth_failure` failure |
//! | DISCONNECT | `db.disconnect` success |
//! | QUERY, QUERY_DDL, QUERY_DML, QUERY_DML_NO_SELECT, QUERY_DCL | [`crate::sql::classify`] of the quoted statement, success when retcode is 0 |
//! | READ (table) | `db.read` |
//! | WRITE (table) | `db.update` (the table was opened for writing: insert, update or delete) |
//! | CREATE, DROP, ALTER, RENAME (table) | `db.ddl` |
//!
//! The statement is single-quoted with backslash escapes (`\'`, `\\`, `\n`...) and may hold
//! commas. Times are local, in the source's zone.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveTime};

use super::FORMAT_MARIADB_AUDIT as FORMAT;
use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError, offset_in};
use crate::event::{Event, Flag, Outcome};
use crate::line::RawLine;
use crate::{Output, Parser, reject, vocab};

/// One server_audit record (after the time or the syslog envelope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord<'a> {
    pub server_host: &'a str,
    pub user: &'a str,
    /// The client's host (`host:port` from MariaDB 12 is split).
    pub client_host: &'a str,
    pub client_port: Option<&'a str>,
    pub connection_id: &'a str,
    pub query_id: &'a str,
    pub operation: &'a str,
    pub database: &'a str,
    /// The statement (unescaped) or the table name.
    pub object: Cow<'a, str>,
    pub retcode: &'a str,
}

/// Reads the comma-separated fields of a record, after its time (or syslog envelope).
pub fn parse_audit_record(s: &str) -> Result<AuditRecord<'_>, ParseError> {
    let mut rest = s;
    let mut plain: [&str; 8] = [""; 8];
    const WHAT: [&str; 8] = [
        "the server host",
        "the user",
        "the client host",
        "the connection id",
        "the query id",
        "the operation",
        "the database",
        "the object",
    ];
    for (k, slot) in plain.iter_mut().enumerate().take(7) {
        match rest.find(',') {
            Some(p) => {
                *slot = &rest[..p];
                rest = &rest[p + 1..];
            }
            None => {
                return Err(ParseError::new(ErrorKind::Expected(WHAT[k + 1]), s.len()));
            }
        }
    }
    let [
        server_host,
        user,
        client,
        connection_id,
        query_id,
        operation,
        database,
        _,
    ] = plain;
    if !connection_id.bytes().all(|c| c.is_ascii_digit()) || connection_id.is_empty() {
        return Err(ParseError::new(
            ErrorKind::BadValue {
                what: "connection id",
                value: connection_id.to_string(),
            },
            offset_in(s, connection_id),
        ));
    }
    if operation.is_empty()
        || !operation
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c == b'_')
    {
        return Err(ParseError::new(
            ErrorKind::BadValue {
                what: "operation",
                value: operation.to_string(),
            },
            offset_in(s, operation),
        ));
    }
    // The object: a quoted statement, or a bare name.
    let (object, after) = if let Some(q) = rest.strip_prefix('\'') {
        match unescape_quoted(q) {
            Some((o, r)) => (o, r),
            None => {
                return Err(ParseError::new(
                    ErrorKind::Expected("the quote closing the statement"),
                    offset_in(s, rest),
                ));
            }
        }
    } else {
        let p = rest.find(',').unwrap_or(rest.len());
        (Cow::Borrowed(&rest[..p]), &rest[p..])
    };
    let retcode = match after.strip_prefix(',') {
        Some(r) => r.split(',').next().unwrap_or(""),
        None if after.is_empty() => "",
        None => {
            return Err(ParseError::new(
                ErrorKind::Expected("',' after the statement"),
                offset_in(s, after),
            ));
        }
    };
    let (client_host, client_port) = match client.rsplit_once(':') {
        Some((h, p))
            if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) && !h.contains(':') =>
        {
            (h, Some(p))
        }
        _ => (client, None),
    };
    Ok(AuditRecord {
        server_host,
        user,
        client_host,
        client_port,
        connection_id,
        query_id,
        operation,
        database,
        object,
        retcode,
    })
}

/// The text of a single-quoted string (its opening quote already read), unescaped, and what
/// follows its closing quote.
fn unescape_quoted(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut owned: Option<String> = None;
    let mut last = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let e = *b.get(i + 1)?;
                let c = match e {
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'0' => '\0',
                    _ => char::from(e),
                };
                if !e.is_ascii() {
                    // A backslash before a multi-byte character: keep both as written.
                    i += 1;
                    continue;
                }
                let o = owned.get_or_insert_with(String::new);
                o.push_str(&s[last..i]);
                o.push(c);
                i += 2;
                last = i;
            }
            b'\'' => {
                let v = match owned {
                    Some(mut o) => {
                        o.push_str(&s[last..i]);
                        Cow::Owned(o)
                    }
                    None => Cow::Borrowed(&s[..i]),
                };
                return Some((v, &s[i + 1..]));
            }
            _ => i += 1,
        }
    }
    None
}

/// The server_audit time `20261103 09:15:02` at the start of `s`.
fn audit_time(s: &str) -> Option<(chrono::NaiveDateTime, &str)> {
    let b = s.as_bytes();
    if b.len() < 17 || b[8] != b' ' || b[11] != b':' || b[14] != b':' {
        return None;
    }
    let d = |r: std::ops::Range<usize>| -> Option<u32> {
        let x = s.get(r)?;
        if x.bytes().all(|c| c.is_ascii_digit()) {
            x.parse().ok()
        } else {
            None
        }
    };
    let date = NaiveDate::from_ymd_opt(d(0..4)? as i32, d(4..6)?, d(6..8)?)?;
    let t = NaiveTime::from_hms_opt(d(9..11)?, d(12..14)?, d(15..17)?)?;
    Some((date.and_time(t), &s[17..]))
}

/// MariaDB server_audit logs.
#[derive(Debug, Default)]
pub struct MariadbAuditParser;

impl MariadbAuditParser {
    pub fn new() -> MariadbAuditParser {
        MariadbAuditParser
    }
}

/// Fills `ev` from a record.
fn fill(ev: &mut Event, ctx: &ParseContext, r: &AuditRecord<'_>) {
    if !r.server_host.is_empty() {
        ev.host = ctx.shared_host(r.server_host);
    }
    if !r.user.is_empty() {
        ev.actor = Some(r.user.to_string());
    }
    if !r.client_host.is_empty() {
        ev.src_ip = Some(r.client_host.to_string());
    }
    if let Some(p) = r.client_port {
        ev.field("client_port", p);
    }
    ev.field("connection_id", r.connection_id.parse::<u64>().unwrap_or(0));
    if let Ok(q) = r.query_id.parse::<u64>()
        && q != 0
    {
        ev.field("query_id", q);
    }
    ev.field("operation", r.operation);
    if !r.database.is_empty() {
        ev.field("database", r.database);
    }
    if !r.retcode.is_empty() {
        ev.field(
            "retcode",
            r.retcode.parse::<i64>().map_or_else(
                |_| serde_json::Value::from(r.retcode),
                serde_json::Value::from,
            ),
        );
    }
    let ok = if r.retcode == "0" {
        Outcome::Success
    } else if r.retcode.is_empty() {
        Outcome::Unknown
    } else {
        Outcome::Failure
    };
    let qualified = || {
        if r.database.is_empty() || r.object.contains('.') {
            r.object.to_string()
        } else {
            format!("{}.{}", r.database, r.object)
        }
    };
    match r.operation {
        "CONNECT" | "CHANGEUSER" | "PROXY_CONNECT" => {
            ev.set_action(vocab::DB_CONNECT);
            ev.outcome = ok;
            if !r.database.is_empty() {
                ev.target = Some(r.database.to_string());
            }
            if r.operation == "PROXY_CONNECT" && !r.object.is_empty() {
                ev.field("proxy", r.object.as_ref());
            }
        }
        "FAILED_CONNECT" => {
            ev.set_action(vocab::DB_AUTH_FAILURE);
            ev.outcome = Outcome::Failure;
            if !r.database.is_empty() {
                ev.target = Some(r.database.to_string());
            }
        }
        "DISCONNECT" => {
            ev.set_action(vocab::DB_DISCONNECT);
            ev.outcome = Outcome::Success;
        }
        op if op.starts_with("QUERY") => {
            let (action, target) = crate::sql::classify(&r.object);
            ev.set_action(action);
            ev.target = target.map(|t| crate::sql::qualify(t, r.database));
            ev.outcome = ok;
            ev.ticket = crate::postgres::ticket_in_sql_comments(ctx, &r.object, true);
            ev.field("statement", r.object.as_ref());
        }
        "READ" => {
            ev.set_action(vocab::DB_READ);
            ev.target = Some(qualified());
        }
        "WRITE" => {
            ev.set_action(vocab::DB_UPDATE);
            ev.target = Some(qualified());
        }
        "CREATE" | "DROP" | "ALTER" | "RENAME" => {
            ev.set_action(vocab::DB_DDL);
            ev.target = Some(qualified());
        }
        _ => ev.set_action(vocab::OTHER),
    }
    ev.message = match r.operation {
        op if op.starts_with("QUERY") => r.object.to_string(),
        op => {
            let mut m = format!("{op} {}@{}", r.user, r.client_host);
            if !r.object.is_empty() {
                m.push(' ');
                m.push_str(&r.object);
            } else if !r.database.is_empty() {
                m.push(' ');
                m.push_str(r.database);
            }
            m
        }
    };
}

impl Parser for MariadbAuditParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = match line.decode_nonblank(ctx) {
            Ok(t) => t,
            Err(r) => {
                out.push(Err(r));
                return;
            }
        };
        // Its own file: the time first. Otherwise a syslog envelope.
        let (ts, flags, body, syslog_host): (_, Vec<Flag>, &str, Option<&str>) =
            if let Some((naive, rest)) = audit_time(&text) {
                let Some(body) = rest.strip_prefix(',') else {
                    let e = ParseError::new(ErrorKind::Expected("',' after the time"), 17);
                    out.push(Err(reject(line, text.to_string(), e)));
                    return;
                };
                match ctx.local_to_utc(naive) {
                    Ok(t) => (t, vec![Flag::ZoneFromSource], body, None),
                    Err(k) => {
                        out.push(Err(reject(line, text.to_string(), ParseError::new(k, 0))));
                        return;
                    }
                }
            } else {
                let env = match crate::syslog::envelope(&text, ctx) {
                    Ok(e) => e,
                    Err(_) => {
                        let e = ParseError::new(
                            ErrorKind::Expected(
                                "a server_audit time (20261103 09:15:02) or a syslog envelope",
                            ),
                            0,
                        );
                        out.push(Err(reject(line, text.to_string(), e)));
                        return;
                    }
                };
                let mut flags = Vec::new();
                if env.year_inferred {
                    flags.push(Flag::YearInferred);
                }
                if env.zone_from_source {
                    flags.push(Flag::ZoneFromSource);
                }
                // `[syslog_info ]serverhost,...`: drop the info word(s) before the first field.
                let msg = env.msg.trim_start();
                let first = msg.find(',').unwrap_or(msg.len());
                let body = match msg[..first].rfind(' ') {
                    Some(p) => &msg[p + 1..],
                    None => msg,
                };
                (env.ts, flags, body, env.host)
            };
        let rec = match parse_audit_record(body) {
            Ok(r) => r,
            Err(mut e) => {
                e.at += offset_in(&text, body);
                out.push(Err(reject(line, text.to_string(), e)));
                return;
            }
        };
        let mut ev = Event::new(ctx, line, FORMAT, ts, vocab::OTHER, String::new());
        if let Some(h) = syslog_host {
            ev.host = ctx.shared_host(h);
        }
        fill(&mut ev, ctx, &rec);
        for f in flags.into_iter().chain(flag) {
            ev.flag(f);
        }
        drop(rec);
        ev.raw = text.into_owned();
        out.push(Ok(ev));
    }
}
