//! Formats defined in the config by a regular expression with named captures.
//!
//! A site's own job logs (a nightly backup script, a vendor tool) are read by a
//! [`RegexFormatConfig`]: a name and a list of patterns. The patterns are tried in order and the
//! first that matches a line makes its event; a line no pattern matches is rejected with the
//! reason "no pattern matched".
//!
//! Each pattern fixes the event's `action` (and `category`, for an action outside the vocabulary)
//! and, optionally, its `outcome`. Named captures fill the event:
//!
//! | capture | event field |
//! |---|---|
//! | `ts` | `ts`, read with the pattern's `ts_format` (chrono strftime), or as ISO 8601 / RFC 3339 without one |
//! | `actor`, `target`, `src_ip`, `ticket`, `message`, `host` | the field of that name |
//! | `actor_role` | `actor_role` through [`ActorRole::parse`]; a word it does not know goes to `fields.actor_role` |
//! | `outcome` | `outcome` through [`Outcome::from_word`]; overrides the pattern's fixed outcome |
//! | any other name | `fields`, as a number when the text is a plain integer (`123`, not `007`), else as text |
//!
//! Captures that did not take part in the match are left out. Times: a format without a year
//! puts the time in the year [`crate::time::infer_year`] gives (flag `year_inferred`); a format
//! without an offset (`%z`) is read in the source's zone (flag `zone_from_source`). `%Z` (a zone
//! name) is skipped by chrono, so such times are read in the source's zone too. A pattern without
//! a `ts` capture (or whose `ts` capture did not take part) gets the context's reference time
//! (the file's mtime in a backfill, the time of reading when tailing) and
//! `fields.time_source = "reference"`. Without a `message` capture the message is the whole line;
//! without a `ticket` capture the ticket is the first ticket number in the message.
//!
//! Lines are matched with the `regex` crate's `captures_read` into capture slots kept per parser,
//! so a line costs no allocation beyond its event.
//!
//! Reading the config only checks a pattern's syntax (and reads its capture names); the regex is
//! compiled when a parser first reads a line with it, once per process. Compiling a pattern with
//! Unicode classes takes a few milliseconds, which `vigil search` and every other command that
//! reads the config but no log would otherwise pay at each start.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, NaiveDateTime, Offset, Utc};
use regex::{CaptureLocations, Regex};
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{ActorRole, Category, Event, Flag, Outcome};
use crate::line::RawLine;
use crate::{Output, Parser, reject, vocab};

/// A format defined in the config. In `vigil.toml`:
///
/// ```toml
/// [[formats]]
/// name = "backup-job"
///
/// [[formats.patterns]]
/// regex = '^(?P<ts>\S+ \S+) \[(?P<target>[^\]]+)\] FINISH status=(?P<outcome>\w+) bytes=(?P<bytes>\d+)'
/// ts_format = "%Y-%m-%d %H:%M:%S"
/// action = "backup.finish"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexFormatConfig {
    /// The format's name: sources name it as their `format`, and its events carry it in `format`.
    pub name: String,
    /// The patterns, tried in order: the first that matches a line makes its event.
    pub patterns: Vec<RegexPatternConfig>,
}

/// One pattern of a [`RegexFormatConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexPatternConfig {
    /// The regular expression (Rust `regex` syntax) with named captures `(?P<name>...)`. It is
    /// searched for anywhere in the line: anchor it with `^` and `$` to match whole lines.
    pub regex: String,
    /// The event's action: a vocabulary action such as `backup.finish`, or one of the format's
    /// own (lower-case, dotted: `job.skip`), which then takes `category`.
    pub action: String,
    /// The event's category (`backup`, `login`, ...). Needed only for an action outside the
    /// vocabulary (default `other`); for a vocabulary action it may be left out, and if given
    /// must be the vocabulary's.
    #[serde(default)]
    pub category: Option<Category>,
    /// The event's outcome (`success`, `failure`, `unknown`) when the line has no `outcome`
    /// capture. Default `unknown`.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// How the `ts` capture is written, in chrono's strftime syntax (`%Y-%m-%d %H:%M:%S`,
    /// `%b %e %H:%M:%S`, `%d/%b/%Y:%H:%M:%S %z`). Without it the `ts` capture is read as
    /// ISO 8601 / RFC 3339.
    #[serde(default)]
    pub ts_format: Option<String>,
}

