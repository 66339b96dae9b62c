//! What an index commit records about the archive: enough to bring the directory back to exactly
//! that commit after a crash, and to check the open segments, which no chain link covers yet.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The archive as of one index commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveState {
    /// Links in `chain.jsonl`.
    pub links: u64,
    /// The hash of the last link (the chain head); empty before the first seal.
    pub head: String,
    /// Each source's open segment, by source name.
    #[serde(default)]
    pub open: BTreeMap<String, OpenSegment>,
    /// Per file identity (16 hex digits), the offset just past its last archived line: a line
    /// read again after a restart (the reader resumes where the parser's events are all
    /// committed, which may be before the last line archived) is not archived twice.
    #[serde(default)]
    pub files: BTreeMap<String, u64>,
}

/// A segment still being written: how much of it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSegment {
    /// Its path relative to the archive directory, e.g. `auth/000004.zst`.
    pub segment: String,
    /// Its number among the source's segments (from 1).
    pub seq: u64,
    /// The source's line number of its first record (the source's lines are numbered from 0 in
    /// the order they were archived).
    pub first_line: u64,
    /// Records committed.
    pub lines: u64,
    /// Compressed bytes committed.
    pub bytes: u64,
    /// sha256 of those bytes, hex.
    pub sha256: String,
    /// The day it was opened: it is sealed at the first commit of a later day.
    pub day: NaiveDate,
}
