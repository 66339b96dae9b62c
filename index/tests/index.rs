//! The index end to end: real events (parsed by vigil-parsers from real-looking lines) written,
//! committed with checkpoints, reopened and searched.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions: a failure is the test failing

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use vigil_index::{
    Checkpoints, Error, EventStore, FileCheckpoint, FileId, Filter, IndexWriter, SCHEMA_VERSION,
    Searcher,
};
use vigil_parsers::{Event, ParseContext, formats, parse_text};

const AUTH_LOG: &str = "\
Nov  3 09:12:01 arch-db01 sshd[1201]: Failed password for zhangsan from 10.1.2.3 port 52144 ssh2
Nov  3 09:12:05 arch-db01 sshd[1201]: Failed password for zhangsan from 10.1.2.3 port 52144 ssh2
Nov  3 09:12:09 arch-db01 sshd[1201]: Accepted password for zhangsan from 10.1.2.3 port 52144 ssh2
Nov  3 09:30:00 arch-db01 sudo:     lisi : TTY=pts/0 ; PWD=/home/lisi ; USER=root ; COMMAND=/usr/bin/systemctl restart archive-app CHG-2026-0012
Nov  3 10:00:00 arch-db01 sshd[1300]: Failed password for invalid user admin from 10.1.2.30 port 40000 ssh2
Nov  4 08:00:00 arch-web01 sshd[1400]: Accepted publickey for lisi from 10.1.2.4 port 50000 ssh2
";

const APP_LOG: &str = r#"{"ts":"2026-11-03T09:15:02+08:00","user":"zhangsan","action":"record.update","target":"archive_item/2019-WS-0031","result":"success","ip":"10.1.2.3","message":"张三在档案室查看了档案","ticket":"CHG-2026-0012"}
{"ts":"2026-11-05T14:00:00+08:00","user":"wangwu","action":"record.delete","target":"archive_item/2020-WS-0100","result":"success","ip":"10.1.2.5","message":"批量删除档案 120 件","ticket":"CHG-2026-0013"}
{"ts":"2026-11-06T10:00:00+08:00","user":"wangwu","action":"record.delete","target":"archive_item/2020-WS-0101","result":"failure","ip":"10.1.2.5","message":"删除档案失败：权限不足"}
{"ts":"2026-11-07T11:00:00+08:00","user":"zhaoliu","action":"record.update","target":"archive_item/2021-WS-0001","result":"success","ip":"10.1.2.6","message":"修改档案著录信息 题名"}
{"ts":"2026-11-08T09:00:00+08:00","user":"lisi","action":"record.view","target":"archive_item/2021-WS-0002","result":"success","ip":"10.1.2.4","message":"李四查看档案，未删改"}
{"ts":"2026-11-09T09:00:00+08:00","user":"zhaoliu","action":"record.export","result":"success","ip":"10.1.2.6","message":"打印三张表 导出目录"}
"#;

fn parse(format: &str, source: &str, path: &str, file_id: u64, text: &str) -> Vec<Event> {
    let ctx = ParseContext::new(
        source,
        "arch-web01",
        chrono_tz::Asia::Shanghai,
        Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap(),
    );
    let mut parser = formats::build(format, &Default::default()).unwrap();
    parse_text(parser.as_mut(), &ctx, path, text.as_bytes())
        .into_iter()
        .map(|o| {
            let mut e = o.unwrap();
            e.id = Event::make_id(file_id, e.origin.offset);
            e
        })
        .collect()
}

fn events() -> Vec<Event> {
    let mut v = parse("syslog", "auth", "/var/log/auth.log", 0xa1, AUTH_LOG);
    v.extend(parse(
        "json",
        "archive-app",
        "/var/log/archive/audit.log",
        0xb2,
        APP_LOG,
    ));
    v
}

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
}

fn checkpoint(path: &str, offset: u64, line: u64) -> FileCheckpoint {
    FileCheckpoint {
        path: path.into(),
        offset,
        line,
        size: Some(offset),
        tail: None,
    }
}

/// An index at `dir` holding `events()`, committed with one checkpoint per file.
fn build(dir: &Path) -> Vec<Event> {
    let evs = events();
    let mut w = IndexWriter::open(dir).unwrap();
    for e in &evs {
        w.add(e.clone()).unwrap();
    }
    let mut cp = Checkpoints::new();
    cp.set(
        FileId(0xa1),
        checkpoint("/var/log/auth.log", AUTH_LOG.len() as u64, 7),
    );
    cp.set(
        FileId(0xb2),
        checkpoint("/var/log/archive/audit.log", APP_LOG.len() as u64, 7),
    );
    w.commit(&cp).unwrap();
    w.close().unwrap();
    evs
}

