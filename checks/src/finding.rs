//! What the checks produce: findings, their severities, and the table of rules with the clause
//! of the regulation each enforces.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

/// How urgently a person must look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Its name in a report in Chinese: 高, 中, 低.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }

    /// `low`, `medium` or `high`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
}

/// A rule: its id, severity, the clause of the regulation it enforces (in the regulation's own
/// words) and what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// Its name in a report in Chinese.
    pub name_zh: &'static str,
    pub severity: Severity,
    pub clause: &'static str,
    pub about: &'static str,
}

const fn rule(
    id: &'static str,
    name_zh: &'static str,
    severity: Severity,
    clause: &'static str,
    about: &'static str,
) -> Rule {
    Rule {
        id,
        name_zh,
        severity,
        clause,
        about,
    }
}

use Severity::{High, Low, Medium};

/// Every rule, in the order findings are reported within one time.
pub const RULES: [Rule; 20] = [
    rule(
        "data_edit.unapproved",
        "未经审批的后台数据修改",
        High,
        "后台数据修改管理",
        "a backend edit of a business table with no data_edit ticket covering its operator, time and table",
    ),
    rule(
        "data_edit.grade",
        "审批级别不足的后台数据修改",
        High,
        "后台数据修改管理（分级审批）",
        "an approved backend edit whose table's grade needs a higher approver than the ticket's",
    ),
    rule(
        "data_export.unapproved",
        "未经审批的数据导出",
        High,
        "数据共享管理（数据导出）",
        "an export (COPY TO, an executed export, pg_dump or mysqldump by a person) with no data_export ticket",
    ),
    rule(
        "permission.unapproved",
        "未经审批的特殊权限",
        High,
        "权限管理（特殊权限申请）",
        "a special permission granted (application grant, database GRANT, joining an administrator group) with no special_permission ticket",
    ),
    rule(
        "admin.action",
        "管理员操作",
        Low,
        "7.1.5.1 日志记录（管理员操作）",
        "an administrator action: sudo, su, a root or administrator login, the application's admin role, superuser DDL and grants",
    ),
    rule(
        "admin.offhours",
        "非工作时间的管理员操作",
        Medium,
        "7.1.5.1 日志审查（异常事件）",
        "an administrator action outside working hours, not in the release window and not covered by a ticket",
    ),
    rule(
        "change.business_hours",
        "主要业务时间内的变更",
        Medium,
        "7.2.2.4 变更必须在非主要业务时间进行",
        "a change (configuration, release, DDL on a business table) in main business hours without an emergency ticket",
    ),
    rule(
        "login.bruteforce",
        "密码暴力尝试",
        Medium,
        "7.1.7.3 身份认证机制",
        "a burst of failed logins from one address or against one account",
    ),
    rule(
        "login.disabled_account",
        "已禁用账号的登录",
        High,
        "权限管理（离职或退休人员账号禁用）",
        "a login or action by an account that is disabled or departed at that time",
    ),
    rule(
        "account.departed_active",
        "离职人员账号未按时禁用",
        High,
        "权限管理（离职人员当日禁用，外委人员十个工作日内禁用）",
        "an account used after, or not disabled by, its owner's departure deadline",
    ),
    rule(
        "account.dormant_outsourced",
        "长期未登录的外委人员账号",
        Medium,
        "权限管理（3个月以上未登录的外委人员账号）",
        "an active outsourced account with no login for longer than the dormancy limit",
    ),
    rule(
        "release.outside_window",
        "窗口期外的发布",
        Medium,
        "发布管理（每周五晚上为发布窗口期）",
        "a release outside the release window without an emergency release ticket",
    ),
    rule(
        "backup.change_uncovered",
        "变更前后无备份",
        Medium,
        "7.1.5.2 变更实施前后均应进行数据备份",
        "a change with no successful backup of its host shortly before or after it",
    ),
    rule(
        "source.silent",
        "日志来源中断",
        Medium,
        "7.1.5.1 日志记录",
        "a log source that fell silent for longer than its quiet limit",
    ),
    rule(
        "audit.tampering",
        "审计日志被篡改",
        High,
        "7.1.7.3 数据完整性机制",
        "audit rules changed, an audit log cleared, or a log file emptied or removed by a person",
    ),
    rule(
        "backup.missing",
        "备份缺失",
        High,
        "7.1.5.2 定期备份",
        "a scheduled backup run that left no trace in its log",
    ),
    rule(
        "backup.failed",
        "备份失败",
        High,
        "7.1.5.4 检查备份日志，发现问题及时整改补救",
        "a scheduled backup run that failed, with its error line",
    ),
    rule(
        "backup.late",
        "备份延迟",
        Medium,
        "7.1.5.2 定期备份",
        "a scheduled backup run that finished after its grace",
    ),
    rule(
        "backup.undersized",
        "备份大小异常",
        Medium,
        "7.1.5.4 检查备份日志",
        "a backup run smaller (or larger) than its job expects",
    ),
    rule(
        "backup.corrupt",
        "备份文件损坏",
        High,
        "7.1.5.4 检查备份日志",
        "an artefact that failed verification: checksum mismatch, missing, empty, unreadable or not decompressing",
    ),
];

