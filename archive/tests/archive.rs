//! The archive end to end: what is written reads back exactly, a crash before the index commit
//! leaves exactly the committed lines, and every kind of tampering is named by `verify`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::path::Path;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use vigil_archive::segment::{self, Record};
use vigil_archive::{Archive, ArchiveState, Error, Options, Problem, chain, verify};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap()
}

fn line(source: &str, n: u64) -> Vec<u8> {
    // Varied enough that segments fill up at a few commits each.
    let h = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!("Nov  3 09:15:02 web01 sshd[{n}]: Accepted password for user{h:x} from 10.1.2.3 port {h} ssh2 {source} 张三")
        .into_bytes()
}

/// Every record of `source`, in order: the sealed segments in chain order, then the open one.
fn records(dir: &Path, state: &ArchiveState, source: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut segments: Vec<(String, Option<u64>)> = chain::links(dir)
        .unwrap()
        .into_iter()
        .take(state.links as usize)
        .filter(|l| l.source == source)
        .map(|l| (l.segment, None))
        .collect();
    if let Some(o) = state.open.get(source) {
        segments.push((o.segment.clone(), Some(o.bytes)));
    }
    for (seg, limit) in segments {
        let scan = segment::scan(&dir.join(seg), limit, |r| out.push(r)).unwrap();
        assert!(scan.records.is_ok(), "{:?}", scan.records);
    }
    out
}

fn small() -> Options {
    Options {
        level: 3,
        seal_bytes: 2_000,
    }
}

/// Writes `n` lines per source for each of `commits` commits on day 3; returns the state.
fn fill(dir: &Path, commits: u64, n: u64) -> ArchiveState {
    let mut a = Archive::open(dir, &ArchiveState::default(), small()).unwrap();
    for c in 0..commits {
        for i in 0..n {
            let k = c * n + i;
            a.append("auth", 7, k * 100, &line("auth", k)).unwrap();
            a.append("db 主库", 9, k * 50, &line("db", k)).unwrap();
        }
        a.commit(day(3), at(3)).unwrap();
    }
    // And a few lines that stay in open segments.
    for i in 0..5 {
        let k = commits * n + i;
        a.append("auth", 7, k * 100, &line("auth", k)).unwrap();
        a.append("db 主库", 9, k * 50, &line("db", k)).unwrap();
    }
    let state = a.commit(day(3), at(3)).unwrap();
    assert_eq!(state.open.len(), 2, "{state:?}");
    state
}

#[test]
fn lines_read_back_exactly_in_order_across_sealed_and_open_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let state = fill(&dir, 6, 40);
    assert!(state.links >= 4, "small segments were sealed: {state:?}");
    let auth = records(&dir, &state, "auth");
    assert_eq!(auth.len(), 245);
    for (k, r) in auth.iter().enumerate() {
        let k = k as u64;
        assert_eq!(
            (r.file_id, r.offset, r.line.clone()),
            (7, k * 100, line("auth", k))
        );
    }
    assert_eq!(records(&dir, &state, "db 主库").len(), 245);
    let report = verify(&dir, Some(&state)).unwrap();
    assert_eq!(report.problems, []);
    assert_eq!(report.lines, 490);
    assert_eq!(report.head, state.head);
    assert_eq!(report.links, state.links);
    // A source with an awkward name gets a folder of its own with a hash.
    assert!(
        state.open["db 主库"].segment.starts_with("db___~"),
        "{:?}",
        state.open
    );
}

#[test]
fn a_new_day_seals_the_open_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let mut a = Archive::open(&dir, &ArchiveState::default(), Options::default()).unwrap();
    a.append("auth", 1, 0, b"one").unwrap();
    let s = a.commit(day(3), at(3)).unwrap();
    assert_eq!((s.links, s.open.len()), (0, 1));
    // Nothing new, but the day changed: sealed.
    let s = a.commit(day(4), at(4)).unwrap();
    assert_eq!((s.links, s.open.len()), (1, 0));
    a.append("auth", 1, 4, b"two").unwrap();
    let s = a.commit(day(4), at(4)).unwrap();
    assert_eq!(s.open["auth"].segment, "auth/000002.zst");
    assert_eq!(s.open["auth"].first_line, 1);
    let links = chain::links(&dir).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (
            links[0].segment.as_str(),
            links[0].first_line,
            links[0].lines,
            links[0].prev.as_str()
        ),
        ("auth/000001.zst", 0, 1, "")
    );
    assert_eq!(a.head(), links[0].hash);
    assert!(verify(&dir, Some(&s)).unwrap().ok());
}

