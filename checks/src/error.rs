//! What can stop the checks: a register that cannot be read or holds a bad row, or the event
//! store failing.

use std::path::PathBuf;

/// An error of the checks.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bad row or header: the file, the line (1 = the header) and the column's name.
    #[error("{path}: line {line}, column {column}: {message}")]
    Register {
        path: PathBuf,
        line: usize,
        column: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] vigil_index::Error),
}

/// The checks' result type.
pub type Result<T> = std::result::Result<T, Error>;
