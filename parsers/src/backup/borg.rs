//! borg: `--log-json` lines on stderr and the `--json` document on stdout.
//!
//! - `log_message` lines: `--show-rc`'s closing line (`terminating with success status, rc 0`) is
//!   `backup.finish`, outcome success for rc 0 and 1 (warnings), failure for rc 2 and above, with
//!   `fields.rc`; otherwise level `ERROR` or `CRITICAL` is a `backup.error` event, outcome failure;
//!   other levels are `backup.info` events, outcome unknown (borg's
//!   informational lines: "Archive consistency check complete, no problems found."). The logger
//!   (`name`), `levelname` and `msgid` (`LockTimeout`, `LockFailed`, ...) go to `fields`; a long
//!   message (a Python traceback) is kept whole.
//! - `archive_progress`, `progress_message`, `progress_percent`, `file_status` and the
//!   `question_*` lines are consumed: no event, no rejection, counted by
//!   [`BorgParser::consumed_lines`]. (borg writes nothing on stderr that ends a run, and the
//!   `--json` result goes to another file, stdout: so unlike restic, these lines are not held for
//!   a finish event and hold no checkpoint back.)
//! - The `--json` document (pretty-printed over many lines) is gathered until its braces
//!   balance (braces inside strings do not count), then read as one record: `raw` is its lines
//!   joined with `\n`, the origin its first line. While it is gathered, [`Parser::pending_offset`]
//!   is the offset of its first line.
//!   - `borg create --json` (an `archive` object): `backup.finish`, outcome success, at the
//!     archive's `end` time (local time, read in the source's zone), with the archive's name,
//!     id, duration, file count and sizes. The target is the repository location.
//!   - `borg list --json` (an `archives` list) and `borg info --json` (a `repository` object
//!     only): action `backup.info`, at the reference time
//!     (`fields.time_source = "reference"`), with the archive count, the latest archive, and
//!     the repository's location, id and last change.
//!
//! Times of `--log-json` lines are Unix times as floats, read to the microsecond. A line without
//! one (borg writes none on some messages it relays) takes the time of the line before it in the
//! same file (`fields.time_source = "previous_line"`), and the reference time only when no line
//! before it had a time.
//!
//! Rejections: a line that is not JSON, invalid JSON, an unknown `type`, a document with none of
//! `archive`, `archives`, `repository`, a document not closed before the next one begins (a line
//! starting with `{` in the first column) or at the end of input, or longer than 100 000 lines.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::{Anchor, num};
use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{Event, Flag, Outcome};
use crate::line::RawLine;
use crate::{Output, Parser, reject, vocab};

/// The format's name in the config and in `Event::format`.
pub const FORMAT: &str = "borg";

const MAX_DOC_LINES: u64 = 100_000;

/// Reads borg's JSON output. See the module documentation.
#[derive(Debug, Default)]
pub struct BorgParser {
    doc: Option<Doc>,
    consumed: u64,
    /// The time of the last `--log-json` line that had one: a line without a time is dated by it.
    last_time: Option<DateTime<Utc>>,
}

/// A `--json` document being gathered.
#[derive(Debug)]
struct Doc {
    first: Anchor,
    raw: String,
    lines: u64,
    depth: i64,
    in_string: bool,
    escaped: bool,
    flags: Vec<Flag>,
}

impl Doc {
    /// Follows the nesting through `s`; true when the document closed.
    fn scan(&mut self, s: &str) -> bool {
        for b in s.bytes() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
        // A string cannot span lines in JSON: a line that ends inside one is broken, and the
        // document closes (and fails to parse) rather than swallowing what follows.
        self.in_string = false;
        self.escaped = false;
        self.depth <= 0
    }
}

impl BorgParser {
    pub fn new() -> BorgParser {
        BorgParser::default()
    }

    fn start(
        &mut self,
        line: &RawLine<'_>,
        text: &str,
        flag: Option<Flag>,
        ctx: &ParseContext,
        out: &mut Vec<Output>,
    ) {
        let mut doc = Doc {
            first: Anchor::of(line),
            raw: text.to_string(),
            lines: 1,
            depth: 0,
            in_string: false,
            escaped: false,
            flags: flag.into_iter().collect(),
        };
        if doc.scan(text) {
            self.record(doc, ctx, out);
        } else {
            self.doc = Some(doc);
        }
    }

