//! vigil-corpus: writes realistic logs of every format vigil reads, deterministically from a seed.
//!
//! The logs are those of an enterprise "digital archive" records system run in China (zone
//! Asia/Shanghai): login logs of its web and database servers, auditd, PostgreSQL with pgaudit,
//! MariaDB server_audit, a MySQL general query log, the archive application's JSON audit log, and
//! the outputs of restic, borg and a site-specific nightly backup job. Among the normal activity of
//! a month sit rare planted events (failed-login bursts, direct data edits by DBAs, failed and
//! missing backups, a departed user's login, off-hours admin work, exports) which a [`Manifest`]
//! lists with the lines that show them, so that checks can be tested against known answers.
//!
//! Modules:
//! - [`rng`]: the splitmix64 generator; same seed, same bytes on every machine.
//! - [`clock`]: calendar arithmetic in UTC+8, working hours, activity weights.
//! - [`out`]: buffered writer with allocation-free number and time formatting and line marking.
//! - `driver`: the timeline shared by every format (arrivals, follow-up queue, planted lines).
//! - `world`: the people, departments, addresses, archive items and tables of the site.
//! - `auth`, `auditd`, `postgres`, `mysql`, `app`, `backup`: one module per family of formats.
//! - [`register`]: the site's approval register (`approvals.csv`) and account register
//!   (`accounts.csv`), consistent with what the logs show.
//!
//! Each planted event names the check rule it is expected to fire (`rule`), or, for a near miss
//! (an event that looks like a violation but is covered: a ticket, a window, a service account),
//! the rule that must not fire (`near_miss`); see `samples/README.md`.

pub mod clock;
mod driver;
pub mod out;
pub mod register;
pub mod rng;
mod world;

mod app;
mod auditd;
mod auth;
mod backup;
mod mysql;
mod postgres;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

pub use clock::Month;

/// A log format the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Debian `/var/log/auth.log` (RFC 3164) of `arch-web01` and `arch-db01`.
    AuthLog,
    /// The same kind of messages from `arch-web02` in rsyslog's `RSYSLOG_SyslogProtocol23Format`.
    Rfc5424,
    /// auditd `audit.log` of `arch-db01` (raw format).
    Auditd,
    /// PostgreSQL stderr log with pgaudit, `log_line_prefix = '%m [%p] %u@%d '`.
    Postgres,
    /// MariaDB `server_audit.log` of `arch-db02` (the approval workflow database).
    MariadbAudit,
    /// MySQL 5.7 general query log of `arch-rpt01` (reporting), with its header lines.
    MysqlGeneral,
    /// The archive application's own audit log, one JSON object per line.
    AppJson,
    /// restic `backup --json` output of the nightly runs, appended to one file.
    Restic,
    /// borg `create --log-json --list --stats --show-rc` output of the nightly runs.
    Borg,
    /// The site's nightly backup job log (`[backup-archive-db] START ...`).
    BackupJob,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 10] = [
        Kind::AuthLog,
        Kind::Rfc5424,
        Kind::Auditd,
        Kind::Postgres,
        Kind::MariadbAudit,
        Kind::MysqlGeneral,
        Kind::AppJson,
        Kind::Restic,
        Kind::Borg,
        Kind::BackupJob,
    ];

    /// The kind's short name (`auth_log`, `rfc5424`, ...), as the CLI's `--kinds` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AuthLog => "auth_log",
            Kind::Rfc5424 => "rfc5424",
            Kind::Auditd => "auditd",
            Kind::Postgres => "postgres",
            Kind::MariadbAudit => "mariadb_audit",
            Kind::MysqlGeneral => "mysql_general",
            Kind::AppJson => "app_json",
            Kind::Restic => "restic",
            Kind::Borg => "borg",
            Kind::BackupJob => "backup_job",
        }
    }

    /// The file the CLI writes this kind to.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::AuthLog => "auth.log",
            Kind::Rfc5424 => "auth-rfc5424.log",
            Kind::Auditd => "audit.log",
            Kind::Postgres => "postgresql.log",
            Kind::MariadbAudit => "server_audit.log",
            Kind::MysqlGeneral => "mysql-general.log",
            Kind::AppJson => "archive-audit.jsonl",
            Kind::Restic => "restic-backup.jsonl",
            Kind::Borg => "borg-create.jsonl",
            Kind::BackupJob => "backup-job.log",
        }
    }

    /// The kind named `s` (its short name or its file name).
    pub fn from_name(s: &str) -> Option<Kind> {
        let s = s.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s || k.file_name() == s || k.name().replace('_', "-") == s)
    }

    fn salt(self) -> u64 {
        self as u64 + 0x1000
    }
}

