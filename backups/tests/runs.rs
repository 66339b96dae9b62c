//! Expected runs against the events of a real index: ok, late inside and outside the grace,
//! failed with its error line, missing, pending, undersized; a weekdays-only schedule; a
//! schedule in a zone with daylight saving across the change; a backup log without a year read
//! across New Year.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use chrono::{DateTime, TimeDelta, Utc};
use vigil_backups::jobs::{Job, RunFilter, RunStatus, RunVerdict, Schedule, SizeRule, judge};
use vigil_index::{Checkpoints, IndexWriter, Searcher};
use vigil_parsers::{Event, EventId, Fields, FlagSet, Origin, Outcome, ParseContext};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A backup event of job `job` at `ts` (RFC 3339).
fn ev(n: u64, ts: &str, action: &'static str, outcome: Outcome, job: &str) -> Event {
    let mut fields = Fields::new();
    fields.insert("job", serde_json::Value::String(job.into()));
    Event {
        id: EventId::new(0xb4c, n),
        ts: t(ts),
        host: "arch-db01".into(),
        source: "backup-job".into(),
        format: "backup-job".into(),
        category: vigil_parsers::Category::Backup,
        action: action.into(),
        outcome,
        actor: None,
        actor_role: None,
        src_ip: None,
        target: None,
        ticket: None,
        message: format!("{action} {job}"),
        raw: String::new(),
        fields,
        flags: FlagSet::new(),
        origin: Origin {
            path: "backup-job.log".into(),
            offset: n,
            line: n + 1,
        },
    }
}

fn finish(n: u64, ts: &str, job: &str, bytes: u64) -> Event {
    let mut e = ev(n, ts, "backup.finish", Outcome::Success, job);
    e.fields.insert("bytes", serde_json::Value::from(bytes));
    e
}

fn index(events: Vec<Event>) -> (tempfile::TempDir, Searcher) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path()).unwrap();
    for e in events {
        w.add(e).unwrap();
    }
    w.commit(&Checkpoints::new()).unwrap();
    drop(w);
    let s = Searcher::open(dir.path()).unwrap();
    (dir, s)
}

fn job(name: &str, cron: &[&str], zone: chrono_tz::Tz, grace_h: i64) -> Job {
    Job {
        name: name.into(),
        schedule: Schedule::parse(
            &cron.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            zone,
        )
        .unwrap(),
        grace: TimeDelta::hours(grace_h),
        source: "backup-job".into(),
        filter: RunFilter {
            job: Some(name.into()),
            ..RunFilter::default()
        },
        size: SizeRule::default(),
    }
}

fn statuses(v: &[RunVerdict]) -> Vec<(String, &'static str)> {
    v.iter()
        .map(|r| {
            (
                r.expected
                    .with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%m-%d %H:%M")
                    .to_string(),
                r.status.as_str(),
            )
        })
        .collect()
}

#[test]
fn each_night_is_ok_late_failed_missing_or_pending() {
    let j = "archive-db";
    let events = vec![
        // 11-01: ok.
        ev(
            1,
            "2026-11-01T02:00:03+08:00",
            "backup.start",
            Outcome::Unknown,
            j,
        ),
        finish(2, "2026-11-01T02:01:50+08:00", j, 1_900_000_000),
        // 11-02: finished 1h50m after the schedule: late but inside the 2h grace: ok.
        finish(3, "2026-11-02T03:50:00+08:00", j, 1_910_000_000),
        // 11-03: finished 2h10m after: late.
        finish(4, "2026-11-03T04:10:00+08:00", j, 1_920_000_000),
        // 11-04: nothing logged: missing.
        // 11-05: an error, then the job's failure.
        ev(
            5,
            "2026-11-05T02:00:04+08:00",
            "backup.error",
            Outcome::Failure,
            j,
        ),
        ev(
            6,
            "2026-11-05T02:00:04+08:00",
            "backup.finish",
            Outcome::Failure,
            j,
        ),
        // 11-06: a failure, then a retry that succeeds within the grace.
        ev(
            7,
            "2026-11-06T02:00:04+08:00",
            "backup.finish",
            Outcome::Failure,
            j,
        ),
        finish(8, "2026-11-06T02:40:00+08:00", j, 1_930_000_000),
        // 11-07: started, never finished.
        ev(
            9,
            "2026-11-07T02:00:02+08:00",
            "backup.start",
            Outcome::Unknown,
            j,
        ),
        // Another job's run on 11-04 does not count.
        finish(10, "2026-11-04T02:01:00+08:00", "archive-files", 10),
    ];
    let (_d, s) = index(events);
    let job = job(j, &["0 2 * * *"], chrono_tz::Asia::Shanghai, 2);
    // Judged at 11-08 03:00: 11-08's run is still within its grace.
    let v = judge(
        &job,
        &s,
        t("2026-11-01T00:00:00+08:00"),
        t("2026-11-09T00:00:00+08:00"),
        t("2026-11-08T03:00:00+08:00"),
    )
    .unwrap();
    assert_eq!(
        statuses(&v),
        [
            ("11-01 02:00", "ok"),
            ("11-02 02:00", "ok"),
            ("11-03 02:00", "late"),
            ("11-04 02:00", "missing"),
            ("11-05 02:00", "failed"),
            ("11-06 02:00", "ok"),
            ("11-07 02:00", "failed"),
            ("11-08 02:00", "pending"),
        ]
        .map(|(a, b)| (a.to_string(), b))
    );
    assert_eq!(v[4].error.as_deref(), Some("backup.error archive-db"));
    assert_eq!(v[5].retries, 1);
    assert_eq!(v[6].error.as_deref(), Some("started but never finished"));
    assert_eq!(v[0].evidence.len(), 2);
    assert_eq!(v[1].bytes, Some(1_910_000_000));
    assert!(v.iter().filter(|r| r.is_problem()).count() == 4);
}

