//! The one event every parser produces, whatever the log format.
//!
//! Its fields are those of the event table in DESIGN.md. Every later part of vigil (index, archive,
//! checks, report) reads events of this type and nothing else. The vocabulary of `category` and
//! `action` lives in [`crate::vocab`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Index;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::ParseContext;
use crate::line::RawLine;

/// What kind of thing happened: the coarse class the checks and the report group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Login,
    Admin,
    DataEdit,
    DataRead,
    DataExport,
    Permission,
    Account,
    Backup,
    Release,
    Config,
    System,
    Other,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Login,
        Category::Admin,
        Category::DataEdit,
        Category::DataRead,
        Category::DataExport,
        Category::Permission,
        Category::Account,
        Category::Backup,
        Category::Release,
        Category::Config,
        Category::System,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Login => "login",
            Category::Admin => "admin",
            Category::DataEdit => "data_edit",
            Category::DataRead => "data_read",
            Category::DataExport => "data_export",
            Category::Permission => "permission",
            Category::Account => "account",
            Category::Backup => "backup",
            Category::Release => "release",
            Category::Config => "config",
            Category::System => "system",
            Category::Other => "other",
        }
    }

    /// The category named `s` (as written by [`Category::as_str`]), if any.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    #[default]
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }

    /// Reads the usual spellings of a result: success/ok/true/1/yes/passed and
    /// failure/failed/fail/error/denied/false/0/no. Anything else is unknown.
    pub fn from_word(s: &str) -> Outcome {
        let s = s.trim();
        const OK: [&str; 8] = [
            "success",
            "succeeded",
            "ok",
            "true",
            "1",
            "yes",
            "passed",
            "allowed",
        ];
        const KO: [&str; 10] = [
            "failure",
            "failed",
            "fail",
            "error",
            "denied",
            "false",
            "0",
            "no",
            "rejected",
            "forbidden",
        ];
        if OK.iter().any(|w| s.eq_ignore_ascii_case(w)) {
            Outcome::Success
        } else if KO.iter().any(|w| s.eq_ignore_ascii_case(w)) {
            Outcome::Failure
        } else {
            Outcome::Unknown
        }
    }
}

/// The role of the actor, where the line itself says it (policy adds more later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    Admin,
    Operator,
    User,
    Outsourced,
    Service,
}

impl ActorRole {
    pub fn parse(s: &str) -> Option<ActorRole> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" | "root" | "superuser" | "dba" => Some(ActorRole::Admin),
            "operator" | "ops" => Some(ActorRole::Operator),
            "user" => Some(ActorRole::User),
            "outsourced" | "contractor" | "vendor" => Some(ActorRole::Outsourced),
            "service" | "system" => Some(ActorRole::Service),
            _ => None,
        }
    }
}

/// Something a reader of the event should know about how it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The line had no year; it was chosen by the context's year resolver.
    YearInferred,
    /// The line had no zone (or only an abbreviation); it was read in the source's zone.
    ZoneFromSource,
    /// The bytes were not valid UTF-8 and were decoded lossily (U+FFFD replaces bad bytes).
    InvalidUtf8,
    /// The bytes were decoded as GB18030, as the source is configured.
    Gb18030,
    /// A multi-record event was emitted before it was complete (end of input or too many open).
    Incomplete,
}

/// Where an event came from: the chain of custody back to the bytes on disk.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Origin {
    pub path: String,
    /// Byte offset of the event's first line in the file.
    pub offset: u64,
    /// 1-based line number of the event's first line.
    pub line: u64,
}

/// The `fields` of an event: a small map from names to JSON values, kept sorted by name.
///
/// Events carry a handful of fields each and millions of events are made: a sorted vector
/// (binary search, one allocation) costs a fraction of a `BTreeMap` (a node per few entries, and
/// a walk on drop), and names that are constants (`Cow::Borrowed`) cost no allocation at all.
/// It serializes as a JSON object with its keys in order, like the `BTreeMap` it replaces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Vec<(Cow<'static, str>, Value)>);

impl Fields {
    pub fn new() -> Fields {
        Fields(Vec::new())
    }

    /// Room for `n` fields before the first reallocation.
    pub fn with_capacity(n: usize) -> Fields {
        Fields(Vec::with_capacity(n))
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }
}

impl Index<&str> for Fields {
    type Output = Value;

    /// The value of `key`; panics if there is none (as `BTreeMap` does), for tests.
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no field {key:?}"),
        }
    }
}

impl<K: Into<Cow<'static, str>>> FromIterator<(K, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Fields {
        let mut f = Fields::new();
        f.extend(iter);
        f
    }
}

