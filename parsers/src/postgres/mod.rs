//! PostgreSQL: stderr logs with a configurable `log_line_prefix` (format `postgres`), logs carried
//! by syslog (`postgres_syslog`), csvlog (`postgres_csv`), and the pgaudit `AUDIT:` messages in
//! any of them.
//!
//! A PostgreSQL message spans lines: continuation lines (a tab first in stderr, `[N-2]`, `[N-3]`...
//! in syslog) and the DETAIL, HINT, CONTEXT, STATEMENT, QUERY and LOCATION lines of the same
//! process belong to the message before them. The stderr and syslog parsers hold each process's
//! latest message until that process starts another one (or [`crate::Parser::flush`], or it has
//! been quiet for [`MAX_AGE`] lines), then emit one event for it. The csvlog parser holds a record
//! while a quoted field is open.
//!
//! | message | action |
//! |---|---|
//! | `AUDIT: ...` (pgaudit) | by class and command, see [`PgAudit::action`] |
//! | `connection authorized: user=X database=Y` | `db.connect` success |
//! | `password authentication failed for user "x"` (any method), `no pg_hba.conf entry for ...`, `pg_hba.conf rejects ...`, FATAL `role "x" does not exist` | `db.auth_failure` failure |
//! | `disconnection: session time: ...` | `db.disconnect` success |
//! | `statement: SQL`, `execute NAME: SQL` (with or without `duration: N ms  `) | [`crate::sql::classify`] |
//! | an ERROR/FATAL with a STATEMENT line | the statement's action, failure |
//! | `connection received`, `connection authenticated`, `parse`/`bind` durations, bare `duration:` | `other` |
//! | anything else | `system.message` (failure for ERROR, FATAL, PANIC) |

pub mod csvlog;
mod level;
pub mod pgaudit;
pub mod prefix;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::atoms::{FastFind, kv_pairs};
use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{Event, Flag, FlagSet, Outcome};
use crate::line::RawLine;
use crate::value::FieldValue;
use crate::{Output, Parser, reject, time, vocab};

pub use level::{Level, find_level, parse_level};
pub use pgaudit::{PgAudit, parse_pgaudit};
pub use prefix::{PgPrefix, PrefixValues};

/// Format name of stderr logs.
pub const FORMAT: &str = "postgres";
/// Format name of PostgreSQL lines carried by syslog.
pub const FORMAT_SYSLOG: &str = "postgres_syslog";
/// Format name of csvlog files.
pub const FORMAT_CSV: &str = "postgres_csv";

/// The prefixes tried, in turn, when a stderr source configures none: PostgreSQL's default
/// since version 10, the Debian/Ubuntu default, and pgBadger's recommended one.
pub const DEFAULT_PREFIXES: [&str; 3] = [
    "%m [%p] ",
    "%m [%p] %u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h",
];

/// The prefixes tried for syslog-carried lines when none is configured: the stderr defaults,
/// none at all, and pgBadger's recommended syslog prefixes.
pub const DEFAULT_SYSLOG_PREFIXES: [&str; 6] = [
    "%m [%p] ",
    "%m [%p] %u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h",
    "",
    "user=%u,db=%d,app=%a,client=%h ",
    "db=%d,user=%u,app=%a,client=%h ",
];

/// A held message is emitted once its process has been silent for this many lines.
pub const MAX_AGE: u64 = 256;
/// At most this many messages are held at once (one per process); the oldest goes first.
pub const MAX_OPEN: usize = 64;
/// A message longer than this many lines is emitted, flagged incomplete.
pub const MAX_LINES: usize = 10_000;
/// A message longer than this many bytes is emitted, flagged incomplete.
pub const MAX_BYTES: usize = 4 << 20;

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// The first ticket number quoted in a comment (`-- ...`, `/* ... */`, and `# ...` when
/// `hash_comments`) of an SQL statement. String literals are skipped.
pub fn ticket_in_sql_comments(
    ctx: &ParseContext,
    sql: &str,
    hash_comments: bool,
) -> Option<String> {
    let b = sql.as_bytes();
    // Most statements have no comment at all: skip the scan unless one can start (one pass for
    // `--` and `/*`).
    let may_comment = memchr::memchr2_iter(b'-', b'/', b).any(|i| {
        matches!(
            (b[i], b.get(i + 1)),
            (b'-', Some(b'-')) | (b'/', Some(b'*'))
        )
    }) || (hash_comments && memchr::memchr(b'#', b).is_some());
    if !may_comment {
        return None;
    }
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1 + usize::from(b[i] == b'\\');
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                if let Some(t) = sql.get(i + 2..end).and_then(|c| ctx.find_ticket(c)) {
                    return Some(t);
                }
                i = end;
            }
            b'#' if hash_comments => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                if let Some(t) = sql.get(i + 1..end).and_then(|c| ctx.find_ticket(c)) {
                    return Some(t);
                }
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end =
                    crate::atoms::find_bytes(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p);
                if let Some(t) = sql.get(i + 2..end).and_then(|c| ctx.find_ticket(c)) {
                    return Some(t);
                }
                i = end + 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// Reads PostgreSQL times (`2026-11-03 09:15:02.123 CST`, `... +08`, epoch `1699000000.123`),
/// remembering the offset of the last local hour and zone so that most lines skip the zone
/// lookup, and that hour's date and hour read, so that they read only minutes, seconds and the
/// fraction. An abbreviation is resolved through the source's zone ([`time::resolve_abbrev`]).
#[derive(Debug, Default, Clone)]
struct TsCache {
    hour: [u8; 13],
    /// The date and hour `hour` reads as.
    date: NaiveDate,
    hour_of_day: u32,
    zone: String,
    /// Seconds to subtract from the local time to get UTC.
    offset: i64,
    from_source: bool,
    valid: bool,
}

