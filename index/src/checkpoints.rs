//! The readers' positions, committed with the events they produced.
//!
//! They travel in the tantivy commit payload (see [`crate::IndexWriter::commit`]), so the index
//! and the positions always move together: after a crash, reading resumes exactly after the last
//! committed event. The payload is a small JSON document:
//! `{"vigil_index": <schema version>, "checkpoints": {"version": "1", "files": {...}}}`, with
//! `"journals": {...}` beside `files` once a journal source has been read (a payload without it
//! reads as one with none, and one without journal sources is written without it).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file's identity: the fingerprint of its first bytes (not its path or inode), written as 16
/// hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u64);

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for FileId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FileId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FileId, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        u64::from_str_radix(&s, 16)
            .map(FileId)
            .map_err(|e| serde::de::Error::custom(format!("file id {s:?} is not hex: {e}")))
    }
}

/// How far a file has been read and indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheckpoint {
    /// The path the file was last read under (informative: the id is the identity).
    pub path: String,
    /// The byte offset where reading resumes.
    pub offset: u64,
    /// The 1-based number of the line that starts at `offset`.
    pub line: u64,
    /// The file's size when it was last read, if known (to notice truncation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// A hash of the bytes just before `offset` (see `vigil_follow::tail_hash`), if known: two
    /// files that start with the same line share an identity, and this tells them apart before
    /// one is read on from where the other was left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<u64>,
}

/// How far a systemd journal source has been read: the journal's own position of the last entry
/// indexed, which `journalctl --after-cursor` resumes after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalCheckpoint {
    /// What the source reads (informative): `journal`, `journal:DIR` or `journal:FILE,...`.
    pub journal: String,
    /// The `__CURSOR` of the last entry indexed.
    pub cursor: String,
}

/// The positions of every file, by file id, and of every journal source, by source name.
/// Versioned, so that a later layout can still read this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "version")]
pub enum Checkpoints {
    #[serde(rename = "1")]
    V1 {
        files: BTreeMap<FileId, FileCheckpoint>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        journals: BTreeMap<String, JournalCheckpoint>,
        /// The dead letter's length at the commit: what a run that did not commit wrote after
        /// it is cut, since its lines are read again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dead_letter: Option<u64>,
    },
}

impl Default for Checkpoints {
    fn default() -> Checkpoints {
        Checkpoints::V1 {
            files: BTreeMap::new(),
            journals: BTreeMap::new(),
            dead_letter: None,
        }
    }
}

impl Checkpoints {
    pub fn new() -> Checkpoints {
        Checkpoints::default()
    }

    /// Every file's position.
    pub fn files(&self) -> &BTreeMap<FileId, FileCheckpoint> {
        match self {
            Checkpoints::V1 { files, .. } => files,
        }
    }

    pub fn get(&self, id: FileId) -> Option<&FileCheckpoint> {
        self.files().get(&id)
    }

    /// Sets the position of file `id`.
    pub fn set(&mut self, id: FileId, checkpoint: FileCheckpoint) {
        match self {
            Checkpoints::V1 { files, .. } => {
                files.insert(id, checkpoint);
            }
        }
    }

    /// Forgets file `id` (gone for good).
    pub fn remove(&mut self, id: FileId) -> Option<FileCheckpoint> {
        match self {
            Checkpoints::V1 { files, .. } => files.remove(&id),
        }
    }

    /// The dead letter's length as of this commit, if recorded.
    pub fn dead_letter(&self) -> Option<u64> {
        match self {
            Checkpoints::V1 { dead_letter, .. } => *dead_letter,
        }
    }

    /// Records the dead letter's length.
    pub fn set_dead_letter(&mut self, len: u64) {
        match self {
            Checkpoints::V1 { dead_letter, .. } => *dead_letter = Some(len),
        }
    }

    /// Every journal source's position, by source name.
    pub fn journals(&self) -> &BTreeMap<String, JournalCheckpoint> {
        match self {
            Checkpoints::V1 { journals, .. } => journals,
        }
    }

    /// The position of the journal source `source`.
    pub fn journal(&self, source: &str) -> Option<&JournalCheckpoint> {
        self.journals().get(source)
    }

    /// Sets the position of the journal source `source`.
    pub fn set_journal(&mut self, source: &str, checkpoint: JournalCheckpoint) {
        match self {
            Checkpoints::V1 { journals, .. } => {
                journals.insert(source.to_string(), checkpoint);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files().is_empty() && self.journals().is_empty()
    }
}

/// The commit payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Payload {
    /// The schema version ([`crate::schema::SCHEMA_VERSION`]).
    pub vigil_index: u64,
    pub checkpoints: Checkpoints,
    /// The evidence archive's state as of this commit (vigil-archive's `ArchiveState`), kept
    /// opaque here: the index only carries it, so that the archive moves with the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_json_shape() {
        let mut c = Checkpoints::new();
        c.set(
            FileId(0xabc),
            FileCheckpoint {
                path: "/var/log/auth.log".into(),
                offset: 10,
                line: 2,
                size: None,
                tail: None,
            },
        );
        let p = Payload {
            vigil_index: 1,
            checkpoints: c,
            archive: None,
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"vigil_index": 1, "checkpoints": {"version": "1", "files": {
                "0000000000000abc": {"path": "/var/log/auth.log", "offset": 10, "line": 2}}}})
        );
        let back: Payload = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        let bad = serde_json::json!({"version": "1", "files": {"xyz": {"path": "", "offset": 0, "line": 1}}});
        assert!(serde_json::from_value::<Checkpoints>(bad).is_err());
    }

    #[test]
    fn journal_cursors_ride_beside_the_files() {
        let mut c = Checkpoints::new();
        let cursor = "s=59fd6ac07ad847f2afe1c63d0258d12d;i=8;b=0f5b6b8a1c2d4e3f9a8b7c6d5e4f3a2b;m=1f40;t=66188e45cd6c0;x=4ce2362ceed8cbca";
        c.set_journal(
            "journal",
            JournalCheckpoint {
                journal: "journal:/var/log/journal".into(),
                cursor: cursor.into(),
            },
        );
        assert!(!c.is_empty() && c.files().is_empty());
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"version": "1", "files": {}, "journals": {"journal": {
                "journal": "journal:/var/log/journal", "cursor": cursor}}})
        );
        let back: Checkpoints = serde_json::from_value(json).unwrap();
        assert_eq!(
            back.journal("journal").map(|j| j.cursor.as_str()),
            Some(cursor)
        );
        // A payload written before journal sources existed reads as one without any.
        let old: Checkpoints =
            serde_json::from_value(serde_json::json!({"version": "1", "files": {}})).unwrap();
        assert_eq!(old, Checkpoints::new());
        assert!(old.journals().is_empty());
    }
}
