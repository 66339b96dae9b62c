//! The files a backup job leaves on disk: found by glob or directory, hashed (streaming, in
//! parallel, largest first) against their sha256 manifest, optionally decompressed to nothing
//! (`deep`), with a rolling re-hash sample of the older ones.
//!
//! [`verify`] is the entry point. What it does, in order:
//!
//! 1. reads the manifest(s) ([`Manifest`]): sha256sum format, relative paths resolved against the
//!    manifest's folder; a line that is not in that format is an [`Error`] (exit 2 for the caller);
//! 2. finds the artefacts ([`ArtefactSpec::patterns`]): regular files only (symlinks to files are
//!    followed, symlinks to directories are not walked); the manifest files and the state file
//!    themselves are never artefacts; a file named by a manifest line but not matched by any
//!    pattern is checked all the same;
//! 3. decides what to hash: every artefact modified at or after [`VerifyOptions::since`] (the
//!    window), the rolling sample of the older ones ([`VerifyOptions::sample`]), and the older
//!    ones that failed when last hashed (so a failure stays reported until it is fixed);
//! 4. hashes them with `threads` workers pulling from one queue, largest first, each with one
//!    fixed buffer (so memory stays flat whatever the sizes), and with `deep` decompresses zstd and
//!    gzip artefacts in the same pass (the bytes read are hashed and fed to the decoder);
//! 5. writes the state file (atomically, mode 0600) and returns an [`ArtefactReport`].
//!
//! Paths are made absolute and lexically normalised (`.` and `..` removed) so that a manifest
//! line and a glob match name the same file the same way; symlinks are not resolved.
//!
//! JSON (serde): times are RFC 3339 strings in UTC (nanoseconds when the file system has them);
//! a [`FileResult`] is flat: `{"path", "size", "modified", "status", "sha256"}` plus `expected`
//! for a mismatch and `error` for an unreadable or corrupt file; `status` is the snake-case
//! variant name (`ok`, `not_in_manifest`, `empty`, `mismatch`, `missing`, `unreadable`, `corrupt`,
//! `not_sampled`).

mod find;
mod hash;
mod manifest;
mod sample;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};

pub use hash::sha256_file;

/// Where a job's artefacts are and how they are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtefactSpec {
    /// Absolute glob patterns or directories (a directory means every file below it, recursively).
    pub patterns: Vec<String>,
    pub manifest: Option<Manifest>,
}

/// The sha256 manifest(s) the artefacts are checked against.
#[derive(Debug, Clone, PartialEq)]
pub enum Manifest {
    /// One sha256sum-format file for all artefacts: `<64 hex>  <path>` or `<64 hex> *<path>` (binary
    /// mode); relative paths resolve against the manifest's folder; blank lines and `#` comments skipped.
    File(PathBuf),
    /// One manifest per run, found by this glob (e.g. `/backup/db/*.sha256`); each in sha256sum format.
    PerRun(String),
}

/// How [`verify`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOptions {
    /// Also decompress `.zst`/`.zstd` and `.gz` artefacts to nothing (detect by magic bytes too).
    pub deep: bool,
    /// Worker threads for hashing (0 = available parallelism).
    pub threads: usize,
    /// Show a progress bar on stderr (the caller passes stderr().is_terminal()).
    pub progress: bool,
    /// Artefacts modified at or after this time are "of the window": always hashed.
    pub since: SystemTime,
    /// Re-hash this fraction (0.0-1.0) of the older artefacts, the ones least recently verified first,
    /// so that over 1/P runs every file is re-checked once (None: older files are not re-hashed).
    pub sample: Option<f64>,
    /// The file holding when each artefact was last verified (JSON, written atomically, mode 0600);
    /// required when `sample` is set.
    pub state: Option<PathBuf>,
}

/// One artefact, or one manifest line naming a file that is not on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct FileResult {
    pub path: PathBuf,
    pub size: u64,
    pub modified: Option<SystemTime>,
    pub status: FileStatus,
    /// The sha256 computed, lowercase hex, when hashed.
    pub sha256: Option<String>,
}

