//! `vigil.toml`: the one config file, read into plain runtime types.
//!
//! The file's types (`*File`) mirror the TOML with `deny_unknown_fields` and a doc comment per key;
//! [`Config::load`] checks every value and turns them into the runtime types ([`Config`],
//! [`Source`]), so an error names the file, the line and the key, and says what to write instead.
//! The config is found by `--config FILE`, then `$VIGIL_CONFIG`, then `./vigil.toml`.
//!
//! Paths in the file are relative to the file's folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use vigil_parsers::Encoding;
use vigil_parsers::formats::{self, Options};
use vigil_parsers::json::JsonMapping;
use vigil_parsers::regex_format::{RegexFormat, RegexFormatConfig};

use crate::policy_config::{Checking, PolicyFile, RegistersFile};

/// A mistake in the config: where, which key, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: line {line}: {key}: {message}")]
    Value {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

/// Makes the error of a bad value: its span in the file, its key, what is wrong. The tables the
/// other modules check (`[policy]`, `[[backups]]`) report through it.
pub(crate) type ValueErr<'a> = &'a dyn Fn(std::ops::Range<usize>, String, String) -> ConfigError;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Where vigil keeps its index, evidence archive and dead letter (default `data`).
    #[serde(default)]
    data_dir: Option<Spanned<String>>,
    /// The zone times are shown in (default `Asia/Shanghai`).
    #[serde(default)]
    display_zone: Option<Spanned<String>>,
    /// The log sources.
    #[serde(default)]
    sources: Vec<SourceFile>,
    /// The field mapping of `json` sources.
    #[serde(default)]
    json: Option<JsonMapping>,
    /// The site's own formats, defined by regular expressions.
    #[serde(default)]
    formats: Vec<Spanned<RegexFormatConfig>>,
    /// The checks' policy.
    #[serde(default)]
    policy: Option<Spanned<PolicyFile>>,
    /// The registers the checks read.
    #[serde(default)]
    registers: Option<RegistersFile>,
    /// The backup jobs.
    #[serde(default)]
    backups: Vec<crate::backups_config::BackupFile>,
    /// Syslog received from other machines.
    #[serde(default)]
    listeners: Vec<crate::listen::ListenerFile>,
    /// Where the events are kept (default: the index in the data directory).
    #[serde(default)]
    store: Option<crate::store_config::StoreFile>,
}

/// One `[[sources]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    /// The source's name, unique: events carry it in `source`.
    name: Spanned<String>,
    /// Files or glob patterns (`/var/log/auth.log*`), relative to the config's folder; none for
    /// a `journald` source.
    #[serde(default)]
    paths: Option<Spanned<Vec<String>>>,
    /// A `journald` source's journal files (default: `journal_dir`, else the machine's journal).
    #[serde(default)]
    journal_files: Option<Spanned<Vec<String>>>,
    /// A `journald` source's journal directory.
    #[serde(default)]
    journal_dir: Option<Spanned<String>>,
    /// journalctl matches (`_SYSTEMD_UNIT=ssh.service`) a `journald` source's entries must meet.
    #[serde(default)]
    journal_matches: Option<Spanned<Vec<String>>>,
    /// A built-in format, a `[[formats]]` name, or `auto` (default).
    #[serde(default)]
    format: Option<Spanned<String>>,
    /// The host the files come from, for lines that name none (default: the source's name).
    #[serde(default)]
    host: Option<String>,
    /// The zone the files write local times in (default: `display_zone`).
    #[serde(default)]
    zone: Option<Spanned<String>>,
    /// What the source records: `login`, `operation`, `database` or `backup`.
    role: Spanned<String>,
    /// `utf-8` (default) or `gb18030`.
    #[serde(default)]
    encoding: Option<Spanned<String>>,
    /// The PostgreSQL `log_line_prefix` of a `postgres` or `postgres_syslog` source.
    #[serde(default)]
    pg_prefix: Option<String>,
    /// The time lines without a year (or any time) are read against, instead of a date in the
    /// file's name or its mtime: `2026-12-01` or an RFC 3339 time.
    #[serde(default)]
    reference_time: Option<Spanned<String>>,
}

