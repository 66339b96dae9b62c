//! vigil-index: the search index over vigil's events.
//!
//! Not built yet: issue 3 ("the first vertical") brings the tantivy schema, the Chinese tokenizer,
//! the writer that commits events with the checkpoints that produced them, and the queries. The
//! crate exists now so that the workspace has its final shape; it exports nothing.
