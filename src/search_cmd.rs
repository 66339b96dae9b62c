//! `vigil search` and `vigil show`: the security reviewer's view of the index.
//!
//! Output that shows log text passes through [`crate::sanitize::terminal`]; JSON escapes it.

use std::io::Write;

use anyhow::{Result, anyhow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use vigil_index::Searcher;
use vigil_parsers::Event;

use crate::sanitize::terminal;

/// How `vigil search` prints hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A table that fits the terminal.
    Table,
    /// One JSON document: `hits` (how many match), `shown`, `events` (newest first).
    Json,
    /// One event per line, as JSON (JSON Lines).
    Jsonl,
    /// The raw lines.
    Raw,
}

/// How `vigil show` prints an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    /// The JSON, then its time, origin and raw lines for a reader.
    Text,
    /// The event alone, one JSON document.
    Json,
}

/// The line that says how many hits there are and how many are shown.
pub fn hits_line(total: u64, shown: usize, oldest_first: bool) -> String {
    let s = |n: u64| if n == 1 { "" } else { "s" };
    if shown as u64 >= total {
        format!("search: {total} hit{}", s(total))
    } else {
        format!(
            "search: {total} hit{}, the {} {shown} shown (--limit N for more, --limit 0 for all)",
            s(total),
            if oldest_first { "oldest" } else { "newest" }
        )
    }
}

/// A time given on the command line: RFC 3339, or a date or local time in the display zone
/// (`2026-11-03`, `2026-11-03 09:15`, `2026-11-03T09:15:02`), or relative to now: `now`,
/// `today` and `yesterday` (their start in the display zone), `-24h`, `7d`, `-30m` (that long
/// ago).
pub fn parse_time(s: &str, zone: Tz, flag: &str) -> Result<DateTime<Utc>> {
    parse_time_at(s, zone, flag, Utc::now())
}

/// [`parse_time`] with "now" given.
pub fn parse_time_at(s: &str, zone: Tz, flag: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day_start = |d: NaiveDate| -> Result<DateTime<Utc>> {
        let n = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        vigil_parsers::time::local_to_utc(n, zone).map_err(|e| anyhow!("{flag} {s:?}: {e}"))
    };
    let today = now.with_timezone(&zone).date_naive();
    match s.trim() {
        "now" => return Ok(now),
        "today" => return day_start(today),
        "yesterday" => return day_start(today.pred_opt().unwrap_or(today)),
        rel if rel.starts_with('-') || rel.ends_with(['d', 'h', 'm', 's']) => {
            let d = rel.strip_prefix('-').unwrap_or(rel);
            if let Ok(ago) = vigil_checks::policy::parse_duration(d) {
                return Ok(now - ago);
            }
        }
        _ => {}
    }
    let naive = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .or_else(|| {
            ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        })
        .ok_or_else(|| anyhow!("{flag} {s:?}: not a time; write 2026-11-03, 2026-11-03 09:15, 2026-11-03T09:15:02+08:00, today, yesterday or -24h"))?;
    vigil_parsers::time::local_to_utc(naive, zone).map_err(|e| anyhow!("{flag} {s:?}: {e}"))
}

/// `s` cut to at most `w` columns of display width (a CJK character counts two), with `…` where
/// it was cut, and padded with spaces to exactly `w` when `pad`.
pub fn fit(s: &str, w: usize, pad: bool) -> String {
    use unicode_width::UnicodeWidthChar;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    let mut out = String::with_capacity(s.len().min(w.saturating_mul(4)));
    let mut used = 0;
    if total <= w {
        out.push_str(s);
        used = total;
    } else if w > 0 {
        for c in s.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > w - 1 {
                break;
            }
            out.push(c);
            used += cw;
        }
        out.push('…');
        used += 1;
    }
    if pad {
        out.extend(std::iter::repeat_n(' ', w.saturating_sub(used)));
    }
    out
}

/// Text of a log made one line for the table: sanitised, tabs and newlines as spaces.
fn one_line(s: &str) -> String {
    terminal(s).replace(['\t', '\n', '\r'], " ")
}

