//! Calendar arithmetic without a time library: the month being generated, conversions between
//! epoch microseconds and civil dates in the site's zone (Asia/Shanghai, always UTC+8 since 1991),
//! and the working-hours calendar that shapes when people are active.

/// Microseconds in a second, minute, hour and day.
pub const SEC: i64 = 1_000_000;
pub const MIN: i64 = 60 * SEC;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;
/// Asia/Shanghai's offset from UTC (no daylight saving time since 1991).
pub const OFFSET: i64 = 8 * HOUR;

/// Short English month names, as syslog writes them.
pub const MONTH_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Short English weekday names, Sunday first.
pub const WEEKDAY_ABBR: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of the week of a day number, 0 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

/// The month being generated, in the site's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
    /// Number of days in the month.
    pub days: u32,
    /// First instant of the month (local midnight of day 1), epoch microseconds UTC.
    pub start: i64,
    /// First instant after the month, epoch microseconds UTC.
    pub end: i64,
}

impl Month {
    /// The month `year`-`month` (1-based month).
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if !(1..=12).contains(&month) || !(1971..=9998).contains(&year) {
            return None;
        }
        let first = days_from_civil(i64::from(year), month, 1);
        let (ny, nm) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let next = days_from_civil(i64::from(ny), nm, 1);
        Some(Month {
            year,
            month,
            days: (next - first) as u32,
            start: first * DAY - OFFSET,
            end: next * DAY - OFFSET,
        })
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// The instant of local time `day` (1-based) `h:m:s` in this month.
    pub fn at(&self, day: u32, h: u32, m: u32, s: u32) -> i64 {
        self.start
            + i64::from(day.saturating_sub(1)) * DAY
            + i64::from(h) * HOUR
            + i64::from(m) * MIN
            + i64::from(s) * SEC
    }

    /// Day of the week (0 = Sunday) of a 1-based day of this month.
    pub fn weekday_of(&self, day: u32) -> u32 {
        weekday((self.start + OFFSET).div_euclid(DAY) + i64::from(day) - 1)
    }

    /// The day of the `n`th (1-based) `weekday` (0 = Sunday) of this month; `n` up to 4 always
    /// exists.
    pub fn nth(&self, weekday: u32, n: u32) -> u32 {
        let first = (weekday + 7 - self.weekday_of(1)) % 7 + 1;
        first + 7 * n.saturating_sub(1)
    }

    /// Whether a 1-based day of this month is a working day (Monday to Friday).
    pub fn is_workday(&self, day: u32) -> bool {
        (1..=5).contains(&self.weekday_of(day))
    }

    /// `YYYY-MM-DD` of a 1-based day of this month.
    pub fn date(&self, day: u32) -> String {
        let mut s = self.label();
        s.push('-');
        push_num(&mut s, u64::from(day), 2);
        s
    }

    /// `YYYY-MM`.
    pub fn label(&self) -> String {
        let mut s = String::with_capacity(7);
        push_num(&mut s, self.year as u64, 4);
        s.push('-');
        push_num(&mut s, u64::from(self.month), 2);
        s
    }
}

/// Local civil time of an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tm {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    /// Microseconds within the second.
    pub micros: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

/// Civil time of `t` (epoch microseconds UTC) shifted by `offset` microseconds.
pub fn tm_at(t: i64, offset: i64) -> Tm {
    let local = t + offset;
    let days = local.div_euclid(DAY);
    let rem = local.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    Tm {
        year,
        month,
        day,
        hour: (rem / HOUR) as u32,
        min: ((rem % HOUR) / MIN) as u32,
        sec: ((rem % MIN) / SEC) as u32,
        micros: (rem % SEC) as u32,
        weekday: weekday(days),
    }
}

/// Local hour of the day (0..24) and weekday (0 = Sunday) of an instant.
pub fn hour_weekday(t: i64) -> (u32, u32) {
    let local = t + OFFSET;
    (
        (local.rem_euclid(DAY) / HOUR) as u32,
        weekday(local.div_euclid(DAY)),
    )
}

/// Monday to Friday, 08:30 to 17:30 local (the site's working hours): when administrators are
/// expected to work.
pub fn is_work_hours(t: i64) -> bool {
    let local = t + OFFSET;
    let wd = weekday(local.div_euclid(DAY));
    let in_day = local.rem_euclid(DAY);
    (1..=5).contains(&wd) && (8 * HOUR + 30 * MIN..17 * HOUR + 30 * MIN).contains(&in_day)
}

