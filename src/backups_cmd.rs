//! `vigil backups verify`: for a window (default the last 24 hours), each configured backup job's
//! expected runs judged from its logs (ok, late, failed, missing), the sizes, and its artefacts
//! on disk hashed against their manifest; one line per job, or JSON; node_exporter textfile
//! metrics; the verdicts indexed as `backup.verified` / `backup.verify_failed` events for the
//! checks and the report. Exit 0 when every job is fine, 1 when one is not.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use vigil_backups::artefacts::{self, ArtefactReport, ArtefactSpec, Manifest, VerifyOptions};
use vigil_backups::jobs::{RunStatus, RunVerdict, human, judge};
use vigil_index::{EventStore, Filter};
use vigil_parsers::{Category, Event, EventId, Fields, FlagSet, Origin, Outcome};

use crate::backups_config::BackupJob;
use crate::config::Config;
use crate::exit::ExitCode;
use crate::sanitize::terminal;

/// How `vigil backups verify` prints its verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// One line per job.
    Table,
    /// One JSON document: the window and every job's runs and artefacts.
    Json,
}

/// What to verify.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// One day (in the policy's zone), as 2026-11-27.
    #[arg(long)]
    pub date: Option<String>,
    /// A month, as 2026-11.
    #[arg(long)]
    pub month: Option<String>,
    /// The window's start.
    #[arg(long, allow_hyphen_values = true)]
    pub since: Option<String>,
    /// The window's end (default: now).
    #[arg(long, allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Only this job (repeat for more).
    #[arg(long = "job")]
    pub jobs: Vec<String>,
    /// Also decompress zstd and gzip artefacts to nothing.
    #[arg(long)]
    pub deep: bool,
    /// Also re-hash this share (0-1) of the older artefacts, the least recently checked first.
    #[arg(long)]
    pub sample: Option<f64>,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: VerifyFormat,
    /// Write node_exporter textfile metrics (vigil_backup_*) to this file, atomically.
    #[arg(long)]
    pub prometheus: Option<PathBuf>,
    /// Judge the index as it is, without reading the sources first.
    #[arg(long)]
    pub no_ingest: bool,
    /// The metrics file's mode, octal (default 0644, so node_exporter can read it; 0640 or 0600
    /// to narrow).
    #[arg(long, default_value = "0644", value_parser = parse_mode)]
    pub prometheus_mode: u32,
    /// Print nothing on stdout when every job is fine (for cron: mail only on problems).
    #[arg(long)]
    pub quiet: bool,
    /// While `vigil watch` holds the index, wait this long for it to commit what its sources
    /// hold (e.g. 60s, 500ms).
    #[arg(long, default_value = "60s", value_parser = crate::spool::parse_wait)]
    pub wait: std::time::Duration,
}

/// One job's verdict.
#[derive(Debug, Serialize)]
pub struct JobResult {
    pub job: String,
    pub ok: bool,
    /// What is wrong, one line each.
    pub problems: Vec<String>,
    pub runs: Vec<RunVerdict>,
    pub last_success: Option<DateTime<Utc>>,
    pub artefacts: Option<ArtefactSummary>,
    /// The problems found on disk (a subset of `problems`).
    #[serde(skip)]
    pub artefact_problems: Vec<String>,
}

/// The artefacts' part of a job's verdict.
#[derive(Debug, Serialize)]
pub struct ArtefactSummary {
    pub files: usize,
    pub hashed_bytes: u64,
    pub seconds: f64,
    pub newest: Option<(PathBuf, DateTime<Utc>)>,
    pub report: ArtefactReport,
}

