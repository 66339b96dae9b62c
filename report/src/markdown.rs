//! The report as Markdown, for wikis and meeting documents: in Chinese, with the regulation's own
//! headings (后台数据修改通报 ...), or in English. Text from logs is made inert: HTML
//! special characters become entities, table bars are escaped, control characters dropped.

use std::fmt::Write;

use vigil_checks::{EditVerdict, Finding, Severity};

use crate::model::{Approvable, Compared, Report};

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

struct Words {
    title: &'static str,
    sections: [&'static str; 11],
    none: &'static str,
    yes: &'static str,
    no: &'static str,
}

const ZH: Words = Words {
    title: "数字档案馆系统运行维护报告",
    sections: [
        "一、概况",
        "二、备份及日志检查",
        "三、后台数据修改通报",
        "四、数据导出与特殊权限",
        "五、管理员操作",
        "六、登录访问记录",
        "七、发布管理",
        "八、事件管理",
        "九、日志与证据完整性",
        "十、异常事件跟进",
        "附录：全部发现及其证据",
    ],
    none: "无",
    yes: "是",
    no: "否",
};

const EN: Words = Words {
    title: "Digital archive system: operations report",
    sections: [
        "1. Summary",
        "2. Backups",
        "3. Backend data edits",
        "4. Data exports and special permissions",
        "5. Administrator actions",
        "6. Logins",
        "7. Releases",
        "8. Incidents",
        "9. Evidence integrity",
        "10. Follow-up of findings",
        "Appendix: every finding and its evidence",
    ],
    none: "none",
    yes: "yes",
    no: "no",
};

/// A triage conclusion in the report's language.
fn follow_up_status(status: &str, zh: bool) -> String {
    match (status, zh) {
        ("acknowledged", true) => "已确认".into(),
        ("false_positive", true) => "误报".into(),
        ("followed_up", true) => "已跟进".into(),
        ("acknowledged", false) => "acknowledged".into(),
        ("false_positive", false) => "false positive".into(),
        ("followed_up", false) => "followed up".into(),
        (other, _) => inert(other),
    }
}

/// Log text made inert in Markdown: no HTML, no table breaks, one line.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '`' => out.push_str("\\`"),
            '*' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "-".to_string(), inert)
}

/// An action in the report's language: the vocabulary's Chinese name in Chinese (`db.export`
/// is 数据库导出); an action outside it as written.
fn action_word(action: &str, zh: bool) -> String {
    match (zh, vigil_parsers::vocab::chinese_name(action)) {
        (true, Some(name)) => name.to_string(),
        (true, None) if action == "dump" => "数据库转储".to_string(),
        _ => inert(action),
    }
}

/// An approver's role in the report's language (the register's roles; another as written).
fn role_word(role: &str, zh: bool) -> String {
    if zh {
        inert(vigil_checks::policy::role_zh(role))
    } else {
        inert(role)
    }
}

/// Whether a period's name is a month's (2026-11).
fn is_month(period: &str) -> bool {
    period.len() == 7
        && period.as_bytes()[4] == b'-'
        && period.bytes().filter(u8::is_ascii_digit).count() == 6
}

/// A count, with its change from the period before when vigil holds that period.
fn compared(c: &Compared, known: bool) -> String {
    if !known {
        return c.this.to_string();
    }
    let d = c.this as i64 - c.previous as i64;
    format!("{} ({}{})", c.this, if d >= 0 { "+" } else { "" }, d)
}

fn when(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    t.format("%m-%d %H:%M").to_string()
}

/// A subheading in the report's language.
fn sub(out: &mut String, zh: bool, zh_text: &str, en_text: &str) {
    let _ = writeln!(out, "### {}\n", if zh { zh_text } else { en_text });
}

/// A table's header row and its separator.
fn table_head(out: &mut String, head: &[&str]) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
}

fn findings_table(out: &mut String, w: &Words, lang: Lang, fs: &[Finding]) {
    if fs.is_empty() {
        let _ = writeln!(out, "{}\n", w.none);
        return;
    }
    table_head(
        out,
        match lang {
            Lang::Zh => &["时间", "规则", "内容"],
            Lang::En => &["time", "rule", "what"],
        },
    );
    for f in fs {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            when(&f.time),
            rule_word(f.rule, lang == Lang::Zh),
            inert(f.summary_in(lang == Lang::Zh))
        );
    }
    out.push('\n');
}

/// A rule as a report shows it: its Chinese name in Chinese, its id (code) in English.
fn rule_word(rule: &str, zh: bool) -> String {
    match vigil_checks::rule_by_id(rule) {
        Some(r) if zh => r.name_zh.to_string(),
        _ => format!("`{rule}`"),
    }
}

