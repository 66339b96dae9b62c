//! The real `.evtx` samples of `samples/evtx/` (see its README), read with `vigil_winlog::read`
//! and the `winlog` parser: exact counts of records per EventID, equal to `evtx_dump`'s, exact
//! counts of events per vigil action, nothing rejected; reads after a checkpoint; damaged copies.
//!
//! The counts per EventID are `evtx_dump`'s, evtx 0.15.1 (`cargo install evtx --version 0.15.1
//! --locked`), counted with
//!
//! ```sh
//! evtx_dump -o jsonl FILE | jq -r '.Event.System.EventID | if type == "object" then ."#text" else . end' | sort -n | uniq -c
//! ```
//!
//! (`evtx_dump` wrote nothing to stderr for any of these files.)

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use vigil_parsers::winlog::WinlogParser;
use vigil_parsers::{Event, ParseContext, Parser, RawLine};
use vigil_winlog::{Error, RecordLine};

fn sample(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/evtx")
        .join(file)
}

fn ctx() -> ParseContext {
    let reference = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    ParseContext::new(
        "winlog",
        "default-host",
        chrono_tz::Asia::Shanghai,
        reference,
    )
}

/// What one read of a file gave.
struct Read {
    lines: Vec<RecordLine>,
    events: Vec<Event>,
    rejected: usize,
    bad: Vec<(Option<u64>, String)>,
    summary: vigil_winlog::ReadSummary,
}

fn read(path: &Path, after: u64) -> Read {
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    let summary = vigil_winlog::read(path, after, |l| lines.push(l), |id, e| bad.push((id, e)))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stream = vigil_winlog::stream(path).unwrap();
    let file_id = stream.map_or(0, |s| s.id);
    let ctx = ctx();
    let mut parser = WinlogParser::new();
    let mut out = Vec::new();
    let name = path.display().to_string();
    for l in &lines {
        // As a reader feeds them: the record id as the offset (and the line).
        let line = RawLine {
            bytes: l.json.as_bytes(),
            path: &name,
            file_id,
            offset: l.record_id,
            line: l.record_id,
        };
        parser.feed(&line, &ctx, &mut out);
    }
    parser.flush(&ctx, &mut out);
    let mut events = Vec::new();
    let mut rejected = 0;
    for o in out {
        match o {
            Ok(e) => events.push(e),
            Err(r) => {
                eprintln!("rejected: {:?}: {}", r.error, r.raw);
                rejected += 1;
            }
        }
    }
    Read {
        lines,
        events,
        rejected,
        bad,
        summary,
    }
}

fn counts<K: Ord + Clone>(pairs: &[(K, usize)]) -> BTreeMap<K, usize> {
    pairs.iter().cloned().collect()
}

struct Sample {
    file: &'static str,
    channel: &'static str,
    computer: &'static str,
    /// The first and last record ids (the records' headers', as `evtx_dump` numbers them).
    first_id: u64,
    last_id: u64,
    /// A log saved filtered (Event Viewer's "Save Filtered Log File As") numbers its records 1,
    /// 2...; their EventRecordID keeps the original log's: the first and last of those.
    saved_filtered: Option<(u64, u64)>,
    /// evtx_dump's records per EventID.
    event_ids: &'static [(u64, usize)],
    /// The winlog parser's events per action.
    actions: &'static [(&'static str, usize)],
}