fn ids<'a>(evs: impl IntoIterator<Item = &'a Event>) -> BTreeSet<String> {
    evs.into_iter().map(|e| e.id.to_string()).collect()
}

fn expect(evs: &[Event], keep: impl Fn(&Event) -> bool) -> BTreeSet<String> {
    ids(evs.iter().filter(|e| keep(e)))
}

#[test]
fn events_come_back_whole_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    assert_eq!(evs.len(), 12);
    let s = Searcher::open(dir.path()).unwrap();
    assert_eq!(s.num_events(), 12);
    for e in &evs {
        assert_eq!(s.get(&e.id).unwrap().as_ref(), Some(e), "{}", e.id);
    }
    assert_eq!(s.get("00000000000000a1ffffffffffff").unwrap(), None);
}

#[test]
fn re_adding_the_same_ids_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    let mut w = IndexWriter::open(dir.path()).unwrap();
    for e in &evs {
        w.add(e.clone()).unwrap();
        w.add(e.clone()).unwrap(); // twice in the same batch too
    }
    // The same id with new content replaces the old event.
    let mut changed = evs[0].clone();
    changed.message = "replaced".into();
    w.add(changed.clone()).unwrap();
    w.commit(&Checkpoints::new()).unwrap();
    // Once more in the same session, after that commit.
    w.add(evs[5].clone()).unwrap();
    w.commit(&Checkpoints::new()).unwrap();
    w.close().unwrap();
    let s = Searcher::open(dir.path()).unwrap();
    assert_eq!(s.num_events(), 12);
    assert_eq!(s.count("", None, None).unwrap(), 12);
    assert_eq!(s.get(&evs[0].id).unwrap().unwrap().message, "replaced");
}

#[test]
fn every_kind_of_field_value_comes_back_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = events()[0].clone();
    let fields = serde_json::json!({
        "a": 1, "b": -2, "c": 1.5, "d": u64::MAX, "e": "2026-11-10T01:15:01.000000+08:00",
        "f": [1, "x", {"g": null}], "h": true, "i": {"j": "k \"quoted\" 张三"}, "z": ""
    });
    e.fields = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    e.raw = "raw \"line\"\n张三".into();
    let mut w = IndexWriter::open(dir.path()).unwrap();
    w.add(e.clone()).unwrap();
    w.commit(&Checkpoints::new()).unwrap();
    w.close().unwrap();
    let s = Searcher::open(dir.path()).unwrap();
    assert_eq!(s.get(&e.id).unwrap(), Some(e.clone()));
    // The date-like string is still searchable as a date, as tantivy indexes it.
    assert_eq!(
        s.count("fields.e:\"2026-11-09T17:15:01Z\"", None, None)
            .unwrap(),
        1
    );
    assert_eq!(s.count("fields.i.j:quoted", None, None).unwrap(), 1);
}

#[test]
fn fresh_events_are_added_once_per_batch() {
    let dir = tempfile::tempdir().unwrap();
    let evs = events();
    let mut w = IndexWriter::open(dir.path()).unwrap();
    for e in &evs {
        w.add_fresh(e.clone()).unwrap();
    }
    // Added again before the commit: replaced, not duplicated.
    let mut changed = evs[1].clone();
    changed.message = "replaced".into();
    w.add_fresh(changed).unwrap();
    w.commit(&Checkpoints::new()).unwrap();
    // After the commit, `add` finds the committed event.
    w.add(evs[2].clone()).unwrap();
    w.commit(&Checkpoints::new()).unwrap();
    w.close().unwrap();
    let s = Searcher::open(dir.path()).unwrap();
    assert_eq!(s.num_events(), evs.len() as u64);
    assert_eq!(s.get(&evs[1].id).unwrap().unwrap().message, "replaced");
}

