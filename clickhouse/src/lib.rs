//! vigil's events in ClickHouse: the second implementation of [`vigil_index::EventStore`], for
//! sites whose events outgrow one machine's index.
//!
//! **Tables.** On every shard, `events_local`: a `ReplacingMergeTree` partitioned by month and
//! ordered by `(source, ts, id)`. With a cluster, `events` is a `Distributed` table over the
//! shards' `events_local`, sharded by `cityHash64(id)`, so that every copy of an event lands on
//! the same shard; without one, `events` is the `ReplacingMergeTree` itself. Each row holds the
//! columns the filters and counts read and the whole event as JSON.
//!
//! **Exactly once.** An event's id is stable (its file's fingerprint and its offset). A batch
//! sent again after a crash or a retry inserts rows with ids already there; the
//! `ReplacingMergeTree` keeps one row per `(source, ts, id)` when it merges, and every read
//! counts and lists each id once before the merge has run (`uniqExact(id)`, `LIMIT 1 BY id`;
//! `FINAL`, which merges at read time, took 3.5 s a search on 4.9 M events here). Copies of an
//! event are identical and live on the same shard (the table is sharded by id). So a retried
//! insert duplicates nothing, and nothing is lost as long as the writer sends again what it had not seen
//! committed. ClickHouse 18.16 (Debian's) deduplicates inserted blocks only in replicated
//! tables, so this store does not rely on block deduplication.
//!
//! **Versions.** Tested with ClickHouse 18.16.1 (Debian 12's `clickhouse-server`): it has no
//! query parameters, no `hasToken` and no token bloom filter indexes, so words are matched by
//! `match()` over the lowercased message and values are quoted by one function ([`sql::quote`]).

pub mod http;
pub mod sql;
pub mod writer;

pub use writer::ClickHouseWriter;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use vigil_index::{EventStore, Filter, Row};
use vigil_parsers::Event;

/// What went wrong with ClickHouse.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("ClickHouse at {addr}: {message}")]
    Server { addr: String, message: String },
    #[error("[store]: {message}")]
    Config { message: String },
    #[error("bad query: {message}")]
    Query { message: String },
    #[error("ClickHouse returned a row vigil cannot read: {message}")]
    Row { message: String },
}

impl From<Error> for vigil_index::Error {
    fn from(e: Error) -> vigil_index::Error {
        vigil_index::Error::Store {
            store: "clickhouse".into(),
            message: e.to_string(),
        }
    }
}

/// Where the events are: the server queries go to, the database, and, for a cluster, its name
/// in the servers' `remote_servers` and every shard's server (tables are made on each).
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    pub database: String,
    pub user: String,
    pub password: Option<String>,
    pub cluster: Option<String>,
    pub shards: Vec<String>,
    /// Events sent per insert by a writer.
    pub batch: usize,
}

/// The ClickHouse event store.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) main: http::Endpoint,
    shards: Vec<http::Endpoint>,
    pub(crate) database: String,
    cluster: Option<String>,
    pub(crate) batch: usize,
}

/// The columns of a row, in order.
const COLUMNS: &str = "id String, ts DateTime, ts_us Int64, source String, host String, format String, category String, action String, outcome String, actor Nullable(String), actor_role Nullable(String), src_ip Nullable(String), ip_set UInt8, ip_hi UInt64, ip_lo UInt64, target Nullable(String), ticket Nullable(String), path String, message String, text String, raw String, event String";

