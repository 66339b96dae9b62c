//! Following log files through rotation, truncation, compression and restarts, giving every line
//! once with where it came from.
//!
//! A [`Follower`] watches a set of glob patterns. Each [`Follower::poll`] looks at what the
//! patterns match now and reads what is new in every file; the caller decides when to poll (on a
//! notify event, and on a timer for what notify misses). The state is explicit, in the manner of
//! Vector's file source:
//!
//! - **Identity** is a fingerprint of the file's first line ([`fingerprint`]), not its path or
//!   inode: a file renamed by rotation, copied by copytruncate or compressed to `.gz` keeps its
//!   identity, and is not read twice. A file grows without changing identity, however small it
//!   starts: a one-line status file is a file.
//! - **Positions** are per identity: the next byte and line number to read. A file seen for the
//!   first time in this run resumes from the caller's committed position for its identity
//!   (`committed` in [`Follower::poll`]), so a restart neither loses nor repeats a line; within a
//!   run the follower's own positions are used, so the copy copytruncate leaves behind gives only
//!   what was not read yet from the original.
//! - **Open files** are kept open by inode: a file renamed away or deleted is drained through its
//!   open handle, then closed once it has been quiet for [`Options::quiet`].
//! - **Partial lines** wait for their newline; a last line without one is taken once the file has
//!   been quiet for [`Options::quiet`].
//! - **Truncation** (the size drops below the position, or the first line changes) starts the file
//!   over as new content.
//! - **Twins**: a file that starts with the same line as another shares its identity. Each position
//!   carries a hash of the bytes before it ([`tail_hash`]); a file seen for the first time whose
//!   bytes there differ is not the file the position belongs to, and is refused (reported once in
//!   [`Report::errors`], as `InvalidData`, and not read) rather than read on from the other's
//!   position. The same file rewritten in place starts over.
//!
//! Reads are bounded per poll ([`Options::max_read`]), so a caller under a firehose commits
//! between polls and memory stays bounded.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How many bytes of the first line identify a file, at most.
pub const FINGERPRINT_MAX: usize = 1024;

/// A file's identity: FNV-1a 64 of its first line (with its newline), or of its first
/// [`FINGERPRINT_MAX`] bytes if the first line is longer. `None` while the first line is not
/// complete and shorter than that: the file cannot be told apart from another yet.
pub fn fingerprint(head: &[u8]) -> Option<u64> {
    let end = match memchr_nl(head) {
        Some(i) if i < FINGERPRINT_MAX => i + 1,
        _ if head.len() >= FINGERPRINT_MAX => FINGERPRINT_MAX,
        _ => return None,
    };
    Some(fnv(&head[..end]))
}

/// The fingerprint of whatever `head` holds: for a file whose only line never ends.
pub fn fingerprint_partial(head: &[u8]) -> u64 {
    fnv(&head[..head.len().min(FINGERPRINT_MAX)])
}

/// How many bytes before a position [`tail_hash`] covers.
pub const TAIL_BYTES: usize = 64;

/// A hash of the (up to [`TAIL_BYTES`]) bytes that end at a position, taken when the position is
/// committed: a file that starts with the same line as another (and so shares its identity) but
/// does not hold these bytes there is not the file the position belongs to.
pub fn tail_hash(before: &[u8]) -> u64 {
    fnv(&before[before.len().saturating_sub(TAIL_BYTES)..])
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Where reading a file resumes: the next byte, and the 1-based number of the line there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub offset: u64,
    pub line: u64,
}

impl Pos {
    pub const START: Pos = Pos { offset: 0, line: 1 };
}

/// One line read.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub file_id: u64,
    /// The path the file had when the line was read.
    pub path: &'a Path,
    /// Byte offset of the line's first byte (in the decompressed content, for gzip).
    pub offset: u64,
    /// 1-based line number.
    pub line: u64,
    /// The line without its `\n` (and `\r`).
    pub bytes: &'a [u8],
    /// Whether it ended with a newline (a last line taken after the quiet period did not).
    pub complete: bool,
    /// The line's whole length when it was longer than [`Options::max_line`]: `bytes` holds its
    /// first `max_line` bytes, the rest was read past.
    pub cut: Option<u64>,
}

/// How a follower reads.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long a file must stay unchanged before its unterminated last line is taken, and before
    /// a file renamed away or deleted is closed.
    pub quiet: Duration,
    /// Bytes read from one file in one poll, at most.
    pub max_read: u64,
    /// Bytes of a line kept, at most: a longer line is given cut (see [`Line::cut`]), and its
    /// rest is never held, however long it is without a newline.
    pub max_line: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            quiet: Duration::from_secs(5),
            max_read: 4 << 20,
            max_line: 1 << 20,
        }
    }
}