/// The window `[since, until)`: `--date`, `--month`, `--since/--until`, or the last 24 hours.
fn window(args: &VerifyArgs, zone: chrono_tz::Tz) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let given = [
        args.date.is_some(),
        args.month.is_some(),
        args.since.is_some() || args.until.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(anyhow!(
            "--date, --month and --since/--until: give one of them"
        ));
    }
    if let Some(d) = &args.date {
        let since = crate::search_cmd::parse_time(d, zone, "--date")?;
        return Ok((since, since + TimeDelta::days(1)));
    }
    if let Some(m) = &args.month {
        return crate::check_cmd::month_period(m, zone);
    }
    let now = Utc::now();
    let until = match &args.until {
        Some(u) => crate::search_cmd::parse_time(u, zone, "--until")?,
        None => now,
    };
    let since = match &args.since {
        Some(s) => crate::search_cmd::parse_time(s, zone, "--since")?,
        None => until - TimeDelta::hours(24),
    };
    if until <= since {
        return Err(anyhow!("--until is not after --since: the window is empty"));
    }
    Ok((since, until))
}

/// The "now" runs are judged at: a month of logs read after the fact is judged as it happened,
/// so it is at least the newest event vigil holds, else the `clock`.
pub fn judged_at(store: &vigil_index::Searcher, clock: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let newest = store.span(&Filter::all())?.map(|(_, b)| b);
    Ok(newest.map_or(clock, |n| n.max(clock)))
}

fn system_time(t: DateTime<Utc>) -> std::time::SystemTime {
    std::time::SystemTime::from(t)
}