/// What a source records, for the checks that need a kind of log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Login,
    Operation,
    Database,
    Backup,
}

impl Role {
    fn parse(s: &str) -> Option<Role> {
        match s {
            "login" => Some(Role::Login),
            "operation" => Some(Role::Operation),
            "database" => Some(Role::Database),
            "backup" => Some(Role::Backup),
            _ => None,
        }
    }
}

/// A source, checked.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// Absolute glob patterns.
    pub patterns: Vec<String>,
    /// A format name that [`formats::build`] accepts with [`Config::options`], or `auto`.
    pub format: String,
    pub host: String,
    pub zone: Tz,
    pub role: Role,
    pub encoding: Encoding,
    pub options: Options,
    /// Where a `journald` source reads (its `patterns` are empty).
    pub journal: Option<crate::journal::JournalSpec>,
    /// The configured reference time ([`crate::reference`]).
    pub reference_time: Option<chrono::DateTime<chrono::Utc>>,
}

impl Source {
    /// The files the source's patterns match now, sorted, each once. A pattern without glob
    /// characters names its path even when it is not a file (a directory, a FIFO): the reader
    /// then says why it is not read, instead of the path vanishing from the run.
    pub fn files(&self) -> Result<Vec<PathBuf>, String> {
        let mut out = BTreeSet::new();
        for p in &self.patterns {
            let matches = glob::glob(p)
                .map_err(|e| format!("source {:?}: bad pattern {p:?}: {e}", self.name))?;
            let literal = !p.contains(['*', '?', '[']);
            for m in matches.flatten() {
                if literal || m.is_file() {
                    out.insert(m);
                }
            }
        }
        Ok(out.into_iter().collect())
    }
}

/// The config, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub data_dir: PathBuf,
    pub display_zone: Tz,
    pub sources: Vec<Source>,
    /// The site's formats and the JSON mapping, for every source.
    pub options: Options,
    /// The checks' policy and where the registers are.
    pub checking: Checking,
    /// The backup jobs.
    pub backups: Vec<crate::backups_config::BackupJob>,
    /// The syslog listeners `watch` and `receive` run.
    pub listeners: Vec<crate::listen::Listener>,
    /// `[store]`: ClickHouse's settings, or `None` for the index.
    pub store: Option<vigil_clickhouse::Settings>,
}

/// The default zone: the regulation's site is in China.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

