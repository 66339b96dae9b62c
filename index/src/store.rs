//! The narrow interface through which checks and reports read events: a time range and field
//! filters in, events or counts per field out. The tantivy [`crate::Searcher`] implements it
//! first; a ClickHouse store can implement it later without the checks changing.

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

    /// Sets the free query.
    pub fn query(mut self, query: impl Into<String>) -> Filter {
        self.query = Some(query.into());
        self
    }
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

    /// How many events the filter selects.
    fn count(&self, filter: &Filter) -> Result<u64>;

    /// Exact counts of the selected events per value of `field`, by count descending then value.
    fn count_by(&self, filter: &Filter, field: &str) -> Result<Vec<(String, u64)>>;
}
