//! restic: `restic backup --json` lines, `Fatal:` lines, and the plain-text backup output.
//!
//! restic's output is read as **runs**: the lines of one `restic backup` invocation. A run begins
//! at its first line (or at `repository X opened`, which always begins a new one) and ends:
//!
//! - at a `summary` line or a `snapshot X saved` line: a `backup.finish` event, outcome success,
//!   made from that line, with the summary's counts (plain text: from the `Files:`, `Dirs:`,
//!   `Added to the repository:` and `processed N files, X MiB in 0:00` lines before it; these
//!   sizes are rounded as restic prints them);
//! - after restic gave up (`Fatal: ...`, or a JSON `exit_error`), at the next line that is not part
//!   of the fatal message, or at [`Parser::flush`]: a `backup.finish` event, outcome failure;
//! - at [`Parser::flush`] otherwise: `backup.finish` failure if the run reported errors, else
//!   outcome unknown with flag `incomplete` (restic was interrupted, or was still running when a
//!   quiet period flushed the parser: its later lines then make a new run).
//!
//! A finish event made at the end of a run that had no summary has no line of its own: its origin
//! is the run's last line, and its id is made from the offset of that line's end (the byte of its
//! line ending) so that it never equals the id of an event made from the line itself. Its `raw` is
//! empty: every line of the run is already in another event or consumed.
//!
//! `error` and `exit_error` lines, `Fatal:` lines (with the lines that continue the message, such
//! as restic's "Is there a repository at the following location?") and plain `error:` lines are
//! `backup.error` events, outcome failure. `status` and `verbose_status` lines, blank lines inside
//! a run and restic's plain-text chatter (`created new cache`, `using parent snapshot`, progress
//! bars, ...) are consumed: no event, no rejection, counted in the finish event's
//! `fields.progress_lines` (status lines) and `fields.run_lines` (every line of the run, the
//! finish line included, rejected lines excluded). While a run is open,
//! [`Parser::pending_offset`] is the offset of its first line: a reader that restarts reads the
//! run again, and the events already made from it come again with the same ids.
//!
//! restic writes no time on most lines. Each event says in `fields.time_source` how its time was
//! found, the first that applies:
//!
//! - a summary's `backup_end` (restic 0.17+): no `time_source`;
//! - an error that says when it happened: `lock was created at 2026-11-10 01:12:09 (3m0s ago)`
//!   puts the error, and the failed run's finish, at 01:15:09 in the source's zone (`message`);
//! - an error without a time is held until its run ends, then dated from the run: the summary's
//!   `backup_start` (or `backup_end` less `total_duration`) plus the `seconds_elapsed` of the
//!   last status line before the error (`run`), or the time another error of the run said;
//! - else the context's reference time, with its kind (`file_name`, `config`, `mtime`, `clock`:
//!   see `vigil::reference`).

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::{Map, Value};

use super::{Anchor, clock_secs, num, size_bytes};
use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{Event, Flag, Outcome};
use crate::line::RawLine;
use crate::value::FieldValue;
use crate::{Output, Parser, reject, vocab};

/// The format's name in the config and in `Event::format`.
pub const FORMAT: &str = "restic";

/// How many lines after a `Fatal:` line are taken as the rest of its message, at most.
const MAX_CONTINUATION: u32 = 64;

/// Reads restic output. See the module documentation for runs and consumed lines.
#[derive(Debug, Default)]
pub struct ResticParser {
    run: Option<Run>,
    consumed: u64,
}

#[derive(Debug)]
struct Run {
    first: Anchor,
    last: Anchor,
    last_text: String,
    lines: u64,
    progress: u64,
    errors: u64,
    first_error: Option<String>,
    /// restic gave up: the run ends at the next line that does not continue the fatal message.
    fatal: bool,
    repository: Option<String>,
    /// Counts read from the plain-text summary, under restic's JSON names.
    stats: Map<String, Value>,
    /// The numbers of the last `status` line.
    status: Map<String, Value>,
    warnings: Vec<String>,
    /// A `Fatal:` error still collecting the lines of its message, and how many it has.
    open_error: Option<(Event, u32)>,
    /// When an error of the run said it happened.
    error_time: Option<DateTime<Utc>>,
    /// Errors that carry no time, held until the run ends and dated from it: each with the
    /// `seconds_elapsed` of the last status line before it.
    held: Vec<(Event, Option<f64>)>,
}

impl Run {
    fn new(line: &RawLine<'_>) -> Run {
        Run {
            first: Anchor::of(line),
            last: Anchor::of(line),
            last_text: String::new(),
            lines: 0,
            progress: 0,
            errors: 0,
            first_error: None,
            fatal: false,
            repository: None,
            stats: Map::new(),
            status: Map::new(),
            warnings: Vec::new(),
            open_error: None,
            error_time: None,
            held: Vec::new(),
        }
    }

    /// Counts `line` as the run's latest line.
    fn touch(&mut self, line: &RawLine<'_>, text: &str) {
        self.lines += 1;
        self.last = Anchor::of(line);
        self.last_text.clear();
        self.last_text.push_str(text);
    }

