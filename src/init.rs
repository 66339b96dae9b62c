//! `vigil init [DIR]`: a commented `vigil.toml` to start from, and example registers.
//!
//! Nothing that exists is replaced unless asked (`--force`); the files are readable by their
//! owner only, as every file vigil writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The commented config `vigil init` writes. It loads as it is (a test checks).
pub const CONFIG: &str = r#"# vigil.toml: what vigil reads and where it keeps what it makes.
# Paths are relative to this file's folder. Every key is explained above it.

# Where vigil keeps its index, evidence archive and dead letter (default "data").
data_dir = "data"

# The zone times are shown in, and the default zone of every source (default "Asia/Shanghai").
display_zone = "Asia/Shanghai"

# One [[sources]] table per log. Keys:
#   name      unique name; events carry it in `source`
#   paths     files or glob patterns ("/var/log/auth.log*")
#   format    auto (sniffed), syslog, journald, auditd, postgres, postgres_syslog, postgres_csv,
#             mariadb_audit, mysql_general, json, restic, borg, or a [[formats]] name below
#   host      the host the files come from, for lines that name none (default: the name)
#   zone      the zone the files write local times in (default: display_zone)
#   role      login, operation, database or backup
#   encoding  utf-8 (default) or gb18030 (older Chinese systems write GBK)
#   pg_prefix PostgreSQL's log_line_prefix, for postgres sources (default: the common ones)
#   journal_files, journal_dir, journal_matches
#             for format = "journald" (no paths): journal files or a journal folder (default: this
#             machine's journal), and journalctl matches such as "_SYSTEMD_UNIT=ssh.service"

[[sources]]
name = "auth"
paths = ["/var/log/auth.log*"]
format = "syslog"
role = "login"

[[sources]]
name = "audit"
paths = ["/var/log/audit/audit.log*"]
format = "auditd"
role = "operation"

[[sources]]
name = "postgresql"
paths = ["/var/log/postgresql/postgresql-*.log"]
format = "postgres"
pg_prefix = "%m [%p] %u@%d "
role = "database"

[[sources]]
name = "archive-app"
paths = ["/srv/archive/logs/audit*.jsonl"]
format = "json"
role = "operation"

[[sources]]
name = "backup-job"
paths = ["/var/log/backup/backup-job.log*"]
format = "backup-job"
role = "backup"

# Windows machines: their Security.evtx copied here (or exported); records are read by their ids.
# [[sources]]
# name = "windows"
# paths = ["/srv/evtx/*.evtx"]
# format = "evtx"
# role = "login"

# Syslog from other machines, received by `vigil watch` (and `vigil receive`).
# [[listeners]]
# name = "net-tls"
# protocol = "tls"                # udp, tcp or tls
# address = "0.0.0.0:6514"
# hosts = ["10.1.0.0/16"]         # who may send (default: any address)
# max_message = "64 KiB"          # longer messages are cut and flagged truncated
# tls_cert = "tls/server.pem"
# tls_key = "tls/server-key.pem"
# tls_client_ca = "tls/ca.pem"    # clients must present a certificate this CA signed

# The registers `vigil check` reads beside the logs (CSV with a header row):
#   approvals  ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope
#              kind: data_edit, data_export, special_permission, emergency_release; grade 1-3 for
#              data_edit; times RFC 3339 with offset (window inclusive); scope: ";"-separated globs
#   accounts   user,name,dept,kind,status,changed_on
#              kind: employee, outsourced; status: active, disabled, departed; changed_on: YYYY-MM-DD
[registers]
approvals = "registers/approvals.csv"
accounts = "registers/accounts.csv"

