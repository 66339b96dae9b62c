//! Accounts against HR's register: use after a departure or a disabling, departed accounts not
//! disabled in time, dormant outsourced accounts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use vigil_index::{Filter, Row};

use super::Ctx;
use crate::error::Result;
use crate::finding::Finding;
use crate::policy::{JudgedBy, format_duration, format_duration_zh};
use crate::registers::{Account, AccountKind, Status};

/// Actions that are not a use of the account: failures, and the ends of sessions.
fn is_use(r: &Row) -> bool {
    r.outcome.as_ref() != "failure"
        && !matches!(
            r.action.as_ref(),
            "logout"
                | "session.close"
                | "db.disconnect"
                | "login.failure"
                | "login.invalid_user"
                | "auth.failure"
                | "db.auth_failure"
        )
}

/// The successful uses of `users` in `[since, until)`, oldest first.
fn uses(
    ctx: &Ctx,
    users: &[&Account],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Row>> {
    if users.is_empty() || since >= until {
        return Ok(Vec::new());
    }
    let filter = Filter::between(since, until)
        .one_of("actor", ctx.actors(users.iter().map(|a| a.user.clone())));
    Ok(ctx.rows(&filter)?.into_iter().filter(is_use).collect())
}

/// The first successful deactivation (account.lock or account.delete with the account as
/// target) of each account before `until`.
fn deactivations(ctx: &Ctx, until: DateTime<Utc>) -> Result<BTreeMap<String, Row>> {
    let filter = Filter {
        until: Some(until),
        ..Filter::all()
    }
    .one_of("action", ["account.lock", "account.delete"]);
    let mut first: BTreeMap<String, Row> = BTreeMap::new();
    let mut rows = ctx.rows(&filter)?;
    rows.sort_by(|a, b| (a.ts, &a.id).cmp(&(b.ts, &b.id)));
    for r in rows {
        if r.outcome.as_ref() == "failure" {
            continue;
        }
        if let Some(t) = r.target.as_deref().filter(|t| !t.is_empty()) {
            first.entry(t.to_string()).or_insert(r);
        }
    }
    Ok(first)
}

/// `login.disabled_account`: a successful login or any successful action by an account after
/// its deactivation. What deactivates an account is the policy's `disabled_judged_by`: the
/// register (status disabled or departed, from the day after its `changed_on`: the register gives
/// the day, not the hour, so the day itself is allowed; the default), deactivation events
/// (account.lock or account.delete with the account as target, from that moment), or both
/// (whichever is first). An account disabled in time and never used after is not a finding.
/// One finding per account, source and day, with every event as evidence.
pub(super) fn disabled_account_use(ctx: &Ctx) -> Result<Vec<Finding>> {
    let by = ctx.policy.disabled_judged_by;
    // Each account's deactivation: when, and how vigil knows.
    let mut off: BTreeMap<String, (DateTime<Utc>, String, String)> = BTreeMap::new();
    if by.register() {
        for a in ctx.accounts.accounts.values() {
            if a.status != Status::Active {
                let how = format!(
                    "{}, {} {} {}",
                    a.name,
                    kind_name(a.kind),
                    a.status.as_str(),
                    a.changed_on
                );
                let how_zh = format!(
                    "{}，{}，{} {}",
                    a.name,
                    kind_name_zh(a.kind),
                    a.changed_on,
                    status_zh(a.status)
                );
                off.insert(
                    a.user.clone(),
                    (ctx.policy.end_of(a.changed_on), how, how_zh),
                );
            }
        }
    }
    if by.events() {
        for (user, r) in deactivations(ctx, ctx.until)? {
            let locked = r.action.as_ref() == "account.lock";
            let how = format!(
                "{} by {} at {}",
                if locked { "disabled" } else { "deleted" },
                r.actor.as_deref().unwrap_or("-"),
                ctx.fmt(r.ts)
            );
            let how_zh = format!(
                "已由 {} 于 {} {}",
                r.actor.as_deref().unwrap_or("-"),
                ctx.fmt(r.ts),
                if locked { "禁用" } else { "删除" }
            );
            match off.get(&user) {
                Some((t, ..)) if *t <= r.ts => {}
                _ => {
                    off.insert(user, (r.ts, how, how_zh));
                }
            }
        }
    }
    let mut groups: BTreeMap<(String, String, NaiveDate), Vec<Row>> = BTreeMap::new();
    if !off.is_empty() {
        let filter = ctx
            .period()
            .one_of("actor", ctx.actors(off.keys().cloned()));
        for row in ctx.rows(&filter)?.into_iter().filter(is_use) {
            let Some(user) = row.actor.as_deref() else {
                continue;
            };
            let Some((since, ..)) = off.get(user) else {
                continue;
            };
            if row.ts < *since {
                continue;
            }
            let day = ctx.policy.local(row.ts).date_naive();
            groups
                .entry((user.to_string(), row.source.to_string(), day))
                .or_default()
                .push(row);
        }
    }
    let mut out = Vec::new();
    for ((user, source, day), rows) in groups {
        let Some((_, how, how_zh)) = off.get(&user) else {
            continue;
        };
        let logins = rows
            .iter()
            .filter(|r| matches!(r.action.as_ref(), "login.success" | "db.connect"))
            .count();
        let summary = format!(
            "{user} ({how}) used on {source} ({}) on {day}: {logins} logins, {} events in all",
            rows[0].host,
            rows.len()
        );
        let mut f = ctx.finding_of("login.disabled_account", &rows, summary);
        f.summary_zh = Some(format!(
            "{user}（{how_zh}）于 {day} 在 {source}（{}）上被使用：登录 {logins} 次，共 {} 条事件",
            rows[0].host,
            rows.len()
        ));
        ctx.span(&mut f, &rows);
        out.push(f);
    }
    Ok(out)
}

fn kind_name_zh(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Employee => "员工",
        AccountKind::Outsourced => "外委人员",
    }
}