/// How much to write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// About this many bytes per file (the month's activity is made as dense as needed).
    Bytes(u64),
    /// A month of normal activity at this scale (1.0 = a site of about 40 users).
    Scale(f64),
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The month the logs cover, in zone Asia/Shanghai.
    pub month: Month,
    pub seed: u64,
    pub size: Size,
    /// How many malformed lines to mix in (for dead-letter tests); listed in the manifest.
    pub malformed: u64,
    /// A quiet month of history (for the checks that look back, such as dormancy): normal
    /// activity and only the events planted for that purpose, no rare events.
    pub history: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            month: Month::new(2026, 11).unwrap_or(Month {
                year: 2026,
                month: 11,
                days: 30,
                start: 0,
                end: 0,
            }),
            seed: 1,
            size: Size::Scale(1.0),
            malformed: 0,
            history: false,
        }
    }
}

/// One planted rare event (or malformed line) and where it is in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planted {
    /// What it is: `failed_login_burst`, `failed_logins_below_threshold`, `dba_direct_update`,
    /// `dba_direct_delete`, `service_account_edit`, `db_export`, `db_grant`, `backup_failed`,
    /// `backup_missing`, `backup_warning`, `departed_user_login`, `disabled_user_login`,
    /// `login_before_disabled`, `leaver_login`, `ops_leaver_login`, `outsourced_leaver_login`,
    /// `outsourced_last_login`, `departed_account_locked`, `offhours_sudo`,
    /// `offhours_sudo_with_ticket`, `sudo_in_release_window`, `admin_group_add`,
    /// `dump_without_ticket`, `backup_account_dump`, `log_truncated`, `export`,
    /// `permission_grant`, `config_change`, `release_outside_window`, `release_in_window`,
    /// `emergency_release`, `source_silent`, `service_failure`, `audit_rule_removed`, or
    /// `malformed`.
    pub event: String,
    /// When it starts, RFC 3339 in +08:00.
    pub time: String,
    /// The host the lines name (empty where the format names none).
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The approval ticket the lines quote, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// How many occurrences the event is made of (failed attempts in a burst, statements, ...).
    pub count: u32,
    /// A string found in exactly the listed lines of the file and in no other line
    /// (empty for malformed lines).
    pub needle: String,
    /// 1-based line numbers of the lines containing `needle` (for malformed: the line itself).
    pub lines: Vec<u64>,
    /// Byte offsets of those lines.
    pub offsets: Vec<u64>,
    /// A human note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The check rule this event is expected to fire (`data_edit.unapproved`...); `null` for a
    /// near miss, a malformed line or an event no rule is about (yet).
    #[serde(default)]
    pub rule: Option<String>,
    /// More rules the same lines are expected to fire.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// The rule this event looks like a violation of but must not fire (a near miss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_miss: Option<String>,
    /// More rules the same lines must not fire.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_near_miss: Vec<String>,
}

