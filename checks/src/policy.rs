//! The site's policy: who the administrators and service accounts are, which tables hold business
//! data and of which grade, who may approve which grade, the working calendar, the release window
//! and the limits of the rules. Plain runtime values: the binary reads them from `[policy]` in
//! `vigil.toml` with the parsers below (each returns a message to show beside the key), and
//! [`Policy::default`] holds the regulation's defaults.
//!
//! Every time is judged in [`Policy::zone`], as the event's time there: never the machine's clock
//! or zone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::pattern::Pattern;
use crate::registers::TicketKind;

/// A span of the day in minutes since midnight, `from` inclusive, `to` exclusive; `to` may be
/// 1440 (24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub from: u32,
    pub to: u32,
}

impl DaySpan {
    /// Parses `08:30-17:30` (24:00 allowed as the end).
    pub fn parse(s: &str) -> Result<DaySpan, String> {
        let bad = || format!("{s:?} is not a span of the day; write it as 08:30-17:30");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let from = minutes(a.trim()).ok_or_else(bad)?;
        let to = minutes(b.trim()).ok_or_else(bad)?;
        if from >= to {
            return Err(format!(
                "{s:?} ends before it starts; write the earlier time first"
            ));
        }
        Ok(DaySpan { from, to })
    }

    fn contains(&self, minute: u32) -> bool {
        self.from <= minute && minute < self.to
    }
}

impl std::fmt::Display for DaySpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.from / 60,
            self.from % 60,
            self.to / 60,
            self.to % 60
        )
    }
}

/// `HH:MM` as minutes since midnight; `24:00` is 1440.
fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// A weekday from `mon`, `monday`, `Mon`, ...
pub fn parse_weekday(s: &str) -> Result<Weekday, String> {
    s.trim().parse::<Weekday>().map_err(|_| {
        format!("{s:?} is not a day of the week; write mon, tue, wed, thu, fri, sat or sun")
    })
}

/// The weekly release window: a day and a span of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseWindow {
    pub day: Weekday,
    pub span: DaySpan,
}

impl ReleaseWindow {
    /// Parses `fri 18:00-24:00`.
    pub fn parse(s: &str) -> Result<ReleaseWindow, String> {
        let (day, span) = s
            .trim()
            .split_once(' ')
            .ok_or_else(|| format!("{s:?} is not a release window; write it as fri 18:00-24:00"))?;
        Ok(ReleaseWindow {
            day: parse_weekday(day)?,
            span: DaySpan::parse(span.trim())?,
        })
    }
}

impl ReleaseWindow {
    /// The window in Chinese: `星期五 18:00-24:00`.
    pub fn zh(&self) -> String {
        format!("{} {}", weekday_zh(self.day), self.span)
    }
}

/// A day of the week in Chinese.
pub fn weekday_zh(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

impl std::fmt::Display for ReleaseWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.day, self.span)
    }
}

/// Parses a duration such as `90d`, `24h`, `5m`, `30s`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<TimeDelta, String> {
    let bad = || format!("{s:?} is not a duration; write it as 90d, 24h, 5m or 30s");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = TimeDelta::zero();
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let part = match c {
            'd' => TimeDelta::try_days(n),
            'h' => TimeDelta::try_hours(n),
            'm' => TimeDelta::try_minutes(n),
            's' => TimeDelta::try_seconds(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        total = total.checked_add(&part).ok_or_else(bad)?;
    }
    if !digits.is_empty() || total <= TimeDelta::zero() {
        return Err(bad());
    }
    Ok(total)
}

/// A duration as people write it: `90d`, `5m`, `1h30m`.
pub fn format_duration(d: TimeDelta) -> String {
    duration_in(d, ["d", "h", "m", "s"])
}

/// [`format_duration`] in Chinese: `1天2小时`, `1分15秒`.
pub fn format_duration_zh(d: TimeDelta) -> String {
    duration_in(d, ["天", "小时", "分", "秒"])
}

