//! Operations: backups around changes, and sources that fall silent.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use vigil_index::{Filter, Row};

use super::{Ctx, acts, or_dash};
use crate::error::Result;
use crate::finding::Finding;
use crate::policy::{format_duration, format_duration_zh};

/// Whether a command upgrades or installs software.
fn upgrades(command: &str) -> bool {
    let words: Vec<&str> = command
        .split_whitespace()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .collect();
    let has = |w: &str| words.contains(&w);
    // `apt-get update` only refreshes the package lists; yum's and dnf's `update` upgrades.
    let apt = (has("apt") || has("apt-get"))
        && (has("upgrade") || has("dist-upgrade") || has("full-upgrade") || has("install"));
    let yum = (has("yum") || has("dnf")) && (has("update") || has("upgrade") || has("install"));
    let dpkg = has("dpkg") && (has("-i") || has("--install"));
    let rpm = has("rpm") && ["-U", "-Uvh", "-i", "-ivh"].iter().any(|f| has(f));
    apt || yum || dpkg || rpm
}

/// `backup.change_uncovered`: a change (release.deploy, db.ddl on a business table, or a command
/// that upgrades or installs software) with no successful backup.finish of the same host within
/// `change_backup_within` (default 24 h) before it, or none within as long after it. The after
/// side is judged only once the index holds events that late.
pub(super) fn change_uncovered(ctx: &Ctx) -> Result<Vec<Finding>> {
    let within = ctx.policy.change_backup_within;
    let mut changes: Vec<Vec<Row>> = ctx
        .rows(&ctx.period().one_of("action", ["release.deploy", "db.ddl"]))?
        .into_iter()
        .filter(|r| {
            r.outcome.as_ref() != "failure"
                && (r.action.as_ref() == "release.deploy"
                    || r.target
                        .as_deref()
                        .is_some_and(|t| ctx.policy.grade_of(t).is_some()))
        })
        .map(|r| vec![r])
        .collect();
    let upgrades: Vec<Row> = ctx
        .commands(&[
            (
                &["apt", "apt-get"],
                &["upgrade", "dist-upgrade", "full-upgrade", "install"],
            ),
            (&["yum", "dnf"], &["update", "upgrade", "install"]),
            (&["dpkg", "rpm"], &[]),
        ])?
        .into_iter()
        .filter(|r| r.outcome.as_ref() != "failure" && r.target.as_deref().is_some_and(upgrades))
        .collect();
    changes.extend(acts(upgrades));
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    changes.sort_by(|a, b| (a[0].ts, &a[0].id).cmp(&(b[0].ts, &b[0].id)));
    let backups = ctx.rows(
        &Filter::between(ctx.since - within, ctx.until + within)
            .term("action", "backup.finish")
            .term("outcome", "success"),
    )?;
    let mut by_host: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for b in &backups {
        by_host.entry(b.host.as_ref()).or_default().push(b.ts);
    }
    let newest = ctx.newest.unwrap_or(ctx.until);
    let mut out = Vec::new();
    for act in changes {
        let row = &act[0];
        let times = by_host
            .get(row.host.as_ref())
            .map_or(&[][..], |v| v.as_slice());
        let before = times.iter().rev().find(|t| **t <= row.ts);
        let after = times.iter().find(|t| **t >= row.ts);
        let mut missing = Vec::new();
        let mut missing_zh = Vec::new();
        if before.is_none_or(|t| row.ts - *t > within) {
            missing.push(match before {
                Some(t) => format!("the last one before it was at {}", ctx.fmt(*t)),
                None => format!("none in the {} before it", format_duration(within)),
            });
            missing_zh.push(match before {
                Some(t) => format!("此前最近一次在 {}", ctx.fmt(*t)),
                None => format!("此前 {} 内没有", format_duration_zh(within)),
            });
        }
        let judged_after = row.ts + within <= newest;
        if judged_after && after.is_none_or(|t| *t - row.ts > within) {
            missing.push(match after {
                Some(t) => format!("the next one after it was at {}", ctx.fmt(*t)),
                None => format!("none in the {} after it", format_duration(within)),
            });
            missing_zh.push(match after {
                Some(t) => format!("此后最近一次在 {}", ctx.fmt(*t)),
                None => format!("此后 {} 内没有", format_duration_zh(within)),
            });
        }
        if missing.is_empty() {
            continue;
        }
        let (what, what_zh) = match row.action.as_ref() {
            "release.deploy" => (
                format!("release of {}", or_dash(&row.target)),
                format!("发布 {}", or_dash(&row.target)),
            ),
            "db.ddl" => (
                format!("DDL on {}", or_dash(&row.target)),
                format!("变更 {} 的表结构", or_dash(&row.target)),
            ),
            _ => (
                format!("upgrade `{}`", or_dash(&row.target)),
                format!("升级 `{}`", or_dash(&row.target)),
            ),
        };
        let mut f = ctx.finding_of(
            "backup.change_uncovered",
            &act,
            format!(
                "{what} by {} on {} without a successful backup of {} within {} on each side: {}",
                or_dash(&row.actor),
                row.host,
                row.host,
                format_duration(within),
                missing.join("; ")
            ),
        );
        f.summary_zh = Some(format!(
            "{} 在 {} 上{what_zh}，前后各 {} 内未都见到 {} 的成功备份：{}",
            or_dash(&row.actor),
            row.host,
            format_duration_zh(within),
            row.host,
            missing_zh.join("；")
        ));
        out.push(f);
    }
    Ok(out)
}