fn status_zh(s: Status) -> &'static str {
    match s {
        Status::Active => "在用",
        Status::Disabled => "禁用",
        Status::Departed => "离职",
    }
}

fn kind_name(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Employee => "employee",
        AccountKind::Outsourced => "outsourced",
    }
}

/// When `account`'s access must be gone: the end of its departure day for an employee, the end
/// of the Nth working day after it for outsourced staff (policy `outsourced_notice_days`).
fn deadline(ctx: &Ctx, account: &Account) -> DateTime<Utc> {
    match account.kind {
        AccountKind::Employee => ctx.policy.end_of(account.changed_on),
        AccountKind::Outsourced => ctx.policy.end_of(
            ctx.policy
                .working_days_after(account.changed_on, ctx.policy.outsourced_notice_days),
        ),
    }
}

/// `account.departed_active`: a departed account (register status) used after its deadline, or
/// whose deadline falls in the period with no disabling (account.lock or account.delete with the
/// account as target) between the start of its departure day and the deadline. The policy's
/// `departed_judged_by` says what counts: `register` (the register's status is the record of
/// the disabling: only uses after the deadline), `events` (a disabling event by the deadline,
/// and no use after it), `both` (the default: a disabling event by the deadline, and no use
/// after the deadline or the disabling, whichever is first). One finding per account.
pub(super) fn departed_active(ctx: &Ctx) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for account in ctx
        .accounts
        .accounts
        .values()
        .filter(|a| a.status == Status::Departed)
    {
        let due = deadline(ctx, account);
        let by = ctx.policy.departed_judged_by;
        let due_in_period = ctx.since <= due && due <= ctx.until;
        let mut disabled_in_time = true;
        let mut later = None;
        let mut first_off = None;
        if by.events() {
            let filter =
                Filter::between(ctx.policy.start_of(account.changed_on), ctx.until.max(due))
                    .one_of("action", ["account.lock", "account.delete"])
                    .term("target", account.user.clone());
            let mut disablings: Vec<Row> = ctx
                .rows(&filter)?
                .into_iter()
                .filter(|r| r.outcome.as_ref() != "failure")
                .collect();
            disablings.sort_by_key(|r| r.ts);
            first_off = disablings.first().map(|r| r.ts);
            if due_in_period {
                disabled_in_time = disablings.iter().any(|r| r.ts < due);
                later = disablings.into_iter().find(|r| r.ts >= due);
            }
        }
        // Uses count from the deadline (register), from the deactivation (events), or from
        // whichever is first (both).
        let from = match by {
            JudgedBy::Register => Some(due),
            JudgedBy::Events => first_off,
            JudgedBy::Both => Some(first_off.map_or(due, |t| t.min(due))),
        };
        let used = match from {
            Some(t) => uses(ctx, &[account], t.max(ctx.since), ctx.until)?,
            None => Vec::new(),
        };
        if used.is_empty() && disabled_in_time {
            continue;
        }
        let who = format!(
            "{} ({}, {}, departed {})",
            account.user,
            account.name,
            kind_name(account.kind),
            account.changed_on
        );
        // The deadline is the start of the next day: name the day that ends.
        let last_day = ctx
            .policy
            .local(due - chrono::TimeDelta::seconds(1))
            .date_naive();
        let who_zh = format!(
            "{}（{}，{}，{} 离职）",
            account.user,
            account.name,
            kind_name_zh(account.kind),
            account.changed_on
        );
        let mut parts = Vec::new();
        let mut parts_zh = Vec::new();
        if !disabled_in_time {
            parts.push(match &later {
                Some(r) => format!(
                    "disabled only at {}, after its deadline, the end of {last_day}",
                    ctx.fmt(r.ts)
                ),
                None => format!("not disabled by its deadline, the end of {last_day}"),
            });
            parts_zh.push(match &later {
                Some(r) => format!(
                    "直到 {} 才禁用，晚于期限（{last_day} 当日结束）",
                    ctx.fmt(r.ts)
                ),
                None => format!("未在期限（{last_day} 当日结束）前禁用"),
            });
        }
        if !used.is_empty() {
            let sources: std::collections::BTreeSet<&str> =
                used.iter().map(|r| r.source.as_ref()).collect();
            let sources = sources.into_iter().collect::<Vec<_>>().join(", ");
            let last_use = used.last().map(|r| ctx.fmt(r.ts)).unwrap_or_default();
            let after_disabling = matches!(from, Some(t) if t < due);
            parts.push(format!(
                "still used {} times after {} ({sources}), last at {last_use}",
                used.len(),
                if after_disabling {
                    "it was disabled"
                } else {
                    "the deadline"
                },
            ));
            parts_zh.push(format!(
                "{}后仍被使用 {} 次（{sources}），最近一次在 {last_use}",
                if after_disabling { "禁用" } else { "期限" },
                used.len(),
            ));
        }
        let summary = format!("{who}: {}", parts.join("; "));
        let summary_zh = format!("{who_zh}：{}", parts_zh.join("；"));
        let mut f = if used.is_empty() {
            ctx.finding("account.departed_active", due, summary)
        } else {
            let mut f = ctx.finding_of("account.departed_active", &used, summary);
            ctx.span(&mut f, &used);
            if !disabled_in_time {
                f.time = ctx.policy.local(due.min(used[0].ts)).fixed_offset();
            }
            f
        };
        f.summary_zh = Some(summary_zh);
        f.actor = Some(account.user.clone());
        f.target = Some(account.user.clone());
        out.push(f);
    }
    Ok(out)
}

