//! Time: reading local times in the source's zone, inferring missing years, resolving zone
//! abbreviations. Every ambiguity of log time stamps is resolved here, in one documented place.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::{OffsetName, Tz};

use crate::error::ErrorKind;

/// A time stamp without a year is put in the latest year that makes it at most this many hours
/// after the reference time. 26 hours covers every zone's offset from UTC plus a little clock skew,
/// so `Dec 31 23:59:59` read at 00:30 on 1 January is last year's, and a line written a moment
/// "in the future" by a host with a fast clock is still this year's.
pub const YEAR_SLACK_HOURS: i64 = 26;

/// The month number (1..=12) of an English three-letter abbreviation, any case.
pub fn month_from_abbr(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 3 {
        return None;
    }
    let m = match [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ] {
        [b'j', b'a', b'n'] => 1,
        [b'f', b'e', b'b'] => 2,
        [b'm', b'a', b'r'] => 3,
        [b'a', b'p', b'r'] => 4,
        [b'm', b'a', b'y'] => 5,
        [b'j', b'u', b'n'] => 6,
        [b'j', b'u', b'l'] => 7,
        [b'a', b'u', b'g'] => 8,
        [b's', b'e', b'p'] => 9,
        [b'o', b'c', b't'] => 10,
        [b'n', b'o', b'v'] => 11,
        [b'd', b'e', b'c'] => 12,
        _ => return None,
    };
    Some(m)
}

/// A local time in `zone` as UTC.
///
/// - An ambiguous time (the repeated hour when daylight saving ends) is taken as the earlier of
///   the two instants: logs are written in order, and the first pass comes first.
/// - A time that does not exist (the skipped hour when daylight saving starts) is an error: a log
///   that writes one is not in the zone it was configured with.
pub fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, ErrorKind> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Ok(a.min(b).with_timezone(&Utc)),
        LocalResult::None => Err(ErrorKind::NonexistentTime {
            time: naive.to_string(),
            zone: zone.name().to_string(),
        }),
    }
}

/// Puts a month, day and time without a year into the latest year that makes it at most
/// [`YEAR_SLACK_HOURS`] after `reference`, reading it in `zone`. 29 February goes back to the most
/// recent leap year that satisfies the rule. `None` when no year in the eight before the reference
/// fits (an impossible date such as 31 April).
pub fn infer_year(
    month: u32,
    day: u32,
    time: NaiveTime,
    zone: Tz,
    reference: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let limit = reference + chrono::Duration::hours(YEAR_SLACK_HOURS);
    let ref_year = reference.with_timezone(&zone).year();
    for year in (ref_year - 8..=ref_year + 1).rev() {
        let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
            continue;
        };
        let Ok(t) = local_to_utc(date.and_time(time), zone) else {
            continue;
        };
        if t <= limit {
            return Some(t);
        }
    }
    None
}

/// Reads a local time written with a zone abbreviation (`CST`, `UTC`, `CET`...) as UTC.
///
/// An abbreviation names no zone by itself (`CST` is China, US Central and Cuba standard time), so
/// it is resolved through the source's configured zone: it must be the abbreviation that zone uses
/// at that moment. `UTC`, `GMT`, `Z` and numeric forms (`+08`, `+0800`, `-05:00`) are exact and
/// need no zone. Anything else is an error that tells the user to set the source's zone.
pub fn resolve_abbrev(
    naive: NaiveDateTime,
    abbrev: &str,
    zone: Tz,
) -> Result<DateTime<Utc>, ErrorKind> {
    if abbrev.eq_ignore_ascii_case("utc") || abbrev.eq_ignore_ascii_case("gmt") || abbrev == "Z" {
        return Ok(Utc.from_utc_datetime(&naive));
    }
    if let Some(secs) = numeric_offset(abbrev) {
        return Ok(Utc.from_utc_datetime(&(naive - chrono::Duration::seconds(secs as i64))));
    }
    let candidates: Vec<DateTime<Tz>> = match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => vec![t],
        LocalResult::Ambiguous(a, b) => vec![a, b],
        LocalResult::None => Vec::new(),
    };
    for t in candidates {
        if t.offset().abbreviation() == Some(abbrev) {
            return Ok(t.with_timezone(&Utc));
        }
        // Zones whose tz abbreviation is numeric ("+08") are matched by their offset.
        if let Some(secs) = t.offset().abbreviation().and_then(numeric_offset)
            && secs == t.offset().fix().local_minus_utc()
            && abbrev_offset_matches(abbrev, secs)
        {
            return Ok(t.with_timezone(&Utc));
        }
    }
    Err(ErrorKind::ZoneMismatch {
        abbrev: abbrev.to_string(),
        zone: zone.name().to_string(),
    })
}