/// `d` in whole days, hours, minutes and seconds, each followed by its unit of `units`.
fn duration_in(d: TimeDelta, units: [&str; 4]) -> String {
    let mut s = d.num_seconds().max(0);
    if s == 0 {
        return format!("0{}", units[3]);
    }
    let mut out = String::new();
    for (unit, len) in units.into_iter().zip([86_400, 3_600, 60, 1]) {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    out
}

/// An approver's role of the register in Chinese, in the regulation's words; another as written.
pub fn role_zh(role: &str) -> &str {
    match role {
        "chairman" => "董事长",
        "general_manager" => "总经理",
        "archives_leader" => "分管档案室的公司领导",
        "archives_head" => "档案室负责人",
        "dept_head" => "部门负责人",
        r => r,
    }
}

/// Approver roles of the register.
pub const APPROVER_ROLES: [&str; 5] = [
    "chairman",
    "general_manager",
    "archives_leader",
    "archives_head",
    "dept_head",
];

/// A stretch of the week in which a source is not expected to write: its silence there does not
/// count against its quiet limit. `days` (empty: every day) or the calendar's non-working days,
/// and spans of those days (empty: the whole day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excused {
    pub days: Vec<Weekday>,
    /// The policy's non-working days (weekends and holidays, less moved working days).
    pub off_days: bool,
    pub spans: Vec<DaySpan>,
}

impl Excused {
    /// Parses `sun`, `sat,sun`, `off_days`, `22:00-07:00` (across midnight: two spans),
    /// `mon,tue 12:00-13:00`, `off_days 00:00-24:00`.
    pub fn parse(s: &str) -> Result<Excused, String> {
        let mut e = Excused {
            days: Vec::new(),
            off_days: false,
            spans: Vec::new(),
        };
        let t = s.trim();
        if t.is_empty() {
            return Err("is empty; write days (sat,sun or off_days), hours (22:00-07:00) or both (sat 00:00-12:00)".into());
        }
        for word in t.split_whitespace() {
            if word.contains(':') {
                let bad = || format!("{word:?} is not a span of the day; write it as 22:00-07:00");
                let (a, b) = word.split_once('-').ok_or_else(bad)?;
                let from = minutes(a).ok_or_else(bad)?;
                let to = minutes(b).ok_or_else(bad)?;
                if from < to {
                    e.spans.push(DaySpan { from, to });
                } else if from > to {
                    e.spans.push(DaySpan { from, to: 24 * 60 });
                    if to > 0 {
                        e.spans.push(DaySpan { from: 0, to });
                    }
                } else {
                    return Err(format!("{word:?} is empty: it starts where it ends"));
                }
            } else {
                for d in word.split(',').filter(|d| !d.is_empty()) {
                    if d == "off_days" {
                        e.off_days = true;
                    } else {
                        let day = parse_weekday(d).map_err(|m| {
                            format!("{m}, or off_days for the calendar's non-working days")
                        })?;
                        if !e.days.contains(&day) {
                            e.days.push(day);
                        }
                    }
                }
            }
        }
        Ok(e)
    }

    fn holds_day(&self, policy: &Policy, date: NaiveDate) -> bool {
        (self.days.is_empty() && !self.off_days)
            || self.days.contains(&date.weekday())
            || (self.off_days && !policy.is_working_day(date))
    }
}

impl std::fmt::Display for Excused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut words: Vec<String> = self
            .days
            .iter()
            .map(|d| d.to_string().to_lowercase())
            .collect();
        if self.off_days {
            words.push("off_days".into());
        }
        let days = words.join(",");
        let spans: Vec<String> = self.spans.iter().map(ToString::to_string).collect();
        match (days.is_empty(), spans.is_empty()) {
            (false, false) => write!(f, "{days} {}", spans.join(" ")),
            (false, true) => write!(f, "{days}"),
            _ => write!(f, "{}", spans.join(" ")),
        }
    }
}

/// How long a source may stay silent, counted over the time it is expected to write: the
/// stretches in `except` do not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietLimit {
    pub limit: TimeDelta,
    pub except: Vec<Excused>,
}

impl From<TimeDelta> for QuietLimit {
    fn from(limit: TimeDelta) -> QuietLimit {
        QuietLimit {
            limit,
            except: Vec::new(),
        }
    }
}

/// What a rule takes as the deactivation of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgedBy {
    /// The accounts register's status and its `changed_on` day.
    Register,
    /// Deactivation events in the logs: account.lock or account.delete with the account as target.
    Events,
    /// Either.
    Both,
}

