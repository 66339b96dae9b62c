//! The `vigil` binary: parses the command line, dispatches, maps errors to exit codes.
//! Errors print as one `vigil: what: where: why` line and exit 2; a closed pipe exits 0.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use vigil::exit::ExitCode;
use vigil::parse_cmd::{self, ParseArgs};
use vigil_parsers::Encoding;

/// Parsing makes and drops millions of small strings: mimalloc does that several times faster
/// than the system allocator (measured in the parse benchmark). Its version 2, without transparent
/// huge pages (Cargo.toml): version 3 starts by reserving and zeroing more memory, which a
/// `vigil search` of a few milliseconds felt (0.5 ms of its start on the 1 GB bench), and an ingest
/// peaked some 50 MB higher, for the same parsing speed (the same instructions per line).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "vigil",
    version,
    about = "Log and backup audit pipeline for a records system"
)]
struct Cli {
    /// The config file (default: $VIGIL_CONFIG, then ./vigil.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The data directory (default: the config's data_dir, else ./data).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bring the index up to date with the configured sources, or with PATHs.
    Ingest {
        /// Files to read instead of the configured sources (plain or gzip).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        quick: Quick,
    },
    /// Follow the configured sources (or PATHs) until stopped (SIGINT or SIGTERM): every new line
    /// indexed and archived once, through rotation, truncation and restarts; the config's
    /// [[listeners]] receive syslog from other machines meanwhile.
    Watch {
        /// Files or glob patterns to follow instead of the configured sources.
        paths: Vec<String>,
        #[command(flatten)]
        quick: Quick,
        /// New lines are searchable within about this long (e.g. 1s, 500ms).
        #[arg(long, default_value = "1s", value_parser = vigil::spool::parse_wait)]
        commit_every: std::time::Duration,
        /// Look at the files this often even when notify says nothing.
        #[arg(long, default_value = "1s", value_parser = vigil::spool::parse_wait)]
        poll_every: std::time::Duration,
        /// How long a file must be unchanged before its unterminated last line is taken.
        #[arg(long, default_value = "5s", value_parser = vigil::spool::parse_wait)]
        quiet: std::time::Duration,
        /// Serve the watcher's counters as Prometheus text on http://ADDR/metrics (such as
        /// 127.0.0.1:9464; keep it on a local address).
        #[arg(long, value_name = "ADDR")]
        metrics: Option<String>,
    },
    /// Receive syslog from other machines on the configured `[[listeners]]` (UDP, TCP, TLS)
    /// and index it, without following the sources' files (`watch` does both).
    Receive {
        /// New messages are searchable within about this long (e.g. 1s, 500ms).
        #[arg(long, default_value = "1s", value_parser = vigil::spool::parse_wait)]
        commit_every: std::time::Duration,
        /// Serve the counters as Prometheus text on http://ADDR/metrics.
        #[arg(long, value_name = "ADDR")]
        metrics: Option<String>,
    },
    /// The event store: `migrate --to clickhouse` copies the index's events to the ClickHouse
    /// of `[store]` (month by month, resumable).
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// The evidence archive: `verify` recomputes the hash chain, `head` prints its head hash.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// Search the index: tantivy query syntax over the event's fields; Chinese words work.
    Search {
        /// For example: `actor:zhangsan AND action:login.failure`, `src_ip:10.1.2.3`, `删除`.
        query: String,
        /// Only events at or after this time (RFC 3339, or a date or local time in the display zone).
        #[arg(long, allow_hyphen_values = true)]
        since: Option<String>,
        /// Only events before this time.
        #[arg(long, allow_hyphen_values = true)]
        until: Option<String>,
        /// At most this many hits, newest first (0: all). How many there are in all is said on
        /// stderr, or in the JSON.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// table, json (one document: the hit count, how many are shown, the events), jsonl (one
        /// event per line) or raw.
        #[arg(long, value_enum, default_value = "table")]
        format: vigil::search_cmd::OutputFormat,
        /// Print only the number of hits.
        #[arg(long)]
        count: bool,
        /// Print the number of hits per value of this field (actor, host, action, src_ip...).
        #[arg(long)]
        count_by: Option<String>,
        /// The oldest hits first (and the oldest N with --limit N).
        #[arg(long)]
        oldest_first: bool,
        /// Also print the N lines before and after each hit in the same file, read from the
        /// evidence archive (in JSON: a "context" object by event id).
        #[arg(long, value_name = "N")]
        context: Option<usize>,
        /// Colour the words the query looks for: auto (on a terminal, unless NO_COLOR is set),
        /// always or never.
        #[arg(long, value_enum, default_value = "auto")]
        color: vigil::search_cmd::ColorChoice,
    },
    /// Run the regulation's checks over a period: findings as a table or JSON; exit 1 when any
    /// reaches --fail-on.
    Check(vigil::check_cmd::CheckArgs),
    /// Backups: `verify` judges each job's runs and artefacts, for cron.
    Backups {
        #[command(subcommand)]
        command: BackupsCommand,
    },
    /// The monthly IT-meeting report: Markdown in Chinese or English, or its JSON model.
    Report(vigil::report_cmd::ReportArgs),
    /// The web console for security reviewers: search, events, findings and their triage,
    /// reports; login required (users from `vigil user add`).
    Serve(vigil::serve::ServeArgs),
    /// The console's users: add (password read from stdin, or asked twice on a terminal),
    /// remove, list.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Show one event: as JSON, its raw line(s) and where it came from.
    Show {
        id: String,
        /// text (the JSON, then its time, origin and raw lines) or json (the event alone, one
        /// JSON document).
        #[arg(long, value_enum, default_value = "text")]
        format: vigil::search_cmd::ShowFormat,
    },
    /// Write a commented vigil.toml and example registers into DIR (default: the current folder).
    Init {
        dir: Option<PathBuf>,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Run the parsers over log files: a summary per file on stderr, events as JSON lines with --events.
    Parse {
        /// Log files (plain or gzip).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The format: auto (sniff each file), or one of syslog, auditd, postgres, postgres_syslog,
        /// postgres_csv, mariadb_audit, mysql_general, journald, json, restic, borg.
        #[arg(long, default_value = "auto")]
        format: String,
        /// The zone the logs write local times in (an IANA name such as Asia/Shanghai or UTC).
        #[arg(long, default_value = "Asia/Shanghai")]
        zone: String,
        /// Host name for lines that name none (default: the file name up to its first dot).
        #[arg(long)]
        host: Option<String>,
        /// Source name put in every event (default: the host).
        #[arg(long)]
        source: Option<String>,
        /// utf-8 or gb18030 (older Chinese systems write GBK).
        #[arg(long, default_value = "utf-8")]
        encoding: String,
        /// Reference time for years missing from log times, RFC 3339 (default: each file's mtime).
        #[arg(long)]
        reference: Option<String>,
        /// PostgreSQL log_line_prefix of the postgres format (default: try the common ones).
        #[arg(long)]
        pg_prefix: Option<String>,
        /// Print every event as a JSON line on stdout.
        #[arg(long)]
        events: bool,
        /// Write every rejected line as a JSON line (path, offset, line, reason, raw) to this file.
        #[arg(long)]
        dead_letter: Option<PathBuf>,
    },
}

/// How to read files named on the command line (quick use without a config).
#[derive(clap::Args)]
struct Quick {
    /// The format of PATHs: auto (sniff each file) or a format name.
    #[arg(long, default_value = "auto")]
    format: String,
    /// The source name of PATHs (default: the file name up to its first dot).
    #[arg(long)]
    source: Option<String>,
    /// The host of PATHs (default: each file's name up to its first dot).
    #[arg(long)]
    host: Option<String>,
    /// The zone PATHs write local times in (default: the config's display zone, else Asia/Shanghai).
    #[arg(long)]
    zone: Option<String>,
    /// utf-8 or gb18030.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
}

impl Quick {
    /// The zone, encoding and format options for PATHs, checked before any file is read.
    fn resolve(
        &self,
        config: Option<&vigil::config::Config>,
    ) -> Result<(chrono_tz::Tz, Encoding, vigil_parsers::formats::Options)> {
        let zone = match &self.zone {
            Some(z) => cli_zone(z)?,
            None => config.map_or(chrono_tz::Asia::Shanghai, |c| c.display_zone),
        };
        let encoding = cli_encoding(&self.encoding)?;
        let options = config.map(|c| c.options.clone()).unwrap_or_default();
        if self.format != "auto" {
            vigil_parsers::formats::build(&self.format, &options)
                .map_err(|e| anyhow!("--format: {e}"))?;
        }
        Ok((zone, encoding, options))
    }
}

#[derive(Subcommand)]
enum BackupsCommand {
    /// For a window (default the last 24 hours), each job's expected runs (ok, late, failed,
    /// missing), sizes, and artefacts against their sha256 manifest. Exit 0 all fine, 1 not.
    Verify(vigil::backups_cmd::VerifyArgs),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user, or set an existing user's password and role.
    Add {
        name: String,
        /// reviewer (search, findings, triage, reports) or admin (also manages users).
        #[arg(long, value_enum, default_value = "reviewer")]
        role: vigil::users::Role,
    },
    /// Remove a user (their triage entries and audit records stay).
    Remove { name: String },
    /// List the users and their roles.
    List,
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Copy every event of the index to the store of `[store]`, month by month, with progress;
    /// run again after an interruption, it goes on from the month it was in.
    Migrate {
        /// The store to copy to.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Recompute every segment's sha256 and the chain's links; exit 1 naming the first broken
    /// link and what is wrong (changed, missing, reordered, truncated).
    Verify,
    /// Print the chain head hash (the last sealed segment's link) as of the last index commit.
    Head,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::Ok.into();
            }
            // Each cause once: many errors already end with their source's text.
            let mut msg: Vec<String> = Vec::new();
            for c in e.chain() {
                let t = c.to_string();
                if !msg.last().is_some_and(|l| l.ends_with(&t)) {
                    msg.push(t);
                }
            }
            eprintln!("vigil: {}", vigil::sanitize::terminal(&msg.join(": ")));
            ExitCode::Failed.into()
        }
    }
}

