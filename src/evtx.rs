//! Windows event logs (`.evtx`) as a source: `format = "evtx"`, for ingest and watch.
//!
//! A `.evtx` file is not read by lines and offsets. [`vigil_winlog`] renders each record as one
//! JSON line, which the `winlog` parser maps onto the vocabulary. The file's identity is its
//! *stream* (the first record's channel and computer, [`vigil_winlog::Stream`]), and its position
//! is the highest `EventRecordID` indexed, which Windows numbers upwards in a log whatever file
//! it is copied or exported to:
//!
//! - the checkpoint is kept under the stream's id (`offset` = the highest `EventRecordID`,
//!   `line` = the records indexed), so a log copied again, a later copy of a live log that has
//!   overwritten its oldest records, or an export of the same log gives only the records not
//!   indexed yet;
//! - an event's id is the stream's id and its `EventRecordID`, so a record read from two files is
//!   one event (the writer replaces an event of the same id);
//! - the archive keeps each record's JSON line under the same id and position.
//!
//! A record the `evtx` crate cannot decode is dead-lettered with its record id.

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use vigil_index::{Checkpoints, FileCheckpoint, FileId};
use vigil_parsers::{ErrorKind, Output, ParseContext, ParseError, Parser, RawLine, Rejected};

/// The format name of an `.evtx` source.
pub const FORMAT: &str = "evtx";

/// Whether `head` (a file's first bytes) is an `.evtx` file's.
pub fn is_evtx(head: &[u8]) -> bool {
    head.starts_with(vigil_winlog::MAGIC)
}

/// Archives a record: the stream's id, the record's number, its JSON line.
pub type ArchiveRecord<'a> = dyn FnMut(u64, u64, &[u8]) -> Result<()> + 'a;

/// What reading one file gave.
#[derive(Debug, Default)]
pub struct Read {
    /// Records read, new or not.
    pub records: u64,
    /// Records indexed before (at or below the stream's checkpoint): skipped.
    pub known: u64,
    /// The new records' events and rejects, in `out`.
    pub new: u64,
}

/// Reads the records of `path` that the stream's checkpoint in `ckpts` does not cover into
/// `out` (events, and rejects for records that cannot be decoded), archives each through
/// `archive`, and moves the checkpoint. `Ok(Err(why))`: the file cannot be read (named, not
/// fatal).
pub fn read_file(
    path: &Path,
    source: &str,
    host: Option<&str>,
    zone: Tz,
    ckpts: &mut Checkpoints,
    archive: &mut ArchiveRecord<'_>,
    out: &mut Vec<Output>,
) -> Result<std::result::Result<Read, String>> {
    let shown = path.to_string_lossy().into_owned();
    let stream = match vigil_winlog::stream(path) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(Ok(Read::default())),
        Err(e) => return Ok(Err(e.to_string())),
    };
    let id = FileId(stream.id);
    let (after, done) = ckpts.get(id).map_or((0, 0), |c| (c.offset, c.line));
    // Records read again name no host of their own only when the log has none.
    let host = host
        .filter(|h| !h.is_empty())
        .unwrap_or(stream.computer.as_str());
    let reference: DateTime<Utc> = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_or_else(|_| Utc::now(), DateTime::<Utc>::from);
    let ctx = ParseContext::new(source, host, zone, reference);
    let mut parser = vigil_parsers::winlog::WinlogParser::new();
    let mut read = Read::default();
    let mut highest = after;
    let mut failure: Option<anyhow::Error> = None;
    let mut parsed: Vec<Output> = Vec::with_capacity(1);
    let mut bad: Vec<(Option<u64>, String)> = Vec::new();
    let result = vigil_winlog::read(
        path,
        0,
        |rec| {
            if failure.is_some() {
                return;
            }
            read.records += 1;
            let line = RawLine {
                bytes: rec.json.as_bytes(),
                path: &shown,
                file_id: stream.id,
                offset: rec.record_id,
                line: rec.record_id,
            };
            parsed.clear();
            parser.feed(&line, &ctx, &mut parsed);
            for o in parsed.drain(..) {
                // The record's own number, which exports keep while they renumber headers.
                let number = match &o {
                    Ok(e) => e
                        .fields
                        .get("record_id")
                        .and_then(|v| v.as_u64())
                        .unwrap_or(rec.record_id),
                    Err(_) => rec.record_id,
                };
                if number <= after {
                    read.known += 1;
                    continue;
                }
                if let Err(e) = archive(stream.id, number, rec.json.as_bytes()) {
                    failure = Some(e);
                    return;
                }
                highest = highest.max(number);
                read.new += 1;
                out.push(o.map(|mut e| {
                    e.id = vigil_parsers::Event::make_id(stream.id, number);
                    e.origin.offset = number;
                    e.origin.line = number;
                    e
                }));
            }
        },
        |record, why| bad.push((record, why)),
    );
    for (record, why) in bad {
        // A record read before is not dead-lettered again.
        if record.is_some_and(|r| r <= after) {
            continue;
        }
        read.new += 1;
        out.push(Err(Rejected {
            path: shown.clone(),
            offset: record.unwrap_or(0),
            line: record.unwrap_or(0),
            raw: String::new(),
            error: ParseError::new(
                ErrorKind::Other(format!("an evtx record that cannot be decoded: {why}")),
                0,
            ),
        }));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if let Err(e) = result {
        return Ok(Err(e.to_string()));
    }
    if highest > after {
        ckpts.set(
            id,
            FileCheckpoint {
                path: shown,
                offset: highest,
                line: done + read.new,
                size: None,
                tail: None,
            },
        );
    }
    Ok(Ok(read))
}
