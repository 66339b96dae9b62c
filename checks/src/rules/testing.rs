//! For the rules' unit tests: an [`EventStore`] over events held in memory, and a terse way to
//! write events.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use vigil_index::{EventStore, Filter, Row};
use vigil_parsers::{ActorRole, Event, EventId, Fields, FlagSet, Origin, Outcome};

/// Events in memory, answering filters (not free queries) as the index does.
#[derive(Default)]
pub struct MemStore {
    pub events: Vec<Event>,
}

fn field(e: &Event, name: &str) -> Option<String> {
    match name {
        "id" => Some(e.id.as_str().to_string()),
        "host" => Some(e.host.to_string()),
        "source" => Some(e.source.to_string()),
        "category" => Some(e.category.as_str().to_string()),
        "action" => Some(e.action.to_string()),
        "outcome" => Some(e.outcome.as_str().to_string()),
        "actor" => e.actor.clone(),
        "actor_role" => e.actor_role.map(role_name),
        "src_ip" => e.src_ip.clone(),
        "target" => e.target.clone(),
        "ticket" => e.ticket.clone(),
        _ => None,
    }
}

fn role_name(r: ActorRole) -> String {
    match serde_json::to_value(r) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The free queries the rules send: quoted words, `AND`, `OR` and parentheses. A word matches
/// a word of the event's message, target or fields, as the index's tokenizer splits them.
fn query_matches(q: &str, e: &Event) -> bool {
    let mut text = format!("{} {}", e.message, e.target.as_deref().unwrap_or(""));
    for (_, v) in e.fields.iter() {
        if let Some(s) = v.as_str() {
            text.push(' ');
            text.push_str(s);
        }
    }
    let tokens: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || "._:-".contains(c)))
        .map(|t| t.trim_matches(|c| ".:-".contains(c)).to_lowercase())
        .collect();
    let lexed: Vec<String> = q
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut pos = 0;
    let v = or(&lexed, &mut pos, &tokens);
    assert_eq!(pos, lexed.len(), "MemStore cannot read the query {q}");
    v
}

fn or(l: &[String], pos: &mut usize, tokens: &[String]) -> bool {
    let mut v = and(l, pos, tokens);
    while l.get(*pos).map(String::as_str) == Some("OR") {
        *pos += 1;
        v |= and(l, pos, tokens);
    }
    v
}

fn and(l: &[String], pos: &mut usize, tokens: &[String]) -> bool {
    let mut v = atom(l, pos, tokens);
    while l.get(*pos).map(String::as_str) == Some("AND") {
        *pos += 1;
        v &= atom(l, pos, tokens);
    }
    v
}

fn atom(l: &[String], pos: &mut usize, tokens: &[String]) -> bool {
    let w = l.get(*pos).cloned().unwrap_or_default();
    *pos += 1;
    if w == "(" {
        let v = or(l, pos, tokens);
        assert_eq!(
            l.get(*pos).map(String::as_str),
            Some(")"),
            "unbalanced query"
        );
        *pos += 1;
        return v;
    }
    tokens.contains(&w.trim_matches('"').to_lowercase())
}

fn selects(f: &Filter, e: &Event) -> bool {
    f.query.as_deref().is_none_or(|q| query_matches(q, e))
        && f.since.is_none_or(|s| e.ts >= s)
        && f.until.is_none_or(|u| e.ts < u)
        && f.terms
            .iter()
            .all(|(k, v)| field(e, k).as_deref() == Some(v))
        && f.one_of
            .iter()
            .all(|(k, vs)| field(e, k).is_some_and(|x| vs.contains(&x)))
        && f.none_of
            .iter()
            .all(|(k, vs)| field(e, k).is_none_or(|x| !vs.contains(&x)))
}

fn row(e: &Event) -> Row {
    let a = |s: &str| Arc::<str>::from(s);
    Row {
        ts: e.ts,
        id: a(e.id.as_str()),
        host: a(&e.host),
        source: a(&e.source),
        category: a(e.category.as_str()),
        action: a(&e.action),
        outcome: a(e.outcome.as_str()),
        actor: e.actor.as_deref().map(a),
        actor_role: e.actor_role.map(|r| a(&role_name(r))),
        src_ip: e.src_ip.as_deref().map(a),
        target: e.target.as_deref().map(a),
        ticket: e.ticket.as_deref().map(a),
    }
}

