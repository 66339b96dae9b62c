//! Backup outputs of the nightly runs: restic `backup --json` (status lines, error lines, a
//! summary with `backup_start`/`backup_end` and the snapshot id, `exit_error` on failure), borg
//! `create --log-json --list --stats --show-rc` (progress, file status, statistics, the closing
//! `terminating with ... status, rc N`), and the site's own job log
//! (`2026-11-03 02:00:01 [backup-archive-db] START job=archive-db target=/backup/archive-db`).
//! The amount of output is set by the number of detail lines (status, file and copy lines)
//! spread over the month's runs. Planted: failed runs, runs with errors, a missing night.

use crate::clock::{MIN, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::rng::Rng;
use crate::world::CLASSES;

/// Which tool's output to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Restic,
    Borg,
    Job,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    ResticFiles,
    ResticConf,
    BorgDb,
    DbDump,
    FileCopy,
    ConfTar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Warn,
    Fail,
}

const NONE: usize = usize::MAX;

struct Run {
    job: Job,
    start: i64,
    n: u64,
    dur: i64,
    outcome: Outcome,
    mark: usize,
    total_files: u64,
    total_bytes: u64,
    bytes: u64,
    wal: u64,
}

/// Queued items: step `i` of run `run` (0 = start, 1..=n detail lines, n+1 = end).
pub struct Ev {
    run: u32,
    i: u64,
}

/// The backup-output generator.
pub struct Backup {
    tool: Tool,
    runs: Vec<Run>,
}

impl Backup {
    pub fn new(tool: Tool) -> Self {
        Backup {
            tool,
            runs: Vec::new(),
        }
    }

    fn step_time(r: &Run, i: u64) -> i64 {
        r.start + (i128::from(r.dur) * i128::from(i) / i128::from(r.n + 1)) as i64
    }

    fn job_prefix(o: &mut Out, t: i64, job: Job) {
        let name = match job {
            Job::DbDump => "archive-db",
            Job::FileCopy => "archive-files",
            _ => "archive-conf",
        };
        o.ts_plain(t).s(" [backup-").s(name).s("] ");
    }

    fn scan_path(o: &mut Out, r: &mut Rng) {
        let year = 2008 + r.below(19);
        let class = *r.pick(&CLASSES);
        let num = 1 + r.below(3000);
        o.s("/srv/archive/scans/")
            .u(year)
            .c(b'/')
            .s(class)
            .c(b'/')
            .u(year)
            .c(b'-')
            .s(class);
        o.c(b'-')
            .upad(num, 4, b'0')
            .c(b'/')
            .upad(1 + r.below(120), 4, b'0')
            .s(".tif");
    }

    /// A WAL segment file name: timeline, log and segment as 24 uppercase hex digits.
    fn wal_name(o: &mut Out, wal: u64) {
        o.s("00000001")
            .hex_upper(wal >> 8, 8)
            .hex_upper(wal & 0xFF, 8);
    }

    fn borg_log(o: &mut Out, t: i64, msg: &str, level: &str) {
        o.s("{\"type\": \"log_message\", \"time\": ")
            .epoch_float(t)
            .s(", \"message\": \"")
            .s(msg);
        o.s("\", \"levelname\": \"")
            .s(level)
            .s("\", \"name\": \"borg.archiver\"}")
            .nl();
    }

    fn borg_archive(o: &mut Out, start: i64) {
        o.s("arch-db01-").ts_plain(start);
    }

