//! `vigil report --month 2026-11` on the samples: the JSON model compared with a committed
//! expected file, and the Markdown in both languages compared with committed snapshots; a log
//! line holding `<script>` shows as text.
//!
//! `VIGIL_BLESS=1 cargo test --test report` rewrites the expected files after a deliberate
//! change; review their diff.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{root, samples_copy, vigil_in, vigil_ok};

/// The samples ingested once.
fn ingested() -> &'static std::path::PathBuf {
    common::ingested_samples("report")
}

fn report(dir: &Path, args: &[&str]) -> String {
    report_with(dir, &[&["--month", "2026-11"], args].concat())
}

/// Compares `got` with the committed `tests/expected/NAME` (rewritten under VIGIL_BLESS).
fn expect(name: &str, got: &str) {
    let path = root().join("tests/expected").join(name);
    if std::env::var_os("VIGIL_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    if got != want {
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(
                g,
                w,
                "{name}: line {} differs (VIGIL_BLESS=1 rewrites it)",
                i + 1
            );
        }
        assert_eq!(
            got.lines().count(),
            want.lines().count(),
            "{name}: the line counts differ"
        );
    }
}

#[test]
fn the_json_model_is_the_expected_one() {
    let json = report(ingested(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Exactly the planted backend edits: 10, of which 2 approved and 1 approved too low.
    let edits = v["data_edits"].as_array().unwrap();
    let verdicts: Vec<&str> = edits
        .iter()
        .map(|e| e["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts.iter().filter(|v| **v == "approved").count(),
        2,
        "{verdicts:?}"
    );
    assert_eq!(
        verdicts.iter().filter(|v| **v == "grade_too_low").count(),
        1
    );
    assert_eq!(verdicts.iter().filter(|v| **v == "unapproved").count(), 7);
    assert_eq!(v["findings"].as_array().unwrap().len(), 28 + 18 + 427);
    expect("report-2026-11.json", &json);
}

#[test]
fn the_markdown_is_the_expected_one_in_both_languages() {
    let zh = report(ingested(), &["--lang", "zh"]);
    assert!(zh.contains("## 三、后台数据修改通报\n"), "{zh}");
    expect("report-2026-11.zh.md", &zh);
    let en = report(ingested(), &["--lang", "en"]);
    assert!(en.contains("## 3. Backend data edits\n"), "{en}");
    expect("report-2026-11.en.md", &en);
}

/// Appends to the copy's application log an export whose target is a script.
fn with_a_script(dir: &Path) {
    let log = dir.join("logs/archive-audit.jsonl");
    // The log holds malformed (non-UTF-8) lines on purpose: appended as bytes.
    let mut text = std::fs::read(&log).unwrap();
    text.extend_from_slice(r#"{"ts":"2026-11-30T10:00:00.000+08:00","user":"wuxia","name":"吴霞","dept":"财务部","role":"staff","action":"export.request","target":"<script>alert(1)</script>","result":"success","ip":"10.20.3.84","message":"导出"}"#.as_bytes());
    text.push(b'\n');
    std::fs::write(&log, text).unwrap();
}

#[test]
fn a_script_in_a_log_line_shows_as_text() {
    let dir = samples_copy("report-script");
    with_a_script(&dir);
    let out = vigil_in(&dir, &["report", "--month", "2026-11", "--lang", "en"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!md.contains("<script>"), "{md}");
    assert!(
        md.contains("| export.request | wuxia | &lt;script&gt;alert(1)&lt;/script&gt; | - | no |"),
        "{md}"
    );
    // And written to a file readable by its owner only.
    let file = dir.join("report.md");
    let out = vigil_in(
        &dir,
        &[
            "report",
            "--month",
            "2026-11",
            "--no-ingest",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// Chromium, when this machine has it (CI installs Debian's).
fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            std::process::Command::new("which")
                .arg(b)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
}

#[test]
fn the_html_page_stands_alone_loads_without_console_errors_and_shows_a_script_as_text() {
    let dir = samples_copy("report-html");
    with_a_script(&dir);
    let page = dir.join("report.html");
    vigil_ok(
        &dir,
        &[
            "report",
            "--month",
            "2026-11",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script, no link, nothing fetched; two inline charts; the log's script as text.
    assert!(!html.contains("<script"), "a <script> element in the page");
    assert!(
        ["src=", "<link", "@import", "url("]
            .iter()
            .all(|x| !html.contains(x)),
        "the page fetches something"
    );
    // Its only links are the contents', to its own sections.
    assert_eq!(
        html.matches("href=").count(),
        html.matches("href=\"#s").count()
    );
    assert_eq!(html.matches("href=\"#s").count(), 11);
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<h2 id=\"s3\">三、后台数据修改通报</h2>"));
    assert!(html.contains("@page { size: A4"));
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: the page in headless Chromium: chromium is not installed (Debian: apt-get install chromium)"
        );
        return;
    };
    let run = std::process::Command::new(&browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&run.stdout);
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the script shows as text"
    );
    assert!(
        !dom.contains("<script>alert(1)"),
        "the script became an element"
    );
    let png = dir.join("report.png");
    let shot = std::process::Command::new(root().join("scripts/report-screenshot.sh"))
        .arg(&page)
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
}

#[test]
fn a_weekly_report_and_a_period_of_ones_own() {
    let week = report_with(ingested(), &["--week", "2026-W47", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&week).unwrap();
    assert_eq!(v["period"], "2026-W47");
    assert_eq!(v["since"], "2026-11-16T00:00:00+08:00");
    assert_eq!(v["until"], "2026-11-23T00:00:00+08:00");
    // The week's backend edits: 16, 19 and 20 November.
    let days: Vec<&str> = v["data_edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["time"].as_str().unwrap()[..10])
        .collect();
    assert_eq!(
        days,
        ["2026-11-16", "2026-11-16", "2026-11-19", "2026-11-20"]
    );
    assert_eq!(v["logins"]["per_day"].as_array().unwrap().len(), 7);
    // The week before is held: counts are compared with it. The month before is not (the
    // month's report says so and shows no change).
    assert_eq!(v["summary"]["previous_known"], true);
    let md = report_with(ingested(), &["--week", "2026-W47", "--lang", "en"]);
    assert!(md.contains("In brackets: the change from the period before.\n"));
    let pg = md
        .lines()
        .find(|l| l.starts_with("| pg-archive | "))
        .unwrap();
    let week_pg = v["summary"]["events"]["pg-archive"].clone();
    let (this, prev) = (
        week_pg["this"].as_i64().unwrap(),
        week_pg["previous"].as_i64().unwrap(),
    );
    assert!(prev > 0);
    assert_eq!(pg, format!("| pg-archive | {this} ({:+}) |", this - prev));
    let month = report(ingested(), &["--lang", "zh"]);
    assert!(month.contains("无上月数据，不作比较。"));
    let span = report_with(
        ingested(),
        &[
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-23",
            "--format",
            "json",
        ],
    );
    let s: serde_json::Value = serde_json::from_str(&span).unwrap();
    assert_eq!(s["period"], "2026-11-16 – 2026-11-23");
    assert_eq!(s["data_edits"], v["data_edits"]);
    let out = vigil_in(ingested(), &["report", "--no-ingest"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "vigil: give one of --month (2026-11), --week (2026-W47) or --since and --until\n"
    );
}

fn report_with(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["report", "--no-ingest"];
    all.extend_from_slice(args);
    let out = vigil_in(dir, &all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The reviewers' triage is in the report of the period it was recorded in: a November finding
/// triaged in December is in December's report, and its note, log-like text, is inert.
#[test]
fn triage_is_reported_in_the_period_it_was_recorded() {
    let dir = samples_copy("report-triage");
    let out = vigil_in(&dir, &["ingest"]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::create_dir_all(dir.join("data/console")).unwrap();
    let entry = |at: &str, status: &str, note: &str| {
        serde_json::json!({
            "at": at, "by": "alice", "key": "591c86ba13571eaa", "rule": "data_export.unapproved",
            "finding_time": "2026-11-10T16:12:30+08:00", "status": status, "note": note,
        })
        .to_string()
    };
    std::fs::write(
        dir.join("data/console/triage.jsonl"),
        [
            entry("2026-11-28T02:00:00Z", "acknowledged", "asked dba_wang"),
            entry(
                "2026-12-03T01:30:00Z",
                "followed_up",
                "ticket DE-2026-118 filed <b>late</b> | see minutes",
            ),
            String::new(),
        ]
        .join("\n"),
    )
    .unwrap();
    let nov = report_with(&dir, &["--month", "2026-11", "--lang", "zh"]);
    let section = |md: &str, head: &str| -> String {
        let at = md.find(head).unwrap();
        let end = md[at..].find("\n## ").unwrap() + at;
        md[at..end].to_string()
    };
    assert_eq!(
        section(&nov, "## 十、异常事件跟进"),
        "## 十、异常事件跟进\n\n\
本期审查人员对发现的处理记录（7.1.5.1：对异常事件及时跟进解决），含以往各期的发现：\n\n\
| 记录时间 | 审查人 | 结论 | 说明 | 发现 | 发现时间 |\n\
|---|---|---|---|---|---|\n\
| 11-28 10:00 | alice | 已确认 | asked dba_wang | `data_export.unapproved` | 2026-11-10T16:12:30+08:00 |\n"
    );
    let dec = report_with(&dir, &["--month", "2026-12", "--lang", "en"]);
    assert_eq!(
        section(&dec, "## 10. Follow-up of findings"),
        "## 10. Follow-up of findings\n\n\
What reviewers concluded about findings in this period (7.1.5.1: anomalies followed up), findings of earlier periods included:\n\n\
| recorded | by | conclusion | note | finding | finding time |\n\
|---|---|---|---|---|---|\n\
| 12-03 09:30 | alice | followed up | ticket DE-2026-118 filed &lt;b&gt;late&lt;/b&gt; \\| see minutes | `data_export.unapproved` | 2026-11-10T16:12:30+08:00 |\n"
    );
    let json = report_with(&dir, &["--month", "2026-12", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["follow_ups"].as_array().unwrap().len(), 1);
    assert_eq!(v["follow_ups"][0]["status"], "followed_up");
    assert_eq!(v["follow_ups"][0]["key"], "591c86ba13571eaa");
}

/// Incidents say how they ended: back after N minutes (grade II for a system service back within
/// ten), back at a time the logs do not give, or not recovered by the end of the month.
#[test]
fn incidents_say_whether_and_when_the_service_came_back() {
    let dir = samples_copy("report-incidents");
    std::fs::write(
        dir.join("outage.log"),
        // RFC 5424, with the year: the same month whatever the date of the run.
        "<27>1 2026-11-27T09:00:00+08:00 arch-db02 systemd 1 - -  postgresql.service: Failed with result 'exit-code'.\n\
<27>1 2026-11-27T09:00:00+08:00 arch-db02 systemd 1 - -  Failed to start postgresql.service - PostgreSQL RDBMS.\n\
<30>1 2026-11-27T09:04:00+08:00 arch-db02 systemd 1 - -  Started postgresql.service - PostgreSQL RDBMS.\n\
<27>1 2026-11-29T22:10:00+08:00 arch-db02 systemd 1 - -  mariadb.service: Failed with result 'exit-code'.\n\
<27>1 2026-11-29T22:10:00+08:00 arch-db02 systemd 1 - -  Failed to start mariadb.service - MariaDB database server.\n",
    )
    .unwrap();
    let out = vigil_in(&dir, &["ingest"]);
    assert_eq!(out.status.code(), Some(0));
    vigil_ok(
        &dir,
        &[
            "ingest",
            "--format",
            "syslog",
            "--source",
            "outage",
            "--zone",
            "Asia/Shanghai",
            "outage.log",
        ],
    );
    let section = |md: &str, head: &str| -> Vec<String> {
        let at = md.find(head).unwrap();
        let end = md[at..].find("\n## ").unwrap() + at;
        md[at..end]
            .lines()
            .filter(|l| l.starts_with("| 11-"))
            .map(str::to_string)
            .collect()
    };
    let zh = report_with(&dir, &["--month", "2026-11", "--lang", "zh"]);
    assert_eq!(
        section(&zh, "## 八、事件管理"),
        [
            "| 11-03 14:01 | arch-web02 | nginx.service | 恢复时间未记录，11-13 14:26 前已恢复 | 重大（I级） |",
            "| 11-15 13:48 | arch-web01 | nginx.service | 恢复时间未记录，11-19 09:14 前已恢复 | 重大（I级） |",
            "| 11-27 09:00 | arch-db02 | postgresql.service | 4 | 较大（II级） |",
            "| 11-29 22:10 | arch-db02 | mariadb.service | 未恢复 | 重大（I级） |",
        ]
    );
    let en = report_with(&dir, &["--month", "2026-11", "--lang", "en"]);
    assert_eq!(
        section(&en, "## 8. Incidents")[3],
        "| 11-29 22:10 | arch-db02 | mariadb.service | not recovered | I |"
    );
}

/// A report written to a file has its sha256 beside it, as `sha256sum -c` reads it, and states
/// the archive chain head it was made from.
#[test]
fn a_report_file_has_its_sha256_beside_it() {
    let dir = ingested();
    let out = vigil_ok(
        dir,
        &[
            "report",
            "--no-ingest",
            "--month",
            "2026-11",
            "--format",
            "html",
            "-o",
            "signed.html",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "report: wrote signed.html and its sha256 in signed.html.sha256\n"
    );
    let html = std::fs::read(dir.join("signed.html")).unwrap();
    let side = std::fs::read_to_string(dir.join("signed.html.sha256")).unwrap();
    use sha2::Digest;
    let want: String = sha2::Sha256::digest(&html)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(side, format!("{want}  signed.html\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("signed.html.sha256"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    match Command::new("sha256sum")
        .args(["-c", "signed.html.sha256"])
        .current_dir(dir)
        .output()
    {
        Ok(o) => assert_eq!(String::from_utf8_lossy(&o.stdout), "signed.html: OK\n"),
        Err(_) => eprintln!("SKIPPED: sha256sum -c (coreutils) is not installed"),
    }
    // The chain head it was made from, as `vigil archive head` prints it (a fresh ingest has
    // sealed no segment yet: segments seal by the day they are written on).
    let head = vigil_in(dir, &["archive", "head"]);
    let html = String::from_utf8_lossy(&html);
    match head.status.code() {
        Some(0) => {
            let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
            assert_eq!(head.len(), 64, "{head}");
            assert!(html.contains(&format!("<code>{head}</code>")));
        }
        _ => {
            assert_eq!(
                String::from_utf8_lossy(&head.stderr),
                "vigil: archive head: no segment has been sealed yet\n"
            );
            assert!(html.contains("证据链头哈希: （尚无封存段）; 校验通过"));
        }
    }
}

/// The report printed to PDF by headless Chromium, read back with pdftotext (poppler-utils):
/// every page has the report's title and its number out of the count at its foot, and no page
/// ends on a heading whose table or text is on the next. Page 1 is saved as a PNG beside the
/// test's other artefacts (`samples/report-2026-11.png` is a copy).
#[test]
fn the_pdf_has_page_numbers_and_no_heading_ends_a_page() {
    let dir = ingested();
    // Without a browser on the PATH, one line names the package.
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "--config",
            "vigil.toml",
            "--data",
            "data",
            "report",
            "--no-ingest",
        ])
        .args(["--month", "2026-11", "--format", "pdf", "-o", "none.pdf"])
        .env("PATH", "/nonexistent")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(
            "vigil: --format pdf prints the HTML report with headless Chromium, which is not installed: install it (Debian: apt-get install chromium)"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("none.pdf").exists());
    let have = |tool: &str| Command::new(tool).arg("-v").output().is_ok();
    if chromium().is_none() || !have("pdftotext") || !have("pdftoppm") {
        eprintln!(
            "SKIPPED: the PDF report test needs chromium and poppler-utils (Debian: apt-get install chromium poppler-utils)"
        );
        return;
    }
    for (lang, title) in [
        ("zh", "数字档案馆系统运行维护报告 2026-11"),
        ("en", "Operations report 2026-11"),
    ] {
        let pdf = format!("report-{lang}.pdf");
        vigil_ok(
            dir,
            &[
                "report",
                "--no-ingest",
                "--month",
                "2026-11",
                "--lang",
                lang,
                "--format",
                "pdf",
                "-o",
                &pdf,
            ],
        );
        let text = Command::new("pdftotext")
            .args(["-layout", &pdf, "-"])
            .current_dir(dir)
            .output()
            .unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        let pages: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert!(pages.len() >= 5, "{lang}: {} pages", pages.len());
        // The headings of the Markdown: none may be the last line of a page.
        let md = report(dir, &["--lang", lang]);
        let headings: Vec<&str> = md
            .lines()
            .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
            .collect();
        for (i, page) in pages.iter().enumerate() {
            let lines: Vec<&str> = page
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            // pdftotext spaces the foot's parts as it likes: compare without spaces.
            let foot: String = lines.last().unwrap().split_whitespace().collect();
            assert!(
                foot.starts_with(&title.replace(' ', ""))
                    && foot.ends_with(&format!("{}/{}", i + 1, pages.len())),
                "{lang}: page {}: foot {foot:?}",
                i + 1
            );
            let last = lines[lines.len() - 2];
            assert!(
                !headings.contains(&last),
                "{lang}: page {} ends on the heading {last:?}",
                i + 1
            );
        }
        if lang == "zh" {
            let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-2026-11");
            let made = Command::new("pdftoppm")
                .args([
                    "-png",
                    "-r",
                    "60",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    &pdf,
                ])
                .arg(&png)
                .current_dir(dir)
                .status()
                .unwrap();
            assert!(made.success());
            eprintln!("page 1: {}.png", png.display());
        }
    }
}

/// Every string a value of `v` holds, but the English summaries (`summary`, `problems`): the
/// text that comes from logs, registers and the config (names, hosts, tables, statements, error
/// lines, tickets, ids), which a Chinese report shows as written.
fn log_text(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k != "summary" && k != "problems" {
                    log_text(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| log_text(x, out)),
        serde_json::Value::String(s) if s.chars().count() >= 2 => out.push(s.clone()),
        _ => {}
    }
}

/// The English words left in `text` once code spans (ids, rule ids, queries) and every piece of
/// `logged` text are taken out.
fn english_words(text: &str, logged: &[String]) -> std::collections::BTreeSet<String> {
    let mut t = String::new();
    let mut code = false;
    for c in text.chars() {
        if c == '`' {
            code = !code;
            t.push(' ');
        } else if !code {
            t.push(c);
        }
    }
    for v in logged {
        t = t.replace(&v.replace('*', "\\*").replace('|', "\\|"), " ");
        t = t.replace(v.as_str(), " ");
    }
    let mut words = std::collections::BTreeSet::new();
    let mut word = String::new();
    for c in t.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphabetic() || (!word.is_empty() && (c == '_' || c == '.' || c == '-')) {
            word.push(c);
        } else if !word.is_empty() {
            words.insert(word.trim_end_matches(['.', '-']).to_string());
            word.clear();
        }
    }
    words
}

/// The Chinese report is Chinese: outside what logs, registers and the config say (shown as
/// written), event ids, rule ids and queries, it holds no English word but the names below.
#[test]
fn the_chinese_report_holds_no_english_outside_log_text() {
    const ALLOWED: [&str; 7] = ["I", "II", "III", "JSON", "L", "show", "vigil"];
    let dir = ingested();
    let model: serde_json::Value =
        serde_json::from_str(&report(dir, &["--format", "json"])).unwrap();
    let mut logged = Vec::new();
    log_text(&model, &mut logged);
    logged.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let md = report(dir, &["--lang", "zh"]);
    let left: Vec<String> = english_words(&md, &logged)
        .into_iter()
        .filter(|w| !ALLOWED.contains(&w.as_str()))
        .collect();
    assert!(left.is_empty(), "English in the zh Markdown: {left:?}");
    // The page: its text without the style sheet and the markup, entities undone.
    let html = report(dir, &["--lang", "zh", "--format", "html"]);
    let body = &html[html.find("</style>").unwrap()..];
    let mut text = String::new();
    let mut tag = false;
    for c in body.chars() {
        match c {
            '<' => tag = true,
            '>' => {
                tag = false;
                text.push(' ');
            }
            c if !tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    // The HTML has no code spans' backticks: take the ids and rule ids out as the Markdown has them.
    let mut logged_and_codes = logged.clone();
    for f in model["findings"].as_array().unwrap() {
        for id in f["evidence"].as_array().unwrap() {
            logged_and_codes.push(id.as_str().unwrap().to_string());
        }
        logged_and_codes.push(f["rule"].as_str().unwrap().to_string());
    }
    logged_and_codes.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let left: Vec<String> = english_words(&text, &logged_and_codes)
        .into_iter()
        .filter(|w| !ALLOWED.contains(&w.as_str()))
        .collect();
    assert!(left.is_empty(), "English in the zh HTML: {left:?}");
    // And the English report is the control: it is full of English words.
    let en = report(dir, &["--lang", "en"]);
    assert!(english_words(&en, &logged).len() > 50);
}