fn approvables(out: &mut String, w: &Words, lang: Lang, xs: &[Approvable]) {
    if xs.is_empty() {
        let _ = writeln!(out, "{}\n", w.none);
        return;
    }
    table_head(
        out,
        match lang {
            Lang::Zh => &["时间", "操作", "操作人", "对象", "工单", "已审批"],
            Lang::En => &["time", "action", "by", "target", "ticket", "approved"],
        },
    );
    for x in xs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            when(&x.time),
            action_word(&x.action, lang == Lang::Zh),
            opt(&x.actor),
            opt(&x.target),
            opt(&x.ticket),
            if x.approved { w.yes } else { w.no }
        );
    }
    out.push('\n');
}

/// The report as Markdown in `lang`.
pub fn render(r: &Report, lang: Lang) -> String {
    let w = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}{}{}\n",
        w.title,
        if zh { "：" } else { ", " },
        inert(&r.period)
    );
    let _ = writeln!(
        out,
        "{} {} – {} ({})\n",
        if zh { "期间" } else { "Period" },
        r.since.format("%Y-%m-%d %H:%M"),
        r.until.format("%Y-%m-%d %H:%M"),
        r.zone
    );

    // 1.
    let _ = writeln!(out, "## {}\n", w.sections[0]);
    let _ = writeln!(
        out,
        "{}\n",
        match (zh, r.summary.previous_known, is_month(&r.period)) {
            (true, true, _) => "括号内为与上期相比的增减。",
            (false, true, _) => "In brackets: the change from the period before.",
            (true, false, true) => "无上月数据，不作比较。",
            (true, false, false) => "无上期数据，不作比较。",
            (false, false, true) => "No data for the previous month: no comparison.",
            (false, false, false) => "No data for the previous period: no comparison.",
        }
    );
    table_head(
        &mut out,
        if zh {
            &["日志来源", "事件数"]
        } else {
            &["source", "events"]
        },
    );
    for (s, c) in &r.summary.events {
        let _ = writeln!(
            out,
            "| {} | {} |",
            inert(s),
            compared(c, r.summary.previous_known)
        );
    }
    out.push('\n');
    table_head(
        &mut out,
        if zh {
            &["严重程度", "发现数"]
        } else {
            &["severity", "findings"]
        },
    );
    for (s, c) in &r.summary.findings {
        let name = severity_word(s, zh);
        let _ = writeln!(
            out,
            "| {name} | {} |",
            compared(c, r.summary.previous_known)
        );
    }
    out.push('\n');

    // 2.
    let _ = writeln!(out, "## {}\n", w.sections[1]);
    if r.backups.is_empty() {
        let _ = writeln!(out, "{}\n", w.none);
    } else {
        table_head(
            &mut out,
            if zh {
                &[
                    "作业",
                    "应执行",
                    "成功",
                    "延迟",
                    "失败",
                    "缺失",
                    "大小异常",
                    "校验通过/未通过",
                ]
            } else {
                &[
                    "job",
                    "expected",
                    "ok",
                    "late",
                    "failed",
                    "missing",
                    "size",
                    "verified / not",
                ]
            },
        );
        for j in &r.backups {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} / {} |",
                inert(&j.job),
                j.expected,
                j.ok,
                j.late,
                j.failed,
                j.missing,
                j.undersized,
                j.verified,
                j.verify_failed
            );
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "{}\n",
            if zh {
                "每日（✓ 成功，L 延迟，✗ 失败，? 缺失，· 无计划）："
            } else {
                "By day (✓ ok, L late, ✗ failed, ? missing, · nothing planned):"
            }
        );
        out.push_str("```\n");
        for j in &r.backups {
            let strip: String = j
                .days
                .iter()
                .map(|d| match *d {
                    "ok" => '✓',
                    "late" => 'L',
                    "failed" => '✗',
                    "missing" => '?',
                    "pending" => '…',
                    _ => '·',
                })
                .collect();
            let _ = writeln!(out, "{:<16} {strip}", j.job);
        }
        out.push_str("```\n\n");
        for j in &r.backups {
            for p in if zh { &j.problems_zh } else { &j.problems } {
                let _ = writeln!(out, "- {}", inert(p));
            }
        }
        out.push('\n');
    }

    // 3.
    let _ = writeln!(out, "## {}\n", w.sections[2]);
    if r.data_edits.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            if zh {
                "本期无后台数据修改。"
            } else {
                "No backend data edit in the period."
            }
        );
    } else {
        table_head(
            &mut out,
            if zh {
                &[
                    "时间",
                    "操作人",
                    "表",
                    "语句",
                    "工单",
                    "等级",
                    "审批人",
                    "结论",
                ]
            } else {
                &[
                    "time",
                    "operator",
                    "table",
                    "statement",
                    "ticket",
                    "grade",
                    "approver",
                    "verdict",
                ]
            },
        );
        for e in &r.data_edits {
            let verdict = match (zh, e.verdict) {
                (true, EditVerdict::Approved) => "已审批",
                (true, EditVerdict::GradeTooLow) => "审批级别不足",
                (true, EditVerdict::Unapproved) => "未经审批",
                (false, EditVerdict::Approved) => "approved",
                (false, EditVerdict::GradeTooLow) => "approver too low",
                (false, EditVerdict::Unapproved) => "unapproved",
            };
            let approver = match (&e.approver, &e.approver_role) {
                (Some(a), Some(r)) => format!("{} ({})", inert(a), role_word(r, zh)),
                _ => "-".into(),
            };
            let ticket = e.ticket.clone().or_else(|| e.quoted.clone());
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                when(&e.time),
                opt(&e.actor),
                inert(&e.table),
                e.statement
                    .as_deref()
                    .map_or_else(|| e.action.clone(), inert),
                opt(&ticket),
                e.grade,
                approver,
                verdict
            );
        }
        out.push('\n');
    }

    // 4.
    let _ = writeln!(out, "## {}\n", w.sections[3]);
    sub(&mut out, zh, "数据导出", "Exports");
    approvables(&mut out, w, lang, &r.exports);
    sub(&mut out, zh, "特殊权限", "Special permissions");
    approvables(&mut out, w, lang, &r.permissions);

    // 5.
    let _ = writeln!(out, "## {}\n", w.sections[4]);
    table_head(
        &mut out,
        if zh {
            &["管理员", "操作数"]
        } else {
            &["administrator", "actions"]
        },
    );
    for (a, n) in &r.admin.per_admin {
        let _ = writeln!(out, "| {} | {n} |", inert(a));
    }
    out.push('\n');
    sub(&mut out, zh, "非工作时间操作", "Off hours");
    findings_table(&mut out, w, lang, &r.admin.offhours);
    sub(&mut out, zh, "敏感操作", "Sensitive");
    findings_table(&mut out, w, lang, &r.admin.sensitive);

    // 6.
    let _ = writeln!(out, "## {}\n", w.sections[5]);
    table_head(
        &mut out,
        if zh {
            &["日期", "成功", "失败"]
        } else {
            &["day", "successes", "failures"]
        },
    );
    for d in &r.logins.per_day {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            d.day.format("%m-%d"),
            d.successes,
            d.failures
        );
    }
    out.push('\n');
    sub(&mut out, zh, "登录失败最多的地址", "Top failing addresses");
    for (ip, n) in &r.logins.top_failing {
        let _ = writeln!(out, "- {} — {n}", inert(ip));
    }
    out.push('\n');
    sub(&mut out, zh, "暴力破解", "Brute-force bursts");
    findings_table(&mut out, w, lang, &r.logins.bursts);
    sub(
        &mut out,
        zh,
        "禁用、离职账号的使用",
        "Disabled and departed accounts",
    );
    findings_table(&mut out, w, lang, &r.logins.disabled);
    sub(
        &mut out,
        zh,
        "应禁用的外委人员账号",
        "Dormant outsourced accounts to disable",
    );
    findings_table(&mut out, w, lang, &r.logins.dormant);

    // 7.
    let _ = writeln!(out, "## {}\n", w.sections[6]);
    if r.releases.is_empty() {
        let _ = writeln!(out, "{}\n", w.none);
    } else {
        table_head(
            &mut out,
            if zh {
                &["时间", "发布人", "系统", "工单", "窗口期内"]
            } else {
                &["time", "by", "system", "ticket", "in the window"]
            },
        );
        for x in &r.releases {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                when(&x.time),
                opt(&x.actor),
                opt(&x.target),
                opt(&x.ticket),
                if x.in_window { w.yes } else { w.no }
            );
        }
        out.push('\n');
    }

    // 8.
    let _ = writeln!(out, "## {}\n", w.sections[7]);
    if r.incidents.is_empty() {
        let _ = writeln!(out, "{}\n", w.none);
    } else {
        table_head(
            &mut out,
            if zh {
                &["停止时间", "主机", "服务", "持续（分钟）", "等级"]
            } else {
                &["went down", "host", "service", "minutes", "grade"]
            },
        );
        for i in &r.incidents {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                when(&i.time),
                inert(&i.host),
                inert(&i.service),
                match (i.minutes, &i.back_by, zh) {
                    (Some(m), _, _) => m.to_string(),
                    (None, Some(t), true) => format!("恢复时间未记录，{} 前已恢复", when(t)),
                    (None, Some(t), false) => format!("back by {} (its start not logged)", when(t)),
                    (None, None, true) => "未恢复".to_string(),
                    (None, None, false) => "not recovered".to_string(),
                },
                match (zh, i.grade) {
                    (true, "I") => "重大（I级）",
                    (true, "II") => "较大（II级）",
                    (true, "III") => "一般（III级）",
                    (_, g) => g,
                }
            );
        }
        out.push('\n');
    }

    // 9.
    let _ = writeln!(out, "## {}\n", w.sections[8]);
    let ev = &r.integrity.evidence;
    let head = if ev.archive_head.is_empty() {
        if zh {
            "（尚无封存段）".to_string()
        } else {
            "(no sealed segment yet)".to_string()
        }
    } else {
        format!("`{}`", ev.archive_head)
    };
    let _ = writeln!(
        out,
        "- {}: {head}; {}",
        if zh {
            "证据链头哈希"
        } else {
            "archive chain head"
        },
        match (zh, ev.archive_ok) {
            (true, true) => "校验通过".to_string(),
            (false, true) => "verified".to_string(),
            (_, false) => ev
                .archive_problems
                .iter()
                .map(|p| inert(p))
                .collect::<Vec<_>>()
                .join("; "),
        }
    );
    let dead: Vec<String> = ev
        .dead_letter
        .iter()
        .map(|(k, v)| {
            let k = if zh {
                vigil_parsers::ParseError::chinese_class(k)
            } else {
                k.as_str()
            };
            format!("{} {v}", inert(k))
        })
        .collect();
    let _ = writeln!(
        out,
        "- {}: {}\n",
        if zh {
            "无法解析的日志行（按原因）"
        } else {
            "lines no parser accepted, by reason"
        },
        if dead.is_empty() {
            w.none.to_string()
        } else {
            dead.join(", ")
        }
    );
    sub(&mut out, zh, "中断的日志来源", "Sources that went silent");
    findings_table(&mut out, w, lang, &r.integrity.silent);

    // 10.
    let _ = writeln!(out, "## {}\n", w.sections[9]);
    if r.follow_ups.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            if zh {
                "本期无审查记录。"
            } else {
                "No finding was triaged in this period."
            }
        );
    } else {
        let _ = writeln!(
            out,
            "{}\n",
            if zh {
                "本期审查人员对发现的处理记录（7.1.5.1：对异常事件及时跟进解决），含以往各期的发现："
            } else {
                "What reviewers concluded about findings in this period (7.1.5.1: anomalies followed up), findings of earlier periods included:"
            }
        );
        table_head(
            &mut out,
            if zh {
                &["记录时间", "审查人", "结论", "说明", "发现", "发现时间"]
            } else {
                &[
                    "recorded",
                    "by",
                    "conclusion",
                    "note",
                    "finding",
                    "finding time",
                ]
            },
        );
        for f in &r.follow_ups {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | `{}` | {} |",
                when(&f.at),
                inert(&f.by),
                follow_up_status(&f.status, zh),
                inert(&f.note),
                inert(&f.rule),
                inert(&f.finding_time)
            );
        }
        out.push('\n');
    }

    // Appendix.
    let _ = writeln!(out, "## {}\n", w.sections[10]);
    let serious: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.rule != "admin.action")
        .collect();
    let _ = writeln!(
        out,
        "{}\n",
        if zh {
            format!(
                "低级别的管理员操作（admin.action）共 {} 条，见 JSON 报告。",
                r.findings.len() - serious.len()
            )
        } else {
            format!(
                "The {} low administrator-action findings (admin.action) are in the JSON report.",
                r.findings.len() - serious.len()
            )
        }
    );
    // One row a finding: what, who, how much evidence, and how to see the first of it (every
    // id is in the JSON report).
    table_head(
        &mut out,
        if zh {
            &[
                "时间",
                "规则",
                "级别",
                "操作人",
                "内容",
                "证据条数",
                "首条证据（vigil show）",
            ]
        } else {
            &[
                "time",
                "rule",
                "severity",
                "actor",
                "what",
                "evidence",
                "first (vigil show)",
            ]
        },
    );
    for f in serious {
        let see = f
            .evidence
            .first()
            .map_or_else(|| "-".to_string(), |id| format!("`{id}`"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {see} |",
            when(&f.time),
            rule_word(f.rule, zh),
            severity_word(f.severity.as_str(), zh),
            f.actor.as_deref().map_or_else(|| "-".to_string(), inert),
            inert(f.summary_in(zh)),
            f.evidence.len(),
        );
    }
    out
}

/// A severity (`high`, `medium`, `low`) in the report's language.
fn severity_word(s: &str, zh: bool) -> &str {
    match Severity::parse(s) {
        Some(v) if zh => v.chinese_name(),
        _ => s,
    }
}
