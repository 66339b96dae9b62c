//! Indexes the events of a JSON-lines file (as `vigil search --format json` prints them) into a
//! fresh index in one commit: a deterministic measure of the indexing cost per event, for
//! profiling (`valgrind --tool=callgrind`) with one indexing thread.
//!
//!     cargo run --release -p vigil-index --example index_bench -- EVENTS.jsonl [DIR] [parse]

use std::io::BufRead;

use vigil_index::{Checkpoints, IndexWriter, WriterOptions};
use vigil_parsers::Event;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let input = args
        .get(1)
        .ok_or("usage: index_bench EVENTS.jsonl [DIR] [parse]")?;
    let dir = args.get(2).map_or("/tmp/index_bench", String::as_str);
    let parse_only = args.get(3).is_some_and(|a| a == "parse");
    let _ = std::fs::remove_dir_all(dir);
    let file = std::io::BufReader::new(std::fs::File::open(input)?);
    let mut events = Vec::new();
    for line in file.lines() {
        events.push(serde_json::from_str::<Event>(&line?)?);
    }
    if parse_only {
        println!("{} events read", events.len());
        return Ok(());
    }
    let options = WriterOptions {
        threads: Some(1),
        ..WriterOptions::default()
    };
    let started = std::time::Instant::now();
    let mut w = IndexWriter::open_with(dir, &options)?;
    let n = events.len();
    for e in events {
        w.add(e)?;
    }
    w.commit(&Checkpoints::new())?;
    w.close()?;
    println!("{n} events in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
