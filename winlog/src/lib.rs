//! vigil-winlog: reads Windows event log files (`.evtx`) into the record lines vigil's `winlog`
//! format parses.
//!
//! An `.evtx` file is binary (chunks of 64 KiB holding binary XML records), so it is not read line
//! by line like vigil's other logs. This crate, and only it, depends on the `evtx` crate: it
//! renders each record as the one-line JSON `evtx_dump -o jsonl` writes
//! (`{"Event":{"System":{...},"EventData":{...}}}`), and hands it over with its record id, so that
//! a reader can feed it to `vigil_parsers::winlog::WinlogParser` as a line whose `offset` is the
//! record id (which gives each event a stable id), and checkpoint a log by the last record id
//! read ([`read`]'s `after`). [`stream`] gives the log's identity, from its first record.
//!
//! Records the `evtx` crate cannot decode (a damaged chunk or record, a truncated file) are
//! reported to the caller with the error's text, never dropped silently, and never panic: a panic
//! inside the `evtx` crate is caught and reported as a bad record too.

use std::fs::File;
use std::io::Read;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use evtx::err::EvtxError;
use evtx::{EvtxChunkData, EvtxParser, ParserSettings};

/// The first 8 bytes of every `.evtx` file.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// Why a log could not be read at all (a record that cannot be is reported to [`read`]'s `bad`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{}: not a Windows event log (.evtx): expected the file header \"ElfFile\\0\" in its first 8 bytes, found {found}",
        path.display()
    )]
    NotEvtx { path: PathBuf, found: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the evtx reader could not open it: {message}", path.display())]
    Open { path: PathBuf, message: String },
}

/// One record, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLine {
    /// The record's `EventRecordID`: increasing in a log, and a checkpoint for [`read`]'s `after`.
    pub record_id: u64,
    /// The record's `Event` element as JSON on one line (no newline in it or after it).
    pub json: String,
    /// The time in the record's header (when it was written); `None` when out of range.
    pub ts: Option<DateTime<Utc>>,
}

/// The identity of a log, from its first record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// A stable 64-bit identity of the log: the FNV-1a hash of the first record's `Channel`, a
    /// 0xff byte (never in UTF-8 text), and its `Computer`. The same on every run and machine.
    pub id: u64,
    pub channel: String,
    pub computer: String,
}

/// What a [`read`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Records passed to `each`.
    pub records: u64,
    /// Records (or chunks) passed to `bad`.
    pub bad: u64,
    /// The highest record id passed to `each`, if any: the next read's `after`.
    pub last_record_id: Option<u64>,
}

/// The FNV-1a 64-bit hash of `bytes`, continuing from `h` (start with [`FNV_OFFSET`]).
fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The [`Stream::id`] of a log whose first record has `channel` and `computer`.
pub fn stream_id(channel: &str, computer: &str) -> u64 {
    let h = fnv1a(FNV_OFFSET, channel.as_bytes());
    let h = fnv1a(h, &[0xff]);
    fnv1a(h, computer.as_bytes())
}

/// The log's identity, from its first record that can be read; `None` for a log with no records
/// (or none the `evtx` crate can decode).
pub fn stream(path: &Path) -> Result<Option<Stream>, Error> {
    let mut found = None;
    walk(
        path,
        0,
        |line| {
            let value: serde_json::Value = match serde_json::from_str(&line.json) {
                Ok(v) => v,
                Err(_) => return ControlFlow::Continue(()),
            };
            let system = &value["Event"]["System"];
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            let channel = text(&system["Channel"]);
            let computer = text(&system["Computer"]);
            found = Some(Stream {
                id: stream_id(&channel, &computer),
                channel,
                computer,
            });
            ControlFlow::Break(())
        },
        |_, _| {},
    )?;
    Ok(found)
}

/// Calls `each` for every record whose id is greater than `after`, in record-id order (the order
/// the `evtx` crate walks a log: from its oldest chunk on, wrapping around as Windows does, which
/// for a log Windows wrote is the order of record ids); a record the evtx crate cannot decode is
/// passed to `bad` with its record id (if known) and the error text, never dropped silently and
/// never a panic. A damaged chunk is one call to `bad` with no record id; a record with no id
/// known is reported on every read (its id cannot be compared with `after`).
pub fn read(
    path: &Path,
    after: u64,
    mut each: impl FnMut(RecordLine),
    bad: impl FnMut(Option<u64>, String),
) -> Result<ReadSummary, Error> {
    walk(
        path,
        after,
        |line| {
            each(line);
            ControlFlow::Continue(())
        },
        bad,
    )
}

