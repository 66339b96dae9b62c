//! Failed-login bursts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use vigil_index::Row;

use super::Ctx;
use crate::error::Result;
use crate::finding::Finding;
use crate::policy::{format_duration, format_duration_zh};

/// The actions of a failed login.
pub(crate) const FAILURES: [&str; 4] = [
    "login.failure",
    "login.invalid_user",
    "db.auth_failure",
    "auth.failure",
];

/// One attempt: the failure lines one host wrote in one second (sshd writes `Failed password`,
/// pam_unix's `authentication failure` and more for a single try).
struct Attempt {
    ts: DateTime<Utc>,
    rows: Vec<Row>,
}

/// A run of attempts each within `within` of the previous one, which holds at least `n`
/// attempts within some `within`.
fn bursts(mut rows: Vec<Row>, n: usize, within: TimeDelta) -> Vec<Vec<Attempt>> {
    rows.sort_by(|a, b| (a.ts, &a.id).cmp(&(b.ts, &b.id)));
    let mut attempts: Vec<Attempt> = Vec::new();
    for r in rows {
        let second = r.ts.timestamp();
        match attempts
            .iter_mut()
            .rev()
            .take_while(|a| a.ts.timestamp() == second)
            .find(|a| a.rows[0].host == r.host)
        {
            Some(a) => a.rows.push(r),
            None => attempts.push(Attempt {
                ts: r.ts,
                rows: vec![r],
            }),
        }
    }
    let mut runs: Vec<Vec<Attempt>> = Vec::new();
    for a in attempts {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|l| a.ts - l.ts <= within) => run.push(a),
            _ => runs.push(vec![a]),
        }
    }
    runs.retain(|run| {
        let mut lo = 0;
        (0..run.len()).any(|hi| {
            while run[hi].ts - run[lo].ts > within {
                lo += 1;
            }
            hi + 1 - lo >= n
        })
    });
    runs
}

/// `login.bruteforce`: at least N failed logins (login.failure, login.invalid_user,
/// db.auth_failure) from one address, or against one account, within T (policy
/// `bruteforce_failures`, `bruteforce_within`; default 5 in 5 minutes). Failures one host
/// writes in the same second count as one attempt. One finding per burst: a run of attempts
/// each within T of the previous, reported in the period its first attempt falls in. A burst
/// already reported by address is not reported again by account. Failures against names that are
/// no account (login.invalid_user) count by account only where the policy says so
/// (`bruteforce_invalid_users`, default true); by address always.
pub(super) fn bruteforce(ctx: &Ctx) -> Result<Vec<Finding>> {
    let (n, within) = (ctx.policy.bruteforce_failures, ctx.policy.bruteforce_within);
    // A day on each side, so that a burst across the period's edges is seen whole.
    let margin = TimeDelta::days(1);
    let filter = vigil_index::Filter::between(ctx.since - margin, ctx.until + margin)
        .one_of("action", FAILURES);
    let rows = ctx.rows(&filter)?;
    let mut by_ip: BTreeMap<Arc<str>, Vec<Row>> = BTreeMap::new();
    let mut by_account: BTreeMap<Arc<str>, Vec<Row>> = BTreeMap::new();
    for r in rows {
        if let Some(ip) = r
            .src_ip
            .clone()
            .filter(|ip| !ip.is_empty() && ip.as_ref() != "?")
        {
            by_ip.entry(ip).or_default().push(r.clone());
        }
        let counts_as_account =
            ctx.policy.bruteforce_invalid_users || r.action.as_ref() != "login.invalid_user";
        if let Some(actor) = r
            .actor
            .clone()
            .filter(|a| !a.is_empty() && counts_as_account)
        {
            by_account.entry(actor).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    let mut seen: BTreeSet<Arc<str>> = BTreeSet::new();
    for (ip, rows) in by_ip {
        for run in bursts(rows, n, within) {
            seen.extend(run.iter().flat_map(|a| a.rows.iter().map(|r| r.id.clone())));
            out.extend(report(
                ctx,
                &run,
                (&format!("from {ip}"), &format!("来自 {ip} 的登录")),
                within,
            ));
        }
    }
    for (account, rows) in by_account {
        let rows: Vec<Row> = rows.into_iter().filter(|r| !seen.contains(&r.id)).collect();
        for run in bursts(rows, n, within) {
            out.extend(report(
                ctx,
                &run,
                (
                    &format!("against account {account}"),
                    &format!("针对账号 {account} 的登录"),
                ),
                within,
            ));
        }
    }
    Ok(out)
}

/// The finding of a burst; `whom` says whose attempts they were, in English and Chinese.
fn report(
    ctx: &Ctx,
    run: &[Attempt],
    (whom, whom_zh): (&str, &str),
    within: TimeDelta,
) -> Option<Finding> {
    let first = run.first()?;
    let last = run.last()?;
    if first.ts < ctx.since || first.ts >= ctx.until {
        return None;
    }
    let rows: Vec<Row> = run.iter().flat_map(|a| a.rows.iter().cloned()).collect();
    let accounts: BTreeSet<&str> = rows.iter().filter_map(|r| r.actor.as_deref()).collect();
    let hosts = rows
        .iter()
        .map(|r| r.host.as_ref())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(", ");
    let accounts = if accounts.is_empty() {
        "-".to_string()
    } else {
        accounts.into_iter().collect::<Vec<_>>().join(", ")
    };
    let quick = last.ts - first.ts < TimeDelta::seconds(1);
    let summary = format!(
        "{} failed logins {whom} in {} (limit {} within {}) on {hosts}, accounts {accounts}",
        run.len(),
        if quick {
            "under a second".to_string()
        } else {
            format_duration(last.ts - first.ts)
        },
        ctx.policy.bruteforce_failures,
        format_duration(within),
    );
    let summary_zh = format!(
        "{whom_zh}在{}内失败 {} 次（限值：{}内 {} 次），主机 {hosts}，涉及账号 {accounts}",
        if quick {
            "不到一秒".to_string()
        } else {
            format_duration_zh(last.ts - first.ts)
        },
        run.len(),
        format_duration_zh(within),
        ctx.policy.bruteforce_failures,
    );
    let mut f = ctx.finding_of("login.bruteforce", &rows, summary);
    f.summary_zh = Some(summary_zh);
    ctx.span(&mut f, &rows);
    let one = |v: BTreeSet<&str>| {
        (v.len() == 1).then(|| v.into_iter().next().unwrap_or_default().to_string())
    };
    f.actor = one(rows.iter().filter_map(|r| r.actor.as_deref()).collect());
    f.src_ip = one(rows.iter().filter_map(|r| r.src_ip.as_deref()).collect());
    f.target = None;
    Some(f)
}
