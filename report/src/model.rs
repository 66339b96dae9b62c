//! The report's model: every section the monthly meeting takes, in its order, as plain data. Built
//! once, rendered as Markdown or JSON. Times are in the policy's zone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use vigil_backups::jobs::{RunStatus, judge};
use vigil_checks::{Checks, DataEdit, Finding, Severity};
use vigil_index::{Filter, Row};

/// What the caller knows of the evidence: the archive's chain and the dead letter.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Integrity {
    /// The archive chain's head hash (empty: no segment sealed yet).
    pub archive_head: String,
    /// Whether `vigil archive verify` found every link and segment intact.
    pub archive_ok: bool,
    /// What it found wrong.
    pub archive_problems: Vec<String>,
    /// Lines no parser accepted, by reason.
    pub dead_letter: BTreeMap<String, u64>,
}

/// A count this period and the period before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Compared {
    pub this: u64,
    pub previous: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Events per source.
    pub events: BTreeMap<String, Compared>,
    /// Findings per severity: high, medium, low.
    pub findings: Vec<(String, Compared)>,
    /// Whether vigil holds events of the period before: without them, `previous` is no
    /// comparison and is not shown as one.
    pub previous_known: bool,
}

/// One backup job's month.
#[derive(Debug, Clone, Serialize)]
pub struct JobMonth {
    pub job: String,
    pub expected: usize,
    pub ok: usize,
    pub late: usize,
    pub failed: usize,
    pub missing: usize,
    pub undersized: usize,
    /// `vigil backups verify` verdicts of the month: fine, and not.
    pub verified: u64,
    pub verify_failed: u64,
    /// Each day of the month: `ok`, `late`, `failed`, `missing`, `pending` or `none` (nothing
    /// expected), the worst of its runs.
    pub days: Vec<&'static str>,
    /// What went wrong, one line each (the findings' summaries).
    pub problems: Vec<String>,
    /// The same in Chinese, where the finding's rule says it (else as in `problems`).
    #[serde(skip)]
    pub problems_zh: Vec<String>,
}

/// An export or a special permission, with its ticket.
#[derive(Debug, Clone, Serialize)]
pub struct Approvable {
    pub time: DateTime<FixedOffset>,
    pub id: String,
    pub action: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    /// The ticket the line quotes.
    pub ticket: Option<String>,
    /// Whether a ticket of the register covers it (no finding names it).
    pub approved: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Admin {
    /// Administrator actions per account.
    pub per_admin: BTreeMap<String, u64>,
    /// Off-hours ones (the admin.offhours findings).
    pub offhours: Vec<Finding>,
    /// Sensitive ones: audit tampering and unapproved permissions.
    pub sensitive: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayLogins {
    pub day: NaiveDate,
    pub successes: u64,
    pub failures: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Logins {
    pub per_day: Vec<DayLogins>,
    /// The addresses with the most failed logins, at most ten.
    pub top_failing: Vec<(String, u64)>,
    pub bursts: Vec<Finding>,
    /// Logins and actions by disabled or departed accounts, and departed accounts still enabled.
    pub disabled: Vec<Finding>,
    /// Outsourced accounts to disable.
    pub dormant: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub time: DateTime<FixedOffset>,
    pub id: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub ticket: Option<String>,
    pub in_window: bool,
    /// Whether a finding names it (outside the window without an emergency ticket).
    pub flagged: bool,
}

/// A service failure, graded as the regulation grades incidents.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub time: DateTime<FixedOffset>,
    pub id: String,
    pub host: String,
    pub service: String,
    /// Until the service started again on the same host, when its start is logged.
    pub minutes: Option<i64>,
    /// When it was running again at the latest: its start, or its next stop when the start went
    /// unlogged. None: not recovered by the end of the period.
    pub back_by: Option<DateTime<FixedOffset>>,
    /// I: a system service down for 10 minutes or more, or not back (the system unreachable);
    /// II: a system service back within 10 minutes (an interface fault); III: any other service.
    pub grade: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntegritySection {
    #[serde(flatten)]
    pub evidence: Integrity,
    /// Sources that went silent (the source.silent findings).
    pub silent: Vec<Finding>,
}

/// A reviewer's conclusion about a finding, recorded in the period (the console's triage): the
/// follow-up of anomalies that 7.1.5.1 asks for. A finding of last month triaged this month is
/// in this month's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub at: DateTime<FixedOffset>,
    pub by: String,
    /// `acknowledged`, `false_positive` or `followed_up`.
    pub status: String,
    pub note: String,
    /// The finding: its rule, its time as recorded, its stable key.
    pub rule: String,
    pub finding_time: String,
    pub key: String,
}

/// The month's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The period's name: `2026-11`, `2026-W47`, or its first and last dates.
    pub period: String,
    pub since: DateTime<FixedOffset>,
    pub until: DateTime<FixedOffset>,
    pub zone: String,
    pub summary: Summary,
    pub backups: Vec<JobMonth>,
    pub data_edits: Vec<DataEdit>,
    pub exports: Vec<Approvable>,
    pub permissions: Vec<Approvable>,
    pub admin: Admin,
    pub logins: Logins,
    pub releases: Vec<Release>,
    pub incidents: Vec<Incident>,
    pub integrity: IntegritySection,
    /// The reviewers' follow-up recorded in the period, oldest first (filled by the caller,
    /// which holds the triage record).
    pub follow_ups: Vec<FollowUp>,
    /// Every finding of the month.
    pub findings: Vec<Finding>,
}

/// Services whose failure makes the system unreachable.
const SYSTEM_SERVICES: [&str; 6] = [
    "nginx",
    "postgresql",
    "mariadb",
    "mysql",
    "archive",
    "tomcat",
];

fn counts(findings: &[Finding]) -> BTreeMap<Severity, u64> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.severity).or_insert(0) += 1;
    }
    m
}

