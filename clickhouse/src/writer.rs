//! Writing events to ClickHouse as `ingest` and `watch` write them to the index: added events
//! are buffered and sent in batches; a commit sends what is left, then the writer's state (its
//! checkpoints and the evidence archive's state) as one row of the `state` table.
//!
//! How a crash neither loses nor duplicates an event: the state row is written only after every
//! event before it is in ClickHouse (inserts are synchronous, through the distributed table too),
//! so the committed checkpoints never cover an event that is not there. Events sent after the
//! last state row (a batch before a commit, or a commit whose state row was not written) are read
//! again by the next run from the committed checkpoints and sent again; their ids are the same,
//! and the `ReplacingMergeTree`, read with `FINAL`, keeps one row per id. One writer per data
//! directory at a time: a lock file in it, as the index has its own.

use std::fs::File;
use std::path::{Path, PathBuf};

use vigil_index::{Checkpoints, EventWriter};
use vigil_parsers::Event;

use crate::{Error, Store, sql};

/// The state a writer commits.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct State {
    checkpoints: Checkpoints,
    archive: Option<serde_json::Value>,
}

/// A writer of events into ClickHouse, identified by `key` (the data directory it reads for).
pub struct ClickHouseWriter {
    store: Store,
    key: String,
    buffer: Vec<Event>,
    state: State,
    path: PathBuf,
    _lock: File,
}

impl ClickHouseWriter {
    /// Opens the writer of data directory `data` (its lock taken), making the tables where
    /// missing and reading its last committed state.
    pub fn open(store: Store, data: &Path) -> vigil_index::Result<ClickHouseWriter> {
        let lock_path = data.join("clickhouse-writer.lock");
        std::fs::create_dir_all(data).map_err(|e| vigil_index::Error::Io {
            path: data.to_path_buf(),
            source: e,
        })?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| vigil_index::Error::Io {
                path: lock_path.clone(),
                source: e,
            })?;
        if lock.try_lock().is_err() {
            return Err(vigil_index::Error::Locked { path: lock_path });
        }
        store.create()?;
        let key = writer_key(data);
        let state = read_state(&store, &key)?.unwrap_or_default();
        Ok(ClickHouseWriter {
            path: PathBuf::from(format!("ClickHouse {}", store.main.addr)),
            store,
            key,
            buffer: Vec::new(),
            state,
            _lock: lock,
        })
    }

    fn send(&mut self) -> Result<(), Error> {
        self.store.insert(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }
}

impl EventWriter for ClickHouseWriter {
    fn add(&mut self, event: Event) -> vigil_index::Result<()> {
        self.buffer.push(event);
        if self.buffer.len() >= self.store.batch {
            self.send()?;
        }
        Ok(())
    }

    fn commit_with_archive(
        &mut self,
        checkpoints: &Checkpoints,
        archive: Option<serde_json::Value>,
    ) -> vigil_index::Result<u64> {
        self.send()?;
        let state = State {
            checkpoints: checkpoints.clone(),
            archive,
        };
        let version = write_state(&self.store, &self.key, &state)?;
        self.state = state;
        Ok(u64::try_from(version).unwrap_or(0))
    }

    fn checkpoints(&self) -> &Checkpoints {
        &self.state.checkpoints
    }

    fn archive_state(&self) -> Option<&serde_json::Value> {
        self.state.archive.as_ref()
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn finish_run(self: Box<Self>) -> vigil_index::Result<()> {
        Ok(())
    }

    fn close_writer(self: Box<Self>) -> vigil_index::Result<()> {
        Ok(())
    }
}

/// The key of the writer for data directory `data`: its absolute path.
fn writer_key(data: &Path) -> String {
    std::path::absolute(data)
        .unwrap_or_else(|_| data.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

fn read_state(store: &Store, key: &str) -> Result<Option<State>, Error> {
    let text = store.main.post(
        &format!(
            "SELECT argMax(state, version) FROM {}.state WHERE key = {} FORMAT TabSeparated",
            store.database,
            sql::quote(key)
        ),
        b"",
        &[],
    )?;
    let text = String::from_utf8_lossy(&text);
    let line = crate::unescape(text.trim_end_matches('\n')).unwrap_or_default();
    if line.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&line)
        .map(Some)
        .map_err(|e| Error::Row {
            message: format!("the writer's state: {e}"),
        })
}

fn write_state(store: &Store, key: &str, state: &State) -> Result<i64, Error> {
    let text = serde_json::to_string(state).map_err(|e| Error::Row {
        message: e.to_string(),
    })?;
    let version = chrono::Utc::now().timestamp_micros();
    let row = serde_json::json!({ "key": key, "version": version, "state": text });
    store.main.post(
        &format!("INSERT INTO {}.state FORMAT JSONEachRow", store.database),
        row.to_string().as_bytes(),
        &[],
    )?;
    Ok(version)
}

/// Records `checkpoints` and `archive` as the committed state of data directory `data`'s
/// writer (after a migration: ingest goes on in ClickHouse from where the index was).
pub fn commit_state(
    store: &Store,
    data: &Path,
    checkpoints: &Checkpoints,
    archive: Option<serde_json::Value>,
) -> Result<(), Error> {
    let state = State {
        checkpoints: checkpoints.clone(),
        archive,
    };
    write_state(store, &writer_key(data), &state).map(|_| ())
}

/// The evidence archive's state that the last commit of data directory `data`'s writer
/// recorded in ClickHouse, if any (read without taking the writer's lock).
pub fn committed_archive_state(
    store: &Store,
    data: &Path,
) -> Result<Option<serde_json::Value>, Error> {
    // A read makes no table: no state table, no commit yet.
    let exists = store
        .main
        .post(&format!("EXISTS TABLE {}.state", store.database), b"", &[])?;
    if String::from_utf8_lossy(&exists).trim() != "1" {
        return Ok(None);
    }
    Ok(read_state(store, &writer_key(data))?.and_then(|s| s.archive))
}