/// The verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Ok,
    /// No manifest line covers it (a manifest is configured but lacks the file). Reported whether
    /// or not the file was hashed this run: `sha256` says if it was.
    NotInManifest,
    /// Zero bytes.
    Empty,
    /// The manifest says one sha256, the file has another.
    Mismatch {
        expected: String,
    },
    /// A manifest line names a file that is not on disk.
    Missing,
    /// Could not read (permission, I/O error, not a regular file), with the error text.
    Unreadable(String),
    /// `deep`: decompression failed, with the error text.
    Corrupt(String),
    /// Older than `since` and not in this run's sample: not re-hashed.
    NotSampled,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtefactReport {
    /// Every artefact found and every manifest line, sorted by path.
    pub files: Vec<FileResult>,
    /// The newest artefact by modification time.
    pub newest: Option<(PathBuf, SystemTime)>,
    /// Bytes read and hashed this run.
    pub bytes_hashed: u64,
    /// Wall time of the whole [`verify`] call.
    pub seconds: f64,
}

impl ArtefactReport {
    /// Everything not [`FileStatus::Ok`] or [`FileStatus::NotSampled`].
    pub fn problems(&self) -> impl Iterator<Item = &FileResult> {
        self.files.iter().filter(|f| f.status.is_problem())
    }
}

impl FileStatus {
    /// Whether this is something wrong (everything but `Ok` and `NotSampled`).
    pub fn is_problem(&self) -> bool {
        !matches!(self, FileStatus::Ok | FileStatus::NotSampled)
    }

    /// The snake-case name used in JSON and messages.
    pub fn name(&self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::NotInManifest => "not_in_manifest",
            FileStatus::Empty => "empty",
            FileStatus::Mismatch { .. } => "mismatch",
            FileStatus::Missing => "missing",
            FileStatus::Unreadable(_) => "unreadable",
            FileStatus::Corrupt(_) => "corrupt",
            FileStatus::NotSampled => "not_sampled",
        }
    }
}

impl std::fmt::Display for FileStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileStatus::Ok => f.write_str("ok"),
            FileStatus::NotInManifest => f.write_str("not in the manifest"),
            FileStatus::Empty => f.write_str("empty"),
            FileStatus::Mismatch { expected } => {
                write!(f, "sha256 mismatch (the manifest says {expected})")
            }
            FileStatus::Missing => f.write_str("missing (named by the manifest, not on disk)"),
            FileStatus::Unreadable(e) => write!(f, "unreadable: {e}"),
            FileStatus::Corrupt(e) => write!(f, "corrupt: {e}"),
            FileStatus::NotSampled => f.write_str("not sampled this run"),
        }
    }
}

/// Why [`verify`] could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read manifest {}: {source}", path.display())]
    ManifestRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}:{line}: {problem}; a manifest line must be `<64 hex digits>  <path>` or \
         `<64 hex digits> *<path>` (sha256sum format), blank, or a `#` comment",
        path.display()
    )]
    ManifestLine {
        path: PathBuf,
        /// 1-based.
        line: usize,
        problem: String,
    },
    #[error("bad glob pattern `{pattern}`: {source}")]
    Pattern {
        pattern: String,
        source: glob::PatternError,
    },
    #[error("cannot read the verification state {}: {source}", path.display())]
    StateRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the verification state {} is not valid JSON of the expected shape: {source}", path.display())]
    StateParse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write the verification state {}: {source}", path.display())]
    StateWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a re-hash sample needs a state file to remember what was verified when")]
    SampleWithoutState,
    #[error("the re-hash sample must be a fraction between 0 and 1, not {0}")]
    BadSample(f64),
}

/// What happens to one path in this run.
enum Plan {
    Missing,
    Unreadable(String),
    Empty,
    NotHashed,
    Hash,
}