impl MemStore {
    fn selected(&self, f: &Filter) -> Vec<&Event> {
        let mut v: Vec<&Event> = self.events.iter().filter(|e| selects(f, e)).collect();
        v.sort_by(|a, b| (a.ts, a.id.as_str()).cmp(&(b.ts, b.id.as_str())));
        v
    }
}

impl EventStore for MemStore {
    fn each(
        &self,
        filter: &Filter,
        f: &mut dyn FnMut(Event) -> vigil_index::Result<()>,
    ) -> vigil_index::Result<()> {
        for e in self.selected(filter) {
            f(e.clone())?;
        }
        Ok(())
    }

    fn rows(&self, filter: &Filter) -> vigil_index::Result<Vec<Row>> {
        Ok(self.selected(filter).into_iter().map(row).collect())
    }

    fn times(&self, filter: &Filter) -> vigil_index::Result<Vec<DateTime<Utc>>> {
        Ok(self.selected(filter).into_iter().map(|e| e.ts).collect())
    }

    fn span(&self, filter: &Filter) -> vigil_index::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let t = self.times(filter)?;
        Ok(t.first().copied().zip(t.last().copied()))
    }

    fn count(&self, filter: &Filter) -> vigil_index::Result<u64> {
        Ok(self.selected(filter).len() as u64)
    }

    fn count_by(&self, filter: &Filter, name: &str) -> vigil_index::Result<Vec<(String, u64)>> {
        let mut m = BTreeMap::new();
        for e in self.selected(filter) {
            if let Some(v) = field(e, name) {
                *m.entry(v).or_insert(0u64) += 1;
            }
        }
        Ok(m.into_iter().collect())
    }
}

/// A time written in Shanghai (`2026-11-06 11:26:20`), or with its own offset (RFC 3339).
pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(&format!("{s} +0800"), "%Y-%m-%d %H:%M:%S %z"))
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad test time {s:?}: {e}"))
}

/// An event of `action` at `ts` (Shanghai) by `actor`, host `h1`, source `src`; its id is its
/// position in `n`.
pub fn ev(n: u64, ts: &str, action: &'static str, actor: Option<&str>) -> Event {
    let category =
        vigil_parsers::vocab::category_of(action).unwrap_or(vigil_parsers::Category::Other);
    Event {
        id: EventId::new(0xabc, n),
        ts: t(ts),
        host: "h1".into(),
        source: "src".into(),
        format: "test".into(),
        category,
        action: action.into(),
        outcome: Outcome::Success,
        actor: actor.map(str::to_string),
        actor_role: None,
        src_ip: None,
        target: None,
        ticket: None,
        message: String::new(),
        raw: String::new(),
        fields: Fields::new(),
        flags: FlagSet::new(),
        origin: Origin {
            path: "test.log".into(),
            offset: n,
            line: n + 1,
        },
    }
}

/// Setters for the fields tests vary.
pub trait With {
    fn target(self, t: &str) -> Self;
    fn host(self, h: &str) -> Self;
    fn source(self, s: &str) -> Self;
    fn ip(self, ip: &str) -> Self;
    fn ticket(self, t: &str) -> Self;
    fn failed(self) -> Self;
    fn role(self, r: ActorRole) -> Self;
    fn field(self, k: &'static str, v: &str) -> Self;
}

impl With for Event {
    fn target(mut self, t: &str) -> Self {
        self.target = Some(t.into());
        self
    }
    fn host(mut self, h: &str) -> Self {
        self.host = h.into();
        self
    }
    fn source(mut self, s: &str) -> Self {
        self.source = s.into();
        self
    }
    fn ip(mut self, ip: &str) -> Self {
        self.src_ip = Some(ip.into());
        self
    }
    fn ticket(mut self, t: &str) -> Self {
        self.ticket = Some(t.into());
        self
    }
    fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }
    fn role(mut self, r: ActorRole) -> Self {
        self.actor_role = Some(r);
        self
    }
    fn field(mut self, k: &'static str, v: &str) -> Self {
        self.fields.insert(k, serde_json::Value::String(v.into()));
        self
    }
}
