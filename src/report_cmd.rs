//! `vigil report --month M` (or `--week W`, or `--since/--until`): brings the index up to date,
//! builds the period's report (with the period before for comparison, the archive's chain checked, the dead letter counted) and writes
//! it as Markdown (zh or en) or as its JSON model, to stdout or a file readable by its owner.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use vigil_checks::Checks;
use vigil_report::markdown::{self, Lang};
use vigil_report::{Integrity, build};

use crate::config::Config;
use crate::exit::ExitCode;

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportLang {
    Zh,
    En,
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown, for wikis and meeting documents.
    Md,
    /// The report's model, for other tools.
    Json,
    /// One self-contained page with charts, printable on A4.
    Html,
    /// The page printed to A4 by headless Chromium (needs -o and Chromium).
    Pdf,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The month, as 2026-11.
    #[arg(long)]
    pub month: Option<String>,
    /// Or the weekly report: an ISO week, as 2026-W47.
    #[arg(long)]
    pub week: Option<String>,
    /// Or a period's start...
    #[arg(long, allow_hyphen_values = true)]
    pub since: Option<String>,
    /// ...and end (exclusive).
    #[arg(long, allow_hyphen_values = true)]
    pub until: Option<String>,
    /// zh (the regulation's headings) or en.
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: ReportLang,
    /// md, html or json.
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    /// Write to this file (readable by its owner only) instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Report on the index as it is, without reading the sources first.
    #[arg(long)]
    pub no_ingest: bool,
    /// While `vigil watch` holds the index, wait this long for it to commit what its sources
    /// hold (e.g. 60s, 500ms).
    #[arg(long, default_value = "60s", value_parser = crate::spool::parse_wait)]
    pub wait: std::time::Duration,
}

/// The archive's head and verification (against `committed`, the archive state of the writer's
/// last commit), and the dead letter by class.
fn integrity(data: &Path, committed: Option<serde_json::Value>) -> Result<Integrity> {
    let head = committed
        .as_ref()
        .and_then(|v| v.get("head").and_then(|h| h.as_str()).map(str::to_string))
        .unwrap_or_default();
    let mut out = Integrity {
        archive_head: head,
        archive_ok: true,
        ..Integrity::default()
    };
    let dir = data.join("archive");
    if dir.is_dir() {
        let state: Option<vigil_archive::ArchiveState> = match committed {
            Some(v) => Some(
                serde_json::from_value(v)
                    .context("the archive state in the last commit cannot be read")?,
            ),
            None => None,
        };
        let report = vigil_archive::verify(&dir, state.as_ref())?;
        out.archive_ok = report.ok();
        out.archive_problems = report.problems.iter().map(ToString::to_string).collect();
        if out.archive_head.is_empty() {
            out.archive_head = report.head.clone();
        }
    }
    let dead = data.join("deadletter/deadletter.jsonl");
    if let Ok(f) = std::fs::File::open(&dead) {
        let mut by: BTreeMap<String, u64> = BTreeMap::new();
        for line in std::io::BufReader::new(f).lines() {
            let line = line.with_context(|| format!("cannot read {}", dead.display()))?;
            let class = serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .and_then(|v| v.get("class").and_then(|c| c.as_str()).map(str::to_string))
                .unwrap_or_else(|| "unreadable".into());
            *by.entry(class).or_insert(0) += 1;
        }
        out.dead_letter = by;
    }
    Ok(out)
}

/// A period's name, start and end, and the start of the period before it.
pub type Period = (
    String,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
);