impl Store {
    /// A store for `s` (nothing is asked of the server yet).
    pub fn new(s: &Settings) -> Result<Store, Error> {
        let main = http::Endpoint::parse(&s.url, &s.user, s.password.clone())?;
        let shards = s
            .shards
            .iter()
            .map(|u| http::Endpoint::parse(u, &s.user, s.password.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        if s.cluster.is_some() && shards.is_empty() {
            return Err(Error::Config {
                message: "a cluster needs its shards' urls (shards = [...]) to make its tables"
                    .into(),
            });
        }
        if !s
            .database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || s.database.is_empty()
        {
            return Err(Error::Config {
                message: format!("database {:?}: use letters, digits and _", s.database),
            });
        }
        Ok(Store {
            main,
            shards,
            database: s.database.clone(),
            cluster: s.cluster.clone(),
            batch: s.batch.max(1),
        })
    }

    fn table(&self) -> String {
        format!("{}.events", self.database)
    }

    /// Makes the database and the tables where they are missing.
    pub fn create(&self) -> Result<(), Error> {
        let db = &self.database;
        let local = |name: &str| {
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.{name} ({COLUMNS}) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (source, ts, id)"
            )
        };
        // The writers' committed states: one small table on the server queries go to.
        let state = format!(
            "CREATE TABLE IF NOT EXISTS {db}.state (key String, version Int64, state String) ENGINE = ReplacingMergeTree(version) ORDER BY key"
        );
        match &self.cluster {
            None => {
                self.main
                    .post(&format!("CREATE DATABASE IF NOT EXISTS {db}"), b"", &[])?;
                self.main.post(&local("events"), b"", &[])?;
                self.main.post(&state, b"", &[])?;
            }
            Some(cluster) => {
                for shard in &self.shards {
                    shard.post(&format!("CREATE DATABASE IF NOT EXISTS {db}"), b"", &[])?;
                    shard.post(&local("events_local"), b"", &[])?;
                }
                self.main
                    .post(&format!("CREATE DATABASE IF NOT EXISTS {db}"), b"", &[])?;
                self.main.post(
                    &format!(
                        "CREATE TABLE IF NOT EXISTS {db}.events ({COLUMNS}) ENGINE = Distributed({cluster}, {db}, events_local, cityHash64(id))",
                        cluster = sql::quote(cluster)
                    ),
                    b"",
                    &[],
                )?;
                self.main.post(&state, b"", &[])?;
            }
        }
        Ok(())
    }

    /// Inserts `events` in one request (through the distributed table synchronously: when it
    /// returns, every shard has its rows). Sending the same events again adds no event.
    pub fn insert(&self, events: &[Event]) -> Result<(), Error> {
        if events.is_empty() {
            return Ok(());
        }
        let mut body = Vec::with_capacity(events.len() * 600);
        for e in events {
            let row = row_json(e).map_err(|message| Error::Row { message })?;
            body.extend_from_slice(row.as_bytes());
            body.push(b'\n');
        }
        self.main.post(
            &format!("INSERT INTO {} FORMAT JSONEachRow", self.table()),
            &body,
            &[("insert_distributed_sync", "1")],
        )?;
        Ok(())
    }

    fn select(&self, what: &str, filter: &Filter, tail: &str) -> Result<String, Error> {
        let sql = format!(
            "SELECT {what} FROM {} WHERE {} {tail} FORMAT TabSeparated",
            self.table(),
            sql::filter(filter)?
        );
        // A check may ask for thousands of ids by value (`id IN (...)`): past the default 256 KiB
        // of SQL.
        let out = self.main.post(
            &sql,
            b"",
            &[
                ("max_query_size", "1073741824"),
                ("max_ast_elements", "100000000"),
                ("max_expanded_ast_elements", "100000000"),
            ],
        )?;
        String::from_utf8(out).map_err(|e| Error::Row {
            message: e.to_string(),
        })
    }

    /// The events that `query` (vigil's language) selects within `[since, until)`: how many,
    /// and the newest `limit` (0: all), newest first.
    pub fn search(
        &self,
        query: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<(u64, Vec<Event>), Error> {
        let mut f = Filter {
            since,
            until,
            ..Filter::default()
        };
        if !query.trim().is_empty() && query.trim() != "*" {
            f.query = Some(query.to_string());
        }
        let total = self.count_of(&f)?;
        let tail = if limit == 0 {
            "ORDER BY ts_us DESC, id DESC LIMIT 1 BY id".to_string()
        } else {
            format!("ORDER BY ts_us DESC, id DESC LIMIT 1 BY id LIMIT {limit}")
        };
        let text = self.select("event, raw, message", &f, &tail)?;
        let events = text
            .lines()
            .map(event_of_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, events))
    }

    /// The event with id `id`, if there is one.
    pub fn get(&self, id: &str) -> Result<Option<Event>, Error> {
        let f = Filter::all().term("id", id);
        let text = self.select("event, raw, message", &f, "LIMIT 1")?;
        text.lines().next().map(event_of_row).transpose()
    }

    fn count_of(&self, filter: &Filter) -> Result<u64, Error> {
        let text = self.select("uniqExact(id)", filter, "")?;
        text.trim().parse().map_err(|_| Error::Row {
            message: format!("a count that is not a number: {text:?}"),
        })
    }
}

/// The JSON row of an event.
fn row_json(e: &Event) -> Result<String, String> {
    let mut stored = serde_json::to_value(e).map_err(|x| x.to_string())?;
    // The message and raw lines have columns of their own.
    if let Some(o) = stored.as_object_mut() {
        o.remove("raw");
        o.remove("message");
    }
    let event = serde_json::to_string(&stored).map_err(|x| x.to_string())?;
    let ip = e
        .src_ip
        .as_deref()
        .and_then(vigil_index::reader::address_number);
    let text: Vec<String> = e
        .fields
        .iter()
        .filter_map(|(_, v)| v.as_str().map(str::to_string))
        .collect();
    let ts = e.ts.timestamp().max(0);
    let row = serde_json::json!({
        "id": e.id.as_str(),
        "ts": ts,
        "ts_us": e.ts.timestamp_micros(),
        "source": e.source.as_ref() as &str,
        "host": e.host.as_ref() as &str,
        "format": e.format.as_ref(),
        "category": e.category.as_str(),
        "action": e.action.as_ref(),
        "outcome": e.outcome.as_str(),
        "actor": e.actor,
        "actor_role": e.actor_role.and_then(|r| serde_json::to_value(r).ok()),
        "src_ip": e.src_ip,
        "ip_set": u8::from(ip.is_some()),
        "ip_hi": ip.map_or(0, |n| (n >> 64) as u64),
        "ip_lo": ip.map_or(0, |n| n as u64),
        "target": e.target,
        "ticket": e.ticket,
        "path": e.origin.path.as_ref() as &str,
        "message": e.message,
        "text": text.join(" "),
        "raw": e.raw,
        "event": event,
    });
    serde_json::to_string(&row).map_err(|x| x.to_string())
}

/// A TabSeparated field, unescaped; `None` for `\N`.
pub(crate) fn unescape(field: &str) -> Option<String> {
    if field == "\\N" {
        return None;
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// An event from its row's `event, raw, message`.
fn event_of_row(line: &str) -> Result<Event, Error> {
    let mut cols = line.split('\t');
    let bad = |message: String| Error::Row { message };
    let event = cols
        .next()
        .and_then(unescape)
        .ok_or_else(|| bad("no event".into()))?;
    let raw = cols.next().and_then(unescape).unwrap_or_default();
    let message = cols.next().and_then(unescape).unwrap_or_default();
    let mut v: serde_json::Value = serde_json::from_str(&event).map_err(|e| bad(format!("{e}")))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("raw".into(), raw.into());
        o.insert("message".into(), message.into());
    }
    serde_json::from_value(v).map_err(|e| bad(format!("{e}")))
}

fn shared(s: Option<String>, cache: &mut Vec<Arc<str>>) -> Option<Arc<str>> {
    s.map(|s| {
        if let Some(a) = cache.iter().find(|a| a.as_ref() == s) {
            a.clone()
        } else {
            let a: Arc<str> = Arc::from(s.as_str());
            if cache.len() < 4096 {
                cache.push(a.clone());
            }
            a
        }
    })
}

fn time_of(us: &str) -> Result<DateTime<Utc>, Error> {
    let n: i64 = us.parse().map_err(|_| Error::Row {
        message: format!("a time that is not a number: {us:?}"),
    })?;
    Utc.timestamp_micros(n).single().ok_or_else(|| Error::Row {
        message: format!("a time out of range: {n}"),
    })
}

impl EventStore for Store {
    fn each(
        &self,
        filter: &Filter,
        f: &mut dyn FnMut(Event) -> vigil_index::Result<()>,
    ) -> vigil_index::Result<()> {
        let text = self.select(
            "event, raw, message",
            filter,
            "ORDER BY ts_us, id LIMIT 1 BY id",
        )?;
        for line in text.lines() {
            f(event_of_row(line)?)?;
        }
        Ok(())
    }

    fn rows(&self, filter: &Filter) -> vigil_index::Result<Vec<Row>> {
        let text = self.select(
            "ts_us, id, host, source, category, action, outcome, actor, actor_role, src_ip, target, ticket",
            filter,
            "ORDER BY ts_us, id LIMIT 1 BY id",
        )?;
        let mut cache = Vec::new();
        let mut out = Vec::new();
        for line in text.lines() {
            let c: Vec<Option<String>> = line.split('\t').map(unescape).collect();
            if c.len() != 12 {
                return Err(Error::Row {
                    message: format!("{} columns, not 12", c.len()),
                }
                .into());
            }
            let mut it = c.into_iter();
            let mut next = || it.next().flatten();
            let ts = time_of(&next().unwrap_or_default())?;
            let req = |cache: &mut Vec<Arc<str>>, v: Option<String>| {
                shared(Some(v.unwrap_or_default()), cache).unwrap_or_else(|| Arc::from(""))
            };
            let id = Arc::from(next().unwrap_or_default().as_str());
            let host = req(&mut cache, next());
            let source = req(&mut cache, next());
            let category = req(&mut cache, next());
            let action = req(&mut cache, next());
            let outcome = req(&mut cache, next());
            out.push(Row {
                ts,
                id,
                host,
                source,
                category,
                action,
                outcome,
                actor: shared(next(), &mut cache),
                actor_role: shared(next(), &mut cache),
                src_ip: shared(next(), &mut cache),
                target: shared(next(), &mut cache),
                ticket: shared(next(), &mut cache),
            });
        }
        Ok(out)
    }

    fn times(&self, filter: &Filter) -> vigil_index::Result<Vec<DateTime<Utc>>> {
        let text = self.select("ts_us, id", filter, "ORDER BY ts_us, id LIMIT 1 BY id")?;
        Ok(text
            .lines()
            .map(|l| time_of(l.split('\t').next().unwrap_or("")))
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn span(&self, filter: &Filter) -> vigil_index::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let text = self.select("count(), min(ts_us), max(ts_us)", filter, "")?;
        let c: Vec<&str> = text.trim().split('\t').collect();
        if c.len() != 3 || c[0] == "0" {
            return Ok(None);
        }
        Ok(Some((time_of(c[1])?, time_of(c[2])?)))
    }

    fn count(&self, filter: &Filter) -> vigil_index::Result<u64> {
        Ok(self.count_of(filter)?)
    }

    fn count_by(&self, filter: &Filter, field: &str) -> vigil_index::Result<Vec<(String, u64)>> {
        let c = sql::KEYWORDS
            .iter()
            .find(|k| **k == field)
            .ok_or_else(|| Error::Query {
                message: format!(
                    "cannot count by {field:?}: use one of {}",
                    sql::KEYWORDS.join(", ")
                ),
            })?;
        let text = self.select(
            &format!("{c} AS v, uniqExact(id) AS n"),
            filter,
            &format!("AND {c} IS NOT NULL GROUP BY v ORDER BY n DESC, v"),
        )?;
        let mut out = Vec::new();
        for line in text.lines() {
            let (v, n) = line.rsplit_once('\t').ok_or_else(|| Error::Row {
                message: format!("not a value and a count: {line:?}"),
            })?;
            out.push((
                unescape(v).unwrap_or_default(),
                n.parse().map_err(|_| Error::Row {
                    message: format!("a count that is not a number: {n:?}"),
                })?,
            ));
        }
        Ok(out)
    }
}
