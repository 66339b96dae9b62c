//! The MySQL general query log.
//!
//! Two layouts:
//!
//! | version | example |
//! |---|---|
//! | 5.0, 5.1 | `051007 21:55:24\t     42 Connect     root@localhost on db1`; a line without a time has the time of the line before it |
//! | 5.5+ (ISO) | `2016-06-07T19:07:02.558338Z    3 Connect\tphpmyadmin@localhost on  using Socket`, also `+08:00` offsets |
//!
//! A statement that spans lines goes on without any prefix: such lines belong to the entry before
//! them, which is held until the next entry starts (or flush). The server's header lines
//! (`/usr/sbin/mysqld, Version: ...`, `Tcp port: ...`, `Time Id Command Argument`) are not events:
//! they are rejected with the reason "general log header", so that every line is accounted for.
//!
//! | command | action |
//! |---|---|
//! | Connect | `db.connect` success (actor user, src host, target database); `Access denied for user ...` is `db.auth_failure` |
//! | Quit | `db.disconnect` |
//! | Query, Execute | [`crate::sql::classify`] |
//! | Init DB | `db.statement` |
//! | Change user | `db.connect` |
//! | others (Prepare, Field List, Statistics, Ping, Shutdown...) | `other` |
//!
//! A line without a time takes the time of the line before it; when no line before it had one
//! (a fragment of a log), the context's reference time stands in and the event carries
//! `fields.time_from_reference = true`.
//!
//! The actor of a Query is the user of its connection, when its Connect was seen (a bounded map
//! of connection ids).

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::FORMAT_GENERAL as FORMAT;
use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{Event, Flag, Outcome};
use crate::line::RawLine;
use crate::{Output, Parser, reject, time, vocab};

/// At most this many connections' users are remembered.
pub const MAX_CONNECTIONS: usize = 4096;
/// A statement longer than this many lines is emitted, flagged incomplete.
pub const MAX_LINES: usize = 10_000;

/// The commands the general log writes (longest first where one is a prefix of another).
const COMMANDS: &[&str] = &[
    "Connect Out",
    "Connect",
    "Quit",
    "Query",
    "Init DB",
    "Field List",
    "Create DB",
    "Drop DB",
    "Refresh",
    "Shutdown",
    "Statistics",
    "Processlist",
    "Kill",
    "Debug",
    "Ping",
    "Time",
    "Delayed insert",
    "Change user",
    "Binlog Dump GTID",
    "Binlog Dump",
    "Table Dump",
    "Register Slave",
    "Prepare",
    "Execute",
    "Long Data",
    "Close stmt",
    "Reset stmt",
    "Set option",
    "Fetch",
    "Daemon",
    "Reset Connection",
    "Sleep",
    "Error",
];

/// One entry line, read.
#[derive(Debug, PartialEq)]
struct EntryLine<'a> {
    /// The time, if the line has one, and whether it was local.
    ts: Option<(DateTime<Utc>, bool)>,
    id: u64,
    command: &'static str,
    arg: &'a str,
}

/// `YYMMDD H:MM:SS` (the hour may be blank-padded).
fn old_time<'a>(
    s: &'a str,
    ctx: &ParseContext,
) -> Option<Result<(DateTime<Utc>, &'a str), ErrorKind>> {
    let b = s.as_bytes();
    if b.len() < 13 || !b[..6].iter().all(u8::is_ascii_digit) || b[6] != b' ' {
        return None;
    }
    let r = s[7..].trim_start_matches(' ');
    let colon = r.find(':')?;
    if colon == 0 || colon > 2 {
        return None;
    }
    let rb = r.as_bytes();
    let end = colon + 6;
    if rb.len() < end || rb[colon + 3] != b':' {
        return None;
    }
    let n = |x: &str| x.parse::<u32>().ok();
    let y = n(&s[0..2])?;
    // Two-digit years: 70-99 are 19xx, the rest 20xx.
    let year = if y >= 70 { 1900 + y } else { 2000 + y } as i32;
    let date = NaiveDate::from_ymd_opt(year, n(&s[2..4])?, n(&s[4..6])?)?;
    let t = NaiveTime::from_hms_opt(
        n(&r[..colon])?,
        n(&r[colon + 1..colon + 3])?,
        n(&r[colon + 4..end])?,
    )?;
    Some(ctx.local_to_utc(date.and_time(t)).map(|ts| (ts, &r[end..])))
}

/// A time, whether it was local, and the rest of the line.
type Stamped<'a> = (DateTime<Utc>, bool, &'a str);

/// An ISO time (`2016-06-07T19:07:02.558338Z`, `...+08:00`) at the start of `s`.
fn iso_time<'a>(s: &'a str, ctx: &ParseContext) -> Option<Result<Stamped<'a>, ErrorKind>> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[10] != b'T' {
        return None;
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Some(time::parse_iso(&s[..end], ctx.zone).map(|(t, local)| (t, local, &s[end..])))
}

