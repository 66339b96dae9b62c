//! The rolling re-hash sample and the state file that remembers when each artefact was verified.
//!
//! The state file is JSON:
//!
//! ```json
//! {"version": 1, "files": {"/backup/db/2026-11-02.zst": {"verified": "2026-11-03T02:10:07.5Z", "ok": true}}}
//! ```
//!
//! `verified` is when the file was last hashed (RFC 3339, UTC); `ok` is false when that hashing
//! found it wrong (mismatch, corrupt, unreadable). Each run picks ceil(P × n) of the n older
//! artefacts, never-verified first, then least recently verified, ties by path, so that over 1/P
//! runs every older file is re-hashed once; on top of those it re-hashes every older file whose
//! last hashing was not ok, so a failure keeps being reported until it is fixed (it does not use
//! up the sample, which would starve the others). Entries for files no longer on disk are dropped
//! when the state is written. Written to a temporary file in the same folder, then renamed, mode
//! 0600. Two runs writing the same state at once: the last one wins.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Error;

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    version: u32,
    files: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    verified: DateTime<Utc>,
    ok: bool,
}

impl State {
    /// Reads the state; a state file that does not exist yet is an empty state.
    pub(crate) fn load(path: &Path) -> Result<State, Error> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State {
                    version: 1,
                    files: BTreeMap::new(),
                });
            }
            Err(source) => {
                return Err(Error::StateRead {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        serde_json::from_slice(&bytes).map_err(|source| Error::StateParse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The older files to re-hash this run: ceil(`fraction` × n) least recently verified, plus
    /// those whose last hashing was not ok.
    pub(crate) fn select(&self, older: &[&Path], fraction: f64) -> HashSet<PathBuf> {
        let mut ranked: Vec<(Option<DateTime<Utc>>, &Path)> = Vec::with_capacity(older.len());
        let mut chosen = HashSet::new();
        for &p in older {
            match self.files.get(&key(p)) {
                Some(e) if !e.ok => {
                    chosen.insert(p.to_path_buf());
                }
                e => ranked.push((e.map(|e| e.verified), p)),
            }
        }
        // None (never verified) sorts first.
        ranked.sort();
        // The tolerance keeps 0.1 × 30 = 3.0000000000000004 from becoming 4.
        let want = (fraction * older.len() as f64 - 1e-9).ceil().max(0.0) as usize;
        chosen.extend(ranked.iter().take(want).map(|(_, p)| p.to_path_buf()));
        chosen
    }

    /// Notes that each of `files` was hashed at `now`, and whether it was ok.
    pub(crate) fn record(&mut self, files: &[(PathBuf, bool)], now: SystemTime) {
        self.version = 1;
        let verified = DateTime::<Utc>::from(now);
        for (p, ok) in files {
            self.files.insert(key(p), Entry { verified, ok: *ok });
        }
    }

    /// Drops the entries of files no longer on disk.
    pub(crate) fn prune(&mut self) {
        self.files
            .retain(|p, _| std::fs::symlink_metadata(Path::new(p)).is_ok());
    }

    /// Writes the state atomically (a temporary file in the same folder, then a rename), mode 0600.
    pub(crate) fn save(&self, path: &Path) -> Result<(), Error> {
        let fail = |source| Error::StateWrite {
            path: path.to_path_buf(),
            source,
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| fail(e.into()))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = write_private(&tmp, &json).and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
        Ok(())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let f = opts.open(path)?;
        // A temporary file left by a crashed run may have other bits: set them.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        write_sync(f, bytes)
    }
    #[cfg(not(unix))]
    {
        write_sync(opts.open(path)?, bytes)
    }
}

fn write_sync(mut f: std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    f.write_all(bytes)?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// The state's key for a path (lossy for a name that is not UTF-8).
fn key(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
