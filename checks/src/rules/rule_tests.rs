//! Each rule at its edges, over events in memory: ticket windows, scopes and grades, bursts
//! across midnight and a month's end, accounts disabled mid-month, and a server that logs in UTC
//! judged in Asia/Shanghai.

use std::path::Path;

use vigil_parsers::{ActorRole, Event};

use super::testing::{MemStore, With, ev, t};
use crate::pattern::Pattern;
use crate::policy::Policy;
use crate::registers::{Accounts, Approvals};
use crate::{Checks, Finding};

const HEAD: &str =
    "ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope\n";
const ACCOUNTS: &str = "user,name,dept,kind,status,changed_on\n";

fn policy() -> Policy {
    let mut p = Policy {
        tables: vec![
            (Pattern::new("public.archive_item"), 1),
            (Pattern::new("public.approval_flow"), 2),
            (Pattern::new("public.borrow_*"), 3),
        ],
        ..Policy::default()
    };
    p.service_accounts.insert("archive_app".into());
    p.backup_accounts.insert("backup".into());
    p.admin_accounts.insert("ops_li".into());
    p.db_superusers.insert("postgres".into());
    p
}

/// The findings of `rule` over `events` for November 2026 (Shanghai).
fn run(rule: &str, events: Vec<Event>, approvals: &str, accounts: &str) -> Vec<Finding> {
    run_with(
        rule,
        events,
        approvals,
        accounts,
        &policy(),
        "2026-11-01 00:00:00",
        "2026-12-01 00:00:00",
    )
}