/// Runs `vigil backups verify`.
pub fn run(config: &Config, data: &Path, args: &VerifyArgs) -> Result<ExitCode> {
    if config.backups.is_empty() {
        return Err(anyhow!(
            "{}: no [[backups]] job: describe each backup job (schedule, source, artefacts) first",
            config.path.display()
        ));
    }
    for j in &args.jobs {
        if !config.backups.iter().any(|b| &b.job.name == j) {
            return Err(anyhow!(
                "--job {j:?}: no such job; the jobs are {}",
                config
                    .backups
                    .iter()
                    .map(|b| b.job.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if let Some(p) = args.sample
        && !(0.0..=1.0).contains(&p)
    {
        return Err(anyhow!(
            "--sample {p}: give a share from 0 to 1, such as 0.1 for 10%"
        ));
    }
    let zone = config.checking.policy.zone;
    let (since, until) = window(args, zone)?;
    let mut problems = 0;
    if !args.no_ingest {
        let fresh = crate::ingest::bring_up_to_date(config, data, args.wait).context(
            "bringing the index up to date before the verification (--no-ingest skips this)",
        )?;
        if matches!(fresh, crate::ingest::Freshness::Stale(_)) || fresh.problems() > 0 {
            crate::ingest::say_freshness("backups verify", &fresh);
        }
        problems = fresh.problems();
    }
    let store = crate::search_cmd::open(data)?;
    let clock = Utc::now();
    let now = judged_at(&store, clock)?;
    let mut results = Vec::new();
    for b in config
        .backups
        .iter()
        .filter(|b| args.jobs.is_empty() || args.jobs.contains(&b.job.name))
    {
        results.push(verify_job(b, &store, data, since, until, now, clock, args)?);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        VerifyFormat::Table if args.quiet && results.iter().all(|r| r.ok) => {}
        VerifyFormat::Table => {
            for r in &results {
                if r.ok {
                    writeln!(out, "{}: OK{}", terminal(&r.job), ok_detail(r, zone))?;
                } else {
                    writeln!(
                        out,
                        "{}: {}",
                        terminal(&r.job),
                        terminal(&r.problems.join("; "))
                    )?;
                }
            }
        }
        VerifyFormat::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                since: String,
                until: String,
                ok: bool,
                jobs: &'a [JobResult],
            }
            let local = |t: DateTime<Utc>| t.with_timezone(&zone).to_rfc3339();
            serde_json::to_writer_pretty(
                &mut out,
                &Doc {
                    since: local(since),
                    until: local(until),
                    ok: results.iter().all(|r| r.ok),
                    jobs: &results,
                },
            )?;
            writeln!(out)?;
        }
    }
    out.flush().context("cannot write to stdout")?;
    if let Some(p) = &args.prometheus {
        write_prometheus(p, &results, clock, args.prometheus_mode)?;
    }
    match record(data, &results, until, args.wait) {
        Ok(crate::spool::Delivery::Committed | crate::spool::Delivery::ByWriter) => {}
        Ok(crate::spool::Delivery::Waiting(p)) => eprintln!(
            "vigil: the index's writer did not take the verdicts in within {} s: they wait in {} for it (the exit status stands)",
            args.wait.as_secs(),
            terminal(&p.display().to_string())
        ),
        Err(e) => {
            eprintln!("vigil: the verdicts were not indexed (the exit status stands): {e:#}")
        }
    }
    Ok(if problems == 0 && results.iter().all(|r| r.ok) {
        ExitCode::Ok
    } else {
        ExitCode::Findings
    })
}

fn ok_detail(r: &JobResult, zone: chrono_tz::Tz) -> String {
    let judged: Vec<&RunVerdict> = r
        .runs
        .iter()
        .filter(|v| v.status != RunStatus::Pending)
        .collect();
    let mut parts = vec![format!("{} runs", judged.len())];
    if let Some(last) = judged.iter().rev().find(|v| v.finished.is_some()) {
        parts[0] = format!(
            "{} run{}, the last finished {}{}",
            judged.len(),
            if judged.len() == 1 { "" } else { "s" },
            last.finished
                .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            last.bytes
                .map(|b| format!(", {}", human(b)))
                .unwrap_or_default()
        );
    }
    let pending = r.runs.len() - judged.len();
    if pending > 0 {
        parts.push(format!("{pending} not due yet"));
    }
    if let Some(a) = &r.artefacts {
        parts.push(format!(
            "{} artefacts, {} hashed",
            a.files,
            human(a.hashed_bytes)
        ));
    }
    format!(" ({})", parts.join(", "))
}

#[allow(clippy::too_many_arguments)]
fn verify_job(
    b: &BackupJob,
    store: &vigil_index::Searcher,
    data: &Path,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
    clock: DateTime<Utc>,
    args: &VerifyArgs,
) -> Result<JobResult> {
    let job = &b.job;
    let zone = job.schedule.zone;
    let runs = judge(job, store, since, until, now)?;
    let when = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
    let mut problems = Vec::new();
    for v in &runs {
        match v.status {
            RunStatus::Missing => problems.push(format!(
                "MISSING run expected {} (grace {})",
                when(v.expected),
                vigil_checks::policy::format_duration(job.grace)
            )),
            RunStatus::Failed => problems.push(format!(
                "FAILED run of {}: {}",
                when(v.expected),
                v.error
                    .as_deref()
                    .and_then(|e| e.lines().next())
                    .unwrap_or("no error line")
            )),
            RunStatus::Late => problems.push(format!(
                "LATE run of {}: finished {}",
                when(v.expected),
                v.finished.map(when).unwrap_or_default()
            )),
            RunStatus::Ok | RunStatus::Pending => {}
        }
        if let Some(s) = &v.size_problem {
            problems.push(format!("UNDERSIZED run of {}: {s}", when(v.expected)));
        }
    }
    // The last success, from any time before the window's end: for monitoring.
    let last_success = store
        .rows(
            &Filter {
                until: Some(until),
                ..Filter::all()
            }
            .term("source", job.source.clone())
            .term("action", "backup.finish")
            .term("outcome", "success"),
        )?
        .last()
        .map(|r| r.ts)
        .filter(|_| {
            job.filter.job.is_none() && job.filter.host.is_none() && job.filter.tag.is_none()
        })
        .or_else(|| {
            runs.iter()
                .rev()
                .filter(|v| matches!(v.status, RunStatus::Ok | RunStatus::Late))
                .find_map(|v| v.finished)
        });
    let mut artefacts = None;
    let mut artefact_problems = Vec::new();
    if !b.artefacts.patterns.is_empty() {
        let spec = ArtefactSpec {
            patterns: b.artefacts.patterns.clone(),
            manifest: match (&b.artefacts.manifest, &b.artefacts.manifests) {
                (Some(m), _) => Some(Manifest::File(PathBuf::from(m))),
                (None, Some(g)) => Some(Manifest::PerRun(g.clone())),
                (None, None) => None,
            },
        };
        let state_dir = data.join("backups");
        let state = state_dir.join(format!(
            "{}.sample.json",
            job.name.replace(['/', '\\'], "_")
        ));
        if args.sample.is_some() {
            std::fs::create_dir_all(&state_dir)
                .with_context(|| format!("cannot create {}", state_dir.display()))?;
        }
        let opts = VerifyOptions {
            deep: args.deep,
            threads: 0,
            progress: std::io::stderr().is_terminal(),
            since: system_time(since),
            sample: args.sample,
            state: args.sample.map(|_| state),
        };
        let report =
            artefacts::verify(&spec, &opts).with_context(|| format!("job {}", job.name))?;
        for f in report.problems() {
            artefact_problems.push(format!(
                "{} {}: {}",
                f.status.name().to_uppercase(),
                f.path.display(),
                f.status
            ));
        }
        let newest = report
            .newest
            .as_ref()
            .map(|(p, t)| (p.clone(), DateTime::<Utc>::from(*t)));
        match (&newest, b.max_age) {
            (Some((p, t)), Some(max)) if clock - *t > max => artefact_problems.push(format!(
                "STALE newest artefact {} is {} old (at most {})",
                p.display(),
                vigil_checks::policy::format_duration(clock - *t),
                vigil_checks::policy::format_duration(max)
            )),
            (None, _) => artefact_problems.push(format!(
                "NO ARTEFACTS match {}",
                b.artefacts.patterns.join(", ")
            )),
            _ => {}
        }
        artefacts = Some(ArtefactSummary {
            files: report
                .files
                .iter()
                .filter(|f| f.status != artefacts::FileStatus::Missing)
                .count(),
            hashed_bytes: report.bytes_hashed,
            seconds: report.seconds,
            newest,
            report,
        });
    }
    problems.extend(artefact_problems.iter().cloned());
    Ok(JobResult {
        job: job.name.clone(),
        ok: problems.is_empty(),
        problems,
        runs,
        last_success,
        artefacts,
        artefact_problems,
    })
}

/// node_exporter textfile metrics, written to a temporary file and renamed into place.
fn write_prometheus(
    path: &Path,
    results: &[JobResult],
    clock: DateTime<Utc>,
    mode: u32,
) -> Result<()> {
    let mut text = String::new();
    let label = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    text.push_str("# HELP vigil_backup_last_success_timestamp_seconds When the job's newest successful run vigil knows finished, however old; 0 when none is known.\n# TYPE vigil_backup_last_success_timestamp_seconds gauge\n");
    for r in results {
        text.push_str(&format!(
            "vigil_backup_last_success_timestamp_seconds{{job=\"{}\"}} {}\n",
            label(&r.job),
            r.last_success.map_or(0, |t| t.timestamp())
        ));
    }
    text.push_str("# HELP vigil_backup_run_ok 1 when every expected run of the window is ok (or not due yet), else 0.\n# TYPE vigil_backup_run_ok gauge\n");
    for r in results {
        let ok = r.runs.iter().all(|v| !v.is_problem());
        text.push_str(&format!(
            "vigil_backup_run_ok{{job=\"{}\"}} {}\n",
            label(&r.job),
            u8::from(ok)
        ));
    }
    text.push_str("# HELP vigil_backup_runs Expected runs of the window by status.\n# TYPE vigil_backup_runs gauge\n");
    for r in results {
        for s in [
            RunStatus::Ok,
            RunStatus::Late,
            RunStatus::Failed,
            RunStatus::Missing,
            RunStatus::Pending,
        ] {
            let n = r.runs.iter().filter(|v| v.status == s).count();
            text.push_str(&format!(
                "vigil_backup_runs{{job=\"{}\",status=\"{}\"}} {n}\n",
                label(&r.job),
                s.as_str()
            ));
        }
    }
    text.push_str("# HELP vigil_backup_verification_ok 1 when the job's artefacts all verified, else 0 (absent: no artefacts configured).\n# TYPE vigil_backup_verification_ok gauge\n");
    for r in results {
        if let Some(a) = &r.artefacts {
            let ok = a.report.problems().next().is_none();
            text.push_str(&format!(
                "vigil_backup_verification_ok{{job=\"{}\"}} {}\n",
                label(&r.job),
                u8::from(ok)
            ));
        }
    }
    text.push_str(
        "# HELP vigil_backup_ok 1 when the job is fine, else 0.\n# TYPE vigil_backup_ok gauge\n",
    );
    for r in results {
        text.push_str(&format!(
            "vigil_backup_ok{{job=\"{}\"}} {}\n",
            label(&r.job),
            u8::from(r.ok)
        ));
    }
    text.push_str(&format!(
        "# HELP vigil_backup_verify_timestamp_seconds When vigil last verified.\n# TYPE vigil_backup_verify_timestamp_seconds gauge\nvigil_backup_verify_timestamp_seconds {}\n",
        clock.timestamp()
    ));
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map_or("metrics".into(), |n| n.to_string_lossy())
    ));
    {
        let mut f = crate::read::create_private(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("cannot set the mode of {}", tmp.display()))?;
        }
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Indexes one event per job: `backup.verified` or `backup.verify_failed`, in the window's last second.
/// Its id comes from the job and the window's end, so verifying the same window again replaces
/// the verdict instead of adding one.
fn record(
    data: &Path,
    results: &[JobResult],
    until: DateTime<Utc>,
    wait: std::time::Duration,
) -> Result<crate::spool::Delivery> {
    let mut events = Vec::with_capacity(results.len());
    for r in results {
        let key = format!("vigil backups verify: {}", r.job);
        let file_id = vigil_follow::fingerprint_partial(key.as_bytes());
        let offset = u64::try_from(until.timestamp()).unwrap_or(0);
        let mut fields = Fields::new();
        fields.insert("problems", serde_json::Value::from(r.problems.len()));
        fields.insert(
            "artefact_problems",
            serde_json::Value::from(r.artefact_problems.clone()),
        );
        if let Some(a) = &r.artefacts {
            fields.insert("files", serde_json::Value::from(a.files));
            fields.insert("hashed_bytes", serde_json::Value::from(a.hashed_bytes));
        }
        let (action, outcome, message) = if r.ok {
            (
                "backup.verified",
                Outcome::Success,
                format!("{}: verified OK", r.job),
            )
        } else {
            (
                "backup.verify_failed",
                Outcome::Failure,
                format!("{}: {}", r.job, r.problems.join("; ")),
            )
        };
        let raw = serde_json::to_string(
            &serde_json::json!({"job": r.job, "ok": r.ok, "problems": r.problems}),
        )?;
        events.push(Event {
            id: EventId::new(file_id, offset),
            // Dated inside its window (its last second), so a month's report counts it.
            ts: (until - TimeDelta::seconds(1)).min(Utc::now()),
            host: "vigil".into(),
            source: "vigil-backups".into(),
            format: "vigil".into(),
            category: Category::Backup,
            action: action.into(),
            outcome,
            actor: None,
            actor_role: None,
            src_ip: None,
            target: Some(r.job.clone()),
            ticket: None,
            message,
            raw,
            fields,
            flags: FlagSet::new(),
            origin: Origin {
                path: "vigil backups verify".into(),
                offset,
                line: 0,
            },
        });
    }
    // Through the spool: while `vigil watch` holds the index it takes them in.
    crate::spool::deliver(data, "backups-verify", &events, wait)
}

/// `--prometheus-mode`: an octal file mode that lets no one but the owner write.
fn parse_mode(s: &str) -> Result<u32, String> {
    let m = u32::from_str_radix(s.trim_start_matches("0o"), 8)
        .map_err(|_| format!("{s:?}: write an octal mode such as 0644 or 0640"))?;
    if m > 0o777 || m & 0o022 != 0 || m & 0o600 != 0o600 {
        return Err(format!(
            "{s:?}: the owner must read and write the file and no one else write it (such as 0644, 0640 or 0600)"
        ));
    }
    Ok(m)
}
