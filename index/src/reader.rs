//! The searcher: a read-only view of the index for `vigil search`, `vigil show` and the checks.
//!
//! Queries use tantivy's syntax over the schema's fields, AND between terms by default. A bare
//! word is looked for in the message's words and in the exact values of the
//! [`crate::schema::DEFAULT_FIELDS`] (actor, src_ip, target, ticket, host, and id when the word
//! is shaped like one: 28 or more hex digits). Examples:
//! `actor:zhangsan AND action:login.failure`, `src_ip:10.1.2.3`, `ticket:CHG-2026-0012`,
//! `"password for root"`, `NOT outcome:success`, `张三`, `删除`, `zhangsan 10.1.2.3`,
//! `ts:[2026-11-01T00:00:00Z TO 2026-12-01T00:00:00Z}`. Time bounds: `since` inclusive, `until`
//! exclusive.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::query_grammar::{Occur as GrammarOccur, UserInputAst, UserInputBound, UserInputLeaf};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, Index, IndexReader, Order, ReloadPolicy, Score, SegmentReader};
use tantivy::{TantivyDocument, Term};
use vigil_parsers::Event;

use crate::checkpoints::Checkpoints;
use crate::error::{Error, Result, WithPath};
use crate::open::{Files, open_index};
use crate::schema::{VigilSchema, names, search_tokenizers};
use crate::store::{EventStore, Filter, Row};

/// A read-only view of a vigil index, as of its last commit when opened (see [`Searcher::reload`]).
pub struct Searcher {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    schema: VigilSchema,
    parser: QueryParser,
    /// The same, with `id` left out of the fields a bare word is looked for in: for queries whose
    /// bare words cannot be ids ([`bare_words_may_be_ids`]). The id field has a term per event,
    /// so looking a word up there costs more than in any other field.
    parser_without_id: QueryParser,
}

fn to_tantivy(t: DateTime<Utc>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_micros(t.timestamp_micros())
}

impl Searcher {
    /// Opens the index at `path` for reading. Errors: [`Error::MissingDir`], [`Error::NotAnIndex`],
    /// [`Error::CorruptMeta`], [`Error::NotVigil`], [`Error::SchemaVersion`].
    pub fn open(path: impl AsRef<Path>) -> Result<Searcher> {
        Searcher::open_with(path.as_ref(), Files::Mapped)
    }

    /// Opens the index at `path` for one short search, such as a `vigil search` or `vigil show`
    /// command: each segment file is opened on its first read that its saved tail cannot answer
    /// ([`crate::tails`]), so the search opens only the files it reads. A writer's merge that
    /// deletes a segment file between this and the read fails the read with the file's name (it
    /// would also fail [`Searcher::open`] if it came a moment sooner); a long read (the checks, a
    /// report, `watch`) uses [`Searcher::open`]. Errors as [`Searcher::open`].
    pub fn open_for_one_search(path: impl AsRef<Path>) -> Result<Searcher> {
        Searcher::open_with(path.as_ref(), Files::Lazy)
    }