#[test]
fn reopening_after_a_failed_index_commit_returns_to_the_committed_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let committed = fill(&dir, 3, 40);
    let before = records(&dir, &committed, "auth");
    {
        // More lines, frames written and segments sealed, but the index commit never happens.
        let mut a = Archive::open(&dir, &committed, small()).unwrap();
        for k in 0..200 {
            a.append("auth", 7, 1_000_000 + k, &line("lost", k))
                .unwrap();
            a.append("new-source", 3, k, &line("lost too", k)).unwrap();
        }
        let ahead = a.commit(day(3), at(3)).unwrap();
        assert!(ahead.links > committed.links);
        a.append("auth", 7, 5, b"never committed at all").unwrap();
    }
    let mut a = Archive::open(&dir, &committed, small()).unwrap();
    assert_eq!(a.state(), committed);
    // The reader resumes before the last archived line: what is archived is not archived again.
    assert!(!a.append("auth", 7, 124 * 100, &line("auth", 124)).unwrap());
    assert!(a.append("auth", 7, 125 * 100, &line("auth", 125)).unwrap());
    assert_eq!(committed.files["0000000000000007"], 124 * 100 + 1);
    drop(a);
    let a = Archive::open(&dir, &committed, small()).unwrap();
    assert_eq!(a.state(), committed);
    assert_eq!(records(&dir, &committed, "auth"), before);
    assert!(!dir.join("new-source").join("000001.zst").exists());
    let report = verify(&dir, Some(&committed)).unwrap();
    assert_eq!(report.problems, []);
    assert_eq!(report.lines, 250);
    assert_eq!(chain::links(&dir).unwrap().len() as u64, committed.links);
}

#[test]
fn an_archive_behind_the_commit_is_an_error_and_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let committed = fill(&dir, 3, 40);
    let open = &committed.open["auth"];
    let path = dir.join(&open.segment);
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(open.bytes - 1).unwrap();
    match Archive::open(&dir, &committed, small()) {
        Err(Error::Behind { path: p, .. }) => assert_eq!(p, path),
        other => panic!("{:?}", other.map(|a| a.state())),
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), open.bytes - 1);
}

/// The problems `verify` names after `tamper`, with the commit's state.
fn tampered(tamper: impl FnOnce(&Path, &ArchiveState)) -> Vec<Problem> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let state = fill(&dir, 6, 40);
    assert!(state.links >= 4);
    assert!(verify(&dir, Some(&state)).unwrap().ok());
    tamper(&dir, &state);
    verify(&dir, Some(&state)).unwrap().problems
}

fn link_segment(dir: &Path, n: usize) -> std::path::PathBuf {
    dir.join(&chain::links(dir).unwrap()[n].segment)
}