fn abbrev_offset_matches(abbrev: &str, secs: i32) -> bool {
    numeric_offset(abbrev) == Some(secs)
}

/// Seconds east of UTC for `+08`, `+0800`, `+08:00`, `-0530`; `None` for anything else.
pub fn numeric_offset(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: Vec<u8> = b[1..].iter().copied().filter(|c| *c != b':').collect();
    if !digits.iter().all(u8::is_ascii_digit) || b[1..].iter().filter(|c| **c == b':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (two(&digits[0..2]), 0),
        4 => (two(&digits[0..2]), two(&digits[2..4])),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn two(d: &[u8]) -> i32 {
    ((d[0] - b'0') * 10 + (d[1] - b'0')) as i32
}

/// Parses an RFC 3339 / ISO 8601 time with an offset (`2026-11-03T08:15:02.123+08:00`, `...Z`),
/// or without one, read then in `zone`. Also accepts a space instead of `T`. Returns the instant
/// and whether the zone came from the source.
pub fn parse_iso(s: &str, zone: Tz) -> Result<(DateTime<Utc>, bool), ErrorKind> {
    let bad = || ErrorKind::BadTimestamp(s.to_string());
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok((t.with_timezone(&Utc), false));
    }
    let normalised;
    let s2 = if s.len() > 10 && s.as_bytes()[10] == b' ' {
        normalised = format!("{}T{}", &s[..10], &s[11..]);
        normalised.as_str()
    } else {
        s
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s2) {
        return Ok((t.with_timezone(&Utc), false));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s2, fmt) {
            return Ok((t.with_timezone(&Utc), false));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s2, fmt) {
            return local_to_utc(n, zone).map(|t| (t, true));
        }
    }
    Err(bad())
}

/// Seconds since the Unix epoch written as a decimal (`1594053514.588`), exactly.
pub fn parse_epoch(s: &str) -> Option<DateTime<Utc>> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = whole.parse().ok()?;
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32)
    };
    DateTime::from_timestamp(secs, nanos)
}