# The policy the checks judge by. Times are judged in `zone` (default: display_zone). The values
# below are the defaults except the accounts and tables, which are the site's to list.
[policy]
# working_days = ["mon", "tue", "wed", "thu", "fri"]
# working_hours = "09:00-18:00"      # main business hours: changes belong outside them
# holidays = ["2026-10-01"]          # dates that are not working days
# extra_working_days = []            # weekend dates that are working days
# release_window = "fri 18:00-24:00"
# dormant_after = "90d"              # outsourced accounts unused this long are disabled
# outsourced_notice_days = 10        # working days to disable a departed outsourced account
# bruteforce_failures = 5            # failed logins from one address or against one account...
# bruteforce_within = "5m"           # ...within this long
# change_backup_within = "24h"       # a successful backup of the host this close before and after a change
# admin_roles = ["admin"]            # the application's administrator roles
# admin_groups = ["sudo", "wheel", "adm", "Administrators", "Domain Admins", "Enterprise Admins", "Schema Admins"]
admin_accounts = ["root"]            # server and database administrators
db_superusers = ["postgres"]
service_accounts = ["archive_app"]   # the application's own accounts: they write data by design
backup_accounts = ["backup"]         # their dumps are backups, not exports
# Business tables and their data grade (1: chairman or general manager approves edits; 2: the
# company leader in charge of archives; 3: the head of the archives office). First match counts.
tables = [
  { pattern = "public.archive_item", grade = 1 },
  { pattern = "public.*", grade = 3 },
]
# uid_names = { "1001" = "ops_li" }  # auditd's raw records name people by login uid
# quiet = { auth = "12h" }           # a source silent for longer is a finding

# [policy.approvers]                 # which grades each approver role may approve
# chairman = [1, 2, 3]
# general_manager = [1, 2, 3]
# archives_leader = [2, 3]
# archives_head = [3]

# The backup jobs `vigil backups verify` and the checks judge. Keys: name; schedule (a cron
# expression, or a list of them); zone (default: the policy's); grace (how long after its time a
# run may finish, default 2h); source, and job / host / tag (which events are its runs); size_min,
# size_max, size_not_below ("80%" of the median of the last 7 runs); artefacts (globs or
# directories), manifest (sha256sum format) or manifests (a glob, one per run); max_age.
[[backups]]
name = "archive-db"
schedule = "0 2 * * *"
grace = "1h"
source = "backup-job"
job = "backup-archive-db"
size_not_below = "80%"
# artefacts = ["/backup/archive-db/*.dump"]
# manifest = "/backup/archive-db/SHA256SUMS"
# max_age = "26h"

# The field mapping of json sources: which key holds what (each a key, a dotted path, or a list
# of them; the defaults fit common names). Uncomment to change.
# [json]
# ts = ["ts", "time", "@timestamp"]
# actor = ["user", "operator"]
# action = "action"

# The site's own formats: named regular expressions; named captures fill the event
# (ts, actor, target, src_ip, ticket, message, host, outcome; any other goes to fields).
[[formats]]
name = "backup-job"

[[formats.patterns]]
regex = '^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] START job=(?P<target>\S+)'
ts_format = "%Y-%m-%d %H:%M:%S"
action = "backup.start"

[[formats.patterns]]
regex = '^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] FINISH status=(?P<outcome>\w+)'
ts_format = "%Y-%m-%d %H:%M:%S"
action = "backup.finish"

[[formats.patterns]]
regex = '^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[(?P<job>[^\]]+)\] FAIL error="(?P<message>[^"]*)"'
ts_format = "%Y-%m-%d %H:%M:%S"
action = "backup.finish"
outcome = "failure"
"#;

/// The example approvals register (DESIGN.md: registers and policy).
pub const APPROVALS: &str = "\
ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope
CHG-2026-0012,data_edit,2,dba_wang,li_ming,archives_leader,2026-11-02T16:00:00+08:00,2026-11-03T00:00:00+08:00,2026-11-05T23:59:59+08:00,public.archive_item
EXP-2026-007,data_export,,wangfang,zhou_hong,archives_head,2026-11-09T10:00:00+08:00,2026-11-10T00:00:00+08:00,2026-11-12T23:59:59+08:00,catalog/2019-WS
";

/// The example accounts register, as HR exports it.
pub const ACCOUNTS: &str = "\
user,name,dept,kind,status,changed_on
zhangsan,张三,档案室,employee,active,2024-03-01
liuyang,刘洋,办公室,employee,departed,2026-10-31
vendor_li,李工,信息中心,outsourced,active,2026-05-20
";

/// Writes the config and the registers into `dir`; returns the files written.
pub fn write(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let (zone, how) = machine_zone(std::env::var("TZ").ok().as_deref(), Path::new("/"));
    let config = CONFIG.replacen(
        "display_zone = \"Asia/Shanghai\"",
        &format!("display_zone = \"{zone}\"    # {how}"),
        1,
    );
    let config = with_host_sources(&config, Path::new("/"));
    let files = [
        (dir.join("vigil.toml"), config.as_str()),
        (dir.join("registers/approvals.csv"), APPROVALS),
        (dir.join("registers/accounts.csv"), ACCOUNTS),
    ];
    if !force && let Some((p, _)) = files.iter().find(|(p, _)| p.exists()) {
        bail!("{} exists; use --force to replace it", p.display());
    }
    let mut written = Vec::new();
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut f = crate::read::create_private(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.clone());
    }
    Ok(written)
}

