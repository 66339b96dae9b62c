#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing
//! Model-based test of the follower: random sequences of writes, rotations by rename (with
//! compression of older files), copytruncate, truncation, deletion, commits and restarts, on real
//! files. Whatever happens, the lines committed are exactly the lines written, each once.
//!
//! The model: lines are "committed" when a commit follows the poll that read them; a restart
//! drops what was read but not committed and starts a new follower from the committed positions.
//! Operations that destroy content (truncate, delete, dropping the oldest rotated file) first let
//! vigil catch up (poll and commit), as a log reader that keeps up would have: content destroyed
//! before anyone could read it is not the reader's to lose.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use vigil_follow::{Follower, Options, Pos};

#[derive(Debug, Clone)]
enum Op {
    Write(u8),
    /// A write whose last line has no newline yet; the rest follows at the next write.
    WritePartial,
    Poll,
    Commit,
    RotateRename {
        compress: bool,
    },
    CopyTruncate,
    Truncate,
    Delete,
    Restart,
    Wait,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (1u8..40).prop_map(Op::Write),
        1 => Just(Op::WritePartial),
        5 => Just(Op::Poll),
        3 => Just(Op::Commit),
        2 => any::<bool>().prop_map(|compress| Op::RotateRename { compress }),
        2 => Just(Op::CopyTruncate),
        1 => Just(Op::Truncate),
        1 => Just(Op::Delete),
        2 => Just(Op::Restart),
        1 => Just(Op::Wait),
    ]
}

struct World {
    dir: tempfile::TempDir,
    next: u64,
    /// A line begun without its newline.
    open_line: Option<String>,
    written: Vec<String>,
}

impl World {
    fn log(&self) -> std::path::PathBuf {
        self.dir.path().join("app.log")
    }

    fn rotated(&self, n: u32) -> std::path::PathBuf {
        self.dir.path().join(format!("app.log.{n}"))
    }

    fn write(&mut self, n: u8, partial: bool) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .unwrap();
        let mut text = String::new();
        if let Some(rest) = self.open_line.take() {
            text.push_str(&rest);
            text.push('\n');
        }
        for _ in 0..n {
            let l = format!("2026-11-03T09:15:02+08:00 line {} of the model", self.next);
            self.next += 1;
            text.push_str(&l);
            text.push('\n');
            self.written.push(l);
        }
        if partial {
            let l = format!("2026-11-03T09:15:03+08:00 line {} of the model", self.next);
            self.next += 1;
            let (head, tail) = l.split_at(20);
            text.push_str(head);
            self.open_line = Some(tail.to_string());
            self.written.push(l);
        }
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Ends a line left open (before the file it is in goes away).
    fn close_line(&mut self) {
        if self.open_line.is_some() {
            self.write(0, false);
        }
    }

    fn shift(&mut self) {
        // The oldest generation goes; .1 becomes .2 (compressed or not).
        for old in [self.rotated(2), self.dir.path().join("app.log.2.gz")] {
            let _ = fs::remove_file(old);
        }
        if self.rotated(1).exists() {
            fs::rename(self.rotated(1), self.rotated(2)).unwrap();
        }
        if self.dir.path().join("app.log.1.gz").exists() {
            fs::rename(
                self.dir.path().join("app.log.1.gz"),
                self.dir.path().join("app.log.2.gz"),
            )
            .unwrap();
        }
    }

    fn compress(&self, path: &Path) {
        if !path.exists() {
            return;
        }
        let data = fs::read(path).unwrap();
        let gz = path.with_file_name(format!(
            "{}.gz",
            path.file_name().unwrap().to_str().unwrap()
        ));
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&data).unwrap();
        fs::write(&gz, enc.finish().unwrap()).unwrap();
        fs::remove_file(path).unwrap();
    }
}

struct Vigil {
    follower: Follower,
    /// Read but not committed: (file id, offset, line).
    pending: Vec<(u64, u64, String)>,
    committed: Vec<(u64, u64, String)>,
    checkpoints: BTreeMap<u64, Pos>,
    now: Instant,
}

impl Vigil {
    fn new(pattern: &str, checkpoints: BTreeMap<u64, Pos>, now: Instant) -> Vigil {
        Vigil {
            follower: Follower::new(vec![pattern.to_string()], opts()),
            pending: Vec::new(),
            committed: Vec::new(),
            checkpoints,
            now,
        }
    }