impl TsCache {
    /// The instant of `raw` and whether its zone came from the source.
    fn resolve(
        &mut self,
        raw: &str,
        ctx: &ParseContext,
    ) -> Result<(DateTime<Utc>, bool), ErrorKind> {
        let bad = || ErrorKind::BadTimestamp(raw.to_string());
        let b = raw.as_bytes();
        if b.len() < 19 || b[4] != b'-' {
            // %n: seconds since the epoch.
            return time::parse_epoch(raw).map(|t| (t, false)).ok_or_else(bad);
        }
        // Not a character boundary: the seconds are not digits, and the time is bad.
        let rest = raw.get(19..).ok_or_else(bad)?;
        let zone = match crate::atoms::find_byte(rest, b' ') {
            Some(p) => &rest[p + 1..],
            None => "",
        };
        if self.valid && b[..13] == self.hour && self.zone == zone {
            // The date and hour were read (and found valid) when the hour was cached.
            let (min, sec, nanos) = min_sec_nanos(b).ok_or_else(bad)?;
            // Within the same UTC day (always, but near midnight in a zone off UTC), the time
            // of day less the offset, without making the local time first nor chrono's general
            // arithmetic.
            let local = self.hour_of_day * 3600 + min * 60 + sec;
            let secs = i64::from(local) - self.offset;
            if let Ok(secs) = u32::try_from(secs)
                && let Some(t) = NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
            {
                return Ok((self.date.and_time(t).and_utc(), self.from_source));
            }
            let naive = self.date.and_time(
                NaiveTime::from_hms_nano_opt(self.hour_of_day, min, sec, nanos).ok_or_else(bad)?,
            );
            return Ok((
                naive.and_utc() - chrono::Duration::seconds(self.offset),
                self.from_source,
            ));
        }
        let naive = naive_time(raw).ok_or_else(bad)?;
        let (t, from_source) = if zone.is_empty() {
            (time::local_to_utc(naive, ctx.zone)?, true)
        } else {
            let exact = zone.eq_ignore_ascii_case("utc")
                || zone.eq_ignore_ascii_case("gmt")
                || time::numeric_offset(zone).is_some();
            (time::resolve_abbrev(naive, zone, ctx.zone)?, !exact)
        };
        self.hour.copy_from_slice(&b[..13]);
        self.date = naive.date();
        self.hour_of_day = naive.hour();
        self.zone.clear();
        self.zone.push_str(zone);
        self.offset = (naive.and_utc() - t).num_seconds();
        self.from_source = from_source;
        self.valid = true;
        Ok((t, from_source))
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD HH:MM:SS[.fff...]` at the start of `s`.
fn naive_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    let date = NaiveDate::from_ymd_opt(
        digits(b.get(0..4)?)? as i32,
        digits(b.get(5..7)?)?,
        digits(b.get(8..10)?)?,
    )?;
    Some(date.and_time(time_in_hour(b, digits(b.get(11..13)?)?)?))
}

/// The time of day of `YYYY-MM-DD HH:MM:SS[.fff...]` (at least 19 bytes long) whose hour is
/// `hour`: its minutes, seconds and fraction read.
fn time_in_hour(b: &[u8], hour: u32) -> Option<NaiveTime> {
    let (min, sec, nanos) = min_sec_nanos(b)?;
    NaiveTime::from_hms_nano_opt(hour, min, sec, nanos)
}

/// The minutes, seconds and nanoseconds of `YYYY-MM-DD HH:MM:SS[.fff...]` (at least 19 bytes
/// long), `None` where [`NaiveTime::from_hms_nano_opt`] would refuse them (a minute or second
/// past 59: nine digits of fraction are always below its bound).
fn min_sec_nanos(b: &[u8]) -> Option<(u32, u32, u32)> {
    let mut nanos = 0u32;
    if b.get(19) == Some(&b'.') {
        // Milliseconds (`%m`) most often: three digits, then no more.
        if let Some(ms) = b.get(20..23)
            && !b.get(23).is_some_and(u8::is_ascii_digit)
            && let Some(ms) = digits(ms)
        {
            nanos = ms * 1_000_000;
        } else {
            let n = b[20..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .take(9)
                .count();
            nanos = digits(&b[20..20 + n])? * 10u32.pow(9 - n as u32);
        }
    }
    let min = digits(b.get(14..16)?)?;
    let sec = digits(b.get(17..19)?)?;
    (min < 60 && sec < 60).then_some((min, sec, nanos))
}

/// Which value of a [`Meta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    User,
    Database,
    Application,
    RemoteHost,
    RemotePort,
    Pid,
    LeaderPid,
    SessionLine,
    SessionId,
    SessionStart,
    Vxid,
    Xid,
    Sqlstate,
    BackendType,
    CommandTag,
    QueryId,
}

/// What the prefix (or the csvlog columns) said about a message. A value is a range of the
/// message's first line (its entry's `raw`, which starts with that line) where it was read from
/// that line, as the values of a stderr prefix are: no copy is made until the event takes it.
/// Other values (from a decoded syslog body, a csvlog field with doubled quotes) are copied into
/// `own`.
#[derive(Debug, Clone)]
struct Meta {
    /// `(start, end)` in the line, or in `own` where the value's bit of `in_own` is set; `start`
    /// is `usize::MAX` for no value.
    spans: [(usize, usize); 16],
    in_own: u16,
    own: String,
}

impl Default for Meta {
    fn default() -> Meta {
        Meta {
            spans: [(usize::MAX, 0); 16],
            in_own: 0,
            own: String::new(),
        }
    }
}

impl Meta {
    fn from_prefix(v: &PrefixValues<'_>, line: &str) -> Meta {
        let mut m = Meta::default();
        m.fill_from_prefix(v, line);
        m
    }

    /// [`Meta::from_prefix`] in place (what `self` held forgotten), so that the meta of an
    /// entry made in its box is not made elsewhere and copied in.
    fn fill_from_prefix(&mut self, v: &PrefixValues<'_>, line: &str) {
        self.spans = [(usize::MAX, 0); 16];
        self.in_own = 0;
        self.own.clear();
        let m = self;
        // Each value written out: most are absent, and a test each is all they cost.
        let mut set = |k: M, x: Option<&str>| {
            if let Some(x) = x {
                m.set(k, x, line);
            }
        };
        set(M::User, v.user);
        set(M::Database, v.database);
        set(M::Application, v.application);
        set(M::RemoteHost, v.remote_host);
        set(M::RemotePort, v.remote_port);
        set(M::Pid, v.pid);
        set(M::LeaderPid, v.leader_pid);
        set(M::SessionLine, v.session_line);
        set(M::SessionId, v.session_id);
        set(M::SessionStart, v.session_start);
        set(M::Vxid, v.vxid);
        set(M::Xid, v.xid);
        set(M::Sqlstate, v.sqlstate);
        set(M::BackendType, v.backend_type);
        set(M::CommandTag, v.command_tag);
        set(M::QueryId, v.query_id);
    }

    /// Sets `k` to `value`: a range of `line` when `value` lies in it, else a copy.
    fn set(&mut self, k: M, value: &str, line: &str) {
        // Where `value` starts in `line`, when it is a part of it (compared as addresses only).
        let at = (value.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
        let bit = 1u16 << (k as usize);
        if at <= line.len() && value.len() <= line.len() - at {
            self.spans[k as usize] = (at, at + value.len());
            self.in_own &= !bit;
        } else {
            let start = self.own.len();
            self.own.push_str(value);
            self.spans[k as usize] = (start, self.own.len());
            self.in_own |= bit;
        }
    }

    fn has(&self, k: M) -> bool {
        self.spans[k as usize].0 != usize::MAX
    }

    /// The value of `k`, with `line` the text the ranges were taken in (the entry's `raw`).
    fn get<'a>(&'a self, line: &'a str, k: M) -> Option<&'a str> {
        let (start, end) = self.spans[k as usize];
        if start == usize::MAX {
            return None;
        }
        let text = if self.in_own & (1 << (k as usize)) != 0 {
            self.own.as_str()
        } else {
            line
        };
        text.get(start..end)
    }
}

/// A process id (or its absence) as a number, to find a process's open message by comparing
/// numbers: a text of up to 7 bytes, its bytes and its length; any longer text shares one key and
/// is compared as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PidKey(u64);

impl PidKey {
    const NONE: PidKey = PidKey(0xff << 56);
    const LONG: PidKey = PidKey(0xfe << 56);

    fn of(pid: Option<&str>) -> PidKey {
        match pid {
            None => PidKey::NONE,
            Some(p) if p.len() <= 7 => {
                let mut b = [0u8; 8];
                b[..p.len()].copy_from_slice(p.as_bytes());
                b[7] = p.len() as u8;
                PidKey(u64::from_le_bytes(b))
            }
            Some(_) => PidKey::LONG,
        }
    }