    fn open_with(path: &Path, files: Files) -> Result<Searcher> {
        let (index, payload) = open_index(path, files)?;
        let schema = VigilSchema::build();
        if index.schema() != schema.schema {
            return Err(Error::SchemaMismatch {
                path: path.to_path_buf(),
                version: payload.vigil_index,
            });
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .at(path)?;
        let tokenizers = search_tokenizers();
        let mut parser = QueryParser::new(
            schema.schema.clone(),
            schema.default_fields(),
            tokenizers.clone(),
        );
        parser.set_conjunction_by_default();
        parser.allow_regexes();
        let mut parser_without_id = QueryParser::new(
            schema.schema.clone(),
            schema
                .default_fields()
                .into_iter()
                .filter(|f| *f != schema.id)
                .collect(),
            tokenizers,
        );
        parser_without_id.set_conjunction_by_default();
        parser_without_id.allow_regexes();
        Ok(Searcher {
            path: path.to_path_buf(),
            index,
            reader,
            schema,
            parser,
            parser_without_id,
        })
    }

    /// Sees the latest commit.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload().at(&self.path)
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many events the index holds.
    pub fn num_events(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The checkpoints of the last commit.
    pub fn checkpoints(&self) -> Result<Checkpoints> {
        let metas = self.index.load_metas().map_err(|e| Error::CorruptMeta {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        Ok(crate::open::read_payload(&self.path, metas.payload.as_deref())?.checkpoints)
    }

    /// The evidence archive's state as of the last commit, if one was recorded.
    pub fn archive_state(&self) -> Result<Option<serde_json::Value>> {
        let metas = self.index.load_metas().map_err(|e| Error::CorruptMeta {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        Ok(crate::open::read_payload(&self.path, metas.payload.as_deref())?.archive)
    }

    /// The query for `query` (tantivy syntax; empty = everything), the time bounds and exact
    /// `terms` (keyword field, value), all required.
    fn build_query(
        &self,
        query: Option<&str>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        terms: &[(String, String)],
    ) -> Result<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match query.map(str::trim) {
            Some(q) if !q.is_empty() => {
                let bad = |message: String| Error::BadQuery {
                    path: self.path.clone(),
                    query: q.to_string(),
                    message,
                };
                let q = &operators_in_any_case(q);
                let ast =
                    tantivy::query_grammar::parse_query(q).map_err(|_| bad(syntax_error(q)))?;
                let parser = if bare_words_may_be_ids(&ast) {
                    &self.parser
                } else {
                    &self.parser_without_id
                };
                let parsed = parser
                    .build_query_from_user_input_ast(with_all_for_negations(
                        globs_as_regexes(exact_times_as_ranges(ast), &|net| {
                            self.addresses_in(net).map_err(|e| e.to_string())
                        })
                        .map_err(&bad)?,
                    ))
                    .map_err(|e| bad(e.to_string()))?;
                clauses.push((Occur::Must, parsed));
            }
            _ => clauses.push((Occur::Must, Box::new(AllQuery))),
        }
        if since.is_some() || until.is_some() {
            let bound = |t: Option<DateTime<Utc>>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_date(self.schema.ts, to_tantivy(t));
                    if inclusive {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(since, true), bound(until, false))),
            ));
        }
        for (field, value) in terms {
            let f = self.keyword(field)?;
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f, value),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if clauses.len() == 1
            && let Some((_, q)) = clauses.pop()
        {
            return Ok(q);
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The `src_ip` values the index holds that are addresses in `net`. Addresses are compared
    /// as numbers, so every way a log writes one is found (`2001:db8::1` and
    /// `2001:0db8:0:0:0:0:0:1`, `::ffff:10.1.2.3` for `10.1.0.0/16`). It reads the field's
    /// terms, one per distinct address, not the events.
    fn addresses_in(&self, net: &Network) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let mut found = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.schema.src_ip).at(&self.path)?;
            let mut terms = inverted.terms().stream().at(&self.path)?;
            while terms.advance() {
                if let Ok(addr) = std::str::from_utf8(terms.key())
                    && net.contains(addr)
                {
                    found.insert(addr.to_string());
                }
            }
        }
        Ok(found.into_iter().collect())
    }

    fn keyword(&self, field: &str) -> Result<tantivy::schema::Field> {
        self.schema.keyword(field).ok_or_else(|| Error::BadField {
            path: self.path.clone(),
            field: field.to_string(),
            reason: format!(
                "is not a keyword field; these are: id, {}",
                crate::schema::COUNTABLE.join(", ")
            ),
        })
    }

    fn load(&self, searcher: &tantivy::Searcher, address: DocAddress) -> Result<Event> {
        let doc: TantivyDocument = searcher.doc(address).at(&self.path)?;
        self.schema
            .event(&doc)
            .map_err(|message| Error::CorruptEvent {
                path: self.path.clone(),
                message: format!("document {address:?}: {message}"),
            })
    }

    /// The newest `limit` events matching `query` within `[since, until)`, newest first.
    pub fn search(
        &self,
        query: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<Event>> {
        self.search_page(query, since, until, 0, limit, false)
    }

    /// A page of the hits of `query` within `[since, until)`: `limit` of them after the first
    /// `offset`, newest first (oldest first with `oldest_first`).
    pub fn search_page(
        &self,
        query: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        offset: usize,
        limit: usize,
        oldest_first: bool,
    ) -> Result<Vec<Event>> {
        let q = self.build_query(Some(query), since, until, &[])?;
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let order = if oldest_first {
            Order::Asc
        } else {
            Order::Desc
        };
        let top = TopDocs::with_limit(limit)
            .and_offset(offset)
            .order_by_fast_field::<tantivy::DateTime>(names::TS, order);
        let hits = searcher.search(&*q, &top).at(&self.path)?;
        hits.into_iter()
            .map(|(_, address)| self.load(&searcher, address))
            .collect()
    }

    /// The hits of `query` within `[since, until)` over time: `buckets` equal spans from `since`
    /// (else the first hit) to `until` (else just after the last hit), with the count of each.
    /// `None` when nothing matches.
    pub fn histogram(
        &self,
        query: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        buckets: usize,
    ) -> Result<Option<Histogram>> {
        let q = self.build_query(Some(query), since, until, &[])?;
        let searcher = self.reader.searcher();
        let (from, to) = match (since, until) {
            (Some(a), Some(b)) => (a.timestamp_micros(), b.timestamp_micros()),
            _ => {
                let Some((lo, hi)) = searcher.search(&*q, &SpanCollector).at(&self.path)? else {
                    return Ok(None);
                };
                (
                    since.map_or(lo, |t| t.timestamp_micros()),
                    until.map_or(hi + 1, |t| t.timestamp_micros()),
                )
            }
        };
        let buckets = buckets.max(1);
        let width = ((to - from).max(1) as u64).div_ceil(buckets as u64).max(1) as i64;
        let counts = searcher
            .search(
                &*q,
                &HistogramCollector {
                    from,
                    width,
                    buckets,
                },
            )
            .at(&self.path)?;
        if counts.iter().all(|n| *n == 0) {
            return Ok(None);
        }
        Ok(Some(Histogram {
            from: DateTime::<Utc>::from_timestamp_micros(from).unwrap_or_default(),
            step_micros: width,
            counts,
        }))
    }

    /// How many events match `query` within `[since, until)`.
    pub fn count(
        &self,
        query: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<u64> {
        let text = query.trim();
        if (since.is_some() || until.is_some()) && !text.is_empty() && text != "*" {
            // The query's own hits, each one's time read from the time column: tantivy's range
            // over the time column reads the time of every event of a segment, where a query
            // such as `action:login.failure` matches a few percent of them.
            let q = self.build_query(Some(query), None, None, &[])?;
            let micros =
                |t: Option<DateTime<Utc>>, none: i64| t.map_or(none, |t| t.timestamp_micros());
            let within = InRange {
                since: micros(since, i64::MIN),
                until: micros(until, i64::MAX),
            };
            return self.reader.searcher().search(&*q, &within).at(&self.path);
        }
        self.count_query(&*self.build_query(Some(query), since, until, &[])?)
    }

    /// How many events `q` matches.
    fn count_query(&self, q: &dyn Query) -> Result<u64> {
        let n = self.reader.searcher().search(q, &Count).at(&self.path)?;
        Ok(n as u64)
    }

    /// The query of a [`Filter`]: its query text, time bounds and exact terms.
    fn filter_query(&self, filter: &Filter) -> Result<Box<dyn Query>> {
        let q = self.build_query(
            filter.query.as_deref(),
            filter.since,
            filter.until,
            &filter.terms,
        )?;
        if filter.one_of.is_empty() && filter.none_of.is_empty() {
            return Ok(q);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, q)];
        for (field, values) in &filter.one_of {
            let f = self.keyword(field)?;
            let any: Vec<(Occur, Box<dyn Query>)> = values
                .iter()
                .map(|v| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(f, v),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            if any.is_empty() {
                // One of nothing: no event.
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(Vec::new()))));
            } else {
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
        }
        for (field, values) in &filter.none_of {
            let f = self.keyword(field)?;
            for v in values {
                clauses.push((
                    Occur::MustNot,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f, v),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Exact counts of the events matching `query` within `[since, until)` per value of the
    /// keyword `field`, by count descending then value. Events without the field are not counted;
    /// an event with several values (`flags`) counts once for each.
    pub fn count_by(
        &self,
        query: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        field: &str,
    ) -> Result<Vec<(String, u64)>> {
        let q = self.build_query(Some(query), since, until, &[])?;
        self.count_by_query(&*q, field)
    }

    fn count_by_query(&self, q: &dyn Query, field: &str) -> Result<Vec<(String, u64)>> {
        if !crate::schema::COUNTABLE.contains(&field) {
            return Err(Error::BadField {
                path: self.path.clone(),
                field: field.to_string(),
                reason: format!(
                    "cannot be counted by; these can: {}",
                    crate::schema::COUNTABLE.join(", ")
                ),
            });
        }
        let counts = self
            .reader
            .searcher()
            .search(
                q,
                &CountBy {
                    field: field.to_string(),
                },
            )
            .at(&self.path)?;
        let mut v: Vec<(String, u64)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(v)
    }

    /// The event with this id.
    pub fn get(&self, id: &str) -> Result<Option<Event>> {
        let q = TermQuery::new(
            Term::from_field_text(self.schema.id, id),
            IndexRecordOption::Basic,
        );
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .at(&self.path)?;
        match hits.first() {
            Some((_, address)) => self.load(&searcher, *address).map(Some),
            None => Ok(None),
        }
    }
}

impl EventStore for Searcher {
    /// Sorts the matching documents by (ts, id) using the fast field and the stored ids, then
    /// loads them one at a time: memory holds the addresses, not the events.
    fn each(&self, filter: &Filter, f: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
        let q = self.filter_query(filter)?;
        let searcher = self.reader.searcher();
        let n = searcher.search(&*q, &Count).at(&self.path)?;
        if n == 0 {
            return Ok(());
        }
        let mut hits = searcher
            .search(
                &*q,
                &TopDocs::with_limit(n)
                    .order_by_fast_field::<tantivy::DateTime>(names::TS, Order::Asc),
            )
            .at(&self.path)?;
        // Same time: by id. The id is in the stored event only; such ties are rare and short.
        hits.sort_by_key(|(ts, a)| (*ts, *a));
        let mut i = 0;
        while i < hits.len() {
            let mut j = i + 1;
            while j < hits.len() && hits[j].0 == hits[i].0 {
                j += 1;
            }
            if j - i == 1 {
                f(self.load(&searcher, hits[i].1)?)?;
            } else {
                let mut tied = hits[i..j]
                    .iter()
                    .map(|(_, a)| self.load(&searcher, *a))
                    .collect::<Result<Vec<_>>>()?;
                tied.sort_by_key(|e| e.id);
                for e in tied {
                    f(e)?;
                }
            }
            i = j;
        }
        Ok(())
    }

    fn rows(&self, filter: &Filter) -> Result<Vec<Row>> {
        let q = self.filter_query(filter)?;
        let mut rows = self
            .reader
            .searcher()
            .search(&*q, &RowCollector)
            .at(&self.path)?
            .map_err(|message| Error::CorruptEvent {
                path: self.path.clone(),
                message,
            })?;
        rows.sort_by(|a, b| (a.ts, &a.id).cmp(&(b.ts, &b.id)));
        Ok(rows)
    }

    fn times(&self, filter: &Filter) -> Result<Vec<DateTime<Utc>>> {
        let q = self.filter_query(filter)?;
        let mut micros = self
            .reader
            .searcher()
            .search(&*q, &TimeCollector)
            .at(&self.path)?;
        micros.sort_unstable();
        Ok(micros
            .into_iter()
            .filter_map(DateTime::<Utc>::from_timestamp_micros)
            .collect())
    }

    fn span(&self, filter: &Filter) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let q = self.filter_query(filter)?;
        let span = self
            .reader
            .searcher()
            .search(&*q, &SpanCollector)
            .at(&self.path)?;
        Ok(span.and_then(|(a, b)| {
            Some((
                DateTime::<Utc>::from_timestamp_micros(a)?,
                DateTime::<Utc>::from_timestamp_micros(b)?,
            ))
        }))
    }

    fn count(&self, filter: &Filter) -> Result<u64> {
        self.count_query(&*self.filter_query(filter)?)
    }

    fn count_by(&self, filter: &Filter, field: &str) -> Result<Vec<(String, u64)>> {
        let q = self.filter_query(filter)?;
        self.count_by_query(&*q, field)
    }
}

/// Collects the [`Row`] of every matching document from the fast fields, per segment.
struct RowCollector;

/// One segment's columns, and for each matching document its time and the term ordinal of each
/// column's first value. The ordinals are turned into text once per segment, in term order (one
/// pass over each column's dictionary), when the segment is done.
struct RowSegment {
    ts: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    columns: Vec<Option<StrColumn>>,
    times: Vec<i64>,
    /// `ords[c][i]`: the ordinal of column `c` for the `i`th matching document.
    ords: Vec<Vec<Option<u64>>>,
    error: Option<String>,
}

/// The keyword columns a [`Row`] holds, in the order [`RowSegment::columns`] keeps them.
const ROW_COLUMNS: [&str; 11] = [
    names::ID,
    names::HOST,
    names::SOURCE,
    names::CATEGORY,
    names::ACTION,
    names::OUTCOME,
    names::ACTOR,
    names::ACTOR_ROLE,
    names::SRC_IP,
    names::TARGET,
    names::TICKET,
];

impl RowSegment {
    /// The text of every ordinal of column `c` that the documents use, by ordinal.
    fn texts(&self, c: usize) -> std::result::Result<HashMap<u64, Arc<str>>, String> {
        let Some(column) = &self.columns[c] else {
            return Ok(HashMap::new());
        };
        let mut wanted: Vec<u64> = self.ords[c].iter().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut texts = Vec::with_capacity(wanted.len());
        let complete = column
            .dictionary()
            .sorted_ords_to_term_cb(&wanted, |bytes| {
                texts.push(Arc::<str>::from(String::from_utf8_lossy(bytes).as_ref()));
            })
            .map_err(|e| format!("reading {}: {e}", ROW_COLUMNS[c]))?;
        if !complete || texts.len() != wanted.len() {
            return Err(format!("{}: a term ordinal has no value", ROW_COLUMNS[c]));
        }
        Ok(wanted.into_iter().zip(texts).collect())
    }
}

impl Collector for RowCollector {
    type Fruit = std::result::Result<Vec<Row>, String>;
    type Child = RowSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<RowSegment> {
        let fast = segment.fast_fields();
        let mut columns = Vec::with_capacity(ROW_COLUMNS.len());
        for name in ROW_COLUMNS {
            columns.push(fast.str(name)?);
        }
        Ok(RowSegment {
            ts: fast.date(names::TS).ok(),
            columns,
            times: Vec::new(),
            ords: vec![Vec::new(); ROW_COLUMNS.len()],
            error: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<std::result::Result<Vec<Row>, String>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut all = Vec::new();
        for fruit in fruits {
            match fruit {
                Ok(rows) => all.extend(rows),
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok(all))
    }
}

impl SegmentCollector for RowSegment {
    type Fruit = std::result::Result<Vec<Row>, String>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if self.error.is_some() {
            return;
        }
        let Some(ts) = self.ts.as_ref().and_then(|c| c.first(doc)) else {
            self.error = Some(format!("document {doc} has no time"));
            return;
        };
        self.times.push(ts.into_timestamp_micros());
        for (c, column) in self.columns.iter().enumerate() {
            let ord = column.as_ref().and_then(|col| col.term_ords(doc).next());
            self.ords[c].push(ord);
        }
    }

    fn harvest(self) -> Self::Fruit {
        if let Some(e) = self.error {
            return Err(e);
        }
        let texts = (0..ROW_COLUMNS.len())
            .map(|c| self.texts(c))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let value = |c: usize, i: usize| -> Option<Arc<str>> {
            self.ords[c][i].and_then(|o| texts[c].get(&o).cloned())
        };
        let empty = || Arc::<str>::from("");
        let mut rows = Vec::with_capacity(self.times.len());
        for (i, &micros) in self.times.iter().enumerate() {
            let ts = DateTime::<Utc>::from_timestamp_micros(micros)
                .ok_or_else(|| format!("time {micros} is out of range"))?;
            rows.push(Row {
                ts,
                id: value(0, i).unwrap_or_else(empty),
                host: value(1, i).unwrap_or_else(empty),
                source: value(2, i).unwrap_or_else(empty),
                category: value(3, i).unwrap_or_else(empty),
                action: value(4, i).unwrap_or_else(empty),
                outcome: value(5, i).unwrap_or_else(empty),
                actor: value(6, i),
                actor_role: value(7, i),
                src_ip: value(8, i),
                target: value(9, i),
                ticket: value(10, i),
            });
        }
        Ok(rows)
    }
}

/// Hits over time: see [`Searcher::histogram`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// The start of the first bucket.
    pub from: DateTime<Utc>,
    /// Each bucket's span.
    pub step_micros: i64,
    pub counts: Vec<u64>,
}

/// Counts hits per bucket of `width` microseconds from `from`.
struct HistogramCollector {
    from: i64,
    width: i64,
    buckets: usize,
}

struct HistogramSegment {
    ts: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    from: i64,
    width: i64,
    counts: Vec<u64>,
}

impl Collector for HistogramCollector {
    type Fruit = Vec<u64>;
    type Child = HistogramSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<HistogramSegment> {
        Ok(HistogramSegment {
            ts: segment.fast_fields().date(names::TS).ok(),
            from: self.from,
            width: self.width,
            counts: vec![0; self.buckets],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut out = vec![0; self.buckets];
        for f in fruits {
            for (o, n) in out.iter_mut().zip(f) {
                *o += n;
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for HistogramSegment {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(t) = self.ts.as_ref().and_then(|c| c.first(doc)) {
            let k = (t.into_timestamp_micros() - self.from).div_euclid(self.width);
            if let Some(n) = usize::try_from(k).ok().and_then(|k| self.counts.get_mut(k)) {
                *n += 1;
            }
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}

/// Collects the time (microseconds) of every matching document from the fast field.
struct TimeCollector;

struct TimeSegment {
    ts: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    micros: Vec<i64>,
}

/// Counts the hits whose time is in `[since, until)` (microseconds).
struct InRange {
    since: i64,
    until: i64,
}

struct InRangeSegment {
    ts: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    since: i64,
    until: i64,
    n: u64,
}

impl Collector for InRange {
    type Fruit = u64;
    type Child = InRangeSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<InRangeSegment> {
        Ok(InRangeSegment {
            ts: segment.fast_fields().date(names::TS).ok(),
            since: self.since,
            until: self.until,
            n: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<u64>) -> tantivy::Result<u64> {
        Ok(fruits.into_iter().sum())
    }
}

impl SegmentCollector for InRangeSegment {
    type Fruit = u64;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(t) = self.ts.as_ref().and_then(|c| c.first(doc)) {
            let t = t.into_timestamp_micros();
            if self.since <= t && t < self.until {
                self.n += 1;
            }
        }
    }

    fn harvest(self) -> u64 {
        self.n
    }
}

impl Collector for TimeCollector {
    type Fruit = Vec<i64>;
    type Child = TimeSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<TimeSegment> {
        Ok(TimeSegment {
            ts: segment.fast_fields().date(names::TS).ok(),
            micros: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for TimeSegment {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(t) = self.ts.as_ref().and_then(|c| c.first(doc)) {
            self.micros.push(t.into_timestamp_micros());
        }
    }

    fn harvest(self) -> Vec<i64> {
        self.micros
    }
}

/// The oldest and newest time (microseconds) of the matching documents.
struct SpanCollector;

struct SpanSegment {
    ts: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    span: Option<(i64, i64)>,
}

fn widen(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Collector for SpanCollector {
    type Fruit = Option<(i64, i64)>;
    type Child = SpanSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SpanSegment> {
        Ok(SpanSegment {
            ts: segment.fast_fields().date(names::TS).ok(),
            span: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Option<(i64, i64)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().fold(None, widen))
    }
}

impl SegmentCollector for SpanSegment {
    type Fruit = Option<(i64, i64)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(t) = self.ts.as_ref().and_then(|c| c.first(doc)) {
            let t = t.into_timestamp_micros();
            self.span = widen(self.span, Some((t, t)));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.span
    }
}

/// Makes `ts:T` the range `ts:[T TO T]`: the time is a fast field, not indexed, and a range
/// reads the fast field, so that an exact time still finds the events of that time.
fn exact_times_as_ranges(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, sub)| (occur, exact_times_as_ranges(sub)))
                .collect(),
        ),
        UserInputAst::Boost(inner, boost) => {
            UserInputAst::Boost(Box::new(exact_times_as_ranges(*inner)), boost)
        }
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(literal)
                if literal.field_name.as_deref() == Some(names::TS) && !literal.prefix =>
            {
                UserInputAst::Leaf(Box::new(UserInputLeaf::Range {
                    field: literal.field_name,
                    lower: UserInputBound::Inclusive(literal.phrase.clone()),
                    upper: UserInputBound::Inclusive(literal.phrase),
                }))
            }
            leaf => UserInputAst::Leaf(Box::new(leaf)),
        },
    }
}

/// A glob on a keyword field (`action:db.*`, `src_ip:10.1.10.*`, `actor:wb_*`, `host:arch-?b01`)
/// as the regex it means: keyword fields hold each value as one term, so a prefix or a pattern
/// is a regex over the terms (tantivy's grammar reads a trailing `*` as a phrase prefix, which
/// finds nothing in a field without positions).
///
/// A network on `src_ip` (`10.1.0.0/16`) becomes the set of the addresses in it that the index
/// holds, which `in_network` gives.
fn globs_as_regexes(
    ast: UserInputAst,
    in_network: &dyn Fn(&Network) -> std::result::Result<Vec<String>, String>,
) -> std::result::Result<UserInputAst, String> {
    Ok(match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, sub)| Ok((occur, globs_as_regexes(sub, in_network)?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
        UserInputAst::Boost(inner, boost) => {
            UserInputAst::Boost(Box::new(globs_as_regexes(*inner, in_network)?), boost)
        }
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(l)
                if l.field_name.as_deref() == Some(names::SRC_IP) && l.phrase.contains('/') =>
            {
                let elements = in_network(&Network::parse(&l.phrase)?)?;
                UserInputAst::Leaf(Box::new(UserInputLeaf::Set {
                    field: l.field_name,
                    elements,
                }))
            }
            UserInputLeaf::Literal(l)
                if l.field_name
                    .as_deref()
                    .is_some_and(|f| crate::schema::COUNTABLE.contains(&f) || f == names::ID)
                    && (l.prefix || l.phrase.contains(['*', '?'])) =>
            {
                let mut pattern = String::new();
                for c in l.phrase.chars() {
                    match c {
                        '*' => pattern.push_str(".*"),
                        '?' => pattern.push('.'),
                        c if c.is_alphanumeric() || c == '_' || c == '-' || !c.is_ascii() => {
                            pattern.push(c)
                        }
                        c => {
                            pattern.push('\\');
                            pattern.push(c);
                        }
                    }
                }
                if l.prefix {
                    pattern.push_str(".*");
                }
                UserInputAst::Leaf(Box::new(UserInputLeaf::Regex {
                    field: l.field_name,
                    pattern,
                }))
            }
            leaf => UserInputAst::Leaf(Box::new(leaf)),
        },
    })
}

/// An address network of a query (`src_ip:10.1.0.0/16`, `src_ip:"2001:db8::/32"`), as the
/// number its addresses start with and how many leading bits they share. IPv4 is held as its
/// IPv4-mapped IPv6 form (`::ffff:10.1.0.0/112`), so that a log that writes an IPv4 address the
/// IPv6 way is found by the IPv4 network and the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: u128,
    bits: u32,
}

impl Network {
    /// Parses `10.1.0.0/16` or `2001:db8::/32`; the message says what is wrong and how to write it.
    pub fn parse(net: &str) -> std::result::Result<Network, String> {
        let (addr, bits) = net.split_once('/').unwrap_or((net, ""));
        let addr: std::net::IpAddr = addr.parse().map_err(|_| {
            format!(
                "{net:?} is not an address network; write it as 10.1.0.0/16 or \"2001:db8::/32\""
            )
        })?;
        let (max, offset) = match addr {
            std::net::IpAddr::V4(_) => (32, 96),
            std::net::IpAddr::V6(_) => (128, 0),
        };
        let bits: u32 = bits
            .parse()
            .ok()
            .filter(|b| *b <= max)
            .ok_or_else(|| format!("{net:?}: the prefix length after / must be 0 to {max}"))?;
        let bits = bits + offset;
        Ok(Network {
            base: as_number(addr) & mask(bits),
            bits,
        })
    }

    /// The first and the last address of the network, as 128-bit numbers (IPv4 mapped into
    /// IPv6, as [`address_number`] gives them).
    pub fn bounds(&self) -> (u128, u128) {
        (self.base, self.base | !mask(self.bits))
    }

    /// Whether `addr`, as a log wrote it, is an address in the network.
    pub fn contains(&self, addr: &str) -> bool {
        // A zone (`fe80::1%eth0`) is not part of the address.
        let addr = addr.split_once('%').map_or(addr, |(a, _)| a);
        addr.parse::<std::net::IpAddr>()
            .is_ok_and(|a| as_number(a) & mask(self.bits) == self.base)
    }
}

/// An address as a log wrote it (a zone after `%` ignored) as a 128-bit number, IPv4 as
/// IPv4-mapped IPv6; `None` for what is not an address.
pub fn address_number(addr: &str) -> Option<u128> {
    let addr = addr.split_once('%').map_or(addr, |(a, _)| a);
    addr.parse::<std::net::IpAddr>().ok().map(as_number)
}

/// An address as a 128-bit number, IPv4 as IPv4-mapped IPv6.
fn as_number(addr: std::net::IpAddr) -> u128 {
    match addr {
        std::net::IpAddr::V4(a) => u128::from(a.to_ipv6_mapped()),
        std::net::IpAddr::V6(a) => u128::from(a),
    }
}

/// The first `bits` bits of 128 set.
fn mask(bits: u32) -> u128 {
    u128::MAX.checked_shl(128 - bits).unwrap_or(0)
}

/// Whether a word of `ast` without a field (looked for in the default fields) may be an event
/// id: one of at least [`MIN_ID_LEN`] hex digits. A word with a `*`, and set, range and regex
/// leaves without a field, are taken to be possible ids too, as before this test existed.
fn bare_words_may_be_ids(ast: &UserInputAst) -> bool {
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().any(|(_, sub)| bare_words_may_be_ids(sub)),
        UserInputAst::Boost(inner, _) => bare_words_may_be_ids(inner),
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Literal(l) if l.field_name.is_none() => {
                let hex = l.phrase.bytes().all(|b| b.is_ascii_hexdigit());
                (hex && l.phrase.len() >= MIN_ID_LEN) || l.prefix || l.phrase.contains('*')
            }
            UserInputLeaf::Range { field: None, .. }
            | UserInputLeaf::Set { field: None, .. }
            | UserInputLeaf::Regex { field: None, .. } => true,
            _ => false,
        },
    }
}

/// The length of the shortest event id: [`Event::make_id`] writes 28 hex digits, more for
/// offsets past 256 TiB.
const MIN_ID_LEN: usize = 28;

/// Gives every group of only negative clauses (`NOT a`, `x AND NOT a`) something to subtract
/// from: all events. Tantivy's query parser refuses a query of only negations and makes
/// `x AND NOT a` "x, and (nothing but a)", which matches nothing.
fn with_all_for_negations(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => {
            let only_negative = !clauses.is_empty()
                && clauses
                    .iter()
                    .all(|(occur, _)| *occur == Some(GrammarOccur::MustNot));
            let mut clauses: Vec<_> = clauses
                .into_iter()
                .map(|(occur, sub)| (occur, with_all_for_negations(sub)))
                .collect();
            if only_negative {
                clauses.push((
                    Some(GrammarOccur::Must),
                    UserInputAst::Leaf(Box::new(UserInputLeaf::All)),
                ));
            }
            UserInputAst::Clause(clauses)
        }
        UserInputAst::Boost(inner, boost) => {
            UserInputAst::Boost(Box::new(with_all_for_negations(*inner)), boost)
        }
        leaf => leaf,
    }
}

/// Counts matching documents per value of a fast string field, exactly: per segment by term
/// ordinal, then by value across segments.
struct CountBy {
    field: String,
}

struct CountBySegment {
    column: Option<StrColumn>,
    counts: Vec<u64>,
}

type Counts = std::result::Result<BTreeMap<String, u64>, String>;

impl Collector for CountBy {
    type Fruit = BTreeMap<String, u64>;
    type Child = CountBySegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<CountBySegment> {
        let column = segment.fast_fields().str(&self.field)?;
        let terms = column.as_ref().map_or(0, |c| c.num_terms());
        Ok(CountBySegment {
            column,
            counts: vec![0; terms],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<BTreeMap<String, u64>> {
        let mut total = BTreeMap::new();
        for fruit in fruits {
            let fruit = fruit.map_err(|e| {
                tantivy::TantivyError::InternalError(format!(
                    "reading the values of {}: {e}",
                    self.field
                ))
            })?;
            for (value, n) in fruit {
                *total.entry(value).or_insert(0) += n;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for CountBySegment {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                if let Some(n) = usize::try_from(ord)
                    .ok()
                    .and_then(|i| self.counts.get_mut(i))
                {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = BTreeMap::new();
        let Some(column) = &self.column else {
            return Ok(out);
        };
        for (ord, &n) in self.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let mut value = String::new();
            match column.ord_to_str(ord as u64, &mut value) {
                Ok(true) => {
                    out.insert(value, n);
                }
                Ok(false) => return Err(format!("no value for ordinal {ord}")),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(out)
    }
}

/// The query with `and`, `or` and `not` written in any case as the operators tantivy's grammar
/// knows (`AND`, `OR`, `NOT`): a reviewer who writes `actor:x and action:y` means the operator,
/// not the word "and" searched in the text (quote it, `"and"`, for that). Text inside quotes is
/// left as written.
pub fn operators_in_any_case(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut quoted = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match word.to_ascii_uppercase().as_str() {
            w @ ("AND" | "OR" | "NOT") => out.push_str(w),
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in q.chars() {
        if quoted {
            out.push(c);
            if c == '"' {
                quoted = false;
            }
            continue;
        }
        if c.is_whitespace() || c == '(' || c == ')' {
            flush(&mut word, &mut out);
            out.push(c);
        } else if c == '"' && word.is_empty() {
            quoted = true;
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// What is wrong with a query tantivy's grammar refused, with the position (a character count
/// from 1) where it can be told: an unclosed quote, a bracket without its pair, a field with no
/// value, an operator with nothing after it.
pub fn syntax_error(q: &str) -> String {
    let mut depth: Vec<usize> = Vec::new();
    let mut quote: Option<usize> = None;
    for (i, c) in q.chars().enumerate() {
        match (c, quote) {
            ('"', None) => quote = Some(i + 1),
            ('"', Some(_)) => quote = None,
            (_, Some(_)) => {}
            ('(', None) => depth.push(i + 1),
            (')', None) if depth.pop().is_none() => {
                return format!("syntax error at character {}: `)` without its `(`", i + 1);
            }
            _ => {}
        }
    }
    if let Some(at) = quote {
        return format!("syntax error at character {at}: a quote that is not closed");
    }
    if let Some(at) = depth.pop() {
        return format!("syntax error at character {at}: `(` that is not closed");
    }
    let mut pos = 0;
    for word in q.split(' ') {
        let at = pos + 1;
        pos += word.chars().count() + 1;
        if word.ends_with(':') && !word.starts_with('"') {
            return format!(
                "syntax error at character {at}: `{word}` has no value after the colon (write field:value)"
            );
        }
        // An IPv6 address or network written bare: its colons read as fields.
        let bare = word.trim_start_matches(['(', '-', '+']);
        if let Some((field, value)) = bare.split_once(':')
            && !value.starts_with('"')
            && value.contains(':')
        {
            return format!(
                "syntax error at character {at}: a value with colons must be quoted (write {field}:\"{value}\")"
            );
        }
    }
    let trimmed = q.trim_end();
    for op in ["AND", "OR", "NOT"] {
        if trimmed.ends_with(&format!(" {op}")) || trimmed == op {
            let at = trimmed.chars().count() - op.len() + 1;
            return format!("syntax error at character {at}: `{op}` with nothing after it");
        }
    }
    "syntax error (check quotes, brackets and field:value)".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_in_any_case_and_syntax_errors_with_their_position() {
        for (q, want) in [
            (
                "actor:dba_wang and action:db.update",
                "actor:dba_wang AND action:db.update",
            ),
            ("a or (b And not c)", "a OR (b AND NOT c)"),
            ("\"black and white\" and x", "\"black and white\" AND x"),
            ("message:and", "message:and"),
            ("android", "android"),
        ] {
            assert_eq!(operators_in_any_case(q), want, "{q}");
        }
        for (q, want) in [
            (
                "actor:\"dba_wang",
                "syntax error at character 7: a quote that is not closed",
            ),
            (
                "(a OR b",
                "syntax error at character 1: `(` that is not closed",
            ),
            (
                "a OR b)",
                "syntax error at character 7: `)` without its `(`",
            ),
            (
                "actor: x",
                "syntax error at character 1: `actor:` has no value after the colon (write field:value)",
            ),
            (
                "action:login.failure AND src_ip:2001:db8::/32",
                "syntax error at character 26: a value with colons must be quoted (write src_ip:\"2001:db8::/32\")",
            ),
        ] {
            assert_eq!(syntax_error(q), want, "{q}");
        }
    }

    fn may_be_ids(q: &str) -> bool {
        bare_words_may_be_ids(&tantivy::query_grammar::parse_query(q).unwrap())
    }

    #[test]
    fn only_bare_words_shaped_like_ids_are_looked_for_among_ids() {
        assert!(may_be_ids("00000000000000a1ffffffffffff"));
        assert!(may_be_ids("00000000000000A1FFFFFFFFFFFF0"));
        assert!(may_be_ids("00000000000000a1*"));
        assert!(may_be_ids("\"00000000000000a1\"*"));
        assert!(may_be_ids("删除 OR 00000000000000a1ffffffffffff"));
        assert!(may_be_ids("[a TO b]"));
        assert!(!may_be_ids("删除"));
        assert!(!may_be_ids("zhangsan 10.1.2.3"));
        assert!(!may_be_ids("00000000000000a1")); // too short to be a whole id
        assert!(!may_be_ids("deadbeef-not-hex"));
        // A word with its field is looked for there only.
        assert!(!may_be_ids("id:00000000000000a1ffffffffffff"));
        assert!(!may_be_ids("actor:zhangsan AND NOT outcome:success"));
    }
}
