//! Properties of the generated corpus: determinism, line endings, times inside the month and in
//! order, planted events exactly where the manifest says, sizes close to the target.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use vigil_corpus::clock::{DAY, HOUR, MIN, OFFSET, SEC, days_from_civil};
use vigil_corpus::{Kind, Manifest, Month, Size, Spec, generate, generate_bytes};

fn spec(bytes: u64, seed: u64, malformed: u64) -> Spec {
    Spec {
        seed,
        size: Size::Bytes(bytes),
        malformed,
        ..Spec::default()
    }
}

fn gen_kind(kind: Kind, s: &Spec) -> (Vec<u8>, Manifest) {
    let mut v = Vec::new();
    let m = generate(kind, s, &mut v).unwrap();
    (v, m)
}

fn lines(data: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    assert_eq!(v.pop(), Some(&b""[..]), "file must end with a newline");
    v
}

fn num(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `YYYY?MM?DD?HH:MM:SS` at `s` as local (offset) time, microseconds UTC.
fn civil(s: &[u8], compact: bool, offset: i64) -> Option<i64> {
    let (y, mo, d, rest) = if compact {
        (
            num(s.get(0..4)?)?,
            num(s.get(4..6)?)?,
            num(s.get(6..8)?)?,
            s.get(9..)?,
        )
    } else {
        (
            num(s.get(0..4)?)?,
            num(s.get(5..7)?)?,
            num(s.get(8..10)?)?,
            s.get(11..)?,
        )
    };
    let (h, mi, se) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(days * DAY + h * HOUR + mi * MIN + se * SEC - offset)
}

fn after<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let i = line.windows(key.len()).position(|w| w == key)?;
    line.get(i + key.len()..)
}

/// The time a line states, if it states one, in microseconds UTC (second precision).
fn line_time(kind: Kind, line: &[u8], month: &Month) -> Option<i64> {
    match kind {
        Kind::AuthLog => {
            let mon = std::str::from_utf8(line.get(0..3)?).ok()?;
            let idx = vigil_corpus::clock::MONTH_ABBR
                .iter()
                .position(|m| *m == mon)? as i64
                + 1;
            let day = num(line.get(4..6)?.trim_ascii())?;
            let fake = format!(
                "{:04}-{:02}-{:02} {}",
                month.year,
                idx,
                day,
                std::str::from_utf8(line.get(7..15)?).ok()?
            );
            civil(fake.as_bytes(), false, OFFSET)
        }
        Kind::Rfc5424 => {
            let sp = line.iter().position(|&b| b == b' ')?;
            let ts = line.get(sp + 1..)?;
            if ts.get(26..32)? != b"+08:00" {
                return None;
            }
            civil(ts, false, OFFSET)
        }
        Kind::Auditd => {
            let s = after(line, b"msg=audit(")?;
            let dot = s.iter().position(|&b| b == b'.')?;
            Some(num(&s[..dot])? * SEC)
        }
        Kind::Postgres => {
            if line.get(23..27)? != b" CST" {
                return None;
            }
            civil(line, false, OFFSET)
        }
        Kind::MariadbAudit => civil(line, true, OFFSET),
        Kind::MysqlGeneral => {
            if line.get(26)? != &b'Z' {
                return None;
            }
            civil(line, false, 0)
        }
        Kind::AppJson => civil(after(line, b"\"ts\":\"")?, false, OFFSET),
        Kind::Restic => civil(after(line, b"\"backup_start\":\"")?, false, OFFSET),
        Kind::Borg => {
            let s = after(line, b"\"time\": ")?;
            let dot = s.iter().position(|&b| b == b'.')?;
            Some(num(&s[..dot])? * SEC)
        }
        Kind::BackupJob => civil(line, false, OFFSET),
    }
}

