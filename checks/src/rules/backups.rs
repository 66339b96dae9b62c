//! Backup runs against their schedules (the verdicts of `vigil_backups::jobs::judge`, judged up to
//! the newest event vigil holds), and artefacts that `vigil backups verify` found corrupt.

use vigil_backups::jobs::{RunStatus, judge};

use super::{Ctx, JobVerdicts, once};
use crate::error::Result;
use crate::finding::Finding;
use crate::policy::{format_duration, format_duration_zh};

/// Every job's verdicts for the period, computed once per run of the checks.
fn verdicts<'c>(ctx: &'c Ctx) -> Result<&'c JobVerdicts> {
    once(&ctx.backup_runs, || {
        // What has not been logged yet is not missing: judged up to the newest event.
        let now = ctx.newest.unwrap_or(ctx.until);
        let mut all = Vec::new();
        for (i, job) in ctx.jobs.iter().enumerate() {
            all.push((i, judge(job, ctx.store, ctx.since, ctx.until, now)?));
        }
        Ok(all)
    })
}

/// `backup.missing`, `backup.failed`, `backup.late`, `backup.undersized`: one finding per expected
/// run of a configured backup job with that verdict (a run may be both late and undersized);
/// consecutive missing runs of one job are one finding with their range and count.
pub(super) fn runs(ctx: &Ctx, rule: &'static str) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for (i, verdicts) in verdicts(ctx)? {
        let job = &ctx.jobs[*i];
        let mut k = 0;
        while k < verdicts.len() {
            let v = &verdicts[k];
            k += 1;
            // Consecutive missing runs of the job: one finding with their range.
            if rule == "backup.missing" && v.status == RunStatus::Missing {
                let mut last = v;
                let mut n = 1;
                while k < verdicts.len() && verdicts[k].status == RunStatus::Missing {
                    last = &verdicts[k];
                    k += 1;
                    n += 1;
                }
                if n > 1 {
                    let mut f = ctx.finding(
                        rule,
                        v.expected,
                        format!(
                            "{}: no run of the {} backups expected from {} to {} in {} (schedule {}, grace {})",
                            job.name,
                            thousands(n),
                            ctx.fmt(v.expected),
                            ctx.fmt(last.expected),
                            job.source,
                            job.schedule.exprs.join(" and "),
                            format_duration(job.grace)
                        ),
                    );
                    f.summary_zh = Some(format!(
                        "{}：{} 至 {} 应执行的 {} 次备份在 {} 中均无记录（计划 {}，宽限 {}）",
                        job.name,
                        ctx.fmt(v.expected),
                        ctx.fmt(last.expected),
                        thousands(n),
                        job.source,
                        job.schedule.exprs.join("、"),
                        format_duration_zh(job.grace)
                    ));
                    f.target = Some(job.name.clone());
                    f.source = Some(job.source.clone());
                    f.host = job.filter.host.clone();
                    f.until = Some(ctx.policy.local(last.expected).fixed_offset());
                    out.push(f);
                    continue;
                }
            }
            let when = ctx.fmt(v.expected);
            let (summary, summary_zh) = match (rule, v.status) {
                ("backup.missing", RunStatus::Missing) => (
                    format!(
                        "{}: no run of the {when} backup in {} (schedule {}, grace {})",
                        job.name,
                        job.source,
                        job.schedule.exprs.join(" and "),
                        format_duration(job.grace)
                    ),
                    format!(
                        "{}：{when} 应执行的备份在 {} 中无记录（计划 {}，宽限 {}）",
                        job.name,
                        job.source,
                        job.schedule.exprs.join("、"),
                        format_duration_zh(job.grace)
                    ),
                ),
                ("backup.failed", RunStatus::Failed) => {
                    let error = v
                        .error
                        .as_deref()
                        .and_then(|e| e.lines().next())
                        .unwrap_or("no error line");
                    (
                        format!("{}: the {when} backup failed: {error}", job.name),
                        format!("{}：{when} 的备份失败：{error}", job.name),
                    )
                }
                ("backup.late", RunStatus::Late) => {
                    let done = v.finished.unwrap_or(v.expected);
                    (
                        format!(
                            "{}: the {when} backup finished at {}, {} after its time (grace {})",
                            job.name,
                            ctx.fmt(done),
                            format_duration(done - v.expected),
                            format_duration(job.grace)
                        ),
                        format!(
                            "{}：{when} 的备份于 {} 完成，晚于计划 {}（宽限 {}）",
                            job.name,
                            ctx.fmt(done),
                            format_duration_zh(done - v.expected),
                            format_duration_zh(job.grace)
                        ),
                    )
                }
                ("backup.undersized", RunStatus::Ok | RunStatus::Late)
                    if v.size_problem.is_some() =>
                {
                    let size = v.size_problem.as_deref().unwrap_or("");
                    (
                        format!("{}: the {when} backup's size: {size}", job.name),
                        format!("{}：{when} 的备份大小异常：{size}", job.name),
                    )
                }
                _ => continue,
            };
            let mut f = ctx.finding(rule, v.expected, summary);
            f.summary_zh = Some(summary_zh);
            f.target = Some(job.name.clone());
            f.source = Some(job.source.clone());
            f.host = job.filter.host.clone();
            f.evidence = v.evidence.clone();
            if let Some(done) = v.finished {
                f.until = Some(ctx.policy.local(done).fixed_offset());
            }
            out.push(f);
        }
    }
    Ok(out)
}

/// `2953` as `2,953`.
fn thousands(n: usize) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `backup.corrupt`: every `backup.verify_failed` event of the period (written by `vigil backups
/// verify`) that names artefact problems: a checksum mismatch, a missing, empty or unreadable
/// artefact, one that does not decompress, a stale newest artefact. (Its run problems are the
/// other backup rules'.)
pub(super) fn corrupt(ctx: &Ctx) -> Result<Vec<Finding>> {
    let filter = ctx.period().term("action", "backup.verify_failed");
    let rows = ctx.rows(&filter)?;
    let events = ctx.store.events(&filter)?;
    let mut out = Vec::new();
    for (row, e) in rows.into_iter().zip(events) {
        let lines: Vec<&str> = e
            .fields
            .get("artefact_problems")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        if lines.is_empty() {
            continue;
        }
        let summary = format!(
            "{}: {} artefact problem{}: {}",
            row.target.as_deref().unwrap_or("-"),
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            lines.join("; ")
        );
        let mut f = ctx.finding_of("backup.corrupt", std::slice::from_ref(&row), summary);
        f.summary_zh = Some(format!(
            "{}：备份文件问题 {} 个：{}",
            row.target.as_deref().unwrap_or("-"),
            lines.len(),
            lines.join("；")
        ));
        out.push(f);
    }
    Ok(out)
}
