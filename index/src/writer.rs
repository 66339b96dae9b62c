//! The index writer: adds events (replacing any event of the same id, so re-reading the same
//! bytes never duplicates an event) and commits them together with the readers' checkpoints.
//!
//! Replacing is a tantivy delete of the id before the add. Deletes are not free: tantivy keeps
//! every one until the commit and applies it to every new segment, which (measured with 200 000
//! events in one commit) halves the indexing speed and costs some 1.2 KB of memory per event. So
//! the writer deletes only where an event of that id may exist: in the last commit (a term lookup
//! in the id field) or among the events added since (a set of id hashes, cleared on commit).
//! Events the caller knows are new ([`IndexWriter::add_fresh`]: ingest's events of a file never
//! read before) skip the lookup in the last commit. Re-adding many existing events (a re-run
//! backfill) still pays for its deletes until the next commit: commit every few tens of thousands
//! of events.
//!
//! Merges are bounded ([`WriterOptions::max_merged_docs`], one at a time): a merge maps the
//! segments it reads, so an unbounded merge of a big index would hold the whole index in memory.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::index::{InvertedIndexReader, SegmentMeta};
use tantivy::indexer::{IndexWriterOptions, MergeCandidate, MergePolicy};
use tantivy::{Index, IndexReader, ReloadPolicy, Term};
use vigil_parsers::Event;

use crate::checkpoints::{Checkpoints, Payload};
use crate::error::{Error, Result, WithPath};
use crate::open::{has_index, open_index};
use crate::schema::{SCHEMA_VERSION, VigilSchema};

/// The writer's memory budget by default: 96 MB, shared by its indexing threads (two, on two
/// cores). Each thread writes a segment when its share fills; writing it takes about as much
/// again, so this and the merges bound the peak memory of an ingest.
pub const DEFAULT_MEMORY_BUDGET: usize = 96 << 20;
/// The least budget tantivy accepts per indexing thread (15 MB), rounded up.
const MIN_PER_THREAD: usize = 16 << 20;
/// No more than this, however much is asked: peak memory matters more than indexing speed.
const MAX_MEMORY_BUDGET: usize = 1 << 30;
/// Each indexing thread gets at least this much, so small budgets use fewer threads.
const PER_THREAD: usize = 48 << 20;

/// The most events a merge makes one segment of, by default. A merge maps every segment it reads,
/// so this bounds the memory a merge takes (some 240 MB of index files at 1 000 000 events), and
/// segments this large are final: a month of a few million events is a handful of segments, each
/// opened by every search.
pub const DEFAULT_MAX_MERGED_DOCS: u32 = 800_000;

/// How the writer uses memory and threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Bytes of memory for buffering documents before they are written as a segment; clamped to
    /// 16 MB ..= 1 GB.
    pub memory_budget: usize,
    /// Indexing threads; by default one per 48 MB of budget, at most the number of cores and 4.
    pub threads: Option<usize>,
    /// Merges make segments of at most this many events (see [`DEFAULT_MAX_MERGED_DOCS`]).
    pub max_merged_docs: u32,
}

impl Default for WriterOptions {
    fn default() -> WriterOptions {
        WriterOptions {
            memory_budget: DEFAULT_MEMORY_BUDGET,
            threads: None,
            max_merged_docs: DEFAULT_MAX_MERGED_DOCS,
        }
    }
}

/// How many segments of about the same size one merge takes.
const MERGE_FAN_IN: usize = 8;
/// Segments up to this many events count as one size class.
const MIN_MERGE_CLASS: u32 = 10_000;

/// A tiered merge policy with a bound on the merged segment: segments of about the same size
/// (size classes a factor [`MERGE_FAN_IN`] apart) are merged [`MERGE_FAN_IN`] at a time, never
/// into more than `max_docs` events. Tantivy's log merge policy merges a whole size class at once,
/// up to segments of 10 million events: its last merges read the whole index, and map it.
#[derive(Debug, Clone)]
struct BoundedMergePolicy {
    max_docs: u32,
}