#[test]
fn an_undersized_run_is_judged_against_the_median_of_the_last_seven() {
    let j = "archive-db";
    let mut events = Vec::new();
    for d in 1..=8u64 {
        let size = if d == 8 {
            700_000_000
        } else {
            1_000_000_000 + d * 1_000_000
        };
        events.push(finish(
            d,
            &format!("2026-11-{d:02}T02:02:00+08:00"),
            j,
            size,
        ));
    }
    let (_d, s) = index(events);
    let mut job = job(j, &["0 2 * * *"], chrono_tz::Asia::Shanghai, 2);
    job.size = SizeRule {
        min: Some(500_000_000),
        max: None,
        min_of_median: Some(0.8),
    };
    let v = judge(
        &job,
        &s,
        t("2026-11-01T00:00:00+08:00"),
        t("2026-11-09T00:00:00+08:00"),
        t("2026-11-10T00:00:00+08:00"),
    )
    .unwrap();
    let problems: Vec<(String, Option<&str>)> = v
        .iter()
        .filter(|r| r.size_problem.is_some())
        .map(|r| (r.expected.to_rfc3339(), r.size_problem.as_deref()))
        .collect();
    assert_eq!(
        problems,
        [(
            "2026-11-07T18:00:00+00:00".to_string(),
            Some("700.0 MB is below 80% of the median of the last 7 runs (1.0 GB)")
        )]
    );
    assert_eq!(v[7].status, RunStatus::Ok);
    job.size = SizeRule {
        min: Some(800_000_000),
        max: Some(1_005_000_000),
        min_of_median: None,
    };
    let v = judge(
        &job,
        &s,
        t("2026-11-01T00:00:00+08:00"),
        t("2026-11-09T00:00:00+08:00"),
        t("2026-11-10T00:00:00+08:00"),
    )
    .unwrap();
    let sized: Vec<Option<&str>> = v.iter().map(|r| r.size_problem.as_deref()).collect();
    assert_eq!(sized[0], None);
    assert_eq!(sized[5], Some("1.0 GB is above the maximum 1.0 GB"));
    assert_eq!(sized[7], Some("700.0 MB is below the minimum 800.0 MB"));
}

#[test]
fn a_weekdays_only_schedule_expects_nothing_at_the_weekend() {
    let job = job("x", &["0 2 * * 1-5"], chrono_tz::Asia::Shanghai, 2);
    // 2026-11-02 is a Monday.
    let times = job.schedule.times(
        t("2026-11-01T00:00:00+08:00"),
        t("2026-11-15T00:00:00+08:00"),
    );
    let days: Vec<String> = times
        .iter()
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%a %d")
                .to_string()
        })
        .collect();
    assert_eq!(
        days,
        [
            "Mon 02", "Tue 03", "Wed 04", "Thu 05", "Fri 06", "Mon 09", "Tue 10", "Wed 11",
            "Thu 12", "Fri 13"
        ]
    );
    let (_d, s) = index(vec![finish(1, "2026-11-02T02:05:00+08:00", "x", 1)]);
    let v = judge(
        &job,
        &s,
        t("2026-11-01T00:00:00+08:00"),
        t("2026-11-04T00:00:00+08:00"),
        t("2026-11-05T00:00:00+08:00"),
    )
    .unwrap();
    assert_eq!(
        statuses(&v),
        [
            ("11-02 02:00".to_string(), "ok"),
            ("11-03 02:00".to_string(), "missing")
        ]
    );
}

