//! The index schema, built in one place from the fields of [`Event`].
//!
//! Field names are those of the event (`actor`, `src_ip`, ...), plus `path` for `origin.path`,
//! `flags` for the event's flags, and `event` and `raw` for the stored event itself. The whole
//! event is stored (so `vigil show ID` gives back exactly what was indexed): its raw line(s) as
//! they are in `raw`, its message in `message`, and everything else as one JSON document in
//! `event` (whose `raw` and `message` are empty: the two longest texts are not escaped and stored
//! twice). Every other field is for searching, counting and sorting only.
//!
//! | field | type | options |
//! |---|---|---|
//! | `id` | text, raw tokenizer | indexed (the delete-then-add key), fast (the checks read ids without loading events) |
//! | `host` `source` `format` `category` `action` `outcome` `actor` `actor_role` `src_ip` `target` `ticket` `path` `flags` | text, raw tokenizer | indexed, fast (exact values, counted by [`crate::Searcher::count_by`]) |
//! | `ts` | date, microseconds | fast (sort, ranges; not indexed: ranges read the fast field) |
//! | `message` | text, [`TEXT_TOKENIZER`] | indexed with positions (full text, phrases, Chinese), stored |
//! | `fields` | JSON object, [`TEXT_TOKENIZER`] | indexed with positions (`fields.session:abc`) |
//! | `text` | text, [`TEXT_TOKENIZER`] | indexed with positions, not stored: every string value of `fields`, so that a bare word finds what a JSON log keeps in `fields.detail` |
//! | `event` | text | stored only: the event as JSON, without its raw line(s) and message |
//! | `raw` | text | stored only: the event's raw line(s) |
//!
//! [`SCHEMA_VERSION`] is written into every commit; bump it whenever this table changes.

use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, JsonObjectOptions, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DateTime, TantivyDocument};
use vigil_parsers::{Event, FieldRef, FieldValue, Fields};

use crate::tokenizer::{Mode, TEXT_TOKENIZER, TextTokenizer};

/// The version of the schema below. An index of another version is refused on open.
pub const SCHEMA_VERSION: u64 = 4;

/// The field names, as in [`Event`] where the event has the field.
pub mod names {
    pub const ID: &str = "id";
    pub const TS: &str = "ts";
    pub const HOST: &str = "host";
    pub const SOURCE: &str = "source";
    pub const FORMAT: &str = "format";
    pub const CATEGORY: &str = "category";
    pub const ACTION: &str = "action";
    pub const OUTCOME: &str = "outcome";
    pub const ACTOR: &str = "actor";
    pub const ACTOR_ROLE: &str = "actor_role";
    pub const SRC_IP: &str = "src_ip";
    pub const TARGET: &str = "target";
    pub const TICKET: &str = "ticket";
    pub const MESSAGE: &str = "message";
    pub const FIELDS: &str = "fields";
    /// Every string value of `fields`, for bare words (indexed only).
    pub const TEXT: &str = "text";
    /// `origin.path`.
    pub const PATH: &str = "path";
    pub const FLAGS: &str = "flags";
    /// The stored event (JSON, without raw and message).
    pub const EVENT: &str = "event";
    /// The stored raw line(s).
    pub const RAW: &str = "raw";
}

/// The keyword fields that are fast, so that [`crate::Searcher::count_by`] can count by them.
pub const COUNTABLE: [&str; 13] = [
    names::HOST,
    names::SOURCE,
    names::FORMAT,
    names::CATEGORY,
    names::ACTION,
    names::OUTCOME,
    names::ACTOR,
    names::ACTOR_ROLE,
    names::SRC_IP,
    names::TARGET,
    names::TICKET,
    names::PATH,
    names::FLAGS,
];

/// The fields a bare word of a query is looked for in: the message's words, and the exact values
/// of the fields a reviewer searches for (a person, an address, a table or archive item, a
/// ticket, a host, an event id). `10.1.2.3` finds the events from that address even where the
/// message does not quote it; `删除` finds the JSON events whose `fields.detail` holds it.
pub const DEFAULT_FIELDS: [&str; 8] = [
    names::MESSAGE,
    names::TEXT,
    names::ID,
    names::HOST,
    names::ACTOR,
    names::SRC_IP,
    names::TARGET,
    names::TICKET,
];

/// The schema and the handle of every field.
#[derive(Debug, Clone)]
pub struct VigilSchema {
    pub schema: Schema,
    pub id: Field,
    pub ts: Field,
    pub host: Field,
    pub source: Field,
    pub format: Field,
    pub category: Field,
    pub action: Field,
    pub outcome: Field,
    pub actor: Field,
    pub actor_role: Field,
    pub src_ip: Field,
    pub target: Field,
    pub ticket: Field,
    pub path: Field,
    pub flags: Field,
    pub message: Field,
    pub fields: Field,
    pub text: Field,
    pub event: Field,
    pub raw: Field,
}

fn keyword(fast: bool) -> TextOptions {
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic),
    );
    if fast { o.set_fast("raw") } else { o }
}

fn full_text() -> TextFieldIndexing {
    TextFieldIndexing::default()
        .set_tokenizer(TEXT_TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions)
}