/// The report's period and its label, and the start of the period before it (of the same kind:
/// the month, the week, or as long a stretch) for the comparison.
fn period(args: &ReportArgs, policy: &vigil_checks::Policy) -> Result<Period> {
    let zone = policy.zone;
    let given = [
        args.month.is_some(),
        args.week.is_some(),
        args.since.is_some() || args.until.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(anyhow!(
            "give one of --month (2026-11), --week (2026-W47) or --since and --until"
        ));
    }
    if let Some(m) = &args.month {
        return month(m, policy);
    }
    if let Some(w) = &args.week {
        let bad = || anyhow!("--week {w:?}: write an ISO week such as 2026-W47");
        let (y, n) = w.split_once("-W").ok_or_else(bad)?;
        let y: i32 = y.parse().map_err(|_| bad())?;
        let n: u32 = n.parse().map_err(|_| bad())?;
        let monday =
            chrono::NaiveDate::from_isoywd_opt(y, n, chrono::Weekday::Mon).ok_or_else(bad)?;
        let since = policy.start_of(monday);
        let until = policy.start_of(monday + chrono::TimeDelta::days(7));
        return Ok((
            w.clone(),
            since,
            until,
            policy.start_of(monday - chrono::TimeDelta::days(7)),
        ));
    }
    let (Some(a), Some(b)) = (&args.since, &args.until) else {
        return Err(anyhow!("--since and --until go together"));
    };
    let since = crate::search_cmd::parse_time(a, zone, "--since")?;
    let until = crate::search_cmd::parse_time(b, zone, "--until")?;
    if until <= since {
        return Err(anyhow!("--until is not after --since: the period is empty"));
    }
    let label = format!(
        "{} – {}",
        since.with_timezone(&zone).format("%Y-%m-%d"),
        until.with_timezone(&zone).format("%Y-%m-%d")
    );
    Ok((label, since, until, since - (until - since)))
}

/// Runs `vigil report`.
pub fn run(config: &Config, data: &Path, args: &ReportArgs) -> Result<ExitCode> {
    let checking = &config.checking;
    let policy = &checking.policy;
    let (label, since, until, prev_since) = period(args, policy)?;
    // A PDF needs a file and a browser: say so before any work.
    let browser = match args.format {
        ReportFormat::Pdf => {
            if args.output.is_none() {
                return Err(anyhow!(
                    "--format pdf writes a file: give it with -o report.pdf"
                ));
            }
            Some(find_chromium()?)
        }
        _ => None,
    };
    let mut problems = 0;
    if !args.no_ingest {
        let fresh = crate::ingest::bring_up_to_date(config, data, args.wait)
            .context("bringing the index up to date before the report (--no-ingest skips this)")?;
        if matches!(fresh, crate::ingest::Freshness::Stale(_)) || fresh.problems() > 0 {
            crate::ingest::say_freshness("report", &fresh);
        }
        problems = fresh.problems();
    }
    let report = make(config, data, &label, since, until, prev_since)?;
    let lang = match args.lang {
        ReportLang::Zh => Lang::Zh,
        ReportLang::En => Lang::En,
    };
    let bytes = match (args.format, &browser) {
        (ReportFormat::Json, _) => (serde_json::to_string_pretty(&report)? + "\n").into_bytes(),
        (ReportFormat::Md, _) => markdown::render(&report, lang).into_bytes(),
        (ReportFormat::Html, _) => vigil_report::html::render(&report, lang).into_bytes(),
        (ReportFormat::Pdf, Some(browser)) => {
            print_to_pdf(browser, &vigil_report::html::render(&report, lang))?
        }
        (ReportFormat::Pdf, None) => return Err(anyhow!("no browser to print the PDF with")),
    };
    write_out(args, &bytes)?;
    // Done, with problems: files not read are named above.
    Ok(if problems > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Ok
    })
}

/// The report of `[since, until)` named `label` (the period before from `prev_since`), from the
/// index as it is: the model `vigil report` and the console render.
pub fn make(
    config: &Config,
    data: &Path,
    label: &str,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    prev_since: chrono::DateTime<chrono::Utc>,
) -> Result<vigil_report::Report> {
    let checking = &config.checking;
    let policy = &checking.policy;
    let (approvals, accounts) = crate::check_cmd::registers(config)?;
    // The evidence archive and its head are the data directory's; the events may be in
    // ClickHouse (`[store]`).
    let store = crate::commit::open_store(data)?;
    // Read once: it may come from ClickHouse.
    let committed = crate::commit::committed_archive_state(data)?;
    let jobs: Vec<vigil_backups::jobs::Job> =
        config.backups.iter().map(|b| b.job.clone()).collect();
    let checks = Checks {
        store: store.as_ref(),
        policy,
        approvals: &approvals,
        accounts: &accounts,
        jobs: &jobs,
    };
    let sources: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let mut report = build(
        &checks,
        label,
        since,
        until,
        prev_since,
        &sources,
        integrity(data, committed)?,
    )?;
    report.follow_ups = follow_ups(data, since, until, policy.zone)?;
    Ok(report)
}

