//! `vigil check`: brings the index up to date, runs the regulation's rules over a period with the
//! registers and the policy, and prints the findings as a table (log text made safe for the
//! terminal) or as one JSON document. The exit status says whether any finding reached
//! `--fail-on`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use vigil_checks::{Accounts, Approvals, Checks, Finding, Outcome, RULES, Severity};

use crate::config::Config;
use crate::exit::ExitCode;
use crate::sanitize::terminal;

/// How `vigil check` prints findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per finding.
    Table,
    /// One JSON document: the period, counts and every finding.
    Json,
}

/// What to check: the options of `vigil check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The month to check, as 2026-11 (in the policy's zone).
    #[arg(long)]
    pub month: Option<String>,
    /// The start of the period (default: the start of this month).
    #[arg(long, allow_hyphen_values = true)]
    pub since: Option<String>,
    /// The end of the period, exclusive (default: now).
    #[arg(long, allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Run only this rule (repeat for more; a glob such as `backup.*` names several); default all.
    #[arg(long = "rule")]
    pub rules: Vec<String>,
    /// Show only findings of this severity or higher: low (default), medium or high. The exit
    /// status still judges every finding (`--fail-on`).
    #[arg(long, default_value = "low", value_parser = parse_severity)]
    pub min_severity: Severity,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
    /// The lowest severity that makes the exit status 1: low, medium or high.
    #[arg(long, default_value = "medium", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Check the index as it is, without reading the sources first.
    #[arg(long)]
    pub no_ingest: bool,
    /// While `vigil watch` holds the index, wait this long for it to commit what its sources
    /// hold (e.g. 60s, 500ms).
    #[arg(long, default_value = "60s", value_parser = crate::spool::parse_wait)]
    pub wait: std::time::Duration,
    /// Print how long each rule took (on stderr).
    #[arg(long)]
    pub timings: bool,
    /// The table's language: en, or zh (the rules' Chinese names and the findings said in
    /// Chinese). The JSON holds both.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: crate::report_cmd::ReportLang,
}

/// `--fail-on S`: low, medium or high.
fn parse_severity(s: &str) -> std::result::Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("{s:?}: use low, medium or high"))
}

/// The first instant of month `m` of year `y` in `zone`; `flag` names the option in errors.
fn month_start(y: i32, m: u32, zone: chrono_tz::Tz, flag: &str) -> Result<DateTime<Utc>> {
    let d = NaiveDate::from_ymd_opt(y, m, 1)
        .ok_or_else(|| anyhow!("{flag}: no such month {y}-{m:02}"))?;
    crate::search_cmd::parse_time(&d.to_string(), zone, flag)
}

/// The month `m` (`2026-11`) as `[since, until)` in `zone`, for `--month`.
pub fn month_period(m: &str, zone: chrono_tz::Tz) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let bad = || anyhow!("--month {m:?}: write the month as 2026-11");
    let (y, mo) = m.split_once('-').ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let mo: u32 = mo.parse().map_err(|_| bad())?;
    let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
    Ok((
        month_start(y, mo, zone, "--month")?,
        month_start(ny, nm, zone, "--month")?,
    ))
}

/// The period `[since, until)`: a month, or the two times, or (neither) this month so far, all in
/// the policy's zone.
pub fn period(args: &CheckArgs, zone: chrono_tz::Tz) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    if let Some(m) = &args.month {
        if args.since.is_some() || args.until.is_some() {
            return Err(anyhow!(
                "--month and --since/--until: give either a month or a range"
            ));
        }
        return month_period(m, zone);
    }
    let now = Utc::now().with_timezone(&zone);
    let since = match &args.since {
        Some(s) => crate::search_cmd::parse_time(s, zone, "--since")?,
        None => month_start(now.year(), now.month(), zone, "--since")?,
    };
    let until = match &args.until {
        Some(s) => crate::search_cmd::parse_time(s, zone, "--until")?,
        None => Utc::now(),
    };
    if until <= since {
        return Err(anyhow!("--until is not after --since: the period is empty"));
    }
    Ok((since, until))
}

/// The JSON document of `vigil check --format json`.
#[derive(Serialize)]
struct Report<'a> {
    since: String,
    until: String,
    zone: String,
    newest_event: Option<String>,
    rules: Vec<&'a str>,
    /// Of every finding of the period, whatever `--min-severity` shows.
    counts: Counts,
    /// How many findings `findings` holds.
    shown: usize,
    findings: Vec<Shown<'a>>,
}