const SAMPLES: &[Sample] = &[
    Sample {
        file: "evtx-crate/Security_with_size_t.evtx",
        channel: "Security",
        computer: "26L2233B1-02",
        first_id: 1,
        last_id: 636,
        saved_filtered: None,
        event_ids: &[
            (1100, 3),
            (1101, 4),
            (1108, 3),
            (4608, 8),
            (4616, 9),
            (4624, 126),
            (4625, 15),
            (4634, 17),
            (4647, 1),
            (4648, 92),
            (4672, 109),
            (4717, 1),
            (4776, 21),
            (4902, 8),
            (4907, 192),
            (5024, 8),
            (5032, 11),
            (5033, 8),
        ],
        actions: &[
            ("login.explicit_credentials", 92),
            ("login.failure", 15),
            ("login.privileged", 109),
            ("login.success", 126),
            ("logout", 18),
            ("system.message", 276),
        ],
    },
    Sample {
        file: "evtx-crate/new-user-security.evtx",
        channel: "Security",
        computer: "IE8Win7",
        first_id: 1,
        last_id: 4,
        saved_filtered: Some((111, 116)),
        event_ids: &[(4720, 1), (4728, 1), (4732, 2)],
        actions: &[("account.create", 1), ("group.modify", 3)],
    },
    Sample {
        file: "evtx-crate/Security_short_selected.evtx",
        channel: "Security",
        computer: "temporal",
        first_id: 1,
        last_id: 7,
        saved_filtered: Some((319457771, 319457858)),
        event_ids: &[
            (4611, 1),
            (4625, 1),
            (4673, 1),
            (4776, 1),
            (5152, 2),
            (5157, 1),
        ],
        actions: &[("login.failure", 1), ("system.message", 6)],
    },
    Sample {
        file: "evtx-crate/MSExchange_Management_wec.evtx",
        channel: "MSExchange Management",
        computer: "WEC.ave.local",
        first_id: 1,
        last_id: 1,
        saved_filtered: Some((3229, 3229)),
        event_ids: &[(1, 1)],
        actions: &[("system.message", 1)],
    },
    Sample {
        file: "evtx-attack-samples/CA_4624_4625_LogonType2_LogonProc_chrome.evtx",
        channel: "Security",
        computer: "MSEDGEWIN10",
        first_id: 1,
        last_id: 4,
        saved_filtered: Some((137222, 137225)),
        event_ids: &[(4624, 3), (4625, 1)],
        actions: &[("login.failure", 1), ("login.success", 3)],
    },
    Sample {
        file: "evtx-attack-samples/DE_104_system_log_cleared.evtx",
        channel: "System",
        computer: "PC01.example.corp",
        first_id: 1,
        last_id: 1,
        saved_filtered: Some((27736, 27736)),
        event_ids: &[(104, 1)],
        actions: &[("audit.log_cleared", 1)],
    },
    Sample {
        file: "evtx-attack-samples/DFIR_RDP_Client_TimeZone_RdpCoreTs_104_example.evtx",
        channel: "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
        computer: "MSEDGEWIN10",
        first_id: 1,
        last_id: 21,
        saved_filtered: Some((1129, 2858)),
        // RdpCoreTS's 104 is a time zone report, not a log cleared.
        event_ids: &[(104, 21)],
        actions: &[("system.message", 21)],
    },
    Sample {
        file: "evtx-attack-samples/LM_WMIC_4648_rpcss.evtx",
        channel: "Security",
        computer: "PC01.example.corp",
        first_id: 1,
        last_id: 5,
        saved_filtered: Some((433307, 433350)),
        event_ids: &[(1102, 1), (4648, 3), (4688, 1)],
        actions: &[
            ("audit.log_cleared", 1),
            ("login.explicit_credentials", 3),
            ("process.exec", 1),
        ],
    },
    Sample {
        file: "evtx-attack-samples/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        channel: "Security",
        computer: "wind10.winlab.local",
        first_id: 1,
        last_id: 11,
        saved_filtered: Some((21365, 21375)),
        event_ids: &[(1102, 1), (4624, 4), (4634, 1), (4672, 4), (4688, 1)],
        actions: &[
            ("audit.log_cleared", 1),
            ("login.privileged", 4),
            ("login.success", 4),
            ("logout", 1),
            ("process.exec", 1),
        ],
    },
    Sample {
        file: "evtx-attack-samples/Network_Service_Guest_added_to_admins_4732.evtx",
        channel: "Security",
        computer: "MSEDGEWIN10",
        first_id: 1,
        last_id: 2,
        saved_filtered: Some((191029, 191030)),
        event_ids: &[(4732, 2)],
        actions: &[("group.modify", 2)],
    },
    Sample {
        file: "evtx-attack-samples/samaccount_spoofing_CVE-2021-42287_CVE-2021-42278_DC_securitylogs.evtx",
        channel: "Security",
        computer: "01566s-win16-ir.threebeesco.com",
        first_id: 1,
        last_id: 18,
        saved_filtered: Some((2982081, 2982101)),
        event_ids: &[
            (1102, 1),
            (4624, 5),
            (4722, 1),
            (4724, 1),
            (4741, 1),
            (4742, 3),
            (4768, 2),
            (4769, 2),
            (4781, 2),
        ],
        actions: &[
            ("account.modify", 3),
            ("audit.log_cleared", 1),
            ("login.success", 5),
            ("password.change", 1),
            ("system.message", 8),
        ],
    },
];

