//! Backend data edits, exports and special permissions: each needs a ticket of its kind in the
//! approvals register that covers its operator, its time and its target.

use vigil_index::Row;

use super::{Ctx, EDITS, acts, once, or_dash, runs};
use crate::error::Result;
use crate::finding::Finding;
use crate::registers::{Approval, TicketKind};

/// Why the ticket a line quotes does not cover the event, in a few words: in English, then in
/// Chinese.
fn why_not(ctx: &Ctx, quoted: &str, kind: TicketKind, row: &Row) -> (String, String) {
    let Some(a) = ctx.approvals.get(quoted) else {
        return (
            format!("it quotes {quoted}, which the approvals register does not hold"),
            format!("其引用的 {quoted} 不在审批登记中"),
        );
    };
    let mut reasons = Vec::new();
    let mut reasons_zh = Vec::new();
    if a.kind != kind {
        reasons.push(format!("is a {} ticket", a.kind.as_str()));
        reasons_zh.push(format!("是{}工单", kind_zh(a.kind)));
    }
    if Some(a.operator.as_str()) != row.actor.as_deref() {
        reasons.push(format!("is for {}", a.operator));
        reasons_zh.push(format!("执行人是 {}", a.operator));
    }
    if !a.covers_time(row.ts) {
        reasons.push(format!(
            "is valid {} to {}",
            ctx.fmt(a.valid_from),
            ctx.fmt(a.valid_until)
        ));
        reasons_zh.push(format!(
            "有效期为 {} 至 {}",
            ctx.fmt(a.valid_from),
            ctx.fmt(a.valid_until)
        ));
    }
    if !a.covers_target(row.target.as_deref()) {
        reasons.push(format!("covers {} only", a.scope_text()));
        reasons_zh.push(format!("仅涵盖 {}", a.scope_text()));
    }
    (
        format!("it quotes {quoted}, which {}", reasons.join(" and ")),
        format!("其引用的 {quoted} {}", reasons_zh.join("，")),
    )
}

/// A ticket kind in Chinese, in the regulation's words.
fn kind_zh(k: TicketKind) -> &'static str {
    match k {
        TicketKind::DataEdit => "后台数据修改",
        TicketKind::DataExport => "数据导出",
        TicketKind::SpecialPermission => "特殊权限",
        TicketKind::EmergencyRelease => "紧急发布",
    }
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

/// How a backend data edit stands against the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EditVerdict {
    /// A data_edit ticket covers it, approved by a role that may approve its table's grade.
    Approved,
    /// Tickets cover it, but none was approved by a role that may approve its table's grade.
    GradeTooLow,
    /// No data_edit ticket covers its operator, time and table.
    Unapproved,
}

/// One backend data edit of the period, as the monthly report lists it (regulation chapter 9:
/// every backend edit of the month is reported to the IT meeting).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DataEdit {
    pub time: chrono::DateTime<chrono::FixedOffset>,
    /// The event's id.
    pub id: String,
    pub host: String,
    pub source: String,
    pub actor: Option<String>,
    pub src_ip: Option<String>,
    /// db.insert, db.update, db.delete or db.ddl.
    pub action: String,
    pub table: String,
    pub grade: u8,
    /// The statement, cut to 160 characters, when the log gives it.
    pub statement: Option<String>,
    /// The ticket the line quotes, if any.
    pub quoted: Option<String>,
    /// The register's ticket that covers it (the approving one, if any does).
    pub ticket: Option<String>,
    pub approver: Option<String>,
    pub approver_role: Option<String>,
    pub verdict: EditVerdict,
    /// The one-line summary of a finding (empty when approved).
    pub summary: String,
    /// The same in Chinese.
    #[serde(skip)]
    pub summary_zh: String,
}