    /// Whether equal keys mean equal process ids (not so for [`PidKey::LONG`]).
    fn is_exact(self) -> bool {
        self != PidKey::LONG
    }
}

/// One PostgreSQL message being assembled from its lines.
#[derive(Debug, Clone)]
struct Entry {
    /// The key of the process id of `meta`.
    pid_key: PidKey,
    path: Arc<str>,
    file_id: u64,
    offset: u64,
    line: u64,
    ts: DateTime<Utc>,
    /// A set, not a vector: no allocation per message.
    flags: FlagSet,
    /// The host a syslog envelope names.
    host: Option<String>,
    meta: Meta,
    level: Level,
    message: String,
    /// DETAIL, HINT, CONTEXT, STATEMENT, QUERY, LOCATION lines.
    parts: Vec<(Level, String)>,
    raw: String,
    lines: usize,
    /// The syslog message number `N` of `[N-M]`.
    seq: Option<u64>,
    /// When it was last added to, in lines fed.
    touched: u64,
}

impl Entry {
    /// An entry with nothing in it, for a new box that is then filled in place.
    fn empty() -> Entry {
        Entry {
            pid_key: PidKey::NONE,
            path: Arc::from(""),
            file_id: 0,
            offset: 0,
            line: 0,
            ts: DateTime::<Utc>::MIN_UTC,
            flags: FlagSet::new(),
            host: None,
            meta: Meta::default(),
            level: Level::Log,
            message: String::new(),
            parts: Vec::new(),
            raw: String::new(),
            lines: 0,
            seq: None,
            touched: 0,
        }
    }

    /// Adds a continuation line's text (its leading tab removed) to the last part.
    fn continue_with(&mut self, text: &str) {
        let text = text.strip_prefix('\t').unwrap_or(text);
        let target = match self.parts.last_mut() {
            Some((_, s)) => s,
            None => &mut self.message,
        };
        target.push('\n');
        target.push_str(text);
    }

    fn add_raw(&mut self, raw: &str, flag: Option<Flag>, clock: u64) {
        self.raw.push('\n');
        self.raw.push_str(raw);
        self.lines += 1;
        self.touched = clock;
        if let Some(f) = flag {
            self.flags.insert(f);
        }
    }

    fn too_big(&self) -> bool {
        self.lines >= MAX_LINES || self.raw.len() >= MAX_BYTES
    }

    /// Pushes the event of a complete message to `out`, gathered in `d` (a draft kept by the
    /// parser from one event to the next, left empty).
    /// Its texts are taken out, not the whole entry moved: an entry is large. The event is
    /// finished where it was pushed, not built and then copied again.
    fn take_event(
        &mut self,
        ctx: &ParseContext,
        format: &'static str,
        d: &mut Draft,
        out: &mut Vec<Output>,
    ) {
        let (path, file_id, offset, line, ts, level) = (
            &self.path,
            self.file_id,
            self.offset,
            self.line,
            self.ts,
            self.level,
        );
        let flags = self.flags;
        let host = self.host.take();
        let meta = &self.meta;
        let message = std::mem::take(&mut self.message);
        let parts = std::mem::take(&mut self.parts);
        let raw = std::mem::take(&mut self.raw);
        let mut msg = message.as_str();
        let m = |k: M| meta.get(&raw, k);
        let mut sqlstate = m(M::Sqlstate);
        // log_error_verbosity = verbose writes the SQLSTATE first: `ERROR:  42P01: ...`. (Five
        // letters and digits then `: `: no `: ` can come before it.)
        if let Some(code) = msg.as_bytes().first_chunk::<5>()
            && msg.as_bytes().get(5..7) == Some(b": ")
            && code
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && code.iter().any(|c| c.is_ascii_digit())
        {
            sqlstate.get_or_insert(&msg[..5]);
            msg = &msg[7..];
        }
        d.field("level", level.as_str());
        if let Some(pid) = m(M::Pid) {
            d.field("pid", num_or_text(pid));
        }
        if let Some(v) = m(M::SessionLine) {
            d.field("session_line", num_or_text(v));
        }
        if let Some(h) = m(M::RemoteHost).filter(|h| is_remote(h)) {
            d.src_ip = Some(h.to_string());
        }
        // Each name written out (not a loop over names, nor a closure that may not be inlined): a
        // constant name finds its slot at compile time.
        macro_rules! text {
            ($k:literal, $m:expr) => {
                if let Some(v) = m($m) {
                    d.field($k, v);
                }
            };
        }
        text!("database", M::Database);
        text!("application", M::Application);
        text!("remote_host", M::RemoteHost);
        text!("remote_port", M::RemotePort);
        text!("session_id", M::SessionId);
        text!("session_start", M::SessionStart);
        text!("vxid", M::Vxid);
        text!("backend_type", M::BackendType);
        text!("command_tag", M::CommandTag);
        text!("query_id", M::QueryId);
        if let Some(x) = m(M::Xid).filter(|x| *x != "0") {
            d.field("xid", x);
        }
        if let Some(x) = m(M::LeaderPid).filter(|x| *x != "0") {
            d.field("leader_pid", num_or_text(x));
        }
        if let Some(s) = sqlstate {
            d.field("sqlstate", s);
        }
        d.actor = m(M::User).map(str::to_string);
        if level.is_failure() {
            d.outcome = Outcome::Failure;
        }
        let statement_part = parts
            .iter()
            .find(|(l, _)| *l == Level::Statement)
            .map(|(_, s)| s.as_str());
        classify_message(d, ctx, level, msg, statement_part);
        let msg_owned = if msg.len() == message.len() {
            message
        } else {
            msg.to_string()
        };
        for (l, text) in parts {
            let key = match l {
                Level::Detail => "detail",
                Level::Hint => "hint",
                Level::Context => "context",
                Level::Statement => "statement",
                Level::Query => "query",
                _ => "location",
            };
            d.field(key, text);
        }
        let rl = RawLine {
            bytes: &[],
            path,
            file_id,
            offset,
            line,
        };
        let fields = d.take_fields();
        let action = std::mem::replace(&mut d.action, vocab::OTHER);
        out.push(Ok(Event::with_fields(
            ctx, &rl, format, ts, action, raw, fields,
        )));
        let Some(Ok(ev)) = out.last_mut() else {
            return;
        };
        if let Some(h) = host {
            ev.host = ctx.shared_host(&h);
        }
        ev.flags = flags;
        ev.outcome = std::mem::replace(&mut d.outcome, Outcome::Unknown);
        ev.actor = d.actor.take();
        ev.src_ip = d.src_ip.take();
        ev.target = d.target.take();
        ev.ticket = d.ticket.take();
        ev.message = msg_owned;
    }
}

/// What an event will say, gathered before the event is made (so that its action, and the
/// category that follows, is looked up once). A parser keeps one and reuses it: making the event
/// takes everything out of it.
#[derive(Debug)]
struct Draft {
    action: &'static str,
    outcome: Outcome,
    actor: Option<String>,
    src_ip: Option<String>,
    target: Option<String>,
    ticket: Option<String>,
    /// The value of each name of [`KEYS`], by its place there: set in any order, read out in
    /// name order without a comparison or a shift per field.
    slots: [Option<FieldValue>; KEYS.len()],
    /// Bit `i` set when `slots[i]` holds a value: the fields are read out without looking at
    /// every slot.
    set: u64,
    /// Fields of any other name (none today: a name added to the parser but not to [`KEYS`]).
    extra: crate::event::Fields,
}

/// The names of the fields of a PostgreSQL event, sorted.
const KEYS: [&str; 39] = [
    "application",
    "audit_type",
    "auth_method",
    "backend_type",
    "class",
    "command",
    "command_tag",
    "context",
    "database",
    "detail",
    "duration_ms",
    "hint",
    "identity",
    "leader_pid",
    "level",
    "location",
    "object_type",
    "parameter",
    "pgaudit_error",
    "phase",
    "pid",
    "prepared",
    "query",
    "query_id",
    "remote_host",
    "remote_port",
    "replication",
    "rows",
    "session_id",
    "session_line",
    "session_start",
    "session_time",
    "sqlstate",
    "ssl",
    "statement",
    "statement_id",
    "substatement_id",
    "vxid",
    "xid",
];

/// The place of `key` in [`KEYS`]. Inlined where `key` is a constant, the match folds away.
#[inline(always)]
fn slot(key: &str) -> Option<usize> {
    match key {
        "application" => Some(0),
        "audit_type" => Some(1),
        "auth_method" => Some(2),
        "backend_type" => Some(3),
        "class" => Some(4),
        "command" => Some(5),
        "command_tag" => Some(6),
        "context" => Some(7),
        "database" => Some(8),
        "detail" => Some(9),
        "duration_ms" => Some(10),
        "hint" => Some(11),
        "identity" => Some(12),
        "leader_pid" => Some(13),
        "level" => Some(14),
        "location" => Some(15),
        "object_type" => Some(16),
        "parameter" => Some(17),
        "pgaudit_error" => Some(18),
        "phase" => Some(19),
        "pid" => Some(20),
        "prepared" => Some(21),
        "query" => Some(22),
        "query_id" => Some(23),
        "remote_host" => Some(24),
        "remote_port" => Some(25),
        "replication" => Some(26),
        "rows" => Some(27),
        "session_id" => Some(28),
        "session_line" => Some(29),
        "session_start" => Some(30),
        "session_time" => Some(31),
        "sqlstate" => Some(32),
        "ssl" => Some(33),
        "statement" => Some(34),
        "statement_id" => Some(35),
        "substatement_id" => Some(36),
        "vxid" => Some(37),
        "xid" => Some(38),
        _ => None,
    }
}

impl Default for Draft {
    fn default() -> Draft {
        Draft {
            action: vocab::OTHER,
            outcome: Outcome::Unknown,
            actor: None,
            src_ip: None,
            target: None,
            ticket: None,
            slots: [const { None }; KEYS.len()],
            set: 0,
            extra: crate::event::Fields::new(),
        }
    }
}

impl Draft {
    fn set_action(&mut self, action: &'static str) {
        self.action = action;
    }