#[test]
fn every_sample_gives_evtx_dumps_records_and_the_expected_events() {
    for s in SAMPLES {
        let path = sample(s.file);
        let r = read(&path, 0);
        let total: usize = s.event_ids.iter().map(|(_, n)| n).sum();
        assert_eq!(r.lines.len(), total, "{}: records", s.file);
        assert!(r.bad.is_empty(), "{}: {:?}", s.file, r.bad);
        assert_eq!(r.summary.bad, 0, "{}", s.file);
        assert_eq!(r.summary.records, total as u64, "{}", s.file);
        assert_eq!(r.summary.last_record_id, Some(s.last_id), "{}", s.file);
        assert_eq!(r.rejected, 0, "{}: rejected", s.file);
        assert_eq!(r.events.len(), total, "{}: one event per record", s.file);
        // In record-id order, each line one line of JSON.
        assert_eq!(r.lines.first().map(|l| l.record_id), Some(s.first_id));
        assert!(
            r.lines.windows(2).all(|w| w[0].record_id < w[1].record_id),
            "{}: record ids increase",
            s.file
        );
        for l in &r.lines {
            assert!(!l.json.contains('\n') && l.json.starts_with("{\"Event\":"));
            assert!(l.ts.is_some());
        }
        if let Some((first, last)) = s.saved_filtered {
            let ids: Vec<u64> = r
                .events
                .iter()
                .filter_map(|e| e.fields["record_id"].as_u64())
                .collect();
            assert_eq!(
                ids.first().zip(ids.last()),
                Some((&first, &last)),
                "{}",
                s.file
            );
        }
        let mut ids: BTreeMap<u64, usize> = BTreeMap::new();
        let mut actions: BTreeMap<&str, usize> = BTreeMap::new();
        for (e, l) in r.events.iter().zip(&r.lines) {
            assert_eq!(e.format, "winlog");
            let record: serde_json::Value = serde_json::from_str(&l.json).unwrap();
            let event_record_id =
                record["Event"]["System"]["EventRecordID"]
                    .as_u64()
                    .or_else(|| {
                        record["Event"]["System"]["EventRecordID"]
                            .as_str()?
                            .parse()
                            .ok()
                    });
            assert_eq!(e.fields["record_id"].as_u64(), event_record_id);
            if s.saved_filtered.is_none() {
                assert_eq!(event_record_id, Some(l.record_id), "{}", s.file);
            }
            assert_eq!(e.origin.offset, l.record_id);
            assert_eq!(e.raw, l.json);
            assert_eq!(
                Some(e.host.as_str()),
                record["Event"]["System"]["Computer"].as_str(),
                "{}",
                s.file
            );
            assert!(!e.fields.contains_key("ts_missing"), "{}", s.file);
            // The record header's time (when written) and TimeCreated agree in a log Windows
            // wrote; a log saved filtered rewrote its headers.
            if s.saved_filtered.is_none() {
                assert_eq!(Some(e.ts), l.ts, "{}: {}", s.file, l.record_id);
            }
            *ids.entry(e.fields["event_id"].as_u64().unwrap())
                .or_default() += 1;
            *actions.entry(e.action.as_ref()).or_default() += 1;
        }
        assert_eq!(ids, counts(s.event_ids), "{}: per EventID", s.file);
        let want: BTreeMap<&str, usize> = s.actions.iter().copied().collect();
        assert_eq!(actions, want, "{}: per action", s.file);
        let stream = vigil_winlog::stream(&path).unwrap().unwrap();
        assert_eq!(
            (stream.channel.as_str(), stream.computer.as_str()),
            (s.channel, s.computer),
            "{}",
            s.file
        );
        assert_eq!(
            stream.id,
            vigil_winlog::stream_id(s.channel, s.computer),
            "{}",
            s.file
        );
    }
}

#[test]
fn stream_ids_are_stable_across_runs() {
    // FNV-1a of "Security", 0xff, "26L2233B1-02" (computed apart, in Python): a constant,
    // whatever the run or machine.
    let s = vigil_winlog::stream(&sample("evtx-crate/Security_with_size_t.evtx"))
        .unwrap()
        .unwrap();
    assert_eq!(s.id, 0xc7bb_7a60_10be_8404);
}

#[test]
fn a_read_after_a_checkpoint_gives_only_the_later_records() {
    let path = sample("evtx-crate/Security_with_size_t.evtx");
    let all = read(&path, 0);
    for after in [0, 1, 300, 600, 635, 636, 10_000] {
        let r = read(&path, after);
        let want: Vec<u64> = all
            .lines
            .iter()
            .map(|l| l.record_id)
            .filter(|id| *id > after)
            .collect();
        let got: Vec<u64> = r.lines.iter().map(|l| l.record_id).collect();
        assert_eq!(got, want, "after {after}");
        assert!(r.bad.is_empty());
        // The same record gives the same line and the same event, whatever the checkpoint.
        for (l, e) in r.lines.iter().zip(&r.events) {
            let i = all
                .lines
                .iter()
                .position(|a| a.record_id == l.record_id)
                .unwrap();
            assert_eq!(l, &all.lines[i]);
            assert_eq!(e, &all.events[i]);
        }
    }
    assert_eq!(read(&path, 600).lines.len(), 36);
}