impl BoundedMergePolicy {
    fn class(docs: u32) -> u32 {
        (docs.max(MIN_MERGE_CLASS) / MIN_MERGE_CLASS).ilog2() / MERGE_FAN_IN.ilog2()
    }
}

impl MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        // Segments over half the bound could only be merged with smaller ones: they stay.
        let mut small: Vec<&SegmentMeta> = segments
            .iter()
            .filter(|s| s.max_doc() <= self.max_docs / 2)
            .collect();
        small.sort_by_key(|s| s.max_doc());
        let mut candidates = Vec::new();
        for class in small.chunk_by(|a, b| Self::class(a.max_doc()) == Self::class(b.max_doc())) {
            if class.len() < MERGE_FAN_IN {
                continue;
            }
            for chunk in class.chunks(MERGE_FAN_IN) {
                if chunk.len() < MERGE_FAN_IN {
                    break;
                }
                // The smallest first, as many as fit under the bound.
                let mut total = 0u32;
                let ids: Vec<_> = chunk
                    .iter()
                    .take_while(|s| {
                        total = total.saturating_add(s.max_doc());
                        total <= self.max_docs
                    })
                    .map(|s| s.id())
                    .collect();
                if ids.len() >= 2 {
                    candidates.push(MergeCandidate(ids));
                }
            }
        }
        candidates
    }
}

impl WriterOptions {
    /// Opens tantivy's writer of `index` with these options.
    fn writer(&self, index: &Index) -> tantivy::Result<tantivy::IndexWriter> {
        let (threads, budget) = self.resolve();
        let writer = index.writer_with_options(
            IndexWriterOptions::builder()
                .num_worker_threads(threads)
                .memory_budget_per_thread(budget / threads)
                // One merge at a time: merges take memory (they map what they read) and a core.
                .num_merge_threads(1)
                .build(),
        )?;
        writer.set_merge_policy(Box::new(BoundedMergePolicy {
            max_docs: self.max_merged_docs.max(2),
        }));
        Ok(writer)
    }

    /// The (threads, budget) given to tantivy.
    fn resolve(&self) -> (usize, usize) {
        let budget = self.memory_budget.clamp(MIN_PER_THREAD, MAX_MEMORY_BUDGET);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = self
            .threads
            .unwrap_or_else(|| (budget / PER_THREAD).min(cores).min(4))
            .clamp(1, (budget / MIN_PER_THREAD).max(1));
        (threads, budget)
    }
}

/// The one writer of an index (tantivy locks the directory: a second writer gets
/// [`Error::Locked`]).
pub struct IndexWriter {
    path: PathBuf,
    index: Index,
    writer: tantivy::IndexWriter,
    schema: VigilSchema,
    checkpoints: Checkpoints,
    /// The archive state of the last commit (see [`IndexWriter::commit_with_archive`]).
    archive: Option<serde_json::Value>,
    /// The last commit, to look ids up in.
    reader: IndexReader,
    /// The id field of every segment of the last commit; `None` until an id is looked up after
    /// a commit (a run that adds only fresh events never opens them).
    committed_ids: Option<Vec<Arc<InvertedIndexReader>>>,
    /// Hashes of the ids added since the last commit.
    added_ids: HashSet<u64>,
    /// Scratch space for serializing events.
    buf: Vec<u8>,
    /// The options the writer was opened with (to reopen it in [`IndexWriter::finish`]).
    options: WriterOptions,
}

