//! The `[policy]` and `[registers]` tables of `vigil.toml`, read into [`vigil_checks::Policy`] and
//! the registers' paths. Every value is checked here, so a mistake names its key and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use vigil_checks::Policy;
use vigil_checks::pattern::Pattern;
use vigil_checks::policy::{
    DaySpan, Excused, JudgedBy, QuietLimit, ReleaseWindow, parse_duration, parse_weekday,
};
use vigil_checks::registers::TicketKind;

use crate::config::{ConfigError, ValueErr, parse_zone};

/// `[registers]`: the CSV registers, relative to the config's folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistersFile {
    /// Approved tickets: ticket, kind, grade, operator, approver, approver_role, approved_at,
    /// valid_from, valid_until, scope.
    #[serde(default)]
    approvals: Option<String>,
    /// HR's accounts: user, name, dept, kind, status, changed_on.
    #[serde(default)]
    accounts: Option<String>,
}

/// One business table pattern and its grade.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    /// A glob over `schema.table` (`public.archive_item`, `archive.flow_*`).
    pattern: String,
    /// 1 (most important: chairman or general manager approves), 2 or 3.
    grade: Spanned<i64>,
}

/// `[policy]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyFile {
    /// The zone every time is judged in (default: `display_zone`).
    #[serde(default)]
    zone: Option<Spanned<String>>,
    /// Days of the week that are working days (default mon..fri).
    #[serde(default)]
    working_days: Option<Spanned<Vec<String>>>,
    /// Main business hours (default `08:30-17:30`).
    #[serde(default)]
    working_hours: Option<Spanned<String>>,
    /// Public holidays (YYYY-MM-DD) that are not working days.
    #[serde(default)]
    holidays: Option<Spanned<Vec<String>>>,
    /// Weekend days that are working days (YYYY-MM-DD).
    #[serde(default)]
    extra_working_days: Option<Spanned<Vec<String>>>,
    /// The weekly release window (default `fri 18:00-24:00`).
    #[serde(default)]
    release_window: Option<Spanned<String>>,
    /// An outsourced account unused this long is dormant (default `90d`).
    #[serde(default)]
    dormant_after: Option<Spanned<String>>,
    /// Working days an outsourced account may stay enabled after its owner leaves (default 10).
    #[serde(default)]
    outsourced_notice_days: Option<Spanned<i64>>,
    /// Failed logins that make a burst (default 5)...
    #[serde(default)]
    bruteforce_failures: Option<Spanned<i64>>,
    /// ...within this time (default `5m`).
    #[serde(default)]
    bruteforce_within: Option<Spanned<String>>,
    /// A change needs a successful backup of its host this long before and after it (default `24h`).
    #[serde(default)]
    change_backup_within: Option<Spanned<String>>,
    /// Server and database administrator accounts.
    #[serde(default)]
    admin_accounts: Vec<String>,
    /// Application roles that administer (default `["admin"]`).
    #[serde(default)]
    admin_roles: Option<Vec<String>>,
    /// Groups that grant administration (default `["sudo", "wheel", "adm"]`).
    #[serde(default)]
    admin_groups: Option<Vec<String>>,
    /// Database superusers.
    #[serde(default)]
    db_superusers: Vec<String>,
    /// The application's own accounts, which write business data by design.
    #[serde(default)]
    service_accounts: Vec<String>,
    /// Accounts whose dumps are backups, not exports.
    #[serde(default)]
    backup_accounts: Vec<String>,
    /// Business tables and their grades, most specific first.
    #[serde(default)]
    tables: Vec<TableFile>,
    /// Approver role → the grades it may approve (default: chairman and general_manager 1-3,
    /// archives_leader 2-3, archives_head 3).
    #[serde(default)]
    approvers: Option<Spanned<BTreeMap<String, Vec<i64>>>>,
    /// Source name → the longest it may stay silent (`6h`).
    #[serde(default)]
    quiet: Option<Spanned<BTreeMap<String, QuietFile>>>,
    #[serde(default)]
    change_actions: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    tamper_patterns: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    offhours_exempt_tickets: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    offhours_counts_logins: Option<bool>,
    #[serde(default)]
    disabled_judged_by: Option<Spanned<String>>,
    #[serde(default)]
    departed_judged_by: Option<Spanned<String>>,
    #[serde(default)]
    bruteforce_invalid_users: Option<bool>,
    /// Numeric login uid → account (auditd's raw format records `auid=1002`).
    #[serde(default)]
    uid_names: Option<Spanned<BTreeMap<String, String>>>,
}