/// What one poll did.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: u64,
    pub bytes: u64,
    /// Some file has more to read than [`Options::max_read`] allowed: poll again soon.
    pub more: bool,
    /// Files that could not be read, and why (the poll went on with the others).
    pub errors: Vec<(PathBuf, io::Error)>,
}

/// A file the follower has open.
struct Tracked {
    file: File,
    path: PathBuf,
    gz: bool,
    /// Its identity, once its first line is known.
    id: Option<u64>,
    /// The next byte to read and its line number (valid once `id` is known).
    pos: Pos,
    /// Bytes read past `pos` that do not end in a newline yet (at most `max_line` of them).
    partial: Vec<u8>,
    /// Bytes of that unfinished line read past and not kept, after `partial`.
    skipped: u64,
    /// The size and modification time seen last, and when they last changed.
    size: u64,
    mtime: Option<SystemTime>,
    changed_at: Instant,
    /// Whether the patterns still match it (by inode) at its path.
    present: bool,
    /// Its identity was dropped because it was truncated or rewritten (not a first sight).
    rewritten: bool,
    /// Another file's twin (see the module comment): not read.
    refused: bool,
}

/// A position reached in this run: where, under which path, and the [`tail_hash`] before it.
#[derive(Debug, Clone)]
struct Reached {
    pos: Pos,
    path: PathBuf,
    tail: Option<u64>,
}

/// Follows the files a set of glob patterns match. See the module comment.
pub struct Follower {
    patterns: Vec<String>,
    opts: Options,
    files: HashMap<(u64, u64), Tracked>,
    /// Positions reached in this run, by identity.
    reached: HashMap<u64, Reached>,
    buf: Vec<u8>,
}