/// The serde name of a value that serializes as a string (the enums of the event).
fn serde_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl VigilSchema {
    /// Builds the schema.
    pub fn build() -> VigilSchema {
        use names::*;
        let mut b = Schema::builder();
        let id = b.add_text_field(ID, keyword(true));
        // Not indexed: every event has its own time, and a term per event would cost a term
        // dictionary entry per event; range queries read the fast field.
        let ts = b.add_date_field(
            TS,
            DateOptions::default()
                .set_fast()
                .set_precision(DateTimePrecision::Microseconds),
        );
        let host = b.add_text_field(HOST, keyword(true));
        let source = b.add_text_field(SOURCE, keyword(true));
        let format = b.add_text_field(FORMAT, keyword(true));
        let category = b.add_text_field(CATEGORY, keyword(true));
        let action = b.add_text_field(ACTION, keyword(true));
        let outcome = b.add_text_field(OUTCOME, keyword(true));
        let actor = b.add_text_field(ACTOR, keyword(true));
        let actor_role = b.add_text_field(ACTOR_ROLE, keyword(true));
        let src_ip = b.add_text_field(SRC_IP, keyword(true));
        let target = b.add_text_field(TARGET, keyword(true));
        let ticket = b.add_text_field(TICKET, keyword(true));
        let path = b.add_text_field(PATH, keyword(true));
        let flags = b.add_text_field(FLAGS, keyword(true));
        let message = b.add_text_field(
            MESSAGE,
            TextOptions::default()
                .set_indexing_options(full_text())
                .set_stored(),
        );
        let fields = b.add_json_field(
            FIELDS,
            JsonObjectOptions::default().set_indexing_options(full_text()),
        );
        let text = b.add_text_field(
            TEXT,
            TextOptions::default().set_indexing_options(full_text()),
        );
        let event = b.add_text_field(EVENT, STORED);
        let raw = b.add_text_field(RAW, STORED);
        VigilSchema {
            schema: b.build(),
            id,
            ts,
            host,
            source,
            format,
            category,
            action,
            outcome,
            actor,
            actor_role,
            src_ip,
            target,
            ticket,
            path,
            flags,
            message,
            fields,
            text,
            event,
            raw,
        }
    }

    /// The handles of [`DEFAULT_FIELDS`].
    pub fn default_fields(&self) -> Vec<Field> {
        DEFAULT_FIELDS
            .iter()
            .filter_map(|n| self.schema.get_field(n).ok())
            .collect()
    }

    /// The keyword field named `name` (exact values), if it is one.
    pub fn keyword(&self, name: &str) -> Option<Field> {
        if name == names::ID {
            return Some(self.id);
        }
        COUNTABLE
            .contains(&name)
            .then(|| self.schema.get_field(name).ok())
            .flatten()
    }

    /// The tantivy document of `event` (given back as it came); `buf` is scratch space (kept
    /// between calls, it saves an allocation per event).
    pub fn document(
        &self,
        event: &mut Event,
        buf: &mut Vec<u8>,
    ) -> serde_json::Result<TantivyDocument> {
        // Room for every value at once: the raw line(s), the message, the fields (about as long
        // as the raw line), the rest.
        let mut doc =
            TantivyDocument::with_capacity(2 * event.raw.len() + event.message.len() + 512);
        doc.add_text(self.id, event.id.as_str());
        doc.add_date(
            self.ts,
            DateTime::from_timestamp_micros(event.ts.timestamp_micros()),
        );
        doc.add_text(self.host, &event.host);
        doc.add_text(self.source, &event.source);
        doc.add_text(self.format, &event.format);
        doc.add_text(self.category, event.category.as_str());
        doc.add_text(self.action, &event.action);
        doc.add_text(self.outcome, event.outcome.as_str());
        let optional = [
            (self.actor, event.actor.as_deref()),
            (self.src_ip, event.src_ip.as_deref()),
            (self.target, event.target.as_deref()),
            (self.ticket, event.ticket.as_deref()),
        ];
        for (field, value) in optional {
            if let Some(v) = value {
                doc.add_text(field, v);
            }
        }
        if let Some(role) = &event.actor_role {
            doc.add_text(self.actor_role, serde_name(role));
        }
        doc.add_text(self.path, &event.origin.path);
        for flag in &event.flags {
            doc.add_text(self.flags, serde_name(&flag));
        }
        doc.add_text(self.message, &event.message);
        if !event.fields.is_empty() {
            doc.add_field_value(self.fields, FieldsValue::Object(&event.fields));
            for (_, value) in event.fields.iter() {
                match value.view() {
                    FieldRef::Str(s) => doc.add_text(self.text, s),
                    FieldRef::Json(j) => add_strings(&mut doc, self.text, j),
                }
            }
        }
        doc.add_text(self.raw, &event.raw);
        // The JSON without the two texts stored beside it.
        let raw = std::mem::take(&mut event.raw);
        let message = std::mem::take(&mut event.message);
        buf.clear();
        let written = serde_json::to_writer(&mut *buf, &*event);
        event.raw = raw;
        event.message = message;
        written?;
        let json = std::str::from_utf8(buf).map_err(serde::ser::Error::custom)?;
        doc.add_text(self.event, json);
        Ok(doc)
    }

    /// The event of a stored document: the inverse of [`VigilSchema::document`]. `Err` says what
    /// is wrong with the document.
    pub fn event(&self, doc: &TantivyDocument) -> std::result::Result<Event, String> {
        let text = |field: Field, name: &str| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("it has no stored {name}"))
        };
        let mut event: Event =
            serde_json::from_str(text(self.event, names::EVENT)?).map_err(|e| e.to_string())?;
        event.raw = text(self.raw, names::RAW)?.to_string();
        event.message = text(self.message, names::MESSAGE)?.to_string();
        Ok(event)
    }
}

