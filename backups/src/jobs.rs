//! Backup jobs and their schedules: when a job is expected to run, which events are its runs, and
//! the verdict on each expected run (ok, late, failed, missing, or not due yet), with its size
//! judged against the job's expectation.
//!
//! A run is attributed to the latest expected time at or before its start (less a few minutes
//! of clock slack): the start event's time, the finish event's `backup_start`, or the finish less
//! its `duration_s`. An expected run with a successful finish within the grace is ok; after it,
//! late; with only failures, failed (with the first error line); with nothing, missing once its
//! grace has passed. A run whose time is only the day in its file's name (`time_source =
//! "file_name"`) takes the first expected run of that day still without an outcome. Every time is read from the index; "now" is the later of the clock and the
//! newest event vigil holds, so a month of logs read after the fact is judged as it happened.
//! Runs expected before the oldest event of the job's source are not judged.

use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use vigil_index::{EventStore, Filter};
use vigil_parsers::{Event, FieldRef, FieldValue, Outcome};

/// How early a run may start and still count for an expected time: clocks drift, cron starts
/// jobs a little late or early.
pub const SLACK: TimeDelta = TimeDelta::minutes(10);

/// One or more cron expressions, read in a zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub exprs: Vec<String>,
    crons: Vec<croner::Cron>,
    pub zone: Tz,
}

impl Schedule {
    /// Parses cron expressions (`0 2 * * *`, `30 1 * * 1-5`), or a message saying what is wrong.
    pub fn parse(exprs: &[String], zone: Tz) -> Result<Schedule, String> {
        if exprs.is_empty() {
            return Err("no cron expression; write one such as \"0 2 * * *\"".into());
        }
        let mut crons = Vec::new();
        for e in exprs {
            let c = croner::Cron::from_str(e.trim()).map_err(|err| {
                format!("{e:?} is not a cron expression ({err}); write one such as \"0 2 * * *\"")
            })?;
            crons.push(c);
        }
        Ok(Schedule {
            exprs: exprs.to_vec(),
            crons,
            zone,
        })
    }

    /// The expected times in `[since, until)`, oldest first.
    pub fn times(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let start = since.with_timezone(&self.zone);
        for c in &self.crons {
            for t in c.iter_from(start, croner::Direction::Forward) {
                let t = t.with_timezone(&Utc);
                if t >= until {
                    break;
                }
                out.push(t);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The first expected time after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&self.zone);
        self.crons
            .iter()
            .filter_map(|c| c.find_next_occurrence(&local, false).ok())
            .map(|n| n.with_timezone(&Utc))
            .min()
    }

    /// The last expected time at or before `t`.
    pub fn last_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&self.zone);
        self.crons
            .iter()
            .filter_map(|c| c.find_previous_occurrence(&local, true).ok())
            .map(|n| n.with_timezone(&Utc))
            .max()
    }
}

/// Which events of a source are this job's: every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// The job's name in the log: `fields.job`, or the target.
    pub job: Option<String>,
    pub host: Option<String>,
    /// A tag the run carries (`fields.tags`, a list or a comma-separated text).
    pub tag: Option<String>,
}

impl RunFilter {
    pub fn matches(&self, e: &Event) -> bool {
        let field = |k: &str| e.fields.get(k).and_then(|v| v.as_str());
        self.job
            .as_deref()
            .is_none_or(|j| field("job") == Some(j) || e.target.as_deref() == Some(j))
            && self.host.as_deref().is_none_or(|h| &*e.host == h)
            && self.tag.as_deref().is_none_or(|t| {
                match e.fields.get("tags").map(FieldValue::view) {
                    Some(FieldRef::Json(serde_json::Value::Array(a))) => {
                        a.iter().any(|x| x.as_str() == Some(t))
                    }
                    Some(FieldRef::Str(s)) => s.split(',').any(|x| x.trim() == t),
                    _ => false,
                }
            })
    }
}

/// What size a run must have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SizeRule {
    pub min: Option<u64>,
    pub max: Option<u64>,
    /// Not below this fraction of the median of the job's last 7 successful runs.
    pub min_of_median: Option<f64>,
}

/// A backup job.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub schedule: Schedule,
    pub grace: TimeDelta,
    /// The source whose events are the job's runs.
    pub source: String,
    pub filter: RunFilter,
    pub size: SizeRule,
}

