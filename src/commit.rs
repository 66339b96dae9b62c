//! One commit of everything a run read, shared by `vigil ingest` and `vigil watch`: the dead
//! letter flushed, the archive's frames written and its segments sealed, the events other
//! commands left in the spool ([`crate::spool`]) taken in, then the index with the checkpoints
//! and the archive's state, in one tantivy commit; the spooled files are removed after it. The
//! archive goes first: after a crash before the index commit, [`open_archive`] cuts it back to
//! what the index holds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;
use chrono_tz::Tz;
use vigil_archive::{Archive, ArchiveState};
use vigil_index::{Checkpoints, EventWriter};

use crate::spool::Spool;

/// The data directory's archive, brought back to the state of the index's last commit.
pub fn open_archive(data: &Path, writer: &dyn EventWriter) -> Result<Archive> {
    let state: ArchiveState = match writer.archive_state() {
        Some(v) => serde_json::from_value(v.clone()).with_context(|| {
            format!(
                "{}: the archive state in the last commit cannot be read",
                writer.path().display()
            )
        })?,
        None => ArchiveState::default(),
    };
    Ok(Archive::open(
        &data.join("archive"),
        &state,
        vigil_archive::Options::default(),
    )?)
}

/// Commits: see the module comment. `zone` is the zone whose calendar days seal segments.
pub fn commit(
    writer: &mut dyn EventWriter,
    archive: &mut Archive,
    dead: &mut BufWriter<File>,
    ckpts: &Checkpoints,
    zone: Tz,
    spool: &Spool,
) -> Result<()> {
    dead.flush().context("cannot write the dead letter")?;
    let taken = spool.take(writer)?;
    let now = Utc::now();
    let today = now.with_timezone(&zone).date_naive();
    let state = archive.commit(today, now)?;
    let state = serde_json::to_value(&state).context("the archive state cannot be written")?;
    writer.commit_with_archive(ckpts, Some(state))?;
    spool.done(taken)?;
    Ok(())
}

/// The ClickHouse of `[store]`, when the config names one: set once by the binary.
static STORE: std::sync::OnceLock<Option<vigil_clickhouse::Settings>> = std::sync::OnceLock::new();

/// Says where events are written from now on: ClickHouse (`Some`) or the data directory's index.
pub fn set_store(settings: Option<vigil_clickhouse::Settings>) {
    let _ = STORE.set(settings);
}

/// The writer of data directory `data`: the index's, or ClickHouse's when `[store]` says so.
/// Another writer holding it is [`vigil_index::Error::Locked`].
pub fn open_writer(data: &Path) -> Result<Box<dyn EventWriter>, vigil_index::Error> {
    match STORE.get().and_then(Option::as_ref) {
        Some(settings) => {
            let store = vigil_clickhouse::Store::new(settings)?;
            Ok(Box::new(vigil_clickhouse::ClickHouseWriter::open(
                store, data,
            )?))
        }
        None => Ok(Box::new(vigil_index::IndexWriter::open(
            data.join("index"),
        )?)),
    }
}

/// The archive state of the writer's last commit for `data`: from ClickHouse's state table when
/// `[store]` names one, else from the index (none when there is no index yet).
pub fn committed_archive_state(data: &Path) -> Result<Option<serde_json::Value>> {
    if let Some(settings) = STORE.get().and_then(Option::as_ref) {
        let store = vigil_clickhouse::Store::new(settings)?;
        return Ok(vigil_clickhouse::writer::committed_archive_state(
            &store, data,
        )?);
    }
    let index = data.join("index");
    if !index.join("meta.json").is_file() {
        return Ok(None);
    }
    Ok(vigil_index::Searcher::open(&index)?.archive_state()?)
}

/// The events of data directory `data` to read: ClickHouse's when `[store]` names one, else the
/// index.
pub fn open_store(data: &Path) -> Result<Box<dyn vigil_index::EventStore>> {
    Ok(match STORE.get().and_then(Option::as_ref) {
        Some(settings) => Box::new(vigil_clickhouse::Store::new(settings)?),
        None => Box::new(crate::search_cmd::open(data)?),
    })
}