impl Config {
    /// The config named by `--config`, else `$VIGIL_CONFIG`, else `./vigil.toml` if it exists.
    pub fn discover(cli: Option<&Path>) -> Result<Option<Config>, ConfigError> {
        find(cli).map(|p| Config::load(&p)).transpose()
    }

    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::parse(path, &read(path)?)
    }

    /// Checks the text of a config file read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let Head {
            file,
            store,
            base,
            data_dir,
            display_zone,
        } = Head::parse(path, text)?;
        let line_of = |offset: usize| line_of(text, offset);
        let value_err =
            |span: std::ops::Range<usize>, key: String, message: String| ConfigError::Value {
                path: path.to_path_buf(),
                line: line_of(span.start),
                key,
                message,
            };

        let mut options = Options::default();
        if let Some(m) = file.json {
            m.validate().map_err(|e| ConfigError::Syntax {
                path: path.to_path_buf(),
                line: text.find("[json]").map_or(1, line_of),
                message: format!("[json]: {e}"),
            })?;
            options.json = m;
        }
        for (n, f) in file.formats.iter().enumerate() {
            let key = format!("formats[{n}]");
            let cfg = f.get_ref();
            if formats::BUILTIN.contains(&cfg.name.as_str()) || cfg.name == "auto" {
                return Err(value_err(
                    f.span(),
                    format!("{key}.name"),
                    format!("{:?} is a built-in format's name; choose another", cfg.name),
                ));
            }
            let compiled =
                RegexFormat::compile(cfg).map_err(|e| value_err(f.span(), key, e.to_string()))?;
            options.regex.push(compiled);
        }

        let mut names = BTreeSet::new();
        let mut sources = Vec::new();
        for (n, s) in file.sources.into_iter().enumerate() {
            let key = |k: &str| format!("sources[{n}].{k}");
            let name = s.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(value_err(
                    s.name.span(),
                    key("name"),
                    "a source needs a name".into(),
                ));
            }
            if !names.insert(name.clone()) {
                return Err(value_err(
                    s.name.span(),
                    key("name"),
                    format!("{name:?} names two sources"),
                ));
            }
            let format = s
                .format
                .as_ref()
                .map_or("auto".to_string(), |f| f.get_ref().clone());
            let absolute = |p: &str| -> PathBuf {
                let p = Path::new(p);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    base.join(p)
                }
            };
            let journald = format == "journald";
            let journal_keys = [
                s.journal_files
                    .as_ref()
                    .map(|v| ("journal_files", v.span())),
                s.journal_dir.as_ref().map(|v| ("journal_dir", v.span())),
                s.journal_matches
                    .as_ref()
                    .map(|v| ("journal_matches", v.span())),
            ];
            if !journald && let Some((k, span)) = journal_keys.iter().flatten().next() {
                return Err(value_err(
                    span.clone(),
                    key(k),
                    "only a source with format = \"journald\" reads a journal".into(),
                ));
            }
            let paths: &[String] = s.paths.as_ref().map_or(&[], |p| p.get_ref());
            if journald && let Some(p) = &s.paths {
                return Err(value_err(
                    p.span(),
                    key("paths"),
                    "a journald source reads the journal, not files: give journal_files or journal_dir, or neither for this machine's journal".into(),
                ));
            }
            if !journald && paths.is_empty() {
                return Err(value_err(
                    s.paths.as_ref().map_or(0..0, Spanned::span),
                    key("paths"),
                    "list at least one file or pattern".into(),
                ));
            }
            let patterns = paths
                .iter()
                .map(|p| absolute(p).to_string_lossy().into_owned())
                .collect();
            let journal = journald.then(|| crate::journal::JournalSpec {
                files: s.journal_files.as_ref().map_or(Vec::new(), |f| {
                    f.get_ref().iter().map(|p| absolute(p)).collect()
                }),
                dir: s.journal_dir.as_ref().map(|d| absolute(d.get_ref())),
                matches: s
                    .journal_matches
                    .as_ref()
                    .map_or(Vec::new(), |m| m.get_ref().clone()),
            });
            if format != "auto" && format != crate::evtx::FORMAT {
                let mut opts = options.clone();
                opts.pg_prefix = s.pg_prefix.clone();
                if let Err(e) = formats::build(&format, &opts) {
                    let span = s.format.as_ref().map_or(0..0, Spanned::span);
                    return Err(value_err(span, key("format"), e.to_string()));
                }
            }
            let zone = match &s.zone {
                Some(z) => {
                    parse_zone(z.get_ref()).map_err(|m| value_err(z.span(), key("zone"), m))?
                }
                None => display_zone,
            };
            let role = Role::parse(s.role.get_ref()).ok_or_else(|| {
                value_err(
                    s.role.span(),
                    key("role"),
                    format!(
                        "{:?}: use login, operation, database or backup",
                        s.role.get_ref()
                    ),
                )
            })?;
            let encoding = match &s.encoding {
                Some(e) => Encoding::parse(e.get_ref()).ok_or_else(|| {
                    value_err(
                        e.span(),
                        key("encoding"),
                        format!("{:?}: use utf-8 or gb18030", e.get_ref()),
                    )
                })?,
                None => Encoding::Utf8,
            };
            let reference_time = match &s.reference_time {
                Some(r) => Some(
                    crate::reference::parse_configured(r.get_ref(), zone)
                        .map_err(|m| value_err(r.span(), key("reference_time"), m))?,
                ),
                None => None,
            };
            let mut source_options = options.clone();
            source_options.pg_prefix = s.pg_prefix;
            sources.push(Source {
                host: s.host.unwrap_or_else(|| name.clone()),
                name,
                patterns,
                format,
                zone,
                role,
                encoding,
                options: source_options,
                journal,
                reference_time,
            });
        }
        let (policy_file, policy_span) = match file.policy {
            Some(p) => {
                let span = p.span();
                (p.into_inner(), span)
            }
            None => (PolicyFile::default(), 0..0),
        };
        // A policy mistake with no line of its own points at `[policy]`.
        let policy_err = |span: std::ops::Range<usize>, key: String, message: String| {
            let span = if span == (0..0) {
                policy_span.clone()
            } else {
                span
            };
            value_err(span, key, message)
        };
        let checking = crate::policy_config::checking(
            policy_file,
            file.registers.unwrap_or_default(),
            display_zone,
            &names,
            &base,
            &policy_err,
        )?;
        let backups = crate::backups_config::backups(
            file.backups,
            checking.policy.zone,
            &names,
            &base,
            &value_err,
        )?;
        let listeners =
            crate::listen::listeners(file.listeners, display_zone, &names, &base, &value_err)?;
        Ok(Config {
            path: path.to_path_buf(),
            data_dir,
            display_zone,
            sources,
            options,
            checking,
            backups,
            listeners,
            store,
        })
    }
}

