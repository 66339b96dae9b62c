//! The rules, one module per family, and what they share: the run's context, finding
//! construction, and the grouping of the several lines one act writes into one act.

mod accounts;
mod admin;
mod backups;
pub(crate) mod data;
mod logins;
mod ops;

use std::cell::OnceCell;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use vigil_index::{EventStore, Filter, Row};

use crate::error::Result;
use crate::finding::{Finding, rule_by_id};
use crate::policy::Policy;
use crate::registers::{Accounts, Approvals};

/// Each backup job (its index in `Ctx::jobs`) and the verdicts on its runs.
pub(crate) type JobVerdicts = Vec<(usize, Vec<vigil_backups::jobs::RunVerdict>)>;

/// What every rule reads.
pub(crate) struct Ctx<'a> {
    pub store: &'a dyn EventStore,
    pub policy: &'a Policy,
    pub approvals: &'a Approvals,
    pub accounts: &'a Accounts,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub newest: Option<DateTime<Utc>>,
    pub jobs: &'a [vigil_backups::jobs::Job],
    /// The administrator acts of the period, read once for the two rules that judge them.
    pub admin_acts: OnceCell<Vec<Vec<Row>>>,
    /// Each backup job's verdicts, judged once for the four rules that report them.
    pub backup_runs: OnceCell<JobVerdicts>,
    /// The period's backend data edits, judged once for the two rules that report them.
    pub data_edits: OnceCell<Vec<data::DataEdit>>,
}

/// Runs the rule `id`.
pub(crate) fn run(ctx: &Ctx, id: &'static str) -> Result<Vec<Finding>> {
    match id {
        "data_edit.unapproved" => data::edits(ctx, false),
        "data_edit.grade" => data::edits(ctx, true),
        "data_export.unapproved" => data::exports(ctx),
        "permission.unapproved" => data::permissions(ctx),
        "admin.action" => admin::actions(ctx, false),
        "admin.offhours" => admin::actions(ctx, true),
        "change.business_hours" => admin::business_hours_changes(ctx),
        "release.outside_window" => admin::releases(ctx),
        "audit.tampering" => admin::tampering(ctx),
        "login.bruteforce" => logins::bruteforce(ctx),
        "login.disabled_account" => accounts::disabled_account_use(ctx),
        "account.departed_active" => accounts::departed_active(ctx),
        "account.dormant_outsourced" => accounts::dormant_outsourced(ctx),
        "backup.change_uncovered" => ops::change_uncovered(ctx),
        "source.silent" => ops::silent_sources(ctx),
        "backup.missing" | "backup.failed" | "backup.late" | "backup.undersized" => {
            backups::runs(ctx, id)
        }
        "backup.corrupt" => backups::corrupt(ctx),
        _ => Ok(Vec::new()),
    }
}

/// The value of `cell`, made by `make` the first time it is asked for.
pub(crate) fn once<T>(cell: &OnceCell<T>, make: impl FnOnce() -> Result<T>) -> Result<&T> {
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let v = make()?;
    Ok(cell.get_or_init(|| v))
}

/// The actions of backend data edits.
pub(crate) const EDITS: [&str; 4] = ["db.insert", "db.update", "db.delete", "db.ddl"];
/// The actions of commands run by a person.
pub(crate) const COMMANDS: [&str; 2] = ["sudo.command", "process.exec"];

