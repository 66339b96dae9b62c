//! `vigil store migrate --to clickhouse`: the index's events copied to the ClickHouse of
//! `[store]`, a month at a time, oldest first, with progress on a terminal.
//!
//! Resumable: the months copied whole are listed in `data/store-migrate.json` (written after
//! each month), and a run starts from the first month not listed. A month interrupted midway
//! is copied again whole, which duplicates nothing: the ClickHouse table keeps one row per event
//! id (see [`vigil_clickhouse`]).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use vigil_index::{EventStore, Filter};

/// Events sent per insert.
const BATCH: usize = 20_000;

/// Copies the events of `data`'s index to `settings`' ClickHouse.
pub fn migrate(data: &Path, settings: &vigil_clickhouse::Settings) -> Result<()> {
    let index = vigil_index::Searcher::open(data.join("index"))?;
    let store = vigil_clickhouse::Store::new(settings)?;
    store
        .create()
        .context("cannot make the ClickHouse tables")?;
    let marks = data.join("store-migrate.json");
    let mut done: Vec<String> = match std::fs::read_to_string(&marks) {
        Ok(t) => serde_json::from_str(&t)
            .with_context(|| format!("{}: not a list of months", marks.display()))?,
        Err(_) => Vec::new(),
    };
    let Some((first, last)) = index.span(&Filter::all())? else {
        eprintln!("store migrate: the index holds no event");
        return Ok(());
    };
    let total = EventStore::count(&index, &Filter::all())?;
    let progress = std::io::stderr().is_terminal();
    let mut copied = 0u64;
    let mut month = month_start(first);
    while month <= last {
        let next = next_month(month);
        let name = month.format("%Y-%m").to_string();
        let filter = Filter::between(month, next);
        if done.contains(&name) {
            copied += EventStore::count(&index, &filter)?;
            month = next;
            continue;
        }
        let mut batch = Vec::with_capacity(BATCH);
        let mut failed: Option<anyhow::Error> = None;
        index
            .each(&filter, &mut |e| {
                batch.push(e);
                if batch.len() >= BATCH {
                    if let Err(e) = store.insert(&batch) {
                        failed = Some(e.into());
                        return Err(vigil_index::Error::Store {
                            store: "clickhouse".into(),
                            message: "insert failed".into(),
                        });
                    }
                    copied += batch.len() as u64;
                    batch.clear();
                    if progress {
                        eprint!("\r\x1b[Kstore migrate: {name}: {copied} of {total} events");
                    }
                }
                Ok(())
            })
            .map_err(|e| failed.take().unwrap_or_else(|| e.into()))?;
        store.insert(&batch)?;
        copied += batch.len() as u64;
        done.push(name);
        let text = serde_json::to_string(&done)?;
        let tmp = marks.with_extension("json.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &marks)
            .with_context(|| format!("cannot write {}", marks.display()))?;
        month = next;
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    // Ingest and watch go on in ClickHouse from where the index's last commit left the sources
    // and the evidence archive.
    vigil_clickhouse::writer::commit_state(
        &store,
        data,
        &index.checkpoints()?,
        index.archive_state()?,
    )?;
    eprintln!("store migrate: {copied} events copied to ClickHouse ({total} in the index)");
    Ok(())
}

fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(t)
}

fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or(t)
}
