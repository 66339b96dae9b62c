//! `vigil archive verify`: recompute the chain and every segment, and name what is wrong.
//!
//! Each link's hash is recomputed from its fields and the previous link; each segment is read
//! once, hashed and decompressed, its records counted; the open segments are checked against the
//! state the last index commit recorded; the chain's length and head are checked against that
//! state too (a chain cut short is otherwise indistinguishable from a shorter history); and any
//! segment file no link accounts for is named.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use crate::chain::{self, Link};
use crate::error::Result;
use crate::segment;
use crate::state::ArchiveState;
use crate::writer::{segment_files, seq_of};

/// One thing wrong with the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A line of chain.jsonl is not a link (edited, or cut in the middle).
    ChainLine { line: u64, message: String },
    /// A link's fields, number or previous hash do not hold: the chain was edited.
    ChainAltered { link: u64, message: String },
    /// A segment file is gone.
    Missing { link: Option<u64>, segment: String },
    /// A segment's bytes are not those that were sealed (or committed).
    Changed {
        link: Option<u64>,
        segment: String,
        message: String,
    },
    /// A segment holds another link's content: segments were swapped or moved.
    Reordered {
        link: u64,
        segment: String,
        message: String,
    },
    /// The chain or a segment holds less than the last index commit recorded, or a segment is in
    /// no link: something was cut off the end.
    Truncated { message: String },
}

impl Problem {
    /// The kind, one word, for JSON and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::ChainLine { .. } | Problem::ChainAltered { .. } => "chain",
            Problem::Missing { .. } => "missing",
            Problem::Changed { .. } => "changed",
            Problem::Reordered { .. } => "reordered",
            Problem::Truncated { .. } => "truncated",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at =
            |link: &Option<u64>| link.map_or("open segment".to_string(), |l| format!("link {l}"));
        match self {
            Problem::ChainLine { line, message } => {
                write!(f, "chain.jsonl line {line}: {message}")
            }
            Problem::ChainAltered { link, message } => {
                write!(f, "link {link}: changed: {message}")
            }
            Problem::Missing { link, segment } => {
                write!(f, "{}: missing: segment {segment} is gone", at(link))
            }
            Problem::Changed {
                link,
                segment,
                message,
            } => write!(f, "{}: changed: segment {segment} {message}", at(link)),
            Problem::Reordered {
                link,
                segment,
                message,
            } => write!(f, "link {link}: reordered: segment {segment} {message}"),
            Problem::Truncated { message } => write!(f, "truncated: {message}"),
        }
    }
}