/// The rule with id `id`.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// One thing a person must look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// When it happened (the first event's time, or when the situation began), in the policy zone.
    pub time: DateTime<FixedOffset>,
    /// When it ended, for findings that span time (bursts, silences, repeated use).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<FixedOffset>>,
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<String>,
    pub target: Option<String>,
    pub host: Option<String>,
    pub source: Option<String>,
    /// What happened and what is missing, in one line.
    pub summary: String,
    /// The same in Chinese, for the rules that say it (a report in Chinese falls back to
    /// `summary` for the others).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary_zh: Option<String>,
    /// The ids of the events that show it (`vigil show ID`); empty for a finding about
    /// something that did not happen.
    pub evidence: Vec<String>,
    /// The regulation's clause.
    pub clause: &'static str,
}

impl Finding {
    /// Its summary in Chinese when `zh` and its rule says it in Chinese, else in English.
    pub fn summary_in(&self, zh: bool) -> &str {
        match (&self.summary_zh, zh) {
            (Some(s), true) => s,
            _ => &self.summary,
        }
    }

    /// A key that names this finding across runs over the same events: 16 hex digits of an
    /// FNV-1a hash of its rule, start time, who and what, and first evidence id. A reviewer's
    /// triage of a finding is stored under it (it is not a secret, only a name).
    pub fn key(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let time = self.time.to_rfc3339();
        let parts = [
            self.rule,
            time.as_str(),
            self.actor.as_deref().unwrap_or(""),
            self.target.as_deref().unwrap_or(""),
            self.host.as_deref().unwrap_or(""),
            self.src_ip.as_deref().unwrap_or(""),
            self.evidence.first().map_or("", String::as_str),
        ];
        for p in parts {
            for b in p.bytes().chain(std::iter::once(0x1f)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn finding(rule: &'static str, actor: &str) -> Finding {
        Finding {
            rule,
            severity: Severity::High,
            time: DateTime::parse_from_rfc3339("2026-11-03T09:15:02+08:00").unwrap(),
            until: None,
            actor: Some(actor.into()),
            src_ip: None,
            target: Some("archive_item".into()),
            host: Some("arch-db01".into()),
            source: Some("audit-db01".into()),
            summary: "a summary".into(),
            summary_zh: None,
            evidence: vec!["a24f68d15781eb41000000003d88".into()],
            clause: "",
        }
    }

    #[test]
    fn a_findings_key_is_fixed_by_what_it_is_about_not_by_its_words() {
        let f = finding("data_edit.unapproved", "dba_wang");
        // The key is stored in triage files: it must not change between versions.
        assert_eq!(f.key(), "448de5eaba8b584f");
        let mut reworded = f.clone();
        reworded.summary = "other words".into();
        reworded.severity = Severity::Low;
        assert_eq!(reworded.key(), f.key());
        assert_ne!(finding("data_edit.unapproved", "dba_li").key(), f.key());
        assert_ne!(finding("export.unapproved", "dba_wang").key(), f.key());
    }
}