/// The system logs `vigil init` looks for: name, where they are (under the root), the source's
/// keys, and the path a file of them has when present.
const HOST_LOGS: &[(&str, &[&str], &str)] = &[
    (
        "journal",
        &["run/systemd/journal", "var/log/journal"],
        "format = \"journald\"             # this machine's journal (sshd, sudo, su... where no auth.log is)\nrole = \"login\"",
    ),
    (
        "auth",
        &["var/log/auth.log"],
        "paths = [\"/var/log/auth.log*\"]\nformat = \"syslog\"\nrole = \"login\"",
    ),
    (
        "secure",
        &["var/log/secure"],
        "paths = [\"/var/log/secure*\"]\nformat = \"syslog\"\nrole = \"login\"",
    ),
    (
        "audit",
        &["var/log/audit/audit.log"],
        "paths = [\"/var/log/audit/audit.log*\"]\nformat = \"auditd\"\nrole = \"operation\"",
    ),
    (
        "postgresql",
        &["var/log/postgresql"],
        "paths = [\"/var/log/postgresql/postgresql-*.log\"]\nformat = \"postgres\"\npg_prefix = \"%m [%p] %u@%d \"\nrole = \"database\"",
    ),
    (
        "mariadb",
        &[
            "var/lib/mysql/server_audit.log",
            "var/log/mysql/server_audit.log",
        ],
        "paths = [\"/var/lib/mysql/server_audit.log*\", \"/var/log/mysql/server_audit.log*\"]\nformat = \"mariadb_audit\"\nrole = \"database\"",
    ),
];