struct Candidate {
    path: PathBuf,
    size: u64,
    modified: Option<SystemTime>,
    plan: Plan,
}

/// Finds, hashes and checks a job's artefacts. See the module documentation for the steps.
pub fn verify(spec: &ArtefactSpec, opts: &VerifyOptions) -> Result<ArtefactReport, Error> {
    let start = Instant::now();
    let now = SystemTime::now();
    if let Some(p) = opts.sample {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::BadSample(p));
        }
        if opts.state.is_none() {
            return Err(Error::SampleWithoutState);
        }
    }

    // The manifests: path -> every sha256 a manifest line gives it.
    let (expected, manifest_files) = match &spec.manifest {
        None => (BTreeMap::new(), Vec::new()),
        Some(m) => manifest::load(m)?,
    };
    let mut exclude: HashSet<PathBuf> = manifest_files.into_iter().collect();
    if let Some(state) = &opts.state {
        exclude.insert(normalize(state));
    }

    let found = find::find(&spec.patterns, &exclude)?;
    let mut paths: BTreeSet<PathBuf> = found.files;
    paths.extend(expected.keys().cloned());
    let unreadable: BTreeMap<PathBuf, String> = found.unreadable.into_iter().collect();

    let mut candidates: Vec<Candidate> = Vec::with_capacity(paths.len() + unreadable.len());
    for path in paths {
        if unreadable.contains_key(&path) {
            continue;
        }
        let mut c = Candidate {
            path,
            size: 0,
            modified: None,
            plan: Plan::Hash,
        };
        match std::fs::metadata(&c.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(&c.path).is_ok() {
                    c.plan = Plan::Unreadable("a symlink to nothing".into());
                } else if expected.contains_key(&c.path) {
                    c.plan = Plan::Missing;
                } else {
                    continue; // found by the glob, gone since: nothing to say about it
                }
            }
            Err(e) => c.plan = Plan::Unreadable(e.to_string()),
            Ok(md) if !md.is_file() => c.plan = Plan::Unreadable("not a regular file".into()),
            Ok(md) => {
                c.size = md.len();
                c.modified = md.modified().ok();
                let of_window = c.modified.is_none_or(|m| m >= opts.since);
                c.plan = if c.size == 0 {
                    Plan::Empty
                } else if of_window {
                    Plan::Hash
                } else {
                    Plan::NotHashed
                };
            }
        }
        candidates.push(c);
    }
    for (path, error) in unreadable {
        candidates.push(Candidate {
            path,
            size: 0,
            modified: None,
            plan: Plan::Unreadable(error),
        });
    }

    // The sample among the older files.
    let mut state = match &opts.state {
        Some(p) => Some(sample::State::load(p)?),
        None => None,
    };
    if let Some(st) = &state {
        let older: Vec<&Path> = candidates
            .iter()
            .filter(|c| matches!(c.plan, Plan::NotHashed))
            .map(|c| c.path.as_path())
            .collect();
        let chosen = st.select(&older, opts.sample.unwrap_or(0.0));
        for c in &mut candidates {
            if matches!(c.plan, Plan::NotHashed) && chosen.contains(&c.path) {
                c.plan = Plan::Hash;
            }
        }
    }

    // Hash.
    let jobs: Vec<hash::Job> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.plan, Plan::Hash))
        .map(|(i, c)| hash::Job {
            index: i,
            path: c.path.clone(),
            size: c.size,
        })
        .collect();
    let outcomes = hash::run(jobs, opts.threads, opts.deep, opts.progress);

    // Verdicts.
    let mut bytes_hashed = 0u64;
    let mut newest: Option<(PathBuf, SystemTime)> = None;
    let mut verified: Vec<(PathBuf, bool)> = Vec::new();
    let mut files = Vec::with_capacity(candidates.len());
    let mut outcomes = outcomes.into_iter().peekable();
    let have_manifest = spec.manifest.is_some();
    for (i, c) in candidates.into_iter().enumerate() {
        if let Some(m) = c.modified
            && !matches!(c.plan, Plan::Missing | Plan::Unreadable(_))
            && newest.as_ref().is_none_or(|(_, t)| m > *t)
        {
            newest = Some((c.path.clone(), m));
        }
        let exp = expected.get(&c.path);
        let (status, sha256) = match c.plan {
            Plan::Missing => (FileStatus::Missing, None),
            Plan::Unreadable(e) => (FileStatus::Unreadable(e), None),
            Plan::Empty => (FileStatus::Empty, None),
            Plan::NotHashed if have_manifest && exp.is_none() => (FileStatus::NotInManifest, None),
            Plan::NotHashed => (FileStatus::NotSampled, None),
            Plan::Hash => {
                let outcome = match outcomes.next_if(|(j, _)| *j == i) {
                    Some((_, o)) => o,
                    None => Err("not hashed: a hashing thread failed".to_string()),
                };
                match outcome {
                    Err(e) => {
                        verified.push((c.path.clone(), false));
                        (FileStatus::Unreadable(e), None)
                    }
                    Ok(h) => {
                        bytes_hashed += h.bytes;
                        let hex = hex(&h.sha256);
                        let status =
                            if let Some(e) = exp.and_then(|e| e.iter().find(|e| **e != hex)) {
                                FileStatus::Mismatch {
                                    expected: e.clone(),
                                }
                            } else if let Some(e) = h.corrupt {
                                FileStatus::Corrupt(e)
                            } else if have_manifest && exp.is_none() {
                                FileStatus::NotInManifest
                            } else {
                                FileStatus::Ok
                            };
                        let ok = matches!(status, FileStatus::Ok | FileStatus::NotInManifest);
                        verified.push((c.path.clone(), ok));
                        (status, Some(hex))
                    }
                }
            }
        };
        files.push(FileResult {
            path: c.path,
            size: c.size,
            modified: c.modified,
            status,
            sha256,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));

    if let (Some(st), Some(path)) = (&mut state, &opts.state) {
        st.record(&verified, now);
        st.prune();
        st.save(path)?;
    }

    Ok(ArtefactReport {
        files,
        newest,
        bytes_hashed,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// `path` made absolute (against the current directory) with `.` and `..` removed lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl Serialize for FileStatus {
    /// `{"status": "mismatch", "expected": "..."}`, `{"status": "corrupt", "error": "..."}`, ...
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("status", self.name())?;
        match self {
            FileStatus::Mismatch { expected } => m.serialize_entry("expected", expected)?,
            FileStatus::Unreadable(e) | FileStatus::Corrupt(e) => m.serialize_entry("error", e)?,
            _ => {}
        }
        m.end()
    }
}

impl Serialize for FileResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("path", &self.path)?;
        m.serialize_entry("size", &self.size)?;
        m.serialize_entry("modified", &self.modified.map(rfc3339))?;
        m.serialize_entry("status", self.status.name())?;
        match &self.status {
            FileStatus::Mismatch { expected } => m.serialize_entry("expected", expected)?,
            FileStatus::Unreadable(e) | FileStatus::Corrupt(e) => m.serialize_entry("error", e)?,
            _ => {}
        }
        m.serialize_entry("sha256", &self.sha256)?;
        m.end()
    }
}

impl Serialize for ArtefactReport {
    /// `{"files": [...], "newest": {"path", "modified"} or null, "bytes_hashed", "seconds"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Newest<'a> {
            path: &'a Path,
            modified: String,
        }
        let mut st = s.serialize_struct("ArtefactReport", 4)?;
        st.serialize_field("files", &self.files)?;
        st.serialize_field(
            "newest",
            &self.newest.as_ref().map(|(p, t)| Newest {
                path: p,
                modified: rfc3339(*t),
            }),
        )?;
        st.serialize_field("bytes_hashed", &self.bytes_hashed)?;
        st.serialize_field("seconds", &self.seconds)?;
        st.end()
    }
}
