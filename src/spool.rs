//! The writer's inbox: how a command that is not the index's writer gets events into the index,
//! and asks the writer to commit what it holds. One data directory has one writer at a time
//! (tantivy's lock): `vigil watch` when it runs, else the command itself.
//!
//! `data/spool/` holds two kinds of file, each moved in whole by a rename (so a reader never sees
//! half of one):
//!
//! - `*.events.jsonl`: events to index (a `backups verify`'s verdicts), one JSON event a line.
//!   Every writer takes them in at each commit ([`Spool::take`]) and removes them only after that
//!   commit ([`Spool::done`]). An event's id is its own (the job and the window), and the writer
//!   replaces an event of the same id: a file taken in twice (a crash between the commit and the
//!   removal) gives each event once.
//! - `*.flush`: a request to read what the sources hold now and commit it. `watch` removes it after
//!   the first commit that follows a round in which every source was read to its end; `ingest`
//!   removes the requests it found at its start after its last commit.
//!
//! The sender ([`deliver`], [`flush`]) waits for its file to go, bounded; when nothing holds the
//! lock it takes the writer's part itself. Files left behind are never lost: the next writer takes
//! them in. A spool directory rather than a socket: it needs no server, survives a crash of either
//! side, and a file in it is its own record of what is still to be indexed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use vigil_index::EventWriter;
use vigil_parsers::Event;

/// Events to index end so.
const EVENTS: &str = ".events.jsonl";
/// A request to commit ends so.
const FLUSH: &str = ".flush";

/// How often a waiting sender looks again.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// How long a command waits for the running writer by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// A data directory's spool.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

/// The event files taken in by one commit, to remove after it.
#[derive(Debug, Default)]
#[must_use = "the files are removed with `Spool::done` after the commit"]
pub struct Taken {
    files: Vec<PathBuf>,
    pub events: u64,
}

impl Spool {
    /// The spool of data directory `data`, made if missing (owner only).
    pub fn open(data: &Path) -> Result<Spool> {
        let dir = data.join("spool");
        crate::ingest::create_private_dir(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Spool { dir })
    }

    /// The folder, for notify to watch.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn list(&self, suffix: &str) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let rd = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read {}", self.dir.display()))?;
        for e in rd {
            let e = e.with_context(|| format!("cannot read {}", self.dir.display()))?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if !name.starts_with('.') && name.ends_with(suffix) {
                out.push(e.path());
            }
        }
        out.sort();
        Ok(out)
    }

    /// The flush requests waiting now.
    pub fn flush_requests(&self) -> Result<Vec<PathBuf>> {
        self.list(FLUSH)
    }

    /// Whether event files wait to be taken in.
    pub fn has_events(&self) -> Result<bool> {
        Ok(!self.list(EVENTS)?.is_empty())
    }

    /// Adds the events of every spooled event file to `writer` (replacing events of the same id).
    /// A line that is not an event is named in a warning and skipped; the file is still taken.
    pub fn take(&self, writer: &mut dyn EventWriter) -> Result<Taken> {
        let mut taken = Taken::default();
        for path in self.list(EVENTS)? {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                // Taken by another writer a moment ago (the lock says there is none, but a
                // sender that took the writer's part may have just finished).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
            };
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Event>(line) {
                    Ok(e) => {
                        writer.add(e)?;
                        taken.events += 1;
                    }
                    Err(e) => eprintln!(
                        "vigil: {}:{}: not an event, skipped: {e}",
                        crate::sanitize::terminal(&path.display().to_string()),
                        n + 1
                    ),
                }
            }
            taken.files.push(path);
        }
        Ok(taken)
    }

    /// Removes what a commit took in.
    pub fn done(&self, taken: Taken) -> Result<()> {
        remove_all(&taken.files)
    }

    /// Writes `events` as a new event file, atomically; returns its path.
    pub fn put_events(&self, name: &str, events: &[Event]) -> Result<PathBuf> {
        let mut text = Vec::new();
        for e in events {
            serde_json::to_writer(&mut text, e).context("an event cannot be written")?;
            text.push(b'\n');
        }
        self.put(&format!("{name}{EVENTS}"), &text)
    }

    /// Writes a flush request; returns its path.
    pub fn put_flush(&self, name: &str) -> Result<PathBuf> {
        self.put(&format!("{name}{FLUSH}"), b"")
    }

    fn put(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let unique = format!(
            "{}-{}-{name}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
            std::process::id()
        );
        let tmp = self.dir.join(format!(".{unique}.tmp"));
        let path = self.dir.join(unique);
        {
            let mut f = crate::read::create_private(&tmp)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            f.write_all(bytes)
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
        }
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("cannot move {} into the spool", tmp.display()))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    }
}

