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
use vigil_index::{Checkpoints, IndexWriter};

use crate::spool::Spool;

/// The data directory's archive, brought back to the state of the index's last commit.
pub fn open_archive(data: &Path, writer: &IndexWriter) -> Result<Archive> {
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
    writer: &mut IndexWriter,
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
