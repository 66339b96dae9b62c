//! Backend data edits, exports and special permissions: each needs a ticket of its kind in the
//! approvals register that covers its operator, its time and its target.

use vigil_index::Row;

use super::{Ctx, EDITS, acts, or_dash, runs};
use crate::error::Result;
use crate::finding::Finding;
use crate::registers::{Approval, TicketKind};

/// Why the ticket a line quotes does not cover the event, in a few words.
fn why_not(ctx: &Ctx, quoted: &str, kind: TicketKind, row: &Row) -> String {
    let Some(a) = ctx.approvals.get(quoted) else {
        return format!("it quotes {quoted}, which the approvals register does not hold");
    };
    let mut reasons = Vec::new();
    if a.kind != kind {
        reasons.push(format!("is a {} ticket", a.kind.as_str()));
    }
    if Some(a.operator.as_str()) != row.actor.as_deref() {
        reasons.push(format!("is for {}", a.operator));
    }
    if !a.covers_time(row.ts) {
        reasons.push(format!(
            "is valid {} to {}",
            ctx.fmt(a.valid_from),
            ctx.fmt(a.valid_until)
        ));
    }
    if !a.covers_target(row.target.as_deref()) {
        reasons.push(format!("covers {} only", a.scope_text()));
    }
    format!("it quotes {quoted}, which {}", reasons.join(" and "))
}

/// The tickets of `kind` that cover `row`'s operator, time and target.
fn covering<'a>(ctx: &'a Ctx, kind: TicketKind, row: &'a Row) -> Vec<&'a Approval> {
    let Some(actor) = row.actor.as_deref() else {
        return Vec::new();
    };
    ctx.approvals
        .for_operator(Some(kind), actor, row.ts)
        .filter(|a| a.covers_target(row.target.as_deref()))
        .collect()
}

/// `data_edit.unapproved` (`grade` false) and `data_edit.grade` (`grade` true): every db.insert,
/// db.update, db.delete or db.ddl on a business table (a table with a grade in the policy) by an
/// account that is not a service account, in the period. Unapproved: no data_edit ticket has
/// the edit's actor as operator, a window holding its time and a scope holding its table (a
/// ticket the line quotes counts only if the register holds it and it covers the edit). Grade:
/// tickets cover it, but none was approved by a role that may approve the table's grade.
pub(super) fn edits(ctx: &Ctx, grade: bool) -> Result<Vec<Finding>> {
    let filter = ctx.period().one_of("action", EDITS).none_of(
        "actor",
        ctx.actors(ctx.policy.service_accounts.iter().cloned()),
    );
    let mut out = Vec::new();
    for row in ctx.rows(&filter)? {
        if row.outcome.as_ref() == "failure" {
            continue;
        }
        let Some(table) = row.target.as_deref() else {
            continue;
        };
        let Some(g) = ctx.policy.grade_of(table) else {
            continue;
        };
        let tickets = covering(ctx, TicketKind::DataEdit, &row);
        let what = format!(
            "{} on {table} (grade {g}) by {}",
            row.action,
            or_dash(&row.actor)
        );
        if tickets.is_empty() {
            if grade {
                continue;
            }
            let mut summary = format!("{what} with no approved data_edit ticket covering it");
            if let Some(q) = row.ticket.as_deref() {
                summary.push_str(&format!(
                    "; {}",
                    why_not(ctx, q, TicketKind::DataEdit, &row)
                ));
            }
            out.push(ctx.finding_of("data_edit.unapproved", std::slice::from_ref(&row), summary));
        } else if grade
            && !tickets
                .iter()
                .any(|a| ctx.policy.may_approve(&a.approver_role, g))
        {
            let t = tickets[0];
            let summary = format!(
                "{what} under {} approved by {} ({}), but grade {g} needs {}",
                t.ticket,
                t.approver,
                t.approver_role,
                ctx.policy.approvers_of(g).join(" or ")
            );
            let mut f = ctx.finding_of("data_edit.grade", std::slice::from_ref(&row), summary);
            if f.target.is_none() {
                f.target = Some(table.to_string());
            }
            out.push(f);
        }
    }
    Ok(out)
}

/// `data_export.unapproved`: a db.export (COPY ... TO), an export.request that ran, or a
/// command running pg_dump or mysqldump, by an account that is not a backup account, with no
/// data_export ticket covering its operator, time and target.
pub(super) fn exports(ctx: &Ctx) -> Result<Vec<Finding>> {
    let backup = &ctx.policy.backup_accounts;
    let mut candidates: Vec<Vec<Row>> = ctx
        .rows(
            &ctx.period()
                .one_of("action", ["db.export", "export.request"]),
        )?
        .into_iter()
        .filter(|r| match r.action.as_ref() {
            "export.request" => r.outcome.as_ref() == "success",
            _ => r.outcome.as_ref() != "failure",
        })
        .map(|r| vec![r])
        .collect();
    const DUMPERS: [&str; 4] = ["pg_dump", "pg_dumpall", "mysqldump", "mariadb-dump"];
    let dumps: Vec<Row> = ctx
        .commands(&[(&DUMPERS, &[])])?
        .into_iter()
        .filter(|r| r.target.as_deref().is_some_and(|c| runs(c, &DUMPERS)))
        .collect();
    candidates.extend(acts(dumps));
    let mut out = Vec::new();
    for act in candidates {
        let row = &act[0];
        if row.actor.as_deref().is_some_and(|a| backup.contains(a)) {
            continue;
        }
        if !covering(ctx, TicketKind::DataExport, row).is_empty() {
            continue;
        }
        let mut summary = format!(
            "{} of {} by {} with no approved data_export ticket",
            if row.action.as_ref() == "export.request" || row.action.as_ref() == "db.export" {
                "export"
            } else {
                "dump"
            },
            or_dash(&row.target),
            or_dash(&row.actor)
        );
        if let Some(q) = row.ticket.as_deref() {
            summary.push_str(&format!(
                "; {}",
                why_not(ctx, q, TicketKind::DataExport, row)
            ));
        }
        out.push(ctx.finding_of("data_export.unapproved", &act, summary));
    }
    Ok(out)
}