#[test]
fn a_schedule_in_new_york_keeps_its_wall_clock_across_the_dst_change() {
    // 02:30 every day in New York: 2026-03-08 has no 02:30 (clocks jump 02:00 -> 03:00), and
    // 2026-11-01 has it twice (01:00-02:00 repeats; 02:30 itself once).
    let ny = chrono_tz::America::New_York;
    let job = job("nightly", &["30 1 * * *"], ny, 1);
    let times = job.schedule.times(
        t("2026-10-30T00:00:00-04:00"),
        t("2026-11-03T00:00:00-05:00"),
    );
    let utc: Vec<String> = times
        .iter()
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .collect();
    // 01:30 EDT = 05:30 UTC until 10-31; on 11-01 01:30 happens twice (EDT then EST): one run,
    // the first; then 01:30 EST = 06:30 UTC.
    assert_eq!(
        utc,
        ["10-30 05:30", "10-31 05:30", "11-01 05:30", "11-02 06:30"]
    );
    let spring = job.schedule.times(
        t("2026-03-07T00:00:00-05:00"),
        t("2026-03-10T00:00:00-04:00"),
    );
    let utc: Vec<String> = spring
        .iter()
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .collect();
    assert_eq!(utc, ["03-07 06:30", "03-08 06:30", "03-09 05:30"]);
    // A run at 01:31 EST on 11-02 is that night's, on time.
    let (_d, s) = index(vec![finish(1, "2026-11-02T01:31:00-05:00", "nightly", 1)]);
    let v = judge(
        &job,
        &s,
        t("2026-11-02T00:00:00-05:00"),
        t("2026-11-03T00:00:00-05:00"),
        t("2026-11-03T00:00:00-05:00"),
    )
    .unwrap();
    assert_eq!(
        v.iter().map(|r| r.status).collect::<Vec<_>>(),
        [RunStatus::Ok]
    );
}

#[test]
fn a_backup_log_without_a_year_is_read_across_new_year() {
    // The site's backup script writes `Dec 31 02:01:50 FINISH ...` with no year; vigil reads the
    // file on 1 January: December's lines are last year's, January's this year's.
    let cfg: vigil_parsers::regex_format::RegexFormatConfig = toml::from_str(
        r#"
name = "nightly"
[[patterns]]
regex = '^(?P<ts>\w{3} +\d+ \d\d:\d\d:\d\d) FINISH job=(?P<job>\S+) bytes=(?P<bytes>\d+)$'
ts_format = "%b %d %H:%M:%S"
action = "backup.finish"
outcome = "success"
"#,
    )
    .unwrap();
    let format = vigil_parsers::regex_format::RegexFormat::compile(&cfg).unwrap();
    let mut parser = vigil_parsers::regex_format::RegexParser::new(format);
    let ctx = ParseContext::new(
        "backup-job",
        "arch-db01",
        chrono_tz::Asia::Shanghai,
        t("2027-01-01T03:00:00+08:00"),
    );
    let text = "Dec 30 02:01:50 FINISH job=archive-db bytes=100\nDec 31 02:01:49 FINISH job=archive-db bytes=100\nJan  1 02:01:52 FINISH job=archive-db bytes=100\n";
    let events: Vec<Event> =
        vigil_parsers::parse_text(&mut parser, &ctx, "backup.log", text.as_bytes())
            .into_iter()
            .map(|o| o.unwrap())
            .collect();
    let years: Vec<String> = events
        .iter()
        .map(|e| {
            e.ts.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    assert_eq!(years, ["2026-12-30", "2026-12-31", "2027-01-01"]);
    let (_d, s) = index(events);
    let job = job("archive-db", &["0 2 * * *"], chrono_tz::Asia::Shanghai, 2);
    let v = judge(
        &job,
        &s,
        t("2026-12-30T00:00:00+08:00"),
        t("2027-01-02T00:00:00+08:00"),
        t("2027-01-01T05:00:00+08:00"),
    )
    .unwrap();
    assert_eq!(
        statuses(&v),
        [
            ("12-30 02:00", "ok"),
            ("12-31 02:00", "ok"),
            ("01-01 02:00", "ok")
        ]
        .map(|(a, b)| (a.to_string(), b))
    );
}