/// `source.silent`: for each source with a quiet limit (policy `quiet`), every gap between its
/// events longer than the limit that reaches into the period, up to the newest event vigil holds
/// (what has not been read yet is not silence), from the source's first event on (before it,
/// vigil cannot tell silence from not being set up yet); a source with no event at all is silent
/// the whole window. A gap counts only its time outside the source's excused stretches
/// (`quiet = { src = { limit = "4h", except = ["sun", "22:00-07:00"] } }`). One finding per gap,
/// with the events on either side as evidence.
pub(super) fn silent_sources(ctx: &Ctx) -> Result<Vec<Finding>> {
    let end = ctx.newest.map_or(ctx.until, |n| n.min(ctx.until));
    let mut out = Vec::new();
    let p = ctx.policy;
    for (source, quiet) in &p.quiet {
        let limit = quiet.limit;
        let silent = |a: DateTime<Utc>, b: DateTime<Utc>| p.active_between(quiet, a, b) > limit;
        if end <= ctx.since {
            continue;
        }
        let times = ctx
            .store
            .times(&Filter::between(ctx.since, end).term("source", source.clone()))?;
        // The last event before the period: the silence may have begun before it. A source
        // with no earlier event is judged from the period's start.
        let before = Filter {
            until: Some(ctx.since),
            ..Filter::all()
        }
        .term("source", source.clone());
        let mut prev: Option<DateTime<Utc>> = ctx.store.span(&before)?.map(|(_, last)| last);
        // The gaps: (start, end, whether an event bounds each side).
        let mut gaps: Vec<(DateTime<Utc>, DateTime<Utc>, bool, bool)> = Vec::new();
        for &t in &times {
            match prev {
                Some(p) if silent(p, t) => gaps.push((p, t, true, true)),
                // Before the source's first event vigil holds: not known to be silence.
                _ => {}
            }
            prev = Some(t);
        }
        // A source with no event at all is silent the whole window; one whose log begins after
        // the window is not judged.
        let ever = ctx
            .store
            .span(&Filter::all().term("source", source.clone()))?;
        if prev.is_none() && ever.is_some() {
            continue;
        }
        let (start, known) = prev.map_or((ctx.since, false), |p| (p, true));
        if silent(start, end) {
            gaps.push((start, end, known, false));
        }
        // The limit as the summary gives it: with the stretches that do not count, and how much
        // of the gap did.
        let excused: Vec<String> = quiet.except.iter().map(ToString::to_string).collect();
        for (a, b, left, right) in gaps {
            let (limit_text, limit_zh) = if excused.is_empty() {
                (format_duration(limit), format_duration_zh(limit))
            } else {
                (
                    format!(
                        "{} outside {}; {} of it counted",
                        format_duration(limit),
                        excused.join(", "),
                        format_duration(p.active_between(quiet, a, b))
                    ),
                    format!(
                        "{}，不计 {}；计入 {}",
                        format_duration_zh(limit),
                        excused.join("、"),
                        format_duration_zh(p.active_between(quiet, a, b))
                    ),
                )
            };
            let mut evidence = Vec::new();
            for (t, known) in [(a, left), (b, right)] {
                if known {
                    let at = Filter::between(t, t + TimeDelta::microseconds(1))
                        .term("source", source.clone());
                    evidence.extend(ctx.rows(&at)?.into_iter().take(1));
                }
            }
            let summary = if right {
                format!(
                    "no event from source {source} for {}, from {} to {} (limit {})",
                    format_duration(b - a),
                    if left {
                        ctx.fmt(a)
                    } else {
                        format!("the period's start, {}", ctx.fmt(a))
                    },
                    ctx.fmt(b),
                    limit_text
                )
            } else {
                format!(
                    "no event from source {source} since {} ({} up to the newest event vigil holds, {}; limit {})",
                    if left {
                        ctx.fmt(a)
                    } else {
                        format!("the period's start, {}", ctx.fmt(a))
                    },
                    format_duration(b - a),
                    ctx.fmt(b),
                    limit_text
                )
            };
            let from_zh = if left {
                ctx.fmt(a)
            } else {
                format!("本期开始 {}", ctx.fmt(a))
            };
            let summary_zh = if right {
                format!(
                    "日志来源 {source} 在 {from_zh} 至 {} 之间 {} 没有事件（限值 {limit_zh}）",
                    ctx.fmt(b),
                    format_duration_zh(b - a),
                )
            } else {
                format!(
                    "日志来源 {source} 自 {from_zh} 起没有事件（至 vigil 所存最新事件 {} 已 {}；限值 {limit_zh}）",
                    ctx.fmt(b),
                    format_duration_zh(b - a),
                )
            };
            let mut f = ctx.finding("source.silent", a.max(ctx.since), summary);
            f.summary_zh = Some(summary_zh);
            f.source = Some(source.clone());
            f.host = evidence.first().map(|r| r.host.to_string());
            f.evidence = evidence.iter().map(|r| r.id.to_string()).collect();
            f.until = Some(ctx.policy.local(b).fixed_offset());
            out.push(f);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::upgrades;

    #[test]
    fn commands_that_upgrade() {
        for c in [
            "/usr/bin/apt-get upgrade -y",
            "apt install nginx",
            "dnf upgrade",
            "dpkg -i archive-web_3.9.deb",
            "/usr/bin/yum update postgresql15",
        ] {
            assert!(upgrades(c), "{c}");
        }
        for c in [
            "apt-cache policy nginx",
            "/usr/bin/vim /etc/apt/sources.list",
            "systemctl restart nginx",
        ] {
            assert!(!upgrades(c), "{c}");
        }
    }
}
