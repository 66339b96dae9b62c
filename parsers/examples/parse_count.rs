//! Parses a generated corpus once, as the `parse` benchmark does, for instruction counts.
//!
//! `cargo run --release -p vigil-parsers --example parse_count -- FORMAT KIND BYTES`, e.g.
//! `syslog auth_log 2000000`. Under callgrind, count only the parsing (not the generation):
//! `valgrind --tool=callgrind --toggle-collect='*parse_all*' target/release/examples/parse_count
//! syslog auth_log 2000000`, then divide the instructions by the lines it prints.

// A measuring tool on generated data: a failure here is a bug to stop on.
#![allow(clippy::expect_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use vigil_parsers::{ParseContext, formats};

/// The allocator of the `vigil` binary, so that the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Feeds every line to a new parser as the benchmark does: events collected and dropped in
/// batches of 4096. Returns the number of outputs.
#[inline(never)]
fn parse_all(format: &str, data: &[u8], spans: &[(usize, usize)], ctx: &ParseContext) -> usize {
    let mut p = formats::build(format, &formats::Options::default()).expect("built-in format");
    common::feed_all(p.as_mut(), ctx, data, spans, |_| {})
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let format = args.get(1).map_or("syslog", String::as_str);
    let kind = vigil_corpus::Kind::from_name(args.get(2).map_or("auth_log", String::as_str))
        .expect("a corpus kind");
    let bytes: u64 = args
        .get(3)
        .map_or(Ok(2_000_000), |s| s.parse())
        .expect("a size in bytes");
    let data = vigil_corpus::generate_bytes(kind, bytes, 7);
    let spans = vigil_corpus::line_spans(&data);
    let ctx = common::bench_context();
    let outputs = parse_all(format, &data, &spans, &ctx);
    println!(
        "{format} {}: {} bytes, {} lines, {outputs} outputs",
        kind.name(),
        data.len(),
        spans.len()
    );
}