/// Opens `path` as an `.evtx` file: its magic checked first, for an error that says what it is.
fn open(path: &Path) -> Result<EvtxParser<File>, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut head = Vec::with_capacity(8);
    (&mut file).take(8).read_to_end(&mut head).map_err(io)?;
    if head.as_slice() != MAGIC {
        let found = if head.is_empty() {
            "an empty file".to_string()
        } else {
            format!("{:02x?}", head)
        };
        return Err(Error::NotEvtx {
            path: path.to_path_buf(),
            found,
        });
    }
    std::io::Seek::rewind(&mut file).map_err(io)?;
    let parser = catch_unwind(AssertUnwindSafe(|| EvtxParser::from_read_seek(file)))
        .map_err(|p| Error::Open {
            path: path.to_path_buf(),
            message: format!("the evtx crate panicked: {}", panic_text(&p)),
        })?
        .map_err(|e| Error::Open {
            path: path.to_path_buf(),
            message: error_text(&e),
        })?;
    Ok(parser.with_configuration(settings()))
}

/// Compact JSON, single-threaded (one chunk at a time, in order).
fn settings() -> ParserSettings {
    ParserSettings::new().indent(false)
}

/// An error with its causes: evtx's outer errors say where, their sources say what.
fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_string()
    }
}

/// The record id an evtx error names, if any.
fn record_id_of(e: &EvtxError) -> Option<u64> {
    match e {
        EvtxError::FailedToParseRecord { record_id, .. } => Some(*record_id),
        _ => None,
    }
}

/// The header time of a record as a chrono time.
fn chrono_ts(t: &evtx::Timestamp) -> Option<DateTime<Utc>> {
    // A FILETIME reaches back to 1601, before what nanoseconds in an i64 hold: seconds.
    // Before 1970, jiff's seconds round toward zero and its fraction is negative.
    let (mut secs, mut nanos) = (t.as_second(), i64::from(t.subsec_nanosecond()));
    if nanos < 0 {
        secs -= 1;
        nanos += 1_000_000_000;
    }
    DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)
}

/// The size of an `.evtx` file's header, and of each of its chunks.
const HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;

/// The state of a walk over a log's records.
struct Walk<E, B> {
    after: u64,
    settings: Arc<ParserSettings>,
    summary: ReadSummary,
    each: E,
    bad: B,
}

impl<E, B> Walk<E, B>
where
    E: FnMut(RecordLine) -> ControlFlow<()>,
    B: FnMut(Option<u64>, String),
{
    fn report(&mut self, id: Option<u64>, text: String) {
        self.summary.bad += 1;
        (self.bad)(id, text);
    }

    /// Reads the records of one chunk (`label` names it in reports). `cut`: the chunk was cut
    /// short after this many bytes (the rest zeros), and a record that does not end before is
    /// reported, not rendered from the zeros.
    fn chunk(
        &mut self,
        chunk: &mut EvtxChunkData,
        label: &str,
        cut: Option<u64>,
    ) -> ControlFlow<()> {
        let header = &chunk.header;
        let range = format!(
            "{label} (records {}..{})",
            header.first_event_record_id, header.last_event_record_id
        );
        // evtx reads a chunk whatever its CRC32s say; a mismatch is reported (an altered or
        // damaged chunk), and its records are read all the same. A truncated chunk's cannot match.
        if cut.is_none() && !chunk.validate_checksum() && header.last_event_record_id > self.after {
            self.report(
                None,
                format!(
                    "{range}: CRC32 mismatch between the chunk and its header: its records are read, but may be damaged or altered"
                ),
            );
        }
        let settings = Arc::clone(&self.settings);
        let parsed = catch_unwind(AssertUnwindSafe(move || {
            chunk.parse(settings).map_err(|e| error_text(&e))
        }));
        let mut parsed = match parsed {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                self.report(None, format!("{range}: {e}"));
                return ControlFlow::Continue(());
            }
            Err(p) => {
                let text = format!("{range}: the evtx crate panicked: {}", panic_text(&p));
                self.report(None, text);
                return ControlFlow::Continue(());
            }
        };
        let mut records = parsed.iter();
        loop {
            let record = match catch_unwind(AssertUnwindSafe(|| records.next())) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(p) => {
                    let text = format!("{range}: the evtx crate panicked: {}", panic_text(&p));
                    self.report(None, text);
                    break;
                }
            };
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let id = record_id_of(&e);
                    if id.is_none_or(|id| id > self.after) {
                        self.report(id, format!("{label}: {}", error_text(&e)));
                    }
                    continue;
                }
            };
            let id = record.event_record_id;
            if id <= self.after {
                continue;
            }
            // The record, then the copy of its size (4 bytes).
            let end = record.binxml_offset + u64::from(record.binxml_size) + 4;
            if let Some(cut) = cut
                && end > cut
            {
                let text = format!(
                    "{label}: record {id} is cut by the end of the file (it ends at byte {end} of the chunk, the file at byte {cut})"
                );
                self.report(Some(id), text);
                continue;
            }
            let ts = chrono_ts(&record.timestamp);
            let rendered = match catch_unwind(AssertUnwindSafe(|| record.into_json())) {
                Ok(r) => r.map_err(|e| error_text(&e)),
                Err(p) => Err(format!("the evtx crate panicked: {}", panic_text(&p))),
            };
            let json = match rendered {
                Ok(r) => one_line(r.data),
                Err(e) => {
                    self.report(Some(id), format!("{label}: record {id}: {e}"));
                    continue;
                }
            };
            self.summary.records += 1;
            self.summary.last_record_id =
                Some(self.summary.last_record_id.map_or(id, |l| l.max(id)));
            (self.each)(RecordLine {
                record_id: id,
                json,
                ts,
            })?;
        }
        ControlFlow::Continue(())
    }
}

