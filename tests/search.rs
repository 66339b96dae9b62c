//! `vigil search` and `vigil show` as a reviewer uses them on the sample month: the hit count is
//! always said, lower-case operators work, relative times are read, a syntax error names its
//! place, and every `--format json` output is one valid JSON document.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::path::Path;

use common::{vigil_in, vigil_ok};
use serde_json::Value;

/// The samples, ingested once for every test here.
fn site() -> &'static Path {
    common::ingested_samples("search")
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = vigil_in(site(), args);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn count(query: &str) -> u64 {
    let (code, out, err) = run(&["search", query, "--count"]);
    assert_eq!(code, Some(0), "{err}");
    out.trim().parse().unwrap()
}

#[test]
fn every_search_says_how_many_hits_and_how_many_are_shown() {
    let n = count("action:login.failure");
    assert!(n > 50, "{n}");
    let (code, out, err) = run(&["search", "action:login.failure"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), 50);
    assert_eq!(
        err,
        format!("search: {n} hits, the newest 50 shown (--limit N for more, --limit 0 for all)\n")
    );
    // --limit 0 is all of them.
    let (_, out, err) = run(&[
        "search",
        "action:login.failure",
        "--limit",
        "0",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.lines().count() as u64, n);
    assert_eq!(err, format!("search: {n} hits\n"));
    // JSON: one document with the count.
    let (_, out, err) = run(&[
        "search",
        "action:login.failure",
        "--format",
        "json",
        "--limit",
        "3",
    ]);
    assert_eq!(err, "");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["hits"].as_u64(), Some(n));
    assert_eq!(doc["shown"], 3);
    assert_eq!(doc["events"].as_array().unwrap().len(), 3);
}

#[test]
fn lower_case_operators_are_operators() {
    let upper = count("actor:dba_wang AND action:db.update");
    assert!(upper > 0);
    assert_eq!(count("actor:dba_wang and action:db.update"), upper);
    let either = count("action:db.update OR action:db.delete");
    assert_eq!(count("action:db.update or action:db.delete"), either);
    assert_eq!(
        count("action:db.update") + count("action:db.delete"),
        either
    );
    let not = count("action:db.update and not actor:dba_wang");
    assert_eq!(not, count("action:db.update") - upper);
}

#[test]
fn a_syntax_error_names_its_place() {
    let (code, out, err) = run(&["search", "actor:\"dba_wang"]);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(
        err.contains("syntax error at character 7: a quote that is not closed"),
        "{err}"
    );
}

