//! `vigil archive verify` and `vigil archive head`: the evidence archive checked against itself
//! and against the last index commit, and its head hash quoted.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use vigil_archive::ArchiveState;

use crate::exit::ExitCode;
use crate::sanitize;

/// The archive state the last index commit recorded, if there is an index that recorded one.
fn committed(data: &Path) -> Result<Option<ArchiveState>> {
    let index = data.join("index");
    match crate::commit::committed_archive_state(data)? {
        Some(v) => serde_json::from_value(v).map(Some).with_context(|| {
            format!(
                "{}: the archive state in the last commit cannot be read",
                index.display()
            )
        }),
        None => Ok(None),
    }
}

/// Verifies the archive: 0 when every link and segment holds, 1 naming each problem.
pub fn verify(data: &Path) -> Result<ExitCode> {
    let dir = data.join("archive");
    if !dir.is_dir() {
        return Err(anyhow!(
            "{}: no archive here (vigil watch or ingest writes one); check --data or the config's data_dir",
            dir.display()
        ));
    }
    let state = committed(data)?;
    let report = vigil_archive::verify(&dir, state.as_ref())?;
    if report.ok() {
        println!(
            "archive verified: {} links, {} segments, {} lines; head {}",
            report.links,
            report.segments,
            report.lines,
            if report.head.is_empty() {
                "(no sealed segment yet)"
            } else {
                &report.head
            }
        );
        return Ok(ExitCode::Ok);
    }
    for p in &report.problems {
        println!("archive verify: {}", sanitize::terminal(&p.to_string()));
    }
    eprintln!(
        "vigil: archive verify: {} problem(s); the first: {}",
        report.problems.len(),
        sanitize::terminal(&report.problems[0].to_string())
    );
    Ok(ExitCode::Findings)
}

/// Prints the chain head hash of the last index commit (or of the chain file, without an index).
pub fn head(data: &Path) -> Result<ExitCode> {
    let head = match committed(data)? {
        Some(s) => s.head,
        None => {
            let dir = data.join("archive");
            vigil_archive::chain::links(&dir)?
                .last()
                .map(|l| l.hash.clone())
                .unwrap_or_default()
        }
    };
    if head.is_empty() {
        eprintln!("vigil: archive head: no segment has been sealed yet");
        return Ok(ExitCode::Findings);
    }
    println!("{head}");
    Ok(ExitCode::Ok)
}