/// The config with its system sources replaced by the ones this host has (under `root`): each
/// present one as a `[[sources]]`, each absent one commented out, to enable where it appears.
pub fn with_host_sources(config: &str, root: &Path) -> String {
    let start = config.find("[[sources]]\nname = \"auth\"");
    let end = config.find("[[sources]]\nname = \"archive-app\"");
    let (Some(start), Some(end)) = (start, end) else {
        return config.to_string();
    };
    let mut block = String::new();
    for (name, paths, keys) in HOST_LOGS {
        if paths.iter().any(|p| root.join(p).exists()) {
            block.push_str(&format!("[[sources]]\nname = \"{name}\"\n{keys}\n\n"));
        } else {
            block.push_str(&format!(
                "# not on this host when vigil init ran:\n# [[sources]]\n# name = \"{name}\"\n{}\n\n",
                keys.lines()
                    .map(|l| format!("# {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    format!("{}{block}{}", &config[..start], &config[end..])
}

/// This machine's zone, and where it was found: `TZ` (an IANA name, `:` first allowed), else
/// `etc/timezone` under `root`, else the `etc/localtime` link's target after `zoneinfo/`, else
/// UTC. vigil reads local times of logs in it, so it must be the zone the logs are written in.
pub fn machine_zone(tz: Option<&str>, root: &Path) -> (String, String) {
    let known = |z: &str| z.parse::<chrono_tz::Tz>().is_ok();
    let (zone, how) = find_zone(tz, root, known);
    // Debian's UTC machine links /etc/localtime to Etc/UTC: the same zone, written as UTC.
    let utc = [
        "Etc/UTC",
        "Etc/UCT",
        "UCT",
        "Etc/Universal",
        "Universal",
        "Etc/Zulu",
        "Zulu",
    ];
    if utc.contains(&zone.as_str()) {
        return ("UTC".into(), how);
    }
    (zone, how)
}

fn find_zone(tz: Option<&str>, root: &Path, known: impl Fn(&str) -> bool) -> (String, String) {
    if let Some(t) = tz.map(|t| t.trim_start_matches(':').trim())
        && known(t)
    {
        return (t.to_string(), "this machine's zone, from $TZ".into());
    }
    if let Ok(t) = std::fs::read_to_string(root.join("etc/timezone")) {
        let t = t.trim();
        if known(t) {
            return (
                t.to_string(),
                "this machine's zone, from /etc/timezone".into(),
            );
        }
    }
    if let Ok(target) = std::fs::read_link(root.join("etc/localtime")) {
        let target = target.to_string_lossy().into_owned();
        if let Some((_, z)) = target.split_once("zoneinfo/")
            && known(z)
        {
            return (
                z.to_string(),
                "this machine's zone, from /etc/localtime".into(),
            );
        }
    }
    (
        "UTC".into(),
        "this machine's zone could not be told ($TZ, /etc/timezone, /etc/localtime): set it".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_machine_zone_is_found_where_the_system_keeps_it() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        assert_eq!(machine_zone(Some("UTC"), r).0, "UTC");
        assert_eq!(machine_zone(Some(":Europe/Berlin"), r).0, "Europe/Berlin");
        let (z, how) = machine_zone(Some("Mars/Olympus"), r);
        assert_eq!(z, "UTC");
        assert!(how.contains("could not be told"), "{how}");
        std::fs::create_dir(r.join("etc")).unwrap();
        std::os::unix::fs::symlink(
            "/usr/share/zoneinfo/America/New_York",
            r.join("etc/localtime"),
        )
        .unwrap();
        assert_eq!(machine_zone(None, r).0, "America/New_York");
        std::fs::write(r.join("etc/timezone"), "Asia/Shanghai\n").unwrap();
        assert_eq!(machine_zone(None, r).0, "Asia/Shanghai");
        assert_eq!(machine_zone(Some("UTC"), r).0, "UTC");
        // Debian's UTC.
        std::fs::write(r.join("etc/timezone"), "Etc/UTC\n").unwrap();
        assert_eq!(machine_zone(None, r).0, "UTC");
    }

    #[test]
    fn init_offers_the_sources_this_host_has() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("var/log/journal")).unwrap();
        std::fs::create_dir_all(r.join("var/log/audit")).unwrap();
        std::fs::write(r.join("var/log/audit/audit.log"), "").unwrap();
        let text = with_host_sources(CONFIG, r);
        let c = Config::parse(Path::new("/etc/vigil/vigil.toml"), &text).unwrap();
        let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["journal", "audit", "archive-app", "backup-job"]);
        assert_eq!(c.sources[0].format, "journald");
        assert!(
            text.contains("# [[sources]]\n# name = \"auth\"\n# paths = [\"/var/log/auth.log*\"]")
        );
        // A host with none of them: only the application's and the backup job's.
        let empty = tempfile::tempdir().unwrap();
        let c = Config::parse(
            Path::new("/x/vigil.toml"),
            &with_host_sources(CONFIG, empty.path()),
        )
        .unwrap();
        assert_eq!(c.sources.len(), 2);
    }

    #[test]
    fn the_written_config_loads() {
        let c = Config::parse(Path::new("/etc/vigil/vigil.toml"), CONFIG).unwrap();
        assert_eq!(c.sources.len(), 5);
        assert_eq!(c.options.regex.len(), 1);
        assert_eq!(c.data_dir, PathBuf::from("/etc/vigil/data"));
        assert_eq!(
            c.checking.approvals,
            Some(PathBuf::from("/etc/vigil/registers/approvals.csv"))
        );
        assert_eq!(c.checking.policy.grade_of("public.archive_item"), Some(1));
        assert_eq!(c.checking.policy.grade_of("public.borrow_record"), Some(3));
        assert_eq!(c.backups.len(), 1);
        assert_eq!(c.backups[0].job.schedule.exprs, ["0 2 * * *"]);
    }

    #[test]
    fn the_example_registers_load() {
        let a = vigil_checks::Approvals::parse(Path::new("approvals.csv"), APPROVALS).unwrap();
        assert_eq!(a.tickets.len(), 2);
        let b = vigil_checks::Accounts::parse(Path::new("accounts.csv"), ACCOUNTS).unwrap();
        assert_eq!(b.accounts.len(), 3);
    }

    #[test]
    fn registers_have_the_designed_columns() {
        assert!(APPROVALS.starts_with(
            "ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope\n"
        ));
        assert!(ACCOUNTS.starts_with("user,name,dept,kind,status,changed_on\n"));
        for text in [APPROVALS, ACCOUNTS] {
            let header = text.lines().next().unwrap().split(',').count();
            assert!(
                text.lines().all(|l| l.split(',').count() == header),
                "{text}"
            );
        }
    }
}