    fn error(&mut self, message: &str) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message.to_string());
        }
    }
}

/// What a line that is not JSON says.
enum Plain<'a> {
    /// `repository 2e92db7f opened ...`: a new run.
    Opened(&'a str),
    /// Counts of the plain-text summary, under restic's JSON names.
    Stats(Vec<(&'static str, Value)>),
    /// `Warning: ...`
    Warning(&'a str),
    /// Other known output with nothing to keep.
    Chatter,
    /// `snapshot 07ab30a5 saved`
    Saved(&'a str),
    /// `Fatal: ...`
    Fatal(&'a str),
    /// `error: ...`
    Error(&'a str),
    Unknown,
}

const CHATTER: [&str; 15] = [
    "created new cache in ",
    "using parent snapshot",
    "no parent snapshot found",
    "open repository",
    "lock repository",
    "load index files",
    "start scan on",
    "start backup on",
    "scan finished in",
    "reading repository password from stdin",
    "using cache ",
    "Summary:",
    "[",
    "unable to open cache",
    "successfully removed",
];

fn classify(t: &str) -> Plain<'_> {
    let t = t.trim_end();
    if let Some(m) = t.strip_prefix("Fatal: ") {
        return Plain::Fatal(m);
    }
    if let Some(m) = t
        .strip_prefix("error: ")
        .or_else(|| t.strip_prefix("Error: "))
    {
        return Plain::Error(m);
    }
    if let Some(m) = t.strip_prefix("Warning: ") {
        return Plain::Warning(m);
    }
    let words: Vec<&str> = t.split_whitespace().take(8).collect();
    match words.as_slice() {
        ["snapshot", id, "saved"] => return Plain::Saved(id),
        ["repository", id, opened, ..] if opened.starts_with("opened") => {
            return Plain::Opened(id);
        }
        _ => {}
    }
    if let Some(rest) = t.strip_prefix("Files:") {
        return Plain::Stats(counts(rest, "files"));
    }
    if let Some(rest) = t.strip_prefix("Dirs:") {
        return Plain::Stats(counts(rest, "dirs"));
    }
    if let Some(rest) = t.strip_prefix("Added to the repository:") {
        let w: Vec<&str> = rest.split_whitespace().collect();
        let mut v = Vec::new();
        if let [n, unit, ..] = w.as_slice()
            && let Some(b) = size_bytes(n, unit)
        {
            v.push(("data_added", Value::from(b)));
        }
        if let [_, _, n, unit, "stored)"] = w.as_slice()
            && let Some(b) = size_bytes(n.trim_start_matches('('), unit)
        {
            v.push(("data_added_packed", Value::from(b)));
        }
        return Plain::Stats(v);
    }
    if let ["processed", n, "files,", size, unit, "in", clock] = words.as_slice() {
        let mut v = Vec::new();
        if let Ok(n) = n.parse::<u64>() {
            v.push(("total_files_processed", Value::from(n)));
        }
        if let Some(b) = size_bytes(size, unit) {
            v.push(("total_bytes_processed", Value::from(b)));
        }
        if let Some(s) = clock_secs(clock) {
            v.push(("total_duration", Value::from(s)));
        }
        return Plain::Stats(v);
    }
    if CHATTER.iter().any(|p| t.starts_with(p)) {
        return Plain::Chatter;
    }
    Plain::Unknown
}

/// `209 new,     2 changed,    12 unmodified` as files_new, files_changed, files_unmodified.
fn counts(rest: &str, what: &'static str) -> Vec<(&'static str, Value)> {
    let w: Vec<&str> = rest.split_whitespace().collect();
    let mut v = Vec::new();
    for pair in w.chunks(2) {
        let [n, kind] = pair else { continue };
        let Ok(n) = n.parse::<u64>() else { continue };
        let key = match (what, kind.trim_end_matches(',')) {
            ("files", "new") => "files_new",
            ("files", "changed") => "files_changed",
            ("files", "unmodified") => "files_unmodified",
            ("dirs", "new") => "dirs_new",
            ("dirs", "changed") => "dirs_changed",
            ("dirs", "unmodified") => "dirs_unmodified",
            _ => continue,
        };
        v.push((key, Value::from(n)));
    }
    v
}

impl ResticParser {
    pub fn new() -> ResticParser {
        ResticParser::default()
    }

    fn run(&mut self, line: &RawLine<'_>) -> &mut Run {
        self.run.get_or_insert_with(|| Run::new(line))
    }

    /// Ends the open run, if any: its held error, then a finish event unless it had one.
    fn end_run(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        let Some(mut run) = self.run.take() else {
            return;
        };
        if let Some((ev, _)) = run.open_error.take() {
            hold_or_send(&mut run, ev, ctx, out);
        }
        // No summary: the run's time is the one an error said, else the reference.
        let (when, source) = match run.error_time {
            Some(t) => (t, "run"),
            None => (ctx.reference, ctx.reference_from),
        };
        release_held(&mut run, when, source, out);
        let a = &run.last;
        let mut ev = Event::new(
            ctx,
            &a.raw_line(),
            FORMAT,
            run.error_time.unwrap_or(ctx.reference),
            vocab::BACKUP_FINISH,
            // No line of its own: the run's lines are in the events before it or consumed.
            String::new(),
        );
        ev.id = Event::make_id(a.file_id, a.offset + a.len);
        if run.errors > 0 {
            ev.outcome = Outcome::Failure;
            ev.message = format!(
                "restic backup failed: {}",
                run.first_error.as_deref().unwrap_or("")
            );
        } else {
            ev.flag(Flag::Incomplete);
            ev.message = "restic run ended without a summary (interrupted, or still running when the log was read)".to_string();
        }
        ev.ticket = ctx.find_ticket(&ev.message);
        ev.field(
            "time_source",
            if run.error_time.is_some() {
                "message"
            } else {
                ctx.reference_from
            },
        );
        for (k, v) in std::mem::take(&mut run.status) {
            ev.fields.insert(k, v);
        }
        for (k, v) in std::mem::take(&mut run.stats) {
            ev.fields.insert(k, v);
        }
        finish_fields(&mut ev, &run);
        out.push(Ok(ev));
    }

    fn json_line(
        &mut self,
        line: &RawLine<'_>,
        text: &str,
        flag: Option<Flag>,
        ctx: &ParseContext,
        out: &mut Vec<Output>,
    ) {
        let obj = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                let at = text.len() - text.trim_start().len();
                let e = ParseError::new(ErrorKind::Expected("a JSON object {...}"), at);
                out.push(Err(reject(line, text.to_string(), e)));
                return;
            }
            Err(e) => {
                out.push(Err(reject(
                    line,
                    text.to_string(),
                    crate::json::json_error(&e, text),
                )));
                return;
            }
        };
        let kind = obj
            .get("message_type")
            .and_then(Value::as_str)
            .unwrap_or("");
        match kind {
            "status" | "verbose_status" => {
                let run = self.run(line);
                if kind == "status" {
                    run.status.clear();
                    for k in [
                        "percent_done",
                        "seconds_elapsed",
                        "total_files",
                        "files_done",
                        "total_bytes",
                        "bytes_done",
                        "error_count",
                    ] {
                        if let Some(v) = num(obj.get(k)) {
                            run.status.insert(k.to_string(), v);
                        }
                    }
                }
                run.progress += 1;
                run.touch(line, text);
                self.consumed += 1;
            }
            "summary" => {
                let mut run = self.run.take().unwrap_or_else(|| Run::new(line));
                run.touch(line, text);
                let mut ev = Event::new(
                    ctx,
                    line,
                    FORMAT,
                    ctx.reference,
                    vocab::BACKUP_FINISH,
                    text.to_string(),
                );
                ev.outcome = Outcome::Success;
                if let Some(f) = flag {
                    ev.flag(f);
                }
                let end = obj
                    .get("backup_end")
                    .and_then(Value::as_str)
                    .map(|s| crate::time::parse_iso(s, ctx.zone));
                if let Some(Ok((t, zone))) = end {
                    ev.ts = t;
                    if zone {
                        ev.flag(Flag::ZoneFromSource);
                    }
                } else {
                    ev.field("time_source", ctx.reference_from);
                }
                // The run's start: `backup_start`, or the end less `total_duration`.
                let start = obj
                    .get("backup_start")
                    .and_then(Value::as_str)
                    .and_then(|s| crate::time::parse_iso(s, ctx.zone).ok())
                    .map(|(t, _)| t)
                    .or_else(|| {
                        let d = obj.get("total_duration").and_then(Value::as_f64)?;
                        let d = TimeDelta::try_milliseconds((d * 1000.0).round() as i64)?;
                        matches!(end, Some(Ok(_))).then(|| ev.ts - d)
                    });
                match start {
                    Some(t) => release_held(&mut run, t, "run", out),
                    None => release_held(&mut run, ctx.reference, ctx.reference_from, out),
                }
                for (k, v) in obj {
                    if k != "message_type" {
                        ev.fields.insert(k, v);
                    }
                }
                success(&mut ev, &run, ctx);
                out.push(Ok(ev));
            }
            "error" | "exit_error" => {
                let message = match (obj.get("error"), obj.get("message")) {
                    (Some(Value::String(s)), _) => s.clone(),
                    (Some(Value::Object(e)), _)
                        if e.get("message").and_then(Value::as_str).is_some() =>
                    {
                        e.get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    }
                    (_, Some(Value::String(s))) => s.clone(),
                    _ => "restic reported an error without a message".to_string(),
                };
                let run = self.run(line);
                run.touch(line, text);
                run.error(&message);
                if kind == "exit_error" {
                    run.fatal = true;
                }
                let target = run.repository.clone();
                let mut ev = error_event(ctx, line, text.to_string(), message, flag);
                ev.target = target;
                for (k, v) in obj {
                    if !matches!(k.as_str(), "message_type" | "error" | "message") {
                        ev.fields.insert(k, v);
                    }
                }
                hold_or_send(run, ev, ctx, out);
            }
            "" => {
                let e = ParseError::new(
                    ErrorKind::Expected("a restic JSON line with a message_type"),
                    0,
                );
                out.push(Err(reject(line, text.to_string(), e)));
            }
            other => {
                let at =
                    crate::atoms::find_bytes(text.as_bytes(), b"\"message_type\"").unwrap_or(0);
                let e = ParseError::new(
                    ErrorKind::BadValue {
                        what: "restic message_type (expected status, summary, error, exit_error, verbose_status)",
                        value: other.to_string(),
                    },
                    at,
                );
                out.push(Err(reject(line, text.to_string(), e)));
            }
        }
    }

    fn plain_line(
        &mut self,
        line: &RawLine<'_>,
        text: &str,
        flag: Option<Flag>,
        ctx: &ParseContext,
        out: &mut Vec<Output>,
    ) {
        match classify(text) {
            Plain::Opened(id) => {
                self.end_run(ctx, out);
                let run = self.run(line);
                run.repository = Some(id.to_string());
                run.touch(line, text);
                self.consumed += 1;
            }
            Plain::Stats(v) => {
                let run = self.run(line);
                for (k, val) in v {
                    run.stats.insert(k.to_string(), val);
                }
                run.touch(line, text);
                self.consumed += 1;
            }
            Plain::Warning(w) => {
                let run = self.run(line);
                run.warnings.push(w.to_string());
                run.touch(line, text);
                self.consumed += 1;
            }
            Plain::Chatter => {
                self.run(line).touch(line, text);
                self.consumed += 1;
            }
            Plain::Saved(id) => {
                let mut run = self.run.take().unwrap_or_else(|| Run::new(line));
                run.touch(line, text);
                let mut ev = Event::new(
                    ctx,
                    line,
                    FORMAT,
                    ctx.reference,
                    vocab::BACKUP_FINISH,
                    text.to_string(),
                );
                ev.outcome = Outcome::Success;
                if let Some(f) = flag {
                    ev.flag(f);
                }
                ev.field("snapshot_id", id);
                ev.field("time_source", ctx.reference_from);
                release_held(&mut run, ctx.reference, ctx.reference_from, out);
                for (k, v) in std::mem::take(&mut run.stats) {
                    ev.fields.insert(k, v);
                }
                success(&mut ev, &run, ctx);
                out.push(Ok(ev));
            }
            Plain::Fatal(m) => {
                let run = self.run(line);
                run.touch(line, text);
                run.error(m);
                run.fatal = true;
                let target = run.repository.clone();
                let mut ev = error_event(ctx, line, text.to_string(), m.to_string(), flag);
                ev.target = target;
                run.open_error = Some((ev, 0));
            }
            Plain::Error(m) => {
                let run = self.run(line);
                run.touch(line, text);
                run.error(m);
                let target = run.repository.clone();
                let mut ev = error_event(ctx, line, text.to_string(), m.to_string(), flag);
                ev.target = target;
                hold_or_send(run, ev, ctx, out);
            }
            Plain::Unknown => {
                let e = ParseError::new(ErrorKind::NotThisFormat("restic"), 0);
                out.push(Err(reject(line, text.to_string(), e)));
            }
        }
    }
}

/// When a restic error says it happened: `lock was created at 2026-11-10 01:12:09 (3m0s ago)`
/// is 01:15:09, read in the source's zone.
fn time_in_message(ctx: &ParseContext, message: &str) -> Option<DateTime<Utc>> {
    const MARK: &str = "lock was created at ";
    let rest = &message[message.find(MARK)? + MARK.len()..];
    let when = NaiveDateTime::parse_from_str(rest.get(..19)?, "%Y-%m-%d %H:%M:%S").ok()?;
    let ago = rest.get(19..)?.strip_prefix(" (")?;
    let ago = go_duration(&ago[..ago.find(" ago)")?])?;
    let at = crate::time::local_to_utc(when, ctx.zone).ok()?;
    at.checked_add_signed(ago)
}

/// A duration as Go prints it: `3m0s`, `1h2m3.5s`, `250ms`.
fn go_duration(s: &str) -> Option<TimeDelta> {
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let (unit, len) = [
            ("ms", 2),
            ("us", 2),
            ("µs", "µs".len()),
            ("ns", 2),
            ("h", 1),
            ("m", 1),
            ("s", 1),
        ]
        .into_iter()
        .find(|(u, _)| rest.starts_with(u))?;
        let secs = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            _ => 1e-9,
        };
        total += value * secs;
        rest = &rest[len..];
    }
    TimeDelta::try_milliseconds((total * 1000.0).round() as i64)
}

fn error_event(
    ctx: &ParseContext,
    line: &RawLine<'_>,
    raw: String,
    message: String,
    flag: Option<Flag>,
) -> Event {
    let said = time_in_message(ctx, &message);
    let mut ev = Event::new(
        ctx,
        line,
        FORMAT,
        said.unwrap_or(ctx.reference),
        vocab::BACKUP_ERROR,
        raw,
    );
    ev.outcome = Outcome::Failure;
    ev.ticket = ctx.find_ticket(&message);
    ev.message = message;
    ev.field(
        "time_source",
        if said.is_some() {
            "message"
        } else {
            ctx.reference_from
        },
    );
    if let Some(f) = flag {
        ev.flag(f);
    }
    ev
}

/// An error that said when it happened goes out now and dates its run; one that did not is held
/// until the run ends, with the run's progress so far.
fn hold_or_send(run: &mut Run, mut ev: Event, ctx: &ParseContext, out: &mut Vec<Output>) {
    // A fatal message's later lines may say when (`lock was created at ...`).
    if ev.fields.get("time_source").and_then(FieldValue::as_str) != Some("message")
        && let Some(t) = time_in_message(ctx, &ev.message)
    {
        ev.ts = t;
        ev.field("time_source", "message");
    }
    if ev.fields.get("time_source").and_then(FieldValue::as_str) == Some("message") {
        run.error_time.get_or_insert(ev.ts);
        out.push(Ok(ev));
    } else {
        let elapsed = run.status.get("seconds_elapsed").and_then(Value::as_f64);
        run.held.push((ev, elapsed));
    }
}

/// Sends the run's held errors, dated from the run: `start` plus the seconds the run had
/// reported before each (`time_source = "run"`), or `start` itself with `source` as said.
fn release_held(run: &mut Run, start: DateTime<Utc>, source: &'static str, out: &mut Vec<Output>) {
    for (mut ev, elapsed) in std::mem::take(&mut run.held) {
        let after = elapsed
            .filter(|_| source == "run")
            .and_then(|s| TimeDelta::try_milliseconds((s * 1000.0).round() as i64))
            .unwrap_or_default();
        ev.ts = start + after;
        ev.field("time_source", source);
        out.push(Ok(ev));
    }
}

/// The fields every finish event gets from its run.
fn finish_fields(ev: &mut Event, run: &Run) {
    ev.target = run.repository.clone();
    if let Some(r) = &run.repository {
        ev.field("repository", r.as_str());
    }
    ev.field("run_lines", run.lines);
    ev.field("progress_lines", run.progress);
    ev.field("errors", run.errors);
    if !run.warnings.is_empty() {
        ev.field("warnings", run.warnings.clone());
    }
}

/// Common names and the message of a successful finish.
fn success(ev: &mut Event, run: &Run, ctx: &ParseContext) {
    for (from, to) in [
        ("total_files_processed", "files"),
        ("total_bytes_processed", "bytes"),
        ("total_duration", "duration_s"),
    ] {
        if let Some(v) = ev.fields.get(from).cloned() {
            ev.fields.insert(to.to_string(), v);
        }
    }
    finish_fields(ev, run);
    let f = |k: &str| ev.fields.get(k).map(|v| v.to_string());
    let mut parts = Vec::new();
    if let Some(n) = f("files") {
        parts.push(format!("{n} files"));
    }
    if let Some(n) = f("bytes") {
        parts.push(format!("{n} bytes processed"));
    }
    if let Some(n) = f("data_added") {
        parts.push(format!("{n} bytes added"));
    }
    if let Some(n) = ev.fields.get("duration_s").and_then(FieldValue::as_f64) {
        parts.push(format!("in {n:.1} s"));
    }
    let snap = ev
        .fields
        .get("snapshot_id")
        .and_then(FieldValue::as_str)
        .unwrap_or("?")
        .to_string();
    ev.message = if parts.is_empty() {
        format!("restic snapshot {snap} saved")
    } else {
        format!("restic snapshot {snap} saved: {}", parts.join(", "))
    };
    ev.ticket = ctx.find_ticket(&ev.message);
}

impl Parser for ResticParser {
    fn consumed_lines(&self) -> u64 {
        self.consumed
    }

    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        let t = text.trim();
        let is_json = t.starts_with('{');

        // The rest of a fatal message?
        if let Some(run) = &mut self.run
            && let Some((ev, n)) = &mut run.open_error
        {
            if *n < MAX_CONTINUATION
                && !t.is_empty()
                && !is_json
                && matches!(classify(&text), Plain::Unknown)
            {
                ev.raw.push('\n');
                ev.raw.push_str(&text);
                ev.message.push('\n');
                ev.message.push_str(text.trim_end());
                if let Some(f) = flag {
                    ev.flag(f);
                }
                *n += 1;
                run.touch(line, &text);
                return;
            }
            if let Some((ev, _)) = run.open_error.take() {
                hold_or_send(run, ev, ctx, out);
            }
        }
        // restic gave up: this line belongs to the next run.
        if self.run.as_ref().is_some_and(|r| r.fatal) {
            self.end_run(ctx, out);
        }
        if t.is_empty() {
            match &mut self.run {
                Some(run) => {
                    run.touch(line, &text);
                    self.consumed += 1;
                }
                None => out.push(Err(reject(
                    line,
                    text.into_owned(),
                    ParseError::new(ErrorKind::Empty, 0),
                ))),
            }
            return;
        }
        if is_json {
            self.json_line(line, &text, flag, ctx, out);
        } else {
            self.plain_line(line, &text, flag, ctx, out);
        }
    }

    fn flush(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        self.end_run(ctx, out);
    }

    fn pending_offset(&self) -> Option<u64> {
        self.run.as_ref().map(|r| r.first.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    fn ctx() -> ParseContext {
        let reference = DateTime::parse_from_rfc3339("2026-11-03T18:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        ParseContext::new(
            "restic-archive",
            "arch-bk01",
            chrono_tz::Asia::Shanghai,
            reference,
        )
    }

    fn run(text: &str) -> (Vec<Output>, ResticParser) {
        let mut p = ResticParser::new();
        let out = crate::parse_text(&mut p, &ctx(), "restic.log", text.as_bytes());
        (out, p)
    }

    /// Every line is in one run (its finish event's `run_lines`) or rejected.
    fn accounted(out: &[Output]) -> u64 {
        out.iter()
            .map(|o| match o {
                Ok(e) if e.action == vocab::BACKUP_FINISH => {
                    e.fields["run_lines"].as_u64().unwrap()
                }
                Ok(_) => 0,
                Err(_) => 1,
            })
            .sum()
    }

    /// Errors without a time, as restic before 0.17 writes them, are dated from their run: the
    /// summary's start plus the `seconds_elapsed` of the status line before each; a run that
    /// ends without a summary or a time in its message takes the reference and says where that
    /// came from. Never the reference when the run says better.
    #[test]
    fn timeless_errors_are_dated_from_their_run() {
        let text = r#"{"message_type":"status","seconds_elapsed":19,"percent_done":0.5,"total_files":3}
{"message_type":"error","error":{"message":"open /srv/a.tif: permission denied"},"during":"archival","item":"/srv/a.tif"}
{"message_type":"status","seconds_elapsed":21,"percent_done":0.6,"total_files":3}
{"message_type":"error","error":{"message":"open /srv/b.tif: permission denied"},"during":"archival","item":"/srv/b.tif"}
{"message_type":"summary","total_files_processed":2,"total_bytes_processed":200,"total_duration":40.5,"backup_end":"2026-11-16T03:00:48.5+08:00","snapshot_id":"1a2b"}
{"message_type":"exit_error","code":1,"message":"Fatal: unable to open config file: Stat: stat /backup/restic/config: no such file or directory\nIs there a repository at the following location?\n/backup/restic"}
"#;
        let mut ctx = ctx();
        ctx.reference_from = "file_name";
        let mut p = ResticParser::new();
        let out = crate::parse_text(&mut p, &ctx, "arch-web01-2026-11-16.json", text.as_bytes());
        let got: Vec<(String, String, String)> = out
            .iter()
            .map(|o| {
                let e = o.as_ref().unwrap();
                (
                    e.action.to_string(),
                    e.ts.to_rfc3339(),
                    e.fields
                        .get("time_source")
                        .and_then(FieldValue::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        let row = |a: &str, t: &str, s: &str| (a.to_string(), t.to_string(), s.to_string());
        assert_eq!(
            got,
            vec![
                // start = 03:00:48.5 - 40.5 s = 03:00:08 (+08:00) = 19:00:08Z
                row("backup.error", "2026-11-15T19:00:27+00:00", "run"),
                row("backup.error", "2026-11-15T19:00:29+00:00", "run"),
                row("backup.finish", "2026-11-15T19:00:48.500+00:00", ""),
                row("backup.error", "2026-11-03T18:30:00+00:00", "file_name"),
                row("backup.finish", "2026-11-03T18:30:00+00:00", "file_name"),
            ]
        );
    }

    #[test]
    fn json_errors_then_summary() {
        // restic 0.17: an unreadable file, then a summary with its own times: the error is dated
        // from the run's start (no status line before it said how far the run was).
        let text = r#"{"message_type":"status","percent_done":0.5,"total_files":3,"files_done":1,"total_bytes":300,"bytes_done":100}
{"message_type":"error","error":{"message":"open /srv/archive/扫描件/2019-WS-0031.pdf: permission denied"},"during":"archival","item":"/srv/archive/扫描件/2019-WS-0031.pdf"}
{"message_type":"verbose_status","action":"new","item":"/srv/archive/a.pdf","duration":0.01,"data_size":100}
{"message_type":"summary","files_new":2,"files_changed":0,"files_unmodified":0,"dirs_new":1,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":2,"tree_blobs":1,"data_added":200,"data_added_packed":150,"total_files_processed":2,"total_bytes_processed":200,"total_duration":2.5,"backup_start":"2026-11-04T02:00:00.1+08:00","backup_end":"2026-11-04T02:00:02.6+08:00","snapshot_id":"1a2b3c4d"}
"#;
        let (out, p) = run(text);
        assert_eq!(out.len(), 2);
        let err = serde_json::to_value(out[0].as_ref().unwrap()).unwrap();
        assert_eq!(
            err,
            json!({
                "id": "000000000000000000000000006f", "ts": "2026-11-03T18:00:00.100Z",
                "host": "arch-bk01", "source": "restic-archive", "format": "restic",
                "category": "backup", "action": "backup.error", "outcome": "failure",
                "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
                "message": "open /srv/archive/扫描件/2019-WS-0031.pdf: permission denied",
                "raw": text.lines().nth(1).unwrap(),
                "fields": {"during": "archival", "item": "/srv/archive/扫描件/2019-WS-0031.pdf", "time_source": "run"},
                "origin": {"path": "restic.log", "offset": 111, "line": 2}
            })
        );
        let fin = out[1].as_ref().unwrap();
        assert_eq!(fin.ts.to_rfc3339(), "2026-11-03T18:00:02.600+00:00");
        assert_eq!(fin.outcome, Outcome::Success);
        assert!(!fin.fields.contains_key("time_source"));
        assert_eq!(fin.fields["errors"], 1);
        assert_eq!(fin.fields["progress_lines"], 2);
        assert_eq!(fin.fields["run_lines"], 4);
        assert_eq!(p.consumed_lines(), 2);
        assert_eq!(accounted(&out), 4);
    }

    #[test]
    fn a_lock_error_says_when_it_happened() {
        // restic's lock message carries the lock's time and its age: the error, and the failed
        // run's finish, happened at their sum, read in the source's zone (Shanghai here).
        let text = r#"{"message_type":"exit_error","code":11,"message":"Fatal: unable to create lock in backend: repository is already locked by PID 26399 on arch-web01 by root (UID 0, GID 0)\nlock was created at 2026-11-10 01:12:09 (3m0.5s ago)\nstorage ID ea1ae312"}
{"message_type":"exit_error","code":1,"message":"Fatal: wrong password or no key found"}
"#;
        let (out, _) = run(text);
        let evs: Vec<&Event> = out.iter().map(|o| o.as_ref().unwrap()).collect();
        let got: Vec<(&str, String, &str)> = evs
            .iter()
            .map(|e| {
                (
                    e.action.as_ref(),
                    e.ts.to_rfc3339(),
                    e.fields["time_source"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "backup.error",
                    "2026-11-09T17:15:09.500+00:00".to_string(),
                    "message"
                ),
                (
                    "backup.finish",
                    "2026-11-09T17:15:09.500+00:00".to_string(),
                    "message"
                ),
                (
                    "backup.error",
                    "2026-11-03T18:30:00+00:00".to_string(),
                    "reference"
                ),
                (
                    "backup.finish",
                    "2026-11-03T18:30:00+00:00".to_string(),
                    "reference"
                ),
            ]
        );
        assert_eq!(
            super::go_duration("1h2m3.5s"),
            chrono::TimeDelta::try_milliseconds(3_723_500)
        );
        assert_eq!(
            super::go_duration("250ms"),
            chrono::TimeDelta::try_milliseconds(250)
        );
        assert_eq!(super::go_duration("3x"), None);
    }

    #[test]
    fn exit_error_and_interrupted_runs() {
        let text = r#"{"message_type":"status","percent_done":0.1,"total_files":10,"files_done":1,"total_bytes":1000,"bytes_done":100}
{"message_type":"exit_error","code":1,"message":"Fatal: unable to save snapshot: 存储空间不足"}
{"message_type":"status","percent_done":0.2,"total_files":10,"files_done":2,"total_bytes":1000,"bytes_done":200}
"#;
        let (out, _) = run(text);
        let evs: Vec<&Event> = out.iter().map(|o| o.as_ref().unwrap()).collect();
        assert_eq!(evs.len(), 3);
        assert_eq!(
            (evs[0].action.as_ref(), evs[0].fields["code"].as_i64()),
            ("backup.error", Some(1))
        );
        assert_eq!(
            evs[0].message,
            "Fatal: unable to save snapshot: 存储空间不足"
        );
        // The exit_error ended the run when the next line came.
        let fin = serde_json::to_value(evs[1]).unwrap();
        let second = text.lines().next().unwrap().len() as u64 + 1;
        let second_len = text.lines().nth(1).unwrap().len() as u64;
        assert_eq!((second, second_len), (113, 101));
        assert_eq!(
            fin,
            json!({
                "id": format!("{:016x}{:012x}", 0, 113 + 101), "ts": "2026-11-03T18:30:00Z",
                "host": "arch-bk01", "source": "restic-archive", "format": "restic",
                "category": "backup", "action": "backup.finish", "outcome": "failure",
                "actor": null, "actor_role": null, "src_ip": null, "target": null, "ticket": null,
                "message": "restic backup failed: Fatal: unable to save snapshot: 存储空间不足",
                "raw": "",
                "fields": {"errors": 1, "progress_lines": 1, "run_lines": 2, "time_source": "reference",
                           "percent_done": 0.1, "total_files": 10, "files_done": 1, "total_bytes": 1000, "bytes_done": 100},
                "origin": {"path": "restic.log", "offset": 113, "line": 2}
            })
        );
        // The last run has neither summary nor error: unknown and incomplete at flush.
        assert_eq!(evs[2].outcome, Outcome::Unknown);
        assert_eq!(evs[2].flags, vec![Flag::Incomplete]);
        assert_eq!(evs[2].fields["run_lines"], 1);
        assert_eq!(evs[2].origin.line, 3);
        assert_eq!(accounted(&out), 3);
    }

    #[test]
    fn plain_text_runs_and_rejections() {
        let text = "\
repository 2e92db7f opened (version 2, compression level auto)
using parent snapshot 5d5e8f21
[0:00] 100.00%  1 / 1 index files loaded
error: open /srv/archive/locked.db: permission denied
Warning: at least one source file could not be read

Files:           0 new,     1 changed,   222 unmodified
Dirs:            0 new,     1 changed,    69 unmodified
Added to the repository: 1.234 KiB (812 B stored)

processed 223 files, 346.107 MiB in 1:35
snapshot 07ab30a5 saved
what is this line
{\"message_type\":\"backup_progress\"}
{\"no\":\"type\"}
{not json
";
        let (out, p) = run(text);
        let evs: Vec<&Event> = out.iter().filter_map(|o| o.as_ref().ok()).collect();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].action, "backup.error");
        assert_eq!(evs[0].target.as_deref(), Some("2e92db7f"));
        let f = &evs[1].fields;
        assert_eq!(f["files_changed"], 1);
        assert_eq!(f["dirs_unmodified"], 69);
        assert_eq!(f["data_added"], 1264);
        assert_eq!(f["data_added_packed"], 812);
        assert_eq!(f["duration_s"], 95);
        assert_eq!(f["errors"], 1);
        assert_eq!(
            f["warnings"],
            json!(["at least one source file could not be read"])
        );
        assert_eq!(f["run_lines"], 12);
        assert_eq!(p.consumed_lines(), 10);
        let rej: Vec<String> = out
            .iter()
            .filter_map(|o| o.as_ref().err())
            .map(|r| r.error.to_string())
            .collect();
        assert_eq!(
            rej,
            [
                "not a restic line at byte 0",
                "bad restic message_type (expected status, summary, error, exit_error, verbose_status): \"backup_progress\" at byte 1",
                "expected a restic JSON line with a message_type at byte 0",
                "invalid JSON: key must be a string at byte 1",
            ]
        );
        assert_eq!(accounted(&out), 16);
    }

    #[test]
    fn blank_line_outside_a_run_is_rejected() {
        let (out, _) = run("\n");
        assert!(matches!(&out[0], Err(r) if r.error.kind == ErrorKind::Empty));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        const LINES: [&str; 12] = [
            r#"{"message_type":"status","percent_done":0.5,"total_files":3,"files_done":1}"#,
            r#"{"message_type":"summary","total_files_processed":2,"total_bytes_processed":200,"total_duration":2.5,"snapshot_id":"1a2b3c4d"}"#,
            r#"{"message_type":"error","error":{"message":"x"},"item":"/a"}"#,
            r#"{"message_type":"exit_error","code":1,"message":"Fatal: x"}"#,
            "Fatal: unable to open config file",
            "Is there a repository at the following location?",
            "repository 2e92db7f opened successfully, password is correct",
            "Files:         209 new,     2 changed,    12 unmodified",
            "Added to the repository: 282.768 MiB (70.691 MiB stored)",
            "processed 223 files, 346.107 MiB in 0:00",
            "snapshot 07ab30a5 saved",
            "",
        ];

        proptest! {
            #[test]
            fn every_line_is_accounted_for(picks in proptest::collection::vec((0usize..12, 0usize..200, any::<bool>()), 0..40)) {
                let mut text = String::new();
                for (i, cut, truncate) in picks {
                    let l = LINES[i];
                    let l = if truncate { l.get(..cut.min(l.len())).unwrap_or(l) } else { l };
                    text.push_str(l);
                    text.push('\n');
                }
                let (out, p) = run(&text);
                prop_assert_eq!(accounted(&out), text.lines().count() as u64);
                prop_assert_eq!(p.pending_offset(), None);
                // Ids are unique.
                let mut ids: Vec<&str> = out.iter().filter_map(|o| o.as_ref().ok()).map(|e| e.id.as_str()).collect();
                let n = ids.len();
                ids.sort();
                ids.dedup();
                prop_assert_eq!(ids.len(), n);
            }

            #[test]
            fn random_bytes_never_panic(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..10)) {
                let mut bytes = Vec::new();
                for l in &lines {
                    bytes.extend(l.iter().filter(|b| **b != b'\n'));
                    bytes.push(b'\n');
                }
                let mut p = ResticParser::new();
                let out = crate::parse_text(&mut p, &ctx(), "-", &bytes);
                prop_assert_eq!(accounted(&out), lines.len() as u64);
            }
        }
    }
}
