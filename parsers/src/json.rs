//! JSON lines with a configurable field mapping (the archive application's own audit log).
//!
//! Each line is one JSON object. A [`JsonMapping`] (from the config) names the keys that hold the
//! event's time, actor, action, outcome, address, target, ticket, message, category, role and
//! host; each can be a list of candidate keys (the first usable one wins) and a dotted path
//! (`user.name`) reaches into nested objects. A key that literally contains a dot is found too:
//! the whole key is tried before the path.
//!
//! Reading rules, in one place:
//!
//! - **Values.** A candidate is used when its value is a non-empty string, a number or a boolean;
//!   `null`, empty strings, objects and arrays are skipped (and stay in `fields`). A value that is
//!   used is removed from the object; whatever is left (unmapped keys, values that could not be
//!   used) goes to `fields`, nested objects included. Text is passed through as is, Chinese
//!   included.
//! - **Time.** RFC 3339 / ISO 8601 with an offset (`2026-11-03T09:15:02+08:00`, `...Z`); without
//!   one it is read in the source's zone and flagged [`Flag::ZoneFromSource`]. Numbers (or strings
//!   of digits) are Unix epoch times, the unit chosen by size: below 10^11 seconds (fractions
//!   allowed), below 10^14 milliseconds, below 10^17 microseconds, else nanoseconds. A line with
//!   no time, or with one that cannot be read, is rejected naming the keys tried.
//! - **Action.** The raw value is looked up in the mapping's `actions` table first (raw value to
//!   a vocabulary action). Otherwise a raw value that is already a vocabulary action is kept.
//!   Otherwise the action is the raw value lower-cased and the category is read from the
//!   `category` key ([`Category::parse`], any case) or is `other`. A line without an action gets
//!   `other`. Where the event's action differs from the raw value, the raw value is kept in
//!   `fields.raw_action`.
//! - **Outcome.** Strings through [`Outcome::from_word`]; booleans true/false; integers 0 and 1
//!   as words, 200..=399 success and 400..=599 failure (HTTP status codes). A value that reads as
//!   unknown stays in `fields`.
//! - **Role.** Through [`ActorRole::parse`]; a role it does not know stays in `fields`.
//! - **Ticket.** The ticket key, else the first ticket number in the message.
//! - **Message.** The message key, else empty.
//!
//! Rejections: invalid JSON (serde_json's reason, at the byte where it stopped), a JSON value that
//! is not an object, a missing or unreadable time.
//!
//! Speed: each line is parsed once by serde_json into a value that borrows its strings from the
//! line (no allocation for keys, nor for values without escapes); only what becomes the event is
//! copied. When a key appears twice in a line, the first is used.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{ActorRole, Category, Event, Flag, Outcome};
use crate::line::RawLine;
use crate::{Output, Parser, reject, vocab};

/// The format's name in the config and in `Event::format`.
pub const FORMAT: &str = "json";

/// Which keys of a JSON line hold which event field. Every field takes one key or a list of
/// candidate keys (tried in order); a key may be a dotted path into nested objects (`user.name`).
/// An empty list means "not mapped". Fields left out of the config keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JsonMapping {
    /// The event time. Default: `ts`, `time`, `@timestamp`, `timestamp`.
    #[serde(deserialize_with = "one_or_many")]
    pub ts: Vec<String>,
    /// Who did it. Default: `user`, `username`, `actor`, `operator`.
    #[serde(deserialize_with = "one_or_many")]
    pub actor: Vec<String>,
    /// What was done (raw action, see `actions`). Default: `action`, `event`.
    #[serde(deserialize_with = "one_or_many")]
    pub action: Vec<String>,
    /// Whether it succeeded. Default: `result`, `status`, `outcome`.
    #[serde(deserialize_with = "one_or_many")]
    pub outcome: Vec<String>,
    /// The client's address. Default: `ip`, `client_ip`, `src_ip`, `remote_addr`.
    #[serde(deserialize_with = "one_or_many")]
    pub src_ip: Vec<String>,
    /// What it was done to. Default: `target`, `object`, `resource`.
    #[serde(deserialize_with = "one_or_many")]
    pub target: Vec<String>,
    /// The approval or change ticket. Default: `ticket`, `ticket_id`.
    #[serde(deserialize_with = "one_or_many")]
    pub ticket: Vec<String>,
    /// Human-readable text. Default: `message`, `msg`.
    #[serde(deserialize_with = "one_or_many")]
    pub message: Vec<String>,
    /// The category of an action outside the vocabulary (`login`, `data_edit`, ...).
    /// Default: `category`.
    #[serde(deserialize_with = "one_or_many")]
    pub category: Vec<String>,
    /// The actor's role as the line states it (`admin`, `operator`, ...). Default: `role`,
    /// `actor_role`.
    #[serde(deserialize_with = "one_or_many")]
    pub actor_role: Vec<String>,
    /// The host the line was written on. Default: `host`, `hostname`.
    #[serde(deserialize_with = "one_or_many")]
    pub host: Vec<String>,
    /// Raw action values and the vocabulary action each stands for, such as
    /// `"archive.modify" = "record.update"`. Exact match. Default: empty.
    pub actions: BTreeMap<String, String>,
    /// Mappings on several keys, tried before `actions`, the first that matches wins:
    /// `{ when = { action = "login", result = "denied" }, action = "login.failure" }`, with an
    /// optional `outcome`. Each `when` key (a key or dotted path) must hold that text exactly.
    pub rules: Vec<ActionRule>,
    /// Regexes over the target, each with a capture group: the first that matches makes the
    /// target its first group (`'^user/(.+)$'` turns `user/wb_sun` into `wb_sun`); the target as
    /// written goes to `fields.raw_target`.
    pub target_rewrite: Vec<String>,
    /// Where the host comes from when no `host` key holds one: a text key and a regex whose
    /// first capture group is the host (`{ key = "msg", regex = 'on host (\\S+)' }`).
    pub host_from: Option<Capture>,
}