impl JudgedBy {
    pub fn parse(s: &str) -> Result<JudgedBy, String> {
        match s.trim() {
            "register" => Ok(JudgedBy::Register),
            "events" => Ok(JudgedBy::Events),
            "both" => Ok(JudgedBy::Both),
            _ => Err(format!("{s:?}: use register, events or both")),
        }
    }

    pub fn register(self) -> bool {
        self != JudgedBy::Events
    }

    pub fn events(self) -> bool {
        self != JudgedBy::Register
    }
}

/// The commands `audit.tampering` flags by default (regexes over the command line, as sudo and
/// auditd record it): emptying or removing a log under /var/log, deleting the audit rules or
/// turning auditing off, vacuuming the journal, stopping or disabling the logging daemons.
pub const DEFAULT_TAMPER_PATTERNS: [&str; 6] = [
    r"(^|[\s;|&/])(truncate|shred|rm|unlink)\s[^;|&]*/var/log/",
    r"(^|[\s;|&])(:|echo|cat\s+/dev/null)?\s*>\s*/var/log/",
    r"(^|[\s;|&/])cp\s+/dev/null\s+/var/log/",
    r"(^|[\s;|&/])auditctl\s+(.*\s)?(-D|-e\s*0)(\s|$)",
    r"(^|[\s;|&/])journalctl\s+(.*\s)?--vacuum-",
    r"(^|[\s;|&/])(systemctl\s+(.*\s)?(stop|disable|mask|kill)|service)\s+(.*\s)?(rsyslog|auditd|systemd-journald|syslog-ng)(\.service)?(\s|$)",
];

/// The policy the checks judge by.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The zone every time is judged in.
    pub zone: Tz,
    /// Working days of the week, Monday first.
    pub working_days: [bool; 7],
    /// Main business hours on a working day.
    pub working_hours: DaySpan,
    /// Dates that are not working days though their weekday is (public holidays).
    pub holidays: BTreeSet<NaiveDate>,
    /// Dates that are working days though their weekday is not (China's moved weekend days).
    pub extra_working_days: BTreeSet<NaiveDate>,
    pub release_window: ReleaseWindow,
    /// An outsourced account unused for longer is dormant.
    pub dormant_after: TimeDelta,
    /// Working days an outsourced account may stay enabled after its owner leaves.
    pub outsourced_notice_days: u32,
    /// Failed logins that make a burst...
    pub bruteforce_failures: usize,
    /// ...within this time.
    pub bruteforce_within: TimeDelta,
    /// A change needs a successful backup of its host this long before and after it.
    pub change_backup_within: TimeDelta,
    /// Server and database accounts that administer (their logins are administrator actions).
    pub admin_accounts: BTreeSet<String>,
    /// Application roles that administer (`admin`).
    pub admin_roles: BTreeSet<String>,
    /// Groups that grant administration (`sudo`, `wheel`): joining one is a special permission.
    pub admin_groups: BTreeSet<String>,
    /// Database superusers: their DDL and grants are administrator actions.
    pub db_superusers: BTreeSet<String>,
    /// The application's own accounts, which write business data by design.
    pub service_accounts: BTreeSet<String>,
    /// Accounts whose dumps are backups, not exports.
    pub backup_accounts: BTreeSet<String>,
    /// Business tables and their data grade (1 most important), most specific pattern first.
    pub tables: Vec<(Pattern, u8)>,
    /// Which grades each approver role may approve.
    pub approvers: BTreeMap<String, BTreeSet<u8>>,
    /// Sources that must not be quiet for longer than this (of the time they are expected to
    /// write).
    pub quiet: BTreeMap<String, QuietLimit>,
    /// The actions `change.business_hours` judges (db.ddl only on business tables).
    pub change_actions: BTreeSet<String>,
    /// Commands `audit.tampering` flags: each regex as written, and compiled.
    pub tamper_patterns: Vec<(String, regex::Regex)>,
    /// The ticket kinds that exempt an administrator action from `admin.offhours` (`None`: a
    /// ticket of any kind whose operator and window fit).
    pub offhours_exempt_tickets: Option<Vec<TicketKind>>,
    /// Whether `admin.offhours` counts the logins of administrator accounts (root's always count).
    pub offhours_counts_logins: bool,
    /// What `login.disabled_account` takes as an account's deactivation.
    pub disabled_judged_by: JudgedBy,
    /// What `account.departed_active` takes as a departed account's deactivation.
    pub departed_judged_by: JudgedBy,
    /// Whether `login.bruteforce` counts failures against names that are not accounts
    /// (login.invalid_user) as attempts against an account, as well as from an address.
    pub bruteforce_invalid_users: bool,
    /// Numeric login uids (auditd's `auid` in its raw format) and the account each belongs to,
    /// so that auditd's records name the same person as sshd's and the registers.
    pub uid_names: BTreeMap<String, String>,
}