/// What verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Links read.
    pub links: u64,
    /// Segments read (sealed and open).
    pub segments: u64,
    /// Records read in them.
    pub lines: u64,
    /// The hash of the last good link read.
    pub head: String,
    /// Everything wrong, in the order found (chain order).
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the archive at `dir`. `committed` is the state the last index commit recorded, if
/// there is an index: without it a chain cut short at a link boundary with its segments removed
/// too cannot be told from a shorter history.
pub fn verify(dir: &Path, committed: Option<&ArchiveState>) -> Result<Report> {
    let mut report = Report::default();
    let lines = chain::read(dir)?;
    let mut links: Vec<Link> = Vec::new();
    let n_lines = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        match line {
            chain::Line::Link(l) => links.push(*l),
            chain::Line::Bad(line, message) => {
                report
                    .problems
                    .push(if i + 1 == n_lines && message.contains("cut short") {
                        Problem::Truncated {
                            message: format!("chain.jsonl line {line}: {message}"),
                        }
                    } else {
                        Problem::ChainLine { line, message }
                    });
                break;
            }
        }
    }

    // The chain itself.
    let mut prev = String::new();
    let mut good = 0usize;
    for (i, l) in links.iter().enumerate() {
        let i = i as u64;
        let wrong = if l.link != i {
            Some(format!(
                "it is numbered {}: links were removed, added or reordered",
                l.link
            ))
        } else if l.prev != prev {
            Some(
                "it does not name the previous link's hash: links were removed or reordered".into(),
            )
        } else if l.compute_hash() != l.hash {
            Some("its fields do not match its hash: the link was edited".into())
        } else {
            None
        };
        if let Some(message) = wrong {
            report
                .problems
                .push(Problem::ChainAltered { link: i, message });
            break;
        }
        prev = l.hash.clone();
        good += 1;
    }
    report.links = good as u64;
    report.head = prev;
    let links = &links[..good];

    // Every sealed segment, once.
    let by_hash: BTreeMap<&str, &Link> = links.iter().map(|l| (l.sha256.as_str(), l)).collect();
    let mut next_line: BTreeMap<&str, u64> = BTreeMap::new();
    for l in links {
        let expected = next_line.get(l.source.as_str()).copied().unwrap_or(0);
        if l.first_line != expected {
            report.problems.push(Problem::Reordered {
                link: l.link,
                segment: l.segment.clone(),
                message: format!(
                    "starts at line {} of source {:?}, but the previous segment ended before line {expected}",
                    l.first_line, l.source
                ),
            });
        }
        next_line.insert(&l.source, l.first_line + l.lines);
        let path = dir.join(&l.segment);
        if !path.is_file() {
            report.problems.push(Problem::Missing {
                link: Some(l.link),
                segment: l.segment.clone(),
            });
            continue;
        }
        let scan = segment::scan(&path, None, |_| {})?;
        report.segments += 1;
        if scan.sha256 != l.sha256 {
            report
                .problems
                .push(match by_hash.get(scan.sha256.as_str()) {
                    Some(other) if other.link != l.link => Problem::Reordered {
                        link: l.link,
                        segment: l.segment.clone(),
                        message: format!(
                            "holds the content of link {} ({}): segments were swapped or moved",
                            other.link, other.segment
                        ),
                    },
                    _ => Problem::Changed {
                        link: Some(l.link),
                        segment: l.segment.clone(),
                        message: changed(scan.bytes, l.bytes),
                    },
                });
            continue;
        }
        match scan.records {
            Ok(n) if n == l.lines => report.lines += n,
            Ok(n) => report.problems.push(Problem::Changed {
                link: Some(l.link),
                segment: l.segment.clone(),
                message: format!("holds {n} lines, its link says {}", l.lines),
            }),
            Err(e) => report.problems.push(Problem::Changed {
                link: Some(l.link),
                segment: l.segment.clone(),
                message: e,
            }),
        }
    }

    // Against the last index commit.
    let mut known: BTreeSet<&str> = links.iter().map(|l| l.segment.as_str()).collect();
    if let Some(c) = committed {
        if (good as u64) < c.links && report.problems.is_empty() {
            report.problems.push(Problem::Truncated {
                message: format!(
                    "chain.jsonl holds {good} links, but the last index commit recorded {} (head {})",
                    c.links, c.head
                ),
            });
        } else if c.links > 0 && (good as u64) >= c.links {
            let at = &links[(c.links - 1) as usize];
            if at.hash != c.head {
                report.problems.push(Problem::ChainAltered {
                    link: at.link,
                    message: format!(
                        "its hash is {}, the last index commit recorded {}",
                        at.hash, c.head
                    ),
                });
            }
        }
        for st in c.open.values() {
            known.insert(st.segment.as_str());
            let path = dir.join(&st.segment);
            if !path.is_file() {
                report.problems.push(Problem::Missing {
                    link: None,
                    segment: st.segment.clone(),
                });
                continue;
            }
            let scan = segment::scan(&path, Some(st.bytes), |_| {})?;
            report.segments += 1;
            if scan.bytes < st.bytes {
                report.problems.push(Problem::Truncated {
                    message: format!(
                        "open segment {} holds {} bytes, the last index commit recorded {}",
                        st.segment, scan.bytes, st.bytes
                    ),
                });
            } else if scan.sha256 != st.sha256 {
                report.problems.push(Problem::Changed {
                    link: None,
                    segment: st.segment.clone(),
                    message:
                        "does not hash to what the last index commit recorded: the file was changed"
                            .into(),
                });
            } else {
                match scan.records {
                    Ok(n) if n == st.lines => report.lines += n,
                    Ok(n) => report.problems.push(Problem::Changed {
                        link: None,
                        segment: st.segment.clone(),
                        message: format!(
                            "holds {n} lines, the last index commit recorded {}",
                            st.lines
                        ),
                    }),
                    Err(e) => report.problems.push(Problem::Changed {
                        link: None,
                        segment: st.segment.clone(),
                        message: e,
                    }),
                }
            }
        }
    }

    // Segment files no link accounts for. With a commit to compare with, files newer than every
    // known segment of their folder are being written now (a running watcher) and are left alone.
    let mut newest: BTreeMap<String, u64> = BTreeMap::new();
    for seg in &known {
        if let (Some((folder, _)), Some(seq)) = (seg.split_once('/'), seq_of(seg)) {
            let n = newest.entry(folder.to_string()).or_default();
            *n = (*n).max(seq);
        }
    }
    for (folder, seq, rel) in segment_files(dir)? {
        if known.contains(rel.as_str()) {
            continue;
        }
        let in_flight = committed.is_some() && newest.get(&folder).is_none_or(|&n| seq > n);
        if !in_flight {
            report.problems.push(Problem::Truncated {
                message: format!(
                    "segment {rel} is in no chain link: chain.jsonl was cut short or the file was added"
                ),
            });
        }
    }
    Ok(report)
}

fn changed(found: u64, sealed: u64) -> String {
    if found < sealed {
        format!("holds {found} bytes, {sealed} were sealed: the file was cut short")
    } else if found > sealed {
        format!("holds {found} bytes, {sealed} were sealed: bytes were added")
    } else {
        "does not hash to its sealed sha256: the file was changed".into()
    }
}