/// A mapping on several keys (see [`JsonMapping::rules`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    pub when: BTreeMap<String, String>,
    pub action: String,
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A capture from a text key (see [`JsonMapping::host_from`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    pub key: String,
    pub regex: String,
}

/// A regex with at least one capture group, or why not.
fn capture_regex(re: &str) -> Result<regex::Regex, String> {
    let r = regex::Regex::new(re).map_err(|e| {
        let why = e.to_string();
        format!(
            "{re:?} is not a regex: {}",
            why.lines().last().unwrap_or("").trim()
        )
    })?;
    if r.captures_len() < 2 {
        return Err(format!(
            "{re:?} has no capture group: put what to keep in parentheses, as '^user/(.+)$'"
        ));
    }
    Ok(r)
}

impl Default for JsonMapping {
    fn default() -> JsonMapping {
        fn keys(k: &[&str]) -> Vec<String> {
            k.iter().map(|s| s.to_string()).collect()
        }
        JsonMapping {
            ts: keys(&["ts", "time", "@timestamp", "timestamp"]),
            actor: keys(&["user", "username", "actor", "operator"]),
            action: keys(&["action", "event"]),
            outcome: keys(&["result", "status", "outcome"]),
            src_ip: keys(&["ip", "client_ip", "src_ip", "remote_addr"]),
            target: keys(&["target", "object", "resource"]),
            ticket: keys(&["ticket", "ticket_id"]),
            message: keys(&["message", "msg"]),
            category: keys(&["category"]),
            actor_role: keys(&["role", "actor_role"]),
            host: keys(&["host", "hostname"]),
            actions: BTreeMap::new(),
            rules: Vec::new(),
            target_rewrite: Vec::new(),
            host_from: None,
        }
    }
}

impl JsonMapping {
    fn key_lists(&self) -> [(&'static str, &Vec<String>); 11] {
        [
            ("ts", &self.ts),
            ("actor", &self.actor),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("src_ip", &self.src_ip),
            ("target", &self.target),
            ("ticket", &self.ticket),
            ("message", &self.message),
            ("category", &self.category),
            ("actor_role", &self.actor_role),
            ("host", &self.host),
        ]
    }

    /// Checks the mapping: `ts` names at least one key, no key is empty or has an empty dotted
    /// part, and every `actions` value is a vocabulary action. The error names the bad key.
    pub fn validate(&self) -> Result<(), String> {
        if self.ts.is_empty() {
            return Err("ts: name at least one key that holds the event time".to_string());
        }
        for (name, keys) in self.key_lists() {
            for k in keys {
                if k.is_empty() {
                    return Err(format!("{name}: a key name is empty"));
                }
                if k.split('.').any(str::is_empty) {
                    return Err(format!(
                        "{name}: key {k:?} has an empty part (write dotted paths as `user.name`)"
                    ));
                }
            }
        }
        for (n, rule) in self.rules.iter().enumerate() {
            if rule.when.is_empty() {
                return Err(format!(
                    "rules[{n}].when: name at least one key and the text it must hold"
                ));
            }
            if !vocab::is_known(&rule.action) {
                return Err(format!(
                    "rules[{n}].action: {:?} is not a vocabulary action (such as login.failure, account.lock)",
                    rule.action
                ));
            }
            if let Some(o) = &rule.outcome
                && Outcome::from_word(o) == Outcome::Unknown
                && o != "unknown"
            {
                return Err(format!(
                    "rules[{n}].outcome: {o:?}: use success, failure or unknown"
                ));
            }
        }
        for (n, re) in self.target_rewrite.iter().enumerate() {
            capture_regex(re).map_err(|m| format!("target_rewrite[{n}]: {m}"))?;
        }
        if let Some(c) = &self.host_from {
            capture_regex(&c.regex).map_err(|m| format!("host_from.regex: {m}"))?;
        }
        for (raw, action) in &self.actions {
            if raw.is_empty() {
                return Err(format!(
                    "actions: an empty raw value is mapped to {action:?}"
                ));
            }
            if !vocab::is_known(action) {
                return Err(format!(
                    "actions.{raw:?}: {action:?} is not a vocabulary action (such as record.update, login.success)"
                ));
            }
        }
        Ok(())
    }
}

/// Accepts `"key"` or `["key", "other.key"]`.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a key name or a list of key names")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// One candidate key: the whole key, and its dotted parts when it has more than one.
#[derive(Debug, Clone)]
struct KeyPath {
    full: String,
    parts: Vec<String>,
}

impl KeyPath {
    fn list(keys: &[String]) -> Vec<KeyPath> {
        keys.iter()
            .map(|k| KeyPath {
                full: k.clone(),
                parts: if k.contains('.') {
                    k.split('.').map(str::to_string).collect()
                } else {
                    Vec::new()
                },
            })
            .collect()
    }

    /// The value at this key: the whole key first, then the dotted path. Values already taken
    /// are not found.
    fn get<'v, 'a>(&self, obj: &'v Obj<'a>) -> Option<&'v Val<'a>> {
        if let Some(v) = lookup(obj, &self.full) {
            return Some(v);
        }
        let (first, rest) = self.parts.split_first()?;
        let mut v = lookup(obj, first)?;
        for p in rest {
            match v {
                Val::Obj(o) => v = lookup(o, p)?,
                _ => return None,
            }
        }
        Some(v)
    }

    /// Takes the value at this key (as found by [`KeyPath::get`]), leaving [`Val::Taken`].
    fn take<'a>(&self, obj: &mut Obj<'a>) -> Option<Val<'a>> {
        if let Some(v) = lookup_mut(obj, &self.full) {
            return Some(std::mem::replace(v, Val::Taken));
        }
        let (first, rest) = self.parts.split_first()?;
        let mut v = lookup_mut(obj, first)?;
        for p in rest {
            match v {
                Val::Obj(o) => v = lookup_mut(o, p)?,
                _ => return None,
            }
        }
        Some(std::mem::replace(v, Val::Taken))
    }
}

