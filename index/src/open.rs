//! Opening an existing index: the checks shared by the writer and the searcher, each failure a
//! typed error naming the directory.

use std::path::Path;

use tantivy::directory::MmapDirectory;
use tantivy::{Directory, Index};

use crate::checkpoints::Payload;
use crate::error::{Error, Result, WithPath};
use crate::schema::{SCHEMA_VERSION, register_index_tokenizers};
use crate::tails::TailDirectory;

/// The file tantivy keeps its index metadata (and our payload) in.
pub(crate) const META: &str = "meta.json";

/// Whether `path` holds an index (a `meta.json`): the writer creates one where there is none.
pub(crate) fn has_index(path: &Path) -> bool {
    path.join(META).is_file()
}

/// How an index's segment files are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Files {
    /// All of them, mapped when the index is opened: for writers and long reads, which a
    /// concurrent writer's merges must not disturb.
    Mapped,
    /// Each on its first read before its saved tail ([`crate::tails`]): for one short search.
    Lazy,
}

/// Opens the vigil index at `path`: checks the directory, `meta.json`, the payload and its schema
/// version, and registers the tokenizers.
pub(crate) fn open_index(path: &Path, files: Files) -> Result<(Index, Payload)> {
    let owned = || path.to_path_buf();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingDir { path: owned() });
        }
        Err(e) => return Err(e).at(path),
        Ok(m) if !m.is_dir() => {
            return Err(Error::NotAnIndex {
                path: owned(),
                reason: "it is not a directory".into(),
            });
        }
        Ok(_) => {}
    }
    if !has_index(path) {
        return Err(Error::NotAnIndex {
            path: owned(),
            reason: format!("the directory has no {META}"),
        });
    }
    let corrupt = |e: &dyn std::fmt::Display| Error::CorruptMeta {
        path: owned(),
        message: e.to_string(),
    };
    let dir: Box<dyn Directory> = match files {
        Files::Mapped => Box::new(MmapDirectory::open(path).map_err(|e| corrupt(&e))?),
        Files::Lazy => Box::new(TailDirectory::open(path).map_err(|e| corrupt(&e))?),
    };
    let index = Index::open(dir).map_err(|e| match e {
        tantivy::TantivyError::DataCorruption(_)
        | tantivy::TantivyError::IncompatibleIndex(_)
        | tantivy::TantivyError::SchemaError(_) => corrupt(&e),
        e => Error::Tantivy {
            path: owned(),
            source: e,
        },
    })?;
    let metas = index.load_metas().map_err(|e| corrupt(&e))?;
    let payload = read_payload(path, metas.payload.as_deref())?;
    register_index_tokenizers(index.tokenizers());
    Ok((index, payload))
}

/// Reads the vigil payload of the last commit, checking the schema version first.
pub(crate) fn read_payload(path: &Path, payload: Option<&str>) -> Result<Payload> {
    let not_vigil = |reason: String| Error::NotVigil {
        path: path.to_path_buf(),
        reason,
    };
    let Some(text) = payload else {
        return Err(not_vigil(
            "its last commit carries no vigil payload (a tantivy index written by something else)"
                .into(),
        ));
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| not_vigil(format!("its commit payload is not JSON: {e}")))?;
    let Some(found) = value.get("vigil_index") else {
        return Err(not_vigil(
            "its commit payload has no \"vigil_index\" version".into(),
        ));
    };
    let Some(found) = found.as_u64() else {
        return Err(not_vigil(format!(
            "its commit payload's \"vigil_index\" is {found}, not a version number"
        )));
    };
    if found != SCHEMA_VERSION {
        return Err(Error::SchemaVersion {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    serde_json::from_value(value).map_err(|e| Error::CorruptMeta {
        path: path.to_path_buf(),
        message: format!("the checkpoints in the last commit cannot be read: {e}"),
    })
}
