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
            if p.event == "backup_missing" {
                assert!(p.lines.is_empty());
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
    // Only the planted address reaches 6 failed ssh passwords within 3 minutes.
    let s = spec(4_000_000, 3, 0);
    let (data, _) = gen_kind(Kind::AuthLog, &s);
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
    let bursting: Vec<String> = by_ip
        .iter()
        .filter(|(_, ts)| ts.windows(6).any(|w| w[5] - w[0] <= 3 * MIN))
        .map(|(ip, _)| String::from_utf8_lossy(ip).into_owned())
        .collect();
    assert_eq!(bursting, vec!["203.0.113.77".to_string()]);
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
        let planted: Vec<u64> = m
            .planted
            .iter()
            .filter(|p| p.event == "offhours_sudo")
            .flat_map(|p| p.lines.clone())
            .collect();
        assert_eq!(off, planted, "{kind:?}");
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