/// How an expected run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Ok,
    Late,
    Failed,
    Missing,
    /// Its grace has not passed yet.
    Pending,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Late => "late",
            RunStatus::Failed => "failed",
            RunStatus::Missing => "missing",
            RunStatus::Pending => "pending",
        }
    }
}

/// The verdict on one expected run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunVerdict {
    pub expected: DateTime<Utc>,
    pub status: RunStatus,
    /// When the run that counts finished.
    pub finished: Option<DateTime<Utc>>,
    pub bytes: Option<u64>,
    /// What is wrong with its size, if anything.
    pub size_problem: Option<String>,
    /// The first error line of a failed run.
    pub error: Option<String>,
    /// Failed attempts before the one that counts.
    pub retries: usize,
    /// The ids of the run's events.
    pub evidence: Vec<String>,
}

impl RunVerdict {
    /// Whether something is wrong (a pending run is not, yet).
    pub fn is_problem(&self) -> bool {
        !matches!(self.status, RunStatus::Ok | RunStatus::Pending) || self.size_problem.is_some()
    }
}

/// The actions of a run's events.
const RUN_ACTIONS: [&str; 3] = ["backup.start", "backup.finish", "backup.error"];

/// How far back sizes are looked for ("the median of the last 7 runs").
const HISTORY: TimeDelta = TimeDelta::days(45);

/// When the run of `e` started: its start event, `backup_start`, or finish less duration.
fn started(e: &Event) -> DateTime<Utc> {
    if e.action == "backup.finish" {
        if let Some(s) = e.fields.get("backup_start").and_then(|v| v.as_str())
            && let Ok(t) = DateTime::parse_from_rfc3339(s)
        {
            return t.with_timezone(&Utc);
        }
        if let Some(d) = e.fields.get("duration_s").and_then(|v| v.as_f64())
            && let Some(d) = TimeDelta::try_milliseconds((d * 1000.0) as i64)
        {
            return e.ts - d;
        }
    }
    e.ts
}

fn bytes(e: &Event) -> Option<u64> {
    e.fields.get("bytes").and_then(|v| v.as_u64())
}

