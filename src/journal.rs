//! The systemd journal as a source (`format = "journald"`): read through `journalctl -o json`,
//! after the cursor of the last entry indexed.
//!
//! A journal source reads the machine's journal, a journal directory (`journal_dir`) or journal
//! files (`journal_files`), optionally narrowed by journalctl matches (`journal_matches =
//! ["_SYSTEMD_UNIT=ssh.service"]`). Each read runs journalctl once and takes at most a batch of
//! entries; the cursor of the last entry taken rides in the same commit as its events (the index's
//! journal checkpoints), so a restart resumes after it: nothing lost, nothing read twice. An
//! entry's event id is the journal's sequence number id (the cursor's `s=`) and the entry's
//! sequence number (`i=`): the same entry read again gives the same event.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Where a journal source reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalSpec {
    /// Journal files (`journalctl --file`); none: `dir`, else the machine's journal.
    pub files: Vec<PathBuf>,
    /// A journal directory (`journalctl --directory`).
    pub dir: Option<PathBuf>,
    /// journalctl matches (`FIELD=VALUE`), all of which an entry must meet.
    pub matches: Vec<String>,
}

impl JournalSpec {
    /// What it reads, for messages and the checkpoint: `journal`, `journal:DIR`, `journal:F,G`.
    pub fn describe(&self) -> String {
        if !self.files.is_empty() {
            let f: Vec<String> = self.files.iter().map(|p| p.display().to_string()).collect();
            format!("journal:{}", f.join(","))
        } else if let Some(d) = &self.dir {
            format!("journal:{}", d.display())
        } else {
            "journal".into()
        }
    }

    fn args(&self, after: Option<&str>) -> Vec<OsString> {
        let mut a: Vec<OsString> = ["-o", "json", "--no-pager", "-q"]
            .iter()
            .map(OsString::from)
            .collect();
        for f in &self.files {
            a.push("--file".into());
            a.push(f.into());
        }
        if self.files.is_empty()
            && let Some(d) = &self.dir
        {
            a.push("--directory".into());
            a.push(d.into());
        }
        if let Some(c) = after {
            a.push("--after-cursor".into());
            a.push(c.into());
        }
        a.extend(self.matches.iter().map(OsString::from));
        a
    }
}

/// One journal entry as journalctl wrote it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The JSON line.
    pub line: Vec<u8>,
    /// Its identity: the journal's sequence number id, hashed.
    pub file_id: u64,
    /// Its sequence number in that journal.
    pub seqnum: u64,
    pub cursor: String,
}

/// Why the journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "cannot run journalctl: {0} (install systemd's journal tools: Debian's package `systemd`)"
    )]
    NoJournalctl(std::io::Error),
    #[error("journalctl failed: {0}")]
    Failed(String),
    #[error("journalctl wrote an entry without a cursor: {0}")]
    NoCursor(String),
}

/// The cursor of a `journalctl -o json` line, and its sequence number id and number.
fn cursor_of(line: &[u8]) -> Option<(String, u64, u64)> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let cursor = v.get("__CURSOR")?.as_str()?.to_string();
    let mut seqnum_id = None;
    let mut seqnum = None;
    for part in cursor.split(';') {
        if let Some(s) = part.strip_prefix("s=") {
            seqnum_id = Some(vigil_follow::fingerprint_partial(s.as_bytes()));
        } else if let Some(i) = part.strip_prefix("i=") {
            seqnum = u64::from_str_radix(i, 16).ok();
        }
    }
    Some((cursor.clone(), seqnum_id?, seqnum?))
}

/// Reads at most `max` entries after `after` (from the start without one); `true` beside them
/// when there may be more.
pub fn read(
    spec: &JournalSpec,
    after: Option<&str>,
    max: usize,
) -> Result<(Vec<Entry>, bool), JournalError> {
    let mut child = Command::new("journalctl")
        .args(spec.args(after))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(JournalError::NoJournalctl)?;
    let mut entries = Vec::new();
    let mut more = false;
    if let Some(stdout) = child.stdout.take() {
        let mut r = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match r.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err(JournalError::Failed(e.to_string())),
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.is_empty() {
                continue;
            }
            if entries.len() >= max {
                more = true;
                break;
            }
            let Some((cursor, file_id, seqnum)) = cursor_of(&line) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(JournalError::NoCursor(
                    String::from_utf8_lossy(&line).chars().take(200).collect(),
                ));
            };
            entries.push(Entry {
                line: line.clone(),
                file_id,
                seqnum,
                cursor,
            });
        }
    }
    if more {
        let _ = child.kill();
        let _ = child.wait();
        return Ok((entries, true));
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status = child
        .wait()
        .map_err(|e| JournalError::Failed(e.to_string()))?;
    if !status.success() && entries.is_empty() {
        let first = err.lines().next().unwrap_or("").trim();
        return Err(JournalError::Failed(if first.is_empty() {
            status.to_string()
        } else {
            first.to_string()
        }));
    }
    Ok((entries, false))
}

/// The parse context of a journal source's entries: the source's host (else its name) stands
/// for entries that name none.
pub fn context(
    source: &str,
    host: Option<&str>,
    zone: chrono_tz::Tz,
) -> vigil_parsers::ParseContext {
    vigil_parsers::ParseContext::new(source, host.unwrap_or(source), zone, chrono::Utc::now())
}

/// Archives each of `entries` in `source`'s segment and feeds it to `parser` as a line of the
/// entry's journal at its sequence number (so its event's id is the entry's); the events and
/// rejections go to `out`. Returns the checkpoint to set once they are indexed: the last entry's
/// cursor (`None` for no entries).
pub fn feed(
    spec: &JournalSpec,
    source: &str,
    entries: &[Entry],
    archive: &mut vigil_archive::Archive,
    parser: &mut dyn vigil_parsers::Parser,
    ctx: &vigil_parsers::ParseContext,
    out: &mut Vec<vigil_parsers::Output>,
) -> Result<Option<vigil_index::JournalCheckpoint>, vigil_archive::Error> {
    let path = format!("journald:{source}");
    for e in entries {
        archive.append(source, e.file_id, e.seqnum, &e.line)?;
        let raw = vigil_parsers::RawLine {
            bytes: &e.line,
            path: &path,
            file_id: e.file_id,
            offset: e.seqnum,
            line: e.seqnum,
        };
        parser.feed(&raw, ctx, out);
    }
    Ok(entries.last().map(|last| vigil_index::JournalCheckpoint {
        journal: spec.describe(),
        cursor: last.cursor.clone(),
    }))
}
