//! Benchmark of `vigil watch` (issue 4), run with `cargo bench --bench watch`:
//!
//! 1. write-to-searchable lag at 2,000 lines/s: a writer appends numbered syslog lines and notes
//!    when each was written; a checker runs `vigil search '*' --count` in a loop and notes when
//!    each line became countable. Prints p50 and p99 (the checker's own period, about the time of
//!    one search, bounds the precision).
//! 2. CPU of an idle `vigil watch` over a minute (utime + stime from /proc).
//! 3. a firehose: lines written as fast as a file takes them while vigil follows; lines/s until
//!    all are searchable, and vigil's peak RSS (VmHWM).
//!
//! `VIGIL_BENCH_SECONDS` (default 30) sets the length of the lag run, `VIGIL_BENCH_IDLE` (default
//! 60) the idle one, `VIGIL_BENCH_FIREHOSE` (default 2,000,000) the firehose's lines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a failure stops it

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn start(data: &Path, pattern: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data")
        .arg(data)
        .args([
            "watch", "--format", "syslog", "--source", "app", "--zone", "UTC", pattern,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn count(data: &Path) -> u64 {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data")
        .arg(data)
        .args(["search", "*", "--count"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn line(n: u64) -> String {
    format!(
        "Nov  3 09:{:02}:{:02} web01 app[42]: request {n} served to 10.1.{}.{} in {} ms\n",
        (n / 60) % 60,
        n % 60,
        (n / 256) % 256,
        n % 256,
        n % 997
    )
}

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn lag(dir: &Path) {
    let secs = env_u64("VIGIL_BENCH_SECONDS", 30);
    let logs = dir.join("lag");
    std::fs::create_dir_all(&logs).unwrap();
    let data = dir.join("lag-data");
    let path = logs.join("app.log");
    std::fs::write(&path, line(0)).unwrap();
    let child = start(&data, &format!("{}/app.log*", logs.display()));
    while count(&data) < 1 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = secs * 2000;
    let written_at: Arc<Vec<AtomicU64>> =
        Arc::new((0..=total).map(|_| AtomicU64::new(0)).collect());
    let origin = Instant::now();
    let writer = {
        let written_at = written_at.clone();
        let path = path.clone();
        std::thread::spawn(move || {
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            for n in 1..=total {
                let due = origin + Duration::from_micros(n * 500);
                if let Some(w) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(w);
                }
                f.write_all(line(n).as_bytes()).unwrap();
                written_at[n as usize].store(origin.elapsed().as_micros() as u64, Ordering::SeqCst);
            }
        })
    };
    let mut lags = Vec::with_capacity(total as usize);
    let mut seen = 1u64;
    while seen < total + 1 {
        let c = count(&data);
        let now = origin.elapsed().as_micros() as u64;
        while seen < c.min(total + 1) {
            let w = written_at[seen as usize].load(Ordering::SeqCst);
            lags.push((now.saturating_sub(w)) as f64 / 1000.0);
            seen += 1;
        }
        if origin.elapsed() > Duration::from_secs(secs + 30) {
            break;
        }
    }
    writer.join().unwrap();
    stop(child);
    lags.sort_by(|a, b| a.total_cmp(b));
    println!(
        "lag at 2000 lines/s over {secs} s: {} lines seen of {total}; p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lags.len(),
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        lags.last().copied().unwrap_or(0.0)
    );
}

fn idle(dir: &Path) {
    let secs = env_u64("VIGIL_BENCH_IDLE", 60);
    let logs = dir.join("idle");
    std::fs::create_dir_all(&logs).unwrap();
    for i in 0..5 {
        // Distinct lines: files are told apart by their first line.
        let mut text = String::new();
        for n in 0..1000 {
            text.push_str(&line(i * 1000 + n));
        }
        std::fs::write(logs.join(format!("app{i}.log")), text).unwrap();
    }
    let data = dir.join("idle-data");
    let child = start(&data, &format!("{}/app*.log", logs.display()));
    while count(&data) < 5000 {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(6)); // past the quiet period
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(secs));
    let after = cpu_ticks(child.id());
    let hz = 100.0; // USER_HZ on Linux
    let cpu = (after - before) as f64 / hz;
    println!(
        "idle watch of 5 files over {secs} s: {cpu:.2} s of CPU ({:.3}% of a core)",
        cpu / secs as f64 * 100.0
    );
    stop(child);
}

fn firehose(dir: &Path) {
    let total = env_u64("VIGIL_BENCH_FIREHOSE", 2_000_000);
    let logs = dir.join("firehose");
    std::fs::create_dir_all(&logs).unwrap();
    let path = logs.join("app.log");
    std::fs::write(&path, line(0)).unwrap();
    let data = dir.join("firehose-data");
    let child = start(&data, &format!("{}/app.log*", logs.display()));
    while count(&data) < 1 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let start = Instant::now();
    let mut f = std::io::BufWriter::with_capacity(
        1 << 16,
        OpenOptions::new().append(true).open(&path).unwrap(),
    );
    let mut bytes = 0u64;
    for n in 1..=total {
        let l = line(n);
        bytes += l.len() as u64;
        f.write_all(l.as_bytes()).unwrap();
    }
    f.flush().unwrap();
    let written = start.elapsed();
    let mut rss = 0;
    loop {
        rss = rss.max(proc_field(child.id(), "status", "VmHWM:").unwrap_or(0));
        if count(&data) > total {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let secs = start.elapsed().as_secs_f64();
    rss = rss.max(proc_field(child.id(), "status", "VmHWM:").unwrap_or(0));
    println!(
        "firehose: {total} lines ({:.0} MB) written in {:.1} s, all searchable after {secs:.1} s: {:.0} lines/s, {:.1} MB/s; peak RSS {:.0} MB",
        bytes as f64 / 1e6,
        written.as_secs_f64(),
        total as f64 / secs,
        bytes as f64 / 1e6 / secs,
        rss as f64 / 1024.0
    );
    stop(child);
}

fn main() {
    // `cargo bench` passes --bench; any other argument names one part (lag, idle, firehose).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |p: &str| only.is_empty() || only.iter().any(|o| o == p);
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().to_path_buf();
    if want("lag") {
        lag(&dir);
    }
    if want("idle") {
        idle(&dir);
    }
    if want("firehose") {
        firehose(&dir);
    }
}