/// The walk behind [`read`] and [`stream`]: `each` may stop it.
///
/// The `evtx` crate reads whole chunks only: the records of a chunk cut short (a file truncated,
/// a copy of a log still being written) are read here from what is left of it, and the records
/// lost with its end are reported to `bad`.
fn walk(
    path: &Path,
    after: u64,
    each: impl FnMut(RecordLine) -> ControlFlow<()>,
    bad: impl FnMut(Option<u64>, String),
) -> Result<ReadSummary, Error> {
    let mut parser = open(path)?;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    let mut walk = Walk {
        after,
        settings: Arc::new(settings()),
        summary: ReadSummary::default(),
        each,
        bad,
    };
    let mut chunks = parser.chunks();
    let mut n = 0u64;
    loop {
        n += 1;
        let next = match catch_unwind(AssertUnwindSafe(|| chunks.next())) {
            Ok(next) => next,
            Err(p) => {
                let text = format!(
                    "chunk {n} of the walk: the evtx crate panicked: {}",
                    panic_text(&p)
                );
                walk.report(None, text);
                // The walk cannot be trusted past a panic in it.
                break;
            }
        };
        let Some(chunk) = next else {
            break;
        };
        let mut chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                walk.report(None, error_text(&e));
                continue;
            }
        };
        let label = match chunk.number {
            Some(c) => format!("chunk {c}"),
            None => format!("chunk {n} of the walk"),
        };
        if walk.chunk(&mut chunk, &label, None).is_break() {
            return Ok(walk.summary);
        }
    }
    let tail = len.saturating_sub(HEADER_SIZE) % CHUNK_SIZE;
    if len > HEADER_SIZE && tail != 0 {
        let number = (len - HEADER_SIZE) / CHUNK_SIZE;
        let start = HEADER_SIZE + number * CHUNK_SIZE;
        let lost = |free: Option<u32>| {
            format!(
                "the file ends {tail} bytes into chunk {number} (at byte {len}){}: truncated, the records of the chunk's missing end are lost",
                free.map(|f| format!(", whose records fill {f} bytes"))
                    .unwrap_or_default()
            )
        };
        let mut data = Vec::with_capacity(CHUNK_SIZE as usize);
        let mut file = File::open(path).map_err(io)?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start)).map_err(io)?;
        file.take(CHUNK_SIZE).read_to_end(&mut data).map_err(io)?;
        data.resize(CHUNK_SIZE as usize, 0);
        if data.iter().all(|b| *b == 0) {
            // An empty chunk: nothing lost.
        } else if tail < 512 {
            // Not even the chunk's header.
            walk.report(None, lost(None));
        } else {
            match EvtxChunkData::new(data, false) {
                Ok(mut chunk) => {
                    let free = chunk.header.free_space_offset;
                    if u64::from(free) > tail {
                        walk.report(None, lost(Some(free)));
                    }
                    chunk.number = Some(number);
                    let label = format!("chunk {number} (truncated)");
                    if walk.chunk(&mut chunk, &label, Some(tail)).is_break() {
                        return Ok(walk.summary);
                    }
                }
                Err(e) => {
                    let text = format!("{}: {}", lost(None), error_text(&e));
                    walk.report(None, text);
                }
            }
        }
    }
    Ok(walk.summary)
}

/// The rendered JSON on one line. evtx renders compact JSON with line breaks escaped inside
/// strings; should a line break or white space be there anyway, it is outside strings, where it
/// can go.
fn one_line(json: String) -> String {
    let json = json.trim();
    if !json.contains(['\n', '\r']) {
        return json.to_string();
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v) => v.to_string(),
        Err(_) => json.replace(['\n', '\r'], " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_are_fnv1a_and_stable() {
        // FNV-1a's published test vectors.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
        assert_ne!(stream_id("Security", "PC01"), stream_id("SecurityP", "C01"));
        assert_eq!(stream_id("Security", "PC01"), stream_id("Security", "PC01"));
    }

    #[test]
    fn lines_stay_one_line() {
        assert_eq!(one_line("{\"a\":\n1}\n".to_string()), "{\"a\":1}");
        assert_eq!(
            one_line("{\"a\":\"x\\ny\"}".to_string()),
            "{\"a\":\"x\\ny\"}"
        );
    }
}