impl Default for Policy {
    /// The regulation's defaults: Monday to Friday 09:00-18:00, releases Friday 18:00-24:00,
    /// dormant after 90 days, outsourced accounts disabled within 10 working days, 5 failed
    /// logins in 5 minutes, a backup within 24 h on each side of a change, and the approval
    /// grades of the backend data edit chapter. No accounts, tables or quiet limits.
    fn default() -> Policy {
        let grades = |g: &[u8]| g.iter().copied().collect::<BTreeSet<u8>>();
        Policy {
            zone: chrono_tz::Asia::Shanghai,
            working_days: [true, true, true, true, true, false, false],
            working_hours: DaySpan {
                from: 9 * 60,
                to: 18 * 60,
            },
            holidays: BTreeSet::new(),
            extra_working_days: BTreeSet::new(),
            release_window: ReleaseWindow {
                day: Weekday::Fri,
                span: DaySpan {
                    from: 18 * 60,
                    to: 24 * 60,
                },
            },
            dormant_after: TimeDelta::days(90),
            outsourced_notice_days: 10,
            bruteforce_failures: 5,
            bruteforce_within: TimeDelta::minutes(5),
            change_backup_within: TimeDelta::hours(24),
            admin_accounts: BTreeSet::new(),
            admin_roles: ["admin".to_string()].into_iter().collect(),
            admin_groups: [
                "sudo",
                "wheel",
                "adm",
                "Administrators",
                "Domain Admins",
                "Enterprise Admins",
                "Schema Admins",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            db_superusers: BTreeSet::new(),
            service_accounts: BTreeSet::new(),
            backup_accounts: BTreeSet::new(),
            tables: Vec::new(),
            approvers: [
                ("chairman", grades(&[1, 2, 3])),
                ("general_manager", grades(&[1, 2, 3])),
                ("archives_leader", grades(&[2, 3])),
                ("archives_head", grades(&[3])),
            ]
            .into_iter()
            .map(|(r, g)| (r.to_string(), g))
            .collect(),
            quiet: BTreeMap::new(),
            uid_names: BTreeMap::new(),
            change_actions: ["config.change", "release.deploy", "db.ddl"]
                .into_iter()
                .map(String::from)
                .collect(),
            tamper_patterns: DEFAULT_TAMPER_PATTERNS
                .iter()
                .filter_map(|p| Some((p.to_string(), regex::Regex::new(p).ok()?)))
                .collect(),
            offhours_exempt_tickets: None,
            offhours_counts_logins: false,
            disabled_judged_by: JudgedBy::Register,
            departed_judged_by: JudgedBy::Both,
            bruteforce_invalid_users: true,
        }
    }
}

impl Policy {
    /// `t` in the policy's zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.zone)
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.extra_working_days.contains(&date) {
            return true;
        }
        self.working_days[date.weekday().num_days_from_monday() as usize]
            && !self.holidays.contains(&date)
    }

    /// Whether `t` falls in main business hours on a working day.
    pub fn in_working_hours(&self, t: DateTime<Utc>) -> bool {
        let l = self.local(t);
        self.is_working_day(l.date_naive())
            && self.working_hours.contains(l.hour() * 60 + l.minute())
    }

    /// Whether `t` falls in the weekly release window.
    pub fn in_release_window(&self, t: DateTime<Utc>) -> bool {
        let l = self.local(t);
        l.weekday() == self.release_window.day
            && self
                .release_window
                .span
                .contains(l.hour() * 60 + l.minute())
    }