/// Adds every string inside `value` (an array's or object's too) to `field`.
fn add_strings(doc: &mut TantivyDocument, field: Field, value: &serde_json::Value) {
    match value {
        serde_json::Value::String(s) => doc.add_text(field, s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| add_strings(doc, field, v)),
        serde_json::Value::Object(map) => map.values().for_each(|v| add_strings(doc, field, v)),
        _ => {}
    }
}

/// The event's `fields` as a tantivy value, read in place: the same values, and the same
/// conversions (numbers, RFC 3339 strings as dates), as tantivy's own conversion of a
/// `serde_json::Value`, without copying them into an intermediate map first.
#[derive(Debug, Clone, Copy)]
enum FieldsValue<'a> {
    Object(&'a Fields),
    /// A field's value that is a string (kept apart from other JSON values by [`FieldValue`]).
    Str(&'a str),
    Json(&'a serde_json::Value),
}

/// A string as tantivy's conversion of `serde_json::Value::String` reads it: a date where it
/// starts with a digit and parses as RFC 3339 (and fits tantivy's dates), else text.
fn string_leaf<'a>(text: &'a str) -> ReferenceValueLeaf<'a> {
    use tantivy::time::format_description::well_known::Rfc3339;
    use tantivy::time::{OffsetDateTime, UtcOffset};
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && let Some(dt) = OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .and_then(|dt| DateTime::try_from_utc(dt.to_offset(UtcOffset::UTC)))
    {
        return ReferenceValueLeaf::Date(dt);
    }
    ReferenceValueLeaf::Str(text)
}

/// A field's value, read in place.
fn field_value(v: &FieldValue) -> FieldsValue<'_> {
    match v.view() {
        FieldRef::Str(s) => FieldsValue::Str(s),
        FieldRef::Json(j) => FieldsValue::Json(j),
    }
}

type FieldsIter<'a> = Box<dyn Iterator<Item = (&'a str, FieldsValue<'a>)> + 'a>;

impl<'a> Value<'a> for FieldsValue<'a> {
    type ArrayIter = std::iter::Map<
        std::slice::Iter<'a, serde_json::Value>,
        fn(&'a serde_json::Value) -> FieldsValue<'a>,
    >;
    type ObjectIter = FieldsIter<'a>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        match *self {
            FieldsValue::Object(fields) => ReferenceValue::Object(Box::new(
                fields.iter().map(|(k, v)| (k, field_value(v))),
            ) as FieldsIter<'a>),
            FieldsValue::Str(s) => ReferenceValue::Leaf(string_leaf(s)),
            FieldsValue::Json(v) => match v.as_value() {
                ReferenceValue::Leaf(leaf) => ReferenceValue::Leaf(leaf),
                ReferenceValue::Array(items) => ReferenceValue::Array(
                    items.map(FieldsValue::Json as fn(&'a serde_json::Value) -> FieldsValue<'a>),
                ),
                ReferenceValue::Object(entries) => ReferenceValue::Object(Box::new(
                    entries.map(|(k, v)| (k, FieldsValue::Json(v))),
                )
                    as FieldsIter<'a>),
            },
        }
    }
}

/// Registers the index-side tokenizers on `manager` (the index's own).
pub(crate) fn register_index_tokenizers(manager: &TokenizerManager) {
    manager.register(TEXT_TOKENIZER, TextTokenizer::new(Mode::Index));
}

/// A tokenizer manager for the query parser: the search side of the message tokenizer.
pub(crate) fn search_tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(TEXT_TOKENIZER, TextTokenizer::new(Mode::Search));
    manager
}

#[cfg(test)]
mod tests {
    use tantivy::schema::Value;
    use tantivy::schema::document::ReferenceValue;

    /// A field's string reads as tantivy reads the same `serde_json::Value::String`.
    #[test]
    fn strings_read_as_tantivys_json_strings() {
        for s in [
            "",
            "SELECT",
            "42941",
            "2026-11-05T03:53:52Z",
            "2026-11-05T11:53:52+08:00",
            "2026-11-05T11:53:52.123456789+08:00",
            "2026-11-05 11:53:52 CST",
            "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00Z",
            "1x",
            "档案",
        ] {
            let json = serde_json::Value::String(s.to_string());
            let ReferenceValue::Leaf(want) = (&json).as_value() else {
                panic!("a string is a leaf");
            };
            assert_eq!(super::string_leaf(s), want, "{s:?}");
        }
    }
}
