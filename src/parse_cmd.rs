//! `vigil parse`: runs the parsers over log files and reports what they made of every line.
//!
//! It is the parsers' front door until the index arrives: a summary per file on stderr (lines,
//! events by action, rejected lines by reason, speed), every event as a JSON line on stdout with
//! `--events`, every rejected line as a JSON line in `--dead-letter FILE`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use vigil_parsers::formats::{self, Sniffed};
use vigil_parsers::{Encoding, Output, ParseContext};

use crate::read::LogFile;
use crate::sanitize;

/// What `vigil parse` was asked to do.
pub struct ParseArgs {
    pub files: Vec<PathBuf>,
    /// A format name, or `auto` to sniff each file.
    pub format: String,
    pub zone: Tz,
    /// The host name for lines that name none; default: the file's name up to its first dot.
    pub host: Option<String>,
    pub source: Option<String>,
    pub encoding: Encoding,
    /// Year inference reference; default: each file's modification time.
    pub reference: Option<DateTime<Utc>>,
    pub options: formats::Options,
    pub events: bool,
    pub dead_letter: Option<PathBuf>,
}

/// Why a file's format could not be settled.
pub enum Unresolved {
    /// A kind of file vigil does not read (yet).
    Unsupported(&'static str),
    /// Nothing recognisable in the first lines.
    Unknown,
}

/// The format to read `file` with: `requested`, or for `auto` what its first lines look like
/// (a built-in format, else a regex format of `options`).
pub fn resolve_format(
    file: &LogFile,
    requested: &str,
    options: &formats::Options,
) -> Result<String, Unresolved> {
    if requested != "auto" {
        return Ok(requested.to_string());
    }
    match formats::sniff(file.head()) {
        Sniffed::Format(f) => Ok(f.to_string()),
        Sniffed::Evtx => Err(Unresolved::Unsupported(
            "a Windows EVTX file: ingest or watch it with a source of format = \"evtx\" (`vigil parse` reads text logs; `winlog` reads evtx_dump's JSON lines)",
        )),
        Sniffed::Gzip => Err(Unresolved::Unsupported(
            "gzip inside gzip: decompress it first",
        )),
        Sniffed::Unknown => sniff_regex(file.head(), options)
            .map(str::to_string)
            .ok_or(Unresolved::Unknown),
    }
}

/// The regex format that reads most of the first lines of a file, if one reads more than half.
pub fn sniff_regex(head: &[u8], opts: &formats::Options) -> Option<&'static str> {
    // Only whole lines: the last one may be cut.
    let end = head.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let head = &head[..end];
    let lines = head
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    if lines == 0 {
        return None;
    }
    let ctx = ParseContext::new(
        "sniff",
        "sniff",
        chrono_tz::UTC,
        DateTime::<Utc>::UNIX_EPOCH,
    );
    opts.regex
        .iter()
        .map(|f| {
            let mut p = vigil_parsers::regex_format::RegexParser::new(f.clone());
            let out = vigil_parsers::parse_text(&mut p, &ctx, "sniff", head);
            (f.name(), out.iter().filter(|o| o.is_ok()).count())
        })
        .filter(|(_, n)| 2 * n > lines)
        .max_by_key(|(_, n)| *n)
        .map(|(name, _)| name)
}

/// What one file gave.
#[derive(Debug, Default)]
pub struct FileSummary {
    pub format: String,
    pub lines: u64,
    pub bytes: u64,
    pub events: u64,
    pub by_action: BTreeMap<String, u64>,
    pub rejected: BTreeMap<&'static str, u64>,
    /// Progress lines read into no event and no rejection (restic status lines...).
    pub consumed: u64,
    pub seconds: f64,
}

