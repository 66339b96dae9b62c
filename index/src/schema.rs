//! The index schema, built in one place from the fields of [`Event`].
//!
//! Field names are those of the event (`actor`, `src_ip`, ...), plus `path` for `origin.path`,
//! `flags` for the event's flags and `event` for the stored event itself. The whole event is
//! stored as one JSON document in `event` (so `vigil show ID` gives back exactly what was
//! indexed); every other field is for searching, counting and sorting only.
//!
//! | field | type | options |
//! |---|---|---|
//! | `id` | text, raw tokenizer | indexed (the delete-then-add key) |
//! | `host` `source` `format` `category` `action` `outcome` `actor` `actor_role` `src_ip` `target` `ticket` `path` `flags` | text, raw tokenizer | indexed, fast (exact values, counted by [`crate::Searcher::count_by`]) |
//! | `ts` | date, microseconds | indexed, fast (sort, ranges), stored |
//! | `message` | text, [`TEXT_TOKENIZER`] | indexed with positions (full text, phrases, Chinese) |
//! | `fields` | JSON object, [`TEXT_TOKENIZER`] | indexed with positions (`fields.session:abc`) |
//! | `event` | text | stored only: the event as JSON |
//!
//! [`SCHEMA_VERSION`] is written into every commit; bump it whenever this table changes.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, JsonObjectOptions, STORED, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DateTime, TantivyDocument};
use vigil_parsers::Event;

use crate::tokenizer::{Mode, TEXT_TOKENIZER, TextTokenizer};

/// The version of the schema below. An index of another version is refused on open.
pub const SCHEMA_VERSION: u64 = 1;

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
    /// `origin.path`.
    pub const PATH: &str = "path";
    pub const FLAGS: &str = "flags";
    /// The stored event (JSON).
    pub const EVENT: &str = "event";
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
/// message does not quote it.
pub const DEFAULT_FIELDS: [&str; 7] = [
    names::MESSAGE,
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
    pub event: Field,
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
        let id = b.add_text_field(ID, keyword(false));
        let ts = b.add_date_field(
            TS,
            DateOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored()
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
            TextOptions::default().set_indexing_options(full_text()),
        );
        let fields = b.add_json_field(
            FIELDS,
            JsonObjectOptions::default().set_indexing_options(full_text()),
        );
        let event = b.add_text_field(EVENT, STORED);
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
            event,
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

    /// The tantivy document of `event`.
    pub fn document(&self, event: &Event) -> serde_json::Result<TantivyDocument> {
        let mut doc = TantivyDocument::default();
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
            let object = event
                .fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone().into()))
                .collect();
            doc.add_object(self.fields, object);
        }
        doc.add_text(self.event, serde_json::to_string(event)?);
        Ok(doc)
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