impl Planted {
    pub(crate) fn actor(&mut self, a: &str) -> &mut Self {
        self.actor = Some(a.to_string());
        self
    }
    pub(crate) fn src_ip(&mut self, ip: [u8; 4]) -> &mut Self {
        self.src_ip = Some(format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]));
        self
    }
    pub(crate) fn target(&mut self, t: &str) -> &mut Self {
        self.target = Some(t.to_string());
        self
    }
    pub(crate) fn ticket(&mut self, t: &str) -> &mut Self {
        self.ticket = Some(t.to_string());
        self
    }
    pub(crate) fn count(&mut self, n: u32) -> &mut Self {
        self.count = n;
        self
    }
    pub(crate) fn note(&mut self, n: &str) -> &mut Self {
        self.note = n.to_string();
        self
    }
    /// Expected to fire `rule`, and `also` these.
    pub(crate) fn fires(&mut self, rule: &str, also: &[&str]) -> &mut Self {
        self.rule = Some(rule.to_string());
        self.also = also.iter().map(|r| r.to_string()).collect();
        self
    }
    /// A near miss of `rule` (and of `also` these): none of them may fire.
    pub(crate) fn near(&mut self, rule: &str, also: &[&str]) -> &mut Self {
        self.near_miss = Some(rule.to_string());
        self.also_near_miss = also.iter().map(|r| r.to_string()).collect();
        self
    }
    /// Near misses of these rules besides the one it fires.
    pub(crate) fn not(&mut self, rules: &[&str]) -> &mut Self {
        self.also_near_miss = rules.iter().map(|r| r.to_string()).collect();
        self
    }
}

/// One row of the approval register (`approvals.csv`): a ticket the logs need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub ticket: String,
    /// data_edit, data_export, special_permission, emergency_release.
    pub kind: &'static str,
    /// 1..=3 for data_edit.
    pub grade: Option<u8>,
    /// The account that does the work.
    pub operator: String,
    /// The approver's name.
    pub approver: &'static str,
    /// chairman, general_manager, archives_leader, archives_head, dept_head.
    pub approver_role: &'static str,
    /// Epoch microseconds.
    pub approved_at: i64,
    pub valid_from: i64,
    pub valid_until: i64,
    /// `;`-separated globs matched against the event's target; empty = any.
    pub scope: String,
}

/// What was written to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub kind: Kind,
    pub file: String,
    pub month: String,
    pub seed: u64,
    pub bytes: u64,
    pub lines: u64,
    /// Planted events and malformed lines, by time.
    pub planted: Vec<Planted>,
    /// The register rows the file's lines need (written to `approvals.csv`, not to the
    /// manifest).
    #[serde(skip)]
    pub approvals: Vec<Approval>,
}

macro_rules! with_gen {
    ($kind:expr, $g:ident => $body:expr) => {
        match $kind {
            Kind::AuthLog => {
                let mut $g = auth::Auth::new(auth::Style::Rfc3164);
                $body
            }
            Kind::Rfc5424 => {
                let mut $g = auth::Auth::new(auth::Style::Rfc5424);
                $body
            }
            Kind::Auditd => {
                let mut $g = auditd::Auditd::new();
                $body
            }
            Kind::Postgres => {
                let mut $g = postgres::Postgres::new();
                $body
            }
            Kind::MariadbAudit => {
                let mut $g = mysql::Mysql::new(mysql::Flavor::ServerAudit);
                $body
            }
            Kind::MysqlGeneral => {
                let mut $g = mysql::Mysql::new(mysql::Flavor::General);
                $body
            }
            Kind::AppJson => {
                let mut $g = app::App::new();
                $body
            }
            Kind::Restic => {
                let mut $g = backup::Backup::new(backup::Tool::Restic);
                $body
            }
            Kind::Borg => {
                let mut $g = backup::Backup::new(backup::Tool::Borg);
                $body
            }
            Kind::BackupJob => {
                let mut $g = backup::Backup::new(backup::Tool::Job);
                $body
            }
        }
    };
}

