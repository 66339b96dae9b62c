//! Reading back the lines around one archived line: `vigil search --context N` and the console's
//! event page show the lines before and after an event in the same file, as the archive holds
//! them, and which segment holds it (sealed under which chain link, or still open).
//!
//! The archive has no index of its own: a source's segments are read in order (the sealed ones in
//! chain order, then the open one up to its committed length) until the event's line and the `n`
//! lines after it have been seen. A ring of the last `n` lines of the same file gives the lines
//! before it.

use std::collections::VecDeque;
use std::path::Path;

use crate::error::Result;
use crate::segment::{self, Record};
use crate::writer::folder_of;
use crate::{ArchiveState, chain};

/// Where an archived line is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A sealed segment, under this chain link (its place in the chain).
    Sealed { segment: String, link: u64 },
    /// The source's open segment, not yet under a link (checked against the last index commit).
    Open { segment: String },
}

/// The lines of a file around one of its archived lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Up to `n` lines of the same file before the event's first line, in order.
    pub before: Vec<Record>,
    /// The event's own lines (its first line and those after it that belong to it).
    pub event: Vec<Record>,
    /// Up to `n` lines of the same file after the event's lines.
    pub after: Vec<Record>,
    /// Where the event's first line is kept.
    pub holder: Holder,
}

/// The context of the line at `offset` of file `file_id`, archived under `source`: `lines` lines of
/// the event from there, and `n` lines before and after it. `Ok(None)` when the archive does not
/// hold that line (an event ingested without archiving, or from another source).
pub fn context(
    dir: &Path,
    committed: &ArchiveState,
    source: &str,
    file_id: u64,
    offset: u64,
    lines: usize,
    n: usize,
) -> Result<Option<Context>> {
    // A source that cannot have a folder has no segments.
    folder_of(source)?;
    let mut segments: Vec<(String, Option<u64>, Option<u64>)> = chain::links(dir)?
        .into_iter()
        .take(usize::try_from(committed.links).unwrap_or(usize::MAX))
        .filter(|l| l.source == source)
        .map(|l| (l.segment, None, Some(l.link)))
        .collect();
    if let Some(o) = committed.open.get(source) {
        segments.push((o.segment.clone(), Some(o.bytes), None));
    }
    let lines = lines.max(1);
    let mut before: VecDeque<Record> = VecDeque::with_capacity(n + 1);
    let mut found: Option<Context> = None;
    for (seg, limit, link) in segments {
        let path = dir.join(&seg);
        if !path.is_file() {
            continue;
        }
        segment::scan(&path, limit, |r| {
            if r.file_id != file_id {
                return;
            }
            match &mut found {
                None if r.offset == offset => {
                    found = Some(Context {
                        before: before.drain(..).collect(),
                        event: vec![r],
                        after: Vec::new(),
                        holder: match link {
                            Some(link) => Holder::Sealed {
                                segment: seg.clone(),
                                link,
                            },
                            None => Holder::Open {
                                segment: seg.clone(),
                            },
                        },
                    });
                }
                None => {
                    if n > 0 {
                        if before.len() == n {
                            before.pop_front();
                        }
                        before.push_back(r);
                    }
                }
                Some(c) if c.event.len() < lines => c.event.push(r),
                Some(c) if c.after.len() < n => c.after.push(r),
                Some(_) => {}
            }
        })?;
        if found
            .as_ref()
            .is_some_and(|c| c.event.len() >= lines && c.after.len() >= n)
        {
            break;
        }
    }
    Ok(found)
}