fn lookup<'v, 'a>(obj: &'v Obj<'a>, key: &str) -> Option<&'v Val<'a>> {
    obj.iter()
        .find(|(k, v)| k == key && !matches!(v, Val::Taken))
        .map(|(_, v)| v)
}

fn lookup_mut<'v, 'a>(obj: &'v mut Obj<'a>, key: &str) -> Option<&'v mut Val<'a>> {
    obj.iter_mut()
        .find(|(k, v)| k == key && !matches!(v, Val::Taken))
        .map(|(_, v)| v)
}

/// The members of a JSON object, in the order written.
type Obj<'a> = Vec<(Cow<'a, str>, Val<'a>)>;

/// A JSON value that borrows its strings from the line where it can (strings without escapes):
/// a line is parsed once, without allocating for keys and values that become event fields.
#[derive(Debug)]
enum Val<'a> {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(Cow<'a, str>),
    Arr(Vec<Val<'a>>),
    Obj(Obj<'a>),
    /// A value moved into an event field.
    Taken,
}

impl<'a> Val<'a> {
    /// As a `serde_json::Value` for `fields`: taken values are left out, and objects left empty
    /// by taking are dropped (`None`).
    fn into_value(self) -> Option<Value> {
        Some(match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(b),
            Val::Num(n) => Value::Number(n),
            Val::Str(s) => Value::String(s.into_owned()),
            Val::Arr(a) => Value::Array(a.into_iter().filter_map(Val::into_value).collect()),
            Val::Obj(o) => {
                let had = o.len();
                let m: Map<String, Value> = o
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.into_owned(), v.into_value()?)))
                    .collect();
                if m.is_empty() && had > 0 {
                    return None;
                }
                Value::Object(m)
            }
            Val::Taken => return None,
        })
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn is_scalar(&self) -> bool {
        matches!(self, Val::Bool(_) | Val::Num(_) | Val::Str(_))
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Num(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::Num(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Val::Null, Val::Num))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element::<Val<'de>>()? {
            v.push(x);
        }
        Ok(Val::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let mut o = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let v = map.next_value::<Val<'de>>()?;
            o.push((k, v));
        }
        Ok(Val::Obj(o))
    }
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct KV;
        impl<'de> Visitor<'de> for KV {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KV)
    }
}

/// The compiled mapping.
#[derive(Debug, Clone)]
struct Keys {
    ts: Vec<KeyPath>,
    actor: Vec<KeyPath>,
    action: Vec<KeyPath>,
    outcome: Vec<KeyPath>,
    src_ip: Vec<KeyPath>,
    target: Vec<KeyPath>,
    ticket: Vec<KeyPath>,
    message: Vec<KeyPath>,
    category: Vec<KeyPath>,
    actor_role: Vec<KeyPath>,
    host: Vec<KeyPath>,
    ts_names: String,
}

/// A rule's conditions (key, text), action and outcome.
type CompiledRule = (Vec<(KeyPath, String)>, String, Option<Outcome>);

/// Reads JSON lines with a [`JsonMapping`]. Stateless: every line is an event or a rejection.
#[derive(Debug, Clone)]
pub struct JsonParser {
    keys: Keys,
    actions: BTreeMap<String, String>,
    rules: Vec<CompiledRule>,
    target_rewrite: Vec<regex::Regex>,
    host_from: Option<(Vec<KeyPath>, regex::Regex)>,
}

impl JsonParser {
    /// A parser for `mapping`. Call [`JsonMapping::validate`] first to report a bad mapping to
    /// the user; an unvalidated mapping still never panics (an `actions` value outside the
    /// vocabulary is then used as given, with category `other`).
    pub fn new(mapping: JsonMapping) -> JsonParser {
        let ts_names = mapping.ts.join(", ");
        JsonParser {
            keys: Keys {
                ts: KeyPath::list(&mapping.ts),
                actor: KeyPath::list(&mapping.actor),
                action: KeyPath::list(&mapping.action),
                outcome: KeyPath::list(&mapping.outcome),
                src_ip: KeyPath::list(&mapping.src_ip),
                target: KeyPath::list(&mapping.target),
                ticket: KeyPath::list(&mapping.ticket),
                message: KeyPath::list(&mapping.message),
                category: KeyPath::list(&mapping.category),
                actor_role: KeyPath::list(&mapping.actor_role),
                host: KeyPath::list(&mapping.host),
                ts_names,
            },
            actions: mapping.actions,
            rules: mapping
                .rules
                .iter()
                .map(|r| {
                    let when = r
                        .when
                        .iter()
                        .flat_map(|(k, v)| {
                            KeyPath::list(std::slice::from_ref(k))
                                .into_iter()
                                .map(move |p| (p, v.clone()))
                        })
                        .collect();
                    (
                        when,
                        r.action.clone(),
                        r.outcome.as_deref().map(Outcome::from_word),
                    )
                })
                .collect(),
            target_rewrite: mapping
                .target_rewrite
                .iter()
                .filter_map(|r| capture_regex(r).ok())
                .collect(),
            host_from: mapping.host_from.as_ref().and_then(|c| {
                Some((
                    KeyPath::list(std::slice::from_ref(&c.key)),
                    capture_regex(&c.regex).ok()?,
                ))
            }),
        }
    }

