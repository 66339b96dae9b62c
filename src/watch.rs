//! `vigil watch`: follows the sources' files until stopped, indexing and archiving every line once.
//!
//! One loop, its state explicit: a [`Follower`] per source (file identity, positions, open
//! files), a parser per file identity (multi-line records held until complete), the index writer
//! with the checkpoints, and the evidence archive. Each round polls every follower (woken by a
//! notify event, or by the timer for what notify misses), feeds the lines to the archive and the
//! parsers, indexes the events and dead-letters the rejects. A commit — index, checkpoints and
//! archive state together — follows at most [`Options::commit_every`] after new lines arrive, so
//! they are searchable within about that time. Reads are bounded per round and each round's
//! output is indexed before the next read: under a firehose, memory stays bounded and the
//! commits keep coming.
//!
//! Stopping (the `stop` flag, set on SIGINT or SIGTERM): the round in progress ends, what was
//! read is committed, and `run` returns. After a crash the next run resumes from the last commit:
//! the index and the archive both hold exactly what that commit says.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use vigil_follow::{Follower, Pos};
use vigil_index::{EventWriter, FileCheckpoint, FileId};
use vigil_parsers::formats::Options as FormatOptions;
use vigil_parsers::{Encoding, Output, ParseContext, Parser, RawLine};

use crate::read::LogFile;
use crate::sanitize;

/// A source to follow.
#[derive(Debug, Clone)]
pub struct Watched {
    pub source: String,
    /// Glob patterns (absolute, or relative to the current folder).
    pub patterns: Vec<String>,
    /// Host for lines that name none; `None`: the file name up to its first dot.
    pub host: Option<String>,
    pub zone: Tz,
    pub encoding: Encoding,
    /// A format name, or `auto`.
    pub format: String,
    pub options: FormatOptions,
    /// A `journald` source's journal (its `patterns` are empty).
    pub journal: Option<crate::journal::JournalSpec>,
    /// The configured reference time: kept for every line; without it a line read live is
    /// read against the clock.
    pub reference_time: Option<DateTime<Utc>>,
}

/// How the watcher paces itself.
#[derive(Debug, Clone)]
pub struct Options {
    /// New lines are committed (searchable) at most this long after they are read.
    pub commit_every: Duration,
    /// The files are looked at this often even without a notify event.
    pub poll_every: Duration,
    /// A file unchanged this long has its unterminated last line taken and its held records
    /// flushed; a file renamed away or deleted is closed.
    pub quiet: Duration,
    /// Events indexed between two commits, at most.
    pub max_uncommitted: u64,
    /// The zone whose calendar days seal archive segments.
    pub zone: Tz,
    /// Counters for `--metrics`, updated as the loop goes.
    pub metrics: Option<Arc<crate::metrics::Metrics>>,
    /// The running listeners whose spools are among the sources.
    pub listeners: Vec<crate::listen::Spooled>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            commit_every: Duration::from_secs(1),
            poll_every: Duration::from_secs(1),
            quiet: Duration::from_secs(5),
            max_uncommitted: 250_000,
            zone: chrono_tz::Asia::Shanghai,
            metrics: None,
            listeners: Vec::new(),
        }
    }
}

/// What a watch run did.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub lines: u64,
    pub events: u64,
    pub dead: u64,
    /// Blank lines read: not dead-lettered.
    pub blank: u64,
    pub commits: u64,
    /// Files not read (a format vigil cannot tell), and their lines.
    pub refused_files: u64,
    pub refused_lines: u64,
}

/// A file being parsed: its parser and context, and the lines fed since the last safe position.
struct FileState {
    source: usize,
    parser: Box<dyn Parser>,
    ctx: ParseContext,
    fed: VecDeque<(u64, u64)>,
    /// Lines cut at the line bound whose events are not out yet: offset, whole length.
    cuts: HashMap<u64, u64>,
    last_fed: Instant,
    path: String,
}