    /// A complete record: one `--log-json` line or a whole `--json` document.
    fn record(&mut self, doc: Doc, ctx: &ParseContext, out: &mut Vec<Output>) {
        let at = doc.first.raw_line();
        let fail = |e: ParseError, raw: String, out: &mut Vec<Output>| {
            out.push(Err(reject(&doc.first.raw_line(), raw, e)));
        };
        let obj = match serde_json::from_str::<Value>(&doc.raw) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                let e = ParseError::new(ErrorKind::Expected("a JSON object {...}"), 0);
                return fail(e, doc.raw, out);
            }
            Err(e) => {
                let e = crate::json::json_error(&e, &doc.raw);
                return fail(e, doc.raw, out);
            }
        };
        if let Some(t) = obj
            .get("time")
            .and_then(Value::as_f64)
            .and_then(crate::time::from_epoch_secs)
        {
            self.last_time = Some(t);
        }
        let built = match obj.get("type") {
            Some(Value::String(kind)) => match kind.as_str() {
                "log_message" => Ok(Some(log_message(ctx, &at, obj, self.last_time))),
                "archive_progress" | "progress_message" | "progress_percent" | "file_status" => {
                    Ok(None)
                }
                k if k.starts_with("question_") => Ok(None),
                k => Err(ParseError::new(
                    ErrorKind::BadValue {
                        what: "borg JSON type (expected log_message, archive_progress, progress_message, progress_percent, file_status)",
                        value: k.to_string(),
                    },
                    crate::atoms::find_bytes(doc.raw.as_bytes(), b"\"type\"").unwrap_or(0),
                )),
            },
            Some(_) => Err(ParseError::new(ErrorKind::Expected("a string \"type\""), 0)),
            None => document(ctx, &at, obj).map(Some),
        };
        match built {
            Ok(Some(mut ev)) => {
                for f in &doc.flags {
                    ev.flag(*f);
                }
                ev.raw = doc.raw;
                out.push(Ok(ev));
            }
            Ok(None) => self.consumed += doc.lines,
            Err(e) => fail(e, doc.raw, out),
        }
    }
}