/// A mistake in a [`RegexFormatConfig`]: which format, which pattern (counted from 1 in the
/// message, from 0 in `pattern`), which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("format {format:?}{}, key `{key}`: {message}", pattern_label(.pattern))]
pub struct RegexConfigError {
    /// The format's configured name.
    pub format: String,
    /// Index of the pattern in `patterns` (0-based), if the mistake is in one.
    pub pattern: Option<usize>,
    /// The config key at fault: `name`, `patterns`, `regex`, `action`, `category`, `ts_format`.
    pub key: &'static str,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

fn pattern_label(p: &Option<usize>) -> String {
    match p {
        Some(i) => format!(", pattern {}", i + 1),
        None => String::new(),
    }
}

/// What a named capture fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Ts,
    Actor,
    Target,
    SrcIp,
    Ticket,
    Message,
    Host,
    ActorRole,
    Outcome,
    Field,
}

impl Slot {
    fn of(name: &str) -> Slot {
        match name {
            "ts" => Slot::Ts,
            "actor" => Slot::Actor,
            "target" => Slot::Target,
            "src_ip" => Slot::SrcIp,
            "ticket" => Slot::Ticket,
            "message" => Slot::Message,
            "host" => Slot::Host,
            "actor_role" => Slot::ActorRole,
            "outcome" => Slot::Outcome,
            _ => Slot::Field,
        }
    }
}

/// One checked pattern.
#[derive(Debug, Clone)]
struct Pattern {
    /// The pattern's text, checked for its syntax.
    source: String,
    /// The compiled regex, made on first use and shared by every clone; `Err` says why it does
    /// not compile (a pattern whose syntax is right can still be too big).
    regex: Arc<OnceLock<Result<Regex, String>>>,
    action: String,
    category: Category,
    outcome: Outcome,
    ts_items: Option<Vec<Item<'static>>>,
    /// Capture group index, what it fills, and its name.
    captures: Vec<(usize, Slot, String)>,
}

/// A checked [`RegexFormatConfig`]. Cheap to clone (the regexes are shared).
#[derive(Debug, Clone)]
pub struct RegexFormat {
    name: &'static str,
    patterns: Vec<Pattern>,
}

impl RegexFormat {
    /// Checks and compiles `cfg`: the name is not empty, there is at least one pattern, every
    /// regex compiles, every action is a dotted lower-case word, a vocabulary action's category
    /// is not contradicted, a `ts_format` is valid, names all of date and time, and goes with a
    /// `ts` capture.
    pub fn compile(cfg: &RegexFormatConfig) -> Result<RegexFormat, RegexConfigError> {
        let err = |pattern: Option<usize>, key: &'static str, message: String| RegexConfigError {
            format: cfg.name.clone(),
            pattern,
            key,
            message,
        };
        if cfg.name.trim().is_empty() {
            return Err(err(None, "name", "the format needs a name".into()));
        }
        if cfg.patterns.is_empty() {
            return Err(err(
                None,
                "patterns",
                "the format needs at least one pattern".into(),
            ));
        }
        let mut patterns = Vec::with_capacity(cfg.patterns.len());
        for (i, p) in cfg.patterns.iter().enumerate() {
            let hir = regex_syntax::Parser::new()
                .parse(&p.regex)
                .map_err(|e| err(Some(i), "regex", e.to_string()))?;
            let mut names = Vec::new();
            capture_names(&hir, &mut names);
            names.sort_by_key(|(idx, _)| *idx);
            let captures: Vec<(usize, Slot, String)> = names
                .into_iter()
                .map(|(idx, n)| (idx, Slot::of(&n), n))
                .collect();
            let has_ts = captures.iter().any(|c| c.1 == Slot::Ts);

            let action_ok = !p.action.is_empty()
                && p.action.split('.').all(|w| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                });
            if !action_ok {
                return Err(err(
                    Some(i),
                    "action",
                    format!(
                        "{:?} is not a dotted lower-case action such as backup.finish",
                        p.action
                    ),
                ));
            }
            let category = match (vocab::category_of(&p.action), p.category) {
                (Some(v), Some(c)) if v != c => {
                    return Err(err(
                        Some(i),
                        "category",
                        format!(
                            "action {} is in category {v} in the vocabulary, not {c}; leave category out",
                            p.action
                        ),
                    ));
                }
                (Some(v), _) => v,
                (None, c) => c.unwrap_or(Category::Other),
            };

