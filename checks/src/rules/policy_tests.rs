//! Each policy key a site sets, as a table: the same events judged under two settings give the
//! two expected sets of findings, exactly (the evidence of each finding, by the events' numbers).

use chrono::TimeDelta;
use vigil_parsers::Event;

use super::rule_tests::{hits, run_with};
use super::testing::{With, ev, t};
use crate::pattern::Pattern;
use crate::policy::{Excused, JudgedBy, Policy, QuietLimit};
use crate::registers::TicketKind;

fn base() -> Policy {
    let mut p = Policy {
        tables: vec![(Pattern::new("public.archive_item"), 1)],
        ..Policy::default()
    };
    p.admin_accounts.insert("ops_li".into());
    p
}

/// The evidence of each finding of `rule` over November 2026, as the events' numbers.
fn judge(
    rule: &str,
    policy: &Policy,
    events: &[Event],
    approvals: &str,
    accounts: &str,
) -> Vec<Vec<u64>> {
    hits(&run_with(
        rule,
        events.to_vec(),
        approvals,
        accounts,
        policy,
        "2026-11-01 00:00:00",
        "2026-12-01 00:00:00",
    ))
}

/// Runs each (setting, expected evidence) row over the same events.
fn table(
    rule: &str,
    events: &[Event],
    approvals: &str,
    accounts: &str,
    rows: Vec<(&str, Policy, Vec<Vec<u64>>)>,
) {
    for (name, policy, want) in rows {
        assert_eq!(
            judge(rule, &policy, events, approvals, accounts),
            want,
            "{rule} under {name}"
        );
    }
}

#[test]
fn quiet_limits_excuse_days_and_hours() {
    // pg writes every hour on weekdays; silent from Friday 20:00 to Monday 08:00 (60 h).
    let mut events = Vec::new();
    for (n, ts) in [
        "2026-11-06 18:00:00",
        "2026-11-06 19:00:00",
        "2026-11-06 20:00:00",
        "2026-11-09 08:00:00",
        "2026-11-09 09:00:00",
        // Silent 5 h on a Monday night, 22:00 to 03:00.
        "2026-11-09 22:00:00",
        "2026-11-10 03:00:00",
        "2026-11-30 23:00:00",
    ]
    .iter()
    .enumerate()
    {
        events.push(ev(n as u64 + 1, ts, "db.connect", Some("app")).source("pg"));
    }
    let with = |limit: i64, except: &[&str]| {
        let mut p = base();
        let mut q = QuietLimit::from(TimeDelta::hours(limit));
        for e in except {
            q.except
                .push(Excused::parse(e).unwrap_or_else(|m| panic!("{m}")));
        }
        p.quiet.insert("pg".into(), q);
        p
    };
    table(
        "source.silent",
        &events,
        "",
        "",
        vec![
            // Every gap over 4 h: the weekend, the Monday night, 11-10 to 11-30 (up to the newest
            // event, which is the gap's end: its own evidence is the event before).
            (
                "4h",
                with(4, &[]),
                vec![vec![3, 4], vec![5, 6], vec![6, 7], vec![7]],
            ),
            // Weekends excused: Friday 20:00-24:00 is 4 h, Monday 00:00-08:00 is 8 h: 12 h counted.
            (
                "4h except sat,sun",
                with(4, &["sat,sun"]),
                vec![vec![3, 4], vec![5, 6], vec![6, 7], vec![7]],
            ),
            // Weekends and nights excused: Friday 20:00-22:00 and Monday 07:00-08:00 (3 h);
            // the Monday night 22:00-03:00 counts nothing; 11-10 to 11-30 still over.
            (
                "4h except off_days, 22:00-07:00",
                with(4, &["off_days", "22:00-07:00"]),
                vec![vec![5, 6], vec![7]],
            ),
        ],
    );
    // 09:00 to 22:00 on Monday 11-09 is 13 h (over 4 h even with nights excused).
    let p = with(4, &["off_days", "22:00-07:00"]);
    let q = &p.quiet["pg"];
    assert_eq!(
        p.active_between(q, t("2026-11-06 20:00:00"), t("2026-11-09 08:00:00")),
        TimeDelta::hours(3)
    );
    assert_eq!(
        p.active_between(q, t("2026-11-09 22:00:00"), t("2026-11-10 03:00:00")),
        TimeDelta::zero()
    );
}

