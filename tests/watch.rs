//! `vigil watch` driven as an operator runs it: a writer appends lines while files are rotated by
//! rename (and compressed), copied and truncated, and vigil is stopped by SIGINT or killed by
//! SIGKILL and restarted. Afterwards the index holds every line written exactly once, and the
//! archive verifies. With the real `logrotate` where it is installed (CI installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_vigil")
}

/// `vigil --data DATA ARGS`.
fn vigil(data: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

/// Starts `vigil watch` on the glob `pattern`, committing and polling often.
fn start_watch(data: &Path, pattern: &str) -> Child {
    Command::new(bin())
        .arg("--data")
        .arg(data)
        .args([
            "watch",
            "--format",
            "syslog",
            "--source",
            "app",
            "--zone",
            "UTC",
            "--commit-every",
            "200ms",
            "--poll-every",
            "100ms",
            "--quiet",
            "1s",
            pattern,
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

/// Sends SIGINT and waits: the exit status must be 0.
fn stop(mut child: Child) -> String {
    signal(&child, "-INT");
    let out = child_output(&mut child);
    assert_eq!(out.0, Some(0), "watch did not exit 0: {}", out.1);
    out.1
}

fn child_output(child: &mut Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                e.read_to_string(&mut err).unwrap();
            }
            return (status.code(), err);
        }
        assert!(Instant::now() < deadline, "watch did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every event in the index: raw line -> ids.
fn indexed(data: &Path) -> BTreeMap<String, Vec<String>> {
    let out = vigil(
        data,
        &["search", "*", "--format", "jsonl", "--limit", "10000000"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let e: Value = serde_json::from_str(l).unwrap();
        map.entry(e["raw"].as_str().unwrap().to_string())
            .or_default()
            .push(e["id"].as_str().unwrap().to_string());
    }
    map
}

/// A test's folders: `logs/` for the writer, `data/` for vigil, and the glob vigil follows.
struct Site {
    tmp: tempfile::TempDir,
    logs: PathBuf,
    data: PathBuf,
    pattern: String,
}

impl Site {
    fn new() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let logs = tmp.path().join("logs");
        fs::create_dir(&logs).unwrap();
        let data = tmp.path().join("data");
        let pattern = format!("{}/app.log*", logs.display());
        Site {
            tmp,
            logs,
            data,
            pattern,
        }
    }
}

/// A writer of numbered syslog lines into `dir/app.log`.
struct Writer {
    dir: PathBuf,
    next: u64,
    written: Vec<String>,
}

impl Writer {
    fn new(dir: &Path) -> Writer {
        Writer {
            dir: dir.to_path_buf(),
            next: 0,
            written: Vec::new(),
        }
    }

    fn log(&self) -> PathBuf {
        self.dir.join("app.log")
    }

    fn write(&mut self, n: u64) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .unwrap();
        let mut text = String::new();
        for _ in 0..n {
            let l = format!(
                "Nov  3 09:{:02}:{:02} web01 app[42]: request {} served",
                (self.next / 60) % 60,
                self.next % 60,
                self.next
            );
            self.next += 1;
            text.push_str(&l);
            text.push('\n');
            self.written.push(l);
        }
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Writes `total` lines at about `per_sec`, in small bursts, calling `between` after each.
    fn run(&mut self, total: u64, per_sec: u64, mut between: impl FnMut(&mut Writer, u64)) {
        let burst = (per_sec / 50).max(1);
        let start = Instant::now();
        let mut done = 0;
        while done < total {
            let n = burst.min(total - done);
            self.write(n);
            done += n;
            between(self, done);
            let due = start + Duration::from_secs_f64(done as f64 / per_sec as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
}

/// Polls until the index holds `n` events (or a minute passes: a debug build on a loaded 2-core
/// machine indexes 60,000 lines in well under that).
fn wait_for(data: &Path, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = vigil(data, &["search", "*", "--count"]);
        let got: usize = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        if got >= n || Instant::now() > deadline {
            if got < n {
                eprintln!(
                    "waited for {n} events, the index holds {got}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assert_each_once(data: &Path, written: &[String]) {
    let got = indexed(data);
    let dup: Vec<_> = got
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .take(3)
        .collect();
    assert!(dup.is_empty(), "read more than once: {dup:?}");
    let missing: Vec<&String> = written
        .iter()
        .filter(|l| !got.contains_key(l.as_str()))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "never indexed: {missing:?}");
    assert_eq!(got.len(), written.len());
}

fn gzip(path: &Path) {
    let data = fs::read(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&data).unwrap();
    let gz = PathBuf::from(format!("{}.gz", path.display()));
    fs::write(gz, enc.finish().unwrap()).unwrap();
    fs::remove_file(path).unwrap();
}

#[test]
fn rotation_by_rename_copy_and_truncate_loses_and_repeats_nothing() {
    let Site {
        tmp: _tmp,
        logs,
        data,
        pattern,
    } = Site::new();
    let mut w = Writer::new(&logs);
    w.write(100);
    let child = start_watch(&data, &pattern);
    w.run(3000, 2000, |w, done| match done {
        // Rotation by rename, then the old file compressed.
        600 => {
            fs::rename(w.log(), logs.join("app.log.1")).unwrap();
        }
        1000 => gzip(&logs.join("app.log.1")),
        // copytruncate
        1600 => {
            fs::copy(w.log(), logs.join("app.log.2")).unwrap();
            OpenOptions::new()
                .write(true)
                .open(w.log())
                .unwrap()
                .set_len(0)
                .unwrap();
        }
        _ => {}
    });
    assert_eq!(wait_for(&data, w.written.len()), w.written.len());
    let err = stop(child);
    assert!(err.contains("watch: stopped: "), "{err}");
    // The copytruncate window: lines written after the copy and before the truncation are in
    // neither file if vigil had not read them yet. None were written in between here.
    assert_each_once(&data, &w.written);
    let v = vigil(&data, &["archive", "verify"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let text = String::from_utf8_lossy(&v.stdout).to_string();
    assert!(
        text.contains(&format!(" {} lines", w.written.len())),
        "{text}"
    );
    // One byte changed in the evidence: exit 1, naming the segment and what is wrong.
    let seg = data.join("archive/app/000001.zst");
    let mut bytes = fs::read(&seg).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    fs::write(&seg, bytes).unwrap();
    let v = vigil(&data, &["archive", "verify"]);
    assert_eq!(v.status.code(), Some(1));
    let text = String::from_utf8_lossy(&v.stdout).to_string();
    assert!(
        text.starts_with("archive verify: open segment: changed: segment app/000001.zst"),
        "{text}"
    );
}

#[test]
fn sigkill_at_random_moments_loses_and_repeats_nothing() {
    let Site {
        tmp: _tmp,
        logs,
        data,
        pattern,
    } = Site::new();
    let mut w = Writer::new(&logs);
    // A fixed pseudo-random sequence of kill moments (in lines written).
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut kills = Vec::new();
    let mut at = 0;
    for _ in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        at += 100 + seed % 300;
        kills.push(at);
    }
    let total = at + 200;
    let mut child = Some(start_watch(&data, &pattern));
    let mut rotations = 0;
    w.run(total, 2000, |w, done| {
        if kills.first().is_some_and(|&k| done >= k) {
            kills.remove(0);
            let mut c = child.take().unwrap();
            c.kill().unwrap(); // SIGKILL
            c.wait().unwrap();
            if done % 3 == 0 {
                rotations += 1;
                let old = logs.join(format!("app.log.{rotations}"));
                fs::rename(w.log(), old).unwrap();
            }
            child = Some(start_watch(&data, &pattern));
        }
    });
    assert_eq!(wait_for(&data, w.written.len()), w.written.len());
    stop(child.take().unwrap());
    assert!(kills.is_empty());
    assert_each_once(&data, &w.written);
    let v = vigil(&data, &["archive", "verify"]);
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn a_second_watch_on_the_same_data_is_refused() {
    let Site {
        tmp: _tmp,
        logs,
        data,
        pattern,
    } = Site::new();
    let mut w = Writer::new(&logs);
    w.write(10);
    let first = start_watch(&data, &pattern);
    assert_eq!(wait_for(&data, 10), 10);
    let mut second = start_watch(&data, &pattern);
    let (code, err) = child_output(&mut second);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("index"), "{err}");
    stop(first);
}

/// `logrotate` from the system, if installed.
fn logrotate() -> Option<PathBuf> {
    [
        "/usr/sbin/logrotate",
        "/sbin/logrotate",
        "/usr/bin/logrotate",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn with_logrotate(mode: &str) {
    let Some(lr) = logrotate() else {
        eprintln!(
            "skipped: logrotate is not installed (apt-get install logrotate); .ci/run installs it"
        );
        return;
    };
    let Site {
        tmp,
        logs,
        data,
        pattern,
    } = Site::new();
    let conf = tmp.path().join("logrotate.conf");
    let state = tmp.path().join("logrotate.state");
    fs::write(
        &conf,
        format!(
            "{}/app.log {{\n  rotate 20\n  size 1\n  {mode}\n  compress\n  delaycompress\n  missingok\n}}\n",
            logs.display()
        ),
    )
    .unwrap();
    let mut w = Writer::new(&logs);
    w.write(50);
    let child = start_watch(&data, &pattern);
    let mut runs = 0;
    w.run(8000, 2000, |_, done| {
        if done % 1000 == 0 {
            let out = Command::new(&lr)
                .arg("-f")
                .arg("-s")
                .arg(&state)
                .arg(&conf)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            runs += 1;
        }
    });
    assert_eq!(runs, 8);
    let n = wait_for(&data, w.written.len());
    stop(child);
    // copytruncate can lose the lines written between its copy and its truncation, if vigil had
    // not read them yet: logrotate's own caveat. Nothing may be read twice, and in create mode
    // nothing may be lost.
    let got = indexed(&data);
    let dup: Vec<_> = got
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .take(3)
        .collect();
    assert!(dup.is_empty(), "read more than once: {dup:?}");
    if mode == "create" {
        assert_eq!(n, w.written.len());
        assert_each_once(&data, &w.written);
    } else {
        let lost = w
            .written
            .iter()
            .filter(|l| !got.contains_key(l.as_str()))
            .count();
        eprintln!(
            "copytruncate: {lost} of {} lines lost in the copy window",
            w.written.len()
        );
        assert!(lost <= 50, "{lost} lines lost");
    }
    let v = vigil(&data, &["archive", "verify"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

#[test]
fn logrotate_create_mode_with_compression() {
    with_logrotate("create");
}

#[test]
fn logrotate_copytruncate_mode_with_compression() {
    with_logrotate("copytruncate");
}

#[test]
fn watch_goes_on_from_where_ingest_left_a_file() {
    let Site {
        tmp: _tmp,
        logs,
        data,
        pattern,
    } = Site::new();
    let mut w = Writer::new(&logs);
    w.write(100);
    let log = w.log().display().to_string();
    let out = vigil(
        &data,
        &[
            "ingest", "--format", "syslog", "--source", "app", "--zone", "UTC", &log,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(wait_for(&data, 100), 100);
    let child = start_watch(&data, &pattern);
    w.write(50);
    assert_eq!(wait_for(&data, 150), 150);
    stop(child);
    // The same file to both: the watcher read only the 50 new lines.
    assert_each_once(&data, &w.written);
    // Both archived what they read, each line once.
    let v = vigil(&data, &["archive", "verify"]);
    let text = String::from_utf8_lossy(&v.stdout).to_string();
    assert!(v.status.success(), "{text}");
    assert!(text.contains(" 150 lines"), "{text}");
}

/// A small file system of its own (tmpfs), where this user may mount one; unmounted on drop.
struct SmallFs(PathBuf);

impl SmallFs {
    fn mount(dir: &Path, size: &str) -> Option<SmallFs> {
        fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallFs(dir.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        self.remount(&format!("size={size}"));
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "cannot remount {} with {options}", self.0.display());
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_or_read_only_data_directory_stops_watch_with_exit_2_and_nothing_is_lost_after() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(small) = SmallFs::mount(&tmp.path().join("small"), "3m") else {
        eprintln!(
            "skipped: cannot mount a 3 MB tmpfs here (it needs root); the full-disk test did not run"
        );
        return;
    };
    let logs = tmp.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let data = small.0.join("data");
    let mut w = Writer::new(&logs);
    // About 4 MB of lines: more than the index and the archive can hold in 3 MB.
    let mut text = String::new();
    for n in 0..60_000u64 {
        let l = format!(
            "Nov  3 09:{:02}:{:02} web01 app[42]: request {n} served {:016x}",
            (n / 60) % 60,
            n % 60,
            n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        text.push_str(&l);
        text.push('\n');
        w.written.push(l);
    }
    fs::write(w.log(), text).unwrap();
    let pattern = format!("{}/app.log*", logs.display());
    let mut full = start_watch(&data, &pattern);
    let (code, err) = child_output(&mut full);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(&data.display().to_string()), "{err}");
    // Room again, but the file system is now read-only: the same.
    small.resize("64m");
    small.remount("ro");
    let mut ro = start_watch(&data, &pattern);
    let (code, err) = child_output(&mut ro);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(&data.display().to_string()), "{err}");
    // Writable again: the next run resumes from the last commit.
    small.remount("rw");
    let child = start_watch(&data, &pattern);
    assert_eq!(wait_for(&data, w.written.len()), w.written.len());
    stop(child);
    assert_each_once(&data, &w.written);
    let v = vigil(&data, &["archive", "verify"]);
    let out = String::from_utf8_lossy(&v.stdout).to_string();
    assert!(v.status.success(), "{out}");
    assert!(out.contains(" 60000 lines"), "{out}");
}