    #[inline(always)]
    fn field(&mut self, key: &'static str, value: impl Into<FieldValue>) {
        let value = value.into();
        match slot(key) {
            Some(i) => {
                self.slots[i] = Some(value);
                self.set |= 1 << i;
            }
            None => {
                self.extra.insert(key, value);
            }
        }
    }

    fn get(&self, key: &str) -> Option<&FieldValue> {
        match slot(key) {
            Some(i) => self.slots[i].as_ref(),
            None => self.extra.get(key),
        }
    }

    /// The fields, in name order, taken out.
    fn take_fields(&mut self) -> crate::event::Fields {
        let n = self.set.count_ones() as usize;
        let mut sorted = Vec::with_capacity(n + self.extra.len());
        let mut set = std::mem::take(&mut self.set);
        while set != 0 {
            let i = set.trailing_zeros() as usize;
            set &= set - 1;
            if let Some(v) = self.slots[i].take() {
                sorted.push((std::borrow::Cow::Borrowed(KEYS[i]), v));
            }
        }
        let mut fields = crate::event::Fields::from_sorted(sorted);
        for (k, v) in std::mem::take(&mut self.extra) {
            fields.insert(k, v);
        }
        fields
    }
}

/// A remote end worth naming as `src_ip`: an address or host name, not `[local]` (a Unix socket).
fn is_remote(h: &str) -> bool {
    !h.is_empty() && h != "[local]"
}

/// `s` as a number where it reads as a `u64` (as `str::parse` reads one), else as text.
fn num_or_text(s: &str) -> FieldValue {
    match pgaudit::parse_u64(s) {
        Some(n) => n.into(),
        None => s.into(),
    }
}

/// The value of `key="value"` (PostgreSQL quotes names in its messages) in `s`.
fn quoted_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let p = crate::atoms::find_bytes(s.as_bytes(), key.as_bytes())?;
    let r = s.get(p + key.len()..)?.strip_prefix('"')?;
    let end = r.find('"')?;
    Some(&r[..end])
}

/// The `user=`, `database=`, `host=` and `port=` pairs of a connection or disconnection line.
fn session_pairs(ev: &mut Draft, rest: &str) {
    for (k, v) in kv_pairs(rest) {
        let v = v.as_str();
        match k {
            "user" => ev.actor = Some(v.to_string()),
            "database" => {
                ev.target = Some(v.to_string());
                ev.field("database", v);
            }
            "host" => {
                ev.field("remote_host", v);
                if is_remote(v) {
                    ev.src_ip = Some(v.to_string());
                }
            }
            "port" => ev.field("remote_port", v),
            _ => {}
        }
    }
}

/// Sets action, outcome, actor, target, ticket and the message's own fields.
fn classify_message(
    ev: &mut Draft,
    ctx: &ParseContext,
    level: Level,
    msg: &str,
    statement_part: Option<&str>,
) {
    if let Some(body) = msg.strip_prefix("AUDIT: ") {
        match parse_pgaudit(body) {
            Ok(a) => {
                ev.set_action(a.action());
                ev.target = pgaudit::fast_target(&a).unwrap_or_else(|| a.target());
                ev.ticket = ticket_in_sql_comments(ctx, &a.statement, false);
                ev.field("audit_type", a.audit_type.as_ref());
                ev.field("statement_id", a.statement_id);
                ev.field("substatement_id", a.substatement_id);
                ev.field("class", a.class.as_ref());
                ev.field("command", a.command.as_ref());
                if !a.object_type.is_empty() {
                    ev.field("object_type", a.object_type.as_ref());
                }
                ev.field("statement", a.statement.as_ref());
                ev.field("parameter", a.parameter.as_ref());
                if let Some(r) = a.rows {
                    ev.field("rows", r);
                }
            }
            Err(e) => {
                // The message is kept as a system message; the reason says why it is not audit.
                ev.set_action(vocab::SYSTEM_MESSAGE);
                ev.field("pgaudit_error", e.to_string());
            }
        }
        return;
    }
    if let Some(rest) = msg
        .strip_prefix("connection authorized: ")
        .or_else(|| msg.strip_prefix("replication connection authorized: "))
    {
        ev.set_action(vocab::DB_CONNECT);
        ev.outcome = Outcome::Success;
        if msg.starts_with("replication") {
            ev.field("replication", true);
        }
        for (k, v) in kv_pairs(rest) {
            match k {
                "user" => ev.actor = Some(v.as_str().to_string()),
                "database" => {
                    ev.target = Some(v.as_str().to_string());
                    ev.field("database", v.as_str());
                }
                "application_name" => ev.field("application", v.as_str()),
                _ => {}
            }
        }
        if let Some(p) = rest.find_str("SSL enabled") {
            ev.field("ssl", rest[p..].trim_end());
        }
        return;
    }
    if let Some(rest) = msg.strip_prefix("disconnection: session time: ") {
        ev.set_action(vocab::DB_DISCONNECT);
        ev.outcome = Outcome::Success;
        if let Some(t) = rest.split(' ').next() {
            ev.field("session_time", t);
        }
        session_pairs(ev, rest);
        return;
    }
    if let Some(rest) = msg.strip_prefix("connection received: ") {
        ev.set_action(vocab::OTHER);
        session_pairs(ev, rest);
        return;
    }
    if let Some(rest) = msg.strip_prefix("connection authenticated: ") {
        ev.set_action(vocab::OTHER);
        if let Some(id) = quoted_after(rest, "identity=") {
            ev.field("identity", id);
        }
        for (k, v) in kv_pairs(rest) {
            if k == "method" {
                ev.field("auth_method", v.as_str());
            }
        }
        return;
    }
    if let Some(p) = msg.find_str("authentication failed for user \"") {
        ev.set_action(vocab::DB_AUTH_FAILURE);
        ev.outcome = Outcome::Failure;
        ev.actor = quoted_after(msg, "for user ").map(str::to_string);
        ev.target = ev
            .get("database")
            .and_then(|d| d.as_str())
            .map(str::to_string);
        let method = msg[..p].trim_end();
        if !method.is_empty() {
            ev.field("auth_method", method);
        }
        return;
    }
    if msg.starts_with("no pg_hba.conf entry for ") || msg.starts_with("pg_hba.conf rejects ") {
        ev.set_action(vocab::DB_AUTH_FAILURE);
        ev.outcome = Outcome::Failure;
        if let Some(h) = quoted_after(msg, "host ") {
            ev.field("remote_host", h);
            if is_remote(h) {
                ev.src_ip = Some(h.to_string());
            }
        }
        ev.actor = quoted_after(msg, "user ").map(str::to_string);
        if let Some(d) = quoted_after(msg, "database ") {
            ev.target = Some(d.to_string());
            ev.field("database", d);
        }
        return;
    }
    if level == Level::Fatal
        && let Some(role) = msg
            .strip_prefix("role \"")
            .and_then(|r| r.strip_suffix("\" does not exist"))
    {
        ev.set_action(vocab::DB_AUTH_FAILURE);
        ev.outcome = Outcome::Failure;
        ev.actor = Some(role.to_string());
        return;
    }
    // Statements, with or without a duration.
    let mut rest = msg;
    let mut timed = false;
    if let Some(r) = msg.strip_prefix("duration: ") {
        let end = r.find_str(" ms").unwrap_or(r.len());
        if let Ok(ms) = r[..end].parse::<f64>() {
            ev.field("duration_ms", ms);
        }
        timed = true;
        rest = r.get(end + 3..).unwrap_or("").trim_start_matches(' ');
    }
    let (kind, sql) = if let Some(sql) = rest.strip_prefix("statement: ") {
        ("statement", Some(sql))
    } else if let Some((head, sql)) = rest.split_once_str(": ")
        && let Some((verb, name)) = head.split_once(' ')
        && matches!(verb, "execute" | "parse" | "bind")
    {
        ev.field("prepared", name);
        (verb, Some(sql))
    } else {
        ("", None)
    };
    match (kind, sql) {
        ("statement" | "execute", Some(sql)) => {
            let (action, target) = crate::sql::classify(sql);
            ev.set_action(action);
            ev.target = target;
            ev.ticket = ticket_in_sql_comments(ctx, sql, false);
            ev.field("statement", sql);
            if timed && !level.is_failure() {
                ev.outcome = Outcome::Success;
            }
        }
        ("parse" | "bind", Some(sql)) => {
            ev.set_action(vocab::OTHER);
            ev.field("phase", kind);
            ev.field("statement", sql);
        }
        _ if timed && rest.is_empty() => ev.set_action(vocab::OTHER),
        _ => match statement_part.filter(|_| level.is_failure()) {
            // A failed statement: what it tried to do, and that it failed.
            Some(sql) => {
                let (action, target) = crate::sql::classify(sql);
                ev.set_action(action);
                ev.target = target;
                ev.ticket = ticket_in_sql_comments(ctx, sql, false);
            }
            None => ev.set_action(vocab::SYSTEM_MESSAGE),
        },
    }
}

/// The messages held open, one per process at most.
#[derive(Debug, Default)]
struct Holder {
    /// Most recently touched last. Boxed: an entry is large, and entries are moved (to the end
    /// when touched, out when emitted) many times more often than one is made.
    #[allow(clippy::vec_box)] // the point: entries move as pointers
    open: Vec<Box<Entry>>,
    clock: u64,
    /// No open message was touched before this clock (a lower bound: touching only raises it).
    oldest: u64,
    path: Option<Arc<str>>,
    /// Reused for each event made.
    draft: Draft,
    /// Boxes of emitted messages, emptied, for the next messages: a box is not allocated and
    /// freed per line.
    #[allow(clippy::vec_box)] // the point: the boxes themselves are kept
    spare: Vec<Box<Entry>>,
}

/// How many emptied boxes a [`Holder`] keeps.
const SPARE_BOXES: usize = 8;

impl Holder {
    /// `e` in a box, a spare one if there is one.
    fn boxed(&mut self, e: Entry) -> Box<Entry> {
        match self.spare.pop() {
            Some(mut b) => {
                *b = e;
                b
            }
            None => Box::new(e),
        }
    }

