//! Backup tools' output: restic `backup --json` (and its plain-text summary) and borg
//! `--log-json` / `--json`.
//!
//! | format | parser | reads |
//! |---|---|---|
//! | `restic` | [`ResticParser`] | `restic backup --json` lines (`status`, `verbose_status`, `summary`, `error`, `exit_error`), `Fatal:` lines, and the plain-text output ending in `snapshot X saved` |
//! | `borg` | [`BorgParser`] | `--log-json` lines (`log_message`, progress types, `file_status`) and the pretty-printed `--json` document of `borg create`, `borg info`, `borg list` |
//!
//! Conventions shared by both:
//!
//! - **Progress is consumed, not rejected.** restic `status` lines and borg `archive_progress`,
//!   `progress_message`, `progress_percent`, `file_status` lines make no event of their own and
//!   are not rejected. Each parser counts them ([`ResticParser::consumed_lines`],
//!   [`BorgParser::consumed_lines`]); restic also reports them in the run's `backup.finish` event
//!   (`fields.progress_lines`, and `fields.run_lines` for every line of the run).
//! - **Times.** restic writes no time on its lines (before 0.17): its errors are dated from their
//!   run (the summary's start plus the seconds elapsed), else from a time in the message, else the
//!   context's reference time, each saying so in `fields.time_source`. A restic summary with
//!   `backup_end` uses that time. borg
//!   writes Unix times as floats (`1543501427.3991857`), read to the microsecond, and local times
//!   without a zone in its `--json` documents, read in the source's zone (flag
//!   `zone_from_source`).
//! - **Size and count fields** keep the tools' own names and also get common names the backup
//!   checks read across tools: `bytes` (bytes processed / original size), `files`, `duration_s`.
//! - Actions `backup.start`, `backup.finish`, `backup.error` come from the vocabulary. borg's
//!   informational lines and `info` / `list` documents have no vocabulary action of their own: they
//!   get action `other` with category `backup` (see the report: a `backup.info` action is wanted).

mod borg;
mod restic;

pub use borg::{BorgParser, FORMAT as BORG};
pub use restic::{FORMAT as RESTIC, ResticParser};

use serde_json::Value;

use crate::line::RawLine;

/// Where a line held by a parser sits, so that events can be made from it later.
#[derive(Debug, Clone)]
struct Anchor {
    path: String,
    file_id: u64,
    offset: u64,
    line: u64,
    /// Length of the line without its line ending.
    len: u64,
}

impl Anchor {
    fn of(line: &RawLine<'_>) -> Anchor {
        Anchor {
            path: line.path.to_string(),
            file_id: line.file_id,
            offset: line.offset,
            line: line.line,
            len: line.bytes.len() as u64,
        }
    }

    /// A line value pointing here, for [`crate::Event::new`].
    fn raw_line(&self) -> RawLine<'_> {
        RawLine {
            bytes: b"",
            path: &self.path,
            file_id: self.file_id,
            offset: self.offset,
            line: self.line,
        }
    }
}

/// A whole-number JSON value, or a float's value, as a number for `fields`.
fn num(v: Option<&Value>) -> Option<Value> {
    match v {
        Some(Value::Number(n)) => Some(Value::Number(n.clone())),
        _ => None,
    }
}

/// A size as restic prints it (`282.768 MiB`, `0 B`, `1.5 GiB`) in bytes, rounded.
fn size_bytes(value: &str, unit: &str) -> Option<u64> {
    let v: f64 = value.parse().ok()?;
    let mult = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let b = (v * mult).round();
    (0.0..1.8e19).contains(&b).then_some(b as u64)
}

/// A duration as restic prints it: `0:00` (minutes:seconds) or `1:02:03` (hours too), in seconds.
fn clock_secs(s: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut parts = 0;
    for p in s.split(':') {
        if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(p.parse().ok()?)?;
        parts += 1;
    }
    (2..=3).contains(&parts).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restic_sizes_and_clocks() {
        assert_eq!(size_bytes("282.768", "MiB"), Some(296_503_738));
        assert_eq!(size_bytes("0", "B"), Some(0));
        assert_eq!(size_bytes("1.5", "GiB"), Some(1_610_612_736));
        assert_eq!(size_bytes("1", "MB"), None);
        assert_eq!(size_bytes("-1", "B"), None);
        assert_eq!(clock_secs("0:00"), Some(0));
        assert_eq!(clock_secs("1:35"), Some(95));
        assert_eq!(clock_secs("1:02:03"), Some(3723));
        assert_eq!(clock_secs("5"), None);
        assert_eq!(clock_secs("1::2"), None);
    }
}
