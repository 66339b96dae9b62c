//! vigil-index: the search index over vigil's events (tantivy).
//!
//! | module | what it holds |
//! |---|---|
//! | [`schema`] | the schema, its field names and [`SCHEMA_VERSION`] |
//! | [`tokenizer`] | the message tokenizer: identifiers whole, Chinese as bigrams |
//! | [`checkpoints`] | the readers' positions, committed with the events |
//! | [`writer`] | [`IndexWriter`]: add events, commit them with checkpoints |
//! | [`reader`] | [`Searcher`]: search, count, count by field, get by id |
//! | [`tails`] | the segment files' tails, so that a search opens only the files it reads |
//! | [`store`] | [`EventStore`], [`Filter`] and [`Row`]: the interface checks and reports read through |
//! | [`error`] | [`Error`]: what went wrong, and in which index |
//!
//! ```no_run
//! # fn main() -> vigil_index::Result<()> {
//! use vigil_index::{Checkpoints, IndexWriter, Searcher};
//! let mut w = IndexWriter::open("data/index")?;
//! // w.add(event)?; ...
//! w.commit(&Checkpoints::new())?;
//! let s = Searcher::open("data/index")?;
//! for e in s.search("actor:zhangsan AND 删除", None, None, 20)? {
//!     println!("{} {}", e.ts, e.message);
//! }
//! # Ok(())
//! # }
//! ```

pub mod checkpoints;
pub mod error;
mod open;
pub mod reader;
pub mod schema;
pub mod store;
pub mod tails;
pub mod tokenizer;
pub mod writer;

pub use checkpoints::{Checkpoints, FileCheckpoint, FileId, JournalCheckpoint};
pub use error::{Error, Result};
pub use reader::{Histogram, Searcher};
pub use schema::{SCHEMA_VERSION, VigilSchema};
pub use store::{EventStore, EventWriter, Filter, Row};
/// The query language's grammar (tantivy's), for stores that translate it.
pub use tantivy::query_grammar;
pub use writer::{DEFAULT_MEMORY_BUDGET, IndexWriter, WriterOptions};