    fn poll(&mut self) {
        let ckpts = self.checkpoints.clone();
        let pending = &mut self.pending;
        let report = self.follower.poll(
            self.now,
            &|id| ckpts.get(&id).map(|p| (*p, None)),
            &mut |l| {
                pending.push((
                    l.file_id,
                    l.offset,
                    String::from_utf8(l.bytes.to_vec()).unwrap(),
                ));
            },
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }

    fn commit(&mut self) {
        self.committed.append(&mut self.pending);
        for (id, pos, _, _) in self.follower.positions() {
            self.checkpoints.insert(id, pos);
        }
    }

    fn catch_up(&mut self) {
        loop {
            let before = self.pending.len();
            self.poll();
            if self.pending.len() == before {
                break;
            }
        }
        self.commit();
    }
}

fn opts() -> Options {
    Options {
        quiet: Duration::from_secs(5),
        // Small, so that files are read over several polls.
        max_read: 700,
        max_line: 1 << 20,
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut w = World {
        dir: tempfile::tempdir().unwrap(),
        next: 0,
        open_line: None,
        written: Vec::new(),
    };
    let pattern = format!("{}/app.log*", w.dir.path().display());
    let mut v = Vigil::new(&pattern, BTreeMap::new(), Instant::now());
    let mut all_committed: Vec<(u64, u64, String)> = Vec::new();
    for op in ops {
        match op {
            Op::Write(n) => w.write(n, false),
            Op::WritePartial => w.write(2, true),
            Op::Poll => v.poll(),
            Op::Commit => v.commit(),
            Op::Wait => {
                // A writer that pauses mid-line for longer than the quiet period has its line
                // split (tested on its own below); the model's writer finishes lines first.
                w.close_line();
                v.now += Duration::from_secs(6);
            }
            Op::RotateRename { compress } => {
                w.close_line();
                v.catch_up(); // the oldest generation is about to go
                w.shift();
                if w.log().exists() {
                    fs::rename(w.log(), w.rotated(1)).unwrap();
                }
                if compress {
                    w.compress(&w.rotated(2));
                }
            }
            Op::CopyTruncate => {
                w.close_line();
                v.catch_up();
                w.shift();
                if w.log().exists() {
                    fs::copy(w.log(), w.rotated(1)).unwrap();
                    OpenOptions::new()
                        .write(true)
                        .open(w.log())
                        .unwrap()
                        .set_len(0)
                        .unwrap();
                }
            }
            Op::Truncate | Op::Delete => {
                w.close_line();
                v.catch_up();
                if w.log().exists() {
                    if matches!(op, Op::Truncate) {
                        OpenOptions::new()
                            .write(true)
                            .open(w.log())
                            .unwrap()
                            .set_len(0)
                            .unwrap();
                    } else {
                        fs::remove_file(w.log()).unwrap();
                    }
                }
            }
            Op::Restart => {
                all_committed.append(&mut v.committed);
                let now = v.now;
                v = Vigil::new(&pattern, v.checkpoints.clone(), now);
            }
        }
    }
    // The writer stops; after the quiet period, everything is read.
    w.close_line();
    v.now += Duration::from_secs(6);
    v.catch_up();
    v.now += Duration::from_secs(6);
    v.catch_up();
    all_committed.append(&mut v.committed);

    let mut ids = HashSet::new();
    for (id, offset, line) in &all_committed {
        prop_assert!(ids.insert((*id, *offset)), "id read twice: {line}");
    }
    let got: Vec<&str> = {
        let mut g: Vec<&str> = all_committed.iter().map(|(_, _, l)| l.as_str()).collect();
        g.sort();
        g
    };
    let mut want: Vec<&str> = w.written.iter().map(String::as_str).collect();
    want.sort();
    prop_assert_eq!(got, want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_line_written_is_committed_once(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops)?;
    }
}

#[test]
fn a_small_file_that_grows_keeps_its_identity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status");
    fs::write(&path, "ok\n").unwrap();
    let mut f = Follower::new(vec![path.display().to_string()], opts());
    let now = Instant::now();
    let mut got = Vec::new();
    f.poll(now, &|_| None, &mut |l| {
        got.push((l.file_id, l.offset, l.line, l.bytes.to_vec()))
    });
    let mut a = OpenOptions::new().append(true).open(&path).unwrap();
    a.write_all(b"still ok\n").unwrap();
    f.poll(now, &|_| None, &mut |l| {
        got.push((l.file_id, l.offset, l.line, l.bytes.to_vec()))
    });
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, got[1].0);
    assert_eq!(
        (got[1].1, got[1].2, got[1].3.as_slice()),
        (3, 2, &b"still ok"[..])
    );
}