#[test]
fn change_actions_say_which_changes_keep_out_of_business_hours() {
    let events = vec![
        ev(1, "2026-11-10 10:00:00", "config.change", Some("ops_li")).target("nginx.conf"),
        ev(2, "2026-11-10 11:00:00", "release.deploy", Some("linfeng")).target("archive-web"),
        ev(3, "2026-11-10 12:00:00", "db.ddl", Some("dba_wang")).target("public.archive_item"),
        ev(
            4,
            "2026-11-10 13:00:00",
            "permission.grant",
            Some("linfeng"),
        )
        .target("zhangwei"),
    ];
    let mut only_releases = base();
    only_releases.change_actions = ["release.deploy".to_string()].into_iter().collect();
    let mut with_grants = base();
    with_grants.change_actions.insert("permission.grant".into());
    table(
        "change.business_hours",
        &events,
        "",
        "",
        vec![
            ("the default", base(), vec![vec![1], vec![2], vec![3]]),
            ("release.deploy only", only_releases, vec![vec![2]]),
            (
                "with permission.grant",
                with_grants,
                vec![vec![1], vec![2], vec![3], vec![4]],
            ),
        ],
    );
}

#[test]
fn tamper_patterns_are_regexes_over_commands() {
    let cmd = |n, c: &str| {
        ev(n, "2026-11-12 23:00:00", "sudo.command", Some("ops_zhao")).field("command", c)
    };
    let events = vec![
        cmd(1, "/usr/bin/truncate -s 0 /var/log/auth.log"),
        cmd(2, "/sbin/auditctl -D"),
        cmd(3, "/usr/bin/journalctl --vacuum-time=1s"),
        cmd(4, "/usr/bin/systemctl stop rsyslog"),
        cmd(5, "/usr/bin/systemctl restart rsyslog"),
        cmd(6, "/usr/bin/tail -f /var/log/auth.log"),
        cmd(7, "/usr/bin/systemctl disable --now auditd.service"),
        cmd(8, "/sbin/auditctl -l"),
        cmd(9, "/usr/bin/chattr -a /var/log/audit/audit.log"),
    ];
    let mut own = base();
    own.tamper_patterns = [r"chattr\s+-a\s+/var/log/"]
        .iter()
        .map(|p| {
            (
                p.to_string(),
                regex::Regex::new(p).unwrap_or_else(|e| panic!("{e}")),
            )
        })
        .collect();
    table(
        "audit.tampering",
        &events,
        "",
        "",
        vec![
            (
                "the defaults",
                base(),
                vec![vec![1], vec![2], vec![3], vec![4], vec![7]],
            ),
            ("a site's own pattern", own, vec![vec![9]]),
        ],
    );
}

#[test]
fn offhours_exempt_tickets_and_admin_logins() {
    // A Saturday: every administrator act is off hours.
    let events = vec![
        ev(1, "2026-11-14 10:00:00", "login.success", Some("ops_li")).ip("10.1.10.5"),
        ev(2, "2026-11-14 10:01:00", "sudo.command", Some("ops_li"))
            .target("systemctl restart nginx"),
        ev(3, "2026-11-14 11:00:00", "sudo.command", Some("ops_zhao"))
            .target("systemctl restart nginx"),
    ];
    // ops_li holds a data_edit ticket for that Saturday.
    let de = "DE-1,data_edit,3,ops_li,刘强,archives_head,2026-11-13T10:00:00+08:00,2026-11-14T00:00:00+08:00,2026-11-14T23:59:59+08:00,public.archive_item\n";
    let mut release_only = base();
    release_only.offhours_exempt_tickets = Some(vec![TicketKind::EmergencyRelease]);
    let mut logins = base();
    logins.offhours_counts_logins = true;
    let mut logins_release_only = release_only.clone();
    logins_release_only.offhours_counts_logins = true;
    table(
        "admin.offhours",
        &events,
        de,
        "",
        vec![
            // Any ticket of ops_li covering the time exempts; ops_zhao has none; logins not counted.
            ("the default", base(), vec![vec![3]]),
            (
                "emergency_release tickets only",
                release_only,
                vec![vec![2], vec![3]],
            ),
            ("logins counted", logins, vec![vec![3]]),
            ("both", logins_release_only, vec![vec![1], vec![2], vec![3]]),
        ],
    );
}