/// Friday 18:00 to 24:00 local: the release window.
pub fn is_release_window(t: i64) -> bool {
    let (h, wd) = hour_weekday(t);
    wd == 5 && h >= 18
}

/// Relative activity of an hour: office hours busy, nights and weekends quiet.
pub fn activity_weight(hour: u32, weekday: u32) -> u64 {
    let weekend = weekday == 0 || weekday == 6;
    if weekend {
        return match hour {
            0..=6 => 1,
            7..=22 => 3,
            _ => 1,
        };
    }
    match hour {
        0..=6 => 1,
        7 => 3,
        8 => 8,
        9..=11 => 20,
        12 => 10,
        13 => 12,
        14..=17 => 20,
        18 => 8,
        19..=20 => 4,
        _ => 2,
    }
}

/// RFC 3339 local time with milliseconds, `2026-11-03T09:15:02.123+08:00`, as a String
/// (for the manifest; the generators write times with [`crate::out::Out`]).
pub fn rfc3339(t: i64) -> String {
    let tm = tm_at(t, OFFSET);
    let mut s = String::with_capacity(29);
    push_num(&mut s, tm.year as u64, 4);
    s.push('-');
    push_num(&mut s, u64::from(tm.month), 2);
    s.push('-');
    push_num(&mut s, u64::from(tm.day), 2);
    s.push('T');
    push_num(&mut s, u64::from(tm.hour), 2);
    s.push(':');
    push_num(&mut s, u64::from(tm.min), 2);
    s.push(':');
    push_num(&mut s, u64::from(tm.sec), 2);
    s.push('.');
    push_num(&mut s, u64::from(tm.micros / 1000), 3);
    s.push_str("+08:00");
    s
}

/// RFC 3339 local time to the second, `2026-11-16T09:00:00+08:00` (the registers' format).
pub fn rfc3339_s(t: i64) -> String {
    let mut s = rfc3339(t);
    s.replace_range(19..23, "");
    s
}

/// `YYYY-MM-DD` of the local day of an instant.
pub fn ymd(t: i64) -> String {
    rfc3339(t)[..10].to_string()
}

fn push_num(s: &mut String, v: u64, width: usize) {
    let digits = v.to_string();
    for _ in digits.len()..width {
        s.push('0');
    }
    s.push_str(&digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-1000, 0, 1, 59, 365, 10_000, 20_395, 20_760] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday(days_from_civil(2026, 11, 3)), 2); // a Tuesday
    }

    #[test]
    fn month_bounds() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.days, 30);
        // 2026-11-01T00:00:00+08:00 = 2026-10-31T16:00:00Z = 1793462400
        assert_eq!(m.start, 1_793_462_400 * SEC);
        assert_eq!(m.end - m.start, 30 * DAY);
        assert_eq!(rfc3339(m.at(3, 9, 15, 2)), "2026-11-03T09:15:02.000+08:00");
        assert_eq!(rfc3339_s(m.at(3, 9, 15, 2)), "2026-11-03T09:15:02+08:00");
        assert_eq!(ymd(m.at(3, 23, 59, 59)), "2026-11-03");
        assert_eq!(Month::parse("2026-02").unwrap().days, 28);
        assert!(Month::parse("2026-13").is_none());
        assert!(Month::parse("26-1").is_none());
        assert_eq!(m.label(), "2026-11");
        assert_eq!(m.weekday_of(1), 0);
        assert_eq!(m.nth(5, 1), 6); // the first Friday
        assert_eq!(m.nth(0, 1), 1);
        assert_eq!(m.nth(2, 4), 24);
        assert_eq!(m.date(7), "2026-11-07");
        assert!(m.is_workday(2) && !m.is_workday(7));
        assert!(!is_work_hours(m.at(2, 8, 29, 59)) && is_work_hours(m.at(2, 8, 30, 0)));
        assert!(is_work_hours(m.at(2, 17, 29, 59)) && !is_work_hours(m.at(2, 17, 30, 0)));
        assert!(is_release_window(m.at(6, 21, 0, 0)) && !is_release_window(m.at(6, 17, 0, 0)));
    }
}