/// Kinds where some well-formed lines carry no time.
fn times_optional(kind: Kind) -> bool {
    matches!(kind, Kind::Restic | Kind::Borg | Kind::MysqlGeneral)
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for kind in Kind::ALL {
        let s = spec(300_000, 42, 2);
        let (a, ma) = gen_kind(kind, &s);
        let (b, mb) = gen_kind(kind, &s);
        assert!(a == b, "{kind:?}: same seed gave different bytes");
        assert_eq!(ma, mb, "{kind:?}: same seed gave a different manifest");
        let (c, _) = gen_kind(kind, &spec(300_000, 43, 2));
        assert!(a != c, "{kind:?}: another seed gave the same bytes");
    }
    assert_eq!(
        generate_bytes(Kind::AuthLog, 50_000, 7),
        generate_bytes(Kind::AuthLog, 50_000, 7)
    );
}

#[test]
fn lines_end_with_newline_and_times_are_in_month_and_in_order() {
    for kind in Kind::ALL {
        let s = spec(1_500_000, 5, 6);
        let month = s.month;
        let (data, m) = gen_kind(kind, &s);
        assert_eq!(data.last(), Some(&b'\n'), "{kind:?}");
        let malformed: Vec<u64> = m
            .planted
            .iter()
            .filter(|p| p.event == "malformed")
            .flat_map(|p| p.lines.clone())
            .collect();
        assert_eq!(malformed.len(), 6, "{kind:?}: malformed lines listed");
        let ls = lines(&data);
        assert_eq!(ls.len() as u64, m.lines, "{kind:?}: line count");
        assert_eq!(data.len() as u64, m.bytes, "{kind:?}: byte count");
        let mut last = i64::MIN;
        let mut timed = 0;
        for (i, line) in ls.iter().enumerate() {
            let n = i as u64 + 1;
            if malformed.contains(&n) {
                continue;
            }
            assert!(!line.contains(&b'\r'), "{kind:?} line {n}: carriage return");
            assert!(
                std::str::from_utf8(line).is_ok(),
                "{kind:?} line {n}: not UTF-8"
            );
            match line_time(kind, line, &month) {
                Some(t) => {
                    timed += 1;
                    assert!(
                        t >= month.start - SEC && t < month.end,
                        "{kind:?} line {n}: time outside the month: {}",
                        String::from_utf8_lossy(line)
                    );
                    assert!(
                        t >= last,
                        "{kind:?} line {n}: time goes back: {}",
                        String::from_utf8_lossy(line)
                    );
                    last = t;
                }
                None => assert!(
                    times_optional(kind),
                    "{kind:?} line {n}: no time: {}",
                    String::from_utf8_lossy(line)
                ),
            }
        }
        assert!(timed > 10, "{kind:?}: only {timed} timed lines");
    }
}

#[test]
fn planted_events_are_exactly_where_the_manifest_says() {
    for kind in Kind::ALL {
        let s = spec(1_000_000, 9, 3);
        let (data, m) = gen_kind(kind, &s);
        let ls = lines(&data);
        let mut offsets = Vec::with_capacity(ls.len());
        let mut off = 0u64;
        for l in &ls {
            offsets.push(off);
            off += l.len() as u64 + 1;
        }
        let events: Vec<_> = m
            .planted
            .iter()
            .filter(|p| p.event != "malformed")
            .collect();
        assert!(events.len() >= 2, "{kind:?}: too few planted events");
        for p in events {
            let needle = p.needle.as_bytes();
            assert!(!needle.is_empty(), "{kind:?} {}: empty needle", p.event);
            let found: Vec<u64> = ls
                .iter()
                .enumerate()
                .filter(|(_, l)| l.windows(needle.len()).any(|w| w == needle))
                .map(|(i, _)| i as u64 + 1)
                .collect();
            assert_eq!(found, p.lines, "{kind:?} {} ({}): lines", p.event, p.needle);
            let offs: Vec<u64> = p.lines.iter().map(|&n| offsets[n as usize - 1]).collect();
            assert_eq!(offs, p.offsets, "{kind:?} {}: offsets", p.event);
            if p.count == 0 {
                // A night without a run, hours without a line: nothing to point at.
                assert!(p.lines.is_empty(), "{kind:?} {}", p.event);
            } else {
                assert!(!p.lines.is_empty(), "{kind:?} {}: no lines", p.event);
            }
            if p.event == "failed_login_burst" {
                assert!(p.count >= 6, "{kind:?}: burst of {}", p.count);
                let times: Vec<i64> = p
                    .lines
                    .iter()
                    .filter_map(|&n| line_time(kind, ls[n as usize - 1], &s.month))
                    .collect();
                let span = times.last().unwrap() - times.first().unwrap();
                assert!(span <= 3 * MIN, "{kind:?}: burst spans {span} us");
            }
        }
        for p in m.planted.iter().filter(|p| p.event == "malformed") {
            assert_eq!(p.lines.len(), 1);
            assert_eq!(p.offsets[0], offsets[p.lines[0] as usize - 1]);
        }
    }
}