impl Ctx<'_> {
    /// The events of the period.
    pub fn period(&self) -> Filter {
        Filter::between(self.since, self.until)
    }

    /// The rows `filter` selects, with numeric uids named (policy `uid_names`).
    pub fn rows(&self, filter: &Filter) -> Result<Vec<Row>> {
        let mut rows = self.store.rows(filter)?;
        let names = &self.policy.uid_names;
        if !names.is_empty() {
            for r in &mut rows {
                if let Some(name) = r.actor.as_deref().and_then(|a| names.get(a)) {
                    r.actor = Some(Arc::from(name.as_str()));
                }
            }
        }
        Ok(rows)
    }

    /// The values an actor filter for `names` must hold: the names and their uids.
    pub fn actors<I: IntoIterator<Item = S>, S: Into<String>>(&self, names: I) -> Vec<String> {
        let mut out: Vec<String> = names.into_iter().map(Into::into).collect();
        let uids: Vec<String> = self
            .policy
            .uid_names
            .iter()
            .filter(|(_, n)| out.contains(n))
            .map(|(u, _)| u.clone())
            .collect();
        out.extend(uids);
        out
    }

    /// The commands run by a person (sudo's lines, auditd's records) in the period whose text
    /// holds, for one of `clauses` (programs, verbs), one of its programs and (unless it lists
    /// none) one of its verbs. The index narrows them down; the caller's test decides. Each row's
    /// target is replaced by its command line.
    pub fn commands(&self, clauses: &[(&[&str], &[&str])]) -> Result<Vec<Row>> {
        let any = |words: &[&str]| {
            let w: Vec<String> = words
                .iter()
                .map(|w| format!("\"{}\"", w.replace('"', "")))
                .collect();
            format!("({})", w.join(" OR "))
        };
        let query = clauses
            .iter()
            .filter(|(programs, _)| !programs.is_empty())
            .map(|(programs, verbs)| {
                if verbs.is_empty() {
                    format!("({})", any(programs))
                } else {
                    format!("({} AND {})", any(programs), any(verbs))
                }
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let filter = self.period().one_of("action", COMMANDS).query(query);
        let ids: Vec<String> = self
            .rows(&filter)?
            .iter()
            .map(|r| r.id.to_string())
            .collect();
        self.with_commands(ids)
    }

    /// Who ran the account tool that wrote `row` when its own line names nobody (usermod,
    /// gpasswd, useradd... in auth.log): the actor of the sudo command on the same host, at most
    /// five seconds before it (or one after: the two lines may share a second), that runs one of
    /// `programs`; the closest in time. Its row is returned too, as evidence.
    pub fn sudo_actor(&self, row: &Row, programs: &[&str]) -> Result<Option<Row>> {
        let filter = Filter::between(
            row.ts - TimeDelta::seconds(5),
            row.ts + TimeDelta::seconds(2),
        )
        .term("host", row.host.to_string())
        .term("action", "sudo.command");
        let ids: Vec<String> = self
            .rows(&filter)?
            .into_iter()
            .filter(|r| r.outcome.as_ref() != "failure")
            .map(|r| r.id.to_string())
            .collect();
        let mut found: Vec<Row> = self
            .with_commands(ids)?
            .into_iter()
            .filter(|r| r.actor.is_some() && r.target.as_deref().is_some_and(|c| runs(c, programs)))
            .collect();
        found.sort_by_key(|r| (r.ts - row.ts).abs());
        Ok(found.into_iter().next())
    }

    /// The rows of the events `ids`, each with its command line (sudo's `command` field, auditd's
    /// decoded command, or else its target) as its target.
    pub fn with_commands(&self, ids: Vec<String>) -> Result<Vec<Row>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = Filter::all().one_of("id", ids);
        let rows = self.rows(&filter)?;
        let events = self.store.events(&filter)?;
        let mut out = Vec::with_capacity(rows.len());
        for (mut row, e) in rows.into_iter().zip(events) {
            let command = ["command", "cmd", "proctitle"]
                .iter()
                .find_map(|k| e.fields.get(k).and_then(|v| v.as_str()).map(str::to_string))
                .or_else(|| e.target.clone());
            if let Some(c) = command {
                row.target = Some(Arc::from(c.as_str()));
            }
            out.push(row);
        }
        Ok(out)
    }

    /// `t` as people read it in the policy's zone: `2026-11-06 11:26:20`.
    pub fn fmt(&self, t: DateTime<Utc>) -> String {
        self.policy.local(t).format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// A finding of `rule` at `t`, without event.
    pub fn finding(&self, rule: &'static str, t: DateTime<Utc>, summary: String) -> Finding {
        let (severity, clause) =
            rule_by_id(rule).map_or((crate::Severity::High, ""), |r| (r.severity, r.clause));
        Finding {
            rule,
            severity,
            time: self.policy.local(t).fixed_offset(),
            until: None,
            actor: None,
            src_ip: None,
            target: None,
            host: None,
            source: None,
            summary,
            summary_zh: None,
            evidence: Vec::new(),
            clause,
        }
    }

    /// A finding of `rule` shown by the events `rows` (the first gives time, actor, target,
    /// host and source).
    pub fn finding_of(&self, rule: &'static str, rows: &[Row], summary: String) -> Finding {
        let Some(first) = rows.first() else {
            return self.finding(rule, self.since, summary);
        };
        let mut f = self.finding(rule, first.ts, summary);
        f.actor = first.actor.as_deref().map(str::to_string);
        f.src_ip = first.src_ip.as_deref().map(str::to_string);
        f.target = first.target.as_deref().map(str::to_string);
        f.host = Some(first.host.to_string());
        f.source = Some(first.source.to_string());
        f.evidence = rows.iter().map(|r| r.id.to_string()).collect();
        f
    }

    /// Sets `until` to the time of the last of `rows` when it differs from the first.
    pub fn span(&self, f: &mut Finding, rows: &[Row]) {
        if let (Some(a), Some(b)) = (rows.first(), rows.last())
            && a.ts != b.ts
        {
            f.until = Some(self.policy.local(b.ts).fixed_offset());
        }
    }
}

/// The value of an optional row field, or `-`.
pub(crate) fn or_dash(v: &Option<Arc<str>>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// A command line with its program's directory removed (`/usr/bin/vim x` → `vim x`), so that
/// sudo's line and auditd's record of the same command compare equal.
pub(crate) fn command_key(target: &str) -> String {
    let t = target.trim();
    let (program, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    let program = program.rsplit('/').next().unwrap_or(program);
    if rest.is_empty() {
        program.to_string()
    } else {
        format!("{program} {}", rest.trim())
    }
}

/// Groups rows (oldest first) into acts: the lines that one act writes to several logs (sudo's
/// line in auth.log, auditd's USER_CMD and EXECVE records) share host, actor and command and
/// fall within two seconds of each other.
pub(crate) fn acts(rows: Vec<Row>) -> Vec<Vec<Row>> {
    let window = TimeDelta::seconds(2);
    let mut out: Vec<(String, Vec<Row>)> = Vec::new();
    // Acts still open for joining: indexes into `out`.
    let mut open: Vec<usize> = Vec::new();
    for row in rows {
        let key = format!(
            "{}\u{1}{}\u{1}{}",
            row.host,
            or_dash(&row.actor),
            row.target.as_deref().map(command_key).unwrap_or_default()
        );
        open.retain(|&i| out[i].1.first().is_some_and(|f| row.ts - f.ts <= window));
        match open.iter().find(|&&i| out[i].0 == key) {
            Some(&i) => out[i].1.push(row),
            None => {
                open.push(out.len());
                out.push((key, vec![row]));
            }
        }
    }
    out.into_iter().map(|(_, rows)| rows).collect()
}

/// Whether a command line runs `program` (as its program, or through `sudo`, `env`, `nohup`).
pub(crate) fn runs(command: &str, programs: &[&str]) -> bool {
    command
        .split(|c: char| c.is_whitespace() || c == ';' || c == '|' || c == '&')
        .filter(|w| !w.is_empty())
        .take(4)
        .any(|w| {
            let base = w.rsplit('/').next().unwrap_or(w);
            programs.contains(&base)
        })
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_compare_without_their_directory() {
        assert_eq!(
            command_key("/usr/bin/vim /etc/nginx/nginx.conf"),
            "vim /etc/nginx/nginx.conf"
        );
        assert_eq!(
            command_key("vim  /etc/nginx/nginx.conf"),
            "vim /etc/nginx/nginx.conf"
        );
        assert!(runs(
            "/usr/bin/pg_dump -t public.archive_item archive",
            &["pg_dump"]
        ));
        assert!(runs("sudo -u postgres pg_dump archive", &["pg_dump"]));
        assert!(!runs("/usr/bin/vim /root/pg_dump.txt", &["pg_dump"]));
    }
}

#[cfg(test)]
mod rule_tests;

#[cfg(test)]
mod policy_tests;