/// Removes files, those already gone included.
pub fn remove_all(paths: &[PathBuf]) -> Result<()> {
    for p in paths {
        match std::fs::remove_file(p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", p.display())),
        }
    }
    Ok(())
}

/// Whether `e` says another writer holds the index.
pub fn is_locked(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<vigil_index::Error>(),
            Some(vigil_index::Error::Locked { .. })
        )
    })
}

/// How spooled work reached the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// This process was the writer: committed.
    Committed,
    /// The running writer took it in and committed.
    ByWriter,
    /// The running writer did not answer in time: the file waits in the spool for it.
    Waiting(PathBuf),
}

/// Takes in and commits what the spool holds, as the writer: checkpoints and archive state
/// unchanged. `Ok(false)`: another writer holds the index.
fn commit_spool(data: &Path, spool: &Spool) -> Result<bool> {
    let mut writer = match crate::commit::open_writer(data) {
        Ok(w) => w,
        Err(vigil_index::Error::Locked { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let taken = spool.take(writer.as_mut())?;
    let ckpts = writer.checkpoints().clone();
    let archive = writer.archive_state().cloned();
    writer.commit_with_archive(&ckpts, archive)?;
    writer.close_writer()?;
    spool.done(taken)?;
    Ok(true)
}

/// Indexes `events` through the spool: the running writer takes them in, or this process does
/// when none runs. Waits at most `wait` for the writer.
pub fn deliver(data: &Path, name: &str, events: &[Event], wait: Duration) -> Result<Delivery> {
    crate::ingest::data_paths(data)?;
    let spool = Spool::open(data)?;
    let path = spool.put_events(name, events)?;
    let started = Instant::now();
    loop {
        if !path.exists() {
            return Ok(Delivery::ByWriter);
        }
        if commit_spool(data, &spool)? {
            return Ok(Delivery::Committed);
        }
        if started.elapsed() >= wait {
            return Ok(Delivery::Waiting(path));
        }
        std::thread::sleep(LOOK_EVERY);
    }
}

/// What asking the running writer to commit gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flushed {
    /// The writer read its sources to their end and committed.
    ByWriter,
    /// The writer went away before answering: the index is free for this process.
    Free,
    /// No answer in time.
    TimedOut,
}

/// Asks the running writer to read what its sources hold and commit; waits at most `wait`.
pub fn flush(data: &Path, wait: Duration) -> Result<Flushed> {
    let spool = Spool::open(data)?;
    let path = spool.put_flush("flush")?;
    let started = Instant::now();
    loop {
        std::thread::sleep(LOOK_EVERY);
        if !path.exists() {
            return Ok(Flushed::ByWriter);
        }
        if !writer_running(data) {
            // Taken back: this process will be the writer.
            if path.exists() {
                remove_all(std::slice::from_ref(&path))?;
                return Ok(Flushed::Free);
            }
            return Ok(Flushed::ByWriter);
        }
        if started.elapsed() >= wait {
            let _ = remove_all(std::slice::from_ref(&path));
            return Ok(Flushed::TimedOut);
        }
    }
}

/// Whether a writer holds the data directory's index now (tantivy's lock file is held), or
/// writes its events to ClickHouse (its own lock file in the data directory is held).
pub fn writer_running(data: &Path) -> bool {
    [
        data.join("index").join(".tantivy-writer.lock"),
        data.join("clickhouse-writer.lock"),
    ]
    .iter()
    .any(|lock| {
        let Ok(f) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(lock)
        else {
            return false;
        };
        match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                false
            }
            Err(_) => true,
        }
    })
}

/// A wait such as `60s`, `500ms` or `2m` (`--wait`).
pub fn parse_wait(s: &str) -> Result<Duration, String> {
    let (n, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?}: write a number and a unit, such as 60s or 500ms"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("{s:?}: the unit is ms, s or m")),
    }
}