impl FileSummary {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// Runs the parsers over every file; writes events and dead letters as asked; returns the
/// summaries. An unreadable file or an unknown format is an error naming the file.
pub fn run(args: &ParseArgs, stdout: &mut dyn Write) -> Result<Vec<(PathBuf, FileSummary)>> {
    let mut dead: Option<BufWriter<File>> = match &args.dead_letter {
        Some(p) => Some(BufWriter::new(
            crate::read::create_private(p)
                .with_context(|| format!("cannot create dead-letter file {}", p.display()))?,
        )),
        None => None,
    };
    let mut out = Vec::new();
    for path in &args.files {
        let s = parse_file(
            args,
            path,
            stdout,
            dead.as_mut().map(|d| d as &mut dyn Write),
        )
        .with_context(|| format!("{}", path.display()))?;
        out.push((path.clone(), s));
    }
    if let Some(d) = dead.as_mut() {
        d.flush().context("cannot write the dead-letter file")?;
    }
    Ok(out)
}

/// The host of a file whose lines name none: its name up to the first dot.
pub fn default_host(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.split('.').next().unwrap_or(n).to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn parse_file<'a>(
    args: &ParseArgs,
    path: &Path,
    stdout: &'a mut dyn Write,
    dead: Option<&'a mut dyn Write>,
) -> Result<FileSummary> {
    let meta = std::fs::metadata(path).context("cannot read")?;
    if meta.is_dir() {
        bail!("is a directory; name the log files in it");
    }
    let file = LogFile::open(path).context("cannot open")?;
    let format = match resolve_format(&file, &args.format, &args.options) {
        Ok(f) => f,
        Err(Unresolved::Unsupported(why)) => bail!("{why}"),
        Err(Unresolved::Unknown) => bail!(
            "cannot tell the format from the first lines; name it with --format, or define it in the config's [[formats]]"
        ),
    };
    let mut parser = formats::build(&format, &args.options)?;
    let (reference, from) = crate::reference::for_file(
        &path.to_string_lossy(),
        DateTime::<Utc>::from(meta.modified().unwrap_or(SystemTime::now())),
        args.reference,
        args.zone,
    );
    let host = args.host.clone().unwrap_or_else(|| default_host(path));
    let source = args.source.clone().unwrap_or_else(|| host.clone());
    let mut ctx = ParseContext::new(&source, &host, args.zone, reference);
    ctx.reference_from = from;
    ctx.encoding = args.encoding;

    let mut summary = FileSummary {
        format: format.clone(),
        ..FileSummary::default()
    };
    let started = Instant::now();
    let mut outputs: Vec<Output> = Vec::with_capacity(1024);
    let path_str = path.to_string_lossy().into_owned();
    let mut sink = Sink {
        events: args.events,
        stdout,
        dead,
        error: None,
    };
    let mut cuts = std::collections::HashMap::new();
    let bytes = file.lines_from(0, 1, &path_str, |line, cut| {
        summary.lines += 1;
        if let Some(len) = cut {
            cuts.insert(line.offset, len);
        }
        parser.feed(line, &ctx, &mut outputs);
        crate::read::mark_cut(&mut outputs, &mut cuts);
        if outputs.len() >= 1024 {
            sink.drain(&mut outputs, &mut summary);
        }
    })?;
    parser.flush(&ctx, &mut outputs);
    crate::read::mark_cut(&mut outputs, &mut cuts);
    sink.drain(&mut outputs, &mut summary);
    summary.consumed = parser.consumed_lines();
    if let Some(e) = sink.error {
        return Err(e).context("cannot write the output");
    }
    summary.bytes = bytes;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Where outputs go: counted in the summary, events to stdout when asked, rejections to the dead
/// letter. The first write error is kept and reported after the file is read.
struct Sink<'a> {
    events: bool,
    stdout: &'a mut dyn Write,
    dead: Option<&'a mut dyn Write>,
    error: Option<io::Error>,
}

impl Sink<'_> {
    fn drain(&mut self, outputs: &mut Vec<Output>, summary: &mut FileSummary) {
        for o in outputs.drain(..) {
            if let Err(e) = self.record(o, summary)
                && self.error.is_none()
            {
                self.error = Some(e);
            }
        }
    }

    fn record(&mut self, o: Output, summary: &mut FileSummary) -> io::Result<()> {
        match o {
            Ok(e) => {
                summary.events += 1;
                match summary.by_action.get_mut(e.action.as_ref()) {
                    Some(n) => *n += 1,
                    None => {
                        summary.by_action.insert(e.action.to_string(), 1);
                    }
                }
                if self.events {
                    serde_json::to_writer(&mut *self.stdout, &e)?;
                    self.stdout.write_all(b"\n")?;
                }
            }
            Err(r) => {
                *summary.rejected.entry(r.error.class()).or_default() += 1;
                if let Some(d) = self.dead.as_mut() {
                    crate::deadletter::write(&mut **d, None, &r)?;
                }
            }
        }
        Ok(())
    }
}

/// The summary as text for a terminal: one block per file, then a total line.
pub fn render_summary(files: &[(PathBuf, FileSummary)]) -> String {
    let mut s = String::new();
    let (mut lines, mut events, mut rejected, mut bytes, mut secs) = (0u64, 0u64, 0u64, 0u64, 0f64);
    for (path, f) in files {
        let mbps = if f.seconds > 0.0 {
            f.bytes as f64 / 1e6 / f.seconds
        } else {
            0.0
        };
        s.push_str(&format!(
            "{}: {} — {} lines, {} events, {} rejected, {} progress lines ({:.1} MB/s)\n",
            sanitize::terminal(&path.display().to_string()),
            f.format,
            f.lines,
            f.events,
            f.rejected_total(),
            f.consumed,
            mbps
        ));
        let actions: Vec<String> = f
            .by_action
            .iter()
            .map(|(a, n)| format!("{a} {n}"))
            .collect();
        if !actions.is_empty() {
            s.push_str(&format!("  events: {}\n", actions.join(", ")));
        }
        let reasons: Vec<String> = f.rejected.iter().map(|(a, n)| format!("{a} {n}")).collect();
        if !reasons.is_empty() {
            s.push_str(&format!("  rejected: {}\n", reasons.join(", ")));
        }
        lines += f.lines;
        events += f.events;
        rejected += f.rejected_total();
        bytes += f.bytes;
        secs += f.seconds;
    }
    s.push_str(&format!(
        "total: {} files, {lines} lines, {events} events, {rejected} rejected, {:.1} MB in {:.2} s\n",
        files.len(),
        bytes as f64 / 1e6,
        secs
    ));
    s
}
