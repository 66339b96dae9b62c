//! The narrow interface through which checks and reports read events: a time range and field
//! filters in, events or counts per field out. The tantivy [`crate::Searcher`] implements it
//! first; a ClickHouse store can implement it later without the checks changing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use vigil_parsers::Event;

use crate::error::Result;

/// Which events: all conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// From this time on (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// Exact values of keyword fields (`("action", "db.update")`, `("actor", "zhangsan")`).
    pub terms: Vec<(String, String)>,
    /// Keyword fields that must hold one of the listed values (`action` one of `db.insert`,
    /// `db.update`). An empty list selects nothing.
    pub one_of: Vec<(String, Vec<String>)>,
    /// Keyword fields that must hold none of the listed values (an event without the field
    /// passes).
    pub none_of: Vec<(String, Vec<String>)>,
    /// A free query in the store's query language (tantivy syntax for the index), if any.
    pub query: Option<String>,
}

impl Filter {
    /// Every event.
    pub fn all() -> Filter {
        Filter::default()
    }

    /// Events in `[since, until)`.
    pub fn between(since: DateTime<Utc>, until: DateTime<Utc>) -> Filter {
        Filter {
            since: Some(since),
            until: Some(until),
            ..Filter::default()
        }
    }

    /// Adds the condition `field` = `value` (exactly).
    pub fn term(mut self, field: impl Into<String>, value: impl Into<String>) -> Filter {
        self.terms.push((field.into(), value.into()));
        self
    }

    /// Adds the condition `field` is one of `values` (exactly).
    pub fn one_of<S: Into<String>>(
        mut self,
        field: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Filter {
        self.one_of
            .push((field.into(), values.into_iter().map(Into::into).collect()));
        self
    }

    /// Adds the condition `field` is none of `values`.
    pub fn none_of<S: Into<String>>(
        mut self,
        field: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Filter {
        self.none_of
            .push((field.into(), values.into_iter().map(Into::into).collect()));
        self
    }

    /// Sets the free query.
    pub fn query(mut self, query: impl Into<String>) -> Filter {
        self.query = Some(query.into());
        self
    }
}

/// An event's time, id and keyword fields, read without loading the stored event: what most
/// checks need, at a fraction of the cost of an [`Event`]. Values repeat across rows (a few
/// actors, hosts and actions), so they are shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub ts: DateTime<Utc>,
    pub id: Arc<str>,
    pub host: Arc<str>,
    pub source: Arc<str>,
    pub category: Arc<str>,
    pub action: Arc<str>,
    pub outcome: Arc<str>,
    pub actor: Option<Arc<str>>,
    /// The serde name of the role (`admin`, `service`, ...).
    pub actor_role: Option<Arc<str>>,
    pub src_ip: Option<Arc<str>>,
    pub target: Option<Arc<str>>,
    pub ticket: Option<Arc<str>>,
}

/// A store of events that checks and reports can read.
pub trait EventStore {
    /// Every event the filter selects, oldest first (ties by id).
    fn events(&self, filter: &Filter) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        self.each(filter, &mut |e| {
            out.push(e);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with every event the filter selects, oldest first (ties by id), without holding
    /// them all in memory: for checks over a month of a busy system. An error from `f` stops the
    /// walk and is returned.
    fn each(&self, filter: &Filter, f: &mut dyn FnMut(Event) -> Result<()>) -> Result<()>;

    /// The [`Row`] of every event the filter selects, oldest first (ties by id).
    fn rows(&self, filter: &Filter) -> Result<Vec<Row>>;

    /// The time of every event the filter selects, oldest first: for gaps and spans over
    /// millions of events.
    fn times(&self, filter: &Filter) -> Result<Vec<DateTime<Utc>>>;

    /// The times of the oldest and the newest event the filter selects, if it selects any.
    fn span(&self, filter: &Filter) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>>;

    /// How many events the filter selects.
    fn count(&self, filter: &Filter) -> Result<u64>;

    /// Exact counts of the selected events per value of `field`, by count descending then value.
    fn count_by(&self, filter: &Filter, field: &str) -> Result<Vec<(String, u64)>>;
}

/// Where events are written: the index ([`crate::IndexWriter`]) or another store. Events added
/// since the last commit are the writer's until it commits them with the checkpoints (and the
/// evidence archive's state) that produced them; after a crash the next writer resumes from the
/// last commit's checkpoints, and events it sends again are kept once (by id).
pub trait EventWriter: Send {
    /// Adds `event`, replacing any event of the same id.
    fn add(&mut self, event: Event) -> Result<()>;
    /// Adds `event`, which the caller knows is in no commit (see
    /// [`crate::IndexWriter::add_fresh`]).
    fn add_fresh(&mut self, event: Event) -> Result<()> {
        self.add(event)
    }
    /// Commits what was added, with `checkpoints` and the archive's state.
    fn commit_with_archive(
        &mut self,
        checkpoints: &crate::Checkpoints,
        archive: Option<serde_json::Value>,
    ) -> Result<u64>;
    /// The checkpoints of the last commit.
    fn checkpoints(&self) -> &crate::Checkpoints;
    /// The archive state of the last commit.
    fn archive_state(&self) -> Option<&serde_json::Value>;
    /// What the writer writes to, for messages.
    fn path(&self) -> &std::path::Path;
    /// Ends a run of adds (the index merges its small segments) and releases the writer's lock.
    fn finish_run(self: Box<Self>) -> Result<()>;
    /// Releases the writer's lock.
    fn close_writer(self: Box<Self>) -> Result<()>;
}

impl EventWriter for crate::IndexWriter {
    fn add(&mut self, event: Event) -> Result<()> {
        crate::IndexWriter::add(self, event)
    }
    fn add_fresh(&mut self, event: Event) -> Result<()> {
        crate::IndexWriter::add_fresh(self, event)
    }
    fn commit_with_archive(
        &mut self,
        checkpoints: &crate::Checkpoints,
        archive: Option<serde_json::Value>,
    ) -> Result<u64> {
        crate::IndexWriter::commit_with_archive(self, checkpoints, archive)
    }
    fn checkpoints(&self) -> &crate::Checkpoints {
        crate::IndexWriter::checkpoints(self)
    }
    fn archive_state(&self) -> Option<&serde_json::Value> {
        crate::IndexWriter::archive_state(self)
    }
    fn path(&self) -> &std::path::Path {
        crate::IndexWriter::path(self)
    }
    fn finish_run(self: Box<Self>) -> Result<()> {
        crate::IndexWriter::finish(*self).map(|_| ())
    }
    fn close_writer(self: Box<Self>) -> Result<()> {
        crate::IndexWriter::close(*self)
    }
}