#[test]
fn a_last_line_without_newline_is_taken_after_the_quiet_period() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.log");
    fs::write(&path, "one\ntwo").unwrap();
    let mut f = Follower::new(vec![path.display().to_string()], opts());
    let now = Instant::now();
    let mut got: Vec<(Vec<u8>, bool)> = Vec::new();
    f.poll(now, &|_| None, &mut |l| {
        got.push((l.bytes.to_vec(), l.complete))
    });
    assert_eq!(got, [(b"one".to_vec(), true)]);
    f.poll(now + Duration::from_secs(1), &|_| None, &mut |l| {
        got.push((l.bytes.to_vec(), l.complete))
    });
    assert_eq!(got.len(), 1);
    f.poll(now + Duration::from_secs(6), &|_| None, &mut |l| {
        got.push((l.bytes.to_vec(), l.complete))
    });
    assert_eq!(got, [(b"one".to_vec(), true), (b"two".to_vec(), false)]);
    let pos: Vec<Pos> = f.positions().map(|(_, p, _, _)| p).collect();
    assert_eq!(pos, [Pos { offset: 7, line: 3 }]);
}

#[test]
fn a_gzip_file_seen_before_its_first_bytes_is_still_read_as_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("x.log");
    fs::write(&plain, "one\ntwo\n").unwrap();
    // The compressor's output, without a .gz name, created empty and written later.
    let out = dir.path().join("x.log.1");
    fs::write(&out, "").unwrap();
    let mut f = Follower::new(vec![format!("{}/x.log*", dir.path().display())], opts());
    let now = Instant::now();
    let mut got: Vec<Vec<u8>> = Vec::new();
    f.poll(now, &|_| None, &mut |l| got.push(l.bytes.to_vec()));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"one\ntwo\nthree\n").unwrap();
    fs::write(&out, enc.finish().unwrap()).unwrap();
    for s in 1..4 {
        f.poll(now + Duration::from_secs(s), &|_| None, &mut |l| {
            got.push(l.bytes.to_vec())
        });
    }
    assert_eq!(got, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
}

#[test]
fn a_file_that_starts_like_another_is_refused_not_read_on_from_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    fs::write(&a, "start\nalice\nbob\n").unwrap();
    let now = Instant::now();
    let mut f = Follower::new(vec![format!("{}/a.log", dir.path().display())], opts());
    let mut got: Vec<String> = Vec::new();
    let mut take =
        |l: vigil_follow::Line<'_>| got.push(String::from_utf8(l.bytes.to_vec()).unwrap());
    f.poll(now, &|_| None, &mut take);
    let (id, pos, _, tail) = f.positions().next().unwrap();
    assert_eq!(
        (pos, tail.is_some()),
        (
            Pos {
                offset: 16,
                line: 4
            },
            true
        )
    );

    // In the same run: b.log shares the first line, not the rest.
    fs::write(&b, "start\ncarol\ndave\nerin\n").unwrap();
    let mut f2 = Follower::new(vec![format!("{}/*.log", dir.path().display())], opts());
    let mut got2: Vec<String> = Vec::new();
    let r = f2.poll(now, &|_| None, &mut |l| {
        got2.push(String::from_utf8(l.bytes.to_vec()).unwrap())
    });
    assert_eq!(got2, ["start", "alice", "bob"]);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].0, b);
    assert_eq!(r.errors[0].1.kind(), std::io::ErrorKind::InvalidData);
    // Where a.log was left, not where b.log ends.
    assert!(
        r.errors[0].1.to_string().contains("before byte 16 differ"),
        "{}",
        r.errors[0].1
    );
    assert!(
        r.errors[0]
            .1
            .to_string()
            .starts_with("starts with the same line as a file already read"),
        "{}",
        r.errors[0].1
    );
    // Reported once; a.log goes on.
    let mut w = OpenOptions::new().append(true).open(&a).unwrap();
    w.write_all(b"fred\n").unwrap();
    let r = f2.poll(now, &|_| None, &mut |l| {
        got2.push(String::from_utf8(l.bytes.to_vec()).unwrap())
    });
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(got2, ["start", "alice", "bob", "fred"]);

    // After a restart, with a.log's committed position and tail: b.log alone is refused.
    let mut f3 = Follower::new(vec![format!("{}/b.log", dir.path().display())], opts());
    let r = f3.poll(now, &|i| (i == id).then_some((pos, tail)), &mut |l| {
        got.push(String::from_utf8(l.bytes.to_vec()).unwrap())
    });
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(got, ["start", "alice", "bob"]);
    assert_eq!(f3.positions().count(), 0);
}
