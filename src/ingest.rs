//! `vigil ingest`: brings the index up to date with the sources' files.
//!
//! Each file is identified by its fingerprint and read from its checkpoint on: a file read before
//! gives only its new lines. A reader thread parses (one core) while this thread indexes (tantivy
//! indexes on the other). Events and the checkpoints that produced them are committed together
//! (the checkpoints ride in the tantivy commit), every [`COMMIT_EVERY`] events and at the end: a
//! crash anywhere loses nothing and, since an event's id is its file and offset, duplicates
//! nothing. Lines no parser accepts go to `data/deadletter/deadletter.jsonl` with their origin.
//! Every raw line read goes to the evidence archive, committed with the index
//! ([`crate::commit`]).

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use vigil_archive::Archive;
use vigil_index::{Checkpoints, EventWriter, FileCheckpoint, FileId};
use vigil_parsers::formats::{self, Options};
use vigil_parsers::{Encoding, Output, ParseContext, Parser};

use crate::parse_cmd::Unresolved;
use crate::read::LogFile;
use crate::sanitize;

/// Events indexed between two commits (and checkpoint updates): some 100 MB of logs, a few
/// seconds of work lost to a crash. Between commits each indexing thread writes a segment each
/// time its share of the writer's memory fills (some 130 000 events here), so segments start
/// large, and the writer's merges take eight of them straight to their final size (each event
/// is merged once); [`vigil_index::IndexWriter::finish`] merges what is left at the end.
pub const COMMIT_EVERY: u64 = 500_000;

/// Outputs sent from the reader thread in one batch.
const BATCH: usize = 2048;

/// A set of files read alike.
#[derive(Debug, Clone)]
pub struct Input {
    pub source: String,
    /// Host for lines that name none; `None`: the file name up to its first dot.
    pub host: Option<String>,
    pub zone: Tz,
    pub encoding: Encoding,
    /// A format name, or `auto`.
    pub format: String,
    pub options: Options,
    pub files: Vec<PathBuf>,
    /// A `journald` source's journal (its `files` are empty).
    pub journal: Option<crate::journal::JournalSpec>,
    /// The configured reference time ([`crate::reference`]).
    pub reference_time: Option<DateTime<Utc>>,
}

/// The inputs of the configured sources: each source with the files its patterns match now; and
/// the console's own audit log (`data/console/audit.jsonl`, source `vigil`, JSON lines) once
/// `vigil serve` has written one, so that logins, searches and triage are searchable like any
/// other events. (`watch` does not follow it: the next ingest, check or report picks it up.)
pub fn config_inputs(c: &crate::config::Config, data: &Path) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for s in &c.sources {
        let files = s
            .files()
            .map_err(|e| anyhow::anyhow!("{}: {e}", c.path.display()))?;
        inputs.push(Input {
            source: s.name.clone(),
            host: Some(s.host.clone()),
            zone: s.zone,
            encoding: s.encoding,
            format: s.format.clone(),
            options: s.options.clone(),
            files,
            journal: s.journal.clone(),
            reference_time: s.reference_time,
        });
    }
    let audit = data.join("console").join("audit.jsonl");
    if audit.is_file() && !c.sources.iter().any(|s| s.name == CONSOLE_SOURCE) {
        inputs.push(Input {
            source: CONSOLE_SOURCE.to_string(),
            host: None,
            zone: c.display_zone,
            encoding: Encoding::Utf8,
            format: "json".to_string(),
            options: Options::default(),
            files: vec![audit],
            journal: None,
            reference_time: None,
        });
    }
    Ok(inputs)
}

/// The source name of the console's audit log.
pub const CONSOLE_SOURCE: &str = "vigil";

/// A file's parser and the context it reads lines in.
pub(crate) type FileParser = (Box<dyn Parser>, ParseContext);

/// How a source reads its files: what an [`Input`] says apart from which files they are.
pub(crate) struct Reading<'a> {
    pub source: &'a str,
    /// Host for lines that name none; `None`: the file name up to its first dot.
    pub host: Option<&'a str>,
    pub zone: Tz,
    pub encoding: Encoding,
    /// A format name, or `auto`.
    pub format: &'a str,
    pub options: &'a Options,
    /// The configured reference time ([`crate::reference`]).
    pub reference_time: Option<DateTime<Utc>>,
}

