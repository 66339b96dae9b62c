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
    use crate::event::Outcome;

    fn ctx() -> ParseContext {
        ParseContext::new(
            "journal",
            "fallback-host",
            chrono_tz::Asia::Shanghai,
            Utc::now(),
        )
    }

    #[allow(clippy::result_large_err)] // `Output` is the crate's shared result type.
    fn parse(json: &str) -> Output {
        let line = RawLine {
            bytes: json.as_bytes(),
            path: "journald:journal",
            file_id: 0x1234,
            offset: 7,
            line: 7,
        };
        parse_line(&line, &ctx())
    }

    /// line, ts, host, action, outcome, actor, src_ip, program, pid.
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Outcome,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        u64,
    );

    /// Real entries as `journalctl -o json` writes them (the cursor cut short), and the event
    /// each gives: (line, ts, host, action, outcome, actor, src_ip, program, pid).
    #[test]
    fn journal_entries_give_the_events_their_messages_say() {
        let table: &[Row] = &[
            (
                r#"{"_PID":"4321","_HOSTNAME":"arch-web01","PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","SYSLOG_FACILITY":"10","__REALTIME_TIMESTAMP":"1767232800123456","__CURSOR":"s=291f;i=1","MESSAGE":"Accepted password for zhangsan from 10.1.2.3 port 50022 ssh2","_SYSTEMD_UNIT":"ssh.service"}"#,
                "2026-01-01T02:00:00.123456Z",
                "arch-web01",
                "login.success",
                Outcome::Success,
                Some("zhangsan"),
                Some("10.1.2.3"),
                "sshd",
                4321,
            ),
            (
                r#"{"_HOSTNAME":"arch-web01","SYSLOG_IDENTIFIER":"sshd-session","_PID":"901","__REALTIME_TIMESTAMP":"1767232802000001","MESSAGE":"Failed password for invalid user admin from 203.0.113.9 port 4711 ssh2"}"#,
                "2026-01-01T02:00:02.000001Z",
                "arch-web01",
                "login.failure",
                Outcome::Failure,
                Some("admin"),
                Some("203.0.113.9"),
                "sshd-session",
                901,
            ),
            (
                r#"{"MESSAGE":"zhangsan : TTY=pts/0 ; PWD=/home/zhangsan ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx","SYSLOG_IDENTIFIER":"sudo","__REALTIME_TIMESTAMP":"1767232801000001","_PID":"4400","_HOSTNAME":"arch-web01"}"#,
                "2026-01-01T02:00:01.000001Z",
                "arch-web01",
                "sudo.command",
                Outcome::Success,
                Some("zhangsan"),
                None,
                "sudo",
                4400,
            ),
            (
                r#"{"MESSAGE":"new user: name=wangwu, UID=1005, GID=1005, home=/home/wangwu, shell=/bin/bash, from=/dev/pts/0","SYSLOG_IDENTIFIER":"useradd","__REALTIME_TIMESTAMP":"1767232803000000","_PID":"5000","_HOSTNAME":"arch-db01"}"#,
                "2026-01-01T02:00:03Z",
                "arch-db01",
                "account.create",
                Outcome::Success,
                None,
                None,
                "useradd",
                5000,
            ),
        ];
        for (json, ts, host, action, outcome, actor, ip, program, pid) in table {
            let e = parse(json).unwrap();
            assert_eq!(
                e.ts.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                *ts
            );
            assert_eq!(&*e.host, *host, "{json}");
            assert_eq!(e.action, *action, "{json}");
            assert_eq!(e.outcome, *outcome, "{json}");
            assert_eq!(e.actor.as_deref(), *actor, "{json}");
            assert_eq!(e.src_ip.as_deref(), *ip, "{json}");
            assert_eq!(
                e.fields.get("program").map(|v| v.to_string()),
                Some(format!("{program:?}"))
            );
            assert_eq!(
                e.fields.get("pid").map(|v| v.to_string()),
                Some(pid.to_string())
            );
            assert_eq!(e.format, FORMAT);
            assert_eq!(e.id.as_str(), Event::make_id(0x1234, 7).as_str());
        }
        let e = parse(table[0].0).unwrap();
        assert_eq!(
            e.fields.get("severity").map(|v| v.to_string()),
            Some("\"info\"".into())
        );
        assert_eq!(
            e.fields.get("facility").map(|v| v.to_string()),
            Some("\"authpriv\"".into())
        );
        assert_eq!(
            e.fields.get("unit").map(|v| v.to_string()),
            Some("\"ssh.service\"".into())
        );
        assert_eq!(
            e.message,
            "Accepted password for zhangsan from 10.1.2.3 port 50022 ssh2"
        );
    }

    #[test]
    fn byte_arrays_and_repeated_fields_are_text() {
        // "bad \xff\xfe bytes" and a field given twice.
        let e = parse(r#"{"__REALTIME_TIMESTAMP":"1767232950000000","_HOSTNAME":"h","SYSLOG_IDENTIFIER":"app","MESSAGE":[98,97,100,32,255,254,32,98,121,116,101,115]}"#).unwrap();
        assert_eq!(e.message, "bad \u{fffd}\u{fffd} bytes");
        assert!(e.flags.contains(&Flag::InvalidUtf8));
        let e = parse(
            r#"{"__REALTIME_TIMESTAMP":"1767232951000000","MESSAGE":["line one","second value"]}"#,
        )
        .unwrap();
        assert_eq!(e.message, "line one\nsecond value");
        assert_eq!(&*e.host, "fallback-host");
        assert_eq!(e.action, "system.message");
    }

    #[test]
    fn lines_that_are_not_entries_are_rejected() {
        for (json, why) in [
            ("not json", "invalid JSON"),
            ("[1,2]", "not a journald line"),
            (r#"{"MESSAGE":"x"}"#, "expected __REALTIME_TIMESTAMP"),
            (r#"{"__REALTIME_TIMESTAMP":"1"}"#, "expected MESSAGE"),
            (
                r#"{"__REALTIME_TIMESTAMP":"soon","MESSAGE":"x"}"#,
                "bad timestamp",
            ),
        ] {
            let r = parse(json).unwrap_err();
            assert!(r.error.to_string().contains(why), "{json}: {}", r.error);
        }
    }
}
