//! The dead letter: one JSON line per line no parser accepted, with where it came from and why.
//! `vigil ingest` appends to `data/deadletter/deadletter.jsonl`; `vigil parse --dead-letter FILE`
//! writes the same records.

use std::io::{self, Write};

use vigil_parsers::Rejected;

/// Writes `r` (read from `source`, when known) as one JSON line: source, path, offset, line,
/// reason, class, raw. JSON escapes every control character of the raw line.
pub fn write(out: &mut dyn Write, source: Option<&str>, r: &Rejected) -> io::Result<()> {
    let mut rec = serde_json::json!({
        "path": r.path,
        "offset": r.offset,
        "line": r.line,
        "reason": r.error.to_string(),
        "class": r.error.class(),
        "raw": r.raw,
    });
    if let Some(s) = source {
        rec["source"] = serde_json::Value::from(s);
    }
    serde_json::to_writer(&mut *out, &rec)?;
    out.write_all(b"\n")
}