    fn parse(
        &self,
        line: &RawLine<'_>,
        text: &str,
        ctx: &ParseContext,
    ) -> Result<Event, ParseError> {
        let value: Val<'_> = serde_json::from_str(text).map_err(|e| json_error(&e, text))?;
        let Val::Obj(mut obj) = value else {
            let at = text.len() - text.trim_start().len();
            return Err(ParseError::new(
                ErrorKind::Expected("a JSON object {...} on each line"),
                at,
            ));
        };
        let k = &self.keys;

        // Time first: without it there is no event.
        let mut ts = None;
        for key in &k.ts {
            let Some(v) = key.get(&obj) else { continue };
            if matches!(v, Val::Null) || v.as_str() == Some("") {
                continue;
            }
            match read_time(v, ctx) {
                Ok(t) => {
                    ts = Some((key, t));
                    break;
                }
                Err(kind) => {
                    let kind = match kind {
                        ErrorKind::BadTimestamp(_) => ErrorKind::Other(format!(
                            "key {:?}: cannot read {} as a time (expected RFC 3339 such as 2026-11-03T09:15:02+08:00, or Unix epoch seconds or milliseconds)",
                            key.full,
                            short(v)
                        )),
                        other => other,
                    };
                    return Err(ParseError::new(kind, key_position(text, &key.full)));
                }
            }
        }
        let Some((ts_key, (ts, zone_from_source))) = ts else {
            return Err(ParseError::new(
                ErrorKind::Other(format!(
                    "no event time: none of the keys {} holds one",
                    k.ts_names
                )),
                0,
            ));
        };
        ts_key.take(&mut obj);

        // A rule on several keys, read before any key is taken.
        let rule = self.rules.iter().find(|(when, _, _)| {
            when.iter()
                .all(|(key, want)| key.get(&obj).and_then(scalar_text).as_deref() == Some(want))
        });
        let raw_action = take_text(&mut obj, &k.action);
        let (action, category) = match &raw_action {
            _ if rule.is_some() => (rule.map(|r| r.1.clone()).unwrap_or_default(), None),
            Some(raw) => {
                if let Some(mapped) = self.actions.get(raw.as_str()) {
                    (mapped.clone(), None)
                } else if vocab::is_known(raw) {
                    (raw.clone(), None)
                } else {
                    let cat = take_if(&mut obj, &k.category, |v| {
                        v.as_str()
                            .and_then(|s| Category::parse(&s.to_ascii_lowercase()))
                    });
                    (raw.to_lowercase(), Some(cat.unwrap_or(Category::Other)))
                }
            }
            None => (vocab::OTHER.to_string(), None),
        };

        let mut ev = Event::new(
            ctx,
            line,
            FORMAT,
            ts,
            vocab::intern(&action),
            text.to_string(),
        );
        if let Some(c) = category {
            ev.category = c;
        }
        if zone_from_source {
            ev.flag(Flag::ZoneFromSource);
        }
        if let Some(raw) = raw_action
            && raw != ev.action
        {
            ev.field("raw_action", raw);
        }
        ev.actor = take_text(&mut obj, &k.actor);
        ev.src_ip = take_text(&mut obj, &k.src_ip);
        ev.target = take_text(&mut obj, &k.target);
        if let Some(t) = ev.target.clone()
            && let Some(c) = self.target_rewrite.iter().find_map(|r| r.captures(&t))
            && let Some(g) = c.get(1)
        {
            ev.target = Some(g.as_str().to_string());
            ev.field("raw_target", t);
        }
        if let Some(h) = take_text(&mut obj, &k.host) {
            ev.host = ctx.shared_host(&h);
        } else if let Some((keys, re)) = &self.host_from
            && let Some(text) = keys.iter().find_map(|k| k.get(&obj).and_then(scalar_text))
            && let Some(h) = re.captures(&text).and_then(|c| c.get(1))
        {
            ev.host = ctx.shared_host(h.as_str());
        }
        if let Some(m) = take_text(&mut obj, &k.message) {
            ev.message = m;
        }
        ev.ticket = take_text(&mut obj, &k.ticket).or_else(|| ctx.find_ticket(&ev.message));
        if let Some(o) = take_if(&mut obj, &k.outcome, read_outcome) {
            ev.outcome = o;
        }
        if let Some((_, _, Some(o))) = rule {
            ev.outcome = *o;
        }
        ev.actor_role = take_if(&mut obj, &k.actor_role, |v| {
            v.as_str().and_then(ActorRole::parse)
        });
        for (key, v) in obj {
            if let Some(v) = v.into_value() {
                ev.fields.insert(key.into_owned(), v);
            }
        }
        Ok(ev)
    }
}

impl Parser for JsonParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = match line.decode_nonblank(ctx) {
            Ok(t) => t,
            Err(r) => {
                out.push(Err(r));
                return;
            }
        };
        match self.parse(line, &text, ctx) {
            Ok(mut ev) => {
                if let Some(f) = flag {
                    ev.flag(f);
                }
                out.push(Ok(ev));
            }
            Err(e) => out.push(Err(reject(line, text.into_owned(), e))),
        }
    }
}

/// serde_json's reason without its "at line 1 column N" tail, at the byte it names.
pub(crate) fn json_error(e: &serde_json::Error, text: &str) -> ParseError {
    let msg = e.to_string();
    let reason = match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(&msg),
        None => &msg,
    };
    // serde_json counts lines and 1-based byte columns; a line holds no newline, but a joined
    // multi-line record does: add up the lengths of the lines before.
    let mut at = 0usize;
    for (n, l) in text.split('\n').enumerate() {
        if n + 1 == e.line() {
            at += e.column().saturating_sub(1).min(l.len());
            break;
        }
        at += l.len() + 1;
    }
    ParseError::new(ErrorKind::Json(reason.to_string()), at.min(text.len()))
}

