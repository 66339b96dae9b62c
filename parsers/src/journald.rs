//! The `journald` format: one entry of the systemd journal a line, as `journalctl -o json`
//! writes it. The entry's fields map onto the event, and its `MESSAGE` is read by the same
//! per-program readers as a syslog line's message (sshd, sudo, su, useradd, pam, systemd, cron).
//!
//! | journal field | event |
//! |---|---|
//! | `__REALTIME_TIMESTAMP` (microseconds since the epoch) | `ts`, to the microsecond |
//! | `_HOSTNAME` | `host` (else the source's host) |
//! | `SYSLOG_IDENTIFIER`, else `_COMM` | the program whose reader reads `MESSAGE`; field `program` |
//! | `_PID`, else `SYSLOG_PID` | field `pid` (a number) |
//! | `PRIORITY`, `SYSLOG_FACILITY` | fields `severity`, `facility` (names) |
//! | `MESSAGE` | `message` |
//! | `_SYSTEMD_UNIT`, `_UID`, `__CURSOR` | fields `unit`, `uid`, `cursor` |
//!
//! `journalctl -o json` writes a field that is not UTF-8 text as an array of bytes, and a field
//! given more than once as an array of its values: a byte array is decoded lossily (flag
//! `invalid_utf8`), several values are joined by newlines. The event's id is the reader's (see
//! `vigil`'s journal reader: the journal's sequence number id and the entry's sequence number), so
//! reading an entry again gives the same event. A line that is not a JSON object, or has no
//! `__REALTIME_TIMESTAMP` or `MESSAGE`, is rejected.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{Event, Fields, Flag};
use crate::line::RawLine;
use crate::syslog::envelope::{FACILITIES, SEVERITIES};
use crate::{Output, Parser, reject, vocab};

/// The format's name, as written in the config and in `Event::format`.
pub const FORMAT: &str = "journald";

/// Reads `journalctl -o json` lines into events.
#[derive(Debug, Clone, Default)]
pub struct JournaldParser {
    _private: (),
}

impl JournaldParser {
    pub fn new() -> JournaldParser {
        JournaldParser::default()
    }
}

impl Parser for JournaldParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        out.push(parse_line(line, ctx));
    }
}

/// A field's text: a string as it is, an array of bytes decoded (lossily: `true`), an array of
/// values joined by newlines.
fn text(v: &Value) -> Option<(String, bool)> {
    match v {
        Value::String(s) => Some((s.clone(), false)),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            match String::from_utf8(bytes) {
                Ok(s) => Some((s, false)),
                Err(e) => Some((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
            }
        }
        Value::Array(items) => {
            let mut lossy = false;
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| {
                    let (t, l) = text(i)?;
                    lossy |= l;
                    Some(t)
                })
                .collect();
            Some((parts.join("\n"), lossy))
        }
        Value::Number(n) => Some((n.to_string(), false)),
        _ => None,
    }
}

/// Reads one entry: an event, or the rejection of a line that is not one.
#[allow(clippy::result_large_err)] // `Output` is the crate's shared result type.
pub fn parse_line(line: &RawLine<'_>, ctx: &ParseContext) -> Output {
    let (raw, decoded) = line.decode(ctx);
    let fail = |kind: ErrorKind| Err(reject(line, raw.to_string(), ParseError::new(kind, 0)));
    let entry: Map<String, Value> = match serde_json::from_str(&raw) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return fail(ErrorKind::NotThisFormat(FORMAT)),
        Err(e) => return fail(ErrorKind::Json(e.to_string())),
    };
    let field = |k: &str| entry.get(k).and_then(text);
    let Some((micros, _)) = field("__REALTIME_TIMESTAMP") else {
        return fail(ErrorKind::Expected("__REALTIME_TIMESTAMP"));
    };
    let Some(ts) = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_micros)
    else {
        return fail(ErrorKind::BadTimestamp(micros));
    };
    let Some((message, lossy)) = field("MESSAGE") else {
        return fail(ErrorKind::Expected("MESSAGE"));
    };
    let mut ev = Event::with_fields(
        ctx,
        line,
        FORMAT,
        ts,
        vocab::SYSTEM_MESSAGE,
        raw.to_string(),
        Fields::with_capacity(8),
    );
    if let Some(f) = decoded {
        ev.flag(f);
    }
    if lossy {
        ev.flag(Flag::InvalidUtf8);
    }
    if let Some((host, _)) = field("_HOSTNAME").filter(|(h, _)| !h.is_empty()) {
        ev.host = ctx.shared_host(&host);
    }
    if let Some(name) = field("PRIORITY")
        .and_then(|(p, _)| p.parse::<usize>().ok())
        .and_then(|p| SEVERITIES.get(p))
    {
        ev.field("severity", *name);
    }
    if let Some(name) = field("SYSLOG_FACILITY")
        .and_then(|(p, _)| p.parse::<usize>().ok())
        .and_then(|p| FACILITIES.get(p))
    {
        ev.field("facility", *name);
    }
    if let Some((pid, _)) = field("_PID").or_else(|| field("SYSLOG_PID")) {
        match pid.parse::<u64>() {
            Ok(n) => ev.field("pid", n),
            Err(_) => ev.field("pid", pid),
        }
    }
    if let Some((unit, _)) = field("_SYSTEMD_UNIT") {
        ev.field("unit", unit);
    }
    if let Some((uid, _)) = field("_UID") {
        match uid.parse::<u64>() {
            Ok(n) => ev.field("uid", n),
            Err(_) => ev.field("uid", uid),
        }
    }
    if let Some((cursor, _)) = field("__CURSOR") {
        ev.field("cursor", cursor);
    }
    let program = field("SYSLOG_IDENTIFIER")
        .or_else(|| field("_COMM"))
        .map(|(p, _)| p)
        .unwrap_or_default();
    let message = message.trim_end_matches(['\n', '\0']).to_string();
    crate::syslog::parser::read_message(&program, &message, ctx, &mut ev);
    ev.message = message;
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> ParseContext {
        ParseContext::new(
            "journal",
            "fallback-host",
            chrono_tz::Asia::Shanghai,
            DateTime::UNIX_EPOCH,
        )
    }

    fn line(json: &str) -> RawLine<'_> {
        RawLine {
            bytes: json.as_bytes(),
            path: "journal:/var/log/journal",
            file_id: 0x1234,
            offset: 7,
            line: 7,
        }
    }

    fn parse(json: &str) -> Output {
        let mut out = Vec::new();
        JournaldParser::new().feed(&line(json), &ctx(), &mut out);
        assert_eq!(out.len(), 1, "{json}");
        out.remove(0)
    }

    #[test]
    fn dump() {
        for l in std::fs::read_to_string("/tmp/jt/t.jsonl").unwrap().lines() {
            println!("{}", serde_json::to_string(&parse(l).unwrap()).unwrap());
        }
    }
}