impl<K: Into<Cow<'static, str>>> Extend<(K, Value)> for Fields {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Fields {
    type Item = (Cow<'static, str>, Value);
    type IntoIter = std::vec::IntoIter<(Cow<'static, str>, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k.as_ref(), v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        let m = BTreeMap::<String, Value>::deserialize(d)?;
        Ok(Fields(
            m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
        ))
    }
}

/// One normalised event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable hex id derived from the file identity and the byte offset: see [`Event::make_id`].
    pub id: String,
    /// When it happened, UTC.
    pub ts: DateTime<Utc>,
    pub host: String,
    pub source: String,
    /// The format's name (a constant for built-in formats: no allocation per event).
    pub format: Cow<'static, str>,
    pub category: Category,
    /// Dotted verb from [`crate::vocab`] (a constant for vocabulary actions).
    pub action: Cow<'static, str>,
    pub outcome: Outcome,
    pub actor: Option<String>,
    pub actor_role: Option<ActorRole>,
    pub src_ip: Option<String>,
    pub target: Option<String>,
    pub ticket: Option<String>,
    /// Human text, full-text searchable.
    pub message: String,
    /// The original line(s), verbatim (decoded to text).
    pub raw: String,
    /// Everything else the parser found (a JSON object, keys in order).
    pub fields: Fields,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    pub origin: Origin,
}

impl Event {
    /// The id of the event whose first line starts at `offset` in the file whose fingerprint is
    /// `file_id`: 16 hex digits of fingerprint, 12 of offset. Re-reading the same bytes gives the
    /// same id, and the id says where to look.
    pub fn make_id(file_id: u64, offset: u64) -> String {
        if offset >> 48 != 0 {
            // Past 256 TiB the offset takes more than 12 digits.
            return format!("{file_id:016x}{offset:012x}");
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(28);
        for i in (0..16).rev() {
            s.push(HEX[((file_id >> (i * 4)) & 0xf) as usize] as char);
        }
        for i in (0..12).rev() {
            s.push(HEX[((offset >> (i * 4)) & 0xf) as usize] as char);
        }
        s
    }

    /// A new event for `line`, read under `ctx`, with the category of `action` taken from the
    /// vocabulary (or `Other`). Parsers fill in the rest.
    pub fn new(
        ctx: &ParseContext,
        line: &RawLine<'_>,
        format: impl Into<Cow<'static, str>>,
        ts: DateTime<Utc>,
        action: impl Into<Cow<'static, str>>,
        raw: String,
    ) -> Event {
        let action = action.into();
        let category = crate::vocab::category_of(&action).unwrap_or(Category::Other);
        Event {
            id: Event::make_id(line.file_id, line.offset),
            ts,
            host: ctx.host.clone(),
            source: ctx.source.clone(),
            format: format.into(),
            category,
            action,
            outcome: Outcome::Unknown,
            actor: None,
            actor_role: None,
            src_ip: None,
            target: None,
            ticket: None,
            message: String::new(),
            raw,
            // Most parsers set a handful of fields: one allocation instead of growing 4, 8, 16.
            fields: Fields::with_capacity(8),
            flags: Vec::new(),
            origin: Origin {
                path: line.path.to_string(),
                offset: line.offset,
                line: line.line,
            },
        }
    }

    /// Sets `action` and the category the vocabulary gives it.
    pub fn set_action(&mut self, action: impl Into<Cow<'static, str>>) {
        self.action = action.into();
        self.category = crate::vocab::category_of(&self.action).unwrap_or(Category::Other);
    }

    /// Adds a flag once.
    pub fn flag(&mut self, flag: Flag) {
        if !self.flags.contains(&flag) {
            self.flags.push(flag);
            self.flags.sort();
        }
    }

    /// Stores `value` under `key` in `fields`.
    pub fn field(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        self.fields.insert(key, value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn fields_stay_sorted_and_serialize_as_an_object() {
        let mut f = super::Fields::new();
        f.insert("pid", 7.into());
        f.insert(String::from("actor_name"), "张三".into());
        f.insert("zone", "x".into());
        assert_eq!(f.insert("pid", 8.into()), Some(7.into()));
        assert_eq!(f.keys().collect::<Vec<_>>(), ["actor_name", "pid", "zone"]);
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"actor_name":"张三","pid":8,"zone":"x"}"#);
        let back: super::Fields = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        assert_eq!(f.remove("pid"), Some(8.into()));
        assert!(!f.contains_key("pid") && f.len() == 2);
    }

    #[test]
    fn ids_are_fingerprint_then_offset() {
        assert_eq!(Event::make_id(0xabc, 0x1f), "0000000000000abc00000000001f");
        assert_eq!(
            Event::make_id(u64::MAX, (1 << 48) - 1),
            "ffffffffffffffffffffffffffff"
        );
        assert_eq!(Event::make_id(1, 1 << 48), "00000000000000011000000000000");
    }
}