#[test]
fn one_flipped_byte_is_a_changed_segment() {
    let p = tampered(|dir, _| {
        let path = link_segment(dir, 1);
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        matches!(&p[0], Problem::Changed { link: Some(1), .. }),
        "{p:?}"
    );
    assert!(
        p[0].to_string().starts_with("link 1: changed: segment "),
        "{}",
        p[0]
    );
}

#[test]
fn a_flipped_byte_in_an_open_segment_is_found_too() {
    let p = tampered(|dir, state| {
        let path = dir.join(&state.open["auth"].segment);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
    });
    assert!(
        matches!(&p[..], [Problem::Changed { link: None, .. }]),
        "{p:?}"
    );
}

#[test]
fn a_deleted_segment_is_missing() {
    let p = tampered(|dir, _| std::fs::remove_file(link_segment(dir, 2)).unwrap());
    assert!(
        matches!(&p[..], [Problem::Missing { link: Some(2), .. }]),
        "{p:?}"
    );
    assert!(p[0].to_string().contains("missing"), "{}", p[0]);
}

#[test]
fn two_swapped_segments_are_reordered() {
    let p = tampered(|dir, _| {
        let (a, b) = (link_segment(dir, 0), link_segment(dir, 2));
        let tmp = a.with_extension("tmp");
        std::fs::rename(&a, &tmp).unwrap();
        std::fs::rename(&b, &a).unwrap();
        std::fs::rename(&tmp, &b).unwrap();
    });
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(matches!(&p[0], Problem::Reordered { link: 0, .. }), "{p:?}");
    assert!(
        p[0].to_string().contains("holds the content of link 2"),
        "{}",
        p[0]
    );
}

#[test]
fn a_chain_cut_at_a_link_boundary_is_truncated() {
    let p = tampered(|dir, state| {
        let text = std::fs::read_to_string(dir.join(chain::CHAIN)).unwrap();
        let keep: Vec<&str> = text.lines().take(state.links as usize - 1).collect();
        std::fs::write(dir.join(chain::CHAIN), keep.join("\n") + "\n").unwrap();
    });
    assert!(matches!(&p[0], Problem::Truncated { .. }), "{p:?}");
    assert!(
        p[0].to_string().contains("the last index commit recorded"),
        "{}",
        p[0]
    );
}

#[test]
fn a_chain_cut_inside_a_line_is_truncated() {
    let p = tampered(|dir, _| {
        let path = dir.join(chain::CHAIN);
        let len = std::fs::metadata(&path).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 30).unwrap();
    });
    assert!(matches!(&p[0], Problem::Truncated { .. }), "{p:?}");
    assert!(p[0].to_string().contains("cut short"), "{}", p[0]);
}

#[test]
fn without_the_index_a_cut_chain_still_shows_an_unchained_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let state = fill(&dir, 6, 40);
    let text = std::fs::read_to_string(dir.join(chain::CHAIN)).unwrap();
    let keep: Vec<&str> = text.lines().take(state.links as usize - 1).collect();
    std::fs::write(dir.join(chain::CHAIN), keep.join("\n") + "\n").unwrap();
    let p = verify(&dir, None).unwrap().problems;
    assert!(
        p.iter().any(
            |p| matches!(p, Problem::Truncated { message } if message.contains("in no chain link"))
        ),
        "{p:?}"
    );
}

#[test]
fn an_edited_link_breaks_the_chain() {
    let p = tampered(|dir, _| {
        let path = dir.join(chain::CHAIN);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut link: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
        link["lines"] = serde_json::json!(link["lines"].as_u64().unwrap() - 1);
        lines[1] = link.to_string();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    });
    assert!(
        matches!(&p[0], Problem::ChainAltered { link: 1, .. }),
        "{p:?}"
    );
}