#[test]
fn expected_events_are_planted() {
    let want: &[(Kind, &[&str])] = &[
        (
            Kind::AuthLog,
            &[
                "failed_login_burst",
                "departed_user_login",
                "offhours_sudo",
                "service_failure",
            ],
        ),
        (
            Kind::Rfc5424,
            &["failed_login_burst", "departed_user_login", "offhours_sudo"],
        ),
        (
            Kind::Auditd,
            &[
                "failed_login_burst",
                "departed_user_login",
                "offhours_sudo",
                "audit_rule_removed",
            ],
        ),
        (
            Kind::Postgres,
            &[
                "dba_direct_update",
                "dba_direct_delete",
                "failed_login_burst",
            ],
        ),
        (
            Kind::MariadbAudit,
            &[
                "dba_direct_update",
                "dba_direct_delete",
                "failed_login_burst",
            ],
        ),
        (
            Kind::MysqlGeneral,
            &["dba_direct_update", "failed_login_burst"],
        ),
        (
            Kind::AppJson,
            &[
                "export",
                "failed_login_burst",
                "departed_user_login",
                "release_outside_window",
            ],
        ),
        (Kind::Restic, &["backup_failed", "backup_warning"]),
        (Kind::Borg, &["backup_failed", "backup_warning"]),
        (Kind::BackupJob, &["backup_failed", "backup_missing"]),
    ];
    for (kind, events) in want {
        let (_, m) = gen_kind(*kind, &spec(200_000, 1, 0));
        for e in *events {
            assert!(m.planted.iter().any(|p| p.event == *e), "{kind:?}: no {e}");
        }
    }
    // Direct data edits come with and without a ticket.
    let (_, m) = gen_kind(Kind::Postgres, &spec(200_000, 1, 0));
    let edits: Vec<_> = m
        .planted
        .iter()
        .filter(|p| p.event.starts_with("dba_direct"))
        .collect();
    assert!(edits.iter().any(|p| p.ticket.is_some()));
    assert!(edits.iter().any(|p| p.ticket.is_none()));
}

#[test]
fn normal_failures_never_form_a_burst() {
    // Only the planted addresses reach 6 failed ssh passwords within 3 minutes.
    let s = spec(4_000_000, 3, 0);
    let (data, m) = gen_kind(Kind::AuthLog, &s);
    let mut by_ip: HashMap<Vec<u8>, Vec<i64>> = HashMap::new();
    for l in lines(&data) {
        if let Some(rest) = after(l, b"Failed password for ") {
            let ip = after(rest, b" from ").unwrap();
            let ip = ip.split(|&b| b == b' ').next().unwrap().to_vec();
            by_ip
                .entry(ip)
                .or_default()
                .push(line_time(Kind::AuthLog, l, &s.month).unwrap());
        }
    }
    let mut bursting: Vec<String> = by_ip
        .iter()
        .filter(|(_, ts)| ts.windows(6).any(|w| w[5] - w[0] <= 3 * MIN))
        .map(|(ip, _)| String::from_utf8_lossy(ip).into_owned())
        .collect();
    bursting.sort();
    let mut planted: Vec<String> = m
        .planted
        .iter()
        .filter(|p| p.event == "failed_login_burst")
        .filter_map(|p| p.src_ip.clone())
        .collect();
    planted.sort();
    assert_eq!(bursting, planted);
    assert_eq!(planted, vec!["198.51.100.61", "203.0.113.77"]);
}

