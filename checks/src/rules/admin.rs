//! Administrator actions and when they happen, changes and releases against the calendar, and
//! tampering with the audit trail.

use std::collections::BTreeSet;

use chrono::Datelike;
use vigil_index::Row;

use super::{COMMANDS, Ctx, acts, once, or_dash, runs};
use crate::error::Result;
use crate::finding::Finding;
use crate::registers::TicketKind;

/// Actions that only end what a counted action began.
const CLOSING: [&str; 4] = ["logout", "session.close", "db.disconnect", "session.open"];

/// The administrator actions of the period, grouped into acts: sudo.command and su.success;
/// a successful login as root or as an administrator account; any action of the application's
/// administrator roles that is not a read or a session's end; db.ddl and db.grant by a database
/// superuser.
fn admin_acts(ctx: &Ctx) -> Result<Vec<Vec<Row>>> {
    let p = ctx.policy;
    let mut rows = ctx.rows(
        &ctx.period()
            .one_of("action", ["sudo.command", "su.success"]),
    )?;
    let mut logins: BTreeSet<String> = p.admin_accounts.clone();
    logins.insert("root".into());
    rows.extend(
        ctx.rows(
            &ctx.period()
                .term("action", "login.success")
                .one_of("actor", ctx.actors(logins)),
        )?,
    );
    if !p.admin_roles.is_empty() {
        rows.extend(
            ctx.rows(
                &ctx.period()
                    .one_of("actor_role", p.admin_roles.iter().cloned())
                    .none_of("action", CLOSING)
                    .none_of("category", ["data_read"]),
            )?,
        );
    }
    if !p.db_superusers.is_empty() {
        rows.extend(
            ctx.rows(
                &ctx.period()
                    .one_of("action", ["db.ddl", "db.grant"])
                    .one_of("actor", ctx.actors(p.db_superusers.iter().cloned())),
            )?,
        );
    }
    rows.retain(|r| r.outcome.as_ref() != "failure");
    rows.sort_by(|a, b| (a.ts, &a.id).cmp(&(b.ts, &b.id)));
    rows.dedup_by(|a, b| a.id == b.id);
    Ok(acts(rows))
}