/// A copy of `file` changed by `damage`, in a temporary directory.
fn damaged(file: &str, damage: impl FnOnce(&mut Vec<u8>)) -> (tempfile::TempDir, PathBuf) {
    let mut bytes = std::fs::read(sample(file)).unwrap();
    damage(&mut bytes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.evtx");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn a_truncated_log_gives_the_records_left_and_reports_the_rest() {
    let all = read(&sample("evtx-crate/Security_with_size_t.evtx"), 0);
    // The first 64 KiB: the file header and most of the first chunk.
    let (_dir, path) = damaged("evtx-crate/Security_with_size_t.evtx", |b| {
        b.truncate(65536)
    });
    let r = read(&path, 0);
    assert_eq!(r.rejected, 0);
    assert!(!r.lines.is_empty(), "the records before the cut are read");
    for (l, a) in r.lines.iter().zip(&all.lines) {
        assert_eq!(l, a, "the records read are the whole log's");
    }
    assert!(
        r.bad
            .iter()
            .any(|(id, e)| id.is_none() && e.contains("truncated")),
        "{:?}",
        r.bad
    );
    // The record the cut runs through is reported with its id, the next one.
    let next = all.lines[r.lines.len()].record_id;
    assert!(
        r.bad
            .iter()
            .any(|(id, e)| *id == Some(next) && e.contains("cut by the end")),
        "{:?}",
        r.bad
    );
    assert_eq!(r.summary.bad as usize, r.bad.len());
}

#[test]
fn a_damaged_chunk_is_reported_not_dropped() {
    let file = "evtx-crate/Security_with_size_t.evtx";
    let all = read(&sample(file), 0);
    // Chunk 1's magic: the chunk cannot be read at all.
    let chunk1 = 4096 + 65536;
    let (_d1, magic) = damaged(file, |b| b[chunk1] ^= 0xff);
    let r = read(&magic, 0);
    assert!(
        r.bad.iter().any(|(_, e)| e.contains("chunk number 1")),
        "{:?}",
        r.bad
    );
    assert!(r.lines.len() < all.lines.len() && !r.lines.is_empty());
    assert_eq!(r.rejected, 0);
    // The first record's header magic in chunk 0 (records start 512 bytes into a chunk).
    let (_d2, record) = damaged(file, |b| b[4096 + 512] ^= 0xff);
    let r = read(&record, 0);
    assert!(!r.bad.is_empty());
    assert_eq!(r.rejected, 0);
    assert!(r.lines.len() < all.lines.len() && !r.lines.is_empty());
    // A byte of a record's data: the chunk's CRC32 no longer matches, which is reported, and
    // whatever the record now says, nothing panics.
    let (_d3, data) = damaged(file, |b| b[4096 + 512 + 600] ^= 0x55);
    let r = read(&data, 0);
    assert!(
        r.bad.iter().any(|(_, e)| e.contains("CRC32")),
        "{:?}",
        r.bad
    );
    assert_eq!(r.rejected, 0);
    // Every byte of a record's header region flipped in turn: no panic, every record accounted.
    for at in (4096 + 512..4096 + 512 + 64).step_by(3) {
        let (_d, p) = damaged(file, |b| b[at] ^= 0xa5);
        let r = read(&p, 0);
        assert_eq!(r.rejected, 0, "byte {at}");
        assert!(r.lines.len() + r.bad.len() >= 1, "byte {at}");
    }
}

#[test]
fn a_log_with_only_its_header_has_no_stream() {
    let (_dir, path) = damaged("evtx-crate/new-user-security.evtx", |b| b.truncate(4096));
    assert_eq!(vigil_winlog::stream(&path).unwrap(), None);
    let r = read(&path, 0);
    assert!(r.lines.is_empty() && r.bad.is_empty());
}

#[test]
fn a_file_that_is_not_evtx_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("auth.log");
    std::fs::write(&text, "Feb 21 21:54:44 localhost sshd[3402]: Accepted\n").unwrap();
    let err = vigil_winlog::read(&text, 0, |_| {}, |_, _| {}).unwrap_err();
    assert!(
        matches!(&err, Error::NotEvtx { path, .. } if path == &text),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("auth.log") && msg.contains("ElfFile"), "{msg}");
    let empty = dir.path().join("empty.evtx");
    std::fs::write(&empty, b"").unwrap();
    let err = vigil_winlog::stream(&empty).unwrap_err();
    assert!(err.to_string().contains("an empty file"), "{err}");
    let missing = dir.path().join("missing.evtx");
    assert!(matches!(
        vigil_winlog::read(&missing, 0, |_| {}, |_, _| {}),
        Err(Error::Io { .. })
    ));
}
