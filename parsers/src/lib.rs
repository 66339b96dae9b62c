//! vigil-parsers: the event schema and every log format vigil reads.
//!
//! This crate does no I/O and never reads the clock: it is fed lines and a [`ParseContext`] and
//! gives back [`Event`]s or [`Rejected`] lines. The map:
//!
//! | module | what it holds |
//! |---|---|
//! | [`event`] | the [`Event`] type and its enums |
//! | [`vocab`] | the actions and their categories, written down once |
//! | [`context`] | the source's name, host, zone, encoding, reference time |
//! | [`line`] | [`RawLine`]: bytes plus where they came from |
//! | [`error`] | why a line was rejected, and at which byte |
//! | [`time`] | year inference, zones, abbreviations, ISO times |
//! | [`atoms`] | `key=value` lists, hex values, quotes, IPs |
//! | [`sql`] | what an SQL statement does |
//! | [`syslog`] | RFC 3164 and RFC 5424, with sshd, sudo, su, account tools, pam, systemd, cron |
//! | [`auditd`] | Linux audit records, joined per serial |
//! | [`postgres`] | PostgreSQL stderr, syslog and csvlog, with pgaudit |
//! | [`mysql`] | MariaDB server_audit and the MySQL general query log |
//! | [`journald`] | systemd journal entries (`journalctl -o json`), their messages read as syslog's |
//! | [`json`] | JSON lines with a field mapping |
//! | [`backup`] | restic and borg JSON output |
//! | [`regex_format`] | formats defined in the config by a regular expression |
//! | [`winlog`] | Windows event log records as the `evtx` crate writes them in JSON |
//! | [`formats`] | the registry: a format's name to a parser, and the sniffer |
//!
//! Parsers are stateful where a format spans lines (auditd serials, PostgreSQL continuation lines,
//! pretty-printed JSON): [`Parser::pending_offset`] tells the reader how far back its checkpoint
//! must stay so that nothing held open is lost on restart.

pub mod atoms;
pub mod auditd;
pub mod backup;
pub mod context;
pub mod error;
pub mod event;
pub mod formats;
pub mod journald;
pub mod json;
pub mod line;
pub mod mysql;
pub mod postgres;
pub mod regex_format;
pub mod sql;
pub mod syslog;
pub mod time;
pub mod value;
pub mod vocab;
pub mod winlog;

pub use context::{Encoding, ParseContext};
pub use error::{ErrorKind, ParseError, Rejected};
pub use event::{
    ActorRole, Category, Event, EventId, Fields, Flag, FlagSet, Origin, Outcome, SharedStr,
};
pub use line::RawLine;
pub use value::{FieldRef, FieldValue};

/// What a parser gives for its input: events, and the lines it could not read.
pub type Output = Result<Event, Rejected>;

/// A log format's reader. Fed line by line, in file order; may hold lines back until a record
/// is complete.
pub trait Parser: Send {
    /// The format's name, as written in the config and in `Event::format`.
    fn name(&self) -> &'static str;

    /// Reads one line. Complete events and rejections are pushed to `out`.
    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>);

    /// Emits whatever is held back (end of file, or a quiet period while tailing).
    fn flush(&mut self, _ctx: &ParseContext, _out: &mut Vec<Output>) {}

    /// The offset of the first line still held back, if any: a reader must not checkpoint past it.
    fn pending_offset(&self) -> Option<u64> {
        None
    }

    /// How many lines were read into no event and no rejection (progress output such as restic's
    /// `status` lines), so far. With it a reader accounts for every line: the lines of all events'
    /// `raw` plus the rejected lines plus these are the lines fed.
    fn consumed_lines(&self) -> u64 {
        0
    }
}

/// A rejection of `line`, with its decoded text.
pub fn reject(line: &RawLine<'_>, raw: String, error: ParseError) -> Rejected {
    Rejected {
        path: line.path.to_string(),
        offset: line.offset,
        line: line.line,
        raw,
        error,
    }
}

/// Feeds a whole text to `parser` line by line (as a reader would: `\n`-separated, a `\r` before
/// it removed, offsets and line numbers counted), then flushes. For tests and tools.
pub fn parse_text(
    parser: &mut dyn Parser,
    ctx: &ParseContext,
    path: &str,
    text: &[u8],
) -> Vec<Output> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (n, chunk) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let mut bytes = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let line = RawLine {
            bytes,
            path,
            file_id: 0,
            offset,
            line: n as u64 + 1,
        };
        parser.feed(&line, ctx, &mut out);
        offset += chunk.len() as u64;
    }
    parser.flush(ctx, &mut out);
    out
}

/// How many input lines an output stands for: the lines of its `raw` (an event derived from
/// others, such as a backup run's finish made at its end, has an empty `raw` and stands for none).
pub fn lines_of(o: &Output) -> u64 {
    let raw = match o {
        Ok(e) => &e.raw,
        Err(r) => &r.raw,
    };
    if raw.is_empty() && o.is_ok() {
        0
    } else {
        raw.split('\n').count() as u64
    }
}