/// A `--log-json` `log_message` line.
fn log_message(
    ctx: &ParseContext,
    line: &RawLine<'_>,
    mut obj: Map<String, Value>,
    before: Option<DateTime<Utc>>,
) -> Event {
    let level = obj
        .get("levelname")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let error = level == "ERROR" || level == "CRITICAL";
    let time = obj
        .get("time")
        .and_then(Value::as_f64)
        .and_then(crate::time::from_epoch_secs);
    let action = if error {
        vocab::BACKUP_ERROR
    } else {
        vocab::BACKUP_INFO
    };
    let mut ev = Event::new(
        ctx,
        line,
        FORMAT,
        time.or(before).unwrap_or(ctx.reference),
        action,
        String::new(),
    );
    ev.outcome = if error {
        Outcome::Failure
    } else {
        Outcome::Unknown
    };
    match (time, before) {
        (Some(_), _) => {
            obj.remove("time");
        }
        // The run's line before it said when.
        (None, Some(_)) => ev.field("time_source", "previous_line"),
        (None, None) => ev.field("time_source", ctx.reference_from),
    }
    if let Some(Value::String(m)) = obj.remove("message") {
        ev.message = m;
    }
    if let Some(rc) = terminating_rc(&ev.message) {
        // `--show-rc`'s last line ends the run: rc 0 success, 1 warnings (the backup was made),
        // 2 and above an error.
        ev.set_action(vocab::BACKUP_FINISH);
        ev.outcome = if rc <= 1 {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        ev.field("rc", rc);
    }
    ev.ticket = ctx.find_ticket(&ev.message);
    obj.remove("type");
    if let Some(v) = obj.remove("name") {
        ev.fields.insert("logger", v);
    }
    if let Some(v) = obj.remove("levelname") {
        ev.fields.insert("level", v);
    }
    for (k, v) in obj {
        ev.fields.insert(k, v);
    }
    ev
}

/// The return code of borg's `--show-rc` line: `terminating with success status, rc 0`,
/// `terminating with warning status, rc 1`, `terminating with error status, rc 2`.
fn terminating_rc(msg: &str) -> Option<u64> {
    let rest = msg.strip_prefix("terminating with ")?;
    let (_, rc) = rest.split_once(" status, rc ")?;
    rc.trim().parse().ok()
}

/// A local time without zone as borg writes it (`2018-11-06T14:24:09.000000`), in the source's
/// zone.
fn local_time(v: Option<&Value>, ctx: &ParseContext) -> Option<DateTime<Utc>> {
    let s = v?.as_str()?;
    let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    crate::time::local_to_utc(n, ctx.zone).ok()
}

/// A `--json` document: create, list or info.
fn document(
    ctx: &ParseContext,
    line: &RawLine<'_>,
    obj: Map<String, Value>,
) -> Result<Event, ParseError> {
    let repo = obj.get("repository").and_then(Value::as_object);
    let location = repo
        .and_then(|r| r.get("location"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let put_repo = |ev: &mut Event| {
        if let Some(r) = repo {
            for (from, to) in [
                ("location", "repository"),
                ("id", "repository_id"),
                ("last_modified", "repository_last_modified"),
            ] {
                if let Some(v) = r.get(from) {
                    ev.fields.insert(to.to_string(), v.clone());
                }
            }
        }
        if let Some(m) = obj.get("encryption").and_then(|e| e.get("mode")) {
            ev.fields.insert("encryption", m.clone());
        }
        ev.target = location.clone();
    };

    if let Some(archive) = obj.get("archive").and_then(Value::as_object) {
        let end = local_time(archive.get("end"), ctx);
        let start = local_time(archive.get("start"), ctx);
        let ts = end.or(start);
        let mut ev = Event::new(
            ctx,
            line,
            FORMAT,
            ts.unwrap_or(ctx.reference),
            vocab::BACKUP_FINISH,
            String::new(),
        );
        ev.outcome = Outcome::Success;
        if ts.is_some() {
            ev.flag(Flag::ZoneFromSource);
        } else {
            ev.field("time_source", ctx.reference_from);
        }
        ev.field("command", "create");
        put_repo(&mut ev);
        for (from, to) in [
            ("name", "archive"),
            ("id", "archive_id"),
            ("start", "start"),
            ("end", "end"),
            ("command_line", "command_line"),
        ] {
            if let Some(v) = archive.get(from) {
                ev.fields.insert(to.to_string(), v.clone());
            }
        }
        if let Some(v) = num(archive.get("duration")) {
            ev.fields.insert("duration_s", v);
        }
        let stats = archive.get("stats").and_then(Value::as_object);
        for k in [
            "nfiles",
            "original_size",
            "compressed_size",
            "deduplicated_size",
        ] {
            if let Some(v) = num(stats.and_then(|s| s.get(k))) {
                ev.fields.insert(k.to_string(), v);
            }
        }
        if let Some(v) = ev.fields.get("nfiles").cloned() {
            ev.fields.insert("files", v);
        }
        if let Some(v) = ev.fields.get("original_size").cloned() {
            ev.fields.insert("bytes", v);
        }
        let f = |k: &str| {
            ev.fields
                .get(k)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into())
        };
        let name = archive.get("name").and_then(Value::as_str).unwrap_or("?");
        let mut msg = format!(
            "borg archive {name} created: {} files, {} bytes ({} deduplicated)",
            f("nfiles"),
            f("original_size"),
            f("deduplicated_size")
        );
        if let Some(d) = archive.get("duration").and_then(Value::as_f64) {
            msg.push_str(&format!(" in {d:.1} s"));
        }
        ev.message = msg;
        return Ok(ev);
    }

    if let Some(archives) = obj.get("archives").and_then(Value::as_array) {
        let mut ev = Event::new(
            ctx,
            line,
            FORMAT,
            ctx.reference,
            vocab::BACKUP_INFO,
            String::new(),
        );
        ev.field("time_source", ctx.reference_from);
        ev.field("command", "list");
        put_repo(&mut ev);
        ev.field("archives", archives.len());
        let latest = archives
            .iter()
            .filter_map(|a| {
                let t = a
                    .get("start")
                    .or_else(|| a.get("time"))
                    .and_then(Value::as_str)?;
                Some((
                    t,
                    a.get("name")
                        .or_else(|| a.get("archive"))
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                ))
            })
            .max();
        if let Some((t, name)) = latest {
            ev.field("last_archive", name);
            ev.field("last_archive_start", t);
        }
        ev.message = format!(
            "borg repository {} holds {} archives{}",
            location.as_deref().unwrap_or("?"),
            archives.len(),
            latest
                .map(|(t, n)| format!(", the latest {n} of {t}"))
                .unwrap_or_default()
        );
        return Ok(ev);
    }

    if let Some(r) = repo {
        let mut ev = Event::new(
            ctx,
            line,
            FORMAT,
            ctx.reference,
            vocab::BACKUP_INFO,
            String::new(),
        );
        ev.field("time_source", ctx.reference_from);
        ev.field("command", "info");
        put_repo(&mut ev);
        if let Some(stats) = obj
            .get("cache")
            .and_then(|c| c.get("stats"))
            .and_then(Value::as_object)
        {
            for (k, v) in stats {
                ev.fields.insert(k.clone(), v.clone());
            }
        }
        ev.message = format!(
            "borg repository {}, last modified {}",
            location.as_deref().unwrap_or("?"),
            r.get("last_modified")
                .and_then(Value::as_str)
                .unwrap_or("?")
        );
        return Ok(ev);
    }
    Err(ParseError::new(
        ErrorKind::Expected(
            "a borg --json document with \"archive\", \"archives\" or \"repository\", or a --log-json line with \"type\"",
        ),
        0,
    ))
}

impl Parser for BorgParser {
    fn consumed_lines(&self) -> u64 {
        self.consumed
    }

    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        if let Some(mut doc) = self.doc.take() {
            if text.starts_with('{') {
                // A new document in the first column: the open one was cut short.
                let e = ParseError::new(
                    ErrorKind::Other("JSON document not closed before the next one began".into()),
                    doc.raw.len(),
                );
                out.push(Err(reject(&doc.first.raw_line(), doc.raw, e)));
            } else {
                doc.raw.push('\n');
                doc.raw.push_str(&text);
                doc.lines += 1;
                if let Some(f) = flag
                    && !doc.flags.contains(&f)
                {
                    doc.flags.push(f);
                }
                if doc.scan(&text) {
                    self.record(doc, ctx, out);
                } else if doc.lines >= MAX_DOC_LINES {
                    let e = ParseError::new(
                        ErrorKind::Other(format!(
                            "JSON document longer than {MAX_DOC_LINES} lines"
                        )),
                        doc.raw.len(),
                    );
                    out.push(Err(reject(&doc.first.raw_line(), doc.raw, e)));
                } else {
                    self.doc = Some(doc);
                }
                return;
            }
        }
        let t = text.trim_start();
        if t.is_empty() {
            out.push(Err(reject(
                line,
                text.into_owned(),
                ParseError::new(ErrorKind::Empty, 0),
            )));
        } else if t.starts_with('{') {
            self.start(line, &text, flag, ctx, out);
        } else {
            let e = ParseError::new(ErrorKind::NotThisFormat("borg --log-json or --json"), 0);
            out.push(Err(reject(line, text.into_owned(), e)));
        }
    }

    fn flush(&mut self, _ctx: &ParseContext, out: &mut Vec<Output>) {
        if let Some(doc) = self.doc.take() {
            let e = ParseError::new(
                ErrorKind::Other("JSON document not closed at the end of the input".into()),
                doc.raw.len(),
            );
            out.push(Err(reject(&doc.first.raw_line(), doc.raw, e)));
        }
    }

    fn pending_offset(&self) -> Option<u64> {
        self.doc.as_ref().map(|d| d.first.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> ParseContext {
        let reference = DateTime::parse_from_rfc3339("2026-11-03T18:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        ParseContext::new(
            "borg-archive",
            "arch-bk01",
            chrono_tz::Asia::Shanghai,
            reference,
        )
    }

    fn run(text: &str) -> (Vec<Output>, BorgParser) {
        let mut p = BorgParser::new();
        let out = crate::parse_text(&mut p, &ctx(), "borg.log", text.as_bytes());
        (out, p)
    }

    fn covered(out: &[Output], p: &BorgParser) -> u64 {
        out.iter()
            .map(|o| match o {
                Ok(e) => e.raw.split('\n').count() as u64,
                Err(r) => r.raw.split('\n').count() as u64,
            })
            .sum::<u64>()
            + p.consumed_lines()
    }

    #[test]
    fn show_rc_line_ends_the_run() {
        let text = r#"{"type": "log_message", "time": 1793728900.5, "message": "terminating with success status, rc 0", "levelname": "INFO", "name": "borg.archiver"}
{"type": "log_message", "time": 1793728901.0, "message": "terminating with warning status, rc 1", "levelname": "WARNING", "name": "borg.archiver"}
{"type": "log_message", "time": 1793728902.0, "message": "terminating with error status, rc 2", "levelname": "ERROR", "name": "borg.archiver"}
"#;
        let (out, _) = run(text);
        let got: Vec<(String, Outcome, Value)> = out
            .iter()
            .map(|o| {
                let e = o.as_ref().unwrap();
                (e.action.to_string(), e.outcome, e.fields["rc"].to_json())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("backup.finish".to_string(), Outcome::Success, json!(0)),
                ("backup.finish".to_string(), Outcome::Success, json!(1)),
                ("backup.finish".to_string(), Outcome::Failure, json!(2)),
            ]
        );
        let first = serde_json::to_value(out[0].as_ref().unwrap()).unwrap();
        assert_eq!(
            first,
            json!({
                "id": "0000000000000000000000000000", "ts": "2026-11-03T18:01:40.500Z",
                "host": "arch-bk01", "source": "borg-archive", "format": "borg",
                "category": "backup", "action": "backup.finish", "outcome": "success",
                "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
                "message": "terminating with success status, rc 0",
                "raw": text.lines().next().unwrap(),
                "fields": {"level": "INFO", "logger": "borg.archiver", "rc": 0},
                "origin": {"path": "borg.log", "offset": 0, "line": 1}
            })
        );
    }

    #[test]
    fn warning_with_chinese_and_braces_in_strings() {
        let text = r#"{"type": "log_message", "time": 1793728800.25, "message": "归档 {档案室} 文件 [2019] 已变更: /srv/archive/扫描件", "levelname": "WARNING", "name": "borg.archiver", "msgid": "FileChangedWarning"}
{
    "archive": {
        "name": "arch-db01-2026-11-04T02:00",
        "id": "ab}{cd",
        "start": "2026-11-04T02:00:00.000000",
        "end": "2026-11-04T02:03:10.500000",
        "duration": 190.5,
        "stats": {"nfiles": 1204, "original_size": 5368709120, "compressed_size": 4000000000, "deduplicated_size": 12345678}
    },
    "repository": {"location": "/backup/borg/archive-db", "id": "0f"}
}
"#;
        let (out, p) = run(text);
        assert_eq!(out.len(), 2);
        assert_eq!(
            serde_json::to_value(out[0].as_ref().unwrap()).unwrap(),
            json!({
                "id": "0000000000000000000000000000", "ts": "2026-11-03T18:00:00.250Z",
                "host": "arch-bk01", "source": "borg-archive", "format": "borg",
                "category": "backup", "action": "backup.info", "outcome": "unknown",
                "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
                "message": "归档 {档案室} 文件 [2019] 已变更: /srv/archive/扫描件",
                "raw": text.lines().next().unwrap(),
                "fields": {"level": "WARNING", "logger": "borg.archiver", "msgid": "FileChangedWarning"},
                "origin": {"path": "borg.log", "offset": 0, "line": 1}
            })
        );
        let fin = out[1].as_ref().unwrap();
        assert_eq!(fin.action, "backup.finish");
        assert_eq!(fin.ts.to_rfc3339(), "2026-11-03T18:03:10.500+00:00");
        assert_eq!(fin.target.as_deref(), Some("/backup/borg/archive-db"));
        assert_eq!(fin.fields["archive_id"], "ab}{cd");
        assert_eq!(fin.fields["bytes"], 5368709120u64);
        assert_eq!(fin.origin.line, 2);
        assert_eq!(fin.raw.split('\n').count(), 11);
        assert_eq!(covered(&out, &p), 12);
    }

    #[test]
    fn rejections() {
        let text = "{\n    \"archive\": {\n{\"type\": \"log_message\", \"message\": \"no time\", \"levelname\": \"CRITICAL\"}\n{\"type\": \"progress_bar\"}\nborg: error: unrecognized arguments\n\n{\"cache\": {}}\n[1, 2]\n{\n    \"repository\": {\n";
        let (out, p) = run(text);
        let got: Vec<(u64, String)> = out
            .iter()
            .map(|o| match o {
                Ok(e) => (
                    e.origin.line,
                    format!("{} {}", e.action, e.outcome.as_str()),
                ),
                Err(r) => (r.line, r.error.to_string()),
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, "JSON document not closed before the next one began at byte 18".to_string()),
                (3, "backup.error failure".to_string()),
                (4, "bad borg JSON type (expected log_message, archive_progress, progress_message, progress_percent, file_status): \"progress_bar\" at byte 1".to_string()),
                (5, "not a borg --log-json or --json line at byte 0".to_string()),
                (6, "empty line at byte 0".to_string()),
                (7, "expected a borg --json document with \"archive\", \"archives\" or \"repository\", or a --log-json line with \"type\" at byte 0".to_string()),
                (8, "not a borg --log-json or --json line at byte 0".to_string()),
                (9, "JSON document not closed at the end of the input at byte 21".to_string()),
            ]
        );
        let crit = out[1].as_ref().unwrap();
        assert_eq!(crit.ts, ctx().reference);
        assert_eq!(crit.fields["time_source"], "reference");
        assert_eq!(covered(&out, &p), 10);
    }

    #[test]
    fn pending_offset_while_a_document_is_open() {
        let mut p = BorgParser::new();
        let mut out = Vec::new();
        let lines = ["{", "    \"repository\": {\"location\": \"/b\"}", "}"];
        let mut pend = Vec::new();
        let mut off = 0;
        for (i, l) in lines.iter().enumerate() {
            let line = RawLine {
                bytes: l.as_bytes(),
                path: "o",
                file_id: 1,
                offset: 500 + off,
                line: i as u64 + 1,
            };
            p.feed(&line, &ctx(), &mut out);
            pend.push(p.pending_offset());
            off += l.len() as u64 + 1;
        }
        assert_eq!(pend, [Some(500), Some(500), None]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap().id, Event::make_id(1, 500));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        const LINES: [&str; 9] = [
            r#"{"type": "log_message", "time": 1605936838.3639696, "message": "Failed (timeout).", "levelname": "ERROR", "name": "borg.archiver", "msgid": "LockTimeout"}"#,
            r#"{"type": "file_status", "status": "M", "path": "/a"}"#,
            r#"{"original_size": 0, "nfiles": 0, "time": 1541485444.8891299, "type": "archive_progress", "path": "x"}"#,
            "{",
            "    \"archive\": {\"name\": \"a\", \"end\": \"2018-11-06T14:24:09.000000\", \"stats\": {\"nfiles\": 1}},",
            "    \"archives\": [{\"name\": \"n\", \"start\": \"2018-11-04T23:19:15.000000\"}],",
            "    \"repository\": {\"location\": \"ssh://x/./repo\"}",
            "}",
            "",
        ];

        proptest! {
            #[test]
            fn every_line_is_accounted_for(picks in proptest::collection::vec((0usize..9, 0usize..200, any::<bool>()), 0..40)) {
                let mut text = String::new();
                for (i, cut, truncate) in picks {
                    let l = LINES[i];
                    let l = if truncate { l.get(..cut.min(l.len())).unwrap_or(l) } else { l };
                    text.push_str(l);
                    text.push('\n');
                }
                let (out, p) = run(&text);
                prop_assert_eq!(covered(&out, &p), text.lines().count() as u64);
                prop_assert_eq!(p.pending_offset(), None);
            }

            #[test]
            fn random_bytes_never_panic(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..10)) {
                let mut bytes = Vec::new();
                for l in &lines {
                    bytes.extend(l.iter().filter(|b| **b != b'\n'));
                    bytes.push(b'\n');
                }
                let mut p = BorgParser::new();
                let out = crate::parse_text(&mut p, &ctx(), "-", &bytes);
                prop_assert_eq!(covered(&out, &p), lines.len() as u64);
            }
        }
    }
}
