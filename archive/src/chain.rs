//! The hash chain: `chain.jsonl`, one link per sealed segment, each naming the previous link's
//! hash.
//!
//! A link's `hash` is the sha256 of the previous link's hash, a newline, and the link's other
//! fields written as canonical JSON (fixed key order, no spaces): changing any field of any link,
//! or the order of links, changes every hash after it, and the head hash quoted in a report pins
//! the whole chain.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{At, Error, Result};

/// The chain file's name in the archive directory.
pub const CHAIN: &str = "chain.jsonl";

/// One sealed segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Its place in the chain, from 0.
    pub link: u64,
    pub source: String,
    /// Path relative to the archive directory.
    pub segment: String,
    /// The source's line numbers it holds: `first_line .. first_line + lines`.
    pub first_line: u64,
    pub lines: u64,
    /// Compressed size.
    pub bytes: u64,
    /// sha256 of the segment file, hex.
    pub sha256: String,
    pub sealed_at: DateTime<Utc>,
    /// The previous link's hash (empty for the first link).
    pub prev: String,
    /// This link's hash: see the module comment.
    pub hash: String,
}

/// The fields a link's hash covers, in their fixed order.
#[derive(Serialize)]
struct Body<'a> {
    link: u64,
    source: &'a str,
    segment: &'a str,
    first_line: u64,
    lines: u64,
    bytes: u64,
    sha256: &'a str,
    sealed_at: &'a DateTime<Utc>,
    prev: &'a str,
}

impl Link {
    /// The hash this link should carry, computed from its other fields.
    pub fn compute_hash(&self) -> String {
        let body = Body {
            link: self.link,
            source: &self.source,
            segment: &self.segment,
            first_line: self.first_line,
            lines: self.lines,
            bytes: self.bytes,
            sha256: &self.sha256,
            sealed_at: &self.sealed_at,
            prev: &self.prev,
        };
        // Serializing plain fields to a string cannot fail.
        let json = serde_json::to_string(&body).unwrap_or_default();
        crate::sha256_hex(format!("{}\n{json}", self.prev).as_bytes())
    }
}

/// One line of the chain file as read: a link, or text that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Link(Box<Link>),
    /// The line (1-based) and what is wrong with it.
    Bad(u64, String),
}

/// Reads every line of the chain file; a missing file is an empty chain.
pub fn read(dir: &Path) -> Result<Vec<Line>> {
    let path = dir.join(CHAIN);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).at(&path),
    };
    let mut out = Vec::new();
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).at(&path)? == 0 {
            return Ok(out);
        }
        n += 1;
        let Some(text) = buf.strip_suffix(b"\n") else {
            out.push(Line::Bad(
                n,
                "the line has no end: the file is cut short".into(),
            ));
            continue;
        };
        out.push(match serde_json::from_slice::<Link>(text) {
            Ok(link) => Line::Link(Box::new(link)),
            Err(e) => Line::Bad(n, format!("not a chain link: {e}")),
        });
    }
}

/// Reads the chain as links, failing on the first line that is not one.
pub fn links(dir: &Path) -> Result<Vec<Link>> {
    read(dir)?
        .into_iter()
        .map(|l| match l {
            Line::Link(link) => Ok(*link),
            Line::Bad(line, message) => Err(Error::BadChain {
                path: dir.join(CHAIN),
                line,
                message,
            }),
        })
        .collect()
}

/// Appends `link` to the chain file and makes it durable.
pub(crate) fn append(dir: &Path, link: &Link) -> Result<()> {
    let path = dir.join(CHAIN);
    let mut file = crate::writer::open_private_append(&path)?;
    let mut line = serde_json::to_vec(link).unwrap_or_default();
    line.push(b'\n');
    file.write_all(&line).at(&path)?;
    file.sync_data().at(&path)
}

/// Cuts the chain file back to its first `keep` lines.
pub(crate) fn truncate(dir: &Path, keep: u64) -> Result<()> {
    let path = dir.join(CHAIN);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && keep == 0 => return Ok(()),
        Err(e) => return Err(e).at(&path),
    };
    let mut reader = BufReader::new(file);
    let mut len = 0u64;
    let mut buf = Vec::new();
    for _ in 0..keep {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).at(&path)?;
        if n == 0 || !buf.ends_with(b"\n") {
            break;
        }
        len += n as u64;
    }
    let file = OpenOptions::new().write(true).open(&path).at(&path)?;
    file.set_len(len).at(&path)?;
    file.sync_data().at(&path)
}