/// The byte where `"key"` first appears in the line (for the position of a bad value), else 0.
fn key_position(text: &str, key: &str) -> usize {
    let first = key.split('.').next().unwrap_or(key);
    let needle = format!("\"{first}\"");
    crate::atoms::find_bytes(text.as_bytes(), needle.as_bytes()).unwrap_or(0)
}

/// A value for an error message, cut short.
fn short(v: &Val<'_>) -> String {
    let s = match v {
        Val::Str(s) => Value::String(s.to_string()).to_string(),
        Val::Num(n) => n.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Null => "null".to_string(),
        Val::Arr(_) => "an array".to_string(),
        Val::Obj(_) => "an object".to_string(),
        Val::Taken => String::new(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(60).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// The first candidate holding a usable scalar (non-empty string, number, boolean), taken from
/// the object, as text.
/// A scalar's text: a string as is, a number or a boolean as JSON writes it.
fn scalar_text(v: &Val<'_>) -> Option<String> {
    match v {
        Val::Str(s) => Some(s.to_string()),
        Val::Num(n) => Some(n.to_string()),
        Val::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn take_text(obj: &mut Obj<'_>, keys: &[KeyPath]) -> Option<String> {
    for key in keys {
        let usable = match key.get(obj) {
            Some(Val::Str(s)) => !s.is_empty(),
            Some(Val::Num(_) | Val::Bool(_)) => true,
            _ => false,
        };
        if usable {
            return match key.take(obj)? {
                Val::Str(s) => Some(s.into_owned()),
                Val::Num(n) => Some(n.to_string()),
                Val::Bool(b) => Some(b.to_string()),
                _ => None,
            };
        }
    }
    None
}

/// The first candidate whose value `read` accepts, taken from the object. The first candidate
/// present with a scalar value decides: if `read` refuses it, the value stays and `None` is
/// returned.
fn take_if<T>(
    obj: &mut Obj<'_>,
    keys: &[KeyPath],
    read: impl Fn(&Val<'_>) -> Option<T>,
) -> Option<T> {
    for key in keys {
        match key.get(obj) {
            Some(v) if v.is_scalar() => {
                let r = read(v);
                if r.is_some() {
                    key.take(obj);
                }
                return r;
            }
            _ => continue,
        }
    }
    None
}

fn read_outcome(v: &Val<'_>) -> Option<Outcome> {
    let o = match v {
        Val::Str(s) => Outcome::from_word(s),
        Val::Bool(true) => Outcome::Success,
        Val::Bool(false) => Outcome::Failure,
        Val::Num(n) => match n.as_i64() {
            Some(0) => Outcome::Failure,
            Some(1) => Outcome::Success,
            Some(200..=399) => Outcome::Success,
            Some(400..=599) => Outcome::Failure,
            _ => Outcome::Unknown,
        },
        _ => Outcome::Unknown,
    };
    (o != Outcome::Unknown).then_some(o)
}

/// A JSON time value: an ISO string (zone from the source if it has none) or an epoch number.
/// The bool says whether the source's zone was used.
fn read_time(v: &Val<'_>, ctx: &ParseContext) -> Result<(DateTime<Utc>, bool), ErrorKind> {
    let bad = || ErrorKind::BadTimestamp(short(v));
    match v {
        Val::Str(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                if let Ok(i) = s.parse::<i64>() {
                    return epoch_int(i).map(|t| (t, false)).ok_or_else(bad);
                }
                if let Ok(f) = s.parse::<f64>() {
                    return epoch_float(f).map(|t| (t, false)).ok_or_else(bad);
                }
                return Err(bad());
            }
            crate::time::parse_iso(s, ctx.zone)
        }
        Val::Num(n) => {
            let t = match n.as_i64() {
                Some(i) => epoch_int(i),
                None => n.as_f64().and_then(epoch_float),
            };
            t.map(|t| (t, false)).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// An integer epoch time, its unit chosen by size (see the module documentation).
fn epoch_int(i: i64) -> Option<DateTime<Utc>> {
    let a = i.unsigned_abs();
    if a < 100_000_000_000 {
        DateTime::from_timestamp(i, 0)
    } else if a < 100_000_000_000_000 {
        DateTime::from_timestamp_millis(i)
    } else if a < 100_000_000_000_000_000 {
        DateTime::from_timestamp_micros(i)
    } else {
        Some(DateTime::from_timestamp_nanos(i))
    }
}

fn epoch_float(f: f64) -> Option<DateTime<Utc>> {
    let a = f.abs();
    let secs = if a < 1e11 {
        f
    } else if a < 1e14 {
        f / 1e3
    } else if a < 1e17 {
        f / 1e6
    } else {
        f / 1e9
    };
    crate::time::from_epoch_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;
    use serde_json::json;

    fn ctx() -> ParseContext {
        let reference = DateTime::parse_from_rfc3339("2026-11-04T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        ParseContext::new("archive-app", "arch-app01", Shanghai, reference)
    }

    #[allow(clippy::result_large_err)]
    fn parse_one(p: &mut JsonParser, s: &str) -> Output {
        let mut out = Vec::new();
        p.feed(&RawLine::text(s), &ctx(), &mut out);
        assert_eq!(out.len(), 1, "one output per line");
        out.pop().unwrap()
    }

    fn ev(p: &mut JsonParser, s: &str) -> Value {
        match parse_one(p, s) {
            Ok(e) => serde_json::to_value(&e).unwrap(),
            Err(r) => panic!("rejected {s}: {}", r.error),
        }
    }

    fn rejected(p: &mut JsonParser, s: &str) -> ParseError {
        match parse_one(p, s) {
            Ok(e) => panic!("accepted {s}: {e:?}"),
            Err(r) => r.error,
        }
    }

    /// A real application's audit log says what happened over several keys (`action=login,
    /// result=denied`), names accounts as `user/U`, and names the host only in its text.
    #[test]
    fn rules_on_several_keys_target_rewrites_and_a_host_from_text() {
        let mapping: JsonMapping = serde_json::from_value(json!({
            "rules": [
                {"when": {"action": "login", "result": "denied"}, "action": "login.failure", "outcome": "failure"},
                {"when": {"action": "login", "result": "ok"}, "action": "login.success"},
                {"when": {"action": "user.disable"}, "action": "account.lock"}
            ],
            "actions": {"login": "login.success"},
            "target_rewrite": ["^user/(.+)$"],
            "host_from": {"key": "msg", "regex": "on node (\\S+)"}
        }))
        .unwrap();
        assert_eq!(mapping.validate(), Ok(()));
        let mut p = JsonParser::new(mapping);
        let table = [
            (
                r#"{"ts":"2026-11-03T09:00:00+08:00","user":"wb_sun","action":"login","result":"denied","msg":"bad password on node arch-app02"}"#,
                ("login.failure", "failure", None, "arch-app02", None),
            ),
            (
                r#"{"ts":"2026-11-03T09:01:00+08:00","user":"wb_sun","action":"login","result":"ok","msg":"welcome"}"#,
                ("login.success", "success", None, "arch-app01", None),
            ),
            (
                r#"{"ts":"2026-11-03T10:00:00+08:00","user":"admin_zhou","action":"user.disable","target":"user/wb_sun","result":"ok"}"#,
                (
                    "account.lock",
                    "success",
                    Some("wb_sun"),
                    "arch-app01",
                    Some("user/wb_sun"),
                ),
            ),
            (
                // Neither rule holds: the one-key mapping decides.
                r#"{"ts":"2026-11-03T10:05:00+08:00","user":"li","action":"login","result":"timeout"}"#,
                ("login.success", "unknown", None, "arch-app01", None),
            ),
        ];
        for (line, (action, outcome, target, host, raw_target)) in table {
            let e = ev(&mut p, line);
            assert_eq!(e["action"], action, "{line}");
            assert_eq!(e["outcome"], outcome, "{line}");
            assert_eq!(e["target"].as_str(), target, "{line}");
            assert_eq!(e["host"], host, "{line}");
            assert_eq!(e["fields"]["raw_target"].as_str(), raw_target, "{line}");
        }
        let bad = |v: Value| {
            serde_json::from_value::<JsonMapping>(v)
                .unwrap()
                .validate()
                .unwrap_err()
        };
        assert_eq!(
            bad(json!({"rules": [{"when": {"action": "x"}, "action": "login.fail"}]})),
            "rules[0].action: \"login.fail\" is not a vocabulary action (such as login.failure, account.lock)"
        );
        assert!(
            bad(json!({"target_rewrite": ["^user/.+$"]}))
                .starts_with("target_rewrite[0]: \"^user/.+$\" has no capture group")
        );
        assert!(
            bad(json!({"host_from": {"key": "msg", "regex": "on ("}}))
                .starts_with("host_from.regex: \"on (\" is not a regex")
        );
    }

    const ARCHIVE_LINE: &str = r#"{"ts":"2026-11-03T09:15:02+08:00","user":"zhangsan","dept":"档案室","role":"operator","action":"record.update","target":"archive_item/2019-WS-0031","result":"success","ip":"10.1.2.3","message":"修改档案著录信息 题名","ticket":"DE-2026-031"}"#;

    #[test]
    fn archive_application_line() {
        let mut p = JsonParser::new(JsonMapping::default());
        assert_eq!(
            ev(&mut p, ARCHIVE_LINE),
            json!({
                "id": "0000000000000000000000000000",
                "ts": "2026-11-03T01:15:02Z",
                "host": "arch-app01",
                "source": "archive-app",
                "format": "json",
                "category": "data_edit",
                "action": "record.update",
                "outcome": "success",
                "actor": "zhangsan",
                "actor_role": "operator",
                "src_ip": "10.1.2.3",
                "target": "archive_item/2019-WS-0031",
                "ticket": "DE-2026-031",
                "message": "修改档案著录信息 题名",
                "raw": ARCHIVE_LINE,
                "fields": {"dept": "档案室"},
                "origin": {"path": "-", "offset": 0, "line": 1}
            })
        );
    }

    #[test]
    fn table_of_archive_lines() {
        let mapping = JsonMapping {
            actions: BTreeMap::from([
                ("LOGIN".to_string(), "login.success".to_string()),
                ("LOGIN_FAIL".to_string(), "login.failure".to_string()),
                ("导出".to_string(), "export.request".to_string()),
            ]),
            ..JsonMapping::default()
        };
        assert_eq!(mapping.validate(), Ok(()));
        let mut p = JsonParser::new(mapping);
        let cases: Vec<(&str, Value)> = vec![
            (
                // Mapped action, zone-less time read in Asia/Shanghai, numeric outcome.
                r#"{"time":"2026-11-03 08:01:44","username":"lisi","action":"LOGIN_FAIL","client_ip":"10.1.9.77","status":0,"msg":"密码错误（第3次）","hostname":"arch-app02"}"#,
                json!({
                    "ts": "2026-11-03T00:01:44Z", "host": "arch-app02", "category": "login",
                    "action": "login.failure", "outcome": "failure", "actor": "lisi",
                    "actor_role": null, "src_ip": "10.1.9.77", "target": null, "ticket": null,
                    "message": "密码错误（第3次）", "fields": {"raw_action": "LOGIN_FAIL"},
                    "flags": ["zone_from_source"]
                }),
            ),
            (
                // Epoch milliseconds, Chinese action mapped, nested actor, unknown role kept.
                r#"{"@timestamp":1793668502123,"user":{"name":"王五","id":1032},"event":"导出","object":"档案目录 2019年度","result":"ok","role":"档案管理员","ticket_id":"EX-2026-007"}"#,
                json!({
                    "ts": "2026-11-03T01:15:02.123Z", "host": "arch-app01", "category": "data_export",
                    "action": "export.request", "outcome": "success", "actor": null,
                    "actor_role": null, "src_ip": null, "target": "档案目录 2019年度",
                    "ticket": "EX-2026-007", "message": "",
                    "fields": {"raw_action": "导出", "user": {"name": "王五", "id": 1032}, "role": "档案管理员"}
                }),
            ),
            (
                // An action outside the vocabulary: lower-cased, category from the line.
                r#"{"timestamp":"2026-11-03T10:00:00Z","operator":"zhaoliu","action":"Workflow.Approve","category":"admin","target":"流程/归档审批/88","outcome":"true","message":"审批通过 DE-2026-040"}"#,
                json!({
                    "ts": "2026-11-03T10:00:00Z", "host": "arch-app01", "category": "admin",
                    "action": "workflow.approve", "outcome": "success", "actor": "zhaoliu",
                    "actor_role": null, "src_ip": null, "target": "流程/归档审批/88",
                    "ticket": "DE-2026-040", "message": "审批通过 DE-2026-040",
                    "fields": {"raw_action": "Workflow.Approve"}
                }),
            ),
            (
                // Unknown category word: other, and the word stays in fields. Epoch seconds.
                r#"{"ts":1793668502,"actor":"sys","action":"cache.rebuild","category":"维护","result":"pending"}"#,
                json!({
                    "ts": "2026-11-03T01:15:02Z", "host": "arch-app01", "category": "other",
                    "action": "cache.rebuild", "outcome": "unknown", "actor": "sys",
                    "actor_role": null, "src_ip": null, "target": null, "ticket": null,
                    "message": "", "fields": {"category": "维护", "result": "pending"}
                }),
            ),
            (
                // No action at all; HTTP status as outcome; fractional epoch string.
                r#"{"ts":"1793668502.5","user":"zhangsan","status":403,"remote_addr":"10.1.2.3","path":"/api/档案/1"}"#,
                json!({
                    "ts": "2026-11-03T01:15:02.500Z", "host": "arch-app01", "category": "other",
                    "action": "other", "outcome": "failure", "actor": "zhangsan",
                    "actor_role": null, "src_ip": "10.1.2.3", "target": null, "ticket": null,
                    "message": "", "fields": {"path": "/api/档案/1"}
                }),
            ),
        ];
        for (line, want) in cases {
            let mut got = ev(&mut p, line);
            let obj = got.as_object_mut().unwrap();
            for k in ["id", "source", "format", "raw", "origin"] {
                obj.remove(k);
            }
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn dotted_paths_and_candidate_lists() {
        let mapping: JsonMapping = serde_json::from_value(json!({
            "ts": "event.created",
            "actor": ["user.name", "user.id"],
            "action": "event.action",
            "outcome": "event.outcome",
            "src_ip": "source.ip",
            "host": "host.name",
        }))
        .unwrap();
        assert_eq!(mapping.validate(), Ok(()));
        assert_eq!(
            mapping.message,
            vec!["message", "msg"],
            "unnamed fields keep their defaults"
        );
        let mut p = JsonParser::new(mapping);
        let line = r#"{"event":{"created":"2026-11-03T09:15:02.5+08:00","action":"record.delete","outcome":"failure","dataset":"archive"},"user":{"id":77},"source":{"ip":"10.1.2.3"},"host":{"name":"arch-app03"},"message":"删除档案 2019-WS-0031 被拒绝"}"#;
        let mut got = ev(&mut p, line);
        got.as_object_mut().unwrap().remove("raw");
        assert_eq!(
            got,
            json!({
                "id": "0000000000000000000000000000", "ts": "2026-11-03T01:15:02.500Z",
                "host": "arch-app03", "source": "archive-app", "format": "json",
                "category": "data_edit", "action": "record.delete", "outcome": "failure",
                "actor": "77", "actor_role": null, "src_ip": "10.1.2.3", "target": null,
                "ticket": null, "message": "删除档案 2019-WS-0031 被拒绝",
                "fields": {"event": {"dataset": "archive"}},
                "origin": {"path": "-", "offset": 0, "line": 1}
            })
        );
        // A key that literally holds a dot is found before the path.
        let mut p = JsonParser::new(JsonMapping {
            ts: vec!["event.created".into()],
            ..JsonMapping::default()
        });
        let got = ev(
            &mut p,
            r#"{"event.created":"2026-11-03T00:00:00Z","event":{"created":"bad"}}"#,
        );
        assert_eq!(got["ts"], "2026-11-03T00:00:00Z");
        assert_eq!(got["fields"], json!({"event": {"created": "bad"}}));
    }

    #[test]
    fn rejections_say_why_and_where() {
        let mut p = JsonParser::new(JsonMapping::default());
        let e = rejected(
            &mut p,
            r#"{"ts":"2026-11-03T09:15:02+08:00","user":"张三",}"#,
        );
        assert_eq!(e.kind, ErrorKind::Json("trailing comma".into()));
        assert_eq!(e.at, 50, "the closing brace after the comma");
        let e = rejected(&mut p, r#"{"ts":"2026-11-03T09:15:02+08:00","msg":"截断"#);
        assert!(
            matches!(e.kind, ErrorKind::Json(ref m) if m.contains("EOF")),
            "{e}"
        );
        assert_eq!(e.at, 46);
        let e = rejected(&mut p, r#"  ["ts", 1]"#);
        assert_eq!(
            e,
            ParseError::new(ErrorKind::Expected("a JSON object {...} on each line"), 2)
        );
        let e = rejected(&mut p, r#"{"user":"zhangsan","action":"login.success"}"#);
        assert_eq!(
            e.to_string(),
            "no event time: none of the keys ts, time, @timestamp, timestamp holds one at byte 0"
        );
        let e = rejected(&mut p, r#"{"user":"zhangsan","time":"昨天"}"#);
        assert_eq!(e.at, 19);
        assert!(
            e.to_string()
                .starts_with("key \"time\": cannot read \"昨天\" as a time"),
            "{e}"
        );
        let e = rejected(&mut p, "   ");
        assert_eq!(e.kind, ErrorKind::Empty);
        // A local time that does not exist in the source's zone.
        let mut ny = ctx();
        ny.zone = chrono_tz::America::New_York;
        let mut out = Vec::new();
        p.feed(
            &RawLine::text(r#"{"ts":"2026-03-08T02:30:00"}"#),
            &ny,
            &mut out,
        );
        assert!(
            matches!(out[0], Err(ref r) if matches!(r.error.kind, ErrorKind::NonexistentTime { .. }))
        );
    }

    #[test]
    fn invalid_utf8_is_flagged_and_kept() {
        let mut p = JsonParser::new(JsonMapping::default());
        let bytes = b"{\"ts\":\"2026-11-03T09:15:02+08:00\",\"message\":\"bad \xff byte\"}";
        let line = RawLine {
            bytes,
            path: "app.log",
            file_id: 7,
            offset: 100,
            line: 3,
        };
        let mut out = Vec::new();
        p.feed(&line, &ctx(), &mut out);
        let e = out.pop().unwrap().unwrap();
        assert_eq!(e.message, "bad \u{fffd} byte");
        assert_eq!(e.flags, vec![Flag::InvalidUtf8]);
        assert_eq!(e.id, Event::make_id(7, 100));
    }

    #[test]
    fn mapping_config_and_validation() {
        let m: JsonMapping =
            serde_json::from_value(json!({"actions": {"修改": "record.update"}})).unwrap();
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.ts, JsonMapping::default().ts);
        let err = serde_json::from_value::<JsonMapping>(json!({"timestamp": "t"})).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `timestamp`"),
            "{err}"
        );
        let err = serde_json::from_value::<JsonMapping>(json!({"ts": 5})).unwrap_err();
        assert!(
            err.to_string()
                .contains("a key name or a list of key names"),
            "{err}"
        );
        let bad = |m: Value| {
            serde_json::from_value::<JsonMapping>(m)
                .unwrap()
                .validate()
                .unwrap_err()
        };
        assert_eq!(
            bad(json!({"ts": []})),
            "ts: name at least one key that holds the event time"
        );
        assert!(bad(json!({"actor": ["user..name"]})).starts_with("actor: key \"user..name\""));
        assert!(bad(json!({"target": [""]})).starts_with("target: a key name is empty"));
        assert!(
            bad(json!({"actions": {"修改": "record.edit"}}))
                .starts_with("actions.\"修改\": \"record.edit\"")
        );
    }

    #[test]
    fn epoch_units() {
        let t = |i: i64| epoch_int(i).unwrap().to_rfc3339();
        assert_eq!(t(1_793_668_502), "2026-11-03T01:15:02+00:00");
        assert_eq!(t(1_793_668_502_123), "2026-11-03T01:15:02.123+00:00");
        assert_eq!(t(1_793_668_502_123_456), "2026-11-03T01:15:02.123456+00:00");
        assert_eq!(
            t(1_793_668_502_123_456_789),
            "2026-11-03T01:15:02.123456789+00:00"
        );
        assert_eq!(
            epoch_float(1.793_668_502_5e12).unwrap().to_rfc3339(),
            "2026-11-03T01:15:02.500+00:00"
        );
        assert!(epoch_float(f64::INFINITY).is_none());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
                let mut p = JsonParser::new(JsonMapping::default());
                let mut out = Vec::new();
                p.feed(&RawLine { bytes: &bytes, path: "-", file_id: 0, offset: 0, line: 1 }, &ctx(), &mut out);
                prop_assert_eq!(out.len(), 1);
            }

            #[test]
            fn random_json_never_panics(s in r#"\{("[a-z@.]{1,6}":("[^"\\]{0,8}"|-?[0-9]{1,20}(\.[0-9]{1,3})?|true|null|\{\}|\[\]),?){0,6}\}"#) {
                let mut p = JsonParser::new(JsonMapping::default());
                let mut out = Vec::new();
                p.feed(&RawLine::text(&s), &ctx(), &mut out);
                prop_assert_eq!(out.len(), 1);
            }

            #[test]
            fn truncated_real_lines_never_panic(cut in 0usize..400) {
                let mut p = JsonParser::new(JsonMapping::default());
                let b = ARCHIVE_LINE.as_bytes();
                let bytes = &b[..cut.min(b.len())];
                let mut out = Vec::new();
                p.feed(&RawLine { bytes, path: "-", file_id: 0, offset: 0, line: 1 }, &ctx(), &mut out);
                prop_assert_eq!(out.len(), 1);
                prop_assert_eq!(out[0].is_ok(), cut >= b.len());
            }
        }
    }
}