/// Runs until `stop` is set: see the module comment. `wake` is signalled on file-system events
/// (and on stop) to cut the wait short.
pub fn run(
    data: &Path,
    sources: &[Watched],
    opts: Options,
    stop: Arc<AtomicBool>,
    wake: Receiver<()>,
) -> Result<Summary> {
    let (index_dir, dead_path) = crate::ingest::data_paths(data)?;
    let spool = crate::spool::Spool::open(data)?;
    // One watch per data directory; a one-shot command (an ingest, a verification) that holds
    // the index when the watch starts is waited for: it ends by itself.
    let lock_path = data.join("watch.lock");
    let watch_lock = crate::read::open_private(&lock_path, false)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    if watch_lock.try_lock().is_err() {
        return Err(anyhow!(
            "{}: the index is watched already: another `vigil watch` runs on this data directory",
            index_dir.display()
        ));
    }
    let mut said = false;
    let mut writer = loop {
        match crate::commit::open_writer(data) {
            Ok(w) => break w,
            Err(vigil_index::Error::Locked { .. }) if !stop.load(Ordering::SeqCst) => {
                if !said {
                    eprintln!(
                        "vigil watch: {}: another command is writing the index; waiting for it to finish",
                        index_dir.display()
                    );
                    said = true;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let mut archive = crate::commit::open_archive(data, writer.as_ref())?;
    let mut ckpts = writer.checkpoints().clone();
    let mut dead = crate::commit::open_dead_letter(&dead_path, writer.as_ref())?;
    let follow_opts = vigil_follow::Options {
        quiet: opts.quiet,
        max_read: 4 << 20,
        max_line: crate::read::MAX_LINE,
    };
    let mut followers: Vec<Follower> = sources
        .iter()
        .map(|s| Follower::new(s.patterns.clone(), follow_opts))
        .collect();
    let mut files: HashMap<u64, FileState> = HashMap::new();
    let mut out: Vec<Output> = Vec::new();
    let mut summary = Summary::default();
    let mut uncommitted = 0u64;
    let mut dirty_since: Option<Instant> = None;
    let mut warned: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    // Files vigil cannot read (a format it cannot tell): warned about once, their lines skipped
    // and counted, their positions never committed (a restart with a fixed config reads them).
    let mut refused: std::collections::HashSet<u64> = std::collections::HashSet::new();
    // Flush requests seen (see crate::spool): answered by the commit after a round that read
    // every source to its end.
    let mut requests: Vec<PathBuf> = Vec::new();
    // Sources read by polling (journals, `.evtx` files): when each was last read (once per poll,
    // not per wake-up).
    let mut polled: Vec<Option<Instant>> = vec![None; sources.len()];
    let mut journal_parser = vigil_parsers::journald::JournaldParser::new();
    // `.evtx` files: their size and time when last read (a file is read again when they change).
    let mut evtx_seen: HashMap<PathBuf, (u64, std::time::SystemTime)> = HashMap::new();
    let status = std::io::stderr().is_terminal();

    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let now = Instant::now();
        let mut more = false;
        let asked = match spool.flush_requests() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("vigil watch: {e:#}");
                Vec::new()
            }
        };
        for r in asked {
            if !requests.contains(&r) {
                requests.push(r);
            }
        }
        // Spooled events are committed at once: their sender waits for them.
        let spooled = spool.has_events().unwrap_or(false);
        for (si, src) in sources.iter().enumerate() {
            if let Some(spec) = &src.journal {
                if !poll_due(
                    &mut polled[si],
                    now,
                    opts.poll_every,
                    !requests.is_empty() || stopping,
                ) {
                    continue;
                }
                let cursor = ckpts.journal(&src.source).map(|j| j.cursor.clone());
                let (entries, m) = match crate::journal::read(spec, cursor.as_deref(), 5_000) {
                    Ok(r) => r,
                    Err(e) => {
                        if warned.insert(PathBuf::from(spec.describe())) {
                            eprintln!(
                                "vigil watch: {}: {}: {e} (will retry)",
                                sanitize::terminal(&src.source),
                                sanitize::terminal(&spec.describe())
                            );
                        }
                        continue;
                    }
                };
                more |= m;
                let ctx = crate::journal::context(&src.source, src.host.as_deref(), src.zone);
                let checkpoint = crate::journal::feed(
                    spec,
                    &src.source,
                    &entries,
                    &mut archive,
                    &mut journal_parser,
                    &ctx,
                    &mut out,
                )?;
                let Some(checkpoint) = checkpoint else {
                    continue;
                };
                summary.lines += entries.len() as u64;
                if let Some(m) = &opts.metrics {
                    m.source(&src.source, entries.len() as u64, &out);
                }
                uncommitted += index(
                    writer.as_mut(),
                    &mut dead,
                    &src.source,
                    &mut out,
                    &mut summary,
                )?;
                ckpts.set_journal(&src.source, checkpoint);
                dirty_since.get_or_insert(now);
                continue;
            }
            if src.format == crate::evtx::FORMAT {
                if !poll_due(
                    &mut polled[si],
                    now,
                    opts.poll_every,
                    !requests.is_empty() || stopping,
                ) {
                    continue;
                }
                let got = evtx_round(
                    src,
                    &mut evtx_seen,
                    &mut ckpts,
                    &mut archive,
                    &mut out,
                    &mut warned,
                )?;
                summary.lines += got;
                if let Some(m) = &opts.metrics {
                    m.source(&src.source, got, &out);
                }
                uncommitted += index(
                    writer.as_mut(),
                    &mut dead,
                    &src.source,
                    &mut out,
                    &mut summary,
                )?;
                if got > 0 {
                    dirty_since.get_or_insert(now);
                }
                continue;
            }
            let lines_before = summary.lines;
            let committed = |id: u64| {
                ckpts.get(FileId(id)).map(|c| {
                    (
                        Pos {
                            offset: c.offset,
                            line: c.line,
                        },
                        c.tail,
                    )
                })
            };
            let mut failure: Option<anyhow::Error> = None;
            let report = followers[si].poll(now, &committed, &mut |line| {
                if failure.is_some() {
                    return;
                }
                if refused.contains(&line.file_id) {
                    summary.refused_lines += 1;
                    return;
                }
                let path = line.path.to_string_lossy();
                let st = match files.entry(line.file_id) {
                    std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        match file_state(si, src, line.path) {
                            Ok(st) => v.insert(st),
                            Err(why) => {
                                eprintln!(
                                    "{}",
                                    crate::ingest::not_read_line(
                                        "vigil watch",
                                        &src.source,
                                        &path,
                                        &why
                                    )
                                );
                                refused.insert(line.file_id);
                                summary.refused_files += 1;
                                summary.refused_lines += 1;
                                return;
                            }
                        }
                    }
                };
                if let Err(e) = archive.append(&src.source, line.file_id, line.offset, line.bytes) {
                    failure = Some(e.into());
                    return;
                }
                if st.path != path {
                    st.path = path.into_owned();
                }
                if st.ctx.reference_from == "clock" {
                    st.ctx.reference = Utc::now();
                }
                st.fed.push_back((line.offset, line.line));
                st.last_fed = now;
                let raw = RawLine {
                    bytes: line.bytes,
                    path: &st.path,
                    file_id: line.file_id,
                    offset: line.offset,
                    line: line.line,
                };
                let first = out.len();
                if let Some(len) = line.cut {
                    st.cuts.insert(line.offset, len);
                }
                st.parser.feed(&raw, &st.ctx, &mut out);
                crate::read::mark_cut(&mut out[first..], &mut st.cuts);
                summary.lines += 1;
            });
            if let Some(e) = failure {
                return Err(e);
            }
            if let Some(m) = &opts.metrics {
                m.source(&src.source, summary.lines - lines_before, &out);
            }
            uncommitted += index(
                writer.as_mut(),
                &mut dead,
                &src.source,
                &mut out,
                &mut summary,
            )?;
            more |= report.more;
            for (path, e) in report.errors {
                if warned.insert(path.clone()) {
                    // A refused file (see vigil_follow) stays refused; other errors may pass.
                    let then = if e.kind() == std::io::ErrorKind::InvalidData {
                        ""
                    } else {
                        " (will retry)"
                    };
                    eprintln!(
                        "vigil watch: {}: {e}{then}",
                        sanitize::terminal(&path.display().to_string())
                    );
                }
            }
        }
        // Records held by a parser of a quiet file are complete as far as anyone can tell.
        let mut got = 0;
        for st in files.values_mut() {
            if st.parser.pending_offset().is_some()
                && (stopping || now.saturating_duration_since(st.last_fed) >= opts.quiet)
            {
                st.parser.flush(&st.ctx, &mut out);
                let source = &sources[st.source].source;
                got += index(writer.as_mut(), &mut dead, source, &mut out, &mut summary)?;
            }
        }
        uncommitted += got;
        // Positions: where each file's reading may resume.
        let mut moved = false;
        for f in &followers {
            for (id, pos, path, tail) in f.positions() {
                if refused.contains(&id) {
                    continue;
                }
                let reached = (pos.offset, pos.line);
                let safe = match files.get_mut(&id) {
                    Some(st) => {
                        // Where a held line cannot be found, the first line not yet safe is.
                        let previous = st.fed.front().copied().unwrap_or(reached);
                        crate::ingest::safe_position(
                            st.parser.as_ref(),
                            &mut st.fed,
                            reached,
                            previous,
                        )
                    }
                    None => reached,
                };
                let old = ckpts.get(FileId(id));
                if old.is_none_or(|c| (c.offset, c.line) != safe) {
                    ckpts.set(
                        FileId(id),
                        FileCheckpoint {
                            path: path.to_string_lossy().into_owned(),
                            offset: safe.0,
                            line: safe.1,
                            size: None,
                            // The follower's hash is of the bytes before where it has read to:
                            // kept when that is where reading resumes (no line held back).
                            tail: tail.filter(|_| safe == reached),
                        },
                    );
                    moved = true;
                }
            }
        }
        if moved || uncommitted > 0 || archive.pending_lines() > 0 {
            dirty_since.get_or_insert(now);
        }
        // A request is answered once every source has been read to its end.
        let answer = !requests.is_empty() && !more;
        let due = dirty_since
            .is_some_and(|t| stopping || now.saturating_duration_since(t) >= opts.commit_every)
            || uncommitted >= opts.max_uncommitted
            || answer
            || spooled;
        if due {
            crate::commit::commit(
                writer.as_mut(),
                &mut archive,
                &mut dead,
                &ckpts,
                opts.zone,
                &spool,
            )?;
            if answer {
                crate::spool::remove_all(&requests)?;
                requests.clear();
            }
            spools_committed(&opts.listeners, sources, &followers, &mut ckpts);
            summary.commits += 1;
            if let Some(m) = &opts.metrics {
                m.last_commit
                    .store(Utc::now().timestamp(), std::sync::atomic::Ordering::Relaxed);
            }
            uncommitted = 0;
            dirty_since = None;
            if status {
                eprint!(
                    "\r\x1b[Kwatch: {} lines, {} events, {} dead-lettered, {} commits",
                    summary.lines, summary.events, summary.dead, summary.commits
                );
            }
        }
        if let Some(m) = &opts.metrics {
            use std::sync::atomic::Ordering::Relaxed;
            m.lines.store(summary.lines, Relaxed);
            m.events.store(summary.events, Relaxed);
            m.dead.store(summary.dead, Relaxed);
            m.commits.store(summary.commits, Relaxed);
            let since = dirty_since.map_or(0, |t| {
                Utc::now().timestamp()
                    - i64::try_from(now.saturating_duration_since(t).as_secs()).unwrap_or(0)
            });
            m.dirty_since.store(since, Relaxed);
        }
        if stopping {
            break;
        }
        if more && !due {
            continue;
        }
        let wait = match dirty_since {
            Some(t) => opts
                .commit_every
                .saturating_sub(now.saturating_duration_since(t))
                .min(opts.poll_every),
            None => opts.poll_every,
        };
        match wake.recv_timeout(wait) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            // Nothing can wake us any more: poll on the timer alone.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
    }
    if status {
        eprint!("\r\x1b[K");
    }
    writer.close_writer()?;
    Ok(summary)
}