/// The triage entries recorded in `[since, until)`, oldest first, as the report shows them.
fn follow_ups(
    data: &Path,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    zone: chrono_tz::Tz,
) -> Result<Vec<vigil_report::model::FollowUp>> {
    let mut out: Vec<_> = crate::triage::load(data)?
        .into_iter()
        .filter(|e| e.at >= since && e.at < until)
        .map(|e| vigil_report::model::FollowUp {
            at: e.at.with_timezone(&zone).fixed_offset(),
            by: e.by,
            status: e.status.as_str().to_string(),
            note: e.note,
            rule: e.rule,
            finding_time: e.finding_time,
            key: e.key,
        })
        .collect();
    out.sort_by_key(|f| f.at);
    Ok(out)
}

/// The month `m` (2026-11) as `make` takes it: its label, start, end and the month before's start.
pub fn month(m: &str, policy: &vigil_checks::Policy) -> Result<Period> {
    let (since, until) = crate::check_cmd::month_period(m, policy.zone)?;
    let start = since.with_timezone(&policy.zone).date_naive();
    let prev = start
        .checked_sub_months(chrono::Months::new(1))
        .ok_or_else(|| anyhow!("--month {m}: no month before it"))?;
    Ok((m.to_string(), since, until, policy.start_of(prev)))
}

/// The file beside `p` that holds its sha256: `report.html.sha256`.
fn sidecar(p: &Path) -> PathBuf {
    let mut name = p.as_os_str().to_os_string();
    name.push(".sha256");
    PathBuf::from(name)
}

/// Chromium (or Chrome) on the PATH, or the one-line error that says which package to install.
fn find_chromium() -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(anyhow!(
        "--format pdf prints the HTML report with headless Chromium, which is not installed: install it (Debian: apt-get install chromium), or write --format html and print that"
    ))
}

/// `html` printed to an A4 PDF by headless Chromium, in a private folder of its own that is
/// removed afterwards. The page has no script and fetches nothing.
fn print_to_pdf(browser: &Path, html: &str) -> Result<Vec<u8>> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("vigil-pdf-{}-{nanos}", std::process::id()));
    crate::ingest::create_private_dir(&dir)
        .with_context(|| format!("{}: cannot create", dir.display()))?;
    let result = (|| -> Result<Vec<u8>> {
        let page = dir.join("report.html");
        let pdf = dir.join("report.pdf");
        crate::read::create_private(&page)
            .and_then(|mut f| f.write_all(html.as_bytes()))
            .with_context(|| format!("{}: cannot write", page.display()))?;
        let mut cmd = std::process::Command::new(browser);
        cmd.args([
            "--headless",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null());
        // Chromium refuses to start as root with its sandbox on.
        if rustix::process::geteuid().is_root() {
            cmd.arg("--no-sandbox");
        }
        let out = cmd
            .output()
            .with_context(|| format!("cannot run {}", browser.display()))?;
        match std::fs::read(&pdf) {
            Ok(b) if b.starts_with(b"%PDF") => Ok(b),
            _ => Err(anyhow!(
                "{} did not print the report (exit {}): {}",
                browser.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message")
            )),
        }
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn write_out(args: &ReportArgs, text: &[u8]) -> Result<()> {
    match &args.output {
        Some(p) => {
            let mut f = crate::read::create_private(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f.write_all(text)
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write {}", p.display()))?;
            // The report's own hash beside it, as `sha256sum -c` reads it: a later reader can
            // check that the file is the one made (its archive chain head is in section 9).
            let side = sidecar(p);
            let name = p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let line = format!("{}  {name}\n", vigil_archive::sha256_hex(text));
            crate::read::create_private(&side)
                .and_then(|mut f| f.write_all(line.as_bytes()))
                .with_context(|| format!("cannot write {}", side.display()))?;
            eprintln!(
                "report: wrote {} and its sha256 in {}",
                crate::sanitize::terminal(&p.display().to_string()),
                crate::sanitize::terminal(&side.display().to_string())
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(text)?;
            out.flush().context("cannot write to stdout")?;
        }
    }
    Ok(())
}