#[test]
fn checkpoints_are_those_of_the_last_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let mut w = IndexWriter::open(&path).unwrap();
    assert!(w.checkpoints().is_empty(), "a new index has no checkpoints");
    let evs = events();
    let mut first = Checkpoints::new();
    first.set(FileId(0xa1), checkpoint("/var/log/auth.log", 97, 2));
    w.add(evs[0].clone()).unwrap();
    w.commit(&first).unwrap();
    let mut second = first.clone();
    second.set(FileId(0xa1), checkpoint("/var/log/auth.log", 194, 3));
    second.set(
        FileId(u64::MAX),
        checkpoint("/var/log/archive/audit.log", 0, 1),
    );
    w.add(evs[1].clone()).unwrap();
    w.commit(&second).unwrap();
    assert_eq!(w.checkpoints(), &second);
    // Added but never committed (a crash): neither the event nor any position survives.
    w.add(evs[2].clone()).unwrap();
    drop(w);

    let w = IndexWriter::open(&path).unwrap();
    assert_eq!(w.checkpoints(), &second);
    assert_eq!(
        w.checkpoints().get(FileId(0xa1)),
        Some(&checkpoint("/var/log/auth.log", 194, 3))
    );
    w.close().unwrap();
    let s = Searcher::open(&path).unwrap();
    assert_eq!(s.checkpoints().unwrap(), second);
    assert_eq!(ids(&s.search("", None, None, 10).unwrap()), ids(&evs[..2]));
}

#[test]
fn searches_by_field_phrase_negation_and_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    let s = Searcher::open(dir.path()).unwrap();
    let msg = |needle: &'static str| move |e: &Event| e.message.contains(needle);
    let exact_time = format!(
        "ts:\"{}\"",
        evs[3]
            .ts
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        (
            "actor:zhangsan",
            expect(&evs, |e| e.actor.as_deref() == Some("zhangsan")),
        ),
        (
            "src_ip:10.1.2.3",
            expect(&evs, |e| e.src_ip.as_deref() == Some("10.1.2.3")),
        ),
        (
            "src_ip:10.1.2.30",
            expect(&evs, |e| e.src_ip.as_deref() == Some("10.1.2.30")),
        ),
        (
            "action:login.failure",
            expect(&evs, |e| e.action == "login.failure"),
        ),
        (
            "actor:zhangsan AND action:login.failure",
            expect(&evs, |e| {
                e.actor.as_deref() == Some("zhangsan") && e.action == "login.failure"
            }),
        ),
        (
            "ticket:CHG-2026-0012",
            expect(&evs, |e| e.ticket.as_deref() == Some("CHG-2026-0012")),
        ),
        (
            "ticket:CHG-2026-0013",
            expect(&evs, |e| e.ticket.as_deref() == Some("CHG-2026-0013")),
        ),
        ("ticket:CHG-2026-001", BTreeSet::new()),
        (
            "category:data_edit",
            expect(&evs, |e| e.category.as_str() == "data_edit"),
        ),
        ("host:arch-db01", expect(&evs, |e| e.host == "arch-db01")),
        (
            "target:archive_item/2020-WS-0100",
            expect(&evs, |e| {
                e.target.as_deref() == Some("archive_item/2020-WS-0100")
            }),
        ),
        (
            "path:/var/log/auth.log",
            expect(&evs, |e| e.origin.path == "/var/log/auth.log"),
        ),
        ("flags:year_inferred", expect(&evs, |e| !e.flags.is_empty())),
        // Identifiers in the message stay whole; a bare word also matches the exact value of
        // actor, src_ip, target, ticket, host or id.
        (
            "CHG-2026-0012",
            expect(&evs, |e| {
                e.message.contains("CHG-2026-0012") || e.ticket.as_deref() == Some("CHG-2026-0012")
            }),
        ),
        (
            "10.1.2.3",
            expect(&evs, |e| {
                e.message.contains("10.1.2.3 ") || e.src_ip.as_deref() == Some("10.1.2.3")
            }),
        ),
        (
            "10.1.2.5",
            expect(&evs, |e| e.src_ip.as_deref() == Some("10.1.2.5")),
        ),
        (
            "wangwu",
            expect(&evs, |e| e.actor.as_deref() == Some("wangwu")),
        ),
        ("arch-db01", expect(&evs, |e| e.host == "arch-db01")),
        (
            "archive_item/2020-WS-0100",
            expect(&evs, |e| {
                e.target.as_deref() == Some("archive_item/2020-WS-0100")
            }),
        ),
        (
            "\"archive_item/2020-WS-0100\"",
            expect(&evs, |e| {
                e.target.as_deref() == Some("archive_item/2020-WS-0100")
            }),
        ),
        (
            "00000000000000b20000000000dd",
            expect(&evs, |e| e.id == "00000000000000b20000000000dd"),
        ),
        (
            "zhangsan 10.1.2.3",
            expect(&evs, |e| {
                e.actor.as_deref() == Some("zhangsan") && e.src_ip.as_deref() == Some("10.1.2.3")
            }),
        ),
        ("archive-app", expect(&evs, msg("archive-app"))),
        ("archive", BTreeSet::new()),
        // Case-insensitive words, phrases, negation.
        ("failed", expect(&evs, msg("Failed"))),
        ("\"Failed password\"", expect(&evs, msg("Failed password"))),
        ("\"password failed\"", BTreeSet::new()),
        (
            "\"invalid user admin\"",
            expect(&evs, msg("invalid user admin")),
        ),
        (
            "NOT outcome:success",
            expect(&evs, |e| e.outcome.as_str() != "success"),
        ),
        (
            "password AND NOT zhangsan",
            expect(&evs, |e| {
                e.message.contains("password") && !e.message.contains("zhangsan")
            }),
        ),
        ("NOT 删除", expect(&evs, |e| !e.message.contains("删除"))),
        (
            "actor:lisi OR (NOT outcome:success)",
            expect(&evs, |e| {
                e.actor.as_deref() == Some("lisi") || e.outcome.as_str() != "success"
            }),
        ),
        (
            "actor:lisi OR actor:wangwu",
            expect(&evs, |e| {
                matches!(e.actor.as_deref(), Some("lisi" | "wangwu"))
            }),
        ),
        // Chinese: any substring of two or more characters, or one character.
        ("删除", expect(&evs, msg("删除"))),
        ("批量删除", expect(&evs, msg("批量删除"))),
        ("张三", expect(&evs, msg("张三"))),
        ("档案", expect(&evs, msg("档案"))),
        (
            "档案 AND NOT 删除",
            expect(&evs, |e| {
                e.message.contains("档案") && !e.message.contains("删除")
            }),
        ),
        ("\"删除档案\"", expect(&evs, msg("删除档案"))),
        ("删", expect(&evs, msg("删"))),
        ("删改", expect(&evs, msg("删改"))),
        (
            "actor:wangwu AND 删除",
            expect(&evs, |e| {
                e.actor.as_deref() == Some("wangwu") && e.message.contains("删除")
            }),
        ),
        // The `fields` object.
        (
            "fields.pid:1201",
            expect(&evs, |e| e.fields.get("pid") == Some(&1201.into())),
        ),
        (
            "fields.program:sudo",
            expect(&evs, |e| e.fields.get("program") == Some(&"sudo".into())),
        ),
        // Time ranges in the query.
        (
            "ts:[2026-11-05T00:00:00Z TO 2026-11-08T00:00:00Z}",
            expect(&evs, |e| {
                e.ts >= utc(2026, 11, 5, 0) && e.ts < utc(2026, 11, 8, 0)
            }),
        ),
        // An exact time (the time is not indexed: a range of one instant).
        (&exact_time, expect(&evs, |e| e.ts == evs[3].ts)),
    ];
    for (query, want) in &cases {
        let got = ids(&s.search(query, None, None, 100).unwrap());
        assert_eq!(&got, want, "query {query:?}");
        assert_eq!(
            s.count(query, None, None).unwrap(),
            want.len() as u64,
            "count {query:?}"
        );
    }
    // The cases that matter most, spelled out.
    let only = |q: &str| -> Vec<String> {
        let mut v: Vec<_> = s
            .search(q, None, None, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.message)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        only("删除"),
        ["删除档案失败：权限不足", "批量删除档案 120 件"]
    );
    assert_eq!(only("张三"), ["张三在档案室查看了档案"]); // not 打印三张表
    assert_eq!(s.count("src_ip:10.1.2.3", None, None).unwrap(), 4);
    assert_eq!(s.count("10.1.2.3", None, None).unwrap(), 4);
    assert_eq!(s.count("wangwu", None, None).unwrap(), 2);
    assert_eq!(s.count("ticket:CHG-2026-0012", None, None).unwrap(), 2);
}

