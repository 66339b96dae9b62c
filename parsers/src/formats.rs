//! The registry of formats: a format's name to a parser, and the sniffer behind `--format auto`.
//!
//! | name | reads |
//! |---|---|
//! | `syslog` | RFC 3164 and RFC 5424 lines, with sshd, sudo, su, account tools, pam_unix, systemd, cron messages |
//! | `auditd` | Linux audit.log records (raw and enriched), joined per serial |
//! | `postgres` | PostgreSQL stderr logs (log_line_prefix configurable), with pgaudit |
//! | `postgres_syslog` | PostgreSQL lines carried by syslog |
//! | `postgres_csv` | PostgreSQL csvlog |
//! | `mariadb_audit` | MariaDB server_audit plugin lines |
//! | `mysql_general` | the MySQL general query log (5.0 tab format and 5.7+ ISO times) |
//! | `journald` | systemd journal entries as `journalctl -o json` writes them, messages read as syslog's |
//! | `json` | JSON lines with a field mapping (the archive application's audit log) |
//! | `restic` | restic `backup --json` output (and its plain-text summary) |
//! | `borg` | borg `--log-json` lines and `--json` documents |
//! | `winlog` | Windows event log records, one a line, as the `evtx` crate writes them in JSON (`vigil-winlog` reads `.evtx` files into these) |
//! | any other name | a regex format defined in the config |

/// The built-in formats' names.
pub const BUILTIN: &[&str] = &[
    "syslog",
    "auditd",
    "postgres",
    "postgres_syslog",
    "postgres_csv",
    "mariadb_audit",
    "mysql_general",
    "journald",
    "json",
    "restic",
    "borg",
    "winlog",
];

/// What building a parser needs beyond the format's name.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The PostgreSQL `log_line_prefix` of `postgres` and `postgres_syslog` sources; `None` tries
    /// the common ones.
    pub pg_prefix: Option<String>,
    /// The field mapping of `json` sources.
    pub json: crate::json::JsonMapping,
    /// The regex formats defined in the config, found by their names.
    pub regex: Vec<crate::regex_format::RegexFormat>,
}

/// Why a parser could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("unknown format {name:?}: use one of {} or a regex format defined in the config", BUILTIN.join(", "))]
    Unknown { name: String },
    #[error("bad PostgreSQL log_line_prefix {prefix:?}: {reason}")]
    PgPrefix { prefix: String, reason: String },
}

/// A parser for the format called `name`: a built-in one, or a regex format of `opts`.
pub fn build(name: &str, opts: &Options) -> Result<Box<dyn crate::Parser>, BuildError> {
    use crate::{auditd, backup, json, mysql, postgres, syslog};
    let prefix_err = |reason: String| BuildError::PgPrefix {
        prefix: opts.pg_prefix.clone().unwrap_or_default(),
        reason,
    };
    Ok(match name {
        "syslog" => Box::new(syslog::SyslogParser::new()),
        "journald" => Box::new(crate::journald::JournaldParser::new()),
        "auditd" => Box::new(auditd::AuditdParser::new()),
        "postgres" => {
            Box::new(postgres::PostgresParser::new(opts.pg_prefix.as_deref()).map_err(prefix_err)?)
        }
        "postgres_syslog" => Box::new(
            postgres::PostgresSyslogParser::new(opts.pg_prefix.as_deref()).map_err(prefix_err)?,
        ),
        "postgres_csv" => Box::new(postgres::PostgresCsvParser::new()),
        "mariadb_audit" => Box::new(mysql::MariadbAuditParser::new()),
        "mysql_general" => Box::new(mysql::MysqlGeneralParser::new()),
        "json" => Box::new(json::JsonParser::new(opts.json.clone())),
        "restic" => Box::new(backup::ResticParser::new()),
        "borg" => Box::new(backup::BorgParser::new()),
        "winlog" => Box::new(crate::winlog::WinlogParser::new()),
        other => match opts.regex.iter().find(|r| r.name() == other) {
            Some(r) => Box::new(crate::regex_format::RegexParser::new(r.clone())),
            None => {
                return Err(BuildError::Unknown {
                    name: other.to_string(),
                });
            }
        },
    })
}

/// What the sniffer decided about a file from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A built-in format, by name.
    Format(&'static str),
    /// A gzip stream: decompress, then sniff again.
    Gzip,
    /// A Windows EVTX file: binary, read by the `vigil-winlog` crate into `winlog` lines.
    Evtx,
    /// Nothing recognisable.
    Unknown,
}