    /// A box to fill in place with a new entry: a spare one, which still holds what an emitted
    /// entry left in it (every field is to be set), or a new empty one.
    fn spare_box(&mut self) -> Box<Entry> {
        self.spare.pop().unwrap_or_else(|| Box::new(Entry::empty()))
    }

    fn path(&mut self, p: &str) -> Arc<str> {
        match &self.path {
            Some(a) if &**a == p => a.clone(),
            _ => {
                let a: Arc<str> = Arc::from(p);
                self.path = Some(a.clone());
                a
            }
        }
    }

    fn position(&self, pid: Option<&str>) -> Option<usize> {
        let key = PidKey::of(pid);
        if key.is_exact() {
            self.open.iter().rposition(|e| e.pid_key == key)
        } else {
            self.open
                .iter()
                .rposition(|e| e.pid_key == key && e.meta.get(&e.raw, M::Pid) == pid)
        }
    }

    /// The open message of `pid`, moved to the end (most recent).
    fn touch(&mut self, pid: Option<&str>) -> Option<&mut Entry> {
        let p = self.position(pid)?;
        let e = self.open.remove(p);
        self.open.push(e);
        self.open.last_mut().map(|e| &mut **e)
    }

    #[allow(clippy::vec_box)] // the boxes themselves are kept
    fn emit(
        (d, spare): (&mut Draft, &mut Vec<Box<Entry>>),
        mut e: Box<Entry>,
        ctx: &ParseContext,
        format: &'static str,
        out: &mut Vec<Output>,
    ) {
        e.take_event(ctx, format, d, out);
        if spare.len() < SPARE_BOXES {
            spare.push(e);
        }
    }

    /// Closes `pid`'s open message, then opens `e`; emits messages quiet for too long.
    fn open(
        &mut self,
        e: Box<Entry>,
        ctx: &ParseContext,
        format: &'static str,
        out: &mut Vec<Output>,
    ) {
        if let Some(p) = self.position(e.meta.get(&e.raw, M::Pid)) {
            let old = self.open.remove(p);
            Self::emit((&mut self.draft, &mut self.spare), old, ctx, format, out);
        }
        let clock = self.clock;
        // No message is touched before `oldest`: while that is recent and there is room, no
        // message is due and the scan is skipped.
        if clock.saturating_sub(self.oldest) > MAX_AGE || self.open.len() >= MAX_OPEN {
            let mut k = 0;
            while k < self.open.len() {
                if clock.saturating_sub(self.open[k].touched) > MAX_AGE
                    || self.open.len() >= MAX_OPEN
                {
                    let old = self.open.remove(k);
                    Self::emit((&mut self.draft, &mut self.spare), old, ctx, format, out);
                } else {
                    k += 1;
                }
            }
            self.oldest = self.open.iter().map(|e| e.touched).min().unwrap_or(clock);
        }
        self.oldest = self.oldest.min(e.touched);
        self.open.push(e);
    }