#[derive(Debug, Clone)]
enum Op {
    Append(u8, u16),
    Commit(u32),
    Crash,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..3, 1u16..60).prop_map(|(s, n)| Op::Append(s, n)),
        3 => (3u32..6).prop_map(Op::Commit),
        1 => Just(Op::Crash),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any interleaving of appends, commits and crashes (the index commit never happening):
    /// the archive holds exactly the committed lines of each source, in order, and verifies.
    #[test]
    fn the_archive_holds_exactly_the_committed_lines(ops in proptest::collection::vec(op(), 1..40)) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("archive");
        let opts = Options { level: 1, seal_bytes: 600 };
        let sources = ["a", "b", "c d"];
        let mut committed = ArchiveState::default();
        let mut model: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 3];
        let mut pending: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 3];
        let mut today = 3;
        let mut a = Archive::open(&dir, &committed, opts).unwrap();
        let mut next = 0u64;
        for op in ops {
            match op {
                Op::Append(s, n) => {
                    for _ in 0..n {
                        let l = format!("line {next} of {}", sources[s as usize]).into_bytes();
                        a.append(sources[s as usize], u64::from(s), next, &l).unwrap();
                        pending[s as usize].push(l);
                        next += 1;
                    }
                }
                Op::Commit(d) => {
                    today = today.max(d);
                    committed = a.commit(day(today), at(today)).unwrap();
                    for (m, p) in model.iter_mut().zip(pending.iter_mut()) {
                        m.append(p);
                    }
                }
                Op::Crash => {
                    drop(a);
                    a = Archive::open(&dir, &committed, opts).unwrap();
                    for p in pending.iter_mut() {
                        p.clear();
                    }
                }
            }
        }
        drop(a);
        Archive::open(&dir, &committed, opts).unwrap();
        for (s, m) in sources.iter().zip(&model) {
            let got: Vec<Vec<u8>> = records(&dir, &committed, s).into_iter().map(|r| r.line).collect();
            prop_assert_eq!(&got, m);
        }
        let report = verify(&dir, Some(&committed)).unwrap();
        prop_assert_eq!(report.problems, vec![]);
        prop_assert_eq!(report.lines, model.iter().map(|m| m.len() as u64).sum::<u64>());
    }
}

/// The lines around a line: the same file's, across sealed segments into the open one, with other
/// files' lines in between skipped, and where the line is kept.
#[test]
fn context_gives_the_same_files_lines_around_a_line_and_its_segment() {
    use vigil_archive::context::{Holder, context};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    let mut a = Archive::open(&dir, &ArchiveState::default(), small()).unwrap();
    // Two files of one source, interleaved; 60 lines each over 6 commits.
    for c in 0..6u64 {
        for i in 0..10u64 {
            let k = c * 10 + i;
            a.append("auth", 7, k * 100, &line("auth", k)).unwrap();
            a.append("auth", 8, k * 10, &line("other", k)).unwrap();
        }
        a.commit(day(3), at(3)).unwrap();
    }
    let state = a.state();
    assert_eq!(state.links, 1, "{state:?}");
    // Lines 0..50 of each file are sealed, the rest open: around the boundary.
    let across = context(&dir, &state, "auth", 7, 4900, 1, 2)
        .unwrap()
        .unwrap();
    assert_eq!(
        across.after.iter().map(|r| r.offset).collect::<Vec<_>>(),
        [5000, 5100]
    );
    assert!(matches!(across.holder, Holder::Sealed { link: 0, .. }));
    let c = context(&dir, &state, "auth", 7, 2500, 2, 3)
        .unwrap()
        .unwrap();
    let offsets = |rs: &[Record]| rs.iter().map(|r| r.offset).collect::<Vec<_>>();
    assert_eq!(offsets(&c.before), [2200, 2300, 2400]);
    assert_eq!(offsets(&c.event), [2500, 2600]);
    assert_eq!(offsets(&c.after), [2700, 2800, 2900]);
    assert_eq!(c.event[0].line, line("auth", 25));
    assert!(matches!(c.holder, Holder::Sealed { .. }), "{:?}", c.holder);
    // The first line has nothing before it; the last line nothing after, and is in the open segment.
    let first = context(&dir, &state, "auth", 7, 0, 1, 3).unwrap().unwrap();
    assert!(first.before.is_empty());
    assert_eq!(offsets(&first.after), [100, 200, 300]);
    let last = context(&dir, &state, "auth", 7, 5900, 1, 3)
        .unwrap()
        .unwrap();
    assert_eq!(offsets(&last.before), [5600, 5700, 5800]);
    assert!(last.after.is_empty());
    assert!(
        matches!(last.holder, Holder::Open { .. }),
        "{:?}",
        last.holder
    );
    // A line the archive does not hold; another source.
    assert!(
        context(&dir, &state, "auth", 7, 2550, 1, 3)
            .unwrap()
            .is_none()
    );
    assert!(
        context(&dir, &state, "db", 7, 2500, 1, 3)
            .unwrap()
            .is_none()
    );
}