/// The table's columns, and the width left for the message. Where the terminal is narrow, the
/// address and host columns go first and then the year, so that the message keeps at least 30
/// columns; a row never passes `width`.
fn table_row(e: &Event, zone: Tz, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    const MIN_MESSAGE: usize = 30;
    // ts, host, action, actor, src_ip, id, each with two spaces after it.
    let full = 19 + 12 + 18 + 12 + 15 + 28 + 12;
    let without_ip = full - 17;
    let without_host = without_ip - 14;
    let (show_ip, show_host, year) = if width >= full + MIN_MESSAGE {
        (true, true, true)
    } else if width >= without_ip + MIN_MESSAGE {
        (false, true, true)
    } else if width >= without_host + MIN_MESSAGE {
        (false, false, true)
    } else {
        (false, false, false)
    };
    let ts =
        e.ts.with_timezone(&zone)
            .format(if year {
                "%Y-%m-%d %H:%M:%S"
            } else {
                "%m-%d %H:%M:%S"
            })
            .to_string();
    let cell = |s: Option<&str>, w: usize| fit(&one_line(s.unwrap_or("-")), w, true);
    let mut head = format!("{ts}  ");
    if show_host {
        head.push_str(&cell(Some(&e.host), 12));
        head.push_str("  ");
    }
    head.push_str(&cell(Some(&e.action), 18));
    head.push_str("  ");
    head.push_str(&cell(e.actor.as_deref(), 12));
    head.push_str("  ");
    if show_ip {
        head.push_str(&cell(e.src_ip.as_deref(), 15));
        head.push_str("  ");
    }
    head.push_str(&cell(Some(&e.id), 28));
    head.push_str("  ");
    let room = width.saturating_sub(head.width());
    let row = format!("{head}{}", fit(&one_line(&e.message), room, false));
    if row.width() > width {
        fit(&row, width, false)
    } else {
        row
    }
}

/// The terminal's width: the real one where stdout is a terminal (`TIOCGWINSZ`), else
/// `$COLUMNS`, else 160.
pub fn terminal_width() -> usize {
    let stdout = std::io::stdout();
    if let Ok(size) = rustix::termios::tcgetwinsize(&stdout)
        && size.ws_col >= 40
    {
        return usize::from(size.ws_col);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(160)
}

/// When to colour the matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Where stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour, for stdout.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// The words a query looks for, to colour where they appear: its bare words and field values,
/// without operators, negated terms, wildcards, ranges and networks.
pub fn match_words(query: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut negate_next = false;
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut in_range = false;
    for t in tokens {
        if in_range {
            in_range = !t.ends_with([']', '}']);
            continue;
        }
        if ["and", "or"].contains(&t.to_lowercase().as_str()) {
            continue;
        }
        if t.eq_ignore_ascii_case("not") {
            negate_next = true;
            continue;
        }
        let negated = std::mem::take(&mut negate_next) || t.starts_with('-');
        let t = t.trim_start_matches(['+', '-', '(']).trim_end_matches(')');
        let value = match t.split_once(':') {
            Some((field, v)) if !field.starts_with('"') => v,
            _ => t,
        };
        if value.starts_with(['[', '{']) {
            in_range = !value.ends_with([']', '}']);
            continue;
        }
        if negated || value.contains('/') {
            continue;
        }
        let value = value.trim_matches('"');
        // The longest literal part of a glob.
        let literal = value
            .split(['*', '?'])
            .max_by_key(|p| p.len())
            .unwrap_or("");
        if !literal.is_empty() {
            words.push(literal.to_string());
        }
    }
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words.dedup();
    words
}

/// `line` with every (case-insensitive) occurrence of `words` in bold red.
pub fn colour_matches(line: &str, words: &[String]) -> String {
    if words.is_empty() {
        return line.to_string();
    }
    // Case-insensitive where lower-casing keeps every byte offset (it may not outside ASCII:
    // then the words are matched as written).
    let lower = line.to_lowercase();
    let folded = lower.len() == line.len();
    let hay = if folded { lower.as_str() } else { line };
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for w in words {
        let needle = if folded { w.to_lowercase() } else { w.clone() };
        if needle.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(at) = hay[from..].find(&needle) {
            let (a, b) = (from + at, from + at + needle.len());
            if !marks.iter().any(|&(x, y)| a < y && x < b) {
                marks.push((a, b));
            }
            from = b;
        }
    }
    marks.sort_unstable();
    let mut out = String::with_capacity(line.len() + marks.len() * 12);
    let mut at = 0;
    for (a, b) in marks {
        if !line.is_char_boundary(a) || !line.is_char_boundary(b) {
            continue;
        }
        out.push_str(&line[at..a]);
        out.push_str("\x1b[1;31m");
        out.push_str(&line[a..b]);
        out.push_str("\x1b[0m");
        at = b;
    }
    out.push_str(&line[at..]);
    out
}

/// The lines around each hit, from the archive (`--context N`).
pub struct ContextReader {
    dir: std::path::PathBuf,
    state: Option<vigil_archive::ArchiveState>,
    pub n: usize,
}

/// The file identity and byte offset an event id is made of (16 hex digits, then the offset in
/// hex), if it is one.
pub fn id_parts(id: &str) -> Option<(u64, u64)> {
    let (file, offset) = (id.get(..16)?, id.get(16..)?);
    if offset.is_empty() || offset.len() > 16 {
        return None;
    }
    Some((
        u64::from_str_radix(file, 16).ok()?,
        u64::from_str_radix(offset, 16).ok()?,
    ))
}

impl ContextReader {
    /// The context of the data directory `data`, read from its evidence archive as the writer's
    /// last commit left it (in the index, or in ClickHouse).
    pub fn open(data: &std::path::Path, n: usize) -> Result<ContextReader> {
        let state = match crate::commit::committed_archive_state(data)? {
            Some(v) => Some(serde_json::from_value(v).map_err(|e| {
                anyhow!(
                    "{}: the archive state in the last commit cannot be read: {e}",
                    data.join("index").display()
                )
            })?),
            None => None,
        };
        Ok(ContextReader {
            dir: data.join("archive"),
            state,
            n,
        })
    }

    /// The committed length and sha256 of the open segment `segment`, from the last commit.
    pub fn open_segment(&self, segment: &str) -> Option<(u64, String)> {
        self.state
            .as_ref()?
            .open
            .values()
            .find(|o| o.segment == segment)
            .map(|o| (o.bytes, o.sha256.clone()))
    }

    /// The lines around `e`, `None` where the archive does not hold its line.
    pub fn around(&self, e: &Event) -> Result<Option<vigil_archive::context::Context>> {
        let (Some(state), Some((file, offset))) = (&self.state, id_parts(e.id.as_str())) else {
            return Ok(None);
        };
        let lines = e.raw.split('\n').count();
        Ok(vigil_archive::context::context(
            &self.dir, state, &e.source, file, offset, lines, self.n,
        )?)
    }
}

/// How hits are shown beside their format: colours, context.
pub struct Display<'a> {
    pub zone: Tz,
    /// The words to colour (empty: no colour).
    pub colour: Vec<String>,
    pub context: Option<&'a ContextReader>,
}

