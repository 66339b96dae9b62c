//! Measures how fast each format is generated in process, writing to `io::sink()`:
//! `cargo run --release -p vigil-corpus --example throughput [MB]`.

use std::io;
use std::time::Instant;

use vigil_corpus::{Kind, Size, Spec, generate};

fn main() -> io::Result<()> {
    let mb: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    for kind in Kind::ALL {
        let spec = Spec {
            size: Size::Bytes(mb * 1_000_000),
            ..Spec::default()
        };
        let t = Instant::now();
        let m = generate(kind, &spec, &mut io::sink())?;
        let s = t.elapsed().as_secs_f64();
        println!(
            "{:<14} {:>8.1} MB {:>6.2} s {:>8.1} MB/s",
            kind.name(),
            m.bytes as f64 / 1e6,
            s,
            m.bytes as f64 / 1e6 / s
        );
    }
    Ok(())
}