/// A finding in the JSON, with its stable key and its reviewers' triage, oldest first.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    key: String,
    triage: Vec<&'a crate::triage::Entry>,
}

#[derive(Serialize, Default)]
struct Counts {
    high: usize,
    medium: usize,
    low: usize,
}

fn counts<'a>(findings: impl Iterator<Item = &'a Finding>) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        match f.severity {
            Severity::High => c.high += 1,
            Severity::Medium => c.medium += 1,
            Severity::Low => c.low += 1,
        }
    }
    c
}

/// The config's registers, read and validated whole (a missing one is empty, and says so once).
pub fn registers(config: &Config) -> Result<(Approvals, Accounts)> {
    let checking = &config.checking;
    let approvals = match &checking.approvals {
        Some(p) => Approvals::load(p)?,
        None => {
            eprintln!(
                "vigil: no approvals register ([registers] approvals in {}): no edit, export, grant or release counts as approved",
                config.path.display()
            );
            Approvals::default()
        }
    };
    let accounts = match &checking.accounts {
        Some(p) => Accounts::load(p)?,
        None => {
            eprintln!(
                "vigil: no accounts register ([registers] accounts in {}): the account rules find nothing",
                config.path.display()
            );
            Accounts::default()
        }
    };
    Ok((approvals, accounts))
}

/// Runs `vigil check`.
pub fn run(config: &Config, data: &Path, args: &CheckArgs) -> Result<ExitCode> {
    let rules = expand_rules(&args.rules)?;
    let checking = &config.checking;
    let policy = &checking.policy;
    let (since, until) = period(args, policy.zone)?;
    // The registers first: a bad row stops the run before any work.
    let (approvals, accounts) = registers(config)?;
    let mut problems = 0;
    if !args.no_ingest {
        let fresh = crate::ingest::bring_up_to_date(config, data, args.wait)
            .context("bringing the index up to date before the checks (--no-ingest skips this)")?;
        crate::ingest::say_freshness("check", &fresh);
        problems = fresh.problems();
    }
    let store = crate::commit::open_store(data)?;
    let jobs: Vec<vigil_backups::jobs::Job> =
        config.backups.iter().map(|b| b.job.clone()).collect();
    let started = std::time::Instant::now();
    let checks = Checks {
        store: store.as_ref(),
        policy,
        approvals: &approvals,
        accounts: &accounts,
        jobs: &jobs,
    };
    let outcome = checks.run(since, until, &rules)?;
    let triage = crate::triage::load(data)?;
    let elapsed = started.elapsed();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let shown: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.severity >= args.min_severity)
        .collect();
    match args.format {
        CheckFormat::Json => write_json(
            &mut out,
            &outcome,
            &shown,
            (since, until, policy.zone),
            &rules,
            &triage,
        )?,
        CheckFormat::Table => write_table(
            &mut out,
            &outcome.findings,
            &shown,
            args.min_severity,
            args.lang == crate::report_cmd::ReportLang::Zh,
        )?,
    }
    out.flush().context("cannot write to stdout")?;
    if args.timings {
        for (rule, d) in &outcome.timings {
            eprintln!("check: {rule}: {:.3} s", d.as_secs_f64());
        }
    }
    let c = counts(outcome.findings.iter());
    let zone = policy.zone;
    eprintln!(
        "check: {} to {} ({}): {} high, {} medium, {} low; {} rules in {:.2} s{}",
        since.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
        until.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
        zone,
        c.high,
        c.medium,
        c.low,
        outcome.timings.len(),
        elapsed.as_secs_f64(),
        outcome
            .newest
            .filter(|n| *n < until)
            .map_or(String::new(), |n| format!(
                "; the newest event is at {}, later silence and backups are not judged",
                n.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S")
            ))
    );
    if shown.len() < outcome.findings.len() {
        eprintln!(
            "check: {} of {} findings shown (--min-severity {})",
            shown.len(),
            outcome.findings.len(),
            args.min_severity.as_str()
        );
    }
    if problems > 0 || outcome.findings.iter().any(|f| f.severity >= args.fail_on) {
        Ok(ExitCode::Findings)
    } else {
        Ok(ExitCode::Ok)
    }
}

