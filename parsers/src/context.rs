//! What a parser knows about the source it reads, beyond the line itself.
//!
//! Parsers never read the clock or the machine's zone: the source's zone and the reference time
//! for year inference come in here, so New Year, daylight saving and zone abbreviations are
//! testable. The caller sets `reference` to the file's mtime for a backfill and to the current time
//! when tailing live logs.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use regex::Regex;

/// How a source's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8; invalid bytes are replaced and the event flagged `invalid_utf8`.
    #[default]
    Utf8,
    /// GB18030 (a superset of GBK and GB2312), as older Chinese systems write. Valid UTF-8 lines
    /// are still read as UTF-8.
    Gb18030,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" => Some(Encoding::Gb18030),
            _ => None,
        }
    }
}

/// The default pattern of a ticket number quoted in a log line: letters, the year, a number,
/// such as `CHG-2026-0012` or `DE-2026-031`.
pub const DEFAULT_TICKET_PATTERN: &str = r"(?-u:\b)[A-Z]{2,6}-(?:19|20)\d{2}-\d{2,6}(?-u:\b)";

/// The context a source's lines are parsed in.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// The source's configured name.
    pub source: String,
    /// The host the source's files come from; used where a line names no host.
    pub host: String,
    /// The zone the source writes local times in.
    pub zone: Tz,
    /// The reference time for year inference: a time without a year is put in the year that
    /// makes it at most [`crate::time::YEAR_SLACK_HOURS`] hours after this instant.
    pub reference: DateTime<Utc>,
    pub encoding: Encoding,
    /// What a ticket number looks like in this source's lines.
    pub ticket: Regex,
}

impl ParseContext {
    /// A context for `source` on `host`, in `zone`, with `reference` as "now".
    pub fn new(source: &str, host: &str, zone: Tz, reference: DateTime<Utc>) -> ParseContext {
        ParseContext {
            source: source.to_string(),
            host: host.to_string(),
            zone,
            reference,
            encoding: Encoding::Utf8,
            ticket: default_ticket_regex(),
        }
    }

    /// The first ticket number quoted in `text`, if any.
    pub fn find_ticket(&self, text: &str) -> Option<String> {
        // With the default pattern a text without "-19" or "-20" holds no ticket: most log lines
        // are passed over without running the regular expression.
        if self.ticket.as_str() == DEFAULT_TICKET_PATTERN {
            let b = text.as_bytes();
            let maybe = memchr::memchr_iter(b'-', b).any(|i| {
                matches!(
                    (b.get(i + 1), b.get(i + 2)),
                    (Some(b'1'), Some(b'9')) | (Some(b'2'), Some(b'0'))
                )
            });
            if !maybe {
                return None;
            }
        }
        self.ticket.find(text).map(|m| m.as_str().to_string())
    }
}

/// The compiled [`DEFAULT_TICKET_PATTERN`].
pub fn default_ticket_regex() -> Regex {
    // The pattern is a constant checked by the tests below, so this cannot fail at run time;
    // should it ever, matching nothing is the safe fallback.
    Regex::new(DEFAULT_TICKET_PATTERN).unwrap_or_else(|_| never_matching_regex())
}

fn never_matching_regex() -> Regex {
    #[allow(clippy::unwrap_used)]
    Regex::new(r"[^\s\S]").unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ticket_pattern_compiles_and_finds_tickets() {
        assert!(Regex::new(DEFAULT_TICKET_PATTERN).is_ok());
        let ctx = ParseContext::new("s", "h", chrono_tz::UTC, DateTime::<Utc>::MIN_UTC);
        assert_eq!(
            ctx.find_ticket("UPDATE per CHG-2026-0012 ok"),
            Some("CHG-2026-0012".into())
        );
        assert_eq!(
            ctx.find_ticket("工单DE-2026-031已批准"),
            Some("DE-2026-031".into())
        );
        assert_eq!(ctx.find_ticket("host arch-db01 10.1.2.3"), None);
    }
}