#[test]
fn deactivation_judged_by_the_register_events_or_both() {
    let accounts = "wb_sun,孙伟,外包,outsourced,disabled,2026-11-10\n\
                    zhangli,张丽,档案室,employee,active,2026-01-01\n\
                    wb_qian,钱进,外包,outsourced,departed,2026-11-02\n";
    let events = vec![
        // wb_sun: disabled in the register on 11-10, used on 11-12.
        ev(1, "2026-11-12 10:00:00", "login.success", Some("wb_sun")),
        // zhangli: active in the register, locked by an administrator on 11-05, used on 11-06.
        ev(2, "2026-11-05 09:00:00", "account.lock", Some("root")).target("zhangli"),
        ev(3, "2026-11-06 10:00:00", "login.success", Some("zhangli")),
        // wb_qian: departed 11-02 (10 working days: due by the end of 11-16), locked on 11-04,
        // used on 11-05 (after the lock, before the deadline).
        ev(4, "2026-11-04 09:00:00", "account.lock", Some("root")).target("wb_qian"),
        ev(5, "2026-11-05 10:00:00", "login.success", Some("wb_qian")),
    ];
    let with = |disabled: JudgedBy, departed: JudgedBy| {
        let mut p = base();
        p.disabled_judged_by = disabled;
        p.departed_judged_by = departed;
        p
    };
    table(
        "login.disabled_account",
        &events,
        "",
        accounts,
        vec![
            // wb_qian's departed status counts as disabled from the day after 11-02.
            (
                "register",
                with(JudgedBy::Register, JudgedBy::Both),
                vec![vec![5], vec![1]],
            ),
            (
                "events",
                with(JudgedBy::Events, JudgedBy::Both),
                vec![vec![5], vec![3]],
            ),
            (
                "both",
                with(JudgedBy::Both, JudgedBy::Both),
                vec![vec![5], vec![3], vec![1]],
            ),
        ],
    );
    table(
        "account.departed_active",
        &events,
        "",
        accounts,
        vec![
            // The register's status is the record: no use after the deadline, no finding.
            (
                "register",
                with(JudgedBy::Register, JudgedBy::Register),
                vec![],
            ),
            // Locked in time, but used after the lock.
            (
                "events",
                with(JudgedBy::Register, JudgedBy::Events),
                vec![vec![5]],
            ),
            (
                "both",
                with(JudgedBy::Register, JudgedBy::Both),
                vec![vec![5]],
            ),
        ],
    );
    // Without the use after the lock: a departed account disabled in time and never used after
    // is not a finding under any setting.
    let quiet: Vec<Event> = events
        .iter()
        .filter(|e| e.origin.offset != 5)
        .cloned()
        .collect();
    for by in [JudgedBy::Register, JudgedBy::Events, JudgedBy::Both] {
        assert_eq!(
            judge(
                "account.departed_active",
                &with(JudgedBy::Register, by),
                &quiet,
                "",
                accounts
            ),
            Vec::<Vec<u64>>::new(),
            "{by:?}"
        );
    }
}

#[test]
fn bruteforce_invalid_users_count_as_accounts_or_not() {
    // Five tries against a name that is no account, from five addresses.
    let events: Vec<Event> = (1..=5)
        .map(|n| {
            ev(
                n,
                &format!("2026-11-20 03:00:0{n}"),
                "login.invalid_user",
                Some("oracle"),
            )
            .ip(&format!("203.0.113.{n}"))
        })
        .collect();
    let mut off = base();
    off.bruteforce_invalid_users = false;
    table(
        "login.bruteforce",
        &events,
        "",
        "",
        vec![
            ("counted (default)", base(), vec![vec![1, 2, 3, 4, 5]]),
            ("not counted", off, vec![]),
        ],
    );
}