fn write_json(
    out: &mut dyn Write,
    outcome: &Outcome,
    shown: &[&Finding],
    (since, until, zone): (DateTime<Utc>, DateTime<Utc>, chrono_tz::Tz),
    rules: &[&str],
    triage: &[crate::triage::Entry],
) -> Result<()> {
    let local = |t: DateTime<Utc>| t.with_timezone(&zone).to_rfc3339();
    let report = Report {
        since: local(since),
        until: local(until),
        zone: zone.to_string(),
        newest_event: outcome.newest.map(local),
        rules: if rules.is_empty() {
            RULES.iter().map(|r| r.id).collect()
        } else {
            rules.to_vec()
        },
        counts: counts(outcome.findings.iter()),
        shown: shown.len(),
        findings: shown
            .iter()
            .map(|f| {
                let key = f.key();
                Shown {
                    finding: f,
                    triage: crate::triage::of(triage, &key),
                    key,
                }
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)?;
    Ok(())
}

fn write_table(
    out: &mut dyn Write,
    all: &[Finding],
    shown: &[&Finding],
    min: Severity,
    zh: bool,
) -> Result<()> {
    let severity = |s: Severity| if zh { s.chinese_name() } else { s.as_str() };
    let width = if std::io::stdout().is_terminal() {
        crate::search_cmd::terminal_width()
    } else {
        usize::MAX
    };
    // First a count per rule, the most severe first: what matters is on the first screen. A
    // finding is shown when it reaches `min` (the filter that made `shown`).
    let mut per_rule: Vec<(&str, Severity, usize, usize)> = Vec::new();
    for f in all {
        let s = usize::from(f.severity >= min);
        match per_rule.iter_mut().find(|(r, ..)| *r == f.rule) {
            Some((_, _, n, shown)) => {
                *n += 1;
                *shown += s;
            }
            None => per_rule.push((f.rule, f.severity, 1, s)),
        }
    }
    per_rule.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !per_rule.is_empty() {
        if zh {
            writeln!(out, "{:<26}  级别  发现数  规则名称", "规则")?;
        } else {
            writeln!(out, "{:<26}  {:<8}  findings", "rule", "severity")?;
        }
        for (rule, sev, n, s) in &per_rule {
            let hidden = match (s < n, zh) {
                (false, _) => String::new(),
                (true, false) => format!(" ({} not shown)", n - s),
                (true, true) => format!("（{} 条未显示）", n - s),
            };
            if zh {
                let name = vigil_checks::rule_by_id(rule).map_or("", |r| r.name_zh);
                writeln!(
                    out,
                    "{rule:<26}  {}    {:<6}  {name}{hidden}",
                    severity(*sev),
                    n
                )?;
            } else {
                writeln!(out, "{rule:<26}  {:<8}  {n}{hidden}", sev.as_str())?;
            }
        }
        writeln!(out)?;
    }
    // Then the findings, the most severe first, each severity in time order.
    let mut sorted: Vec<&&Finding> = shown.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in sorted {
        let line = format!(
            "{}  {:<6}  {:<26}  {}",
            f.time.format("%Y-%m-%d %H:%M:%S"),
            severity(f.severity),
            f.rule,
            terminal(f.summary_in(zh))
        );
        // Cut to the terminal's width, in display columns (CJK counts two), with `…` where cut.
        let line = crate::search_cmd::fit(&line, width, false);
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The rules `--rule` names: ids, or globs over them (`backup.*`), each known, in the order of
/// the rule table; none: every rule.
fn expand_rules(args: &[String]) -> Result<Vec<&'static str>> {
    let mut picked = std::collections::BTreeSet::new();
    for r in args {
        let pattern = vigil_checks::pattern::Pattern::new(r);
        let matched: Vec<&'static str> = RULES
            .iter()
            .map(|x| x.id)
            .filter(|id| pattern.matches(id))
            .collect();
        if matched.is_empty() {
            return Err(anyhow!(
                "--rule {r:?}: no such rule; the rules are {} (a glob such as backup.* names several)",
                RULES.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
            ));
        }
        picked.extend(matched);
    }
    Ok(RULES
        .iter()
        .map(|x| x.id)
        .filter(|id| picked.contains(id))
        .collect())
}