#[test]
fn sizes_are_close_to_the_target() {
    for kind in Kind::ALL {
        for target in [800_000u64, 3_000_000] {
            let (data, _) = gen_kind(kind, &spec(target, 11, 0));
            let ratio = data.len() as f64 / target as f64;
            assert!(
                (0.9..=1.1).contains(&ratio),
                "{kind:?}: {} bytes for {target}",
                data.len()
            );
        }
    }
}

#[test]
fn scale_gives_a_month_of_activity() {
    for kind in Kind::ALL {
        let s = Spec {
            size: Size::Scale(0.05),
            ..Spec::default()
        };
        let (data, m) = gen_kind(kind, &s);
        assert!(!data.is_empty(), "{kind:?}");
        assert!(m.planted.len() >= 2, "{kind:?}");
    }
}

#[test]
fn other_months_work() {
    let s = Spec {
        month: Month::parse("2027-02").unwrap(),
        ..spec(300_000, 2, 1)
    };
    for kind in Kind::ALL {
        let (data, m) = gen_kind(kind, &s);
        assert_eq!(m.month, "2027-02");
        let ls = lines(&data);
        let mal: Vec<u64> = m
            .planted
            .iter()
            .filter(|p| p.event == "malformed")
            .map(|p| p.lines[0])
            .collect();
        for (i, l) in ls.iter().enumerate() {
            if mal.contains(&(i as u64 + 1)) {
                continue;
            }
            if let Some(t) = line_time(kind, l, &s.month) {
                assert!(t >= s.month.start - SEC && t < s.month.end, "{kind:?}");
            }
        }
    }
}

#[test]
fn only_the_planted_sudo_is_off_hours() {
    for kind in [Kind::AuthLog, Kind::Rfc5424] {
        let s = spec(3_000_000, 4, 0);
        let (data, m) = gen_kind(kind, &s);
        let off: Vec<u64> = lines(&data)
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                after(l, b" sudo").is_some()
                    && after(l, b"COMMAND=").is_some()
                    && after(l, b"NOT in sudoers").is_none()
            })
            .filter(|(_, l)| {
                !vigil_corpus::clock::is_work_hours(line_time(kind, l, &s.month).unwrap())
            })
            .map(|(i, _)| i as u64 + 1)
            .collect();
        // Every sudo out of working hours is a planted line (violations and near misses), and
        // every planted off-hours sudo is one.
        let planted: Vec<u64> = m.planted.iter().flat_map(|p| p.lines.clone()).collect();
        for n in &off {
            assert!(
                planted.contains(n),
                "{kind:?}: line {n} is an unplanted off-hours sudo"
            );
        }
        for p in m.planted.iter().filter(|p| p.event == "offhours_sudo") {
            assert!(p.lines.iter().all(|n| off.contains(n)), "{kind:?}");
        }
        assert!(!off.is_empty());
    }
}

#[test]
fn only_planted_exports_and_no_departed_user_otherwise() {
    let (data, m) = gen_kind(Kind::AppJson, &spec(3_000_000, 8, 0));
    let exports = lines(&data)
        .iter()
        .filter(|l| after(l, b"\"action\":\"export.request\"").is_some())
        .count();
    let planted = m.planted.iter().filter(|p| p.event == "export").count();
    assert_eq!(exports, planted);
    assert!(
        m.planted
            .iter()
            .any(|p| p.event == "export" && p.ticket.is_some())
    );
    assert!(
        m.planted
            .iter()
            .any(|p| p.event == "export" && p.ticket.is_none())
    );
}