    /// The grade of `table`, when it is a business table: the first pattern that matches.
    pub fn grade_of(&self, table: &str) -> Option<u8> {
        self.tables
            .iter()
            .find(|(p, _)| p.matches(table))
            .map(|(_, g)| *g)
    }

    /// Whether `role` may approve an edit of grade `grade`.
    pub fn may_approve(&self, role: &str, grade: u8) -> bool {
        self.approvers.get(role).is_some_and(|g| g.contains(&grade))
    }

    /// The roles that may approve grade `grade`, for a summary.
    pub fn approvers_of(&self, grade: u8) -> Vec<&str> {
        self.approvers
            .iter()
            .filter(|(_, g)| g.contains(&grade))
            .map(|(r, _)| r.as_str())
            .collect()
    }

    /// The first instant of `date` in the policy's zone (the earliest, across a DST change).
    pub fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_time(NaiveTime::MIN);
        match self.zone.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                t.with_timezone(&Utc)
            }
            // Midnight skipped by a DST change: the day starts an hour later.
            chrono::LocalResult::None => {
                let later = midnight + TimeDelta::hours(1);
                self.zone
                    .from_local_datetime(&later)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
            }
        }
    }

    /// The end of `date` (the start of the next day) in the policy's zone.
    pub fn end_of(&self, date: NaiveDate) -> DateTime<Utc> {
        match date.checked_add_days(Days::new(1)) {
            Some(next) => self.start_of(next),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// The `n`th working day after `date` (`n` = 0: `date` itself).
    pub fn working_days_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        // A year without a working day would be a policy mistake; stop looking after one.
        for _ in 0..366 * 2 {
            if left == 0 {
                break;
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// How much of `[a, b)` counts against `q`'s limit: the time outside its excused stretches,
    /// judged day by day in the policy's zone.
    pub fn active_between(&self, q: &QuietLimit, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        if b <= a {
            return TimeDelta::zero();
        }
        if q.except.is_empty() {
            return b - a;
        }
        let mut total = TimeDelta::zero();
        let mut day = self.local(a).date_naive();
        let last = self.local(b).date_naive();
        loop {
            let (start, end) = (self.start_of(day), self.end_of(day));
            let (lo, hi) = (start.max(a), end.min(b));
            if lo < hi {
                // The excused pieces of this day inside [lo, hi), merged.
                let mut pieces: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
                for e in q.except.iter().filter(|e| e.holds_day(self, day)) {
                    if e.spans.is_empty() {
                        pieces.push((lo, hi));
                    }
                    for s in &e.spans {
                        let from = start + TimeDelta::minutes(i64::from(s.from));
                        let to = (start + TimeDelta::minutes(i64::from(s.to))).min(end);
                        let (f, t) = (from.max(lo), to.min(hi));
                        if f < t {
                            pieces.push((f, t));
                        }
                    }
                }
                pieces.sort();
                let mut excused = TimeDelta::zero();
                let mut reach = lo;
                for (f, t) in pieces {
                    let f = f.max(reach);
                    if t > f {
                        excused += t - f;
                        reach = t;
                    }
                }
                total += (hi - lo) - excused;
            }
            if day >= last {
                break;
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }

    /// Checks that the values hold together; the message names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for role in self.approvers.keys() {
            if !APPROVER_ROLES.contains(&role.as_str()) {
                return Err((
                    format!("approvers.{role}"),
                    format!(
                        "{role:?} is not an approver role; use one of {}",
                        APPROVER_ROLES.join(", ")
                    ),
                ));
            }
        }
        for grade in self.tables.iter().map(|(_, g)| *g).collect::<BTreeSet<_>>() {
            if self.approvers_of(grade).is_empty() {
                return Err((
                    "approvers".into(),
                    format!("no approver role may approve grade {grade}, which tables use"),
                ));
            }
        }
        if !self.working_days.contains(&true) {
            return Err((
                "working_days".into(),
                "no working day: list at least one".into(),
            ));
        }
        if self.bruteforce_failures < 2 {
            return Err(("bruteforce_failures".into(), "must be at least 2".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn values_parse_and_mistakes_say_how_to_write_them() {
        assert_eq!(
            DaySpan::parse("08:30-17:30"),
            Ok(DaySpan {
                from: 510,
                to: 1050
            })
        );
        assert_eq!(
            DaySpan::parse("18:00-24:00"),
            Ok(DaySpan {
                from: 1080,
                to: 1440
            })
        );
        assert!(DaySpan::parse("17:30-08:30").is_err_and(|e| e.contains("ends before")));
        assert!(DaySpan::parse("8-17").is_err_and(|e| e.contains("08:30-17:30")));
        assert!(DaySpan::parse("08:30-24:01").is_err());
        assert_eq!(parse_duration("90d"), Ok(TimeDelta::days(90)));
        assert_eq!(parse_duration("1h30m"), Ok(TimeDelta::minutes(90)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("0m").is_err());
        assert!(parse_duration("5 minutes").is_err());
        assert_eq!(format_duration(TimeDelta::minutes(90)), "1h30m");
        assert_eq!(
            ReleaseWindow::parse("fri 18:00-24:00").map(|w| w.to_string()),
            Ok("Fri 18:00-24:00".to_string())
        );
        assert!(ReleaseWindow::parse("friday").is_err());
        assert!(parse_weekday("fry").is_err());
    }

    #[test]
    fn working_hours_and_the_release_window_are_judged_in_the_policy_zone() {
        let p = Policy::default();
        // 2026-11-11 is a Wednesday. 01:00 UTC is 09:00 in Shanghai: the first working minute.
        assert!(p.in_working_hours(at("2026-11-11T01:00:00Z")));
        assert!(!p.in_working_hours(at("2026-11-11T00:59:59Z")));
        // 10:00 UTC is 18:00 in Shanghai: the end is exclusive.
        assert!(p.in_working_hours(at("2026-11-11T09:59:59Z")));
        assert!(!p.in_working_hours(at("2026-11-11T10:00:00Z")));
        // Saturday.
        assert!(!p.in_working_hours(at("2026-11-14T03:00:00Z")));
        // Friday 2026-11-13 18:00 Shanghai = 10:00 UTC; 23:59 in; Saturday 00:00 out.
        assert!(p.in_release_window(at("2026-11-13T10:00:00Z")));
        assert!(!p.in_release_window(at("2026-11-13T09:59:59Z")));
        assert!(p.in_release_window(at("2026-11-13T15:59:59Z")));
        assert!(!p.in_release_window(at("2026-11-13T16:00:00Z")));
    }

    #[test]
    fn holidays_and_moved_working_days_change_the_calendar() {
        let mut p = Policy::default();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        p.holidays.insert(d("2026-10-01"));
        p.extra_working_days.insert(d("2026-10-10"));
        assert!(!p.is_working_day(d("2026-10-01")));
        assert!(p.is_working_day(d("2026-10-10")));
        // 10 working days after Monday 2026-11-02: Monday 2026-11-16.
        assert_eq!(p.working_days_after(d("2026-11-02"), 10), d("2026-11-16"));
        assert_eq!(p.working_days_after(d("2026-11-02"), 0), d("2026-11-02"));
        // The day ends at 16:00 UTC in Shanghai.
        assert_eq!(p.end_of(d("2026-11-25")), at("2026-11-25T16:00:00Z"));
    }

    #[test]
    fn grades_take_the_first_matching_pattern() {
        let mut p = Policy {
            tables: vec![
                (Pattern::new("archive.flow_comment"), 3),
                (Pattern::new("archive.flow_*"), 2),
            ],
            ..Policy::default()
        };
        assert_eq!(p.grade_of("archive.flow_comment"), Some(3));
        assert_eq!(p.grade_of("archive.flow_instance"), Some(2));
        assert_eq!(p.grade_of("archive.user"), None);
        assert!(p.may_approve("general_manager", 1));
        assert!(!p.may_approve("archives_head", 1));
        assert_eq!(
            p.approvers_of(2),
            vec!["archives_leader", "chairman", "general_manager"]
        );
        assert_eq!(p.validate(), Ok(()));
        p.approvers.insert("boss".into(), BTreeSet::new());
        assert!(p.validate().is_err_and(|(k, _)| k == "approvers.boss"));
    }
}
