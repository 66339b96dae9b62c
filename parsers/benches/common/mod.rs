//! What the parse benchmark and the parsers' measuring examples (`parse_count`, `parse_speed`)
//! share, so that all three measure the same work: the context a corpus is read under, and
//! feeding it to a parser line by line as the reader does. The examples include this file by
//! path.

use vigil_parsers::{ParseContext, Parser, RawLine};

/// The context every measured corpus is read under: a web server's logs in Asia/Shanghai, read
/// on 1 December 2026 (so that the generated month's year-less lines fall in 2026).
pub fn bench_context() -> ParseContext {
    let reference = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .expect("constant")
        .with_timezone(&chrono::Utc);
    ParseContext::new("bench", "arch-web01", chrono_tz::Asia::Shanghai, reference)
}

/// Feeds the lines `spans` of `data` to `p` as the reader does (one `RawLine` each, events
/// collected and dropped in batches of 4096), then flushes it. `before` is called with each
/// line's offset before the line is fed. Returns the number of outputs.
pub fn feed_all(
    p: &mut dyn Parser,
    ctx: &ParseContext,
    data: &[u8],
    spans: &[(usize, usize)],
    mut before: impl FnMut(usize),
) -> usize {
    let mut out = Vec::with_capacity(4096);
    let mut n = 0usize;
    for (i, (s, e)) in spans.iter().enumerate() {
        before(*s);
        let line = RawLine {
            bytes: &data[*s..*e],
            path: "bench",
            file_id: 1,
            offset: *s as u64,
            line: i as u64 + 1,
        };
        p.feed(&line, ctx, &mut out);
        if out.len() >= 4096 {
            n += out.len();
            out.clear();
        }
    }
    p.flush(ctx, &mut out);
    n + out.len()
}