    /// Emits a message that has grown too big, flagged incomplete.
    fn check_size(&mut self, ctx: &ParseContext, format: &'static str, out: &mut Vec<Output>) {
        if self.open.last().is_some_and(|e| e.too_big())
            && let Some(mut e) = self.open.pop()
        {
            e.flags.push(Flag::Incomplete);
            Self::emit((&mut self.draft, &mut self.spare), e, ctx, format, out);
        }
    }

    fn flush(&mut self, ctx: &ParseContext, format: &'static str, out: &mut Vec<Output>) {
        let mut all = std::mem::take(&mut self.open);
        all.sort_by_key(|e| e.offset);
        for e in all {
            Self::emit((&mut self.draft, &mut self.spare), e, ctx, format, out);
        }
    }

    fn pending_offset(&self) -> Option<u64> {
        self.open.iter().map(|e| e.offset).min()
    }
}

/// The prefixes a parser tries: the configured one, or the defaults (the last one that matched
/// first), then a lenient reading of whatever comes before the level.
#[derive(Debug, Clone)]
struct Prefixes {
    list: Vec<PgPrefix>,
    last: usize,
    configured: bool,
}

impl Prefixes {
    fn new(configured: Option<&str>, defaults: &[&str]) -> Result<Prefixes, String> {
        Ok(match configured {
            Some(p) => Prefixes {
                list: vec![PgPrefix::new(p)?],
                last: 0,
                configured: true,
            },
            None => Prefixes {
                list: defaults
                    .iter()
                    .map(|p| PgPrefix::new(p))
                    .collect::<Result<_, _>>()?,
                last: 0,
                configured: false,
            },
        })
    }

    /// The prefix values, the level and the message of `text`.
    fn read<'a>(
        &mut self,
        text: &'a str,
    ) -> Result<(PrefixValues<'a>, Level, &'a str), ParseError> {
        let mut v = PrefixValues::default();
        let (level, msg) = self.read_into(text, &mut v)?;
        Ok((v, level, msg))
    }

    /// [`Prefixes::read`], the values set in `v` (which starts empty).
    fn read_into<'a>(
        &mut self,
        text: &'a str,
        v: &mut PrefixValues<'a>,
    ) -> Result<(Level, &'a str), ParseError> {
        let n = self.list.len();
        let mut first_err = None;
        for k in 0..n {
            let i = (self.last + k) % n;
            if k > 0 {
                // What a prefix that did not match set is forgotten.
                *v = PrefixValues::default();
            }
            match self.list[i].matches_into(text, v) {
                Ok(rest) => {
                    match parse_level(rest) {
                        Some((level, msg)) => {
                            self.last = i;
                            return Ok((level, msg));
                        }
                        None => {
                            first_err.get_or_insert(ParseError::new(
                            ErrorKind::Expected("a level such as LOG:, ERROR: or DETAIL: after the log_line_prefix"),
                            text.len() - rest.len(),
                        ));
                        }
                    }
                }
                Err((at, what)) => {
                    first_err.get_or_insert(ParseError::new(ErrorKind::Expected(what), at));
                }
            }
        }
        if !self.configured
            && let Some(p) = find_level(text)
            && let Some((level, msg)) = parse_level(&text[p..])
        {
            *v = lenient_prefix(&text[..p]);
            return Ok((level, msg));
        }
        Err(first_err.unwrap_or_else(|| {
            ParseError::new(
                ErrorKind::Expected("a log_line_prefix followed by a level such as LOG: or ERROR:"),
                0,
            )
        }))
    }
}

/// Reads an unknown prefix: a time at its start, a `[pid]`, and `key=value` words.
fn lenient_prefix(pre: &str) -> PrefixValues<'_> {
    let mut v = PrefixValues::default();
    let mut rest = pre;
    if let Some((t, r)) = prefix::take_time(pre) {
        v.time = Some(t);
        rest = r;
    }
    if let Some(open) = rest.find('[')
        && let Some(len) = rest[open + 1..].find(']')
    {
        let inner = &rest[open + 1..open + 1 + len];
        if !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_digit()) {
            v.pid = Some(inner);
        }
    }
    for word in rest.split([' ', ',']) {
        let Some((k, val)) = word.split_once('=') else {
            continue;
        };
        let val = (!val.is_empty() && val != "[unknown]").then_some(val);
        match k {
            "user" | "usr" | "u" => v.user = val,
            "db" | "database" | "d" => v.database = val,
            "app" | "application" | "application_name" | "a" => v.application = val,
            "client" | "host" | "remote" | "h" => v.remote_host = val,
            _ => {}
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// stderr
// ---------------------------------------------------------------------------------------------

/// PostgreSQL stderr logs (`log_destination = 'stderr'`, with or without the logging collector).
#[derive(Debug)]
pub struct PostgresParser {
    prefixes: Prefixes,
    ts: TsCache,
    held: Holder,
}

impl PostgresParser {
    /// A parser for lines written with `prefix` as `log_line_prefix`, or, without one, with any
    /// of [`DEFAULT_PREFIXES`]. An unknown escape, or a prefix without a time (`%m`, `%t`, `%n`),
    /// is an error that says so.
    pub fn new(prefix: Option<&str>) -> Result<PostgresParser, String> {
        let prefixes = Prefixes::new(prefix, &DEFAULT_PREFIXES)?;
        if let Some(p) = prefix
            && !prefixes.list[0].has_time()
        {
            return Err(format!(
                "log_line_prefix {p:?} has no time (%m, %t or %n): stderr lines could not be dated"
            ));
        }
        Ok(PostgresParser {
            prefixes,
            ts: TsCache::default(),
            held: Holder::default(),
        })
    }
}

impl Parser for PostgresParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        self.held.clock += 1;
        let clock = self.held.clock;
        if text.starts_with('\t') {
            // A continuation of the most recent message.
            match self.held.open.last_mut() {
                Some(e) => {
                    e.continue_with(&text);
                    e.add_raw(&text, flag, clock);
                    self.held.check_size(ctx, FORMAT, out);
                }
                None => out.push(Err(reject(
                    line,
                    text.into_owned(),
                    ParseError::new(
                        ErrorKind::Expected(
                            "a message before this continuation line (it starts with a tab)",
                        ),
                        0,
                    ),
                ))),
            }
            return;
        }
        // A line that starts with a printable ASCII byte is not blank, without a trim.
        if !text.as_bytes().first().is_some_and(u8::is_ascii_graphic) && text.trim().is_empty() {
            out.push(Err(reject(
                line,
                text.into_owned(),
                ParseError::new(ErrorKind::Empty, 0),
            )));
            return;
        }
        let mut v = PrefixValues::default();
        let (level, msg) = match self.prefixes.read_into(&text, &mut v) {
            Ok(x) => x,
            Err(e) => {
                out.push(Err(reject(line, text.to_string(), e)));
                return;
            }
        };
        if level.is_part()
            && let Some(e) = self.held.touch(v.pid)
        {
            e.parts.push((level, msg.to_string()));
            e.add_raw(&text, flag, clock);
            self.held.check_size(ctx, FORMAT, out);
            return;
        }
        let Some(raw_ts) = v.time else {
            out.push(Err(reject(
                line,
                text.to_string(),
                ParseError::new(
                    ErrorKind::Expected("a time in the log_line_prefix (%m, %t or %n)"),
                    0,
                ),
            )));
            return;
        };
        let (ts, from_source) = match self.ts.resolve(raw_ts, ctx) {
            Ok(x) => x,
            Err(k) => {
                let at = crate::error::offset_in(&text, raw_ts);
                out.push(Err(reject(line, text.to_string(), ParseError::new(k, at))));
                return;
            }
        };
        let mut flags = FlagSet::new();
        flags.extend(flag);
        if from_source {
            flags.push(Flag::ZoneFromSource);
        }
        // Made in its box, field by field: an entry is large, and is not built then copied.
        let path = self.held.path(line.path);
        let mut e = self.held.spare_box();
        e.meta.fill_from_prefix(&v, &text);
        e.pid_key = PidKey::of(e.meta.get(&text, M::Pid));
        e.path = path;
        e.file_id = line.file_id;
        e.offset = line.offset;
        e.line = line.line;
        e.ts = ts;
        e.flags = flags;
        e.host = None;
        e.level = level;
        e.message = msg.to_string();
        e.parts.clear();
        e.raw = text.into_owned();
        e.lines = 1;
        e.seq = None;
        e.touched = clock;
        self.held.open(e, ctx, FORMAT, out);
    }

    fn flush(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        self.held.flush(ctx, FORMAT, out);
    }

    fn pending_offset(&self) -> Option<u64> {
        self.held.pending_offset()
    }
}