/// The rule ids a planted event may name (see `samples/README.md`).
const RULES: [&str; 15] = [
    "data_edit.unapproved",
    "data_edit.grade",
    "data_export.unapproved",
    "permission.unapproved",
    "admin.action",
    "admin.offhours",
    "change.business_hours",
    "login.bruteforce",
    "login.disabled_account",
    "account.departed_active",
    "account.dormant_outsourced",
    "release.outside_window",
    "backup.change_uncovered",
    "source.silent",
    "audit.tampering",
];

fn sample_month() -> Vec<Manifest> {
    let s = Spec {
        size: Size::Scale(0.02),
        malformed: 2,
        ..Spec::default()
    };
    Kind::ALL.iter().map(|&k| gen_kind(k, &s).1).collect()
}

#[test]
fn planted_events_name_the_rules_they_fire_or_must_not() {
    let mut fires = 0;
    let mut near = 0;
    for m in sample_month() {
        for p in &m.planted {
            let named: Vec<&String> = p
                .rule
                .iter()
                .chain(&p.also)
                .chain(&p.near_miss)
                .chain(&p.also_near_miss)
                .collect();
            for r in &named {
                assert!(RULES.contains(&r.as_str()), "{} {}: {r}", m.file, p.event);
            }
            let fired: Vec<&String> = p.rule.iter().chain(&p.also).collect();
            let spared: Vec<&String> = p.near_miss.iter().chain(&p.also_near_miss).collect();
            assert!(
                fired.iter().all(|r| !spared.contains(r)),
                "{} {}",
                m.file,
                p.event
            );
            assert!(
                p.also.is_empty() || p.rule.is_some(),
                "{} {}",
                m.file,
                p.event
            );
            let quiet = matches!(
                p.event.as_str(),
                "malformed"
                    | "service_failure"
                    | "backup_failed"
                    | "backup_warning"
                    | "backup_missing"
            );
            assert_eq!(named.is_empty(), quiet, "{} {}", m.file, p.event);
            fires += usize::from(p.rule.is_some());
            near += usize::from(p.rule.is_none() && p.near_miss.is_some());
        }
    }
    assert!(
        fires >= 30 && near >= 15,
        "{fires} violations, {near} near misses"
    );
}

#[test]
fn the_registers_agree_with_the_planted_events() {
    let ms = sample_month();
    let month = Spec::default().month;
    let text = vigil_corpus::register::approvals_csv(&ms, &month);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let row = |t: &str| rows.iter().find(|r| r[0] == t);
    for r in &rows {
        assert_eq!(r.len(), 10, "{r:?}");
    }
    // Covered: the register holds the ticket; a grade mismatch; a ticket for another table.
    assert_eq!(row("CHG-2026-0012").unwrap()[5], "archives_head");
    assert_eq!(row("CHG-2026-0012").unwrap()[2], "1");
    assert_eq!(row("DE-2026-031").unwrap()[5], "archives_leader");
    assert_eq!(row("CHG-2026-0021").unwrap()[9], "archive_rpt.borrow_stat");
    assert_eq!(row("EXP-2026-007").unwrap()[3], "wangfang");
    assert_eq!(row("DE-2026-035").unwrap()[8], "2026-11-24T18:00:00+08:00");
    assert_eq!(row("DE-2026-036").unwrap()[8], "2026-11-25T12:00:00+08:00");
    // Quoted in a log line, missing from the register.
    assert!(row("CHG-2026-0015").is_none());
    // Every ticket a near miss quotes is in the register.
    for m in &ms {
        for p in &m.planted {
            if let (None, Some(t)) = (&p.rule, &p.ticket)
                && !t.starts_with("REL-")
            {
                assert!(row(t).is_some(), "{} {}: {t}", m.file, p.event);
            }
        }
    }
    let accounts = vigil_corpus::register::accounts_csv(&month);
    for m in &ms {
        for p in &m.planted {
            if let Some(a) = &p.actor
                && !["root", "sa", "archive_app", "backup"].contains(&a.as_str())
            {
                assert!(
                    accounts.lines().any(|l| l.starts_with(&format!("{a},"))),
                    "{} {}: {a} not in accounts.csv",
                    m.file,
                    p.event
                );
            }
        }
    }
}