fn lossy(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

/// Prints the hits of `query` in `format`.
pub fn print_hits(
    out: &mut dyn Write,
    hits: &[Event],
    total: u64,
    format: OutputFormat,
    show: &Display<'_>,
) -> Result<()> {
    let paint = |s: &str| colour_matches(s, &show.colour);
    if matches!(format, OutputFormat::Json | OutputFormat::Jsonl) {
        let mut contexts = serde_json::Map::new();
        if let Some(reader) = show.context {
            for e in hits {
                let value = match reader.around(e)? {
                    Some(c) => serde_json::json!({
                        "before": c.before.iter().map(|r| lossy(&r.line)).collect::<Vec<_>>(),
                        "lines": c.event.iter().map(|r| lossy(&r.line)).collect::<Vec<_>>(),
                        "after": c.after.iter().map(|r| lossy(&r.line)).collect::<Vec<_>>(),
                    }),
                    None => serde_json::Value::Null,
                };
                contexts.insert(e.id.as_str().to_string(), value);
            }
        }
        if format == OutputFormat::Json {
            let mut doc = serde_json::json!({ "hits": total, "shown": hits.len(), "events": hits });
            if show.context.is_some() {
                doc["context"] = serde_json::Value::Object(contexts);
            }
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        } else {
            for e in hits {
                match contexts.remove(e.id.as_str()) {
                    Some(c) => serde_json::to_writer(
                        &mut *out,
                        &serde_json::json!({ "event": e, "context": c }),
                    )?,
                    None => serde_json::to_writer(&mut *out, e)?,
                }
                writeln!(out)?;
            }
        }
        return Ok(());
    }
    let width = terminal_width();
    for (i, e) in hits.iter().enumerate() {
        let around = match show.context {
            Some(reader) => Some(reader.around(e)?),
            None => None,
        };
        if around.is_some() && i > 0 {
            writeln!(out, "--")?;
        }
        let context_lines = |out: &mut dyn Write,
                             mark: &str,
                             lines: &[vigil_archive::segment::Record]|
         -> Result<()> {
            for r in lines {
                let text = lossy(&r.line);
                match format {
                    OutputFormat::Raw => writeln!(out, "{}", terminal(&text))?,
                    _ => writeln!(
                        out,
                        "    {mark} {}",
                        fit(&one_line(&text), width.saturating_sub(6), false)
                    )?,
                }
            }
            Ok(())
        };
        if let Some(Some(c)) = &around {
            context_lines(out, "-", &c.before)?;
        }
        match format {
            OutputFormat::Table => {
                writeln!(out, "{}", paint(&table_row(e, show.zone, width)))?;
                if let Some(None) = &around {
                    writeln!(
                        out,
                        "    (the archive does not hold this event's line: no context)"
                    )?;
                }
            }
            _ => writeln!(out, "{}", paint(&terminal(&e.raw)))?,
        }
        if let Some(Some(c)) = &around {
            context_lines(out, "+", &c.after)?;
        }
    }
    Ok(())
}

/// Prints one event: its JSON, its raw line(s), its origin.
pub fn print_event(out: &mut dyn Write, e: &Event, zone: Tz) -> Result<()> {
    let json = serde_json::to_string_pretty(e)?;
    writeln!(out, "{json}")?;
    writeln!(
        out,
        "time:   {}",
        e.ts.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S%.f %Z")
    )?;
    writeln!(
        out,
        "origin: {} line {} (byte {})",
        terminal(&e.origin.path),
        e.origin.line,
        e.origin.offset
    )?;
    writeln!(out, "raw:")?;
    for l in e.raw.split('\n') {
        writeln!(out, "  {}", terminal(l))?;
    }
    Ok(())
}

/// Opens the index of a data directory for reading.
pub fn open(data: &std::path::Path) -> Result<Searcher> {
    Ok(Searcher::open(data.join("index"))?)
}

/// Opens the index of a data directory for one search (`vigil search`, `vigil show`): only the
/// segment files the search reads are opened ([`Searcher::open_for_one_search`]).
pub fn open_for_one_search(data: &std::path::Path) -> Result<Searcher> {
    Ok(Searcher::open_for_one_search(data.join("index"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_from_a_given_now() {
        let zone = chrono_tz::Asia::Shanghai;
        // 2026-12-06 03:51 UTC is 11:51 in Shanghai.
        let now = DateTime::parse_from_rfc3339("2026-12-06T03:51:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let at = |s: &str| {
            parse_time_at(s, zone, "--since", now)
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|e| e.to_string())
        };
        assert_eq!(at("now"), "2026-12-06T03:51:00+00:00");
        assert_eq!(at("today"), "2026-12-05T16:00:00+00:00");
        assert_eq!(at("yesterday"), "2026-12-04T16:00:00+00:00");
        assert_eq!(at("-24h"), "2026-12-05T03:51:00+00:00");
        assert_eq!(at("7d"), "2026-11-29T03:51:00+00:00");
        assert_eq!(at("-30m"), "2026-12-06T03:21:00+00:00");
        assert_eq!(at("2026-11-03"), "2026-11-02T16:00:00+00:00");
        assert!(at("-3 days").contains("not a time"), "{}", at("-3 days"));
    }

    #[test]
    fn cells_fit_by_display_width() {
        use unicode_width::UnicodeWidthStr;
        // (text, width, padded cell)
        let table = [
            ("zhangsan", 12, "zhangsan    "),
            ("张三", 12, "张三        "),
            ("档案管理员张三丰", 12, "档案管理员… "),
            ("abcdefghijklmnop", 12, "abcdefghijk…"),
            ("a张b", 3, "a… "),
            ("", 4, "    "),
        ];
        for (text, w, want) in table {
            let got = fit(text, w, true);
            assert_eq!(got, want, "{text:?}");
            assert_eq!(got.width(), w, "{text:?}");
        }
        assert_eq!(fit("档案管理员张三丰", 12, false), "档案管理员…");
    }

    #[test]
    fn the_words_a_query_colours() {
        let table: [(&str, &[&str]); 7] = [
            (
                "actor:dba_wang and action:db.update",
                &["dba_wang", "db.update"],
            ),
            ("删除 NOT actor:root", &["删除"]),
            ("-actor:root 档案", &["档案"]),
            ("action:db.* OR \"login failed\"", &["login failed", "db."]),
            ("src_ip:10.1.0.0/16", &[]),
            ("ts:[2026-11-01 TO 2026-11-02]", &[]),
            ("(zhangsan OR lisi)", &["zhangsan", "lisi"]),
        ];
        for (q, want) in table {
            let mut got = match_words(q);
            let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{q}");
        }
    }

    #[test]
    fn matches_are_coloured_case_insensitively() {
        let words = vec!["Failed".to_string(), "张三".to_string()];
        assert_eq!(
            colour_matches("failed password for 张三, FAILED again", &words),
            "\x1b[1;31mfailed\x1b[0m password for \x1b[1;31m张三\x1b[0m, \x1b[1;31mFAILED\x1b[0m again"
        );
        assert_eq!(colour_matches("nothing here", &words), "nothing here");
    }

    #[test]
    fn ids_give_their_file_and_offset() {
        assert_eq!(
            id_parts("181dac916fce7f5900000000011d"),
            Some((0x181d_ac91_6fce_7f59, 0x11d))
        );
        assert_eq!(id_parts("181dac916fce7f59"), None);
        assert_eq!(id_parts("not-an-id-at-all-xx"), None);
    }
}