/// Whether a source read by polling (a journal, `.evtx` files) is read this round: once per
/// `every`, or at once when `asked` (a flush request, or stopping). Notes the time it is read.
fn poll_due(last: &mut Option<Instant>, now: Instant, every: Duration, asked: bool) -> bool {
    let due = asked || last.is_none_or(|t| now.saturating_duration_since(t) >= every);
    if due {
        *last = Some(now);
    }
    due
}

/// Reads the `.evtx` files of `src` that changed since they were last read: their new records
/// into `out`. Returns the records read.
fn evtx_round(
    src: &Watched,
    seen: &mut HashMap<PathBuf, (u64, std::time::SystemTime)>,
    ckpts: &mut vigil_index::Checkpoints,
    archive: &mut vigil_archive::Archive,
    out: &mut Vec<Output>,
    warned: &mut std::collections::HashSet<PathBuf>,
) -> Result<u64> {
    let mut got = 0;
    let mut paths = Vec::new();
    for p in &src.patterns {
        if let Ok(found) = glob::glob(p) {
            paths.extend(found.flatten().filter(|p| p.is_file()));
        }
    }
    paths.sort();
    paths.dedup();
    for path in paths {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let stamp = (meta.len(), meta.modified().unwrap_or(std::time::UNIX_EPOCH));
        if seen.get(&path) == Some(&stamp) {
            continue;
        }
        let read = crate::evtx::read_file(
            &path,
            &src.source,
            src.host.as_deref(),
            src.zone,
            ckpts,
            &mut |stream, record, json| {
                archive.append(&src.source, stream, record, json)?;
                Ok(())
            },
            out,
        )?;
        match read {
            Ok(r) => {
                got += r.new;
                seen.insert(path, stamp);
            }
            Err(why) => {
                if warned.insert(path.clone()) {
                    eprintln!(
                        "{}",
                        crate::ingest::not_read_line(
                            "vigil watch",
                            &src.source,
                            &path.display().to_string(),
                            &format!("{why} (will retry)")
                        )
                    );
                }
            }
        }
    }
    Ok(got)
}