fn run_kind(kind: Kind, spec: &Spec, units: u64, w: &mut dyn Write) -> io::Result<Manifest> {
    with_gen!(kind, g => driver::run(&mut g, kind, spec, spec.month, units, w))
}

fn base_units(kind: Kind) -> u64 {
    with_gen!(kind, g => { let _ = &mut g; base_of(&g) })
}

fn base_of<G: driver::Gen>(_: &G) -> u64 {
    G::BASE_UNITS
}

/// How many units of normal activity `spec` asks of `kind`: at a scale, the base times the scale;
/// for a byte target, measured by writing samples to nowhere: one with no normal activity (the
/// fixed part: planted events, scheduled runs) and one or two with some, which give the bytes per
/// unit.
fn units_for(kind: Kind, spec: &Spec) -> io::Result<u64> {
    let target = match spec.size {
        Size::Scale(s) => return Ok((base_units(kind) as f64 * s.max(0.0)).round() as u64),
        Size::Bytes(b) => b as f64,
    };
    let quiet = Spec {
        malformed: 0,
        ..spec.clone()
    };
    let bytes = |units: u64| -> io::Result<f64> {
        Ok(run_kind(kind, &quiet, units, &mut io::sink())?.bytes as f64)
    };
    let fixed = bytes(0)?;
    if target <= fixed {
        return Ok(0);
    }
    let mut u = 2_000u64;
    let mut per = ((bytes(u)? - fixed) / u as f64).max(1.0);
    let guess = ((target - fixed) / per) as u64;
    if guess > u {
        u = guess.min(40_000);
        per = ((bytes(u)? - fixed) / u as f64).max(1.0);
    }
    Ok(((target - fixed) / per).round() as u64)
}

/// Writes one file of `kind` as `spec` asks, returning its manifest.
pub fn generate(kind: Kind, spec: &Spec, w: &mut impl Write) -> io::Result<Manifest> {
    let units = units_for(kind, spec)?;
    run_kind(kind, spec, units, w)
}

/// About `target_bytes` of `kind` for November 2026, in memory (for benchmarks).
pub fn generate_bytes(kind: Kind, target_bytes: u64, seed: u64) -> Vec<u8> {
    let spec = Spec {
        seed,
        size: Size::Bytes(target_bytes),
        ..Spec::default()
    };
    let mut v = Vec::with_capacity(target_bytes as usize + target_bytes as usize / 8);
    // Writing to a Vec cannot fail.
    let _ = generate(kind, &spec, &mut v);
    v
}

/// The lines of `data` as byte ranges `(start, end)` without their newline; a last line without
/// one is still a line. The parse benchmark and the parsers' measuring examples feed a corpus to
/// a parser one such line at a time, as the reader does.
pub fn line_spans(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in data.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i));
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push((start, data.len()));
    }
    out
}

/// Parses a size such as `100MB`, `512KiB`, `2G` or `12345` (bytes): K/M/G are powers of 1000,
/// KiB/MiB/GiB powers of 1024.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    Some((n * mult as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_spans_leave_out_newlines_and_keep_a_last_line_without_one() {
        assert_eq!(line_spans(b"a\nbc\n\nd"), [(0, 1), (2, 4), (5, 5), (6, 7)]);
        assert_eq!(line_spans(b"a\n"), [(0, 1)]);
        assert!(line_spans(b"").is_empty());
    }

    #[test]
    fn kinds_have_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(k));
            assert_eq!(Kind::from_name(k.file_name()), Some(k));
        }
        assert_eq!(Kind::from_name("mariadb-audit"), Some(Kind::MariadbAudit));
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("100MB"), Some(100_000_000));
        assert_eq!(parse_size("2MiB"), Some(2 << 20));
        assert_eq!(parse_size("1.5k"), Some(1500));
        assert_eq!(parse_size("77"), Some(77));
        assert_eq!(parse_size("7 parsecs"), None);
    }
}
