//! The archive application's JSON audit log and a site's regex-defined job log, read as whole
//! files the way the reader feeds them, with the mapping and the format taken from config values;
//! and a throughput check (`cargo test --release -p vigil-parsers --test json_regex -- --ignored`).

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use vigil_parsers::json::{JsonMapping, JsonParser};
use vigil_parsers::regex_format::{RegexFormat, RegexFormatConfig, RegexParser};
use vigil_parsers::{Output, ParseContext};

fn ctx() -> ParseContext {
    let reference = chrono::DateTime::parse_from_rfc3339("2026-11-04T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    ParseContext::new(
        "archive-audit",
        "arch-app01",
        chrono_tz::Asia::Shanghai,
        reference,
    )
}

/// A day of the archive application's audit log: logins, record edits with and without tickets,
/// an export, an admin's permission grant, a line cut short by a crash, a blank line.
const AUDIT_LOG: &str = r#"{"ts":"2026-11-03T08:58:11+08:00","user":"zhangsan","dept":"档案室","role":"operator","action":"login","result":"success","ip":"10.1.2.3","message":"登录成功"}
{"ts":"2026-11-03T09:15:02+08:00","user":"zhangsan","dept":"档案室","role":"operator","action":"record.update","target":"archive_item/2019-WS-0031","result":"success","ip":"10.1.2.3","message":"修改档案著录信息 题名","ticket":"DE-2026-031"}
{"ts":"2026-11-03T09:20:45+08:00","user":"lisi","dept":"综合办公室","role":"user","action":"login","result":"failure","ip":"10.1.9.77","message":"密码错误"}
{"ts":"2026-11-03T10:02:13+08:00","user":"wangwu","dept":"档案室","role":"operator","action":"export","target":"档案目录/2019年度文书档案","result":"success","ip":"10.1.2.8","message":"导出目录 共 1,204 条 依据 EX-2026-007"}
{"ts":"2026-11-03T11:40:00+08:00","user":"admin","role":"admin","action":"permission.grant","target":"user/zhaoliu:档案借阅","result":"success","ip":"10.1.1.1","message":"授予特殊权限 有效期至2026-11-30","ticket":"SP-2026-012"}

{"ts":"2026-11-03T14:05:09+08:00","user":"zhangsan","action":"record.delete","target":"archive_item/2019-WS-00
{"ts":"2026-11-03 16:30:00","user":"zhaoliu","role":"outsourced","action":"record.view","target":"archive_item/2018-KJ-0102","result":"success","ip":"10.1.5.20","message":"查看全文"}
"#;

fn mapping() -> JsonMapping {
    // As `[sources.archive-audit.mapping]` in vigil.toml would give it.
    let m: JsonMapping = serde_json::from_value(json!({
        "actions": {"login": "login.success", "export": "export.request"}
    }))
    .unwrap();
    m.validate().unwrap();
    m
}

#[test]
fn archive_audit_log() {
    let mut p = JsonParser::new(mapping());
    let out: Vec<Output> = vigil_parsers::parse_text(
        &mut p,
        &ctx(),
        "/var/log/archive/audit.log",
        AUDIT_LOG.as_bytes(),
    );
    assert_eq!(out.len(), 8, "one output per line");
    let lines: Vec<&str> = AUDIT_LOG.lines().collect();
    let ok: Vec<&vigil_parsers::Event> = out.iter().filter_map(|o| o.as_ref().ok()).collect();
    let summary: Vec<(u64, &str, &str, Option<&str>)> = ok
        .iter()
        .map(|e| {
            (
                e.origin.line,
                e.action.as_ref(),
                e.outcome.as_str(),
                e.ticket.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "login.success", "success", None),
            (2, "record.update", "success", Some("DE-2026-031")),
            // A login whose result says it failed is still mapped to login.success by the
            // actions table: the table maps the raw action, the outcome says how it went.
            (3, "login.success", "failure", None),
            (4, "export.request", "success", Some("EX-2026-007")),
            (5, "permission.grant", "success", Some("SP-2026-012")),
            (8, "record.view", "success", None),
        ]
    );
    let rejected: Vec<(u64, String)> = out
        .iter()
        .filter_map(|o| o.as_ref().err())
        .map(|r| (r.line, r.error.to_string()))
        .collect();
    assert_eq!(
        rejected,
        [
            (6, "empty line at byte 0".to_string()),
            (
                7,
                format!(
                    "invalid JSON: EOF while parsing a string at byte {}",
                    lines[6].len() - 1
                )
            ),
        ]
    );
    let export_offset = lines[..3].iter().map(|l| l.len() as u64 + 1).sum::<u64>();
    assert_eq!(
        serde_json::to_value(ok[3]).unwrap(),
        json!({
            "id": format!("{:016x}{:012x}", 0, export_offset),
            "ts": "2026-11-03T02:02:13Z",
            "host": "arch-app01", "source": "archive-audit", "format": "json",
            "category": "data_export", "action": "export.request", "outcome": "success",
            "actor": "wangwu", "actor_role": "operator", "src_ip": "10.1.2.8",
            "target": "档案目录/2019年度文书档案", "ticket": "EX-2026-007",
            "message": "导出目录 共 1,204 条 依据 EX-2026-007",
            "raw": lines[3],
            "fields": {"dept": "档案室", "raw_action": "export"},
            "origin": {"path": "/var/log/archive/audit.log", "offset": export_offset, "line": 4}
        })
    );
    let view = serde_json::to_value(ok[5]).unwrap();
    assert_eq!(view["ts"], "2026-11-03T08:30:00Z");
    assert_eq!(view["flags"], json!(["zone_from_source"]));
    assert_eq!(view["actor_role"], "outsourced");
}

#[test]
fn regex_job_log_from_config() {
    let cfg: RegexFormatConfig = serde_json::from_value(json!({
        "name": "archive-sync",
        "patterns": [
            {"regex": r"^(?P<ts>\S+) sync (?P<target>\S+) by (?P<actor>\w+) from (?P<src_ip>[\d.]+): (?P<outcome>\w+)(?: files=(?P<files>\d+))?$",
             "ts_format": "%Y-%m-%dT%H:%M:%S%:z", "action": "sync.run", "category": "system"}
        ]
    }))
    .unwrap();
    let mut p = RegexParser::new(RegexFormat::compile(&cfg).unwrap());
    let text = "2026-11-03T01:00:00+08:00 sync 档案库/文书 by svc_sync from 10.1.3.4: ok files=88\n\
                2026-11-03T01:30:00+08:00 sync 档案库/科技 by svc_sync from 10.1.3.4: failed\n";
    let out = vigil_parsers::parse_text(&mut p, &ctx(), "sync.log", text.as_bytes());
    let got: Vec<Value> = out
        .iter()
        .map(|o| serde_json::to_value(o.as_ref().unwrap()).unwrap())
        .collect();
    assert_eq!(
        got[0],
        json!({
            "id": "0000000000000000000000000000", "ts": "2026-11-02T17:00:00Z",
            "host": "arch-app01", "source": "archive-audit", "format": "archive-sync",
            "category": "system", "action": "sync.run", "outcome": "success",
            "actor": "svc_sync", "actor_role": null, "src_ip": "10.1.3.4", "target": "档案库/文书",
            "ticket": null, "message": text.lines().next().unwrap(), "raw": text.lines().next().unwrap(),
            "fields": {"files": 88},
            "origin": {"path": "sync.log", "offset": 0, "line": 1}
        })
    );
    assert_eq!(got[1]["outcome"], "failure");
    assert_eq!(got[1]["fields"], json!({}));
}