#[test]
fn relative_times_are_read() {
    // The samples are November 2026: whatever the day the test runs, the last 24 hours of a
    // later day hold none of them, and "7d" before a fixed --until is a window of the month.
    for since in ["-24h", "yesterday", "today", "7d", "now"] {
        let (code, _, err) = run(&["search", "*", "--since", since, "--count"]);
        assert_eq!(code, Some(0), "{since}: {err}");
    }
    let (code, _, err) = run(&["search", "*", "--since", "last week"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("today, yesterday or -24h"), "{err}");
}

#[test]
fn show_and_count_by_give_json_documents() {
    let (_, out, _) = run(&[
        "search",
        "action:db.export",
        "--format",
        "json",
        "--limit",
        "1",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let first = &doc["events"][0];
    let id = first["id"].as_str().unwrap();
    let (code, out, _) = run(&["show", id, "--format", "json"]);
    assert_eq!(code, Some(0));
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(&shown, first);

    let total = count("action:login.failure");
    let (_, out, _) = run(&[
        "search",
        "action:login.failure",
        "--count-by",
        "src_ip",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["field"], "src_ip");
    let sum: u64 = doc["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert!(sum <= total && sum > 0, "{sum} of {total}");
    let (_, out, _) = run(&[
        "search",
        "action:login.failure",
        "--count",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["hits"].as_u64(), Some(total));
}

/// The values of `field` among all events, with their counts.
fn counts_by(field: &str) -> Vec<(String, u64)> {
    let (_, out, _) = run(&["search", "*", "--count-by", field, "--format", "json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn globs_on_keyword_fields_count_exactly_the_values_they_match() {
    for (query, field, matches) in [
        (
            "action:db.*",
            "action",
            (|v: &str| v.starts_with("db.")) as fn(&str) -> bool,
        ),
        ("src_ip:10.1.10.*", "src_ip", |v| v.starts_with("10.1.10.")),
        ("actor:dba_*", "actor", |v| v.starts_with("dba_")),
        ("host:arch-?b01", "host", |v| {
            v.len() == 9 && v.starts_with("arch-") && v.ends_with("b01")
        }),
    ] {
        let want: u64 = counts_by(field)
            .iter()
            .filter(|(v, _)| matches(v))
            .map(|(_, n)| n)
            .sum();
        assert!(want > 0, "{query}");
        assert_eq!(count(query), want, "{query}");
    }
}

#[test]
fn a_network_counts_exactly_the_addresses_in_it() {
    let by_ip = counts_by("src_ip");
    for (net, base, bits) in [
        ("10.1.10.0/24", [10u8, 1, 10, 0], 24u32),
        ("10.1.0.0/16", [10, 1, 0, 0], 16),
        ("10.0.0.0/8", [10, 0, 0, 0], 8),
        ("10.1.8.0/21", [10, 1, 8, 0], 21),
        ("203.0.113.0/24", [203, 0, 113, 0], 24),
    ] {
        let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
        let net_u = u32::from(std::net::Ipv4Addr::from(base)) & mask;
        let want: u64 = by_ip
            .iter()
            .filter(|(v, _)| {
                v.parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|a| u32::from(a) & mask == net_u)
            })
            .map(|(_, n)| n)
            .sum();
        assert_eq!(count(&format!("src_ip:{net}")), want, "{net}");
    }
    assert!(count("src_ip:10.1.10.0/24") > 0);
    let (code, _, err) = run(&["search", "src_ip:10.1.0.0/33", "--count"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("the prefix length after / must be 0 to 32"),
        "{err}"
    );
}

/// Addresses as sshd writes them, IPv6 compressed and in full, IPv4-mapped and with a zone: a
/// network finds every address in it however it is written, and an unquoted IPv6 value is an
/// error that says to quote it.
#[test]
fn ipv6_networks_find_their_addresses_however_they_are_written() {
    let dir = std::env::temp_dir().join(format!("vigil-search-{}-ipv6", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vigil.toml"), "").unwrap();
    let from = [
        "2001:db8::10",
        "2001:0db8:0000:0000:0000:0000:0000:0011",
        "2001:db8:1::5",
        "2001:db9::5",
        "::ffff:10.1.10.7",
        "10.1.10.8",
        "fe80::1%eth0",
    ];
    let log: String = from
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!("Nov 20 10:00:0{i} arch-web01 sshd[100]: Failed password for root from {a} port 50022 ssh2\n")
        })
        .collect();
    std::fs::write(dir.join("auth.log"), log).unwrap();
    vigil_ok(
        &dir,
        &[
            "ingest",
            "--format",
            "syslog",
            "--zone",
            "Asia/Shanghai",
            "auth.log",
        ],
    );
    let count = |q: &str| -> (Option<i32>, String, String) {
        let out = vigil_in(&dir, &["search", q, "--count"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    };
    for (q, want) in [
        ("src_ip:\"2001:db8::/32\"", "3"),
        ("src_ip:\"2001:db8::/48\"", "2"),
        ("src_ip:\"2001:db8::10/128\"", "1"),
        ("src_ip:\"fe80::/10\"", "1"),
        // An IPv4 network finds the IPv4-mapped address too, and the other way round.
        ("src_ip:10.1.10.0/24", "2"),
        ("src_ip:\"::ffff:10.1.10.0/120\"", "2"),
        ("src_ip:\"::/0\"", "7"),
        ("src_ip:10.0.0.0/8 OR src_ip:\"2001:db8::/32\"", "5"),
        ("src_ip:192.168.0.0/16", "0"),
    ] {
        assert_eq!(count(q), (Some(0), want.to_string(), String::new()), "{q}");
    }
    for (q, err) in [
        (
            "src_ip:2001:db8::/32",
            "syntax error at character 1: a value with colons must be quoted (write src_ip:\"2001:db8::/32\")",
        ),
        (
            "src_ip:\"2001:db8::/129\"",
            "\"2001:db8::/129\": the prefix length after / must be 0 to 128",
        ),
        (
            "src_ip:arch-web01/24",
            "\"arch-web01/24\" is not an address network; write it as 10.1.0.0/16 or \"2001:db8::/32\"",
        ),
    ] {
        let (code, out, e) = count(q);
        assert_eq!((code, out.as_str()), (Some(2), ""), "{q}");
        assert!(e.ends_with(err), "{q}: {e}");
    }
}

/// A JSON log of another application, ingested with `--format auto`: its `detail` key is kept in
/// `fields.detail`, and a bare word finds it there as `fields.detail:WORD` does.
#[test]
fn bare_words_find_the_text_of_fields() {
    let dir = std::env::temp_dir().join(format!("vigil-search-{}-json", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vigil.toml"), "").unwrap();
    let mut log = String::new();
    for i in 0..30 {
        let detail = match i % 3 {
            0 => format!("删除档案 2019-WS-{i:04} 的附件"),
            1 => format!("导出目录 第{i}批"),
            _ => format!("查看 item {i}"),
        };
        log.push_str(&format!(
            "{{\"time\":\"2026-11-{:02}T09:00:00+08:00\",\"user\":\"u{i}\",\"event\":\"op\",\"detail\":\"{detail}\"}}\n",
            i % 28 + 1
        ));
    }
    std::fs::write(dir.join("app.jsonl"), log).unwrap();
    vigil_ok(&dir, &["ingest", "--format", "auto", "app.jsonl"]);
    let count = |q: &str| -> u64 {
        let out = vigil_in(&dir, &["search", q, "--count"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(count("fields.detail:删除"), 10);
    assert_eq!(count("删除"), 10);
    assert_eq!(count("删除 附件"), 10);
    assert_eq!(count("导出"), 10);
    assert_eq!(count("\"删除档案\""), 10);
    assert_eq!(count("item"), 10);
    assert_eq!(count("删除 OR 导出"), 20);
    let _ = std::fs::remove_dir_all(&dir);
}

fn jsonl(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = run(&[args, &["--format", "jsonl"]].concat());
    assert_eq!(code, Some(0), "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn oldest_first_gives_the_other_end() {
    let all = jsonl(&["search", "action:login.failure", "--limit", "0"]);
    let oldest = jsonl(&[
        "search",
        "action:login.failure",
        "--limit",
        "5",
        "--oldest-first",
    ]);
    let ts = |v: &Value| v["ts"].as_str().unwrap().to_string();
    let want: Vec<String> = all.iter().rev().take(5).map(ts).collect();
    assert_eq!(oldest.iter().map(ts).collect::<Vec<_>>(), want);
    assert!(want.windows(2).all(|w| w[0] <= w[1]), "{want:?}");
    let (_, _, err) = run(&[
        "search",
        "action:login.failure",
        "--limit",
        "5",
        "--oldest-first",
    ]);
    assert!(err.contains("the oldest 5 shown"), "{err}");
}

/// `--context 2` gives the two lines before and after each hit in its own file, exactly as the
/// file holds them.
#[test]
fn context_is_the_lines_around_the_hit_in_its_file() {
    let hits = jsonl(&[
        "search",
        "source:auth AND action:login.failure",
        "--limit",
        "3",
    ]);
    let (code, out, err) = run(&[
        "search",
        "source:auth AND action:login.failure",
        "--limit",
        "3",
        "--context",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    for e in &hits {
        let path = site().join(e["origin"]["path"].as_str().unwrap());
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let n = e["origin"]["line"].as_u64().unwrap() as usize - 1;
        let c = &doc["context"][e["id"].as_str().unwrap()];
        let strs = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(strs(&c["lines"]), [lines[n]], "{path:?} line {}", n + 1);
        assert_eq!(
            strs(&c["before"]),
            lines[n.saturating_sub(2)..n],
            "{path:?}"
        );
        assert_eq!(
            strs(&c["after"]),
            lines[n + 1..(n + 3).min(lines.len())],
            "{path:?}"
        );
    }
    // The table shows them under the hit, marked.
    let (_, out, _) = run(&[
        "search",
        "source:auth AND action:login.failure",
        "--limit",
        "1",
        "--context",
        "2",
    ]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 5, "{out}");
    assert!(
        rows[0].starts_with("    - ") && rows[1].starts_with("    - "),
        "{out}"
    );
    assert!(
        rows[3].starts_with("    + ") && rows[4].starts_with("    + "),
        "{out}"
    );
}

/// Colours only when asked for (or on a terminal without NO_COLOR); the table fits the width
/// it is given, CJK text counted two columns.
#[test]
fn colour_and_width() {
    let (_, plain, _) = run(&["search", "档案", "--limit", "20"]);
    assert!(!plain.contains('\u{1b}'), "a pipe gets no colour");
    let (_, never, _) = run(&["search", "档案", "--limit", "20", "--color", "never"]);
    assert_eq!(never, plain);
    let (_, always, _) = run(&["search", "档案", "--limit", "20", "--color", "always"]);
    assert_eq!(
        always.matches("\u{1b}[1;31m档案\u{1b}[0m").count(),
        always.matches("档案").count()
    );
    assert!(always.matches("\u{1b}[1;31m").count() >= 20);
    // Under `script`, stdout is a terminal: auto colours, NO_COLOR stops it.
    let vigil = env!("CARGO_BIN_EXE_vigil");
    let in_tty = |no_color: bool| -> Option<String> {
        let cmd =
            format!("{vigil} --config vigil.toml --data data search 档案 --limit 3 --color auto");
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).current_dir(site());
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        let out = c.output().ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    match (in_tty(false), in_tty(true)) {
        (Some(tty), Some(no)) => {
            assert!(tty.contains("\u{1b}[1;31m"), "{tty}");
            assert!(!no.contains("\u{1b}[1;31m"), "{no}");
        }
        _ => eprintln!(
            "colour_and_width: `script` (bsdutils) is not installed: the terminal case was skipped"
        ),
    }
    // Width: every row fits the terminal's columns, and a long message fills them.
    for columns in [80, 100, 150, 200] {
        let out = common::vigil_env(
            site(),
            &["search", "档案 OR action:login.failure", "--limit", "40"],
            &[("COLUMNS", &columns.to_string())],
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 40);
        let widths: Vec<usize> = text
            .lines()
            .map(unicode_width::UnicodeWidthStr::width)
            .collect();
        assert!(widths.iter().all(|w| *w <= columns), "{columns}: {text}");
        assert!(
            widths.iter().any(|w| *w >= columns - 1),
            "{columns}: {text}"
        );
    }
}