/// What the commands that only read vigil's data (`search`, `show`, `archive`) need of the
/// config: where the data is and the zone times are shown in.
///
/// The whole file is still read against the config's shape, so an unknown key or a value of the
/// wrong type is an error here as everywhere. What is left to the commands that use it is the
/// rest of the checking: compiling the site's formats, reading the policy and the backup jobs'
/// schedules. On the bundled config that checking took about a sixth of a `vigil search`, which is
/// a few milliseconds in all.
#[derive(Debug, Clone)]
pub struct DataConfig {
    /// The file it was read from.
    pub path: PathBuf,
    pub data_dir: PathBuf,
    pub display_zone: Tz,
    /// `[store]`: ClickHouse's settings, or `None` for the index.
    pub store: Option<vigil_clickhouse::Settings>,
}

impl DataConfig {
    /// The config found as [`Config::discover`] finds it.
    pub fn discover(cli: Option<&Path>) -> Result<Option<DataConfig>, ConfigError> {
        find(cli).map(|p| DataConfig::load(&p)).transpose()
    }

    /// Reads `path` and checks what [`DataConfig`] needs.
    pub fn load(path: &Path) -> Result<DataConfig, ConfigError> {
        DataConfig::parse(path, &read(path)?)
    }

    /// Checks the text of a config file read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<DataConfig, ConfigError> {
        let head = Head::parse(path, text)?;
        Ok(DataConfig {
            path: path.to_path_buf(),
            data_dir: head.data_dir,
            display_zone: head.display_zone,
            store: head.store,
        })
    }
}