/// Guesses the format of a file from its first bytes (a few kilobytes are plenty). Each of the first
/// lines votes for the format it looks like; the format with most votes wins, ties going to the
/// more specific format (earlier in the list of checks).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Sniffed::Gzip;
    }
    if head.starts_with(b"ElfFile\0") {
        return Sniffed::Evtx;
    }
    let text = String::from_utf8_lossy(head);
    let mut votes: Vec<(&'static str, usize)> = Vec::new();
    let mut json_doc = false;
    for line in text.lines().take(40) {
        let l = line.trim_end();
        if l.is_empty() {
            continue;
        }
        if let Some(f) = sniff_line(l) {
            match votes.iter_mut().find(|(n, _)| *n == f) {
                Some((_, c)) => *c += 1,
                None => votes.push((f, 1)),
            }
        }
        if l == "{" {
            json_doc = true;
        }
    }
    if json_doc && votes.is_empty() {
        // A pretty-printed JSON document: borg's --json output.
        return Sniffed::Format("borg");
    }
    votes
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| rank(b.0).cmp(&rank(a.0))))
        .map(|(f, _)| Sniffed::Format(f))
        .unwrap_or(Sniffed::Unknown)
}

/// Specific formats first: a PostgreSQL line carried by syslog is also a syslog line.
fn rank(f: &str) -> usize {
    BUILTIN
        .iter()
        .position(|b| *b == f)
        .map(|p| match f {
            "syslog" => 100,
            _ => p,
        })
        .unwrap_or(usize::MAX)
}

fn sniff_line(l: &str) -> Option<&'static str> {
    let b = l.as_bytes();
    if (l.starts_with("type=") || (l.starts_with("node=") && l.contains(" type=")))
        && l.contains("msg=audit(")
    {
        return Some("auditd");
    }
    if b.first() == Some(&b'{') && b.last() == Some(&b'}') {
        if l.starts_with("{\"Event\":") {
            return Some("winlog");
        }
        if l.contains("\"__REALTIME_TIMESTAMP\"") {
            return Some("journald");
        }
        if l.contains("\"message_type\"") {
            return Some("restic");
        }
        if l.contains("\"type\": \"log_message\"")
            || l.contains("\"type\":\"log_message\"")
            || l.contains("\"type\": \"archive_progress\"")
            || l.contains("\"type\": \"progress_message\"")
            || l.contains("\"type\": \"file_status\"")
        {
            return Some("borg");
        }
        return Some("json");
    }
    if l.starts_with("Fatal: ")
        || l.starts_with("repository ") && l.contains(" opened")
        || l.starts_with("snapshot ") && l.ends_with(" saved")
    {
        return Some("restic");
    }
    // csvlog: "2026-05-16 05:11:50.269 UTC","user",...
    if b.first() == Some(&b'"') && b.len() > 25 && is_date(&b[1..]) && l.contains("\",") {
        return Some("postgres_csv");
    }
    // MariaDB server_audit: 20261103 09:15:02,host,...
    if b.len() > 18
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b' '
        && b[11] == b':'
        && b[17] == b','
    {
        return Some("mariadb_audit");
    }
    if l.contains("mysql-server_auditing: ") {
        return Some("mariadb_audit");
    }
    if is_mysql_general(l) {
        return Some("mysql_general");
    }
    // PostgreSQL stderr: 2026-11-03 09:15:02.123 CST [4321] ...
    if is_date(b) && b.get(10) == Some(&b' ') && l.contains(" [") && pg_level(l) {
        return Some("postgres");
    }
    if looks_syslog(l) {
        if l.contains(" postgres[") || l.contains(" postgresql[") {
            return Some("postgres_syslog");
        }
        return Some("syslog");
    }
    None
}