pub(super) fn run_with(
    rule: &str,
    events: Vec<Event>,
    approvals: &str,
    accounts: &str,
    policy: &Policy,
    since: &str,
    until: &str,
) -> Vec<Finding> {
    let store = MemStore { events };
    let approvals = Approvals::parse(Path::new("approvals.csv"), &format!("{HEAD}{approvals}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let accounts = Accounts::parse(Path::new("accounts.csv"), &format!("{ACCOUNTS}{accounts}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let checks = Checks {
        store: &store,
        policy,
        approvals: &approvals,
        accounts: &accounts,
        jobs: &[],
    };
    checks
        .run(t(since), t(until), &[rule])
        .unwrap_or_else(|e| panic!("{e}"))
        .findings
}

/// The evidence of each finding, as the events' offsets (their numbers in the test).
pub(super) fn hits(findings: &[Finding]) -> Vec<Vec<u64>> {
    findings
        .iter()
        .map(|f| {
            f.evidence
                .iter()
                .map(|id| u64::from_str_radix(&id[16..], 16).unwrap_or(u64::MAX))
                .collect()
        })
        .collect()
}

const CHG: &str = "CHG-1,data_edit,1,dba_wang,张总,general_manager,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,public.archive_item\n";

#[test]
fn data_edits_need_a_ticket_for_the_operator_the_time_and_the_table() {
    let e = |n, ts, actor, table| ev(n, ts, "db.update", Some(actor)).target(table);
    let events = vec![
        e(1, "2026-11-16 09:00:00", "dba_wang", "public.archive_item"), // the window's first second
        e(2, "2026-11-16 18:00:00", "dba_wang", "public.archive_item"), // its last second
        e(3, "2026-11-16 18:00:01", "dba_wang", "public.archive_item"), // one second late
        e(4, "2026-11-16 08:59:59", "dba_wang", "public.archive_item"), // one second early
        e(5, "2026-11-16 12:00:00", "dba_wang", "public.approval_flow"), // another table
        e(6, "2026-11-16 12:00:00", "dba_chen", "public.archive_item"), // another operator
        e(
            7,
            "2026-11-16 12:00:00",
            "archive_app",
            "public.archive_item",
        ), // the application
        e(8, "2026-11-16 12:00:00", "dba_wang", "public.user_session"), // not a business table
        ev(9, "2026-11-16 12:00:00", "db.read", Some("dba_chen")).target("public.archive_item"),
        e(10, "2026-11-20 12:00:00", "dba_wang", "public.archive_item").ticket("CHG-1"), // quotes an expired ticket
        e(
            11,
            "2026-11-20 12:00:00",
            "dba_wang",
            "public.borrow_record",
        )
        .ticket("CHG-9"), // quotes an unknown one
        e(12, "2026-11-16 12:00:00", "dba_wang", "public.archive_item").failed(),
    ];
    let f = run("data_edit.unapproved", events, CHG, "");
    assert_eq!(
        hits(&f),
        vec![vec![4], vec![5], vec![6], vec![3], vec![10], vec![11]]
    );
    assert_eq!(
        f[0].summary,
        "db.update on public.archive_item (grade 1) by dba_wang with no approved data_edit ticket covering it"
    );
    assert_eq!(f[0].clause, "后台数据修改管理");
    assert_eq!(f[0].time.to_rfc3339(), "2026-11-16T08:59:59+08:00");
    assert_eq!(
        f[4].summary,
        "db.update on public.archive_item (grade 1) by dba_wang with no approved data_edit ticket covering it; it quotes CHG-1, which is valid 2026-11-16 09:00:00 to 2026-11-16 18:00:00"
    );
    assert!(
        f[5].summary
            .ends_with("it quotes CHG-9, which the approvals register does not hold"),
        "{}",
        f[5].summary
    );
}

#[test]
fn an_approved_edit_needs_an_approver_of_its_tables_grade() {
    let tickets = "G-1,data_edit,3,dba_wang,李主任,archives_head,2026-11-01T10:00:00+08:00,2026-11-02T00:00:00+08:00,2026-11-03T00:00:00+08:00,public.*\n\
                   G-2,data_edit,2,dba_chen,王总,archives_leader,2026-11-01T10:00:00+08:00,2026-11-02T00:00:00+08:00,2026-11-03T00:00:00+08:00,public.approval_flow\n";
    let e = |n, actor, table| ev(n, "2026-11-02 10:00:00", "db.delete", Some(actor)).target(table);
    let events = vec![
        e(1, "dba_wang", "public.archive_item"), // grade 1 under the archives head: too low
        e(2, "dba_wang", "public.borrow_record"), // grade 3: the archives head may
        e(3, "dba_chen", "public.approval_flow"), // grade 2 under the archives leader: fine
        e(4, "dba_chen", "public.archive_item"), // no ticket: the other rule's
    ];
    let f = run("data_edit.grade", events.clone(), tickets, "");
    assert_eq!(hits(&f), vec![vec![1]]);
    assert_eq!(
        f[0].summary,
        "db.delete on public.archive_item (grade 1) by dba_wang under G-1 approved by 李主任 (archives_head), but grade 1 needs chairman or general_manager"
    );
    assert_eq!(
        hits(&run("data_edit.unapproved", events, tickets, "")),
        vec![vec![4]]
    );
}

#[test]
fn exports_need_a_data_export_ticket_unless_a_backup_account_dumps() {
    let tickets = "EXP-1,data_export,,wangfang,刘强,archives_head,2026-11-25T10:00:00+08:00,2026-11-26T00:00:00+08:00,2026-11-27T00:00:00+08:00,catalog/2019-*\n";
    let events = vec![
        ev(1, "2026-11-26 10:00:00", "export.request", Some("wangfang")).target("catalog/2019-WS"),
        ev(2, "2026-11-26 10:00:00", "export.request", Some("wangfang")).target("catalog/2020-WS"),
        ev(3, "2026-11-26 10:00:00", "export.request", Some("wuxia"))
            .target("catalog/2019-WS")
            .failed(),
        ev(4, "2026-11-26 11:00:00", "sudo.command", Some("dba_chen"))
            .target("root")
            .field("command", "/usr/bin/pg_dump -t public.archive_item archive"),
        ev(5, "2026-11-26 11:00:01", "process.exec", Some("dba_chen"))
            .target("pg_dump -t public.archive_item archive"),
        ev(6, "2026-11-26 02:00:00", "process.exec", Some("backup")).target("pg_dump archive"),
        ev(7, "2026-11-26 12:00:00", "db.export", Some("dba_wang")).target("public.archive_item"),
    ];
    let f = run("data_export.unapproved", events, tickets, "");
    // The dump by dba_chen is one act: sudo's line and auditd's record of it.
    assert_eq!(hits(&f), vec![vec![2], vec![4, 5], vec![7]]);
    assert_eq!(
        f[1].summary,
        "dump of /usr/bin/pg_dump -t public.archive_item archive by dba_chen with no approved data_export ticket"
    );
}

#[test]
fn a_burst_is_one_finding_across_midnight_and_a_months_end() {
    let fail = |n, ts: &str, ip: &str, user: &str| ev(n, ts, "login.failure", Some(user)).ip(ip);
    let mut events = Vec::new();
    // Six attempts from one address across midnight; each writes two lines in the same second.
    for (i, ts) in [
        "2026-11-10 23:58:00",
        "2026-11-10 23:59:00",
        "2026-11-10 23:59:30",
        "2026-11-11 00:00:10",
        "2026-11-11 00:01:00",
        "2026-11-11 00:02:00",
    ]
    .iter()
    .enumerate()
    {
        events.push(fail(10 + 2 * i as u64, ts, "203.0.113.7", "root"));
        events.push(ev(11 + 2 * i as u64, ts, "login.failure", None).ip("203.0.113.7"));
    }
    // Four attempts in five minutes: below the limit.
    for (i, ts) in [
        "2026-11-12 10:00:00",
        "2026-11-12 10:01:00",
        "2026-11-12 10:02:00",
        "2026-11-12 10:04:00",
    ]
    .iter()
    .enumerate()
    {
        events.push(fail(40 + i as u64, ts, "10.0.0.9", "zhangwei"));
    }
    // Five attempts spread over ten minutes: each within five of the last, never five in five.
    for (i, ts) in [
        "2026-11-13 10:00:00",
        "2026-11-13 10:02:30",
        "2026-11-13 10:05:00",
        "2026-11-13 10:07:30",
        "2026-11-13 10:10:00",
    ]
    .iter()
    .enumerate()
    {
        events.push(fail(50 + i as u64, ts, "10.0.0.10", "lina"));
    }
    // Against one account from five addresses.
    for (i, ts) in [
        "2026-11-14 10:00:00",
        "2026-11-14 10:00:20",
        "2026-11-14 10:00:40",
        "2026-11-14 10:01:00",
        "2026-11-14 10:01:20",
    ]
    .iter()
    .enumerate()
    {
        events.push(fail(60 + i as u64, ts, &format!("10.9.0.{i}"), "sa"));
    }
    // Across the month's end: November 30 23:58 to December 1 00:02.
    for (i, ts) in [
        "2026-11-30 23:58:00",
        "2026-11-30 23:59:00",
        "2026-12-01 00:00:00",
        "2026-12-01 00:01:00",
        "2026-12-01 00:02:00",
    ]
    .iter()
    .enumerate()
    {
        events.push(fail(70 + i as u64, ts, "198.51.100.1", "root"));
    }
    let f = run("login.bruteforce", events.clone(), "", "");
    assert_eq!(
        hits(&f),
        vec![
            (10..22).collect::<Vec<u64>>(),
            (60..65).collect(),
            (70..75).collect()
        ]
    );
    assert_eq!(
        f[0].summary,
        "6 failed logins from 203.0.113.7 in 4m (limit 5 within 5m) on h1, accounts root"
    );
    assert_eq!(f[0].time.to_rfc3339(), "2026-11-10T23:58:00+08:00");
    assert_eq!(
        f.first().and_then(|f| f.until).map(|t| t.to_rfc3339()),
        Some("2026-11-11T00:02:00+08:00".into())
    );
    assert_eq!(
        f[1].summary,
        "5 failed logins against account sa in 1m20s (limit 5 within 5m) on h1, accounts sa"
    );
    // December's check does not report November's burst again.
    let dec = run_with(
        "login.bruteforce",
        events,
        "",
        "",
        &policy(),
        "2026-12-01 00:00:00",
        "2027-01-01 00:00:00",
    );
    assert!(dec.is_empty(), "{dec:?}");
}

#[test]
fn accounts_are_judged_as_of_the_events_day() {
    let accounts = "zhaoli,赵丽,档案室,employee,disabled,2026-11-15\n\
                    sunli,孙丽,财务部,employee,departed,2026-11-25\n\
                    liuyang,刘洋,财务部,employee,departed,2026-10-20\n\
                    wb_qian,钱工,信息中心,outsourced,departed,2026-11-02\n\
                    wb_zhou,周工,信息中心,outsourced,departed,2026-11-24\n\
                    hegang,何刚,信息中心,employee,departed,2026-11-12\n";
    let login = |n, ts, user| ev(n, ts, "login.success", Some(user)).source("auth");
    let events = vec![
        login(1, "2026-11-10 09:00:00", "zhaoli"), // before it was disabled
        login(2, "2026-11-15 17:00:00", "zhaoli"), // its day: allowed
        login(3, "2026-11-18 09:00:00", "zhaoli"), // after: fires
        ev(4, "2026-11-18 09:00:00", "login.failure", Some("zhaoli")).failed(), // refused: fine
        login(5, "2026-11-24 09:00:00", "sunli"),  // the day before the departure
        login(6, "2026-11-06 21:14:30", "liuyang"),
        ev(7, "2026-11-06 21:15:00", "sudo.command", Some("liuyang")).source("auth"),
        ev(8, "2026-11-12 16:00:00", "account.lock", Some("root")).target("hegang"),
        login(9, "2026-11-12 11:00:00", "hegang"),
    ];
    let f = run("login.disabled_account", events.clone(), "", accounts);
    assert_eq!(hits(&f), vec![vec![6, 7], vec![3]]);
    assert_eq!(
        f[0].summary,
        "liuyang (刘洋, employee departed 2026-10-20) used on auth (h1) on 2026-11-06: 1 logins, 2 events in all"
    );
    let f = run("account.departed_active", events, "", accounts);
    let who: Vec<(&str, &str)> = f
        .iter()
        .map(|f| (f.actor.as_deref().unwrap_or(""), f.summary.as_str()))
        .collect();
    assert_eq!(
        who,
        vec![
            (
                "liuyang",
                "liuyang (刘洋, employee, departed 2026-10-20): still used 2 times after the deadline (auth), last at 2026-11-06 21:15:00"
            ),
            (
                "wb_qian",
                "wb_qian (钱工, outsourced, departed 2026-11-02): not disabled by its deadline, the end of 2026-11-16"
            ),
            (
                "sunli",
                "sunli (孙丽, employee, departed 2026-11-25): not disabled by its deadline, the end of 2026-11-25"
            ),
        ]
    );
}

#[test]
fn dormant_outsourced_accounts_need_history_long_enough_to_tell() {
    let accounts = "wb_sun,孙浩,信息中心,outsourced,active,2026-03-01\n\
                    wb_zhou,周工,信息中心,outsourced,active,2026-03-01\n\
                    wb_wu,吴工,信息中心,outsourced,active,2026-11-20\n\
                    wb_li,李工,信息中心,outsourced,active,2026-01-05\n\
                    lina,李娜,档案室,employee,active,2026-01-01\n";
    let login = |n, ts, user| ev(n, ts, "login.success", Some(user));
    let events = vec![
        login(1, "2026-08-14 10:00:00", "wb_zhou"), // 108 days before December 1
        login(2, "2026-09-02 10:00:00", "wb_sun"),  // 89 days before: not yet
        login(3, "2026-08-01 09:00:00", "lina"),    // employees are not this rule's
        ev(4, "2026-11-20 10:00:00", "login.failure", Some("wb_li")).failed(),
    ];
    let f = run("account.dormant_outsourced", events, "", accounts);
    let got: Vec<(&str, String)> = f
        .iter()
        .map(|f| (f.actor.as_deref().unwrap_or(""), f.time.to_rfc3339()))
        .collect();
    // wb_zhou: dormant since November 12. wb_li: no login in the index, which reaches back to
    // August 1: dormant since October 30 (reported from the period's start). wb_wu: new.
    assert_eq!(
        got,
        vec![
            ("wb_li", "2026-11-01T00:00:00+08:00".to_string()),
            ("wb_zhou", "2026-11-12T10:00:00+08:00".to_string())
        ]
    );
    assert_eq!(hits(&f), vec![vec![], vec![1]]);
}

#[test]
fn shanghai_hours_judge_a_server_that_logs_in_utc() {
    let mut p = policy();
    p.admin_accounts.insert("root".into());
    let tickets = "N-1,data_edit,1,ops_li,张总,general_manager,2026-11-10T20:00:00+08:00,2026-11-10T20:00:00+08:00,2026-11-10T23:00:00+08:00,public.archive_item\n";
    let sudo = |n, ts| {
        ev(n, ts, "sudo.command", Some("ops_li"))
            .host("arch-db01")
            .target("root")
    };
    let events = vec![
        sudo(1, "2026-11-11T02:00:00Z"), // 10:00 in Shanghai: working hours
        sudo(2, "2026-11-11T11:00:00Z"), // 19:00 in Shanghai: off hours
        sudo(3, "2026-11-13T12:00:00Z"), // Friday 20:00 in Shanghai: the release window
        sudo(4, "2026-11-14T02:00:00Z"), // Saturday 10:00 in Shanghai
        sudo(5, "2026-11-10T13:00:00Z"), // 21:00 in Shanghai, covered by N-1
        ev(6, "2026-11-11T03:00:00Z", "sudo.command", Some("ops_li")).failed(),
        ev(7, "2026-11-11T16:30:00Z", "record.update", Some("linfeng")).role(ActorRole::Admin), // 00:30
        ev(8, "2026-11-11T16:30:00Z", "record.view", Some("linfeng")).role(ActorRole::Admin), // a read
    ];
    let all = run_with(
        "admin.action",
        events.clone(),
        tickets,
        "",
        &p,
        "2026-11-01 00:00:00",
        "2026-12-01 00:00:00",
    );
    assert_eq!(
        hits(&all),
        vec![vec![5], vec![1], vec![2], vec![7], vec![3], vec![4]]
    );
    let off = run_with(
        "admin.offhours",
        events,
        tickets,
        "",
        &p,
        "2026-11-01 00:00:00",
        "2026-12-01 00:00:00",
    );
    assert_eq!(hits(&off), vec![vec![2], vec![7], vec![4]]);
    assert!(
        off[2].summary.contains("on a non-working day (Saturday)"),
        "{}",
        off[2].summary
    );
}

#[test]
fn changes_and_releases_against_the_calendar() {
    let er = "ER-1,emergency_release,,linfeng,信息管理部,archives_head,2026-11-10T12:00:00+08:00,2026-11-10T19:00:00+08:00,2026-11-10T23:00:00+08:00,\n";
    let rel = |n, ts| ev(n, ts, "release.deploy", Some("linfeng")).target("archive-web");
    let events = vec![
        rel(1, "2026-11-13 18:00:00"), // Friday, the window's first minute
        rel(2, "2026-11-13 17:59:59"), // Friday, one second early, in business hours
        rel(3, "2026-11-10 20:00:00"), // Tuesday night with an emergency ticket
        rel(4, "2026-11-11 14:18:57"), // Wednesday afternoon, no ticket
        ev(5, "2026-11-11 10:00:00", "config.change", Some("linfeng"))
            .target("config/session.timeout"),
        ev(6, "2026-11-11 10:00:00", "db.ddl", Some("dba_wang")).target("public.archive_item"),
        ev(7, "2026-11-11 10:00:00", "db.ddl", Some("dba_wang")).target("public.tmp_import"),
        ev(8, "2026-11-11 20:00:00", "config.change", Some("linfeng")),
    ];
    assert_eq!(
        hits(&run("release.outside_window", events.clone(), er, "")),
        vec![vec![4], vec![2]]
    );
    assert_eq!(
        hits(&run("change.business_hours", events, er, "")),
        vec![vec![5], vec![6], vec![4], vec![2]]
    );
}

#[test]
fn a_change_needs_a_backup_of_its_host_on_both_sides() {
    let ok = |n, ts, host| ev(n, ts, "backup.finish", None).host(host);
    let rel = |n, ts| {
        ev(n, ts, "release.deploy", Some("linfeng"))
            .host("web")
            .target("archive-web")
    };
    let events = vec![
        ok(1, "2026-11-05 03:00:00", "web"),
        ok(2, "2026-11-06 03:00:00", "web"),
        ok(3, "2026-11-07 03:00:00", "web"),
        rel(4, "2026-11-06 20:00:00"),      // covered both sides
        ok(5, "2026-11-09 03:00:00", "db"), // another host's backup
        ok(6, "2026-11-10 03:00:00", "web").failed(), // failed
        rel(7, "2026-11-09 20:00:00"),      // nothing within 24 h after
        ok(8, "2026-11-11 03:00:00", "web"),
        rel(9, "2026-11-30 20:00:00"), // after: not known yet
        ok(10, "2026-11-30 03:00:00", "web"),
        ev(11, "2026-11-30 21:00:00", "login.success", Some("x")), // the newest event
    ];
    let f = run("backup.change_uncovered", events, "", "");
    assert_eq!(hits(&f), vec![vec![7]]);
    assert_eq!(
        f[0].summary,
        "release of archive-web by linfeng on web without a successful backup of web within 1d on each side: the last one before it was at 2026-11-07 03:00:00; the next one after it was at 2026-11-11 03:00:00"
    );
}

#[test]
fn silence_is_a_gap_longer_than_the_sources_limit() {
    let mut p = policy();
    p.quiet
        .insert("db".into(), chrono::TimeDelta::hours(6).into());
    // A source whose log begins with the period: judged from the period's start, not before.
    p.quiet
        .insert("new".into(), chrono::TimeDelta::hours(6).into());
    let e = |n, ts| ev(n, ts, "db.read", Some("archive_app")).source("db");
    let events = vec![
        e(1, "2026-10-31 22:00:00"),
        e(2, "2026-11-01 03:00:00"), // 5 h: fine
        e(3, "2026-11-01 09:00:00"), // 6 h exactly: fine
        e(4, "2026-11-01 15:00:01"), // 6 h and a second: silent
        e(5, "2026-11-02 10:00:00"), // 19 h: silent
        ev(6, "2026-11-02 12:00:00", "login.success", Some("x")).source("other"), // the newest event
        ev(7, "2026-11-01 05:59:00", "db.read", Some("x")).source("new"),
        ev(8, "2026-11-02 11:00:00", "db.read", Some("x")).source("new"),
    ];
    let f = run_with(
        "source.silent",
        events,
        "",
        "",
        &p,
        "2026-11-01 00:00:00",
        "2026-12-01 00:00:00",
    );
    assert_eq!(hits(&f), vec![vec![7, 8], vec![3, 4], vec![4, 5]]);
    assert_eq!(
        f[1].summary,
        "no event from source db for 6h1s, from 2026-11-01 09:00:00 to 2026-11-01 15:00:01 (limit 6h)"
    );
}

#[test]
fn permissions_and_tampering() {
    let sp = "SP-1,special_permission,,linfeng,刘强,archives_head,2026-11-01T00:00:00+08:00,2026-11-01T00:00:00+08:00,2026-11-30T00:00:00+08:00,\n";
    let events = vec![
        ev(
            1,
            "2026-11-05 10:00:00",
            "permission.grant",
            Some("linfeng"),
        )
        .target("zhangwei"),
        ev(2, "2026-11-05 10:00:00", "permission.grant", Some("hegang")).target("zhangwei"),
        ev(3, "2026-11-06 10:00:00", "db.grant", Some("dba_wang"))
            .target("public.archive_item")
            .field(
                "statement",
                "GRANT SELECT, UPDATE ON public.archive_item TO report_user",
            ),
        ev(4, "2026-11-06 10:05:00", "db.grant", Some("dba_wang"))
            .target("public.archive_item")
            .field(
                "statement",
                "REVOKE UPDATE ON public.archive_item FROM report_user",
            ),
        ev(5, "2026-11-07 10:00:00", "group.modify", None)
            .target("sudo")
            .field("change", "add_member")
            .field("member", "wb_sun"),
        ev(6, "2026-11-07 10:00:00", "group.modify", None)
            .target("archive-ro")
            .field("change", "add_member")
            .field("member", "wb_sun"),
        ev(
            7,
            "2026-11-08 23:00:00",
            "audit.config_change",
            Some("ops_zhao"),
        )
        .target("pg-conf"),
        ev(8, "2026-11-08 23:00:00", "audit.config_change", None).target("boot"),
        ev(
            9,
            "2026-11-08 23:10:00",
            "audit.log_cleared",
            Some("ops_zhao"),
        ),
    ];
    let f = run("permission.unapproved", events.clone(), sp, "");
    assert_eq!(hits(&f), vec![vec![2], vec![3], vec![5]]);
    assert_eq!(
        f[1].summary,
        "GRANT on public.archive_item to report_user by dba_wang with no approved special_permission ticket"
    );
    assert_eq!(
        f[2].summary,
        "wb_sun added to the administrator group sudo with no approved special_permission ticket"
    );
    assert_eq!(
        hits(&run("audit.tampering", events, sp, "")),
        vec![vec![7], vec![9]]
    );
}

#[test]
fn the_months_edits_are_listed_with_their_ticket_approver_and_statement() {
    let tickets = "G-1,data_edit,3,dba_wang,李主任,archives_head,2026-11-01T10:00:00+08:00,2026-11-02T00:00:00+08:00,2026-11-03T00:00:00+08:00,public.*\n\
                   G-2,data_edit,2,dba_chen,王总,archives_leader,2026-11-01T10:00:00+08:00,2026-11-02T00:00:00+08:00,2026-11-03T00:00:00+08:00,public.approval_flow\n";
    let e = |n, actor, table| ev(n, "2026-11-02 10:00:00", "db.update", Some(actor)).target(table);
    let events = vec![
        e(1, "dba_chen", "public.approval_flow").field(
            "statement",
            "UPDATE public.approval_flow SET state = 'done' WHERE id = 42",
        ),
        e(2, "dba_wang", "public.archive_item").ticket("G-1"),
        e(3, "dba_chen", "public.archive_item"),
        e(4, "archive_app", "public.archive_item"),
    ];
    let store = MemStore { events };
    let approvals =
        Approvals::parse(Path::new("a.csv"), &format!("{HEAD}{tickets}")).unwrap_or_default();
    let accounts = Accounts::default();
    let p = policy();
    let checks = Checks {
        store: &store,
        policy: &p,
        approvals: &approvals,
        accounts: &accounts,
        jobs: &[],
    };
    let edits = checks
        .data_edits(t("2026-11-01 00:00:00"), t("2026-12-01 00:00:00"))
        .unwrap_or_default();
    type Line<'a> = (
        &'a str,
        &'a str,
        u8,
        Option<&'a str>,
        Option<&'a str>,
        crate::EditVerdict,
    );
    let got: Vec<Line> = edits
        .iter()
        .map(|e| {
            (
                e.actor.as_deref().unwrap_or(""),
                e.table.as_str(),
                e.grade,
                e.ticket.as_deref(),
                e.approver_role.as_deref(),
                e.verdict,
            )
        })
        .collect();
    use crate::EditVerdict::*;
    assert_eq!(
        got,
        vec![
            (
                "dba_chen",
                "public.approval_flow",
                2,
                Some("G-2"),
                Some("archives_leader"),
                Approved
            ),
            (
                "dba_wang",
                "public.archive_item",
                1,
                Some("G-1"),
                Some("archives_head"),
                GradeTooLow
            ),
            ("dba_chen", "public.archive_item", 1, None, None, Unapproved),
        ]
    );
    assert_eq!(
        edits[0].statement.as_deref(),
        Some("UPDATE public.approval_flow SET state = 'done' WHERE id = 42")
    );
    assert_eq!(edits[1].quoted.as_deref(), Some("G-1"));
    assert_eq!(edits[0].summary, "");
    assert_eq!(
        edits[2].summary,
        "db.update on public.archive_item (grade 1) by dba_chen with no approved data_edit ticket covering it"
    );
}