/// `admin.action` (`offhours` false): every administrator action (see `admin_acts`), one finding
/// per act. `admin.offhours` (`offhours` true): those outside main business hours or on a
/// non-working day, except inside the release window or covered by any ticket of the register
/// whose operator is the actor and whose window holds the time.
pub(super) fn actions(ctx: &Ctx, offhours: bool) -> Result<Vec<Finding>> {
    // admin.action and admin.offhours read the same acts: once per run.
    let all = once(&ctx.admin_acts, || admin_acts(ctx))?;
    let mut acts: Vec<Vec<Row>> = if offhours { Vec::new() } else { all.clone() };
    if offhours {
        // A login is not work done: the commands after it are judged. Root's is the exception,
        // and every administrator's where the policy says so (`offhours_counts_logins`).
        let logins = ctx.policy.offhours_counts_logins;
        acts = all
            .iter()
            .filter(|act| {
                let r = &act[0];
                (!matches!(r.action.as_ref(), "login.success" | "login.privileged")
                    || logins
                    || r.actor.as_deref() == Some("root"))
                    && outside_hours(ctx, r)
            })
            .cloned()
            .collect();
    }
    // The summary names the command sudo ran (its `command` field), not the user it ran as
    // (sudo's target).
    let ids: Vec<String> = acts
        .iter()
        .flatten()
        .filter(|r| r.action.as_ref() == "sudo.command")
        .map(|r| r.id.to_string())
        .collect();
    let commands: std::collections::HashMap<_, _> = ctx
        .with_commands(ids)?
        .into_iter()
        .map(|r| (r.id.clone(), r.target))
        .collect();
    for r in acts.iter_mut().flatten() {
        if let Some(c) = commands.get(&r.id) {
            r.target = c.clone();
        }
    }
    let mut out = Vec::new();
    for act in &acts {
        let row = &act[0];
        let (what, what_zh) = match row.action.as_ref() {
            "sudo.command" => (
                format!(
                    "sudo by {} on {}: {}",
                    or_dash(&row.actor),
                    row.host,
                    or_dash(&row.target)
                ),
                format!(
                    "{} 在 {} 上以 sudo 执行：{}",
                    or_dash(&row.actor),
                    row.host,
                    or_dash(&row.target)
                ),
            ),
            "su.success" => (
                format!(
                    "su by {} to {} on {}",
                    or_dash(&row.actor),
                    or_dash(&row.target),
                    row.host
                ),
                format!(
                    "{} 在 {} 上切换为 {}",
                    or_dash(&row.actor),
                    row.host,
                    or_dash(&row.target)
                ),
            ),
            "login.success" => (
                format!(
                    "{} logged in on {} from {}",
                    or_dash(&row.actor),
                    row.host,
                    or_dash(&row.src_ip)
                ),
                format!(
                    "{} 从 {} 登录 {}",
                    or_dash(&row.actor),
                    or_dash(&row.src_ip),
                    row.host
                ),
            ),
            a => (
                format!(
                    "{a} by {} on {} ({})",
                    or_dash(&row.actor),
                    or_dash(&row.target),
                    row.source
                ),
                format!(
                    "{} 对 {} 执行{}（{}）",
                    or_dash(&row.actor),
                    or_dash(&row.target),
                    vigil_parsers::vocab::chinese_name(a).unwrap_or(a),
                    row.source
                ),
            ),
        };
        if !offhours {
            let mut f = ctx.finding_of("admin.action", act, what);
            f.summary_zh = Some(what_zh);
            out.push(f);
            continue;
        }
        let p = ctx.policy;
        if p.in_working_hours(row.ts) || p.in_release_window(row.ts) {
            continue;
        }
        if exempt(ctx, row) {
            continue;
        }
        let local = p.local(row.ts);
        let (when, when_zh) = if p.is_working_day(local.date_naive()) {
            (
                format!("outside working hours ({})", p.working_hours),
                format!("在工作时间（{}）以外", p.working_hours),
            )
        } else {
            (
                format!("on a non-working day ({})", local.format("%A")),
                format!(
                    "在非工作日（{}）",
                    crate::policy::weekday_zh(local.weekday())
                ),
            )
        };
        let mut f = ctx.finding_of(
            "admin.offhours",
            act,
            format!("{what}, {when}, outside the release window and with no ticket covering it"),
        );
        f.summary_zh = Some(format!(
            "{what_zh}；{when_zh}，不在发布窗口期内，也无覆盖它的工单"
        ));
        out.push(f);
    }
    Ok(out)
}

/// Whether an administrator action at `row` is off hours: outside main business hours or on a
/// non-working day, not in the release window, and not covered by any ticket of its actor.
fn outside_hours(ctx: &Ctx, row: &Row) -> bool {
    let p = ctx.policy;
    if p.in_working_hours(row.ts) || p.in_release_window(row.ts) {
        return false;
    }
    !exempt(ctx, row)
}

/// Whether a ticket exempts the administrator action at `row` from `admin.offhours`: one whose
/// operator is the actor and whose window holds the time, of a kind the policy names
/// (`offhours_exempt_tickets`; any kind by default).
fn exempt(ctx: &Ctx, row: &Row) -> bool {
    let Some(actor) = row.actor.as_deref() else {
        return false;
    };
    match &ctx.policy.offhours_exempt_tickets {
        None => ctx
            .approvals
            .for_operator(None, actor, row.ts)
            .next()
            .is_some(),
        Some(kinds) => kinds.iter().any(|k| {
            ctx.approvals
                .for_operator(Some(*k), actor, row.ts)
                .next()
                .is_some()
        }),
    }
}

