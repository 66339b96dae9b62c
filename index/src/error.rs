//! The errors of the index: every one names the index directory it is about, and says what to do
//! where there is something to do.

use std::path::PathBuf;

/// Everything that can go wrong opening, writing or searching the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The index directory does not exist.
    #[error("{}: no index here: the directory does not exist (run `vigil ingest` first)", path.display())]
    MissingDir { path: PathBuf },

    /// The path exists but holds no tantivy index (no `meta.json`), or is not a directory.
    #[error("{}: not a vigil index: {reason}", path.display())]
    NotAnIndex { path: PathBuf, reason: String },

    /// A tantivy index, but not one vigil wrote (its last commit carries no vigil payload).
    #[error("{}: not a vigil index: {reason}", path.display())]
    NotVigil { path: PathBuf, reason: String },

    /// `meta.json` cannot be read or parsed.
    #[error("{}: the index's meta.json is corrupt: {message}", path.display())]
    CorruptMeta { path: PathBuf, message: String },

    /// The index was written with another schema version than this vigil's.
    #[error(
        "{}: index schema version {found}, but this vigil reads version {expected}: \
         rebuild the index (move the directory away and run `vigil ingest` again)",
        path.display()
    )]
    SchemaVersion {
        path: PathBuf,
        found: u64,
        expected: u64,
    },

    /// The index says it is of this vigil's schema version, but its fields differ (a vigil built
    /// from changed sources without a version bump).
    #[error(
        "{}: the index's fields differ from this vigil's although both are schema version {version}: \
         rebuild the index (move the directory away and run `vigil ingest` again)",
        path.display()
    )]
    SchemaMismatch { path: PathBuf, version: u64 },

    /// Another writer holds the index's lock.
    #[error(
        "{}: the index is locked by another writer (is another `vigil ingest` or `vigil watch` running?)",
        path.display()
    )]
    Locked { path: PathBuf },

    /// A query tantivy cannot parse, or that names a field the index does not have.
    #[error("{}: bad query {query:?}: {message}", path.display())]
    BadQuery {
        path: PathBuf,
        query: String,
        message: String,
    },

    /// A field that cannot be used where it was asked for (counting, exact filtering).
    #[error("{}: field {field:?} {reason}", path.display())]
    BadField {
        path: PathBuf,
        field: String,
        reason: String,
    },

    /// A stored event that does not read back as an event.
    #[error("{}: a stored event cannot be read back: {message}", path.display())]
    CorruptEvent { path: PathBuf, message: String },

    /// An event that cannot be turned into a document (it does not serialize).
    #[error("{}: event {id} cannot be indexed: {message}", path.display())]
    BadEvent {
        path: PathBuf,
        id: String,
        message: String,
    },

    /// tantivy's indexing or merging thread stopped on an error it does not pass on: in practice
    /// a write that failed (a full disk, a folder made read-only). The last commit stands.
    #[error(
        "{}: the index writer stopped on a failed write (is the disk full, or the folder read-only?); \
         nothing committed is lost: fix it and run again",
        path.display()
    )]
    WriterStopped {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },

    /// Any other failure of tantivy (I/O, merges, a broken segment).
    /// An event store other than the index (ClickHouse) failed: which, and what it said.
    #[error("{store}: {message}")]
    Store { store: String, message: String },

    #[error("{}: {source}", path.display())]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },

    /// A file system error outside tantivy (creating the directory).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The index directory the error is about (empty for another store's).
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::MissingDir { path }
            | Error::NotAnIndex { path, .. }
            | Error::NotVigil { path, .. }
            | Error::CorruptMeta { path, .. }
            | Error::SchemaVersion { path, .. }
            | Error::SchemaMismatch { path, .. }
            | Error::Locked { path }
            | Error::BadQuery { path, .. }
            | Error::BadField { path, .. }
            | Error::CorruptEvent { path, .. }
            | Error::BadEvent { path, .. }
            | Error::Tantivy { path, .. }
            | Error::WriterStopped { path, .. }
            | Error::Io { path, .. } => path,
            Error::Store { .. } => std::path::Path::new(""),
        }
    }
}

/// Attaches the index path to tantivy's errors (`.at(path)`), turning a lock failure into
/// [`Error::Locked`].
pub(crate) trait WithPath<T> {
    fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> WithPath<T> for std::result::Result<T, tantivy::TantivyError> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| match source {
            tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::IoError(e),
                _,
            ) => Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    e.kind(),
                    format!("cannot take the writer's lock: {e}"),
                ),
            },
            tantivy::TantivyError::LockFailure(..) => Error::Locked {
                path: path.to_path_buf(),
            },
            tantivy::TantivyError::ErrorInThread(_) => Error::WriterStopped {
                path: path.to_path_buf(),
                source,
            },
            source => Error::Tantivy {
                path: path.to_path_buf(),
                source,
            },
        })
    }
}

impl<T> WithPath<T> for std::result::Result<T, std::io::Error> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