impl Reading<'_> {
    /// The parser and parse context for `file` (opened at `path`): its format resolved (sniffed
    /// for `auto`), its host, times read against the file's reference time
    /// ([`crate::reference::for_file`], from `mtime`). `Err(why)`: a file vigil cannot read (a
    /// kind it does not read, a format it cannot tell), a problem of this file alone.
    pub(crate) fn parser_for(
        &self,
        file: &LogFile,
        path: &Path,
        mtime: DateTime<Utc>,
    ) -> Result<FileParser, String> {
        if self.format == crate::listen::FORMAT {
            let mut ctx = ParseContext::new(self.source, self.host.unwrap_or(""), self.zone, mtime);
            ctx.reference_from = "received";
            return Ok((Box::new(crate::listen::ReceivedParser::new()), ctx));
        }
        let format = match crate::parse_cmd::resolve_format(file, self.format, self.options) {
            Ok(f) => f,
            Err(Unresolved::Unsupported(why)) => return Err(why.to_string()),
            Err(Unresolved::Unknown) => {
                return Err(
                    "cannot tell the format from the first lines; name it in the source's `format` (or --format), or leave the file out of its paths".into(),
                );
            }
        };
        let parser = formats::build(&format, self.options).map_err(|e| e.to_string())?;
        let host = self
            .host
            .map_or_else(|| crate::parse_cmd::default_host(path), str::to_string);
        let (reference, from) = crate::reference::for_file(
            &path.to_string_lossy(),
            mtime,
            self.reference_time,
            self.zone,
        );
        let mut ctx = ParseContext::new(self.source, &host, self.zone, reference);
        ctx.reference_from = from;
        ctx.encoding = self.encoding;
        Ok((parser, ctx))
    }
}

/// What one source gave.
#[derive(Debug, Default, Clone)]
pub struct SourceSummary {
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
    pub events: u64,
    pub dead: BTreeMap<&'static str, u64>,
    /// Blank lines (nothing but white space): counted, not dead-lettered.
    pub blank: u64,
    pub consumed: u64,
    /// Files not read, and why: each a problem (the run exits 1).
    pub skipped: Vec<(PathBuf, String)>,
}

/// What an ingest run gave, per source.
#[derive(Debug, Default)]
pub struct Summary {
    pub sources: BTreeMap<String, SourceSummary>,
    pub seconds: f64,
}

impl Summary {
    /// Files that could not be read (each named in `skipped`).
    pub fn problems(&self) -> usize {
        self.sources.values().map(|s| s.skipped.len()).sum()
    }
}

/// A batch of outputs and the position up to which everything before is in them (or in earlier
/// batches): where reading would resume.
struct Batch {
    outputs: Vec<Output>,
    safe: (u64, u64),
}