/// Creates an empty vigil index at `path` (absent, or an empty folder) all at once: it is built
/// beside it, with its first commit and payload, then renamed into place. A process killed
/// half-way leaves only the side folder, which the next attempt replaces; `path` is never a
/// tantivy index without a vigil payload.
///
/// Two processes that start on an empty data directory at once (`watch`, and a `backups
/// verify` beside it) take turns on a lock file beside the index: the second finds the index
/// the first made.
fn create(path: &Path, schema: &VigilSchema) -> Result<()> {
    let mut side = path.as_os_str().to_owned();
    side.push(".new");
    let side = PathBuf::from(side);
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".create.lock");
    let lock_path = PathBuf::from(lock_path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let lock = options.open(&lock_path).at(&lock_path)?;
    lock.lock().at(&lock_path)?;
    if has_index(path) {
        return Ok(());
    }
    if side.exists() {
        std::fs::remove_dir_all(&side).at(&side)?;
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&side).at(&side)?;
    {
        let index = Index::create_in_dir(&side, schema.schema.clone()).at(&side)?;
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, MIN_PER_THREAD).at(&side)?;
        let payload = Payload {
            vigil_index: SCHEMA_VERSION,
            checkpoints: Checkpoints::new(),
            archive: None,
        };
        let payload = serde_json::to_string(&payload).map_err(|e| Error::BadEvent {
            path: side.clone(),
            id: "(checkpoints)".into(),
            message: e.to_string(),
        })?;
        let mut prepared = writer.prepare_commit().at(&side)?;
        prepared.set_payload(&payload);
        prepared.commit().at(&side)?;
        writer.wait_merging_threads().at(&side)?;
    }
    if path.is_dir() {
        // An empty folder made for it (a folder with anything in it is not replaced).
        std::fs::remove_dir(path).at(path)?;
    }
    std::fs::rename(&side, path).at(path)?;
    if let Some(parent) = path.parent() {
        // The rename is durable once the parent folder is.
        if let Ok(d) = std::fs::File::open(parent) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

impl IndexWriter {
    /// Opens the index at `path` for writing, creating it (and the directory) if there is none,
    /// with the default memory budget.
    pub fn open(path: impl AsRef<Path>) -> Result<IndexWriter> {
        IndexWriter::open_with(path, &WriterOptions::default())
    }

    /// Opens or creates the index at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: &WriterOptions) -> Result<IndexWriter> {
        let path = path.as_ref();
        let schema = VigilSchema::build();
        if has_index(path) {
            let (index, payload) = open_index(path, crate::open::Files::Mapped)?;
            if index.schema() != schema.schema {
                return Err(Error::SchemaMismatch {
                    path: path.to_path_buf(),
                    version: payload.vigil_index,
                });
            }
            let mut w = IndexWriter::new(path, index, schema, payload.checkpoints, options)?;
            w.archive = payload.archive;
            return Ok(w);
        }
        create(path, &schema)?;
        IndexWriter::open_with(path, options)
    }

    fn new(
        path: &Path,
        index: Index,
        schema: VigilSchema,
        checkpoints: Checkpoints,
        options: &WriterOptions,
    ) -> Result<IndexWriter> {
        let writer = options.writer(&index).at(path)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .at(path)?;
        let mut w = IndexWriter {
            path: path.to_path_buf(),
            index,
            writer,
            schema,
            checkpoints,
            archive: None,
            reader,
            committed_ids: None,
            added_ids: HashSet::new(),
            buf: Vec::new(),
            options: options.clone(),
        };
        w.refresh()?;
        Ok(w)
    }

    /// Forgets the last commit's segments (after opening and after each commit): the next lookup
    /// loads them.
    fn refresh(&mut self) -> Result<()> {
        self.committed_ids = None;
        self.added_ids.clear();
        Ok(())
    }

    /// The id field of every segment of the last commit.
    fn committed_ids(&mut self) -> Result<&[Arc<InvertedIndexReader>]> {
        let ids = match self.committed_ids.take() {
            Some(ids) => ids,
            None => {
                self.reader.reload().at(&self.path)?;
                self.reader
                    .searcher()
                    .segment_readers()
                    .iter()
                    .map(|s| s.inverted_index(self.schema.id))
                    .collect::<tantivy::Result<_>>()
                    .at(&self.path)?
            }
        };
        Ok(self.committed_ids.insert(ids))
    }

    /// Whether an event with this id may be in the index or the current batch already.
    fn may_exist(&mut self, id: &str) -> Result<bool> {
        if !self.added_ids.insert(id_hash(id)) {
            return Ok(true);
        }
        let term = Term::from_field_text(self.schema.id, id);
        let path = self.path.clone();
        for segment in self.committed_ids()? {
            if segment.get_term_info(&term).at(&path)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds `event`, replacing any event of the same id (committed or not).
    pub fn add(&mut self, event: Event) -> Result<()> {
        let replace = self.may_exist(&event.id)?;
        self.add_doc(event, replace)
    }

    /// Adds `event`, which the caller knows is in no commit: it comes from bytes that no
    /// committed checkpoint covers, of a file never read before (ingest knows which). An event of
    /// the same id added since the last commit is still replaced. It saves [`IndexWriter::add`]'s
    /// lookup of the id in every segment of the last commit.
    pub fn add_fresh(&mut self, event: Event) -> Result<()> {
        let replace = !self.added_ids.insert(id_hash(&event.id));
        self.add_doc(event, replace)
    }

    fn add_doc(&mut self, mut event: Event, replace: bool) -> Result<()> {
        if replace {
            self.writer
                .delete_term(Term::from_field_text(self.schema.id, &event.id));
        }
        let doc = self
            .schema
            .document(&mut event, &mut self.buf)
            .map_err(|e| Error::BadEvent {
                path: self.path.clone(),
                id: event.id.to_string(),
                message: e.to_string(),
            })?;
        self.writer.add_document(doc).at(&self.path)?;
        Ok(())
    }

    /// Commits every event added since the last commit together with `checkpoints`, in one
    /// tantivy commit: after it, both are durable; before it, neither is. Returns the commit's
    /// opstamp.
    pub fn commit(&mut self, checkpoints: &Checkpoints) -> Result<u64> {
        let archive = self.archive.clone();
        self.commit_with_archive(checkpoints, archive)
    }

    /// Commits like [`IndexWriter::commit`], with the evidence archive's state as of the same
    /// moment: after a crash, the archive is brought back to what this commit says.
    pub fn commit_with_archive(
        &mut self,
        checkpoints: &Checkpoints,
        archive: Option<serde_json::Value>,
    ) -> Result<u64> {
        let payload = Payload {
            vigil_index: SCHEMA_VERSION,
            checkpoints: checkpoints.clone(),
            archive: archive.clone(),
        };
        let payload = serde_json::to_string(&payload).map_err(|e| Error::BadEvent {
            path: self.path.clone(),
            id: "(checkpoints)".into(),
            message: e.to_string(),
        })?;
        let mut prepared = self.writer.prepare_commit().at(&self.path)?;
        prepared.set_payload(&payload);
        let opstamp = prepared.commit().at(&self.path)?;
        self.checkpoints = checkpoints.clone();
        self.archive = archive;
        self.refresh()?;
        save_tails(&self.path, &self.index);
        Ok(opstamp)
    }

    /// Drops every event added since the last commit.
    pub fn rollback(&mut self) -> Result<()> {
        self.writer.rollback().at(&self.path)?;
        self.added_ids.clear();
        Ok(())
    }

    /// The checkpoints of the last commit (empty for a new index).
    pub fn checkpoints(&self) -> &Checkpoints {
        &self.checkpoints
    }

    /// The archive state of the last commit, if one was recorded.
    pub fn archive_state(&self) -> Option<&serde_json::Value> {
        self.archive.as_ref()
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tantivy index (for tools and tests).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Finishes a run of adds: waits for the background merges, then merges the small segments
    /// of the last commit (those under half the bound on merged segments) into as few as the
    /// bound allows, waits for that too, and releases the lock. Each search opens every
    /// segment's files (a quarter of a millisecond each on the project's machine), so a run
    /// that left a dozen small segments would slow every later search. Uncommitted events are
    /// lost: commit first. Returns how many segments were merged.
    pub fn finish(self) -> Result<usize> {
        let IndexWriter {
            path,
            index,
            writer,
            options,
            reader,
            committed_ids,
            ..
        } = self;
        // Segments a reader still sees are kept on disk: let go of the last commit's.
        drop(committed_ids);
        drop(reader);
        writer.wait_merging_threads().at(&path)?;
        let max = options.max_merged_docs.max(2);
        let mut small: Vec<SegmentMeta> = index
            .searchable_segment_metas()
            .at(&path)?
            .into_iter()
            .filter(|s| s.max_doc() <= max / 2)
            .collect();
        small.sort_by_key(|s| s.max_doc());
        let mut groups: Vec<(u32, Vec<tantivy::index::SegmentId>)> = Vec::new();
        for s in &small {
            match groups.last_mut() {
                Some((total, ids)) if total.saturating_add(s.max_doc()) <= max => {
                    *total += s.max_doc();
                    ids.push(s.id());
                }
                _ => groups.push((s.max_doc(), vec![s.id()])),
            }
        }
        // A segment's files stay on disk while any of its metas lives.
        drop(small);
        groups.retain(|(_, ids)| ids.len() >= 2);
        if groups.is_empty() {
            save_tails(&path, &index);
            return Ok(0);
        }
        let mut writer = options.writer(&index).at(&path)?;
        let mut merged = 0;
        for (_, ids) in groups {
            merged += ids.len();
            // Merges go one after the other: one merge's memory at a time.
            writer.merge(&ids).wait().at(&path)?;
        }
        // The merged segments' files, which no commit names any more.
        writer.garbage_collect_files().wait().at(&path)?;
        writer.wait_merging_threads().at(&path)?;
        save_tails(&path, &index);
        Ok(merged)
    }

    /// Waits for background merges to finish and releases the lock. Uncommitted events are lost:
    /// commit first.
    pub fn close(self) -> Result<()> {
        self.writer.wait_merging_threads().at(&self.path)?;
        save_tails(&self.path, &self.index);
        Ok(())
    }
}

/// Saves the tails of the files of the last commit's segments for searches ([`crate::tails`]).
/// A failure is not the commit's: without the file, a search opens every segment file as tantivy
/// does.
fn save_tails(path: &Path, index: &Index) {
    let Ok(metas) = index.searchable_segment_metas() else {
        return;
    };
    let files: Vec<PathBuf> = metas.iter().flat_map(crate::tails::segment_files).collect();
    let _ = crate::tails::save(path, &files);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_bounded() {
        let r = |m, t| {
            WriterOptions {
                memory_budget: m,
                threads: t,
                ..WriterOptions::default()
            }
            .resolve()
        };
        assert_eq!(r(0, None), (1, 16 << 20));
        assert_eq!(r(usize::MAX, None).1, 1 << 30);
        assert_eq!(r(16 << 20, Some(8)), (1, 16 << 20));
        assert!(r(DEFAULT_MEMORY_BUDGET, None).0 >= 1);
    }

    #[test]
    fn merges_are_bounded() {
        let index = Index::create_in_ram(VigilSchema::build().schema);
        let metas = |sizes: &[u32]| -> Vec<SegmentMeta> {
            sizes
                .iter()
                .map(|&n| index.new_segment_meta(tantivy::index::SegmentId::generate_random(), n))
                .collect()
        };
        let policy = BoundedMergePolicy { max_docs: 500_000 };
        let merged = |segments: &[SegmentMeta]| -> Vec<u32> {
            policy
                .compute_merge_candidates(segments)
                .iter()
                .map(|c| {
                    c.0.iter()
                        .filter_map(|id| segments.iter().find(|s| s.id() == *id))
                        .map(|s| s.max_doc())
                        .sum()
                })
                .collect()
        };
        // Twenty small segments: two merges of eight, four left for later.
        assert_eq!(merged(&metas(&[25_000; 20])), [200_000, 200_000]);
        // Seven are too few.
        assert!(merged(&metas(&[25_000; 7])).is_empty());
        // Eight of 200 000: only as many as fit in 500 000.
        assert_eq!(merged(&metas(&[200_000; 8])), [400_000]);
        // Segments over half the bound are final.
        assert!(merged(&metas(&[300_000; 16])).is_empty());
        // Sizes far apart are not merged together.
        let mut mixed = vec![1_000; 4];
        mixed.extend([150_000; 4]);
        assert!(merged(&metas(&mixed)).is_empty());
    }
}