/// `--config`, else `$VIGIL_CONFIG`, else `./vigil.toml` if it exists.
fn find(cli: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = cli {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("VIGIL_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let local = Path::new("vigil.toml");
    local.is_file().then(|| local.to_path_buf())
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The line of byte `offset` of `text`, from 1.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// The file read against its shape, with the values every command needs.
struct Head {
    file: ConfigFile,
    /// `[store]`: ClickHouse's settings, or `None` for the index.
    store: Option<vigil_clickhouse::Settings>,
    /// The file's folder, absolute: what relative paths in it are relative to.
    base: PathBuf,
    data_dir: PathBuf,
    display_zone: Tz,
}

impl Head {
    fn parse(path: &Path, text: &str) -> Result<Head, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let value_err = |span: std::ops::Range<usize>, message: String| ConfigError::Value {
            path: path.to_path_buf(),
            line: line_of(text, span.start),
            key: "display_zone".into(),
            message,
        };
        // Paths in the file are relative to its folder, made absolute: events carry their file's
        // path as their chain of custody, which must not depend on where vigil was started.
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let base = std::path::absolute(&base).unwrap_or(base);

        let display_zone = match &file.display_zone {
            Some(z) => parse_zone(z.get_ref()).map_err(|m| value_err(z.span(), m))?,
            None => parse_zone(DEFAULT_ZONE).map_err(|m| value_err(0..0, m))?,
        };
        let data_dir = base.join(
            file.data_dir
                .as_ref()
                .map_or("data", |d| d.get_ref().as_str()),
        );
        let store_err =
            |span: std::ops::Range<usize>, key: String, message: String| ConfigError::Value {
                path: path.to_path_buf(),
                line: line_of(text, span.start),
                key,
                message,
            };
        let mut file = file;
        let store = crate::store_config::settings(file.store.take(), &base, &store_err)?;
        Ok(Head {
            file,
            store,
            base,
            data_dir,
            display_zone,
        })
    }
}

/// An IANA zone name, or a message saying what to write.
pub fn parse_zone(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>()
        .map_err(|_| format!("{s:?} is not an IANA zone name (such as Asia/Shanghai or UTC)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/etc/vigil/vigil.toml"), text)
    }

    const GOOD: &str = r#"
data_dir = "/var/lib/vigil"
display_zone = "Asia/Shanghai"

[[sources]]
name = "auth-web"
paths = ["logs/auth.log*"]
format = "syslog"
host = "arch-web01"
role = "login"

[[sources]]
name = "app"
paths = ["/srv/archive/logs/audit.jsonl"]
format = "json"
zone = "UTC"
role = "operation"
encoding = "gb18030"

[[sources]]
name = "backup-job"
paths = ["logs/backup-job.log"]
format = "backup-job"
role = "backup"

[[formats]]
name = "backup-job"
[[formats.patterns]]
regex = '^(?P<ts>\S+ \S+) \[(?P<target>[^\]]+)\] START'
ts_format = "%Y-%m-%d %H:%M:%S"
action = "backup.start"
"#;

    #[test]
    fn a_good_config_becomes_runtime_types() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/vigil"));
        assert_eq!(c.display_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(c.sources.len(), 3);
        let web = &c.sources[0];
        assert_eq!(
            (web.name.as_str(), web.host.as_str(), web.format.as_str()),
            ("auth-web", "arch-web01", "syslog")
        );
        assert_eq!(web.patterns, vec!["/etc/vigil/logs/auth.log*".to_string()]);
        assert_eq!(
            (web.zone, web.role, web.encoding),
            (chrono_tz::Asia::Shanghai, Role::Login, Encoding::Utf8)
        );
        let app = &c.sources[1];
        assert_eq!(
            (app.host.as_str(), app.zone, app.encoding),
            ("app", chrono_tz::UTC, Encoding::Gb18030)
        );
        assert_eq!(c.options.regex.len(), 1);
        assert!(formats::build(&c.sources[2].format, &c.sources[2].options).is_ok());
    }

    #[test]
    fn the_data_config_checks_the_shape_and_leaves_the_formats_to_their_users() {
        let path = Path::new("/etc/vigil/vigil.toml");
        let d = DataConfig::parse(path, GOOD).unwrap();
        assert_eq!(
            (d.data_dir, d.display_zone),
            (PathBuf::from("/var/lib/vigil"), chrono_tz::Asia::Shanghai)
        );
        let d = DataConfig::parse(Path::new("site/vigil.toml"), "").unwrap();
        assert!(d.data_dir.is_absolute() && d.data_dir.ends_with("site/data"));

        // A regex that does not compile stops the commands that parse, not those that search.
        let bad_regex = GOOD.replace(r"\[(?P<target>[^\]]+)\]", r"\[(?P<target>[^\]]+\]");
        let err = parse(&bad_regex).unwrap_err().to_string();
        assert!(
            err.contains("line 26: formats[0]: format \"backup-job\", pattern 1, key `regex`"),
            "{err}"
        );
        assert!(DataConfig::parse(path, &bad_regex).is_ok());

        // The shape is checked by both: an unknown key, a wrong type, a bad zone.
        for (text, want) in [
            (
                "data_dir = \"d\"\ncolour = 1\n",
                "/etc/vigil/vigil.toml: line 2: unknown field `colour`",
            ),
            (
                "data_dir = 3\n",
                "/etc/vigil/vigil.toml: line 1: invalid type: integer `3`, expected a string",
            ),
            (
                "display_zone = \"Mars/Olympus\"\n",
                "/etc/vigil/vigil.toml: line 1: display_zone: \"Mars/Olympus\" is not an IANA zone name",
            ),
            (
                "[[sources]]\nname = \"a\"\npaths = []\nrole = \"login\"\nzone = 8\n",
                "/etc/vigil/vigil.toml: line 5: invalid type: integer `8`, expected a string",
            ),
        ] {
            let full = parse(text).unwrap_err().to_string();
            let data = DataConfig::parse(path, text).unwrap_err().to_string();
            assert!(data.starts_with(want), "{data}");
            assert_eq!(full, data);
        }
    }

    #[test]
    fn the_sites_policy_choices_read_and_name_their_mistakes() {
        let text = format!(
            "{GOOD}\n[policy]\nquiet = {{ app = {{ limit = \"2h\", except = [\"sat,sun\", \"22:00-07:00\"] }} }}\nchange_actions = [\"release.deploy\"]\ntamper_patterns = ['chattr\\s+-a']\noffhours_exempt_tickets = [\"emergency_release\"]\noffhours_counts_logins = true\ndisabled_judged_by = \"both\"\ndeparted_judged_by = \"events\"\nbruteforce_invalid_users = false\n"
        );
        let c = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let p = &c.checking.policy;
        let q = &p.quiet["app"];
        assert_eq!(q.limit, chrono::TimeDelta::hours(2));
        let except: Vec<String> = q.except.iter().map(ToString::to_string).collect();
        assert_eq!(except, ["sat,sun", "22:00-24:00 00:00-07:00"]);
        assert_eq!(
            p.change_actions.iter().collect::<Vec<_>>(),
            ["release.deploy"]
        );
        assert_eq!(p.tamper_patterns.len(), 1);
        assert_eq!(
            p.offhours_exempt_tickets,
            Some(vec![vigil_checks::registers::TicketKind::EmergencyRelease])
        );
        assert!(p.offhours_counts_logins && !p.bruteforce_invalid_users);
        use vigil_checks::policy::JudgedBy;
        assert_eq!(
            (p.disabled_judged_by, p.departed_judged_by),
            (JudgedBy::Both, JudgedBy::Events)
        );
        for (line, want) in [
            (
                "quiet = { app = { limit = \"2h\", except = [\"sunday-ish\"] } }",
                "policy.quiet.app.except[0]: \"sunday-ish\" is not a day of the week",
            ),
            (
                "change_actions = [\"deploy\"]",
                "policy.change_actions: \"deploy\" is not an action of the vocabulary",
            ),
            (
                "tamper_patterns = [\"rm (\"]",
                "policy.tamper_patterns[0]: \"rm (\" is not a regex",
            ),
            (
                "offhours_exempt_tickets = [\"change\"]",
                "policy.offhours_exempt_tickets: \"change\" is not a ticket kind; use any, or some of data_edit, data_export, special_permission, emergency_release",
            ),
            (
                "departed_judged_by = \"hr\"",
                "policy.departed_judged_by: \"hr\": use register, events or both",
            ),
        ] {
            let err = parse(&format!("{GOOD}\n[policy]\n{line}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{line}: {err}");
        }
    }

    #[test]
    fn the_policy_reads_into_the_checks_policy() {
        let text = format!(
            "{GOOD}\n[registers]\napprovals = \"approvals.csv\"\n\n[policy]\nworking_hours = \"08:30-17:30\"\nrelease_window = \"thu 19:00-23:00\"\nholidays = [\"2026-10-01\"]\nservice_accounts = [\"archive_app\"]\ntables = [{{ pattern = \"public.archive_item\", grade = 1 }}]\nquiet = {{ app = \"6h\" }}\nuid_names = {{ \"1002\" = \"ops_zhao\" }}\n"
        );
        let c = parse(&text).unwrap();
        let p = &c.checking.policy;
        assert_eq!(p.working_hours.to_string(), "08:30-17:30");
        assert_eq!(p.release_window.to_string(), "Thu 19:00-23:00");
        assert_eq!(p.zone, chrono_tz::Asia::Shanghai);
        assert_eq!(p.grade_of("public.archive_item"), Some(1));
        assert_eq!(
            p.quiet.get("app").map(|q| q.limit),
            Some(chrono::TimeDelta::hours(6))
        );
        assert_eq!(
            p.uid_names.get("1002").map(String::as_str),
            Some("ops_zhao")
        );
        assert_eq!(p.holidays.len(), 1);
        assert_eq!(
            c.checking.approvals,
            Some(PathBuf::from("/etc/vigil/approvals.csv"))
        );
        assert_eq!(c.checking.accounts, None);
    }

    #[test]
    fn policy_mistakes_name_the_line_and_key() {
        let cases: &[(&str, &str)] = &[
            (
                "working_hours = \"9-18\"",
                "line 3: policy.working_hours: \"9-18\" is not a span of the day; write it as 08:30-17:30",
            ),
            (
                "dormant_after = \"3 months\"",
                "line 3: policy.dormant_after: \"3 months\" is not a duration",
            ),
            (
                "tables = [{ pattern = \"a.b\", grade = 4 }]",
                "line 3: policy.tables[0].grade: must be 1, 2 or 3",
            ),
            (
                "quiet = { nosuch = \"6h\" }",
                "line 3: policy.quiet.nosuch: \"nosuch\" is not a configured source; the sources are a",
            ),
            (
                "working_days = [\"mon\", \"fry\"]",
                "line 3: policy.working_days: \"fry\" is not a day of the week",
            ),
            ("colour = \"red\"", "line 3: unknown field `colour`"),
        ];
        for (line, want) in cases {
            let sources = "[[sources]]\nname = \"a\"\npaths = [\"x\"]\nrole = \"login\"\n";
            let text = format!("[policy]\n\n{line}\n\n{sources}");
            let err = parse(&text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("/etc/vigil/vigil.toml: {want}")),
                "{line}: {err}"
            );
        }
        let err = parse("[policy.approvers]\nboss = [1]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1: policy.approvers.boss: \"boss\" is not an approver role"),
            "{err}"
        );
    }

    #[test]
    fn mistakes_name_the_line_and_key() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "zone = \"Asia/Shangai\"",
                "line 7: sources[0].zone: \"Asia/Shangai\" is not an IANA zone name",
                "zone",
            ),
            (
                "format = \"nginx\"",
                "line 7: sources[0].format: unknown format \"nginx\"",
                "format",
            ),
            (
                "role = \"web\"",
                "line 7: sources[0].role: \"web\": use login, operation, database or backup",
                "role",
            ),
            (
                "encoding = \"latin1\"",
                "line 7: sources[0].encoding: \"latin1\": use utf-8 or gb18030",
                "encoding",
            ),
            (
                "colour = \"red\"",
                "line 7: unknown field `colour`",
                "colour",
            ),
        ];
        for (line, want, what) in cases {
            let mut text = String::from(
                "display_zone = \"UTC\"\n\n[[sources]]\nname = \"a\"\npaths = [\"x.log\"]\n",
            );
            if *what != "role" {
                text.push_str("role = \"login\"\n");
            } else {
                text.push('\n');
            }
            text.push_str(line);
            text.push('\n');
            let err = parse(&text).unwrap_err().to_string();
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with(&format!("/etc/vigil/vigil.toml: {want}")),
                "{what}: {err}"
            );
        }
        let err = parse("display_zone = \"Moon\"\n").unwrap_err().to_string();
        assert!(
            err.contains("line 1: display_zone: \"Moon\" is not an IANA zone name"),
            "{err}"
        );
        let two = "[[sources]]\nname = \"a\"\npaths = [\"x\"]\nrole = \"login\"\n[[sources]]\nname = \"a\"\npaths = [\"y\"]\nrole = \"login\"\n";
        let err = parse(two).unwrap_err().to_string();
        assert!(
            err.contains("line 6: sources[1].name: \"a\" names two sources"),
            "{err}"
        );
        let err = parse("[[sources]]\nname = \"a\"\npaths = []\nrole = \"login\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3: sources[0].paths: list at least one file or pattern"),
            "{err}"
        );
        let err = parse("[[formats]]\nname = \"syslog\"\npatterns = []\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("formats[0].name: \"syslog\" is a built-in format's name"),
            "{err}"
        );
    }

    #[test]
    fn the_samples_config_loads_and_names_existing_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let c = Config::load(&root.join("samples/vigil.toml")).unwrap();
        // One source per file of samples/logs.
        let files = std::fs::read_dir(root.join("samples/logs"))
            .unwrap()
            .count();
        assert_eq!((c.sources.len(), files), (11, 11));
        for s in &c.sources {
            assert_eq!(s.files().unwrap().len(), 1, "{}", s.name);
        }
    }
}