#[test]
fn time_bounds_and_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    let s = Searcher::open(dir.path()).unwrap();
    let mut newest_first = evs.clone();
    newest_first.sort_by_key(|e| std::cmp::Reverse(e.ts));
    let all = s.search("", None, None, 100).unwrap();
    assert_eq!(
        all.iter().map(|e| e.ts).collect::<Vec<_>>(),
        newest_first.iter().map(|e| e.ts).collect::<Vec<_>>()
    );
    let top3 = s.search("", None, None, 3).unwrap();
    assert_eq!(ids(&top3), ids(&newest_first[..3]));
    assert_eq!(top3[0].message, "打印三张表 导出目录");
    assert!(s.search("", None, None, 0).unwrap().is_empty());

    // [since, until): since inclusive, until exclusive, to the second and below.
    let since = Utc.with_ymd_and_hms(2026, 11, 3, 1, 12, 5).unwrap();
    let until = Utc.with_ymd_and_hms(2026, 11, 3, 1, 30, 0).unwrap();
    let got = s.search("", Some(since), Some(until), 100).unwrap();
    assert_eq!(ids(&got), expect(&evs, |e| e.ts >= since && e.ts < until));
    assert_eq!(got.len(), 3);
    let just_before = until - chrono::Duration::microseconds(1);
    assert_eq!(s.count("", Some(since), Some(just_before)).unwrap(), 3);
    assert_eq!(
        s.count(
            "",
            Some(until),
            Some(until + chrono::Duration::microseconds(1))
        )
        .unwrap(),
        1
    );
    assert_eq!(
        s.count("action:login.failure", Some(utc(2026, 11, 3, 1)), None)
            .unwrap(),
        3
    );
    assert_eq!(s.count("", None, Some(utc(2026, 11, 4, 0))).unwrap(), 6);
}