    #[allow(clippy::too_many_lines)]
    fn step(&mut self, c: &mut Core, t: i64, k: usize, i: u64, q: &mut Queue<Ev>) {
        let (job, n, outcome, mark, start) = {
            let r = &self.runs[k];
            (r.job, r.n, r.outcome, r.mark, r.start)
        };
        let marked = mark != NONE && (i == 0 || i == n / 2 + 1 || i == n + 1);
        if marked {
            c.begin(mark);
        }
        let o = &mut c.out;
        match job {
            Job::ResticFiles | Job::ResticConf => {
                let r = &mut self.runs[k];
                if i == 0 && outcome == Outcome::Fail {
                    o.s("{\"message_type\":\"exit_error\",\"code\":11,\"message\":\"Fatal: unable to create lock in backend: repository is already locked by PID ");
                    o.u(20_000 + c.rng.below(9000))
                        .s(" on arch-web01 by root (UID 0, GID 0)\\nlock was created at ");
                    o.ts_plain(t - 3 * MIN)
                        .s(" (3m0s ago)\\nstorage ID ")
                        .hex(c.rng.next_u64(), 8)
                        .s("\"}")
                        .nl();
                } else if i == 0 {
                    o.s("{\"message_type\":\"status\",\"percent_done\":0,\"total_files\":1,\"total_bytes\":");
                    o.u(10_244).c(b'}').nl();
                } else if i <= n {
                    if outcome == Outcome::Warn && i == n / 2 + 1 {
                        for _ in 0..2 {
                            o.s("{\"message_type\":\"error\",\"error\":{\"message\":\"open ");
                            let at = o.bytes();
                            Self::scan_path(o, &mut c.rng);
                            let _ = at;
                            o.s(": permission denied\"},\"during\":\"archival\",\"item\":\"/srv/archive/scans/tmp/.~lock.scan.tif\"}").nl();
                        }
                    }
                    let elapsed = (t - start) / SEC;
                    let done_b = r.total_bytes * i / n;
                    let done_f = r.total_files * i / n;
                    let remaining = (r.dur / SEC - elapsed).max(0);
                    o.s("{\"message_type\":\"status\",\"seconds_elapsed\":")
                        .u(elapsed as u64);
                    o.s(",\"seconds_remaining\":").u(remaining as u64);
                    o.s(",\"percent_done\":").frac(done_b, r.total_bytes, 12);
                    o.s(",\"total_files\":")
                        .u(r.total_files)
                        .s(",\"files_done\":")
                        .u(done_f);
                    o.s(",\"total_bytes\":")
                        .u(r.total_bytes)
                        .s(",\"bytes_done\":")
                        .u(done_b);
                    o.s(",\"current_files\":[\"");
                    if job == Job::ResticConf {
                        o.s("/etc/nginx/sites-available/archive.conf");
                    } else {
                        Self::scan_path(o, &mut c.rng);
                    }
                    o.s("\"]}").nl();
                } else {
                    let new = r.total_files / 50 + c.rng.below(20);
                    o.s("{\"message_type\":\"summary\",\"files_new\":").u(new);
                    o.s(",\"files_changed\":")
                        .u(c.rng.below(10))
                        .s(",\"files_unmodified\":");
                    o.u(r.total_files.saturating_sub(new))
                        .s(",\"dirs_new\":")
                        .u(c.rng.below(8));
                    o.s(",\"dirs_changed\":")
                        .u(1 + c.rng.below(6))
                        .s(",\"dirs_unmodified\":");
                    o.u(r.total_files / 40)
                        .s(",\"data_blobs\":")
                        .u(new * 3)
                        .s(",\"tree_blobs\":");
                    o.u(4 + c.rng.below(10))
                        .s(",\"data_added\":")
                        .u(r.total_bytes / 50);
                    o.s(",\"data_added_packed\":").u(r.total_bytes / 52);
                    o.s(",\"total_files_processed\":").u(r.total_files);
                    o.s(",\"total_bytes_processed\":").u(r.total_bytes);
                    let d = t - start;
                    o.s(",\"total_duration\":")
                        .u((d / SEC) as u64)
                        .c(b'.')
                        .upad((d % SEC) as u64, 6, b'0');
                    o.s(",\"backup_start\":\"")
                        .ts_rfc3339_us(start)
                        .s("\",\"backup_end\":\"");
                    o.ts_rfc3339_us(t).s("\",\"snapshot_id\":\"");
                    for _ in 0..4 {
                        o.hex(c.rng.next_u64(), 16);
                    }
                    o.s("\"}").nl();
                }
            }
            Job::BorgDb => {
                let r = &mut self.runs[k];
                if i == 0 && outcome == Outcome::Fail {
                    o.s("{\"type\": \"log_message\", \"time\": ").epoch_float(t);
                    o.s(", \"message\": \"Failed to create/acquire the lock /backup/borg/arch-db01/lock.exclusive (timeout).\", \"levelname\": \"ERROR\", \"name\": \"borg.archiver\", \"msgid\": \"LockTimeout\"}").nl();
                    Self::borg_log(o, t, "terminating with error status, rc 2", "ERROR");
                } else if i == 0 {
                    for fin in [false, true] {
                        o.s("{");
                        if !fin {
                            o.s(
                                "\"message\": \"Initializing cache transaction: Reading config\", ",
                            );
                        }
                        o.s("\"operation\": 1, \"msgid\": \"cache.begin_transaction\", \"type\": \"progress_message\", \"finished\": ");
                        o.s(if fin { "true" } else { "false" })
                            .s(", \"time\": ")
                            .epoch_float(t)
                            .c(b'}')
                            .nl();
                    }
                } else if i <= n {
                    if outcome == Outcome::Warn && i == n / 2 + 1 {
                        o.s("{\"type\": \"log_message\", \"time\": ").epoch_float(t);
                        o.s(", \"message\": \"var/lib/postgresql/wal_archive/000000010000002B00000011: [Errno 2] No such file or directory: '000000010000002B00000011'\", \"levelname\": \"WARNING\", \"name\": \"borg.archiver\"}").nl();
                    }
                    r.wal += 1;
                    let size = 16 * 1024 * 1024;
                    r.bytes += size;
                    if i.is_multiple_of(4) {
                        o.s("{\"original_size\": ")
                            .u(r.bytes)
                            .s(", \"compressed_size\": ")
                            .u(r.bytes / 3);
                        o.s(", \"deduplicated_size\": ")
                            .u(r.bytes / 9)
                            .s(", \"nfiles\": ")
                            .u(i);
                        o.s(", \"time\": ").epoch_float(t).s(", \"type\": \"archive_progress\", \"path\": \"var/lib/postgresql/wal_archive/");
                        Self::wal_name(o, r.wal);
                        o.s("\"}").nl();
                    } else {
                        o.s("{\"type\": \"file_status\", \"status\": \"A\", \"path\": \"var/lib/postgresql/wal_archive/");
                        Self::wal_name(o, r.wal);
                        o.s("\"}").nl();
                    }
                } else {
                    let line = "------------------------------------------------------------------------------";
                    Self::borg_log(o, t, line, "INFO");
                    o.s("{\"type\": \"log_message\", \"time\": ").epoch_float(t);
                    o.s(", \"message\": \"Repository: ssh://borg@10.1.3.10/backup/borg/arch-db01\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}").nl();
                    o.s("{\"type\": \"log_message\", \"time\": ")
                        .epoch_float(t)
                        .s(", \"message\": \"Archive name: ");
                    Self::borg_archive(o, start);
                    o.s("\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}")
                        .nl();
                    o.s("{\"type\": \"log_message\", \"time\": ")
                        .epoch_float(t)
                        .s(", \"message\": \"Archive fingerprint: ");
                    for _ in 0..4 {
                        o.hex(c.rng.next_u64(), 16);
                    }
                    o.s("\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}")
                        .nl();
                    o.s("{\"type\": \"log_message\", \"time\": ")
                        .epoch_float(t)
                        .s(", \"message\": \"Time (start): ");
                    o.ts_borg(start)
                        .s("\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}")
                        .nl();
                    o.s("{\"type\": \"log_message\", \"time\": ")
                        .epoch_float(t)
                        .s(", \"message\": \"Time (end):   ");
                    o.ts_borg(t)
                        .s("\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}")
                        .nl();
                    let d = t - start;
                    o.s("{\"type\": \"log_message\", \"time\": ")
                        .epoch_float(t)
                        .s(", \"message\": \"Duration: ");
                    o.u((d / MIN) as u64)
                        .s(" minutes ")
                        .u(((d % MIN) / SEC) as u64)
                        .c(b'.');
                    o.upad(((d % SEC) / 10_000) as u64, 2, b'0');
                    o.s(" seconds\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}")
                        .nl();
                    o.s("{\"type\": \"log_message\", \"time\": ")
                        .epoch_float(t)
                        .s(", \"message\": \"Number of files: ");
                    o.u(n)
                        .s("\", \"levelname\": \"INFO\", \"name\": \"borg.archiver\"}")
                        .nl();
                    Self::borg_log(o, t, line, "INFO");
                    let rc = if outcome == Outcome::Warn {
                        "terminating with warning status, rc 1"
                    } else {
                        "terminating with success status, rc 0"
                    };
                    Self::borg_log(
                        o,
                        t,
                        rc,
                        if outcome == Outcome::Warn {
                            "WARNING"
                        } else {
                            "INFO"
                        },
                    );
                }
            }
            Job::DbDump | Job::FileCopy | Job::ConfTar => {
                let r = &mut self.runs[k];
                let (name, target) = match job {
                    Job::DbDump => ("archive-db", "/backup/archive-db"),
                    Job::FileCopy => ("archive-files", "/backup/archive-files"),
                    _ => ("archive-conf", "/backup/archive-conf"),
                };
                Self::job_prefix(o, t, job);
                if i == 0 {
                    o.s("START job=").s(name).s(" target=").s(target).nl();
                    match job {
                        Job::DbDump => {
                            Self::job_prefix(o, t, job);
                            o.s("INFO pg_dump --format=custom archive -> /backup/archive-db/archive-").ymd(t).s(".dump").nl();
                        }
                        Job::ConfTar => {
                            Self::job_prefix(o, t, job);
                            o.s("INFO tar -czf /backup/archive-conf/conf-").ymd(t);
                            o.s(".tar.gz /etc /srv/archive/app-config").nl();
                        }
                        _ => {}
                    }
                    if outcome == Outcome::Fail {
                        let tf = t + 3 * SEC;
                        Self::job_prefix(o, tf, job);
                        o.s("ERROR pg_dump: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  the database system is in recovery mode").nl();
                        Self::job_prefix(o, tf, job);
                        o.s("FAIL error=\"pg_dump exited with status 1: the database system is in recovery mode\" duration=3s").nl();
                    }
                } else if i <= n {
                    let size = 200_000 + c.rng.below(4_000_000);
                    r.bytes += size;
                    o.s("COPY file=");
                    Self::scan_path(o, &mut c.rng);
                    o.s(" bytes=").u(size).nl();
                } else {
                    if job == Job::DbDump {
                        r.bytes = 1_700_000_000 + c.rng.below(300_000_000);
                        o.s("INFO sha256=");
                        for _ in 0..4 {
                            o.hex(c.rng.next_u64(), 16);
                        }
                        o.s(" file=archive-").ymd(start).s(".dump").nl();
                        Self::job_prefix(o, t, job);
                    } else if job == Job::ConfTar {
                        r.bytes = 40_000_000 + c.rng.below(5_000_000);
                    }
                    o.s("FINISH status=OK");
                    if job == Job::FileCopy {
                        o.s(" files=").u(n);
                    }
                    o.s(" bytes=")
                        .u(r.bytes)
                        .s(" duration=")
                        .u(((t - start) / SEC) as u64)
                        .s("s")
                        .nl();
                }
            }
        }
        if marked {
            c.end();
        }
        let r = &self.runs[k];
        let last = if outcome == Outcome::Fail { 0 } else { n + 1 };
        if i < last {
            let next = Self::step_time(r, i + 1);
            q.at(
                next,
                Ev {
                    run: k as u32,
                    i: i + 1,
                },
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_run(
        &mut self,
        c: &mut Core,
        q: &mut Queue<Ev>,
        job: Job,
        start: i64,
        n: u64,
        per_line: i64,
        outcome: Outcome,
        mark: usize,
    ) {
        let dur =
            (per_line * (n as i64 + 1)).clamp(40 * SEC, 210 * MIN) + c.rng.below(SEC as u64) as i64;
        let total_files = match job {
            Job::ResticConf => 1200 + c.rng.below(50),
            _ => 180_000 + c.rng.below(5000),
        };
        let total_bytes = total_files * (900_000 + c.rng.below(200_000));
        self.runs.push(Run {
            job,
            start,
            n,
            dur,
            outcome,
            mark,
            total_files,
            total_bytes,
            bytes: 0,
            wal: 0x2A00 + c.rng.below(0x100),
        });
        q.at(
            start,
            Ev {
                run: (self.runs.len() - 1) as u32,
                i: 0,
            },
        );
    }
}

/// The night (day of `month`) on which restic's runs fail, as [`Backup`] draws it for `seed`
/// (the other formats plant changes around it).
pub fn restic_fail_day(seed: u64, month: &crate::clock::Month) -> u32 {
    // The first draw of the restic file's stream in `init`.
    let mut r = Rng::new(seed, crate::Kind::Restic.salt());
    4 + r.below(u64::from(month.days - 8)) as u32
}

impl Gen for Backup {
    type Ev = Ev;
    const BASE_UNITS: u64 = 30_000;
    const ARRIVALS: bool = false;

    fn init(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let days = m.days;
        let per_night = c.units / u64::from(days);
        let lines = |c: &mut Core| {
            if per_night == 0 {
                0
            } else {
                per_night * 4 / 5 + c.rng.below(per_night * 2 / 5 + 1)
            }
        };
        // Distinct nights for the planted events.
        let fail = 4 + c.rng.below(u64::from(days - 8)) as u32;
        let mut warn = 4 + c.rng.below(u64::from(days - 8)) as u32;
        if warn == fail {
            warn = if fail > 5 { fail - 2 } else { fail + 2 };
        }
        let mut missing = 4 + c.rng.below(u64::from(days - 8)) as u32;
        while missing == fail || missing == warn {
            missing = 4 + (missing + 3 - 4) % (days - 8);
        }
        // A month of history has no rare events.
        let (fail, warn, missing) = if c.history {
            (0, 0, 0)
        } else {
            (fail, warn, missing)
        };
        let jitter = |c: &mut Core| c.rng.range(1, 9) as i64 * SEC;
        for d in 1..=days {
            match self.tool {
                Tool::Restic => {
                    let t = m.at(d, 1, 15, 0) + jitter(c);
                    // A stale lock left by a crashed run fails both runs of the night: no
                    // snapshot of arch-web01 from the night before to the night after.
                    let fail_id = (d == fail).then(|| {
                        let id = c.plant(
                            "backup_failed",
                            t,
                            "arch-web01",
                            "\"message_type\":\"exit_error\"",
                        );
                        c.p(id)
                            .target("/backup/restic")
                            .count(2)
                            .note("repository locked: the 01:15 (config) and 03:00 (files) runs fail; no snapshot that night");
                        id
                    });
                    match fail_id {
                        Some(id) => {
                            self.add_run(c, q, Job::ResticConf, t, 3, 20 * SEC, Outcome::Fail, id);
                        }
                        None => {
                            self.add_run(c, q, Job::ResticConf, t, 3, 20 * SEC, Outcome::Ok, NONE);
                        }
                    }
                    let t = m.at(d, 3, 0, 0) + jitter(c);
                    let (outcome, mark) = if let Some(id) = fail_id {
                        (Outcome::Fail, id)
                    } else if d == warn {
                        let id = c.plant(
                            "backup_warning",
                            t,
                            "arch-web01",
                            "\"message_type\":\"error\"",
                        );
                        c.p(id)
                            .target("/backup/restic/archive-files")
                            .count(2)
                            .note("2 files could not be read");
                        (Outcome::Warn, id)
                    } else {
                        (Outcome::Ok, NONE)
                    };
                    let n = lines(c);
                    self.add_run(c, q, Job::ResticFiles, t, n, SEC, outcome, mark);
                }
                Tool::Borg => {
                    let t = m.at(d, 1, 30, 0) + jitter(c);
                    let (outcome, mark) = if d == fail {
                        let id = c.plant(
                            "backup_failed",
                            t,
                            "arch-db01",
                            "terminating with error status",
                        );
                        c.p(id)
                            .target("ssh://borg@10.1.3.10/backup/borg/arch-db01")
                            .note("lock timeout");
                        (Outcome::Fail, id)
                    } else if d == warn {
                        let id = c.plant(
                            "backup_warning",
                            t,
                            "arch-db01",
                            "terminating with warning status",
                        );
                        c.p(id).target("ssh://borg@10.1.3.10/backup/borg/arch-db01");
                        (Outcome::Warn, id)
                    } else {
                        (Outcome::Ok, NONE)
                    };
                    let n = lines(c);
                    self.add_run(c, q, Job::BorgDb, t, n, SEC / 2, outcome, mark);
                }
                Tool::Job => {
                    let t = m.at(d, 2, 0, 0) + jitter(c);
                    if d == missing {
                        let tm = crate::clock::tm_at(t, crate::clock::OFFSET);
                        let needle =
                            format!("{:04}-{:02}-{:02} 02:00:0", tm.year, tm.month, tm.day);
                        let id = c.plant("backup_missing", m.at(d, 2, 0, 0), "arch-db01", needle);
                        c.p(id)
                            .target("archive-db")
                            .count(0)
                            .note("no run of job archive-db this night");
                    } else if d == fail {
                        let id = c.plant("backup_failed", t, "arch-db01", "FAIL error=");
                        c.p(id).target("archive-db");
                        self.add_run(c, q, Job::DbDump, t, 0, 90 * SEC, Outcome::Fail, id);
                    } else {
                        let dur = 80 + c.rng.below(40) as i64;
                        self.add_run(c, q, Job::DbDump, t, 0, dur * SEC, Outcome::Ok, NONE);
                    }
                    let t = m.at(d, 3, 30, 0) + jitter(c);
                    let n = lines(c);
                    self.add_run(c, q, Job::FileCopy, t, n, SEC / 2, Outcome::Ok, NONE);
                    if m.weekday_of(d) == 0 {
                        let t = m.at(d, 4, 0, 0) + jitter(c);
                        self.add_run(c, q, Job::ConfTar, t, 0, 50 * SEC, Outcome::Ok, NONE);
                    }
                }
            }
        }
    }

    fn arrival(&mut self, _c: &mut Core, _t: i64, _q: &mut Queue<Ev>) {}

    fn due(&mut self, c: &mut Core, t: i64, ev: Ev, q: &mut Queue<Ev>) {
        self.step(c, t, ev.run as usize, ev.i, q);
    }

    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32) {
        let o = &mut c.out;
        match (self.tool, variant) {
            (Tool::Restic, 1) => {
                o.s("{\"message_type\":\"status\",\"percent_done\":0.5,\"total_files\":")
                    .nl();
            }
            (Tool::Restic, _) => {
                o.s("unable to open cache: open /root/.cache/restic: permission denied")
                    .nl();
            }
            (Tool::Borg, 1) => {
                o.s("{\"type\": \"log_message\", \"time\": ")
                    .epoch_float(t)
                    .s(", \"mess")
                    .nl();
            }
            (Tool::Borg, _) => {
                o.s("Remote: Warning: Permanently added '10.1.3.10' (ED25519) to the list of known hosts.").nl();
            }
            (Tool::Job, 1) => {
                o.s("2026-11-31 25:61:00 [backup-archive-db] START job=")
                    .nl();
            }
            (Tool::Job, _) => {
                o.ts_plain(t).s(" backup-archive-db START").nl();
            }
        }
    }
}
