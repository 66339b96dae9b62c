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
/// than the system allocator (measured in the parse benchmark).
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        /// postgres_csv, mariadb_audit, mysql_general, json, restic, borg.
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
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("vigil: {}", vigil::sanitize::terminal(&msg.join(": ")));
            ExitCode::Failed.into()
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
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
            let zone: chrono_tz::Tz = zone.parse().map_err(|_| {
                anyhow!("--zone {zone:?}: not an IANA zone name (such as Asia/Shanghai or UTC)")
            })?;
            let encoding = Encoding::parse(&encoding)
                .ok_or_else(|| anyhow!("--encoding {encoding:?}: use utf-8 or gb18030"))?;
            let reference = reference
                .map(|r| {
                    chrono::DateTime::parse_from_rfc3339(&r)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .with_context(|| format!("--reference {r:?}: not an RFC 3339 time such as 2026-12-01T00:00:00+08:00"))
                })
                .transpose()?;
            // The site's formats and JSON mapping come from the config, when there is one.
            let config = vigil::config::Config::discover(cli.config.as_deref())?;
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