#[test]
fn counts_by_field_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    // A second segment, so that counts are merged across segments.
    let mut w = IndexWriter::open(dir.path()).unwrap();
    let mut more = events();
    for (i, e) in more.iter_mut().enumerate() {
        e.id = Event::make_id(0xc3, i as u64);
        w.add(e.clone()).unwrap();
    }
    w.commit(&Checkpoints::new()).unwrap();
    w.close().unwrap();
    let all: Vec<Event> = evs.iter().chain(&more).cloned().collect();
    let s = Searcher::open(dir.path()).unwrap();
    let reference = |keep: &dyn Fn(&Event) -> bool, value: &dyn Fn(&Event) -> Option<String>| {
        let mut m = BTreeMap::<String, u64>::new();
        for e in all.iter().filter(|e| keep(e)) {
            if let Some(v) = value(e) {
                *m.entry(v).or_default() += 1;
            }
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    assert_eq!(
        s.count_by("", None, None, "actor").unwrap(),
        reference(&|_| true, &|e| e.actor.clone())
    );
    assert_eq!(
        s.count_by("", None, None, "actor").unwrap(),
        [
            ("zhangsan".to_string(), 8),
            ("lisi".into(), 6),
            ("wangwu".into(), 4),
            ("zhaoliu".into(), 4),
            ("admin".into(), 2)
        ]
    );
    assert_eq!(
        s.count_by("删除", None, None, "action").unwrap(),
        [("record.delete".to_string(), 4)]
    );
    assert_eq!(
        s.count_by("", Some(utc(2026, 11, 5, 0)), None, "category")
            .unwrap(),
        reference(&|e| e.ts >= utc(2026, 11, 5, 0), &|e| Some(
            e.category.as_str().to_string()
        ))
    );
    assert_eq!(
        s.count_by("outcome:failure", None, None, "src_ip").unwrap(),
        reference(&|e| e.outcome.as_str() == "failure", &|e| e.src_ip.clone())
    );
    assert_eq!(s.count_by("nomatch", None, None, "host").unwrap(), []);
    assert_eq!(s.count("", None, None).unwrap(), 24);
    let err = s.count_by("", None, None, "message").unwrap_err();
    assert!(
        matches!(err, Error::BadField { ref field, .. } if field == "message"),
        "{err}"
    );
}

#[test]
fn event_store_filters() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    let s = Searcher::open(dir.path()).unwrap();
    let store: &dyn EventStore = &s;
    let all = store.events(&Filter::all()).unwrap();
    let mut oldest_first = evs.clone();
    oldest_first.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.id.cmp(&b.id)));
    assert_eq!(all, oldest_first);
    let f = Filter::between(utc(2026, 11, 3, 0), utc(2026, 11, 6, 0)).term("actor", "zhangsan");
    let got = store.events(&f).unwrap();
    assert_eq!(
        ids(&got),
        expect(&evs, |e| e.actor.as_deref() == Some("zhangsan")
            && e.ts < utc(2026, 11, 6, 0))
    );
    assert_eq!(store.count(&f).unwrap(), 4);
    assert_eq!(
        store.count_by(&f, "action").unwrap(),
        [
            ("login.failure".to_string(), 2),
            ("login.success".into(), 1),
            ("record.update".into(), 1)
        ]
    );
    // Walking stops at the first error of the callback.
    let mut seen = 0;
    let err = store
        .each(&Filter::all(), &mut |_| {
            seen += 1;
            if seen == 3 {
                Err(Error::BadField {
                    path: "x".into(),
                    field: "stop".into(),
                    reason: "here".into(),
                })
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::BadField { ref field, .. } if field == "stop"));
    assert_eq!(seen, 3);
    let f = Filter::all().term("category", "data_edit").query("删除");
    assert_eq!(store.count(&f).unwrap(), 2);
    let err = store
        .events(&Filter::all().term("message", "x"))
        .unwrap_err();
    assert!(matches!(err, Error::BadField { .. }), "{err}");
}