#[test]
fn a_month_of_history_holds_only_the_last_login_of_the_dormant_account() {
    let s = Spec {
        month: Month::parse("2026-08").unwrap(),
        size: Size::Scale(0.002),
        history: true,
        ..Spec::default()
    };
    for kind in Kind::ALL {
        let (data, m) = gen_kind(kind, &s);
        let text = String::from_utf8_lossy(&data);
        if kind == Kind::AuthLog {
            assert_eq!(m.planted.len(), 1);
            let p = &m.planted[0];
            assert_eq!(p.event, "outsourced_last_login");
            assert_eq!(p.time, "2026-08-27T15:20:40.000+08:00");
            assert_eq!(p.rule.as_deref(), Some("account.dormant_outsourced"));
            assert_eq!(p.lines.len(), 1);
        } else {
            assert!(m.planted.is_empty(), "{kind:?}");
        }
        for who in ["liuyang", "wb_qian", "wb_ma", "ops_xu", "useradd"] {
            assert!(!text.contains(who), "{kind:?}: {who}");
        }
    }
}

#[test]
fn restic_fails_on_the_night_the_other_formats_plant_around() {
    for seed in [1, 2, 3, 17] {
        let s = Spec {
            seed,
            size: Size::Scale(0.01),
            ..Spec::default()
        };
        let (_, m) = gen_kind(Kind::Restic, &s);
        let failed = m
            .planted
            .iter()
            .find(|p| p.event == "backup_failed")
            .unwrap();
        let (_, app) = gen_kind(Kind::AppJson, &s);
        let uncovered = app
            .planted
            .iter()
            .find(|p| p.ticket.as_deref() == Some("ER-2026-002"))
            .unwrap();
        // The evening before the failed night.
        let night: u32 = failed.time[8..10].parse().unwrap();
        let eve: u32 = uncovered.time[8..10].parse().unwrap();
        assert_eq!(eve + 1, night, "seed {seed}");
        assert_eq!(failed.lines.len(), 2, "seed {seed}");
        assert_eq!(
            uncovered.rule.as_deref(),
            Some("backup.change_uncovered"),
            "seed {seed}"
        );
    }
}

#[test]
fn inactive_accounts_and_the_administrator_keep_to_the_rules_in_normal_work() {
    let s = spec(3_000_000, 6, 0);
    let (data, m) = gen_kind(Kind::AppJson, &s);
    let planted: Vec<u64> = m.planted.iter().flat_map(|p| p.lines.clone()).collect();
    for (i, l) in lines(&data).iter().enumerate() {
        let n = i as u64 + 1;
        if planted.contains(&n) {
            continue;
        }
        let t = line_time(Kind::AppJson, l, &s.month).unwrap();
        let day = vigil_corpus::clock::tm_at(t, OFFSET).day;
        if after(l, b"\"user\":\"sunli\"").is_some() {
            assert!(day <= 15, "line {n}");
        }
        if after(l, b"\"user\":\"songtao\"").is_some() {
            assert!(day <= 25, "line {n}");
        }
        if after(l, b"\"role\":\"admin\"").is_some() && after(l, b"\"action\":\"login.").is_none() {
            assert!(vigil_corpus::clock::is_work_hours(t), "line {n}");
            assert!(after(l, b"config.change").is_none(), "line {n}");
        }
    }
}
