//! What a parser knows about the source it reads, beyond the line itself.
//!
//! Parsers never read the clock or the machine's zone: the source's zone and the reference time
//! for year inference come in here, so New Year, daylight saving and zone abbreviations are
//! testable. The caller sets `reference` to the file's mtime for a backfill and to the current time
//! when tailing live logs.

use std::cell::{Cell, RefCell};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use regex::Regex;

use crate::error::ErrorKind;
use crate::event::SharedStr;
use crate::time;

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
    /// The source's configured name (shared by every event of the source).
    pub source: SharedStr,
    /// The host the source's files come from; used where a line names no host.
    pub host: SharedStr,
    /// The zone the source writes local times in.
    pub zone: Tz,
    /// The reference time for year inference: a time without a year is put in the year that
    /// makes it at most [`crate::time::YEAR_SLACK_HOURS`] hours after this instant.
    pub reference: DateTime<Utc>,
    /// Where `reference` came from, written as `fields.time_source` of an event that takes its
    /// time from it: `mtime` (the file's modification time), `file_name` (a date in the file's
    /// name), `config` (the source's `reference_time`), `clock` (read while tailing), or
    /// `reference` when the caller did not say.
    pub reference_from: &'static str,
    pub encoding: Encoding,
    /// What a ticket number looks like in this source's lines.
    pub ticket: Regex,
    /// The last local hour read and its UTC start: most lines of a log fall in the hour of the
    /// line before, so most times skip the zone's transition tables and the year inference.
    hour_cache: Cell<Option<(HourKey, DateTime<Utc>)>>,
    /// The path last given to [`ParseContext::shared_path`].
    path_cache: RefCell<Option<SharedStr>>,
    /// Host names lines named lately, for [`ParseContext::shared_host`].
    host_cache: RefCell<Vec<SharedStr>>,
}

/// How many host names [`ParseContext::shared_host`] remembers.
const HOSTS_REMEMBERED: usize = 8;

/// A local hour, in a zone, read with a year or (with the reference) without one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct HourKey {
    zone: Tz,
    /// `Some(reference)` when the year was inferred.
    reference: Option<DateTime<Utc>>,
    /// The year as written; 0 when inferred.
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
}

impl ParseContext {
    /// A context for `source` on `host`, in `zone`, with `reference` as "now".
    pub fn new(source: &str, host: &str, zone: Tz, reference: DateTime<Utc>) -> ParseContext {
        ParseContext {
            source: SharedStr::from(source),
            host: SharedStr::from(host),
            zone,
            reference,
            reference_from: "reference",
            encoding: Encoding::Utf8,
            ticket: default_ticket_regex(),
            hour_cache: Cell::new(None),
            path_cache: RefCell::new(None),
            host_cache: RefCell::new(Vec::new()),
        }
    }

    /// `path` as a shared string: the one given last time when it is the same, so that the
    /// events of a file share one copy of its path.
    pub fn shared_path(&self, path: &str) -> SharedStr {
        let mut cache = self.path_cache.borrow_mut();
        match &*cache {
            Some(p) if **p == *path => p.clone(),
            _ => {
                let p: SharedStr = SharedStr::from(path);
                *cache = Some(p.clone());
                p
            }
        }
    }

    /// A host name a line gives, as a shared string: the context's host when the same, else one
    /// of the last few names seen, so that the events of a host share one copy of its name.
    pub fn shared_host(&self, host: &str) -> SharedStr {
        if *self.host == *host {
            return self.host.clone();
        }
        let mut cache = self.host_cache.borrow_mut();
        if let Some(h) = cache.iter().find(|h| ***h == *host) {
            return h.clone();
        }
        let h: SharedStr = SharedStr::from(host);
        if cache.len() >= HOSTS_REMEMBERED {
            cache.remove(0);
        }
        cache.push(h.clone());
        h
    }

    /// A local time of the source's zone as UTC: [`time::local_to_utc`], with the hour cached.
    pub fn local_to_utc(&self, naive: NaiveDateTime) -> Result<DateTime<Utc>, ErrorKind> {
        let key = HourKey {
            zone: self.zone,
            reference: None,
            year: naive.year(),
            month: naive.month(),
            day: naive.day(),
            hour: naive.hour(),
        };
        if let Some(t) = self.cached(key, naive.time()) {
            return Ok(t);
        }
        let t = time::local_to_utc(naive, self.zone)?;
        self.remember(key, naive, t, None);
        Ok(t)
    }