/// Every db.insert, db.update, db.delete or db.ddl on a business table (a table with a grade in
/// the policy) by an account that is not a service account, in the period, judged against the
/// approvals register: approved when a data_edit ticket has the edit's actor as operator, a window
/// holding its time, a scope holding its table, and an approver whose role may approve the table's
/// grade. A ticket the line quotes counts only if the register holds it and it covers the edit.
pub(crate) fn data_edits(ctx: &Ctx) -> Result<Vec<DataEdit>> {
    let filter = ctx.period().one_of("action", EDITS).none_of(
        "actor",
        ctx.actors(ctx.policy.service_accounts.iter().cloned()),
    );
    let mut rows = Vec::new();
    for row in ctx.rows(&filter)? {
        if row.outcome.as_ref() == "failure" {
            continue;
        }
        let Some(g) = row.target.as_deref().and_then(|t| ctx.policy.grade_of(t)) else {
            continue;
        };
        rows.push((row, g));
    }
    // The statements, for the few edits that remain.
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.to_string()).collect();
    let statements: std::collections::HashMap<String, String> = if ids.is_empty() {
        Default::default()
    } else {
        ctx.store
            .events(&vigil_index::Filter::all().one_of("id", ids))?
            .into_iter()
            .filter_map(|e| {
                let text = ["statement", "sql", "query"]
                    .iter()
                    .find_map(|k| e.fields.get(k).and_then(|v| v.as_str()))?;
                let cut: String = text.chars().take(160).collect();
                Some((e.id.to_string(), cut))
            })
            .collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for (row, g) in rows {
        let table = row.target.as_deref().unwrap_or_default().to_string();
        let tickets = covering(ctx, TicketKind::DataEdit, &row);
        let approving = tickets
            .iter()
            .find(|a| ctx.policy.may_approve(&a.approver_role, g))
            .or(tickets.first())
            .copied();
        let what = format!(
            "{} on {table} (grade {g}) by {}",
            row.action,
            or_dash(&row.actor)
        );
        let what_zh = format!(
            "{} 对 {table}（{g} 级）执行{}",
            or_dash(&row.actor),
            vigil_parsers::vocab::chinese_name(&row.action).unwrap_or(&row.action)
        );
        let (verdict, summary, summary_zh) = match approving {
            None => {
                let mut summary = format!("{what} with no approved data_edit ticket covering it");
                let mut summary_zh = format!("{what_zh}，无覆盖它的已审批后台数据修改工单");
                if let Some(q) = row.ticket.as_deref() {
                    let (en, zh) = why_not(ctx, q, TicketKind::DataEdit, &row);
                    summary.push_str(&format!("; {en}"));
                    summary_zh.push_str(&format!("；{zh}"));
                }
                (EditVerdict::Unapproved, summary, summary_zh)
            }
            Some(t) if !ctx.policy.may_approve(&t.approver_role, g) => (
                EditVerdict::GradeTooLow,
                format!(
                    "{what} under {} approved by {} ({}), but grade {g} needs {}",
                    t.ticket,
                    t.approver,
                    t.approver_role,
                    ctx.policy.approvers_of(g).join(" or ")
                ),
                format!(
                    "{what_zh}，依据 {}，由 {}（{}）审批，但 {g} 级须由 {} 审批",
                    t.ticket,
                    t.approver,
                    crate::policy::role_zh(&t.approver_role),
                    ctx.policy
                        .approvers_of(g)
                        .iter()
                        .map(|r| crate::policy::role_zh(r))
                        .collect::<Vec<_>>()
                        .join("或")
                ),
            ),
            Some(_) => (EditVerdict::Approved, String::new(), String::new()),
        };
        out.push(DataEdit {
            time: ctx.policy.local(row.ts).fixed_offset(),
            id: row.id.to_string(),
            host: row.host.to_string(),
            source: row.source.to_string(),
            actor: row.actor.as_deref().map(str::to_string),
            src_ip: row.src_ip.as_deref().map(str::to_string),
            action: row.action.to_string(),
            statement: statements.get(row.id.as_ref()).cloned(),
            quoted: row.ticket.as_deref().map(str::to_string),
            ticket: approving.map(|a| a.ticket.clone()),
            approver: approving.map(|a| a.approver.clone()),
            approver_role: approving.map(|a| a.approver_role.clone()),
            table,
            grade: g,
            verdict,
            summary,
            summary_zh,
        });
    }
    Ok(out)
}