/// `<blanks>id<blanks>Command[\t or blanks]argument`.
fn id_command(s: &str) -> Option<(u64, &'static str, &str)> {
    let r = s.trim_start_matches([' ', '\t']);
    let digits = r.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 20 {
        return None;
    }
    let id = r[..digits].parse().ok()?;
    let r = &r[digits..];
    if !r.starts_with([' ', '\t']) {
        return None;
    }
    let r = r.trim_start_matches(' ');
    let command = COMMANDS.iter().find(|c| {
        r.starts_with(**c) && matches!(r.as_bytes().get(c.len()), None | Some(b' ' | b'\t'))
    })?;
    let arg = &r[command.len()..];
    let arg = arg
        .strip_prefix('\t')
        .unwrap_or_else(|| arg.trim_start_matches(' '));
    Some((id, command, arg))
}

/// Whether `s` is one of the lines the server writes when it opens the log.
fn is_header(s: &str) -> bool {
    (s.contains(", Version: ") && s.contains("started with:"))
        || s.starts_with("Tcp port: ")
        || (s.starts_with("Time ") && s.contains("Id Command"))
}

/// The MySQL general query log.
#[derive(Debug, Default)]
pub struct MysqlGeneralParser {
    last_ts: Option<(DateTime<Utc>, bool)>,
    held: Option<Held>,
    /// Connection id to (user, host, current database).
    users: HashMap<u64, (String, String, String)>,
    order: VecDeque<u64>,
}

#[derive(Debug)]
struct Held {
    path: String,
    file_id: u64,
    offset: u64,
    line: u64,
    ts: DateTime<Utc>,
    local: bool,
    flags: Vec<Flag>,
    id: u64,
    command: &'static str,
    arg: String,
    raw: String,
    lines: usize,
    from_reference: bool,
}

impl MysqlGeneralParser {
    pub fn new() -> MysqlGeneralParser {
        MysqlGeneralParser::default()
    }

    fn remember(&mut self, id: u64, user: &str, host: &str, db: &str) {
        if self
            .users
            .insert(id, (user.to_string(), host.to_string(), db.to_string()))
            .is_none()
        {
            self.order.push_back(id);
        }
        while self.users.len() > MAX_CONNECTIONS {
            match self.order.pop_front() {
                Some(old) => {
                    self.users.remove(&old);
                }
                None => break,
            }
        }
    }

    fn emit(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        let Some(h) = self.held.take() else {
            return;
        };
        let line = RawLine {
            bytes: &[],
            path: &h.path,
            file_id: h.file_id,
            offset: h.offset,
            line: h.line,
        };
        let mut ev = Event::new(ctx, &line, FORMAT, h.ts, vocab::OTHER, h.raw);
        for f in h.flags {
            ev.flag(f);
        }
        if h.local {
            ev.flag(Flag::ZoneFromSource);
        }
        ev.field("connection_id", h.id);
        ev.field("command", h.command);
        if h.from_reference {
            ev.field("time_from_reference", true);
        }
        let arg = h.arg.trim_end();
        let known = self.users.get(&h.id).cloned();
        match h.command {
            "Connect" | "Change user" => {
                if let Some(rest) = arg.strip_prefix("Access denied for user ") {
                    ev.set_action(vocab::DB_AUTH_FAILURE);
                    ev.outcome = Outcome::Failure;
                    // 'user'@'host' (using password: NO)
                    let mut q = rest.split('\'');
                    let (_, user, _, host) = (q.next(), q.next(), q.next(), q.next());
                    ev.actor = user.map(str::to_string);
                    ev.src_ip = host.filter(|h| !h.is_empty()).map(str::to_string);
                    if let Some(p) = rest.find("(using password: ") {
                        ev.field("using_password", rest[p + 17..].trim_end_matches(')'));
                    }
                } else {
                    ev.set_action(vocab::DB_CONNECT);
                    ev.outcome = Outcome::Success;
                    let (who, rest) = arg.split_once(' ').unwrap_or((arg, ""));
                    let (user, host) = who.split_once('@').unwrap_or((who, ""));
                    if !user.is_empty() {
                        ev.actor = Some(user.to_string());
                    }
                    if !host.is_empty() {
                        ev.src_ip = Some(host.to_string());
                    }
                    // `[as PROXY ]on DB[ using TYPE]`
                    let rest = format!(" {rest}");
                    let db = match rest.find(" on ") {
                        Some(p) => rest[p + 4..].split(' ').next().unwrap_or(""),
                        None => "",
                    };
                    if !db.is_empty() {
                        ev.target = Some(db.to_string());
                        ev.field("database", db);
                    }
                    if let Some(p) = rest.find(" using ") {
                        ev.field("connection_type", rest[p + 7..].trim());
                    }
                    if let Some(p) = rest.find(" as ") {
                        let a = rest[p + 4..].split(' ').next().unwrap_or("");
                        if !a.is_empty() {
                            ev.field("as_user", a);
                        }
                    }
                    self.remember(h.id, user, host, db);
                }
            }
            "Quit" => {
                ev.set_action(vocab::DB_DISCONNECT);
                ev.outcome = Outcome::Success;
                if let Some((u, host, _)) = &known {
                    ev.actor = Some(u.clone());
                    ev.src_ip = Some(host.clone()).filter(|h| !h.is_empty());
                }
                if self.users.remove(&h.id).is_some() {
                    self.order.retain(|x| *x != h.id);
                }
            }
            "Query" | "Execute" => {
                let (action, target) = crate::sql::classify(arg);
                ev.set_action(action);
                // A table named without its database is in the connection's current one.
                let db = known.as_ref().map_or("", |(_, _, db)| db.as_str());
                ev.target = target.map(|t| crate::sql::qualify(t, db));
                ev.ticket = crate::postgres::ticket_in_sql_comments(ctx, arg, true);
                ev.field("statement", arg);
            }
            "Init DB" => {
                ev.set_action(vocab::DB_STATEMENT);
                if let Some(c) = self.users.get_mut(&h.id) {
                    c.2 = arg.to_string();
                }
                ev.target = Some(arg.to_string()).filter(|a| !a.is_empty());
                ev.field("database", arg);
            }
            _ => {
                if !arg.is_empty() {
                    ev.field("argument", arg);
                }
            }
        }
        if ev.actor.is_none()
            && let Some((u, host, _)) = known
        {
            ev.actor = Some(u).filter(|u| !u.is_empty());
            if ev.src_ip.is_none() && !host.is_empty() {
                ev.src_ip = Some(host);
            }
        }
        ev.message = if arg.is_empty() {
            h.command.to_string()
        } else {
            format!("{} {}", h.command, arg)
        };
        out.push(Ok(ev));
    }