/// Seconds (with fraction) since the Unix epoch as UTC, to the microsecond (a float carries no
/// more: borg writes `1543501427.3991857`).
pub fn from_epoch_secs(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() {
        return None;
    }
    let whole = secs.floor();
    let nanos = (((secs - whole) * 1e6).round() as u32).min(999_999) * 1000;
    if whole < i64::MIN as f64 || whole > i64::MAX as f64 {
        return None;
    }
    DateTime::from_timestamp(whole as i64, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    #[test]
    fn new_year_in_shanghai_is_last_years() {
        // 00:30 on 1 January 2027 in Shanghai.
        let reference = utc("2026-12-31T16:30:00Z");
        let t = infer_year(12, 31, hms(23, 59, 59), Shanghai, reference).unwrap();
        assert_eq!(t, utc("2026-12-31T15:59:59Z"));
        let t = infer_year(1, 1, hms(0, 10, 0), Shanghai, reference).unwrap();
        assert_eq!(t, utc("2026-12-31T16:10:00Z"));
    }

    #[test]
    fn new_year_in_utc() {
        let reference = utc("2027-01-01T00:30:00Z");
        assert_eq!(
            infer_year(12, 31, hms(23, 59, 59), chrono_tz::UTC, reference).unwrap(),
            utc("2026-12-31T23:59:59Z")
        );
        // A line from a host whose clock runs an hour fast is still this year's.
        assert_eq!(
            infer_year(1, 1, hms(1, 30, 0), chrono_tz::UTC, reference).unwrap(),
            utc("2027-01-01T01:30:00Z")
        );
        // More than 26 h ahead: last year's.
        assert_eq!(
            infer_year(1, 2, hms(3, 0, 0), chrono_tz::UTC, reference).unwrap(),
            utc("2026-01-02T03:00:00Z")
        );
    }

    #[test]
    fn leap_day_goes_back_to_a_leap_year() {
        let reference = utc("2027-03-10T00:00:00Z");
        assert_eq!(
            infer_year(2, 29, hms(12, 0, 0), chrono_tz::UTC, reference).unwrap(),
            utc("2024-02-29T12:00:00Z")
        );
        let reference = utc("2028-03-01T00:00:00Z");
        assert_eq!(
            infer_year(2, 29, hms(12, 0, 0), chrono_tz::UTC, reference).unwrap(),
            utc("2028-02-29T12:00:00Z")
        );
        assert_eq!(
            infer_year(4, 31, hms(0, 0, 0), chrono_tz::UTC, reference),
            None
        );
    }

    #[test]
    fn cst_is_resolved_through_the_source_zone() {
        let n = NaiveDate::from_ymd_opt(2026, 11, 3)
            .unwrap()
            .and_time(hms(8, 0, 0));
        assert_eq!(
            resolve_abbrev(n, "CST", Shanghai).unwrap(),
            utc("2026-11-03T00:00:00Z")
        );
        assert_eq!(
            resolve_abbrev(n, "CST", chrono_tz::America::Chicago).unwrap(),
            utc("2026-11-03T14:00:00Z")
        );
        assert!(matches!(
            resolve_abbrev(n, "CST", chrono_tz::Europe::Paris),
            Err(ErrorKind::ZoneMismatch { .. })
        ));
        assert_eq!(
            resolve_abbrev(n, "UTC", Shanghai).unwrap(),
            utc("2026-11-03T08:00:00Z")
        );
        assert_eq!(
            resolve_abbrev(n, "+08", chrono_tz::UTC).unwrap(),
            utc("2026-11-03T00:00:00Z")
        );
    }

    #[test]
    fn daylight_saving_edges() {
        let ny = chrono_tz::America::New_York;
        // 2026-11-01 01:30 happens twice in New York: the first (EDT) is taken.
        let n = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_time(hms(1, 30, 0));
        assert_eq!(local_to_utc(n, ny).unwrap(), utc("2026-11-01T05:30:00Z"));
        // 2026-03-08 02:30 does not exist in New York.
        let n = NaiveDate::from_ymd_opt(2026, 3, 8)
            .unwrap()
            .and_time(hms(2, 30, 0));
        assert!(local_to_utc(n, ny).is_err());
        // With an abbreviation the repeated hour is exact.
        let n = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_time(hms(1, 30, 0));
        assert_eq!(
            resolve_abbrev(n, "EST", ny).unwrap(),
            utc("2026-11-01T06:30:00Z")
        );
    }

    #[test]
    fn iso_times() {
        let z = chrono_tz::UTC;
        assert_eq!(
            parse_iso("2026-11-03T08:15:02.123456+08:00", z).unwrap(),
            (utc("2026-11-03T00:15:02.123456Z"), false)
        );
        assert_eq!(
            parse_iso("2016-06-07T19:07:02.558338Z", z).unwrap().0,
            utc("2016-06-07T19:07:02.558338Z")
        );
        assert_eq!(
            parse_iso("2026-11-03 08:15:02", Shanghai).unwrap(),
            (utc("2026-11-03T00:15:02Z"), true)
        );
        assert_eq!(
            parse_iso("2026-11-03T08:15:02+0800", z).unwrap().0,
            utc("2026-11-03T00:15:02Z")
        );
        assert!(parse_iso("yesterday", z).is_err());
    }

    #[test]
    fn offsets_and_epochs() {
        assert_eq!(numeric_offset("+08"), Some(8 * 3600));
        assert_eq!(numeric_offset("-05:30"), Some(-(5 * 3600 + 1800)));
        assert_eq!(numeric_offset("+0800"), Some(8 * 3600));
        assert_eq!(numeric_offset("+8"), None);
        assert_eq!(numeric_offset("CST"), None);
        assert_eq!(
            from_epoch_secs(1594053514.588).unwrap(),
            utc("2020-07-06T16:38:34.588Z")
        );
        assert_eq!(
            parse_epoch("1594053514.588").unwrap(),
            utc("2020-07-06T16:38:34.588Z")
        );
        assert_eq!(
            parse_epoch("1594053514").unwrap(),
            utc("2020-07-06T16:38:34Z")
        );
        assert_eq!(parse_epoch("x.1"), None);
        assert_eq!(parse_epoch("1.1234567890"), None);
        assert_eq!(from_epoch_secs(f64::NAN), None);
        assert_eq!(from_epoch_secs(1e300), None);
    }

    #[test]
    fn month_names() {
        assert_eq!(month_from_abbr("Jan"), Some(1));
        assert_eq!(month_from_abbr("DEC"), Some(12));
        assert_eq!(month_from_abbr("Dez"), None);
    }
}
