//! Writes every output of one format's parser over a file or a generated corpus as JSON lines
//! (events as serialized; rejections with their place, text and error), for checking that a
//! change to a parser leaves its output byte for byte the same: dump before, dump after, `cmp`.
//!
//! `cargo run --release -p vigil-parsers --example dump_events -- FORMAT INPUT [ZONE [REFERENCE]]`
//! where INPUT is a file or `gen:KIND:BYTES[:SEED]` (a corpus from vigil-corpus, seed 7 by
//! default), ZONE the source's zone (default Asia/Shanghai) and REFERENCE the reference time
//! (default 2026-12-01T00:00:00Z). The dump goes to standard output.

use std::error::Error;
use std::io::Write;

use vigil_parsers::{ParseContext, formats, parse_text};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(format), Some(input)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: dump_events FORMAT (FILE | gen:KIND:BYTES[:SEED]) [ZONE [REFERENCE]]");
        std::process::exit(2);
    };
    let zone: chrono_tz::Tz = args
        .get(3)
        .map_or("Asia/Shanghai", String::as_str)
        .parse()
        .map_err(|e| format!("ZONE: {e} (a zone such as Asia/Shanghai)"))?;
    let reference = chrono::DateTime::parse_from_rfc3339(
        args.get(4).map_or("2026-12-01T00:00:00Z", String::as_str),
    )
    .map_err(|e| format!("REFERENCE: {e} (an RFC 3339 time)"))?
    .with_timezone(&chrono::Utc);
    let data = match input.strip_prefix("gen:") {
        Some(spec) => {
            let mut it = spec.split(':');
            let kind = it
                .next()
                .and_then(vigil_corpus::Kind::from_name)
                .ok_or("gen:KIND:BYTES: not a corpus kind")?;
            let bytes: u64 = it
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("gen:KIND:BYTES: BYTES is not a number")?;
            let seed: u64 = match it.next() {
                Some(s) => s.parse().map_err(|e| format!("SEED: {e}"))?,
                None => 7,
            };
            vigil_corpus::generate_bytes(kind, bytes, seed)
        }
        None => std::fs::read(input).map_err(|e| format!("{input}: {e}"))?,
    };
    let ctx = ParseContext::new("dump", "arch-web01", zone, reference);
    let mut p = formats::build(format, &formats::Options::default())?;
    let out = parse_text(p.as_mut(), &ctx, input, &data);
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    for o in &out {
        let line = match o {
            Ok(e) => serde_json::to_string(e)?,
            Err(r) => serde_json::json!({
                "rejected": {
                    "path": r.path,
                    "offset": r.offset,
                    "line": r.line,
                    "raw": r.raw,
                    "error": format!("{:?}", r.error),
                    "message": r.error.to_string(),
                }
            })
            .to_string(),
        };
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    Ok(())
}