    /// Reads an entry line: time (optional), id, command, argument.
    fn entry<'a>(
        &self,
        s: &'a str,
        ctx: &ParseContext,
    ) -> Result<Option<EntryLine<'a>>, ParseError> {
        let mut rest = s;
        let mut ts = None;
        if let Some(r) = iso_time(s, ctx) {
            let (t, local, r) = r.map_err(|k| ParseError::new(k, 0))?;
            ts = Some((t, local));
            rest = r;
        } else if let Some(r) = old_time(s, ctx) {
            let (t, r) = r.map_err(|k| ParseError::new(k, 0))?;
            ts = Some((t, true));
            rest = r;
        } else if !s.starts_with([' ', '\t']) {
            return Ok(None);
        }
        match id_command(rest) {
            Some((id, command, arg)) => Ok(Some(EntryLine {
                ts,
                id,
                command,
                arg,
            })),
            None if ts.is_some() => Err(ParseError::new(
                ErrorKind::Expected(
                    "a connection id and a command (Connect, Query, Quit...) after the time",
                ),
                s.len() - rest.len(),
            )),
            None => Ok(None),
        }
    }
}

impl Parser for MysqlGeneralParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        if is_header(&text) {
            self.emit(ctx, out);
            let e = ParseError::new(ErrorKind::Other("general log header".into()), 0);
            out.push(Err(reject(line, text.into_owned(), e)));
            return;
        }
        let entry = match self.entry(&text, ctx) {
            Ok(e) => e,
            Err(e) => {
                self.emit(ctx, out);
                out.push(Err(reject(line, text.to_string(), e)));
                return;
            }
        };
        let Some(entry) = entry else {
            // A continuation of the statement before, or a stray line.
            match &mut self.held {
                Some(h) if h.lines < MAX_LINES => {
                    h.arg.push('\n');
                    h.arg.push_str(&text);
                    h.raw.push('\n');
                    h.raw.push_str(&text);
                    h.lines += 1;
                    if let Some(f) = flag
                        && !h.flags.contains(&f)
                    {
                        h.flags.push(f);
                    }
                }
                _ => {
                    let what = if text.trim().is_empty() {
                        ErrorKind::Empty
                    } else {
                        ErrorKind::Expected(
                            "a general log entry (time, connection id, command) or a statement's continuation",
                        )
                    };
                    out.push(Err(reject(
                        line,
                        text.into_owned(),
                        ParseError::new(what, 0),
                    )));
                }
            }
            return;
        };
        self.emit(ctx, out);
        if let Some(t) = entry.ts {
            self.last_ts = Some(t);
        }
        // No time yet (a fragment of a log, or a reader that started mid-file): the context's
        // reference time stands in, and the event says so in `fields.time_from_reference`.
        let (ts, local, from_reference) = match self.last_ts {
            Some((t, l)) => (t, l, false),
            None => (ctx.reference, false, true),
        };
        self.held = Some(Held {
            path: line.path.to_string(),
            file_id: line.file_id,
            offset: line.offset,
            line: line.line,
            ts,
            local,
            flags: flag.into_iter().collect(),
            id: entry.id,
            command: entry.command,
            arg: entry.arg.to_string(),
            raw: text.to_string(),
            lines: 1,
            from_reference,
        });
    }

    fn flush(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        self.emit(ctx, out);
    }

    fn pending_offset(&self) -> Option<u64> {
        self.held.as_ref().map(|h| h.offset)
    }
}