#[test]
fn rows_times_and_spans_agree_with_the_stored_events() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    let s = Searcher::open(dir.path()).unwrap();
    let store: &dyn EventStore = &s;
    for f in [
        Filter::all(),
        Filter::between(utc(2026, 11, 3, 0), utc(2026, 11, 6, 0)),
        Filter::all().one_of("action", ["login.failure", "record.update"]),
        Filter::all().none_of("actor", ["zhangsan"]),
        Filter::all()
            .one_of("action", ["login.failure", "login.success"])
            .none_of("src_ip", ["10.1.2.3"]),
    ] {
        let events = store.events(&f).unwrap();
        let rows = store.rows(&f).unwrap();
        // Each row holds the stored event's keyword fields, in the same order.
        let from_events: Vec<_> = events
            .iter()
            .map(|e| {
                (
                    e.ts,
                    e.id.to_string(),
                    e.host.to_string(),
                    e.source.to_string(),
                    e.action.to_string(),
                    e.outcome.as_str().to_string(),
                    e.actor.clone(),
                    e.src_ip.clone(),
                    e.target.clone(),
                    e.ticket.clone(),
                )
            })
            .collect();
        let from_rows: Vec<_> = rows
            .iter()
            .map(|r| {
                let o = |v: &Option<std::sync::Arc<str>>| v.as_deref().map(str::to_string);
                (
                    r.ts,
                    r.id.to_string(),
                    r.host.to_string(),
                    r.source.to_string(),
                    r.action.to_string(),
                    r.outcome.to_string(),
                    o(&r.actor),
                    o(&r.src_ip),
                    o(&r.target),
                    o(&r.ticket),
                )
            })
            .collect();
        assert_eq!(from_rows, from_events, "{f:?}");
        assert_eq!(
            store.times(&f).unwrap(),
            events.iter().map(|e| e.ts).collect::<Vec<_>>()
        );
        assert_eq!(
            store.span(&f).unwrap(),
            events
                .first()
                .map(|a| (a.ts, events.last().map_or(a.ts, |b| b.ts)))
        );
    }
    assert_eq!(
        store
            .count(&Filter::all().none_of("actor", ["zhangsan"]))
            .unwrap(),
        evs.iter()
            .filter(|e| e.actor.as_deref() != Some("zhangsan"))
            .count() as u64
    );
    // One of nothing selects nothing.
    let none: [&str; 0] = [];
    assert_eq!(
        store.count(&Filter::all().one_of("action", none)).unwrap(),
        0
    );
    assert_eq!(
        store.span(&Filter::all().one_of("action", none)).unwrap(),
        None
    );
}

#[test]
fn bad_queries_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let s = Searcher::open(dir.path()).unwrap();
    for q in ["actor:(zhangsan", "nosuchfield:x", "ts:[yesterday TO now]"] {
        match s.search(q, None, None, 10) {
            Err(Error::BadQuery {
                query,
                message,
                path,
            }) => {
                assert_eq!(query, q);
                assert!(!message.is_empty());
                assert_eq!(path, dir.path());
            }
            other => panic!("{q:?}: {other:?}"),
        }
    }
}

#[test]
fn opening_what_is_not_a_vigil_index_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = Searcher::open(&missing).err().unwrap();
    assert!(
        matches!(err, Error::MissingDir { ref path } if *path == missing),
        "{err}"
    );
    assert!(err.to_string().contains("does not exist"), "{err}");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = Searcher::open(&empty).err().unwrap();
    assert!(matches!(err, Error::NotAnIndex { .. }), "{err}");

    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(
        Searcher::open(&file).err().unwrap(),
        Error::NotAnIndex { .. }
    ));

    let garbage = dir.path().join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(garbage.join("meta.json"), "{ this is not json").unwrap();
    let err = Searcher::open(&garbage).err().unwrap();
    assert!(matches!(err, Error::CorruptMeta { .. }), "{err}");
    let err = IndexWriter::open(&garbage).err().unwrap();
    assert!(matches!(err, Error::CorruptMeta { .. }), "{err}");

    // A tantivy index vigil did not write.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("title", tantivy::schema::TEXT);
    let index = tantivy::Index::create_in_dir(&foreign, b.build()).unwrap();
    drop(index);
    let err = Searcher::open(&foreign).err().unwrap();
    assert!(matches!(err, Error::NotVigil { .. }), "{err}");
}

