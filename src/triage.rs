//! Reviewers' triage of findings: `data/console/triage.jsonl`, append-only (owner-only, fsynced
//! per entry). Each entry says who marked which finding (by its stable key, [`Finding::key`]),
//! when, as what, and why. Nothing is changed or deleted: a later entry for the same key is the
//! finding's status from then on, and every entry stays in the file for the record.
//!
//! [`Finding::key`]: vigil_checks::Finding::key

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a reviewer concluded about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Acknowledged,
    FalsePositive,
    FollowedUp,
}

impl Status {
    pub const ALL: [Status; 3] = [
        Status::Acknowledged,
        Status::FalsePositive,
        Status::FollowedUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Acknowledged => "acknowledged",
            Status::FalsePositive => "false_positive",
            Status::FollowedUp => "followed_up",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Status::Acknowledged => "acknowledged",
            Status::FalsePositive => "false positive",
            Status::FollowedUp => "followed up",
        }
    }
}

/// One triage entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub by: String,
    /// The finding's key.
    pub key: String,
    /// The finding's rule and time, for a reader of the file.
    pub rule: String,
    pub finding_time: String,
    pub status: Status,
    pub note: String,
}

/// The triage file of a data directory.
pub fn path(data: &Path) -> PathBuf {
    data.join("console").join("triage.jsonl")
}

/// Appends `entry` and syncs it to disk.
pub fn append(data: &Path, entry: &Entry) -> Result<()> {
    let dir = data.join("console");
    crate::ingest::create_private_dir(&dir)
        .with_context(|| format!("{}: cannot create", dir.display()))?;
    let p = path(data);
    let mut line = serde_json::to_vec(entry)?;
    line.push(b'\n');
    let mut f = crate::read::open_private(&p, true)
        .with_context(|| format!("{}: cannot open for appending", p.display()))?;
    f.write_all(&line)
        .and_then(|()| f.sync_data())
        .with_context(|| format!("{}: cannot write", p.display()))
}

/// Every entry, in the order written; none when there is no file. A line that is not an entry is
/// an error naming its line (the file is the record: it is not skipped).
pub fn load(data: &Path) -> Result<Vec<Entry>> {
    let p = path(data);
    let text = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow!("{}: cannot read: {e}", p.display())),
    };
    let mut out = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let e: Entry = serde_json::from_slice(line)
            .map_err(|e| anyhow!("{} line {}: not a triage entry: {e}", p.display(), n + 1))?;
        out.push(e);
    }
    Ok(out)
}

/// The entries of the finding `key`, oldest first.
pub fn of<'a>(entries: &'a [Entry], key: &str) -> Vec<&'a Entry> {
    entries.iter().filter(|e| e.key == key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_append_and_read_back_in_order() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let entry = |key: &str, status, note: &str| Entry {
            at: DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            by: "alice".into(),
            key: key.into(),
            rule: "login.bruteforce".into(),
            finding_time: "2026-11-03T09:15:02+08:00".into(),
            status,
            note: note.into(),
        };
        append(dir.path(), &entry("k1", Status::Acknowledged, "seen"))?;
        append(dir.path(), &entry("k2", Status::FalsePositive, "a test"))?;
        append(dir.path(), &entry("k1", Status::FollowedUp, "ticket 7"))?;
        let all = load(dir.path())?;
        assert_eq!(all.len(), 3);
        let k1 = of(&all, "k1");
        assert_eq!(
            k1.iter().map(|e| e.status).collect::<Vec<_>>(),
            [Status::Acknowledged, Status::FollowedUp]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path(dir.path()))?.permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(path(dir.path()), b"{\"at\":1}\n")?;
        let err = load(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("line 1: not a triage entry"), "{err}");
        Ok(())
    }
}