fn is_date(b: &[u8]) -> bool {
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

fn pg_level(l: &str) -> bool {
    [
        "LOG:  ",
        "ERROR:  ",
        "FATAL:  ",
        "WARNING:  ",
        "NOTICE:  ",
        "DETAIL:  ",
        "STATEMENT:  ",
        "HINT:  ",
        "PANIC:  ",
    ]
    .iter()
    .any(|k| l.contains(k))
}

fn is_mysql_general(l: &str) -> bool {
    if l.starts_with("Time ") && l.contains(" Id ") && l.contains("Command") {
        return true;
    }
    if l.contains(", Version: ") && l.contains("started with") {
        return true;
    }
    const CMDS: [&str; 6] = ["Connect", "Query", "Quit", "Init DB", "Prepare", "Execute"];
    let has_cmd = |rest: &str| {
        let rest = rest.trim_start();
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        let rest = rest.trim_start();
        CMDS.iter().any(|c| rest.starts_with(c))
    };
    let b = l.as_bytes();
    // 5.7+: 2016-06-07T19:07:02.558338Z    3 Connect
    if is_date(b)
        && b.get(10) == Some(&b'T')
        && let Some(sp) = l.find([' ', '\t'])
    {
        return has_cmd(&l[sp..]);
    }
    // 5.0: `051007 21:55:24\t     42 Connect`, also `100211  0:55:24      51 Query` (space-padded).
    if b.len() > 7 && b[..6].iter().all(u8::is_ascii_digit) && b[6] == b' ' {
        let rest = l[7..].trim_start();
        if let Some(sp) = rest.find([' ', '\t'])
            && rest[..sp].bytes().filter(|c| *c == b':').count() == 2
        {
            return has_cmd(&rest[sp..]);
        }
    }
    if l.starts_with('\t') {
        return has_cmd(l);
    }
    false
}

fn looks_syslog(l: &str) -> bool {
    let b = l.as_bytes();
    let mut s = l;
    if b.first() == Some(&b'<') {
        match l.find('>') {
            Some(p) if p <= 4 => s = &l[p + 1..],
            _ => return false,
        }
    } else if let Some(sp) = l.find(' ')
        && sp < 10
        && l[..sp].bytes().all(|c| c.is_ascii_digit())
        && l[sp + 1..].starts_with('<')
    {
        // RFC 6587 octet counting.
        return true;
    }
    let sb = s.as_bytes();
    // RFC 3164: "Feb 21 21:54:44 " or with a year before it.
    let month_first = |x: &[u8]| {
        x.len() >= 16
            && crate::time::month_from_abbr(std::str::from_utf8(&x[..3]).unwrap_or("")).is_some()
            && x[3] == b' '
            && x[9] == b':'
            && x[12] == b':'
    };
    if month_first(sb)
        || (sb.len() > 5
            && sb[..4].iter().all(u8::is_ascii_digit)
            && sb[4] == b' '
            && month_first(&sb[5..]))
    {
        return true;
    }
    // RFC 5424 after the priority, or an ISO time followed by host and tag.
    if s.starts_with("1 ") {
        return true;
    }
    is_date(sb)
        && sb.get(10) == Some(&b'T')
        && s.split(' ').nth(2).is_some_and(|t| t.ends_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_one_line_of_each() {
        let cases: &[(&str, Sniffed)] = &[
            (
                "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant",
                Sniffed::Format("syslog"),
            ),
            (
                "<34>Feb  4 11:14:27 1.2.3.4 apache_server: test message",
                Sniffed::Format("syslog"),
            ),
            (
                "<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 - x",
                Sniffed::Format("syslog"),
            ),
            (
                "2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: Failed",
                Sniffed::Format("syslog"),
            ),
            (
                "Feb 11 13:15:39 test-pc postgres[10808]: [1-1] db=,user= LOG:  listening",
                Sniffed::Format("postgres_syslog"),
            ),
            (
                "type=USER_LOGIN msg=audit(1610903553.686:584): pid=1",
                Sniffed::Format("auditd"),
            ),
            (
                "node=h type=SYSCALL msg=audit(1594053514.588:4686): arch=c000003e",
                Sniffed::Format("auditd"),
            ),
            (
                "2026-11-03 09:15:02.123 CST [4321] dba@archive LOG:  AUDIT: SESSION,1,1,WRITE",
                Sniffed::Format("postgres"),
            ),
            (
                "\"2026-05-16 05:11:50.269 UTC\",\"u\",\"d\",1001,\"192.0.2.10:54321\",00000001.000003e9,1",
                Sniffed::Format("postgres_csv"),
            ),
            (
                "20261103 09:15:02,arch-db02,archive_app,10.1.2.30,12,345,QUERY,archive,'SELECT 1',0",
                Sniffed::Format("mariadb_audit"),
            ),
            (
                "2016-06-07T19:07:02.558338Z    3 Connect\tphpmyadmin@localhost on  using Socket",
                Sniffed::Format("mysql_general"),
            ),
            (
                "051007 21:55:24\t     42 Connect     root@localhost on db1",
                Sniffed::Format("mysql_general"),
            ),
            (
                "{\"ts\":\"2026-11-03T09:15:02+08:00\",\"user\":\"zhangsan\"}",
                Sniffed::Format("json"),
            ),
            (
                "{\"MESSAGE\":\"Started Session 3.\",\"__CURSOR\":\"s=59fd;i=1\",\"__REALTIME_TIMESTAMP\":\"1796090400123456\"}",
                Sniffed::Format("journald"),
            ),
            (
                "{\"message_type\":\"summary\",\"files_new\":213}",
                Sniffed::Format("restic"),
            ),
            (
                "{\"type\": \"log_message\", \"time\": 1605936838.36, \"message\": \"x\"}",
                Sniffed::Format("borg"),
            ),
            ("{\n  \"archive\": {\n", Sniffed::Format("borg")),
            (
                "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"},\"System\":{\"EventID\":4624}}}",
                Sniffed::Format("winlog"),
            ),
            ("hello world", Sniffed::Unknown),
            ("", Sniffed::Unknown),
        ];
        for (line, want) in cases {
            assert_eq!(sniff(line.as_bytes()), *want, "{line}");
        }
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniffed::Gzip);
        assert_eq!(sniff(b"ElfFile\0\0\0"), Sniffed::Evtx);
    }

    #[test]
    fn postgres_in_syslog_outvotes_syslog() {
        let head = "Feb 11 13:15:39 test-pc postgres[10808]: [1-1] LOG:  x\nFeb 11 13:15:39 test-pc postgres[10808]: [2-1] LOG:  y\n";
        assert_eq!(sniff(head.as_bytes()), Sniffed::Format("postgres_syslog"));
    }
}