/// The index directory, the dead letter file, made if missing (readable by the owner only).
pub fn data_paths(data: &Path) -> Result<(PathBuf, PathBuf)> {
    let index = data.join("index");
    let dead = data.join("deadletter");
    for d in [data, &index, &dead] {
        create_private_dir(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    Ok((index, dead.join("deadletter.jsonl")))
}

pub(crate) fn create_private_dir(d: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(d)
}

/// Runs the ingest of `inputs` into the data directory `data`.
pub fn run(data: &Path, inputs: &[Input], zone: Tz) -> Result<Summary> {
    let started = Instant::now();
    let (_, dead_path) = data_paths(data)?;
    let spool = crate::spool::Spool::open(data)?;
    let mut writer = crate::commit::open_writer(data)?;
    // Requests to commit made before this run: answered by its last commit.
    let requests = spool.flush_requests()?;
    let archive = Mutex::new(crate::commit::open_archive(data, writer.as_ref())?);
    let mut ckpts = writer.checkpoints().clone();
    let mut dead = crate::commit::open_dead_letter(&dead_path, writer.as_ref())?;
    let progress = std::io::stderr().is_terminal();
    let mut summary = Summary::default();
    let mut uncommitted = 0u64;
    {
        let mut sink = Sink {
            writer: writer.as_mut(),
            archive: &archive,
            ckpts: &mut ckpts,
            dead: &mut dead,
            zone,
            spool: &spool,
        };
        for input in inputs {
            let s = summary.sources.entry(input.source.clone()).or_default();
            for path in &input.files {
                match ingest_file(input, path, &mut sink, s, &mut uncommitted, progress)? {
                    Some(why) => {
                        if progress {
                            eprint!("\r\x1b[K");
                        }
                        not_read(s, &input.source, path.clone(), why);
                    }
                    None => s.files += 1,
                }
            }
            if let Some(spec) = &input.journal
                && let Some(why) = ingest_journal(input, spec, &mut sink, s, &mut uncommitted)?
            {
                not_read(s, &input.source, PathBuf::from(spec.describe()), why);
            }
        }
    }
    let mut archive = archive
        .into_inner()
        .map_err(|_| anyhow!("the archive was left inconsistent by a failed reader"))?;
    crate::commit::commit(
        writer.as_mut(),
        &mut archive,
        &mut dead,
        &ckpts,
        zone,
        &spool,
    )?;
    crate::spool::remove_all(&requests)?;
    if progress {
        eprint!("\r\x1b[Kingest: merging the last segments");
    }
    writer.finish_run()?;
    if progress {
        eprint!("\r\x1b[K");
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Names a file (or journal) of `source` that could not be read, on stderr and in the summary.
fn not_read(s: &mut SourceSummary, source: &str, what: PathBuf, why: String) {
    eprintln!(
        "{}",
        not_read_line("vigil", source, &what.display().to_string(), &why)
    );
    s.skipped.push((what, why));
}

/// The one warning line for what `source` could not read (shared by ingest and watch).
pub(crate) fn not_read_line(command: &str, source: &str, what: &str, why: &str) -> String {
    format!(
        "{command}: {}: {}: not read: {}",
        sanitize::terminal(source),
        sanitize::terminal(what),
        sanitize::terminal(why)
    )
}

/// Where a file's outputs go: the index, the archive, the checkpoints, the dead letter.
struct Sink<'a> {
    writer: &'a mut dyn EventWriter,
    /// Shared with the reader thread, which archives each raw line as it reads it.
    archive: &'a Mutex<Archive>,
    ckpts: &'a mut Checkpoints,
    dead: &'a mut BufWriter<File>,
    zone: Tz,
    spool: &'a crate::spool::Spool,
}

impl Sink<'_> {
    /// Indexes the events of `outputs` (`fresh`: of a file never read, see
    /// [`vigil_index::IndexWriter::add_fresh`]) and dead-letters its rejects, counting both in `s`.
    fn index(
        &mut self,
        outputs: impl IntoIterator<Item = Output>,
        source: &str,
        fresh: bool,
        s: &mut SourceSummary,
        uncommitted: &mut u64,
    ) -> Result<()> {
        for o in outputs {
            match o {
                Ok(e) => {
                    if fresh {
                        self.writer.add_fresh(e)?;
                    } else {
                        self.writer.add(e)?;
                    }
                    s.events += 1;
                    *uncommitted += 1;
                }
                Err(r) if r.error.class() == "empty" => s.blank += 1,
                Err(r) => {
                    *s.dead.entry(r.error.class()).or_default() += 1;
                    crate::deadletter::write(&mut *self.dead, Some(source), &r)
                        .context("cannot write the dead letter")?;
                }
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let mut archive = self
            .archive
            .lock()
            .map_err(|_| anyhow!("the archive was left inconsistent by a failed reader"))?;
        crate::commit::commit(
            self.writer,
            &mut archive,
            self.dead,
            self.ckpts,
            self.zone,
            self.spool,
        )
    }
}

fn ingest_file(
    input: &Input,
    path: &Path,
    sink: &mut Sink<'_>,
    s: &mut SourceSummary,
    uncommitted: &mut u64,
    progress: bool,
) -> Result<Option<String>> {
    let shown = path.display().to_string();
    // What cannot be read is a problem of this file alone: named, and the others read on.
    let meta = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Ok(Some("a directory, not a log file".into())),
        Ok(m) if !m.is_file() => {
            return Ok(Some(
                "not a regular file (a FIFO, socket or device is not read)".into(),
            ));
        }
        Ok(m) => m,
        Err(e) => return Ok(Some(format!("cannot read: {e}"))),
    };
    let file = match LogFile::open(path) {
        Ok(f) => f,
        Err(e) => return Ok(Some(format!("cannot read: {e}"))),
    };
    if input.format == crate::evtx::FORMAT
        || (input.format == "auto" && crate::evtx::is_evtx(file.head()))
    {
        return ingest_evtx(input, path, &meta, sink, s, uncommitted);
    }
    let id = FileId(file.file_id);
    let (start, start_line) = sink.ckpts.get(id).map_or((0, 1), |c| (c.offset, c.line));
    // A file no checkpoint knows has never been read: none of its events is in the index, and
    // reading it once makes each event once. Its events skip the lookup of their id in the
    // committed segments; a file read before may give again events a commit already holds (a
    // multi-line event held past the checkpoint), so its events replace any of the same id.
    let fresh = sink.ckpts.get(id).is_none();
    if !file.is_gzip() && meta.len() < start {
        return Ok(Some(format!(
            "shrank to {} bytes since it was read up to byte {start}: not read again (its events stay in the index)",
            meta.len()
        )));
    }
    // The bytes before each position, to tell this file from another that starts with the same
    // line (a gzip file's offsets are of its decompressed content: not checked).
    let plain = if file.is_gzip() {
        None
    } else {
        match File::open(path) {
            Ok(f) => Some(f),
            Err(e) => return Ok(Some(format!("cannot read: {e}"))),
        }
    };
    let tail = |offset: u64| -> Result<Option<u64>> {
        plain
            .as_ref()
            .map_or(Ok(None), |f| vigil_follow::tail_at(f, offset))
            .with_context(|| format!("{shown}: cannot read"))
    };
    if let Some(c) = sink.ckpts.get(id)
        && let Some(want) = c.tail
        && let Some(have) = tail(start)?
        && have != want
    {
        // Reading on would give this file's lines the ids of the other's events (the same
        // identity, the same offsets) and replace them in the index.
        return Ok(Some(format!(
            "starts with the same line as {}, which was read up to byte {start}, but its bytes before there differ: vigil tells files apart by their first line, so reading this one on would replace the other's events; not read (ingest it into another data directory, or give it a first line of its own)",
            sanitize::terminal(&c.path)
        )));
    }
    let reference = DateTime::<Utc>::from(meta.modified().unwrap_or(SystemTime::now()));
    let reading = Reading {
        source: &input.source,
        host: input.host.as_deref(),
        zone: input.zone,
        encoding: input.encoding,
        format: &input.format,
        options: &input.options,
        reference_time: input.reference_time,
    };
    let (mut parser, ctx) = match reading.parser_for(&file, path, reference) {
        Ok(p) => p,
        Err(why) => return Ok(Some(why)),
    };

    let (tx, rx) = mpsc::sync_channel::<Batch>(8);
    let path_str = path.to_string_lossy().into_owned();
    let source_name = input.source.clone();
    let archive = sink.archive;
    let archive_source = input.source.as_str();
    std::thread::scope(|scope| -> Result<Option<String>> {
        let reader = scope.spawn(move || -> ReadResult {
            // The evidence archive takes every raw line as it is read (a line read again after a
            // restart is archived once: the archive knows how far each file went).
            let mut archived: std::io::Result<()> = Ok(());
            let mut out: Vec<Output> = Vec::with_capacity(BATCH);
            // Lines fed since the last safe position: to find the line number of a held offset.
            let mut fed: VecDeque<(u64, u64)> = VecDeque::new();
            let mut safe = (start, start_line);
            let mut lines = 0u64;
            let mut last_line = start_line.saturating_sub(1);
            // Lines cut at MAX_LINE whose events are not out yet.
            let mut cuts: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
            let end = file
                .lines_from(start, start_line, &path_str, |line, cut| {
                    if let Some(len) = cut {
                        cuts.insert(line.offset, len);
                    }
                    // Every line before this one has been fed: this line is where reading resumes,
                    // unless the parser still holds an earlier one.
                    if out.len() >= BATCH {
                        safe = safe_position(
                            parser.as_ref(),
                            &mut fed,
                            (line.offset, line.line),
                            safe,
                        );
                        let batch = std::mem::replace(&mut out, Vec::with_capacity(BATCH));
                        // A closed channel means the indexing side failed; it reports why.
                        let _ = tx.send(Batch {
                            outputs: batch,
                            safe,
                        });
                    }
                    lines += 1;
                    last_line = line.line;
                    if archived.is_ok() {
                        archived = match archive.lock() {
                            Ok(mut a) => a
                                .append(archive_source, line.file_id, line.offset, line.bytes)
                                .map(|_| ())
                                .map_err(std::io::Error::other),
                            Err(_) => Err(std::io::Error::other("the archive lock is poisoned")),
                        };
                    }
                    fed.push_back((line.offset, line.line));
                    parser.feed(line, &ctx, &mut out);
                    crate::read::mark_cut(&mut out, &mut cuts);
                })
                .map_err(ReadFailure::File)?;
            archived.map_err(ReadFailure::Archive)?;
            parser.flush(&ctx, &mut out);
            crate::read::mark_cut(&mut out, &mut cuts);
            let _ = tx.send(Batch {
                outputs: out,
                safe: (end, last_line + 1),
            });
            Ok((lines, end - start, parser.consumed_lines()))
        });
        let mut last_progress = Instant::now();
        for batch in rx {
            sink.index(batch.outputs, &source_name, fresh, s, uncommitted)?;
            sink.ckpts.set(
                id,
                FileCheckpoint {
                    path: path.to_string_lossy().into_owned(),
                    offset: batch.safe.0,
                    line: batch.safe.1,
                    size: Some(meta.len()),
                    tail: tail(batch.safe.0)?,
                },
            );
            if *uncommitted >= COMMIT_EVERY {
                sink.commit()?;
                *uncommitted = 0;
            }
            if progress && last_progress.elapsed().as_millis() >= 200 {
                last_progress = Instant::now();
                eprint!(
                    "\r\x1b[Kingest: {}: {} — {} events",
                    sanitize::terminal(&source_name),
                    sanitize::terminal(&shown),
                    s.events
                );
            }
        }
        let (lines, bytes, consumed) = match reader
            .join()
            .map_err(|_| anyhow!("{shown}: the reader thread failed"))?
        {
            Ok(r) => r,
            // What was read before stays, committed with its checkpoint; the rest of the file
            // is read by the next run.
            Err(ReadFailure::File(e)) => return Ok(Some(format!("cannot read on: {e}"))),
            Err(ReadFailure::Archive(e)) => {
                return Err(e).with_context(|| format!("{shown}: cannot archive its lines"));
            }
        };
        s.lines += lines;
        s.bytes += bytes;
        s.consumed += consumed;
        Ok(None)
    })
}

/// Reads the new records of a Windows `.evtx` file (see [`crate::evtx`]).
fn ingest_evtx(
    input: &Input,
    path: &Path,
    meta: &std::fs::Metadata,
    sink: &mut Sink<'_>,
    s: &mut SourceSummary,
    uncommitted: &mut u64,
) -> Result<Option<String>> {
    let mut out = Vec::new();
    let archive = sink.archive;
    let read = crate::evtx::read_file(
        path,
        &input.source,
        input.host.as_deref(),
        input.zone,
        sink.ckpts,
        &mut |stream, record, json| {
            let mut a = archive
                .lock()
                .map_err(|_| anyhow!("the archive lock is poisoned"))?;
            a.append(&input.source, stream, record, json)
                .with_context(|| format!("{}: cannot archive its records", path.display()))?;
            Ok(())
        },
        &mut out,
    )?;
    let read = match read {
        Ok(r) => r,
        Err(why) => return Ok(Some(why)),
    };
    sink.index(out, &input.source, false, s, uncommitted)?;
    s.lines += read.new;
    if read.new > 0 {
        s.bytes += meta.len();
    }
    if *uncommitted >= COMMIT_EVERY {
        sink.commit()?;
        *uncommitted = 0;
    }
    Ok(None)
}

/// Entries read from the journal in one batch (one journalctl run).
const JOURNAL_BATCH: usize = 20_000;

/// Reads a journal source from its cursor to the journal's end, in batches: each entry archived,
/// parsed and indexed, the cursor of the last one set in the checkpoints that commit with it.
/// `Ok(Some(why))`: the journal could not be read (a problem of this source).
fn ingest_journal(
    input: &Input,
    spec: &crate::journal::JournalSpec,
    sink: &mut Sink<'_>,
    s: &mut SourceSummary,
    uncommitted: &mut u64,
) -> Result<Option<String>> {
    let mut parser = match formats::build("journald", &input.options) {
        Ok(p) => p,
        Err(e) => return Ok(Some(e.to_string())),
    };
    let ctx = crate::journal::context(&input.source, input.host.as_deref(), input.zone);
    let mut cursor = sink.ckpts.journal(&input.source).map(|j| j.cursor.clone());
    let mut out: Vec<Output> = Vec::new();
    s.files += 1;
    loop {
        let (entries, more) = match crate::journal::read(spec, cursor.as_deref(), JOURNAL_BATCH) {
            Ok(r) => r,
            Err(e) => return Ok(Some(e.to_string())),
        };
        let checkpoint = {
            let mut archive = sink
                .archive
                .lock()
                .map_err(|_| anyhow!("the archive was left inconsistent by a failed reader"))?;
            crate::journal::feed(
                spec,
                &input.source,
                &entries,
                &mut archive,
                parser.as_mut(),
                &ctx,
                &mut out,
            )?
        };
        let Some(checkpoint) = checkpoint else { break };
        s.lines += entries.len() as u64;
        s.bytes += entries.iter().map(|e| e.line.len() as u64 + 1).sum::<u64>();
        // An entry read again (a crash before the commit) replaces its event.
        sink.index(out.drain(..), &input.source, false, s, uncommitted)?;
        cursor = Some(checkpoint.cursor.clone());
        sink.ckpts.set_journal(&input.source, checkpoint);
        if *uncommitted >= COMMIT_EVERY {
            sink.commit()?;
            *uncommitted = 0;
        }
        if !more {
            break;
        }
    }
    Ok(None)
}

/// What a file's reader thread gives: lines, bytes and progress lines read.
type ReadResult = std::result::Result<(u64, u64, u64), ReadFailure>;

/// Why a file's reader thread stopped early.
enum ReadFailure {
    /// The file could not be read on: a problem of this file.
    File(std::io::Error),
    /// The evidence archive could not be written: the run cannot go on.
    Archive(std::io::Error),
}

/// Where reading may resume after the lines fed so far: the first line the parser still holds,
/// or the next line. When the held line's number is not known any more, the previous safe
/// position stands (reading again from there re-reads lines whose events keep their ids).
pub(crate) fn safe_position(
    parser: &dyn Parser,
    fed: &mut VecDeque<(u64, u64)>,
    next: (u64, u64),
    previous: (u64, u64),
) -> (u64, u64) {
    let safe = match parser.pending_offset() {
        None => next,
        Some(p) => match fed.iter().find(|(o, _)| *o == p) {
            Some(&(o, l)) => (o, l),
            None => previous,
        },
    };
    while fed.front().is_some_and(|(o, _)| *o < safe.0) {
        fed.pop_front();
    }
    safe
}

/// The summary as text: a line per source, the dead letter by reason, skipped files, a total.
pub fn render(summary: &Summary) -> String {
    let mut s = String::new();
    let (mut lines, mut events, mut dead, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    for (name, src) in &summary.sources {
        let d: u64 = src.dead.values().sum();
        s.push_str(&format!(
            "{}: {} files, {} new lines, {} new events, {} dead-lettered, {} progress lines\n",
            sanitize::terminal(name),
            src.files,
            src.lines,
            src.events,
            d,
            src.consumed
        ));
        if src.blank > 0 {
            s.push_str(&format!(
                "  blank lines: {} (counted, not dead-lettered)\n",
                src.blank
            ));
        }
        if !src.dead.is_empty() {
            let r: Vec<String> = src.dead.iter().map(|(k, v)| format!("{k} {v}")).collect();
            s.push_str(&format!("  dead letter: {}\n", r.join(", ")));
        }
        for (p, why) in &src.skipped {
            s.push_str(&format!(
                "  not read {}: {}\n",
                sanitize::terminal(&p.display().to_string()),
                sanitize::terminal(why)
            ));
        }
        lines += src.lines;
        events += src.events;
        dead += d;
        bytes += src.bytes;
    }
    let mbps = if summary.seconds > 0.0 {
        bytes as f64 / 1e6 / summary.seconds
    } else {
        0.0
    };
    s.push_str(&format!(
        "total: {lines} new lines, {events} new events, {dead} dead-lettered, {:.1} MB in {:.2} s ({mbps:.1} MB/s)\n",
        bytes as f64 / 1e6,
        summary.seconds
    ));
    let problems = summary.problems();
    if problems > 0 {
        s.push_str(&format!(
            "problems: {problems} file{} not read (named above); the rest is indexed\n",
            if problems == 1 { "" } else { "s" }
        ));
    }
    s
}

/// How a command that reads the index brought it up to date first.
#[derive(Debug)]
pub enum Freshness {
    /// It ingested the sources itself (no other writer ran).
    Ingested(Summary),
    /// The running writer (`vigil watch`) read its sources to their end and committed.
    ByWriter,
    /// The running writer did not answer in time: the index is as of its last commit.
    Stale(std::time::Duration),
}

impl Freshness {
    /// Files that could not be read (named on stderr as they were met).
    pub fn problems(&self) -> usize {
        match self {
            Freshness::Ingested(s) => s.problems(),
            _ => 0,
        }
    }
}

/// Brings the index up to date with the configured sources before a command reads it: ingests
/// them, or, while another writer holds the index, asks it to commit what its sources hold and
/// waits at most `wait` ([`crate::spool::flush`]).
pub fn bring_up_to_date(
    config: &crate::config::Config,
    data: &Path,
    wait: std::time::Duration,
) -> Result<Freshness> {
    let inputs = config_inputs(config, data)?;
    // The writer may go away while we ask it: then this process ingests. Bounded all the same.
    for _ in 0..3 {
        match run(data, &inputs, config.display_zone) {
            Ok(s) => return Ok(Freshness::Ingested(s)),
            Err(e) if crate::spool::is_locked(&e) => match crate::spool::flush(data, wait)? {
                crate::spool::Flushed::ByWriter => return Ok(Freshness::ByWriter),
                crate::spool::Flushed::TimedOut => return Ok(Freshness::Stale(wait)),
                crate::spool::Flushed::Free => continue,
            },
            Err(e) => return Err(e),
        }
    }
    Ok(Freshness::Stale(wait))
}

/// One line on stderr saying how `command` found the index, when it is worth saying.
pub fn say_freshness(command: &str, f: &Freshness) {
    match f {
        Freshness::Ingested(s) => {
            let total = |f: fn(&SourceSummary) -> u64| -> u64 { s.sources.values().map(f).sum() };
            eprintln!(
                "{command}: index brought up to date: {} new lines, {} new events, {} dead-lettered{}",
                total(|s| s.lines),
                total(|s| s.events),
                total(|s| s.dead.values().sum()),
                match s.problems() {
                    0 => String::new(),
                    n => format!("; {n} files not read (named above)"),
                }
            );
        }
        Freshness::ByWriter => {
            eprintln!("{command}: the running `vigil watch` committed what its sources hold");
        }
        Freshness::Stale(wait) => eprintln!(
            "{command}: warning: the index's writer (`vigil watch` or an ingest) did not answer within {} s: judging the index as of its last commit",
            wait.as_secs()
        ),
    }
}
