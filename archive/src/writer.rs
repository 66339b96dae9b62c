//! Writing the archive: records appended per source, frames written and segments sealed at each
//! commit, and recovery to the last index commit when it is opened.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::chain::{self, Link};
use crate::error::{At, Error, Result};
use crate::segment;
use crate::state::{ArchiveState, OpenSegment};

/// How the archive writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// zstd level: 1 by default (on the generated month, 5% smaller than zstd's default 3, about
    /// 8× on logs, and no slower).
    pub level: i32,
    /// A segment is sealed at the first commit after it reaches this many compressed bytes.
    pub seal_bytes: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            level: 1,
            seal_bytes: 64 << 20,
        }
    }
}

/// A source's open segment: the committed part, and the records appended since.
struct Open {
    state: OpenSegment,
    /// The running sha256 of the committed bytes.
    hash: Sha256,
    pending: Option<zstd::stream::write::Encoder<'static, Vec<u8>>>,
    pending_lines: u64,
    /// Scratch for one record.
    record: Vec<u8>,
}

/// The archive directory, open for writing. One writer per data directory (the caller holds the
/// data directory's lock).
pub struct Archive {
    dir: PathBuf,
    opts: Options,
    links: u64,
    head: String,
    /// Per source: the number of its last sealed segment and its next line number.
    sealed: BTreeMap<String, (u64, u64)>,
    open: BTreeMap<String, Open>,
    /// Per file identity, the offset past its last archived line (see [`ArchiveState::files`]).
    archived: BTreeMap<u64, u64>,
}

impl Archive {
    /// Opens the archive at `dir` (creating it) and brings it back to `committed`, the state the
    /// last index commit recorded: the chain is cut back to its links, each open segment to its
    /// committed bytes, and segments begun after that commit are removed. Their lines are past the
    /// committed checkpoints, so they will be read and archived again. An archive that holds
    /// *less* than `committed` has lost evidence: that is an error, and nothing is changed.
    pub fn open(dir: &Path, committed: &ArchiveState, opts: Options) -> Result<Archive> {
        create_private_dir(dir)?;
        let lines = chain::read(dir)?;
        let kept = usize::try_from(committed.links).unwrap_or(usize::MAX);
        let behind = |expected: String, found: String| Error::Behind {
            path: dir.join(chain::CHAIN),
            expected,
            found,
        };
        if lines.len() < kept {
            return Err(behind(
                format!("{} chain links", committed.links),
                format!("chain.jsonl holds {}", lines.len()),
            ));
        }
        let mut links = Vec::with_capacity(kept);
        for line in lines.into_iter().take(kept) {
            match line {
                chain::Line::Link(l) => links.push(*l),
                chain::Line::Bad(line, message) => {
                    return Err(Error::BadChain {
                        path: dir.join(chain::CHAIN),
                        line,
                        message,
                    });
                }
            }
        }
        let head = links.last().map_or(String::new(), |l| l.hash.clone());
        if head != committed.head {
            return Err(behind(
                format!("the chain head {:?}", committed.head),
                format!("link {} has the hash {head:?}", committed.links),
            ));
        }
        chain::truncate(dir, committed.links)?;

        let mut sealed = BTreeMap::new();
        for l in &links {
            let seq = seq_of(&l.segment).unwrap_or(0);
            sealed.insert(l.source.clone(), (seq, l.first_line + l.lines));
        }
        let mut open = BTreeMap::new();
        for (source, st) in &committed.open {
            let path = dir.join(&st.segment);
            let len = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if len < st.bytes {
                return Err(Error::Behind {
                    path,
                    expected: format!("{} bytes", st.bytes),
                    found: format!("the segment holds {len}"),
                });
            }
            if len > st.bytes {
                let f = OpenOptions::new().write(true).open(&path).at(&path)?;
                f.set_len(st.bytes).at(&path)?;
                f.sync_data().at(&path)?;
            }
            let hash = hash_state(&path, st.bytes)?;
            let found = crate::hex(&hash.clone().finalize());
            if found != st.sha256 {
                return Err(Error::Behind {
                    path,
                    expected: format!("sha256 {}", st.sha256),
                    found: format!("the segment's committed bytes hash to {found}"),
                });
            }
            open.insert(
                source.clone(),
                Open {
                    state: st.clone(),
                    hash,
                    pending: None,
                    pending_lines: 0,
                    record: Vec::new(),
                },
            );
        }
        let mut archived = BTreeMap::new();
        for (id, end) in &committed.files {
            let id = u64::from_str_radix(id, 16).map_err(|_| Error::Behind {
                path: dir.to_path_buf(),
                expected: "file identities of 16 hex digits".into(),
                found: format!("{id:?}"),
            })?;
            archived.insert(id, *end);
        }
        let archive = Archive {
            dir: dir.to_path_buf(),
            opts,
            links: committed.links,
            head,
            sealed,
            open,
            archived,
        };
        archive.remove_uncommitted(&links)?;
        Ok(archive)
    }