fn of(findings: &[Finding], rules: &[&str]) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| rules.contains(&f.rule))
        .cloned()
        .collect()
}

/// Builds the report of `[since, until)` (a month, a week, any period) named `period`, compared
/// with `[prev_since, since)`.
pub fn build(
    checks: &Checks,
    period: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    prev_since: DateTime<Utc>,
    sources: &[String],
    integrity: Integrity,
) -> vigil_checks::Result<Report> {
    let zone = checks.policy.zone;
    let local = |t: DateTime<Utc>| t.with_timezone(&zone).fixed_offset();
    let store = checks.store;
    let outcome = checks.run(since, until, &[])?;
    let previous = checks.run(prev_since, since, &[])?;
    let findings = outcome.findings;
    let flagged = |rule: &str| -> BTreeSet<String> {
        findings
            .iter()
            .filter(|f| f.rule == rule)
            .flat_map(|f| f.evidence.iter().cloned())
            .collect()
    };

    // 1. Summary.
    let this_events: BTreeMap<String, u64> = store
        .count_by(&Filter::between(since, until), "source")?
        .into_iter()
        .collect();
    let prev_events: BTreeMap<String, u64> = store
        .count_by(&Filter::between(prev_since, since), "source")?
        .into_iter()
        .collect();
    let previous_known = prev_events.values().any(|n| *n > 0);
    let mut events = BTreeMap::new();
    for s in sources.iter().chain(this_events.keys()) {
        events.insert(
            s.clone(),
            Compared {
                this: this_events.get(s).copied().unwrap_or(0),
                previous: prev_events.get(s).copied().unwrap_or(0),
            },
        );
    }
    let (a, b) = (counts(&findings), counts(&previous.findings));
    let severity = [Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                Compared {
                    this: a.get(&s).copied().unwrap_or(0),
                    previous: b.get(&s).copied().unwrap_or(0),
                },
            )
        })
        .collect();

    // 2. Backups.
    let newest = store.span(&Filter::all())?.map(|(_, n)| n).unwrap_or(until);
    let days_in_month = {
        let first = since.with_timezone(&zone).date_naive();
        let mut d = first;
        let mut v = Vec::new();
        while checks.policy.start_of(d) < until {
            v.push(d);
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        v
    };
    let mut backups = Vec::new();
    for job in checks.jobs {
        let runs = judge(job, store, since, until, newest)?;
        let count = |s: RunStatus| runs.iter().filter(|r| r.status == s).count();
        let rank = |s: &str| {
            ["none", "pending", "ok", "late", "failed", "missing"]
                .iter()
                .position(|x| *x == s)
                .unwrap_or(0)
        };
        let mut days: Vec<&'static str> = vec!["none"; days_in_month.len()];
        for r in &runs {
            let day = r.expected.with_timezone(&zone).date_naive();
            if let Some(i) = days_in_month.iter().position(|d| *d == day) {
                let s = r.status.as_str();
                if rank(s) > rank(days[i]) {
                    days[i] = s;
                }
            }
        }
        let verdicts = |action: &str| {
            store.count(
                &Filter::between(since, until)
                    .term("action", action)
                    .term("target", job.name.clone()),
            )
        };
        let job_findings: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                f.rule.starts_with("backup.") && f.target.as_deref() == Some(job.name.as_str())
            })
            .collect();
        backups.push(JobMonth {
            job: job.name.clone(),
            expected: runs
                .iter()
                .filter(|r| r.status != RunStatus::Pending)
                .count(),
            ok: count(RunStatus::Ok),
            late: count(RunStatus::Late),
            failed: count(RunStatus::Failed),
            missing: count(RunStatus::Missing),
            undersized: runs.iter().filter(|r| r.size_problem.is_some()).count(),
            verified: verdicts("backup.verified")?,
            verify_failed: verdicts("backup.verify_failed")?,
            days,
            problems: job_findings.iter().map(|f| f.summary.clone()).collect(),
            problems_zh: job_findings
                .iter()
                .map(|f| f.summary_in(true).to_string())
                .collect(),
        });
    }

    // 3. Backend data edits.
    let data_edits = checks.data_edits(since, until)?;

    // 4. Exports and special permissions.
    let approvable = |rows: Vec<Row>, rule: &str| -> Vec<Approvable> {
        let flagged = flagged(rule);
        rows.into_iter()
            .filter(|r| r.outcome.as_ref() != "failure")
            .map(|r| Approvable {
                time: local(r.ts),
                approved: !flagged.contains(r.id.as_ref()),
                id: r.id.to_string(),
                action: r.action.to_string(),
                actor: r.actor.as_deref().map(str::to_string),
                target: r.target.as_deref().map(str::to_string),
                ticket: r.ticket.as_deref().map(str::to_string),
            })
            .collect()
    };
    let mut exports = approvable(
        store.rows(
            &Filter::between(since, until).one_of("action", ["db.export", "export.request"]),
        )?,
        "data_export.unapproved",
    );
    // Dumps run by people: their findings (a dump with a ticket is not an export to list twice).
    for f in findings
        .iter()
        .filter(|f| f.rule == "data_export.unapproved")
    {
        if !exports.iter().any(|e| f.evidence.contains(&e.id)) {
            exports.push(Approvable {
                time: f.time,
                id: f.evidence.first().cloned().unwrap_or_default(),
                action: "dump".into(),
                actor: f.actor.clone(),
                target: f.target.clone(),
                ticket: None,
                approved: false,
            });
        }
    }
    exports.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
    let mut permissions = approvable(
        store.rows(
            &Filter::between(since, until).one_of("action", ["permission.grant", "db.grant"]),
        )?,
        "permission.unapproved",
    );
    for f in findings
        .iter()
        .filter(|f| f.rule == "permission.unapproved")
    {
        if !permissions.iter().any(|e| f.evidence.contains(&e.id)) {
            permissions.push(Approvable {
                time: f.time,
                id: f.evidence.first().cloned().unwrap_or_default(),
                action: "group.modify".into(),
                actor: f.actor.clone(),
                target: f.target.clone(),
                ticket: None,
                approved: false,
            });
        }
    }
    permissions.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));

    // 5. Administrator actions.
    let mut per_admin = BTreeMap::new();
    for f in findings.iter().filter(|f| f.rule == "admin.action") {
        *per_admin
            .entry(f.actor.clone().unwrap_or_else(|| "-".into()))
            .or_insert(0u64) += 1;
    }
    let admin = Admin {
        per_admin,
        offhours: of(&findings, &["admin.offhours"]),
        sensitive: of(&findings, &["audit.tampering", "permission.unapproved"]),
    };

    // 6. Logins.
    let day_of = |t: &DateTime<Utc>| t.with_timezone(&zone).date_naive();
    let mut per_day: BTreeMap<NaiveDate, (u64, u64)> =
        days_in_month.iter().map(|d| (*d, (0, 0))).collect();
    for t in store
        .times(&Filter::between(since, until).one_of("action", ["login.success", "db.connect"]))?
    {
        if let Some(e) = per_day.get_mut(&day_of(&t)) {
            e.0 += 1;
        }
    }
    let failures = Filter::between(since, until).one_of(
        "action",
        ["login.failure", "login.invalid_user", "db.auth_failure"],
    );
    for t in store.times(&failures)? {
        if let Some(e) = per_day.get_mut(&day_of(&t)) {
            e.1 += 1;
        }
    }
    let mut top_failing = store.count_by(&failures, "src_ip")?;
    top_failing.truncate(10);
    let logins = Logins {
        per_day: per_day
            .into_iter()
            .map(|(day, (successes, failures))| DayLogins {
                day,
                successes,
                failures,
            })
            .collect(),
        top_failing,
        bursts: of(&findings, &["login.bruteforce"]),
        disabled: of(
            &findings,
            &["login.disabled_account", "account.departed_active"],
        ),
        dormant: of(&findings, &["account.dormant_outsourced"]),
    };

    // 7. Releases.
    let releases = store
        .rows(&Filter::between(since, until).term("action", "release.deploy"))?
        .into_iter()
        .map(|r| Release {
            time: local(r.ts),
            in_window: checks.policy.in_release_window(r.ts),
            flagged: findings.iter().any(|f| {
                f.rule == "release.outside_window"
                    && f.evidence.iter().any(|e| e.as_str() == r.id.as_ref())
            }),
            id: r.id.to_string(),
            actor: r.actor.as_deref().map(str::to_string),
            target: r.target.as_deref().map(str::to_string),
            ticket: r.ticket.as_deref().map(str::to_string),
        })
        .collect();

    // 8. Incidents.
    // What shows a service ran again: its start, or its stop (it ran, to be stopped).
    let runs_again = store
        .rows(&Filter::between(since, until).one_of("action", ["service.start", "service.stop"]))?;
    let mut incidents = Vec::new();
    for r in store.rows(&Filter::between(since, until).term("action", "service.fail"))? {
        let service = r.target.as_deref().unwrap_or("-").to_string();
        // systemd writes two lines for one failure ("Failed with result", "Failed to start").
        let time = local(r.ts);
        if incidents.last().is_some_and(|i: &Incident| {
            i.host == r.host.as_ref()
                && i.service == service
                && time - i.time <= TimeDelta::minutes(1)
        }) {
            continue;
        }
        // Back when the same host next started it within the period; running again, at a time
        // the logs do not say, when the next sign of it is a stop; else not recovered.
        let next = runs_again
            .iter()
            .find(|s| s.ts > r.ts && s.host == r.host && s.target == r.target);
        let minutes = next
            .filter(|s| s.action.as_ref() == "service.start")
            .map(|s| (s.ts - r.ts).num_minutes());
        let back_by = next.map(|s| local(s.ts));
        let system = SYSTEM_SERVICES.iter().any(|n| service.starts_with(n));
        let grade = match (system, minutes) {
            (true, Some(m)) if m < 10 => "II",
            (true, _) => "I",
            (false, _) => "III",
        };
        incidents.push(Incident {
            time: local(r.ts),
            id: r.id.to_string(),
            host: r.host.to_string(),
            service,
            minutes,
            back_by,
            grade,
        });
    }

    let integrity = IntegritySection {
        evidence: integrity,
        silent: of(&findings, &["source.silent"]),
    };
    Ok(Report {
        period: period.to_string(),
        since: local(since),
        until: local(until),
        zone: zone.to_string(),
        summary: Summary {
            events,
            findings: severity,
            previous_known,
        },
        backups,
        data_edits,
        exports,
        permissions,
        admin,
        logins,
        releases,
        incidents,
        integrity,
        follow_ups: Vec::new(),
        findings,
    })
}
