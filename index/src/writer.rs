//! The index writer: adds events (replacing any event of the same id, so re-reading the same
//! bytes never duplicates an event) and commits them together with the readers' checkpoints.
//!
//! Replacing is a tantivy delete of the id before the add. Deletes are not free: tantivy keeps
//! every one until the commit and applies it to every new segment, which (measured with 200 000
//! events in one commit) halves the indexing speed and costs some 1.2 KB of memory per event. So
//! the writer deletes only where an event of that id may exist: in the last commit (a term lookup
//! in the id field) or among the events added since (a set of id hashes, cleared on commit).
//! With that, 600 000 new events index at ~90 000 events/s with a peak RSS of ~180 MB (128 MB
//! budget, release build, 2 cores). Re-adding many existing events (a re-run backfill) still pays
//! for its deletes until the next commit: commit every few tens of thousands of events.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::index::InvertedIndexReader;
use tantivy::{Index, IndexReader, ReloadPolicy, Term};
use vigil_parsers::Event;

use crate::checkpoints::{Checkpoints, Payload};
use crate::error::{Error, Result, WithPath};
use crate::open::{has_index, open_index};
use crate::schema::{SCHEMA_VERSION, VigilSchema, register_index_tokenizers};

/// The writer's memory budget by default: 128 MB, shared by its indexing threads.
pub const DEFAULT_MEMORY_BUDGET: usize = 128 << 20;
/// The least budget tantivy accepts per indexing thread (15 MB), rounded up.
const MIN_PER_THREAD: usize = 16 << 20;
/// No more than this, however much is asked: peak memory matters more than indexing speed.
const MAX_MEMORY_BUDGET: usize = 1 << 30;
/// Each indexing thread gets at least this much, so small budgets use fewer threads.
const PER_THREAD: usize = 48 << 20;

/// How the writer uses memory and threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Bytes of memory for buffering documents before they are written as a segment; clamped to
    /// 16 MB ..= 1 GB.
    pub memory_budget: usize,
    /// Indexing threads; by default one per 48 MB of budget, at most the number of cores and 4.
    pub threads: Option<usize>,
}

impl Default for WriterOptions {
    fn default() -> WriterOptions {
        WriterOptions {
            memory_budget: DEFAULT_MEMORY_BUDGET,
            threads: None,
        }
    }
}

impl WriterOptions {
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
    /// The last commit, to look ids up in.
    reader: IndexReader,
    /// The id field of every segment of the last commit.
    committed_ids: Vec<Arc<InvertedIndexReader>>,
    /// Hashes of the ids added since the last commit.
    added_ids: HashSet<u64>,
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
        let (threads, budget) = options.resolve();
        if has_index(path) {
            let (index, payload) = open_index(path)?;
            if index.schema() != schema.schema {
                return Err(Error::SchemaMismatch {
                    path: path.to_path_buf(),
                    version: payload.vigil_index,
                });
            }
            let writer = index.writer_with_num_threads(threads, budget).at(path)?;
            return IndexWriter::new(path, index, writer, schema, payload.checkpoints);
        }
        std::fs::create_dir_all(path).at(path)?;
        let index = Index::create_in_dir(path, schema.schema.clone()).at(path)?;
        register_index_tokenizers(index.tokenizers());
        let writer = index.writer_with_num_threads(threads, budget).at(path)?;
        let mut w = IndexWriter::new(path, index, writer, schema, Checkpoints::new())?;
        // A first, empty commit: from now on the directory is recognisably a vigil index.
        w.commit(&Checkpoints::new())?;
        Ok(w)
    }

    fn new(
        path: &Path,
        index: Index,
        writer: tantivy::IndexWriter,
        schema: VigilSchema,
        checkpoints: Checkpoints,
    ) -> Result<IndexWriter> {
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
            reader,
            committed_ids: Vec::new(),
            added_ids: HashSet::new(),
        };
        w.refresh()?;
        Ok(w)
    }

    /// Sees the last commit's segments (after opening and after each commit).
    fn refresh(&mut self) -> Result<()> {
        self.reader.reload().at(&self.path)?;
        self.committed_ids = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.inverted_index(self.schema.id))
            .collect::<tantivy::Result<_>>()
            .at(&self.path)?;
        self.added_ids.clear();
        Ok(())
    }

    /// Whether an event with this id may be in the index or the current batch already.
    fn may_exist(&mut self, id: &str) -> Result<bool> {
        if !self.added_ids.insert(id_hash(id)) {
            return Ok(true);
        }
        let term = Term::from_field_text(self.schema.id, id);
        for segment in &self.committed_ids {
            if segment.get_term_info(&term).at(&self.path)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds `event`, replacing any event of the same id (committed or not).
    pub fn add(&mut self, event: &Event) -> Result<()> {
        let doc = self.schema.document(event).map_err(|e| Error::BadEvent {
            path: self.path.clone(),
            id: event.id.to_string(),
            message: e.to_string(),
        })?;
        if self.may_exist(&event.id)? {
            self.writer
                .delete_term(Term::from_field_text(self.schema.id, &event.id));
        }
        self.writer.add_document(doc).at(&self.path)?;
        Ok(())
    }

    /// Commits every event added since the last commit together with `checkpoints`, in one
    /// tantivy commit: after it, both are durable; before it, neither is. Returns the commit's
    /// opstamp.
    pub fn commit(&mut self, checkpoints: &Checkpoints) -> Result<u64> {
        let payload = Payload {
            vigil_index: SCHEMA_VERSION,
            checkpoints: checkpoints.clone(),
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
        self.refresh()?;
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

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tantivy index (for tools and tests).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Waits for background merges to finish and releases the lock. Uncommitted events are lost:
    /// commit first.
    pub fn close(self) -> Result<()> {
        self.writer.wait_merging_threads().at(&self.path)
    }
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
            }
            .resolve()
        };
        assert_eq!(r(0, None), (1, 16 << 20));
        assert_eq!(r(usize::MAX, None).1, 1 << 30);
        assert_eq!(r(16 << 20, Some(8)), (1, 16 << 20));
        assert!(r(DEFAULT_MEMORY_BUDGET, None).0 >= 1);
    }
}