/// `data_edit.unapproved` (`grade` false) and `data_edit.grade` (`grade` true): the edits of
/// [`data_edits`] judged unapproved, or approved by too low a role for their table's grade.
pub(super) fn edits(ctx: &Ctx, grade: bool) -> Result<Vec<Finding>> {
    let want = if grade {
        EditVerdict::GradeTooLow
    } else {
        EditVerdict::Unapproved
    };
    let rule = if grade {
        "data_edit.grade"
    } else {
        "data_edit.unapproved"
    };
    let mut out = Vec::new();
    // data_edit.unapproved and data_edit.grade judge the same edits: once per run.
    let all = once(&ctx.data_edits, || data_edits(ctx))?;
    for e in all.iter().filter(|e| e.verdict == want) {
        let mut f = ctx.finding(rule, e.time.with_timezone(&chrono::Utc), e.summary.clone());
        f.summary_zh = Some(e.summary_zh.clone());
        f.actor = e.actor.clone();
        f.src_ip = e.src_ip.clone();
        f.target = Some(e.table.clone());
        f.host = Some(e.host.clone());
        f.source = Some(e.source.clone());
        f.evidence = vec![e.id.clone()];
        out.push(f);
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
        let mut summary_zh = format!(
            "{} {}了 {}，无已审批的数据导出工单",
            or_dash(&row.actor),
            if row.action.as_ref() == "export.request" || row.action.as_ref() == "db.export" {
                "导出"
            } else {
                "转储"
            },
            or_dash(&row.target)
        );
        if let Some(q) = row.ticket.as_deref() {
            let (en, zh) = why_not(ctx, q, TicketKind::DataExport, row);
            summary.push_str(&format!("; {en}"));
            summary_zh.push_str(&format!("；{zh}"));
        }
        let mut f = ctx.finding_of("data_export.unapproved", &act, summary);
        f.summary_zh = Some(summary_zh);
        out.push(f);
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
    for (mut row, who) in grants {
        // usermod's and gpasswd's lines name no actor: sudo's line of the same act does.
        let mut via = None;
        if row.actor.is_none() && row.action.as_ref() == "group.modify" {
            via = ctx.sudo_actor(&row, &["usermod", "gpasswd", "adduser", "useradd"])?;
            row.actor = via.as_ref().and_then(|s| s.actor.clone());
        }
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
                "{} added to the administrator group {}{}",
                who.as_deref().unwrap_or("-"),
                or_dash(&row.target),
                row.actor
                    .as_deref()
                    .map_or(String::new(), |a| format!(" by {a}"))
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
        let what_zh = match row.action.as_ref() {
            "group.modify" => match row.actor.as_deref() {
                Some(a) => format!(
                    "{a} 将 {} 加入管理员组 {}",
                    who.as_deref().unwrap_or("-"),
                    or_dash(&row.target)
                ),
                None => format!(
                    "{} 被加入管理员组 {}",
                    who.as_deref().unwrap_or("-"),
                    or_dash(&row.target)
                ),
            },
            "db.grant" => format!(
                "{} 将 {} 的权限授予 {}",
                or_dash(&row.actor),
                or_dash(&row.target),
                who.as_deref().unwrap_or("-"),
            ),
            _ => format!(
                "{} 向 {} 授予 {}",
                or_dash(&row.actor),
                who.as_deref().unwrap_or("-"),
                or_dash(&row.target),
            ),
        };
        let mut summary = format!("{what} with no approved special_permission ticket");
        let mut summary_zh = format!("{what_zh}，无已审批的特殊权限工单");
        if let Some(q) = row.ticket.as_deref() {
            let (en, zh) = why_not(ctx, q, TicketKind::SpecialPermission, &row);
            summary.push_str(&format!("; {en}"));
            summary_zh.push_str(&format!("；{zh}"));
        }
        let act: Vec<Row> = std::iter::once(row).chain(via).collect();
        let mut f = ctx.finding_of("permission.unapproved", &act, summary);
        f.summary_zh = Some(summary_zh);
        out.push(f);
    }
    Ok(out)
}