// ---------------------------------------------------------------------------------------------
// syslog
// ---------------------------------------------------------------------------------------------

/// PostgreSQL lines carried by syslog: `Feb 11 13:15:39 host postgres[10808]: [1-1] PREFIX
/// LEVEL:  message`. `[N-M]` with `M` > 1 continues message `N` of the same process; rsyslog's
/// `#011` (an escaped tab) is decoded.
#[derive(Debug)]
pub struct PostgresSyslogParser {
    prefixes: Prefixes,
    ts: TsCache,
    held: Holder,
}

impl PostgresSyslogParser {
    /// A parser for syslog-carried lines written with `prefix` as `log_line_prefix`, or, without
    /// one, with any of [`DEFAULT_SYSLOG_PREFIXES`].
    pub fn new(prefix: Option<&str>) -> Result<PostgresSyslogParser, String> {
        Ok(PostgresSyslogParser {
            prefixes: Prefixes::new(prefix, &DEFAULT_SYSLOG_PREFIXES)?,
            ts: TsCache::default(),
            held: Holder::default(),
        })
    }
}

/// rsyslog writes control characters as `#` and three octal digits (`#011` is a tab).
fn decode_octal_escapes(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('#') {
        return std::borrow::Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'#', &b[i..]) {
        let h = i + p;
        let oct = b.get(h + 1..h + 4);
        match oct {
            Some(&[a @ b'0', c @ b'0'..=b'3', d @ b'0'..=b'7']) => {
                let v = (a - b'0') * 64 + (c - b'0') * 8 + (d - b'0');
                out.push_str(&s[last..h]);
                out.push(char::from(v));
                last = h + 4;
                i = h + 4;
            }
            _ => i = h + 1,
        }
    }
    out.push_str(&s[last..]);
    std::borrow::Cow::Owned(out)
}

/// `[N-M] ` at the start of a syslog message.
fn syslog_seq(s: &str) -> Option<(u64, u64, &str)> {
    use nom::Parser as _;
    use nom::character::complete::{char, u64 as dec};
    let r: nom::IResult<&str, (char, u64, char, u64, char)> =
        (char('['), dec, char('-'), dec, char(']')).parse(s);
    let (rest, (_, n, _, m, _)) = r.ok()?;
    Some((n, m, rest.strip_prefix(' ').unwrap_or(rest)))
}

impl Parser for PostgresSyslogParser {
    fn name(&self) -> &'static str {
        FORMAT_SYSLOG
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        self.held.clock += 1;
        let clock = self.held.clock;
        let env = match crate::syslog::envelope(&text, ctx) {
            Ok(e) => e,
            Err(e) => {
                out.push(Err(reject(line, text.to_string(), e)));
                return;
            }
        };
        let Some((n, m, body)) = syslog_seq(env.msg) else {
            out.push(Err(reject(
                line,
                text.to_string(),
                ParseError::new(
                    ErrorKind::Other(format!(
                        "not a PostgreSQL syslog line: no [N-M] sequence after the tag of {}",
                        env.app.unwrap_or("(no program)")
                    )),
                    env.msg_at,
                ),
            )));
            return;
        };
        let pid = env.pid;
        let body = decode_octal_escapes(body);
        if m > 1 {
            // A continuation line of message N: a DETAIL/HINT... line with its prefix, or text.
            let part = if body.starts_with('\t') {
                None
            } else {
                self.prefixes
                    .read(&body)
                    .ok()
                    .filter(|(_, l, _)| l.is_part())
                    .map(|(_, l, msg)| (l, msg.to_string()))
            };
            let open = self.held.touch(pid).filter(|e| e.seq == Some(n));
            match open {
                Some(e) => {
                    match part {
                        Some(p) => e.parts.push(p),
                        None => e.continue_with(&body),
                    }
                    e.add_raw(&text, flag, clock);
                    self.held.check_size(ctx, FORMAT_SYSLOG, out);
                }
                None => out.push(Err(reject(
                    line,
                    text.to_string(),
                    ParseError::new(
                        ErrorKind::Other(format!(
                            "continuation [{n}-{m}] of a message whose first line was not seen"
                        )),
                        env.msg_at,
                    ),
                ))),
            }
            return;
        }
        let (v, level, msg) = match self.prefixes.read(&body) {
            Ok(x) => x,
            Err(mut e) => {
                // Point at the byte in the line (the body follows `[N-M] `).
                e.at += match &body {
                    std::borrow::Cow::Borrowed(b) => crate::error::offset_in(&text, b),
                    std::borrow::Cow::Owned(_) => env.msg_at,
                };
                out.push(Err(reject(line, text.to_string(), e)));
                return;
            }
        };
        let mut flags = FlagSet::new();
        flags.extend(flag);
        let mut ts = env.ts;
        let mut from_source = env.zone_from_source;
        if let Some(raw_ts) = v.time
            && let Ok((t, fs)) = self.ts.resolve(raw_ts, ctx)
        {
            ts = t;
            from_source = fs;
        } else if env.year_inferred {
            flags.push(Flag::YearInferred);
        }
        if from_source {
            flags.push(Flag::ZoneFromSource);
        }
        let mut meta = Meta::from_prefix(&v, &text);
        if !meta.has(M::Pid)
            && let Some(pid) = pid
        {
            meta.set(M::Pid, pid, &text);
        }
        if level.is_part()
            && let Some(e) = self.held.touch(meta.get(&text, M::Pid))
        {
            e.parts.push((level, msg.to_string()));
            e.add_raw(&text, flag, clock);
            e.seq = Some(n);
            self.held.check_size(ctx, FORMAT_SYSLOG, out);
            return;
        }
        let e = Entry {
            pid_key: PidKey::of(meta.get(&text, M::Pid)),
            path: self.held.path(line.path),
            file_id: line.file_id,
            offset: line.offset,
            line: line.line,
            ts,
            flags,
            host: env.host.map(str::to_string),
            meta,
            level,
            message: msg.to_string(),
            parts: Vec::new(),
            raw: text.to_string(),
            lines: 1,
            seq: Some(n),
            touched: clock,
        };
        let e = self.held.boxed(e);
        self.held.open(e, ctx, FORMAT_SYSLOG, out);
    }

    fn flush(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        self.held.flush(ctx, FORMAT_SYSLOG, out);
    }

    fn pending_offset(&self) -> Option<u64> {
        self.held.pending_offset()
    }
}

