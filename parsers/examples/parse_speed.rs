//! Parse speed of one format on a busy machine: the corpus is parsed ROUNDS times as the
//! benchmark does (one parser, every line, events collected and dropped in batches), with a clock
//! read at every MiB. Each MiB's fastest round is its time on a core nothing else took; their sum
//! gives the undisturbed speed. The median round is printed beside it.
//!
//! `cargo run --release -p vigil-parsers --example parse_speed -- FORMAT KIND [BYTES [ROUNDS]]`,
//! e.g. `postgres postgres 16000000 20`.
//!
//! Why: this project's machine shares its cores with its host's other work, which took 20-40% of
//! a criterion run at times, so two runs of the same code differed by a third. A slice of a few
//! milliseconds has a fair chance of running alone; a whole 100 ms iteration seldom does.

// A measuring tool on generated data: a failure here is a bug to stop on.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

#[path = "../benches/common/mod.rs"]
mod common;

use vigil_parsers::formats;

/// The allocator of the `vigil` binary, so that the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SLICE: usize = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let format = args.get(1).map_or("syslog", String::as_str);
    let kind = vigil_corpus::Kind::from_name(args.get(2).map_or("auth_log", String::as_str))
        .expect("a corpus kind");
    let bytes: u64 = args.get(3).map_or(16 << 20, |s| s.parse().expect("BYTES"));
    let rounds: usize = args.get(4).map_or(20, |s| s.parse().expect("ROUNDS"));
    let data = vigil_corpus::generate_bytes(kind, bytes, 7);
    let spans = vigil_corpus::line_spans(&data);
    let ctx = common::bench_context();

    // times[r][k]: round r's time for the lines that start in slice k.
    let mut times: Vec<Vec<Duration>> = Vec::with_capacity(rounds);
    let mut outputs = 0;
    for _ in 0..rounds {
        let mut p = formats::build(format, &formats::Options::default()).expect("built-in format");
        let mut slices = Vec::new();
        let mut next = SLICE;
        let mut t = Instant::now();
        let n = common::feed_all(p.as_mut(), &ctx, &data, &spans, |start| {
            if start >= next {
                let now = Instant::now();
                slices.push(now - t);
                t = now;
                next += SLICE;
            }
        });
        drop(p);
        slices.push(t.elapsed());
        outputs = n;
        times.push(slices);
    }
    let slices = times[0].len();
    let best: Duration = (0..slices)
        .map(|k| times.iter().map(|r| r[k]).min().expect("a round"))
        .sum();
    let mut totals: Vec<Duration> = times.iter().map(|r| r.iter().sum()).collect();
    totals.sort();
    let median = totals[totals.len() / 2];
    let mb = |d: Duration| data.len() as f64 / d.as_secs_f64() / 1e6;
    let mib = |d: Duration| data.len() as f64 / d.as_secs_f64() / f64::from(1u32 << 20);
    println!(
        "{format} {}: {} bytes, {} lines, {outputs} outputs, {rounds} rounds: undisturbed {:.1} MB/s ({:.1} MiB/s, {:.0} lines/s); median round {:.1} MB/s; slowest round {:.1} MB/s",
        kind.name(),
        data.len(),
        spans.len(),
        mb(best),
        mib(best),
        spans.len() as f64 / best.as_secs_f64(),
        mb(median),
        mb(totals[totals.len() - 1]),
    );
}