/// `account.dormant_outsourced`: an outsourced account that the register holds active, whose
/// last successful login (login.success, db.connect) before the end of the period is longer ago
/// than the dormancy limit; or with no login at all, when both its `changed_on` and the start of
/// what the index knows of logins are longer ago than the limit. The finding's time is the day
/// it became dormant (or the period's start, if earlier).
pub(super) fn dormant_outsourced(ctx: &Ctx) -> Result<Vec<Finding>> {
    let accounts: Vec<&Account> = ctx
        .accounts
        .accounts
        .values()
        .filter(|a| a.kind == AccountKind::Outsourced && a.status == Status::Active)
        .collect();
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let end = ctx.until;
    let limit = ctx.policy.dormant_after;
    let logins = Filter {
        until: Some(end),
        ..Filter::all()
    }
    .one_of("action", ["login.success", "db.connect"]);
    let known_from = ctx.store.span(&logins)?.map(|(a, _)| a);
    let mut last: BTreeMap<String, Row> = BTreeMap::new();
    for row in ctx.rows(
        &logins
            .clone()
            .one_of("actor", ctx.actors(accounts.iter().map(|a| a.user.clone()))),
    )? {
        if row.outcome.as_ref() == "failure" {
            continue;
        }
        if let Some(actor) = row.actor.as_deref() {
            last.insert(actor.to_string(), row);
        }
    }
    let mut out = Vec::new();
    for account in accounts {
        let (since, evidence, how, how_zh) = match last.get(&account.user) {
            Some(row) => (
                row.ts,
                Some(row.clone()),
                format!("last logged in at {} on {}", ctx.fmt(row.ts), row.host),
                format!("最近一次于 {} 登录 {}", ctx.fmt(row.ts), row.host),
            ),
            None => {
                let Some(known) = known_from else { continue };
                let active = ctx.policy.start_of(account.changed_on);
                let since = known.max(active);
                let (how, how_zh) = if active >= known {
                    (
                        format!(
                            "never logged in since it was activated on {}",
                            account.changed_on
                        ),
                        format!("自 {} 启用以来从未登录", account.changed_on),
                    )
                } else {
                    (
                        format!(
                            "no login since at least {} (the oldest login vigil holds)",
                            ctx.fmt(known)
                        ),
                        format!(
                            "至少自 {}（vigil 所存最早的登录）以来没有登录",
                            ctx.fmt(known)
                        ),
                    )
                };
                (since, None, how, how_zh)
            }
        };
        if end - since <= limit {
            continue;
        }
        let became = since + limit;
        let summary = format!(
            "{} ({}, outsourced, active) {how}: more than {} without a login by {}; disable it",
            account.user,
            account.name,
            format_duration(limit),
            ctx.fmt(end)
        );
        let mut f = match &evidence {
            Some(row) => ctx.finding_of(
                "account.dormant_outsourced",
                std::slice::from_ref(row),
                summary,
            ),
            None => ctx.finding("account.dormant_outsourced", became, summary),
        };
        f.summary_zh = Some(format!(
            "{}（{}，外委人员，在用）{how_zh}：截至 {} 已超过 {} 未登录，应予禁用",
            account.user,
            account.name,
            ctx.fmt(end),
            format_duration_zh(limit),
        ));
        f.time = ctx.policy.local(became.max(ctx.since)).fixed_offset();
        f.actor = Some(account.user.clone());
        f.target = Some(account.user.clone());
        f.src_ip = None;
        out.push(f);
    }
    Ok(out)
}