/// After a commit, for each listener: its spool's backlog for back-pressure, and the spool files
/// committed to their end removed (their checkpoints with them, at the next commit).
fn spools_committed(
    listeners: &[crate::listen::Spooled],
    sources: &[Watched],
    followers: &[Follower],
    ckpts: &mut vigil_index::Checkpoints,
) {
    for l in listeners {
        let Some(si) = sources.iter().position(|s| s.source == l.source) else {
            continue;
        };
        let mut ids: HashMap<PathBuf, u64> = HashMap::new();
        for (id, _, path, _) in followers[si].positions() {
            ids.insert(path.to_path_buf(), id);
        }
        let current = l.current.lock().map(|c| c.clone()).unwrap_or_default();
        let committed = |p: &Path| {
            ids.get(p)
                .and_then(|id| ckpts.get(FileId(*id)))
                .map(|c| c.offset)
        };
        let mut removed = Vec::new();
        match crate::listen::after_commit(&l.dir, &current, &committed, &mut removed) {
            Ok(backlog) => l.stats.backlog.store(backlog, Ordering::Relaxed),
            Err(e) => eprintln!("vigil watch: {}: {e}", l.dir.display()),
        }
        for p in removed {
            if let Some(id) = ids.get(&p) {
                ckpts.remove(FileId(*id));
            }
        }
    }
}