    /// Removes segment files no committed link or open segment accounts for and that are newer
    /// than every committed segment of their folder: they were begun after the last commit.
    /// Older unaccounted files are left for `verify` to report.
    fn remove_uncommitted(&self, links: &[Link]) -> Result<()> {
        let mut known: BTreeSet<&str> = links.iter().map(|l| l.segment.as_str()).collect();
        known.extend(self.open.values().map(|o| o.state.segment.as_str()));
        let mut newest: BTreeMap<&str, u64> = BTreeMap::new();
        for seg in &known {
            if let (Some((folder, _)), Some(seq)) = (seg.split_once('/'), seq_of(seg)) {
                let n = newest.entry(folder).or_default();
                *n = (*n).max(seq);
            }
        }
        for (folder, seq, rel) in segment_files(&self.dir)? {
            if known.contains(rel.as_str()) {
                continue;
            }
            if newest.get(folder.as_str()).is_none_or(|&n| seq > n) {
                let path = self.dir.join(&rel);
                fs::remove_file(&path).at(&path)?;
            }
        }
        Ok(())
    }

    /// Appends the raw `line` read at `offset` of the file `file_id` to `source`'s open segment,
    /// unless that line (or a later one of the file) is archived already; says which. It is
    /// written at the next [`Archive::commit`].
    pub fn append(&mut self, source: &str, file_id: u64, offset: u64, line: &[u8]) -> Result<bool> {
        if self.archived.get(&file_id).is_some_and(|&end| offset < end) {
            return Ok(false);
        }
        self.archived.insert(file_id, offset + 1);
        if !self.open.contains_key(source) {
            let folder = folder_of(source)?;
            let (seq, next_line) = self.sealed.get(source).copied().unwrap_or((0, 0));
            let seq = seq + 1;
            self.open.insert(
                source.to_string(),
                Open {
                    state: OpenSegment {
                        segment: format!("{folder}/{seq:06}.zst"),
                        seq,
                        first_line: next_line,
                        lines: 0,
                        bytes: 0,
                        sha256: String::new(),
                        day: NaiveDate::MIN,
                    },
                    hash: Sha256::new(),
                    pending: None,
                    pending_lines: 0,
                    record: Vec::new(),
                },
            );
        }
        let level = self.opts.level;
        let dir = &self.dir;
        let Some(o) = self.open.get_mut(source) else {
            return Ok(false);
        };
        let path = || dir.join(&o.state.segment);
        if o.pending.is_none() {
            o.pending = Some(zstd::stream::write::Encoder::new(Vec::new(), level).at(path())?);
        }
        o.record.clear();
        segment::encode(&mut o.record, file_id, offset, line);
        if let Some(enc) = o.pending.as_mut() {
            enc.write_all(&o.record).at(dir.join(&o.state.segment))?;
        }
        o.pending_lines += 1;
        Ok(true)
    }

    /// Lines appended since the last commit.
    pub fn pending_lines(&self) -> u64 {
        self.open.values().map(|o| o.pending_lines).sum()
    }

    /// Writes what was appended (one zstd frame per source, made durable), seals the segments
    /// that are due (past the size, or opened before `today`), and returns the state the caller
    /// must store in the index commit that goes with these lines. If that commit fails, drop
    /// this writer and [`Archive::open`] again with the last committed state.
    pub fn commit(&mut self, today: NaiveDate, now: DateTime<Utc>) -> Result<ArchiveState> {
        for o in self.open.values_mut() {
            let Some(enc) = o.pending.take() else {
                continue;
            };
            let path = self.dir.join(&o.state.segment);
            let frame = enc.finish().at(&path)?;
            let new_file = o.state.bytes == 0;
            if new_file {
                if let Some(parent) = path.parent() {
                    create_private_dir(parent)?;
                }
                o.state.day = today;
            }
            let mut f = open_private_append(&path)?;
            f.write_all(&frame).at(&path)?;
            f.sync_data().at(&path)?;
            if new_file {
                sync_dir(path.parent().unwrap_or(&self.dir))?;
            }
            o.hash.update(&frame);
            o.state.bytes += frame.len() as u64;
            o.state.lines += o.pending_lines;
            o.state.sha256 = crate::hex(&o.hash.clone().finalize());
            o.pending_lines = 0;
        }
        let due: Vec<String> = self
            .open
            .iter()
            .filter(|(_, o)| {
                o.state.lines > 0 && (o.state.bytes >= self.opts.seal_bytes || o.state.day < today)
            })
            .map(|(s, _)| s.clone())
            .collect();
        for source in due {
            if let Some(o) = self.open.remove(&source) {
                self.seal(&source, o.state, now)?;
            }
        }
        Ok(self.state())
    }