// ---------------------------------------------------------------------------------------------
// csvlog
// ---------------------------------------------------------------------------------------------

/// PostgreSQL csvlog files.
#[derive(Debug, Default)]
pub struct PostgresCsvParser {
    ts: TsCache,
    /// The record so far while a quoted field is open: first line's place, text, lines, flag.
    open: Option<(RawOrigin, String, usize, Option<Flag>)>,
    /// Reused for each event made.
    draft: Draft,
}

#[derive(Debug, Clone)]
struct RawOrigin {
    path: String,
    file_id: u64,
    offset: u64,
    line: u64,
}

impl PostgresCsvParser {
    pub fn new() -> PostgresCsvParser {
        PostgresCsvParser::default()
    }

    fn record(
        &mut self,
        origin: &RawOrigin,
        text: String,
        flag: Option<Flag>,
        ctx: &ParseContext,
        out: &mut Vec<Output>,
    ) {
        let line = RawLine {
            bytes: &[],
            path: &origin.path,
            file_id: origin.file_id,
            offset: origin.offset,
            line: origin.line,
        };
        if text.trim().is_empty() {
            out.push(Err(reject(
                &line,
                text,
                ParseError::new(ErrorKind::Empty, 0),
            )));
            return;
        }
        let fields = match csvlog::split_record(&text) {
            Ok(f) => f,
            Err(at) => {
                let e = ParseError::new(ErrorKind::Expected("',' after a quoted csvlog field"), at);
                out.push(Err(reject(&line, text, e)));
                return;
            }
        };
        if !(23..=26).contains(&fields.len()) {
            let e = ParseError::new(
                ErrorKind::Other(format!(
                    "a csvlog record has 23 to 26 columns (PostgreSQL 9.0 to 16), this one has {}",
                    fields.len()
                )),
                0,
            );
            out.push(Err(reject(&line, text, e)));
            return;
        }
        use csvlog::col;
        let f = |i: usize| fields.get(i).map(|s| s.as_ref()).filter(|s| !s.is_empty());
        let (ts, from_source) = match f(col::LOG_TIME).map(|t| self.ts.resolve(t, ctx)) {
            Some(Ok(x)) => x,
            Some(Err(k)) => {
                out.push(Err(reject(&line, text.clone(), ParseError::new(k, 1))));
                return;
            }
            None => {
                let e = ParseError::new(ErrorKind::Expected("a log_time in the first column"), 0);
                out.push(Err(reject(&line, text.clone(), e)));
                return;
            }
        };
        let sev = fields[col::ERROR_SEVERITY].as_ref();
        let Some(level) = Level::from_word(sev) else {
            let e = ParseError::new(
                ErrorKind::BadValue {
                    what: "csvlog error_severity",
                    value: sev.to_string(),
                },
                0,
            );
            out.push(Err(reject(&line, text.clone(), e)));
            return;
        };
        let (remote_host, remote_port) = match f(col::CONNECTION_FROM) {
            Some(c) => match c.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
                    (Some(h), Some(p))
                }
                _ => (Some(c), None),
            },
            None => (None, None),
        };
        let mut meta = Meta::default();
        for (k, v) in [
            (M::User, f(col::USER_NAME)),
            (M::Database, f(col::DATABASE_NAME)),
            (M::Application, f(col::APPLICATION_NAME)),
            (M::RemoteHost, remote_host),
            (M::RemotePort, remote_port),
            (M::Pid, f(col::PROCESS_ID)),
            (M::LeaderPid, f(col::LEADER_PID)),
            (M::SessionLine, f(col::SESSION_LINE_NUM)),
            (M::SessionId, f(col::SESSION_ID)),
            (M::SessionStart, f(col::SESSION_START_TIME)),
            (M::Vxid, f(col::VIRTUAL_TRANSACTION_ID)),
            (M::Xid, f(col::TRANSACTION_ID)),
            (
                M::Sqlstate,
                f(col::SQL_STATE_CODE).filter(|s| *s != "00000"),
            ),
            (M::BackendType, f(col::BACKEND_TYPE)),
            (M::CommandTag, f(col::COMMAND_TAG)),
            (M::QueryId, f(col::QUERY_ID).filter(|q| *q != "0")),
        ] {
            if let Some(v) = v {
                meta.set(k, v, &text);
            }
        }
        let mut parts = Vec::new();
        for (c, l) in [
            (col::DETAIL, Level::Detail),
            (col::HINT, Level::Hint),
            (col::CONTEXT, Level::Context),
            (col::QUERY, Level::Statement),
            (col::INTERNAL_QUERY, Level::Query),
            (col::LOCATION, Level::Location),
        ] {
            if let Some(s) = f(c) {
                parts.push((l, s.to_string()));
            }
        }
        let message = f(col::MESSAGE).unwrap_or("").to_string();
        let mut flags = FlagSet::new();
        flags.extend(flag);
        if from_source {
            flags.push(Flag::ZoneFromSource);
        }
        drop(fields);
        let mut e = Entry {
            pid_key: PidKey::of(meta.get(&text, M::Pid)),
            path: Arc::from(origin.path.as_str()),
            file_id: origin.file_id,
            offset: origin.offset,
            line: origin.line,
            ts,
            flags,
            host: None,
            meta,
            level,
            message,
            parts,
            raw: text,
            lines: 1,
            seq: None,
            touched: 0,
        };
        e.take_event(ctx, FORMAT_CSV, &mut self.draft, out);
    }
}

impl Parser for PostgresCsvParser {
    fn name(&self) -> &'static str {
        FORMAT_CSV
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        let (origin, mut acc, lines, f0) = match self.open.take() {
            Some((o, mut acc, n, f)) => {
                acc.push('\n');
                acc.push_str(&text);
                (o, acc, n + 1, f.or(flag))
            }
            None => (
                RawOrigin {
                    path: line.path.to_string(),
                    file_id: line.file_id,
                    offset: line.offset,
                    line: line.line,
                },
                text.into_owned(),
                1,
                flag,
            ),
        };
        if csvlog::quote_open(&acc) && lines < MAX_LINES && acc.len() < MAX_BYTES {
            self.open = Some((origin, acc, lines, f0));
            return;
        }
        if csvlog::quote_open(&acc) {
            acc.shrink_to_fit();
        }
        self.record(&origin, acc, f0, ctx, out);
    }

    fn flush(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        if let Some((origin, acc, _, f)) = self.open.take() {
            self.record(&origin, acc, f, ctx, out);
        }
    }

    fn pending_offset(&self) -> Option<u64> {
        self.open.as_ref().map(|(o, ..)| o.offset)
    }
}

#[cfg(test)]
mod tests;