/// The parser and context for a file seen for the first time; `Err(why)`: a file vigil cannot
/// read.
fn file_state(si: usize, src: &Watched, path: &Path) -> Result<FileState, String> {
    let shown = path.display().to_string();
    let file = LogFile::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let reading = crate::ingest::Reading {
        source: &src.source,
        host: src.host.as_deref(),
        zone: src.zone,
        encoding: src.encoding,
        format: &src.format,
        options: &src.options,
        reference_time: src.reference_time,
    };
    let (parser, mut ctx) = reading.parser_for(&file, path, Utc::now())?;
    if src.reference_time.is_none() {
        ctx.reference_from = "clock";
    }
    Ok(FileState {
        source: si,
        parser,
        ctx,
        fed: VecDeque::new(),
        cuts: HashMap::new(),
        last_fed: Instant::now(),
        path: shown,
    })
}

/// Indexes the events in `out` and dead-letters its rejects; returns the events indexed.
fn index(
    writer: &mut dyn EventWriter,
    dead: &mut BufWriter<File>,
    source: &str,
    out: &mut Vec<Output>,
    summary: &mut Summary,
) -> Result<u64> {
    let mut n = 0;
    for o in out.drain(..) {
        match o {
            Ok(e) => {
                writer.add(e)?;
                n += 1;
            }
            // A blank line is nothing to index and nothing wrong.
            Err(r) if r.error.class() == "empty" => summary.blank += 1,
            Err(r) => {
                crate::deadletter::write(&mut *dead, Some(source), &r)
                    .context("cannot write the dead letter")?;
                summary.dead += 1;
            }
        }
    }
    summary.events += n;
    Ok(n)
}