            let ts_items = match &p.ts_format {
                None => None,
                Some(f) => {
                    if !has_ts {
                        return Err(err(
                            Some(i),
                            "ts_format",
                            "the regex has no `ts` capture for it to read: add (?P<ts>...)".into(),
                        ));
                    }
                    let items = StrftimeItems::new(f).parse_to_owned().map_err(|_| {
                        err(
                            Some(i),
                            "ts_format",
                            format!("{f:?} is not a valid strftime format"),
                        )
                    })?;
                    check_round_trip(&items)
                        .map_err(|m| err(Some(i), "ts_format", format!("{f:?} {m}")))?;
                    Some(items)
                }
            };
            patterns.push(Pattern {
                source: p.regex.clone(),
                regex: Arc::new(OnceLock::new()),
                action: p.action.clone(),
                category,
                outcome: p.outcome.unwrap_or_default(),
                ts_items,
                captures,
            });
        }
        Ok(RegexFormat {
            name: intern(&cfg.name),
            patterns,
        })
    }

    /// The format's configured name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// The named capture groups of `hir`, with their group numbers.
fn capture_names(hir: &regex_syntax::hir::Hir, out: &mut Vec<(usize, String)>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => {
            if let Some(n) = &c.name {
                out.push((c.index as usize, n.to_string()));
            }
            capture_names(&c.sub, out);
        }
        HirKind::Concat(v) | HirKind::Alternation(v) => {
            for h in v {
                capture_names(h, out);
            }
        }
        HirKind::Repetition(r) => capture_names(&r.sub, out),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

impl Pattern {
    /// The compiled regex (compiled by the first caller in the process), or why it does not
    /// compile.
    fn regex(&self) -> Result<&Regex, &str> {
        self.regex
            .get_or_init(|| Regex::new(&self.source).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A `ts_format` must read back a time it wrote: this catches formats that lack the day or the
/// time of day. (A missing year is allowed: it is inferred.)
fn check_round_trip(items: &[Item<'static>]) -> Result<(), String> {
    use std::fmt::Write;
    let offset = Utc.fix();
    let sample = DateTime::from_timestamp(1_793_668_502, 0)
        .unwrap_or_default()
        .with_timezone(&offset);
    let mut written = String::new();
    write!(written, "{}", sample.format_with_items(items.iter()))
        .map_err(|_| "cannot be written (an item chrono cannot format)".to_string())?;
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, &written, items.iter())
        .map_err(|e| format!("cannot read back its own output {written:?}: {e}"))?;
    if parsed.to_naive_time().is_err() {
        return Err("has no complete time of day (hours and minutes)".into());
    }
    let has_date =
        parsed.to_naive_date().is_ok() || (parsed.month().is_some() && parsed.day().is_some());
    if !has_date && parsed.timestamp().is_none() {
        return Err("has no complete date (month and day)".into());
    }
    Ok(())
}

/// Configured names live as long as the process; each distinct name is stored once.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let set = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut set = match set.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(n) = set.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// Reads a source with a [`RegexFormat`]. Stateless between lines.
#[derive(Debug)]
pub struct RegexParser {
    format: RegexFormat,
    /// Capture slots per pattern, made with the regexes when the first line comes; `Err`: a
    /// pattern does not compile, and why.
    locs: Option<Result<Vec<CaptureLocations>, String>>,
}

impl RegexParser {
    pub fn new(format: RegexFormat) -> RegexParser {
        RegexParser { format, locs: None }
    }
}

/// The reason for a line no pattern matches.
pub const NO_MATCH: &str = "no pattern matched";

impl Parser for RegexParser {
    fn name(&self) -> &'static str {
        self.format.name
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = line.decode(ctx);
        let patterns = &self.format.patterns;
        let locs = self.locs.get_or_insert_with(|| {
            patterns
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    p.regex().map(Regex::capture_locations).map_err(|why| {
                        format!(
                            "pattern {i} of format {} does not compile: {why}",
                            self.format.name
                        )
                    })
                })
                .collect()
        });
        let locs = match locs {
            Ok(l) => l,
            Err(why) => {
                let e = ParseError::new(ErrorKind::Other(why.clone()), 0);
                out.push(Err(reject(line, text.into_owned(), e)));
                return;
            }
        };
        let hit = patterns.iter().zip(locs.iter_mut()).find_map(|(p, locs)| {
            let regex = p.regex().ok()?;
            regex.captures_read(locs, &text).map(|_| (p, &*locs))
        });
        let Some((pattern, locs)) = hit else {
            let e = ParseError::new(ErrorKind::Other(NO_MATCH.to_string()), 0);
            out.push(Err(reject(line, text.into_owned(), e)));
            return;
        };
        match build(self.format.name, pattern, locs, line, &text, ctx) {
            Ok(mut ev) => {
                if let Some(f) = flag {
                    ev.flag(f);
                }
                out.push(Ok(ev));
            }
            Err(e) => out.push(Err(reject(line, text.into_owned(), e))),
        }
    }
}

fn build(
    format: &'static str,
    p: &Pattern,
    locs: &CaptureLocations,
    line: &RawLine<'_>,
    text: &str,
    ctx: &ParseContext,
) -> Result<Event, ParseError> {
    let cap = |idx: usize| -> Option<(usize, &str)> {
        let (s, e) = locs.get(idx)?;
        text.get(s..e).map(|t| (s, t))
    };
    let mut flags: Vec<Flag> = Vec::new();
    let mut ts = None;
    if let Some(&(idx, _, _)) = p.captures.iter().find(|c| c.1 == Slot::Ts)
        && let Some((at, s)) = cap(idx)
    {
        let t = match &p.ts_items {
            Some(items) => read_with_format(s, items, ctx, &mut flags),
            None => crate::time::parse_iso(s.trim(), ctx.zone).map(|(t, z)| {
                if z {
                    flags.push(Flag::ZoneFromSource);
                }
                t
            }),
        };
        ts = Some(t.map_err(|k| ParseError::new(k, at))?);
    }
    let from_reference = ts.is_none();
    let mut ev = Event::new(
        ctx,
        line,
        format,
        ts.unwrap_or(ctx.reference),
        vocab::intern(&p.action),
        text.to_string(),
    );
    ev.category = p.category;
    ev.outcome = p.outcome;
    for f in flags {
        ev.flag(f);
    }
    if from_reference {
        ev.field("time_source", ctx.reference_from);
    }
    let mut message = None;
    for (idx, slot, name) in &p.captures {
        let Some((_, s)) = cap(*idx) else { continue };
        match slot {
            Slot::Ts => {}
            Slot::Actor => ev.actor = Some(s.to_string()),
            Slot::Target => ev.target = Some(s.to_string()),
            Slot::SrcIp => ev.src_ip = Some(s.to_string()),
            Slot::Ticket => ev.ticket = Some(s.to_string()),
            Slot::Message => message = Some(s),
            Slot::Host => ev.host = ctx.shared_host(s),
            Slot::ActorRole => match ActorRole::parse(s) {
                Some(r) => ev.actor_role = Some(r),
                None => ev.field("actor_role", s),
            },
            Slot::Outcome => ev.outcome = Outcome::from_word(s),
            Slot::Field => {
                ev.fields.insert(name.clone(), field_value(s));
            }
        }
    }
    ev.message = message.unwrap_or(text).to_string();
    if ev.ticket.is_none() {
        ev.ticket = ctx.find_ticket(&ev.message);
    }
    Ok(ev)
}

/// A capture's text as a JSON value: a plain integer becomes a number, anything else text.
fn field_value(s: &str) -> Value {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let plain = !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    match s.parse::<i64>() {
        Ok(n) if plain => Value::from(n),
        _ => Value::from(s),
    }
}

/// A time written in a strftime format: with an offset it is exact; without one it is read in
/// the source's zone; without a year the year is inferred.
fn read_with_format(
    s: &str,
    items: &[Item<'static>],
    ctx: &ParseContext,
    flags: &mut Vec<Flag>,
) -> Result<DateTime<Utc>, ErrorKind> {
    let bad = |why: &str| ErrorKind::BadTimestamp(format!("{s} ({why})"));
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, s, items.iter()).map_err(|e| bad(&e.to_string()))?;
    if parsed.offset().is_some() {
        return parsed
            .to_datetime()
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| bad(&e.to_string()));
    }
    if parsed.timestamp().is_some() {
        return parsed
            .to_naive_datetime_with_offset(0)
            .map(|n| n.and_utc())
            .map_err(|e| bad(&e.to_string()));
    }
    let has_year = parsed.year().is_some()
        || parsed.year_mod_100().is_some()
        || parsed.isoyear().is_some()
        || parsed.isoyear_mod_100().is_some();
    flags.push(Flag::ZoneFromSource);
    if has_year {
        let naive: NaiveDateTime = parsed
            .to_naive_datetime_with_offset(0)
            .map_err(|e| bad(&e.to_string()))?;
        return ctx.local_to_utc(naive);
    }
    let (Some(month), Some(day)) = (parsed.month(), parsed.day()) else {
        return Err(bad("no month and day"));
    };
    let time = parsed.to_naive_time().map_err(|e| bad(&e.to_string()))?;
    flags.push(Flag::YearInferred);
    ctx.infer_year(month, day, time)
        .ok_or_else(|| bad("no such date in recent years"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;
    use serde_json::json;

    fn ctx() -> ParseContext {
        let reference = DateTime::parse_from_rfc3339("2026-11-05T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        ParseContext::new("nightly-backup", "arch-db01", Shanghai, reference)
    }

    /// The nightly backup job log of the archive database, as the site's script writes it.
    fn job_config() -> RegexFormatConfig {
        serde_json::from_value(json!({
            "name": "backup-job",
            "patterns": [
                {
                    "regex": r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] START job=(?P<target>\S+) target=(?P<dest>\S+)$",
                    "ts_format": "%Y-%m-%d %H:%M:%S",
                    "action": "backup.start"
                },
                {
                    "regex": r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] FINISH status=(?P<outcome>\w+) bytes=(?P<bytes>\d+) duration=(?P<duration_s>\d+)s$",
                    "ts_format": "%Y-%m-%d %H:%M:%S",
                    "action": "backup.finish"
                },
                {
                    "regex": r#"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] FAIL error="(?P<message>[^"]*)"$"#,
                    "ts_format": "%Y-%m-%d %H:%M:%S",
                    "action": "backup.finish",
                    "outcome": "failure"
                }
            ]
        }))
        .unwrap()
    }

    fn job_format() -> RegexFormat {
        static F: OnceLock<RegexFormat> = OnceLock::new();
        F.get_or_init(|| RegexFormat::compile(&job_config()).unwrap())
            .clone()
    }

    const JOB_LOG: &str = "\
2026-11-03 02:00:01 [backup-archive-db] START job=archive-db target=/backup/archive-db
2026-11-03 02:01:36 [backup-archive-db] FINISH status=OK bytes=123456789 duration=95s
2026-11-04 02:00:01 [backup-archive-db] START job=archive-db target=/backup/archive-db
2026-11-04 02:00:07 [backup-archive-db] FAIL error=\"pg_dump: 错误: 无法连接到数据库 archive (CHG-2026-0012 维护窗口)\"
2026-11-04 02:00:07 [backup-archive-db] cleanup done
";

    #[test]
    fn nightly_backup_job_log() {
        let format = RegexFormat::compile(&job_config()).unwrap();
        let mut p = RegexParser::new(format);
        assert_eq!(Parser::name(&p), "backup-job");
        let out = crate::parse_text(
            &mut p,
            &ctx(),
            "/var/log/backup-archive-db.log",
            JOB_LOG.as_bytes(),
        );
        let lines: Vec<&str> = JOB_LOG.lines().collect();
        let got: Vec<Value> = out
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        let base = |id: &str, ts: &str, action: &str, outcome: &str, n: usize, offset: u64| {
            json!({
                "id": id, "ts": ts, "host": "arch-db01", "source": "nightly-backup",
                "format": "backup-job", "category": "backup", "action": action,
                "outcome": outcome, "actor": null, "actor_role": null, "src_ip": null,
                "ticket": null, "raw": lines[n], "flags": ["zone_from_source"],
                "origin": {"path": "/var/log/backup-archive-db.log", "offset": offset, "line": n as u64 + 1}
            })
        };
        let merge = |mut a: Value, b: Value| {
            for (k, v) in b.as_object().unwrap() {
                a[k] = v.clone();
            }
            a
        };
        let want = vec![
            merge(
                base(
                    "0000000000000000000000000000",
                    "2026-11-02T18:00:01Z",
                    "backup.start",
                    "unknown",
                    0,
                    0,
                ),
                json!({"target": "archive-db", "message": lines[0],
                       "fields": {"job": "backup-archive-db", "dest": "/backup/archive-db"}}),
            ),
            merge(
                base(
                    "0000000000000000000000000057",
                    "2026-11-02T18:01:36Z",
                    "backup.finish",
                    "success",
                    1,
                    87,
                ),
                json!({"target": null, "message": lines[1],
                       "fields": {"job": "backup-archive-db", "bytes": 123456789, "duration_s": 95}}),
            ),
            merge(
                base(
                    "00000000000000000000000000ad",
                    "2026-11-03T18:00:01Z",
                    "backup.start",
                    "unknown",
                    2,
                    173,
                ),
                json!({"target": "archive-db", "message": lines[2],
                       "fields": {"job": "backup-archive-db", "dest": "/backup/archive-db"}}),
            ),
            merge(
                base(
                    "0000000000000000000000000104",
                    "2026-11-03T18:00:07Z",
                    "backup.finish",
                    "failure",
                    3,
                    260,
                ),
                json!({"target": null, "ticket": "CHG-2026-0012",
                       "message": "pg_dump: 错误: 无法连接到数据库 archive (CHG-2026-0012 维护窗口)",
                       "fields": {"job": "backup-archive-db"}}),
            ),
        ];
        assert_eq!(got, want);
        let rejected: Vec<_> = out.iter().filter_map(|o| o.as_ref().err()).collect();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 5);
        assert_eq!(
            rejected[0].error.to_string(),
            "no pattern matched at byte 0"
        );
    }

    #[test]
    fn times_without_year_zone_or_ts() {
        let cfg: RegexFormatConfig = serde_json::from_value(json!({
            "name": "dump-cron",
            "patterns": [
                {"regex": r"^(?P<ts>\w{3} [ \d]\d \d\d:\d\d:\d\d) (?P<host>\S+) dump\[\d+\]: (?P<actor>\w+) exported (?P<target>\S+) result=(?P<outcome>\w+) role=(?P<actor_role>\S+)",
                 "ts_format": "%b %e %H:%M:%S", "action": "db.export"},
                {"regex": r"^\[(?P<ts>[^\]]+)\] rotate (?P<target>\S+)",
                 "ts_format": "%d/%b/%Y:%H:%M:%S %z", "action": "job.rotate", "category": "system"},
                {"regex": r"^checksum ok (?P<target>\S+)", "action": "backup.finish", "outcome": "success"},
                {"regex": r"^iso (?P<ts>\S+) (?P<n>-?\d+) (?P<code>\d+)$", "action": "other"}
            ]
        }))
        .unwrap();
        let mut p = RegexParser::new(RegexFormat::compile(&cfg).unwrap());
        let text = "\
Dec 31 23:59:58 arch-db01 dump[311]: wangwu exported public.archive_item result=failed role=档案员
[03/Nov/2026:02:00:00 +0000] rotate /backup/a.tar
checksum ok /backup/a.tar
iso 2026-11-03T02:00:00+08:00 -5 007
iso 2026-11-03T02:00:00 12 0
Nov  3 02:00:01 arch-db02 dump[9]: zhangsan exported 档案表 result=ok role=dba
";
        let out = crate::parse_text(&mut p, &ctx(), "-", text.as_bytes());
        let evs: Vec<Event> = out.into_iter().map(|o| o.unwrap()).collect();
        let strip = |e: &Event| {
            let mut v = serde_json::to_value(e).unwrap();
            for k in ["id", "source", "format", "raw", "origin"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        };
        assert_eq!(
            strip(&evs[0]),
            json!({"ts": "2025-12-31T15:59:58Z", "host": "arch-db01", "category": "data_export",
                   "action": "db.export", "outcome": "failure", "actor": "wangwu", "actor_role": null,
                   "src_ip": null, "target": "public.archive_item", "ticket": null,
                   "message": text.lines().next().unwrap(), "fields": {"actor_role": "档案员"},
                   "flags": ["year_inferred", "zone_from_source"]})
        );
        assert_eq!(
            strip(&evs[1]),
            json!({"ts": "2026-11-03T02:00:00Z", "host": "arch-db01", "category": "system",
                   "action": "job.rotate", "outcome": "unknown", "actor": null, "actor_role": null,
                   "src_ip": null, "target": "/backup/a.tar", "ticket": null,
                   "message": "[03/Nov/2026:02:00:00 +0000] rotate /backup/a.tar", "fields": {}})
        );
        assert_eq!(
            strip(&evs[2]),
            json!({"ts": "2026-11-05T00:00:00Z", "host": "arch-db01", "category": "backup",
                   "action": "backup.finish", "outcome": "success", "actor": null, "actor_role": null,
                   "src_ip": null, "target": "/backup/a.tar", "ticket": null,
                   "message": "checksum ok /backup/a.tar", "fields": {"time_source": "reference"}})
        );
        assert_eq!(evs[3].ts.to_rfc3339(), "2026-11-02T18:00:00+00:00");
        assert!(evs[3].flags.is_empty());
        assert_eq!(
            evs[3].fields,
            serde_json::from_value(json!({"n": -5, "code": "007"})).unwrap()
        );
        assert_eq!(evs[4].flags, vec![Flag::ZoneFromSource]);
        assert_eq!(
            evs[4].fields,
            serde_json::from_value(json!({"n": 12, "code": 0})).unwrap()
        );
    }

    #[test]
    fn bad_times_are_rejected_at_the_capture() {
        let mut p = RegexParser::new(job_format());
        let mut out = Vec::new();
        let line = "2026-02-30 02:00:01 [backup-archive-db] START job=a target=/b";
        p.feed(&RawLine::text(line), &ctx(), &mut out);
        let Err(r) = &out[0] else { panic!("accepted") };
        assert_eq!(r.error.at, 0);
        assert_eq!(r.error.class(), "bad_timestamp");
        assert!(
            r.error.to_string().contains("2026-02-30 02:00:01"),
            "{}",
            r.error
        );
    }

    #[test]
    fn a_pattern_too_big_to_compile_rejects_each_line_saying_so() {
        // Right syntax, so the config is accepted; too big for the regex crate's size limit, so
        // the first line read compiles it, fails, and every line goes to the dead letter.
        let f = RegexFormat::compile(
            &serde_json::from_value(
                json!({"name": "huge", "patterns": [{"regex": r"(?P<actor>\w{1000}){1000}", "action": "other"}]}),
            )
            .unwrap(),
        )
        .unwrap();
        let mut p = RegexParser::new(f);
        let mut out = Vec::new();
        for line in ["a", "b"] {
            p.feed(&RawLine::text(line), &ctx(), &mut out);
        }
        assert_eq!(out.len(), 2);
        for o in &out {
            let Err(r) = o else { panic!("accepted") };
            assert_eq!(r.error.class(), "other");
            assert!(
                r.error
                    .to_string()
                    .contains("pattern 0 of format huge does not compile"),
                "{}",
                r.error
            );
        }
    }

    #[test]
    fn nested_and_alternative_captures_keep_their_group_numbers() {
        let f = RegexFormat::compile(
            &serde_json::from_value(json!({"name": "nest", "patterns": [{
                "regex": r"^(?:(?P<actor>\w+)@(?P<host>[\w.-]+)|anon) (x(?P<target>\S+))* (?P<n>\d+)$",
                "action": "other"
            }]}))
            .unwrap(),
        )
        .unwrap();
        let caps: Vec<(usize, &str)> = f.patterns[0]
            .captures
            .iter()
            .map(|(i, _, n)| (*i, n.as_str()))
            .collect();
        assert_eq!(caps, [(1, "actor"), (2, "host"), (4, "target"), (5, "n")]);
        let mut p = RegexParser::new(f);
        let mut out = Vec::new();
        p.feed(&RawLine::text("li@arch-db01 xt1 7"), &ctx(), &mut out);
        let ev = match &out[0] {
            Ok(ev) => ev,
            Err(r) => panic!("rejected: {}", r.error),
        };
        assert_eq!(ev.actor.as_deref(), Some("li"));
        assert_eq!(ev.target.as_deref(), Some("t1"));
        assert_eq!(ev.fields.get("n"), Some(&7.into()));
    }

    #[test]
    fn config_errors_name_format_pattern_and_key() {
        let bad = |v: Value| RegexFormat::compile(&serde_json::from_value(v).unwrap()).unwrap_err();
        let e = bad(
            json!({"name": "job", "patterns": [{"regex": "a", "action": "other"}, {"regex": "(?P<ts>", "action": "other"}]}),
        );
        assert_eq!(
            (e.format.as_str(), e.pattern, e.key),
            ("job", Some(1), "regex")
        );
        assert!(
            e.to_string()
                .starts_with("format \"job\", pattern 2, key `regex`: "),
            "{e}"
        );
        let e = bad(json!({"name": "job", "patterns": []}));
        assert_eq!(
            e.to_string(),
            "format \"job\", key `patterns`: the format needs at least one pattern"
        );
        let e = bad(json!({"name": " ", "patterns": [{"regex": "a", "action": "other"}]}));
        assert_eq!(e.key, "name");
        let e = bad(json!({"name": "j", "patterns": [{"regex": "a", "action": "Backup Finish"}]}));
        assert_eq!((e.pattern, e.key), (Some(0), "action"));
        let e = bad(
            json!({"name": "j", "patterns": [{"regex": "a", "action": "backup.finish", "category": "system"}]}),
        );
        assert_eq!(
            e.to_string(),
            "format \"j\", pattern 1, key `category`: action backup.finish is in category backup in the vocabulary, not system; leave category out"
        );
        let e = bad(
            json!({"name": "j", "patterns": [{"regex": "a", "action": "other", "ts_format": "%Y"}]}),
        );
        assert_eq!(e.key, "ts_format");
        assert!(e.message.contains("no `ts` capture"));
        let e = bad(
            json!({"name": "j", "patterns": [{"regex": "(?P<ts>.*)", "action": "other", "ts_format": "%Y-%m-%d"}]}),
        );
        assert!(e.message.contains("no complete time of day"), "{e}");
        let e = bad(
            json!({"name": "j", "patterns": [{"regex": "(?P<ts>.*)", "action": "other", "ts_format": "%H:%M:%S"}]}),
        );
        assert!(e.message.contains("no complete date"), "{e}");
        let e = bad(
            json!({"name": "j", "patterns": [{"regex": "(?P<ts>.*)", "action": "other", "ts_format": "%Q"}]}),
        );
        assert!(e.message.contains("not a valid strftime format"), "{e}");
        let err = serde_json::from_value::<RegexFormatConfig>(json!({"name": "j", "patterns": [{"regex": "a", "action": "other", "outcome": "maybe"}]})).unwrap_err();
        assert!(err.to_string().contains("unknown variant `maybe`"), "{err}");
        let err = serde_json::from_value::<RegexFormatConfig>(json!({"name": "j", "pattern": []}))
            .unwrap_err();
        assert!(err.to_string().contains("unknown field `pattern`"), "{err}");
    }

    #[test]
    fn names_are_interned() {
        assert!(std::ptr::eq(intern("backup-job-x"), intern("backup-job-x")));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
                let mut p = RegexParser::new(job_format());
                let mut out = Vec::new();
                p.feed(&RawLine { bytes: &bytes, path: "-", file_id: 0, offset: 0, line: 1 }, &ctx(), &mut out);
                prop_assert_eq!(out.len(), 1);
            }

            #[test]
            fn job_like_lines_never_panic(s in r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[[a-z-]{0,8}\] (START job=\S{0,5} target=\S{0,5}|FINISH status=\w{0,3} bytes=[0-9]{0,25} duration=[0-9]{0,3}s)") {
                let mut p = RegexParser::new(job_format());
                let mut out = Vec::new();
                p.feed(&RawLine::text(&s), &ctx(), &mut out);
                prop_assert_eq!(out.len(), 1);
            }

            #[test]
            fn truncated_real_lines_never_panic(n in 0usize..4, cut in 0usize..200) {
                let mut p = RegexParser::new(job_format());
                let line = JOB_LOG.lines().nth(n).unwrap().as_bytes();
                let bytes = &line[..cut.min(line.len())];
                let mut out = Vec::new();
                p.feed(&RawLine { bytes, path: "-", file_id: 0, offset: 0, line: 1 }, &ctx(), &mut out);
                prop_assert_eq!(out.len(), 1);
            }
        }
    }
}
