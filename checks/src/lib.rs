//! vigil-checks: the operations regulation's rules, run over the events of a period.
//!
//! The checks read events through [`vigil_index::EventStore`] (never the raw files), plus the
//! registers of approvals and accounts and the site's [`Policy`], and produce [`Finding`]s: each
//! with its rule, severity, time, actor and target, a one-line summary a person can act on, the
//! evidence event ids and the clause of the regulation it enforces. Every time is judged as the
//! event's time in the policy's zone.
//!
//! | module | what it holds |
//! |---|---|
//! | [`policy`] | [`Policy`]: accounts, tables and grades, calendar, release window, limits |
//! | [`registers`] | [`Approvals`] and [`Accounts`]: the CSV registers, validated on load |
//! | [`finding`] | [`Finding`], [`Severity`] and [`RULES`], the table of rules and clauses |
//! | `rules` | one module per family of rules (data, admin, logins, accounts, operations) |
//!
//! The rules are in [`RULES`]; their exact meaning is documented on each rule's function and in
//! the README.

mod csv;
pub mod error;
pub mod finding;
pub mod pattern;
pub mod policy;
pub mod registers;
mod rules;

use chrono::{DateTime, Utc};
use vigil_index::{EventStore, Filter};

pub use error::{Error, Result};
pub use finding::{Finding, RULES, Rule, Severity, rule_by_id};
pub use policy::Policy;
pub use registers::{Accounts, Approvals};
pub use rules::data::{DataEdit, EditVerdict};

/// Everything a run of the checks reads.
pub struct Checks<'a> {
    pub store: &'a dyn EventStore,
    pub policy: &'a Policy,
    pub approvals: &'a Approvals,
    pub accounts: &'a Accounts,
    /// The backup jobs whose runs the backup rules judge.
    pub jobs: &'a [vigil_backups::jobs::Job],
}

/// The findings of a run, and what the run knew.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// By time, then rule, then first evidence id.
    pub findings: Vec<Finding>,
    /// The newest event in the store: findings about what did not happen (silence, no backup
    /// after a change) are judged only up to it.
    pub newest: Option<DateTime<Utc>>,
    /// How long each rule took, in rule order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Checks<'_> {
    /// Every backend data edit of `[since, until)` with the ticket that covers it (or why none
    /// does): what the monthly report lists, and what `data_edit.unapproved` and `data_edit.grade`
    /// judge.
    pub fn data_edits(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<DataEdit>> {
        let ctx = self.context(since, until, None);
        rules::data::data_edits(&ctx)
    }

    fn context(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        newest: Option<DateTime<Utc>>,
    ) -> rules::Ctx<'_> {
        rules::Ctx {
            store: self.store,
            policy: self.policy,
            approvals: self.approvals,
            accounts: self.accounts,
            since,
            until,
            newest,
            jobs: self.jobs,
            admin_acts: std::cell::OnceCell::new(),
            backup_runs: std::cell::OnceCell::new(),
            data_edits: std::cell::OnceCell::new(),
        }
    }

    /// Runs the rules `rules` (ids of [`RULES`]; empty = all) over the events of
    /// `[since, until)`. Unknown ids are the caller's to refuse (see [`rule_by_id`]).
    pub fn run(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        rules: &[&str],
    ) -> Result<Outcome> {
        let newest = self.store.span(&Filter::all())?.map(|(_, b)| b);
        let ctx = self.context(since, until, newest);
        let mut findings = Vec::new();
        let mut timings = Vec::new();
        for rule in RULES
            .iter()
            .filter(|r| rules.is_empty() || rules.contains(&r.id))
        {
            let started = std::time::Instant::now();
            findings.extend(rules::run(&ctx, rule.id)?);
            timings.push((rule.id, started.elapsed()));
        }
        let order = |f: &Finding| {
            RULES
                .iter()
                .position(|r| r.id == f.rule)
                .unwrap_or(usize::MAX)
        };
        findings.sort_by(|a, b| {
            (a.time, order(a), a.evidence.first()).cmp(&(b.time, order(b), b.evidence.first()))
        });
        // Every rule says its findings in Chinese too (the report in Chinese shows them): every
        // test run of the rules holds them to it.
        debug_assert!(
            findings
                .iter()
                .all(|f| f.summary_zh.as_deref().is_some_and(|z| !z.is_empty())),
            "a finding without its Chinese summary: {:?}",
            findings
                .iter()
                .find(|f| f.summary_zh.is_none())
                .map(|f| f.rule)
        );
        Ok(Outcome {
            findings,
            newest,
            timings,
        })
    }
}