    fn seal(&mut self, source: &str, st: OpenSegment, now: DateTime<Utc>) -> Result<()> {
        let mut link = Link {
            link: self.links,
            source: source.to_string(),
            segment: st.segment,
            first_line: st.first_line,
            lines: st.lines,
            bytes: st.bytes,
            sha256: st.sha256,
            sealed_at: now,
            prev: self.head.clone(),
            hash: String::new(),
        };
        link.hash = link.compute_hash();
        chain::append(&self.dir, &link)?;
        self.links += 1;
        self.head = link.hash;
        self.sealed
            .insert(source.to_string(), (st.seq, st.first_line + st.lines));
        Ok(())
    }

    /// The state as of the last [`Archive::commit`] (or the one it was opened with).
    pub fn state(&self) -> ArchiveState {
        ArchiveState {
            links: self.links,
            head: self.head.clone(),
            open: self
                .open
                .iter()
                .filter(|(_, o)| o.state.bytes > 0)
                .map(|(s, o)| (s.clone(), o.state.clone()))
                .collect(),
            files: self
                .archived
                .iter()
                .map(|(id, end)| (format!("{id:016x}"), *end))
                .collect(),
        }
    }

    /// The chain head: the hash of the last sealed segment's link (empty before the first).
    pub fn head(&self) -> &str {
        &self.head
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The folder a source's segments live in: its name where that is a plain file name, otherwise
/// a cleaned name with a hash of the real one (so two sources never share a folder).
pub fn folder_of(source: &str) -> Result<String> {
    if source.is_empty() {
        return Err(Error::BadSource {
            name: source.into(),
            reason: "it is empty".into(),
        });
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if source.chars().all(plain) && !source.starts_with('.') && source.len() <= 64 {
        return Ok(source.to_string());
    }
    let clean: String = source
        .chars()
        .map(|c| if plain(c) { c } else { '_' })
        .take(48)
        .collect();
    let hash = crate::sha256_hex(source.as_bytes());
    Ok(format!("{}~{}", clean.trim_start_matches('.'), &hash[..8]))
}

/// The number of a segment path `folder/000123.zst`.
pub(crate) fn seq_of(segment: &str) -> Option<u64> {
    let name = segment.rsplit('/').next()?;
    let digits = name.strip_suffix(".zst")?;
    if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Every segment file under `dir`: (folder, number, relative path).
pub(crate) fn segment_files(dir: &Path) -> Result<Vec<(String, u64, String)>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).at(dir),
    };
    for folder in entries {
        let folder = folder.at(dir)?;
        if !folder.file_type().at(folder.path())?.is_dir() {
            continue;
        }
        let Some(fname) = folder.file_name().to_str().map(str::to_string) else {
            continue;
        };
        for f in fs::read_dir(folder.path()).at(folder.path())? {
            let f = f.at(folder.path())?;
            let Some(name) = f.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let rel = format!("{fname}/{name}");
            if let Some(seq) = seq_of(&rel) {
                out.push((fname.clone(), seq, rel));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A sha256 state fed with the first `bytes` bytes of `path`.
fn hash_state(path: &Path, bytes: u64) -> Result<Sha256> {
    let mut hash = Sha256::new();
    let mut f = File::open(path).at(path)?.take(bytes);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).at(path)?;
        if n == 0 {
            return Ok(hash);
        }
        hash.update(&buf[..n]);
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).at(dir)
}

/// Opens `path` for appending, creating it readable and writable by its owner only.
pub(crate) fn open_private_append(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).at(path)
}

/// Makes a new directory entry durable.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).at(dir)?.sync_all().at(dir)
}