/// The folders to ask notify about: each pattern's folder up to its first glob character.
pub fn watch_dirs(patterns: &[String]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = patterns
        .iter()
        .map(|p| {
            let fixed: PathBuf = Path::new(p)
                .components()
                .take_while(|c| {
                    !c.as_os_str()
                        .to_string_lossy()
                        .contains(['*', '?', '[', '{'])
                })
                .collect();
            if fixed.as_os_str() == p.as_str() {
                fixed.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                fixed
            }
        })
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d
            }
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Runs [`run`] with what a long-running process needs around it: notify events on the patterns'
/// folders to wake it, and SIGINT/SIGTERM to stop it cleanly (a second SIGINT exits at once:
/// every commit is atomic, so the data directory is consistent at any moment).
pub fn serve(
    data: &Path,
    mut sources: Vec<Watched>,
    listeners: &[crate::listen::Listener],
    mut opts: Options,
) -> Result<Summary> {
    use notify::Watcher;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let stop = Arc::new(AtomicBool::new(false));
    // The listeners receive into their spools from the start; their spools are sources.
    let mut running = Vec::new();
    for l in listeners {
        let r = rt.block_on(async { crate::listen::start(l, data) })?;
        eprintln!(
            "vigil: listener {} receives syslog over {} on {}",
            l.name,
            l.protocol.name(),
            r.local
        );
        sources.push(l.watched(data));
        opts.listeners.push(r.spooled(data));
        running.push(r);
    }
    if let Some(m) = &opts.metrics {
        let _ = m.listeners.set(
            opts.listeners
                .iter()
                .map(|l| (l.source.clone(), l.stats.clone()))
                .collect(),
        );
    }
    let (wake_tx, wake_rx) = std::sync::mpsc::sync_channel::<()>(1);
    let notify_tx = wake_tx.clone();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        // Reading a file is an event too (open, access, close): the watcher's own reads must not
        // wake it, or it would never rest.
        if let Ok(ev) = &ev
            && matches!(ev.kind, notify::EventKind::Access(_))
        {
            return;
        }
        // A full channel already holds a wake-up.
        let _ = notify_tx.try_send(());
    })
    .context("cannot start file notifications")?;
    let patterns: Vec<String> = sources.iter().flat_map(|s| s.patterns.clone()).collect();
    for dir in watch_dirs(&patterns) {
        // A folder that does not exist yet is found by the timer's polls.
        let _ = watcher.watch(&dir, notify::RecursiveMode::NonRecursive);
    }
    // Other commands' events and commit requests arrive in the spool.
    let spool = crate::spool::Spool::open(data)?;
    let _ = watcher.watch(spool.dir(), notify::RecursiveMode::NonRecursive);
    let data = data.to_path_buf();
    rt.block_on(async move {
        let signal_stop = stop.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            eprintln!(
                "\nwatch: stopping: committing what was read (press Ctrl-C again to exit at once)"
            );
            // What the listeners received goes into their spools before the last round reads.
            let stopping = async {
                for r in running {
                    r.stop().await;
                }
            };
            tokio::select! {
                _ = stopping => {}
                _ = int.recv() => {
                    eprintln!("watch: stopped at once; the last commit stands");
                    std::process::exit(130);
                }
            }
            signal_stop.store(true, Ordering::SeqCst);
            let _ = wake_tx.try_send(());
            int.recv().await;
            eprintln!("watch: stopped at once; the last commit stands");
            std::process::exit(130);
        });
        let work = tokio::task::spawn_blocking(move || run(&data, &sources, opts, stop, wake_rx));
        let summary = work
            .await
            .map_err(|e| anyhow!("the watch loop failed: {e}"))?;
        drop(watcher);
        summary
    })
}
