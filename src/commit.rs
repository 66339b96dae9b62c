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

/// The dead letter at `path`, opened for appending, cut back to its length at the writer's last
/// commit: records a run wrote after it (killed before it committed) are of lines that are read
/// again, and would be written twice.
pub fn open_dead_letter(path: &Path, writer: &dyn EventWriter) -> Result<BufWriter<File>> {
    let file = crate::read::open_private(path, true)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let ckpts = writer.checkpoints();
    // Nothing committed yet: nothing of the dead letter is.
    let fresh =
        ckpts.files().is_empty() && ckpts.journals().is_empty() && writer.archive_state().is_none();
    let committed = ckpts.dead_letter().or(fresh.then_some(0));
    let len = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    // A commit from before vigil recorded the length: at least a record cut in the middle goes.
    let keep = match committed {
        Some(c) => c.min(len),
        None => {
            last_line_end(&file, len).with_context(|| format!("cannot read {}", path.display()))?
        }
    };
    if keep < len {
        file.set_len(keep)
            .with_context(|| format!("cannot cut {} back to its last commit", path.display()))?;
    }
    Ok(BufWriter::new(file))
}

/// The length of `file` (`len` bytes) up to its last newline.
fn last_line_end(file: &File, len: u64) -> std::io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let mut end = len;
    let mut buf = vec![0u8; 64 << 10];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.read_exact_at(&mut buf[..n], start)?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
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
    let mut ckpts = ckpts.clone();
    let dead_len = dead
        .get_ref()
        .metadata()
        .context("cannot read the dead letter's length")?
        .len();
    ckpts.set_dead_letter(dead_len);
    let taken = spool.take(writer)?;
    let now = Utc::now();
    let today = now.with_timezone(&zone).date_naive();
    let state = archive.commit(today, now)?;
    let state = serde_json::to_value(&state).context("the archive state cannot be written")?;
    writer.commit_with_archive(&ckpts, Some(state))?;
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