#[test]
fn another_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let meta = dir.path().join("meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let payload = json["payload"].as_str().unwrap().replace(
        &format!("\"vigil_index\":{SCHEMA_VERSION}"),
        &format!("\"vigil_index\":{}", SCHEMA_VERSION + 1),
    );
    json["payload"] = payload.into();
    std::fs::write(&meta, serde_json::to_string(&json).unwrap()).unwrap();
    let err = Searcher::open(dir.path()).err().unwrap();
    assert!(
        matches!(
            err,
            Error::SchemaVersion { found, expected, .. }
                if found == SCHEMA_VERSION + 1 && expected == SCHEMA_VERSION
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{err}"
    );
    let err = IndexWriter::open(dir.path()).err().unwrap();
    assert!(
        matches!(err, Error::SchemaVersion { found, .. } if found == SCHEMA_VERSION + 1),
        "{err}"
    );
}

#[test]
fn other_fields_under_the_same_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("title", tantivy::schema::TEXT);
    let index = tantivy::Index::create_in_dir(dir.path(), b.build()).unwrap();
    let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
    let mut prepared = w.prepare_commit().unwrap();
    prepared.set_payload(&format!(
        r#"{{"vigil_index":{SCHEMA_VERSION},"checkpoints":{{"version":"1","files":{{}}}}}}"#
    ));
    prepared.commit().unwrap();
    drop(w);
    let err = Searcher::open(dir.path()).err().unwrap();
    assert!(
        matches!(err, Error::SchemaMismatch { version, .. } if version == SCHEMA_VERSION),
        "{err}"
    );
    let err = IndexWriter::open(dir.path()).err().unwrap();
    assert!(matches!(err, Error::SchemaMismatch { .. }), "{err}");
}

#[test]
fn a_second_writer_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let w = IndexWriter::open(dir.path()).unwrap();
    let err = IndexWriter::open(dir.path()).err().unwrap();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    // Readers are not.
    assert!(Searcher::open(dir.path()).is_ok());
    w.close().unwrap();
    assert!(IndexWriter::open(dir.path()).is_ok());
}

#[test]
fn a_fresh_searcher_answers_an_or_of_chinese_and_a_field() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let s = Searcher::open(dir.path()).unwrap();
    let n = s
        .search("张三 OR actor:lisi", None, None, 20)
        .unwrap()
        .len();
    assert_eq!(n, 4);
}

#[test]
fn events_at_the_same_time_come_in_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let template = &events()[0];
    let mut w = IndexWriter::open(dir.path()).unwrap();
    for id in ["c", "a", "b"] {
        let mut e = template.clone();
        e.id = id.into();
        w.add(e.clone()).unwrap();
    }
    let mut later = template.clone();
    later.id = "0".into();
    later.ts += chrono::Duration::microseconds(1);
    w.add(later.clone()).unwrap();
    w.commit(&Checkpoints::new()).unwrap();
    w.close().unwrap();
    let s = Searcher::open(dir.path()).unwrap();
    let got: Vec<String> = s
        .events(&Filter::all())
        .unwrap()
        .into_iter()
        .map(|e| e.id.to_string())
        .collect();
    assert_eq!(got, ["a", "b", "c", "0"]);
}

#[test]
fn finish_merges_the_small_segments_within_the_bound_and_keeps_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let options = vigil_index::WriterOptions {
        max_merged_docs: 5,
        threads: Some(1),
        ..Default::default()
    };
    let evs = events();
    let mut cp = Checkpoints::new();
    let mut w = IndexWriter::open_with(&path, &options).unwrap();
    // Six commits of two events: six segments of 2, each under half the bound (2 ≤ 5 / 2).
    for (i, pair) in evs.chunks(2).enumerate() {
        for e in pair {
            w.add(e.clone()).unwrap();
        }
        cp.set(FileId(0xa1), checkpoint("/var/log/auth.log", i as u64, 1));
        w.commit(&cp).unwrap();
    }
    let segments = |p: &Path| {
        let mut s: Vec<u32> = tantivy_segments(p);
        s.sort_unstable();
        s
    };
    let before = segments(&path);
    assert_eq!(before.iter().sum::<u32>(), 12);
    assert!(before.len() >= 2, "{before:?}");
    let merged = w.finish().unwrap();
    // Groups of at most 5 events: 2+2 (the next would make 6), three times.
    assert_eq!(segments(&path), [4, 4, 4]);
    assert_eq!(merged, 6);
    let s = Searcher::open(&path).unwrap();
    assert_eq!(s.num_events(), 12);
    assert_eq!(s.checkpoints().unwrap(), cp);
    for e in &evs {
        assert_eq!(s.get(&e.id).unwrap().as_ref(), Some(e), "{}", e.id);
    }
    // The merged segments' files are gone: only the living segments' are left.
    let mut on_disk: Vec<String> = std::fs::read_dir(&path)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let (stem, ext) = name.split_once('.')?;
            (ext != "json" && ext != "lock" && stem.len() == 32).then(|| stem.to_string())
        })
        .collect();
    on_disk.sort();
    on_disk.dedup();
    assert_eq!(on_disk.len(), 3, "{on_disk:?}");
    // Nothing small is left to merge: a second finish merges nothing.
    let w = IndexWriter::open_with(&path, &options).unwrap();
    assert_eq!(w.finish().unwrap(), 0);
}