impl Follower {
    pub fn new(patterns: Vec<String>, opts: Options) -> Follower {
        Follower {
            patterns,
            opts,
            files: HashMap::new(),
            reached: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// The positions reached in this run, by identity, with the path each file had then and the
    /// [`tail_hash`] of the bytes before the position (`None` for gzip files).
    pub fn positions(&self) -> impl Iterator<Item = (u64, Pos, &Path, Option<u64>)> {
        self.reached
            .iter()
            .map(|(id, r)| (*id, r.pos, r.path.as_path(), r.tail))
    }

    /// Files currently open.
    pub fn open_files(&self) -> usize {
        self.files.len()
    }

    /// Looks at what the patterns match now and gives every new complete line to `sink`, in file
    /// order within each file. `committed` gives the position to resume a file from when its
    /// identity is first seen in this run (the last committed checkpoint) with the tail hash
    /// committed with it, `None` for new files.
    /// `now` is the caller's clock (for the quiet period).
    pub fn poll(
        &mut self,
        now: Instant,
        committed: &dyn Fn(u64) -> Option<(Pos, Option<u64>)>,
        sink: &mut dyn FnMut(Line<'_>),
    ) -> Report {
        let mut report = Report::default();
        for t in self.files.values_mut() {
            t.present = false;
        }
        for path in self.matches(&mut report) {
            let meta = match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => m,
                Ok(_) => continue,
                // Gone between the glob and the stat: the next poll sees what replaced it.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    report.errors.push((path, e));
                    continue;
                }
            };
            let key = (meta.dev(), meta.ino());
            if let Some(t) = self.files.get_mut(&key) {
                t.present = true;
                t.path = path;
                continue;
            }
            match open(&path, &meta, now) {
                Ok(t) => {
                    self.files.insert(key, t);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => report.errors.push((path, e)),
            }
        }

        let mut keys: Vec<(u64, u64)> = self.files.keys().copied().collect();
        // Oldest first (by modification time): a rotated file's tail before its successor.
        keys.sort_by_key(|k| self.files.get(k).and_then(|t| t.mtime));
        let mut closed = Vec::new();
        for key in keys {
            let Some(t) = self.files.get_mut(&key) else {
                continue;
            };
            let res = if t.gz {
                read_gz(t, &mut self.reached, committed, sink, &mut report)
            } else {
                read_plain(
                    t,
                    &self.opts,
                    now,
                    &mut self.reached,
                    committed,
                    &mut self.buf,
                    sink,
                    &mut report,
                )
            };
            if let Err(e) = res {
                report.errors.push((t.path.clone(), e));
            }
            let quiet = now.saturating_duration_since(t.changed_at) >= self.opts.quiet;
            let drained =
                t.gz || (t.id.is_some() && t.partial.is_empty() && t.pos.offset >= t.size);
            if !t.present && quiet && drained {
                closed.push(key);
            }
        }
        for key in closed {
            self.files.remove(&key);
        }
        report
    }

    fn matches(&self, report: &mut Report) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for p in &self.patterns {
            match glob::glob(p) {
                Ok(paths) => {
                    for entry in paths {
                        match entry {
                            Ok(path) => out.push(path),
                            Err(e) => {
                                let path = e.path().to_path_buf();
                                report.errors.push((path, e.into()));
                            }
                        }
                    }
                }
                Err(e) => report.errors.push((
                    PathBuf::from(p),
                    io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
                )),
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn open(path: &Path, meta: &Metadata, now: Instant) -> io::Result<Tracked> {
    let file = File::open(path)?;
    let mut magic = [0u8; 2];
    let named = path.extension().is_some_and(|e| e == "gz");
    let gz = named || (file.read_at(&mut magic, 0)? == 2 && magic == GZIP_MAGIC);
    Ok(Tracked {
        file,
        path: path.to_path_buf(),
        gz,
        id: None,
        pos: Pos::START,
        partial: Vec::new(),
        skipped: 0,
        // Unknown until the first read: a size of u64::MAX is never "unchanged".
        size: u64::MAX,
        mtime: meta.modified().ok(),
        changed_at: now,
        present: true,
        rewritten: false,
        refused: false,
    })
}

/// Where a file of identity `id` resumes: this run's position, else the committed one; with the
/// tail hash of the bytes before it, when known.
fn resume(
    reached: &HashMap<u64, Reached>,
    committed: &dyn Fn(u64) -> Option<(Pos, Option<u64>)>,
    id: u64,
) -> (Pos, Option<u64>) {
    reached
        .get(&id)
        .map(|r| (r.pos, r.tail))
        .or_else(|| committed(id))
        .unwrap_or((Pos::START, None))
}

/// The [`tail_hash`] of the bytes of `file` before `offset`, read in place; `None` when it ends
/// before that.
pub fn tail_at(file: &File, offset: u64) -> io::Result<Option<u64>> {
    let start = offset.saturating_sub(TAIL_BYTES as u64);
    let mut buf = [0u8; TAIL_BYTES];
    let want = &mut buf[..(offset - start) as usize];
    let got = read_full_at(file, want, start)?;
    Ok((got == want.len()).then(|| tail_hash(want)))
}

#[allow(clippy::too_many_arguments)]
fn read_plain(
    t: &mut Tracked,
    opts: &Options,
    now: Instant,
    reached: &mut HashMap<u64, Reached>,
    committed: &dyn Fn(u64) -> Option<(Pos, Option<u64>)>,
    buf: &mut Vec<u8>,
    sink: &mut dyn FnMut(Line<'_>),
    report: &mut Report,
) -> io::Result<()> {
    if t.refused {
        return Ok(());
    }
    let meta = t.file.metadata()?;
    let size = meta.len();
    let mtime = meta.modified().ok();
    if size != t.size || mtime != t.mtime {
        t.changed_at = now;
    }
    let quiet = now.saturating_duration_since(t.changed_at) >= opts.quiet;
    t.size = size;
    t.mtime = mtime;

    // The first line decides the identity; it must still be there.
    let mut head = [0u8; FINGERPRINT_MAX];
    let n = read_full_at(&t.file, &mut head, 0)?;
    let head = &head[..n];
    if t.id.is_none() && head.starts_with(&GZIP_MAGIC) {
        // Opened before its first bytes were written (a compressor's output): it is gzip.
        t.gz = true;
        return Ok(());
    }
    let id_now = fingerprint(head).or_else(|| (quiet && n > 0).then(|| fingerprint_partial(head)));
    if let Some(id) = t.id {
        let end = t.pos.offset + t.partial.len() as u64 + t.skipped;
        if size < end || id_now.is_some_and(|now_id| now_id != id) {
            // Truncated (and perhaps written again): new content from the start.
            t.id = None;
            t.partial.clear();
            t.skipped = 0;
            t.rewritten = true;
        }
    }
    if t.id.is_none() {
        let Some(id) = id_now else {
            return Ok(()); // the first line is not complete yet
        };
        t.id = Some(id);
        let (pos, tail) = resume(reached, committed, id);
        t.pos = pos;
        t.partial.clear();
        t.skipped = 0;
        if t.pos.offset > size {
            // Known content, but shorter than where it was left: it was rewritten.
            t.pos = Pos::START;
        } else if let Some(want) = tail
            && t.pos.offset > 0
            && tail_at(&t.file, t.pos.offset)? != Some(want)
        {
            if t.rewritten {
                // This file, written again past where it was left: new content.
                t.pos = Pos::START;
            } else {
                // Another file's position: reading on would lose this one's first lines and
                // give its lines the other's ids.
                t.refused = true;
                let other = reached
                    .get(&id)
                    .map_or_else(String::new, |r| format!(" ({})", r.path.display()));
                report.errors.push((
                    t.path.clone(),
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "starts with the same line as a file already read{other}, but its bytes before byte {} differ: not read (files are told apart by their first line)",
                            t.pos.offset
                        ),
                    ),
                ));
                // Nothing to read from it: it closes once it is gone and quiet.
                t.pos.offset = size;
                return Ok(());
            }
        }
    }
    let Some(id) = t.id else {
        return Ok(());
    };

    let from = t.pos.offset + t.partial.len() as u64 + t.skipped;
    let want = size.saturating_sub(from).min(opts.max_read);
    if want > 0 {
        buf.clear();
        buf.extend_from_slice(&t.partial);
        let start = buf.len();
        buf.resize(start + want as usize, 0);
        let got = read_full_at(&t.file, &mut buf[start..], from)?;
        buf.truncate(start + got);
        report.bytes += got as u64;
        if from + (got as u64) < size {
            report.more = true;
        }
        let mut rest: &[u8] = buf;
        while let Some(i) = memchr_nl(rest) {
            // The first line may have had bytes read past in the middle (a long line).
            let skipped = std::mem::take(&mut t.skipped);
            let line = &rest[..i];
            let crlf = line.ends_with(b"\r");
            let whole = i as u64 + skipped - u64::from(crlf);
            let (bytes, cut) = if whole > opts.max_line as u64 {
                (&line[..opts.max_line.min(line.len())], Some(whole))
            } else {
                (line.strip_suffix(b"\r").unwrap_or(line), None)
            };
            sink(Line {
                file_id: id,
                path: &t.path,
                offset: t.pos.offset,
                line: t.pos.line,
                bytes,
                complete: true,
                cut,
            });
            report.lines += 1;
            t.pos.offset += (i + 1) as u64 + skipped;
            t.pos.line += 1;
            rest = &rest[i + 1..];
        }
        // What waits for its newline: at most max_line bytes of it.
        let keep = rest.len().min(opts.max_line);
        t.skipped += (rest.len() - keep) as u64;
        t.partial.clear();
        t.partial.extend_from_slice(&rest[..keep]);
    }
    if quiet && !t.partial.is_empty() && want == 0 {
        // The last line never got its newline: take it as it is.
        let whole = t.partial.len() as u64 + t.skipped;
        sink(Line {
            file_id: id,
            path: &t.path,
            offset: t.pos.offset,
            line: t.pos.line,
            bytes: &t.partial,
            complete: false,
            cut: (t.skipped > 0).then_some(whole),
        });
        report.lines += 1;
        t.pos.offset += whole;
        t.pos.line += 1;
        t.partial.clear();
        t.skipped = 0;
    }
    let tail = match reached.get(&id) {
        Some(r) if r.pos == t.pos && r.path == t.path => r.tail,
        _ => tail_at(&t.file, t.pos.offset)?,
    };
    reached.insert(
        id,
        Reached {
            pos: t.pos,
            path: t.path.clone(),
            tail,
        },
    );
    Ok(())
}

/// A gzip file is read whole, once per change: its identity is its decompressed first line, and
/// it gives only what lies past the position of that identity (the tail of a rotated file that
/// was compressed before it was all read). A stream cut short (still being compressed) gives the
/// lines it has, and the rest when it changes again.
fn read_gz(
    t: &mut Tracked,
    reached: &mut HashMap<u64, Reached>,
    committed: &dyn Fn(u64) -> Option<(Pos, Option<u64>)>,
    sink: &mut dyn FnMut(Line<'_>),
    report: &mut Report,
) -> io::Result<()> {
    let meta = t.file.metadata()?;
    if t.id.is_some() && meta.len() == t.size && meta.modified().ok() == t.mtime {
        return Ok(());
    }
    t.size = meta.len();
    t.mtime = meta.modified().ok();
    let reader = ReadAt {
        file: t.file.try_clone()?,
        at: 0,
    };
    let mut r = BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(reader));
    let mut line = Vec::new();
    if r.read_until(b'\n', &mut line).is_err() || line.is_empty() {
        return Ok(());
    }
    let id = fingerprint(&line).unwrap_or_else(|| fingerprint_partial(&line));
    let (from, _) = resume(reached, committed, id);
    let mut cur = Pos::START;
    loop {
        if cur.offset >= from.offset {
            let complete = line.ends_with(b"\n");
            let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
            sink(Line {
                file_id: id,
                path: &t.path,
                offset: cur.offset,
                line: cur.line,
                bytes: bytes.strip_suffix(b"\r").unwrap_or(bytes),
                complete,
                cut: None,
            });
            report.lines += 1;
            report.bytes += line.len() as u64;
        }
        cur.offset += line.len() as u64;
        cur.line += 1;
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    t.id = Some(id);
    t.pos = cur;
    if cur.offset > from.offset {
        reached.insert(
            id,
            Reached {
                pos: cur,
                path: t.path.clone(),
                tail: None,
            },
        );
    }
    Ok(())
}

/// Reads a file from a position without moving a shared cursor.
struct ReadAt {
    file: File,
    at: u64,
}

impl Read for ReadAt {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

fn read_full_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