/// `--zone Z`: an IANA zone name.
fn cli_zone(z: &str) -> Result<chrono_tz::Tz> {
    z.parse()
        .map_err(|_| anyhow!("--zone {z:?}: not an IANA zone name (such as Asia/Shanghai or UTC)"))
}

/// The config a command cannot run without; `why` says what it needs from it.
fn needed(config: Option<vigil::config::Config>, why: &str) -> Result<vigil::config::Config> {
    config.ok_or_else(|| {
        anyhow!(
            "no config (vigil.toml, --config or $VIGIL_CONFIG): {why}; write one with `vigil init`"
        )
    })
}

/// `--encoding E`: utf-8 or gb18030.
fn cli_encoding(e: &str) -> Result<Encoding> {
    Encoding::parse(e).ok_or_else(|| anyhow!("--encoding {e:?}: use utf-8 or gb18030"))
}

fn run(cli: Cli) -> Result<ExitCode> {
    // Loading the config also says where events are written (`[store]`).
    let config = || {
        let c = vigil::config::Config::discover(cli.config.as_deref());
        if let Ok(Some(c)) = &c {
            vigil::commit::set_store(c.store.clone());
        }
        c
    };
    // What the commands that only read the data dir need of the config (see `DataConfig`).
    let data_config = || {
        let c = vigil::config::DataConfig::discover(cli.config.as_deref());
        if let Ok(Some(c)) = &c {
            vigil::commit::set_store(c.store.clone());
        }
        c
    };
    // The data directory: --data, else the config's, else ./data.
    let data_dir = |config_data_dir: Option<&PathBuf>| -> PathBuf {
        cli.data
            .clone()
            .or_else(|| config_data_dir.cloned())
            .unwrap_or_else(|| PathBuf::from("data"))
    };
    match cli.command {
        Command::Ingest {
            ref paths,
            ref quick,
        } => {
            let config = config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            let inputs: Vec<vigil::ingest::Input> = if paths.is_empty() {
                let Some(c) = &config else {
                    return Err(anyhow!(
                        "no config (vigil.toml, --config or $VIGIL_CONFIG) and no files: name the files to ingest, or write a config with `vigil init`"
                    ));
                };
                vigil::ingest::config_inputs(c, &data)?
            } else {
                let (zone, encoding, options) = quick.resolve(config.as_ref())?;
                paths
                    .iter()
                    .map(|p| vigil::ingest::Input {
                        source: quick
                            .source
                            .clone()
                            .unwrap_or_else(|| vigil::parse_cmd::default_host(p)),
                        host: quick.host.clone(),
                        zone,
                        encoding,
                        format: quick.format.clone(),
                        options: options.clone(),
                        files: vec![p.clone()],
                        journal: None,
                        reference_time: None,
                    })
                    .collect()
            };
            let zone = config
                .as_ref()
                .map_or(chrono_tz::Asia::Shanghai, |c| c.display_zone);
            let summary = vigil::ingest::run(&data, &inputs, zone)?;
            eprint!("{}", vigil::ingest::render(&summary));
            // Done, with problems: files that could not be read are named above.
            Ok(if summary.problems() > 0 {
                ExitCode::Findings
            } else {
                ExitCode::Ok
            })
        }
        Command::Store {
            command: StoreCommand::Migrate { ref to },
        } => {
            if to != "clickhouse" {
                return Err(anyhow!(
                    "--to {to:?}: the one store to migrate to is clickhouse"
                ));
            }
            let config = data_config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            let Some(settings) = config.as_ref().and_then(|c| c.store.clone()) else {
                return Err(anyhow!(
                    "no [store] kind = \"clickhouse\" in the config: name the ClickHouse to migrate to there"
                ));
            };
            vigil::store_cmd::migrate(&data, &settings)?;
            Ok(ExitCode::Ok)
        }
        Command::Receive {
            commit_every,
            ref metrics,
        } => {
            let config = config()?;
            let Some(c) = &config else {
                return Err(anyhow!(
                    "no config (vigil.toml, --config or $VIGIL_CONFIG): `receive` runs the config's [[listeners]]"
                ));
            };
            if c.listeners.is_empty() {
                return Err(anyhow!(
                    "{}: no [[listeners]]: add one (name, protocol = \"udp\", \"tcp\" or \"tls\", address) to receive syslog",
                    c.path.display()
                ));
            }
            let data = data_dir(Some(&c.data_dir));
            let opts = vigil::watch::Options {
                commit_every,
                zone: c.display_zone,
                metrics: metrics_on(metrics.as_deref())?,
                ..Default::default()
            };
            let summary = vigil::watch::serve(&data, Vec::new(), &c.listeners, opts)?;
            eprintln!(
                "receive: stopped: {} messages, {} events, {} dead-lettered, {} commits",
                summary.lines, summary.events, summary.dead, summary.commits
            );
            Ok(ExitCode::Ok)
        }
        Command::Watch {
            ref paths,
            ref quick,
            commit_every,
            poll_every,
            quiet,
            ref metrics,
        } => {
            let config = config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            let display = config
                .as_ref()
                .map_or(chrono_tz::Asia::Shanghai, |c| c.display_zone);
            let sources: Vec<vigil::watch::Watched> = if paths.is_empty() {
                let Some(c) = &config else {
                    return Err(anyhow!(
                        "no config (vigil.toml, --config or $VIGIL_CONFIG) and no files: name the files to watch, or write a config with `vigil init`"
                    ));
                };
                c.sources
                    .iter()
                    .map(|s| vigil::watch::Watched {
                        source: s.name.clone(),
                        patterns: s.patterns.clone(),
                        host: Some(s.host.clone()),
                        zone: s.zone,
                        encoding: s.encoding,
                        format: s.format.clone(),
                        options: s.options.clone(),
                        journal: s.journal.clone(),
                        reference_time: s.reference_time,
                    })
                    .collect()
            } else {
                let (zone, encoding, options) = quick.resolve(config.as_ref())?;
                let name = quick.source.clone().unwrap_or_else(|| {
                    vigil::parse_cmd::default_host(std::path::Path::new(&paths[0]))
                });
                vec![vigil::watch::Watched {
                    source: name,
                    patterns: paths.clone(),
                    host: quick.host.clone(),
                    zone,
                    encoding,
                    format: quick.format.clone(),
                    options,
                    journal: None,
                    reference_time: None,
                }]
            };
            let metrics = metrics_on(metrics.as_deref())?;
            let opts = vigil::watch::Options {
                commit_every,
                poll_every,
                quiet,
                zone: display,
                metrics,
                ..Default::default()
            };
            let listeners = match (&config, paths.is_empty()) {
                (Some(c), true) => c.listeners.clone(),
                _ => Vec::new(),
            };
            let summary = vigil::watch::serve(&data, sources, &listeners, opts)?;
            eprintln!(
                "watch: stopped: {} lines, {} events, {} dead-lettered, {} commits{}",
                summary.lines,
                summary.events,
                summary.dead,
                summary.commits,
                if summary.refused_files > 0 {
                    format!(
                        "; {} files not read ({} lines skipped, named above)",
                        summary.refused_files, summary.refused_lines
                    )
                } else {
                    String::new()
                }
            );
            Ok(if summary.refused_files > 0 {
                ExitCode::Findings
            } else {
                ExitCode::Ok
            })
        }
        Command::Archive { ref command } => {
            let config = data_config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            match command {
                ArchiveCommand::Verify => vigil::archive_cmd::verify(&data),
                ArchiveCommand::Head => vigil::archive_cmd::head(&data),
            }
        }
        Command::Search {
            ref query,
            ref since,
            ref until,
            limit,
            format,
            count,
            ref count_by,
            oldest_first,
            context,
            color,
        } => {
            let config = data_config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            let zone = config
                .as_ref()
                .map_or(chrono_tz::Asia::Shanghai, |c| c.display_zone);
            let since = since
                .as_deref()
                .map(|t| vigil::search_cmd::parse_time(t, zone, "--since"))
                .transpose()?;
            let until = until
                .as_deref()
                .map(|t| vigil::search_cmd::parse_time(t, zone, "--until"))
                .transpose()?;
            // Every read of the index happens here, before anything is printed: a writer's merge
            // that removes a segment file under the search makes it run again on the newer commit.
            enum Answer {
                CountBy(Vec<(String, u64)>),
                Count(u64),
                Hits(u64, Vec<vigil_parsers::Event>),
            }
            let clickhouse = config.as_ref().and_then(|c| c.store.clone());
            let (searcher, answer) = if let Some(settings) = clickhouse {
                // The events are in ClickHouse: the same answers, from there.
                use vigil_index::EventStore as _;
                let store = vigil_clickhouse::Store::new(&settings)?;
                let mut filter = vigil_index::Filter {
                    since,
                    until,
                    ..Default::default()
                };
                if !query.trim().is_empty() && query.trim() != "*" {
                    filter.query = Some(query.clone());
                }
                let answer = if let Some(field) = count_by {
                    Answer::CountBy(store.count_by(&filter, field)?)
                } else if count {
                    Answer::Count(store.count(&filter)?)
                } else {
                    let (total, mut hits) =
                        store.search(query, since, until, if oldest_first { 0 } else { limit })?;
                    if oldest_first {
                        hits.reverse();
                        if limit > 0 {
                            hits.truncate(limit);
                        }
                    }
                    Answer::Hits(total, hits)
                };
                (None, answer)
            } else {
                let (searcher, answer) = again_after_merges(|| {
                    let searcher = vigil::search_cmd::open_for_one_search(&data)?;
                    let answer = if let Some(field) = count_by {
                        Answer::CountBy(searcher.count_by(query, since, until, field)?)
                    } else if count {
                        Answer::Count(searcher.count(query, since, until)?)
                    } else {
                        let total = searcher.count(query, since, until)?;
                        let limit = if limit == 0 {
                            usize::try_from(total).unwrap_or(usize::MAX)
                        } else {
                            limit
                        };
                        let hits =
                            searcher.search_page(query, since, until, 0, limit, oldest_first)?;
                        Answer::Hits(total, hits)
                    };
                    Ok((searcher, answer))
                })?;
                (Some(searcher), answer)
            };
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            let json = format == vigil::search_cmd::OutputFormat::Json;
            match answer {
                Answer::CountBy(counts) => {
                    let field = count_by.as_deref().unwrap_or_default();
                    if json {
                        let rows: Vec<serde_json::Value> = counts
                            .iter()
                            .map(|(v, n)| serde_json::json!({ "value": v, "count": n }))
                            .collect();
                        serde_json::to_writer_pretty(
                            &mut out,
                            &serde_json::json!({ "field": field, "counts": rows }),
                        )?;
                        writeln!(out)?;
                    } else {
                        for (value, n) in counts {
                            writeln!(out, "{n}\t{}", vigil::sanitize::terminal(&value))?;
                        }
                    }
                }
                Answer::Count(n) => {
                    if json {
                        writeln!(out, "{}", serde_json::json!({ "hits": n }))?;
                    } else {
                        writeln!(out, "{n}")?;
                    }
                }
                Answer::Hits(total, hits) => {
                    let reader = match context {
                        Some(n) => Some(vigil::search_cmd::ContextReader::open(&data, n)?),
                        None => None,
                    };
                    let colour = matches!(
                        format,
                        vigil::search_cmd::OutputFormat::Table
                            | vigil::search_cmd::OutputFormat::Raw
                    ) && color.enabled();
                    let show = vigil::search_cmd::Display {
                        zone,
                        colour: if colour {
                            vigil::search_cmd::match_words(query)
                        } else {
                            Vec::new()
                        },
                        context: reader.as_ref(),
                    };
                    vigil::search_cmd::print_hits(&mut out, &hits, total, format, &show)?;
                    if !json {
                        eprintln!(
                            "{}",
                            vigil::search_cmd::hits_line(total, hits.len(), oldest_first)
                        );
                    }
                }
            }
            out.flush().context("cannot write to stdout")?;
            // The searcher holds a map of every file of every segment: unmapping them one by one
            // takes longer than the count itself, and the process ends here anyway.
            std::mem::forget(searcher);
            Ok(ExitCode::Ok)
        }
        Command::Check(ref args) => {
            let config = needed(
                config()?,
                "the checks need the sources, [policy] and [registers]",
            )?;
            let data = data_dir(Some(&config.data_dir));
            vigil::check_cmd::run(&config, &data, args)
        }
        Command::Backups {
            command: BackupsCommand::Verify(ref args),
        } => {
            let config = needed(config()?, "the verification needs its [[backups]] jobs")?;
            let data = data_dir(Some(&config.data_dir));
            vigil::backups_cmd::run(&config, &data, args)
        }
        Command::Report(ref args) => {
            let config = needed(
                config()?,
                "the report needs the sources, [policy], [registers] and [[backups]]",
            )?;
            let data = data_dir(Some(&config.data_dir));
            vigil::report_cmd::run(&config, &data, args)
        }
        Command::Serve(ref args) => {
            let config = needed(
                config()?,
                "the console needs the sources, [policy] and [registers] for its findings and reports",
            )?;
            let data = data_dir(Some(&config.data_dir));
            vigil::serve::run(config, &data, args)
        }
        Command::User { ref command } => {
            let config = data_config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            match command {
                UserCommand::Add { name, role } => {
                    vigil::users::check_name(name)?;
                    let password = vigil::users::read_password()?;
                    let replaced = vigil::users::add(&data, name, *role, &password)?;
                    eprintln!(
                        "user {name}: {} as {}",
                        if replaced { "updated" } else { "added" },
                        role.as_str()
                    );
                }
                UserCommand::Remove { name } => {
                    if !vigil::users::remove(&data, name)? {
                        eprintln!("vigil: no user {}", vigil::sanitize::terminal(name));
                        return Ok(ExitCode::Findings);
                    }
                    eprintln!("user {name}: removed");
                }
                UserCommand::List => {
                    for u in vigil::users::load(&data)? {
                        println!("{}\t{}", u.name, u.role.as_str());
                    }
                }
            }
            Ok(ExitCode::Ok)
        }
        Command::Show { ref id, format } => {
            let config = data_config()?;
            let data = data_dir(config.as_ref().map(|c| &c.data_dir));
            let zone = config
                .as_ref()
                .map_or(chrono_tz::Asia::Shanghai, |c| c.display_zone);
            let found = match config.as_ref().and_then(|c| c.store.as_ref()) {
                Some(settings) => vigil_clickhouse::Store::new(settings)?.get(id)?,
                None => again_after_merges(|| {
                    let searcher = vigil::search_cmd::open_for_one_search(&data)?;
                    Ok(searcher.get(id)?)
                })?,
            };
            match found {
                Some(e) => {
                    let stdout = io::stdout();
                    let mut out = io::BufWriter::new(stdout.lock());
                    match format {
                        vigil::search_cmd::ShowFormat::Text => {
                            vigil::search_cmd::print_event(&mut out, &e, zone)?;
                        }
                        vigil::search_cmd::ShowFormat::Json => {
                            serde_json::to_writer_pretty(&mut out, &e)?;
                            writeln!(out)?;
                        }
                    }
                    out.flush().context("cannot write to stdout")?;
                    Ok(ExitCode::Ok)
                }
                None => {
                    eprintln!("vigil: no event with id {}", vigil::sanitize::terminal(id));
                    Ok(ExitCode::Findings)
                }
            }
        }
        Command::Init { dir, force } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            for f in vigil::init::write(&dir, force)? {
                eprintln!(
                    "wrote {}",
                    vigil::sanitize::terminal(&f.display().to_string())
                );
            }
            Ok(ExitCode::Ok)
        }
        Command::Parse {
            files,
            format,
            zone,
            host,
            source,
            encoding,
            reference,
            pg_prefix,
            events,
            dead_letter,
        } => {
            let zone = cli_zone(&zone)?;
            let encoding = cli_encoding(&encoding)?;
            let reference = reference
                .map(|r| {
                    chrono::DateTime::parse_from_rfc3339(&r)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .with_context(|| format!("--reference {r:?}: not an RFC 3339 time such as 2026-12-01T00:00:00+08:00"))
                })
                .transpose()?;
            // The site's formats and JSON mapping come from the config, when there is one.
            let config = config()?;
            let mut options = config.map(|c| c.options).unwrap_or_default();
            options.pg_prefix = pg_prefix;
            if format != "auto" {
                // Checked before any file is read: an unknown name or a bad prefix is a usage error.
                vigil_parsers::formats::build(&format, &options)
                    .map_err(|e| anyhow!("--format: {e}"))?;
            }
            let args = ParseArgs {
                files,
                format,
                zone,
                host,
                source,
                encoding,
                reference,
                options,
                events,
                dead_letter,
            };
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            let summaries = parse_cmd::run(&args, &mut out)?;
            out.flush().context("cannot write to stdout")?;
            eprint!("{}", parse_cmd::render_summary(&summaries));
            Ok(ExitCode::Ok)
        }
    }
}