/// The number of events of each segment of the index at `path`, from its meta.json.
fn tantivy_segments(path: &Path) -> Vec<u32> {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.join("meta.json")).unwrap()).unwrap();
    meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["max_doc"].as_u64().unwrap() as u32)
        .collect()
}

/// What a search sees: every event by id, and per query its hits' ids and its count in a time
/// range.
type Answers = (Vec<Option<Event>>, Vec<(Vec<String>, u64)>);

/// [`Answers`] to queries that read the terms, postings, positions, time column and stored
/// events.
fn answers(s: &Searcher, evs: &[Event]) -> Answers {
    let by_id = evs.iter().map(|e| s.get(&e.id).unwrap()).collect();
    let queries = [
        "actor:zhangsan",
        "删除",
        "\"Failed password\"",
        "action:login.failure",
        "10.1.2.3",
        "NOT outcome:success",
        "*",
    ];
    let mut hits = Vec::new();
    for q in queries {
        let found: Vec<String> = s
            .search(q, None, None, 100)
            .unwrap()
            .iter()
            .map(|e| e.id.to_string())
            .collect();
        let n = s
            .count(q, Some(utc(2026, 11, 3, 0)), Some(utc(2026, 11, 6, 0)))
            .unwrap();
        hits.push((found, n));
    }
    (by_id, hits)
}

#[test]
fn a_search_that_opens_files_on_first_read_answers_as_one_that_maps_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    // `close` saved the tails of every segment file.
    let tails = vigil_index::tails::TailDirectory::open(dir.path()).unwrap();
    let segment_files = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name().into_string().unwrap();
            [".idx", ".pos", ".term", ".store", ".fast", ".fieldnorm"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .count();
    assert!(segment_files >= 6, "{segment_files}");
    assert_eq!(tails.tails(), segment_files);

    let mapped = answers(&Searcher::open(dir.path()).unwrap(), &evs);
    assert_eq!(mapped.0.len(), 12);
    assert!(mapped.0.iter().all(Option::is_some));
    assert_eq!(mapped.1[0].0.len(), 4, "{:?}", mapped.1[0]); // zhangsan's events
    assert_eq!(mapped.1[6].0.len(), 12);
    let lazy = answers(&Searcher::open_for_one_search(dir.path()).unwrap(), &evs);
    assert_eq!(lazy, mapped);

    // A damaged tails file is not used: the files are opened as tantivy opens them.
    let path = dir.path().join(vigil_index::tails::TAILS);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        vigil_index::tails::TailDirectory::open(dir.path())
            .unwrap()
            .tails(),
        0
    );
    let lazy = answers(&Searcher::open_for_one_search(dir.path()).unwrap(), &evs);
    assert_eq!(lazy, mapped);
    // And none at all.
    std::fs::remove_file(&path).unwrap();
    let lazy = answers(&Searcher::open_for_one_search(dir.path()).unwrap(), &evs);
    assert_eq!(lazy, mapped);
}

#[test]
fn a_bare_event_id_finds_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let evs = build(dir.path());
    let s = Searcher::open_for_one_search(dir.path()).unwrap();
    for e in &evs {
        let found = s.search(&e.id, None, None, 10).unwrap();
        assert_eq!(ids(&found), ids([e]), "{}", e.id);
    }
    // Two ids, either one; and an id with a word that must also match.
    let either = format!("{} OR {}", evs[0].id, evs[7].id);
    assert_eq!(
        ids(&s.search(&either, None, None, 10).unwrap()),
        ids([&evs[0], &evs[7]])
    );
    let both = format!(
        "{} AND actor:{}",
        evs[0].id,
        evs[0].actor.as_deref().unwrap()
    );
    assert_eq!(s.count(&both, None, None).unwrap(), 1);
    // A hex word too short to be an id (a file's fingerprint) finds nothing by id.
    assert_eq!(s.count(&evs[0].id[..16], None, None).unwrap(), 0);
}