fn median(mut v: Vec<u64>) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// Judges every expected run of `job` in `[since, until)`, as of `now`.
pub fn judge(
    job: &Job,
    store: &dyn EventStore,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> vigil_index::Result<Vec<RunVerdict>> {
    // Runs expected before vigil holds any log of the source are not judged: vigil cannot tell
    // them from the time before it was set up. (A source with no log at all is judged: its
    // runs are all missing.)
    let oldest = store
        .span(&Filter::all().term("source", job.source.clone()))?
        .map(|(first, _)| first);
    let mut expected = job.schedule.times(since, until);
    if let Some(oldest) = oldest {
        expected.retain(|t| *t + SLACK >= oldest);
    }
    let Some(&first) = expected.first() else {
        return Ok(Vec::new());
    };
    let last_slot_end = expected
        .last()
        .and_then(|&t| job.schedule.next_after(t))
        .unwrap_or(until)
        .max(until);
    let filter = Filter::between(first - HISTORY, last_slot_end + job.grace)
        .term("source", job.source.clone())
        .one_of("action", RUN_ACTIONS);
    let events: Vec<Event> = store
        .events(&filter)?
        .into_iter()
        .filter(|e| job.filter.matches(e))
        .collect();
    // Each event under the expected time of its run; a finish's run started before it.
    let mut slots: Vec<Vec<&Event>> = vec![Vec::new(); expected.len()];
    let mut history: Vec<(DateTime<Utc>, u64)> = Vec::new();
    // Runs dated only by the day in their file's name (`time_source = "file_name"`): placed
    // below, once the runs with times have their slots.
    let mut by_day: Vec<&Event> = Vec::new();
    for e in &events {
        if e.fields.get("time_source").and_then(|v| v.as_str()) == Some("file_name") {
            by_day.push(e);
            continue;
        }
        let start = started(e);
        if e.action == "backup.finish"
            && e.outcome == Outcome::Success
            && let Some(b) = bytes(e)
        {
            history.push((e.ts, b));
        }
        let at = start + SLACK;
        let Some(i) = expected.iter().rposition(|t| *t <= at) else {
            continue;
        };
        // Past the next expected time: it belongs to a later slot outside the window.
        let slot_end = expected
            .get(i + 1)
            .copied()
            .or_else(|| job.schedule.next_after(expected[i]));
        if slot_end.is_some_and(|end| at >= end) {
            continue;
        }
        slots[i].push(e);
    }
    by_day.sort_by_key(|e| e.ts);
    // A run known only by its day takes that day's first expected run that has no outcome yet
    // (else the day's last): the events of one such run share their time.
    let mut i = 0;
    while i < by_day.len() {
        let ts = by_day[i].ts;
        let n = by_day[i..].iter().take_while(|e| e.ts == ts).count();
        let day = ts..ts + TimeDelta::days(1);
        let of_day: Vec<usize> = (0..expected.len())
            .filter(|&k| day.contains(&expected[k]))
            .collect();
        let open = of_day.iter().copied().find(|&k| {
            !slots[k]
                .iter()
                .any(|e| e.action == "backup.finish" || e.outcome == Outcome::Failure)
        });
        if let Some(k) = open.or(of_day.last().copied()) {
            slots[k].extend(by_day[i..i + n].iter().copied());
        }
        i += n;
    }
    let mut out = Vec::with_capacity(expected.len());
    for (i, t) in expected.iter().enumerate() {
        let evs = &slots[i];
        let evidence = evs.iter().map(|e| e.id.to_string()).collect();
        let success = evs
            .iter()
            .find(|e| e.action == "backup.finish" && e.outcome == Outcome::Success);
        let failures: Vec<&&Event> = evs
            .iter()
            .filter(|e| e.outcome == Outcome::Failure && e.action != "backup.start")
            .collect();
        let due = *t + job.grace;
        let mut v = RunVerdict {
            expected: *t,
            status: RunStatus::Missing,
            finished: None,
            bytes: None,
            size_problem: None,
            error: None,
            retries: 0,
            evidence,
        };
        if let Some(s) = success {
            v.finished = Some(s.ts);
            v.status = if s.ts <= due {
                RunStatus::Ok
            } else {
                RunStatus::Late
            };
            v.retries = evs
                .iter()
                .filter(|e| {
                    e.action == "backup.finish" && e.outcome == Outcome::Failure && e.ts < s.ts
                })
                .count();
            v.bytes = bytes(s);
            v.size_problem = size_problem(job, v.bytes, &history, s.ts);
        } else if let Some(f) = failures.first() {
            v.status = RunStatus::Failed;
            v.finished = failures
                .iter()
                .filter(|e| e.action == "backup.finish")
                .map(|e| e.ts)
                .next();
            let error = failures
                .iter()
                .find(|e| e.action == "backup.error")
                .unwrap_or(f);
            v.error = Some(if error.message.is_empty() {
                error.raw.clone()
            } else {
                error.message.clone()
            });
        } else if now < due {
            v.status = RunStatus::Pending;
        } else if evs.iter().any(|e| e.action == "backup.start") {
            v.status = RunStatus::Failed;
            v.error = Some("started but never finished".into());
        }
        out.push(v);
    }
    Ok(out)
}

fn size_problem(
    job: &Job,
    bytes: Option<u64>,
    history: &[(DateTime<Utc>, u64)],
    at: DateTime<Utc>,
) -> Option<String> {
    let rule = &job.size;
    if rule == &SizeRule::default() {
        return None;
    }
    let Some(b) = bytes else {
        return Some("the log gives no size for the run".into());
    };
    if let Some(min) = rule.min
        && b < min
    {
        return Some(format!("{} is below the minimum {}", human(b), human(min)));
    }
    if let Some(max) = rule.max
        && b > max
    {
        return Some(format!("{} is above the maximum {}", human(b), human(max)));
    }
    if let Some(f) = rule.min_of_median {
        let earlier: Vec<u64> = history
            .iter()
            .filter(|(t, _)| *t < at)
            .rev()
            .take(7)
            .map(|(_, b)| *b)
            .collect();
        if let Some(m) = median(earlier)
            && (b as f64) < f * m as f64
        {
            return Some(format!(
                "{} is below {:.0}% of the median of the last 7 runs ({})",
                human(b),
                f * 100.0,
                human(m)
            ));
        }
    }
    None
}

/// Bytes as people read them: `1.9 GB`.
pub fn human(b: u64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (u, n) in units {
        if b as f64 >= n {
            return format!("{:.1} {u}", b as f64 / n);
        }
    }
    format!("{b} B")
}

/// Parses a size such as `1GB`, `500MB`, `2GiB`, `1000`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: f64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a size; write it as 500MB or 2GB"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        _ => return Err(format!("{s:?} is not a size; write it as 500MB or 2GB")),
    };
    Ok((n * mult) as u64)
}