/// The policy and registers, checked.
/// A source's quiet limit: `"4h"`, or `{ limit = "4h", except = ["sun", "22:00-07:00"] }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum QuietFile {
    Limit(String),
    Table {
        limit: String,
        #[serde(default)]
        except: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Checking {
    pub policy: Policy,
    pub approvals: Option<PathBuf>,
    pub accounts: Option<PathBuf>,
}

fn date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; write it as 2026-10-01"))
}

/// Checks `[policy]` and `[registers]`. `display_zone` is the policy's default zone, `sources`
/// the configured source names, `base` the config's folder.
pub(crate) fn checking(
    p: PolicyFile,
    r: RegistersFile,
    display_zone: chrono_tz::Tz,
    sources: &BTreeSet<String>,
    base: &Path,
    err: ValueErr,
) -> Result<Checking, ConfigError> {
    let key = |k: &str| format!("policy.{k}");
    let mut policy = Policy {
        zone: display_zone,
        ..Policy::default()
    };
    if let Some(z) = &p.zone {
        policy.zone = parse_zone(z.get_ref()).map_err(|m| err(z.span(), key("zone"), m))?;
    }
    if let Some(days) = &p.working_days {
        let mut w = [false; 7];
        for d in days.get_ref() {
            let day = parse_weekday(d).map_err(|m| err(days.span(), key("working_days"), m))?;
            w[day.num_days_from_monday() as usize] = true;
        }
        policy.working_days = w;
    }
    if let Some(h) = &p.working_hours {
        policy.working_hours =
            DaySpan::parse(h.get_ref()).map_err(|m| err(h.span(), key("working_hours"), m))?;
    }
    for (list, name, set) in [
        (&p.holidays, "holidays", &mut policy.holidays),
        (
            &p.extra_working_days,
            "extra_working_days",
            &mut policy.extra_working_days,
        ),
    ] {
        if let Some(days) = list {
            for d in days.get_ref() {
                set.insert(date(d).map_err(|m| err(days.span(), key(name), m))?);
            }
        }
    }
    if let Some(w) = &p.release_window {
        policy.release_window = ReleaseWindow::parse(w.get_ref())
            .map_err(|m| err(w.span(), key("release_window"), m))?;
    }
    for (value, name, slot) in [
        (&p.dormant_after, "dormant_after", &mut policy.dormant_after),
        (
            &p.bruteforce_within,
            "bruteforce_within",
            &mut policy.bruteforce_within,
        ),
        (
            &p.change_backup_within,
            "change_backup_within",
            &mut policy.change_backup_within,
        ),
    ] {
        if let Some(v) = value {
            *slot = parse_duration(v.get_ref()).map_err(|m| err(v.span(), key(name), m))?;
        }
    }
    if let Some(n) = &p.outsourced_notice_days {
        policy.outsourced_notice_days = u32::try_from(*n.get_ref())
            .ok()
            .filter(|d| *d <= 366)
            .ok_or_else(|| {
                err(
                    n.span(),
                    key("outsourced_notice_days"),
                    "must be a number of days from 0 to 366".into(),
                )
            })?;
    }
    if let Some(n) = &p.bruteforce_failures {
        policy.bruteforce_failures = usize::try_from(*n.get_ref())
            .ok()
            .filter(|n| (2..=10_000).contains(n))
            .ok_or_else(|| {
                err(
                    n.span(),
                    key("bruteforce_failures"),
                    "must be a count from 2 to 10000".into(),
                )
            })?;
    }
    let set = |v: Vec<String>| v.into_iter().map(|s| s.trim().to_string()).collect();
    policy.admin_accounts = set(p.admin_accounts);
    if let Some(v) = p.admin_roles {
        policy.admin_roles = set(v);
    }
    if let Some(v) = p.admin_groups {
        policy.admin_groups = set(v);
    }
    policy.db_superusers = set(p.db_superusers);
    policy.service_accounts = set(p.service_accounts);
    policy.backup_accounts = set(p.backup_accounts);
    for (n, t) in p.tables.into_iter().enumerate() {
        let grade = u8::try_from(*t.grade.get_ref())
            .ok()
            .filter(|g| (1..=3).contains(g))
            .ok_or_else(|| {
                err(
                    t.grade.span(),
                    key(&format!("tables[{n}].grade")),
                    "must be 1, 2 or 3".into(),
                )
            })?;
        if t.pattern.trim().is_empty() {
            return Err(err(
                t.grade.span(),
                key(&format!("tables[{n}].pattern")),
                "is empty; write a table such as public.archive_item".into(),
            ));
        }
        policy.tables.push((Pattern::new(&t.pattern), grade));
    }
    if let Some(a) = &p.approvers {
        let mut approvers = BTreeMap::new();
        for (role, grades) in a.get_ref() {
            let mut g = BTreeSet::new();
            for n in grades {
                let grade = u8::try_from(*n)
                    .ok()
                    .filter(|g| (1..=3).contains(g))
                    .ok_or_else(|| {
                        err(
                            a.span(),
                            key(&format!("approvers.{role}")),
                            format!("{n} is not a grade; use 1, 2 or 3"),
                        )
                    })?;
                g.insert(grade);
            }
            approvers.insert(role.clone(), g);
        }
        policy.approvers = approvers;
    }
    if let Some(q) = &p.quiet {
        for (source, limit) in q.get_ref() {
            if !sources.contains(source) {
                return Err(err(
                    q.span(),
                    key(&format!("quiet.{source}")),
                    format!(
                        "{source:?} is not a configured source; the sources are {}",
                        sources.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            let k = key(&format!("quiet.{source}"));
            let (limit, except) = match limit {
                QuietFile::Limit(l) => (l, &[][..]),
                QuietFile::Table { limit, except } => (limit, except.as_slice()),
            };
            let limit = parse_duration(limit).map_err(|m| err(q.span(), k.clone(), m))?;
            let mut q_limit = QuietLimit::from(limit);
            for (n, e) in except.iter().enumerate() {
                q_limit.except.push(
                    Excused::parse(e).map_err(|m| err(q.span(), format!("{k}.except[{n}]"), m))?,
                );
            }
            policy.quiet.insert(source.clone(), q_limit);
        }
    }
    if let Some(u) = &p.uid_names {
        for (uid, name) in u.get_ref() {
            if uid.is_empty() || !uid.bytes().all(|b| b.is_ascii_digit()) || name.trim().is_empty()
            {
                return Err(err(
                    u.span(),
                    key(&format!("uid_names.{uid}")),
                    "write a numeric uid and an account name, such as \"1002\" = \"ops_zhao\""
                        .into(),
                ));
            }
            policy
                .uid_names
                .insert(uid.clone(), name.trim().to_string());
        }
    }
    if let Some(a) = &p.change_actions {
        let mut set = BTreeSet::new();
        for action in a.get_ref() {
            if vigil_parsers::vocab::category_of(action).is_none() {
                return Err(err(
                    a.span(),
                    key("change_actions"),
                    format!(
                        "{action:?} is not an action of the vocabulary (see the README's actions); changes are such as config.change, release.deploy, db.ddl"
                    ),
                ));
            }
            set.insert(action.clone());
        }
        policy.change_actions = set;
    }
    if let Some(list) = &p.tamper_patterns {
        let mut compiled = Vec::new();
        for (n, pat) in list.get_ref().iter().enumerate() {
            let re = regex::Regex::new(pat).map_err(|e| {
                let why = e.to_string();
                let last = why.lines().last().unwrap_or("").trim().to_string();
                err(
                    list.span(),
                    key(&format!("tamper_patterns[{n}]")),
                    format!("{pat:?} is not a regex: {last}"),
                )
            })?;
            compiled.push((pat.clone(), re));
        }
        policy.tamper_patterns = compiled;
    }
    if let Some(list) = &p.offhours_exempt_tickets {
        let mut kinds = Vec::new();
        let mut any = false;
        for name in list.get_ref() {
            if name == "any" {
                any = true;
                continue;
            }
            kinds.push(TicketKind::parse(name).ok_or_else(|| {
                err(
                    list.span(),
                    key("offhours_exempt_tickets"),
                    format!(
                        "{name:?} is not a ticket kind; use any, or some of {}",
                        TicketKind::names().join(", ")
                    ),
                )
            })?);
        }
        policy.offhours_exempt_tickets = if any { None } else { Some(kinds) };
    }
    if let Some(b) = p.offhours_counts_logins {
        policy.offhours_counts_logins = b;
    }
    if let Some(b) = p.bruteforce_invalid_users {
        policy.bruteforce_invalid_users = b;
    }
    for (value, name, slot) in [
        (
            &p.disabled_judged_by,
            "disabled_judged_by",
            &mut policy.disabled_judged_by,
        ),
        (
            &p.departed_judged_by,
            "departed_judged_by",
            &mut policy.departed_judged_by,
        ),
    ] {
        if let Some(v) = value {
            *slot = JudgedBy::parse(v.get_ref()).map_err(|m| err(v.span(), key(name), m))?;
        }
    }
    if let Err((k, m)) = policy.validate() {
        return Err(err(0..0, key(&k), m));
    }
    let path = |p: Option<String>| p.map(|p| base.join(p));
    Ok(Checking {
        policy,
        approvals: path(r.approvals),
        accounts: path(r.accounts),
    })
}
