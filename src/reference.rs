//! The reference time of a file: the instant its lines without a year, or without any time,
//! are read against. The content says better where it can (a restic run's summary, a time in
//! an error message); this is what is left when it does not, in order:
//!
//! 1. the source's `reference_time` in the config (`config`): a site that copies old logs, or the
//!    bundled samples, gets the same events whatever the files' modification times;
//! 2. a date in the file's name (`file_name`): `auth.log-20260901.gz`, `arch-web01-2026-11-13.json`
//!    name their day; the file's mtime is still taken when it falls near that day (from the day
//!    before to the day after: it is then the more exact of the two), else the start of the day;
//! 3. the file's modification time (`mtime`).
//!
//! The kind is written in the event's `fields.time_source` wherever a time was taken from it.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

/// The reference time for a file named `name` last written at `mtime`, and where it came from.
pub fn for_file(
    name: &str,
    mtime: DateTime<Utc>,
    configured: Option<DateTime<Utc>>,
    zone: Tz,
) -> (DateTime<Utc>, &'static str) {
    if let Some(t) = configured {
        return (t, "config");
    }
    if let Some(day) = date_in_name(name)
        && let Some(start) = day
            .and_hms_opt(0, 0, 0)
            .and_then(|n| vigil_parsers::time::local_to_utc(n, zone).ok())
    {
        let near = start - TimeDelta::days(1)..start + TimeDelta::days(2);
        if near.contains(&mtime) {
            return (mtime, "mtime");
        }
        return (start, "file_name");
    }
    (mtime, "mtime")
}

/// The last date a file name holds: `YYYY-MM-DD`, `YYYY_MM_DD` or `YYYYMMDD`, with a year from
/// 1990 to 2099, not inside a longer run of digits.
pub fn date_in_name(name: &str) -> Option<NaiveDate> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let b = file.as_bytes();
    let mut found = None;
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    for i in 0..b.len() {
        if !digit(i) || (i > 0 && digit(i - 1)) {
            continue;
        }
        let try_at = |sep: Option<u8>| -> Option<NaiveDate> {
            let (m, d, end) = match sep {
                Some(_) => (i + 5, i + 8, i + 10),
                None => (i + 4, i + 6, i + 8),
            };
            if let Some(s) = sep
                && (b.get(i + 4) != Some(&s) || b.get(i + 7) != Some(&s))
            {
                return None;
            }
            let all = (i..i + 4).chain(m..m + 2).chain(d..d + 2).all(digit);
            if !all || digit(end) {
                return None;
            }
            let n = |r: std::ops::Range<usize>| file.get(r)?.parse::<u32>().ok();
            let y = n(i..i + 4)?;
            if !(1990..=2099).contains(&y) {
                return None;
            }
            NaiveDate::from_ymd_opt(y as i32, n(m..m + 2)?, n(d..d + 2)?)
        };
        if let Some(d) = try_at(Some(b'-'))
            .or_else(|| try_at(Some(b'_')))
            .or_else(|| try_at(None))
        {
            found = Some(d);
        }
    }
    found
}

/// A `reference_time` as the config writes it: a date (`2026-12-01`, the start of that day in
/// `zone`) or an RFC 3339 time.
pub fn parse_configured(s: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        format!("{s:?} is not a date or a time; write one such as \"2026-12-01\" or \"2026-12-01T00:00:00+08:00\"")
    })?;
    d.and_hms_opt(0, 0, 0)
        .and_then(|n| vigil_parsers::time::local_to_utc(n, zone).ok())
        .ok_or_else(|| format!("{s:?}: no such local time in {zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_in_file_names() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        for (name, want) in [
            ("auth.log-20260901.gz", d(2026, 9, 1)),
            (
                "/var/log/restic/arch-web01-2026-11-13.json",
                d(2026, 11, 13),
            ),
            ("backup_2026_11_02.log", d(2026, 11, 2)),
            ("auth.log", None),
            ("auth.log.1", None),
            ("dump-1234567890.log", None),
            ("app-20261301.log", None),
            ("x-2026-11-13-then-2026-11-14.log", d(2026, 11, 14)),
            ("/data/2026-11-13/auth.log", None),
        ] {
            assert_eq!(date_in_name(name), want, "{name}");
        }
    }

    #[test]
    fn which_reference_wins() {
        let conf = utc("2026-12-01T00:00:00+08:00");
        let copied = utc("2027-12-05T10:00:00Z");
        let written = utc("2026-11-13T01:16:30+08:00");
        for (name, mtime, configured, want) in [
            ("auth.log", copied, Some(conf), (conf, "config")),
            ("auth.log", copied, None, (copied, "mtime")),
            (
                "arch-web01-2026-11-13.json",
                written,
                None,
                (written, "mtime"),
            ),
            (
                "arch-web01-2026-11-13.json",
                copied,
                None,
                (utc("2026-11-13T00:00:00+08:00"), "file_name"),
            ),
            (
                "auth.log-20260901.gz",
                utc("2026-08-31T23:59:00+08:00"),
                None,
                (utc("2026-08-31T23:59:00+08:00"), "mtime"),
            ),
        ] {
            assert_eq!(for_file(name, mtime, configured, Shanghai), want, "{name}");
        }
    }

    #[test]
    fn configured_reference_times() {
        assert_eq!(
            parse_configured("2026-12-01", Shanghai),
            Ok(utc("2026-11-30T16:00:00Z"))
        );
        assert_eq!(
            parse_configured("2026-12-01T00:00:00Z", Shanghai),
            Ok(utc("2026-12-01T00:00:00Z"))
        );
        assert!(
            parse_configured("December", Shanghai)
                .unwrap_err()
                .contains("\"2026-12-01\"")
        );
    }
}