/// Whether `row` is a change: one of the policy's `change_actions` (config.change,
/// release.deploy, db.ddl by default), db.ddl only on a business table.
fn is_change(ctx: &Ctx, row: &Row) -> bool {
    if !ctx.policy.change_actions.contains(row.action.as_ref()) {
        return false;
    }
    row.action.as_ref() != "db.ddl"
        || row
            .target
            .as_deref()
            .is_some_and(|t| ctx.policy.grade_of(t).is_some())
}

/// Whether an emergency_release ticket covers the actor of `row` at its time.
fn emergency(ctx: &Ctx, row: &Row) -> bool {
    row.actor.as_deref().is_some_and(|a| {
        ctx.approvals
            .for_operator(Some(TicketKind::EmergencyRelease), a, row.ts)
            .next()
            .is_some()
    })
}

/// `change.business_hours`: a change (policy `change_actions`: config.change, release.deploy,
/// db.ddl on a business table by default) inside main business hours on a working day, with no emergency_release ticket for its actor
/// whose window holds the time (regulation 7.2.2.4: changes happen outside main business hours).
pub(super) fn business_hours_changes(ctx: &Ctx) -> Result<Vec<Finding>> {
    let actions = &ctx.policy.change_actions;
    if actions.is_empty() {
        return Ok(Vec::new());
    }
    let rows = ctx.rows(&ctx.period().one_of("action", actions.iter().cloned()))?;
    let mut out = Vec::new();
    for row in rows {
        if row.outcome.as_ref() == "failure"
            || !is_change(ctx, &row)
            || !ctx.policy.in_working_hours(row.ts)
        {
            continue;
        }
        if emergency(ctx, &row) {
            continue;
        }
        let mut f = ctx.finding_of(
            "change.business_hours",
            std::slice::from_ref(&row),
            format!(
                "{} of {} by {} in main business hours ({}) with no emergency ticket",
                row.action,
                or_dash(&row.target),
                or_dash(&row.actor),
                ctx.policy.working_hours
            ),
        );
        f.summary_zh = Some(format!(
            "{} 在主要业务时间（{}）对 {} 执行{}，无紧急工单",
            or_dash(&row.actor),
            ctx.policy.working_hours,
            or_dash(&row.target),
            vigil_parsers::vocab::chinese_name(&row.action).unwrap_or(&row.action),
        ));
        out.push(f);
    }
    Ok(out)
}

/// `release.outside_window`: a release.deploy outside the weekly release window with no
/// emergency_release ticket for its actor whose window holds the time.
pub(super) fn releases(ctx: &Ctx) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for row in ctx.rows(&ctx.period().term("action", "release.deploy"))? {
        if row.outcome.as_ref() == "failure"
            || ctx.policy.in_release_window(row.ts)
            || emergency(ctx, &row)
        {
            continue;
        }
        let mut summary = format!(
            "release of {} by {} at {}, outside the release window ({}), with no emergency release ticket",
            or_dash(&row.target),
            or_dash(&row.actor),
            ctx.policy.local(row.ts).format("%a %H:%M"),
            ctx.policy.release_window
        );
        let mut summary_zh = format!(
            "{} 于{} {} 发布 {}，不在发布窗口期（{}）内，且无紧急发布工单",
            or_dash(&row.actor),
            crate::policy::weekday_zh(ctx.policy.local(row.ts).weekday()),
            ctx.policy.local(row.ts).format("%H:%M"),
            or_dash(&row.target),
            ctx.policy.release_window.zh()
        );
        if let Some(q) = row.ticket.as_deref() {
            summary.push_str(&format!(" (it quotes {q})"));
            summary_zh.push_str(&format!("（引用了 {q}）"));
        }
        let mut f = ctx.finding_of(
            "release.outside_window",
            std::slice::from_ref(&row),
            summary,
        );
        f.summary_zh = Some(summary_zh);
        out.push(f);
    }
    Ok(out)
}