    /// A month, day and time without a year, in the source's zone, as UTC:
    /// [`time::infer_year`] against the reference time, with the hour cached.
    pub fn infer_year(&self, month: u32, day: u32, t: NaiveTime) -> Option<DateTime<Utc>> {
        let key = HourKey {
            zone: self.zone,
            reference: Some(self.reference),
            year: 0,
            month,
            day,
            hour: t.hour(),
        };
        if let Some(hit) = self.cached(key, t) {
            return Some(hit);
        }
        let utc = time::infer_year(month, day, t, self.zone, self.reference)?;
        let naive = utc.with_timezone(&self.zone).naive_local();
        let limit = self.reference + chrono::Duration::hours(time::YEAR_SLACK_HOURS);
        self.remember(key, naive, utc, Some(limit));
        Some(utc)
    }

    fn cached(&self, key: HourKey, t: NaiveTime) -> Option<DateTime<Utc>> {
        let (k, start) = self.hour_cache.get()?;
        if k != key {
            return None;
        }
        let into_hour = t.minute() * 60 + t.second();
        let nanos = t.nanosecond();
        // Within the UTC day of the hour's start (always, but for zones a fraction of an hour off
        // UTC), and not a leap second: the time of day is a sum, without chrono's arithmetic.
        let start_secs = start.time().num_seconds_from_midnight();
        if nanos < 1_000_000_000
            && start.nanosecond() == 0
            && let Some(time) =
                NaiveTime::from_num_seconds_from_midnight_opt(start_secs + into_hour, nanos)
        {
            return Some(start.date_naive().and_time(time).and_utc());
        }
        let secs = i64::from(into_hour);
        Some(
            start
                + chrono::Duration::seconds(secs)
                + chrono::Duration::nanoseconds(i64::from(t.nanosecond())),
        )
    }

    /// Caches the hour of `naive` (read as `utc`) when the whole hour has one offset and, for an
    /// inferred year, lies wholly before `limit`: otherwise every time in it is worked out anew.
    fn remember(
        &self,
        key: HourKey,
        naive: NaiveDateTime,
        utc: DateTime<Utc>,
        limit: Option<DateTime<Utc>>,
    ) {
        let offset = naive.and_utc() - utc;
        let Some(start_naive) = naive.date().and_hms_opt(naive.hour(), 0, 0) else {
            return;
        };
        let Some(end_naive) = NaiveDate::from_ymd_opt(naive.year(), naive.month(), naive.day())
            .and_then(|d| d.and_hms_nano_opt(naive.hour(), 59, 59, 999_999_999))
        else {
            return;
        };
        let (Ok(start), Ok(end)) = (
            time::local_to_utc(start_naive, self.zone),
            time::local_to_utc(end_naive, self.zone),
        ) else {
            return;
        };
        if start_naive.and_utc() - start != offset || end_naive.and_utc() - end != offset {
            return;
        }
        if limit.is_some_and(|l| end > l) {
            return;
        }
        self.hour_cache.set(Some((key, start)));
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

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The cached path gives what the uncached functions give, hour after hour, across New
    /// Year, the inference limit and both daylight-saving changes.
    #[test]
    fn hour_cache_agrees_with_the_time_functions() {
        for (zone, reference) in [
            (chrono_tz::Asia::Shanghai, "2026-12-31T16:30:00Z"),
            (chrono_tz::America::New_York, "2026-11-02T12:00:00Z"),
            (chrono_tz::America::New_York, "2026-03-09T12:00:00Z"),
            (chrono_tz::UTC, "2027-01-01T00:30:00Z"),
        ] {
            let mut ctx = ParseContext::new("s", "h", zone, utc(reference));
            let start = utc(reference) - chrono::Duration::hours(60);
            for step in 0..(100 * 60 / 7) {
                // Local times every 7 minutes from 60 h before to 40 h after the reference.
                let local = (start + chrono::Duration::minutes(7 * step))
                    .with_timezone(&zone)
                    .naive_local();
                let t = local.time();
                assert_eq!(
                    ctx.infer_year(local.month(), local.day(), t),
                    time::infer_year(local.month(), local.day(), t, zone, ctx.reference),
                    "{zone} {local}"
                );
                assert_eq!(
                    ctx.local_to_utc(local),
                    time::local_to_utc(local, zone),
                    "{zone} {local}"
                );
            }
            // A changed zone or reference is a different hour.
            ctx.zone = chrono_tz::Europe::Paris;
            let n = NaiveDate::from_ymd_opt(2026, 11, 3)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap();
            assert_eq!(ctx.local_to_utc(n).unwrap(), utc("2026-11-03T08:00:00Z"));
        }
    }

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
