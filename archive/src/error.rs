//! The archive's errors: each names the file it is about and says what to do.
//!
//! These are failures to do the job (I/O, a directory that does not match the committed state).
//! What `verify` finds wrong with the evidence is not an error but a [`crate::Problem`].

use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The directory holds less than the last index commit says it should: evidence is gone.
    #[error(
        "{}: the last index commit recorded {expected}, but {found}; the archive has lost data \
         (run `vigil archive verify` for the details)",
        path.display()
    )]
    Behind {
        path: PathBuf,
        expected: String,
        found: String,
    },

    /// The chain file cannot be read as links.
    #[error(
        "{}: line {line}: {message} (run `vigil archive verify` for the details)",
        path.display()
    )]
    BadChain {
        path: PathBuf,
        line: u64,
        message: String,
    },

    #[error("source name {name:?} cannot name an archive folder: {reason}")]
    BadSource { name: String, reason: String },
}

/// Attaches a path to an I/O error.
pub(crate) trait At<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> At<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}