/// Runs `read` (an opening of the index and its reads) again, up to three times in all, when a
/// segment file it needed was removed under it: a writer (`watch`, `ingest`) merged segments
/// between the opening and the read. The next opening sees the newer commit.
fn again_after_merges<T>(mut read: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut tries = 0;
    loop {
        match read() {
            Err(e)
                if tries < 2
                    && e.chain()
                        .any(|c| c.to_string().contains("Files does not exist")) =>
            {
                tries += 1;
            }
            other => return other,
        }
    }
}

/// The metrics endpoint of `--metrics ADDR`, started, and its counters.
fn metrics_on(addr: Option<&str>) -> Result<Option<std::sync::Arc<vigil::metrics::Metrics>>> {
    let Some(addr) = addr else { return Ok(None) };
    let m = std::sync::Arc::new(vigil::metrics::Metrics::default());
    let bound = vigil::metrics::serve(addr, m.clone())?;
    eprintln!("vigil: metrics on http://{bound}/metrics");
    Ok(Some(m))
}

#[cfg(test)]
mod tests {
    use super::again_after_merges;

    #[test]
    fn a_search_runs_again_when_a_merge_removed_its_file_and_gives_up_after_three() {
        let gone = || anyhow::anyhow!("An IO error occurred: 'Files does not exist: \"x.idx\"'");
        let mut calls = 0;
        let r = again_after_merges(|| {
            calls += 1;
            if calls < 3 { Err(gone()) } else { Ok(calls) }
        });
        assert_eq!(r.ok(), Some(3));
        let mut calls = 0;
        let r: anyhow::Result<()> = again_after_merges(|| {
            calls += 1;
            Err(gone())
        });
        assert!(r.is_err());
        assert_eq!(calls, 3);
        // Any other error is not tried again.
        let mut calls = 0;
        let r: anyhow::Result<()> = again_after_merges(|| {
            calls += 1;
            Err(anyhow::anyhow!("bad query"))
        });
        assert!(r.is_err());
        assert_eq!(calls, 1);
    }
}
