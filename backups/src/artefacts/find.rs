//! Finding the artefacts: glob patterns and directories expanded to the regular files they name.
//!
//! A pattern naming a directory, or a glob match that is one, stands for every regular file below
//! it, recursively. Symlinks to files are followed; symlinks to directories met while walking are
//! not (no loops, no escaping the tree). Sockets, FIFOs and devices are skipped (reading a FIFO
//! would block). A directory that cannot be listed is reported, not skipped silently.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::{Error, normalize};

/// The normalised paths found, and the paths that could not be listed or inspected with why.
pub(crate) struct Found {
    pub(crate) files: BTreeSet<PathBuf>,
    pub(crate) unreadable: Vec<(PathBuf, String)>,
}

pub(crate) fn find(patterns: &[String], exclude: &HashSet<PathBuf>) -> Result<Found, Error> {
    let mut found = Found {
        files: BTreeSet::new(),
        unreadable: Vec::new(),
    };
    for pattern in patterns {
        let path = Path::new(pattern);
        if path.is_dir() {
            walk(&normalize(path), exclude, &mut found);
            continue;
        }
        let matches = glob::glob(pattern).map_err(|source| Error::Pattern {
            pattern: pattern.clone(),
            source,
        })?;
        for entry in matches {
            match entry {
                Ok(p) => {
                    let p = normalize(&p);
                    if p.is_dir() {
                        walk(&p, exclude, &mut found);
                    } else {
                        add(p, exclude, &mut found);
                    }
                }
                Err(e) => found
                    .unreadable
                    .push((normalize(e.path()), e.error().to_string())),
            }
        }
    }
    Ok(found)
}

fn add(path: PathBuf, exclude: &HashSet<PathBuf>, found: &mut Found) {
    if exclude.contains(&path) {
        return;
    }
    // Follows a symlink; a dangling one is kept, for the caller to report.
    match std::fs::metadata(&path) {
        Ok(md) if !md.is_file() => {}
        _ => {
            found.files.insert(path);
        }
    }
}

/// Every regular file below `dir` (iteratively: no recursion depth limit).
fn walk(dir: &Path, exclude: &HashSet<PathBuf>, found: &mut Found) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                found.unreadable.push((dir, e.to_string()));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    found.unreadable.push((dir.clone(), e.to_string()));
                    continue;
                }
            };
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_symlink() => {
                    if !path.is_dir() {
                        add(path, exclude, found);
                    }
                }
                Ok(t) if t.is_file() => add(path, exclude, found),
                Ok(_) => {}
                Err(e) => found.unreadable.push((path, e.to_string())),
            }
        }
    }
}