/// Whether a command empties, shreds or removes a file under /var/log.
fn clears_a_log(command: &str) -> bool {
    if !command.contains("/var/log") {
        return false;
    }
    if runs(command, &["truncate", "shred", "rm", "unlink"]) {
        return true;
    }
    // `: > /var/log/x`, `cat /dev/null > /var/log/x`, `echo > /var/log/x`, `cp /dev/null /var/log/x`.
    let c = command.replace(char::is_whitespace, "");
    c.starts_with(":>/var/log")
        || c.contains("/dev/null>/var/log")
        || c.starts_with(">/var/log")
        || c.contains("/dev/null/var/log")
}

/// `audit.tampering`: audit.log_cleared; audit.config_change by a person (an event with an
/// actor: rules loaded at boot have none); a command (sudo or auditd's record of it) that one of
/// the policy's `tamper_patterns` matches (by default: emptying or removing a file under
/// /var/log, `auditctl -D` or `-e 0`, `journalctl --vacuum-*`, stopping or disabling rsyslog,
/// auditd, systemd-journald or syslog-ng).
pub(super) fn tampering(ctx: &Ctx) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for row in ctx.rows(
        &ctx.period()
            .one_of("action", ["audit.log_cleared", "audit.config_change"]),
    )? {
        let by_person = row
            .actor
            .as_deref()
            .is_some_and(|a| !matches!(a, "unset" | "4294967295" | "-1" | "-"));
        if row.action.as_ref() == "audit.config_change" && !by_person {
            continue;
        }
        let (what, what_zh) = if row.action.as_ref() == "audit.log_cleared" {
            ("audit log cleared", "清除了审计日志")
        } else {
            ("audit rules changed", "修改了审计规则")
        };
        let mut f = ctx.finding_of(
            "audit.tampering",
            std::slice::from_ref(&row),
            format!(
                "{what} by {} on {} ({})",
                or_dash(&row.actor),
                row.host,
                or_dash(&row.target)
            ),
        );
        f.summary_zh = Some(format!(
            "{} 在 {} 上{what_zh}（{}）",
            or_dash(&row.actor),
            row.host,
            or_dash(&row.target)
        ));
        out.push(f);
    }
    let patterns = &ctx.policy.tamper_patterns;
    if patterns.is_empty() {
        return Ok(out);
    }
    // Every command of the period, read whole: a pattern is a regex, which the index cannot
    // narrow down.
    let ids: Vec<String> = ctx
        .rows(&ctx.period().one_of("action", COMMANDS))?
        .iter()
        .filter(|r| r.outcome.as_ref() != "failure")
        .map(|r| r.id.to_string())
        .collect();
    let commands: Vec<Row> = ctx
        .with_commands(ids)?
        .into_iter()
        .filter(|r| {
            r.target
                .as_deref()
                .is_some_and(|c| patterns.iter().any(|(_, re)| re.is_match(c)))
        })
        .collect();
    for act in acts(commands) {
        let row = &act[0];
        let command = or_dash(&row.target);
        let (what, what_zh) = if clears_a_log(command) {
            ("log file emptied or removed", "清空或删除了日志文件")
        } else {
            (
                "command that stops or erases auditing",
                "执行了停止或清除审计的命令",
            )
        };
        let mut f = ctx.finding_of(
            "audit.tampering",
            &act,
            format!(
                "{what} by {} on {}: {command}",
                or_dash(&row.actor),
                row.host,
            ),
        );
        f.summary_zh = Some(format!(
            "{} 在 {} 上{what_zh}：{command}",
            or_dash(&row.actor),
            row.host
        ));
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::clears_a_log;

    #[test]
    fn commands_that_clear_logs() {
        for c in [
            "/usr/bin/truncate -s 0 /var/log/auth.log",
            "truncate -s0 /var/log/audit/audit.log",
            "/usr/bin/shred -u /var/log/secure",
            "rm -f /var/log/auth.log.1",
            "cp /dev/null /var/log/wtmp",
        ] {
            assert!(clears_a_log(c), "{c}");
        }
        for c in [
            "/usr/bin/tail -f /var/log/auth.log",
            "truncate -s 0 /tmp/x",
            "rm -rf /home/x/var-log",
        ] {
            assert!(!clears_a_log(c), "{c}");
        }
    }
}
