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
pub fn hits_line(total: u64, shown: usize) -> String {
    let s = |n: u64| if n == 1 { "" } else { "s" };
    if shown as u64 >= total {
        format!("search: {total} hit{}", s(total))
    } else {
        format!(
            "search: {total} hit{}, the newest {shown} shown (--limit N for more, --limit 0 for all)",
            s(total)
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

/// The table's columns, and the width left for the message.
fn table_row(e: &Event, zone: Tz, width: usize) -> String {
    let ts =
        e.ts.with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
    let cell = |s: Option<&str>, w: usize| -> String {
        let t = terminal(s.unwrap_or("-")).replace('\t', " ");
        let mut out: String = t.chars().take(w).collect();
        if t.chars().count() > w {
            out.pop();
            out.push('…');
        }
        format!("{out:<w$}")
    };
    let head = format!(
        "{ts}  {}  {}  {}  {}  {}  ",
        cell(Some(&e.host), 12),
        cell(Some(&e.action), 18),
        cell(e.actor.as_deref(), 12),
        cell(e.src_ip.as_deref(), 15),
        cell(Some(&e.id), 28),
    );
    let room = width.saturating_sub(head.chars().count()).max(20);
    let msg = terminal(&e.message).replace(['\t', '\n'], " ");
    let msg: String = if msg.chars().count() > room {
        msg.chars()
            .take(room - 1)
            .chain(std::iter::once('…'))
            .collect()
    } else {
        msg
    };
    format!("{head}{msg}")
}

/// The terminal's width: `$COLUMNS`, else 160.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(160)
}

/// Prints the hits of `query` in `format`.
pub fn print_hits(
    out: &mut dyn Write,
    hits: &[Event],
    total: u64,
    format: OutputFormat,
    zone: Tz,
) -> Result<()> {
    if format == OutputFormat::Json {
        let doc = serde_json::json!({ "hits": total, "shown": hits.len(), "events": hits });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    let width = terminal_width();
    for e in hits {
        match format {
            OutputFormat::Table => writeln!(out, "{}", table_row(e, zone, width))?,
            OutputFormat::Json | OutputFormat::Jsonl => {
                serde_json::to_writer(&mut *out, e)?;
                writeln!(out)?;
            }
            OutputFormat::Raw => writeln!(out, "{}", terminal(&e.raw))?,
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
}