/// The grantee of a GRANT statement: the word after its last ` TO `.
fn grantee(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.rfind(" TO ")?;
    let rest = sql.get(at + 4..)?.trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ';' && *c != ',')
        .collect();
    let word = word.trim_matches(|c| c == '"' || c == '\'' || c == '`');
    let word = word
        .split('@')
        .next()
        .unwrap_or(word)
        .trim_matches(|c| c == '"' || c == '\'' || c == '`');
    (!word.is_empty()).then(|| word.to_string())
}

/// `permission.unapproved`: a permission.grant, a database GRANT (not REVOKE), or an account
/// added to an administrator group, with no special_permission ticket whose operator is the
/// actor or the grantee, whose window holds the time and whose scope holds the target, the
/// grantee or the group.
pub(super) fn permissions(ctx: &Ctx) -> Result<Vec<Finding>> {
    let mut grants: Vec<(Row, Option<String>)> = Vec::new();
    for row in ctx.rows(&ctx.period().term("action", "permission.grant"))? {
        if row.outcome.as_ref() != "failure" {
            grants.push((row, None));
        }
    }
    // GRANT or REVOKE, and who to: only the statement says.
    let events = ctx.store.events(&ctx.period().term("action", "db.grant"))?;
    let db_rows = ctx.rows(&ctx.period().term("action", "db.grant"))?;
    for (row, e) in db_rows.into_iter().zip(events) {
        let sql = e
            .fields
            .get("statement")
            .or_else(|| e.fields.get("sql"))
            .and_then(|v| v.as_str())
            .map_or_else(|| e.raw.clone(), str::to_string);
        let upper = sql.to_ascii_uppercase();
        if e.outcome == vigil_parsers::Outcome::Failure
            || (upper.contains("REVOKE") && !upper.contains("GRANT "))
        {
            continue;
        }
        grants.push((row, grantee(&sql)));
    }
    let groups: Vec<String> = ctx.policy.admin_groups.iter().cloned().collect();
    let filter = ctx
        .period()
        .term("action", "group.modify")
        .one_of("target", groups);
    let events = ctx.store.events(&filter)?;
    let rows = ctx.rows(&filter)?;
    let mut joins = Vec::new();
    for (row, e) in rows.into_iter().zip(events) {
        let member = e
            .fields
            .get("member")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let added = e.fields.get("change").and_then(|v| v.as_str()) == Some("add_member");
        if added && member.is_some() {
            joins.push((row, member));
        }
    }
    // One join writes a line per tool (usermod, gpasswd) and per log: one act per group,
    // member and host within two seconds.
    joins.dedup_by(|b, a| {
        a.0.host == b.0.host
            && a.0.target == b.0.target
            && a.1 == b.1
            && b.0.ts - a.0.ts <= chrono::TimeDelta::seconds(2)
    });
    grants.extend(joins);
    grants.sort_by(|a, b| (a.0.ts, &a.0.id).cmp(&(b.0.ts, &b.0.id)));
    let mut out = Vec::new();
    for (row, who) in grants {
        let covered = ctx.approvals.tickets.iter().any(|a| {
            a.kind == TicketKind::SpecialPermission
                && a.covers_time(row.ts)
                && (row.actor.as_deref() == Some(a.operator.as_str())
                    || who.as_deref() == Some(a.operator.as_str()))
                && (a.covers_target(row.target.as_deref()) || a.covers_target(who.as_deref()))
        });
        if covered {
            continue;
        }
        let what = match row.action.as_ref() {
            "group.modify" => format!(
                "{} added to the administrator group {}",
                who.as_deref().unwrap_or("-"),
                or_dash(&row.target)
            ),
            "db.grant" => format!(
                "GRANT on {} to {} by {}",
                or_dash(&row.target),
                who.as_deref().unwrap_or("-"),
                or_dash(&row.actor)
            ),
            _ => format!(
                "{} granted {} by {}",
                who.as_deref().unwrap_or("permission"),
                or_dash(&row.target),
                or_dash(&row.actor)
            ),
        };
        let mut summary = format!("{what} with no approved special_permission ticket");
        if let Some(q) = row.ticket.as_deref() {
            summary.push_str(&format!(
                "; {}",
                why_not(ctx, q, TicketKind::SpecialPermission, &row)
            ));
        }
        out.push(ctx.finding_of("permission.unapproved", std::slice::from_ref(&row), summary));
    }
    Ok(out)
}
