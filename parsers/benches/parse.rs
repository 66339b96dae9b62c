//! Parse throughput per format, on generated logs (vigil-corpus), in MB/s and lines/s.
//!
//! `cargo bench -p vigil-parsers --bench parse`. Each format parses an in-memory corpus of about
//! 16 MB, fed line by line as the reader does (one `RawLine` per line, events collected and
//! dropped in batches), so the figure includes building every event.

// A benchmark of built-in formats on generated data: a failure here is a bug to stop on.
#![allow(clippy::expect_used)]

use std::time::Duration;

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigil_corpus::Kind;
use vigil_parsers::formats;

const CORPUS_BYTES: u64 = 16 << 20;

/// The allocator of the `vigil` binary, so that the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_format(c: &mut Criterion, name: &str, format: &str, kind: Kind, opts: &formats::Options) {
    let data = vigil_corpus::generate_bytes(kind, CORPUS_BYTES, 7);
    let spans = vigil_corpus::line_spans(&data);
    let ctx = common::bench_context();
    // Check once that the corpus is read, not rejected: a benchmark of rejections measures nothing.
    {
        let mut p = formats::build(format, opts).expect("built-in format");
        let out = vigil_parsers::parse_text(p.as_mut(), &ctx, "bench", &data);
        let rejected = out.iter().filter(|o| o.is_err()).count();
        let events = out.len() - rejected;
        eprintln!(
            "{name}: {} bytes, {} lines, {events} events, {rejected} rejected",
            data.len(),
            spans.len()
        );
        assert!(
            rejected * 100 <= spans.len(),
            "{name}: {rejected} of {} lines rejected",
            spans.len()
        );
    }
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut p = formats::build(format, opts).expect("built-in format");
            common::feed_all(p.as_mut(), &ctx, &data, &spans, |_| {})
        })
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let opts = formats::Options::default();
    bench_format(c, "syslog_auth", "syslog", Kind::AuthLog, &opts);
    bench_format(c, "syslog_5424", "syslog", Kind::Rfc5424, &opts);
    bench_format(c, "auditd", "auditd", Kind::Auditd, &opts);
    bench_format(c, "postgres_pgaudit", "postgres", Kind::Postgres, &opts);
    bench_format(
        c,
        "mariadb_audit",
        "mariadb_audit",
        Kind::MariadbAudit,
        &opts,
    );
    bench_format(
        c,
        "mysql_general",
        "mysql_general",
        Kind::MysqlGeneral,
        &opts,
    );
    bench_format(c, "json_app", "json", Kind::AppJson, &opts);
    bench_format(c, "restic", "restic", Kind::Restic, &opts);
    bench_format(c, "borg", "borg", Kind::Borg, &opts);
}

criterion_group!(benches, parse);
criterion_main!(benches);
